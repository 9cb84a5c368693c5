import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildReport, CHARTS } from '../dist/src/report/report.js';
import { formatCount } from '../dist/src/report/points.js';
import { readRows, sweep, rowKey, gridOf, settingsOf } from '../dist/src/sweep.js';
import { main } from '../dist/src/cli/main.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/sweep-sample.jsonl', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/memslot-emu.js', import.meta.url));

/** The median as a statistician takes it: the mean of the two middle values for an even count. */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

interface DrawnFacet { title: string; series: Map<string, Array<{ x: string; y: number; height?: number }>> }

/** Reads a chart back: its facets, their series and each point's (or bar's) x, y and bar height. */
function facetsOf(svg: string): DrawnFacet[] {
  return svg.split('<g class="facet" ').slice(1).map((block) => {
    const title = /^data-title="([^"]*)"/.exec(block)![1]!;
    const series = new Map<string, Array<{ x: string; y: number; height?: number }>>();
    for (const [, name, inner] of block.matchAll(/<g class="series" data-name="([^"]*)">([\s\S]*?)<\/g>/g)) {
      series.set(name!, [...inner!.matchAll(/data-x="([^"]*)" data-y="([^"]*)"(?:[^>]*height="([^"]*)")?/g)]
        .map(([, x, y, height]) => ({ x: x!, y: Number(y), ...(height === undefined ? {} : { height: Number(height) }) })));
    }
    return { title, series };
  });
}

/** A result row as sweep writes it, with the measured values given and the rest plausible. */
function row(at: { strategy?: string; invalidation?: string; vcpus?: number; rate?: number | null; repeat?: number }, values: {
  updates?: number; p50?: number; p99?: number; accessesPerSec?: number; stall?: number; holes?: number; stale?: number; lost?: number; histogram?: number[];
} = {}) {
  const { strategy = 'rcu', invalidation = 'ipi', vcpus = 2, rate = 1000, repeat } = at;
  const updates = values.updates ?? (rate === 0 ? 0 : 100);
  return {
    scenario: 'bar-remap', arch: 'ppc64be', strategy, invalidation, vcpus, updates,
    updateUs: { p50: values.p50 ?? (updates ? 10 : 0), p99: values.p99 ?? (updates ? 50 : 0), max: 90 },
    updateHistogram: values.histogram ?? (updates ? [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, updates] : []),
    accessesPerSec: values.accessesPerSec ?? 1e6, stallUs: { p50: 0, p99: values.stall ?? 0, max: 0 },
    holes: values.holes ?? 0, stale: values.stale ?? 0, lost: values.lost ?? 0, mmioExits: values.holes ?? 0,
    mode: 'threads', seed: 1, errors: [],
    grid: { strategy, invalidation, vcpus, rate, safepoint: 64, slots: 10 },
    ...(repeat === undefined ? {} : { repeat }),
  };
}

/** Runs the real CLI; a hang is killed after `limitMs` and shows as a signal. */
const cli = (args: string[], limitMs = 60_000) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: limitMs });

describe('report on documented inputs with no latency samples', () => {
  it('finishes on compare --json rows (no updateHistogram) and heads the page with their meta record', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-compare-'));
    const made = cli(['compare', '--json', '--deterministic', '--updates', '20']);
    expect(made.status, made.stderr).toBe(0);
    writeFileSync(join(dir, 'rows.jsonl'), made.stdout);
    const run = cli(['report', join(dir, 'rows.jsonl'), '--out', join(dir, 'out')], 20_000);
    expect(run.signal, 'report was killed: it did not finish').toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(readdirSync(join(dir, 'out'))).toContain('report.html');
    expect(run.stdout).toContain('memslot-emu compare --json --deterministic --updates 20');
    expect(run.stdout).toContain(`Node ${process.version}`);
    expect(run.stdout).toMatch(/deterministic \(seeded scheduler\), 20 updates per run/);
    const cdf = readFileSync(join(dir, 'out', 'latency-cdf.svg'), 'utf8');
    expect(cdf).toContain('carry no latency histogram');
  });

  it('finishes on a sweep --rates 0 (no updates at all)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-rate0-'));
    const rows = join(dir, 'rows.jsonl');
    const made = cli(['sweep', '--out', rows, '--rates', '0', '--strategies', 'naive,rcu', '--invalidation', 'ipi', '--duration', '0.1']);
    expect(made.status, made.stderr).toBe(0);
    const run = cli(['report', rows, '--out', join(dir, 'out')], 20_000);
    expect(run.signal, 'report was killed: it did not finish').toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/worker threads, 0\.1 s per run/);
    expect(run.stdout).toContain(`memslot-emu sweep --out ${rows} --rates 0`);
    const latency = readFileSync(join(dir, 'out', 'update-latency-vs-rate.svg'), 'utf8');
    expect(facetsOf(latency)).toEqual([]);
    expect(latency).toContain('No row applied an update');
    const throughput = facetsOf(readFileSync(join(dir, 'out', 'throughput-vs-rate.svg'), 'utf8'));
    expect(throughput).toHaveLength(1);
    expect([...throughput[0]!.series.keys()]).toEqual(['naive', 'rcu']);
    for (const points of throughput[0]!.series.values()) expect(points.map((p) => p.x)).toEqual(['0']);
  });
});

