// Devices written in WebAssembly: a device module over the machine's shared memory whose
// read/write the core calls through its own function table (call_indirect, no
// JavaScript on the path; assembly/mem/wasm-device.ts). Every core instance, on any
// thread, reserves the same table slots for them; the registry below fills an
// instance's slots as it is created (and the live instances' when a device is added),
// instantiating the device module again on that thread over the same memory. The
// device's state lives in the arena, so every thread sees one device.
//
// A device module imports `env.memory` (the machine's shared memory) and may import
// `env.state` (an i32 global: the address of its state region); it exports
// read(offset: i32, size: i32): i64 and write(offset: i32, size: i32, value: i64).
// It may have no data segments and no start function: instantiated once per thread
// over the shared memory, either would run again and overwrite memory the core owns.

import type { CoreFunctions, MemoryMap } from './core.js';
import { MmioError, texts } from './errors.js';
import { optionalEndian, optionalInteger, requireInteger, requireObject, requireU64 } from './validate.js';
import type { Endian } from './values.js';

export interface WasmDeviceOptions {
  name?: string;
  base: bigint | number | string;
  /** Bytes of guest-physical window, at most 2^32. */
  size: bigint | number;
  /** The compiled device module's bytes (e.g. build/devices/uart.wasm). */
  bytes: ArrayBuffer | ArrayBufferView;
  /** Address space the device decodes in; default 0. */
  addressSpace?: number;
  /** Access sizes read/write accept, from 1, 2, 4, 8 (others are split or widened); default all four. */
  widths?: readonly number[];
  /** Byte order of the registers; default 'little'. */
  endian?: Endian;
  /** Bytes of state region (zeroed; the module's `env.state`); default 4096. */
  stateBytes?: number;
}

/** What each thread needs to bind a registered device: structured-cloneable (a worker's input). */
export interface WasmDeviceBinding {
  name: string;
  /** Its built-in entry (control block), which fixes its table slots. */
  entry: number;
  module: WebAssembly.Module;
  /** Memory address of its state region. */
  state: number;
}

/** The host side a registration needs: the machine's map, memory and arena. */
export interface WasmDeviceHost {
  map: MemoryMap;
  memory: WebAssembly.Memory;
  arenaBase: number;
  allocateBacking(bytes: number): number;
}

export interface WasmDeviceRegistration {
  readonly name: string;
  /** The state region's userspaceAddr in the arena (machine.backing() shows its bytes). */
  readonly state: number;
}

interface Registry {
  devices: WasmDeviceBinding[];
  tables: Set<WeakRef<WebAssembly.Table>>;
}

/** Per memory object, so per thread: the devices bound here and the live tables to fill. */
const registries = new WeakMap<WebAssembly.Memory, Registry>();

function registryOf(memory: WebAssembly.Memory): Registry {
  let registry = registries.get(memory);
  if (!registry) {
    registry = { devices: [], tables: new Set() };
    registries.set(memory, registry);
  }
  return registry;
}

const ALL_WIDTHS = [1, 2, 4, 8];
const DEFAULT_STATE_BYTES = 4096;

/**
 * Adds a device module as built-in entry: validates everything first (MmioError, nothing
 * changed), then fills this thread's live core tables and publishes the entry.
 */
