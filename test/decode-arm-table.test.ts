// ARM decoders, table-driven: encoding → the decode JSON (and raw descriptor fields)
// for every load/store class of A64, A32 and T32, plus undefined, UNPREDICTABLE,
// truncated and not-a-load/store inputs. Encodings as llvm-mc 14 prints them.

import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../dist/src/index.js';
import type { CoreAccessor } from '../dist/src/accessor.js';
import { readExportedConstants } from '../dist/src/core.js';
import { DESCRIPTOR_NAMES, type DescriptorCodes } from '../dist/src/decode/descriptor.js';
import { decodeArmRaw, decodeArmWords, type ArmArch } from '../dist/src/decode/arm.js';
import { A64_MNEMONICS } from '../dist/src/decode/a64-names.js';
import type { DecodedJson } from '../dist/src/decode/json.js';

let machine: Machine;
let core: CoreAccessor;
let c: DescriptorCodes;

beforeAll(async () => {
  machine = await Machine.create({ arenaBytes: 1 << 20 });
  core = machine.attach(0);
  c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
});

type Row = [words: number | number[], expected: Partial<DecodedJson>];

function run(arch: ArmArch, rows: Row[]): void {
  for (const [words, expected] of rows) {
    const list = Array.isArray(words) ? words : [words];
    const decoded = decodeArmWords(core, list, arch);
    expect(decoded.at(-1), `${arch} ${list.map((w) => w.toString(16)).join(' ')}`).toMatchObject(expected);
  }
}

const load = { ok: true, op: 'load' } as const;
const store = { ok: true, op: 'store' } as const;

