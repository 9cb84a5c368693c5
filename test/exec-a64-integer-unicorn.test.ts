// The A64 integer instruction classes (issue 18): random words of each class, built
// from the class's fixed bits and random fields, run from random registers and flags in
// our interpreter and in Unicorn 2; every X register, SP, NZCV, pc and the fault must
// agree. Reserved encodings inside a class are part of the draw: both must call them
// illegal. Where Unicorn's CPU ("max", with FEAT_PAuth) differs from the model on
// purpose (no FEAT_PAuth), the words are left out here and checked by hand below.
import { describe, expect, it } from 'vitest';
import { StepRunner } from '../dist/src/step.js';
import { haveUnicorn, runUnicorn, differences, unicornDisagreements } from './fixtures/unicorn-runner.js';
import { prng } from './helpers.js';

const REGISTERS = [...Array.from({ length: 31 }, (_, i) => `x${i}`), 'sp', 'pc', 'nzcv'];
const CASES = Number(process.env.A64_INTEGER_CASES ?? 600);
const hex = (value: bigint) => `0x${value.toString(16)}`;
type Random = ReturnType<typeof prng>;

/** A 64-bit value: edge cases (0, ±1, sign bits, 32-bit edges) or random bits of a random width. */
function value(random: Random): bigint {
  const edges = [0n, 1n, 2n, 0xffff_ffff_ffff_ffffn, 0x8000_0000_0000_0000n, 0x7fff_ffff_ffff_ffffn, 0xffff_ffffn, 0x8000_0000n,
    0x7fff_ffffn, 0xffff_ffff_8000_0000n, 0x1_0000_0000n, 31n, 32n, 63n, 64n];
  if (random.below(4) === 0) return random.pick(edges);
  const bits = BigInt(random.next()) << 32n | BigInt(random.next());
  return bits >> BigInt(random.pick([0, 0, 32, 48, 56, 60]));
}

interface Class {
  name: string;
  /** A word of the class (fixed bits plus random fields). */
  word(random: Random): number;
  /** Words left out of the Unicorn comparison, with the reason in the class comment. */
  skip?(word: number): boolean;
  /** Register values must be 4-byte aligned (register branches). */
  aligned?: boolean;
  /** Random V registers too, compared after the step. */
  simd?: boolean;
}

/** fixed | (random & mask). */
const field = (fixed: number, mask: number) => (random: Random) => (fixed | (random.next() & mask)) >>> 0;

/** sf and N equal, and for W the 6-bit immr/imms below 32, three times in four (else the raw draw, mostly reserved). */
const coherent = (fixed: number, mask: number) => (random: Random) => {
  let word = field(fixed, mask)(random);
  if (random.below(4) !== 0) {
    const wide = word >>> 31;
    word = (word & ~(1 << 22)) | (wide << 22);
    if (wide === 0) word &= ~((1 << 21) | (1 << 15));
  }
  return word >>> 0;
};

const CLASSES: Class[] = [
  { name: 'ADR/ADRP', word: field(0x1000_0000, 0xe0ff_ffff) },
  { name: 'logical (immediate)', word: field(0x1200_0000, 0xe07f_ffff) },
  { name: 'SBFM/BFM/UBFM', word: coherent(0x1300_0000, 0xe07f_ffff) },
  { name: 'EXTR', word: (random) => { const w = coherent(0x1380_0000, 0x803f_ffff)(random); return random.below(8) === 0 ? (w | 0x2000_0000) >>> 0 : w; } },
  { name: 'MOVZ/MOVN/MOVK', word: field(0x1280_0000, 0xe07f_ffff) },
  { name: 'ADD/SUB (immediate)', word: field(0x1100_0000, 0xe07f_ffff) },
  { name: 'ADD/SUB (shifted register)', word: field(0x0b00_0000, 0xe0df_ffff) },
  { name: 'ADD/SUB (extended register)', word: (random) => { const w = field(0x0b20_0000, 0xe01f_ffff)(random); return random.below(8) === 0 ? (w | 0x0040_0000) >>> 0 : w; } },
  { name: 'logical (shifted register)', word: field(0x0a00_0000, 0xe0ff_ffff) },
  { name: 'ADC/SBC', word: field(0x1a00_0000, 0xe01f_03ff) },
  { name: 'CCMP/CCMN', word: field(0x3a40_0000, 0xc01f_f9ef) },
  { name: 'CSEL/CSINC/CSINV/CSNEG', word: field(0x1a80_0000, 0xc01f_f7ff) },
  { name: 'RBIT/REV/CLZ/CLS', word: field(0x5ac0_0000, 0x8000_1fff) },
  // PACGA (opcode 12) belongs to FEAT_PAuth, which Unicorn's CPU has and the model does not.
  { name: 'UDIV/SDIV, shifts, CRC32', word: field(0x1ac0_0000, 0x801f_7fff), skip: (word) => ((word >>> 10) & 63) === 12 },
  { name: 'MADD/MSUB/SMADDL/UMADDL/SMULH/UMULH', word: field(0x1b00_0000, 0x80ff_ffff) },
  { name: 'TBZ/TBNZ', word: field(0x3600_0000, 0x81ff_ffff) },
  { name: 'BR/BLR/RET', word: (random) => (0xd61f_0000 | (random.below(3) << 21) | (random.below(32) << 5)) >>> 0, aligned: true },
  // XPACLRI (hint 7) strips a PAC on Unicorn's CPU, a NOP without FEAT_PAuth; WFI/WFE (2, 3) stop Unicorn's run.
  { name: 'hints', word: (random) => (0xd503_201f | (random.below(128) << 5)) >>> 0, skip: (word) => [2, 3, 7].includes((word >>> 5) & 127) },
];

