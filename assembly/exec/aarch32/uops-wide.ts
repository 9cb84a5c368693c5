// The 32-bit T32 forms of the AArch32 micro-op cache (uops.ts): BL, B.W, LDR/STR(B/H).W
// with a 12-bit or 8-bit immediate (writeback too), LDRD/STRD, data processing with a
// modified immediate or a shifted register, LSL/LSR/ASR/ROR.W by a register, ADR.W, the
// extends (SXTB/UXTB/SXTH/UXTH/SXTB16/UXTB16.W) and (uops-ordered.ts) the exclusives,
// LDA/STL and DMB/ISB. All but
// the branches and the plain loads and stores share the A32 ops; PC and SP operands (MOV
// and MVN's Rn aside) take the full path.
import {
  put, generic, SET_T32, NO_REGISTER, A_SET_FLAGS, POST_INDEX, WRITEBACK, T_B, T_BCOND, T_LOAD, T_STORE, A_DP_IMM,
  A_DP_IMM_ROTATED, A_DP_REG, A_DP_SHIFTED, A_DP_REG_SHIFTED, A_LOAD_WB, A_STORE_WB, A_LOAD_PAIR, A_STORE_PAIR,
  A_MOVW, A_MOVT, T_SIGNED, T_ADD_NOFLAGS,
} from "./uops";
import {
  A_BFX, A_CLZ, A_EXTEND, A_LOAD_PC_REG, A_MUL, A_MUL_LONG, A_LOAD_REG, A_STORE_REG, A_MULTIPLE, A_NOP, BFX_SIGNED, NO_ACCUMULATE, MUL_SUBTRACT,
  MUL_SIGNED, MUL_ACCUMULATE, MULTIPLE_UP, MULTIPLE_BEFORE, MULTIPLE_WRITEBACK, MULTIPLE_LOAD,
} from "./uops-more";
import { isBarrier, isT32Ordered, fillBarrier, fillT32Ordered } from "./uops-ordered";
import { thumbExpandImmediate, isTest, OP_MOV, OP_MVN, OP_ORN, OP_ADD, OP_SUB } from "./flags";
import { t32Opcode } from "./t32-wide";
import { extendKind } from "./a32-integer";

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
  } else if ((word & 0xf800_d000) == 0xf000_8000 && ((hw1 >>> 7) & 7) != 7) { // B<c>.W (cond 14, 15: other encodings)
    const s = (hw1 >>> 10) & 1;
    const offset = <u32>((<i32>((s << 20) | (((hw2 >>> 11) & 1) << 19) | (((hw2 >>> 13) & 1) << 18) | ((hw1 & 0x3f) << 12)
      | ((hw2 & 0x7ff) << 1)) << 11) >> 11);
    put(entry, word, SET_T32, T_BCOND, 0, 0, 0, offset, 0, (hw1 >>> 6) & 15);
  } else if ((hw1 & 0xff80) == 0xf880 && (hw1 & 0x60) != 0x60) {
    const rn = hw1 & 15;
    const rt = hw2 >>> 12;
    const size: u32 = 1 << ((hw1 >>> 5) & 3);
    if (rn == 15 || rt == 15 || (rt == 13 && size != 4)) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, (hw1 & 0x10) != 0 ? T_LOAD : T_STORE, rt, rn, NO_REGISTER, hw2 & 0xfff, size, 14);
  } else if ((hw1 & 0xff80) == 0xf800 && (hw1 & 0x60) != 0x60 && (hw2 & 0x0800) != 0) {
    fillT32Indexed(entry, word);
  } else if ((hw1 & 0xfe80) == 0xf800 && (hw1 & 0x60) != 0x60 && (hw2 & 0x0fc0) == 0) {
    fillT32RegisterOffset(entry, word);
  } else if ((hw1 & 0xfe40) == 0xe800 && ((hw1 >>> 7) & 3) != 0 && ((hw1 >>> 7) & 3) != 3) { // LDM/STM IA, DB
    fillT32Multiple(entry, word);
  } else if ((hw1 & 0xfb70) == 0xf240 && (hw2 & 0x8000) == 0) { // MOVW, MOVT (bit 7)
    const rd = (hw2 >>> 8) & 15;
    const imm16 = ((hw1 & 15) << 12) | (((hw1 >>> 10) & 1) << 11) | (((hw2 >>> 12) & 7) << 8) | (hw2 & 0xff);
    if (rd == 13 || rd == 15) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, (hw1 & 0x80) != 0 ? A_MOVT : A_MOVW, rd, 0, 0, imm16, 0, 14);
  } else if ((hw1 & 0xff70) == 0xf340 && (hw2 & 0x8020) == 0) { // SBFX, UBFX (bit 7)
    const rn = hw1 & 15;
    const rd = (hw2 >>> 8) & 15;
    const lsb = (((hw2 >>> 12) & 7) << 2) | ((hw2 >>> 6) & 3);
    const widthMinus1 = hw2 & 31;
    if (unusable(rn) || unusable(rd) || lsb + widthMinus1 > 31) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, A_BFX, rd, rn, 0, lsb, widthMinus1 | ((hw1 & 0x80) == 0 ? BFX_SIGNED : 0), 14);
  } else if ((hw1 & 0xfff0) == 0xfb00 && (hw2 & 0xe0) == 0) { // MUL, MLA, MLS (bit 4)
    fillT32Multiply(entry, word);
  } else if ((hw1 & 0xff90) == 0xfb80 && (hw2 & 0xf0) == 0) { // SMULL UMULL SMLAL UMLAL
    const rn = hw1 & 15;
    const lo = hw2 >>> 12;
    const hi = (hw2 >>> 8) & 15;
    const rm = hw2 & 15;
    if (unusable(rn) || unusable(lo) || unusable(hi) || unusable(rm) || lo == hi) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, A_MUL_LONG, lo, rn, rm, hi, ((hw1 & 0x20) == 0 ? MUL_SIGNED : 0) | ((hw1 & 0x40) != 0 ? MUL_ACCUMULATE : 0), 14);
  } else if ((hw1 & 0xfff0) == 0xfab0 && (hw2 & 0xf0f0) == 0xf080 && (hw1 & 15) == (hw2 & 15)) { // CLZ
    const rd = (hw2 >>> 8) & 15;
    if (unusable(rd) || unusable(hw2 & 15)) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, A_CLZ, rd, 0, hw2 & 15, 0, 0, 14);
  } else if (word == 0xf3af_8000) { // NOP.W
    put(entry, word, SET_T32, A_NOP, 0, 0, 0, 0, 0, 14);
  } else if (isBarrier(word, true)) {
    fillBarrier(entry, word, SET_T32);
  } else if (isT32Ordered(word)) {
    if (!fillT32Ordered(entry, word)) generic(entry, word, SET_T32);
  } else if ((hw1 & 0xfe40) == 0xe840 && (hw1 & 0x0120) != 0) { // LDRD, STRD (not the exclusives)
    fillT32Pair(entry, word);
  } else if ((hw1 & 0xfbff) == 0xf20f && (hw2 & 0x8000) == 0) { // ADR.W (ADDW Rd, PC, #imm12)
    const rd = (hw2 >>> 8) & 15;
    if (unusable(rd)) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, T_ADD_NOFLAGS, rd, 15, NO_REGISTER, (((hw1 >>> 10) & 1) << 11) | (((hw2 >>> 12) & 7) << 8) | (hw2 & 0xff), 0, 14);
  } else if ((hw1 & 0xff8f) == 0xfa0f && ((hw1 >>> 4) & 7) < 6 && (hw2 & 0xf0c0) == 0xf080) { // SXTH UXTH SXTB16 UXTB16 SXTB UXTB.W
    const rd = (hw2 >>> 8) & 15;
    const rm = hw2 & 15;
    if (unusable(rd) || unusable(rm)) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, A_EXTEND, rd, 0, rm, ((hw2 >>> 4) & 3) << 3, extendKind(a32ExtendOp((hw1 >>> 4) & 7)), 14);
  } else if ((hw1 & 0xfe00) == 0xea00 || (word & 0xfa00_8000) == 0xf000_0000) {
    fillT32DataProcessing(entry, word);
  } else if ((hw1 & 0xff80) == 0xfa00 && (hw2 & 0xf0f0) == 0xf000) { // LSL/LSR/ASR/ROR.W Rd, Rn, Rm
    const rn = hw1 & 15;
    const rd = (hw2 >>> 8) & 15;
    const rm = hw2 & 15;
    const setFlags: u32 = (hw1 & 0x10) != 0 ? A_SET_FLAGS : 0;
    if (unusable(rn) || unusable(rd) || unusable(rm)) generic(entry, word, SET_T32);
    else put(entry, word, SET_T32, A_DP_REG_SHIFTED, rd, 0, rn, rm, OP_MOV | setFlags | (((hw1 >>> 5) & 3) << 8), 14);
  } else {
    generic(entry, word, SET_T32);
  }
}

