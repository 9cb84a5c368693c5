import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, Ppc32Tables, PpcProgram, ppc } from '../dist/src/index.js';
import { prng, walkProbe } from './helpers.js';

const HTAB = 0x8000_0000n;
const HTAB_BYTES = 0x1_0000; // 64 KiB: 1024 PTEGs
const DSISR = { noPte: 0x4000_0000n, protection: 0x0800_0000n, store: 0x0200_0000n, directStore: 0x0400_0000n };
const NOEXEC_GUARD = 0x1000_0000n;

async function setUp() {
  const machine = await Machine.create({ arenaBytes: 16 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: HTAB, memorySize: HTAB_BYTES, userspaceAddr: machine.allocateBacking(HTAB_BYTES) });
  const vcpu = new Vcpu(machine, 0, 'ppc32be');
  const tables = new Ppc32Tables(machine, HTAB, HTAB_BYTES);
  const translate = walkProbe(machine, 'ppcTranslate', ['dsisr', 'dar'], vcpu);
  return { machine, vcpu, tables, translate };
}

describe('PowerPC 32-bit MMU walk (BATs, segment registers, HTAB)', () => {
  it('translates thousands of random pages over all 16 segments, and finds no PTE elsewhere', async () => {
    const { vcpu, tables, translate } = await setUp();
    const random = prng(32);
    for (let n = 0; n < 16; n++) tables.segment(n, { vsid: random.below(0x100_0000) });
    const used = new Set<bigint>();
    const mapped: Array<{ va: bigint; pa: bigint }> = [];
    const unmapped: bigint[] = [];
    while (used.size < 3500) {
      const va = BigInt(random.next() >>> 12) << 12n;
      if (used.has(va)) continue;
      used.add(va);
      if (used.size > 3000) {
        unmapped.push(va);
        continue;
      }
      const pa = BigInt(random.next() >>> 12) << 12n;
      tables.map({ va, pa });
      mapped.push({ va, pa });
    }
    tables.enable(vcpu, { translate: false });
    for (const { va, pa } of mapped) {
      const offset = BigInt(random.below(0x1000));
      expect(translate(va + offset)).toEqual({ pa: pa + offset });
      expect(translate(va + offset, 'write')).toEqual({ pa: pa + offset });
      expect(translate(va + offset, 'fetch')).toEqual({ pa: pa + offset });
    }
    for (const va of unmapped) {
      expect(translate(va + 4n)).toEqual({ dsisr: DSISR.noPte, dar: va + 4n });
      expect(translate(va, 'write')).toEqual({ dsisr: DSISR.noPte | DSISR.store, dar: va });
    }
  });

  it('puts a ninth colliding page in the secondary PTEG and refuses a seventeenth', async () => {
    const { machine, vcpu, tables, translate } = await setUp();
    tables.segment(2, { vsid: 0x4321 });
    const va = (k: number) => 0x2000_0000n + (BigInt(0x3a + 1024 * k) << 12n); // same VSID ^ index modulo 1024 groups
    const placements = Array.from({ length: 16 }, (_, k) => tables.map({ va: va(k), pa: BigInt(0x200 + k) << 12n }));
    expect(placements.map((p) => p.secondary)).toEqual([...Array(8).fill(false), ...Array(8).fill(true)]);
    expect(machine.read(placements[8]!.pte, 4, { endian: 'big' }) & 0x40n).toBe(0x40n);
    tables.enable(vcpu, { translate: false });
    for (let k = 0; k < 16; k++) expect(translate(va(k) + 0x20n)).toEqual({ pa: (BigInt(0x200 + k) << 12n) + 0x20n });
    expect(() => tables.map({ va: va(16), pa: 0n })).toThrow(/full/);
  });

  it('lets BATs (IBATs for fetches, DBATs for data) override the HTAB, with their PP and Vs/Vp', async () => {
    const { vcpu, tables, translate } = await setUp();
    tables.map({ va: 0x4000_1000n, pa: 0x9000n });
    tables.map({ va: 0x6002_0000n, pa: 0xa000n });
    tables.bat({ index: 0, side: 'data', va: 0x4000_0000n, pa: 0x1000_0000n, size: 0x1000_0000 });
    tables.bat({ index: 3, va: 0x6000_0000n, pa: 0x2000_0000n, size: 0x2_0000, writable: false });
    tables.enable(vcpu, { translate: false });
    expect(translate(0x4000_1234n)).toEqual({ pa: 0x1000_1234n });
    expect(translate(0x4fff_fffcn, 'write')).toEqual({ pa: 0x1fff_fffcn });
    expect(translate(0x4000_1234n, 'fetch')).toEqual({ pa: 0x9234n }); // no IBAT: the page table
    expect(translate(0x6001_fff0n, 'fetch')).toEqual({ pa: 0x2001_fff0n });
    expect(translate(0x6000_0010n, 'write')).toEqual({ dsisr: DSISR.protection | DSISR.store, dar: 0x6000_0010n });
    expect(translate(0x6002_0010n)).toEqual({ pa: 0xa010n }); // past the 128 KiB block
    vcpu.set('msr', 0x4000n); // problem state: Vp is clear, so the BATs do not apply
    expect(translate(0x4000_1234n)).toEqual({ pa: 0x9234n });
    expect(translate(0x4000_2000n)).toMatchObject({ dsisr: DSISR.noPte });
  });

  it('checks the segment N and T bits, pp with the key, and sets R on a read, C on a store', async () => {
    const { machine, vcpu, tables, translate } = await setUp();
    tables.segment(1, { vsid: 0x111, noExecute: true }).segment(3, { vsid: 0x333, ks: true });
    const page = tables.map({ va: 0x1000_0000n, pa: 0x5000n });
    tables.map({ va: 0x3000_0000n, pa: 0x6000n, pp: 0 });
    tables.map({ va: 0x3000_1000n, pa: 0x7000n, pp: 1 });
    tables.map({ va: 0x0000_1000n, pa: 0x8000n, pp: 0 });
    tables.enable(vcpu, { translate: false });
    expect(translate(0x1000_0000n, 'fetch')).toEqual({ dsisr: NOEXEC_GUARD, dar: 0x1000_0000n });
    expect(translate(0x3000_0000n)).toEqual({ dsisr: DSISR.protection, dar: 0x3000_0000n });
    expect(translate(0x3000_1008n)).toEqual({ pa: 0x7008n });
    expect(translate(0x3000_1008n, 'write')).toEqual({ dsisr: DSISR.protection | DSISR.store, dar: 0x3000_1008n });
    expect(translate(0x0000_1000n, 'write')).toEqual({ pa: 0x8000n }); // Ks clear: pp 0 is read/write
    vcpu.set('sr7', 0x8000_0000n | 0x777n); // T: a direct-store segment
    expect(translate(0x7000_0000n, 'write')).toEqual({ dsisr: DSISR.directStore | DSISR.store, dar: 0x7000_0000n });
    const rc = () => machine.read(page.pte + 4n, 4, { endian: 'big' }) & 0x180n;
    expect(rc()).toBe(0n);
    expect(translate(0x1000_0010n)).toEqual({ pa: 0x5010n });
    expect(rc()).toBe(0x100n);
    expect(translate(0x1000_0010n, 'write')).toEqual({ pa: 0x5010n });
    expect(rc()).toBe(0x180n);
  });

  it('faults, never hangs, on an HTAB outside RAM or full of garbage', async () => {
    const { machine, vcpu, tables, translate } = await setUp();
    tables.map({ va: 0x5000n, pa: 0x6000n });
    tables.enable(vcpu, { translate: false });
    vcpu.set('sdr1', 0xc000_01ffn);
    expect(translate(0x5000n)).toEqual({ dsisr: DSISR.noPte, dar: 0x5000n });
    vcpu.set('sdr1', tables.sdr1 | 0x1f0n); // a mask wider than the table: some groups lie outside RAM
    for (let page = 0n; page < 0x1000n; page++) expect(translate(0x1000_0000n + (page << 12n), 'write')).toMatchObject({ dsisr: DSISR.noPte | DSISR.store });
    vcpu.set('sdr1', tables.sdr1);
    const random = prng(3);
    const garbage = new Uint8Array(HTAB_BYTES);
    for (let i = 0; i < garbage.length; i++) garbage[i] = random.next() & (i % 8 === 0 ? 0x7f : 0xff); // V clear
    machine.writeBytes(HTAB, garbage);
    expect(translate(0x5000n)).toEqual({ dsisr: DSISR.noPte, dar: 0x5000n });
    for (let i = 0; i < garbage.length; i++) garbage[i] = random.next() & 0xff;
    machine.writeBytes(HTAB, garbage);
    for (let i = 0; i < 2000; i++) expect(translate(BigInt(random.next() >>> 0), i % 3 === 0 ? 'write' : 'read')).toBeDefined();
  });
});

