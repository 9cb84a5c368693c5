// What a guest access that reaches the top of the address space does, per
// architecture (issue 16, item 5, guest side): AArch64 with the MMU off faults at the
// PA size (Address size fault, level 0) and touches nothing; 32-bit PowerPC and
// AArch32 wrap modulo 2^32, 64-bit PowerPC modulo 2^64. A scratch device covers the
// top of the address space and RAM its bottom, so each byte lands where it can be seen.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, type GuestArch } from '../dist/src/index.js';
import { StepRunner } from '../dist/src/step.js';
import { haveUnicorn, runUnicorn } from './fixtures/unicorn-runner.js';

const CODE = 0x10_0000n;
const TOP_64 = 1n << 64n;
const PA_LIMIT = 1n << 48n;

/** A machine with RAM at 0 and at CODE, `words` at CODE, and a scratch device over [top - 0x1000, top). */
async function guest(arch: GuestArch, words: number[], top: bigint, bigEndianCode: boolean) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0n, memorySize: 0x1_0000, userspaceAddr: machine.allocateBacking(0x1_0000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: CODE, memorySize: 0x1_0000, userspaceAddr: machine.allocateBacking(0x1_0000) });
  const registers = machine.backing(machine.addBuiltinDevice({ kind: 'scratch', base: top - 0x1000n, size: 0x1000 }), 0x1000);
  const code = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(code.buffer).setUint32(i * 4, word, !bigEndianCode));
  machine.writeBytes(CODE, code);
  const vcpu = new Vcpu(machine, 0, arch).set('pc', CODE);
  /** The device's last `n` bytes, those just below `top`. */
  const topBytes = (n: number) => Array.from(registers.subarray(0x1000 - n));
  return { machine, vcpu, registers, topBytes };
}

describe('32-bit addresses wrap modulo 2^32', () => {
  it('PowerPC 32-bit: lwz/stw at 0xfffffffe use the top two bytes and then bytes 0 and 1', async () => {
    const { machine, vcpu, registers, topBytes } = await guest('ppc32be', [0x8064_0000, 0x90a4_0000], 1n << 32n, true); // lwz r3,0(r4); stw r5,0(r4)
    registers.set([0x11, 0x22], 0xffe);
    machine.writeBytes(0n, Uint8Array.of(0x33, 0x44));
    vcpu.set('r4', 0xffff_fffen).set('r5', 0xaabb_ccddn);
    expect(vcpu.run(2)).toMatchObject({ reason: 'budget', pc: CODE + 8n });
    expect(vcpu.get('r3')).toBe(0x1122_3344n);
    expect(topBytes(2)).toEqual([0xaa, 0xbb]);
    expect(Array.from(machine.readBytes(0n, 2))).toEqual([0xcc, 0xdd]);
  });

  it('AArch32: ldr/str at 0xfffffffe use the top two bytes and then bytes 0 and 1', async () => {
    const { machine, vcpu, registers, topBytes } = await guest('arm', [0xe591_0000, 0xe581_2000], 1n << 32n, false); // ldr r0,[r1]; str r2,[r1]
    registers.set([0x11, 0x22], 0xffe);
    machine.writeBytes(0n, Uint8Array.of(0x33, 0x44));
    vcpu.set('r1', 0xffff_fffen).set('r2', 0xaabb_ccddn);
    expect(vcpu.run(2)).toMatchObject({ reason: 'budget', pc: CODE + 8n });
    expect(vcpu.get('r0')).toBe(0x4433_2211n);
    expect(topBytes(2)).toEqual([0xdd, 0xcc]);
    expect(Array.from(machine.readBytes(0n, 2))).toEqual([0xbb, 0xaa]);
  });
});

describe('64-bit PowerPC addresses wrap modulo 2^64', () => {
  it('ld/std at 2^64 - 4 use the top four bytes and then bytes 0 to 3', async () => {
    const { machine, vcpu, registers, topBytes } = await guest('ppc64be', [0xe864_0000, 0xf8a4_0000], TOP_64, true); // ld r3,0(r4); std r5,0(r4)
    registers.set([0x11, 0x22, 0x33, 0x44], 0xffc);
    machine.writeBytes(0n, Uint8Array.of(0x55, 0x66, 0x77, 0x88));
    vcpu.set('r4', TOP_64 - 4n).set('r5', 0x0102_0304_0506_0708n);
    expect(vcpu.run(2)).toMatchObject({ reason: 'budget', pc: CODE + 8n });
    expect(vcpu.get('r3')).toBe(0x1122_3344_5566_7788n);
    expect(topBytes(4)).toEqual([1, 2, 3, 4]);
    expect(Array.from(machine.readBytes(0n, 4))).toEqual([5, 6, 7, 8]);
  });
});

// ESR_EL1: data abort (EC 0x25) or instruction abort (0x21) at the same EL, IL, WnR for a write, DFSC 0: Address size fault, level 0.
const addressSizeFault = (write: boolean, fetch = false) => ((fetch ? 0x21n : 0x25n) << 26n) | (1n << 25n) | (write ? 1n << 6n : 0n);

