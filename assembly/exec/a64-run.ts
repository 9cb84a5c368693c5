// The A64 run loop: fetch at pc, run the word's micro-op (a64-uops.ts) inline, or the
// interpreter's full path (a64-alu.ts, then the integer classes in a64/, or a load/store
// descriptor), until the budget is spent or an instruction exits. The pc lives in a
// local, written back before the full path and on every exit. Slot-table changes,
// other vCPUs' broadcast invalidations, a dropped code page and a compiled loop are
// checked at block starts: after a taken branch, the full path or an access that left
// the TLB's hit path (which may have run a device), as QEMU checks at translation-block
// boundaries; a straight run of micro-ops between them is one unit, as a compiled loop's iteration is.
import { REC_DECODE, REC_FAULT_ADDR, REC_UOPS, CPU_MODE, CPU_GPR, PAGE_SIZE } from "../layout";
import {
  EXIT_NONE, EXIT_BUDGET, CAUSE_UNDEFINED, CAUSE_UNIMPLEMENTED, CAUSE_INVALID_FORM, FAULT_FETCH, FAULT_ALIGNMENT,
  FAULT_TRANSLATION,
} from "../exits";
import { KIND_LOADSTORE, KIND_OTHER, KIND_INVALID_FORM, D_MNEMONIC } from "../decode/descriptor";
import { M64_LDRAA, M64_LDRAB, M64_SINGLE } from "../decode/a64-mnemonics";
import { decodeA64 } from "../decode/a64";
import { record, tlb, tlbMask } from "../machine";
import { exitWith, fault, ranFor, undefinedInstruction } from "./run-exits";
import { pc, setPc } from "../cpu/regs";
import { tlbTranslate, tlbSync, walkFaulted, tlbEpoch, contextSalt, contextTag, TLB_FETCH } from "../mmu/tlb";
import { resetAccessExit, setAddressMask, bigData, accessExit } from "./guest-memory";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { LS_UNIMPLEMENTED } from "./ppc/loadstore";
import { a64Alu, a64SetMmu } from "./a64-alu";
import { a64Integer, ALU_UNDEFINED } from "./a64/dispatch";
import { a64LoadStore, LS_ALIGNMENT } from "./a64-loadstore";
import { a64UopFor } from "./a64-uops";
import { uopSync } from "./ppc/uops";
import * as A from "./a64/uop-alu";
import { xr, xw, holds, E_OP, E_RD, E_RN, E_IMM, E_AUX } from "./a64/uop-alu";
import * as M from "./a64/uop-memory";
import { loadOp, storeOp, loadPairOp, storePairOp, MEM_DONE, MEM_SLOW, MEM_GENERIC, MEM_EXIT } from "./a64/uop-memory";
import * as X from "./a64/uop-exclusive";
import { loadOrdered, storeOrdered, storeExclusive } from "./a64/uop-exclusive";
import * as V from "./a64/uop-vector-memory";
import { vectorOp } from "./a64/uop-vector-memory";
import * as S from "./a64/uop-simd";
import { jitEnabled, jitBackwardBranch, jitIteration, jitPc, jitLength, jitNextPc } from "./jit";

/** PRFM (immediate, register, literal) and PRFUM, as the decoder names them. */
@inline function isPrefetch(mnemonic: u16): bool {
  return mnemonic == M64_SINGLE + 9 || mnemonic == M64_SINGLE + 19;
}

