import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, t32, thumbBytes } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

/** Thumb instructions (t32's values: a 32-bit one has its first halfword high). */
async function guest(instructions: number[]) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.writeBytes(CODE, thumbBytes(instructions));
  return { machine, vcpu: new Vcpu(machine, 0, 'thumb').set('pc', CODE).set('cpsr', 0x1f3) };
}

describe('the T32 interpreter', () => {
  it('runs a loop of 16- and 32-bit instructions that sums an array', async () => {
    const { machine, vcpu } = await guest([t32.movs(2, 8), t32.movs(3, 0), t32.ldrPost(5, 4, 4), t32.adds(3, 3, 5), t32.subsImm(2, 1),
      t32.bcond('ne', -8), t32.str(3, 6), t32.svc()]);
    const values = Array.from({ length: 8 }, (_, i) => (i * 1000 + 3) >>> 0);
    values.forEach((value, i) => machine.write(DATA + BigInt(i * 4), 4, value));
    vcpu.set('r4', DATA).set('r6', DATA + 0x100n);
    expect(vcpu.run(1000).reason).toBe('hypercall');
    expect(machine.read(DATA + 0x100n, 4)).toBe(BigInt(values.reduce((a, b) => a + b, 0)));
    expect(vcpu.get('r4')).toBe(DATA + 32n);
  });

  it.each([[1n, 10n], [2n, 20n]])('runs an ITE block by its condition (r0 = %s gives r1 = %s)', async (r0, r1) => {
    // cmp r0,#1; ite eq; mov(eq) r1,#10; mov(ne) r1,#20 (MOVS's encoding is MOV inside IT); svc #0
    const { vcpu } = await guest([t32.cmp(0, 1), t32.it('eq', 'e'), t32.movs(1, 10), t32.movs(1, 20), t32.svc()]);
    vcpu.set('r0', r0);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r1')).toBe(r1);
    expect((vcpu.get('cpsr') >> 10n) & 0x3fn).toBe(0n); // the IT state is spent
  });

  it('pushes and pops through SP (PUSH is STMDB, POP LDMIA)', async () => {
    const { machine, vcpu } = await guest([t32.push([4], true), t32.pop([0, 7]), t32.svc()]);
    vcpu.set('r13', DATA + 0x100n).set('r4', 0x44).set('r14', 0xee);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([machine.read(DATA + 0xf8n, 4), machine.read(DATA + 0xfcn, 4)]).toEqual([0x44n, 0xeen]);
    expect([vcpu.get('r0'), vcpu.get('r7'), vcpu.get('r13')]).toEqual([0x44n, 0xeen, DATA + 0x100n]);
  });
});
