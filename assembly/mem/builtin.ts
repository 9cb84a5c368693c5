// Built-in devices: MMIO regions served inside the core (the fast path next to the
// host's device bus, as KVM's in-kernel kvm_io_bus devices are next to userspace).
// The host publishes entries in the control block; their registers live in shared
// memory, so every vCPU thread sees one device.
import {
  CONTROL_BASE, CTRL_BUILTIN_COUNT, CTRL_BUILTINS, BUILTIN_MAX, BUILTIN_ENTRY_SIZE, BUILTIN_E_BASE, BUILTIN_E_SIZE,
  BUILTIN_E_KIND, BUILTIN_E_AS, BUILTIN_E_STATE, BUILTIN_SCRATCH, BUILTIN_COUNTER, BUILTIN_WASM, BUILTIN_E_WASM, PAGE_SIZE,
} from "../layout";
import { CAUSE_UNMAPPED } from "../exits";
import { wasmDeviceAccess, wasmDeviceRegister } from "./wasm-device";
import { recordMmioAccess, mmioCounter } from "./mmio-record";

/** Performs the access if a built-in device covers all of it; returns whether one did. Bytes at `data`, memory order. */
export function builtinAccess(as: u32, gpa: u64, size: u32, write: bool, data: usize): bool {
  // Acquire: an entry is complete before the host publishes the count that includes it.
  const count = min<u32>(atomic.load<u32>(CONTROL_BASE + CTRL_BUILTIN_COUNT), BUILTIN_MAX);
  for (let i: u32 = 0; i < count; i++) {
    const entry: usize = CONTROL_BASE + CTRL_BUILTINS + i * BUILTIN_ENTRY_SIZE;
    const offset = gpa - load<u64>(entry, BUILTIN_E_BASE);
    const length = load<u64>(entry, BUILTIN_E_SIZE);
    if (load<u32>(entry, BUILTIN_E_AS) != as || offset >= length || length - offset < <u64>size) continue;
    const state: usize = load<u32>(entry, BUILTIN_E_STATE);
    const kind = load<u32>(entry, BUILTIN_E_KIND);
    if (kind == BUILTIN_SCRATCH) {
      if (write) memory.copy(state + <usize>offset, data, size);
      else memory.copy(data, state + <usize>offset, size);
      return true;
    }
    if (kind == BUILTIN_COUNTER) {
      // Atomic: vCPUs on other threads read the same counter; each read takes one value.
      if (write) {
        let value: u64 = 0;
        for (let byte: u32 = 0; byte < min<u32>(size, 8); byte++) value |= <u64>load<u8>(data + byte) << (<u64>byte << 3);
        atomic.store<u64>(state, value);
      } else {
        const value = atomic.add<u64>(state, 1) + 1;
        for (let byte: u32 = 0; byte < size; byte++) store<u8>(data + byte, byte < 8 ? <u8>(value >> (<u64>byte << 3)) : 0);
      }
      return true;
    }
    if (kind == BUILTIN_WASM) {
      // Entries are at most 4 GiB long (the host's check), so the offset fits a u32.
      wasmDeviceAccess(i, entry, <u32>offset, size, write, data);
      return true;
    }
  }
  return false;
}

/** The index of the built-in device of address space `as` whose range holds `gpa`, or -1 (the scan's order: the first one). */
export function builtinIndexAt(as: u32, gpa: u64): i32 {
  const count = min<u32>(atomic.load<u32>(CONTROL_BASE + CTRL_BUILTIN_COUNT), BUILTIN_MAX);
  for (let i: u32 = 0; i < count; i++) {
    const entry: usize = CONTROL_BASE + CTRL_BUILTINS + i * BUILTIN_ENTRY_SIZE;
    if (load<u32>(entry, BUILTIN_E_AS) == as && gpa - load<u64>(entry, BUILTIN_E_BASE) < load<u64>(entry, BUILTIN_E_SIZE)) return <i32>i;
  }
  return -1;
}

/** Whether a built-in device of `as` decodes any byte of [gpa, gpa+size). */
export function builtinOverlaps(as: u32, gpa: u64, size: u32): bool {
  const count = min<u32>(atomic.load<u32>(CONTROL_BASE + CTRL_BUILTIN_COUNT), BUILTIN_MAX);
  for (let i: u32 = 0; i < count; i++) {
    const entry: usize = CONTROL_BASE + CTRL_BUILTINS + i * BUILTIN_ENTRY_SIZE;
    if (load<u32>(entry, BUILTIN_E_AS) != as) continue;
    // The device starts inside the range, or the range starts inside the device.
    const base = load<u64>(entry, BUILTIN_E_BASE);
    if (base - gpa < <u64>size || gpa - base < load<u64>(entry, BUILTIN_E_SIZE)) return true;
  }
  return false;
}

/** After a read by builtinAccessAt: its bytes in memory order (a little-endian value). */
export let builtinValue: u64 = 0;

/**
 * builtinAccess on device `index` alone (a TLB device hint), with the value in a
 * register: a `size`-byte (1, 2, 4, 8) read leaves its bytes in builtinValue, a write
 * stores `value`'s low bytes (memory order). Returns false, doing nothing, when that
 * device does not cover the whole access or its kind has no register path here.
 */
