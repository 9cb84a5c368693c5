// The AArch32 system and coprocessor loads/stores: LDM/STM with the S bit (user
// registers; LDM with PC in the list is an exception return), SRS/RFE (A32 and T32)
// and LDC/STC/LDC2/STC2 (coprocessor transfers; coprocessors 10 and 11 are VFP,
// decoded in a32.ts). Fields and UNPREDICTABLE cases as the ARMv7-A ARM gives them.

import {
  D_COUNT, D_SYSTEM, D_REG_LIST, D_COND, KIND_LOADSTORE, KIND_OTHER, KIND_INVALID_FORM, OP_LOAD, OP_STORE,
  F_FP, F_USER_REGS, F_COPROCESSOR, F_SYSTEM_RETURN,
} from "./descriptor";
import { armAccess, armImmediate, armBlock, armMnemonic, addFlags } from "./arm-common";
import { a32Multiple } from "./a32-fast";
import { MA_LDM, MA_STM, MA_LDC, MA_SRSDA, MA_RFEDA, MA_VLDR, MA_VSTR } from "./arm-mnemonics";

/** A32 LDM/STM with the S bit (bits 27:25 = 100, bit 22 set). */
export function userRegisters(word: u32, out: usize): u32 {
  let kind = a32Multiple(word, out);
  const p = (word >>> 24) & 1;
  const u = (word >>> 23) & 1;
  const w = (word & 0x0020_0000) != 0;
  const l = (word & 0x0010_0000) != 0;
  const list = word & 0xffff;
  armMnemonic(out, (l ? MA_LDM : MA_STM) + (u != 0 ? 0 : 2) + p);
  addFlags(out, F_USER_REGS);
  // Only the exception return (LDM with PC) may write the base back.
  if (w && (!l || (list & 0x8000) == 0)) kind = KIND_INVALID_FORM;
  return kind;
}

/** SRS (store LR and SPSR to the stack of `mode`) or RFE (load PC and CPSR) with the P, U, W bits given. */
function systemReturn(out: usize, isRfe: bool, rn: u32, p: bool, u: bool, w: bool, mode: u32, mnemonicIndex: u32): void {
  armAccess(out, isRfe ? OP_LOAD : OP_STORE, 4, F_SYSTEM_RETURN, isRfe ? 15 : 14, rn, (isRfe ? MA_RFEDA : MA_SRSDA) + mnemonicIndex);
  store<u8>(out + D_COUNT, 2);
  store<u8>(out + D_SYSTEM, <u8>mode);
  armBlock(out, u, p, w, 8);
}

/** A32 1111 100P U1W0 1101 0000 0101 000 mode (SRS) or 1111 100P U0W1 Rn 0000 1010 0000 0000 (RFE). */
export function a32SrsRfe(word: u32, out: usize): u32 {
  const p = (word & 0x0100_0000) != 0;
  const u = (word & 0x0080_0000) != 0;
  const w = (word & 0x0020_0000) != 0;
  const index: u32 = (p ? 2 : 0) | (u ? 1 : 0);
  if ((word & 0x0050_0000) == 0x0040_0000) {
    systemReturn(out, false, 13, p, u, w, word & 31, index);
    return (word & 0x000f_ffe0) == 0x000d_0500 ? KIND_LOADSTORE : KIND_INVALID_FORM;
  }
  if ((word & 0x0050_0000) == 0x0010_0000) {
    const rn = (word >>> 16) & 15;
    systemReturn(out, true, rn, p, u, w, 0, index);
    return (word & 0xffff) == 0x0a00 && rn != 15 ? KIND_LOADSTORE : KIND_INVALID_FORM;
  }
  return KIND_OTHER;
}

