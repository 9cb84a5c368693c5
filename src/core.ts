// Loading the AssemblyScript core and reading the memory map it exports. Every
// instance shares one imported WebAssembly.Memory; only Wasm globals are private.

import { compilePpcLoop } from './jit/ppc-loop.js';
import { compileA64Loop } from './jit/a64-loop.js';
import { compileA32Loop } from './jit/a32-loop.js';
import { compileT32Loop } from './jit/t32-loop.js';
import { bindWasmDevices } from './wasm-device.js';
import { reserveDeviceEntries } from './device-entries.js';

/** Names of the map's exported constants; a test checks this list against the module. */
export const MAP_NAMES = [
  'PAGE_SHIFT', 'PAGE_SIZE', 'WASM_PAGE',
  'CONTROL_BASE', 'CONTROL_SIZE', 'CTRL_MAGIC', 'CTRL_VCPU_COUNT', 'CTRL_DIRTY_BASE', 'CTRL_DIRTY_SIZE',
  'CTRL_ARENA_BASE', 'CTRL_ARENA_SIZE', 'CTRL_MEMORY_PAGES', 'CTRL_TLB_BASE', 'CTRL_TLB_ENTRIES', 'CTRL_SLOT_GEN', 'MAGIC',
  'CTRL_SHOOT_SEQ', 'CTRL_SHOOT_DONE', 'CTRL_SHOOT_MODEL', 'CTRL_SHOOT_LOCK', 'CTRL_ACK_BELL', 'CTRL_SHOOT_RING',
  'SHOOT_RING_SIZE', 'SHOOT_ENTRY_SIZE', 'SHOOT_BROADCAST', 'SHOOT_IPI',
  'CTRL_STOP', 'CTRL_GLOBAL_LOCK', 'CTRL_RW_LOCK', 'CTRL_RUN_STATE', 'CTRL_POLL', 'CTRL_BUILTIN_COUNT', 'CTRL_JIT', 'CTRL_DEVICE_GEN', 'CTRL_BUILTINS',
  'BUILTIN_MAX', 'BUILTIN_ENTRY_SIZE', 'BUILTIN_E_BASE', 'BUILTIN_E_SIZE', 'BUILTIN_E_KIND', 'BUILTIN_E_AS', 'BUILTIN_E_STATE',
  'BUILTIN_SCRATCH', 'BUILTIN_COUNTER', 'BUILTIN_WASM', 'BUILTIN_E_WASM', 'WASM_DEVICE_TABLE_BASE', 'JS_DEVICE_TABLE_BASE', 'JS_DEVICE_MAX',
  'TLB_ENTRY_SIZE', 'TLB_E_READ', 'TLB_E_WRITE', 'TLB_E_FETCH', 'TLB_E_ADDEND', 'TLB_MMIO', 'TLB_DIRECT_MARK', 'TLB_MIN_ENTRIES', 'TLB_MAX_ENTRIES',
  'STATIC_BASE', 'STATIC_SIZE',
  'AS_COUNT', 'MAX_SLOTS', 'SLOT_HEADER_SIZE', 'SLOT_H_COUNT', 'SLOT_H_LAYERS', 'SLOT_LEAF_BLOCK', 'SLOT_UPPER_BLOCK',
  'SLOT_LEAF_CAPACITY', 'SLOT_MAX_LAYERS', 'SLOT_LAYER1_OFFSET', 'SLOT_LAYER2_OFFSET', 'SLOT_LAYER3_OFFSET', 'SLOT_ENTRIES_OFFSET', 'SLOT_ENTRY_SIZE',
  'SLOT_E_BASE', 'SLOT_E_SIZE', 'SLOT_E_HOST', 'SLOT_E_FLAGS', 'SLOT_E_SLOT', 'SLOT_E_DIRTY',
  'SLOT_TABLE_SIZE', 'SLOT_TABLES_BASE', 'SLOT_TABLES_SIZE',
  'SLOT_LOG_DIRTY_PAGES', 'SLOT_READONLY', 'SLOT_USER_FLAGS', 'SLOT_INVALID',
  'VCPU_BASE', 'VCPU_RECORD_SIZE', 'REC_EXIT', 'REC_CAUSE', 'REC_MMIO_GPA', 'REC_MMIO_SIZE', 'REC_MMIO_WRITE',
  'REC_MMIO_AS', 'REC_DATA', 'REC_MMIO_DATA', 'REC_SLOT_CACHE', 'SLOT_CACHE_SIZE', 'REC_COUNTERS',
  'CNT_LOOKUP_SEARCHES', 'CNT_MMIO', 'CNT_RETRIES', 'REC_DECODE', 'REC_FAULT_ADDR', 'REC_FAULT_KIND', 'REC_EXIT_PC', 'REC_FAULT_SYNDROME', 'REC_MMIO_VA', 'REC_RAN', 'REC_UOPS', 'UOP_SIZE', 'UOP_ENTRIES',
  'CPU_GPR', 'CPU_PC', 'CPU_LR', 'CPU_CTR', 'CPU_XER', 'CPU_CR', 'CPU_MODE', 'CPU_MSR', 'CPU_FPSCR', 'CPU_NZCV', 'CPU_SP',
  'CPU_RESERVE_ADDR', 'CPU_RESERVE_SIZE', 'CPU_RESERVE_VALID', 'CPU_RESERVE_DATA', 'CPU_VSR', 'CPU_SYSREGS',
  'SYSREG_SCTLR_EL1', 'SYSREG_TCR_EL1', 'SYSREG_TTBR0_EL1', 'SYSREG_TTBR1_EL1', 'SYSREG_MAIR_EL1', 'SYSREG_PTCR', 'SYSREG_PID', 'SYSREG_LPCR', 'SYSREG_SDR1', 'SYSREG_DACR', 'SYSREG_SR0', 'SYSREG_BAT0', 'SYSREG_HASHKEYR', 'SYSREG_HASHPKEYR', 'SYSREG_CONTEXTIDR', 'SYSREG_TAR', 'SYSREG_TB', 'SYSREG_TPIDR_EL0', 'SYSREG_TPIDRRO_EL0', 'SYSREG_FPCR', 'SYSREG_FPSR', 'SYSREG_CNTVCT_EL0', 'SYSREG_TPIDR_EL1', 'SYSREG_CNTKCTL', 'SYSREG_FPEXC', 'SYSREG_ACCDATA_EL1', 'SYSREG_COUNT', 'CPU_SLB', 'SLB_ENTRIES', 'MSR_DR', 'MSR_IR', 'CPU_END',
  'REC_SYNC', 'REC_SYNC_STATE', 'REC_SYNC_ACK', 'REC_SYNC_PENDING', 'REC_SYNC_QUIESCENT', 'REC_SYNC_LOCK', 'REC_SYNC_DEVICE', 'REC_CHECK', 'REC_TLB_CONTEXTS', 'TLB_CONTEXTS', 'REC_TLB_VICTIM', 'REC_JIT_BLOCKS', 'JIT_BLOCKS', 'JIT_BLOCK_SIZE', 'REC_DATA64', 'REC_UOP_MODE', 'REC_END',
  'CHECK_HOLES', 'CHECK_STALE', 'CHECK_LOST', 'CHECK_MMIO_UNASSIGNED', 'CHECK_EMULATED', 'CHECK_MMIO_INVALID',
  'CHECK_RETRIES', 'CHECK_FAULTS', 'CHECK_BAD_VALUES', 'CHECK_COUNT', 'VCPU_OUTSIDE', 'VCPU_RUNNING', 'VCPU_EMULATING',
  'MODE_64', 'MODE_LE', 'MODE_THUMB', 'MODE_ARM',
  'EXIT_NONE', 'EXIT_MMIO', 'EXIT_DEVICE_ERROR', 'EXIT_BAD_ACCESS', 'EXIT_BUDGET', 'EXIT_HYPERCALL', 'EXIT_FAULT',
  'EXIT_UNDEFINED', 'EXIT_SYNC_WAIT', 'CAUSE_NONE', 'CAUSE_UNMAPPED', 'CAUSE_READONLY', 'CAUSE_INVALID', 'CAUSE_UNDEFINED',
  'CAUSE_UNIMPLEMENTED', 'CAUSE_INVALID_FORM', 'FAULT_FETCH', 'FAULT_ALIGNMENT', 'FAULT_TRUNCATED', 'FAULT_TRANSLATION',
  'FAULT_TRAP',
  'PPC_SEGMENT_FAULT_BIT',
  'INIT_OK', 'INIT_TOO_BIG', 'INIT_STATIC_OVERFLOW', 'INIT_MEMORY_TOO_SMALL',
] as const;

