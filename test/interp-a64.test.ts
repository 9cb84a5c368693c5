import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, a64, A64Program } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

async function guest(words: number[] | A64Program) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const program = words instanceof A64Program ? words : new A64Program().emit(...words);
  machine.writeBytes(CODE, program.bytes());
  const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', CODE).set('x9', DATA);
  return { machine, vcpu };
}

describe('the A64 interpreter', () => {
  it('runs a loop that sums an array with post-indexed loads and stores the sum', async () => {
    const n = 64;
    const program = new A64Program()
      .emit(a64.movz(2, n), a64.movz(3, 0), a64.add(4, 9, 0))
      .label('loop')
      .emit(a64.ldrPost(5, 4, 8), a64.addRegister(3, 3, 5), a64.subs(2, 2, 1))
      .branchTo((offset) => a64.bcond('ne', offset), 'loop')
      .emit(a64.str(3, 9, 0x1000), a64.svc(0));
    const { machine, vcpu } = await guest(program);
    const values = Array.from({ length: n }, (_, i) => BigInt(i) * 0x1_0000_0001n + 7n);
    values.forEach((value, i) => machine.write(DATA + BigInt(i * 8), 8, value));
    expect((await vcpu.run(10_000)).reason).toBe('hypercall');
    expect(machine.read(DATA + 0x1000n, 8)).toBe(values.reduce((a, b) => a + b, 0n));
    expect(vcpu.get('x4')).toBe(DATA + BigInt(n * 8));
    expect(vcpu.get('nzcv')).toBe(0x6000_0000n); // Z and C after the final subs
  });

  it('LSE signed min/max compare at the access size, as the ARM ARM says', async () => {
    const { machine, vcpu } = await guest([a64.atomic('smin', 2, true, true, 1, 2, 9), a64.atomic('smax', 1, false, false, 3, 4, 10), a64.svc()]);
    machine.write(DATA, 2, 0x40b5);
    machine.write(DATA + 0x10n, 1, 0x80);
    vcpu.set('x1', 0xffff_9bb0n).set('x3', 0x7fn).set('x10', DATA + 0x10n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(machine.read(DATA, 2)).toBe(0x9bb0n); // -25680 < 16565
    expect(vcpu.get('x2')).toBe(0x40b5n);
    expect(machine.read(DATA + 0x10n, 1)).toBe(0x7fn); // 127 > -128
    expect(vcpu.get('x4')).toBe(0x80n);
  });

  it('keeps an exclusive monitor: the first store-exclusive succeeds, a second one fails', async () => {
    const { machine, vcpu } = await guest([a64.ldxr(1, 9), a64.add(1, 1, 1), a64.stxr(2, 1, 9), a64.stxr(3, 1, 9), a64.svc()]);
    machine.write(DATA, 8, 41n);
    vcpu.run(10);
    expect(machine.read(DATA, 8)).toBe(42n);
    expect([vcpu.get('x2'), vcpu.get('x3')]).toEqual([0n, 1n]);
  });

  it('faults on a misaligned exclusive, with the data address, and changes nothing', async () => {
    const { vcpu } = await guest([a64.ldxr(1, 9)]);
    vcpu.set('x9', DATA + 4n).set('x1', 5n);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE, kind: 'alignment', address: DATA + 4n });
    expect(vcpu.get('x1')).toBe(5n);
  });

  it('writes back pre- and post-indexed bases through SP and reads literals relative to the pc', async () => {
    const literal = 0x58000040; // ldr x0, #8 (the word two instructions on)
    const { machine, vcpu } = await guest([a64.stpPre(29, 30, 31, -16), literal, a64.svc(), 0x89abcdef, 0x01234567]);
    vcpu.set('sp', DATA + 0x100n).set('x29', 1n).set('x30', 2n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('sp')).toBe(DATA + 0xf0n);
    expect([machine.read(DATA + 0xf0n, 8), machine.read(DATA + 0xf8n, 8)]).toEqual([1n, 2n]);
    expect(vcpu.get('x0')).toBe(0x0123456789abcdefn);
  });

  it('reaches devices from guest code and exits on accesses nothing claims', async () => {
    const { machine, vcpu } = await guest([a64.ldr(1, 10, 4, 4), a64.str(1, 10, 8, 4), a64.ldr(2, 10, 0x100)]);
    const writes: number[] = [];
    machine.mmio.register({ base: 0x3000_0000n, size: 0x100, read: (offset) => 0xabc0 + offset, write: (_o, _s, value) => { writes.push(Number(value)); } });
    vcpu.set('x10', 0x3000_0000n);
    expect(vcpu.run(10)).toEqual({ reason: 'mmio', pc: CODE + 8n, gpa: 0x3000_0100n, size: 8, write: false, cause: 'unmapped', addressSpace: 0 });
    expect(vcpu.get('x1')).toBe(0xabc4n);
    expect(writes).toEqual([0xabc4]);
  });

  it('faults on an SP base that is not 16-byte aligned once SCTLR_EL1.SA is set', async () => {
    const { vcpu } = await guest([a64.ldr(1, 31, 8), a64.msr('sctlr_el1', 2), a64.ldr(1, 31, 8)]);
    vcpu.set('sp', DATA + 8n).set('x2', 8);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE + 8n, kind: 'alignment', address: DATA + 8n });
  });

  it('keeps the MMU registers for MSR/MRS', async () => {
    const { vcpu } = await guest([a64.msr('ttbr0_el1', 1), a64.msr('tcr_el1', 2), a64.mrs(3, 'ttbr0_el1'), a64.svc()]);
    vcpu.set('x1', 0x4000_1000n).set('x2', 0x19n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('x3'), vcpu.get('ttbr0_el1'), vcpu.get('tcr_el1')]).toEqual([0x4000_1000n, 0x4000_1000n, 0x19n]);
  });

  it('ends undefined, unimplemented and runaway code in defined exits', async () => {
    expect((await guest([0x00000000])).vcpu.run(5)).toMatchObject({ reason: 'undefined', pc: CODE });
    expect((await guest([0x1e622820])).vcpu.run(5)).toEqual({ reason: 'undefined', pc: CODE, cause: 'unimplemented' }); // fadd d0, d1, d2
    expect((await guest([a64.b(0x40000)])).vcpu.run(5)).toEqual({ reason: 'fault', pc: CODE + 0x40000n, kind: 'fetch', address: CODE + 0x40000n });
  });
});

