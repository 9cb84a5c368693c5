// One core instance bound to one record of the shared memory: the in-thread path
// for guest-physical accesses by the host or by one vCPU's thread.

import { coreFunctions, coreTable, exportedFunctionNames, instantiateCore, moduleMemoryMap, type CoreFunctions, type DeviceImports, type MemoryMap, type MmioImport } from './core.js';
import { setDeviceEntry, type DeviceEntry } from './device-entries.js';
import { AccessError, EmuError, texts } from './errors.js';
import { BLOCK_LOAD, BLOCK_STATUS_UNSUPPORTED, BLOCK_STORE_STATUS, BUS_HANDLED, BUS_UNCLAIMED, MmioBus, type EntrySink, type Mapped } from './mmio.js';
import { optionalEndian, optionalInteger, requireAccessValue, requireInteger, requireObject, requireU64 } from './validate.js';
import { bytesToValue, describeThrown, valueToBytes, type Endian } from './values.js';
import { guardDeviceTraps } from './wasm-device.js';

export interface AccessOptions {
  /** Address space (slot bits 16-31); default 0. */
  addressSpace?: number;
  /** Byte order of the value; default 'little'. */
  endian?: Endian;
}

export interface AccessCounters {
  /** Accesses the last-used slot did not resolve (a table search). */
  lookupSearches: bigint;
  /** MMIO fragments dispatched to the bus. */
  mmio: bigint;
  /** Searches repeated because the table was republished meanwhile. */
  retries: bigint;
}

export interface CoreAccessorOptions {
  /** Runs on the new instance before it binds its record (the machine lays out a fresh memory with it: no instance of its own for that). */
  init?: (functions: CoreFunctions) => void;
  /**
   * false: `instance` exports the core's functions only, not its constants (they are in
   * `map`), which makes it about five times cheaper to create; default true.
   */
  constants?: boolean;
}

export class CoreAccessor implements EntrySink {
  readonly instance: WebAssembly.Instance;
  readonly functions: CoreFunctions;
  readonly map: MemoryMap;
  readonly record: number;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** This instance's function table (its JS device entries) and the memory as words. */
  private readonly table: WebAssembly.Table;
  private readonly words: Uint32Array;
  /** The device whose entry is in the table, by bus index (filled as the core first locates it). */
  private readonly entered: (Mapped | undefined)[] = [];
  /** The device not yet entered at each bus index, and how often the core located it (locatedAgain). */
  private readonly locating: (Mapped | undefined)[] = [];
  private readonly locates: number[] = [];
  /** Bus dispatches in progress on this record (register-path handler calls among them): a host access made now is nested inside a device handler. */
  private readonly calls = { depth: 0 };

  /** Whether a host access made now is nested inside a device handler on this record's bus. */
  get nested(): boolean {
    return this.calls.depth !== 0;
  }

