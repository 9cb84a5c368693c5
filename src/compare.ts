// compare(): the project's main job. Runs one scenario under each strategy and
// invalidation model (one row each, a fresh machine per row) and returns the rows.

import { EmuError, texts } from './errors.js';
import { isScenario, SCENARIOS, type ScenarioName } from './scenarios/index.js';
import { isScenarioArch, SCENARIO_ARCHES, type ScenarioArch } from './scenarios/guest.js';
import { isStrategy, STRATEGIES, type StrategyName } from './sync/strategies.js';
import { runRow, type InvalidationModel, type Row } from './sync/run.js';
import type { InvalidPolicy } from './sync/vcpu-loop.js';
import type { SpawnWorker } from './sync/spawn.js';
import { checkTimeout } from './sync/deadline.js';

export interface CompareOptions {
  /** Default 'bar-remap'. */
  scenario?: ScenarioName;
  /** Default 'ppc64be'. */
  arch?: ScenarioArch;
  /** Default: every strategy. */
  strategies?: readonly StrategyName[];
  /** Default 'both'. */
  invalidation?: InvalidationModel | 'both';
  /** vCPU threads (or actors, deterministic); default 2. */
  vcpus?: number;
  /** Seconds each row runs on threads; default 1. */
  duration?: number;
  /** Guest instructions between safe points; default 64. */
  safepoint?: number;
  /** Seed of the deterministic scheduler; default 1. */
  seed?: number;
  /** Run every row on one thread under the seeded scheduler (reproducible). */
  deterministic?: boolean;
  /** Updates per row in deterministic mode; default 200. */
  updates?: number;
  /** Slot updates per second on threads; default 1000 (0: none, Infinity: back to back). */
  rate?: number;
  /** KVM's access to an INVALID slot: 'exit' to the MMIO path (PowerPC, ARM; default) or 'retry' (x86). */
  invalidPolicy?: InvalidPolicy;
  /** Slot count of move-active and move-inactive; default 10. */
  slots?: number;
  /** Device modules (URLs or specifiers) each vCPU loads into its bus. */
  devices?: readonly string[];
  /** Progress: rows done, rows in all, and the running row's fraction done. */
  onProgress?: (done: number, total: number, fraction: number) => void;
  /** Each row as it ends (a page can show rows as they come). */
  onRow?: (row: Row) => void;
  /** How vCPU threads start; default Node's worker_threads (the browser entry passes Web Workers). */
  spawn?: SpawnWorker;
  /**
   * Threads: how long (ms) an update waits for a vCPU to reach a safe point, and the end
   * of a row for a vCPU's report, before that vCPU is terminated (its row then carries the
   * error, and the other rows run); default 5000.
   */
  timeoutMs?: number;
}

export interface ResolvedCompare {
  scenario: ScenarioName;
  arch: ScenarioArch;
  strategies: StrategyName[];
  models: InvalidationModel[];
}

/** Checks every option before anything runs; throws EmuError EINVAL with the reason. */
export function resolveCompare(options: CompareOptions): ResolvedCompare {
  const scenario = options.scenario ?? 'bar-remap';
  if (!isScenario(scenario)) throw new EmuError('EINVAL', texts.badOption('scenario', `unknown scenario "${scenario}"; one of ${SCENARIOS.join(', ')}`));
  const arch = options.arch ?? 'ppc64be';
  if (!isScenarioArch(arch)) throw new EmuError('EINVAL', texts.badOption('arch', `unknown arch "${arch}"; one of ${SCENARIO_ARCHES.join(', ')}`));
  const strategies = [...(options.strategies ?? STRATEGIES)];
  const unknown = strategies.find((name) => !isStrategy(name));
  if (unknown !== undefined) throw new EmuError('EINVAL', texts.badOption('strategies', `unknown strategy "${unknown}"; one of ${STRATEGIES.join(', ')}`));
  const invalidation = options.invalidation ?? 'both';
  if (!['broadcast', 'ipi', 'both'].includes(invalidation)) throw new EmuError('EINVAL', texts.badOption('invalidation', 'must be broadcast, ipi or both'));
  const positive = (name: string, value: number | undefined, max: number) => {
    if (value !== undefined && !(Number.isInteger(value) && value >= 1 && value <= max)) throw new EmuError('EINVAL', texts.badOption(name, `must be an integer 1..${max}`));
  };
  positive('vcpus', options.vcpus, 64);
  positive('safepoint', options.safepoint, 1 << 24);
  positive('updates', options.updates, 1 << 24);
  if (options.duration !== undefined && !(options.duration > 0 && options.duration <= 3600)) throw new EmuError('EINVAL', texts.badOption('duration', 'must be 0 < seconds <= 3600'));
  if (options.rate !== undefined && !(options.rate >= 0)) throw new EmuError('EINVAL', texts.badOption('rate', 'must be >= 0'));
  if (options.invalidPolicy !== undefined && options.invalidPolicy !== 'exit' && options.invalidPolicy !== 'retry') {
    throw new EmuError('EINVAL', texts.badOption('invalidPolicy', 'must be exit or retry'));
  }
  checkTimeout('timeoutMs', options.timeoutMs);
  const models: InvalidationModel[] = invalidation === 'both' ? ['broadcast', 'ipi'] : [invalidation];
  return { scenario, arch, strategies: strategies as StrategyName[], models };
}

/** Runs the comparison: one row per strategy × invalidation model. */
export async function compare(options: CompareOptions = {}): Promise<Row[]> {
  const { scenario, arch, strategies, models } = resolveCompare(options);
  const plan = strategies.flatMap((strategy) => models.map((invalidation) => ({ strategy, invalidation })));
  const rows: Row[] = [];
  for (const [index, { strategy, invalidation }] of plan.entries()) {
    options.onProgress?.(index, plan.length, 0);
    rows.push(await runRow({
      scenario, arch, strategy, invalidation,
      vcpus: options.vcpus ?? 2,
      safepoint: options.safepoint ?? 64,
      seed: options.seed ?? 1,
      deterministic: options.deterministic ?? false,
      durationMs: (options.duration ?? 1) * 1000,
      rate: options.rate ?? 1000,
      updates: options.updates ?? 200,
      invalidPolicy: options.invalidPolicy ?? 'exit',
      slots: options.slots,
      deviceModules: [...(options.devices ?? [])],
      progress: (fraction) => options.onProgress?.(index, plan.length, fraction),
      spawn: options.spawn,
      timeoutMs: options.timeoutMs,
    }));
    options.onRow?.(rows[rows.length - 1]!);
  }
  options.onProgress?.(plan.length, plan.length, 1);
  return rows;
}
