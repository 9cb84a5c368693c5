import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, a32 } from '../dist/src/index.js';
import { prng } from './helpers.js';

// Compiled A32 loops (Machine option `jit`) against the interpreter: the same random
// loops on two machines must end in the same registers, CPSR, memory and exits.

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const DATA_BYTES = 0x4000;
const DEVICE = 0x30_0000n;
const REGISTERS = [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'cpsr'];

type Arch = 'arm' | 'armeb';

async function machine(jit: boolean, arch: Arch) {
  const created = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
  created.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: created.allocateBacking(0x1000) });
  created.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: DATA_BYTES, userspaceAddr: created.allocateBacking(DATA_BYTES) });
  const log: string[] = [];
  created.mmio.register({ base: DEVICE, size: 0x1000, read: (offset, size) => { log.push(`r${offset}/${size}`); return offset + size; }, write: (offset, size, value) => { log.push(`w${offset}/${size}=${value}`); } });
  return { machine: created, vcpu: new Vcpu(created, 0, arch), log };
}

function randomBody(random: ReturnType<typeof prng>, length: number, withUncompiled: boolean): number[] {
  const reg = () => 3 + random.below(7); // r3..r9; r10..r12 hold the bases, r2 counts
  const baseReg = () => 10 + random.below(3);
  const signed = (magnitude: number) => (random.below(2) ? magnitude : -magnitude);
  const words: number[] = [];
  for (let i = 0; i < length; i++) {
    switch (random.below(8)) {
      case 0: words.push(a32.ldr(reg(), baseReg(), signed(random.below(512) * 4))); break;
      case 1: words.push(a32.str(reg(), baseReg(), signed(random.below(512) * 4))); break;
      case 2: words.push(a32.ldrb(reg(), baseReg(), signed(random.below(2048)))); break;
      case 3: words.push(a32.strb(reg(), baseReg(), signed(random.below(2048)))); break;
      case 4: words.push(a32.ldrh(reg(), baseReg(), signed(random.below(128) * 2 + random.below(2)))); break; // some misaligned
      case 5: words.push(a32.strh(reg(), baseReg(), signed(random.below(128) * 2))); break;
      default: words.push(random.below(2) ? a32.add(reg(), reg(), random.below(256)) : a32.sub(reg(), reg(), random.below(256)));
    }
  }
  if (withUncompiled) words.splice(random.below(words.length + 1), 0, a32.ldr(reg(), baseReg(), 4, 'pre')); // writeback: not compiled
  return words;
}

describe('compiled A32 loops (Machine option jit)', () => {
  it('end random loops closed by SUBS + BNE in the same registers, CPSR, memory and device accesses as the interpreter, LE and BE8', async () => {
    let compiled = 0;
    for (const arch of ['arm', 'armeb'] as const) {
      for (let seed = 1; seed <= 40; seed++) {
        const random = prng(seed * 7919);
        const body = randomBody(random, 1 + random.below(12), seed % 5 === 0);
        const words = [a32.mov(2, 30 + random.below(30)), ...body, a32.subs(2, 2, 1), a32.b(-(body.length + 1) * 4, 'ne'), a32.svc()];
        const bytes = new Uint8Array(words.length * 4);
        words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
        const runs = await Promise.all([false, true].map((jit) => machine(jit, arch)));
        const exits = runs.map(({ machine: m, vcpu }) => {
          m.writeBytes(CODE, bytes);
          const fill = prng(seed);
          m.writeBytes(DATA, Uint8Array.from({ length: DATA_BYTES }, () => fill.below(256)));
          for (let r = 3; r < 10; r++) vcpu.set(`r${r}`, BigInt(fill.next() >>> 0));
          vcpu.set('r10', DATA + 0x800n).set('r11', DATA + 0x2000n).set('r12', seed % 7 === 0 ? DEVICE + 0x800n : DATA + 0x3000n).set('pc', CODE);
          const budgets = prng(seed);
          const seen: unknown[] = [];
          for (let run = 0; run < 60; run++) {
            const exit = vcpu.run(29 + budgets.below(300));
            seen.push(exit);
            if (exit.reason !== 'budget') break;
          }
          return seen;
        });
        const [plain, jit] = runs;
        const state = ({ machine: m, vcpu }: typeof plain) => ({ regs: REGISTERS.map((name) => vcpu.get(name)), data: Buffer.from(m.readBytes(DATA, DATA_BYTES)).toString('hex') });
        expect(exits[1], `${arch} seed ${seed}`).toEqual(exits[0]);
        expect(state(jit!), `${arch} seed ${seed}`).toEqual(state(plain!));
        expect(jit!.log).toEqual(plain!.log);
        const view = new DataView(jit!.machine.memory.buffer);
        const map = jit!.machine.map;
        for (let i = 0; i < map.JIT_BLOCKS; i++) {
          if (view.getInt32(jit!.vcpu.core.record + map.REC_JIT_BLOCKS + i * map.JIT_BLOCK_SIZE + 8, true) > 0) compiled++;
        }
      }
    }
    expect(compiled).toBeGreaterThan(40);
  });
});
