// The per-vCPU software TLB: a hit is one tag compare and one add (QEMU's
// CPUTLBEntry.addend). Entries are filled from the slot table and serve RAM only;
// read-only slots (for writes) and dirty-logged slots (for writes) miss, so those
// accesses take the slow path that handles them. A page no slot covers gets an MMIO
// mark (QEMU's TLB_MMIO): it never hits, but its physical page skips the walk and
// the slot search on the way to the device, and its addend keeps, beside that page, a
// hint naming the device the page's last access reached (QEMU's IOTLB names the
// MemoryRegionSection): the access then goes straight to that device. A page a built-in
// scratch device holds whole gets a direct mark (TLB_DIRECT_MARK) instead: its addend is
// RAM's, so an access there is the tag compare, one count and the load or store.
//
// Tags carry the address-space context they were filled under: a small per-vCPU
// table maps the guest's ASID or PID to a context number, so switching between
// address spaces keeps each one's entries (no flush), and invalidating one address
// space drops only its entries. When the table is full the oldest context's entries
// are dropped and its number reused.
//
// Entries never outlive a slot change: tlbSync(), called at each block start (A64,
// PowerPC) or before each instruction (AArch32), flushes the whole TLB when the slot
// table's generation moved. The window between that check and an access is the
// block in flight (a straight run of TLB hits, as QEMU's translation blocks), which
// the invalidation models reason about as one emulated access sequence.
import {
  CONTROL_BASE, CTRL_SLOT_GEN, PAGE_SIZE, TLB_ENTRY_SIZE, TLB_E_READ, TLB_E_WRITE, TLB_E_FETCH, TLB_E_ADDEND,
  TLB_INVALID, SLOT_READONLY, TLB_CONTEXT_SHIFT, TLB_CONTEXT_MASK, TLB_MMIO, TLB_CONTEXTS, REC_TLB_CONTEXTS,
  REC_TLB_VICTIM, CTRL_DEVICE_GEN, TLB_SCRATCH, TLB_DIRECT_MARK, JS_DEVICE_MAX,
} from "../layout";
import { CAUSE_UNMAPPED } from "../exits";
import { tlb, tlbMask, record } from "../machine";
import { ramAddress, lastSlotFlags, lastSlotDirtyLogged, missCause } from "../mem/slots";
import { scratchPageHost } from "../mem/builtin";
import { shootSync, shootSynced } from "./shootdown";
import { walk, walkedLarge, WALK_FAULT, WALKER_A64 } from "./walk";
import { a64AddressSizeFault } from "./a64-walk";

/** Which tables a walk reads (a WALKER_* of walk.ts). */
let walker: u32 = WALKER_A64;

/** Whether accesses translate through the guest's tables (AArch64 SCTLR_EL1.M); set by the run loop. */
export let mmuOn = false;
/** With the MMU off, the first address an access may not reach (AArch64: 2^PAMax, an Address size fault); 0 for none. */
export let physicalLimit: u64 = 0;
/** After a failed tlbFill with the MMU on: whether the walk faulted (the abort is recorded). */
export let walkFaulted = false;
/** After a tlbFill with the MMU on: the physical page the walk found (for accesses that are not RAM). */
export let walkedPage: u64 = 0;

/** After a failed tlbFill: whether the entry's MMIO mark answered (walkedPage is the physical page; no slot covers it). */
export let mmioMarked = false;
/** With mmioMarked: the mark's device hint (mem/access.ts mmioLoad), 0 for none. */
export let markedHint: u32 = 0;
/** The built-in device generation (CTRL_DEVICE_GEN) the marks' hints were filled under. */
export let hintsUnder: u32 = 0;
const HINT_MASK: u64 = <u64>PAGE_SIZE - 1;

/** Whether an entry filled since the last full flush came from a block mapping. */
let holdsBlockPages = false;

/**
 * Moves whenever entries are dropped or the address space changes (never on a fill):
 * a run loop that keeps its code page's host address may keep it while this stays.
 */
export let tlbEpoch: u32 = 0;

/** The current address space's context number, shifted into tag position (0 with the MMU off). */
export let contextTag: u64 = 0;
/** What the context XORs into entry indexes, so one VA in several address spaces lands on different entries. */
export let contextSalt: u32 = 0;
const KEY_USED: u64 = <u64>1 << 63;

/**
 * Turns translation on or off (through `tables`, in the address space `key`: the
 * guest's ASID or PID, below 2^63); entries from the other mode are dropped. With
 * the MMU off, addresses from `limit` up fault (0: none).
 */
