// Typed host accessors, the embedding fast path: read8..read64 / write8..write64 of
// address space 0, values little-endian (memory order), addresses as numbers. An access
// inside the cached slot range is a bounds check, a generation compare and a typed-array
// load or store; one inside the cached device range calls the JS handler directly (no
// core round trip, no DataView); one inside the cached built-in device range is one core
// call with the address in two halves and the value in registers. Everything else
// (straddles, READONLY or INVALID slots, unclaimed addresses, other widths) goes the slow
// way through Machine.read/write, so the results and errors are theirs.
//
// A miss looks in a page-indexed table of ranges filled before (a small software TLB),
// then in the slot table and the bus, and makes what it finds the entry.
//
// Staleness: the RAM entry is checked against address space 0's slot generation on every
// access; the device entry against that generation, the bus's generation and the
// built-in device count; the built-in entry against the slot generation, the built-in
// count and the device generation; the page table is dropped when any of them changed. Only this
// machine publishes slots and built-in devices, on this thread, so plain loads of the
// generation word and the count see every update that returned before them.

import type { MemoryMap } from './core.js';
import type { CoreAccessor } from './accessor.js';
import { AccessError, texts } from './errors.js';
import { describeThrown } from './values.js';
import { wasmDeviceBindings } from './wasm-device.js';
import { bigintBits, fits, swap, swap64, wide64, wideAccess, type WideAccess } from './fast-access-values.js';
import type { Mapped, MmioBus, MmioValue } from './mmio.js';
import { READONLY, type SlotTable } from './slots.js';
import { ADDRESS_LIMIT, CACHE_LIMIT, MIN_I64, U64_LIMIT, noExit, RECENT_PAGES, VIA_NONE, VIA_JS, VIA_BUILTIN, type RamRange, type DeviceRange, type BuiltinRange } from './fast-access-ranges.js';

/** What the typed accessors need from their machine. */
export interface TypedAccessParts {
  memory: WebAssembly.Memory;
  map: MemoryMap;
  table: SlotTable;
  bus: MmioBus;
  host: CoreAccessor;
}

export class TypedAccess {
  private fastMemory = new Uint8Array(0);
  private fastU16 = new Uint16Array(0);
  private fastU32 = new Uint32Array(0);
  private fastI32 = new Int32Array(0);
  private fastU64 = new BigUint64Array(0);
  private fastView = new DataView(new ArrayBuffer(0));
  private fastParts: TypedAccessParts | undefined;
  private wide: WideAccess | undefined;
  /** Int32 indices of address space 0's slot generation and of the built-in device count. */
  private slotGenIndex = 0;
  private builtinCountIndex = 0;
  private deviceGenIndex = 0;
  /** Uint32 indices of the host record's exit word and of its access data (a built-in read's value). */
  private recExitIndex = 0;
  private recDataIndex = 0;
  /** Uint32 index of the low word of the host record's MMIO counter. */
  private mmioCountIndex = 0;

  // RAM: [ramStart, ramEnd) lies at memory address gpa + ramDelta; writes only below
  // ramWriteEnd (0 for a READONLY slot); ramDirty is its dirty bitmap's address (0: none).
  private ramStart = 0;
  private ramEnd = 0;
  private ramWriteEnd = 0;
  private ramDelta = 0;
  private ramHost = 0;
  private ramDirty = 0;
  private ramGeneration = 0;

  // Device: [deviceStart, deviceEnd) (within one device, no slot, no built-in device),
  // at offset gpa - deviceBase; deviceWidths has bit w set for each width it takes.
  private deviceStart = 0;
  private deviceEnd = 0;
  private deviceBase = 0;
  private deviceWidths = 0;
  private deviceLittle = true;
  private deviceMapped: Mapped | undefined;
  private deviceSlotGeneration = 0;
  private deviceBusGeneration = 0;
  private deviceBuiltins = 0;

