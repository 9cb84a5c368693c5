// The host's MMIO bus: devices by guest-physical range, one handler signature for
// all of them (TinyEMU's iomem), accesses split or widened to the widths a device
// declares (QEMU's access_with_adjusted_size).

import { MmioError, texts } from './errors.js';
import { optionalEndian, optionalInteger, requireInteger, requireObject, requireU64 } from './validate.js';
import type { Endian } from './values.js';
import { READ_REFUSED, type DeviceEntry } from './device-entries.js';
import { registerPathEntry, type EntryBus, type EntryHelpers } from './mmio-entry.js';

export const BUS_HANDLED = 0;
export const BUS_UNCLAIMED = 1;
export const BUS_DEVICE_ERROR = 2;

export type MmioValue = number | bigint;

export interface MmioDevice {
  name?: string;
  base: bigint | number | string;
  size: bigint | number | string;
  /** Address space the device decodes in (slot bits 16-31); default 0. */
  addressSpace?: number;
  /** Access sizes the handlers accept, from 1, 2, 4, 8; default all four. */
  widths?: readonly number[];
  /** Byte order of the device's registers; default 'little'. */
  endian?: Endian;
  /** Returns the register value: a number for sizes up to 4, a number or bigint for 8. */
  read(offset: number, size: number): MmioValue;
  /** `value` is a number for sizes up to 4 and a bigint for 8. */
  write(offset: number, size: number, value: MmioValue): void;
  /**
   * Optional, an 8-byte read without a bigint: sets `out[0]` to the low 32 bits of the
   * register value and `out[1]` to the high 32 (both start at 0; the value read(offset, 8)
   * would return is high * 2^32 + low, in the device's `endian` like it). When given, the
   * engine calls it for every 8-byte access in place of read(offset, 8). `out` is the
   * device's own, reused by every such call: a handler that makes a nested 8-byte access
   * to its own device sets it after that.
   */
  read64Parts?(offset: number, out: Uint32Array): void;
  /**
   * Optional, an 8-byte write without a bigint: `low` and `high` (unsigned 32-bit numbers)
   * are the value write(offset, 8, value) would get, high * 2^32 + low. When given, the
   * engine calls it for every 8-byte access in place of write(offset, 8, value).
   */
  write64Parts?(offset: number, low: number, high: number): void;
  /**
   * Optional, LD64B: the 64 bytes at `offset` (64-byte aligned) in memory order, read
   * as one single-copy-atomic access. A device without it refuses LD64B (a device error).
   */
  read64B?(offset: number): Uint8Array;
  /**
   * Optional, ST64B/ST64BV/ST64BV0: the 64 bytes written at `offset` (64-byte aligned),
   * memory order. With `withStatus` (ST64BV, ST64BV0) it returns the status the guest
   * gets in Xs (a u64 as number or bigint; undefined: all ones, "not supported").
   * A device without it refuses those stores (a device error).
   */
  write64B?(offset: number, bytes: Uint8Array, withStatus: boolean): MmioValue | undefined | void;
}

/** The core's 64-byte (LS64) access kinds, as assembly/mem/access.ts numbers them. */
export const BLOCK_LOAD = 0;
export const BLOCK_STORE = 1;
export const BLOCK_STORE_STATUS = 2;
/** ST64BV(0)'s status where the memory does not support a store with status. */
export const BLOCK_STATUS_UNSUPPORTED = (1n << 64n) - 1n;

export interface MmioRegistration {
  readonly name: string;
  unregister(): void;
}

export interface Mapped {
  name: string;
  as: number;
  start: number;
  end: number;
  device: MmioDevice;
  /** Supported widths, largest first; `accepts[w]` for the exact fast path. */
  widths: number[];
  accepts: boolean[];
  little: boolean;
  /** Whether the device has read64Parts / write64Parts (its 8-byte accesses go there). */
  readParts: boolean;
  writeParts: boolean;
  /** read64Parts's `out` (one per device, reused by each call). */
  parts: Uint32Array;
  /** Its index on the bus while registered (the core's device hints name it). */
  index: number;
  /** What a vCPU thread's watch writes while its handler runs (src/sync/devices.ts; 0 on other buses). */
  watchMark: number;
}

