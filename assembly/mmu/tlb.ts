// The per-vCPU software TLB: a hit is one tag compare and one add (QEMU's
// CPUTLBEntry.addend). Entries are filled from the slot table and hold RAM only;
// MMIO, read-only slots (for writes) and dirty-logged slots (for writes) miss, so
// those accesses take the slow path that handles them.
//
// Entries never outlive a slot change: tlbSync(), called before every instruction,
// flushes the whole TLB when the slot table's generation moved. The window between
// that check and an access is the instruction in flight, which is exactly the
// emulated access the invalidation models reason about.
import {
  CONTROL_BASE, CTRL_SLOT_GEN, PAGE_SIZE, TLB_ENTRY_SIZE, TLB_E_READ, TLB_E_WRITE, TLB_E_FETCH, TLB_E_ADDEND,
  TLB_INVALID, SLOT_READONLY,
} from "../layout";
import { tlb, tlbMask } from "../machine";
import { ramAddress, lastSlotFlags, lastSlotDirtyLogged } from "../mem/slots";
import { shootSync } from "./shootdown";
import { walk, walkedLarge, WALK_FAULT, WALKER_A64 } from "./walk";

/** Which tables a walk reads (a WALKER_* of walk.ts). */
let walker: u32 = WALKER_A64;

/** Whether accesses translate through the guest's tables (AArch64 SCTLR_EL1.M); set by the run loop. */
export let mmuOn = false;
/** After a failed tlbFill with the MMU on: whether the walk faulted (the abort is recorded). */
export let walkFaulted = false;
/** After a tlbFill with the MMU on: the physical page the walk found (for accesses that are not RAM). */
export let walkedPage: u64 = 0;

/** Whether an entry filled since the last full flush came from a block mapping. */
let holdsBlockPages = false;

/** Turns translation on or off (through `tables`); entries from the other mode are dropped. */
export function setMmu(on: bool, tables: u32 = WALKER_A64): void {
  if (on != mmuOn || tables != walker) tlbFlushAll();
  mmuOn = on;
  walker = tables;
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
  const half = (tlbMask + 1) >>> 1;
  const index = (<u32>(va >> 12) & (half - 1)) | (kind == TLB_E_FETCH ? half : 0);
  return tlb + index * TLB_ENTRY_SIZE;
}

/** Host address for a `size`-byte access of `kind` at `va` when the TLB holds it; else 0. */
@inline export function tlbLookup(kind: u32, va: u64, size: u32): usize {
  const entry = entryFor(va, kind);
  if (load<u64>(entry + kind) == (va & (PAGE_MASK | (<u64>size - 1)))) return <usize>(va + load<u64>(entry, TLB_E_ADDEND));
  return 0;
}

/** Host address for the access, filling the entry on a miss; 0 when it is not RAM usable that way. */
@inline export function tlbTranslate(kind: u32, va: u64, size: u32): usize {
  const host = tlbLookup(kind, va, size);
  if (host != 0 || !tlbFill(kind, va)) return host;
  return tlbLookup(kind, va, size);
}

/**
 * Drops what other vCPUs' broadcast invalidations posted, then flushes the TLB if the
 * slot table changed since it was filled; true if it did. Call before each instruction.
 */
@inline export function tlbSync(): bool {
  shootSync();
  // Acquire: pairs with the updater's publication of a new table.
  const generation = atomic.load<u32>(CONTROL_BASE + CTRL_SLOT_GEN);
  if (generation == filledUnder) return false;
  tlbFlushAll();
  filledUnder = generation;
  return true;
}

export function tlbFlushAll(): void {
  memory.fill(tlb, 0xff, (tlbMask + 1) * TLB_ENTRY_SIZE);
  holdsBlockPages = false;
}

/**
 * Drops what translates `va`, as TLBI by VA does. The TLB holds 4 KiB pieces of a
 * block mapping, each under its own tag, so once any block has been filled (as
 * QEMU's large-page tracking) the whole TLB goes: the other pieces of `va`'s block
 * must not survive the invalidation.
 */
export function tlbFlushVa(va: u64): void {
  if (holdsBlockPages) tlbFlushAll();
  else tlbFlushPage(va);
}

/** Drops the entries translating `va`'s page, if any. */
export function tlbFlushPage(va: u64): void {
  flushEntry(entryFor(va, TLB_E_READ), va & PAGE_MASK);
  flushEntry(entryFor(va, TLB_E_FETCH), va & PAGE_MASK);
}

function flushEntry(entry: usize, page: u64): void {
  if (load<u64>(entry, TLB_E_READ) == page || load<u64>(entry, TLB_E_WRITE) == page || load<u64>(entry, TLB_E_FETCH) == page) {
    store<u64>(entry, TLB_INVALID, TLB_E_READ);
    store<u64>(entry, TLB_INVALID, TLB_E_WRITE);
    store<u64>(entry, TLB_INVALID, TLB_E_FETCH);
  }
}

/**
 * Fills the entry for `va` if its page is RAM usable for `kind`; returns whether it
 * did. MMU off: physical = virtual, and the entry serves every kind the slot allows.
 * MMU on: the walk (which checks and updates the descriptor for this kind) decides,
 * and the entry adds this kind to those already walked for the page (a read never
 * grants a write, so the first write still walks and marks the page dirty); on a
 * fault walkFaulted is set.
 */
export function tlbFill(kind: u32, va: u64): bool {
  const page = va & PAGE_MASK;
  let physical = page;
  walkFaulted = false;
  if (mmuOn) {
    const pa = walk(walker, va, kind == TLB_WRITE, kind == TLB_FETCH);
    if (pa == WALK_FAULT) {
      walkFaulted = true;
      return false;
    }
    physical = pa & PAGE_MASK;
    walkedPage = physical;
    if (walkedLarge) holdsBlockPages = true;
  }
  const host = ramAddress(0, physical, PAGE_SIZE, false);
  if (host == 0) return false;
  const writable = (lastSlotFlags(0) & SLOT_READONLY) == 0 && !lastSlotDirtyLogged(0);
  if (kind == TLB_WRITE && !writable) return false;
  const entry = entryFor(va, kind);
  if (mmuOn) {
    // Kinds already granted for this page stay (the tables have not changed since:
    // any change flushes); a write permission implies read at EL1.
    const grantsRead = kind != TLB_FETCH || load<u64>(entry, TLB_E_READ) == page;
    const grantsFetch = kind == TLB_FETCH || load<u64>(entry, TLB_E_FETCH) == page;
    const grantsWrite = (kind == TLB_WRITE || load<u64>(entry, TLB_E_WRITE) == page) && writable;
    store<u64>(entry, grantsRead ? page : TLB_INVALID, TLB_E_READ);
    store<u64>(entry, grantsFetch ? page : TLB_INVALID, TLB_E_FETCH);
    store<u64>(entry, grantsWrite ? page : TLB_INVALID, TLB_E_WRITE);
  } else {
    store<u64>(entry, page, TLB_E_READ);
    store<u64>(entry, page, TLB_E_FETCH);
    store<u64>(entry, writable ? page : TLB_INVALID, TLB_E_WRITE);
  }
  store<u64>(entry, <u64>host - page, TLB_E_ADDEND);
  return true;
}
