// KVM_SET_USER_MEMORY_REGION's contract (virt/kvm/kvm_main.c) over the core's slot
// tables. Each address space has a private shadow table and two published buffers:
// an update edits the shadow, copies what changed into the inactive buffer, then
// publishes it by bumping the generation word (whose parity names the buffer).

import type { MemoryMap } from './core.js';
import { RangeAllocator } from './alloc.js';
import { SlotError, texts } from './errors.js';
import { requireInteger, requireObject, requireU64 } from './validate.js';

export const LOG_DIRTY_PAGES = 1;
export const READONLY = 2;
const MAX_PAGES = (1n << 31n) - 1n;
const PAGE_SHIFT = 12n;
const PAGE_MASK = (1n << PAGE_SHIFT) - 1n;
const U64_LIMIT = 1n << 64n;
const U32_MAX = 0xffff_ffff;

/** One KVM_SET_USER_MEMORY_REGION call; numbers, bigints or "0x…" strings. */
export interface MemoryRegion {
  slot: number;
  flags?: number;
  guestPhysAddr: bigint | number | string;
  memorySize: bigint | number | string;
  userspaceAddr: bigint | number | string;
}

/** A slot as the table holds it. `slot` is (address space << 16) | id. */
export interface SlotInfo {
  slot: number;
  flags: number;
  guestPhysAddr: bigint;
  memorySize: bigint;
  userspaceAddr: bigint;
}

export type SlotChange = 'create' | 'delete' | 'move' | 'flags-only' | 'none';

/** A slot as the core sees it: its range, memory address, flags (with SLOT_INVALID) and dirty bitmap (0: none). */
export interface PublishedSlot {
  kind: 'slot';
  base: bigint;
  size: bigint;
  host: number;
  flags: number;
  dirtyBitmap: number;
}

/** [start, end) with no slot in it; end is 2^64 past the last slot. */
export interface SlotGap {
  kind: 'gap';
  start: bigint;
  end: bigint;
}

interface Slot extends SlotInfo {
  /** Memory address of its dirty bitmap, 0 without LOG_DIRTY_PAGES. */
  dirtyBitmap: number;
}

interface SlotPlan {
  change: SlotChange;
  old: Slot | undefined;
  next: Slot | undefined;
}

/** Bytes of a KVM dirty bitmap for `pages` pages (whole u64 words). */
export function dirtyBitmapBytes(pages: number): number {
  return Math.ceil(pages / 64) * 8;
}

export class SlotTable {
  private readonly slots = new Map<number, Slot>();
  private readonly spaces: AddressSpaceTable[] = [];

  constructor(
    private readonly map: MemoryMap,
    private readonly memory: Uint8Array,
    private readonly arena: { base: number; size: number },
    private readonly dirtyPool: RangeAllocator,
    /** Told the arena end (userspaceAddr + memorySize) of every slot a transaction installs, before it is published. */
    private readonly onInstall: (arenaEnd: number) => void = () => {},
    /** Told after each publish, before the call that made it returns (the machine drops its typed-accessor entries). */
    private readonly onPublish: () => void = () => {},
  ) {
    for (let as = 0; as < map.AS_COUNT; as++) this.spaces.push(new AddressSpaceTable(map, memory, as));
  }

  /** Applies one KVM_SET_USER_MEMORY_REGION; throws SlotError (changing nothing) if KVM would refuse it. */
  set(region: MemoryRegion): SlotChange {
    return this.transaction([region])[0]!;
  }

  /**
   * Applies a list of changes, each checked against the table as the ones before it
   * left it, and publishes them with one generation bump per address space: a vCPU
   * sees all of them or none (the 2022 list-update RFC). If one is refused, the
   * changes before it are undone and nothing is published.
   */
  transaction(regions: readonly MemoryRegion[]): SlotChange[] {
    if (!Array.isArray(regions)) throw new SlotError('EINVAL', texts.notArray('regions', regions));
    const applied: SlotPlan[] = [];
    try {
      for (const region of regions) {
        const plan = this.plan(region);
        this.applyToShadow(plan);
        applied.push(plan);
      }
    } catch (error) {
      for (const plan of applied.reverse()) this.undo(plan);
      throw error;
    }
    const touched = new Set<number>();
    for (const { change, old, next } of applied) {
      if (change === 'none') continue;
      if (next) this.onInstall(Number(next.userspaceAddr + next.memorySize));
      touched.add((next ?? old)!.slot >>> 16);
      // A new bitmap is cleared only now, so a refused call writes no byte of shared memory.
      if (next && next.dirtyBitmap !== 0 && next.dirtyBitmap !== old?.dirtyBitmap) {
        this.memory.fill(0, next.dirtyBitmap, next.dirtyBitmap + dirtyBitmapBytes(Number(next.memorySize >> PAGE_SHIFT)));
      }
      if (old && old.dirtyBitmap !== 0 && old.dirtyBitmap !== next?.dirtyBitmap) this.dirtyPool.release(old.dirtyBitmap);
    }
    for (const as of touched) this.publish(as);
    return applied.map((plan) => plan.change);
  }

