// End to end in Debian's Chromium (playwright-core, headless): the demo page with
// Web Worker vCPUs when cross-origin isolated, and its explanation when not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startDemoServer } from '../dist/src/demo/server.js';
import { runRow, STRATEGIES } from '../dist/src/index.js';

const CHROMIUM = '/usr/bin/chromium';
const SAFE = ['rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap'];
const ARTIFACTS = new URL('./artifacts/', import.meta.url);

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
      expect(errors).toEqual([]);
      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: new URL('demo.png', ARTIFACTS).pathname, fullPage: true });
    } finally {
      await server.close();
    }
  });

  it('without COOP/COEP explains the fix, and still replays a race from its seed exactly as Node does', async () => {
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
      await page.selectOption('#scenario', 'tlb-shootdown');
      await page.selectOption('#arch', 'ppc64be');
      await page.selectOption('#replay-row', 'naive/broadcast');
      await page.click('#replay');
      await page.waitForFunction(() => !(document.getElementById('step') as HTMLButtonElement).disabled);
      // Each click takes 200 scheduler steps; the next one waits for its answer.
      for (let i = 0; i < 1000; i++) {
        const before = await page.locator('#replay-state').textContent();
        if (/\(ended\)/.test(before ?? '')) break;
        await page.click('#step');
        await page.waitForFunction((previous) => document.getElementById('replay-state')!.textContent !== previous, before);
      }
      const state = await page.locator('#replay-state').textContent();
      const node = await runRow({
        scenario: 'tlb-shootdown', arch: 'ppc64be', strategy: 'naive', invalidation: 'broadcast', vcpus: 2, safepoint: 64, seed: 1,
        deterministic: true, durationMs: 0, rate: 0, updates: 100, invalidPolicy: 'exit', deviceModules: [],
      });
      expect(node.stale).toBeGreaterThan(0);
      expect(state).toMatch(/\(ended\)/);
      expect(state).toContain(`holes ${node.holes}, stale ${node.stale}, lost ${node.lost}`);
    } finally {
      await server.close();
    }
  });
});
