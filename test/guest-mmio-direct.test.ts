// A page one built-in scratch device holds whole gets a direct TLB mark (assembly/mmu/tlb.ts
// tlbSetMmioHint): its accesses are TLB hits through RAM's addend, each one counted, in the
// A64 micro-ops, the shared readMissed/writeMissed and compiled loops. These check that the
// fast path reaches exactly the device the general path would: not a device before it that
// decodes part of the page, not past the page or at a refused width, not after a handler
// put RAM over the page, and that values, bytes and MMIO counts are those the accesses define.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64Program, A64PageTables, PpcProgram, a64, ppc } from '../dist/src/index.js';

const CODE = 0x10_0000;
const TABLES = 0x20_0000;
const PAGE = 0x30_0000; // the scratch device's page
const NEXT = 0x30_1000; // a JS device on the page after it
const SWITCH = 0x30_2000; // a JS device whose write maps RAM over PAGE
const WIDE = 0x31_0000; // a two-page scratch device
const ROUNDS = 20;
const SIZES = [1, 2, 4, 8] as const;

/** `value`'s low `size` bytes in the guest's byte order. */
function bytesOf(value: bigint, size: number, big: boolean): number[] {
  const bytes = Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
  return big ? bytes.reverse() : bytes;
}

interface Rig {
  machine: Machine;
  vcpu: Vcpu;
  scratch: number;
  ram: number;
}

/** Code and tables in RAM, then `devices` adds the devices; identity tables map every page used when `mmu`. */
async function rig(options: { arch?: 'aarch64' | 'aarch64_be'; mmu?: boolean; jit?: boolean }, devices: (machine: Machine) => number): Promise<Rig> {
  const machine = await Machine.create({ arenaBytes: 4 << 20, jit: options.jit ?? false });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: TABLES, memorySize: 0x2_0000, userspaceAddr: machine.allocateBacking(0x2_0000) });
  const scratch = devices(machine);
  const ram = machine.allocateBacking(0x1000);
  const tables = new A64PageTables(machine, BigInt(TABLES), 0x2_0000);
  for (const page of [CODE, PAGE, NEXT, SWITCH, WIDE, WIDE + 0x1000]) tables.map({ va: BigInt(page), pa: BigInt(page), size: 0x1000 });
  const vcpu = new Vcpu(machine, 0, options.arch ?? 'aarch64');
  return { machine, scratch, ram, vcpu: options.mmu ? tables.enable(vcpu) : vcpu };
}

/** Runs the program at CODE to its svc (in short runs, so a compiled loop is entered and left); returns the MMIO accesses counted. */
function runToSvc(vcpu: Vcpu, program: A64Program): bigint {
  vcpu.machine.writeBytes(CODE, program.bytes());
  vcpu.set('pc', BigInt(CODE));
  const before = vcpu.core.counters().mmio;
  let exit;
  for (let run = 0; run < 200 && (exit = vcpu.run(97)).reason === 'budget'; run++);
  expect(exit!.reason).toBe('hypercall');
  return vcpu.core.counters().mmio - before;
}

const loop = (body: number[]) => new A64Program().emit(a64.movz(2, ROUNDS)).label('loop').emit(...body)
  .emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());

