// A64 load/store decoder: one 32-bit word → the descriptor at `out`; returns the kind.
// Dispatch is on the major opcode bits (27 and 25 select the load/store space,
// 29:28 and 24 the group), then on small per-group tables; nothing allocates. The
// single-register and pair forms decode from rows in a64-fast.ts first.
//
// Choices: PRFM/PRFUM (all forms) are hints, KIND_OTHER with their mnemonic. Literal
// loads have base REG_NONE, F_PC_RELATIVE and the byte offset in D_DISP. Base 31 is
// SP; a transfer or index register 31 is the zero register. SIMD&FP registers carry
// F_FP (plus F_VECTOR for Q). SIMD structure loads/stores (LD1..LD4, ST1..ST4, LDnR)
// carry F_VECTOR | F_MULTIPLE, D_COUNT registers from D_RT (mask in D_REG_LIST) and
// D_SIZE = the bytes transferred. MTE tag instructions are KIND_OTHER. Outside the
// load/store space the result is KIND_OTHER, or KIND_UNDEFINED for the unallocated
// top-level groups; precise only inside the load/store space. DC ZVA is a load/store:
// OP_ZERO of 64 bytes (DCZID_EL0's block) at base Xt (F_BASE_ZERO for XZR).

import {
  D_KIND, D_OP, D_SIZE, D_COUNT, D_FLAGS, D_RT, D_RT2, D_BASE, D_INDEX, D_DISP, D_POST_DISP, D_REG_LIST,
  D_MNEMONIC, D_ATOMIC, D_RS, KIND_LOADSTORE, KIND_OTHER, KIND_UNDEFINED, KIND_INVALID_FORM, OP_LOAD, OP_STORE,
  OP_ATOMIC, OP_ZERO, F_BASE_ZERO, F_SIGNED, F_WRITEBACK, F_POST_INDEX, F_EXCLUSIVE, F_ACQUIRE, F_RELEASE, F_FP, F_VECTOR,
  F_PC_RELATIVE, F_PAIR, F_MULTIPLE, F_SIGN_EXTEND_64, F_WORD_DEST, ATOMIC_ADD, ATOMIC_CLR, ATOMIC_SET, ATOMIC_SWAP, ATOMIC_CAS,
  REG_NONE,
} from "./descriptor";
import {
  M64_SINGLE, M64_RCPC_U, M64_LDRAA, M64_LDAPR, M64_EXCL, M64_EXCLP, M64_ORDERED, M64_CAS, M64_CASP, M64_SWP,
  M64_LDOP, M64_STOP, M64_ST1, M64_LD1, M64_LD1R, M64_DC_ZVA, M64_LSE128, M64_RCPC3_PAIR, M64_LS64,
} from "./a64-mnemonics";
import { PAIR_SIZES, sext, unsignedOffset, pairFast, singleFast } from "./a64-fast";

/** The empty descriptor: zeros, rt/rt2/base/index/rs = REG_NONE, length 4 (five stores, no memory.fill call). */
@inline function begin(out: usize): void {
  store<u64>(out, 0);
  store<u64>(out + D_RT, 0x04000000_ffffffff); // rt rt2 base index = 0xff, shift/extend 0, length 4
  store<u64>(out + D_DISP, 0);
  store<u64>(out + D_POST_DISP, 0);
  store<u64>(out + D_REG_LIST, 0);
  store<u64>(out + D_RS, <u64>REG_NONE);
}

@inline function finish(out: usize, kind: u32): u32 {
  store<u8>(out + D_KIND, <u8>kind);
  return kind;
}

@inline function access(out: usize, op: u8, size: u32, flags: u32, rt: u32, base: u32, mnemonic: u32): void {
  // kind (0, set by finish), op, size, count 1, flags: one store (D_OP = 1, D_SIZE = 2, D_COUNT = 3, D_FLAGS = 4)
  store<u64>(out, (<u64>op << 8) | (<u64>(size & 0xff) << 16) | (1 << 24) | (<u64>flags << 32));
  store<u8>(out + D_RT, <u8>rt);
  store<u8>(out + D_BASE, <u8>base);
  store<u16>(out + D_MNEMONIC, <u16>mnemonic);
}

