// The atomicity strategies (DESIGN.md): what a vCPU does around each run of guest
// instructions (enter/leave, at safe points) and what the updater does to apply one
// transaction (a list of KVM_SET_USER_MEMORY_REGION calls) while vCPUs run.

import type { Machine } from '../machine.js';
import type { MemoryRegion } from '../slots.js';
import { EmuError, texts } from '../errors.js';
import { POINT, POLL, wait, type Actor } from './actor.js';
import { lock, unlock, readLock, readUnlock, writeLock, writeUnlock } from './locks.js';
import type { SyncWords } from './words.js';

export const STRATEGIES = ['naive', 'kvm', 'rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap'] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export function isStrategy(name: string): name is StrategyName {
  return (STRATEGIES as readonly string[]).includes(name);
}

/** A vCPU as the strategies see it. */
export interface VcpuSide {
  readonly index: number;
  readonly words: SyncWords;
  /** Records how long the vCPU was blocked (µs). */
  stalled(micros: number): void;
  now(): number;
}

/** The updater as the strategies see it. */
export interface UpdaterSide {
  readonly words: SyncWords;
  readonly machine: Machine;
  /** Applies the transaction to the host's own view of the map (QEMU's FlatView), at once. */
  commitHostView(transaction: readonly MemoryRegion[]): void;
}

export interface Strategy {
  readonly name: StrategyName;
  /** Before a run: may wait; leaves the vCPU's state VCPU_RUNNING. */
  enter(vcpu: VcpuSide): Actor;
  /**
   * After a run: the vCPU is outside emulation, at a quiescent state, holding nothing.
   * False when the watchdog took the vCPU out of the run meanwhile (and released for it).
   */
  leave(vcpu: VcpuSide): boolean;
  /** What vCPU `index` holds inside a run, released on its behalf: the watchdog ended its thread mid-run. */
  release(words: SyncWords, index: number): void;
  update(updater: UpdaterSide, transaction: readonly MemoryRegion[]): Actor;
}

export function strategy(name: string): Strategy {
  if (!isStrategy(name)) throw new EmuError('EINVAL', texts.badOption('strategy', `unknown strategy "${name}"; one of ${STRATEGIES.join(', ')}`));
  return BUILDERS[name]();
}

// ── vCPU side ────────────────────────────────────────────────────────────────

function setState(vcpu: VcpuSide, state: number): void {
  Atomics.store(vcpu.words.i32, vcpu.words.state(vcpu.index), state);
}

function* enterPlain(vcpu: VcpuSide): Actor {
  setState(vcpu, vcpu.words.map.VCPU_RUNNING);
}

/** Enters unless a stop is requested; then parks until it is lifted. */
function* enterUnlessStopped(vcpu: VcpuSide): Actor {
  const { i32, stop, map } = vcpu.words;
  let since = -1;
  for (;;) {
    // Dekker with stopAll(): we store RUNNING then load STOP; the updater stores STOP
    // then loads our state. Both seq-cst, so at least one sees the other's store.
    setState(vcpu, map.VCPU_RUNNING);
    if (Atomics.load(i32, stop) === 0 || vcpu.words.stopping()) break;
    setState(vcpu, map.VCPU_OUTSIDE);
    if (since < 0) since = vcpu.now();
    yield wait(stop, 1);
  }
  if (since >= 0) vcpu.stalled(vcpu.now() - since);
}

function leavePlain(vcpu: VcpuSide): boolean {
  const { i32, map } = vcpu.words;
  // A compare-exchange, against the watchdog's takeOut(): exactly one of the two
  // moves the vCPU out of RUNNING, so what it holds is released once.
  if (Atomics.compareExchange(i32, vcpu.words.state(vcpu.index), map.VCPU_RUNNING, map.VCPU_OUTSIDE) !== map.VCPU_RUNNING) return false;
  // A quiescent state: grace periods that began before this point may end.
  Atomics.add(i32, vcpu.words.quiescent(vcpu.index), 1);
  return true;
}

/** Nothing held inside a run but the state: a grace period may count the vCPU as quiescent. */
function releasePlain(words: SyncWords, index: number): void {
  Atomics.add(words.i32, words.quiescent(index), 1);
}

