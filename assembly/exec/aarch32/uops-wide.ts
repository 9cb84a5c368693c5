// The 32-bit T32 forms of the AArch32 micro-op cache (uops.ts): BL, B.W, LDR/STR(B/H).W
// with a 12-bit or 8-bit immediate (writeback too), LDRD/STRD, data processing with a
// modified immediate or a shifted register, and LSL/LSR/ASR/ROR.W by a register. All but
// the branches and the plain loads and stores share the A32 ops; PC and SP operands (MOV
// and MVN's Rn aside) take the full path.
import {
  put, generic, SET_T32, NO_REGISTER, A_SET_FLAGS, POST_INDEX, WRITEBACK, T_B, T_LOAD, T_STORE, A_DP_IMM,
  A_DP_IMM_ROTATED, A_DP_REG, A_DP_SHIFTED, A_DP_REG_SHIFTED, A_LOAD_WB, A_STORE_WB, A_LOAD_PAIR, A_STORE_PAIR,
} from "./uops";
import { thumbExpandImmediate, isTest, OP_MOV, OP_MVN, OP_ORN } from "./flags";
import { t32Opcode } from "./t32-wide";

/** Decodes the 32-bit `word` (first halfword high) into `entry`. */
export function fillT32Wide(entry: usize, word: u32): void {
  const hw1 = word >>> 16;
  const hw2 = word & 0xffff;
  if ((word & 0xf800_9000) == 0xf000_9000) { // B.W, BL (bit 14)
    const s = (hw1 >>> 10) & 1;
    const i1 = ~(((hw2 >>> 13) & 1) ^ s) & 1;
    const i2 = ~(((hw2 >>> 11) & 1) ^ s) & 1;
    const offset = <u32>((<i32>((s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3ff) << 12) | ((hw2 & 0x7ff) << 1)) << 7) >> 7);
    put(entry, word, SET_T32, T_B, 0, 0, 0, offset, (hw2 >>> 14) & 1, 14);
  } else if ((hw1 & 0xff80) == 0xf880 && (hw1 & 0x60) != 0x60) {
    const rn = hw1 & 15;
    const rt = hw2 >>> 12;
    const size: u32 = 1 << ((hw1 >>> 5) & 3);
    if (rn == 15 || rt == 15 || (rt == 13 && size != 4)) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, (hw1 & 0x10) != 0 ? T_LOAD : T_STORE, rt, rn, NO_REGISTER, hw2 & 0xfff, size, 14);
  } else if ((hw1 & 0xff80) == 0xf800 && (hw1 & 0x60) != 0x60 && (hw2 & 0x0800) != 0) {
    fillT32Indexed(entry, word);
  } else if ((hw1 & 0xfe40) == 0xe840 && (hw1 & 0x0120) != 0) { // LDRD, STRD (not the exclusives)
    fillT32Pair(entry, word);
  } else if ((hw1 & 0xfe00) == 0xea00 || (word & 0xfa00_8000) == 0xf000_0000) {
    fillT32DataProcessing(entry, word);
  } else if ((hw1 & 0xff80) == 0xfa00 && (hw2 & 0xf0f0) == 0xf000) { // LSL/LSR/ASR/ROR.W Rd, Rn, Rm
    const rn = hw1 & 15;
    const rd = (hw2 >>> 8) & 15;
    const rm = hw2 & 15;
    const setFlags: u32 = (hw1 & 0x10) != 0 ? A_SET_FLAGS : 0;
    if (rn >= 13 || rd >= 13 || rm >= 13) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, A_DP_REG_SHIFTED, rd, 0, rn, rm, OP_MOV | setFlags | (((hw1 >>> 5) & 3) << 8), 14);
  } else {
    generic(entry, word, SET_T32);
  }
}

