import {
  AS_COUNT, PAGE_SIZE, REC_EXIT, REC_CAUSE, REC_MMIO_GPA, REC_DATA, REC_MMIO_DATA, REC_DATA64, JS_DEVICE_TABLE_BASE, JS_DEVICE_MAX,
} from "../layout";
import { EXIT_NONE, EXIT_MMIO, EXIT_DEVICE_ERROR, EXIT_BAD_ACCESS, CAUSE_NONE, CAUSE_UNMAPPED } from "../exits";
import { record } from "../machine";
import { ramAddress, markDirty, missCause } from "./slots";
import { builtinAccess, builtinAccessAt, builtinIndexAt, builtinOverlaps, builtinValue, builtinScratchAt } from "./builtin";
import { recordMmioAccess, mmioCounter } from "./mmio-record";

/**
 * The host's in-thread device bus (QEMU's memory dispatch, KVM's kvm_io_bus):
 * bytes in the record's REC_MMIO_DATA, in memory order. Returns 0 if a device
 * completed the access, 1 if none claims the address, 2 if the device threw.
 */
@external("env", "mmio")
declare function mmioDispatch(as: u32, gpaLow: u32, gpaHigh: u32, size: u32, write: u32, cause: u32): u32;

export const BUS_HANDLED: u32 = 0;
const BUS_UNCLAIMED: u32 = 1;
export const BUS_DEVICE_ERROR: u32 = 2;

/**
 * The host bus's register path for JS device `index` (its index on the bus, from
 * deviceLocate): the host puts a read and a write for each device in this instance's
 * function table (src/device-entries.ts), so one call_indirect reaches the device's own
 * handler wrapper, no look-up on either side. A `size`-byte (1, 2, 4, 8) access at `gpa`
 * whose value crosses in registers, memory-order bytes as a little-endian value. A read
 * returns its low word (the high word of an 8-byte read at the record's REC_MMIO_DATA + 4)
 * or a negative BUS_* code; a write returns a BUS_* code. BUS_UNCLAIMED: that device does
 * not take this access as one handler call (the bus's general path must), and no handler ran.
 */
@inline function deviceRead(index: u32, gpa: u64, size: u32): f64 {
  return call_indirect<f64>(JS_DEVICE_TABLE_BASE + index, <i32>gpa, <i32>(gpa >>> 32), <i32>size);
}

@inline function deviceWrite(index: u32, gpa: u64, size: u32, value: u64): u32 {
  return call_indirect<u32>(JS_DEVICE_TABLE_BASE + JS_DEVICE_MAX + index, <i32>gpa, <i32>(gpa >>> 32), <i32>size, <i32>value, <i32>(value >>> 32));
}

/** The index on the host bus of the device decoding `gpa` in address space `as`, or -1. */
@external("env", "mmioLocate")
declare function deviceLocate(as: u32, gpaLow: u32, gpaHigh: u32): i32;

/**
 * The host bus's 64-byte path (LD64B, ST64B, ST64BV, ST64BV0): the block at `gpa`
 * (64-byte aligned) as ONE device call, its bytes in the record's REC_DATA64 (memory
 * order). `op`: a BLOCK_* code, BLOCK_BUILTIN added when a built-in or Wasm device
 * decodes part of it (the host refuses those, naming the access). Returns a BUS_* code;
 * BUS_HANDLED for BLOCK_STORE_STATUS leaves the status (u64) in REC_DATA.
 */
@external("env", "mmioBlock")
declare function blockDispatch(as: u32, gpaLow: u32, gpaHigh: u32, op: u32, cause: u32): u32;

export const BLOCK_LOAD: u32 = 0;
export const BLOCK_STORE: u32 = 1;
export const BLOCK_STORE_STATUS: u32 = 2;
const BLOCK_BUILTIN: u32 = 4;
/** ST64BV(0)'s status where the memory does not support a store with status (Arm ARM: all ones). */
export const BLOCK_STATUS_UNSUPPORTED: u64 = 0xffff_ffff_ffff_ffff;

