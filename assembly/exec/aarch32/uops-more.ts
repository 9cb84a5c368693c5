// More forms of the AArch32 micro-op cache (uops.ts), in both instruction sets: SBFX/UBFX,
// SXTB/SXTH/UXTB/UXTH (rotated), CLZ, MUL/MLA/MLS and the long multiplies, LDR/STR(B)
// with a shifted register offset (LDR PC too: jump tables), LDRH/STRH/LDRSB/LDRSH with an immediate offset, and
// LDM/STM in every addressing mode (PUSH and POP among them), and (uops-ordered.ts) LDREX/STREX
// and LDA/STL. UNPREDICTABLE register
// choices take the full path, and so does a multiple transfer whose words are not all
// in RAM the TLB already maps on one page (as the full path then runs it, a fault or
// device access part-way through behaves as it does there).
import { CPU_GPR, PAGE_SIZE } from "../../layout";
import { record } from "../../machine";
import { tlbLookup, TLB_READ, TLB_WRITE } from "../../mmu/tlb";
import { bigData } from "../guest-memory";
import { interworkingBranch } from "../a32-loadstore";
import { setNZ, setNZ64 } from "./flags";
import { put, SET_A32, A_LOAD, A_STORE, A_BX } from "./uops";
import { extend } from "./integer";
import { extendKind } from "./a32-integer";
import { isA32Ordered, fillA32Ordered } from "./uops-ordered";

export const A_BFX: u8 = 130; //      rd, rn; imm: lsb; aux: width - 1 | BFX_SIGNED
export const A_EXTEND: u8 = 131; //   rd, rm; imm: rotation; aux: the extend kind
export const A_CLZ: u8 = 132; //      rd, rm
export const A_MUL: u8 = 133; //      rd = rn * rm (+ or - Ra in imm; NO_ACCUMULATE: none); aux: MUL_* flags
export const A_MUL_LONG: u8 = 134; // RdLo rd, RdHi imm, rn * rm; aux: MUL_* flags
export const A_LOAD_REG: u8 = 135; // rd, [rn, +/-(rm shifted)]; imm: imm5; aux: size | type << 8 | REG_* flags
export const A_STORE_REG: u8 = 136;
export const A_MULTIPLE: u8 = 137; // LDM/STM rn; imm: the register list; aux: MULTIPLE_* flags
export const A_NOP: u8 = 138;
export const A_BLX_IMM: u8 = 139; //  imm: offset from pc + 8 (to Thumb)
export const A_LOAD_PC_REG: u8 = 142; // LDR PC, [rn, +/-(rm shifted)] (a jump table; rn 15: A32 pc + 8): as A_LOAD_REG, then BX

export const BFX_SIGNED: u32 = 1 << 5;
export const NO_ACCUMULATE: u32 = 16;
export const MUL_SET_FLAGS: u32 = 1;
export const MUL_SUBTRACT: u32 = 2; //   MLS
export const MUL_SIGNED: u32 = 4; //     SMULL/SMLAL
export const MUL_ACCUMULATE: u32 = 8; // UMLAL/SMLAL
export const REG_SIGNED: u32 = 1 << 4;
export const REG_DOWN: u32 = 1 << 5; // subtract the index
export const MULTIPLE_UP: u32 = 1;
export const MULTIPLE_BEFORE: u32 = 2;
export const MULTIPLE_WRITEBACK: u32 = 4;
export const MULTIPLE_LOAD: u32 = 8;

@inline function reg(n: u32): u32 {
  return load<u32>(record + CPU_GPR + (n << 3));
}

@inline function setReg(n: u32, value: u32): void {
  store<u64>(record + CPU_GPR + (n << 3), <u64>value);
}

/** SBFX/UBFX: `width` bits of Rn from `lsb`, sign- or zero-extended (lsb + width <= 32, checked at decode). */
export function bitfieldExtract(rd: u32, rn: u32, lsb: u32, aux: u32): void {
  const width = (aux & 31) + 1;
  const up = 32 - width;
  const field = reg(rn) << (up - lsb);
  setReg(rd, (aux & BFX_SIGNED) != 0 ? <u32>(<i32>field >> up) : field >>> up);
}

@inline export function extendRegister(rd: u32, rm: u32, rotation: u32, kind: u32): void {
  setReg(rd, extend(kind, 0, reg(rm), rotation));
}

@inline export function countLeadingZeros(rd: u32, rm: u32): void {
  setReg(rd, clz<u32>(reg(rm)));
}

