// Advanced SIMD integer data processing, A32 (0xf2/0xf3 prefix) and T32 (0xef/0xff,
// turned into the A32 word): the three-registers-same-length group (VADD, VSUB, VMUL,
// VMLA, VMLS, VQADD, VQSUB, VHADD, VRHADD, VHSUB, VABD, VABA, VMAX, VMIN, VCGT, VCGE,
// VCEQ, VTST, VSHL, VRSHL, VQSHL, VQRSHL, VPADD, VPMAX, VPMIN, VQDMULH, VQRDMULH and the
// logical VAND, VBIC, VORR, VORN, VEOR, VBSL, VBIT, VBIF), the shifts by immediate
// (VSHR, VSRA, VRSHR, VRSRA, VSRI, VSHL, VSLI, VQSHL, VQSHLU, VSHRN, VRSHRN, VQSHRN,
// VQRSHRN, VQSHRUN, VQRSHRUN, VSHLL/VMOVL) and the modified immediates (VMOV, VMVN,
// VORR, VBIC). The other groups are in neon-misc.ts. The floating-point forms are
// ALU_NOT_MINE (an undefined-instruction exit), as are the encodings the architecture
// makes UNDEFINED (64-bit lanes of the operations that have none, odd Q registers, …).
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import {
  dLo, dHi, nLo, nHi, mLo, mHi, vd, vn, vm, loadOperands, storeResult, laneBits, laneMask, laneCount, laneOf, signed, setLane,
  setResult, saturate, saturate64, setSaturated,
} from "./neon-lanes";
import { neonMisc } from "./neon-misc";

/** An A32 Advanced SIMD data-processing word from a T32 one (111U 1111 … → 1111 001U …). */
@inline export function neonFromT32(word: u32): u32 {
  return 0xf200_0000 | ((word >>> 4) & 0x0100_0000) | (word & 0x00ff_ffff);
}

/** A lane of all ones when `holds`. */
@inline function mask(holds: bool, size: u32): u64 {
  return holds ? laneMask(size) : 0;
}

/** Carry-less product of two bytes, low 8 bits (VMUL.P8). */
function polynomialMultiply(a: u64, b: u64): u64 {
  let result: u64 = 0;
  for (let i: u64 = 0; i < 8; i++) if (((b >> i) & 1) != 0) result ^= a << i;
  return result & 0xff;
}

/**
 * VSHL, VRSHL, VQSHL, VQRSHL (register) of one lane of `size` (below 3): the shift is
 * the signed low byte of the Vn lane, left when positive, right (rounded for VRSHL and
 * VQRSHL) when negative.
 */
function shiftByRegister(value: u64, shiftByte: u64, size: u32, unsigned: bool, round: bool, saturating: bool): u64 {
  const shift = <i64><i8>shiftByte;
  const bits = <i64>laneBits(size);
  const v: i64 = unsigned ? <i64>value : signed(value, size);
  if (shift >= 0) {
    if (!saturating) return shift >= bits ? 0 : <u64>(v << shift);
    if (v == 0) return 0;
    if (shift >= bits) {
      setSaturated();
      return unsigned || v > 0 ? (unsigned ? laneMask(size) : laneMask(size) >> 1) : <u64>1 << (<u64>bits - 1);
    }
    return saturate(v << shift, size, unsigned);
  }
  const right = min<i64>(-shift, bits + 1);
  return <u64>((v + (round ? <i64>1 << (right - 1) : 0)) >> right);
}

/** shiftByRegister for 64-bit lanes (every shift guarded: Wasm takes 64-bit shift counts mod 64). */
function shiftByRegister64(value: u64, shiftByte: u64, unsigned: bool, round: bool, saturating: bool): u64 {
  const shift = <i32><i8>shiftByte;
  if (shift >= 0) {
    const shifted = shift >= 64 ? 0 : value << <u64>shift;
    if (!saturating || value == 0) return shifted;
    const back = shift >= 64 ? 0 : unsigned ? shifted >> <u64>shift : <u64>(<i64>shifted >> <i64>shift);
    if (back == value) return shifted;
    setSaturated();
    return unsigned ? 0xffff_ffff_ffff_ffff : <i64>value < 0 ? 0x8000_0000_0000_0000 : 0x7fff_ffff_ffff_ffff;
  }
  const right = -shift; // 1 … 128
  const fill: u64 = unsigned || <i64>value >= 0 ? 0 : 0xffff_ffff_ffff_ffff;
  if (right > 64) return round ? 0 : fill;
  const carry: u64 = round ? (value >> <u64>(right - 1)) & 1 : 0;
  if (right == 64) return fill + carry;
  return (unsigned ? value >> <u64>right : <u64>(<i64>value >> <i64>right)) + carry;
}

