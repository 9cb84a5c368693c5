// Result rows → grid points. A point is one coordinate of the grid (scenario, arch,
// mode, strategy, invalidation model, vCPU count, update rate, safe-point spacing,
// slot count, any other field of a sweep row's `grid` and every `settings` field but
// the repeat count). Its runs are the rows that differ only in their `repeat` index,
// or the runs a row keeps under `repeat.runs` (--repeat N), or both; the report shows
// the median over one point's runs — never over different points.

import type { Percentiles } from '../sync/run.js';
import { STRATEGIES } from '../sync/strategies.js';
import type { RunMeta } from './meta.js';

/** A row as compare --json or sweep writes it; only what the report reads. */
export interface ReportRow {
  scenario: string;
  arch: string;
  strategy: string;
  invalidation: string;
  vcpus: number;
  updates: number;
  updateUs: Percentiles;
  /** Absent in compare --json rows. */
  updateHistogram?: number[];
  accessesPerSec: number;
  stallUs: Percentiles;
  holes: number;
  stale: number;
  lost: number;
  mode?: string;
  seed?: number;
  /** A sweep row's grid point; `rate: null` is back to back (JSON has no Infinity). */
  grid?: object;
  /** A sweep row's settings besides the grid point (duration, seed, updates, policy, devices, repeat). */
  settings?: object;
  /** Which run of its point the row is, or (--repeat N) the row's own runs, its figures being their medians. */
  repeat?: number | { count: number; runs: RunFigures[] };
  /** Set on a single run a sweep saved before the row that merges it: not a result row. */
  partial?: number;
  meta?: RunMeta;
}

/** What one run measured. */
export type RunFigures = Pick<ReportRow, 'updates' | 'updateUs' | 'accessesPerSec' | 'stallUs' | 'holes' | 'stale' | 'lost'>;

/** A coordinate's value: `order` sorts, `label` prints. */
export interface Coordinate { order: number; label: string }

export interface GridPointRows {
  key: string;
  /** Dimension name → its value at this point. */
  at: Record<string, Coordinate>;
  /** The rows of this point (their histograms and meta records). */
  rows: ReportRow[];
  /** Every run of this point: medians are taken over these. */
  runs: RunFigures[];
}

/** A dimension of the grid: its name and how a facet title says a value. */
export interface Dimension { name: string; title: (label: string) => string }

const NUMERIC_FIELDS = ['vcpus', 'updates', 'accessesPerSec', 'holes', 'stale', 'lost'] as const;
const STRING_FIELDS = ['scenario', 'arch', 'strategy', 'invalidation'] as const;

/** Throws a clear error naming the first row (1-based) that is not a result row. */
export function checkRows(rows: readonly unknown[]): asserts rows is ReportRow[] {
  rows.forEach((row, index) => {
    const bad = (what: string) => new Error(`row ${index + 1} is not a result row: ${what}`);
    if (typeof row !== 'object' || row === null) throw bad('not a JSON object');
    const fields = row as Record<string, unknown>;
    for (const name of STRING_FIELDS) if (typeof fields[name] !== 'string') throw bad(`no "${name}"`);
    for (const name of NUMERIC_FIELDS) if (typeof fields[name] !== 'number') throw bad(`no numeric "${name}"`);
    for (const name of ['updateUs', 'stallUs']) {
      const p = fields[name] as Record<string, unknown> | undefined;
      if (typeof p?.p50 !== 'number' || typeof p.p99 !== 'number') throw bad(`no "${name}" percentiles`);
    }
  });
}

/** The median; the mean of the two middle values when the count is even. NaN for none. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  if (sorted.length === 0) return NaN;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Formats a rate: 0, 1000, 1.5k …; back to back for null or Infinity; "not recorded" when unknown. */
function rateCoordinate(rate: unknown): Coordinate {
  if (rate === null || rate === Infinity) return { order: Number.MAX_VALUE, label: 'back-to-back' };
  if (typeof rate !== 'number') return { order: -1, label: 'not recorded' };
  return { order: rate, label: formatCount(rate) };
}

/** Numbers in every table and chart: up to 3 significant digits, with k/M/G from 1000 on (8.19k, 15k). */
export function formatCount(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  for (const [scale, suffix] of [[1e9, 'G'], [1e6, 'M'], [1e3, 'k']] as const) {
    if (abs >= scale * 0.9995) return `${+(value / scale).toPrecision(3)}${suffix}`;
  }
  return `${+value.toPrecision(3)}`;
}

