// Guest data accesses for the interpreters (MMU off: effective = physical, address
// space 0). Values are assembled in the guest's byte order. A TLB hit is one tag
// compare, one add and the load; everything else (fills, MMIO, page-crossing or
// misaligned accesses, dirty-logged or read-only slots) goes through the slot layer.
//
// The address arithmetic wraps at the vCPU's address width, byte by byte: an access
// that crosses the top of the address space goes on at address 0, as each
// architecture defines it. Power ISA Book I 1.10.3 "Effective Address Calculation":
// 64-bit mode computes modulo 2^64, 32-bit mode modulo 2^32 with the high word zero;
// AArch32 computes addresses in bits(32) and AArch64 in bits(64) (Arm ARM pseudocode
// Mem[]: a misaligned access is its bytes at address + i, each translated on its own).
// With the AArch64 MMU off the PA size bounds addresses first (tlb.ts physicalLimit):
// an access reaching 2^48 is an Address size fault, nothing of it performed, so
// nothing there wraps.
import { REC_DATA, REC_EXIT, REC_FAULT_KIND, REC_MMIO_VA, CPU_MODE, MODE_LE, PAGE_SIZE } from "../layout";
import { EXIT_NONE, EXIT_FAULT, FAULT_TRANSLATION } from "../exits";
import { record } from "../machine";
import { setPc } from "../cpu/regs";
import { physRead, physWrite, physBlock, ramBlock, ramLookup, BLOCK_LOAD, mmioLoad, mmioStore, busLoadDirect, busWord, mmioLoadAfter, busStoreDirect, mmioStoreAfter, BUS_HANDLED, mmioExit, mmioHint, scratchHinted, builtinHint } from "../mem/access";
import {
  tlbTranslate, tlbLookup, tlbFill, tlbMarkedEntry, tlbMarkHint, markedAddress, tlbSetMmioHint, TLB_READ, TLB_WRITE, mmuOn,
  walkFaulted, walkedPage, mmioMarked, markedHint, physicalLimit, deviceHintsCurrent, tlbDirectHost, tlbSynced,
} from "../mmu/tlb";
import { mmioCounter } from "../mem/mmio-record";
import { a64AddressSizeFault } from "../mmu/a64-walk";

/** EXIT_NONE, or the exit of the last access that did not complete. */
export let accessExit: u32 = EXIT_NONE;

/** The running vCPU's address width as a mask: 2^32 - 1 in 32-bit modes, all ones in 64-bit ones. */
let addressMask: u64 = 0xffff_ffff_ffff_ffff;

/** Sets the address width the run loop's mode has (AArch32, 32-bit PowerPC: 0xffff_ffff). */
export function setAddressMask(mask: u64): void {
  addressMask = mask;
}

/** `value`'s low `size` bytes in the other byte order. */
@inline export function swap(value: u64, size: u32): u64 {
  return size == 8 ? bswap<u64>(value) : size == 4 ? <u64>bswap<u32>(<u32>value) : size == 2 ? <u64>bswap<u16>(<u16>value) : value;
}

/** `at` when the caller keeps the record's pc current itself (pc 1 is no instruction's address). */
export const PC_IN_RECORD: u64 = 1;

/**
 * Reads `size` (1, 2, 4, 8) bytes at `address` (wrapped to the address width) as a value in `bigEndian` order; sets accessExit.
 * A run loop that keeps pc in a local passes the instruction's `at`: an access that leaves
 * the fast path (to a device, perhaps one that never returns) writes it to the record first.
 */
@inline export function readValue(address: u64, size: u32, bigEndian: bool, at: u64 = PC_IN_RECORD): u64 {
  const ea = address & addressMask;
  const host = tlbLookup(TLB_READ, ea, size);
  if (host == 0) return readMissed(ea, size, bigEndian, at);
  const raw = loadHost(host, size);
  return bigEndian ? swap(raw, size) : raw;
}

/**
 * readValue of an access whose TLB lookup missed (a micro-op's own lookup, or
 * readValue's): a direct mark's scratch bytes in place, or through the page's MMIO mark
 * straight to the device its hint names (a built-in scratch device's registers read in
 * place), or a fill and the lookup again, or the slow path.
 */
