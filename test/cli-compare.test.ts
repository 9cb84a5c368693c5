// compare and sweep: --repeat (interleaved runs, medians and spread), sweep's resume
// keyed by every setting, --shard K/N with report merging the shards' files, and the
// table's header and legend. Deterministic rows only: counts replay, times only bounded.

import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compare, median, mergeRuns, type Figures } from '../dist/src/compare.js';
import { gridOf, parseShard, planSweep, readRows, shardOf, sweep, type SweepOptions } from '../dist/src/sweep.js';
import { main } from '../dist/src/cli/main.js';
import { LEGEND } from '../dist/src/cli/compare.js';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: async () => '' });
  return { code, stdout, stderr };
}

const tempFile = (name: string) => join(mkdtempSync(join(tmpdir(), 'compare-')), name);

/** Every number in a Figures object, by path ("updateUs.p50", "holes", …). */
function leaves(figures: Figures): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (value: unknown, path: string) => {
    if (typeof value === 'number') out.set(path, value);
    else for (const [key, inner] of Object.entries(value as object)) walk(inner, path ? `${path}.${key}` : key);
  };
  walk(figures, '');
  return out;
}

describe('--repeat', () => {
  it('runs every row N times, interleaved: all rows once, then all again', async () => {
    const order: string[] = [];
    const rows = await compare({
      deterministic: true, updates: 10, strategies: ['naive', 'kvm'], invalidation: 'broadcast', repeat: 3,
      onProgress: (_done, total, fraction, running) => {
        expect(total).toBe(6);
        const label = running && `${running.strategy}:${running.run}`;
        if (label && fraction === 0 && order[order.length - 1] !== label) order.push(label);
      },
    });
    expect(order).toEqual(['naive:1', 'kvm:1', 'naive:2', 'kvm:2', 'naive:3', 'kvm:3']);
    expect(rows.map((row) => row.strategy)).toEqual(['naive', 'kvm']);
    for (const row of rows) {
      const summary = row.repeat!;
      expect(summary.count).toBe(3);
      expect(summary.runs).toHaveLength(3);
      const runs = summary.runs.map(leaves);
      const figures = Object.fromEntries(Object.keys(summary.runs[0]!).map((key) => [key, row[key as keyof Figures]])) as Figures;
      for (const [path, value] of leaves(figures)) {
        const values = runs.map((leaf) => leaf.get(path)!);
        expect(value, path).toBe([...values].sort((a, b) => a - b)[1]);
        expect(leaves(summary.min).get(path), path).toBe(Math.min(...values));
        expect(leaves(summary.max).get(path), path).toBe(Math.max(...values));
      }
      // The seeded scheduler replays: every run sees the same counts.
      expect(new Set(summary.runs.map((figures) => figures.holes)).size).toBe(1);
    }
    expect(rows[1]!.holes).toBeGreaterThan(0);
  });

  it('an even count takes the mean of the middle two; the histogram pools every run', async () => {
    const [row] = await compare({ deterministic: true, updates: 10, strategies: ['naive'], invalidation: 'ipi' });
    const holes = [5, 1, 9, 3];
    const runs = holes.map((count) => ({ ...row!, holes: count, updateHistogram: [1, count] }));
    const merged = mergeRuns(runs);
    expect(merged.holes).toBe(median(holes));
    expect(median(holes)).toBe((3 + 5) / 2);
    expect(merged.repeat).toMatchObject({ count: 4, min: { holes: 1 }, max: { holes: 9 } });
    expect(merged.updateHistogram).toEqual([4, holes.reduce((a, b) => a + b)]);
    expect(mergeRuns([row!])).toBe(row);
  });

  it('the table shows medians with a min–max line under each row; --json keeps every run; bad counts are refused', async () => {
    const table = await run(['compare', '--deterministic', '--updates', '10', '--strategies', 'kvm', '--invalidation', 'ipi', '--repeat', '2']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/2 runs per row: medians, min–max under each/);
    const lines = table.stdout.split('\n');
    const at = lines.findIndex((line) => /^kvm\s+ipi\s/.test(line));
    const ranges = lines[at + 1]!.trim().split(/\s+/);
    expect(ranges[0]).toBe('(min–max)');
    expect(ranges.slice(1)).toHaveLength(12);
    for (const range of ranges.slice(1)) expect(range).toMatch(/^[\d.e+]+–[\d.e+]+$/);

    const json = await run(['compare', '--deterministic', '--updates', '10', '--strategies', 'kvm', '--invalidation', 'ipi', '--repeat', '2', '--json']);
    const row = JSON.parse(json.stdout);
    expect(row.repeat.count).toBe(2);
    expect(row.repeat.runs.map((figures: Figures) => figures.updates)).toEqual([10, 10]);
    expect(row.updateUs.p50).toBe(median(row.repeat.runs.map((figures: Figures) => figures.updateUs.p50)));

    for (const count of ['0', '1.5', 'many']) {
      const bad = await run(['compare', '--repeat', count]);
      expect(bad.code, count).toBe(2);
      expect(bad.stderr).toMatch(/option repeat/);
    }
  });
});

