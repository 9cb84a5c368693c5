// sweep(): compare over a grid (strategies × invalidation models × vCPU counts ×
// update rates × safe-point spacings × slot counts), one JSON line per row appended
// to a file as each finishes, so an interrupted sweep resumes where it stopped:
// rows whose grid point the file already holds are not run again.

import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { EmuError, texts } from './errors.js';
import { resolveCompare, type CompareOptions } from './compare.js';
import { runRow, type InvalidationModel, type Row } from './sync/run.js';
import type { StrategyName } from './sync/strategies.js';
import type { RunMeta } from './report/meta.js';

export interface SweepOptions extends Omit<CompareOptions, 'vcpus' | 'rate' | 'safepoint' | 'slots' | 'onProgress'> {
  vcpus?: readonly number[];
  rates?: readonly number[];
  safepoints?: readonly number[];
  slots?: readonly number[];
  /** Written into every row as `meta` (see report/meta.ts). */
  meta?: RunMeta;
}

export interface GridPoint {
  strategy: StrategyName;
  invalidation: InvalidationModel;
  vcpus: number;
  rate: number;
  safepoint: number;
  slots: number;
}

/** A row as a sweep writes it: the comparison row and the grid point it measured. */
export type SweepRow = Row & { grid: GridPoint; meta?: RunMeta };

/** The options compare() checks (scenario, arch, strategies, models, …), without the grid's lists. */
function compareOptionsOf(options: SweepOptions): CompareOptions {
  const { vcpus: _vcpus, rates: _rates, safepoints: _safepoints, slots: _slots, meta: _meta, ...rest } = options;
  return rest;
}

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
  const slots = list('slots', options.slots, 10, (n) => Number.isInteger(n) && n >= 5 && n <= 32763);
  const grid: GridPoint[] = [];
  for (const strategy of strategies) for (const invalidation of models) for (const vcpus of counts)
    for (const rate of rates) for (const safepoint of safepoints) for (const slot of slots) {
      grid.push({ strategy, invalidation, vcpus, rate, safepoint, slots: slot });
    }
  return grid;
}

/** The identity of a row: its scenario, arch, mode and grid point. */
export function rowKey(scenario: string, arch: string, mode: string, grid: GridPoint): string {
  const { strategy, invalidation, vcpus, rate, safepoint, slots } = grid;
  return JSON.stringify([scenario, arch, mode, strategy, invalidation, vcpus, rate, safepoint, slots]);
}

/** Rows a results file already holds (lines that do not parse are ignored: an interrupted write). */
export function readRows(file: string): SweepRow[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as SweepRow];
    } catch {
      return [];
    }
  });
}

export interface SweepProgress {
  done: number;
  total: number;
  /** Rows skipped because the file had them. */
  skipped: number;
  /** Seconds the remaining rows should take, from the ones run so far. */
  etaSeconds: number;
}

/** Runs the grid's missing rows, appending each to `file`; returns the rows it ran. */
export async function sweep(options: SweepOptions, file: string, onProgress?: (progress: SweepProgress) => void): Promise<SweepRow[]> {
  const { scenario, arch } = resolveCompare(compareOptionsOf(options));
  const mode = options.deterministic ? 'deterministic' : 'threads';
  const grid = gridOf(options);
  const done = new Set(readRows(file).map((row) => row.grid && rowKey(row.scenario, row.arch, row.mode, row.grid)));
  // A line torn by an interrupt is left alone; new rows start on a line of their own.
  const existing = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (existing.length > 0 && !existing.endsWith('\n')) appendFileSync(file, '\n');
  const todo = grid.filter((point) => !done.has(rowKey(scenario, arch, mode, point)));
  const skipped = grid.length - todo.length;
  const ran: SweepRow[] = [];
  const started = performance.now();
  const report = () => {
    const perRow = ran.length > 0 ? (performance.now() - started) / 1000 / ran.length : options.duration ?? 1;
    onProgress?.({ done: skipped + ran.length, total: grid.length, skipped, etaSeconds: perRow * (todo.length - ran.length) });
  };
  report();
  for (const point of todo) {
    const row = await runRow({
      scenario, arch, strategy: point.strategy, invalidation: point.invalidation, vcpus: point.vcpus, safepoint: point.safepoint,
      seed: options.seed ?? 1, deterministic: options.deterministic ?? false, durationMs: (options.duration ?? 1) * 1000,
      rate: point.rate, updates: options.updates ?? 200, invalidPolicy: options.invalidPolicy ?? 'exit', slots: point.slots,
      deviceModules: [...(options.devices ?? [])],
    });
    const line: SweepRow = { ...row, grid: point, ...(options.meta && { meta: options.meta }) };
    // One write per row: an interrupt loses at most the row in flight.
    appendFileSync(file, JSON.stringify(line) + '\n');
    ran.push(line);
    report();
  }
  return ran;
}