export function readMissed(address: u64, size: u32, bigEndian: bool, at: u64): u64 {
  const ea = address & addressMask;
  const direct = tlbDirectHost(TLB_READ, ea, size);
  const marked = direct != 0 ? <usize>0 : tlbMarkedEntry(TLB_READ, ea, size);
  let raw: u64;
  if (direct != 0) {
    raw = loadHost(direct, size);
    countDirect(ea);
  } else if (marked != 0) {
    const scratch = markedScratch(marked, ea, size);
    if (scratch != 0) {
      raw = loadHost(scratch, size);
    } else {
      if (at != PC_IN_RECORD) setPc(at);
      raw = markedRead(marked, ea, size);
      if (accessExit != EXIT_NONE) return 0;
    }
  } else {
    const host = tlbFill(TLB_READ, ea) ? tlbLookup(TLB_READ, ea, size) : 0;
    if (host != 0) {
      raw = loadHost(host, size);
    } else {
      if (at != PC_IN_RECORD) setPc(at);
      raw = readSlow(ea, size);
      if (accessExit != EXIT_NONE) return 0;
    }
  }
  return bigEndian ? swap(raw, size) : raw;
}

@inline function loadHost(host: usize, size: u32): u64 {
  return size == 8 ? load<u64>(host) : size == 4 ? <u64>load<u32>(host) : size == 2 ? <u64>load<u16>(host) : <u64>load<u8>(host);
}

@inline function storeHost(host: usize, size: u32, raw: u64): void {
  if (size == 8) store<u64>(host, raw);
  else if (size == 4) store<u32>(host, <u32>raw);
  else if (size == 2) store<u16>(host, <u16>raw);
  else store<u8>(host, <u8>raw);
}

/**
 * An access at `ea` through a direct mark (mmu/tlb.ts tlbDirectHost: a scratch device's
 * bytes, read or written in place): named and counted as markedScratch's.
 */
@inline export function countDirect(ea: u64): void {
  store<u64>(record + REC_MMIO_VA, ea);
  const counter = mmioCounter();
  store<u64>(counter, load<u64>(counter) + 1);
}

/**
 * An access at `ea` through the MMIO mark at TLB entry `entry` (tlbMarkedEntry's, or a
 * micro-op's lookup that met the mark; the hint not yet checked current): the memory
 * address of its bytes when the hint names a built-in scratch device that covers them,
 * the access named and counted as markedRead/markedWrite would; else 0, nothing done.
 */
@inline export function markedScratch(entry: usize, ea: u64, size: u32): usize {
  const hint = tlbMarkHint(entry, false);
  return builtinHint(hint) ? hintedScratch(entry, ea, size, hint) : 0;
}

@inline function hintedScratch(entry: usize, ea: u64, size: u32, hint: u32): usize {
  if (!deviceHintsCurrent()) return 0;
  const scratch = scratchHinted(markedAddress(entry, ea), size, hint);
  if (scratch != 0) store<u64>(record + REC_MMIO_VA, ea);
  return scratch;
}

// An access through the MMIO mark at TLB entry `entry` (tlbMarkedEntry: aligned, so within
// the page and below the address limits), as readSlow's marked case without the fill: a
// JS device the hint names called straight from here (busLoadDirect/busStoreDirect: the
// record names the access, the call, the count); anything else, or a device that refused
// or threw, through mmioLoad/mmioStore's paths, which keep the hint current.

@inline function markedRead(entry: usize, ea: u64, size: u32): u64 {
  store<u64>(record + REC_MMIO_VA, ea);
  const hint = tlbMarkHint(entry, false);
  const gpa = markedAddress(entry, ea);
  const low = busLoadDirect(gpa, size, hint);
  if (low < 0) return readRefused(ea, gpa, size, hint, low);
  accessExit = EXIT_NONE;
  return busWord(low, size);
}

/** markedRead where busLoadDirect did not complete the access: mmioLoadAfter's path; sets accessExit. */
function readRefused(ea: u64, gpa: u64, size: u32, hint: u32, low: i64): u64 {
  const raw = mmioLoadAfter(gpa, size, hint, low);
  accessExit = mmioExit;
  if (mmioHint != hint) tlbSetMmioHint(TLB_READ, ea, mmioHint);
  return raw;
}

@inline function markedWrite(entry: usize, ea: u64, size: u32, raw: u64): void {
  store<u64>(record + REC_MMIO_VA, ea);
  const hint = tlbMarkHint(entry, false);
  const gpa = markedAddress(entry, ea);
  const bus = busStoreDirect(gpa, size, raw, hint);
  if (bus != BUS_HANDLED) {
    writeRefused(ea, gpa, size, raw, hint, bus);
    return;
  }
  accessExit = EXIT_NONE;
}

/** markedWrite where busStoreDirect did not complete the access: mmioStoreAfter's path; sets accessExit. */
function writeRefused(ea: u64, gpa: u64, size: u32, raw: u64, hint: u32, bus: u32): void {
  accessExit = mmioStoreAfter(gpa, size, raw, hint, bus);
  if (mmioHint != hint) tlbSetMmioHint(TLB_WRITE, ea, mmioHint);
}

