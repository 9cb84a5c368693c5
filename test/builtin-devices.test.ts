import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, VcpuThreads, PpcProgram, ppc } from '../dist/src/index.js';

const SCRATCH = 0x9000_0000n;
const COUNTER = 0x9000_1000n;

async function machineWithDevices(arenaBytes = 1 << 20) {
  const machine = await Machine.create({ vcpus: 2, arenaBytes });
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

  it('a counter read at once by two vCPU threads and the host\'s typed accessors gives each value once, across the 32-bit carry', async () => {
    const { machine } = await machineWithDevices(1 << 21);
    const BUFFERS = 0x20_0000;
    const PER_VCPU = 8000;
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: BUFFERS, memorySize: 0x20000, userspaceAddr: machine.allocateBacking(0x20000) });
    const START = 0xffff_fffen;
    machine.write(COUNTER, 8, START);
    // r3 = the devices' base; r8 = this vCPU's buffer: PER_VCPU times store the counter's next value; then r7 = 1 and spin.
    const program = (buffer: number) => new PpcProgram().emit(ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.lis(8, buffer >> 16), ppc.li(5, PER_VCPU), ppc.mtctr(5))
      .label('loop').emit(ppc.ld(5, 0x1000, 3), ppc.std(5, 0, 8), ppc.addi(8, 8, 8)).branchTo(ppc.bdnz, 'loop')
      .emit(ppc.li(7, 1)).label('spin').branchTo(ppc.b, 'spin');
    const buffers = [BUFFERS, BUFFERS + 0x10000];
    const vcpus = buffers.map((buffer, index) => {
      machine.writeBytes(0x10_0000 + index * 0x1000, program(buffer).bytes('little'));
      return new Vcpu(machine, index, 'ppc64le').set('pc', 0x10_0000 + index * 0x1000);
    });
    const counter = Number(COUNTER);
    // The host's read32 takes the counter across the carry, then everyone reads at once.
    const host: bigint[] = [BigInt(machine.read32(counter)), BigInt(machine.read32(counter))];
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64le', strategy: 'rcu' });
    const out = new Uint32Array(2);
    const since = performance.now();
    do {
      for (let i = 0; i < 100; i++) {
        host.push(BigInt(machine.read32(counter)), machine.read64(counter));
        machine.read64Parts(counter, out);
        host.push((BigInt(out[1]!) << 32n) | BigInt(out[0]!));
      }
      await new Promise((resolve) => setTimeout(resolve, 0));
    } while (!vcpus.every((vcpu) => vcpu.get('r7') === 1n) && performance.now() - since < 20_000);
    const reports = await threads.stop();
    expect(reports.map((report) => report.error)).toEqual([undefined, undefined]);
    const guest = buffers.flatMap((buffer) => Array.from({ length: PER_VCPU }, (_, k) => machine.read(buffer + 8 * k, 8)));
    // Every value from START + 1 on was taken once (read32 keeps the low 32 bits: the values stay below 2^33).
    const low = [...guest, ...host].map((value) => value & 0xffff_ffffn).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const total = BigInt(low.length);
    expect(low).toEqual(Array.from({ length: low.length }, (_, k) => (START + 1n + BigInt(k)) & 0xffff_ffffn).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    // The 64-bit reads (all but the host's read32s) are whole values, none below the carry's.
    expect([...guest, ...host.filter((_, k) => k > 1 && k % 3 !== 2)].every((value) => value > START + 1n && value <= START + total)).toBe(true);
    expect(machine.read(COUNTER, 8)).toBe(START + total + 1n);
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
