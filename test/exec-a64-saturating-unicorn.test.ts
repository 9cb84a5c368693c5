// The Advanced SIMD integer forms that saturate, round, halve or multiply by element
// (issue 18, item 1): random words of each class, with V registers whose lanes are
// mostly edge values (0, ±1, the signed and unsigned limits, small shift counts), run in
// our interpreter and in Unicorn 2. Each case is `msr fpsr, x0; <word>; mrs x1, fpsr`
// with FPSR.QC clear or set in x0, so x1 compares the saturation flag (QC is sticky).
// Every X and V register, pc, NZCV and the fault must agree; reserved encodings inside a
// class are part of the draw (both must call them illegal).
import { describe, expect, it } from 'vitest';
import { haveUnicorn, unicornDisagreements } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const CASES = Number(process.env.A64_SATURATING_CASES ?? 400);
const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv', ...Array.from({ length: 32 }, (_, i) => `v${i}`)];
const MSR_FPSR_X0 = 0xd51b_4420;
const MRS_X1_FPSR = 0xd53b_4421;
const FPSR_QC = 1n << 27n;
const hex = (value: bigint) => `0x${value.toString(16)}`;
type Random = ReturnType<typeof prng>;

/** A lane of `bits` bits: a limit, a small value or shift count, or random bits. */
function laneValue(random: Random, bits: number): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  const max = (1n << BigInt(bits - 1)) - 1n;
  const edges = [0n, 1n, 2n, mask, max, max + 1n, max - 1n, max + 2n, mask - 1n];
  const small = BigInt(random.below(80) - 40) & mask; // shift counts in the low byte, both ways
  const choice = random.below(8);
  if (choice < 3) return random.pick(edges);
  if (choice < 5) return small;
  let bitsOut = 0n;
  for (let i = 0; i < bits; i += 32) bitsOut = bitsOut << 32n | BigInt(random.next());
  return bitsOut & mask;
}

/** A 128-bit V register of lanes of one random size. */
function vector(random: Random): string {
  const bits = random.pick([8, 16, 32, 64]);
  let out = 0n;
  for (let i = 0; i < 128; i += bits) out |= laneValue(random, bits) << BigInt(i);
  return hex(out);
}

interface Class {
  name: string;
  word(random: Random): number;
}

/** fixed | Q, U, size (bits 30, 29, 23:22) at random | the opcode field | random Rm (bits 20:16, with `rm`), Rn, Rd. */
const sameLayout = (fixed: number, opcodeShift: number, opcodes: number[], vectorForm: boolean, rm = true) => (random: Random) =>
  (fixed | (random.next() & ((vectorForm ? 0x4000_0000 : 0) | 0x20c0_0000 | (rm ? 0x001f_0000 : 0) | 0x3ff)) | (random.pick(opcodes) << opcodeShift)) >>> 0;

/** fixed | Q, U | a nonzero immh:immb | the opcode | Rn, Rd. */
const shiftLayout = (fixed: number, opcodes: number[], vectorForm: boolean) => (random: Random) => {
  const immh = 1 + random.below(15);
  return (fixed | (random.next() & ((vectorForm ? 0x4000_0000 : 0) | 0x2000_03ff)) | (immh << 19) | (random.below(8) << 16) | (random.pick(opcodes) << 11)) >>> 0;
};

/** By element: fixed | Q | size, L, M, Rm, H, Rn, Rd at random | U:opcode from `ops` (U << 4 | opcode). */
const elementLayout = (fixed: number, ops: number[], vectorForm: boolean) => (random: Random) => {
  const op = random.pick(ops);
  return (fixed | (random.next() & ((vectorForm ? 0x4000_0000 : 0) | 0x00ff_0bff)) | ((op >> 4) << 29) | ((op & 15) << 12)) >>> 0;
};

const ELEMENT_OPS = [0x10, 0x14, 0x08, 0x02, 0x12, 0x06, 0x16, 0x0a, 0x1a, 0x03, 0x07, 0x0b, 0x0c, 0x0d, 0x1d, 0x1f];
const SCALAR_ELEMENT_OPS = [0x03, 0x07, 0x0b, 0x0c, 0x0d, 0x1d, 0x1f];
const SHIFT_OPCODES = [0b00100, 0b00110, 0b01100, 0b01110, 0b10000, 0b10001, 0b10010, 0b10011];

