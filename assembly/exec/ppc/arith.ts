// PowerPC fixed-point arithmetic (Power ISA 3.1, 3.3.9): add/subtract with every OE
// and Rc form and XER's CA/CA32/OV/OV32/SO, multiply low and high, divide (word,
// doubleword, extended, unsigned), modulo, and the D-form mulli/subfic/addic/addic.
//
// Results the ISA leaves undefined follow QEMU (so Unicorn): a word divide or multiply-
// high writes its 32-bit result zero-extended (divw, divwu, mulhw, mulhwu; CR0 then
// compares that 64-bit value); an invalid divw/divwu/divd/divdu (divisor 0, or the most
// negative dividend by -1) writes the dividend's word or doubleword; an invalid or
// overflowing divwe/divweu/divde/divdeu writes 0; modulo by 0 (or the most negative
// dividend by -1) is 0. Every OE=1 form sets OV32 with OV on a 64-bit implementation.
import { gpr, is64 } from "../../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./alu";
import {
  ALU_UNDEFINED, writeGpr, signExtend32, recordCr0, setCarry, setOverflowAdd, setOverflowBits, carryIn,
} from "./fixed-point";

const ONES: u64 = 0xffff_ffff_ffff_ffff;
const INT64_MIN: u64 = 0x8000_0000_0000_0000;

/** The high doubleword of the unsigned 128-bit product a × b. */
function mulHighUnsigned(a: u64, b: u64): u64 {
  const aLow = a & 0xffff_ffff, aHigh = a >> 32, bLow = b & 0xffff_ffff, bHigh = b >> 32;
  const lowLow = aLow * bLow, lowHigh = aLow * bHigh, highLow = aHigh * bLow;
  const middle = (lowLow >> 32) + (lowHigh & 0xffff_ffff) + (highLow & 0xffff_ffff);
  return aHigh * bHigh + (lowHigh >> 32) + (highLow >> 32) + (middle >> 32);
}

/** The high doubleword of the signed 128-bit product a × b. */
function mulHighSigned(a: u64, b: u64): u64 {
  return mulHighUnsigned(a, b) - (<i64>a < 0 ? b : 0) - (<i64>b < 0 ? a : 0);
}

/** floor(high × 2^64 / divisor) for high < divisor (the quotient fits 64 bits). */
function divideExtended(high: u64, divisor: u64): u64 {
  let remainder = high;
  let quotient: u64 = 0;
  for (let i = 0; i < 64; i++) {
    const top = remainder >> 63;
    remainder <<= 1;
    quotient <<= 1;
    if (top != 0 || remainder >= divisor) {
      remainder -= divisor;
      quotient |= 1;
    }
  }
  return quotient;
}

/** D-form: mulli (7), subfic (8), addic (12), addic. (13). */
export function ppcArithImmediate(primary: u32, word: u32, rt: u32, ra: u32): u32 {
  const si = <u64><i64><i16>word;
  const a = gpr(ra);
  switch (primary) {
    case 7: writeGpr(rt, (is64() ? a : signExtend32(a)) * si); break;
    case 8: {
      const r = ~a + si + 1;
      writeGpr(rt, r);
      setCarry(~a, si, r);
      break;
    }
    case 12: case 13: {
      const r = a + si;
      writeGpr(rt, r);
      setCarry(a, si, r);
      if (primary == 13) recordCr0(r);
      break;
    }
    default: return ALU_NOT_MINE;
  }
  return ALU_DONE;
}

/** Opcode 31 arithmetic by its 10-bit extended opcode: ALU_DONE (pc not set), ALU_UNDEFINED or ALU_NOT_MINE. */
export function ppcArith(word: u32, xo: u32, rt: u32, ra: u32, rb: u32): u32 {
  const oe = (xo & 0x200) != 0;
  const op = xo & 0x1ff; // XO-form: bit 21 is OE
  const a = gpr(ra), b = gpr(rb);
  let r: u64;
  switch (op) {
    // Additions: r = x + y + carry in, CA/OV from x, y and r.
    case 266: r = addForm(a, b, 0, false, oe); break; //             add
    case 10: r = addForm(a, b, 0, true, oe); break; //               addc
    case 138: r = addForm(a, b, carryIn(), true, oe); break; //      adde
    case 234: r = addForm(a, ONES, carryIn(), true, oe); break; //   addme
    case 202: r = addForm(a, 0, carryIn(), true, oe); break; //      addze
    case 40: r = addForm(~a, b, 1, false, oe); break; //             subf
    case 8: r = addForm(~a, b, 1, true, oe); break; //               subfc
    case 136: r = addForm(~a, b, carryIn(), true, oe); break; //     subfe
    case 232: r = addForm(~a, ONES, carryIn(), true, oe); break; //  subfme
    case 200: r = addForm(~a, 0, carryIn(), true, oe); break; //     subfze
    case 104: r = addForm(~a, 0, 1, false, oe); break; //            neg
    case 235: { // mullw: the 64-bit product of the signed low words
      r = signExtend32(a) * signExtend32(b);
      if (oe) setOverflowBits(r != signExtend32(r) ? 1 : 0, r != signExtend32(r) ? 1 : 0);
      break;
    }
    case 233: { // mulld
      if (!is64()) return ALU_UNDEFINED;
      r = a * b;
      const overflow: u64 = mulHighSigned(a, b) != <u64>(<i64>r >> 63) ? 1 : 0;
      if (oe) setOverflowBits(overflow, overflow);
      break;
    }
    case 11: case 75: { // mulhwu, mulhw (no OE form)
      if (oe) return ALU_NOT_MINE;
      r = (op == 11 ? (a & 0xffff_ffff) * (b & 0xffff_ffff) : signExtend32(a) * signExtend32(b)) >> 32;
      r &= 0xffff_ffff;
      break;
    }
    case 9: case 73: { // mulhdu, mulhd
      if (oe) return ALU_NOT_MINE;
      if (!is64()) return ALU_UNDEFINED;
      r = op == 9 ? mulHighUnsigned(a, b) : mulHighSigned(a, b);
      break;
    }
    case 491: case 459: r = divideWord(a, b, op == 491, oe); break; // divw, divwu
    case 489: case 457: { // divd, divdu
      if (!is64()) return ALU_UNDEFINED;
      const invalid = b == 0 || (op == 489 && a == INT64_MIN && b == ONES);
      r = invalid ? a : op == 489 ? <u64>(<i64>a / <i64>b) : a / b;
      if (oe) setOverflowBits(invalid ? 1 : 0, invalid ? 1 : 0);
      break;
    }
    case 427: case 395: r = divideWordExtended(a, b, op == 427, oe); break; // divwe, divweu
    case 425: case 393: { // divde, divdeu
      if (!is64()) return ALU_UNDEFINED;
      r = divideDoublewordExtended(a, b, op == 425, oe);
      break;
    }
    default: return modulo(xo, a, b, rt, word);
  }
  writeGpr(rt, r);
  if ((word & 1) != 0) recordCr0(r);
  return ALU_DONE;
}

