import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, A64Program, a64 } from '../dist/src/index.js';

const CODE = 0x10_0000n; // physical
const DATA = 0x20_0000n;
const TABLES = 0x8000_0000n;
const CODE_VA = 0x4000_0000n;
const DATA_VA = 0x5000_0000n;

async function mmuGuest(program: A64Program, extraMaps: (tables: A64PageTables) => void = () => {}) {
  const machine = await Machine.create({ arenaBytes: 8 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
  machine.writeBytes(CODE, program.bytes());
  const tables = new A64PageTables(machine, TABLES, 0x10_0000);
  tables.map({ va: CODE_VA, pa: CODE, size: 0x1000, writable: false });
  tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false }); // identity, for code that turns the MMU on
  tables.map({ va: DATA_VA, pa: DATA, size: 0x1000 });
  tables.map({ va: DATA_VA + 0x1000n, pa: DATA + 0x1000n, size: 0x1000, writable: false });
  extraMaps(tables);
  const vcpu = tables.enable(new Vcpu(machine, 0, 'aarch64'), { translate: false });
  return { machine, vcpu, tables };
}

/** Guest-physical address of the descriptor at `level` (3: a 4 KiB page, 2: a 2 MiB block) that maps `va`. */
function leafSlot(machine: Machine, tables: A64PageTables, va: bigint, level = 3): bigint {
  let table = tables.root;
  for (let walked = 0; walked < level; walked++) table = machine.read(table + ((va >> BigInt(39 - 9 * walked)) & 511n) * 8n, 8) & 0x0000_ffff_ffff_f000n;
  return table + ((va >> BigInt(39 - 9 * level)) & 511n) * 8n;
}

/** Points the descriptor at `slot` to `pa`, keeping its attributes. */
function retarget(machine: Machine, slot: bigint, pa: bigint): void {
  machine.write(slot, 8, (machine.read(slot, 8) & ~0x0000_ffff_ffff_f000n) | pa);
}

/** Loads x9 and x10 (into x1, x2), stops, then TLBI VAE1 of x11 and loads them again (into x3, x4). */
const invalidateOneAddress = new A64Program().emit(a64.ldr(1, 9), a64.ldr(2, 10), a64.svc(), a64.tlbiVae1(11), a64.ldr(3, 9), a64.ldr(4, 10), a64.svc());

