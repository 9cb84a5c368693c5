// Random host-API calls with one hostile argument (issue 16, item 1): NaN, ±Infinity,
// fractions, negatives, unsafe numbers, bigints out of range, strings that are not
// numbers, and values of the wrong type. Each must end in the entry's documented
// error with EINVAL and change no byte of the shared memory, the slot table or the bus.

import { describe, expect, it, beforeAll } from 'vitest';
import fc from 'fast-check';
import { Machine, SlotError, AccessError, MmioError, EmuError } from '../dist/src/index.js';
import { firstChange, snapshot } from './engine-memory.js';
import { fuzzParameters, fuzzTimeout } from './property-config.js';

const RAM = 0x100000n;
const DEVICE = 0x9000_0000n;
const TOP = 1n << 64n;

/** Values no numeric parameter of the API accepts. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(NaN, Infinity, -Infinity, null, true, false, Symbol('x'), {}, [], [1], () => 1, new Date(0)),
  fc.double({ noInteger: true, noNaN: true }),
  fc.integer({ min: -(2 ** 31), max: -1 }),
  fc.double({ min: 2 ** 53, max: 2 ** 70, noNaN: true }),
  fc.bigInt({ min: -(1n << 70n), max: -1n }),
  fc.bigInt({ min: TOP, max: 1n << 80n }),
  fc.string().filter((s) => !/^\s*(0[xX][0-9a-fA-F]+|[0-9]+)\s*$/.test(s)),
  fc.constantFrom('-1', '1.5', '0x', '1e3', ' 0x1 0', `0x1${'0'.repeat(16)}`, '18446744073709551616'),
);

type Refusal = typeof SlotError | typeof AccessError | typeof MmioError | typeof EmuError;

interface Entry {
  name: string;
  refusal: Refusal;
  call(machine: Machine, bad: unknown): unknown;
  /** Leaves out hostile values this parameter happens to accept. */
  accepts?(bad: unknown): boolean;
}

const region = { slot: 3, flags: 0, guestPhysAddr: 0x400000n, memorySize: 0x1000n, userspaceAddr: 0x10000n };
const device = { base: DEVICE, size: 0x100, read: () => 0, write: () => undefined };
const any = <T>(value: unknown) => value as T;
/** -1 … -128 are a byte's two's complement values, so a 1-byte write takes them. */
const byteValue = (bad: unknown) => (typeof bad === 'number' || typeof bad === 'bigint') && bad < 0 && bad >= -128;

