// Builds a 64-bit PowerPC hashed page table (Power ISA 2.07/3.0) in guest memory and
// the SLB that goes with it. `segment()` adds an SLB entry (a 256 MiB or 1 TiB
// segment, its VSID, base page size and keys); `map()` writes a PTE for a page of
// that size into its primary PTEG or, when all 8 entries there are taken, into the
// secondary one (H set). PTEs are big-endian. `enable(vcpu)` writes SDR1, selects
// the hash MMU (clears LPCR[HR]), loads the SLB into the vCPU and turns translation
// on (MSR[IR|DR]).

import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';
import { LPCR_HR } from './ppc-radix-tables.js';

export type HashPageSize = 0x1000 | 0x1_0000 | 0x100_0000;

export interface HashSegment {
  /** Any effective address inside the segment. */
  ea: bigint;
  vsid: bigint;
  /** Default '256M'. */
  size?: '256M' | '1T';
  /** The base page size (SLB L||LP); default 4 KiB. */
  pageSize?: HashPageSize;
  /** SLB N: no fetches from the segment; default false. */
  noExecute?: boolean;
  /** Ks, the key of supervisor accesses; default false. */
  ks?: boolean;
  /** Kp, the key of problem-state accesses; default true. */
  kp?: boolean;
}

export interface HashMapping {
  va: bigint;
  pa: bigint;
  /** Must be the base page size of the segment holding `va`. */
  size: HashPageSize;
  /** pp 0b10 (read/write for either key), else 0b11 (read-only); default true. */
  writable?: boolean;
  /** Else the PTE's N bit; default true. */
  executable?: boolean;
  /** PP0||PP (0..7), instead of what `writable` chooses. */
  pp?: number;
}

/** Where `map` put the PTE: its guest-physical address and whether in the secondary PTEG. */
export interface HashPlacement {
  pte: bigint;
  secondary: boolean;
}

const ESID_V = 0x800_0000n;
const SEGMENT_256M = 0xffff_ffff_f000_0000n;
const SEGMENT_1T = 0xffff_ff00_0000_0000n;
const B_1T = 0x4000_0000_0000_0000n;
const KS = 0x800n;
const KP = 0x400n;
const N = 0x200n;
const LLP: Record<HashPageSize, bigint> = { 0x1000: 0n, 0x1_0000: 0x110n, 0x100_0000: 0x100n };
const SHIFT: Record<HashPageSize, bigint> = { 0x1000: 12n, 0x1_0000: 16n, 0x100_0000: 24n };
const PTE_V = 1n;
const PTE_H = 2n;
const PTE_L = 4n;
const PTE_AVPN = 0x3fff_ffff_ffff_ff80n;
const PTE_MATCH = 0xffff_ffff_ffff_ff83n;
const PTE_N = 0x4n;
/** L with LP in the RPN's low bits: 64 KiB pages are LP 0001 (bit 12), 16 MiB ones LP 0. */
const LP_BITS: Record<HashPageSize, bigint> = { 0x1000: 0n, 0x1_0000: 0x1000n, 0x100_0000: 0n };

interface SlbEntry {
  esid: bigint;
  vsid: bigint;
  mask: bigint;
  pageSize: HashPageSize;
}

export class PpcHashTables {
  /** SDR1's value: HTABORG | HTABSIZE. */
  readonly sdr1: bigint;
  readonly slb: SlbEntry[] = [];
  private readonly groupMask: bigint;

  /** `htab`: guest-physical RAM of `bytes` (a power of two, 256 KiB or more, aligned to its size) for the table, cleared here. */
  constructor(private readonly machine: Machine, readonly htab: bigint, bytes: number) {
    const sizeLog2 = Math.log2(bytes);
    if (!Number.isInteger(sizeLog2) || sizeLog2 < 18 || sizeLog2 > 46) throw new RangeError('the HTAB must be a power of two from 256 KiB to 64 TiB');
    if (htab % BigInt(bytes) !== 0n) throw new RangeError('the HTAB must be aligned to its size');
    this.sdr1 = htab | BigInt(sizeLog2 - 18);
    this.groupMask = BigInt(bytes / 128) - 1n;
    for (let offset = 0; offset < bytes; offset += 1 << 20) machine.writeBytes(htab + BigInt(offset), new Uint8Array(Math.min(1 << 20, bytes - offset)));
  }

  /** Adds an SLB entry for `segment`; its index. */
  segment(segment: HashSegment): number {
    if (this.slb.length >= this.machine.map.SLB_ENTRIES) throw new RangeError('the SLB is full');
    const oneT = segment.size === '1T';
    const mask = oneT ? SEGMENT_1T : SEGMENT_256M;
    const pageSize = segment.pageSize ?? 0x1000;
    if (LLP[pageSize] === undefined) throw new RangeError('pageSize must be 4 KiB, 64 KiB or 16 MiB');
    if (segment.vsid < 0n || segment.vsid >> (oneT ? 38n : 50n) !== 0n) throw new RangeError(`vsid must fit ${oneT ? 38 : 50} bits`);
    const vsid = (oneT ? B_1T | (segment.vsid << 24n) : segment.vsid << 12n) | LLP[pageSize]
      | ((segment.ks ?? false) ? KS : 0n) | ((segment.kp ?? true) ? KP : 0n) | (segment.noExecute ? N : 0n);
    this.slb.push({ esid: (segment.ea & mask) | ESID_V, vsid, mask, pageSize });
    return this.slb.length - 1;
  }