  /**
   * Deletes every slot (returning their dirty bitmaps) and publishes every address space,
   * an empty one too: each generation moves on, so every cache of the old tables is stale.
   */
  clear(): void {
    const slots = [...this.slots.values()];
    if (slots.length > 0) this.transaction(slots.map((slot) => ({ slot: slot.slot, guestPhysAddr: 0, memorySize: 0, userspaceAddr: 0 })));
    for (let as = 0; as < this.spaces.length; as++) this.publish(as);
  }

  private publish(as: number): void {
    this.spaces[as]!.publish();
    this.onPublish();
  }

  /**
   * Marks a slot INVALID (KVM_MEMSLOT_INVALID: accesses to it leave the RAM path with
   * CAUSE_INVALID) or valid again, and publishes. The slot's user-visible state is unchanged.
   */
  setInvalid(slotNumber: number, invalid: boolean): void {
    const slot = this.slots.get(requireSlotNumber(slotNumber));
    if (!slot) throw new SlotError('ENOENT', texts.noSuchSlot(slotNumber));
    const space = this.spaces[slotNumber >>> 16]!;
    space.setFlags(slot.guestPhysAddr, slot.flags | (invalid ? this.map.SLOT_INVALID : 0));
    this.publish(slotNumber >>> 16);
  }

  get(slot: number): SlotInfo | undefined {
    const found = this.slots.get(requireSlotNumber(slot));
    return found && publicView(found);
  }

  /** Every slot, sorted by slot number (address space, then id). */
  list(): SlotInfo[] {
    return [...this.slots.values()].sort((a, b) => a.slot - b.slot).map(publicView);
  }

  get size(): number {
    return this.slots.size;
  }

  /**
   * What address space `as` publishes at `gpa`: the slot entry covering it (flags include
   * SLOT_INVALID), or the gap between slots around it. The host's access caches fill from this.
   */
  regionAt(as: number, gpa: bigint): PublishedSlot | SlotGap {
    return this.spaces[as]!.regionAt(gpa);
  }

  /** KVM_GET_DIRTY_LOG: the slot's bitmap (bit i = page i, little-endian u64 words), cleared atomically. */
  getDirtyLog(slotNumber: number): Uint8Array {
    const number = requireSlotNumber(slotNumber);
    // kvm_get_dirty_log(): a slot number no slot can have is EINVAL, a slot without a log ENOENT.
    if (number >>> 16 >= this.map.AS_COUNT) throw new SlotError('EINVAL', texts.badAddressSpace(number >>> 16, this.map.AS_COUNT));
    if ((number & 0xffff) >= this.map.MAX_SLOTS) throw new SlotError('EINVAL', texts.badSlotId(number & 0xffff, this.map.MAX_SLOTS));
    const slot = this.slots.get(number);
    if (!slot || slot.dirtyBitmap === 0) throw new SlotError('ENOENT', texts.noDirtyLog(slotNumber));
    const bytes = dirtyBitmapBytes(Number(slot.memorySize >> PAGE_SHIFT));
    const words = new Int32Array(this.memory.buffer, slot.dirtyBitmap, bytes / 4);
    const log = new Uint8Array(bytes);
    const out = new DataView(log.buffer);
    for (let i = 0; i < words.length; i++) {
      // Exchange, not load+store: a vCPU may set a bit between the two (lost dirty page).
      out.setInt32(i * 4, Atomics.exchange(words, i, 0), true);
    }
    return log;
  }

