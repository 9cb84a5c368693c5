// Builds ARMv7 long-descriptor (LPAE) translation tables in guest memory: map a VA
// range to a 40-bit PA range as 1 GiB blocks, 2 MiB blocks or 4 KiB pages, with
// AP[2], XN, PXN and the access flag, as an OS would. One builder is the tree of TTBR0
// (VAs below 2^(32-T0SZ)) or of TTBR1 (the top 2^(32-T1SZ) bytes); `size` is that
// TxSZ. `enable(vcpu)` sets TTBCR (EAE, T0SZ/T1SZ, EPD for a range without tables),
// the 64-bit TTBRs and SCTLR.M. Table pages (4 KiB) come from a zero-filled
// guest-physical RAM area the caller provides; descriptors are little-endian.

import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';

export type ArmLpaePageSize = 0x1000 | 0x20_0000 | 0x4000_0000;

export interface ArmLpaeMapping {
  va: bigint;
  pa: bigint;
  size: ArmLpaePageSize;
  /** AP[2] clear; default true. */
  writable?: boolean;
  /** XN clear; default true. */
  executable?: boolean;
  /** PXN clear; default true. */
  privilegedExecutable?: boolean;
  /** AF set; default true (false: the first access faults, v7 having no hardware AF). */
  accessed?: boolean;
}

const LEVEL_OF: Record<ArmLpaePageSize, number> = { 0x4000_0000: 1, 0x20_0000: 2, 0x1000: 3 };
const ADDRESS_MASK = 0xff_ffff_f000n;
const TTBCR_EAE = 1n << 31n;
const PAGE = 0x1000n;

export class ArmLpaeTables {
  /** The first-level table's guest-physical address (the TTBR's base address). */
  readonly root: bigint;
  private next: bigint;
  private readonly limit: bigint;
  /** Table pages by guest-physical address: index → descriptor as written. */
  private readonly tables = new Map<bigint, Map<number, bigint>>();

  /** `area` (4 KiB aligned, `bytes` of zeroed RAM) holds the tables; `size` is T0SZ (or T1SZ with `high`), 0..7. */
  constructor(private readonly machine: Machine, area: bigint, bytes: number, readonly size = 0, readonly high = false) {
    if (!Number.isInteger(size) || size < 0 || size > 7) throw new RangeError('size (TxSZ) must be 0..7');
    if (high && size === 0) throw new RangeError('TTBR1 tables need T1SZ 1..7');
    if (area % PAGE !== 0n) throw new RangeError('the table area must be 4 KiB aligned');
    this.next = area;
    this.limit = area + BigInt(bytes);
    this.root = this.allocate();
  }

  /** Level 1 (TxSZ 0-1) or level 2 (TxSZ 2-7). */
  get startLevel(): number {
    return this.size <= 1 ? 1 : 2;
  }

  /** Whether `va` is in the range these tables translate (TTBR0's size 0 range: all of it). */
  covers(va: bigint): boolean {
    const span = 1n << BigInt(32 - this.size);
    return this.high ? va >= (1n << 32n) - span && va < 1n << 32n : va >= 0n && va < span;
  }

