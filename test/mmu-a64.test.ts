import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, type A64PageSize } from '../dist/src/index.js';
import { prng, walkProbe } from './helpers.js';

const TABLES = 0x8000_0000n; // guest-physical RAM the tables live in
const TABLE_BYTES = 0x40_0000;
const FSC = { translation: 0b000100, accessFlag: 0b001000, permission: 0b001100, externalWalk: 0b010100 };

async function setUp() {
  const machine = await Machine.create({ arenaBytes: 8 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: TABLES, memorySize: TABLE_BYTES, userspaceAddr: machine.allocateBacking(TABLE_BYTES) });
  const vcpu = new Vcpu(machine, 0, 'aarch64');
  const translate = walkProbe(machine, 'a64Translate', ['esr', 'far'], vcpu);
  return { machine, vcpu, translate };
}

describe('AArch64 stage-1 walk, 4 KiB granule', () => {
  it('translates thousands of random pages and blocks as the builder mapped them, and faults elsewhere at the right level', async () => {
    const { machine, vcpu, translate } = await setUp();
    const tables = new A64PageTables(machine, TABLES, TABLE_BYTES);
    tables.enable(vcpu, { translate: false });
    const random = prng(48);
    const mapped: Array<{ va: bigint; pa: bigint; size: A64PageSize }> = [];
    const used = new Set<bigint>();
    const add = (va: bigint, size: A64PageSize) => {
      const pa = (BigInt(random.next()) << 16n) & ~(BigInt(size) - 1n) & 0x0000_ffff_ffff_f000n;
      tables.map({ va, pa, size });
      mapped.push({ va, pa, size });
    };
    // 4 KiB pages in the first 1 GiB (some 2 MiB regions left to blocks), 2 MiB blocks in the next, 1 GiB blocks above.
    while (mapped.length < 2000) {
      const va = BigInt(random.below(0x4_0000)) * 0x1000n;
      if ((va >> 21n) % 8n === 7n || used.has(va)) continue;
      used.add(va);
      add(va, 0x1000);
    }
    for (let i = 0; i < 64; i++) add(0x4000_0000n + BigInt(i * 3) * 0x20_0000n, 0x20_0000);
    for (let i = 0; i < 4; i++) add(0x1_0000_0000n + BigInt(i) * 0x8000_0000n * 2n, 0x4000_0000);
    for (const { va, pa, size } of mapped) {
      const offset = BigInt(random.below(size));
      expect(translate(va + offset)).toEqual({ pa: pa + offset });
    }
    let faults = 0;
    for (let i = 0; i < 3000; i++) {
      const va = BigInt(random.below(2 ** 31)) * 0x2000n + BigInt(random.below(4096));
      const level = tables.faultLevel(va);
      if (level === undefined) continue;
      faults++;
      const result = translate(va, 'write');
      expect(result.esr! & 0x3fn, `0x${va.toString(16)}`).toBe(BigInt(FSC.translation | level));
      expect(result.esr! >> 26n).toBe(0x25n); // data abort, same EL
      expect((result.esr! >> 6n) & 1n).toBe(1n); // WnR
      expect(result.far).toBe(va);
    }
    expect(faults).toBeGreaterThan(1000);
  });

  it('checks permissions, the access flag and dirty state, updating AF and DBM pages atomically when TCR_EL1 says so', async () => {
    const { machine, vcpu, translate } = await setUp();
    const tables = new A64PageTables(machine, TABLES, TABLE_BYTES);
    tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000, writable: false });
    tables.map({ va: 0x2000n, pa: 0xa000n, size: 0x1000, executable: false });
    tables.map({ va: 0x3000n, pa: 0xb000n, size: 0x1000, accessed: false });
    tables.map({ va: 0x4000n, pa: 0xc000n, size: 0x1000, writable: false, dirtyManaged: true });
    tables.enable(vcpu, { translate: false });
    expect(translate(0x1008n)).toEqual({ pa: 0x9008n });
    expect(translate(0x1008n, 'write').esr! & 0x3fn).toBe(BigInt(FSC.permission | 3));
    expect(translate(0x2000n, 'fetch').esr! >> 26n).toBe(0x21n); // instruction abort
    expect(translate(0x2000n, 'fetch').esr! & 0x3fn).toBe(BigInt(FSC.permission | 3));
    expect(translate(0x3000n).esr! & 0x3fn).toBe(BigInt(FSC.accessFlag | 3));
    expect(translate(0x4000n, 'write').esr! & 0x3fn).toBe(BigInt(FSC.permission | 3)); // DBM without HD
    vcpu.set('tcr_el1', tables.tcr({ hardwareAccess: true, hardwareDirty: true }));
    const leafOf = (va: bigint) => {
      // The level-3 descriptor: follow the builder's tables through guest memory.
      let table = tables.root;
      for (let level = 0; level < 3; level++) table = machine.read(table + BigInt(Number((va >> BigInt(39 - 9 * level)) & 511n) * 8), 8) & 0x0000_ffff_ffff_f000n;
      return machine.read(table + ((va >> 12n) & 511n) * 8n, 8);
    };
    expect(translate(0x3000n)).toEqual({ pa: 0xb000n });
    expect((leafOf(0x3000n) >> 10n) & 1n).toBe(1n); // AF set by the walk
    expect(translate(0x4000n, 'write')).toEqual({ pa: 0xc000n });
    expect((leafOf(0x4000n) >> 7n) & 1n).toBe(0n); // AP[2] cleared: dirty
    expect(translate(0x1008n, 'write').esr! & 0x3fn).toBe(BigInt(FSC.permission | 3)); // no DBM: still read-only
  });

  it('walks TTBR1 for the high range and refuses addresses outside both', async () => {
    const { machine, vcpu, translate } = await setUp();
    const low = new A64PageTables(machine, TABLES, TABLE_BYTES / 2);
    const high = new A64PageTables(machine, TABLES + BigInt(TABLE_BYTES / 2), TABLE_BYTES / 2, 39);
    low.map({ va: 0x5000n, pa: 0x1_2345_6000n, size: 0x1000 });
    high.map({ va: 0xffff_ff80_0000_0000n, pa: 0x4000_0000n, size: 0x4000_0000 });
    vcpu.set('ttbr0_el1', low.root).set('ttbr1_el1', high.root).set('tcr_el1', 16n | (25n << 16n) | (2n << 30n));
    expect(translate(0x5abcn)).toEqual({ pa: 0x1_2345_6abcn });
    expect(translate(0xffff_ff80_1234_5678n)).toEqual({ pa: 0x5234_5678n });
    expect(translate(0x0001_0000_0000_0000n).esr! & 0x3fn).toBe(BigInt(FSC.translation | 0)); // above TTBR0's 48 bits
    expect(translate(0xffff_0000_0000_0000n).esr! & 0x3fn).toBe(BigInt(FSC.translation | 0)); // below TTBR1's 39 bits
  });

  it('turns a table outside RAM into an external abort on the walk, and never loops', async () => {
    const { vcpu, translate } = await setUp();
    vcpu.set('ttbr0_el1', 0x7000_0000n).set('tcr_el1', 16n | (16n << 16n) | (2n << 30n));
    expect(translate(0x1000n).esr! & 0x3fn).toBe(BigInt(FSC.externalWalk | 0));
    // A table that points at itself is read once per level, four reads at most: at level
    // 3 its 0b11 entry reads as a page without the access flag, so the walk ends there.
    const self = await setUp();
    self.machine.write(TABLES, 8, TABLES | 0b11n);
    self.vcpu.set('ttbr0_el1', TABLES).set('tcr_el1', 16n | (16n << 16n) | (2n << 30n));
    expect(self.translate(0n).esr! & 0x3fn).toBe(BigInt(FSC.accessFlag | 3));
    self.machine.write(TABLES, 8, TABLES | 0b11n | (1n << 10n));
    expect(self.translate(0x123n)).toEqual({ pa: TABLES + 0x123n });
  });
});
