import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, ArmShortTables, ArmLpaeTables, a32, t32, thumbBytes } from '../dist/src/index.js';

const CODE = 0x10_0000n; // physical, and identity-mapped for code that turns the MMU on
const DATA = 0x20_0000n;
const TABLES = 0x8000_0000n;
const DATA_VA = 0x5000_0000n;
const FETCH = 1n << 32n;

/** MCR/MRC operands (opc1, CRn, CRm, opc2) of the CP15 registers the tests touch. */
const SCTLR = [0, 1, 0, 0] as const;
const TTBR0 = [0, 2, 0, 0] as const;
const TTBCR = [0, 2, 0, 2] as const;
const DACR = [0, 3, 0, 0] as const;
const TLBIMVA = [0, 8, 7, 1] as const;
const TLBIMVAIS = [0, 8, 3, 1] as const;
const TLBIALL = [0, 8, 7, 0] as const;
const TLBIASID = [0, 8, 7, 2] as const;
type Cp15 = readonly [number, number, number, number];
const mcr = (rt: number, [opc1, crn, crm, opc2]: Cp15) => a32.mcr(15, opc1, rt, crn, crm, opc2);
const mrc = (rt: number, [opc1, crn, crm, opc2]: Cp15) => a32.mrc(15, opc1, rt, crn, crm, opc2);
const tmcr = (rt: number, [opc1, crn, crm, opc2]: Cp15) => t32.mcr(15, opc1, rt, crn, crm, opc2);
const tmrc = (rt: number, [opc1, crn, crm, opc2]: Cp15) => t32.mrc(15, opc1, rt, crn, crm, opc2);

/** A32 MOVW/MOVT pair loading a 32-bit constant. */
const a32Constant = (rd: number, value: bigint) => [a32.movw(rd, Number(value & 0xffffn)), a32.movt(rd, Number((value >> 16n) & 0xffffn))];
const t32Constant = (rd: number, value: bigint) => [t32.movw(rd, Number(value & 0xffffn)), t32.movt(rd, Number((value >> 16n) & 0xffffn))];

function a32Bytes(words: number[]): Uint8Array {
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
  return bytes;
}

