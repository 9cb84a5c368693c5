// A report from result rows (a sweep's JSON lines, or compare --json's): five SVG
// charts of small multiples — update latency and guest throughput against the update
// rate, vCPU stall against the vCPU count, the update-latency CDF and the violations —
// a Markdown summary and one self-contained HTML page holding them all (no script).
// Every point is one grid coordinate: the median over that point's repeats only.

import { cdfPoints, mergeHistograms } from './histogram.js';
import {
  checkRows, dimension, dimensionValues, formatCount, gridPoints, medianOver, medianOverUpdating,
  type Coordinate, type GridPointRows, type ReportRow,
} from './points.js';
import { describeRun, pointTable } from './summary.js';
import { COLORS, escapeXml, facetChart, type Facet } from './svg.js';

export type { ReportRow } from './points.js';

export const CHARTS = ['update-latency-vs-rate', 'throughput-vs-rate', 'stall-vs-vcpus', 'latency-cdf', 'violations'] as const;
export type ChartName = (typeof CHARTS)[number];

export interface Report {
  svgs: Record<ChartName, string>;
  markdown: string;
  html: string;
}

/** Facet dimensions from the outermost to the innermost (the columns). */
const FACET_ORDER = ['scenario', 'arch', 'mode', 'safepoint', 'slots', 'invalidation', 'rate', 'vcpus'];
const MAX_COLUMNS = 4;

/** A measure drawn as its own row of facets (p50 and p99, or holes, stale and lost). */
interface Measure { label: string; value: (point: GridPointRows) => number | undefined; title: (value: number) => string }

interface FacetGrid {
  /** The dimensions (other than x and strategy) that vary, outermost first. */
  dims: string[];
  /** Every combination of their values, in order. */
  combos: Coordinate[][];
  columns: number;
}

function facetGrid(points: readonly GridPointRows[], x: string): FacetGrid {
  const values = dimensionValues(points);
  const extra = [...values.keys()].filter((name) => !FACET_ORDER.includes(name) && name !== 'strategy');
  const dims = [...FACET_ORDER.slice(0, 3), ...extra, ...FACET_ORDER.slice(3)]
    .filter((name) => name !== x && (values.get(name)?.length ?? 0) > 1);
  let combos: Coordinate[][] = [[]];
  for (const name of dims) combos = combos.flatMap((combo) => values.get(name)!.map((value) => [...combo, value]));
  const inner = dims.at(-1);
  return { dims, combos, columns: inner === undefined ? 1 : Math.min(MAX_COLUMNS, values.get(inner)!.length) };
}

const keyOf = (labels: Array<string | undefined>) => labels.join('\u0000');
const titlesOf = (dims: string[], combo: Coordinate[]) => combo.map((value, i) => dimension(dims[i]!).title(value.label));

/**
 * One facet per combination of the dimensions (other than x and strategy) that vary,
 * times each measure; in each, one series per strategy with one datum per x value.
 */
function layout(points: readonly GridPointRows[], x: string, measures: Measure[], strategies: string[]): { facets: Facet[]; columns: number; categories: string[] } {
  const grid = facetGrid(points, x);
  const xValues = dimensionValues(points).get(x) ?? [];
  const index = new Map(points.map((point) => [keyOf([...grid.dims, 'strategy', x].map((name) => point.at[name]?.label)), point]));
  const facets: Facet[] = [];
  const used = new Set<number>();
  for (const measure of measures) {
    for (const combo of grid.combos) {
      const titleParts = [...(measures.length > 1 ? [measure.label] : []), ...titlesOf(grid.dims, combo)];
      const series = strategies.map((strategy) => ({
        name: strategy,
        points: xValues.flatMap((xValue, i) => {
          const point = index.get(keyOf([...combo.map((c) => c.label), strategy, xValue.label]));
          const y = point && measure.value(point);
          if (y === undefined || Number.isNaN(y)) return [];
          used.add(i);
          const repeats = point!.runs.length;
          return [{ x: i, y, title: `${strategy}, ${[...titleParts, dimension(x).title(xValue.label)].join(', ')}: ${measure.title(y)}${repeats > 1 ? ` (median of ${repeats})` : ''}` }];
        }),
      })).filter((s) => s.points.length > 0);
      if (series.length > 0) facets.push({ title: titleParts.join(' · ') || 'all rows', series });
    }
  }
  // Only x values some facet has a point at; indices renumbered to match.
  const kept = [...used].sort((a, b) => a - b);
  for (const facet of facets) for (const s of facet.series) for (const d of s.points) d.x = kept.indexOf(d.x);
  return { facets, columns: grid.columns, categories: kept.map((i) => xValues[i]!.label) };
}

