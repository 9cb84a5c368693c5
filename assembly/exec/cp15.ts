// The CP15 system-control instructions A32 and T32 share (a T32 coprocessor
// instruction is the A32 one with cond = 0b1110, so both pass the same word):
//   MCR/MRC   SCTLR (c1,c0,0), TTBR0 (c2,c0,0), TTBR1 (c2,c0,1), TTBCR (c2,c0,2),
//             DACR (c3,c0,0), MAIR0/PRRR (c10,c2,0), MAIR1/NMRR (c10,c2,1),
//             CONTEXTIDR (c13,c0,1);
//   MCRR/MRRC the 64-bit TTBR0 (opc1 0, c2) and TTBR1 (opc1 1, c2);
//   MCR       the c8 TLB maintenance operations and the CP15DSB/DMB/ISB barriers (c7);
//   MCR/MRC   the thread pointers TPIDRURW (c13,c0,2), TPIDRURO (c13,c0,3), TPIDRPRW (c13,c0,4),
//             CNTFRQ (c14,c0,0; reads only: the frequency is fixed) and CNTKCTL (c14,c1,0);
//   MRRC      the counters CNTPCT (opc1 0, c14) and CNTVCT (opc1 1, c14): one counter, every
//             read one more than the last (A64's CNTVCT_EL0, so a delay loop ends deterministically).
// PL0 (CPSR.M = User) reaches TPIDRURW, TPIDRURO (read only), the barriers, and what CNTKCTL
// opens: CNTPCT with PL0PCTEN, CNTVCT with PL0VCTEN, CNTFRQ with either; anything else
// there is UNDEFINED (ALU_UNDEFINED). Every other CPSR mode is PL1.
// The registers live in the AArch64 array by the architectural mapping: SCTLR, TTBCR
// and DACR are the low halves of SCTLR_EL1, TCR_EL1 and DACR32_EL2; a 32-bit TTBRn
// write replaces TTBRn_EL1[31:0] and keeps the rest; MAIR0/1 are MAIR_EL1's halves.
import {
  CPU_NZCV, CPU_SYSREGS, SYSREG_SCTLR_EL1, SYSREG_TCR_EL1, SYSREG_TTBR0_EL1, SYSREG_TTBR1_EL1, SYSREG_DACR, SYSREG_MAIR_EL1, SYSREG_CONTEXTIDR,
  SYSREG_TPIDR_EL0, SYSREG_TPIDRRO_EL0, SYSREG_TPIDR_EL1, SYSREG_CNTKCTL, SYSREG_CNTVCT_EL0,
} from "../layout";
import { EXIT_SYNC_WAIT } from "../exits";
import { record } from "../machine";
import { setMmu, tlbFlushAll, tlbFlushVa, tlbFlushAddressSpace } from "../mmu/tlb";
import { shootPost, shootPostAddressSpace, shootBarrier } from "../mmu/shootdown";
import { armWalker, armMmuEnabled, armAsid, WALKER_ARM_LPAE } from "../mmu/walk";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { ALU_UNDEFINED } from "./a64/operands";
import { rRead, rWrite } from "./a32-loadstore";

/** CNTFRQ: the generic timer's frequency (QEMU's, as A64's CNTFRQ_EL0). */
const CNTFRQ_VALUE: u32 = 62_500_000;
const CNTKCTL_PL0PCTEN: u32 = 1;
const CNTKCTL_PL0VCTEN: u32 = 2;

/** False at PL0 (CPSR.M = User); every other mode is PL1. */
export function privileged(): bool {
  return (load<u32>(record + CPU_NZCV) & 0x1f) != 0x10;
}

@inline function sysreg(index: u32): usize {
  return record + CPU_SYSREGS + (index << 3);
}

/** The next value of the virtual counter (CNTPCT = CNTVCT: no offset). */
function counterRead(): u64 {
  const value = load<u64>(sysreg(SYSREG_CNTVCT_EL0)) + 1;
  store<u64>(sysreg(SYSREG_CNTVCT_EL0), value);
  return value;
}

/**
 * MCR/MRC of the thread pointers, CNTFRQ and CNTKCTL (opc1 0, CRn 13 or 14), with the
 * PL0 rules above: ALU_DONE, ALU_UNDEFINED or ALU_NOT_MINE (not one of these).
 */