  map(mapping: ArmLpaeMapping): void {
    const { va, pa } = mapping;
    const bytes = BigInt(mapping.size);
    const target = LEVEL_OF[mapping.size];
    if (target === undefined) throw new RangeError('size must be 4 KiB, 2 MiB or 1 GiB');
    if (va % bytes !== 0n || pa % bytes !== 0n) throw new RangeError('va and pa must be aligned to the page or block size');
    if (!this.covers(va) || !this.covers(va + bytes - 1n)) throw new RangeError(`va 0x${va.toString(16)} is outside these tables' range`);
    if (pa < 0n || pa + bytes > 1n << 40n) throw new RangeError('pa must fit 40 bits');
    if (target < this.startLevel) throw new RangeError('a 1 GiB block needs a walk that starts at level 1 (TxSZ 0 or 1)');
    let table = this.root;
    for (let level = this.startLevel; level < target; level++) {
      const index = this.indexOf(va, level);
      const existing = this.tables.get(table)!.get(index);
      if (existing === undefined) {
        const child = this.allocate();
        this.write(table, index, child | 0b11n);
        table = child;
      } else {
        if ((existing & 0b11n) !== 0b11n) throw new RangeError(`va 0x${va.toString(16)} is already mapped by a block`);
        table = existing & ADDRESS_MASK;
      }
    }
    const index = this.indexOf(va, target);
    if (this.tables.get(table)!.has(index)) throw new RangeError(`va 0x${va.toString(16)} is already mapped`);
    let descriptor = pa | (target === 3 ? 0b11n : 0b01n);
    if (mapping.accessed ?? true) descriptor |= 1n << 10n;
    if (!(mapping.writable ?? true)) descriptor |= 1n << 7n;
    if (!(mapping.privilegedExecutable ?? true)) descriptor |= 1n << 53n;
    if (!(mapping.executable ?? true)) descriptor |= 1n << 54n;
    this.write(table, index, descriptor);
  }

  /** The level at which a walk of `va` meets an invalid descriptor, or undefined when it is mapped. */
  faultLevel(va: bigint): number | undefined {
    let table = this.root;
    for (let level = this.startLevel; level <= 3; level++) {
      const descriptor = this.tables.get(table)!.get(this.indexOf(va, level));
      if (descriptor === undefined) return level;
      if (level === 3 || (descriptor & 0b10n) === 0n) return undefined;
      table = descriptor & ADDRESS_MASK;
    }
    return undefined;
  }

  /** Guest-physical address of the descriptor (block or page) that maps `va`. */
  leafAddress(va: bigint): bigint {
    let table = this.root;
    for (let level = this.startLevel; ; level++) {
      const at = table + BigInt(this.indexOf(va, level) * 8);
      const descriptor = this.tables.get(table)!.get(this.indexOf(va, level));
      if (descriptor === undefined || level === 3 || (descriptor & 0b10n) === 0n) return at;
      table = descriptor & ADDRESS_MASK;
    }
  }

  /**
   * Sets TTBCR (EAE, this range's TxSZ and `other`'s; EPD0/EPD1 for a range without
   * tables), TTBR0/TTBR1 and, unless `translate` is false, SCTLR.M.
   */
  enable(vcpu: Vcpu, options: { other?: ArmLpaeTables; translate?: boolean } = {}): Vcpu {
    const other = options.other;
    if (other && other.high === this.high) throw new RangeError('the other tables must be for the other TTBR');
    const low = this.high ? other : this;
    const high = this.high ? this : other;
    let ttbcr = TTBCR_EAE | BigInt(low?.size ?? 0) | (BigInt(high?.size ?? 0) << 16n);
    if (!low) ttbcr |= 1n << 7n; //  EPD0
    if (!high) ttbcr |= 1n << 23n; // EPD1
    vcpu.set('ttbr0', low?.root ?? 0n).set('ttbr1', high?.root ?? 0n).set('ttbcr', ttbcr);
    return options.translate === false ? vcpu : vcpu.set('sctlr', 1n);
  }

  private indexOf(va: bigint, level: number): number {
    const inRange = va & ((1n << BigInt(32 - this.size)) - 1n);
    return Number((inRange >> BigInt(12 + 9 * (3 - level))) & 511n);
  }

  private allocate(): bigint {
    const page = this.next;
    if (page + PAGE > this.limit) throw new RangeError('the table area is full');
    this.next += PAGE;
    this.tables.set(page, new Map());
    return page;
  }

  private write(table: bigint, index: number, descriptor: bigint): void {
    this.tables.get(table)!.set(index, descriptor);
    this.machine.write(table + BigInt(index * 8), 8, descriptor);
  }
}
