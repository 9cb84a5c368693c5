// A device handler that never returns, on a vCPU thread: updates and stop() end within
// their deadlines, name the stuck vCPU, its pc and device, and the rest of the machine
// goes on. Invariants only: no timing is asserted beyond "it finished".
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  compare, EmuError, Machine, PpcProgram, ppc, SafePointTimeoutError, Vcpu, VcpuThreads, type MemoryRegion, type StrategyName,
} from '../dist/src/index.js';

const HANG = new URL('./fixtures/hanging-device.mjs', import.meta.url).href;
/** Answers only once the watchdog has taken the vCPU out. */
const LATE = new URL('./fixtures/late-device.mjs', import.meta.url).href;
/** One unnamed device object at 0x6000_0000 (device0) and 0x7000_0000 (device1). */
const HANG_TWICE = new URL('./fixtures/hanging-twice.mjs', import.meta.url).href;
const CODE = 0x10_0000;
const CELL = 0x4000_0000;
const DEVICE = 0x6000_0000n;
/** The pc of vCPU 1's load from the device (its second instruction). */
const STUCK_PC = BigInt(CODE + 0x1000 + 4);
const TIMEOUT_MS = 1000;

async function hangingMachine() {
  const machine = await Machine.create({ vcpus: 2, arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const ram = machine.allocateBacking(0x1000);
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: CELL, memorySize: 0x1000, userspaceAddr: ram });
  // vCPU 0: r4 counts; each turn stores it and reads it back (r6 counts mismatches).
  const counter = new PpcProgram().emit(ppc.lis(3, CELL >> 16), ppc.li(4, 1), ppc.li(6, 0))
    .label('loop').emit(ppc.std(4, 0, 3), ppc.ld(5, 0, 3), ppc.cmpd(0, 4, 5)).branchTo(ppc.beq, 'same').emit(ppc.addi(6, 6, 1))
    .label('same').emit(ppc.addi(4, 4, 1)).branchTo(ppc.b, 'loop');
  // vCPU 1: one load from the device, whose handler never returns.
  const stuck = new PpcProgram().emit(ppc.lis(3, Number(DEVICE >> 16n)), ppc.lwz(4, 0, 3), ppc.li(5, 1));
  machine.writeBytes(CODE, counter.bytes('big'));
  machine.writeBytes(CODE + 0x1000, stuck.bytes('big'));
  const vcpus = [CODE, CODE + 0x1000].map((pc, index) => new Vcpu(machine, index, 'ppc64be').set('pc', pc));
  const spare = machine.allocateBacking(0x1000);
  /** A transaction that maps (or, with size 0, deletes) slot 5 at 0x5000_0000. */
  const slot5 = (size: number): MemoryRegion[] => [{ slot: 5, guestPhysAddr: 0x5000_0000, memorySize: size, userspaceAddr: spare }];
  return { machine, vcpus, slot5 };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (const since = performance.now(); !condition(); await new Promise((resolve) => setTimeout(resolve, 5))) {
    if (performance.now() - since > 20_000) throw new Error(`gave up waiting: ${what}`);
  }
}

/** Waits until vCPU 1's thread is inside the device's handler (its record says so). */
function inDevice(machine: Machine): Promise<void> {
  const word = (machine.map.VCPU_BASE + machine.map.VCPU_RECORD_SIZE + machine.map.REC_SYNC_DEVICE) >> 2;
  return until(() => Atomics.load(new Int32Array(machine.memory.buffer), word) !== 0, 'vCPU 1 in the device');
}

/** vCPU 0 keeps counting, and every store it makes reads back. */
async function stillCounts(vcpu: Vcpu): Promise<void> {
  const from = vcpu.get('r4');
  await until(() => vcpu.get('r4') > from + 1000n, 'vCPU 0 counting');
  expect(vcpu.get('r6')).toBe(0n);
}

const stuckVcpu = { vcpu: 1, pc: STUCK_PC, device: 'hang', gpa: DEVICE };

