import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, a32 } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

const A32 = {
  movR2_16: a32.mov(2, 16), movR3_0: a32.mov(3, 0), ldrR5PostR4: a32.ldr(5, 4, 4, 'post'), addR3R3R5: a32.addRegister(3, 3, 5),
  subsR2R2_1: a32.subs(2, 2, 1), bneMinus20: a32.b(-12, 'ne'), strR3R6: a32.str(3, 6), svc: a32.svc(), ldrexR1R6: a32.ldrex(1, 6),
  strexeqR0R3R6: a32.strex(0, 3, 6, 'eq'), ldmiaR4Wb: a32.ldm(4, [0, 1, 7], true), pushR4Lr: a32.push([4, 14]),
  movwR8: a32.movw(8, 0x1234), movtR8: a32.movt(8, 0x5678),
};

async function guest(words: number[]) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
  machine.writeBytes(CODE, bytes);
  return { machine, vcpu: new Vcpu(machine, 0, 'arm').set('pc', CODE) };
}

describe('the A32 interpreter', () => {
  it('runs a conditional loop that sums an array with post-indexed loads', async () => {
    const { machine, vcpu } = await guest([A32.movR2_16, A32.movR3_0, A32.ldrR5PostR4, A32.addR3R3R5, A32.subsR2R2_1, A32.bneMinus20, A32.strR3R6, A32.svc]);
    const values = Array.from({ length: 16 }, (_, i) => (i * 0x01010101 + 5) >>> 0);
    values.forEach((value, i) => machine.write(DATA + BigInt(i * 4), 4, value));
    vcpu.set('r4', DATA).set('r6', DATA + 0x100n);
    expect(vcpu.run(1000).reason).toBe('hypercall');
    expect(machine.read(DATA + 0x100n, 4)).toBe(BigInt(values.reduce((a, b) => (a + b) >>> 0, 0)));
    expect(vcpu.get('r4')).toBe(DATA + 64n);
    expect(vcpu.get('cpsr') >> 28n).toBe(0b0110n); // Z and C from the last subs
  });

  it('skips an instruction whose condition fails, and keeps an exclusive monitor', async () => {
    const { machine, vcpu } = await guest([A32.ldrexR1R6, A32.strexeqR0R3R6, A32.svc]);
    machine.write(DATA, 4, 7);
    vcpu.set('r6', DATA).set('r3', 9).set('r0', 0x55);
    expect(vcpu.run(10).reason).toBe('hypercall'); // Z clear: strexeq does not run
    expect([machine.read(DATA, 4), vcpu.get('r0'), vcpu.get('r1')]).toEqual([7n, 0x55n, 7n]);
    const taken = await guest([A32.ldrexR1R6, A32.strexeqR0R3R6, A32.svc]);
    taken.machine.write(DATA, 4, 7);
    taken.vcpu.set('r6', DATA).set('r3', 9).set('cpsr', 0x4000_01d3n);
    taken.vcpu.run(10);
    expect([taken.machine.read(DATA, 4), taken.vcpu.get('r0')]).toEqual([9n, 0n]);
  });

  it('loads and stores register lists with writeback, and builds constants with MOVW/MOVT', async () => {
    const { machine, vcpu } = await guest([A32.ldmiaR4Wb, A32.pushR4Lr, A32.movwR8, A32.movtR8, A32.svc]);
    [11, 22, 33].forEach((value, i) => machine.write(DATA + BigInt(i * 4), 4, value));
    vcpu.set('r4', DATA).set('r13', DATA + 0x200n).set('r14', 0xabcd);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([vcpu.get('r0'), vcpu.get('r1'), vcpu.get('r7'), vcpu.get('r4')]).toEqual([11n, 22n, 33n, DATA + 12n]);
    expect(vcpu.get('r13')).toBe(DATA + 0x1f8n);
    expect([machine.read(DATA + 0x1f8n, 4), machine.read(DATA + 0x1fcn, 4)]).toEqual([DATA + 12n, 0xabcdn]);
    expect(vcpu.get('r8')).toBe(0x5678_1234n);
  });

  it('faults on a misaligned exclusive and ends unknown words in a defined exit', async () => {
    const { vcpu } = await guest([A32.ldrexR1R6]);
    vcpu.set('r6', DATA + 2n);
    expect(vcpu.run(5)).toEqual({ reason: 'fault', pc: CODE, kind: 'alignment', address: DATA + 2n });
    expect((await guest([0xe7f000f0])).vcpu.run(5)).toMatchObject({ reason: 'undefined', pc: CODE }); // udf #0
  });
});

describe('BE8 (armeb)', () => {
  it('loads and stores words and halfwords big-endian while instructions stay little-endian', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    const words = [a32.ldr(0, 6), a32.strh(0, 6, 8), a32.ldrd(2, 6, 0), a32.svc()];
    const bytes = new Uint8Array(words.length * 4);
    words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
    machine.writeBytes(CODE, bytes);
    machine.writeBytes(DATA, Uint8Array.from([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]));
    const vcpu = new Vcpu(machine, 0, 'armeb').set('pc', CODE).set('r6', DATA);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r0')).toBe(0x11223344n);
    expect([...machine.readBytes(DATA + 8n, 2)]).toEqual([0x33, 0x44]);
    expect([vcpu.get('r2'), vcpu.get('r3')]).toEqual([0x11223344n, 0x55667788n]);
  });
});
