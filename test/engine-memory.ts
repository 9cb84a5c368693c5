// The engine's own memory (everything outside the guest-RAM arena), copied and
// compared region by region, so an isolation failure names what was written.

import type { Machine } from '../dist/src/index.js';

/**
 * A copy of the whole shared memory (compare it with firstChange), into `reuse` when
 * it is the right size: copying out of a SharedArrayBuffer into a fresh array costs
 * several times more than into one already allocated.
 */
export function snapshot(machine: Machine, reuse?: Uint8Array): Uint8Array {
  const live = new Uint8Array(machine.memory.buffer);
  const copy = reuse?.length === live.length ? reuse : new Uint8Array(live.length);
  copy.set(live);
  return copy;
}

/** A byte range of the memory the caller allows to change, with why. */
export interface Allowed {
  start: number;
  end: number;
}

/** The named region holding memory offset `at`, by the core's map and the machine's layout. */
export function regionName(machine: Machine, at: number): string {
  const { map, layout } = machine;
  const records = layout.vcpuCount + 1;
  if (at < map.CONTROL_BASE + map.CONTROL_SIZE) return `control block +${at - map.CONTROL_BASE}`;
  if (at < map.SLOT_TABLES_BASE) return `static data +${at - map.CONTROL_BASE - map.CONTROL_SIZE}`;
  if (at < map.VCPU_BASE) return `slot tables +${at - map.SLOT_TABLES_BASE}`;
  if (at < map.VCPU_BASE + records * map.VCPU_RECORD_SIZE) {
    const index = Math.floor((at - map.VCPU_BASE) / map.VCPU_RECORD_SIZE);
    return `record ${index === layout.vcpuCount ? 'host' : index} +${(at - map.VCPU_BASE) % map.VCPU_RECORD_SIZE}`;
  }
  if (at < layout.dirtyBase) return `TLBs +${at - layout.tlbBase}`;
  if (at < layout.dirtyBase + layout.dirtySize) return `dirty pool +${at - layout.dirtyBase}`;
  if (at < layout.arenaBase) return `padding below the arena +${at - layout.dirtyBase - layout.dirtySize}`;
  if (at < layout.arenaBase + layout.arenaSize) return `arena +${at - layout.arenaBase}`;
  return `memory past the arena +${at - layout.arenaBase - layout.arenaSize}`;
}

/**
 * The first byte outside the arena (and outside `allowed`) where `after` (default:
 * the live memory) differs from `before`, named by region; undefined when none does.
 */
export function firstChange(machine: Machine, before: Uint8Array, after = new Uint8Array(machine.memory.buffer), allowed: readonly Allowed[] = []): string | undefined {
  const { arenaBase, arenaSize } = machine.layout;
  const ranges = [...allowed, { start: arenaBase, end: arenaBase + arenaSize }].sort((a, b) => a.start - b.start);
  let from = 0;
  const check = (start: number, end: number): string | undefined => {
    if (start >= end) return undefined;
    if (Buffer.compare(before.subarray(start, end), after.subarray(start, end)) === 0) return undefined;
    for (let at = start; at < end; at++) {
      if (before[at] !== after[at]) return `${regionName(machine, at)}: ${before[at]} -> ${after[at]}`;
    }
    return undefined;
  };
  for (const range of ranges) {
    const found = check(from, Math.min(range.start, before.length));
    if (found) return found;
    from = Math.max(from, range.end);
  }
  return check(from, before.length);
}

/** The byte range of one record, or of part of it ([offset, offset + size)). */
export function recordRange(machine: Machine, index: number, offset = 0, size = machine.map.VCPU_RECORD_SIZE - offset): Allowed {
  const start = machine.map.VCPU_BASE + index * machine.map.VCPU_RECORD_SIZE + offset;
  return { start, end: start + size };
}

/** The byte range of one record's software TLB. */
export function tlbRange(machine: Machine, index: number): Allowed {
  const bytes = machine.layout.tlbEntries * machine.map.TLB_ENTRY_SIZE;
  const start = machine.layout.tlbBase + index * bytes;
  return { start, end: start + bytes };
}

/** The dirty bitmap of every slot the core's published tables list with one: where it is and how many pages it covers. */
export function liveDirtyBitmaps(machine: Machine): Array<{ slot: number; start: number; end: number; pages: number }> {
  const { map } = machine;
  const view = new DataView(machine.memory.buffer);
  const found = [];
  for (let as = 0; as < map.AS_COUNT; as++) {
    const generation = view.getUint32(map.CONTROL_BASE + map.CTRL_SLOT_GEN + 4 * as, true);
    const table = map.SLOT_TABLES_BASE + (as * 2 + (generation & 1)) * map.SLOT_TABLE_SIZE;
    const count = view.getUint32(table + map.SLOT_H_COUNT, true);
    for (let i = 0; i < count; i++) {
      const entry = table + map.SLOT_ENTRIES_OFFSET + i * map.SLOT_ENTRY_SIZE;
      const start = view.getUint32(entry + map.SLOT_E_DIRTY, true);
      if (start === 0) continue;
      const pages = Number(view.getBigUint64(entry + map.SLOT_E_SIZE, true) / BigInt(map.PAGE_SIZE));
      found.push({ slot: view.getUint32(entry + map.SLOT_E_SLOT, true), start, end: start + Math.ceil(pages / 64) * 8, pages });
    }
  }
  return found;
}
