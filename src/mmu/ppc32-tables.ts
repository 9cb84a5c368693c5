// Builds 32-bit classic PowerPC translation in guest memory and registers: the
// hashed page table (64-byte PTEGs of 8 big-endian 8-byte PTEs, primary then
// secondary group), the 16 segment registers and the 4 instruction and 4 data BATs.
// `enable(vcpu)` writes SDR1, the SRs and the BATs and turns translation on
// (MSR[IR|DR]); a ppc32be vCPU walks these (walk.ts picks them for 32-bit CPUs).

import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';
import type { HashPlacement } from './ppc-hash-tables.js';
import { BAT_NAMES, type PpcRegisterName } from '../cpu/registers.js';

export interface Ppc32Segment {
  /** 24 bits. */
  vsid: number;
  /** Ks, the key of supervisor accesses; default false. */
  ks?: boolean;
  /** Kp, the key of problem-state accesses; default true. */
  kp?: boolean;
  /** N: no fetches from the segment; default false. */
  noExecute?: boolean;
}

export interface Ppc32Mapping {
  /** A 4 KiB page: the classic HTAB has no larger ones (BATs map blocks). */
  va: bigint;
  pa: bigint;
  /** pp 0b10 (read/write for either key), else 0b11 (read-only); default true. */
  writable?: boolean;
  /** PP (0..3), instead of what `writable` chooses. */
  pp?: number;
}

export interface BatMapping {
  /** Which of the four BAT pairs. */
  index: number;
  /** IBAT (fetches), DBAT (loads and stores) or both; default 'both'. */
  side?: 'instruction' | 'data' | 'both';
  va: bigint;
  pa: bigint;
  /** A power of two from 128 KiB to 256 MiB; va and pa aligned to it. */
  size: number;
  /** PP 0b10, else 0b01 (read-only); default true. */
  writable?: boolean;
  /** Vp as well as Vs (problem-state accesses); default false. */
  user?: boolean;
}

const PTE_V = 0x8000_0000n;
const PTE_H = 0x40n;
const SR_KS = 0x4000_0000;
const SR_KP = 0x2000_0000;
const SR_N = 0x1000_0000;
const BAT_VS = 0x2n;
const BAT_VP = 0x1n;

export class Ppc32Tables {
  /** SDR1's value: HTABORG | HTABMASK. */
  readonly sdr1: bigint;
  /** SR0-SR15; by default segment n has VSID 0x100 + n, Kp set. */
  readonly segments: number[] = Array.from({ length: 16 }, (_, n) => SR_KP | (0x100 + n));
  /** IBAT0U, IBAT0L … IBAT3L, DBAT0U … DBAT3L (SPR 528-543 order). */
  readonly bats: bigint[] = new Array<bigint>(16).fill(0n);

  /** `htab`: guest-physical RAM of `bytes` (a power of two from 64 KiB to 32 MiB, aligned to its size) for the table, cleared here. */
  constructor(private readonly machine: Machine, readonly htab: bigint, bytes: number) {
    const groups = bytes / 65536;
    if (!Number.isInteger(Math.log2(groups)) || groups < 1 || groups > 512) throw new RangeError('the HTAB must be a power of two from 64 KiB to 32 MiB');
    if (htab % BigInt(bytes) !== 0n || htab >> 32n !== 0n) throw new RangeError('the HTAB must be below 4 GiB and aligned to its size');
    this.sdr1 = htab | BigInt(groups - 1);
    machine.writeBytes(htab, new Uint8Array(bytes));
  }

  /** Sets segment register `n` (0..15, EA bits 0:3); set segments before mapping their pages (the hash uses the VSID). */
  segment(n: number, segment: Ppc32Segment): this {
    if (!Number.isInteger(n) || n < 0 || n > 15) throw new RangeError('the segment register must be 0..15');
    if (!Number.isInteger(segment.vsid) || segment.vsid < 0 || segment.vsid > 0xff_ffff) throw new RangeError('vsid must fit 24 bits');
    this.segments[n] = (segment.vsid | ((segment.ks ?? false) ? SR_KS : 0) | ((segment.kp ?? true) ? SR_KP : 0) | (segment.noExecute ? SR_N : 0)) >>> 0;
    return this;
  }

