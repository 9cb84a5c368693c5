// npm run bench: every micro-benchmark, each beside its physical reference.

import { memoryBenchRows } from './memory.js';
import { interpBenchRows } from './interp.js';
import { mmuBenchRows } from './mmu.js';
import { benchDecodePpcRows } from './decode-ppc.js';
import { benchDecodeArmRows } from './decode-arm.js';
import { machineLine, rowsTable, type BenchRow } from './common.js';

const memory = await memoryBenchRows();
const interpreter = await interpBenchRows();
const mmu = await mmuBenchRows();
const decodePpc = await benchDecodePpcRows();
const decodeArm = await benchDecodeArmRows();
const ns = (rows: BenchRow[], name: string) => rows.find((row) => row.name === name)?.nsPerItem ?? NaN;

console.log(`\nmemslot-emu benchmarks — ${machineLine()}\n`);
console.log('Memory layer (last column: raw Wasm load ns / case ns):');
console.log(rowsTable(memory, 'raw Wasm load loop'));
const flatness = ns(memory, 'slot lookup, search, 32764 slots') / ns(memory, 'slot lookup, search, 10 slots');
console.log(`Slot search at 32764 slots / at 10 slots: ${flatness.toFixed(2)}x (target: at most 2x)`);

console.log('\nInterpreters, one vCPU each (last column: raw Wasm load ns / case ns):');
console.log(rowsTable(interpreter, 'raw Wasm load loop'));
console.log('Targets: 250M guest loads/s and 170M guest stores/s per vCPU; Unicorn 2 (JIT) on this class of machine: 1.26G loads/s, 17M stores/s, 58M MMIO loads/s.');

console.log('\nGuest MMU, AArch64 4 KiB granule, 4 levels (last column: raw Wasm load ns / case ns):');
console.log(rowsTable(mmu, 'raw Wasm load loop'));
const hitCost = ns(mmu, 'A64 ldr, MMU on, TLB hits') / ns(mmu, 'A64 ldr, MMU off');
console.log(`MMU-on TLB hit / MMU off: ${hitCost.toFixed(2)}x (target: at most 1.5x). The TLBI row is one full walk per load, plus one fetch walk per 8.`);

console.log('\nDecoders (last column: Capstone ns / case ns; target 100M words/s and 200x Capstone):');
console.log(rowsTable(decodePpc, 'Capstone (mnemonic + op_str)'));
console.log(rowsTable(decodeArm));
for (const isa of ['A64', 'A32', 'T32']) {
  const ours = decodeArm.find((row) => row.name.startsWith(`memslot-emu decode${isa}`));
  const theirs = decodeArm.find((row) => row.name.startsWith(`Capstone ${isa}`));
  if (ours && theirs) console.log(`${isa}: ${(ours.perSecond / theirs.perSecond).toFixed(0)}x Capstone`);
}
