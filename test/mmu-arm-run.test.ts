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

/** Short-descriptor tables: code as an identity section (read-only), data pages at DATA_VA (the second read-only), domain 1. */
function shortTables(machine: Machine): ArmShortTables {
  const tables = new ArmShortTables(machine, TABLES, 0x10_0000);
  tables.map({ va: CODE, pa: CODE, size: 0x10_0000, writable: false });
  for (let page = 0n; page < 8n; page++) tables.map({ va: DATA_VA + page * 0x1000n, pa: DATA + page * 0x1000n, size: 0x1000, domain: 1, writable: page !== 1n });
  return tables;
}

/** LPAE tables with the same map: code as an identity 2 MiB block, data pages at DATA_VA. */
function lpaeTables(machine: Machine): ArmLpaeTables {
  const tables = new ArmLpaeTables(machine, TABLES, 0x10_0000);
  tables.map({ va: 0n, pa: 0n, size: 0x20_0000, writable: false });
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
});
