// Device modules: a module whose default export registers devices on a vCPU's bus.
// Each vCPU thread loads every module into its own bus (as QEMU's vCPU threads run
// device code); state a device shares between vCPUs lives in the shared memory.

import { MmioBus } from '../mmio.js';
import { EmuError, texts } from '../errors.js';

export interface DeviceContext {
  memory: WebAssembly.Memory;
  vcpu: number;
}

export type DeviceModule = (bus: MmioBus, context: DeviceContext) => void;

/** A bus with every module's devices registered, for vCPU `vcpu`. */
export async function loadDevices(specifiers: readonly string[], memory: WebAssembly.Memory, vcpu: number): Promise<MmioBus> {
  const bus = new MmioBus(2);
  for (const specifier of specifiers) {
    const loaded = (await import(specifier)) as { default?: unknown };
    if (typeof loaded.default !== 'function') {
      throw new EmuError('EINVAL', texts.badOption('devices', `${specifier} has no default export that registers devices`));
    }
    (loaded.default as DeviceModule)(bus, { memory, vcpu });
  }
  return bus;
}