// A device hint (what a TLB MMIO mark keeps beside the physical page, in its 12 low
// bits): 0 none, 1 + index for a built-in device, HINT_BUS | index for one on the bus.
export const HINT_BUS: u32 = JS_DEVICE_MAX;
const HINT_MAX_INDEX: u32 = JS_DEVICE_MAX - 1;

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
 * One 64-byte access (LS64) at `gpa` of `as`, 64-byte aligned (so within one page and
 * one slot), bytes in REC_DATA64. RAM: 8 single-copy-atomic doublewords, not one
 * 64-byte atomic access (Wasm has none: another vCPU thread may see part of a store);
 * RAM does not support a store with status, so BLOCK_STORE_STATUS writes the data and
 * returns BLOCK_STATUS_UNSUPPORTED in REC_DATA (the Arm ARM leaves the memory UNKNOWN).
 * Elsewhere one call to the host bus (blockDispatch); unclaimed: EXIT_MMIO of size 64.
 */
export function physBlock(as: u32, gpa: u64, op: u32): u32 {
  const write = op != BLOCK_LOAD;
  if (as >= AS_COUNT || (gpa & 63) != 0 || op > BLOCK_STORE_STATUS) return finish(EXIT_BAD_ACCESS);
  const host = ramAddress(as, gpa, 64, write);
  if (host != 0) {
    ramBlock(host, op);
    if (write) markDirty(as, gpa, 64);
    return finish(EXIT_NONE);
  }
  const cause = missCause;
  recordMmioAccess(as, gpa, 64, write, cause);
  const builtin = builtinOverlaps(as, gpa, 64) ? BLOCK_BUILTIN : 0;
  const bus = blockDispatch(as, <u32>gpa, <u32>(gpa >>> 32), op | builtin, cause);
  if (bus == BUS_HANDLED) {
    store<u32>(record + REC_CAUSE, CAUSE_NONE);
    return finish(EXIT_NONE);
  }
  return finish(bus == BUS_UNCLAIMED ? EXIT_MMIO : EXIT_DEVICE_ERROR);
}

/** physBlock's RAM case at memory address `host` (a TLB hit's, or a slot's). */
export function ramBlock(host: usize, op: u32): void {
  const data = record + REC_DATA64;
  for (let at: usize = 0; at < 64; at += 8) {
    if (op == BLOCK_LOAD) store<u64>(data + at, atomic.load<u64>(host + at));
    else atomic.store<u64>(host + at, load<u64>(data + at));
  }
  if (op == BLOCK_STORE_STATUS) store<u64>(record + REC_DATA, BLOCK_STATUS_UNSUPPORTED);
}

/** After mmioLoad or mmioStore: its EXIT_* code, and the device hint the page should keep from now on. */
export let mmioExit: u32 = EXIT_NONE;
export let mmioHint: u32 = 0;

/**
 * physMmio of a 1, 2, 4 or 8-byte read in address space 0, its value in a register
 * (memory-order bytes as a little-endian value; 0 unless mmioExit is EXIT_NONE).
 * `hint` names the device the page's last access reached: when it still takes this
 * access, one call does it; otherwise the device is found again (mmioHint) and the
 * access goes the general way.
 */
export function mmioLoad(gpa: u64, size: u32, hint: u32): u64 {
  mmioHint = hint;
  if (compiledFailure != 0 && failedInLoop(gpa, size, false)) return deviceFailed(gpa, size, false);
  // A built-in device (hint 1 + index, one unsigned compare): its register path, here in the core.
  if (hint - 1 < HINT_BUS - 1) {
    if (builtinAccessAt(hint - 1, 0, gpa, size, false, 0)) return handled(builtinValue);
  } else if (hint >= HINT_BUS) {
    return busLoad(gpa, size, hint);
  }
  return loadElsewhere(gpa, size);
}

/**
 * A read through the JS device entry hint `hint` (>= HINT_BUS) names, as the interpreters'
 * busLoadDirect (mmioLoad cleared compiledFailure, so the entry is called); one it does
 * not take goes the general way.
 */
