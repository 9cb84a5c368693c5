// Builds ARMv7 short-descriptor translation tables in guest memory: map a VA range to
// a PA range as 16 MiB supersections, 1 MiB sections, 64 KiB large pages or 4 KiB
// small pages, with a domain, AP[2:0], XN and PXN, as an OS would. One builder is the
// table of TTBR0 (covering VA[31:32-N] = 0, so 16 KiB >> N) or of TTBR1 (the rest;
// a full 16 KiB table). `enable(vcpu)` points TTBR0/TTBR1, TTBCR and DACR at them
// and sets SCTLR.M. Table memory comes from a zero-filled guest-physical RAM area
// the caller provides; descriptors are little-endian words.

import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';

export type ArmShortPageSize = 0x1000 | 0x1_0000 | 0x10_0000 | 0x100_0000;

export interface ArmShortMapping {
  va: bigint;
  pa: bigint;
  size: ArmShortPageSize;
  /** 0..15; default 0. Supersections are always in domain 0. */
  domain?: number;
  /** AP[2] clear (AP 0b011: read/write); else AP 0b111 (read-only). Default true. */
  writable?: boolean;
  /** AP[0] set (the access flag with SCTLR.AFE); default true. */
  accessed?: boolean;
  /** AP[2:0] exactly, instead of `writable` and `accessed`. */
  ap?: number;
  /** XN clear; default true. */
  executable?: boolean;
  /** PXN clear; default true. For pages it sits in the level-1 descriptor, shared by the whole 1 MiB. */
  privilegedExecutable?: boolean;
}

const L1_PAGE_TABLE = 0b01n;
const L1_SECTION = 0b10n;
const SUPERSECTION = 1n << 18n;
const L2_TABLE_BYTES = 1024n;

/** DACR with every domain a client (permissions checked). */
export const DACR_ALL_CLIENT = 0x5555_5555n;

export class ArmShortTables {
  /** The level-1 table's guest-physical address (TTBR0's or TTBR1's base). */
  readonly root: bigint;
  /** TTBCR.N: TTBR0 translates VA[31:32-N] = 0, TTBR1 the rest (0: TTBR0 everything). */
  readonly n: number;
  readonly high: boolean;
  private next: bigint;
  private readonly limit: bigint;
  /** Level-1 descriptors by index, and level-2 tables by address: index → descriptor. */
  private readonly first = new Map<number, bigint>();
  private readonly second = new Map<bigint, Map<number, bigint>>();

  /** `area` (16 KiB aligned, `bytes` of zeroed RAM) holds the tables; `n` is TTBCR.N; `high` builds TTBR1's table. */
  constructor(private readonly machine: Machine, area: bigint, bytes: number, options: { n?: number; high?: boolean } = {}) {
    this.n = options.n ?? 0;
    this.high = options.high ?? false;
    if (!Number.isInteger(this.n) || this.n < 0 || this.n > 7) throw new RangeError('n (TTBCR.N) must be 0..7');
    if (this.high && this.n === 0) throw new RangeError('TTBR1 translates nothing with TTBCR.N = 0');
    if (area % 0x4000n !== 0n) throw new RangeError('the table area must be 16 KiB aligned');
    this.root = area;
    this.next = area + BigInt(this.l1Entries * 4);
    this.limit = area + BigInt(bytes);
    if (this.next > this.limit) throw new RangeError('the table area is smaller than the level-1 table');
  }

  private get l1Entries(): number {
    return this.high ? 4096 : 4096 >> this.n;
  }

  /** Whether `va` is in the range these tables translate. */
  covers(va: bigint): boolean {
    if (va < 0n || va >= 1n << 32n) return false;
    const low = this.n === 0 || va >> BigInt(32 - this.n) === 0n;
    return low !== this.high;
  }

  map(mapping: ArmShortMapping): void {
    const { va, pa, size } = mapping;
    const bytes = BigInt(size);
    if (![0x1000, 0x1_0000, 0x10_0000, 0x100_0000].includes(size)) throw new RangeError('size must be 4 KiB, 64 KiB, 1 MiB or 16 MiB');
    if (va % bytes !== 0n || pa % bytes !== 0n) throw new RangeError('va and pa must be aligned to the page or section size');
    if (!this.covers(va) || !this.covers(va + bytes - 1n)) throw new RangeError(`va 0x${va.toString(16)} is outside these tables' range`);
    if (pa < 0n || pa + bytes > 1n << (size === 0x100_0000 ? 40n : 32n)) throw new RangeError('pa must fit 32 bits (40 for a supersection)');
    const domain = mapping.domain ?? 0;
    if (!Number.isInteger(domain) || domain < 0 || domain > 15) throw new RangeError('domain must be 0..15');
    if (size === 0x100_0000 && domain !== 0) throw new RangeError('a supersection is always in domain 0');
    const ap = mapping.ap ?? ((mapping.writable ?? true) ? 0b011 : 0b111) & ((mapping.accessed ?? true) ? 0b111 : 0b110);
    if (!Number.isInteger(ap) || ap < 0 || ap > 7) throw new RangeError('ap must be 0..7');
    const xn = !(mapping.executable ?? true);
    const pxn = !(mapping.privilegedExecutable ?? true);
    const index = this.l1Index(va);
    if (size >= 0x10_0000) {
      // Section attributes: PXN bit 0 (type 0b11), XN bit 4, domain [8:5], AP[1:0] [11:10], AP[2] bit 15.
      const attributes = L1_SECTION | (pxn ? 1n : 0n) | (xn ? 0x10n : 0n) | (BigInt(ap & 3) << 10n) | (BigInt(ap >> 2) << 15n);
      if (size === 0x10_0000) return this.writeFirst(index, (pa & 0xfff0_0000n) | (BigInt(domain) << 5n) | attributes, va);
      // A supersection is 16 identical entries: base [31:24], PA[35:32] in [23:20], PA[39:36] in [8:5].
      const descriptor = (pa & 0xff00_0000n) | (((pa >> 32n) & 15n) << 20n) | (((pa >> 36n) & 15n) << 5n) | SUPERSECTION | attributes;
      for (let i = 0; i < 16; i++) if (this.first.has(index + i)) throw new RangeError(`va 0x${va.toString(16)} is already mapped`);
      for (let i = 0; i < 16; i++) this.writeFirst(index + i, descriptor, va);
      return;
    }
    const table = this.pageTable(index, domain, pxn, va);
    // Page attributes: AP[1:0] [5:4], AP[2] bit 9; small: base [31:12], XN bit 0, type 0b1x; large: base [31:16], XN bit 15, type 0b01.
    const apBits = (BigInt(ap & 3) << 4n) | (BigInt(ap >> 2) << 9n);
    const l2Index = Number((va >> 12n) & 255n);
    if (size === 0x1000) return this.writeSecond(table, l2Index, (pa & 0xffff_f000n) | 0b10n | (xn ? 1n : 0n) | apBits, va);
    const descriptor = (pa & 0xffff_0000n) | 0b01n | (xn ? 0x8000n : 0n) | apBits;
    for (let i = 0; i < 16; i++) if (this.second.get(table)!.has(l2Index + i)) throw new RangeError(`va 0x${va.toString(16)} is already mapped`);
    for (let i = 0; i < 16; i++) this.writeSecond(table, l2Index + i, descriptor, va);
  }

