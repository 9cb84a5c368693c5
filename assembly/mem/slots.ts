import {
  CONTROL_BASE, CTRL_SLOT_GEN, MAX_SLOTS, REC_COUNTERS, CNT_LOOKUP_SEARCHES, CNT_RETRIES,
  REC_SLOT_CACHE, SLOT_CACHE_SIZE, SLOT_TABLES_BASE, SLOT_TABLE_SIZE, SLOT_LEAF_CAPACITY, SLOT_H_COUNT, SLOT_H_LAYERS, SLOT_MAX_LAYERS,
  SLOT_LAYER1_OFFSET, SLOT_LAYER2_OFFSET, SLOT_LAYER3_OFFSET, SLOT_LEAF_BLOCK, SLOT_UPPER_BLOCK,
  SLOT_ENTRIES_OFFSET, SLOT_ENTRY_SIZE, SLOT_E_BASE, SLOT_E_SIZE, SLOT_E_HOST, SLOT_E_FLAGS,
  SLOT_E_DIRTY, SLOT_READONLY, SLOT_INVALID, PAGE_SHIFT,
} from "../layout";
import { CAUSE_NONE, CAUSE_UNMAPPED, CAUSE_READONLY, CAUSE_INVALID } from "../exits";
import { record, arenaBase, arenaEnd } from "../machine";

// The last-used slot of each address space, per vCPU (KVM's last_used_slot).
const C_GEN: u32 = 0;
const C_FLAGS: u32 = 4;
const C_BASE: u32 = 8;
const C_SIZE: u32 = 16;
const C_HOST: u32 = 24;
const C_DIRTY: u32 = 28;

/** Why the last ramAddress() returned 0. */
export let missCause: u32 = CAUSE_NONE;

@inline function generationAddress(as: u32): usize {
  return CONTROL_BASE + CTRL_SLOT_GEN + (as << 2);
}

@inline function slotCache(as: u32): usize {
  return record + REC_SLOT_CACHE + as * SLOT_CACHE_SIZE;
}

@inline function bump(counter: u32): void {
  const at = record + REC_COUNTERS + counter;
  store<u64>(at, load<u64>(at) + 1);
}

/**
 * Memory address backing [gpa, gpa+size) when one valid slot of `as` covers it and
 * permits the access; 0 otherwise, with missCause set. `as` must be < AS_COUNT.
 * Hit path: one generation compare, one subtraction, two range compares.
 */
@inline export function ramAddress(as: u32, gpa: u64, size: u32, write: bool): usize {
  const cache = slotCache(as);
  // Acquire: a generation equal to the cached one means the cached entry is current.
  if (load<u32>(cache, C_GEN) == atomic.load<u32>(generationAddress(as))) {
    const offset = gpa - load<u64>(cache, C_BASE);
    const size64 = load<u64>(cache, C_SIZE);
    if (offset < size64 && size64 - offset >= <u64>size && !(write && (load<u32>(cache, C_FLAGS) & SLOT_READONLY) != 0)) {
      return <usize>load<u32>(cache, C_HOST) + <usize>offset;
    }
  }
  return ramAddressSearch(as, gpa, size, write);
}

/** Entries of the leaf block at `block` whose base is <= gpa (branch-free, summed as a tree). */
@inline function countLeafAtMost(block: usize, gpa: u64): u32 {
  const a = <u32>(load<u64>(block) <= gpa) + <u32>(load<u64>(block, SLOT_ENTRY_SIZE) <= gpa);
  const b = <u32>(load<u64>(block, 2 * SLOT_ENTRY_SIZE) <= gpa) + <u32>(load<u64>(block, 3 * SLOT_ENTRY_SIZE) <= gpa);
  const c = <u32>(load<u64>(block, 4 * SLOT_ENTRY_SIZE) <= gpa) + <u32>(load<u64>(block, 5 * SLOT_ENTRY_SIZE) <= gpa);
  const d = <u32>(load<u64>(block, 6 * SLOT_ENTRY_SIZE) <= gpa) + <u32>(load<u64>(block, 7 * SLOT_ENTRY_SIZE) <= gpa);
  return (a + b) + (c + d);
}

/**
 * Keys <= gpa among the SLOT_UPPER_BLOCK keys of an upper-layer block. Upper keys are
 * stored with the sign bit flipped (so a signed compare orders them as unsigned).
 */
@inline function countAtMostUpper(block: usize, gpa: u64): u32 {
  const probe = <i64>(gpa ^ SIGN_BIT);
  let count: u32 = 0;
  for (let at: usize = 0; at < SLOT_UPPER_BLOCK * 8; at += 64) {
    count += countAtMost8Signed(block + at, probe);
  }
  return count;
}

/** Keys <= probe among 8 signed keys at `block`, summed as a tree (short dependency chain). */
@inline function countAtMost8Signed(block: usize, probe: i64): u32 {
  const a = <u32>(load<i64>(block) <= probe) + <u32>(load<i64>(block, 8) <= probe);
  const b = <u32>(load<i64>(block, 16) <= probe) + <u32>(load<i64>(block, 24) <= probe);
  const c = <u32>(load<i64>(block, 32) <= probe) + <u32>(load<i64>(block, 40) <= probe);
  const d = <u32>(load<i64>(block, 48) <= probe) + <u32>(load<i64>(block, 56) <= probe);
  return (a + b) + (c + d);
}

const SIGN_BIT: u64 = 0x8000_0000_0000_0000;

@inline function layerOffset(layer: u32): u32 {
  if (layer == 1) return SLOT_LAYER1_OFFSET;
  return layer == 2 ? SLOT_LAYER2_OFFSET : SLOT_LAYER3_OFFSET;
}

