// ARM decode throughput (A64, A32, T32) on realistic load/store mixes: our Wasm
// decoders (bench loops over words in the machine's arena) beside Capstone
// (@alexaltea/capstone-js, mnemonic and operand text only) on the same words, in the
// same run. Run: node dist/bench/decode-arm.js

import { createRequire } from 'node:module';
import { Machine } from '../src/index.js';
import { isMain, machineLine, rowsTable, runSuite, type BenchCase, type BenchRow } from './common.js';

const WORDS = 4096;

interface DecodeExports {
  benchDecodeA64(words: number, count: number, out: number): number;
  benchDecodeA32(words: number, count: number, out: number): number;
  benchDecodeT32(words: number, count: number, out: number): number;
}

/** xorshift32 (the mix is the same on every run). */
function rng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    return state;
  };
}

type Encoder = (t: number, n: number, m: number, imm: number) => number;

function mix(entries: Array<[number, Encoder]>, count: number, seed: number): number[] {
  const next = rng(seed);
  const total = entries.reduce((sum, [weight]) => sum + weight, 0);
  const words: number[] = [];
  while (words.length < count) {
    let pick = next() % total;
    const entry = entries.find(([weight]) => (pick -= weight) < 0)!;
    // Three registers distinct even in their low 3 bits (no writeback onto the transfer register).
    const t = next() % 29;
    let n = next() % 29;
    while ((n & 7) === (t & 7)) n = next() % 29;
    let m = next() % 29;
    while ((m & 7) === (t & 7) || (m & 7) === (n & 7)) m = next() % 29;
    words.push(entry[1](t, n, m, next()) >>> 0);
  }
  return words;
}

/** Compiled AArch64 code's memory accesses, roughly. */
export function a64LoadStoreMix(count: number): number[] {
  const uimm = (base: number): Encoder => (t, n, _m, i) => base | ((i & 0xfff) << 10) | (n << 5) | t;
  const pair = (base: number): Encoder => (t, n, m, i) => base | ((i & 0x7f) << 15) | (m << 10) | (n << 5) | t;
  const imm9 = (base: number): Encoder => (t, n, _m, i) => base | ((i & 0x1ff) << 12) | (n << 5) | t;
  return mix([
    [18, uimm(0xf9400000)], [10, uimm(0xf9000000)], [9, uimm(0xb9400000)], [7, uimm(0xb9000000)],
    [8, pair(0xa9400000)], [5, (t, _n, m, i) => pair(0xa9800000)(t, 31, m, i | 0x40)], [4, (t, _n, m, i) => pair(0xa8c00000)(t, 31, m, i & 0x3f)],
    [4, uimm(0x39400000)], [3, uimm(0x39000000)], [3, uimm(0x79400000)],
    [5, (t, n, m) => 0xf8606800 | (m << 16) | (n << 5) | t], [2, (t, n, m) => 0xb8605800 | (m << 16) | (n << 5) | t],
    [3, imm9(0xf8400000)], [2, imm9(0xf8000000)], [3, imm9(0xf8400400)],
    [3, uimm(0xfd400000)], [2, uimm(0x3d800000)], [1, pair(0x6d400000)],
    [1, (t, n) => 0xc85f7c00 | (n << 5) | t], [1, (t, n, m) => 0x88007c00 | (m << 16) | (n << 5) | t],
    [1, (t, n) => 0xc8dffc00 | (n << 5) | t], [1, (t, n) => 0xc89ffc00 | (n << 5) | t],
    [1, (t, n, m) => 0xf8200000 | (m << 16) | (n << 5) | t], [1, (t, n, m) => 0xc8a07c00 | (m << 16) | (n << 5) | t],
    [2, (t, _n, _m, i) => 0x58000000 | ((i & 0x7ffff) << 5) | t],
  ], count, 0xa64);
}

