// The ISA's bit-exact conversions between single and double formats used by lfs
// and stfs (Power ISA 3.1, 4.6.2-4.6.3; QEMU's helper_todouble/helper_tosingle).
// Wasm's promote/demote would quiet signalling NaNs and round; these do neither.

/** DOUBLE(WORD): the 64-bit image lfs writes for a 32-bit single. */
export function singleToDouble(word: u32): u64 {
  const sign = <u64>(word >>> 31) << 63;
  const exponent = (word >>> 23) & 0xff;
  const fraction = <u64>(word & 0x7f_ffff);
  if (exponent != 0 || fraction == 0) {
    // Normal, zero, infinity, NaN: the exponent's top bit, then three copies of its complement.
    const top = <u64>((word >>> 30) & 1);
    const copies = top != 0 ? <u64>0 : <u64>7;
    const wideExponent = exponent == 0 ? <u64>0 : exponent == 0xff ? <u64>0x7ff : <u64>exponent + 896;
    const image = sign | (top << 62) | (copies << 59) | (<u64>(word & 0x3fff_ffff) << 29);
    return exponent == 0 || exponent == 0xff ? sign | (wideExponent << 52) | (fraction << 29) : image;
  }
  // Denormal single: normalise into a double.
  let wideExponent: i64 = -126;
  let mantissa = fraction;
  while ((mantissa & 0x80_0000) == 0) {
    mantissa <<= 1;
    wideExponent--;
  }
  return sign | (<u64>(wideExponent + 1023) << 52) | ((mantissa & 0x7f_ffff) << 29);
}

/** SINGLE(FRS): the 32-bit image stfs stores for a 64-bit double (no rounding). */
export function doubleToSingle(image: u64): u32 {
  const exponent = <u32>((image >> 52) & 0x7ff);
  if (exponent > 896) {
    // Representable (or Inf/NaN): the top two bits, then the exponent's low bits and fraction.
    return (<u32>(image >> 62) << 30) | <u32>((image >> 29) & 0x3fff_ffff);
  }
  // Zero or a single-precision denormal; below that range the ISA leaves the result
  // undefined and QEMU (so Unicorn) stores a signed zero, as this does.
  const sign = <u32>(image >> 63) << 31;
  if (exponent < 874) return sign;
  return sign | <u32>(((<u64>1 << 52) | (image & 0xf_ffff_ffff_ffff)) >> <u64>(896 + 30 - exponent));
}
