// The PowerPC interpreter's instructions besides loads and stores: the fixed-point
// user instruction set (arith.ts, logical.ts, compare.ts, branch.ts, sharing
// fixed-point.ts) with Power10's paddi, the VMX/VSX integer subset (vector.ts), sc, and the barrier, MSR and TLB-invalidate instructions (the MMU
// ones in mmu-ops.ts). Anything else is ALU_NOT_MINE: the decoder then says whether it
// is a load/store, an unimplemented instruction or an undefined word.
import {
  CPU_MSR, CPU_SYSREGS, SYSREG_PID, SYSREG_PTCR, SYSREG_LPCR, SYSREG_HASHKEYR, SYSREG_HASHPKEYR,
} from "../../layout";
import { EXIT_HYPERCALL, EXIT_SYNC_WAIT, CAUSE_UNDEFINED, CAUSE_INVALID_FORM } from "../../exits";
import { tlbFlushAll } from "../../mmu/tlb";
import { ppcSetMmu } from "./run";
import { ppcMmuOp, ppcTlbInvalidate } from "./mmu-ops";
import { shootBarrier } from "../../mmu/shootdown";
import { gpr, setPc, cpu, setCpu, is64 } from "../../cpu/regs";
import { undefinedInstruction } from "../run-exits";
import { ALU_UNDEFINED, field, writeGpr, gprOrZero } from "./fixed-point";
import { ppcArith, ppcArithImmediate } from "./arith";
import { ppcLogical, ppcLogicalImmediate } from "./logical";
import { ppcCompare, ppcCompareImmediate, ppcTrap } from "./compare";
import { ppcBranch, ppcBranchXl, ppcUserSpr, nextPc } from "./branch";
import { ppcVmx, ppcVsxAlu, ppcVsrMove } from "./vector";

export const ALU_DONE: u32 = 0; // executed; pc set
export const ALU_NOT_MINE: u32 = 0xffff; // not in this subset (a load/store, or unimplemented)

const SPR_PID: u32 = 48;
const SPR_PTCR: u32 = 464;
const SPR_LPCR: u32 = 318;
const SPR_HASHKEYR: u32 = 468;
const SPR_HASHPKEYR: u32 = 469;

/** The record offset of a hash key SPR (HASHKEYR, HASHPKEYR), or 0 for any other SPR. */
@inline function hashKeyOffset(spr: u32): u32 {
  return spr == SPR_HASHKEYR ? CPU_SYSREGS + (SYSREG_HASHKEYR << 3) : spr == SPR_HASHPKEYR ? CPU_SYSREGS + (SYSREG_HASHPKEYR << 3) : 0;
}

/**
 * Executes `word` at `at` if it is one of this file's: ALU_DONE with pc set, an exit
 * (EXIT_HYPERCALL, a trap's EXIT_FAULT, EXIT_UNDEFINED for a 64-bit-only word on a
 * 32-bit implementation, EXIT_SYNC_WAIT) recorded with pc at the instruction, or ALU_NOT_MINE.
 */
export function ppcAlu(word: u32, at: u64): u32 {
  const primary = word >>> 26;
  const rt = field(word, 21, 5);
  const ra = field(word, 16, 5);
  const rb = field(word, 11, 5);
  let result: u32;
  switch (primary) {
    case 14: writeGpr(rt, gprOrZero(ra) + <u64><i64><i16>word); result = ALU_DONE; break; // addi
    case 15: writeGpr(rt, gprOrZero(ra) + (<u64><i64><i16>word << 16)); result = ALU_DONE; break; // addis
    case 7: case 8: case 12: case 13: result = ppcArithImmediate(primary, word, rt, ra); break;
    case 20: case 21: case 23: case 24: case 25: case 26: case 27: case 28: case 29: case 30:
      result = ppcLogicalImmediate(primary, word, rt, ra, rb);
      break;
    case 10: case 11: result = ppcCompareImmediate(primary, word, rt, ra); break;
    case 3: result = ppcTrap(rt, gpr(ra), <u64><i64><i16>word, false, at); break; // twi
    case 2: result = is64() ? ppcTrap(rt, gpr(ra), <u64><i64><i16>word, true, at) : ALU_UNDEFINED; break; // tdi
    case 16: case 18: return ppcBranch(primary, word, at);
    case 19: return ppcBranchXl(word, at, rt, ra, rb);
    case 17: { // sc
      if ((word & 2) == 0) return ALU_NOT_MINE;
      setPc(nextPc(at));
      return EXIT_HYPERCALL;
    }
    case 31: result = xForm(word, at, rt, ra, rb); break;
    case 4: result = ppcVmx(word); break;
    case 60: result = ppcVsxAlu(word); break;
    default: return ALU_NOT_MINE;
  }
  if (result == ALU_DONE) setPc(nextPc(at));
  else if (result == ALU_UNDEFINED) return undefinedInstruction(CAUSE_UNDEFINED, at);
  return result;
}

