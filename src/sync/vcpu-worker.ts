// A vCPU thread: binds a core instance to its record on the shared memory, loads the
// device modules into its own bus, runs the loop (blocking in Atomics.wait between
// runs, never inside the core) and posts its report.

import { parentPort, workerData } from 'node:worker_threads';
import { loadDevices } from './devices.js';
import { runBlocking } from './actor.js';
import { VcpuRunner, type VcpuConfig } from './vcpu-loop.js';

interface WorkerInput {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  config: VcpuConfig;
  deviceModules: string[];
}

const input = workerData as WorkerInput;
const bus = await loadDevices(input.deviceModules, input.memory, input.config.index);
const runner = new VcpuRunner(input.module, input.memory, input.config, bus, { now: () => performance.now() * 1000 });
parentPort!.postMessage({ kind: 'ready' });
const report = runBlocking(runner.loop(), runner.words.i32, runner.words.poll);
parentPort!.postMessage({ kind: 'report', report });
