// Device modules: a module whose default export registers devices on a vCPU's bus.
// Each vCPU thread loads every module into its own bus (as QEMU's vCPU threads run
// device code); state a device shares between vCPUs lives in the shared memory.

import { MmioBus, type HandlerWatch, type Mapped } from '../mmio.js';
import { EmuError, texts } from '../errors.js';
import { VcpuEvicted } from './deadline.js';
import type { SyncWords } from './words.js';

export interface DeviceContext {
  memory: WebAssembly.Memory;
  vcpu: number;
}

export type DeviceModule = (bus: MmioBus, context: DeviceContext) => void;

/**
 * A vCPU thread's bus. While a handler runs, the vCPU's record says which device it is
 * in (REC_SYNC_DEVICE: 1 + its index in `deviceNames`), so a watchdog on another
 * thread can name it; as the handler returns, the vCPU checks it is still in the run.
 */
export class VcpuBus extends MmioBus {
  /** Every device registered, in order (a name may repeat). */
  readonly deviceNames: string[] = [];

  protected override registered(mapped: Mapped): void {
    mapped.watchMark = this.deviceNames.push(mapped.name);
  }

  /** Marks handler calls in vCPU `vcpu`'s record from now on. */
  watch(words: SyncWords, vcpu: number): void {
    this.handlerWatch = {
      words: words.i32, device: (words.record(vcpu) + words.map.REC_SYNC_DEVICE) >> 2, state: words.state(vcpu), outside: words.map.VCPU_OUTSIDE,
      evicted: () => { throw new VcpuEvicted(vcpu); },
    };
  }

  override access(as: number, gpa: number, write: boolean, data: DataView, at: number, size: number): number {
    const watch = this.handlerWatch;
    const mapped = watch && this.find(as, gpa);
    if (!watch || !mapped) return super.access(as, gpa, write, data, at, size);
    enter(watch, mapped);
    try {
      return super.access(as, gpa, write, data, at, size);
    } finally {
      leave(watch);
    }
  }
}

// Plain accesses, no Atomics (each an uninlined call on Node 20, ~7 ns; three cost a
// thread's JS-device access about 25 ns). The mark only names the device in a watchdog's
// report, read a deadline (milliseconds) after it is written: nothing is decided by its
// order with other accesses. The state load after the handler is a best-effort catch of
// an eviction (the watchdog's takeOut also ends the thread); a seq-cst load would close no
// window, since the watchdog may take the vCPU out right after either load. The register
// path's entries (src/mmio-entry.ts) write the same words inline.
function enter(watch: HandlerWatch, mapped: Mapped): void {
  watch.words[watch.device] = mapped.watchMark;
}

function leave(watch: HandlerWatch): void {
  watch.words[watch.device] = 0;
  if (watch.words[watch.state] === watch.outside) watch.evicted();
}

/** A bus with every module's devices registered, for vCPU `vcpu`. */
export async function loadDevices(specifiers: readonly string[], memory: WebAssembly.Memory, vcpu: number): Promise<VcpuBus> {
  const bus = new VcpuBus(2);
  for (const specifier of specifiers) {
    const loaded = (await import(specifier)) as { default?: unknown };
    if (typeof loaded.default !== 'function') {
      throw new EmuError('EINVAL', texts.badOption('devices', `${specifier} has no default export that registers devices`));
    }
    (loaded.default as DeviceModule)(bus, { memory, vcpu });
  }
  return bus;
}