describe('A64 with the MMU on', () => {
  it('runs code and data through the tables, and ends on an unmapped address with ESR/FAR', async () => {
    const program = new A64Program().emit(a64.ldr(1, 9), a64.add(1, 1, 1), a64.str(1, 9, 8), a64.ldr(2, 10));
    const { machine, vcpu } = await mmuGuest(program);
    machine.write(DATA, 8, 41n);
    vcpu.set('sctlr_el1', 1).set('pc', CODE_VA).set('x9', DATA_VA).set('x10', 0x6000_0010n);
    const exit = vcpu.run(10);
    expect(machine.read(DATA + 8n, 8)).toBe(42n);
    expect(exit).toMatchObject({ reason: 'fault', kind: 'translation', pc: CODE_VA + 12n, address: 0x6000_0010n });
    const syndrome = (exit as { syndrome: bigint }).syndrome;
    expect(syndrome >> 26n).toBe(0x25n); // data abort
    expect(syndrome & 0x3cn).toBe(0x04n); // translation fault
  });

  it('faults a write to a read-only page with WnR set, and an instruction fetch from an unmapped page as an instruction abort', async () => {
    const { vcpu } = await mmuGuest(new A64Program().emit(a64.str(1, 9), a64.b(0x1000)));
    vcpu.set('sctlr_el1', 1).set('pc', CODE_VA).set('x9', DATA_VA + 0x1000n);
    const write = vcpu.run(10) as { kind: string; syndrome: bigint };
    expect(write.kind).toBe('translation');
    expect([write.syndrome & 0x3cn, (write.syndrome >> 6n) & 1n]).toEqual([0x0cn, 1n]); // permission fault, WnR
    vcpu.set('pc', CODE_VA + 4n);
    const fetch = vcpu.run(10) as { kind: string; address: bigint; syndrome: bigint };
    expect([fetch.kind, fetch.address, fetch.syndrome >> 26n]).toEqual(['translation', CODE_VA + 0x1004n, 0x21n]);
  });

  it('turns the MMU on from guest code (MSR SCTLR_EL1) and reaches a device through a mapping', async () => {
    const program = new A64Program().emit(a64.msr('sctlr_el1', 3), a64.isb(), a64.ldr(4, 9), a64.ldr(5, 11, 0, 4), a64.svc());
    const { machine, vcpu } = await mmuGuest(program, (tables) => tables.map({ va: 0x7000_0000n, pa: 0x9000_0000n, size: 0x1000 }));
    machine.mmio.register({ base: 0x9000_0000n, size: 0x1000, read: (offset) => 0xd0 + offset, write: () => {} });
    machine.write(DATA, 8, 0x1234n);
    vcpu.set('pc', CODE).set('x3', 1).set('x9', DATA_VA).set('x11', 0x7000_0008n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('x4'), vcpu.get('x5')]).toEqual([0x1234n, 0xd8n]);
  });

  it('walks again for the first write to a page it has read: the hardware sets AF on the read and dirty (AP[2] clear) on the write', async () => {
    const program = new A64Program().emit(a64.ldr(1, 9), a64.ldr(2, 9, 8), a64.str(1, 9, 16), a64.ldr(3, 9, 16), a64.svc());
    const page = DATA_VA + 0x3000n;
    const { machine, vcpu, tables } = await mmuGuest(program, (t) => t.map({ va: page, pa: DATA + 0x3000n, size: 0x1000, writable: false, dirtyManaged: true, accessed: false }));
    const slot = leafSlot(machine, tables, page);
    machine.write(DATA + 0x3000n, 8, 7n);
    vcpu.set('tcr_el1', tables.tcr({ hardwareAccess: true, hardwareDirty: true })).set('sctlr_el1', 1).set('pc', CODE_VA).set('x9', page);
    const before = machine.read(slot, 8);
    expect(vcpu.run(10).reason).toBe('hypercall');
    const after = machine.read(slot, 8);
    expect([(before >> 10n) & 1n, (before >> 7n) & 1n]).toEqual([0n, 1n]);
    expect([(after >> 10n) & 1n, (after >> 7n) & 1n]).toEqual([1n, 0n]);
    expect([machine.read(DATA + 0x3010n, 8), vcpu.get('x3')]).toEqual([7n, 7n]);
  });

  it('keeps using a cached translation after the tables change, until a TLBI', async () => {
    const program = new A64Program().emit(a64.ldr(1, 9), a64.svc(), a64.ldr(2, 9), a64.svc(), a64.tlbiVmalle1(), a64.ldr(3, 9), a64.svc());
    const { machine, vcpu, tables } = await mmuGuest(program);
    machine.write(DATA, 8, 1n);
    machine.write(DATA + 0x2000n, 8, 2n);
    vcpu.set('sctlr_el1', 1).set('pc', CODE_VA).set('x9', DATA_VA);
    vcpu.run(10);
    // Remap DATA_VA to DATA + 0x2000 behind the guest's back (as another vCPU would).
    const slot = leafSlot(machine, tables, DATA_VA);
    retarget(machine, slot, DATA + 0x2000n);
    vcpu.run(10);
    vcpu.run(10);
    expect([vcpu.get('x1'), vcpu.get('x2'), vcpu.get('x3')]).toEqual([1n, 1n, 2n]);
  });

  it('TLBI VAE1 drops the page it names and keeps the others', async () => {
    const [a, b] = [DATA_VA + 0x4000n, DATA_VA + 0x5000n];
    const { machine, vcpu, tables } = await mmuGuest(invalidateOneAddress, (t) => {
      t.map({ va: a, pa: DATA + 0x4000n, size: 0x1000 });
      t.map({ va: b, pa: DATA + 0x5000n, size: 0x1000 });
    });
    for (let page = 4n; page < 8n; page++) machine.write(DATA + page * 0x1000n, 8, page);
    vcpu.set('sctlr_el1', 1).set('pc', CODE_VA).set('x9', a).set('x10', b).set('x11', a >> 12n);
    vcpu.run(10);
    retarget(machine, leafSlot(machine, tables, a), DATA + 0x6000n);
    retarget(machine, leafSlot(machine, tables, b), DATA + 0x7000n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('x1'), vcpu.get('x2'), vcpu.get('x3'), vcpu.get('x4')]).toEqual([4n, 5n, 6n, 5n]);
  });

  it('TLBI VAE1 names a TTBR1 address by VA[55:12] and drops that page only', async () => {
    const [a, b] = [0xffff_8000_0000_4000n, 0xffff_8000_0000_5000n];
    const { machine, vcpu } = await mmuGuest(invalidateOneAddress);
    machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: 0x9000_0000n, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const high = new A64PageTables(machine, 0x9000_0000n, 0x10000);
    high.map({ va: a, pa: DATA + 0x4000n, size: 0x1000 });
    high.map({ va: b, pa: DATA + 0x5000n, size: 0x1000 });
    for (let page = 4n; page < 8n; page++) machine.write(DATA + page * 0x1000n, 8, page);
    vcpu.set('ttbr1_el1', high.root).set('tcr_el1', high.tcr({ high: true })).set('sctlr_el1', 1).set('pc', CODE_VA);
    vcpu.set('x9', a).set('x10', b).set('x11', (a >> 12n) & ((1n << 44n) - 1n));
    vcpu.run(10);
    retarget(machine, leafSlot(machine, high, a), DATA + 0x6000n);
    retarget(machine, leafSlot(machine, high, b), DATA + 0x7000n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('x1'), vcpu.get('x2'), vcpu.get('x3'), vcpu.get('x4')]).toEqual([4n, 5n, 6n, 5n]);
  });

  it('TLBI VAE1 of one address in a 2 MiB block drops the whole block', async () => {
    const block = 0x6000_0000n;
    const other = 0xa000_0000n;
    const { machine, vcpu, tables } = await mmuGuest(invalidateOneAddress, (t) => t.map({ va: block, pa: DATA, size: 0x20_0000 }));
    machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: other, memorySize: 0x2000, userspaceAddr: machine.allocateBacking(0x2000) });
    for (const [base, tag] of [[DATA, 0x10n], [other, 0x20n]] as const) {
      machine.write(base, 8, tag);
      machine.write(base + 0x1000n, 8, tag + 1n);
    }
    vcpu.set('sctlr_el1', 1).set('pc', CODE_VA).set('x9', block).set('x10', block + 0x1000n).set('x11', block >> 12n);
    vcpu.run(10);
    retarget(machine, leafSlot(machine, tables, block, 2), other);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('x1'), vcpu.get('x2'), vcpu.get('x3'), vcpu.get('x4')]).toEqual([0x10n, 0x11n, 0x20n, 0x21n]);
  });
});
