// The body of a vCPU thread, Node or browser: bind a core instance to the vCPU's
// record, load the device modules into its own bus, run the loop (waiting with
// Atomics.wait between runs, never inside the core) and post the report.

import { loadDevices } from './devices.js';
import { runBlocking } from './actor.js';
import { VcpuRunner } from './vcpu-loop.js';
import type { WorkerInput, WorkerMessage } from './spawn.js';
import { registerWasmDevices } from '../wasm-device.js';

export async function runVcpuWorker(input: WorkerInput, post: (message: WorkerMessage) => void): Promise<void> {
  registerWasmDevices(input.memory, input.wasmDevices);
  const bus = await loadDevices(input.deviceModules, input.memory, input.config.index);
  const runner = new VcpuRunner(input.module, input.memory, input.config, bus, { now: () => performance.now() * 1000 });
  post({ kind: 'ready', devices: bus.deviceNames });
  post({ kind: 'report', report: runBlocking(runner.loop(), runner.words.i32, runner.words.poll) });
}
