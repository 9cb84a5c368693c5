import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64Program, a64 } from '../dist/src/index.js';
import { prng } from './helpers.js';

// Compiled A64 loops (Machine option `jit`) against the interpreter: the same random
// loops on two machines must end in the same registers, flags, memory and exits.

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const DATA_BYTES = 0x4000;
const DEVICE = 0x30_0000n;
const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'];

type Arch = 'aarch64' | 'aarch64_be';

async function machine(jit: boolean, arch: Arch) {
  const created = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
  created.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: created.allocateBacking(0x1000) });
  created.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: DATA_BYTES, userspaceAddr: created.allocateBacking(DATA_BYTES) });
  const log: string[] = [];
  created.mmio.register({ base: DEVICE, size: 0x1000, read: (offset, size) => { log.push(`r${offset}/${size}`); return offset + size; }, write: (offset, size, value) => { log.push(`w${offset}/${size}=${value}`); } });
  return { machine: created, vcpu: new Vcpu(created, 0, arch), log };
}

/** LDRSW Xt, [Xn, #offset] (unsigned offset). */
const ldrsw = (rt: number, rn: number, offset: number) => (0xb980_0000 | ((offset / 4) << 10) | (rn << 5) | rt) >>> 0;

function randomBody(random: ReturnType<typeof prng>, length: number): number[] {
  const reg = () => 3 + random.below(10); // x3..x12; x13..x15 hold the bases
  const baseReg = () => 13 + random.below(3);
  const words: number[] = [];
  for (let i = 0; i < length; i++) {
    const bytes = [1, 2, 4, 8][random.below(4)]!;
    const offset = random.below(256) * bytes;
    switch (random.below(6)) {
      case 0: case 1: words.push(a64.ldr(reg(), baseReg(), offset, bytes)); break;
      case 2: case 3: words.push(a64.str(reg(), baseReg(), offset, bytes)); break;
      case 4: words.push(ldrsw(reg(), baseReg(), random.below(256) * 4)); break;
      default: words.push(random.below(2) ? a64.add(reg(), reg(), random.below(4096)) : a64.sub(reg(), reg(), random.below(4096)));
    }
  }
  return words;
}

describe('compiled A64 loops (Machine option jit)', () => {
  it('end random loops closed by SUBS + B.NE or CBNZ in the same state, flags, memory and device accesses as the interpreter, LE and BE8', async () => {
    let compiled = 0;
    for (const arch of ['aarch64', 'aarch64_be'] as const) {
      for (let seed = 1; seed <= 40; seed++) {
        const random = prng(seed * 104729);
        const body = randomBody(random, 1 + random.below(12));
        const byCbnz = seed % 3 === 0;
        const program = new A64Program().emit(a64.movz(2, 30 + random.below(30))).label('loop').emit(...body);
        if (byCbnz) program.emit(a64.sub(2, 2, 1)).branchTo((offset) => a64.cbnz(2, offset), 'loop');
        else program.emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop');
        program.emit(a64.svc());
        const runs = await Promise.all([false, true].map((jit) => machine(jit, arch)));
        const exits = runs.map(({ machine: m, vcpu }) => {
          m.writeBytes(CODE, program.bytes());
          const fill = prng(seed);
          m.writeBytes(DATA, Uint8Array.from({ length: DATA_BYTES }, () => fill.below(256)));
          for (let r = 3; r < 13; r++) vcpu.set(`x${r}`, BigInt(fill.next()) << 24n | BigInt(fill.next()));
          vcpu.set('x13', DATA).set('x14', DATA + 0x1800n).set('x15', seed % 7 === 0 ? DEVICE : DATA + 0x2000n).set('pc', CODE);
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
