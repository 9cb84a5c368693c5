// The embedding fast path, through the public API only: the typed accessors
// (read32/write32 and the other widths) on RAM, on a JS device (8-byte halves also to one
// with read64Parts/write64Parts handlers) and on built-in devices
// (scratch, counter, the Wasm UART), beside machine.read /
// machine.write on the same addresses and Unicorn 2's MMIO reads and writes to C callbacks, in the
// same runs. Every run times every case once (interleaved, so a loaded machine slows them
// alike); the table gives the median and the best of the runs.
//
//   node dist/bench/host-access.js [runs]     (default 7; npm run bench uses 5)

import { Machine } from '../src/index.js';
import { formatTable } from '../src/report/table.js';
import { isMain, machineLine, uartBytes } from './common.js';
import { registerAccess, wideAccess } from '../src/fast-access-values.js';
import { unicornPeer } from './peers.js';

const CALLS = 1 << 20;
const RAM_GPA = 0x1_0000_0000;
const DEVICE_GPA = 0x9000_0000;
/** A JS device that also takes 8-byte values as two halves (read64Parts / write64Parts handlers, no bigint). */
const PARTS_GPA = 0x9800_0000;
/** The example UART (devices/uart), a device in WebAssembly: its IER register (one atomic access, without the UART's lock). */
const UART_IER = 0xa000_0008;
/** Built-in devices served in the core: a scratch page and a counter (each read takes the next value). */
const SCRATCH_GPA = 0xb000_0000;
const COUNTER_GPA = 0xb000_1000;
/** RAM accesses walk 1 MiB at a 64-byte stride; device accesses its 4 KiB of registers. */
const RAM_MASK = 0xf_ffc0;
const DEVICE_MASK = 0xff8;

export interface HostAccessRow {
  name: string;
  /** Median and best ns per call over the runs (wall clock). */
  medianNs: number;
  bestNs: number;
  /** Median CPU ns per call (this process's user + system time: what a loaded machine's waits do not inflate). */
  cpuNs: number;
}

export interface HostAccessResult {
  rows: HostAccessRow[];
  runs: number;
  /** Unicorn's MMIO read and write (guest ldr, str; ns, median and best of the runs) or why it was skipped. */
  unicorn: { medianNs: number; bestNs: number; writeMedianNs: number; writeBestNs: number; callback: string } | { skipped: string };
}

interface Case {
  name: string;
  /** Performs `calls` accesses; returns something derived from them so nothing is optimized away. */
  run(calls: number): number;
}

