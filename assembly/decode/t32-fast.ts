// The common T32 loads and stores written as the whole descriptor in six stores from a
// row of constants, no branch on the form (as a32-fast.ts does for A32): the 16-bit
// LDR literal, register, immediate and SP-relative forms (0x4800..0x9fff, every word a
// valid load/store; rows by bits 15:9, the registers from a table by bits 8:0), PUSH/POP,
// the 32-bit LDR/STR (…).W with a positive 12-bit offset and LDRD/STRD (immediate,
// literal); VLDR/VSTR share A32's a32Vfp (the same encoding).

import {
  KIND_LOADSTORE, KIND_INVALID_FORM, OP_LOAD, OP_STORE, F_SIGNED, F_PC_RELATIVE, F_PAIR, F_MULTIPLE, F_WRITEBACK, F_SUBTRACT, REG_NONE,
} from "./descriptor";
import {
  MA_LDR, MA_STR, MA_LDRB, MA_STRB, MA_LDRH, MA_STRH, MA_LDRSB, MA_LDRSH, MA_LDRD, MA_STRD, MA_PUSH, MA_POP, MA_WIDE,
} from "./arm-mnemonics";
import { addressingFlags } from "./a32-fast";

// A row: 0 the descriptor's bytes 0-7 · 8 the immediate's scale · 16 bytes 32-39 (cond
// aside) · 24 bytes 8-15 without the fields the word supplies (rt2 none, a fixed base,
// index none unless the register form, length 2).
const ROW_SIZE: u32 = 32;

const FIRST_KEY: u32 = 0x4800 >>> 9;
const T16_ROWS: usize = memory.data(((0xa000 >>> 9) - FIRST_KEY) * ROW_SIZE, 8);
// Register-offset opcodes (bits 11:9): mnemonic, and size | signed << 4 | load << 5.
const T16_REG_NAMES: usize = memory.data<u8>([
  <u8>MA_STR, <u8>MA_STRH, <u8>MA_STRB, <u8>MA_LDRSB, <u8>MA_LDR, <u8>MA_LDRH, <u8>MA_LDRB, <u8>MA_LDRSH,
]);
const T16_REG_KIND: usize = memory.data<u8>([4, 2, 1, 1 | 16 | 32, 4 | 32, 2 | 32, 1 | 32, 2 | 16 | 32]);
// Immediate-offset groups 6, 7, 8 (bits 15:12), by L: mnemonic.
const T16_IMM_NAMES: usize = memory.data<u8>([
  <u8>MA_STR, <u8>MA_LDR, <u8>MA_STRB, <u8>MA_LDRB, <u8>MA_STRH, <u8>MA_LDRH,
]);
// By bits 8:0: Rt (2:0), Rn (5:3) and Rm (8:6) in their descriptor bytes (8, 10, 11).
const LOW_REGISTERS: usize = memory.data(512 * 8, 8);

const FIXED_REGISTERS: u64 = (<u64>REG_NONE << 8) | (2 << 56);

function row(key: u32, loads: bool, size: u32, flags: u32, scale: u32, mnemonic: u32, registers: u64): void {
  const at = T16_ROWS + (key - FIRST_KEY) * ROW_SIZE;
  store<u64>(at, <u64>KIND_LOADSTORE | (<u64>(loads ? OP_LOAD : OP_STORE) << 8) | (<u64>size << 16) | (1 << 24) | (<u64>flags << 32));
  store<i64>(at, scale, 8);
  store<u64>(at, <u64>mnemonic << 32, 16);
  store<u64>(at, FIXED_REGISTERS | registers, 24);
}

function buildT16Rows(): void {
  const noIndex = <u64>REG_NONE << 24;
  for (let key = FIRST_KEY; key < (0xa000 >>> 9); key++) {
    const group = key >>> 3;
    const l = (key >>> 2) & 1;
    if (group == 4) {
      row(key, true, 4, F_PC_RELATIVE, 4, MA_LDR, (15 << 16) | noIndex);
    } else if (group == 5) {
      const info = <u32>load<u8>(T16_REG_KIND + (key & 7));
      row(key, (info & 32) != 0, info & 15, (info & 16) != 0 ? F_SIGNED : 0, 0, load<u8>(T16_REG_NAMES + (key & 7)), 0);
    } else if (group == 9) {
      row(key, l != 0, 4, 0, 4, l != 0 ? MA_LDR : MA_STR, (13 << 16) | noIndex);
    } else {
      const size: u32 = group == 6 ? 4 : group == 7 ? 1 : 2;
      row(key, l != 0, size, 0, size, load<u8>(T16_IMM_NAMES + ((group - 6) << 1) + l), noIndex);
    }
  }
  for (let low: u32 = 0; low < 512; low++) {
    store<u64>(LOW_REGISTERS + low * 8, <u64>(low & 7) | (<u64>((low >>> 3) & 7) << 16) | (<u64>(low >>> 6) << 24));
  }
}
buildT16Rows();

