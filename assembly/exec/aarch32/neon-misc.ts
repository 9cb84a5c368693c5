// Advanced SIMD integer data processing, the groups with bit 23 and bit 4 clear (A32
// layout; neon-integer.ts dispatches): two registers miscellaneous (VREV16/32/64,
// VPADDL, VPADAL, VCLS, VCLZ, VCNT, VMVN, VQABS, VQNEG, VCGT/VCGE/VCEQ/VCLE/VCLT #0,
// VABS, VNEG, VSWP, VTRN, VUZP, VZIP, VMOVN, VQMOVN, VQMOVUN, VSHLL by the lane size),
// VEXT, VTBL/VTBX and VDUP (scalar); the three-registers-of-different-lengths and
// by-scalar groups are in neon-long.ts. The floating-point forms are ALU_NOT_MINE.
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import {
  dLo, dHi, nLo, nHi, mLo, mHi, vd, vn, vm, dAddress, loadOperands, storeResult, laneBits, laneMask, laneCount, laneOf,
  signed, setLane, setResult, saturate,
} from "./neon-lanes";
import { neonLong } from "./neon-long";

/** Leading sign bits (not counting the sign) of a lane (VCLS). */
function leadingSignBits(value: u64, size: u32): u64 {
  const bits = <u64>laneBits(size);
  const v = <u64>signed(value, size);
  const x = <i64>v < 0 ? ~v : v;
  return <u64>clz<u64>(x) - (64 - bits) - 1;
}

/** One lane of the A = 00 and A = 01 operations of the two-registers-miscellaneous group. */
function miscLane(a: u32, opc: u32, size: u32, value: u64): u64 {
  const s = signed(value, size);
  if (a == 0) {
    switch (opc) {
      case 8: return leadingSignBits(value, size);
      case 9: return <u64>clz<u64>(value) - <u64>(64 - laneBits(size));
      case 10: return <u64>popcnt<u64>(value);
      case 11: return ~value;
      case 14: return saturate(s < 0 ? -s : s, size, false);
      default: return saturate(-s, size, false); // 15 VQNEG
    }
  }
  switch (opc) {
    case 0: return s > 0 ? laneMask(size) : 0;
    case 1: return s >= 0 ? laneMask(size) : 0;
    case 2: return s == 0 ? laneMask(size) : 0;
    case 3: return s <= 0 ? laneMask(size) : 0;
    case 4: return s < 0 ? laneMask(size) : 0;
    case 6: return <u64>(s < 0 ? -s : s);
    default: return <u64>(-s); // 7 VNEG
  }
}

/** Lane i of Vd's lanes followed by Vm's (each `count` long). */
@inline function joined(size: u32, count: u32, i: u32): u64 {
  return i < count ? laneOf(dLo, dHi, size, i) : laneOf(mLo, mHi, size, i - count);
}

/** VSWP, VTRN, VUZP, VZIP: both Vd and Vm change. */
function permute(opc: u32, size: u32, q: u32, d: u32, m: u32): u32 {
  if (opc == 0 ? size != 0 : size == 3 || (opc > 1 && size == 2 && q == 0)) return ALU_NOT_MINE;
  loadOperands(d, d, m, q);
  const count = laneCount(size, q);
  if (opc == 0) {
    setResult(mLo, mHi); storeResult(d, q);
    setResult(dLo, dHi); storeResult(m, q);
    return ALU_DONE;
  }
  // New Vd, then new Vm, as lanes of the 2 × count joined sequence.
  for (let half: u32 = 0; half < 2; half++) {
    setResult(0, 0);
    for (let i: u32 = 0; i < count; i++) {
      const k = half * count + i; // position in the result sequence
      const from = opc == 1 ? transposeSource(half, i, count)
        : opc == 2 ? 2 * i + half // VUZP: the even lanes, then the odd ones
        : (k >> 1) + ((k & 1) != 0 ? count : 0); // VZIP: Vd and Vm lanes alternating
      setLane(size, i, joined(size, count, from));
    }
    storeResult(half == 0 ? d : m, q);
  }
  return ALU_DONE;
}

