// The A64 interpreter's decoded-instruction cache, shaped like ppc/uops.ts (same record
// region and two-way sets; a mode change empties it): the hot integer forms pre-decoded
// once into a 16-byte micro-op keyed by the instruction word itself, so an entry never
// goes stale (code the guest or the host rewrites just misses). Nothing decoded depends on the pc
// (ADR/ADRP and the branches add it when they run) or on any register. The micro-ops
// and the entry's fields: a64/uop-alu.ts, a64/uop-memory.ts, a64/uop-exclusive.ts,
// a64/uop-vector-memory.ts and a64/uop-simd.ts; a64-run.ts runs them.
// Everything else, and the forms' rare corners (SP or XZR where a micro-op has no room
// for them, writeback onto the transfer register), is U_GENERIC: the full path.
import { UOP_SIZE, UOP_ENTRIES } from "../layout";
import { U_GENERIC, uopSecondWay } from "./ppc/uops";
import { decodeBitMasks, bitMaskW } from "./a64/data-immediate";
import {
  SP_INDEX, E_OP, E_RD, E_RN, E_RM, E_IMM, E_AUX, A_WIDE, A_SIGNED, A_SUBTRACT, A_IMMEDIATE, A_NEGATE, A_INVERT, A_ARITHMETIC,
  U_ADDI_X, U_ADDI_W, U_ADDSI_X, U_ADDSI_W, U_SUBSI_X, U_SUBSI_W, U_ADD_X, U_ADD_W, U_SUB_X, U_SUB_W, U_ADDS_X, U_ADDS_W,
  U_SUBS_X, U_SUBS_W, U_AND_X, U_AND_W, U_ORR_X, U_ORR_W, U_EOR_X, U_EOR_W, U_ANDS_X, U_ANDS_W, U_MOV_X, U_MOV_W, U_ANDI,
  U_ORRI_X, U_ORRI_W, U_EORI_X, U_EORI_W, U_ANDSI_X, U_ANDSI_W, U_MOVI, U_MOVK_X, U_MOVK_W, U_ADR, U_ADRP, U_UBFM_X,
  U_UBFM_W, U_SBFM_X, U_SBFM_W, U_BFM_X, U_BFM_W, U_SHIFTV, U_DIV, U_MADD_X, U_MADD_W, U_MADDL, U_CSEL, U_CCMP, U_B, U_BL,
  U_BCOND, U_CBZ, U_CBNZ, U_TBZ, U_TBNZ, U_BR, U_BLR, U_NOP, U_ONE_SOURCE, U_ADC, U_ADCS, U_MULH, U_EXTR,
} from "./a64/uop-alu";
import {
  U_LDR8, U_LDRSB_X, U_LDRSH_X, U_LDRSW, U_LDRSB_W, U_LDRSH_W, U_STR8, U_LDP32, U_LDP64, U_LDPSW, U_STP32, U_STP64,
  M_WRITEBACK, M_REGISTER, M_SP_BASE, PLAIN,
} from "./a64/uop-memory";
import { U_LDXR8, U_STXR8, U_LDAR8, U_STLR8 } from "./a64/uop-exclusive";
import { U_VLDR32, U_VSTR32, U_VLDP32, U_VSTP32 } from "./a64/uop-vector-memory";
import { uopSimd } from "./a64/uop-simd";

const M32: u64 = 0xffff_ffff;

/**
 * The entry for `word` in the cache at `uops` (record + REC_UOPS), decoded now if the
 * cache does not hold it. Two ways a set, the last used first (uopSecondWay), so two
 * hot words that share a set do not decode each other out on every pass of a loop.
 */
@inline export function a64UopFor(uops: usize, word: u32): usize {
  const entry = uops + ((((word * 0x9e37_79b1) >>> 23) & (UOP_ENTRIES / 2 - 1)) * (UOP_SIZE * 2));
  if (load<u32>(entry) != word) {
    if (!uopSecondWay(entry, word)) fill(entry, word);
  }
  return entry;
}

