// The A64 micro-ops (a64-uops.ts decodes them, a64-run.ts runs them): their numbers,
// the entry's fields, and the data-processing ones' bodies, each inlined into the run
// loop's switch. Registers are indexes from CPU_GPR: 0-30 X0-X30, 31 the zero register
// (a64Run keeps that slot 0: the record's x31 is otherwise unused), SP_INDEX the stack
// pointer. A destination is never 31 (the decoder gives such words the full path, or
// for the flag-setting forms, CMP/CMN/TST, a test of rd before the write).
//
// Entry: 0 word u32 · 4 op u8 · 5 rd u8 · 6 rn u8 · 7 rm u8 · 8 imm i32 · 12 aux u32
//        (MOVI, the logical immediates: 8 value u64)
import { CPU_GPR, CPU_SP, CPU_NZCV } from "../../layout";
import { mulHighUnsigned } from "./data-register";

export const SP_INDEX: u32 = (CPU_SP - CPU_GPR) >> 3;
export const ZR_INDEX: u32 = 31;
const NZCV: usize = CPU_NZCV - CPU_GPR;
const M32: u64 = 0xffff_ffff;

export const E_OP: u32 = 4;
export const E_RD: u32 = 5;
export const E_RN: u32 = 6;
export const E_RM: u32 = 7;
export const E_IMM: u32 = 8;
export const E_AUX: u32 = 12;

// Data processing. _X / _W: the 64- and 32-bit forms.
export const U_ADDI_X: u8 = 1; //  rd = rn + imm (SUB: negative imm); rd, rn may be SP
export const U_ADDI_W: u8 = 2;
export const U_ADDSI_X: u8 = 3; // with flags; rd 31: CMN
export const U_ADDSI_W: u8 = 4;
export const U_SUBSI_X: u8 = 5; // rd 31: CMP
export const U_SUBSI_W: u8 = 6;
export const U_ADD_X: u8 = 7; //   rd = rn + operand2(rm, aux): shifted or extended register
export const U_ADD_W: u8 = 8;
export const U_SUB_X: u8 = 9;
export const U_SUB_W: u8 = 10;
export const U_ADDS_X: u8 = 11;
export const U_ADDS_W: u8 = 12;
export const U_SUBS_X: u8 = 13;
export const U_SUBS_W: u8 = 14;
export const U_AND_X: u8 = 15; //  logical, shifted register (aux bit A_INVERT: BIC, ORN, EON, BICS)
export const U_AND_W: u8 = 16;
export const U_ORR_X: u8 = 17;
export const U_ORR_W: u8 = 18;
export const U_EOR_X: u8 = 19;
export const U_EOR_W: u8 = 20;
export const U_ANDS_X: u8 = 21;
export const U_ANDS_W: u8 = 22;
export const U_MOV_X: u8 = 23; //  ORR rd, ZR, rm
export const U_MOV_W: u8 = 24;
export const U_ANDI: u8 = 25; //   logical immediate, value at 8 (a W form's mask has no high bits)
export const U_ORRI_X: u8 = 26;
export const U_ORRI_W: u8 = 27;
export const U_EORI_X: u8 = 28;
export const U_EORI_W: u8 = 29;
export const U_ANDSI_X: u8 = 30;
export const U_ANDSI_W: u8 = 31;
export const U_MOVI: u8 = 32; //   MOVZ, MOVN: the value at 8
export const U_MOVK_X: u8 = 33; // imm: the 16 bits, aux: their shift
export const U_MOVK_W: u8 = 34;
export const U_ADR: u8 = 35; //    imm: the offset
export const U_ADRP: u8 = 36; //   imm: the offset in pages
export const U_UBFM_X: u8 = 37; // (rn << imm) >> aux, logical or arithmetic (SBFM)
export const U_UBFM_W: u8 = 38;
export const U_SBFM_X: u8 = 39;
export const U_SBFM_W: u8 = 40;
export const U_BFM_X: u8 = 41; //  the UBFM field inserted into rd under the same shifts of all ones
export const U_BFM_W: u8 = 42;
export const U_SHIFTV: u8 = 43; // LSLV/LSRV/ASRV/RORV; aux: type | A_WIDE
export const U_DIV: u8 = 44; //    UDIV/SDIV; aux: A_SIGNED | A_WIDE
export const U_MADD_X: u8 = 45; // rd = imm (Ra) ± rn * rm; aux: A_SUBTRACT
export const U_MADD_W: u8 = 46;
export const U_MADDL: u8 = 47; //  SMADDL/UMADDL/SMSUBL/UMSUBL; aux: A_SIGNED | A_SUBTRACT
export const U_CSEL: u8 = 48; //   aux: condition mask | A_WIDE
export const U_CSINC: u8 = 49;
export const U_CSINV: u8 = 50;
export const U_CSNEG: u8 = 51;
export const U_CCMP: u8 = 52; //   aux: condition mask | nzcv << 16 | A_WIDE | A_IMMEDIATE | A_NEGATE; imm: imm5
// Branches
export const U_B: u8 = 53;
export const U_BL: u8 = 54;
export const U_BCOND: u8 = 55; //  aux: condition mask
export const U_CBZ: u8 = 56; //    aux: 32 for a W register (the value shifted left by it), else 0
export const U_CBNZ: u8 = 57;
export const U_TBZ: u8 = 58; //    aux: the bit
export const U_TBNZ: u8 = 59;
export const U_BR: u8 = 60; //     BR, RET
export const U_BLR: u8 = 61;
// 62 on: loads and stores (uop-memory.ts); 98 on: data processing again; 104 on: exclusive and
// ordered (uop-exclusive.ts); 120 on: SIMD&FP registers (uop-vector-memory.ts)
export const U_NOP: u8 = 98;
export const U_ONE_SOURCE: u8 = 99; // RBIT/REV16/REV32/REV/CLZ/CLS; aux: the opcode | A_WIDE
export const U_ADC: u8 = 100; //     ADC/SBC (ADCS/SBCS: U_ADCS); aux: A_SUBTRACT | A_WIDE
export const U_ADCS: u8 = 101;
export const U_MULH: u8 = 102; //    UMULH/SMULH; aux: A_SIGNED
export const U_EXTR: u8 = 103; //    imm: lsb; aux: A_WIDE

