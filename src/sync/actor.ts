// Actors: the vCPU loops and the slot updater are generators that yield wherever
// they could block. One code path serves both drivers: runBlocking() on a real
// thread (Atomics.wait), and the seeded Scheduler, which interleaves them on one
// thread at those points.

export type Yield =
  /** A safe point: another actor may run here. */
  | { kind: 'point' }
  /** Blocks until i32[index] !== value (a futex wait). */
  | { kind: 'wait'; index: number; value: number }
  /** A condition over several words is not met yet: come back a little later. */
  | { kind: 'poll' };

export type Actor<T = void> = Generator<Yield, T, void>;

export const POINT: Yield = { kind: 'point' };
export const POLL: Yield = { kind: 'poll' };

export function wait(index: number, value: number): Yield {
  return { kind: 'wait', index, value };
}

/** A futex wait's timeout (ms): a lost wake-up costs at most this. */
const WAIT_TIMEOUT_MS = 5;
/** Polls in a row answered by spinning before they sleep (a grace period is usually a few µs). */
const SPIN_POLLS = 200;
/** How long a poll sleeps once spinning gave up (ms). */
const POLL_SLEEP_MS = 0.02;

/** Runs an actor to its end on this thread, blocking where it waits. */
export function runBlocking<T>(actor: Actor<T>, i32: Int32Array, pollIndex: number): T {
  let polls = 0;
  for (;;) {
    const step = actor.next();
    if (step.done) return step.value;
    const yielded = step.value;
    if (yielded.kind !== 'poll') polls = 0;
    if (yielded.kind === 'wait') Atomics.wait(i32, yielded.index, yielded.value, WAIT_TIMEOUT_MS);
    // The poll word is never written: this is a sleep that other threads cannot cut short.
    else if (yielded.kind === 'poll' && ++polls > SPIN_POLLS) Atomics.wait(i32, pollIndex, 0, POLL_SLEEP_MS);
  }
}
