// FEAT_LS64 (LD64B, ST64B), FEAT_LS64_V (ST64BV), FEAT_LS64_ACCDATA (ST64BV0) executed
// (issue 18): one single-copy-atomic 64-byte access to RAM or as ONE device call.
// Unicorn 2.0.1 (QEMU 5) predates LS64, so the expectations follow the Arm ARM
// pseudocode (C6.2 LD64B, ST64B, ST64BV, ST64BV0; MemLoad64B/MemStore64B(WithRet)),
// computed here from the inputs; the words are LLVM's (llvm-mc-14 -mattr=+ls64).
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, A64Program } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x10_1000n; // RAM: the slot covers CODE .. CODE + 0x3000
const DEVICE = 0x20_0000n; // no slot: devices
const MASK64 = (1n << 64n) - 1n;
const ONES = MASK64;

const LD64B_X0_X13 = 0xf83f_d1a0; //    ld64b x0, [x13]
const ST64B_X14_X13 = 0xf83f_91ae; //   st64b x14, [x13]
const ST64B_X2_SP = 0xf83f_93e2; //     st64b x2, [sp]
const ST64BV_X1_X20 = 0xf821_b1b4; //   st64bv x1, x20, [x13]
const ST64BV_XZR_X20 = 0xf83f_b1b4; //  st64bv xzr, x20, [x13]
const ST64BV_X12_X22 = 0xf82c_b1b6; //  st64bv x12, x22, [x13]
const ST64BV0_X3_X22 = 0xf823_a1b6; //  st64bv0 x3, x22, [x13]
const ST64BV0_X30_X0 = 0xf83e_a1a0; //  st64bv0 x30, x0, [x13]
const MSR_ACCDATA_X1 = 0xd518_d0a1; //  msr accdata_el1, x1
const MRS_X2_ACCDATA = 0xd538_d0a2; //  mrs x2, accdata_el1

/** 64 bytes whose doublewords all differ: byte i is (0x11 * (i % 15 + 1)) ^ i. */
const PATTERN = Uint8Array.from({ length: 64 }, (_, i) => ((0x11 * ((i % 15) + 1)) ^ i) & 0xff);
/** Eight register values, each with every byte distinct from the pattern's. */
const VALUES = Array.from({ length: 8 }, (_, i) => (0x0102_0304_0506_0708n * BigInt(i + 3) + 0xa0n * BigInt(i)) & MASK64);

/** The doubleword at byte `offset` of `bytes` read in `endian` order. */
function doubleword(bytes: Uint8Array, offset: number, endian: 'little' | 'big'): bigint {
  let value = 0n;
  for (let i = 0; i < 8; i++) value = (value << 8n) | BigInt(bytes[offset + (endian === 'little' ? 7 - i : i)]!);
  return value;
}

/** The 64 bytes of doublewords `values` each stored in `endian` order (the pseudocode's per-register BigEndianReverse). */
function blockOf(values: bigint[], endian: 'little' | 'big'): Uint8Array {
  const bytes = new Uint8Array(64);
  values.forEach((value, i) => {
    for (let j = 0; j < 8; j++) bytes[i * 8 + (endian === 'little' ? j : 7 - j)] = Number((value >> BigInt(8 * j)) & 0xffn);
  });
  return bytes;
}

async function setup(words: number[], arch: 'aarch64' | 'aarch64_be' = 'aarch64') {
  const machine = await Machine.create({ arenaBytes: 2 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x3000, userspaceAddr: machine.allocateBacking(0x3000) });
  const program = new A64Program();
  for (const word of words) program.emit(word);
  machine.writeBytes(CODE, program.bytes());
  machine.writeBytes(DATA, PATTERN);
  const vcpu = new Vcpu(machine, 0, arch).set('pc', CODE);
  return { machine, vcpu };
}

const registers = (vcpu: Vcpu, first: number) => Array.from({ length: 8 }, (_, i) => vcpu.get(`x${first + i}` as 'x0'));
function setRegisters(vcpu: Vcpu, first: number, values: bigint[]): void {
  values.forEach((value, i) => vcpu.set(`x${first + i}` as 'x0', value));
}

