// memslot-emu compare: the main job. A progress bar on stderr while it runs, then one
// table row (or JSON line) per strategy × invalidation model.

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { compare, resolveCompare, type CompareOptions, type ComparedRow, type Figures, type ResolvedCompare } from '../compare.js';
import { MOVING_SLOTS, SCENARIOS } from '../scenarios/index.js';
import { SCENARIO_ARCHES } from '../scenarios/guest.js';
import { GUEST_KINDS, type GuestKind } from '../scenarios/c-guests.js';
import { STRATEGIES } from '../sync/strategies.js';
import { formatTable } from '../report/table.js';
import { runMeta } from '../report/meta.js';
import { archHelp, archOption, checkScenario, commandLineMessage, integerOption, numberText, rowBar, seedOption, usageError, type Command } from './io.js';

/** What the table's columns mean, in KVM and QEMU terms (under the table and in --help). */
export const LEGEND = `model    when a TLB invalidation counts as done: broadcast, once every vCPU outside
         emulation dropped the entry (TLBI ...IS; tlbie); ipi, also waiting for vCPUs
         inside the MMIO path (an IPI is answered only when KVM_RUN returns)
updates  slot updates applied (KVM_SET_USER_MEMORY_REGION transactions). Threads keep
         a --rate schedule and stop at --duration: 998 of 1000 (fewer on a busy
         machine) means updates ran late and the last ones fell due after the end
upd      the updater's time per update; stall: vCPU time held at safe points (parked
         for a stop, waiting on a lock); both in µs, 50th/99th percentile and max
holes    accesses that took the MMIO path (KVM_EXIT_MMIO) where QEMU's FlatView had RAM
stale    accesses through a translation already reported invalidated
lost     guest writes that did not read back (the guest checks)
mmio     MMIO exits of every cause (holes, unassigned, devices, retried INVALID slots);
         equal to holes when the guest touches only RAM, as in bar-remap and move
kvm has the most holes: like KVM under SRCU, it marks a moved or deleted slot INVALID
and waits a grace period before and after the change; meanwhile every access to the
slot takes the MMIO path (PowerPC, ARM; x86 retries instead: --invalid-policy retry).
`;

const help = `Usage: memslot-emu compare [options]

Runs a scenario's guest code on vCPU threads while the host changes memory slots, once
per atomicity strategy and invalidation model, and prints one row each: updates applied,
update latency (µs), guest accesses per second, vCPU stall (µs), and the race checker's
holes, stale accesses, lost writes and MMIO exits. With no options: bar-remap on
ppc64be, 2 vCPUs, every strategy, both models (about 20 s).

Options:
  --scenario S          ${SCENARIOS.join(' | ')} (default bar-remap)
  --arch A              ${archHelp(SCENARIO_ARCHES)}
                        (default ppc64be; tlb-shootdown: aarch64 or ppc64be)
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
  --slots N             slots for move-active / move-inactive, ${MOVING_SLOTS.min}..${MOVING_SLOTS.max} (default 10)
  --guest K             ${GUEST_KINDS.join(' | ')}: the scenario's hand-emitted guest loops (default), or KVM's
                        selftest guest code compiled from C (guests/src/selftest.c; every
                        scenario)
  --device FILE         a device module each vCPU loads (repeatable)
  --repeat N            run every row N times, interleaved (all rows once, then again);
                        the table shows each figure's median and, under it, min–max;
                        the JSON gives medians and every run under "repeat" (default 1)
  --timeout MS          on threads, how long an update waits for a vCPU to reach a safe
                        point (and a row's end for its report) before that vCPU, stuck in
                        a device, is terminated and its row reports the error (default 5000)
  --json                one JSON object per row instead of the table (with a 'meta'
                        record: command line, options, CPU, cores, Node version)

The columns:
${LEGEND}`;

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
          slots: { type: 'string' }, guest: { type: 'string' }, device: { type: 'string', multiple: true }, json: { type: 'boolean' }, repeat: { type: 'string' }, timeout: { type: 'string' },
        },
      });
    } catch (error) {
      return usageError(io, 'compare', commandLineMessage(error));
    }
    const v = parsed.values;
    const number = numberText;
    const options: CompareOptions = {
      // Unchecked text from the command line: resolveCompare() checks it below.
      scenario: v.scenario as CompareOptions['scenario'], arch: archOption('compare', v.arch, SCENARIO_ARCHES),
      strategies: v.strategies?.split(',').map((s) => s.trim()) as CompareOptions['strategies'],
      invalidation: v.invalidation as CompareOptions['invalidation'], vcpus: number(v.vcpus), duration: number(v.duration),
      rate: number(v.rate), safepoint: number(v.safepoint), seed: seedOption(v.seed), deterministic: v.deterministic,
      updates: number(v.updates), invalidPolicy: v['invalid-policy'] as CompareOptions['invalidPolicy'], slots: integerOption('slots', v.slots, MOVING_SLOTS.min, MOVING_SLOTS.max),
      devices: v.device?.map((file) => pathToFileURL(resolve(file)).href),
      repeat: number(v.repeat),
      timeoutMs: number(v.timeout),
      // Unchecked text: resolveCompare() checks it below.
      guest: v.guest as GuestKind | undefined,
    };
    let resolved;
    try {
      resolved = resolveCompare(options);
    } catch (error) {
      return usageError(io, 'compare', (error as Error).message);
    }
    checkScenario(options.scenario, options.arch, options.vcpus === undefined ? [] : [options.vcpus]);
    const total = resolved.strategies.length * resolved.models.length * resolved.repeat;
    const bar = rowBar(io, 'compare', total);
    options.onProgress = (done, _total, fraction, running) => {
      if (!running) return;
      const pass = resolved.repeat > 1 ? `, pass ${running.run}/${resolved.repeat}` : '';
      bar.update(done + fraction, `${resolved.repeat > 1 ? 'run' : 'row'} ${done + 1}/${total}: ${running.strategy}/${running.invalidation}${pass}`);
    };
    let rows;
    try {
      rows = await compare(options);
    } finally {
      bar.stop();
    }
    if (v.json) {
      const meta = runMeta(['compare', ...args], options, 'compare');
      for (const row of rows) io.stdout(JSON.stringify({ ...publicRow(row), guest: resolved.guest, meta }) + '\n');
    } else {
      io.stdout(describe(options, resolved) + '\n' + table(rows) + '\n' + LEGEND);
    }
    const errors = rows.flatMap((row) => row.errors.map((error) => `${row.strategy}/${row.invalidation}: ${error}`));
    for (const error of errors) io.stderr(`memslot-emu compare: ${error}\n`);
    return errors.length > 0 ? 1 : 0;
  },
};