  /** Writes the PTE mapping `mapping.va`'s 4 KiB page; where it went. */
  map(mapping: Ppc32Mapping): HashPlacement {
    if (mapping.va % 0x1000n !== 0n || mapping.pa % 0x1000n !== 0n) throw new RangeError('va and pa must be 4 KiB aligned');
    if (mapping.va >> 32n !== 0n || mapping.pa >> 32n !== 0n) throw new RangeError('va and pa must be below 4 GiB');
    if (this.find(mapping.va) !== undefined) throw new RangeError(`0x${mapping.va.toString(16)} is mapped already`);
    const pp = mapping.pp ?? ((mapping.writable ?? true) ? 0b10 : 0b11);
    if (!Number.isInteger(pp) || pp < 0 || pp > 3) throw new RangeError('pp must be 0..3');
    const { hash, word0 } = this.search(mapping.va);
    for (const secondary of [false, true]) {
      const group = this.groupAddress(hash, secondary);
      for (let at = group; at < group + 64n; at += 8n) {
        if ((this.machine.read(at, 4, { endian: 'big' }) & PTE_V) !== 0n) continue;
        // The second word first: the entry becomes valid only once it is whole.
        this.machine.write(at + 4n, 4, mapping.pa | BigInt(pp), { endian: 'big' });
        this.machine.write(at, 4, word0 | (secondary ? PTE_H : 0n), { endian: 'big' });
        return { pte: at, secondary };
      }
    }
    throw new RangeError(`both PTEGs of 0x${mapping.va.toString(16)} are full`);
  }

  /** The guest-physical address of the valid PTE that maps `va`, if any. */
  find(va: bigint): bigint | undefined {
    const { hash, word0 } = this.search(va);
    for (const secondary of [false, true]) {
      const group = this.groupAddress(hash, secondary);
      for (let at = group; at < group + 64n; at += 8n) {
        if (this.machine.read(at, 4, { endian: 'big' }) === (word0 | (secondary ? PTE_H : 0n))) return at;
      }
    }
    return undefined;
  }

  /** Sets BAT pair `index` on one side or both: BEPI, BL, Vs (and Vp for `user`); BRPN, PP. */
  bat(mapping: BatMapping): this {
    const size = BigInt(mapping.size);
    if (!Number.isInteger(mapping.index) || mapping.index < 0 || mapping.index > 3) throw new RangeError('the BAT index must be 0..3');
    if (mapping.size < 0x2_0000 || mapping.size > 0x1000_0000 || (size & (size - 1n)) !== 0n) throw new RangeError('a BAT maps a power of two from 128 KiB to 256 MiB');
    if (mapping.va % size !== 0n || mapping.pa % size !== 0n || mapping.va >> 32n !== 0n || mapping.pa >> 32n !== 0n) throw new RangeError('va and pa must be aligned to the size and below 4 GiB');
    const upper = mapping.va | (((size >> 17n) - 1n) << 2n) | BAT_VS | (mapping.user ? BAT_VP : 0n);
    const lower = mapping.pa | ((mapping.writable ?? true) ? 0b10n : 0b01n);
    const side = mapping.side ?? 'both';
    for (const base of side === 'both' ? [0, 8] : side === 'instruction' ? [0] : [8]) {
      this.bats[base + mapping.index * 2] = upper;
      this.bats[base + mapping.index * 2 + 1] = lower;
    }
    return this;
  }

  /** Sets `vcpu`'s SDR1, segment registers and BATs and turns translation on (or only the registers, with `translate: false`). */
  enable(vcpu: Vcpu, options: { translate?: boolean } = {}): Vcpu {
    vcpu.set('sdr1', this.sdr1);
    this.segments.forEach((value, n) => vcpu.set(`sr${n}` as PpcRegisterName, value));
    BAT_NAMES.forEach((name, n) => vcpu.set(name, this.bats[n]!));
    return options.translate === false ? vcpu : vcpu.set('msr', BigInt(this.machine.map.MSR_IR | this.machine.map.MSR_DR));
  }

  /** The primary hash and the PTE's first word (V, VSID, API; H clear) for `va`, as the walker forms them. */
  private search(va: bigint): { hash: bigint; word0: bigint } {
    const vsid = BigInt(this.segments[Number(va >> 28n)]! & 0xff_ffff);
    const pageIndex = (va >> 12n) & 0xffffn;
    return { hash: vsid ^ pageIndex, word0: PTE_V | (vsid << 7n) | (pageIndex >> 10n) };
  }

  private groupAddress(hash: bigint, secondary: boolean): bigint {
    const offset = ((secondary ? ~hash : hash) << 6n) & (((this.sdr1 & 0x1ffn) << 16n) | 0xffc0n);
    return this.htab | offset;
  }
}