function threadOrTimer(read: bool, crn: u32, crm: u32, opc2: u32, rt: u32, pcValue: u64): u32 {
  const key = (crn << 8) | (crm << 4) | opc2;
  const pl1 = privileged();
  let index: u32;
  switch (key) {
    case 0xd02: index = SYSREG_TPIDR_EL0; break;
    case 0xd03: if (!read && !pl1) return ALU_UNDEFINED; index = SYSREG_TPIDRRO_EL0; break;
    case 0xd04: if (!pl1) return ALU_UNDEFINED; index = SYSREG_TPIDR_EL1; break;
    case 0xe10: if (!pl1) return ALU_UNDEFINED; index = SYSREG_CNTKCTL; break;
    case 0xe00: {
      const open = pl1 || (load<u32>(sysreg(SYSREG_CNTKCTL)) & (CNTKCTL_PL0PCTEN | CNTKCTL_PL0VCTEN)) != 0;
      if (!read || !open) return ALU_UNDEFINED;
      rWrite(rt, CNTFRQ_VALUE);
      return ALU_DONE;
    }
    default: return ALU_NOT_MINE;
  }
  if (read) rWrite(rt, load<u32>(sysreg(index)));
  else store<u32>(sysreg(index), rRead(rt, pcValue));
  return ALU_DONE;
}

/** Turns translation on or off (SCTLR.M) with the walker TTBCR.EAE selects, in the current ASID's address space. */
export function armSetMmu(): void {
  setMmu(armMmuEnabled(), armWalker(), armAsid());
}

/**
 * After a write to SCTLR, TTBCR, TTBR0/1, DACR or CONTEXTIDR: re-selects the walker
 * and the address space. A context switch keeps the other ASIDs' entries: a CONTEXTIDR
 * write, or with LPAE a TTBR write (the ASID lives there); the rest drop every entry
 * walked under the old values (a short-format TTBR names tables but no ASID).
 */
function mmuRegistersChanged(index: u32): void {
  const contextSwitch = index == SYSREG_CONTEXTIDR || (armWalker() == WALKER_ARM_LPAE && (index == SYSREG_TTBR0_EL1 || index == SYSREG_TTBR1_EL1));
  if (!contextSwitch) tlbFlushAll();
  armSetMmu();
}

/** The SYSREG_* index of a 32-bit CP15 register (opc1, CRn, CRm, opc2), the word's half in bit 8; -1 when it is not kept. */
function registerOf(opc1: u32, crn: u32, crm: u32, opc2: u32): i32 {
  if (opc1 != 0) return -1;
  const key = (crn << 8) | (crm << 4) | opc2;
  let index: u32;
  let half: u32 = 0;
  switch (key) {
    case 0x100: index = SYSREG_SCTLR_EL1; break;
    case 0x200: index = SYSREG_TTBR0_EL1; break;
    case 0x201: index = SYSREG_TTBR1_EL1; break;
    case 0x202: index = SYSREG_TCR_EL1; break;
    case 0x300: index = SYSREG_DACR; break;
    case 0xa20: index = SYSREG_MAIR_EL1; break;
    case 0xa21: index = SYSREG_MAIR_EL1; half = 1; break;
    case 0xd01: index = SYSREG_CONTEXTIDR; break;
    default: return -1;
  }
  return <i32>(index | (half << 8));
}

/**
 * TLB maintenance (MCR p15, 0, Rt, c8, CRm, opc2): by MVA (TLBIMVA, TLBIMVAA and
 * their last-level forms; Rt holds MVA[31:12]) drops that page in every ASID, by
 * ASID (Rt[7:0]) that ASID's entries, all everything. CRm 3 is the inner-shareable
 * set, posted to every vCPU; 5 and 6 (the instruction and data TLBs) act as 7 (unified).
 */
function tlbMaintenance(crm: u32, opc2: u32, value: u32): u32 {
  const shareable = crm == 3;
  if (!shareable && crm != 5 && crm != 6 && crm != 7) return ALU_NOT_MINE;
  if (opc2 == 4 || opc2 == 6 || (crm != 3 && crm != 7 && opc2 > 2)) return ALU_NOT_MINE;
  const byVa = (opc2 & 1) != 0; // 1 MVA, 3 MVAA, 5 MVAL, 7 MVAAL; 0 all, 2 ASID
  if (opc2 == 2) {
    if (shareable) shootPostAddressSpace(<u64>(value & 0xff));
    else tlbFlushAddressSpace(<u64>(value & 0xff));
    return ALU_DONE;
  }
  const va = <u64>(value & 0xffff_f000);
  if (shareable) shootPost(va, !byVa);
  else if (byVa) tlbFlushVa(va);
  else tlbFlushAll();
  return ALU_DONE;
}

