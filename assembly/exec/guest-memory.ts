// Guest data accesses for the interpreters (MMU off: effective = physical, address
// space 0). Values are assembled in the guest's byte order. A TLB hit is one tag
// compare, one add and the load; everything else (fills, MMIO, page-crossing or
// misaligned accesses, dirty-logged or read-only slots) goes through the slot layer.
import { REC_DATA, REC_EXIT, REC_FAULT_KIND, REC_MMIO_VA, CPU_MODE, MODE_LE, PAGE_SIZE } from "../layout";
import { EXIT_NONE, EXIT_FAULT, FAULT_TRANSLATION } from "../exits";
import { record } from "../machine";
import { setPc } from "../cpu/regs";
import { physRead, physWrite, physMmio } from "../mem/access";
import { tlbTranslate, TLB_READ, TLB_WRITE, mmuOn, walkFaulted, walkedPage, mmioMarked } from "../mmu/tlb";

/** EXIT_NONE, or the exit of the last access that did not complete. */
export let accessExit: u32 = EXIT_NONE;

/** `value`'s low `size` bytes in the other byte order. */
@inline export function swap(value: u64, size: u32): u64 {
  return size == 8 ? bswap<u64>(value) : size == 4 ? <u64>bswap<u32>(<u32>value) : size == 2 ? <u64>bswap<u16>(<u16>value) : value;
}

/** `at` when the caller keeps the record's pc current itself (pc 1 is no instruction's address). */
export const PC_IN_RECORD: u64 = 1;

/**
 * Reads `size` (1, 2, 4, 8) bytes at `ea` as a value in `bigEndian` order; sets accessExit.
 * A run loop that keeps pc in a local passes the instruction's `at`: an access that leaves
 * the fast path (to a device, perhaps one that never returns) writes it to the record first.
 */
@inline export function readValue(ea: u64, size: u32, bigEndian: bool, at: u64 = PC_IN_RECORD): u64 {
  const host = tlbTranslate(TLB_READ, ea, size);
  let raw: u64;
  if (host != 0) {
    raw = size == 8 ? load<u64>(host) : size == 4 ? <u64>load<u32>(host) : size == 2 ? <u64>load<u16>(host) : <u64>load<u8>(host);
  } else {
    if (at != PC_IN_RECORD) setPc(at);
    raw = readSlow(ea, size);
    if (accessExit != EXIT_NONE) return 0;
  }
  return bigEndian ? swap(raw, size) : raw;
}

/** The MMU-on case of a miss: a walk fault ends the instruction with a translation fault. */
function translationFault(): bool {
  if (!walkFaulted) return false;
  store<u32>(record + REC_FAULT_KIND, FAULT_TRANSLATION);
  accessExit = EXIT_FAULT;
  return true;
}

/** Whether the access stays in one page. */
@inline function withinPage(ea: u64, size: u32): bool {
  return (<u32>ea & (PAGE_SIZE - 1)) + size <= PAGE_SIZE;
}

/** The physical address of `ea` on the page the last fill walked (or marked MMIO). */
@inline function walkedAddress(ea: u64): u64 {
  return walkedPage | (ea & (<u64>PAGE_SIZE - 1));
}

@inline function readData(size: u32): u64 {
  return load<u64>(record + REC_DATA) & (size == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (size << 3)) - 1);
}

/** An access the TLB did not serve (memory-order bytes): MMIO, page-crossing, misaligned, or a walk fault. */
function readSlow(ea: u64, size: u32): u64 {
  store<u64>(record + REC_MMIO_VA, ea);
  if (mmioMarked && withinPage(ea, size)) {
    accessExit = physMmio(walkedAddress(ea), size, false);
    return readData(size);
  }
  if (!mmuOn) {
    accessExit = physRead(0, ea, size);
    return readData(size);
  }
  if (translationFault()) return 0;
  if (!withinPage(ea, size)) {
    // Crossing a page: the two virtual pages may map anywhere; each byte translates on its own.
    let raw: u64 = 0;
    for (let i: u32 = 0; i < size; i++) {
      raw |= readValue(ea + i, 1, false) << (<u64>i << 3);
      if (accessExit != EXIT_NONE) return 0;
    }
    return raw;
  }
  store<u64>(record + REC_MMIO_VA, ea);
  accessExit = physRead(0, walkedAddress(ea), size);
  return readData(size);
}

function writeSlow(ea: u64, size: u32, raw: u64): void {
  store<u64>(record + REC_DATA, raw);
  store<u64>(record + REC_MMIO_VA, ea);
  if (mmioMarked && withinPage(ea, size)) {
    accessExit = physMmio(walkedAddress(ea), size, true);
    return;
  }
  if (mmuOn) {
    if (translationFault()) return;
    if (!withinPage(ea, size)) {
      for (let i: u32 = 0; i < size; i++) {
        writeValue(ea + i, 1, raw >> (<u64>i << 3), false);
        if (accessExit != EXIT_NONE) return;
      }
      return;
    }
  }
  accessExit = physWrite(0, mmuOn ? walkedAddress(ea) : ea, size);
}

/** Writes the low `size` (1, 2, 4, 8) bytes of `value` at `ea` in `bigEndian` order; sets accessExit; `at` as readValue. */
@inline export function writeValue(ea: u64, size: u32, value: u64, bigEndian: bool, at: u64 = PC_IN_RECORD): void {
  const raw = bigEndian ? swap(value, size) : value;
  const host = tlbTranslate(TLB_WRITE, ea, size);
  if (host != 0) {
    if (size == 8) store<u64>(host, raw);
    else if (size == 4) store<u32>(host, <u32>raw);
    else if (size == 2) store<u16>(host, <u16>raw);
    else store<u8>(host, <u8>raw);
    return;
  }
  if (at != PC_IN_RECORD) setPc(at);
  writeSlow(ea, size, raw);
}

/** Whether the running vCPU's data is big-endian (PowerPC BE, ARM BE8: CPU_MODE without MODE_LE). */
@inline export function bigData(): bool {
  return (load<u32>(record + CPU_MODE) & MODE_LE) == 0;
}

/** Clears accessExit before an instruction's accesses. */
@inline export function resetAccessExit(): void {
  accessExit = EXIT_NONE;
  store<u32>(record + REC_EXIT, EXIT_NONE);
}
