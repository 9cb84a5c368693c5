// The A32 forms most code uses, each written as the whole descriptor in six stores
// from a row of constants chosen by the word's opcode bits, with the field positions
// in the code and no branch on the form: a random mix of forms costs no
// mispredictions, and nothing is stored twice. Rows are built at start by each
// instance (vCPU threads rebuild the same bytes in the shared memory while others read
// them: identical values, so no reader can see a torn row). The oracle tests check
// every class against llvm-mc and objdump.

import {
  KIND_LOADSTORE, KIND_INVALID_FORM, OP_LOAD, OP_STORE, F_FP, F_PC_RELATIVE, F_SUBTRACT, F_WRITEBACK, F_POST_INDEX,
  F_UNPRIVILEGED, F_SIGNED, F_PAIR, F_MULTIPLE, REG_NONE, SHIFT_NONE, SHIFT_LSL, SHIFT_LSR, SHIFT_ASR, SHIFT_ROR, SHIFT_RRX,
} from "./descriptor";
import {
  MA_LDR, MA_STR, MA_LDRB, MA_STRB, MA_LDRT, MA_STRT, MA_LDRBT, MA_STRBT, MA_LDRH, MA_STRH, MA_LDRSB, MA_LDRSH,
  MA_LDRD, MA_STRD, MA_LDRHT, MA_STRHT, MA_LDRSBT, MA_LDRSHT, MA_LDM, MA_STM, MA_PUSH, MA_POP, MA_VLDR, MA_VSTR,
} from "./arm-mnemonics";

// A row: 0 the descriptor's bytes 0-7 with kind = the bad-field selector (BAD_*) ·
// 8 disp multiplier of the immediate · 16 postDisp multiplier · 24 bytes 32-39 (cond aside).
const ROW_SIZE: u32 = 32;
const BAD_RT15: u32 = 1; //     Rt = PC is UNPREDICTABLE
const BAD_WBACK: u32 = 2; //    writeback onto Rt or PC is UNPREDICTABLE
const BAD_RM15: u32 = 4; //     Rm = PC (or, extra loads, bits 11:8 set) is UNPREDICTABLE
const BAD_RM_RT: u32 = 8; //    LDRD (register): Rm = Rt or Rt + 1
const BAD_PAIR_RT: u32 = 16; // LDRD/STRD: Rt odd or LR
const BAD_WBACK_RT2: u32 = 32; // LDRD/STRD writeback onto Rt + 1
const BAD_ALWAYS: u32 = 64; //  LDRD/STRD with P = 0, W = 1

/** The descriptor's first 8 bytes: kind (here the BAD_* selector), op, size, count, flags. */
@inline function head(bad: u32, load: u32, size: u32, count: u32, flags: u32): u64 {
  return <u64>bad | (<u64>(load != 0 ? OP_LOAD : OP_STORE) << 8) | (<u64>size << 16) | (<u64>count << 24) | (<u64>flags << 32);
}

/** Flags of P/U/W addressing: subtract, writeback, post-index. */
@inline export function addressingFlags(p: u32, u: u32, w: u32): u32 {
  return ((u ^ 1) * F_SUBTRACT) | (((p ^ 1) | w) * F_WRITEBACK) | ((p ^ 1) * F_POST_INDEX);
}

/** Stores the immediate's disp and postDisp multipliers: index (P) and add (U). */
@inline function immediateSigns(row: usize, immediate: u32, p: u32, u: u32): void {
  const sign: i64 = u != 0 ? 1 : -1;
  store<i64>(row, immediate == 0 || p == 0 ? 0 : sign, 8);
  store<i64>(row, immediate == 0 || p != 0 ? 0 : sign, 16);
}

/** LDR/STR/LDRB/STRB/LDRT/STRT/LDRBT/STRBT rows by bits 25:20 (I P U B W L). */
const SINGLE_ROWS: usize = memory.data(64 * ROW_SIZE, 8);
/** Register-offset shifts by bits 11:5 (imm5 type): shift type | amount << 8. */
const SINGLE_SHIFTS: usize = memory.data(128 * 2, 2);

