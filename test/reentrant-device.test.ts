// A device handler that calls back into the machine (issue 16, item 3): the nested
// access runs on the same record as the access that called the device, and must not
// overwrite the fragments that access has already completed.

import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, AccessError, a64, A64Program, type MmioValue } from '../dist/src/index.js';

const LOW_RAM = 0x1000n; // slot 0: [0x1000, 0x2000)
const DEVICE = 0x2000n; //  device:  [0x2000, 0x3000)
const HIGH_RAM = 0x3000n; // slot 1: [0x3000, 0x4000)
const OTHER = 0x9000n; //   a second device, [0x9000, 0x9010)

async function machineWithDevice(read: (offset: number, size: number) => MmioValue, write: (offset: number, size: number, value: MmioValue) => void = () => undefined, widths?: number[]) {
  const machine = await Machine.create({ arenaBytes: 1 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: LOW_RAM, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: HIGH_RAM, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.mmio.register({ name: 'reentrant', base: DEVICE, size: 0x1000, widths, read, write });
  machine.mmio.register({ name: 'other', base: OTHER, size: 0x10, read: (offset) => 0xc0 + offset, write: () => undefined });
  machine.writeBytes(LOW_RAM, new Uint8Array(16).fill(0xaa));
  return machine;
}

describe('a device that calls back into the machine', () => {
  it('a read straddling RAM and the device returns both halves, although the handler reads elsewhere', async () => {
    let nested = 0n;
    const machine = await machineWithDevice(() => {
      nested = machine.read(LOW_RAM, 8);
      return 0x55667788;
    });
    machine.write(DEVICE - 4n, 4, 0x11223344);
    expect(machine.read(DEVICE - 4n, 8)).toBe(0x5566778811223344n);
    expect(nested).toBe(0xaaaaaaaaaaaaaaaan);
    expect(machine.readBytes(DEVICE - 4n, 8)).toEqual(new Uint8Array([0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55]));
  });

  it('a write straddling the device and RAM lands whole, although the handler writes elsewhere', async () => {
    const seen: MmioValue[] = [];
    const machine = await machineWithDevice(() => 0, (_offset, _size, value) => {
      seen.push(value);
      machine.write(HIGH_RAM + 0x800n, 8, 0xbbbbbbbbbbbbbbbbn);
    });
    machine.write(HIGH_RAM - 4n, 8, 0x5566778811223344n);
    expect(seen).toEqual([0x11223344]);
    expect(machine.read(HIGH_RAM, 4)).toBe(0x55667788n);
    expect(machine.read(HIGH_RAM + 0x800n, 8)).toBe(0xbbbbbbbbbbbbbbbbn);
  });

  it('a device accessed a byte at a time keeps its earlier bytes while each handler reads another device', async () => {
    const machine = await machineWithDevice((offset) => {
      machine.read(OTHER, 4);
      return offset + 1;
    }, undefined, [1]);
    expect(machine.read(DEVICE, 4)).toBe(0x04030201n);
    expect(machine.read(OTHER + 4n, 4)).toBe(0xc4n);
  });

  it('a guest load straddling RAM and the device gets both halves when the handler uses the vCPU\'s own accessor', async () => {
    let vcpu: Vcpu | undefined;
    const machine = await machineWithDevice(() => {
      expect(vcpu!.core.read(LOW_RAM, 8)).toBe(0xaaaaaaaaaaaaaaaan);
      vcpu!.core.write(OTHER, 4, 7);
      return 0x55667788;
    });
    machine.write(DEVICE - 4n, 4, 0x11223344);
    const code = HIGH_RAM;
    machine.writeBytes(code, new A64Program().emit(a64.ldur(2, 1, 0), a64.svc(0)).bytes());
    vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', code).set('x1', DEVICE - 4n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('x2')).toBe(0x5566778811223344n);
  });

  it('a device that reads itself without end ends in AccessError EIO, not a stack overflow', async () => {
    const machine = await machineWithDevice(() => Number(machine.read(DEVICE, 4)));
    expect(() => machine.read(DEVICE, 4)).toThrow(AccessError);
    expect(() => machine.read(DEVICE, 4)).toThrow(expect.objectContaining({ code: 'EIO', message: expect.stringMatching(/nested 65 deep/) }));
    expect(machine.read(LOW_RAM, 8)).toBe(0xaaaaaaaaaaaaaaaan);
  });
});