/** SP and PC: T32 operands the micro-ops leave to the full path (SP's own encodings, PC's reads and branches). */
/** The A32 media op (bits 22:20) of the T32 extend whose op (hw1 bits 6:4) is `op`, 0-5: SXTH UXTH SXTB16 UXTB16 SXTB UXTB. */
@inline function a32ExtendOp(op: u32): u32 {
  return op == 0 ? 3 : op == 1 ? 7 : op == 2 ? 0 : op == 3 ? 4 : op == 4 ? 2 : 6;
}

@inline function unusable(n: u32): bool {
  return n == 13 || n == 15;
}

/** LDR/STR(B/H), LDRSB/LDRSH.W Rt, [Rn, Rm, LSL #imm2]; the hints (Rt PC) and literal forms take the full path. */
function fillT32RegisterOffset(entry: usize, word: u32): void {
  const hw1 = word >>> 16;
  const rn = hw1 & 15;
  const rt = (word >>> 12) & 15;
  const rm = word & 15;
  const load = (hw1 & 0x10) != 0;
  const signed = (hw1 & 0x100) != 0;
  const size: u32 = 1 << ((hw1 >>> 5) & 3);
  if (rt == 15 && load && size == 4 && !signed && rn != 15 && !unusable(rm)) { // LDR.W PC, [Rn, Rm, LSL #imm2]: a jump table
    put(entry, word, SET_T32, A_LOAD_PC_REG, 15, rn, rm, (word >>> 4) & 3, 0, 14);
    return;
  }
  if (rn == 15 || unusable(rt) || unusable(rm) || (signed && (!load || size == 4))) {
    generic(entry, word, SET_T32);
    return;
  }
  put(entry, word, SET_T32, load ? A_LOAD_REG : A_STORE_REG, rt, rn, rm, (word >>> 4) & 3, size | (signed ? T_SIGNED : 0), 14);
}

