// memslot-emu sweep: compare over a grid, one JSON line per row, resumable.

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { gridOf, sweep, type SweepOptions } from '../sweep.js';
import { SCENARIOS } from '../scenarios/index.js';
import { SCENARIO_ARCHES } from '../scenarios/guest.js';
import { STRATEGIES } from '../sync/strategies.js';
import { runMeta } from '../report/meta.js';
import { usageError, type Command } from './io.js';

const help = `Usage: memslot-emu sweep --out FILE.jsonl [options]

Runs compare over a grid: strategies × invalidation models × vCPU counts × update rates ×
safe-point spacings × slot counts, appending one JSON line per row to FILE as each ends,
with a progress bar and a time estimate. Run it again with the same options and it
resumes: rows FILE already holds are not run again. Each row carries a 'meta' record
(command line, options, CPU, cores, Node version). Read the results with
'memslot-emu report FILE'.

Options:
  --out FILE            where the rows go (required)
  --scenario S          ${SCENARIOS.join(' | ')} (default bar-remap)
  --arch A              ${SCENARIO_ARCHES.join(' | ')} (default ppc64be)
  --strategies a,b,...  any of ${STRATEGIES.join(', ')} (default all)
  --invalidation M      broadcast | ipi | both (default both)
  --vcpus N,N,...       vCPU counts (default 2)
  --rates N,N,...       slot updates per second (default 1000)
  --safepoints N,N,...  instructions between safe points (default 64)
  --slots N,N,...       slot counts, for move-active / move-inactive (default 10)
  --duration SECONDS    per row, on threads (default 1)
  --deterministic       every row under the seeded scheduler (--seed, --updates)
  --seed N, --updates N as for compare
`;

const numbers = (text: string | undefined) => text?.split(',').map((part) => Number(part.trim()));

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
          updates: { type: 'string' }, device: { type: 'string', multiple: true },
        },
      }).values;
    } catch (error) {
      return usageError(io, 'sweep', (error as Error).message);
    }
    if (!values.out) return usageError(io, 'sweep', '--out FILE is required');
    const options: SweepOptions = {
      scenario: values.scenario, arch: values.arch, strategies: values.strategies?.split(',').map((s) => s.trim()),
      invalidation: values.invalidation as SweepOptions['invalidation'], vcpus: numbers(values.vcpus), rates: numbers(values.rates),
      safepoints: numbers(values.safepoints), slots: numbers(values.slots),
      duration: values.duration === undefined ? undefined : Number(values.duration), deterministic: values.deterministic,
      seed: values.seed === undefined ? undefined : Number(values.seed), updates: values.updates === undefined ? undefined : Number(values.updates),
      devices: values.device?.map((file) => pathToFileURL(resolve(file)).href),
    };
    options.meta = runMeta(['sweep', ...args], { duration: options.duration, updates: options.updates, seed: options.seed }, 'sweep');
    try {
      gridOf(options);
    } catch (error) {
      return usageError(io, 'sweep', (error as Error).message);
    }
    const ran = await sweep(options, values.out, ({ done, total, etaSeconds }) => {
      const width = 30;
      const filled = Math.round((done / total) * width);
      io.progress?.(`[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} rows, about ${Math.ceil(etaSeconds)} s left`);
    });
    io.progress?.('');
    const total = gridOf(options).length;
    io.stdout(`${ran.length} rows run, ${total - ran.length} already in ${values.out}; ${total} in the grid.\n`);
    const errors = ran.flatMap((row) => row.errors);
    for (const error of errors) io.stderr(`memslot-emu sweep: ${error}\n`);
    return errors.length > 0 ? 1 : 0;
  },
};
