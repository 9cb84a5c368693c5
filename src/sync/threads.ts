// vCPU threads on a machine under one strategy, for embedders: start one worker per
// vCPU (registers already set through Vcpu), apply slot transactions under the
// strategy while they run, stop and collect what each vCPU saw.

import type { Machine } from '../machine.js';
import type { GuestArch } from '../cpu/registers.js';
import { READONLY, type MemoryRegion } from '../slots.js';
import { runBlocking, type Actor } from './actor.js';
import { checkTimeout, describeStuck, SafePointTimeoutError, type StuckVcpu, type Watchdog } from './deadline.js';
import { strategy as strategyNamed, takeOut, type Strategy, type StrategyName, type UpdaterSide } from './strategies.js';
import { HOST_VIEW_AS, type InvalidPolicy, type VcpuConfig, type VcpuReport } from './vcpu-loop.js';
import type { SpawnWorker, VcpuWorker } from './spawn.js';
import { SyncWords, type CheckCounts } from './words.js';
import { wasmDeviceBindings } from '../wasm-device.js';

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
  /** How long (ms) an update waits for a vCPU to reach a safe point before terminating it; default 5000. */
  updateTimeoutMs?: number;
  /** How long (ms) stop() waits for each vCPU's report before terminating it; default 5000. */
  stopTimeoutMs?: number;
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
  /** Quiescent counts when the current wait began (the watchdog's baseline). */
  private baseline: number[] = [];
  /** vCPUs the watchdog took out of the run during the current update(). */
  private takenOut: StuckVcpu[] = [];
  private readonly watchdog: Watchdog;

  private constructor(
    private readonly side: UpdaterSide,
    private readonly strategy: Strategy,
    private readonly workers: WorkerResults[],
    private readonly timeouts: { update: number; stop: number },
  ) {
    this.watchdog = {
      timeoutMs: timeouts.update,
      began: () => { this.baseline = this.quiescentCounts(); },
      expired: () => {
        for (let v = 0; v < side.words.vcpus; v++) {
          const stuck = this.terminate(v, this.baseline[v]!, timeouts.update);
          if (stuck) this.takenOut.push(stuck);
        }
      },
    };
  }

  /** Starts one worker per vCPU of `side.words` and resolves once every one runs. */
  static async start(machine: Machine, side: UpdaterSide, options: ThreadOptions): Promise<VcpuThreads> {
    const strategy = strategyNamed(options.strategy);
    const timeouts = threadTimeouts(options);
    const { words } = side;
    // Loaded only when asked for, so a browser never imports worker_threads.
    const spawn = options.spawn ?? (await import('./node-workers.js')).spawnNodeWorker;
    const workers = Array.from({ length: words.vcpus }, (_, index) => {
      const config: VcpuConfig = {
        index, vcpus: words.vcpus, arch: options.arch, strategy: options.strategy,
        spacing: options.safepoint ?? 64, invalidPolicy: options.invalidPolicy ?? 'exit',
      };
      const wasmDevices = wasmDeviceBindings(machine.memory);
      return workerResults(spawn({ module: machine.module, memory: machine.memory, config, deviceModules: [...(options.devices ?? [])], wasmDevices }), words);
    });
    const threads = new VcpuThreads(side, strategy, workers, timeouts);
    try {
      await Promise.all(workers.map((worker) => worker.ready));
    } catch (error) {
      await threads.stop().catch(() => []);
      throw error;
    }
    return threads;
  }

  /** Starts vCPU threads for every vCPU of `machine` (set up first through Vcpu) under a strategy and model. */
  static async onMachine(machine: Machine, options: ThreadOptions & { invalidation?: 'broadcast' | 'ipi' }): Promise<VcpuThreads> {
    threadTimeouts(options); // checked before the host view changes the machine
    return VcpuThreads.start(machine, attachHostView(machine, machine.layout.vcpuCount, options.invalidation ?? 'broadcast'), options);
  }

  /**
   * Applies a transaction under the strategy while the vCPUs run; returns its latency
   * in µs. Blocks this thread while the strategy waits (a stop, a lock, a grace period).
   * A vCPU that reaches no safe point within `updateTimeoutMs` is terminated and the
   * update completes without it; then this throws SafePointTimeoutError naming it.
   */
  update(transaction: readonly MemoryRegion[]): number {
    this.takenOut = [];
    const since = performance.now();
    this.drive(this.strategy.update(this.side, transaction));
    const latency = (performance.now() - since) * 1000;
    const takenOut = this.takenOut;
    this.takenOut = [];
    if (takenOut.length > 0) throw new SafePointTimeoutError(takenOut, this.timeouts.update);
    return latency;
  }

  /**
   * Runs an updater actor (strategy updates between pacing) on this thread under the
   * watchdog: vCPUs stuck past `updateTimeoutMs` are terminated, and stop() reports them.
   */
  drive<T>(actor: Actor<T>): T {
    return runBlocking(actor, this.side.words.i32, this.side.words.poll, this.watchdog);
  }

  /** The race checker's counts so far, summed over the vCPUs. */
  checks(): CheckCounts {
    return this.side.words.checks();
  }

  /**
   * Ends the run at every vCPU's next safe point; resolves to their reports. A vCPU
   * that has not reported within `stopTimeoutMs` is terminated: if it was stuck inside
   * a run (a device handler that does not return), its report's `stuck` says where.
   */
  stop(): Promise<VcpuReport[]> {
    if (!this.stopped) {
      this.side.words.endRun();
      this.stopped = this.collect().finally(() => Promise.all(this.workers.map((worker) => worker.terminate())));
    }
    return this.stopped;
  }

  private async collect(): Promise<VcpuReport[]> {
    const reports = Promise.all(this.workers.map((worker) => worker.report));
    const timeout = this.timeouts.stop;
    // First the vCPUs stuck inside a run (others may wait on what they hold), then any still silent.
    for (const round of ['stuck', 'silent'] as const) {
      const baseline = this.quiescentCounts();
      if (await settlesWithin(reports, timeout)) break;
      for (const [v, worker] of this.workers.entries()) {
        if (worker.reported()) continue;
        if (!this.terminate(v, baseline[v]!, timeout) && round === 'silent') {
          worker.abandon({ index: v, stalls: [], runs: 0, error: `vCPU ${v} did not stop within ${timeout} ms: terminated` });
        }
      }
    }
    return reports;
  }

  private quiescentCounts(): number[] {
    const { words } = this.side;
    return Array.from({ length: words.vcpus }, (_, v) => Atomics.load(words.i32, words.quiescent(v)));
  }

  /**
   * Takes vCPU `v` out of the run if it is inside one and has passed no quiescent state
   * since `quiescent`: releases what it holds, ends its thread and reports where it was.
   */
  private terminate(v: number, quiescent: number, timeoutMs: number): StuckVcpu | undefined {
    const { words } = this.side;
    const record = words.record(v);
    const device = Atomics.load(words.i32, (record + words.map.REC_SYNC_DEVICE) >> 2);
    const gpa = words.view.getBigUint64(record + words.map.REC_MMIO_GPA, true);
    const pc = words.view.getBigUint64(record + words.map.CPU_PC, true);
    if (!takeOut(words, v, quiescent)) return undefined;
    this.strategy.release(words, v);
    const worker = this.workers[v]!;
    const stuck: StuckVcpu = device > 0 ? { vcpu: v, pc, device: worker.devices[device - 1] ?? `#${device - 1}`, gpa } : { vcpu: v, pc };
    worker.abandon({ index: v, stalls: [], runs: 0, error: describeStuck(stuck, timeoutMs), stuck });
    return stuck;
  }
}