/** MCR/MRC p15: ALU_DONE, EXIT_SYNC_WAIT (a CP15DSB waits for a broadcast invalidation) or ALU_NOT_MINE. */
function transfer(word: u32, pcValue: u64): u32 {
  const read = (word & 0x0010_0000) != 0;
  const opc1 = (word >>> 21) & 7;
  const crn = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  const opc2 = (word >>> 5) & 7;
  const crm = word & 15;
  if (rt == 15) return ALU_NOT_MINE; // MRC to APSR_nzcv and MCR from the PC are not in the subset
  if (opc1 == 0 && (crn == 13 || crn == 14)) {
    const status = threadOrTimer(read, crn, crm, opc2, rt, pcValue);
    if (status != ALU_NOT_MINE) return status;
  }
  const barrier = !read && opc1 == 0 && crn == 7 && ((crm == 10 && (opc2 == 4 || opc2 == 5)) || (crm == 5 && opc2 == 4));
  if (!barrier && !privileged()) return ALU_UNDEFINED;
  if (!read && opc1 == 0 && crn == 8) return tlbMaintenance(crm, opc2, rRead(rt, pcValue));
  if (barrier) {
    // CP15DSB retires this vCPU's broadcast invalidations; CP15DMB and CP15ISB need nothing here.
    return crm == 10 && opc2 == 4 && !shootBarrier() ? EXIT_SYNC_WAIT : ALU_DONE;
  }
  const register = registerOf(opc1, crn, crm, opc2);
  if (register < 0) return ALU_NOT_MINE;
  const index = <u32>register & 0xff;
  const at = record + CPU_SYSREGS + (index << 3) + ((<u32>register >> 8) << 2);
  if (read) {
    rWrite(rt, load<u32>(at));
  } else {
    store<u32>(at, rRead(rt, pcValue));
    if (crn != 10) mmuRegistersChanged(index);
  }
  return ALU_DONE;
}

/**
 * MCRR/MRRC p15 of TTBR0 (opc1 0) or TTBR1 (opc1 1), and MRRC of CNTPCT (opc1 0) or
 * CNTVCT (opc1 1): Rt the low word, Rt2 the high one.
 */
function transfer64(word: u32, pcValue: u64): u32 {
  const read = (word & 0x0010_0000) != 0;
  const rt2 = (word >>> 16) & 15;
  const rt = (word >>> 12) & 15;
  const opc1 = (word >>> 4) & 15;
  const crm = word & 15;
  if ((crm != 2 && crm != 14) || opc1 > 1 || rt == 15 || rt2 == 15) return ALU_NOT_MINE;
  if (crm == 14) {
    const enable = opc1 == 0 ? CNTKCTL_PL0PCTEN : CNTKCTL_PL0VCTEN;
    if (!read || (!privileged() && (load<u32>(sysreg(SYSREG_CNTKCTL)) & enable) == 0)) return ALU_UNDEFINED;
    const value = counterRead();
    rWrite(rt, <u32>value);
    rWrite(rt2, <u32>(value >> 32));
    return ALU_DONE;
  }
  if (!privileged()) return ALU_UNDEFINED;
  const index = opc1 == 0 ? SYSREG_TTBR0_EL1 : SYSREG_TTBR1_EL1;
  const at = record + CPU_SYSREGS + (index << 3);
  if (read) {
    const value = load<u64>(at);
    rWrite(rt, <u32>value);
    rWrite(rt2, <u32>(value >> 32));
  } else {
    store<u64>(at, (<u64>rRead(rt2, pcValue) << 32) | <u64>rRead(rt, pcValue));
    mmuRegistersChanged(index);
  }
  return ALU_DONE;
}

/**
 * Executes `word` (A32, condition passed, or T32 with its first halfword in the high
 * bits) if it is a CP15 instruction of the subset: ALU_DONE (the caller advances pc),
 * EXIT_SYNC_WAIT, ALU_UNDEFINED (not accessible at PL0) or ALU_NOT_MINE.
 */
export function cp15(word: u32, pcValue: u64): u32 {
  if ((word >>> 28) == 15 || ((word >>> 8) & 15) != 15) return ALU_NOT_MINE; // MCR2 and friends; coprocessors other than 15
  if ((word & 0x0f00_0010) == 0x0e00_0010) return transfer(word, pcValue);
  if ((word & 0x0fe0_0000) == 0x0c40_0000) return transfer64(word, pcValue);
  return ALU_NOT_MINE;
}
