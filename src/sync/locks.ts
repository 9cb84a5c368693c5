// The locks of the `mutex` strategy, futex-style over shared Int32 words. Every
// Atomics operation here is sequentially consistent; the comments say why each
// transition is enough.

import { wait, type Actor } from './actor.js';

/** Set in a rwlock word while a writer holds the lock or waits for readers to leave. */
export const RW_WRITER = 1 << 30;

/** Mutex (Drepper's "Futexes are tricky", mutex 2): 0 free, 1 held, 2 held with waiters. */
export function* lock(words: Int32Array, index: number): Actor<boolean> {
  let state = Atomics.compareExchange(words, index, 0, 1);
  if (state === 0) return false;
  // Announce a waiter (2) before sleeping, so the holder's unlock knows to wake us.
  if (state !== 2) state = Atomics.exchange(words, index, 2);
  while (state !== 0) {
    yield wait(index, 2);
    state = Atomics.exchange(words, index, 2);
  }
  return true;
}

export function unlock(words: Int32Array, index: number): void {
  // 1 → 0: nobody waits. 2 → 1 means someone may wait: free it and wake one.
  if (Atomics.sub(words, index, 1) !== 1) {
    Atomics.store(words, index, 0);
    Atomics.notify(words, index, 1);
  }
}

/** Takes the read side; returns whether it had to wait. New readers queue behind a waiting writer. */
export function* readLock(words: Int32Array, index: number): Actor<boolean> {
  let waited = false;
  for (;;) {
    const value = Atomics.load(words, index);
    if ((value & RW_WRITER) !== 0) {
      waited = true;
      yield wait(index, value);
      continue;
    }
    // The CAS fails if a writer set its bit meanwhile, so a reader never enters past it.
    if (Atomics.compareExchange(words, index, value, value + 1) === value) return waited;
  }
}

export function readUnlock(words: Int32Array, index: number): void {
  // The last reader out wakes the writer waiting for the count to reach zero.
  if (Atomics.sub(words, index, 1) - 1 === RW_WRITER) Atomics.notify(words, index);
}

/** Takes the write side (one writer at a time: the updater): bars new readers, then waits for the count to drain. */
export function* writeLock(words: Int32Array, index: number): Actor<void> {
  Atomics.or(words, index, RW_WRITER);
  for (;;) {
    const value = Atomics.load(words, index);
    if (value === RW_WRITER) return;
    yield wait(index, value);
  }
}

export function writeUnlock(words: Int32Array, index: number): void {
  Atomics.and(words, index, ~RW_WRITER);
  Atomics.notify(words, index);
}
