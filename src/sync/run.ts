// One comparison row: a fresh machine, a scenario on it, the vCPUs and the updater
// under one strategy and invalidation model, on worker threads or under the seeded
// scheduler; then the figures and the race checker's counts.

import { Machine } from '../machine.js';
import { Vcpu } from '../cpu/vcpu.js';
import { setUpScenario, type ScenarioName, type ScenarioRun } from '../scenarios/index.js';
import type { ScenarioArch } from '../scenarios/guest.js';
import { loadCGuest, type GuestKind } from '../scenarios/c-guests.js';
import { IDLE, POINT, type Actor } from './actor.js';
import { loadDevices } from './devices.js';
import { DeadlockError, Scheduler } from './scheduler.js';
import { strategy as strategyNamed, type StrategyName, type UpdaterSide } from './strategies.js';
import { attachHostView, VcpuThreads } from './threads.js';
import type { SpawnWorker } from './spawn.js';
import { VcpuRunner, type InvalidPolicy, type VcpuConfig, type VcpuReport } from './vcpu-loop.js';
import type { CheckCounts } from './words.js';
import { latencyHistogram } from '../report/histogram.js';

export type InvalidationModel = 'broadcast' | 'ipi';

export interface RowOptions {
  scenario: ScenarioName;
  arch: ScenarioArch;
  strategy: StrategyName;
  invalidation: InvalidationModel;
  vcpus: number;
  /** Instructions between safe points. */
  safepoint: number;
  seed: number;
  deterministic: boolean;
  /** Threads: how long the updater runs (ms). */
  durationMs: number;
  /** Threads: updates per second (0: none, Infinity: back to back). */
  rate: number;
  /** Deterministic: how many updates. */
  updates: number;
  invalidPolicy: InvalidPolicy;
  slots?: number;
  /** The scenario's guest code: hand-emitted ('asm', default) or compiled from C ('c'). */
  guest?: GuestKind;
  deviceModules: string[];
  /** Called now and then with the fraction done. */
  progress?: (fraction: number) => void;
  /** How vCPU threads start; default Node's worker_threads. */
  spawn?: SpawnWorker;
  /** Threads: how long an update waits for a vCPU's safe point, and the end for its report, before terminating it (ms); default 5000. */
  timeoutMs?: number;
}

export interface Percentiles { p50: number; p99: number; max: number }

export interface Row {
  scenario: string;
  arch: string;
  strategy: StrategyName;
  invalidation: InvalidationModel;
  vcpus: number;
  updates: number;
  updateUs: Percentiles;
  /** Update latencies by quarter-octave bucket (see report/histogram.ts), for CDFs. */
  updateHistogram: number[];
  accessesPerSec: number;
  stallUs: Percentiles;
  holes: number;
  stale: number;
  lost: number;
  mmioExits: number;
  /** The MMIO exits by cause: a hole (the host maps RAM there), unassigned, a device (built-in or on the bus), an INVALID slot retried. */
  mmioByCause: { hole: number; unassigned: number; device: number; retried: number };
  mode: 'threads' | 'deterministic';
  seed: number;
  checks: CheckCounts;
  errors: string[];
}

export function percentiles(samples: readonly number[]): Percentiles {
  if (samples.length === 0) return { p50: 0, p99: 0, max: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]!) };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

const ARENA_BYTES = 32 << 20;

interface Prepared {
  machine: Machine;
  scenario: ScenarioRun;
  side: UpdaterSide;
}

async function prepare(options: RowOptions): Promise<Prepared> {
  // One thread needs no shared memory (a page that is not cross-origin isolated has none).
  const shared = !options.deterministic || globalThis.crossOriginIsolated !== false;
  const machine = await Machine.create({ vcpus: options.vcpus, arenaBytes: ARENA_BYTES, shared });
  const vcpus = Array.from({ length: options.vcpus }, (_, v) => new Vcpu(machine, v, options.arch));
  if (options.guest === 'c') await loadCGuest(options.scenario, options.arch);
  const scenario = setUpScenario(machine, options.scenario, { arch: options.arch, vcpus: options.vcpus, slots: options.slots, guest: options.guest }, vcpus);
  return { machine, scenario, side: attachHostView(machine, options.vcpus, options.invalidation) };
}

interface Pacing {
  more(n: number): boolean;
  wait(n: number): Actor;
}

interface UpdaterReport { latencies: number[]; updates: number }

function* updaterLoop(options: RowOptions, prepared: Prepared, pacing: Pacing, now: () => number): Actor<UpdaterReport> {
  const strategy = strategyNamed(options.strategy);
  const latencies: number[] = [];
  let n = 0;
  try {
    for (; pacing.more(n); n++) {
      yield* pacing.wait(n);
      if (!pacing.more(n)) break;
      const transaction = prepared.scenario.update(n);
      const since = now();
      yield* strategy.update(prepared.side, transaction);
      latencies.push(now() - since);
      prepared.scenario.afterUpdate(n);
    }
  } finally {
    prepared.side.words.endRun();
  }
  return { latencies, updates: n };
}

const micros = () => performance.now() * 1000;

