import { describe, expect, it } from 'vitest';
import { t32, thumbBytes } from '../dist/src/index.js';
import { prng } from './helpers.js';
import { CODE, DATA, DEVICE, compareLoopRuns } from './fixtures/jit-pair.js';

// Compiled T32 loops (Machine option `jit`) against the interpreter: the same random
// loops of 16-bit loads and stores on two machines must end in the same registers,
// CPSR, memory and exits.

const REGISTERS = [...Array.from({ length: 16 }, (_, i) => `r${i}`), 'cpsr'];

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
      compiled += await compareLoopRuns('thumb', seed, thumbBytes(halves), REGISTERS, (vcpu, fill) => {
        for (const r of [0, 1, 3]) vcpu.set(`r${r}`, BigInt(fill.next() >>> 0));
        vcpu.set('r4', DATA).set('r5', DATA + 0x1000n).set('r6', DATA + 0x2001n).set('r7', seed % 7 === 0 ? DEVICE : DATA + 0x3000n);
        vcpu.set('r13', DATA + 0x800n).set('pc', CODE).set('cpsr', 0x1f3);
      });
    }
    expect(compiled).toBeGreaterThan(30);
  });

  it('end a loop whose start is also the skipped ELSE of an ITE after a device load as the interpreter does', async () => {
    // outer: ADDS r2, r3, r6 (r6 = 0: NE) / ITE NE / LDRNE r1, [r7] (a device: a block end) / inner: LDREQ r1, [r4]
    // (skipped there, unconditional when BNE comes back) / SUBS r2 / BNE inner / SUBS r3 / BNE outer: on the last
    // outer pass (r2 = 1) the inner LDR is only skipped, so r1 must end with the device's value.
    let compiled = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const random = prng(seed * 7919);
      const halves = [
        t32.movs(3, 20 + random.below(20)),
        t32.adds(2, 3, 6), t32.it('ne', 'e'), t32.ldr(1, 7, 0),
        t32.ldr(1, 4, 4 * random.below(32)), t32.subsImm(2, 1), t32.bcond('ne', -4),
        t32.subsImm(3, 1), t32.bcond('ne', -14), t32.svc(),
      ];
      compiled += await compareLoopRuns('thumb', seed, thumbBytes(halves), REGISTERS, (vcpu, fill) => {
        vcpu.set('r1', BigInt(fill.next() >>> 0)).set('r6', 0n).set('r4', DATA).set('r7', DEVICE);
        vcpu.set('r13', DATA + 0x800n).set('pc', CODE).set('cpsr', 0x1f3);
      });
    }
    expect(compiled).toBeGreaterThan(4);
  });
});