export function setMmu(on: bool, tables: u32 = WALKER_A64, key: u64 = 0, limit: u64 = 0): void {
  if (on != mmuOn || tables != walker || limit != physicalLimit) tlbFlushAll();
  mmuOn = on;
  walker = tables;
  physicalLimit = limit;
  if (on) tlbUseAddressSpace(key);
  else setContext(0);
}

function setContext(tag: u64): void {
  tlbEpoch++;
  contextTag = tag;
  contextSalt = saltOf(tag);
}

@inline function saltOf(tag: u64): u32 {
  return <u32>(tag >> TLB_CONTEXT_SHIFT) * 0x9e5; // spreads neighbouring contexts across the index bits
}

/** The slot of the context table that holds `key`, or -1. */
function contextOf(key: u64): i32 {
  const table = record + REC_TLB_CONTEXTS;
  for (let index: u32 = 0; index < TLB_CONTEXTS; index++) {
    if (load<u64>(table + (index << 3)) == (key | KEY_USED)) return <i32>index;
  }
  return -1;
}

/**
 * Makes `key` the current address space (a context switch: TTBR's ASID, PID): its
 * entries, if any survive, hit again; a new key takes a free context, else the
 * oldest one after dropping that context's entries.
 */
export function tlbUseAddressSpace(key: u64): void {
  let index = contextOf(key);
  if (index < 0) {
    const victim = load<u32>(record + REC_TLB_VICTIM);
    store<u32>(record + REC_TLB_VICTIM, (victim + 1) % TLB_CONTEXTS);
    index = <i32>victim;
    const table = record + REC_TLB_CONTEXTS + (<usize>index << 3);
    if (load<u64>(table) != 0) dropContext(tagOf(<u32>index));
    store<u64>(table, key | KEY_USED);
  }
  setContext(tagOf(<u32>index));
}

/** Context numbers start at 1: 0 is the MMU-off context. */
@inline function tagOf(index: u32): u64 {
  return <u64>(index + 1) << TLB_CONTEXT_SHIFT;
}

/** Drops every entry of address space `key` (TLBI by ASID); the others stay. */
export function tlbFlushAddressSpace(key: u64): void {
  const index = contextOf(key);
  if (index >= 0) dropContext(tagOf(<u32>index));
}

/** Drops the entries whose tags carry context `tag`. */
function dropContext(tag: u64): void {
  const end = tlb + (tlbMask + 1) * TLB_ENTRY_SIZE;
  for (let entry = tlb; entry < end; entry += TLB_ENTRY_SIZE) {
    // An entry's valid tags share one page and context (a fill under another context
    // drops the rest), and TLB_INVALID is all ones: the AND of the three is that tag.
    const tags = load<u64>(entry, TLB_E_READ) & load<u64>(entry, TLB_E_WRITE) & load<u64>(entry, TLB_E_FETCH);
    if ((tags & TLB_CONTEXT_MASK) == tag) invalidate(entry);
  }
}

export const TLB_READ: u32 = TLB_E_READ;
export const TLB_WRITE: u32 = TLB_E_WRITE;
export const TLB_FETCH: u32 = TLB_E_FETCH;

const PAGE_MASK: u64 = ~(<u64>PAGE_SIZE - 1);

/** The slot-table generation (address space 0) this TLB's entries were filled under. */
let filledUnder: u32 = 0;

// The TLB's lower half serves data accesses, the upper half instruction fetches, so a
// loop's code page and data page that share an index do not evict each other.
@inline function entryFor(va: u64, kind: u32): usize {
  return entryIn(va, kind, contextSalt);
}

@inline function entryIn(va: u64, kind: u32, salt: u32): usize {
  const half = (tlbMask + 1) >>> 1;
  const index = ((<u32>(va >> 12) ^ salt) & (half - 1)) | (kind == TLB_E_FETCH ? half : 0);
  return tlb + index * TLB_ENTRY_SIZE;
}

/** Host address for a `size`-byte access of `kind` at `va` when the TLB holds it; else 0. */
@inline export function tlbLookup(kind: u32, va: u64, size: u32): usize {
  const entry = entryFor(va, kind);
  if (load<u64>(entry + kind) == ((va & (PAGE_MASK | (<u64>size - 1))) | contextTag)) return <usize>(va + load<u64>(entry, TLB_E_ADDEND));
  return 0;
}

