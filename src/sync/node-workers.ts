// vCPU threads as Node worker_threads.

import { Worker } from 'node:worker_threads';
import type { SpawnWorker } from './spawn.js';

export const spawnNodeWorker: SpawnWorker = (input) => {
  const worker = new Worker(new URL('./vcpu-worker.js', import.meta.url), { workerData: input });
  return {
    onMessage: (listener) => worker.on('message', listener),
    onFailure: (listener) => worker.on('error', listener),
    onExit: (listener) => worker.on('exit', () => listener()),
    terminate: () => worker.terminate(),
  };
};
