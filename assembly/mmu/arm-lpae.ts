// The VMSAv7 long-descriptor (LPAE) translation table walk, TTBCR.EAE = 1 (ARM ARM
// B3.6; QEMU's get_phys_addr_lpae for AArch32): 32-bit input, 4 KiB granule, 40-bit
// output. TTBR0 translates [0, 2^(32-T0SZ)), TTBR1 [2^32 - 2^(32-T1SZ), 2^32); a size
// of 0 stretches its range to meet the other one (both 0: TTBR0 for everything), and
// an address between two sized ranges faults. EPD0/EPD1 disable a walk. The walk
// starts at level 1 (TxSZ 0-1, 1 GiB blocks) or level 2 (TxSZ 2-7); level 2 holds
// 2 MiB blocks, level 3 4 KiB pages. Checks for a PL1 access: the access flag (AF = 0
// faults: v7 has no hardware management, so no descriptor is written), then
// AP[2] (read-only), XN and PXN, with the tables' APTable[1], XNTable and PXNTable.
//
// A fault leaves the long-format FSR in REC_FAULT_SYNDROME and the VA in REC_FAULT_ADDR:
//   bit 32  FSR_FETCH: an instruction fetch (IFSR), else a data access (DFSR)
//   bit 11  WnR (data accesses)   bit 9  LPAE (always 1)   bits 5:0  STATUS, the level in bits 1:0
import { SYSREG_TCR_EL1, SYSREG_TTBR0_EL1, SYSREG_TTBR1_EL1, REC_FAULT_ADDR, REC_FAULT_SYNDROME } from "../layout";
import { record } from "../machine";
import { ramAddress } from "../mem/slots";
import { WALK_FAULT, sysreg } from "./walk-common";
import { FSR_FETCH } from "./arm-short";

// STATUS values, the level in the low two bits.
export const STATUS_TRANSLATION: u32 = 0b000100;
export const STATUS_ACCESS_FLAG: u32 = 0b001000;
export const STATUS_PERMISSION: u32 = 0b001100;
export const STATUS_EXTERNAL_WALK: u32 = 0b010100;

const FSR_LPAE: u64 = 1 << 9;
const ADDRESS_MASK: u64 = 0xff_ffff_f000; // 40-bit output and next-table address, bits [39:12]
const AF: u64 = 1 << 10;
const AP2_READ_ONLY: u64 = 1 << 7;
const PXN: u64 = <u64>1 << 53;
const XN: u64 = <u64>1 << 54;
const PXN_TABLE: u64 = <u64>1 << 59;
const XN_TABLE: u64 = <u64>1 << 60;
const AP_TABLE_READ_ONLY: u64 = <u64>1 << 62;

/** After a successful walk: whether the leaf is a block (1 GiB or 2 MiB). */
export let lpaeWalkedBlock = false;


function abort(va: u64, status: u32, level: u32, write: bool, fetch: bool): u64 {
  let fsr = FSR_LPAE | <u64>(status | level);
  if (fetch) fsr |= FSR_FETCH;
  else if (write) fsr |= 1 << 11;
  store<u64>(record + REC_FAULT_SYNDROME, fsr);
  store<u64>(record + REC_FAULT_ADDR, va);
  return WALK_FAULT;
}

/**
 * Translates the 32-bit `va` (bits above 31 ignored) for a PL1 read, write or
 * instruction fetch. Returns the 40-bit physical address, or WALK_FAULT with the
 * abort recorded.
 */
export function armLpaeWalk(va64: u64, write: bool, fetch: bool): u64 {
  const va = va64 & 0xffff_ffff;
  const ttbcr = <u32>sysreg(SYSREG_TCR_EL1);
  const t0sz = ttbcr & 7;
  const t1sz = (ttbcr >>> 16) & 7;
  const top: u64 = <u64>1 << 32;
  const highStart: u64 = t1sz != 0 ? top - (top >> t1sz) : t0sz != 0 ? top >> t0sz : top;
  const lowEnd: u64 = t0sz != 0 ? top >> t0sz : highStart;
  const high = va >= highStart;
  if ((!high && va >= lowEnd) || ((ttbcr >>> (high ? 23 : 7)) & 1) != 0) return abort(va, STATUS_TRANSLATION, 1, write, fetch);
  const size = high ? t1sz : t0sz;
  const inputBits = 32 - size;
  let level: u32 = size <= 1 ? 1 : 2;
  // The first table resolves VA[inputBits-1 : its level's shift] and is aligned to its size.
  let indexBits = inputBits - (level == 1 ? 30 : 21);
  let table = sysreg(high ? SYSREG_TTBR1_EL1 : SYSREG_TTBR0_EL1) & 0xff_ffff_ffff & ~((<u64>8 << indexBits) - 1);
  const offset = va & ((top >> size) - 1); // TTBR1's range: drop the ones above it
  let readOnly = false;
  let neverExecute = false;
  while (true) {
    const shift = <u64>(12 + 9 * (3 - level));
    const host = ramAddress(0, table + (((offset >> shift) & ((<u64>1 << indexBits) - 1)) << 3), 8, false);
    if (host == 0) return abort(va, STATUS_EXTERNAL_WALK, level, write, fetch);
    // A single-copy-atomic load: another vCPU may rewrite the descriptor meanwhile; the
    // guest orders its table stores against this walk with DSB and TLBI, not us.
    const descriptor = atomic.load<u64>(host);
    if ((descriptor & 1) == 0) return abort(va, STATUS_TRANSLATION, level, write, fetch);
    const isTable = (descriptor & 2) != 0;
    if (level < 3 && isTable) {
      readOnly = readOnly || (descriptor & AP_TABLE_READ_ONLY) != 0;
      neverExecute = neverExecute || (descriptor & (XN_TABLE | PXN_TABLE)) != 0;
      table = descriptor & ADDRESS_MASK;
      indexBits = 9;
      level++;
      continue;
    }
    if (level == 3 && !isTable) return abort(va, STATUS_TRANSLATION, level, write, fetch); // 0b01 at level 3 is reserved
    if ((descriptor & AF) == 0) return abort(va, STATUS_ACCESS_FLAG, level, write, fetch);
    readOnly = readOnly || (descriptor & AP2_READ_ONLY) != 0;
    neverExecute = neverExecute || (descriptor & (XN | PXN)) != 0;
    if ((write && !fetch && readOnly) || (fetch && neverExecute)) return abort(va, STATUS_PERMISSION, level, write, fetch);
    const blockMask: u64 = (<u64>1 << shift) - 1;
    lpaeWalkedBlock = level < 3;
    return (descriptor & ADDRESS_MASK & ~blockMask) | (va & blockMask);
  }
}