  /**
   * `unclaimed`, when given, completes accesses no device on `bus` claims (a VMM's own
   * view of the memory map); it returns BUS_HANDLED, BUS_UNCLAIMED or BUS_DEVICE_ERROR.
   * Its bytes are at mmioDataAt(size): size 64 is an LS64 access (a store with status
   * gets the u64 at REC_DATA, all ones unless the hook writes another).
   */
  constructor(module: WebAssembly.Module, readonly memory: WebAssembly.Memory, recordIndex: number, readonly bus: MmioBus, unclaimed?: MmioImport,
    options: CoreAccessorOptions = {}) {
    const { init, constants = true } = options;
    this.bytes = new Uint8Array(memory.buffer);
    const view = new DataView(memory.buffer);
    this.view = view;
    let mmioData = 0;
    let blockData = 0;
    let blockStatusAt = 0;
    const calls = this.calls;
    // The core locates a device as it gives a TLB mark its hint: that device's entry goes in the table then.
    const devices: DeviceImports = {
      mmioLocate: (as, gpaLow, gpaHigh) => {
        const mapped = gpaHigh >>> 0 >= GPA_HIGH_LIMIT ? undefined : bus.find(as, gpaHigh * 2 ** 32 + (gpaLow >>> 0));
        if (mapped === undefined) return -1;
        if (as === 0 && mapped.index < this.map.JS_DEVICE_MAX && this.entered[mapped.index] !== mapped) this.locatedAgain(mapped);
        return mapped.index;
      },
      // LS64: one device call with the 64 bytes; unclaimed ones go to `unclaimed` as a 64-byte access.
      mmioBlock: (as, gpaLow, gpaHigh, op, cause) => {
        calls.depth++;
        try {
          const kind = op & 3;
          // A store with status that no device answers: all ones, unless `unclaimed` says otherwise.
          view.setBigUint64(blockStatusAt, BLOCK_STATUS_UNSUPPORTED, true);
          const data = new Uint8Array(memory.buffer, blockData, 64);
          const claimed = gpaHigh >>> 0 >= GPA_HIGH_LIMIT ? BUS_UNCLAIMED : bus.accessBlock(as, gpaHigh * 2 ** 32 + (gpaLow >>> 0), kind, (op & 4) !== 0, data);
          if (claimed === BUS_HANDLED && kind === BLOCK_STORE_STATUS) view.setBigUint64(blockStatusAt, bus.blockStatus, true);
          return claimed === BUS_UNCLAIMED && unclaimed ? unclaimed(as, gpaLow, gpaHigh, 64, kind === BLOCK_LOAD ? 0 : 1, cause) : claimed;
        } finally {
          calls.depth--;
        }
      },
    };
    this.instance = instantiateCore(module, memory, (as, gpaLow, gpaHigh, size, write, cause) => {
      calls.depth++;
      try {
        const claimed = gpaHigh >= GPA_HIGH_LIMIT ? BUS_UNCLAIMED : bus.access(as, gpaHigh * 2 ** 32 + (gpaLow >>> 0), write !== 0, view, mmioData, size);
        return claimed === BUS_UNCLAIMED && unclaimed ? unclaimed(as, gpaLow, gpaHigh, size, write, cause) : claimed;
      } finally {
        calls.depth--;
      }
    }, devices, constants);
    this.map = moduleMemoryMap(module, this.instance, memory);
    // A trap inside a device module ends the access or the run with a device error.
    this.functions = guardDeviceTraps(coreFunctions(this.instance), exportedFunctionNames(module), this.instance, memory, (device, error) => {
      bus.lastFailure = { device, gpa: view.getBigUint64(this.record + this.map.REC_MMIO_GPA, true), error };
      view.setUint32(this.record + this.map.REC_EXIT, this.map.EXIT_DEVICE_ERROR, true);
      return this.map.EXIT_DEVICE_ERROR;
    });
    init?.(this.functions);
    const bound = this.functions.bindRecord(requireInteger(EmuError, 'record', recordIndex, 0, 0xffff_ffff));
    if (bound !== 0) throw new EmuError('EINVAL', `record ${recordIndex} cannot be bound (code ${bound})`);
    this.record = this.map.VCPU_BASE + recordIndex * this.map.VCPU_RECORD_SIZE;
    mmioData = this.record + this.map.REC_MMIO_DATA;
    blockData = this.record + this.map.REC_DATA64;
    blockStatusAt = this.record + this.map.REC_DATA;
    this.table = coreTable(this.instance);
    this.words = new Uint32Array(memory.buffer);
    bus.addSink(this);
  }

  /** Wasm device `entry`'s read and write as this instance's table holds them (the functions its core calls). */
  wasmDeviceHandlers(entry: number): [WebAssembly.ImportValue, WebAssembly.ImportValue] {
    const index = this.map.WASM_DEVICE_TABLE_BASE + 2 * entry;
    return [this.table.get(index), this.table.get(index + 1)];
  }

  /**
   * Counts a locate of `mapped` while it has no entry (each access to it goes the general
   * way meanwhile: its hint finds the vacant pair): the entry goes in at ENTER_AFTER. An
   * entry costs a binding instance (tens of µs), more than a short run's few dozen accesses.
   */
  private locatedAgain(mapped: Mapped): void {
    const index = mapped.index;
    if (this.locating[index] !== mapped) {
      this.locating[index] = mapped;
      this.locates[index] = 0;
    }
    if (++this.locates[index]! < ENTER_AFTER) return;
    this.locating[index] = undefined;
    this.enterDevice(mapped);
  }