// aux flags (above the condition masks' 16 bits, the nzcv nibble and the shifts' bytes)
export const A_WIDE: u32 = 1 << 26;
export const A_SIGNED: u32 = 1 << 27;
export const A_SUBTRACT: u32 = 1 << 28;
export const A_IMMEDIATE: u32 = 1 << 29;
export const A_NEGATE: u32 = 1 << 30;
export const A_INVERT: u32 = 1 << 25;
export const A_ARITHMETIC: u32 = 1 << 24;

@inline export function xr(regs: usize, n: u32): u64 {
  return load<u64>(regs + (n << 3));
}

@inline export function xw(regs: usize, n: u32, value: u64): void {
  store<u64>(regs + (n << 3), value);
}

/** Writes rd unless it is the zero register (the flag-setting forms' CMP/CMN/TST). */
@inline function xwFlags(regs: usize, n: u32, value: u64): void {
  if (n != ZR_INDEX) store<u64>(regs + (n << 3), value);
}

@inline function setNzcv(regs: usize, n: u32, z: bool, c: bool, v: u32): void {
  store<u32>(regs + NZCV, (n << 31) | (<u32>z << 30) | (<u32>c << 29) | (v << 28));
}

/** Whether NZCV satisfies the condition whose mask (bit nzcv set when it holds) is `mask`. */
@inline export function holds(regs: usize, mask: u32): bool {
  return ((mask >>> (load<u32>(regs + NZCV) >>> 28)) & 1) != 0;
}

@inline function addFlags(regs: usize, a: u64, b: u64, wide: bool): u64 {
  if (wide) {
    const r = a + b;
    setNzcv(regs, <u32>(r >> 63), r == 0, r < a, <u32>(((a ^ r) & (b ^ r)) >> 63));
    return r;
  }
  const x = <u32>a, y = <u32>b, r = x + y;
  setNzcv(regs, r >>> 31, r == 0, r < x, ((x ^ r) & (y ^ r)) >>> 31);
  return <u64>r;
}

@inline function subFlags(regs: usize, a: u64, b: u64, wide: bool): u64 {
  if (wide) {
    const r = a - b;
    setNzcv(regs, <u32>(r >> 63), r == 0, a >= b, <u32>(((a ^ b) & (a ^ r)) >> 63));
    return r;
  }
  const x = <u32>a, y = <u32>b, r = x - y;
  setNzcv(regs, r >>> 31, r == 0, x >= y, ((x ^ y) & (x ^ r)) >>> 31);
  return <u64>r;
}

