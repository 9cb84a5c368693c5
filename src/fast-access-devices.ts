// The typed host accessors' device entries (src/fast-access.ts builds its RAM entry and
// public accessors on this class). An access inside the cached JS-device range calls the
// handler directly (no core round trip, no DataView); on a miss, the entry kept for gpa's
// page (one per page, direct-mapped) comes back in one call, so going round devices skips
// the recent-range table. A scratch or counter device is
// served from JS by the local entry, checked right after RAM's: a scratch device's bytes
// are read and written like RAM's, a counter's read-and-bump or store is one atomic access
// to its u64 (the core's operation, so each read on any thread takes one value). One
// inside the cached Wasm-device range skips every check the range has proved: the
// device's read or write (the functions the host core's table holds) called from JS
// through a tiny Wasm module that splits the u64 (registerAccess: no BigInt, no core
// call, no record). Staleness: no entry is checked on an access; the machine drops them all
// (dropDeviceEntries) on every change that could make one stale (src/fast-access.ts says
// which).

import type { CoreAccessor } from './accessor.js';
import type { MemoryMap } from './core.js';
import { AccessError, texts } from './errors.js';
import { bigintBits, registerAccess, swap, swap64, wide64, wideAccess, type RegisterAccess, type WideAccess } from './fast-access-values.js';
import { DEVICE_PAGES, NO_ADDRESS, noExit, VIA_NONE, VIA_JS, VIA_BUILTIN, VIA_LOCAL, type DeviceRange, type BuiltinRange } from './fast-access-ranges.js';
import type { Mapped, MmioBus, MmioValue } from './mmio.js';
import type { SlotTable } from './slots.js';
import { describeThrown } from './values.js';
import { wasmDeviceBindings } from './wasm-device.js';

/** What the typed accessors need from their machine. */
export interface TypedAccessParts {
  memory: WebAssembly.Memory;
  map: MemoryMap;
  table: SlotTable;
  bus: MmioBus;
  host: CoreAccessor;
}

/** 1 / 4096: gpa * PAGE_FRACTION is gpa's page number (exact, and a multiply is cheaper than a divide). */
const PAGE_FRACTION = 1 / 4096;

/** What the JS-device entry holds, kept per page (DeviceAccess.pageDevices) so a miss takes it back in a few stores. */
interface DeviceEntry {
  start: number;
  end: number;
  base: number;
  widths: number;
  little: boolean;
  mapped: Mapped | undefined;
}

/** The entry no page has yet (serves nothing; never changed: a page's entry is replaced whole). */
const NO_ENTRY: DeviceEntry = { start: NO_ADDRESS, end: NO_ADDRESS, base: NO_ADDRESS, widths: 0, little: true, mapped: undefined };

export abstract class DeviceAccess {
  protected fastMemory = new Uint8Array(0);
  protected fastU16 = new Uint16Array(0);
  protected fastU32 = new Uint32Array(0);
  protected fastI32 = new Int32Array(0);
  protected fastU64 = new BigUint64Array(0);
  protected fastView = new DataView(new ArrayBuffer(0));
  protected fastParts: TypedAccessParts | undefined;
  protected wide: WideAccess | undefined;
  /** Int32 index of the built-in device count. */
  protected builtinCountIndex = 0;
  /** Uint32 index of the host record's exit word. */
  private recExitIndex = 0;
  /** Int32 index of the low word of the host record's MMIO counter. */
  private mmioCountIndex = 0;

  // Device: [deviceStart, deviceEnd) (within one device, no slot, no built-in device),
  // at offset gpa - deviceBase; deviceWidths has bit w set for each width it takes.
  private deviceStart = NO_ADDRESS;
  private deviceEnd = NO_ADDRESS;
  private deviceBase = NO_ADDRESS;
  private deviceWidths = 0;
  protected deviceLittle = true;
  private deviceMapped: Mapped | undefined;
  /**
   * The device entries made before, by page (direct-mapped on the page number): going round
   * devices takes each back without the recent-range table's look-up.
   */
  private readonly pageDevices: DeviceEntry[] = new Array<DeviceEntry>(DEVICE_PAGES).fill(NO_ENTRY);

  // Scratch or counter device (the local entry): [localStart, localEnd) (no slot, no
  // built-in before it), any width and alignment. A scratch device's byte at gpa is at
  // memory address gpa + localDelta; a counter's u64 is at localCounter (0 for scratch).
  private localStart = NO_ADDRESS;
  private localEnd = NO_ADDRESS;
  private localDelta = NO_ADDRESS;
  protected localCounter = 0;

