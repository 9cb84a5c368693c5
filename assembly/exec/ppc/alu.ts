// The PowerPC instructions a guest loop needs besides loads and stores: integer
// arithmetic and logic, compares, branches, the few SPRs, sc, and the barrier and
// TLB-invalidate instructions. Not a full CPU: anything else is NOT_MINE.
import {
  CPU_LR, CPU_CTR, CPU_XER, CPU_MSR, CPU_SYSREGS, SYSREG_PID, SYSREG_PTCR, SYSREG_LPCR, SYSREG_HASHKEYR, SYSREG_HASHPKEYR,
} from "../../layout";
import { EXIT_HYPERCALL, EXIT_SYNC_WAIT } from "../../exits";
import { tlbFlushAll } from "../../mmu/tlb";
import { ppcSetMmu } from "./run";
import { ppcMmuOp, ppcTlbInvalidate } from "./mmu-ops";
import { shootBarrier } from "../../mmu/shootdown";
import { gpr, setGpr, setPc, cpu, setCpu, cr, setCr, is64 } from "../../cpu/regs";

export const ALU_DONE: u32 = 0; // executed; pc set
export const ALU_NOT_MINE: u32 = 0xffff; // not in this subset (a load/store, or unimplemented)

const XER_SO: u64 = 0x8000_0000;
const XER_OV: u64 = 0x4000_0000;
const XER_OV32: u64 = 0x8_0000;
const SPR_XER: u32 = 1;
const SPR_LR: u32 = 8;
const SPR_CTR: u32 = 9;
const SPR_PID: u32 = 48;
const SPR_PTCR: u32 = 464;
const SPR_LPCR: u32 = 318;
const SPR_HASHKEYR: u32 = 468;
const SPR_HASHPKEYR: u32 = 469;

/** The record offset of a hash key SPR (HASHKEYR, HASHPKEYR), or 0 for any other SPR. */
@inline function hashKeyOffset(spr: u32): u32 {
  return spr == SPR_HASHKEYR ? CPU_SYSREGS + (SYSREG_HASHKEYR << 3) : spr == SPR_HASHPKEYR ? CPU_SYSREGS + (SYSREG_HASHPKEYR << 3) : 0;
}

@inline function field(word: u32, shift: u32, bits: u32): u32 {
  return (word >>> shift) & ((1 << bits) - 1);
}

/** A GPR write; a 32-bit implementation keeps 32 bits. */
@inline function writeGpr(n: u32, value: u64): void {
  setGpr(n, is64() ? value : value & 0xffff_ffff);
}

/** Mask with ISA bits b..e set (bit 0 = most significant), wrapping when b > e. */
@inline function mask64(b: u32, e: u32): u64 {
  const high: u64 = <u64>0xffff_ffff_ffff_ffff >> <u64>b;
  const low: u64 = <u64>0xffff_ffff_ffff_ffff << <u64>(63 - e);
  return b <= e ? high & low : high | low;
}

/** The LT/GT/EQ/SO nibble of a signed compare, SO copied from XER. */
@inline function compareNibble(a: i64, b: i64): u32 {
  const order: u32 = a < b ? 8 : a > b ? 4 : 2;
  return order | ((cpu(CPU_XER) & XER_SO) != 0 ? 1 : 0);
}

@inline function compareNibbleUnsigned(a: u64, b: u64): u32 {
  const order: u32 = a < b ? 8 : a > b ? 4 : 2;
  return order | ((cpu(CPU_XER) & XER_SO) != 0 ? 1 : 0);
}

@inline function setCrField(bf: u32, nibble: u32): void {
  const shift = 28 - (bf << 2);
  setCr((cr() & ~(0xf << shift)) | (nibble << shift));
}

/** Rc=1: CR0 from the result, compared as the mode's width. */
@inline function recordCr0(value: u64): void {
  setCrField(0, compareNibble(is64() ? <i64>value : <i64><i32>value, 0));
}

@inline function extendSigned16(word: u32): u64 {
  return <u64><i64><i16>word;
}

/** Overflow of a + b = r at the mode's width, into XER's OV/OV32 and sticky SO. */
function recordOverflow(a: u64, b: u64, r: u64): void {
  const ov64 = ((a ^ r) & (b ^ r)) >> 63;
  const ov32 = (((a ^ r) & (b ^ r)) >> 31) & 1;
  const ov = is64() ? ov64 : ov32;
  let xer = cpu(CPU_XER) & ~(XER_OV | XER_OV32);
  if (ov != 0) xer |= XER_OV | XER_SO;
  if (ov32 != 0) xer |= XER_OV32;
  setCpu(CPU_XER, xer);
}

