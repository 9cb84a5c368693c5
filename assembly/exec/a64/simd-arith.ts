// Advanced SIMD integer arithmetic, vector and scalar (ARM ARM C4.1.95-): three same
// (ADD/SUB, MUL/MLA/MLS, the logic and bit-select ops, compares, SMAX/UMAX/SMIN/UMIN,
// SABD/UABD, SSHL/USHL, ADDP), three different (SADDL/UADDL/SADDW/UADDW/SSUBL/…,
// SMULL/UMULL, SMLAL/UMLAL, SMLSL/UMLSL), two-register misc (REV16/32/64, CNT, NOT,
// RBIT, compares with zero, ABS, NEG, XTN), across lanes (ADDV, S/UMAXV, S/UMINV,
// S/UADDLV) and shifts by immediate (SSHR/USHR, SSRA/USRA, SHL, SLI, SRI, SSHLL/USHLL,
// SHRN). Returns ALU_DONE, ALU_UNDEFINED, or ALU_NOT_MINE for the other forms (the
// saturating, rounding and halving ones are in simd-saturating.ts; polynomial not modelled).
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { ALU_UNDEFINED, signExtend } from "./operands";
import {
  lane, resultFrom, setLane, writeResult, writeHalves, vAddress, elementMask, decodeShiftImmediate, shiftQ, shiftU, shiftOpcode,
  shiftSize, shiftBytes, shiftBits, shiftRightAmount, shiftLeftAmount,
} from "./simd-lanes";

const NO_REGISTER: u32 = 32;

/** Sign-extends an element of `bytes` bytes held in the low bits of `value`. */
@inline function signed(value: u64, bytes: u32): i64 {
  return <i64>signExtend(value, bytes << 3);
}

/** SSHL/USHL of one element: shift by the signed low byte of `by`, left when positive. */
function shiftByRegister(value: u64, by: u64, bytes: u32, isSigned: bool): u64 {
  const shift = <i32><i8><u8>by;
  const bits = <i32>(bytes << 3);
  if (shift >= 0) return shift >= bits ? 0 : value << <u64>shift;
  const right = -shift;
  if (isSigned) return <u64>(signed(value, bytes) >> <i64>(right >= bits ? bits - 1 : right));
  return right >= bits ? 0 : (value & elementMask(bytes)) >> <u64>right;
}

/** One lane of a three-same operation (opcode bits 15:11, U); the lanes come zero-extended. */
function sameLane(opcode: u32, u: bool, a: u64, b: u64, d: u64, bytes: u32): u64 {
  const ones: u64 = 0xffff_ffff_ffff_ffff;
  switch (opcode) {
    case 0b10000: return u ? a - b : a + b;
    case 0b10011: return a * b;
    case 0b10010: return u ? d - a * b : d + a * b;
    case 0b10001: return u ? (a == b ? ones : 0) : ((a & b) != 0 ? ones : 0); // CMEQ, CMTST
    case 0b00110: return (u ? a > b : signed(a, bytes) > signed(b, bytes)) ? ones : 0; // CMHI, CMGT
    case 0b00111: return (u ? a >= b : signed(a, bytes) >= signed(b, bytes)) ? ones : 0; // CMHS, CMGE
    case 0b01100: return (u ? a > b : signed(a, bytes) > signed(b, bytes)) ? a : b; // UMAX, SMAX
    case 0b01101: return (u ? a < b : signed(a, bytes) < signed(b, bytes)) ? a : b; // UMIN, SMIN
    case 0b01110: return (u ? a > b : signed(a, bytes) > signed(b, bytes)) ? a - b : b - a; // UABD, SABD
    case 0b01111: return d + ((u ? a > b : signed(a, bytes) > signed(b, bytes)) ? a - b : b - a); // UABA, SABA
    default: return shiftByRegister(a, b, bytes, !u); // 0b01000
  }
}