function fill(entry: usize, word: u32): void {
  store<u32>(entry, word);
  store<u64>(entry, 0, E_IMM);
  store<u8>(entry, decode(entry, word), E_OP);
}

function decode(entry: usize, word: u32): u8 {
  if ((word & 0x1c00_0000) == 0x1000_0000) return dataImmediate(entry, word);
  if ((word & 0x1c00_0000) == 0x1400_0000) return branch(entry, word);
  if ((word & 0x0a00_0000) == 0x0800_0000) return loadStore(entry, word);
  if ((word & 0x0e00_0000) == 0x0a00_0000) return dataRegister(entry, word);
  if ((word & 0x0e00_0000) == 0x0e00_0000) return uopSimd(entry, word);
  return U_GENERIC;
}

function put(entry: usize, rd: u32, rn: u32, rm: u32, imm: i32, aux: u32): void {
  store<u8>(entry, <u8>rd, E_RD);
  store<u8>(entry, <u8>rn, E_RN);
  store<u8>(entry, <u8>rm, E_RM);
  store<i32>(entry, imm, E_IMM);
  store<u32>(entry, aux, E_AUX);
}

/**
 * ConditionHolds(cond) for each NZCV value, by condition: bit nzcv (N in bit 3) is set where
 * the condition holds (the Arm ARM's table; conditionHoldsFor computes the same, and the
 * Unicorn-checked B.cond/CSEL/CCMP tests hold both to it). A constant, so a B.cond, CSEL or
 * CCMP decodes without asking conditionHoldsFor 16 times and nothing is written at run time.
 */
const CONDITION_MASKS = memory.data<u16>([
  0xf0f0, 0x0f0f, 0xcccc, 0x3333, 0xff00, 0x00ff, 0xaaaa, 0x5555,
  0x0c0c, 0xf3f3, 0xaa55, 0x55aa, 0x0a05, 0xf5fa, 0xffff, 0xffff,
]);

function conditionMask(cond: u32): u32 {
  return load<u16>(CONDITION_MASKS + (<usize>cond << 1));
}

/** operand2's aux for LSL (0), LSR (1), ASR (2) by `amount` at the operation's width. */
function shiftAux(type: u32, amount: u32, wide: bool): u32 {
  if (type == 0) return amount;
  const left: u32 = wide ? 0 : 32;
  return left | ((left + amount) << 8) | (type == 2 ? A_ARITHMETIC : 0);
}

/** operand2's aux for an extended register: option (UXTB..SXTX) then LSL #shift. */
function extendAux(option: u32, shift: u32): u32 {
  const keep: u32 = 64 - (<u32>8 << (option & 3));
  return keep | (keep << 8) | (shift << 16) | ((option & 4) != 0 ? A_ARITHMETIC : 0);
}

@inline function sized(wide: bool, x: u8, w: u8): u8 {
  return wide ? x : w;
}

