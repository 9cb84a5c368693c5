// The opt-in 8-byte device contract without a bigint (src/mmio.ts MmioDevice.read64Parts /
// write64Parts): where a device has them, every 8-byte access it takes goes there instead
// of read(offset, 8) / write(offset, 8, value), with the same value split in halves, from
// the typed host accessors, machine.read/write, the interpreter and compiled loops, in
// either byte order of the device and of the guest. Widths the device refuses are split
// as before (no parts call), and a throwing parts handler fails the access as read/write do.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64Program, a64 } from '../dist/src/index.js';

const CODE = 0x1_0000;
const DATA = 0x20_2000;
const DEVICE = 0x30_3000;
const hex = (value: number | bigint) => BigInt(value).toString(16);

type Log = string[];

/** `failing`: the value whose write throws, the one whose read throws. */
interface Options { endian?: 'big'; widths?: number[]; parts: boolean; failing?: { write?: bigint; read?: bigint } }

/**
 * A register file over 4 KiB of bytes. Its log has one line per 8-byte access (the value
 * as a bigint's hex, whichever handler took it) and per narrower one. With `parts` its
 * 8-byte accesses must arrive at read64Parts / write64Parts: read/write refuse size 8.
 */
function registerFile(log: Log, options: Options) {
  const bytes = Uint8Array.from({ length: 0x1000 }, (_, i) => (i * 97 + 13) & 0xff);
  const big = options.endian === 'big';
  const load = (offset: number, width: number) => {
    let value = 0n;
    for (let i = 0; i < width; i++) value |= BigInt(bytes[offset + (big ? width - 1 - i : i)]!) << BigInt(8 * i);
    return value;
  };
  const store = (offset: number, width: number, value: bigint) => {
    if (value === options.failing?.write) throw new Error(`refuses ${hex(value)}`);
    for (let i = 0; i < width; i++) bytes[offset + (big ? width - 1 - i : i)] = Number((value >> BigInt(8 * i)) & 0xffn);
  };
  const device = {
    name: 'regs', base: DEVICE, size: 0x1000, endian: options.endian, widths: options.widths,
    read(offset: number, width: number) {
      if (options.parts && width === 8) throw new Error('read(offset, 8) called on a parts device');
      const value = load(offset, width);
      log.push(`read ${offset} ${width} ${hex(value)}`);
      if (value === options.failing?.read) throw new Error(`refuses to read ${hex(value)}`);
      return width === 8 ? value : Number(value);
    },
    write(offset: number, width: number, value: number | bigint) {
      if (options.parts && width === 8) throw new Error('write(offset, 8) called on a parts device');
      log.push(`write ${offset} ${width} ${hex(value)}`);
      store(offset, width, BigInt(value));
    },
  };
  if (!options.parts) return device;
  return {
    ...device,
    read64Parts(offset: number, out: Uint32Array) {
      expect([out[0], out[1]]).toEqual([0, 0]);
      const value = load(offset, 8);
      log.push(`read ${offset} 8 ${hex(value)}`);
      if (value === options.failing?.read) throw new Error(`refuses to read ${hex(value)}`);
      out[0] = Number(value & 0xffff_ffffn);
      out[1] = Number(value >> 32n);
    },
    write64Parts(offset: number, low: number, high: number) {
      expect(Number.isInteger(low) && low >= 0 && low < 2 ** 32 && Number.isInteger(high) && high >= 0 && high < 2 ** 32).toBe(true);
      const value = (BigInt(high) << 32n) | BigInt(low);
      log.push(`write ${offset} 8 ${hex(value)} parts`);
      store(offset, 8, value);
    },
  };
}

