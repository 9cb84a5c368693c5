// The strategies' claims, from real instruction streams in deterministic mode: fixed
// seeds for the positive findings, a sweep of 200 seeds for every zero.
import { describe, expect, it } from 'vitest';
import { runRow, type Row, type RowOptions } from '../dist/src/index.js';

const SWEEP = Array.from({ length: 200 }, (_, i) => i + 1);

function row(overrides: Partial<RowOptions>): Promise<Row> {
  return runRow({
    scenario: 'tlb-shootdown', arch: 'aarch64', strategy: 'naive', invalidation: 'broadcast', vcpus: 2, safepoint: 64, seed: 1,
    deterministic: true, durationMs: 0, rate: 0, updates: 100, invalidPolicy: 'exit', deviceModules: [], ...overrides,
  });
}

describe('tlb-shootdown: the 2012 claim', () => {
  it('naive shows stale accesses and lost writes under broadcast, none under ipi (same seed), on AArch64 and PowerPC', async () => {
    for (const [seed, arch] of [[1, 'aarch64'], [2, 'aarch64'], [3, 'aarch64'], [1, 'ppc64be'], [2, 'ppc64be'], [3, 'ppc64be']] as const) {
      const broadcast = await row({ seed, arch });
      const ipi = await row({ seed, arch, invalidation: 'ipi' });
      expect(broadcast.holes).toBeGreaterThan(0);
      expect(broadcast.stale).toBeGreaterThan(0);
      expect(broadcast.lost).toBeGreaterThan(0);
      expect(ipi.holes).toBeGreaterThan(0);
      expect([ipi.stale, ipi.lost]).toEqual([0, 0]);
      expect(broadcast.errors).toEqual([]);
    }
  });

  it('over 200 seeds (AArch64 and PowerPC alternately): naive under ipi never goes stale; stop-the-world, mutex and rcu never under either model', { timeout: 120_000 }, async () => {
    const failures: string[] = [];
    let staleUnderBroadcast = 0;
    for (const seed of SWEEP) {
      const arch = seed % 2 === 0 ? 'aarch64' : 'ppc64be';
      const naiveIpi = await row({ seed, arch, invalidation: 'ipi', updates: 24 });
      if (naiveIpi.stale !== 0 || naiveIpi.lost !== 0) failures.push(`naive/ipi ${arch} seed ${seed}: ${naiveIpi.stale} stale, ${naiveIpi.lost} lost`);
      staleUnderBroadcast += (await row({ seed, arch, updates: 24 })).stale;
      for (const strategy of ['stop-the-world', 'mutex', 'rcu'] as const) {
        for (const invalidation of ['broadcast', 'ipi'] as const) {
          const result = await row({ seed, arch, strategy, invalidation, updates: 24 });
          if (result.stale + result.lost + result.holes !== 0) failures.push(`${strategy}/${invalidation} seed ${seed}: ${JSON.stringify(result.checks)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(staleUnderBroadcast).toBeGreaterThan(0);
  });

  it('replays exactly from its seed', async () => {
    const first = await row({ seed: 7 });
    const again = await row({ seed: 7 });
    expect(again.checks).toEqual(first.checks);
    expect(again.mmioExits).toBe(first.mmioExits);
    expect((await row({ seed: 8 })).checks).not.toEqual(first.checks);
  });
});

describe("KVM's set_memory_region_test on move and delete", () => {
  for (const arch of ['ppc64be', 'ppc32be', 'aarch64', 'arm', 'thumb'] as const) {
    it(`the guest sees only the old value, the new value or an MMIO read (${arch}, every strategy)`, async () => {
      for (const scenario of ['move', 'delete']) {
        for (const strategy of ['naive', 'kvm', 'rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap'] as const) {
          const result = await row({ scenario, arch, strategy, updates: 40 });
          expect(result.checks.badValues, `${scenario}/${strategy}`).toBe(0);
          expect(result.errors).toEqual([]);
          expect(result.accessesPerSec).toBeGreaterThan(0);
        }
      }
    });
  }

  it('kvm shows holes on MOVE (the INVALID slot takes the MMIO path) and loses nothing; rcu has none', async () => {
    const kvm = await row({ scenario: 'move', arch: 'ppc64be', strategy: 'kvm' });
    expect(kvm.holes).toBeGreaterThan(0);
    expect(kvm.checks.invalid).toBeGreaterThan(0);
    expect(kvm.lost).toBe(0);
    const rcu = await row({ scenario: 'move', arch: 'ppc64be', strategy: 'rcu' });
    expect(rcu.holes).toBe(0);
  });

  it("kvm's retry policy (x86) retries instead of exiting: no holes, no INVALID exits", async () => {
    const retry = await row({ scenario: 'move', arch: 'ppc64be', strategy: 'kvm', invalidPolicy: 'retry' });
    expect(retry.checks.retries).toBeGreaterThan(0);
    expect([retry.holes, retry.checks.invalid, retry.checks.badValues]).toEqual([0, 0, 0]);
  });

  it('over 200 seeds the move sweep never shows a disallowed value or a lost write under kvm', { timeout: 60_000 }, async () => {
    const failures: number[] = [];
    for (const seed of SWEEP) {
      const result = await row({ scenario: 'move', arch: 'aarch64', strategy: 'kvm', seed, updates: 16 });
      if (result.checks.badValues + result.lost !== 0) failures.push(seed);
    }
    expect(failures).toEqual([]);
  });
});

describe('bar-remap and the writer scenarios', () => {
  it('naive and kvm open holes on the transaction; rcu, stop-the-world, the mutexes and inhibit-on-overlap do not; nothing is lost', async () => {
    for (const arch of ['ppc64be', 'arm', 'thumb'] as const) {
      const holes: Record<string, number> = {};
      for (const strategy of ['naive', 'kvm', 'rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap'] as const) {
        const result = await row({ scenario: 'bar-remap', arch, strategy, updates: 60 });
        holes[strategy] = result.holes;
        expect(result.lost, `${arch}/${strategy}`).toBe(0);
      }
      expect(holes.naive).toBeGreaterThan(0);
      const naive = await row({ scenario: 'bar-remap', arch, strategy: 'naive', updates: 60 });
      expect(naive.mmioByCause).toEqual({ hole: naive.holes, unassigned: 0, device: 0, retried: 0 });
      expect(naive.mmioExits).toBe(naive.holes);
      expect(holes.kvm).toBeGreaterThan(0);
      for (const safe of ['rcu', 'stop-the-world', 'mutex', 'mutex-rwlock', 'mutex-percpu', 'inhibit-on-overlap']) expect(holes[safe], safe).toBe(0);
    }
  });

  it('move-inactive, add-delete-stress and dirty-log-toggle never lose a write that reads back', async () => {
    for (const scenario of ['move-inactive', 'add-delete-stress', 'dirty-log-toggle']) {
      for (const strategy of ['naive', 'kvm', 'rcu', 'stop-the-world'] as const) {
        const result = await row({ scenario, arch: 'ppc64be', strategy, vcpus: 3, updates: 30 });
        expect([result.lost, result.holes, result.errors.length], `${scenario}/${strategy}`).toEqual([0, 0, 0]);
        expect(result.updates).toBe(30);
      }
    }
  });

  it('move-active sends the moved pages to the MMIO path only while the slot is away (unassigned, not holes) under rcu', async () => {
    const result = await row({ scenario: 'move-active', arch: 'aarch64', strategy: 'rcu', updates: 30, slots: 100 });
    expect(result.checks.unassigned).toBeGreaterThan(0);
    expect(result.holes).toBe(0);
  });
});

describe('bad input', () => {
  it('a device handler that throws stops its vCPU with a clear error; the other vCPU and the updater finish', async () => {
    const device = new URL('./fixtures/throwing-device.mjs', import.meta.url).href;
    const result = await row({ scenario: 'bar-remap', arch: 'ppc64be', strategy: 'naive', deviceModules: [device], updates: 60, seed: 3 });
    expect(result.updates).toBe(60);
    expect(result.errors.length).toBeGreaterThan(0);
    expect(result.errors[0]).toMatch(/device handler threw \(broken at 0x8000.*broken device/);
    expect(result.lost).toBe(0);
    expect(result.mmioByCause.device).toBeGreaterThan(0);
  });

  it('an unknown strategy, scenario or arch is refused before anything runs', async () => {
    await expect(row({ strategy: 'optimistic' as never })).rejects.toThrow(/unknown strategy "optimistic"/);
    await expect(row({ scenario: 'teleport' })).rejects.toThrow(/unknown scenario "teleport"/);
    await expect(row({ scenario: 'tlb-shootdown', arch: 'arm' })).rejects.toThrow(/needs a guest MMU/);
  });
});
