// The PowerPC run loop: fetch at pc (MMU off: pc is a physical address), execute
// the interpreter's subset or a load/store descriptor, until the budget is spent or
// an instruction exits (like KVM_RUN returning with kvm_run.exit_reason).
import { REC_DECODE, REC_FAULT_ADDR, MODE_64, CPU_GPR, CPU_MSR, MSR_DR, MSR_IR, PAGE_SIZE, CPU_SYSREGS, SYSREG_PID, SYSREG_TB } from "../../layout";
import {
  EXIT_NONE, EXIT_BUDGET, EXIT_HYPERCALL, CAUSE_UNDEFINED, CAUSE_UNIMPLEMENTED, CAUSE_INVALID_FORM, FAULT_FETCH, FAULT_TRUNCATED,
  FAULT_ALIGNMENT, FAULT_TRANSLATION, FAULT_TRAP,
} from "../../exits";
import { KIND_LOADSTORE, KIND_OTHER, KIND_INVALID_FORM, KIND_TRUNCATED, D_LENGTH } from "../../decode/descriptor";
import { decodePpc, PPC_MODE_64, PPC_MODE_NO_SUFFIX } from "../../decode/ppc";
import { record } from "../../machine";
import { exitWith, fault, ranFor, undefinedInstruction } from "../run-exits";
import { tlbTranslate, tlbSync, setMmu, walkFaulted, tlbEpoch, TLB_FETCH } from "../../mmu/tlb";
import { ppcWalker, WALKER_PPC_RADIX } from "../../mmu/walk";
import { pc, setPc, mode, isLittle } from "../../cpu/regs";
import { ppcAlu, ppcPrefixedAlu, ALU_DONE, ALU_NOT_MINE } from "./alu";
import { ppcLoadStore, LS_UNIMPLEMENTED, LS_ALIGNMENT_PPC, LS_TRAP_PPC } from "./loadstore";
import { resetAccessExit, setAddressMask } from "../guest-memory";
import { uopSync, uopFor, uopExecute, uopStatus, uopSetReportLoops, U_GENERIC_EXIT, U_LOOP_BRANCH, U_BLOCK_END } from "./uops";
import { jitEnabled, jitBackwardBranch, jitIteration, jitPc, jitLength, jitNextPc } from "../jit";

/** Host address of the 4 bytes at `at`, or 0 when they are not in RAM. */
@inline function fetchAddress(at: u64): usize {
  return tlbTranslate(TLB_FETCH, at, 4);
}

@inline function fetchWord(host: usize, bigEndian: bool): u32 {
  const raw = load<u32>(host);
  return bigEndian ? bswap<u32>(raw) : raw;
}

/**
 * Executes `word` at `at` the full way (the ALU subset, else the decoder and the
 * load/store executor). EXIT_NONE when it completed and set pc; else the exit,
 * recorded, with pc left at the instruction.
 */
function stepGeneric(word: u32, at: u64, decodeMode: u32, bigEndian: bool): u32 {
  const alu = ppcAlu(word, at);
  if (alu == ALU_DONE) return EXIT_NONE;
  if (alu != ALU_NOT_MINE) return exitWith(alu, at);
  // A prefix's suffix may lie on the next page.
  let suffix: u32 = 0;
  let suffixMode = PPC_MODE_NO_SUFFIX;
  if ((word >>> 26) == 1) {
    const next = fetchAddress(at + 4);
    if (next == 0) return fault(FAULT_TRUNCATED, at, at + 4);
    suffix = fetchWord(next, bigEndian);
    suffixMode = 0;
    const prefixed = ppcPrefixedAlu(word, suffix, at);
    if (prefixed == ALU_DONE) return EXIT_NONE;
    if (prefixed != ALU_NOT_MINE) return prefixed;
  }
  const desc = record + REC_DECODE;
  const kind = decodePpc(word, suffix, decodeMode | suffixMode, desc);
  if (kind == KIND_LOADSTORE) {
    resetAccessExit();
    const exit = ppcLoadStore(desc, at);
    if (exit == LS_UNIMPLEMENTED) return undefinedInstruction(CAUSE_UNIMPLEMENTED, at);
    if (exit == LS_ALIGNMENT_PPC) return fault(FAULT_ALIGNMENT, at, load<u64>(record + REC_FAULT_ADDR));
    if (exit == LS_TRAP_PPC) return fault(FAULT_TRAP, at, load<u64>(record + REC_FAULT_ADDR));
    if (exit != EXIT_NONE) return exitWith(exit, at);
    const next = at + <u64>load<u8>(desc, D_LENGTH);
    setPc((decodeMode & PPC_MODE_64) != 0 ? next : next & 0xffff_ffff);
    return EXIT_NONE;
  }
  if (kind == KIND_TRUNCATED) return fault(FAULT_TRUNCATED, at, at + 4);
  if (kind == KIND_INVALID_FORM) return undefinedInstruction(CAUSE_INVALID_FORM, at);
  return undefinedInstruction(kind == KIND_OTHER ? CAUSE_UNIMPLEMENTED : CAUSE_UNDEFINED, at);
}

/**
 * Translation through the walker the MMU registers select when MSR[IR] and MSR[DR]
 * are both set (real mode when neither); with radix, the PID names the address space.
 */