describe('LS64 to RAM', () => {
  it.each(['aarch64', 'aarch64_be'] as const)('%s: LD64B loads Xt..Xt+7, each the doubleword at +8i in the data byte order', async (arch) => {
    const { vcpu } = await setup([LD64B_X0_X13], arch);
    vcpu.set('x13', DATA);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 4n });
    const endian = arch === 'aarch64' ? 'little' : 'big';
    expect(registers(vcpu, 0)).toEqual(Array.from({ length: 8 }, (_, i) => doubleword(PATTERN, 8 * i, endian)));
    expect(vcpu.get('x13')).toBe(DATA);
  });

  it.each(['aarch64', 'aarch64_be'] as const)('%s: ST64B stores Xt..Xt+7 (also with SP as the base)', async (arch) => {
    const { machine, vcpu } = await setup([ST64B_X14_X13, ST64B_X2_SP], arch);
    setRegisters(vcpu, 14, VALUES);
    vcpu.set('x13', DATA + 0x40n);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 4n });
    const endian = arch === 'aarch64' ? 'little' : 'big';
    expect(machine.readBytes(DATA + 0x40n, 64)).toEqual(blockOf(VALUES, endian));
    setRegisters(vcpu, 2, VALUES.map((value) => value ^ MASK64));
    vcpu.set('sp', DATA + 0x80n);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 8n });
    expect(machine.readBytes(DATA + 0x80n, 64)).toEqual(blockOf(VALUES.map((value) => value ^ MASK64), endian));
    expect(machine.readBytes(DATA, 64)).toEqual(PATTERN);
  });

  it.each([8n, 16n, 32n, 63n])('an address 64-byte misaligned by %d is an alignment fault that changes nothing', async (skew) => {
    for (const word of [LD64B_X0_X13, ST64B_X14_X13, ST64BV_X1_X20, ST64BV0_X3_X22]) {
      const { machine, vcpu } = await setup([word]);
      setRegisters(vcpu, 0, VALUES);
      setRegisters(vcpu, 14, VALUES);
      setRegisters(vcpu, 20, VALUES);
      vcpu.set('x13', DATA + skew);
      const before = vcpu.registers();
      expect(vcpu.run(1)).toEqual({ reason: 'fault', pc: CODE, kind: 'alignment', address: DATA + skew });
      expect(vcpu.registers()).toEqual(before);
      expect(machine.readBytes(DATA, 128)).toEqual(Uint8Array.from([...PATTERN, ...new Uint8Array(64)]));
    }
  });

  it('ST64BV stores the data and writes all ones to Xs (RAM does not support a store with status); Xs = XZR discards it', async () => {
    const { machine, vcpu } = await setup([ST64BV_X1_X20, ST64BV_XZR_X20]);
    setRegisters(vcpu, 20, VALUES);
    vcpu.set('x13', DATA).set('x1', 5n);
    expect(vcpu.run(2)).toEqual({ reason: 'budget', pc: CODE + 8n });
    expect(vcpu.get('x1')).toBe(ONES);
    expect(machine.readBytes(DATA, 64)).toEqual(blockOf(VALUES, 'little'));
    expect(registers(vcpu, 20)).toEqual(VALUES);
  });

  it.each(['aarch64', 'aarch64_be'] as const)('%s: ST64BV0 takes bits 31:0 of the first doubleword from ACCDATA_EL1 (MSR/MRS keep bits 31:0)', async (arch) => {
    const { machine, vcpu } = await setup([MSR_ACCDATA_X1, MRS_X2_ACCDATA, ST64BV0_X3_X22], arch);
    const accdata = 0xdead_beef_1357_9bdfn;
    setRegisters(vcpu, 22, VALUES);
    vcpu.set('x1', accdata).set('x13', DATA).set('x3', 9n);
    expect(vcpu.run(3)).toEqual({ reason: 'budget', pc: CODE + 12n });
    expect(vcpu.get('x2')).toBe(accdata & 0xffff_ffffn);
    const stored = [(VALUES[0]! & 0xffff_ffff_0000_0000n) | (accdata & 0xffff_ffffn), ...VALUES.slice(1)];
    expect(machine.readBytes(DATA, 64)).toEqual(blockOf(stored, arch === 'aarch64' ? 'little' : 'big'));
    expect(vcpu.get('x3')).toBe(ONES);
    expect(vcpu.get('x22')).toBe(VALUES[0]);
  });

  it('ramLookup (the threaded host view\'s completion of an unclaimed access) takes 64 bytes, not 17..63', async () => {
    const { machine } = await setup([]);
    const { functions } = machine.attach(0);
    expect(functions.ramLookup(0, DATA + 0x40n, 64, 1)).not.toBe(0);
    expect(functions.ramLookup(0, DATA + 0x40n, 32, 1)).toBe(0);
    expect(functions.ramLookup(0, DEVICE, 64, 0)).toBe(0);
  });

  it('ST64B to a dirty-logged slot marks its page dirty', async () => {
    const { machine, vcpu } = await setup([ST64B_X14_X13]);
    machine.setUserMemoryRegion({ slot: 1, flags: 1, guestPhysAddr: 0x40_0000n, memorySize: 0x2000, userspaceAddr: machine.allocateBacking(0x2000) });
    setRegisters(vcpu, 14, VALUES);
    vcpu.set('x13', 0x40_1040n);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 4n });
    expect(machine.readBytes(0x40_1040n, 64)).toEqual(blockOf(VALUES, 'little'));
    expect(Array.from(machine.getDirtyLog(1))[0]! & 3).toBe(2);
  });
});