export type MemoryMap = Readonly<Record<(typeof MAP_NAMES)[number], number>>;

/** The core's functions (its constants are read into a MemoryMap). */
export interface CoreFunctions {
  machineInit(vcpuCount: number, tlbEntries: number, dirtyBytes: number, arenaBytes: number): number;
  bindRecord(index: number): number;
  staticDataCheck(): number;
  /** Zeroes each page of [start, end) holding a non-zero byte, and only those (a page never written stays unallocated); returns how many. */
  zeroWrittenPages(start: number, end: number): number;
  layoutPages(vcpuCount: number, tlbEntries: number, dirtyBytes: number, arenaBytes: number): number;
  physRead(as: number, gpa: bigint, size: number): number;
  physWrite(as: number, gpa: bigint, size: number): number;
  /** 1 + the built-in entry whose device module trapped in the last call (0: none); clears it. */
  wasmDeviceTrapped(): number;
  /** Memory address backing the access in `as` when a slot permits it, else 0; safe to call from a device handler. */
  ramLookup(as: number, gpa: bigint, size: number, write: number): number;
  /** Runs at most `budget` PowerPC instructions of the bound vCPU; returns an EXIT_*. */
  ppcRun(budget: number): number;
  /** Runs at most `budget` A64 instructions of the bound vCPU; returns an EXIT_*. */
  a64Run(budget: number): number;
  /** Runs at most `budget` A32 instructions of the bound vCPU; returns an EXIT_*. */
  a32Run(budget: number): number;
  /** AArch64 stage-1 walk for the bound vCPU: 0 with the PA in REC_DATA, 1 with ESR_EL1 in REC_FAULT_SYNDROME and FAR_EL1 in REC_FAULT_ADDR. */
  a64Translate(va: bigint, write: number, fetch: number): number;
  /** PowerPC radix walk for the bound vCPU: 0 with the real address in REC_DATA, 1 with DSISR in REC_FAULT_SYNDROME and DAR in REC_FAULT_ADDR. */
  ppcTranslate(ea: bigint, write: number, fetch: number): number;
  /** PowerPC HashDigest(RA, RB, key), the doubleword hashst stores (a signed i64 as Wasm returns it). */
  hashDigest(ra: bigint, rb: bigint, key: bigint): bigint;
  /** AArch32 walk (short or LPAE by TTBCR.EAE) for the bound vCPU: 0 with the PA in REC_DATA, 1 with the FSR (bit 32: a fetch) in REC_FAULT_SYNDROME and DFAR/IFAR in REC_FAULT_ADDR. */
  armTranslate(va: bigint, write: number, fetch: number): number;
  benchRawLoads(addr: number, count: number, mask: number): bigint;
  benchPhysLoads(as: number, gpa: bigint, count: number, mask: number): bigint;
  benchSlotLookups(as: number, gpa: bigint, stride: bigint, slots: number, count: number, seed: number): bigint;
  benchPhysReads(as: number, gpa: bigint, size: number, count: number): bigint;
  benchNop(): number;
  benchImportCalls(count: number): number;
}

