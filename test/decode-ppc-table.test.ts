// PowerPC decoder, table-driven: encoding → expected descriptor fields, for every
// load/store class, plus undefined words, truncated prefixes and invalid forms.

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../dist/src/machine.js';
import { readExportedConstants } from '../dist/src/core.js';
import type { CoreAccessor } from '../dist/src/accessor.js';
import { DESCRIPTOR_NAMES, readDescriptor, type DescriptorCodes, type RawDescriptor } from '../dist/src/decode/descriptor.js';
import { PPC_MNEMONICS } from '../dist/src/decode/ppc-names.js';
import { decodePpcWords } from '../dist/src/decode/ppc.js';
import { generatePpcTables } from '../dist/src/decode/ppc-tables-gen.js';

// Encoders (fields as the ISA numbers them; bit 0 is the most significant).
const D = (op: number, rt: number, ra: number, d: number) => ((op << 26) | (rt << 21) | (ra << 16) | (d & 0xffff)) >>> 0;
const DS = (op: number, rt: number, ra: number, d: number, xo: number) => ((op << 26) | (rt << 21) | (ra << 16) | (d & 0xfffc) | xo) >>> 0;
const X = (xo: number, rt: number, ra: number, rb: number, bit31 = 0) => ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1) | bit31) >>> 0;
/** Prefix + suffix: type 0 (8LS) or 2 (MLS), R, 34-bit displacement. */
const P = (type: number, r: number, suffixOp: number, rt: number, ra: number, d: number): number[] => {
  const wide = BigInt.asUintN(34, BigInt(d));
  return [(0x0400_0000 | (type << 24) | (r << 20) | Number(wide >> 16n)) >>> 0, ((suffixOp << 26) | (rt << 21) | (ra << 16) | Number(wide & 0xffffn)) >>> 0];
};

type Kind = 'LOADSTORE' | 'OTHER' | 'UNDEFINED' | 'TRUNCATED' | 'INVALID_FORM';
type Flag = 'F_SIGNED' | 'F_WRITEBACK' | 'F_BYTE_REVERSE' | 'F_EXCLUSIVE' | 'F_FP' | 'F_VECTOR' | 'F_PC_RELATIVE'
  | 'F_BASE_ZERO' | 'F_PREFIXED' | 'F_PAIR' | 'F_MULTIPLE' | 'F_STRING' | 'F_FP_INTEGER';

interface Expected {
  kind?: Kind;
  mnemonic?: string | null;
  op?: 'LOAD' | 'STORE' | 'ATOMIC' | 'ZERO';
  size?: number;
  count?: number;
  /** The exact flag set. */
  flags?: Flag[];
  rt?: number | null;
  rt2?: number | null;
  base?: number | null;
  index?: number | null;
  disp?: number;
  length?: number;
  regList?: number;
  rs?: number | null;
  atomic?: number;
  cond?: number;
}

type Row = [string, number | number[], Expected, ('64' | '32')?];

const L = 'LOAD' as const;
const S = 'STORE' as const;

