// A32 load/store decoder: one 32-bit word → the descriptor at `out`; returns the kind.
// The common classes (LDR/STR, LDRH/LDRD and kin, LDM/STM, VLDR/VSTR), found by a table
// on bits 27:20 and 7:4, decode from rows in a32-fast.ts; the rest dispatch on bits
// 27:25 (and 7:4 in the data-processing space). Conventions in
// arm-common.ts. The Advanced SIMD structure loads are in a32-structures.ts; LDM/STM
// with the S bit, SRS/RFE, LDC/STC and VLDR.16/VSTR.16 in a32-system.ts. Outside the
// load/store classes the result is KIND_OTHER (PLD/PLI included); KIND_UNDEFINED is
// precise inside the load/store classes only. SWP/SWPB (removed in ARMv8) and
// LDC/STC on any coprocessor (ARMv8 keeps only CP14's) decode as ARMv7.

import { a32Single, a32Extra, a32Multiple, a32Vfp } from "./a32-fast";
import {
  D_COUNT, D_RT2, D_ATOMIC, D_RS, D_SIZE, KIND_LOADSTORE, KIND_OTHER, KIND_UNDEFINED, KIND_INVALID_FORM,
  OP_LOAD, OP_STORE, OP_ATOMIC, F_EXCLUSIVE, F_ACQUIRE, F_RELEASE, F_FP, F_PAIR, F_MULTIPLE, ATOMIC_SWAP,
} from "./descriptor";
import { armBegin, armFinish, armAccess, armImmediate, armBlock } from "./arm-common";
import { simdStructure } from "./a32-structures";
import { userRegisters, a32SrsRfe, coprocessorSpace, ldc2Coprocessor } from "./a32-system";
import {
  MA_LDREX, MA_STREX, MA_LDA, MA_STL, MA_LDAEX, MA_STLEX, MA_SWP, MA_SWPB, MA_VLDR, MA_VSTR, MA_VLDMIA, MA_VLDMDB,
  MA_VSTMIA, MA_VSTMDB, MA_VPUSH, MA_VPOP, MA_FLDMIAX, MA_FLDMDBX, MA_FSTMIAX, MA_FSTMDBX,
} from "./arm-mnemonics";

export function decodeA32(word: u32, out: usize): u32 {
  return decodeA32Inline(word, out);
}

/** decodeA32 with its common classes inline in the caller (the bench loop pays no call
 *  for them); everything else is one call to decodeA32Rest. */
@inline function decodeA32Inline(word: u32, out: usize): u32 {
  const kind = decodeA32Common(word, out);
  return kind != 0 ? kind : decodeA32Rest(word, out);
}

// The common classes by bits 27:20 and 7:4 (one byte each; 0 for every other word).
const CLASS_SINGLE: u8 = 1; //   LDR/STR/LDRB/STRB and the unprivileged forms (not media)
const CLASS_EXTRA: u8 = 2; //    LDRH/STRH/LDRSB/LDRSH/LDRD/STRD
const CLASS_MULTIPLE: u8 = 3; // LDM/STM without the S bit
const CLASS_VFP: u8 = 4; //      VLDR/VSTR when bits 11:9 = 101 too
const CLASSES: usize = memory.data(4096);

function buildClasses(): void {
  for (let key: u32 = 0; key < 4096; key++) {
    const word = ((key & 0xff0) << 16) | ((key & 15) << 4);
    let cls: u8 = 0;
    if ((word & 0x0c000000) == 0x04000000 && (word & 0x02000010) != 0x02000010) cls = CLASS_SINGLE;
    else if ((word & 0x0e000090) == 0x00000090 && (word & 0x60) != 0) cls = CLASS_EXTRA;
    else if ((word & 0x0e400000) == 0x08000000) cls = CLASS_MULTIPLE;
    else if ((word & 0x0f200000) == 0x0d000000) cls = CLASS_VFP;
    store<u8>(CLASSES + key, cls);
  }
}
buildClasses();

/** The common classes, most frequent first (a chain of tests mispredicts less than a
 *  br_table here); 0, with nothing written, for any other word. */
