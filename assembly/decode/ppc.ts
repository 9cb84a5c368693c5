// PowerPC load/store decoder: one instruction (a word, or a Power10 prefix and its
// suffix) → the descriptor of assembly/decode/descriptor.ts. Table-driven: the
// primary opcode selects a sub-table and a mask, the masked word indexes it, and the
// id found there is the mnemonic (D_MNEMONIC) and the row of INFO/FLAGS
// (assembly/decode/ppc-tables.ts, generated from src/decode/ppc-names.ts). The
// one-register D, DS, DQ and X forms decode from ROWS (built from those tables at
// start) with one predictable test; everything else takes the general path.
//
// PowerPC conventions in the descriptor:
// - rt: the transfer register in its own file: GPR, FPR, VR 0..31 (VMX, and the VRT
//   of lxsd/lxssp/stxsd/stxssp and their prefixed forms) or VSR 0..63 (VSX forms with
//   a TX/SX bit); the mnemonic says which file.
// - lq, stq, lqarx, stqcx.: size 16 — one quadword access into the even-odd GPR pair
//   rt, rt2 = rt+1 (no F_PAIR: the access is one, single-copy atomic). Paired vector
//   forms (lxvp, stxvp, lxvpx, stxvpx, plxvp, pstxvp): F_PAIR, size 16 each, count 2,
//   rt2 = rt+1.
// - (RA|0) with RA = 0: base 0 with F_BASE_ZERO. PC-relative prefixed (R=1): base
//   REG_NONE with F_PC_RELATIVE, disp from the instruction's address.
// - lmw/stmw: F_MULTIPLE, count = 32-RT, D_REG_LIST = bits RT..31. lswi/stswi:
//   F_STRING, count = NB bytes (NB=0 → 32), no index; lswx/stswx: count 0 (XER[57:63]).
// - l?arx: D_COND holds the EH hint (bit 31). lxvl & co: D_RS = RB (the length
//   register), no index. lwat & co: OP_ATOMIC, D_ATOMIC = FC. hashst/hashchk: rt = RB
//   (the hashed register), base RA|0 as both oracles print it (RA = 0 is an invalid
//   form). dcbz/dcbzl: OP_ZERO, size 128 (the block), rt REG_NONE.
// - Undefined words, other instructions and truncated prefixes (D_LENGTH 8) still get
//   D_LENGTH and REG_NONE in the register fields; invalid forms are filled as their
//   valid twins. All DESC_SIZE bytes are written, as six 8-byte stores (no memory.fill).
// - Without PPC_MODE_64 (a 32-bit implementation) the instructions binutils marks
//   64-bit are undefined: ld/ldu/ldx/ldux, lwa/lwax/lwaux, std/stdu/stdx/stdux, ldarx,
//   stdcx. (and rldicl, tdi, slbie among the others).
import {
  D_RT, D_DISP, D_REG_LIST, D_RS,
  KIND_LOADSTORE, KIND_OTHER, KIND_UNDEFINED, KIND_TRUNCATED, KIND_INVALID_FORM,
  F_EXCLUSIVE, F_PC_RELATIVE, F_BASE_ZERO, F_PAIR, F_MULTIPLE, F_STRING, REG_NONE,
} from "./descriptor";
import {
  PRIMARY, PREFIX_8LS, PREFIX_MLS, INFO, ID_COUNT, FLAGS, FAST, FAST_INDEXED, FAST_TX_SHIFT, FAST_TX, FAST_GENERAL, FAST_EH, I_SIZE, I_REGS, I_FORM, I_CHECK, I_64,
  FORM_D, FORM_DS, FORM_DQ, FORM_X, FORM_XNB, FORM_XZERO, FORM_XLEN, FORM_AMO, FORM_HASH, FORM_PREFIXED,
  CHECK_NONE, CHECK_LOAD_UPDATE, CHECK_UPDATE, CHECK_LMW, CHECK_LSWI, CHECK_LQ, CHECK_LQARX, CHECK_EVEN, CHECK_LSWX,
  REGS_VSX31, REGS_VSX28, REGS_VSXPAIR, REGS_VSXOP, M_OTHER, M_DCBZ, M_DCBZL,
} from "./ppc-tables";
import { SUB } from "./ppc-tables-sub";
import { ppcAlias } from "./ppc-alias";

/** mode: a 64-bit implementation (ld, std, ldarx, rldicl… defined); else a 32-bit one. */
export const PPC_MODE_64: u32 = 1;
/** mode: `next` is not available (the prefix is the last word): a prefix decodes as KIND_TRUNCATED. */
export const PPC_MODE_NO_SUFFIX: u32 = 2;

