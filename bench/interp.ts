// The PowerPC interpreter: guest loads and stores per second on a loop of 8
// accesses + bdnz hitting RAM, guest MMIO loads to a JS device, beside the raw Wasm
// load loop in the same run.

import { Machine, Vcpu, PpcProgram, ppc } from '../src/index.js';
import { isMain, machineLine, rowsTable, runSuite, type BenchCase, type BenchRow } from './common.js';

const CODE = 0x10_0000;
const DATA = 0x20_0000;
const DEVICE = 0x3000_0000;
const ITERATIONS = 1 << 16;
const RAW_LOADS = 1 << 20;

/** A vCPU looping forever over `body` (8 instructions) + bdnz, ready to run. */
function loopVcpu(machine: Machine, index: number, codeAt: number, body: (i: number) => number): Vcpu {
  const program = new PpcProgram().emit(ppc.lis(4, 0x7fff), ppc.mtctr(4)).label('loop');
  for (let i = 0; i < 8; i++) program.emit(body(i));
  program.branchTo(ppc.bdnz, 'loop');
  machine.writeBytes(codeAt, program.bytes('big'));
  return new Vcpu(machine, index, 'ppc64be').set('pc', codeAt).set('r3', DATA).set('r9', DEVICE);
}

export async function interpBenchRows(): Promise<BenchRow[]> {
  const machine = await Machine.create({ vcpus: 3, arenaBytes: 4 << 20 });
  const code = machine.allocateBacking(0x10000);
  const data = machine.allocateBacking(0x10000);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: code });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: data });
  machine.mmio.register({ name: 'register-file', base: DEVICE, size: 0x100, endian: 'big', read: (offset) => offset, write: () => {} });
  const loads = loopVcpu(machine, 0, CODE, (i) => ppc.ld(5 + i, i * 8, 3));
  const stores = loopVcpu(machine, 1, CODE + 0x1000, (i) => ppc.std(5 + i, i * 8, 3));
  const mmio = loopVcpu(machine, 2, CODE + 0x2000, (i) => ppc.lwz(14 + i, i * 4, 9));
  const raw = machine.attach(0).functions;
  const rawAddress = machine.layout.arenaBase + data;
  const instructions = ITERATIONS * 9;
  const cases: BenchCase[] = [
    { name: 'raw Wasm load loop', itemsPerCall: RAW_LOADS, unit: 'loads', run: () => raw.benchRawLoads(rawAddress, RAW_LOADS, 0xfff8) },
    { name: 'guest ld (8 + bdnz loop)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => loads.run(instructions) },
    { name: 'guest std (8 + bdnz loop)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => stores.run(instructions) },
    { name: 'guest lwz from a JS device', itemsPerCall: (ITERATIONS / 16) * 8, unit: 'MMIO loads', run: () => mmio.run(instructions / 16) },
  ];
  return runSuite('interpreter', cases);
}

if (isMain(import.meta.url)) {
  const rows = await interpBenchRows();
  console.log(`\n${machineLine()}\n`);
  console.log(rowsTable(rows, 'raw Wasm load loop'));
}