/** Where a bus's devices have register-path entries (a core instance's table): told when one goes. */
export interface EntrySink {
  deviceRemoved(mapped: Mapped): void;
}

/**
 * Around each handler call of the register path, a vCPU thread's bus names the device in
 * its record: words[device] = the device's watchMark before the call, 0 after; then, if
 * words[state] is `outside` (the watchdog took the vCPU out meanwhile), `evicted()` throws
 * and the access's result is dropped. Words, not methods: the entry writes them inline.
 */
export interface HandlerWatch {
  readonly words: Int32Array;
  readonly device: number;
  readonly state: number;
  readonly outside: number;
  evicted(): never;
}

/** What the last BUS_DEVICE_ERROR was. */
export interface DeviceFailure {
  device: string;
  gpa: bigint;
  error: unknown;
}

const ALL_WIDTHS = [8, 4, 2, 1];
/** Devices decode below 2^53 (every real physical address space fits), so addresses stay exact JS numbers. */
const ADDRESS_LIMIT = 2 ** 53;

export class MmioBus {
  private readonly spaces: Mapped[][];
  private lastHit: Mapped | undefined;
  /** Registered devices by index; a removed device's index is free for the next one. */
  private readonly indexed: (Mapped | undefined)[] = [];
  private anonymous = 0;
  /** The live sinks told of every device added or removed (held weakly: an accessor may go). */
  private readonly sinks = new Set<WeakRef<EntrySink>>();
  private readonly sinkRefs = new WeakMap<EntrySink, WeakRef<EntrySink>>();
  /** Set by a vCPU thread's bus (src/sync/devices.ts). */
  protected handlerWatch: HandlerWatch | undefined;
  /** After accessBlock of a BLOCK_STORE_STATUS: the status for Xs. */
  blockStatus = BLOCK_STATUS_UNSUPPORTED;
  /** Scratch for widened register accesses. */
  private readonly scratch = new DataView(new ArrayBuffer(8));
  lastFailure: DeviceFailure | undefined;
  /** Bumped by every registration and removal, so a cache of device ranges knows it is stale. */
  generation = 0;

  /** A bus decoding `addressSpaces` (1..65536) address spaces. */
  constructor(private readonly addressSpaces: number) {
    requireInteger(MmioError, 'addressSpaces', addressSpaces, 1, 0x10000);
    this.spaces = Array.from({ length: addressSpaces }, () => []);
  }