const bitsOf = (word: number, low: number, count: number) => (word >>> low) & ((1 << count) - 1);
const u = (word: number) => bitsOf(word, 29, 1);
/** Only the opcodes (bits 15:11 or 16:12) of simd-arith.ts: the saturating, rounding and by-element ones are in exec-a64-saturating-unicorn.test.ts. */
const opcodeIn = (low: number, count: number, known: number[], unsignedOnly: number[] = [], signedOnly: number[] = []) => (word: number) => {
  const opcode = bitsOf(word, low, count);
  return !(known.includes(opcode) || (unsignedOnly.includes(opcode) && u(word) === 1) || (signedOnly.includes(opcode) && u(word) === 0));
};
const withImmh = (fixed: number, mask: number) => (random: Random) => {
  for (;;) {
    const word = field(fixed, mask)(random);
    if (bitsOf(word, 19, 4) !== 0) return word;
  }
};
const FMOV_GENERAL = [0x1e26_0000, 0x1e27_0000, 0x9e66_0000, 0x9e67_0000, 0x9eae_0000, 0x9eaf_0000, 0x1e20_4000, 0x1e60_4000];

const SIMD_CLASSES: Class[] = [
  { name: 'three same', word: field(0x0e20_0400, 0x60df_fbff), skip: opcodeIn(11, 5, [0b00011, 0b10000, 0b10001, 0b00110, 0b00111, 0b01000, 0b01100, 0b01101, 0b01110, 0b01111, 0b10010], [], [0b10011, 0b10111]) },
  { name: 'three different', word: field(0x0e20_0000, 0x60df_f3ff), skip: opcodeIn(12, 4, [0, 1, 2, 3, 8, 10, 12]) },
  { name: 'two-register misc', word: field(0x0e20_0800, 0x60c1_f3ff), skip: opcodeIn(12, 5, [0, 1, 5, 8, 9, 10, 11], [], [18]) },
  { name: 'across lanes', word: field(0x0e30_0800, 0x60c1_f3ff), skip: opcodeIn(12, 5, [3, 10, 26, 27]) },
  { name: 'shift by immediate', word: withImmh(0x0f00_0400, 0x607f_fbff), skip: opcodeIn(11, 5, [0, 2, 8, 10, 20], [], [16]) },
  { name: 'scalar three same', word: field(0x5e20_0400, 0x20df_fbff), skip: opcodeIn(11, 5, [6, 7, 8, 16, 17]) },
  { name: 'scalar two-register misc', word: field(0x5e20_0800, 0x20c1_f3ff), skip: opcodeIn(12, 5, [8, 9, 10, 11]) },
  { name: 'scalar shift by immediate', word: withImmh(0x5f00_0400, 0x207f_fbff), skip: opcodeIn(11, 5, [0, 2, 8, 10]) },
  { name: 'DUP/SMOV/UMOV/INS', word: field(0x0e00_0400, 0x601f_7bff) },
  { name: 'MOVI/MVNI/ORR/BIC/FMOV (immediate)', word: field(0x0f00_0400, 0x6007_f3ff) },
  { name: 'UZP/TRN/ZIP', word: field(0x0e00_0800, 0x40df_73ff) },
  { name: 'EXT', word: field(0x2e00_0000, 0x401f_7bff) },
  { name: 'TBL/TBX', word: field(0x0e00_0000, 0x401f_73ff) },
  { name: 'ADDP (scalar), DUP (scalar)', word: (random) => (random.below(2) === 0 ? 0x5ef1_b800 | random.below(1024) : field(0x5e00_0400, 0x001f_03ff)(random)) >>> 0 },
  { name: 'FMOV (general, register)', word: (random) => (random.pick(FMOV_GENERAL) | random.below(1024)) >>> 0 },
].map((testClass) => ({ ...testClass, simd: true }));

