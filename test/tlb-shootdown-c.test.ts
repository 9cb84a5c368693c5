// tlb-shootdown with its guest compiled from C (guests/src/selftest.c: the migrate job,
// the architecture's own break / invalidate / make sequence, and the writer jobs):
// the migrator really moves the page, and under compare it shows what the
// hand-emitted guest shows (race-claims.test.ts). Deterministic rows only.

import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, runRow, type Row, type RowOptions } from '../dist/src/index.js';
import { setUpScenario } from '../dist/src/scenarios/index.js';
import { loadCGuest } from '../dist/src/scenarios/c-guests.js';
import { main } from '../dist/src/cli/main.js';

const ARCHES = ['aarch64', 'ppc64be'] as const;
/** The scenario's two frames (DATA_GPA, identity-mapped); the page the writers store through maps the first at the start. */
const FRAMES = [0x4000_0000n, 0x4000_1000n] as const;
const POISON = 0xdeadn;

function row(overrides: Partial<RowOptions>): Promise<Row> {
  return runRow({
    scenario: 'tlb-shootdown', arch: 'aarch64', strategy: 'naive', invalidation: 'broadcast', vcpus: 2, safepoint: 64, seed: 1,
    deterministic: true, durationMs: 0, rate: 0, updates: 100, invalidPolicy: 'exit', deviceModules: [], guest: 'c', ...overrides,
  });
}

describe('tlb-shootdown compiled from C', () => {
  it('migrates the page: the writer\'s cell follows it into the new frame and the old frame is poisoned', async () => {
    for (const arch of ARCHES) {
      await loadCGuest('tlb-shootdown', arch);
      const machine = await Machine.create({ vcpus: 2, shared: false, arenaBytes: 32 << 20 });
      const vcpus = [new Vcpu(machine, 0, arch), new Vcpu(machine, 1, arch)];
      const scenario = setUpScenario(machine, 'tlb-shootdown', { arch, vcpus: 2, guest: 'c' }, vcpus);
      const endian = arch === 'ppc64be' ? 'big' as const : 'little' as const;
      const cell = (frame: bigint) => machine.read(frame + 8n, 8, { endian });
      // The writer (vCPU 1) stores through SHARED_VA + 8 into the frame mapped first.
      expect(vcpus[1]!.run(5_000).reason, arch).toBe('budget');
      const written = scenario.accesses(1);
      expect(written, arch).toBeGreaterThan(0);
      expect(written % 2).toBe(0);
      const last = cell(FRAMES[0]);
      expect(last >> 24n, arch).toBe(2n);
      // The migrator (vCPU 0) alone, one instruction at a time until it has counted a round: 4 + 3 * 2 accesses,
      // which leaves the page in the second frame.
      for (let steps = 0; scenario.accesses(0) === 0 && steps < 5_000; steps++) expect(vcpus[0]!.run(1).reason, arch).toBe('budget');
      const moved = scenario.accesses(0);
      expect(moved, arch).toBe(10);
      expect(cell(FRAMES[1]), arch).toBe(last);
      expect(cell(FRAMES[0]), arch).toBe(POISON);
      // The writer's next stores go through the new translation, into the second frame.
      vcpus[1]!.run(5_000);
      expect(scenario.accesses(1), arch).toBeGreaterThan(written);
      expect(cell(FRAMES[1]) > last, arch).toBe(true);
      expect(scenario.errors!(), arch).toEqual([]);
    }
  });

  it('naive and kvm go stale and lose writes under broadcast, never under ipi (same seeds), on AArch64 and PowerPC', async () => {
    for (const arch of ARCHES) {
      for (const seed of [1, 2]) {
        for (const strategy of ['naive', 'kvm'] as const) {
          const broadcast = await row({ arch, seed, strategy });
          const ipi = await row({ arch, seed, strategy, invalidation: 'ipi' });
          const name = `${arch} seed ${seed} ${strategy}`;
          expect(broadcast.stale, name).toBeGreaterThan(0);
          expect(broadcast.lost, name).toBeGreaterThan(0);
          expect(broadcast.holes, name).toBeGreaterThan(0);
          expect([ipi.stale, ipi.lost], name).toEqual([0, 0]);
          expect([...broadcast.errors, ...ipi.errors], name).toEqual([]);
          expect(Math.min(broadcast.accessesPerSec, ipi.accessesPerSec), name).toBeGreaterThan(0);
        }
      }
    }
  });

  it('the safe strategies show nothing under either model', async () => {
    for (const arch of ARCHES) {
      for (const strategy of ['stop-the-world', 'mutex', 'rcu'] as const) {
        for (const invalidation of ['broadcast', 'ipi'] as const) {
          const result = await row({ arch, strategy, invalidation, vcpus: 3, updates: 40 });
          expect([result.holes, result.stale, result.lost, result.errors.length], `${arch} ${strategy}/${invalidation}`).toEqual([0, 0, 0, 0]);
          expect(result.accessesPerSec).toBeGreaterThan(0);
        }
      }
    }
  });

  it('compare --scenario tlb-shootdown --guest c: the table says C, and the JSON rows show the race under naive/broadcast only', async () => {
    let stdout = '';
    let stderr = '';
    const args = ['compare', '--scenario', 'tlb-shootdown', '--arch', 'ppc64be', '--guest', 'c', '--deterministic', '--updates', '100', '--strategies', 'naive,rcu', '--json'];
    const code = await main(args, { stdout: (t) => { stdout += t; }, stderr: (t) => { stderr += t; }, stdin: async () => '' });
    expect([code, stderr]).toEqual([0, '']);
    const rows = stdout.trim().split('\n').map((line) => JSON.parse(line) as Row & { guest: string });
    expect(rows.map((r) => `${r.strategy}/${r.invalidation}/${r.guest}`)).toEqual(['naive/broadcast/c', 'naive/ipi/c', 'rcu/broadcast/c', 'rcu/ipi/c']);
    const [naiveBroadcast, ...others] = rows;
    expect(naiveBroadcast!.stale + naiveBroadcast!.lost).toBeGreaterThan(0);
    for (const other of others) expect([other.stale, other.lost, other.errors.length], `${other.strategy}/${other.invalidation}`).toEqual([0, 0, 0]);
  });

  it('is refused on an architecture without a guest MMU, before anything runs', async () => {
    let stderr = '';
    const code = await main(['compare', '--scenario', 'tlb-shootdown', '--arch', 'thumb', '--guest', 'c', '--deterministic'], { stdout: () => {}, stderr: (t) => { stderr += t; }, stdin: async () => '' });
    expect(code).toBe(2);
    expect(stderr).toMatch(/tlb-shootdown needs a guest MMU/);
  });
});
