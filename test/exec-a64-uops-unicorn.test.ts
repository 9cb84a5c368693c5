// The A64 micro-ops (assembly/exec/a64-uops.ts) run several to a run, against Unicorn 2:
// random straight-line sequences of the integer loads and stores they take (unsigned
// offset, unscaled, pre- and post-index, register offset with each extend, LDP/STP/LDPSW
// in every indexing) mixed with flag-setting and conditional ALU forms, little-endian and
// BE8; and sequences of the one-source, carry, multiply-high and EXTR forms. Every X
// register, SP, NZCV, pc, the memory and the fault must agree.
import { describe, expect, it } from 'vitest';
import { StepRunner } from '../dist/src/step.js';
import { haveUnicorn, runUnicorn, differences } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'];
const MEM = 0x10000;
const MEM_BYTES = 0x2000;
const CASES = Number(process.env.A64_UOP_CASES ?? 300);
const LENGTH = 3;
type Random = ReturnType<typeof prng>;
const hex = (value: bigint | number) => `0x${value.toString(16)}`;

// Registers: bases x0-x7 (into MEM), indexes x8-x15 (small, some negative), loads land in x16-x30 or XZR;
// stores take x8-x30 or XZR (never the base: writeback onto it is CONSTRAINED UNPREDICTABLE).
const base = (random: Random) => random.below(8);
const index = (random: Random) => 8 + random.below(8);
const target = (random: Random) => (random.below(8) === 0 ? 31 : 16 + random.below(15));

/**
 * One integer load or store word of the forms the micro-ops take (size 2 with opc 3 is
 * reserved: both must call it illegal). Left out: PRFM/PRFUM (size 3, opc 2: hints, NOPs
 * on both sides; test/exec-a64-prefetch.test.ts) and LDP with Rt = Rt2 (CONSTRAINED
 * UNPREDICTABLE: ours undefined, Unicorn loads).
 */
function memoryWord(random: Random): number {
  const size = random.below(4), opc = size === 3 ? random.below(2) : random.below(4);
  const rt = opc === 0 ? 8 + random.below(24) : target(random);
  const withSp = random.below(8) === 0;
  const rn = withSp ? 31 : base(random);
  switch (random.below(withSp ? 2 : 5)) {
    case 0: // unsigned offset
      return (0x3900_0000 | (size << 30) | (opc << 22) | (random.below(64) << 10) | (rn << 5) | rt) >>> 0;
    case 1: { // LDP/STP/LDPSW, signed offset (and, without SP, pre/post-index)
      const load = random.below(2), pairOpc = load ? random.pick([0, 1, 2]) : random.pick([0, 2]); // opc 1: LDPSW (STGP is MTE's)
      const indexing = withSp ? 2 : random.pick([1, 2, 3]);
      const first = load ? 16 + random.below(15) : rt;
      const rt2 = load ? 16 + (first - 16 + 1 + random.below(14)) % 15 : 8 + random.below(24);
      const imm7 = (random.below(32) - 16) & 0x7f;
      return ((pairOpc << 30) | 0x2800_0000 | (indexing << 23) | (load << 22) | (imm7 << 15) | (rt2 << 10) | (rn << 5) | first) >>> 0;
    }
    case 2: case 3: { // unscaled, post-index, pre-index
      const kind = random.pick([0, 1, 3]);
      return (0x3800_0000 | (size << 30) | (opc << 22) | (((random.below(512) - 256) & 0x1ff) << 12) | (kind << 10) | (rn << 5) | rt) >>> 0;
    }
    default: { // register offset: UXTW, LSL, SXTW, SXTX, shifted by the size or not
      const option = random.pick([2, 3, 6, 7]);
      return (0x3820_0800 | (size << 30) | (opc << 22) | (index(random) << 16) | (option << 13) | (random.below(2) << 12) | (rn << 5) | rt) >>> 0;
    }
  }
}

/** A flag-setting or flag-reading ALU word on the loaded registers (x16-x30, XZR). */
function aluWord(random: Random): number {
  const sf = random.below(2) << 31;
  const rd = target(random), rn = target(random), rm = target(random);
  const cond = random.below(16) << 12;
  switch (random.below(5)) {
    case 0: return (sf | 0x7100_0000 | (random.below(4096) << 10) | (rn << 5) | rd) >>> 0; // SUBS (CMP) immediate
    case 1: return (sf | 0x2b00_0000 | (random.below(3) << 22) | (rm << 16) | (random.below(sf ? 64 : 32) << 10) | (rn << 5) | rd) >>> 0; // ADDS shifted
    case 2: return (sf | 0x1a80_0000 | (random.below(2) << 30) | (rm << 16) | cond | (random.below(2) << 10) | (rn << 5) | rd) >>> 0; // CSEL/CSINC/CSINV/CSNEG
    case 3: return (sf | 0x3a40_0000 | (random.below(2) << 30) | (rm << 16) | cond | (random.below(2) << 11) | (rn << 5) | random.below(16)) >>> 0; // CCMP/CCMN
    default: return (sf | 0x6a00_0000 | (random.below(3) << 22) | (rm << 16) | (random.below(sf ? 64 : 32) << 10) | (rn << 5) | rd) >>> 0; // ANDS shifted
  }
}

