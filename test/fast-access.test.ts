// The typed accessors (read8..read64, write8..write64) against read/write as the
// reference: two machines built alike, one driven through each, must agree on every
// value, error, device call, RAM byte, dirty bit and MMIO count, through slot and device
// changes that must invalidate the typed accessors' caches.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Machine, LOG_DIRTY_PAGES, READONLY, type AccessError, type MmioRegistration, type MmioValue } from '../dist/src/index.js';
import { REGISTERS, recordingDevice, trappingDevice } from './fixtures/device-modules.js';

const RAM = 0x10000;
const LOGGED = { slot: 0, flags: LOG_DIRTY_PAGES, guestPhysAddr: RAM, memorySize: 0x4000 };
const ROM = { slot: 1, flags: READONLY, guestPhysAddr: RAM + 0x4000, memorySize: 0x1000 };
const HIGH = { slot: 2, guestPhysAddr: 2 ** 53 - 0x2000, memorySize: 0x2000 };

type Call = [string, string, number, number, MmioValue?];

interface DeviceSpec {
  name: string;
  base: number;
  size: number;
  widths?: number[];
  endian?: 'little' | 'big';
  /** Offsets whose read throws. */
  failAt?: number;
  /** Reads of sizes up to 4 answer a bigint (the bus takes its low bytes). */
  bigintReads?: boolean;
  /** 8-byte reads answer a number (the register's low 53 bits). */
  numberReads?: boolean;
}

const DEVICES: DeviceSpec[] = [
  { name: 'wide', base: RAM + 0x5000, size: 0x100, failAt: 0x40 },
  { name: 'be32', base: RAM + 0x5100, size: 0x40, widths: [4], endian: 'big', bigintReads: true },
  { name: 'narrow', base: RAM + 0x6010, size: 0xf0, widths: [1, 2] },
  { name: 'rom-writes', base: RAM + 0x4000, size: 0x100, widths: [2, 4, 8], endian: 'big', numberReads: true },
  { name: 'top', base: 2 ** 53 - 0x3000, size: 0x1000, numberReads: true },
];
const BUILTIN = { kind: 'scratch' as const, base: BigInt(RAM + 0x6000), size: 0x10 };
/** A counter (each read takes the next value: the twin rigs stay in step), then devices in WebAssembly. */
const COUNTER = { kind: 'counter' as const, base: RAM + 0x7000, size: 0x10 };
const WASM_DEVICES = [
  { name: 'rec-all', base: RAM + 0x7100, size: 0x40, bytes: recordingDevice() },
  { name: 'rec-be4', base: RAM + 0x7200, size: 0x40, bytes: recordingDevice(), widths: [4], endian: 'big' as const },
  { name: 'rec-2', base: RAM + 0x7240, size: 0x20, bytes: recordingDevice(), widths: [2] },
  { name: 'rec-be', base: RAM + 0x7280, size: 0x40, bytes: recordingDevice(), endian: 'big' as const },
  { name: 'trapping', base: RAM + 0x7300, size: 0x20, bytes: trappingDevice() },
];
/** A scratch device over part of 'wide' (built-ins are served before JS devices). */
const OVER_WIDE = { kind: 'scratch' as const, base: RAM + 0x50c0, size: 0x8 };

/** Interesting addresses: every region edge and a point inside each. */
const POINTS = [
  0, RAM, RAM + 0x800, RAM + 0x1000, RAM + 0x3ffc, RAM + 0x4000, RAM + 0x4080, RAM + 0x4ffc, RAM + 0x5000, RAM + 0x5040,
  RAM + 0x50fc, RAM + 0x5100, RAM + 0x5120, RAM + 0x513c, RAM + 0x5140, RAM + 0x6000, RAM + 0x6010, RAM + 0x6050, RAM + 0x8000,
  RAM + 0x9000, RAM + 0x50c0, RAM + 0x50c8, RAM + 0x7000, RAM + 0x700c, RAM + 0x7010, RAM + 0x7100, RAM + 0x713c, RAM + 0x7200,
  RAM + 0x7240, RAM + 0x725e, RAM + 0x7280, RAM + 0x72b8, RAM + 0x7300, 2 ** 53 - 0x3000, 2 ** 53 - 0x2004, 2 ** 53 - 0x2000, 2 ** 53 - 0x10,
];

interface Rig {
  machine: Machine;
  calls: Call[];
  devices: Map<string, MmioRegistration>;
  backing: Uint8Array;
  uaddrs: number[];
  /** The Wasm devices' state regions (their call logs). */
  states: number[];
}

