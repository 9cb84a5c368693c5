import { describe, expect, it } from 'vitest';
import { Machine, loadElf, ramBackingBytes, runElf, SlotError } from '../dist/src/index.js';
import { makeElf, words } from './elf-helpers.js';

const MiB = 1024 * 1024;
const machine = (arenaBytes = 32 * MiB) => Machine.create({ vcpus: 1, shared: false, arenaBytes });
/** Code at 0x100000, 5 data bytes at 0x101000 with bss to 0x103000. */
const file = () => makeElf({
  flags: 2,
  segments: [{ address: 0x100000n, data: words([0x11111111, 0x22222222], false) }, { address: 0x101000n, data: Uint8Array.of(1, 2, 3, 4, 5), memSize: 0x2000 }],
});

describe('loadElf with sparseRam', () => {
  it('backs the segments plus 1 MiB in the slot, and the top 1 MiB (the stack) in the next; nothing between', async () => {
    const bytes = file();
    const backing = 0x3000 + MiB + MiB;
    expect(ramBackingBytes(bytes, { sparseRam: true })).toBe(backing);
    // An arena of exactly that size holds it.
    const m = await machine(backing);
    const loaded = loadElf(m, bytes, { sparseRam: true });
    expect(m.slots()).toEqual([
      expect.objectContaining({ slot: 0, guestPhysAddr: 0x100000n, memorySize: BigInt(0x3000 + MiB) }),
      expect.objectContaining({ slot: 1, guestPhysAddr: 0x100000n + 15n * BigInt(MiB), memorySize: BigInt(MiB) }),
    ]);
    expect(loaded.ram).toMatchObject({ slot: 0, base: 0x100000n, size: 0x3000 + MiB });
    expect(loaded.stack).toMatchObject({ slot: 1, base: 0x100000n + 15n * BigInt(MiB), size: MiB });
    // The stack pointer is where the whole RAM would put it.
    expect(loaded.registers.r1).toBe(0x100000n + 16n * BigInt(MiB) - 128n);
    expect(m.read(0x100004, 4, { endian: 'big' })).toBe(0x22222222n);
    expect([...m.readBytes(0x101000, 5)]).toEqual([1, 2, 3, 4, 5]);
    expect([...m.readBytes(0x101005, 0x2000 - 5)].every((byte) => byte === 0)).toBe(true);
  });

  it('is one whole slot when the two parts would meet, and a ramSize sizes it', async () => {
    const bytes = file();
    expect(ramBackingBytes(bytes, { sparseRam: true, ramSize: 2 * MiB })).toBe(2 * MiB);
    expect(ramBackingBytes(bytes, { ramSize: 4 * MiB })).toBe(4 * MiB);
    expect(ramBackingBytes(bytes)).toBe(16 * MiB);
    const m = await machine();
    loadElf(m, bytes, { sparseRam: true, ramSize: 2 * MiB });
    expect(m.slots()).toEqual([expect.objectContaining({ slot: 0, guestPhysAddr: 0x100000n, memorySize: BigInt(2 * MiB) })]);
  });

  it('a refused stack slot leaves the machine as it was', async () => {
    const m = await machine();
    m.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 4096, userspaceAddr: m.allocateBacking(4096) });
    expect(() => loadElf(m, file(), { sparseRam: true })).toThrow(SlotError);
    expect(m.slots()).toEqual([expect.objectContaining({ slot: 1, guestPhysAddr: 0x4000_0000n })]);
    expect(() => m.allocateBacking(32 * MiB - 4096)).not.toThrow();
  });

  it('a file loadElf refuses gets the whole RAM\'s bytes (loadElf then says why)', () => {
    expect(ramBackingBytes(Uint8Array.of(1, 2, 3), { sparseRam: true })).toBe(16 * MiB);
  });
});

describe('runElf backs RAM sparsely unless told otherwise', () => {
  // lis r4,0x80; stw r3,0(r4); li r3,7; blr: a store to 0x800000, between the segments' part and the stack's.
  const storesToTheMiddle = () => makeElf({ little: true, flags: 2, segments: [{ address: 0x100000n, data: words([0x3c800080, 0x90640000, 0x38600007, 0x4e800020], true) }] });

  it('by default the middle of RAM has nothing mapped', async () => {
    const result = await runElf(storesToTheMiddle());
    expect(result.exit).toMatchObject({ reason: 'mmio', pc: 0x100004n, gpa: 0x800000n, size: 4 });
  });

  it('with a ramSize, or sparseRam: false, all of RAM is backed', async () => {
    expect((await runElf(storesToTheMiddle(), { ramSize: 16 * MiB })).exit).toEqual({ reason: 'returned', status: 7n });
    expect((await runElf(storesToTheMiddle(), { sparseRam: false })).exit).toEqual({ reason: 'returned', status: 7n });
  });
});