const rows: Row[] = [
  // D-form integer
  ['lwz r3,8(r1)', 0x8061_0008, { kind: 'LOADSTORE', mnemonic: 'lwz', op: L, size: 4, count: 1, flags: [], rt: 3, rt2: null, base: 1, index: null, disp: 8, length: 4 }],
  ['lbz r5,-1(r6)', D(34, 5, 6, -1), { mnemonic: 'lbz', size: 1, disp: -1, flags: [] }],
  ['lbzu r5,4(r6)', D(35, 5, 6, 4), { mnemonic: 'lbzu', size: 1, flags: ['F_WRITEBACK'], base: 6 }],
  ['lhz', D(40, 1, 2, 0x7ffe), { mnemonic: 'lhz', size: 2, disp: 32766 }],
  ['lhzu', D(41, 1, 2, 2), { mnemonic: 'lhzu', flags: ['F_WRITEBACK'] }],
  ['lha', D(42, 1, 2, -32768), { mnemonic: 'lha', size: 2, flags: ['F_SIGNED'], disp: -32768 }],
  ['lhau', D(43, 1, 2, 2), { mnemonic: 'lhau', flags: ['F_SIGNED', 'F_WRITEBACK'] }],
  ['lwzu', D(33, 3, 1, 16), { mnemonic: 'lwzu', size: 4, flags: ['F_WRITEBACK'] }],
  ['stb', D(38, 3, 1, 1), { mnemonic: 'stb', op: S, size: 1 }],
  ['stbu', D(39, 3, 1, 1), { mnemonic: 'stbu', op: S, flags: ['F_WRITEBACK'] }],
  ['sth', D(44, 3, 1, 2), { mnemonic: 'sth', op: S, size: 2 }],
  ['sthu', D(45, 3, 1, 2), { mnemonic: 'sthu', op: S, flags: ['F_WRITEBACK'] }],
  ['stw', D(36, 3, 1, 4), { mnemonic: 'stw', op: S, size: 4, flags: [] }],
  ['stwu r1,-64(r1) (store-update may name RA as RS)', D(37, 1, 1, -64), { kind: 'LOADSTORE', mnemonic: 'stwu', flags: ['F_WRITEBACK'], rt: 1, base: 1, disp: -64 }],
  ['lwz r3,8(0): RA=0 reads as 0', D(32, 3, 0, 8), { flags: ['F_BASE_ZERO'], base: 0 }],
  ['lmw r29,0(r1)', D(46, 29, 1, 0), { mnemonic: 'lmw', op: L, size: 4, count: 3, flags: ['F_MULTIPLE'], regList: 0xe000_0000 }],
  ['stmw r30,8(r1)', D(47, 30, 1, 8), { mnemonic: 'stmw', op: S, count: 2, flags: ['F_MULTIPLE'], regList: 0xc000_0000 }],
  // D-form FP
  ['lfs f1,8(r3)', D(48, 1, 3, 8), { mnemonic: 'lfs', size: 4, flags: ['F_FP'], rt: 1 }],
  ['lfsu', D(49, 1, 3, 8), { mnemonic: 'lfsu', flags: ['F_FP', 'F_WRITEBACK'] }],
  ['lfd', D(50, 31, 3, 8), { mnemonic: 'lfd', size: 8, flags: ['F_FP'], rt: 31 }],
  ['lfdu', D(51, 1, 3, 8), { mnemonic: 'lfdu', size: 8, flags: ['F_FP', 'F_WRITEBACK'] }],
  ['stfs', D(52, 1, 3, 8), { mnemonic: 'stfs', op: S, size: 4, flags: ['F_FP'] }],
  ['stfsu', D(53, 1, 3, 8), { mnemonic: 'stfsu', op: S, flags: ['F_FP', 'F_WRITEBACK'] }],
  ['stfd', D(54, 1, 3, 8), { mnemonic: 'stfd', op: S, size: 8, flags: ['F_FP'] }],
  ['stfdu', D(55, 1, 3, 8), { mnemonic: 'stfdu', op: S, flags: ['F_FP', 'F_WRITEBACK'] }],
  // DS / DQ forms
  ['ld r3,8(r1)', 0xe861_0008, { mnemonic: 'ld', size: 8, disp: 8, flags: [] }],
  ['ld: DS field keeps its low bits out of the displacement', DS(58, 3, 1, -4, 0), { mnemonic: 'ld', disp: -4 }],
  ['ldu', DS(58, 3, 1, 16, 1), { mnemonic: 'ldu', flags: ['F_WRITEBACK'] }],
  ['lwa', DS(58, 3, 1, 16, 2), { mnemonic: 'lwa', size: 4, flags: ['F_SIGNED'] }],
  ['DS xo 3 under 58 is undefined', DS(58, 3, 1, 16, 3), { kind: 'UNDEFINED', mnemonic: null, rt: null, base: null }],
  ['std', DS(62, 3, 1, -8, 0), { mnemonic: 'std', op: S, size: 8, disp: -8 }],
  ['stdu r1,-112(r1)', DS(62, 1, 1, -112, 1), { mnemonic: 'stdu', op: S, flags: ['F_WRITEBACK'] }],
  ['stq r4,32(r5)', DS(62, 4, 5, 32, 2), { mnemonic: 'stq', op: S, size: 16, rt: 4, rt2: 5, flags: [] }],
  ['lq r4,32(r5)', D(56, 4, 5, 32), { mnemonic: 'lq', size: 16, count: 1, rt: 4, rt2: 5, disp: 32, flags: [] }],
  ['lq with reserved bits 28-31 set is undefined', D(56, 4, 5, 33), { kind: 'UNDEFINED' }],
  ['lxsd v2,8(r4)', DS(57, 2, 4, 8, 2), { mnemonic: 'lxsd', size: 8, flags: ['F_VECTOR'], rt: 2 }],
  ['lxssp', DS(57, 2, 4, 8, 3), { mnemonic: 'lxssp', size: 4, flags: ['F_VECTOR'] }],
  ['lfdp (57/0) is unknown to llvm-mc 14: undefined', DS(57, 2, 4, 8, 0), { kind: 'UNDEFINED' }],
  ['stxsd', DS(61, 2, 4, 8, 2), { mnemonic: 'stxsd', op: S, size: 8, flags: ['F_VECTOR'] }],
  ['stxssp', DS(61, 2, 4, 8, 3), { mnemonic: 'stxssp', op: S, size: 4 }],
  ['lxv vs34,16(r4) (TX=1)', ((61 << 26) | (2 << 21) | (4 << 16) | 16 | 0b1001) >>> 0, { mnemonic: 'lxv', size: 16, rt: 34, disp: 16, flags: ['F_VECTOR'] }],
  ['stxv vs2,-16(r4)', ((61 << 26) | (2 << 21) | (4 << 16) | (0xfff0) | 0b0101) >>> 0, { mnemonic: 'stxv', op: S, rt: 2, disp: -16 }],
  ['lxvp vsp34,32(r4): F_PAIR of two 16-byte VSRs', ((6 << 26) | (3 << 21) | (4 << 16) | 32) >>> 0, { mnemonic: 'lxvp', size: 16, count: 2, rt: 34, rt2: 35, flags: ['F_VECTOR', 'F_PAIR'] }],
  ['stxvp vsp2,0(r4)', ((6 << 26) | (2 << 21) | (4 << 16) | 1) >>> 0, { mnemonic: 'stxvp', op: S, rt: 2, rt2: 3, count: 2 }],
  // X-form, indexed and update-indexed
  ['lwzx r3,r4,r5', 0x7c64_282e, { mnemonic: 'lwzx', size: 4, rt: 3, base: 4, index: 5, disp: 0, flags: [] }],
  ['lwzx r3,0,r5', X(23, 3, 0, 5), { base: 0, index: 5, flags: ['F_BASE_ZERO'] }],
  ['lwzx with Rc=1 is undefined', X(23, 3, 4, 5, 1), { kind: 'UNDEFINED' }],
  ['lbzx', X(87, 3, 4, 5), { mnemonic: 'lbzx', size: 1 }], ['lbzux', X(119, 3, 4, 5), { mnemonic: 'lbzux', flags: ['F_WRITEBACK'] }],
  ['lhzx', X(279, 3, 4, 5), { mnemonic: 'lhzx', size: 2 }], ['lhzux', X(311, 3, 4, 5), { mnemonic: 'lhzux', flags: ['F_WRITEBACK'] }],
  ['lhax', X(343, 3, 4, 5), { mnemonic: 'lhax', flags: ['F_SIGNED'] }], ['lhaux', X(375, 3, 4, 5), { mnemonic: 'lhaux', flags: ['F_SIGNED', 'F_WRITEBACK'] }],
  ['lwzux', X(55, 3, 4, 5), { mnemonic: 'lwzux', flags: ['F_WRITEBACK'] }],
  ['lwax', X(341, 3, 4, 5), { mnemonic: 'lwax', size: 4, flags: ['F_SIGNED'] }], ['lwaux', X(373, 3, 4, 5), { mnemonic: 'lwaux', flags: ['F_SIGNED', 'F_WRITEBACK'] }],
  ['ldx', X(21, 3, 4, 5), { mnemonic: 'ldx', size: 8 }], ['ldux', X(53, 3, 4, 5), { mnemonic: 'ldux', flags: ['F_WRITEBACK'] }],
  ['stbx', X(215, 3, 4, 5), { mnemonic: 'stbx', op: S, size: 1 }], ['stbux', X(247, 3, 4, 5), { mnemonic: 'stbux', op: S, flags: ['F_WRITEBACK'] }],
  ['sthx', X(407, 3, 4, 5), { mnemonic: 'sthx', op: S, size: 2 }], ['sthux', X(439, 3, 4, 5), { mnemonic: 'sthux', flags: ['F_WRITEBACK'] }],
  ['stwx', X(151, 3, 4, 5), { mnemonic: 'stwx', op: S, size: 4 }], ['stwux', X(183, 3, 4, 5), { mnemonic: 'stwux', flags: ['F_WRITEBACK'] }],
  ['stdx', X(149, 3, 4, 5), { mnemonic: 'stdx', op: S, size: 8 }], ['stdux', X(181, 3, 4, 5), { mnemonic: 'stdux', flags: ['F_WRITEBACK'] }],
  ['lfsx', X(535, 1, 4, 5), { mnemonic: 'lfsx', size: 4, flags: ['F_FP'] }], ['lfsux', X(567, 1, 4, 5), { mnemonic: 'lfsux', flags: ['F_FP', 'F_WRITEBACK'] }],
  ['lfdx', X(599, 1, 4, 5), { mnemonic: 'lfdx', size: 8, flags: ['F_FP'] }], ['lfdux', X(631, 1, 4, 5), { mnemonic: 'lfdux', flags: ['F_FP', 'F_WRITEBACK'] }],
  ['stfsx', X(663, 1, 4, 5), { mnemonic: 'stfsx', op: S, size: 4 }], ['stfsux', X(695, 1, 4, 5), { mnemonic: 'stfsux', flags: ['F_FP', 'F_WRITEBACK'] }],
  ['stfdx', X(727, 1, 4, 5), { mnemonic: 'stfdx', op: S, size: 8 }], ['stfdux', X(759, 1, 4, 5), { mnemonic: 'stfdux', flags: ['F_FP', 'F_WRITEBACK'] }],
  ['lfiwax', X(855, 1, 4, 5), { mnemonic: 'lfiwax', size: 4, flags: ['F_FP', 'F_FP_INTEGER', 'F_SIGNED'] }],
  ['lfiwzx', X(887, 1, 4, 5), { mnemonic: 'lfiwzx', size: 4, flags: ['F_FP', 'F_FP_INTEGER'] }],
  ['stfiwx', X(983, 1, 4, 5), { mnemonic: 'stfiwx', op: S, size: 4, flags: ['F_FP', 'F_FP_INTEGER'] }],
  // byte-reverse
  ['lhbrx', X(790, 3, 4, 5), { mnemonic: 'lhbrx', size: 2, flags: ['F_BYTE_REVERSE'] }],
  ['lwbrx', X(534, 3, 4, 5), { mnemonic: 'lwbrx', size: 4, flags: ['F_BYTE_REVERSE'] }],
  ['ldbrx', X(532, 3, 4, 5), { mnemonic: 'ldbrx', size: 8, flags: ['F_BYTE_REVERSE'] }],
  ['sthbrx', X(918, 3, 4, 5), { mnemonic: 'sthbrx', op: S, size: 2, flags: ['F_BYTE_REVERSE'] }],
  ['stwbrx', X(662, 3, 4, 5), { mnemonic: 'stwbrx', op: S, size: 4, flags: ['F_BYTE_REVERSE'] }],
  ['stdbrx', X(660, 3, 4, 5), { mnemonic: 'stdbrx', op: S, size: 8, flags: ['F_BYTE_REVERSE'] }],
  // string
  ['lswi r5,r10,7', X(597, 5, 10, 7), { mnemonic: 'lswi', size: 1, count: 7, flags: ['F_STRING'], index: null, disp: 0 }],
  ['lswi NB=0 moves 32 bytes', X(597, 5, 10, 0), { count: 32 }],
  ['stswi', X(725, 5, 10, 7), { mnemonic: 'stswi', op: S, count: 7, flags: ['F_STRING'] }],
  ['lswx: count from XER (0)', X(533, 5, 10, 11), { mnemonic: 'lswx', count: 0, index: 11, flags: ['F_STRING'] }],
  ['stswx', X(661, 5, 10, 11), { mnemonic: 'stswx', op: S, count: 0 }],
  // reservations
  ['lwarx r3,r4,r5', X(20, 3, 4, 5), { mnemonic: 'lwarx', size: 4, flags: ['F_EXCLUSIVE'], cond: 0 }],
  ['lwarx r3,r4,r5,1 (EH hint in cond)', X(20, 3, 4, 5, 1), { mnemonic: 'lwarx', cond: 1 }],
  ['lbarx', X(52, 3, 4, 5), { mnemonic: 'lbarx', size: 1, flags: ['F_EXCLUSIVE'] }],
  ['lharx', X(116, 3, 4, 5), { mnemonic: 'lharx', size: 2 }],
  ['ldarx', X(84, 3, 4, 5, 1), { mnemonic: 'ldarx', size: 8, cond: 1 }],
  ['lqarx r4,r5,r6', X(276, 4, 5, 6), { mnemonic: 'lqarx', size: 16, rt: 4, rt2: 5, flags: ['F_EXCLUSIVE'] }],
  ['stwcx.', X(150, 3, 4, 5, 1), { mnemonic: 'stwcx.', op: S, size: 4, flags: ['F_EXCLUSIVE'] }],
  ['stwcx without the dot is undefined', X(150, 3, 4, 5, 0), { kind: 'UNDEFINED' }],
  ['stbcx.', X(694, 3, 4, 5, 1), { mnemonic: 'stbcx.', size: 1 }], ['sthcx.', X(726, 3, 4, 5, 1), { mnemonic: 'sthcx.', size: 2 }],
  ['stdcx.', X(214, 3, 4, 5, 1), { mnemonic: 'stdcx.', size: 8 }],
  ['stqcx.', X(182, 4, 5, 6, 1), { mnemonic: 'stqcx.', op: S, size: 16, rt: 4, rt2: 5 }],
  // VMX
  ['lvx v2,r4,r5', X(103, 2, 4, 5), { mnemonic: 'lvx', size: 16, rt: 2, flags: ['F_VECTOR'] }],
  ['lvxl', X(359, 2, 4, 5), { mnemonic: 'lvxl', size: 16 }],
  ['lvebx', X(7, 2, 4, 5), { mnemonic: 'lvebx', size: 1 }], ['lvehx', X(39, 2, 4, 5), { mnemonic: 'lvehx', size: 2 }],
  ['lvewx', X(71, 2, 4, 5), { mnemonic: 'lvewx', size: 4 }],
  ['stvx', X(231, 2, 4, 5), { mnemonic: 'stvx', op: S, size: 16 }], ['stvxl', X(487, 2, 4, 5), { mnemonic: 'stvxl', op: S }],
  ['stvebx', X(135, 2, 4, 5), { mnemonic: 'stvebx', size: 1 }], ['stvehx', X(167, 2, 4, 5), { mnemonic: 'stvehx', size: 2 }],
  ['stvewx', X(199, 2, 4, 5), { mnemonic: 'stvewx', size: 4 }],
  ['lvsl is not a load', X(6, 2, 4, 5), { kind: 'OTHER', mnemonic: 'lvsl', rt: null }],
  ['lvsr is not a load', X(38, 2, 4, 5), { kind: 'OTHER', mnemonic: 'lvsr' }],
  // VSX indexed (bit 31 = TX)
  ['lxvd2x vs35,r4,r5', 0x7c64_2e99, { mnemonic: 'lxvd2x', size: 16, rt: 35, base: 4, index: 5, flags: ['F_VECTOR'] }],
  ...([['lxvw4x', 780, 16], ['lxvh8x', 812, 16], ['lxvb16x', 876, 16], ['lxvdsx', 332, 8], ['lxsdx', 588, 8], ['lxsiwzx', 12, 4],
    ['lxsspx', 524, 4], ['lxsibzx', 781, 1], ['lxsihzx', 813, 2], ['lxvx', 268, 16], ['lxvwsx', 364, 4], ['lxvrbx', 13, 1],
    ['lxvrhx', 45, 2], ['lxvrwx', 77, 4], ['lxvrdx', 109, 8]] as const)
    .map(([name, xo, size]): Row => [name, X(xo, 1, 4, 5, 1), { mnemonic: name, op: L, size, rt: 33, flags: ['F_VECTOR'] }]),
  ['lxsiwax', X(76, 1, 4, 5), { mnemonic: 'lxsiwax', size: 4, rt: 1, flags: ['F_VECTOR', 'F_SIGNED'] }],
  ...([['stxvd2x', 972, 16], ['stxvw4x', 908, 16], ['stxvh8x', 940, 16], ['stxvb16x', 1004, 16], ['stxsdx', 716, 8], ['stxsiwx', 140, 4],
    ['stxsspx', 652, 4], ['stxsibx', 909, 1], ['stxsihx', 941, 2], ['stxvx', 396, 16], ['stxvrbx', 141, 1], ['stxvrhx', 173, 2],
    ['stxvrwx', 205, 4], ['stxvrdx', 237, 8]] as const)
    .map(([name, xo, size]): Row => [name, X(xo, 1, 4, 5), { mnemonic: name, op: S, size, rt: 1, flags: ['F_VECTOR'] }]),
  ['lxvl vs3,r4,r5: RB is the length (rs), no index', X(269, 3, 4, 5), { mnemonic: 'lxvl', size: 16, rt: 3, base: 4, index: null, rs: 5 }],
  ['lxvll', X(301, 3, 4, 5, 1), { mnemonic: 'lxvll', rt: 35, rs: 5 }],
  ['stxvl', X(397, 3, 4, 5), { mnemonic: 'stxvl', op: S, rs: 5 }], ['stxvll', X(429, 3, 4, 5), { mnemonic: 'stxvll', op: S }],
  ['lxvpx vsp34,r4,r5', X(333, 3, 4, 5), { mnemonic: 'lxvpx', size: 16, count: 2, rt: 34, rt2: 35, index: 5, flags: ['F_VECTOR', 'F_PAIR'] }],
  ['stxvpx', X(461, 2, 4, 5), { mnemonic: 'stxvpx', op: S, rt: 2, rt2: 3 }],
  // other memory forms
  ['lbzcix', X(853, 3, 4, 5), { mnemonic: 'lbzcix', size: 1 }], ['stdcix', X(1013, 3, 4, 5), { mnemonic: 'stdcix', op: S, size: 8 }],
  ['lwat r3,r4,FC=5', X(582, 3, 4, 5), { mnemonic: 'lwat', op: 'ATOMIC', size: 4, atomic: 5, index: null }],
  ['stdat', X(742, 3, 4, 2), { mnemonic: 'stdat', op: 'ATOMIC', size: 8, atomic: 2 }],
  ['hashst r5,-472(r4)', 0x7ca4_05a4 | 0, { mnemonic: 'hashst', op: S, size: 8, rt: 0, base: 4, disp: -472 }],
  ['hashchk r5,-8(r1)', ((31 << 26) | (31 << 21) | (1 << 16) | (5 << 11) | (754 << 1) | 1) >>> 0, { mnemonic: 'hashchk', op: L, rt: 5, disp: -8 }],
  ['dcbz r4,r5', 0x7c04_2fec, { mnemonic: 'dcbz', op: 'ZERO', size: 128, rt: null, base: 4, index: 5, flags: [] }],
  ['dcbzl', 0x7c24_2fec, { mnemonic: 'dcbzl', op: 'ZERO' }],
  ['dcbz with other bits 6-10 is undefined', 0x7c44_2fec, { kind: 'UNDEFINED' }],
  // Power10 prefixed
  ['pld r3,0(0),1 (PC-relative)', [0x0410_0000, 0xe460_0000], { kind: 'LOADSTORE', mnemonic: 'pld', size: 8, rt: 3, base: null, disp: 0, length: 8, flags: ['F_PREFIXED', 'F_PC_RELATIVE'] }],
  ['pld r3,-8589934592(r4),0', P(0, 0, 57, 3, 4, -(2 ** 33)), { mnemonic: 'pld', base: 4, disp: -(2 ** 33), flags: ['F_PREFIXED'] }],
  ['plwz r7,-70000(r8)', P(2, 0, 32, 7, 8, -70000), { mnemonic: 'plwz', size: 4, disp: -70000, length: 8 }],
  ['plbz', P(2, 0, 34, 7, 8, 1), { mnemonic: 'plbz', size: 1 }], ['plhz', P(2, 0, 40, 7, 8, 1), { mnemonic: 'plhz', size: 2 }],
  ['plha', P(2, 0, 42, 7, 8, 1), { mnemonic: 'plha', flags: ['F_PREFIXED', 'F_SIGNED'] }],
  ['plwa', P(0, 0, 41, 7, 8, 1), { mnemonic: 'plwa', size: 4, flags: ['F_PREFIXED', 'F_SIGNED'] }],
  ['pstd', P(0, 0, 61, 7, 8, 1), { mnemonic: 'pstd', op: S, size: 8 }], ['pstw', P(2, 0, 36, 7, 8, 1), { mnemonic: 'pstw', op: S, size: 4 }],
  ['psth', P(2, 0, 44, 7, 8, 1), { mnemonic: 'psth', op: S, size: 2 }], ['pstb', P(2, 0, 38, 7, 8, 1), { mnemonic: 'pstb', op: S, size: 1 }],
  ['plfs', P(2, 0, 48, 7, 8, 1), { mnemonic: 'plfs', size: 4, flags: ['F_PREFIXED', 'F_FP'] }],
  ['plfd', P(2, 1, 50, 7, 0, 1), { mnemonic: 'plfd', size: 8, flags: ['F_PREFIXED', 'F_FP', 'F_PC_RELATIVE'] }],
  ['pstfs', P(2, 0, 52, 7, 8, 1), { mnemonic: 'pstfs', op: S }], ['pstfd', P(2, 0, 54, 7, 8, 1), { mnemonic: 'pstfd', op: S, size: 8 }],
  ['plxsd', P(0, 0, 42, 7, 8, 1), { mnemonic: 'plxsd', size: 8, rt: 7, flags: ['F_PREFIXED', 'F_VECTOR'] }],
  ['plxssp', P(0, 0, 43, 7, 8, 1), { mnemonic: 'plxssp', size: 4 }],
  ['pstxsd', P(0, 0, 46, 7, 8, 1), { mnemonic: 'pstxsd', op: S }], ['pstxssp', P(0, 0, 47, 7, 8, 1), { mnemonic: 'pstxssp', op: S }],
  ['plxv vs39 (TX from the suffix opcode)', P(0, 0, 51, 7, 8, 1), { mnemonic: 'plxv', size: 16, rt: 39 }],
  ['pstxv', P(0, 0, 54, 7, 8, 1), { mnemonic: 'pstxv', op: S, rt: 7 }],
  ['plxvp', P(0, 0, 58, 7, 8, 1), { mnemonic: 'plxvp', size: 16, count: 2, rt: 38, rt2: 39, flags: ['F_PREFIXED', 'F_VECTOR', 'F_PAIR'] }],
  ['pstxvp', P(0, 0, 62, 6, 8, 1), { mnemonic: 'pstxvp', op: S, rt: 6, rt2: 7 }],
  ['plq r6,16(r8)', P(0, 0, 56, 6, 8, 16), { mnemonic: 'plq', size: 16, rt: 6, rt2: 7 }],
  ['pstq', P(0, 0, 60, 6, 8, 16), { mnemonic: 'pstq', op: S, size: 16 }],
  ['prefix with a reserved bit set is undefined', [0x0480_0000, 0xe460_0000], { kind: 'UNDEFINED', length: 8 }],
  ['MLS prefix + a non-memory suffix is undefined', [0x0600_0000, 0x6000_0000], { kind: 'UNDEFINED', length: 8 }],
  ['paddi is a defined non-load/store', [0x0600_0000, 0x3860_0001], { kind: 'OTHER', length: 8 }],
  // truncated, undefined, other
  ['a prefix without its suffix is truncated', [0x0410_0000], { kind: 'TRUNCATED', mnemonic: null, length: 8, rt: null, base: null }],
  ['0x00000000 is undefined', 0, { kind: 'UNDEFINED', mnemonic: null, length: 4, rt: null, rt2: null, base: null, index: null }],
  ['primary 5 is undefined', 0x1400_0000, { kind: 'UNDEFINED' }],
  ['opcode 31 XO 1 is undefined', X(1, 3, 4, 5), { kind: 'UNDEFINED' }],
  ['addi r3,r4,1', 0x3864_0001, { kind: 'OTHER', mnemonic: 'addi' }], ['li r3,1', 0x3860_0001, { kind: 'OTHER', mnemonic: 'li' }],
  ['addis', 0x3c64_0001, { mnemonic: 'addis' }], ['lis', 0x3c60_0001, { mnemonic: 'lis' }],
  ['add', X(266, 3, 4, 5), { kind: 'OTHER', mnemonic: 'add' }], ['or', X(444, 3, 4, 5), { mnemonic: 'or' }],
  ['mr r4,r3', X(444, 3, 4, 3), { mnemonic: 'mr' }], ['nop', 0x6000_0000, { mnemonic: 'nop' }], ['ori', 0x6064_0001, { mnemonic: 'ori' }],
  ['rlwinm', 0x5464_103a, { mnemonic: 'rlwinm' }], ['rldicl', 0x7864_0020, { mnemonic: 'rldicl' }],
  ['cmpwi', 0x2c03_0005, { mnemonic: 'cmpwi' }], ['cmpdi', 0x2c23_0005, { mnemonic: 'cmpdi' }],
  ['cmplw', X(32, 0, 3, 4), { mnemonic: 'cmplw' }], ['cmpld', X(32, 1, 3, 4), { mnemonic: 'cmpld' }],
  ['b', 0x4800_0010, { mnemonic: 'b' }], ['bl', 0x4800_0011, { mnemonic: 'bl' }], ['bc', 0x4082_fff8, { mnemonic: 'bc' }],
  ['blr', 0x4e80_0020, { mnemonic: 'blr' }], ['mtctr', 0x7c69_03a6, { mnemonic: 'mtctr' }], ['mfctr', 0x7c69_02a6, { mnemonic: 'mfctr' }],
  ['mtspr', 0x7c70_43a6, { mnemonic: 'mtspr' }], ['mfspr', 0x7c70_42a6, { mnemonic: 'mfspr' }], ['sc', 0x4400_0002, { mnemonic: 'sc' }],
  ['tlbie', X(306, 0, 0, 4), { mnemonic: 'tlbie' }], ['tlbiel', X(274, 0, 0, 4), { mnemonic: 'tlbiel' }],
  ['slbie', X(434, 0, 0, 4), { mnemonic: 'slbie' }], ['ptesync', 0x7c40_04ac, { mnemonic: 'ptesync' }],
  ['sync', 0x7c00_04ac, { mnemonic: 'sync' }], ['lwsync', 0x7c20_04ac, { mnemonic: 'lwsync' }],
  ['tlbsync', 0x7c00_046c, { mnemonic: 'tlbsync' }], ['eieio', 0x7c00_06ac, { mnemonic: 'eieio' }], ['isync', 0x4c00_012c, { mnemonic: 'isync' }],
  // invalid forms (every field still filled)
  ['lwzu r3,8(r3): RA=RT', D(33, 3, 3, 8), { kind: 'INVALID_FORM', mnemonic: 'lwzu', rt: 3, base: 3, disp: 8, flags: ['F_WRITEBACK'] }],
  ['lwzu r3,8(0): RA=0', D(33, 3, 0, 8), { kind: 'INVALID_FORM', base: 0 }],
  ['lbzux r4,r4,r5', X(119, 4, 4, 5), { kind: 'INVALID_FORM', mnemonic: 'lbzux' }],
  ['ldu RA=RT', DS(58, 7, 7, 8, 1), { kind: 'INVALID_FORM' }],
  ['lwaux RA=0', X(373, 3, 0, 5), { kind: 'INVALID_FORM' }],
  ['stwu RA=0', D(37, 3, 0, 8), { kind: 'INVALID_FORM', op: S }],
  ['stfdux RA=0', X(759, 3, 0, 5), { kind: 'INVALID_FORM' }],
  ['lfsu RA=0', D(49, 3, 0, 8), { kind: 'INVALID_FORM' }],
  ['lfdu f3,8(r3) is valid (RT is an FPR)', D(51, 3, 3, 8), { kind: 'LOADSTORE' }],
  ['lmw r28,0(r30): RA in the range', D(46, 28, 30, 0), { kind: 'INVALID_FORM', count: 4 }],
  ['lmw r28,0(r27)', D(46, 28, 27, 0), { kind: 'LOADSTORE' }],
  ['lswi r30,r0,8: RA=0 is loaded (r30,r31,r0)', X(597, 30, 0, 9), { kind: 'INVALID_FORM' }],
  ['lq r5 (odd RTp)', D(56, 5, 8, 0), { kind: 'INVALID_FORM', rt: 5, rt2: 6 }],
  ['lq r4,0(r4): RTp = RA', D(56, 4, 4, 0), { kind: 'INVALID_FORM' }],
  ['lqarx r4,r5,r4: RTp = RB', X(276, 4, 5, 4), { kind: 'INVALID_FORM' }],
  ['stq r5 (odd RSp)', DS(62, 5, 1, 0, 2), { kind: 'INVALID_FORM' }],
  ['stqcx. r7 (odd RSp)', X(182, 7, 4, 5, 1), { kind: 'INVALID_FORM' }],
  ['pld R=1 with RA≠0', P(0, 1, 57, 3, 4, 8), { kind: 'INVALID_FORM', flags: ['F_PREFIXED', 'F_PC_RELATIVE'] }],
  // 32-bit mode: the 64-bit-only instructions are undefined
  ['ld in 32-bit mode', 0xe861_0008, { kind: 'UNDEFINED' }, '32'],
  ['ldx in 32-bit mode', X(21, 3, 4, 5), { kind: 'UNDEFINED' }, '32'],
  ['stdcx. in 32-bit mode', X(214, 3, 4, 5, 1), { kind: 'UNDEFINED' }, '32'],
  ['lwz in 32-bit mode', 0x8061_0008, { kind: 'LOADSTORE', mnemonic: 'lwz' }, '32'],
  ['rldicl in 32-bit mode', 0x7864_0020, { kind: 'UNDEFINED' }, '32'],
];