async function deviceMachine(options: Options, jit = false) {
  const machine = await Machine.create({ arenaBytes: 4 << 20, jit, tlbEntries: 64 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  const log: Log = [];
  machine.mmio.register(registerFile(log, options));
  return { machine, log };
}

/** Every host way of an 8-byte access, and what each returned. */
function hostAccesses(machine: Machine): unknown[] {
  const out = new Uint32Array(4);
  const results: unknown[] = [];
  machine.write64(DEVICE + 8, 0x1122_3344_5566_7788n);
  machine.write64Parts(DEVICE + 16, 0x5566_7788, 0x1122_3344);
  machine.write64(DEVICE + 24, -2n);
  machine.write(BigInt(DEVICE + 32), 8, 0x8000_0000_0000_0001n);
  results.push(machine.read64(DEVICE + 8), machine.read64(DEVICE + 16), machine.read64(DEVICE + 24), machine.read(BigInt(DEVICE + 32), 8));
  machine.read64Parts(DEVICE + 40, out, 1);
  results.push([...out]);
  results.push(machine.read32(DEVICE + 8), machine.read32(DEVICE + 12));
  return results;
}

/** str x3 and ldr x8 through the device, 8 bytes, x3 += 1; 40 times, then svc. */
const loop = new A64Program().emit(a64.movz(2, 40)).label('loop').emit(
  a64.str(3, 13, 16, 8), a64.ldr(8, 13, 16, 8), a64.ldr(9, 13, 0x800, 8), a64.str(8, 15, 8, 8), a64.add(3, 3, 1),
).emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc()).bytes();

async function guestRun(arch: 'aarch64' | 'aarch64_be', jit: boolean, options: Options, start = 0x0102_0304_0506_0708n) {
  const { machine, log } = await deviceMachine(options, jit);
  machine.writeBytes(CODE, loop);
  const vcpu = new Vcpu(machine, 0, arch).set('pc', BigInt(CODE)).set('x13', BigInt(DEVICE)).set('x15', BigInt(DATA)).set('x3', start);
  const exits: string[] = [];
  for (let run = 0; run < 20; run++) {
    const exit = vcpu.run(37);
    exits.push(`${exit.reason} ${hex(vcpu.get('pc'))}`);
    if (exit.reason !== 'budget') break;
  }
  return { exits, log, regs: ['x3', 'x8', 'x9'].map((name) => vcpu.get(name as 'x3')), ram: [...machine.readBytes(DATA, 16)], mmio: vcpu.core.counters().mmio };
}

describe('read64Parts / write64Parts devices', () => {
  it('take every 8-byte host access with the bigint handlers\' values, in either byte order', async () => {
    for (const endian of [undefined, 'big'] as const) {
      const plain = await deviceMachine({ endian, parts: false });
      const parts = await deviceMachine({ endian, parts: true });
      const expected = hostAccesses(plain.machine);
      expect(hostAccesses(parts.machine), String(endian)).toEqual(expected);
      expect(parts.log.map((line) => line.replace(' parts', '')), String(endian)).toEqual(plain.log);
      expect(parts.log.filter((line) => line.endsWith('parts'))).toHaveLength(4);
    }
    // Byte order: the value is the register's, memory holds it in the device's order.
    const little = await deviceMachine({ parts: true });
    little.machine.write64(DEVICE, 0x1122_3344_5566_7788n);
    expect(little.log).toEqual(['write 0 8 1122334455667788 parts']);
    expect(little.machine.read32(DEVICE)).toBe(0x5566_7788);
    const big = await deviceMachine({ endian: 'big', parts: true });
    big.machine.write64(DEVICE, 0x1122_3344_5566_7788n);
    expect(big.log).toEqual(['write 0 8 8877665544332211 parts']);
    const out = new Uint32Array(2);
    big.machine.read64Parts(DEVICE, out);
    expect([...out]).toEqual([0x5566_7788, 0x1122_3344]);
  });

  it('take a guest\'s 8-byte loads and stores, interpreted and in compiled loops, LE and BE8, as the bigint handlers do', async () => {
    for (const arch of ['aarch64', 'aarch64_be'] as const) {
      for (const endian of [undefined, 'big'] as const) {
        const expected = await guestRun(arch, false, { endian, parts: false });
        expect(expected.exits.at(-1)).toBe(`hypercall ${hex(CODE + 0x24)}`);
        for (const jit of [false, true]) {
          const got = await guestRun(arch, jit, { endian, parts: true });
          const what = `${arch} ${String(endian)} jit ${jit}`;
          expect({ ...got, log: got.log.map((line) => line.replace(' parts', '')) }, what).toEqual(expected);
          expect(got.log.filter((line) => line.endsWith('parts')), what).toHaveLength(40);
        }
      }
    }
    // The first store's halves: x3's value, whose bytes a BE8 guest stores in the other order.
    const little = await guestRun('aarch64', true, { parts: true });
    expect(little.log[0]).toBe('write 16 8 102030405060708 parts');
    const big = await guestRun('aarch64_be', true, { parts: true });
    expect(big.log[0]).toBe('write 16 8 807060504030201 parts');
  });

  it('are not called for 8-byte accesses a device of narrower widths takes split', async () => {
    const { machine, log } = await deviceMachine({ parts: true, widths: [4] });
    machine.write64(DEVICE + 8, 0x1122_3344_5566_7788n);
    expect(machine.read64(DEVICE + 8)).toBe(0x1122_3344_5566_7788n);
    expect(log).toEqual(['write 8 4 55667788', 'write 12 4 11223344', 'read 8 4 55667788', 'read 12 4 11223344']);
    const guest = await guestRun('aarch64', true, { parts: true, widths: [4] });
    expect(guest.exits.at(-1)).toBe(`hypercall ${hex(CODE + 0x24)}`);
    expect(guest.log.some((line) => / 8 /.test(line))).toBe(false);
  });

  it('that throw fail the access as read and write do: EIO from the host, device-error at the instruction in the guest', async () => {
    for (const kind of ['write', 'read'] as const) {
      const { machine, log } = await deviceMachine({ parts: true, failing: { [kind]: 0x1122_3344_5566_7788n } });
      const write = () => machine.write64(DEVICE + 8, 0x1122_3344_5566_7788n);
      if (kind === 'write') {
        expect(write).toThrow(expect.objectContaining({ name: 'AccessError', code: 'EIO', message: expect.stringContaining('refuses') }));
        expect(() => machine.write64Parts(DEVICE + 8, 0x5566_7788, 0x1122_3344)).toThrow(expect.objectContaining({ code: 'EIO' }));
        expect(() => machine.write(BigInt(DEVICE + 8), 8, 0x1122_3344_5566_7788n)).toThrow(expect.objectContaining({ code: 'EIO' }));
        expect(machine.read64(DEVICE + 8)).not.toBe(0x1122_3344_5566_7788n);
      } else {
        write();
        expect(() => machine.read64(DEVICE + 8)).toThrow(expect.objectContaining({ code: 'EIO' }));
        expect(() => machine.read64Parts(DEVICE + 8, new Uint32Array(2))).toThrow(expect.objectContaining({ code: 'EIO' }));
        expect(() => machine.read(BigInt(DEVICE + 8), 8)).toThrow(expect.objectContaining({ code: 'EIO' }));
      }
      expect(machine.mmio.lastFailure?.gpa).toBe(BigInt(DEVICE + 8));
      expect(log.filter((line) => line.startsWith(`${kind} 8 8`))).toHaveLength(3);
    }
    // The guest: x3 counts up to the refused value on the 20th iteration (long after the loop compiled).
    for (const kind of ['write', 'read'] as const) {
      const runs = await Promise.all([false, true].map((jit) => guestRun('aarch64', jit, { parts: true, failing: { [kind]: 0x30n } }, 0x1dn)));
      const [plain, jit] = runs;
      expect(plain!.exits.at(-1), kind).toBe(`device-error ${hex(CODE + (kind === 'write' ? 4 : 8))}`);
      expect(plain!.log.filter((line) => line.startsWith(`${kind} 16 8 30`)), kind).toHaveLength(1);
      expect(jit, kind).toEqual(plain);
    }
  });

  it('must be functions when given', async () => {
    const { machine } = await deviceMachine({ parts: false });
    for (const name of ['read64Parts', 'write64Parts']) {
      expect(() => machine.mmio.register({ base: 0x40_0000, size: 8, read: () => 0, write: () => {}, [name]: 5 }))
        .toThrow(expect.objectContaining({ name: 'MmioError', code: 'EINVAL', message: expect.stringContaining(name) }));
    }
    expect(machine.mmio.find(0, 0x40_0000)).toBeUndefined();
  });
});
