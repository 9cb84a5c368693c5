// Named views of the words the strategies, the vCPU loops and the race checker share:
// the control block's and each vCPU record's, at the offsets the core's map gives.

import type { MemoryMap } from '../core.js';

export const CHECK_NAMES = ['holes', 'stale', 'lost', 'unassigned', 'emulated', 'invalid', 'retries', 'faults', 'badValues'] as const;
export type CheckName = (typeof CHECK_NAMES)[number];
export type CheckCounts = Record<CheckName, number>;

export class SyncWords {
  readonly i32: Int32Array;
  readonly bytes: Uint8Array;
  readonly view: DataView;
  readonly stop: number;
  readonly globalLock: number;
  readonly rwLock: number;
  readonly runState: number;
  readonly poll: number;
  readonly ackBell: number;
  readonly shootDone: number;
  readonly shootModel: number;

  constructor(readonly map: MemoryMap, buffer: ArrayBufferLike, readonly vcpus: number) {
    this.i32 = new Int32Array(buffer);
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    const control = (offset: number) => (map.CONTROL_BASE + offset) >> 2;
    this.stop = control(map.CTRL_STOP);
    this.globalLock = control(map.CTRL_GLOBAL_LOCK);
    this.rwLock = control(map.CTRL_RW_LOCK);
    this.runState = control(map.CTRL_RUN_STATE);
    this.poll = control(map.CTRL_POLL);
    this.ackBell = control(map.CTRL_ACK_BELL);
    this.shootDone = control(map.CTRL_SHOOT_DONE);
    this.shootModel = control(map.CTRL_SHOOT_MODEL);
  }

  /** Byte address of vCPU `vcpu`'s record. */
  record(vcpu: number): number {
    return this.map.VCPU_BASE + vcpu * this.map.VCPU_RECORD_SIZE;
  }

  state(vcpu: number): number {
    return (this.record(vcpu) + this.map.REC_SYNC_STATE) >> 2;
  }

  ack(vcpu: number): number {
    return (this.record(vcpu) + this.map.REC_SYNC_ACK) >> 2;
  }

  quiescent(vcpu: number): number {
    return (this.record(vcpu) + this.map.REC_SYNC_QUIESCENT) >> 2;
  }

  lock(vcpu: number): number {
    return (this.record(vcpu) + this.map.REC_SYNC_LOCK) >> 2;
  }

  check(vcpu: number, name: CheckName): number {
    return (this.record(vcpu) + this.map.REC_CHECK + CHECK_NAMES.indexOf(name) * 4) >> 2;
  }

  /** Adds to one of vCPU `vcpu`'s checker counters (only its own thread writes them). */
  count(vcpu: number, name: CheckName, by = 1): void {
    const index = this.check(vcpu, name);
    this.i32[index] = this.i32[index]! + by;
  }

  /** The checker's counters summed over every vCPU. */
  checks(): CheckCounts {
    const sums = Object.fromEntries(CHECK_NAMES.map((name) => [name, 0])) as CheckCounts;
    for (let vcpu = 0; vcpu < this.vcpus; vcpu++) {
      for (const name of CHECK_NAMES) sums[name] += Atomics.load(this.i32, this.check(vcpu, name));
    }
    return sums;
  }

  /** MMIO fragments the core dispatched for vCPU `vcpu` (its CNT_MMIO counter). */
  mmioExits(vcpu: number): number {
    return Number(this.view.getBigUint64(this.record(vcpu) + this.map.REC_COUNTERS + this.map.CNT_MMIO, true));
  }

  stopping(): boolean {
    return Atomics.load(this.i32, this.runState) !== 0;
  }

  /** Ends a run: vCPUs leave at their next safe point; every word they may sleep on is kicked. */
  endRun(): void {
    Atomics.store(this.i32, this.runState, 1);
    for (const index of [this.runState, this.stop, this.globalLock, this.rwLock, this.ackBell]) Atomics.notify(this.i32, index);
  }
}