function threadTimeouts(options: ThreadOptions): { update: number; stop: number } {
  return { update: checkTimeout('updateTimeoutMs', options.updateTimeoutMs), stop: checkTimeout('stopTimeoutMs', options.stopTimeoutMs) };
}

/** Whether `promise` settles within `ms` (a rejection counts: the caller awaits it). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms); });
  try {
    return await Promise.race([promise.then(() => true, () => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** One vCPU worker as the updater sees it. */
interface WorkerResults {
  ready: Promise<void>;
  report: Promise<VcpuReport>;
  /** The devices on its bus (from its ready message). */
  devices: string[];
  reported(): boolean;
  /** Gives up on the worker: `report` stands for it, and its end no longer ends the run. */
  abandon(report: VcpuReport): void;
  terminate(): Promise<unknown>;
}

/** A worker's two messages; an error or an early exit rejects both and ends the run for the others. */
function workerResults(worker: VcpuWorker, words: SyncWords): WorkerResults {
  let ready!: { resolve: () => void; reject: (error: unknown) => void };
  let report!: { resolve: (report: VcpuReport) => void; reject: (error: unknown) => void };
  let reported = false;
  let abandoned = false;
  const result: WorkerResults = {
    ready: new Promise<void>((resolve, reject) => { ready = { resolve, reject }; }),
    report: new Promise<VcpuReport>((resolve, reject) => { report = { resolve, reject }; }),
    devices: [],
    reported: () => reported,
    abandon(stands) {
      if (reported) return;
      abandoned = true;
      reported = true;
      report.resolve(stands);
      void worker.terminate();
    },
    terminate: async () => worker.terminate(),
  };
  // Either may be left unawaited when the other fails first.
  result.ready.catch(() => {});
  result.report.catch(() => {});
  const fail = (error: unknown) => {
    if (abandoned) return;
    words.endRun();
    ready.reject(error);
    report.reject(error);
  };
  worker.onMessage((message) => {
    if (abandoned) return;
    if (message.kind === 'ready') {
      result.devices = message.devices;
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