export async function hostAccessRows(runs = 5): Promise<HostAccessResult> {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM_GPA, memorySize: 1 << 20, userspaceAddr: machine.allocateBacking(1 << 20) });
  let reads = 0;
  let written = 0;
  machine.mmio.register({
    name: 'counter', base: DEVICE_GPA, size: 0x1000,
    read: () => ++reads,
    write: (_offset, _size, value) => { written = Number(value); },
  });
  machine.mmio.register({
    name: 'parts', base: PARTS_GPA, size: 0x1000,
    read: () => ++reads,
    write: (_offset, _size, value) => { written = Number(value); },
    read64Parts: (_offset, out) => { out[0] = ++reads; },
    write64Parts: (_offset, low) => { written = low; },
  });
  machine.addWasmDevice({ name: 'uart', base: UART_IER - 8, size: 0x100, bytes: uartBytes(), widths: [4] });
  machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH_GPA, size: 0x1000 });
  machine.addBuiltinDevice({ kind: 'counter', base: COUNTER_GPA, size: 8 });
  // Round-robin over 10 and 509 devices (one per page): the recent-range list, then the table.
  const many = await Machine.create({ arenaBytes: 1 << 20 });
  const read = () => ++reads;
  for (let k = 0; k < 509; k++) many.mmio.register({ name: `d${k}`, base: DEVICE_GPA + k * 0x1000, size: 0x1000, read, write: () => {} });
  const spread = (count: number) => (i: number) => DEVICE_GPA + (i % count) * 0x1000 + ((i << 3) & 0x7f8);
  const over10 = spread(10);
  const over509 = spread(509);
  const handler = { read };
  const parts = new Uint32Array(2);
  const words = new Uint32Array(machine.memory.buffer);
  const rawRam = machine.layout.arenaBase + Number(machine.slot(0)!.userspaceAddr);
  const ram = (i: number) => RAM_GPA + ((i << 6) & RAM_MASK);
  const reg = (i: number) => DEVICE_GPA + ((i << 3) & DEVICE_MASK);
  const partsReg = (i: number) => PARTS_GPA + ((i << 3) & DEVICE_MASK);
  const scratch = (i: number) => SCRATCH_GPA + ((i << 3) & DEVICE_MASK);
  const floors = floorParts();
  const cases: Case[] = [
    { name: 'RAM: Uint32Array load in a JS loop (floor)', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= words[(rawRam + ((i << 6) & RAM_MASK)) >>> 2]!; return x; } },
    { name: 'RAM: machine.read(gpa, 4)', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= machine.read(ram(i), 4); return Number(x); } },
    { name: 'RAM: read32', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read32(ram(i)); return x; } },
    { name: 'RAM: read8', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read8(ram(i)); return x; } },
    { name: 'RAM: read16', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read16(ram(i)); return x; } },
    { name: 'RAM: read64Parts', run: (n) => { let x = 0; for (let i = 0; i < n; i++) { machine.read64Parts(ram(i), parts); x ^= parts[1]!; } return x; } },
    { name: 'RAM: read64 (bigint)', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= machine.read64(ram(i)); return Number(x & 1n); } },
    { name: 'RAM: machine.write(gpa, 4, v)', run: (n) => { for (let i = 0; i < n; i++) machine.write(ram(i), 4, i); return 0; } },
    { name: 'RAM: write32', run: (n) => { for (let i = 0; i < n; i++) machine.write32(ram(i), i); return 0; } },
    { name: 'RAM: write64Parts', run: (n) => { for (let i = 0; i < n; i++) machine.write64Parts(ram(i), i, i); return 0; } },
    { name: 'JS device: machine.read(gpa, 4)', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= machine.read(reg(i), 4); return Number(x); } },
    { name: 'JS device: read32', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read32(reg(i)); return x; } },
    { name: 'JS device: read8', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read8(reg(i)); return x; } },
    { name: 'JS device: read64Parts', run: (n) => { let x = 0; for (let i = 0; i < n; i++) { machine.read64Parts(reg(i), parts); x ^= parts[0]!; } return x; } },
    { name: 'JS device: its handler in a JS loop (floor, inlined)', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= handler.read(); return x; } },
    { name: 'JS device: read32, 10 devices in turn', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= many.read32(over10(i)); return x; } },
    { name: 'JS device: machine.read, 10 devices in turn', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= many.read(over10(i), 4); return Number(x); } },
    { name: 'JS device: read32, 509 devices in turn', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= many.read32(over509(i)); return x; } },
    { name: 'JS device: machine.read, 509 devices in turn', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= many.read(over509(i), 4); return Number(x); } },
    { name: 'JS device: machine.write(gpa, 4, v)', run: (n) => { for (let i = 0; i < n; i++) machine.write(reg(i), 4, i); return written; } },
    { name: 'JS device: write32', run: (n) => { for (let i = 0; i < n; i++) machine.write32(reg(i), i); return written; } },
    { name: 'JS device: write64Parts (bigint handler)', run: (n) => { for (let i = 0; i < n; i++) machine.write64Parts(reg(i), i, i); return written; } },
    { name: 'JS device: read64Parts (64Parts handler)', run: (n) => { let x = 0; for (let i = 0; i < n; i++) { machine.read64Parts(partsReg(i), parts); x ^= parts[0]!; } return x; } },
    { name: 'JS device: write64Parts (64Parts handler)', run: (n) => { for (let i = 0; i < n; i++) machine.write64Parts(partsReg(i), i, i); return written; } },
    { name: 'Wasm device: machine.read(gpa, 4)', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= machine.read(UART_IER, 4); return Number(x); } },
    { name: 'Wasm device: read32', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read32(UART_IER); return x; } },
    { name: 'Wasm device: machine.write(gpa, 4, v)', run: (n) => { for (let i = 0; i < n; i++) machine.write(UART_IER, 4, i & 0xf); return 0; } },
    { name: 'Wasm device: write32', run: (n) => { for (let i = 0; i < n; i++) machine.write32(UART_IER, i & 0xf); return 0; } },
    { name: 'Scratch device: machine.read(gpa, 4)', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= machine.read(scratch(i), 4); return Number(x); } },
    { name: 'Scratch device: read32', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read32(scratch(i)); return x; } },
    { name: 'Scratch device: machine.write(gpa, 4, v)', run: (n) => { for (let i = 0; i < n; i++) machine.write(scratch(i), 4, i); return 0; } },
    { name: 'Scratch device: write32', run: (n) => { for (let i = 0; i < n; i++) machine.write32(scratch(i), i); return 0; } },
    { name: 'Counter device: machine.read(gpa, 4)', run: (n) => { let x = 0n; for (let i = 0; i < n; i++) x ^= machine.read(COUNTER_GPA, 4); return Number(x); } },
    { name: 'Counter device: read32', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= machine.read32(COUNTER_GPA); return x; } },
    { name: 'Counter device: machine.write(gpa, 4, v)', run: (n) => { for (let i = 0; i < n; i++) machine.write(COUNTER_GPA, 4, i); return 0; } },
    { name: 'Counter device: write32', run: (n) => { for (let i = 0; i < n; i++) machine.write32(COUNTER_GPA, i); return 0; } },
    // Floors (no accessor, no checks): what one JS-to-Wasm call and one atomic step cost on this machine.
    { name: 'Wasm device: floor, an empty JS-to-Wasm call (i32 export)', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= floors.empty(i); return x; } },
    { name: 'Wasm device: floor, a register read called straight (JS to Wasm to the device\'s i64 export)', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= floors.registers.read(8, 4); return x; } },
    { name: 'Counter device: floor, its step alone (one JS-to-Wasm call, one i64.atomic.rmw.add)', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= floors.wide.add64(0); return x; } },
    { name: 'Counter device: floor, i64.atomic.rmw.add in a Wasm loop (the atomic alone)', run: (n) => floors.atomicLoop(0, n) },
    { name: 'Counter device: floor, Atomics.add on an Int32Array', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= Atomics.add(floors.words, 2, 1); return x; } },
    { name: 'Counter device: floor, Atomics.add on a BigInt64Array (value to a number)', run: (n) => { let x = 0; for (let i = 0; i < n; i++) x ^= Number(BigInt.asUintN(32, Atomics.add(floors.wideWords, 1, 1n))); return x; } },
  ];
  for (const benchCase of cases) benchCase.run(CALLS >> 2); // warm-up: let the JIT settle on each loop
  const samples = cases.map(() => [] as number[]);
  const cpuSamples = cases.map(() => [] as number[]);
  const unicornSamples: number[] = [];
  const unicornWriteSamples: number[] = [];
  let unicornSkipped: string | undefined;
  let callback = '';
  for (let run = 0; run < runs; run++) {
    cases.forEach((benchCase, index) => {
      // The slow API is about 20x slower: fewer calls keep every case near the same time.
      const calls = benchCase.name.includes('machine.') || benchCase.name.includes('509') ? CALLS >> 4 : CALLS;
      const cpu = process.cpuUsage();
      const start = process.hrtime.bigint();
      benchCase.run(calls);
      samples[index]!.push(Number(process.hrtime.bigint() - start) / calls);
      const used = process.cpuUsage(cpu);
      cpuSamples[index]!.push(((used.user + used.system) * 1000) / calls);
    });
    const peer = unicornPeer({ iterations: 1 << 18 });
    if ('skipped' in peer) unicornSkipped = peer.skipped;
    else {
      unicornSamples.push(1e9 / peer.mmioReadsPerSec);
      unicornWriteSamples.push(1e9 / peer.mmioWritesPerSec);
      callback = peer.mmioCallback;
    }
  }
  return {
    runs,
    rows: cases.map((benchCase, index) => ({ name: benchCase.name, medianNs: median(samples[index]!), bestNs: Math.min(...samples[index]!), cpuNs: median(cpuSamples[index]!) })),
    unicorn: unicornSkipped !== undefined ? { skipped: unicornSkipped } : {
      medianNs: median(unicornSamples), bestNs: Math.min(...unicornSamples),
      writeMedianNs: median(unicornWriteSamples), writeBestNs: Math.min(...unicornWriteSamples), callback,
    },
  };
}