  private plan(region: MemoryRegion): SlotPlan {
    requireObject(SlotError, 'region', region);
    const slotNumber = requireSlotNumber(region.slot);
    // KVM's flags field is a __u32: a value that does not fit one is refused, not truncated.
    const flags = region.flags === undefined ? 0 : region.flags;
    if (typeof flags !== 'number' || !Number.isSafeInteger(flags) || flags < 0 || flags > U32_MAX) {
      throw new SlotError('EINVAL', texts.flagsNotU32(flags));
    }
    if ((flags & ~(LOG_DIRTY_PAGES | READONLY)) !== 0) throw new SlotError('EINVAL', texts.unknownFlags(flags));
    const gpa = requireU64(SlotError, 'guestPhysAddr', region.guestPhysAddr);
    const size = requireU64(SlotError, 'memorySize', region.memorySize);
    const uaddr = requireU64(SlotError, 'userspaceAddr', region.userspaceAddr);
    const as = slotNumber >>> 16;
    const id = slotNumber & 0xffff;
    if ((size & PAGE_MASK) !== 0n) throw new SlotError('EINVAL', texts.sizeNotAligned(size));
    if ((gpa & PAGE_MASK) !== 0n) throw new SlotError('EINVAL', texts.gpaNotAligned(gpa));
    if ((uaddr & PAGE_MASK) !== 0n) throw new SlotError('EINVAL', texts.uaddrNotAligned(uaddr));
    if (uaddr + size > BigInt(this.arena.size)) {
      throw new SlotError('EINVAL', texts.uaddrOutsideArena(uaddr, size, this.arena.size));
    }
    if (as >= this.map.AS_COUNT) throw new SlotError('EINVAL', texts.badAddressSpace(as, this.map.AS_COUNT));
    if (id >= this.map.MAX_SLOTS) throw new SlotError('EINVAL', texts.badSlotId(id, this.map.MAX_SLOTS));
    if (gpa + size >= U64_LIMIT) throw new SlotError('EINVAL', texts.gpaWraps(gpa, size));
    if (size >> PAGE_SHIFT > MAX_PAGES) throw new SlotError('EINVAL', texts.tooManyPages(size >> PAGE_SHIFT));

    const old = this.slots.get(slotNumber);
    if (size === 0n) {
      if (!old) throw new SlotError('EINVAL', texts.deleteMissing(slotNumber));
      return { change: 'delete', old, next: undefined };
    }
    let change: SlotChange;
    if (!old) change = 'create';
    else {
      if (uaddr !== old.userspaceAddr || size !== old.memorySize) {
        throw new SlotError('EINVAL', texts.changeSizeOrAddr(slotNumber));
      }
      if (((flags ^ old.flags) & READONLY) !== 0) throw new SlotError('EINVAL', texts.changeReadonly(slotNumber));
      if (gpa !== old.guestPhysAddr) change = 'move';
      else if (flags !== old.flags) change = 'flags-only';
      else return { change: 'none', old, next: old };
    }
    if (change === 'create' || change === 'move') {
      const other = this.spaces[as]!.overlapping(gpa, gpa + size, slotNumber);
      if (other !== undefined) throw new SlotError('EEXIST', texts.overlap(slotNumber, other));
    }
    const next: Slot = {
      slot: slotNumber, flags, guestPhysAddr: gpa, memorySize: size, userspaceAddr: uaddr,
      dirtyBitmap: (flags & LOG_DIRTY_PAGES) !== 0 && old ? old.dirtyBitmap : 0,
    };
    if ((flags & LOG_DIRTY_PAGES) !== 0 && next.dirtyBitmap === 0) {
      next.dirtyBitmap = this.allocateBitmap(Number(size >> PAGE_SHIFT));
    }
    return { change, old, next };
  }

  /** Reserves a bitmap in the pool; transaction() clears it once the whole call is accepted. */
  private allocateBitmap(pages: number): number {
    const bytes = dirtyBitmapBytes(pages);
    const at = this.dirtyPool.allocate(bytes);
    if (at === undefined) throw new SlotError('ENOMEM', texts.dirtyPoolFull(bytes));
    return at;
  }

  /** Edits the shadow table; old bitmaps are released and the table published by the caller. */
  private applyToShadow({ change, old, next }: SlotPlan): void {
    if (change === 'none') return;
    this.replace(old, next);
  }