function threadedPacing(options: RowOptions, start: number): Pacing {
  const end = start + options.durationMs * 1000;
  let reported = start;
  return {
    more: () => micros() < end,
    *wait(n) {
      const due = options.rate > 0 ? start + (n * 1e6) / options.rate : end;
      for (let t = micros(); t < due && t < end; t = micros()) {
        if (options.progress && t - reported > 100_000) {
          reported = t;
          options.progress((t - start) / (end - start));
        }
        yield IDLE;
      }
    },
  };
}

function deterministicPacing(options: RowOptions): Pacing {
  return {
    more: (n) => n < options.updates,
    *wait(n) {
      if (options.progress && n % 16 === 0) options.progress(n / options.updates);
      yield POINT;
      yield POINT;
    },
  };
}

function vcpuConfig(options: RowOptions, index: number): VcpuConfig {
  return { index, vcpus: options.vcpus, arch: options.arch, strategy: options.strategy, spacing: options.safepoint, invalidPolicy: options.invalidPolicy };
}

/** A deterministic row set up and ready to step: the scheduler, its actors and the row's figures so far. */
export interface DeterministicRun {
  /** Takes up to `count` scheduler turns; true once the run has ended. */
  step(count: number): boolean;
  /** Where the run stands: the scheduler's turns and nested steps so far, the checker's counts. */
  snapshot(): { steps: number; nestedSteps: number; checks: CheckCounts };
  /** The row, once step() has returned true. */
  finish(): Promise<Row>;
}

/** Sets up a row in deterministic mode without running it (replay a race step by step). */
export async function startDeterministicRow(options: RowOptions): Promise<DeterministicRun> {
  const prepared = await prepare({ ...options, deterministic: true });
  const { machine, side: { words } } = prepared;
  const scheduler = new Scheduler(options.seed, words.i32);
  const runners: VcpuRunner[] = [];
  for (let v = 0; v < options.vcpus; v++) {
    const bus = await loadDevices(options.deviceModules, machine.memory, v);
    runners.push(new VcpuRunner(machine.module, machine.memory, vcpuConfig(options, v), bus, { now: micros, inFlight: () => scheduler.nested() }));
  }
  const ids = runners.map((runner, v) => scheduler.add(`vcpu${v}`, runner.loop()));
  const updaterId = scheduler.add('updater', updaterLoop(options, prepared, deterministicPacing(options), micros));
  const start = micros();
  return {
    step: (count) => scheduler.advance(count),
    snapshot: () => ({ steps: scheduler.steps, nestedSteps: scheduler.nestedSteps, checks: words.checks() }),
    finish: async () => rowOf({ ...options, deterministic: true }, prepared, {
      reports: ids.map((id) => scheduler.result(id) as VcpuReport), updater: scheduler.result(updaterId) as UpdaterReport,
    }, (micros() - start) / 1e6),
  };
}

async function runDeterministic(options: RowOptions): Promise<Row> {
  const run = await startDeterministicRow(options);
  const maxSteps = (options.updates + 10) * 400 * (options.vcpus + 1);
  for (let taken = 0; !run.step(4096); taken += 4096) {
    if (taken > maxSteps) throw new DeadlockError(`no end after ${maxSteps} steps`);
  }
  return run.finish();
}

async function runThreaded(options: RowOptions, prepared: Prepared): Promise<{ reports: VcpuReport[]; updater: UpdaterReport }> {
  const threads = await VcpuThreads.start(prepared.machine, prepared.side, {
    arch: options.arch, strategy: options.strategy, safepoint: options.safepoint, invalidPolicy: options.invalidPolicy, devices: options.deviceModules,
    spawn: options.spawn, updateTimeoutMs: options.timeoutMs, stopTimeoutMs: options.timeoutMs,
  });
  try {
    const updater = threads.drive(updaterLoop(options, prepared, threadedPacing(options, micros()), micros));
    return { reports: await threads.stop(), updater };
  } finally {
    await threads.stop().catch(() => []);
  }
}

export async function runRow(options: RowOptions): Promise<Row> {
  if (options.deterministic) return runDeterministic(options);
  const prepared = await prepare(options);
  const start = micros();
  const result = await runThreaded(options, prepared);
  return rowOf(options, prepared, result, (micros() - start) / 1e6);
}

function rowOf(options: RowOptions, prepared: Prepared, { reports, updater }: { reports: VcpuReport[]; updater: UpdaterReport }, seconds: number): Row {
  const { side: { words }, scenario } = prepared;
  const checks = words.checks();
  let accesses = 0;
  let mmioExits = 0;
  for (let v = 0; v < options.vcpus; v++) {
    accesses += scenario.accesses(v);
    mmioExits += words.mmioExits(v);
  }
  return {
    scenario: options.scenario, arch: options.arch, strategy: options.strategy, invalidation: options.invalidation, vcpus: options.vcpus,
    updates: updater.updates, updateUs: percentiles(updater.latencies), updateHistogram: latencyHistogram(updater.latencies), accessesPerSec: Math.round(accesses / seconds),
    stallUs: percentiles(reports.flatMap((report) => report.stalls)),
    holes: checks.holes, stale: checks.stale, lost: checks.lost, mmioExits,
    mmioByCause: { hole: checks.holes, unassigned: checks.unassigned, device: mmioExits - checks.emulated - checks.retries, retried: checks.retries },
    mode: options.deterministic ? 'deterministic' : 'threads', seed: options.seed, checks,
    errors: [...(scenario.errors?.() ?? []), ...reports.flatMap((report) => (report.error ? [report.error] : []))],
  };
}
