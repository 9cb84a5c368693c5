import { describe, expect, it } from 'vitest';
import { unicornPeer } from '../dist/bench/peers.js';

describe('the Unicorn 2 peer harness', () => {
  it('is skipped with a clear notice when Python cannot run or the binding is absent', () => {
    expect(unicornPeer({ python: '/nonexistent/python3' })).toEqual({ skipped: expect.stringMatching(/^Unicorn 2 peer skipped: cannot run \/nonexistent\/python3/) });
    // -S leaves out site and dist-packages, where Debian's python3-unicorn lives.
    expect(unicornPeer({ pythonArgs: ['-S'] })).toEqual({ skipped: expect.stringMatching(/^Unicorn 2 peer skipped: python3-unicorn cannot be imported/) });
  });

  it('otherwise reports every figure the bench compares against', () => {
    const result = unicornPeer({ iterations: 1 << 10 });
    if ('skipped' in result) {
      expect(result.skipped).toMatch(/^Unicorn 2 peer skipped/);
      return;
    }
    for (const key of ['loadsPerSec', 'storesPerSec', 'mmioReadsPerSec', 'mmioWritesPerSec', 'remapMicros', 'remapRestartMicros'] as const) {
      expect(Number.isFinite(result[key]) && result[key] > 0, key).toBe(true);
    }
    // The str loop reached the write callback: 8 stores per pass, a warm-up pass and two of iterations / 4,
    // each 8-byte store two calls (Unicorn 2's uc_mmio_map hands a callback at most 4 bytes).
    expect(result.mmioWrites).toBe(2 * 8 * (1 + 2 * (1 << 8)));
    expect(result.mmioCallback).toMatch(/^(C|python)$/);
  });
});
