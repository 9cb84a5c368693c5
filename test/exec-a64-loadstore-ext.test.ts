// The A64 load/store classes newer than Unicorn 2.0.1 and llvm-mc 14 (issue 18, item 2):
// FEAT_LSE128 (LDCLRP, LDSETP, SWPP) and FEAT_LRCPC3 (LDIAPP, STILP, LDAPR/STLR with
// writeback, SIMD&FP LDAPUR/STLUR, LDAP1/STL1). The words are the encodings of LLVM's MC
// disassembler tests (llvm/test/MC/Disassembler/AArch64/armv9.4a-lse128.txt and
// armv8.9a-lrcpc3.txt, with the assembly each decodes to); the expected registers and
// memory follow the Arm ARM pseudocode, computed here from the inputs.
import { beforeAll, describe, expect, it } from 'vitest';
import { StepRunner } from '../dist/src/step.js';
import { Machine } from '../dist/src/index.js';
import { decodeArmWords } from '../dist/src/decode/arm.js';

const BASE = 0x10000n;
const MASK64 = (1n << 64n) - 1n;
const hex = (value: bigint) => `0x${value.toString(16)}`;
let runner: StepRunner;
beforeAll(async () => { runner = await StepRunner.create(); });

/** 64 bytes at BASE: byte i is 0x11 * (i % 15 + 1) ^ i, so every doubleword differs. */
const MEMORY = Uint8Array.from({ length: 64 }, (_, i) => ((0x11 * ((i % 15) + 1)) ^ i) & 0xff);
const memHex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
function readLe(bytes: Uint8Array, offset: number, size: number): bigint {
  let value = 0n;
  for (let i = size - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[offset + i]!);
  return value;
}
function writeLe(bytes: Uint8Array, offset: number, size: number, value: bigint): void {
  for (let i = 0; i < size; i++) bytes[offset + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

function step(word: number, regs: Record<string, string>) {
  const out = runner.step({ arch: 'aarch64', insn: [hex(BigInt(word))], regs, mem: [{ addr: hex(BASE), hex: memHex(MEMORY) }] });
  if (!('regs' in out)) throw new Error(out.error);
  const bytes = Uint8Array.from(out.mem![0]!.hex.match(/../g)!.map((pair) => parseInt(pair, 16)));
  return { regs: out.regs, fault: out.fault, bytes };
}

const OPERAND_LOW = 0xf0f0_0000_ffff_1234n;
const OPERAND_HIGH = 0x0123_4567_89ab_cdefn;

describe('FEAT_LSE128', () => {
  // [assembly, word, Rt, Rt2, Rn, operation]
  const cases: Array<[string, number, number, number, number | 'sp', 'clr' | 'set' | 'swp']> = [
    ['ldclrp x1, x2, [x11]', 0x1922_1161, 1, 2, 11, 'clr'], ['ldclrp x21, x22, [sp]', 0x1936_13f5, 21, 22, 'sp', 'clr'],
    ['ldclrpa x1, x2, [x11]', 0x19a2_1161, 1, 2, 11, 'clr'], ['ldclrpal x21, x22, [sp]', 0x19f6_13f5, 21, 22, 'sp', 'clr'],
    ['ldclrpl x1, x2, [x11]', 0x1962_1161, 1, 2, 11, 'clr'], ['ldsetp x1, x2, [x11]', 0x1922_3161, 1, 2, 11, 'set'],
    ['ldsetpa x21, x22, [sp]', 0x19b6_33f5, 21, 22, 'sp', 'set'], ['ldsetpal x1, x2, [x11]', 0x19e2_3161, 1, 2, 11, 'set'],
    ['ldsetpl x21, x22, [sp]', 0x1976_33f5, 21, 22, 'sp', 'set'], ['swpp x1, x2, [x11]', 0x1922_8161, 1, 2, 11, 'swp'],
    ['swppa x21, x22, [sp]', 0x19b6_83f5, 21, 22, 'sp', 'swp'], ['swppal x1, x2, [x11]', 0x19e2_8161, 1, 2, 11, 'swp'],
    ['swppl x21, x22, [sp]', 0x1976_83f5, 21, 22, 'sp', 'swp'],
  ];

  it.each(cases)('%s: the 16 bytes combine with Xt2:Xt, which receive the old value', (_asm, word, rt, rt2, rn, op) => {
    const address = BASE + 0x20n;
    const base = rn === 'sp' ? 'sp' : `x${rn}`;
    const out = step(word, { [`x${rt}`]: hex(OPERAND_LOW), [`x${rt2}`]: hex(OPERAND_HIGH), [base]: hex(address) });
    expect(out.fault).toBeNull();
    const oldLow = readLe(MEMORY, 0x20, 8), oldHigh = readLe(MEMORY, 0x28, 8);
    const combine = (old: bigint, operand: bigint) => (op === 'clr' ? old & ~operand & MASK64 : op === 'set' ? old | operand : operand);
    const expected = MEMORY.slice();
    writeLe(expected, 0x20, 8, combine(oldLow, OPERAND_LOW));
    writeLe(expected, 0x28, 8, combine(oldHigh, OPERAND_HIGH));
    expect(memHex(out.bytes)).toBe(memHex(expected));
    expect([out.regs[`x${rt}`], out.regs[`x${rt2}`], out.regs[base], out.regs.pc]).toEqual([hex(oldLow), hex(oldHigh), hex(address), '0x100004']);
  });

  it('an address not 16-byte aligned is an alignment fault that changes nothing', () => {
    const out = step(0x1922_8161, { x1: '0x1', x2: '0x2', x11: hex(BASE + 8n) });
    expect(out.fault?.kind).toBe('unaligned');
    expect(memHex(out.bytes)).toBe(memHex(MEMORY));
    expect([out.regs.x1, out.regs.x2]).toEqual(['0x1', '0x2']);
  });

  it('Rt or Rt2 of 31 is undefined', () => {
    expect(step(0x1922_117f, { x11: hex(BASE) }).fault?.kind).toBe('illegal'); // ldclrp xzr, x2, [x11]
    expect(step(0x193f_1161, { x11: hex(BASE) }).fault?.kind).toBe('illegal'); // ldclrp x1, xzr, [x11]
  });
});

describe('FEAT_LRCPC3', () => {
  const W0 = 0x1111_2222_8899_aabbn, W1 = 0xcccc_dddd_eeee_ff01n;

  it.each([
    // [assembly, word, size, Rt, Rt2, Rn, writeback]
    ['stilp w24, w0, [x16, #-8]!', 0x9900_0a18, 4, 24, 0, 16, true], ['stilp x25, x1, [x17, #-16]!', 0xd901_0a39, 8, 25, 1, 17, true],
    ['stilp w26, w2, [x18]', 0x9902_1a5a, 4, 26, 2, 18, false], ['stilp x27, x3, [sp]', 0xd903_1bfb, 8, 27, 3, 31, false],
  ] as const)('%s stores Rt, then Rt2 above it (pre-indexed by -2 x size when it writes back)', (_asm, word, size, rt, rt2, rn, writeback) => {
    const start = BASE + 0x20n;
    const base = rn === 31 ? 'sp' : `x${rn}`;
    const out = step(word, { [`x${rt}`]: hex(W0), [`x${rt2}`]: hex(W1), [base]: hex(start) });
    expect(out.fault).toBeNull();
    const address = writeback ? start - BigInt(2 * size) : start;
    const expected = MEMORY.slice();
    writeLe(expected, Number(address - BASE), size, W0);
    writeLe(expected, Number(address - BASE) + size, size, W1);
    expect(memHex(out.bytes)).toBe(memHex(expected));
    expect(out.regs[base]).toBe(hex(address));
  });

  it.each([
    ['ldiapp w28, w4, [x20], #8', 0x9944_0a9c, 4, 28, 4, 20, true], ['ldiapp x29, x5, [x21], #16', 0xd945_0abd, 8, 29, 5, 21, true],
    ['ldiapp w30, w6, [sp]', 0x9946_1bfe, 4, 30, 6, 31, false], ['ldiapp xzr, x7, [x23]', 0xd947_1aff, 8, 31, 7, 23, false],
  ] as const)('%s loads Rt, then Rt2 from above it (post-indexed by +2 x size when it writes back)', (_asm, word, size, rt, rt2, rn, writeback) => {
    const start = BASE + 0x10n;
    const base = rn === 31 ? 'sp' : `x${rn}`;
    const out = step(word, { ...(rt === 31 ? {} : { [`x${rt}`]: '0x5' }), [`x${rt2}`]: '0x5', [base]: hex(start) });
    expect(out.fault).toBeNull();
    if (rt !== 31) expect(out.regs[`x${rt}`]).toBe(hex(readLe(MEMORY, 0x10, size)));
    expect(out.regs[`x${rt2}`]).toBe(hex(readLe(MEMORY, 0x10 + size, size)));
    expect(out.regs[base]).toBe(hex(writeback ? start + BigInt(2 * size) : start));
    expect(memHex(out.bytes)).toBe(memHex(MEMORY));
  });

  it.each([
    ['stlr w3, [x15, #-4]!', 0x9980_09e3, 4, 15], ['stlr x3, [x15, #-8]!', 0xd980_09e3, 8, 15], ['stlr x3, [sp, #-8]!', 0xd980_0be3, 8, 31],
  ] as const)('%s stores pre-indexed by -size and writes the address back', (_asm, word, size, rn) => {
    const base = rn === 31 ? 'sp' : `x${rn}`;
    const out = step(word, { x3: hex(W0), [base]: hex(BASE + 0x20n) });
    const address = BASE + 0x20n - BigInt(size);
    const expected = MEMORY.slice();
    writeLe(expected, Number(address - BASE), size, W0);
    expect(out.fault).toBeNull();
    expect(memHex(out.bytes)).toBe(memHex(expected));
    expect(out.regs[base]).toBe(hex(address));
  });

  it.each([
    ['ldapr w3, [sp], #4', 0x99c0_0be3, 4, 31], ['ldapr w3, [x15], #4', 0x99c0_09e3, 4, 15], ['ldapr x3, [x15], #8', 0xd9c0_09e3, 8, 15],
  ] as const)('%s loads, then adds size to the base', (_asm, word, size, rn) => {
    const base = rn === 31 ? 'sp' : `x${rn}`;
    const out = step(word, { x3: hex(MASK64), [base]: hex(BASE + 0x18n) });
    expect(out.fault).toBeNull();
    expect(out.regs.x3).toBe(hex(readLe(MEMORY, 0x18, size)));
    expect(out.regs[base]).toBe(hex(BASE + 0x18n + BigInt(size)));
  });

  const V3 = 0x0f1e_2d3c_4b5a_6978_8796_a5b4_c3d2_e1f0n;
  it.each([
    // [assembly, word, size, base register, offset]
    ['stlur b3, [x15, #-1]', 0x1d1f_f9e3, 1, 'x15', -1], ['stlur h3, [x15, #2]', 0x5d00_29e3, 2, 'x15', 2],
    ['stlur s3, [x15, #-3]', 0x9d1f_d9e3, 4, 'x15', -3], ['stlur d3, [sp, #4]', 0xdd00_4be3, 8, 'sp', 4],
    ['stlur q3, [x15, #-5]', 0x1d9f_b9e3, 16, 'x15', -5],
  ] as const)('%s stores the low size bytes of V3', (_asm, word, size, base, offset) => {
    const address = BASE + 0x20n;
    const out = step(word, { v3: hex(V3), [base]: hex(address - BigInt(offset)) });
    const expected = MEMORY.slice();
    writeLe(expected, 0x20, size, V3 & ((1n << BigInt(8 * size)) - 1n));
    expect(out.fault).toBeNull();
    expect(memHex(out.bytes)).toBe(memHex(expected));
  });

  it.each([
    ['ldapur b3, [x15, #6]', 0x1d40_69e3, 1, 'x15', 6], ['ldapur h3, [x15, #-7]', 0x5d5f_99e3, 2, 'x15', -7],
    ['ldapur s3, [x15, #8]', 0x9d40_89e3, 4, 'x15', 8], ['ldapur d3, [x15, #-9]', 0xdd5f_79e3, 8, 'x15', -9],
    ['ldapur q3, [sp, #10]', 0x1dc0_abe3, 16, 'sp', 10],
  ] as const)('%s loads size bytes into V3, zeroing the rest', (_asm, word, size, base, offset) => {
    const address = BASE + 0x20n;
    const out = step(word, { v3: hex(V3), [base]: hex(address - BigInt(offset)) });
    expect(out.fault).toBeNull();
    expect(BigInt(out.regs.v3!)).toBe(readLe(MEMORY, 0x20, size));
  });

  it.each([
    ['stl1 { v3.d }[0], [x15]', 0x0d01_85e3, 0, 'x15'], ['stl1 { v3.d }[1], [sp]', 0x4d01_87e3, 1, 'sp'],
  ] as const)('%s stores lane i of V3', (_asm, word, index, base) => {
    const out = step(word, { v3: hex(V3), [base]: hex(BASE + 0x28n) });
    const expected = MEMORY.slice();
    writeLe(expected, 0x28, 8, (V3 >> BigInt(64 * index)) & MASK64);
    expect(out.fault).toBeNull();
    expect(memHex(out.bytes)).toBe(memHex(expected));
    expect(out.regs[base]).toBe(hex(BASE + 0x28n));
  });

  it.each([
    ['ldap1 { v3.d }[0], [sp]', 0x0d41_87e3, 0, 'sp'], ['ldap1 { v3.d }[1], [x15]', 0x4d41_85e3, 1, 'x15'],
  ] as const)('%s loads lane i of V3 and keeps the other', (_asm, word, index, base) => {
    const out = step(word, { v3: hex(V3), [base]: hex(BASE + 0x28n) });
    const shift = BigInt(64 * index);
    expect(out.fault).toBeNull();
    expect(BigInt(out.regs.v3!)).toBe((V3 & ~(MASK64 << shift)) | (readLe(MEMORY, 0x28, 8) << shift));
  });

  it('an LDIAPP with Rt = Rt2 or writing back to a transfer register is an invalid form', () => {
    expect(step(0x9944_0a84, { x20: hex(BASE) }).fault?.kind).toBe('illegal'); // ldiapp w4, w4, [x20], #8
    expect(step(0x9980_09ef, { x15: hex(BASE + 8n) }).fault?.kind).toBe('illegal'); // stlr w15, [x15, #-4]!
  });
});

describe('the decoder names the new classes as LLVM does', () => {
  it.each([
    [0x1922_1161, 'ldclrp'], [0x19f6_13f5, 'ldclrpal'], [0x19b6_33f5, 'ldsetpa'], [0x1976_83f5, 'swppl'], [0x9900_0a18, 'stilp'],
    [0xd945_0abd, 'ldiapp'], [0x9980_09e3, 'stlr'], [0xd9c0_09e3, 'ldapr'], [0x1d9f_b9e3, 'stlur'], [0x1dc0_abe3, 'ldapur'], [0x4d01_87e3, 'stl1'],
    [0x0d41_87e3, 'ldap1'], [0xd50b_7420, 'dc zva'],
  ])('%s: %s', async (word, mnemonic) => {
    const core = (await Machine.create()).attach(0);
    expect(decodeArmWords(core, [word], 'aarch64')[0]).toMatchObject({ ok: true, mnemonic });
  });
});

describe('FEAT_LS64: decoded (execution: exec-a64-ls64.test.ts)', () => {
  it.each([
    [0xf83f_d1a0, 'ld64b', ['x0', 'x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7']], [0xf83f_91ae, 'st64b', ['x14', 'x15', 'x16', 'x17', 'x18', 'x19', 'x20', 'x21']],
    [0xf821_b1b4, 'st64bv', ['x20', 'x21', 'x22', 'x23', 'x24', 'x25', 'x26', 'x27']], [0xf821_a3f6, 'st64bv0', ['x22', 'x23', 'x24', 'x25', 'x26', 'x27', 'x28', 'x29']],
  ] as const)('%s: %s of 64 bytes to or from 8 registers', async (word, mnemonic, regs) => {
    const core = (await Machine.create()).attach(0);
    expect(decodeArmWords(core, [word], 'aarch64')[0]).toMatchObject({ ok: true, mnemonic, size: 64, regs: [...regs] });
  });

  it('Rt odd or above 22 is undefined (as in LLVM\'s MC test)', async () => {
    const core = (await Machine.create()).attach(0);
    expect(decodeArmWords(core, [0xf83f_d1b3, 0xf83f_d1b8], 'aarch64').map((d) => d.ok)).toEqual([false, false]);
  });
});