/** Compiled A32 code's memory accesses, roughly. */
export function a32LoadStoreMix(count: number): number[] {
  const e = (t: number, n: number) => ((n & 7) << 16) | ((t & 7) << 12);
  return mix([
    [18, (t, n, _m, i) => 0xe5900000 | e(t, n) | (i & 0xfff)], [10, (t, n, _m, i) => 0xe5800000 | e(t, n) | (i & 0xfff)],
    [3, (t, n, _m, i) => 0xe5100000 | e(t, n) | (i & 0xfff)],
    [5, (t, n, _m, i) => 0xe5d00000 | e(t, n) | (i & 0xfff)], [3, (t, n, _m, i) => 0xe5c00000 | e(t, n) | (i & 0xfff)],
    [4, (t, n, _m, i) => 0xe1d000b0 | e(t, n) | ((i & 0xf0) << 4) | (i & 15)], [2, (t, n, _m, i) => 0xe1c000b0 | e(t, n) | (i & 15)],
    [5, (t, n, m, i) => 0xe7900000 | e(t, n) | ((i & 3) << 7) | (m & 7)],
    [3, (t, n, _m, i) => 0xe1c000d0 | e(t & 6, n) | (i & 15)], [2, (t, n, _m, i) => 0xe1c000f0 | e(t & 6, n) | (i & 15)],
    [3, (_t, _n, _m, i) => 0xe92d4000 | (i & 0x0ff0)], [3, (_t, _n, _m, i) => 0xe8bd8000 | (i & 0x0ff0)],
    [2, (_t, n, _m, i) => 0xe8900000 | ((n & 7) << 16) | (i & 0xff00)], [1, (_t, n, _m, i) => 0xe8a00000 | ((n & 7) << 16) | (i & 0xff00)],
    [3, (t, n, _m, i) => 0xed900b00 | e(t, n) | (i & 0xff)], [2, (t, n, _m, i) => 0xed800b00 | e(t, n) | (i & 0xff)],
    [1, (t, n) => 0xe1900f9f | e(t, n)], [1, (t, n, m) => 0xe1800f90 | e(m, n) | (t & 7)],
    [4, (t, n, _m, i) => 0x05900000 | e(t, n) | (i & 0xfff)], [3, (t, _n, _m, i) => 0xe59f0000 | e(t, 0) | (i & 0xfff)],
  ], count, 0xa32);
}

/** Compiled T32 code's memory accesses, roughly: 16-bit forms first, some 32-bit. */
export function t32LoadStoreMix(count: number): number[] {
  const lo = (t: number, n: number) => ((n & 7) << 3) | (t & 7);
  return mix([
    [16, (t, n, _m, i) => 0x6800 | ((i & 31) << 6) | lo(t, n)], [10, (t, n, _m, i) => 0x6000 | ((i & 31) << 6) | lo(t, n)],
    [8, (t, _n, _m, i) => 0x9800 | ((t & 7) << 8) | (i & 0xff)], [5, (t, _n, _m, i) => 0x9000 | ((t & 7) << 8) | (i & 0xff)],
    [4, (t, _n, _m, i) => 0x4800 | ((t & 7) << 8) | (i & 0xff)],
    [4, (t, n, _m, i) => 0x7800 | ((i & 31) << 6) | lo(t, n)], [3, (t, n, _m, i) => 0x8800 | ((i & 31) << 6) | lo(t, n)],
    [4, (t, n, m) => 0x5800 | ((m & 7) << 6) | lo(t, n)],
    [3, (_t, _n, _m, i) => 0xb500 | (i & 0xff)], [3, (_t, _n, _m, i) => 0xbd00 | (i & 0xff)],
    [8, (t, n, _m, i) => 0xf8d00000 | ((n & 7) << 16) | ((t & 7) << 12) | (i & 0xfff)],
    [4, (t, n, _m, i) => 0xf8c00000 | ((n & 7) << 16) | ((t & 7) << 12) | (i & 0xfff)],
    [2, (t, n, _m, i) => 0xf8500b00 | ((n & 7) << 16) | ((t & 7) << 12) | (i & 0xff)],
    [3, (t, n, m, i) => 0xe9d00000 | ((n & 7) << 16) | ((t & 7) << 12) | ((m & 7) << 8) | (i & 0xff)],
    [2, (_t, _n, _m, i) => 0xe92d4000 | (i & 0x0ff0) | 0x11], [2, (t, n, _m, i) => 0xed900b00 | ((n & 7) << 16) | ((t & 7) << 12) | (i & 0xff)],
    [1, (t, n, _m, i) => 0xe8500f00 | ((n & 7) << 16) | ((t & 7) << 12) | (i & 0xff)],
  ], count, 0x732);
}

/** T32 words as the instruction stream's bytes (first halfword first, each little-endian). */
function thumbStream(words: number[]): Uint8Array {
  const bytes: number[] = [];
  for (const word of words) {
    const halves = word > 0xffff ? [word >>> 16, word & 0xffff] : [word];
    for (const half of halves) bytes.push(half & 255, half >>> 8);
  }
  return Uint8Array.from(bytes);
}

