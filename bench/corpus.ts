// The C corpus as a benchmark: guest instructions per second for every program under
// guests/build/<target>/, interpreted and with compiled loops (Machine jit), each run on a
// fresh machine; interpreted again on one machine per program reset before each run
// (Machine.reset, the "reused machine" columns); beside
// Unicorn 2 running the same ELF end to end (bench/peers/unicorn_elf_peer.py) in the
// same run. Programs that do not reach their "passed" report are listed, not timed.
//
//   node dist/bench/corpus.js [runs]      (default CORPUS_RUNS runs per program and engine)

import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { loadElf, runLoaded, ramBackingBytes, describeExit, type ElfRunResult, type Machine } from '../src/index.js';
import { createElfMachine } from '../src/guest/run.js';
import { formatTable } from '../src/report/table.js';
import { isMain, machineLine } from './common.js';

const BUILD = fileURLToPath(new URL('../../guests/build/', import.meta.url));
const PEER = fileURLToPath(new URL('../../bench/peers/unicorn_elf_peer.py', import.meta.url));
const BUDGET = 200_000_000;
const SPARSE = { sparseRam: true };
/** Runs per program and engine (each from a fresh machine), of which the bench prints medians. */
export const CORPUS_RUNS = 5;

/** Medians over the runs: the run loop alone, and create + load + run. */
export interface Timing {
  runSeconds: number;
  endToEndSeconds: number;
}

export interface CorpusRow {
  target: string;
  file: string;
  /** 'passed', or how our run ended instead (then nothing is timed). */
  outcome: string;
  instructions: number;
  interpreted?: Timing;
  compiled?: Timing;
  /** Interpreted on a reused machine: reset + load + run end to end (the machine made once, outside the timing). */
  reused?: Timing;
  /** Unicorn's medians, or why it has none (its own failure, or the peer skipped). */
  unicorn?: Timing | string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** 'passed', or how the run ended instead (as test/elf-corpus.test.ts words it). */
function outcome(result: ElfRunResult): string {
  const passed = result.reports.some((report) => report.name === 'passed' && report.value > 0n);
  if (result.exit.reason === 'done' && result.exit.status === 0n && passed) return 'passed';
  return describeExit(result.exit);
}

/** One fresh machine as runElf makes it (RAM at the loader's default range, as Unicorn's peer maps it, 16 MiB, backed sparsely), load and run: the result and its end-to-end seconds. */
async function runOnce(bytes: Uint8Array, jit: boolean): Promise<{ result: ElfRunResult; endToEnd: number }> {
  const started = performance.now();
  const machine = await createElfMachine(ramBackingBytes(bytes, SPARSE), jit);
  const loaded = loadElf(machine, bytes, SPARSE);
  const result = runLoaded(machine, loaded, { budget: BUDGET });
  return { result, endToEnd: (performance.now() - started) / 1000 };
}

/** The same on `machine`, reset first: the result and its end-to-end seconds (reset + load + run). */
async function runReused(bytes: Uint8Array, machine: Machine): Promise<{ result: ElfRunResult; endToEnd: number }> {
  // As createElfMachine does before a machine: the event loop turns between runs.
  await new Promise((resolve) => setImmediate(resolve));
  const started = performance.now();
  machine.reset();
  const loaded = loadElf(machine, bytes, SPARSE);
  const result = runLoaded(machine, loaded, { budget: BUDGET });
  return { result, endToEnd: (performance.now() - started) / 1000 };
}

/** `runs` runs on fresh machines (jit or not), or with `reuse` on that one machine, reset before each. */
async function timed(bytes: Uint8Array, jit: boolean, runs: number, instructions: number, reuse?: Machine): Promise<Timing | string> {
  const run: number[] = [];
  const endToEnd: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { result, endToEnd: seconds } = reuse ? await runReused(bytes, reuse) : await runOnce(bytes, jit);
    const got = outcome(result);
    if (got !== 'passed' || result.instructions !== instructions) return `${got}, ${result.instructions} instructions`;
    run.push(result.seconds);
    endToEnd.push(seconds);
  }
  return { runSeconds: median(run), endToEndSeconds: median(endToEnd) };
}

