// Threaded mode: invariants that hold under every interleaving (no timings).
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { SCENARIOS, STRATEGIES, runRow, type RowOptions } from '../dist/src/index.js';

const SAFE = new Set(['rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap']);

function threaded(overrides: Partial<RowOptions>) {
  return runRow({
    scenario: 'bar-remap', arch: 'ppc64be', strategy: 'naive', invalidation: 'broadcast', vcpus: 2, safepoint: 64, seed: 1,
    deterministic: false, durationMs: 60, rate: 2000, updates: 0, invalidPolicy: 'exit', deviceModules: [], ...overrides,
  });
}

describe('vCPUs on worker threads', () => {
  it('every scenario runs with 2 vCPU threads under every strategy, ends, and the safe strategies lose nothing', { timeout: 120_000 }, async () => {
    const problems: string[] = [];
    for (const [i, scenario] of SCENARIOS.entries()) {
      const arch = i % 2 === 0 ? 'aarch64' : 'ppc64be';
      for (const strategy of STRATEGIES) {
        const invalidation = strategy.length % 2 === 0 ? 'broadcast' : 'ipi';
        const row = await threaded({ scenario, arch, strategy, invalidation });
        if (row.updates === 0 || row.accessesPerSec === 0) problems.push(`${scenario}/${strategy}: no progress`);
        if (row.errors.length > 0) problems.push(`${scenario}/${strategy}: ${row.errors.join('; ')}`);
        if (SAFE.has(strategy) && (row.lost !== 0 || row.checks.badValues !== 0)) problems.push(`${scenario}/${strategy}: ${JSON.stringify(row.checks)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('stop-the-world and the mutexes record vCPU stalls; naive never makes a vCPU wait', async () => {
    expect((await threaded({ strategy: 'naive' })).stallUs.max).toBe(0);
    for (const strategy of ['stop-the-world', 'mutex'] as const) {
      const row = await threaded({ strategy, durationMs: 150 });
      expect(row.stallUs.max, strategy).toBeGreaterThan(0);
      expect(row.stallUs.p50).toBeLessThanOrEqual(row.stallUs.max);
    }
  });

  it('a throwing device stops one vCPU thread with a clear error; the run still ends', async () => {
    const device = new URL('./fixtures/throwing-device.mjs', import.meta.url).href;
    // kvm: every update marks the BAR's slot INVALID for two grace periods, and each access
    // meanwhile takes the MMIO path to the device (naive reached it only in a rare gap, so a
    // loaded machine could run the whole row without one).
    const row = await threaded({ strategy: 'kvm', deviceModules: [device], durationMs: 400, rate: 5000 });
    expect(row.updates).toBeGreaterThan(0);
    expect(row.errors.join('\n')).toMatch(/device handler threw \(broken at 0x8000/);
  });
});

describe('compiled loops on vCPU threads', () => {
  it('run in the worker threads too, under rcu slot updates, losing no store', async () => {
    const { Machine, Vcpu, VcpuThreads, PpcProgram, ppc } = await import('../dist/src/index.js');
    const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20, jit: true });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const ram = machine.allocateBacking(0x2000);
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0x2000, userspaceAddr: ram });
    // r3 = cell; loop (compiled): std r4; ld r5; addi r4, r4, 1; bdnz, with CTR large.
    const program = (cell: number) => new PpcProgram().emit(ppc.lis(3, 0x4000), ppc.ori(3, 3, cell), ppc.li(4, 1), ppc.lis(7, 0x7fff), ppc.mtctr(7))
      .label('loop').emit(ppc.std(4, 0, 3), ppc.ld(5, 0, 3), ppc.addi(4, 4, 1)).branchTo(ppc.bdnz, 'loop');
    const vcpus = [0x0ff8, 0x1008].map((cell, index) => {
      machine.writeBytes(0x10_0000 + index * 0x1000, program(cell).bytes('big'));
      return new Vcpu(machine, index, 'ppc64be').set('pc', 0x10_0000 + index * 0x1000);
    });
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'rcu', invalidation: 'ipi' });
    const move = (to: number) => [{ slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0, userspaceAddr: ram }, { slot: to, guestPhysAddr: 0x4000_0000, memorySize: 0x2000, userspaceAddr: ram }];
    const since = performance.now();
    for (let i = 0; i < 100 || (vcpus.some((vcpu) => vcpu.get('r4') < 100_000n) && performance.now() - since < 10_000); i++) {
      threads.update(move(2));
      threads.update([{ slot: 2, guestPhysAddr: 0x4000_0000, memorySize: 0, userspaceAddr: ram }, { slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0x2000, userspaceAddr: ram }]);
    }
    const reports = await threads.stop();
    expect(reports.map((report) => report.error)).toEqual([undefined, undefined]);
    expect(threads.checks().holes).toBe(0);
    const view = new DataView(machine.memory.buffer);
    for (const vcpu of vcpus) {
      expect(vcpu.get('r4')).toBeGreaterThan(100n); // it ran
      const stopped = vcpu.get('pc') - BigInt(0x10_0000 + (vcpus.indexOf(vcpu) * 0x1000)) - 20n; // offset in the loop
      // Wherever it stopped, the last load read the last store: r5 is r4 - 1, or r4 once the store and load ran but not the addi.
      expect(vcpu.get('r4') - vcpu.get('r5') <= 1n, `stopped at ${stopped}`).toBe(true);
      const compiled = view.getInt32(vcpu.core.record + machine.map.REC_JIT_BLOCKS + 8, true);
      expect(compiled).toBeGreaterThan(0); // the worker compiled the loop
    }
  });
});

describe("Node 20's Liftoff miscompilation around memory.atomic.wait32", () => {
  it('cannot bite: the core has no atomic wait instruction (every wait is Atomics.wait in JavaScript)', () => {
    for (const flavor of ['core', 'core.debug']) {
      const text = readFileSync(new URL(`../build/${flavor}.wat`, import.meta.url), 'utf8');
      expect(text).toMatch(/memory\.atomic\.notify/); // the ack bell: the text is the real module
      expect(text).not.toMatch(/memory\.atomic\.wait(32|64)/);
    }
  });
});

describe('VcpuThreads: an embedder runs its own guests under a strategy', () => {
  it('applies transactions while the vCPU threads run; rcu shows no holes, the guests read back every write', async () => {
    const { Machine, Vcpu, VcpuThreads, PpcProgram, ppc } = await import('../dist/src/index.js');
    const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const ram = machine.allocateBacking(0x2000);
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0x1000, userspaceAddr: ram });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: 0x4000_1000, memorySize: 0x1000, userspaceAddr: ram + 0x1000 });
    // r3 = cell; loop: std r4; ld r5; r5 != r4 → r6 += 1; r4 += 1.
    const program = (cell: number) => new PpcProgram().emit(ppc.lis(3, 0x4000), ppc.ori(3, 3, cell), ppc.li(4, 1), ppc.li(6, 0))
      .label('loop').emit(ppc.std(4, 0, 3), ppc.ld(5, 0, 3), ppc.cmpd(0, 4, 5)).branchTo(ppc.beq, 'same').emit(ppc.addi(6, 6, 1))
      .label('same').emit(ppc.addi(4, 4, 1)).branchTo(ppc.b, 'loop');
    const vcpus = [0x0ff8, 0x1008].map((cell, index) => {
      machine.writeBytes(0x10_0000 + index * 0x1000, program(cell).bytes('big'));
      return new Vcpu(machine, index, 'ppc64be').set('pc', 0x10_0000 + index * 0x1000);
    });
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'rcu', invalidation: 'ipi' });
    const merge = [
      { slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0, userspaceAddr: ram },
      { slot: 2, guestPhysAddr: 0x4000_1000, memorySize: 0, userspaceAddr: ram + 0x1000 },
      { slot: 3, guestPhysAddr: 0x4000_0000, memorySize: 0x2000, userspaceAddr: ram },
    ];
    const split = [
      { slot: 3, guestPhysAddr: 0x4000_0000, memorySize: 0, userspaceAddr: ram },
      { slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0x1000, userspaceAddr: ram },
      { slot: 2, guestPhysAddr: 0x4000_1000, memorySize: 0x1000, userspaceAddr: ram + 0x1000 },
    ];
    const latencies: number[] = [];
    // At least 200 updates, and until both guests have looped a while (threads start when the OS says).
    const since = performance.now();
    for (let i = 0; i < 100 || (vcpus.some((vcpu) => vcpu.get('r4') < 1000n) && performance.now() - since < 10_000); i++) {
      latencies.push(threads.update(merge), threads.update(split));
    }
    const reports = await threads.stop();
    expect(reports.map((report) => report.error)).toEqual([undefined, undefined]);
    expect(latencies.every((us) => us > 0)).toBe(true);
    expect(threads.checks().holes).toBe(0);
    for (const vcpu of vcpus) {
      expect(vcpu.get('r4')).toBeGreaterThan(1n); // it ran
      expect(vcpu.get('r6')).toBe(0n); // every store read back
    }
    expect(machine.slots().filter((slot) => slot.slot < 0x10000).map((slot) => slot.slot)).toEqual([0, 1, 2]);
  });
});

describe('a vCPU that faults mid-run', () => {
  it('stops with a clear error while the other vCPU and stop-the-world updates carry on, nothing lost', async () => {
    const { Machine, Vcpu, VcpuThreads, PpcProgram, ppc } = await import('../dist/src/index.js');
    const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0x10_0000, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const ram = machine.allocateBacking(0x1000);
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0x1000, userspaceAddr: ram });
    // vCPU 0: counts to 500, then branches to an address with no RAM. vCPU 1: stores and reads back forever.
    const faulting = new PpcProgram().emit(ppc.li(4, 500), ppc.mtctr(4)).label('spin').branchTo(ppc.bdnz, 'spin')
      .emit(ppc.lis(5, 0x7000), ppc.mtctr(5), ppc.bctr());
    const writer = new PpcProgram().emit(ppc.lis(3, 0x4000), ppc.li(4, 1), ppc.li(6, 0))
      .label('loop').emit(ppc.std(4, 8, 3), ppc.ld(5, 8, 3), ppc.cmpd(0, 4, 5)).branchTo(ppc.beq, 'same').emit(ppc.addi(6, 6, 1))
      .label('same').emit(ppc.addi(4, 4, 1)).branchTo(ppc.b, 'loop');
    machine.writeBytes(0x10_0000, faulting.bytes('big'));
    machine.writeBytes(0x10_1000, writer.bytes('big'));
    const vcpus = [new Vcpu(machine, 0, 'ppc64be').set('pc', 0x10_0000), new Vcpu(machine, 1, 'ppc64be').set('pc', 0x10_1000)];
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'stop-the-world' });
    const remap = (gpa: number) => [{ slot: 1, guestPhysAddr: 0x4000_0000, memorySize: 0, userspaceAddr: ram }, { slot: 1, guestPhysAddr: gpa, memorySize: 0x1000, userspaceAddr: ram }];
    // Each update waits for the writer to move on (back-to-back stops would starve the
    // vCPUs, as pause_all_vcpus in a loop would), and vCPU 0 has long faulted by the end.
    const nap = new Int32Array(new SharedArrayBuffer(4));
    for (let i = 0; i < 200; i++) {
      threads.update(remap(0x4000_0000));
      const before = vcpus[1]!.get('r4');
      const since = performance.now();
      while (vcpus[1]!.get('r4') === before && performance.now() - since < 100) Atomics.wait(nap, 0, 0, 0.1);
    }
    const reports = await threads.stop();
    expect(reports[0]!.error).toMatch(/vCPU 0 stopped: fault at pc 0x70000000/);
    expect(reports[1]!.error).toBeUndefined();
    expect(vcpus[1]!.get('r4')).toBeGreaterThan(1n);
    expect(vcpus[1]!.get('r6')).toBe(0n);
    expect(threads.checks().holes).toBe(0);
  });
});