describe('sweep: resume by settings', () => {
  const base: SweepOptions = { strategies: ['naive', 'rcu'], invalidation: 'broadcast', deterministic: true, updates: 10 };

  it('reruns rows whose settings changed, and says which; settings the mode ignores do not count', async () => {
    const file = tempFile('rows.jsonl');
    expect(await sweep(base, file)).toHaveLength(2);
    // --duration does not shape a deterministic row: reused.
    expect(await sweep({ ...base, duration: 5 }, file)).toHaveLength(0);
    const other = { ...base, seed: 7 };
    const plan = planSweep(other, file);
    expect(plan.todo).toHaveLength(2);
    expect(plan.foreign).toEqual({ rows: 2, differences: ['seed 1 (now 7)'] });
    const cli = await run(['sweep', '--out', file, '--deterministic', '--updates', '10', '--strategies', 'naive,rcu', '--invalidation', 'broadcast', '--seed', '7']);
    expect(cli.code).toBe(0);
    expect(cli.stderr).toMatch(new RegExp(`note: ${file} holds 2 rows for these grid points run with other settings \\(seed 1 \\(now 7\\)\\); they stay in the file but are not reused`));
    expect(cli.stdout).toBe(`2 rows run, 0 already in ${file}; 2 in the grid.\n`);
    expect(readRows(file).map((row) => row.settings.seed)).toEqual([1, 1, 7, 7]);
    for (const change of [{ updates: 20 }, { invalidPolicy: 'retry' as const }, { repeat: 2 }, { deterministic: false, duration: 1 }]) {
      expect(planSweep({ ...base, ...change }, file).todo, JSON.stringify(change)).toHaveLength(2);
    }
  });

  it('rows written without settings (an older version) are not reused either', async () => {
    const file = tempFile('old.jsonl');
    await sweep(base, file);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => {
      const { settings: _settings, ...old } = JSON.parse(line);
      return JSON.stringify(old);
    });
    writeFileSync(file, lines.join('\n') + '\n');
    const plan = planSweep(base, file);
    expect(plan.todo).toHaveLength(2);
    expect(plan.foreign.rows).toBe(2);
    expect(plan.foreign.differences[0]).toMatch(/without their settings/);
  });

  it('with --repeat each run is saved as it ends; a resumed sweep keeps the runs it has', async () => {
    const file = tempFile('repeat.jsonl');
    const options = { ...base, repeat: 2 };
    await sweep(options, file);
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((line) => line.partial)).toEqual([1, 1, 2, undefined, 2, undefined]);
    const rows = readRows(file);
    expect(rows.map((row) => row.repeat!.count)).toEqual([2, 2]);
    // Interrupted after the first pass: only the second runs are left to do.
    writeFileSync(file, lines.slice(0, 2).map((line) => JSON.stringify(line)).join('\n') + '\n');
    const started: string[] = [];
    const resumed = await sweep(options, file, ({ skipped, running }) => {
      expect(skipped).toBe(2);
      const label = running && `${running.point.strategy}:${running.run}`;
      if (label && started[started.length - 1] !== label) started.push(label);
    });
    expect(started).toEqual(['naive:2', 'rcu:2']);
    expect(resumed.map((row) => row.repeat!.runs[0]!.updateUs)).toEqual(lines.slice(0, 2).map((line) => line.updateUs));
    expect(readRows(file).map((row) => [row.strategy, 'partial' in row])).toEqual([['naive', false], ['rcu', false]]);
  });
});