let machine: Machine;
let core: CoreAccessor;
let c: DescriptorCodes;
let decode: (words: number[], mode: number) => RawDescriptor;

beforeAll(async () => {
  machine = await Machine.create({ arenaBytes: 1 << 20 });
  core = machine.attach(0);
  c = readExportedConstants(core.instance, DESCRIPTOR_NAMES);
  const exports = core.instance.exports as unknown as { decodePpc(w: number, n: number, m: number, o: number): number; PPC_MODE_NO_SUFFIX: WebAssembly.Global };
  const noSuffix = Number(exports.PPC_MODE_NO_SUFFIX.value);
  const at = core.record + core.map.REC_DECODE;
  decode = (words, mode) => {
    // Poison the scratch so a field the decoder forgets shows up.
    new Uint8Array(core.memory.buffer, at, c.DESC_SIZE).fill(0xa5);
    const kind = exports.decodePpc(words[0]!, words[1] ?? 0, words.length > 1 ? mode : mode | noSuffix, at);
    const raw = readDescriptor(new DataView(core.memory.buffer), at, c);
    expect(kind).toBe(raw.kind);
    return raw;
  };
});

function actual(raw: RawDescriptor, expected: Expected): Expected {
  const reg = (n: number) => (n === c.REG_NONE ? null : n);
  const kinds: Kind[] = ['LOADSTORE', 'OTHER', 'UNDEFINED', 'TRUNCATED', 'INVALID_FORM'];
  const ops = ['LOAD', 'STORE', 'ATOMIC', 'ZERO'] as const;
  const flagNames: Flag[] = ['F_SIGNED', 'F_WRITEBACK', 'F_BYTE_REVERSE', 'F_EXCLUSIVE', 'F_FP', 'F_VECTOR', 'F_PC_RELATIVE',
    'F_BASE_ZERO', 'F_PREFIXED', 'F_PAIR', 'F_MULTIPLE', 'F_STRING', 'F_FP_INTEGER'];
  const all: Required<Expected> = {
    kind: kinds.find((k) => c[`KIND_${k}`] === raw.kind)!,
    mnemonic: PPC_MNEMONICS[raw.mnemonic] ?? null,
    op: ops.find((o) => c[`OP_${o}`] === raw.op)!,
    size: raw.size,
    count: raw.count,
    flags: flagNames.filter((f) => (raw.flags & c[f]) !== 0),
    rt: reg(raw.rt), rt2: reg(raw.rt2), base: reg(raw.base), index: reg(raw.index),
    disp: Number(raw.disp), length: raw.length, regList: raw.regList >>> 0, rs: reg(raw.rs), atomic: raw.atomic, cond: raw.cond,
  };
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(expected)) picked[key] = all[key as keyof Expected];
  if (expected.flags) picked.flags = [...(picked.flags as Flag[])].sort();
  return picked as Expected;
}