const CLASSES: Class[] = [
  // SHADD, SQADD, SRHADD, SHSUB, SQSUB, SQSHL, SRSHL, SQRSHL, SQDMULH (and the U forms)
  { name: 'three same: saturating, rounding, halving', word: sameLayout(0x0e20_0400, 11, [0, 1, 2, 4, 5, 9, 10, 11, 22], true) },
  { name: 'scalar three same: saturating, rounding', word: sameLayout(0x5e20_0400, 11, [0, 1, 5, 9, 10, 11, 22], false) },
  // ADDHN/RADDHN, SABAL/UABAL, SUBHN/RSUBHN, SABDL/UABDL, SQDMLAL, SQDMLSL, SQDMULL
  { name: 'three different: narrowing high, absolute difference, doubling', word: sameLayout(0x0e20_0000, 12, [4, 5, 6, 7, 9, 11, 13], true) },
  { name: 'scalar three different: SQDMLAL, SQDMLSL, SQDMULL', word: sameLayout(0x5e20_0000, 12, [9, 11, 13], false) },
  // SUQADD/USQADD, SQABS/SQNEG, SQXTUN (and XTN), SQXTN/UQXTN
  { name: 'two-register misc: saturating', word: sameLayout(0x0e20_0800, 12, [3, 7, 18, 20], true, false) },
  { name: 'scalar two-register misc: saturating', word: sameLayout(0x5e20_0800, 12, [3, 7, 18, 20], false, false) },
  { name: 'shift by immediate: rounding, saturating, narrowing', word: shiftLayout(0x0f00_0400, SHIFT_OPCODES, true) },
  { name: 'scalar shift by immediate: rounding, saturating, narrowing', word: shiftLayout(0x5f00_0400, SHIFT_OPCODES, false) },
  { name: 'multiply by element', word: elementLayout(0x0f00_0000, ELEMENT_OPS, true) },
  { name: 'scalar multiply by element', word: elementLayout(0x5f00_0000, SCALAR_ELEMENT_OPS, false) },
  { name: 'SQRDMLAH/SQRDMLSH (vector)', word: (random) => (sameLayout(0x2e00_8400, 11, [0, 1], true)(random) | 0x2000_0000) >>> 0 },
  { name: 'SQRDMLAH/SQRDMLSH (scalar)', word: (random) => (sameLayout(0x7e00_8400, 11, [0, 1], false)(random) | 0x2000_0000) >>> 0 },
];

function randomCase(random: Random, word: number) {
  const regs: Record<string, string> = { x0: hex(random.below(2) === 0 ? 0n : FPSR_QC) };
  for (let i = 2; i < 31; i++) regs[`x${i}`] = hex(BigInt(random.next()));
  for (let i = 0; i < 32; i++) regs[`v${i}`] = vector(random);
  return { arch: 'aarch64', insn: [MSR_FPSR_X0, word, MRS_X1_FPSR].map((w) => hex(BigInt(w))), regs };
}

describe.skipIf(!haveUnicorn)('A64 saturating, rounding and by-element SIMD against Unicorn 2', () => {
  it.each(CLASSES.map((testClass) => [testClass.name, testClass] as const))('%s: same V registers, FPSR.QC, pc and faults', async (_name, testClass) => {
    const random = prng(0x5a7 ^ testClass.name.length * 7919 ^ testClass.name.charCodeAt(3));
    const cases = Array.from({ length: CASES }, () => randomCase(random, testClass.word(random)));
    const failures = await unicornDisagreements(cases, REGISTERS, (testCase) => testCase.insn[1]!);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });

  it('the draw saturates: QC goes from clear to set in some cases of every class (each has a saturating form)', async () => {
    // Guards the edge-value draw: a class whose lanes never saturate would compare QC vacuously.
    const { StepRunner } = await import('../dist/src/step.js');
    const runner = await StepRunner.create();
    for (const testClass of CLASSES) {
      const random = prng(0x5a7 ^ testClass.name.length * 7919 ^ testClass.name.charCodeAt(3));
      let raised = 0;
      for (let i = 0; i < CASES; i++) {
        const testCase = randomCase(random, testClass.word(random));
        const out = runner.step(testCase);
        if ('regs' in out && testCase.regs.x0 === '0x0' && !out.fault && (BigInt(out.regs.x1!) & FPSR_QC) !== 0n) raised++;
      }
      expect(raised, testClass.name).toBeGreaterThan(0);
    }
  });
});
