// First-fit allocator over one address range (the guest-RAM arena, the dirty-bitmap
// pool). Host-side bookkeeping only: the core never allocates.

export class RangeAllocator {
  private readonly free: Array<{ start: number; end: number }>;
  private readonly used = new Map<number, number>();

  constructor(readonly start: number, readonly size: number, readonly alignment: number) {
    this.free = size > 0 ? [{ start, end: start + size }] : [];
  }

  /** Start of a fresh `bytes`-long range aligned to `alignment`, or undefined if none fits. */
  allocate(bytes: number): number | undefined {
    const length = Math.ceil(bytes / this.alignment) * this.alignment;
    for (let i = 0; i < this.free.length; i++) {
      const hole = this.free[i]!;
      const at = Math.ceil(hole.start / this.alignment) * this.alignment;
      if (at + length > hole.end) continue;
      const pieces = [];
      if (at > hole.start) pieces.push({ start: hole.start, end: at });
      if (at + length < hole.end) pieces.push({ start: at + length, end: hole.end });
      this.free.splice(i, 1, ...pieces);
      this.used.set(at, length);
      return at;
    }
    return undefined;
  }

  /** Returns a range from allocate(); false if `at` is not one. */
  release(at: number): boolean {
    const length = this.used.get(at);
    if (length === undefined) return false;
    this.used.delete(at);
    let index = this.free.findIndex((hole) => hole.start > at);
    if (index < 0) index = this.free.length;
    this.free.splice(index, 0, { start: at, end: at + length });
    this.mergeAround(index);
    return true;
  }

  /** Bytes allocated at `at`, or undefined. */
  sizeOf(at: number): number | undefined {
    return this.used.get(at);
  }

  private mergeAround(index: number): void {
    const next = this.free[index + 1];
    const hole = this.free[index]!;
    if (next && next.start === hole.end) {
      hole.end = next.end;
      this.free.splice(index + 1, 1);
    }
    const previous = this.free[index - 1];
    if (previous && previous.end === hole.start) {
      previous.end = hole.end;
      this.free.splice(index, 1);
    }
  }
}
