// compare(): the project's main job. Runs one scenario under each strategy and
// invalidation model (one row each, a fresh machine per row) and returns the rows.

import { EmuError, texts } from './errors.js';
import { checkMovingSlots, isScenario, SCENARIOS, type ScenarioName } from './scenarios/index.js';
import { isScenarioArch, SCENARIO_ARCHES, type ScenarioArch } from './scenarios/guest.js';
import { isStrategy, STRATEGIES, type StrategyName } from './sync/strategies.js';
import { runRow, type InvalidationModel, type Row } from './sync/run.js';
import type { InvalidPolicy } from './sync/vcpu-loop.js';
import type { SpawnWorker } from './sync/spawn.js';
import { checkTimeout } from './sync/deadline.js';
import { checkGuestKind, type GuestKind } from './scenarios/c-guests.js';

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
  /** The scenario's guest code: the hand-emitted loops ('asm', default) or KVM's selftest guests compiled from C ('c'). */
  guest?: GuestKind;
  /** Device modules (URLs or specifiers) each vCPU loads into its bus. */
  devices?: readonly string[];
  /** Runs of every row, interleaved (each row once, then each again): a row reports each figure's median and keeps every run under `repeat`. Default 1. */
  repeat?: number;
  /** Progress: runs done, runs in all (rows × repeat), the running run's fraction done, and which it is. */
  onProgress?: (done: number, total: number, fraction: number, running?: PlannedRun) => void;
  /** Each row as it ends, its last run included (a page can show rows as they come). */
  onRow?: (row: ComparedRow) => void;
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
  repeat: number;
  guest: GuestKind;
}

/** One run of a row: its strategy and model, and which of the row's runs (from 1). */
export interface PlannedRun {
  strategy: StrategyName;
  invalidation: InvalidationModel;
  run: number;
}

/** The figures a run measures, as a row gives them. */
export type Figures = Pick<Row, 'updates' | 'updateUs' | 'accessesPerSec' | 'stallUs' | 'holes' | 'stale' | 'lost' | 'mmioExits'>;

/** A row's runs with --repeat: how many, each figure's least and greatest, and every run's figures. */
export interface RepeatSummary {
  count: number;
  min: Figures;
  max: Figures;
  runs: Figures[];
}

/** A row; with more than one run, its figures are medians over the runs, its histogram their sum. */
export type ComparedRow = Row & { repeat?: RepeatSummary };

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
  positive('repeat', options.repeat, 1000);
  if (options.seed !== undefined && !(Number.isInteger(options.seed) && options.seed >= 0 && options.seed < 2 ** 32)) {
    throw new EmuError('EINVAL', texts.badOption('seed', 'must be an integer 0..2^32-1 (the scheduler\'s 32-bit state)'));
  }
  if (options.slots !== undefined) checkMovingSlots(options.slots);
  const guest = options.guest ?? 'asm';
  checkGuestKind(scenario, guest);
  checkTimeout('timeoutMs', options.timeoutMs);
  const models: InvalidationModel[] = invalidation === 'both' ? ['broadcast', 'ipi'] : [invalidation];
  return { scenario, arch, strategies: strategies as StrategyName[], models, repeat: options.repeat ?? 1, guest };
}

/**
 * Runs the comparison: one row per strategy × invalidation model, each `repeat` times,
 * interleaved so that a slow spell of the machine touches every row alike.
 */
export async function compare(options: CompareOptions = {}): Promise<ComparedRow[]> {
  const { scenario, arch, strategies, models, repeat, guest } = resolveCompare(options);
  const plan = strategies.flatMap((strategy) => models.map((invalidation) => ({ strategy, invalidation })));
  const runs: Row[][] = plan.map(() => []);
  const rows: ComparedRow[] = [];
  const total = plan.length * repeat;
  let done = 0;
  for (let run = 1; run <= repeat; run++) {
    for (const [index, { strategy, invalidation }] of plan.entries()) {
      const running: PlannedRun = { strategy, invalidation, run };
      options.onProgress?.(done, total, 0, running);
      runs[index]!.push(await runRow({
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
        guest,
        deviceModules: [...(options.devices ?? [])],
        progress: (fraction) => options.onProgress?.(done, total, Math.min(1, fraction), running),
        spawn: options.spawn,
        timeoutMs: options.timeoutMs,
      }));
      done++;
      if (run === repeat) {
        rows.push(mergeRuns(runs[index]!));
        options.onRow?.(rows[rows.length - 1]!);
      }
    }
  }
  options.onProgress?.(total, total, 0);
  return rows;
}

/** One row from its runs: the median of each figure (the mean of the middle two for an even count), with the spread. */
export function mergeRuns(runs: readonly Row[]): ComparedRow {
  const [first] = runs;
  if (!first) throw new RangeError('mergeRuns: no runs');
  if (runs.length === 1) return first;
  const figures = runs.map(figuresOf);
  const histogram: number[] = [];
  for (const run of runs) run.updateHistogram.forEach((count, bucket) => { histogram[bucket] = (histogram[bucket] ?? 0) + count; });
  return {
    ...first,
    ...combine(figures, median),
    updateHistogram: Array.from(histogram, (count) => count ?? 0),
    mmioByCause: combine(runs.map((run) => run.mmioByCause), median),
    checks: combine(runs.map((run) => run.checks), median),
    errors: runs.flatMap((run, index) => run.errors.map((error) => `run ${index + 1}: ${error}`)),
    repeat: {
      count: runs.length,
      min: combine(figures, (values) => Math.min(...values)),
      max: combine(figures, (values) => Math.max(...values)),
      runs: figures,
    },
  };
}

function figuresOf(row: Row): Figures {
  const { updates, updateUs, accessesPerSec, stallUs, holes, stale, lost, mmioExits } = row;
  return { updates, updateUs, accessesPerSec, stallUs, holes, stale, lost, mmioExits };
}

/** Applies `pick` to the numbers at each position of same-shaped objects (numbers nested in plain objects). */
function combine<T>(trees: readonly T[], pick: (values: readonly number[]) => number): T {
  const [first] = trees;
  if (typeof first === 'number') return pick(trees as unknown as readonly number[]) as T;
  const keys = Object.keys(first as object) as (keyof T)[];
  return Object.fromEntries(keys.map((key) => [key, combine(trees.map((tree) => tree[key]), pick)])) as T;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