/** RBIT/REV16/REV32/REV/CLZ/CLS, ADC/ADCS/SBC/SBCS, UMULH/SMULH, EXTR (ROR), NOP, or ADDS/SUBS to vary the carry. */
function moreAluWord(random: Random): number {
  const sf = random.below(2), wide = sf << 31;
  const rd = target(random), rn = target(random), rm = random.below(4) === 0 ? rn : target(random);
  switch (random.below(6)) {
    case 0: return (wide | 0x5ac0_0000 | (random.pick(sf ? [0, 1, 2, 3, 4, 5] : [0, 1, 2, 4, 5]) << 10) | (rn << 5) | rd) >>> 0; // W has no opcode 3
    case 1: return (wide | 0x1a00_0000 | (random.below(4) << 29) | (rm << 16) | (rn << 5) | rd) >>> 0;
    case 2: return (0x9b40_7c00 | (random.below(2) << 23) | (rm << 16) | (rn << 5) | rd) >>> 0;
    case 3: return (wide | 0x1380_0000 | (sf << 22) | (rm << 16) | (random.below(sf ? 64 : 32) << 10) | (rn << 5) | rd) >>> 0;
    case 4: return 0xd503_201f;
    default: return aluWord(random);
  }
}

/** A register value: random, or one of the edges the bit counts and carries turn on. */
function operand(random: Random): bigint {
  const edges = [0n, 1n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffffn, 0x8000_0000n, 0xffff_ffff_8000_0000n];
  if (random.below(4) === 0) return edges[random.below(edges.length)]!;
  return (BigInt(random.next()) << 32n | BigInt(random.next())) >> BigInt(random.below(64));
}

describe('A64 micro-op sequences against Unicorn 2', () => {
  it.skipIf(!haveUnicorn)('one-source, carry, multiply-high, EXTR and NOP forms leave the same registers and NZCV', async () => {
    const random = prng(0xa64b);
    const cases: object[] = [];
    for (let n = 0; n < CASES; n++) {
      const insn = Array.from({ length: 4 }, () => hex(moreAluWord(random)));
      const regs: Record<string, string> = {};
      for (let i = 16; i < 31; i++) regs[`x${i}`] = hex(operand(random));
      regs.nzcv = hex((random.below(16) << 28) >>> 0);
      cases.push({ arch: 'aarch64', insn, regs });
    }
    const runner = await StepRunner.create();
    const theirs = runUnicorn(cases);
    const failures: string[] = [];
    cases.forEach((testCase, index) => {
      const ours = runner.step(testCase as Parameters<StepRunner['step']>[0]);
      const diff = differences(ours, theirs[index]!, REGISTERS);
      if (diff.length > 0) failures.push(`${(testCase as { insn: string[] }).insn.join(' ')}: ${diff.join('; ')}`);
    });
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
    expect(cases.length).toBe(CASES);
  });


  it.skipIf(!haveUnicorn)('loads, stores and flag forms leave the same registers, memory and faults (LE and BE8)', async () => {
    const random = prng(0xa64a);
    const cases: object[] = [];
    for (const arch of ['aarch64', 'aarch64_be']) {
      for (let n = 0; n < CASES; n++) {
        const insn = Array.from({ length: LENGTH }, () => hex(random.below(3) === 0 ? aluWord(random) : memoryWord(random)));
        const regs: Record<string, string> = {};
        for (let i = 0; i < 8; i++) regs[`x${i}`] = hex(MEM + 0x800 + random.below(0x1000));
        for (let i = 8; i < 16; i++) regs[`x${i}`] = hex(BigInt.asUintN(64, BigInt(random.below(128) - 64)));
        for (let i = 16; i < 31; i++) regs[`x${i}`] = hex(BigInt(random.next()) << 32n | BigInt(random.next()));
        regs.sp = hex(MEM + 0x1000); // 16-byte aligned: Unicorn's SCTLR_EL1.SA is set
        regs.nzcv = hex((random.below(16) << 28) >>> 0);
        const mem = Array.from({ length: MEM_BYTES }, () => random.below(256).toString(16).padStart(2, '0')).join('');
        cases.push({ arch, insn, regs, mem: [{ addr: hex(MEM), hex: mem }] });
      }
    }
    const runner = await StepRunner.create();
    const theirs = runUnicorn(cases);
    const failures: string[] = [];
    let completed = 0;
    cases.forEach((testCase, index) => {
      const ours = runner.step(testCase as Parameters<StepRunner['step']>[0]);
      if (!ours.fault) completed++;
      const diff = differences(ours, theirs[index]!, REGISTERS);
      const { arch, insn } = testCase as { arch: string; insn: string[] };
      if (diff.length > 0) failures.push(`${arch} ${insn.join(' ')}: ${diff.join('; ')}`);
    });
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
    expect(cases.length).toBe(2 * CASES);
    expect(completed).toBeGreaterThan(cases.length / 2); // most sequences run to their end
  });
});