@inline function logicFlags(regs: usize, r: u64, wide: bool): u64 {
  const result = wide ? r : r & M32;
  setNzcv(regs, <u32>(result >> (wide ? 63 : 31)) & 1, result == 0, false, 0);
  return result;
}

/**
 * A shifted or extended register operand: ((value << aux[5:0]) >> aux[13:8], arithmetic
 * with A_ARITHMETIC) << aux[18:16]. LSL/LSR/ASR and UXTB..SXTX (+ LSL #0-4) are all this shape.
 */
@inline export function operand2(value: u64, aux: u32): u64 {
  const s = value << <u64>(aux & 63);
  const right = <u64>((aux >>> 8) & 63);
  const r = (aux & A_ARITHMETIC) != 0 ? <u64>(<i64>s >> <i64>right) : s >> right;
  return r << <u64>((aux >>> 16) & 7);
}

@inline function width(value: u64, wide: bool): u64 {
  return wide ? value : value & M32;
}

@inline function imm(entry: usize): u64 {
  return <u64><i64>load<i32>(entry, E_IMM);
}

@inline function aux(entry: usize): u32 {
  return load<u32>(entry, E_AUX);
}

@inline function rd(entry: usize): u32 {
  return <u32>load<u8>(entry, E_RD);
}

@inline function rn(entry: usize): u32 {
  return <u32>load<u8>(entry, E_RN);
}

@inline function rm(entry: usize): u32 {
  return <u32>load<u8>(entry, E_RM);
}

@inline export function addImmediate(regs: usize, entry: usize, wide: bool): void {
  xw(regs, rd(entry), width(xr(regs, rn(entry)) + imm(entry), wide));
}

@inline export function addImmediateFlags(regs: usize, entry: usize, wide: bool, subtract: bool): void {
  const a = xr(regs, rn(entry));
  xwFlags(regs, rd(entry), subtract ? subFlags(regs, a, imm(entry), wide) : addFlags(regs, a, imm(entry), wide));
}

@inline export function addRegister(regs: usize, entry: usize, wide: bool, subtract: bool): void {
  const a = xr(regs, rn(entry));
  const b = operand2(xr(regs, rm(entry)), aux(entry));
  xw(regs, rd(entry), width(subtract ? a - b : a + b, wide));
}

@inline export function addRegisterFlags(regs: usize, entry: usize, wide: bool, subtract: bool): void {
  const a = xr(regs, rn(entry));
  const b = operand2(xr(regs, rm(entry)), aux(entry));
  xwFlags(regs, rd(entry), subtract ? subFlags(regs, a, b, wide) : addFlags(regs, a, b, wide));
}

/** The logical ops' second operand: shifted, inverted with A_INVERT. */
@inline function logical2(regs: usize, entry: usize): u64 {
  const a = aux(entry);
  return operand2(xr(regs, rm(entry)), a) ^ (<u64>0 - <u64>((a >>> 25) & 1));
}

@inline export function andRegister(regs: usize, entry: usize, wide: bool): void {
  xw(regs, rd(entry), width(xr(regs, rn(entry)) & logical2(regs, entry), wide));
}

@inline export function orrRegister(regs: usize, entry: usize, wide: bool): void {
  xw(regs, rd(entry), width(xr(regs, rn(entry)) | logical2(regs, entry), wide));
}

@inline export function eorRegister(regs: usize, entry: usize, wide: bool): void {
  xw(regs, rd(entry), width(xr(regs, rn(entry)) ^ logical2(regs, entry), wide));
}

@inline export function andsRegister(regs: usize, entry: usize, wide: bool): void {
  xwFlags(regs, rd(entry), logicFlags(regs, xr(regs, rn(entry)) & logical2(regs, entry), wide));
}

@inline export function move(regs: usize, entry: usize, wide: bool): void {
  xw(regs, rd(entry), width(xr(regs, rm(entry)), wide));
}

@inline function value64(entry: usize): u64 {
  return load<u64>(entry, E_IMM);
}

@inline export function andImmediate(regs: usize, entry: usize): void {
  xw(regs, rd(entry), xr(regs, rn(entry)) & value64(entry));
}

@inline export function orrImmediate(regs: usize, entry: usize, wide: bool): void {
  xw(regs, rd(entry), width(xr(regs, rn(entry)) | value64(entry), wide));
}

@inline export function eorImmediate(regs: usize, entry: usize, wide: bool): void {
  xw(regs, rd(entry), width(xr(regs, rn(entry)) ^ value64(entry), wide));
}