/** Advanced SIMD three same, vector (scalar: one 64-bit lane, Q clear). */
function threeSame(word: u32, scalar: bool): u32 {
  const q = (word & 0x4000_0000) != 0 && !scalar;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 11) & 31;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  if (opcode == 0b00011) { // AND BIC ORR ORN / EOR BSL BIT BIF
    if (scalar) return ALU_UNDEFINED;
    let lo: u64 = 0, hi: u64 = 0;
    for (let half: u32 = 0; half < 2; half++) {
      const offset = half << 3;
      const n = load<u64>(vAddress(rn) + offset), m = load<u64>(vAddress(rm) + offset), d = load<u64>(vAddress(rd) + offset);
      let r: u64;
      if (!u) r = size == 0 ? n & m : size == 1 ? n & ~m : size == 2 ? n | m : n | ~m;
      else r = size == 0 ? n ^ m : size == 1 ? (d & n) | (~d & m) : size == 2 ? (d & ~m) | (n & m) : (d & m) | (n & ~m);
      if (half == 0) lo = r;
      else hi = r;
    }
    writeHalves(rd, lo, hi, q);
    return ALU_DONE;
  }
  if (opcode == 0b10111 && !u && !scalar) return pairwiseAdd(rd, rn, rm, size, q);
  const known = opcode == 0b10000 || opcode == 0b10001 || opcode == 0b00110 || opcode == 0b00111 || opcode == 0b01000
    || (!scalar && (opcode == 0b01100 || opcode == 0b01101 || opcode == 0b01110 || opcode == 0b01111 || opcode == 0b10010 || (opcode == 0b10011 && !u)));
  if (!known) return ALU_NOT_MINE;
  if (scalar ? size != 3 : (size == 3 && (!q || opcode >= 0b01100 && opcode != 0b10000 && opcode != 0b10001))) return ALU_UNDEFINED;
  const bytes: u32 = 1 << size;
  const lanes: u32 = scalar ? 1 : (q ? 16 : 8) >> size;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    setLane(i, bytes, sameLane(opcode, u, lane(rn, i, bytes, false), lane(rm, i, bytes, false), lane(rd, i, bytes, false), bytes));
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** ADDP (vector): the sums of adjacent lanes of Vn:Vm (Vn's pairs first). */
function pairwiseAdd(rd: u32, rn: u32, rm: u32, size: u32, q: bool): u32 {
  if (size == 3 && !q) return ALU_UNDEFINED;
  const bytes: u32 = 1 << size;
  const lanes: u32 = (q ? 16 : 8) >> size;
  const half = lanes >> 1;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const source = i < half ? rn : rm;
    const pair = (i < half ? i : i - half) << 1;
    setLane(i, bytes, lane(source, pair, bytes, false) + lane(source, pair + 1, bytes, false));
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** Advanced SIMD three different: long and wide add/subtract, long multiply(-accumulate). */
function threeDifferent(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 12) & 15;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  if (opcode > 3 && opcode != 8 && opcode != 10 && opcode != 12) return ALU_NOT_MINE;
  if (size == 3) return ALU_UNDEFINED;
  const bytes: u32 = 1 << size;
  const lanes: u32 = 8 >> size;
  const part: u32 = q ? lanes : 0;
  const wide = opcode == 1 || opcode == 3;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const a = wide ? lane(rn, i, bytes << 1, false) : lane(rn, i + part, bytes, !u);
    const b = lane(rm, i + part, bytes, !u);
    let r: u64;
    switch (opcode) {
      case 0: case 1: r = a + b; break;
      case 2: case 3: r = a - b; break;
      case 12: r = a * b; break;
      case 8: r = lane(rd, i, bytes << 1, false) + a * b; break;
      default: r = lane(rd, i, bytes << 1, false) - a * b; // 10
    }
    setLane(i, bytes << 1, r);
  }
  writeResult(rd, true);
  return ALU_DONE;
}