/** LDM/STM(DB).W, PUSH.W and POP.W: at least two registers, never SP, not PC and LR both loaded, a stored PC or a written-back listed base. */
function fillT32Multiple(entry: usize, word: u32): void {
  const hw1 = word >>> 16;
  const rn = hw1 & 15;
  const list = word & 0xffff;
  const load = (hw1 & 0x10) != 0;
  const writeback = (hw1 & 0x20) != 0;
  const increment = ((hw1 >>> 7) & 3) == 1;
  if (rn == 15 || popcnt<u32>(list) < 2 || (list & 0x2000) != 0 || (load ? (list & 0xc000) == 0xc000 : (list & 0x8000) != 0)
    || (writeback && (list & (1 << rn)) != 0)) {
    generic(entry, word, SET_T32);
    return;
  }
  put(entry, word, SET_T32, A_MULTIPLE, 0, rn, 0, list, (increment ? MULTIPLE_UP : MULTIPLE_BEFORE)
    | (writeback ? MULTIPLE_WRITEBACK : 0) | (load ? MULTIPLE_LOAD : 0), 14);
}

/** MUL (Ra PC), MLA, MLS (bit 4). */
function fillT32Multiply(entry: usize, word: u32): void {
  const hw1 = word >>> 16;
  const rn = hw1 & 15;
  const ra = (word >>> 12) & 15;
  const rd = (word >>> 8) & 15;
  const rm = word & 15;
  const subtract = (word & 0x10) != 0;
  if (unusable(rn) || unusable(rd) || unusable(rm) || ra == 13 || (subtract && ra == 15)) {
    generic(entry, word, SET_T32);
    return;
  }
  put(entry, word, SET_T32, A_MUL, rd, rn, rm, ra == 15 ? NO_ACCUMULATE : ra, subtract ? MUL_SUBTRACT : 0, 14);
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
  if (rn == 15 || rt == 13 || rt == 15 || (writeback && rn == rt) || (pre && up && !writeback) || (!pre && !writeback)) {
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
  if (rn == 15 || unusable(rt) || unusable(rt2) || (writeback && (rn == rt || rn == rt2)) || (load && rt == rt2)) {
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
  const spBase = rn == 13 && (opcode == OP_ADD || opcode == OP_SUB); // ADD/SUB (SP plus ...) compute alike
  if (opcode > OP_ORN || (!test && unusable(rd)) || (!move && !spBase && unusable(rn)) || (shifted && unusable(hw2 & 15))) {
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