  /** Adds a device; throws MmioError (changing nothing) on a bad shape or an overlap. */
  register(device: MmioDevice): MmioRegistration {
    const fields = requireObject(MmioError, 'device', device);
    if (fields.name !== undefined && typeof fields.name !== 'string') throw new MmioError('EINVAL', texts.deviceShape('?', 'name must be a string'));
    const name = device.name ?? `device${this.anonymous}`;
    const base = requireU64(MmioError, `device ${name}: base`, device.base);
    const size = requireU64(MmioError, `device ${name}: size`, device.size);
    if (size === 0n) throw new MmioError('EINVAL', texts.deviceShape(name, 'size must be a positive integer'));
    if (base + size > BigInt(ADDRESS_LIMIT)) throw new MmioError('EINVAL', texts.deviceShape(name, 'base + size must not exceed 2^53'));
    const as = optionalInteger(MmioError, `device ${name}: addressSpace`, device.addressSpace, 0, 0, this.addressSpaces - 1);
    const declared: unknown = device.widths === undefined ? ALL_WIDTHS : device.widths;
    if (!Array.isArray(declared) || declared.length === 0 || declared.some((w) => !ALL_WIDTHS.includes(w))) {
      throw new MmioError('EINVAL', texts.deviceShape(name, 'widths must be a non-empty array of 1, 2, 4, 8'));
    }
    const widths = [...new Set(declared as number[])].sort((a, b) => b - a);
    const endian = optionalEndian(MmioError, `device ${name}: endian`, device.endian);
    if (typeof device.read !== 'function' || typeof device.write !== 'function') {
      throw new MmioError('EINVAL', texts.deviceShape(name, 'read and write handlers are required'));
    }
    for (const optional of ['read64B', 'write64B', 'read64Parts', 'write64Parts'] as const) {
      if (device[optional] !== undefined && typeof device[optional] !== 'function') {
        throw new MmioError('EINVAL', texts.deviceShape(name, `${optional} must be a function when given`));
      }
    }
    const space = this.spaces[as]!;
    const start = Number(base);
    const end = Number(base + size);
    const clash = space.find((other) => other.start < end && start < other.end);
    if (clash) throw new MmioError('EEXIST', texts.deviceOverlap(name, clash.name));
    const accepts = Array.from({ length: 9 }, (_, width) => widths.includes(width));
    const free = this.indexed.indexOf(undefined);
    const index = free >= 0 ? free : this.indexed.length;
    const mapped: Mapped = {
      name, as, start, end, device, widths, accepts, little: endian === 'little',
      readParts: device.read64Parts !== undefined, writeParts: device.write64Parts !== undefined, parts: new Uint32Array(2), index,
      watchMark: 0,
    };
    this.registered(mapped);
    if (device.name === undefined) this.anonymous++;
    this.indexed[index] = mapped;
    space.push(mapped);
    space.sort((a, b) => a.start - b.start);
    this.generation++;
    return {
      name,
      unregister: () => {
        const index = space.indexOf(mapped);
        if (index >= 0) space.splice(index, 1);
        const current = this.indexed[mapped.index] === mapped;
        if (current) this.indexed[mapped.index] = undefined;
        this.generation++;
        if (this.lastHit === mapped) this.lastHit = undefined;
        if (current) this.tellSinks(mapped);
      },
    };
  }

  /** Removes every device (as each one's unregister) and forgets the last failure: the bus as constructed. */
  clear(): void {
    for (const space of this.spaces) {
      for (const mapped of space.splice(0)) {
        this.indexed[mapped.index] = undefined;
        this.tellSinks(mapped);
      }
    }
    this.indexed.length = 0;
    this.generation++;
    this.lastHit = undefined;
    this.lastFailure = undefined;
    this.blockStatus = BLOCK_STATUS_UNSUPPORTED;
    this.anonymous = 0;
  }

  /** Told of each device as it is registered, before register returns (a subclass names it). */
  protected registered(_mapped: Mapped): void {}

  /** Tells `sink` of each device removed from now on (before the removal returns). */
  addSink(sink: EntrySink): void {
    const ref = new WeakRef(sink);
    this.sinkRefs.set(sink, ref);
    this.sinks.add(ref);
  }

  /** Stops telling `sink` (Machine.reset: a retired vCPU's accessor). */
  removeSink(sink: EntrySink): void {
    const ref = this.sinkRefs.get(sink);
    if (ref) this.sinks.delete(ref);
    this.sinkRefs.delete(sink);
  }

  private tellSinks(mapped: Mapped): void {
    for (const ref of this.sinks) {
      const sink = ref.deref();
      if (sink) sink.deviceRemoved(mapped);
      else this.sinks.delete(ref);
    }
  }