  // Wasm device `builtinIndex`: [builtinStart, builtinEnd) (no slot, no built-in before
  // it), at offset gpa - builtinBase; builtinWidths has bit w set for each width it takes,
  // aligned when builtinAligned; its registers big-endian when builtinBig, its handlers
  // called through builtinRegisters.
  private builtinStart = NO_ADDRESS;
  private builtinEnd = NO_ADDRESS;
  private builtinIndex = 0;
  private builtinWidths = 0;
  private builtinAligned = false;
  private builtinBase = NO_ADDRESS;
  private builtinBig = false;
  private builtinRegisters: RegisterAccess | undefined;
  /** Each Wasm device's registerAccess, by entry, with the read it was made for. */
  private readonly registerAccesses = new Map<number, { read: unknown; registers: RegisterAccess }>();
  /** After builtinRead of 8 bytes: the high 32 bits of the value. */
  protected builtinHigh = 0;

  /** Binds the memory views and the record's words; called once by bindTypedAccess. */
  protected bindDeviceAccess(parts: TypedAccessParts): void {
    const buffer = parts.memory.buffer;
    this.fastMemory = new Uint8Array(buffer);
    this.fastU16 = new Uint16Array(buffer);
    this.fastU32 = new Uint32Array(buffer);
    this.fastI32 = new Int32Array(buffer);
    this.fastU64 = new BigUint64Array(buffer);
    this.fastView = new DataView(buffer);
    this.fastParts = parts;
    this.wide = wideAccess(parts.memory);
    const map = parts.map;
    this.builtinCountIndex = (map.CONTROL_BASE + map.CTRL_BUILTIN_COUNT) >> 2;
    this.mmioCountIndex = (parts.host.record + map.REC_COUNTERS + map.CNT_MMIO) >> 2;
    this.recExitIndex = (parts.host.record + map.REC_EXIT) >> 2;
  }

  /** Makes the device range recorded for gpa's page (if any) the entry; which entry serves this access. */
  protected abstract recentDevice(gpa: number, size: number): number;

  /** Which device entry serves this access (VIA_*), after taking a recent device range for gpa's page on a miss. */
  protected deviceFor(gpa: number, size: number): number {
    // While both entries are valid their ranges are disjoint (the JS-device range stops short of every built-in device).
    return this.deviceServes(gpa, size) ? VIA_JS : this.builtinServes(gpa, size) ? VIA_BUILTIN : this.deviceMissed(gpa, size);
  }

  /** Empties the JS-device, local and Wasm-device entries and every kept one: each serves nothing until refilled. */
  protected dropDeviceEntries(): void {
    this.deviceStart = this.deviceEnd = NO_ADDRESS;
    this.deviceWidths = 0;
    this.deviceMapped = undefined;
    this.localStart = this.localEnd = NO_ADDRESS;
    this.builtinStart = this.builtinEnd = NO_ADDRESS;
    this.builtinWidths = 0;
    this.builtinRegisters = undefined;
    this.pageDevices.fill(NO_ENTRY);
  }

  /**
   * deviceFor when neither entry serves: the device entry kept for gpa's page when it
   * serves the access (deviceServes' checks, on the kept entry), which then becomes the
   * entry; else the recent-range table's. A hit makes no further call: where V8 does not
   * inline this one, gpa is boxed once.
   */
  protected deviceMissed(gpa: number, size: number): number {
    if (typeof gpa !== 'number') return VIA_NONE;
    // ToInt32 of the page number keeps its low bits (gpa is below 2^53, its page below 2^41).
    const kept = this.pageDevices[(gpa * PAGE_FRACTION) & (DEVICE_PAGES - 1)]!;
    const offset = gpa - kept.base;
    if (gpa < kept.start || gpa + size > kept.end || (kept.widths & size) === 0 || offset >>> 0 !== offset || (offset & (size - 1)) !== 0) {
      return this.recentDevice(gpa, size);
    }
    this.deviceStart = kept.start;
    this.deviceEnd = kept.end;
    this.deviceBase = kept.base;
    this.deviceWidths = kept.widths;
    this.deviceLittle = kept.little;
    this.deviceMapped = kept.mapped;
    return VIA_JS;
  }

