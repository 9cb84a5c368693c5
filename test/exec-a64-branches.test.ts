// A64 branch targets (issue 18, bug 1): B.cond under every condition and NZCV, CBZ/CBNZ
// on every register in both widths, B and BL, each with offsets whose low bits and
// sign vary. The expected pc is computed here from the encoding (imm19 at bits 23:5,
// imm26 at bits 25:0, times 4, sign-extended) and, where Unicorn runs, checked
// against it too.
import { describe, expect, it } from 'vitest';
import { StepRunner } from '../dist/src/step.js';
import { haveUnicorn, runUnicorn, differences } from './fixtures/unicorn-runner.js';

const PC = 0x1000_0000n;
const MASK_64 = (1n << 64n) - 1n;
const hex = (value: bigint) => `0x${value.toString(16)}`;

/** imm19 values: small and large, positive and negative, with every pattern of the low bits next to the Rt/cond field. */
const IMM19 = [1, 2, 3, 5, -1, -2, -7, 0x3_ffff, -0x4_0000, 0x1_2345];
const IMM26 = [1, 3, -1, -6, 0x1ff_ffff, -0x200_0000, 0x12_3457];

function conditionHolds(cond: number, nzcv: number): boolean {
  const n = (nzcv >> 3) & 1, z = (nzcv >> 2) & 1, c = (nzcv >> 1) & 1, v = nzcv & 1;
  const base = [z === 1, c === 1, n === 1, v === 1, c === 1 && z === 0, n === v, n === v && z === 0, true][cond >> 1]!;
  return (cond & 1) === 1 && cond !== 15 ? !base : base;
}

const target = (offset: number) => (PC + BigInt(offset) * 4n) & MASK_64;

interface Case { insn: string[]; regs: Record<string, string>; expectPc: bigint; expectLr?: bigint; what: string }

function bcondCases(): Case[] {
  const cases: Case[] = [];
  for (let cond = 0; cond < 16; cond++) {
    for (let nzcv = 0; nzcv < 16; nzcv++) {
      for (const imm of IMM19) {
        const word = (0x5400_0000 | ((imm & 0x7_ffff) << 5) | cond) >>> 0;
        cases.push({
          insn: [hex(BigInt(word))], regs: { pc: hex(PC), nzcv: hex(BigInt(nzcv) << 28n) },
          expectPc: conditionHolds(cond, nzcv) ? target(imm) : PC + 4n, what: `b.cond ${cond} nzcv ${nzcv} imm ${imm}`,
        });
      }
    }
  }
  return cases;
}

function compareBranchCases(): Case[] {
  const cases: Case[] = [];
  for (let rt = 0; rt < 32; rt++) {
    for (const wide of [false, true]) {
      for (const nonZero of [false, true]) {
        // Zero in the tested width; for W, bits above 31 are set and must be ignored.
        const values = [0n, 0xffff_ffff_0000_0000n, 0x8000_0000n, 1n];
        for (const [index, value] of values.entries()) {
          const imm = IMM19[(rt + index) % IMM19.length]!;
          const word = ((wide ? 0x8000_0000 : 0) | 0x3400_0000 | (nonZero ? 0x0100_0000 : 0) | ((imm & 0x7_ffff) << 5) | rt) >>> 0;
          const seen = rt === 31 ? 0n : wide ? value : value & 0xffff_ffffn;
          const taken = (seen !== 0n) === nonZero;
          const regs: Record<string, string> = { pc: hex(PC) };
          if (rt !== 31) regs[`x${rt}`] = hex(value);
          cases.push({ insn: [hex(BigInt(word))], regs, expectPc: taken ? target(imm) : PC + 4n, what: `cb${nonZero ? 'nz' : 'z'} ${wide ? 'x' : 'w'}${rt}=${hex(value)} imm ${imm}` });
        }
      }
    }
  }
  return cases;
}

function branchCases(): Case[] {
  return IMM26.flatMap((imm) => [false, true].map((link) => ({
    insn: [hex(BigInt(((link ? 0x9400_0000 : 0x1400_0000) | (imm & 0x3ff_ffff)) >>> 0))], regs: { pc: hex(PC) },
    expectPc: target(imm), expectLr: link ? PC + 4n : undefined, what: `${link ? 'bl' : 'b'} imm ${imm}`,
  })));
}

const GROUPS: Array<[string, () => Case[]]> = [['B.cond', bcondCases], ['CBZ/CBNZ', compareBranchCases], ['B/BL', branchCases]];

describe.each(GROUPS)('A64 %s targets', (_name, make) => {
  it('land where the encoding says', async () => {
    const runner = await StepRunner.create();
    const wrong: string[] = [];
    for (const testCase of make()) {
      const out = runner.step({ arch: 'aarch64', insn: testCase.insn, regs: testCase.regs });
      if (!('regs' in out)) throw new Error(out.error);
      if (BigInt(out.regs.pc!) !== testCase.expectPc) wrong.push(`${testCase.what}: pc ${out.regs.pc}, expected ${hex(testCase.expectPc)}`);
      if (testCase.expectLr !== undefined && BigInt(out.regs.x30!) !== testCase.expectLr) wrong.push(`${testCase.what}: x30 ${out.regs.x30}`);
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it.skipIf(!haveUnicorn)('land where Unicorn lands', async () => {
    const runner = await StepRunner.create();
    const cases = make().map((testCase) => ({ arch: 'aarch64', insn: testCase.insn, regs: testCase.regs }));
    const theirs = runUnicorn(cases);
    const failures: string[] = [];
    cases.forEach((testCase, index) => {
      const diff = differences(runner.step(testCase), theirs[index]!, ['pc', 'x30', 'nzcv']);
      if (diff.length > 0) failures.push(`${testCase.insn[0]}: ${diff.join('; ')}`);
    });
    expect(failures.slice(0, 20)).toEqual([]);
  });
});
