// Typed host accessors, the embedding fast path: read8..read64 / write8..write64 of
// address space 0, values little-endian (memory order), addresses as numbers. An access
// inside the cached slot range is a bounds check and a typed-array
// load or store; one inside a cached device range goes the device entries' short way
// (src/fast-access-devices.ts: the JS handler called directly; a scratch device's bytes
// read here like RAM's and a counter's atomic step from JS, through the local entry; one
// core call doing a Wasm device's work). Everything else
// (straddles, READONLY or INVALID slots, unclaimed addresses, other widths) goes the slow
// way through Machine.read/write, so the results and errors are theirs.
//
// A miss looks in a page-indexed table of ranges filled before (a small software TLB),
// then in the slot table and the bus, and makes what it finds the entry.
//
// Staleness: no entry is checked on an access (no generation compares: each access is a
// range check and the load, store or call). Instead the machine drops every entry and the
// page table (dropTypedEntries) on each change that could make one stale: a slot table
// publish (set, transaction, setInvalid, clear: every slot change, VcpuThreads.update's
// too), a device removed from its bus, a built-in or Wasm device added, and reset. Only
// this machine makes those changes, on this thread: slots through its private SlotTable,
// devices on its own bus (a vCPU thread's device modules sit on that thread's bus, which
// these accessors never use), built-in devices through addBuiltinDevice / addWasmDevice
// (a worker's registerWasmDevices binds, it publishes nothing). So a drop is done before
// the change returns, and the very next access looks again. A handler or refill in the
// middle of an access may drop the entries: the access then goes on with what it loaded.

import { AccessError, texts } from './errors.js';
import { DeviceAccess, type TypedAccessParts } from './fast-access-devices.js';
import { fits } from './fast-access-values.js';
import { READONLY } from './slots.js';
import { ADDRESS_LIMIT, CACHE_LIMIT, MIN_I64, NO_ADDRESS, U64_LIMIT, noExit, RECENT_PAGES, VIA_NONE, VIA_JS, VIA_BUILTIN, type RamRange, type DeviceRange, type BuiltinRange } from './fast-access-ranges.js';

export type { TypedAccessParts } from './fast-access-devices.js';

export class TypedAccess extends DeviceAccess {
  // RAM: [ramStart, ramEnd) lies at memory address gpa + ramDelta; writes only below
  // ramWriteEnd (0 for a READONLY slot); ramDirty is its dirty bitmap's address (0: none).
  private ramStart = NO_ADDRESS;
  private ramEnd = NO_ADDRESS;
  private ramWriteEnd = NO_ADDRESS;
  private ramDelta = NO_ADDRESS;
  private ramHost = 0;
  private ramDirty = 0;

  /**
   * Ranges filled before, by page (a small software TLB): slot `page % RECENT_PAGES` holds
   * the range that served `page`, valid while its epoch is recentEpoch. The epoch moves on
   * at each dropTypedEntries.
   */
  private readonly recentPages = new Float64Array(RECENT_PAGES);
  private readonly recentEpochs = new Float64Array(RECENT_PAGES);
  private readonly recentRanges: Array<RamRange | DeviceRange | BuiltinRange | undefined> = new Array(RECENT_PAGES).fill(undefined);
  private recentEpoch = 1;

  /** Called once by the machine's constructor. */
  protected bindTypedAccess(parts: TypedAccessParts): void {
    this.bindDeviceAccess(parts);
  }

  /** Empties every entry and the page table; the machine calls it on each change that could make one stale (see the top). */
  protected dropTypedEntries(): void {
    this.ramStart = this.ramEnd = this.ramWriteEnd = NO_ADDRESS;
    this.recentEpoch++;
    this.dropDeviceEntries();
  }

  /** The byte at `gpa` (address space 0); as read(gpa, 1), with gpa a safe integer >= 0. */
  read8(gpa: number): number {
    let at = this.ramAt(gpa, 1);
    if (at < 0 && (at = this.localAt(gpa, 1)) >= 0 && this.localCounter !== 0) return this.wide!.add64(this.localCounter) & 0xff;
    if (at >= 0) return this.fastMemory[at]!;
    return this.readDevice(gpa, 1);
  }

