// npm run bench: every micro-benchmark, each beside its physical reference.

import { memoryBenchRows } from './memory.js';
import { interpBenchRows } from './interp.js';
import { mmuBenchRows } from './mmu.js';
import { benchDecodePpcRows } from './decode-ppc.js';
import { benchDecodeArmRows } from './decode-arm.js';
import { machineLine, rowsTable, type BenchRow } from './common.js';
import { slotUpdateRows, slotUpdateTable } from './slot-update.js';
import { unicornPeer } from './peers.js';
import { hostAccessRows, hostAccessTable } from './host-access.js';
import { guestMmioRows, guestMmioTable } from './guest-mmio.js';
import { threadMmioRows, threadMmioTable } from './guest-mmio-threads.js';
import { corpusRows, corpusTable, corpusMedians, CORPUS_RUNS } from './corpus.js';

const memory = await memoryBenchRows();
const interpreter = await interpBenchRows();
const mmu = await mmuBenchRows();
const decodePpc = await benchDecodePpcRows();
const decodeArm = await benchDecodeArmRows();
const slotUpdates = await slotUpdateRows();
const unicorn = unicornPeer();
const hostAccess = await hostAccessRows(5);
const guestMmio = await guestMmioRows(5);
const threadMmio = await threadMmioRows(5);
const corpus = await corpusRows();
const ns = (rows: BenchRow[], name: string) => rows.find((row) => row.name === name)?.nsPerItem ?? NaN;

console.log(`\nmemslot-emu benchmarks — ${machineLine()}\n`);
console.log('Memory layer (last column: raw Wasm load ns / case ns):');
console.log(rowsTable(memory, 'raw Wasm load loop'));
const flatness = ns(memory, 'slot lookup, search, 32764 slots') / ns(memory, 'slot lookup, search, 10 slots');
console.log(`Slot search at 32764 slots / at 10 slots: ${flatness.toFixed(2)}x (target: at most 2x)`);

console.log('\nInterpreters, one vCPU each (last column: raw Wasm load ns / case ns):');
console.log(rowsTable(interpreter, 'raw Wasm load loop'));
console.log('Targets: 250M guest loads/s and 170M guest stores/s per vCPU; Unicorn 2 in this run: see Peers below.');

console.log('\nGuest MMUs, AArch64 4 KiB granule and PowerPC radix, 4 levels each (last column: raw Wasm load ns / case ns):');
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

console.log('\nHost accessors through the public API, ns per call (Unicorn 2 in these runs; see bench/host-access.ts):');
console.log(hostAccessTable(hostAccess));
console.log('\nGuest MMIO through the TLB device hints, ns per access (Unicorn 2 in these runs; see bench/guest-mmio.ts):');
console.log(guestMmioTable(guestMmio));
console.log('\nGuest MMIO on a vCPU thread, ns per access (see bench/guest-mmio-threads.ts):');
console.log(threadMmioTable(threadMmio));

console.log(`\nThe C corpus (guests/build), guest instructions/s, medians of ${CORPUS_RUNS} runs; Unicorn 2 runs each ELF end to end (see bench/corpus.ts):`);
console.log(corpusTable(corpus.rows));
console.log(corpusMedians(corpus.rows));
if (corpus.peerSkipped) console.log(corpus.peerSkipped);
console.log('Targets: the corpus median at least 100M instructions/s interpreted, and faster than Unicorn end to end on the median program.');

console.log('\nOne slot update per strategy (a 2 MiB MOVE and back, 400 times):');
console.log(slotUpdateTable(slotUpdates));

console.log('\nPeers in this run:');
if ('skipped' in unicorn) {
  console.log(unicorn.skipped);
} else {
  const rcuMove = slotUpdates.find((row) => row.strategy === 'rcu')!.us.p50;
  const ratio = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x`;
  const peerRows = [
    ['A64 guest loads/s (8 ldr + subs/b.ne)', ns(interpreter, 'A64 ldr (8 + subs/b.ne loop)'), 1e9 / unicorn.loadsPerSec, 'at least 0.2x'],
    ['A64 guest stores/s (8 str + subs/b.ne)', ns(interpreter, 'A64 str (8 + subs/b.ne loop)'), 1e9 / unicorn.storesPerSec, 'at least 10x'],
    [`MMIO reads/s, JS handler vs Unicorn (${unicorn.mmioCallback} callback)`, ns(memory, 'MMIO read to a JS handler'), 1e9 / unicorn.mmioReadsPerSec, 'at least 1x'],
    [`MMIO reads/s, host read32 to a JS handler vs Unicorn (${unicorn.mmioCallback} callback)`, hostAccess.rows.find((row) => row.name === 'JS device: read32')!.medianNs, 1e9 / unicorn.mmioReadsPerSec, 'at least 1.5x'],
    [`MMIO reads/s, built-in Wasm device vs Unicorn (${unicorn.mmioCallback} callback)`, ns(memory, 'MMIO read to a built-in Wasm device'), 1e9 / unicorn.mmioReadsPerSec, 'at least 3x'],
  ] as const;
  for (const [name, oursNs, theirsNs, target] of peerRows) {
    console.log(`${name}: ours ${(1e3 / oursNs).toFixed(1)}M, Unicorn ${(1e3 / theirsNs).toFixed(1)}M, ${ratio(theirsNs, oursNs)} (target ${target})`);
  }
  console.log(`2 MiB slot move: ours under rcu with 2 vCPU threads running ${rcuMove.toFixed(1)} µs p50; Unicorn unmap + map ${unicorn.remapMicros.toFixed(1)} µs, `
    + `plus restart ${unicorn.remapRestartMicros.toFixed(1)} µs: ${(unicorn.remapRestartMicros / rcuMove).toFixed(1)}x cheaper (target at least 5x)`);
}
