import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport } from '../dist/src/report/report.js';
import { formatNumber } from '../dist/src/report/svg.js';
import { readRows, sweep, rowKey, gridOf, settingsOf } from '../dist/src/sweep.js';
import { main } from '../dist/src/cli/main.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sweep-sample.jsonl', import.meta.url));
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('report', () => {
  const rows = readRows(FIXTURE);
  const report = buildReport(rows);
  const strategies = [...new Set(rows.map((row) => row.strategy))];

  it('draws every strategy in each line chart, with labelled axes', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const name of ['latency-cdf', 'throughput-vs-rate', 'stall-vs-vcpus'] as const) {
      const svg = report.svgs[name];
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      for (const strategy of strategies) expect(svg, `${name} ${strategy}`).toContain(`data-name="${strategy}"`);
    }
    expect(report.svgs['latency-cdf']).toContain('update latency (µs, log)');
    expect(report.svgs['latency-cdf']).toContain('fraction of updates');
    expect(report.svgs['throughput-vs-rate']).toContain('slot updates per second');
    expect(report.svgs['stall-vs-vcpus']).toMatch(/>vCPUs</);
  });

  it('plots the values in the rows: median throughput per strategy and rate, holes per strategy and model', () => {
    for (const strategy of strategies) {
      for (const rate of new Set(rows.map((row) => row.grid.rate))) {
        const own = rows.filter((row) => row.strategy === strategy && row.grid.rate === rate).map((row) => row.accessesPerSec);
        expect(report.svgs['throughput-vs-rate']).toContain(`<title>${strategy}: ${rate}, ${formatNumber(median(own))}</title>`);
      }
      for (const model of ['broadcast', 'ipi']) {
        const holes = rows.filter((row) => row.strategy === strategy && row.invalidation === model).reduce((sum, row) => sum + row.holes, 0);
        expect(report.svgs.violations).toContain(`<title>${strategy}/${model} holes: ${holes}</title>`);
      }
    }
    // The CDF of each strategy reaches 1 at its slowest update.
    for (const strategy of strategies.filter((s) => rows.some((row) => row.strategy === s && row.updates > 0))) {
      expect(report.svgs['latency-cdf']).toMatch(new RegExp(`<title>${strategy}: [^,]+, 1</title>`));
    }
  });

  it('summarises in Markdown and in one HTML page that needs no script', () => {
    const lines = report.markdown.split('\n');
    expect(lines).toContain('| strategy | model | rows | updates | update p50 µs | update p99 µs | accesses/s | stall p99 µs | holes | stale | lost |');
    for (const strategy of strategies) {
      const own = rows.filter((row) => row.strategy === strategy && row.invalidation === 'ipi');
      expect(lines.some((line) => line.startsWith(`| ${strategy} | ipi | ${own.length} | ${own.reduce((s, r) => s + r.updates, 0)} |`)), strategy).toBe(true);
    }
    expect(report.html).not.toMatch(/<script/);
    for (const svg of Object.values(report.svgs)) expect(report.html).toContain(svg);
  });

  it('the command writes the page, the plain SVG files and the summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'report-'));
    let stdout = '';
    const code = await main(['report', FIXTURE, '--out', out], { stdout: (t) => { stdout += t; }, stderr: () => {}, stdin: async () => '' });
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['latency-cdf.svg', 'report.html', 'stall-vs-vcpus.svg', 'summary.md', 'throughput-vs-rate.svg', 'violations.svg']);
    expect(readFileSync(join(out, 'violations.svg'), 'utf8')).toBe(report.svgs.violations);
    expect(stdout).toContain(report.markdown);
  });
});

describe('sweep', () => {
  it('resumes after an interrupt: rows already written are not run again, a torn last line is ignored', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'sweep-')), 'rows.jsonl');
    const options = { strategies: ['naive', 'rcu'], invalidation: 'broadcast' as const, vcpus: [1, 2], deterministic: true, updates: 10 };
    const first = await sweep(options, file);
    expect(first).toHaveLength(4);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${lines.slice(0, 2).join('\n')}\n${lines[2]!.slice(0, 40)}`); // two rows and half of a third
    const progress: number[] = [];
    const second = await sweep(options, file, ({ skipped }) => progress.push(skipped));
    expect(second.map((row) => row.grid)).toEqual(first.slice(2).map((row) => row.grid));
    expect(progress.every((skipped) => skipped === 2)).toBe(true);
    const keys = readRows(file).map(rowKey);
    expect(new Set(keys).size).toBe(4);
    expect(keys.sort()).toEqual(gridOf(options).map((grid) => rowKey({ scenario: 'bar-remap', arch: 'ppc64be', grid, settings: settingsOf(options) })).sort());
    expect(await sweep(options, file)).toEqual([]);
  });
});