/** T32 SRSDB/SRSIA (hw1 1110 100x x0W0 1101) and RFEDB/RFEIA (hw1 1110 100x x0W1 Rn); bits 24:23 are 00 or 11. */
export function t32SrsRfe(word: u32, out: usize): u32 {
  const increment = (word & 0x0080_0000) != 0;
  const w = (word & 0x0020_0000) != 0;
  const index: u32 = increment ? 1 : 2; // IA (after) or DB (before)
  if ((word & 0x0010_0000) == 0) {
    systemReturn(out, false, 13, !increment, increment, w, word & 31, index);
    return (word & 0x000f_ffe0) == 0x000d_c000 ? KIND_LOADSTORE : KIND_INVALID_FORM;
  }
  const rn = (word >>> 16) & 15;
  systemReturn(out, true, rn, !increment, increment, w, 0, index);
  return (word & 0xffff) == 0xc000 && rn != 15 ? KIND_LOADSTORE : KIND_INVALID_FORM;
}

/**
 * LDC/STC (or LDC2/STC2 when `two`): bits 24:20 P U D W L, Rn, CRd, coproc, imm8, with
 * P = U = W = 0 already excluded (MCRR/MRRC or undefined). The unindexed form
 * ([Rn], {option}) keeps 0x100 | option in D_REG_LIST.
 */
function coprocessorTransfer(word: u32, out: usize, two: bool): u32 {
  const p = (word & 0x0100_0000) != 0;
  const u = (word & 0x0080_0000) != 0;
  const long = (word & 0x0040_0000) != 0;
  const w = (word & 0x0020_0000) != 0;
  const l = (word & 0x0010_0000) != 0;
  const rn = (word >>> 16) & 15;
  const mnemonic = MA_LDC + (l ? 0 : 2) + (long ? 1 : 0) + (two ? 4 : 0);
  armAccess(out, l ? OP_LOAD : OP_STORE, 4, F_COPROCESSOR, (word >>> 12) & 15, rn, mnemonic);
  store<u8>(out + D_SYSTEM, <u8>((word >>> 8) & 15));
  const imm8 = word & 0xff;
  if (!p && !w) {
    armImmediate(out, true, true, false, 0);
    store<u32>(out + D_REG_LIST, 0x100 | imm8);
  } else {
    armImmediate(out, p, u, w, imm8 << 2);
  }
  return w && rn == 15 ? KIND_INVALID_FORM : KIND_LOADSTORE;
}


/**
 * Whether a condition-1111 coprocessor-space word names a coprocessor LDC2/STC2 may
 * (0-7, 14, 15): ARMv8 gives 8-13 to Advanced SIMD and floating point (VCADD, VCMLA,
 * VFMAL, VSDOT, VMMLA and kin).
 */
export function ldc2Coprocessor(word: u32): bool {
  const coproc = (word >>> 8) & 15;
  return coproc < 8 || coproc >= 14;
}

/**
 * Bits 27:25 = 110 outside coprocessors 10 and 11: VLDR.16/VSTR.16 (coprocessor 9,
 * FEAT_FP16, fields as VLDR's with imm8 scaled by 2), LDC/STC (LDC2/STC2 when `two`),
 * or KIND_OTHER (MCRR/MRRC, and P = U = W = 0).
 */
export function coprocessorSpace(word: u32, out: usize, two: bool): u32 {
  if ((word & 0x01a0_0000) == 0) return KIND_OTHER;
  if (!two && (word & 0xf00) == 0x900) return halfTransfer(word, out);
  return coprocessorTransfer(word, out, two);
}

/** VLDR.16/VSTR.16 Sd, [Rn, #+/-imm8*2] (UNPREDICTABLE with a condition); the other P/W forms are LDC/STC p9. */
function halfTransfer(word: u32, out: usize): u32 {
  if ((word & 0x0120_0000) != 0x0100_0000) return coprocessorTransfer(word, out, false);
  const l = (word & 0x0010_0000) != 0;
  const d = ((word >>> 11) & 0x1e) | ((word >>> 22) & 1);
  armAccess(out, l ? OP_LOAD : OP_STORE, 2, F_FP, d, (word >>> 16) & 15, l ? MA_VLDR : MA_VSTR);
  armImmediate(out, true, (word & 0x0080_0000) != 0, false, (word & 0xff) << 1);
  return load<u8>(out + D_COND) == 14 ? KIND_LOADSTORE : KIND_INVALID_FORM;
}
