// Built-in devices: MMIO regions served inside the core (the fast path next to the
// host's device bus, as KVM's in-kernel kvm_io_bus devices are next to userspace).
// The host publishes entries in the control block; their registers live in shared
// memory, so every vCPU thread sees one device.
import {
  CONTROL_BASE, CTRL_BUILTIN_COUNT, CTRL_BUILTINS, BUILTIN_MAX, BUILTIN_ENTRY_SIZE, BUILTIN_E_BASE, BUILTIN_E_SIZE,
  BUILTIN_E_KIND, BUILTIN_E_AS, BUILTIN_E_STATE, BUILTIN_SCRATCH, BUILTIN_COUNTER, BUILTIN_WASM,
} from "../layout";
import { wasmDeviceAccess } from "./wasm-device";

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
