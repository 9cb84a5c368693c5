// npm run bench: every micro-benchmark, each beside its physical reference.

import { memoryBenchRows } from './memory.js';
import { machineLine, rowsTable } from './common.js';

const memory = await memoryBenchRows();
console.log(`\nmemslot-emu benchmarks — ${machineLine()}\n`);
console.log('Memory layer (ratio: raw Wasm load loop ns / case ns):');
console.log(rowsTable(memory, 'raw Wasm load loop'));
