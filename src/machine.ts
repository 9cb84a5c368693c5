// A machine: one shared memory laid out by the core's map, the slot table, the MMIO
// bus and the host's own accessor. In-process mode: everything on the calling thread.

import { CoreAccessor, type AccessCounters, type AccessOptions } from './accessor.js';
import { RangeAllocator } from './alloc.js';
import { loadCoreModule, planPages, type CoreFlavor, type CoreFunctions, type MemoryMap, type MmioImport } from './core.js';
import { EmuError, MmioError, SlotError, texts } from './errors.js';
import { TypedAccess } from './fast-access.js';
import { MmioBus, type EntrySink } from './mmio.js';
import { SlotTable, dirtyBitmapBytes, type MemoryRegion, type SlotChange, type SlotInfo } from './slots.js';
import { optionalInteger, requireInteger, requireObject, requireU64 } from './validate.js';
import { addWasmDevice, forgetWasmDevices, type WasmDeviceOptions, type WasmDeviceRegistration } from './wasm-device.js';

export interface MachineOptions {
  /** Guest vCPUs the memory has records for; default 1. */
  vcpus?: number;
  /** Bytes of guest-RAM arena (slot backing); default 64 MiB, a multiple of 4096. */
  arenaBytes?: number;
  /** Entries of each vCPU's software TLB: a power of two, 16..65536; default 256. */
  tlbEntries?: number;
  /** Bytes of dirty-bitmap pool; default room for four slots spanning the whole arena. */
  dirtyLogBytes?: number;
  /** Which build of the core to run; default 'release' ('unshared' when `shared` is false). */
  core?: CoreFlavor;
  /**
   * One shared memory that vCPU threads can use (default). false: an unshared memory
   * for one thread (the deterministic scheduler), which a browser page can have
   * without cross-origin isolation.
   */
  shared?: boolean;
  /**
   * Runs hot loops as Wasm compiled from them, the rest interpreted; default false.
   * 64-bit PowerPC: D/DS-form loads and stores, addi/addis/ori, closed by bdnz. A64:
   * LDR/STR/LDRSW (unsigned offset), ADD/SUB immediate, closed by SUBS + B.NE or CBNZ.
   * A32: LDR/STR/LDRB/STRB/LDRH/STRH (immediate offset), ADD/SUB immediate, closed by
   * SUBS + BNE. T32: the 16-bit LDR/STR/LDRB/STRB/LDRH/STRH (immediate, SP-relative),
   * closed by SUBS #imm8 + BNE, outside IT blocks.
   */
  jit?: boolean;
}

/** Where the per-machine regions landed (read back from the control block). */
export interface MachineLayout {
  vcpuCount: number;
  vcpuBase: number;
  hostRecord: number;
  tlbBase: number;
  tlbEntries: number;
  dirtyBase: number;
  dirtySize: number;
  arenaBase: number;
  arenaSize: number;
  memoryPages: number;
}

export const DEFAULT_ARENA_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TLB_ENTRIES = 256;

/** Also the typed accessors read8..read64 / write8..write64 (src/fast-access.ts). */
export class Machine extends TypedAccess {
  /** The device bus: `machine.mmio.register({ base, size, read, write })`. */
  readonly mmio: MmioBus;
  readonly layout: MachineLayout;
  readonly map: MemoryMap;
  private readonly table: SlotTable;
  private arena: RangeAllocator;
  private readonly host: CoreAccessor;
  /**
   * Arena offset from which no byte can have been written: nothing was allocated, viewed
   * by backing() or reachable through a slot there. The memory is fresh (zero) at creation.
   */
  private neverWrittenFrom = 0;
  /** How many times reset() ran: a Vcpu made before the last one is retired. */
  private resets = 0;
  /** The accessors of the Vcpus made since the last reset, which it retires (the bus stops telling them of removed devices). */
  private vcpuAccessors: Array<WeakRef<CoreAccessor>> = [];
  /** In-thread Vcpu.run calls in progress (a device handler may call reset from inside one). */
  private runsInProgress = 0;
  /** Told of each device removed from `mmio`: drops the typed accessors' entries (src/fast-access.ts). */
  private readonly busSink: EntrySink;