  /** The device decoding `gpa` in `as`, if any. */
  find(as: number, gpa: number): Mapped | undefined {
    const hit = this.lastHit;
    if (hit !== undefined && hit.as === as && gpa >= hit.start && gpa < hit.end) return hit;
    const space = this.spaces[as];
    if (!space) return undefined;
    let low = 0;
    let high = space.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (space[middle]!.end <= gpa) low = middle + 1;
      else high = middle;
    }
    const found = space[low];
    if (found && found.start <= gpa) {
      this.lastHit = found;
      return found;
    }
    return undefined;
  }

  /**
   * `mapped`'s register path for one core record: a `size`-byte (1, 2, 4, 8) access at
   * gpa (two u32 halves) in address space 0 as one handler call, when the device decodes
   * all of it at a width it takes (else BUS_UNCLAIMED, no handler called). Widths, byte
   * order and range are fixed here, so a call does no look-up. A write returns a BUS_*
   * code (BUS_DEVICE_ERROR if the handler threw). A read returns the low word of the bytes
   * read in memory order as a little-endian value, as an int32 (the high word of 8 goes
   * to `words[lowIndex + 1]`), or READ_REFUSED (device-entries.ts) with a BUS_* code in
   * `words[lowIndex]`, which the caller sets to BUS_UNCLAIMED before the call (the code
   * is only written where it is another). `calls.depth` counts the handler calls under way.
   * With `replace`, the entry may later hand it a faster one for the same device (mmio-entry.ts).
   */
  entryFor(mapped: Mapped, calls: { depth: number }, words: Int32Array | Uint32Array, lowIndex: number,
    replace?: (entry: DeviceEntry) => void): DeviceEntry {
    // The entry reads the watch this class keeps for its vCPU-thread subclass (src/sync/devices.ts).
    return registerPathEntry(ENTRY_HELPERS, mapped, calls, this as unknown as EntryBus, words, lowIndex, replace);
  }

  /**
   * Performs `size` bytes at `gpa`, whose bytes (memory order) are at `at` in `data`:
   * read into it or written from it. Returns BUS_HANDLED, BUS_UNCLAIMED or BUS_DEVICE_ERROR.
   */
  access(as: number, gpa: number, write: boolean, data: DataView, at: number, size: number): number {
    let done = 0;
    while (done < size) {
      const address = gpa + done;
      const mapped = this.find(as, address);
      if (mapped === undefined) return BUS_UNCLAIMED;
      const length = Math.min(size - done, mapped.end - address);
      try {
        this.deviceAccess(mapped, address - mapped.start, write, data, at + done, length);
      } catch (error) {
        this.lastFailure = { device: mapped.name, gpa: BigInt(address), error };
        return BUS_DEVICE_ERROR;
      }
      done += length;
    }
    return BUS_HANDLED;
  }

  /**
   * An LS64 access: the 64 bytes at `gpa` (64-byte aligned) of `as` as ONE call of the
   * device's read64B (op BLOCK_LOAD, into `data`) or write64B (from `data`), never split.
   * BLOCK_STORE_STATUS leaves the device's status in blockStatus. BUS_UNCLAIMED when no
   * device decodes any of it; BUS_DEVICE_ERROR (lastFailure says why, no handler ran)
   * when `builtin` (a built-in or Wasm device decodes part of it: those take no 64-byte
   * access), when it runs past one device's range, or the device has no such handler;
   * or when the handler threw or answered with something else than documented.
   */
  accessBlock(as: number, gpa: number, op: number, builtin: boolean, data: Uint8Array): number {
    const touching = this.spaces[as]?.filter((other) => other.start < gpa + 64 && gpa < other.end) ?? [];
    if (touching.length === 0 && !builtin) return BUS_UNCLAIMED;
    const mapped = touching[0];
    const refuse = (why: string) => {
      this.lastFailure = { device: mapped?.name ?? 'built-in device', gpa: BigInt(gpa), error: new MmioError('EINVAL', texts.deviceShape(mapped?.name ?? 'built-in', why)) };
      return BUS_DEVICE_ERROR;
    };
    if (builtin) return refuse('built-in and Wasm devices take no 64-byte (LS64) access');
    if (touching.length > 1 || mapped!.start > gpa || mapped!.end < gpa + 64) return refuse(`the 64-byte access at 0x${gpa.toString(16)} is not inside one device`);
    const device = mapped!.device;
    const handler = op === BLOCK_LOAD ? device.read64B : device.write64B;
    if (typeof handler !== 'function') return refuse(`no ${op === BLOCK_LOAD ? 'read64B' : 'write64B'} handler for a 64-byte (LS64) access`);
    const offset = gpa - mapped!.start;
    try {
      if (op === BLOCK_LOAD) {
        const bytes: unknown = device.read64B!(offset);
        if (!(bytes instanceof Uint8Array) || bytes.length !== 64) throw new TypeError(`read64B returned ${describeBytes(bytes)}, not 64 bytes (a Uint8Array)`);
        data.set(bytes);
      } else {
        const answer: unknown = device.write64B!(offset, data.slice(), op === BLOCK_STORE_STATUS);
        if (op === BLOCK_STORE_STATUS) this.blockStatus = statusOf(answer);
      }
      return BUS_HANDLED;
    } catch (error) {
      this.lastFailure = { device: mapped!.name, gpa: BigInt(gpa), error };
      return BUS_DEVICE_ERROR;
    }
  }

  // One register access when the device takes this width at this alignment;
  // otherwise split into its widths, or widened to the enclosing aligned register:
  // reads extract the bytes, writes send zeros in the bytes the guest did not write.
  private deviceAccess(mapped: Mapped, offset: number, write: boolean, data: DataView, at: number, length: number): void {
    if (mapped.accepts[length] === true && offset % length === 0) {
      if (write) writeRegister(mapped, offset, length, data, at);
      else readRegister(mapped, offset, length, data, at);
      return;
    }
    const register = this.scratch;
    let done = 0;
    while (done < length) {
      const address = offset + done;
      const left = length - done;
      const exact = mapped.widths.find((w) => w <= left && address % w === 0);
      const width = exact ?? mapped.widths[mapped.widths.length - 1]!;
      const window = address - (address % width);
      const skip = address - window;
      const take = Math.min(left, width - skip);
      if (write) {
        setValue(register, 0, 8, 0n, true);
        for (let i = 0; i < take; i++) register.setUint8(skip + i, data.getUint8(at + done + i));
        writeRegister(mapped, window, width, register, 0);
      } else {
        readRegister(mapped, window, width, register, 0);
        for (let i = 0; i < take; i++) data.setUint8(at + done + i, register.getUint8(skip + i));
      }
      done += take;
    }
  }
}

