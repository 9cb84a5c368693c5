// The AArch64 stage-1 translation table walk, 4, 16 and 64 KiB granules (VMSAv8-64,
// 48-bit addresses, as QEMU's target/arm/ptw.c): TTBR0 for the low range, TTBR1 for the
// high one (sized by TCR_EL1.T0SZ/T1SZ, granule by TG0/TG1), 4 levels at most (9, 11 or
// 13 index bits a level), table/block/page descriptors,
// AP[2:1] and XN permissions, the access flag (set by hardware when TCR_EL1.HA) and
// dirty state (DBM with TCR_EL1.HD), both updated atomically. Descriptors are read
// little-endian through the slot layer: a table outside RAM is an external abort.
// A hardware update writes under a guest write's slot rules (dirty logging marks the
// table's page); one a READONLY slot refuses is not made, and the walk ends in the
// fault the Arm ARM names for it (ESR_ELx.ISS DFSC 0b0101ll, "Synchronous External
// abort on translation table walk or hardware update of translation table", DDI 0487
// D8 "Hardware updates of the translation tables"; KVM likewise injects an external
// abort when a stage 1 update hits a read-only memslot, kvm_handle_guest_abort).
// A fault leaves ESR_EL1 (data or instruction abort, same EL) and FAR_EL1 in the record.
import { SYSREG_TCR_EL1, SYSREG_TTBR0_EL1, SYSREG_TTBR1_EL1, REC_FAULT_ADDR, REC_FAULT_SYNDROME, REC_DATA } from "../layout";
import { record } from "../machine";
import { ramAddress } from "../mem/slots";
import { WALK_FAULT, sysreg, tableWriteHost, tableWritten } from "./walk-common";

/** After a successful walk: whether the leaf maps more than 4 KiB (a block, or a 16/64 KiB page). */
export let walkedBlock = false;

// Fault status codes (ESR ISS DFSC/IFSC), the level in the low two bits.
export const FSC_ADDRESS_SIZE: u32 = 0b000000;
export const FSC_TRANSLATION: u32 = 0b000100;
export const FSC_ACCESS_FLAG: u32 = 0b001000;
export const FSC_PERMISSION: u32 = 0b001100;
export const FSC_EXTERNAL_WALK: u32 = 0b010100;

const EC_DATA_ABORT_SAME_EL: u64 = 0x25;
const EC_INSTRUCTION_ABORT_SAME_EL: u64 = 0x21;
const OUTPUT_MASK: u64 = 0x0000_ffff_ffff_f000; // OA[47:12]
const ROOT_MASK: u64 = 0x0000_ffff_ffff_ffc0; //   TTBR's BADDR: a start-level table may be as small as 64 bytes


/** Records the abort: ESR_EL1 (EC, IL, WnR, FSC) in REC_FAULT_SYNDROME, FAR_EL1 in REC_FAULT_ADDR. */
function abort(va: u64, fsc: u32, level: u32, write: bool, fetch: bool): u64 {
  const ec = fetch ? EC_INSTRUCTION_ABORT_SAME_EL : EC_DATA_ABORT_SAME_EL;
  const esr = (ec << 26) | (<u64>1 << 25) | (write && !fetch ? <u64>1 << 6 : 0) | <u64>(fsc | level);
  store<u64>(record + REC_FAULT_SYNDROME, esr);
  store<u64>(record + REC_FAULT_ADDR, va);
  return WALK_FAULT;
}

/**
 * The implemented physical address size, PAMax (ID_AA64MMFR0_EL1.PARANGE 0b0101):
 * the walks' 48-bit output addresses. With stage 1 off, an address whose bits 63:48
 * are not all zero is an Address size fault, level 0 (Arm ARM, pseudocode
 * AArch64.S1DisabledOutput / AArch64.TranslateAddressS1Off: IsZero(va<63:PAMax>);
 * QEMU's get_phys_addr_disabled does the same).
 */
export const A64_PA_LIMIT: u64 = <u64>1 << 48;

/** Records the Address size fault (level 0) of an access at `va` with stage 1 off; WALK_FAULT. */
export function a64AddressSizeFault(va: u64, write: bool, fetch: bool): u64 {
  return abort(va, FSC_ADDRESS_SIZE, 0, write, fetch);
}

/**
 * Translates `va` for a read, write or instruction fetch at EL1. Returns the physical
 * address, or WALK_FAULT with the abort recorded. Updates AF and dirty state when
 * TCR_EL1 enables hardware management.
 */