const SINGLE_NAMES: usize = memory.data<u8>([
  <u8>MA_STR, <u8>MA_STRB, <u8>MA_LDR, <u8>MA_LDRB, <u8>MA_STRT, <u8>MA_STRBT, <u8>MA_LDRT, <u8>MA_LDRBT,
]);
const SHIFT_BY_TYPE: usize = memory.data<u8>([SHIFT_LSL, SHIFT_LSR, SHIFT_ASR, SHIFT_ROR]);

function buildSingleRows(): void {
  for (let key: u32 = 0; key < 64; key++) {
    const registerForm = key >>> 5;
    const p = (key >>> 4) & 1;
    const u = (key >>> 3) & 1;
    const b = (key >>> 2) & 1;
    const w = (key >>> 1) & 1;
    const l = key & 1;
    const unpriv = (p ^ 1) & w;
    const wback = (p ^ 1) | w;
    const bad = ((b | unpriv) * BAD_RT15) | (wback * BAD_WBACK) | (registerForm * BAD_RM15);
    const row = SINGLE_ROWS + key * ROW_SIZE;
    store<u64>(row, head(bad, l, 4 >> (b << 1), 1, (unpriv * F_UNPRIVILEGED) | addressingFlags(p, u, w)));
    immediateSigns(row, registerForm ^ 1, p, u);
    store<u64>(row, <u64>load<u8>(SINGLE_NAMES + ((unpriv << 2) | (l << 1) | b)) << 32, 24);
  }
  for (let key: u32 = 0; key < 128; key++) {
    const imm5 = key >>> 2;
    const type = key & 3;
    let shift = load<u8>(SHIFT_BY_TYPE + type);
    let amount = imm5;
    if (imm5 == 0) {
      if (type == 0) shift = SHIFT_NONE;
      else if (type == 3) { shift = SHIFT_RRX; amount = 1; }
      else amount = 32;
    }
    store<u16>(SINGLE_SHIFTS + key * 2, <u16>(shift | (amount << 8)));
  }
}
buildSingleRows();

/** LDRH/STRH/LDRSB/LDRSH/LDRD/STRD (and the unprivileged forms) rows by bits 24:20 (P U I W L) and 6:5 (op2). */
const EXTRA_ROWS: usize = memory.data(128 * ROW_SIZE, 8);
// By unprivileged:L:op2 (op2 1..3): mnemonic, and size | signed << 3 | pair << 4 | load << 5 | unprivileged << 6.
const EXTRA_NAMES: usize = memory.data<u8>([
  0, <u8>MA_STRH, <u8>MA_LDRD, <u8>MA_STRD, 0, <u8>MA_LDRH, <u8>MA_LDRSB, <u8>MA_LDRSH,
  0, <u8>MA_STRHT, <u8>MA_LDRD, <u8>MA_STRD, 0, <u8>MA_LDRHT, <u8>MA_LDRSBT, <u8>MA_LDRSHT,
]);
const EXTRA_INFO: usize = memory.data<u8>([
  0, 2, 4 | 16 | 32, 4 | 16, 0, 2 | 32, 1 | 8 | 32, 2 | 8 | 32,
  0, 2 | 64, 4 | 16 | 32, 4 | 16, 0, 2 | 32 | 64, 1 | 8 | 32 | 64, 2 | 8 | 32 | 64,
]);