  private undo({ change, old, next }: SlotPlan): void {
    if (change === 'none') return;
    this.replace(next, old);
    if (next && next.dirtyBitmap !== 0 && next.dirtyBitmap !== old?.dirtyBitmap) this.dirtyPool.release(next.dirtyBitmap);
  }

  private replace(from: Slot | undefined, to: Slot | undefined): void {
    const slotNumber = (to ?? from)!.slot;
    const space = this.spaces[slotNumber >>> 16]!;
    if (from) space.remove(from.guestPhysAddr);
    if (to) {
      space.insert(to, this.arena.base + Number(to.userspaceAddr));
      this.slots.set(slotNumber, to);
    } else {
      this.slots.delete(slotNumber);
    }
  }
}

function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}

/** A slot number: (address space << 16) | id, a u32; which ids and spaces exist is checked after. */
function requireSlotNumber(value: unknown): number {
  return requireInteger(SlotError, 'slot', value, 0, U32_MAX);
}

function publicView(slot: Slot): SlotInfo {
  const { slot: number, flags, guestPhysAddr, memorySize, userspaceAddr } = slot;
  return { slot: number, flags, guestPhysAddr, memorySize, userspaceAddr };
}

const PADDING_KEY = (1n << 64n) - 1n;
/** Entries a table's shadow has room for at first (a multiple of SLOT_LEAF_BLOCK); it doubles as slots are added. */
const INITIAL_ENTRIES = 64;
const SIGN_BIT = 1n << 63n;

/**
 * One address space's shadow table (the core's layout, private) and its two published
 * buffers. The shadow's entries (and the keys and slot numbers beside them) grow with
 * the count, so a machine with a few slots holds a few KiB here, not the whole table.
 */
class AddressSpaceTable {
  /** The entries, entry i at i * SLOT_ENTRY_SIZE; room for `capacity` of them. */
  private shadow: Uint8Array;
  private shadowView: DataView;
  /** The search tree's layers: 0 is the sorted bases (kept for the host; the core reads the entries), then the upper ones. */
  private readonly layers: BigUint64Array[];
  /** Where upper layer n + 1 lies in a published table (layers[n + 1]'s offset). */
  private readonly upperOffsets: number[];
  private keys: BigUint64Array;
  private layerCount = 1;
  /** First key index changed since the layers were last rebuilt. */
  private changedFrom = 0;
  private slotOf: Uint32Array;
  private count = 0;
  /** Entries the shadow, keys and slotOf have room for: a multiple of SLOT_LEAF_BLOCK (the padding rebuildLayers writes fits). */
  private capacity: number;
  /** Per buffer: the first entry index where it differs from the shadow. */
  private readonly staleFrom = [0, 0];
  /** Per buffer: layers it was last published with (layers above were never written there). */
  private readonly publishedLayers = [1, 1];
  private readonly generation: Int32Array;
  private readonly generationIndex: number;

  constructor(private readonly map: MemoryMap, private readonly memory: Uint8Array, private readonly as: number) {
    this.capacity = Math.min(INITIAL_ENTRIES, map.SLOT_LEAF_CAPACITY);
    this.shadow = new Uint8Array(this.capacity * map.SLOT_ENTRY_SIZE);
    this.shadowView = new DataView(this.shadow.buffer);
    this.keys = new BigUint64Array(this.capacity);
    this.slotOf = new Uint32Array(this.capacity);
    this.upperOffsets = [map.SLOT_LAYER1_OFFSET, map.SLOT_LAYER2_OFFSET, map.SLOT_LAYER3_OFFSET];
    this.layers = [this.keys, ...this.upperOffsets.map((_, index) =>
      new BigUint64Array(map.SLOT_LEAF_CAPACITY / map.SLOT_LEAF_BLOCK / map.SLOT_UPPER_BLOCK ** index))];
    this.generation = new Int32Array(memory.buffer, map.CONTROL_BASE, map.CONTROL_SIZE / 4);
    this.generationIndex = (map.CTRL_SLOT_GEN >> 2) + as;
  }