describe('A64', () => {
  it('single registers: unsigned offset, unscaled, pre/post-index, register offset, literal', () => {
    run('aarch64', [
      [0xf9400820, { ...load, mnemonic: 'ldr', size: 8, regs: ['x0'], base: 'x1', disp: 16, writeback: false }],
      [0xb9400020, { ...load, mnemonic: 'ldr', size: 4, regs: ['w0'], base: 'x1', disp: 0 }],
      [0xf90003e0, { ...store, mnemonic: 'str', size: 8, regs: ['x0'], base: 'sp' }],
      [0x39c00020, { ...load, mnemonic: 'ldrsb', size: 1, signed: true, regs: ['w0'] }],
      [0x39800020, { ...load, mnemonic: 'ldrsb', size: 1, signed: true, regs: ['x0'] }],
      [0xb9800020, { ...load, mnemonic: 'ldrsw', size: 4, signed: true, regs: ['x0'] }],
      [0x7940043f, { ...load, mnemonic: 'ldrh', size: 2, regs: ['wzr'], disp: 2 }],
      [0xf8410420, { ...load, mnemonic: 'ldr', base: 'x1', disp: 0, postDisp: 16, postIndex: true, writeback: true }],
      [0xf8410c20, { ...load, mnemonic: 'ldr', base: 'x1', disp: 16, postIndex: false, writeback: true }],
      [0xf85f0020, { ...load, mnemonic: 'ldur', disp: -16, writeback: false }],
      [0x38400c20, { ...load, mnemonic: 'ldrb', disp: 0, writeback: true }],
      [0xb8410820, { ...load, mnemonic: 'ldtr', regs: ['w0'], disp: 16 }],
      [0xf8627820, { ...load, mnemonic: 'ldr', index: 'x2', shift: { type: 'lsl', amount: 3 }, extend: 'lsl' }],
      [0xb8a24820, { ...load, mnemonic: 'ldrsw', index: 'w2', shift: null, extend: 'uxtw' }],
      [0x3862d820, { ...load, mnemonic: 'ldrb', index: 'w2', extend: 'sxtw', shift: { type: 'lsl', amount: 0 } }],
      [0x58000040, { ...load, mnemonic: 'ldr', regs: ['x0'], base: 'pc', disp: 8 }],
      [0x98ffffe0, { ...load, mnemonic: 'ldrsw', regs: ['x0'], base: 'pc', disp: -4 }],
      [0x9c000040, { ...load, mnemonic: 'ldr', regs: ['q0'], size: 16, fp: true, vector: true, disp: 8 }],
      [0xbd400020, { ...load, mnemonic: 'ldr', regs: ['s0'], size: 4, fp: true }],
      [0x3dc00020, { ...load, mnemonic: 'ldr', regs: ['q0'], size: 16, vector: true }],
      [0x3c1f0020, { ...store, mnemonic: 'stur', regs: ['b0'], size: 1, disp: -16 }],
      [0x99400020, { ...load, mnemonic: 'ldapur', regs: ['w0'], acquire: true }],
      [0xf8200420, { ...load, mnemonic: 'ldraa', regs: ['x0'], size: 8 }],
    ]);
  });

  it('pairs', () => {
    run('aarch64', [
      [0xa94107e0, { ...load, mnemonic: 'ldp', regs: ['x0', 'x1'], base: 'sp', disp: 16, count: 2, size: 8 }],
      [0xa9bf7bfd, { ...store, mnemonic: 'stp', regs: ['x29', 'x30'], disp: -16, writeback: true, postIndex: false }],
      [0xa8c17bfd, { ...load, mnemonic: 'ldp', regs: ['x29', 'x30'], postDisp: 16, postIndex: true }],
      [0x6d4007e0, { ...load, mnemonic: 'ldp', regs: ['d0', 'd1'], fp: true, size: 8 }],
      [0x28400440, { ...load, mnemonic: 'ldnp', regs: ['w0', 'w1'], size: 4 }],
      [0x69400440, { ...load, mnemonic: 'ldpsw', regs: ['x0', 'x1'], signed: true, size: 4 }],
    ]);
  });

  it('exclusive, ordered, atomics, structures; prefetch is not a load', () => {
    run('aarch64', [
      [0xc85f7c20, { ...load, mnemonic: 'ldxr', exclusive: true, regs: ['x0'] }],
      [0x88027c20, { ...store, mnemonic: 'stxr', exclusive: true, regs: ['w0'] }],
      [0xc87f0420, { ...load, mnemonic: 'ldxp', regs: ['x0', 'x1'], count: 2 }],
      [0xc8dffc20, { ...load, mnemonic: 'ldar', acquire: true }],
      [0x089ffc20, { ...store, mnemonic: 'stlrb', release: true, size: 1 }],
      [0xf8bfc020, { ...load, mnemonic: 'ldapr', acquire: true }],
      [0xf8220020, { ok: true, op: 'atomic', mnemonic: 'ldadd', regs: ['x0'] }],
      [0xf8e20020, { ok: true, op: 'atomic', mnemonic: 'ldaddal', acquire: true, release: true }],
      [0xf822003f, { ok: true, op: 'atomic', mnemonic: 'stadd' }],
      [0x38a28020, { ok: true, op: 'atomic', mnemonic: 'swpab', size: 1, regs: ['w0'] }],
      [0xc8a27c20, { ok: true, op: 'atomic', mnemonic: 'cas', size: 8 }],
      [0x48207c40, { ok: true, op: 'atomic', mnemonic: 'casp', regs: ['x0', 'x1'], count: 2 }],
      [0x4c40a020, { ...load, mnemonic: 'ld1', regs: ['v0', 'v1'], size: 32, count: 2, vector: true }],
      [0x4cdf7020, { ...load, mnemonic: 'ld1', postDisp: 16, postIndex: true }],
      [0xf9800020, { ok: false, reason: 'not-load-store', mnemonic: 'prfm' }],
    ]);
    const raw = decodeArmRaw(core, 0xf8e20020, 'aarch64');
    expect([raw.atomic, raw.rs, raw.length]).toEqual([c.ATOMIC_ADD, 2, 4]);
    expect(decodeArmRaw(core, 0xc8a27c20, 'aarch64').atomic).toBe(c.ATOMIC_CAS);
    expect(decodeArmRaw(core, 0x88027c20, 'aarch64').rs).toBe(2);
  });

  it('undefined, UNPREDICTABLE and non-load/store words', () => {
    run('aarch64', [
      [0x00000000, { ok: false, reason: 'undefined', mnemonic: null }],
      [0x8b020020, { ok: false, reason: 'not-load-store' }],
      [0xf8e0c020, { ok: false, reason: 'undefined' }], // LDAPR with A = R = 1
      [0x48207c21, { ok: false, reason: 'undefined' }], // CASP with an odd register
      [0xb9c00020, { ok: false, reason: 'undefined' }], // LDRS* size 10, opc 11
      [0xf8410421, { ok: false, reason: 'invalid-form', mnemonic: 'ldr' }], // writeback onto Rt
      [0xa9400000, { ok: false, reason: 'invalid-form', mnemonic: 'ldp' }], // LDP Rt == Rt2
      [0xc8407c20, { ok: false, reason: 'invalid-form', mnemonic: 'ldxr' }], // Rs not 11111
    ]);
    // An UNPREDICTABLE form still has every field.
    const raw = decodeArmRaw(core, 0xf8410421, 'aarch64');
    expect([raw.kind, raw.rt, raw.base, Number(raw.postDisp)]).toEqual([c.KIND_INVALID_FORM, 1, 1, 16]);
  });

  it('names every mnemonic id the core uses', () => {
    expect(A64_MNEMONICS.length).toBe(283);
    expect(A64_MNEMONICS[106]).toBe('ldaddb');
    expect(A64_MNEMONICS[202]).toBe('staddb');
    expect([A64_MNEMONICS[262], A64_MNEMONICS[263], A64_MNEMONICS[274], A64_MNEMONICS[275], A64_MNEMONICS[276]]).toEqual(['dc zva', 'ldclrp', 'swppal', 'stilp', 'ldiapp']);
  });
});