export function decodeA64(word: u32, out: usize): u32 {
  // The single-register and pair forms first (a64-fast.ts); each returns 0 for a word
  // it leaves to the rest, which below is then unallocated (or STGP).
  if ((word & 0x3b000000) == 0x39000000) {
    const kind = unsignedOffset(word, out);
    if (kind != 0) return kind;
  } else if ((word & 0x3a000000) == 0x28000000) {
    const kind = pairFast(word, out);
    if (kind != 0) return kind;
  } else if ((word & 0x3b000000) == 0x38000000) {
    const kind = singleFast(word, out);
    if (kind != 0) return kind;
  }
  begin(out);
  if ((word & 0x0a000000) != 0x08000000) return finish(out, outside(word, out));
  switch ((word >>> 28) & 3) {
    case 0: return (word & 0x04000000) != 0 ? structure(word, out) : exclusive(word, out);
    case 1: return (word & 0x01000000) != 0 ? rcpcUnscaled(word, out) : literal(word, out);
    case 2: return pair(word, out);
    default: return (word & 0x01000000) != 0 ? finish(out, KIND_UNDEFINED) : registerGroup(word, out);
  }
}

/** Outside the load/store space: DC ZVA (a store zeroing a DCZID_EL0 block), or the unallocated top-level groups (undefined). */
function outside(word: u32, out: usize): u32 {
  if ((word & 0xffff_ffe0) == 0xd50b_7420) { // DC ZVA, Xt: base Xt (31: XZR, so F_BASE_ZERO), 64 bytes
    const rt = word & 31;
    access(out, OP_ZERO, 64, rt == 31 ? F_BASE_ZERO : 0, REG_NONE, rt, M64_DC_ZVA);
    return KIND_LOADSTORE;
  }
  const op1 = (word >>> 25) & 15;
  if (op1 == 1 || op1 == 3) return KIND_UNDEFINED;
  if (op1 == 0 && (word >>> 16) == 0) return KIND_UNDEFINED; // UDF
  return KIND_OTHER;
}

/** Bits 29:28 = 11, bit 24 = 0: unscaled / post / unprivileged / pre, register offset, atomics, LDRAA. */
function registerGroup(word: u32, out: usize): u32 {
  const op4 = (word >>> 10) & 3;
  if ((word & 0x00200000) == 0 || op4 == 2) return finish(out, KIND_UNDEFINED); // what singleFast left
  if (op4 == 0) return atomic(word, out);
  // LDRAA / LDRAB
  if ((word >>> 30) != 3 || (word & 0x04000000) != 0) return finish(out, KIND_UNDEFINED);
  const rt = word & 31;
  const rn = (word >>> 5) & 31;
  const disp = sext(((word >>> 13) & 0x200) | ((word >>> 12) & 0x1ff), 10) << 3;
  let flags: u32 = 0;
  let kind = KIND_LOADSTORE;
  if ((word & 0x800) != 0) {
    flags = F_WRITEBACK;
    if (rn == rt && rn != 31) kind = KIND_INVALID_FORM;
  }
  access(out, OP_LOAD, 8, flags, rt, rn, M64_LDRAA + ((word >>> 23) & 1));
  store<i64>(out + D_DISP, disp);
  return finish(out, kind);
}