/**
 * The watchdog's side of leavePlain(): moves a vCPU that is inside a run (RUNNING or
 * EMULATING) and has passed no quiescent state since `quiescent` out of the run.
 * True when it did; the vCPU's thread then finds itself taken out at its next transition.
 */
export function takeOut(words: SyncWords, index: number, quiescent: number): boolean {
  const { i32, map } = words;
  for (const inside of [map.VCPU_RUNNING, map.VCPU_EMULATING]) {
    if (Atomics.load(i32, words.quiescent(index)) !== quiescent) return false;
    if (Atomics.compareExchange(i32, words.state(index), inside, map.VCPU_OUTSIDE) === inside) return true;
  }
  return false;
}

function* timed(vcpu: VcpuSide, acquire: Actor<boolean>): Actor {
  const since = vcpu.now();
  if (yield* acquire) vcpu.stalled(vcpu.now() - since);
  setState(vcpu, vcpu.words.map.VCPU_RUNNING);
}

// ── updater side ─────────────────────────────────────────────────────────────

/** Waits until every vCPU has passed a quiescent state or is outside a run (synchronize_srcu). */
function* gracePeriod(updater: UpdaterSide): Actor {
  const { words } = updater;
  const before = Array.from({ length: words.vcpus }, (_, v) => Atomics.load(words.i32, words.quiescent(v)));
  for (let v = 0; v < words.vcpus; v++) {
    while (Atomics.load(words.i32, words.state(v)) !== words.map.VCPU_OUTSIDE && Atomics.load(words.i32, words.quiescent(v)) === before[v]) {
      yield POLL;
    }
  }
}

function* stopAll(updater: UpdaterSide): Actor {
  const { words } = updater;
  Atomics.store(words.i32, words.stop, 1);
  for (let v = 0; v < words.vcpus; v++) {
    while (Atomics.load(words.i32, words.state(v)) !== words.map.VCPU_OUTSIDE) yield POLL;
  }
}

function resumeAll(updater: UpdaterSide): void {
  Atomics.store(updater.words.i32, updater.words.stop, 0);
  Atomics.notify(updater.words.i32, updater.words.stop);
}

type CallKind = 'create' | 'delete' | 'move' | 'flags';

function kindOf(machine: Machine, region: MemoryRegion): CallKind {
  const existing = machine.slot(region.slot);
  if (BigInt(region.memorySize) === 0n) return 'delete';
  if (!existing) return 'create';
  return existing.guestPhysAddr !== BigInt(region.guestPhysAddr) ? 'move' : 'flags';
}

/** Each call on its own, published at once; a MOVE is a delete then a create (QEMU before 2023). */
function* applyEach(updater: UpdaterSide, transaction: readonly MemoryRegion[]): Actor {
  const { machine } = updater;
  for (const region of transaction) {
    if (kindOf(machine, region) === 'move') {
      machine.setUserMemoryRegion({ ...region, memorySize: 0 });
      yield POINT;
    }
    machine.setUserMemoryRegion(region);
    yield POINT;
  }
}

/** KVM with SRCU: DELETE and MOVE mark the slot INVALID and wait a grace period first; every call ends with one. */
function* applyKvm(updater: UpdaterSide, transaction: readonly MemoryRegion[]): Actor {
  const { machine } = updater;
  for (const region of transaction) {
    const kind = kindOf(machine, region);
    if (kind === 'delete' || kind === 'move') {
      machine.setSlotInvalid(region.slot, true);
      yield POINT;
      yield* gracePeriod(updater);
    }
    machine.setUserMemoryRegion(region);
    yield POINT;
    yield* gracePeriod(updater);
  }
}

/** The host's view and the vCPUs' table, each changed with one publish. */
function commitAtOnce(updater: UpdaterSide, transaction: readonly MemoryRegion[]): void {
  updater.commitHostView(transaction);
  updater.machine.setUserMemoryRegions(transaction);
}

function* applyStopped(updater: UpdaterSide, transaction: readonly MemoryRegion[]): Actor {
  yield* stopAll(updater);
  commitAtOnce(updater, transaction);
  resumeAll(updater);
}

type Acquire = (words: Int32Array, index: number) => Actor<boolean> | Actor;
type Release = (words: Int32Array, index: number) => void;

