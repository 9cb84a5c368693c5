// Shared test helpers: a seeded PRNG (tests must be reproducible) and machine set-up.

/** xorshift32: deterministic from its seed. */
export function prng(seed: number): { next(): number; below(n: number): number; pick<T>(items: readonly T[]): T } {
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
  return {
    next,
    below: (n) => next() % n,
    pick: (items) => items[next() % items.length]!,
  };
}