/**
 * A read handler's value as memory-order bytes (setValue's conversions): returns the low
 * word, puts the high one of an 8-byte value in `out.high`.
 */
function memoryOrder(little: boolean, size: number, value: MmioValue, out: { high: number }): number {
  if (typeof value === 'number' && size <= 4) {
    const bits = size === 4 ? value >>> 0 : size === 2 ? value & 0xffff : value & 0xff;
    return little || size === 1 ? bits : size === 2 ? swap16(bits) : swap32(bits);
  }
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw new TypeError(`read handler returned ${typeof value}, not a number or bigint`);
  }
  let low: number;
  let high: number;
  if (typeof value === 'number' && value >= 0 && value < 2 ** 53) {
    // No bigint for the common case: ToUint32 truncates and keeps the low word.
    low = value >>> 0;
    high = Math.floor(value / 2 ** 32);
  } else {
    const wide = BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
    if (size < 8) return memoryOrder(little, size, Number(BigInt.asUintN(32, wide)), out);
    low = Number(wide & 0xffff_ffffn);
    high = Number(wide >> 32n);
  }
  out.high = little ? high : swap32(low);
  return little ? low : swap32(high);
}

const ENTRY_HELPERS: EntryHelpers = {
  memoryOrder, registerValue, swap16, swap32, HANDLED: BUS_HANDLED, UNCLAIMED: BUS_UNCLAIMED, DEVICE_ERROR: BUS_DEVICE_ERROR, READ_REFUSED,
};

function describeBytes(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
}

/** write64B's answer as the u64 status: undefined is all ones (no store with status); a u64 number or bigint as it is. */
function statusOf(answer: unknown): bigint {
  if (answer === undefined) return BLOCK_STATUS_UNSUPPORTED;
  const wide = typeof answer === 'bigint' ? answer : typeof answer === 'number' && Number.isSafeInteger(answer) ? BigInt(answer) : undefined;
  if (wide === undefined || wide < 0n || wide > BLOCK_STATUS_UNSUPPORTED) throw new TypeError(`write64B returned ${String(answer)}, not a u64 status`);
  return wide;
}

