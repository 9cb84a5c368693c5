import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, a32, t32, thumbBytes, type GuestArch } from '../dist/src/index.js';

// The AArch32 decoded-instruction cache (assembly/exec/aarch32/uops.ts): entries are
// keyed by the instruction word and its instruction set, so one word read as A32 and as
// T32 keeps both meanings, rewritten code runs as written, and a budget still stops
// after exactly that many instructions inside a run of cached ones.

const CODE = 0x10_0000n;

async function machine(arch: GuestArch) {
  const created = await Machine.create({ arenaBytes: 4 << 20, vcpus: 1, shared: false });
  created.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: created.allocateBacking(0x1000) });
  return { machine: created, vcpu: new Vcpu(created, 0, arch) };
}

const armBytes = (words: number[]) => {
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, true));
  return bytes;
};

describe('the AArch32 micro-op cache', () => {
  it('keeps the A32 and the T32 meaning of the same word apart, both ways', async () => {
    const { machine: m, vcpu } = await machine('arm');
    const andeq = 0x0000_3001; // A32 ANDEQ r3, r0, r1; as a T32 halfword 0x3001: ADDS r0, #1
    expect(t32.addsImm(0, 1)).toBe(andeq);
    m.writeBytes(CODE, armBytes([andeq, a32.bx(4)]));
    m.writeBytes(CODE + 0x100n, thumbBytes([t32.addsImm(0, 1), t32.bx(5)]));
    m.writeBytes(CODE + 0x200n, armBytes([andeq, a32.svc()]));
    vcpu.set('r0', 0xffff_ffffn).set('r1', 0x1234n).set('r4', CODE + 0x101n).set('r5', CODE + 0x200n);
    vcpu.set('cpsr', 0x4000_01d3n).set('pc', CODE); // Z set: ANDEQ runs
    expect(vcpu.run(100).reason).toBe('hypercall');
    // A32 r3 = r0 & r1, T32 r0 + 1 = 0 (Z set again), A32 r3 = 0 & r1.
    expect(vcpu.get('r0')).toBe(0n);
    expect(vcpu.get('r3')).toBe(0n);
    expect(vcpu.get('pc')).toBe(CODE + 0x208n); // past the SVC
  });

  it('runs rewritten A32 and T32 code as rewritten', async () => {
    const { machine: m, vcpu } = await machine('arm');
    m.writeBytes(CODE, armBytes([a32.add(3, 3, 1), a32.svc()]));
    vcpu.set('r3', 10n).set('pc', CODE);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r3')).toBe(11n);
    m.writeBytes(CODE, armBytes([a32.sub(3, 3, 5)]));
    vcpu.set('pc', CODE);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r3')).toBe(6n);

    const thumb = await machine('thumb');
    thumb.machine.writeBytes(CODE, thumbBytes([t32.addsImm(3, 1), t32.svc()]));
    thumb.vcpu.set('r3', 10n).set('pc', CODE);
    expect(thumb.vcpu.run(10).reason).toBe('hypercall');
    expect(thumb.vcpu.get('r3')).toBe(11n);
    thumb.machine.writeBytes(CODE, thumbBytes([t32.subsImm(3, 5)]));
    thumb.vcpu.set('pc', CODE);
    expect(thumb.vcpu.run(10).reason).toBe('hypercall');
    expect(thumb.vcpu.get('r3')).toBe(6n);
  });

  it('stops a run of cached instructions after exactly the budget', async () => {
    for (const arch of ['arm', 'thumb'] as const) {
      const { machine: m, vcpu } = await machine(arch);
      const length = arch === 'arm' ? 4 : 2;
      m.writeBytes(CODE, arch === 'arm' ? armBytes(Array(10).fill(a32.add(3, 3, 1))) : thumbBytes(Array(10).fill(t32.addsImm(3, 1))));
      vcpu.set('r3', 0n).set('pc', CODE);
      for (const [budget, total] of [[3, 3], [1, 4], [4, 8]] as const) {
        expect(vcpu.run(budget).reason, arch).toBe('budget');
        expect(vcpu.completed, arch).toBe(budget);
        expect(vcpu.get('r3'), arch).toBe(BigInt(total));
        expect(vcpu.get('pc'), arch).toBe(CODE + BigInt(total * length));
      }
    }
  });

  it('writes back the base after indexed loads and stores and the doubleword pairs, in both instruction sets', async () => {
    const DATA = CODE + 0x800n;
    const word = (m: Machine, at: bigint) => new DataView(m.readBytes(at, 4).buffer).getUint32(0, true);
    const thumb = await machine('thumb');
    thumb.machine.writeBytes(DATA, armBytes([0x8765_4329, 0x1234_5678]));
    thumb.machine.writeBytes(CODE, thumbBytes([
      0xe8f0_2302, // LDRD r2, r3, [r0], #8
      0xe961_2302, // STRD r2, r3, [r1, #-8]!
      0xf850_4d04, // LDR r4, [r0, #-4]!
      0xf801_4b03, // STRB r4, [r1], #3
      0xea72_1513, // ORNS r5, r2, r3, LSR #4
      0xfa32_f607, // LSRS.W r6, r2, r7
      t32.svc(),
    ]));
    thumb.vcpu.set('r0', DATA).set('r1', DATA + 0x20n).set('r7', 4n).set('pc', CODE);
    expect(thumb.vcpu.run(100).reason).toBe('hypercall');
    expect(thumb.vcpu.get('r0')).toBe(DATA + 4n);
    expect(thumb.vcpu.get('r1')).toBe(DATA + 0x1bn);
    expect([thumb.vcpu.get('r2'), thumb.vcpu.get('r3'), thumb.vcpu.get('r4')]).toEqual([0x8765_4329n, 0x1234_5678n, 0x1234_5678n]);
    expect(word(thumb.machine, DATA + 0x18n)).toBe(0x8765_4378); // STRD's first word, its low byte from STRB
    expect(word(thumb.machine, DATA + 0x1cn)).toBe(0x1234_5678);
    expect(thumb.vcpu.get('r5')).toBe(BigInt((0x8765_4329 | ~(0x1234_5678 >>> 4)) >>> 0));
    expect(thumb.vcpu.get('r6')).toBe(BigInt(0x8765_4329 >>> 4));
    expect(thumb.vcpu.get('cpsr') >> 29n).toBe(1n); // N Z clear; C: the last bit shifted out (bit 3)

    const arm = await machine('arm');
    arm.machine.writeBytes(DATA + 8n, armBytes([0x8000_0001, 0xf8]));
    arm.machine.writeBytes(CODE, armBytes([
      0xe1e0_20d8, // LDRD r2, r3, [r0, #8]!
      0xe041_20f8, // STRD r2, r3, [r1], #-8
      0xe410_4004, // LDR r4, [r0], #-4
      0xe192_5733, // ORRS r5, r2, r3, LSR r7
      a32.svc(),
    ]));
    arm.vcpu.set('r0', DATA).set('r1', DATA + 0x20n).set('r7', 4n).set('pc', CODE);
    expect(arm.vcpu.run(100).reason).toBe('hypercall');
    expect([arm.vcpu.get('r0'), arm.vcpu.get('r1')]).toEqual([DATA + 4n, DATA + 0x18n]);
    expect([arm.vcpu.get('r2'), arm.vcpu.get('r3'), arm.vcpu.get('r4')]).toEqual([0x8000_0001n, 0xf8n, 0x8000_0001n]);
    expect([word(arm.machine, DATA + 0x20n), word(arm.machine, DATA + 0x24n)]).toEqual([0x8000_0001, 0xf8]);
    expect(arm.vcpu.get('r5')).toBe(0x8000_000fn);
    expect(arm.vcpu.get('cpsr') >> 29n).toBe(0b101n); // N, C (bit 3 of r3 shifted out)
  });
});