/** bc's condition: decrements CTR unless BO says not, then tests CTR and the CR bit. */
function branchTaken(bo: u32, bi: u32, mayDecrement: bool): bool {
  let ctrOk = true;
  if (mayDecrement && (bo & 4) == 0) {
    // A 32-bit implementation's CTR is 32 bits wide.
    const ctr = is64() ? cpu(CPU_CTR) - 1 : (cpu(CPU_CTR) - 1) & 0xffff_ffff;
    setCpu(CPU_CTR, ctr);
    ctrOk = (ctr != 0) != ((bo & 2) != 0);
  }
  const crBit = (cr() >>> (31 - bi)) & 1;
  const condOk = (bo & 16) != 0 || crBit == ((bo >>> 3) & 1);
  return ctrOk && condOk;
}

@inline function nextPc(at: u64): u64 {
  const next = at + 4;
  return is64() ? next : next & 0xffff_ffff;
}

@inline function branchTarget(at: u64, displacement: u64, absolute: bool): u64 {
  const target = absolute ? displacement : at + displacement;
  return is64() ? target : target & 0xffff_ffff;
}

/** Executes `word` at `at` if it is in the subset; returns ALU_DONE, EXIT_HYPERCALL or ALU_NOT_MINE. */
export function ppcAlu(word: u32, at: u64): u32 {
  const rt = field(word, 21, 5);
  const ra = field(word, 16, 5);
  const rb = field(word, 11, 5);
  const raOrZero: u64 = ra == 0 ? 0 : gpr(ra);
  switch (word >>> 26) {
    case 14: writeGpr(rt, raOrZero + extendSigned16(word)); break; // addi
    case 15: writeGpr(rt, raOrZero + (extendSigned16(word) << 16)); break; // addis
    case 24: writeGpr(ra, gpr(rt) | <u64>(word & 0xffff)); break; // ori
    case 25: writeGpr(ra, gpr(rt) | (<u64>(word & 0xffff) << 16)); break; // oris
    case 26: writeGpr(ra, gpr(rt) ^ <u64>(word & 0xffff)); break; // xori
    case 27: writeGpr(ra, gpr(rt) ^ (<u64>(word & 0xffff) << 16)); break; // xoris
    case 28: { // andi.
      writeGpr(ra, gpr(rt) & <u64>(word & 0xffff));
      recordCr0(gpr(ra));
      break;
    }
    case 11: { // cmpi
      const wide = (word & (1 << 21)) != 0;
      const a = wide ? <i64>gpr(ra) : <i64><i32>gpr(ra);
      setCrField(rt >>> 2, compareNibble(a, <i64>extendSigned16(word)));
      break;
    }
    case 10: { // cmpli
      const wide = (word & (1 << 21)) != 0;
      const a = wide ? gpr(ra) : gpr(ra) & 0xffff_ffff;
      setCrField(rt >>> 2, compareNibbleUnsigned(a, <u64>(word & 0xffff)));
      break;
    }
    case 21: { // rlwinm
      const low = gpr(rt) & 0xffff_ffff;
      const sh = <u64>rb;
      const doubled = low | (low << 32);
      const rotated = (doubled << sh) | (doubled >> ((64 - sh) & 63));
      writeGpr(ra, rotated & mask64(field(word, 6, 5) + 32, field(word, 1, 5) + 32));
      if ((word & 1) != 0) recordCr0(gpr(ra));
      break;
    }
    case 30: { // rldicl / rldicr
      if (!is64()) return ALU_NOT_MINE;
      const sh = <u64>(rb | ((word & 2) << 4));
      const raw = field(word, 5, 6);
      const m = ((raw & 1) << 5) | (raw >>> 1);
      const rotated = rotl<u64>(gpr(rt), sh);
      const kind = field(word, 2, 3);
      if (kind == 0) writeGpr(ra, rotated & mask64(m, 63));
      else if (kind == 1) writeGpr(ra, rotated & mask64(0, m));
      else return ALU_NOT_MINE;
      if ((word & 1) != 0) recordCr0(gpr(ra));
      break;
    }
    case 18: { // b, ba, bl, bla
      const displacement = <u64>(<i64>(<i32>(word << 6)) >> 6) & ~3;
      if ((word & 1) != 0) setCpu(CPU_LR, nextPc(at));
      setPc(branchTarget(at, displacement, (word & 2) != 0));
      return ALU_DONE;
    }
    case 16: { // bc
      const taken = branchTaken(rt, ra, true);
      if ((word & 1) != 0) setCpu(CPU_LR, nextPc(at));
      setPc(taken ? branchTarget(at, extendSigned16(word & 0xfffc), (word & 2) != 0) : nextPc(at));
      return ALU_DONE;
    }
    case 17: { // sc
      if ((word & 2) == 0) return ALU_NOT_MINE;
      setPc(nextPc(at));
      return EXIT_HYPERCALL;
    }
    case 19: return xlForm(word, at, rt, ra);
    case 31: return xForm(word, at, rt, ra, rb);
    default: return ALU_NOT_MINE;
  }
  setPc(nextPc(at));
  return ALU_DONE;
}

