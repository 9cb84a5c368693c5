// Threaded mode: invariants that hold under every interleaving (no timings).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SCENARIOS, STRATEGIES, runRow, type RowOptions } from '../dist/src/index.js';

const SAFE = new Set(['rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap']);

function threaded(overrides: Partial<RowOptions>) {
  return runRow({
    scenario: 'bar-remap', arch: 'ppc64be', strategy: 'naive', invalidation: 'broadcast', vcpus: 2, safepoint: 64, seed: 1,
    deterministic: false, durationMs: 60, rate: 2000, updates: 0, invalidPolicy: 'exit', deviceModules: [], ...overrides,
  });
}

describe('vCPUs on worker threads', () => {
  it('every scenario runs with 2 vCPU threads under every strategy, ends, and the safe strategies lose nothing', { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    for (const [i, scenario] of SCENARIOS.entries()) {
      const arch = i % 2 === 0 ? 'aarch64' : 'ppc64be';
      for (const strategy of STRATEGIES) {
        const invalidation = strategy.length % 2 === 0 ? 'broadcast' : 'ipi';
        const row = await threaded({ scenario, arch, strategy, invalidation });
        if (row.updates === 0 || row.accessesPerSec === 0) problems.push(`${scenario}/${strategy}: no progress`);
        if (row.errors.length > 0) problems.push(`${scenario}/${strategy}: ${row.errors.join('; ')}`);
        if (SAFE.has(strategy) && (row.lost !== 0 || row.checks.badValues !== 0)) problems.push(`${scenario}/${strategy}: ${JSON.stringify(row.checks)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('stop-the-world and the mutexes record vCPU stalls; naive never makes a vCPU wait', async () => {
    expect((await threaded({ strategy: 'naive' })).stallUs.max).toBe(0);
    for (const strategy of ['stop-the-world', 'mutex'] as const) {
      const row = await threaded({ strategy, durationMs: 150 });
      expect(row.stallUs.max, strategy).toBeGreaterThan(0);
      expect(row.stallUs.p50).toBeLessThanOrEqual(row.stallUs.max);
    }
  });

  it('a throwing device stops one vCPU thread with a clear error; the run still ends', async () => {
    const device = new URL('./fixtures/throwing-device.mjs', import.meta.url).href;
    const row = await threaded({ deviceModules: [device], durationMs: 150, rate: 5000 });
    expect(row.updates).toBeGreaterThan(0);
    expect(row.errors.join('\n')).toMatch(/device handler threw \(broken at 0x8000/);
  });
});

describe("Node 20's Liftoff miscompilation around memory.atomic.wait32", () => {
  it('cannot bite: the core has no atomic wait instruction (every wait is Atomics.wait in JavaScript)', () => {
    for (const flavor of ['core', 'core.debug']) {
      const text = readFileSync(new URL(`../build/${flavor}.wat`, import.meta.url), 'utf8');
      expect(text).toMatch(/memory\.atomic\.notify/); // the ack bell: the text is the real module
      expect(text).not.toMatch(/memory\.atomic\.wait(32|64)/);
    }
  });
});
