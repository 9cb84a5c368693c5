// sweep(): compare over a grid (strategies × invalidation models × vCPU counts ×
// update rates × safe-point spacings × slot counts), one JSON line per row appended
// to a file as each finishes, so an interrupted sweep resumes where it stopped: rows
// the file already holds for the same grid point and the same settings (mode,
// duration, seed, updates, policy, devices, repeat) are not run again. A shard runs
// every N-th point only, so that N machines share a grid.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { EmuError, texts } from './errors.js';
import { mergeRuns, resolveCompare, type CompareOptions, type ComparedRow } from './compare.js';
import { runRow, type InvalidationModel, type Row } from './sync/run.js';
import type { StrategyName } from './sync/strategies.js';
import type { InvalidPolicy } from './sync/vcpu-loop.js';
import type { ScenarioArch } from './scenarios/guest.js';
import { MOVING_SLOTS, type ScenarioName } from './scenarios/index.js';
import type { RunMeta } from './report/meta.js';

export interface SweepOptions extends Omit<CompareOptions, 'vcpus' | 'rate' | 'safepoint' | 'slots' | 'guest' | 'onProgress' | 'onRow'> {
  vcpus?: readonly number[];
  rates?: readonly number[];
  safepoints?: readonly number[];
  slots?: readonly number[];
  /** Run only part `index` (from 1) of `count` disjoint parts of the grid: every count-th point. */
  shard?: Shard;
  /** Written into every row as `meta` (see report/meta.ts); not a setting: it never keys a row. */
  meta?: RunMeta;
}

export interface Shard {
  index: number;
  count: number;
}

export interface GridPoint {
  strategy: StrategyName;
  invalidation: InvalidationModel;
  vcpus: number;
  rate: number;
  safepoint: number;
  slots: number;
}

/** Every option besides the grid point that changes a row (each mode's own only). */
export interface RowSettings {
  mode: 'threads' | 'deterministic';
  /** Threads: seconds per run. */
  duration?: number;
  /** Deterministic: the scheduler's seed and the updates per run. */
  seed?: number;
  updates?: number;
  invalidPolicy: InvalidPolicy;
  devices: string[];
  repeat: number;
}

/** A row as a sweep writes it: the comparison row, the grid point it measured and its settings. */
export type SweepRow = ComparedRow & { grid: GridPoint; settings: RowSettings; meta?: RunMeta };

/** One run of a row with repeat > 1, saved as it ends (an interrupt keeps it); `partial` is its number from 1. Not a result row. */
type PartialRun = Row & { grid: GridPoint; settings: RowSettings; partial: number };

/** The options compare() checks (scenario, arch, strategies, models, …), without the grid's lists. */
function compareOptionsOf(options: SweepOptions): CompareOptions {
  const { vcpus: _vcpus, rates: _rates, safepoints: _safepoints, slots: _slots, shard: _shard, meta: _meta, ...rest } = options;
  return rest;
}

/** The whole grid, every shard's points. */
export function gridOf(options: SweepOptions): GridPoint[] {
  const { strategies, models } = resolveCompare(compareOptionsOf(options));
  const list = (name: string, values: readonly number[] | undefined, fallback: number, valid: (n: number) => boolean) => {
    const chosen = values && values.length > 0 ? values : [fallback];
    const bad = chosen.find((n) => !valid(n));
    if (bad !== undefined) throw new EmuError('EINVAL', texts.badOption(name, `${bad} is not allowed`));
    return chosen;
  };
  const counts = list('vcpus', options.vcpus, 2, (n) => Number.isInteger(n) && n >= 1 && n <= 64);
  const rates = list('rates', options.rates, 1000, (n) => n >= 0);
  const safepoints = list('safepoints', options.safepoints, 64, (n) => Number.isInteger(n) && n >= 1);
  const slots = list('slots', options.slots, 10, (n) => Number.isInteger(n) && n >= MOVING_SLOTS.min && n <= MOVING_SLOTS.max);
  const grid: GridPoint[] = [];
  for (const strategy of strategies) for (const invalidation of models) for (const vcpus of counts)
    for (const rate of rates) for (const safepoint of safepoints) for (const slot of slots) {
      grid.push({ strategy, invalidation, vcpus, rate, safepoint, slots: slot });
    }
  return grid;
}

