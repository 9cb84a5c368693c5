// What the page-table walkers share: the fault sentinel, the bound vCPU's MMU
// registers, and PowerPC's storage-interrupt record (DSISR and DAR).
import { CPU_SYSREGS, REC_FAULT_ADDR, REC_FAULT_SYNDROME } from "../layout";
import { record } from "../machine";
import { ramAddress, markDirty } from "../mem/slots";

/** Sentinel a walk returns on a fault (never a valid output address). */
export const WALK_FAULT: u64 = 0xffff_ffff_ffff_ffff;

/** The bound vCPU's system register `index` (a SYSREG_*). */
@inline export function sysreg(index: u32): u64 {
  return load<u64>(record + CPU_SYSREGS + (index << 3));
}

// DSISR bits (IBM numbering, bit 0 = MSB of the 32-bit word)
export const DSISR_NOPTE: u64 = 0x4000_0000; //   no valid translation
export const DSISR_PROTFAULT: u64 = 0x0800_0000; // the access is not permitted
export const DSISR_STORE: u64 = 0x0200_0000; //    the access was a store
export const DSISR_R_BADCONFIG: u64 = 0x0008_0000; // a table entry or size is malformed
export const DSISR_ATOMIC_RC: u64 = 0x0004_0000; //   (bit 45) radix: R or C needed setting and was not set

/** Records a PowerPC storage interrupt's DSISR (fetches: SRR1-style, the same bits) and DAR; WALK_FAULT. */
export function ppcFault(ea: u64, cause: u64, write: bool): u64 {
  store<u64>(record + REC_FAULT_SYNDROME, cause | (write ? DSISR_STORE : 0));
  store<u64>(record + REC_FAULT_ADDR, ea);
  return WALK_FAULT;
}

/**
 * A walker's hardware update of a table entry (AF/dirty state, R/C) is a write to
 * guest memory and follows a guest write's slot rules: the host address of the
 * `size` bytes at guest-physical `at` when a slot lets them be written, else 0 (a
 * READONLY slot: the update cannot be made, and each walker says what follows).
 * After a successful update, call tableWritten before any other slot lookup.
 */
export function tableWriteHost(at: u64, size: u32): usize {
  return ramAddress(0, at, size, true);
}

/** Marks the page of the entry tableWriteHost just gave dirty, when its slot logs dirty pages. */
export function tableWritten(at: u64, size: u32): void {
  markDirty(0, at, size);
}