function xlForm(word: u32, at: u64, bo: u32, bi: u32): u32 {
  const xo = field(word, 1, 10);
  if (xo == 16 || xo == 528) { // bclr, bcctr
    const isLr = xo == 16;
    if (!isLr && (bo & 4) == 0) return ALU_NOT_MINE; // bcctr may not decrement CTR
    const target = (isLr ? cpu(CPU_LR) : cpu(CPU_CTR)) & ~3;
    const taken = branchTaken(bo, bi, isLr);
    if ((word & 1) != 0) setCpu(CPU_LR, nextPc(at));
    setPc(taken ? (is64() ? target : target & 0xffff_ffff) : nextPc(at));
    return ALU_DONE;
  }
  if (xo != 150) return ALU_NOT_MINE; // isync
  setPc(nextPc(at));
  return ALU_DONE;
}

function xForm(word: u32, at: u64, rt: u32, ra: u32, rb: u32): u32 {
  const xo = field(word, 1, 10);
  const record = (word & 1) != 0;
  switch (xo & 0x1ff) { // XO-form arithmetic: bit 21 is OE
    case 266: { // add
      const a = gpr(ra), b = gpr(rb), r = a + b;
      writeGpr(rt, r);
      if ((xo & 0x200) != 0) recordOverflow(a, b, r);
      if (record) recordCr0(r);
      setPc(nextPc(at));
      return ALU_DONE;
    }
    case 40: { // subf: rt = rb - ra
      const a = ~gpr(ra), b = gpr(rb), r = a + b + 1;
      writeGpr(rt, r);
      if ((xo & 0x200) != 0) recordOverflow(a, b, r);
      if (record) recordCr0(r);
      setPc(nextPc(at));
      return ALU_DONE;
    }
    default:
      break;
  }
  switch (xo) {
    case 0: case 32: { // cmp, cmpl
      const wide = (word & (1 << 21)) != 0;
      const a = gpr(ra), b = gpr(rb);
      const nibble = xo == 0
        ? (wide ? compareNibble(<i64>a, <i64>b) : compareNibble(<i64><i32>a, <i64><i32>b))
        : (wide ? compareNibbleUnsigned(a, b) : compareNibbleUnsigned(a & 0xffff_ffff, b & 0xffff_ffff));
      setCrField(rt >>> 2, nibble);
      break;
    }
    case 444: writeGpr(ra, gpr(rt) | gpr(rb)); if (record) recordCr0(gpr(ra)); break; // or (mr)
    case 28: writeGpr(ra, gpr(rt) & gpr(rb)); if (record) recordCr0(gpr(ra)); break; // and
    case 316: writeGpr(ra, gpr(rt) ^ gpr(rb)); if (record) recordCr0(gpr(ra)); break; // xor
    case 339: { // mfspr
      const spr = ra | (rb << 5);
      if (spr == SPR_LR) writeGpr(rt, cpu(CPU_LR));
      else if (spr == SPR_CTR) writeGpr(rt, cpu(CPU_CTR));
      else if (spr == SPR_XER) writeGpr(rt, cpu(CPU_XER));
      else if (spr == SPR_PID) writeGpr(rt, cpu(CPU_SYSREGS + (SYSREG_PID << 3)));
      else if (spr == SPR_PTCR) writeGpr(rt, cpu(CPU_SYSREGS + (SYSREG_PTCR << 3)));
      else if (spr == SPR_LPCR) writeGpr(rt, cpu(CPU_SYSREGS + (SYSREG_LPCR << 3)));
      else if (hashKeyOffset(spr) != 0) writeGpr(rt, cpu(hashKeyOffset(spr)));
      else return ppcMmuOp(word, at, xo, rt, ra, rb);
      break;
    }
    case 467: { // mtspr
      const spr = ra | (rb << 5);
      if (spr == SPR_LR) setCpu(CPU_LR, gpr(rt));
      else if (spr == SPR_CTR) setCpu(CPU_CTR, gpr(rt));
      else if (spr == SPR_XER) setCpu(CPU_XER, gpr(rt));
      else if (spr == SPR_PID) {
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
      else return ppcMmuOp(word, at, xo, rt, ra, rb);
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
      return ppcMmuOp(word, at, xo, rt, ra, rb);
  }
  setPc(nextPc(at));
  return ALU_DONE;
}
