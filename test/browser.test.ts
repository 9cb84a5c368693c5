// End to end in Debian's Chromium (playwright-core, headless): the demo page with
// Web Worker vCPUs when cross-origin isolated, and its explanation when not; the timer
// note next to the latencies; replaying a table row 200 turns a click to its numbers;
// a replay's bad options shown on the page. Screenshots go to test/artifacts/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startDemoServer } from '../dist/src/demo/server.js';
import { runRow, STRATEGIES } from '../dist/src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SAFE = ['rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap'];
const ARTIFACTS = new URL('./artifacts/', import.meta.url);

/** The timer step (µs) the page's note states. */
function timerStep(note: string | null): number {
  const step = Number(/in steps of ([\d.]+) µs/.exec(note ?? '')?.[1]);
  expect(step, note ?? '').toBeGreaterThan(0);
  return step;
}

describe('the browser entry', () => {
  it('reaches no Node module through its static imports (the page and its workers load dist/ as it is)', () => {
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = (url: URL) => {
      if (seen.has(url.href)) return;
      seen.add(url.href);
      const text = readFileSync(url, 'utf8');
      // Static imports and re-exports; a dynamic import() runs only where it is called.
      for (const match of text.matchAll(/^(?:import|export)\b[^;]*?from\s+'([^']+)'/gms)) {
        const target = match[1]!;
        if (target.startsWith('.')) visit(new URL(target, url));
        else nodeImports.push(`${url.pathname.split('/dist/')[1]} imports ${target}`);
      }
    };
    for (const entry of ['browser.js', 'browser/host-worker.js', 'sync/web-vcpu-worker.js']) visit(new URL(`../dist/src/${entry}`, import.meta.url));
    expect(seen.size).toBeGreaterThan(20);
    expect(nodeImports).toEqual([]);
  });
});