describe('decodePpc: encoding → descriptor', () => {
  it.each(rows)('%s', (_name, words, expected, mode = '64') => {
    const raw = decode(Array.isArray(words) ? words : [words], mode === '64' ? 1 : 0);
    const want = { ...expected, ...(expected.flags ? { flags: [...expected.flags].sort() } : {}) };
    expect(actual(raw, want)).toEqual(want);
  });

  it('non-load/store words have no registers and a length', () => {
    for (const word of [0, 0x3860_0001, 0x4e80_0020]) {
      const raw = decode([word], 1);
      expect([raw.rt, raw.rt2, raw.base, raw.index, raw.rs, raw.length]).toEqual([c.REG_NONE, c.REG_NONE, c.REG_NONE, c.REG_NONE, c.REG_NONE, 4]);
    }
  });

  it('the mode constants are the ones the executor uses', () => {
    const exports = core.instance.exports as unknown as Record<string, WebAssembly.Global>;
    expect(Number(exports.PPC_MODE_64!.value)).toBe(1);
    expect(Number(exports.PPC_MODE_NO_SUFFIX!.value)).toBe(2);
  });
});

describe('benchDecodePpc', () => {
  it('decodes words in memory, stepping over suffixes, with the checksum of the kinds', () => {
    const exports = core.instance.exports as unknown as {
      benchDecodePpc(words: number, count: number, mode: number, out: number): number;
      decodePpc(w: number, n: number, m: number, o: number): number;
    };
    const words = [0x8061_0008, 0x0410_0000, 0xe460_0000, 0, 0x3860_0001, 0x0410_0000];
    const scratch = core.record + core.map.REC_DECODE;
    const buffer = new DataView(core.memory.buffer);
    const arena = machine.layout.arenaBase + machine.allocateBacking(4096);
    words.forEach((word, i) => buffer.setUint32(arena + i * 4, word, true)); // host order
    let expected = 0;
    const kinds = [c.KIND_LOADSTORE, c.KIND_LOADSTORE, c.KIND_UNDEFINED, c.KIND_OTHER, c.KIND_TRUNCATED];
    for (const kind of kinds) expected = (Math.imul(expected, 31) + kind) >>> 0;
    const sum = exports.benchDecodePpc(arena, words.length, 1, scratch) >>> 0;
    expect(sum).toBe((expected + new DataView(core.memory.buffer).getUint16(scratch + c.D_MNEMONIC, true)) >>> 0);
    expect(readDescriptor(buffer, scratch, c).kind).toBe(c.KIND_TRUNCATED);
  });
});

