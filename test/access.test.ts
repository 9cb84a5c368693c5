import { describe, expect, it, beforeEach } from 'vitest';
import { Machine, AccessError, MmioError, READONLY, type MmioValue } from '../dist/src/index.js';

const RAM = 0x100000n;
const SIZES = [1, 2, 4, 8, 16] as const;

function pattern(size: number, seed: number): bigint {
  let value = 0n;
  for (let i = 0; i < size; i++) value = (value << 8n) | BigInt((seed * 37 + i * 11 + 1) & 0xff);
  return value;
}

function swap(value: bigint, size: number): bigint {
  let out = 0n;
  for (let i = 0; i < size; i++) out = (out << 8n) | ((value >> BigInt(8 * i)) & 0xffn);
  return out;
}

/** A device that records its accesses and serves registers from a byte array. */
function recordingDevice(base: bigint, size: number, widths?: number[], endian: 'little' | 'big' = 'little') {
  const log: Array<[string, number, number, MmioValue?]> = [];
  const regs = new Uint8Array(size);
  const view = new DataView(regs.buffer);
  const little = endian === 'little';
  return {
    log,
    regs,
    device: {
      name: 'rec', base, size, widths, endian,
      read(offset: number, width: number): MmioValue {
        log.push(['r', offset, width]);
        if (width === 8) return view.getBigUint64(offset, little);
        return width === 4 ? view.getUint32(offset, little) : width === 2 ? view.getUint16(offset, little) : view.getUint8(offset);
      },
      write(offset: number, width: number, value: MmioValue) {
        log.push(['w', offset, width, value]);
        if (width === 8) view.setBigUint64(offset, value as bigint, little);
        else if (width === 4) view.setUint32(offset, value as number, little);
        else if (width === 2) view.setUint16(offset, value as number, little);
        else view.setUint8(offset, value as number);
      },
    },
  };
}