describe.skipIf(!existsSync(CHROMIUM))('the demo page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('loads cross-origin isolated and compares every strategy on 2 Web Worker vCPUs; the safe ones lose nothing', async () => {
    const server = await startDemoServer({ port: 0 });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(server.url);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
      expect(await page.locator('#error').isHidden()).toBe(true);
      await page.fill('#vcpus', '2');
      await page.fill('#duration', '0.2');
      await page.selectOption('#mode', 'threads');
      await page.click('#run');
      await page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset.state ?? ''), null, { timeout: 120_000 });
      expect(await page.locator('#error').textContent()).toBe('');
      expect(await page.evaluate(() => document.body.dataset.state)).toBe('done');
      const rows = await page.locator('#results tbody tr').evaluateAll((trs) => trs.map((tr) => ({
        strategy: (tr as HTMLElement).dataset.strategy, invalidation: (tr as HTMLElement).dataset.invalidation,
        updates: Number(tr.querySelector('.updates')!.textContent), lost: Number(tr.querySelector('.lost')!.textContent),
      })));
      expect(rows.map((row) => `${row.strategy}/${row.invalidation}`).sort()).toEqual(STRATEGIES.flatMap((s) => [`${s}/broadcast`, `${s}/ipi`]).sort());
      for (const row of rows) {
        expect(row.updates, `${row.strategy}/${row.invalidation}`).toBeGreaterThan(0);
        if (SAFE.includes(row.strategy!)) expect(row.lost, `${row.strategy}/${row.invalidation}`).toBe(0);
      }
      expect(await page.locator('#charts svg').count()).toBe(3);
      // Every latency is a multiple of the timer step the page states next to the table.
      const note = await page.locator('#timer-note').textContent();
      expect(note).toMatch(/\(cross-origin isolated\)/);
      const step = timerStep(note);
      const latencies = await page.locator('#results tbody td:is(.p50, .p99, .stall)').allTextContents();
      expect(latencies.length).toBe(3 * rows.length);
      for (const latency of latencies) expect(Math.round(Number(latency) * 10) % Math.round(step * 10), latency).toBe(0);
      expect(errors).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('demo.png', ARTIFACTS).pathname, fullPage: true });
    } finally {
      await server.close();
    }
  });

  it('without COOP/COEP explains the fix and the coarser timer, and replays a table row step by step to the same numbers as the table and Node', async () => {
    const server = await startDemoServer({ port: 0, isolation: false });
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      expect(await page.evaluate(() => crossOriginIsolated)).toBe(false);
      const message = await page.locator('#error').textContent();
      expect(message).toMatch(/not cross-origin isolated/);
      expect(message).toMatch(/Cross-Origin-Opener-Policy: same-origin/);
      expect(message).toMatch(/Cross-Origin-Embedder-Policy: require-corp/);
      expect(await page.locator('#mode option[value=threads]').isDisabled()).toBe(true);
      const note = await page.locator('#timer-note').textContent();
      expect(note).toMatch(/not cross-origin isolated/);
      expect(timerStep(note)).toBeGreaterThanOrEqual(await page.evaluate(() => {
        let smallest = Infinity;
        for (let last = performance.now(), end = last + 50, now = last; now < end; now = performance.now()) {
          if (now > last) smallest = Math.min(smallest, now - last);
          last = now;
        }
        return Math.round(smallest * 1e4) / 10;
      }));

      await page.selectOption('#scenario', 'tlb-shootdown');
      await page.selectOption('#arch', 'ppc64be');
      await page.selectOption('#invalidation', 'broadcast');
      await page.locator('.strategy').evaluateAll((boxes) => boxes.forEach((box) => { (box as HTMLInputElement).checked = (box as HTMLInputElement).value === 'naive'; }));
      await page.click('#run');
      await page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset.state ?? ''));
      const cell = (name: string) => page.locator(`#results tbody tr[data-strategy=naive] .${name}`).textContent();
      const table = { updates: await cell('updates'), holes: await cell('holes'), stale: await cell('stale'), lost: await cell('lost') };

      await page.selectOption('#replay-row', 'naive/broadcast');
      await page.click('#replay');
      await page.waitForFunction(() => !(document.getElementById('step') as HTMLButtonElement).disabled);
      expect(await page.locator('#replay-state').textContent()).toMatch(/^step 0\b/);
      // Each click takes exactly 200 scheduler steps (fewer only on the last, where the run ends).
      let steps = 0;
      for (let i = 0; i < 1000; i++) {
        const before = await page.locator('#replay-state').textContent();
        if (/\(ended\)/.test(before ?? '')) break;
        await page.click('#step');
        await page.waitForFunction((previous) => document.getElementById('replay-state')!.textContent !== previous, before);
        const after = await page.locator('#replay-state').textContent();
        const taken = Number(/^step (\d+)/.exec(after ?? '')?.[1]) - steps;
        if (/\(ended\)/.test(after ?? '')) expect(taken).toBeLessThanOrEqual(200);
        else expect(taken, after ?? '').toBe(200);
        steps += taken;
      }
      const state = await page.locator('#replay-state').textContent();
      const node = await runRow({
        scenario: 'tlb-shootdown', arch: 'ppc64be', strategy: 'naive', invalidation: 'broadcast', vcpus: 2, safepoint: 64, seed: 1,
        deterministic: true, durationMs: 0, rate: 0, updates: 200, invalidPolicy: 'exit', deviceModules: [],
      });
      expect(node.stale).toBeGreaterThan(0);
      expect(table).toEqual({ updates: String(node.updates), holes: String(node.holes), stale: String(node.stale), lost: String(node.lost) });
      expect(state).toMatch(/\(ended\)/);
      expect(state).toContain(`${node.updates} updates: holes ${node.holes}, stale ${node.stale}, lost ${node.lost}`);
      expect(state).toMatch(/the same as the table's row/);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('demo-no-isolation.png', ARTIFACTS).pathname, fullPage: true });
    } finally {
      await server.close();
    }
  });

  it('shows why a replay with bad options cannot start, on the page, and starts once they are fixed', async () => {
    const server = await startDemoServer({ port: 0, isolation: false });
    try {
      const page = await browser.newPage();
      await page.goto(server.url);
      expect(await page.locator('#replay-error').isHidden()).toBe(true);
      await page.fill('#vcpus', '0');
      await page.click('#replay');
      await page.waitForFunction(() => !document.getElementById('replay-error')!.hidden);
      expect(await page.locator('#replay-error').textContent()).toMatch(/vcpus.*must be an integer 1\.\.64/);
      expect(await page.locator('#step').isDisabled()).toBe(true);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.locator('#replay-panel').screenshot({ path: new URL('demo-replay-error.png', ARTIFACTS).pathname });
      await page.fill('#vcpus', '2');
      await page.click('#replay');
      await page.waitForFunction(() => !(document.getElementById('step') as HTMLButtonElement).disabled);
      expect(await page.locator('#replay-error').isHidden()).toBe(true);
    } finally {
      await server.close();
    }
  });
});
