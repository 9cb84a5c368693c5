// One core instance bound to one record of the shared memory: the in-thread path
// for guest-physical accesses by the host or by one vCPU's thread.

import { coreFunctions, instantiateCore, readMemoryMap, type CoreFunctions, type MemoryMap, type MmioImport } from './core.js';
import { AccessError, EmuError, texts } from './errors.js';
import { BUS_UNCLAIMED, MmioBus } from './mmio.js';
import { bytesToValue, parseU64, valueToBytes, type Endian } from './values.js';

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

export class CoreAccessor {
  readonly instance: WebAssembly.Instance;
  readonly functions: CoreFunctions;
  readonly map: MemoryMap;
  readonly record: number;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;

  /**
   * `unclaimed`, when given, completes accesses no device on `bus` claims (a VMM's own
   * view of the memory map); it returns BUS_HANDLED, BUS_UNCLAIMED or BUS_DEVICE_ERROR.
   */
  constructor(module: WebAssembly.Module, readonly memory: WebAssembly.Memory, recordIndex: number, readonly bus: MmioBus, unclaimed?: MmioImport) {
    this.bytes = new Uint8Array(memory.buffer);
    const view = new DataView(memory.buffer);
    this.view = view;
    let mmioData = 0;
    this.instance = instantiateCore(module, memory, (as, gpaLow, gpaHigh, size, write, cause) => {
      const claimed = gpaHigh >= GPA_HIGH_LIMIT ? BUS_UNCLAIMED : bus.access(as, gpaHigh * 2 ** 32 + (gpaLow >>> 0), write !== 0, view, mmioData, size);
      return claimed === BUS_UNCLAIMED && unclaimed ? unclaimed(as, gpaLow, gpaHigh, size, write, cause) : claimed;
    });
    this.map = readMemoryMap(this.instance);
    this.functions = coreFunctions(this.instance);
    const bound = this.functions.bindRecord(recordIndex);
    if (bound !== 0) throw new EmuError('EINVAL', `record ${recordIndex} cannot be bound (code ${bound})`);
    this.record = this.map.VCPU_BASE + recordIndex * this.map.VCPU_RECORD_SIZE;
    mmioData = this.record + this.map.REC_MMIO_DATA;
  }

  /** Reads `size` (1..16) bytes at `gpa` as a value; throws AccessError if it does not complete. */
  read(gpa: bigint | number | string, size: number, options: AccessOptions = {}): bigint {
    const at = this.checkAccess(gpa, size, options);
    this.raise(this.functions.physRead(options.addressSpace ?? 0, at, size), at, size, false);
    return bytesToValue(this.data(size), options.endian ?? 'little');
  }

  /** Writes the low `size` (1..16) bytes of `value` at `gpa`; throws AccessError if it does not complete. */
  write(gpa: bigint | number | string, size: number, value: bigint | number, options: AccessOptions = {}): void {
    const at = this.checkAccess(gpa, size, options);
    valueToBytes(BigInt(value), this.data(size), options.endian ?? 'little');
    this.raise(this.functions.physWrite(options.addressSpace ?? 0, at, size), at, size, true);
  }

  /** Copies `length` bytes from guest-physical `gpa` (RAM or devices), 16 at a time. */
  readBytes(gpa: bigint | number | string, length: number, options: AccessOptions = {}): Uint8Array {
    const start = this.checkAccess(gpa, 1, options);
    const out = new Uint8Array(length);
    for (let done = 0; done < length; done += 16) {
      const size = Math.min(16, length - done);
      const at = start + BigInt(done);
      this.raise(this.functions.physRead(options.addressSpace ?? 0, at, size), at, size, false);
      out.set(this.data(size), done);
    }
    return out;
  }

  /** Copies `source` to guest-physical `gpa` (RAM or devices), 16 bytes at a time. */
  writeBytes(gpa: bigint | number | string, source: Uint8Array, options: AccessOptions = {}): void {
    const start = this.checkAccess(gpa, 1, options);
    for (let done = 0; done < source.length; done += 16) {
      const size = Math.min(16, source.length - done);
      const at = start + BigInt(done);
      this.data(size).set(source.subarray(done, done + size));
      this.raise(this.functions.physWrite(options.addressSpace ?? 0, at, size), at, size, true);
    }
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

  private checkAccess(gpa: unknown, size: number, options: AccessOptions): bigint {
    const at = parseU64(gpa);
    if (at === undefined) throw new AccessError('EINVAL', texts.notInteger('gpa', gpa), noExit);
    if (!Number.isInteger(size) || size < 1 || size > 16) throw new AccessError('EINVAL', texts.badAccessSize(size), noExit);
    const as = options.addressSpace ?? 0;
    if (!Number.isInteger(as) || as < 0 || as >= this.map.AS_COUNT) {
      throw new AccessError('EINVAL', texts.badAddressSpaceArg(as, this.map.AS_COUNT), noExit);
    }
    return at;
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
      const message = failure?.error instanceof Error ? failure.error.message : String(failure?.error);
      throw new AccessError('EIO', texts.deviceThrew(failure?.device ?? '?', fragment.gpa, message), fragment, { cause: failure?.error });
    }
    throw new AccessError('EINVAL', `${texts.badAccessSize(size)} at ${gpa}`, fragment);
  }
}

/** Devices decode below 2^53: the high word of such an address is below 2^21. */
const GPA_HIGH_LIMIT = 2 ** 21;

const noExit = { gpa: 0n, size: 0, write: false, cause: 'none' };

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
