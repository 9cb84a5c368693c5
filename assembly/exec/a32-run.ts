// The A32 run loop: fetch at pc (MMU off), skip an instruction whose condition fails,
// run the interpreter's subset or a load/store descriptor, until the budget is spent
// or an instruction exits. A run stops (as unimplemented) once it switches to Thumb.
import { REC_DECODE, REC_FAULT_ADDR, CPU_MODE, MODE_THUMB } from "../layout";
import { EXIT_NONE, EXIT_BUDGET, CAUSE_UNDEFINED, CAUSE_UNIMPLEMENTED, CAUSE_INVALID_FORM, FAULT_FETCH, FAULT_ALIGNMENT } from "../exits";
import { KIND_LOADSTORE, KIND_OTHER, KIND_INVALID_FORM } from "../decode/descriptor";
import { decodeA32 } from "../decode/a32";
import { record } from "../machine";
import { pc, setPc } from "../cpu/regs";
import { tlbTranslate, tlbSync, TLB_FETCH } from "../mmu/tlb";
import { resetAccessExit } from "./guest-memory";
import { exitWith, fault, undefinedInstruction } from "./run-exits";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc-alu";
import { LS_UNIMPLEMENTED } from "./ppc-loadstore";
import { conditionHolds } from "./a64-alu";
import { a32Alu } from "./a32-alu";
import { a32LoadStore } from "./a32-loadstore";
import { LS_ALIGNMENT } from "./a64-loadstore";

/** Runs at most `budget` A32 instructions from pc; returns the EXIT_* that ended the run. */
export function a32Run(budget: u32): u32 {
  const desc = record + REC_DECODE;
  resetAccessExit();
  for (let left = budget; left != 0; left--) {
    tlbSync();
    const at = pc();
    if ((load<u32>(record + CPU_MODE) & MODE_THUMB) != 0) return undefinedInstruction(CAUSE_UNIMPLEMENTED, at);
    const host = tlbTranslate(TLB_FETCH, at, 4);
    if (host == 0) return fault(FAULT_FETCH, at, at);
    const word = load<u32>(host);
    const cond = word >>> 28;
    if (cond != 15 && cond != 14 && !conditionHolds(cond)) {
      setPc(at + 4);
      continue;
    }
    const alu = a32Alu(word, at);
    if (alu == ALU_DONE) continue;
    if (alu != ALU_NOT_MINE) return exitWith(alu, at);
    const kind = decodeA32(word, desc);
    if (kind == KIND_LOADSTORE) {
      const exit = a32LoadStore(desc, at);
      if (exit == EXIT_NONE) continue;
      if (exit == LS_UNIMPLEMENTED) return undefinedInstruction(CAUSE_UNIMPLEMENTED, at);
      if (exit == LS_ALIGNMENT) return fault(FAULT_ALIGNMENT, at, load<u64>(record + REC_FAULT_ADDR));
      return exitWith(exit, at);
    }
    if (kind == KIND_INVALID_FORM) return undefinedInstruction(CAUSE_INVALID_FORM, at);
    return undefinedInstruction(kind == KIND_OTHER ? CAUSE_UNIMPLEMENTED : CAUSE_UNDEFINED, at);
  }
  return exitWith(EXIT_BUDGET, pc());
}