/** The row as the JSON format gives it (plus mode, seed, the checker's other counts and, with --repeat, every run). */
export function publicRow(row: ComparedRow): object {
  const { scenario, arch, strategy, invalidation, vcpus, updates, updateUs, accessesPerSec, stallUs, holes, stale, lost, mmioExits, mmioByCause, mode, seed, checks, errors, repeat } = row;
  return { scenario, arch, strategy, invalidation, vcpus, updates, updateUs, accessesPerSec, stallUs, holes, stale, lost, mmioExits, mmioByCause, mode, seed, checks, errors, repeat };
}

/** The header: every parameter that shaped the rows. */
function describe(options: CompareOptions, { scenario, arch, models, repeat, guest }: ResolvedCompare): string {
  const vcpus = options.vcpus ?? 2;
  const mode = options.deterministic
    ? `deterministic (seed ${options.seed ?? 1}), ${options.updates ?? 200} updates per row`
    : `worker threads (no seed: timing decides), ${options.duration ?? 1} s per row at ${options.rate ?? 1000} updates/s`;
  const runs = repeat > 1 ? `; ${repeat} runs per row: medians, min–max under each` : '';
  const code = guest === 'c' ? ', guest code compiled from C (KVM selftests)' : '';
  return `${scenario} on ${arch}${code}, ${vcpus} vCPUs, ${mode}\n`
    + `model ${models.join(' and ')}; a safe point every ${options.safepoint ?? 64} instructions; `
    + `INVALID slots ${options.invalidPolicy === 'retry' ? 'retried (x86)' : 'exit to MMIO'}${runs}\n`;
}

const us = (value: number) => value.toFixed(1);
const COLUMNS: [string, (figures: Figures) => string][] = [
  ['updates', (f) => String(f.updates)], ['upd p50', (f) => us(f.updateUs.p50)], ['upd p99', (f) => us(f.updateUs.p99)],
  ['upd max', (f) => us(f.updateUs.max)], ['accesses/s', (f) => f.accessesPerSec.toExponential(2)], ['stall p50', (f) => us(f.stallUs.p50)],
  ['stall p99', (f) => us(f.stallUs.p99)], ['stall max', (f) => us(f.stallUs.max)], ['holes', (f) => String(f.holes)],
  ['stale', (f) => String(f.stale)], ['lost', (f) => String(f.lost)], ['mmio', (f) => String(f.mmioExits)],
];

/** One line per row; a row of several runs gets a second line with each figure's min–max. */
function table(rows: ComparedRow[]): string {
  const lines = rows.flatMap((row) => {
    const line = [row.strategy, row.invalidation, ...COLUMNS.map(([, cell]) => cell(row))];
    if (!row.repeat) return [line];
    const { min, max } = row.repeat;
    return [line, ['', '(min–max)', ...COLUMNS.map(([, cell]) => `${cell(min)}–${cell(max)}`)]];
  });
  const headers = ['strategy', 'model', ...COLUMNS.map(([header]) => header)];
  const widths = headers.map((header, column) => Math.max(header.length, ...lines.map((line) => line[column]!.length)));
  // Figures right-aligned here (formatTable would left-align a column with a range in it).
  const aligned = lines.map((line) => line.map((cell, column) => (column < 2 ? cell : cell.padStart(widths[column]!))));
  return formatTable(headers.map((header, column) => (column < 2 ? header : header.padStart(widths[column]!))), aligned);
}