  /** Puts `mapped`'s register-path entry in the table at its bus index (address space 0, below JS_DEVICE_MAX). */
  private enterDevice(mapped: Mapped): void {
    const dataIndex = (this.record + this.map.REC_MMIO_DATA) >> 2;
    // The device's own compiled copy, once it has been called often enough: only while it is still the one entered.
    const replace = (entry: DeviceEntry) => {
      if (this.entered[mapped.index] === mapped) setDeviceEntry(this.table, this.map, mapped.index, entry);
    };
    setDeviceEntry(this.table, this.map, mapped.index, this.bus.entryFor(mapped, this.calls, this.words, dataIndex, replace));
    this.entered[mapped.index] = mapped;
  }

  /** A device left the bus: its entry leaves the table (a stale hint to its index then finds the vacant pair). */
  deviceRemoved(mapped: Mapped): void {
    if (this.entered[mapped.index] !== mapped) return;
    setDeviceEntry(this.table, this.map, mapped.index, undefined);
    this.entered[mapped.index] = undefined;
  }

  // Every access checks its arguments first (AccessError EINVAL, nothing touched):
  // gpa a u64, the range not crossing 2^64, size 1..16, options as documented.

  /** Reads `size` (1..16) bytes at `gpa` as a value; throws AccessError if it does not complete. */
  read(gpa: bigint | number | string, size: number, options?: AccessOptions): bigint {
    const { as, endian } = this.checkOptions(options);
    const at = this.checkRange(gpa, this.checkSize(size));
    const outer = this.enter();
    try {
      this.raise(this.functions.physRead(as, at, size), at, size, false);
      return bytesToValue(this.data(size), endian);
    } finally {
      if (outer) this.leave(outer);
    }
  }

  /**
   * Writes `value` in `size` (1..16) bytes at `gpa`: it must fit, unsigned or as a
   * negative two's complement number. Throws AccessError if it does not complete.
   */
  write(gpa: bigint | number | string, size: number, value: bigint | number, options?: AccessOptions): void {
    const { as, endian } = this.checkOptions(options);
    const at = this.checkRange(gpa, this.checkSize(size));
    const bits = requireAccessValue(AccessError, value, size);
    const outer = this.enter();
    try {
      valueToBytes(bits, this.data(size), endian);
      this.raise(this.functions.physWrite(as, at, size), at, size, true);
    } finally {
      if (outer) this.leave(outer);
    }
  }

  /** Copies `length` (at most MAX_COPY_BYTES) bytes from guest-physical `gpa` (RAM or devices), 16 at a time. */
  readBytes(gpa: bigint | number | string, length: number, options?: AccessOptions): Uint8Array {
    const { as } = this.checkOptions(options);
    const start = this.checkRange(gpa, requireInteger(AccessError, 'length', length, 0, MAX_COPY_BYTES));
    const outer = this.enter();
    try {
      const out = new Uint8Array(length);
      for (let done = 0; done < length; done += 16) {
        const size = Math.min(16, length - done);
        const at = start + BigInt(done);
        this.raise(this.functions.physRead(as, at, size), at, size, false);
        out.set(this.data(size), done);
      }
      return out;
    } finally {
      if (outer) this.leave(outer);
    }
  }

  /** Copies `source` (a Uint8Array) to guest-physical `gpa` (RAM or devices), 16 bytes at a time. */
  writeBytes(gpa: bigint | number | string, source: Uint8Array, options?: AccessOptions): void {
    const { as } = this.checkOptions(options);
    if (!(source instanceof Uint8Array)) throw new AccessError('EINVAL', texts.notBytes('source', source));
    const start = this.checkRange(gpa, source.length);
    const outer = this.enter();
    try {
      for (let done = 0; done < source.length; done += 16) {
        const size = Math.min(16, source.length - done);
        const at = start + BigInt(done);
        this.data(size).set(source.subarray(done, done + size));
        this.raise(this.functions.physWrite(as, at, size), at, size, true);
      }
    } finally {
      if (outer) this.leave(outer);
    }
  }

  /** Where an MMIO exit's or an `unclaimed` call's bytes are: REC_MMIO_DATA, or REC_DATA64 for a 64-byte (LS64) access. */
  mmioDataAt(size: number): number {
    return this.record + (size === 64 ? this.map.REC_DATA64 : this.map.REC_MMIO_DATA);
  }

  counters(): AccessCounters {
    const at = this.record + this.map.REC_COUNTERS;
    return {
      lookupSearches: this.view.getBigUint64(at + this.map.CNT_LOOKUP_SEARCHES, true),
      mmio: this.view.getBigUint64(at + this.map.CNT_MMIO, true),
      retries: this.view.getBigUint64(at + this.map.CNT_RETRIES, true),
    };
  }