function dataImmediate(entry: usize, word: u32): u8 {
  const rd = word & 31, rn = (word >>> 5) & 31;
  const wide = (word >>> 31) != 0;
  if ((word & 0x1f80_0000) == 0x1100_0000) { // ADD/SUB (immediate)
    const setFlags = (word & 0x2000_0000) != 0;
    const subtract = (word & 0x4000_0000) != 0;
    const value = <i32>(((word >>> 10) & 0xfff) << ((word & 0x0040_0000) != 0 ? 12 : 0));
    const n = rn == 31 ? SP_INDEX : rn;
    if (!setFlags) {
      put(entry, rd == 31 ? SP_INDEX : rd, n, 0, subtract ? -value : value, 0);
      return sized(wide, U_ADDI_X, U_ADDI_W);
    }
    put(entry, rd, n, 0, value, 0);
    return subtract ? sized(wide, U_SUBSI_X, U_SUBSI_W) : sized(wide, U_ADDSI_X, U_ADDSI_W);
  }
  if ((word & 0x1f80_0000) == 0x1280_0000) { // MOVN / MOVZ / MOVK
    const opc = (word >>> 29) & 3, hw = (word >>> 21) & 3;
    if (opc == 1 || (!wide && hw > 1) || rd == 31) return U_GENERIC;
    const shift = hw << 4;
    const imm16 = (word >>> 5) & 0xffff;
    if (opc == 3) {
      put(entry, rd, 0, 0, <i32>imm16, shift);
      return sized(wide, U_MOVK_X, U_MOVK_W);
    }
    const value = <u64>imm16 << <u64>shift;
    put(entry, rd, 0, 0, 0, 0);
    store<u64>(entry, opc == 0 ? ~value & (wide ? 0xffff_ffff_ffff_ffff : M32) : value, E_IMM);
    return U_MOVI;
  }
  if ((word & 0x1f80_0000) == 0x1200_0000) { // AND/ORR/EOR/ANDS (immediate): rd is SP but for ANDS
    const n = (word >>> 22) & 1;
    if (!wide && n != 0) return U_GENERIC;
    if (!decodeBitMasks(n, (word >>> 10) & 63, (word >>> 16) & 63, true)) return U_GENERIC;
    const opc = (word >>> 29) & 3;
    put(entry, opc != 3 && rd == 31 ? SP_INDEX : rd, rn, 0, 0, 0);
    store<u64>(entry, wide ? bitMaskW : bitMaskW & M32, E_IMM);
    if (opc == 0) return U_ANDI;
    if (opc == 1) return sized(wide, U_ORRI_X, U_ORRI_W);
    if (opc == 2) return sized(wide, U_EORI_X, U_EORI_W);
    return sized(wide, U_ANDSI_X, U_ANDSI_W);
  }
  if ((word & 0x1f80_0000) == 0x1300_0000) { // SBFM / BFM / UBFM
    const opc = (word >>> 29) & 3, n = (word >>> 22) & 1;
    const r = (word >>> 16) & 63, s = (word >>> 10) & 63;
    if (opc == 3 || n != (wide ? 1 : 0) || (!wide && (r > 31 || s > 31)) || rd == 31) return U_GENERIC;
    // The field: bits s..r moved to bit 0 (s >= r), or bits s..0 moved to bit datasize - r.
    const size: u32 = wide ? 64 : 32;
    put(entry, rd, rn, 0, <i32>(63 - s), s >= r ? 63 - s + r : 63 - s - (size - r));
    if (opc == 0) return sized(wide, U_SBFM_X, U_SBFM_W);
    if (opc == 1) return sized(wide, U_BFM_X, U_BFM_W);
    return sized(wide, U_UBFM_X, U_UBFM_W);
  }
  if ((word & 0x7fa0_0000) == 0x1380_0000 && ((word >>> 22) & 1) == (word >>> 31) && rd != 31) { // EXTR (ROR immediate)
    const lsb = (word >>> 10) & 63;
    if (!wide && lsb > 31) return U_GENERIC;
    put(entry, rd, rn, (word >>> 16) & 31, <i32>lsb, wide ? A_WIDE : 0);
    return U_EXTR;
  }
  if ((word & 0x1f00_0000) == 0x1000_0000 && rd != 31) { // ADR, ADRP
    const offset = (<i32>((((word >>> 5) & 0x7_ffff) << 2 | ((word >>> 29) & 3)) << 11)) >> 11;
    put(entry, rd, 0, 0, offset, 0);
    return wide ? U_ADRP : U_ADR;
  }
  return U_GENERIC;
}