  /** Makes room for `entries` entries (at most SLOT_LEAF_CAPACITY: slot ids are unique per space, fewer than MAX_SLOTS). */
  private reserve(entries: number): void {
    if (entries <= this.capacity) return;
    let capacity = this.capacity;
    while (capacity < entries) capacity *= 2;
    capacity = Math.min(capacity, this.map.SLOT_LEAF_CAPACITY);
    const shadow = new Uint8Array(capacity * this.map.SLOT_ENTRY_SIZE);
    shadow.set(this.shadow);
    const keys = new BigUint64Array(capacity);
    keys.set(this.keys);
    const slotOf = new Uint32Array(capacity);
    slotOf.set(this.slotOf);
    this.shadow = shadow;
    this.shadowView = new DataView(shadow.buffer);
    this.keys = keys;
    this.layers[0] = keys;
    this.slotOf = slotOf;
    this.capacity = capacity;
  }

  /** The slot number of an entry overlapping [start, end) other than `self`, if any. */
  overlapping(start: bigint, end: bigint, self: number): number | undefined {
    // Entries do not overlap each other, so at most the two nearest below `end` can.
    for (let i = this.lastIndexBelow(end); i >= 0; i--) {
      const entryEnd = this.entryBase(i) + this.shadowView.getBigUint64(this.entryOffset(i) + this.map.SLOT_E_SIZE, true);
      if (entryEnd <= start) return undefined;
      if (this.slotOf[i] !== self) return this.slotOf[i];
    }
    return undefined;
  }

  insert(slot: Slot, hostAddr: number): void {
    const index = this.lastIndexBelow(slot.guestPhysAddr) + 1;
    this.shift(index, 1);
    this.keys[index] = slot.guestPhysAddr;
    this.slotOf[index] = slot.slot;
    const at = this.entryOffset(index);
    const { map, shadowView: view } = this;
    view.setBigUint64(at + map.SLOT_E_BASE, slot.guestPhysAddr, true);
    view.setBigUint64(at + map.SLOT_E_SIZE, slot.memorySize, true);
    view.setUint32(at + map.SLOT_E_HOST, hostAddr, true);
    view.setUint32(at + map.SLOT_E_FLAGS, slot.flags, true);
    view.setUint32(at + map.SLOT_E_SLOT, slot.slot, true);
    view.setUint32(at + map.SLOT_E_DIRTY, slot.dirtyBitmap, true);
  }

  remove(base: bigint): void {
    this.shift(this.lastIndexBelow(base + 1n), -1);
  }

  regionAt(gpa: bigint): PublishedSlot | SlotGap {
    // The last entry whose base is at or below gpa: it covers gpa, or the gap starts at its end.
    const index = this.lastIndexBelow(gpa + 1n);
    const below = index >= 0 ? this.entryBase(index) + this.shadowView.getBigUint64(this.entryOffset(index) + this.map.SLOT_E_SIZE, true) : 0n;
    if (index >= 0 && gpa < below) {
      const at = this.entryOffset(index);
      const view = this.shadowView;
      const base = this.entryBase(index);
      return {
        kind: 'slot', base, size: below - base, host: view.getUint32(at + this.map.SLOT_E_HOST, true),
        flags: view.getUint32(at + this.map.SLOT_E_FLAGS, true), dirtyBitmap: view.getUint32(at + this.map.SLOT_E_DIRTY, true),
      };
    }
    return { kind: 'gap', start: below, end: index + 1 < this.count ? this.entryBase(index + 1) : U64_LIMIT };
  }

  /** Rewrites the flags word of the entry at `base`. */
  setFlags(base: bigint, flags: number): void {
    const index = this.lastIndexBelow(base + 1n);
    this.shadowView.setUint32(this.entryOffset(index) + this.map.SLOT_E_FLAGS, flags, true);
    this.staleFrom[0] = Math.min(this.staleFrom[0]!, index);
    this.staleFrom[1] = Math.min(this.staleFrom[1]!, index);
  }

