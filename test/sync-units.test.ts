// The pieces under the strategies: slot transactions, INVALID marking, the overlap
// rule, the scheduler, and the compare command's surface.
import { describe, expect, it } from 'vitest';
import { Machine, Scheduler, DeadlockError, SlotError, compare } from '../dist/src/index.js';
import { removalsOverlapAdditions } from '../dist/src/sync/strategies.js';
import { lock, unlock } from '../dist/src/sync/locks.js';
import { main } from '../dist/src/cli/main.js';

async function machineWithSlots() {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  const uaddr = machine.allocateBacking(0x4000);
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x10000, memorySize: 0x2000, userspaceAddr: uaddr });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: 0x12000, memorySize: 0x2000, userspaceAddr: uaddr + 0x2000 });
  return { machine, uaddr };
}

describe('slot transactions', () => {
  it('applies a list of changes checked in order, published at once', async () => {
    const { machine, uaddr } = await machineWithSlots();
    const generation = () => new Uint32Array(machine.memory.buffer, machine.map.CTRL_SLOT_GEN, 1)[0];
    const before = generation();
    machine.write(0x12000, 8, 0x1234n);
    const changes = machine.setUserMemoryRegions([
      { slot: 1, guestPhysAddr: 0x10000, memorySize: 0, userspaceAddr: uaddr },
      { slot: 2, guestPhysAddr: 0x12000, memorySize: 0, userspaceAddr: uaddr + 0x2000 },
      { slot: 3, guestPhysAddr: 0x10000, memorySize: 0x4000, userspaceAddr: uaddr },
    ]);
    expect(changes).toEqual(['delete', 'delete', 'create']);
    expect(generation()).toBe(before + 1);
    expect(machine.slots().map((slot) => slot.slot)).toEqual([3]);
    expect(machine.read(0x12000, 8)).toBe(0x1234n);
  });

  it('a refused change undoes the ones before it and publishes nothing', async () => {
    const { machine, uaddr } = await machineWithSlots();
    const generation = () => new Uint32Array(machine.memory.buffer, machine.map.CTRL_SLOT_GEN, 1)[0];
    const before = generation();
    const slots = machine.slots();
    expect(() => machine.setUserMemoryRegions([
      { slot: 1, guestPhysAddr: 0x10000, memorySize: 0, userspaceAddr: uaddr },
      { slot: 4, guestPhysAddr: 0x12000, memorySize: 0x1000, userspaceAddr: uaddr }, // overlaps slot 2
    ])).toThrow(SlotError);
    expect(machine.slots()).toEqual(slots);
    expect(generation()).toBe(before);
    expect(machine.read(0x10000, 8)).toBe(0n);
  });

  it('an INVALID slot sends accesses to the MMIO path with cause invalid, and comes back', async () => {
    const { machine } = await machineWithSlots();
    machine.setSlotInvalid(1, true);
    expect(() => machine.read(0x10000, 8)).toThrow(/invalid/);
    expect(machine.slot(1)?.flags).toBe(0);
    machine.setSlotInvalid(1, false);
    expect(machine.read(0x10000, 8)).toBe(0n);
    expect(() => machine.setSlotInvalid(9, true)).toThrow(/does not exist/);
  });
});

describe("inhibit-on-overlap's rule", () => {
  it('stops vCPUs only when the removals overlap the additions', async () => {
    const { machine, uaddr } = await machineWithSlots();
    const region = (slot: number, gpa: number, size: number, at = uaddr) => ({ slot, guestPhysAddr: gpa, memorySize: size, userspaceAddr: at });
    expect(removalsOverlapAdditions(machine, [region(1, 0x10000, 0), region(1, 0x10000, 0x2000)])).toBe(true);
    expect(removalsOverlapAdditions(machine, [region(1, 0x10000, 0), region(2, 0x12000, 0), region(3, 0x10000, 0x4000)])).toBe(true);
    expect(removalsOverlapAdditions(machine, [region(1, 0x10000, 0)])).toBe(false);
    expect(removalsOverlapAdditions(machine, [region(5, 0x40000, 0x1000)])).toBe(false);
    expect(removalsOverlapAdditions(machine, [region(1, 0x20000, 0x2000)])).toBe(false); // a MOVE to free space
    expect(removalsOverlapAdditions(machine, [region(1, 0x11000, 0x2000)])).toBe(true); // a MOVE onto part of its old range
  });
});

