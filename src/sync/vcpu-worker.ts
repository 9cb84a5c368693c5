// A vCPU thread on Node (worker_threads): its input arrives as workerData.

import { parentPort, workerData } from 'node:worker_threads';
import { runVcpuWorker } from './worker-main.js';
import type { WorkerInput } from './spawn.js';

await runVcpuWorker(workerData as WorkerInput, (message) => parentPort!.postMessage(message));
