// T32 load/store decoder. `word` is a 16-bit instruction (a value <= 0xffff) or a
// 32-bit one with its FIRST halfword in the high bits. `itState` is the ITSTATE byte
// (firstcond:mask) before this instruction: 0 outside an IT block. The caller advances
// it with t32NextItState(word, itState) after each instruction (IT sets it).
// Conventions in arm-common.ts; D_LENGTH is 2 or 4. Mnemonic ids carry MA_WIDE where
// llvm-mc prints the ".w" qualifier. Outside the load/store classes: KIND_OTHER (IT,
// TBB/TBH, PLD/PLI with their mnemonic). Advanced SIMD structure loads, LDC/STC,
// VLDR.16/VSTR.16 and SRS/RFE decode as A32's (a32-structures.ts, a32-system.ts).
// A lone 32-bit prefix is KIND_TRUNCATED; a
// 32-bit value whose first halfword is not a 32-bit prefix is KIND_UNDEFINED.

import {
  D_COUNT, D_RT2, D_REG_LIST, D_RS, D_SIZE,
  KIND_LOADSTORE, KIND_OTHER, KIND_UNDEFINED, KIND_INVALID_FORM, KIND_TRUNCATED, OP_LOAD, OP_STORE,
  F_SIGNED, F_EXCLUSIVE, F_ACQUIRE, F_RELEASE, F_UNPRIVILEGED, F_PAIR, F_MULTIPLE, REG_NONE,
} from "./descriptor";
import { armBegin, armFinish, armAccess, armImmediate, armRegister, armBlock, armMnemonic, popcount16 } from "./arm-common";
import { vfpTransfer, extension } from "./a32";
import { simdStructure } from "./a32-structures";
import { t32SrsRfe, coprocessorSpace, ldc2Coprocessor } from "./a32-system";
import { t16Fast, t32WideFast, t16PushPop, t32Dual } from "./t32-fast";
import { a32Vfp } from "./a32-fast";
import {
  MA_LDR, MA_STR, MA_LDRB, MA_STRB, MA_LDRH, MA_STRH, MA_LDRSB, MA_LDRSH, MA_LDRD, MA_STRD, MA_LDRT, MA_STRT,
  MA_LDRBT, MA_STRBT, MA_LDRHT, MA_STRHT, MA_LDRSBT, MA_LDRSHT, MA_LDM, MA_STM, MA_LDMDB, MA_STMDB, MA_PUSH, MA_POP,
  MA_LDREX, MA_STREX, MA_LDA, MA_STL, MA_LDAEX, MA_STLEX, MA_PLD, MA_PLDW, MA_PLI, MA_TBB, MA_IT, MA_WIDE,
} from "./arm-mnemonics";

/** The ITSTATE after `word`: IT sets it, anything else advances it. */
export function t32NextItState(word: u32, itState: u32): u32 {
  if (word <= 0xffff && (word & 0xff00) == 0xbf00 && (word & 15) != 0) return word & 0xff;
  if ((itState & 15) == 0 || (itState & 7) == 0) return 0;
  return (itState & 0xe0) | ((itState << 1) & 0x1f);
}

export function decodeT32(word: u32, itState: u32, out: usize): u32 {
  const inIt = (itState & 15) != 0;
  const cond: u32 = inIt ? (itState >>> 4) & 15 : 14;
  const lastOrOutside = !inIt || (itState & 15) == 8;
  const kind = decodeT32Common(word, cond, lastOrOutside, out);
  return kind != 0 ? kind : decodeT32Rest(word, cond, lastOrOutside, out);
}

/** The common classes (none of them IT); 0, with nothing written, for any other word. */
@inline function decodeT32Common(word: u32, cond: u32, lastOrOutside: bool, out: usize): u32 {
  if (word - 0x4800 < 0xa000 - 0x4800) return t16Fast(word, cond, out);
  if ((word & 0xfe800000) == 0xf8800000) {
    const kind = t32WideFast(word, cond, lastOrOutside, out);
    if (kind != 0) return kind;
  }
  if ((word & 0xfffff600) == 0xb400) return t16PushPop(word, cond, lastOrOutside, out);
  if ((word & 0xfe400000) == 0xe8400000 && (word & 0x01200000) != 0) return t32Dual(word, cond, out);
  if ((word & 0xff200e00) == 0xed000a00) return a32Vfp(word, cond, out);
  return 0;
}

