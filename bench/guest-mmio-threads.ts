// Guest MMIO on a vCPU thread: the A64 loop of 8 ldr (4 bytes) + add/cbnz of
// guest-mmio.ts, to a JS device loaded on the thread (bench/thread-device.ts) and to RAM,
// interpreted and as a compiled loop, run by VcpuThreads (kvm strategy) at the default
// safe point every 64 instructions and at one every 65,536, beside the same loop run by
// Vcpu.run on this thread and Unicorn 2's MMIO read in the same run. A thread's rate is
// read from the loop's counter register while it runs: windows of WINDOW_MS, medians.
//
//   node dist/bench/guest-mmio-threads.js [windows]     (default 7)

import { Machine, Vcpu, VcpuThreads, A64Program, a64 } from '../src/index.js';
import { formatTable } from '../src/report/table.js';
import { isMain, machineLine } from './common.js';
import { unicornPeer } from './peers.js';
import { THREAD_DEVICE_BASE } from './thread-device.js';

const CODE = 0x10_0000;
const DATA = 0x20_0000;
const WINDOW_MS = 200;
const DEVICE_MODULE = new URL('./thread-device.js', import.meta.url).href;

type Target = 'JS device' | 'RAM';

export interface ThreadMmioRow {
  name: string;
  medianNs: number;
  bestNs: number;
}

/** A machine with the loop at CODE; x14 points at `target`, x3 counts iterations. */
async function loopMachine(target: Target, jit: boolean): Promise<{ machine: Machine; vcpu: Vcpu }> {
  const machine = await Machine.create({ vcpus: 1, arenaBytes: 1 << 20, jit });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1_0000, userspaceAddr: machine.allocateBacking(0x1_0000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1_0000, userspaceAddr: machine.allocateBacking(0x1_0000) });
  const program = new A64Program().label('loop');
  for (let i = 0; i < 8; i++) program.emit(a64.ldr(5 + i, 14, i * 8, 4));
  program.emit(a64.add(3, 3, 1)).branchTo((offset) => a64.cbnz(14, offset), 'loop');
  machine.writeBytes(CODE, program.bytes());
  const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x14', BigInt(target === 'RAM' ? DATA : THREAD_DEVICE_BASE)).set('x3', 0n);
  return { machine, vcpu };
}

/** ns per access over `windows` windows while the loop runs on a vCPU thread. */
async function onThread(target: Target, jit: boolean, safepoint: number, windows: number): Promise<number[]> {
  const { machine, vcpu } = await loopMachine(target, jit);
  const threads = await VcpuThreads.onMachine(machine, { arch: 'aarch64', strategy: 'kvm', safepoint, devices: target === 'RAM' ? [] : [DEVICE_MODULE] });
  const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await pause(4 * WINDOW_MS); // the thread's start, its JIT and the device entry's copy (COPY_AFTER calls)
  const samples: number[] = [];
  for (let w = 0; w < windows; w++) {
    const from = vcpu.get('x3');
    const since = performance.now();
    await pause(WINDOW_MS);
    const iterations = Number(vcpu.get('x3') - from);
    samples.push(((performance.now() - since) * 1e6) / (iterations * 8));
  }
  const reports = await threads.stop();
  const failed = reports.find((report) => report.error !== undefined);
  if (failed) throw new Error(`vCPU thread failed: ${failed.error}`);
  return samples;
}

/** ns per access of the same loop run by Vcpu.run on this thread, `windows` timed runs. */
async function onThisThread(target: Target, jit: boolean, windows: number): Promise<number[]> {
  const { machine, vcpu } = await loopMachine(target, jit);
  let reads = 0;
  if (target === 'JS device') machine.mmio.register({ name: 'bench', base: THREAD_DEVICE_BASE, size: 0x1000, read: () => ++reads, write: () => {} });
  const budget = 10 << 16;
  const run = () => {
    const exit = vcpu.run(budget);
    if (exit.reason !== 'budget') throw new Error(`loop left early: ${exit.reason}`);
  };
  for (let warmUp = 0; warmUp < 4; warmUp++) run();
  const samples: number[] = [];
  for (let w = 0; w < windows; w++) {
    const since = process.hrtime.bigint();
    run();
    samples.push(Number(process.hrtime.bigint() - since) / (budget * 0.8));
  }
  return samples;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

export async function threadMmioRows(windows = 7): Promise<{ rows: ThreadMmioRow[]; unicorn: number | string }> {
  const rows: ThreadMmioRow[] = [];
  const add = (name: string, samples: number[]) => rows.push({ name, medianNs: median(samples), bestNs: Math.min(...samples) });
  for (const jit of [false, true]) {
    const mode = jit ? 'compiled' : 'interpreted';
    for (const target of ['JS device', 'RAM'] as const) {
      add(`${target}: ldr 4, ${mode}, this thread (Vcpu.run)`, await onThisThread(target, jit, windows));
      for (const safepoint of [64, 65536]) add(`${target}: ldr 4, ${mode}, vCPU thread, safe point every ${safepoint}`, await onThread(target, jit, safepoint, windows));
    }
  }
  const peer = unicornPeer({ iterations: 1 << 18 });
  return { rows, unicorn: 'skipped' in peer ? peer.skipped : 1e9 / peer.mmioReadsPerSec };
}

export function threadMmioTable(result: { rows: ThreadMmioRow[]; unicorn: number | string }): string {
  const unicorn = typeof result.unicorn === 'number' ? result.unicorn : NaN;
  const rows = result.rows.map((r) => [r.name, r.medianNs.toFixed(2), r.bestNs.toFixed(2), r.name.startsWith('RAM') ? '' : `${(unicorn / r.medianNs).toFixed(2)}x`]);
  if (typeof result.unicorn === 'number') rows.push(['Unicorn 2 MMIO read (C callback, guest ldr)', unicorn.toFixed(2), '', '1.00x']);
  const note = typeof result.unicorn === 'string' ? `${result.unicorn}\n` : '';
  return `${formatTable(['case (A64 loop: 8 ldr + add/cbnz)', 'ns median', 'ns best', 'x Unicorn (medians)'], rows)}\n${note}` +
    'A vCPU thread runs its slices between safe points (enter and leave of the strategy, KVM SRCU here); each JS-device access also marks the device in the record for a watchdog.';
}

if (isMain(import.meta.url)) {
  const result = await threadMmioRows(Number(process.argv[2] ?? 7));
  console.log(`\nGuest MMIO on vCPU threads — ${machineLine()}\n`);
  console.log(threadMmioTable(result));
}
