// One slot update per strategy: a 2 MiB slot MOVEd away and back while two vCPU
// threads spin on a branch (no memory accesses), and the same MOVE with no vCPU
// running (the table's own cost). Medians of many updates; µs.

import { Machine, Vcpu, VcpuThreads, PpcProgram, ppc, STRATEGIES, percentiles, type Percentiles } from '../src/index.js';
import { formatTable } from '../src/report/table.js';
import { isMain, machineLine } from './common.js';

const SLOT_BYTES = 0x20_0000;
const UPDATES = 400;

async function machineWithSlot(): Promise<{ machine: Machine; move: (n: number) => { slot: number; guestPhysAddr: bigint; memorySize: number; userspaceAddr: number } }> {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 8 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  const uaddr = machine.allocateBacking(SLOT_BYTES);
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x4000_0000, memorySize: SLOT_BYTES, userspaceAddr: uaddr });
  machine.writeBytes(0x10_0000, new PpcProgram().label('self').branchTo((d) => ppc.b(d), 'self').bytes('big'));
  for (let v = 0; v < 2; v++) new Vcpu(machine, v, 'ppc64be').set('pc', 0x10_0000);
  return { machine, move: (n) => ({ slot: 1, guestPhysAddr: n % 2 === 0 ? 0x8000_0000n : 0x4000_0000n, memorySize: SLOT_BYTES, userspaceAddr: uaddr }) };
}

export interface SlotUpdateRow { strategy: string; us: Percentiles }

export async function slotUpdateRows(): Promise<SlotUpdateRow[]> {
  const rows: SlotUpdateRow[] = [];
  const stopped = await machineWithSlot();
  const alone: number[] = [];
  for (let n = 0; n < UPDATES; n++) {
    const since = performance.now();
    stopped.machine.setUserMemoryRegion(stopped.move(n));
    alone.push((performance.now() - since) * 1000);
  }
  rows.push({ strategy: 'no vCPU running (the table alone)', us: percentiles(alone) });
  for (const strategy of STRATEGIES) {
    const { machine, move } = await machineWithSlot();
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy });
    const latencies: number[] = [];
    for (let n = 0; n < UPDATES; n++) latencies.push(threads.update([move(n)]));
    await threads.stop();
    rows.push({ strategy, us: percentiles(latencies) });
  }
  return rows;
}

export function slotUpdateTable(rows: SlotUpdateRow[]): string {
  return formatTable(['2 MiB MOVE, 2 vCPU threads spinning', 'p50 µs', 'p99 µs', 'max µs'],
    rows.map((row) => [row.strategy, row.us.p50.toFixed(1), row.us.p99.toFixed(1), row.us.max.toFixed(1)]));
}

if (isMain(import.meta.url)) {
  console.log(`\n${machineLine()}\n`);
  console.log(slotUpdateTable(await slotUpdateRows()));
}