describe('A32', () => {
  it('LDR/STR family: immediate, register with shifts, pre/post, unprivileged, literal, conditions', () => {
    run('arm', [
      [0xe5910004, { ...load, mnemonic: 'ldr', regs: ['r0'], base: 'r1', disp: 4, size: 4 }],
      [0x05910004, { ...load, mnemonic: 'ldreq' }],
      [0xe5110004, { ...load, disp: -4, subtract: true }],
      [0xe5b10004, { ...load, disp: 4, writeback: true, postIndex: false }],
      [0xe4910004, { ...load, postDisp: 4, postIndex: true, writeback: true }],
      [0xe7910102, { ...load, index: 'r2', shift: { type: 'lsl', amount: 2 } }],
      [0xe7110122, { ...load, index: 'r2', subtract: true, shift: { type: 'lsr', amount: 2 } }],
      [0xe6910062, { ...load, index: 'r2', postIndex: true, shift: { type: 'rrx', amount: 1 } }],
      [0xe4b10004, { ...load, mnemonic: 'ldrt', postIndex: true }],
      [0xe59f0004, { ...load, mnemonic: 'ldr', base: 'pc', disp: 4 }],
      [0xe5c10000, { ...store, mnemonic: 'strb', size: 1 }],
      [0xe1d100b4, { ...load, mnemonic: 'ldrh', size: 2, disp: 4 }],
      [0xe1d100d4, { ...load, mnemonic: 'ldrsb', size: 1, signed: true }],
      [0x11f100f4, { ...load, mnemonic: 'ldrshne', size: 2, signed: true, writeback: true }],
      [0xe1c120d8, { ...load, mnemonic: 'ldrd', regs: ['r2', 'r3'], count: 2, disp: 8 }],
      [0xe0f100b4, { ...load, mnemonic: 'ldrht', postDisp: 4 }],
    ]);
  });

  it('LDM/STM, PUSH/POP, exclusives, acquire/release, SWP, VFP', () => {
    run('arm', [
      [0xe92d4010, { ...store, mnemonic: 'push', regs: ['r4', 'lr'], base: 'sp', writeback: true, count: 2 }],
      [0xe8bd8010, { ...load, mnemonic: 'pop', regs: ['r4', 'pc'] }],
      [0xe8910006, { ...load, mnemonic: 'ldm', regs: ['r1', 'r2'], writeback: false }],
      [0xe9900006, { ...load, mnemonic: 'ldmib' }],
      [0xe9200006, { ...store, mnemonic: 'stmdb', writeback: true }],
      [0xe1901f9f, { ...load, mnemonic: 'ldrex', exclusive: true, regs: ['r1'] }],
      [0xe1802f91, { ...store, mnemonic: 'strex', regs: ['r1'] }],
      [0xe1b02f9f, { ...load, mnemonic: 'ldrexd', regs: ['r2', 'r3'] }],
      [0xe1901c9f, { ...load, mnemonic: 'lda', acquire: true, exclusive: false }],
      [0xe1c0fc91, { ...store, mnemonic: 'stlb', release: true, size: 1 }],
      [0xe1020091, { ok: true, op: 'atomic', mnemonic: 'swp', regs: ['r0'] }],
      [0xed910b02, { ...load, mnemonic: 'vldr', regs: ['d0'], fp: true, size: 8, disp: 8 }],
      [0xed1f0a01, { ...load, mnemonic: 'vldr', regs: ['s0'], base: 'pc', disp: -4 }],
      [0xed2d8b04, { ...store, mnemonic: 'vpush', regs: ['d8', 'd9'], writeback: true }],
      [0xecb00a02, { ...load, mnemonic: 'vldmia', regs: ['s0', 's1'], writeback: true }],
    ]);
    const push = decodeArmRaw(core, 0xe92d4010, 'arm');
    expect([Number(push.disp), Number(push.postDisp), push.regList, push.cond]).toEqual([-8, -8, 0x4010, 14]);
    const ldmib = decodeArmRaw(core, 0xe9900006, 'arm');
    expect(Number(ldmib.disp)).toBe(4);
    expect(decodeArmRaw(core, 0xe1802f91, 'arm').rs).toBe(2);
  });

  it('undefined, UNPREDICTABLE and non-load/store words', () => {
    run('arm', [
      [0xe0810002, { ok: false, reason: 'not-load-store' }],
      [0xe1100090, { ok: false, reason: 'undefined' }],
      [0xec100a00, { ok: false, reason: 'undefined' }], // extension-register load/store, P = U = W = 0
      [0xe5b00004, { ok: false, reason: 'invalid-form', mnemonic: 'ldr' }], // writeback onto Rt
      [0xe1c010d0, { ok: false, reason: 'invalid-form', mnemonic: 'ldrd' }], // odd Rt
      [0xe8900000, { ok: false, reason: 'invalid-form' }], // empty list
      [0xe791000f, { ok: false, reason: 'invalid-form' }], // Rm = PC
    ]);
  });
});