/**
 * Index of the entry with the last base <= gpa, or -1 if every base is above it.
 * One block per layer: the count in a block picks the block below; layer 0 is the
 * entries themselves (their base is the key).
 */
@inline function searchKeys(table: usize, count: u32, gpa: u64): i32 {
  // Padding keys are ~0 and slot bases are page-aligned, so this cap changes no
  // answer but keeps the padding above every probe.
  const probe = min<u64>(gpa, U64_MAX_PROBE);
  const layers = min<u32>(load<u32>(table, SLOT_H_LAYERS), SLOT_MAX_LAYERS);
  let index: u32 = 0;
  for (let layer = layers - 1; layer >= 1; layer--) {
    const found = countAtMostUpper(table + layerOffset(layer) + index * (SLOT_UPPER_BLOCK * 8), probe);
    if (found == 0) return -1;
    index = index * SLOT_UPPER_BLOCK + found - 1;
  }
  if (index >= SLOT_LEAF_CAPACITY / SLOT_LEAF_BLOCK) return -1;
  const leaf = countLeafAtMost(table + SLOT_ENTRIES_OFFSET + index * (SLOT_ENTRY_SIZE * SLOT_LEAF_BLOCK), probe);
  if (leaf == 0) return -1;
  index = (index << 3) + leaf - 1;
  return index < count ? <i32>index : -1;
}

const U64_MAX_PROBE: u64 = 0xffff_ffff_ffff_fffe;

@inline function entryIsInArena(host: usize, size: u64): bool {
  return host >= arenaBase && host <= arenaEnd && size <= <u64>(arenaEnd - host);
}

// Cold path: search the published table (a seqlock read: retried if the updater
// published a new generation meanwhile), refill the cache, decide.
function ramAddressSearch(as: u32, gpa: u64, size: u32, write: bool): usize {
  bump(CNT_LOOKUP_SEARCHES);
  const generation = generationAddress(as);
  while (true) {
    // Acquire: the table for `gen` was completely written before the updater published `gen`.
    const gen = atomic.load<u32>(generation);
    const table = SLOT_TABLES_BASE + (as * 2 + (gen & 1)) * SLOT_TABLE_SIZE;
    const count = min<u32>(load<u32>(table, SLOT_H_COUNT), MAX_SLOTS);
    let base: u64 = 0, length: u64 = 0, flags: u32 = 0, host: usize = 0, dirty: u32 = 0;
    const index = count != 0 ? searchKeys(table, count, gpa) : -1;
    if (index >= 0) {
      const entry = table + SLOT_ENTRIES_OFFSET + index * SLOT_ENTRY_SIZE;
      base = load<u64>(entry, SLOT_E_BASE);
      length = load<u64>(entry, SLOT_E_SIZE);
      host = load<u32>(entry, SLOT_E_HOST);
      flags = load<u32>(entry, SLOT_E_FLAGS);
      dirty = load<u32>(entry, SLOT_E_DIRTY);
    }
    // The plain loads above must complete before the re-check: an atomic
    // read-modify-write is a full barrier (an atomic load alone does not order earlier
    // plain loads on weak hardware, and binaryen rejects AssemblyScript's atomic.fence).
    if (atomic.add<u32>(generation, 0) != gen) {
      bump(CNT_RETRIES);
      continue;
    }
    const offset = gpa - base;
    if (index < 0 || offset >= length || !entryIsInArena(host, length)) {
      missCause = CAUSE_UNMAPPED;
      return 0;
    }
    if ((flags & SLOT_INVALID) != 0) {
      missCause = CAUSE_INVALID;
      return 0;
    }
    const cache = slotCache(as);
    store<u64>(cache, base, C_BASE);
    store<u64>(cache, length, C_SIZE);
    store<u32>(cache, host, C_HOST);
    store<u32>(cache, flags, C_FLAGS);
    store<u32>(cache, dirty, C_DIRTY);
    store<u32>(cache, gen, C_GEN);
    if (length - offset < <u64>size) {
      missCause = CAUSE_UNMAPPED;
      return 0;
    }
    if (write && (flags & SLOT_READONLY) != 0) {
      missCause = CAUSE_READONLY;
      return 0;
    }
    return host + <usize>offset;
  }
}

/** Marks the pages of [gpa, gpa+size) dirty in the slot the last ramAddress(as) hit. */
@inline export function markDirty(as: u32, gpa: u64, size: u32): void {
  const cache = slotCache(as);
  const bitmap = load<u32>(cache, C_DIRTY);
  if (bitmap == 0) return;
  const offset = gpa - load<u64>(cache, C_BASE);
  setDirtyBit(bitmap, <u32>(offset >> PAGE_SHIFT));
  setDirtyBit(bitmap, <u32>((offset + size - 1) >> PAGE_SHIFT));
}

@inline function setDirtyBit(bitmap: usize, page: u32): void {
  // Atomic OR: other vCPUs set bits in the same word, and the host clears words
  // with an exchange (KVM_GET_DIRTY_LOG's get-and-clear).
  atomic.or<u32>(bitmap + ((page >> 5) << 2), 1 << (page & 31));
}

/** Flags of the slot the last successful ramAddress(as) hit. */
@inline export function lastSlotFlags(as: u32): u32 {
  return load<u32>(slotCache(as), C_FLAGS);
}

/** Whether the slot the last successful ramAddress(as) hit logs dirty pages. */
@inline export function lastSlotDirtyLogged(as: u32): bool {
  return load<u32>(slotCache(as), C_DIRTY) != 0;
}
