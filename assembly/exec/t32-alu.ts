// The T32 instructions besides loads and stores: the 16-bit and 32-bit integer
// instruction sets (aarch32/t32-narrow.ts, aarch32/t32-wide.ts), SVC, IT and the 16-bit
// hints, the barriers, Advanced SIMD integer data processing (aarch32/neon-integer.ts),
// the core/extension register transfers and VMRS/VMSR (aarch32/vfp-move.ts) and the
// CP15 registers and TLB maintenance (cp15.ts). `word`
// is a 16-bit instruction, or a 32-bit one with its first halfword in the high bits.
import { EXIT_HYPERCALL, EXIT_SYNC_WAIT, CAUSE_UNDEFINED } from "../exits";
import { setPc } from "../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { shootBarrier } from "../mmu/shootdown";
import { cp15 } from "./cp15";
import { ALU_UNDEFINED } from "./a64/operands";
import { undefinedInstruction } from "./run-exits";
import { t32Narrow } from "./aarch32/t32-narrow";
import { t32Wide } from "./aarch32/t32-wide";
import { neonDataProcessing, neonFromT32 } from "./aarch32/neon-integer";
import { vfpMove } from "./aarch32/vfp-move";

/** Executes `word` at `at` (its IT condition already passed): ALU_DONE, EXIT_HYPERCALL, EXIT_SYNC_WAIT, an access's exit or ALU_NOT_MINE. */
export function t32Alu(word: u32, length: u32, at: u64, inIt: bool): u32 {
  const pcValue = at + 4;
  const next = at + length;
  if (length == 2) {
    const integer = t32Narrow(word, at, inIt);
    if (integer != ALU_NOT_MINE) return integer;
    if ((word >>> 8) == 0xdf) { // SVC
      setPc(next);
      return EXIT_HYPERCALL;
    } else if ((word >>> 8) != 0xbf) { // not IT (the run loop tracks its state), NOP or another hint
      return ALU_NOT_MINE;
    }
  } else {
    const integer = t32Wide(word, at);
    if (integer != ALU_NOT_MINE) return integer;
    const hw1 = word >>> 16;
    const hw2 = word & 0xffff;
    if ((hw1 & 0xef00) == 0xef00) { // Advanced SIMD data processing
      if (neonDataProcessing(neonFromT32(word)) != ALU_DONE) return ALU_NOT_MINE;
    } else if (hw1 == 0xf3bf && (hw2 & 0xff00) == 0x8f00 && ((hw2 >>> 4) & 15) >= 4 && ((hw2 >>> 4) & 15) <= 6) {
      // DSB retires this vCPU's broadcast TLB invalidations; DMB and ISB need nothing
      // (every access completes before the next instruction).
      if (((hw2 >>> 4) & 15) == 4 && !shootBarrier()) return EXIT_SYNC_WAIT;
    } else if ((hw1 & 0xec00) == 0xec00) { // coprocessor, encoded as A32's with cond 0b1110: VFP transfers, the CP15 subset
      let status = vfpMove(word, pcValue);
      if (status == ALU_NOT_MINE) status = cp15(word, pcValue);
      if (status == ALU_UNDEFINED) return undefinedInstruction(CAUSE_UNDEFINED, at);
      if (status != ALU_DONE) return status;
    } else {
      return ALU_NOT_MINE;
    }
  }
  setPc(next);
  return ALU_DONE;
}