  /** `init` lays out the fresh memory (machineInit) on the host's core instance before it binds its record. */
  private constructor(readonly module: WebAssembly.Module, readonly memory: WebAssembly.Memory, vcpus: number, init: (core: CoreFunctions) => void) {
    super();
    this.mmio = new MmioBus(2);
    // Nothing reads constants from the host's instance (it is private): the cheaper instance.
    this.host = new CoreAccessor(module, memory, vcpus, this.mmio, undefined, { init, constants: false });
    this.map = this.host.map;
    this.layout = readLayout(this.map, memory);
    const bytes = new Uint8Array(memory.buffer);
    this.arena = new RangeAllocator(0, this.layout.arenaSize, this.map.PAGE_SIZE);
    const dirtyPool = new RangeAllocator(this.layout.dirtyBase, this.layout.dirtySize, 8);
    const arena = { base: this.layout.arenaBase, size: this.layout.arenaSize };
    this.table = new SlotTable(this.map, bytes, arena, dirtyPool, (arenaEnd) => this.mayBeWrittenBelow(arenaEnd), () => this.dropTypedEntries());
    this.bindTypedAccess({ memory, map: this.map, table: this.table, bus: this.mmio, host: this.host });
    // The bus holds its sinks weakly: this field keeps the machine's alive as long as the machine.
    this.busSink = { deviceRemoved: () => this.dropTypedEntries() };
    this.mmio.addSink(this.busSink);
  }