  // Built-in device `builtinIndex`: [builtinStart, builtinEnd) (no slot, no built-in before
  // it); builtinWidths has bit w set for each width it takes, aligned from builtinBase
  // when builtinAligned (a Wasm device); otherwise the access goes the slow way.
  private builtinStart = 0;
  private builtinEnd = 0;
  private builtinIndex = 0;
  private builtinWidths = 0;
  private builtinAligned = false;
  private builtinBase = 0;
  private builtinSlotGeneration = 0;
  private builtinCount = 0;
  private builtinDeviceGeneration = 0;
  /** The core's built-in entry points (CoreFunctions.hostBuiltinRead/Write), held here: one load fewer per call. */
  private exitNone = 0;
  private builtinReadCall: (index: number, gpaLow: number, gpaHigh: number, size: number) => number = () => 0;
  private builtinWriteCall: (index: number, gpaLow: number, gpaHigh: number, size: number, low: number, high: number) => number = () => 0;

  /**
   * Ranges filled before, by page (a small software TLB): slot `page % RECENT_PAGES` holds
   * the range that served `page`, valid while its epoch is recentEpoch. The epoch moves on
   * whenever the slot generation, the bus generation or the built-in count has changed.
   */
  private readonly recentPages = new Float64Array(RECENT_PAGES);
  private readonly recentEpochs = new Float64Array(RECENT_PAGES);
  private readonly recentRanges: Array<RamRange | DeviceRange | BuiltinRange | undefined> = new Array(RECENT_PAGES).fill(undefined);
  private recentEpoch = 1;
  private recentSlotGeneration = 0;
  private recentBusGeneration = 0;
  private recentBuiltins = 0;
  private recentDeviceGeneration = 0;

  /** Called once by the machine's constructor. */
  protected bindTypedAccess(parts: TypedAccessParts): void {
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
    this.slotGenIndex = (map.CONTROL_BASE + map.CTRL_SLOT_GEN) >> 2;
    this.builtinCountIndex = (map.CONTROL_BASE + map.CTRL_BUILTIN_COUNT) >> 2;
    this.mmioCountIndex = (parts.host.record + map.REC_COUNTERS + map.CNT_MMIO) >> 2;
    this.deviceGenIndex = (map.CONTROL_BASE + map.CTRL_DEVICE_GEN) >> 2;
    this.recExitIndex = (parts.host.record + map.REC_EXIT) >> 2;
    this.recDataIndex = (parts.host.record + map.REC_DATA) >> 2;
    this.exitNone = map.EXIT_NONE;
    this.builtinReadCall = parts.host.functions.hostBuiltinRead;
    this.builtinWriteCall = parts.host.functions.hostBuiltinWrite;
  }

  /** The byte at `gpa` (address space 0); as read(gpa, 1), with gpa a safe integer >= 0. */
  read8(gpa: number): number {
    const at = this.ramAt(gpa, 1);
    if (at >= 0) return this.fastMemory[at]!;
    const via = this.deviceFor(gpa, 1);
    return via === VIA_BUILTIN ? this.builtinRead(gpa, 1) : via === VIA_JS ? this.deviceRead(gpa, 1) : this.readSlow(gpa, 1);
  }

  /** The little-endian 16-bit value at `gpa`; as read(gpa, 2). */
  read16(gpa: number): number {
    const at = this.ramAt(gpa, 2);
    if (at >= 0) return (at & 1) === 0 ? this.fastU16[at >>> 1]! : this.fastView.getUint16(at, true);
    const via = this.deviceFor(gpa, 2);
    return via === VIA_BUILTIN ? this.builtinRead(gpa, 2) : via === VIA_JS ? this.deviceRead(gpa, 2) : this.readSlow(gpa, 2);
  }

  /** The little-endian 32-bit value at `gpa` (unsigned); as read(gpa, 4). */
  read32(gpa: number): number {
    const at = this.ramAt(gpa, 4);
    if (at >= 0) return (at & 3) === 0 ? this.fastU32[at >>> 2]! : this.fastView.getUint32(at, true);
    const via = this.deviceFor(gpa, 4);
    return via === VIA_BUILTIN ? this.builtinRead(gpa, 4) : via === VIA_JS ? this.deviceRead(gpa, 4) : this.readSlow(gpa, 4);
  }