describe('sweep --shard K/N and report over the shards', () => {
  it('the N shards are disjoint and together make the grid', () => {
    const grid = gridOf({ strategies: ['naive', 'kvm', 'rcu'], vcpus: [1, 2], rates: [0, 1000] });
    for (const count of [1, 2, 5, 24, 30]) {
      const shards = Array.from({ length: count }, (_, k) => shardOf(grid, { index: k + 1, count }));
      expect(shards.flat().map((point) => JSON.stringify(point)).sort()).toEqual(grid.map((point) => JSON.stringify(point)).sort());
      expect(Math.max(...shards.map((shard) => shard.length)) - Math.min(...shards.map((shard) => shard.length))).toBeLessThanOrEqual(1);
    }
    expect(parseShard(' 3/8 ')).toEqual({ index: 3, count: 8 });
    for (const bad of ['0/3', '4/3', '3', '1/0', 'a/b', '1/2/3', '-1/2']) expect(() => parseShard(bad), bad).toThrow(/option shard/);
  });

  it('each shard runs its part into its own file; report merges the files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shards-'));
    const args = ['--deterministic', '--updates', '10', '--strategies', 'naive,rcu', '--invalidation', 'ipi'];
    const outputs = [];
    for (const k of [1, 2]) {
      const result = await run(['sweep', '--out', join(dir, `part-${k}.jsonl`), '--shard', `${k}/2`, ...args]);
      expect(result.code).toBe(0);
      outputs.push(result.stdout);
    }
    expect(outputs[0]).toBe(`1 rows run, 0 already in ${join(dir, 'part-1.jsonl')}; shard 1/2: 1 of the grid's 2 points.\n`);
    expect(readRows(join(dir, 'part-1.jsonl')).map((row) => row.strategy)).toEqual(['naive']);
    expect(readRows(join(dir, 'part-2.jsonl')).map((row) => row.strategy)).toEqual(['rcu']);
    const merged = await run(['report', join(dir, 'part-1.jsonl'), join(dir, 'part-2.jsonl'), '--out', join(dir, 'report')]);
    expect(merged.code).toBe(0);
    expect(merged.stdout).toMatch(/\| naive \|/);
    expect(merged.stdout).toMatch(/\| rcu \|/);
    const missing = await run(['report', join(dir, 'part-1.jsonl'), join(dir, 'nope.jsonl')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl: no such file/);
    writeFileSync(join(dir, 'empty.jsonl'), '');
    const empty = await run(['report', join(dir, 'part-1.jsonl'), join(dir, 'empty.jsonl')]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/empty\.jsonl holds no result rows/);
    for (const bad of ['3/2', 'half']) {
      const refused = await run(['sweep', '--out', join(dir, 'x.jsonl'), '--shard', bad, ...args]);
      expect(refused.code, bad).toBe(2);
      expect(refused.stderr).toMatch(/option shard/);
    }
  });
});

describe('the table: parameters above, a legend below', () => {
  it('the header names every parameter; the legend follows the table and is in --help', async () => {
    const { code, stdout } = await run(['compare', '--deterministic', '--seed', '5', '--updates', '10', '--strategies', 'kvm', '--invalidation', 'broadcast', '--vcpus', '3', '--safepoint', '32', '--arch', 'aarch64']);
    expect(code).toBe(0);
    const [first, second] = stdout.split('\n');
    expect(first).toBe('bar-remap on aarch64, 3 vCPUs, deterministic (seed 5), 10 updates per row');
    expect(second).toBe('model broadcast; a safe point every 32 instructions; INVALID slots exit to MMIO');
    expect(stdout.indexOf(LEGEND)).toBeGreaterThan(stdout.indexOf('kvm '));
    for (const term of ['model ', 'updates ', 'stall', 'holes ', 'mmio ', 'INVALID', '998 of 1000']) expect(LEGEND).toContain(term);
    expect((await run(['compare', '--help'])).stdout).toContain(LEGEND);
  });

  it('holes equal mmio exits where the guest touches only RAM; delete reads unassigned memory, so there they differ', async () => {
    const [remap] = await compare({ deterministic: true, updates: 20, strategies: ['kvm'], invalidation: 'ipi', scenario: 'bar-remap', arch: 'aarch64' });
    expect(remap!.holes).toBeGreaterThan(0);
    expect(remap!.mmioExits).toBe(remap!.holes);
    const [deleted] = await compare({ deterministic: true, updates: 20, strategies: ['kvm'], invalidation: 'ipi', scenario: 'delete', arch: 'aarch64' });
    expect(deleted!.mmioByCause.unassigned).toBeGreaterThan(0);
    expect(deleted!.mmioExits).toBeGreaterThan(deleted!.holes);
  });
});

describe('compare() as a library', () => {
  it('refuses a seed or slot count the command line refuses, before any row runs', async () => {
    for (const options of [{ seed: 1.5 }, { seed: -1 }, { seed: 2 ** 32 }, { slots: 4 }, { slots: 32764 }, { slots: 10.5 }]) {
      let rowsRun = 0;
      await expect(compare({ ...options, deterministic: true, updates: 5, onRow: () => { rowsRun++; } })).rejects.toMatchObject({ code: 'EINVAL' });
      expect(rowsRun).toBe(0);
    }
  });
});
