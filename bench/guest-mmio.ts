// Guest MMIO: A64 loops of 8 loads or 8 stores (sizes 1, 2, 4, 8) + subs/b.ne to a JS
// device (and 8-byte ones to a read64Parts/write64Parts JS device) and to a built-in
// device, interpreted and as compiled loops, with the MMU off
// and on (4 KiB pages through A64PageTables), at 1, 10 and 509 devices; beside, in the
// same runs, the references a breakdown needs (raw Wasm load, guest-physical RAM load,
// the guest RAM loop, a Wasm→JS call, the handler alone) and Unicorn 2's MMIO reads and
// writes to C callbacks (its ldr and str loops: a str row is compared with its write). Every run times every case once (interleaved); the table gives medians.
// Before the timed runs, a JS device loop runs until each device it reaches has its entry's own copy (src/mmio-entry.ts).
//
//   node dist/bench/guest-mmio.js [runs]     (default 5)

import { Machine, Vcpu, A64Program, A64PageTables, a64 } from '../src/index.js';
import { coreFunctions, instantiateCore } from '../src/core.js';
import { COPY_AFTER } from '../src/mmio-entry.js';
import { formatTable } from '../src/report/table.js';
import { isMain, machineLine } from './common.js';
import { unicornPeer } from './peers.js';

const CODE = 0x10_0000;
const DATA = 0x20_0000;
const TABLES = 0x30_0000;
const JS_DEVICE = 0x9000_0000;
/** A JS device with read64Parts/write64Parts (its 8-byte accesses without a bigint). */
const PARTS_DEVICE = 0x9800_0000;
const BUILTIN = 0xa000_0000;
/** Where the MMU-on loops see a device page k: DEVICE_VA + k pages maps the physical page. */
const DEVICE_VA = 0x5000_0000n;
const ITERATIONS = 1 << 13;
const REFERENCE_COUNT = 1 << 20;

export interface GuestMmioRow {
  name: string;
  /** Median and best ns per access (wall clock) over the runs. */
  medianNs: number;
  bestNs: number;
}

export interface GuestMmioResult {
  rows: GuestMmioRow[];
  runs: number;
  unicorn: { medianNs: number; bestNs: number; writeMedianNs: number; writeBestNs: number; callback: string } | { skipped: string };
}

interface Case {
  name: string;
  /** Accesses per run() call. */
  items: number;
  /** Runs before the timed ones (default 1): until every JS device the loop reaches runs its own entry copy. */
  warmUps?: number;
  run(): void;
}

type Target = 'JS device' | 'JS device (64Parts)' | 'built-in device' | 'RAM';

/** One machine's loops (interpreted or compiled): a vCPU per loop, every loop on its own code page. */
class LoopSet {
  readonly machine: Machine;
  private readonly tables: A64PageTables;
  private next = 0;
  reads = 0;
  written: unknown = 0;

  static async create(jit: boolean, loops: number): Promise<LoopSet> {
    return new LoopSet(await Machine.create({ vcpus: loops, arenaBytes: 8 << 20, jit }));
  }

  private constructor(machine: Machine) {
    this.machine = machine;
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1_0000, userspaceAddr: machine.allocateBacking(0x1_0000) });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x4_0000, userspaceAddr: machine.allocateBacking(0x4_0000) });
    this.tables = new A64PageTables(machine, BigInt(TABLES), 0x4_0000);
    for (let page = 0; page < 0x100; page++) this.tables.map({ va: BigInt(CODE + page * 0x1000), pa: BigInt(CODE + page * 0x1000), size: 0x1000 });
    const read = () => ++this.reads;
    const write = (_offset: number, _size: number, value: unknown) => { this.written = value; };
    for (let k = 0; k < 509; k++) {
      machine.mmio.register({ name: `d${k}`, base: JS_DEVICE + k * 0x1000, size: 0x1000, read, write });
    }
    machine.mmio.register({
      name: 'parts', base: PARTS_DEVICE, size: 0x1000, read, write,
      read64Parts: (_offset, out) => { out[0] = ++this.reads; },
      write64Parts: (_offset, low) => { this.written = low; },
    });
    for (let k = 0; k < 16; k++) machine.addBuiltinDevice({ kind: 'scratch', base: BUILTIN + k * 0x1000, size: 0x1000 });
    // MMU on: the data page and every device page at DEVICE_VA + (physical page index).
    this.tables.map({ va: DEVICE_VA, pa: BigInt(DATA), size: 0x1000 });
    for (let k = 0; k < 509; k++) this.tables.map({ va: DEVICE_VA + BigInt((k + 1) * 0x1000), pa: BigInt(JS_DEVICE + k * 0x1000), size: 0x1000 });
    for (let k = 0; k < 16; k++) this.tables.map({ va: DEVICE_VA + BigInt((k + 0x200) * 0x1000), pa: BigInt(BUILTIN + k * 0x1000), size: 0x1000 });
  }

  /** The address (physical, or virtual with the MMU on) of page `k` of `target`. */
  private address(target: Target, k: number, mmu: boolean): bigint {
    if (target === 'JS device (64Parts)') return BigInt(PARTS_DEVICE);
    if (!mmu) return BigInt(target === 'RAM' ? DATA : (target === 'JS device' ? JS_DEVICE : BUILTIN) + k * 0x1000);
    return DEVICE_VA + BigInt(target === 'RAM' ? 0 : (target === 'JS device' ? k + 1 : k + 0x200) * 0x1000);
  }

  /**
   * A loop of 8 `size`-byte loads or stores, access i through base register x(14+i) at
   * offset 8i, the bases spread over `devices` pages of `target` (in turn), then subs + b.ne.
   */
  loop(target: Target, store: boolean, size: 1 | 2 | 4 | 8, mmu: boolean, devices: number): Vcpu {
    const index = this.next++;
    const at = CODE + index * 0x1000;
    const program = new A64Program().emit(a64.movz(2, 0xffff, 16)).label('loop');
    for (let i = 0; i < 8; i++) program.emit(store ? a64.str(5 + i, 14 + i, i * 8, size) : a64.ldr(5 + i, 14 + i, i * 8, size));
    program.emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop');
    this.machine.writeBytes(at, program.bytes());
    const vcpu = new Vcpu(this.machine, index, 'aarch64').set('pc', BigInt(at));
    const spread = devices === 509 ? 63 : 1; // 8 of 509 devices far apart; of 10, the first 8
    for (let i = 0; i < 8; i++) vcpu.set(`x${14 + i}` as 'x14', this.address(target, devices === 1 ? 0 : (i * spread) % devices, mmu));
    return mmu ? this.tables.enable(vcpu) : vcpu;
  }
}