/** The host's device bus as the core calls it (gpa as two u32 halves): 0 handled, 1 unclaimed, 2 device threw. */
export type MmioImport = (as: number, gpaLow: number, gpaHigh: number, size: number, write: number, cause: number) => number;

/**
 * The bus's register path (assembly/mem/access.ts): `locate` names the device at an
 * address (its index, or -1); the instance's table entries for that index
 * (src/device-entries.ts) reach it with the value in registers.
 */
export interface DeviceImports {
  mmioLocate(as: number, gpaLow: number, gpaHigh: number): number;
  /** An LS64 access (op: mmio.ts BLOCK_*, plus 4 when a built-in device decodes part of it), bytes at REC_DATA64: a BUS_* code, a status in REC_DATA. */
  mmioBlock(as: number, gpaLow: number, gpaHigh: number, op: number, cause: number): number;
}

/** No register path: every device access goes the bus's general way (and no device takes a 64-byte one). */
const NO_DEVICE_PATH: DeviceImports = { mmioLocate: () => -1, mmioBlock: () => 1 };

/** Each instance's function table (its JS device entries are filled through it). */
const tables = new WeakMap<WebAssembly.Instance, WebAssembly.Table>();

export function coreTable(instance: WebAssembly.Instance): WebAssembly.Table {
  return tables.get(instance)!;
}

/** 'unshared': the release build over an unshared memory (one thread; no cross-origin isolation needed in a browser). */
export type CoreFlavor = 'release' | 'debug' | 'unshared';

const moduleCache = new Map<CoreFlavor, Promise<WebAssembly.Module>>();