@inline function busLoad(gpa: u64, size: u32, hint: u32): u64 {
  const low = busLoadDirect(gpa, size, hint);
  if (low < 0) return mmioLoadAfter(gpa, size, hint, low);
  mmioExit = EXIT_NONE;
  return busWord(low, size);
}

/**
 * The interpreters' call of the JS device hint `hint` names (mmioLoad's hot case without
 * its bookkeeping): the entry's read of `size` bytes at `gpa`, counted, as its
 * low word (>= 0; busWord adds an 8-byte read's high word). Negative: not done, nothing
 * counted or reported, for mmioLoadAfter to finish (a handler that threw is reported
 * there, not called again). The entry's f64 is converted once, to an integer.
 */
@inline export function busLoadDirect(gpa: u64, size: u32, hint: u32): i64 {
  // compiledFailure is this thread's own (a plain global): no ordering to decide.
  if (hint < HINT_BUS || compiledFailure != 0) return BUS_NOT_CALLED;
  const read = busRead(hint & HINT_MAX_INDEX, gpa, size);
  if (read < 0) return <i64>read;
  const counter = mmioCounter();
  store<u64>(counter, load<u64>(counter) + 1);
  return wordOf(read);
}

/**
 * A whole `value` in [0, 2^32) as that integer, without a float-to-integer conversion (V8
 * checks each for range and rounding, a slow path beside): added to 2^52, it is the low
 * bits of the sum's significand, the exponent fixed above them.
 */
@inline function wordOf(value: f64): i64 {
  return <i64>(reinterpret<u64>(value + 4503599627370496.0) & 0xffff_ffff);
}

/** busLoadDirect's "not called": no JS device hint, or a compiled loop's failure waiting. */
const BUS_NOT_CALLED: i64 = -16;

/** mmioLoad of the access busLoadDirect returned `low` (< 0) for: the same outcome, the handler not called again. */
export function mmioLoadAfter(gpa: u64, size: u32, hint: u32, low: i64): u64 {
  if (low == BUS_NOT_CALLED) return mmioLoad(gpa, size, hint);
  mmioHint = hint;
  return low == -<i64>BUS_DEVICE_ERROR ? deviceFailed(gpa, size, false) : loadElsewhere(gpa, size);
}

/** busLoadDirect's `low` (>= 0) as the value: an 8-byte read's high word waits in the record. */
@inline export function busWord(low: i64, size: u32): u64 {
  return size == 8 ? <u64>load<u32>(record + REC_MMIO_DATA, 4) << 32 | <u64>low : <u64>low;
}


/** mmioLoad where the hinted device does not take the access: the device found again, the general path. */
function loadElsewhere(gpa: u64, size: u32): u64 {
  mmioHint = locate(gpa);
  mmioExit = physMmio(gpa, size, false);
  return mmioExit == EXIT_NONE ? load<u64>(record + REC_DATA) & sizeMask(size) : 0;
}

/** physMmio of a 1, 2, 4 or 8-byte write of `raw`'s low bytes (memory order); as mmioLoad. Returns mmioExit. */
export function mmioStore(gpa: u64, size: u32, raw: u64, hint: u32): u32 {
  mmioHint = hint;
  const value = raw & sizeMask(size);
  if (compiledFailure != 0 && failedInLoop(gpa, size, true)) {
    deviceFailed(gpa, size, true);
    return mmioExit;
  }
  if (hint - 1 < HINT_BUS - 1) {
    if (builtinAccessAt(hint - 1, 0, gpa, size, true, value)) return <u32>handled(0);
  } else if (hint >= HINT_BUS) {
    return busStore(gpa, size, value, hint);
  }
  return storeElsewhere(gpa, size, value);
}

