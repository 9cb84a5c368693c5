// The interpreters: guest loads and stores per second on a loop of 8 accesses and a
// counted branch hitting RAM (PowerPC: bdnz; A64, A32 and T32: subs + bne), guest MMIO
// loads to a JS device, beside the raw Wasm load loop in the same run; the PowerPC and
// A64, A32 and T32 loops also as compiled loops (Machine option `jit`).

import { Machine, Vcpu, PpcProgram, ppc, A64Program, a64, a32, t32, thumbBytes } from '../src/index.js';
import { isMain, machineLine, spendBudget, rowsTable, runSuite, uartBytes, type BenchCase, type BenchRow } from './common.js';

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

/** A guest loop measured interpreted and compiled: its row name, unit, instructions per 8 accesses, and its vCPU. */
interface LoopCase {
  name: string;
  unit: 'loads' | 'stores';
  instructions: number;
  vcpu: (machine: Machine, index: number, codeAt: number) => Vcpu;
}

const LOOPS: LoopCase[] = [
  { name: 'guest ld (8 + bdnz loop)', unit: 'loads', instructions: 9, vcpu: (m, n, at) => loopVcpu(m, n, at, (i) => ppc.ld(5 + i, i * 8, 3)) },
  { name: 'guest std (8 + bdnz loop)', unit: 'stores', instructions: 9, vcpu: (m, n, at) => loopVcpu(m, n, at, (i) => ppc.std(5 + i, i * 8, 3)) },
  { name: 'A64 ldr (8 + subs/b.ne loop)', unit: 'loads', instructions: 10, vcpu: (m, n, at) => a64LoopVcpu(m, n, at, (i) => a64.ldr(5 + i, 3, i * 8)) },
  { name: 'A64 str (8 + subs/b.ne loop)', unit: 'stores', instructions: 10, vcpu: (m, n, at) => a64LoopVcpu(m, n, at, (i) => a64.str(5 + i, 3, i * 8)) },
  { name: 'A32 ldr (8 + subs/bne loop)', unit: 'loads', instructions: 10, vcpu: (m, n, at) => a32LoopVcpu(m, n, at, (i) => a32.ldr(4 + i, 3, i * 4)) },
  { name: 'A32 str (8 + subs/bne loop)', unit: 'stores', instructions: 10, vcpu: (m, n, at) => a32LoopVcpu(m, n, at, (i) => a32.str(4 + i, 3, i * 4)) },
  { name: 'T32 ldr (8 + subs/bne loop)', unit: 'loads', instructions: 10, vcpu: (m, n, at) => t32LoopVcpu(m, n, at, (i) => t32.ldr(LOW[i]!, 3, i * 4)) },
  { name: 'T32 str (8 + subs/bne loop)', unit: 'stores', instructions: 10, vcpu: (m, n, at) => t32LoopVcpu(m, n, at, (i) => t32.str(LOW[i]!, 3, i * 4)) },
];

/** A machine with the code and data slots, and a vCPU per loop (and `extra` more). */
async function loopMachine(jit: boolean, extra: number): Promise<{ machine: Machine; data: number; vcpus: Vcpu[] }> {
  const machine = await Machine.create({ vcpus: LOOPS.length + extra, arenaBytes: 4 << 20, jit });
  const data = machine.allocateBacking(0x10000);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: data });
  return { machine, data, vcpus: LOOPS.map((loop, index) => loop.vcpu(machine, index, CODE + index * 0x1000)) };
}

export async function interpBenchRows(): Promise<BenchRow[]> {
  const interpreted = await loopMachine(false, 2);
  const compiled = await loopMachine(true, 0);
  const machine = interpreted.machine;
  machine.mmio.register({ name: 'register-file', base: DEVICE, size: 0x100, endian: 'big', read: (offset) => offset, write: () => {} });
  const mmio = loopVcpu(machine, LOOPS.length, CODE + LOOPS.length * 0x1000, (i) => ppc.lwz(14 + i, i * 4, 9));
  // The example UART (devices/uart) one page above: its eight guest registers, read under its lock.
  machine.addWasmDevice({ name: 'uart', base: DEVICE + 0x1000, size: 0x100, bytes: uartBytes(), widths: [4], endian: 'big' });
  const wasmMmio = loopVcpu(machine, LOOPS.length + 1, CODE + (LOOPS.length + 1) * 0x1000, (i) => ppc.lwz(14 + i, 0x1000 + i * 4, 9));
  const raw = machine.attach(0).functions;
  const rawAddress = machine.layout.arenaBase + interpreted.data;
  /** A loop's row on the interpreting machine, or (`jit`) on the compiling one. */
  const loopCase = (index: number, jit: boolean): BenchCase => {
    const loop = LOOPS[index]!;
    const vcpu = (jit ? compiled : interpreted).vcpus[index]!;
    const name = jit ? loop.name.replace(/ \(.*/, ', compiled loop (jit)') : loop.name;
    return { name, itemsPerCall: ITERATIONS * 8, unit: loop.unit, run: () => spendBudget(vcpu, ITERATIONS * loop.instructions) };
  };
  // A load loop and its store loop, interpreted, then compiled.
  const pairs = (first: number) => [loopCase(first, false), loopCase(first + 1, false), loopCase(first, true), loopCase(first + 1, true)];
  const cases: BenchCase[] = [
    { name: 'raw Wasm load loop', itemsPerCall: RAW_LOADS, unit: 'loads', run: () => raw.benchRawLoads(rawAddress, RAW_LOADS, 0xfff8) },
    ...pairs(0),
    { name: 'guest lwz from a JS device', itemsPerCall: (ITERATIONS / 16) * 8, unit: 'MMIO loads', run: () => spendBudget(mmio, (ITERATIONS * 9) / 16) },
    { name: 'guest lwz from a Wasm device (UART)', itemsPerCall: (ITERATIONS / 16) * 8, unit: 'MMIO loads', run: () => spendBudget(wasmMmio, (ITERATIONS * 9) / 16) },
    ...pairs(2), ...pairs(4), ...pairs(6),
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