/** A JS device recording every handler call. */
function recordingDevice(base: bigint, size: number, handlers: { read64B?: boolean; write64B?: (bytes: Uint8Array, withStatus: boolean) => unknown } = {}) {
  const calls: string[] = [];
  const written: Array<{ offset: number; bytes: Uint8Array; withStatus: boolean }> = [];
  const device = {
    name: 'ls64dev', base, size,
    read: (offset: number, width: number) => { calls.push(`read ${offset} ${width}`); return 0; },
    write: (offset: number, width: number) => { calls.push(`write ${offset} ${width}`); },
    ...(handlers.read64B ? { read64B: (offset: number) => { calls.push(`read64B ${offset}`); return PATTERN.slice(); } } : {}),
    ...(handlers.write64B ? {
      write64B: (offset: number, bytes: Uint8Array, withStatus: boolean) => {
        calls.push(`write64B ${offset}`);
        written.push({ offset, bytes: bytes.slice(), withStatus });
        return handlers.write64B!(bytes, withStatus);
      },
    } : {}),
  };
  return { device, calls, written };
}

describe('LS64 to a device: one 64-byte device access', () => {
  it('LD64B reads the 64 bytes with one read64B call at the offset', async () => {
    const { machine, vcpu } = await setup([LD64B_X0_X13]);
    const { device, calls } = recordingDevice(DEVICE, 0x1000, { read64B: true });
    machine.mmio.register(device);
    vcpu.set('x13', DEVICE + 0x80n);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 4n });
    expect(calls).toEqual(['read64B 128']);
    expect(registers(vcpu, 0)).toEqual(Array.from({ length: 8 }, (_, i) => doubleword(PATTERN, 8 * i, 'little')));
  });

  it('ST64B, ST64BV and ST64BV0 each reach write64B once with the 64 bytes as written; ST64BV(0) get its status in Xs', async () => {
    const { machine, vcpu } = await setup([ST64B_X14_X13, ST64BV_X12_X22, ST64BV0_X30_X0, ST64BV_X12_X22]);
    const answers: unknown[] = [undefined, 0x1234n, 7, undefined];
    const { device, calls, written } = recordingDevice(DEVICE, 0x1000, { write64B: () => answers.shift() });
    machine.mmio.register(device);
    const forStatus = VALUES.map((value) => value ^ 0xffn);
    const forAccdata = VALUES.map((value) => value ^ 0xff00n);
    setRegisters(vcpu, 14, VALUES);
    setRegisters(vcpu, 22, forStatus);
    setRegisters(vcpu, 0, forAccdata);
    vcpu.set('x13', DEVICE + 0xc0n);
    expect(vcpu.run(3)).toEqual({ reason: 'budget', pc: CODE + 12n });
    expect(calls).toEqual(['write64B 192', 'write64B 192', 'write64B 192']);
    expect(written.map((entry) => entry.withStatus)).toEqual([false, true, true]);
    expect(written[0]!.bytes).toEqual(blockOf(VALUES, 'little'));
    expect(written[1]!.bytes).toEqual(blockOf(forStatus, 'little'));
    // ACCDATA_EL1 is 0 after reset: the first doubleword's low word is 0.
    expect(written[2]!.bytes).toEqual(blockOf(forAccdata.map((value, i) => (i === 0 ? value & 0xffff_ffff_0000_0000n : value)), 'little'));
    expect([vcpu.get('x12'), vcpu.get('x30')]).toEqual([0x1234n, 7n]);
    // A device that gives no status: all ones, as for a location without store-with-status.
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 16n });
    expect(vcpu.get('x12')).toBe(ONES);
  });

  it.each([
    ['LD64B, no read64B', LD64B_X0_X13, { write64B: () => undefined }, /no read64B handler/],
    ['ST64B, no write64B', ST64B_X14_X13, { read64B: true }, /no write64B handler/],
    ['ST64BV, no handlers', ST64BV_X1_X20, {}, /no write64B handler/],
  ] as const)('%s: a device error, no handler called, nothing changed', async (_name, word, handlers, message) => {
    const { machine, vcpu } = await setup([word]);
    const { device, calls } = recordingDevice(DEVICE, 0x1000, handlers);
    machine.mmio.register(device);
    setRegisters(vcpu, 0, VALUES);
    setRegisters(vcpu, 14, VALUES);
    setRegisters(vcpu, 20, VALUES);
    vcpu.set('x13', DEVICE);
    const before = vcpu.registers();
    expect(vcpu.run(1)).toEqual({ reason: 'device-error', pc: CODE, gpa: DEVICE });
    expect(calls).toEqual([]);
    expect(vcpu.registers()).toEqual(before);
    expect(String(machine.mmio.lastFailure?.error)).toMatch(message);
  });

  it.each([
    ['a 32-byte device at the block', [[0n, 32]]],
    ['a device starting inside the block', [[0x20n, 0x100]]],
    ['two devices sharing the block', [[0n, 32], [32n, 32]]],
  ] as const)('a block not inside one device (%s): a device error, no handler called', async (_name, ranges) => {
    const { machine, vcpu } = await setup([ST64B_X14_X13]);
    const calls: string[] = [];
    ranges.forEach(([offset, size], i) => {
      const { device, calls: own } = recordingDevice(DEVICE + offset, size, { read64B: true, write64B: () => undefined });
      machine.mmio.register({ ...device, name: `part${i}` });
      calls.push(...own);
    });
    vcpu.set('x13', DEVICE);
    expect(vcpu.run(1)).toEqual({ reason: 'device-error', pc: CODE, gpa: DEVICE });
    expect(calls).toEqual([]);
    expect(String(machine.mmio.lastFailure?.error)).toMatch(/not inside one device/);
  });

  it('a built-in device refuses a 64-byte access (device error) and keeps its registers', async () => {
    const { machine, vcpu } = await setup([ST64B_X14_X13]);
    machine.addBuiltinDevice({ kind: 'scratch', base: DEVICE + 0x10n, size: 16 });
    machine.writeBytes(DEVICE + 0x10n, PATTERN.subarray(0, 16));
    setRegisters(vcpu, 14, VALUES);
    vcpu.set('x13', DEVICE);
    expect(vcpu.run(1)).toEqual({ reason: 'device-error', pc: CODE, gpa: DEVICE });
    expect(machine.readBytes(DEVICE + 0x10n, 16)).toEqual(PATTERN.subarray(0, 16));
    expect(String(machine.mmio.lastFailure?.error)).toMatch(/take no 64-byte/);
  });

  it('no device: an MMIO exit of 64 bytes (the store\'s bytes in it); a completed LD64B retires with the 64 bytes', async () => {
    const { vcpu } = await setup([ST64B_X14_X13, LD64B_X0_X13]);
    setRegisters(vcpu, 14, VALUES);
    vcpu.set('x13', DEVICE + 0x40n);
    const store = vcpu.run(2);
    expect(store).toMatchObject({ reason: 'mmio', pc: CODE, gpa: DEVICE + 0x40n, size: 64, write: true, data: blockOf(VALUES, 'little') });
    vcpu.completeMmio();
    const load = vcpu.run(2);
    expect(load).toMatchObject({ reason: 'mmio', pc: CODE + 4n, gpa: DEVICE + 0x40n, size: 64, write: false });
    vcpu.completeMmio(PATTERN);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 8n });
    expect(registers(vcpu, 0)).toEqual(Array.from({ length: 8 }, (_, i) => doubleword(PATTERN, 8 * i, 'little')));
  });

  it('no device: a completed ST64BV retires with status all ones (no store with status there)', async () => {
    const { vcpu } = await setup([ST64BV_X12_X22]);
    setRegisters(vcpu, 22, VALUES);
    vcpu.set('x13', DEVICE).set('x12', 3n);
    expect(vcpu.run(1)).toMatchObject({ reason: 'mmio', pc: CODE, gpa: DEVICE, size: 64, write: true, data: blockOf(VALUES, 'little') });
    expect(vcpu.get('x12')).toBe(3n);
    vcpu.completeMmio();
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE + 4n });
    expect(vcpu.get('x12')).toBe(ONES);
  });
});

