// KVM_SET_USER_MEMORY_REGION as virt/kvm/kvm_main.c (Linux 6.8) decides it, written
// from that file for the property tests and sharing no code with src/: a plain list
// of slots, C's u64 arithmetic spelled out, the checks in kvm_set_memory_region's order.
//
// The engine's own additions, modelled here as the engine documents them:
// - the C struct's fields are typed: a JS value a __u32 or __u64 cannot hold is EINVAL;
// - access_ok(userspace_addr, memory_size) is "inside the guest-RAM arena";
// - a list of updates applies all-or-nothing, each checked against the table the ones
//   before it left (the 2022 list-update RFC).

export interface KvmSlot {
  slot: number;
  flags: number;
  guestPhysAddr: bigint;
  memorySize: bigint;
  userspaceAddr: bigint;
}

export type KvmResult = 'create' | 'delete' | 'move' | 'flags-only' | 'none' | 'EINVAL' | 'EEXIST';

const PAGE_SHIFT = 12n;
const PAGE_SIZE = 1n << PAGE_SHIFT;
const U64 = 1n << 64n;
const KVM_MEM_LOG_DIRTY_PAGES = 1;
const KVM_MEM_READONLY = 2;
/** x86: SHRT_MAX - KVM_INTERNAL_MEM_SLOTS (3). */
const KVM_MEM_SLOTS_NUM = 32767 - 3;
/** x86: two address spaces (normal and SMM). */
const KVM_ADDRESS_SPACE_NUM = 2;
const KVM_MEM_MAX_NR_PAGES = (1n << 31n) - 1n;

/** A C unsigned field of `bits` from what a JS caller passed, or undefined when the field cannot hold it. */
function cUnsigned(value: unknown, bits: bigint, strings: boolean): bigint | undefined {
  let wide: bigint;
  if (typeof value === 'bigint') wide = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return undefined;
    wide = BigInt(value);
  } else if (strings && typeof value === 'string' && /^\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*$/.test(value)) wide = BigInt(value.trim());
  else return undefined;
  return wide >= 0n && wide < 1n << bits ? wide : undefined;
}

interface CRegion {
  slot: number;
  flags: number;
  guest_phys_addr: bigint;
  memory_size: bigint;
  userspace_addr: bigint;
}

/** struct kvm_userspace_memory_region from the engine's call, or undefined: EINVAL. slot and flags are numbers only. */
function toStruct(region: unknown): CRegion | undefined {
  if (typeof region !== 'object' || region === null) return undefined;
  const r = region as Record<string, unknown>;
  const slot = typeof r.slot === 'number' ? cUnsigned(r.slot, 32n, false) : undefined;
  const flags = r.flags === undefined ? 0n : typeof r.flags === 'number' ? cUnsigned(r.flags, 32n, false) : undefined;
  const gpa = cUnsigned(r.guestPhysAddr, 64n, true);
  const size = cUnsigned(r.memorySize, 64n, true);
  const uaddr = cUnsigned(r.userspaceAddr, 64n, true);
  if (slot === undefined || flags === undefined || gpa === undefined || size === undefined || uaddr === undefined) return undefined;
  return { slot: Number(slot), flags: Number(flags), guest_phys_addr: gpa, memory_size: size, userspace_addr: uaddr };
}

export class KvmMainModel {
  slots: KvmSlot[] = [];
  /** Per slot with KVM_MEM_LOG_DIRTY_PAGES: the pages written since its log was last read. */
  dirty = new Map<number, Set<bigint>>();

  constructor(private readonly arenaBytes: bigint) {}

