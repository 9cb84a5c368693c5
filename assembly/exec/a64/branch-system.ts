// A64 branches and system instructions besides B/BL/B.cond/CBZ/CBNZ, SVC/HVC, the
// barriers, TLBI and the MMU registers (a64-alu.ts): BR/BLR/RET, TBZ/TBNZ, the hint
// space, CLREX, and MRS/MSR of the EL0 registers compilers and libraries touch.
//
// The CPU has no FEAT_PAuth (issue 18, bug 2): the PAC instructions in the hint space
// (PACIASP, AUTIASP, XPACLRI, PACIA1716, …) are NOPs as on such a CPU, and the PAuth
// branches (BRAA, RETAA, …), like LDRAA/LDRAB (a64-run.ts), are undefined. Every other
// hint (YIELD, BTI, WFE, WFI, …) completes at once.
//
// MSR DAIFSet/DAIFClr and MRS/MSR DAIF keep the interrupt masks (the only PSTATE field
// besides NZCV modelled: SPSel, PAN, UAO, DIT, SSBS and TCO are undefined, the CPU
// having one stack pointer and no FEAT_PAN/UAO/DIT/SSBS/MTE).
// BRK ends the run with a `trap` fault at the BRK (pc stays there), ESR_EL1's value in
// REC_FAULT_SYNDROME (EC 0x3c, IL, imm16). The cache maintenance instructions by
// address (DC CVAC/CVAU/CVAP/CVADP/CIVAC/IVAC, IC IVAU) change no data (the
// interpreter has no caches) but translate the address, faulting as a load would (DC
// IVAC: as a store); by set/way and IC IALLU(IS) are NOPs. DC ZVA is a store (a64-loadstore.ts).
import {
  CPU_NZCV, CPU_MSR, CPU_SYSREGS, CPU_RESERVE_VALID, SYSREG_TPIDR_EL0, SYSREG_TPIDRRO_EL0, SYSREG_FPCR, SYSREG_FPSR, SYSREG_CNTVCT_EL0,
  SYSREG_ACCDATA_EL1, REC_FAULT_SYNDROME,
} from "../../layout";
import { FAULT_TRAP, FAULT_TRANSLATION } from "../../exits";
import { record } from "../../machine";
import { setPc } from "../../cpu/regs";
import { tlbTranslate, walkFaulted, TLB_READ, TLB_WRITE } from "../../mmu/tlb";
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { xRead, xWrite } from "../a64-alu";
import { fault } from "../run-exits";
import { ALU_UNDEFINED, signExtend } from "./operands";

/** What the EL0 identification registers read (QEMU's Cortex-A57-based "max" reads the same, except DCZID). */
const CTR_EL0_VALUE: u64 = 0x8444_c004; // 64-byte cache lines, VIPT I-cache, IDC/DIC clear
const CNTFRQ_EL0_VALUE: u64 = 62_500_000;
// DZP clear, BS 4: DC ZVA zeroes 64-byte blocks (as on Unicorn's CPU).
const DCZID_EL0_VALUE: u64 = 0x04;
// PSTATE.DAIF (bits 9:6 as MRS DAIF reads it) is kept in CPU_MSR (PowerPC's MSR: a
// record holds one architecture) XOR its reset value, so a zeroed record reads all masked.
// Nothing interrupts the interpreter, so the masks only read back.
const DAIF_RESET: u64 = 0x3c0;
/** ESR_EL1 of a BRK: EC 0x3c (BRK in AArch64), IL; the immediate goes in ISS. */
const ESR_BRK: u64 = (0x3c << 26) | (1 << 25);
// The bits of FPCR and FPSR that hold a value (the rest are RES0; the FP trap enables read as zero, as on a CPU without FP traps).
const FPCR_MASK: u64 = 0x07ff_0000;
const FPSR_MASK: u64 = 0xf800_009f;

