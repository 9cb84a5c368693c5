import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, t32, thumbBytes } from '../dist/src/index.js';
import { prng } from './helpers.js';

// Compiled T32 loops (Machine option `jit`) against the interpreter: the same random
// loops of 16-bit loads and stores on two machines must end in the same registers,
// CPSR, memory and exits.

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const DATA_BYTES = 0x4000;
const DEVICE = 0x30_0000n;
const REGISTERS = [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'cpsr'];

async function machine(jit: boolean) {
  const created = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
  created.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: created.allocateBacking(0x1000) });
  created.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: DATA_BYTES, userspaceAddr: created.allocateBacking(DATA_BYTES) });
  const log: string[] = [];
  created.mmio.register({ base: DEVICE, size: 0x1000, read: (offset, size) => { log.push(`r${offset}/${size}`); return offset + size; }, write: (offset, size, value) => { log.push(`w${offset}/${size}=${value}`); } });
  return { machine: created, vcpu: new Vcpu(created, 0, 'thumb'), log };
}

/** STRB Rt, [Rn, #imm5] and STRH/LDRH, LDR/STR SP-relative (the assembler has the others). */
const strb = (rt: number, rn: number, offset: number) => 0x7000 | (offset << 6) | (rn << 3) | rt;
const ldrh = (rt: number, rn: number, offset: number) => 0x8800 | ((offset / 2) << 6) | (rn << 3) | rt;
const ldrSp = (rt: number, offset: number) => 0x9800 | (rt << 8) | (offset / 4);
const strSp = (rt: number, offset: number) => 0x9000 | (rt << 8) | (offset / 4);

function randomBody(random: ReturnType<typeof prng>, length: number, withUncompiled: boolean): number[] {
  const reg = () => [0, 1, 3][random.below(3)]!; // r2 counts; r4..r7 hold the bases
  const baseReg = () => 4 + random.below(4);
  const halves: number[] = [];
  for (let i = 0; i < length; i++) {
    switch (random.below(8)) {
      case 0: halves.push(t32.ldr(reg(), baseReg(), random.below(32) * 4)); break;
      case 1: halves.push(t32.str(reg(), baseReg(), random.below(32) * 4)); break;
      case 2: halves.push(t32.ldrb(reg(), baseReg(), random.below(32))); break;
      case 3: halves.push(strb(reg(), baseReg(), random.below(32))); break;
      case 4: halves.push(ldrh(reg(), baseReg(), random.below(32) * 2)); break;
      case 5: halves.push(t32.strh(reg(), baseReg(), random.below(32) * 2)); break;
      case 6: halves.push(ldrSp(reg(), random.below(256) * 4)); break;
      default: halves.push(strSp(reg(), random.below(256) * 4));
    }
  }
  if (withUncompiled) halves.splice(random.below(halves.length + 1), 0, t32.adds(3, 3, 0)); // flags: not compiled
  return halves;
}

describe('compiled T32 loops (Machine option jit)', () => {
  it('end random 16-bit loops closed by SUBS + BNE in the same registers, CPSR, memory and device accesses as the interpreter', async () => {
    let compiled = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const random = prng(seed * 6151);
      const body = randomBody(random, 1 + random.below(12), seed % 5 === 0);
      const halves = [t32.movs(2, 30 + random.below(30)), ...body, t32.subsImm(2, 1), t32.bcond('ne', -(body.length + 1) * 2), t32.svc()];
      const runs = await Promise.all([false, true].map((jit) => machine(jit)));
      const exits = runs.map(({ machine: m, vcpu }) => {
        m.writeBytes(CODE, thumbBytes(halves));
        const fill = prng(seed);
        m.writeBytes(DATA, Uint8Array.from({ length: DATA_BYTES }, () => fill.below(256)));
        for (const r of [0, 1, 3]) vcpu.set(`r${r}`, BigInt(fill.next() >>> 0));
        vcpu.set('r4', DATA).set('r5', DATA + 0x1000n).set('r6', DATA + 0x2001n).set('r7', seed % 7 === 0 ? DEVICE : DATA + 0x3000n);
        vcpu.set('r13', DATA + 0x800n).set('pc', CODE).set('cpsr', 0x1f3);
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
      expect(exits[1], `seed ${seed}`).toEqual(exits[0]);
      expect(state(jit!), `seed ${seed}`).toEqual(state(plain!));
      expect(jit!.log).toEqual(plain!.log);
      const view = new DataView(jit!.machine.memory.buffer);
      const map = jit!.machine.map;
      for (let i = 0; i < map.JIT_BLOCKS; i++) {
        if (view.getInt32(jit!.vcpu.core.record + map.REC_JIT_BLOCKS + i * map.JIT_BLOCK_SIZE + 8, true) > 0) compiled++;
      }
    }
    expect(compiled).toBeGreaterThan(30);
  });
});