export function builtinAccessAt(index: u32, as: u32, gpa: u64, size: u32, write: bool, value: u64): bool {
  const entry = registerEntry(index, as, gpa, size);
  if (entry == 0) return false;
  const state: usize = load<u32>(entry, BUILTIN_E_STATE);
  const kind = load<u32>(entry, BUILTIN_E_KIND);
  if (kind == BUILTIN_SCRATCH) {
    const at = state + <usize>(gpa - load<u64>(entry, BUILTIN_E_BASE));
    if (write) {
      if (size == 8) store<u64>(at, value);
      else if (size == 4) store<u32>(at, <u32>value);
      else if (size == 2) store<u16>(at, <u16>value);
      else store<u8>(at, <u8>value);
    } else {
      builtinValue = size == 8 ? load<u64>(at) : size == 4 ? <u64>load<u32>(at) : size == 2 ? <u64>load<u16>(at) : <u64>load<u8>(at);
    }
    return true;
  }
  const mask = size == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << (<u64>size << 3)) - 1;
  if (kind == BUILTIN_WASM) {
    // A trap in the device unwinds past the caller's report and count: the record names
    // and counts the access first, as mmioFragment does; once it returns, the caller counts it instead.
    recordMmioAccess(as, gpa, size, write, CAUSE_UNMAPPED);
    const counter = mmioCounter();
    const result = wasmDeviceRegister(index, entry, <u32>(gpa - load<u64>(entry, BUILTIN_E_BASE)), size, write, value & mask);
    store<u64>(counter, load<u64>(counter) - 1);
    if (!write) builtinValue = result & mask;
  } else if (write) { // BUILTIN_COUNTER
    atomic.store<u64>(state, value & mask);
  } else {
    builtinValue = (atomic.add<u64>(state, 1) + 1) & mask;
  }
  return true;
}

/**
 * The memory address of the `size` bytes at `gpa` (address space 0) when built-in device
 * `index` is a scratch device covering them (its registers are plain bytes in memory
 * order, so the caller reads or writes them there, as builtinAccessAt would); else 0.
 * `index` is a current device hint's (access.ts locate found it published; entries are
 * never rewritten or removed), so unlike registerEntry this does not load the count.
 */
@inline export function builtinScratchAt(index: u32, gpa: u64, size: u32): usize {
  const entry: usize = CONTROL_BASE + CTRL_BUILTINS + index * BUILTIN_ENTRY_SIZE;
  const offset = gpa - load<u64>(entry, BUILTIN_E_BASE);
  const length = load<u64>(entry, BUILTIN_E_SIZE);
  if (load<u32>(entry, BUILTIN_E_KIND) != BUILTIN_SCRATCH || load<u32>(entry, BUILTIN_E_AS) != 0 || offset >= length || length - offset < <u64>size) return 0;
  return <usize>load<u32>(entry, BUILTIN_E_STATE) + <usize>offset;
}

/** Device `index`'s entry if it covers the access and its kind has a register path; else 0. */
@inline function registerEntry(index: u32, as: u32, gpa: u64, size: u32): usize {
  // Acquire, as builtinAccess: only published entries are read.
  if (index >= min<u32>(atomic.load<u32>(CONTROL_BASE + CTRL_BUILTIN_COUNT), BUILTIN_MAX)) return 0;
  const entry: usize = CONTROL_BASE + CTRL_BUILTINS + index * BUILTIN_ENTRY_SIZE;
  const offset = gpa - load<u64>(entry, BUILTIN_E_BASE);
  const length = load<u64>(entry, BUILTIN_E_SIZE);
  if (load<u32>(entry, BUILTIN_E_AS) != as || offset >= length || length - offset < <u64>size) return 0;
  const kind = load<u32>(entry, BUILTIN_E_KIND);
  if (kind == BUILTIN_SCRATCH || kind == BUILTIN_COUNTER) return entry;
  // A Wasm device: only an access it takes as one register (its width, aligned); others are split the general way.
  const widths = (load<u32>(entry, BUILTIN_E_WASM) >>> 16) & 0xf;
  return kind == BUILTIN_WASM && (widths & size) != 0 && (<u32>offset & (size - 1)) == 0 ? entry : 0;
}

/**
 * The memory address of the bytes behind guest-physical page `page` (address space 0)
 * when built-in device `index` is a scratch device holding the whole page (every access
 * there is that device's: the host refuses built-in devices that overlap); else 0.
 * Entries are never rewritten or removed, so the answer holds until the slot table
 * changes (a TLB flush).
 */
export function scratchPageHost(index: u32, page: u64): usize {
  // Acquire, as builtinAccess: only published entries are read.
  if (index >= min<u32>(atomic.load<u32>(CONTROL_BASE + CTRL_BUILTIN_COUNT), BUILTIN_MAX)) return 0;
  const entry: usize = CONTROL_BASE + CTRL_BUILTINS + index * BUILTIN_ENTRY_SIZE;
  const offset = page - load<u64>(entry, BUILTIN_E_BASE);
  const length = load<u64>(entry, BUILTIN_E_SIZE);
  if (load<u32>(entry, BUILTIN_E_KIND) != BUILTIN_SCRATCH || load<u32>(entry, BUILTIN_E_AS) != 0) return 0;
  if (offset >= length || length - offset < <u64>PAGE_SIZE) return 0;
  return <usize>load<u32>(entry, BUILTIN_E_STATE) + <usize>offset;
}