function branch(entry: usize, word: u32): u8 {
  if ((word & 0x7c00_0000) == 0x1400_0000) { // B, BL
    put(entry, 0, 0, 0, (<i32>(word << 6)) >> 4, 0);
    return (word >>> 31) != 0 ? U_BL : U_B;
  }
  const offset19 = ((<i32>(word << 8)) >> 13) << 2;
  if ((word & 0xff00_0000) == 0x5400_0000) { // B.cond, and BC.cond (FEAT_HBC: bit 4, a hint, the same branch)
    put(entry, 0, 0, 0, offset19, conditionMask(word & 15));
    return U_BCOND;
  }
  if ((word & 0x7e00_0000) == 0x3400_0000) { // CBZ, CBNZ
    put(entry, word & 31, 0, 0, offset19, (word >>> 31) != 0 ? 0 : 32);
    return (word & 0x0100_0000) != 0 ? U_CBNZ : U_CBZ;
  }
  if ((word & 0x7e00_0000) == 0x3600_0000) { // TBZ, TBNZ
    put(entry, word & 31, 0, 0, ((<i32>(word << 13)) >> 18) << 2, ((word >>> 26) & 0x20) | ((word >>> 19) & 31));
    return (word & 0x0100_0000) != 0 ? U_TBNZ : U_TBZ;
  }
  if (word == 0xd503_201f) return U_NOP;
  // DMB, ISB (not DSB, which retires broadcast TLBIs): every access completes before the next instruction
  if ((word & 0xffff_f0ff) == 0xd503_30bf || (word & 0xffff_f0ff) == 0xd503_30df) return U_NOP;
  const rn = (word >>> 5) & 31;
  if ((word & 0xffff_fc1f) == 0xd61f_0000 || (word & 0xffff_fc1f) == 0xd65f_0000) { // BR, RET
    put(entry, 0, rn, 0, 0, 0);
    return U_BR;
  }
  if ((word & 0xffff_fc1f) == 0xd63f_0000) { // BLR
    put(entry, 0, rn, 0, 0, 0);
    return U_BLR;
  }
  return U_GENERIC;
}

/** LDR/STR of a general register: the op for size and opc, or U_GENERIC (PRFM, the reserved ones). */
function singleOp(size: u32, opc: u32): u8 {
  if (opc < 2) return <u8>(<u32>(opc == 0 ? U_STR8 : U_LDR8) + size);
  if (opc == 2) return size == 0 ? U_LDRSB_X : size == 1 ? U_LDRSH_X : size == 2 ? U_LDRSW : U_GENERIC;
  return size == 0 ? U_LDRSB_W : size == 1 ? U_LDRSH_W : U_GENERIC;
}

/** The immediate forms' offsets: before the access and, with writeback, added after it. */
function putOffsets(entry: usize, rt: u32, base: u32, flags: u32, before: i32, after: i32, rt2: u32): void {
  store<u8>(entry, <u8>rt, E_RD);
  store<u8>(entry, <u8>base, E_RN);
  store<u8>(entry, <u8>flags, E_RM);
  store<i16>(entry, <i16>before, E_IMM);
  store<i16>(entry, <i16>after, E_IMM + 2);
  store<u32>(entry, rt2, E_AUX);
}

