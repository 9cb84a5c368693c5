import {
  CONTROL_BASE, CTRL_MAGIC, CTRL_VCPU_COUNT, CTRL_DIRTY_BASE, CTRL_DIRTY_SIZE, CTRL_ARENA_BASE,
  CTRL_ARENA_SIZE, CTRL_MEMORY_PAGES, CTRL_TLB_BASE, CTRL_TLB_ENTRIES, MAGIC, STATIC_BASE, STATIC_SIZE, VCPU_BASE,
  VCPU_RECORD_SIZE, TLB_ENTRY_SIZE, PAGE_SIZE, tlbBaseFor, dirtyBaseFor, arenaBaseFor, layoutPages,
} from "./layout";

// Per-instance state lives in Wasm globals, never in linear memory: every vCPU's
// instance shares the memory, so only globals are private to it.
export let record: usize = 0;
export let arenaBase: usize = 0;
export let arenaEnd: usize = 0;
export let tlb: usize = 0;
export let tlbMask: u32 = 0;

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
export function machineInit(vcpuCount: u32, tlbEntries: u32, dirtyBytes: u32, arenaBytes: u32): u32 {
  const pages = layoutPages(vcpuCount, tlbEntries, dirtyBytes, arenaBytes);
  if (pages == 0) return INIT_TOO_BIG;
  if (staticDataCheck() != INIT_OK) return INIT_STATIC_OVERFLOW;
  if (<u32>memory.size() < pages) return INIT_MEMORY_TOO_SMALL;
  store<u32>(CONTROL_BASE + CTRL_VCPU_COUNT, vcpuCount);
  store<u32>(CONTROL_BASE + CTRL_TLB_BASE, <u32>tlbBaseFor(vcpuCount));
  store<u32>(CONTROL_BASE + CTRL_TLB_ENTRIES, tlbEntries);
  store<u32>(CONTROL_BASE + CTRL_DIRTY_BASE, <u32>dirtyBaseFor(vcpuCount, tlbEntries));
  store<u32>(CONTROL_BASE + CTRL_DIRTY_SIZE, dirtyBytes);
  store<u32>(CONTROL_BASE + CTRL_ARENA_BASE, <u32>arenaBaseFor(vcpuCount, tlbEntries, dirtyBytes));
  // Every TLB starts empty (all tags TLB_INVALID).
  memory.fill(<usize>tlbBaseFor(vcpuCount), 0xff, <usize>(vcpuCount + 1) * tlbEntries * TLB_ENTRY_SIZE);
  store<u32>(CONTROL_BASE + CTRL_ARENA_SIZE, arenaBytes);
  store<u32>(CONTROL_BASE + CTRL_MEMORY_PAGES, pages);
  // Release: instances bound later read the words above only after seeing MAGIC.
  atomic.store<u32>(CONTROL_BASE + CTRL_MAGIC, MAGIC);
  return INIT_OK;
}

/**
 * Zeroes each 4 KiB page of [start, end) (page-aligned) that holds a non-zero byte; returns
 * how many. A zero page is only read: one the host never wrote stays unallocated (a read
 * maps the kernel's zero page, a write would allocate one). The first read of such a page
 * still faults (measured here about as costly as a write's), so a machine's first reset
 * pays once for the pages its guest's RAM spans; later ones read them without faults.
 */
export function zeroWrittenPages(start: usize, end: usize): u32 {
  let zeroed: u32 = 0;
  for (let page = start; page < end; page += PAGE_SIZE) {
    for (let at = page; at < page + PAGE_SIZE; at += 64) {
      const any = v128.or(v128.or(v128.load(at), v128.load(at, 16)), v128.or(v128.load(at, 32), v128.load(at, 48)));
      if (v128.any_true(any)) {
        memory.fill(page, 0, PAGE_SIZE);
        zeroed++;
        break;
      }
    }
  }
  return zeroed;
}

/** Binds this instance to record `index` (vCPU count = the host's record). 0 if OK. */
export function bindRecord(index: u32): u32 {
  // Acquire: pairs with machineInit's release store of MAGIC.
  if (atomic.load<u32>(CONTROL_BASE + CTRL_MAGIC) != MAGIC) return 1;
  if (index > load<u32>(CONTROL_BASE + CTRL_VCPU_COUNT)) return 2;
  record = VCPU_BASE + index * VCPU_RECORD_SIZE;
  arenaBase = load<u32>(CONTROL_BASE + CTRL_ARENA_BASE);
  arenaEnd = arenaBase + load<u32>(CONTROL_BASE + CTRL_ARENA_SIZE);
  const entries = load<u32>(CONTROL_BASE + CTRL_TLB_ENTRIES);
  tlb = load<u32>(CONTROL_BASE + CTRL_TLB_BASE) + index * entries * TLB_ENTRY_SIZE;
  tlbMask = entries - 1;
  return 0;
}
