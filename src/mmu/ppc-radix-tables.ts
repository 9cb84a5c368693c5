// Builds PowerPC radix translation (Power ISA 3.0) in guest memory, as a hypervisor
// running its own process-scoped tables: a partition table (entry 0: the process
// table), a process table (one entry per PID) and, per PID, a 52-bit tree of four
// levels (13, 9, 9, 9 index bits) over 4 KiB pages, 2 MiB or 1 GiB leaves. Entries
// are big-endian. `enable(vcpu)` points PTCR at them, selects radix (LPCR[HR]),
// sets PID and turns translation on (MSR[IR|DR]).

import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';

export type RadixPageSize = 0x1000 | 0x20_0000 | 0x4000_0000;

export interface RadixMapping {
  va: bigint;
  pa: bigint;
  size: RadixPageSize;
  /** EAA read/write (else read-only); default true. */
  writable?: boolean;
  /** EAA execute; default true. */
  executable?: boolean;
  /** Which process's tree; default 0 (also quadrant 3's). */
  pid?: number;
}

const PAGE = 0x1000n;
const V = 1n << 63n;
const L = 1n << 62n;
const LEVEL_BITS = [13, 9, 9, 9];
const TREE_BITS = 52n; // RTS = 21
const PROCESS_TABLE_BYTES = 0x1000n; // 256 processes (PRTS = 0: 4 KiB)
const EAA_READ = 0x4n;
const EAA_READ_WRITE = 0x2n;
const EAA_EXECUTE = 0x1n;
/** LPCR[HR]: the host translates with radix tables. */
export const LPCR_HR = 0x10_0000n;
const LEAF_LEVEL: Record<RadixPageSize, number> = { 0x1000: 3, 0x20_0000: 2, 0x4000_0000: 1 };

export class PpcRadixTables {
  /** PTCR's value: the partition table's base (PATS 0: 4 KiB). */
  readonly ptcr: bigint;
  private readonly processTable: bigint;
  private next: bigint;
  private readonly limit: bigint;
  private readonly roots = new Map<number, bigint>();

  /** `area`: zeroed guest-physical RAM of `bytes` the tables are carved from. */
  constructor(private readonly machine: Machine, area: bigint, bytes: number) {
    if (area % PAGE !== 0n) throw new RangeError('the table area must be 4 KiB aligned');
    this.next = area;
    this.limit = area + BigInt(bytes);
    this.ptcr = this.allocate(PAGE);
    this.processTable = this.allocate(PROCESS_TABLE_BYTES);
    // Partition table entry 0, second doubleword: PRTB | PRTS (0 = 4 KiB).
    this.write(this.ptcr + 8n, this.processTable);
  }

  map(mapping: RadixMapping): void {
    const size = BigInt(mapping.size);
    if (mapping.va % size !== 0n || mapping.pa % size !== 0n) throw new RangeError('va and pa must be aligned to the page size');
    if (mapping.va >> TREE_BITS !== 0n) throw new RangeError('va must be below 2^52 (quadrant 0)');
    let table = this.root(mapping.pid ?? 0);
    let shift = TREE_BITS;
    const leafLevel = LEAF_LEVEL[mapping.size];
    for (let level = 0; ; level++) {
      shift -= BigInt(LEVEL_BITS[level]!);
      const at = table + ((mapping.va >> shift) & ((1n << BigInt(LEVEL_BITS[level]!)) - 1n)) * 8n;
      if (level === leafLevel) {
        const eaa = ((mapping.writable ?? true) ? EAA_READ_WRITE : EAA_READ) | ((mapping.executable ?? true) ? EAA_EXECUTE : 0n);
        this.write(at, V | L | mapping.pa | eaa);
        return;
      }
      const entry = this.machine.read(at, 8, { endian: 'big' });
      if ((entry & V) !== 0n && (entry & L) !== 0n) throw new RangeError(`0x${mapping.va.toString(16)} is inside a larger page already mapped`);
      if ((entry & V) === 0n) {
        const child = this.allocate(8n << BigInt(LEVEL_BITS[level + 1]!));
        this.write(at, V | child | BigInt(LEVEL_BITS[level + 1]!));
        table = child;
      } else {
        table = entry & 0x0fff_ffff_ffff_ff00n;
      }
    }
  }

  /** Sets `vcpu`'s MMU registers for these tables and process `pid`, and turns translation on (or only sets the registers, with `translate: false`). */
  enable(vcpu: Vcpu, options: { pid?: number; translate?: boolean } = {}): Vcpu {
    vcpu.set('ptcr', this.ptcr).set('lpcr', LPCR_HR).set('pid', BigInt(options.pid ?? 0));
    return options.translate === false ? vcpu : vcpu.set('msr', BigInt(this.machine.map.MSR_IR | this.machine.map.MSR_DR));
  }

  /** Guest-physical address of the leaf entry that maps `va` (4 KiB pages) in `pid`'s tree. */
  leafAddress(va: bigint, pid = 0): bigint {
    let table = this.root(pid);
    let shift = TREE_BITS;
    for (let level = 0; level < 3; level++) {
      shift -= BigInt(LEVEL_BITS[level]!);
      table = this.machine.read(table + ((va >> shift) & ((1n << BigInt(LEVEL_BITS[level]!)) - 1n)) * 8n, 8, { endian: 'big' }) & 0x0fff_ffff_ffff_ff00n;
    }
    return table + ((va >> 12n) & 511n) * 8n;
  }

  private root(pid: number): bigint {
    let root = this.roots.get(pid);
    if (root === undefined) {
      if (!Number.isInteger(pid) || pid < 0 || BigInt(pid) * 16n >= PROCESS_TABLE_BYTES) throw new RangeError('pid must be 0..255');
      root = this.allocate(8n << BigInt(LEVEL_BITS[0]!));
      // Process table entry: RTS (21 = 52 - 31: bits 62:61 = 0b10, bits 7:5 = 0b101) | RPDB | RPDS.
      this.write(this.processTable + BigInt(pid) * 16n, (2n << 61n) | root | (5n << 5n) | BigInt(LEVEL_BITS[0]!));
      this.roots.set(pid, root);
    }
    return root;
  }

  private allocate(bytes: bigint): bigint {
    const at = (this.next + bytes - 1n) / bytes * bytes; // naturally aligned, as the ISA requires
    if (at + bytes > this.limit) throw new RangeError('the table area is full');
    this.next = at + bytes;
    return at;
  }

  private write(address: bigint, value: bigint): void {
    this.machine.write(address, 8, value, { endian: 'big' });
  }
}
