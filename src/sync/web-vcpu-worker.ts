// A vCPU thread in a browser (a module Web Worker): its input arrives as the first message.

import { runVcpuWorker } from './worker-main.js';
import type { WorkerInput, WorkerMessage } from './spawn.js';

const scope = globalThis as unknown as { onmessage: ((event: { data: WorkerInput }) => void) | null; postMessage(message: WorkerMessage): void };
scope.onmessage = (event) => {
  scope.onmessage = null;
  runVcpuWorker(event.data, (message) => scope.postMessage(message)).catch((error: unknown) => {
    scope.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
  });
};