describe('guest-physical accesses', () => {
  let machine: Machine;
  let backing: Uint8Array;
  beforeEach(async () => {
    machine = await Machine.create({ arenaBytes: 1 << 20 });
    const uaddr = machine.allocateBacking(0x4000);
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x4000, userspaceAddr: uaddr });
    backing = machine.backing(uaddr, 0x4000);
  });

  it.each(SIZES)('reads and writes %i bytes of RAM in both byte orders, aligned and not', (size) => {
    for (const offset of [0, 1, 3, 0xff8 - size + 9]) {
      const value = pattern(size, offset);
      machine.write(RAM + BigInt(offset), size, value, { endian: 'little' });
      expect(machine.read(RAM + BigInt(offset), size, { endian: 'little' })).toBe(value);
      expect(machine.read(RAM + BigInt(offset), size, { endian: 'big' })).toBe(swap(value, size));
      expect(backing[offset]).toBe(Number(value & 0xffn));
      machine.write(RAM + BigInt(offset), size, value, { endian: 'big' });
      expect(backing[offset]).toBe(Number((value >> BigInt(8 * (size - 1))) & 0xffn));
      expect(machine.read(RAM + BigInt(offset), size, { endian: 'big' })).toBe(value);
    }
  });

  it('an access crossing from one slot into the next uses both backings', () => {
    const second = machine.allocateBacking(0x1000);
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: RAM + 0x4000n, memorySize: 0x1000, userspaceAddr: second });
    machine.write(RAM + 0x3ffcn, 8, 0x8877665544332211n);
    expect(backing.slice(0x3ffc)).toEqual(new Uint8Array([0x11, 0x22, 0x33, 0x44]));
    expect(machine.backing(second, 4)).toEqual(new Uint8Array([0x55, 0x66, 0x77, 0x88]));
    expect(machine.read(RAM + 0x3ff8n, 16)).toBe(0x8877665544332211n << 32n);
  });

  it('an access crossing into an unmapped page completes its RAM part, then exits with the unmapped fragment', () => {
    let error: unknown;
    try {
      machine.write(RAM + 0x3ffen, 4, 0xaabbccdd);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AccessError);
    expect((error as AccessError).code).toBe('EFAULT');
    expect((error as AccessError).exit).toEqual({ gpa: RAM + 0x4000n, size: 2, write: true, cause: 'unmapped' });
    expect(backing.slice(0x3ffe)).toEqual(new Uint8Array([0xdd, 0xcc]));
  });

  it('an access crossing into a device splits between RAM and the device', () => {
    const { device, log, regs } = recordingDevice(RAM + 0x4000n, 0x100);
    machine.mmio.register(device);
    regs.set([1, 2, 3, 4]);
    backing.set([9, 8], 0x3ffe);
    expect(machine.read(RAM + 0x3ffen, 4, { endian: 'big' })).toBe(0x09080102n);
    expect(log).toEqual([['r', 0, 2]]);
  });

  it.each(SIZES)('a %i-byte MMIO access reaches the device with its bytes in memory order', (size) => {
    const { device, log, regs } = recordingDevice(0x9000_0000n, 0x40);
    machine.mmio.register(device);
    const value = pattern(size, 5);
    machine.write(0x9000_0010n, size, value, { endian: 'big' });
    expect(regs.slice(0x10, 0x10 + size)).toEqual(Uint8Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * (size - 1 - i))) & 0xffn)));
    expect(machine.read(0x9000_0010n, size, { endian: 'big' })).toBe(value);
    expect(log.filter(([kind]) => kind === 'w').map(([, offset, width]) => [offset, width]))
      .toEqual(size === 16 ? [[0x10, 8], [0x18, 8]] : [[0x10, size]]);
  });

  it('splits accesses wider than the device allows and widens narrower ones', () => {
    const { device, log, regs } = recordingDevice(0x9000_0000n, 0x20, [4], 'big');
    machine.mmio.register(device);
    regs.set([0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17]);
    expect(machine.read(0x9000_0000n, 8, { endian: 'big' })).toBe(0x1011121314151617n);
    expect(log).toEqual([['r', 0, 4], ['r', 4, 4]]);
    log.length = 0;
    expect(machine.read(0x9000_0005n, 1)).toBe(0x15n);
    expect(log).toEqual([['r', 4, 4]]);
    log.length = 0;
    machine.write(0x9000_0002n, 1, 0xab);
    expect(log).toEqual([['w', 0, 4, 0x0000ab00]]);
  });

  it('a write to a READONLY slot goes to the device bus; reads still hit RAM', () => {
    const rom = machine.allocateBacking(0x1000);
    machine.setUserMemoryRegion({ slot: 2, flags: READONLY, guestPhysAddr: 0xf000_0000n, memorySize: 0x1000, userspaceAddr: rom });
    machine.backing(rom, 4).set([1, 2, 3, 4]);
    expect(machine.read(0xf000_0000n, 4)).toBe(0x04030201n);
    expect(() => machine.write(0xf000_0000n, 4, 0)).toThrow(expect.objectContaining({ code: 'EFAULT', exit: expect.objectContaining({ cause: 'read-only slot' }) }));
    const { device, log } = recordingDevice(0xf000_0000n, 0x1000);
    machine.mmio.register(device);
    machine.write(0xf000_0000n, 4, 0x55);
    expect(log).toEqual([['w', 0, 4, 0x55]]);
    expect(machine.read(0xf000_0000n, 4)).toBe(0x04030201n);
  });

  it('a throwing device handler ends the access with EIO and the host keeps working', () => {
    machine.mmio.register({ name: 'broken', base: 0xa000_0000n, size: 0x10, read: () => { throw new Error('boom'); }, write: () => {} });
    let error: unknown;
    try {
      machine.read(0xa000_0004n, 4);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AccessError);
    expect((error as AccessError).code).toBe('EIO');
    expect((error as AccessError).message).toContain('boom');
    expect(((error as AccessError).cause as Error).message).toBe('boom');
    machine.write(RAM, 4, 7);
    expect(machine.read(RAM, 4)).toBe(7n);
  });

  it('a device whose read returns a non-number is an EIO, not a crash', () => {
    machine.mmio.register({ name: 'odd', base: 0xa000_0000n, size: 0x10, read: () => 'x' as unknown as number, write: () => {} });
    expect(() => machine.read(0xa000_0000n, 4)).toThrow(expect.objectContaining({ code: 'EIO' }));
  });

  it('rejects overlapping or malformed device registrations and changes nothing', () => {
    const first = machine.mmio.register({ name: 'a', base: 0x9000_0000n, size: 0x100, read: () => 1, write: () => {} });
    expect(() => machine.mmio.register({ name: 'b', base: 0x9000_00f0n, size: 0x100, read: () => 2, write: () => {} }))
      .toThrow(MmioError);
    expect(() => machine.mmio.register({ name: 'c', base: 0x9000_1000n, size: 0, read: () => 2, write: () => {} }))
      .toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => machine.mmio.register({ name: 'd', base: 0x9000_1000n, size: 4, widths: [3], read: () => 2, write: () => {} }))
      .toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(machine.read(0x9000_00f0n, 1)).toBe(1n);
    first.unregister();
    machine.mmio.register({ name: 'b', base: 0x9000_00f0n, size: 0x100, read: () => 2, write: () => {} });
    expect(machine.read(0x9000_00f0n, 1)).toBe(2n);
  });

  it('decodes devices below 2^53 only; an address above every device is unclaimed', () => {
    expect(() => machine.mmio.register({ name: 'far', base: 2n ** 53n, size: 0x10, read: () => 0, write: () => {} }))
      .toThrow(expect.objectContaining({ code: 'EINVAL' }));
    machine.mmio.register({ name: 'high', base: 2n ** 53n - 0x10n, size: 0x10, read: (offset) => offset, write: () => {} });
    expect(machine.read(2n ** 53n - 0x8n, 1)).toBe(8n);
    expect(() => machine.read(0x8000_0000_0000_0000n, 4)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
  });

  it('a device in address space 1 does not decode address space 0', () => {
    machine.mmio.register({ name: 'smm', addressSpace: 1, base: 0x9000_0000n, size: 0x10, read: () => 0x42, write: () => {} });
    expect(machine.read(0x9000_0000n, 1, { addressSpace: 1 })).toBe(0x42n);
    expect(() => machine.read(0x9000_0000n, 1)).toThrow(expect.objectContaining({ code: 'EFAULT' }));
  });

  it('rejects bad access arguments with EINVAL', () => {
    for (const size of [0, 17, 3.5]) expect(() => machine.read(RAM, size)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => machine.read(-1, 4)).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    expect(() => machine.read(RAM, 4, { addressSpace: 2 })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
  });

  it('copies byte ranges across RAM, slot gaps and devices', () => {
    const { device, regs } = recordingDevice(RAM + 0x4000n, 0x100);
    machine.mmio.register(device);
    const bytes = Uint8Array.from({ length: 40 }, (_, i) => i + 1);
    machine.writeBytes(RAM + 0x3fecn, bytes);
    expect(backing.slice(0x3fec)).toEqual(bytes.slice(0, 20));
    expect(regs.slice(0, 20)).toEqual(bytes.slice(20));
    expect(machine.readBytes(RAM + 0x3fecn, 40)).toEqual(bytes);
  });

  it('the last-used slot answers repeated accesses without a search; a republished table forces one', () => {
    machine.read(RAM, 8);
    const before = machine.counters().lookupSearches;
    for (let i = 0; i < 100; i++) machine.read(RAM + BigInt(i * 8), 8);
    expect(machine.counters().lookupSearches).toBe(before);
    machine.setUserMemoryRegion({ slot: 9, guestPhysAddr: 0x5000_0000n, memorySize: 0x1000, userspaceAddr: 0 });
    machine.read(RAM, 8);
    expect(machine.counters().lookupSearches).toBe(before + 1n);
  });
});
