// A JS device's register-path entry (src/mmio-entry.ts): each entry runs its own compiled
// copy of the entry code, or the shared code where compiling is forbidden; both must
// keep the contract of MmioBus.entryFor: range, widths, alignment and byte order decided
// before any handler call, a throwing handler reported once with the depth put back, an
// access outside the device start's 4 GiB window left to the general path.
import { describe, expect, it } from 'vitest';
import { COPY_AFTER, registerPathEntry, type EntryBus, type EntryHelpers } from '../dist/src/mmio-entry.js';
import { READ_REFUSED, type DeviceEntry } from '../dist/src/device-entries.js';
import { BUS_DEVICE_ERROR, BUS_HANDLED, BUS_UNCLAIMED, MmioBus } from '../dist/src/mmio.js';
import type { Mapped } from '../dist/src/mmio.js';
import { Machine, Vcpu, A64Program, a64 } from '../dist/src/index.js';

const swap16 = (bits: number) => ((bits & 0xff) << 8) | ((bits >>> 8) & 0xff);
const swap32 = (bits: number) => (((bits & 0xff) << 24) | ((bits & 0xff00) << 8) | ((bits >>> 8) & 0xff00) | (bits >>> 24)) >>> 0;
const HELPERS: EntryHelpers = {
  memoryOrder: (little, size, value, out) => {
    const wide = BigInt.asUintN(64, BigInt(value));
    const low = Number(wide & 0xffff_ffffn);
    const high = Number(wide >> 32n);
    if (size !== 8) throw new Error('not used for narrow numbers here');
    out.high = little ? high : swap32(low);
    return little ? low : swap32(high);
  },
  registerValue: (little, _size, low, high) => (little ? (BigInt(high) << 32n) | BigInt(low) : (BigInt(swap32(low)) << 32n) | BigInt(swap32(high))),
  swap16, swap32, HANDLED: BUS_HANDLED, UNCLAIMED: BUS_UNCLAIMED, DEVICE_ERROR: BUS_DEVICE_ERROR, READ_REFUSED,
};

/** A read's answer as the core takes it (BUS_UNCLAIMED in words[0], the record's REC_MMIO_DATA, first): the low word, or the BUS_* code negated. */
function readValue(of: DeviceEntry, words: Uint32Array, gpaLow: number, gpaHigh: number, size: number): number {
  words[0] = BUS_UNCLAIMED;
  const low = of.read(gpaLow, gpaHigh, size);
  return low === READ_REFUSED && words[0] !== BUS_HANDLED ? -words[0]! : low >>> 0;
}

/** An entry for a device of `widths` at `start` (`size` bytes), and what it did. */
function entry(start: number, size: number, little: boolean, widths: number[], replace?: (entry: DeviceEntry) => void) {
  const calls: string[] = [];
  const device = {
    read(offset: number, width: number) {
      calls.push(`read ${offset} ${width}`);
      if (offset === 0x40) throw new Error('refused');
      return width === 8 ? 0x0102_0304_0506_0708n : 0x1122_3344 & (2 ** (8 * width) - 1);
    },
    write(offset: number, width: number, value: number | bigint) {
      calls.push(`write ${offset} ${width} ${value.toString(16)}`);
      if (offset === 0x40) throw new Error('refused');
    },
  };
  const mapped = { name: 'dev', as: 0, start, end: start + size, device, widths, accepts: [], little, index: 0 } as unknown as Mapped;
  const depth = { depth: 0 };
  const bus: EntryBus = { handlerWatch: undefined, lastFailure: undefined };
  const words = new Uint32Array(4);
  const made = registerPathEntry(HELPERS, mapped, depth, bus, words, 0, replace);
  return { entry: made, read: (gpaLow: number, gpaHigh: number, width: number) => readValue(made, words, gpaLow, gpaHigh, width), calls, depth, bus, words };
}

function exercise(little: boolean) {
  const e = entry(0x9000_0000, 0x1000, little, [8, 4, 2, 1]);
  const narrow = entry(0x9000_0000, 0x1000, little, [2]);
  const high = Math.floor(0x9000_0000 / 2 ** 32);
  const low = 0x9000_0000 | 0;
  const results = [
    e.read(low + 8, high, 4), e.read(low + 8, high, 2), e.read(low + 8, high, 1), e.read(low + 8, high, 8), e.words[1],
    e.read(low + 6, high, 4), e.read(low + 0xffc, high, 8), e.read(low + 8, high + 1, 4), e.read(low - 8, high, 4),
    narrow.read(low + 8, high, 4), narrow.read(low + 8, high, 2),
    e.entry.write(low + 16, high, 4, 0x8877_6655 | 0, 0), e.entry.write(low + 16, high, 2, 0x6655, 0), e.entry.write(low + 16, high, 8, 0x8877_6655 | 0, 0x1234),
    e.entry.write(low + 17, high, 2, 0, 0), e.entry.write(low + 0x2000, high, 1, 0, 0),
    e.read(low + 0x40, high, 4), e.depth.depth, e.bus.lastFailure?.gpa, e.entry.write(low + 0x40, high, 4, 1, 0), e.depth.depth,
  ];
  return { results, calls: [...e.calls, ...narrow.calls] };
}