  /**
   * Writes `size` bytes (memory order: high:low, both u32, above `size` zero) through the
   * device entry that serves them; false, doing nothing, when none does.
   */
  protected deviceWriteFor(gpa: number, size: number, low: number, high: number): boolean {
    // The common cases' checks here, the rest in a call: short enough for V8 to inline into the accessors (issue 20).
    if (size !== 8 && this.deviceServes(gpa, size) && this.deviceLittle) this.deviceWriteValue(gpa - this.deviceBase, size, low);
    else if (this.builtinServes(gpa, size)) this.builtinWrite(gpa - this.builtinBase, size, low, high);
    else return this.writeMissed(gpa, size, low, high);
    return true;
  }

  /** deviceWriteFor where the built-in entry does not serve: the device entry's other cases, else a miss (deviceMissed). */
  private writeMissed(gpa: number, size: number, low: number, high: number): boolean {
    const via = this.deviceServes(gpa, size) ? VIA_JS : this.deviceMissed(gpa, size);
    if (via === VIA_BUILTIN) this.builtinWrite(gpa - this.builtinBase, size, low, high);
    else if (via !== VIA_JS) return false;
    else if (size === 8 && this.deviceMapped!.writeParts) this.deviceWrite64Parts(gpa - this.deviceBase, low, high);
    else if (size === 8) this.deviceWriteValue(gpa - this.deviceBase, 8, (BigInt(high) << 32n) | BigInt(low));
    else this.deviceWriteValue(gpa - this.deviceBase, size, this.deviceLittle ? low : swap(low, size));
    return true;
  }

  /** Makes `found` the JS or built-in device entry; which entry serves this access. */
  protected promoteDevice(found: DeviceRange | BuiltinRange, gpa: number, size: number): number {
    if (found.builtin && (found.scratch !== 0 || found.counter !== 0)) {
      this.localStart = found.start;
      this.localEnd = found.end;
      // A counter's offsets (all below its size) stand for its one u64.
      this.localDelta = found.scratch !== 0 ? found.scratch - found.base : -found.start;
      this.localCounter = found.counter;
      return gpa >= this.localStart && gpa + size <= this.localEnd && (gpa + this.localDelta) >>> 0 === gpa + this.localDelta ? VIA_LOCAL : VIA_NONE;
    }
    if (found.builtin) {
      this.builtinStart = found.start;
      this.builtinEnd = found.end;
      this.builtinIndex = found.index;
      this.builtinWidths = found.widths;
      this.builtinAligned = found.aligned;
      this.builtinBase = found.base;
      this.builtinBig = found.big;
      this.builtinRegisters = this.registersOf(found.index);
      return this.builtinServes(gpa, size) ? VIA_BUILTIN : VIA_NONE;
    }
    const mapped = found.mapped;
    this.deviceStart = found.start;
    this.deviceEnd = found.end;
    this.deviceBase = mapped.start;
    this.deviceWidths = found.widths;
    this.deviceLittle = mapped.little;
    this.deviceMapped = mapped;
    this.pageDevices[(gpa * PAGE_FRACTION) & (DEVICE_PAGES - 1)] = { start: found.start, end: found.end, base: mapped.start, widths: found.widths, little: mapped.little, mapped };
    return this.deviceServes(gpa, size) ? VIA_JS : VIA_NONE;
  }

  /**
   * When the local entry serves [gpa, gpa+size), having counted the access (as countMmio,
   * written out: this path must not depend on V8 inlining one more call): for a scratch
   * device the memory address of its bytes, for a counter (localCounter set) its offset.
   * Else -1.
   */
  protected localAt(gpa: number, size: number): number {
    if (typeof gpa !== 'number' || gpa < this.localStart || gpa + size > this.localEnd) return -1;
    const at = gpa + this.localDelta;
    // Also refuses a fractional gpa (and NaN, which passed the compares).
    if (at >>> 0 !== at) return -1;
    const words = this.fastI32;
    const index = this.mmioCountIndex;
    // In int32 arithmetic (no float add or compare): the low word wrapped to 0 carries.
    if ((words[index] = (words[index]! + 1) | 0) === 0) words[index + 1] = (words[index + 1]! + 1) | 0;
    return at;
  }

