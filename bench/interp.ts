// The interpreters: guest loads and stores per second on a loop of 8 accesses and a
// counted branch hitting RAM (PowerPC: bdnz; A64, A32 and T32: subs + bne), guest MMIO
// loads to a JS device, beside the raw Wasm load loop in the same run; the PowerPC and
// A64, A32 and T32 loops also as compiled loops (Machine option `jit`).

import { Machine, Vcpu, PpcProgram, ppc, A64Program, a64, a32, t32, thumbBytes } from '../src/index.js';
import { isMain, machineLine, spendBudget, rowsTable, runSuite, type BenchCase, type BenchRow } from './common.js';

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

/** An A64 vCPU looping over `body` (8 instructions) + subs + b.ne. */
function a64LoopVcpu(machine: Machine, index: number, codeAt: number, body: (i: number) => number): Vcpu {
  const program = new A64Program().emit(a64.movz(2, 0xffff, 16)).label('loop');
  for (let i = 0; i < 8; i++) program.emit(body(i));
  program.emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop');
  machine.writeBytes(codeAt, program.bytes());
  return new Vcpu(machine, index, 'aarch64').set('pc', codeAt).set('x3', DATA);
}

/** An A32 vCPU looping over `body` (8 instructions) + subs + bne. */
function a32LoopVcpu(machine: Machine, index: number, codeAt: number, body: (i: number) => number): Vcpu {
  const words = [a32.movw(2, 0xffff), a32.movt(2, 0x7fff)];
  for (let i = 0; i < 8; i++) words.push(body(i));
  words.push(a32.subs(2, 2, 1), a32.b(-36, 'ne'));
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
  machine.writeBytes(codeAt, bytes);
  return new Vcpu(machine, index, 'arm').set('pc', codeAt).set('r3', DATA);
}

/** A T32 vCPU looping over `body` (8 16-bit instructions) + subs + bne. */
function t32LoopVcpu(machine: Machine, index: number, codeAt: number, body: (i: number) => number): Vcpu {
  const instructions = [t32.movw(2, 0xffff), t32.movt(2, 0x7fff)];
  for (let i = 0; i < 8; i++) instructions.push(body(i));
  instructions.push(t32.subsImm(2, 1), t32.bcond('ne', -18));
  machine.writeBytes(codeAt, thumbBytes(instructions));
  return new Vcpu(machine, index, 'thumb').set('pc', codeAt).set('cpsr', 0x1f3).set('r3', DATA);
}

/** T32 loads and stores use the low registers but the counter (r2) and the base (r3). */
const LOW = [0, 1, 4, 5, 6, 7, 0, 1];