async function machineWith(code: Uint8Array) {
  const machine = await Machine.create({ arenaBytes: 8 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
  machine.writeBytes(CODE, code);
  return machine;
}

/**
 * Short-descriptor tables: code as identity 4 KiB pages (read-only; pages, so that the TLB
 * holds no block and TLBIMVA drops one page), data pages at DATA_VA (the second read-only), domain 1.
 */
function shortTables(machine: Machine): ArmShortTables {
  const tables = new ArmShortTables(machine, TABLES, 0x10_0000);
  for (let page = 0n; page < 16n; page++) tables.map({ va: CODE + page * 0x1000n, pa: CODE + page * 0x1000n, size: 0x1000, writable: false });
  for (let page = 0n; page < 8n; page++) tables.map({ va: DATA_VA + page * 0x1000n, pa: DATA + page * 0x1000n, size: 0x1000, domain: 1, writable: page !== 1n });
  return tables;
}

/** LPAE tables with the same map. */
function lpaeTables(machine: Machine): ArmLpaeTables {
  const tables = new ArmLpaeTables(machine, TABLES, 0x10_0000);
  for (let page = 0n; page < 16n; page++) tables.map({ va: CODE + page * 0x1000n, pa: CODE + page * 0x1000n, size: 0x1000, writable: false });
  for (let page = 0n; page < 8n; page++) tables.map({ va: DATA_VA + page * 0x1000n, pa: DATA + page * 0x1000n, size: 0x1000, writable: page !== 1n });
  return tables;
}

describe('AArch32 with the MMU on', () => {
  it('A32 code turns the short-descriptor MMU on itself (MCR TTBR0, TTBCR, DACR, SCTLR), then loads and stores through the tables', async () => {
    const program = [
      ...a32Constant(0, TABLES), mcr(0, TTBR0),
      a32.mov(0, 0), mcr(0, TTBCR),
      ...a32Constant(0, 0b0101n), mcr(0, DACR), // domains 0 and 1 client
      mrc(1, SCTLR), a32.add(1, 1, 1), mcr(1, SCTLR), a32.isb(),
      ...a32Constant(9, DATA_VA),
      a32.ldr(2, 9), a32.add(2, 2, 1), a32.str(2, 9, 4), a32.add(10, 9, 0x2000), a32.str(2, 10, 8),
      mrc(3, TTBR0), mrc(4, DACR), mrc(5, SCTLR), a32.svc(),
      a32.add(11, 9, 0x1000), a32.ldr(6, 11), a32.str(6, 11, 4), // a read-only page: the store faults
    ];
    const machine = await machineWith(a32Bytes(program));
    shortTables(machine);
    machine.write(DATA, 4, 41n);
    const vcpu = new Vcpu(machine, 0, 'arm').set('pc', CODE);
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    expect([machine.read(DATA + 4n, 4), machine.read(DATA + 0x2008n, 4)]).toEqual([42n, 42n]);
    expect([vcpu.get('r3'), vcpu.get('r4'), vcpu.get('r5')]).toEqual([TABLES, 0b0101n, 1n]);
    const exit = vcpu.run(100);
    expect(exit).toMatchObject({ reason: 'fault', kind: 'translation', pc: CODE + BigInt(program.length - 1) * 4n, address: DATA_VA + 0x1004n });
    expect((exit as { syndrome: bigint }).syndrome).toBe(0x800n | (1n << 4n) | 0b1111n); // WnR, domain 1, page permission
  });

  it('T32 code turns the LPAE MMU on itself (MCRR TTBR0, MCR TTBCR.EAE and SCTLR), then loads and stores through the tables', async () => {
    const program = [
      ...t32Constant(0, TABLES), t32.movs(1, 0), t32.mcrr(15, 0, 0, 1, 2),
      ...t32Constant(0, 0x8080_0000n), tmcr(0, TTBCR), // EAE, EPD1
      t32.movs(0, 1), tmcr(0, SCTLR), t32.isb(),
      ...t32Constant(4, DATA_VA),
      t32.ldr(2, 4), t32.addsImm(2, 1), t32.str(2, 4, 4), t32.strWide(2, 4, 0xff8),
      t32.mrrc(15, 0, 6, 7, 2), tmrc(5, TTBCR), t32.svc(),
      ...t32Constant(4, 0x6000_0000n), t32.ldr(3, 4, 0), // an unmapped address
    ];
    const machine = await machineWith(thumbBytes(program));
    lpaeTables(machine);
    machine.write(DATA, 4, 99n);
    const vcpu = new Vcpu(machine, 0, 'thumb').set('pc', CODE);
    expect(vcpu.run(100)).toMatchObject({ reason: 'hypercall' });
    expect([machine.read(DATA + 4n, 4), machine.read(DATA + 0xff8n, 4)]).toEqual([100n, 100n]);
    expect([vcpu.get('r6'), vcpu.get('r7'), vcpu.get('r5')]).toEqual([TABLES, 0n, 0x8080_0000n]);
    const exit = vcpu.run(100);
    expect(exit).toMatchObject({ reason: 'fault', kind: 'translation', address: 0x6000_0000n });
    expect((exit as { syndrome: bigint }).syndrome).toBe(0x200n | 0b000110n); // LPAE, translation fault at level 2
  });

  it('ends on an instruction fetch from an unmapped or execute-never page with the IFSR and IFAR (A32 short, T32 LPAE)', async () => {
    const machine = await machineWith(a32Bytes([a32.b(0x10_0000)]));
    const tables = shortTables(machine);
    tables.map({ va: 0x30_0000n, pa: CODE, size: 0x1000, executable: false });
    const vcpu = tables.enable(new Vcpu(machine, 0, 'arm'), { dacr: 0b0101n }).set('pc', CODE);
    expect(vcpu.run(10)).toMatchObject({ reason: 'fault', kind: 'translation', pc: 0x20_0000n, address: 0x20_0000n, syndrome: FETCH | 0b00101n });
    vcpu.set('pc', 0x30_0000n);
    expect(vcpu.run(10)).toMatchObject({ reason: 'fault', kind: 'translation', pc: 0x30_0000n, address: 0x30_0000n, syndrome: FETCH | 0b01111n });
    // T32: a 32-bit instruction whose second halfword lies on an unmapped page faults at that halfword.
    const thumb = await machineWith(thumbBytes([t32.nop()]));
    thumb.write(CODE + 0x1ffen, 2, 0xf8d0n); // LDR.W's first halfword, at the end of a page whose successor is unmapped
    const thumbTables = lpaeTables(thumb);
    thumbTables.map({ va: 0x6000_0000n, pa: CODE + 0x1000n, size: 0x1000 });
    const thumbVcpu = thumbTables.enable(new Vcpu(thumb, 0, 'thumb')).set('pc', 0x6000_0ffen);
    expect(thumbVcpu.run(10)).toMatchObject({ reason: 'fault', kind: 'translation', pc: 0x6000_0ffen, address: 0x6000_1000n, syndrome: FETCH | 0x200n | 0b000111n });
  });

  describe('TLB maintenance', () => {
    const [a, b] = [DATA_VA + 0x4000n, DATA_VA + 0x5000n];
    /** Retargets the short-format small page or LPAE page descriptor at `slot` to `pa`. */
    const retarget = (machine: Machine, slot: bigint, pa: bigint, lpae: boolean) =>
      lpae ? machine.write(slot, 8, (machine.read(slot, 8) & ~0xff_ffff_f000n) | pa) : machine.write(slot, 4, (machine.read(slot, 4) & 0xfffn) | pa);

    /** Loads [r9], [r10] (r1, r2); stops; loads [r9] (r3), runs `invalidate`, loads [r9], [r10] (r4, r5); stops; TLBIALL; loads [r10] (r6). */
    const a32Program = (invalidate: number[]) => a32Bytes([
      a32.ldr(1, 9), a32.ldr(2, 10), a32.svc(),
      a32.ldr(3, 9), ...invalidate, a32.ldr(4, 9), a32.ldr(5, 10), a32.svc(),
      mcr(0, TLBIALL), a32.ldr(6, 10), a32.svc(),
    ]);

    async function remapRun(code: Uint8Array, arch: 'arm' | 'thumb', lpae: boolean) {
      const machine = await machineWith(code);
      const tables = lpae ? lpaeTables(machine) : shortTables(machine);
      for (let page = 4n; page < 8n; page++) machine.write(DATA + page * 0x1000n, 4, page);
      const vcpu = new Vcpu(machine, 0, arch);
      if (tables instanceof ArmShortTables) tables.enable(vcpu, { dacr: 0b0101n });
      else tables.enable(vcpu);
      vcpu.set('pc', CODE).set('r9', a).set('r10', b);
      expect(vcpu.run(20).reason).toBe('hypercall');
      retarget(machine, tables.leafAddress(a), DATA + 0x6000n, lpae);
      retarget(machine, tables.leafAddress(b), DATA + 0x7000n, lpae);
      expect(vcpu.run(20).reason).toBe('hypercall');
      expect(vcpu.run(20).reason).toBe('hypercall');
      return ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'].map((name) => vcpu.get(name));
    }

    it('TLBIMVA drops the page it names and keeps the others; a remap is not seen before it (A32, short)', async () => {
      expect(await remapRun(a32Program([mcr(9, TLBIMVA)]), 'arm', false)).toEqual([4n, 5n, 4n, 6n, 5n, 7n]);
    });

    it('TLBIMVAIS posts the page to every vCPU and DSB retires it (T32, LPAE)', async () => {
      const code = thumbBytes([
        t32.ldr(1, 4), t32.ldr(2, 5), t32.svc(),
        t32.ldr(3, 4), tmcr(4, TLBIMVAIS), t32.dsb(), t32.ldr(6, 4), t32.ldr(7, 5), t32.svc(),
        tmcr(0, TLBIALL), t32.ldr(0, 5), t32.svc(),
      ]);
      const machine = await machineWith(code);
      const tables = lpaeTables(machine);
      for (let page = 4n; page < 8n; page++) machine.write(DATA + page * 0x1000n, 4, page);
      const vcpu = tables.enable(new Vcpu(machine, 0, 'thumb')).set('pc', CODE).set('r4', a).set('r5', b);
      vcpu.run(20);
      retarget(machine, tables.leafAddress(a), DATA + 0x6000n, true);
      retarget(machine, tables.leafAddress(b), DATA + 0x7000n, true);
      expect(vcpu.run(20).reason).toBe('hypercall');
      expect(vcpu.run(20).reason).toBe('hypercall');
      expect(['r1', 'r2', 'r3', 'r6', 'r7', 'r0'].map((name) => vcpu.get(name))).toEqual([4n, 5n, 4n, 6n, 5n, 7n]);
      const view = new DataView(machine.memory.buffer);
      expect(view.getUint32(machine.map.CONTROL_BASE + machine.map.CTRL_SHOOT_SEQ, true)).toBeGreaterThan(0); // posted
      expect(view.getUint32(vcpu.core.record + machine.map.REC_SYNC_PENDING, true)).toBe(0); // and retired by the DSB
    });

    it('TLBIASID of the current ASID (r0 = 0) drops all its entries, with LPAE too', async () => {
      expect(await remapRun(a32Program([mcr(0, TLBIASID)]), 'arm', true)).toEqual([4n, 5n, 4n, 6n, 7n, 7n]);
    });

    it('TLBIMVA of one address in a section drops the whole section', async () => {
      const code = a32Bytes([a32.ldr(1, 9), a32.ldr(2, 10), a32.svc(), mcr(9, TLBIMVA), a32.ldr(3, 9), a32.ldr(4, 10), a32.svc()]);
      const machine = await machineWith(code);
      machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: 0x30_0000n, memorySize: 0x2000, userspaceAddr: machine.allocateBacking(0x2000) });
      const tables = shortTables(machine);
      const section = 0x6000_0000n;
      tables.map({ va: section, pa: DATA, size: 0x10_0000 });
      for (const [base, tag] of [[DATA, 0x10n], [0x30_0000n, 0x20n]] as const) {
        machine.write(base, 4, tag);
        machine.write(base + 0x1000n, 4, tag + 1n);
      }
      const vcpu = tables.enable(new Vcpu(machine, 0, 'arm'), { dacr: 0b0101n }).set('pc', CODE).set('r9', section).set('r10', section + 0x1000n);
      vcpu.run(20);
      const slot = tables.leafAddress(section);
      machine.write(slot, 4, (machine.read(slot, 4) & 0xf_ffffn) | 0x30_0000n);
      expect(vcpu.run(20).reason).toBe('hypercall');
      expect(['r1', 'r2', 'r3', 'r4'].map((name) => vcpu.get(name))).toEqual([0x10n, 0x11n, 0x20n, 0x21n]);
    });

    it('a write to TTBR0 (or DACR) drops what the old tables translated, without a TLBI', async () => {
      const code = a32Bytes([a32.ldr(1, 9), mcr(8, TTBR0), a32.ldr(2, 9), mcr(7, DACR), a32.ldr(3, 9), a32.svc()]);
      const machine = await machineWith(code);
      const first = shortTables(machine);
      machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: 0x9000_0000n, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
      const second = new ArmShortTables(machine, 0x9000_0000n, 0x10_0000);
      second.map({ va: CODE, pa: CODE, size: 0x10_0000 });
      second.map({ va: DATA_VA, pa: DATA + 0x3000n, size: 0x1000, domain: 1 });
      machine.write(DATA, 4, 1n);
      machine.write(DATA + 0x3000n, 4, 2n);
      const vcpu = first.enable(new Vcpu(machine, 0, 'arm'), { dacr: 0b0101n }).set('pc', CODE).set('r9', DATA_VA).set('r8', second.root).set('r7', 0b0001n);
      const exit = vcpu.run(20);
      expect([vcpu.get('r1'), vcpu.get('r2')]).toEqual([1n, 2n]);
      expect(exit).toMatchObject({ reason: 'fault', kind: 'translation', address: DATA_VA, syndrome: (1n << 4n) | 0b01011n }); // domain 1 now no access
    });
  });
});