/** A write of `value` (masked) through the JS device entry hint `hint` names, as busLoad. */
@inline function busStore(gpa: u64, size: u32, value: u64, hint: u32): u32 {
  const bus = busStoreDirect(gpa, size, value, hint);
  if (bus != BUS_HANDLED) return mmioStoreAfter(gpa, size, value, hint, bus);
  mmioExit = EXIT_NONE;
  return EXIT_NONE;
}

/**
 * busLoadDirect's write: the entry's write of `raw`'s low `size` bytes (memory order) at
 * `gpa`, counted when the device took it; returns the entry's BUS_* code, or
 * BUS_NOT_CALLED, for mmioStoreAfter to finish any but BUS_HANDLED.
 */
@inline export function busStoreDirect(gpa: u64, size: u32, raw: u64, hint: u32): u32 {
  if (hint < HINT_BUS || compiledFailure != 0) return BUS_STORE_NOT_CALLED;
  const bus = busWrite(hint & HINT_MAX_INDEX, gpa, size, raw & sizeMask(size));
  if (bus == BUS_HANDLED) {
    const counter = mmioCounter();
    store<u64>(counter, load<u64>(counter) + 1);
  }
  return bus;
}

const BUS_STORE_NOT_CALLED: u32 = 16;

/** mmioStore of the access busStoreDirect returned `bus` (not BUS_HANDLED) for, as mmioLoadAfter. Returns mmioExit. */
export function mmioStoreAfter(gpa: u64, size: u32, raw: u64, hint: u32, bus: u32): u32 {
  if (bus == BUS_STORE_NOT_CALLED) return mmioStore(gpa, size, raw, hint);
  mmioHint = hint;
  if (bus != BUS_DEVICE_ERROR) return storeElsewhere(gpa, size, raw & sizeMask(size));
  deviceFailed(gpa, size, true);
  return mmioExit;
}

/** mmioStore of `value` (masked) where the hinted device does not take the access, as loadElsewhere. */
function storeElsewhere(gpa: u64, size: u32, value: u64): u32 {
  mmioHint = locate(gpa);
  store<u64>(record + REC_DATA, value);
  mmioExit = physMmio(gpa, size, true);
  return mmioExit;
}

/** Whether device hint `hint` names a built-in device (1 + its index; one unsigned compare). */
@inline export function builtinHint(hint: u32): bool {
  return hint - 1 < HINT_BUS - 1;
}

/**
 * The interpreters' inline path to a built-in scratch device: the memory address of its
 * `size` bytes at `gpa` (memory order) when hint `hint` names a scratch device covering
 * them, the access counted as mmioLoad/mmioStore count it (the caller reads or writes
 * the bytes there); else 0, nothing done, and mmioLoad/mmioStore take the access.
 */
@inline export function scratchHinted(gpa: u64, size: u32, hint: u32): usize {
  if (!builtinHint(hint) || compiledFailure != 0) return 0;
  const at = builtinScratchAt(hint - 1, gpa, size);
  if (at != 0) handled(0);
  return at;
}

@inline function busRead(index: u32, gpa: u64, size: u32): f64 {
  store<u64>(record + REC_MMIO_GPA, gpa); // a watchdog names the access of a handler that never returns
  return deviceRead(index, gpa, size);
}

@inline function busWrite(index: u32, gpa: u64, size: u32, value: u64): u32 {
  store<u64>(record + REC_MMIO_GPA, gpa);
  return deviceWrite(index, gpa, size, value);
}

// A JS device that threw inside a compiled loop: the loop hands the access back to the
// interpreter, which runs that instruction again; its access then ends in the device
// error (as if the interpreter had met it) without calling the handler a second time.
// 0: none; else the access's size | COMPILED_WRITE, at compiledFailureGpa.
let compiledFailure: u32 = 0;
let compiledFailureGpa: u64 = 0;
const COMPILED_WRITE: u32 = 0x10;

/** Whether this access is the one a compiled loop's device failed (forgotten either way: one access reports it). */
function failedInLoop(gpa: u64, size: u32, write: bool): bool {
  const failed = compiledFailure == (size | (write ? COMPILED_WRITE : 0)) && compiledFailureGpa == gpa;
  compiledFailure = 0;
  return failed;
}

