// PowerPC decode throughput on a realistic load/store mix: our Wasm decoder
// (benchDecodePpc looping over words in the machine's arena) beside Capstone
// (@alexaltea/capstone-js, mnemonic and operand text only) on the same words, in
// the same run. Run: node dist/bench/decode-ppc.js

import { createRequire } from 'node:module';
import { Machine } from '../src/index.js';
import { isMain, machineLine, rowsTable, runSuite, type BenchCase, type BenchRow } from './common.js';

const WORDS = 4096;

interface DecodeExports {
  benchDecodePpc(words: number, count: number, mode: number, out: number): number;
  decodePpc(word: number, next: number, mode: number, out: number): number;
  PPC_MODE_64: WebAssembly.Global;
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

const D = (op: number, rt: number, ra: number, d: number) => ((op << 26) | (rt << 21) | (ra << 16) | (d & 0xffff)) >>> 0;
const X = (xo: number, rt: number, ra: number, rb: number, rc = 0) => ((31 << 26) | (rt << 21) | (ra << 16) | (rb << 11) | (xo << 1) | rc) >>> 0;

/** [weight, encoder(rt, ra, rb, disp)] — roughly what compiled Power code's memory accesses look like. */
const MIX: Array<[number, (rt: number, ra: number, rb: number, d: number) => number]> = [
  [15, (t, a, _b, d) => D(32, t, a, d)], // lwz
  [10, (t, a, _b, d) => D(36, t, a, d)], // stw
  [15, (t, a, _b, d) => D(58, t, a, d & ~3)], // ld
  [12, (t, a, _b, d) => D(62, t, a, d & ~3)], // std
  [5, (t, a, _b, d) => D(34, t, a, d)], // lbz
  [4, (t, a, _b, d) => D(38, t, a, d)], // stb
  [3, (t, a, _b, d) => D(40, t, a, d)], // lhz
  [2, (t, a, _b, d) => D(44, t, a, d)], // sth
  [4, (t, a, b) => X(23, t, a, b)], // lwzx
  [2, (t, a, b) => X(151, t, a, b)], // stwx
  [4, (t, a, b) => X(21, t, a, b)], // ldx
  [2, (t, a, b) => X(149, t, a, b)], // stdx
  [4, (t, a, _b, d) => D(50, t, a, d)], // lfd
  [3, (t, a, _b, d) => D(54, t, a, d)], // stfd
  [2, (t, _a, _b, d) => D(62, t, 1, (d & ~3) | 1)], // stdu r,d(r1)
  [1, (t, _a, _b, d) => D(37, t, 1, d)], // stwu
  [1, (t, a, b) => X(20, t, a, b)], // lwarx
  [1, (t, a, b) => X(150, t, a, b, 1)], // stwcx.
  [1, (t, a, b) => X(84, t, a, b)], // ldarx
  [1, (t, a, b) => X(214, t, a, b, 1)], // stdcx.
  [2, (t, a, b) => X(844, t, a, b, 1)], // lxvd2x
  [1, (t, a, b) => X(972, t, a, b, 1)], // stxvd2x
  [2, (t, a, _b, d) => ((61 << 26) | (t << 21) | (a << 16) | (d & 0xfff0) | 1) >>> 0], // lxv
  [1, (t, a, b) => X(534, t, a, b)], // lwbrx
  [1, (t, a, b) => X(790, t, a, b)], // lhbrx
  [1, (_t, a, b) => X(1014, 0, a, b)], // dcbz
];

/** `count` words of the mix (no prefixed forms: Capstone has none). */
export function ppcLoadStoreMix(count: number, seed = 0x0dec0de): number[] {
  const next = rng(seed);
  const total = MIX.reduce((sum, [weight]) => sum + weight, 0);
  const words: number[] = [];
  while (words.length < count) {
    let pick = next() % total;
    const entry = MIX.find(([weight]) => (pick -= weight) < 0)!;
    const reg = () => 1 + (next() % 30);
    words.push(entry[1](reg(), reg(), reg(), (next() % 4096) * 8 - 16384));
  }
  return words;
}

/** The mix with every tenth instruction a Power10 prefixed one (pld/pstd/plwz, some PC-relative). */
export function ppcPrefixedMix(count: number): number[] {
  const base = ppcLoadStoreMix(count);
  const out: number[] = [];
  for (let i = 0; out.length < count; i++) {
    if (i % 10 === 9 && out.length + 2 <= count) {
      const pcRelative = i % 20 === 19;
      out.push((0x0400_0000 | (pcRelative ? 1 << 20 : 0) | (i & 0x3ffff)) >>> 0, ((57 << 26) | (3 << 21) | (pcRelative ? 0 : 1 << 16) | 8) >>> 0);
    } else out.push(base[i % count]!);
  }
  return out;
}

export async function benchDecodePpcRows(): Promise<Array<BenchRow & { value: number }>> {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  const core = machine.attach(0);
  const exports = core.instance.exports as unknown as DecodeExports;
  const mode = Number(exports.PPC_MODE_64.value);
  const out = core.record + core.map.REC_DECODE;
  const place = (words: number[]) => {
    const at = machine.allocateBacking(words.length * 4);
    const view = new DataView(machine.memory.buffer, machine.layout.arenaBase + at, words.length * 4);
    words.forEach((word, i) => view.setUint32(i * 4, word, true)); // host order: the core reads u32 little-endian
    return machine.layout.arenaBase + at;
  };
  const mix = ppcLoadStoreMix(WORDS);
  const mixAt = place(mix);
  const prefixedAt = place(ppcPrefixedMix(WORDS));

  // Capstone decodes the same words as big-endian bytes in one call per batch.
  const require = createRequire(import.meta.url);
  const MCapstone = require('@alexaltea/capstone-js') as () => Promise<CapstoneModule>;
  const cs = await MCapstone();
  const capstone = new cs.Capstone(cs.ARCH_PPC, cs.MODE_64 | cs.MODE_BIG_ENDIAN);
  const bytes = new Uint8Array(WORDS * 4);
  mix.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, false));
  const decoded = capstone.disasm(bytes, 0);
  if (decoded.length !== WORDS) throw new Error(`Capstone decoded ${decoded.length} of ${WORDS} words`);

  const cases: BenchCase[] = [
    { name: 'memslot-emu decodePpc (Wasm loop)', itemsPerCall: WORDS, unit: 'words', run: () => exports.benchDecodePpc(mixAt, WORDS, mode, out) },
    { name: 'memslot-emu decodePpc, 10% prefixed', itemsPerCall: WORDS, unit: 'words', run: () => exports.benchDecodePpc(prefixedAt, WORDS, mode, out) },
    {
      name: 'memslot-emu decodePpc (one JS call per word)', itemsPerCall: WORDS, unit: 'words',
      run: () => { let sum = 0; for (const word of mix) sum += exports.decodePpc(word, 0, mode, out); return sum; },
    },
    {
      name: 'Capstone (mnemonic + op_str)', itemsPerCall: WORDS, unit: 'words',
      run: () => { let length = 0; for (const insn of capstone.disasm(bytes, 0)) length += insn.mnemonic.length + insn.op_str.length; return length; },
    },
  ];
  const rows = await runSuite('decode-ppc', cases);
  capstone.close();
  return rows.map((row) => ({ ...row, value: row.perSecond }));
}

interface CapstoneModule {
  ARCH_PPC: number;
  MODE_64: number;
  MODE_BIG_ENDIAN: number;
  Capstone: new (arch: number, mode: number) => {
    disasm(bytes: Uint8Array, address: number): Array<{ mnemonic: string; op_str: string }>;
    close(): void;
  };
}

if (isMain(import.meta.url)) {
  const rows = await benchDecodePpcRows();
  console.log(`\nPowerPC decode — ${machineLine()}\n`);
  console.log(rowsTable(rows, 'Capstone (mnemonic + op_str)'));
  const ours = rows.find((row) => row.name.startsWith('memslot-emu decodePpc (Wasm'))!;
  const capstone = rows.find((row) => row.name.startsWith('Capstone'))!;
  console.log(`decodePpc / Capstone: ${(ours.perSecond / capstone.perSecond).toFixed(1)}x (targets: 100M words/s, 200x Capstone; ours ${(ours.perSecond / 1e6).toFixed(1)}M)`);
}