function buildExtraRows(): void {
  for (let key: u32 = 0; key < 128; key++) {
    const p = (key >>> 6) & 1;
    const u = (key >>> 5) & 1;
    const immediate = (key >>> 4) & 1;
    const w = (key >>> 3) & 1;
    const l = (key >>> 2) & 1;
    const op2 = key & 3;
    const unpriv = (p ^ 1) & w;
    const wback = (p ^ 1) | w;
    const name = (unpriv << 3) | (l << 2) | op2;
    const info = <u32>load<u8>(EXTRA_INFO + name);
    const pair = (info >>> 4) & 1;
    const loads = (info >>> 5) & 1;
    const flags = (((info >>> 3) & 1) * F_SIGNED) | (pair * F_PAIR) | (((info >>> 6) & 1) * F_UNPRIVILEGED) | addressingFlags(p, u, w);
    const registerBad = (immediate ^ 1) * (BAD_RM15 | ((pair & loads) * BAD_RM_RT));
    const bad = pair != 0
      ? BAD_PAIR_RT | (wback * (BAD_WBACK | BAD_WBACK_RT2)) | (unpriv * BAD_ALWAYS) | registerBad
      : BAD_RT15 | (wback * BAD_WBACK) | registerBad;
    const row = EXTRA_ROWS + key * ROW_SIZE;
    store<u64>(row, head(bad, loads, info & 7, pair + 1, flags));
    immediateSigns(row, immediate, p, u);
    store<u64>(row, <u64>load<u8>(EXTRA_NAMES + name) << 32, 24);
  }
}
buildExtraRows();

/** LDM/STM/PUSH/POP rows by bits 24:20 with bit 22 (S) clear: P U W L. */
// A row: 0 head (count 0) · 8 disp = [8] + [16] * bytes · 24 (bytes 32-39) · 32 postDisp = [32] * bytes ·
// 40 the mnemonic when Rn = SP with two registers or more (PUSH/POP, else the row's own).
const MULTIPLE_ROW_SIZE: u32 = 48;
const MULTIPLE_ROWS: usize = memory.data(16 * MULTIPLE_ROW_SIZE, 8);

function buildMultipleRows(): void {
  for (let key: u32 = 0; key < 16; key++) {
    const p = (key >>> 3) & 1;
    const u = (key >>> 2) & 1;
    const w = (key >>> 1) & 1;
    const l = key & 1;
    const mode = ((u ^ 1) << 1) | p; // 0 ia, 1 ib, 2 da, 3 db
    const mnemonic = (l != 0 ? MA_LDM : MA_STM) + mode;
    const row = MULTIPLE_ROWS + key * MULTIPLE_ROW_SIZE;
    store<u64>(row, head(0, l, 4, 0, F_MULTIPLE | ((u ^ 1) * F_SUBTRACT) | (w * F_WRITEBACK)));
    store<i64>(row, u != 0 ? p * 4 : (p != 0 ? 0 : 4), 8);
    store<i64>(row, u != 0 ? 0 : -1, 16);
    store<u64>(row, <u64>mnemonic << 32, 24);
    store<i64>(row, w == 0 ? 0 : u != 0 ? 1 : -1, 32);
    const alternative = w != 0 && l != 0 && mode == 0 ? MA_POP : w != 0 && l == 0 && mode == 3 ? MA_PUSH : mnemonic;
    store<u32>(row, alternative, 40);
  }
}
buildMultipleRows();

// By bits 19:12 (Rn:Rt), the fields and checks that depend only on the two registers:
// 0 bytes 8-15 (rt, rt2 = none, base, index 0, length 4) · 8 the same with rt2 = Rt + 1 ·
// 16 the BAD_* facts that hold · 24 F_PC_RELATIVE in place (bytes 0-7) when Rn = PC.
const REGISTER_PAIR_SIZE: u32 = 32;
const REGISTER_PAIRS: usize = memory.data(256 * REGISTER_PAIR_SIZE, 8);