/** The full path for one instruction: EXIT_NONE when it completed (pc set), else the exit, recorded. */
function stepGeneric(word: u32, at: u64, desc: usize): u32 {
  let alu = a64Alu(word, at);
  if (alu == ALU_NOT_MINE) alu = a64Integer(word, at);
  if (alu == ALU_DONE) return EXIT_NONE;
  if (alu == ALU_UNDEFINED) return undefinedInstruction(CAUSE_UNDEFINED, at);
  if (alu != ALU_NOT_MINE) return exitWith(alu, at);
  const kind = decodeA64(word, desc);
  if (kind == KIND_LOADSTORE) {
    // No FEAT_PAuth (issue 18, bug 2): LDRAA/LDRAB are undefined, as the PAC branches are.
    const mnemonic = load<u16>(desc + D_MNEMONIC);
    if (mnemonic == M64_LDRAA || mnemonic == M64_LDRAB) return undefinedInstruction(CAUSE_UNDEFINED, at);
    const exit = a64LoadStore(desc, at, word);
    if (exit == EXIT_NONE) {
      setPc(at + 4);
      return EXIT_NONE;
    }
    if (exit == LS_UNIMPLEMENTED) return undefinedInstruction(CAUSE_UNIMPLEMENTED, at);
    if (exit == LS_ALIGNMENT) return fault(FAULT_ALIGNMENT, at, load<u64>(record + REC_FAULT_ADDR));
    return exitWith(exit, at);
  }
  if (kind == KIND_INVALID_FORM) return undefinedInstruction(CAUSE_INVALID_FORM, at);
  if (kind == KIND_OTHER && isPrefetch(load<u16>(desc + D_MNEMONIC))) {
    setPc(at + 4); // PRFM/PRFUM are hints: this model prefetches nothing (a NOP, as QEMU and Unicorn run them)
    return EXIT_NONE;
  }
  return undefinedInstruction(kind == KIND_OTHER ? CAUSE_UNIMPLEMENTED : CAUSE_UNDEFINED, at);
}

@inline function offset(entry: usize): u64 {
  return <u64><i64>load<i32>(entry, E_IMM);
}

@inline function auxOf(entry: usize): u32 {
  return load<u32>(entry, E_AUX);
}

@inline function rd(entry: usize): u32 {
  return <u32>load<u8>(entry, E_RD);
}

@inline function rn(entry: usize): u32 {
  return <u32>load<u8>(entry, E_RN);
}

