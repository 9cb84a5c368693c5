// The A64 single-register and pair loads and stores (LDR/STR with an unsigned offset,
// LDP/STP/LDNP/STNP/LDPSW, LDUR/STUR, pre/post-index, LDTR/STTR, register offset,
// SIMD&FP included), each written as the whole descriptor in six stores from a row of
// constants chosen by the opcode bits, with the field positions in the code and no
// branch on the form (as a32-fast.ts does for A32). Rows are built at start by each
// instance (the same bytes in the shared memory); a row of 0 is an encoding these
// classes do not allocate (or STGP), which a64.ts then reports.

import {
  D_RT, D_DISP, D_POST_DISP, D_REG_LIST, D_RS, KIND_LOADSTORE, KIND_OTHER, KIND_INVALID_FORM, OP_LOAD, OP_STORE,
  F_SIGNED, F_WRITEBACK, F_POST_INDEX, F_FP, F_VECTOR, F_UNPRIVILEGED, F_NONTEMPORAL, F_PAIR, F_SIGN_EXTEND_64,
  F_WORD_DEST, SHIFT_LSL, EXTEND_UXTW, EXTEND_SXTW, EXTEND_SXTX, EXTEND_UXTX, REG_NONE,
} from "./descriptor";
import { M64_SINGLE, M64_STP, M64_LDP, M64_STNP, M64_LDNP, M64_LDPSW } from "./a64-mnemonics";

// Single-register forms, indexed by V:size:opc → mnemonic offset (0 str, 1 ldr, 2 strb, 3 ldrb,
// 4 ldrsb, 5 strh, 6 ldrh, 7 ldrsh, 8 ldrsw, 9 prfm; 0xff unallocated).
const SINGLE_NAMES: usize = memory.data<u8>([
  2, 3, 4, 4, 5, 6, 7, 7, 0, 1, 8, 0xff, 0, 1, 9, 0xff,
  0, 1, 0, 1, 0, 1, 0xff, 0xff, 0, 1, 0xff, 0xff, 0, 1, 0xff, 0xff,
]);

// Pair forms, indexed by opc:V → log2 of the register size (0xff unallocated; 0xfe LDPSW/STGP).
export const PAIR_SIZES: usize = memory.data<u8>([2, 2, 0xfe, 3, 3, 4, 0xff, 0xff]);

@inline export function sext(value: u32, bits: u32): i64 {
  return <i64>(<i32>(value << (32 - bits)) >> (32 - bits));
}

/** A single-register form's flags | op << 32 | log2(size) << 40, by V, size and opc. */
function singleShape(v: u32, size: u32, opc: u32): u64 {
  let log2 = size;
  let flags: u32 = 0;
  let op = OP_STORE;
  if (v != 0) {
    flags = F_FP;
    if (opc >= 2) { log2 = 4; flags = F_FP | F_VECTOR; }
    if ((opc & 1) != 0) op = OP_LOAD;
  } else if (opc != 0) {
    op = OP_LOAD;
    if (opc == 1) { if (size < 3) flags = F_WORD_DEST; }
    else if (opc == 3) flags = F_SIGNED | F_WORD_DEST;
    else if (size < 3) flags = F_SIGNED | F_SIGN_EXTEND_64;
  }
  return <u64>flags | (<u64>op << 32) | (<u64>log2 << 40);
}

// Unsigned-offset rows by V:size:opc: 0 the descriptor's bytes 0-7 (kind LOADSTORE, or
// OTHER for PRFM; 0 where unallocated) · 8 log2(size) · 12 the mnemonic.
const UNSIGNED_ROWS: usize = memory.data(32 * 16, 8);

function buildUnsignedRows(): void {
  for (let key: u32 = 0; key < 32; key++) {
    const name = <u32>load<u8>(SINGLE_NAMES + key);
    if (name == 0xff) continue;
    const shape = singleShape(key >>> 4, (key >>> 2) & 3, key & 3);
    const log2 = <u32>(shape >>> 40);
    const kind = name == 9 ? KIND_OTHER : KIND_LOADSTORE;
    const row = UNSIGNED_ROWS + key * 16;
    store<u64>(row, <u64>kind | (((shape >>> 32) & 0xff) << 8) | (<u64>(1 << log2) << 16) | (1 << 24) | (<u64>(<u32>shape) << 32));
    store<u32>(row, log2, 8);
    store<u32>(row, M64_SINGLE + name, 12);
  }
}
buildUnsignedRows();

/**
 * LDR/STR (unsigned offset): most of any A64 code's accesses, as the whole descriptor
 * in six stores from a row, no branch on the form; 0 for an unallocated row.
 */
