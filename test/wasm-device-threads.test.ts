// Devices in WebAssembly on vCPU worker threads: each thread binds the device module in
// its own core instance over the shared memory; invariants only (no timings).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine, Vcpu, VcpuThreads, PpcProgram, ppc } from '../dist/src/index.js';
import { trappingDevice } from './fixtures/device-modules.js';

const UART = 0x9000_0000;
const RAM = 0x10_0000;
const BIG = { endian: 'big' } as const;
const PER_VCPU = 32; // two vCPUs fill the 64-byte FIFO exactly: a lost or doubled byte shows

async function machineWith(bytes: Uint8Array, widths: number[]) {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: RAM, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.addWasmDevice({ name: 'dev', base: UART, size: 0x100, bytes, widths, endian: 'big' });
  return machine;
}

/** Waits until `done` holds (the guests on other threads got there), at most 20 s. */
async function until(done: () => boolean): Promise<void> {
  for (const since = performance.now(); !done() && performance.now() - since < 20_000;) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('a Wasm device on vCPU threads', () => {
  it('two vCPU threads push into one UART FIFO at once: every byte arrives once, none overruns', async () => {
    const machine = await machineWith(readFileSync(new URL('../build/devices/uart.wasm', import.meta.url)), [4]);
    machine.write(UART + 0x14, 4, 1, BIG); // loopback: transmitted bytes land in the receive FIFO
    // r3 = UART; PER_VCPU times: DATA = r4, read STATUS; then r7 = 1 and spin.
    const program = (byte: number) => new PpcProgram().emit(ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.li(4, byte), ppc.li(5, PER_VCPU), ppc.mtctr(5))
      .label('loop').emit(ppc.stw(4, 0, 3), ppc.lwz(6, 4, 3)).branchTo(ppc.bdnz, 'loop')
      .emit(ppc.li(7, 1)).label('spin').branchTo(ppc.b, 'spin');
    const vcpus = [0x41, 0x42].map((byte, index) => {
      machine.writeBytes(RAM + index * 0x1000, program(byte).bytes('big'));
      return new Vcpu(machine, index, 'ppc64be').set('pc', RAM + index * 0x1000);
    });
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'rcu' });
    await until(() => vcpus.every((vcpu) => vcpu.get('r7') === 1n));
    const reports = await threads.stop();
    expect(reports.map((report) => report.error)).toEqual([undefined, undefined]);
    expect(vcpus.map((vcpu) => vcpu.get('r7'))).toEqual([1n, 1n]);
    expect(machine.read(UART + 0x18, 4, BIG)).toBe(BigInt(2 * PER_VCPU));
    expect(machine.read(UART + 0x0c, 4, BIG) & 4n).toBe(0n); // no receive overrun
    const received = Array.from({ length: 2 * PER_VCPU }, () => Number(machine.read(UART, 4, BIG)));
    expect(received.filter((byte) => byte === 0x41)).toHaveLength(PER_VCPU);
    expect(received.filter((byte) => byte === 0x42)).toHaveLength(PER_VCPU);
  });

  it('a trap inside the device on a vCPU thread stops that vCPU with a device error; the run ends', async () => {
    const machine = await machineWith(trappingDevice(), [4]);
    const program = new PpcProgram().emit(ppc.lis(3, -0x7000), ppc.rldicl(3, 3, 0, 32), ppc.lwz(5, 4, 3), ppc.sc());
    machine.writeBytes(RAM, program.bytes('big'));
    const spin = new PpcProgram().label('spin').branchTo(ppc.b, 'spin');
    machine.writeBytes(RAM + 0x1000, spin.bytes('big'));
    new Vcpu(machine, 0, 'ppc64be').set('pc', RAM);
    new Vcpu(machine, 1, 'ppc64be').set('pc', RAM + 0x1000);
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'stop-the-world' });
    const { map } = machine;
    const exitWord = new Uint32Array(machine.memory.buffer, map.VCPU_BASE + map.REC_EXIT, 1); // vCPU 0's last exit
    await until(() => Atomics.load(exitWord, 0) === map.EXIT_DEVICE_ERROR);
    const reports = await threads.stop();
    const errors = reports.map((report) => report.error);
    expect(errors[0]).toMatch(/vCPU 0 stopped: a device handler threw \(dev at 0x90000004: RuntimeError: unreachable\) at pc 0x100008/);
    expect(errors[1]).toBeUndefined();
  });
});