describe('T32', () => {
  it('16-bit forms', () => {
    run('thumb', [
      [0x6808, { ...load, mnemonic: 'ldr', regs: ['r0'], base: 'r1', disp: 0, word: '0x6808' }],
      [0x9801, { ...load, base: 'sp', disp: 4 }],
      [0x4801, { ...load, base: 'pc', disp: 4 }],
      [0x5888, { ...load, index: 'r2' }],
      [0x5e88, { ...load, mnemonic: 'ldrsh', signed: true, size: 2 }],
      [0x7048, { ...store, mnemonic: 'strb', disp: 1 }],
      [0xb510, { ...store, mnemonic: 'push', regs: ['r4', 'lr'] }],
      [0xbd10, { ...load, mnemonic: 'pop', regs: ['r4', 'pc'] }],
      [0xc906, { ...load, mnemonic: 'ldm', regs: ['r1', 'r2'], writeback: false }],
      [0xc106, { ...store, mnemonic: 'stm', writeback: true }],
    ]);
    expect(decodeArmRaw(core, 0x6808, 'thumb').length).toBe(2);
  });

  it('32-bit forms', () => {
    run('thumb', [
      [0xf8d10004, { ...load, mnemonic: 'ldr.w', disp: 4 }],
      [0xf8510b04, { ...load, mnemonic: 'ldr', postDisp: 4, postIndex: true }],
      [0xf8510c04, { ...load, mnemonic: 'ldr', disp: -4 }],
      [0xf8510e04, { ...load, mnemonic: 'ldrt', disp: 4 }],
      [0xf8510022, { ...load, mnemonic: 'ldr.w', index: 'r2', shift: { type: 'lsl', amount: 2 } }],
      [0xf99f0004, { ...load, mnemonic: 'ldrsb.w', base: 'pc', disp: 4, signed: true }],
      [0xe9d10102, { ...load, mnemonic: 'ldrd', regs: ['r0', 'r1'], disp: 8 }],
      [0xe92d4003, { ...store, mnemonic: 'push.w', regs: ['r0', 'r1', 'lr'] }],
      [0xe8910003, { ...load, mnemonic: 'ldm.w' }],
      [0xe8510f01, { ...load, mnemonic: 'ldrex', disp: 4 }],
      [0xe8c10fc2, { ...store, mnemonic: 'stlexb', size: 1, regs: ['r0'], exclusive: true, release: true }],
      [0xed910b02, { ...load, mnemonic: 'vldr', regs: ['d0'] }],
      [0xe8d1f000, { ok: false, reason: 'not-load-store', mnemonic: 'tbb' }],
      [0xf891f000, { ok: false, reason: 'not-load-store', mnemonic: 'pld' }],
    ]);
    expect(decodeArmRaw(core, 0xf8d10004, 'thumb').length).toBe(4);
  });

  it('carries the IT condition across a sequence', () => {
    run('thumb', [
      [[0xbf08, 0x6808], { ...load, mnemonic: 'ldreq' }],
      [[0xbf0c, 0x6808, 0x6808], { ...load, mnemonic: 'ldrne' }],
      [[0xbf08, 0x6808, 0x6808], { ...load, mnemonic: 'ldr' }],
      [[0xbf18, 0xf8d10004], { ...load, mnemonic: 'ldrne.w' }],
      [0xbf08, { ok: false, reason: 'not-load-store', mnemonic: 'it' }],
    ]);
    expect(decodeArmRaw(core, 0x6808, 'thumb', 0x08).cond).toBe(0);
  });

  it('undefined, truncated, UNPREDICTABLE and non-load/store words', () => {
    run('thumb', [
      [0xf8d1, { ok: false, reason: 'truncated', mnemonic: null }],
      [0x12345678, { ok: false, reason: 'undefined' }],
      [0xf8700000, { ok: false, reason: 'undefined' }],
      [0x1888, { ok: false, reason: 'not-load-store' }],
      [0xf8500b04, { ok: false, reason: 'invalid-form', mnemonic: 'ldr' }], // writeback onto Rt
      [0xbc00, { ok: false, reason: 'invalid-form', mnemonic: 'pop' }], // empty list
      [[0xbf0c, 0xbd00], { ok: false, reason: 'invalid-form' }], // POP {pc} not last in an IT block
    ]);
  });
});

