// One vCPU's run loop, the same on a worker thread and under the seeded scheduler:
// enter (per strategy) → run up to `spacing` instructions in the core → leave → act
// on the exit. The core never blocks; every wait is a yield here. Accesses no device
// claims are completed against the host's view of the map (address space 1, QEMU's
// FlatView), where the race checker classifies them.

import { CoreAccessor } from '../accessor.js';
import type { MemoryMap } from '../core.js';
import { ARCHES, readRegister, type GuestArch } from '../cpu/registers.js';
import { BUS_HANDLED, BUS_UNCLAIMED, type MmioBus } from '../mmio.js';
import { POINT, POLL, type Actor } from './actor.js';
import { strategy as strategyNamed, type StrategyName, type VcpuSide } from './strategies.js';
import { SyncWords } from './words.js';
import { VcpuEvicted, type StuckVcpu } from './deadline.js';
import { VcpuBus } from './devices.js';

/** The address space that holds the host's view of the map. */
export const HOST_VIEW_AS = 1;
/** What a read of unassigned guest-physical memory returns (every byte). */
export const UNASSIGNED_BYTE = 0xff;

/** Hypercall numbers a scenario's guest passes in its first argument register. */
export const HC_LOST = 1; //      a write did not read back: (addr, expected, got) in the next registers
export const HC_BAD_VALUE = 2; // a read returned a value the scenario does not allow

export type InvalidPolicy = 'exit' | 'retry';

export interface VcpuConfig {
  index: number;
  vcpus: number;
  arch: GuestArch;
  strategy: StrategyName;
  /** Instructions between safe points. */
  spacing: number;
  invalidPolicy: InvalidPolicy;
}

export interface VcpuReport {
  index: number;
  /** Blocked periods (µs): waiting for a lock, a stop, or other vCPUs' acks. */
  stalls: number[];
  runs: number;
  error?: string;
  /** Set when the watchdog terminated this vCPU's thread: where it was stuck. */
  stuck?: StuckVcpu;
}

/** Hooks a driver gives the loop. */
export interface VcpuHooks {
  /** Called while an access is in flight in the host's MMIO path (the scheduler runs others here). */
  inFlight?: () => void;
  now: () => number;
}

/** The register a guest passes the hypercall number in. */
function hypercallRegister(arch: GuestArch): string {
  return arch.startsWith('ppc') ? 'r3' : arch.startsWith('aarch64') ? 'x0' : 'r0';
}

export class VcpuRunner implements VcpuSide {
  readonly index: number;
  readonly words: SyncWords;
  readonly core: CoreAccessor;
  private readonly report: VcpuReport;
  private readonly map: MemoryMap;
  private readonly run: (budget: number) => number;

  constructor(
    module: WebAssembly.Module,
    memory: WebAssembly.Memory,
    private readonly config: VcpuConfig,
    bus: MmioBus,
    private readonly hooks: VcpuHooks,
  ) {
    this.index = config.index;
    this.core = new CoreAccessor(module, memory, config.index, bus, (as, low, high, size, write, cause) =>
      this.emulate(as, low, high, size, write !== 0, cause));
    this.map = this.core.map;
    this.words = new SyncWords(this.map, memory.buffer, config.vcpus);
    const spec = ARCHES[config.arch];
    this.run = (budget) => spec.run(this.core.functions, budget);
    this.report = { index: config.index, stalls: [], runs: 0 };
    if (bus instanceof VcpuBus) bus.watch(this.words, config.index);
  }

  stalled(micros: number): void {
    this.report.stalls.push(micros);
  }

  now(): number {
    return this.hooks.now();
  }

  /** The loop: runs until the run ends or the guest stops with an error. */
  *loop(): Actor<VcpuReport> {
    const { map, words } = this;
    const strategy = strategyNamed(this.config.strategy);
    try {
      while (!words.stopping()) {
        yield* strategy.enter(this);
        // A stop request may have been lifted by the end of the run: do not run past it.
        if (words.stopping()) {
          strategy.leave(this);
          break;
        }
        let exit: number | undefined;
        let left = false;
        try {
          exit = this.run(this.config.spacing);
        } catch (error) {
          if (!(error instanceof VcpuEvicted)) throw error;
        } finally {
          left = strategy.leave(this);
        }
        if (!left || exit === undefined) {
          // The watchdog took this vCPU out of the run (and released what it held): touch nothing more.
          this.report.error = new VcpuEvicted(this.index).message;
          break;
        }
        this.report.runs++;
        if (exit === map.EXIT_BUDGET) {
          yield POINT;
        } else if (exit === map.EXIT_HYPERCALL) {
          this.hypercall();
          yield POINT;
        } else if (exit === map.EXIT_SYNC_WAIT) {
          const since = this.now();
          yield POLL;
          this.stalled(this.now() - since);
        } else if (exit === map.EXIT_MMIO || (exit === map.EXIT_FAULT && this.faultKind() === map.FAULT_TRANSLATION)) {
          // An INVALID slot under the `retry` policy, or a page the guest is remapping:
          // the instruction did not complete and runs again after others moved on.
          if (exit === map.EXIT_FAULT) words.count(this.index, 'faults');
          yield POLL;
        } else {
          this.report.error = this.describeExit(exit);
          break;
        }
      }
    } finally {
      Atomics.store(words.i32, words.state(this.index), map.VCPU_OUTSIDE);
    }
    return this.report;
  }