function randomCase(random: Random, testClass: Class) {
  const regs: Record<string, string> = {};
  for (let i = 0; i < 31; i++) {
    const v = value(random);
    regs[`x${i}`] = hex(testClass.aligned ? v & ~3n : v);
  }
  regs.sp = hex(value(random) & ~15n);
  regs.nzcv = hex(BigInt(random.below(16)) << 28n);
  if (testClass.simd) {
    for (let i = 0; i < 32; i++) regs[`v${i}`] = `0x${Array.from({ length: 4 }, () => random.next().toString(16).padStart(8, '0')).join('')}`;
  }
  return regs;
}

const SIMD_REGISTERS = [...REGISTERS, ...Array.from({ length: 32 }, (_, i) => `v${i}`)];

describe.skipIf(!haveUnicorn)('A64 integer classes against Unicorn 2', () => {
  it.each([...CLASSES, ...SIMD_CLASSES].map((testClass) => [testClass.name, testClass] as const))('%s: random words leave the same registers, flags, pc and faults', async (_name, testClass) => {
    const random = prng(0x5eed ^ testClass.name.length * 7919 ^ testClass.name.charCodeAt(0));
    const cases: Array<{ arch: string; insn: string[]; regs: Record<string, string> }> = [];
    while (cases.length < CASES) {
      const word = testClass.word(random);
      if (testClass.skip?.(word)) continue;
      cases.push({ arch: 'aarch64', insn: [hex(BigInt(word))], regs: randomCase(random, testClass) });
    }
    const failures = await unicornDisagreements(cases, testClass.simd ? SIMD_REGISTERS : REGISTERS, (testCase) => testCase.insn[0]!);
    expect(failures, failures.slice(0, 20).join('\n')).toEqual([]);
  });
});

const mrs = (rt: number, key: number) => (0xd520_0000 | (key << 5) | rt) >>> 0;
const msr = (key: number, rt: number) => (0xd500_0000 | (key << 5) | rt) >>> 0;
const SYSREG = { nzcv: 0xda10, fpcr: 0xda20, fpsr: 0xda21, tpidr: 0xde82, tpidrro: 0xde83, ctr: 0xd801, dczid: 0xd807, cntfrq: 0xdf00, cntvct: 0xdf02 };
const CLREX = 0xd503_3f5f;
const LDXR_X1_X0 = 0xc85f_7c01;
const STXR_W2_X3_X0 = 0xc802_7c03;

describe.skipIf(!haveUnicorn)('A64 system instructions against Unicorn 2', () => {
  const sequences: Array<[string, number[], Record<string, string>, Array<{ addr: string; hex: string }>?]> = [
    ['NZCV, FPCR, FPSR, TPIDR_EL0, TPIDRRO_EL0 written and read back (RES0 bits dropped)',
      [msr(SYSREG.nzcv, 1), mrs(2, SYSREG.nzcv), msr(SYSREG.fpcr, 1), mrs(3, SYSREG.fpcr), msr(SYSREG.fpsr, 1), mrs(4, SYSREG.fpsr),
        msr(SYSREG.tpidr, 5), mrs(6, SYSREG.tpidr), msr(SYSREG.tpidrro, 7), mrs(8, SYSREG.tpidrro)],
      { x1: '0xffffffffffffffff', x5: '0x123456789abcdef0', x7: '0xfedcba9876543210' }],
    ['FPCR and FPSR take their fields one by one', [msr(SYSREG.fpcr, 1), mrs(3, SYSREG.fpcr), msr(SYSREG.fpsr, 1), mrs(4, SYSREG.fpsr)], { x1: '0x5a5a5a5a' }],
    ['CTR_EL0, CNTFRQ_EL0 and DCZID_EL0 read as on Unicorn\'s CPU', [mrs(0, SYSREG.ctr), mrs(1, SYSREG.cntfrq), mrs(2, SYSREG.dczid)], {}],
    ['CLREX clears the exclusive monitor: the store-exclusive fails', [LDXR_X1_X0, CLREX, STXR_W2_X3_X0],
      { x0: '0x10000', x3: '0x1122334455667788' }, [{ addr: '0x10000', hex: '00'.repeat(16) }]],
    ['without CLREX the store-exclusive succeeds', [LDXR_X1_X0, STXR_W2_X3_X0],
      { x0: '0x10000', x3: '0x1122334455667788' }, [{ addr: '0x10000', hex: '00'.repeat(16) }]],
  ];
  it.each(sequences)('%s', async (_name, words, regs, mem) => {
    const testCase = { arch: 'aarch64', insn: words.map((word) => hex(BigInt(word))), regs, ...(mem ? { mem } : {}) };
    const [theirs] = runUnicorn([testCase]);
    const ours = (await StepRunner.create()).step(testCase);
    expect(differences(ours, theirs!, REGISTERS)).toEqual([]);
    expect(ours.fault).toBeNull();
  });
});