@inline export function andsImmediate(regs: usize, entry: usize, wide: bool): void {
  xwFlags(regs, rd(entry), logicFlags(regs, xr(regs, rn(entry)) & value64(entry), wide));
}

@inline export function moveImmediate(regs: usize, entry: usize): void {
  xw(regs, rd(entry), value64(entry));
}

@inline export function moveKeep(regs: usize, entry: usize, wide: bool): void {
  const shift = <u64>aux(entry);
  const d = rd(entry);
  xw(regs, d, width((xr(regs, d) & ~(<u64>0xffff << shift)) | (imm(entry) << shift), wide));
}

@inline export function pcRelative(regs: usize, entry: usize, at: u64, page: bool): void {
  xw(regs, rd(entry), page ? (at & ~<u64>0xfff) + (imm(entry) << 12) : at + imm(entry));
}

@inline export function bitfield(regs: usize, entry: usize, wide: bool, signed: bool): void {
  const s = xr(regs, rn(entry)) << imm(entry);
  const right = <u64>aux(entry);
  xw(regs, rd(entry), width(signed ? <u64>(<i64>s >> <i64>right) : s >> right, wide));
}

@inline export function bitfieldInsert(regs: usize, entry: usize, wide: bool): void {
  const left = imm(entry), right = <u64>aux(entry);
  const mask = (<u64>0xffff_ffff_ffff_ffff << left) >> right;
  const field = (xr(regs, rn(entry)) << left) >> right;
  const d = rd(entry);
  xw(regs, d, width((xr(regs, d) & ~mask) | (field & mask), wide));
}

@inline export function shiftVariable(regs: usize, entry: usize): void {
  const a = aux(entry);
  const wide = (a & A_WIDE) != 0;
  const value = xr(regs, rn(entry));
  const amount = xr(regs, rm(entry)) & (wide ? 63 : 31);
  let r: u64;
  switch (a & 3) {
    case 0: r = value << amount; break;
    case 1: r = width(value, wide) >> amount; break;
    case 2: r = wide ? <u64>(<i64>value >> <i64>amount) : <u64>(<i64><i32><u32>value >> <i64>amount); break;
    default: r = wide ? rotr<u64>(value, amount) : <u64>rotr<u32>(<u32>value, <u32>amount);
  }
  xw(regs, rd(entry), width(r, wide));
}

@inline export function divide(regs: usize, entry: usize): void {
  const a = aux(entry);
  const wide = (a & A_WIDE) != 0;
  const n = width(xr(regs, rn(entry)), wide), m = width(xr(regs, rm(entry)), wide);
  let r: u64;
  if (m == 0) r = 0;
  else if ((a & A_SIGNED) == 0) r = n / m;
  else if (wide) r = n == 0x8000_0000_0000_0000 && m == 0xffff_ffff_ffff_ffff ? n : <u64>(<i64>n / <i64>m);
  else r = <u64>(<i64><i32><u32>n / <i64><i32><u32>m);
  xw(regs, rd(entry), width(r, wide));
}

@inline export function multiplyAdd(regs: usize, entry: usize, wide: bool): void {
  const product = xr(regs, rn(entry)) * xr(regs, rm(entry));
  const addend = xr(regs, <u32>load<i32>(entry, E_IMM));
  xw(regs, rd(entry), width((aux(entry) & A_SUBTRACT) != 0 ? addend - product : addend + product, wide));
}

@inline export function multiplyAddLong(regs: usize, entry: usize): void {
  const a = aux(entry);
  const n = xr(regs, rn(entry)), m = xr(regs, rm(entry));
  const product = (a & A_SIGNED) != 0 ? <u64>(<i64><i32><u32>n * <i64><i32><u32>m) : (n & M32) * (m & M32);
  const addend = xr(regs, <u32>load<i32>(entry, E_IMM));
  xw(regs, rd(entry), (a & A_SUBTRACT) != 0 ? addend - product : addend + product);
}

/** CSEL (kind 0), CSINC (1), CSINV (2), CSNEG (3). */
@inline export function conditionalSelect(regs: usize, entry: usize, kind: u32): void {
  const a = aux(entry);
  let r: u64;
  if (holds(regs, a)) r = xr(regs, rn(entry));
  else {
    const m = xr(regs, rm(entry));
    r = kind == 0 ? m : kind == 1 ? m + 1 : kind == 2 ? ~m : <u64>0 - m;
  }
  xw(regs, rd(entry), width(r, (a & A_WIDE) != 0));
}