/** BR, BLR, RET (Rn), with the return address written after the target is read. */
function branchRegister(word: u32, at: u64): u32 {
  if ((word & 0x001f_fc1f) != 0x001f_0000) return ALU_UNDEFINED; // ERET/DRPS (EL1+) and the PAuth forms
  const opc = (word >>> 21) & 15;
  if (opc > 2) return ALU_UNDEFINED;
  const target = xRead((word >>> 5) & 31, false);
  if (opc == 1) xWrite(30, at + 4, false);
  setPc(target);
  return ALU_DONE;
}

/** TBZ, TBNZ. */
function testBranch(word: u32, at: u64): u32 {
  const bit = ((word >>> 26) & 0x20) | ((word >>> 19) & 31);
  const set = ((xRead(word & 31, false) >> <u64>bit) & 1) != 0;
  const taken = set == ((word & 0x0100_0000) != 0);
  setPc(taken ? at + signExtend(<u64>(((word >>> 5) & 0x3fff) << 2), 16) : at + 4);
  return ALU_DONE;
}

/** The CPU_SYSREGS index of an EL0 register kept in the record (op0:op1:CRn:CRm:op2), or -1. */
function keptIndex(key: u32): i32 {
  switch (key) {
    case 0xde82: return <i32>SYSREG_TPIDR_EL0; //   S3_3_C13_C0_2
    case 0xde83: return <i32>SYSREG_TPIDRRO_EL0; // S3_3_C13_C0_3
    case 0xda20: return <i32>SYSREG_FPCR; //        S3_3_C4_C4_0
    case 0xda21: return <i32>SYSREG_FPSR; //        S3_3_C4_C4_1
    case 0xc685: return <i32>SYSREG_ACCDATA_EL1; // S3_0_C13_C0_5 (an EL1 register; the vCPU runs at EL1)
    default: return -1;
  }
}

@inline function sysreg(index: u32): usize {
  return record + CPU_SYSREGS + (index << 3);
}

/**
 * MRS/MSR of NZCV, FPCR, FPSR, TPIDR_EL0, TPIDRRO_EL0 (the vCPU runs at EL1, where it is
 * writable), ACCDATA_EL1 (FEAT_LS64_ACCDATA: ST64BV0's low word; bits 63:32 RES0), and reads of CTR_EL0, DCZID_EL0, CNTFRQ_EL0 and CNTVCT_EL0/CNTPCT_EL0. The
 * counter is virtual time kept per vCPU: every read returns one more than the last
 * (so a guest's delay loop ends, deterministically). ALU_NOT_MINE for other registers.
 */
function systemRegisterEl0(word: u32): u32 {
  const key = (word >>> 5) & 0xffff;
  const read = (word & 0x0020_0000) != 0;
  const rt = word & 31;
  const kept = keptIndex(key);
  if (kept >= 0) {
    const mask: u64 = <u32>kept == SYSREG_FPCR ? FPCR_MASK : <u32>kept == SYSREG_FPSR ? FPSR_MASK
      : <u32>kept == SYSREG_ACCDATA_EL1 ? 0xffff_ffff : 0xffff_ffff_ffff_ffff;
    if (read) xWrite(rt, load<u64>(sysreg(<u32>kept)), false);
    else store<u64>(sysreg(<u32>kept), xRead(rt, false) & mask);
    return ALU_DONE;
  }
  if (key == 0xda11) { // DAIF: S3_3_C4_C2_1
    if (read) xWrite(rt, load<u64>(record + CPU_MSR) ^ DAIF_RESET, false);
    else store<u64>(record + CPU_MSR, (xRead(rt, false) & DAIF_RESET) ^ DAIF_RESET);
    return ALU_DONE;
  }
  if (key == 0xda10) { // NZCV: S3_3_C4_C2_0
    if (read) xWrite(rt, <u64>load<u32>(record + CPU_NZCV), false);
    else store<u32>(record + CPU_NZCV, <u32>xRead(rt, false) & 0xf000_0000);
    return ALU_DONE;
  }
  let value: u64;
  switch (key) {
    case 0xd801: value = CTR_EL0_VALUE; break; //    S3_3_C0_C0_1
    case 0xd807: value = DCZID_EL0_VALUE; break; //  S3_3_C0_C0_7
    case 0xdf00: value = CNTFRQ_EL0_VALUE; break; // S3_3_C14_C0_0
    case 0xdf01: case 0xdf02: { //                   CNTPCT_EL0, CNTVCT_EL0
      value = load<u64>(sysreg(SYSREG_CNTVCT_EL0)) + 1;
      store<u64>(sysreg(SYSREG_CNTVCT_EL0), value);
      break;
    }
    default: return ALU_NOT_MINE;
  }
  if (!read) return key == 0xdf00 ? ALU_NOT_MINE : ALU_UNDEFINED; // CNTFRQ_EL0 is EL1-writable: not modelled
  xWrite(rt, value, false);
  return ALU_DONE;
}

