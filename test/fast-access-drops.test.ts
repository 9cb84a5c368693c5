// The typed accessors check no generation on an access: the machine drops their entries
// on every change (src/fast-access.ts). These cover the changes fast-access.test.ts does
// not: a Wasm device added over a JS device's cached range, and reset() with every kind
// of entry filled (RAM, JS device, scratch, counter, Wasm device).
import { describe, expect, it } from 'vitest';
import { Machine } from '../dist/src/index.js';
import { REGISTERS, recordingDevice } from './fixtures/device-modules.js';

const RAM = 0x10_0000;
const DEVICE = 0x9000_0000;
const SCRATCH = 0x9100_0000;
const COUNTER = 0x9200_0000;
const WASM = 0x9300_0000;

describe('typed accessors after a change with no generation to compare', () => {
  it('a Wasm device added over a JS device\'s cached range takes the very next access, from the entry and the per-page table', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const calls: string[] = [];
    machine.mmio.register({ name: 'js', base: DEVICE, size: 0x1000, read: (offset) => (calls.push(`r${offset}`), 0x5a5a), write: (offset) => { calls.push(`w${offset}`); } });
    const other = DEVICE + 0x40_0000;
    machine.mmio.register({ name: 'other', base: other, size: 0x100, read: () => 7, write: () => {} });
    // The JS device's range is the entry, then kept for its page while another device is the entry.
    expect([machine.read32(DEVICE + 0x10), machine.read32(other), machine.read32(DEVICE + 0x20)]).toEqual([0x5a5a, 7, 0x5a5a]);
    machine.write32(DEVICE + 0x10, 1);
    const { state } = machine.addWasmDevice({ name: 'rec', base: DEVICE + 0x10, size: 0x20, bytes: recordingDevice() });
    machine.backing(state + REGISTERS, 8).set([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(machine.read32(DEVICE + 0x10)).toBe(0x0403_0201);
    machine.write32(DEVICE + 0x14, 0x55);
    expect(machine.read32(other)).toBe(7);
    // Taken back from the per-page table: it must not serve the Wasm device's range either.
    expect(machine.read32(DEVICE + 0x10)).toBe(0x0403_0201);
    expect(machine.read32(DEVICE + 0x30)).toBe(0x5a5a);
    expect(calls).toEqual(['r16', 'r32', 'w16', 'r48']);
  });

  it('reset() leaves no entry serving: RAM, JS, scratch, counter and Wasm device addresses are unmapped at the very next access', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    let jsCalls = 0;
    machine.mmio.register({ name: 'js', base: DEVICE, size: 0x100, read: () => ++jsCalls, write: () => { jsCalls++; } });
    machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH, size: 0x10 });
    machine.addBuiltinDevice({ kind: 'counter', base: COUNTER, size: 0x10 });
    machine.addWasmDevice({ name: 'rec', base: WASM, size: 0x40, bytes: recordingDevice() });
    const addresses = [RAM + 8, DEVICE + 8, SCRATCH + 8, COUNTER, WASM + 8];
    // Each twice: the second served by its entry.
    for (const gpa of addresses) {
      machine.write32(gpa, 0x11);
      machine.read32(gpa);
      machine.read32(gpa);
      machine.read64(gpa);
    }
    const before = jsCalls;
    machine.reset();
    for (const gpa of addresses) {
      const unmapped = expect.objectContaining({ code: 'EFAULT', exit: expect.objectContaining({ cause: 'unmapped' }) });
      expect(() => machine.read32(gpa)).toThrow(unmapped);
      expect(() => machine.read8(gpa)).toThrow(unmapped);
      expect(() => machine.write32(gpa, 1)).toThrow(unmapped);
      expect(() => machine.read64(gpa)).toThrow(unmapped);
    }
    expect(jsCalls).toBe(before);
    // A scratch device added at the old counter's place is served as scratch (the counter's entry is gone).
    machine.addBuiltinDevice({ kind: 'scratch', base: COUNTER, size: 0x10 });
    machine.write32(COUNTER, 5);
    expect([machine.read32(COUNTER), machine.read32(COUNTER)]).toEqual([5, 5]);
  });
});
