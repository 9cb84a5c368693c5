import { describe, expect, it } from 'vitest';
import { Machine, SlotError, AccessError } from '../dist/src/index.js';
import { KvmSlotsModel } from './model/kvm-slots-model.js';
import { prng } from './helpers.js';

const ARENA = 1024 * 1024;
const PAGE = 4096;

describe('slot table against a reference model', () => {
  it.each([1, 2, 3, 4])('agrees on 3000 random operations (seed %i): results, tables and lookups', async (seed) => {
    const machine = await Machine.create({ arenaBytes: ARENA });
    const model = new KvmSlotsModel(BigInt(ARENA));
    const random = prng(seed * 7919);
    // Every arena byte is distinct enough to tell which backing page a read hit.
    const arena = machine.backing(0, ARENA);
    for (let i = 0; i < ARENA; i++) arena[i] = (i * 131 + (i >> 12) * 17) & 0xff;

    const outcomes = new Map<string, number>();
    for (let step = 0; step < 3000; step++) {
      let slot = (random.below(20) === 0 ? 2 : random.below(2)) * 65536 + random.pick([0, 1, 2, 3, 4, 5, 6, 7, 32763, 32764]);
      let flags = random.below(30) === 0 ? 4 : random.below(4);
      let gpa = BigInt(random.below(64) * PAGE + (random.below(40) === 0 ? 8 : 0)) + (random.below(50) === 0 ? 0xfffffffffff00000n : 0n);
      let size = BigInt(random.below(4) === 0 ? 0 : random.below(12) * PAGE + (random.below(40) === 0 ? 100 : 0));
      let uaddr = BigInt(random.pick([0, 1, 2, 8, 64, 255, 256]) * PAGE + (random.below(40) === 0 ? 12 : 0));
      const existing = model.slots.length > 0 && random.below(2) === 0 ? random.pick(model.slots) : undefined;
      if (existing) {
        // Mostly legal changes of an existing slot: MOVE, FLAGS_ONLY, no-op, delete.
        slot = existing.slot;
        size = random.below(5) === 0 ? 0n : existing.memorySize;
        uaddr = random.below(20) === 0 ? uaddr : existing.userspaceAddr;
        flags = (existing.flags & 2) | (random.below(2) === 0 ? existing.flags & 1 : random.below(2)) | (random.below(20) === 0 ? 2 : 0);
        gpa = random.below(3) === 0 ? existing.guestPhysAddr : gpa;
      }
      const expected = model.set(slot, flags, gpa, size, uaddr);
      let actual: string;
      try {
        actual = machine.setUserMemoryRegion({ slot, flags, guestPhysAddr: gpa, memorySize: size, userspaceAddr: uaddr });
      } catch (error) {
        if (!(error instanceof SlotError)) throw error;
        actual = error.code;
      }
      outcomes.set(actual, (outcomes.get(actual) ?? 0) + 1);
      expect(actual, `step ${step}: slot ${slot} flags ${flags} gpa ${gpa} size ${size} uaddr ${uaddr}`).toBe(expected);
      expect(machine.slots()).toEqual(model.sorted());

      for (let probe = 0; probe < 4; probe++) {
        const as = random.below(2);
        const at = BigInt(random.below(80 * PAGE));
        const covering = model.covering(as, at);
        const write = random.below(4) === 0;
        try {
          if (write) {
            const value = random.below(256);
            machine.write(at, 1, value, { addressSpace: as });
            expect(covering && (covering.flags & 2) === 0, `write at ${at} as ${as}`).toBe(true);
            expect(arena[Number(covering!.userspaceAddr + at - covering!.guestPhysAddr)]).toBe(value);
          } else {
            const value = machine.read(at, 1, { addressSpace: as });
            expect(covering, `read at ${at} as ${as}`).toBeDefined();
            expect(Number(value)).toBe(arena[Number(covering!.userspaceAddr + at - covering!.guestPhysAddr)]);
          }
        } catch (error) {
          if (!(error instanceof AccessError)) throw error;
          expect(error.code).toBe('EFAULT');
          const cause = covering === undefined ? 'unmapped' : 'read-only slot';
          expect(write || covering === undefined).toBe(true);
          expect(error.exit.cause).toBe(cause);
        }
      }
    }
    // The generator must exercise every outcome, or agreement would prove little.
    for (const outcome of ['create', 'delete', 'move', 'flags-only', 'none', 'EINVAL', 'EEXIST']) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(20);
    }
  });
});