/** One lane of a non-pairwise three-same operation; `acc` the Vd lane. */
function sameLane(opc: u32, b: u32, u: u32, size: u32, a: u64, c: u64, acc: u64): u64 {
  const unsigned = u != 0;
  const sa: i64 = unsigned ? <i64>a : signed(a, size);
  const sc: i64 = unsigned ? <i64>c : signed(c, size);
  switch (opc) {
    case 0: return b == 0 ? <u64>((sa + sc) >> 1) : size == 3 ? saturate64(a, c, false, unsigned) : saturate(sa + sc, size, unsigned);
    case 1: return <u64>((sa + sc + 1) >> 1); // VRHADD
    case 2: return b == 0 ? <u64>((sa - sc) >> 1) : size == 3 ? saturate64(a, c, true, unsigned) : saturate(sa - sc, size, unsigned);
    case 3: return mask(b == 0 ? sa > sc : sa >= sc, size);
    case 4: case 5: return size == 3 ? shiftByRegister64(a, c, unsigned, opc == 5, b != 0) : shiftByRegister(a, c, size, unsigned, opc == 5, b != 0);
    case 6: return <u64>(b == 0 ? max(sa, sc) : min(sa, sc));
    case 7: { const difference = <u64>(sa > sc ? sa - sc : sc - sa); return b == 0 ? difference : acc + difference; }
    case 8: return b == 0 ? (unsigned ? a - c : a + c) : mask(unsigned ? a == c : (a & c) != 0, size);
    case 9: {
      if (b != 0) return unsigned ? polynomialMultiply(a, c) : a * c;
      return unsigned ? acc - a * c : acc + a * c;
    }
    default: { // 11, B = 0: VQDMULH (U = 0), VQRDMULH (U = 1), signed both
      const bits = <i64>laneBits(size);
      const most = <i64>1 << (bits - 1);
      const x = signed(a, size), y = signed(c, size);
      if (x == -most && y == -most) { setSaturated(); return <u64>(most - 1); }
      return <u64>((2 * x * y + (unsigned ? most : 0)) >> bits);
    }
  }
}

/** VPADD, VPMAX, VPMIN of two lanes. */
function pairLane(opc: u32, b: u32, u: u32, size: u32, a: u64, c: u64): u64 {
  if (opc == 11) return a + c;
  const sa: i64 = u != 0 ? <i64>a : signed(a, size);
  const sc: i64 = u != 0 ? <i64>c : signed(c, size);
  return <u64>(b == 0 ? max(sa, sc) : min(sa, sc));
}

/** VAND VBIC VORR VORN (U = 0) and VEOR VBSL VBIT VBIF (U = 1) on one doubleword. */
function logical(op: u32, d: u64, n: u64, m: u64): u64 {
  switch (op) {
    case 0: return n & m;
    case 1: return n & ~m;
    case 2: return n | m;
    case 3: return n | ~m;
    case 4: return n ^ m;
    case 5: return (n & d) | (m & ~d);
    case 6: return (n & m) | (d & ~m);
    default: return (d & m) | (n & ~m);
  }
}

/** Three registers of the same length (bit 23 clear). */
function threeSame(word: u32): u32 {
  const u = (word >>> 24) & 1, size = (word >>> 20) & 3, opc = (word >>> 8) & 15, b = (word >>> 4) & 1, q = (word >>> 6) & 1;
  const d = vd(word), n = vn(word), m = vm(word);
  if (q != 0 && ((d | n | m) & 1) != 0) return ALU_NOT_MINE;
  if (opc == 1 && b == 1) {
    loadOperands(d, n, m, q);
    const op = (u << 2) | size;
    setResult(logical(op, dLo, nLo, mLo), logical(op, dHi, nHi, mHi));
    storeResult(d, q);
    return ALU_DONE;
  }
  if (opc >= 12 || (opc == 11 && (b == 0 ? size == 0 || size == 3 : u != 0)) || (opc == 9 && b != 0 && u != 0 && size != 0)) return ALU_NOT_MINE;
  if (size == 3 && !(opc == 8 && b == 0) && !(opc == 0 && b == 1) && !(opc == 2 && b == 1) && opc != 4 && opc != 5) return ALU_NOT_MINE;
  const pairwise = opc == 10 || (opc == 11 && b == 1);
  if (pairwise && q != 0) return ALU_NOT_MINE;
  loadOperands(d, n, m, q);
  const count = laneCount(size, q);
  for (let i: u32 = 0; i < count; i++) {
    let value: u64;
    if (pairwise) {
      const half = count >> 1;
      const fromN = i < half;
      const j = (fromN ? i : i - half) << 1;
      value = pairLane(opc, b, u, size, laneOf(fromN ? nLo : mLo, 0, size, j), laneOf(fromN ? nLo : mLo, 0, size, j + 1));
    } else if (opc == 4 || opc == 5) { // the shifts by register shift Vm by Vn
      value = sameLane(opc, b, u, size, laneOf(mLo, mHi, size, i), laneOf(nLo, nHi, size, i), 0);
    } else {
      value = sameLane(opc, b, u, size, laneOf(nLo, nHi, size, i), laneOf(mLo, mHi, size, i), laneOf(dLo, dHi, size, i));
    }
    setLane(size, i, value);
  }
  storeResult(d, q);
  return ALU_DONE;
}

