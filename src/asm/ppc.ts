// A PowerPC assembler for the engine's subset: every load/store class the decoder
// covers that a guest program needs, plus the fixed-point user instructions
// (arithmetic, logical, rotate, compare, trap, CR and branch forms), SPR moves, sc and
// barriers. Rc=1 and OE=1 forms: `ppc.rc(ppc.add(3, 4, 5))` is `add. 3, 4, 5`. Operands in assembly order:
// `ppc.lwzu(3, 8, 4)` is `lwzu r3, 8(r4)`. Each call returns the instruction word
// (two words, prefix first, for Power10 prefixed forms).

import { Program } from './program.js';

const u5 = (value: number, name: string): number => {
  if (!Number.isInteger(value) || value < 0 || value > 31) throw new RangeError(`${name} must be 0..31, got ${value}`);
  return value;
};

const signed = (value: number, bits: number, name: string): number => {
  const limit = 2 ** (bits - 1);
  if (!Number.isInteger(value) || value < -limit || value >= limit) throw new RangeError(`${name} must fit ${bits} signed bits, got ${value}`);
  return value;
};

const word = (value: number): number => value >>> 0;

const segmentRegister = (sr: number): number => {
  if (!Number.isInteger(sr) || sr < 0 || sr > 15) throw new RangeError(`sr must be 0..15, got ${sr}`);
  return sr;
};

function dForm(opcode: number, rt: number, d: number, ra: number): number {
  return word((opcode << 26) | (u5(rt, 'rt') << 21) | (u5(ra, 'ra') << 16) | (signed(d, 16, 'displacement') & 0xffff));
}

function dsForm(opcode: number, xo: number, rt: number, ds: number, ra: number): number {
  if ((ds & 3) !== 0) throw new RangeError(`DS-form displacement must be a multiple of 4, got ${ds}`);
  return word((opcode << 26) | (u5(rt, 'rt') << 21) | (u5(ra, 'ra') << 16) | (signed(ds, 16, 'displacement') & 0xfffc) | xo);
}

function xForm(xo: number, rt: number, ra: number, rb: number, rc = 0): number {
  return word((31 << 26) | (u5(rt, 'rt') << 21) | (u5(ra, 'ra') << 16) | (u5(rb, 'rb') << 11) | (xo << 1) | rc);
}

/** Power10 prefixed load/store: `type` 0 (8LS) or 2 (MLS), 34-bit displacement, R = pc-relative. */
function prefixed(type: 0 | 2, opcode: number, rt: number, d: number, ra: number, pcRelative: boolean): number[] {
  signed(d, 34, 'displacement');
  if (pcRelative && ra !== 0) throw new RangeError('a pc-relative prefixed access needs ra = 0');
  const high = Math.floor(d / 2 ** 16) & 0x3ffff;
  const prefix = word((1 << 26) | (type << 24) | ((pcRelative ? 1 : 0) << 20) | high);
  return [prefix, dForm(opcode, rt, ((d & 0xffff) << 16) >> 16, ra)];
}

const dLoadStores = {
  lwz: 32, lwzu: 33, lbz: 34, lbzu: 35, stw: 36, stwu: 37, stb: 38, stbu: 39,
  lhz: 40, lhzu: 41, lha: 42, lhau: 43, sth: 44, sthu: 45, lmw: 46, stmw: 47,
  lfs: 48, lfsu: 49, lfd: 50, lfdu: 51, stfs: 52, stfsu: 53, stfd: 54, stfdu: 55,
} as const;

const xLoadStores = {
  lwarx: 20, ldx: 21, lwzx: 23, lbarx: 52, ldux: 53, lwzux: 55, ldarx: 84, lbzx: 87, lvx: 103, lharx: 116,
  lbzux: 119, stdx: 149, stwx: 151, stdux: 181, stwux: 183, stbx: 215, stvx: 231, stbux: 247, lqarx: 276,
  lhzx: 279, lhzux: 311, lwax: 341, lhax: 343, lwaux: 373, lhaux: 375, sthx: 407, sthux: 439,
  ldbrx: 532, lswx: 533, lwbrx: 534, lfsx: 535, lfsux: 567, lfdx: 599, lfdux: 631, stdbrx: 660,
  stswx: 661, stwbrx: 662, stfsx: 663, stfsux: 695, stfdx: 727, stfdux: 759, lhbrx: 790, sthbrx: 918,
  lfiwax: 855, lfiwzx: 887, stfiwx: 983,
} as const;