/** LSE atomics (LD<op>, ST<op>, SWP) and LDAPR. */
function atomic(word: u32, out: usize): u32 {
  if ((word & 0x04000000) != 0) return finish(out, KIND_UNDEFINED);
  const size = word >>> 30;
  const sz = size < 2 ? size : 2;
  const ar = (word >>> 22) & 3; // A*2 + R
  const rs = (word >>> 16) & 31;
  const opc = (word >>> 12) & 7;
  const rt = word & 31;
  const rn = (word >>> 5) & 31;
  let flags: u32 = (ar & 2 ? F_ACQUIRE : 0) | (ar & 1 ? F_RELEASE : 0);
  if (size < 3) flags |= F_WORD_DEST;
  if ((word & 0x8000) != 0) {
    if (opc == 0) {
      access(out, OP_ATOMIC, 1 << size, flags, rt, rn, M64_SWP + ar * 3 + sz);
      store<u8>(out + D_ATOMIC, ATOMIC_SWAP);
      store<u8>(out + D_RS, <u8>rs);
      return finish(out, KIND_LOADSTORE);
    }
    if (opc == 4 && ar == 2 && rs == 31) {
      access(out, OP_LOAD, 1 << size, flags, rt, rn, M64_LDAPR + sz);
      return finish(out, KIND_LOADSTORE);
    }
    if (size == 3 && ar == 0 && opc != 4 && opc != 6 && opc != 7) return ls64(word, out, opc, rs, rt, rn);
    return finish(out, KIND_UNDEFINED);
  }
  const mnemonic = rt == 31 && (ar & 2) == 0 ? M64_STOP + (opc * 2 + (ar & 1)) * 3 + sz : M64_LDOP + (opc * 4 + ar) * 3 + sz;
  access(out, OP_ATOMIC, 1 << size, flags, rt, rn, mnemonic);
  store<u8>(out + D_ATOMIC, ATOMIC_ADD + <u8>opc);
  store<u8>(out + D_RS, <u8>rs);
  return finish(out, KIND_LOADSTORE);
}

/**
 * FEAT_LS64 (o3 = 1, size 11, A = R = 0): LD64B (opc 101), ST64B (001), ST64BV (011),
 * ST64BV0 (010): 64 bytes to or from Xt..Xt+7 (Rt even, at most 22), ST64BV(0) with a
 * status in Xs; LD64B and ST64B have Rs = 11111. D_COUNT: the 8 registers.
 */
function ls64(word: u32, out: usize, opc: u32, rs: u32, rt: u32, rn: u32): u32 {
  const withStatus = opc == 3 || opc == 2;
  if ((opc != 5 && opc != 1 && !withStatus) || (!withStatus && rs != 31) || (rt & 1) != 0 || rt > 22) return finish(out, KIND_UNDEFINED);
  const name: u32 = opc == 5 ? 0 : opc == 1 ? 1 : opc == 3 ? 2 : 3;
  access(out, opc == 5 ? OP_LOAD : OP_STORE, 64, 0, rt, rn, M64_LS64 + name);
  store<u8>(out + D_COUNT, 8);
  if (withStatus) store<u8>(out + D_RS, <u8>rs);
  return finish(out, KIND_LOADSTORE);
}

/** Load register (literal). */
function literal(word: u32, out: usize): u32 {
  const opc = word >>> 30;
  const rt = word & 31;
  let size: u32 = 4;
  let flags: u32 = F_PC_RELATIVE;
  let name: u32 = 1; // ldr
  let kind = KIND_LOADSTORE;
  if ((word & 0x04000000) != 0) {
    if (opc == 3) return finish(out, KIND_UNDEFINED);
    size = 4 << opc;
    flags |= opc == 2 ? F_FP | F_VECTOR : F_FP;
  } else if (opc == 0) flags |= F_WORD_DEST;
  else if (opc == 1) size = 8;
  else if (opc == 2) { flags |= F_SIGNED | F_SIGN_EXTEND_64; name = 8; }
  else { name = 9; kind = KIND_OTHER; }
  access(out, OP_LOAD, size, flags, rt, REG_NONE, M64_SINGLE + name);
  store<i64>(out + D_DISP, sext((word >>> 5) & 0x7ffff, 19) << 2);
  return finish(out, kind);
}

/** The pair encodings pairFast (a64-fast.ts) leaves: unallocated ones, and STGP (MTE). */
function pair(word: u32, out: usize): u32 {
  const v = (word >>> 26) & 1;
  const mode = (word >>> 23) & 3; // 0 no-allocate, 1 post, 2 offset, 3 pre
  const isLoad = (word & 0x00400000) != 0;
  const stgp = load<u8>(PAIR_SIZES + (((word >>> 30) << 1) | v)) == 0xfe && !isLoad && mode != 0; // STGP (MTE)
  return finish(out, stgp ? KIND_OTHER : KIND_UNDEFINED);
}

