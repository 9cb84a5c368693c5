// The Advanced SIMD integer forms beside simd-arith.ts that work on pairs of lanes, count
// bits or multiply polynomials (ARM ARM C4.1.95-): two-register misc SADDLP/UADDLP,
// SADALP/UADALP and CLS/CLZ, three same SMAXP/UMAXP/SMINP/UMINP and PMUL, three different
// PMULL/PMULL2 (8-bit lanes), and FEAT_DotProd's SDOT/UDOT (vector and by element: the
// model's FEAT_LSE128 and FEAT_LRCPC3 make it an Armv9.4 CPU, in which DotProd is
// mandatory). FEAT_PMULL (the 64-bit PMULL) comes only with FEAT_AES, which the model does
// not claim, so that size stays undefined. Returns ALU_DONE, ALU_UNDEFINED, or
// ALU_NOT_MINE for other opcodes.
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { ALU_UNDEFINED } from "./operands";
import { lane, resultFrom, setLane, writeResult, elementMask } from "./simd-lanes";

const NO_REGISTER: u32 = 32;

/** Carry-less (polynomial) product of the low 32 bits of `a` and `b`. */
function polynomialMultiply(a: u64, b: u64): u64 {
  let product: u64 = 0;
  for (let bit: u64 = 0; bit < 32; bit++) {
    if ((b >> bit) & 1) product ^= a << bit;
  }
  return product;
}

/** SADDLP/UADDLP (opcode 00010), SADALP/UADALP (00110): adjacent lanes summed into double-width lanes. */
function addLongPairwise(word: u32, accumulate: bool): u32 {
  const q = (word & 0x4000_0000) != 0;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  if (size == 3) return ALU_UNDEFINED;
  const rd = word & 31, rn = (word >>> 5) & 31;
  const bytes: u32 = 1 << size;
  const lanes: u32 = (q ? 8 : 4) >> size;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    let sum = lane(rn, i << 1, bytes, !u) + lane(rn, (i << 1) + 1, bytes, !u);
    if (accumulate) sum += lane(rd, i, bytes << 1, false);
    setLane(i, bytes << 1, sum);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** CLS (U = 0) and CLZ (U = 1) of each lane. */
function countLeading(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  if (size == 3) return ALU_UNDEFINED;
  const rd = word & 31, rn = (word >>> 5) & 31;
  const bytes: u32 = 1 << size;
  const bits = bytes << 3;
  const lanes: u32 = (q ? 16 : 8) >> size;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const value = lane(rn, i, bytes, false);
    // CLS counts the leading zeros of value[bits-1:1] XOR value[bits-2:0], a (bits - 1)-bit field.
    const count = u ? clz<u64>(value) - <u64>(64 - bits) : clz<u64>((value ^ (value >> 1)) & (elementMask(bytes) >> 1)) - <u64>(65 - bits);
    setLane(i, bytes, count);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** SMAXP/UMAXP (opcode 10100), SMINP/UMINP (10101): the larger or smaller of adjacent lanes of Vn:Vm. */
function minMaxPairwise(word: u32, max: bool): u32 {
  const q = (word & 0x4000_0000) != 0;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  if (size == 3) return ALU_UNDEFINED;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const bytes: u32 = 1 << size;
  const lanes: u32 = (q ? 16 : 8) >> size;
  const half = lanes >> 1;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const source = i < half ? rn : rm;
    const pair = (i < half ? i : i - half) << 1;
    const a = lane(source, pair, bytes, !u), b = lane(source, pair + 1, bytes, !u);
    const aAbove = u ? a > b : <i64>a > <i64>b;
    setLane(i, bytes, aAbove == max ? a : b);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** PMUL: the low 8 bits of the polynomial product of each byte lane (size 0 only). */
function polynomialMultiplyBytes(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  if (((word >>> 22) & 3) != 0) return ALU_UNDEFINED;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const lanes: u32 = q ? 16 : 8;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) setLane(i, 1, polynomialMultiply(lane(rn, i, 1, false), lane(rm, i, 1, false)));
  writeResult(rd, q);
  return ALU_DONE;
}

/** PMULL/PMULL2 with 8-bit lanes: 16-bit polynomial products of the lower (Q = 0) or upper half. */
function polynomialMultiplyLong(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  if ((word & 0x2000_0000) != 0 || ((word >>> 22) & 3) != 0) return ALU_UNDEFINED; // size 3 is FEAT_PMULL
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const part: u32 = q ? 8 : 0;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < 8; i++) setLane(i, 2, polynomialMultiply(lane(rn, i + part, 1, false), lane(rm, i + part, 1, false)));
  writeResult(rd, true);
  return ALU_DONE;
}

/**
 * SDOT/UDOT: each 32-bit lane of Vd plus the four products of the bytes of the same lane of
 * Vn and of Vm's lane (vector) or of Vm's 32-bit element `index` (by element, index >= 0).
 */
function dotProduct(word: u32, rm: u32, index: i32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const u = (word & 0x2000_0000) != 0;
  if (((word >>> 22) & 3) != 2) return ALU_UNDEFINED;
  const rd = word & 31, rn = (word >>> 5) & 31;
  const lanes: u32 = q ? 4 : 2;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const element: u32 = index < 0 ? i : <u32>index;
    let sum = lane(rd, i, 4, false);
    for (let k: u32 = 0; k < 4; k++) sum += lane(rn, (i << 2) + k, 1, !u) * lane(rm, (element << 2) + k, 1, !u);
    setLane(i, 4, sum);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** The vector groups handled here, or ALU_NOT_MINE. */
export function a64SimdPairwise(word: u32): u32 {
  if ((word & 0x9f3e_0c00) == 0x0e20_0800) { // two-register misc
    const opcode = (word >>> 12) & 31;
    if (opcode == 0b00010 || opcode == 0b00110) return addLongPairwise(word, opcode == 0b00110);
    if (opcode == 0b00100) return countLeading(word);
    return ALU_NOT_MINE;
  }
  if ((word & 0x9f20_0400) == 0x0e20_0400) { // three same
    const opcode = (word >>> 11) & 31;
    if (opcode == 0b10100 || opcode == 0b10101) return minMaxPairwise(word, opcode == 0b10100);
    if (opcode == 0b10011 && (word & 0x2000_0000) != 0) return polynomialMultiplyBytes(word);
    return ALU_NOT_MINE;
  }
  if ((word & 0x9f20_0c00) == 0x0e20_0000 && ((word >>> 12) & 15) == 0b1110) return polynomialMultiplyLong(word);
  if ((word & 0x9f20_fc00) == 0x0e00_9400) return dotProduct(word, (word >>> 16) & 31, -1); // three same extra, opcode 0010
  if ((word & 0x9f00_f400) == 0x0f00_e000) { // by element, opcode 1110: the index is H:L, Vm is M:Rm
    return dotProduct(word, (word >>> 16) & 31, <i32>(((word >>> 10) & 2) | ((word >>> 21) & 1)));
  }
  return ALU_NOT_MINE;
}