  private faultKind(): number {
    return this.words.view.getUint32(this.core.record + this.map.REC_FAULT_KIND, true);
  }

  private describeExit(exit: number): string {
    const pc = this.words.view.getBigUint64(this.core.record + this.map.CPU_PC, true);
    const names: Record<number, string> = {
      [this.map.EXIT_DEVICE_ERROR]: 'a device handler threw',
      [this.map.EXIT_UNDEFINED]: 'undefined instruction',
      [this.map.EXIT_FAULT]: 'fault',
      [this.map.EXIT_BAD_ACCESS]: 'bad access',
    };
    const failure = exit === this.map.EXIT_DEVICE_ERROR ? this.core.bus.lastFailure : undefined;
    const detail = failure ? ` (${failure.device} at 0x${failure.gpa.toString(16)}: ${String(failure.error)})` : '';
    return `vCPU ${this.index} stopped: ${names[exit] ?? `exit ${exit}`}${detail} at pc 0x${pc.toString(16)}`;
  }

  private hypercall(): void {
    const slot = ARCHES[this.config.arch].slot(this.map, hypercallRegister(this.config.arch))!;
    const code = readRegister(this.words.view, this.core.record + slot.offset, slot);
    if (code === BigInt(HC_LOST)) this.words.count(this.index, 'lost');
    else if (code === BigInt(HC_BAD_VALUE)) this.words.count(this.index, 'badValues');
  }

  /** An access no device claimed, completed against the host's view (QEMU's MMIO path). */
  private emulate(as: number, low: number, high: number, size: number, write: boolean, cause: number): number {
    const { map, words } = this;
    const { i32, bytes } = words;
    if (cause === map.CAUSE_INVALID && this.config.invalidPolicy === 'retry') {
      words.count(this.index, 'retries');
      return BUS_UNCLAIMED;
    }
    // Compare-exchanges: the watchdog may have moved this vCPU out of the run (see takeOut).
    const state = words.state(this.index);
    if (Atomics.compareExchange(i32, state, map.VCPU_RUNNING, map.VCPU_EMULATING) !== map.VCPU_RUNNING) throw new VcpuEvicted(this.index);
    words.count(this.index, 'emulated');
    try {
      const gpa = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
      const hostView = () => (as === 0 ? this.core.functions.ramLookup(HOST_VIEW_AS, gpa, size, write ? 1 : 0) : 0);
      // A hole: the host maps it to RAM at the moment the guest's lookup missed, so an
      // atomic update would have sent it there.
      if ((cause === map.CAUSE_UNMAPPED || cause === map.CAUSE_INVALID) && hostView() !== 0) words.count(this.index, 'holes');
      if (cause === map.CAUSE_INVALID) words.count(this.index, 'invalid');
      this.hooks.inFlight?.();
      // The completion, later: against the host's view as it is now.
      const data = this.core.mmioDataAt(size);
      const host = hostView();
      if (host === 0) {
        words.count(this.index, 'unassigned');
        if (!write) bytes.fill(UNASSIGNED_BYTE, data, data + size);
        return BUS_HANDLED;
      }
      if (this.translationWasInvalidated()) words.count(this.index, 'stale');
      if (write) bytes.copyWithin(host, data, data + size);
      else bytes.copyWithin(data, host, host + size);
      return BUS_HANDLED;
    } finally {
      if (Atomics.compareExchange(i32, state, map.VCPU_EMULATING, map.VCPU_RUNNING) !== map.VCPU_EMULATING) throw new VcpuEvicted(this.index);
    }
  }

  /**
   * Whether a broadcast invalidation covering this access's page was reported complete
   * after the access translated: posts this vCPU had not dropped then (ack < seq) and
   * that a barrier has since retired (seq <= CTRL_SHOOT_DONE).
   */
  private translationWasInvalidated(): boolean {
    const { map, words } = this;
    const done = Atomics.load(words.i32, words.shootDone);
    const translatedAt = Atomics.load(words.i32, words.ack(this.index));
    const gap = (done - translatedAt) | 0;
    if (gap <= 0) return false;
    if (gap >= map.SHOOT_RING_SIZE) return true;
    const page = words.view.getBigUint64(this.core.record + map.REC_MMIO_VA, true) >> 12n;
    for (let seq = translatedAt + 1; seq !== done + 1; seq = (seq + 1) | 0) {
      const entry = map.CONTROL_BASE + map.CTRL_SHOOT_RING + (seq & (map.SHOOT_RING_SIZE - 1)) * map.SHOOT_ENTRY_SIZE;
      if (words.view.getUint32(entry + 8, true) !== 0 || words.view.getBigUint64(entry, true) >> 12n === page) return true;
    }
    return false;
  }
}