function buildRegisterPairs(): void {
  for (let key: u32 = 0; key < 256; key++) {
    const rn = key >>> 4;
    const rt = key & 15;
    const at = REGISTER_PAIRS + key * REGISTER_PAIR_SIZE;
    const registers = <u64>rt | (<u64>rn << 16) | (4 << 56);
    store<u64>(at, registers | (<u64>REG_NONE << 8));
    store<u64>(at, registers | (<u64>(rt + 1) << 8), 8);
    const facts = (<u32>(rt == 15) * BAD_RT15) | (<u32>(rn == 15 || rn == rt) * BAD_WBACK)
      | (<u32>((rt & 1) != 0 || rt == 14) * BAD_PAIR_RT) | (<u32>(rn == rt + 1) * BAD_WBACK_RT2) | BAD_ALWAYS;
    store<u64>(at, facts, 16);
    store<u64>(at, <u64>(rn == 15 ? F_PC_RELATIVE : 0) << 32, 24);
  }
}
buildRegisterPairs();

/** VLDR/VSTR rows by U (bit 23), L (bit 20) and double (bit 8), laid out as SINGLE_ROWS (kind = KIND_LOADSTORE). */
const VFP_ROWS: usize = memory.data(8 * ROW_SIZE, 8);

function buildVfpRows(): void {
  for (let key: u32 = 0; key < 8; key++) {
    const u = key >>> 2;
    const l = (key >>> 1) & 1;
    const row = VFP_ROWS + key * ROW_SIZE;
    store<u64>(row, head(KIND_LOADSTORE, l, 4 << (key & 1), 1, F_FP | ((u ^ 1) * F_SUBTRACT)));
    store<i64>(row, u != 0 ? 4 : -4, 8);
    store<u64>(row, <u64>(l != 0 ? MA_VLDR : MA_VSTR) << 32, 24);
  }
}
buildVfpRows();

/** The REGISTER_PAIRS entry of a word's Rn:Rt (bits 19:12). */
@inline function registerPair(word: u32): usize {
  return REGISTER_PAIRS + ((word >>> 7) & (255 * REGISTER_PAIR_SIZE));
}