/**
 * SYS in the cache maintenance space (CRn 7): ALU_DONE, the EXIT_FAULT of a translation
 * fault, or ALU_NOT_MINE (DC ZVA, AT and the rest).
 */
function cacheMaintenance(word: u32, at: u64): u32 {
  const op = word & 0x0007_ffe0; // op1:CRn:CRm:op2
  const byAddress = op == 0x0003_7520 || op == 0x0000_7620 || op == 0x0003_7a20 || op == 0x0003_7b20
    || op == 0x0003_7c20 || op == 0x0003_7d20 || op == 0x0003_7e20; // IC IVAU; DC IVAC, CVAC, CVAU, CVAP, CVADP, CIVAC
  const nop = op == 0x0000_7100 || op == 0x0000_7500 || op == 0x0000_7640 || op == 0x0000_7a40 || op == 0x0000_7e40; // IC IALLUIS, IALLU; DC ISW, CSW, CISW
  if (byAddress) {
    const va = xRead(word & 31, false);
    if (tlbTranslate(op == 0x0000_7620 ? TLB_WRITE : TLB_READ, va, 1) == 0 && walkFaulted) {
      return fault(FAULT_TRANSLATION, at, va); // the walk recorded ESR_EL1
    }
    return ALU_DONE;
  }
  return nop ? ALU_DONE : ALU_NOT_MINE;
}

/** Branches (register, test) and system instructions; sets pc when it returns ALU_DONE. */
export function a64BranchSystem(word: u32, at: u64): u32 {
  if ((word & 0xfe00_0000) == 0xd600_0000) return branchRegister(word, at);
  if ((word & 0x7e00_0000) == 0x3600_0000) return testBranch(word, at);
  if ((word & 0xffe0_001f) == 0xd420_0000) { // BRK #imm16
    store<u64>(record + REC_FAULT_SYNDROME, ESR_BRK | ((word >>> 5) & 0xffff));
    return fault(FAULT_TRAP, at, at);
  }
  let result = ALU_NOT_MINE;
  if ((word & 0xfff8_f000) == 0xd508_7000) {
    result = cacheMaintenance(word, at);
    if (result != ALU_DONE && result != ALU_NOT_MINE) return result;
  } else if ((word & 0xffff_f0df) == 0xd503_40df) { // MSR DAIFSet / DAIFClr, #imm4 (CRm)
    const bits = <u64>((word >>> 8) & 15) << 6;
    const daif = load<u64>(record + CPU_MSR) ^ DAIF_RESET;
    store<u64>(record + CPU_MSR, ((word & 0x20) != 0 ? daif & ~bits : daif | bits) ^ DAIF_RESET);
    result = ALU_DONE;
  } else if (word == 0xd500_401f) { // CFINV (FEAT_FlagM): C = NOT C
    store<u32>(record + CPU_NZCV, load<u32>(record + CPU_NZCV) ^ (1 << 29));
    result = ALU_DONE;
  } else if ((word & 0xffff_f01f) == 0xd503_201f) { // hints, PAC ones included (no FEAT_PAuth)
    result = ALU_DONE;
  } else if ((word & 0xffff_f0ff) == 0xd503_305f) { // CLREX
    store<u32>(record + CPU_RESERVE_VALID, 0);
    result = ALU_DONE;
  } else if ((word & 0xffd0_0000) == 0xd510_0000) {
    result = systemRegisterEl0(word);
  }
  if (result == ALU_DONE) setPc(at + 4);
  return result;
}