const storeConditionals = { stwcx: 150, stqcx: 182, stdcx: 214, stbcx: 694, sthcx: 726 } as const;

type DName = keyof typeof dLoadStores;
type XName = keyof typeof xLoadStores;
type SCName = keyof typeof storeConditionals;

const dFunctions = Object.fromEntries(
  Object.entries(dLoadStores).map(([name, opcode]) => [name, (rt: number, d: number, ra: number) => dForm(opcode, rt, d, ra)]),
) as Record<DName, (rt: number, d: number, ra: number) => number>;

const xFunctions = Object.fromEntries(
  Object.entries(xLoadStores).map(([name, xo]) => [name, (rt: number, ra: number, rb: number) => xForm(xo, rt, ra, rb)]),
) as Record<XName, (rt: number, ra: number, rb: number) => number>;

/** stwcx. and friends (the trailing dot is Rc = 1). */
const scFunctions = Object.fromEntries(
  Object.entries(storeConditionals).map(([name, xo]) => [name, (rs: number, ra: number, rb: number) => xForm(xo, rs, ra, rb, 1)]),
) as Record<SCName, (rs: number, ra: number, rb: number) => number>;

const bc = (bo: number, bi: number, displacement: number, link = false): number => {
  if ((displacement & 3) !== 0) throw new RangeError('branch displacement must be a multiple of 4');
  return word((16 << 26) | (u5(bo, 'bo') << 21) | (u5(bi, 'bi') << 16) | (signed(displacement, 16, 'displacement') & 0xfffc) | (link ? 1 : 0));
};

/** hashst & co: `rb` is hashed with RA; disp is -512..-8, a multiple of 8 (DX is bit 31, D bits 6-10). */
function hashForm(xo: number, rb: number, disp: number, ra: number): number {
  if (!Number.isInteger(disp) || disp < -512 || disp > -8 || (disp & 7) !== 0) {
    throw new RangeError(`hash displacement must be a multiple of 8 in -512..-8, got ${disp}`);
  }
  const dw = (disp + 512) >> 3;
  return word((31 << 26) | ((dw & 31) << 21) | (u5(ra, 'ra') << 16) | (u5(rb, 'rb') << 11) | (xo << 1) | (dw >> 5));
}

const mtspr = (spr: number, rs: number) => word((31 << 26) | (u5(rs, 'rs') << 21) | ((spr & 0x1f) << 16) | ((spr >> 5) << 11) | (467 << 1));
const mfspr = (rt: number, spr: number) => word((31 << 26) | (u5(rt, 'rt') << 21) | ((spr & 0x1f) << 16) | ((spr >> 5) << 11) | (339 << 1));


/** XO/X-form register-register instructions, operands (rt|ra, ra|rs, rb) in assembly order. */
const xoArithmetic = {
  add: 266, addc: 10, adde: 138, subf: 40, subfc: 8, subfe: 136, mullw: 235, mulld: 233, mulhw: 75, mulhwu: 11,
  mulhd: 73, mulhdu: 9, divw: 491, divwu: 459, divd: 489, divdu: 457, divwe: 427, divweu: 395, divde: 425,
  divdeu: 393, modsw: 779, moduw: 267, modsd: 777, modud: 265,
} as const;
const xoUnary = { addme: 234, addze: 202, subfme: 232, subfze: 200, neg: 104 } as const;
/** X-form with RS first in the encoding and RA first in assembly: `and ra, rs, rb`. */
const xLogical = {
  and: 28, andc: 60, or: 444, orc: 412, nor: 124, nand: 476, xor: 316, eqv: 284, slw: 24, srw: 536, sraw: 792,
  sld: 27, srd: 539, srad: 794, cmpb: 508, bpermd: 252, cfuged: 220, pdepd: 156, pextd: 188, cntlzdm: 59, cnttzdm: 571,
} as const;
const xLogicalUnary = {
  extsb: 954, extsh: 922, extsw: 986, cntlzw: 26, cntlzd: 58, cnttzw: 538, cnttzd: 570, popcntb: 122, popcntw: 378,
  popcntd: 506, prtyw: 154, prtyd: 186, brd: 187, brw: 155, brh: 219,
} as const;
const crLogical = { crand: 257, cror: 449, crxor: 193, crnand: 225, crnor: 33, creqv: 289, crandc: 129, crorc: 417 } as const;