/** Reverses the order of `bytes`-byte elements inside each `container`-byte unit of V`rn`. */
function reverseElements(rd: u32, rn: u32, bytes: u32, container: u32, q: bool): u32 {
  if (bytes >= container) return ALU_UNDEFINED;
  const per = container / bytes;
  const lanes: u32 = (q ? 16 : 8) / bytes;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const base = i - i % per;
    setLane(i, bytes, lane(rn, base + per - 1 - (i - base), bytes, false));
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** Advanced SIMD two-register misc, vector (scalar: compares with zero, ABS and NEG on one 64-bit lane). */
function twoRegisterMisc(word: u32, scalar: bool): u32 {
  const q = (word & 0x4000_0000) != 0 && !scalar;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 12) & 31;
  const rd = word & 31, rn = (word >>> 5) & 31;
  const bytes: u32 = 1 << size;
  const ones: u64 = 0xffff_ffff_ffff_ffff;
  if (!scalar && opcode <= 1) { // REV64 / REV32 / REV16
    const container: u32 = opcode == 1 ? 2 : u ? 4 : 8;
    if (opcode == 1 && u) return ALU_UNDEFINED;
    return reverseElements(rd, rn, bytes, container, q);
  }
  if (!scalar && opcode == 0b00101) { // CNT, NOT, RBIT
    if (size > (u ? 1 : 0)) return ALU_UNDEFINED;
    resultFrom(NO_REGISTER);
    const lanes: u32 = q ? 16 : 8;
    for (let i: u32 = 0; i < lanes; i++) {
      const b = lane(rn, i, 1, false);
      let r: u64;
      if (!u) r = popcnt<u64>(b);
      else if (size == 0) r = ~b;
      else r = (((b * 0x02_0202_0202) & 0x01_0884_4220_10) % 1023) & 0xff; // RBIT of a byte
      setLane(i, 1, r);
    }
    writeResult(rd, q);
    return ALU_DONE;
  }
  if (!scalar && opcode == 0b10010 && !u) { // XTN, XTN2
    if (size == 3) return ALU_UNDEFINED;
    const lanes: u32 = 8 >> size;
    resultFrom(q ? rd : NO_REGISTER);
    for (let i: u32 = 0; i < lanes; i++) setLane(i + (q ? lanes : 0), bytes, lane(rn, i, bytes << 1, false));
    writeResult(rd, q);
    return ALU_DONE;
  }
  const compare = opcode == 0b01000 || opcode == 0b01001 || (opcode == 0b01010 && !u);
  if (!compare && opcode != 0b01011) return ALU_NOT_MINE;
  if (scalar ? size != 3 : size == 3 && !q) return ALU_UNDEFINED;
  const lanes: u32 = scalar ? 1 : (q ? 16 : 8) >> size;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const value = signed(lane(rn, i, bytes, false), bytes);
    let r: u64;
    switch (opcode) {
      case 0b01000: r = (u ? value >= 0 : value > 0) ? ones : 0; break; // CMGE, CMGT #0
      case 0b01001: r = (u ? value <= 0 : value == 0) ? ones : 0; break; // CMLE, CMEQ #0
      case 0b01010: r = value < 0 ? ones : 0; break; // CMLT #0
      default: r = u ? <u64>(0 - value) : <u64>(value < 0 ? -value : value); // NEG, ABS
    }
    setLane(i, bytes, r);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** ADDV, SMAXV/UMAXV, SMINV/UMINV, SADDLV/UADDLV. */
function acrossLanes(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 12) & 31;
  if (opcode != 0b11011 && opcode != 0b01010 && opcode != 0b11010 && opcode != 0b00011) return ALU_NOT_MINE;
  if (opcode == 0b11011 && u) return ALU_UNDEFINED;
  if (size == 3 || (size == 2 && !q)) return ALU_UNDEFINED;
  const bytes: u32 = 1 << size;
  const lanes: u32 = (q ? 16 : 8) >> size;
  const isSigned = !u;
  const rn = (word >>> 5) & 31;
  let r = lane(rn, 0, bytes, isSigned);
  for (let i: u32 = 1; i < lanes; i++) {
    const v = lane(rn, i, bytes, isSigned);
    if (opcode == 0b11011 || opcode == 0b00011) r += v;
    else if (opcode == 0b01010) r = (isSigned ? <i64>v > <i64>r : v > r) ? v : r;
    else r = (isSigned ? <i64>v < <i64>r : v < r) ? v : r;
  }
  resultFrom(NO_REGISTER);
  setLane(0, opcode == 0b00011 ? bytes << 1 : bytes, r);
  writeResult(word & 31, false);
  return ALU_DONE;
}

