import {
  AS_COUNT, PAGE_SIZE, REC_EXIT, REC_CAUSE, REC_MMIO_GPA, REC_MMIO_SIZE, REC_MMIO_WRITE, REC_MMIO_AS,
  REC_DATA, REC_MMIO_DATA, REC_COUNTERS, CNT_MMIO,
} from "../layout";
import { EXIT_NONE, EXIT_MMIO, EXIT_DEVICE_ERROR, EXIT_BAD_ACCESS, CAUSE_NONE, CAUSE_UNMAPPED } from "../exits";
import { record } from "../machine";
import { ramAddress, markDirty, missCause } from "./slots";
import { builtinAccess } from "./builtin";

/**
 * The host's in-thread device bus (QEMU's memory dispatch, KVM's kvm_io_bus):
 * bytes in the record's REC_MMIO_DATA, in memory order. Returns 0 if a device
 * completed the access, 1 if none claims the address, 2 if the device threw.
 */
@external("env", "mmio")
declare function mmioDispatch(as: u32, gpaLow: u32, gpaHigh: u32, size: u32, write: u32, cause: u32): u32;

const BUS_HANDLED: u32 = 0;
const BUS_UNCLAIMED: u32 = 1;

@inline function finish(exit: u32): u32 {
  store<u32>(record + REC_EXIT, exit);
  return exit;
}

/**
 * Reads `size` (1..16) bytes at guest-physical `gpa` of address space `as` into the
 * record's REC_DATA, in memory order. Returns an EXIT_* code; on EXIT_MMIO the record
 * describes the fragment no device claimed (fragments before it completed).
 */
export function physRead(as: u32, gpa: u64, size: u32): u32 {
  if (as >= AS_COUNT || size - 1 >= 16) return finish(EXIT_BAD_ACCESS);
  const host = ramAddress(as, gpa, size, false);
  if (host != 0) {
    ramToData(record + REC_DATA, host, size);
    return finish(EXIT_NONE);
  }
  // Within one page the lookup's miss stands for the whole access (slots are page-aligned).
  if (withinPage(gpa, size)) return finish(mmioFragment(as, gpa, size, false, record + REC_DATA, missCause));
  return accessByPage(as, gpa, size, false);
}

/** Writes `size` (1..16) bytes from the record's REC_DATA to `gpa`; as physRead. */
export function physWrite(as: u32, gpa: u64, size: u32): u32 {
  if (as >= AS_COUNT || size - 1 >= 16) return finish(EXIT_BAD_ACCESS);
  const host = ramAddress(as, gpa, size, true);
  if (host != 0) {
    dataToRam(host, record + REC_DATA, size);
    markDirty(as, gpa, size);
    return finish(EXIT_NONE);
  }
  if (withinPage(gpa, size)) return finish(mmioFragment(as, gpa, size, true, record + REC_DATA, missCause));
  return accessByPage(as, gpa, size, true);
}

/**
 * physRead (write false) or physWrite of `size` bytes within one page that the TLB's
 * MMIO mark says no slot of address space 0 covers: straight to the devices, no search.
 */
export function physMmio(gpa: u64, size: u32, write: bool): u32 {
  return finish(mmioFragment(0, gpa, size, write, record + REC_DATA, CAUSE_UNMAPPED));
}

/**
 * Memory address backing [gpa, gpa+size) in address space `as` when a slot permits the
 * access, else 0. Touches no access data, so a device handler may call it mid-access.
 */
export function ramLookup(as: u32, gpa: u64, size: u32, write: u32): usize {
  if (as >= AS_COUNT || size - 1 >= 16) return 0;
  return ramAddress(as, gpa, size, write != 0);
}

@inline function withinPage(gpa: u64, size: u32): bool {
  return (<u32>gpa & (PAGE_SIZE - 1)) + size <= PAGE_SIZE;
}

// A naturally aligned access of 1, 2, 4 or 8 bytes is single-copy atomic, as on the
// guest's hardware: another vCPU sees all of it or none (Wasm guarantees this for
// atomic accesses only, so aligned ones use them; they need no ordering here).
function ramToData(data: usize, host: usize, size: u32): void {
  if ((host & (size - 1)) == 0) {
    if (size == 8) { store<u64>(data, atomic.load<u64>(host)); return; }
    if (size == 4) { store<u32>(data, atomic.load<u32>(host)); return; }
    if (size == 2) { store<u16>(data, atomic.load<u16>(host)); return; }
    if (size == 1) { store<u8>(data, atomic.load<u8>(host)); return; }
  }
  memory.copy(data, host, size);
}

function dataToRam(host: usize, data: usize, size: u32): void {
  if ((host & (size - 1)) == 0) {
    if (size == 8) { atomic.store<u64>(host, load<u64>(data)); return; }
    if (size == 4) { atomic.store<u32>(host, load<u32>(data)); return; }
    if (size == 2) { atomic.store<u16>(host, load<u16>(data)); return; }
    if (size == 1) { atomic.store<u8>(host, load<u8>(data)); return; }
  }
  memory.copy(host, data, size);
}

// Slow path: an access not inside one permitting slot is split at page boundaries
// (slots are page-aligned, so each piece is wholly RAM or wholly MMIO).
function accessByPage(as: u32, gpa: u64, size: u32, write: bool): u32 {
  let done: u32 = 0;
  while (done < size) {
    const at = gpa + done;
    const pageLeft = PAGE_SIZE - (<u32>at & (PAGE_SIZE - 1));
    const length = min<u32>(size - done, pageLeft);
    const data = record + REC_DATA + done;
    const host = ramAddress(as, at, length, write);
    if (host != 0) {
      if (write) {
        dataToRam(host, data, length);
        markDirty(as, at, length);
      } else {
        ramToData(data, host, length);
      }
    } else {
      const exit = mmioFragment(as, at, length, write, data, missCause);
      if (exit != EXIT_NONE) return finish(exit);
    }
    done += length;
  }
  return finish(EXIT_NONE);
}

function mmioFragment(as: u32, gpa: u64, size: u32, write: bool, data: usize, cause: u32): u32 {
  store<u64>(record + REC_MMIO_GPA, gpa);
  store<u32>(record + REC_MMIO_SIZE, size);
  store<u32>(record + REC_MMIO_WRITE, write ? 1 : 0);
  store<u32>(record + REC_MMIO_AS, as);
  store<u32>(record + REC_CAUSE, cause);
  const counter = record + REC_COUNTERS + CNT_MMIO;
  store<u64>(counter, load<u64>(counter) + 1);
  if (builtinAccess(as, gpa, size, write, data)) return EXIT_NONE;
  if (write) memory.copy(record + REC_MMIO_DATA, data, size);
  // The address goes as two u32 halves: an i64 would cost a BigInt on the JS side.
  const bus = mmioDispatch(as, <u32>gpa, <u32>(gpa >>> 32), size, write ? 1 : 0, cause);
  if (bus == BUS_HANDLED) {
    if (!write) memory.copy(data, record + REC_MMIO_DATA, size);
    store<u32>(record + REC_CAUSE, CAUSE_NONE);
    return EXIT_NONE;
  }
  return bus == BUS_UNCLAIMED ? EXIT_MMIO : EXIT_DEVICE_ERROR;
}
