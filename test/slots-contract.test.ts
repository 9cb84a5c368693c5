import { describe, expect, it, beforeEach } from 'vitest';
import { Machine, SlotError, LOG_DIRTY_PAGES, READONLY, type MemoryRegion } from '../dist/src/index.js';

const MiB = 1024 * 1024;
const region = (over: Partial<MemoryRegion> = {}): MemoryRegion =>
  ({ slot: 0, flags: 0, guestPhysAddr: 0x100000, memorySize: 0x10000, userspaceAddr: 0, ...over });

function expectRejected(machine: Machine, update: MemoryRegion, code: string) {
  const before = machine.slots();
  let thrown: unknown;
  try {
    machine.setUserMemoryRegion(update);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(SlotError);
  expect((thrown as SlotError).code).toBe(code);
  expect((thrown as SlotError).detail.length).toBeGreaterThan(10);
  expect(machine.slots()).toEqual(before);
}

describe('KVM_SET_USER_MEMORY_REGION contract', () => {
  let machine: Machine;
  beforeEach(async () => {
    machine = await Machine.create({ arenaBytes: 4 * MiB });
  });

  it.each([
    ['unknown flag bit', { flags: 4 }],
    ['high flag bit', { flags: 1 << 16 }],
    ['size not page-aligned', { memorySize: 0x1800 }],
    ['gpa not page-aligned', { guestPhysAddr: 0x100010 }],
    ['uaddr not page-aligned', { userspaceAddr: 0x10 }],
    ['uaddr + size past the arena', { userspaceAddr: 4 * MiB - 0x1000, memorySize: 0x2000 }],
    ['uaddr past the arena', { userspaceAddr: 8 * MiB }],
    ['address space 2', { slot: 2 << 16 }],
    ['slot id 32764', { slot: 32764 }],
    ['slot id 65535', { slot: 0xffff }],
    ['gpa + size wraps', { guestPhysAddr: 0xfffffffffffff000n, memorySize: 0x2000 }],
    ['gpa + size reaches 2^64', { guestPhysAddr: 0xfffffffffffff000n, memorySize: 0x1000 }],
    ['delete of a missing slot', { memorySize: 0 }],
    ['negative gpa', { guestPhysAddr: -4096 }],
    ['non-numeric size', { memorySize: 'big' }],
    ['fractional slot', { slot: 1.5 }],
  ])('rejects %s with EINVAL and changes nothing', (_name, over) => {
    machine.setUserMemoryRegion(region({ slot: 5, guestPhysAddr: 0x900000 }));
    expectRejected(machine, region(over as Partial<MemoryRegion>), 'EINVAL');
  });

  it('creates, moves, changes flags, ignores a no-op and deletes, reporting each change', () => {
    expect(machine.setUserMemoryRegion(region())).toBe('create');
    expect(machine.setUserMemoryRegion(region())).toBe('none');
    expect(machine.setUserMemoryRegion(region({ guestPhysAddr: 0x200000 }))).toBe('move');
    expect(machine.setUserMemoryRegion(region({ guestPhysAddr: 0x200000, flags: LOG_DIRTY_PAGES }))).toBe('flags-only');
    expect(machine.slot(0)).toEqual({ slot: 0, flags: 1, guestPhysAddr: 0x200000n, memorySize: 0x10000n, userspaceAddr: 0n });
    expect(machine.setUserMemoryRegion(region({ memorySize: 0 }))).toBe('delete');
    expect(machine.slots()).toEqual([]);
  });

  it('accepts "0x…" strings and bigints as well as numbers', () => {
    machine.setUserMemoryRegion({ slot: 3, flags: 0, guestPhysAddr: '0xfffff000', memorySize: 4096n, userspaceAddr: '0x2000' });
    expect(machine.slot(3)).toMatchObject({ guestPhysAddr: 0xfffff000n, memorySize: 4096n, userspaceAddr: 0x2000n });
  });

  it.each([
    ['a different size', { memorySize: 0x20000 }],
    ['a different uaddr', { userspaceAddr: 0x10000 }],
    ['turning READONLY on', { flags: READONLY }],
  ])('rejects changing an existing slot to %s with EINVAL', (_name, over) => {
    machine.setUserMemoryRegion(region());
    expectRejected(machine, region(over), 'EINVAL');
  });

  it('rejects turning READONLY off', () => {
    machine.setUserMemoryRegion(region({ flags: READONLY }));
    expectRejected(machine, region({ flags: 0 }), 'EINVAL');
  });

  it.each([
    ['the same range', 0x100000, 0x10000],
    ['a range starting inside', 0x10f000, 0x10000],
    ['a range ending inside', 0xf1000, 0x10000],
    ['a range enclosing it', 0xf0000, 0x30000],
    ['a range inside it', 0x104000, 0x1000],
  ])('rejects a CREATE overlapping %s with EEXIST', (_name, gpa, size) => {
    machine.setUserMemoryRegion(region());
    expectRejected(machine, region({ slot: 1, guestPhysAddr: gpa, memorySize: size, userspaceAddr: 0x100000 }), 'EEXIST');
  });

  it('rejects a MOVE onto another slot with EEXIST, allows one overlapping its own old range', () => {
    machine.setUserMemoryRegion(region());
    machine.setUserMemoryRegion(region({ slot: 1, guestPhysAddr: 0x300000, userspaceAddr: 0x100000 }));
    expectRejected(machine, region({ slot: 1, guestPhysAddr: 0x108000, userspaceAddr: 0x100000 }), 'EEXIST');
    expect(machine.setUserMemoryRegion(region({ slot: 1, guestPhysAddr: 0x2ff000, userspaceAddr: 0x100000 }))).toBe('move');
    expect(machine.setUserMemoryRegion(region({ slot: 1, guestPhysAddr: 0x110000, userspaceAddr: 0x100000 }))).toBe('move');
  });

  it('allows adjacent slots and slots aliasing one backing', () => {
    machine.setUserMemoryRegion(region());
    machine.setUserMemoryRegion(region({ slot: 1, guestPhysAddr: 0x110000 }));
    machine.setUserMemoryRegion(region({ slot: 2, guestPhysAddr: 0xf0000 }));
    machine.write(0x100008, 4, 0xabcdef01);
    expect(machine.read(0x110008, 4)).toBe(0xabcdef01n);
    expect(machine.read(0xf0008, 4)).toBe(0xabcdef01n);
  });

  it('keeps address spaces apart: the same GPA in two spaces, each with its own backing', () => {
    machine.setUserMemoryRegion(region());
    machine.setUserMemoryRegion(region({ slot: (1 << 16) | 0, userspaceAddr: 0x10000 }));
    expect(machine.slots().map((s) => s.slot)).toEqual([0, 0x10000]);
    machine.write(0x100000, 8, 0x1111n);
    machine.write(0x100000, 8, 0x2222n, { addressSpace: 1 });
    expect(machine.read(0x100000, 8)).toBe(0x1111n);
    expect(machine.read(0x100000, 8, { addressSpace: 1 })).toBe(0x2222n);
  });

  it('takes slot id 32763 in each address space and refuses 32764', async () => {
    const big = await Machine.create({ arenaBytes: 4096 });
    for (let id = 0; id < 32764; id++) {
      big.setUserMemoryRegion({ slot: id, guestPhysAddr: id * 8192, memorySize: 4096, userspaceAddr: 0 });
    }
    big.setUserMemoryRegion({ slot: (1 << 16) | 32763, guestPhysAddr: 0, memorySize: 4096, userspaceAddr: 0 });
    expect(big.slots().length).toBe(32765);
    expectRejected(big, { slot: 32764, guestPhysAddr: 32764 * 8192, memorySize: 4096, userspaceAddr: 0 }, 'EINVAL');
    big.write(32763 * 8192 + 16, 2, 0xbeef);
    expect(big.read(16, 2)).toBe(0xbeefn);
  });

  it('keeps a dirty log per slot: get-and-clear, kept across MOVE, dropped on delete', () => {
    machine.setUserMemoryRegion(region({ flags: LOG_DIRTY_PAGES, memorySize: 0x48000 }));
    machine.write(0x100000, 1, 1);
    machine.write(0x102ffc, 8, 1n); // crosses into page 3
    machine.write(0x147000, 4, 1); // page 71: the second u64 word
    machine.read(0x105000, 4); // reads do not dirty
    const log = machine.getDirtyLog(0);
    expect(log.length).toBe(16);
    expect([...log.slice(0, 1), log[8]]).toEqual([0b1101, 0b10000000]);
    expect(machine.getDirtyLog(0).every((byte) => byte === 0)).toBe(true);
    machine.write(0x101000, 1, 1);
    machine.setUserMemoryRegion(region({ flags: LOG_DIRTY_PAGES, memorySize: 0x48000, guestPhysAddr: 0x800000 }));
    expect(machine.getDirtyLog(0)[0]).toBe(0b10);
    machine.setUserMemoryRegion(region({ flags: 0, memorySize: 0x48000, guestPhysAddr: 0x800000 }));
    expect(() => machine.getDirtyLog(0)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => machine.getDirtyLog(9)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
  });

  it('refuses a dirty log it has no room for with ENOMEM and changes nothing', async () => {
    const small = await Machine.create({ arenaBytes: 4 * MiB, dirtyLogBytes: 64 });
    small.setUserMemoryRegion(region({ flags: LOG_DIRTY_PAGES, memorySize: 0x200000 }));
    expectRejected(small, region({ slot: 1, flags: LOG_DIRTY_PAGES, guestPhysAddr: 0x400000 }), 'ENOMEM');
    small.setUserMemoryRegion(region({ flags: 0, memorySize: 0x200000 }));
    expect(small.setUserMemoryRegion(region({ slot: 1, flags: LOG_DIRTY_PAGES, guestPhysAddr: 0x400000 }))).toBe('create');
  });

  it('allocates and releases arena backing, and refuses what does not fit', () => {
    const a = machine.allocateBacking(5000);
    const b = machine.allocateBacking(4096);
    expect(b - a).toBe(8192);
    expect(() => machine.allocateBacking(8 * MiB)).toThrow(expect.objectContaining({ code: 'ENOMEM' }));
    machine.releaseBacking(a);
    expect(machine.allocateBacking(4096)).toBe(a);
    expect(() => machine.releaseBacking(12345)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });
});
