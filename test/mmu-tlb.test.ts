import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, A64Program, a64, PpcRadixTables, PpcProgram, ppc, ArmShortTables, ArmLpaeTables, a32 } from '../dist/src/index.js';

// The software TLB keeps address spaces apart by context tags (ASID, PID), and marks
// pages no slot covers as MMIO. Every check below observes the TLB through a stale
// translation: a descriptor changed behind the guest's back without invalidation is
// seen only if the access walked.

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const TABLES = 0x8000_0000n;
const CODE_VA = 0x4000_0000n;
const DATA_VA = 0x5000_0000n;
const DEVICE = 0x9000_0000n;

async function a64Machine(vcpus = 1) {
  // 4096 entries: each context's salt puts DATA_VA on its own entry (no evictions by collision).
  const machine = await Machine.create({ arenaBytes: 16 << 20, vcpus, tlbEntries: 4096 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x40_0000, userspaceAddr: machine.allocateBacking(0x40_0000) });
  let nextTables = TABLES;
  /** A fresh set of tables mapping the code (identity and CODE_VA) and DATA_VA → `dataPa`. */
  const addressSpace = (dataPa: bigint) => {
    const tables = new A64PageTables(machine, nextTables, 0x1_0000);
    nextTables += 0x1_0000n;
    tables.map({ va: CODE_VA, pa: CODE, size: 0x1000, writable: false });
    tables.map({ va: DATA_VA, pa: dataPa, size: 0x1000 });
    return tables;
  };
  return { machine, addressSpace };
}

/** Points the 4 KiB descriptor that maps `va` in `tables` at `pa`, behind the guest's back. */
function retarget(machine: Machine, tables: A64PageTables, va: bigint, pa: bigint): void {
  let table = tables.root;
  for (let level = 0; level < 3; level++) table = machine.read(table + ((va >> BigInt(39 - 9 * level)) & 511n) * 8n, 8) & 0x0000_ffff_ffff_f000n;
  const slot = table + ((va >> 12n) & 511n) * 8n;
  machine.write(slot, 8, (machine.read(slot, 8) & ~0x0000_ffff_ffff_f000n) | pa);
}

const ttbr = (tables: A64PageTables, asid: number) => tables.root | (BigInt(asid) << 48n);

