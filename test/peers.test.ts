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
    for (const key of ['loadsPerSec', 'storesPerSec', 'mmioReadsPerSec', 'remapMicros', 'remapRestartMicros'] as const) {
      expect(Number.isFinite(result[key]) && result[key] > 0, key).toBe(true);
    }
    expect(result.mmioCallback).toMatch(/^(C|python)$/);
  });
});
