import { describe, expect, it } from 'vitest';
import { ArmShortTables, type ArmShortPageSize } from '../dist/src/index.js';
import { prng } from './helpers.js';
import { armWalkSetUp } from './fixtures/arm-walk.js';

const TABLES = 0x8000_0000n; // guest-physical RAM the tables live in
const TABLE_BYTES = 0x40_0000;
/** Fault status FS[4:0] (ARM ARM B4.1.52), section (level 1) / page (level 2). */
const FS = {
  translation: [0b00101, 0b00111], accessFlag: [0b00011, 0b00110], domain: [0b01001, 0b01011],
  permission: [0b01101, 0b01111], externalWalk: [0b01100, 0b01110],
} as const;
const FETCH = 1n << 32n; // REC_FAULT_SYNDROME bit 32: an instruction fetch (IFSR)

/** The DFSR a data abort records: FS[4] at bit 10, FS[3:0], the domain in bits 7:4, WnR at bit 11. */
function dfsr(fs: number, domain: number, write: boolean): bigint {
  return BigInt(((fs & 0x10) << 6) | (fs & 15) | (domain << 4) | (write ? 0x800 : 0));
}

describe('ARMv7 short-descriptor walk', () => {
  it('translates thousands of random pages, large pages, sections and supersections as built, and faults elsewhere with DFSR/IFSR and DFAR/IFAR', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const tables = new ArmShortTables(machine, TABLES, TABLE_BYTES);
    tables.enable(vcpu, { translate: false });
    const random = prng(7);
    const mapped: Array<{ va: bigint; pa: bigint; size: ArmShortPageSize }> = [];
    const domainOfMiB = new Map<bigint, number>();
    const add = (va: bigint, size: ArmShortPageSize, paBits = 32n) => {
      const mib = va >> 20n;
      if (!domainOfMiB.has(mib)) domainOfMiB.set(mib, size === 0x100_0000 ? 0 : random.below(16));
      const pa = ((BigInt(random.next()) << 8n) ^ BigInt(random.next())) & ((1n << paBits) - 1n) & ~(BigInt(size) - 1n);
      tables.map({ va, pa, size, domain: domainOfMiB.get(mib)! });
      mapped.push({ va, pa, size });
    };
    // The first GiB: 4 KiB pages in even MiBs, 64 KiB pages in odd ones; sections in the
    // second GiB; supersections (40-bit output) above.
    const used = new Set<bigint>();
    while (mapped.length < 3000) {
      const large = random.below(8) === 0;
      const va = large ? (BigInt(random.below(512)) * 2n + 1n) * 0x10_0000n + BigInt(random.below(16)) * 0x1_0000n
        : BigInt(random.below(512)) * 0x20_0000n + BigInt(random.below(256)) * 0x1000n;
      if (used.has(va)) continue;
      used.add(va);
      add(va, large ? 0x1_0000 : 0x1000);
    }
    for (let i = 0; i < 300; i++) add(0x4000_0000n + BigInt(i * 3) * 0x10_0000n, 0x10_0000);
    for (let i = 0; i < 40; i++) add(0x8000_0000n + BigInt(i * 3) * 0x100_0000n, 0x100_0000, 40n);
    expect(mapped.filter((m) => m.pa >= 1n << 32n).length).toBeGreaterThan(20);
    for (const { va, pa, size } of mapped) {
      const offset = BigInt(random.below(size));
      const access = random.pick(['read', 'write', 'fetch'] as const);
      expect(translate(va + offset, access), `0x${(va + offset).toString(16)}`).toEqual({ pa: pa + offset });
    }
    let faults = 0;
    for (let i = 0; i < 4000; i++) {
      const va = BigInt(random.next()) & ~3n;
      const level = tables.faultLevel(va);
      if (level === undefined) continue;
      faults++;
      const domain = level === 2 ? domainOfMiB.get(va >> 20n)! : 0;
      expect(translate(va, 'write'), `0x${va.toString(16)}`).toEqual({ fsr: dfsr(FS.translation[level - 1], domain, true), far: va });
      expect(translate(va, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.translation[level - 1]), far: va });
    }
    expect(faults).toBeGreaterThan(2000);
  });

  it('applies DACR: no access and the reserved value fault with the domain, a manager skips AP, XN and PXN, a client checks them', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const tables = new ArmShortTables(machine, TABLES, TABLE_BYTES);
    tables.map({ va: 0x10_0000n, pa: 0x1000_0000n, size: 0x10_0000, domain: 1 });
    tables.map({ va: 0x20_0000n, pa: 0x1010_0000n, size: 0x10_0000, domain: 2, ap: 0b000, executable: false });
    tables.map({ va: 0x30_0000n, pa: 0x1020_0000n, size: 0x1000, domain: 3, writable: false, privilegedExecutable: false });
    tables.map({ va: 0x40_0000n, pa: 0x1030_0000n, size: 0x10_0000, domain: 4, writable: false, executable: false });
    // Domain 1 no access, 2 manager, 3 the reserved 0b10, 4 client.
    tables.enable(vcpu, { dacr: (0b00n << 2n) | (0b11n << 4n) | (0b10n << 6n) | (0b01n << 8n), translate: false });
    expect(translate(0x10_0004n, 'write')).toEqual({ fsr: dfsr(FS.domain[0], 1, true), far: 0x10_0004n });
    expect(translate(0x10_0004n, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.domain[0]), far: 0x10_0004n });
    expect(translate(0x20_0010n, 'write')).toEqual({ pa: 0x1010_0010n }); // AP 0b000 would be no access
    expect(translate(0x20_0010n, 'fetch')).toEqual({ pa: 0x1010_0010n }); // and XN would forbid it
    expect(translate(0x30_0008n)).toEqual({ fsr: dfsr(FS.domain[1], 3, false), far: 0x30_0008n });
    expect(translate(0x40_0008n)).toEqual({ pa: 0x1030_0008n });
    expect(translate(0x40_0008n, 'write')).toEqual({ fsr: dfsr(FS.permission[0], 4, true), far: 0x40_0008n });
    expect(translate(0x40_0008n, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.permission[0]), far: 0x40_0008n });
    vcpu.set('dacr', 0b11n << 6n); // domain 3 manager: the read-only, PXN page is writable and executable
    expect(translate(0x30_0008n, 'write')).toEqual({ pa: 0x1020_0008n });
    expect(translate(0x30_0008n, 'fetch')).toEqual({ pa: 0x1020_0008n });
    vcpu.set('dacr', 0b01n << 6n);
    expect(translate(0x30_0008n, 'write')).toEqual({ fsr: dfsr(FS.permission[1], 3, true), far: 0x30_0008n });
    expect(translate(0x30_0008n, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.permission[1]), far: 0x30_0008n });
  });

  it('reads AP[2:0] at PL1 (0b000 and the reserved 0b100 deny, 0b1xx is read-only) and XN per page size', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const tables = new ArmShortTables(machine, TABLES, TABLE_BYTES);
    for (let ap = 0; ap < 8; ap++) {
      tables.map({ va: BigInt(ap) * 0x1000n, pa: 0x100_0000n + BigInt(ap) * 0x1000n, size: 0x1000, ap });
      tables.map({ va: 0x100_0000n + BigInt(ap) * 0x10_0000n, pa: 0x200_0000n + BigInt(ap) * 0x10_0000n, size: 0x10_0000, ap });
    }
    tables.map({ va: 0x10_0000n, pa: 0x30_0000n, size: 0x1_0000, executable: false });
    tables.map({ va: 0x20_0000n, pa: 0x40_0000n, size: 0x1000, executable: false });
    tables.enable(vcpu, { translate: false });
    for (let ap = 0; ap < 8; ap++) {
      const canRead = (ap & 3) !== 0;
      const canWrite = canRead && ap < 4;
      for (const [level, va, pa] of [[2, BigInt(ap) * 0x1000n, 0x100_0000n + BigInt(ap) * 0x1000n], [1, 0x100_0000n + BigInt(ap) * 0x10_0000n, 0x200_0000n + BigInt(ap) * 0x10_0000n]] as const) {
        const permission = FS.permission[level - 1];
        expect(translate(va + 4n), `ap ${ap} read`).toEqual(canRead ? { pa: pa + 4n } : { fsr: dfsr(permission, 0, false), far: va + 4n });
        expect(translate(va + 4n, 'write'), `ap ${ap} write`).toEqual(canWrite ? { pa: pa + 4n } : { fsr: dfsr(permission, 0, true), far: va + 4n });
      }
    }
    expect(translate(0x10_fffcn)).toEqual({ pa: 0x30_fffcn }); // a large page
    expect(translate(0x10_fffcn, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.permission[1]), far: 0x10_fffcn });
    expect(translate(0x20_0000n, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.permission[1]), far: 0x20_0000n });
  });

  it('with SCTLR.AFE, faults on AP[0] = 0 (access flag) and reads AP[2:1] as the simplified model', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const tables = new ArmShortTables(machine, TABLES, TABLE_BYTES);
    tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000, accessed: false });
    tables.map({ va: 0x10_0000n, pa: 0x50_0000n, size: 0x10_0000, accessed: false, writable: false, domain: 5 });
    tables.map({ va: 0x2000n, pa: 0xa000n, size: 0x1000, ap: 0b101 }); // AFE: AP[2:1] = 0b10, read-only at PL1
    tables.map({ va: 0x3000n, pa: 0xb000n, size: 0x1000, ap: 0b001 }); // AFE: AP[2:1] = 0b00, read/write at PL1
    tables.enable(vcpu, { afe: true, translate: false });
    vcpu.set('sctlr', 1n << 29n); // AFE without M: armTranslate walks regardless
    expect(translate(0x1004n)).toEqual({ fsr: dfsr(FS.accessFlag[1], 0, false), far: 0x1004n });
    expect(translate(0x10_0004n, 'write')).toEqual({ fsr: dfsr(FS.accessFlag[0], 5, true), far: 0x10_0004n });
    expect(translate(0x2004n)).toEqual({ pa: 0xa004n });
    expect(translate(0x2004n, 'write')).toEqual({ fsr: dfsr(FS.permission[1], 0, true), far: 0x2004n });
    expect(translate(0x3004n, 'write')).toEqual({ pa: 0xb004n });
    vcpu.set('sctlr', 0n); // without AFE, AP 0b010 (accessed: false on a writable page) is read/write at PL1
    expect(translate(0x1004n, 'write')).toEqual({ pa: 0x9004n });
  });

  it('splits the VA space between TTBR0 and TTBR1 by TTBCR.N, and PD0/PD1 turn a walk off', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    const low = new ArmShortTables(machine, TABLES, 0x10_0000, { n: 2 });
    const high = new ArmShortTables(machine, TABLES + 0x10_0000n, 0x10_0000, { n: 2, high: true });
    expect(() => low.map({ va: 0x4000_0000n, pa: 0n, size: 0x1000 })).toThrow(/outside/);
    low.map({ va: 0x3ff0_0000n, pa: 0x1234_0000n, size: 0x1_0000 });
    high.map({ va: 0x4000_0000n, pa: 0xabc0_0000n, size: 0x10_0000 });
    high.map({ va: 0xffff_f000n, pa: 0x5000n, size: 0x1000 });
    low.enable(vcpu, { other: high, translate: false });
    expect(vcpu.get('ttbcr')).toBe(2n);
    expect(translate(0x3ff0_1234n)).toEqual({ pa: 0x1234_1234n });
    expect(translate(0x4000_5678n)).toEqual({ pa: 0xabc0_5678n });
    expect(translate(0xffff_fffcn)).toEqual({ pa: 0x5ffcn });
    low.enable(vcpu, { translate: false }); // PD1
    expect(translate(0x4000_5678n)).toEqual({ fsr: dfsr(FS.translation[0], 0, false), far: 0x4000_5678n });
    high.enable(vcpu, { translate: false }); // PD0
    expect(translate(0x3ff0_1234n, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.translation[0]), far: 0x3ff0_1234n });
    expect(translate(0xffff_fffcn)).toEqual({ pa: 0x5ffcn });
  });

  it('turns tables outside RAM into external aborts on the walk, and garbage tables into faults or addresses, never a hang', async () => {
    const { machine, vcpu, translate } = await armWalkSetUp(TABLES, TABLE_BYTES);
    vcpu.set('ttbr0', 0x7000_0000n).set('ttbcr', 0n).set('dacr', 0x5555_5555n);
    expect(translate(0x1000n, 'write')).toEqual({ fsr: dfsr(FS.externalWalk[0], 0, true), far: 0x1000n });
    machine.write(TABLES, 4, 0x7000_0000n | (6n << 5n) | 1n); // a level-2 table outside RAM, domain 6
    vcpu.set('ttbr0', TABLES);
    expect(translate(0x345n)).toEqual({ fsr: dfsr(FS.externalWalk[1], 6, false), far: 0x345n });
    expect(translate(0x345n, 'fetch')).toEqual({ fsr: FETCH | BigInt(FS.externalWalk[1]), far: 0x345n });
    // Random words as level-1 and level-2 tables, random TTBCR.N and DACR: every walk ends.
    const random = prng(99);
    for (let at = 0; at < TABLE_BYTES; at += 4) machine.write(TABLES + BigInt(at), 4, (BigInt(random.next()) & ~0x7f00_0000n) | TABLES);
    let translated = 0;
    for (let i = 0; i < 3000; i++) {
      vcpu.set('ttbcr', BigInt(random.below(8))).set('dacr', BigInt(random.next())).set('sctlr', random.below(2) ? 1n << 29n : 0n);
      vcpu.set('ttbr0', TABLES + BigInt(random.below(TABLE_BYTES))).set('ttbr1', BigInt(random.next()));
      const result = translate(BigInt(random.next()), random.pick(['read', 'write', 'fetch'] as const));
      if (result.pa !== undefined) translated++;
      else expect(Number(result.fsr! & 0x40fn)).toBeGreaterThan(0);
    }
    expect(translated).toBeGreaterThan(100);
  });
});