describe('TLB address-space contexts (AArch64 ASIDs)', () => {
  it('keeps each ASID\'s entries across TTBR switches, and TLBI ASIDE1 drops only the named one', async () => {
    const { machine, addressSpace } = await a64Machine();
    for (let page = 0n; page < 4n; page++) machine.write(DATA + page * 0x1000n, 8, page + 1n);
    const one = addressSpace(DATA);
    const two = addressSpace(DATA + 0x1000n);
    const program = new A64Program().emit(
      a64.ldr(1, 9), a64.msr('ttbr0_el1', 20), a64.isb(), a64.ldr(2, 9), a64.svc(),
      a64.msr('ttbr0_el1', 19), a64.isb(), a64.ldr(3, 9), a64.tlbiAside1(19), a64.dsb(), a64.isb(), a64.ldr(4, 9),
      a64.msr('ttbr0_el1', 20), a64.isb(), a64.ldr(5, 9), a64.tlbiVmalle1(), a64.dsb(), a64.ldr(6, 9), a64.svc());
    machine.writeBytes(CODE, program.bytes());
    const vcpu = one.enable(new Vcpu(machine, 0, 'aarch64'), { asid: 1 });
    vcpu.set('pc', CODE_VA).set('x9', DATA_VA).set('x19', ttbr(one, 1)).set('x20', ttbr(two, 2));
    expect(vcpu.run(20).reason).toBe('hypercall');
    expect([vcpu.get('x1'), vcpu.get('x2')]).toEqual([1n, 2n]);
    retarget(machine, one, DATA_VA, DATA + 0x2000n);
    retarget(machine, two, DATA_VA, DATA + 0x3000n);
    expect(vcpu.run(20).reason).toBe('hypercall');
    // x3: ASID 1's entry survived the switch to 2 and back; x4: ASIDE1 dropped it;
    // x5: ASID 2's entry survived that; x6: VMALLE1 dropped everything.
    expect([vcpu.get('x3'), vcpu.get('x4'), vcpu.get('x5'), vcpu.get('x6')]).toEqual([1n, 3n, 2n, 4n]);
  });

  it('gives a new ASID a context until the table is full, then evicts the oldest with its entries', async () => {
    const { machine, addressSpace } = await a64Machine();
    const contexts = machine.map.TLB_CONTEXTS;
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(1, 9), a64.svc()).bytes());
    const spaces = Array.from({ length: contexts + 1 }, (_, i) => {
      machine.write(DATA + BigInt(i) * 0x1000n, 8, BigInt(100 + i));
      return addressSpace(DATA + BigInt(i) * 0x1000n);
    });
    const vcpu = new Vcpu(machine, 0, 'aarch64').set('tcr_el1', spaces[0]!.tcr()).set('sctlr_el1', 1).set('x9', DATA_VA);
    const load = (i: number) => {
      vcpu.set('ttbr0_el1', ttbr(spaces[i]!, i + 1)).set('pc', CODE_VA);
      expect(vcpu.run(5).reason).toBe('hypercall');
      return vcpu.get('x1');
    };
    for (let i = 0; i < contexts; i++) expect(load(i)).toBe(BigInt(100 + i));
    // Remap the first two ASIDs' data behind the guest's back: their entries still hit.
    retarget(machine, spaces[0]!, DATA_VA, DATA + 0x80000n);
    retarget(machine, spaces[1]!, DATA_VA, DATA + 0x80000n);
    machine.write(DATA + 0x80000n, 8, 7n);
    expect([load(0), load(1)]).toEqual([100n, 101n]);
    // One ASID more than the table holds takes the oldest context (ASID 1's): its entries
    // go, ASID 2's stay; ASID 1 then comes back in the next oldest (ASID 2's).
    expect(load(contexts)).toBe(BigInt(100 + contexts));
    expect([load(1), load(0), load(1)]).toEqual([101n, 7n, 7n]);
  });

  it('posts TLBI ASIDE1IS to the other vCPUs, which drop that ASID\'s entries', async () => {
    const { machine, addressSpace } = await a64Machine(2);
    machine.write(DATA, 8, 1n);
    machine.write(DATA + 0x1000n, 8, 2n);
    const space = addressSpace(DATA);
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(1, 9), a64.svc()).bytes());
    machine.writeBytes(CODE + 0x100n, new A64Program().emit(a64.tlbiAside1is(19), a64.dsb(), a64.svc()).bytes());
    const reader = space.enable(new Vcpu(machine, 0, 'aarch64'), { asid: 5 }).set('x9', DATA_VA);
    const poster = space.enable(new Vcpu(machine, 1, 'aarch64'), { asid: 5 });
    const read = () => {
      reader.set('pc', CODE_VA);
      expect(reader.run(5).reason).toBe('hypercall');
      return reader.get('x1');
    };
    expect(read()).toBe(1n);
    retarget(machine, space, DATA_VA, DATA + 0x1000n);
    expect(read()).toBe(1n);
    poster.set('pc', CODE_VA + 0x100n).set('x19', 6n << 48n); // another ASID: the reader keeps its entry
    expect(poster.run(5).reason).toBe('hypercall');
    expect(read()).toBe(1n);
    poster.set('pc', CODE_VA + 0x100n).set('x19', 5n << 48n);
    expect(poster.run(5).reason).toBe('hypercall');
    expect(read()).toBe(2n);
  });
});

