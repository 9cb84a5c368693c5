// Saturation, rounding and doubling arithmetic for the Advanced SIMD integer
// instructions (ARM ARM pseudocode SignedSatQ, UnsignedSatQ, the rounding shifts and
// the doubling multiplies), on lanes of 1 to 8 bytes held zero- or sign-extended in 64
// bits. A helper that saturates notes it; endSaturation() then sets FPSR.QC (bit 27,
// sticky), so an instruction sets QC once, after its last lane, and only when it completes.
import { CPU_SYSREGS, SYSREG_FPSR } from "../../layout";
import { record } from "../../machine";

const FPSR_QC: u64 = 1 << 27;
const I64_MAX: i64 = 0x7fff_ffff_ffff_ffff;
const I64_MIN: i64 = -0x7fff_ffff_ffff_ffff - 1;
const U64_MAX: u64 = 0xffff_ffff_ffff_ffff;

let saturated = false;

export function beginSaturation(): void {
  saturated = false;
}

/** Sets FPSR.QC when a lane of the instruction saturated. */
export function endSaturation(): void {
  if (!saturated) return;
  const at = record + CPU_SYSREGS + (SYSREG_FPSR << 3);
  store<u64>(at, load<u64>(at) | FPSR_QC);
}

@inline function signedMax(bits: u32): i64 {
  return bits >= 64 ? I64_MAX : (<i64>1 << <i64>(bits - 1)) - 1;
}

@inline function unsignedMax(bits: u32): u64 {
  return bits >= 64 ? U64_MAX : (<u64>1 << <u64>bits) - 1;
}

/** SignedSatQ(value, bits). */
export function satSigned(value: i64, bits: u32): u64 {
  const max = signedMax(bits);
  if (value > max) {
    saturated = true;
    return <u64>max;
  }
  if (value < -max - 1) {
    saturated = true;
    return <u64>(-max - 1);
  }
  return <u64>value;
}

/** UnsignedSatQ of a signed value. */
export function satUnsignedOfSigned(value: i64, bits: u32): u64 {
  if (value < 0) {
    saturated = true;
    return 0;
  }
  return satUnsignedOfUnsigned(<u64>value, bits);
}

/** UnsignedSatQ of an unsigned value. */
export function satUnsignedOfUnsigned(value: u64, bits: u32): u64 {
  const max = unsignedMax(bits);
  if (value > max) {
    saturated = true;
    return max;
  }
  return value;
}

/** The saturated extreme on the side of `negative`. */
@inline function signedLimit(negative: bool, bits: u32): u64 {
  saturated = true;
  const max = signedMax(bits);
  return <u64>(negative ? -max - 1 : max);
}

/** The unsigned maximum, saturated. */
@inline function unsignedLimit(bits: u32): u64 {
  saturated = true;
  return unsignedMax(bits);
}

/** SQADD (subtract: SQSUB) of sign-extended lanes. */
export function addSigned(a: i64, b: i64, bits: u32, subtract: bool): u64 {
  if (bits < 64) return satSigned(subtract ? a - b : a + b, bits);
  const r = subtract ? a - b : a + b;
  const overflow = subtract ? ((a ^ b) & (a ^ r)) < 0 : ((a ^ r) & (b ^ r)) < 0;
  return overflow ? signedLimit(a < 0, 64) : <u64>r;
}

/** UQADD (subtract: UQSUB) of zero-extended lanes. */
export function addUnsigned(a: u64, b: u64, bits: u32, subtract: bool): u64 {
  if (subtract) {
    if (a >= b) return a - b;
    saturated = true;
    return 0;
  }
  const r = a + b;
  return r < a ? unsignedLimit(64) : satUnsignedOfUnsigned(r, bits);
}

/** SUQADD: signed accumulator `d` plus unsigned `n`, signed saturation. */
export function accumulateUnsignedIntoSigned(d: i64, n: u64, bits: u32): u64 {
  if (bits < 64) return satSigned(d + <i64>n, bits);
  if (<i64>n >= 0) return addSigned(d, <i64>n, 64, false);
  if (d >= 0) return signedLimit(false, 64);
  const sum = n + <u64>d; // d in [-2^63, 0), n in [2^63, 2^64): the true sum is in [0, 2^64)
  return sum > <u64>I64_MAX ? signedLimit(false, 64) : sum;
}