describe('LS64 with the MMU on: translated once, then RAM or the device at the physical address', () => {
  const TABLES = 0x8000_0000n;
  const CODE_VA = 0x4000_0000n;
  const RAM_VA = 0x5000_0000n;
  const DEVICE_VA = 0x6000_0000n;

  async function mmuSetup(words: number[]) {
    const { machine, vcpu } = await setup(words);
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x4_0000, userspaceAddr: machine.allocateBacking(0x4_0000) });
    const tables = new A64PageTables(machine, TABLES, 0x4_0000);
    tables.map({ va: CODE_VA, pa: CODE, size: 0x1000, writable: false });
    tables.map({ va: RAM_VA, pa: DATA, size: 0x1000 });
    tables.map({ va: DEVICE_VA, pa: DEVICE, size: 0x1000 });
    tables.enable(vcpu, { translate: false }).set('sctlr_el1', 1).set('pc', CODE_VA);
    return { machine, vcpu };
  }

  it('LD64B from a device page reaches read64B at the physical offset; ST64B to a RAM page stores there', async () => {
    const { machine, vcpu } = await mmuSetup([LD64B_X0_X13, ST64B_X14_X13]);
    const { device, calls } = recordingDevice(DEVICE, 0x1000, { read64B: true });
    machine.mmio.register(device);
    vcpu.set('x13', DEVICE_VA + 0x100n);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE_VA + 4n });
    expect(calls).toEqual(['read64B 256']);
    expect(registers(vcpu, 0)).toEqual(Array.from({ length: 8 }, (_, i) => doubleword(PATTERN, 8 * i, 'little')));
    setRegisters(vcpu, 14, VALUES);
    vcpu.set('x13', RAM_VA + 0x40n);
    expect(vcpu.run(1)).toEqual({ reason: 'budget', pc: CODE_VA + 8n });
    expect(machine.readBytes(DATA + 0x40n, 64)).toEqual(blockOf(VALUES, 'little'));
  });

  it('an unmapped address is a translation fault that changes nothing', async () => {
    const { vcpu } = await mmuSetup([LD64B_X0_X13]);
    setRegisters(vcpu, 0, VALUES);
    vcpu.set('x13', 0x7000_0000n);
    expect(vcpu.run(1)).toMatchObject({ reason: 'fault', pc: CODE_VA, kind: 'translation', address: 0x7000_0000n });
    expect(registers(vcpu, 0)).toEqual(VALUES);
  });
});
