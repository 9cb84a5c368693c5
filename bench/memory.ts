// The memory layer: guest-physical RAM loads beside the raw Wasm load loop, slot
// lookup on the last-used and search paths at 1/10/509/32764 slots, MMIO reads
// dispatched to a JS device handler, to a built-in Wasm device and to a device module in
// Wasm (the example UART, through the core's function table); the JS→Wasm and
// Wasm→JS call costs as references.

import { Machine } from '../src/index.js';
import { coreFunctions, instantiateCore } from '../src/core.js';
import { isMain, machineLine, rowsTable, runSuite, uartBytes, type BenchCase, type BenchRow } from './common.js';

const LOADS = 1 << 20;
const LOOKUPS = 1 << 18;
const MMIO_READS = 1 << 16;
const CALLS = 1 << 16;
const WINDOW = 0xffff8; // loads cycle through 1 MiB at a 64-byte stride
const SLOT_STRIDE = 0x10000n;
const RAM_GPA = 0x1_0000_0000n;

export async function memoryBenchRows(): Promise<BenchRow[]> {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  const core = machine.attach(0).functions;
  const ram = machine.allocateBacking(1 << 20);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM_GPA, memorySize: 1 << 20, userspaceAddr: ram });
  const rawAddress = machine.layout.arenaBase + ram;
  let reads = 0;
  machine.mmio.register({ name: 'counter', base: 0x9000_0000n, size: 0x1000, read: () => ++reads, write: () => {} });
  machine.addBuiltinDevice({ kind: 'counter', base: 0xa000_0000n, size: 8 });
  machine.addWasmDevice({ name: 'uart', base: 0xb000_0000n, size: 0x100, bytes: uartBytes(), widths: [4] });

  // The call references: a JS→Wasm call of an empty export, and a Wasm→JS call of a no-op import.
  const bare = coreFunctions(instantiateCore(machine.module, machine.memory, () => 0));
  const cases: BenchCase[] = [
    { name: 'raw Wasm load loop', itemsPerCall: LOADS, unit: 'loads', run: () => core.benchRawLoads(rawAddress, LOADS, WINDOW) },
    { name: 'JS→Wasm call (empty export)', itemsPerCall: CALLS, unit: 'calls', run: () => { for (let i = 0; i < CALLS; i++) bare.benchNop(); } },
    { name: 'Wasm→JS call (no-op import)', itemsPerCall: CALLS, unit: 'calls', run: () => bare.benchImportCalls(CALLS) },
    { name: 'guest-physical RAM load', itemsPerCall: LOADS, unit: 'loads', run: () => core.benchPhysLoads(0, RAM_GPA, LOADS, WINDOW) },
  ];
  // With one slot every lookup hits the last-used slot; with more, each lookup picks a
  // random slot, so almost every one searches the table.
  for (const count of [1, 10, 509, 32764]) {
    const lookups = await slotLookupLoop(count);
    const name = count === 1 ? 'slot lookup, last-used hit' : `slot lookup, search, ${count} slots`;
    cases.push({ name, itemsPerCall: LOOKUPS, unit: 'lookups', run: () => lookups(LOOKUPS) });
  }
  cases.push({ name: 'MMIO read to a JS handler', itemsPerCall: MMIO_READS, unit: 'reads', run: () => core.benchPhysReads(0, 0x9000_0000n, 4, MMIO_READS) });
  cases.push({ name: 'MMIO read to a built-in Wasm device', itemsPerCall: MMIO_READS, unit: 'reads', run: () => core.benchPhysReads(0, 0xa000_0000n, 4, MMIO_READS) });
  // The UART's IER: the call_indirect into the device module, its lock, the register.
  cases.push({ name: 'MMIO read to a device module in Wasm (UART)', itemsPerCall: MMIO_READS, unit: 'reads', run: () => core.benchPhysReads(0, 0xb000_0008n, 4, MMIO_READS) });
  return runSuite('memory', cases);
}

/** A machine with `count` one-page slots (aliasing one backing page) and its random-slot lookup loop. */
async function slotLookupLoop(count: number): Promise<(lookups: number) => bigint> {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  for (let id = 0; id < count; id++) {
    machine.setUserMemoryRegion({ slot: id, guestPhysAddr: BigInt(id) * SLOT_STRIDE, memorySize: 4096, userspaceAddr: 0 });
  }
  const core = machine.attach(0).functions;
  return (lookups) => core.benchSlotLookups(0, 0n, SLOT_STRIDE, count, lookups, 12345);
}

if (isMain(import.meta.url)) {
  const rows = await memoryBenchRows();
  console.log(`\n${machineLine()}\n`);
  console.log(rowsTable(rows, 'raw Wasm load loop'));
}