export async function benchDecodeArmRows(): Promise<Array<BenchRow & { value: number }>> {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  const core = machine.attach(0);
  const exports = core.instance.exports as unknown as DecodeExports;
  const out = core.record + core.map.REC_DECODE;
  const place = (words: number[]) => {
    const at = machine.allocateBacking(words.length * 4);
    const view = new DataView(machine.memory.buffer, machine.layout.arenaBase + at, words.length * 4);
    words.forEach((word, i) => view.setUint32(i * 4, word, true));
    return machine.layout.arenaBase + at;
  };
  const a64 = a64LoadStoreMix(WORDS);
  const a32 = a32LoadStoreMix(WORDS);
  const t32 = t32LoadStoreMix(WORDS);
  const a64At = place(a64);
  const a32At = place(a32);
  const t32At = place(t32);

  const require = createRequire(import.meta.url);
  const MCapstone = require('@alexaltea/capstone-js') as () => Promise<CapstoneModule>;
  const cs = await MCapstone();
  const le = (words: number[]) => {
    const bytes = new Uint8Array(words.length * 4);
    words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
    return bytes;
  };
  const engines = [
    { name: 'A64', capstone: new cs.Capstone(cs.ARCH_ARM64, cs.MODE_LITTLE_ENDIAN), bytes: le(a64) },
    { name: 'A32', capstone: new cs.Capstone(cs.ARCH_ARM, cs.MODE_ARM), bytes: le(a32) },
    { name: 'T32', capstone: new cs.Capstone(cs.ARCH_ARM, cs.MODE_THUMB), bytes: thumbStream(t32) },
  ];
  for (const engine of engines) {
    const decoded = engine.capstone.disasm(engine.bytes, 0).length;
    if (decoded !== WORDS) throw new Error(`Capstone decoded ${decoded} of ${WORDS} ${engine.name} words`);
  }
  const capstoneCase = (engine: (typeof engines)[number]): BenchCase => ({
    name: `Capstone ${engine.name} (mnemonic + op_str)`, itemsPerCall: WORDS, unit: 'words',
    run: () => { let length = 0; for (const insn of engine.capstone.disasm(engine.bytes, 0)) length += insn.mnemonic.length + insn.op_str.length; return length; },
  });
  const cases: BenchCase[] = [
    { name: 'memslot-emu decodeA64 (Wasm loop)', itemsPerCall: WORDS, unit: 'words', run: () => exports.benchDecodeA64(a64At, WORDS, out) },
    capstoneCase(engines[0]!),
    { name: 'memslot-emu decodeA32 (Wasm loop)', itemsPerCall: WORDS, unit: 'words', run: () => exports.benchDecodeA32(a32At, WORDS, out) },
    capstoneCase(engines[1]!),
    { name: 'memslot-emu decodeT32 (Wasm loop, IT tracked)', itemsPerCall: WORDS, unit: 'words', run: () => exports.benchDecodeT32(t32At, WORDS, out) },
    capstoneCase(engines[2]!),
  ];
  const rows = await runSuite('decode-arm', cases);
  for (const engine of engines) engine.capstone.close();
  return rows.map((row) => ({ ...row, value: row.perSecond }));
}

interface CapstoneModule {
  ARCH_ARM: number;
  ARCH_ARM64: number;
  MODE_ARM: number;
  MODE_THUMB: number;
  MODE_LITTLE_ENDIAN: number;
  Capstone: new (arch: number, mode: number) => {
    disasm(bytes: Uint8Array, address: number): Array<{ mnemonic: string; op_str: string }>;
    close(): void;
  };
}

if (isMain(import.meta.url)) {
  const rows = await benchDecodeArmRows();
  console.log(`\nARM decode — ${machineLine()}\n`);
  console.log(rowsTable(rows));
  for (const isa of ['A64', 'A32', 'T32']) {
    const ours = rows.find((row) => row.name.startsWith(`memslot-emu decode${isa}`))!;
    const capstone = rows.find((row) => row.name.startsWith(`Capstone ${isa}`))!;
    console.log(`decode${isa}: ${(ours.perSecond / 1e6).toFixed(1)}M words/s, Capstone ${(capstone.perSecond / 1e6).toFixed(2)}M words/s, ratio ${(ours.perSecond / capstone.perSecond).toFixed(1)}x (targets: 100M words/s, 200x Capstone)`);
  }
}