function swap16(bits: number): number {
  return ((bits & 0xff) << 8) | ((bits >>> 8) & 0xff);
}

function swap32(bits: number): number {
  return (((bits & 0xff) << 24) | ((bits & 0xff00) << 8) | ((bits >>> 8) & 0xff00) | (bits >>> 24)) >>> 0;
}

/** The handler's value for memory-order bytes `low`/`high` (unsigned words) in the device's byte order. */
function registerValue(little: boolean, size: number, low: number, high: number): MmioValue {
  if (size === 8) return little ? wideValue(low, high) : wideValue(swap32(high), swap32(low));
  return little || size === 1 ? low : size === 2 ? swap16(low) : swap32(low);
}

// A u64 from two words as ONE bigint, whatever their values: the words go to a pair that
// a 64-bit array views (in the host's byte order), whose element is read. Node 20, one
// process: ~12 ns an 8-byte write's value; BigInt(high) << 32n | BigInt(low) allocates
// four, 10-19 ns for small words and 34-75 once a word has its top bit set; the same
// arithmetic on int32 words that TurboFan lowers takes 6-10 ns for small words, 35 for
// large ones. A BigInt(low) shortcut for a high word of 0 (3-6 ns alone) made the guest
// MMIO bench's str 8 rows swing between 18 and 62 ns (compiled) run to run (issue 20).
const pairWords = new Uint32Array(2);
const pairWide = new BigUint64Array(pairWords.buffer);
const LOW_WORD = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** The u64 high:low (unsigned words) as a bigint. */
function wideValue(low: number, high: number): bigint {
  pairWords[LOW_WORD] = low;
  pairWords[1 - LOW_WORD] = high;
  return pairWide[0]!;
}

/** One register read of `width` bytes into `view` at `at` (memory order); 8 bytes through read64Parts when the device has it. */
function readRegister(mapped: Mapped, offset: number, width: number, view: DataView, at: number): void {
  if (width !== 8 || !mapped.readParts) {
    setValue(view, at, width, mapped.device.read(offset, width), mapped.little);
    return;
  }
  const parts = mapped.parts;
  parts[0] = 0;
  parts[1] = 0;
  mapped.device.read64Parts!(offset, parts);
  const little = mapped.little;
  view.setUint32(at, little ? parts[0]! : parts[1]!, little);
  view.setUint32(at + 4, little ? parts[1]! : parts[0]!, little);
}

/** One register write of the `width` bytes at `at` in `view`; 8 bytes through write64Parts when the device has it. */
function writeRegister(mapped: Mapped, offset: number, width: number, view: DataView, at: number): void {
  if (width !== 8 || !mapped.writeParts) {
    mapped.device.write(offset, width, getValue(view, at, width, mapped.little));
    return;
  }
  const little = mapped.little;
  mapped.device.write64Parts!(offset, view.getUint32(little ? at : at + 4, little), view.getUint32(little ? at + 4 : at, little));
}

function getValue(view: DataView, at: number, width: number, little: boolean): MmioValue {
  switch (width) {
    case 1: return view.getUint8(at);
    case 2: return view.getUint16(at, little);
    case 4: return view.getUint32(at, little);
    default: return view.getBigUint64(at, little);
  }
}

function setValue(view: DataView, at: number, width: number, value: MmioValue, little: boolean): void {
  if (typeof value === 'number' && width <= 4) {
    if (width === 4) view.setUint32(at, value >>> 0, little);
    else if (width === 2) view.setUint16(at, value & 0xffff, little);
    else view.setUint8(at, value & 0xff);
    return;
  }
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw new TypeError(`read handler returned ${typeof value}, not a number or bigint`);
  }
  const wide = BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(Math.trunc(value)));
  if (width === 8) view.setBigUint64(at, wide, little);
  else setValue(view, at, width, Number(BigInt.asUintN(32, wide)), little);
}
