// The interpreters' direct call of a hinted JS device (assembly/exec/guest-memory.ts
// markedRead/markedWrite, busLoadDirect/busStoreDirect in assembly/mem/access.ts): each
// access reaches the device its page's mark names and no other, with the record naming
// the access while the handler runs (what a vCPU thread's watchdog reports of a handler
// that never returns); a handler that throws is reported once, with its access; a device
// removed by a handler is not called again, even later in the same block.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64Program, A64PageTables, PpcProgram, a64, ppc } from '../dist/src/index.js';
import { ENTER_AFTER } from '../dist/src/accessor.js';

const CODE = 0x10_0000;
const TABLES = 0x20_0000;
const A = 0x0a00_0000;
const B = 0x0a00_1000;
const VA = 0x5000_0000n; // MMU on: VA -> B's page, VA + 0x1000 -> A's page (the other way round)
/** Enough rounds that every device's entry goes in (at its ENTER_AFTER-th locate) and is then used for a while. */
const ROUNDS = ENTER_AFTER + 8;
/** The call at which the throwing handlers throw: after the entry went in. */
const THROW_AT = ENTER_AFTER + 4;

async function machineWithCode(): Promise<Machine> {
  const machine = await Machine.create({ arenaBytes: 2 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1_0000, userspaceAddr: machine.allocateBacking(0x1_0000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: TABLES, memorySize: 0x4_0000, userspaceAddr: machine.allocateBacking(0x4_0000) });
  return machine;
}

/** What the record of vCPU 0 says while a handler runs: the access's gpa (REC_MMIO_GPA), its va (REC_MMIO_VA), the pc. */
function recordOf(machine: Machine): { gpa: bigint; va: bigint; pc: bigint } {
  const view = new DataView(machine.memory.buffer);
  const record = machine.map.VCPU_BASE;
  return {
    gpa: view.getBigUint64(record + machine.map.REC_MMIO_GPA, true),
    va: view.getBigUint64(record + machine.map.REC_MMIO_VA, true),
    pc: view.getBigUint64(record + machine.map.CPU_PC, true),
  };
}

describe('interpreted A64 accesses to two JS devices through hinted marks', () => {
  for (const mmu of [false, true]) {
    it(`MMU ${mmu ? 'on (pages swapped)' : 'off'}: every access reaches its own device, with its gpa, va and pc in the record, counted once`, async () => {
      const machine = await machineWithCode();
      const seen: string[] = [];
      const device = (name: string, base: number) => ({
        name, base, size: 0x1000,
        read: (offset: number, size: number) => {
          const r = recordOf(machine);
          seen.push(`${name} read ${offset} ${size} gpa ${r.gpa.toString(16)} va ${r.va.toString(16)} pc ${r.pc.toString(16)}`);
          return offset + size;
        },
        write: (offset: number, size: number, value: number | bigint) => {
          const r = recordOf(machine);
          seen.push(`${name} write ${offset} ${size} ${value} gpa ${r.gpa.toString(16)} va ${r.va.toString(16)} pc ${r.pc.toString(16)}`);
        },
      });
      machine.mmio.register(device('A', A));
      machine.mmio.register(device('B', B));
      let general = 0; // the bus's general path (bus.access), which a hint sent to the wrong device would end in
      const bus = machine.mmio;
      const access = bus.access.bind(bus);
      bus.access = (...args) => { general++; return access(...args); };
      // x1 -> A, x3 -> B; each round: ldrb A+1, ldrh B+2, ldr A+4, ldr x B+8, str w A+0x10, str x B+0x18 (the values loaded), in one block.
      const [aAt, bAt] = mmu ? [VA + 0x1000n, VA] : [BigInt(A), BigInt(B)];
      const program = new A64Program().emit(a64.movz(2, ROUNDS)).label('loop').emit(
        a64.ldr(5, 1, 1, 1), a64.ldr(6, 3, 2, 2), a64.ldr(7, 1, 4, 4), a64.ldr(8, 3, 8, 8), a64.str(7, 1, 0x10, 4), a64.str(8, 3, 0x18, 8),
      ).emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());
      machine.writeBytes(CODE, program.bytes());
      let vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x1', aAt).set('x3', bAt);
      if (mmu) {
        const tables = new A64PageTables(machine, BigInt(TABLES), 0x4_0000);
        tables.map({ va: BigInt(CODE), pa: BigInt(CODE), size: 0x1000 });
        tables.map({ va: VA, pa: BigInt(B), size: 0x1000 });
        tables.map({ va: VA + 0x1000n, pa: BigInt(A), size: 0x1000 });
        vcpu = tables.enable(vcpu);
      }
      const before = vcpu.core.counters().mmio;
      expect(vcpu.run(1000).reason).toBe('hypercall');
      const at = (index: number) => (CODE + 4 * (1 + index)).toString(16);
      const named = (name: string, what: string, offset: number, va: bigint, index: number) =>
        `${name} ${what} gpa ${((name === 'A' ? A : B) + offset).toString(16)} va ${(va + BigInt(offset)).toString(16)} pc ${at(index)}`;
      const round = [
        named('A', 'read 1 1', 1, aAt, 0), named('B', 'read 2 2', 2, bAt, 1), named('A', 'read 4 4', 4, aAt, 2),
        named('B', 'read 8 8', 8, bAt, 3), named('A', 'write 16 4 8', 0x10, aAt, 4), named('B', 'write 24 8 16', 0x18, bAt, 5),
      ];
      expect(seen).toEqual(Array.from({ length: ROUNDS }, () => round).flat());
      expect(vcpu.core.counters().mmio - before).toBe(BigInt(6 * ROUNDS));
      // The first accesses of each page and kind mark it, the next keep the device's hint until its entry
      // goes in; the rest go straight.
      expect(general).toBeLessThanOrEqual(2 * (ENTER_AFTER + 4));
      expect([vcpu.get('x5'), vcpu.get('x6'), vcpu.get('x7'), vcpu.get('x8')]).toEqual([2n, 4n, 8n, 16n]);
    });
  }

  for (const store of [false, true]) {
    it(`a ${store ? 'store' : 'load'} whose handler throws on a call after its entry went in ends the run with device-error naming that access, the handler not called again`, async () => {
      const machine = await machineWithCode();
      let calls = 0;
      const bump = () => {
        if (++calls === THROW_AT) throw new Error('device broke');
        return 0;
      };
      machine.mmio.register({ name: 'A', base: A, size: 0x1000, read: bump, write: bump });
      const program = new A64Program().emit(a64.movz(2, ROUNDS)).label('loop')
        .emit(store ? a64.str(2, 1, 8, 4) : a64.ldr(5, 1, 8, 4), a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());
      machine.writeBytes(CODE, program.bytes());
      const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x1', BigInt(A));
      const before = vcpu.core.counters().mmio;
      const exit = vcpu.run(1000);
      expect(exit).toMatchObject({ reason: 'device-error', pc: BigInt(CODE + 4), gpa: BigInt(A + 8) });
      expect(calls).toBe(THROW_AT);
      expect(machine.mmio.lastFailure?.device).toBe('A');
      expect(vcpu.core.counters().mmio - before).toBe(BigInt(THROW_AT)); // the done ones, and the failed one as the general path counts it
    });
  }

  it('a read\'s whole value comes back exact, the top bit of each width set or not (the entry\'s number to an integer)', async () => {
    const machine = await machineWithCode();
    const values: Record<number, number | bigint> = { 0: 0xffff_ffff, 4: 0x8000_0001, 8: 0xffff_ffff_ffff_fffen, 16: 0x8000_0000_0000_0000n, 24: 0xfffe, 26: 0xff, 28: 0 };
    machine.mmio.register({ name: 'A', base: A, size: 0x1000, write: () => {}, read: (offset: number) => values[offset]! });
    const program = new A64Program().emit(a64.movz(2, ROUNDS)).label('loop').emit(
      a64.ldr(5, 1, 0, 4), a64.ldr(6, 1, 4, 4), a64.ldr(7, 1, 8, 8), a64.ldr(8, 1, 16, 8), a64.ldr(9, 1, 24, 2), a64.ldr(10, 1, 26, 1), a64.ldr(11, 1, 28, 4),
    ).emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());
    machine.writeBytes(CODE, program.bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x1', BigInt(A)).set('x11', 5n);
    const before = vcpu.core.counters().mmio;
    expect(vcpu.run(100_000).reason).toBe('hypercall');
    expect(['x5', 'x6', 'x7', 'x8', 'x9', 'x10', 'x11'].map((name) => vcpu.get(name as 'x5'))).toEqual(
      [0xffff_ffffn, 0x8000_0001n, 0xffff_ffff_ffff_fffen, 0x8000_0000_0000_0000n, 0xfffen, 0xffn, 0n]);
    expect(vcpu.core.counters().mmio - before).toBe(BigInt(7 * ROUNDS));
  });

  it('a device its own handler removes is not called again: the next access in the block leaves the run unclaimed', async () => {
    const machine = await machineWithCode();
    const reads: number[] = [];
    const registration = machine.mmio.register({
      name: 'A', base: A, size: 0x1000, write: () => {},
      read: (offset: number) => {
        reads.push(offset);
        if (reads.length === 2 * ENTER_AFTER + 1) registration.unregister();
        return offset;
      },
    });
    const program = new A64Program().emit(a64.movz(2, ROUNDS)).label('loop')
      .emit(a64.ldr(5, 1, 0, 4), a64.ldr(6, 1, 4, 4), a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());
    machine.writeBytes(CODE, program.bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x1', BigInt(A));
    const exit = vcpu.run(1000);
    expect(exit).toMatchObject({ reason: 'mmio', gpa: BigInt(A + 4), pc: BigInt(CODE + 8) });
    expect(reads).toEqual(Array.from({ length: 2 * ENTER_AFTER + 1 }, (_, k) => (k % 2) * 4));
  });
});

describe('interpreted PowerPC accesses through a hinted mark (readMissed/writeMissed\'s marked case)', () => {
  it('lwz/stw reach the device with the record naming them; a throwing handler is reported once', async () => {
    const machine = await machineWithCode();
    const seen: string[] = [];
    machine.mmio.register({
      name: 'A', base: A, size: 0x1000, endian: 'big',
      read: (offset: number, size: number) => {
        const r = recordOf(machine);
        seen.push(`read ${offset} ${size} gpa ${r.gpa.toString(16)} pc ${r.pc.toString(16)}`);
        return 0x100 + offset;
      },
      write: (offset: number, size: number, value: number | bigint) => {
        const r = recordOf(machine);
        seen.push(`write ${offset} ${size} ${value} gpa ${r.gpa.toString(16)} pc ${r.pc.toString(16)}`);
        if (value === THROW_AT) throw new Error('device broke');
      },
    });
    // r13 -> A; round r5 = 0, 1, 2...: lwz r6, 4(r13); stw r5, 8(r13).
    const program = new PpcProgram().emit(ppc.li(5, 0), ppc.li(0, ROUNDS), ppc.mtctr(0)).label('loop')
      .emit(ppc.lwz(6, 4, 13), ppc.stw(5, 8, 13), ppc.addi(5, 5, 1)).branchTo(ppc.bdnz, 'loop').emit(ppc.sc());
    machine.writeBytes(CODE, program.bytes('big'));
    const vcpu = new Vcpu(machine, 0, 'ppc64be').set('pc', BigInt(CODE)).set('r13', BigInt(A));
    const exit = vcpu.run(1000);
    const load = (CODE + 12).toString(16);
    const stored = (CODE + 16).toString(16);
    expect(seen).toEqual(Array.from({ length: THROW_AT + 1 }, (_, round) => round).flatMap((round) => [
      `read 4 4 gpa ${(A + 4).toString(16)} pc ${load}`, `write 8 4 ${round} gpa ${(A + 8).toString(16)} pc ${stored}`,
    ]));
    expect(exit).toMatchObject({ reason: 'device-error', pc: BigInt(CODE + 16), gpa: BigInt(A + 8) });
    expect(vcpu.get('r6')).toBe(0x104n);
  });
});