describe('the seeded scheduler', () => {
  it('interleaves actors at their yields, the same way for the same seed', () => {
    const trace = (seed: number) => {
      const words = new Int32Array(new SharedArrayBuffer(16));
      const order: string[] = [];
      const scheduler = new Scheduler(seed, words);
      for (const name of ['a', 'b', 'c']) {
        scheduler.add(name, (function* () {
          for (let i = 0; i < 5; i++) {
            order.push(name);
            yield { kind: 'point' } as const;
          }
        })());
      }
      scheduler.run(1000);
      return order.join('');
    };
    expect(trace(1)).toBe(trace(1));
    expect(trace(1)).not.toBe(trace(2));
    expect(trace(1).split('').sort().join('')).toBe('aaaaabbbbbccccc');
  });

  it('a futex lock is mutually exclusive under every seed, and a lock never released is reported as a deadlock', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const words = new Int32Array(new SharedArrayBuffer(16));
      let inside = 0;
      let most = 0;
      const scheduler = new Scheduler(seed, words);
      for (let a = 0; a < 3; a++) {
        scheduler.add(`actor${a}`, (function* () {
          for (let i = 0; i < 4; i++) {
            yield* lock(words, 0);
            most = Math.max(most, ++inside);
            yield { kind: 'point' } as const;
            inside--;
            unlock(words, 0);
          }
        })());
      }
      scheduler.run(10_000);
      expect(most).toBe(1);
      expect(words[0]).toBe(0);
    }
    const words = new Int32Array(new SharedArrayBuffer(16));
    const stuck = new Scheduler(1, words);
    stuck.add('holder', (function* () { yield* lock(words, 0); })());
    stuck.add('waiter', (function* () { yield { kind: 'point' } as const; yield* lock(words, 0); })());
    expect(() => stuck.run(100)).toThrow(DeadlockError);
  });
});

describe('memslot-emu compare', () => {
  const io = () => {
    const out = { stdout: '', stderr: '' };
    return { out, io: { stdout: (t: string) => { out.stdout += t; }, stderr: (t: string) => { out.stderr += t; }, stdin: async () => '' } };
  };

  it('--json prints one object per strategy x model with the documented keys', async () => {
    const { out, io: streams } = io();
    const code = await main(['compare', '--deterministic', '--updates', '20', '--strategies', 'naive,rcu', '--json'], streams);
    expect(code).toBe(0);
    const rows = out.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(rows.map((row) => `${row.strategy}/${row.invalidation}`)).toEqual(['naive/broadcast', 'naive/ipi', 'rcu/broadcast', 'rcu/ipi']);
    for (const row of rows) {
      for (const key of ['scenario', 'arch', 'strategy', 'invalidation', 'vcpus', 'updates', 'updateUs', 'accessesPerSec', 'stallUs', 'holes', 'stale', 'lost', 'mmioExits']) {
        expect(row, key).toHaveProperty(key);
      }
      expect(Object.keys(row.updateUs)).toEqual(['p50', 'p99', 'max']);
      expect([row.scenario, row.arch, row.vcpus, row.updates]).toEqual(['bar-remap', 'ppc64be', 2, 20]);
    }
    expect(rows[0].holes).toBeGreaterThan(0);
    expect(rows[2].holes).toBe(0);
  });

  it('prints a table by default and refuses unknown names with exit code 2', async () => {
    const table = io();
    expect(await main(['compare', '--deterministic', '--updates', '10', '--strategies', 'kvm', '--invalidation', 'ipi', '--arch', 'arm'], table.io)).toBe(0);
    expect(table.out.stdout).toMatch(/bar-remap on arm, 2 vCPUs, deterministic \(seed 1\)/);
    expect(table.out.stdout).toMatch(/^kvm\s+ipi\s+10\s/m);
    for (const args of [['--strategies', 'naive,teleport'], ['--scenario', 'nope'], ['--invalidation', 'sometimes'], ['--vcpus', '0']]) {
      const bad = io();
      expect(await main(['compare', ...args], bad.io)).toBe(2);
      expect(bad.out.stderr).toMatch(/memslot-emu compare: EINVAL: option/);
    }
  });

  it('the library compare() returns the same rows', async () => {
    const rows = await compare({ deterministic: true, updates: 10, strategies: ['stop-the-world'], invalidation: 'broadcast', scenario: 'move', arch: 'aarch64' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ scenario: 'move', arch: 'aarch64', strategy: 'stop-the-world', invalidation: 'broadcast', updates: 10, holes: 0, lost: 0 });
  });
});