@inline export function unsignedOffset(word: u32, out: usize): u32 {
  const row = UNSIGNED_ROWS + ((((word >>> 22) & 16) | ((word >>> 28) & 12) | ((word >>> 22) & 3)) << 4);
  const head = load<u64>(row);
  store<u64>(out, <u64>(word & 31) | (<u64>REG_NONE << 8) | (<u64>((word >>> 5) & 31) << 16) | (<u64>REG_NONE << 24) | (4 << 56), D_RT);
  store<i64>(out, <i64>((word >>> 10) & 0xfff) << load<u32>(row, 8), D_DISP);
  store<i64>(out, 0, D_POST_DISP);
  store<u64>(out, <u64>load<u32>(row, 12) << 32, D_REG_LIST);
  store<u64>(out, <u64>REG_NONE, D_RS);
  store<u64>(out, head);
  return <u32>head & 0xff;
}

// Pair rows by opc:V:mode:L (bits 31:30, 26, 24:23, 22): 0 the descriptor's bytes 0-7
// with kind = PAIR_* rules (0: the full decoder decides) · 8 log2(size) · 12 the mnemonic.
const PAIR_ROWS: usize = memory.data(64 * 16, 8);
const PAIR_VALID: u32 = 1;
const PAIR_BAD_WBACK: u32 = 2; // writeback onto a transfer register (not SP)
const PAIR_BAD_SAME: u32 = 4; //  a load of one register twice
const PAIR_POST: u32 = 8; //      the offset goes to postDisp

function buildPairRows(): void {
  for (let key: u32 = 0; key < 64; key++) {
    const opc = key >>> 4;
    const v = (key >>> 3) & 1;
    const mode = (key >>> 1) & 3; // 0 no-allocate, 1 post, 2 offset, 3 pre
    const isLoad = (key & 1) != 0;
    let log2 = <u32>load<u8>(PAIR_SIZES + ((opc << 1) | v));
    if (log2 >= 0xfe && !(log2 == 0xfe && isLoad && mode != 0)) continue; // unallocated, STGP
    let flags: u32 = F_PAIR;
    let mnemonic: u32 = isLoad ? M64_LDP : M64_STP;
    if (log2 == 0xfe) {
      log2 = 2;
      flags |= F_SIGNED | F_SIGN_EXTEND_64;
      mnemonic = M64_LDPSW;
    } else if (v != 0) {
      flags |= log2 == 4 ? F_FP | F_VECTOR : F_FP;
    } else if (log2 == 2 && isLoad) flags |= F_WORD_DEST;
    let rules = PAIR_VALID | (isLoad ? PAIR_BAD_SAME : 0);
    if (mode == 0) {
      flags |= F_NONTEMPORAL;
      mnemonic = isLoad ? M64_LDNP : M64_STNP;
    } else if (mode != 2) {
      flags |= F_WRITEBACK;
      if (v == 0) rules |= PAIR_BAD_WBACK;
    }
    if (mode == 1) {
      flags |= F_POST_INDEX;
      rules |= PAIR_POST;
    }
    const row = PAIR_ROWS + key * 16;
    store<u64>(row, <u64>rules | (<u64>(isLoad ? OP_LOAD : OP_STORE) << 8) | (<u64>(1 << log2) << 16) | (2 << 24) | (<u64>flags << 32));
    store<u32>(row, log2, 8);
    store<u32>(row, mnemonic, 12);
  }
}
buildPairRows();

/** LDP/STP/LDNP/STNP/LDPSW from a row, as unsignedOffset does; 0 when the full decoder must decide. */
@inline export function pairFast(word: u32, out: usize): u32 {
  const row = PAIR_ROWS + ((((word >>> 26) & 0x30) | ((word >>> 23) & 8) | ((word >>> 22) & 7)) << 4);
  const head = load<u64>(row);
  const rules = <u32>head & 0xff;
  if (rules == 0) return 0;
  const rt = word & 31;
  const rt2 = (word >>> 10) & 31;
  const rn = (word >>> 5) & 31;
  store<u64>(out, <u64>rt | (<u64>rt2 << 8) | (<u64>rn << 16) | (<u64>REG_NONE << 24) | (4 << 56), D_RT);
  const imm = <i64>(<i32>(word << 10) >> 25) << load<u32>(row, 8);
  const post = (rules & PAIR_POST) != 0;
  store<i64>(out, select<i64>(0, imm, post), D_DISP);
  store<i64>(out, select<i64>(imm, 0, post), D_POST_DISP);
  store<u64>(out, <u64>load<u32>(row, 12) << 32, D_REG_LIST);
  store<u64>(out, <u64>REG_NONE, D_RS);
  const found = (<u32>((rn != 31) & ((rn == rt) | (rn == rt2))) << 1) | (<u32>(rt == rt2) << 2);
  const kind = select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, (rules & found) != 0);
  store<u64>(out, (head & ~<u64>0xff) | kind);
  return kind;
}