  /** The little-endian 64-bit value at `gpa`; as read(gpa, 8). */
  read64(gpa: number): bigint {
    const at = this.ramAt(gpa, 8);
    if (at >= 0) return (at & 7) === 0 ? Atomics.load(this.fastU64, at >>> 3) : this.fastView.getBigUint64(at, true);
    const via = this.deviceFor(gpa, 8);
    if (via === VIA_BUILTIN) {
      const low = this.builtinRead(gpa, 8);
      return (BigInt(this.fastU32[this.recDataIndex + 1]!) << 32n) | BigInt(low);
    }
    if (via === VIA_JS) return this.deviceRead64(gpa);
    this.checkGpa(gpa);
    return this.refilled(gpa, 8, false) ? this.read64(gpa) : this.fastParts!.host.read(gpa, 8);
  }

  /**
   * read64 without a bigint: the low 32 bits go to out[at], the high 32 to out[at + 1]
   * (a register file in a Uint32Array, say). Naturally aligned RAM is read in one access.
   */
  read64Parts(gpa: number, out: Uint32Array | Int32Array | number[], at = 0): void {
    if (!(out instanceof Uint32Array || out instanceof Int32Array || Array.isArray(out)) || !Number.isInteger(at) || at < 0 || at + 2 > out.length) {
      throw new AccessError('EINVAL', texts.badOutput(at), noExit);
    }
    const address = this.ramAt(gpa, 8);
    if (address >= 0) {
      if ((address & 7) === 0) {
        out[at] = this.wide!.load64(address) >>> 0;
        out[at + 1] = this.wide!.high() >>> 0;
      } else {
        out[at] = this.fastView.getUint32(address, true);
        out[at + 1] = this.fastView.getUint32(address + 4, true);
      }
      return;
    }
    const via = this.deviceFor(gpa, 8);
    if (via === VIA_BUILTIN) {
      out[at] = this.builtinRead(gpa, 8);
      out[at + 1] = this.fastU32[this.recDataIndex + 1]!;
      return;
    }
    if (via === VIA_JS) {
      this.deviceRead64Parts(gpa, out, at);
      return;
    }
    this.checkGpa(gpa);
    if (this.refilled(gpa, 8, false)) {
      this.read64Parts(gpa, out, at);
      return;
    }
    const value = this.fastParts!.host.read(gpa, 8);
    out[at] = Number(value & 0xffff_ffffn);
    out[at + 1] = Number(value >> 32n);
  }

  /** Writes the low byte of `value` (an integer from -128 to 255) at `gpa`; as write(gpa, 1, value). */
  write8(gpa: number, value: number): void {
    const at = this.ramWriteAt(gpa, 1);
    if (at >= 0 && ((value & 0xff) === value || (value << 24) >> 24 === value)) {
      this.fastMemory[at] = value;
      if (this.ramDirty !== 0) this.markDirty(at, 1);
    } else if (!(fits(value, 1) && this.deviceWriteFor(gpa, 1, value & 0xff, 0))) {
      this.writeSlow(gpa, 1, value);
    }
  }

  /** Writes `value` (an integer from -2^15 to 2^16 - 1) little-endian at `gpa`; as write(gpa, 2, value). */
  write16(gpa: number, value: number): void {
    const at = this.ramWriteAt(gpa, 2);
    if (at >= 0 && ((value & 0xffff) === value || (value << 16) >> 16 === value)) {
      if ((at & 1) === 0) this.fastU16[at >>> 1] = value;
      else this.fastView.setUint16(at, value, true);
      if (this.ramDirty !== 0) this.markDirty(at, 2);
    } else if (!(fits(value, 2) && this.deviceWriteFor(gpa, 2, value & 0xffff, 0))) {
      this.writeSlow(gpa, 2, value);
    }
  }

  /** Writes `value` (an integer from -2^31 to 2^32 - 1) little-endian at `gpa`; as write(gpa, 4, value). */
  write32(gpa: number, value: number): void {
    const at = this.ramWriteAt(gpa, 4);
    if (at >= 0 && ((value >>> 0) === value || (value | 0) === value)) {
      if ((at & 3) === 0) this.fastU32[at >>> 2] = value;
      else this.fastView.setUint32(at, value, true);
      if (this.ramDirty !== 0) this.markDirty(at, 4);
    } else if (!(fits(value, 4) && this.deviceWriteFor(gpa, 4, value >>> 0, 0))) {
      this.writeSlow(gpa, 4, value);
    }
  }

