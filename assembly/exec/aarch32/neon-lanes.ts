// What the Advanced SIMD executors share: the extension registers (D n at CPU_VSR + 8n,
// little-endian and packed, so Q n is D 2n and D 2n+1 and S n is a word of D n/2), the
// operands of the instruction in flight as doublewords, lanes of those, saturation
// and FPSCR.QC. The operand and result words are module globals: per Wasm instance,
// so per vCPU thread.
import { CPU_VSR, CPU_FPSCR } from "../../layout";
import { record } from "../../machine";

export const FPSCR_QC: u32 = 1 << 27;

/** Vd, Vn, Vm (low and high doublewords; high is 0 for a D register) and the result. */
export let dLo: u64 = 0, dHi: u64 = 0, nLo: u64 = 0, nHi: u64 = 0, mLo: u64 = 0, mHi: u64 = 0;
export let rLo: u64 = 0, rHi: u64 = 0;

@inline export function dAddress(d: u32): usize {
  return record + CPU_VSR + (d << 3);
}

/** The D register number of a field: `high` (D, N or M bit) above the four bits at `at`. */
@inline export function dField(word: u32, high: u32, at: u32): u32 {
  return (((word >>> high) & 1) << 4) | ((word >>> at) & 15);
}

/** D:Vd, N:Vn, M:Vm of the A32 Advanced SIMD layout. */
@inline export function vd(word: u32): u32 { return dField(word, 22, 12); }
@inline export function vn(word: u32): u32 { return dField(word, 7, 16); }
@inline export function vm(word: u32): u32 { return dField(word, 5, 0); }

/** Reads D (q = 0) or Q (q = 1) registers d, n, m into the operand words. */
export function loadOperands(d: u32, n: u32, m: u32, q: u32): void {
  dLo = load<u64>(dAddress(d)); nLo = load<u64>(dAddress(n)); mLo = load<u64>(dAddress(m));
  dHi = q != 0 ? load<u64>(dAddress(d), 8) : 0;
  nHi = q != 0 ? load<u64>(dAddress(n), 8) : 0;
  mHi = q != 0 ? load<u64>(dAddress(m), 8) : 0;
  rLo = 0; rHi = 0;
}

/** Writes the result to D register d (q = 0) or the Q register at d (q = 1). */
export function storeResult(d: u32, q: u32): void {
  store<u64>(dAddress(d), rLo);
  if (q != 0) store<u64>(dAddress(d), rHi, 8);
}

/** Bits in a lane of `size` (0 bytes … 3 doublewords). */
@inline export function laneBits(size: u32): u32 { return 8 << size; }

/** All ones in a lane of `size`. */
@inline export function laneMask(size: u32): u64 { return size == 3 ? 0xffff_ffff_ffff_ffff : ((<u64>1 << (<u64>8 << size)) - 1); }

/** Lanes of `size` in a D (q = 0) or Q register. */
@inline export function laneCount(size: u32, q: u32): u32 { return (8 << q) >> size; }

/** Lane i (zero-extended) of the register (lo, hi). */
export function laneOf(lo: u64, hi: u64, size: u32, i: u32): u64 {
  const perWord: u32 = 8 >> size;
  const word = i < perWord ? lo : hi;
  return (word >> (<u64>(i % perWord) << (<u64>3 + size))) & laneMask(size);
}

/** `value`'s low lane of `size` sign-extended. */
@inline export function signed(value: u64, size: u32): i64 {
  const up = <u64>(64 - laneBits(size));
  return <i64>(value << up) >> up;
}

/** Sets lane i of the result to `value`'s low bits. */
export function setLane(size: u32, i: u32, value: u64): void {
  const perWord: u32 = 8 >> size;
  const shift = <u64>(i % perWord) << (<u64>3 + size);
  const bits = (value & laneMask(size)) << shift;
  const clear = ~(laneMask(size) << shift);
  if (i < perWord) rLo = (rLo & clear) | bits;
  else rHi = (rHi & clear) | bits;
}

/** Sets FPSCR.QC (a saturating operation saturated). */
export function setSaturated(): void {
  store<u32>(record + CPU_FPSCR, load<u32>(record + CPU_FPSCR) | FPSCR_QC);
}

/** `value` (a signed result wider than the lane, size < 3) saturated to a signed or unsigned lane of `size`. */
export function saturate(value: i64, size: u32, unsigned: bool): u64 {
  const bits = <i64>laneBits(size);
  const max: i64 = unsigned ? (<i64>1 << bits) - 1 : (<i64>1 << (bits - 1)) - 1;
  const min: i64 = unsigned ? 0 : -(<i64>1 << (bits - 1));
  if (value > max) { setSaturated(); return <u64>max; }
  if (value < min) { setSaturated(); return <u64>min; }
  return <u64>value;
}

/** Saturating 64-bit add or subtract (VQADD/VQSUB .64). */
export function saturate64(a: u64, b: u64, subtract: bool, unsigned: bool): u64 {
  const result = subtract ? a - b : a + b;
  if (unsigned) {
    if (!subtract && result < a) { setSaturated(); return 0xffff_ffff_ffff_ffff; }
    if (subtract && a < b) { setSaturated(); return 0; }
    return result;
  }
  const overflow = subtract ? ((a ^ b) & (a ^ result)) >> 63 : ((a ^ result) & (b ^ result)) >> 63;
  if (overflow == 0) return result;
  setSaturated();
  return (a >> 63) != 0 ? 0x8000_0000_0000_0000 : 0x7fff_ffff_ffff_ffff;
}

/** Sets the whole result. */
export function setResult(lo: u64, hi: u64): void {
  rLo = lo; rHi = hi;
}
