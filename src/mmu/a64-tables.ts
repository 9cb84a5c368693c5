// Builds AArch64 stage-1 translation tables (4, 16 or 64 KiB granule) in guest memory: map a
// VA range to a PA range with permissions, as an OS would, then point TTBRn_EL1 and
// TCR_EL1 at them. Table pages come from a guest-physical area the caller provides
// (RAM, zero-filled); descriptors are written little-endian through the machine.

import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';

/** A page or block size: 4 KiB granule 4K/2M/1G, 16 KiB granule 16K/32M, 64 KiB granule 64K/512M. */
export type A64PageSize = 0x1000 | 0x20_0000 | 0x4000_0000 | 0x4000 | 0x200_0000 | 0x1_0000 | 0x2000_0000;
export type A64Granule = 0x1000 | 0x4000 | 0x1_0000;

export interface A64Mapping {
  va: bigint;
  pa: bigint;
  size: A64PageSize;
  /** AP[2] clear; default true. */
  writable?: boolean;
  /** PXN clear; default true. */
  executable?: boolean;
  /** AF set; default true (false makes the first access fault, or set AF with TCR_EL1.HA). */
  accessed?: boolean;
  /** DBM: a read-only page the hardware makes writable (dirty) on a write, with TCR_EL1.HD. */
  dirtyManaged?: boolean;
}

/** TCR_EL1's TG0 and TG1 encodings per granule. */
const TG0: Record<A64Granule, bigint> = { 0x1000: 0n, 0x1_0000: 1n, 0x4000: 2n };
const TG1: Record<A64Granule, bigint> = { 0x4000: 1n, 0x1000: 2n, 0x1_0000: 3n };

export class A64PageTables {
  /** The root table's guest-physical address (TTBRn_EL1's BADDR). */
  readonly root: bigint;
  private next: bigint;
  private readonly limit: bigint;
  /** Table pages by guest-physical address: index → descriptor as written. */
  private readonly tables = new Map<bigint, Map<number, bigint>>();

  private readonly granuleBits: number;
  /** Index bits a level: 9, 11 or 13. */
  private readonly stride: number;

  /**
   * `area` is guest-physical RAM of `bytes` (zeroed) the tables are carved from;
   * `inputBits` is 64 - TxSZ (25..48); `granule` 4, 16 or 64 KiB.
   */
  constructor(private readonly machine: Machine, area: bigint, bytes: number, readonly inputBits = 48, readonly granule: A64Granule = 0x1000) {
    if (!(granule in TG0)) throw new RangeError('granule must be 4, 16 or 64 KiB');
    if (area % BigInt(granule) !== 0n) throw new RangeError('the table area must be aligned to the granule');
    if (inputBits < 25 || inputBits > 48) throw new RangeError('inputBits must be 25..48');
    this.granuleBits = Math.log2(granule);
    this.stride = this.granuleBits - 3;
    this.next = area;
    this.limit = area + BigInt(bytes);
    this.root = this.allocate();
  }

  /** The level a walk of this size starts at: 4 - ceil((inputBits - granule bits) / stride). */
  get startLevel(): number {
    return 4 - Math.ceil((this.inputBits - this.granuleBits) / this.stride);
  }

  /** The level whose descriptors map `size` bytes, if the granule has such pages or blocks. */
  private levelOf(size: number): number | undefined {
    for (let level = 3; level >= 1; level--) {
      if (size === 2 ** (this.granuleBits + this.stride * (3 - level))) return level === 1 && this.granule !== 0x1000 ? undefined : level;
    }
    return undefined;
  }

