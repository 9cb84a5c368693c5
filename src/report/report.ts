// A report from result rows (a sweep's JSON lines, or compare's): four SVG charts —
// update-latency CDF per strategy, guest throughput against the update rate, vCPU
// stall against the vCPU count, violations per strategy and model — a Markdown
// summary table and one self-contained HTML page holding them all (no script).

import type { SweepRow } from '../sweep.js';
import { cdfPoints, mergeHistograms } from './histogram.js';
import { barChart, escapeXml, formatNumber, lineChart, type Series } from './svg.js';

export interface Report {
  svgs: Record<'latency-cdf' | 'throughput-vs-rate' | 'stall-vs-vcpus' | 'violations', string>;
  markdown: string;
  html: string;
}

type ReportRow = Pick<SweepRow, 'scenario' | 'arch' | 'strategy' | 'invalidation' | 'vcpus' | 'updates' | 'updateUs' | 'accessesPerSec' | 'stallUs' | 'holes' | 'stale' | 'lost' | 'mmioExits'>
  & { updateHistogram?: number[]; grid?: { rate: number } };

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    groups.set(k, [...(groups.get(k) ?? []), item]);
  }
  return groups;
}

/** One series per strategy: y (the median over its rows) at each category of x. */
function byCategory(rows: readonly ReportRow[], x: (row: ReportRow) => number, y: (row: ReportRow) => number): { categories: string[]; series: Series[] } {
  const values = [...new Set(rows.map(x))].sort((a, b) => a - b);
  const series = [...groupBy(rows, (row) => row.strategy)].map(([name, own]) => ({
    name,
    points: values.flatMap((value, i) => {
      const at = own.filter((row) => x(row) === value);
      return at.length === 0 ? [] : [{ x: i, y: median(at.map(y)) }];
    }),
  }));
  return { categories: values.map(String), series };
}

export function buildReport(rows: readonly ReportRow[]): Report {
  if (rows.length === 0) throw new Error('no result rows to report');
  const cdf = lineChart({
    title: 'Update latency, cumulative distribution', xLabel: 'update latency (µs, log)', yLabel: 'fraction of updates',
    xScale: 'log',
    series: [...groupBy(rows, (row) => row.strategy)].map(([name, own]) => ({
      name, points: cdfPoints(mergeHistograms(own.map((row) => row.updateHistogram ?? []))).map((p) => ({ x: p.us, y: p.fraction })),
    })).filter((series) => series.points.length > 0),
  });
  const rate = byCategory(rows, (row) => row.grid?.rate ?? 0, (row) => row.accessesPerSec);
  const throughput = lineChart({
    title: 'Guest throughput against the update rate', xLabel: 'slot updates per second', yLabel: 'guest accesses per second (median)',
    xScale: 'category', categories: rate.categories, series: rate.series,
  });
  const stallData = byCategory(rows, (row) => row.vcpus, (row) => row.stallUs.p99);
  const stall = lineChart({
    title: 'vCPU stall against the vCPU count', xLabel: 'vCPUs', yLabel: 'stall p99 (µs, median over rows)',
    xScale: 'category', categories: stallData.categories, series: stallData.series,
  });
  const models = [...groupBy(rows, (row) => `${row.strategy}/${row.invalidation}`)];
  const sum = (own: ReportRow[], pick: (row: ReportRow) => number) => own.reduce((total, row) => total + pick(row), 0);
  const violations = barChart({
    title: 'Violations per strategy and invalidation model', yLabel: 'count over all rows (log)', yScale: 'log',
    groups: models.map(([label, own]) => ({
      label,
      bars: [
        { name: 'holes', value: sum(own, (row) => row.holes) },
        { name: 'stale', value: sum(own, (row) => row.stale) },
        { name: 'lost', value: sum(own, (row) => row.lost) },
      ],
    })),
  });
  const header = ['strategy', 'model', 'rows', 'updates', 'update p50 µs', 'update p99 µs', 'accesses/s', 'stall p99 µs', 'holes', 'stale', 'lost'];
  const table = models.map(([label, own]) => {
    const [strategy, model] = label.split('/');
    return [strategy!, model!, String(own.length), String(sum(own, (row) => row.updates)),
      formatNumber(median(own.map((row) => row.updateUs.p50))), formatNumber(median(own.map((row) => row.updateUs.p99))),
      formatNumber(median(own.map((row) => row.accessesPerSec))), formatNumber(median(own.map((row) => row.stallUs.p99))),
      String(sum(own, (row) => row.holes)), String(sum(own, (row) => row.stale)), String(sum(own, (row) => row.lost))];
  });
  const scenarios = [...new Set(rows.map((row) => `${row.scenario} on ${row.arch}`))].join(', ');
  const markdown = [
    `# memslot-emu results: ${scenarios}`,
    '',
    `${rows.length} rows. Medians over the rows of each strategy and model; holes, stale and lost are totals.`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...table.map((cells) => `| ${cells.join(' | ')} |`),
    '',
  ].join('\n');
  const svgs = { 'latency-cdf': cdf, 'throughput-vs-rate': throughput, 'stall-vs-vcpus': stall, violations };
  const html = [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8"><title>memslot-emu results</title>',
    '<style>body{font-family:sans-serif;margin:2em;max-width:1000px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,td:nth-child(2),th{text-align:left}svg{display:block;margin:1em 0}</style>',
    '</head><body>',
    `<h1>memslot-emu results: ${escapeXml(scenarios)}</h1>`,
    `<p>${rows.length} rows. Medians over the rows of each strategy and model; holes, stale and lost are totals.</p>`,
    '<table><thead><tr>', ...header.map((cell) => `<th>${escapeXml(cell)}</th>`), '</tr></thead><tbody>',
    ...table.map((cells) => `<tr>${cells.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`),
    '</tbody></table>',
    ...Object.values(svgs),
    '</body></html>',
  ].join('\n');
  return { svgs, markdown, html };
}