/** The 64-bit value of a modified immediate (cmode, op, abcdefgh), cmode 1111 excluded. */
function modifiedImmediate(cmode: u32, op: u32, imm8: u64): u64 {
  let lane: u64;
  switch (cmode >> 1) {
    case 0: case 1: case 2: case 3: lane = imm8 << (<u64>(cmode >> 1) << 3); return lane | (lane << 32);
    case 4: case 5: lane = imm8 << (<u64>((cmode >> 1) & 1) << 3); lane |= lane << 16; return lane | (lane << 32);
    case 6: lane = (cmode & 1) == 0 ? (imm8 << 8) | 0xff : (imm8 << 16) | 0xffff; return lane | (lane << 32);
    default: {
      if ((cmode & 1) == 0 && op == 0) return imm8 * 0x0101_0101_0101_0101;
      let bytes: u64 = 0; // cmode 1110 op 1: each bit of imm8 a byte of ones
      for (let i: u64 = 0; i < 8; i++) if (((imm8 >> i) & 1) != 0) bytes |= <u64>0xff << (i << 3);
      return bytes;
    }
  }
}

/** VMOV, VMVN, VORR, VBIC (immediate). */
function oneRegisterImmediate(word: u32): u32 {
  const cmode = (word >>> 8) & 15, op = (word >>> 5) & 1, q = (word >>> 6) & 1;
  const d = vd(word);
  if ((q != 0 && (d & 1) != 0) || (cmode == 15)) return ALU_NOT_MINE; // cmode 1111: VMOV.F32 (floating point)
  const imm8 = <u64>((((word >>> 24) & 1) << 7) | ((word >>> 12) & 0x70) | (word & 15));
  const value = modifiedImmediate(cmode, (cmode == 14 ? op : 0), imm8);
  const orr = (cmode & 1) != 0 && cmode < 12;
  loadOperands(d, d, d, q);
  if (!orr) {
    const result = op != 0 && cmode != 14 ? ~value : value; // VMVN
    setResult(result, q != 0 ? result : 0);
  } else {
    const bits = op != 0 ? ~value : value; // VBIC clears, VORR sets
    setResult(op != 0 ? dLo & bits : dLo | bits, op != 0 ? dHi & bits : dHi | bits);
  }
  storeResult(d, q);
  return ALU_DONE;
}

/** A lane of `size` shifted right by 1 … its width (64 at most), rounded if asked. */
function shiftRight(value: u64, size: u32, amount: u32, unsigned: bool, round: bool): u64 {
  const carry: u64 = round ? (value >> <u64>(amount - 1)) & 1 : 0;
  if (size == 3 && amount == 64) return (unsigned ? 0 : (<u64>(<i64>value >> 63))) + carry;
  const v = unsigned ? value : <u64>signed(value, size);
  return (unsigned ? v >> <u64>amount : <u64>(<i64>v >> <i64>amount)) + carry;
}

