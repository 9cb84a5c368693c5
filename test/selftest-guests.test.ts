// KVM's selftest guest code compiled from C (guests/src/selftest.c) as scenario guests:
// every C scenario on every architecture under naive and a safe strategy, with the
// invariants the hand-emitted guests' tests assert; a guest assertion that fails
// surfaces with its file and line; `compare --guest c`. Deterministic rows only.

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Machine, SCENARIO_ARCHES, Vcpu, runRow, type Row, type RowOptions } from '../dist/src/index.js';
import { setUpScenario } from '../dist/src/scenarios/index.js';
import { C_GUESTS, loadCGuest } from '../dist/src/scenarios/c-guests.js';
import { main } from '../dist/src/cli/main.js';

/** The C scenarios every architecture runs (tlb-shootdown needs a guest MMU: test/tlb-shootdown-c.test.ts). */
const C_SCENARIOS = Object.entries(C_GUESTS).filter(([name, entry]) => 'program' in entry && name !== 'tlb-shootdown').map(([name]) => name);
const SOURCE = readFileSync(new URL('../guests/src/selftest.c', import.meta.url), 'utf8').split('\n');
/** The lines of the reader's and rw's assertions in the source (what a failure must name). */
const READER_ASSERT_LINE = SOURCE.findIndex((line) => line.includes('SELFTEST_ASSERT(job, allowed_value(')) + 1;
const RW_ASSERT_LINE = SOURCE.findIndex((line) => line.includes('SELFTEST_ASSERT(job, value == val2')) + 1;
const AREA = 0x4000_0000n;

/** How GCC's __builtin_trap (the guest assertion's stop) ends a run: tw on PowerPC and BRK on AArch64 are traps (a fault exit), AArch32's UDF is undefined. */
function assertionTrapExit(arch: string): 'fault' | 'undefined' {
  return arch.startsWith('ppc') || arch === 'aarch64' ? 'fault' : 'undefined';
}
const PAGE = 4096n;

/** A scenario set up on a one-vCPU machine, stepped by hand: the guest runs, then the host's afterUpdate. */
async function byHand(scenario: string, arch: (typeof SCENARIO_ARCHES)[number], guest: 'asm' | 'c') {
  if (guest === 'c') await loadCGuest(scenario, arch);
  const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 32 << 20 });
  const vcpus = [new Vcpu(machine, 0, arch)];
  const run = setUpScenario(machine, scenario, { arch, vcpus: 1, guest }, vcpus);
  const endian = arch.startsWith('ppc') ? 'big' as const : 'little' as const;
  const wordBytes = arch === 'ppc64be' || arch === 'aarch64' ? 8 : 4;
  return { machine, vcpu: vcpus[0]!, run, endian, wordBytes };
}

function row(overrides: Partial<RowOptions>): Promise<Row> {
  return runRow({
    scenario: 'move', arch: 'ppc64be', strategy: 'naive', invalidation: 'broadcast', vcpus: 2, safepoint: 64, seed: 1,
    deterministic: true, durationMs: 0, rate: 0, updates: 24, invalidPolicy: 'exit', deviceModules: [], guest: 'c', ...overrides,
  });
}

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: async () => '' });
  return { code, stdout, stderr };
}

