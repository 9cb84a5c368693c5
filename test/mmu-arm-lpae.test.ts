import { describe, expect, it } from 'vitest';
import { ArmLpaeTables, type ArmLpaePageSize } from '../dist/src/index.js';
import { prng } from './helpers.js';
import { armWalkSetUp } from './fixtures/arm-walk.js';

const TABLES = 0x8000_0000n;
const TABLE_BYTES = 0x40_0000;
/** Long-format STATUS (ARM ARM B4.1.52), the level in bits 1:0. */
const STATUS = { translation: 0b000100, accessFlag: 0b001000, permission: 0b001100, externalWalk: 0b010100 };
const FETCH = 1n << 32n; // REC_FAULT_SYNDROME bit 32: an instruction fetch (IFSR)

/** The long-format FSR: LPAE (bit 9), STATUS | level, WnR (bit 11) for a data write, bit 32 for a fetch. */
function fsr(status: number, level: number, access: 'read' | 'write' | 'fetch' = 'read'): bigint {
  return BigInt(0x200 | status | level | (access === 'write' ? 0x800 : 0)) | (access === 'fetch' ? FETCH : 0n);
}

describe('ARMv7 long-descriptor (LPAE) walk', () => {
  it('translates thousands of random pages and blocks to 40-bit addresses as built, and faults elsewhere at the right level', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const tables = new ArmLpaeTables(machine, TABLES, TABLE_BYTES);
    tables.enable(vcpu, { translate: false });
    expect(vcpu.get('ttbcr')).toBe(0x8080_0000n); // EAE, EPD1 (T1SZ 0 leaves TTBR1 no range anyway)
    const random = prng(11);
    const mapped: Array<{ va: bigint; pa: bigint; size: ArmLpaePageSize }> = [];
    const add = (va: bigint, size: ArmLpaePageSize) => {
      const pa = ((BigInt(random.next()) << 8n) ^ BigInt(random.next())) & 0xff_ffff_f000n & ~(BigInt(size) - 1n);
      tables.map({ va, pa, size });
      mapped.push({ va, pa, size });
    };
    const used = new Set<bigint>();
    while (mapped.length < 3000) {
      const va = BigInt(random.below(0x4_0000)) * 0x1000n;
      if ((va >> 21n) % 8n === 7n || used.has(va)) continue; // every eighth 2 MiB region left unmapped
      used.add(va);
      add(va, 0x1000);
    }
    for (let i = 0; i < 150; i++) add(0x4000_0000n + BigInt(i * 3) * 0x20_0000n, 0x20_0000);
    add(0x8000_0000n, 0x4000_0000);
    add(0xc000_0000n, 0x4000_0000);
    expect(mapped.filter((m) => m.pa >= 1n << 32n).length).toBeGreaterThan(2000);
    for (const { va, pa, size } of mapped) {
      const offset = BigInt(random.below(size));
      const access = random.pick(['read', 'write', 'fetch'] as const);
      expect(translate(va + offset, access), `0x${(va + offset).toString(16)}`).toEqual({ pa: pa + offset });
    }
    let faults = 0;
    for (let i = 0; i < 4000; i++) {
      const va = BigInt(random.next() % 0x8000_0000);
      const level = tables.faultLevel(va);
      if (level === undefined) continue;
      faults++;
      const access = random.pick(['read', 'write', 'fetch'] as const);
      expect(translate(va, access), `0x${va.toString(16)}`).toEqual({ fsr: fsr(STATUS.translation, level, access), far: va });
    }
    expect(faults).toBeGreaterThan(2000);
  });

  it('checks AF, AP[2], XN and PXN, and the table attributes APTable[1], XNTable and PXNTable', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const tables = new ArmLpaeTables(machine, TABLES, TABLE_BYTES);
    tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000, writable: false });
    tables.map({ va: 0x2000n, pa: 0xa000n, size: 0x1000, executable: false });
    tables.map({ va: 0x3000n, pa: 0xb000n, size: 0x1000, privilegedExecutable: false });
    tables.map({ va: 0x4000n, pa: 0xc000n, size: 0x1000, accessed: false });
    tables.map({ va: 0x20_0000n, pa: 0x1_0000_0000n, size: 0x20_0000, accessed: false });
    tables.map({ va: 0x4000_0000n, pa: 0x40_0000_0000n - 0x4000_0000n, size: 0x4000_0000, writable: false });
    tables.map({ va: 0x8000_0000n, pa: 0xd000n, size: 0x1000 });
    tables.map({ va: 0xc000_0000n, pa: 0xe000n, size: 0x1000 });
    tables.enable(vcpu, { translate: false });
    expect(translate(0x1008n)).toEqual({ pa: 0x9008n });
    expect(translate(0x1008n, 'write')).toEqual({ fsr: fsr(STATUS.permission, 3, 'write'), far: 0x1008n });
    expect(translate(0x2008n, 'write')).toEqual({ pa: 0xa008n });
    expect(translate(0x2008n, 'fetch')).toEqual({ fsr: fsr(STATUS.permission, 3, 'fetch'), far: 0x2008n });
    expect(translate(0x3008n, 'fetch')).toEqual({ fsr: fsr(STATUS.permission, 3, 'fetch'), far: 0x3008n });
    expect(translate(0x4008n)).toEqual({ fsr: fsr(STATUS.accessFlag, 3), far: 0x4008n });
    expect(translate(0x2f_fff8n, 'write')).toEqual({ fsr: fsr(STATUS.accessFlag, 2, 'write'), far: 0x2f_fff8n });
    expect(translate(0x7fff_fff8n)).toEqual({ pa: 0x3f_ffff_fff8n });
    expect(translate(0x7fff_fff8n, 'write')).toEqual({ fsr: fsr(STATUS.permission, 1, 'write'), far: 0x7fff_fff8n });
    // Table attributes on the level-1 descriptors above 0x8000_0000 (APTable[1]) and 0xc000_0000 (XNTable, then PXNTable).
    const level1 = (va: bigint) => TABLES + (va >> 30n) * 8n;
    machine.write(level1(0x8000_0000n), 8, machine.read(level1(0x8000_0000n), 8) | (1n << 62n));
    machine.write(level1(0xc000_0000n), 8, machine.read(level1(0xc000_0000n), 8) | (1n << 60n));
    expect(translate(0x8000_0010n)).toEqual({ pa: 0xd010n });
    expect(translate(0x8000_0010n, 'write')).toEqual({ fsr: fsr(STATUS.permission, 3, 'write'), far: 0x8000_0010n });
    expect(translate(0xc000_0010n, 'write')).toEqual({ pa: 0xe010n });
    expect(translate(0xc000_0010n, 'fetch')).toEqual({ fsr: fsr(STATUS.permission, 3, 'fetch'), far: 0xc000_0010n });
    machine.write(level1(0xc000_0000n), 8, machine.read(level1(0xc000_0000n), 8) ^ (3n << 59n)); // PXNTable instead
    expect(translate(0xc000_0010n, 'fetch')).toEqual({ fsr: fsr(STATUS.permission, 3, 'fetch'), far: 0xc000_0010n });
  });

  it('splits by T0SZ/T1SZ (level-2 starts, a gap that faults at level 1), ignores the TTBR ASID, and EPD turns a walk off', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const low = new ArmLpaeTables(machine, TABLES, 0x10_0000, 2); // [0, 1 GiB), start level 2
    const high = new ArmLpaeTables(machine, TABLES + 0x10_0000n, 0x10_0000, 1, true); // [2 GiB, 4 GiB), start level 1
    expect(() => low.map({ va: 0x4000_0000n, pa: 0n, size: 0x1000 })).toThrow(/outside/);
    expect(() => low.map({ va: 0n, pa: 0n, size: 0x4000_0000 })).toThrow(/level 1/);
    low.map({ va: 0x3fe0_0000n, pa: 0x12_3440_0000n, size: 0x20_0000 });
    high.map({ va: 0x8000_0000n, pa: 0xc0_0000_0000n, size: 0x4000_0000 });
    high.map({ va: 0xffff_f000n, pa: 0x5000n, size: 0x1000 });
    low.enable(vcpu, { other: high, translate: false });
    expect(vcpu.get('ttbcr')).toBe((1n << 31n) | 2n | (1n << 16n));
    vcpu.set('ttbr0', low.root | (0xabn << 48n)).set('ttbr1', high.root | (0xcdn << 48n));
    expect(translate(0x3fff_fffcn)).toEqual({ pa: 0x12_345f_fffcn });
    expect(translate(0x8765_4321n)).toEqual({ pa: 0xc0_0765_4321n });
    expect(translate(0xffff_fffcn)).toEqual({ pa: 0x5ffcn });
    expect(translate(0x5000_0000n, 'write')).toEqual({ fsr: fsr(STATUS.translation, 1, 'write'), far: 0x5000_0000n }); // between the ranges
    expect(translate(0x3000_0000n)).toEqual({ fsr: fsr(STATUS.translation, 2), far: 0x3000_0000n });
    low.enable(vcpu, { translate: false }); // EPD1, T1SZ 0: TTBR1 is everything above 1 GiB
    expect(translate(0x8765_4321n)).toEqual({ fsr: fsr(STATUS.translation, 1), far: 0x8765_4321n });
    high.enable(vcpu, { translate: false }); // EPD0, T0SZ 0: TTBR0 is everything below 2 GiB
    expect(translate(0x3fff_fffcn, 'fetch')).toEqual({ fsr: fsr(STATUS.translation, 1, 'fetch'), far: 0x3fff_fffcn });
    expect(translate(0x8765_4321n)).toEqual({ pa: 0xc0_0765_4321n });
  });

  it('turns a table outside RAM into an external abort, a level-3 block into a translation fault, and garbage into faults or addresses', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    vcpu.set('ttbcr', 1n << 31n).set('ttbr0', 0x7000_0000n);
    expect(translate(0x1000n, 'write')).toEqual({ fsr: fsr(STATUS.externalWalk, 1, 'write'), far: 0x1000n });
    const tables = new ArmLpaeTables(machine, TABLES, TABLE_BYTES);
    tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000 });
    tables.enable(vcpu, { translate: false });
    const leaf = tables.leafAddress(0x1000n);
    machine.write(leaf, 8, machine.read(leaf, 8) & ~2n); // 0b01 at level 3: reserved
    expect(translate(0x1000n)).toEqual({ fsr: fsr(STATUS.translation, 3), far: 0x1000n });
    machine.write(TABLES, 8, 0x7000_0000n | 3n); // the level-2 table outside RAM
    expect(translate(0x1000n, 'fetch')).toEqual({ fsr: fsr(STATUS.externalWalk, 2, 'fetch'), far: 0x1000n });
    // Random descriptors pointing into (and past) the table area; every walk ends.
    const random = prng(5);
    for (let at = 0; at < TABLE_BYTES; at += 8) {
      const word = (BigInt(random.next()) << 32n) | BigInt(random.next());
      machine.write(TABLES + BigInt(at), 8, (word & ~0x00ff_ffff_7f00_0000n) | TABLES | (random.below(4) ? 0x400n : 0n));
    }
    let translated = 0;
    for (let i = 0; i < 3000; i++) {
      vcpu.set('ttbcr', (1n << 31n) | BigInt(random.next() & 0x0087_0087));
      vcpu.set('ttbr0', TABLES + BigInt(random.below(TABLE_BYTES))).set('ttbr1', (BigInt(random.next()) << 32n) | BigInt(random.next()));
      const result = translate(BigInt(random.next()), random.pick(['read', 'write', 'fetch'] as const));
      if (result.pa !== undefined) {
        translated++;
        expect(result.pa < 1n << 40n).toBe(true);
      } else {
        expect(result.fsr! & 0x200n).toBe(0x200n);
      }
    }
    expect(translated).toBeGreaterThan(20); // some garbage walks do reach a leaf
  });
});