/** Option 3: vCPUs hold `word`'s lock around each run; the updater takes its exclusive side to apply. */
function locked(name: StrategyName, word: (words: SyncWords, vcpu: number) => number, vcpuLock: (words: Int32Array, index: number) => Actor<boolean>,
  vcpuUnlock: Release, updaterLock: Acquire, updaterUnlock: Release): Strategy {
  return {
    name,
    enter: (vcpu) => timed(vcpu, vcpuLock(vcpu.words.i32, word(vcpu.words, vcpu.index))),
    leave(vcpu) {
      if (!leavePlain(vcpu)) return false;
      vcpuUnlock(vcpu.words.i32, word(vcpu.words, vcpu.index));
      return true;
    },
    release(words, index) {
      releasePlain(words, index);
      vcpuUnlock(words.i32, word(words, index));
    },
    *update(updater, transaction) {
      yield* updaterLock(updater.words.i32, word(updater.words, 0));
      commitAtOnce(updater, transaction);
      updaterUnlock(updater.words.i32, word(updater.words, 0));
    },
  };
}

interface Range { start: bigint; end: bigint }

/** Whether the transaction's removals (old extents of deleted or moved slots) overlap its additions (QEMU 2023). */
export function removalsOverlapAdditions(machine: Machine, transaction: readonly MemoryRegion[]): boolean {
  const removed: Range[] = [];
  const added: Range[] = [];
  // The slots as the calls before each one leave them.
  const current = new Map<number, Range | undefined>();
  const extentOf = (slot: number): Range | undefined => {
    if (current.has(slot)) return current.get(slot);
    const info = machine.slot(slot);
    return info && { start: info.guestPhysAddr, end: info.guestPhysAddr + info.memorySize };
  };
  for (const region of transaction) {
    const old = extentOf(region.slot);
    const start = BigInt(region.guestPhysAddr);
    const next = BigInt(region.memorySize) === 0n ? undefined : { start, end: start + BigInt(region.memorySize) };
    const moves = old !== undefined && next !== undefined && old.start !== next.start;
    if (old && (!next || moves)) removed.push(old);
    if (next && (!old || moves)) added.push(next);
    current.set(region.slot, next);
  }
  return removed.some((r) => added.some((a) => r.start < a.end && a.start < r.end));
}

const BUILDERS: Record<StrategyName, () => Strategy> = {
  naive: () => ({
    name: 'naive', enter: enterPlain, leave: leavePlain, release: releasePlain,
    *update(updater, transaction) {
      updater.commitHostView(transaction);
      yield* applyEach(updater, transaction);
    },
  }),
  kvm: () => ({
    name: 'kvm', enter: enterPlain, leave: leavePlain, release: releasePlain,
    *update(updater, transaction) {
      updater.commitHostView(transaction);
      yield* applyKvm(updater, transaction);
    },
  }),
  rcu: () => ({
    name: 'rcu', enter: enterPlain, leave: leavePlain, release: releasePlain,
    *update(updater, transaction) {
      commitAtOnce(updater, transaction);
      yield POINT;
      yield* gracePeriod(updater);
    },
  }),
  'stop-the-world': () => ({
    name: 'stop-the-world', enter: enterUnlessStopped, leave: leavePlain, release: releasePlain, update: applyStopped,
  }),
  mutex: () => locked('mutex', (words) => words.globalLock, lock, unlock, lock, unlock),
  'mutex-rwlock': () => locked('mutex-rwlock', (words) => words.rwLock, readLock, readUnlock, writeLock, writeUnlock),
  'mutex-percpu': () => ({
    ...locked('mutex-percpu', (words, v) => words.lock(v), lock, unlock, lock, unlock),
    *update(updater, transaction) {
      const { words } = updater;
      // Every vCPU's lock, always in index order (the "big reader" lock's writer side).
      for (let v = 0; v < words.vcpus; v++) yield* lock(words.i32, words.lock(v));
      commitAtOnce(updater, transaction);
      for (let v = 0; v < words.vcpus; v++) unlock(words.i32, words.lock(v));
    },
  }),
  'inhibit-on-overlap': () => ({
    name: 'inhibit-on-overlap', enter: enterUnlessStopped, leave: leavePlain, release: releasePlain,
    *update(updater, transaction) {
      if (removalsOverlapAdditions(updater.machine, transaction)) {
        yield* applyStopped(updater, transaction);
        return;
      }
      updater.commitHostView(transaction);
      yield* applyEach(updater, transaction);
    },
  }),
};