const DIMENSIONS: Record<string, Dimension> = {
  scenario: { name: 'scenario', title: (v) => v },
  arch: { name: 'arch', title: (v) => v },
  mode: { name: 'mode', title: (v) => v },
  strategy: { name: 'strategy', title: (v) => v },
  invalidation: { name: 'invalidation', title: (v) => `${v} model` },
  vcpus: { name: 'vcpus', title: (v) => `${v} vCPU${v === '1' ? '' : 's'}` },
  rate: { name: 'rate', title: (v) => (v === 'back-to-back' ? v : v === 'not recorded' ? `rate ${v}` : `${v} updates/s`) },
  safepoint: { name: 'safepoint', title: (v) => `safe point every ${v}` },
  slots: { name: 'slots', title: (v) => `${v} slots` },
  duration: { name: 'duration', title: (v) => `${v} s per run` },
  seed: { name: 'seed', title: (v) => `seed ${v}` },
  updates: { name: 'updates', title: (v) => `${v} updates per run` },
  invalidPolicy: { name: 'invalidPolicy', title: (v) => `INVALID slots: ${v}` },
  devices: { name: 'devices', title: (v) => `devices ${v}` },
};

/** A dimension by name (any other grid field prints as "name value"). */
export function dimension(name: string): Dimension {
  return DIMENSIONS[name] ?? { name, title: (v) => `${name} ${v}` };
}

/** Strategies sort as STRATEGIES lists them, unknown ones after. */
function strategyOrder(name: string): number {
  const index = (STRATEGIES as readonly string[]).indexOf(name);
  return index < 0 ? STRATEGIES.length : index;
}

/** The point a row measured. */
function coordinatesOf(row: ReportRow): Record<string, Coordinate> {
  const text = (label: string): Coordinate => ({ order: 0, label });
  const number = (value: unknown): Coordinate =>
    typeof value === 'number' ? { order: value, label: String(value) } : { order: -1, label: 'not recorded' };
  const grid = (row.grid ?? {}) as Record<string, unknown>;
  const at: Record<string, Coordinate> = {
    scenario: text(row.scenario), arch: text(row.arch), mode: text(row.mode ?? 'not recorded'),
    strategy: { order: strategyOrder(row.strategy), label: row.strategy }, invalidation: text(row.invalidation), vcpus: number(row.vcpus),
    rate: rateCoordinate('rate' in grid ? grid.rate : row.meta && 'rate' in row.meta ? row.meta.rate : undefined),
    safepoint: number(grid.safepoint ?? row.meta?.safepoint), slots: number(grid.slots ?? row.meta?.slots),
  };
  const settings = (row.settings ?? {}) as Record<string, unknown>;
  for (const [name, value] of [...Object.entries(grid), ...Object.entries(settings)]) {
    if (name in at || name === 'repeat') continue;
    at[name] = typeof value === 'number' ? number(value) : text(typeof value === 'string' ? value : JSON.stringify(value));
  }
  return at;
}

/** A row's runs: those it keeps under `repeat.runs`, else the row itself. */
function runsOf(row: ReportRow): RunFigures[] {
  const { repeat } = row;
  if (typeof repeat === 'object' && repeat !== null && Array.isArray(repeat.runs) && repeat.runs.length > 0) {
    return repeat.runs.map((run) => ({ ...row, ...run }));
  }
  return [row];
}

/** Groups rows into grid points (repeats together), in the order their first rows came. */
export function gridPoints(rows: readonly ReportRow[]): GridPointRows[] {
  const coordinates = rows.map(coordinatesOf);
  // A dimension some rows lack (older rows beside newer ones) is "not recorded" there.
  const names = new Set(coordinates.flatMap((at) => Object.keys(at)));
  const points = new Map<string, GridPointRows>();
  rows.forEach((row, i) => {
    const at = coordinates[i]!;
    for (const name of names) at[name] ??= { order: -1, label: 'not recorded' };
    const key = JSON.stringify(Object.entries(at).map(([name, c]) => [name, c.label]).sort());
    const point = points.get(key) ?? points.set(key, { key, at, rows: [], runs: [] }).get(key)!;
    point.rows.push(row);
    point.runs.push(...runsOf(row));
  });
  return [...points.values()];
}

/** Each dimension's values, sorted, over these points. */
export function dimensionValues(points: readonly GridPointRows[]): Map<string, Coordinate[]> {
  const values = new Map<string, Map<string, Coordinate>>();
  for (const point of points) {
    for (const [name, c] of Object.entries(point.at)) {
      if (!values.has(name)) values.set(name, new Map());
      values.get(name)!.set(c.label, c);
    }
  }
  return new Map([...values].map(([name, own]) => [name, sortCoordinates([...own.values()])]));
}

export function sortCoordinates(values: Coordinate[]): Coordinate[] {
  return values.sort((a, b) => a.order - b.order || a.label.localeCompare(b.label));
}

/** The median of `pick` over a point's runs that applied updates (latencies of a run without updates mean nothing). */
export function medianOverUpdating(point: GridPointRows, pick: (run: RunFigures) => number): number | undefined {
  const own = point.runs.filter((run) => run.updates > 0);
  return own.length === 0 ? undefined : median(own.map(pick));
}

/** The median of `pick` over all of a point's runs. */
export function medianOver(point: GridPointRows, pick: (run: RunFigures) => number): number {
  return median(point.runs.map(pick));
}