  /** Writes `value` (a bigint from -2^63 to 2^64 - 1) little-endian at `gpa`; as write(gpa, 8, value). */
  write64(gpa: number, value: bigint): void {
    if (typeof value !== 'bigint' || value < MIN_I64 || value >= U64_LIMIT) throw new AccessError('EINVAL', texts.badValue(8, value), noExit);
    const at = this.ramWriteAt(gpa, 8);
    if (at >= 0) {
      if ((at & 7) === 0) Atomics.store(this.fastU64, at >>> 3, BigInt.asUintN(64, value));
      else this.fastView.setBigUint64(at, BigInt.asUintN(64, value), true);
      if (this.ramDirty !== 0) this.markDirty(at, 8);
    } else if (!this.deviceWriteFor(gpa, 8, Number(value & 0xffff_ffffn), Number(BigInt.asUintN(64, value) >> 32n))) {
      this.checkGpa(gpa);
      if (this.refilled(gpa, 8, true)) this.write64(gpa, value);
      else this.fastParts!.host.write(gpa, 8, value);
    }
  }

  /** write64 from two 32-bit halves (each an integer from -2^31 to 2^32 - 1). Naturally aligned RAM is written in one access. */
  write64Parts(gpa: number, low: number, high: number): void {
    if (!fits(low, 4) || !fits(high, 4)) throw new AccessError('EINVAL', texts.badValue(4, fits(low, 4) ? high : low), noExit);
    const at = this.ramWriteAt(gpa, 8);
    if (at >= 0) {
      if ((at & 7) === 0) this.wide!.store64(at, low, high);
      else {
        this.fastView.setUint32(at, low, true);
        this.fastView.setUint32(at + 4, high, true);
      }
      if (this.ramDirty !== 0) this.markDirty(at, 8);
      return;
    }
    if (!this.deviceWriteFor(gpa, 8, low >>> 0, high >>> 0)) this.write64(gpa, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
  }

  /** The memory address of [gpa, gpa+size) when the RAM entry serves it, else -1. */
  private ramAt(gpa: number, size: number): number {
    if (typeof gpa !== 'number' || gpa < this.ramStart || gpa + size > this.ramEnd || this.fastI32[this.slotGenIndex] !== this.ramGeneration) return -1;
    const at = gpa + this.ramDelta;
    // Also refuses a fractional gpa (and NaN, which passed the compares).
    return at >>> 0 === at ? at : -1;
  }

  private ramWriteAt(gpa: number, size: number): number {
    return typeof gpa === 'number' && gpa + size <= this.ramWriteEnd ? this.ramAt(gpa, size) : -1;
  }

  // As the core's markDirty: the pages of the first and the last byte.
  private markDirty(at: number, size: number): void {
    const words = this.ramDirty >>> 2;
    const first = (at - this.ramHost) >>> 12;
    const last = (at + size - 1 - this.ramHost) >>> 12;
    // Atomic OR: vCPUs set bits in the same words; getDirtyLog clears them with an exchange.
    Atomics.or(this.fastI32, words + (first >>> 5), 1 << (first & 31));
    if (last !== first) Atomics.or(this.fastI32, words + (last >>> 5), 1 << (last & 31));
  }

  /** Which device entry serves this access (VIA_*), after taking a recent device range for gpa's page on a miss. */
  private deviceFor(gpa: number, size: number): number {
    return this.builtinServes(gpa, size) ? VIA_BUILTIN : this.deviceServes(gpa, size) ? VIA_JS : this.recentDevice(gpa, size);
  }

  /**
   * Writes `size` bytes (memory order: high:low, both u32, above `size` zero) through the
   * device entry that serves them; false, doing nothing, when none does.
   */
  private deviceWriteFor(gpa: number, size: number, low: number, high: number): boolean {
    const via = this.deviceFor(gpa, size);
    if (via === VIA_BUILTIN) this.builtinWrite(gpa, size, low, high);
    else if (via !== VIA_JS) return false;
    else if (size === 8) this.deviceWriteValue(gpa, 8, (BigInt(high) << 32n) | BigInt(low));
    else this.deviceWriteValue(gpa, size, this.deviceLittle ? low : swap(low, size));
    return true;
  }

  /** Makes the device range recorded for gpa's page (if any) the entry; which entry serves this access. */
  private recentDevice(gpa: number, size: number): number {
    if (typeof gpa !== 'number') return VIA_NONE;
    const generation = this.recentStamp();
    const page = Math.floor(gpa / 4096);
    const index = page & (RECENT_PAGES - 1);
    const found = this.recentRanges[index];
    if (this.recentEpochs[index] !== this.recentEpoch || this.recentPages[index] !== page || found === undefined || !found.device
      || gpa < found.start || gpa >= found.end) return VIA_NONE;
    return this.promoteDevice(found, generation, gpa, size);
  }

  /** Moves the page table to a new epoch if a slot, the bus or the built-in devices changed; returns the slot generation. */
  private recentStamp(): number {
    const generation = this.fastI32[this.slotGenIndex]!;
    const bus = this.fastParts!.bus;
    const builtins = this.fastI32[this.builtinCountIndex]!;
    const devices = this.fastI32[this.deviceGenIndex]!;
    if (generation !== this.recentSlotGeneration || bus.generation !== this.recentBusGeneration || builtins !== this.recentBuiltins
      || devices !== this.recentDeviceGeneration) {
      this.recentEpoch++;
      this.recentSlotGeneration = generation;
      this.recentBusGeneration = bus.generation;
      this.recentBuiltins = builtins;
      this.recentDeviceGeneration = devices;
    }
    return generation;
  }

  /** Makes `found` the JS or built-in device entry; which entry serves this access. */
  private promoteDevice(found: DeviceRange | BuiltinRange, generation: number, gpa: number, size: number): number {
    if (found.builtin) {
      this.builtinStart = found.start;
      this.builtinEnd = found.end;
      this.builtinIndex = found.index;
      this.builtinWidths = found.widths;
      this.builtinAligned = found.aligned;
      this.builtinBase = found.base;
      this.builtinSlotGeneration = generation;
      this.builtinCount = this.recentBuiltins;
      this.builtinDeviceGeneration = this.recentDeviceGeneration;
      return this.builtinServes(gpa, size) ? VIA_BUILTIN : VIA_NONE;
    }
    const mapped = found.mapped;
    this.deviceStart = found.start;
    this.deviceEnd = found.end;
    this.deviceBase = mapped.start;
    this.deviceWidths = found.widths;
    this.deviceLittle = mapped.little;
    this.deviceMapped = mapped;
    this.deviceSlotGeneration = generation;
    this.deviceBusGeneration = this.recentBusGeneration;
    this.deviceBuiltins = this.recentBuiltins;
    return this.deviceServes(gpa, size) ? VIA_JS : VIA_NONE;
  }

  /** Whether the built-in entry serves a `size`-byte access at `gpa` as one core call. */
  private builtinServes(gpa: number, size: number): boolean {
    if (typeof gpa !== 'number' || gpa < this.builtinStart || gpa + size > this.builtinEnd || (this.builtinWidths & size) === 0) return false;
    return (!this.builtinAligned || ((gpa - this.builtinBase) & (size - 1)) === 0) && this.fastI32[this.slotGenIndex] === this.builtinSlotGeneration
      && this.fastI32[this.builtinCountIndex] === this.builtinCount && this.fastI32[this.deviceGenIndex] === this.builtinDeviceGeneration;
  }

  /** A built-in read (served by the entry): the low 32 bits of its value; the high ones are in the record's access data. */
  private builtinRead(gpa: number, size: number): number {
    const parts = this.fastParts!;
    const low = gpa >>> 0;
    const high = (gpa - low) / 2 ** 32;
    // A fractional gpa, or one nested in a handler (read keeps the outer access's record): the slow way.
    if (high >>> 0 !== high || parts.host.nested) return this.builtinReadSlow(gpa, size);
    let value: number;
    try {
      value = this.builtinReadCall(this.builtinIndex, low, high, size);
    } catch (error) {
      throw this.builtinTrapped(gpa, size, false, error);
    }
    return this.fastU32[this.recExitIndex] === this.exitNone ? value >>> 0 : this.builtinReadSlow(gpa, size);
  }

  private builtinReadSlow(gpa: number, size: number): number {
    this.checkGpa(gpa);
    const value = this.fastParts!.host.read(gpa, size);
    this.fastU32[this.recDataIndex + 1] = Number(value >> 32n);
    return Number(value & 0xffff_ffffn);
  }

  private builtinWrite(gpa: number, size: number, low: number, high: number): void {
    const parts = this.fastParts!;
    const gpaLow = gpa >>> 0;
    const gpaHigh = (gpa - gpaLow) / 2 ** 32;
    if (gpaHigh >>> 0 === gpaHigh && !parts.host.nested) {
      try {
        if (this.builtinWriteCall(this.builtinIndex, gpaLow, gpaHigh, size, low, high) === this.exitNone) return;
      } catch (error) {
        throw this.builtinTrapped(gpa, size, true, error);
      }
    }
    this.checkGpa(gpa);
    parts.host.write(gpa, size, (BigInt(high) << 32n) | BigInt(low));
  }

  /** The error read/write raise for a trap in a Wasm device (the core's guard's report), or `error` itself when no device trapped. */
  private builtinTrapped(gpa: number, size: number, write: boolean, error: unknown): unknown {
    const parts = this.fastParts!;
    const entry = parts.host.functions.wasmDeviceTrapped();
    if (entry === 0) return error;
    const device = wasmDeviceBindings(parts.memory).find((binding) => binding.entry === entry - 1)?.name ?? `built-in device ${entry - 1}`;
    const at = BigInt(gpa);
    parts.bus.lastFailure = { device, gpa: at, error };
    const map = parts.map;
    this.fastU32[this.recExitIndex] = map.EXIT_DEVICE_ERROR;
    // Built-in ranges hold no slot: the slow path's fragment is an unmapped one too.
    return new AccessError('EIO', texts.deviceThrew(device, at, describeThrown(error)), { gpa: at, size, write, cause: 'unmapped' }, { cause: error });
  }

  /** Whether the device entry serves a `size`-byte access at `gpa` as one handler call. */
  private deviceServes(gpa: number, size: number): boolean {
    if (typeof gpa !== 'number' || gpa < this.deviceStart || gpa + size > this.deviceEnd || (this.deviceWidths & size) === 0) return false;
    const offset = gpa - this.deviceBase;
    return offset >>> 0 === offset && (offset & (size - 1)) === 0 && this.fastI32[this.slotGenIndex] === this.deviceSlotGeneration
      && this.fastParts!.bus.generation === this.deviceBusGeneration && this.fastI32[this.builtinCountIndex] === this.deviceBuiltins;
  }

  private deviceRead(gpa: number, size: number): number {
    const mapped = this.deviceMapped!;
    this.countMmio();
    try {
      const value = mapped.device.read(gpa - this.deviceBase, size);
      const bits = typeof value === 'number' ? (size === 4 ? value >>> 0 : value & (size === 2 ? 0xffff : 0xff)) : bigintBits(value, size);
      return mapped.little ? bits : swap(bits, size);
    } catch (error) {
      throw this.deviceFailed(gpa, size, false, error);
    }
  }

  private deviceRead64(gpa: number): bigint {
    const mapped = this.deviceMapped!;
    this.countMmio();
    try {
      return wide64(mapped.device.read(gpa - this.deviceBase, 8), mapped.little);
    } catch (error) {
      throw this.deviceFailed(gpa, 8, false, error);
    }
  }

  /** deviceRead64 into two words; a little-endian handler's non-negative safe integer needs no bigint. */
  private deviceRead64Parts(gpa: number, out: Uint32Array | Int32Array | number[], at: number): void {
    const mapped = this.deviceMapped!;
    this.countMmio();
    let value: MmioValue;
    try {
      value = mapped.device.read(gpa - this.deviceBase, 8);
      if (!(mapped.little && typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)) value = wide64(value, mapped.little);
    } catch (error) {
      throw this.deviceFailed(gpa, 8, false, error);
    }
    if (typeof value === 'number') {
      out[at] = value % 2 ** 32;
      out[at + 1] = Math.floor(value / 2 ** 32);
    } else {
      out[at] = Number(value & 0xffff_ffffn);
      out[at + 1] = Number(value >> 32n);
    }
  }

  private deviceWriteValue(gpa: number, size: number, value: MmioValue): void {
    const mapped = this.deviceMapped!;
    this.countMmio();
    try {
      mapped.device.write(gpa - this.deviceBase, size, size === 8 && !mapped.little ? swap64(value as bigint) : value);
    } catch (error) {
      throw this.deviceFailed(gpa, size, true, error);
    }
  }

  // The error the slow path raises for a throwing handler, and the bus's record of it.
  private deviceFailed(gpa: number, size: number, write: boolean, error: unknown): AccessError {
    const at = BigInt(gpa);
    const device = this.deviceMapped!.name;
    this.fastParts!.bus.lastFailure = { device, gpa: at, error };
    const message = error instanceof Error ? error.message : String(error);
    return new AccessError('EIO', texts.deviceThrew(device, at, message), { gpa: at, size, write, cause: 'unmapped' }, { cause: error });
  }

  /** The host record's MMIO counter, as the core bumps it for each fragment it dispatches. */
  private countMmio(): void {
    const index = this.mmioCountIndex;
    const low = (this.fastU32[index]! + 1) >>> 0;
    this.fastU32[index] = low;
    if (low === 0) this.fastU32[index + 1] = this.fastU32[index + 1]! + 1;
  }

  private checkGpa(gpa: unknown): asserts gpa is number {
    if (typeof gpa !== 'number' || !Number.isSafeInteger(gpa) || gpa < 0) throw new AccessError('EINVAL', texts.badGpaNumber(gpa), noExit);
  }

  private readSlow(gpa: number, size: 1 | 2 | 4): number {
    this.checkGpa(gpa);
    if (this.refilled(gpa, size, false)) return size === 4 ? this.read32(gpa) : size === 2 ? this.read16(gpa) : this.read8(gpa);
    return Number(this.fastParts!.host.read(gpa, size));
  }

  private writeSlow(gpa: number, size: 1 | 2 | 4, value: number): void {
    this.checkGpa(gpa);
    if (!fits(value, size)) throw new AccessError('EINVAL', texts.badValue(size, value), noExit);
    if (!this.refilled(gpa, size, true)) this.fastParts!.host.write(gpa, size, value);
    else if (size === 4) this.write32(gpa, value);
    else if (size === 2) this.write16(gpa, value);
    else this.write8(gpa, value);
  }

  /**
   * Makes the RAM or device entry serve the region at `gpa` (a valid address): from the
   * recent ranges when its page has one, else from the slot table and the bus. True when it
   * now serves this access (a write when `write`), which the caller then retries once.
   */
  private refilled(gpa: number, size: number, write: boolean): boolean {
    const generation = this.recentStamp();
    const page = Math.floor(gpa / 4096);
    const index = page & (RECENT_PAGES - 1);
    let found = this.recentRanges[index];
    // A page may hold more than one region (small devices): the range must cover gpa.
    if (this.recentEpochs[index] !== this.recentEpoch || this.recentPages[index] !== page || found === undefined || gpa < found.start || gpa >= found.end) {
      found = this.lookUp(gpa, this.recentBuiltins);
      if (found === undefined) return false;
      this.recentRanges[index] = found;
      this.recentPages[index] = page;
      this.recentEpochs[index] = this.recentEpoch;
    }
    if (!found.device) {
      const ram = found;
      this.ramStart = ram.start;
      this.ramEnd = ram.end;
      this.ramWriteEnd = ram.writeEnd;
      this.ramHost = ram.host;
      this.ramDelta = ram.host - ram.start;
      this.ramDirty = ram.dirtyBitmap;
      this.ramGeneration = generation;
      return (write ? this.ramWriteAt(gpa, size) : this.ramAt(gpa, size)) >= 0;
    }
    return this.promoteDevice(found, generation, gpa, size) !== VIA_NONE;
  }

  /** The cacheable range around `gpa`: a valid slot's, else a built-in device's, else a JS device's; else undefined. */
  private lookUp(gpa: number, builtins: number): RamRange | DeviceRange | BuiltinRange | undefined {
    const parts = this.fastParts!;
    const region = parts.table.regionAt(0, BigInt(gpa));
    if (region.kind === 'slot') {
      const end = region.base + region.size;
      if ((region.flags & parts.map.SLOT_INVALID) !== 0 || end > BigInt(ADDRESS_LIMIT)) return undefined;
      const start = Number(region.base);
      const cachedEnd = Math.min(Number(end), CACHE_LIMIT);
      return { device: false, start, end: cachedEnd, writeEnd: (region.flags & READONLY) !== 0 ? 0 : cachedEnd, host: region.host, dirtyBitmap: region.dirtyBitmap };
    }
    const builtin = this.builtinLookUp(gpa, builtins, Number(region.start), region.end >= BigInt(CACHE_LIMIT) ? CACHE_LIMIT : Number(region.end));
    if (builtin !== null) return builtin;
    const mapped = parts.bus.find(0, gpa);
    if (mapped === undefined) return undefined;
    let start = Math.max(mapped.start, Number(region.start));
    // Offsets stay below 2^32 (one shift-free integer check per access).
    let end = Math.min(mapped.end, region.end >= BigInt(CACHE_LIMIT) ? CACHE_LIMIT : Number(region.end), mapped.start + 2 ** 32);
    for (let i = 0; i < builtins; i++) {
      const [bStart, bEnd] = this.builtinRange(i);
      // One covering gpa leaves an empty range around it: the slow path serves it.
      if (bEnd <= start || end <= bStart) continue;
      if (bEnd <= gpa) start = bEnd;
      else end = bStart;
    }
    return { device: true, builtin: false, start, end, mapped, widths: mapped.widths.reduce((bits, width) => bits | width, 0) };
  }

  /**
   * The range of the first built-in device (the core's scan order) whose range holds
   * `gpa`, within [regionStart, regionEnd) and clear of the devices before it; undefined
   * for one of a kind without a register path; null when none holds gpa.
   */
  private builtinLookUp(gpa: number, builtins: number, regionStart: number, regionEnd: number): BuiltinRange | undefined | null {
    for (let index = 0; index < builtins; index++) {
      const [base, bEnd] = this.builtinRange(index);
      if (gpa < base || gpa >= bEnd) continue;
      const map = this.fastParts!.map;
      const entry = map.CONTROL_BASE + map.CTRL_BUILTINS + index * map.BUILTIN_ENTRY_SIZE;
      const kind = this.fastView.getUint32(entry + map.BUILTIN_E_KIND, true);
      const wasm = kind === map.BUILTIN_WASM;
      if (!wasm && kind !== map.BUILTIN_SCRATCH && kind !== map.BUILTIN_COUNTER) return undefined;
      let start = Math.max(base, regionStart);
      let end = Math.min(bEnd, regionEnd);
      // Devices before it take the accesses they cover: the range stops short of them.
      for (let before = 0; before < index; before++) {
        const [oStart, oEnd] = this.builtinRange(before);
        if (oEnd <= start || end <= oStart) continue;
        if (oEnd <= gpa) start = oEnd;
        else end = oStart;
      }
      const widths = wasm ? (this.fastView.getUint32(entry + map.BUILTIN_E_WASM, true) >>> 16) & 0xf : 15;
      return { device: true, builtin: true, start, end, index, widths, aligned: wasm, base };
    }
    return null;
  }

  /** [start, end) of built-in device `index` in address space 0 ([0, 0) for another space). */
  private builtinRange(index: number): [number, number] {
    const map = this.fastParts!.map;
    const entry = map.CONTROL_BASE + map.CTRL_BUILTINS + index * map.BUILTIN_ENTRY_SIZE;
    if (this.fastView.getUint32(entry + map.BUILTIN_E_AS, true) !== 0) return [0, 0];
    const start = Number(this.fastView.getBigUint64(entry + map.BUILTIN_E_BASE, true));
    return [start, start + Number(this.fastView.getBigUint64(entry + map.BUILTIN_E_SIZE, true))];
  }
}