/**
 * The entry whose `kind` holds the MMIO mark for an aligned `size`-byte access at `va`
 * (tlbLookup's tag but for TLB_MMIO) while its device hint is current (no built-in device
 * added since: else tlbFill drops the hints); 0 otherwise. The interpreters' shortcut to
 * the device: tlbMarkHint (unchecked) and markedAddress read the mark, no fill.
 */
@inline export function tlbMarkedEntry(kind: u32, va: u64, size: u32): usize {
  const entry = entryFor(va, kind);
  if (load<u64>(entry + kind) != ((va & (PAGE_MASK | (<u64>size - 1))) | contextTag | TLB_MMIO)) return 0;
  // Acquire, as tlbFill's check.
  return atomic.load<u32>(CONTROL_BASE + CTRL_DEVICE_GEN) == hintsUnder ? entry : 0;
}

/** Whether the device hints in the TLB's MMIO marks are current (no device added since they were kept). */
@inline export function deviceHintsCurrent(): bool {
  // Acquire, as tlbFill's check.
  return atomic.load<u32>(CONTROL_BASE + CTRL_DEVICE_GEN) == hintsUnder;
}

/** Host address for the access, filling the entry on a miss; 0 when it is not RAM usable that way. */
@inline export function tlbTranslate(kind: u32, va: u64, size: u32): usize {
  const host = tlbLookup(kind, va, size);
  if (host != 0 || !tlbFill(kind, va)) return host;
  return tlbLookup(kind, va, size);
}

/**
 * Drops what other vCPUs' broadcast invalidations posted, then flushes the TLB if the
 * slot table changed since it was filled; true if either dropped entries (a cached
 * code-page translation must go too). The A64 and PowerPC run loops call it at each block
 * start (after a taken branch, the full path, an access off the TLB's hit path, a compiled
 * iteration, on entering another code page); AArch32's before each instruction.
 */
@inline export function tlbSync(): bool {
  const dropped = shootSync();
  // Acquire: pairs with the updater's publication of a new table.
  const generation = atomic.load<u32>(CONTROL_BASE + CTRL_SLOT_GEN);
  if (generation == filledUnder) return dropped;
  tlbFlushAll();
  filledUnder = generation;
  return true;
}

/**
 * Whether tlbSync would now drop nothing: the slot table is the one the entries were
 * filled under and no invalidation was posted since the last sync. A micro-op whose
 * device handler left this true goes on with the block (its TLB is still in sync).
 */
@inline export function tlbSynced(): bool {
  // Acquire, as tlbSync's: a new table or post seen here ends the block, whose next start syncs.
  return atomic.load<u32>(CONTROL_BASE + CTRL_SLOT_GEN) == filledUnder && shootSynced();
}

export function tlbFlushAll(): void {
  tlbEpoch++;
  memory.fill(tlb, 0xff, (tlbMask + 1) * TLB_ENTRY_SIZE);
  holdsBlockPages = false;
}

/**
 * Drops what translates `va` in every address space (TLBI by VA may name global
 * pages, which are filled under whichever context first used them). The TLB holds
 * 4 KiB pieces of a block mapping, each under its own tag, so once any block has
 * been filled (as QEMU's large-page tracking) the whole TLB goes: the other pieces
 * of `va`'s block must not survive the invalidation.
 */
export function tlbFlushVa(va: u64): void {
  if (holdsBlockPages) tlbFlushAll();
  else tlbFlushPage(va);
}

/** Drops the entries translating `va`'s page, if any. */
export function tlbFlushPage(va: u64): void {
  flushPageIn(va, 0);
  const table = record + REC_TLB_CONTEXTS;
  for (let index: u32 = 0; index < TLB_CONTEXTS; index++) {
    if (load<u64>(table + (index << 3)) != 0) flushPageIn(va, saltOf(tagOf(index)));
  }
}

/** Drops `va`'s entries at the indexes of the context salted by `salt`. */
function flushPageIn(va: u64, salt: u32): void {
  flushEntry(entryIn(va, TLB_E_READ, salt), va & PAGE_MASK);
  flushEntry(entryIn(va, TLB_E_FETCH, salt), va & PAGE_MASK);
}

function flushEntry(entry: usize, page: u64): void {
  const read = load<u64>(entry, TLB_E_READ) & PAGE_MASK;
  const write = load<u64>(entry, TLB_E_WRITE) & PAGE_MASK;
  const fetch = load<u64>(entry, TLB_E_FETCH) & PAGE_MASK;
  if (read == page || write == page || fetch == page) invalidate(entry);
}