export function addWasmDevice(host: WasmDeviceHost, options: WasmDeviceOptions): WasmDeviceRegistration {
  const { map, memory } = host;
  const fields = requireObject(MmioError, 'wasm device', options);
  if (fields.name !== undefined && typeof fields.name !== 'string') throw new MmioError('EINVAL', texts.deviceShape('?', 'name must be a string'));
  const control = new DataView(memory.buffer, map.CONTROL_BASE);
  const countIndex = (map.CONTROL_BASE + map.CTRL_BUILTIN_COUNT) >> 2;
  const count = Atomics.load(new Int32Array(memory.buffer), countIndex);
  const name = options.name ?? `wasm${count}`;
  const base = requireU64(MmioError, `device ${name}: base`, options.base);
  const size = requireU64(MmioError, `device ${name}: size`, options.size);
  if (size === 0n || size > 1n << 32n) throw new MmioError('EINVAL', texts.deviceShape(name, 'size must be 1..2^32'));
  if (base + size > 1n << 64n) throw new MmioError('EINVAL', texts.crosses2to64(base, Number(size)));
  const as = optionalInteger(MmioError, `device ${name}: addressSpace`, options.addressSpace, 0, 0, map.AS_COUNT - 1);
  const widths: unknown = options.widths ?? ALL_WIDTHS;
  if (!Array.isArray(widths) || widths.length === 0 || widths.some((w) => !ALL_WIDTHS.includes(w))) {
    throw new MmioError('EINVAL', texts.deviceShape(name, 'widths must be a non-empty array of 1, 2, 4, 8'));
  }
  const endian = optionalEndian(MmioError, `device ${name}: endian`, options.endian);
  const stateBytes = requireInteger(MmioError, `device ${name}: stateBytes`, options.stateBytes ?? DEFAULT_STATE_BYTES, 1, 0x1000_0000);
  const module = compileDevice(name, options.bytes);
  if (count >= map.BUILTIN_MAX) throw new MmioError('ENOMEM', texts.deviceShape(name, `the machine has room for ${map.BUILTIN_MAX} built-in devices`));
  for (let i = 0; i < count; i++) {
    const entry = map.CTRL_BUILTINS + i * map.BUILTIN_ENTRY_SIZE;
    const start = control.getBigUint64(entry + map.BUILTIN_E_BASE, true);
    const end = start + control.getBigUint64(entry + map.BUILTIN_E_SIZE, true);
    if (control.getUint32(entry + map.BUILTIN_E_AS, true) === as && base < end && start < base + size) {
      throw new MmioError('EEXIST', texts.deviceShape(name, `overlaps the built-in device at 0x${start.toString(16)}`));
    }
  }
  // A trial instance on a scratch state checks the imports and signatures before anything changes.
  bindDevice(new WebAssembly.Table({ element: 'anyfunc', initial: map.WASM_DEVICE_TABLE_BASE + 2 }), map.WASM_DEVICE_TABLE_BASE, memory, module, 0, name);
  const uaddr = host.allocateBacking(Math.ceil(stateBytes / 4096) * 4096);
  const binding: WasmDeviceBinding = { name, entry: count, module, state: host.arenaBase + uaddr };
  registerWasmDevices(memory, [binding]);
  const registry = registryOf(memory);
  for (const ref of registry.tables) {
    const table = ref.deref();
    if (table) bindDevice(table, tableIndex(map, count), memory, module, binding.state, name);
    else registry.tables.delete(ref);
  }
  const entry = map.CTRL_BUILTINS + count * map.BUILTIN_ENTRY_SIZE;
  const mask = (widths as number[]).reduce((bits, width) => bits | width, 0);
  control.setBigUint64(entry + map.BUILTIN_E_BASE, base, true);
  control.setBigUint64(entry + map.BUILTIN_E_SIZE, size, true);
  control.setUint32(entry + map.BUILTIN_E_KIND, map.BUILTIN_WASM, true);
  control.setUint32(entry + map.BUILTIN_E_AS, as, true);
  control.setUint32(entry + map.BUILTIN_E_STATE, binding.state, true);
  control.setUint32(entry + map.BUILTIN_E_WASM, tableIndex(map, count) | (mask << 16) | (endian === 'big' ? 1 << 24 : 0), true);
  // Release: the entry (and this thread's tables) are complete before a vCPU loads the count that includes it.
  Atomics.store(new Int32Array(memory.buffer), countIndex, count + 1);
  // After the count: a vCPU that sees the new generation drops its TLB's device hints and finds this device.
  Atomics.add(new Int32Array(memory.buffer), (map.CONTROL_BASE + map.CTRL_DEVICE_GEN) >> 2, 1);
  return { name, state: uaddr };
}

/** The devices registered on this thread's `memory`, for a worker to bind on its own. */
export function wasmDeviceBindings(memory: WebAssembly.Memory): WasmDeviceBinding[] {
  return [...(registries.get(memory)?.devices ?? [])];
}

/** Makes `bindings` (from another thread's wasmDeviceBindings) this thread's, before its core instances are made. */
export function registerWasmDevices(memory: WebAssembly.Memory, bindings: readonly WasmDeviceBinding[]): void {
  registryOf(memory).devices.push(...bindings);
}

/** Forgets the Wasm devices registered on this thread for `memory` (Machine.reset: its control block no longer lists them). */
export function forgetWasmDevices(memory: WebAssembly.Memory): void {
  registryOf(memory).devices = [];
}

/**
 * Reserves a new core instance's device slots in its table and fills those of every
 * device registered on this thread; the instance's later devices are filled as added.
 */
export function bindWasmDevices(map: MemoryMap, table: WebAssembly.Table, memory: WebAssembly.Memory): void {
  const first = map.WASM_DEVICE_TABLE_BASE;
  table.grow(first + 2 * map.BUILTIN_MAX - table.length);
  const registry = registryOf(memory);
  for (const device of registry.devices) bindDevice(table, first + 2 * device.entry, memory, device.module, device.state, device.name);
  registry.tables.add(new WeakRef(table));
}

/**
 * The core's functions `names` (its function exports), each entry point that may reach a
 * device guarded: a trap inside a device module becomes `deviceError` (the instruction or
 * access did not complete; the core instance keeps working: it holds no state across a
 * call besides the record). Other errors pass.
 */