describe('TLB entries and changes behind them', () => {
  it('a remap without invalidation is not seen until a colliding page evicts the entry', async () => {
    const machine = await Machine.create({ arenaBytes: 16 << 20, tlbEntries: 16 }); // 8 data entries
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x1_0000, userspaceAddr: machine.allocateBacking(0x1_0000) });
    const tables = new A64PageTables(machine, TABLES, 0x1_0000);
    tables.map({ va: CODE_VA, pa: CODE, size: 0x1000, writable: false });
    for (let page = 0n; page < 9n; page++) tables.map({ va: DATA_VA + page * 0x1000n, pa: DATA + page * 0x1000n, size: 0x1000 });
    machine.write(DATA, 8, 1n);
    machine.write(DATA + 0x20000n, 8, 2n);
    // x1: fill; x2: stale after the remap; x3: after DATA_VA + 8 pages (the same index) evicted it.
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(1, 9), a64.svc(), a64.ldr(2, 9), a64.ldr(4, 10), a64.ldr(3, 9), a64.svc()).bytes());
    const vcpu = tables.enable(new Vcpu(machine, 0, 'aarch64'));
    vcpu.set('pc', CODE_VA).set('x9', DATA_VA).set('x10', DATA_VA + 0x8000n);
    expect(vcpu.run(5).reason).toBe('hypercall');
    retarget(machine, tables, DATA_VA, DATA + 0x20000n);
    expect(vcpu.run(5).reason).toBe('hypercall');
    expect([vcpu.get('x1'), vcpu.get('x2'), vcpu.get('x3')]).toEqual([1n, 1n, 2n]);
  });

  it('a slot move never leaves an entry pointing at the old backing, with the MMU on or off', async () => {
    for (const mmu of [false, true]) {
      const { machine, addressSpace } = await a64Machine();
      const space = addressSpace(DATA);
      const page = 0x30_0000n; // its own slot, moved away and replaced
      space.map({ va: 0x6000_0000n, pa: page, size: 0x1000 });
      const [oldBacking, newBacking] = [machine.allocateBacking(0x1000), machine.allocateBacking(0x1000)];
      machine.setUserMemoryRegion({ slot: 5, guestPhysAddr: page, memorySize: 0x1000, userspaceAddr: oldBacking });
      machine.write(page, 8, 0xa1n);
      machine.writeBytes(CODE, new A64Program().emit(a64.ldr(1, 11), a64.str(12, 11, 8), a64.svc(), a64.ldr(2, 11), a64.str(12, 11, 16), a64.svc()).bytes());
      const vcpu = new Vcpu(machine, 0, 'aarch64').set('x11', mmu ? 0x6000_0000n : page).set('x12', 0x55n).set('pc', mmu ? CODE_VA : CODE);
      if (mmu) space.enable(vcpu);
      expect(vcpu.run(5).reason).toBe('hypercall');
      machine.setUserMemoryRegion({ slot: 5, guestPhysAddr: 0x40_0000n, memorySize: 0x1000, userspaceAddr: oldBacking }); // MOVE
      machine.setUserMemoryRegion({ slot: 6, guestPhysAddr: page, memorySize: 0x1000, userspaceAddr: newBacking });
      machine.write(page, 8, 0xb2n);
      expect(vcpu.run(5).reason).toBe('hypercall');
      // The second load and store reach the new backing; the old one (now at 0x40_0000) kept only the first store.
      expect([vcpu.get('x1'), vcpu.get('x2')], `mmu ${mmu}`).toEqual([0xa1n, 0xb2n]);
      expect([machine.read(page + 16n, 8), machine.read(0x40_0010n, 8), machine.read(0x40_0008n, 8)]).toEqual([0x55n, 0n, 0x55n]);
    }
  });
});