describe('A64 without FEAT_PAuth (issue 18, bug 2)', () => {
  const step = async (words: number[], regs: Record<string, string> = {}) =>
    (await StepRunner.create()).step({ arch: 'aarch64', insn: words.map((word) => hex(BigInt(word))), regs, mem: [{ addr: '0x10000', hex: '00'.repeat(64) }] });

  it.each([
    ['ldraa x0, [x1]', 0xf820_0420], ['ldrab x0, [x1]', 0xf8a0_0420], ['braa x1, x2', 0xd71f_0822], ['braaz x1', 0xd61f_083f],
    ['retaa', 0xd65f_0bff], ['blraa x1, x2', 0xd73f_0822], ['pacga x0, x1, x2', 0x9ac2_3020], ['pacia x0, x1', 0xdac1_0020], ['xpaci x0', 0xdac1_43e0],
  ])('%s is undefined and changes nothing', async (_name, word) => {
    const out = await step([word], { x0: '0x7', x1: '0x10000', x2: '0x99' });
    if (!('regs' in out)) throw new Error(out.error);
    expect(out.fault?.kind).toBe('illegal');
    expect([out.regs.x0, out.regs.x1, out.regs.pc]).toEqual(['0x7', '0x10000', '0x100000']);
  });

  it.each([['paciasp', 0xd503_233f], ['autiasp', 0xd503_23bf], ['pacibsp', 0xd503_237f], ['xpaclri', 0xd503_20ff], ['bti c', 0xd503_245f], ['pacia1716', 0xd503_211f]])(
    '%s is a NOP: x30, x17 and SP keep PAC-like high bits', async (_name, word) => {
      const regs = { x30: '0xff7f000012345678', x17: '0x80ff00000000abc0', x16: '0x1234', sp: '0xffff000000010000' };
      const out = await step([word], regs);
      if (!('regs' in out)) throw new Error(out.error);
      expect(out.fault).toBeNull();
      expect({ x30: out.regs.x30, x17: out.regs.x17, x16: out.regs.x16, sp: out.regs.sp }).toEqual(regs);
      expect(out.regs.pc).toBe('0x100004');
    });
});

describe('A64 counters and identification registers', () => {
  it('CNTVCT_EL0 strictly increases from read to read, and DCZID_EL0 permits DC ZVA on 64-byte blocks', async () => {
    const out = (await StepRunner.create()).step({ arch: 'aarch64', insn: [mrs(0, SYSREG.cntvct), mrs(1, SYSREG.cntvct), mrs(2, SYSREG.cntvct), mrs(3, SYSREG.dczid)].map((w) => hex(BigInt(w))) });
    if (!('regs' in out)) throw new Error(out.error);
    const [a, b, c] = [out.regs.x0!, out.regs.x1!, out.regs.x2!].map(BigInt);
    expect(a! < b! && b! < c!).toBe(true);
    expect(BigInt(out.regs.x3!) & 0x10n).toBe(0n); // DZP clear
    expect(BigInt(out.regs.x3!) & 0xfn).toBe(4n); // 2^4 words: 64-byte blocks
  });

  it('a write to a read-only identification register or the counter is undefined', async () => {
    for (const key of [SYSREG.ctr, SYSREG.dczid, SYSREG.cntvct]) {
      const out = (await StepRunner.create()).step({ arch: 'aarch64', insn: [hex(BigInt(msr(key, 1)))] });
      expect(out.fault?.kind, key.toString(16)).toBe('illegal');
    }
  });
});