/** Parses "K/N" (1 <= K <= N); throws EmuError EINVAL otherwise. */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim());
  const shard = match ? { index: Number(match[1]), count: Number(match[2]) } : undefined;
  if (!shard || !isShard(shard)) throw new EmuError('EINVAL', texts.badOption('shard', `"${text}" is not K/N with 1 <= K <= N (e.g. 3/8)`));
  return shard;
}

function isShard({ index, count }: Shard): boolean {
  return Number.isInteger(index) && Number.isInteger(count) && index >= 1 && index <= count && count <= 1_000_000;
}

/** The grid points of `shard` (all without one): the index-th, then every count-th after it. */
export function shardOf(grid: readonly GridPoint[], shard?: Shard): GridPoint[] {
  if (!shard) return [...grid];
  if (!isShard(shard)) throw new EmuError('EINVAL', texts.badOption('shard', `${shard.index}/${shard.count} is not K/N with 1 <= K <= N`));
  return grid.filter((_, position) => position % shard.count === shard.index - 1);
}

export function settingsOf(options: SweepOptions): RowSettings {
  const shared = { invalidPolicy: options.invalidPolicy ?? 'exit', devices: [...(options.devices ?? [])], repeat: options.repeat ?? 1 };
  return options.deterministic
    ? { mode: 'deterministic', seed: options.seed ?? 1, updates: options.updates ?? 200, ...shared }
    : { mode: 'threads', duration: options.duration ?? 1, ...shared };
}

/** Where a row was measured: scenario, arch and grid point. */
function pointKey(row: { scenario: string; arch: string; grid: GridPoint }): string {
  const { strategy, invalidation, vcpus, rate, safepoint, slots } = row.grid;
  return JSON.stringify([row.scenario, row.arch, strategy, invalidation, vcpus, rate, safepoint, slots]);
}

/** The identity of a row: where it was measured and with which settings. */
export function rowKey(row: { scenario: string; arch: string; grid: GridPoint; settings?: RowSettings }): string {
  return `${pointKey(row)} ${canonical(row.settings)}`;
}

function canonical(settings: RowSettings | undefined): string {
  if (!settings) return 'none';
  return JSON.stringify(Object.fromEntries(Object.entries(settings).sort(([a], [b]) => a.localeCompare(b))));
}

/** Every parsed line of a results file (lines that do not parse are ignored: an interrupted write). */
function readLines(file: string): (SweepRow | PartialRun)[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as SweepRow | PartialRun];
    } catch {
      return [];
    }
  });
}

const isPartial = (line: SweepRow | PartialRun): line is PartialRun => 'partial' in line;

/** The result rows a file holds (a repeated row's single runs left out). */
export function readRows(file: string): SweepRow[] {
  return readLines(file).filter((line): line is SweepRow => !isPartial(line));
}

export interface SweepPlan {
  scenario: ScenarioName;
  arch: ScenarioArch;
  settings: RowSettings;
  /** This shard's grid points. */
  points: GridPoint[];
  /** The points still to run, each with the runs the file already holds (repeat > 1). */
  todo: { point: GridPoint; runs: Row[] }[];
  /** Rows in the file for this shard's points but with other settings: not reused. How many, and how their settings differ. */
  foreign: { rows: number; differences: string[] };
}

/** What sweep() would run, given the options and what `file` holds. */
export function planSweep(options: SweepOptions, file: string): SweepPlan {
  const { scenario, arch } = resolveCompare(compareOptionsOf(options));
  const settings = settingsOf(options);
  const points = shardOf(gridOf(options), options.shard);
  const lines = readLines(file).filter((line) => line.grid !== undefined);
  const complete = new Set(lines.filter((line) => !isPartial(line)).map(rowKey));
  const partial = new Map<string, Row[]>();
  for (const line of lines.filter(isPartial)) {
    const { partial: _partial, grid: _grid, settings: _settings, ...run } = line;
    partial.set(rowKey(line), [...(partial.get(rowKey(line)) ?? []), run]);
  }
  const keyOf = (point: GridPoint) => rowKey({ scenario, arch, grid: point, settings });
  const todo = points.filter((point) => !complete.has(keyOf(point)))
    .map((point) => ({ point, runs: (partial.get(keyOf(point)) ?? []).slice(0, settings.repeat) }));
  const ours = new Set(points.map(keyOf));
  const here = new Set(points.map((point) => pointKey({ scenario, arch, grid: point })));
  const others = lines.filter((line) => !isPartial(line) && here.has(pointKey(line)) && !ours.has(rowKey(line)));
  const differences = new Set(others.map((line) => describeDifference(line.settings, settings)));
  return { scenario, arch, settings, points, todo, foreign: { rows: others.length, differences: [...differences] } };
}

