// The A32 instructions besides loads and stores: the integer instruction set
// (aarch32/a32-integer.ts), Advanced SIMD integer data processing (aarch32/neon-integer.ts),
// the core/extension register transfers and VMRS/VMSR (aarch32/vfp-move.ts), B/BL, SVC as
// the hypercall, DSB/DMB/ISB and the CP15 registers and TLB maintenance (cp15.ts). Every instruction's condition is checked by
// the run loop.
import { EXIT_HYPERCALL, EXIT_SYNC_WAIT, CAUSE_UNDEFINED } from "../exits";
import { setPc } from "../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { rWrite } from "./a32-loadstore";
import { shootBarrier } from "../mmu/shootdown";
import { cp15 } from "./cp15";
import { ALU_UNDEFINED } from "./a64/operands";
import { undefinedInstruction } from "./run-exits";
import { a32Integer } from "./aarch32/a32-integer";
import { neonDataProcessing } from "./aarch32/neon-integer";
import { vfpMove } from "./aarch32/vfp-move";

/** Executes `word` at `at` (its condition already passed): ALU_DONE, EXIT_HYPERCALL, EXIT_SYNC_WAIT or ALU_NOT_MINE. */
export function a32Alu(word: u32, at: u64): u32 {
  if ((word >>> 25) == 0x79) { // Advanced SIMD data processing
    if (neonDataProcessing(word) != ALU_DONE) return ALU_NOT_MINE;
    setPc(at + 4);
    return ALU_DONE;
  }
  const integer = a32Integer(word, at);
  if (integer != ALU_NOT_MINE) return integer;
  const pcValue = at + 8;
  const unconditional = (word >>> 28) == 15;
  if ((word & 0x0e00_0000) == 0x0a00_0000 && !unconditional) { // B, BL
    if ((word & 0x0100_0000) != 0) rWrite(14, <u32>at + 4);
    setPc(<u64>(<u32>pcValue + <u32>((<i32>(word << 8)) >> 6)));
    return ALU_DONE;
  } else if ((word & 0x0f00_0000) == 0x0f00_0000 && !unconditional) { // SVC
    setPc(at + 4);
    return EXIT_HYPERCALL;
  } else if ((word & 0xffff_ff00) == 0xf57f_f000 && ((word >>> 4) & 15) >= 4 && ((word >>> 4) & 15) <= 6) {
    // DSB retires this vCPU's broadcast TLB invalidations; DMB and ISB need nothing (the
    // interpreter completes every access before the next instruction).
    if (((word >>> 4) & 15) == 4 && !shootBarrier()) return EXIT_SYNC_WAIT;
  } else if ((word & 0x0c00_0000) == 0x0c00_0000) { // coprocessor: VFP transfers (vfp-move.ts), the CP15 subset (cp15.ts)
    let status = vfpMove(word, pcValue);
    if (status == ALU_NOT_MINE) status = cp15(word, pcValue);
    if (status == ALU_UNDEFINED) return undefinedInstruction(CAUSE_UNDEFINED, at);
    if (status != ALU_DONE) return status;
  } else {
    return ALU_NOT_MINE;
  }
  setPc(at + 4);
  return ALU_DONE;
}