// A64 micro-ops whose own lookup met the page's MMIO mark with current device hints
// (not a scratch device's registers) call these instead of readMissed/writeMissed: the
// device in one call, as markedRead/markedWrite, no second look-up. The block goes on
// when the access completed and mapKept: the TLB is still in sync (tlbSynced: no slot
// table change and no invalidation posted, by the handler or anyone, since the block's
// start synced it), as a compiled loop checks.

/** After markedDeviceRead/markedDeviceWrite: whether the TLB is still in sync (tlbSynced). */
export let mapKept = false;

/** readMissed of an access through the MMIO mark at TLB entry `entry` whose hints are current; sets accessExit and mapKept. */
export function markedDeviceRead(entry: usize, ea: u64, size: u32, bigEndian: bool, at: u64): u64 {
  setPc(at);
  const raw = markedRead(entry, ea, size);
  mapKept = tlbSynced();
  if (accessExit != EXIT_NONE) return 0;
  return bigEndian ? swap(raw, size) : raw;
}

/** writeMissed of an access through the MMIO mark at TLB entry `entry` whose hints are current; as markedDeviceRead. */
export function markedDeviceWrite(entry: usize, ea: u64, size: u32, value: u64, bigEndian: bool, at: u64): void {
  setPc(at);
  markedWrite(entry, ea, size, bigEndian ? swap(value, size) : value);
  mapKept = tlbSynced();
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

/** Whether the access runs past the top of the address space (its last byte wraps to a low address). */
@inline function crossesTop(ea: u64, size: u32): bool {
  return ((ea + <u64>size - 1) & addressMask) < ea;
}

/**
 * With the MMU off, whether the access reaches physicalLimit: then it is an Address
 * size fault at the first address beyond (recorded), and none of its bytes is accessed.
 */
function limitFault(ea: u64, size: u32, write: bool): bool {
  if (mmuOn || physicalLimit == 0 || (ea < physicalLimit && physicalLimit - ea >= <u64>size)) return false;
  a64AddressSizeFault(ea >= physicalLimit ? ea : physicalLimit, write, false);
  store<u32>(record + REC_FAULT_KIND, FAULT_TRANSLATION);
  accessExit = EXIT_FAULT;
  return true;
}

/** Reads the access byte by byte (each address wrapped, translated and checked on its own); memory-order bytes. */
function readBytes(ea: u64, size: u32): u64 {
  let raw: u64 = 0;
  for (let i: u32 = 0; i < size; i++) {
    raw |= readByte(ea + i) << (<u64>i << 3);
    if (accessExit != EXIT_NONE) return 0;
  }
  return raw;
}

/**
 * readValue of one byte, out of line: readBytes loops over it, and readSlow (which
 * readValue inlines) calls readBytes, so inlining readValue there would inline it into itself.
 */
function readByte(address: u64): u64 {
  const ea = address & addressMask;
  const host = tlbTranslate(TLB_READ, ea, 1);
  if (host != 0) return <u64>load<u8>(host);
  const raw = readSlow(ea, 1);
  return accessExit != EXIT_NONE ? 0 : raw;
}

/** writeValue of one byte (`raw`'s low byte), out of line like readByte. */
function writeByte(address: u64, raw: u64): void {
  const ea = address & addressMask;
  const host = tlbTranslate(TLB_WRITE, ea, 1);
  if (host != 0) store<u8>(host, <u8>raw);
  else writeSlow(ea, 1, raw);
}

/** Writes memory-order bytes `raw` one by one, as readBytes reads them. */
function writeBytes(ea: u64, size: u32, raw: u64): void {
  for (let i: u32 = 0; i < size; i++) {
    writeByte(ea + i, raw >> (<u64>i << 3));
    if (accessExit != EXIT_NONE) return;
  }
}

/** The physical address of `ea` on the page the last fill walked (or marked MMIO). */
@inline function walkedAddress(ea: u64): u64 {
  return walkedPage | (ea & (<u64>PAGE_SIZE - 1));
}

@inline function readData(size: u32): u64 {
  return load<u64>(record + REC_DATA) & (size == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (size << 3)) - 1);
}

/** An access the TLB did not serve (memory-order bytes): MMIO, page-crossing, misaligned, or a fault. */
function readSlow(ea: u64, size: u32): u64 {
  if (translationFault() || limitFault(ea, size, false)) return 0;
  if (crossesTop(ea, size)) return readBytes(ea, size);
  store<u64>(record + REC_MMIO_VA, ea);
  if (mmioMarked && withinPage(ea, size)) {
    // The mark's device hint: one call to that device, or found again and kept.
    const hint = markedHint;
    const raw = mmioLoad(walkedAddress(ea), size, hint);
    accessExit = mmioExit;
    if (mmioHint != hint) tlbSetMmioHint(TLB_READ, ea, mmioHint);
    return raw;
  }
  if (!mmuOn) {
    accessExit = physRead(0, ea, size);
    return readData(size);
  }
  // Crossing a page: the two virtual pages may map anywhere; each byte translates on its own.
  if (!withinPage(ea, size)) return readBytes(ea, size);
  accessExit = physRead(0, walkedAddress(ea), size);
  return readData(size);
}