/** Two registers and a shift amount (bit 23 set, bit 4 set, not a modified immediate). */
function shiftImmediate(word: u32): u32 {
  const u = (word >>> 24) & 1, opc = (word >>> 8) & 15, l = (word >>> 7) & 1, q = (word >>> 6) & 1, op6 = (word >>> 6) & 1;
  const imm6 = (word >>> 16) & 63;
  const size: u32 = l != 0 ? 3 : imm6 >= 32 ? 2 : imm6 >= 16 ? 1 : 0;
  const bits = laneBits(size);
  const right = l != 0 ? 64 - imm6 : bits - (imm6 & (bits - 1)); // VSHR …: 1 … bits
  const left = l != 0 ? imm6 : imm6 & (bits - 1); //                  VSHL …: 0 … bits - 1
  const d = vd(word), m = vm(word);
  const unsigned = u != 0;
  if (opc >= 8) {
    if (opc > 10 || l != 0 || ((opc == 10 ? d : m) & 1) != 0) return ALU_NOT_MINE; // the Q operand must be even
    loadOperands(d, m, m, 1);
    if (opc == 10) { // VSHLL / VMOVL: D source lanes of `size` widened, then shifted left
      if (op6 != 0) return ALU_NOT_MINE;
      for (let i: u32 = 0; i < (8 >> size); i++) {
        const lane = laneOf(mLo, 0, size, i);
        setLane(size + 1, i, (unsigned ? lane : <u64>signed(lane, size)) << <u64>left);
      }
      storeResult(d, 1);
      return ALU_DONE;
    }
    // VSHRN VRSHRN (U 0, opc 8), VQSHRUN VQRSHRUN (U 1, opc 8), VQSHRN VQRSHRN (opc 9): Q source lanes of 2×`size`
    const wide = size + 1;
    const sourceSigned = !(opc == 9 && unsigned);
    const saturating = opc == 9 || unsigned;
    const unsignedResult = opc == 8 || unsigned;
    for (let i: u32 = 0; i < (8 >> size); i++) {
      const shifted = shiftRight(laneOf(mLo, mHi, wide, i), wide, right, !sourceSigned, op6 != 0);
      let value = shifted;
      if (saturating) {
        value = wide == 3 ? saturateWide(shifted, sourceSigned, unsignedResult)
          : saturate(sourceSigned ? signed(shifted, wide) : <i64>shifted, size, unsignedResult);
      }
      setLane(size, i, value);
    }
    storeResult(d, 0);
    return ALU_DONE;
  }
  if (q != 0 && ((d | m) & 1) != 0) return ALU_NOT_MINE;
  if ((opc == 4 && !unsigned) || (opc == 6 && !unsigned)) return ALU_NOT_MINE;
  loadOperands(d, m, m, q);
  const count = laneCount(size, q);
  for (let i: u32 = 0; i < count; i++) {
    const lane = laneOf(mLo, mHi, size, i);
    const acc = laneOf(dLo, dHi, size, i);
    let value: u64;
    switch (opc) {
      case 0: case 1: case 2: case 3: { // VSHR VSRA VRSHR VRSRA
        const shifted = shiftRight(lane, size, right, unsigned, (opc & 2) != 0);
        value = (opc & 1) != 0 ? acc + shifted : shifted;
        break;
      }
      case 4: { // VSRI
        const keep = right == 64 ? laneMask(size) : ~(laneMask(size) >> <u64>right) & laneMask(size);
        value = right == 64 ? acc : (acc & keep) | (lane >> <u64>right);
        break;
      }
      case 5: // VSHL (U 0), VSLI (U 1)
        value = unsigned ? (acc & ((<u64>1 << <u64>left) - 1)) | (lane << <u64>left) : lane << <u64>left;
        break;
      default: { // 6 VQSHLU (U 1), 7 VQSHL (U 0 signed, U 1 unsigned)
        const sourceSigned = opc == 6 || !unsigned;
        value = size == 3 ? shiftLeftSaturate64(lane, left, sourceSigned, opc == 6 || unsigned)
          : saturate((sourceSigned ? signed(lane, size) : <i64>lane) << left, size, opc == 6 || unsigned);
      }
    }
    setLane(size, i, value);
  }
  storeResult(d, q);
  return ALU_DONE;
}

/** A 64-bit lane narrowed to 32 bits with saturation: signed to signed or unsigned, or unsigned to unsigned. */
function saturateWide(value: u64, sourceSigned: bool, unsignedResult: bool): u64 {
  if (sourceSigned) return saturate(<i64>value, 2, unsignedResult);
  if (value > 0xffff_ffff) { setSaturated(); return 0xffff_ffff; }
  return value;
}

/** VQSHL/VQSHLU .64 by immediate. */
function shiftLeftSaturate64(value: u64, left: u32, sourceSigned: bool, unsignedResult: bool): u64 {
  if (sourceSigned && unsignedResult && <i64>value < 0) { setSaturated(); return 0; }
  const shifted = value << <u64>left;
  const back = sourceSigned && !unsignedResult ? <u64>(<i64>shifted >> <i64>left) : shifted >> <u64>left;
  if (back == value) return shifted;
  setSaturated();
  if (unsignedResult) return 0xffff_ffff_ffff_ffff;
  return <i64>value < 0 ? 0x8000_0000_0000_0000 : 0x7fff_ffff_ffff_ffff;
}

/**
 * Executes the A32 Advanced SIMD data-processing `word` (bits 31:25 = 1111001; a T32
 * one through neonFromT32): ALU_DONE (pc not set) or ALU_NOT_MINE.
 */
export function neonDataProcessing(word: u32): u32 {
  if ((word & 0x0080_0000) == 0) return threeSame(word);
  if ((word & 0x10) != 0) {
    if ((word & 0x0038_0080) == 0) return oneRegisterImmediate(word);
    return shiftImmediate(word);
  }
  return neonMisc(word);
}