const mapNames = <T extends Record<string, number>, F>(table: T, make: (xo: number) => F) =>
  Object.fromEntries(Object.entries(table).map(([name, xo]) => [name, make(xo)])) as Record<keyof T, F>;

const u6 = (value: number, name: string): number => {
  if (!Number.isInteger(value) || value < 0 || value > 63) throw new RangeError(`${name} must be 0..63, got ${value}`);
  return value;
};
const field8 = (value: number, name: string): number => {
  if (!Number.isInteger(value) || value < 0 || value > 255) throw new RangeError(`${name} must be 0..255, got ${value}`);
  return value;
};
const crFieldNumber = (bf: number): number => {
  if (!Number.isInteger(bf) || bf < 0 || bf > 7) throw new RangeError(`a CR field must be 0..7, got ${bf}`);
  return bf;
};

/** MD/MDS-form rotates: the 6-bit mask field is stored low bit first. */
function mdForm(xo: number, rs: number, ra: number, shOrRb: number, mask: number, mds: boolean): number {
  const maskField = ((u6(mask, 'mask') & 31) << 1) | (mask >> 5);
  const shift = mds ? u5(shOrRb, 'rb') : u6(shOrRb, 'sh') & 31;
  const sh5 = mds ? 0 : shOrRb >> 5;
  return word((30 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (shift << 11) | (maskField << 5) | (xo << (mds ? 1 : 2)) | (sh5 << 1));
}

/** XS-form (sradi, extswsli): a 6-bit shift, its top bit in bit 30. */
const xsForm = (xo: number, ra: number, rs: number, sh: number) =>
  word((31 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | ((u6(sh, 'sh') & 31) << 11) | (xo << 2) | ((sh >> 5) << 1));

const xlForm = (xo: number, bt: number, ba: number, bb: number, link = false) =>
  word((19 << 26) | (u5(bt, 'bt') << 21) | (u5(ba, 'ba') << 16) | (u5(bb, 'bb') << 11) | (xo << 1) | (link ? 1 : 0));

/** VX-form VMX instructions `name vt, va, vb` (VR numbers). */
const vxForms = {
  vaddubm: 0, vadduhm: 64, vadduwm: 128, vaddudm: 192, vsububm: 1024, vsubuhm: 1088, vsubuwm: 1152, vsubudm: 1216,
  vand: 1028, vandc: 1092, vor: 1156, vxor: 1220, vnor: 1284, vorc: 1348, vnand: 1412, veqv: 1668,
  vslb: 260, vslh: 324, vslw: 388, vsld: 1476, vsrb: 516, vsrh: 580, vsrw: 644, vsrd: 1732, vsrab: 772, vsrah: 836,
  vsraw: 900, vsrad: 964, vmuluwm: 137,
} as const;
/** VC-form VMX compares `name vt, va, vb` (`ppc.vrc` for the CR6-setting form). */
const vcForms = {
  vcmpequb: 6, vcmpequh: 70, vcmpequw: 134, vcmpequd: 199, vcmpgtsb: 774, vcmpgtsh: 838, vcmpgtsw: 902,
  vcmpgtsd: 967, vcmpgtub: 518, vcmpgtuh: 582, vcmpgtuw: 646, vcmpgtud: 711,
} as const;
/** XX3-form VSX logical `name xt, xa, xb` (VSR numbers 0..63). */
const xx3Logical = { xxland: 130, xxlandc: 138, xxlor: 146, xxlxor: 154, xxlnor: 162, xxlorc: 170, xxlnand: 178, xxleqv: 186 } as const;
/** X-form VSR<->GPR moves: `mfvsrd ra, xs` / `mtvsrd xt, ra`. */
const vsrMovesFrom = { mfvsrd: 51, mfvsrwz: 115, mfvsrld: 307 } as const;
const vsrMovesTo = { mtvsrd: 179, mtvsrwa: 211, mtvsrwz: 243 } as const;

const vsr = (value: number, name: string): number => {
  if (!Number.isInteger(value) || value < 0 || value > 63) throw new RangeError(`${name} must be a VSR 0..63, got ${value}`);
  return value;
};
const vx = (xo: number, vt: number, va: number, vb: number) =>
  word((4 << 26) | (u5(vt, 'vt') << 21) | (u5(va, 'va') << 16) | (u5(vb, 'vb') << 11) | xo);
const xx3 = (xo: number, xt: number, xa: number, xb: number) =>
  word((60 << 26) | ((vsr(xt, 'xt') & 31) << 21) | ((vsr(xa, 'xa') & 31) << 16) | ((vsr(xb, 'xb') & 31) << 11) | (xo << 3)
    | ((xa >> 5) << 2) | ((xb >> 5) << 1) | (xt >> 5));

/** The VMX/VSX integer subset the interpreter runs. */
const vector = {
  ...mapNames(vxForms, (xo) => (vt: number, va: number, vb: number) => vx(xo, vt, va, vb)),
  ...mapNames(vcForms, (xo) => (vt: number, va: number, vb: number) => vx(xo, vt, va, vb)),
  ...mapNames(xx3Logical, (xo) => (xt: number, xa: number, xb: number) => xx3(xo, xt, xa, xb)),
  ...mapNames(vsrMovesFrom, (xo) => (ra: number, xs: number) => xForm(xo, vsr(xs, 'xs') & 31, ra, 0, xs >> 5)),
  ...mapNames(vsrMovesTo, (xo) => (xt: number, ra: number) => xForm(xo, vsr(xt, 'xt') & 31, ra, 0, xt >> 5)),
  mtvsrdd: (xt: number, ra: number, rb: number) => xForm(435, vsr(xt, 'xt') & 31, ra, rb, xt >> 5),
  /** The Rc=1 (CR6) form of a VC-form compare. */
  vrc: (instruction: number) => word(instruction | 0x400),
  vspltisb: (vt: number, simm: number) => vx(780, vt, signed(simm, 5, 'simm') & 31, 0),
  vspltish: (vt: number, simm: number) => vx(844, vt, signed(simm, 5, 'simm') & 31, 0),
  vspltisw: (vt: number, simm: number) => vx(908, vt, signed(simm, 5, 'simm') & 31, 0),
  vspltb: (vt: number, vb: number, uim: number) => vx(524, vt, uim & 15, vb),
  vsplth: (vt: number, vb: number, uim: number) => vx(588, vt, uim & 7, vb),
  vspltw: (vt: number, vb: number, uim: number) => vx(652, vt, uim & 3, vb),
  xxsel: (xt: number, xa: number, xb: number, xc: number) =>
    word(xx3(0, xt, xa, xb) | ((vsr(xc, 'xc') & 31) << 6) | (3 << 4) | ((xc >> 5) << 3)),
  xxpermdi: (xt: number, xa: number, xb: number, dm: number) => xx3(10 | ((dm & 3) << 5), xt, xa, xb),
  xxspltw: (xt: number, xb: number, uim: number) =>
    word((60 << 26) | ((vsr(xt, 'xt') & 31) << 21) | ((uim & 3) << 16) | ((vsr(xb, 'xb') & 31) << 11) | (164 << 2) | ((xb >> 5) << 1) | (xt >> 5)),
  xxspltib: (xt: number, imm8: number) => word((60 << 26) | ((vsr(xt, 'xt') & 31) << 21) | ((imm8 & 0xff) << 11) | (360 << 1) | (xt >> 5)),
};

/** The fixed-point user instructions (Power ISA 3.1 chapter 3) beyond the original subset. */
const fixedPoint = {
  ...mapNames(xoArithmetic, (xo) => (rt: number, ra: number, rb: number) => xForm(xo, rt, ra, rb)),
  ...mapNames(xoUnary, (xo) => (rt: number, ra: number) => xForm(xo, rt, ra, 0)),
  ...mapNames(xLogical, (xo) => (ra: number, rs: number, rb: number) => xForm(xo, rs, ra, rb)),
  ...mapNames(xLogicalUnary, (xo) => (ra: number, rs: number) => xForm(xo, rs, ra, 0)),
  ...mapNames(crLogical, (xo) => (bt: number, ba: number, bb: number) => xlForm(xo, bt, ba, bb)),
  mulli: (rt: number, ra: number, si: number) => dForm(7, rt, si, ra),
  subfic: (rt: number, ra: number, si: number) => dForm(8, rt, si, ra),
  addic: (rt: number, ra: number, si: number) => dForm(12, rt, si, ra),
  addicDot: (rt: number, ra: number, si: number) => dForm(13, rt, si, ra),
  xori: (ra: number, rs: number, ui: number) => word((26 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  xoris: (ra: number, rs: number, ui: number) => word((27 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  andiDot: (ra: number, rs: number, ui: number) => word((28 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  andisDot: (ra: number, rs: number, ui: number) => word((29 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  srawi: (ra: number, rs: number, sh: number) => xForm(824, rs, ra, u5(sh, 'sh')),
  sradi: (ra: number, rs: number, sh: number) => xsForm(413, ra, rs, sh),
  extswsli: (ra: number, rs: number, sh: number) => xsForm(445, ra, rs, sh),
  rlwnm: (ra: number, rs: number, rb: number, mb: number, me: number) =>
    word((23 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (u5(rb, 'rb') << 11) | (u5(mb, 'mb') << 6) | (u5(me, 'me') << 1)),
  rlwimi: (ra: number, rs: number, sh: number, mb: number, me: number) =>
    word((20 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (u5(sh, 'sh') << 11) | (u5(mb, 'mb') << 6) | (u5(me, 'me') << 1)),
  rldic: (ra: number, rs: number, sh: number, mb: number) => mdForm(2, rs, ra, sh, mb, false),
  rldimi: (ra: number, rs: number, sh: number, mb: number) => mdForm(3, rs, ra, sh, mb, false),
  rldcl: (ra: number, rs: number, rb: number, mb: number) => mdForm(8, rs, ra, rb, mb, true),
  rldcr: (ra: number, rs: number, rb: number, me: number) => mdForm(9, rs, ra, rb, me, true),
  cmpldi: (bf: number, ra: number, ui: number) => word((10 << 26) | (crFieldNumber(bf) << 23) | (1 << 21) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  cmprb: (bf: number, l: 0 | 1, ra: number, rb: number) => xForm(192, (crFieldNumber(bf) << 2) | l, ra, rb),
  cmpeqb: (bf: number, ra: number, rb: number) => xForm(224, crFieldNumber(bf) << 2, ra, rb),
  tw: (to: number, ra: number, rb: number) => xForm(4, to, ra, rb),
  td: (to: number, ra: number, rb: number) => xForm(68, to, ra, rb),
  twi: (to: number, ra: number, si: number) => dForm(3, to, si, ra),
  tdi: (to: number, ra: number, si: number) => dForm(2, to, si, ra),
  isel: (rt: number, ra: number, rb: number, bc: number) => xForm(15 | (u5(bc, 'bc') << 5), rt, ra, rb),
  setb: (rt: number, bfa: number) => xForm(128, rt, crFieldNumber(bfa) << 2, 0),
  setbc: (rt: number, bi: number) => xForm(384, rt, bi, 0),
  setbcr: (rt: number, bi: number) => xForm(416, rt, bi, 0),
  setnbc: (rt: number, bi: number) => xForm(448, rt, bi, 0),
  setnbcr: (rt: number, bi: number) => xForm(480, rt, bi, 0),
  mcrf: (bf: number, bfa: number) => xlForm(0, crFieldNumber(bf) << 2, crFieldNumber(bfa) << 2, 0),
  mcrxrx: (bf: number) => xForm(576, crFieldNumber(bf) << 2, 0, 0),
  mfcr: (rt: number) => xForm(19, rt, 0, 0),
  mfocrf: (rt: number, fxm: number) => word(xForm(19, rt, 0, 0) | (1 << 20) | (field8(fxm, 'fxm') << 12)),
  mtcrf: (fxm: number, rs: number) => word(xForm(144, rs, 0, 0) | (field8(fxm, 'fxm') << 12)),
  mtocrf: (fxm: number, rs: number) => word(xForm(144, rs, 0, 0) | (1 << 20) | (field8(fxm, 'fxm') << 12)),
  bclr: (bo: number, bi: number, link = false) => xlForm(16, bo, bi, 0, link),
  bcctr: (bo: number, bi: number, link = false) => xlForm(528, bo, bi, 0, link),
  bctar: (bo: number, bi: number, link = false) => xlForm(560, bo, bi, 0, link),
  addpcis: (rt: number, d: number) => {
    const bits = signed(d, 16, 'd') & 0xffff;
    return word((19 << 26) | (u5(rt, 'rt') << 21) | (((bits >> 1) & 31) << 16) | ((bits >> 6) << 6) | (2 << 1) | (bits & 1));
  },
  /** mftb as mfspr (ISA 3.0's form; the interpreter also runs the old XO 371 one). */
  mftb: (rt: number, tbr: 268 | 269 = 268) => xForm(339, rt, tbr & 31, tbr >> 5),
  /** Power10 paddi (prefix, suffix): RT = (RA|0) + SI, or with `pcRelative` its own address + SI (RA must be 0). */
  paddi: (rt: number, ra: number, si: number, pcRelative = false) => {
    signed(si, 34, 'si');
    if (pcRelative && ra !== 0) throw new RangeError('a pc-relative paddi needs ra = 0');
    const prefix = word((1 << 26) | (2 << 24) | ((pcRelative ? 1 : 0) << 20) | (Math.floor(si / 2 ** 16) & 0x3ffff));
    return [prefix, dForm(14, rt, ((si & 0xffff) << 16) >> 16, ra)];
  },
  /** The Rc=1 form of an instruction word (`add.`, `rlwinm.`). */
  rc: (instruction: number) => word(instruction | 1),
  /** The OE=1 form of an XO-form word (`addo`, `divwo`). */
  oe: (instruction: number) => word(instruction | 0x400),
};

export const ppc = {
  ...fixedPoint,
  ...vector,
  ...dFunctions,
  ...xFunctions,
  ...scFunctions,
  ld: (rt: number, ds: number, ra: number) => dsForm(58, 0, rt, ds, ra),
  ldu: (rt: number, ds: number, ra: number) => dsForm(58, 1, rt, ds, ra),
  lwa: (rt: number, ds: number, ra: number) => dsForm(58, 2, rt, ds, ra),
  std: (rs: number, ds: number, ra: number) => dsForm(62, 0, rs, ds, ra),
  stdu: (rs: number, ds: number, ra: number) => dsForm(62, 1, rs, ds, ra),
  stq: (rs: number, ds: number, ra: number) => dsForm(62, 2, rs, ds, ra),
  lq: (rt: number, dq: number, ra: number) => {
    if ((dq & 15) !== 0) throw new RangeError('lq displacement must be a multiple of 16');
    return word((56 << 26) | (u5(rt, 'rt') << 21) | (u5(ra, 'ra') << 16) | (signed(dq, 16, 'displacement') & 0xfff0));
  },
  lswi: (rt: number, ra: number, nb: number) => xForm(597, rt, ra, nb & 31),
  stswi: (rs: number, ra: number, nb: number) => xForm(725, rs, ra, nb & 31),
  dcbz: (ra: number, rb: number) => xForm(1014, 0, ra, rb),
  hashst: (rb: number, disp: number, ra: number) => hashForm(722, rb, disp, ra),
  hashstp: (rb: number, disp: number, ra: number) => hashForm(658, rb, disp, ra),
  hashchk: (rb: number, disp: number, ra: number) => hashForm(754, rb, disp, ra),
  hashchkp: (rb: number, disp: number, ra: number) => hashForm(690, rb, disp, ra),
  pld: (rt: number, d: number, ra: number, pcRelative = false) => prefixed(0, 57, rt, d, ra, pcRelative),
  pstd: (rs: number, d: number, ra: number, pcRelative = false) => prefixed(0, 61, rs, d, ra, pcRelative),
  plwa: (rt: number, d: number, ra: number, pcRelative = false) => prefixed(0, 41, rt, d, ra, pcRelative),
  plwz: (rt: number, d: number, ra: number, pcRelative = false) => prefixed(2, 32, rt, d, ra, pcRelative),
  plbz: (rt: number, d: number, ra: number, pcRelative = false) => prefixed(2, 34, rt, d, ra, pcRelative),
  plhz: (rt: number, d: number, ra: number, pcRelative = false) => prefixed(2, 40, rt, d, ra, pcRelative),
  plha: (rt: number, d: number, ra: number, pcRelative = false) => prefixed(2, 42, rt, d, ra, pcRelative),
  pstw: (rs: number, d: number, ra: number, pcRelative = false) => prefixed(2, 36, rs, d, ra, pcRelative),
  pstb: (rs: number, d: number, ra: number, pcRelative = false) => prefixed(2, 38, rs, d, ra, pcRelative),
  psth: (rs: number, d: number, ra: number, pcRelative = false) => prefixed(2, 44, rs, d, ra, pcRelative),
  plfs: (ft: number, d: number, ra: number, pcRelative = false) => prefixed(2, 48, ft, d, ra, pcRelative),
  plfd: (ft: number, d: number, ra: number, pcRelative = false) => prefixed(2, 50, ft, d, ra, pcRelative),
  pstfs: (fs: number, d: number, ra: number, pcRelative = false) => prefixed(2, 52, fs, d, ra, pcRelative),
  pstfd: (fs: number, d: number, ra: number, pcRelative = false) => prefixed(2, 54, fs, d, ra, pcRelative),

  addi: (rt: number, ra: number, si: number) => dForm(14, rt, si, ra),
  addis: (rt: number, ra: number, si: number) => dForm(15, rt, si, ra),
  li: (rt: number, si: number) => dForm(14, rt, si, 0),
  lis: (rt: number, si: number) => dForm(15, rt, si, 0),
  ori: (ra: number, rs: number, ui: number) => word((24 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  oris: (ra: number, rs: number, ui: number) => word((25 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  nop: () => word(24 << 26),
  mr: (ra: number, rs: number) => xForm(444, rs, ra, rs),
  rlwinm: (ra: number, rs: number, sh: number, mb: number, me: number) =>
    word((21 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | (u5(sh, 'sh') << 11) | (u5(mb, 'mb') << 6) | (u5(me, 'me') << 1)),
  rldicl: (ra: number, rs: number, sh: number, mb: number) => {
    if (sh < 0 || sh > 63 || mb < 0 || mb > 63) throw new RangeError('sh and mb must be 0..63');
    const mbField = ((mb & 31) << 1) | (mb >> 5);
    return word((30 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | ((sh & 31) << 11) | (mbField << 5) | ((sh >> 5) << 1));
  },
  rldicr: (ra: number, rs: number, sh: number, me: number) => {
    if (sh < 0 || sh > 63 || me < 0 || me > 63) throw new RangeError('sh and me must be 0..63');
    const meField = ((me & 31) << 1) | (me >> 5);
    return word((30 << 26) | (u5(rs, 'rs') << 21) | (u5(ra, 'ra') << 16) | ((sh & 31) << 11) | (meField << 5) | (1 << 2) | ((sh >> 5) << 1));
  },
  cmpwi: (bf: number, ra: number, si: number) => dForm(11, (bf & 7) << 2, si, ra),
  cmpdi: (bf: number, ra: number, si: number) => dForm(11, ((bf & 7) << 2) | 1, si, ra),
  cmplwi: (bf: number, ra: number, ui: number) => word((10 << 26) | ((bf & 7) << 23) | (u5(ra, 'ra') << 16) | (ui & 0xffff)),
  cmpw: (bf: number, ra: number, rb: number) => xForm(0, (bf & 7) << 2, ra, rb),
  cmpd: (bf: number, ra: number, rb: number) => xForm(0, ((bf & 7) << 2) | 1, ra, rb),
  cmplw: (bf: number, ra: number, rb: number) => xForm(32, (bf & 7) << 2, ra, rb),
  cmpld: (bf: number, ra: number, rb: number) => xForm(32, ((bf & 7) << 2) | 1, ra, rb),
  b: (displacement: number, link = false) => {
    if ((displacement & 3) !== 0) throw new RangeError('branch displacement must be a multiple of 4');
    return word((18 << 26) | (signed(displacement, 26, 'displacement') & 0x3fffffc) | (link ? 1 : 0));
  },
  bc,
  bdnz: (displacement: number) => bc(16, 0, displacement),
  beq: (displacement: number, bf = 0) => bc(12, bf * 4 + 2, displacement),
  bne: (displacement: number, bf = 0) => bc(4, bf * 4 + 2, displacement),
  blt: (displacement: number, bf = 0) => bc(12, bf * 4, displacement),
  bge: (displacement: number, bf = 0) => bc(4, bf * 4, displacement),
  blr: () => word((19 << 26) | (20 << 21) | (16 << 1)),
  bctr: () => word((19 << 26) | (20 << 21) | (528 << 1)),
  mtctr: (rs: number) => mtspr(9, rs),
  mfctr: (rt: number) => mfspr(rt, 9),
  mtlr: (rs: number) => mtspr(8, rs),
  mflr: (rt: number) => mfspr(rt, 8),
  mtspr,
  mfspr,
  sc: () => word((17 << 26) | 2),
  sync: () => xForm(598, 0, 0, 0),
  lwsync: () => xForm(598, 1, 0, 0),
  ptesync: () => xForm(598, 2, 0, 0),
  eieio: () => xForm(854, 0, 0, 0),
  isync: () => word((19 << 26) | (150 << 1)),
  tlbie: (rb: number, rs = 0) => xForm(306, rs, 0, rb),
  tlbiel: (rb: number, rs = 0) => xForm(274, rs, 0, rb),
  tlbsync: () => xForm(566, 0, 0, 0),
  slbie: (rb: number) => xForm(434, 0, 0, rb),
  slbia: () => xForm(498, 0, 0, 0),
  mtmsr: (rs: number) => xForm(146, rs, 0, 0),
  mtmsrd: (rs: number) => xForm(178, rs, 0, 0),
  mfmsr: (rt: number) => xForm(83, rt, 0, 0),
  slbmte: (rs: number, rb: number) => xForm(402, rs, 0, rb),
  slbmfee: (rt: number, rb: number) => xForm(915, rt, 0, rb),
  slbmfev: (rt: number, rb: number) => xForm(851, rt, 0, rb),
  slbfee: (rt: number, rb: number) => xForm(979, rt, 0, rb, 1),
  mtsr: (sr: number, rs: number) => xForm(210, rs, segmentRegister(sr), 0),
  mfsr: (rt: number, sr: number) => xForm(595, rt, segmentRegister(sr), 0),
  mtsrin: (rs: number, rb: number) => xForm(242, rs, 0, rb),
  mfsrin: (rt: number, rb: number) => xForm(659, rt, 0, rb),
};

/** A PowerPC program: `bytes('big')` or `bytes('little')` for the guest's byte order. */
export class PpcProgram extends Program {}
