// The A64 run loop: fetch at pc (MMU off), run the interpreter's subset (a64-alu.ts,
// then the integer classes in a64/) or a load/store descriptor, until the budget is spent or an instruction exits.
import { REC_DECODE, REC_FAULT_ADDR, CPU_MODE, CPU_GPR, PAGE_SIZE } from "../layout";
import {
  EXIT_NONE, EXIT_BUDGET, CAUSE_UNDEFINED, CAUSE_UNIMPLEMENTED, CAUSE_INVALID_FORM, FAULT_FETCH, FAULT_ALIGNMENT,
  FAULT_TRANSLATION,
} from "../exits";
import { KIND_LOADSTORE, KIND_OTHER, KIND_INVALID_FORM, D_MNEMONIC } from "../decode/descriptor";
import { M64_LDRAA, M64_LDRAB } from "../decode/a64-mnemonics";
import { decodeA64 } from "../decode/a64";
import { record } from "../machine";
import { exitWith, fault, ranFor, undefinedInstruction } from "./run-exits";
import { pc, setPc } from "../cpu/regs";
import { tlbTranslate, tlbSync, walkFaulted, tlbEpoch, TLB_FETCH } from "../mmu/tlb";
import { resetAccessExit, setAddressMask, bigData } from "./guest-memory";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { LS_UNIMPLEMENTED } from "./ppc/loadstore";
import { a64Alu, a64SetMmu } from "./a64-alu";
import { a64Integer, ALU_UNDEFINED } from "./a64/dispatch";
import { a64LoadStore, LS_ALIGNMENT } from "./a64-loadstore";
import { a64UopFor, a64UopExecute, a64UopStatus } from "./a64-uops";
import { uopSync, uopSetReportLoops, U_GENERIC_EXIT, U_LOOP_BRANCH } from "./ppc/uops";
import { jitEnabled, jitBackwardBranch, jitIteration, jitPc, jitLength, jitNextPc } from "./jit";

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
  return undefinedInstruction(kind == KIND_OTHER ? CAUSE_UNIMPLEMENTED : CAUSE_UNDEFINED, at);
}

/** Runs at most `budget` A64 instructions from pc; returns the EXIT_* that ended the run. */
export function a64Run(budget: u32): u32 {
  const desc = record + REC_DECODE;
  resetAccessExit();
  setAddressMask(0xffff_ffff_ffff_ffff);
  uopSync(load<u32>(record + CPU_MODE));
  a64UopStatus = EXIT_NONE;
  const bigEndian = bigData(); // BE8: data big-endian, instructions still little-endian
  a64SetMmu();
  const jit = jitEnabled();
  uopSetReportLoops(jit);
  // The code page's host address, kept until the TLB drops an entry or changes address
  // space; a misaligned pc never matches it (its low bits are kept), so it faults below.
  let codePage: u64 = 1;
  let codeHost: usize = 0;
  let codeEpoch = tlbEpoch;
  for (let left = budget; left != 0; left--) {
    if (tlbSync() || tlbEpoch != codeEpoch) codePage = 1;
    const at = pc();
    const page = at & ~(<u64>PAGE_SIZE - 4);
    if (page != codePage) {
      const fetched = tlbTranslate(TLB_FETCH, at, 4);
      if (fetched == 0) return ranFor(budget - left, fault(walkFaulted ? FAULT_TRANSLATION : FAULT_FETCH, at, at));
      codePage = page;
      codeHost = fetched - <usize>(at - page);
      codeEpoch = tlbEpoch;
    }
    const host = codeHost + <usize>(at - page);
    if (jit && at == jitPc && left > jitLength) {
      // One compiled iteration; what it could not finish continues below, interpreted.
      const done = jitIteration(record + CPU_GPR, host, at);
      if (done != 0) {
        left -= done - 1;
        setPc(jitNextPc);
        continue;
      }
    }
    const word = load<u32>(host);
    const next = a64UopExecute(a64UopFor(word), at, bigEndian);
    if (a64UopStatus == EXIT_NONE) {
      setPc(next);
      continue;
    }
    if (a64UopStatus == U_LOOP_BRANCH) {
      a64UopStatus = EXIT_NONE;
      jitBackwardBranch(next, at, host);
      setPc(next);
      continue;
    }
    if (a64UopStatus != U_GENERIC_EXIT) return ranFor(budget - left, exitWith(a64UopStatus, at));
    a64UopStatus = EXIT_NONE;
    const exit = stepGeneric(word, at, desc);
    if (exit != EXIT_NONE) return ranFor(budget - left, exit);
    if (jit && pc() < at) jitBackwardBranch(pc(), at, host); // CBNZ and the other full-path branches
  }
  return ranFor(budget, exitWith(EXIT_BUDGET, pc()));
}