function decodeT32Rest(word: u32, cond: u32, lastOrOutside: bool, out: usize): u32 {
  if (word <= 0xffff) {
    armBegin(out, 2, cond);
    if ((word >>> 11) >= 0x1d) return armFinish(out, KIND_TRUNCATED);
    return armFinish(out, t16(word, out, lastOrOutside));
  }
  armBegin(out, 4, cond);
  const hw1 = word >>> 16;
  if ((hw1 >>> 11) < 0x1d) return armFinish(out, KIND_UNDEFINED);
  if ((hw1 >>> 11) == 0x1d) {
    if ((hw1 & 0x0640) == 0x0000) return armFinish(out, multiple(word, out, lastOrOutside));
    if ((hw1 & 0x0640) == 0x0040) return armFinish(out, dualExclusive(word, out));
    if ((hw1 & 0x0600) == 0x0400 && (word & 0xe00) == 0xa00) {
      let kind = vfpTransfer(word, out);
      // T32 VLDM/VSTM with Rn = PC is UNPREDICTABLE even without writeback.
      if (kind == KIND_LOADSTORE && (word & 0x01000000) == 0 && ((hw1 & 15) == 15)) kind = KIND_INVALID_FORM;
      if (kind == KIND_LOADSTORE && (word & 0x00200000) != 0 && ((hw1 & 15) == 15)) kind = KIND_INVALID_FORM;
      return armFinish(out, kind);
    }
    if ((hw1 & 0x0600) == 0x0400) return armFinish(out, extension(word, out)); // LDC/STC, VLDR.16/VSTR.16
    return armFinish(out, KIND_OTHER);
  }
  if ((hw1 >>> 11) == 0x1f && (hw1 & 0x0600) == 0) return armFinish(out, single(word, out, lastOrOutside));
  if ((hw1 >>> 11) == 0x1f && (hw1 & 0x0600) == 0x0400 && ldc2Coprocessor(word)) { // LDC2/STC2
    return armFinish(out, coprocessorSpace(word, out, true));
  }
  return armFinish(out, KIND_OTHER);
}

/** The 16-bit forms outside 0x4800..0x9fff (t32-fast.ts): PUSH/POP, LDM/STM, IT. */
@inline function t16(hw: u32, out: usize, lastOrOutside: bool): u32 {
  switch (hw >>> 12) {
    case 11: {
      if ((hw & 0x0600) == 0x0400) { // PUSH / POP
        const pop = (hw & 0x0800) != 0;
        const list = (hw & 0xff) | ((hw & 0x100) != 0 ? (pop ? 0x8000 : 0x4000) : 0);
        return blockOf(out, pop, 13, list, pop, true, pop ? MA_POP : MA_PUSH, lastOrOutside); // PUSH is STMDB, POP LDMIA
      }
      if ((hw & 0xff00) == 0xbf00 && (hw & 15) != 0) { armMnemonic(out, MA_IT); return KIND_OTHER; }
      return KIND_OTHER;
    }
    case 12: {
      const l = (hw & 0x0800) != 0;
      const rn = (hw >>> 8) & 7;
      const list = hw & 0xff;
      const wback = !l || (list & (1 << rn)) == 0;
      return blockOf(out, l, rn, list, true, wback, l ? MA_LDM : MA_STM, lastOrOutside);
    }
    default:
      return KIND_OTHER;
  }
}

/** An LDM/STM-style block (16- or 32-bit). */
function blockOf(out: usize, l: bool, rn: u32, list: u32, increment: bool, wback: bool, mnemonic: u32, lastOrOutside: bool): u32 {
  const count = popcount16(list);
  armAccess(out, l ? OP_LOAD : OP_STORE, 4, F_MULTIPLE, REG_NONE, rn, mnemonic);
  store<u8>(out + D_COUNT, <u8>count);
  store<u32>(out + D_REG_LIST, list);
  armBlock(out, increment, !increment, wback, count * 4);
  let bad = count == 0 || rn == 15;
  if (wback && (list & (1 << rn)) != 0 && (l || (list & ((1 << rn) - 1)) != 0)) bad = true;
  if (l && (list & 0x8000) != 0 && !lastOrOutside) bad = true;
  return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
}

/** 32-bit LDM/STM (IA, DB), PUSH.W/POP.W; SRS/RFE (a32-system.ts). */
function multiple(word: u32, out: usize, lastOrOutside: bool): u32 {
  const op = (word >>> 23) & 3;
  if (op == 0 || op == 3) return t32SrsRfe(word, out);
  const w = (word & 0x00200000) != 0;
  const l = (word & 0x00100000) != 0;
  const rn = (word >>> 16) & 15;
  const list = word & 0xffff;
  const increment = op == 1;
  let mnemonic: u32 = increment ? (l ? MA_LDM : MA_STM) + MA_WIDE : l ? MA_LDMDB : MA_STMDB;
  if (w && rn == 13 && popcount16(list) >= 2) {
    if (l && increment) mnemonic = MA_POP + MA_WIDE;
    else if (!l && !increment) mnemonic = MA_PUSH + MA_WIDE;
  }
  let kind = blockOf(out, l, rn, list, increment, w, mnemonic, lastOrOutside);
  if (popcount16(list) < 2 || (list & 0x2000) != 0) kind = KIND_INVALID_FORM;
  if (!l && (list & 0x8000) != 0) kind = KIND_INVALID_FORM;
  if (w && (list & (1 << rn)) != 0) kind = KIND_INVALID_FORM;
  if (l && (list & 0xc000) == 0xc000) kind = KIND_INVALID_FORM;
  return kind;
}