/** Runs at most `budget` A64 instructions from pc; returns the EXIT_* that ended the run. */
export function a64Run(budget: u32): u32 {
  const desc = record + REC_DECODE;
  const regs = record + CPU_GPR;
  resetAccessExit();
  setAddressMask(0xffff_ffff_ffff_ffff);
  uopSync(load<u32>(record + CPU_MODE));
  const bigEndian = bigData(); // BE8: data big-endian, instructions still little-endian
  a64SetMmu();
  const jit = jitEnabled();
  xw(regs, A.ZR_INDEX, 0); // the micro-ops read XZR from x31's otherwise unused slot
  // The code page's host address, kept until the TLB drops an entry or changes address
  // space; a misaligned pc never matches it (its low bits are kept), so it faults below.
  let codePage: u64 = 1;
  let codeHost: usize = 0;
  let codeEpoch = tlbEpoch;
  const uops = record + REC_UOPS;
  const dataTlb = tlb;
  const dataMask = ((tlbMask + 1) >>> 1) - 1;
  let salt = contextSalt;
  let tag = contextTag;
  let at = pc();
  let left = budget;
  let blockStart = true;
  while (left != 0) {
    if (blockStart) {
      if (tlbSync() || tlbEpoch != codeEpoch) codePage = 1;
      salt = contextSalt;
      tag = contextTag;
    }
    const page = at & ~(<u64>PAGE_SIZE - 4);
    if (page != codePage) {
      tlbSync();
      const fetched = tlbTranslate(TLB_FETCH, at, 4);
      if (fetched == 0) {
        setPc(at);
        return ranFor(budget - left, fault(walkFaulted ? FAULT_TRANSLATION : FAULT_FETCH, at, at));
      }
      codePage = page;
      codeHost = fetched - <usize>(at - page);
      codeEpoch = tlbEpoch;
    }
    const host = codeHost + <usize>(at - page);
    if (blockStart) {
      blockStart = false;
      if (jit && at == jitPc && left > jitLength) {
        // One compiled iteration; what it could not finish continues below, interpreted.
        setPc(at);
        const done = jitIteration(regs, host, at);
        if (done != 0) {
          left -= done;
          at = jitNextPc;
          blockStart = true;
          continue;
        }
      }
    }
    const word = load<u32>(host);
    const entry = a64UopFor(uops, word);
    left--;
    let next = at + 4;
    let outcome = MEM_SLOW; // what ended the block unless the case goes on
    switch (load<u8>(entry, E_OP)) {
      case A.U_ADDI_X: A.addImmediate(regs, entry, true); at = next; continue;
      case A.U_ADDI_W: A.addImmediate(regs, entry, false); at = next; continue;
      case A.U_ADDSI_X: A.addImmediateFlags(regs, entry, true, false); at = next; continue;
      case A.U_ADDSI_W: A.addImmediateFlags(regs, entry, false, false); at = next; continue;
      case A.U_SUBSI_X: A.addImmediateFlags(regs, entry, true, true); at = next; continue;
      case A.U_SUBSI_W: A.addImmediateFlags(regs, entry, false, true); at = next; continue;
      case A.U_ADD_X: A.addRegister(regs, entry, true, false); at = next; continue;
      case A.U_ADD_W: A.addRegister(regs, entry, false, false); at = next; continue;
      case A.U_SUB_X: A.addRegister(regs, entry, true, true); at = next; continue;
      case A.U_SUB_W: A.addRegister(regs, entry, false, true); at = next; continue;
      case A.U_ADDS_X: A.addRegisterFlags(regs, entry, true, false); at = next; continue;
      case A.U_ADDS_W: A.addRegisterFlags(regs, entry, false, false); at = next; continue;
      case A.U_SUBS_X: A.addRegisterFlags(regs, entry, true, true); at = next; continue;
      case A.U_SUBS_W: A.addRegisterFlags(regs, entry, false, true); at = next; continue;
      case A.U_AND_X: A.andRegister(regs, entry, true); at = next; continue;
      case A.U_AND_W: A.andRegister(regs, entry, false); at = next; continue;
      case A.U_ORR_X: A.orrRegister(regs, entry, true); at = next; continue;
      case A.U_ORR_W: A.orrRegister(regs, entry, false); at = next; continue;
      case A.U_EOR_X: A.eorRegister(regs, entry, true); at = next; continue;
      case A.U_EOR_W: A.eorRegister(regs, entry, false); at = next; continue;
      case A.U_ANDS_X: A.andsRegister(regs, entry, true); at = next; continue;
      case A.U_ANDS_W: A.andsRegister(regs, entry, false); at = next; continue;
      case A.U_MOV_X: A.move(regs, entry, true); at = next; continue;
      case A.U_MOV_W: A.move(regs, entry, false); at = next; continue;
      case A.U_ANDI: A.andImmediate(regs, entry); at = next; continue;
      case A.U_ORRI_X: A.orrImmediate(regs, entry, true); at = next; continue;
      case A.U_ORRI_W: A.orrImmediate(regs, entry, false); at = next; continue;
      case A.U_EORI_X: A.eorImmediate(regs, entry, true); at = next; continue;
      case A.U_EORI_W: A.eorImmediate(regs, entry, false); at = next; continue;
      case A.U_ANDSI_X: A.andsImmediate(regs, entry, true); at = next; continue;
      case A.U_ANDSI_W: A.andsImmediate(regs, entry, false); at = next; continue;
      case A.U_MOVI: A.moveImmediate(regs, entry); at = next; continue;
      case A.U_MOVK_X: A.moveKeep(regs, entry, true); at = next; continue;
      case A.U_MOVK_W: A.moveKeep(regs, entry, false); at = next; continue;
      case A.U_ADR: A.pcRelative(regs, entry, at, false); at = next; continue;
      case A.U_ADRP: A.pcRelative(regs, entry, at, true); at = next; continue;
      case A.U_UBFM_X: A.bitfield(regs, entry, true, false); at = next; continue;
      case A.U_UBFM_W: A.bitfield(regs, entry, false, false); at = next; continue;
      case A.U_SBFM_X: A.bitfield(regs, entry, true, true); at = next; continue;
      case A.U_SBFM_W: A.bitfield(regs, entry, false, true); at = next; continue;
      case A.U_BFM_X: A.bitfieldInsert(regs, entry, true); at = next; continue;
      case A.U_BFM_W: A.bitfieldInsert(regs, entry, false); at = next; continue;
      case A.U_SHIFTV: A.shiftVariable(regs, entry); at = next; continue;
      case A.U_DIV: A.divide(regs, entry); at = next; continue;
      case A.U_MADD_X: A.multiplyAdd(regs, entry, true); at = next; continue;
      case A.U_MADD_W: A.multiplyAdd(regs, entry, false); at = next; continue;
      case A.U_MADDL: A.multiplyAddLong(regs, entry); at = next; continue;
      case A.U_CSEL: A.conditionalSelect(regs, entry, 0); at = next; continue;
      case A.U_CSINC: A.conditionalSelect(regs, entry, 1); at = next; continue;
      case A.U_CSINV: A.conditionalSelect(regs, entry, 2); at = next; continue;
      case A.U_CSNEG: A.conditionalSelect(regs, entry, 3); at = next; continue;
      case A.U_CCMP: A.conditionalCompare(regs, entry); at = next; continue;
      case A.U_NOP: at = next; continue;
      case A.U_ONE_SOURCE: A.oneSource(regs, entry); at = next; continue;
      case A.U_ADC: A.addWithCarryOp(regs, entry, false); at = next; continue;
      case A.U_ADCS: A.addWithCarryOp(regs, entry, true); at = next; continue;
      case A.U_MULH: A.multiplyHigh(regs, entry); at = next; continue;
      case A.U_EXTR: A.extract(regs, entry); at = next; continue;
      // Two calls (Binaryen inlines a function with one caller, whatever its size): simdOp stays out of this loop.
      case S.U_VLOGIC: case S.U_FMOV_GENERAL: case S.U_CNT: case S.U_ADDV: case S.U_EXT: case S.U_VADD: S.simdOp(regs, entry); at = next; continue;
      case S.U_VIMMEDIATE: S.simdOp(regs, entry); at = next; continue;
      case A.U_B: // not a loop the compiled-loop engine takes: no report
        at += offset(entry);
        blockStart = true;
        continue;
      case A.U_BL: xw(regs, 30, next); next = at + offset(entry); break;
      case A.U_BCOND:
        if (!holds(regs, auxOf(entry))) { at = next; continue; }
        next = at + offset(entry);
        break;
      case A.U_CBZ: case A.U_CBNZ: {
        const zero = (xr(regs, rd(entry)) << <u64>auxOf(entry)) == 0;
        if (zero != (load<u8>(entry, E_OP) == A.U_CBZ)) { at = next; continue; }
        next = at + offset(entry);
        break;
      }
      case A.U_TBZ: case A.U_TBNZ: {
        const set = ((xr(regs, rd(entry)) >> <u64>auxOf(entry)) & 1) != 0;
        if (set != (load<u8>(entry, E_OP) == A.U_TBNZ)) { at = next; continue; }
        next = at + offset(entry);
        break;
      }
      case A.U_BR: next = xr(regs, rn(entry)); break;
      case A.U_BLR: next = xr(regs, rn(entry)); xw(regs, 30, at + 4); break;
      case M.U_LDR8: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, 0, false, false); break;
      case M.U_LDR16: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, 0, false, false); break;
      case M.U_LDR32: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, 0, false, false); break;
      case M.U_LDR64: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 8, 0, false, false); break;
      case M.U_LDRSB_X: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, 8, false, false); break;
      case M.U_LDRSH_X: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, 16, false, false); break;
      case M.U_LDRSW: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, 32, false, false); break;
      case M.U_LDRSB_W: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, 8, true, false); break;
      case M.U_LDRSH_W: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, 16, true, false); break;
      case M.U_STR8: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, false); break;
      case M.U_STR16: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, false); break;
      case M.U_STR32: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, false); break;
      case M.U_STR64: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 8, false); break;
      case M.U_LDR8 + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, 0, false, true); break;
      case M.U_LDR16 + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, 0, false, true); break;
      case M.U_LDR32 + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, 0, false, true); break;
      case M.U_LDR64 + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 8, 0, false, true); break;
      case M.U_LDRSB_X + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, 8, false, true); break;
      case M.U_LDRSH_X + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, 16, false, true); break;
      case M.U_LDRSW + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, 32, false, true); break;
      case M.U_LDRSB_W + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, 8, true, true); break;
      case M.U_LDRSH_W + M.PLAIN: outcome = loadOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, 16, true, true); break;
      case M.U_STR8 + M.PLAIN: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 1, true); break;
      case M.U_STR16 + M.PLAIN: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 2, true); break;
      case M.U_STR32 + M.PLAIN: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, true); break;
      case M.U_STR64 + M.PLAIN: outcome = storeOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 8, true); break;
      case M.U_LDP32: outcome = loadPairOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, 0); break;
      case M.U_LDP64: outcome = loadPairOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 8, 0); break;
      case M.U_LDPSW: outcome = loadPairOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4, 32); break;
      case M.U_STP32: outcome = storePairOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 4); break;
      case M.U_STP64: outcome = storePairOp(regs, entry, at, bigEndian, dataTlb, dataMask, salt, tag, 8); break;
      case X.U_LDXR8: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 1, true); break;
      case X.U_LDXR8 + 1: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 2, true); break;
      case X.U_LDXR8 + 2: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4, true); break;
      case X.U_LDXR8 + 3: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8, true); break;
      case X.U_STXR8: outcome = storeExclusive(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 1); break;
      case X.U_STXR8 + 1: outcome = storeExclusive(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 2); break;
      case X.U_STXR8 + 2: outcome = storeExclusive(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4); break;
      case X.U_STXR8 + 3: outcome = storeExclusive(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8); break;
      case X.U_LDAR8: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 1, false); break;
      case X.U_LDAR8 + 1: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 2, false); break;
      case X.U_LDAR8 + 2: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4, false); break;
      case X.U_LDAR8 + 3: outcome = loadOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8, false); break;
      case X.U_STLR8: outcome = storeOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 1); break;
      case X.U_STLR8 + 1: outcome = storeOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 2); break;
      case X.U_STLR8 + 2: outcome = storeOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4); break;
      case X.U_STLR8 + 3: outcome = storeOrdered(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8); break;
      case V.U_VLDR32: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4, false, true); break;
      case V.U_VLDR32 + 1: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8, false, true); break;
      case V.U_VLDR32 + 2: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 16, false, true); break;
      case V.U_VSTR32: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4, false, false); break;
      case V.U_VSTR32 + 1: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8, false, false); break;
      case V.U_VSTR32 + 2: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 16, false, false); break;
      case V.U_VLDP32: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4, true, true); break;
      case V.U_VLDP32 + 1: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8, true, true); break;
      case V.U_VLDP32 + 2: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 16, true, true); break;
      case V.U_VSTP32: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 4, true, false); break;
      case V.U_VSTP32 + 1: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 8, true, false); break;
      case V.U_VSTP32 + 2: outcome = vectorOp(regs, entry, bigEndian, dataTlb, dataMask, salt, tag, 16, true, false); break;
      default: outcome = MEM_GENERIC;
    }
    if (outcome == MEM_DONE) {
      at = next;
      continue;
    }
    if (outcome == MEM_EXIT) {
      setPc(at);
      return ranFor(budget - left - 1, exitWith(accessExit, at));
    }
    if (outcome == MEM_GENERIC) {
      setPc(at);
      const exit = stepGeneric(word, at, desc);
      if (exit != EXIT_NONE) return ranFor(budget - left - 1, exit);
      next = pc();
    }
    if (jit && next < at) jitBackwardBranch(next, at, host); // a loop's closing branch (B.cond, CBNZ...) for the compiled-loop engine
    at = next;
    blockStart = true;
  }
  setPc(at);
  return ranFor(budget, exitWith(EXIT_BUDGET, at));
}
