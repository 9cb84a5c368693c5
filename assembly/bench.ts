// Loops timed by bench/: each returns a checksum so the optimizer keeps the work.
import { REC_DATA } from "./layout";
import { record } from "./machine";
import { ramAddress } from "./mem/slots";
import { physRead } from "./mem/access";

/** The physical reference: `count` 8-byte loads from memory at addr + (i*64 & mask). */
export function benchRawLoads(addr: usize, count: u32, mask: u32): u64 {
  let sum: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    sum += load<u64>(addr + ((i << 6) & mask));
  }
  return sum;
}

/** The same loads through the guest-physical RAM path (last-used slot hit). */
export function benchPhysLoads(as: u32, gpa: u64, count: u32, mask: u32): u64 {
  let sum: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const at = gpa + ((i << 6) & mask);
    const host = ramAddress(as, at, 8, false);
    if (host != 0) {
      sum += load<u64>(host);
    } else if (physRead(as, at, 8) == 0) {
      sum += load<u64>(record + REC_DATA);
    }
  }
  return sum;
}

/**
 * Slot lookups: `count` 8-byte reads, each in slot k of `slots` slots spaced
 * `stride` bytes from `gpa`, k drawn by an LCG from `seed` (a new slot almost every
 * time: the search path), or k = 0 always when `slots` is 1 (the last-used hit path).
 */
export function benchSlotLookups(as: u32, gpa: u64, stride: u64, slots: u32, count: u32, seed: u32): u64 {
  let sum: u64 = 0;
  let state = seed;
  for (let i: u32 = 0; i < count; i++) {
    state = state * 1664525 + 1013904223;
    const k = <u64>(<u32>((<u64>(state >>> 8) * slots) >>> 24));
    sum += <u64>ramAddress(as, gpa + k * stride, 8, false);
  }
  return sum;
}

/** `count` reads at `gpa` through physRead (for MMIO dispatch to the host's device). */
export function benchPhysReads(as: u32, gpa: u64, size: u32, count: u32): u64 {
  let sum: u64 = 0;
  for (let i: u32 = 0; i < count; i++) {
    sum += physRead(as, gpa, size);
    sum += load<u8>(record + REC_DATA);
  }
  return sum;
}

/** The JS→Wasm reference: a call that does nothing. */
export function benchNop(): u32 {
  return 0;
}

@external("env", "mmio")
declare function busCall(as: u32, gpaLow: u32, gpaHigh: u32, size: u32, write: u32, cause: u32): u32;

/** The Wasm→JS reference: `count` calls of the device-bus import (instantiate with a no-op one). */
export function benchImportCalls(count: u32): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < count; i++) sum += busCall(0, i, 0, 1, 0, 0);
  return sum;
}