@inline function invalidate(entry: usize): void {
  tlbEpoch++;
  store<u64>(entry, TLB_INVALID, TLB_E_READ);
  store<u64>(entry, TLB_INVALID, TLB_E_WRITE);
  store<u64>(entry, TLB_INVALID, TLB_E_FETCH);
}

/**
 * Fills the entry for `va` if its page is RAM usable for `kind`; returns whether it
 * did. MMU off: physical = virtual, and the entry serves every kind the slot allows.
 * MMU on: the walk (which checks and updates the descriptor for this kind) decides,
 * and the entry adds this kind to those already walked for the page (a read never
 * grants a write, so the first write still walks and marks the page dirty); on a
 * fault (or, MMU off, an address from physicalLimit up) walkFaulted is set. A page no slot covers is marked MMIO for this kind
 * (mmioMarked, walkedPage): the next access of that kind skips the walk and search.
 */
export function tlbFill(kind: u32, va: u64): bool {
  const page = va & PAGE_MASK;
  const entry = entryFor(va, kind);
  const tag = page | contextTag;
  walkFaulted = false;
  mmioMarked = load<u64>(entry + kind) == (tag | TLB_MMIO);
  if (mmioMarked) {
    const addend = load<u64>(entry, TLB_E_ADDEND);
    walkedPage = addend & PAGE_MASK;
    markedHint = <u32>(addend & HINT_MASK);
    // Acquire: pairs with the host's bump after it published a new built-in device,
    // which may now claim what a hint names a bus device for: every hint goes.
    const devices = atomic.load<u32>(CONTROL_BASE + CTRL_DEVICE_GEN);
    if (devices != hintsUnder) {
      tlbFlushAll();
      hintsUnder = devices;
      markedHint = 0;
    }
    return false;
  }
  let physical = page;
  if (mmuOn) {
    const pa = walk(walker, va, kind == TLB_WRITE, kind == TLB_FETCH);
    if (pa == WALK_FAULT) {
      walkFaulted = true;
      return false;
    }
    physical = pa & PAGE_MASK;
    if (walkedLarge) holdsBlockPages = true;
  } else if (physicalLimit != 0 && va >= physicalLimit) {
    a64AddressSizeFault(va, kind == TLB_WRITE, kind == TLB_FETCH);
    walkFaulted = true;
    return false;
  }
  walkedPage = physical;
  const host = ramAddress(0, physical, PAGE_SIZE, false);
  if (host == 0) {
    if (missCause == CAUSE_UNMAPPED) markMmio(entry, kind, tag, physical);
    return false;
  }
  const writable = (lastSlotFlags(0) & SLOT_READONLY) == 0 && !lastSlotDirtyLogged(0);
  if (kind == TLB_WRITE && !writable) return false;
  if (mmuOn) {
    // Kinds already granted for this page stay (the tables have not changed since:
    // any change flushes); a write permission implies read at EL1.
    const grantsRead = kind != TLB_FETCH || load<u64>(entry, TLB_E_READ) == tag;
    const grantsFetch = kind == TLB_FETCH || load<u64>(entry, TLB_E_FETCH) == tag;
    const grantsWrite = (kind == TLB_WRITE || load<u64>(entry, TLB_E_WRITE) == tag) && writable;
    store<u64>(entry, grantsRead ? tag : TLB_INVALID, TLB_E_READ);
    store<u64>(entry, grantsFetch ? tag : TLB_INVALID, TLB_E_FETCH);
    store<u64>(entry, grantsWrite ? tag : TLB_INVALID, TLB_E_WRITE);
  } else {
    store<u64>(entry, tag, TLB_E_READ);
    store<u64>(entry, tag, TLB_E_FETCH);
    store<u64>(entry, writable ? tag : TLB_INVALID, TLB_E_WRITE);
  }
  store<u64>(entry, <u64>host - page, TLB_E_ADDEND);
  return true;
}

/**
 * Marks `kind` at the entry as MMIO for `physical`. The addend field then holds the
 * physical page, so the entry's other kinds are dropped unless they are marks too.
 * A slot created there later bumps the generation, and tlbSync drops the mark.
 */