  map(mapping: A64Mapping): void {
    const size = BigInt(mapping.size);
    if (mapping.va % size !== 0n || mapping.pa % size !== 0n) throw new RangeError('va and pa must be aligned to the page or block size');
    const target = this.levelOf(mapping.size);
    if (target === undefined) throw new RangeError(`a ${mapping.size}-byte page or block does not exist with a ${this.granule}-byte granule`);
    if (target < this.startLevel) throw new RangeError('a block this large is above the walk\'s start level');
    let table = this.root;
    for (let level = this.startLevel; level < target; level++) {
      const index = this.indexOf(mapping.va, level);
      const existing = this.tables.get(table)!.get(index);
      if (existing === undefined) {
        const child = this.allocate();
        this.write(table, index, child | 0b11n);
        table = child;
      } else {
        if ((existing & 0b11n) !== 0b11n) throw new RangeError(`va 0x${mapping.va.toString(16)} is already mapped by a block`);
        table = existing & this.tableMask;
      }
    }
    const index = this.indexOf(mapping.va, target);
    if (this.tables.get(table)!.has(index)) throw new RangeError(`va 0x${mapping.va.toString(16)} is already mapped`);
    let descriptor = mapping.pa | (target === 3 ? 0b11n : 0b01n);
    if (mapping.accessed ?? true) descriptor |= 1n << 10n;
    if (!(mapping.writable ?? true)) descriptor |= 1n << 7n;
    if (!(mapping.executable ?? true)) descriptor |= 1n << 53n;
    if (mapping.dirtyManaged) descriptor |= 1n << 51n;
    this.write(table, index, descriptor);
  }

  /** The level at which a walk of `va` meets an invalid descriptor, or undefined if it is mapped. */
  faultLevel(va: bigint): number | undefined {
    let table = this.root;
    for (let level = this.startLevel; level <= 3; level++) {
      const descriptor = this.tables.get(table)!.get(this.indexOf(va, level));
      if (descriptor === undefined) return level;
      if (level === 3 || (descriptor & 0b10n) === 0n) return undefined;
      table = descriptor & this.tableMask;
    }
    return undefined;
  }

  /** TCR_EL1 for these tables as TTBR0's (or TTBR1's), with optional hardware AF/dirty management; the other range: 48 bits, this granule. */
  tcr(options: { high?: boolean; hardwareAccess?: boolean; hardwareDirty?: boolean } = {}): bigint {
    const size = BigInt(64 - this.inputBits);
    const granules = (TG0[this.granule] << 14n) | (TG1[this.granule] << 30n);
    let tcr = granules | (options.high ? (size << 16n) | 16n /* T0SZ 16 */ : size | (16n << 16n));
    if (options.hardwareAccess) tcr |= 1n << 39n;
    if (options.hardwareDirty) tcr |= 1n << 40n;
    return tcr;
  }

  /**
   * Points `vcpu`'s TTBR0_EL1 (TTBR1_EL1 with `high`) at these tables with `asid` in
   * bits 63:48, sets TCR_EL1 (16-bit ASIDs with an ASID above 255) and turns
   * translation on (SCTLR_EL1.M), or only sets the registers with `translate: false`.
   */
  enable(vcpu: Vcpu, options: { high?: boolean; asid?: number; hardwareAccess?: boolean; hardwareDirty?: boolean; translate?: boolean } = {}): Vcpu {
    const asid = BigInt(options.asid ?? 0);
    if (asid < 0n || asid > 0xffffn) throw new RangeError('asid must be 0..65535');
    const wideAsids = asid > 0xffn ? 1n << 36n : 0n;
    vcpu.set(options.high ? 'ttbr1_el1' : 'ttbr0_el1', this.root | (asid << 48n)).set('tcr_el1', this.tcr(options) | wideAsids | (options.high ? 1n << 22n : 0n));
    return options.translate === false ? vcpu : vcpu.set('sctlr_el1', 1);
  }

  private get tableMask(): bigint {
    return 0x0000_ffff_ffff_f000n & ~(BigInt(this.granule) - 1n);
  }

  private indexOf(va: bigint, level: number): number {
    const inRange = va & ((1n << BigInt(this.inputBits)) - 1n);
    return Number((inRange >> BigInt(this.granuleBits + this.stride * (3 - level))) & ((1n << BigInt(this.stride)) - 1n));
  }

  private allocate(): bigint {
    const page = this.next;
    if (page + BigInt(this.granule) > this.limit) throw new RangeError('the table area is full');
    this.next += BigInt(this.granule);
    this.tables.set(page, new Map());
    return page;
  }

  private write(table: bigint, index: number, descriptor: bigint): void {
    this.tables.get(table)!.set(index, descriptor);
    this.machine.write(table + BigInt(index * 8), 8, descriptor);
  }
}