/** LDRD/STRD (immediate, literal), LDREX/STREX (B/H/D), LDA/STL (B/H), LDAEX/STLEX (B/H/D); TBB/TBH. */
function dualExclusive(word: u32, out: usize): u32 {
  const p = (word & 0x01000000) != 0;
  const u = (word & 0x00800000) != 0;
  const w = (word & 0x00200000) != 0;
  const l = (word & 0x00100000) != 0;
  const rn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  const rt2 = (word >>> 8) & 15;
  if (p || w) { // LDRD / STRD
    armAccess(out, l ? OP_LOAD : OP_STORE, 4, F_PAIR, rt, rn, l ? MA_LDRD : MA_STRD);
    store<u8>(out + D_COUNT, 2);
    store<u8>(out + D_RT2, <u8>rt2);
    const wback = armImmediate(out, p, u, w, (word & 0xff) << 2);
    let bad = rt == 13 || rt == 15 || rt2 == 13 || rt2 == 15 || (l && rt == rt2);
    if (wback != 0 && (rn == rt || rn == rt2 || rn == 15)) bad = true;
    if (!l && rn == 15) bad = true;
    return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
  }
  if (!u) { // STREX / LDREX with an 8-bit offset
    const rd = rt2;
    armAccess(out, l ? OP_LOAD : OP_STORE, 4, F_EXCLUSIVE, rt, rn, l ? MA_LDREX : MA_STREX);
    armImmediate(out, true, true, false, (word & 0xff) << 2);
    let bad = rn == 15 || rt == 13 || rt == 15;
    if (l) { if (rd != 15) bad = true; }
    else {
      store<u8>(out + D_RS, <u8>rd);
      if (rd == 13 || rd == 15 || rd == rn || rd == rt) bad = true;
    }
    return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
  }
  const op3 = (word >>> 4) & 15;
  const rd = word & 15;
  if (l && op3 <= 1) { armMnemonic(out, MA_TBB + op3); return KIND_OTHER; }
  if (op3 < 4 || op3 == 6 || op3 == 11) return KIND_UNDEFINED;
  const size = op3 & 3; // 0 byte, 1 halfword, 2 word, 3 doubleword
  const sizeIndex: u32 = size == 0 ? 1 : size == 1 ? 2 : size == 2 ? 0 : 3; // word, b, h, d order of the names
  let flags: u32 = (op3 & 8) == 0 || op3 >= 12 ? F_EXCLUSIVE : 0;
  if ((op3 & 8) != 0) flags |= l ? F_ACQUIRE : F_RELEASE;
  let mnemonic: u32;
  if ((op3 & 8) == 0) mnemonic = (l ? MA_LDREX : MA_STREX) + sizeIndex * 2;
  else if (op3 >= 12) mnemonic = (l ? MA_LDAEX : MA_STLEX) + sizeIndex * 2;
  else mnemonic = (l ? MA_LDA : MA_STL) + sizeIndex * 2;
  armAccess(out, l ? OP_LOAD : OP_STORE, size == 3 ? 4 : 1 << size, flags, rt, rn, mnemonic);
  let bad = rn == 15 || rt == 13 || rt == 15;
  if (size == 3) {
    store<u32>(out + 4, load<u32>(out + 4) | F_PAIR);
    store<u8>(out + D_COUNT, 2);
    store<u8>(out + D_RT2, <u8>rt2);
    if (rt2 == 13 || rt2 == 15 || (l && rt == rt2)) bad = true;
  } else if (rt2 != 15) bad = true;
  const exclusiveStore = !l && (flags & F_EXCLUSIVE) != 0;
  if (exclusiveStore) {
    store<u8>(out + D_RS, <u8>rd);
    if (rd == 13 || rd == 15 || rd == rn || rd == rt || (size == 3 && rd == rt2)) bad = true;
  } else if (rd != 15) bad = true;
  return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
}