/** The compiled core (cached). In Node it is read from build/; elsewhere fetched by URL. */
export function loadCoreModule(flavor: CoreFlavor = 'release'): Promise<WebAssembly.Module> {
  let cached = moduleCache.get(flavor);
  if (!cached) {
    const file = flavor === 'release' ? 'core' : `core.${flavor}`;
    const url = new URL(`../../build/${file}.wasm`, import.meta.url);
    cached = compileFrom(url);
    moduleCache.set(flavor, cached);
  }
  return cached;
}

async function compileFrom(url: URL): Promise<WebAssembly.Module> {
  if (url.protocol === 'file:') {
    const { readFile } = await import('node:fs/promises');
    return compileKeepingBytes(await readFile(url));
  }
  try {
    return await WebAssembly.compileStreaming(fetch(url));
  } catch {
    // A server that does not send application/wasm: compile from the bytes instead.
    return compileKeepingBytes(new Uint8Array(await (await fetch(url)).arrayBuffer()));
  }
}

/** The bytes each core module was compiled from, where they were at hand (not for a streamed compile). */
const moduleBytes = new WeakMap<WebAssembly.Module, Uint8Array>();

async function compileKeepingBytes(bytes: Uint8Array<ArrayBuffer>): Promise<WebAssembly.Module> {
  const module = await WebAssembly.compile(bytes);
  moduleBytes.set(module, bytes);
  return module;
}

const functionTwins = new WeakMap<WebAssembly.Module, WebAssembly.Module>();

/**
 * A twin of `module` that exports its functions only, compiled once per module; `module`
 * itself when its bytes are not at hand or the page refuses a synchronous compile that
 * large. Instantiating the ~300 exported constants is most of what an instance of the
 * core costs (about 0.45 of 0.55 ms).
 */
function functionsOnly(module: WebAssembly.Module): WebAssembly.Module {
  let twin = functionTwins.get(module);
  if (!twin) {
    const bytes = moduleBytes.get(module);
    twin = module;
    try {
      if (bytes) twin = new WebAssembly.Module(withFunctionExportsOnly(bytes));
    } catch {
      // A browser's main thread may refuse to compile this much synchronously: the full module serves.
    }
    functionTwins.set(module, twin);
  }
  return twin;
}

const EXPORT_SECTION = 7;
const EXPORT_FUNCTION = 0;

/** `bytes` with an export section that keeps the function exports alone. */
function withFunctionExportsOnly(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  let at = 8;
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      if (at >= bytes.length) throw new Error('the core module ends inside a LEB128 number');
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  const encode = (value: number): number[] => {
    const out: number[] = [];
    do {
      out.push((value & 0x7f) | (value >= 0x80 ? 0x80 : 0));
      value = Math.floor(value / 0x80);
    } while (value > 0);
    return out;
  };
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++]!;
    const end = leb() + at;
    if (id !== EXPORT_SECTION) {
      parts.push(bytes.subarray(start, end));
      at = end;
      continue;
    }
    const kept: Uint8Array[] = [];
    for (let count = leb(); count > 0; count--) {
      const entry = at;
      const nameLength = leb();
      at += nameLength;
      const kind = bytes[at++];
      leb();
      if (kind === EXPORT_FUNCTION) kept.push(bytes.subarray(entry, at));
    }
    const body = [...encode(kept.length), ...kept.flatMap((entry) => [...entry])];
    parts.push(Uint8Array.from([EXPORT_SECTION, ...encode(body.length), ...body]));
  }
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  parts.reduce((offset, part) => (out.set(part, offset), offset + part.length), 0);
  return out;
}

/** Reads the memory map from any instance's exported globals. */
export function readMemoryMap(instance: WebAssembly.Instance): MemoryMap {
  return readExportedConstants(instance, MAP_NAMES);
}

const moduleMaps = new WeakMap<WebAssembly.Module, MemoryMap>();

/**
 * The memory map of `module`'s instances (constants, the same in each), read once per
 * module: from `instance` when it exports them, else from one made on a scratch memory
 * as shared as `memory`.
 */
export function moduleMemoryMap(module: WebAssembly.Module, instance: WebAssembly.Instance, memory: WebAssembly.Memory): MemoryMap {
  let map = moduleMaps.get(module);
  if (!map) {
    const source = instance.exports.MAGIC instanceof WebAssembly.Global ? instance : scratchInstance(module, isShared(memory));
    moduleMaps.set(module, (map = readMemoryMap(source)));
  }
  return map;
}