  static async create(options: MachineOptions = {}): Promise<Machine> {
    requireObject(EmuError, 'options', options);
    const vcpus = options.vcpus ?? 1;
    const arenaBytes = options.arenaBytes ?? DEFAULT_ARENA_BYTES;
    if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 1024) throw new EmuError('EINVAL', texts.badOption('vcpus', 'must be 1..1024'));
    if (!Number.isInteger(arenaBytes) || arenaBytes <= 0 || arenaBytes % 4096 !== 0 || arenaBytes >= 2 ** 32) {
      throw new EmuError('EINVAL', texts.badOption('arenaBytes', 'must be a positive multiple of 4096 below 4 GiB'));
    }
    const tlbEntries = options.tlbEntries ?? DEFAULT_TLB_ENTRIES;
    if (!Number.isInteger(tlbEntries) || tlbEntries < 16 || tlbEntries > 65536 || (tlbEntries & (tlbEntries - 1)) !== 0) {
      throw new EmuError('EINVAL', texts.badOption('tlbEntries', 'must be a power of two from 16 to 65536'));
    }
    const dirtyBytes = options.dirtyLogBytes ?? 4 * dirtyBitmapBytes(arenaBytes / 4096);
    if (!Number.isInteger(dirtyBytes) || dirtyBytes < 0 || dirtyBytes % 8 !== 0) {
      throw new EmuError('EINVAL', texts.badOption('dirtyLogBytes', 'must be a non-negative multiple of 8'));
    }
    const shared = options.shared ?? true;
    if (shared && globalThis.crossOriginIsolated === false) throw new EmuError('EPERM', texts.notIsolated());
    const module = await loadCoreModule(shared ? options.core : 'unshared');
    const pages = plannedPages(module, vcpus, tlbEntries, dirtyBytes, arenaBytes, shared);
    if (pages === 0) throw new EmuError('ENOMEM', texts.badOption('arenaBytes', 'the machine does not fit in 4 GiB of Wasm memory'));
    const memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared });
    const machine = new Machine(module, memory, vcpus, (core) => {
      const status = core.machineInit(vcpus, tlbEntries, dirtyBytes, arenaBytes);
      if (status !== 0) throw new EmuError('EIO', texts.coreInit(status));
    });
    // Written before any vCPU runs; every core instance reads it at the start of a run.
    new DataView(memory.buffer).setUint32(machine.map.CONTROL_BASE + machine.map.CTRL_JIT, options.jit ? 1 : 0, true);
    return machine;
  }

  /**
   * Returns the machine to the state create() left it in, keeping its options (vCPUs,
   * arena and TLB sizes, core, jit), so it can run another guest: nothing of the last one
   * survives. Every slot is deleted (with its dirty log) and every arena byte anything
   * could have written is zeroed, all of it free for allocateBacking again; every device
   * is removed (JS devices on `mmio`, built-in and Wasm ones) and the bus's lastFailure
   * forgotten; every vCPU record (registers, system registers, exits, counters,
   * micro-op cache, compiled-loop table) is zeroed and every TLB emptied. Vcpu objects
   * made before are retired: their run, set, completeMmio and reset throw EmuError
   * EINVAL; make new ones (a new Vcpu has its own core instance, so no decoded or
   * compiled code of the last guest). The host's typed-accessor entries are dropped.
   * Throws EmuError EBUSY, changing nothing, while a vCPU runs: from a device handler
   * inside Vcpu.run, or while a vCPU thread (VcpuThreads) is in a run.
   */
  reset(): void {
    const map = this.map;
    const words = new Int32Array(this.memory.buffer);
    const records = this.layout.vcpuCount + 1;
    const running = Array.from({ length: records - 1 }, (_, index) => Atomics.load(words, (map.VCPU_BASE + index * map.VCPU_RECORD_SIZE + map.REC_SYNC_STATE) >> 2));
    if (this.runsInProgress > 0 || running.some((state) => state !== map.VCPU_OUTSIDE)) throw new EmuError('EBUSY', texts.resetWhileRunning());
    this.resets++;
    // Publishes every address space: the slot generations move on (never back), so the vCPUs' caches are stale;
    // the typed accessors' entries are dropped (nothing accesses memory before the built-in devices are cleared below).
    this.table.clear();
    // Pages no one wrote are only read (a fill would allocate every page a guest's RAM spans); the first reset still faults each one in once.
    this.host.functions.zeroWrittenPages(this.layout.arenaBase, this.layout.arenaBase + this.neverWrittenFrom);
    const bytes = new Uint8Array(this.memory.buffer);
    this.neverWrittenFrom = 0;
    this.arena = new RangeAllocator(0, this.layout.arenaSize, map.PAGE_SIZE);
    this.mmio.clear();
    // Else every retired accessor would be told of each removal until the collector takes it.
    for (const ref of this.vcpuAccessors.splice(0)) {
      const accessor = ref.deref();
      if (accessor) this.mmio.removeSink(accessor);
    }
    forgetWasmDevices(this.memory);
    const control = map.CONTROL_BASE;
    bytes.fill(0, control + map.CTRL_BUILTINS, control + map.CTRL_BUILTINS + map.BUILTIN_MAX * map.BUILTIN_ENTRY_SIZE);
    bytes.fill(0, control + map.CTRL_SHOOT_RING, control + map.CTRL_SHOOT_RING + map.SHOOT_RING_SIZE * map.SHOOT_ENTRY_SIZE);
    for (const word of [map.CTRL_SHOOT_SEQ, map.CTRL_SHOOT_DONE, map.CTRL_SHOOT_LOCK, map.CTRL_ACK_BELL, map.CTRL_STOP, map.CTRL_GLOBAL_LOCK, map.CTRL_RW_LOCK, map.CTRL_RUN_STATE]) {
      Atomics.store(words, (control + word) >> 2, 0);
    }
    // Zero, as at creation: a new vCPU's core instance starts with its hints filled under 0, and
    // every core cache filled under the old value is stale through the slot generation.
    Atomics.store(words, (control + map.CTRL_BUILTIN_COUNT) >> 2, 0);
    Atomics.store(words, (control + map.CTRL_DEVICE_GEN) >> 2, 0);
    // The guests' records whole; the host's record never runs guest code, so its micro-op pages are never written (nor touched here).
    bytes.fill(0, map.VCPU_BASE, map.VCPU_BASE + (records - 1) * map.VCPU_RECORD_SIZE);
    const hostRecord = map.VCPU_BASE + (records - 1) * map.VCPU_RECORD_SIZE;
    bytes.fill(0, hostRecord, hostRecord + map.REC_UOPS);
    bytes.fill(0xff, this.layout.tlbBase, this.layout.tlbBase + records * this.layout.tlbEntries * map.TLB_ENTRY_SIZE);
  }

  /** How many times reset() ran (a Vcpu compares it with the count when it was made). */
  get resetCount(): number {
    return this.resets;
  }

  /** Makes the accessor of a Vcpu on `index` (its `unclaimed` completes its MMIO exits); reset() retires it with the Vcpu. */
  attachVcpu(index: number, unclaimed: MmioImport): CoreAccessor {
    const accessor = this.attach(index, this.mmio, unclaimed, false);
    // A machine that is never reset keeps only the live ones.
    if (this.vcpuAccessors.length >= 64) this.vcpuAccessors = this.vcpuAccessors.filter((ref) => ref.deref() !== undefined);
    this.vcpuAccessors.push(new WeakRef(accessor));
    return accessor;
  }

  /** Vcpu.run brackets each run with these (the second in a finally): reset() refuses in between. */
  runStarted(): void {
    this.runsInProgress++;
  }

  runEnded(): void {
    this.runsInProgress--;
  }

  /** KVM_SET_USER_MEMORY_REGION. Throws SlotError with KVM's errno; a rejected call changes nothing. */
  setUserMemoryRegion(region: MemoryRegion): SlotChange {
    return this.table.set(region);
  }

  /** Several KVM_SET_USER_MEMORY_REGION calls published at once; if one is refused, none applies. */
  setUserMemoryRegions(regions: readonly MemoryRegion[]): SlotChange[] {
    return this.table.transaction(regions);
  }

  /** Marks a slot INVALID (accesses take the MMIO path with cause 'invalid', as KVM does mid-update) or valid again. */
  setSlotInvalid(slot: number, invalid: boolean): void {
    this.table.setInvalid(slot, invalid);
  }

  /**
   * Adds a device served inside the core, without a call to JavaScript: 'scratch'
   * registers read back what was written; a 'counter' returns the next value of a
   * 64-bit little-endian counter on each read and is set by a write. Its registers
   * live in the arena (returned, as a userspaceAddr), shared by every vCPU thread.
   */
  addBuiltinDevice(device: { kind: 'scratch' | 'counter'; base: bigint | number; size: number; addressSpace?: number }): number {
    const map = this.map;
    const words = new DataView(this.memory.buffer, map.CONTROL_BASE);
    const count = Atomics.load(new Int32Array(this.memory.buffer), (map.CONTROL_BASE + map.CTRL_BUILTIN_COUNT) >> 2);
    requireObject(MmioError, 'builtin device', device);
    if (device.kind !== 'scratch' && device.kind !== 'counter') throw new MmioError('EINVAL', texts.notOneOf('builtin device kind', device.kind, ['scratch', 'counter']));
    const base = requireU64(MmioError, 'builtin device base', device.base);
    // Its registers live in the arena, so it is no larger than the arena.
    const size = requireInteger(MmioError, 'builtin device size', device.size, 1, this.layout.arenaSize);
    const as = optionalInteger(MmioError, 'builtin device addressSpace', device.addressSpace, 0, 0, map.AS_COUNT - 1);
    if (base + BigInt(size) > 1n << 64n) throw new MmioError('EINVAL', texts.crosses2to64(base, size));
    if (count >= map.BUILTIN_MAX) throw new MmioError('ENOMEM', texts.badOption('builtin device', `at most ${map.BUILTIN_MAX}`));
    for (let i = 0; i < count; i++) {
      const entry = map.CTRL_BUILTINS + i * map.BUILTIN_ENTRY_SIZE;
      const start = words.getBigUint64(entry + map.BUILTIN_E_BASE, true);
      const end = start + words.getBigUint64(entry + map.BUILTIN_E_SIZE, true);
      if (words.getUint32(entry + map.BUILTIN_E_AS, true) === as && base < end && start < base + BigInt(size)) {
        throw new MmioError('EEXIST', texts.badOption('builtin device', `overlaps the one at ${start.toString(16)}`));
      }
    }
    const uaddr = this.allocateBacking(Math.ceil(Math.max(size, 8) / 4096) * 4096);
    const entry = map.CTRL_BUILTINS + count * map.BUILTIN_ENTRY_SIZE;
    words.setBigUint64(entry + map.BUILTIN_E_BASE, base, true);
    words.setBigUint64(entry + map.BUILTIN_E_SIZE, BigInt(size), true);
    words.setUint32(entry + map.BUILTIN_E_KIND, device.kind === 'counter' ? map.BUILTIN_COUNTER : map.BUILTIN_SCRATCH, true);
    words.setUint32(entry + map.BUILTIN_E_AS, as, true);
    words.setUint32(entry + map.BUILTIN_E_STATE, this.layout.arenaBase + uaddr, true);
    // Release: the entry is complete before a vCPU can load the count that includes it.
    Atomics.store(new Int32Array(this.memory.buffer), (map.CONTROL_BASE + map.CTRL_BUILTIN_COUNT) >> 2, count + 1);
    // After the count: a vCPU that sees the new generation drops its TLB's device hints and finds this device.
    Atomics.add(new Int32Array(this.memory.buffer), (map.CONTROL_BASE + map.CTRL_DEVICE_GEN) >> 2, 1);
    // A JS-device range may reach over the new device (and the page table may hold one that does).
    this.dropTypedEntries();
    return uaddr;
  }

  /**
   * Adds a device written in WebAssembly (src/wasm-device.ts: the module's imports and
   * exports), called by the core through its function table on every thread, without
   * JavaScript. Its state region (zeroed) is allocated in the arena. A module the core
   * could not call (bad bytes, missing exports, wrong signatures, a start function or
   * data segments) or an overlapping range is MmioError, and nothing changes. Add devices
   * before starting vCPU threads: a thread binds the ones added before it started.
   */
  addWasmDevice(device: WasmDeviceOptions): WasmDeviceRegistration {
    const registration = addWasmDevice({ map: this.map, memory: this.memory, arenaBase: this.layout.arenaBase, allocateBacking: (bytes) => this.allocateBacking(bytes) }, device);
    // As addBuiltinDevice: entries made before may reach over the new device.
    this.dropTypedEntries();
    return registration;
  }

  slot(slot: number): SlotInfo | undefined {
    return this.table.get(slot);
  }

  /** The slot table, sorted by slot number. */
  slots(): SlotInfo[] {
    return this.table.list();
  }

  /** KVM_GET_DIRTY_LOG: the slot's bitmap, cleared as it is read. */
  getDirtyLog(slot: number): Uint8Array {
    return this.table.getDirtyLog(slot);
  }

  /**
   * A fresh page-aligned range of the guest-RAM arena, all zero; returns its userspaceAddr.
   * Only the part that could have been written before (below neverWrittenFrom) is cleared:
   * writes through slots, backing() views and earlier allocations are accounted for; bytes
   * stored straight into `memory` elsewhere in the arena are not.
   */
  allocateBacking(bytes: number): number {
    const at = this.arena.allocate(requireInteger(SlotError, 'bytes', bytes, 1, Number.MAX_SAFE_INTEGER));
    if (at === undefined) throw new SlotError('ENOMEM', texts.arenaFull(bytes));
    const end = at + this.arena.sizeOf(at)!;
    const dirtyEnd = Math.min(end, this.neverWrittenFrom);
    if (dirtyEnd > at) new Uint8Array(this.memory.buffer, this.layout.arenaBase + at, dirtyEnd - at).fill(0);
    this.mayBeWrittenBelow(end);
    return at;
  }

  /** Returns a range from allocateBacking(); slots still aliasing it keep reading its bytes. */
  releaseBacking(userspaceAddr: number): void {
    if (!this.arena.release(requireInteger(SlotError, 'userspaceAddr', userspaceAddr, 0, this.layout.arenaSize))) throw new SlotError('EINVAL', texts.notAllocated(userspaceAddr));
  }

  /** The bytes of the arena at `userspaceAddr` (the backing as the VMM sees it). */
  backing(userspaceAddr: number, length: number): Uint8Array {
    const arenaSize = this.layout.arenaSize;
    requireInteger(SlotError, 'userspaceAddr', userspaceAddr, 0, arenaSize);
    requireInteger(SlotError, 'length', length, 0, arenaSize);
    if (userspaceAddr + length > arenaSize) {
      throw new SlotError('EINVAL', texts.uaddrOutsideArena(BigInt(userspaceAddr), BigInt(length), this.layout.arenaSize));
    }
    this.mayBeWrittenBelow(userspaceAddr + length);
    return new Uint8Array(this.memory.buffer, this.layout.arenaBase + userspaceAddr, length);
  }

  /** Records that arena bytes below `arenaEnd` may be written from now on. */
  private mayBeWrittenBelow(arenaEnd: number): void {
    if (arenaEnd > this.neverWrittenFrom) this.neverWrittenFrom = arenaEnd;
  }

  read(gpa: bigint | number | string, size: number, options?: AccessOptions): bigint {
    return this.host.read(gpa, size, options);
  }

  write(gpa: bigint | number | string, size: number, value: bigint | number, options?: AccessOptions): void {
    this.host.write(gpa, size, value, options);
  }

  readBytes(gpa: bigint | number | string, length: number, options?: AccessOptions): Uint8Array {
    return this.host.readBytes(gpa, length, options);
  }

  writeBytes(gpa: bigint | number | string, bytes: Uint8Array, options?: AccessOptions): void {
    this.host.writeBytes(gpa, bytes, options);
  }

  /** The host accessor's counters (slot searches, MMIO fragments, retries). */
  counters(): AccessCounters {
    return this.host.counters();
  }

  /**
   * A new core instance on this memory bound to vCPU record `index`, with its own bus (and a
   * completion for accesses no device claims). `constants` false: its instance exports the
   * core's functions only (CoreAccessorOptions).
   */
  attach(index: number, bus: MmioBus = this.mmio, unclaimed?: MmioImport, constants = true): CoreAccessor {
    requireInteger(EmuError, 'vcpu', index, 0, this.layout.vcpuCount - 1);
    return new CoreAccessor(this.module, this.memory, index, bus, unclaimed, { constants });
  }
}