function loadStore(entry: usize, word: u32): u8 {
  const size = word >>> 30, opc = (word >>> 22) & 3;
  const rt = word & 31, rn = (word >>> 5) & 31;
  const base = rn == 31 ? SP_INDEX : rn;
  const sp: u32 = rn == 31 ? M_SP_BASE : 0;
  if ((word & 0x3f00_0000) == 0x3900_0000 || (word & 0x3e00_0000) == 0x3800_0000) { // one general register
    const op = singleOp(size, opc);
    if (op == U_GENERIC || (opc != 0 && rt == 31)) return U_GENERIC;
    if ((word & 0x0100_0000) != 0) { // unsigned offset
      putOffsets(entry, rt, base, sp, <i32>(((word >>> 10) & 0xfff) << size), 0, 0);
      return sp != 0 ? op : <u8>(<u32>op + PLAIN);
    }
    if ((word & 0x0020_0000) == 0) { // unscaled (LDUR), post-index, pre-index; LDTR/STTR take the full path
      const offset = (<i32>(word << 11)) >> 23;
      const kind = (word >>> 10) & 3;
      if (kind == 2) return U_GENERIC;
      if (kind != 0 && rn == rt && rn != 31) return U_GENERIC;
      if (kind == 0) {
        putOffsets(entry, rt, base, sp, offset, 0, 0);
        return sp != 0 ? op : <u8>(<u32>op + PLAIN);
      }
      if (kind == 1) putOffsets(entry, rt, base, sp | M_WRITEBACK, 0, offset, 0);
      else putOffsets(entry, rt, base, sp | M_WRITEBACK, offset, 0, 0);
      return op;
    }
    if ((word & 0x0c00) == 0x0800) { // register offset
      const option = (word >>> 13) & 7;
      if ((option & 2) == 0) return U_GENERIC;
      put(entry, rt, base, M_REGISTER | sp, <i32>((word >>> 16) & 31), extendAux(option, (word & 0x1000) != 0 ? size : 0));
      return op;
    }
    return U_GENERIC;
  }
  if ((word & 0x3e00_0000) == 0x2800_0000) { // LDP, STP, LDPSW (and LDNP/STNP, as the offset form)
    const index = (word >>> 23) & 3;
    const loading = (word & 0x0040_0000) != 0;
    const rt2 = (word >>> 10) & 31;
    let op: u8;
    if (size == 0) op = loading ? U_LDP32 : U_STP32;
    else if (size == 2) op = loading ? U_LDP64 : U_STP64;
    else if (size == 1 && loading && index != 0) op = U_LDPSW;
    else return U_GENERIC;
    if (loading && (rt == rt2 || rt == 31 || rt2 == 31)) return U_GENERIC;
    const writeback = index == 1 || index == 3;
    if (writeback && rn != 31 && (rn == rt || rn == rt2)) return U_GENERIC;
    const offset = ((<i32>(word << 10)) >> 25) << (size == 2 ? 3 : 2);
    if (index == 1) putOffsets(entry, rt, base, sp | M_WRITEBACK, 0, offset, rt2);
    else if (index == 3) putOffsets(entry, rt, base, sp | M_WRITEBACK, offset, 0, rt2);
    else putOffsets(entry, rt, base, sp, offset, 0, rt2);
    return op;
  }
  if ((word & 0x3f00_0000) == 0x0800_0000) return exclusiveOrdered(entry, word, size, rt, base, sp);
  if ((word & 0x3e00_0000) == 0x3c00_0000) return vectorSingle(entry, word, rt, base, sp);
  if ((word & 0x3e00_0000) == 0x2c00_0000) return vectorPair(entry, word, rt, base, sp);
  return U_GENERIC;
}

/**
 * LDXR/LDAXR, STXR/STLXR, LDAR, STLR of one general register (uop-exclusive.ts); the
 * rest of the class (pairs, CAS, LDLAR/STLLR, Rs or Rt2 not 31 where they should be),
 * a load into XZR and a status into WZR take the full path.
 */
function exclusiveOrdered(entry: usize, word: u32, size: u32, rt: u32, base: u32, sp: u32): u8 {
  const rs = (word >>> 16) & 31;
  if (((word >>> 10) & 31) != 31 || (word & 0x0020_0000) != 0) return U_GENERIC;
  const loading = (word & 0x0040_0000) != 0;
  const ordered = (word & 0x0080_0000) != 0;
  if (ordered && (word & 0x8000) == 0) return U_GENERIC;
  if ((loading || ordered) && rs != 31) return U_GENERIC;
  if (loading ? rt == 31 : !ordered && rs == 31) return U_GENERIC;
  putOffsets(entry, rt, base, sp, 0, 0, rs);
  const op = ordered ? (loading ? U_LDAR8 : U_STLR8) : (loading ? U_LDXR8 : U_STXR8);
  return <u8>(<u32>op + size);
}