/** MUL/MLA/MLS: the low 32 bits; MULS/MLAS set N and Z only. */
export function multiply(rd: u32, rn: u32, rm: u32, ra: u32, aux: u32): void {
  const product = reg(rn) * reg(rm);
  const result = ra == NO_ACCUMULATE ? product : (aux & MUL_SUBTRACT) != 0 ? reg(ra) - product : reg(ra) + product;
  setReg(rd, result);
  if ((aux & MUL_SET_FLAGS) != 0) setNZ(result);
}

/** UMULL/SMULL/UMLAL/SMLAL into RdLo (`lo`) and RdHi (`hi`); the S forms set N and Z from all 64 bits. */
export function multiplyLong(lo: u32, hi: u32, rn: u32, rm: u32, aux: u32): void {
  const signed = (aux & MUL_SIGNED) != 0;
  const n = signed ? <u64><i64><i32>reg(rn) : <u64>reg(rn);
  const m = signed ? <u64><i64><i32>reg(rm) : <u64>reg(rm);
  let result = n * m;
  if ((aux & MUL_ACCUMULATE) != 0) result += (<u64>reg(hi) << 32) | <u64>reg(lo);
  setReg(lo, <u32>result);
  setReg(hi, <u32>(result >>> 32));
  if ((aux & MUL_SET_FLAGS) != 0) setNZ64(result);
}

/**
 * LDM/STM of the registers in `list` from Rn: TRANSFER_DONE when all words were in RAM on
 * one page, word-aligned, through the TLB's hit path; TRANSFER_FULL_PATH (nothing changed)
 * when the full path must run it; TRANSFER_BRANCHED after loading PC (an interworking
 * branch: pc and the instruction set are set).
 */
export function transferMultiple(rn: u32, list: u32, aux: u32): u32 {
  const count = popcnt<u32>(list);
  const base = reg(rn);
  const up = (aux & MULTIPLE_UP) != 0;
  const before = (aux & MULTIPLE_BEFORE) != 0;
  const lowest = up ? base + (before ? 4 : 0) : base - (count << 2) + (before ? 0 : 4);
  const isLoad = (aux & MULTIPLE_LOAD) != 0;
  if ((lowest & 3) != 0 || (lowest & (PAGE_SIZE - 1)) + (count << 2) > PAGE_SIZE) return TRANSFER_FULL_PATH;
  const host = tlbLookup(isLoad ? TLB_READ : TLB_WRITE, <u64>lowest, 4);
  if (host == 0) return TRANSFER_FULL_PATH;
  const big = bigData();
  let at = host;
  let loadedPc: u32 = 0;
  for (let bits = list; bits != 0; bits &= bits - 1) {
    const n = ctz<u32>(bits);
    if (isLoad) {
      const raw = load<u32>(at);
      const value = big ? bswap<u32>(raw) : raw;
      if (n == 15) loadedPc = value;
      else setReg(n, value);
    } else {
      const value = reg(n);
      store<u32>(at, big ? bswap<u32>(value) : value);
    }
    at += 4;
  }
  if ((aux & MULTIPLE_WRITEBACK) != 0) setReg(rn, up ? base + (count << 2) : base - (count << 2));
  if ((list & 0x8000) == 0) return TRANSFER_DONE;
  interworkingBranch(loadedPc);
  return TRANSFER_BRANCHED;
}

export const TRANSFER_DONE: u32 = 0;
export const TRANSFER_BRANCHED: u32 = 1;
export const TRANSFER_FULL_PATH: u32 = 2;

