// The VMSAv7 short-descriptor translation table walk (ARM ARM B3.5; QEMU's
// target/arm/ptw.c get_phys_addr_v6 does the same job): TTBCR.N splits the 32-bit VA
// between TTBR0 (VA[31:32-N] zero) and TTBR1, PD0/PD1 disable either walk. Level 1
// holds faults, page-table pointers, 1 MiB sections and 16 MiB supersections (with
// the extended base address: 40-bit output); level 2 holds 64 KiB large and 4 KiB
// small pages. Every access is a PL1 (kernel) access, the interpreter having no user
// mode. Checks, in the ARM ARM's order: translation faults during the walk, the
// access flag (SCTLR.AFE: AP[0] is the flag), the domain (DACR: no access faults,
// manager skips the rest), then permissions (AP[2:0], XN, PXN). No descriptor is ever
// written (no hardware access-flag management), so the walk only loads.
// QEMU differs in two places: it checks the domain before reading level 2 and skips
// the access flag in manager domains.
//
// A fault leaves the short-format FSR in REC_FAULT_SYNDROME and the VA in
// REC_FAULT_ADDR (DFAR, or IFAR for a fetch):
//   bit 32   FSR_FETCH: an instruction fetch (the value is IFSR's), else a data access (DFSR's)
//   bit 11   WnR (data accesses)          bit 10  FS[4]
//   bits 7:4 the domain (data accesses)   bits 3:0 FS[3:0]
import { SYSREG_SCTLR_EL1, SYSREG_TCR_EL1, SYSREG_TTBR0_EL1, SYSREG_TTBR1_EL1, SYSREG_DACR, REC_FAULT_ADDR, REC_FAULT_SYNDROME } from "../layout";
import { record } from "../machine";
import { ramAddress } from "../mem/slots";
import { WALK_FAULT, sysreg } from "./walk-common";

/** REC_FAULT_SYNDROME bit 32 (both formats): the fault was on an instruction fetch. */
export const FSR_FETCH: u64 = <u64>1 << 32;

// Fault status (FS[4:0]) for a fault found at level 1 (section) or level 2 (page).
export const FS_ACCESS_FLAG_SECTION: u32 = 0b00011;
export const FS_ACCESS_FLAG_PAGE: u32 = 0b00110;
export const FS_TRANSLATION_SECTION: u32 = 0b00101;
export const FS_TRANSLATION_PAGE: u32 = 0b00111;
export const FS_DOMAIN_SECTION: u32 = 0b01001;
export const FS_DOMAIN_PAGE: u32 = 0b01011;
export const FS_PERMISSION_SECTION: u32 = 0b01101;
export const FS_PERMISSION_PAGE: u32 = 0b01111;
export const FS_EXTERNAL_WALK_L1: u32 = 0b01100;
export const FS_EXTERNAL_WALK_L2: u32 = 0b01110;

const SCTLR_AFE: u64 = 1 << 29;
const DOMAIN_CLIENT: u32 = 1;
const DOMAIN_MANAGER: u32 = 3;

/** After a successful walk: whether the leaf maps more than 4 KiB (section, supersection or large page). */
export let shortWalkedLarge = false;


/** Records the abort (the FSR as above, the VA) and returns WALK_FAULT. */
function abort(va: u32, fs: u32, domain: u32, write: bool, fetch: bool): u64 {
  let fsr: u64 = <u64>(((fs & 0x10) << 6) | (fs & 15));
  if (fetch) fsr |= FSR_FETCH;
  else fsr |= <u64>((domain << 4) | (write ? 1 << 11 : 0));
  store<u64>(record + REC_FAULT_SYNDROME, fsr);
  store<u64>(record + REC_FAULT_ADDR, <u64>va);
  return WALK_FAULT;
}

/** After descriptorAt: no RAM holds the descriptor (an external abort on the walk). */
let descriptorMissing = false;

/** The little-endian 32-bit descriptor at guest-physical `at`; 0 with descriptorMissing set when it is not RAM. */
function descriptorAt(at: u32): u32 {
  const host = ramAddress(0, <u64>at, 4, false);
  descriptorMissing = host == 0;
  // A single-copy-atomic load: another vCPU may rewrite the descriptor meanwhile, and
  // the walk must see the old or the new word, never a mix. No ordering is needed
  // beyond that: a guest that changes tables orders its store with DSB and TLBI.
  return host == 0 ? 0 : atomic.load<u32>(host);
}

/** Whether AP[2:0] lets a PL1 access read (and write, when `write`). */
function permits(ap: u32, afe: bool, write: bool): bool {
  // Simplified model (AFE): AP[2] alone says read-only at PL1.
  if (afe) return !write || (ap & 4) == 0;
  // 0b000 no access, 0b100 reserved; 0b001-0b011 read/write at PL1; 0b101-0b111 read-only.
  if ((ap & 3) == 0) return false;
  return !write || (ap & 4) == 0;
}