/**
 * For compiled loops: a `size`-byte (1, 2, 4, 8) read at `gpa` by the device that hint
 * `hint` names (built-in or JS). Returns the address of its bytes (memory order, the
 * record's REC_DATA), or 0 when the interpreter must run the access: no device the hint
 * names takes it (nothing done), or a JS device's handler threw (reported on that run).
 */
export function deviceHintRead(gpa: u64, size: u32, hint: u32): usize {
  if (hint >= HINT_BUS) {
    const low = busRead(hint & HINT_MAX_INDEX, gpa, size);
    if (low < 0) {
      if (low == -<f64>BUS_DEVICE_ERROR) failedInCompiledLoop(gpa, size, false);
      return 0;
    }
    store<u32>(record + REC_DATA, <u32>low);
    if (size == 8) store<u32>(record + REC_DATA, load<u32>(record + REC_MMIO_DATA, 4), 4);
    handled(0);
    return record + REC_DATA;
  }
  if (hint - 1 >= HINT_BUS - 1 || !builtinAccessAt(hint - 1, 0, gpa, size, false, 0)) return 0;
  store<u64>(record + REC_DATA, handled(builtinValue));
  return record + REC_DATA;
}

/**
 * For compiled loops: a `size`-byte write of `value`'s low bytes (memory order) at `gpa`
 * by the device that hint `hint` names (built-in or JS). Returns whether it did; false
 * when the interpreter must run the access, as deviceHintRead's 0.
 */
export function deviceHintWrite(gpa: u64, size: u32, hint: u32, value: u64): bool {
  value &= sizeMask(size);
  if (hint >= HINT_BUS) {
    const bus = busWrite(hint & HINT_MAX_INDEX, gpa, size, value);
    if (bus != BUS_HANDLED) {
      if (bus == BUS_DEVICE_ERROR) failedInCompiledLoop(gpa, size, true);
      return false;
    }
  } else if (hint - 1 >= HINT_BUS - 1 || !builtinAccessAt(hint - 1, 0, gpa, size, true, value)) {
    return false;
  }
  handled(0);
  return true;
}

export function failedInCompiledLoop(gpa: u64, size: u32, write: bool): void {
  compiledFailure = size | (write ? COMPILED_WRITE : 0);
  compiledFailureGpa = gpa;
}

@inline function sizeMask(size: u32): u64 {
  return size == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (<u64>size << 3)) - 1;
}

/** A register-path access completed: counted as the general path counts it; returns `value`. */
@inline function handled(value: u64): u64 {
  const counter = mmioCounter();
  store<u64>(counter, load<u64>(counter) + 1);
  mmioExit = EXIT_NONE;
  return value;
}

/** The device's handler threw on the register path: the record says so as mmioFragment's would. */
function deviceFailed(gpa: u64, size: u32, write: bool): u64 {
  recordMmioAccess(0, gpa, size, write, CAUSE_UNMAPPED);
  mmioExit = finish(EXIT_DEVICE_ERROR);
  return 0;
}

/** The device hint for `gpa` in address space 0: built-in devices first, as the general path tries them. */
function locate(gpa: u64): u32 {
  const builtin = builtinIndexAt(0, gpa);
  if (builtin >= 0) return <u32>builtin + 1;
  const index = deviceLocate(0, <u32>gpa, <u32>(gpa >>> 32));
  return index >= 0 && <u32>index <= HINT_MAX_INDEX ? HINT_BUS | <u32>index : 0;
}

/**
 * Memory address backing [gpa, gpa+size) (size 1..16 or 64) in address space `as` when a
 * slot permits the access, else 0. Touches no access data, so a device handler may call it mid-access.
 */
export function ramLookup(as: u32, gpa: u64, size: u32, write: u32): usize {
  if (as >= AS_COUNT || (size - 1 >= 16 && size != 64)) return 0;
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
  recordMmioAccess(as, gpa, size, write, cause);
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
