// The typed host accessors' cache entries and limits (src/fast-access.ts): the ranges a
// RAM, JS-device or built-in-device entry covers, and the bounds every cached access keeps.
import type { Mapped } from './mmio.js';

/** Addresses at or above this are not exact numbers: the typed accessors refuse them. */
export const ADDRESS_LIMIT = 2 ** 53;
/**
 * Cached ranges end at or below this: above 2^53, gpa + size may round down to 2^53, so
 * an access crossing 2^53 could pass a bounds check against an end at 2^53.
 */
export const CACHE_LIMIT = ADDRESS_LIMIT - 8;
export const MIN_I64 = -(1n << 63n);
export const U64_LIMIT = 1n << 64n;
export const noExit = { gpa: 0n, size: 0, write: false, cause: 'none' };

/**
 * An empty entry's bounds and offsets: -0, a double, not the small integer 0. A field
 * that starts as a small integer and later holds an address of 2^31 or more changes
 * representation, which deprecates the machine's map: every optimized accessor that
 * checked the old one deoptimizes, and a second machine migrates on its next access
 * (issue 20). As a bound, -0 serves nothing, as 0 does.
 */
export const NO_ADDRESS = -0;

/** Pages the recent-range table indexes (direct-mapped by page number): a power of two. */
export const RECENT_PAGES = 1024;

/** Pages the typed accessors keep a JS-device entry for (direct-mapped by page number): a power of two. */
export const DEVICE_PAGES = 1024;

export interface RamRange {
  device: false;
  start: number;
  end: number;
  /** `end`, or 0 for a READONLY slot. */
  writeEnd: number;
  /** Memory address of `start`. */
  host: number;
  dirtyBitmap: number;
}

export interface DeviceRange {
  device: true;
  builtin: false;
  start: number;
  end: number;
  mapped: Mapped;
  /** Bit w set for each width w the device takes. */
  widths: number;
}

/** A built-in device's range (no slot, no built-in device before it in the core's scan). */
export interface BuiltinRange {
  device: true;
  builtin: true;
  start: number;
  end: number;
  index: number;
  /** Bit w set for each width it takes as one register. */
  widths: number;
  /** Whether a register access must be naturally aligned (from `base`). */
  aligned: boolean;
  /** A Wasm device's registers are big-endian. */
  big: boolean;
  base: number;
  /** A scratch device's memory address (its byte 0, which `base` maps to); 0 for another kind. */
  scratch: number;
  /** A counter device's memory address (its u64, 8-aligned); 0 for another kind. */
  counter: number;
}

/** Which cached entry serves an access (deviceFor). */
export const VIA_NONE = 0, VIA_JS = 1, VIA_BUILTIN = 2, VIA_LOCAL = 3;