/** LDR/STR/LDUR/STUR of an S, D or Q register (uop-vector-memory.ts); B, H and too-far Q offsets take the full path. */
function vectorSingle(entry: usize, word: u32, rt: u32, base: u32, sp: u32): u8 {
  const size = word >>> 30, opc = (word >>> 22) & 3;
  let scale: u32; // log2 of the register's bytes
  if (size == 0 && opc >= 2) scale = 4;
  else if (size >= 2 && opc < 2) scale = size;
  else return U_GENERIC;
  const op = <u8>(<u32>((opc & 1) != 0 ? U_VLDR32 : U_VSTR32) + scale - 2);
  if ((word & 0x0100_0000) != 0) { // unsigned offset
    const offset = ((word >>> 10) & 0xfff) << scale;
    if (offset > 0x7fff) return U_GENERIC;
    putOffsets(entry, rt, base, sp, <i32>offset, 0, 0);
    return op;
  }
  if ((word & 0x0020_0000) != 0) { // register offset
    const option = (word >>> 13) & 7;
    if ((word & 0x0c00) != 0x0800 || (option & 2) == 0) return U_GENERIC;
    put(entry, rt, base, M_REGISTER | sp, <i32>((word >>> 16) & 31), extendAux(option, (word & 0x1000) != 0 ? scale : 0));
    return op;
  }
  const offset = (<i32>(word << 11)) >> 23;
  const kind = (word >>> 10) & 3;
  if (kind == 2) return U_GENERIC;
  if (kind == 0) putOffsets(entry, rt, base, sp, offset, 0, 0);
  else if (kind == 1) putOffsets(entry, rt, base, sp | M_WRITEBACK, 0, offset, 0);
  else putOffsets(entry, rt, base, sp | M_WRITEBACK, offset, 0, 0);
  return op;
}

/** LDP/STP/LDNP/STNP of S, D or Q registers (uop-vector-memory.ts); LDP with Vt = Vt2 takes the full path. */
function vectorPair(entry: usize, word: u32, rt: u32, base: u32, sp: u32): u8 {
  const opc = word >>> 30, index = (word >>> 23) & 3;
  const loading = (word & 0x0040_0000) != 0;
  const rt2 = (word >>> 10) & 31;
  if (opc == 3 || (loading && rt == rt2)) return U_GENERIC;
  const offset = ((<i32>(word << 10)) >> 25) << (opc + 2);
  if (index == 1) putOffsets(entry, rt, base, sp | M_WRITEBACK, 0, offset, rt2);
  else if (index == 3) putOffsets(entry, rt, base, sp | M_WRITEBACK, offset, 0, rt2);
  else putOffsets(entry, rt, base, sp, offset, 0, rt2);
  return <u8>(<u32>(loading ? U_VLDP32 : U_VSTP32) + opc);
}

