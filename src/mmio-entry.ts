// A JS device's register-path entry (MmioBus.entryFor): the read and the write a core
// instance calls through its function table (src/device-entries.ts) for a `size`-byte
// (1, 2, 4, 8) access in address space 0 that the device takes as one handler call.
//
// An entry runs in two tiers. First the shared code, counting its calls; after
// COPY_AFTER calls its device gets its own copy of the code (compiled afresh with `new
// Function`, where the engine allows it), which replaces the entry. V8 shares what it
// learns about a function literal among all closures made from it, and optimises such
// code for all of them: one copy per entry lets it specialise the entry to its one device
// (the handler call inlined, the range a constant), which costs the shared code about
// 3-5 ns per access (issue 20). A copy costs about 1.5 ms of CPU (parsed, its first calls
// unoptimised, then TurboFan's optimising on another thread: ~0.6 ms by its 1,024th
// call), which a device called a few times in a short guest run never repays. The code
// is therefore self-contained: everything it uses comes in its parameters.
//
// Copies for devices of one handler optimise to machine code of one size, which V8 places
// one after another. At 512 bytes apart (the guest-mmio bench's `() => ++this.reads`), an
// interpreter's loads over 8 such devices in turn (one call site) took ~32 ns an access,
// against ~20 for copies 576 or 640 bytes apart (that handler with one more branch, or
// one counting in a closure variable), side by side in one process (issue 20). Each copy
// therefore opens its read and write with 0 to 3 size guards, in turn, never taken (a
// compare each), so that copies made together differ in size (~25 bytes a guard).

import type { DeviceEntry } from './device-entries.js';
import type { DeviceFailure, HandlerWatch, Mapped, MmioValue } from './mmio.js';

/** What an entry needs of its bus: the watch around handler calls (a vCPU thread's bus sets it), where a failure is reported. */
export interface EntryBus {
  readonly handlerWatch: HandlerWatch | undefined;
  lastFailure: DeviceFailure | undefined;
}

/** The bus's conversions and codes an entry uses (src/mmio.ts). */
export interface EntryHelpers {
  memoryOrder(little: boolean, size: number, value: MmioValue, out: { high: number }): number;
  registerValue(little: boolean, size: number, low: number, high: number): MmioValue;
  swap16(bits: number): number;
  swap32(bits: number): number;
  readonly HANDLED: number;
  readonly UNCLAIMED: number;
  readonly DEVICE_ERROR: number;
  /** device-entries.ts READ_REFUSED. */
  readonly READ_REFUSED: number;
}

/**
 * `mapped`'s entry (the contract of MmioBus.entryFor). The offset is an unsigned 32-bit
 * integer (a float offset costs every call a conversion): an access whose gpa's high word
 * is not the device start's (a device across a 4 GiB boundary) is left to the bus's general path.
 * With `promoteAfter` above 0, its first call of that many (read or write) calls
 * `promote` before anything else; with 0, never. (The count is here, not in a wrapper:
 * a wrapper's call of the shared code is not inlined once several devices share it,
 * which cost each access about 9 ns with 8 devices in turn, issue 20.)
 */
function entryCode(h: EntryHelpers, mapped: Mapped, calls: { depth: number }, bus: EntryBus, words: Int32Array | Uint32Array, lowIndex: number,
  promoteAfter: number, promote: () => void): DeviceEntry {
  const { device, start, little, readParts, writeParts, parts } = mapped;
  const highIndex = lowIndex + 1;
  const length = mapped.end - start;
  const startLow = start % 2 ** 32 | 0;
  const startHigh = Math.floor(start / 2 ** 32) | 0;
  const widths = mapped.widths.reduce((bits, width) => bits | width, 0);
  const wide = { high: 0 };
  // In a copy (promoteAfter 0) `counting` is a constant false, so V8 drops the count.
  const counting = promoteAfter > 0;
  let left = promoteAfter;
  // A read's low word as the int32 it crosses as (a number from 2^31 up would be boxed),
  // BUS_HANDLED beside the one that reads as READ_REFUSED.
  const answered = (bits: number): number => {
    const low = bits | 0;
    if (low === h.READ_REFUSED) words[lowIndex] = h.HANDLED;
    return low;
  };
  // The watch's marks, written here (this code is self-contained) as src/sync/devices.ts
  // writes them on the general path: plain accesses (that file says why no Atomics).
  const enter = (watch: HandlerWatch) => {
    watch.words[watch.device] = mapped.watchMark;
  };
  const leave = (watch: HandlerWatch) => {
    watch.words[watch.device] = 0;
    if (watch.words[watch.state] === watch.outside) watch.evicted();
  };
  // A handler that threw: the depth and the watch are put back before the report (no
  // try/finally: it costs every call more than the catch alone).
  const failed = (offset: number, error: unknown, watch: HandlerWatch | undefined) => {
    calls.depth--;
    if (watch !== undefined) leave(watch);
    bus.lastFailure = { device: mapped.name, gpa: BigInt(start + offset), error };
  };
  return {
    read(gpaLow: number, gpaHigh: number, size: number): number {
      if (counting && left !== 0 && --left === 0) promote();
      const offset = (gpaLow - startLow) >>> 0;
      // In range, of a width the device takes, aligned.
      // (Refused, the caller's BUS_UNCLAIMED stands.)
      if (gpaHigh !== startHigh || offset + size > length || (widths & size) === 0 || (offset & (size - 1)) !== 0) return h.READ_REFUSED;
      const watch = bus.handlerWatch;
      if (watch !== undefined) enter(watch);
      calls.depth++;
      const inParts = size === 8 && readParts;
      let read: MmioValue = 0;
      try {
        if (inParts) {
          parts[0] = 0;
          parts[1] = 0;
          device.read64Parts!(offset, parts);
        } else {
          read = device.read(offset, size);
        }
      } catch (error) {
        failed(offset, error, watch);
        words[lowIndex] = h.DEVICE_ERROR;
        return h.READ_REFUSED;
      }
      calls.depth--;
      if (watch !== undefined) leave(watch);
      if (inParts) {
        const lowBits = parts[0]!;
        const highBits = parts[1]!;
        words[highIndex] = little ? highBits : h.swap32(lowBits);
        return answered(little ? lowBits : h.swap32(highBits));
      }
      if (typeof read === 'number' && size <= 4) {
        // memoryOrder's common case, inline.
        const bits = size === 4 ? read >>> 0 : read & (size === 2 ? 0xffff : 0xff);
        return answered(little || size === 1 ? bits : size === 2 ? h.swap16(bits) : h.swap32(bits));
      }
      if (typeof read === 'number' && little && read >= 0 && read < 2 ** 53) {
        // memoryOrder's 8-byte number case, inline.
        words[highIndex] = Math.floor(read / 2 ** 32);
        return answered(read >>> 0);
      }
      let low: number;
      try {
        low = h.memoryOrder(little, size, read, wide);
      } catch (error) {
        bus.lastFailure = { device: mapped.name, gpa: BigInt(start + offset), error };
        words[lowIndex] = h.DEVICE_ERROR;
        return h.READ_REFUSED;
      }
      if (size === 8) words[highIndex] = wide.high;
      return answered(low);
    },
    write(gpaLow: number, gpaHigh: number, size: number, low: number, high: number): number {
      if (counting && left !== 0 && --left === 0) promote();
      const offset = (gpaLow - startLow) >>> 0;
      if (gpaHigh !== startHigh || offset + size > length || (widths & size) === 0 || (offset & (size - 1)) !== 0) return h.UNCLAIMED;
      const inParts = size === 8 && writeParts;
      const value = inParts ? 0 : size === 8 ? h.registerValue(little, 8, low >>> 0, high >>> 0) : little || size === 1 ? low >>> 0 : size === 2 ? h.swap16(low) : h.swap32(low);
      const watch = bus.handlerWatch;
      if (watch !== undefined) enter(watch);
      calls.depth++;
      try {
        if (inParts) device.write64Parts!(offset, little ? low >>> 0 : h.swap32(high), little ? high >>> 0 : h.swap32(low));
        else device.write(offset, size, value);
      } catch (error) {
        failed(offset, error, watch);
        return h.DEVICE_ERROR;
      }
      calls.depth--;
      if (watch !== undefined) leave(watch);
      return h.HANDLED;
    },
  };
}