describe('a device handler that never returns', () => {
  for (const strategy of ['rcu', 'stop-the-world', 'mutex'] as StrategyName[]) {
    it(`${strategy}: the update ends with SafePointTimeoutError naming the vCPU, pc and device; the table and vCPU 0 go on`, { timeout: 90_000 }, async () => {
      const { machine, vcpus, slot5 } = await hangingMachine();
      const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy, devices: [HANG], updateTimeoutMs: TIMEOUT_MS, stopTimeoutMs: TIMEOUT_MS });
      await inDevice(machine);
      let error: unknown;
      try {
        threads.update(slot5(0x1000));
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(SafePointTimeoutError);
      const timeout = error as SafePointTimeoutError;
      expect(timeout.code).toBe('ETIMEDOUT');
      expect(timeout.vcpus).toEqual([stuckVcpu]);
      expect(timeout.message).toMatch(/vCPU 1 did not reach a safe point within 1000 ms \(in device hang at 0x60000000, pc 0x101004\)/);
      // The update was applied once vCPU 1 was out of the way; the next ones apply without error.
      expect(machine.slot(5)?.memorySize).toBe(0x1000n);
      threads.update(slot5(0));
      threads.update(slot5(0x1000));
      expect(machine.slots().filter((slot) => slot.slot < 0x10000).map((slot) => slot.slot)).toEqual([0, 1, 5]);
      await stillCounts(vcpus[0]!);
      const reports = await threads.stop();
      expect(reports[0]!.error).toBeUndefined();
      expect(reports[1]!.stuck).toEqual(stuckVcpu);
      expect(reports[1]!.error).toBe(timeout.detail);
      // After the run, vCPU 0 runs on this thread as before.
      const before = vcpus[0]!.get('r4');
      expect(vcpus[0]!.run(1000).reason).toBe('budget');
      expect(vcpus[0]!.get('r4')).toBeGreaterThan(before);
    });
  }

  it('naive: updates never wait; stop() resolves, terminating the stuck vCPU with its pc and device', { timeout: 90_000 }, async () => {
    const { machine, vcpus, slot5 } = await hangingMachine();
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'naive', devices: [HANG], updateTimeoutMs: TIMEOUT_MS, stopTimeoutMs: TIMEOUT_MS });
    await inDevice(machine);
    for (let i = 0; i < 10; i++) threads.update(slot5(i % 2 === 0 ? 0x1000 : 0));
    expect(machine.slot(5)).toBeUndefined();
    await stillCounts(vcpus[0]!);
    const reports = await threads.stop();
    expect(reports[0]!.error).toBeUndefined();
    expect(reports[1]!.stuck).toEqual(stuckVcpu);
    expect(reports[1]!.error).toMatch(/vCPU 1 did not reach a safe point within 1000 ms \(in device hang at 0x60000000, pc 0x101004\): terminated/);
    machine.setUserMemoryRegion(slot5(0x1000)[0]!);
    expect(machine.slot(5)?.memorySize).toBe(0x1000n);
  });

  it('names the registration the stuck access went to when one device object is registered twice', { timeout: 90_000 }, async () => {
    const { machine } = await hangingMachine();
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'naive', devices: [HANG_TWICE], stopTimeoutMs: TIMEOUT_MS });
    await inDevice(machine);
    const reports = await threads.stop();
    expect(reports[1]!.stuck).toEqual({ ...stuckVcpu, device: 'device0' });
  });

  it('a handler on the register path that returns after the watchdog took its vCPU out ends the run there', { timeout: 90_000 }, async () => {
    const { machine, vcpus } = await hangingMachine();
    // vCPU 1: r5 counts the loads from the device that completed; its 301st waits for the watchdog.
    const loads = new PpcProgram().emit(ppc.lis(3, Number(DEVICE >> 16n)), ppc.li(5, 0))
      .label('loop').emit(ppc.lwz(4, 0, 3), ppc.addi(5, 5, 1)).branchTo(ppc.b, 'loop');
    machine.writeBytes(CODE + 0x1000, loads.bytes('big'));
    process.env.MEMSLOT_LATE_STATE = String((machine.map.VCPU_BASE + machine.map.VCPU_RECORD_SIZE + machine.map.REC_SYNC_STATE) >> 2);
    process.env.MEMSLOT_LATE_OUTSIDE = String(machine.map.VCPU_OUTSIDE);
    const threads = await VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'naive', devices: [LATE], stopTimeoutMs: TIMEOUT_MS });
    await until(() => vcpus[1]!.get('r5') === 300n, 'vCPU 1 at its 301st load');
    await inDevice(machine);
    const reports = await threads.stop();
    expect(reports[1]!.stuck?.device).toBe('late');
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The late load neither completed nor let the loop run on (1 from a little-endian device: 0x0100_0000 to a big-endian lwz).
    expect([vcpus[1]!.get('r4'), vcpus[1]!.get('r5')]).toEqual([0x0100_0000n, 300n]);
  });

  it('compare reports the rows whose vCPUs hung as errors and runs the others', { timeout: 120_000 }, async () => {
    // kvm's INVALID windows send accesses to the BAR's device on every update; naive reaches
    // it only in rare gaps, which a loaded machine can miss in a short row.
    const strategies: StrategyName[] = ['kvm', 'rcu'];
    const rows = await compare({
      scenario: 'bar-remap', arch: 'ppc64be', strategies, invalidation: 'broadcast', duration: 0.4, rate: 5000, devices: [HANG], timeoutMs: TIMEOUT_MS,
    });
    expect(rows.map((row) => row.strategy)).toEqual(strategies);
    // kvm's INVALID slots send accesses to the BAR's device, which hangs.
    for (const row of rows.filter((row) => row.strategy !== 'rcu')) {
      expect(row.errors.length, row.strategy).toBeGreaterThan(0);
      for (const error of row.errors) expect(error).toMatch(/^vCPU \d did not reach a safe point within 1000 ms \(in device bar-hang at 0x8000[0-9a-f]{4}, pc 0x[0-9a-f]+\): terminated$/);
    }
  });

  it('compare --timeout on the command line: the hung row is reported, the table still printed, exit 1', { timeout: 120_000 }, () => {
    const bin = fileURLToPath(new URL('../bin/memslot-emu.js', import.meta.url));
    const run = spawnSync(process.execPath, [bin, 'compare', '--strategies', 'kvm,rcu', '--invalidation', 'broadcast', '--duration', '0.4',
      '--rate', '5000', '--device', fileURLToPath(HANG), '--timeout', '800'], { encoding: 'utf8', timeout: 110_000 });
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^rcu +broadcast/m);
    expect(run.stderr).toMatch(/kvm\/broadcast: vCPU \d did not reach a safe point within 800 ms \(in device bar-hang/);
    const refused = spawnSync(process.execPath, [bin, 'compare', '--timeout', '0'], { encoding: 'utf8' });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/timeoutMs/);
  });

  it('rejects deadlines that are not positive numbers of ms, starting nothing', async () => {
    const { machine } = await hangingMachine();
    const slots = machine.slots();
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      await expect(VcpuThreads.onMachine(machine, { arch: 'ppc64be', strategy: 'rcu', updateTimeoutMs: bad })).rejects.toThrow(EmuError);
      await expect(compare({ timeoutMs: bad })).rejects.toThrow(/option timeoutMs/);
    }
    expect(machine.slots()).toEqual(slots);
  });
});
