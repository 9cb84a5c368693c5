// JS devices' entries in a core instance's function table: the read and the write the
// core (assembly/mem/access.ts) and its compiled loops (src/jit/access.ts) call with
// call_indirect when a TLB device hint names a JS device on the host bus. A table holds
// only Wasm functions, so a tiny binding module, compiled once per thread, imports a
// device's two closures and exports them again as Wasm functions, which go in the
// device's slots. (A module per slot pair, placing them with element segments, cost each
// new slot about 1.2 ms of compiling, 0.6 s for 509 devices, and gave each device its own
// Wasm-to-JS wrapper code: a compiled loop over 8 devices paid 2-3 ns an access more than
// over one. An instance of the one module costs about 50 µs.) Empty slots hold a vacant
// pair defined in Wasm that answers BUS_UNCLAIMED, which sends the access the general way.

import type { MemoryMap } from './core.js';

/** A JS device's register path for one core record (src/mmio.ts MmioBus.entryFor). */
export interface DeviceEntry {
  /**
   * A `size`-byte read at gpa: the low word read (memory order, as an int32; the high word
   * of 8 bytes in the record's REC_MMIO_DATA + 4), or READ_REFUSED with a BUS_* code in
   * REC_MMIO_DATA, where the caller put BUS_UNCLAIMED before the call (a word read that
   * equals READ_REFUSED comes with BUS_HANDLED there).
   */
  read(gpaLow: number, gpaHigh: number, size: number): number;
  /** A write of memory-order bytes high:low; returns a BUS_* code. */
  write(gpaLow: number, gpaHigh: number, size: number, low: number, high: number): number;
}

/**
 * A read entry's "see the code in REC_MMIO_DATA" (assembly/mem/access.ts READ_REFUSED):
 * the word read crosses as the i32 result, the rare codes beside it. An f64 result that
 * held either crossed about 1 ns slower (a micro-benchmark of the crossing); a code result
 * with the word stored in the record was 0.1-0.3 ns slower than this (guest-mmio bench, issue 20).
 */
export const READ_REFUSED = 0x4b1d_e5c3;

const I32 = 0x7f;
const text = (name: string) => [name.length, ...[...name].map((c) => c.charCodeAt(0))];
const unsigned = (value: number): number[] => (value < 0x80 ? [value] : [(value & 0x7f) | 0x80, ...unsigned(value >>> 7)]);
const signed = (value: number): number[] => (value >= -0x40 && value < 0x40 ? [value & 0x7f] : [(value & 0x7f) | 0x80, ...signed(value >> 7)]);
const section = (id: number, body: number[]) => [id, ...unsigned(body.length), ...body];
const HEADER = [0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0];
// Type 0: read (i32 gpaLow, i32 gpaHigh, i32 size) -> i32; type 1: write (i32 ×5) -> i32.
const TYPES = section(1, [2, 0x60, 3, I32, I32, I32, 1, I32, 0x60, 5, I32, I32, I32, I32, I32, 1, I32]);

// Imports d.read and d.write and exports them as read and write.
const BINDER = new Uint8Array([
  ...HEADER, ...TYPES,
  ...section(2, [2, ...text('d'), ...text('read'), 0x00, 0, ...text('d'), ...text('write'), 0x00, 1]),
  ...section(7, [2, ...text('read'), 0x00, 0, ...text('write'), 0x00, 1]),
]);

// Exports read (i32.const READ_REFUSED: the caller's BUS_UNCLAIMED stands) and write (i32.const 1: BUS_UNCLAIMED).
const READ_VACANT = [0, 0x41, ...signed(READ_REFUSED), 0x0b];
const WRITE_VACANT = [0, 0x41, 1, 0x0b];
const VACANT = new Uint8Array([
  ...HEADER, ...TYPES,
  ...section(3, [2, 0, 1]),
  ...section(7, [2, ...text('read'), 0x00, 0, ...text('write'), 0x00, 1]),
  ...section(10, [2, READ_VACANT.length, ...READ_VACANT, WRITE_VACANT.length, ...WRITE_VACANT]),
]);

// Per thread (a module instance's functions belong to its thread).
let binder: WebAssembly.Module | undefined;
let vacant: { read: WebAssembly.ExportValue; write: WebAssembly.ExportValue } | undefined;

function vacantPair(): { read: WebAssembly.ExportValue; write: WebAssembly.ExportValue } {
  vacant ??= new WebAssembly.Instance(new WebAssembly.Module(VACANT)).exports as { read: WebAssembly.ExportValue; write: WebAssembly.ExportValue };
  return vacant;
}

/** Reserves a new core instance's JS device slots (all vacant); call before anything else grows its table. */
export function reserveDeviceEntries(table: WebAssembly.Table, map: MemoryMap): void {
  const { read, write } = vacantPair();
  const first = map.JS_DEVICE_TABLE_BASE;
  if (table.length > first) throw new Error(`the core's table already holds ${table.length} entries, past its JS device slots at ${first}`);
  if (table.length < first) table.grow(first - table.length);
  table.grow(map.JS_DEVICE_MAX, read);
  table.grow(map.JS_DEVICE_MAX, write);
}

/** Puts `entry` in the slots of bus index `index` (below JS_DEVICE_MAX), or the vacant pair when undefined. */
export function setDeviceEntry(table: WebAssembly.Table, map: MemoryMap, index: number, entry: DeviceEntry | undefined): void {
  const readAt = map.JS_DEVICE_TABLE_BASE + index;
  const writeAt = readAt + map.JS_DEVICE_MAX;
  const { read, write } = entry === undefined ? vacantPair() : boundPair(entry);
  table.set(readAt, read as () => void);
  table.set(writeAt, write as () => void);
}

/** `entry`'s closures as Wasm functions. */
function boundPair(entry: DeviceEntry): { read: WebAssembly.ExportValue; write: WebAssembly.ExportValue } {
  binder ??= new WebAssembly.Module(BINDER);
  return new WebAssembly.Instance(binder, { d: { read: entry.read, write: entry.write } }).exports as { read: WebAssembly.ExportValue; write: WebAssembly.ExportValue };
}
