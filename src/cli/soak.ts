// memslot-emu soak: a long threaded run cycling every scenario, strategy and model with
// random update rates and safe-point spacings, the checker on; prints running totals.
// Exit 1 if a safe strategy ever lost a write or a guest saw a value it must not.

import { SCENARIOS } from '../scenarios/index.js';
import { SCENARIO_ARCHES } from '../scenarios/guest.js';
import { STRATEGIES } from '../sync/strategies.js';
import { seededRandom } from '../sync/scheduler.js';
import { runRow } from '../sync/run.js';
import { archHelp, integerOption, numberText, parseCommandLine, seedOption, UsageError, type Command } from './io.js';

const MIN_VCPUS = 2;
const MAX_VCPUS = 64;

const help = `Usage: memslot-emu soak [--duration SECONDS] [--vcpus N] [--seed N]

Runs on vCPU threads, one second per step, cycling through every scenario, strategy
and invalidation model with a random architecture (${archHelp(SCENARIO_ARCHES)};
tlb-shootdown on aarch64), update rate (100..20000/s or back to back) and safe-point
spacing (1..256) drawn from the seed, and prints after each step the updates applied,
guest accesses, and lost writes so far (all strategies, and the safe ones: rcu,
stop-the-world, the mutexes, inhibit-on-overlap). Ends with a verdict line: PASS, or
FAIL and what failed.

Options:
  --duration SECONDS  how long in all (default 60)
  --vcpus N           vCPU threads, ${MIN_VCPUS}..${MAX_VCPUS} (default 2; at least ${MIN_VCPUS}: tlb-shootdown
                      needs one vCPU that remaps while the others write)
  --seed N            draws of the random parameters, 0..2^32-1 (default 1)

Exit codes: 0 PASS, 1 FAIL (a safe strategy lost a write, a guest saw a value it
must not, or a row failed), 2 a bad option.
`;

const SAFE = new Set(['rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap']);

export const soakCommand: Command = {
  summary: 'a long threaded run over every scenario, strategy and model; safe strategies must lose nothing',
  help,
  async run(args, io) {
    const { values } = parseCommandLine({ args, options: { duration: { type: 'string' }, vcpus: { type: 'string' }, seed: { type: 'string' } } });
    const duration = numberText(values.duration) ?? 60;
    if (!(duration > 0 && duration < Infinity)) throw new UsageError(`--duration: '${values.duration}' is not a number of seconds > 0`);
    const vcpus = integerOption('vcpus', values.vcpus, MIN_VCPUS, MAX_VCPUS) ?? 2;
    const random = seededRandom(seedOption(values.seed) ?? 1);
    const plan = SCENARIOS.flatMap((scenario) => STRATEGIES.flatMap((strategy) => (['broadcast', 'ipi'] as const).map((invalidation) => ({ scenario, strategy, invalidation }))));
    const end = Date.now() + duration * 1000;
    const totals = { updates: 0, accesses: 0, lost: 0, safeLost: 0, badValues: 0, errors: 0 };
    let step = 0;
    for (; Date.now() < end; step++) {
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
    const failures = [
      totals.safeLost > 0 ? `${totals.safeLost} writes lost under safe strategies` : '',
      totals.badValues > 0 ? `${totals.badValues} values a guest must not see` : '',
      totals.errors > 0 ? `${totals.errors} row errors` : '',
    ].filter((text) => text !== '');
    io.stdout(failures.length === 0
      ? `PASS: ${step} steps, ${totals.updates} updates; the safe strategies lost no write and no guest saw a value it must not\n`
      : `FAIL: ${failures.join(', ')} (in ${step} steps)\n`);
    return failures.length === 0 ? 0 : 1;
  },
};