export function guardDeviceTraps(functions: CoreFunctions, names: readonly string[], instance: WebAssembly.Instance, memory: WebAssembly.Memory,
  onTrap: (device: string, error: unknown) => number): CoreFunctions {
  const trapped = instance.exports.wasmDeviceTrapped as () => number;
  const deviceError = (error: unknown): number => {
    const entry = trapped();
    if (entry === 0) throw error;
    const device = registryOf(memory).devices.find((d) => d.entry === entry - 1);
    return onTrap(device?.name ?? `built-in device ${entry - 1}`, error);
  };
  // Fixed arities (no rest arguments): these sit on every host access and every run.
  const { physRead, physWrite, ppcRun, a64Run, a32Run } = functions;
  const access = (call: typeof physRead) => (as: number, gpa: bigint, size: number): number => {
    try {
      return call(as, gpa, size);
    } catch (error) {
      return deviceError(error);
    }
  };
  const run = (call: typeof ppcRun) => (budget: number): number => {
    try {
      return call(budget);
    } catch (error) {
      return deviceError(error);
    }
  };
  // The function exports `names` alone: a copy of every export would copy the ~300 constants too, per instance.
  const guarded: Record<string, unknown> = {};
  for (const name of names) guarded[name] = (functions as unknown as Record<string, unknown>)[name];
  return Object.assign(guarded as unknown as CoreFunctions, { physRead: access(physRead), physWrite: access(physWrite), ppcRun: run(ppcRun), a64Run: run(a64Run), a32Run: run(a32Run) });
}

function tableIndex(map: MemoryMap, entry: number): number {
  return map.WASM_DEVICE_TABLE_BASE + 2 * entry;
}

function compileDevice(name: string, bytes: unknown): WebAssembly.Module {
  // A copy: the bytes checked are the bytes compiled, whoever else holds the buffer.
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes.slice(0))
    : ArrayBuffer.isView(bytes) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength).slice() : undefined;
  if (!view) throw new MmioError('EINVAL', texts.deviceShape(name, 'bytes must be the compiled module (an ArrayBuffer or a typed array)'));
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(view);
  } catch (error) {
    throw new MmioError('EINVAL', texts.deviceShape(name, `bytes are not a valid WebAssembly module (${(error as Error).message})`));
  }
  const why = forbiddenSection(view);
  if (why) throw new MmioError('EINVAL', texts.deviceShape(name, why));
  for (const imported of WebAssembly.Module.imports(module)) {
    const allowed = imported.module === 'env' && ((imported.name === 'memory' && imported.kind === 'memory') || (imported.name === 'state' && imported.kind === 'global'));
    if (!allowed) throw new MmioError('EINVAL', texts.deviceShape(name, `imports ${imported.module}.${imported.name} (${imported.kind}); a device module may import only env.memory and env.state`));
  }
  const exported = new Map(WebAssembly.Module.exports(module).map((e) => [e.name, e.kind]));
  for (const required of ['read', 'write']) {
    if (exported.get(required) !== 'function') throw new MmioError('EINVAL', texts.deviceShape(name, `the module does not export a function ${required}`));
  }
  return module;
}

const SECTION_START = 8;
const SECTION_DATA = 11;

/** Why the module may not run once per thread over the shared memory (a start function, data segments), or undefined. */
function forbiddenSection(bytes: Uint8Array): string | undefined {
  let at = 8;
  const leb = (): number => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
  };
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const length = leb();
    const end = at + length;
    if (id === SECTION_START) return 'the module has a start function (it would run again on every thread)';
    if (id === SECTION_DATA && leb() > 0) return 'the module has data segments (they would overwrite the machine\'s memory on every thread)';
    at = end;
  }
  return undefined;
}

// (module (import "d" "read" (func (param i32 i32) (result i64))) (import "d" "write" (func (param i32 i32 i64))))
// Linking the device's exports into it checks their signatures (the core's call_indirect would trap on a mismatch).
const SIGNATURE_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x0d, 0x02, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7e, 0x60, 0x03, 0x7f, 0x7f, 0x7e, 0x00,
  0x02, 0x14, 0x02, 0x01, 0x64, 0x04, 0x72, 0x65, 0x61, 0x64, 0x00, 0x00, 0x01, 0x64, 0x05, 0x77, 0x72, 0x69, 0x74, 0x65, 0x00, 0x01,
]);
let probe: WebAssembly.Module | undefined;

/** Instantiates the device module over `memory` with its state at `state` and puts read/write at `index`, `index + 1`. */
function bindDevice(table: WebAssembly.Table, index: number, memory: WebAssembly.Memory, module: WebAssembly.Module, state: number, name: string): void {
  let exports: WebAssembly.Exports;
  try {
    exports = new WebAssembly.Instance(module, { env: { memory, state: new WebAssembly.Global({ value: 'i32', mutable: false }, state) } }).exports;
  } catch (error) {
    const kind = memory.buffer instanceof ArrayBuffer ? 'an unshared' : 'a shared';
    throw new MmioError('EINVAL', texts.deviceShape(name, `the module does not link with the machine's memory (${(error as Error).message}); it must import ${kind} memory of at most ${memory.buffer.byteLength / 65536} pages initially, with no lower maximum`));
  }
  try {
    probe ??= new WebAssembly.Module(SIGNATURE_PROBE);
    new WebAssembly.Instance(probe, { d: { read: exports.read!, write: exports.write! } });
  } catch {
    throw new MmioError('EINVAL', texts.deviceShape(name, 'read must be (i32 offset, i32 size) -> i64 and write (i32 offset, i32 size, i64 value) -> nothing'));
  }
  table.set(index, exports.read as () => void);
  table.set(index + 1, exports.write as () => void);
}
