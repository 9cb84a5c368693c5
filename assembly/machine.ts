import {
  CONTROL_BASE, CTRL_MAGIC, CTRL_VCPU_COUNT, CTRL_DIRTY_BASE, CTRL_DIRTY_SIZE, CTRL_ARENA_BASE,
  CTRL_ARENA_SIZE, CTRL_MEMORY_PAGES, MAGIC, STATIC_BASE, STATIC_SIZE, VCPU_BASE, VCPU_RECORD_SIZE,
  dirtyBaseFor, arenaBaseFor, layoutPages,
} from "./layout";

// Per-instance state lives in Wasm globals, never in linear memory: every vCPU's
// instance shares the memory, so only globals are private to it.
export let record: usize = 0;
export let arenaBase: usize = 0;
export let arenaEnd: usize = 0;

export const INIT_OK: u32 = 0;
export const INIT_TOO_BIG: u32 = 1;
export const INIT_STATIC_OVERFLOW: u32 = 2;
export const INIT_MEMORY_TOO_SMALL: u32 = 3;

/** 0 when this build's static data lies inside its reserved region (checked by a test). */
export function staticDataCheck(): u32 {
  const firstStatic = changetype<usize>("layout probe");
  if (firstStatic < STATIC_BASE || __heap_base > <usize>(STATIC_BASE + STATIC_SIZE)) return INIT_STATIC_OVERFLOW;
  return INIT_OK;
}

/** Records the per-machine regions in the control block. Call once, on the fresh memory. */
export function machineInit(vcpuCount: u32, dirtyBytes: u32, arenaBytes: u32): u32 {
  const pages = layoutPages(vcpuCount, dirtyBytes, arenaBytes);
  if (pages == 0) return INIT_TOO_BIG;
  if (staticDataCheck() != INIT_OK) return INIT_STATIC_OVERFLOW;
  if (<u32>memory.size() < pages) return INIT_MEMORY_TOO_SMALL;
  store<u32>(CONTROL_BASE + CTRL_VCPU_COUNT, vcpuCount);
  store<u32>(CONTROL_BASE + CTRL_DIRTY_BASE, <u32>dirtyBaseFor(vcpuCount));
  store<u32>(CONTROL_BASE + CTRL_DIRTY_SIZE, dirtyBytes);
  store<u32>(CONTROL_BASE + CTRL_ARENA_BASE, <u32>arenaBaseFor(vcpuCount, dirtyBytes));
  store<u32>(CONTROL_BASE + CTRL_ARENA_SIZE, arenaBytes);
  store<u32>(CONTROL_BASE + CTRL_MEMORY_PAGES, pages);
  // Release: instances bound later read the words above only after seeing MAGIC.
  atomic.store<u32>(CONTROL_BASE + CTRL_MAGIC, MAGIC);
  return INIT_OK;
}

/** Binds this instance to record `index` (vCPU count = the host's record). 0 if OK. */
export function bindRecord(index: u32): u32 {
  // Acquire: pairs with machineInit's release store of MAGIC.
  if (atomic.load<u32>(CONTROL_BASE + CTRL_MAGIC) != MAGIC) return 1;
  if (index > load<u32>(CONTROL_BASE + CTRL_VCPU_COUNT)) return 2;
  record = VCPU_BASE + index * VCPU_RECORD_SIZE;
  arenaBase = load<u32>(CONTROL_BASE + CTRL_ARENA_BASE);
  arenaEnd = arenaBase + load<u32>(CONTROL_BASE + CTRL_ARENA_SIZE);
  return 0;
}
