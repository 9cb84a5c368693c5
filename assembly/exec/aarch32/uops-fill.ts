// The AArch32 micro-op cache's decoding (uops.ts): an A32 word or a 16-bit T32 one into
// its entry (uops-wide.ts the 32-bit T32 ones, uops-more.ts the A32 forms it adds), or
// U_GENERIC for the full path.
import {
  put, generic, A_B, A_BX, A_LOAD_LITERAL, A_DP_IMM, A_DP_IMM_ROTATED, A_DP_REG, A_DP_REG_SHIFTED, A_DP_SHIFTED, A_LOAD, A_LOAD_PAIR,
  A_LOAD_WB, A_MOVT, A_MOVW, A_SET_FLAGS, A_STORE, A_STORE_PAIR, A_STORE_WB, NO_REGISTER, POST_INDEX, SET_A32, SET_T32,
  T_ADD, T_ADD_NOFLAGS, T_B, T_BCOND, T_BX, T_CBZ, T_EXTEND, T_IT, T_LOAD, T_MOV, T_MOVS, T_REGOP, T_SHIFT, T_SIGNED,
  T_STORE, T_SUB, WRITEBACK,
} from "./uops";
import { fillT32Wide } from "./uops-wide";
import { fillA32More, A_BLX_IMM, A_MULTIPLE, A_NOP, MULTIPLE_BEFORE, MULTIPLE_LOAD, MULTIPLE_UP, MULTIPLE_WRITEBACK } from "./uops-more";
import { isBarrier, fillBarrier } from "./uops-ordered";
import { EXTEND_SB, EXTEND_SH, EXTEND_UB, EXTEND_UH } from "./integer";

export function fillA32(entry: usize, word: u32): void {
  const cond = word >>> 28;
  const rn = (word >>> 16) & 15;
  const rd = (word >>> 12) & 15;
  const opcode = (word >>> 21) & 15;
  const setFlags: u32 = (word & 0x0010_0000) != 0 ? A_SET_FLAGS : 0;
  // TST/TEQ/CMP/CMN without S: the miscellaneous space (MOVW/MOVT, MSR, BX, ...).
  const miscellaneous = (word & 0x0190_0000) == 0x0100_0000;
  if (cond == 15) {
    if (isBarrier(word, false)) fillBarrier(entry, word, SET_A32);
    else if ((word & 0x0e00_0000) == 0x0a00_0000) { // BLX <imm>: PC + imm24:H:0
      put(entry, word, SET_A32, A_BLX_IMM, 0, 0, 0, <u32>((<i32>(word << 8)) >> 6) | ((word >>> 23) & 2), 0, 14);
    } else generic(entry, word, SET_A32);
  } else if ((word & 0x0e00_0000) == 0x0200_0000 && !miscellaneous && rd != 15) {
    const rotation = ((word >>> 8) & 15) << 1;
    put(entry, word, SET_A32, rotation == 0 ? A_DP_IMM : A_DP_IMM_ROTATED, rd, rn, 0, rotr<u32>(word & 0xff, rotation),
      opcode | setFlags, cond);
  } else if ((word & 0x0e00_0010) == 0 && !miscellaneous && rd != 15) {
    const type = (word >>> 5) & 3;
    const amount = (word >>> 7) & 31;
    const plain = type == 0 && amount == 0;
    put(entry, word, SET_A32, plain ? A_DP_REG : A_DP_SHIFTED, rd, rn, word & 15, amount, opcode | setFlags | (type << 8), cond);
  } else if ((word & 0x0e00_0090) == 0x0000_0010 && !miscellaneous && rd != 15 && rn != 15 && (word & 15) != 15
    && ((word >>> 8) & 15) != 15) { // Rm shifted by Rs
    put(entry, word, SET_A32, A_DP_REG_SHIFTED, rd, rn, word & 15, (word >>> 8) & 15, opcode | setFlags | (((word >>> 5) & 3) << 8), cond);
  } else if ((word & 0x0fb0_0000) == 0x0300_0000 && rd != 15) { // MOVW, MOVT (bit 22)
    const imm16 = ((word >>> 4) & 0xf000) | (word & 0xfff);
    put(entry, word, SET_A32, (word & 0x0040_0000) != 0 ? A_MOVT : A_MOVW, rd, 0, 0, imm16, 0, cond);
  } else if ((word & 0x0f20_0000) == 0x0500_0000 && rn != 15 && rd != 15) { // LDR/STR/LDRB/STRB, offset
    const offset = word & 0xfff;
    put(entry, word, SET_A32, (word & 0x0010_0000) != 0 ? A_LOAD : A_STORE, rd, rn, 0,
      (word & 0x0080_0000) != 0 ? offset : -offset, (word & 0x0040_0000) != 0 ? 1 : 4, cond);
  } else if ((word & 0x0f30_0000) == 0x0510_0000 && rn == 15 && rd != 15) { // LDR/LDRB literal
    const offset = word & 0xfff;
    put(entry, word, SET_A32, A_LOAD_LITERAL, rd, 15, 0, (word & 0x0080_0000) != 0 ? offset : -offset,
      (word & 0x0040_0000) != 0 ? 1 : 4, cond);
  } else if ((word & 0x0e00_0000) == 0x0400_0000 && rn != 15 && rd != 15 && rn != rd) { // the same, writeback
    const post = (word & 0x0100_0000) == 0;
    const offset = word & 0xfff;
    if (post == ((word & 0x0020_0000) != 0)) generic(entry, word, SET_A32); // LDRT/STRT and friends
    else put(entry, word, SET_A32, (word & 0x0010_0000) != 0 ? A_LOAD_WB : A_STORE_WB, rd, rn, 0,
      (word & 0x0080_0000) != 0 ? offset : -offset, ((word & 0x0040_0000) != 0 ? 1 : 4) | (post ? POST_INDEX : 0), cond);
  } else if ((word & 0x0e50_00d0) == 0x0040_00d0) { // LDRD, STRD (bit 5), immediate
    fillA32Pair(entry, word, cond);
  } else if ((word & 0x0e00_0000) == 0x0a00_0000) { // B, BL
    put(entry, word, SET_A32, A_B, 0, 0, 0, <u32>((<i32>(word << 8)) >> 6), (word >>> 24) & 1, cond);
  } else if ((word & 0x0fff_fff0) == 0x012f_ff10 && (word & 15) != 15) { // BX Rm
    put(entry, word, SET_A32, A_BX, 0, 0, word & 15, 0, 0, cond);
  } else if (!fillA32More(entry, word, cond)) {
    generic(entry, word, SET_A32);
  }
}

