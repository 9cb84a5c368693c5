// vCPU threads on a machine under one strategy, for embedders: start one worker per
// vCPU (registers already set through Vcpu), apply slot transactions under the
// strategy while they run, stop and collect what each vCPU saw.

import type { Machine } from '../machine.js';
import type { GuestArch } from '../cpu/registers.js';
import { READONLY, type MemoryRegion } from '../slots.js';
import { runBlocking } from './actor.js';
import { strategy as strategyNamed, type Strategy, type StrategyName, type UpdaterSide } from './strategies.js';
import { HOST_VIEW_AS, type InvalidPolicy, type VcpuConfig, type VcpuReport } from './vcpu-loop.js';
import type { SpawnWorker, VcpuWorker } from './spawn.js';
import { SyncWords, type CheckCounts } from './words.js';

export interface ThreadOptions {
  arch: GuestArch;
  strategy: StrategyName;
  /** Guest instructions between safe points; default 64. */
  safepoint?: number;
  invalidPolicy?: InvalidPolicy;
  /** Device modules each vCPU thread loads into its bus. */
  devices?: readonly string[];
  /** How to start a vCPU thread; default Node's worker_threads (spawnWebWorker in a browser). */
  spawn?: SpawnWorker;
}

/**
 * Makes address space 1 the host's own view of the map (QEMU's FlatView: where an
 * access no slot serves is completed) as a copy of address space 0, sets the
 * invalidation model, and returns what the strategies' updater side needs.
 */
export function attachHostView(machine: Machine, vcpus: number, invalidation: 'broadcast' | 'ipi'): UpdaterSide {
  const hostView = (regions: readonly MemoryRegion[]) =>
    regions.map((r) => ({ ...r, slot: (r.slot & 0xffff) | (HOST_VIEW_AS << 16), flags: (r.flags ?? 0) & READONLY }));
  machine.setUserMemoryRegions(hostView(machine.slots().filter((slot) => slot.slot >>> 16 === 0)));
  const words = new SyncWords(machine.map, machine.memory.buffer, vcpus);
  Atomics.store(words.i32, words.shootModel, invalidation === 'ipi' ? machine.map.SHOOT_IPI : machine.map.SHOOT_BROADCAST);
  return { words, machine, commitHostView: (transaction) => machine.setUserMemoryRegions(hostView(transaction)) };
}

export class VcpuThreads {
  private stopped: Promise<VcpuReport[]> | undefined;

  private constructor(
    private readonly side: UpdaterSide,
    private readonly strategy: Strategy,
    private readonly workers: VcpuWorker[],
    private readonly reports: Array<Promise<VcpuReport>>,
  ) {}

  /** Starts one worker per vCPU of `side.words` and resolves once every one runs. */
  static async start(machine: Machine, side: UpdaterSide, options: ThreadOptions): Promise<VcpuThreads> {
    const strategy = strategyNamed(options.strategy);
    const { words } = side;
    // Loaded only when asked for, so a browser never imports worker_threads.
    const spawn = options.spawn ?? (await import('./node-workers.js')).spawnNodeWorker;
    const workers = Array.from({ length: words.vcpus }, (_, index) => {
      const config: VcpuConfig = {
        index, vcpus: words.vcpus, arch: options.arch, strategy: options.strategy,
        spacing: options.safepoint ?? 64, invalidPolicy: options.invalidPolicy ?? 'exit',
      };
      return spawn({ module: machine.module, memory: machine.memory, config, deviceModules: [...(options.devices ?? [])] });
    });
    const results = workers.map((worker) => workerResults(worker, words));
    const threads = new VcpuThreads(side, strategy, workers, results.map((result) => result.report));
    try {
      await Promise.all(results.map((result) => result.ready));
    } catch (error) {
      await threads.stop().catch(() => []);
      throw error;
    }
    return threads;
  }

  /** Starts vCPU threads for every vCPU of `machine` (set up first through Vcpu) under a strategy and model. */
  static async onMachine(machine: Machine, options: ThreadOptions & { invalidation?: 'broadcast' | 'ipi' }): Promise<VcpuThreads> {
    return VcpuThreads.start(machine, attachHostView(machine, machine.layout.vcpuCount, options.invalidation ?? 'broadcast'), options);
  }

  /**
   * Applies a transaction under the strategy while the vCPUs run; returns its latency
   * in µs. Blocks this thread while the strategy waits (a stop, a lock, a grace period).
   */
  update(transaction: readonly MemoryRegion[]): number {
    const since = performance.now();
    runBlocking(this.strategy.update(this.side, transaction), this.side.words.i32, this.side.words.poll);
    return (performance.now() - since) * 1000;
  }

  /** The race checker's counts so far, summed over the vCPUs. */
  checks(): CheckCounts {
    return this.side.words.checks();
  }

  /** Ends the run at every vCPU's next safe point; resolves to their reports. */
  stop(): Promise<VcpuReport[]> {
    if (!this.stopped) {
      this.side.words.endRun();
      this.stopped = Promise.all(this.reports).finally(() => Promise.all(this.workers.map((worker) => worker.terminate())));
    }
    return this.stopped;
  }
}

/** A worker's two messages; an error or an early exit rejects both and ends the run for the others. */
function workerResults(worker: VcpuWorker, words: SyncWords): { ready: Promise<void>; report: Promise<VcpuReport> } {
  let ready!: { resolve: () => void; reject: (error: unknown) => void };
  let report!: { resolve: (report: VcpuReport) => void; reject: (error: unknown) => void };
  const result = {
    ready: new Promise<void>((resolve, reject) => { ready = { resolve, reject }; }),
    report: new Promise<VcpuReport>((resolve, reject) => { report = { resolve, reject }; }),
  };
  // Either may be left unawaited when the other fails first.
  result.ready.catch(() => {});
  result.report.catch(() => {});
  let reported = false;
  const fail = (error: unknown) => {
    words.endRun();
    ready.reject(error);
    report.reject(error);
  };
  worker.onMessage((message) => {
    if (message.kind === 'ready') {
      ready.resolve();
    } else if (message.kind === 'report') {
      reported = true;
      report.resolve(message.report);
    } else {
      fail(new Error(message.message));
    }
  });
  worker.onFailure(fail);
  // A worker whose vCPU stopped (an error, or the end of the run) exits after its
  // report; only an exit without one ends the run for the others.
  worker.onExit(() => {
    if (!reported) fail(new Error('vCPU worker exited before reporting'));
  });
  return result;
}
