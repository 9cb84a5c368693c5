import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadElf, runLoaded } from '../dist/src/index.js';
import { createElfMachine } from '../dist/src/guest/run.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('createElfMachine', () => {
  it('lets the machines of a loop that never reaches the event loop be collected as it goes', async () => {
    const bytes = new Uint8Array(readFileSync(new URL('../guests/build/aarch64/hello-O2.elf', import.meta.url)));
    let collected = 0;
    const registry = new FinalizationRegistry(() => collected++);
    for (let i = 0; i < 6; i++) {
      const machine = await createElfMachine();
      registry.register(machine.memory, i);
      runLoaded(machine, loadElf(machine, bytes));
      gc();
    }
    // Before this change every memory stayed alive until the loop's job ended.
    expect(collected).toBeGreaterThan(0);
  });
});
