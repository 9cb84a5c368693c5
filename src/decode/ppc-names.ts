// The PowerPC decoder's instruction list: one row per mnemonic id (D_MNEMONIC), from
// which src/decode/ppc-tables-gen.ts writes the core's lookup tables
// (assembly/decode/ppc-tables.ts) and the host reads names and register classes.
// Names are llvm-mc 14's. Ids are row indices: append rows, never reorder.
//
// Conventions the descriptor follows for PowerPC (also stated in assembly/decode/ppc.ts):
// - rt is the transfer register in its own file: GPR, FPR, VR (0..31, VMX and the
//   VRT of lxsd/lxssp/stxsd/stxssp) or VSR (0..63, VSX forms with a TX/SX bit).
// - lq/stq/lqarx/stqcx.: size 16, one quadword into the even-odd pair rt, rt2 = rt+1
//   (no F_PAIR: one single-copy-atomic access). lxvp/stxvp/lxvpx/stxvpx/plxvp/pstxvp:
//   F_PAIR, size 16 each, count 2, rt2 = rt+1.
// - RA=0 in an (RA|0) position: base 0 with F_BASE_ZERO. PC-relative prefixed forms:
//   base REG_NONE with F_PC_RELATIVE.

import { ppcOtherXos } from './ppc-other.js';

export type PpcRegClass = 'gpr' | 'fpr' | 'vr' | 'vsr';

/** Where a row's entry goes in the core's tables. */
export type PpcKey =
  | { primary: number; mask: number; value: number } // (word & mask) == value under primary opcode
  | { prefix: 0 | 2; suffix: number }; //               8LS (type 0) or MLS (type 2) prefix + suffix primary opcode

export interface PpcRow {
  name: string;
  keys: PpcKey[];
  /** 'none' for a defined instruction that is not a load/store. */
  op: 'none' | 'load' | 'store' | 'atomic' | 'zero';
  size: number;
  regs: 'gpr' | 'fpr' | 'vr' | 'vsx31' | 'vsx28' | 'vsxpair' | 'vsxop';
  form: keyof typeof PPC_FORMS;
  check: keyof typeof PPC_CHECKS;
  flags: string[];
  /** Defined only in 64-bit implementations (PPC_MODE_64). */
  only64: boolean;
}

/** Field layouts (how rt, base, index and disp come out of the word). */
export const PPC_FORMS = {
  NONE: 0, //    not a load/store
  D: 1, //       disp = EXTS(D16), base RA|0
  DS: 2, //      disp = EXTS(DS14 || 0b00)
  DQ: 3, //      disp = EXTS(DQ12 || 0b0000)
  X: 4, //       base RA|0, index RB
  XNB: 5, //     lswi/stswi: base RA|0, count NB (0 = 32 bytes), no index
  XZERO: 6, //   dcbz family: bits 6-10 select dcbz (0) / dcbzl (1)
  XLEN: 7, //    lxvl & co: base RA|0, RB holds the length (D_RS), no index
  AMO: 8, //     lwat & co: base RA|0 (no index), function code in the RB field (D_ATOMIC)
  HASH: 9, //    hashst & co: rt = RB, base RA, disp = -512 + DX*256 + D*8
  PREFIXED: 10, // Power10 8-byte: disp = EXTS(d0 || d1), R = PC-relative
} as const;

/** Invalid-form rules checked after the fields are filled. */
export const PPC_CHECKS = {
  NONE: 0,
  LOAD_UPDATE: 1, // RA = 0 or RA = RT
  UPDATE: 2, //      RA = 0
  LMW: 3, //         RA in RT..31
  LSWI: 4, //        RA among the registers loaded
  LQ: 5, //          RTp odd or RTp = RA (the field, also for PC-relative plq, as objdump reads the ISA)
  LQARX: 6, //       RTp odd, RTp = RA or RTp = RB
  EVEN: 7, //        RSp odd (stq, stqcx.)
  LSWX: 8, //        RT = RA or RT = RB
} as const;

