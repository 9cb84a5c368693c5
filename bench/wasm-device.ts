// Devices in WebAssembly against the other device kinds and Unicorn 2's C-callback MMIO
// read, in the same runs: reads dispatched inside the core (the JS handler's Wasm→JS
// call, the built-in counter, the example UART through the function table), guest lwz
// loops from a JS device and from the UART, and host reads through the public API.
// Every run times every case once, interleaved; the table gives the median wall and
// CPU ns per access (CPU time is what a loaded machine's waits do not inflate).
//
//   node dist/bench/wasm-device.js [runs]     (default 7)

import { Machine, Vcpu, PpcProgram, ppc } from '../src/index.js';
import { formatTable } from '../src/report/table.js';
import { isMain, machineLine, spendBudget, uartBytes } from './common.js';
import { unicornPeer } from './peers.js';

const READS = 1 << 16;
const ITERATIONS = 1 << 12; // guest loop iterations of 8 loads
const CODE = 0x10_0000;
const JS_DEVICE = 0x9000_0000;
const COUNTER = 0xa000_0000;
const UART = 0xb000_0000;
const UART_IER = UART + 8;

interface Case {
  name: string;
  /** Accesses one call makes. */
  items: number;
  run(): unknown;
}

/** A ppc64be vCPU looping over 8 lwz at r9 + 4i (the UART's eight guest registers, or the JS device's). */
function lwzLoop(machine: Machine, index: number, base: number): Vcpu {
  const program = new PpcProgram().emit(ppc.lis(4, 0x7fff), ppc.mtctr(4)).label('loop');
  for (let i = 0; i < 8; i++) program.emit(ppc.lwz(14 + i, i * 4, 9));
  program.branchTo(ppc.bdnz, 'loop');
  machine.writeBytes(CODE + index * 0x1000, program.bytes('big'));
  return new Vcpu(machine, index, 'ppc64be').set('pc', CODE + index * 0x1000).set('r9', base);
}

export async function wasmDeviceRows(runs = 7) {
  const machine = await Machine.create({ vcpus: 3, arenaBytes: 1 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  let reads = 0;
  machine.mmio.register({ name: 'registers', base: JS_DEVICE, size: 0x100, endian: 'big', read: (offset) => offset + ++reads, write: () => {} });
  machine.addBuiltinDevice({ kind: 'counter', base: COUNTER, size: 8 });
  machine.addWasmDevice({ name: 'uart', base: UART, size: 0x100, bytes: uartBytes(), widths: [4], endian: 'big' });
  const core = machine.attach(2).functions;
  const jsLoop = lwzLoop(machine, 0, JS_DEVICE);
  const uartLoop = lwzLoop(machine, 1, UART);
  const cases: Case[] = [
    { name: 'in-core read, JS handler (Wasm→JS call)', items: READS, run: () => core.benchPhysReads(0, BigInt(JS_DEVICE), 4, READS) },
    { name: 'in-core read, built-in counter', items: READS, run: () => core.benchPhysReads(0, BigInt(COUNTER), 4, READS) },
    { name: 'in-core read, Wasm UART (call_indirect)', items: READS, run: () => core.benchPhysReads(0, BigInt(UART_IER), 4, READS) },
    { name: 'guest lwz, JS device', items: ITERATIONS * 8, run: () => spendBudget(jsLoop, ITERATIONS * 9) },
    { name: 'guest lwz, Wasm UART', items: ITERATIONS * 8, run: () => spendBudget(uartLoop, ITERATIONS * 9) },
    { name: 'host read32, JS device', items: READS >> 2, run: () => { let x = 0; for (let i = 0; i < READS >> 2; i++) x ^= machine.read32(JS_DEVICE + 4); return x; } },
    { name: 'host read32, Wasm UART', items: READS >> 2, run: () => { let x = 0; for (let i = 0; i < READS >> 2; i++) x ^= machine.read32(UART_IER); return x; } },
    { name: 'host write32, Wasm UART', items: READS >> 2, run: () => { for (let i = 0; i < READS >> 2; i++) machine.write32(UART_IER, i & 0xf); } },
  ];
  for (const benchCase of cases) benchCase.run(); // warm-up
  const wall = cases.map(() => [] as number[]);
  const cpu = cases.map(() => [] as number[]);
  const unicorn: number[] = [];
  let skipped: string | undefined;
  for (let run = 0; run < runs; run++) {
    cases.forEach((benchCase, index) => {
      const usage = process.cpuUsage();
      const start = process.hrtime.bigint();
      benchCase.run();
      wall[index]!.push(Number(process.hrtime.bigint() - start) / benchCase.items);
      const used = process.cpuUsage(usage);
      cpu[index]!.push(((used.user + used.system) * 1000) / benchCase.items);
    });
    const peer = unicornPeer({ iterations: 1 << 18 });
    if ('skipped' in peer) skipped = peer.skipped;
    else unicorn.push(1e9 / peer.mmioReadsPerSec);
  }
  return {
    runs,
    rows: cases.map((benchCase, index) => ({ name: benchCase.name, wallNs: median(wall[index]!), cpuNs: median(cpu[index]!) })),
    unicornNs: unicorn.length > 0 ? median(unicorn) : undefined,
    skipped,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (isMain(import.meta.url)) {
  const result = await wasmDeviceRows(Number(process.argv[2] ?? 7));
  console.log(`\nDevices in WebAssembly — ${machineLine()}\n`);
  const rows = result.rows.map((row) => [row.name, row.wallNs.toFixed(2), row.cpuNs.toFixed(2),
    result.unicornNs === undefined ? '' : `${(result.unicornNs / row.wallNs).toFixed(2)}x`]);
  if (result.unicornNs !== undefined) rows.push(['Unicorn 2 MMIO read (C callback, guest ldr)', result.unicornNs.toFixed(2), '', '1.00x']);
  console.log(formatTable(['case', 'ns median (wall)', 'CPU ns median', 'x Unicorn MMIO read'], rows));
  console.log(`${result.skipped ?? ''}Medians of ${result.runs} interleaved runs.`);
}