/** Exclusive, ordered (LDAR/STLR/LDLAR/STLLR), CAS and CASP: bits 29:24 = 001000. */
function exclusive(word: u32, out: usize): u32 {
  if ((word & 0x01000000) != 0) return finish(out, KIND_UNDEFINED);
  const size = word >>> 30;
  const sz = size < 2 ? size : 2;
  const o2 = (word >>> 23) & 1;
  const l = (word >>> 22) & 1;
  const o1 = (word >>> 21) & 1;
  const rs = (word >>> 16) & 31;
  const o0 = (word >>> 15) & 1;
  const rt2 = (word >>> 10) & 31;
  const rn = (word >>> 5) & 31;
  const rt = word & 31;
  const wordDest: u32 = size < 3 ? F_WORD_DEST : 0;
  let kind = KIND_LOADSTORE;
  if (o1 != 0) {
    if (o2 == 0 && size >= 2) { // LDXP / STXP
      const log2 = size;
      let flags: u32 = F_EXCLUSIVE | F_PAIR | (l != 0 ? (o0 != 0 ? F_ACQUIRE : 0) : (o0 != 0 ? F_RELEASE : 0));
      if (l != 0) {
        flags |= wordDest;
        if (rs != 31) kind = KIND_INVALID_FORM;
        if (rt == rt2) kind = KIND_INVALID_FORM;
      } else {
        store<u8>(out + D_RS, <u8>rs);
        if (rs == rt || rs == rt2 || (rs == rn && rn != 31)) kind = KIND_INVALID_FORM;
      }
      access(out, l != 0 ? OP_LOAD : OP_STORE, 1 << log2, flags, rt, rn, M64_EXCLP + l * 2 + o0);
      store<u8>(out + D_COUNT, 2);
      store<u8>(out + D_RT2, <u8>rt2);
      return finish(out, kind);
    }
    if (rt2 != 31) return finish(out, KIND_UNDEFINED);
    const flags: u32 = (l != 0 ? F_ACQUIRE : 0) | (o0 != 0 ? F_RELEASE : 0);
    if (o2 == 0) { // CASP
      if (((rs | rt) & 1) != 0) return finish(out, KIND_UNDEFINED);
      access(out, OP_ATOMIC, 4 << size, flags | F_PAIR | (size == 0 ? F_WORD_DEST : 0), rt, rn, M64_CASP + l * 2 + o0);
      store<u8>(out + D_COUNT, 2);
      store<u8>(out + D_RT2, <u8>(rt + 1));
    } else {
      access(out, OP_ATOMIC, 1 << size, flags | wordDest, rt, rn, M64_CAS + (l * 2 + o0) * 3 + sz);
    }
    store<u8>(out + D_ATOMIC, ATOMIC_CAS);
    store<u8>(out + D_RS, <u8>rs);
    return finish(out, kind);
  }
  let flags: u32 = l != 0 ? wordDest : 0;
  if (o2 == 0) {
    flags |= F_EXCLUSIVE;
    if (o0 != 0) flags |= l != 0 ? F_ACQUIRE : F_RELEASE;
    if (rt2 != 31) kind = KIND_INVALID_FORM;
    if (l != 0) {
      if (rs != 31) kind = KIND_INVALID_FORM;
    } else {
      store<u8>(out + D_RS, <u8>rs);
      if (rs == rt || (rs == rn && rn != 31)) kind = KIND_INVALID_FORM;
    }
    access(out, l != 0 ? OP_LOAD : OP_STORE, 1 << size, flags, rt, rn, M64_EXCL + (l * 2 + o0) * 3 + sz);
    return finish(out, kind);
  }
  // LDAR / STLR (o0 = 1), LDLAR / STLLR (LoRegions, o0 = 0)
  flags |= l != 0 ? F_ACQUIRE : F_RELEASE;
  if (rs != 31 || rt2 != 31) kind = KIND_INVALID_FORM;
  access(out, l != 0 ? OP_LOAD : OP_STORE, 1 << size, flags, rt, rn, M64_ORDERED + (l * 2 + o0) * 3 + sz);
  return finish(out, kind);
}

