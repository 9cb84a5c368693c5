import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, PpcHashTables, PpcProgram, ppc, type HashPageSize } from '../dist/src/index.js';
import { prng, walkProbe } from './helpers.js';

const HTAB = 0x8000_0000n;
const HTAB_BYTES = 0x4_0000; // 256 KiB: 2048 PTEGs
const DSISR = { noPte: 0x4000_0000n, protection: 0x0800_0000n, store: 0x0200_0000n };
const NOEXEC_GUARD = 0x1000_0000n;

async function setUp(vcpus = 1) {
  const machine = await Machine.create({ vcpus, arenaBytes: 16 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: HTAB, memorySize: HTAB_BYTES, userspaceAddr: machine.allocateBacking(HTAB_BYTES) });
  const vcpu = new Vcpu(machine, 0, 'ppc64be');
  const tables = new PpcHashTables(machine, HTAB, HTAB_BYTES);
  const segmentFault = 1n << BigInt(machine.map.PPC_SEGMENT_FAULT_BIT);
  const translate = walkProbe(machine, 'ppcTranslate', ['dsisr', 'dar'], vcpu);
  return { machine, vcpu, tables, translate, segmentFault };
}

describe('PowerPC 64-bit hashed page table walk (SLB, HTAB from SDR1)', () => {
  it('translates thousands of random 4 KiB, 64 KiB and 16 MiB pages in 256 MiB and 1 TiB segments, and finds no PTE elsewhere', async () => {
    const { vcpu, tables, translate, segmentFault } = await setUp();
    const random = prng(64);
    const segments: Array<{ ea: bigint; size: '256M' | '1T'; pageSize: HashPageSize; pages: number }> = [
      { ea: 0x1000_0000n, size: '256M', pageSize: 0x1000, pages: 2500 },
      { ea: 0x2000_0000n, size: '256M', pageSize: 0x1_0000, pages: 400 },
      { ea: 0x3000_0000n, size: '256M', pageSize: 0x100_0000, pages: 12 },
      { ea: 0x100_0000_0000n, size: '1T', pageSize: 0x1000, pages: 1000 },
      { ea: 0x200_0000_0000n, size: '1T', pageSize: 0x100_0000, pages: 40 },
      { ea: 0xc000_0000_0000_0000n, size: '256M', pageSize: 0x1_0000, pages: 100 },
    ];
    const mapped: Array<{ va: bigint; pa: bigint; size: HashPageSize }> = [];
    const unmapped: bigint[] = [];
    for (const segment of segments) {
      tables.segment({ ea: segment.ea, vsid: BigInt(random.next()) * 0x1000n + BigInt(random.below(0x1000)) & (segment.size === '1T' ? 0x3f_ffff_ffffn : 0x3_ffff_ffff_ffffn), size: segment.size, pageSize: segment.pageSize });
      const span = segment.size === '1T' ? 1n << 40n : 1n << 28n;
      const slots = Number(span / BigInt(segment.pageSize));
      const used = new Set<bigint>();
      const wanted = Math.min(segment.pages + 50, slots);
      while (used.size < wanted) {
        const va = segment.ea + BigInt(random.below(Math.min(slots, 2 ** 31))) * BigInt(segment.pageSize);
        if (used.has(va)) continue;
        used.add(va);
        if (used.size > segment.pages) {
          unmapped.push(va);
          continue;
        }
        const size = BigInt(segment.pageSize);
        const pa = ((BigInt(random.next()) << 16n) | BigInt(random.next() & 0xffff)) * size & 0x0fff_ffff_ffff_f000n;
        tables.map({ va, pa, size: segment.pageSize });
        mapped.push({ va, pa, size: segment.pageSize });
      }
    }
    tables.enable(vcpu, { translate: false });
    expect(mapped.length).toBeGreaterThan(4000);
    for (const { va, pa, size } of mapped) {
      const offset = BigInt(random.below(size));
      expect(translate(va + offset)).toEqual({ pa: pa + offset });
      expect(translate(va + offset, 'write')).toEqual({ pa: pa + offset });
    }
    for (const va of unmapped) {
      expect(translate(va + 8n)).toEqual({ dsisr: DSISR.noPte, dar: va + 8n });
      expect(translate(va, 'write')).toEqual({ dsisr: DSISR.noPte | DSISR.store, dar: va });
    }
    // No SLB entry: a segment interrupt, DAR set, no DSISR.
    expect(translate(0x4000_0123n, 'write')).toEqual({ dsisr: segmentFault, dar: 0x4000_0123n });
    expect(translate(0x300_0000_0000n, 'fetch')).toEqual({ dsisr: segmentFault, dar: 0x300_0000_0000n });
  });

  it('puts a ninth colliding page in the secondary PTEG (H set), finds it there, and refuses a seventeenth', async () => {
    const { machine, vcpu, tables, translate } = await setUp();
    tables.segment({ ea: 0n, vsid: 0x1234n });
    tables.enable(vcpu, { translate: false });
    // Page indices p + 2048k share the primary hash (VSID ^ index) modulo the 2048 groups.
    const placements = Array.from({ length: 16 }, (_, k) => tables.map({ va: BigInt(0x155 + 2048 * k) << 12n, pa: BigInt(0x100 + k) << 12n, size: 0x1000 }));
    expect(placements.map((p) => p.secondary)).toEqual([...Array(8).fill(false), ...Array(8).fill(true)]);
    for (let k = 0; k < 16; k++) {
      expect(translate((BigInt(0x155 + 2048 * k) << 12n) + 0x10n)).toEqual({ pa: (BigInt(0x100 + k) << 12n) + 0x10n });
      expect(machine.read(placements[k]!.pte, 8, { endian: 'big' }) & 3n).toBe(k < 8 ? 1n : 3n); // V, and H in the secondary
    }
    expect(() => tables.map({ va: BigInt(0x155 + 2048 * 16) << 12n, pa: 0n, size: 0x1000 })).toThrow(/full/);
    // A PTE the segment's page size does not confirm is skipped: a 64 KiB PTE for a 4 KiB segment.
    machine.write(placements[0]!.pte, 8, machine.read(placements[0]!.pte, 8, { endian: 'big' }) | 4n, { endian: 'big' });
    expect(translate(0x155_000n)).toMatchObject({ dsisr: DSISR.noPte });
  });

  it('checks pp with the key (Ks, or Kp in problem state), N in the PTE and the SLB, and sets R on a read, C on a store', async () => {
    const { machine, vcpu, tables, translate } = await setUp();
    tables.segment({ ea: 0x1000_0000n, vsid: 0x10n }); // Ks 0, Kp 1
    tables.segment({ ea: 0x2000_0000n, vsid: 0x20n, ks: true, noExecute: true });
    const readOnly = tables.map({ va: 0x1000_1000n, pa: 0x9000n, size: 0x1000, writable: false });
    const noExec = tables.map({ va: 0x1000_2000n, pa: 0xa000n, size: 0x1000, executable: false });
    tables.map({ va: 0x1000_3000n, pa: 0xb000n, size: 0x1000, pp: 0 });
    tables.map({ va: 0x2000_0000n, pa: 0xc000n, size: 0x1000, pp: 0 });
    tables.map({ va: 0x2000_1000n, pa: 0xd000n, size: 0x1000, pp: 1 });
    tables.enable(vcpu, { translate: false });
    expect(translate(0x1000_1008n)).toEqual({ pa: 0x9008n });
    expect(translate(0x1000_1008n, 'write')).toEqual({ dsisr: DSISR.protection | DSISR.store, dar: 0x1000_1008n });
    expect(translate(0x1000_2000n, 'fetch')).toEqual({ dsisr: NOEXEC_GUARD, dar: 0x1000_2000n });
    expect(translate(0x1000_2000n, 'write')).toEqual({ pa: 0xa000n });
    expect(translate(0x1000_3000n, 'write')).toEqual({ pa: 0xb000n }); // key 0, pp 0: read/write
    expect(translate(0x2000_0000n)).toEqual({ dsisr: DSISR.protection, dar: 0x2000_0000n }); // key 1, pp 0: nothing
    expect(translate(0x2000_1000n)).toEqual({ pa: 0xd000n }); // key 1, pp 1: read-only
    expect(translate(0x2000_1000n, 'write')).toMatchObject({ dsisr: DSISR.protection | DSISR.store });
    expect(translate(0x2000_1000n, 'fetch')).toEqual({ dsisr: NOEXEC_GUARD, dar: 0x2000_1000n }); // the segment's N
    vcpu.set('msr', 0x4000n); // problem state: Kp (1) for the first segment
    expect(translate(0x1000_3000n)).toMatchObject({ dsisr: DSISR.protection });
    vcpu.set('msr', 0n);
    const rc = () => machine.read(noExec.pte + 8n, 8, { endian: 'big' }) & 0x180n;
    machine.write(noExec.pte + 8n, 8, machine.read(noExec.pte + 8n, 8, { endian: 'big' }) & ~0x180n, { endian: 'big' });
    expect(rc()).toBe(0n);
    expect(translate(0x1000_2010n)).toEqual({ pa: 0xa010n });
    expect(rc()).toBe(0x100n); // R only
    expect(translate(0x1000_2010n, 'write')).toEqual({ pa: 0xa010n });
    expect(rc()).toBe(0x180n); // R and C
    expect(machine.read(readOnly.pte + 8n, 8, { endian: 'big' }) & 0x180n).toBe(0x100n); // the refused store set no C
  });

  it('faults, never hangs, on bad tables: SDR1 garbage, an HTAB outside RAM, PTEGs of garbage, bad SLB encodings', async () => {
    const { machine, vcpu, tables, translate, segmentFault } = await setUp();
    tables.segment({ ea: 0n, vsid: 0x77n });
    tables.map({ va: 0x5000n, pa: 0x6000n, size: 0x1000 });
    tables.enable(vcpu, { translate: false });
    expect(translate(0x5000n)).toEqual({ pa: 0x6000n });
    vcpu.set('sdr1', tables.sdr1 | 31n); // HTABSIZE beyond 28
    expect(translate(0x5000n)).toEqual({ dsisr: DSISR.noPte, dar: 0x5000n });
    vcpu.set('sdr1', 0x0fff_ffff_fffc_001cn); // a table far outside RAM
    expect(translate(0x5000n, 'write')).toEqual({ dsisr: DSISR.noPte | DSISR.store, dar: 0x5000n });
    vcpu.set('sdr1', tables.sdr1);
    // Every PTE invalid but otherwise random, then everything random: faults or some address, never a hang.
    const random = prng(7);
    const garbage = new Uint8Array(HTAB_BYTES);
    for (let i = 0; i < garbage.length; i++) garbage[i] = random.next() & (i % 16 === 7 ? 0xfe : 0xff);
    machine.writeBytes(HTAB, garbage);
    expect(translate(0x5000n)).toMatchObject({ dsisr: DSISR.noPte });
    for (let i = 0; i < garbage.length; i++) garbage[i] = random.next() & 0xff;
    machine.writeBytes(HTAB, garbage);
    for (let i = 0; i < 2000; i++) expect(translate(BigInt(random.below(2 ** 28)) & ~7n, i % 2 ? 'write' : 'read')).toBeDefined();
    // An SLB entry with a reserved B (3) never matches; one with an unsupported L||LP finds no PTE.
    const slb = vcpu.core.record + machine.map.CPU_SLB;
    const view = new DataView(machine.memory.buffer);
    view.setBigUint64(slb + 8, 0xc000_0000_0007_7000n, true);
    expect(translate(0x5000n)).toEqual({ dsisr: segmentFault, dar: 0x5000n });
    view.setBigUint64(slb + 8, 0x0000_0000_0007_7120n, true);
    expect(translate(0x5000n)).toMatchObject({ dsisr: DSISR.noPte });
  });
});

