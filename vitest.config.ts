import { defineConfig } from 'vitest/config';

// Tests import the built package (dist/, build/) as users do; `npm test` builds first.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
