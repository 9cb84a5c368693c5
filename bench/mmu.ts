// The guest MMUs (AArch64 4 KiB granule and PowerPC radix, 4 levels each): loads
// through the tables on TLB hits, and with a full flush each iteration so every load
// walks, beside the A64 loop with the MMU off and the raw Wasm load loop; then a
// walk per load through the PowerPC hashed page tables (64-bit and 32-bit).

import {
  Machine, Vcpu, A64Program, A64PageTables, a64, PpcProgram, PpcRadixTables, PpcHashTables, Ppc32Tables, ppc, ArmShortTables, ArmLpaeTables, a32, type RegisterName,
} from '../src/index.js';
import { isMain, machineLine, spendBudget, rowsTable, runSuite, type BenchCase, type BenchRow } from './common.js';

const CODE = 0x10_0000;
const DATA = 0x20_0000;
const TABLES = 0x30_0000;
const DATA_VA = 0x5000_0000n;
const ITERATIONS = 1 << 14;
const RAW_LOADS = 1 << 20;

/** An A64 vCPU looping over `prefix`, 8 loads from x3 + offset(i), then subs + b.ne. */
function loadLoop(machine: Machine, index: number, codeAt: number, prefix: number[], offset: (i: number) => number): Vcpu {
  const program = new A64Program().emit(a64.movz(2, 0xffff, 16)).label('loop').emit(...prefix);
  for (let i = 0; i < 8; i++) program.emit(a64.ldr(5 + i, 3, offset(i)));
  program.emit(a64.subs(2, 2, 1)).branchTo((branch) => a64.bcond('ne', branch), 'loop');
  machine.writeBytes(codeAt, program.bytes());
  return new Vcpu(machine, index, 'aarch64').set('pc', codeAt);
}

export async function mmuBenchRows(): Promise<BenchRow[]> {
  const machine = await Machine.create({ vcpus: 3, arenaBytes: 4 << 20 });
  for (const [slot, base] of [CODE, DATA, TABLES].entries()) {
    machine.setUserMemoryRegion({ slot, guestPhysAddr: base, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  }
  const tables = new A64PageTables(machine, BigInt(TABLES), 0x10000);
  tables.map({ va: BigInt(CODE), pa: BigInt(CODE), size: 0x1000, writable: false });
  for (let page = 0; page < 8; page++) tables.map({ va: DATA_VA + BigInt(page * 0x1000), pa: BigInt(DATA + page * 0x1000), size: 0x1000 });
  const withTables = (vcpu: Vcpu) => tables.enable(vcpu).set('x3', DATA_VA);
  const mmuOff = loadLoop(machine, 0, CODE, [], (i) => i * 8).set('x3', DATA);
  const hits = withTables(loadLoop(machine, 1, CODE + 0x400, [], (i) => i * 8));
  const walks = withTables(loadLoop(machine, 2, CODE + 0x800, [a64.tlbiVmalle1()], (i) => i * 0x1000));
  const raw = machine.attach(0).functions;
  const rawAddress = machine.layout.arenaBase + DATA;
  const cases: BenchCase[] = [
    { name: 'raw Wasm load loop', itemsPerCall: RAW_LOADS, unit: 'loads', run: () => raw.benchRawLoads(rawAddress, RAW_LOADS, 0xfff8) },
    { name: 'A64 ldr, MMU off', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(mmuOff, ITERATIONS * 10) },
    { name: 'A64 ldr, MMU on, TLB hits', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(hits, ITERATIONS * 10) },
    { name: 'A64 ldr, MMU on, TLBI each loop', itemsPerCall: ITERATIONS * 8, unit: 'walked loads', run: () => spendBudget(walks, ITERATIONS * 11) },
    ...(await radixCases()),
    ...(await hashCases()),
    ...(await aarch32WalkCases()),
    ...(await invalidationCases()),
  ];
  return runSuite('mmu', cases);
}

/** PowerPC ld through a radix tree: on TLB hits, and with mtspr PTCR each loop so every load walks four levels. */
async function radixCases(): Promise<BenchCase[]> {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 8 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x40000, userspaceAddr: machine.allocateBacking(0x40000) });
  const tables = new PpcRadixTables(machine, BigInt(TABLES), 0x40000);
  tables.map({ va: BigInt(CODE), pa: BigInt(CODE), size: 0x1000, writable: false });
  for (let page = 0; page < 8; page++) tables.map({ va: DATA_VA + BigInt(page * 0x1000), pa: BigInt(DATA + page * 0x1000), size: 0x1000 });
  const loop = (index: number, codeAt: number, flush: boolean, stride: number) => {
    const program = new PpcProgram().emit(ppc.lis(4, 0x7fff), ppc.mtctr(4), ppc.li(0, 0)).label('loop');
    if (flush) program.emit(ppc.mtspr(464, 14)); // rewriting PTCR drops the whole TLB
    for (let i = 0; i < 8; i++) program.emit(ppc.ld(5 + i, i * stride, 3));
    program.branchTo(ppc.bdnz, 'loop');
    machine.writeBytes(codeAt, program.bytes('big'));
    return tables.enable(new Vcpu(machine, index, 'ppc64be').set('pc', codeAt).set('r3', DATA_VA).set('r14', tables.ptcr));
  };
  const hits = loop(0, CODE, false, 8);
  const walks = loop(1, CODE + 0x400, true, 0x1000);
  return [
    { name: 'PowerPC ld, radix, TLB hits', itemsPerCall: ITERATIONS * 8, unit: 'loads', run: () => spendBudget(hits, ITERATIONS * 9) },
    { name: 'PowerPC ld, radix, PTCR write each loop', itemsPerCall: ITERATIONS * 8, unit: 'walked loads', run: () => spendBudget(walks, ITERATIONS * 10) },
  ];
}