  private data(size: number): Uint8Array {
    const at = this.record + this.map.REC_DATA;
    return this.bytes.subarray(at, at + size);
  }

  private checkOptions(options: unknown): { as: number; endian: Endian } {
    if (options === undefined) return DEFAULT_OPTIONS;
    const fields = requireObject(AccessError, 'options', options, true);
    return {
      as: optionalInteger(AccessError, 'addressSpace', fields.addressSpace, 0, 0, this.map.AS_COUNT - 1),
      endian: optionalEndian(AccessError, 'endian', fields.endian),
    };
  }

  private checkSize(size: unknown): number {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > 16) throw new AccessError('EINVAL', texts.badAccessSize(size));
    return size;
  }

  /** `gpa` as a u64 whose `length` bytes end at or below 2^64 (the core's address arithmetic would wrap to 0). */
  private checkRange(gpa: unknown, length: number): bigint {
    const at = requireU64(AccessError, 'gpa', gpa);
    if (at + BigInt(length) > U64_END) throw new AccessError('EINVAL', texts.crosses2to64(at, length));
    return at;
  }

  /**
   * Starts a host access. Inside a device handler on this record's bus (a device that
   * calls back into the machine) the access that called the device has its fragments in
   * this record's access area: returns a copy of that area for leave() to put back, so
   * each access sees only its own bytes. Outside one, undefined.
   */
  private enter(): Uint8Array | undefined {
    const depth = this.calls.depth;
    if (depth === 0) return undefined;
    if (depth > MAX_NESTING) throw new AccessError('EIO', texts.reentered(depth));
    return this.bytes.slice(this.record, this.record + this.map.REC_SLOT_CACHE);
  }

  private leave(outer: Uint8Array): void {
    this.bytes.set(outer, this.record);
  }

  private raise(exit: number, gpa: bigint, size: number, write: boolean): void {
    const map = this.map;
    if (exit === map.EXIT_NONE) return;
    const fragment = {
      gpa: this.view.getBigUint64(this.record + map.REC_MMIO_GPA, true),
      size: this.view.getUint32(this.record + map.REC_MMIO_SIZE, true),
      write,
      cause: causeName(map, this.view.getUint32(this.record + map.REC_CAUSE, true)),
    };
    if (exit === map.EXIT_MMIO) {
      throw new AccessError('EFAULT', texts.unassigned(fragment.gpa, fragment.size, write, fragment.cause), fragment);
    }
    if (exit === map.EXIT_DEVICE_ERROR) {
      const failure = this.bus.lastFailure;
      const message = describeThrown(failure?.error);
      throw new AccessError('EIO', texts.deviceThrew(failure?.device ?? '?', fragment.gpa, message), fragment, { cause: failure?.error });
    }
    throw new AccessError('EINVAL', `${texts.badAccessSize(size)} at ${gpa}`, fragment);
  }
}

/** Devices decode below 2^53: the high word of such an address is below 2^21. */
const GPA_HIGH_LIMIT = 2 ** 21;
/**
 * Locates of a JS device before its table entry goes in (accessor.locatedAgain): a
 * binding instance cost 35-55 µs of a printing corpus guest's run, whose console was
 * entered at its second locate for its 32 bytes; its general path costs far less.
 */
export const ENTER_AFTER = 64;
const U64_END = 1n << 64n;
const DEFAULT_OPTIONS: { as: number; endian: Endian } = { as: 0, endian: 'little' };
/** The most bytes one readBytes call copies (its result is one Uint8Array). */
export const MAX_COPY_BYTES = 2 ** 30;
/** Host accesses nested inside device handlers deeper than this are refused (a device calling itself without end). */
const MAX_NESTING = 64;

/** Why an access left the RAM path (an MMIO exit's cause). */
export type MmioCause = 'unmapped' | 'read-only slot' | 'invalid slot';

export function causeName(map: MemoryMap, cause: number): MmioCause | 'none' {
  switch (cause) {
    case map.CAUSE_UNMAPPED: return 'unmapped';
    case map.CAUSE_READONLY: return 'read-only slot';
    case map.CAUSE_INVALID: return 'invalid slot';
    default: return 'none';
  }
}