  /** The level (1 or 2) at which a walk of `va` meets a fault descriptor, or undefined when it is mapped. */
  faultLevel(va: bigint): 1 | 2 | undefined {
    const first = this.first.get(this.l1Index(va));
    if (first === undefined) return 1;
    if ((first & 3n) !== L1_PAGE_TABLE) return undefined;
    return this.second.get(first & 0xffff_fc00n)!.has(Number((va >> 12n) & 255n)) ? undefined : 2;
  }

  /** Guest-physical address of the descriptor that maps `va`: the level-1 one for a section, else the level-2 one. */
  leafAddress(va: bigint): bigint {
    const slot = this.root + BigInt(this.l1Index(va) * 4);
    const first = this.first.get(this.l1Index(va));
    if (first === undefined || (first & 3n) !== L1_PAGE_TABLE) return slot;
    return (first & 0xffff_fc00n) + ((va >> 12n) & 255n) * 4n;
  }

  /**
   * Points TTBR0 (or TTBR1) here and at `other`'s table for the other range, sets
   * TTBCR.N (PD0/PD1 disable a range without tables), DACR (default: every domain a
   * client) and SCTLR.M (with AFE when asked) unless `translate` is false.
   */
  enable(vcpu: Vcpu, options: { other?: ArmShortTables; dacr?: bigint; afe?: boolean; translate?: boolean } = {}): Vcpu {
    const other = options.other;
    if (other && (other.high === this.high || other.n !== this.n)) throw new RangeError('the other tables must be for the other TTBR, with the same N');
    const low = this.high ? other : this;
    const high = this.high ? this : other;
    const ttbcr = BigInt(this.n) | (low ? 0n : 1n << 4n) | (high || this.n === 0 ? 0n : 1n << 5n);
    vcpu.set('ttbr0', low?.root ?? 0n).set('ttbr1', high?.root ?? 0n).set('ttbcr', ttbcr).set('dacr', options.dacr ?? DACR_ALL_CLIENT);
    if (options.translate === false) return vcpu;
    return vcpu.set('sctlr', 1n | (options.afe ? 1n << 29n : 0n));
  }

  private l1Index(va: bigint): number {
    return Number((va >> 20n) & BigInt(this.l1Entries - 1));
  }

  /** The level-2 table under level-1 entry `index`, created if absent; its domain and PXN must match. */
  private pageTable(index: number, domain: number, pxn: boolean, va: bigint): bigint {
    const existing = this.first.get(index);
    const wanted = (BigInt(domain) << 5n) | (pxn ? 4n : 0n) | L1_PAGE_TABLE;
    if (existing !== undefined) {
      if ((existing & 3n) !== L1_PAGE_TABLE) throw new RangeError(`va 0x${va.toString(16)} is already mapped by a section`);
      if ((existing & 0x3ffn) !== wanted) throw new RangeError(`va 0x${va.toString(16)}: pages of one MiB share the level-1 domain and PXN`);
      return existing & 0xffff_fc00n;
    }
    const table = this.next;
    if (table + L2_TABLE_BYTES > this.limit) throw new RangeError('the table area is full');
    this.next += L2_TABLE_BYTES;
    this.second.set(table, new Map());
    this.writeFirst(index, table | wanted, va);
    return table;
  }

  private writeFirst(index: number, descriptor: bigint, va: bigint): void {
    if (this.first.has(index)) throw new RangeError(`va 0x${va.toString(16)} is already mapped`);
    this.first.set(index, descriptor);
    this.machine.write(this.root + BigInt(index * 4), 4, descriptor);
  }

  private writeSecond(table: bigint, index: number, descriptor: bigint, va: bigint): void {
    const entries = this.second.get(table)!;
    if (entries.has(index)) throw new RangeError(`va 0x${va.toString(16)} is already mapped`);
    entries.set(index, descriptor);
    this.machine.write(table + BigInt(index * 4), 4, descriptor);
  }
}