describe('translation faults a host resolves', () => {
  it('demand paging: the fault exit names the access, the host maps the page, the same instruction then completes', async () => {
    const { machine, addressSpace } = await a64Machine();
    const space = addressSpace(DATA);
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(1, 9), a64.str(1, 10), a64.svc()).bytes());
    machine.write(DATA + 0x5000n, 8, 0x77n);
    const vcpu = space.enable(new Vcpu(machine, 0, 'aarch64'));
    vcpu.set('pc', CODE_VA).set('x9', 0x6000_0000n).set('x10', 0x6100_0008n);
    const served: bigint[] = [];
    let exit = vcpu.run(10);
    for (let pages = 0; exit.reason === 'fault' && pages < 4; pages++) {
      const { address, pc } = exit as { address: bigint; pc: bigint };
      served.push(pc - CODE_VA);
      space.map({ va: address & ~0xfffn, pa: DATA + 0x5000n + BigInt(pages) * 0x1000n, size: 0x1000 }); // fresh mapping: no TLBI needed
      exit = vcpu.run(10);
    }
    expect(exit.reason).toBe('hypercall');
    expect(served).toEqual([0n, 4n]); // the load, then the store, each faulted once
    expect([vcpu.get('x1'), machine.read(DATA + 0x6008n, 8)]).toEqual([0x77n, 0x77n]);
  });
});

describe('TLB MMIO marks', () => {
  it('with the MMU on, reaches a device again without walking until a TLBI, and sees RAM once a slot covers the page', async () => {
    const { machine, addressSpace } = await a64Machine();
    const space = addressSpace(DATA);
    space.map({ va: 0x7000_0000n, pa: DEVICE, size: 0x1000 });
    const reads: bigint[] = [];
    machine.mmio.register({ base: DEVICE, size: 0x2000, read: (offset) => { reads.push(BigInt(offset)); return 0x100 + offset; }, write: () => {} });
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(5, 11), a64.svc(), a64.ldr(6, 11), a64.svc(), a64.tlbiVmalle1(), a64.ldr(7, 11), a64.svc(), a64.ldr(8, 11), a64.svc()).bytes());
    const vcpu = space.enable(new Vcpu(machine, 0, 'aarch64'));
    vcpu.set('pc', CODE_VA).set('x11', 0x7000_0000n);
    expect(vcpu.run(5).reason).toBe('hypercall');
    retarget(machine, space, 0x7000_0000n, DEVICE + 0x1000n);
    expect(vcpu.run(5).reason).toBe('hypercall');
    expect(vcpu.run(5).reason).toBe('hypercall');
    expect([vcpu.get('x5'), vcpu.get('x6'), vcpu.get('x7')]).toEqual([0x100n, 0x100n, 0x1100n]);
    expect(reads).toEqual([0n, 0n, 0x1000n]);
    machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: DEVICE + 0x1000n, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    machine.write(DEVICE + 0x1000n, 8, 0x77n);
    expect(vcpu.run(5).reason).toBe('hypercall');
    expect([vcpu.get('x8'), reads.length]).toEqual([0x77n, 3]);
  });

  it('with the MMU off, sends reads and writes to the device each time and RAM after a slot appears', async () => {
    const { machine } = await a64Machine();
    const log: string[] = [];
    machine.mmio.register({
      base: DEVICE, size: 0x1000,
      read: (offset) => { log.push(`r${offset}`); return 5; },
      write: (offset, _size, value) => { log.push(`w${offset}=${value}`); },
    });
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(1, 11), a64.str(1, 11, 8), a64.ldr(2, 11), a64.str(2, 11, 8), a64.svc(), a64.ldr(3, 11), a64.svc()).bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', CODE).set('x11', DEVICE);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(log).toEqual(['r0', 'w8=5', 'r0', 'w8=5']);
    machine.setUserMemoryRegion({ slot: 3, guestPhysAddr: DEVICE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    machine.write(DEVICE, 8, 9n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('x3'), log.length]).toEqual([9n, 4]);
  });
});