function writeSlow(ea: u64, size: u32, raw: u64): void {
  if (translationFault() || limitFault(ea, size, true)) return;
  if (crossesTop(ea, size) || (mmuOn && !withinPage(ea, size))) {
    writeBytes(ea, size, raw);
    return;
  }
  store<u64>(record + REC_MMIO_VA, ea);
  if (mmioMarked && withinPage(ea, size)) {
    const hint = markedHint;
    accessExit = mmioStore(walkedAddress(ea), size, raw, hint);
    if (mmioHint != hint) tlbSetMmioHint(TLB_WRITE, ea, mmioHint);
    return;
  }
  store<u64>(record + REC_DATA, raw);
  accessExit = physWrite(0, mmuOn ? walkedAddress(ea) : ea, size);
}

/**
 * An LS64 access: the 64 bytes at `address` (64-byte aligned: one page) to or from the
 * record's REC_DATA64 as one access, a BLOCK_* `op` (mem/access.ts physBlock): translated
 * once, then RAM (a TLB hit, or the slot layer) or one device call. Sets accessExit.
 */
export function accessBlock(address: u64, op: u32): void {
  const write = op != BLOCK_LOAD;
  const ea = address & addressMask;
  const host = tlbTranslate(write ? TLB_WRITE : TLB_READ, ea, 64);
  if (host != 0) {
    ramBlock(host, op);
    accessExit = EXIT_NONE;
    return;
  }
  if (translationFault() || limitFault(ea, 64, write)) return;
  store<u64>(record + REC_MMIO_VA, ea);
  accessExit = physBlock(0, mmuOn || mmioMarked ? walkedAddress(ea) : ea, op);
}

/** The memory address of `size` writable RAM bytes at `address` (aligned to `size`) through the TLB, or 0. */
export function writableRam(address: u64, size: u32): usize {
  return tlbTranslate(TLB_WRITE, address & addressMask, size);
}

/**
 * Whether `address` is Device memory in this model: a page no slot backs (a device's, or
 * no one's). Translated as a read, so a Device page's alignment fault comes before a
 * write permission fault, as the Arm ARM orders them; false where the translation faults
 * or the address is beyond the PA size (the store that follows reports that fault).
 */
export function deviceMemory(address: u64): bool {
  const ea = address & addressMask;
  if (tlbTranslate(TLB_READ, ea, 1) != 0 || walkFaulted) return false;
  if (!mmuOn && physicalLimit != 0 && ea >= physicalLimit) return false;
  return ramLookup(0, mmuOn || mmioMarked ? walkedAddress(ea) : ea, 1, 0) == 0;
}

/** Writes the low `size` (1, 2, 4, 8) bytes of `value` at `address` (wrapped to the address width) in `bigEndian` order; sets accessExit; `at` as readValue. */
@inline export function writeValue(address: u64, size: u32, value: u64, bigEndian: bool, at: u64 = PC_IN_RECORD): void {
  const ea = address & addressMask;
  const host = tlbLookup(TLB_WRITE, ea, size);
  if (host != 0) storeHost(host, size, bigEndian ? swap(value, size) : value);
  else writeMissed(ea, size, value, bigEndian, at);
}

/** writeValue of an access whose TLB lookup missed; as readMissed. */
export function writeMissed(address: u64, size: u32, value: u64, bigEndian: bool, at: u64): void {
  const ea = address & addressMask;
  const raw = bigEndian ? swap(value, size) : value;
  const direct = tlbDirectHost(TLB_WRITE, ea, size);
  if (direct != 0) {
    storeHost(direct, size, raw);
    countDirect(ea);
    return;
  }
  const marked = tlbMarkedEntry(TLB_WRITE, ea, size);
  if (marked != 0) {
    const scratch = markedScratch(marked, ea, size);
    if (scratch != 0) {
      storeHost(scratch, size, raw);
      return;
    }
    if (at != PC_IN_RECORD) setPc(at);
    markedWrite(marked, ea, size, raw);
    return;
  }
  const host = tlbFill(TLB_WRITE, ea) ? tlbLookup(TLB_WRITE, ea, size) : 0;
  if (host != 0) {
    storeHost(host, size, raw);
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