/** LDRD/STRD Rt, Rt+1, [Rn, #imm8] (offset, pre- or post-indexed); the UNPREDICTABLE choices take the full path. */
function fillA32Pair(entry: usize, word: u32, cond: u32): void {
  const rn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  const post = (word & 0x0100_0000) == 0;
  const writeback = post || (word & 0x0020_0000) != 0;
  const offset = ((word >>> 4) & 0xf0) | (word & 15);
  if (rn == 15 || (rt & 1) != 0 || rt == 14 || (post && (word & 0x0020_0000) != 0) || (writeback && (rn == rt || rn == rt + 1))) {
    generic(entry, word, SET_A32);
    return;
  }
  put(entry, word, SET_A32, (word & 0x20) != 0 ? A_STORE_PAIR : A_LOAD_PAIR, rt, rn, rt + 1,
    (word & 0x0080_0000) != 0 ? offset : -offset, (post ? POST_INDEX : 0) | (writeback ? WRITEBACK : 0), cond);
}

export function fillT32(entry: usize, word: u32): void {
  if (word > 0xffff) {
    fillT32Wide(entry, word);
    return;
  }
  const low = word & 7;
  const mid = (word >>> 3) & 7;
  const rdn = (word >>> 8) & 7;
  const imm8 = word & 0xff;
  const top5 = word >>> 11;
  if (top5 <= 2) {
    put(entry, word, SET_T32, T_SHIFT, low, 0, mid, (word >>> 6) & 31, top5, 14);
  } else if (top5 == 3) {
    const immediate = (word & 0x400) != 0;
    const rm = immediate ? NO_REGISTER : (word >>> 6) & 7;
    put(entry, word, SET_T32, (word & 0x200) != 0 ? T_SUB : T_ADD, low, mid, rm, (word >>> 6) & 7, 0, 14);
  } else if (top5 == 4) {
    put(entry, word, SET_T32, T_MOVS, rdn, 0, 0, imm8, 0, 14);
  } else if (top5 <= 7) { // CMP ADD SUB #imm8
    const op = top5 & 3;
    put(entry, word, SET_T32, op == 2 ? T_ADD : T_SUB, op == 1 ? NO_REGISTER : rdn, rdn, NO_REGISTER, imm8, 0, 14);
  } else if ((word >>> 10) == 0b010000) {
    put(entry, word, SET_T32, T_REGOP, low, 0, mid, 0, (word >>> 6) & 15, 14);
  } else if ((word >>> 10) == 0b010001) {
    fillT32Special(entry, word);
  } else if ((word >>> 11) == 0b01001) { // LDR Rt, [PC, #imm8]
    put(entry, word, SET_T32, T_LOAD, rdn, 15, NO_REGISTER, imm8 << 2, 4, 14);
  } else if ((word >>> 12) == 0b0101) { // loads and stores, register offset
    // op: STR STRH STRB LDRSB LDR LDRH LDRB LDRSH
    const op = (word >>> 9) & 7;
    const size: u32 = op == 0 || op == 4 ? 4 : op == 1 || op == 5 || op == 7 ? 2 : 1;
    const signed = op == 3 || op == 7 ? T_SIGNED : 0;
    put(entry, word, SET_T32, op <= 2 ? T_STORE : T_LOAD, low, mid, (word >>> 6) & 7, 0, size | signed, 14);
  } else if (word - 0x6000 < 0xa000 - 0x6000) { // LDR/STR/LDRB/STRB/LDRH/STRH (immediate, SP-relative)
    const group = word >>> 12;
    const spRelative = group == 9;
    const size: u32 = group == 7 ? 1 : group == 8 ? 2 : 4;
    const offset = spRelative ? imm8 << 2 : ((word >>> 6) & 31) * size;
    put(entry, word, SET_T32, (word & 0x0800) != 0 ? T_LOAD : T_STORE, spRelative ? rdn : low, spRelative ? 13 : mid,
      NO_REGISTER, offset, size, 14);
  } else if ((word >>> 11) == 0b10100) { // ADR
    put(entry, word, SET_T32, T_ADD_NOFLAGS, rdn, 15, NO_REGISTER, imm8 << 2, 0, 14);
  } else if ((word >>> 11) == 0b10101) { // ADD Rd, SP, #imm8
    put(entry, word, SET_T32, T_ADD_NOFLAGS, rdn, 13, NO_REGISTER, imm8 << 2, 0, 14);
  } else if ((word & 0xff00) == 0xb000) { // ADD/SUB SP, SP, #imm7
    const offset = (word & 0x7f) << 2;
    put(entry, word, SET_T32, T_ADD_NOFLAGS, 13, 13, NO_REGISTER, (word & 0x80) != 0 ? -offset : offset, 0, 14);
  } else if ((word & 0xff00) == 0xb200) { // SXTH SXTB UXTH UXTB
    const op = (word >>> 6) & 3;
    put(entry, word, SET_T32, T_EXTEND, low, 0, mid, 0, op == 0 ? EXTEND_SH : op == 1 ? EXTEND_SB : op == 2 ? EXTEND_UH : EXTEND_UB, 14);
  } else if ((word & 0xf500) == 0xb100) { // CBZ, CBNZ
    put(entry, word, SET_T32, T_CBZ, 0, low, 0, (((word >>> 9) & 1) << 6) | (((word >>> 3) & 31) << 1), (word >>> 11) & 1, 14);
  } else if ((word & 0xfe00) == 0xb400 && (word & 0x1ff) != 0) { // PUSH: STMDB SP!, M: LR
    put(entry, word, SET_T32, A_MULTIPLE, 0, 13, 0, (word & 0xff) | ((word & 0x100) << 6), MULTIPLE_BEFORE | MULTIPLE_WRITEBACK, 14);
  } else if ((word & 0xfe00) == 0xbc00 && (word & 0x1ff) != 0) { // POP: LDMIA SP!, P: PC
    put(entry, word, SET_T32, A_MULTIPLE, 0, 13, 0, (word & 0xff) | ((word & 0x100) << 7),
      MULTIPLE_UP | MULTIPLE_WRITEBACK | MULTIPLE_LOAD, 14);
  } else if (word == 0xbf00) {
    put(entry, word, SET_T32, A_NOP, 0, 0, 0, 0, 0, 14);
  } else if ((word & 0xff00) == 0xbf00 && (word & 15) != 0 && (word & 0xf0) != 0xf0 && ((word & 0xf0) != 0xe0 || (word & 15) == 8)) {
    put(entry, word, SET_T32, T_IT, 0, 0, 0, word & 0xff, 0, 14); // IT (not IT AL with an else, UNPREDICTABLE)
  } else if ((word >>> 12) == 0b1101 && ((word >>> 8) & 15) < 14) { // B<c>
    put(entry, word, SET_T32, T_BCOND, 0, 0, 0, <u32>(<i32>(<i8>imm8) << 1), 0, (word >>> 8) & 15);
  } else if (top5 == 0b11100) { // B
    put(entry, word, SET_T32, T_B, 0, 0, 0, <u32>(<i32>(word << 21) >> 20), 0, 14);
  } else {
    generic(entry, word, SET_T32);
  }
}

/** 010001: ADD, CMP and MOV on any registers, BX and BLX; a PC operand or destination takes the full path. */
function fillT32Special(entry: usize, word: u32): void {
  const op = (word >>> 8) & 3;
  const rm = (word >>> 3) & 15;
  const rd = ((word >>> 4) & 8) | (word & 7);
  if (op == 3) {
    if ((word & 7) == 0 && rm != 15) put(entry, word, SET_T32, T_BX, 0, 0, rm, 0, (word >>> 7) & 1, 14);
    else generic(entry, word, SET_T32);
  } else if (rd == 15 || rm == 15) {
    generic(entry, word, SET_T32);
  } else if (op == 0) {
    put(entry, word, SET_T32, T_ADD_NOFLAGS, rd, rd, rm, 0, 0, 14);
  } else if (op == 1) {
    put(entry, word, SET_T32, T_SUB, NO_REGISTER, rd, rm, 0, 0, 14);
  } else {
    put(entry, word, SET_T32, T_MOV, rd, 0, rm, 0, 0, 14);
  }
}
