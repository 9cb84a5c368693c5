// A built-in device added while vCPU threads run takes over at once from the JS device
// whose address it now decodes (built-in devices are tried first), even though each
// vCPU's TLB mark for that page names the JS device: CTRL_DEVICE_GEN drops the hints.
// Invariant-only: after the host has added it, each vCPU may finish the one access it
// had in flight at the JS device, and no more.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, VcpuThreads, PpcProgram, ppc, STRATEGIES } from '../dist/src/index.js';

const DEVICE = new URL('./fixtures/shadowed-device.mjs', import.meta.url).href;

async function until(done: () => boolean, ms: number): Promise<void> {
  const since = performance.now();
  while (!done() && performance.now() - since < ms) await new Promise((resolve) => setTimeout(resolve, 2));
}

describe('guest MMIO hints on vCPU threads', () => {
  it.each(STRATEGIES.map((strategy) => [strategy]))('a built-in device added under %s gets every later access', async (strategy) => {
    const machine = await Machine.create({ vcpus: 2, arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const shared = machine.layout.arenaBase + machine.allocateBacking(0x1000);
    const words = new Int32Array(machine.memory.buffer, shared, 8);
    process.env.MEMSLOT_SHADOW_WORDS = String(shared >> 2);
    // lis r3, 0x6000; loop: lwz r5, 16(r3); addi r4, r4, 1; b loop
    const program = new PpcProgram().emit(ppc.lis(3, 0x6000), ppc.li(4, 0)).label('loop').emit(ppc.lwz(5, 16, 3), ppc.addi(4, 4, 1)).branchTo(ppc.b, 'loop');
    machine.writeBytes(0x10_0000, program.bytes('big'));
    const vcpus = [0, 1].map((index) => new Vcpu(machine, index, 'ppc64be').set('pc', 0x10_0000));
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy, devices: [DEVICE] });
    await until(() => Atomics.load(words, 4) > 100 && Atomics.load(words, 5) > 100, 10_000);
    machine.addBuiltinDevice({ kind: 'scratch', base: 0x6000_0000n, size: 0x100 });
    Atomics.store(words, 0, 1);
    const after = vcpus.map((vcpu) => vcpu.get('r4'));
    await until(() => vcpus.every((vcpu, v) => vcpu.get('r4') > after[v]! + 1000n), 10_000);
    const reports = await threads.stop();
    expect(reports.map((report) => report.error)).toEqual([undefined, undefined]);
    expect([Atomics.load(words, 4), Atomics.load(words, 5)].every((calls) => calls > 100)).toBe(true); // the JS device served them first
    expect(vcpus.every((vcpu, v) => vcpu.get('r4') > after[v]! + 1000n)).toBe(true); // they ran on
    expect([Atomics.load(words, 1), Atomics.load(words, 2)].every((late) => late <= 1)).toBe(true);
    expect(vcpus.map((vcpu) => vcpu.get('r5'))).toEqual([0n, 0n]); // the scratch device's zeros
  });
});