describe('PowerPC hash MMU in the interpreter', () => {
  const CODE = 0x10_0000n;
  const DATA = 0x20_0000n;
  const DATA_VA = 0x7_5000_0000n;

  async function guest() {
    const setup = await setUp(2);
    const { machine, tables } = setup;
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: CODE, memorySize: 0x20_0000, userspaceAddr: machine.allocateBacking(0x20_0000) });
    const codeSlb = tables.segment({ ea: 0n, vsid: 0x11n });
    const dataSlb = tables.segment({ ea: DATA_VA, vsid: 0xabcdefn, size: '1T' });
    tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false });
    tables.map({ va: DATA_VA, pa: DATA, size: 0x1000 });
    tables.map({ va: DATA_VA + 0x1000n, pa: DATA + 0x1000n, size: 0x1000 });
    return { ...setup, slb: [tables.slb[codeSlb]!, tables.slb[dataSlb]!] };
  }

  it('runs a guest that loads its SLB with slbmte, turns translation on and loops over stores and loads', async () => {
    const { machine, vcpu, tables, slb } = await guest();
    tables.enable(vcpu, { translate: false });
    vcpu.set('msr', 0n); // real mode, an empty SLB: the guest fills it
    new Uint8Array(machine.memory.buffer, vcpu.core.record + machine.map.CPU_SLB, 16 * machine.map.SLB_ENTRIES).fill(0);
    vcpu.set('r20', slb[0]!.esid).set('r21', slb[0]!.vsid).set('r22', slb[1]!.esid | 5n).set('r23', slb[1]!.vsid);
    vcpu.set('r24', 0x30n).set('r3', DATA_VA);
    const program = new PpcProgram().emit(
      ppc.slbmte(21, 20), ppc.slbmte(23, 22), ppc.isync(), ppc.slbmfev(25, 22), ppc.slbmfee(26, 22), ppc.mtmsrd(24), ppc.isync(),
      ppc.li(4, 64), ppc.mtctr(4), ppc.li(5, 0), ppc.li(6, 0))
      .label('store').emit(ppc.addi(5, 5, 1), ppc.std(5, 0, 3), ppc.addi(3, 3, 8)).branchTo(ppc.bdnz, 'store')
      .emit(ppc.li(4, 64), ppc.mtctr(4))
      .label('load').emit(ppc.ldu(7, -8, 3), ppc.add(6, 6, 7)).branchTo(ppc.bdnz, 'load')
      .emit(ppc.sc());
    machine.writeBytes(CODE, program.bytes('big'));
    vcpu.set('pc', CODE);
    expect(vcpu.run(2000).reason).toBe('hypercall');
    expect(vcpu.get('r25')).toBe(slb[1]!.vsid);
    expect(vcpu.get('r26')).toBe(slb[1]!.esid);
    expect(vcpu.get('r6')).toBe(BigInt((64 * 65) / 2));
    for (let i = 0; i < 64; i++) expect(machine.read(DATA + BigInt(i * 8), 8, { endian: 'big' })).toBe(BigInt(i + 1));
  });

  it('sees a remap only after tlbie + ptesync (on another vCPU too), and slbie turns the segment into a segment fault', async () => {
    const { machine, vcpu, tables, segmentFault } = await guest();
    const other = tables.enable(new Vcpu(machine, 1, 'ppc64be'));
    tables.enable(vcpu);
    machine.write(DATA + 8n, 8, 0x1111n, { endian: 'big' });
    machine.write(DATA + 0x1008n, 8, 0x2222n, { endian: 'big' });
    const program = new PpcProgram().emit(
      ppc.ld(4, 8, 3), ppc.sc(),
      ppc.tlbie(5), ppc.eieio(), ppc.tlbsync(), ppc.ptesync(), ppc.ld(6, 8, 3), ppc.sc(),
      ppc.slbie(3), ppc.isync(), ppc.ld(7, 8, 3));
    machine.writeBytes(CODE, program.bytes('big'));
    for (const cpu of [vcpu, other]) cpu.set('pc', CODE).set('r3', DATA_VA);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(other.run(10).reason).toBe('hypercall');
    expect([vcpu.get('r4'), other.get('r4')]).toEqual([0x1111n, 0x1111n]);
    // Remap the page to the second frame: stale until the invalidation, on both vCPUs.
    const pte = tables.find(DATA_VA)!;
    machine.write(pte + 8n, 8, (machine.read(pte + 8n, 8, { endian: 'big' }) & ~0x0fff_ffff_ffff_f000n) | (DATA + 0x1000n), { endian: 'big' });
    other.set('pc', CODE);
    expect(other.run(10).reason).toBe('hypercall');
    expect(other.get('r4')).toBe(0x1111n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r6')).toBe(0x2222n);
    other.set('pc', CODE);
    expect(other.run(10).reason).toBe('hypercall');
    expect(other.get('r4')).toBe(0x2222n); // vCPU 0's tlbie flushed vCPU 1's TLB
    expect(vcpu.run(10)).toMatchObject({ reason: 'fault', kind: 'translation', address: DATA_VA + 8n, syndrome: segmentFault });
  });

  it('drops cached translations when the guest writes SDR1 or replaces an SLB entry, and refuses a bad slbmte', async () => {
    const { machine, vcpu, tables, slb } = await guest();
    tables.enable(vcpu);
    machine.write(DATA + 8n, 8, 0x3333n, { endian: 'big' });
    const program = new PpcProgram().emit(
      ppc.ld(4, 8, 3), ppc.mtspr(25, 9), ppc.ld(5, 8, 3), ppc.sc(),
      ppc.slbmte(11, 10), ppc.ld(6, 8, 3));
    machine.writeBytes(CODE, program.bytes('big'));
    vcpu.set('pc', CODE).set('r3', DATA_VA).set('r9', tables.sdr1 | 31n);
    // The next fetch already translates through the new (empty) table: no PTE for the code.
    expect(vcpu.run(10)).toMatchObject({ reason: 'fault', kind: 'translation', pc: CODE + 8n, address: CODE + 8n, syndrome: DSISR.noPte });
    expect(vcpu.get('r4')).toBe(0x3333n);
    // Back to the good SDR1, then the data segment replaced by one with another VSID: no PTE.
    vcpu.set('sdr1', tables.sdr1).set('pc', CODE + 8n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    vcpu.set('r10', slb[1]!.esid | 1n).set('r11', slb[1]!.vsid ^ 0x1000_0000n);
    expect(vcpu.run(10)).toMatchObject({ reason: 'fault', address: DATA_VA + 8n, syndrome: DSISR.noPte });
    vcpu.set('pc', CODE + 16n).set('r10', slb[1]!.esid | 40n); // slot 40: no such entry
    expect(vcpu.run(10)).toMatchObject({ reason: 'undefined', cause: 'invalid-form' });
  });
});