@inline function decodeA32Common(word: u32, out: usize): u32 {
  if ((word >>> 28) != 15) {
    const cls = load<u8>(CLASSES + (((word >>> 16) & 0xff0) | ((word >>> 4) & 15)));
    if (cls == CLASS_SINGLE) return a32Single(word, out);
    if (cls == CLASS_EXTRA) return a32Extra(word, out);
    if (cls == CLASS_MULTIPLE) return a32Multiple(word, out);
    if (cls == CLASS_VFP && (word & 0xe00) == 0xa00) return a32Vfp(word, word >>> 28, out);
  }
  return 0;
}

function decodeA32Rest(word: u32, out: usize): u32 {
  const cond = word >>> 28;
  armBegin(out, 4, cond);
  if (cond == 15) return armFinish(out, unconditional(word, out));
  switch ((word >>> 25) & 7) {
    case 0: return armFinish(out, (word & 0x90) == 0x90 ? syncOrMultiply(word, out) : KIND_OTHER);
    case 4: return armFinish(out, (word & 0x0040_0000) != 0 ? userRegisters(word, out) : KIND_OTHER);
    case 6: return armFinish(out, extension(word, out));
    default: return armFinish(out, KIND_OTHER);
  }
}

/** Condition 1111: Advanced SIMD structures, SRS/RFE, LDC2/STC2 (coprocessors 0-7, 14, 15). */
function unconditional(word: u32, out: usize): u32 {
  if ((word & 0x0f10_0000) == 0x0400_0000) return simdStructure(word, out);
  if ((word & 0x0e00_0000) == 0x0800_0000) return a32SrsRfe(word, out);
  if ((word & 0x0e00_0000) == 0x0c00_0000 && ldc2Coprocessor(word)) return coprocessorSpace(word, out, true);
  return KIND_OTHER;
}

/** Bits 27:25 = 000 with bits 7 and 4 set and op2 (bits 6:5) = 0: synchronization primitives or multiplies. */
function syncOrMultiply(word: u32, out: usize): u32 {
  if ((word & 0x01000000) == 0) return KIND_OTHER; // multiplies
  return sync(word, out);
}

/** SWP/SWPB, LDREX/STREX (B/H/D), LDA/STL (B/H), LDAEX/STLEX (B/H/D). */
function sync(word: u32, out: usize): u32 {
  const op = (word >>> 20) & 15;
  const rn = (word >>> 16) & 15;
  const rd = (word >>> 12) & 15;
  const rt = word & 15;
  if ((op & 8) == 0) {
    if ((op & 0xb) != 0) return KIND_UNDEFINED;
    const byte = (op & 4) != 0;
    armAccess(out, OP_ATOMIC, byte ? 1 : 4, 0, rd, rn, byte ? MA_SWPB : MA_SWP);
    store<u8>(out + D_ATOMIC, ATOMIC_SWAP);
    store<u8>(out + D_RS, <u8>rt);
    const bad = (word & 0xf00) != 0 || rt == 15 || rd == 15 || rn == 15 || rn == rt || rn == rd;
    return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
  }
  const size = (op >>> 1) & 3; // 0 word, 1 doubleword, 2 byte, 3 halfword
  const l = (op & 1) != 0;
  const kind = (word >>> 8) & 15; // 0xc ordered, 0xe ordered exclusive, 0xf exclusive
  if (kind < 0xc || kind == 0xd) return KIND_UNDEFINED;
  if (kind == 0xc && size == 1) return KIND_UNDEFINED;
  const sizeIndex: u32 = size == 0 ? 0 : size == 2 ? 1 : size == 3 ? 2 : 3; // word, b, h, d
  let flags: u32 = kind == 0xc ? 0 : F_EXCLUSIVE;
  if (kind != 0xf) flags |= l ? F_ACQUIRE : F_RELEASE;
  let mnemonic: u32;
  if (kind == 0xc) mnemonic = (l ? MA_LDA : MA_STL) + sizeIndex * 2;
  else if (kind == 0xe) mnemonic = (l ? MA_LDAEX : MA_STLEX) + sizeIndex * 2;
  else mnemonic = (l ? MA_LDREX : MA_STREX) + sizeIndex * 2;
  const bytes: u32 = size == 0 ? 4 : size == 1 ? 4 : size == 2 ? 1 : 2;
  let bad = rn == 15;
  const target = l ? rd : rt;
  if (size == 1) {
    flags |= F_PAIR;
    if ((target & 1) != 0 || target == 14) bad = true;
  } else if (target == 15) bad = true;
  armAccess(out, l ? OP_LOAD : OP_STORE, bytes, flags, target, rn, mnemonic);
  if (size == 1) {
    store<u8>(out + D_COUNT, 2);
    store<u8>(out + D_RT2, <u8>(target + 1));
  }
  if (l) {
    if ((word & 15) != 15) bad = true;
  } else if (kind == 0xc) {
    if (rd != 15) bad = true;
  } else {
    store<u8>(out + D_RS, <u8>rd);
    if (rd == 15 || rd == rn || rd == rt || (size == 1 && rd == rt + 1)) bad = true;
  }
  return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
}