/** LDR/STR(B/H) Rt, [Rn, #+/-imm8] with or without writeback (not the unprivileged forms). */
function fillT32Indexed(entry: usize, word: u32): void {
  const hw1 = word >>> 16;
  const rn = hw1 & 15;
  const rt = (word >>> 12) & 15;
  const size: u32 = 1 << ((hw1 >>> 5) & 3);
  const load = (hw1 & 0x10) != 0;
  const pre = (word & 0x400) != 0;
  const up = (word & 0x200) != 0;
  const writeback = (word & 0x100) != 0;
  const offset = up ? word & 0xff : -(word & 0xff);
  if (rn == 15 || rt >= 13 || (writeback && rn == rt) || (pre && up && !writeback) || (!pre && !writeback)) {
    generic(entry, word, SET_T32);
  } else if (!writeback) {
    put(entry, word, SET_T32, load ? T_LOAD : T_STORE, rt, rn, NO_REGISTER, offset, size, 14);
  } else {
    put(entry, word, SET_T32, load ? A_LOAD_WB : A_STORE_WB, rt, rn, 0, offset, size | (pre ? 0 : POST_INDEX), 14);
  }
}

/** LDRD/STRD Rt, Rt2, [Rn, #+/-imm8*4] (offset, pre- or post-indexed). */
function fillT32Pair(entry: usize, word: u32): void {
  const hw1 = word >>> 16;
  const rn = hw1 & 15;
  const rt = (word >>> 12) & 15;
  const rt2 = (word >>> 8) & 15;
  const load = (hw1 & 0x10) != 0;
  const post = (hw1 & 0x100) == 0;
  const writeback = (hw1 & 0x20) != 0;
  const offset = (word & 0xff) << 2;
  if (rn == 15 || rt >= 13 || rt2 >= 13 || (writeback && (rn == rt || rn == rt2)) || (load && rt == rt2)) {
    generic(entry, word, SET_T32);
    return;
  }
  put(entry, word, SET_T32, load ? A_LOAD_PAIR : A_STORE_PAIR, rt, rn, rt2, (hw1 & 0x80) != 0 ? offset : -offset,
    (post ? POST_INDEX : 0) | (writeback ? WRITEBACK : 0), 14);
}

/** Data processing with a modified immediate or a shifted register, as the A32 ops: no PC or SP operands but MOV/MVN's Rn. */
function fillT32DataProcessing(entry: usize, word: u32): void {
  const hw1 = word >>> 16;
  const hw2 = word & 0xffff;
  const setFlags = (hw1 & 0x10) != 0;
  const rn = hw1 & 15;
  const rd = (hw2 >>> 8) & 15;
  const opcode = t32Opcode((hw1 >>> 5) & 15, rd, rn, setFlags);
  const move = opcode == OP_MOV || opcode == OP_MVN;
  const test = opcode <= OP_ORN && isTest(opcode);
  const shifted = (hw1 & 0xfe00) == 0xea00;
  if (opcode > OP_ORN || (!test && rd >= 13) || (!move && rn >= 13) || (shifted && (hw2 & 15) >= 13)) {
    generic(entry, word, SET_T32);
    return;
  }
  const aux = opcode | (setFlags ? A_SET_FLAGS : 0);
  const first = move ? 0 : rn;
  const target = test ? 0 : rd;
  if (shifted) {
    const imm5 = (((hw2 >>> 12) & 7) << 2) | ((hw2 >>> 6) & 3);
    const type = (hw2 >>> 4) & 3;
    put(entry, word, SET_T32, type == 0 && imm5 == 0 ? A_DP_REG : A_DP_SHIFTED, target, first, hw2 & 15, imm5, aux | (type << 8), 14);
  } else {
    const imm12 = (((hw1 >>> 10) & 1) << 11) | (((hw2 >>> 12) & 7) << 8) | (hw2 & 0xff);
    put(entry, word, SET_T32, (imm12 & 0xc00) != 0 ? A_DP_IMM_ROTATED : A_DP_IMM, target, first, 0,
      thumbExpandImmediate(imm12, 0), aux, 14);
  }
}