describe('JS device entries', () => {
  it('decide range, width, alignment and the 4 GiB window before any handler call, and convert the byte order', () => {
    const little = exercise(true);
    expect(little.results).toEqual([
      0x1122_3344, 0x3344, 0x44, 0x0506_0708, 0x0102_0304,
      -BUS_UNCLAIMED, -BUS_UNCLAIMED, -BUS_UNCLAIMED, -BUS_UNCLAIMED, -BUS_UNCLAIMED, 0x3344,
      BUS_HANDLED, BUS_HANDLED, BUS_HANDLED, BUS_UNCLAIMED, BUS_UNCLAIMED,
      -BUS_DEVICE_ERROR, 0, 0x9000_0040n, BUS_DEVICE_ERROR, 0,
    ]);
    expect(little.calls).toEqual(['read 8 4', 'read 8 2', 'read 8 1', 'read 8 8', 'write 16 4 88776655', 'write 16 2 6655', 'write 16 8 123488776655',
      'read 64 4', 'write 64 4 1', 'read 8 2']);
    const big = exercise(false);
    expect(big.results.slice(0, 5)).toEqual([0x4433_2211, 0x4433, 0x44, 0x0403_0201, 0x0807_0605]);
    expect(big.calls.slice(4, 7)).toEqual(['write 16 4 55667788', 'write 16 2 5566', 'write 16 8 5566778834120000']);
  });

  it('with replace, serve COPY_AFTER calls with the shared code, then hand replace the device\'s own copy once, which answers alike', () => {
    const replaced: DeviceEntry[] = [];
    const tiered = entry(0x9000_0000, 0x1000, false, [8, 4, 2, 1], (next) => replaced.push(next));
    const low = 0x9000_0000 | 0;
    for (let call = 1; call < COPY_AFTER; call++) tiered.entry.write(low + 16, 0, 2, call & 0xffff, 0);
    expect(replaced).toHaveLength(0);
    expect(tiered.read(low + 8, 0, 8)).toBe(0x0403_0201);
    expect(replaced).toHaveLength(1);
    for (let call = 0; call < 8; call++) tiered.entry.read(low + 8, 0, 4);
    expect(replaced).toHaveLength(1);
    expect(tiered.calls).toHaveLength(COPY_AFTER + 8);
    const copy = replaced[0]!;
    expect(copy).not.toBe(tiered.entry);
    const probe = (of: DeviceEntry) => [readValue(of, tiered.words, low + 8, 0, 4), readValue(of, tiered.words, low + 8, 0, 8), tiered.words[1], readValue(of, tiered.words, low + 6, 0, 4), of.write(low + 16, 0, 4, 0x8877_6655 | 0, 0),
      of.write(low + 0x2000, 0, 1, 0, 0), readValue(of, tiered.words, low + 0x40, 0, 4), tiered.depth.depth];
    const before = tiered.calls.length;
    const answers = probe(copy);
    expect(tiered.calls.slice(before)).toEqual(['read 8 4', 'read 8 8', 'write 16 4 55667788', 'read 64 4']);
    expect(answers).toEqual(probe(tiered.entry));
    expect(answers.slice(0, 3)).toEqual([0x4433_2211, 0x0403_0201, 0x0807_0605]);
  });

  it('a guest loop past COPY_AFTER device calls gets every value and call right across the switch to the copy, interpreted and compiled', async () => {
    const iterations = COPY_AFTER / 2 + 300;
    const global = globalThis as { Function: FunctionConstructor };
    const original = global.Function;
    let copiesMade = 0;
    global.Function = new Proxy(original, {
      construct(target, args: string[]) {
        if (String(args.at(-1)).includes('memslot-device-entry')) copiesMade++;
        return Reflect.construct(target, args);
      },
    });
    try {
      for (const jit of [false, true]) {
        copiesMade = 0;
        await loop(jit);
        expect(copiesMade, `jit ${jit}`).toBe(1);
      }
    } finally {
      global.Function = original;
    }

    async function loop(jit: boolean) {
      const machine = await Machine.create({ arenaBytes: 1 << 20, jit });
      machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x1_0000, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
      let reads = 0;
      const written: number[] = [];
      machine.mmio.register({ name: 'loop', base: 0x9000_0000, size: 0x10, widths: [4],
        read: () => (reads++ * 3) >>> 0, write: (_offset: number, _size: number, value: number | bigint) => { written.push(Number(value)); } });
      // loop: ldr w5, [x3]; add x5, x5, x4; str w5, [x3, #4]; subs x2, x2, #1; b.ne loop
      machine.writeBytes(0x1_0000, new A64Program().emit(a64.ldr(5, 3, 0, 4), a64.addRegister(5, 5, 4), a64.str(5, 3, 4, 4), a64.subs(2, 2, 1), a64.bcond('ne', -16)).bytes());
      const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', 0x1_0000n).set('x3', 0x9000_0000n).set('x4', 7n).set('x2', BigInt(iterations));
      let budget = 5 * iterations;
      while (budget > 0 && vcpu.get('x2') !== 0n) {
        const exit = vcpu.run(budget);
        expect(exit.reason, `jit ${jit}`).toBe('budget');
        budget -= vcpu.completed;
      }
      expect(vcpu.get('x2'), `jit ${jit}`).toBe(0n);
      expect(reads, `jit ${jit}`).toBe(iterations);
      expect(written.length, `jit ${jit}`).toBe(iterations);
      expect(written.every((value, i) => value === ((i * 3 + 7) >>> 0)), `jit ${jit}`).toBe(true);
    }
  });

  it('compile consecutive devices\' copies from different code (0 to 3 never-taken size guards in turn), each answering as the shared code', () => {
    // Every size, the guards' 16, 32 and 64 among them, read and written at an aligned offset and at the device's end.
    const answers = (made: ReturnType<typeof entry>) => {
      const low = 0x9000_0000 | 0;
      const sizes = [1, 2, 4, 8, 16, 32, 64];
      return [...sizes.map((size) => made.read(low + 0x40 + 0x40, 0, size)), ...sizes.map((size) => made.entry.write(low + 0x80, 0, size, 0x11 | 0, 0x22)),
        ...sizes.map((size) => made.read(low + 0x1000 - size, 0, size)), made.calls.join()];
    };
    const global = globalThis as { Function: FunctionConstructor };
    const original = global.Function;
    const sources: string[] = [];
    global.Function = new Proxy(original, {
      construct(target, args: string[]) {
        const body = String(args.at(-1));
        if (body.includes('memslot-device-entry')) sources.push(body.replace(/\n\/\/# sourceURL=.*$/, ''));
        return Reflect.construct(target, args);
      },
    });
    let copied: unknown[][];
    try {
      copied = [0, 1, 2, 3].map(() => answers(entry(0x9000_0000, 0x1000, true, [8, 4, 2, 1])));
    } finally {
      global.Function = original;
    }
    expect(sources).toHaveLength(4);
    expect(new Set(sources).size).toBe(4);
    global.Function = function forbidden() { throw new EvalError('code generation from strings disallowed'); } as unknown as FunctionConstructor;
    let shared: unknown[];
    try {
      shared = answers(entry(0x9000_0000, 0x1000, true, [8, 4, 2, 1]));
    } finally {
      global.Function = original;
    }
    expect(shared.slice(0, 7)).toEqual([0x1122_3344 & 0xff, 0x3344, 0x1122_3344, 0x0506_0708, -BUS_UNCLAIMED, -BUS_UNCLAIMED, -BUS_UNCLAIMED]);
    for (const answered of copied) expect(answered).toEqual(shared);
  });

  it('where compiling code is forbidden, run the shared code the same way', () => {
    const compiled = [exercise(true), exercise(false)];
    const global = globalThis as { Function: FunctionConstructor };
    const original = global.Function;
    global.Function = function forbidden() { throw new EvalError('code generation from strings disallowed'); } as unknown as FunctionConstructor;
    try {
      expect([exercise(true), exercise(false)]).toEqual(compiled);
      const replaced: DeviceEntry[] = [];
      const tiered = entry(0x9000_0000, 0x1000, true, [4], (next) => replaced.push(next));
      for (let call = 0; call <= COPY_AFTER; call++) tiered.entry.read(0x9000_0008 | 0, 0, 4);
      expect(replaced).toHaveLength(0);
    } finally {
      global.Function = original;
    }
  });

  it('a word read that equals READ_REFUSED is a value, and a refused read after it still goes the general way, interpreted and compiled', async () => {
    const wide = (0x1234_5678n << 32n) | BigInt(READ_REFUSED);
    for (const jit of [false, true]) {
      const machine = await Machine.create({ arenaBytes: 1 << 20, jit });
      machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x1_0000, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
      const calls: string[] = [];
      machine.mmio.register({ name: 'marks', base: 0x9000_0000, size: 0x10, widths: [4, 8],
        read: (offset: number, size: number) => { calls.push(`${offset} ${size}`); return offset === 8 ? wide : READ_REFUSED; }, write: () => {} });
      // loop: ldr w5, [x3]; ldr x6, [x3, #8]; ldrh w9, [x3] (2 bytes: the general path, widened); add x7, x7, x5; add x8, x8, x6; add x10, x10, x9; subs x2, x2, #1; b.ne loop
      machine.writeBytes(0x1_0000, new A64Program().emit(a64.ldr(5, 3, 0, 4), a64.ldr(6, 3, 8, 8), a64.ldr(9, 3, 0, 2), a64.addRegister(7, 7, 5),
        a64.addRegister(8, 8, 6), a64.addRegister(10, 10, 9), a64.subs(2, 2, 1), a64.bcond('ne', -28)).bytes());
      const iterations = 3000;
      const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', 0x1_0000n).set('x3', 0x9000_0000n).set('x2', BigInt(iterations));
      let budget = 8 * iterations;
      while (budget > 0 && vcpu.get('x2') !== 0n) {
        const exit = vcpu.run(budget);
        expect(exit, `jit ${jit}`).toMatchObject({ reason: 'budget' });
        budget -= vcpu.completed;
      }
      expect(vcpu.get('x2'), `jit ${jit}`).toBe(0n);
      expect([vcpu.get('x7'), vcpu.get('x8'), vcpu.get('x10')], `jit ${jit}`).toEqual([
        BigInt(READ_REFUSED) * BigInt(iterations), BigInt.asUintN(64, wide * BigInt(iterations)), BigInt(READ_REFUSED & 0xffff) * BigInt(iterations),
      ]);
      expect(calls.length, `jit ${jit}`).toBe(3 * iterations);
      expect(new Set(calls), `jit ${jit}`).toEqual(new Set(['0 4', '8 8']));
    }
  });

  it('hand an 8-byte write\'s value to the handler as the bigint of its two words, whatever their top bits, in either byte order', () => {
    const pairs: [number, number][] = [[0, 0], [0xffff_ffff | 0, 0], [0x8000_0000 | 0, 0xffff_ffff | 0], [1, 0x8000_0000 | 0], [0x5566_7788, 0x1122_3344]];
    const swap64 = (value: bigint) => BigInt.asUintN(64, BigInt(`0x${value.toString(16).padStart(16, '0').match(/../g)!.reverse().join('')}`));
    for (const endian of ['little', 'big'] as const) {
      const bus = new MmioBus(1);
      const written: unknown[] = [];
      bus.register({ name: 'wide', base: 0x9000_0000, size: 0x100, endian, read: () => 0, write: (_offset: number, _size: number, value: number | bigint) => { written.push(value); } });
      const made = bus.entryFor(bus.find(0, 0x9000_0000)!, { depth: 0 }, new Uint32Array(2), 0);
      for (const [low, high] of pairs) expect(made.write(0x9000_0008 | 0, 0, 8, low, high), endian).toBe(BUS_HANDLED);
      const bytes = pairs.map(([low, high]) => (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0));
      expect(written, endian).toEqual(endian === 'little' ? bytes : bytes.map(swap64));
    }
  });

  it('a device across a 4 GiB boundary serves guest accesses on both sides (the upper side the general way)', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x1_0000, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    const reads: number[] = [];
    machine.mmio.register({ name: 'across', base: 0xffff_f000, size: 0x2000, read: (offset: number) => { reads.push(offset); return offset; }, write: () => {} });
    machine.writeBytes(0x1_0000, new A64Program().emit(a64.ldr(5, 3, 0, 4)).bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    const values = [];
    for (const address of [0xffff_f008, 0x1_0000_0010, 0xffff_f008, 0x1_0000_0010, 0x1_0000_0010]) {
      const exit = vcpu.set('pc', 0x1_0000n).set('x3', BigInt(address)).run(1);
      expect(exit.reason).toBe('budget');
      values.push(Number(vcpu.get('x5')));
    }
    expect(values).toEqual([8, 0x1010, 8, 0x1010, 0x1010]);
    expect(reads).toEqual(values);
  });

});
