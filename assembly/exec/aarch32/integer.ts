// The integer operations A32 and T32 encode differently but compute alike: extends
// (with rotation and accumulate, the 16-bit-lane forms too), byte and bit reversals,
// bit-field extract and insert, divides and the long multiplies.
import { rRead, rWrite } from "../a32-loadstore";
import { setNZ64 } from "./flags";

/** Extend kinds: the A32 media op (bits 22:20) and Thumb-2's (hw1 bits 6:4) name them differently. */
export const EXTEND_SB16: u32 = 0;
export const EXTEND_SB: u32 = 1;
export const EXTEND_SH: u32 = 2;
export const EXTEND_UB16: u32 = 3;
export const EXTEND_UB: u32 = 4;
export const EXTEND_UH: u32 = 5;

/** SXTB/UXTB/SXTH/UXTH/SXTB16/UXTB16 of ROR(m, rotation), added to `n` (the -A forms; 0 for the plain ones). */
export function extend(kind: u32, n: u32, m: u32, rotation: u32): u32 {
  const rotated = rotr<u32>(m, rotation);
  switch (kind) {
    case EXTEND_SB: return n + <u32>(<i32>(<i8>rotated));
    case EXTEND_SH: return n + <u32>(<i32>(<i16>rotated));
    case EXTEND_UB: return n + (rotated & 0xff);
    case EXTEND_UH: return n + (rotated & 0xffff);
    case EXTEND_SB16: {
      const low = (n + <u32>(<i32>(<i8>rotated))) & 0xffff;
      return low | (((n >>> 16) + <u32>(<i32>(<i8>(rotated >>> 16)))) << 16);
    }
    default: { // EXTEND_UB16
      const low = (n + (rotated & 0xff)) & 0xffff;
      return low | (((n >>> 16) + ((rotated >>> 16) & 0xff)) << 16);
    }
  }
}

/** Reversals: REV, REV16, RBIT, REVSH. */
export const REVERSE_BYTES: u32 = 0;
export const REVERSE_HALVES: u32 = 1;
export const REVERSE_BITS: u32 = 2;
export const REVERSE_SIGNED_HALF: u32 = 3;

export function reverse(kind: u32, m: u32): u32 {
  if (kind == REVERSE_BYTES) return bswap<u32>(m);
  if (kind == REVERSE_HALVES) return ((m & 0x00ff_00ff) << 8) | ((m >>> 8) & 0x00ff_00ff);
  if (kind == REVERSE_SIGNED_HALF) return <u32>(<i32>(<i16>(((m & 0xff) << 8) | ((m >>> 8) & 0xff))));
  let v = m;
  v = ((v >>> 1) & 0x5555_5555) | ((v & 0x5555_5555) << 1);
  v = ((v >>> 2) & 0x3333_3333) | ((v & 0x3333_3333) << 2);
  v = ((v >>> 4) & 0x0f0f_0f0f) | ((v & 0x0f0f_0f0f) << 4);
  return bswap<u32>(v);
}

/** UBFX/SBFX: `width` (1-32) bits of `n` from `lsb`, zero- or sign-extended. */
export function extractField(n: u32, lsb: u32, width: u32, signed: bool): u32 {
  const up = 32 - width;
  const top = n << (up - lsb);
  return signed ? <u32>(<i32>top >> <i32>up) : top >>> up;
}

/** BFI/BFC: bits lsb..msb of `d` replaced by the low bits of `n`. */
export function insertField(d: u32, n: u32, lsb: u32, msb: u32): u32 {
  const mask = (0xffff_ffff >>> (31 - (msb - lsb))) << lsb;
  return (d & ~mask) | ((n << lsb) & mask);
}

/** SDIV/UDIV, rounding toward zero; a zero divisor gives 0 (no trap in the A profile), INT_MIN / -1 gives INT_MIN. */
export function divide(n: u32, m: u32, signed: bool): u32 {
  if (m == 0) return 0;
  if (!signed) return n / m;
  if (n == 0x8000_0000 && m == 0xffff_ffff) return n;
  return <u32>(<i32>n / <i32>m);
}

/** Long multiply kinds (A32 bits 23:21; Thumb-2 maps onto them). */
export const LONG_UMAAL: u32 = 2;
export const LONG_UMULL: u32 = 4;
export const LONG_UMLAL: u32 = 5;
export const LONG_SMULL: u32 = 6;
export const LONG_SMLAL: u32 = 7;

/** UMULL/UMLAL/SMULL/SMLAL/UMAAL of the values `n` and `m` into registers rdHi:rdLo; N and Z when asked. */
export function multiplyLong(kind: u32, rdLo: u32, rdHi: u32, n: u32, m: u32, setFlags: bool): void {
  const signed = kind >= LONG_SMULL;
  let product: u64 = signed ? <u64>(<i64>(<i32>n) * <i64>(<i32>m)) : <u64>n * <u64>m;
  const lo = <u64>rRead(rdLo, 0);
  const hi = <u64>rRead(rdHi, 0);
  if (kind == LONG_UMAAL) product += lo + hi;
  else if (kind == LONG_UMLAL || kind == LONG_SMLAL) product += (hi << 32) | lo;
  rWrite(rdLo, <u32>product);
  rWrite(rdHi, <u32>(product >> 32));
  if (setFlags) setNZ64(product);
}
