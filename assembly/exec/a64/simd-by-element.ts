// Advanced SIMD integer multiplies by element (ARM ARM C4.1.95 "vector x indexed
// element"), vector and scalar: MUL, MLA, MLS, SMULL/UMULL, SMLAL/UMLAL, SMLSL/UMLSL,
// SQDMULL, SQDMLAL, SQDMLSL, SQDMULH, SQRDMULH, SQRDMLAH, SQRDMLSH; and SQRDMLAH/SQRDMLSH
// (vector and scalar, FEAT_RDM) from the three-same-extra group. The element is
// Vm.H[H:L:M] (Vm one of V0-V15) or Vm.S[H:L] (M:Rm). Floating-point and dot-product
// forms are ALU_NOT_MINE.
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { ALU_UNDEFINED } from "./operands";
import { lane, resultFrom, setLane, writeResult } from "./simd-lanes";
import { beginSaturation, endSaturation, addSigned, doublingMultiplyHigh, doublingMultiplyLong } from "./simd-saturate";

const NO_REGISTER: u32 = 32;

// Opcodes (bits 15:12) with U, as U << 4 | opcode.
const MLA: u32 = 0x10, MLS: u32 = 0x14, MUL: u32 = 0x08;
const SQDMULH: u32 = 0x0c, SQRDMULH: u32 = 0x0d, SQRDMLAH: u32 = 0x1d, SQRDMLSH: u32 = 0x1f;
const SQDMLAL: u32 = 0x03, SQDMLSL: u32 = 0x07, SQDMULL: u32 = 0x0b;

/** Whether `op` (U << 4 | opcode) is an integer multiply by element: 1 same width, 2 long, 0 not. */
function formOf(op: u32, scalar: bool): u32 {
  switch (op) {
    case SQDMULH: case SQRDMULH: case SQRDMLAH: case SQRDMLSH: return 1;
    case SQDMLAL: case SQDMLSL: case SQDMULL: return 2;
    case MLA: case MLS: case MUL: return scalar ? 0 : 1;
    default: return !scalar && (op & 3) == 2 && (op & 15) != 0b1110 ? 2 : 0; // S/UMLAL 0010, S/UMLSL 0110, S/UMULL 1010
  }
}

/** One same-width lane: `a` from Vn, `b` the element, `d` the destination lane, all sign-extended. */
function sameWidthLane(op: u32, a: u64, b: u64, d: u64, bits: u32): u64 {
  switch (op) {
    case MUL: return a * b;
    case MLA: return d + a * b;
    case MLS: return d - a * b;
    case SQDMULH: return doublingMultiplyHigh(0, <i64>a, <i64>b, bits, false, false);
    case SQRDMULH: return doublingMultiplyHigh(0, <i64>a, <i64>b, bits, true, false);
    default: return doublingMultiplyHigh(<i64>d, <i64>a, <i64>b, bits, true, op == SQRDMLSH);
  }
}

/** One long lane (2 × bits wide): `a`, `b` extended by the signedness of the operation. */
function longLane(op: u32, a: u64, b: u64, d: u64, bits: u32): u64 {
  const opcode = op & 15;
  if (opcode == 0b1010) return a * b; // SMULL, UMULL
  if (opcode == 0b0010) return d + a * b; // SMLAL, UMLAL
  if (opcode == 0b0110) return d - a * b; // SMLSL, UMLSL
  const product = doublingMultiplyLong(<i64>a, <i64>b, bits);
  return op == SQDMULL ? product : addSigned(<i64>d, <i64>product, bits << 1, op == SQDMLSL);
}

/**
 * Runs `op` over the lanes of Vn (the upper half for Q in the long forms) with the
 * lanes of Vm, or with Vm's element `index` when `index` >= 0.
 */
function multiply(op: u32, form: u32, size: u32, q: bool, scalar: bool, rd: u32, rn: u32, rm: u32, index: i32): void {
  const bytes: u32 = 1 << size;
  const bits = bytes << 3;
  const isSigned = (op & 0x10) == 0 || form == 1; // the U forms of the long multiplies are unsigned
  const long = form == 2;
  const lanes: u32 = scalar ? 1 : long ? 8 / bytes : (q ? 16 : 8) / bytes;
  const part: u32 = long && q ? lanes : 0;
  beginSaturation();
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(rn, i + part, bytes, isSigned);
    const b = lane(rm, index >= 0 ? <u32>index : i + part, bytes, isSigned);
    if (long) setLane(i, bytes << 1, longLane(op, a, b, lane(rd, i, bytes << 1, true), bits));
    else setLane(i, bytes, sameWidthLane(op, a, b, lane(rd, i, bytes, true), bits));
  }
  writeResult(rd, long ? !scalar : q);
  endSaturation();
}

function byElement(word: u32, scalar: bool): u32 {
  const op = ((word >>> 25) & 0x10) | ((word >>> 12) & 15);
  const form = formOf(op, scalar);
  if (form == 0) return ALU_NOT_MINE;
  const size = (word >>> 22) & 3;
  if (size == 0 || size == 3) return ALU_UNDEFINED;
  const h = (word >>> 11) & 1, l = (word >>> 21) & 1, m = (word >>> 20) & 1;
  const index = size == 1 ? (h << 2) | (l << 1) | m : (h << 1) | l;
  const rm = size == 1 ? (word >>> 16) & 15 : (word >>> 16) & 31;
  multiply(op, form, size, (word & 0x4000_0000) != 0 && !scalar, scalar, word & 31, (word >>> 5) & 31, rm, <i32>index);
  return ALU_DONE;
}

/** SQRDMLAH / SQRDMLSH (vector and scalar) from the three-same-extra group. */
function roundingDoublingAccumulate(word: u32, scalar: bool): u32 {
  const opcode = (word >>> 11) & 15;
  if ((word & 0x2000_0000) == 0 || opcode > 1) return ALU_NOT_MINE;
  const size = (word >>> 22) & 3;
  if (size == 0 || size == 3) return ALU_UNDEFINED;
  const op = opcode == 0 ? SQRDMLAH : SQRDMLSH;
  multiply(op, 1, size, (word & 0x4000_0000) != 0 && !scalar, scalar, word & 31, (word >>> 5) & 31, (word >>> 16) & 31, -1);
  return ALU_DONE;
}

/** The by-element multiplies and SQRDMLAH/SQRDMLSH, or ALU_NOT_MINE. */
export function a64SimdByElement(word: u32): u32 {
  if ((word & 0x9f00_0400) == 0x0f00_0000) return byElement(word, false);
  if ((word & 0xdf00_0400) == 0x5f00_0000) return byElement(word, true);
  if ((word & 0x9f20_8400) == 0x0e00_8400) return roundingDoublingAccumulate(word, false);
  if ((word & 0xdf20_8400) == 0x5e00_8400) return roundingDoublingAccumulate(word, true);
  return ALU_NOT_MINE;
}