  /** Writes the PTE mapping `mapping.va`'s page; where it went. */
  map(mapping: HashMapping): HashPlacement {
    const size = BigInt(mapping.size);
    if (mapping.va % size !== 0n || mapping.pa % size !== 0n) throw new RangeError('va and pa must be aligned to the page size');
    if (mapping.pa >> 60n !== 0n) throw new RangeError('pa must be below 2^60');
    const search = this.search(mapping.va);
    if (search.entry.pageSize !== mapping.size) throw new RangeError(`the segment of 0x${mapping.va.toString(16)} has ${search.entry.pageSize}-byte pages`);
    if (this.find(mapping.va) !== undefined) throw new RangeError(`0x${mapping.va.toString(16)} is mapped already`);
    const pp = mapping.pp ?? ((mapping.writable ?? true) ? 0b010 : 0b011);
    if (!Number.isInteger(pp) || pp < 0 || pp > 7) throw new RangeError('pp must be 0..7');
    const pte1 = mapping.pa | LP_BITS[mapping.size] | (BigInt(pp & 4) << 61n) | BigInt(pp & 3) | ((mapping.executable ?? true) ? 0n : PTE_N);
    const large = mapping.size === 0x1000 ? 0n : PTE_L;
    for (const secondary of [false, true]) {
      const group = this.groupAddress(search.hash, secondary);
      for (let at = group; at < group + 128n; at += 16n) {
        if ((this.machine.read(at, 8, { endian: 'big' }) & PTE_V) !== 0n) continue;
        // Doubleword 1 first: the entry becomes valid only once it is whole.
        this.machine.write(at + 8n, 8, pte1, { endian: 'big' });
        this.machine.write(at, 8, search.avpn | large | (secondary ? PTE_H : 0n) | PTE_V, { endian: 'big' });
        return { pte: at, secondary };
      }
    }
    throw new RangeError(`both PTEGs of 0x${mapping.va.toString(16)} are full`);
  }

  /** The guest-physical address of the valid PTE that maps `va`, if any. */
  find(va: bigint): bigint | undefined {
    const search = this.search(va);
    for (const secondary of [false, true]) {
      const group = this.groupAddress(search.hash, secondary);
      const expected = search.avpn | (secondary ? PTE_H : 0n) | PTE_V;
      for (let at = group; at < group + 128n; at += 16n) {
        if (((this.machine.read(at, 8, { endian: 'big' }) ^ expected) & PTE_MATCH) === 0n) return at;
      }
    }
    return undefined;
  }

  /** Sets `vcpu`'s SDR1, LPCR (HR clear) and SLB for these tables and turns translation on (or only the registers, with `translate: false`). */
  enable(vcpu: Vcpu, options: { translate?: boolean } = {}): Vcpu {
    const map = this.machine.map;
    vcpu.set('sdr1', this.sdr1).set('lpcr', vcpu.get('lpcr') & ~LPCR_HR);
    const view = new DataView(this.machine.memory.buffer);
    for (let index = 0; index < map.SLB_ENTRIES; index++) {
      const entry = this.slb[index];
      const at = vcpu.core.record + map.CPU_SLB + index * 16;
      view.setBigUint64(at, entry?.esid ?? 0n, true);
      view.setBigUint64(at + 8, entry?.vsid ?? 0n, true);
    }
    return options.translate === false ? vcpu : vcpu.set('msr', BigInt(map.MSR_IR | map.MSR_DR));
  }

  /** The SLB entry holding `va`, the primary hash and the AVPN doubleword (without H, V) of its page, as the walker forms them. */
  private search(va: bigint): { entry: SlbEntry; hash: bigint; avpn: bigint } {
    const entry = this.slb.find((candidate) => (candidate.esid & candidate.mask) === (va & candidate.mask));
    if (!entry) throw new RangeError(`no segment holds 0x${va.toString(16)}`);
    const oneT = entry.mask === SEGMENT_1T;
    const shift = SHIFT[entry.pageSize];
    const vsid = (entry.vsid & 0x3fff_ffff_ffff_f000n) >> (oneT ? 24n : 12n);
    const epn = va & ~entry.mask & ~((1n << shift) - 1n) & 0xffff_ffff_ffff_ffffn;
    const hash = vsid ^ (epn >> shift) ^ (oneT ? vsid << 25n : 0n);
    // B and the VSID as the SLB holds them, then the page number's bits above the hash's.
    const avpn = (entry.vsid & 0xffff_ffff_ffff_f000n) | ((epn >> 16n) & PTE_AVPN);
    return { entry, hash, avpn };
  }

  private groupAddress(hash: bigint, secondary: boolean): bigint {
    return this.htab + ((secondary ? ~hash : hash) & this.groupMask) * 128n;
  }
}