  /** One KVM_SET_USER_MEMORY_REGION; the table changes only on success. */
  set(region: unknown): KvmResult {
    const mem = toStruct(region);
    if (mem === undefined) return 'EINVAL';
    // check_memory_region_flags(): valid_flags = LOG_DIRTY_PAGES | READONLY (the arch supports it).
    if ((BigInt(mem.flags) & ~BigInt(KVM_MEM_LOG_DIRTY_PAGES | KVM_MEM_READONLY)) !== 0n) return 'EINVAL';
    const as_id = mem.slot >>> 16;
    const id = mem.slot & 0xffff; // (u16)mem->slot
    // General sanity checks
    if ((mem.memory_size & (PAGE_SIZE - 1n)) !== 0n) return 'EINVAL';
    if ((mem.guest_phys_addr & (PAGE_SIZE - 1n)) !== 0n) return 'EINVAL';
    // access_ok(addr, size): size <= limit && addr <= limit - size, the limit being the arena.
    if ((mem.userspace_addr & (PAGE_SIZE - 1n)) !== 0n) return 'EINVAL';
    if (!(mem.memory_size <= this.arenaBytes && mem.userspace_addr <= this.arenaBytes - mem.memory_size)) return 'EINVAL';
    if (as_id >= KVM_ADDRESS_SPACE_NUM || id >= KVM_MEM_SLOTS_NUM) return 'EINVAL';
    // if (mem->guest_phys_addr + mem->memory_size < mem->guest_phys_addr): u64 addition wraps.
    if ((mem.guest_phys_addr + mem.memory_size) % U64 < mem.guest_phys_addr) return 'EINVAL';
    if (mem.memory_size >> PAGE_SHIFT > KVM_MEM_MAX_NR_PAGES) return 'EINVAL';

    const old = this.slots.find((s) => s.slot === mem.slot); // id_to_memslot(__kvm_memslots(kvm, as_id), id)
    if (mem.memory_size === 0n) {
      if (!old) return 'EINVAL';
      this.slots = this.slots.filter((s) => s !== old);
      this.dirty.delete(mem.slot);
      return 'delete';
    }
    const base_gfn = mem.guest_phys_addr >> PAGE_SHIFT;
    const npages = mem.memory_size >> PAGE_SHIFT;
    let change: 'create' | 'move' | 'flags-only';
    if (!old) change = 'create';
    else {
      if (mem.userspace_addr !== old.userspaceAddr || npages !== old.memorySize >> PAGE_SHIFT
        || ((mem.flags ^ old.flags) & KVM_MEM_READONLY) !== 0) return 'EINVAL';
      if (base_gfn !== old.guestPhysAddr >> PAGE_SHIFT) change = 'move';
      else if (mem.flags !== old.flags) change = 'flags-only';
      else return 'none';
    }
    // kvm_check_memslot_overlap(): another id of the same address space within [base_gfn, base_gfn + npages).
    if (change === 'create' || change === 'move') {
      const overlaps = this.slots.some((s) => s.slot >>> 16 === as_id && (s.slot & 0xffff) !== id
        && s.guestPhysAddr >> PAGE_SHIFT < base_gfn + npages && base_gfn < (s.guestPhysAddr + s.memorySize) >> PAGE_SHIFT);
      if (overlaps) return 'EEXIST';
    }
    const next: KvmSlot = { slot: mem.slot, flags: mem.flags, guestPhysAddr: mem.guest_phys_addr, memorySize: mem.memory_size, userspaceAddr: mem.userspace_addr };
    this.slots = [...this.slots.filter((s) => s !== old), next];
    // kvm_prepare_memory_region(): no bitmap without the flag; the old one is kept if it had one, else a new (clear) one.
    if ((mem.flags & KVM_MEM_LOG_DIRTY_PAGES) === 0) this.dirty.delete(mem.slot);
    else if (!this.dirty.has(mem.slot)) this.dirty.set(mem.slot, new Set());
    return change;
  }

  /** The engine's list update: every result, or the first refusal's errno (and its index) with the table unchanged. */
  transaction(regions: unknown): { results: KvmResult[] } | { error: KvmResult; index: number } {
    if (!Array.isArray(regions)) return { error: 'EINVAL', index: -1 };
    const before = this.slots;
    const dirtyBefore = new Map(this.dirty);
    const results: KvmResult[] = [];
    for (const [index, region] of regions.entries()) {
      const result = this.set(region);
      if (result === 'EINVAL' || result === 'EEXIST') {
        this.slots = before;
        this.dirty = dirtyBefore;
        return { error: result, index };
      }
      results.push(result);
    }
    return { results };
  }

  /** A guest-physical write of one byte: EFAULT (an MMIO exit) without a writable slot; else mark_page_dirty_in_slot(). */
  write(as: number, gpa: bigint): 'ok' | 'EFAULT' {
    const slot = this.covering(as, gpa);
    if (!slot || (slot.flags & KVM_MEM_READONLY) !== 0) return 'EFAULT';
    this.dirty.get(slot.slot)?.add((gpa - slot.guestPhysAddr) >> PAGE_SHIFT);
    return 'ok';
  }

  /** KVM_GET_DIRTY_LOG (kvm_get_dirty_log): the dirty pages, cleared; EINVAL for a slot number that cannot exist, ENOENT without a log. */
  getDirtyLog(slot: number): bigint[] | 'EINVAL' | 'ENOENT' {
    if (slot >>> 16 >= KVM_ADDRESS_SPACE_NUM || (slot & 0xffff) >= KVM_MEM_SLOTS_NUM) return 'EINVAL';
    const pages = this.dirty.get(slot);
    if (!pages) return 'ENOENT';
    this.dirty.set(slot, new Set());
    return [...pages].sort((a, b) => (a < b ? -1 : 1));
  }

  /** The slot of address space `as` covering `gpa`, if any. */
  covering(as: number, gpa: bigint): KvmSlot | undefined {
    return this.slots.find((s) => s.slot >>> 16 === as && gpa >= s.guestPhysAddr && gpa < s.guestPhysAddr + s.memorySize);
  }

  /** The table sorted by slot number, as Machine.slots() lists it. */
  sorted(): KvmSlot[] {
    return [...this.slots].sort((a, b) => a.slot - b.slot);
  }
}
