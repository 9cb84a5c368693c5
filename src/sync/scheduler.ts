// The deterministic mode: every actor (vCPU loops, the updater) on one thread,
// advanced one yield at a time in an order drawn from a seeded generator, so a run
// (and any race in it) replays exactly from its seed. An access in flight in the
// host's MMIO path lets other actors run before it completes (nested steps), which
// is where the emulation races of the 2012 thread live.

import type { Actor, Yield } from './actor.js';

/** A small, fast, seedable generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

interface Entry {
  name: string;
  actor: Actor<unknown>;
  waiting?: { index: number; value: number };
  busy: boolean;
  done: boolean;
  result?: unknown;
}

export class DeadlockError extends Error {}

export class Scheduler {
  private readonly entries: Entry[] = [];
  private readonly random: () => number;
  private nesting = 0;
  /** Turns taken: each picks one actor and runs it to its next yield. */
  steps = 0;
  /** Steps other actors took inside those turns, while an access was in flight (see nested()). */
  nestedSteps = 0;

  /** `maxNested`: at most this many other steps while one access is in flight. */
  constructor(seed: number, private readonly i32: Int32Array, private readonly maxNested = 6) {
    this.random = seededRandom(seed);
  }

  add(name: string, actor: Actor<unknown>): number {
    this.entries.push({ name, actor, busy: false, done: false });
    return this.entries.length - 1;
  }

  result(index: number): unknown {
    return this.entries[index]!.result;
  }

  /** Runs until every actor has finished; throws DeadlockError if all that remain wait forever, or past `maxSteps` turns. */
  run(maxSteps: number): void {
    while (!this.advance(1)) {
      if (this.steps >= maxSteps) throw new DeadlockError(`no end after ${maxSteps} steps: ${this.describe()}`);
    }
  }

  /** Takes up to `count` turns (to replay a run step by step); true once every actor has finished. */
  advance(count: number): boolean {
    for (let i = 0; i < count; i++) {
      if (this.entries.every((entry) => entry.done)) return true;
      const next = this.pick();
      if (next === undefined) throw new DeadlockError(`every actor waits: ${this.describe()}`);
      this.steps++;
      this.step(next);
    }
    return this.entries.every((entry) => entry.done);
  }

  /** Called from inside the running actor while one of its accesses is in flight: lets others take a few steps. */
  nested(): void {
    if (this.nesting > 0) return;
    this.nesting++;
    try {
      const count = Math.floor(this.random() * (this.maxNested + 1));
      for (let i = 0; i < count; i++) {
        const next = this.pick();
        if (next === undefined) break;
        this.nestedSteps++;
        this.step(next);
      }
    } finally {
      this.nesting--;
    }
  }

  private runnable(entry: Entry): boolean {
    if (entry.done || entry.busy) return false;
    const waiting = entry.waiting;
    return !waiting || Atomics.load(this.i32, waiting.index) !== waiting.value;
  }

  private pick(): Entry | undefined {
    const candidates = this.entries.filter((entry) => this.runnable(entry));
    if (candidates.length === 0) return undefined;
    return candidates[Math.floor(this.random() * candidates.length)];
  }

  private step(entry: Entry): void {
    entry.busy = true;
    entry.waiting = undefined;
    let step: IteratorResult<Yield, unknown>;
    try {
      step = entry.actor.next();
    } finally {
      entry.busy = false;
    }
    if (step.done) {
      entry.done = true;
      entry.result = step.value;
    } else if (step.value.kind === 'wait') {
      entry.waiting = { index: step.value.index, value: step.value.value };
    }
  }

  private describe(): string {
    return this.entries
      .map((entry) => `${entry.name}: ${entry.done ? 'done' : entry.waiting ? `waits on word ${entry.waiting.index} = ${entry.waiting.value}` : 'runnable'}`)
      .join('; ');
  }
}