/** Bits 27:25 = 110: VLDR/VSTR/VLDM/VSTM/VPUSH/VPOP (coprocessors 10, 11), the rest in a32-system.ts. */
export function extension(word: u32, out: usize): u32 {
  if ((word & 0xe00) != 0xa00) return coprocessorSpace(word, out, false);
  return vfpTransfer(word, out);
}

/** The extension-register load/store fields, shared with T32 (same layout in both). */
export function vfpTransfer(word: u32, out: usize): u32 {
  const op = (word >>> 20) & 31;
  const p = (op & 16) != 0;
  const u = (op & 8) != 0;
  const w = (op & 2) != 0;
  const l = (op & 1) != 0;
  if ((op & 0x1e) == 0) return KIND_UNDEFINED;
  if (!p && !u) return (op & 0x1e) == 4 ? KIND_OTHER : KIND_UNDEFINED; // VMOV (two registers)
  if (p && u && w) return KIND_UNDEFINED;
  const double = (word & 0x100) != 0;
  const rn = (word >>> 16) & 15;
  const vd = (word >>> 12) & 15;
  const dbit = (word >>> 22) & 1;
  const d = double ? (dbit << 4) | vd : (vd << 1) | dbit;
  const imm8 = word & 0xff;
  const size: u32 = double ? 8 : 4;
  if (p && !w) { // VLDR / VSTR
    armAccess(out, l ? OP_LOAD : OP_STORE, size, F_FP, d, rn, l ? MA_VLDR : MA_VSTR);
    armImmediate(out, true, u, false, imm8 << 2);
    return KIND_LOADSTORE;
  }
  const regs = double ? imm8 >>> 1 : imm8;
  let mnemonic: u32;
  if (double && (imm8 & 1) != 0) mnemonic = l ? (u ? MA_FLDMIAX : MA_FLDMDBX) : u ? MA_FSTMIAX : MA_FSTMDBX;
  else if (w && rn == 13 && l && u) mnemonic = MA_VPOP;
  else if (w && rn == 13 && !l && !u) mnemonic = MA_VPUSH;
  else mnemonic = l ? (u ? MA_VLDMIA : MA_VLDMDB) : u ? MA_VSTMIA : MA_VSTMDB;
  armAccess(out, l ? OP_LOAD : OP_STORE, size, F_FP | F_MULTIPLE, d, rn, mnemonic);
  store<u8>(out + D_COUNT, <u8>regs);
  armBlock(out, u, p, w, imm8 << 2);
  let bad = regs == 0 || d + regs > 32 || (double && regs > 16) || (w && rn == 15);
  return bad ? KIND_INVALID_FORM : KIND_LOADSTORE;
}

/** Decodes `count` words from `words` into one descriptor; returns a checksum. */
export function benchDecodeA32(words: usize, count: u32, out: usize): u32 {
  let sum: u32 = 0;
  let at = words;
  const end = words + (<usize>count << 2);
  // Four words a turn: V8 keeps the loop's values on the stack here, so each turn waits
  // on a store and reload of the last turn's position; fewer turns, fewer waits.
  for (; at + 16 <= end; at += 16) {
    sum += decodeA32Inline(load<u32>(at), out) + load<u8>(out + D_SIZE);
    sum += decodeA32Inline(load<u32>(at, 4), out) + load<u8>(out + D_SIZE);
    sum += decodeA32Inline(load<u32>(at, 8), out) + load<u8>(out + D_SIZE);
    sum += decodeA32Inline(load<u32>(at, 12), out) + load<u8>(out + D_SIZE);
  }
  for (; at < end; at += 4) sum += decodeA32Inline(load<u32>(at), out) + load<u8>(out + D_SIZE);
  return sum;
}