async function rig(): Promise<Rig> {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  const calls: Call[] = [];
  const uaddrs = [LOGGED, ROM, HIGH].map((slot) => {
    const uaddr = machine.allocateBacking(slot.memorySize);
    machine.setUserMemoryRegion({ ...slot, userspaceAddr: uaddr });
    return uaddr;
  });
  const devices = new Map<string, MmioRegistration>();
  for (const spec of DEVICES) devices.set(spec.name, machine.mmio.register(device(spec, spec.base, calls)));
  machine.addBuiltinDevice(BUILTIN);
  machine.addBuiltinDevice(COUNTER);
  machine.addBuiltinDevice(OVER_WIDE);
  const states = WASM_DEVICES.map((spec) => machine.addWasmDevice(spec).state);
  // Register bytes the recording devices read back: a pattern, the same in both rigs.
  for (const state of states) machine.backing(state + REGISTERS, 0x48).forEach((_, i, bytes) => (bytes[i] = (i * 37 + 11) & 0xff));
  return { machine, calls, devices, backing: machine.backing(0, 0x8000), uaddrs, states };
}

/** Registers that read back what was written, in the device's byte order, logging each call. */
function device(spec: DeviceSpec, base: number, calls: Call[]) {
  const regs = new DataView(new ArrayBuffer(spec.size + 8));
  const little = (spec.endian ?? 'little') === 'little';
  for (let i = 0; i < spec.size; i++) regs.setUint8(i, (i * 29 + spec.size) & 0xff);
  return {
    name: spec.name, base, size: spec.size, widths: spec.widths, endian: spec.endian,
    read(offset: number, size: number): MmioValue {
      calls.push([spec.name, 'r', offset, size]);
      if (offset === spec.failAt) throw new Error(`register ${offset} is broken`);
      if (size === 8) return spec.numberReads ? Number(regs.getBigUint64(offset, little) & (2n ** 53n - 1n)) : regs.getBigUint64(offset, little);
      const value = size === 4 ? regs.getUint32(offset, little) : size === 2 ? regs.getUint16(offset, little) : regs.getUint8(offset);
      return spec.bigintReads ? BigInt(value) | (1n << 40n) : value;
    },
    write(offset: number, size: number, value: MmioValue) {
      calls.push([spec.name, 'w', offset, size, value]);
      if (size === 8) regs.setBigUint64(offset, value as bigint, little);
      else if (size === 4) regs.setUint32(offset, value as number, little);
      else if (size === 2) regs.setUint16(offset, value as number, little);
      else regs.setUint8(offset, value as number);
    },
  };
}

type Op =
  | { kind: 'read'; size: 1 | 2 | 4 | 8; gpa: number; parts: boolean }
  | { kind: 'write'; size: 1 | 2 | 4 | 8; gpa: number; value: bigint; parts: boolean }
  | { kind: 'move'; to: number }
  | { kind: 'dirty'; on: boolean }
  | { kind: 'invalid'; on: boolean }
  | { kind: 'reregister'; name: string; shift: number };

