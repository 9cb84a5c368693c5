import { describe, expect, it } from 'vitest';
import { Machine, Vcpu } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

/** Thumb halfwords in program order (a 32-bit instruction is two), as llvm-mc 14 assembles them. */
async function guest(halfwords: number[]) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const bytes = new Uint8Array(halfwords.length * 2);
  halfwords.forEach((half, i) => new DataView(bytes.buffer).setUint16(i * 2, half, true));
  machine.writeBytes(CODE, bytes);
  return { machine, vcpu: new Vcpu(machine, 0, 'thumb').set('pc', CODE).set('cpsr', 0x1f3) };
}

describe('the T32 interpreter', () => {
  it('runs a loop of 16- and 32-bit instructions that sums an array', async () => {
    // movs r2,#8; movs r3,#0; loop: ldr.w r5,[r4],#4; adds r3,r3,r5; subs r2,#1; bne loop; str r3,[r6]; svc #0
    const { machine, vcpu } = await guest([0x2208, 0x2300, 0xf854, 0x5b04, 0x195b, 0x3a01, 0xd1fa, 0x6033, 0xdf00]);
    const values = Array.from({ length: 8 }, (_, i) => (i * 1000 + 3) >>> 0);
    values.forEach((value, i) => machine.write(DATA + BigInt(i * 4), 4, value));
    vcpu.set('r4', DATA).set('r6', DATA + 0x100n);
    expect(vcpu.run(1000).reason).toBe('hypercall');
    expect(machine.read(DATA + 0x100n, 4)).toBe(BigInt(values.reduce((a, b) => a + b, 0)));
    expect(vcpu.get('r4')).toBe(DATA + 32n);
  });

  it.each([[1n, 10n], [2n, 20n]])('runs an ITE block by its condition (r0 = %s gives r1 = %s)', async (r0, r1) => {
    // cmp r0,#1; ite eq; moveq r1,#10; movne r1,#20; svc #0
    const { vcpu } = await guest([0x2801, 0xbf0c, 0x210a, 0x2114, 0xdf00]);
    vcpu.set('r0', r0);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r1')).toBe(r1);
    expect((vcpu.get('cpsr') >> 10n) & 0x3fn).toBe(0n); // the IT state is spent
  });

  it('pushes and pops through SP (PUSH is STMDB, POP LDMIA)', async () => {
    // push {r4, lr}; pop {r0, r7}; svc #0
    const { machine, vcpu } = await guest([0xb510, 0xbc81, 0xdf00]);
    vcpu.set('r13', DATA + 0x100n).set('r4', 0x44).set('r14', 0xee);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect([machine.read(DATA + 0xf8n, 4), machine.read(DATA + 0xfcn, 4)]).toEqual([0x44n, 0xeen]);
    expect([vcpu.get('r0'), vcpu.get('r7'), vcpu.get('r13')]).toEqual([0x44n, 0xeen, DATA + 0x100n]);
  });
});
