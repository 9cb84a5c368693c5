import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadElf, runLoaded, ramBackingBytes } from '../dist/src/index.js';
import { createElfMachine, ELF_TLB_ENTRIES } from '../dist/src/guest/run.js';

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

  // A fresh page costs several µs on its first write, so a short guest pays for each one
  // its machine writes: the slot tables' and the vCPU record's are laid out to need few.
  it.each(['aarch64', 'ppc64', 'thumb'])('writes one slot-table page and no page outside its vCPU record on %s', async (target) => {
    const bytes = new Uint8Array(readFileSync(new URL(`../guests/build/${target}/dispatch-O2.elf`, import.meta.url)));
    const machine = await createElfMachine(ramBackingBytes(bytes, { sparseRam: true }));
    const { map, layout } = machine;
    expect(layout.tlbEntries).toBe(ELF_TLB_ENTRIES);
    const written = (from: number, to: number) => {
      const words = new BigUint64Array(machine.memory.buffer, from, (to - from) / 8);
      const pages: number[] = [];
      for (let page = 0; page < words.length / 512; page++) {
        if (words.subarray(page * 512, page * 512 + 512).some((word) => word !== 0n)) pages.push(from + page * map.PAGE_SIZE);
      }
      return pages;
    };
    // machineInit marks every TLB entry invalid: both records' TLBs share one page.
    expect(written(layout.tlbBase, layout.dirtyBase)).toEqual([layout.tlbBase]);
    const loaded = loadElf(machine, bytes, { sparseRam: true });
    expect(loaded.stack).toBeDefined();
    // The loader's slots are published at once: one buffer of address space 0, its first page.
    const tables = written(map.SLOT_TABLES_BASE, map.SLOT_TABLES_BASE + map.SLOT_TABLES_SIZE);
    expect(tables).toHaveLength(1);
    expect([0, 1].map((buffer) => map.SLOT_TABLES_BASE + buffer * map.SLOT_TABLE_SIZE)).toContain(tables[0]);
    const result = runLoaded(machine, loaded);
    expect(result.exit).toMatchObject({ reason: 'done', status: 0n });
    const record = map.VCPU_BASE;
    const pages = written(map.SLOT_TABLES_BASE + map.SLOT_TABLES_SIZE, layout.tlbBase);
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page >= record && page < record + map.VCPU_RECORD_SIZE, `page 0x${page.toString(16)}`).toBe(true);
  });
});