function describeDifference(theirs: RowSettings | undefined, ours: RowSettings): string {
  if (!theirs) return 'written without their settings (by an older version)';
  const names = [...new Set([...Object.keys(theirs), ...Object.keys(ours)])] as (keyof RowSettings)[];
  const show = (value: unknown) => (value === undefined ? 'unset' : JSON.stringify(value));
  return names.filter((name) => show(theirs[name]) !== show(ours[name]))
    .map((name) => `${name} ${show(theirs[name])} (now ${show(ours[name])})`).join(', ');
}

export interface SweepProgress {
  /** Runs done (rows × repeat), the file's included, and in all in this shard. */
  done: number;
  total: number;
  /** Runs the file already held. */
  skipped: number;
  /** Seconds the remaining runs should take, from the ones run so far. */
  etaSeconds: number;
  /** The run in progress and its fraction done (absent once all are done). */
  running?: { point: GridPoint; run: number; fraction: number };
}

/**
 * Runs the shard's missing rows, appending each to `file`; returns the rows it ran. With
 * repeat > 1 the runs are interleaved (every row once, then again), each run is saved as
 * it ends, and a row's line (medians, the spread, every run) follows its last run.
 */
export async function sweep(options: SweepOptions, file: string, onProgress?: (progress: SweepProgress) => void): Promise<SweepRow[]> {
  const { scenario, arch, settings, points, todo } = planSweep(options, file);
  // A line torn by an interrupt is left alone; new rows start on a line of their own.
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (existing.length > 0 && !existing.endsWith('\n')) appendFileSync(file, '\n');
  const total = points.length * settings.repeat;
  const skipped = total - todo.reduce((sum, item) => sum + settings.repeat - item.runs.length, 0);
  const ran: SweepRow[] = [];
  let runsDone = 0;
  const started = performance.now();
  const report = (running?: SweepProgress['running']) => {
    const perRun = runsDone > 0 ? (performance.now() - started) / 1000 / runsDone : options.duration ?? 1;
    onProgress?.({ done: skipped + runsDone, total, skipped, etaSeconds: perRun * (total - skipped - runsDone), running });
  };
  for (let run = 1; run <= settings.repeat; run++) {
    for (const item of todo.filter(({ runs }) => runs.length < run)) {
      const { point } = item;
      report({ point, run, fraction: 0 });
      const row = await runRow({
        scenario, arch, strategy: point.strategy, invalidation: point.invalidation, vcpus: point.vcpus, safepoint: point.safepoint,
        seed: options.seed ?? 1, deterministic: options.deterministic ?? false, durationMs: (options.duration ?? 1) * 1000,
        rate: point.rate, updates: options.updates ?? 200, invalidPolicy: settings.invalidPolicy, slots: point.slots,
        deviceModules: settings.devices, progress: (fraction) => report({ point, run, fraction: Math.min(1, fraction) }),
      });
      item.runs.push(row);
      runsDone++;
      // One write per run: an interrupt loses at most the run in flight.
      if (settings.repeat > 1) appendFileSync(file, JSON.stringify({ ...row, grid: point, settings, partial: item.runs.length }) + '\n');
      if (item.runs.length === settings.repeat) {
        const line: SweepRow = { ...mergeRuns(item.runs), grid: point, settings, ...(options.meta && { meta: options.meta }) };
        appendFileSync(file, JSON.stringify(line) + '\n');
        ran.push(line);
      }
    }
  }
  report();
  return ran;
}