describe('report: one point per grid coordinate', () => {
  // 2 strategies × 2 vCPU counts × rates 0, 1000 and back to back × 2 models, each point run 2 to 5 times.
  const strategies = ['naive', 'rcu'];
  const vcpus = [1, 4];
  const rates = [0, 1000, null];
  const models = ['broadcast', 'ipi'];
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const rows = strategies.flatMap((strategy) => models.flatMap((invalidation) => vcpus.flatMap((n) => rates.flatMap((rate) =>
    Array.from({ length: 2 + Math.floor(random() * 4) }, (_, repeat) => row({ strategy, invalidation, vcpus: n, rate, repeat }, {
      p50: Math.round(random() * 1000) / 10, p99: 100 + Math.round(random() * 10000), accessesPerSec: Math.round(1e5 + random() * 1e7),
      stall: Math.round(random() * 300), holes: strategy === 'naive' ? Math.floor(random() * 3) : 0,
    }))))));
  const report = buildReport(rows);
  const at = (strategy: string, invalidation: string, n: number, rate: number | null) =>
    rows.filter((r) => r.strategy === strategy && r.invalidation === invalidation && r.vcpus === n && r.grid.rate === rate);

  it('has a facet per model and vCPU count, a series per strategy and a point per rate, at the median over that point\'s repeats', () => {
    const facets = facetsOf(report.svgs['throughput-vs-rate']);
    expect(facets.map((f) => f.title)).toEqual(['broadcast model · 1 vCPU', 'broadcast model · 4 vCPUs', 'ipi model · 1 vCPU', 'ipi model · 4 vCPUs']);
    for (const [f, facet] of facets.entries()) {
      const invalidation = models[f >> 1]!;
      const n = vcpus[f & 1]!;
      expect([...facet.series.keys()]).toEqual(strategies);
      for (const strategy of strategies) {
        expect(facet.series.get(strategy)).toEqual(rates.map((rate) => ({
          x: rate === null ? 'back-to-back' : rate === 0 ? '0' : '1k',
          y: median(at(strategy, invalidation, n, rate).map((r) => r.accessesPerSec)),
        })));
      }
    }
  });

  it('takes the true median of an even number of repeats (the mean of the middle two)', () => {
    const even = [row({ repeat: 0 }, { accessesPerSec: 100 }), row({ repeat: 1 }, { accessesPerSec: 400 }),
      row({ repeat: 2 }, { accessesPerSec: 200 }), row({ repeat: 3 }, { accessesPerSec: 1000 })];
    const [facet] = facetsOf(buildReport(even).svgs['throughput-vs-rate']);
    expect(facet!.series.get('rcu')).toEqual([{ x: '1k', y: 300 }]);
    expect(buildReport(even).markdown).toMatch(/\| rcu \| ipi \| 2 \| 1k \| 4 \| 100 \| [^|]+ \| [^|]+ \| 300 \(100–1k\) \|/);
  });

  it('takes the median over the runs a --repeat row keeps, pooled with other rows of the same point only; settings that differ make other points', () => {
    const figures = (accessesPerSec: number, p50: number) => ({ ...row({}, { accessesPerSec, p50 }), grid: undefined });
    const runs = [figures(500, 4), figures(100, 8), figures(900, 1)];
    const repeated = { ...row({}, { accessesPerSec: 500, p50: 4 }), settings: { mode: 'threads', duration: 1, repeat: 3 }, repeat: { count: 3, runs } };
    const single = { ...row({}, { accessesPerSec: 700, p50: 2 }), settings: { mode: 'threads', duration: 1, repeat: 1 } };
    const longer = { ...row({}, { accessesPerSec: 42, p50: 99 }), settings: { mode: 'threads', duration: 5, repeat: 1 } };
    const partial = { ...row({}, { accessesPerSec: 1 }), settings: { mode: 'threads', duration: 1, repeat: 3 }, partial: 1 };
    const drawn = buildReport([partial, repeated, single, longer]);
    const facets = facetsOf(drawn.svgs['throughput-vs-rate']);
    expect(facets.map((f) => f.title)).toEqual(['1 s per run', '5 s per run']);
    expect(facets[0]!.series.get('rcu')).toEqual([{ x: '1k', y: median([500, 100, 900, 700]) }]);
    expect(facets[1]!.series.get('rcu')).toEqual([{ x: '1k', y: 42 }]);
    const latency = facetsOf(drawn.svgs['update-latency-vs-rate']);
    expect(latency[0]!.series.get('rcu')).toEqual([{ x: '1k', y: median([4, 8, 1, 2]) }]);
    expect(drawn.markdown).toMatch(/\| rcu \| ipi \| 2 \| 1k \| 1 \| 4 \|/);
  });

  it('leaves rate-0 rows (no updates) out of the latency charts, and plots back to back as its own last category', () => {
    const latency = facetsOf(report.svgs['update-latency-vs-rate']);
    expect(latency.map((f) => f.title)).toEqual(['update p50', 'update p99'].flatMap((p) => models.flatMap((m) => vcpus.map((n) => `${p} · ${m} model · ${n} vCPU${n === 1 ? '' : 's'}`))));
    for (const [f, facet] of latency.entries()) {
      const invalidation = models[(f >> 1) & 1]!;
      const n = vcpus[f & 1]!;
      const pick = f < 4 ? (r: (typeof rows)[number]) => r.updateUs.p50 : (r: (typeof rows)[number]) => r.updateUs.p99;
      for (const strategy of strategies) {
        expect(facet.series.get(strategy)).toEqual([
          { x: '1k', y: median(at(strategy, invalidation, n, 1000).map(pick)) },
          { x: 'back-to-back', y: median(at(strategy, invalidation, n, null).map(pick)) },
        ]);
      }
    }
    const cdf = facetsOf(report.svgs['latency-cdf']);
    expect(cdf).toHaveLength(models.length * 2 * vcpus.length);
    expect(cdf.some((f) => /\b0 updates\/s/.test(f.title))).toBe(false);
    expect(cdf.filter((f) => f.title.includes('back-to-back'))).toHaveLength(models.length * vcpus.length);
    expect(report.markdown).toMatch(/\| naive \| broadcast \| 1 \| 0 \| \d \| 0 \| – \| – \|/);
  });

  it('draws stall against the vCPU count per model and rate, never pooled', () => {
    const stall = facetsOf(report.svgs['stall-vs-vcpus']);
    expect(stall).toHaveLength(models.length * rates.length);
    for (const facet of stall) for (const points of facet.series.values()) expect(points.map((p) => p.x)).toEqual(['1', '4']);
    const [first] = stall;
    expect(first!.title).toBe('broadcast model · 0 updates/s');
    expect(first!.series.get('rcu')!.map((p) => p.y)).toEqual(vcpus.map((n) => median(at('rcu', 'broadcast', n, 0).map((r) => r.stallUs.p99))));
  });

  it('draws a violation count of 1 as a clear bar and 0 as a stub on the marked zero line', () => {
    const one = [row({ strategy: 'naive' }, { holes: 1 }), row({ strategy: 'rcu' }, { holes: 0 })];
    const svg = buildReport(one).svgs.violations;
    const holes = facetsOf(svg).find((f) => f.title === 'holes')!;
    const [naive] = holes.series.get('naive')!;
    const [rcu] = holes.series.get('rcu')!;
    expect([naive!.y, rcu!.y]).toEqual([1, 0]);
    expect(rcu!.height).toBeLessThanOrEqual(2);
    expect(naive!.height! - rcu!.height!).toBeGreaterThanOrEqual(15);
    expect(svg).toMatch(/>0<\/text>/);
    expect(svg).toMatch(/>1<\/text>/);
  });

  it('labels numbers one way: k from 1000 on, in ticks, titles and the table', () => {
    expect([formatCount(8190), formatCount(15000), formatCount(999), formatCount(2_500_000), formatCount(0.25)]).toEqual(['8.19k', '15k', '999', '2.5M', '0.25']);
    for (const svg of Object.values(report.svgs)) {
      for (const [, label] of svg.matchAll(/text-anchor="end">([^<]*)<\/text>/g)) expect(label).not.toMatch(/^\d{4,}/);
    }
    for (const cells of report.markdown.split('\n').filter((line) => line.startsWith('| naive'))) expect(cells).not.toMatch(/\| \d{4,}/);
  });

  it('heads the page with the command, grid, duration, seed and machine from the meta records, or says they were not recorded', () => {
    const meta = { command: 'memslot-emu sweep --out r.jsonl --vcpus 1,4', duration: 0.5, updates: 200, seed: 9, cpu: 'Test CPU 9000', cores: 12, node: 'v20.1.0', os: 'linux 6', started: '2026-01-02T03:04:05.000Z' };
    const withMeta = buildReport(rows.map((r) => ({ ...r, meta })));
    for (const text of [meta.command, 'worker threads, 0.5 s per run', 'Test CPU 9000, 12 cores, Node v20.1.0', '2026-01-02T03:04:05.000Z',
      'strategies naive, rcu × models broadcast, ipi × vCPUs 1, 4 × updates/s 0, 1k, back-to-back', `: ${strategies.length * 2 * 2 * 3} points, ${rows.length} rows`]) {
      expect(withMeta.markdown).toContain(text);
      expect(withMeta.html).toContain(text);
    }
    expect(report.markdown).toMatch(/\*\*Command:\*\* not recorded/);
    expect(report.markdown).toMatch(/\*\*Machine:\*\* not recorded/);
  });

  it('draws empty and single-point data: a frame that says why, or one point per series', () => {
    const none = buildReport([row({ rate: 0 })]);
    for (const name of ['update-latency-vs-rate', 'latency-cdf'] as const) {
      expect(facetsOf(none.svgs[name])).toEqual([]);
      expect(none.svgs[name]).toContain('No row applied an update');
    }
    const single = buildReport([row({})]);
    for (const name of ['throughput-vs-rate', 'stall-vs-vcpus', 'violations'] as const) {
      const facets = facetsOf(single.svgs[name]);
      expect(facets.length, name).toBe(name === 'violations' ? 3 : 1);
      for (const facet of facets) expect([...facet.series.values()].map((points) => points.length)).toEqual([1]);
    }
    for (const svg of [...Object.values(none.svgs), ...Object.values(single.svgs)]) expect(svg).not.toMatch(/NaN|Infinity/);
  });
});