export function ppcSetMmu(): void {
  const msr = load<u64>(record + CPU_MSR);
  const walker = ppcWalker();
  const key = walker == WALKER_PPC_RADIX ? load<u64>(record + CPU_SYSREGS + (SYSREG_PID << 3)) : 0;
  setMmu((msr & (MSR_IR | MSR_DR)) == (MSR_IR | MSR_DR), walker, key);
}

// The time base (mftb) counts the instructions this vCPU has run: SYSREG_TB holds the
// count before the current run, which adds its own at the end; within a run the count
// so far is `runBudget - runLeft`, and runLeft is kept current wherever an instruction
// may read it (the full path) and at every return (an sc that exits has completed; a
// faulting or exiting access has not).
let runBudget: u32 = 0;
let runLeft: u32 = 0;
const TIME_BASE: u32 = CPU_SYSREGS + (SYSREG_TB << 3);

/** The time base as mftb reads it: the instructions this vCPU has run before this one. */
export function ppcTimeBase(): u64 {
  return load<u64>(record + TIME_BASE) + <u64>(runBudget - runLeft);
}

/** Runs at most `budget` instructions from pc; returns the EXIT_* that ended the run. */
export function ppcRun(budget: u32): u32 {
  runBudget = budget;
  runLeft = budget;
  const exit = runInstructions(budget);
  const completed = budget - runLeft;
  store<u64>(record + TIME_BASE, load<u64>(record + TIME_BASE) + <u64>completed);
  runBudget = 0;
  runLeft = 0;
  return ranFor(completed, exit);
}

function runInstructions(budget: u32): u32 {
  const cpuMode = mode();
  const wide = (cpuMode & MODE_64) != 0;
  const decodeMode = wide ? PPC_MODE_64 : 0;
  const bigEndian = !isLittle();
  const regs = record + CPU_GPR;
  uopSync(cpuMode);
  resetAccessExit();
  setAddressMask(wide ? 0xffff_ffff_ffff_ffff : 0xffff_ffff);
  ppcSetMmu();
  uopStatus = EXIT_NONE;
  // pc lives in a local while micro-ops run; it is written back before the full
  // path runs (which reads and sets it itself) and before returning. Slot-table changes,
  // other vCPUs' broadcast invalidations, a dropped code page and a compiled loop are
  // checked at block starts, as a64-run.ts does: after a taken branch, the full path, an
  // access that left the TLB's hit path (which may have run a device) or a compiled
  // iteration; entering another code page syncs the TLB too.
  let at = pc();
  let codePage: u64 = 1; // the page `codeHost` maps; 1 is never a page
  let codeHost: usize = 0;
  let codeEpoch = tlbEpoch; // codeHost stays right until an entry is dropped or the address space changes
  const jit = wide && jitEnabled();
  uopSetReportLoops(jit);
  const width: u64 = wide ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
  let left = budget;
  let blockStart = true;
  while (left != 0) {
    if (blockStart && (tlbSync() || tlbEpoch != codeEpoch)) codePage = 1;
    const page = at & ~(<u64>PAGE_SIZE - 1);
    if (page != codePage) {
      tlbSync();
      const host = fetchAddress(page);
      if (host == 0) {
        setPc(at);
        runLeft = left;
        return fault(walkFaulted ? FAULT_TRANSLATION : FAULT_FETCH, at, at);
      }
      codePage = page;
      codeHost = host;
      codeEpoch = tlbEpoch;
    }
    const code = codeHost + <usize>(at - page);
    if (blockStart) {
      blockStart = false;
      if (jit && at == jitPc && left > jitLength) {
        // One compiled iteration; what it could not finish continues below, interpreted.
        const done = jitIteration(regs, code, at);
        if (done != 0) {
          left -= done;
          at = jitNextPc;
          blockStart = true;
          continue;
        }
      }
    }
    const raw = load<u32>(code);
    const next = uopExecute(uopFor(raw, wide, bigEndian), at, bigEndian, regs, wide);
    if (uopStatus == EXIT_NONE) {
      left--;
      if (next != ((at + 4) & width)) blockStart = true; // a taken branch
      at = next;
      continue;
    }
    if (uopStatus == U_LOOP_BRANCH || uopStatus == U_BLOCK_END) {
      if (uopStatus == U_LOOP_BRANCH) jitBackwardBranch(next, at, code);
      uopStatus = EXIT_NONE;
      left--;
      blockStart = true;
      at = next;
      continue;
    }
    setPc(at);
    runLeft = left;
    if (uopStatus != U_GENERIC_EXIT) return exitWith(uopStatus, at);
    uopStatus = EXIT_NONE;
    const exit = stepGeneric(bigEndian ? bswap<u32>(raw) : raw, at, decodeMode, bigEndian);
    if (exit != EXIT_NONE) {
      if (exit == EXIT_HYPERCALL) runLeft = left - 1; // sc completed
      return exit;
    }
    // The full path runs the instructions that change translation (mtmsr, tlbiel,
    // slbie, mtspr of the MMU registers): the block start after it sees the new epoch.
    left--;
    blockStart = true;
    at = pc();
  }
  setPc(at);
  runLeft = 0;
  return exitWith(EXIT_BUDGET, at);
}