describe('decodePpcWords (the decode CLI JSON)', () => {
  it('names registers and mnemonics as llvm-mc does; a prefixed instruction takes two words', () => {
    const json = decodePpcWords(core, [0x8061_0008, 0x0410_0000, 0xe460_0000, 0x7c64_2e99, 0xc023_0008, 0x7c04_2fec, 0x0410_0000], 'ppc64be');
    expect(json.map((j) => j.word)).toEqual(['0x80610008', '0x04100000 0xe4600000', '0x7c642e99', '0xc0230008', '0x7c042fec', '0x04100000']);
    expect(json[0]).toMatchObject({ ok: true, mnemonic: 'lwz', op: 'load', size: 4, regs: ['r3'], base: 'r1', index: null, disp: 8, writeback: false });
    expect(json[1]).toMatchObject({ ok: true, mnemonic: 'pld', regs: ['r3'], base: 'pc', disp: 0 });
    expect(json[2]).toMatchObject({ ok: true, mnemonic: 'lxvd2x', regs: ['vs35'], base: 'r4', index: 'r5', vector: true });
    expect(json[3]).toMatchObject({ mnemonic: 'lfs', regs: ['f1'], base: 'r3', fp: true });
    expect(json[4]).toMatchObject({ ok: true, mnemonic: 'dcbz', op: 'zero', regs: [], base: 'r4', index: 'r5' });
    expect(json[5]).toMatchObject({ ok: false, reason: 'truncated', mnemonic: null });
  });

  it('lists multiple, string, pair and quadword registers; reports reasons', () => {
    const json = decodePpcWords(core, [D(46, 29, 1, 0), X(597, 30, 1, 9), 0x1863_0020, D(56, 4, 5, 32), 0x7c42_282e, 0, 0x3860_0001, D(33, 3, 3, 8), 0xe861_0008], 'ppc32be');
    expect(json[0]).toMatchObject({ mnemonic: 'lmw', regs: ['r29', 'r30', 'r31'], count: 3 });
    expect(json[1]).toMatchObject({ mnemonic: 'lswi', regs: ['r30', 'r31', 'r0'], count: 9 });
    expect(json[2]).toMatchObject({ mnemonic: 'lxvp', regs: ['vs34', 'vs35'], count: 2 });
    expect(json[3]).toMatchObject({ mnemonic: 'lq', regs: ['r4', 'r5'], size: 16 });
    expect(json[4]).toMatchObject({ mnemonic: 'lwzx', base: 'r2', index: 'r5' });
    expect(json[5]).toMatchObject({ ok: false, reason: 'undefined', mnemonic: null });
    expect(json[6]).toMatchObject({ ok: false, reason: 'not-load-store', mnemonic: 'li' });
    expect(json[7]).toMatchObject({ ok: false, reason: 'invalid-form', mnemonic: 'lwzu' });
    expect(json[8]).toMatchObject({ ok: false, reason: 'undefined' }); // ld on a 32-bit implementation
    expect(decodePpcWords(core, [X(23, 3, 0, 5)], 'ppc64le')[0]).toMatchObject({ mnemonic: 'lwzx', base: null, index: 'r5' });
    // llvm-mc names: VSRs 0-31 of scalar VSX forms after the FPRs, VRT of lxsd as a VR.
    const vsx = decodePpcWords(core, [X(588, 2, 4, 5), X(588, 2, 4, 5, 1), DS(57, 2, 4, 8, 2)], 'ppc64be');
    expect(vsx.map((j) => j.regs)).toEqual([['f2'], ['vs34'], ['v2']]);
  });
});

describe('generated tables', () => {
  it('assembly/decode/ppc-tables*.ts are what src/decode/ppc-tables-gen.ts writes', () => {
    const files = generatePpcTables();
    expect(readFileSync(new URL('../assembly/decode/ppc-tables.ts', import.meta.url), 'utf8')).toBe(files.tables);
    expect(readFileSync(new URL('../assembly/decode/ppc-tables-sub.ts', import.meta.url), 'utf8')).toBe(files.sub);
  });
});