describe('guest accesses to a page a scratch device holds whole (direct TLB marks)', () => {
  it('keep every value, byte order and count, read and written in turn, interpreted and compiled', async () => {
    for (const jit of [false, true]) {
      for (const arch of ['aarch64', 'aarch64_be'] as const) {
        for (const mmu of [false, true]) {
          for (const size of SIZES) {
            const { machine, vcpu, scratch } = await rig({ arch, mmu, jit }, (m) => m.addBuiltinDevice({ kind: 'scratch', base: PAGE, size: 0x1000 }));
            const big = arch === 'aarch64_be';
            // Each round: 4 stores of x(5+i) to [x14, #8i], 4 loads back into x(22+i), x5 += 1.
            const body: number[] = [];
            for (let i = 0; i < 4; i++) body.push(a64.str(5 + i, 14, i * 8, size));
            for (let i = 0; i < 4; i++) body.push(a64.ldr(22 + i, 14, i * 8, size));
            body.push(a64.add(5, 5, 1));
            const values = Array.from({ length: 4 }, (_, i) => 0x0102_0304_0506_0708n * BigInt(i + 3));
            values.forEach((value, i) => vcpu.set(`x${5 + i}` as 'x5', value));
            vcpu.set('x14', BigInt(PAGE + 0x100));
            const counted = runToSvc(vcpu, loop(body));
            const where = `jit ${jit}, ${arch}, MMU ${mmu ? 'on' : 'off'}, size ${size}`;
            const mask = (1n << BigInt(8 * size)) - 1n;
            const last = [values[0]! + BigInt(ROUNDS - 1), ...values.slice(1)];
            expect(Array.from({ length: 4 }, (_, i) => vcpu.get(`x${22 + i}` as 'x22')), where).toEqual(last.map((value) => value & mask));
            expect([...machine.backing(scratch + 0x100, 32)], where).toEqual(last.flatMap((value) => [...bytesOf(value, size, big), ...new Array<number>(8 - size).fill(0)]));
            expect(counted, where).toBe(BigInt(ROUNDS * 8));
          }
        }
      }
    }
  });

  it('reach the right bytes of a scratch device over two pages, and not past one that holds part of a page', async () => {
    for (const jit of [false, true]) {
      for (const mmu of [false, true]) {
        // A half-page scratch device at PAGE with a counter after it on the same page; a two-page one at WIDE.
        let half = 0;
        const { vcpu, scratch: wide, machine } = await rig({ mmu, jit }, (m) => {
          half = m.addBuiltinDevice({ kind: 'scratch', base: PAGE, size: 0x800 });
          m.addBuiltinDevice({ kind: 'counter', base: PAGE + 0x800, size: 8 });
          return m.addBuiltinDevice({ kind: 'scratch', base: WIDE, size: 0x2000 });
        });
        // Each round: str x5 -> [PAGE], ldr x6 <- the counter, ldr x7 <- [PAGE], str x5 -> [WIDE + 0x1008], ldr x9 <- [WIDE + 8], x5 += 1.
        vcpu.set('x5', 0x77n).set('x14', BigInt(PAGE)).set('x15', BigInt(PAGE + 0x800)).set('x16', BigInt(WIDE));
        machine.backing(wide, 16).fill(0x33);
        const counted = runToSvc(vcpu, loop([a64.str(5, 14, 0, 8), a64.ldr(6, 15, 0, 8), a64.ldr(7, 14, 0, 8),
          a64.str(5, 16, 0x1008, 8), a64.ldr(9, 16, 8, 8), a64.add(5, 5, 1)]));
        const where = `jit ${jit}, MMU ${mmu ? 'on' : 'off'}`;
        expect(vcpu.get('x6'), where).toBe(BigInt(ROUNDS));
        expect(vcpu.get('x7'), where).toBe(0x77n + BigInt(ROUNDS - 1));
        expect(vcpu.get('x9'), where).toBe(0x3333_3333_3333_3333n);
        expect([...machine.backing(wide + 0x1008, 8)], where).toEqual(bytesOf(0x77n + BigInt(ROUNDS - 1), 8, false));
        expect([...machine.backing(half, 8)], where).toEqual(bytesOf(0x77n + BigInt(ROUNDS - 1), 8, false));
        expect(counted, where).toBe(BigInt(ROUNDS * 5));
      }
    }
  });

  it('take misaligned and page-crossing accesses the general way, then go on direct', async () => {
    for (const mmu of [false, true]) {
      const reads: [number, number][] = [];
      const { vcpu, scratch, machine } = await rig({ mmu }, (m) => {
        m.mmio.register({ name: 'next', base: NEXT, size: 0x1000, read: (offset, size) => { reads.push([offset, size]); return 0xa5a5_a5a5; }, write: () => {} });
        return m.addBuiltinDevice({ kind: 'scratch', base: PAGE, size: 0x1000 });
      });
      machine.backing(scratch, 0x1000).set(Uint8Array.from({ length: 0x1000 }, (_, i) => (i * 7 + 1) & 0xff));
      const expected = (offset: number, size: number) => {
        let value = 0n;
        for (let i = 0; i < size; i++) value |= BigInt(offset + i < 0x1000 ? ((offset + i) * 7 + 1) & 0xff : 0xa5) << BigInt(8 * i);
        return value;
      };
      // Each round: ldr x6 <- [PAGE + 8] (direct), ldur x7 <- [PAGE + 0x3] (misaligned), ldr x8 <- [PAGE + 0x10];
      // MMU off only: ldur x9 <- [PAGE + 0xffc] (8 bytes: 4 from the scratch page, 4 from the JS device after it).
      vcpu.set('x14', BigInt(PAGE)).set('x15', BigInt(PAGE + 0xff0));
      const body = [a64.ldr(6, 14, 8, 8), a64.ldur(7, 14, 3, 8), a64.ldr(8, 14, 0x10, 8)];
      if (!mmu) body.push(a64.ldur(9, 15, 0xc, 8));
      const counted = runToSvc(vcpu, loop(body));
      const where = `MMU ${mmu ? 'on' : 'off'}`;
      expect(vcpu.get('x6'), where).toBe(expected(8, 8));
      expect(vcpu.get('x7'), where).toBe(expected(3, 8));
      expect(vcpu.get('x8'), where).toBe(expected(0x10, 8));
      if (!mmu) {
        expect(vcpu.get('x9'), where).toBe(expected(0xffc, 8));
        expect(reads, where).toEqual(new Array(ROUNDS).fill([0, 4]));
      }
      // One count an access, the page-crossing one a count for each page's part.
      expect(counted, where).toBe(BigInt(ROUNDS * (mmu ? 3 : 5)));
    }
  });

  it('reach the RAM a handler mapped over the page from the very next access, interpreted and compiled', async () => {
    for (const jit of [false, true]) {
      let ram = 0;
      const { machine, vcpu, scratch, ram: backing } = await rig({ jit }, (m) => {
        m.mmio.register({ name: 'switch', base: SWITCH, size: 0x1000, read: () => 0, write: (_offset, _size, value) => {
          if (Number(value) === ROUNDS / 2) m.setUserMemoryRegion({ slot: 2, guestPhysAddr: PAGE, memorySize: 0x1000, userspaceAddr: ram });
        } });
        return m.addBuiltinDevice({ kind: 'scratch', base: PAGE, size: 0x1000 });
      });
      ram = backing;
      machine.backing(scratch, 8).fill(0x11);
      machine.backing(ram, 8).fill(0x22);
      // Each round: ldr x6 <- [PAGE], str x2 -> the switch, ldr x7 <- [PAGE], add x8 += x7 & 0xff (scratch 0x11, RAM 0x22).
      vcpu.set('x8', 0n).set('x13', BigInt(SWITCH)).set('x14', BigInt(PAGE));
      const counted = runToSvc(vcpu, loop([a64.ldr(6, 14, 0, 8), a64.str(2, 13, 0, 4), a64.ldr(7, 14, 0, 1), a64.addRegister(8, 8, 7)]));
      // Rounds count x2 down from ROUNDS: the switch happens in round x2 == ROUNDS / 2, whose second load already reads RAM.
      const scratchRounds = ROUNDS / 2;
      expect(vcpu.get('x8'), `jit ${jit}`).toBe(BigInt(scratchRounds * 0x11 + (ROUNDS - scratchRounds) * 0x22));
      // Every switch store, the first load up to the switch's round, the second load before it.
      expect(counted, `jit ${jit}`).toBe(BigInt(ROUNDS + (scratchRounds + 1) + scratchRounds));
    }
  });

  it('serve PowerPC lwz/stw (and the other sizes) the same way, interpreted and compiled', async () => {
    for (const jit of [false, true]) {
      for (const arch of ['ppc64be', 'ppc64le'] as const) {
        const machine = await Machine.create({ arenaBytes: 4 << 20, jit });
        machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
        const scratch = machine.addBuiltinDevice({ kind: 'scratch', base: PAGE, size: 0x1000 });
        // Each round: stw/sth/stb/std r5 at r13 + 0/8/16/24, then the loads back into r6..r9, r5 += 1.
        const program = new PpcProgram().emit(ppc.li(0, ROUNDS), ppc.mtctr(0)).label('loop')
          .emit(ppc.stw(5, 0, 13), ppc.sth(5, 8, 13), ppc.stb(5, 16, 13), ppc.std(5, 24, 13))
          .emit(ppc.lwz(6, 0, 13), ppc.lhz(7, 8, 13), ppc.lbz(8, 16, 13), ppc.ld(9, 24, 13), ppc.addi(5, 5, 1))
          .branchTo(ppc.bdnz, 'loop').emit(ppc.sc());
        machine.writeBytes(CODE, program.bytes(arch === 'ppc64be' ? 'big' : 'little'));
        const vcpu = new Vcpu(machine, 0, arch).set('pc', BigInt(CODE)).set('r5', 0x1122_3344_5566_7700n).set('r13', BigInt(PAGE + 0x40));
        const before = vcpu.core.counters().mmio;
        let exit;
        for (let run = 0; run < 200 && (exit = vcpu.run(97)).reason === 'budget'; run++);
        const where = `jit ${jit}, ${arch}`;
        expect(exit!.reason, where).toBe('hypercall');
        const last = 0x1122_3344_5566_7700n + BigInt(ROUNDS - 1);
        expect([vcpu.get('r6'), vcpu.get('r7'), vcpu.get('r8'), vcpu.get('r9')], where).toEqual([last & 0xffff_ffffn, last & 0xffffn, last & 0xffn, last]);
        expect([...machine.backing(scratch + 0x40 + 24, 8)], where).toEqual(bytesOf(last, 8, arch === 'ppc64be'));
        expect(vcpu.core.counters().mmio - before, where).toBe(BigInt(ROUNDS * 8));
      }
    }
  });
});