export async function interpBenchRows(): Promise<BenchRow[]> {
  const machine = await Machine.create({ vcpus: 9, arenaBytes: 4 << 20 });
  const code = machine.allocateBacking(0x10000);
  const data = machine.allocateBacking(0x10000);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: code });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: data });
  machine.mmio.register({ name: 'register-file', base: DEVICE, size: 0x100, endian: 'big', read: (offset) => offset, write: () => {} });
  const loads = loopVcpu(machine, 0, CODE, (i) => ppc.ld(5 + i, i * 8, 3));
  const stores = loopVcpu(machine, 1, CODE + 0x1000, (i) => ppc.std(5 + i, i * 8, 3));
  const mmio = loopVcpu(machine, 2, CODE + 0x2000, (i) => ppc.lwz(14 + i, i * 4, 9));
  const armLoads = a64LoopVcpu(machine, 3, CODE + 0x3000, (i) => a64.ldr(5 + i, 3, i * 8));
  const armStores = a64LoopVcpu(machine, 4, CODE + 0x4000, (i) => a64.str(5 + i, 3, i * 8));
  const a32Loads = a32LoopVcpu(machine, 5, CODE + 0x5000, (i) => a32.ldr(4 + i, 3, i * 4));
  const a32Stores = a32LoopVcpu(machine, 6, CODE + 0x6000, (i) => a32.str(4 + i, 3, i * 4));
  const t32Loads = t32LoopVcpu(machine, 7, CODE + 0x7000, (i) => t32.ldr(LOW[i]!, 3, i * 4));
  const t32Stores = t32LoopVcpu(machine, 8, CODE + 0x8000, (i) => t32.str(LOW[i]!, 3, i * 4));
  const compiled = await Machine.create({ vcpus: 8, arenaBytes: 4 << 20, jit: true });
  compiled.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: compiled.allocateBacking(0x10000) });
  compiled.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: compiled.allocateBacking(0x10000) });
  const compiledLoads = loopVcpu(compiled, 0, CODE, (i) => ppc.ld(5 + i, i * 8, 3));
  const compiledStores = loopVcpu(compiled, 1, CODE + 0x1000, (i) => ppc.std(5 + i, i * 8, 3));
  const compiledArmLoads = a64LoopVcpu(compiled, 2, CODE + 0x3000, (i) => a64.ldr(5 + i, 3, i * 8));
  const compiledArmStores = a64LoopVcpu(compiled, 3, CODE + 0x4000, (i) => a64.str(5 + i, 3, i * 8));
  const compiledA32Loads = a32LoopVcpu(compiled, 4, CODE + 0x5000, (i) => a32.ldr(4 + i, 3, i * 4));
  const compiledA32Stores = a32LoopVcpu(compiled, 5, CODE + 0x6000, (i) => a32.str(4 + i, 3, i * 4));
  const compiledT32Loads = t32LoopVcpu(compiled, 6, CODE + 0x7000, (i) => t32.ldr(LOW[i]!, 3, i * 4));
  const compiledT32Stores = t32LoopVcpu(compiled, 7, CODE + 0x8000, (i) => t32.str(LOW[i]!, 3, i * 4));
  const raw = machine.attach(0).functions;
  const rawAddress = machine.layout.arenaBase + data;
  const instructions = ITERATIONS * 9;
  const cases: BenchCase[] = [
    { name: 'raw Wasm load loop', itemsPerCall: RAW_LOADS, unit: 'loads', run: () => raw.benchRawLoads(rawAddress, RAW_LOADS, 0xfff8) },
    { name: 'guest ld (8 + bdnz loop)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(loads, instructions) },
    { name: 'guest std (8 + bdnz loop)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(stores, instructions) },
    { name: 'guest ld, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(compiledLoads, instructions) },
    { name: 'guest std, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(compiledStores, instructions) },
    { name: 'guest lwz from a JS device', itemsPerCall: (ITERATIONS / 16) * 8, unit: 'MMIO loads', run: () => spendBudget(mmio, instructions / 16) },
    { name: 'A64 ldr (8 + subs/b.ne loop)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(armLoads, ITERATIONS * 10) },
    { name: 'A64 str (8 + subs/b.ne loop)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(armStores, ITERATIONS * 10) },
    { name: 'A64 ldr, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(compiledArmLoads, ITERATIONS * 10) },
    { name: 'A64 str, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(compiledArmStores, ITERATIONS * 10) },
    { name: 'A32 ldr (8 + subs/bne loop)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(a32Loads, ITERATIONS * 10) },
    { name: 'A32 str (8 + subs/bne loop)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(a32Stores, ITERATIONS * 10) },
    { name: 'A32 ldr, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(compiledA32Loads, ITERATIONS * 10) },
    { name: 'A32 str, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(compiledA32Stores, ITERATIONS * 10) },
    { name: 'T32 ldr (8 + subs/bne loop)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(t32Loads, ITERATIONS * 10) },
    { name: 'T32 str (8 + subs/bne loop)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(t32Stores, ITERATIONS * 10) },
    { name: 'T32 ldr, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(compiledT32Loads, ITERATIONS * 10) },
    { name: 'T32 str, compiled loop (jit)', itemsPerCall: ITERATIONS * 8, unit: 'stores', run: () => spendBudget(compiledT32Stores, ITERATIONS * 10) },
  ];
  return runSuite('interpreter', cases);
}

if (isMain(import.meta.url)) {
  const rows = await interpBenchRows();
  console.log(`\n${machineLine()}\n`);
  console.log(rowsTable(rows, 'raw Wasm load loop'));
  const rate = (name: string) => (rows.find((row) => row.name === name)?.perSecond ?? 0) / 1e6;
  const line = (arch: string, loads: string, stores: string) =>
    `${arch} (targets: 250M loads/s, 170M stores/s per vCPU): loads interpreted ${rate(loads).toFixed(1)}M, compiled ${rate(loads.replace(/ \(.*/, ', compiled loop (jit)')).toFixed(1)}M; stores interpreted ${rate(stores).toFixed(1)}M, compiled ${rate(stores.replace(/ \(.*/, ', compiled loop (jit)')).toFixed(1)}M`;
  console.log(`\n${line('PowerPC', 'guest ld (8 + bdnz loop)', 'guest std (8 + bdnz loop)')}`);
  console.log(line('A64', 'A64 ldr (8 + subs/b.ne loop)', 'A64 str (8 + subs/b.ne loop)'));
  console.log(line('A32', 'A32 ldr (8 + subs/bne loop)', 'A32 str (8 + subs/bne loop)'));
  console.log(line('T32', 'T32 ldr (8 + subs/bne loop)', 'T32 str (8 + subs/bne loop)'));
}