function markMmio(entry: usize, kind: u32, tag: u64, physical: u64): void {
  const mark = tag | TLB_MMIO;
  // A direct mark of the same page and context: its scratch device holds the whole page,
  // so this kind is direct too (the addend stays), and a page read and written in turn
  // does not drop one kind's mark at each access of the other.
  const direct = mark | TLB_SCRATCH;
  if (kind != TLB_E_FETCH && (load<u64>(entry, TLB_E_READ) == direct || load<u64>(entry, TLB_E_WRITE) == direct)) {
    store<u64>(entry + kind, direct);
    markedHint = 0;
    return;
  }
  // Marks of the same page and context share the physical page: they stay.
  if (load<u64>(entry, TLB_E_READ) != mark) store<u64>(entry, TLB_INVALID, TLB_E_READ);
  if (load<u64>(entry, TLB_E_WRITE) != mark) store<u64>(entry, TLB_INVALID, TLB_E_WRITE);
  if (load<u64>(entry, TLB_E_FETCH) != mark) store<u64>(entry, TLB_INVALID, TLB_E_FETCH);
  store<u64>(entry + kind, mark);
  store<u64>(entry, physical, TLB_E_ADDEND);
  markedHint = 0;
}

/**
 * For compiled loops: the device hint of the MMIO mark at TLB entry `entry` (whose
 * tag the caller matched), or 0 when built-in devices were added since it was kept
 * (unless `checkGeneration` is false: a built-in device's hint never goes stale).
 * The physical address of an access at `va` through it is markedAddress.
 */
@inline export function tlbMarkHint(entry: usize, checkGeneration: bool = true): u32 {
  // Acquire, as tlbFill's check; the interpreter's next access there drops the hints.
  if (checkGeneration && atomic.load<u32>(CONTROL_BASE + CTRL_DEVICE_GEN) != hintsUnder) return 0;
  return <u32>(load<u64>(entry, TLB_E_ADDEND) & HINT_MASK);
}

/** The physical address of `va` through the MMIO mark at TLB entry `entry`. */
@inline export function markedAddress(entry: usize, va: u64): u64 {
  return (load<u64>(entry, TLB_E_ADDEND) & PAGE_MASK) | (va & HINT_MASK);
}

/**
 * Keeps device hint `hint` (below PAGE_SIZE) in the MMIO mark of `kind` at `va`, if the
 * entry still holds that mark. A hint naming a built-in scratch device that holds the
 * whole physical page (scratchPageHost) turns the entry's marks of that page into direct
 * marks instead (QEMU's IOTLB entry for RAM-like device memory): the addend then serves
 * as RAM's (tlbDirectHost), for every kind the entry marked (they share the addend).
 */
export function tlbSetMmioHint(kind: u32, va: u64, hint: u32): void {
  const entry = entryFor(va, kind);
  const mark = (va & PAGE_MASK) | contextTag | TLB_MMIO;
  if (load<u64>(entry + kind) != mark) return;
  const physical = load<u64>(entry, TLB_E_ADDEND) & PAGE_MASK;
  const scratch = hint - 1 < JS_DEVICE_MAX - 1 ? scratchPageHost(hint - 1, physical) : 0;
  if (scratch == 0) {
    store<u64>(entry, physical | <u64>hint, TLB_E_ADDEND);
    return;
  }
  if (load<u64>(entry, TLB_E_READ) == mark) store<u64>(entry, mark | TLB_SCRATCH, TLB_E_READ);
  if (load<u64>(entry, TLB_E_WRITE) == mark) store<u64>(entry, mark | TLB_SCRATCH, TLB_E_WRITE);
  if (load<u64>(entry, TLB_E_FETCH) == mark) store<u64>(entry, TLB_INVALID, TLB_E_FETCH);
  store<u64>(entry, <u64>scratch - (va & PAGE_MASK), TLB_E_ADDEND);
}

/**
 * The host address of a `size`-byte access of `kind` at `va` when the entry holds the
 * page's direct mark (tlbLookup's tag with TLB_DIRECT_MARK: a scratch device's bytes);
 * else 0. The caller counts the access (countDirect). No device-generation check: the
 * device named is a built-in one, and neither a later built-in device nor a JS one ever
 * takes an access from it; a slot change flushes the entry (tlbSync).
 */
@inline export function tlbDirectHost(kind: u32, va: u64, size: u32): usize {
  const entry = entryFor(va, kind);
  if (load<u64>(entry + kind) == ((va & (PAGE_MASK | (<u64>size - 1))) | contextTag | TLB_DIRECT_MARK)) return <usize>(va + load<u64>(entry, TLB_E_ADDEND));
  return 0;
}
