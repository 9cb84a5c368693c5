// Value helpers of the typed host accessors (src/fast-access.ts): width checks, the
// bus's rules for a handler's result, byte swaps, and single-copy atomic 8-byte RAM
// accesses without a bigint.

import type { MmioValue } from './mmio.js';

/** Whether `value` is an integer that `size` bytes hold, signed or unsigned. */
export function fits(value: unknown, size: 1 | 2 | 4): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= -(2 ** (8 * size - 1)) && value < 2 ** (8 * size);
}

/** The low `size` bytes of a handler's result that is not a number (the bus's rule). */
export function bigintBits(value: MmioValue, size: number): number {
  if (typeof value !== 'bigint') throw new TypeError(`read handler returned ${typeof value}, not a number or bigint`);
  return Number(BigInt.asUintN(8 * size, value));
}

/** A handler's 8-byte answer as the bus stores it (little: the device's byte order), as a u64. */
export function wide64(value: MmioValue, little: boolean): bigint {
  if (typeof value !== 'number' && typeof value !== 'bigint') throw new TypeError(`read handler returned ${typeof value}, not a number or bigint`);
  const bits = BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
  return little ? bits : swap64(bits);
}

export function swap(bits: number, size: number): number {
  if (size === 1) return bits;
  if (size === 2) return ((bits & 0xff) << 8) | (bits >>> 8);
  return (((bits & 0xff) << 24) | ((bits & 0xff00) << 8) | ((bits >>> 8) & 0xff00) | (bits >>> 24)) >>> 0;
}

export function swap64(bits: bigint): bigint {
  return (BigInt(swap(Number(bits & 0xffff_ffffn), 4)) << 32n) | BigInt(swap(Number(bits >> 32n), 4));
}

/** Single-copy atomic 8-byte RAM accesses (and a counter's atomic add) without a bigint: a tiny Wasm module over the machine's memory. */
export interface WideAccess {
  /** Loads the u64 at `address` (8-aligned): returns its low half, keeps the high one for high(). */
  load64(address: number): number;
  high(): number;
  store64(address: number, low: number, high: number): void;
  /** Adds 1 to the u64 at `address` (8-aligned) in one atomic step: returns the new value's low half, keeps the high one for high(). */
  add64(address: number): number;
}

/** The compiled module, unshared [0] and shared [1]: compiled once per process. */
const wideModules: Array<WebAssembly.Module | undefined> = [];

export function wideAccess(memory: WebAssembly.Memory): WideAccess {
  const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  const module = (wideModules[Number(shared)] ??= new WebAssembly.Module(wideAccessBytes(shared)));
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WideAccess;
}

function wideAccessBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  const text = (name: string) => [name.length, ...[...name].map((c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const I32 = 0x7f, I64 = 0x7e;
  const types = [3, 0x60, 1, I32, 1, I32, 0x60, 0, 1, I32, 0x60, 3, I32, I32, I32, 0];
  // env.memory: flags (1: has maximum, 3: shared), minimum 0 pages, maximum 65536 (LEB128 80 80 04).
  const imports = [1, ...text('env'), ...text('memory'), 0x02, shared ? 3 : 1, 0, 0x80, 0x80, 0x04];
  const body = (bytes: number[]) => [bytes.length, ...bytes];
  const code = [4,
    // load64: local 1 = i64.atomic.load(local 0); global 0 = high half; return low half.
    ...body([1, 1, I64, 0x20, 0, 0xfe, 0x11, 3, 0, 0x22, 1, 0x42, 32, 0x88, 0xa7, 0x24, 0, 0x20, 1, 0xa7, 0x0b]),
    // high: global 0.
    ...body([0, 0x23, 0, 0x0b]),
    // store64: i64.atomic.store(local 0, local 2 << 32 | local 1), halves zero-extended.
    ...body([0, 0x20, 0, 0x20, 2, 0xad, 0x42, 32, 0x86, 0x20, 1, 0xad, 0x84, 0xfe, 0x18, 3, 0, 0x0b]),
    // add64: local 1 = i64.atomic.rmw.add(local 0, 1) + 1; global 0 = high half; return low half.
    ...body([1, 1, I64, 0x20, 0, 0x42, 1, 0xfe, 0x1f, 3, 0, 0x42, 1, 0x7c, 0x22, 1, 0x42, 32, 0x88, 0xa7, 0x24, 0, 0x20, 1, 0xa7, 0x0b]),
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, [4, 0, 1, 2, 0]),
    ...section(6, [1, I32, 1, 0x41, 0, 0x0b]),
    ...section(7, [4, ...text('load64'), 0, 0, ...text('high'), 0, 1, ...text('store64'), 0, 2, ...text('add64'), 0, 3]),
    ...section(10, code),
  ]);
}

/** A Wasm device's read/write (its module's exports) called from JS without a bigint: a tiny Wasm module importing them. */
export interface RegisterAccess {
  /** read(offset, size): returns the low half of its u64, keeps the high one for high(). */
  read(offset: number, size: number): number;
  high(): number;
  /** write(offset, size, high:low). */
  write(offset: number, size: number, low: number, high: number): void;
}

let registerModule: WebAssembly.Module | undefined;

/** `read` and `write`: a device module's exports, (i32, i32) -> i64 and (i32, i32, i64) -> nothing (checked when it was added). */
export function registerAccess(read: WebAssembly.ImportValue, write: WebAssembly.ImportValue): RegisterAccess {
  registerModule ??= new WebAssembly.Module(registerAccessBytes());
  return new WebAssembly.Instance(registerModule, { env: { read, write } }).exports as unknown as RegisterAccess;
}

function registerAccessBytes(): Uint8Array<ArrayBuffer> {
  const text = (name: string) => [name.length, ...[...name].map((c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const body = (bytes: number[]) => [bytes.length, ...bytes];
  const I32 = 0x7f, I64 = 0x7e;
  // 0: the device's read, 1: its write, 2: read, 3: write, 4: high.
  const types = [5, 0x60, 2, I32, I32, 1, I64, 0x60, 3, I32, I32, I64, 0, 0x60, 2, I32, I32, 1, I32, 0x60, 4, I32, I32, I32, I32, 0, 0x60, 0, 1, I32];
  const imports = [2, ...text('env'), ...text('read'), 0, 0, ...text('env'), ...text('write'), 0, 1];
  const code = [3,
    // read: local 2 = env.read(local 0, local 1); global 0 = high half; return low half.
    ...body([1, 1, I64, 0x20, 0, 0x20, 1, 0x10, 0, 0x22, 2, 0x42, 32, 0x88, 0xa7, 0x24, 0, 0x20, 2, 0xa7, 0x0b]),
    // write: env.write(local 0, local 1, local 3 << 32 | local 2), halves zero-extended.
    ...body([0, 0x20, 0, 0x20, 1, 0x20, 3, 0xad, 0x42, 32, 0x86, 0x20, 2, 0xad, 0x84, 0x10, 1, 0x0b]),
    // high: global 0.
    ...body([0, 0x23, 0, 0x0b]),
  ];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, [3, 2, 3, 4]),
    ...section(6, [1, I32, 1, 0x41, 0, 0x0b]),
    ...section(7, [3, ...text('read'), 0, 2, ...text('write'), 0, 3, ...text('high'), 0, 4]),
    ...section(10, code),
  ]);
}