describe('TLB address-space contexts (PowerPC radix PIDs)', () => {
  it('keeps each PID\'s entries across mtspr PID, and a PTCR write drops them all', async () => {
    const machine = await Machine.create({ arenaBytes: 16 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x80_0000, userspaceAddr: machine.allocateBacking(0x80_0000) });
    const tables = new PpcRadixTables(machine, TABLES, 0x80_0000);
    for (const pid of [1, 2]) {
      tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false, pid });
      tables.map({ va: DATA_VA, pa: DATA + BigInt(pid) * 0x1000n, size: 0x1000, pid });
      machine.write(DATA + BigInt(pid) * 0x1000n, 8, BigInt(pid), { endian: 'big' });
    }
    machine.write(DATA + 0x3000n, 8, 3n, { endian: 'big' });
    const program = new PpcProgram().emit(
      ppc.ld(4, 0, 3), ppc.mtspr(48, 8), ppc.ld(5, 0, 3), ppc.sc(),
      ppc.mtspr(48, 7), ppc.ld(6, 0, 3), ppc.mtspr(464, 9), ppc.ld(10, 0, 3), ppc.sc());
    machine.writeBytes(CODE, program.bytes('big'));
    const vcpu = tables.enable(new Vcpu(machine, 0, 'ppc64be'), { pid: 1 }).set('pc', CODE).set('r3', DATA_VA).set('r7', 1).set('r8', 2).set('r9', tables.ptcr);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('r4'), vcpu.get('r5')]).toEqual([1n, 2n]);
    const leaf = tables.leafAddress(DATA_VA, 1);
    machine.write(leaf, 8, (machine.read(leaf, 8, { endian: 'big' }) & ~0x00ff_ffff_ffff_f000n) | (DATA + 0x3000n), { endian: 'big' });
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('r6'), vcpu.get('r10')]).toEqual([1n, 3n]);
  });
});