/**
 * FEAT_LSE128 (bits 31:24 = 0x19, bit 21, bits 11:10 = 00): LDCLRP, LDSETP, SWPP
 * (o3:opc = 0001, 0011, 1000) with A and R, a 16-byte atomic on the pair Xt (the low
 * doubleword), Xt2. Rt or Rt2 of 31 is undefined; Rt = Rt2 (CONSTRAINED UNPREDICTABLE) too.
 */
function atomicPair128(word: u32, out: usize): u32 {
  const op = (word >>> 12) & 15;
  const atomicOp: u8 = op == 0b0001 ? ATOMIC_CLR : op == 0b0011 ? ATOMIC_SET : op == 0b1000 ? ATOMIC_SWAP : 0;
  const rt = word & 31, rt2 = (word >>> 16) & 31;
  if (atomicOp == 0 || rt == 31 || rt2 == 31) return finish(out, KIND_UNDEFINED);
  const a = (word >>> 23) & 1, r = (word >>> 22) & 1;
  const name: u32 = (op == 0b0001 ? 0 : op == 0b0011 ? 4 : 8) + a * 2 + r;
  access(out, OP_ATOMIC, 8, F_PAIR | (a != 0 ? F_ACQUIRE : 0) | (r != 0 ? F_RELEASE : 0), rt, (word >>> 5) & 31, M64_LSE128 + name);
  store<u8>(out + D_COUNT, 2);
  store<u8>(out + D_RT2, <u8>rt2);
  store<u8>(out + D_ATOMIC, atomicOp);
  return finish(out, rt == rt2 ? KIND_INVALID_FORM : KIND_LOADSTORE);
}

/**
 * FEAT_LRCPC3 (bits 29:24 = 011001, bit 21 clear, bits 11:10 = 10), by opc (23:22):
 * STILP / LDIAPP (a W or X pair; opc2 0000 writes back, the store pre-indexed by
 * -2 × size, the load post-indexed by +2 × size; 0001 does not), STLR pre-indexed by
 * -size, LDAPR post-indexed by +size (opc2 0000, bits 20:16 zero). Writing back to a
 * transfer register, or an LDIAPP with Rt = Rt2, is KIND_INVALID_FORM.
 */
function rcpc3(word: u32, out: usize): u32 {
  const size = word >>> 30;
  const opc = (word >>> 22) & 3;
  const opc2 = (word >>> 12) & 15;
  const rt = word & 31, rn = (word >>> 5) & 31, rt2 = (word >>> 16) & 31;
  if (size < 2) return finish(out, KIND_UNDEFINED);
  const bytes: u32 = 1 << size;
  const isLoad = (opc & 1) != 0;
  const wordDest: u32 = size == 2 && isLoad ? F_WORD_DEST : 0;
  let flags: u32 = (isLoad ? F_ACQUIRE : F_RELEASE) | wordDest;
  let invalid = false;
  if (opc < 2) { // STILP, LDIAPP
    if (opc2 > 1) return finish(out, KIND_UNDEFINED);
    const writeback = opc2 == 0;
    if (writeback) flags |= F_WRITEBACK | (isLoad ? F_POST_INDEX : 0);
    access(out, isLoad ? OP_LOAD : OP_STORE, bytes, flags | F_PAIR, rt, rn, M64_RCPC3_PAIR + opc);
    store<u8>(out + D_COUNT, 2);
    store<u8>(out + D_RT2, <u8>rt2);
    if (writeback && isLoad) store<i64>(out + D_POST_DISP, <i64>(bytes << 1));
    if (writeback && !isLoad) store<i64>(out + D_DISP, -<i64>(bytes << 1));
    invalid = (isLoad && rt == rt2) || (writeback && rn != 31 && (rn == rt || rn == rt2));
  } else { // STLR pre-indexed, LDAPR post-indexed
    if (opc2 != 0 || rt2 != 0) return finish(out, KIND_UNDEFINED);
    flags |= F_WRITEBACK | (isLoad ? F_POST_INDEX : 0);
    access(out, isLoad ? OP_LOAD : OP_STORE, bytes, flags, rt, rn, isLoad ? M64_LDAPR + 2 : M64_ORDERED + 3 + 2);
    if (isLoad) store<i64>(out + D_POST_DISP, <i64>bytes);
    else store<i64>(out + D_DISP, -<i64>bytes);
    invalid = rn != 31 && rn == rt;
  }
  return finish(out, invalid ? KIND_INVALID_FORM : KIND_LOADSTORE);
}

