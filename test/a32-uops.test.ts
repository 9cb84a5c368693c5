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
});
