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
