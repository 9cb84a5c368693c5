// The page's host thread: a module Web Worker that runs compare (its updater blocks in
// Atomics.wait, which a page's main thread may not) with vCPUs on nested Web Workers,
// and replays deterministic rows step by step. Messages in: {kind:'compare', options}
// | {kind:'replay', options} | {kind:'step', count}; out: progress, row, done, state, error.

import { compare, resolveCompare, type CompareOptions } from '../compare.js';
import { spawnWebWorker } from '../sync/web-workers.js';
import { startDeterministicRow, type DeterministicRun, type RowOptions } from '../sync/run.js';

type Request =
  | { kind: 'compare'; options: CompareOptions }
  | { kind: 'replay'; options: RowOptions }
  | { kind: 'step'; count: number };

const scope = globalThis as unknown as { onmessage: ((event: { data: Request }) => void) | null; postMessage(message: unknown): void };
let replay: DeterministicRun | undefined;

async function handle(request: Request): Promise<void> {
  if (request.kind === 'compare') {
    const rows = await compare({
      ...request.options,
      spawn: spawnWebWorker,
      onProgress: (done, total, fraction) => scope.postMessage({ kind: 'progress', done, total, fraction }),
      onRow: (row) => scope.postMessage({ kind: 'row', row }),
    });
    scope.postMessage({ kind: 'done', rows });
  } else if (request.kind === 'replay') {
    // compare's checks, so a replay refuses what a table run would (EINVAL with the reason).
    const { scenario, arch, strategy, invalidation, vcpus, safepoint, updates, invalidPolicy } = request.options;
    resolveCompare({ scenario, arch, strategies: [strategy], invalidation, vcpus, safepoint, updates, invalidPolicy });
    replay = await startDeterministicRow(request.options);
    scope.postMessage({ kind: 'state', ended: false, ...replay.snapshot() });
  } else if (replay) {
    const ended = replay.step(request.count);
    scope.postMessage({ kind: 'state', ended, ...replay.snapshot(), row: ended ? await replay.finish() : undefined });
  }
}

scope.onmessage = (event) => {
  handle(event.data).catch((error: unknown) => scope.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) }));
};