/** LDR/STR/LDRB/STRB (immediate, literal, register) and the unprivileged forms: bits 27:26 = 01, not media. */
@inline export function a32Single(word: u32, out: usize): u32 {
  const row = SINGLE_ROWS + ((word >>> 20) & 63) * ROW_SIZE;
  const registers = registerPair(word);
  const head = load<u64>(row);
  const registerForm = (word & 0x02000000) != 0;
  const offset = select<u64>((<u64>(word & 15) << 24) | (<u64>load<u16>(SINGLE_SHIFTS + ((word >>> 4) & 0xfe)) << 32), <u64>REG_NONE << 24, registerForm);
  store<u64>(out, load<u64>(registers) | offset, 8);
  const imm = <i64>(word & 0xfff);
  store<i64>(out, imm * load<i64>(row, 8), 16);
  store<i64>(out, imm * load<i64>(row, 16), 24);
  store<u64>(out, load<u64>(row, 24) | (<u64>(word >>> 28) << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  const rm15 = (((word & 15) + 1) >>> 2) & BAD_RM15;
  const kind = select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, (<u32>head & (load<u32>(registers, 16) | rm15)) != 0);
  store<u64>(out, (head & ~<u64>0xff) | kind | load<u64>(registers, 24));
  return kind;
}

/** LDRH/STRH/LDRSB/LDRSH/LDRD/STRD: bits 27:25 = 000, bits 7 and 4 set, op2 (bits 6:5) not 0. */
@inline export function a32Extra(word: u32, out: usize): u32 {
  const row = EXTRA_ROWS + ((((word >>> 18) & 0x7c) | ((word >>> 5) & 3)) * ROW_SIZE);
  const registers = registerPair(word);
  const head = load<u64>(row);
  const rm = word & 15;
  const immediateForm = (word & 0x00400000) != 0;
  // F_PAIR (flags bit 15, bit 47 of the head) picks the entry's rt2 = Rt + 1 form.
  const pairRegisters = load<u64>(registers + (<u32>(head >>> 44) & 8));
  store<u64>(out, pairRegisters | select<u64>(<u64>REG_NONE << 24, <u64>rm << 24, immediateForm), 8);
  const imm = <i64>(((word >>> 4) & 0xf0) | rm);
  store<i64>(out, imm * load<i64>(row, 8), 16);
  store<i64>(out, imm * load<i64>(row, 16), 24);
  store<u64>(out, load<u64>(row, 24) | (<u64>(word >>> 28) << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  // Rm = PC or bits 11:8 set: adding 1 to bits 11:8 and 3:0 alone carries into bit 4 only from Rm = 15.
  const rmBad = (<u32>((((word & 0xf0f) + 1) & 0xf10) != 0) * BAD_RM15) | (<u32>(rm - ((word >>> 12) & 15) < 2) * BAD_RM_RT);
  const kind = select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, (<u32>head & (load<u32>(registers, 16) | rmBad)) != 0);
  store<u64>(out, (head & ~<u64>0xff) | kind | load<u64>(registers, 24));
  return kind;
}

/** LDM/STM (IA/IB/DA/DB), PUSH/POP: bits 27:25 = 100, S (bit 22) clear. */
@inline export function a32Multiple(word: u32, out: usize): u32 {
  const row = MULTIPLE_ROWS + (((word >>> 20) & 3) | ((word >>> 21) & 12)) * MULTIPLE_ROW_SIZE;
  const rn = (word >>> 16) & 15;
  const list = word & 0xffff;
  const count = <u32>popcnt<u32>(list);
  const bytes = <i64>(count << 2);
  store<u64>(out, 0xff | (0xff << 8) | (<u64>rn << 16) | (0xff << 24) | (4 << 56), 8);
  store<i64>(out, load<i64>(row, 8) + load<i64>(row, 16) * bytes, 16);
  store<i64>(out, load<i64>(row, 32) * bytes, 24);
  const push = (rn == 13) & (count >= 2);
  const mnemonic = select<u64>(<u64>load<u32>(row, 40) << 32, load<u64>(row, 24), push);
  store<u64>(out, mnemonic | list | (<u64>(word >>> 28) << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  const rnPc = <u32>(rn == 15);
  const inList = (list >>> rn) & 1;
  // Writeback with the base in the list: UNPREDICTABLE for loads, and for stores unless it is the lowest.
  const listBad = ((word >>> 21) & inList) & (((word >>> 20) & 1) | <u32>((list & ((1 << rn) - 1)) != 0));
  const bad = rnPc | <u32>(count == 0) | listBad;
  const kind = select<u32>(KIND_INVALID_FORM, KIND_LOADSTORE, bad != 0);
  store<u64>(out, load<u64>(row) | kind | (<u64>count << 24) | (<u64>(rnPc * F_PC_RELATIVE) << 32));
  return kind;
}

/** VLDR/VSTR (single and double precision): bits 27:24 = 1101, W (bit 21) clear, bits 11:9 = 101; T32's
 *  encoding is the same, with `cond` from the IT state. */
@inline export function a32Vfp(word: u32, cond: u32, out: usize): u32 {
  const row = VFP_ROWS + (((word >>> 21) & 4) | ((word >>> 19) & 2) | ((word >>> 8) & 1)) * ROW_SIZE;
  // D:Vd for a double register, Vd:D for a single one.
  const d = select<u32>(((word >>> 18) & 16) | ((word >>> 12) & 15), ((word >>> 11) & 0x1e) | ((word >>> 22) & 1), (word & 0x100) != 0);
  store<u64>(out, <u64>d | (<u64>REG_NONE << 8) | <u64>(word & 0xf0000) | (<u64>REG_NONE << 24) | (4 << 56), 8);
  store<i64>(out, <i64>(word & 0xff) * load<i64>(row, 8), 16);
  store<i64>(out, 0, 24);
  store<u64>(out, load<u64>(row, 24) | (<u64>cond << 56), 32);
  store<u64>(out, <u64>REG_NONE, 40);
  store<u64>(out, load<u64>(row) | load<u64>(registerPair(word), 24));
  return KIND_LOADSTORE;
}