/** Shifts by immediate, vector (scalar: SSHR/USHR/SSRA/USRA/SHL/SLI/SRI on one 64-bit lane). */
function shiftImmediate(word: u32, scalar: bool): u32 {
  decodeShiftImmediate(word, scalar);
  const q = shiftQ, u = shiftU, opcode = shiftOpcode, size = shiftSize, bytes = shiftBytes, bits = shiftBits;
  const right = shiftRightAmount, left = shiftLeftAmount;
  const rd = word & 31, rn = (word >>> 5) & 31;
  if (opcode == 0b10100 || (opcode == 0b10000 && !u)) { // SSHLL/USHLL, SHRN
    if (scalar) return ALU_NOT_MINE;
    if (size == 3) return ALU_UNDEFINED;
    const lanes: u32 = 8 >> size;
    resultFrom(opcode == 0b10000 && q ? rd : NO_REGISTER);
    for (let i: u32 = 0; i < lanes; i++) {
      if (opcode == 0b10100) setLane(i, bytes << 1, lane(rn, i + (q ? lanes : 0), bytes, !u) << <u64>left);
      else setLane(i + (q ? lanes : 0), bytes, lane(rn, i, bytes << 1, false) >> <u64>right);
    }
    writeResult(rd, opcode == 0b10100 || q);
    return ALU_DONE;
  }
  const rightShift = opcode == 0b00000 || opcode == 0b00010 || (opcode == 0b01000 && u);
  const leftShift = opcode == 0b01010;
  if (!rightShift && !leftShift) return ALU_NOT_MINE;
  if (scalar ? size != 3 : size == 3 && !q) return ALU_UNDEFINED;
  const lanes: u32 = scalar ? 1 : (q ? 16 : 8) >> size;
  const mask = elementMask(bytes);
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const value = lane(rn, i, bytes, false);
    const d = lane(rd, i, bytes, false);
    let r: u64;
    if (leftShift) {
      r = value << <u64>left;
      if (u) r = (r & mask) | (d & ((<u64>1 << <u64>left) - 1)); // SLI keeps the low bits
    } else {
      const shifted: u64 = opcode == 0b01000 || u
        ? (right >= bits ? 0 : value >> <u64>right)
        : <u64>(signed(value, bytes) >> <i64>(right >= bits ? bits - 1 : right));
      if (opcode == 0b00010) r = d + shifted; // SSRA, USRA
      else if (opcode == 0b01000) r = right >= bits ? d : (shifted & (mask >> <u64>right)) | (d & ~(mask >> <u64>right)); // SRI
      else r = shifted;
    }
    setLane(i, bytes, r);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** The Advanced SIMD integer data processing groups handled here, or ALU_NOT_MINE. */
export function a64SimdArithmetic(word: u32): u32 {
  if ((word & 0x9f20_0400) == 0x0e20_0400) return threeSame(word, false);
  if ((word & 0x9f20_0c00) == 0x0e20_0000) return threeDifferent(word);
  if ((word & 0x9f3e_0c00) == 0x0e20_0800) return twoRegisterMisc(word, false);
  if ((word & 0x9f3e_0c00) == 0x0e30_0800) return acrossLanes(word);
  if ((word & 0x9f80_0400) == 0x0f00_0400 && (word & 0x0078_0000) != 0) return shiftImmediate(word, false);
  if ((word & 0xdf20_0400) == 0x5e20_0400) return threeSame(word, true);
  if ((word & 0xdf3e_0c00) == 0x5e20_0800) return twoRegisterMisc(word, true);
  if ((word & 0xdf80_0400) == 0x5f00_0400 && (word & 0x0078_0000) != 0) return shiftImmediate(word, true);
  return ALU_NOT_MINE;
}