export async function guestMmioRows(runs = 5): Promise<GuestMmioResult> {
  const sizes = [1, 2, 4, 8] as const;
  const plan: { target: Target; store: boolean; size: 1 | 2 | 4 | 8; mmu: boolean; devices: number }[] = [];
  for (const target of ['JS device', 'built-in device'] as const) {
    for (const mmu of [false, true]) {
      for (const store of [false, true]) for (const size of sizes) plan.push({ target, store, size, mmu, devices: 1 });
    }
    for (const devices of target === 'JS device' ? [10, 509] : [10]) plan.push({ target, store: false, size: 4, mmu: false, devices });
  }
  plan.push({ target: 'JS device (64Parts)', store: false, size: 8, mmu: false, devices: 1 }, { target: 'JS device (64Parts)', store: true, size: 8, mmu: false, devices: 1 });
  plan.push({ target: 'RAM', store: false, size: 8, mmu: false, devices: 1 }, { target: 'RAM', store: false, size: 8, mmu: true, devices: 1 });
  const cases: Case[] = [];
  let last: LoopSet | undefined;
  for (const jit of [false, true]) {
    const set = await LoopSet.create(jit, plan.length);
    last = set;
    for (const p of plan) {
      const vcpu = set.loop(p.target, p.store, p.size, p.mmu, p.devices);
      const what = p.target === 'RAM' ? 'ldr' : `${p.store ? 'str' : 'ldr'} ${p.size}`;
      const where = p.devices === 1 ? '' : `, ${p.devices} devices in turn`;
      cases.push({
        name: `${p.target}: ${what}, MMU ${p.mmu ? 'on' : 'off'}, ${jit ? 'compiled' : 'interpreted'}${where}`,
        items: ITERATIONS * 8,
        // The 8 accesses spread over 1 device or 8: each device's entry tiers up after COPY_AFTER calls (src/mmio-entry.ts).
        warmUps: p.target === 'JS device' ? 1 + Math.ceil(COPY_AFTER / (ITERATIONS * 8 / Math.min(p.devices, 8))) : 1,
        run: () => {
          const exit = vcpu.run(ITERATIONS * 10);
          if (exit.reason !== 'budget') throw new Error(`${p.target} loop left early: ${exit.reason} at 0x${exit.pc.toString(16)}`);
        },
      });
    }
  }
  const machine = last!.machine;
  const core = machine.attach(0).functions;
  const rawAddress = machine.layout.arenaBase + Number(machine.slot(1)!.userspaceAddr);
  const bare = coreFunctions(instantiateCore(machine.module, machine.memory, () => 0));
  let handled = 0;
  const handler = { read: () => ++handled };
  cases.push(
    { name: 'reference: raw Wasm load', items: REFERENCE_COUNT, run: () => { core.benchRawLoads(rawAddress, REFERENCE_COUNT, 0xfff8); } },
    { name: 'reference: guest-physical RAM load', items: REFERENCE_COUNT, run: () => { core.benchPhysLoads(0, BigInt(DATA), REFERENCE_COUNT, 0xfff8); } },
    { name: 'reference: Wasm→JS call (no-op import)', items: REFERENCE_COUNT, run: () => { bare.benchImportCalls(REFERENCE_COUNT); } },
    { name: 'reference: the JS handler in a JS loop', items: REFERENCE_COUNT, run: () => { let x = 0; for (let i = 0; i < REFERENCE_COUNT; i++) x ^= handler.read(); handled ^= x; } },
    { name: 'host: read32 to the built-in device', items: REFERENCE_COUNT >> 2, run: () => { let x = 0; for (let i = 0; i < REFERENCE_COUNT >> 2; i++) x ^= machine.read32(BUILTIN + ((i << 3) & 0xff8)); handled ^= x; } },
    { name: 'host: read32 to a JS device', items: REFERENCE_COUNT >> 2, run: () => { let x = 0; for (let i = 0; i < REFERENCE_COUNT >> 2; i++) x ^= machine.read32(JS_DEVICE + ((i << 3) & 0xff8)); handled ^= x; } },
  );
  // Warm-up: compile the loops and settle the JIT, the JS devices' entries included.
  for (const c of cases) for (let warmUp = 0; warmUp < (c.warmUps ?? 1); warmUp++) c.run();
  const samples = cases.map(() => [] as number[]);
  const unicorn: number[] = [];
  const unicornWrites: number[] = [];
  let skipped: string | undefined;
  let callback = '';
  for (let run = 0; run < runs; run++) {
    cases.forEach((c, index) => {
      const start = process.hrtime.bigint();
      c.run();
      samples[index]!.push(Number(process.hrtime.bigint() - start) / c.items);
    });
    const peer = unicornPeer({ iterations: 1 << 18 });
    if ('skipped' in peer) skipped = peer.skipped;
    else {
      unicorn.push(1e9 / peer.mmioReadsPerSec);
      unicornWrites.push(1e9 / peer.mmioWritesPerSec);
      callback = peer.mmioCallback;
    }
  }
  return {
    runs,
    rows: cases.map((c, index) => ({ name: c.name, medianNs: median(samples[index]!), bestNs: Math.min(...samples[index]!) })),
    unicorn: skipped !== undefined ? { skipped } : {
      medianNs: median(unicorn), bestNs: Math.min(...unicorn), writeMedianNs: median(unicornWrites), writeBestNs: Math.min(...unicornWrites), callback,
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * The table: ns per access (median and best of the runs), its multiple of Unicorn's MMIO
 * read, or write for a str row (from the medians, and from the bests: on a loaded machine the bests are what the
 * other processes' time slices touched least), and of the reference its target names.
 */
export function guestMmioTable(result: GuestMmioResult): string {
  const row = (name: string) => result.rows.find((r) => r.name === name);
  const unicorn = 'skipped' in result.unicorn ? { medianNs: NaN, bestNs: NaN, writeMedianNs: NaN, writeBestNs: NaN } : result.unicorn;
  const ram = row('reference: guest-physical RAM load')!;
  const call = row('reference: Wasm→JS call (no-op import)')!;
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  const rows = result.rows.map((r) => {
    const device = !r.name.startsWith('reference') && !r.name.startsWith('RAM');
    const builtin = r.name.includes('built-in');
    const reference = builtin ? ram : call;
    const store = r.name.includes(': str ');
    const [peerMedian, peerBest] = store ? [unicorn.writeMedianNs, unicorn.writeBestNs] : [unicorn.medianNs, unicorn.bestNs];
    return [
      r.name, r.medianNs.toFixed(2), r.bestNs.toFixed(2),
      device ? ratio(peerMedian, r.medianNs) : '', device ? ratio(peerBest, r.bestNs) : '',
      device ? `${(r.medianNs / reference.medianNs).toFixed(1)}x / ${(r.bestNs / reference.bestNs).toFixed(1)}x ${builtin ? 'RAM load' : 'call'}` : '',
    ];
  });
  if (!('skipped' in result.unicorn)) {
    rows.push([`Unicorn 2 MMIO read (${result.unicorn.callback} callback, guest ldr)`, unicorn.medianNs.toFixed(2), unicorn.bestNs.toFixed(2), '1.00x', '1.00x', '']);
    rows.push([`Unicorn 2 MMIO write (${result.unicorn.callback} callback, guest str)`, unicorn.writeMedianNs.toFixed(2), unicorn.writeBestNs.toFixed(2), '1.00x', '1.00x', '']);
  }
  const table = formatTable(['case (A64 loop: 8 accesses + subs/b.ne)', 'ns median', 'ns best', 'x Unicorn (medians)', 'x Unicorn (bests)', 'x reference (median / best)'], rows);
  return `${table}\n${'skipped' in result.unicorn ? result.unicorn.skipped : ''}Medians and bests of ${result.runs} interleaved runs. Targets: JS device at least 1.5x Unicorn and at most 2x the Wasm→JS call; built-in at least 3x Unicorn and at most 5x the guest-physical RAM load.`;
}

if (isMain(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 5);
  const result = await guestMmioRows(runs);
  console.log(`\nGuest MMIO — ${machineLine()}\n`);
  console.log(guestMmioTable(result));
}