@inline export function conditionalCompare(regs: usize, entry: usize): void {
  const a = aux(entry);
  if (!holds(regs, a)) {
    store<u32>(regs + NZCV, ((a >>> 16) & 15) << 28);
    return;
  }
  const wide = (a & A_WIDE) != 0;
  const x = xr(regs, rn(entry));
  const y = (a & A_IMMEDIATE) != 0 ? imm(entry) : xr(regs, rm(entry));
  if ((a & A_NEGATE) != 0) addFlags(regs, x, y, wide);
  else subFlags(regs, x, y, wide);
}

/** RBIT: the bits of `value` (at 64 bits) reversed. */
@inline function reverseBits(value: u64): u64 {
  let x = bswap<u64>(value);
  x = ((x >> 4) & 0x0f0f_0f0f_0f0f_0f0f) | ((x & 0x0f0f_0f0f_0f0f_0f0f) << 4);
  x = ((x >> 2) & 0x3333_3333_3333_3333) | ((x & 0x3333_3333_3333_3333) << 2);
  return ((x >> 1) & 0x5555_5555_5555_5555) | ((x & 0x5555_5555_5555_5555) << 1);
}

/** RBIT (0), REV16 (1), REV32 or a W register's REV (2), REV (3), CLZ (4), CLS (5). */
@inline export function oneSource(regs: usize, entry: usize): void {
  const a = aux(entry);
  const wide = (a & A_WIDE) != 0;
  const x = width(xr(regs, rn(entry)), wide);
  let r: u64;
  switch (a & 7) {
    case 0: r = wide ? reverseBits(x) : reverseBits(x) >> 32; break;
    case 1: r = ((x >> 8) & 0x00ff_00ff_00ff_00ff) | ((x & 0x00ff_00ff_00ff_00ff) << 8); break;
    case 2: r = wide ? rotr<u64>(bswap<u64>(x), 32) : <u64>bswap<u32>(<u32>x); break;
    case 3: r = bswap<u64>(x); break;
    case 4: r = wide ? clz<u64>(x) : <u64>clz<u32>(<u32>x); break;
    default: { // CLS: leading zeros of x<N-1:1> EOR x<N-2:0>
      const differing = width(x ^ (x << 1), wide) >> 1;
      r = (wide ? clz<u64>(differing) : <u64>clz<u32>(<u32>differing)) - 1;
    }
  }
  xw(regs, rd(entry), r);
}

/** ADC/SBC (SBC adds the inverted operand), NZCV from AddWithCarry when `setFlags`. */
@inline export function addWithCarryOp(regs: usize, entry: usize, setFlags: bool): void {
  const a = aux(entry);
  const wide = (a & A_WIDE) != 0;
  const x = width(xr(regs, rn(entry)), wide);
  const y = width((a & A_SUBTRACT) != 0 ? ~xr(regs, rm(entry)) : xr(regs, rm(entry)), wide);
  const carry = <u64>((load<u32>(regs + NZCV) >>> 29) & 1);
  const sum = x + y + carry;
  const r = width(sum, wide);
  if (setFlags) {
    const top: u64 = wide ? 63 : 31;
    const c = wide ? r < x || (carry != 0 && r == x) : (sum >> 32) != 0;
    setNzcv(regs, <u32>(r >> top), r == 0, c, <u32>((((x ^ r) & (y ^ r)) >> top) & 1));
  }
  xw(regs, rd(entry), r);
}

/** UMULH, SMULH: the high half of the 128-bit product (signed: less the other operand for each negative one). */
@inline export function multiplyHigh(regs: usize, entry: usize): void {
  const n = xr(regs, rn(entry)), m = xr(regs, rm(entry));
  let r = mulHighUnsigned(n, m);
  if ((aux(entry) & A_SIGNED) != 0) r -= ((<i64>n < 0) ? m : 0) + ((<i64>m < 0) ? n : 0);
  xw(regs, rd(entry), r);
}

/** EXTR: bits lsb.. of rn:rm at the operation's width (ROR #lsb when rn is rm). */
@inline export function extract(regs: usize, entry: usize): void {
  const wide = (aux(entry) & A_WIDE) != 0;
  const lsb = imm(entry);
  const low = width(xr(regs, rm(entry)), wide);
  const high = width(xr(regs, rn(entry)), wide);
  const size: u64 = wide ? 64 : 32;
  xw(regs, rd(entry), lsb == 0 ? low : width((low >> lsb) | (high << (size - lsb)), wide));
}
