// AArch64 with 16 KiB and 64 KiB granules: the builder's random maps translate as
// built, unmapped addresses fault at the level the tables predict, and guest code runs
// through them.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, A64Program, a64, type A64Granule, type A64PageSize } from '../dist/src/index.js';
import { prng, walkProbe } from './helpers.js';

const TABLES = 0x8000_0000n;
const TABLE_BYTES = 0x100_0000;
const FSC_TRANSLATION = 0b000100;

async function setUp(granule: A64Granule) {
  const machine = await Machine.create({ arenaBytes: 24 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: TABLES, memorySize: TABLE_BYTES, userspaceAddr: machine.allocateBacking(TABLE_BYTES) });
  const vcpu = new Vcpu(machine, 0, 'aarch64');
  const tables = new A64PageTables(machine, TABLES, TABLE_BYTES, 48, granule);
  tables.enable(vcpu, { translate: false });
  const probe = walkProbe(machine, 'a64Translate', ['esr', 'far'], vcpu);
  const translate = (va: bigint, write = false) => probe(va, write ? 'write' : 'read');
  return { machine, vcpu, tables, translate };
}

const CASES: Array<{ granule: A64Granule; page: A64PageSize; block: A64PageSize }> = [
  { granule: 0x4000, page: 0x4000, block: 0x200_0000 },
  { granule: 0x1_0000, page: 0x1_0000, block: 0x2000_0000 },
];

describe('AArch64 stage 1 with 16 KiB and 64 KiB granules', () => {
  for (const { granule, page, block } of CASES) {
    it(`${granule / 1024} KiB: random pages and ${block >> 20} MiB blocks translate as built; unmapped addresses fault at the predicted level`, async () => {
      const { tables, translate } = await setUp(granule);
      const random = prng(granule);
      const mapped: Array<{ va: bigint; pa: bigint; size: number }> = [];
      const used = new Set<bigint>();
      while (mapped.length < 1000) {
        const va = BigInt(random.below(0x4000)) * BigInt(page);
        if (va >= 0x10_0000_0000n || used.has(va)) continue;
        used.add(va);
        const pa = (BigInt(random.next()) << 16n) & ~(BigInt(page) - 1n) & 0x0000_ffff_ffff_f000n;
        tables.map({ va, pa, size: page });
        mapped.push({ va, pa, size: page });
      }
      for (let i = 0; i < 8; i++) {
        const va = 0x100_0000_0000n + BigInt(i * 3) * BigInt(block);
        const pa = BigInt(i + 1) * BigInt(block) * 4n;
        tables.map({ va, pa, size: block });
        mapped.push({ va, pa, size: block });
      }
      for (const { va, pa, size } of mapped) {
        const offset = BigInt(random.below(size));
        expect(translate(va + offset)).toEqual({ pa: pa + offset });
      }
      let faults = 0;
      for (let i = 0; i < 2000; i++) {
        const va = BigInt(random.below(2 ** 31)) * 0x1_0000n + BigInt(random.below(0x1_0000));
        const level = tables.faultLevel(va);
        if (level === undefined) continue;
        faults++;
        const result = translate(va, true);
        expect(result.esr! & 0x3fn, `0x${va.toString(16)}`).toBe(BigInt(FSC_TRANSLATION | level));
        expect(result.far).toBe(va);
      }
      expect(faults).toBeGreaterThan(1000);
      expect(() => tables.map({ va: 0x200_0000_0000n, pa: 0n, size: 0x1000 })).toThrow(/does not exist with a/);
    });

    it(`${granule / 1024} KiB: guest code with the MMU on loads through a page; a TLBI by VA inside it drops the whole ${page / 1024} KiB page`, async () => {
      const { machine, vcpu, tables } = await setUp(granule);
      const code = BigInt(page) * 16n;
      const frames = [0x4000_0000n, 0x4000_0000n + BigInt(page)];
      machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: code, memorySize: page, userspaceAddr: machine.allocateBacking(page) });
      machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: frames[0]!, memorySize: 2 * page, userspaceAddr: machine.allocateBacking(2 * page) });
      tables.map({ va: code, pa: code, size: page, writable: false });
      const va = 0x5000_0000n;
      tables.map({ va, pa: frames[0]!, size: page });
      const far = BigInt(page) - 8n; // the page's last word, far from the page's first 4 KiB
      machine.write(frames[0]! + far, 8, 0x1111n);
      machine.write(frames[1]! + far, 8, 0x2222n);
      // x3 = va: load [x3 + far]; svc; TLBI VAE1 (x11 = the page's first 4 KiB); load again; svc.
      const program = new A64Program().emit(a64.ldrRegister(4, 3, 9), a64.svc(), a64.tlbiVae1(11), a64.ldrRegister(5, 3, 9), a64.svc());
      machine.writeBytes(code, program.bytes());
      vcpu.set('pc', code).set('x3', va).set('x9', far).set('x11', va >> 12n).set('sctlr_el1', 1);
      expect(vcpu.run(10).reason).toBe('hypercall');
      expect(vcpu.get('x4')).toBe(0x1111n);
      // Retarget the page: stale until the TLBI, which names the page's first 4 KiB only.
      let table = tables.root;
      const stride = BigInt(Math.log2(granule) - 3);
      for (let level = tables.startLevel; level < 3; level++) {
        const shift = BigInt(Math.log2(granule)) + stride * BigInt(3 - level);
        table = machine.read(table + ((va >> shift) & ((1n << stride) - 1n)) * 8n, 8) & 0x0000_ffff_ffff_f000n & ~(BigInt(granule) - 1n);
      }
      const leaf = table + ((va >> BigInt(Math.log2(granule))) & ((1n << stride) - 1n)) * 8n;
      machine.write(leaf, 8, (machine.read(leaf, 8) & ~0x0000_ffff_ffff_f000n) | frames[1]!);
      expect(vcpu.run(10).reason).toBe('hypercall');
      expect(vcpu.get('x5')).toBe(0x2222n);
    });
  }
});