describe('BE8 (big-endian data, little-endian instructions)', () => {
  it('A64: integer, pair and Q-register accesses are big-endian in aarch64_be', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    // ldr w2,[x9]; str x1,[x9,#8]; ldr q0,[x9,#16]; stp w3,w4,[x9,#32]; svc
    const q0Load = 0x3dc00520; // ldr q0, [x9, #16]
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(2, 9, 0, 4), a64.str(1, 9, 8), q0Load, a64.stp(3, 4, 9, 32, 4), a64.svc()).bytes());
    const q = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    machine.writeBytes(DATA, Uint8Array.from([0x11, 0x22, 0x33, 0x44]));
    machine.writeBytes(DATA + 16n, q);
    const vcpu = new Vcpu(machine, 0, 'aarch64_be').set('pc', CODE).set('x9', DATA).set('x1', 0x0102030405060708n).set('x3', 0xaabbccddn).set('x4', 1);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('x2')).toBe(0x11223344n);
    expect([...machine.readBytes(DATA + 8n, 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(vcpu.get('v0')).toBe(BigInt(`0x${Buffer.from(q).toString('hex')}`));
    expect([...machine.readBytes(DATA + 32n, 8)]).toEqual([0xaa, 0xbb, 0xcc, 0xdd, 0, 0, 0, 1]);
  });
});