describe('PowerPC 32-bit MMU in the interpreter', () => {
  const CODE = 0x10_0000n;
  const DATA = 0x20_0000n;

  it('runs a guest that sets its IBAT, segment register and SDR1, turns translation on with mtmsr and loops; tlbie drops a remap, mtsrin a segment', async () => {
    const { machine, vcpu, tables } = await setUp();
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: CODE, memorySize: 0x20_0000, userspaceAddr: machine.allocateBacking(0x20_0000) });
    tables.segment(5, { vsid: 0xbeef });
    tables.map({ va: 0x5000_0000n, pa: DATA });
    tables.map({ va: 0x5000_1000n, pa: DATA + 0x1000n });
    tables.bat({ index: 0, side: 'instruction', va: 0n, pa: 0n, size: 0x1000_0000, writable: false });
    vcpu.set('r20', tables.bats[0]!).set('r21', tables.bats[1]!).set('r22', tables.segments[5]!).set('r23', tables.sdr1);
    vcpu.set('r24', 0x30n).set('r3', 0x5000_0000n).set('r9', 0x5000_0000n).set('r10', 0x123n);
    const program = new PpcProgram().emit(
      ppc.mtspr(528, 20), ppc.mtspr(529, 21), ppc.mtsr(5, 22), ppc.mtspr(25, 23), ppc.mfsr(25, 5), ppc.mfspr(26, 529), ppc.mtmsr(24), ppc.isync(),
      ppc.li(4, 100), ppc.mtctr(4), ppc.li(5, 0), ppc.li(6, 0))
      .label('store').emit(ppc.addi(5, 5, 3), ppc.stwu(5, 4, 3)).branchTo(ppc.bdnz, 'store')
      .emit(ppc.li(4, 100), ppc.mtctr(4))
      .label('load').emit(ppc.lwz(7, 0, 3), ppc.addi(3, 3, -4), ppc.add(6, 6, 7)).branchTo(ppc.bdnz, 'load')
      .emit(ppc.lwz(11, 0, 9), ppc.sc(),
        ppc.tlbie(9), ppc.sync(), ppc.lwz(12, 0, 9), ppc.sc(),
        ppc.mtsrin(10, 9), ppc.lwz(13, 0, 9));
    machine.writeBytes(CODE, program.bytes('big'));
    vcpu.set('pc', CODE);
    expect(vcpu.run(2000).reason).toBe('hypercall');
    expect(vcpu.get('r25')).toBe(BigInt(tables.segments[5]!));
    expect(vcpu.get('r26')).toBe(tables.bats[1]!);
    expect(vcpu.get('r6')).toBe(BigInt(3 * (100 * 101) / 2));
    for (let i = 1; i <= 100; i++) expect(machine.read(DATA + BigInt(i * 4), 4, { endian: 'big' })).toBe(BigInt(3 * i));
    machine.write(DATA + 0x1000n, 4, 0x7777n, { endian: 'big' });
    // Remap the first page to the second frame: unseen until tlbie.
    const pte = tables.find(0x5000_0000n)!;
    machine.write(pte + 4n, 4, (machine.read(pte + 4n, 4, { endian: 'big' }) & 0xfffn) | (DATA + 0x1000n), { endian: 'big' });
    expect(vcpu.get('r11')).toBe(0n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r12')).toBe(0x7777n);
    // SR5 gets another VSID: no PTE for it.
    expect(vcpu.run(10)).toMatchObject({ reason: 'fault', kind: 'translation', address: 0x5000_0000n, syndrome: DSISR.noPte });
  });
});