const us = (value: number) => `${formatCount(value)} µs`;

export function buildReport(input: readonly unknown[]): Report {
  if (input.length === 0) throw new Error('no result rows to report');
  checkRows(input);
  // A sweep's single runs (--repeat) are in the row that follows them.
  const rows: readonly ReportRow[] = input.filter((row) => row.partial === undefined);
  if (rows.length === 0) throw new Error('only single runs of an unfinished --repeat sweep, no result rows');
  const points = gridPoints(rows);
  const strategies = dimensionValues(points).get('strategy')!.map((c) => c.label);
  const legend = strategies.map((name, i) => ({ name, color: COLORS[i % COLORS.length]! }));
  const updating = points.filter((point) => point.rows.some((row) => row.updates > 0));
  const repeatsNote = 'median over the repeats of each grid point';
  const latencyNote = 'rows with no updates (rate 0) left out';

  const latency = layout(updating, 'rate', [
    { label: 'update p50', value: (p) => medianOverUpdating(p, (row) => row.updateUs.p50), title: us },
    { label: 'update p99', value: (p) => medianOverUpdating(p, (row) => row.updateUs.p99), title: us },
  ], strategies);
  const throughput = layout(points, 'rate', [
    { label: 'accesses/s', value: (p) => medianOver(p, (row) => row.accessesPerSec), title: (v) => `${formatCount(v)} accesses/s` },
  ], strategies);
  const stall = layout(points, 'vcpus', [
    { label: 'stall p99', value: (p) => medianOver(p, (row) => row.stallUs.p99), title: us },
  ], strategies);
  const violations = layout(points, 'rate', (['holes', 'stale', 'lost'] as const).map((kind) => ({
    label: kind, value: (p: GridPointRows) => medianOver(p, (row) => row[kind]), title: (v: number) => `${formatCount(v)} ${kind}`,
  })), strategies);
  const cdf = latencyCdf(updating, strategies);

  const svgs: Record<ChartName, string> = {
    'update-latency-vs-rate': facetChart({
      title: 'Update latency against the update rate', note: `p50 and p99 of each row, ${repeatsNote}; ${latencyNote}.`,
      xLabel: 'slot updates per second (back-to-back: no pause between updates)', yLabel: 'update latency (µs, log)',
      x: { scale: 'category', categories: latency.categories }, y: yScaleFor(latency.facets), mark: 'line',
      facets: latency.facets, columns: latency.columns, legend, empty: 'No row applied an update (every row ran at rate 0): no update latency to draw.',
    }),
    'throughput-vs-rate': facetChart({
      title: 'Guest throughput against the update rate', note: `Guest accesses per second of each row, ${repeatsNote}.`,
      xLabel: 'slot updates per second (back-to-back: no pause between updates)', yLabel: 'guest accesses per second',
      x: { scale: 'category', categories: throughput.categories }, y: 'linear', mark: 'line',
      facets: throughput.facets, columns: throughput.columns, legend, empty: 'No rows.',
    }),
    'stall-vs-vcpus': facetChart({
      title: 'vCPU stall against the vCPU count', note: `p99 of the time a vCPU waited for an update, ${repeatsNote}; 0 on the darker line.`,
      xLabel: 'vCPUs', yLabel: 'vCPU stall p99 (µs, log; 0 at the bottom)',
      x: { scale: 'category', categories: stall.categories }, y: 'log0', mark: 'line',
      facets: stall.facets, columns: stall.columns, legend, empty: 'No rows.',
    }),
    'latency-cdf': facetChart({
      title: 'Update latency, cumulative distribution', note: `All updates of each grid point (its repeats pooled); ${latencyNote}.`,
      xLabel: 'update latency (µs, log)', yLabel: 'fraction of updates at or below',
      x: { scale: 'log' }, y: 'linear', mark: 'line', facets: cdf.facets, columns: cdf.columns, legend,
      empty: updating.length === 0
        ? 'No row applied an update (every row ran at rate 0): no update latency to draw.'
        : 'These rows carry no latency histogram (compare --json rows have p50/p99/max only; sweep rows have the histogram).',
    }),
    violations: facetChart({
      title: 'Violations: holes, stale accesses and lost writes', note: `Count per row, ${repeatsNote}; log scale with 0 below it: a 0 is a stub on the zero line, a 1 a clear bar.`,
      xLabel: 'slot updates per second (back-to-back: no pause between updates)', yLabel: 'count per row (log; 0 at the bottom)',
      x: { scale: 'category', categories: violations.categories }, y: 'log0', mark: 'bar',
      facets: violations.facets, columns: violations.columns, legend, empty: 'No rows.',
    }),
  };

  const run = describeRun(rows, points);
  const table = pointTable(points, strategies);
  const markdown = [
    `# memslot-emu report: ${run.title}`,
    '',
    ...run.lines.map(([name, value]) => `- **${name}:** ${value}`),
    '',
    table.caption,
    '',
    `| ${table.header.join(' | ')} |`,
    `| ${table.header.map((_, i) => (i < table.textColumns ? '---' : '---:')).join(' | ')} |`,
    ...table.rows.map((cells) => `| ${cells.join(' | ')} |`),
    '',
  ].join('\n');
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>memslot-emu report</title>',
    '<style>body{font-family:sans-serif;margin:2em}dl{display:grid;grid-template-columns:max-content auto;gap:2px 1em}dt{font-weight:bold}dd{margin:0}'
      + 'table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:2px 7px;text-align:right;font-variant-numeric:tabular-nums}'
      + `td:nth-child(-n+${table.textColumns}),th:nth-child(-n+${table.textColumns}){text-align:left}svg{display:block;margin:1.5em 0;max-width:100%;height:auto}</style>`,
    '</head><body>',
    `<h1>memslot-emu report: ${escapeXml(run.title)}</h1>`,
    '<dl>', ...run.lines.map(([name, value]) => `<dt>${escapeXml(name)}</dt><dd>${escapeXml(value)}</dd>`), '</dl>',
    ...CHARTS.map((name) => svgs[name]),
    `<p>${escapeXml(table.caption)}</p>`,
    '<table><thead><tr>', ...table.header.map((cell) => `<th>${escapeXml(cell)}</th>`), '</tr></thead><tbody>',
    ...table.rows.map((cells) => `<tr>${cells.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`),
    '</tbody></table>',
    '</body></html>',
  ].join('\n');
  return { svgs, markdown, html };
}