/** Calls through the shared code before an entry is replaced by its own copy (~1.5 ms of CPU, repaid at 3-5 ns a call: a device called this often in a loop is usually called far more). */
export const COPY_AFTER = 1 << 16;

let copies = 0;
let copying = true;
let source: string | undefined;

/** Sizes no device takes (its widths are among 1, 2, 4, 8): a guard on one answers what the width check would. */
const GUARD_SIZES = [16, 32, 64];

/**
 * entryCode's source (`source`) with `guards` (0 to 3) size guards first in its read and
 * write: the same entry, its machine code longer. Where the source does not have the
 * expected method heads (a minifier's), unchanged.
 */
export function guardedEntrySource(source: string, guards: number): string {
  const sizes = GUARD_SIZES.slice(0, guards);
  return source
    .replace('read(gpaLow, gpaHigh, size) {', (head) => head + sizes.map((size) => ` if (size === ${size}) return h.READ_REFUSED;`).join(''))
    .replace('write(gpaLow, gpaHigh, size, low, high) {', (head) => head + sizes.map((size) => ` if (size === ${size}) return h.UNCLAIMED;`).join(''));
}

const promoteNever = () => {};

/** A fresh copy of entryCode's entry for `mapped`, or undefined where the engine forbids compiling code (as under a strict CSP). */
function copiedEntry(h: EntryHelpers, mapped: Mapped, calls: { depth: number }, bus: EntryBus,
  words: Int32Array | Uint32Array, lowIndex: number): DeviceEntry | undefined {
  if (!copying) return undefined;
  try {
    source ??= entryCode.toString();
    // A distinct source each time: engines cache compiled code by its source text.
    const guarded = guardedEntrySource(source, copies % (GUARD_SIZES.length + 1));
    const copy = new Function(`return (${guarded});\n//# sourceURL=memslot-device-entry-${copies++}.js`)() as typeof entryCode;
    return copy(h, mapped, calls, bus, words, lowIndex, 0, promoteNever);
  } catch {
    copying = false;
    return undefined;
  }
}

/**
 * `mapped`'s entry: the shared code, which after COPY_AFTER calls hands `replace` the
 * device's own copy (once; never where compiling is forbidden). Without `replace`, the
 * copy at once where compiling is allowed.
 */
export function registerPathEntry(h: EntryHelpers, mapped: Mapped, calls: { depth: number }, bus: EntryBus,
  words: Int32Array | Uint32Array, lowIndex: number, replace?: (entry: DeviceEntry) => void): DeviceEntry {
  if (replace === undefined) return copiedEntry(h, mapped, calls, bus, words, lowIndex) ?? entryCode(h, mapped, calls, bus, words, lowIndex, 0, promoteNever);
  if (!copying) return entryCode(h, mapped, calls, bus, words, lowIndex, 0, promoteNever);
  // The call that reaches COPY_AFTER hands over the copy first, then finishes on the shared code.
  return entryCode(h, mapped, calls, bus, words, lowIndex, COPY_AFTER, () => {
    const copy = copiedEntry(h, mapped, calls, bus, words, lowIndex);
    if (copy !== undefined) replace(copy);
  });
}