/** Every corpus ELF, `runs` times under each engine. */
export async function corpusRows(runs = CORPUS_RUNS): Promise<{ rows: CorpusRow[]; peerSkipped?: string }> {
  const targets = existsSync(BUILD) ? readdirSync(BUILD).filter((name) => !name.includes('.')).sort() : [];
  const rows: CorpusRow[] = [];
  const programs: Array<{ key: string; arch: string; path: string; registers: Record<string, string> }> = [];
  for (const target of targets) {
    for (const file of readdirSync(`${BUILD}/${target}`).filter((name) => name.endsWith('.elf')).sort()) {
      const path = `${BUILD}/${target}/${file}`;
      const bytes = new Uint8Array(readFileSync(path));
      const { result } = await runOnce(bytes, false);
      const row: CorpusRow = { target, file, outcome: outcome(result), instructions: result.instructions };
      rows.push(row);
      if (row.outcome !== 'passed') continue;
      for (const jit of [false, true]) {
        const timing = await timed(bytes, jit, runs, result.instructions);
        if (typeof timing === 'string') throw new Error(`${target}/${file} ran differently a second time${jit ? ' with compiled loops' : ''}: ${timing}`);
        if (jit) row.compiled = timing;
        else row.interpreted = timing;
      }
      // The machine's first run (a fresh machine's) is not timed: the runs after a reset are.
      const machine = await createElfMachine(ramBackingBytes(bytes, SPARSE));
      await runReused(bytes, machine);
      const reused = await timed(bytes, false, runs, result.instructions, machine);
      if (typeof reused === 'string') throw new Error(`${target}/${file} ran differently on a reused machine: ${reused}`);
      row.reused = reused;
      const entry = loadElf(await createElfMachine(), bytes);
      const registers = Object.fromEntries(Object.entries(entry.registers).map(([name, value]) => [name, `0x${value.toString(16)}`]));
      programs.push({ key: `${target}/${file}`, arch: entry.arch, path, registers });
    }
  }
  const peer = unicornRuns(programs, runs);
  if (typeof peer === 'string') return { rows, peerSkipped: peer };
  for (const row of rows) {
    const theirs = peer[`${row.target}/${row.file}`];
    if (!theirs) continue;
    row.unicorn = theirs.outcome === 'passed'
      ? { runSeconds: median(theirs.runSeconds), endToEndSeconds: median(theirs.seconds) }
      : `Unicorn: ${theirs.outcome}`;
  }
  return { rows };
}

type PeerAnswer = Record<string, { outcome: string; seconds: number[]; runSeconds: number[] }>;

/** The peer's answers, or why there are none. */
function unicornRuns(programs: object[], runs: number): PeerAnswer | string {
  const python = process.env.MEMSLOT_PYTHON ?? '/usr/bin/python3';
  const run = spawnSync(python, [PEER], { input: JSON.stringify({ runs, programs }), encoding: 'utf8', maxBuffer: 1 << 26, timeout: 1_800_000 });
  if (run.error) return `Unicorn 2 peer skipped: cannot run ${python} (${run.error.message})`;
  if (run.status !== 0) return `Unicorn 2 peer skipped: the harness failed (${run.stderr.trim().split('\n').pop()})`;
  const answer = JSON.parse(run.stdout) as PeerAnswer | { skipped: string };
  return 'skipped' in answer ? `Unicorn 2 peer skipped: ${answer.skipped}` : answer as PeerAnswer;
}

const rate = (instructions: number, seconds: number | undefined) => (seconds === undefined ? NaN : instructions / seconds);
const mips = (perSecond: number) => (Number.isNaN(perSecond) ? '-' : (perSecond / 1e6).toFixed(1));
const timingOf = (timing: CorpusRow['unicorn']) => (typeof timing === 'object' ? timing : undefined);

