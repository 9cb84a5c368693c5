// The A64 integer instruction classes outside a64-alu.ts's subset, by top-level group
// (ARM ARM C4.1: op0 bits 28:25): data processing with immediates (100x), with registers
// (x101), SIMD&FP data processing (x111), and branches, exception generation and system (101x).
import { setPc } from "../../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { a64DataImmediate } from "./data-immediate";
import { a64DataRegister } from "./data-register";
import { a64BranchSystem } from "./branch-system";
import { a64SimdArithmetic } from "./simd-arith";
import { a64SimdMove } from "./simd-move";
import { a64SimdSaturating } from "./simd-saturating";
import { a64SimdByElement } from "./simd-by-element";
import { a64SimdPairwise } from "./simd-pairwise";

export { ALU_UNDEFINED } from "./operands";

/** Executes `word` at `at` (pc set) and returns ALU_DONE, or ALU_UNDEFINED / ALU_NOT_MINE without changing anything. */
export function a64Integer(word: u32, at: u64): u32 {
  const op0 = (word >>> 25) & 15;
  if ((op0 & 14) == 10) return a64BranchSystem(word, at);
  let result = ALU_NOT_MINE;
  if ((op0 & 14) == 8) result = a64DataImmediate(word, at);
  else if ((op0 & 7) == 5) result = a64DataRegister(word);
  else if ((op0 & 7) == 7) {
    result = a64SimdArithmetic(word);
    if (result == ALU_NOT_MINE) result = a64SimdSaturating(word);
    if (result == ALU_NOT_MINE) result = a64SimdByElement(word);
    if (result == ALU_NOT_MINE) result = a64SimdPairwise(word);
    if (result == ALU_NOT_MINE) result = a64SimdMove(word);
  }
  if (result == ALU_DONE) setPc(at + 4);
  return result;
}
