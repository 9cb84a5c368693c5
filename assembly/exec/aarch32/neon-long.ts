// Advanced SIMD integer data processing with lanes of two widths (A32 layout, bit 23
// set, bit 4 clear, size not 11; neon-misc.ts dispatches): three registers of different
// lengths (VADDL VADDW VSUBL VSUBW VADDHN VRADDHN VSUBHN VRSUBHN VABAL VABDL VMLAL
// VMLSL VMULL (.P8 too) VQDMLAL VQDMLSL VQDMULL) and two registers and a scalar (VMLA
// VMLS VMUL VMLAL VMLSL VMULL VQDMLAL VQDMLSL VQDMULL VQDMULH VQRDMULH; the F forms
// are ALU_NOT_MINE).
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import {
  dLo, dHi, nLo, nHi, mLo, mHi, vd, vn, vm, loadOperands, storeResult, laneBits, laneCount, laneOf, signed, setLane,
  saturate64, setSaturated,
} from "./neon-lanes";

/** Carry-less product of two bytes, 16 bits (VMULL.P8). */
function polynomialMultiplyLong(a: u64, b: u64): u64 {
  let result: u64 = 0;
  for (let i: u64 = 0; i < 8; i++) if (((b >> i) & 1) != 0) result ^= a << i;
  return result;
}

/** 2 × a × b of signed lanes of `size` (1 or 2), saturated to the double width (VQDMULL). */
function doublingProduct(a: u64, b: u64, size: u32): u64 {
  const x = signed(a, size), y = signed(b, size);
  const most = <i64>1 << (<i64>laneBits(size) - 1);
  if (x == -most && y == -most) {
    setSaturated();
    return size == 2 ? 0x7fff_ffff_ffff_ffff : 0x7fff_ffff;
  }
  return <u64>(2 * x * y);
}

/** `acc` ± `product` in lanes of 2 × `size` with signed saturation (VQDMLAL, VQDMLSL). */
function saturatingAccumulate(acc: u64, product: u64, size: u32, subtract: bool): u64 {
  if (size == 2) return saturate64(acc, product, subtract, false);
  const sum = subtract ? signed(acc, 2) - signed(product, 2) : signed(acc, 2) + signed(product, 2);
  if (sum > 0x7fff_ffff) { setSaturated(); return 0x7fff_ffff; }
  if (sum < -0x8000_0000) { setSaturated(); return 0x8000_0000; }
  return <u64>sum;
}

/** Three registers of different lengths: opc (bits 11:8) 0-13 (14: VMULL.P8/.P64; 15 not defined). */
function threeDifferent(word: u32): u32 {
  const u = (word >>> 24) & 1, size = (word >>> 20) & 3, opc = (word >>> 8) & 15;
  const d = vd(word), n = vn(word), m = vm(word);
  const unsigned = u != 0;
  const wideN = opc == 1 || opc == 3; // VADDW, VSUBW: Vn is a Q register
  const narrowing = opc == 4 || opc == 6; // the high halves: Vd is a D register
  const doubling = opc == 9 || opc == 11 || opc == 13;
  if (opc == 15 || (opc == 14 && (unsigned || size != 0)) || (doubling && (unsigned || size == 0))) return ALU_NOT_MINE;
  if ((!narrowing && (d & 1) != 0) || ((wideN || narrowing) && (n & 1) != 0) || (narrowing && (m & 1) != 0)) return ALU_NOT_MINE;
  loadOperands(d, n, m, 1);
  const wide = size + 1;
  const count: u32 = 8 >> size;
  for (let i: u32 = 0; i < count; i++) {
    if (narrowing) { // VADDHN VRADDHN (U) VSUBHN VRSUBHN (U): the high half of the wide sum or difference
      const a = laneOf(nLo, nHi, wide, i), b = laneOf(mLo, mHi, wide, i);
      const sum = (opc == 4 ? a + b : a - b) + (unsigned ? <u64>1 << (<u64>laneBits(size) - 1) : 0);
      setLane(size, i, sum >> <u64>laneBits(size));
      continue;
    }
    const a = wideN ? laneOf(nLo, nHi, wide, i) : laneOf(nLo, 0, size, i);
    const b = laneOf(mLo, 0, size, i);
    const x: i64 = wideN ? <i64>a : unsigned ? <i64>a : signed(a, size);
    const y: i64 = unsigned ? <i64>b : signed(b, size);
    const acc = laneOf(dLo, dHi, wide, i);
    let value: u64;
    switch (opc) {
      case 0: case 1: value = <u64>x + <u64>y; break; // VADDL VADDW
      case 2: case 3: value = <u64>x - <u64>y; break; // VSUBL VSUBW
      case 5: case 7: { // VABAL VABDL
        const difference = <u64>(x > y ? x - y : y - x);
        value = opc == 5 ? acc + difference : difference;
        break;
      }
      case 8: value = acc + <u64>(x * y); break; // VMLAL
      case 10: value = acc - <u64>(x * y); break; // VMLSL
      case 12: value = <u64>(x * y); break; // VMULL
      case 14: value = polynomialMultiplyLong(a, b); break; // VMULL.P8
      default: { // 9 VQDMLAL, 11 VQDMLSL, 13 VQDMULL
        const product = doublingProduct(a, b, size);
        value = opc == 13 ? product : saturatingAccumulate(acc, product, size, opc == 11);
      }
    }
    setLane(wide, i, value);
  }
  storeResult(d, narrowing ? 0 : 1);
  return ALU_DONE;
}