const REG_CLASS = { gpr: 0, fpr: 1, vr: 2, vsx31: 3, vsx28: 4, vsxpair: 5, vsxop: 6 } as const;
export const PPC_REG_CLASS_CODES = REG_CLASS;

// Key helpers.
const d = (primary: number): PpcKey[] => [{ primary, mask: 0, value: 0 }];
const sub = (primary: number, mask: number, ...values: number[]): PpcKey[] => values.map((value) => ({ primary, mask, value }));
/** Opcode-31 X-form: XO with bit 31 (Rc) = 0. */
const x = (xo: number): PpcKey[] => sub(31, 0x7ff, xo << 1);
/** Opcode-31 with Rc = 1 (st?cx.). */
const xrc = (xo: number): PpcKey[] => sub(31, 0x7ff, (xo << 1) | 1);
/** Opcode-31 XX1-form: bit 31 is TX/SX, both values. */
const xx = (xo: number): PpcKey[] => sub(31, 0x7ff, xo << 1, (xo << 1) | 1);
const p8 = (suffix: number): PpcKey[] => [{ prefix: 0, suffix }];
const pm = (suffix: number): PpcKey[] => [{ prefix: 2, suffix }];

type Options = Partial<Pick<PpcRow, 'regs' | 'form' | 'check' | 'only64'>> & { flags?: string[] };

function row(name: string, keys: PpcKey[], op: PpcRow['op'], size: number, options: Options = {}): PpcRow {
  return {
    name, keys, op, size,
    regs: options.regs ?? 'gpr', form: options.form ?? 'D', check: options.check ?? 'NONE',
    flags: options.flags ?? [], only64: options.only64 ?? false,
  };
}

const L = 'load' as const;
const S = 'store' as const;
const U = ['F_WRITEBACK'];
const SG = ['F_SIGNED'];
const FP = ['F_FP'];
const V = ['F_VECTOR'];
const BR = ['F_BYTE_REVERSE'];
const EX = ['F_EXCLUSIVE'];
const PX = ['F_PREFIXED'];
const PAIR = ['F_VECTOR', 'F_PAIR'];
/** hashst & co: RA = 0 is an invalid form (QEMU's do_hash reads the ISA so). */
const HASH: Options = { form: 'HASH', check: 'UPDATE' };

function other(name: string | null, keys: PpcKey[], only64 = false): PpcRow {
  return { name: name ?? '', keys, op: 'none', size: 0, regs: 'gpr', form: 'NONE', check: 'NONE', flags: [], only64 };
}

/** Opcode-31 XOs llvm-mc decodes that a Power10 lacks: Book E external-PID loads/stores, ldmx. */
export const PPC_NOT_POWER10_31 = [95, 287, 31, 223, 415, 159, 607, 735, 309, 1023];

