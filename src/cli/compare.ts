// memslot-emu compare: the main job. A progress bar on stderr while it runs, then one
// table row (or JSON line) per strategy × invalidation model.

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { compare, resolveCompare, type CompareOptions } from '../compare.js';
import { SCENARIOS } from '../scenarios/index.js';
import { SCENARIO_ARCHES } from '../scenarios/guest.js';
import { STRATEGIES } from '../sync/strategies.js';
import type { Row } from '../sync/run.js';
import { formatTable } from '../report/table.js';
import { runMeta } from '../report/meta.js';
import { usageError, type Command } from './io.js';

const help = `Usage: memslot-emu compare [options]

Runs a scenario's guest code on vCPU threads while the host changes memory slots, once
per atomicity strategy and invalidation model, and prints one row each: updates applied,
update latency (µs), guest accesses per second, vCPU stall (µs), and the race checker's
holes, stale accesses, lost writes and MMIO exits. With no options: bar-remap on
ppc64be, 2 vCPUs, every strategy, both models (about 20 s).

Options:
  --scenario S          ${SCENARIOS.join(' | ')} (default bar-remap)
  --arch A              ${SCENARIO_ARCHES.join(' | ')} (default ppc64be; tlb-shootdown: aarch64 or ppc64be)
  --strategies a,b,...  any of ${STRATEGIES.join(', ')} (default all)
  --invalidation M      broadcast | ipi | both (default both)
  --vcpus N             vCPU threads (default 2)
  --duration SECONDS    per row, on threads (default 1)
  --rate N              slot updates per second, on threads (default 1000; 0: none)
  --safepoint N         guest instructions between safe points (default 64)
  --seed N              the deterministic scheduler's seed (default 1)
  --deterministic       every row on one thread under the seeded scheduler, reproducible
  --updates N           updates per row in deterministic mode (default 200)
  --invalid-policy P    exit | retry: an access to a slot KVM marked INVALID (default exit)
  --slots N             slots for move-active / move-inactive (default 10)
  --device FILE         a device module each vCPU loads (repeatable)
  --json                one JSON object per row instead of the table (with a 'meta'
                        record: command line, options, CPU, cores, Node version)
`;

export const compareCommand: Command = {
  summary: 'run a scenario under every atomicity strategy and compare cost and violations (the main job)',
  help,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        strict: true,
        options: {
          scenario: { type: 'string' }, arch: { type: 'string' }, strategies: { type: 'string' }, invalidation: { type: 'string' },
          vcpus: { type: 'string' }, duration: { type: 'string' }, rate: { type: 'string' }, safepoint: { type: 'string' },
          seed: { type: 'string' }, deterministic: { type: 'boolean' }, updates: { type: 'string' }, 'invalid-policy': { type: 'string' },
          slots: { type: 'string' }, device: { type: 'string', multiple: true }, json: { type: 'boolean' },
        },
      });
    } catch (error) {
      return usageError(io, 'compare', (error as Error).message);
    }
    const v = parsed.values;
    const number = (text: string | undefined) => (text === undefined ? undefined : Number(text));
    const options: CompareOptions = {
      scenario: v.scenario, arch: v.arch, strategies: v.strategies?.split(',').map((s) => s.trim()),
      invalidation: v.invalidation as CompareOptions['invalidation'], vcpus: number(v.vcpus), duration: number(v.duration),
      rate: number(v.rate), safepoint: number(v.safepoint), seed: number(v.seed), deterministic: v.deterministic,
      updates: number(v.updates), invalidPolicy: v['invalid-policy'] as CompareOptions['invalidPolicy'], slots: number(v.slots),
      devices: v.device?.map((file) => pathToFileURL(resolve(file)).href),
    };
    try {
      resolveCompare(options);
    } catch (error) {
      return usageError(io, 'compare', (error as Error).message);
    }
    const bar = io.progress;
    options.onProgress = bar && ((done, total, fraction) => bar(progressLine(done, total, fraction)));
    const rows = await compare(options);
    bar?.('');
    if (v.json) {
      const meta = runMeta(['compare', ...args], options, 'compare');
      for (const row of rows) io.stdout(JSON.stringify({ ...publicRow(row), meta }) + '\n');
    } else {
      io.stdout(describe(rows) + table(rows));
    }
    const errors = rows.flatMap((row) => row.errors.map((error) => `${row.strategy}/${row.invalidation}: ${error}`));
    for (const error of errors) io.stderr(`memslot-emu compare: ${error}\n`);
    return errors.length > 0 ? 1 : 0;
  },
};

function progressLine(done: number, total: number, fraction: number): string {
  const width = 30;
  const filled = Math.round(((done + Math.min(1, fraction)) / total) * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] row ${Math.min(done + 1, total)}/${total}`;
}

/** The row as the issue's JSON format gives it (plus mode, seed and the checker's other counts). */
export function publicRow(row: Row): object {
  const { scenario, arch, strategy, invalidation, vcpus, updates, updateUs, accessesPerSec, stallUs, holes, stale, lost, mmioExits, mmioByCause, mode, seed, checks, errors } = row;
  return { scenario, arch, strategy, invalidation, vcpus, updates, updateUs, accessesPerSec, stallUs, holes, stale, lost, mmioExits, mmioByCause, mode, seed, checks, errors };
}

function describe(rows: Row[]): string {
  const first = rows[0];
  if (!first) return '';
  return `${first.scenario} on ${first.arch}, ${first.vcpus} vCPUs, ${first.mode === 'threads' ? 'worker threads' : `deterministic (seed ${first.seed})`}\n\n`;
}

function table(rows: Row[]): string {
  const us = (value: number) => value.toFixed(1);
  return formatTable(
    ['strategy', 'model', 'updates', 'upd p50', 'upd p99', 'upd max', 'accesses/s', 'stall p50', 'stall p99', 'stall max', 'holes', 'stale', 'lost', 'mmio'],
    rows.map((row) => [
      row.strategy, row.invalidation, String(row.updates), us(row.updateUs.p50), us(row.updateUs.p99), us(row.updateUs.max),
      row.accessesPerSec.toExponential(2), us(row.stallUs.p50), us(row.stallUs.p99), us(row.stallUs.max),
      String(row.holes), String(row.stale), String(row.lost), String(row.mmioExits),
    ]),
  ) + '\nLatencies and stalls in µs. holes: accesses an atomic update would have sent to RAM that took the MMIO path;\n'
    + 'stale: accesses completed through a translation already reported invalidated; lost: writes that did not read back.\n';
}