/** The A32 forms above (and BLX Rm, LDRH/STRH/LDRSB/LDRSH offset) into `entry`: true when `word` is one of them. */
export function fillA32More(entry: usize, word: u32, cond: u32): bool {
  const rn = (word >>> 16) & 15;
  const rd = (word >>> 12) & 15;
  const rs = (word >>> 8) & 15;
  const rm = word & 15;
  if ((word & 0x0fa0_0070) == 0x07a0_0050) { // SBFX, UBFX (bit 22)
    const widthMinus1 = (word >>> 16) & 31;
    const lsb = (word >>> 7) & 31;
    if (rd == 15 || rm == 15 || lsb + widthMinus1 > 31) return false;
    put(entry, word, SET_A32, A_BFX, rd, rm, 0, lsb, widthMinus1 | ((word & 0x0040_0000) == 0 ? BFX_SIGNED : 0), cond);
  } else if ((word & 0x0f8f_03f0) == 0x068f_0070) { // SXTB16 SXTB SXTH UXTB16 UXTB UXTH (no accumulate)
    const kind = extendKind((word >>> 20) & 7);
    if (kind == 8 || rd == 15 || rm == 15) return false;
    put(entry, word, SET_A32, A_EXTEND, rd, 0, rm, ((word >>> 10) & 3) << 3, kind, cond);
  } else if ((word & 0x0fff_0ff0) == 0x016f_0f10) {
    if (rd == 15 || rm == 15) return false;
    put(entry, word, SET_A32, A_CLZ, rd, 0, rm, 0, 0, cond);
  } else if ((word & 0x0f80_00f0) == 0x0000_0090) { // MUL MLA (bit 21), MLS (0x0060_0090, no S)
    const accumulate = (word & 0x0020_0000) != 0;
    const subtract = (word & 0x0040_0000) != 0;
    if (rn == 15 || rm == 15 || rs == 15 || (accumulate && rd == 15) || (subtract && (!accumulate || (word & 0x0010_0000) != 0))) return false;
    if (!accumulate && !subtract && rd != 0) return false; // MUL's SBZ field
    put(entry, word, SET_A32, A_MUL, rn, rm, rs, accumulate ? rd : NO_ACCUMULATE,
      ((word & 0x0010_0000) != 0 ? MUL_SET_FLAGS : 0) | (subtract ? MUL_SUBTRACT : 0), cond);
  } else if ((word & 0x0f80_00f0) == 0x0080_0090) { // UMULL UMLAL SMULL SMLAL
    if (rn == 15 || rd == 15 || rs == 15 || rm == 15 || rn == rd) return false;
    put(entry, word, SET_A32, A_MUL_LONG, rd, rm, rs, rn, ((word >>> 20) & 1) | ((word & 0x0040_0000) != 0 ? MUL_SIGNED : 0)
      | ((word & 0x0020_0000) != 0 ? MUL_ACCUMULATE : 0), cond);
  } else if ((word & 0x0f70_0010) == 0x0710_0000 && rd == 15 && rm != 15) { // LDR PC, [Rn, +/-Rm, shift #imm5]
    put(entry, word, SET_A32, A_LOAD_PC_REG, 15, rn, rm, (word >>> 7) & 31, (((word >>> 5) & 3) << 8)
      | ((word & 0x0080_0000) == 0 ? REG_DOWN : 0), cond);
  } else if ((word & 0x0f20_0010) == 0x0700_0000) { // LDR/STR/LDRB/STRB, register offset shifted, no writeback
    if (rn == 15 || rd == 15 || rm == 15) return false;
    const aux = ((word & 0x0040_0000) != 0 ? 1 : 4) | (((word >>> 5) & 3) << 8) | ((word & 0x0080_0000) == 0 ? REG_DOWN : 0);
    put(entry, word, SET_A32, (word & 0x0010_0000) != 0 ? A_LOAD_REG : A_STORE_REG, rd, rn, rm, (word >>> 7) & 31, aux, cond);
  } else if ((word & 0x0e40_0000) == 0x0800_0000) { // LDM/STM (not the user-register and exception-return forms)
    const list = word & 0xffff;
    const isLoad = (word & 0x0010_0000) != 0;
    const writeback = (word & 0x0020_0000) != 0;
    if (rn == 15 || list == 0 || (writeback && (list & (1 << rn)) != 0) || (!isLoad && (list & 0x8000) != 0)) return false;
    put(entry, word, SET_A32, A_MULTIPLE, 0, rn, 0, list, ((word >>> 23) & 1) | (((word >>> 24) & 1) << 1)
      | (writeback ? MULTIPLE_WRITEBACK : 0) | (isLoad ? MULTIPLE_LOAD : 0), cond);
  } else if ((word & 0x0f60_0090) == 0x0140_0090 && (word & 0x60) != 0 && ((word & 0x0010_0000) != 0 || (word & 0x60) == 0x20)) {
    // LDRH/STRH/LDRSB/LDRSH, immediate offset
    if (rn == 15 || rd == 15) return false;
    const offset = ((word >>> 4) & 0xf0) | (word & 15);
    const signed = (word & 0x40) != 0;
    put(entry, word, SET_A32, (word & 0x0010_0000) != 0 ? A_LOAD : A_STORE, rd, rn, 0, (word & 0x0080_0000) != 0 ? offset : -offset,
      (signed && (word & 0x20) == 0 ? 1 : 2) | (signed ? REG_SIGNED : 0), cond);
  } else if ((word & 0x0fff_fff0) == 0x012f_ff30 && rm != 15) { // BLX Rm
    put(entry, word, SET_A32, A_BX, 0, 0, rm, 0, 1, cond);
  } else if ((word & 0x0fff_ffff) == 0x0320_f000) {
    put(entry, word, SET_A32, A_NOP, 0, 0, 0, 0, 0, cond);
  } else if (isA32Ordered(word)) {
    return fillA32Ordered(entry, word, cond);
  } else {
    return false;
  }
  return true;
}