function dataRegister(entry: usize, word: u32): u8 {
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const wide = (word >>> 31) != 0;
  if ((word & 0x1f00_0000) == 0x0a00_0000) { // logical (shifted register)
    const type = (word >>> 22) & 3, amount = (word >>> 10) & 63;
    const opc = (word >>> 29) & 3, invert = (word & 0x0020_0000) != 0;
    if (type == 3 || (!wide && amount > 31) || (rd == 31 && opc != 3)) return U_GENERIC;
    if (opc == 1 && !invert && rn == 31 && amount == 0) {
      put(entry, rd, 0, rm, 0, 0);
      return sized(wide, U_MOV_X, U_MOV_W);
    }
    put(entry, rd, rn, rm, 0, shiftAux(type, amount, wide) | (invert ? A_INVERT : 0));
    if (opc == 0) return sized(wide, U_AND_X, U_AND_W);
    if (opc == 1) return sized(wide, U_ORR_X, U_ORR_W);
    if (opc == 2) return sized(wide, U_EOR_X, U_EOR_W);
    return sized(wide, U_ANDS_X, U_ANDS_W);
  }
  const setFlags = (word & 0x2000_0000) != 0;
  const subtract = (word & 0x4000_0000) != 0;
  if ((word & 0x1f20_0000) == 0x0b00_0000) { // ADD/SUB (shifted register): 31 is XZR
    const type = (word >>> 22) & 3, amount = (word >>> 10) & 63;
    if (type == 3 || (!wide && amount > 31) || (rd == 31 && !setFlags)) return U_GENERIC;
    put(entry, rd, rn, rm, 0, shiftAux(type, amount, wide));
    return addSubOp(wide, setFlags, subtract);
  }
  if ((word & 0x1fe0_0000) == 0x0b20_0000) { // ADD/SUB (extended register): rn is SP, and rd but for the flag forms
    const shift = (word >>> 10) & 7;
    if (shift > 4) return U_GENERIC;
    put(entry, rd == 31 && !setFlags ? SP_INDEX : rd, rn == 31 ? SP_INDEX : rn, rm, 0, extendAux((word >>> 13) & 7, shift));
    return addSubOp(wide, setFlags, subtract);
  }
  if ((word & 0x3fe0_0410) == 0x3a40_0000) { // CCMN, CCMP (register, immediate)
    const immediate = (word & 0x0800) != 0;
    put(entry, 0, rn, rm, <i32>rm, conditionMask((word >>> 12) & 15) | ((word & 15) << 16) | (wide ? A_WIDE : 0)
      | (immediate ? A_IMMEDIATE : 0) | ((word & 0x4000_0000) == 0 ? A_NEGATE : 0));
    return U_CCMP;
  }
  if (rd == 31) return U_GENERIC;
  if ((word & 0x7fff_0000) == 0x5ac0_0000) { // data processing (1 source): RBIT, REV16, REV32/REV, REV, CLZ, CLS
    const opcode = (word >>> 10) & 63;
    if (opcode > 5 || (opcode == 3 && !wide)) return U_GENERIC;
    put(entry, rd, rn, 0, 0, opcode | (wide ? A_WIDE : 0));
    return U_ONE_SOURCE;
  }
  if ((word & 0x1fe0_fc00) == 0x1a00_0000) { // ADC, ADCS, SBC, SBCS
    put(entry, rd, rn, rm, 0, (subtract ? A_SUBTRACT : 0) | (wide ? A_WIDE : 0));
    return setFlags ? U_ADCS : U_ADC;
  }
  if ((word & 0x7fe0_0000) == 0x1ac0_0000) { // data processing (2 source)
    const opcode = (word >>> 10) & 63;
    const width: u32 = wide ? A_WIDE : 0;
    put(entry, rd, rn, rm, 0, 0);
    if (opcode == 2 || opcode == 3) {
      store<u32>(entry, width | (opcode == 3 ? A_SIGNED : 0), E_AUX);
      return U_DIV;
    }
    if (opcode >= 8 && opcode <= 11) {
      store<u32>(entry, width | (opcode - 8), E_AUX);
      return U_SHIFTV;
    }
    return U_GENERIC;
  }
  if ((word & 0x7f00_0000) == 0x1b00_0000) { // data processing (3 source)
    const op31 = (word >>> 21) & 7;
    const minus: u32 = (word & 0x8000) != 0 ? A_SUBTRACT : 0;
    put(entry, rd, rn, rm, <i32>((word >>> 10) & 31), minus);
    if (op31 == 0) return sized(wide, U_MADD_X, U_MADD_W);
    if (wide && (op31 == 2 || op31 == 6) && minus == 0 && ((word >>> 10) & 31) == 31) { // SMULH, UMULH
      store<u32>(entry, op31 == 2 ? A_SIGNED : 0, E_AUX);
      return U_MULH;
    }
    if (wide && (op31 == 1 || op31 == 5)) {
      store<u32>(entry, minus | (op31 == 1 ? A_SIGNED : 0), E_AUX);
      return U_MADDL;
    }
    return U_GENERIC;
  }
  if ((word & 0x3fe0_0800) == 0x1a80_0000) { // CSEL, CSINC, CSINV, CSNEG
    const kind = ((word >>> 29) & 2) | ((word >>> 10) & 1);
    put(entry, rd, rn, rm, 0, conditionMask((word >>> 12) & 15) | (wide ? A_WIDE : 0));
    return <u8>(<u32>U_CSEL + kind);
  }
  return U_GENERIC;
}

@inline function addSubOp(wide: bool, setFlags: bool, subtract: bool): u8 {
  if (setFlags) return subtract ? sized(wide, U_SUBS_X, U_SUBS_W) : sized(wide, U_ADDS_X, U_ADDS_W);
  return subtract ? sized(wide, U_SUB_X, U_SUB_W) : sized(wide, U_ADD_X, U_ADD_W);
}
