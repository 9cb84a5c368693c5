// A reference model of KVM_SET_USER_MEMORY_REGION, written from DESIGN.md's rules
// without looking at src/slots.ts: a plain list, linear scans, bigint everywhere.

export interface ModelSlot {
  slot: number;
  flags: number;
  guestPhysAddr: bigint;
  memorySize: bigint;
  userspaceAddr: bigint;
}

export type ModelResult = 'create' | 'delete' | 'move' | 'flags-only' | 'none' | 'EINVAL' | 'EEXIST';

const PAGE = 4096n;

export class KvmSlotsModel {
  slots: ModelSlot[] = [];

  constructor(private readonly arenaBytes: bigint, private readonly addressSpaces = 2, private readonly maxId = 32764) {}

  set(slot: number, flags: number, gpa: bigint, size: bigint, uaddr: bigint): ModelResult {
    if ((flags & ~3) !== 0) return 'EINVAL';
    if (size % PAGE !== 0n || gpa % PAGE !== 0n || uaddr % PAGE !== 0n) return 'EINVAL';
    if (uaddr + size > this.arenaBytes) return 'EINVAL';
    const as = Math.floor(slot / 65536);
    const id = slot % 65536;
    if (as >= this.addressSpaces || id >= this.maxId) return 'EINVAL';
    if (gpa + size > 2n ** 64n - 1n) return 'EINVAL';
    if (size / PAGE > 2n ** 31n - 1n) return 'EINVAL';
    const old = this.slots.find((s) => s.slot === slot);
    if (size === 0n) {
      if (!old) return 'EINVAL';
      this.slots = this.slots.filter((s) => s !== old);
      return 'delete';
    }
    let result: ModelResult = 'create';
    if (old) {
      if (old.userspaceAddr !== uaddr || old.memorySize !== size) return 'EINVAL';
      if ((old.flags & 2) !== (flags & 2)) return 'EINVAL';
      if (old.guestPhysAddr !== gpa) result = 'move';
      else if (old.flags !== flags) result = 'flags-only';
      else return 'none';
    }
    if (result !== 'flags-only') {
      const clash = this.slots.some((s) => s.slot !== slot && Math.floor(s.slot / 65536) === as
        && s.guestPhysAddr < gpa + size && gpa < s.guestPhysAddr + s.memorySize);
      if (clash) return 'EEXIST';
    }
    this.slots = this.slots.filter((s) => s !== old);
    this.slots.push({ slot, flags, guestPhysAddr: gpa, memorySize: size, userspaceAddr: uaddr });
    return result;
  }

  /** The slot of address space `as` covering `gpa`, if any. */
  covering(as: number, gpa: bigint): ModelSlot | undefined {
    return this.slots.find((s) => Math.floor(s.slot / 65536) === as && gpa >= s.guestPhysAddr && gpa < s.guestPhysAddr + s.memorySize);
  }

  sorted(): ModelSlot[] {
    return [...this.slots].sort((a, b) => a.slot - b.slot);
  }
}
