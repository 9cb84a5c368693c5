// The AArch32 run loop, A32 and T32 (interworking branches switch between them):
// fetch at pc (through the tables when SCTLR.M is set: short descriptors or LPAE by
// TTBCR.EAE, a walk fault ending the run as a translation fault), skip an instruction
// whose condition (A32) or IT condition (T32) fails, run the interpreter's subset or a
// load/store descriptor, until the budget is spent or an instruction exits. The IT
// state lives in CPSR[26:25,15:10].
import { REC_DECODE, REC_FAULT_ADDR, CPU_GPR, CPU_MODE, CPU_NZCV, MODE_THUMB, PAGE_SIZE } from "../layout";
import {
  EXIT_NONE, EXIT_BUDGET, CAUSE_UNDEFINED, CAUSE_UNIMPLEMENTED, CAUSE_INVALID_FORM, FAULT_FETCH, FAULT_ALIGNMENT, FAULT_TRANSLATION,
} from "../exits";
import { KIND_LOADSTORE, KIND_OTHER, KIND_INVALID_FORM, D_FLAGS, D_FORM, FORM_NONE } from "../decode/descriptor";
import { decodeA32 } from "../decode/a32";
import { decodeT32, t32NextItState } from "../decode/t32";
import { record } from "../machine";
import { pc, setPc } from "../cpu/regs";
import { tlbTranslate, tlbSync, walkFaulted, tlbEpoch, TLB_FETCH } from "../mmu/tlb";
import { resetAccessExit, setAddressMask, readValue, writeValue, accessExit, bigData } from "./guest-memory";
import { exitWith, fault, ranFor, undefinedInstruction } from "./run-exits";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { LS_UNIMPLEMENTED } from "./ppc/loadstore";
import { conditionHolds } from "./a64-alu";
import { a32Alu } from "./a32-alu";
import { t32Alu } from "./t32-alu";
import { a32LoadStore, rRead, rWrite } from "./a32-loadstore";
import { LS_ALIGNMENT } from "./a64-loadstore";
import { armSetMmu } from "./cp15";
import { neonStructure } from "./aarch32/neon-structures";
import { a32SystemLoadStore, A32_SYSTEM_FLAGS } from "./aarch32/a32-system-ls";
import { jitEnabled, jitBackwardBranch, jitIteration, jitPc, jitLength, jitNextPc } from "./jit";
import { uopSync, U_GENERIC_EXIT } from "./ppc/uops";
import {
  a32UopRun, a32UopStatus, a32UopDropped, a32UopClearStatus, SET_A32, SET_T32, U_INTERWORKED,
  itStateOf, setItState,
} from "./aarch32/uops";

/** STEP_DONE: the instruction ran (or was skipped) and pc is set. */
const STEP_DONE: u32 = EXIT_NONE;

/** A load/store descriptor's outcome as a step result. */
function loadStore(desc: usize, at: u64, pcValue: u64, next: u64): u32 {
  const flags = load<u32>(desc, D_FLAGS);
  if ((flags & A32_SYSTEM_FLAGS) != 0) return a32SystemLoadStore(flags, at);
  const exit = load<u8>(desc, D_FORM) != FORM_NONE ? neonStructure(desc, next) : a32LoadStore(desc, pcValue, next);
  if (exit == EXIT_NONE) return STEP_DONE;
  if (exit == LS_UNIMPLEMENTED) return undefinedInstruction(CAUSE_UNIMPLEMENTED, at);
  if (exit == LS_ALIGNMENT) return fault(FAULT_ALIGNMENT, at, load<u64>(record + REC_FAULT_ADDR));
  return exitWith(exit, at);
}

function notRun(kind: u32, at: u64): u32 {
  if (kind == KIND_INVALID_FORM) return undefinedInstruction(CAUSE_INVALID_FORM, at);
  return undefinedInstruction(kind == KIND_OTHER ? CAUSE_UNIMPLEMENTED : CAUSE_UNDEFINED, at);
}

/** A fetch that found no RAM: a translation fault (FSR already recorded) when the walk refused it. */
function fetchFault(at: u64, address: u64): u32 {
  return fault(walkFaulted ? FAULT_TRANSLATION : FAULT_FETCH, at, address);
}

/**
 * An access the interpreter runs without a descriptor: LDR/STR/LDRB/STRB/LDRH/STRH
 * with an immediate offset (no writeback) between general registers, as a32LoadStore
 * would. `address` wraps at 4 GiB.
 */
function direct(at: u64, length: u32, isLoad: bool, size: u32, rt: u32, address: u32): u32 {
  if (isLoad) {
    const value = readValue(<u64>address, size, bigData());
    if (accessExit != EXIT_NONE) return exitWith(accessExit, at);
    rWrite(rt, <u32>value);
  } else {
    writeValue(<u64>address, size, <u64>rRead(rt, 0), bigData());
    if (accessExit != EXIT_NONE) return exitWith(accessExit, at);
  }
  setPc(at + length);
  return STEP_DONE;
}

/** `host`: where the instruction at `at` is (the run loop fetched it). */
function a32Step(at: u64, desc: usize, host: usize): u32 {
  const word = load<u32>(host);
  const cond = word >>> 28;
  if (cond < 14 && !conditionHolds(cond)) {
    setPc(at + 4);
    return STEP_DONE;
  }
  // The common accesses first: LDR/STR/LDRB/STRB (offset: P = 1, W = 0), no PC operand.
  const rn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  if ((word & 0x0f20_0000) == 0x0500_0000 && rn != 15 && rt != 15) {
    const offset = word & 0xfff;
    const base = rRead(rn, 0);
    return direct(at, 4, (word & 0x0010_0000) != 0, (word & 0x0040_0000) != 0 ? 1 : 4, rt,
      (word & 0x0080_0000) != 0 ? base + offset : base - offset);
  }
  const alu = a32Alu(word, at);
  if (alu == ALU_DONE) return STEP_DONE;
  if (alu != ALU_NOT_MINE) return exitWith(alu, at);
  const kind = decodeA32(word, desc);
  return kind == KIND_LOADSTORE ? loadStore(desc, at, at + 8, at + 4) : notRun(kind, at);
}