/** Log where every value is positive; else log with 0 below it, so a 0 still has a place. */
function yScaleFor(facets: Facet[]): 'log' | 'log0' {
  return facets.every((f) => f.series.every((s) => s.points.every((d) => d.y > 0))) ? 'log' : 'log0';
}

/** One facet per grid point but the strategy, a CDF per strategy from its repeats' merged histograms. */
function latencyCdf(points: readonly GridPointRows[], strategies: string[]): { facets: Facet[]; columns: number } {
  const withHistogram = points.filter((point) => point.rows.some((row) => (row.updateHistogram ?? []).some((n) => n > 0)));
  const grid = facetGrid(withHistogram, 'strategy');
  const index = new Map(withHistogram.map((point) => [keyOf([...grid.dims, 'strategy'].map((name) => point.at[name]?.label)), point]));
  const facets = grid.combos.flatMap((combo) => {
    const title = titlesOf(grid.dims, combo).join(' · ') || 'all rows';
    const series = strategies.flatMap((strategy) => {
      const point = index.get(keyOf([...combo.map((c) => c.label), strategy]));
      if (!point) return [];
      const curve = cdfPoints(mergeHistograms(point.rows.filter((row) => row.updates > 0).map((row) => row.updateHistogram ?? [])));
      return [{ name: strategy, points: curve.map((p) => ({ x: p.us, y: p.fraction, title: `${strategy}, ${title}: ${formatCount(p.fraction * 100)}% at or below ${us(p.us)}` })) }];
    });
    return series.length > 0 ? [{ title, series }] : [];
  });
  return { facets, columns: grid.columns };
}
