// Actors: the vCPU loops and the slot updater are generators that yield wherever
// they could block. One code path serves both drivers: runBlocking() on a real
// thread (Atomics.wait), and the seeded Scheduler, which interleaves them on one
// thread at those points.

import type { Watchdog } from './deadline.js';

export type Yield =
  /** A safe point: another actor may run here. */
  | { kind: 'point' }
  /** Blocks until i32[index] !== value (a futex wait). */
  | { kind: 'wait'; index: number; value: number }
  /** A condition over several words is not met yet: come back a little later. */
  | { kind: 'poll' }
  /** Nothing to do for a while (pacing): sleep without spinning. */
  | { kind: 'idle' };

export type Actor<T = void> = Generator<Yield, T, void>;

export const POINT: Yield = { kind: 'point' };
export const POLL: Yield = { kind: 'poll' };
export const IDLE: Yield = { kind: 'idle' };

export function wait(index: number, value: number): Yield {
  return { kind: 'wait', index, value };
}

/** A futex wait's timeout (ms): a lost wake-up costs at most this. */
const WAIT_TIMEOUT_MS = 5;
/**
 * How long a wait or a run of polls spins before sleeping (µs). A futex sleep and
 * wake-up costs tens of µs, more than most waits here last (a stop, a grace period,
 * a lock held for one run); spinning longer only burns a core the others may need.
 */
const SPIN_MICROS = 50;
/** How long a poll sleeps once spinning gave up (ms). */
const POLL_SLEEP_MS = 0.02;

const micros = () => performance.now() * 1000;

/**
 * Runs an actor to its end on this thread, blocking where it waits. With a watchdog,
 * a stretch of waits and polls (no safe point, no idle) longer than its timeout calls
 * `watchdog.expired()`, which may take stuck vCPUs out of the run, and starts over.
 */
export function runBlocking<T>(actor: Actor<T>, i32: Int32Array, pollIndex: number, watchdog?: Watchdog): T {
  let pollingSince = -1;
  let blockedSince = -1;
  for (;;) {
    const step = actor.next();
    if (step.done) return step.value;
    const yielded = step.value;
    if (yielded.kind === 'point' || yielded.kind === 'idle') {
      blockedSince = -1;
    } else if (watchdog) {
      const now = performance.now();
      if (blockedSince < 0 || now - blockedSince >= watchdog.timeoutMs) {
        if (blockedSince >= 0) watchdog.expired();
        blockedSince = now;
        watchdog.began();
      }
    }
    if (yielded.kind === 'point') {
      pollingSince = -1;
    } else if (yielded.kind === 'idle') {
      pollingSince = -1;
      Atomics.wait(i32, pollIndex, 0, POLL_SLEEP_MS);
    } else if (yielded.kind === 'wait') {
      pollingSince = -1;
      const until = micros() + SPIN_MICROS;
      while (Atomics.load(i32, yielded.index) === yielded.value && micros() < until);
      Atomics.wait(i32, yielded.index, yielded.value, WAIT_TIMEOUT_MS);
    } else {
      const now = micros();
      if (pollingSince < 0) pollingSince = now;
      // The poll word is never written: this is a sleep that other threads cannot cut short.
      else if (now - pollingSince > SPIN_MICROS) Atomics.wait(i32, pollIndex, 0, POLL_SLEEP_MS);
    }
  }
}
