// memslot-emu sweep: compare over a grid, one JSON line per row, resumable.

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { gridOf, parseShard, planSweep, sweep, type SweepOptions } from '../sweep.js';
import { MOVING_SLOTS, SCENARIOS } from '../scenarios/index.js';
import { SCENARIO_ARCHES } from '../scenarios/guest.js';
import { STRATEGIES } from '../sync/strategies.js';
import { runMeta } from '../report/meta.js';
import { archHelp, archOption, checkScenario, commandLineMessage, numberListOption, rowBar, seedOption, usageError, type Command } from './io.js';

const help = `Usage: memslot-emu sweep --out FILE.jsonl [options]

Runs compare over a grid: strategies × invalidation models × vCPU counts × update rates ×
safe-point spacings × slot counts, appending one JSON line per row to FILE as each ends,
with a progress bar (on a terminal) and a time estimate. Run it again with the same
options and it resumes: rows FILE already holds for the same grid point and the same
settings (mode, --duration on threads, --seed and --updates when deterministic,
--invalid-policy, --device, --repeat) are not run again; rows from other settings stay in
FILE but are not reused, and it says so. Read the results with 'memslot-emu report FILE'.
Each row carries a 'meta' record (command line, options, CPU, cores, Node version).
The columns are those of compare (see 'memslot-emu compare --help').

Options:
  --out FILE            where the rows go (required)
  --scenario S          ${SCENARIOS.join(' | ')} (default bar-remap)
  --arch A              ${archHelp(SCENARIO_ARCHES)}
                        (default ppc64be; tlb-shootdown: aarch64 or ppc64be)
  --strategies a,b,...  any of ${STRATEGIES.join(', ')} (default all)
  --invalidation M      broadcast | ipi | both (default both)
  --vcpus N,N,...       vCPU counts (default 2)
  --rates N,N,...       slot updates per second (default 1000)
  --safepoints N,N,...  instructions between safe points (default 64)
  --slots N,N,...       slot counts, for move-active / move-inactive, ${MOVING_SLOTS.min}..${MOVING_SLOTS.max} (default 10)
  --duration SECONDS    per row, on threads (default 1)
  --deterministic       every row under the seeded scheduler (--seed, --updates)
  --seed N, --updates N as for compare
  --invalid-policy P    exit | retry, as for compare (default exit)
  --device FILE         a device module each vCPU loads (repeatable)
  --repeat N            run every row N times, interleaved (each row once, then again);
                        a row holds each figure's median, its min and max and every run
                        (each run is saved as it ends, so a resumed sweep keeps them)
  --shard K/N           run only the K-th of N disjoint parts of the grid (every N-th
                        point from the K-th): give each machine or array task its own K
                        and --out, then 'memslot-emu report' merges the files
`;

export const sweepCommand: Command = {
  summary: 'compare over a grid of parameters, one JSON line per row, resumable',
  help,
  async run(args, io) {
    let values;
    try {
      values = parseArgs({
        args, strict: true,
        options: {
          out: { type: 'string' }, scenario: { type: 'string' }, arch: { type: 'string' }, strategies: { type: 'string' },
          invalidation: { type: 'string' }, vcpus: { type: 'string' }, rates: { type: 'string' }, safepoints: { type: 'string' },
          slots: { type: 'string' }, duration: { type: 'string' }, deterministic: { type: 'boolean' }, seed: { type: 'string' },
          updates: { type: 'string' }, device: { type: 'string', multiple: true }, 'invalid-policy': { type: 'string' },
          repeat: { type: 'string' }, shard: { type: 'string' },
        },
      }).values;
    } catch (error) {
      return usageError(io, 'sweep', commandLineMessage(error));
    }
    if (!values.out) return usageError(io, 'sweep', '--out FILE is required');
    const options: SweepOptions = {
      // Unchecked text from the command line: sweep() checks it (resolveCompare) before running.
      scenario: values.scenario as SweepOptions['scenario'], arch: archOption('sweep', values.arch, SCENARIO_ARCHES),
      strategies: values.strategies?.split(',').map((s) => s.trim()) as SweepOptions['strategies'],
      invalidation: values.invalidation as SweepOptions['invalidation'], vcpus: numberListOption('vcpus', values.vcpus),
      rates: numberListOption('rates', values.rates), safepoints: numberListOption('safepoints', values.safepoints),
      slots: numberListOption('slots', values.slots),
      duration: values.duration === undefined ? undefined : Number(values.duration), deterministic: values.deterministic,
      seed: seedOption(values.seed), updates: values.updates === undefined ? undefined : Number(values.updates),
      devices: values.device?.map((file) => pathToFileURL(resolve(file)).href),
      invalidPolicy: values['invalid-policy'] as SweepOptions['invalidPolicy'],
      repeat: values.repeat === undefined ? undefined : Number(values.repeat),
    };
    options.meta = runMeta(['sweep', ...args], { duration: options.duration, updates: options.updates, seed: options.seed }, 'sweep');
    const out = values.out;
    let plan;
    try {
      if (values.shard !== undefined) options.shard = parseShard(values.shard);
      plan = planSweep(options, out);
    } catch (error) {
      return usageError(io, 'sweep', (error as Error).message);
    }
    checkScenario(options.scenario, options.arch, options.vcpus ?? []);
    const { foreign, points, todo, settings } = plan;
    if (foreign.rows > 0) {
      io.stderr(`memslot-emu sweep: note: ${out} holds ${foreign.rows} rows for these grid points run with other settings `
        + `(${foreign.differences.join('; ')}); they stay in the file but are not reused. Give another --out to keep results apart.\n`);
    }
    const repeat = settings.repeat;
    const total = points.length * repeat;
    const bar = rowBar(io, 'sweep', total, total - todo.reduce((sum, item) => sum + repeat - item.runs.length, 0));
    let ran;
    try {
      ran = await sweep(options, out, ({ done, running }) => {
        if (!running) return;
        const { point, run, fraction } = running;
        const at = `${point.strategy}/${point.invalidation}, ${point.vcpus} vCPUs, ${point.rate}/s, safepoint ${point.safepoint}, ${point.slots} slots`;
        bar.update(done + fraction, `${repeat > 1 ? 'run' : 'row'} ${done + 1}/${total}: ${at}${repeat > 1 ? `, pass ${run}/${repeat}` : ''}`);
      });
    } finally {
      bar.stop();
    }
    const grid = gridOf(options).length;
    const part = options.shard ? `shard ${options.shard.index}/${options.shard.count}: ${points.length} of the grid's ${grid} points` : `${grid} in the grid`;
    io.stdout(`${ran.length} rows run, ${points.length - todo.length} already in ${out}; ${part}.\n`);
    const errors = ran.flatMap((row) => row.errors);
    for (const error of errors) io.stderr(`memslot-emu sweep: ${error}\n`);
    return errors.length > 0 ? 1 : 0;
  },
};