/**
 * FEAT_LRCPC3 SIMD&FP LDAPUR / STLUR (bit 26 set, bits 11:10 = 10): B, H, S, D by size
 * with opc 00 (store) / 01 (load), Q with size 00 and opc 10 / 11.
 */
function rcpcUnscaledVector(word: u32, out: usize): u32 {
  if ((word & 0x00200c00) != 0x800) return finish(out, KIND_UNDEFINED);
  const size = word >>> 30;
  const opc = (word >>> 22) & 3;
  if (opc >= 2 && size != 0) return finish(out, KIND_UNDEFINED);
  const bytes: u32 = opc >= 2 ? 16 : 1 << size;
  const isLoad = (opc & 1) != 0;
  access(out, isLoad ? OP_LOAD : OP_STORE, bytes, (isLoad ? F_ACQUIRE : F_RELEASE) | F_FP | (bytes == 16 ? F_VECTOR : 0),
    word & 31, (word >>> 5) & 31, M64_RCPC_U + (isLoad ? 5 : 2));
  store<i64>(out + D_DISP, sext((word >>> 12) & 0x1ff, 9));
  return finish(out, KIND_LOADSTORE);
}

/** LDAPUR / STLUR family (v8.4 RCpc, unscaled); MTE tag instructions beside them; LSE128 and LRCPC3. */
function rcpcUnscaled(word: u32, out: usize): u32 {
  if ((word & 0x04000000) != 0) return rcpcUnscaledVector(word, out);
  if ((word & 0xff20_0c00) == 0x1920_0000) return atomicPair128(word, out);
  if ((word & 0x3f20_0c00) == 0x1900_0800) return rcpc3(word, out);
  const size = word >>> 30;
  if ((word & 0x00200000) != 0) return finish(out, size == 3 ? KIND_OTHER : KIND_UNDEFINED);
  if ((word & 0xc00) != 0) return finish(out, KIND_UNDEFINED);
  const opc = (word >>> 22) & 3;
  const sz = size < 2 ? size : 2;
  let flags: u32 = 0;
  let op = OP_LOAD;
  let name: u32 = 0;
  if (opc == 0) { op = OP_STORE; flags = F_RELEASE; name = sz; }
  else if (opc == 1) { flags = F_ACQUIRE | (size < 3 ? F_WORD_DEST : 0); name = 3 + sz; }
  else if (opc == 2) {
    if (size == 3) return finish(out, KIND_UNDEFINED);
    flags = F_ACQUIRE | F_SIGNED | F_SIGN_EXTEND_64; name = 6 + size;
  } else {
    if (size >= 2) return finish(out, KIND_UNDEFINED);
    flags = F_ACQUIRE | F_SIGNED | F_WORD_DEST; name = 6 + size;
  }
  access(out, op, 1 << size, flags, word & 31, (word >>> 5) & 31, M64_RCPC_U + name);
  store<i64>(out + D_DISP, sext((word >>> 12) & 0x1ff, 9));
  return finish(out, KIND_LOADSTORE);
}