/**
 * Translates the 32-bit `va` (bits above 31 ignored) for a PL1 read, write or
 * instruction fetch. Returns the physical address (up to 40 bits), or WALK_FAULT with
 * the abort recorded.
 */
export function armShortWalk(va64: u64, write: bool, fetch: bool): u64 {
  const va = <u32>va64;
  const ttbcr = <u32>sysreg(SYSREG_TCR_EL1);
  const n = ttbcr & 7;
  const high = n != 0 && (va >>> (32 - n)) != 0;
  if (((ttbcr >>> (high ? 5 : 4)) & 1) != 0) return abort(va, FS_TRANSLATION_SECTION, 0, write, fetch); // PD1 / PD0
  // TTBR0's table has 4096 >> N entries (aligned to its 16 KiB >> N size), TTBR1's all 4096.
  const indexBits = high ? 12 : 12 - n;
  const base = <u32>sysreg(high ? SYSREG_TTBR1_EL1 : SYSREG_TTBR0_EL1) & ~((<u32>1 << (indexBits + 2)) - 1);
  const first = descriptorAt(base | (((va >>> 20) & ((<u32>1 << indexBits) - 1)) << 2));
  if (descriptorMissing) return abort(va, FS_EXTERNAL_WALK_L1, 0, write, fetch);
  const type = first & 3;
  if (type == 0) return abort(va, FS_TRANSLATION_SECTION, 0, write, fetch);
  let pa: u64;
  let pageBits: u32;
  let ap: u32;
  let neverExecute: bool;
  let domain: u32 = 0; // supersections are in domain 0
  const page = type == 1;
  if (page) { // a level-2 table: base [31:10], PXN bit 2, domain [8:5]
    domain = (first >>> 5) & 15;
    const second = descriptorAt((first & 0xffff_fc00) | ((va >>> 10) & 0x3fc));
    if (descriptorMissing) return abort(va, FS_EXTERNAL_WALK_L2, domain, write, fetch);
    if ((second & 3) == 0) return abort(va, FS_TRANSLATION_PAGE, domain, write, fetch);
    if ((second & 2) == 0) { // large page: base [31:16], XN bit 15
      pageBits = 16;
      neverExecute = (second & 0x8000) != 0;
    } else { // small page: base [31:12], XN bit 0
      pageBits = 12;
      neverExecute = (second & 1) != 0;
    }
    pa = <u64>(second & ~((<u32>1 << pageBits) - 1));
    ap = ((second >>> 4) & 3) | ((second >>> 7) & 4); // AP[1:0] bits 5:4, AP[2] bit 9
    neverExecute = neverExecute || (first & 4) != 0;
  } else { // section or supersection (type 0b11: PXN set): XN bit 4, AP[1:0] bits 11:10, AP[2] bit 15
    if ((first & (1 << 18)) != 0) { // supersection: base [31:24], PA[35:32] in bits 23:20, PA[39:36] in bits 8:5
      pageBits = 24;
      pa = <u64>(first & 0xff00_0000) | (<u64>((first >>> 20) & 15) << 32) | (<u64>((first >>> 5) & 15) << 36);
    } else {
      pageBits = 20;
      domain = (first >>> 5) & 15;
      pa = <u64>(first & 0xfff0_0000);
    }
    ap = ((first >>> 10) & 3) | ((first >>> 13) & 4);
    neverExecute = (first & 0x10) != 0 || (first & 1) != 0;
  }
  const afe = (sysreg(SYSREG_SCTLR_EL1) & SCTLR_AFE) != 0;
  if (afe && (ap & 1) == 0) return abort(va, page ? FS_ACCESS_FLAG_PAGE : FS_ACCESS_FLAG_SECTION, domain, write, fetch);
  const access = (<u32>sysreg(SYSREG_DACR) >>> (domain << 1)) & 3;
  if (access != DOMAIN_CLIENT && access != DOMAIN_MANAGER) return abort(va, page ? FS_DOMAIN_PAGE : FS_DOMAIN_SECTION, domain, write, fetch);
  // A client's accesses are checked (a fetch needs read permission and neither XN nor PXN); a manager's are not.
  if (access == DOMAIN_CLIENT && (!permits(ap, afe, write && !fetch) || (fetch && neverExecute))) {
    return abort(va, page ? FS_PERMISSION_PAGE : FS_PERMISSION_SECTION, domain, write, fetch);
  }
  shortWalkedLarge = pageBits > 12;
  return pa | <u64>(va & ((<u32>1 << pageBits) - 1));
}