  /** The little-endian 16-bit value at `gpa`; as read(gpa, 2). */
  read16(gpa: number): number {
    let at = this.ramAt(gpa, 2);
    if (at < 0 && (at = this.localAt(gpa, 2)) >= 0 && this.localCounter !== 0) return this.wide!.add64(this.localCounter) & 0xffff;
    if (at >= 0) return (at & 1) === 0 ? this.fastU16[at >>> 1]! : this.fastView.getUint16(at, true);
    return this.readDevice(gpa, 2);
  }

  /** The little-endian 32-bit value at `gpa` (unsigned); as read(gpa, 4). */
  read32(gpa: number): number {
    let at = this.ramAt(gpa, 4);
    if (at < 0 && (at = this.localAt(gpa, 4)) >= 0 && this.localCounter !== 0) return this.wide!.add64(this.localCounter) >>> 0;
    if (at >= 0) return (at & 3) === 0 ? this.fastU32[at >>> 2]! : this.fastView.getUint32(at, true);
    return this.readDevice(gpa, 4);
  }

  /** The little-endian 64-bit value at `gpa`; as read(gpa, 8). */
  read64(gpa: number): bigint {
    let at = this.ramAt(gpa, 8);
    if (at < 0 && (at = this.localAt(gpa, 8)) >= 0 && this.localCounter !== 0) {
      const low = this.wide!.add64(this.localCounter) >>> 0;
      return (BigInt(this.wide!.high() >>> 0) << 32n) | BigInt(low);
    }
    if (at >= 0) return (at & 7) === 0 ? Atomics.load(this.fastU64, at >>> 3) : this.fastView.getBigUint64(at, true);
    const via = this.deviceFor(gpa, 8);
    if (via === VIA_BUILTIN) {
      const low = this.builtinRead(gpa, 8);
      return (BigInt(this.builtinHigh) << 32n) | BigInt(low);
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
    // `at >>> 0 !== at`: not an integer from 0 to 2^32 - 1 (out is shorter than that anyway).
    if (!(out instanceof Uint32Array || out instanceof Int32Array || Array.isArray(out)) || at >>> 0 !== at || at + 2 > out.length) {
      throw new AccessError('EINVAL', texts.badOutput(at), noExit);
    }
    // The common cases only: V8 inlines a method this short into its caller (issue 20).
    const address = this.ramAt(gpa, 8);
    if (address >= 0) this.memoryRead64Parts(address, out, at);
    else if (this.deviceServes(gpa, 8)) this.deviceRead64Parts(gpa, out, at);
    else this.elsewhereRead64Parts(gpa, out, at);
  }

  /** read64Parts of the 8 bytes at memory address `address` (RAM or a scratch device's). */
  private memoryRead64Parts(address: number, out: Uint32Array | Int32Array | number[], at: number): void {
    if ((address & 7) === 0) {
      out[at] = this.wide!.load64(address) >>> 0;
      out[at + 1] = this.wide!.high() >>> 0;
    } else {
      out[at] = this.fastView.getUint32(address, true);
      out[at + 1] = this.fastView.getUint32(address + 4, true);
    }
  }

  /** read64Parts where the RAM entry does not serve: the local, then the device entries, else the slow way. */
  private elsewhereRead64Parts(gpa: number, out: Uint32Array | Int32Array | number[], at: number): void {
    const address = this.localAt(gpa, 8);
    if (address >= 0 && this.localCounter !== 0) {
      out[at] = this.wide!.add64(this.localCounter) >>> 0;
      out[at + 1] = this.wide!.high() >>> 0;
      return;
    }
    if (address >= 0) {
      this.memoryRead64Parts(address, out, at);
      return;
    }
    const via = this.deviceFor(gpa, 8);
    if (via === VIA_JS) {
      this.deviceRead64Parts(gpa, out, at);
      return;
    }
    if (via === VIA_BUILTIN) {
      out[at] = this.builtinRead(gpa, 8);
      out[at + 1] = this.builtinHigh;
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
    const fitting = typeof value === 'number' && ((value & 0xff) === value || (value << 24) >> 24 === value);
    const at = this.ramWriteAt(gpa, 1);
    if (at >= 0 && fitting) {
      this.fastMemory[at] = value;
      if (this.ramDirty !== 0) this.markDirty(at, 1);
    } else if (!(fitting && (this.localWrite(gpa, 1, value) || this.deviceWriteFor(gpa, 1, value & 0xff, 0)))) {
      this.writeSlow(gpa, 1, value);
    }
  }

  /** Writes `value` (an integer from -2^15 to 2^16 - 1) little-endian at `gpa`; as write(gpa, 2, value). */
  write16(gpa: number, value: number): void {
    const fitting = typeof value === 'number' && ((value & 0xffff) === value || (value << 16) >> 16 === value);
    const at = this.ramWriteAt(gpa, 2);
    if (at >= 0 && fitting) {
      if ((at & 1) === 0) this.fastU16[at >>> 1] = value;
      else this.fastView.setUint16(at, value, true);
      if (this.ramDirty !== 0) this.markDirty(at, 2);
    } else if (!(fitting && (this.localWrite(gpa, 2, value) || this.deviceWriteFor(gpa, 2, value & 0xffff, 0)))) {
      this.writeSlow(gpa, 2, value);
    }
  }

  /** Writes `value` (an integer from -2^31 to 2^32 - 1) little-endian at `gpa`; as write(gpa, 4, value). */
  write32(gpa: number, value: number): void {
    // An integer from -2^31 to 2^32 - 1, in two int32 compares (fits(value, 4)).
    const fitting = typeof value === 'number' && ((value >>> 0) === value || (value | 0) === value);
    const at = this.ramWriteAt(gpa, 4);
    if (at >= 0 && fitting) {
      if ((at & 3) === 0) this.fastU32[at >>> 2] = value;
      else this.fastView.setUint32(at, value, true);
      if (this.ramDirty !== 0) this.markDirty(at, 4);
    } else if (!(fitting && (this.localWrite(gpa, 4, value) || this.deviceWriteFor(gpa, 4, value >>> 0, 0)))) {
      this.writeSlow(gpa, 4, value);
    }
  }

  /** Writes `value` (a bigint from -2^63 to 2^64 - 1) little-endian at `gpa`; as write(gpa, 8, value). */
  write64(gpa: number, value: bigint): void {
    if (typeof value !== 'bigint' || value < MIN_I64 || value >= U64_LIMIT) throw new AccessError('EINVAL', texts.badValue(8, value), noExit);
    // The RAM case inline, the rest in a helper: short enough for V8 to inline into its caller.
    const at = this.ramWriteAt(gpa, 8);
    if (at < 0) {
      this.elsewhereWrite64(gpa, value);
      return;
    }
    this.memoryWrite64(at, value);
    if (this.ramDirty !== 0) this.markDirty(at, 8);
  }

  /** write64 of the 8 bytes at memory address `at` (RAM or a scratch device's), atomic when aligned. */
  private memoryWrite64(at: number, value: bigint): void {
    if ((at & 7) === 0) Atomics.store(this.fastU64, at >>> 3, BigInt.asUintN(64, value));
    else this.fastView.setBigUint64(at, BigInt.asUintN(64, value), true);
  }

  /** write64 where the RAM entry does not serve: the local, then the device entries, else the slow way. */
  private elsewhereWrite64(gpa: number, value: bigint): void {
    const at = this.localAt(gpa, 8);
    if (at >= 0 && this.localCounter !== 0) this.wide!.store64(this.localCounter, Number(BigInt.asIntN(32, value)), Number(BigInt.asIntN(32, value >> 32n)));
    else if (at >= 0) this.memoryWrite64(at, value);
    else if (!this.deviceWriteFor(gpa, 8, Number(value & 0xffff_ffffn), Number(BigInt.asUintN(64, value) >> 32n))) {
      this.checkGpa(gpa);
      if (this.refilled(gpa, 8, true)) this.write64(gpa, value);
      else this.fastParts!.host.write(gpa, 8, value);
    }
  }

  /** write64 from two 32-bit halves (each an integer from -2^31 to 2^32 - 1). Naturally aligned RAM is written in one access. */
  write64Parts(gpa: number, low: number, high: number): void {
    if (!fits(low, 4) || !fits(high, 4)) throw new AccessError('EINVAL', texts.badValue(4, fits(low, 4) ? high : low), noExit);
    // As write64: the RAM case inline, the rest in a helper.
    const at = this.ramWriteAt(gpa, 8);
    if (at < 0) {
      this.elsewhereWrite64Parts(gpa, low, high);
      return;
    }
    this.memoryWrite64Parts(at, low, high);
    if (this.ramDirty !== 0) this.markDirty(at, 8);
  }

  private memoryWrite64Parts(at: number, low: number, high: number): void {
    if ((at & 7) === 0) this.wide!.store64(at, low | 0, high | 0);
    else {
      this.fastView.setUint32(at, low, true);
      this.fastView.setUint32(at + 4, high, true);
    }
  }

  private elsewhereWrite64Parts(gpa: number, low: number, high: number): void {
    const local = this.localAt(gpa, 8);
    if (local >= 0 && this.localCounter !== 0) this.wide!.store64(this.localCounter, low | 0, high | 0);
    else if (local >= 0) this.memoryWrite64Parts(local, low, high);
    else if (!this.deviceWriteFor(gpa, 8, low >>> 0, high >>> 0)) this.write64(gpa, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
  }

  /** The memory address of [gpa, gpa+size) when the RAM entry serves it, else -1. */
  private ramAt(gpa: number, size: number): number {
    if (typeof gpa !== 'number' || gpa < this.ramStart || gpa + size > this.ramEnd) return -1;
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

  /** Makes the device range recorded for gpa's page (if any) the entry; which entry serves this access. */
  protected recentDevice(gpa: number, size: number): number {
    if (typeof gpa !== 'number') return VIA_NONE;
    const page = Math.floor(gpa / 4096);
    const index = page & (RECENT_PAGES - 1);
    const found = this.recentRanges[index];
    if (this.recentEpochs[index] !== this.recentEpoch || this.recentPages[index] !== page || found === undefined || !found.device
      || gpa < found.start || gpa >= found.end) return VIA_NONE;
    return this.promoteDevice(found, gpa, size);
  }

  /** A 1-, 2- or 4-byte read that neither the RAM nor the local entry serves: a device entry's, else the slow way. */
  private readDevice(gpa: number, size: 1 | 2 | 4): number {
    // The two entries' checks here, the miss in a call: short enough for V8 to inline into the accessors (issue 20).
    if (this.deviceServes(gpa, size)) return this.deviceRead(gpa, size);
    if (this.builtinServes(gpa, size)) return this.builtinRead(gpa, size);
    return this.readMissed(gpa, size);
  }

  /** readDevice when neither entry serves: the device kept for gpa's page or the recent ranges', else the slow way. */
  private readMissed(gpa: number, size: 1 | 2 | 4): number {
    const via = this.deviceMissed(gpa, size);
    return via === VIA_BUILTIN ? this.builtinRead(gpa, size) : via === VIA_JS ? this.deviceRead(gpa, size) : this.readSlow(gpa, size);
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
    const page = Math.floor(gpa / 4096);
    const index = page & (RECENT_PAGES - 1);
    let found = this.recentRanges[index];
    // A page may hold more than one region (small devices): the range must cover gpa.
    if (this.recentEpochs[index] !== this.recentEpoch || this.recentPages[index] !== page || found === undefined || gpa < found.start || gpa >= found.end) {
      // Only this thread adds built-in devices: a plain load of the count sees every one added.
      found = this.lookUp(gpa, this.fastI32[this.builtinCountIndex]!);
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
      return (write ? this.ramWriteAt(gpa, size) : this.ramAt(gpa, size)) >= 0;
    }
    return this.promoteDevice(found, gpa, size) !== VIA_NONE;
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
      const word = wasm ? this.fastView.getUint32(entry + map.BUILTIN_E_WASM, true) : 0;
      const widths = wasm ? (word >>> 16) & 0xf : 15;
      const state = this.fastView.getUint32(entry + map.BUILTIN_E_STATE, true);
      const scratch = kind === map.BUILTIN_SCRATCH ? state : 0;
      const counter = kind === map.BUILTIN_COUNTER ? state : 0;
      return { device: true, builtin: true, start, end, index, widths, aligned: wasm, big: ((word >>> 24) & 1) !== 0, base, scratch, counter };
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