/** Row 0 is "no entry" (undefined); row 1 a defined instruction without a name. */
export const PPC_ROWS: readonly PpcRow[] = [
  other('(undefined)', []),
  other(null, [
    ...[4, 19, 59, 60, 63].flatMap((p) => ppcOtherXos(p).flatMap((v) => sub(p, 0x7ff, v))),
    ...ppcOtherXos(31).filter((v) => !PPC_NOT_POWER10_31.includes(v >> 1)).flatMap((v) => sub(31, 0x7ff, v)),
    ...sub(17, 3, 1), ...sub(30, 0x1f, ...range(0, 20))]),
  // D-form integer
  row('lbz', d(34), L, 1), row('lbzu', d(35), L, 1, { flags: U, check: 'LOAD_UPDATE' }),
  row('lhz', d(40), L, 2), row('lhzu', d(41), L, 2, { flags: U, check: 'LOAD_UPDATE' }),
  row('lha', d(42), L, 2, { flags: SG }), row('lhau', d(43), L, 2, { flags: [...SG, ...U], check: 'LOAD_UPDATE' }),
  row('lwz', d(32), L, 4), row('lwzu', d(33), L, 4, { flags: U, check: 'LOAD_UPDATE' }),
  row('stb', d(38), S, 1), row('stbu', d(39), S, 1, { flags: U, check: 'UPDATE' }),
  row('sth', d(44), S, 2), row('sthu', d(45), S, 2, { flags: U, check: 'UPDATE' }),
  row('stw', d(36), S, 4), row('stwu', d(37), S, 4, { flags: U, check: 'UPDATE' }),
  row('lmw', d(46), L, 4, { flags: ['F_MULTIPLE'], check: 'LMW' }), row('stmw', d(47), S, 4, { flags: ['F_MULTIPLE'] }),
  // D-form FP
  row('lfs', d(48), L, 4, { regs: 'fpr', flags: FP }), row('lfsu', d(49), L, 4, { regs: 'fpr', flags: [...FP, ...U], check: 'UPDATE' }),
  row('lfd', d(50), L, 8, { regs: 'fpr', flags: FP }), row('lfdu', d(51), L, 8, { regs: 'fpr', flags: [...FP, ...U], check: 'UPDATE' }),
  row('stfs', d(52), S, 4, { regs: 'fpr', flags: FP }), row('stfsu', d(53), S, 4, { regs: 'fpr', flags: [...FP, ...U], check: 'UPDATE' }),
  row('stfd', d(54), S, 8, { regs: 'fpr', flags: FP }), row('stfdu', d(55), S, 8, { regs: 'fpr', flags: [...FP, ...U], check: 'UPDATE' }),
  // DS / DQ forms
  row('ld', sub(58, 3, 0), L, 8, { form: 'DS', only64: true }),
  row('ldu', sub(58, 3, 1), L, 8, { form: 'DS', flags: U, check: 'LOAD_UPDATE', only64: true }),
  row('lwa', sub(58, 3, 2), L, 4, { form: 'DS', flags: SG, only64: true }),
  row('std', sub(62, 3, 0), S, 8, { form: 'DS', only64: true }),
  row('stdu', sub(62, 3, 1), S, 8, { form: 'DS', flags: U, check: 'UPDATE', only64: true }),
  row('stq', sub(62, 3, 2), S, 16, { form: 'DS', check: 'EVEN' }),
  row('lq', sub(56, 15, 0), L, 16, { form: 'DQ', check: 'LQ' }),
  row('lxsd', sub(57, 3, 2), L, 8, { regs: 'vr', form: 'DS', flags: V }),
  row('lxssp', sub(57, 3, 3), L, 4, { regs: 'vr', form: 'DS', flags: V }),
  row('stxsd', sub(61, 7, 2, 6), S, 8, { regs: 'vr', form: 'DS', flags: V }),
  row('stxssp', sub(61, 7, 3, 7), S, 4, { regs: 'vr', form: 'DS', flags: V }),
  row('lxv', sub(61, 7, 1), L, 16, { regs: 'vsx28', form: 'DQ', flags: V }),
  row('stxv', sub(61, 7, 5), S, 16, { regs: 'vsx28', form: 'DQ', flags: V }),
  row('lxvp', sub(6, 15, 0), L, 16, { regs: 'vsxpair', form: 'DQ', flags: PAIR }),
  row('stxvp', sub(6, 15, 1), S, 16, { regs: 'vsxpair', form: 'DQ', flags: PAIR }),
  // X-form integer, indexed and update-indexed
  row('lbzx', x(87), L, 1, { form: 'X' }), row('lbzux', x(119), L, 1, { form: 'X', flags: U, check: 'LOAD_UPDATE' }),
  row('lhzx', x(279), L, 2, { form: 'X' }), row('lhzux', x(311), L, 2, { form: 'X', flags: U, check: 'LOAD_UPDATE' }),
  row('lhax', x(343), L, 2, { form: 'X', flags: SG }), row('lhaux', x(375), L, 2, { form: 'X', flags: [...SG, ...U], check: 'LOAD_UPDATE' }),
  row('lwzx', x(23), L, 4, { form: 'X' }), row('lwzux', x(55), L, 4, { form: 'X', flags: U, check: 'LOAD_UPDATE' }),
  row('lwax', x(341), L, 4, { form: 'X', flags: SG, only64: true }),
  row('lwaux', x(373), L, 4, { form: 'X', flags: [...SG, ...U], check: 'LOAD_UPDATE', only64: true }),
  row('ldx', x(21), L, 8, { form: 'X', only64: true }), row('ldux', x(53), L, 8, { form: 'X', flags: U, check: 'LOAD_UPDATE', only64: true }),
  row('stbx', x(215), S, 1, { form: 'X' }), row('stbux', x(247), S, 1, { form: 'X', flags: U, check: 'UPDATE' }),
  row('sthx', x(407), S, 2, { form: 'X' }), row('sthux', x(439), S, 2, { form: 'X', flags: U, check: 'UPDATE' }),
  row('stwx', x(151), S, 4, { form: 'X' }), row('stwux', x(183), S, 4, { form: 'X', flags: U, check: 'UPDATE' }),
  row('stdx', x(149), S, 8, { form: 'X', only64: true }), row('stdux', x(181), S, 8, { form: 'X', flags: U, check: 'UPDATE', only64: true }),
  // byte-reverse
  row('lhbrx', x(790), L, 2, { form: 'X', flags: BR }), row('lwbrx', x(534), L, 4, { form: 'X', flags: BR }),
  row('ldbrx', x(532), L, 8, { form: 'X', flags: BR }),
  row('sthbrx', x(918), S, 2, { form: 'X', flags: BR }), row('stwbrx', x(662), S, 4, { form: 'X', flags: BR }),
  row('stdbrx', x(660), S, 8, { form: 'X', flags: BR }),
  // string
  row('lswi', x(597), L, 1, { form: 'XNB', flags: ['F_STRING'], check: 'LSWI' }),
  row('lswx', x(533), L, 1, { form: 'X', flags: ['F_STRING'], check: 'LSWX' }),
  row('stswi', x(725), S, 1, { form: 'XNB', flags: ['F_STRING'] }),
  row('stswx', x(661), S, 1, { form: 'X', flags: ['F_STRING'] }),
  // reservations (l?arx: bit 31 is the EH hint, kept in D_COND)
  row('lbarx', xx(52), L, 1, { form: 'X', flags: EX }), row('lharx', xx(116), L, 2, { form: 'X', flags: EX }),
  row('lwarx', xx(20), L, 4, { form: 'X', flags: EX }), row('ldarx', xx(84), L, 8, { form: 'X', flags: EX, only64: true }),
  row('lqarx', xx(276), L, 16, { form: 'X', flags: EX, check: 'LQARX' }),
  row('stbcx.', xrc(694), S, 1, { form: 'X', flags: EX }), row('sthcx.', xrc(726), S, 2, { form: 'X', flags: EX }),
  row('stwcx.', xrc(150), S, 4, { form: 'X', flags: EX }), row('stdcx.', xrc(214), S, 8, { form: 'X', flags: EX, only64: true }),
  row('stqcx.', xrc(182), S, 16, { form: 'X', flags: EX, check: 'EVEN' }),
  // FP indexed
  row('lfsx', x(535), L, 4, { regs: 'fpr', form: 'X', flags: FP }),
  row('lfsux', x(567), L, 4, { regs: 'fpr', form: 'X', flags: [...FP, ...U], check: 'UPDATE' }),
  row('lfdx', x(599), L, 8, { regs: 'fpr', form: 'X', flags: FP }),
  row('lfdux', x(631), L, 8, { regs: 'fpr', form: 'X', flags: [...FP, ...U], check: 'UPDATE' }),
  row('stfsx', x(663), S, 4, { regs: 'fpr', form: 'X', flags: FP }),
  row('stfsux', x(695), S, 4, { regs: 'fpr', form: 'X', flags: [...FP, ...U], check: 'UPDATE' }),
  row('stfdx', x(727), S, 8, { regs: 'fpr', form: 'X', flags: FP }),
  row('stfdux', x(759), S, 8, { regs: 'fpr', form: 'X', flags: [...FP, ...U], check: 'UPDATE' }),
  row('lfiwax', x(855), L, 4, { regs: 'fpr', form: 'X', flags: [...FP, 'F_FP_INTEGER', ...SG] }),
  row('lfiwzx', x(887), L, 4, { regs: 'fpr', form: 'X', flags: [...FP, 'F_FP_INTEGER'] }),
  row('stfiwx', x(983), S, 4, { regs: 'fpr', form: 'X', flags: [...FP, 'F_FP_INTEGER'] }),
  // VMX (lvsl/lvsr compute a permute control vector: not loads)
  row('lvx', x(103), L, 16, { regs: 'vr', form: 'X', flags: V }), row('lvxl', x(359), L, 16, { regs: 'vr', form: 'X', flags: V }),
  row('lvebx', x(7), L, 1, { regs: 'vr', form: 'X', flags: V }), row('lvehx', x(39), L, 2, { regs: 'vr', form: 'X', flags: V }),
  row('lvewx', x(71), L, 4, { regs: 'vr', form: 'X', flags: V }),
  row('stvx', x(231), S, 16, { regs: 'vr', form: 'X', flags: V }), row('stvxl', x(487), S, 16, { regs: 'vr', form: 'X', flags: V }),
  row('stvebx', x(135), S, 1, { regs: 'vr', form: 'X', flags: V }), row('stvehx', x(167), S, 2, { regs: 'vr', form: 'X', flags: V }),
  row('stvewx', x(199), S, 4, { regs: 'vr', form: 'X', flags: V }),
  // VSX indexed (XX1: bit 31 is TX/SX)
  ...([
    ['lxvd2x', 844, L, 16], ['lxvw4x', 780, L, 16], ['lxvh8x', 812, L, 16], ['lxvb16x', 876, L, 16], ['lxvdsx', 332, L, 8],
    ['lxsdx', 588, L, 8], ['lxsiwax', 76, L, 4], ['lxsiwzx', 12, L, 4], ['lxsspx', 524, L, 4], ['lxsibzx', 781, L, 1],
    ['lxsihzx', 813, L, 2], ['lxvx', 268, L, 16], ['lxvwsx', 364, L, 4],
    ['lxvrbx', 13, L, 1], ['lxvrhx', 45, L, 2], ['lxvrwx', 77, L, 4], ['lxvrdx', 109, L, 8],
    ['stxvd2x', 972, S, 16], ['stxvw4x', 908, S, 16], ['stxvh8x', 940, S, 16], ['stxvb16x', 1004, S, 16],
    ['stxsdx', 716, S, 8], ['stxsiwx', 140, S, 4], ['stxsspx', 652, S, 4], ['stxsibx', 909, S, 1], ['stxsihx', 941, S, 2],
    ['stxvx', 396, S, 16], ['stxvrbx', 141, S, 1], ['stxvrhx', 173, S, 2], ['stxvrwx', 205, S, 4], ['stxvrdx', 237, S, 8],
  ] as const).map(([name, xo, op, size]) =>
    row(name, xx(xo), op, size, { regs: 'vsx31', form: 'X', flags: name === 'lxsiwax' ? [...V, ...SG] : V })),
  row('lxvl', xx(269), L, 16, { regs: 'vsx31', form: 'XLEN', flags: V }),
  row('lxvll', xx(301), L, 16, { regs: 'vsx31', form: 'XLEN', flags: V }),
  row('stxvl', xx(397), S, 16, { regs: 'vsx31', form: 'XLEN', flags: V }),
  row('stxvll', xx(429), S, 16, { regs: 'vsx31', form: 'XLEN', flags: V }),
  row('lxvpx', x(333), L, 16, { regs: 'vsxpair', form: 'X', flags: PAIR }),
  row('stxvpx', x(461), S, 16, { regs: 'vsxpair', form: 'X', flags: PAIR }),
  // cache-inhibited (hypervisor), atomic memory operations, hash. Not here: Book E external-PID forms
  // (lbepx…, dcbzep) and ldmx (removed in ISA 3.0B), which a Power10 does not have (llvm-mc 14 decodes them).
  row('lbzcix', x(853), L, 1, { form: 'X' }), row('lhzcix', x(821), L, 2, { form: 'X' }),
  row('lwzcix', x(789), L, 4, { form: 'X' }), row('ldcix', x(885), L, 8, { form: 'X' }),
  row('stbcix', x(981), S, 1, { form: 'X' }), row('sthcix', x(949), S, 2, { form: 'X' }),
  row('stwcix', x(917), S, 4, { form: 'X' }), row('stdcix', x(1013), S, 8, { form: 'X' }),
  row('lwat', x(582), 'atomic', 4, { form: 'AMO' }), row('ldat', x(614), 'atomic', 8, { form: 'AMO' }),
  row('stwat', x(710), 'atomic', 4, { form: 'AMO' }), row('stdat', x(742), 'atomic', 8, { form: 'AMO' }),
  row('hashst', xx(722), S, 8, HASH), row('hashstp', xx(658), S, 8, HASH),
  row('hashchk', xx(754), L, 8, HASH), row('hashchkp', xx(690), L, 8, HASH),
  // cache-block zero
  row('dcbz', x(1014), 'zero', 128, { form: 'XZERO' }), row('dcbzl', [], 'zero', 128, { form: 'XZERO' }),
  // Power10 prefixed: MLS (type 2) and 8LS (type 0)
  row('plbz', pm(34), L, 1, { form: 'PREFIXED', flags: PX }), row('plhz', pm(40), L, 2, { form: 'PREFIXED', flags: PX }),
  row('plha', pm(42), L, 2, { form: 'PREFIXED', flags: [...PX, ...SG] }), row('plwz', pm(32), L, 4, { form: 'PREFIXED', flags: PX }),
  row('pstb', pm(38), S, 1, { form: 'PREFIXED', flags: PX }), row('psth', pm(44), S, 2, { form: 'PREFIXED', flags: PX }),
  row('pstw', pm(36), S, 4, { form: 'PREFIXED', flags: PX }),
  row('plfs', pm(48), L, 4, { regs: 'fpr', form: 'PREFIXED', flags: [...PX, ...FP] }),
  row('plfd', pm(50), L, 8, { regs: 'fpr', form: 'PREFIXED', flags: [...PX, ...FP] }),
  row('pstfs', pm(52), S, 4, { regs: 'fpr', form: 'PREFIXED', flags: [...PX, ...FP] }),
  row('pstfd', pm(54), S, 8, { regs: 'fpr', form: 'PREFIXED', flags: [...PX, ...FP] }),
  row('plwa', p8(41), L, 4, { form: 'PREFIXED', flags: [...PX, ...SG] }),
  row('pld', p8(57), L, 8, { form: 'PREFIXED', flags: PX }),
  row('pstd', p8(61), S, 8, { form: 'PREFIXED', flags: PX }),
  row('plxsd', p8(42), L, 8, { regs: 'vr', form: 'PREFIXED', flags: [...PX, ...V] }),
  row('plxssp', p8(43), L, 4, { regs: 'vr', form: 'PREFIXED', flags: [...PX, ...V] }),
  row('pstxsd', p8(46), S, 8, { regs: 'vr', form: 'PREFIXED', flags: [...PX, ...V] }),
  row('pstxssp', p8(47), S, 4, { regs: 'vr', form: 'PREFIXED', flags: [...PX, ...V] }),
  row('plxv', [...p8(50), ...p8(51)], L, 16, { regs: 'vsxop', form: 'PREFIXED', flags: [...PX, ...V] }),
  row('pstxv', [...p8(54), ...p8(55)], S, 16, { regs: 'vsxop', form: 'PREFIXED', flags: [...PX, ...V] }),
  row('plxvp', p8(58), L, 16, { regs: 'vsxpair', form: 'PREFIXED', flags: [...PX, ...PAIR] }),
  row('pstxvp', p8(62), S, 16, { regs: 'vsxpair', form: 'PREFIXED', flags: [...PX, ...PAIR] }),
  row('plq', p8(56), L, 16, { form: 'PREFIXED', flags: PX, check: 'LQ' }),
  row('pstq', p8(60), S, 16, { form: 'PREFIXED', flags: PX, check: 'EVEN' }),
  // Not load/stores: the interpreter's subset and the aliases llvm-mc prints for them.
  other('tdi', d(2), true), other('twi', d(3)), other('mulli', d(7)), other('subfic', d(8)),
  other('cmplwi', d(10)), other('cmpwi', d(11)), other('addic', d(12)), other('addic.', d(13)),
  other('addi', d(14)), other('addis', d(15)), other('bc', d(16)), other('sc', sub(17, 3, 2, 3)), other('b', d(18)),
  other('rlwimi', d(20)), other('rlwinm', d(21)), other('rlwnm', d(23)),
  other('ori', d(24)), other('oris', d(25)), other('xori', d(26)), other('xoris', d(27)), other('andi.', d(28)), other('andis.', d(29)),
  other('rldicl', sub(30, 0x1f, 0, 2), true), other('rldicl.', sub(30, 0x1f, 1, 3), true),
  other('cmpw', x(0)), other('cmplw', x(32)),
  other('add', x(266)), other('add.', xrc(266)), other('sub', x(40)), other('sub.', xrc(40)),
  other('or', x(444)), other('or.', xrc(444)),
  other('mtspr', x(467)), other('mfspr', x(339)), other('tlbie', x(306)), other('tlbiel', x(274)), other('slbie', x(434), true),
  other('sync', x(598)), other('tlbsync', x(566)), other('eieio', x(854)),
  other('bclr', sub(19, 0x7ff, 32, 33)), other('bcctr', sub(19, 0x7ff, 1056, 1057)), other('isync', sub(19, 0x7ff, 300)),
  // aliases chosen from the fields (ids only, no keys)
  other('li', []), other('lis', []), other('mr', []), other('nop', []), other('cmpdi', []), other('cmpldi', []),
  other('cmpd', []), other('cmpld', []), other('blr', []), other('bctr', []), other('mtctr', []), other('mfctr', []),
  other('mtlr', []), other('mflr', []), other('lwsync', []), other('ptesync', []), other('bl', []), other('ba', []), other('bla', []),
  other('lvsl', x(6)), other('lvsr', x(38)),
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** Mnemonics by id (D_MNEMONIC); null for ids without a name. */
export const PPC_MNEMONICS: readonly (string | null)[] = PPC_ROWS.map((r, id) => (id === 0 || r.name === '' ? null : r.name));

const CLASS_OF: Record<PpcRow['regs'], PpcRegClass> = {
  gpr: 'gpr', fpr: 'fpr', vr: 'vr', vsx31: 'vsr', vsx28: 'vsr', vsxpair: 'vsr', vsxop: 'vsr',
};

/** The register file of each id's transfer register(s). */
export const PPC_REG_CLASSES: readonly PpcRegClass[] = PPC_ROWS.map((r) => CLASS_OF[r.regs]);

/** The id of a mnemonic (first row with that name). */
export function ppcMnemonicId(name: string): number {
  const id = PPC_ROWS.findIndex((r) => r.name === name);
  if (id < 0) throw new Error(`no PowerPC mnemonic ${name}`);
  return id;
}