/** SIMD structure loads/stores (LD1..4, ST1..4, LD1R..LD4R), multiple and single. */
function structure(word: u32, out: usize): u32 {
  if ((word >>> 31) != 0) return finish(out, KIND_UNDEFINED);
  const q = (word >>> 30) & 1;
  const isLoad = (word & 0x00400000) != 0;
  const post = (word & 0x00800000) != 0;
  const rm = (word >>> 16) & 31;
  const rt = word & 31;
  const rn = (word >>> 5) & 31;
  const size = (word >>> 10) & 3;
  let regs: u32 = 0;
  let bytes: u32 = 0;
  let mnemonic: u32 = 0;
  if ((word & 0x01000000) == 0) { // multiple structures
    if ((word & 0x00200000) != 0 || (!post && rm != 0)) return finish(out, KIND_UNDEFINED);
    const opcode = (word >>> 12) & 15;
    let selem: u32 = 0;
    switch (opcode) {
      case 0: regs = 4; selem = 4; break;
      case 2: regs = 4; selem = 1; break;
      case 4: regs = 3; selem = 3; break;
      case 6: regs = 3; selem = 1; break;
      case 7: regs = 1; selem = 1; break;
      case 8: regs = 2; selem = 2; break;
      case 10: regs = 2; selem = 1; break;
      default: return finish(out, KIND_UNDEFINED);
    }
    if (selem > 1 && size == 3 && q == 0) return finish(out, KIND_UNDEFINED);
    bytes = regs << (3 + q);
    mnemonic = (isLoad ? M64_LD1 : M64_ST1) + selem - 1;
  } else { // single structure
    // LDAP1 / STL1 (FEAT_LRCPC3): LD1/ST1 of one .D lane with acquire / release, Rm field 00001, no post-index.
    if (!post && rm == 1 && (word & 0x0020_fc00) == 0x8400) {
      access(out, isLoad ? OP_LOAD : OP_STORE, 8, F_VECTOR | F_MULTIPLE | (isLoad ? F_ACQUIRE : F_RELEASE), rt, rn, M64_RCPC3_PAIR + (isLoad ? 3 : 2));
      store<u32>(out + D_REG_LIST, 1 << rt);
      return finish(out, KIND_LOADSTORE);
    }
    if (!post && rm != 0) return finish(out, KIND_UNDEFINED);
    const opcode = (word >>> 13) & 7;
    const s = (word >>> 12) & 1;
    regs = (((opcode & 1) << 1) | ((word >>> 21) & 1)) + 1;
    const scale = opcode >>> 1;
    let esize: u32 = 1;
    if (scale == 1) {
      if ((size & 1) != 0) return finish(out, KIND_UNDEFINED);
      esize = 2;
    } else if (scale == 2) {
      if (size == 0) esize = 4;
      else if (size == 1 && s == 0) esize = 8;
      else return finish(out, KIND_UNDEFINED);
    } else if (scale == 3) {
      if (!isLoad || s != 0) return finish(out, KIND_UNDEFINED);
      esize = 1 << size;
    }
    bytes = regs * esize;
    mnemonic = (scale == 3 ? M64_LD1R : isLoad ? M64_LD1 : M64_ST1) + regs - 1;
  }
  let flags: u32 = F_VECTOR | F_MULTIPLE;
  let mask: u32 = 0;
  for (let i: u32 = 0; i < regs; i++) mask |= 1 << ((rt + i) & 31);
  access(out, isLoad ? OP_LOAD : OP_STORE, bytes, flags, rt, rn, mnemonic);
  store<u8>(out + D_COUNT, <u8>regs);
  store<u32>(out + D_REG_LIST, mask);
  if (post) {
    flags |= F_WRITEBACK | F_POST_INDEX;
    store<u32>(out + D_FLAGS, flags);
    if (rm == 31) store<i64>(out + D_POST_DISP, <i64>bytes);
    else store<u8>(out + D_INDEX, <u8>rm);
  }
  return finish(out, KIND_LOADSTORE);
}

/** Decodes `count` words from `words` into one descriptor; returns a checksum. */
export function benchDecodeA64(words: usize, count: u32, out: usize): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    sum += decodeA64(load<u32>(words + (<usize>i << 2)), out) + load<u8>(out + D_BASE);
  }
  return sum;
}
