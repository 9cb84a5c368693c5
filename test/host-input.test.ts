// Every public host entry that takes a number refuses NaN, ±Infinity, fractions,
// negatives and out-of-range bigints with its documented error (issue 16, items 1, 5, 6).

import { describe, expect, it, beforeEach } from 'vitest';
import { Machine, MmioBus, CoreAccessor, SlotError, AccessError, MmioError, EmuError } from '../dist/src/index.js';
import { main } from '../dist/src/cli/main.js';
import { firstChange, snapshot } from './engine-memory.js';

const RAM = 0x100000n;
const U64_END = 1n << 64n;
const HOSTILE = [NaN, Infinity, -Infinity, 1.5, -1, -4096n, U64_END, 2 ** 64, undefined, null, '', 'abc', '0x', {}, [], Symbol('s'), true];

type ErrorClass = typeof SlotError | typeof AccessError | typeof MmioError | typeof EmuError;

/** The call throws `kind` with `code`, and not a plain Error, RangeError or TypeError. */
function expectRefused(call: () => unknown, kind: ErrorClass, code = 'EINVAL', what = '') {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${what}: threw ${String(thrown)}`).toBeInstanceOf(kind);
  expect((thrown as EmuError).code, what).toBe(code);
  expect((thrown as EmuError).detail.length, what).toBeGreaterThan(5);
}

const show = (value: unknown) => (typeof value === 'symbol' ? value.toString() : typeof value === 'bigint' ? `${value}n` : String(value));

describe('host API numeric inputs', () => {
  let machine: Machine;
  beforeEach(async () => {
    machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: 0 });
  });
  /** Refused calls change no byte of the engine's own memory (nor the arena: asserted by reads where it matters). */
  const unchangedSince = (before: Uint8Array) => expect(firstChange(machine, before)).toBeUndefined();

  it('backing() refuses every non-integer offset or length instead of viewing the control block', () => {
    for (const bad of HOSTILE) {
      expectRefused(() => machine.backing(bad as number, 16), SlotError, 'EINVAL', `offset ${show(bad)}`);
      expectRefused(() => machine.backing(0, bad as number), SlotError, 'EINVAL', `length ${show(bad)}`);
    }
    expectRefused(() => machine.backing(machine.layout.arenaSize - 8, 16), SlotError);
    expect(machine.backing(machine.layout.arenaSize - 16, 16).byteOffset).toBe(machine.layout.arenaBase + machine.layout.arenaSize - 16);
  });

  it('read, write, readBytes and writeBytes refuse hostile addresses, sizes, lengths, values and options', () => {
    const before = snapshot(machine);
    for (const bad of HOSTILE) {
      const what = show(bad);
      expectRefused(() => machine.read(bad as bigint, 4), AccessError, 'EINVAL', `read gpa ${what}`);
      expectRefused(() => machine.write(bad as bigint, 4, 1), AccessError, 'EINVAL', `write gpa ${what}`);
      expectRefused(() => machine.read(RAM, bad as number), AccessError, 'EINVAL', `read size ${what}`);
      expectRefused(() => machine.write(RAM, bad as number, 1), AccessError, 'EINVAL', `write size ${what}`);
      expectRefused(() => machine.readBytes(RAM, bad as number), AccessError, 'EINVAL', `readBytes length ${what}`);
      expectRefused(() => machine.readBytes(bad as bigint, 4), AccessError, 'EINVAL', `readBytes gpa ${what}`);
      expectRefused(() => machine.writeBytes(bad as bigint, new Uint8Array(4)), AccessError, 'EINVAL', `writeBytes gpa ${what}`);
      if (bad !== undefined) {
        expectRefused(() => machine.read(RAM, 4, { addressSpace: bad as number }), AccessError, 'EINVAL', `addressSpace ${what}`);
        expectRefused(() => machine.read(RAM, 4, { endian: bad as 'little' }), AccessError, 'EINVAL', `endian ${what}`);
      }
      if (bad !== -1 && bad !== -4096n) expectRefused(() => machine.write(RAM, 4, bad as number), AccessError, 'EINVAL', `value ${what}`);
    }
    for (const bad of [null, 5, [1, 2, 3], 'abcd', new Uint16Array(2)]) {
      expectRefused(() => machine.writeBytes(RAM, bad as Uint8Array), AccessError, 'EINVAL', `writeBytes source ${show(bad)}`);
    }
    for (const bad of [null, 5, 'abcd', Symbol('o')]) {
      expectRefused(() => machine.read(RAM, 4, bad as object), AccessError, 'EINVAL', `options ${show(bad)}`);
    }
    // A value must fit the access, unsigned or as a negative two's complement number.
    for (const [size, value] of [[1, 256], [1, -129], [2, 0x10000], [8, 1n << 64n], [8, -(1n << 63n) - 1n], [4, 2 ** 53]] as const) {
      expectRefused(() => machine.write(RAM, size, value), AccessError, 'EINVAL', `value ${value} in ${size} bytes`);
    }
    unchangedSince(before);
    expect(machine.read(RAM, 8)).toBe(0n);
    machine.write(RAM, 1, -1);
    machine.write(RAM + 8n, 8, -(1n << 63n));
    expect(machine.read(RAM, 1)).toBe(0xffn);
    expect(machine.read(RAM + 8n, 8)).toBe(1n << 63n);
  });

  it('setUserMemoryRegion refuses hostile fields with SlotError EINVAL, bigints included', () => {
    const region = { slot: 1, flags: 0, guestPhysAddr: 0x200000n, memorySize: 0x1000n, userspaceAddr: 0x10000n };
    const before = snapshot(machine);
    for (const bad of HOSTILE) {
      for (const field of ['slot', 'flags', 'guestPhysAddr', 'memorySize', 'userspaceAddr'] as const) {
        if (field === 'flags' && (bad === undefined)) continue; // flags is optional
        expectRefused(() => machine.setUserMemoryRegion({ ...region, [field]: bad } as never), SlotError, 'EINVAL', `${field} ${show(bad)}`);
      }
    }
    for (const bad of [null, 5, 'x', { length: 1 }]) {
      expectRefused(() => machine.setUserMemoryRegions(bad as never), SlotError, 'EINVAL', `list ${show(bad)}`);
      expectRefused(() => machine.setUserMemoryRegions([region, bad] as never), SlotError, 'EINVAL', `entry ${show(bad)}`);
      expectRefused(() => machine.setUserMemoryRegion(bad as never), SlotError, 'EINVAL', `region ${show(bad)}`);
    }
    unchangedSince(before);
    expect(machine.slots().map((s) => s.slot)).toEqual([0]);
  });

  it('refuses slot flags at or above 2^32 (KVM flags are a __u32 with two bits defined)', () => {
    const region = { slot: 1, guestPhysAddr: 0x200000, memorySize: 0x1000, userspaceAddr: 0 };
    for (const flags of [4294967297, 2 ** 32, 2 ** 32 + 3, 2 ** 40 + 1, 0x8000_0000, 4]) {
      expectRefused(() => machine.setUserMemoryRegion({ ...region, flags }), SlotError, 'EINVAL', `flags ${flags}`);
    }
    expect(machine.slot(1)).toBeUndefined();
    expect(machine.setUserMemoryRegion({ ...region, flags: 3 })).toBe('create');
  });

  it('slot queries, dirty logs and backing allocation refuse non-integers with SlotError EINVAL', () => {
    for (const bad of HOSTILE) {
      const what = show(bad);
      expectRefused(() => machine.slot(bad as number), SlotError, 'EINVAL', `slot ${what}`);
      expectRefused(() => machine.getDirtyLog(bad as number), SlotError, 'EINVAL', `getDirtyLog ${what}`);
      expectRefused(() => machine.setSlotInvalid(bad as number, true), SlotError, 'EINVAL', `setSlotInvalid ${what}`);
      expectRefused(() => machine.allocateBacking(bad as number), SlotError, 'EINVAL', `allocateBacking ${what}`);
      expectRefused(() => machine.releaseBacking(bad as number), SlotError, 'EINVAL', `releaseBacking ${what}`);
      expectRefused(() => machine.attach(bad as number), EmuError, 'EINVAL', `attach ${what}`);
      expectRefused(() => new CoreAccessor(machine.module, machine.memory, bad as number, machine.mmio), EmuError, 'EINVAL', `CoreAccessor ${what}`);
    }
    expectRefused(() => machine.allocateBacking(0), SlotError, 'EINVAL');
    // kvm_get_dirty_log(): a slot number no slot can have is EINVAL (ENOENT is for a slot without a log).
    expectRefused(() => machine.getDirtyLog(32764), SlotError, 'EINVAL', 'slot id 32764');
    expectRefused(() => machine.getDirtyLog(2 << 16), SlotError, 'EINVAL', 'address space 2');
    expectRefused(() => machine.getDirtyLog(5), SlotError, 'ENOENT', 'no such slot');
  });

  it('mmio.register refuses hostile bases, sizes, widths and shapes with MmioError EINVAL', () => {
    const device = { base: 0x9000_0000n, size: 0x100, read: () => 0, write: () => undefined };
    for (const bad of HOSTILE) {
      const what = show(bad);
      expectRefused(() => machine.mmio.register({ ...device, base: bad as bigint }), MmioError, 'EINVAL', `base ${what}`);
      expectRefused(() => machine.mmio.register({ ...device, size: bad as bigint }), MmioError, 'EINVAL', `size ${what}`);
      if (bad !== undefined) {
        expectRefused(() => machine.mmio.register({ ...device, addressSpace: bad as number }), MmioError, 'EINVAL', `addressSpace ${what}`);
        expectRefused(() => machine.mmio.register({ ...device, widths: bad as number[] }), MmioError, 'EINVAL', `widths ${what}`);
        expectRefused(() => machine.mmio.register({ ...device, endian: bad as 'little' }), MmioError, 'EINVAL', `endian ${what}`);
        if (typeof bad !== 'string') expectRefused(() => machine.mmio.register({ ...device, name: bad as string }), MmioError, 'EINVAL', `name ${what}`);
      }
      expectRefused(() => machine.mmio.register({ ...device, widths: [4, bad as number] }), MmioError, 'EINVAL', `width ${what}`);
    }
    expectRefused(() => machine.mmio.register(null as never), MmioError);
    expectRefused(() => machine.mmio.register({ ...device, read: 5 as never }), MmioError);
    for (const bad of HOSTILE) expectRefused(() => new MmioBus(bad as number), MmioError, 'EINVAL', `bus ${show(bad)}`);
    expect(() => machine.read(0x9000_0000n, 4)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
  });

  it('addBuiltinDevice refuses hostile bases and sizes, and a range past 2^64, changing nothing', () => {
    const before = snapshot(machine);
    for (const bad of HOSTILE) {
      const what = show(bad);
      expectRefused(() => machine.addBuiltinDevice({ kind: 'scratch', base: bad as bigint, size: 8 }), MmioError, 'EINVAL', `base ${what}`);
      expectRefused(() => machine.addBuiltinDevice({ kind: 'scratch', base: 0xa000_0000n, size: bad as number }), MmioError, 'EINVAL', `size ${what}`);
      if (bad !== undefined) {
        expectRefused(() => machine.addBuiltinDevice({ kind: 'scratch', base: 0xa000_0000n, size: 8, addressSpace: bad as number }), MmioError, 'EINVAL', `as ${what}`);
      }
      expectRefused(() => machine.addBuiltinDevice({ kind: bad as 'scratch', base: 0xa000_0000n, size: 8 }), MmioError, 'EINVAL', `kind ${what}`);
    }
    expectRefused(() => machine.addBuiltinDevice({ kind: 'scratch', base: U64_END - 8n, size: 16 }), MmioError, 'EINVAL', 'past 2^64');
    expectRefused(() => machine.addBuiltinDevice(null as never), MmioError);
    unchangedSince(before);
    machine.addBuiltinDevice({ kind: 'scratch', base: U64_END - 8n, size: 8 });
    machine.write(U64_END - 8n, 8, 0x1122n);
    expect(machine.read(U64_END - 8n, 8)).toBe(0x1122n);
  });

  it('an error from a device that cannot be printed still ends in AccessError EIO', () => {
    const unprintable = { toString() { throw new Error('no'); }, valueOf() { throw new Error('no'); } };
    const badMessage = new Error('x');
    Object.defineProperty(badMessage, 'message', { get() { throw new Error('no'); } });
    for (const thrown of [unprintable, badMessage, Object.create(null), Symbol('s')]) {
      const registration = machine.mmio.register({ base: 0x9000_0000n, size: 8, read: () => { throw thrown; }, write: () => { throw thrown; } });
      expectRefused(() => machine.read(0x9000_0000n, 4), AccessError, 'EIO', 'read');
      expectRefused(() => machine.write(0x9000_0000n, 4, 1), AccessError, 'EIO', 'write');
      registration.unregister();
    }
  });

  it('Machine.create refuses a non-object options argument with EINVAL', async () => {
    for (const bad of [null, 5, 'x']) {
      await expect(Machine.create(bad as never)).rejects.toMatchObject({ code: 'EINVAL' });
    }
  });
});

describe('host accesses that would cross 2^64 (item 5)', () => {
  it('write, read, readBytes and writeBytes refuse them with EINVAL instead of wrapping to GPA 0', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    machine.addBuiltinDevice({ kind: 'scratch', base: U64_END - 8n, size: 8 });
    const low = machine.backing(0, 16);
    low.fill(0x5a);
    const top = U64_END - 8n;
    expectRefused(() => machine.write(top, 16, (1n << 128n) - 1n), AccessError, 'EINVAL', 'write 16');
    expectRefused(() => machine.read(top, 16), AccessError, 'EINVAL', 'read 16');
    expectRefused(() => machine.read(U64_END - 1n, 2), AccessError, 'EINVAL', 'read 2 at the last byte');
    expectRefused(() => machine.readBytes(top, 16), AccessError, 'EINVAL', 'readBytes 16');
    expectRefused(() => machine.writeBytes(top, new Uint8Array(9).fill(0xff)), AccessError, 'EINVAL', 'writeBytes 9');
    expect([...low]).toEqual(new Array(16).fill(0x5a));
    expect(machine.read(top, 8)).toBe(0n);
    machine.writeBytes(top, new Uint8Array(8).fill(0xee));
    expect(machine.readBytes(top, 8)).toEqual(new Uint8Array(8).fill(0xee));
    expect(machine.read(U64_END - 1n, 1)).toBe(0xeen);
    expect(machine.readBytes(top, 0)).toEqual(new Uint8Array(0));
  });
});

describe('memslot-emu slots field parsing', () => {
  async function run(input: unknown[]) {
    let stdout = '';
    const code = await main(['slots', '-'], { stdout: (t) => { stdout += t; }, stderr: () => undefined, stdin: async () => JSON.stringify(input) });
    return { code, out: JSON.parse(stdout) as { slots: unknown[]; error?: { code: string; message: string } } };
  }

  it('takes "0x…" strings for slot and flags, as its help says', async () => {
    const { code, out } = await run([{ slot: '0x10001', flags: '0x1', guestPhysAddr: '0x2000', memorySize: '0x1000', userspaceAddr: '0' }]);
    expect(code).toBe(0);
    expect(out.slots).toEqual([{ slot: 0x10001, flags: 1, guestPhysAddr: '0x2000', memorySize: '0x1000', userspaceAddr: '0x0' }]);
  });

  it('refuses flags 4294967297 and a malformed slot string with EINVAL', async () => {
    for (const update of [
      { slot: 0, flags: 4294967297, guestPhysAddr: 0, memorySize: 4096, userspaceAddr: 0 },
      { slot: '0x1g', guestPhysAddr: 0, memorySize: 4096, userspaceAddr: 0 },
      { slot: '0x100000000', guestPhysAddr: 0, memorySize: 4096, userspaceAddr: 0 },
    ]) {
      const { code, out } = await run([update]);
      expect(code, JSON.stringify(update)).toBe(1);
      expect(out.error?.code).toBe('EINVAL');
      expect(out.slots).toEqual([]);
    }
  });
});