// Descriptor bytes 8..15 for a word that is not a load/store: rt, rt2, base, index = REG_NONE.
const NO_REGS: u64 = 0xffff_ffff;

/** Fills DESC_SIZE bytes at `out` for `word` (and `next`, its suffix when `word` is a prefix); returns the kind. */
export function decodePpc(word: u32, next: u32, mode: u32, out: usize): u32 {
  const primary = word >>> 26;
  const entry = unchecked(PRIMARY[primary]);
  const id = <u32>unchecked(SUB[(entry & 0xffff) + (word & (entry >>> 16))]);
  const row = ROWS + (<usize>id << 4);
  const fast = load<u32>(row, 8);
  // Slow: a prefix (primary 1 leads to id 0, a slow row), a row oneRegister does not
  // cover, or a 64-bit-only form on a 32-bit implementation.
  if ((fast & select<u32>(ROW_SLOW, ROW_SLOW | ROW_64, (mode & PPC_MODE_64) != 0)) != 0) {
    return primary == 1 ? decodePrefixed(word, next, mode, out) : describe(id, word, 0, mode, out, 4);
  }
  return oneRegister(row, fast, id, word, out);
}

// Rows by id for the one-register forms (D, DS, DQ, X) of a 4-byte word: 0 the
// descriptor's bytes 0-7 (kind and F_BASE_ZERO aside) · 8 FAST with bits 17-22 as
// ROW_TX_* and ROW_SLOW · 12 INFO. Built at start by each instance (the same bytes).
const ROWS: usize = memory.data(ID_COUNT << 4, 8);
const ROW_TX_BIT0: u32 = 1 << 17; // TX is bit 0 (XX1 forms)
const ROW_TX_BIT3: u32 = 1 << 18; // TX is bit 3 (DQ forms)
const ROW_64: u32 = 1 << 19; //        defined on 64-bit implementations only
const ROW_SLOW: u32 = FAST_GENERAL; // not a load/store, or a form oneRegister does not cover

function buildRows(): void {
  for (let id: u32 = 0; id < ID_COUNT; id++) {
    const info = unchecked(INFO[id]);
    const fast = unchecked(FAST[id]);
    const row = ROWS + (<usize>id << 4);
    store<u64>(row, (<u64>(info & 7) << 8) | (<u64>((info >>> I_SIZE) & 255) << 16) | (<u64>1 << 24) | (<u64>unchecked(FLAGS[id]) << 32));
    const txShift = (fast >>> FAST_TX_SHIFT) & 31;
    const tx = (fast >>> FAST_TX) & 1;
    const slow = (fast & FAST_GENERAL) != 0 || (info & 7) == 0;
    store<u32>(row, (fast & ~(0x7f << FAST_TX_SHIFT)) | select<u32>(ROW_TX_BIT0, 0, tx != 0 && txShift == 0)
      | select<u32>(ROW_TX_BIT3, 0, tx != 0 && txShift == 3) | select<u32>(ROW_SLOW, 0, slow) | select<u32>(ROW_64, 0, (info & I_64) != 0), 8);
    store<u32>(row, info, 12);
  }
}
buildRows();

/** A one-register load/store from its row: every field without a branch but the rare invalid-form check. */
@inline function oneRegister(row: usize, fast: u32, id: u32, word: u32, out: usize): u32 {
  const ra = (word >>> 16) & 31;
  const rb = (word >>> 11) & 31;
  const rt = ((word >>> 21) & 31) | ((((word & (fast >>> 17)) | ((word >>> 3) & (fast >>> 18))) & 1) << 5);
  const index = select<u32>(rb, REG_NONE, (fast & FAST_INDEXED) != 0);
  store<u64>(out, <u64>rt | (<u64>REG_NONE << 8) | (<u64>ra << 16) | (<u64>index << 24) | (<u64>4 << 56), D_RT);
  store<i64>(out, <i64><i16>(word & fast & 0xffff), D_DISP);
  store<u64>(out, 0, D_DISP + 8);
  store<u64>(out, (<u64>id << 32) | (<u64>(word & (fast >>> FAST_EH) & 1) << 56), D_REG_LIST);
  store<u64>(out, <u64>REG_NONE, D_RS);
  const check = (load<u32>(row, 12) >>> I_CHECK) & 15;
  const kind: u32 = check != CHECK_NONE && invalidForm(check, rt, ra, rb, 1) ? KIND_INVALID_FORM : KIND_LOADSTORE;
  store<u64>(out, load<u64>(row) | kind | select<u64>(<u64>F_BASE_ZERO << 32, 0, ra == 0));
  return kind;
}

