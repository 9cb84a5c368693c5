// vCPU threads as module Web Workers (the page must be cross-origin isolated, so the
// shared WebAssembly.Memory can be posted to them).

import type { SpawnWorker, WorkerMessage } from './spawn.js';

interface BrowserWorker {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: { data: WorkerMessage }) => void): void;
  addEventListener(type: 'error', listener: (event: { message: string }) => void): void;
  terminate(): void;
}

export const spawnWebWorker: SpawnWorker = (input) => {
  const WorkerClass = (globalThis as unknown as { Worker: new (url: URL, options: { type: 'module' }) => BrowserWorker }).Worker;
  const worker = new WorkerClass(new URL('./web-vcpu-worker.js', import.meta.url), { type: 'module' });
  const exitListeners: Array<() => void> = [];
  worker.postMessage(input);
  return {
    onMessage: (listener) => worker.addEventListener('message', (event) => {
      listener(event.data);
      // A Web Worker has no exit event: its report is its last word.
      if (event.data.kind === 'report') for (const exit of exitListeners) exit();
    }),
    onFailure: (listener) => worker.addEventListener('error', (event) => listener(new Error(event.message))),
    onExit: (listener) => exitListeners.push(listener),
    terminate: () => worker.terminate(),
  };
};