// Rows of the other single-register forms by (bit 21:op4, bits 11:10):(V:size:opc): 0 the
// descriptor's bytes 0-7 with kind = SINGLE_* rules (0: the full decoder decides:
// atomics, LDRAA, unallocated) · 8 log2(size) · 12 the mnemonic.
const SINGLE_ROWS: usize = memory.data(256 * 16, 8);
const SINGLE_VALID: u32 = 1;
const SINGLE_BAD_WBACK: u32 = 2; // writeback onto the transfer register (not SP)
const SINGLE_POST: u32 = 4; //      the offset goes to postDisp
const SINGLE_REGISTER: u32 = 8; //  register offset (Rm, extend, optional shift)
const SINGLE_HINT: u32 = 16; //     PRFUM / PRFM (register): KIND_OTHER
// Register-offset extends by option (bits 15:13); 0 where option<1> = 0 (unallocated).
const EXTENDS: usize = memory.data<u8>([0, 0, EXTEND_UXTW, EXTEND_UXTX, 0, 0, EXTEND_SXTW, EXTEND_SXTX]);

function buildSingleRows(): void {
  for (let key: u32 = 0; key < 256; key++) {
    const group = key >>> 5; // bit 21 : op4
    const shapeKey = key & 31;
    const form = group < 4 ? group : group == 6 ? 4 : 5;
    let name = <u32>load<u8>(SINGLE_NAMES + shapeKey);
    const v = shapeKey >>> 4;
    if (form == 5 || name == 0xff || (v != 0 && form == 2) || (name == 9 && form != 0 && form != 4)) continue;
    const shape = singleShape(v, (shapeKey >>> 2) & 3, shapeKey & 3);
    let flags = <u32>shape;
    const log2 = <u32>(shape >>> 40);
    let rules = SINGLE_VALID | (name == 9 ? SINGLE_HINT : 0);
    if (form == 4) rules |= SINGLE_REGISTER;
    else if (form == 0) name += 10;
    else if (form == 2) { name += 20; flags |= F_UNPRIVILEGED; }
    else {
      flags |= form == 1 ? F_WRITEBACK | F_POST_INDEX : F_WRITEBACK;
      if (form == 1) rules |= SINGLE_POST;
      if (v == 0) rules |= SINGLE_BAD_WBACK;
    }
    const row = SINGLE_ROWS + key * 16;
    store<u64>(row, <u64>rules | ((shape >>> 32) & 0xff) << 8 | (<u64>(1 << log2) << 16) | (1 << 24) | (<u64>flags << 32));
    store<u32>(row, log2, 8);
    store<u32>(row, M64_SINGLE + name, 12);
  }
}
buildSingleRows();

/**
 * LDUR/STUR, post- and pre-index, LDTR/STTR and register-offset LDR/STR from a row,
 * as unsignedOffset does; 0 when the full decoder must decide.
 */
@inline export function singleFast(word: u32, out: usize): u32 {
  const key = ((word >>> 14) & 0x80) | ((word >>> 5) & 0x60) | ((word >>> 22) & 16) | ((word >>> 28) & 12) | ((word >>> 22) & 3);
  const row = SINGLE_ROWS + (key << 4);
  const head = load<u64>(row);
  const rules = <u32>head & 0xff;
  const extend = <u32>load<u8>(EXTENDS + ((word >>> 13) & 7));
  const register = (rules & SINGLE_REGISTER) != 0;
  if (rules == 0 || (register && extend == 0)) return 0;
  const rt = word & 31;
  const rn = (word >>> 5) & 31;
  const log2 = load<u32>(row, 8);
  const shifted = (word & 0x1000) != 0;
  const offset = (<u64>((word >>> 16) & 31) << 24) | (<u64>select<u32>(SHIFT_LSL, 0, shifted) << 32)
    | (<u64>select<u32>(log2, 0, shifted) << 40) | (<u64>extend << 48);
  store<u64>(out, <u64>rt | (<u64>REG_NONE << 8) | (<u64>rn << 16) | select<u64>(offset, <u64>REG_NONE << 24, register) | (4 << 56), D_RT);
  const imm = select<i64>(0, sext((word >>> 12) & 0x1ff, 9), register);
  const post = (rules & SINGLE_POST) != 0;
  store<i64>(out, select<i64>(0, imm, post), D_DISP);
  store<i64>(out, select<i64>(imm, 0, post), D_POST_DISP);
  store<u64>(out, <u64>load<u32>(row, 12) << 32, D_REG_LIST);
  store<u64>(out, <u64>REG_NONE, D_RS);
  const bad = (rules & SINGLE_BAD_WBACK) != 0 && rn == rt && rn != 31;
  const kind = select<u32>(KIND_OTHER, select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, bad), (rules & SINGLE_HINT) != 0);
  store<u64>(out, (head & ~<u64>0xff) | kind);
  return kind;
}
