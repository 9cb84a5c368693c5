// The browser entry: everything here and below it loads in a page (no Node module).
// compareInBrowser runs compare on a host Web Worker with vCPUs on Web Workers; the
// deterministic mode needs no cross-origin isolation, threads do.

import type { CompareOptions } from './compare.js';
import type { Row, RowOptions } from './sync/run.js';
import type { CheckCounts } from './sync/words.js';
import { texts } from './errors.js';

export { Machine, type MachineOptions } from './machine.js';
export { Vcpu } from './cpu/vcpu.js';
export { MmioBus } from './mmio.js';
export { ppc, PpcProgram } from './asm/ppc.js';
export { a64, A64Program } from './asm/a64.js';
export { STRATEGIES } from './sync/strategies.js';
export { SCENARIOS } from './scenarios/index.js';
export { SCENARIO_ARCHES } from './scenarios/guest.js';
export { VcpuThreads } from './sync/threads.js';
export { spawnWebWorker } from './sync/web-workers.js';
export { lineChart, barChart } from './report/svg.js';
export type { Row, RowOptions, CompareOptions, CheckCounts };

/** Why vCPU threads cannot run on this page (it is not cross-origin isolated), or undefined. */
export function isolationProblem(): string | undefined {
  return globalThis.crossOriginIsolated === false ? texts.notIsolated() : undefined;
}

/**
 * The smallest step performance.now() takes on this page, in µs, from watching it for
 * `watchMs`. Browsers coarsen the timer (Chromium: 5 µs cross-origin isolated, 100 µs
 * otherwise), so every latency the page measures is a multiple of it.
 */
export function timerStepUs(watchMs = 50): number {
  let smallest = Infinity;
  for (let last = performance.now(), end = last + watchMs, now = last; now < end; now = performance.now()) {
    if (now > last) smallest = Math.min(smallest, now - last);
    last = now;
  }
  return Number((smallest * 1000).toPrecision(2));
}

interface HostWorker {
  postMessage(message: unknown): void;
  onmessage: ((event: { data: HostMessage }) => void) | null;
  terminate(): void;
}

type HostMessage =
  | { kind: 'progress'; done: number; total: number; fraction: number }
  | { kind: 'row'; row: Row }
  | { kind: 'done'; rows: Row[] }
  | ({ kind: 'state' } & ReplayState)
  | { kind: 'error'; message: string };

function hostWorker(): HostWorker {
  const WorkerClass = (globalThis as unknown as { Worker: new (url: URL, options: { type: 'module' }) => HostWorker }).Worker;
  return new WorkerClass(new URL('./browser/host-worker.js', import.meta.url), { type: 'module' });
}

export interface BrowserCompareOptions extends Omit<CompareOptions, 'onProgress' | 'onRow' | 'spawn' | 'devices'> {
  onProgress?: (done: number, total: number, fraction: number) => void;
  onRow?: (row: Row) => void;
}

/** compare() on this page: rows as they end, then all of them. Threads need cross-origin isolation. */
export function compareInBrowser(options: BrowserCompareOptions): Promise<Row[]> {
  const problem = options.deterministic ? undefined : isolationProblem();
  if (problem) return Promise.reject(new Error(problem));
  const { onProgress, onRow, ...rest } = options;
  const worker = hostWorker();
  return new Promise((resolve, reject) => {
    worker.onmessage = ({ data }) => {
      if (data.kind === 'progress') onProgress?.(data.done, data.total, data.fraction);
      else if (data.kind === 'row') onRow?.(data.row);
      else if (data.kind === 'done') { worker.terminate(); resolve(data.rows); }
      else if (data.kind === 'error') { worker.terminate(); reject(new Error(data.message)); }
    };
    worker.postMessage({ kind: 'compare', options: rest });
  });
}

/** Where a replay stands: scheduler turns and nested steps so far, the checker's counts, and the row once it ended. */
export interface ReplayState { ended: boolean; steps: number; nestedSteps: number; checks: CheckCounts; row?: Row }

export interface Replay {
  /** Takes `count` scheduler turns; resolves to where the run stands. */
  step(count: number): Promise<ReplayState>;
  close(): void;
}

/**
 * One row in deterministic mode from its seed, stepped by the caller (works without isolation);
 * rejects with the reason when an option is invalid. `steps` counts the scheduler's turns:
 * step(n) takes n of them (fewer only where the run ends); `nestedSteps` counts the steps
 * other actors took inside an access in flight.
 */
export function replayInBrowser(options: RowOptions): Promise<Replay> {
  const worker = hostWorker();
  let pending: ((value: ReplayState) => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  worker.onmessage = ({ data }) => {
    if (data.kind === 'state') pending?.(data);
    else if (data.kind === 'error') failed?.(new Error(data.message));
  };
  const ask = (message: unknown) => new Promise<ReplayState>((resolve, reject) => {
    pending = resolve;
    failed = reject;
    worker.postMessage(message);
  });
  return ask({ kind: 'replay', options: { ...options, deterministic: true } }).then(() => ({
    step: (count) => ask({ kind: 'step', count }),
    close: () => worker.terminate(),
  }), (error: unknown) => {
    worker.terminate();
    throw error;
  });
}