/** x + y + carry, with CA/CA32 when `carry` and OV/OV32/SO when `oe`. */
@inline function addForm(x: u64, y: u64, carry: u64, setsCarry: bool, oe: bool): u64 {
  const r = x + y + carry;
  if (setsCarry) setCarry(x, y, r);
  if (oe) setOverflowAdd(x, y, r);
  return r;
}

function divideWord(a: u64, b: u64, signed: bool, oe: bool): u64 {
  const n = a & 0xffff_ffff, d = b & 0xffff_ffff;
  const invalid = d == 0 || (signed && n == 0x8000_0000 && d == 0xffff_ffff);
  if (oe) setOverflowBits(invalid ? 1 : 0, invalid ? 1 : 0);
  if (invalid) return n;
  return signed ? <u64>(<i32>n / <i32>d) & 0xffff_ffff : n / d;
}

function divideWordExtended(a: u64, b: u64, signed: bool, oe: bool): u64 {
  const dividend = (a & 0xffff_ffff) << 32;
  let r: u64 = 0;
  let overflow = false;
  if (signed) {
    const divisor = <i64>signExtend32(b);
    overflow = divisor == 0 || (divisor == -1 && dividend == INT64_MIN);
    if (!overflow) {
      r = <u64>(<i64>dividend / divisor);
      overflow = r != signExtend32(r);
    }
  } else {
    const divisor = b & 0xffff_ffff;
    overflow = divisor == 0;
    if (!overflow) {
      r = dividend / divisor;
      overflow = r > 0xffff_ffff;
    }
  }
  if (oe) setOverflowBits(overflow ? 1 : 0, overflow ? 1 : 0);
  return overflow ? 0 : r;
}

function divideDoublewordExtended(a: u64, b: u64, signed: bool, oe: bool): u64 {
  let r: u64 = 0;
  let overflow = false;
  if (signed) {
    const negative = (<i64>a < 0) != (<i64>b < 0);
    const magnitudeA = <i64>a < 0 ? 0 - a : a;
    const magnitudeB = <i64>b < 0 ? 0 - b : b;
    overflow = b == 0 || magnitudeA >= magnitudeB;
    if (!overflow) {
      const q = divideExtended(magnitudeA, magnitudeB);
      overflow = negative ? q > INT64_MIN : q >= INT64_MIN;
      r = negative ? 0 - q : q;
    }
  } else {
    overflow = b == 0 || a >= b;
    if (!overflow) r = divideExtended(a, b);
  }
  if (oe) setOverflowBits(overflow ? 1 : 0, overflow ? 1 : 0);
  return overflow ? 0 : r;
}

/** X-form modulo: modsw (779), moduw (267), modsd (777), modud (265). */
function modulo(xo: u32, a: u64, b: u64, rt: u32, word: u32): u32 {
  if ((word & 1) != 0) return ALU_NOT_MINE; // no Rc form
  switch (xo) {
    case 779: {
      const n = <i32>a, d = <i32>b;
      writeGpr(rt, d == 0 || (n == i32.MIN_VALUE && d == -1) ? 0 : <u64><i64>(n % d));
      break;
    }
    case 267: {
      const d = b & 0xffff_ffff;
      writeGpr(rt, d == 0 ? 0 : (a & 0xffff_ffff) % d);
      break;
    }
    case 777: case 265: {
      if (!is64()) return ALU_UNDEFINED;
      if (xo == 777) writeGpr(rt, b == 0 || (a == INT64_MIN && b == ONES) ? 0 : <u64>(<i64>a % <i64>b));
      else writeGpr(rt, b == 0 ? 0 : a % b);
      break;
    }
    default: return ALU_NOT_MINE;
  }
  return ALU_DONE;
}