describe('TLB address-space contexts (AArch32: CONTEXTIDR, LPAE TTBR ASIDs)', () => {
  const CONTEXTIDR = [0, 13, 0, 1] as const;
  const TLBIASID = [0, 8, 7, 2] as const;
  const mcr = (rt: number, [opc1, crn, crm, opc2]: readonly [number, number, number, number]) => a32.mcr(15, opc1, rt, crn, crm, opc2);
  const bytes = (words: number[]) => {
    const out = new Uint8Array(words.length * 4);
    words.forEach((word, i) => new DataView(out.buffer).setUint32(i * 4, word, true));
    return out;
  };
  /** Loads through ASID 1 and 2 (switched by `toAsid(6 or 7)`), stops; then back to 1, TLBIASID r12 (= 1), and to 2. */
  const program = (toAsid: (register: number) => number[]) => bytes([
    a32.ldr(1, 9), ...toAsid(7), a32.ldr(2, 9), a32.svc(),
    ...toAsid(6), a32.ldr(3, 9), mcr(12, TLBIASID), a32.dsb(), a32.ldr(4, 9), ...toAsid(7), a32.ldr(5, 9), a32.svc(),
  ]);

  async function arm32Machine(code: Uint8Array) {
    const machine = await Machine.create({ arenaBytes: 16 << 20, tlbEntries: 4096 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
    machine.writeBytes(CODE, code);
    machine.write(DATA, 4, 1n);
    machine.write(DATA + 0x1000n, 4, 2n);
    return machine;
  }

  it('short descriptors: CONTEXTIDR switches keep each ASID\'s entries; TLBIASID drops only its own', async () => {
    const machine = await arm32Machine(program((register) => [mcr(register, CONTEXTIDR), a32.isb()]));
    const tables = new ArmShortTables(machine, TABLES, 0x10_0000);
    tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false });
    tables.map({ va: DATA_VA, pa: DATA, size: 0x1000 });
    const vcpu = tables.enable(new Vcpu(machine, 0, 'arm')).set('contextidr', 1).set('pc', CODE).set('r9', DATA_VA).set('r6', 1).set('r7', 2).set('r12', 1);
    expect(vcpu.run(20).reason).toBe('hypercall');
    const leaf = tables.leafAddress(DATA_VA);
    machine.write(leaf, 4, (machine.read(leaf, 4) & 0xfffn) | (DATA + 0x1000n));
    expect(vcpu.run(20).reason).toBe('hypercall');
    // Both ASIDs filled DATA_VA → DATA; after the remap, ASID 1's entry survives the
    // switches until TLBIASID 1 (r4 walks), and ASID 2's survives that.
    expect(['r1', 'r2', 'r3', 'r4', 'r5'].map((name) => vcpu.get(name))).toEqual([1n, 1n, 1n, 2n, 1n]);
  });

  it('LPAE: a TTBR0 write with another ASID is a context switch, not a flush', async () => {
    // MCRR TTBR0 from r6:r10 (ASID 1) or r7:r11 (ASID 2).
    const machine = await arm32Machine(program((register) => [a32.mcrr(15, 0, register, register === 6 ? 10 : 11, 2), a32.isb()]));
    const tables = new ArmLpaeTables(machine, TABLES, 0x10_0000);
    tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false });
    tables.map({ va: DATA_VA, pa: DATA, size: 0x1000 });
    const vcpu = tables.enable(new Vcpu(machine, 0, 'arm')).set('pc', CODE).set('r9', DATA_VA).set('r12', 1);
    const root = vcpu.get('ttbr0');
    // r6/r7: TTBR0's low word; r10/r11: its high word with ASID 1 or 2 in bits 23:16 (TTBR0[55:48]).
    vcpu.set('ttbr0', root | (1n << 48n)).set('r6', root & 0xffff_ffffn).set('r7', root & 0xffff_ffffn);
    vcpu.set('r10', (root >> 32n) | (1n << 16n)).set('r11', (root >> 32n) | (2n << 16n));
    expect(vcpu.run(20).reason).toBe('hypercall');
    const leaf = tables.leafAddress(DATA_VA);
    machine.write(leaf, 8, (machine.read(leaf, 8) & ~0xff_ffff_f000n) | (DATA + 0x1000n));
    expect(vcpu.run(20).reason).toBe('hypercall');
    expect(['r1', 'r2', 'r3', 'r4', 'r5'].map((name) => vcpu.get(name))).toEqual([1n, 1n, 1n, 2n, 1n]);
  });
});

describe('the PowerPC run loop\'s cached code page', () => {
  it('is translated again after an instruction that invalidates: a guest remapping its own code page runs the new page next', async () => {
    const machine = await Machine.create({ arenaBytes: 16 << 20 });
    const [first, second] = [CODE, CODE + 0x1000n];
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x80_0000, userspaceAddr: machine.allocateBacking(0x80_0000) });
    const tables = new PpcRadixTables(machine, TABLES, 0x80_0000);
    tables.map({ va: CODE_VA, pa: first, size: 0x1000 });
    const leaf = tables.leafAddress(CODE_VA);
    const leafPage = leaf & ~0xfffn;
    tables.map({ va: leafPage, pa: leafPage, size: 0x1000 }); // the guest writes its leaf entry there
    // Both frames: std r5 → the leaf; tlbiel r7; then frame 1 says r3 = 1, frame 2 r3 = 2.
    const prologue = [ppc.std(5, 0, 6), ppc.tlbiel(7)];
    machine.writeBytes(first, new PpcProgram().emit(...prologue, ppc.li(3, 1), ppc.sc()).bytes('big'));
    machine.writeBytes(second, new PpcProgram().emit(...prologue, ppc.li(3, 2), ppc.sc()).bytes('big'));
    const remapped = (machine.read(leaf, 8, { endian: 'big' }) & ~0x00ff_ffff_ffff_f000n) | second;
    const vcpu = tables.enable(new Vcpu(machine, 0, 'ppc64be')).set('pc', CODE_VA).set('r5', remapped).set('r6', leaf).set('r7', CODE_VA);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r3')).toBe(2n);
  });
});

