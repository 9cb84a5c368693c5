// How a vCPU thread is started, on Node (worker_threads) or in a browser (a module
// Web Worker): the same input and messages either way.

import type { VcpuConfig, VcpuReport } from './vcpu-loop.js';
import type { WasmDeviceBinding } from '../wasm-device.js';

export interface WorkerInput {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  config: VcpuConfig;
  deviceModules: string[];
  /** The machine's devices in WebAssembly, bound in the thread's core instance before it runs. */
  wasmDevices: WasmDeviceBinding[];
}

/** `ready` names the devices on the vCPU's bus, in REC_SYNC_DEVICE's order. */
export type WorkerMessage = { kind: 'ready'; devices: string[] } | { kind: 'report'; report: VcpuReport } | { kind: 'error'; message: string };

export interface VcpuWorker {
  onMessage(listener: (message: WorkerMessage) => void): void;
  /** An error in the thread, or its end without a report. */
  onFailure(listener: (error: unknown) => void): void;
  /** Called when the thread ends (after its report, normally). */
  onExit(listener: () => void): void;
  terminate(): Promise<unknown> | void;
}

export type SpawnWorker = (input: WorkerInput) => VcpuWorker;