const ENTRIES: Entry[] = [
  { name: 'read gpa', refusal: AccessError, call: (m, bad) => m.read(any(bad), 4) },
  { name: 'read size', refusal: AccessError, call: (m, bad) => m.read(RAM, any(bad)) },
  { name: 'read addressSpace', refusal: AccessError, call: (m, bad) => m.read(RAM, 4, { addressSpace: any(bad) }) },
  { name: 'read endian', refusal: AccessError, call: (m, bad) => m.read(RAM, 4, { endian: any(bad) }), accepts: (bad) => bad === 'little' || bad === 'big' },
  { name: 'write gpa', refusal: AccessError, call: (m, bad) => m.write(any(bad), 4, 1) },
  { name: 'write size', refusal: AccessError, call: (m, bad) => m.write(RAM, any(bad), 1) },
  { name: 'write value', refusal: AccessError, call: (m, bad) => m.write(RAM, 1, any(bad)), accepts: byteValue },
  { name: 'readBytes gpa', refusal: AccessError, call: (m, bad) => m.readBytes(any(bad), 16) },
  { name: 'readBytes length', refusal: AccessError, call: (m, bad) => m.readBytes(RAM, any(bad)) },
  { name: 'writeBytes gpa', refusal: AccessError, call: (m, bad) => m.writeBytes(any(bad), new Uint8Array(8).fill(7)) },
  { name: 'writeBytes source', refusal: AccessError, call: (m, bad) => m.writeBytes(RAM, any(bad)) },
  ...(['slot', 'flags', 'guestPhysAddr', 'memorySize', 'userspaceAddr'] as const).flatMap((field): Entry[] => [
    { name: `setUserMemoryRegion ${field}`, refusal: SlotError, call: (m, bad) => m.setUserMemoryRegion(any({ ...region, [field]: bad })) },
    // The first update of the list is valid: refusing the second must undo it.
    { name: `setUserMemoryRegions ${field}`, refusal: SlotError, call: (m, bad) => m.setUserMemoryRegions(any([region, { ...region, slot: 4, [field]: bad }])) },
  ]),
  { name: 'setUserMemoryRegions list', refusal: SlotError, call: (m, bad) => m.setUserMemoryRegions(any(bad)), accepts: Array.isArray },
  { name: 'backing offset', refusal: SlotError, call: (m, bad) => m.backing(any(bad), 16) },
  { name: 'backing length', refusal: SlotError, call: (m, bad) => m.backing(0, any(bad)) },
  { name: 'allocateBacking', refusal: SlotError, call: (m, bad) => m.allocateBacking(any(bad)) },
  { name: 'releaseBacking', refusal: SlotError, call: (m, bad) => m.releaseBacking(any(bad)) },
  { name: 'slot', refusal: SlotError, call: (m, bad) => m.slot(any(bad)) },
  { name: 'getDirtyLog', refusal: SlotError, call: (m, bad) => m.getDirtyLog(any(bad)) },
  { name: 'setSlotInvalid', refusal: SlotError, call: (m, bad) => m.setSlotInvalid(any(bad), true) },
  { name: 'mmio base', refusal: MmioError, call: (m, bad) => m.mmio.register({ ...device, base: any(bad) }) },
  { name: 'mmio size', refusal: MmioError, call: (m, bad) => m.mmio.register({ ...device, size: any(bad) }) },
  { name: 'mmio addressSpace', refusal: MmioError, call: (m, bad) => m.mmio.register({ ...device, addressSpace: any(bad) }) },
  { name: 'mmio width', refusal: MmioError, call: (m, bad) => m.mmio.register({ ...device, widths: [4, any(bad)] }) },
  { name: 'builtin base', refusal: MmioError, call: (m, bad) => m.addBuiltinDevice({ kind: 'scratch', base: any(bad), size: 8 }) },
  { name: 'builtin size', refusal: MmioError, call: (m, bad) => m.addBuiltinDevice({ kind: 'scratch', base: 0xa000_0000n, size: any(bad) }) },
  { name: 'builtin addressSpace', refusal: MmioError, call: (m, bad) => m.addBuiltinDevice({ kind: 'counter', base: 0xa000_0000n, size: 8, addressSpace: any(bad) }) },
  { name: 'attach', refusal: EmuError, call: (m, bad) => m.attach(any(bad)) },
];

describe('hostile values to every numeric host entry (property)', () => {
  let machine: Machine;
  let before: Uint8Array;
  beforeAll(async () => {
    machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000), flags: 1 });
    machine.write(RAM, 8, 0x1122334455667788n);
    before = snapshot(machine);
  });

  it('end in the documented error with EINVAL and change nothing', () => {
    const slots = machine.slots();
    const named = fc.constantFrom(...ENTRIES);
    fc.assert(fc.property(named, hostile, (entry, bad) => {
      fc.pre(!entry.accepts?.(bad));
      before = snapshot(machine, before);
      let thrown: unknown;
      try {
        entry.call(machine, bad);
      } catch (error) {
        thrown = error;
      }
      const what = `${entry.name} with ${typeof bad === 'symbol' ? 'a symbol' : String(bad)}: threw ${thrown instanceof Error ? `${thrown.name} ${thrown.message}` : 'nothing'}`;
      expect(thrown, what).toBeInstanceOf(entry.refusal);
      expect((thrown as EmuError).code, what).toBe('EINVAL');
      expect(typeof (thrown as EmuError).detail, what).toBe('string');
      expect(firstChange(machine, before), what).toBeUndefined();
      expect(Buffer.compare(before, new Uint8Array(machine.memory.buffer)), `${what}: the arena`).toBe(0);
      expect(machine.slots(), what).toEqual(slots);
      expect(() => machine.read(DEVICE, 4), what).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    }), fuzzParameters(300, 2));
  }, fuzzTimeout(60_000));
});