describe('descriptor layout assumed by the decoders', () => {
  it('keeps length, condition and rs where the empty-descriptor stores put them', () => {
    expect([c.D_RT, c.D_LENGTH, c.D_REG_LIST, c.D_COND, c.D_RS, c.DESC_SIZE]).toEqual([8, 15, 32, 39, 40, 48]);
  });
});

describe('the bench loops (benchDecodeA32, benchDecodeT32)', () => {
  interface BenchExports {
    benchDecodeA32(words: number, count: number, out: number): number;
    benchDecodeT32(words: number, count: number, out: number): number;
    decodeA32(word: number, out: number): number;
    decodeT32(word: number, itState: number, out: number): number;
    t32NextItState(word: number, itState: number): number;
  }
  const exports = () => core.instance.exports as unknown as BenchExports;
  const scratch = () => core.record + core.map.REC_DECODE;
  const size = () => new DataView(core.memory.buffer).getUint8(scratch() + c.D_SIZE);

  function place(words: number[]): number {
    const at = machine.layout.arenaBase + machine.allocateBacking(4096);
    words.forEach((word, i) => new DataView(core.memory.buffer).setUint32(at + i * 4, word >>> 0, true));
    return at;
  }

  it('A32: the checksum is the sum of each word\'s kind and size, common and other classes alike (four a turn, and the tail)', () => {
    const words = [0xe5912004, 0xe1d320b4, 0xe92d4010, 0xed931b02, 0xe1932f9f, 0xe0812003, 0xf5d1f000, 0xe6912003, 0xe1c320f4];
    let expected = 0;
    for (const word of words) expected = (expected + exports().decodeA32(word, scratch()) + size()) >>> 0;
    const at = place(words);
    expect(exports().benchDecodeA32(at, words.length, scratch()) >>> 0).toBe(expected);
  });

  it('T32: the checksum follows the IT state across an IT block (cond, last-in-block rules)', () => {
    // ldr; IT EQ with three more (ITTTE); ldr, pop {pc} (not last: invalid), ldrd, str.w last; then outside again.
    const words = [0x6808, 0xbf0f, 0x6808, 0xbd00, 0xe9d12302, 0xf8c12004, 0xbd00, 0xe8521f00, 0xed931b02];
    let expected = 0;
    let it = 0;
    const kinds: number[] = [];
    for (const word of words) {
      const kind = exports().decodeT32(word, it, scratch());
      kinds.push(kind);
      expected = (expected + kind + size()) >>> 0;
      it = exports().t32NextItState(word, it);
    }
    expect(kinds[3]).toBe(c.KIND_INVALID_FORM); // POP {pc} inside the block, not last
    expect(kinds[6]).toBe(c.KIND_LOADSTORE); //   the same outside it
    const at = place(words);
    expect(exports().benchDecodeT32(at, words.length, scratch()) >>> 0).toBe(expected);
  });
});