/**
 * The floors' parts, over a shared memory of their own: an empty i32 export; a register
 * read (registerAccess, as the accessors call a Wasm device) over an (i32, i32) -> i64
 * export that returns its offset; the counter's atomic step (wideAccess.add64); a Wasm
 * loop of `count` i64.atomic.rmw.add at `address`; and Int32 / BigInt64 views for Atomics.
 */
function floorParts() {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
  const text = (name: string) => [name.length, ...[...name].map((c) => c.charCodeAt(0))];
  const section = (id: number, body: number[]) => [id, body.length, ...body];
  const body = (bytes: number[]) => [bytes.length, ...bytes];
  const I32 = 0x7f, I64 = 0x7e;
  // Types: 0 (i32) -> i32, 1 (i32, i32) -> i64, 2 (i32, i32) -> i32.
  const types = [3, 0x60, 1, I32, 1, I32, 0x60, 2, I32, I32, 1, I64, 0x60, 2, I32, I32, 1, I32];
  const imports = [1, ...text('env'), ...text('memory'), 0x02, 3, 1, 1];
  const code = [3,
    // empty: local 0.
    ...body([0, 0x20, 0, 0x0b]),
    // read: i64.extend_i32_u(local 0).
    ...body([0, 0x20, 0, 0xad, 0x0b]),
    // atomicLoop: loop { i64.atomic.rmw.add(local 0, 1); drop; local 1 -= 1; br_if local 1 }; 0.
    ...body([0, 0x03, 0x40, 0x20, 0, 0x42, 1, 0xfe, 0x1f, 3, 0, 0x1a, 0x20, 1, 0x41, 1, 0x6b, 0x22, 1, 0x0d, 0, 0x0b, 0x41, 0, 0x0b]),
  ];
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, types),
    ...section(2, imports),
    ...section(3, [3, 0, 1, 2]),
    ...section(7, [3, ...text('empty'), 0, 0, ...text('read'), 0, 1, ...text('atomicLoop'), 0, 2]),
    ...section(10, code),
  ]);
  const exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports as {
    empty(value: number): number; read: WebAssembly.ImportValue; atomicLoop(address: number, count: number): number;
  };
  return {
    empty: exports.empty,
    registers: registerAccess(exports.read, () => {}),
    wide: wideAccess(memory),
    atomicLoop: exports.atomicLoop,
    words: new Int32Array(memory.buffer),
    wideWords: new BigInt64Array(memory.buffer),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The table: each row's rate, its speed-up over machine.read/write on the same target, and over Unicorn's MMIO read (write for a write row). */
export function hostAccessTable(result: HostAccessResult): string {
  const ns = (name: string) => result.rows.find((row) => row.name === name)?.medianNs ?? NaN;
  const unicornNs = 'skipped' in result.unicorn ? NaN : result.unicorn.medianNs;
  const unicornWriteNs = 'skipped' in result.unicorn ? NaN : result.unicorn.writeMedianNs;
  const rows = result.rows.map((row) => {
    const target = row.name.split(':')[0]!;
    const spread = / \d+ devices in turn$/.exec(row.name)?.[0];
    const reference = spread ? ns(`${target}: machine.read,${spread}`) : ns(`${target}: machine.${row.name.includes('write') ? 'write(gpa, 4, v)' : 'read(gpa, 4)'}`);
    return [
      row.name,
      `${(1e3 / row.medianNs).toFixed(1)}M/s`,
      row.medianNs.toFixed(2),
      row.bestNs.toFixed(2),
      row.cpuNs.toFixed(2),
      `${(reference / row.medianNs).toFixed(1)}x`,
      target.endsWith(' device') ? `${((row.name.includes('write') ? unicornWriteNs : unicornNs) / row.medianNs).toFixed(2)}x` : '',
    ];
  });
  if (!('skipped' in result.unicorn)) {
    const u = result.unicorn;
    rows.push([`Unicorn 2 MMIO read (${u.callback} callback, guest ldr)`, `${(1e3 / u.medianNs).toFixed(1)}M/s`, u.medianNs.toFixed(2), u.bestNs.toFixed(2), '', '', '1.00x']);
    rows.push([`Unicorn 2 MMIO write (${u.callback} callback, guest str)`, `${(1e3 / u.writeMedianNs).toFixed(1)}M/s`, u.writeMedianNs.toFixed(2), u.writeBestNs.toFixed(2), '', '', '1.00x']);
  }
  const table = formatTable(['case', 'rate (median)', 'ns median', 'ns best', 'CPU ns median', 'x machine.read/write', 'x Unicorn MMIO read/write'], rows);
  return `${table}\n${'skipped' in result.unicorn ? `${result.unicorn.skipped}\n` : ''}Medians of ${result.runs} interleaved runs (ratios from the wall-clock medians). Targets: RAM read32 at least 100M/s; JS device read32 at least 1.5x Unicorn; built-in devices (Wasm, scratch, counter) read32 at least 3x Unicorn. The floor rows time one part alone, without the accessor: a Wasm device's read32 costs at least its register read called straight, a counter's at least its step (the call and the atomic add).`;
}

if (isMain(import.meta.url)) {
  const runs = Number(process.argv[2] ?? 7);
  const result = await hostAccessRows(runs);
  console.log(`\nHost accessors — ${machineLine()}\n`);
  console.log(hostAccessTable(result));
}