  /** Copies what changed into the inactive buffer, then publishes it. */
  publish(): void {
    this.rebuildLayers();
    // Only the updater writes the generation; a plain read of our own last store.
    const generation = Atomics.load(this.generation, this.generationIndex);
    const buffer = (generation + 1) & 1;
    const table = this.map.SLOT_TABLES_BASE + (this.as * 2 + buffer) * this.map.SLOT_TABLE_SIZE;
    const from = Math.min(this.staleFrom[buffer]!, this.count);
    const { SLOT_ENTRIES_OFFSET: entries, SLOT_ENTRY_SIZE: entrySize } = this.map;
    const leafEnd = roundUp(this.count, this.blockOf(0));
    this.memory.set(this.shadow.subarray(this.entryOffset(from), this.entryOffset(leafEnd)), table + entries + from * entrySize);
    let start = from;
    let length = this.count;
    for (let layer = 1; layer < this.layerCount; layer++) {
      const fanout = this.blockOf(layer - 1);
      start = layer < this.publishedLayers[buffer]! ? Math.floor(start / fanout) : 0;
      length = Math.ceil(length / fanout);
      const keys = this.layers[layer]!;
      const bytes = new Uint8Array(keys.buffer, keys.byteOffset + start * 8, (roundUp(length, this.blockOf(layer)) - start) * 8);
      this.memory.set(bytes, table + this.upperOffsets[layer - 1]! + start * 8);
    }
    const header = new DataView(this.memory.buffer, table, this.map.SLOT_HEADER_SIZE);
    header.setUint32(this.map.SLOT_H_COUNT, this.count, true);
    header.setUint32(this.map.SLOT_H_LAYERS, this.layerCount, true);
    this.staleFrom[buffer] = Number.MAX_SAFE_INTEGER;
    this.publishedLayers[buffer] = this.layerCount;
    // Release (Atomics are sequentially consistent): every byte of the buffer is
    // written before a vCPU can load the generation that names it.
    Atomics.store(this.generation, this.generationIndex, generation + 1);
  }

  /** Keys in one block of `layer`: leaf blocks are 8 entries, upper blocks 16 keys. */
  private blockOf(layer: number): number {
    return layer === 0 ? this.map.SLOT_LEAF_BLOCK : this.map.SLOT_UPPER_BLOCK;
  }

  /** Pads each layer to whole blocks and refreshes the upper layers from the first changed key. */
  private rebuildLayers(): void {
    let below = this.keys;
    let length = this.count;
    let start = Math.min(this.changedFrom, length);
    for (let i = length; i < roundUp(length, this.blockOf(0)); i++) {
      this.shadowView.setBigUint64(this.entryOffset(i) + this.map.SLOT_E_BASE, PADDING_KEY, true);
    }
    let layer = 1;
    for (; length > this.blockOf(layer - 1) && layer < this.layers.length; layer++) {
      const keys = this.layers[layer]!;
      const fanout = this.blockOf(layer - 1);
      start = layer < this.layerCount ? Math.floor(start / fanout) : 0;
      length = Math.ceil(length / fanout);
      // Upper keys are stored sign-flipped: the core compares them signed.
      const unflip = layer === 1 ? 0n : SIGN_BIT;
      for (let j = start; j < length; j++) keys[j] = below[j * fanout]! ^ unflip ^ SIGN_BIT;
      keys.fill(PADDING_KEY ^ SIGN_BIT, length, roundUp(length, this.blockOf(layer)));
      below = keys;
    }
    this.layerCount = layer;
    this.changedFrom = Number.MAX_SAFE_INTEGER;
  }

  private shift(index: number, by: 1 | -1): void {
    if (by === 1) {
      this.reserve(this.count + 1);
      this.keys.copyWithin(index + 1, index, this.count);
      this.slotOf.copyWithin(index + 1, index, this.count);
      this.shadow.copyWithin(this.entryOffset(index + 1), this.entryOffset(index), this.entryOffset(this.count));
    } else {
      this.keys.copyWithin(index, index + 1, this.count);
      this.slotOf.copyWithin(index, index + 1, this.count);
      this.shadow.copyWithin(this.entryOffset(index), this.entryOffset(index + 1), this.entryOffset(this.count));
    }
    this.count += by;
    this.staleFrom[0] = Math.min(this.staleFrom[0]!, index);
    this.staleFrom[1] = Math.min(this.staleFrom[1]!, index);
    this.changedFrom = Math.min(this.changedFrom, index);
  }

  private lastIndexBelow(limit: bigint): number {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.keys[middle]! < limit) low = middle + 1;
      else high = middle;
    }
    return low - 1;
  }

  private entryBase(index: number): bigint {
    return this.keys[index]!;
  }

  private entryOffset(index: number): number {
    return index * this.map.SLOT_ENTRY_SIZE;
  }
}