/** A32 ldr through short-descriptor and LPAE tables, TLBIALL each loop so every load walks (two levels; LPAE three). */
async function aarch32WalkCases(): Promise<BenchCase[]> {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20 });
  for (const [slot, base] of [CODE, DATA, TABLES].entries()) {
    machine.setUserMemoryRegion({ slot, guestPhysAddr: base, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  }
  machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: TABLES + 0x10000, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const tlbiAll = a32.mcr(15, 0, 0, 8, 7, 0);
  const loopWords = [tlbiAll, ...Array.from({ length: 8 }, (_, i) => a32.ldr(9, 1 + i)), a32.subs(10, 10, 1), a32.b(-40, 'ne')];
  const code = new Uint8Array(loopWords.length * 4);
  loopWords.forEach((word, i) => new DataView(code.buffer).setUint32(i * 4, word, true));
  machine.writeBytes(CODE, code);
  const formats: Array<[string, ArmShortTables | ArmLpaeTables]> = [
    ['short descriptors', new ArmShortTables(machine, BigInt(TABLES), 0x10000)],
    ['LPAE', new ArmLpaeTables(machine, BigInt(TABLES + 0x10000), 0x10000)],
  ];
  return formats.map(([name, tables], index) => {
    tables.map({ va: BigInt(CODE), pa: BigInt(CODE), size: 0x1000, writable: false });
    for (let page = 0; page < 8; page++) tables.map({ va: DATA_VA + BigInt(page * 0x1000), pa: BigInt(DATA + page * 0x1000), size: 0x1000 });
    const vcpu = tables.enable(new Vcpu(machine, index, 'arm')).set('pc', CODE).set('r10', 0xffff_ffff);
    for (let page = 0; page < 8; page++) vcpu.set(`r${1 + page}` as RegisterName, DATA_VA + BigInt(page * 0x1000));
    return { name: `A32 ldr, ${name}, TLBIALL each loop`, itemsPerCall: ITERATIONS * 8, unit: 'walked loads', run: () => spendBudget(vcpu, ITERATIONS * 11) };
  });
}

const INVALIDATIONS = 1 << 12;

/**
 * What each invalidation kind costs by itself: a loop of one invalidation (and a
 * barrier for the broadcast ones, the other vCPU idle) plus a counted branch, with
 * the MMU on and the TLB (256 entries) full of the loop's own pages. By-ASID and
 * all scan or clear the whole TLB; by-VA probes each live context's index.
 */
async function invalidationCases(): Promise<BenchCase[]> {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20, tlbEntries: 256 });
  for (const [slot, base] of [CODE, DATA, TABLES].entries()) {
    machine.setUserMemoryRegion({ slot, guestPhysAddr: base, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  }
  const tables = new A64PageTables(machine, BigInt(TABLES), 0x10000);
  tables.map({ va: BigInt(CODE), pa: BigInt(CODE), size: 0x1000, writable: false });
  const vcpu = new Vcpu(machine, 0, 'aarch64').set('x4', DATA_VA >> 12n).set('x5', 1n << 48n);
  vcpu.set('ttbr0_el1', tables.root | (1n << 48n)).set('tcr_el1', tables.tcr()).set('sctlr_el1', 1);
  const kinds: Array<[string, number[]]> = [
    ['NOP (the loop alone, for scale)', [a64.nop()]],
    ['TLBI VAE1 (by VA, local)', [a64.tlbiVae1(4)]],
    ['TLBI ASIDE1 (by ASID, local)', [a64.tlbiAside1(5)]],
    ['TLBI VMALLE1 (all, local)', [a64.tlbiVmalle1()]],
    ['TLBI VAE1IS + DSB (by VA, broadcast)', [a64.tlbiVae1is(4), a64.dsb()]],
    ['TLBI ASIDE1IS + DSB (by ASID, broadcast)', [a64.tlbiAside1is(5), a64.dsb()]],
  ];
  return kinds.map(([name, invalidation], index) => {
    const codeAt = CODE + 0x100 * index;
    const program = new A64Program().label('loop').emit(...invalidation, a64.subs(2, 2, 1)).branchTo((branch) => a64.bcond('ne', branch), 'loop');
    machine.writeBytes(codeAt, program.bytes());
    const run = () => spendBudget(vcpu.set('pc', codeAt).set('x2', 1n << 40n), INVALIDATIONS * (invalidation.length + 2));
    return { name: `A64 ${name}`, itemsPerCall: INVALIDATIONS, unit: 'invalidations', run };
  });
}

/** PowerPC loads that each walk a hashed page table (an SLB hit, then the primary PTEG), tlbiel flushing the TLB each loop (in hash mode it drops everything). */
async function hashCases(): Promise<BenchCase[]> {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 8 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x40000, userspaceAddr: machine.allocateBacking(0x40000) });
  const loop = (index: number, codeAt: number, wide: boolean) => {
    const program = new PpcProgram().emit(ppc.lis(4, 0x7fff), ppc.mtctr(4), ppc.li(0, 0)).label('loop').emit(ppc.tlbiel(0));
    for (let i = 0; i < 8; i++) program.emit(wide ? ppc.ld(5 + i, i * 0x1000, 3) : ppc.lwz(5 + i, i * 0x1000, 3));
    program.branchTo(ppc.bdnz, 'loop');
    machine.writeBytes(codeAt, program.bytes('big'));
    return new Vcpu(machine, index, wide ? 'ppc64be' : 'ppc32be').set('pc', codeAt).set('r3', DATA_VA);
  };
  const hash = new PpcHashTables(machine, BigInt(TABLES), 0x40000);
  hash.segment({ ea: 0n, vsid: 0x42n });
  hash.segment({ ea: DATA_VA, vsid: 0x4242n });
  hash.map({ va: BigInt(CODE), pa: BigInt(CODE), size: 0x1000, writable: false });
  for (let page = 0; page < 8; page++) hash.map({ va: DATA_VA + BigInt(page * 0x1000), pa: BigInt(DATA + page * 0x1000), size: 0x1000 });
  const hashWalks = hash.enable(loop(0, CODE, true));
  // The 32-bit tables share the area's second half (the HTAB is 64 KiB, aligned).
  const classic = new Ppc32Tables(machine, BigInt(TABLES + 0x20000), 0x10000);
  classic.map({ va: BigInt(CODE), pa: BigInt(CODE), writable: false });
  for (let page = 0; page < 8; page++) classic.map({ va: DATA_VA + BigInt(page * 0x1000), pa: BigInt(DATA + page * 0x1000) });
  const classicWalks = classic.enable(loop(1, CODE + 0x400, false));
  return [
    { name: 'PowerPC ld, hash (SLB + HTAB), tlbiel each loop', itemsPerCall: ITERATIONS * 8, unit: 'walked loads', run: () => spendBudget(hashWalks, ITERATIONS * 10) },
    { name: 'PowerPC lwz, 32-bit HTAB, tlbiel each loop', itemsPerCall: ITERATIONS * 8, unit: 'walked loads', run: () => spendBudget(classicWalks, ITERATIONS * 10) },
  ];
}

if (isMain(import.meta.url)) {
  const rows = await mmuBenchRows();
  console.log(`\n${machineLine()}\n`);
  console.log(rowsTable(rows, 'raw Wasm load loop'));
}
