// npm run bench: every micro-benchmark, each beside its physical reference.

import { memoryBenchRows } from './memory.js';
import { machineLine, rowsTable, type BenchRow } from './common.js';

const memory = await memoryBenchRows();
const ns = (rows: BenchRow[], name: string) => rows.find((row) => row.name === name)?.nsPerItem ?? NaN;

console.log(`\nmemslot-emu benchmarks — ${machineLine()}\n`);
console.log('Memory layer (last column: raw Wasm load ns / case ns):');
console.log(rowsTable(memory, 'raw Wasm load loop'));
const flatness = ns(memory, 'slot lookup, search, 32764 slots') / ns(memory, 'slot lookup, search, 10 slots');
console.log(`Slot search at 32764 slots / at 10 slots: ${flatness.toFixed(2)}x (target: at most 2x)`);