function decodePrefixed(prefix: u32, suffix: u32, mode: u32, out: usize): u32 {
  if ((mode & PPC_MODE_NO_SUFFIX) != 0) return notLoadStore(KIND_TRUNCATED, 0, out, 8);
  const type = (prefix >>> 24) & 3;
  let id: u32 = 0;
  if ((prefix & 0x00ec_0000) == 0) { // bits 8-10 and 12-13 reserved
    if (type == 0) id = unchecked(PREFIX_8LS[suffix >>> 26]);
    else if (type == 2) id = unchecked(PREFIX_MLS[suffix >>> 26]);
  }
  if (id == 0) id = prefixedOther(prefix, suffix);
  return describe(id, suffix, prefix, mode, out, 8);
}

/**
 * A prefix that is no load/store: paddi (MLS + 14), the 8RR vector forms (suffix 32:
 * xxsplti32dx…, 34: xxpermx, xxeval…) and MMIRR ones (59: pmxv*ger*) are defined
 * (KIND_OTHER, their reserved bits unchecked); anything else is undefined.
 */
function prefixedOther(prefix: u32, suffix: u32): u32 {
  const type = (prefix >>> 24) & 3;
  const op = suffix >>> 26;
  if (type == 2) return (prefix & 0x00ec_0000) == 0 && op == 14 ? M_OTHER : 0;
  if (type == 1) return op == 32 || op == 34 ? M_OTHER : 0;
  if (type == 3) return op == 59 ? M_OTHER : 0;
  return 0;
}

@inline function notLoadStore(kind: u32, id: u32, out: usize, length: u32): u32 {
  store<u64>(out, <u64>kind);
  store<u64>(out, NO_REGS | (<u64>length << 56), D_RT);
  store<u64>(out, 0, D_DISP);
  store<u64>(out, 0, D_DISP + 8);
  store<u64>(out, <u64>id << 32, D_REG_LIST);
  store<u64>(out, <u64>REG_NONE, D_RS);
  return kind;
}

@inline function describe(id: u32, word: u32, prefix: u32, mode: u32, out: usize, length: u32): u32 {
  const info = unchecked(INFO[id]);
  const op = info & 7;
  if ((info & I_64) != 0 && (mode & PPC_MODE_64) == 0) return notLoadStore(KIND_UNDEFINED, 0, out, length);
  if (op == 0) {
    const name = id == 0 ? 0 : ppcAlias(id, word);
    return name == 0 ? notLoadStore(KIND_UNDEFINED, 0, out, length) : notLoadStore(KIND_OTHER, name, out, length);
  }
  return loadStoreGeneral(id, info, word, prefix, out, length);
}