describe('C selftest guests under compare', () => {
  it('cover every scenario: tlb-shootdown (tested on its own) and those every architecture runs', () => {
    expect(C_GUESTS['tlb-shootdown']).toEqual({ program: 'selftest' });
    expect(C_SCENARIOS.sort()).toEqual(['add-delete-stress', 'bar-remap', 'delete', 'dirty-log-toggle', 'map', 'move', 'move-active', 'move-inactive', 'rw', 'unmap']);
  });

  for (const arch of SCENARIO_ARCHES) {
    it(`every C scenario on ${arch}: the guest runs and checks itself; rcu opens no hole and loses nothing under either model`, async () => {
      for (const scenario of C_SCENARIOS) {
        const naive = await row({ scenario, arch });
        expect(naive.errors, `${scenario}/naive`).toEqual([]);
        expect(naive.accessesPerSec, `${scenario}/naive`).toBeGreaterThan(0);
        expect(naive.checks.badValues, `${scenario}/naive`).toBe(0);
        expect(naive.updates).toBe(24);
        for (const invalidation of ['broadcast', 'ipi'] as const) {
          const rcu = await row({ scenario, arch, strategy: 'rcu', invalidation });
          expect(rcu.errors, `${scenario}/rcu/${invalidation}`).toEqual([]);
          expect(rcu.accessesPerSec).toBeGreaterThan(0);
          expect([rcu.holes, rcu.stale, rcu.lost, rcu.checks.badValues], `${scenario}/rcu/${invalidation}`).toEqual([0, 0, 0, 0]);
        }
      }
    });
  }

  it('show what the hand-emitted guests show: naive and kvm open holes on move and bar-remap, nothing is lost where no update touches the writes', async () => {
    for (const arch of ['ppc32be', 'aarch64', 'thumb'] as const) {
      for (const scenario of ['move', 'bar-remap']) {
        for (const strategy of ['naive', 'kvm'] as const) {
          const result = await row({ scenario, arch, strategy, updates: 40 });
          expect(result.holes, `${arch} ${scenario}/${strategy}`).toBeGreaterThan(0);
          expect(result.errors).toEqual([]);
        }
        const stopped = await row({ scenario, arch, strategy: 'stop-the-world', updates: 40 });
        expect([stopped.holes, stopped.lost, stopped.errors.length], `${arch} ${scenario}/stop-the-world`).toEqual([0, 0, 0]);
      }
      for (const scenario of ['move-inactive', 'add-delete-stress', 'dirty-log-toggle']) {
        const result = await row({ scenario, arch, strategy: 'kvm', vcpus: 3 });
        expect([result.lost, result.holes, result.errors.length], `${arch} ${scenario}/kvm`).toEqual([0, 0, 0]);
      }
    }
  });

  it('count the same accesses as their loops make: a writer that reads back makes two per store', async () => {
    await loadCGuest('add-delete-stress', 'aarch64');
    const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 32 << 20 });
    const vcpus = [new Vcpu(machine, 0, 'aarch64')];
    const scenario = setUpScenario(machine, 'add-delete-stress', { arch: 'aarch64', vcpus: 1, guest: 'c' }, vcpus);
    expect(scenario.accesses(0)).toBe(0);
    vcpus[0]!.run(20_000);
    const accesses = scenario.accesses(0);
    expect(accesses).toBeGreaterThan(16);
    expect(accesses % 2).toBe(0);
    // The writer's cells (vCPU 0's column of 16 pages from 0x40000000) hold its sequence numbers, the last store the
    // highest: the last counted one, or the one after it when the run stopped between a store and its count.
    const cells = Array.from({ length: 16 }, (_, page) => machine.read(0x4000_0000n + BigInt(page * 4096), 8));
    const stores = BigInt(accesses / 2);
    expect([(1n << 24n) + stores - 1n, (1n << 24n) + stores]).toContain(cells.reduce((a, b) => (a > b ? a : b)));
  });
});

describe("memslot_perf_test's map, unmap and rw", () => {
  for (const guest of ['asm', 'c'] as const) {
    it(`go one step per host step, and the host's checks pass (${guest})`, async () => {
      const perRound = { map: 16, unmap: 2, rw: 16 + 2 * 16 };
      for (const arch of ['ppc64be', 'ppc32be', 'aarch64', 'thumb'] as const) {
        for (const scenario of ['map', 'unmap', 'rw'] as const) {
          const { vcpu, run } = await byHand(scenario, arch, guest);
          // Without the host the guest waits at the end of its first step.
          vcpu.run(40_000);
          const firstStep = run.accesses(0);
          expect(firstStep, `${arch} ${scenario}`).toBe(scenario === 'map' ? 8 : scenario === 'unmap' ? 1 : 16);
          vcpu.run(40_000);
          expect(run.accesses(0)).toBe(firstStep);
          for (let n = 0; n < 20; n++) {
            run.afterUpdate(n);
            vcpu.run(40_000);
          }
          // 20 host steps: 10 rounds, and the first step of the 11th.
          expect(run.accesses(0), `${arch} ${scenario}`).toBe(10 * perRound[scenario] + firstStep);
          expect(run.errors!(), `${arch} ${scenario}`).toEqual([]);
        }
      }
    });
  }

  it('rw: a page whose middle lacks the host\'s VAL_2 fails the guest\'s check (C: assertion with file and line; asm: HC_BAD_VALUE)', async () => {
    for (const guest of ['asm', 'c'] as const) {
      const { machine, vcpu, run, endian, wordBytes } = await byHand('rw', 'aarch64', guest);
      vcpu.run(40_000);
      run.afterUpdate(0);
      machine.write(AREA + 3n * PAGE + PAGE / 2n, wordBytes, 0x77, { endian });
      const exit = vcpu.run(40_000);
      expect(exit.reason, guest).toBe('hypercall');
      if (guest === 'asm') expect(run.accesses(0)).toBe(16 + 2 * 3);
      if (guest === 'c') {
        expect(vcpu.run(40_000).reason).toBe(assertionTrapExit('aarch64'));
        expect(run.errors!()).toEqual([`vCPU 0: guest assertion failed at selftest.c:${RW_ASSERT_LINE}: value == val2 (values 0x77, 0x23456789)`]);
      }
    }
  });

  it('map: the host finds a page the guest did not write and says which', async () => {
    const { machine, vcpu, run, endian, wordBytes } = await byHand('map', 'ppc32be', 'c');
    vcpu.run(40_000);
    machine.write(AREA + 7n * PAGE, wordBytes, 0, { endian });
    run.afterUpdate(0);
    expect(run.errors!()).toEqual(["host check failed: page 7 of vCPU 0's area holds 0x0, the guest wrote 0x12345678"]);
  });
});

