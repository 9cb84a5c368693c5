// Broadcast TLB invalidation between vCPUs (TLBI ...IS, tlbie). The poster drops the
// page (or address space, or everything) from its own TLB, writes it to the control block's ring and bumps
// CTRL_SHOOT_SEQ; every vCPU drops the posted pages at its next block start (A64 and
// PowerPC run loops) or before its next instruction (AArch32) and acks in its record.
// A barrier (DSB, ptesync, tlbsync) retires the post when the
// invalidation model allows:
//   SHOOT_BROADCAST (PowerPC, ARM): every vCPU outside emulation has acked; a vCPU
//     inside the host's MMIO path is not waited for, so its access may complete
//     through the translation the post invalidated.
//   SHOOT_IPI (x86): every vCPU has acked at a safe point outside emulation.
// Retiring raises CTRL_SHOOT_DONE, which the race checker compares with the ack a
// vCPU held when its access translated.
import {
  CONTROL_BASE, CTRL_SHOOT_SEQ, CTRL_SHOOT_DONE, CTRL_SHOOT_MODEL, CTRL_SHOOT_LOCK, CTRL_ACK_BELL, CTRL_SHOOT_RING,
  CTRL_VCPU_COUNT, SHOOT_RING_SIZE, SHOOT_ENTRY_SIZE, SHOOT_IPI, VCPU_BASE, VCPU_RECORD_SIZE, REC_SYNC_STATE,
  REC_SYNC_ACK, REC_SYNC_PENDING, VCPU_OUTSIDE, VCPU_EMULATING,
} from "../layout";
import { record } from "../machine";
import { tlbFlushAll, tlbFlushVa, tlbFlushAddressSpace } from "./tlb";

const SEQ: usize = CONTROL_BASE + CTRL_SHOOT_SEQ;
const DONE: usize = CONTROL_BASE + CTRL_SHOOT_DONE;
const LOCK: usize = CONTROL_BASE + CTRL_SHOOT_LOCK;
const BELL: usize = CONTROL_BASE + CTRL_ACK_BELL;
const E_VA: u32 = 0; //   the page, or the address space's key
const E_KIND: u32 = 8; // one of:
const KIND_PAGE: u32 = 0;
const KIND_ALL: u32 = 1;
const KIND_ADDRESS_SPACE: u32 = 2;
const E_POSTER: u32 = 12; // the poster's record: it dropped its own post when posting

/** The last post this instance has dropped. */
let seen: u32 = 0;

@inline function ringEntry(seq: u32): usize {
  return CONTROL_BASE + CTRL_SHOOT_RING + (seq & (SHOOT_RING_SIZE - 1)) * SHOOT_ENTRY_SIZE;
}

/** Whether no invalidation was posted since shootSync last dropped them (what it would drop now: none). */
@inline export function shootSynced(): bool {
  // Acquire, as shootSync's.
  return atomic.load<u32>(SEQ) == seen;
}

/** Drops what other vCPUs posted since the last call and acks; true if there was a post. Call where tlbSync is called (tlb.ts). */
@inline export function shootSync(): bool {
  // Acquire: a post's ring entry is written before its sequence number is published.
  const posted = atomic.load<u32>(SEQ);
  if (posted == seen) return false;
  dropPosted(posted);
  return true;
}

function dropPosted(posted: u32): void {
  if (posted - seen > SHOOT_RING_SIZE) {
    tlbFlushAll();
  } else {
    for (let seq = seen + 1; seq != posted + 1; seq++) {
      const entry = ringEntry(seq);
      if (load<u32>(entry, E_POSTER) != <u32>record) drop(load<u64>(entry, E_VA), load<u32>(entry, E_KIND));
    }
    // A poster that lapped the ring meanwhile may have overwritten an entry read above.
    if (atomic.load<u32>(SEQ) - seen > SHOOT_RING_SIZE) tlbFlushAll();
  }
  seen = posted;
  // Release: the drops above happen before a barrier can see the ack.
  atomic.store<u32>(record + REC_SYNC_ACK, posted);
  atomic.add<u32>(BELL, 1);
  atomic.notify(BELL);
}

function drop(value: u64, kind: u32): void {
  if (kind == KIND_PAGE) tlbFlushVa(value);
  else if (kind == KIND_ADDRESS_SPACE) tlbFlushAddressSpace(value);
  else tlbFlushAll();
}

/** Posts an invalidation of `va`'s page (or of everything) to every vCPU; a later barrier retires it. */
export function shootPost(va: u64, all: bool): void {
  post(va, all ? KIND_ALL : KIND_PAGE);
}

/** Posts an invalidation of address space `key`'s entries (TLBI ASIDE1IS) to every vCPU. */
export function shootPostAddressSpace(key: u64): void {
  post(key, KIND_ADDRESS_SPACE);
}

function post(value: u64, kind: u32): void {
  drop(value, kind);
  // Posters serialise on a spin lock held for three stores (never across a wait).
  while (atomic.cmpxchg<u32>(LOCK, 0, 1) != 0) {}
  const seq = load<u32>(SEQ) + 1; // only posters write SEQ, under the lock
  const entry = ringEntry(seq);
  store<u64>(entry, value, E_VA);
  store<u32>(entry, kind, E_KIND);
  store<u32>(entry, <u32>record, E_POSTER);
  // Release: the entry is complete before a vCPU can load `seq`.
  atomic.store<u32>(SEQ, seq);
  atomic.store<u32>(LOCK, 0);
  store<u32>(record + REC_SYNC_PENDING, seq);
}

/** A barrier: true when this vCPU's post (if any) is complete, which it then reports; false to wait. */
export function shootBarrier(): bool {
  const pending = load<u32>(record + REC_SYNC_PENDING);
  if (pending == 0) return true;
  const ipi = atomic.load<u32>(CONTROL_BASE + CTRL_SHOOT_MODEL) == SHOOT_IPI;
  const count = load<u32>(CONTROL_BASE + CTRL_VCPU_COUNT);
  for (let index: u32 = 0; index < count; index++) {
    const other: usize = VCPU_BASE + index * VCPU_RECORD_SIZE;
    if (other == record) continue;
    // Seq-cst loads: a vCPU stores VCPU_RUNNING before it loads SEQ, and the poster
    // stored SEQ before loading this, so one of the two sees the other's store.
    const state = atomic.load<u32>(other + REC_SYNC_STATE);
    if (state == VCPU_OUTSIDE || (state == VCPU_EMULATING && !ipi)) continue;
    if (<i32>(atomic.load<u32>(other + REC_SYNC_ACK) - pending) < 0) return false;
  }
  while (true) {
    const done = atomic.load<u32>(DONE);
    if (<i32>(pending - done) <= 0 || atomic.cmpxchg<u32>(DONE, done, pending) == done) break;
  }
  store<u32>(record + REC_SYNC_PENDING, 0);
  return true;
}