/** Two registers and a scalar: Vm is D0-D7 [index 0-3] for 16-bit lanes, D0-D15 [0-1] for 32-bit ones. */
function byScalar(word: u32): u32 {
  const q = (word >>> 24) & 1, size = (word >>> 20) & 3, opc = (word >>> 8) & 15;
  const d = vd(word), n = vn(word);
  const long = opc == 2 || opc == 3 || opc == 6 || opc == 7 || opc == 10 || opc == 11;
  const doubling = opc == 3 || opc == 7 || opc == 11 || opc == 12 || opc == 13;
  if (size == 0 || opc == 1 || opc == 5 || opc == 9 || opc >= 14 || (doubling && long && q != 0)) return ALU_NOT_MINE; // F forms
  if (long ? (d & 1) != 0 : q != 0 && ((d | n) & 1) != 0) return ALU_NOT_MINE;
  const m = size == 1 ? word & 7 : word & 15;
  const index = size == 1 ? (((word >>> 5) & 1) << 1) | ((word >>> 3) & 1) : (word >>> 5) & 1;
  const unsigned = long && q != 0; // bit 24 is U for the long forms, Q for the rest
  const qn: u32 = long ? 0 : q;
  loadOperands(d, n, m, long ? 1 : q);
  const scalar = laneOf(mLo, 0, size, index);
  const y: i64 = unsigned ? <i64>scalar : signed(scalar, size);
  const wide = long ? size + 1 : size;
  const count = long ? laneCount(size, 0) : laneCount(size, qn);
  for (let i: u32 = 0; i < count; i++) {
    const a = laneOf(nLo, long ? 0 : nHi, size, i);
    const x: i64 = unsigned ? <i64>a : signed(a, size);
    const acc = laneOf(dLo, dHi, wide, i);
    let value: u64;
    switch (opc) {
      case 0: case 2: value = acc + <u64>(x * y); break; // VMLA, VMLAL
      case 4: case 6: value = acc - <u64>(x * y); break; // VMLS, VMLSL
      case 8: case 10: value = <u64>(x * y); break; // VMUL, VMULL
      case 12: case 13: { // VQDMULH, VQRDMULH
        const most = <i64>1 << (<i64>laneBits(size) - 1);
        if (x == -most && y == -most) { setSaturated(); value = <u64>(most - 1); break; }
        value = <u64>((2 * x * y + (opc == 13 ? most : 0)) >> <i64>laneBits(size));
        break;
      }
      default: { // 3 VQDMLAL, 7 VQDMLSL, 11 VQDMULL
        const product = doublingProduct(a, scalar, size);
        value = opc == 11 ? product : saturatingAccumulate(acc, product, size, opc == 7);
      }
    }
    setLane(wide, i, value);
  }
  storeResult(d, long ? 1 : q);
  return ALU_DONE;
}

/** Bit 23 set, bit 4 clear, size (bits 21:20) not 11: ALU_DONE (pc not set) or ALU_NOT_MINE. */
export function neonLong(word: u32): u32 {
  return (word & 0x40) == 0 ? threeDifferent(word) : byScalar(word);
}