export function a64Walk(va: u64, write: bool, fetch: bool): u64 {
  const tcr = sysreg(SYSREG_TCR_EL1);
  const high = (va >> 63) != 0;
  const size = <u32>(high ? (tcr >> 16) & 63 : tcr & 63); // TxSZ
  const inputBits = 64 - max<u32>(size, 16);
  // The VA's top bits must all match bit 63 above the range, and the range must be enabled (EPDx).
  const top = va >> <u64>inputBits;
  const expectTop: u64 = high ? (<u64>0xffff_ffff_ffff_ffff >> <u64>inputBits) : 0;
  const disabled = ((tcr >> (high ? 23 : 7)) & 1) != 0;
  if (top != expectTop || disabled || size > 39) return abort(va, FSC_TRANSLATION, 0, write, fetch);
  // The granule: TG0 0b00 4 KiB, 0b01 64 KiB, 0b10 16 KiB; TG1 0b01 16 KiB, 0b10 4 KiB, 0b11 64 KiB.
  const tg = <u32>(high ? (tcr >> 30) & 3 : (tcr >> 14) & 3);
  const granuleBits: u32 = high ? (tg == 1 ? 14 : tg == 2 ? 12 : tg == 3 ? 16 : 0) : (tg == 0 ? 12 : tg == 1 ? 16 : tg == 2 ? 14 : 0);
  if (granuleBits == 0) return abort(va, FSC_TRANSLATION, 0, write, fetch);
  const stride = granuleBits - 3; // index bits a level: 9, 11 or 13
  const hardwareAccess = ((tcr >> 39) & 1) != 0; // HA
  const hardwareDirty = ((tcr >> 40) & 1) != 0; //  HD
  const tableMask = OUTPUT_MASK & ~((<u64>1 << granuleBits) - 1);
  let table = sysreg(high ? SYSREG_TTBR1_EL1 : SYSREG_TTBR0_EL1) & ROOT_MASK;
  // The walk starts at the level whose range covers the input: 4 - ceil((inputBits - granuleBits) / stride).
  let level: u32 = 4 - (inputBits - granuleBits + stride - 1) / stride;
  const offset = va & ((<u64>1 << <u64>inputBits) - 1); // TTBR1's range: drop the ones above it
  while (true) {
    const shift = <u64>(granuleBits + stride * (3 - level));
    const index = (offset >> shift) & ((<u64>1 << stride) - 1);
    const at = table + (index << 3);
    const host = ramAddress(0, at, 8, false);
    if (host == 0) return abort(va, FSC_EXTERNAL_WALK, level, write, fetch);
    const descriptor = atomic.load<u64>(host);
    if ((descriptor & 1) == 0) return abort(va, FSC_TRANSLATION, level, write, fetch);
    const isTable = (descriptor & 2) != 0;
    if (level < 3 && isTable) {
      table = descriptor & tableMask;
      level++;
      continue;
    }
    // Blocks exist at level 2, and at level 1 with 4 KiB granules; any other block, or
    // descriptor type 0b01 at level 3, is reserved: a translation fault.
    if (level == 0 || (level == 1 && granuleBits != 12) || (level == 3 && !isTable)) return abort(va, FSC_TRANSLATION, level, write, fetch);
    return leaf(va, descriptor, at, shift, level, write, fetch, hardwareAccess, hardwareDirty);
  }
}

/** Checks the block or page descriptor at guest-physical `at`: access flag and permissions, updating AF/dirty state; the PA. */
function leaf(va: u64, descriptor: u64, at: u64, shift: u64, level: u32, write: bool, fetch: bool, ha: bool, hd: bool): u64 {
  let current = descriptor;
  while (true) {
    let next = current;
    if ((current & (1 << 10)) == 0) { // AF
      if (!ha) return abort(va, FSC_ACCESS_FLAG, level, write, fetch);
      next |= 1 << 10;
    }
    const readOnly = (current & (1 << 7)) != 0; // AP[2]
    const dirtyManaged = hd && (current & (<u64>1 << 51)) != 0; // DBM: AP[2] set means clean
    if (write && readOnly) {
      if (!dirtyManaged) return abort(va, FSC_PERMISSION, level, write, fetch);
      next &= ~(<u64>1 << 7); // the page becomes writable-dirty
    }
    if (fetch && (current & (<u64>1 << 53)) != 0) return abort(va, FSC_PERMISSION, level, write, fetch); // PXN
    if (next == current) break;
    // Atomic update: another vCPU (or the walker of one) may change the descriptor meanwhile.
    const host = tableWriteHost(at, 8);
    if (host == 0) return abort(va, FSC_EXTERNAL_WALK, level, write, fetch);
    const seen = atomic.cmpxchg<u64>(host, current, next);
    if (seen == current) {
      tableWritten(at, 8);
      break;
    }
    current = seen;
    if ((current & 1) == 0) return abort(va, FSC_TRANSLATION, level, write, fetch);
  }
  const blockMask: u64 = (<u64>1 << shift) - 1;
  walkedBlock = shift > 12; // more than one of the TLB's 4 KiB pages
  return (current & OUTPUT_MASK & ~blockMask) | (va & blockMask);
}

/** The current ASID: TTBR0_EL1's (TTBR1_EL1's with TCR_EL1.A1), 16 bits with TCR_EL1.AS, else 8. */
export function a64Asid(): u64 {
  const tcr = sysreg(SYSREG_TCR_EL1);
  const ttbr = sysreg(((tcr >> 22) & 1) != 0 ? SYSREG_TTBR1_EL1 : SYSREG_TTBR0_EL1);
  return (ttbr >> 48) & (((tcr >> 36) & 1) != 0 ? 0xffff : 0xff);
}

/** For the host and tests: 0 with the PA in REC_DATA, or 1 with ESR_EL1 in REC_FAULT_SYNDROME and FAR_EL1 in REC_FAULT_ADDR. */
export function a64Translate(va: u64, write: bool, fetch: bool): u32 {
  const pa = a64Walk(va, write, fetch);
  if (pa == WALK_FAULT) return 1;
  store<u64>(record + REC_DATA, pa);
  return 0;
}