/** planPages' answers per core module: it instantiates the core on a scratch memory, and a run of machines asks the same. */
const pagePlans = new WeakMap<WebAssembly.Module, Map<string, number>>();

function plannedPages(module: WebAssembly.Module, vcpus: number, tlbEntries: number, dirtyBytes: number, arenaBytes: number, shared: boolean): number {
  let plans = pagePlans.get(module);
  if (!plans) pagePlans.set(module, (plans = new Map()));
  const key = `${vcpus} ${tlbEntries} ${dirtyBytes} ${arenaBytes} ${shared}`;
  let pages = plans.get(key);
  if (pages === undefined) plans.set(key, (pages = planPages(module, vcpus, tlbEntries, dirtyBytes, arenaBytes, shared)));
  return pages;
}

function readLayout(map: MemoryMap, memory: WebAssembly.Memory): MachineLayout {
  const words = new Uint32Array(memory.buffer, map.CONTROL_BASE, map.CONTROL_SIZE / 4);
  const word = (offset: number) => words[offset / 4]!;
  const vcpuCount = word(map.CTRL_VCPU_COUNT);
  return {
    vcpuCount,
    vcpuBase: map.VCPU_BASE,
    hostRecord: vcpuCount,
    tlbBase: word(map.CTRL_TLB_BASE),
    tlbEntries: word(map.CTRL_TLB_ENTRIES),
    dirtyBase: word(map.CTRL_DIRTY_BASE),
    dirtySize: word(map.CTRL_DIRTY_SIZE),
    arenaBase: word(map.CTRL_ARENA_BASE),
    arenaSize: word(map.CTRL_ARENA_SIZE),
    memoryPages: word(map.CTRL_MEMORY_PAGES),
  };
}