describe('slot search tree with thousands of slots', () => {
  it('finds the covering slot for random addresses while slots come, go and move (up to 4 layers)', async () => {
    const machine = await Machine.create({ arenaBytes: 64 * PAGE });
    const model = new KvmSlotsModel(BigInt(64 * PAGE));
    const random = prng(99);
    const arena = machine.backing(0, 64 * PAGE);
    for (let i = 0; i < arena.length; i++) arena[i] = i >> 12;
    let largest = 0;
    for (let step = 0; step < 12000; step++) {
      const slot = random.below(3000);
      const existing = model.slots.find((s) => s.slot === slot);
      const gpa = BigInt(random.below(40000)) * BigInt(PAGE);
      const size = existing ? (random.below(4) === 0 ? 0n : existing.memorySize) : BigInt((1 + random.below(3)) * PAGE);
      const uaddr = existing ? existing.userspaceAddr : BigInt(random.below(60) * PAGE);
      const expected = model.set(slot, 0, gpa, size, uaddr);
      let actual: string;
      try {
        actual = machine.setUserMemoryRegion({ slot, guestPhysAddr: gpa, memorySize: size, userspaceAddr: uaddr });
      } catch (error) {
        actual = (error as SlotError).code;
      }
      expect(actual).toBe(expected);
      largest = Math.max(largest, model.slots.length);
      const probe = random.below(2) === 0 && model.slots.length > 0
        ? random.pick(model.slots).guestPhysAddr + BigInt(random.below(3 * PAGE))
        : BigInt(random.below(40002 * PAGE));
      const covering = model.covering(0, probe);
      if (covering) {
        expect(machine.read(probe, 1)).toBe(BigInt(Number(covering.userspaceAddr + probe - covering.guestPhysAddr) >> 12));
      } else {
        expect(() => machine.read(probe, 1)).toThrow(AccessError);
      }
    }
    expect(largest).toBeGreaterThan(1000);
  });
});

describe('slot search tree as it grows a layer', () => {
  it.each(['ascending', 'descending'])('resolves every sampled slot at each layer boundary, grown twice (%s creation order)', async (order) => {
    const machine = await Machine.create({ arenaBytes: 16 * PAGE });
    const arena = machine.backing(0, 16 * PAGE);
    for (let i = 0; i < arena.length; i++) arena[i] = 100 + (i >> 12);
    const total = 4200;
    const checkpoints = new Set([1, 8, 9, 128, 129, 2048, 2049, total]);
    const random = prng(5);
    // Round 1 lays the table out high; after deleting it all, round 2 grows again
    // lower down, so stale upper-layer keys from round 1 would misdirect searches.
    for (const offset of [1_000_000, 0]) {
      const baseOf = (id: number) => (offset + (id + 1) * 2) * PAGE;
      const created: number[] = [];
      for (let n = 1; n <= total; n++) {
        const id = order === 'ascending' ? n - 1 : total - n;
        machine.setUserMemoryRegion({ slot: id, guestPhysAddr: baseOf(id), memorySize: PAGE, userspaceAddr: (id % 16) * PAGE });
        created.push(id);
        if (!checkpoints.has(n)) continue;
        for (let k = 0; k < 40; k++) {
          const sample = k < 2 ? created[k === 0 ? 0 : created.length - 1]! : random.pick(created);
          expect(machine.read(baseOf(sample) + 5, 1), `slot ${sample} with ${n} slots`).toBe(BigInt(100 + (sample % 16)));
          expect(() => machine.read(baseOf(sample) - PAGE, 1)).toThrow(AccessError);
        }
        expect(() => machine.read(0, 1)).toThrow(AccessError);
        expect(() => machine.read(baseOf(total + 1), 1)).toThrow(AccessError);
      }
      for (const id of created) machine.setUserMemoryRegion({ slot: id, guestPhysAddr: 0, memorySize: 0, userspaceAddr: 0 });
      expect(machine.slots()).toEqual([]);
    }
  });
});
