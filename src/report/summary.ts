// The report's words: the run's header (command, grid, duration, seed, machine)
// and the table with one line per grid point.

import type { RunMeta } from './meta.js';
import { dimension, dimensionValues, formatCount, median, type GridPointRows, type ReportRow, type RunFigures } from './points.js';

const NOT_RECORDED = 'not recorded (the rows carry no meta record)';

const distinct = <T>(values: T[]): T[] => [...new Set(values)];

/** The header: a title and [name, value] lines. */
export function describeRun(rows: readonly ReportRow[], points: readonly GridPointRows[]): { title: string; lines: Array<[string, string]> } {
  const metas = rows.flatMap((row) => (row.meta ? [row.meta] : []));
  const settings = rows.map((row) => (row.settings ?? {}) as { duration?: number; updates?: number });
  const fromMeta = (pick: (meta: RunMeta) => string) => (metas.length === 0 ? NOT_RECORDED : distinct(metas.map(pick)).join('; '));
  const modes = distinct(rows.map((row) => row.mode ?? 'not recorded'));
  // A sweep row's settings say it, else the meta record.
  const perRun = (mode: string, field: 'duration' | 'updates') => {
    const own = rows.flatMap((row, i) => (row.mode === mode ? [settings[i]![field] ?? row.meta?.[field]] : []));
    return own.some((value) => value === undefined) ? 'not recorded' : distinct(own).join(', ');
  };
  const length = modes.map((mode) => {
    if (mode === 'threads') return `worker threads, ${perRun(mode, 'duration')} s per run`;
    if (mode === 'deterministic') return `deterministic (seeded scheduler), ${perRun(mode, 'updates')} updates per run; the rate is not used`;
    return mode;
  });
  const values = dimensionValues(points);
  const names: Record<string, string> = {
    strategy: 'strategies', invalidation: 'models', vcpus: 'vCPUs', rate: 'updates/s', safepoint: 'safe point every', slots: 'slots',
    invalidPolicy: 'INVALID slots', duration: 's per run', updates: 'updates per run',
  };
  const grid = [...values].filter(([name]) => !['scenario', 'arch', 'mode'].includes(name))
    .map(([name, own]) => `${names[name] ?? name} ${own.map((c) => c.label).join(', ')}`);
  const runs = distinct(points.map((point) => point.runs.length)).sort((a, b) => a - b);
  const started = metas.map((meta) => meta.started).sort();
  return {
    title: distinct(rows.map((row) => `${row.scenario} on ${row.arch}`)).join(', '),
    lines: [
      ['Command', fromMeta((meta) => meta.command)],
      ['Mode', length.join('; ')],
      ['Seed', distinct(rows.map((row) => (row.seed === undefined ? 'not recorded' : String(row.seed)))).join(', ')],
      ['Grid', `${grid.join(' × ')}: ${points.length} point${points.length === 1 ? '' : 's'}, ${rows.length} row${rows.length === 1 ? '' : 's'} `
        + `(${runs.length === 1 ? runs[0] : `${runs[0]}–${runs.at(-1)}`} run${runs.at(-1) === 1 ? '' : 's'} each)`],
      ['Machine', fromMeta((meta) => `${meta.cpu}, ${meta.cores} cores, Node ${meta.node}, ${meta.os}`)],
      ['Started', started.length === 0 ? NOT_RECORDED : started[0] === started.at(-1) ? started[0]! : `${started[0]} to ${started.at(-1)}`],
      ['Reading', 'each point is one grid coordinate; its value is the median over its runs (rows that differ only in their repeat, and the runs a --repeat row keeps). '
        + 'Latencies leave out rows that applied no update (rate 0). Numbers have 3 significant digits, k = 1000, M = 10⁶.'],
    ],
  };
}

/** The table: one line per grid point; the first `textColumns` columns name it. */
export function pointTable(points: readonly GridPointRows[], strategies: string[]): { caption: string; header: string[]; textColumns: number; rows: string[][] } {
  const values = dimensionValues(points);
  const shown = ['strategy', 'invalidation', 'vcpus', 'rate', ...[...values.keys()].filter((name) =>
    !['strategy', 'invalidation', 'vcpus', 'rate'].includes(name) && values.get(name)!.length > 1)];
  const labels: Record<string, string> = { strategy: 'strategy', invalidation: 'model', vcpus: 'vCPUs', rate: 'updates/s', safepoint: 'safe point' };
  const order = (point: GridPointRows) => shown.map((name) =>
    name === 'strategy' ? strategies.indexOf(point.at.strategy!.label) : values.get(name)!.findIndex((c) => c.label === point.at[name]?.label));
  const sorted = [...points].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x.reduce((diff, value, i) => diff || value - y[i]!, 0);
  });
  const measured = (own: readonly RunFigures[], pick: (run: RunFigures) => number) => {
    if (own.length === 0) return '–';
    const all = own.map(pick);
    const [mid, low, high] = [median(all), Math.min(...all), Math.max(...all)].map(formatCount);
    return low === high ? mid! : `${mid} (${low}–${high})`;
  };
  const rows = sorted.map((point) => {
    const { runs } = point;
    const updating = runs.filter((run) => run.updates > 0);
    return [
      ...shown.map((name) => point.at[name]?.label ?? ''),
      String(runs.length),
      measured(runs, (run) => run.updates),
      measured(updating, (run) => run.updateUs.p50), measured(updating, (run) => run.updateUs.p99),
      measured(runs, (run) => run.accessesPerSec), measured(runs, (run) => run.stallUs.p99),
      measured(runs, (run) => run.holes), measured(runs, (run) => run.stale), measured(runs, (run) => run.lost),
    ];
  });
  return {
    caption: 'One line per grid point: the median over its runs, with min–max in brackets where they differ. '
      + 'Latencies and stalls in µs; – where the point applied no update.',
    header: [...shown.map((name) => labels[name] ?? dimension(name).name), 'runs', 'updates', 'update p50 µs', 'update p99 µs', 'accesses/s', 'stall p99 µs', 'holes', 'stale', 'lost'],
    textColumns: shown.length,
    rows,
  };
}
