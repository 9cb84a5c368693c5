// Which page-table walker a vCPU's translations use, and the one call that runs it.
// Each walker lives in its own file, returns the physical address or WALK_FAULT (with
// the architecture's syndrome in the record), and says whether its leaf mapped more
// than the TLB's 4 KiB page (a block or huge page: TLBI by VA must then flush all).
import {
  CPU_MODE, CPU_SYSREGS, MODE_64, REC_DATA, SYSREG_LPCR, SYSREG_SCTLR_EL1, SYSREG_TCR_EL1, SYSREG_TTBR0_EL1, SYSREG_TTBR1_EL1,
  SYSREG_CONTEXTIDR,
} from "../layout";
import { record } from "../machine";
import { a64Walk, walkedBlock } from "./a64-walk";
import { WALK_FAULT } from "./walk-common";
import { radixWalk, radixWalkedBlock } from "./ppc-radix";
import { armShortWalk, shortWalkedLarge } from "./arm-short";
import { armLpaeWalk, lpaeWalkedBlock } from "./arm-lpae";
import { hashWalk, hashWalkedLarge } from "./ppc-hash";
import { ppc32Walk, ppc32WalkedBlock } from "./ppc32-walk";

export { WALK_FAULT };

export const WALKER_A64: u32 = 0; //       AArch64 stage 1 (4/16/64 KiB granules)
export const WALKER_PPC_RADIX: u32 = 1; // PowerPC radix tree (LPCR[HR])
export const WALKER_PPC_HASH: u32 = 2; //  64-bit PowerPC hashed page table (SLB, HTAB from SDR1)
export const WALKER_PPC32: u32 = 3; //     32-bit PowerPC: BATs, segment registers, HTAB from SDR1
export const WALKER_ARM_SHORT: u32 = 4; // AArch32 VMSAv7 short descriptors (TTBCR.EAE = 0)
export const WALKER_ARM_LPAE: u32 = 5; //  AArch32 long descriptors (TTBCR.EAE = 1)

/** LPCR[HR]: the host (LPID 0) translates with the radix tree, else the hashed page table. */
export const LPCR_HR: u64 = 0x10_0000;

/** The walker a PowerPC vCPU's state selects: 32-bit CPUs have BATs and segments; 64-bit ones radix or hash by LPCR[HR]. */
export function ppcWalker(): u32 {
  if ((load<u32>(record + CPU_MODE) & MODE_64) == 0) return WALKER_PPC32;
  return (load<u64>(record + CPU_SYSREGS + (SYSREG_LPCR << 3)) & LPCR_HR) != 0 ? WALKER_PPC_RADIX : WALKER_PPC_HASH;
}

const TTBCR_EAE: u64 = 0x8000_0000;

/** The walker an AArch32 vCPU's TTBCR.EAE selects. */
export function armWalker(): u32 {
  return (load<u64>(record + CPU_SYSREGS + (SYSREG_TCR_EL1 << 3)) & TTBCR_EAE) != 0 ? WALKER_ARM_LPAE : WALKER_ARM_SHORT;
}

/**
 * The AArch32 address space's ASID: with LPAE, TTBR0's (TTBR1's when TTBCR.A1) bits
 * 55:48; with short descriptors, CONTEXTIDR's bits 7:0.
 */
export function armAsid(): u64 {
  const ttbcr = load<u64>(record + CPU_SYSREGS + (SYSREG_TCR_EL1 << 3));
  if ((ttbcr & TTBCR_EAE) == 0) return load<u64>(record + CPU_SYSREGS + (SYSREG_CONTEXTIDR << 3)) & 0xff;
  const ttbr = load<u64>(record + CPU_SYSREGS + ((((ttbcr >> 22) & 1) != 0 ? SYSREG_TTBR1_EL1 : SYSREG_TTBR0_EL1) << 3));
  return (ttbr >> 48) & 0xff;
}

/** Whether an AArch32 vCPU translates (SCTLR.M). */
export function armMmuEnabled(): bool {
  return (load<u64>(record + CPU_SYSREGS + (SYSREG_SCTLR_EL1 << 3)) & 1) != 0;
}

/** After a successful walk: whether its leaf maps more than one 4 KiB page. */
export let walkedLarge = false;

/** Translates `va` with `walker`'s tables; the physical address or WALK_FAULT. */
export function walk(walker: u32, va: u64, write: bool, fetch: bool): u64 {
  let pa: u64;
  if (walker == WALKER_PPC_RADIX) {
    pa = radixWalk(va, write, fetch);
    walkedLarge = radixWalkedBlock;
  } else if (walker == WALKER_ARM_SHORT) {
    pa = armShortWalk(va, write, fetch);
    walkedLarge = shortWalkedLarge;
  } else if (walker == WALKER_ARM_LPAE) {
    pa = armLpaeWalk(va, write, fetch);
    walkedLarge = lpaeWalkedBlock;
  } else if (walker == WALKER_PPC_HASH) {
    pa = hashWalk(va, write, fetch);
    walkedLarge = hashWalkedLarge;
  } else if (walker == WALKER_PPC32) {
    pa = ppc32Walk(va, write, fetch);
    walkedLarge = ppc32WalkedBlock;
  } else {
    pa = a64Walk(va, write, fetch);
    walkedLarge = walkedBlock;
  }
  return pa;
}

/** For the host and tests, with the PowerPC vCPU's walker: 0 with the real address in REC_DATA, 1 with DSISR (or SEGMENT_FAULT) in REC_FAULT_SYNDROME and DAR in REC_FAULT_ADDR. */
export function ppcTranslate(ea: u64, write: bool, fetch: bool): u32 {
  const pa = walk(ppcWalker(), ea, write, fetch);
  if (pa == WALK_FAULT) return 1;
  store<u64>(record + REC_DATA, pa);
  return 0;
}

/** For the host and tests, with the AArch32 vCPU's walker (TTBCR.EAE): 0 with the PA in REC_DATA, 1 with the FSR in REC_FAULT_SYNDROME and DFAR/IFAR in REC_FAULT_ADDR. */
export function armTranslate(va: u64, write: bool, fetch: bool): u32 {
  const pa = walk(armWalker(), va, write, fetch);
  if (pa == WALK_FAULT) return 1;
  store<u64>(record + REC_DATA, pa);
  return 0;
}