const sizes = fc.constantFrom(1 as const, 2 as const, 4 as const, 8 as const);
const delta = fc.oneof(fc.constantFrom(0, 4, 8, 16, -8), fc.integer({ min: -9, max: 9 }));
const gpa = fc.tuple(fc.constantFrom(...POINTS), delta).map(([point, offset]) => Math.min(Math.max(0, point + offset), 2 ** 53 - 1));
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('read' as const), size: sizes, gpa, parts: fc.boolean() }) },
  { weight: 10, arbitrary: fc.record({ kind: fc.constant('write' as const), size: sizes, gpa, value: fc.bigInt({ min: -(1n << 63n), max: (1n << 64n) - 1n }), parts: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('move' as const), to: fc.constantFrom(RAM, RAM + 0x6000, RAM + 0x8000, 0x40_0000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('dirty' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid' as const), on: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('reregister' as const), name: fc.constantFrom('wide', 'be32', 'narrow'), shift: fc.constantFrom(0, -0x40, 0x40, 0x1000) }) },
);

/** The value `size` bytes of `value` hold, as the typed writes take it (signed when it does not fit unsigned). */
function typedValue(value: bigint, size: number): number {
  return Number(BigInt.asIntN(8 * size, value));
}

function outcome(action: () => unknown): unknown {
  try {
    return { value: action() };
  } catch (error) {
    const { name, message } = error as Error;
    return { name, message, code: (error as { code?: string }).code, exit: (error as { exit?: unknown }).exit };
  }
}

/** Applies `op` to both rigs, the typed accessors on `fast`, read/write on `slow`, and returns both outcomes. */
function apply(op: Op, fast: Rig, slow: Rig): [unknown, unknown] {
  const both = (change: (rig: Rig) => unknown) => [outcome(() => change(fast)), outcome(() => change(slow))] as [unknown, unknown];
  switch (op.kind) {
    case 'read': {
      const typed = (): unknown => {
        const m = fast.machine;
        if (op.size === 8 && op.parts) {
          const out = new Uint32Array(2);
          m.read64Parts(op.gpa, out);
          return (BigInt(out[1]!) << 32n) | BigInt(out[0]!);
        }
        return op.size === 8 ? m.read64(op.gpa) : BigInt(op.size === 4 ? m.read32(op.gpa) : op.size === 2 ? m.read16(op.gpa) : m.read8(op.gpa));
      };
      return [outcome(typed), outcome(() => slow.machine.read(op.gpa, op.size))];
    }
    case 'write': {
      const m = fast.machine;
      const typed = () => {
        if (op.size === 8 && op.parts) m.write64Parts(op.gpa, typedValue(op.value, 4), typedValue(op.value >> 32n, 4));
        else if (op.size === 8) m.write64(op.gpa, op.value);
        else if (op.size === 4) m.write32(op.gpa, typedValue(op.value, 4));
        else if (op.size === 2) m.write16(op.gpa, typedValue(op.value, 2));
        else m.write8(op.gpa, typedValue(op.value, 1));
      };
      // The same value both ways: the typed writes take the low bytes as a signed number, and
      // write() refuses a value wider than its size (EINVAL), so it is given that number too.
      const value = op.size === 8 ? op.value : BigInt(typedValue(op.value, op.size));
      return [outcome(typed), outcome(() => slow.machine.write(op.gpa, op.size, value))];
    }
    case 'move':
      return both((rig) => rig.machine.setUserMemoryRegion({ ...LOGGED, flags: rig.machine.slot(0)!.flags, guestPhysAddr: op.to, userspaceAddr: rig.uaddrs[0]! }));
    case 'dirty':
      return both((rig) => rig.machine.setUserMemoryRegion({ ...LOGGED, flags: op.on ? LOG_DIRTY_PAGES : 0, guestPhysAddr: rig.machine.slot(0)!.guestPhysAddr, userspaceAddr: rig.uaddrs[0]! }));
    case 'invalid':
      return both((rig) => rig.machine.setSlotInvalid(1, op.on));
    case 'reregister':
      return both((rig) => {
        const spec = DEVICES.find((d) => d.name === op.name)!;
        rig.devices.get(op.name)!.unregister();
        try {
          rig.devices.set(op.name, rig.machine.mmio.register(device(spec, spec.base + op.shift, rig.calls)));
        } catch (error) {
          rig.devices.set(op.name, rig.machine.mmio.register(device(spec, spec.base, rig.calls)));
          throw error;
        }
      });
  }
}

function dirtyLog(machine: Machine): unknown {
  return machine.slot(0)!.flags & LOG_DIRTY_PAGES ? [...machine.getDirtyLog(0)] : 'off';
}

describe('typed accessors against read/write', () => {
  it('agree on random accesses of every size, alignment and straddle, through slot and device changes', async () => {
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 60 }), async (ops) => {
      const fast = await rig();
      const slow = await rig();
      let seen = 0;
      for (const [index, step] of ops.entries()) {
        const [typed, reference] = apply(step, fast, slow);
        expect(typed, `op ${index}: ${JSON.stringify(step, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`).toEqual(reference);
        expect(fast.calls.slice(seen)).toEqual(slow.calls.slice(seen));
        expect(fast.calls.length).toBe(slow.calls.length);
        seen = fast.calls.length;
        if (index % 8 === 0) expect(dirtyLog(fast.machine)).toEqual(dirtyLog(slow.machine));
      }
      // Every slot's backing (HIGH's included) lies in the first 0x8000 bytes of the arena.
      expect(Buffer.compare(fast.backing, slow.backing)).toBe(0);
      expect(dirtyLog(fast.machine)).toEqual(dirtyLog(slow.machine));
      expect(fast.machine.counters().mmio).toBe(slow.machine.counters().mmio);
      fast.states.forEach((state, i) => expect(fast.machine.backing(state, 4096), WASM_DEVICES[i]!.name).toEqual(slow.machine.backing(slow.states[i]!, 4096)));
    }), { numRuns: Number(process.env.FAST_ACCESS_RUNS ?? 50) });
  });

  it('refuse bad addresses and values with EINVAL and change nothing', async () => {
    const { machine, calls, backing } = await rig();
    const before = backing.slice();
    const m = machine as unknown as Record<string, (...args: unknown[]) => unknown>;
    const badAddresses = [-1, 0.5, RAM + 0.5, NaN, Infinity, 2 ** 53, '0x10000', BigInt(RAM), undefined];
    for (const gpa of badAddresses) {
      for (const name of ['read8', 'read16', 'read32', 'read64']) {
        expect(() => m[name]!.call(machine, gpa), `${name}(${String(gpa)})`).toThrow(expect.objectContaining({ name: 'AccessError', code: 'EINVAL' }));
      }
      expect(() => machine.read64Parts(gpa as number, new Uint32Array(2))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => m.write32!.call(machine, gpa, 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
      expect(() => machine.write64Parts(gpa as number, 1, 2)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    const badValues: Array<[string, unknown]> = [
      ['write8', 256], ['write8', -129], ['write8', 1.5], ['write16', 0x10000], ['write16', -0x8001], ['write32', 2 ** 32],
      ['write32', -(2 ** 31) - 1], ['write32', NaN], ['write32', '1'], ['write32', 1n], ['write64', 1], ['write64', 1n << 64n],
      ['write64', -(1n << 63n) - 1n],
    ];
    // With the RAM entry serving RAM (a bigint value there once threw a TypeError).
    machine.read32(RAM);
    for (const target of [RAM, RAM + 0x5000, RAM + 0x9000]) {
      for (const [name, value] of [...badValues, ['write8', 1n], ['write16', 1n]] as Array<[string, unknown]>) {
        expect(() => m[name]!.call(machine, target, value), `${name}(${target}, ${String(value)})`)
          .toThrow(expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('does not fit') }));
      }
      expect(() => machine.write64Parts(target, 2 ** 32, 0)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    }
    expect(() => machine.read64Parts(RAM, new Uint32Array(2), 1)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => machine.read64Parts(RAM, {} as Uint32Array)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(backing).toEqual(before);
    expect(calls).toEqual([]);
    expect([...machine.getDirtyLog(0)].every((byte) => byte === 0)).toBe(true);
  });

  it('an access from just below 2^53 across it is not served from a cached range (gpa + size rounds there)', async () => {
    const { machine } = await rig();
    machine.write8(2 ** 53 - 9, 1);
    for (const gpa of [2 ** 53 - 1, 2 ** 53 - 3]) {
      expect(() => machine.read32(gpa)).toThrow(expect.objectContaining({ code: 'EFAULT', exit: expect.objectContaining({ gpa: 2n ** 53n }) }));
    }
    expect(() => machine.read16(2 ** 53 - 1)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    machine.mmio.register({ name: 'last', base: 2n ** 53n - 0x10n, size: 0x10, read: () => 1, write: () => {} });
    machine.setUserMemoryRegion({ ...HIGH, memorySize: 0, userspaceAddr: 0 });
    expect(machine.read8(2 ** 53 - 9)).toBe(1);
    expect(() => machine.read16(2 ** 53 - 1)).toThrow(expect.objectContaining({ code: 'EFAULT', exit: expect.objectContaining({ gpa: 2n ** 53n, size: 1 }) }));
  });

  it('take both signed and unsigned forms of a value, and hand the 64-bit halves over as unsigned words', async () => {
    const { machine } = await rig();
    machine.write32(RAM, -1);
    expect(machine.read32(RAM)).toBe(0xffff_ffff);
    machine.write16(RAM + 2, -2);
    machine.write8(RAM, 0x80);
    expect(machine.read(RAM, 4)).toBe(0xfffe_ff80n);
    machine.write64Parts(RAM + 8, -1, 0x8000_0000);
    const out = [0, 0, 0];
    machine.read64Parts(RAM + 8, out, 1);
    expect(out).toEqual([0, 0xffff_ffff, 0x8000_0000]);
    expect(machine.read64(RAM + 8)).toBe(0x8000_0000_ffff_ffffn);
    machine.mmio.register({ name: 'le', base: 0x9000_0000, size: 8, read: () => 2 ** 40 + 5, write: () => {} });
    machine.mmio.register({ name: 'be', base: 0x9000_0008, size: 8, endian: 'big', read: () => 2 ** 40 + 5, write: () => {} });
    out.push(0);
    machine.read64Parts(0x9000_0000, out, 0);
    machine.read64Parts(0x9000_0008, out, 2);
    // 2^40 + 5 big-endian is 00 00 01 00 00 00 00 05 in memory.
    expect(out).toEqual([5, 0x100, 0x0001_0000, 0x0500_0000]);
  });
});

describe('typed accessors keep to their caches', () => {
  it('while an embedder goes round several slots, devices, and devices sharing a page (no core slot search)', async () => {
    const { machine, calls } = await rig();
    for (let k = 0; k < 40; k++) machine.mmio.register({ name: `d${k}`, base: 0x9000_0000 + k * 0x1000, size: 0x10, read: () => k, write: () => {} });
    machine.mmio.register({ name: 'neighbour', base: 0x9000_0100, size: 0x10, read: () => 99, write: () => {} });
    const targets = [RAM, RAM + 0x4000, 2 ** 53 - 0x2000, RAM + 0x5000, 0x9000_0100, ...Array.from({ length: 40 }, (_, k) => 0x9000_0000 + k * 0x1000)];
    const expected = targets.map((gpa) => Number(machine.read(gpa, 4)));
    const searches = machine.counters().lookupSearches;
    for (let round = 0; round < 3; round++) expect(targets.map((gpa) => machine.read32(gpa))).toEqual(expected);
    expect(machine.counters().lookupSearches).toBe(searches);
    expect(calls.filter(([, kind]) => kind === 'r')).toHaveLength(4);
  });
});

describe('typed accessors on built-in devices', () => {
  it('serve scratch, counter and Wasm devices from the cache (no core slot search), as read/write do', async () => {
    const { machine, states } = await rig();
    const twin = await rig();
    const targets = [RAM + 0x6000, RAM + 0x6004, COUNTER.base, RAM + 0x7100, RAM + 0x7108, RAM + 0x7200, RAM + 0x50c0];
    expect(machine.read32(RAM + 0x7240)).toBe(Number(twin.machine.read(RAM + 0x7240, 4)));
    const searches = machine.counters().lookupSearches;
    for (let round = 0; round < 3; round++) {
      for (const gpa of targets) {
        machine.write32(gpa, 0x1234_5678 + round);
        twin.machine.write(gpa, 4, 0x1234_5678 + round);
        expect(machine.read32(gpa)).toBe(Number(twin.machine.read(gpa, 4)));
      }
      const out = new Uint32Array(2);
      machine.read64Parts(RAM + 0x7108, out);
      expect((BigInt(out[1]!) << 32n) | BigInt(out[0]!)).toBe(twin.machine.read(RAM + 0x7108, 8));
      machine.write64Parts(RAM + 0x6008, 1, 2);
      twin.machine.write(RAM + 0x6008, 8, (2n << 32n) | 1n);
      expect(machine.read16(RAM + 0x7240)).toBe(Number(twin.machine.read(RAM + 0x7240, 2)));
    }
    expect(machine.counters().lookupSearches).toBe(searches);
    expect(machine.counters().mmio).toBe(twin.machine.counters().mmio);
    expect(machine.backing(states[0]!, 4096)).toEqual(twin.machine.backing(twin.states[0]!, 4096));
  });

  it('take a counter across its 32- and 64-bit carries at every width and offset, as read/write do', async () => {
    const { machine } = await rig();
    const twin = await rig();
    const out = new Uint32Array(2);
    const reads: Array<[string, (gpa: number) => bigint]> = [
      ['read8', (gpa) => BigInt(machine.read8(gpa))],
      ['read16', (gpa) => BigInt(machine.read16(gpa))],
      ['read32', (gpa) => BigInt(machine.read32(gpa))],
      ['read64', (gpa) => machine.read64(gpa)],
      ['read64Parts', (gpa) => { machine.read64Parts(gpa, out); return (BigInt(out[1]!) << 32n) | BigInt(out[0]!); }],
    ];
    const sizes = [1, 2, 4, 8, 8];
    for (const start of [0xffff_fffen, 0xffff_ffff_ffff_fffen, 0x1_ffff_ffffn]) {
      for (const [index, [name, read]] of reads.entries()) {
        const offset = COUNTER.size - sizes[index]! - (index & 1);
        machine.write64(COUNTER.base, start);
        twin.machine.write(COUNTER.base, 8, start);
        for (let step = 0; step < 3; step++) {
          expect([name, read(COUNTER.base + offset)]).toEqual([name, twin.machine.read(COUNTER.base + offset, sizes[index]!)]);
        }
      }
    }
    machine.write32(COUNTER.base + 4, -2);
    twin.machine.write(COUNTER.base + 4, 4, -2);
    machine.write16(COUNTER.base + 1, -2);
    twin.machine.write(COUNTER.base + 1, 2, -2);
    expect(machine.read64(COUNTER.base)).toBe(twin.machine.read(COUNTER.base, 8));
    machine.write64Parts(COUNTER.base + 8, -1, 0x7fff_ffff);
    twin.machine.write(COUNTER.base + 8, 8, 0x7fff_ffff_ffff_ffffn);
    expect(machine.read32(COUNTER.base)).toBe(Number(twin.machine.read(COUNTER.base, 4)));
    expect(machine.read64(COUNTER.base)).toBe(twin.machine.read(COUNTER.base, 8));
    expect(machine.counters().mmio).toBe(twin.machine.counters().mmio);
  });

  it('from inside a JS handler (a nested access), agree with read/write on every built-in kind and width', async () => {
    const { machine } = await rig();
    const twin = await rig();
    const targets = [RAM + 0x6000, RAM + 0x6006, COUNTER.base, RAM + 0x7100, RAM + 0x7208, RAM + 0x50c0];
    const seen: unknown[][] = [[], []];
    const nested = (side: number) => {
      for (const gpa of targets) {
        if (side === 0) {
          machine.write16(gpa, 0x1234);
          const out = new Uint32Array(2);
          machine.read64Parts(gpa, out);
          seen[0]!.push(machine.read32(gpa), machine.read8(gpa + 1), machine.read64(gpa), [...out]);
        } else {
          twin.machine.write(gpa, 2, 0x1234);
          const wide = twin.machine.read(gpa, 8);
          seen[1]!.push(Number(twin.machine.read(gpa, 4)), Number(twin.machine.read(gpa + 1, 1)), twin.machine.read(gpa, 8),
            [Number(wide & 0xffff_ffffn), Number(wide >> 32n)]);
        }
      }
    };
    const written: unknown[][] = [[], []];
    [machine, twin.machine].forEach((m, side) => {
      m.mmio.register({ name: 'nesting', base: 0x40_0ff0, size: 0x10, read: () => { nested(side); return 7; }, write: () => nested(side) });
      m.mmio.register({ name: 'after', base: 0x40_1000, size: 0x10, read: () => 0x55, write: (_offset, _size, value) => { written[side]!.push(value); } });
    });
    // 8 bytes across a page: 'nesting' takes the first fragment, 'after' the second, which the nested accesses must leave in the record.
    const value = machine.read(0x40_0ffc, 8);
    expect(value).toBe(twin.machine.read(0x40_0ffc, 8));
    expect(value).toBe(0x55_0000_0007n);
    machine.write(0x40_0ffc, 8, 0x0102_0304_0506_0708n);
    twin.machine.write(0x40_0ffc, 8, 0x0102_0304_0506_0708n);
    expect(written[0]).toEqual([0x0102_0304]);
    expect(written[0]).toEqual(written[1]);
    expect(seen[0]).toEqual(seen[1]);
    expect(machine.counters().mmio).toBe(twin.machine.counters().mmio);
  });

  it('a trap in a Wasm device through read32 is the AccessError EIO of read, and the next access works', async () => {
    const { machine } = await rig();
    const twin = await rig();
    const trap = RAM + 0x7300;
    expect(outcome(() => machine.read32(trap))).toEqual(outcome(() => twin.machine.read(trap, 4)));
    expect(outcome(() => machine.read32(trap))).toMatchObject({ code: 'EIO', message: expect.stringContaining('trapping') });
    expect(machine.mmio.lastFailure?.device).toBe('trapping');
    machine.write32(trap + 4, 7);
    expect(machine.read32(COUNTER.base)).toBe(1);
    // Two failed reads, a write and a read against the twin's one failed read.
    expect(machine.counters().mmio).toBe(twin.machine.counters().mmio + 3n);
  });
});

describe('typed accessors see every change at the very next access', () => {
  it('a slot moved or deleted after its range was cached', async () => {
    const { machine, calls, uaddrs } = await rig();
    machine.write32(RAM + 0x10, 0x1234_5678);
    expect(machine.read32(RAM + 0x10)).toBe(0x1234_5678);
    machine.setUserMemoryRegion({ ...LOGGED, guestPhysAddr: 0x40_0000, userspaceAddr: uaddrs[0]! });
    expect(() => machine.read32(RAM + 0x10)).toThrow(expect.objectContaining({ code: 'EFAULT', exit: expect.objectContaining({ cause: 'unmapped' }) }));
    expect(machine.read32(0x40_0010)).toBe(0x1234_5678);
    machine.setUserMemoryRegion({ ...LOGGED, memorySize: 0, userspaceAddr: uaddrs[0]! });
    expect(() => machine.write32(0x40_0010, 1)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(calls).toEqual([]);
  });

  it('a slot marked INVALID, made READONLY-covered by a device, or its dirty log switched on', async () => {
    const { machine, calls, uaddrs } = await rig();
    expect(machine.read32(RAM + 0x4000)).toBe(0);
    machine.setSlotInvalid(1, true);
    // The device's registers hold 00 1d 3a 57 (big-endian): memory order, read little-endian.
    expect(machine.read32(RAM + 0x4000)).toBe(0x573a_1d00);
    expect(calls).toEqual([['rom-writes', 'r', 0, 4]]);
    machine.setSlotInvalid(1, false);
    calls.length = 0;
    machine.read32(RAM + 0x4000);
    machine.write32(RAM + 0x4004, 7);
    expect(calls).toEqual([['rom-writes', 'w', 4, 4, 0x0700_0000]]);
    machine.setUserMemoryRegion({ ...LOGGED, flags: 0, userspaceAddr: uaddrs[0]! });
    machine.write32(RAM + 0x2000, 1);
    machine.setUserMemoryRegion({ ...LOGGED, userspaceAddr: uaddrs[0]! });
    machine.write32(RAM + 0x3000, 1);
    expect([...machine.getDirtyLog(0)]).toEqual([0b1000, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('a device removed, moved, or covered by a new slot or a built-in device is never called for an address it no longer claims', async () => {
    const { machine, calls, devices } = await rig();
    const base = RAM + 0x5000;
    expect(machine.read32(base + 4)).toBe(machine.read32(base + 4));
    expect(calls).toEqual([['wide', 'r', 4, 4], ['wide', 'r', 4, 4]]);
    devices.get('wide')!.unregister();
    calls.length = 0;
    expect(() => machine.read32(base + 4)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(() => machine.write32(base + 8, 1)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(calls).toEqual([]);

    const moved = machine.mmio.register(device({ ...DEVICES[0]!, size: 0x80 }, base + 0x80, calls));
    expect(() => machine.read32(base + 4)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    machine.read32(base + 0x84);
    expect(calls).toEqual([['wide', 'r', 4, 4]]);

    calls.length = 0;
    const uaddr = machine.allocateBacking(0x1000);
    machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: base, memorySize: 0x1000, userspaceAddr: uaddr });
    machine.backing(uaddr, 0x100).fill(0xab);
    expect(machine.read32(base + 0x84)).toBe(0xabab_abab);
    machine.write8(base + 0x88, 1);
    expect(calls).toEqual([]);
    machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: base, memorySize: 0, userspaceAddr: uaddr });
    machine.read32(base + 0x84);
    expect(calls).toEqual([['wide', 'r', 4, 4]]);

    calls.length = 0;
    machine.addBuiltinDevice({ kind: 'scratch', base: BigInt(base + 0x90), size: 8 });
    machine.write32(base + 0x90, 0x55);
    expect(machine.read32(base + 0x90)).toBe(0x55);
    expect(calls).toEqual([]);
    // The device's range cached from below the built-in one, then from above it.
    machine.read32(base + 0x84);
    expect(machine.read32(base + 0x94)).toBe(0);
    machine.read32(base + 0x98);
    expect(machine.read32(base + 0x90)).toBe(0x55);
    expect(calls).toEqual([['wide', 'r', 4, 4], ['wide', 'r', 0x18, 4]]);
    moved.unregister();
  });

  it('a device served before another (from the per-page device table) is never called once removed or covered', async () => {
    const { machine } = await rig();
    const served: number[] = [];
    const at = (page: number) => 0x9000_0000 + page * 0x1000;
    // Read in this order: the device at page 1024 takes page 0's table index first, then gives it up.
    const pages = [1024, 0, 1, 2, 3];
    const registrations = pages.map((page) => machine.mmio.register({ name: `p${page}`, base: at(page), size: 0x100, read: () => { served.push(page); return page; }, write: () => {} }));
    for (let round = 0; round < 2; round++) expect(pages.map((page) => machine.read32(at(page) + 4 * round))).toEqual(pages);
    // Each change comes after a round that filled the table again (the one before made it stale).
    registrations[2]!.unregister();
    expect(() => machine.read32(at(1))).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect([1024, 0, 2, 3].map((page) => machine.read32(at(page)))).toEqual([1024, 0, 2, 3]);
    const uaddr = machine.allocateBacking(0x1000);
    machine.backing(uaddr, 4).fill(0xab);
    machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: at(0), memorySize: 0x1000, userspaceAddr: uaddr });
    expect(machine.read32(at(0))).toBe(0xabab_abab);
    expect([2, 1024, 3].map((page) => machine.read32(at(page)))).toEqual([2, 1024, 3]);
    machine.addBuiltinDevice({ kind: 'scratch', base: at(2), size: 8 });
    machine.write32(at(2), 0x55);
    expect(machine.read32(at(2))).toBe(0x55);
    expect([2, 1024, 3].map((page) => machine.read32(at(page) + 8))).toEqual([2, 1024, 3]);
    expect(served).toEqual([...pages, ...pages, 1024, 0, 2, 3, 2, 1024, 3, 2, 1024, 3]);
  });

  it('a handler that unregisters its own device mid-access is not called again', async () => {
    const { machine, devices } = await rig();
    devices.get('wide')!.unregister();
    let reads = 0;
    const registration = machine.mmio.register({
      name: 'once', base: RAM + 0x5000, size: 0x10,
      read: () => { reads++; registration.unregister(); return 9; },
      write: () => {},
    });
    expect(machine.read32(RAM + 0x5000)).toBe(9);
    expect(() => machine.read32(RAM + 0x5000)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
    expect(reads).toBe(1);
  });

  it('a handler that reaches another device before it throws is reported as itself, at its own address, as read/write report it', async () => {
    const { machine, devices } = await rig();
    devices.get('wide')!.unregister();
    const outer = RAM + 0x5000;
    const inner = RAM + 0x9000;
    machine.mmio.register({ name: 'inner', base: inner, size: 0x10, read: () => 1, write: () => {} });
    // Each handler makes 'inner' the device entry (a nested typed access), then throws.
    const fail = (): never => { machine.read32(inner); throw new Error('outer failed'); };
    machine.mmio.register({ name: 'outer', base: outer, size: 0x10, read: fail, write: fail, read64Parts: fail, write64Parts: fail });
    const thrown = (access: () => unknown) => {
      try {
        access();
      } catch (error) {
        const { code, message, exit } = error as AccessError;
        return { code, message, exit };
      }
      throw new Error('no error');
    };
    const parts = new Uint32Array(2);
    const cases: Array<[string, () => unknown, () => unknown]> = [
      ['read32', () => machine.read32(outer + 4), () => machine.read(outer + 4, 4)],
      ['read8', () => machine.read8(outer + 5), () => machine.read(outer + 5, 1)],
      ['read64', () => machine.read64(outer + 8), () => machine.read(outer + 8, 8)],
      ['read64Parts', () => machine.read64Parts(outer + 8, parts), () => machine.read(outer + 8, 8)],
      ['write32', () => machine.write32(outer + 4, 1), () => machine.write(outer + 4, 4, 1)],
      ['write64Parts', () => machine.write64Parts(outer + 8, 1, 2), () => machine.write(outer + 8, 8, (2n << 32n) | 1n)],
    ];
    for (const [what, typed, general] of cases) {
      const fast = [thrown(typed), thrown(typed)]; // the second with 'outer' already the entry
      expect(fast[0], what).toEqual(thrown(general));
      expect(fast[1], what).toEqual(fast[0]);
      expect(fast[0]!.message, what).toContain('outer');
    }
  });

  it('the MMIO counter carries into its high word, from the local entry and the device entries alike', async () => {
    const { machine } = await rig();
    const host = (machine as unknown as { host: { record: number; map: { REC_COUNTERS: number; CNT_MMIO: number } } }).host;
    const words = new Uint32Array(machine.memory.buffer, host.record + host.map.REC_COUNTERS + host.map.CNT_MMIO, 2);
    const accesses: Array<[string, () => unknown]> = [
      ['scratch read32', () => machine.read32(RAM + 0x6000)], ['scratch write32', () => machine.write32(RAM + 0x6000, 1)],
      ['counter read32', () => machine.read32(RAM + 0x7000)], ['JS device read32', () => machine.read32(RAM + 0x5000)],
      ['JS device write64', () => machine.write64(RAM + 0x5008, 5n)], ['Wasm device read32', () => machine.read32(RAM + 0x7100)],
    ];
    for (const [what, access] of accesses) {
      access(); // the entry serves the next one
      words[0] = 0xffff_ffff;
      words[1] = 7;
      access();
      expect(machine.counters().mmio, what).toBe(8n << 32n);
    }
  });
});