describe('report of a real sweep file', () => {
  const rows = readRows(FIXTURE);
  const report = buildReport(rows);
  const strategies = [...new Set(rows.map((r) => r.strategy))];

  it('draws every strategy in every facet that has its points, with labelled axes', () => {
    expect(rows.length).toBeGreaterThan(10);
    for (const name of CHARTS) {
      const svg = report.svgs[name];
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      for (const facet of facetsOf(svg)) expect([...facet.series.keys()], `${name} ${facet.title}`).toEqual(strategies);
    }
    expect(report.svgs['latency-cdf']).toContain('update latency (µs, log)');
    expect(report.svgs['throughput-vs-rate']).toContain('slot updates per second');
    expect(report.svgs['stall-vs-vcpus']).toMatch(/>vCPUs</);
  });

  it('summarises in Markdown and in one HTML page that needs no script', () => {
    const lines = report.markdown.split('\n');
    expect(lines).toContain('| strategy | model | vCPUs | updates/s | runs | updates | update p50 µs | update p99 µs | accesses/s | stall p99 µs | holes | stale | lost |');
    expect(lines.filter((line) => /^\| [a-z-]+ \| (broadcast|ipi) \|/.test(line))).toHaveLength(rows.length);
    expect(report.html).not.toMatch(/<script/);
    for (const svg of Object.values(report.svgs)) expect(report.html).toContain(svg);
  });

  it('the command writes the page, the plain SVG files and the summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'report-'));
    let stdout = '';
    const code = await main(['report', FIXTURE, '--out', out], { stdout: (t) => { stdout += t; }, stderr: () => {}, stdin: async () => '' });
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([...CHARTS.map((name) => `${name}.svg`), 'report.html', 'summary.md'].sort());
    expect(readFileSync(join(out, 'violations.svg'), 'utf8')).toBe(report.svgs.violations);
    expect(stdout).toContain(report.markdown);
  });

  it('refuses a file whose lines are not result rows, and writes nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-bad-'));
    writeFileSync(join(dir, 'rows.jsonl'), `${JSON.stringify(rows[0])}\n{"hello":"world"}\n`);
    let stderr = '';
    const code = await main(['report', join(dir, 'rows.jsonl'), '--out', join(dir, 'out')], { stdout: () => {}, stderr: (t) => { stderr += t; }, stdin: async () => '' });
    expect(code).toBe(2);
    expect(stderr).toContain('row 2 is not a result row: no "scenario"');
    expect(existsSync(join(dir, 'out'))).toBe(false);
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