/** Every load/store decodePpc does not take from ROWS: prefixed, string, multiple, pairs, quadwords, dcbz, lxvl, lwat, hashst. */
function loadStoreGeneral(id: u32, info: u32, word: u32, prefix: u32, out: usize, length: u32): u32 {
  let flags = unchecked(FLAGS[id]);
  const size = (info >>> I_SIZE) & 255;
  const regs = (info >>> I_REGS) & 7;
  const form = (info >>> I_FORM) & 15;
  const check = (info >>> I_CHECK) & 15;
  const field = (word >>> 21) & 31;
  let rt = field;
  const ra = (word >>> 16) & 31;
  const rb = (word >>> 11) & 31;
  if (regs == REGS_VSX31) rt |= (word & 1) << 5;
  else if (regs == REGS_VSX28) rt |= ((word >>> 3) & 1) << 5;
  else if (regs == REGS_VSXPAIR) rt = (field & 0x1e) | ((field & 1) << 5);
  else if (regs == REGS_VSXOP) rt |= ((word >>> 26) & 1) << 5;
  let base = ra;
  let index: u32 = REG_NONE;
  let count: u32 = 1;
  let disp: i64 = 0;
  let regList: u32 = 0;
  let cond: u32 = 0;
  let atomic: u32 = 0;
  let rs: u32 = REG_NONE;
  let kind: u32 = KIND_LOADSTORE;
  if (ra == 0) flags |= F_BASE_ZERO;
  switch (form) {
    case FORM_D: disp = <i64><i16>(word & 0xffff); break;
    case FORM_DS: disp = <i64><i16>(word & 0xfffc); break;
    case FORM_DQ: disp = <i64><i16>(word & 0xfff0); break;
    case FORM_X: index = rb; break;
    case FORM_XNB: count = rb == 0 ? 32 : rb; break;
    case FORM_XZERO: {
      if (field == 1 && id == M_DCBZ) id = M_DCBZL;
      else if (field != 0) return notLoadStore(KIND_UNDEFINED, 0, out, length);
      rt = REG_NONE;
      index = rb;
      break;
    }
    case FORM_XLEN: rs = rb; break;
    case FORM_AMO: atomic = rb; break;
    case FORM_HASH: {
      rt = rb;
      disp = <i64>(((word & 1) << 8) | (field << 3)) - 512;
      break;
    }
    case FORM_PREFIXED: {
      const wide = (<i64>(prefix & 0x3ffff) << 16) | <i64>(word & 0xffff);
      disp = (wide << 30) >> 30;
      if ((prefix & 0x0010_0000) != 0) { // R: PC-relative; RA must be 0
        if (ra != 0) kind = KIND_INVALID_FORM;
        flags = (flags & ~F_BASE_ZERO) | F_PC_RELATIVE;
        base = REG_NONE;
      }
      break;
    }
    default: break;
  }
  if ((flags & F_EXCLUSIVE) != 0 && (info & 7) == 1) cond = word & 1;
  if ((flags & F_MULTIPLE) != 0) {
    count = 32 - rt;
    regList = 0xffff_ffff << rt;
  }
  if ((flags & F_STRING) != 0 && form == FORM_X) count = 0;
  if ((flags & F_PAIR) != 0) count = 2;
  const rt2: u32 = (flags & F_PAIR) != 0 || (size == 16 && regs == 0) ? rt + 1 : REG_NONE;
  if (check != CHECK_NONE && invalidForm(check, rt, ra, rb, count)) kind = KIND_INVALID_FORM;
  store<u64>(out, <u64>kind | (<u64>(info & 7) << 8) | (<u64>size << 16) | (<u64>count << 24) | (<u64>flags << 32));
  store<u64>(out, <u64>rt | (<u64>rt2 << 8) | (<u64>base << 16) | (<u64>index << 24) | (<u64>length << 56), D_RT);
  store<i64>(out, disp, D_DISP);
  store<u64>(out, 0, D_DISP + 8);
  store<u64>(out, <u64>regList | (<u64>id << 32) | (<u64>atomic << 48) | (<u64>cond << 56), D_REG_LIST);
  store<u64>(out, <u64>rs, D_RS);
  return kind;
}

function invalidForm(check: u32, rt: u32, ra: u32, rb: u32, count: u32): bool {
  switch (check) {
    case CHECK_LOAD_UPDATE: return ra == 0 || ra == rt;
    case CHECK_UPDATE: return ra == 0;
    case CHECK_LMW: return ra >= rt;
    case CHECK_LSWI: return ((ra - rt) & 31) < ((count + 3) >>> 2);
    case CHECK_LQ: return (rt & 1) != 0 || rt == ra;
    case CHECK_LQARX: return (rt & 1) != 0 || rt == ra || rt == rb;
    case CHECK_EVEN: return (rt & 1) != 0;
    case CHECK_LSWX: return rt == ra || rt == rb;
    default: return false;
  }
}

/**
 * Decodes `count` words at `words` (host order, already byte-swapped), stepping over
 * prefixed suffixes, the descriptor at `out`; returns a checksum of the kinds.
 */
export function benchDecodePpc(words: usize, count: u32, mode: u32, out: usize): u32 {
  let sum: u32 = 0;
  let i: u32 = 0;
  // Every word but the last has a next one to offer as a suffix; the last decodes with
  // PPC_MODE_NO_SUFFIX. The step comes from the word itself, not from the descriptor
  // just stored, so the loop does not wait on a store-to-load round trip.
  while (i + 1 < count) {
    const at = words + (<usize>i << 2);
    const word = load<u32>(at);
    sum = sum * 31 + decodePpc(word, load<u32>(at, 4), mode, out);
    i += select<u32>(2, 1, (word >>> 26) == 1);
  }
  if (i < count) sum = sum * 31 + decodePpc(load<u32>(words + (<usize>i << 2)), 0, mode | PPC_MODE_NO_SUFFIX, out);
  return sum + <u32>load<u16>(out, 36);
}