const isShared = (memory: WebAssembly.Memory) => typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;

/** Reads the named exported constants (Wasm globals) of an instance. */
export function readExportedConstants<Name extends string>(
  instance: WebAssembly.Instance,
  names: readonly Name[],
): Readonly<Record<Name, number>> {
  const values: Partial<Record<Name, number>> = {};
  for (const name of names) {
    const global = instance.exports[name];
    if (!(global instanceof WebAssembly.Global)) throw new Error(`core does not export ${name}`);
    values[name] = Number(global.value);
  }
  return values as Record<Name, number>;
}

/**
 * One core instance over `memory`. It gets its own function table, where the
 * compiled-loop path (assembly/exec/jit.ts, when the machine enables it) places the
 * loops `jitCompile` builds for it, after the slots it keeps for device modules
 * (src/wasm-device.ts, filled here) and for JS devices (src/device-entries.ts, filled by its accessor).
 */
export function instantiateCore(module: WebAssembly.Module, memory: WebAssembly.Memory, mmio: MmioImport, devices: DeviceImports = NO_DEVICE_PATH,
  constants = true): WebAssembly.Instance {
  const table = new WebAssembly.Table({ element: 'anyfunc', initial: 1 });
  let map: MemoryMap | undefined;
  const jitCompile = (_pcLow: number, _pcHigh: number, code: number, record: number): number => {
    map ??= moduleMemoryMap(module, instance, memory);
    const mode = new DataView(memory.buffer).getUint32(record + map.CPU_MODE, true);
    const compiler = (mode & map.MODE_ARM) === 0 ? compilePpcLoop : (mode & map.MODE_64) !== 0 ? compileA64Loop
      : (mode & map.MODE_THUMB) === 0 ? compileA32Loop : compileT32Loop;
    const loop = compiler?.(memory, record, code, map);
    if (loop === undefined || table.length > 0xffff) return 0;
    // The loop calls back into this core for an access to a built-in device, and JS devices' entries in its table (src/jit/access.ts).
    type Callback = 'jitMmioRead' | 'jitMmioWrite' | 'jitDeviceRefused';
    const { jitMmioRead, jitMmioWrite, jitDeviceRefused } = instance.exports as unknown as Record<Callback, WebAssembly.ImportValue>;
    const env = { memory, table, jitMmioRead, jitMmioWrite, jitDeviceRefused };
    const compiled = new WebAssembly.Instance(new WebAssembly.Module(loop.bytes), { env });
    const index = table.grow(1);
    table.set(index, compiled.exports.block as (...args: never[]) => unknown);
    return (loop.length << 16) | index;
  };
  const instance = new WebAssembly.Instance(constants ? module : functionsOnly(module), { env: { memory, mmio, table, jitCompile, ...devices } });
  const instanceMap = moduleMemoryMap(module, instance, memory);
  bindWasmDevices(instanceMap, table, memory);
  reserveDeviceEntries(table, instanceMap);
  tables.set(instance, table);
  return instance;
}

export function coreFunctions(instance: WebAssembly.Instance): CoreFunctions {
  return instance.exports as unknown as CoreFunctions;
}

const functionNames = new WeakMap<WebAssembly.Module, readonly string[]>();

/** The names of `module`'s exported functions (its other exports are the map's constants), listed once per module. */
export function exportedFunctionNames(module: WebAssembly.Module): readonly string[] {
  let names = functionNames.get(module);
  if (!names) functionNames.set(module, (names = WebAssembly.Module.exports(module).filter((e) => e.kind === 'function').map((e) => e.name)));
  return names;
}

/** Wasm pages a machine needs, computed by the core itself on a throwaway memory. */
/** Pages the core's control block and static data span (asconfig.json's initialMemory). */
const STATIC_PAGES = 2;

export function planPages(module: WebAssembly.Module, vcpuCount: number, tlbEntries: number, dirtyBytes: number, arenaBytes: number, shared = true): number {
  return coreFunctions(scratchInstance(module, shared)).layoutPages(vcpuCount, tlbEntries, dirtyBytes, arenaBytes);
}

/** An instance (with its constants) on a throwaway memory. */
function scratchInstance(module: WebAssembly.Module, shared: boolean): WebAssembly.Instance {
  // The core's static data needs its first STATIC_PAGES pages (asconfig.json's initialMemory).
  const scratch = new WebAssembly.Memory({ initial: STATIC_PAGES, maximum: STATIC_PAGES, shared });
  return instantiateCore(module, scratch, () => 1);
}