/**
 * Per program: M instructions/s of the run loop (ours interpreted, compiled; Unicorn's
 * emu_start) and end to end, each from a fresh machine; then ours interpreted on a reused
 * machine (run loop, and reset + load + run); the last column says why a program is not timed.
 */
export function corpusTable(rows: CorpusRow[]): string {
  return formatTable(
    ['program', 'instructions', 'interp M/s', 'compiled M/s', 'Unicorn run M/s', 'interp e2e M/s', 'Unicorn e2e M/s', 'e2e: Unicorn s / ours s', 'reused machine: interp M/s', 'reused machine: e2e M/s'],
    rows.map((row) => {
      if (row.outcome !== 'passed') return [`${row.target}/${row.file}`, String(row.instructions), '-', '-', '-', '-', '-', `not timed: ${row.outcome}`, '-', '-'];
      const unicorn = timingOf(row.unicorn);
      const e2eRatio = unicorn && row.interpreted ? (unicorn.endToEndSeconds / row.interpreted.endToEndSeconds).toFixed(1) : (typeof row.unicorn === 'string' ? row.unicorn : '-');
      return [
        `${row.target}/${row.file}`, String(row.instructions),
        mips(rate(row.instructions, row.interpreted?.runSeconds)), mips(rate(row.instructions, row.compiled?.runSeconds)),
        mips(rate(row.instructions, unicorn?.runSeconds)),
        mips(rate(row.instructions, row.interpreted?.endToEndSeconds)), mips(rate(row.instructions, unicorn?.endToEndSeconds)), e2eRatio,
        mips(rate(row.instructions, row.reused?.runSeconds)), mips(rate(row.instructions, row.reused?.endToEndSeconds)),
      ];
    }),
  );
}

/** Per target and for the whole corpus: the median program's rates (passing programs only). */
export function corpusMedians(rows: CorpusRow[]): string {
  const groups = new Map<string, CorpusRow[]>();
  for (const row of rows) groups.set(row.target, [...(groups.get(row.target) ?? []), row]);
  groups.set('corpus', rows);
  return formatTable(
    ['target', 'passed', 'interp M/s', 'compiled M/s', 'Unicorn run M/s', 'interp e2e M/s', 'Unicorn e2e M/s', 'e2e: Unicorn s / ours s', 'reused machine: interp M/s', 'reused machine: e2e M/s'],
    [...groups].map(([target, group]) => {
      const timed = group.filter((row) => row.interpreted);
      const pick = (of: (row: CorpusRow) => number) => {
        const values = timed.map(of).filter((value) => !Number.isNaN(value));
        return values.length === 0 ? NaN : median(values);
      };
      return [
        target, `${timed.length}/${group.length}`,
        mips(pick((row) => rate(row.instructions, row.interpreted?.runSeconds))),
        mips(pick((row) => rate(row.instructions, row.compiled?.runSeconds))),
        mips(pick((row) => rate(row.instructions, timingOf(row.unicorn)?.runSeconds))),
        mips(pick((row) => rate(row.instructions, row.interpreted?.endToEndSeconds))),
        mips(pick((row) => rate(row.instructions, timingOf(row.unicorn)?.endToEndSeconds))),
        pick((row) => {
          const unicorn = timingOf(row.unicorn);
          return unicorn && row.interpreted ? unicorn.endToEndSeconds / row.interpreted.endToEndSeconds : NaN;
        }).toFixed(1),
        mips(pick((row) => rate(row.instructions, row.reused?.runSeconds))),
        mips(pick((row) => rate(row.instructions, row.reused?.endToEndSeconds))),
      ];
    }),
  );
}

if (isMain(import.meta.url)) {
  const runs = Number(process.argv[2] ?? CORPUS_RUNS);
  if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`runs must be a positive integer, got ${process.argv[2]}`);
  const { rows, peerSkipped } = await corpusRows(runs);
  console.log(`C corpus, guest instructions/s (medians of ${runs} runs; "reused machine": one machine per program, reset before each run) — ${machineLine()}\n`);
  console.log(corpusTable(rows));
  console.log(corpusMedians(rows));
  if (peerSkipped) console.log(peerSkipped);
}
