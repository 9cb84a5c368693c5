// The A64 SIMD&FP micro-ops (assembly/exec/a64/uop-simd.ts) run several to a run, against
// Unicorn 2: random sequences of FMOV between general and S/D registers, MOVI/MVNI/ORR/
// BIC/FMOV (vector, immediate), the vector logical ops, ADD/SUB (vector), CNT, ADDV, EXT
// and the barriers the decoder takes as NOPs (DMB, ISB), with Q, U, size and
// the registers at random, so the reserved encodings are part of the draw: both must
// call them illegal at the same pc. Every X and V register, SP, NZCV and pc must agree.
import { describe, expect, it } from 'vitest';
import { StepRunner } from '../dist/src/step.js';
import { haveUnicorn, unicornDisagreements } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const CASES = Number(process.env.A64_UOP_SIMD_CASES ?? 400);
const LENGTH = 4;
const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv', ...Array.from({ length: 32 }, (_, i) => `v${i}`)];
type Random = ReturnType<typeof prng>;
const hex = (value: bigint | number) => `0x${value.toString(16)}`;

// Registers from a small set, so sequences feed each other: V0-V7, X0-X7 and XZR.
const v = (random: Random) => random.below(8);
const x = (random: Random) => (random.below(8) === 0 ? 31 : random.below(8));
const three = (random: Random) => (v(random) << 16) | (v(random) << 5) | v(random);
const q = (random: Random) => random.below(2) << 30;

const CLASSES: Array<{ name: string; word: (random: Random) => number }> = [
  { name: 'AND/BIC/ORR/ORN/EOR/BSL/BIT/BIF (vector)', word: (random) => 0x0e20_1c00 | q(random) | (random.below(2) << 29) | (random.below(4) << 22) | three(random) },
  { name: 'ADD/SUB (vector)', word: (random) => 0x0e20_8400 | q(random) | (random.below(2) << 29) | (random.below(4) << 22) | three(random) },
  { name: 'FMOV (general)', word: (random) => random.pick([0x1e26_0000, 0x1e27_0000, 0x9e66_0000, 0x9e67_0000, 0x9eae_0000, 0x9eaf_0000])
    | (random.below(2) === 0 ? (v(random) << 5) | x(random) : (x(random) << 5) | v(random)) },
  { name: 'CNT', word: (random) => 0x0e20_5800 | q(random) | (random.below(8) === 0 ? random.below(4) << 22 : 0) | (v(random) << 5) | v(random) },
  { name: 'ADDV', word: (random) => 0x0e31_b800 | q(random) | (random.below(4) << 22) | (v(random) << 5) | v(random) },
  { name: 'EXT', word: (random) => 0x2e00_0000 | q(random) | (random.below(16) << 11) | three(random) },
  // o2 (bit 11) stays 0: the half-precision FMOV is FEAT_FP16, which the model does not claim (Unicorn's CPU does)
  { name: 'MOVI/MVNI/ORR/BIC/FMOV (vector, immediate)', word: (random) => 0x0f00_0400 | q(random) | (random.below(2) << 29)
    | (random.below(8) << 16) | (random.below(16) << 12) | (random.below(32) << 5) | v(random) },
  { name: 'DMB/ISB', word: (random) => 0xd503_309f | (random.pick([1, 2]) << 5) | (random.below(16) << 8) },
];

/** A vector whose lanes are mostly edges (carries across lanes, all ones, top bits) or random. */
function vector(random: Random): bigint {
  let out = 0n;
  for (let i = 0; i < 4; i++) {
    const lane = random.below(3) === 0 ? BigInt(random.pick([0, 0xffff_ffff, 0x8000_0000, 0x7fff_ffff, 0x0101_0101, 0x80ff_7f01])) : BigInt(random.next());
    out |= lane << BigInt(32 * i);
  }
  return out;
}

function sequence(random: Random, words: () => number) {
  const regs: Record<string, string> = {};
  for (let i = 0; i < 31; i++) regs[`x${i}`] = hex(BigInt(random.next()) << 32n | BigInt(random.next()));
  for (let i = 0; i < 32; i++) regs[`v${i}`] = hex(vector(random));
  regs.nzcv = hex((random.below(16) << 28) >>> 0);
  return { arch: 'aarch64', insn: Array.from({ length: LENGTH }, () => hex(words() >>> 0)), regs };
}

describe.skipIf(!haveUnicorn)('A64 SIMD&FP micro-op sequences against Unicorn 2', () => {
  it.each(CLASSES.map((testClass) => [testClass.name, testClass] as const))('%s: same X and V registers, NZCV, pc and faults', async (name, testClass) => {
    const random = prng(0x51d ^ name.length * 7919 ^ name.charCodeAt(1));
    const cases = Array.from({ length: CASES }, () => sequence(random, () => testClass.word(random)));
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => testCase.insn.join(' '));
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });

  it('mixed sequences of every class agree', async () => {
    const random = prng(0x51e);
    const cases = Array.from({ length: CASES }, () => sequence(random, () => random.pick(CLASSES).word(random)));
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => testCase.insn.join(' '));
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });

  it('the draw is not vacuous: most sequences run to their end, and reserved words are illegal', async () => {
    const runner = await StepRunner.create();
    const random = prng(0x51f);
    let completed = 0, illegal = 0;
    for (let i = 0; i < CASES; i++) {
      const out = runner.step(sequence(random, () => random.pick(CLASSES).word(random)));
      if (!('regs' in out)) throw new Error(out.error);
      if (out.fault === null) completed++;
      else if (out.fault.kind === 'illegal') illegal++;
    }
    expect(completed).toBeGreaterThan(CASES / 3);
    expect(illegal).toBeGreaterThan(0);
  });
});