/**
 * Power10 prefixed fixed-point arithmetic: paddi (and its pli/pla forms), an MLS prefix
 * with an addi suffix. RT ← (RA|0) + SI, or with R=1 the prefix's address + SI (RA must
 * be 0). ALU_DONE with pc past both words, the invalid-form exit, or ALU_NOT_MINE.
 */
export function ppcPrefixedAlu(prefix: u32, suffix: u32, at: u64): u32 {
  if ((prefix >>> 24) != 0x06 || (prefix & 0x00ec_0000) != 0 || (suffix >>> 26) != 14 || !is64()) return ALU_NOT_MINE;
  const ra = field(suffix, 16, 5);
  const si = ((<i64>(prefix & 0x3ffff) << 16 | <i64>(suffix & 0xffff)) << 30) >> 30;
  const pcRelative = (prefix & 0x0010_0000) != 0;
  if (pcRelative && ra != 0) return undefinedInstruction(CAUSE_INVALID_FORM, at);
  writeGpr(field(suffix, 21, 5), (pcRelative ? at : gprOrZero(ra)) + <u64>si);
  setPc(at + 8);
  return ALU_DONE;
}

/** Opcode 31's fixed-point families in turn (ALU_DONE leaves pc to the caller). */
function fixedPointX(word: u32, xo: u32, rt: u32, ra: u32, rb: u32, at: u64): u32 {
  let result = ppcArith(word, xo, rt, ra, rb);
  if (result == ALU_NOT_MINE) result = ppcLogical(word, xo, rt, ra, rb);
  if (result == ALU_NOT_MINE) result = ppcCompare(word, xo, rt, ra, rb, at);
  if (result == ALU_NOT_MINE) result = ppcVsrMove(xo, word, rt, ra, rb);
  if (result == ALU_NOT_MINE) result = ppcUserSpr(xo, rt, ra | (rb << 5));
  return result;
}

/**
 * Whether the micro-op cache may run `word` through ppcFixedPoint: a fixed-point or
 * vector word that cannot exit, change translation or read the time base (traps and
 * mftb stay on the full path, which keeps the instruction count).
 */
export function ppcFixedPointCandidate(word: u32): bool {
  const primary = word >>> 26;
  if (primary == 31) {
    const xo = field(word, 1, 10);
    const spr = field(word, 16, 5) | (field(word, 11, 5) << 5);
    return xo != 4 && xo != 68 && xo != 371 && !(xo == 339 && (spr == 268 || spr == 269));
  }
  return primary == 4 || primary == 60 || primary == 7 || primary == 8 || primary == 12 || primary == 13
    || (primary >= 20 && primary <= 30 && primary != 22);
}

/**
 * The micro-op path's executor (either width) for ppcFixedPointCandidate words: ALU_DONE
 * with the registers written and pc untouched, else ALU_NOT_MINE with nothing changed.
 */