describe('a failed guest assertion', () => {
  it('stops the vCPU and names the file and line of the check, on every architecture', async () => {
    for (const arch of SCENARIO_ARCHES) {
      await loadCGuest('move', arch);
      const machine = await Machine.create({ vcpus: 1, shared: false, arenaBytes: 32 << 20 });
      const vcpus = [new Vcpu(machine, 0, arch)];
      const scenario = setUpScenario(machine, 'move', { arch, vcpus: 1, guest: 'c' }, vcpus);
      expect(vcpus[0]!.run(1000).reason).toBe('budget');
      expect(scenario.errors!()).toEqual([]);
      // A value set_memory_region_test never allows: neither the old nor the new contents, nor an MMIO read.
      const wordBytes = arch === 'ppc64be' || arch === 'aarch64' ? 8 : 4;
      machine.write(0xc000_0000n, wordBytes, 0x1234, { endian: arch.startsWith('ppc') ? 'big' : 'little' });
      const exits: string[] = [];
      for (let exit = vcpus[0]!.run(1000); ; exit = vcpus[0]!.run(1000)) {
        exits.push(exit.reason);
        if (exit.reason !== 'budget' && exit.reason !== 'hypercall') break;
      }
      // The race checker's hypercall first (HC_BAD_VALUE), then the trap that ends the run.
      expect(exits.slice(-2), arch).toEqual(['hypercall', assertionTrapExit(arch)]);
      const [error] = scenario.errors!();
      expect(error, arch).toMatch(new RegExp(`^vCPU 0: guest assertion failed at selftest\\.c:${READER_ASSERT_LINE}: allowed_value\\(value, old_value, new_value\\) \\(values 0x1234, 0x55555555\\)$`));
    }
  });

  it('is a row error, and the checker counts the bad value: a device answering in the deleted slot\'s place', async () => {
    // While `delete` has the slot gone, this device answers the reader's loads with a value KVM's test rejects (0, in either byte order).
    const device = `data:text/javascript,${encodeURIComponent(
      "export default (bus) => bus.register({ name: 'impostor', base: 0xc0000000n, size: 0x10000, widths: [1, 2, 4, 8], read: () => 0, write() {} });",
    )}`;
    for (const arch of ['ppc64be', 'arm'] as const) {
      const result = await row({ scenario: 'delete', arch, deviceModules: [device], vcpus: 1, updates: 40 });
      expect(result.checks.badValues, arch).toBe(1);
      expect(result.errors, arch).toHaveLength(2);
      expect(result.errors[0]).toContain(`guest assertion failed at selftest.c:${READER_ASSERT_LINE}: allowed_value(value, old_value, new_value) (values 0x0, 0x55555555)`);
      expect(result.errors[1]).toMatch(/^vCPU 0 stopped: (fault|undefined instruction)/);
    }
  });
});

describe('compare --guest', () => {
  it('c runs the C guests and says so; the JSON rows name the guest kind', async () => {
    const table = await run(['compare', '--scenario', 'move', '--arch', 'ppc32be', '--guest', 'c', '--deterministic', '--updates', '20', '--strategies', 'naive,rcu']);
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^move on ppc32be, guest code compiled from C \(KVM selftests\), 2 vCPUs, deterministic/);
    const rows = table.stdout.split('\n').filter((line) => /^(naive|rcu) /.test(line));
    expect(rows).toHaveLength(4);
    const json = await run(['compare', '--scenario', 'dirty-log-toggle', '--arch', 'arm', '--guest', 'c', '--deterministic', '--updates', '10', '--strategies', 'kvm', '--invalidation', 'ipi', '--json']);
    expect(json.code).toBe(0);
    const [line] = json.stdout.trim().split('\n').map((text) => JSON.parse(text));
    expect(line).toMatchObject({ scenario: 'dirty-log-toggle', arch: 'arm', strategy: 'kvm', guest: 'c', updates: 10, lost: 0, errors: [] });
    expect(line.accessesPerSec).toBeGreaterThan(0);
    const asm = await run(['compare', '--scenario', 'move', '--deterministic', '--updates', '5', '--strategies', 'rcu', '--invalidation', 'ipi', '--json']);
    expect(JSON.parse(asm.stdout).guest).toBe('asm');
  });

  it('refuses an unknown kind, before anything runs', async () => {
    const unknown = await run(['compare', '--guest', 'rust', '--deterministic']);
    expect(unknown.code).toBe(2);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/option guest: unknown guest kind "rust"; one of asm, c/);
    await expect(row({ guest: 'rust' as never })).rejects.toThrow(/unknown guest kind "rust"/);
  });

  it('is in the help', async () => {
    const help = await run(['help', 'compare']);
    expect(help.stdout).toMatch(/--guest K +asm \| c:/);
  });
});
