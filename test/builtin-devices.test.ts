import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, PpcProgram, ppc } from '../dist/src/index.js';

const SCRATCH = 0x9000_0000n;
const COUNTER = 0x9000_1000n;

async function machineWithDevices() {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 1 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const scratch = machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH, size: 0x100 });
  machine.addBuiltinDevice({ kind: 'counter', base: COUNTER, size: 8 });
  return { machine, scratch };
}

describe('built-in devices (MMIO served inside the core)', () => {
  it('a scratch device reads back what was written, from the host and from guest code, with no JS handler', async () => {
    const { machine, scratch } = await machineWithDevices();
    machine.write(SCRATCH + 8n, 4, 0xcafe_f00d, { endian: 'big' });
    expect(machine.read(SCRATCH + 8n, 4, { endian: 'big' })).toBe(0xcafe_f00dn);
    expect([...machine.backing(scratch + 8, 4)]).toEqual([0xca, 0xfe, 0xf0, 0x0d]);
    const program = new PpcProgram().emit(
      ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.li(4, 0x1234), ppc.stw(4, 0x20, 3), ppc.lwz(5, 0x20, 3), ppc.lwz(6, 8, 3), ppc.sc());
    machine.writeBytes(0x10_0000, program.bytes('big'));
    const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', 0x10_0000);
    expect(vcpu.run(100).reason).toBe('hypercall');
    expect([vcpu.get('r5'), vcpu.get('r6')]).toEqual([0x1234n, 0xcafe_f00dn]);
    expect(vcpu.core.counters().mmio).toBeGreaterThanOrEqual(3n);
  });

  it('a counter gives every read, from any vCPU, the next value; a write sets it', async () => {
    const { machine } = await machineWithDevices();
    const loop = new PpcProgram().emit(ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.li(4, 100), ppc.mtctr(4))
      .label('loop').emit(ppc.ld(5, 0x1000, 3)).branchTo(ppc.bdnz, 'loop').emit(ppc.sc());
    machine.writeBytes(0x10_0000, loop.bytes('little')); // the counter register is little-endian
    const vcpus = [0, 1].map((index) => new Vcpu(machine, index, 'ppc64le').set('pc', 0x10_0000));
    for (const vcpu of vcpus) expect(vcpu.run(1000).reason).toBe('hypercall');
    expect(vcpus.map((vcpu) => vcpu.get('r5'))).toEqual([100n, 200n]);
    machine.write(COUNTER, 8, 41n);
    expect(machine.read(COUNTER, 8)).toBe(42n);
  });

  it('refuses overlapping or malformed devices and leaves the others working', async () => {
    const { machine } = await machineWithDevices();
    expect(() => machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH + 0x80n, size: 0x100 })).toThrow(/overlaps/);
    expect(() => machine.addBuiltinDevice({ kind: 'scratch', base: 0xa000_0000n, size: 0 })).toThrow(/builtin device size/);
    machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH, size: 0x100, addressSpace: 1 });
    machine.write(SCRATCH, 1, 7);
    expect(machine.read(SCRATCH, 1)).toBe(7n);
    expect(() => machine.read(0xa000_0000n, 4)).toThrow(/no RAM slot/);
  });
});