/** VTRN: where lane i of the new Vd (half 0) or Vm (half 1) comes from in the joined sequence. */
function transposeSource(half: u32, i: u32, count: u32): u32 {
  if (half == 0) return (i & 1) == 0 ? i : count + i - 1;
  return (i & 1) == 0 ? i + 1 : count + i;
}

/** The two-registers-miscellaneous group (bits 25:23 = 111, 21:20 = 11, bit 4 = 0 under U = 1). */
function twoRegisterMisc(word: u32): u32 {
  const size = (word >>> 18) & 3, a = (word >>> 16) & 3, opc = (word >>> 7) & 15, q = (word >>> 6) & 1;
  const d = vd(word), m = vm(word);
  if (a == 2) {
    if (opc < 4) {
      if (q != 0 && ((d | m) & 1) != 0) return ALU_NOT_MINE;
      return permute(opc, size, q, d, m);
    }
    if (opc > 6 || (opc == 6 && q != 0) || size == 3) return ALU_NOT_MINE;
    if (opc == 6) { // VSHLL by the lane size: Qd from Dm
      if ((d & 1) != 0) return ALU_NOT_MINE;
      loadOperands(d, m, m, 0);
      for (let i: u32 = 0; i < (8 >> size); i++) setLane(size + 1, i, laneOf(mLo, 0, size, i) << <u64>laneBits(size));
      storeResult(d, 1);
      return ALU_DONE;
    }
    // VMOVN (opc 4, bit 6 clear), VQMOVUN (opc 4, set), VQMOVN .S (opc 5, clear) and .U (set): Dd from Qm
    if ((m & 1) != 0) return ALU_NOT_MINE;
    loadOperands(d, m, m, 1);
    const wide = size + 1;
    for (let i: u32 = 0; i < (8 >> size); i++) {
      const lane = laneOf(mLo, mHi, wide, i);
      let value = lane;
      if (opc == 5 && q != 0) value = wide == 3 ? (lane > 0xffff_ffff ? saturate(<i64>0x1_0000_0000, 2, true) : lane) : saturate(<i64>lane, size, true);
      else if (opc == 5 || q != 0) value = saturate(signed(lane, wide), size, q != 0 && opc == 4);
      setLane(size, i, value);
    }
    storeResult(d, 0);
    return ALU_DONE;
  }
  if (a == 3 || (a == 1 && (opc > 7 || opc == 5)) || (q != 0 && ((d | m) & 1) != 0)) return ALU_NOT_MINE; // the floating-point forms
  if (a == 0 && (opc == 3 || opc == 6 || opc == 7)) return ALU_NOT_MINE; // AESE … and VCVT forms
  if (a == 0 && opc < 3) { // VREV64 VREV32 VREV16: lanes reversed within 64-, 32-, 16-bit groups
    if (size + opc >= 3) return ALU_NOT_MINE;
    loadOperands(d, m, m, q);
    const flip: u32 = (8 >> (size + opc)) - 1;
    for (let i: u32 = 0; i < laneCount(size, q); i++) setLane(size, i, laneOf(mLo, mHi, size, i ^ flip));
    storeResult(d, q);
    return ALU_DONE;
  }
  if (a == 0 && (opc == 4 || opc == 5 || opc == 12 || opc == 13)) { // VPADDL, VPADAL (bit 7: unsigned)
    if (size == 3) return ALU_NOT_MINE;
    loadOperands(d, m, m, q);
    const unsigned = (opc & 1) != 0;
    const count = laneCount(size + 1, q);
    for (let i: u32 = 0; i < count; i++) {
      const x = laneOf(mLo, mHi, size, 2 * i), y = laneOf(mLo, mHi, size, 2 * i + 1);
      const sum = unsigned ? x + y : <u64>(signed(x, size) + signed(y, size));
      setLane(size + 1, i, opc >= 12 ? laneOf(dLo, dHi, size + 1, i) + sum : sum);
    }
    storeResult(d, q);
    return ALU_DONE;
  }
  if ((a == 0 && ((opc == 10 && size != 0) || (opc == 11 && size != 0) || size == 3)) || (a == 1 && size == 3)) return ALU_NOT_MINE;
  loadOperands(d, m, m, q);
  if (a == 0 && opc == 11) {
    setResult(~mLo, q != 0 ? ~mHi : 0);
  } else {
    for (let i: u32 = 0; i < laneCount(size, q); i++) setLane(size, i, miscLane(a, opc, size, laneOf(mLo, mHi, size, i)));
  }
  storeResult(d, q);
  return ALU_DONE;
}