describe('AArch64 with the MMU off: addresses from the PA size (2^48) up are an Address size fault', () => {
  it('ldp/stp at 2^64 - 8 fault at that address and neither read nor write GPA 0', async () => {
    const { machine, vcpu, registers } = await guest('aarch64', [0xa940_0c22, 0xa900_0c22], TOP_64, false); // ldp x2,x3,[x1]; stp x2,x3,[x1]
    registers.fill(0x5a);
    machine.writeBytes(0n, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    vcpu.set('x1', TOP_64 - 8n).set('x2', 0x22n).set('x3', 0x33n);
    expect(vcpu.run(1)).toEqual({ reason: 'fault', pc: CODE, kind: 'translation', address: TOP_64 - 8n, syndrome: addressSizeFault(false) });
    expect([vcpu.get('x2'), vcpu.get('x3')]).toEqual([0x22n, 0x33n]);
    vcpu.set('pc', CODE + 4n);
    expect(vcpu.run(1)).toEqual({ reason: 'fault', pc: CODE + 4n, kind: 'translation', address: TOP_64 - 8n, syndrome: addressSizeFault(true) });
    expect(Array.from(machine.readBytes(0n, 8))).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(registers.every((byte) => byte === 0x5a)).toBe(true);
  });

  it('an access reaching 2^48 faults at 2^48 and performs none of its bytes, even with RAM on both sides', async () => {
    const machine = await Machine.create({ arenaBytes: 4 << 20 });
    const below = machine.allocateBacking(0x1000);
    const above = machine.allocateBacking(0x1000);
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: PA_LIMIT - 0x1000n, memorySize: 0x1000, userspaceAddr: below });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: PA_LIMIT, memorySize: 0x1000, userspaceAddr: above });
    machine.writeBytes(CODE, Uint8Array.from([0xf940_0020, 0xf900_0020].flatMap((word) => [word, word >>> 8, word >>> 16, word >>> 24]))); // ldr x0,[x1]; str x0,[x1]
    machine.backing(below, 0x1000).fill(0x11);
    machine.backing(above, 0x1000).fill(0x22);
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    const run = (pc: bigint, x1: bigint) => vcpu.set('pc', pc).set('x1', x1).set('x0', 0xabcdn).run(1);
    expect(run(CODE, PA_LIMIT - 8n)).toEqual({ reason: 'budget', pc: CODE + 4n });
    expect(vcpu.get('x0')).toBe(0x1111_1111_1111_1111n);
    expect(run(CODE, PA_LIMIT - 4n)).toEqual({ reason: 'fault', pc: CODE, kind: 'translation', address: PA_LIMIT, syndrome: addressSizeFault(false) });
    expect(vcpu.get('x0')).toBe(0xabcdn);
    expect(run(CODE, PA_LIMIT)).toEqual({ reason: 'fault', pc: CODE, kind: 'translation', address: PA_LIMIT, syndrome: addressSizeFault(false) });
    expect(run(CODE + 4n, PA_LIMIT - 2n)).toEqual({ reason: 'fault', pc: CODE + 4n, kind: 'translation', address: PA_LIMIT, syndrome: addressSizeFault(true) });
    expect(machine.backing(below, 0x1000).every((byte) => byte === 0x11)).toBe(true);
    expect(machine.backing(above, 0x1000).every((byte) => byte === 0x22)).toBe(true);
    // A fetch from there: an instruction abort, though RAM holds the bytes.
    expect(vcpu.set('pc', PA_LIMIT).run(1)).toEqual({ reason: 'fault', pc: PA_LIMIT, kind: 'translation', address: PA_LIMIT, syndrome: addressSizeFault(false, true) });
  });

  it.skipIf(!haveUnicorn)('Unicorn faults on ldp/stp at 2^64 - 8 too, leaving the registers and GPA 0 as they were', async () => {
    const runner = await StepRunner.create();
    const cases = ['0xa9400c22', '0xa9000c22'].map((insn) => ({
      arch: 'aarch64', insn: [insn], regs: { x1: `0x${(TOP_64 - 8n).toString(16)}`, x2: '0x22', x3: '0x33' },
      mem: [{ addr: '0x0', hex: '0102030405060708' }],
    }));
    const theirs = runUnicorn(cases);
    cases.forEach((testCase, index) => {
      const ours = runner.step(testCase);
      expect(ours).toMatchObject({ fault: { kind: 'translation', addr: '0xfffffffffffffff8' }, mem: [{ addr: '0x0', hex: '0102030405060708' }] });
      const unicorn = theirs[index]!;
      expect(unicorn.fault).not.toBeNull();
      expect(unicorn.mem).toEqual([{ addr: '0x0', hex: '0102030405060708' }]);
      expect([unicorn.regs?.x2, unicorn.regs?.x3]).toEqual(['0x22', '0x33']);
    });
  });
});