  /**
   * Writes `size` bytes of `value` (an integer of any sign that `size` bytes hold: the
   * caller checked) through the local entry; false, doing nothing, when it does not serve them.
   */
  protected localWrite(gpa: number, size: 1 | 2 | 4, value: number): boolean {
    // The store in a call: this stays small enough for V8 to inline for free, which leaves
    // its inlining budget to the JS-device write path (the store inline cost that row ~2 ns).
    const at = this.localAt(gpa, size);
    if (at >= 0) this.localStore(at, size, value);
    return at >= 0;
  }

  /** localWrite's store at memory address `at` (a scratch device's) or into the counter. */
  private localStore(at: number, size: 1 | 2 | 4, value: number): void {
    // A counter stores the value's `size` low bytes, as the core's atomic.store.
    if (this.localCounter !== 0) this.wide!.store64(this.localCounter, size === 4 ? value | 0 : value & (size === 2 ? 0xffff : 0xff), 0);
    else if (size === 1) this.fastMemory[at] = value;
    else if (size === 2 && (at & 1) === 0) this.fastU16[at >>> 1] = value;
    else if (size === 4 && (at & 3) === 0) this.fastU32[at >>> 2] = value;
    else if (size === 2) this.fastView.setUint16(at, value, true);
    else this.fastView.setUint32(at, value, true);
  }

  /** Whether the built-in entry serves a `size`-byte access at `gpa` (an integer offset into it) without the core's checks. */
  protected builtinServes(gpa: number, size: number): boolean {
    if (typeof gpa !== 'number' || gpa < this.builtinStart || gpa + size > this.builtinEnd || (this.builtinWidths & size) === 0) return false;
    const offset = gpa - this.builtinBase;
    // Also refuses a fractional gpa (and NaN, which passed the compares).
    return offset >>> 0 === offset && (!this.builtinAligned || (offset & (size - 1)) === 0);
  }

  /** Wasm device `index`'s registerAccess over the handlers the host core's table holds (made once per device). */
  private registersOf(index: number): RegisterAccess {
    const [read, write] = this.fastParts!.host.wasmDeviceHandlers(index);
    const made = this.registerAccesses.get(index);
    if (made !== undefined && made.read === read) return made.registers;
    const registers = registerAccess(read, write);
    this.registerAccesses.set(index, { read, registers });
    return registers;
  }

  /**
   * A Wasm-device read (served by the entry): the low 32 bits of its value, as the core's
   * register path gives them (masked to `size`, byte-swapped for a big-endian device); an
   * 8-byte read leaves the high ones in builtinHigh.
   */
  protected builtinRead(gpa: number, size: number): number {
    // The offset, not gpa: where V8 does not inline builtinReadAt, a float gpa (2^31 and up) would be boxed on every call.
    return this.builtinReadAt(gpa - this.builtinBase, size);
  }

  private builtinReadAt(offset: number, size: number): number {
    const registers = this.builtinRegisters!;
    this.countMmio();
    let low: number;
    try {
      low = registers.read(offset | 0, size);
    } catch (error) {
      throw this.builtinTrapped(this.builtinBase + offset, size, false, error);
    }
    // A little-endian register of 4 bytes here, the rest in a call: short enough for V8 to inline.
    return size === 4 && !this.builtinBig ? low >>> 0 : this.builtinBits(registers, low, size);
  }

  /** builtinReadAt's value from the register call's low half `low` (and `registers`' high half for 8 bytes). */
  private builtinBits(registers: RegisterAccess, low: number, size: number): number {
    if (size === 8) {
      const high = registers.high() >>> 0;
      this.builtinHigh = this.builtinBig ? swap(low >>> 0, 4) : high;
      return this.builtinBig ? swap(high, 4) : low >>> 0;
    }
    const bits = size === 4 ? low >>> 0 : low & (size === 2 ? 0xffff : 0xff);
    return this.builtinBig ? swap(bits, size) : bits;
  }

  /** A Wasm-device write at `offset` of high:low's `size` low bytes (above `size` zero), as the core's register path does. */
  private builtinWrite(offset: number, size: number, low: number, high: number): void {
    // A little-endian register of up to 4 bytes here, the rest in a call: short enough for V8 to inline.
    if (size === 8 || this.builtinBig) {
      this.builtinWriteSwapped(offset, size, low, high);
      return;
    }
    this.countMmio();
    // Int32 arguments (`| 0`): a JS-to-Wasm call converts a small integer fastest.
    try {
      this.builtinRegisters!.write(offset | 0, size, low | 0, 0);
    } catch (error) {
      throw this.builtinTrapped(this.builtinBase + offset, size, true, error);
    }
  }