/** Byte i of the bytes of Vn followed by Vm (VEXT), D (q = 0) or Q. */
@inline function extractByte(q: u32, i: u32): u64 {
  const count: u32 = 8 << q;
  return i < count ? laneOf(nLo, nHi, 0, i) : laneOf(mLo, mHi, 0, i - count);
}

/** VEXT: bytes imm4 … of Vn:Vm (Vn lowest). */
function extract(word: u32): u32 {
  const q = (word >>> 6) & 1, imm4 = (word >>> 8) & 15;
  const d = vd(word), n = vn(word), m = vm(word);
  if ((q == 0 && imm4 > 7) || (q != 0 && ((d | n | m) & 1) != 0)) return ALU_NOT_MINE;
  loadOperands(d, n, m, q);
  for (let i: u32 = 0; i < (8 << q); i++) setLane(0, i, extractByte(q, imm4 + i));
  storeResult(d, q);
  return ALU_DONE;
}

/** VTBL (out-of-range index: 0) and VTBX (out-of-range index: Dd's byte kept), a table of 1-4 D registers from Vn. */
function tableLookup(word: u32): u32 {
  const length = ((word >>> 8) & 3) + 1, extension = (word & 0x40) != 0;
  const d = vd(word), n = vn(word), m = vm(word);
  if (n + length > 32) return ALU_NOT_MINE;
  loadOperands(d, n, m, 0);
  for (let i: u32 = 0; i < 8; i++) {
    const index = <u32>laneOf(mLo, 0, 0, i);
    const value: u64 = index < length * 8 ? <u64>load<u8>(dAddress(n) + index) : extension ? laneOf(dLo, 0, 0, i) : 0;
    setLane(0, i, value);
  }
  storeResult(d, 0);
  return ALU_DONE;
}

/** VDUP (scalar): imm4 xxx1 a byte lane, xx10 a halfword, x100 a word. */
function duplicateScalar(word: u32): u32 {
  const imm4 = (word >>> 16) & 15, q = (word >>> 6) & 1;
  const d = vd(word), m = vm(word);
  const size: u32 = (imm4 & 1) != 0 ? 0 : (imm4 & 2) != 0 ? 1 : (imm4 & 4) != 0 ? 2 : 3;
  if (size == 3 || (q != 0 && (d & 1) != 0)) return ALU_NOT_MINE;
  loadOperands(d, m, m, 0);
  const value = laneOf(mLo, 0, size, imm4 >> (size + 1));
  for (let i: u32 = 0; i < laneCount(size, q); i++) setLane(size, i, value);
  storeResult(d, q);
  return ALU_DONE;
}

/** The groups with bit 23 set and bit 4 clear: ALU_DONE (pc not set) or ALU_NOT_MINE. */
export function neonMisc(word: u32): u32 {
  if ((word & 0x0030_0000) != 0x0030_0000) return neonLong(word); // three registers of different lengths, by scalar
  if ((word & 0x0100_0000) == 0) return extract(word);
  const b = (word >>> 8) & 15;
  if (b < 8) return twoRegisterMisc(word);
  if (b < 12) return tableLookup(word);
  if (b == 12) return duplicateScalar(word);
  return ALU_NOT_MINE;
}