/** A 16-bit load/store in 0x4800..0x9fff; `cond` from the IT state. */
@inline export function t16Fast(hw: u32, cond: u32, out: usize): u32 {
  const row = T16_ROWS + ((hw >>> 9) - FIRST_KEY) * ROW_SIZE;
  // Groups 4 (literal) and 9 (SP-relative): Rt in bits 10:8 and an 8-bit immediate; the
  // others take Rt, Rn (and Rm) from bits 8:0, the row's index byte covering Rm but in the register form.
  const imm8 = hw - 0x5000 >= 0x4000;
  const registers = select<u64>(<u64>((hw >>> 8) & 7), load<u64>(LOW_REGISTERS + ((hw & 0x1ff) << 3)), imm8);
  store<u64>(out, registers | load<u64>(row, 24), 8);
  const imm = select<u32>(hw & 0xff, (hw >>> 6) & 31, imm8);
  store<i64>(out, <i64>imm * load<i64>(row, 8), 16);
  store<i64>(out, 0, 24);
  store<u64>(out, load<u64>(row, 16) | (<u64>cond << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  store<u64>(out, load<u64>(row));
  return KIND_LOADSTORE;
}

// LDR/STR/LDRB/STRB/LDRH/STRH/LDRSB/LDRSH.W (positive imm12, literal) rows by S:size:L
// (bits 24, 22:21, 20): the head with kind = BAD_* (0: the full decoder decides) · 8 the
// mnemonic << 32.
const W_ROWS: usize = memory.data(16 * 16, 8);
const BAD_RT15: u32 = 1; // Rt = PC: only a word load may write it
const BAD_RT13: u32 = 2; // Rt = SP: not for a byte or halfword
const VALID: u32 = 4; //    every allocated row: Rt = PC inside an IT block but not last

function buildWideRows(): void {
  for (let key: u32 = 0; key < 16; key++) {
    const s = key >>> 3;
    const size = (key >>> 1) & 3;
    const l = key & 1;
    if ((s != 0 && l == 0) || size == 3 || (s != 0 && size == 2)) continue;
    const mnemonic = size == 2 ? (l != 0 ? MA_LDR : MA_STR) : size == 0 ? (l != 0 ? (s != 0 ? MA_LDRSB : MA_LDRB) : MA_STRB)
      : l != 0 ? (s != 0 ? MA_LDRSH : MA_LDRH) : MA_STRH;
    const narrow = <u32>(size < 2);
    const bad = VALID | (<u32>(l == 0 || narrow != 0) * BAD_RT15) | (narrow * BAD_RT13);
    const at = W_ROWS + key * 16;
    store<u64>(at, <u64>bad | (<u64>(l != 0 ? OP_LOAD : OP_STORE) << 8) | (<u64>(1 << size) << 16) | (1 << 24) | (<u64>(s * F_SIGNED) << 32));
    store<u64>(at, <u64>(mnemonic + MA_WIDE) << 32, 8);
  }
}
buildWideRows();

/**
 * A 32-bit LDR/STR (…).W with a positive 12-bit offset or a literal: bits 31:25 =
 * 1111100, U (bit 23) set. 0 when the full decoder must decide (a store to PC, a
 * preload hint, an unallocated size).
 */
@inline export function t32WideFast(word: u32, cond: u32, lastOrOutside: bool, out: usize): u32 {
  const row = W_ROWS + (((word >>> 21) & 8) | ((word >>> 20) & 7)) * 16;
  const head = load<u64>(row);
  const rn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  const rules = <u32>head;
  const l = (word >>> 20) & 1;
  const escape = <u32>(rules == 0) | (<u32>(rn == 15) & (l ^ 1)) | (l & <u32>(rt == 15) & (rules >>> 1));
  if (escape != 0) return 0;
  store<u64>(out, <u64>rt | (<u64>REG_NONE << 8) | (<u64>rn << 16) | (<u64>REG_NONE << 24) | (4 << 56), 8);
  store<i64>(out, <i64>(word & 0xfff), 16);
  store<i64>(out, 0, 24);
  store<u64>(out, load<u64>(row, 8) | (<u64>cond << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  const rnPc = <u32>(rn == 15);
  const found = (<u32>(rt == 15) * (BAD_RT15 | (<u32>(!lastOrOutside) << 2))) | (<u32>(rt == 13) << 1);
  const kind = select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, (rules & found) != 0);
  store<u64>(out, (head & ~<u64>0xff) | kind | (<u64>(rnPc * F_PC_RELATIVE) << 32));
  return kind;
}

/** PUSH/POP (16-bit): bits 15:12 = 1011, bits 10:9 = 10. PUSH is STMDB SP!, POP LDMIA SP!. */
@inline export function t16PushPop(hw: u32, cond: u32, lastOrOutside: bool, out: usize): u32 {
  const pop = (hw >>> 11) & 1;
  // Bit 8 adds LR to a PUSH, PC to a POP.
  const list = (hw & 0xff) | (((hw >>> 8) & 1) << (14 + pop));
  const count = <u32>popcnt<u32>(list);
  const bytes = <i64>(count << 2);
  store<u64>(out, <u64>REG_NONE | (<u64>REG_NONE << 8) | (13 << 16) | (<u64>REG_NONE << 24) | (2 << 56), 8);
  store<i64>(out, select<i64>(0, -bytes, pop != 0), 16);
  store<i64>(out, select<i64>(bytes, -bytes, pop != 0), 24);
  store<u64>(out, <u64>list | (<u64>select<u32>(MA_POP, MA_PUSH, pop != 0) << 32) | (<u64>cond << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  // An empty list; a POP of PC inside an IT block but not last.
  const bad = <u32>(count == 0) | (pop & (list >>> 15) & <u32>!lastOrOutside);
  const kind = select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, bad != 0);
  const flags = F_MULTIPLE | F_WRITEBACK | ((pop ^ 1) * F_SUBTRACT);
  store<u64>(out, <u64>kind | (<u64>select<u32>(OP_LOAD, OP_STORE, pop != 0) << 8) | (4 << 16) | (<u64>count << 24) | (<u64>flags << 32));
  return kind;
}

// LDRD/STRD (immediate, literal) rows by P U W L (bits 24, 23, 21, 20), P or W set:
// 0 the head with kind = the DUAL_* rules that apply · 8 disp multiplier · 16 postDisp multiplier.
const DUAL_ROWS: usize = memory.data(16 * 24, 8);
const DUAL_ALWAYS: u32 = 1; //     Rt or Rt2 is SP or PC
const DUAL_LOAD_SAME: u32 = 2; //  a load with Rt = Rt2
const DUAL_WBACK: u32 = 4; //      writeback onto Rt, Rt2 or PC
const DUAL_STORE_PC: u32 = 8; //   a store with Rn = PC

function buildDualRows(): void {
  for (let key: u32 = 0; key < 16; key++) {
    const p = key >>> 3;
    const u = (key >>> 2) & 1;
    const w = (key >>> 1) & 1;
    const l = key & 1;
    const rules = DUAL_ALWAYS | (l * DUAL_LOAD_SAME) | (w * DUAL_WBACK) | ((l ^ 1) * DUAL_STORE_PC);
    const at = DUAL_ROWS + key * 24;
    store<u64>(at, <u64>rules | (<u64>(l != 0 ? OP_LOAD : OP_STORE) << 8) | (4 << 16) | (2 << 24) | (<u64>(F_PAIR | addressingFlags(p, u, w)) << 32));
    const sign: i64 = u != 0 ? 4 : -4;
    store<i64>(at, p != 0 ? sign : 0, 8);
    store<i64>(at, p != 0 ? 0 : sign, 16);
  }
}
buildDualRows();

/** LDRD/STRD (immediate, literal): bits 31:25 = 1110100, bit 22 set, P or W set. */
@inline export function t32Dual(word: u32, cond: u32, out: usize): u32 {
  const row = DUAL_ROWS + (((word >>> 21) & 12) | ((word >>> 20) & 3)) * 24;
  const head = load<u64>(row);
  const rn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  const rt2 = (word >>> 8) & 15;
  store<u64>(out, <u64>rt | (<u64>rt2 << 8) | (<u64>rn << 16) | (<u64>REG_NONE << 24) | (4 << 56), 8);
  const imm = <i64>(word & 0xff);
  store<i64>(out, imm * load<i64>(row, 8), 16);
  store<i64>(out, imm * load<i64>(row, 16), 24);
  const l = (word >>> 20) & 1;
  store<u64>(out, (<u64>select<u32>(MA_LDRD, MA_STRD, l != 0) << 32) | (<u64>cond << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  const rnPc = <u32>(rn == 15);
  const found = (<u32>(((rt | 2) == 15) | ((rt2 | 2) == 15)) * DUAL_ALWAYS) | (<u32>(rt == rt2) * DUAL_LOAD_SAME)
    | (<u32>((rn == rt) | (rn == rt2) | (rn == 15)) * DUAL_WBACK) | (rnPc * DUAL_STORE_PC);
  const kind = select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, (<u32>head & found) != 0);
  store<u64>(out, (head & ~<u64>0xff) | kind | (<u64>(rnPc * F_PC_RELATIVE) << 32));
  return kind;
}