  /** builtinWrite of 8 bytes or to a big-endian device: the value's bytes in the register's order. */
  private builtinWriteSwapped(offset: number, size: number, low: number, high: number): void {
    const big = this.builtinBig;
    this.countMmio();
    try {
      if (size === 8) this.builtinRegisters!.write(offset | 0, 8, (big ? swap(high, 4) : low) | 0, (big ? swap(low, 4) : high) | 0);
      else this.builtinRegisters!.write(offset | 0, size, swap(low, size) | 0, 0);
    } catch (error) {
      throw this.builtinTrapped(this.builtinBase + offset, size, true, error);
    }
  }

  /** The error read/write raise for a trap in the entry's Wasm device (the core guard's report). */
  private builtinTrapped(gpa: number, size: number, write: boolean, error: unknown): AccessError {
    const parts = this.fastParts!;
    const index = this.builtinIndex;
    const device = wasmDeviceBindings(parts.memory).find((binding) => binding.entry === index)?.name ?? `built-in device ${index}`;
    const at = BigInt(gpa);
    parts.bus.lastFailure = { device, gpa: at, error };
    this.fastU32[this.recExitIndex] = parts.map.EXIT_DEVICE_ERROR;
    // Built-in ranges hold no slot: the slow path's fragment is an unmapped one too.
    return new AccessError('EIO', texts.deviceThrew(device, at, describeThrown(error)), { gpa: at, size, write, cause: 'unmapped' }, { cause: error });
  }

  /** Whether the device entry serves a `size`-byte access at `gpa` as one handler call. */
  protected deviceServes(gpa: number, size: number): boolean {
    if (typeof gpa !== 'number' || gpa < this.deviceStart || gpa + size > this.deviceEnd || (this.deviceWidths & size) === 0) return false;
    const offset = gpa - this.deviceBase;
    return offset >>> 0 === offset && (offset & (size - 1)) === 0;
  }

  /**
   * A read through the device entry (which serves it). deviceReadAt and the write calls
   * below take the offset, not gpa: where V8 does not inline them, a float gpa (2^31 and
   * up) would be boxed on every call; the error paths rebuild gpa from the base they
   * started with. (read64Parts keeps gpa: one more call level cost its parts handler's
   * row 14.6 -> 17.2 ns.)
   */
  protected deviceRead(gpa: number, size: number): number {
    return this.deviceReadAt(gpa - this.deviceBase, size);
  }