/** 32-bit LDR/STR/LDRB/STRB/LDRH/STRH/LDRSB/LDRSH (all forms), LDRT family, PLD/PLDW/PLI. */
function single(word: u32, out: usize, lastOrOutside: bool): u32 {
  const s = (word & 0x01000000) != 0;
  const size = (word >>> 21) & 3;
  const l = (word & 0x00100000) != 0;
  if (s && !l) return simdStructure(word, out); // Advanced SIMD element or structure load/store
  if (size == 3) return KIND_UNDEFINED;
  const rn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  if (!l && rn == 15) return KIND_UNDEFINED;
  const bytes: u32 = 1 << size;
  let mnemonic: u32 = size == 2 ? (l ? MA_LDR : MA_STR) : size == 0 ? (l ? (s ? MA_LDRSB : MA_LDRB) : MA_STRB) : l ? (s ? MA_LDRSH : MA_LDRH) : MA_STRH;
  if (s && size == 2) return KIND_UNDEFINED;
  let form: u32; // 0 imm12 / literal, 1 negative imm8, 2 unprivileged, 3 post/pre, 4 register
  const puw = (word >>> 8) & 7;
  if (rn == 15 || (word & 0x00800000) != 0) form = 0;
  else if ((word & 0x800) != 0) {
    if (puw == 4) form = 1;
    else if (puw == 6) form = 2;
    else if ((puw & 1) != 0) form = 3;
    else return KIND_UNDEFINED;
  } else if ((word & 0xfc0) == 0) form = 4;
  else return KIND_UNDEFINED;
  // Rt = PC on a byte/halfword load in an offset form: a preload hint.
  if (l && rt == 15 && size < 2 && form != 2 && form != 3) {
    if (size == 0) armMnemonic(out, s ? MA_PLI : MA_PLD);
    else if (!s) armMnemonic(out, MA_PLDW);
    return KIND_OTHER;
  }
  let flags: u32 = s ? F_SIGNED : 0;
  if (form == 2) {
    flags |= F_UNPRIVILEGED;
    mnemonic = size == 2 ? (l ? MA_LDRT : MA_STRT) : size == 0 ? (l ? (s ? MA_LDRSBT : MA_LDRBT) : MA_STRBT) : l ? (s ? MA_LDRSHT : MA_LDRHT) : MA_STRHT;
  } else if (form == 0 || form == 4) mnemonic += MA_WIDE;
  armAccess(out, l ? OP_LOAD : OP_STORE, bytes, flags, rt, rn, mnemonic);
  let bad = false;
  let wback: u32 = 0;
  if (form == 0) {
    armImmediate(out, true, rn != 15 || (word & 0x00800000) != 0, false, word & 0xfff);
  } else if (form == 4) {
    const rm = word & 15;
    armRegister(out, true, true, false, rm, 0, (word >>> 4) & 3);
    if (rm == 13 || rm == 15) bad = true;
  } else if (form == 3) {
    wback = armImmediate(out, (puw & 4) != 0, (puw & 2) != 0, true, word & 0xff);
  } else {
    armImmediate(out, true, form == 2, false, word & 0xff);
  }
  if (wback != 0 && rn == rt) bad = true;
  if (rt == 15) {
    if (!l || size < 2 || form == 2 || !lastOrOutside) bad = true;
  } else if (rt == 13 && (size < 2 || form == 2)) bad = true;
  return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
}

/** Decodes `count` words (16-bit ones as values <= 0xffff) with IT tracking; returns a checksum. */
export function benchDecodeT32(words: usize, count: u32, out: usize): u32 {
  let sum: u32 = 0;
  let it: u32 = 0;
  let at = words;
  const end = words + (<usize>count << 2);
  // Four words a turn, as benchDecodeA32.
  for (; at + 16 <= end; at += 16) {
    let step = benchStepT32(load<u32>(at), it, out);
    sum += <u32>step;
    step = benchStepT32(load<u32>(at, 4), <u32>(step >>> 32), out);
    sum += <u32>step;
    step = benchStepT32(load<u32>(at, 8), <u32>(step >>> 32), out);
    sum += <u32>step;
    step = benchStepT32(load<u32>(at, 12), <u32>(step >>> 32), out);
    sum += <u32>step;
    it = <u32>(step >>> 32);
  }
  for (; at < end; at += 4) {
    const step = benchStepT32(load<u32>(at), it, out);
    sum += <u32>step;
    it = <u32>(step >>> 32);
  }
  return sum;
}

/** One word of benchDecodeT32: its kind plus size, and the IT state after it in the high half. */
@inline function benchStepT32(word: u32, it: u32, out: usize): u64 {
  if (it == 0) {
    // Outside an IT block, a branch rather than a select: the predictor takes it, so no
    // word waits for the state computed from the word before. No common class is an IT.
    let kind = decodeT32Common(word, 14, true, out);
    let next: u32 = 0;
    if (kind == 0) {
      kind = decodeT32Rest(word, 14, true, out);
      next = t32NextItState(word, 0);
    }
    return <u64>(kind + load<u8>(out + D_SIZE)) | (<u64>next << 32);
  }
  return <u64>(decodeT32(word, it, out) + load<u8>(out + D_SIZE)) | (<u64>t32NextItState(word, it) << 32);
}