/** `first`: where the instruction's first halfword is (the run loop fetched it). */
function t32Step(at: u64, desc: usize, first: usize): u32 {
  let word = <u32>load<u16>(first);
  let length: u32 = 2;
  if ((word >>> 11) >= 0b11101) { // a 32-bit instruction: its second halfword may be on the next page
    const second = (<u32>at & (PAGE_SIZE - 1)) != PAGE_SIZE - 2 ? first + 2 : tlbTranslate(TLB_FETCH, at + 2, 2);
    if (second == 0) return fetchFault(at, at + 2);
    word = (word << 16) | <u32>load<u16>(second);
    length = 4;
  }
  const itState = itStateOf(load<u32>(record + CPU_NZCV));
  const inIt = (itState & 15) != 0;
  setItState(t32NextItState(word, itState));
  if (inIt && !conditionHolds(itState >>> 4)) {
    setPc(at + length);
    return STEP_DONE;
  }
  if (word - 0x6000 < 0xa000 - 0x6000) { // 16-bit LDR/STR/LDRB/STRB/LDRH/STRH (immediate, SP-relative)
    const group = word >>> 12;
    const spRelative = group == 9;
    const size: u32 = group == 7 ? 1 : group == 8 ? 2 : 4;
    const offset = spRelative ? (word & 0xff) << 2 : ((word >>> 6) & 31) * size;
    const base = rRead(spRelative ? 13 : (word >>> 3) & 7, 0);
    return direct(at, 2, (word & 0x0800) != 0, size, spRelative ? (word >>> 8) & 7 : word & 7, base + offset);
  }
  const alu = t32Alu(word, length, at, inIt);
  if (alu == ALU_DONE) return STEP_DONE;
  if (alu != ALU_NOT_MINE) return exitWith(alu, at);
  const kind = decodeT32(word, itState, desc);
  return kind == KIND_LOADSTORE ? loadStore(desc, at, at + 4, at + length) : notRun(kind, at);
}

/** Runs at most `budget` AArch32 instructions from pc; returns the EXIT_* that ended the run. */
export function a32Run(budget: u32): u32 {
  const desc = record + REC_DECODE;
  resetAccessExit();
  setAddressMask(0xffff_ffff);
  armSetMmu();
  const jit = jitEnabled();
  uopSync(load<u32>(record + CPU_MODE) & ~MODE_THUMB); // its entries carry their instruction set
  a32UopClearStatus();
  // The code page's host address, kept until the TLB drops an entry or changes address
  // space; a misaligned pc never matches it (its low bits are kept), so it faults below.
  let codePage: u64 = 1;
  let codeHost: usize = 0;
  let codeEpoch = tlbEpoch;
  for (let left = budget; left != 0; left--) {
    if (tlbSync() || tlbEpoch != codeEpoch) codePage = 1;
    let at = pc();
    const thumb = (load<u32>(record + CPU_MODE) & MODE_THUMB) != 0;
    const page = at & ~(<u64>PAGE_SIZE - (thumb ? 2 : 4));
    if (page != codePage) {
      const fetched = tlbTranslate(TLB_FETCH, at, thumb ? 2 : 4);
      if (fetched == 0) return ranFor(budget - left, fetchFault(at, at));
      codePage = page;
      codeHost = fetched - <usize>(at - page);
      codeEpoch = tlbEpoch;
    }
    let host = codeHost + <usize>(at - page);
    // A compiled loop runs outside IT blocks only (its instructions are unconditional).
    if (jit && at == jitPc && left > jitLength && (load<u32>(record + CPU_NZCV) & 0x0600_fc00) == 0) {
      // One compiled iteration; what it could not finish continues below, interpreted.
      const done = jitIteration(record + CPU_GPR, host, at);
      if (done != 0) {
        left -= done - 1;
        setPc(jitNextPc);
        continue;
      }
    }
    // Micro-ops until one needs the full path (then it runs below: it is on this page), an
    // exit, the page's end, a TLB drop or (with compiled loops) a block start at the compiled
    // loop; the TLB is synced at their block starts.
    left -= a32UopRun(left, thumb ? SET_T32 : SET_A32, <u32>page, codeHost, jit);
    const status = a32UopStatus;
    if (a32UopDropped) codePage = 1;
    a32UopClearStatus();
    if (status != U_GENERIC_EXIT) {
      if (status != EXIT_NONE && status != U_INTERWORKED) return ranFor(budget - left, exitWith(status, pc()));
      left++; // for the loop's left--
      continue;
    }
    at = pc();
    host = codeHost + <usize>(at - page);
    const cpsrBefore = load<u32>(record + CPU_NZCV);
    const exit = thumb ? t32Step(at, desc, host) : a32Step(at, desc, host);
    if (exit != STEP_DONE) {
      // An instruction that did not complete leaves the IT state as it was.
      if (thumb) store<u32>(record + CPU_NZCV, (load<u32>(record + CPU_NZCV) & ~0x0600_fc00) | (cpsrBefore & 0x0600_fc00));
      return ranFor(budget - left, exit);
    }
    if (jit && pc() < at) {
      // A taken backward branch (an interworking one finds no loop the compilers take).
      jitBackwardBranch(pc(), at, host);
    }
  }
  return ranFor(budget, exitWith(EXIT_BUDGET, pc()));
}

