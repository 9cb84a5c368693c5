// Which page-table walker a vCPU's translations use, and the one call that runs it.
// Each walker lives in its own file, returns the physical address or WALK_FAULT (with
// the architecture's syndrome in the record), and says whether its leaf mapped more
// than the TLB's 4 KiB page (a block or huge page: TLBI by VA must then flush all).
import { CPU_MODE, CPU_SYSREGS, MODE_64, REC_DATA, SYSREG_LPCR } from "../layout";
import { record } from "../machine";
import { a64Walk, WALK_FAULT, walkedBlock } from "./a64-walk";
import { radixWalk, radixWalkedBlock } from "./ppc-radix";
import { hashWalk, hashWalkedLarge } from "./ppc-hash";
import { ppc32Walk, ppc32WalkedBlock } from "./ppc32-walk";

export { WALK_FAULT };

export const WALKER_A64: u32 = 0; //       AArch64 stage 1 (4/16/64 KiB granules)
export const WALKER_PPC_RADIX: u32 = 1; // PowerPC radix tree (LPCR[HR])
export const WALKER_PPC_HASH: u32 = 2; //  64-bit PowerPC hashed page table (SLB, HTAB from SDR1)
export const WALKER_PPC32: u32 = 3; //     32-bit PowerPC: BATs, segment registers, HTAB from SDR1

/** LPCR[HR]: the host (LPID 0) translates with the radix tree, else the hashed page table. */
export const LPCR_HR: u64 = 0x10_0000;

/** The walker a PowerPC vCPU's state selects: 32-bit CPUs have BATs and segments; 64-bit ones radix or hash by LPCR[HR]. */
export function ppcWalker(): u32 {
  if ((load<u32>(record + CPU_MODE) & MODE_64) == 0) return WALKER_PPC32;
  return (load<u64>(record + CPU_SYSREGS + (SYSREG_LPCR << 3)) & LPCR_HR) != 0 ? WALKER_PPC_RADIX : WALKER_PPC_HASH;
}

/** After a successful walk: whether its leaf maps more than one 4 KiB page. */
export let walkedLarge = false;

/** Translates `va` with `walker`'s tables; the physical address or WALK_FAULT. */
export function walk(walker: u32, va: u64, write: bool, fetch: bool): u64 {
  let pa: u64;
  if (walker == WALKER_PPC_RADIX) {
    pa = radixWalk(va, write, fetch);
    walkedLarge = radixWalkedBlock;
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
