// The Advanced SIMD integer forms of simd-pairwise.ts (issue 18, item 1): SADDLP/UADDLP,
// SADALP/UADALP, CLS/CLZ, SMAXP/UMAXP/SMINP/UMINP, PMUL, PMULL/PMULL2 and SDOT/UDOT. Random words of
// each class (Q, U, size and the registers at random, so the reserved sizes are part of
// the draw: both must call them illegal), with V registers whose lanes are mostly edge
// values, run in our interpreter and in Unicorn 2: every X and V register, pc, NZCV and
// the fault must agree. The model does not claim FEAT_PMULL (Unicorn's CPU does), so the
// 64-bit PMULL is checked to be illegal here instead.
import { describe, expect, it } from 'vitest';
import { haveUnicorn, runUnicorn, unicornDisagreements } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const CASES = Number(process.env.A64_PAIRWISE_CASES ?? 300);
const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv', ...Array.from({ length: 32 }, (_, i) => `v${i}`)];
const hex = (value: bigint) => `0x${value.toString(16)}`;
type Random = ReturnType<typeof prng>;

/** A lane of `bits` bits: a limit, a small value, or random bits (leading-bit counts and pair orders vary). */
function laneValue(random: Random, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const max = (1n << BigInt(bits - 1)) - 1n;
  const choice = random.below(6);
  if (choice < 2) return random.pick([0n, 1n, mask, max, max + 1n, mask - 1n]);
  if (choice < 3) return (BigInt(random.below(80) - 40) & mask) >> BigInt(random.below(bits));
  let out = 0n;
  for (let i = 0; i < bits; i += 32) out = out << 32n | BigInt(random.next());
  return (out & mask) >> BigInt(random.below(bits));
}

function vector(random: Random): string {
  const bits = random.pick([8, 16, 32, 64]);
  let out = 0n;
  for (let i = 0; i < 128; i += bits) out |= laneValue(random, bits) << BigInt(i);
  return hex(out);
}

/** fixed | Q, U, size (bits 30, 29, 23:22) at random, U kept from `fixed` with `keepU` | the opcode | random Rm (with `rm`), Rn, Rd. */
const layout = (fixed: number, opcodeShift: number, opcodes: number[], rm: boolean, keepU = false) => (random: Random) =>
  (fixed | (random.next() & (0x40c0_0000 | (keepU ? 0 : 0x2000_0000) | (rm ? 0x001f_0000 : 0) | 0x3ff)) | (random.pick(opcodes) << opcodeShift)) >>> 0;

const CLASSES: Array<{ name: string; word: (random: Random) => number }> = [
  { name: 'SADDLP/UADDLP, SADALP/UADALP', word: layout(0x0e20_0800, 12, [0b00010, 0b00110], false) },
  { name: 'CLS/CLZ (vector)', word: layout(0x0e20_0800, 12, [0b00100], false) },
  { name: 'SMAXP/UMAXP, SMINP/UMINP', word: layout(0x0e20_0400, 11, [0b10100, 0b10101], true) },
  { name: 'PMUL', word: layout(0x2e20_0400, 11, [0b10011], true, true) },
  // size 3 (the 64-bit PMULL) is drawn separately below
  { name: 'PMULL/PMULL2 (8-bit) and the unallocated U = 1', word: (random) => pmullWord(random, random.below(3)) },
  { name: 'SDOT/UDOT (vector)', word: (random) => (layout(0x0e00_9400, 11, [0b10010], true)(random) | (random.below(4) === 0 ? 0 : 0x0080_0000)) >>> 0 },
  // by element: L, M and H (bits 21, 20, 11) at random with Rm
  { name: 'SDOT/UDOT (by element)', word: (random) => (layout(0x0f00_e000 | (random.next() & 0x0020_0800), 12, [0b1110], true)(random) | (random.below(4) === 0 ? 0 : 0x0080_0000)) >>> 0 },
];

/** PMULL/PMULL2 (U at random) with the given size. */
function pmullWord(random: Random, size: number): number {
  return ((layout(0x0e20_0000, 12, [0b1110], true)(random) & ~0x00c0_0000) | (size << 22)) >>> 0;
}

function randomCase(random: Random, word: number) {
  const regs: Record<string, string> = {};
  for (let i = 0; i < 31; i++) regs[`x${i}`] = hex(BigInt(random.next()));
  for (let i = 0; i < 32; i++) regs[`v${i}`] = vector(random);
  return { arch: 'aarch64', insn: [hex(BigInt(word))], regs };
}

describe.skipIf(!haveUnicorn)('A64 pairwise, leading-bit counts and polynomial multiplies against Unicorn 2', () => {
  it.each(CLASSES.map((testClass) => [testClass.name, testClass] as const))('%s: same V registers, pc and faults', async (_name, testClass) => {
    const random = prng(0x9a1 ^ testClass.name.length * 7919 ^ testClass.name.charCodeAt(2));
    const cases = Array.from({ length: CASES }, () => randomCase(random, testClass.word(random)));
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => testCase.insn[0]!);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });

  it('the draw is not vacuous: every class has words that run and reserved words that are illegal', async () => {
    const { StepRunner } = await import('../dist/src/step.js');
    const runner = await StepRunner.create();
    for (const testClass of CLASSES) {
      const random = prng(0x9a1 ^ testClass.name.length * 7919 ^ testClass.name.charCodeAt(2));
      let ran = 0, illegal = 0;
      for (let i = 0; i < CASES; i++) {
        const out = runner.step(randomCase(random, testClass.word(random)));
        if (!('regs' in out)) throw new Error(out.error);
        if (out.fault === null) ran++;
        else if (out.fault.kind === 'illegal') illegal++;
      }
      expect([ran > CASES / 8, illegal > 0], testClass.name).toEqual([true, true]);
    }
  });

  it('the 64-bit PMULL (FEAT_PMULL, which needs FEAT_AES: not claimed) is illegal and changes nothing, though Unicorn runs it', async () => {
    const { StepRunner } = await import('../dist/src/step.js');
    const runner = await StepRunner.create();
    const random = prng(0x9a2);
    const cases = Array.from({ length: 40 }, () => randomCase(random, (pmullWord(random, 3) & ~0x2000_0000) >>> 0));
    const theirs = runUnicorn(cases);
    cases.forEach((testCase, index) => {
      const out = runner.step(testCase);
      if (!('regs' in out)) throw new Error(out.error);
      expect(out.fault?.kind, testCase.insn[0]).toBe('illegal');
      expect([out.regs.pc, BigInt(out.regs.v0!)]).toEqual(['0x100000', BigInt(testCase.regs.v0!)]);
      expect(theirs[index]!.fault ?? null, 'Unicorn runs it').toBeNull();
    });
  });
});