  private deviceReadAt(offset: number, size: number): number {
    const mapped = this.deviceMapped!;
    const base = this.deviceBase;
    this.countMmio();
    let value: MmioValue;
    try {
      value = mapped.device.read(offset, size);
    } catch (error) {
      throw this.deviceFailed(mapped, base + offset, size, false, error);
    }
    // A little-endian device's number here, the rest in a call: short enough for V8 to inline.
    return typeof value === 'number' && mapped.little ? (size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff)) : this.deviceBits(mapped, base + offset, size, value);
  }

  /** deviceRead's bits of device `mapped`'s answer: a bigint's (another type refused as the slow path refuses it), byte-swapped for a big-endian one. */
  private deviceBits(mapped: Mapped, gpa: number, size: number, value: MmioValue): number {
    let bits: number;
    try {
      bits = typeof value === 'number' ? (size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff)) : bigintBits(value, size);
    } catch (error) {
      throw this.deviceFailed(mapped, gpa, size, false, error);
    }
    return mapped.little ? bits : swap(bits, size);
  }

  protected deviceRead64(gpa: number): bigint {
    const mapped = this.deviceMapped!;
    if (mapped.readParts) {
      const parts = this.deviceParts(gpa);
      return (BigInt(parts[1]!) << 32n) | BigInt(parts[0]!);
    }
    this.countMmio();
    try {
      return wide64(mapped.device.read(gpa - this.deviceBase, 8), mapped.little);
    } catch (error) {
      throw this.deviceFailed(mapped, gpa, 8, false, error);
    }
  }

  /** deviceRead64 into two words; a little-endian handler's number from 0 to 2^53 needs no bigint, nor does read64Parts. */
  protected deviceRead64Parts(gpa: number, out: Uint32Array | Int32Array | number[], at: number): void {
    const mapped = this.deviceMapped!;
    if (mapped.readParts) {
      const parts = this.deviceParts(gpa);
      out[at] = parts[0]!;
      out[at + 1] = parts[1]!;
      return;
    }
    this.countMmio();
    let value: MmioValue;
    try {
      value = mapped.device.read(gpa - this.deviceBase, 8);
    } catch (error) {
      throw this.deviceFailed(mapped, gpa, 8, false, error);
    }
    if (typeof value === 'number' && value >= 0 && value < 2 ** 53 && mapped.little) {
      // Both words by truncation (value / 2^32 is exact), as wide64's Math.trunc.
      out[at] = value >>> 0;
      out[at + 1] = Math.floor(value / 2 ** 32);
    } else {
      this.wideRead64Parts(mapped, gpa, value, out, at);
    }
  }

  /** deviceRead64Parts of a handler's answer that needs a bigint (or is refused, as the slow path refuses it). */
  private wideRead64Parts(mapped: Mapped, gpa: number, value: MmioValue, out: Uint32Array | Int32Array | number[], at: number): void {
    let wide: bigint;
    try {
      wide = wide64(value, mapped.little);
    } catch (error) {
      throw this.deviceFailed(mapped, gpa, 8, false, error);
    }
    out[at] = Number(wide & 0xffff_ffffn);
    out[at + 1] = Number(wide >> 32n);
  }

  /** The entry device's read64Parts at gpa: its value's halves as a little-endian u64 (memory order), in the device's parts array. */
  private deviceParts(gpa: number): Uint32Array {
    const mapped = this.deviceMapped!;
    const parts = mapped.parts;
    this.countMmio();
    parts[0] = 0;
    parts[1] = 0;
    try {
      mapped.device.read64Parts!(gpa - this.deviceBase, parts);
    } catch (error) {
      throw this.deviceFailed(mapped, gpa, 8, false, error);
    }
    if (!mapped.little) {
      const low = parts[0]!;
      parts[0] = swap(parts[1]!, 4);
      parts[1] = swap(low, 4);
    }
    return parts;
  }

  /** An 8-byte write of memory-order bytes high:low (u32 each) to the entry's device, which has write64Parts. */
  private deviceWrite64Parts(offset: number, low: number, high: number): void {
    const mapped = this.deviceMapped!;
    const base = this.deviceBase;
    this.countMmio();
    try {
      if (mapped.little) mapped.device.write64Parts!(offset, low, high);
      else mapped.device.write64Parts!(offset, swap(high, 4), swap(low, 4));
    } catch (error) {
      throw this.deviceFailed(mapped, base + offset, 8, true, error);
    }
  }

  /** A write of `value` through the device entry (which serves it) at `offset` from its base. */
  private deviceWriteValue(offset: number, size: number, value: MmioValue): void {
    const mapped = this.deviceMapped!;
    const base = this.deviceBase;
    this.countMmio();
    try {
      mapped.device.write(offset, size, size === 8 && !mapped.little ? swap64(value as bigint) : value);
    } catch (error) {
      throw this.deviceFailed(mapped, base + offset, size, true, error);
    }
  }

  // The error the slow path raises for a throwing handler, and the bus's record of it.
  // `mapped`: the device called (a nested access in its handler may have moved the entry on).
  private deviceFailed(mapped: Mapped, gpa: number, size: number, write: boolean, error: unknown): AccessError {
    const at = BigInt(gpa);
    const device = mapped.name;
    this.fastParts!.bus.lastFailure = { device, gpa: at, error };
    const message = error instanceof Error ? error.message : String(error);
    return new AccessError('EIO', texts.deviceThrew(device, at, message), { gpa: at, size, write, cause: 'unmapped' }, { cause: error });
  }

  /** The host record's MMIO counter, as the core bumps it for each fragment it dispatches. */
  protected countMmio(): void {
    const words = this.fastI32;
    const index = this.mmioCountIndex;
    // In int32 arithmetic (no float add or compare): the low word wrapped to 0 carries.
    if ((words[index] = (words[index]! + 1) | 0) === 0) words[index + 1] = (words[index + 1]! + 1) | 0;
  }

  protected checkGpa(gpa: unknown): asserts gpa is number {
    if (typeof gpa !== 'number' || !Number.isSafeInteger(gpa) || gpa < 0) throw new AccessError('EINVAL', texts.badGpaNumber(gpa), noExit);
  }
}
