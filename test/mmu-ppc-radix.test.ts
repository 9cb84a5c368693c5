import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, PpcRadixTables, PpcProgram, ppc, type RadixPageSize } from '../dist/src/index.js';
import { prng, walkProbe } from './helpers.js';

const TABLES = 0x8000_0000n;
const TABLE_BYTES = 0x80_0000;
const DSISR = { noPte: 0x4000_0000n, protection: 0x0800_0000n, store: 0x0200_0000n, badConfig: 0x0008_0000n };

async function setUp() {
  const machine = await Machine.create({ arenaBytes: 16 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: TABLES, memorySize: TABLE_BYTES, userspaceAddr: machine.allocateBacking(TABLE_BYTES) });
  const vcpu = new Vcpu(machine, 0, 'ppc64be');
  const tables = new PpcRadixTables(machine, TABLES, TABLE_BYTES);
  tables.enable(vcpu, { translate: false });
  const translate = walkProbe(machine, 'ppcTranslate', ['dsisr', 'dar'], vcpu);
  return { machine, vcpu, tables, translate };
}

describe('PowerPC radix walk (Power ISA 3.0, 52-bit tree, 4 KiB pages)', () => {
  it('translates thousands of random pages, 2 MiB and 1 GiB leaves as built, and finds no PTE elsewhere', async () => {
    const { tables, translate } = await setUp();
    const random = prng(52);
    const mapped: Array<{ va: bigint; pa: bigint; size: RadixPageSize }> = [];
    const used = new Set<bigint>();
    const add = (va: bigint, size: RadixPageSize) => {
      const pa = (BigInt(random.next()) << 16n) & ~(BigInt(size) - 1n) & 0x00ff_ffff_ffff_f000n;
      tables.map({ va, pa, size });
      mapped.push({ va, pa, size });
    };
    while (mapped.length < 2000) {
      const va = BigInt(random.below(0x4_0000)) * 0x1000n;
      if ((va >> 21n) % 8n === 7n || used.has(va)) continue;
      used.add(va);
      add(va, 0x1000);
    }
    for (let i = 0; i < 32; i++) add(0x4000_0000n + BigInt(i * 3) * 0x20_0000n, 0x20_0000);
    for (let i = 0; i < 4; i++) add(0x1_0000_0000n + BigInt(i) * 0x1_0000_0000n, 0x4000_0000);
    for (const { va, pa, size } of mapped) {
      const offset = BigInt(random.below(size));
      expect(translate(va + offset)).toEqual({ pa: pa + offset });
      expect(translate(va + offset, 'write')).toEqual({ pa: pa + offset });
    }
    let faults = 0;
    for (let i = 0; i < 2000; i++) {
      const va = 0x10_0000_0000n + BigInt(random.below(2 ** 30)) * 0x1000n; // above every mapping
      faults++;
      expect(translate(va, 'write')).toEqual({ dsisr: DSISR.noPte | DSISR.store, dar: va });
    }
    expect(translate(0x7000_0000_0000_0000n)).toMatchObject({ dsisr: 0x0008_0000n }); // quadrant 1: not a hypervisor's
    expect(faults).toBe(2000);
  });

  it('faults, never hangs, on bad tables: PTCR outside RAM, a tree too big, quadrants 1 and 2, a self-reference, a leaf at no page size, garbage', async () => {
    const { machine, vcpu, tables, translate } = await setUp();
    tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000 });
    expect(translate(0x1000n)).toEqual({ pa: 0x9000n });
    expect(translate(0x4000_0000_0000_1000n)).toMatchObject({ dsisr: DSISR.badConfig }); // quadrant 1
    expect(translate(0x8000_0000_0000_1000n)).toMatchObject({ dsisr: DSISR.badConfig }); // quadrant 2
    vcpu.set('ptcr', 0x7000_0000_0000n); // no RAM there: the partition table reads as empty
    expect(translate(0x1000n)).toMatchObject({ dsisr: DSISR.badConfig });
    vcpu.set('ptcr', tables.ptcr);
    const processTable = machine.read(tables.ptcr + 8n, 8, { endian: 'big' }) & 0x0fff_ffff_ffff_f000n;
    const processEntry = machine.read(processTable, 8, { endian: 'big' });
    const root = processEntry & 0x0fff_ffff_ffff_ff00n;
    machine.write(processTable, 8, processEntry | (7n << 5n) | (3n << 61n), { endian: 'big' }); // RTS 31: a 62-bit tree
    expect(translate(0x1000n)).toMatchObject({ dsisr: DSISR.badConfig });
    machine.write(processTable, 8, processEntry, { endian: 'big' });
    // The root's first entry pointing at the root itself: each level consumes index bits, so the walk ends.
    const first = machine.read(root, 8, { endian: 'big' });
    machine.write(root, 8, (1n << 63n) | root | 13n, { endian: 'big' });
    expect(translate(0x1000n)).toMatchObject({ dsisr: DSISR.badConfig });
    // A leaf at the second level of a 52-bit tree would map 2^39 bytes: no such page size.
    machine.write(root, 8, (3n << 62n) | 0x9000n | 0x6n, { endian: 'big' });
    expect(translate(0x1000n)).toMatchObject({ dsisr: DSISR.badConfig });
    machine.write(root, 8, first, { endian: 'big' });
    expect(translate(0x1000n)).toEqual({ pa: 0x9000n });
    // Garbage in every table page the tree uses: each walk ends in an address or a fault.
    const random = prng(7);
    for (let at = root; at < root + 0x1_0000n; at += 4n) machine.write(at, 4, BigInt(random.next()));
    let ended = 0;
    for (let i = 0; i < 3000; i++) {
      const result = translate(BigInt(random.next()) << 12n | BigInt(random.below(4096)));
      if ('pa' in result || 'dsisr' in result) ended++;
    }
    expect(ended).toBe(3000);
  });

  it('checks EAA permissions and sets R on any access and C on a store, atomically in the big-endian entry', async () => {
    const { machine, tables, translate } = await setUp();
    tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000, writable: false });
    tables.map({ va: 0x2000n, pa: 0xa000n, size: 0x1000, executable: false });
    expect(translate(0x1008n, 'write')).toEqual({ dsisr: DSISR.protection | DSISR.store, dar: 0x1008n });
    expect(translate(0x2000n, 'fetch')).toMatchObject({ dsisr: DSISR.protection });
    const leaf = tables.leafAddress(0x2000n);
    const entry = () => machine.read(leaf, 8, { endian: 'big' });
    expect(entry() & 0x180n).toBe(0n);
    expect(translate(0x2010n)).toEqual({ pa: 0xa010n });
    expect(entry() & 0x180n).toBe(0x100n); // R
    expect(translate(0x2010n, 'write')).toEqual({ pa: 0xa010n });
    expect(entry() & 0x180n).toBe(0x180n); // R and C
  });

  it('runs guest code with MSR[IR|DR]: loads through the tree, a store to a read-only page faults with DSISR, tlbie + ptesync drop a remapped page', async () => {
    const { machine, vcpu, tables } = await setUp();
    const code = 0x10_0000n;
    const data = 0x20_0000n;
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: code, memorySize: 0x20_0000, userspaceAddr: machine.allocateBacking(0x20_0000) });
    tables.map({ va: code, pa: code, size: 0x1000, writable: false });
    tables.map({ va: 0x5000_0000n, pa: data, size: 0x1000 });
    tables.map({ va: 0x5000_1000n, pa: data + 0x1000n, size: 0x1000, writable: false });
    machine.write(data + 8n, 8, 0x1111n, { endian: 'big' });
    machine.write(data + 0x1008n, 8, 0x2222n, { endian: 'big' });
    // r3 = 0x5000_0000; load, sc; tlbie r5 + ptesync; load again; sc; store to the read-only page.
    const program = new PpcProgram().emit(
      ppc.lis(3, 0x5000), ppc.ld(4, 8, 3), ppc.sc(),
      ppc.tlbie(5), ppc.eieio(), ppc.tlbsync(), ppc.ptesync(), ppc.ld(6, 8, 3), ppc.sc(),
      ppc.std(6, 0x1008, 3));
    machine.writeBytes(code, program.bytes('big'));
    vcpu.set('pc', code).set('msr', 0x8000_0000_0000_0030n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r4')).toBe(0x1111n);
    // Remap the page to the second frame: stale until the invalidation.
    machine.write(tables.leafAddress(0x5000_0000n), 8, (machine.read(tables.leafAddress(0x5000_0000n), 8, { endian: 'big' }) & ~0x00ff_ffff_ffff_f000n) | (data + 0x1000n), { endian: 'big' });
    vcpu.set('r5', 0x5000_0000n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r6')).toBe(0x2222n);
    const exit = vcpu.run(10);
    expect(exit).toMatchObject({ reason: 'fault', kind: 'translation', address: 0x5000_1008n, syndrome: DSISR.protection | DSISR.store });
  });
});
