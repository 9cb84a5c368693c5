// memslot-emu soak: a long threaded run cycling every scenario, strategy and model with
// random update rates and safe-point spacings, the checker on; prints running totals.
// Exit 1 if a safe strategy ever lost a write or a guest saw a value it must not.

import { parseArgs } from 'node:util';
import { SCENARIOS } from '../scenarios/index.js';
import { SCENARIO_ARCHES } from '../scenarios/guest.js';
import { STRATEGIES } from '../sync/strategies.js';
import { seededRandom } from '../sync/scheduler.js';
import { runRow } from '../sync/run.js';
import { usageError, type Command } from './io.js';

const help = `Usage: memslot-emu soak [--duration SECONDS] [--vcpus N] [--seed N]

Runs on vCPU threads, one second per step, cycling through every scenario, strategy
and invalidation model with a random architecture, update rate (100..20000/s or back
to back) and safe-point spacing (1..256) drawn from the seed, and prints after each
step the updates applied, guest accesses, and lost writes so far (all strategies, and
the safe ones: rcu, stop-the-world, the mutexes, inhibit-on-overlap).

Options:
  --duration SECONDS  how long in all (default 60)
  --vcpus N           vCPU threads (default 2)
  --seed N            draws of the random parameters (default 1)
`;

const SAFE = new Set(['rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap']);

export const soakCommand: Command = {
  summary: 'a long threaded run over every scenario, strategy and model; safe strategies must lose nothing',
  help,
  async run(args, io) {
    let values;
    try {
      values = parseArgs({ args, strict: true, options: { duration: { type: 'string' }, vcpus: { type: 'string' }, seed: { type: 'string' } } }).values;
    } catch (error) {
      return usageError(io, 'soak', (error as Error).message);
    }
    const duration = Number(values.duration ?? 60);
    const vcpus = Number(values.vcpus ?? 2);
    const random = seededRandom(Number(values.seed ?? 1));
    if (!(duration > 0) || !Number.isInteger(vcpus) || vcpus < 2 || vcpus > 64) return usageError(io, 'soak', 'need --duration > 0 and --vcpus 2..64');
    const plan = SCENARIOS.flatMap((scenario) => STRATEGIES.flatMap((strategy) => (['broadcast', 'ipi'] as const).map((invalidation) => ({ scenario, strategy, invalidation }))));
    const end = Date.now() + duration * 1000;
    const totals = { updates: 0, accesses: 0, lost: 0, safeLost: 0, badValues: 0, errors: 0 };
    for (let step = 0; Date.now() < end; step++) {
      const { scenario, strategy, invalidation } = plan[step % plan.length]!;
      const arch = scenario === 'tlb-shootdown' ? 'aarch64' : SCENARIO_ARCHES[Math.floor(random() * SCENARIO_ARCHES.length)]!;
      const rate = random() < 0.2 ? Infinity : Math.round(100 * 200 ** random());
      const safepoint = Math.max(1, Math.round(256 ** random()));
      const durationMs = Math.min(1000, Math.max(100, end - Date.now()));
      const row = await runRow({
        scenario, arch, strategy, invalidation, vcpus, safepoint, seed: step, deterministic: false,
        durationMs, rate, updates: 0, invalidPolicy: 'exit', deviceModules: [],
      });
      totals.updates += row.updates;
      totals.accesses += Math.round((row.accessesPerSec * durationMs) / 1000);
      totals.lost += row.lost;
      if (SAFE.has(strategy)) {
        totals.safeLost += row.lost;
        totals.badValues += row.checks.badValues;
      }
      totals.errors += row.errors.length;
      io.stdout(`${new Date().toISOString()} ${scenario}/${strategy}/${invalidation} ${arch} rate=${rate} safepoint=${safepoint}: `
        + `updates ${totals.updates}, accesses ${totals.accesses.toExponential(2)}, lost ${totals.lost} (safe strategies ${totals.safeLost}), errors ${totals.errors}\n`);
      for (const error of row.errors) io.stderr(`memslot-emu soak: ${error}\n`);
    }
    return totals.safeLost + totals.badValues + totals.errors === 0 ? 0 : 1;
  },
};