/** USQADD: unsigned accumulator `d` plus signed `n`, unsigned saturation. */
export function accumulateSignedIntoUnsigned(d: u64, n: i64, bits: u32): u64 {
  if (bits < 64) return satUnsignedOfSigned(<i64>d + n, bits);
  if (n >= 0) {
    const sum = d + <u64>n;
    return sum >= d ? sum : unsignedLimit(64);
  }
  return addUnsigned(d, <u64>0 - <u64>n, 64, true);
}

/** SQABS (negate: SQNEG) of a sign-extended lane. */
export function absNegSigned(value: i64, bits: u32, negate: bool): u64 {
  if (value == I64_MIN) return signedLimit(false, 64);
  const r = negate ? -value : value < 0 ? -value : value;
  return satSigned(r, bits);
}

/**
 * A left shift by `shift` (0 to 127) with saturation: SQSHL (signed in and out), UQSHL
 * (unsigned) or SQSHLU (signed in, unsigned out). `value` is the extended lane.
 */
export function shiftLeftSaturating(value: u64, shift: u32, bits: u32, signedIn: bool, signedOut: bool): u64 {
  if (value == 0) return 0;
  if (signedIn && !signedOut && <i64>value < 0) return satUnsignedOfSigned(-1, bits);
  const negative = signedIn && <i64>value < 0;
  const fits = shift < 64 && (signedIn ? (<i64>(value << <u64>shift) >> <i64>shift) == <i64>value : ((value << <u64>shift) >> <u64>shift) == value);
  if (!fits) return signedOut ? signedLimit(negative, bits) : unsignedLimit(bits);
  const shifted = value << <u64>shift;
  return signedOut ? satSigned(<i64>shifted, bits) : satUnsignedOfUnsigned(shifted, bits);
}

/** An arithmetic (signed) or logical right shift by `shift` (any amount). */
export function shiftRight(value: u64, shift: u32, isSigned: bool): u64 {
  if (isSigned) return <u64>(<i64>value >> <i64>(shift > 63 ? 63 : shift));
  return shift > 63 ? 0 : value >> <u64>shift;
}

/** (value + 2^(shift-1)) >> shift in unbounded precision, for `shift` 1 to 128: never overflows 64 bits. */
export function roundingShiftRight(value: u64, shift: u32, isSigned: bool): u64 {
  return shiftRight(value, shift, isSigned) + (shiftRight(value, shift - 1, isSigned) & 1);
}

/**
 * The shift-by-register forms (SSHL, SRSHL, SQSHL, SQRSHL and the U forms): shift the
 * extended lane by the signed low byte of `by`, left when positive, right (rounded with
 * `rounding`) when negative; with `saturating` a left shift saturates.
 */
export function shiftByRegister(value: u64, by: u64, bits: u32, isSigned: bool, rounding: bool, saturating: bool): u64 {
  const shift = <i32><i8><u8>by;
  if (shift >= 0) {
    if (saturating) return shiftLeftSaturating(value, <u32>shift, bits, isSigned, isSigned);
    return shift >= 64 ? 0 : value << <u64>shift;
  }
  return rounding ? roundingShiftRight(value, <u32>-shift, isSigned) : shiftRight(value, <u32>-shift, isSigned);
}

/**
 * SQDMULH / SQRDMULH / SQRDMLAH / SQRDMLSH of `bits`-bit (16 or 32) signed lanes:
 * SignedSatQ((d << bits) ± 2ab (+ 2^(bits-1) with `rounding`)) >> bits). a·b fits 63
 * bits, so the halved form (±ab + round/2) >> (bits-1) is exact.
 */
export function doublingMultiplyHigh(d: i64, a: i64, b: i64, bits: u32, rounding: bool, subtract: bool): u64 {
  const product = subtract ? -(a * b) : a * b;
  const round: i64 = rounding ? <i64>1 << <i64>(bits - 2) : 0;
  return satSigned(d + ((product + round) >> <i64>(bits - 1)), bits);
}

/** SQDMULL: SignedSatQ(2ab, 2 × bits) for `bits` 16 or 32. */
export function doublingMultiplyLong(a: i64, b: i64, bits: u32): u64 {
  const product = a * b;
  if (bits == 32 && product == <i64>1 << 62) return signedLimit(false, 64);
  return satSigned(product << 1, bits << 1);
}
