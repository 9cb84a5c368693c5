// PRFM and PRFUM are hints (Arm ARM: a prefetch may do nothing and never faults): every
// form runs as a NOP, the pc moves on and nothing else changes, even when the address has
// no memory behind it, as Unicorn 2 (QEMU) runs them. The words are llvm-mc-14's encodings.
import { describe, expect, it } from 'vitest';
import { StepRunner } from '../dist/src/step.js';
import { haveUnicorn, runUnicorn, differences } from './fixtures/unicorn-runner.js';

const PC = 0x1000n;
const hex = (value: bigint) => `0x${value.toString(16)}`;
const WORDS: Array<[string, number]> = [
  ['prfm pldl1keep, [x1, #8]', 0xf980_0420],
  ['prfum pldl1keep, [x1, #-3]', 0xf89f_d020],
  ['prfm pldl1keep, [x1, x2, lsl #3]', 0xf8a2_7820],
  ['prfm pldl1keep, #16', 0xd800_0080],
  ['prfm pstl2strm, [x1, #8]', 0xf980_0433],
];
const REGS = { pc: hex(PC), x0: '0x1111', x1: '0xdead0000', x2: '0x7', x19: '0x2222' };
const cases = WORDS.map(([, word]) => ({ arch: 'aarch64', insn: [hex(BigInt(word))], regs: REGS }));

describe('A64 PRFM/PRFUM', () => {
  it.each(WORDS)('%s runs as a NOP, even at an address with no memory', async (_asm, word) => {
    const runner = await StepRunner.create();
    const out = runner.step({ arch: 'aarch64', insn: [hex(BigInt(word))], regs: REGS });
    if (!('regs' in out)) throw new Error(out.error);
    expect(out.fault).toBeNull();
    expect(BigInt(out.regs.pc!)).toBe(PC + 4n);
    for (const name of ['x0', 'x1', 'x2', 'x19'] as const) expect(BigInt(out.regs[name]!)).toBe(BigInt(REGS[name]));
  });

  it.skipIf(!haveUnicorn)('agree with Unicorn on every form', async () => {
    const runner = await StepRunner.create();
    const theirs = runUnicorn(cases);
    const failures = cases.flatMap((testCase, index) => {
      const diff = differences(runner.step(testCase), theirs[index]!, ['pc', 'x0', 'x1', 'x2', 'x19', 'nzcv']);
      return diff.length > 0 ? [`${WORDS[index]![0]}: ${diff.join('; ')}`] : [];
    });
    expect(failures).toEqual([]);
  });
});