export function ppcFixedPoint(word: u32): u32 {
  const primary = word >>> 26;
  const rt = field(word, 21, 5);
  const ra = field(word, 16, 5);
  const rb = field(word, 11, 5);
  switch (primary) {
    case 31: return fixedPointX(word, field(word, 1, 10), rt, ra, rb, 0);
    case 4: return ppcVmx(word);
    case 60: return ppcVsxAlu(word);
    case 7: case 8: case 12: case 13: return ppcArithImmediate(primary, word, rt, ra);
    default: return ppcLogicalImmediate(primary, word, rt, ra, rb);
  }
}

/** Opcode 31: the fixed-point families, then SPRs, barriers, MSR and TLB ones. ALU_DONE leaves pc to the caller. */
function xForm(word: u32, at: u64, rt: u32, ra: u32, rb: u32): u32 {
  const xo = field(word, 1, 10);
  const result = fixedPointX(word, xo, rt, ra, rb, at);
  if (result != ALU_NOT_MINE) return result;
  switch (xo) {
    case 339: { // mfspr of the MMU and hash key registers
      const spr = ra | (rb << 5);
      if (spr == SPR_PID) writeGpr(rt, cpu(CPU_SYSREGS + (SYSREG_PID << 3)));
      else if (spr == SPR_PTCR) writeGpr(rt, cpu(CPU_SYSREGS + (SYSREG_PTCR << 3)));
      else if (spr == SPR_LPCR) writeGpr(rt, cpu(CPU_SYSREGS + (SYSREG_LPCR << 3)));
      else if (hashKeyOffset(spr) != 0) writeGpr(rt, cpu(hashKeyOffset(spr)));
      else return ppcMmuOp(word, at, xo, rt, ra, rb); // sets pc itself (to the same next pc)
      break;
    }
    case 467: { // mtspr of the MMU and hash key registers
      const spr = ra | (rb << 5);
      if (spr == SPR_PID) {
        // A context switch: the TLB keeps each PID's entries apart and switches to the new one's.
        setCpu(CPU_SYSREGS + (SYSREG_PID << 3), gpr(rt));
        ppcSetMmu();
      } else if (spr == SPR_PTCR) {
        // New tables: nothing cached may survive.
        setCpu(CPU_SYSREGS + (SYSREG_PTCR << 3), gpr(rt));
        tlbFlushAll();
      } else if (spr == SPR_LPCR) {
        setCpu(CPU_SYSREGS + (SYSREG_LPCR << 3), gpr(rt));
        ppcSetMmu(); // HR picks the walker (setMmu flushes when it changes)
      } else if (hashKeyOffset(spr) != 0) setCpu(hashKeyOffset(spr), gpr(rt));
      else return ppcMmuOp(word, at, xo, rt, ra, rb); // sets pc itself (to the same next pc)
      break;
    }
    // TLB invalidation: tlbie is broadcast to every vCPU (RB: the effective page, or
    // in hash mode everything: mmu-ops.ts), and ptesync/tlbsync retire it per the
    // invalidation model; tlbiel is local. Every access completes before the next
    // instruction starts, so the rest are no-ops.
    case 306: ppcTlbInvalidate(gpr(rb) & ~<u64>0xfff, true); break; // tlbie
    case 274: ppcTlbInvalidate(gpr(rb) & ~<u64>0xfff, false); break; // tlbiel
    case 566: // tlbsync
      if (!shootBarrier()) return EXIT_SYNC_WAIT;
      break;
    case 598: // sync (L=0), lwsync (1), ptesync (2)
      if (((word >>> 21) & 3) == 2 && !shootBarrier()) return EXIT_SYNC_WAIT;
      break;
    case 83: writeGpr(rt, cpu(CPU_MSR)); break; // mfmsr
    case 178: // mtmsrd (L=1 sets only EE and RI, which the interpreter does not model)
      if ((word & 0x0001_0000) == 0) {
        setCpu(CPU_MSR, gpr(rt));
        ppcSetMmu();
      }
      break;
    case 854: // eieio
      break;
    default:
      return ppcMmuOp(word, at, xo, rt, ra, rb); // sets pc itself (to the same next pc)
  }
  return ALU_DONE;
}

