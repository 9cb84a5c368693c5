// Run counts and seeds of the property suites: fixed and modest in CI; scripts/fuzz.sh
// scales them up and picks a new seed (FUZZ_SCALE, FUZZ_SEED).

const scale = Number(process.env.FUZZ_SCALE ?? 1);
const seed = Number(process.env.FUZZ_SEED ?? 16);
if (!(scale > 0) || !Number.isSafeInteger(seed)) throw new Error('FUZZ_SCALE must be a positive number and FUZZ_SEED an integer');

/** fast-check parameters for a property that CI runs `runs` times; `salt` keeps properties' streams apart. */
export function fuzzParameters(runs: number, salt: number): { seed: number; numRuns: number } {
  return { seed: (seed * 1000 + salt) | 0, numRuns: Math.max(1, Math.round(runs * scale)) };
}

/** A vitest timeout that grows with the scale. */
export const fuzzTimeout = (ms: number): number => Math.round(ms * Math.max(1, scale));
