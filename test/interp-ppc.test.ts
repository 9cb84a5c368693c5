import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, ppc, PpcProgram, type GuestArch } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

async function guest(arch: GuestArch, program: PpcProgram | number[]) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  const endian = arch === 'ppc64le' ? 'little' : 'big';
  const code = machine.allocateBacking(0x10000);
  const data = machine.allocateBacking(0x10000);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: code });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: data });
  const words = program instanceof PpcProgram ? program.words() : program;
  const bytes = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(bytes.buffer).setUint32(i * 4, word, endian === 'little'));
  machine.writeBytes(CODE, bytes);
  const vcpu = new Vcpu(machine, 0, arch).set('pc', CODE);
  return { machine, vcpu, endian } as const;
}

describe.each(['ppc64be', 'ppc64le', 'ppc32be'] as const)('the PowerPC interpreter (%s)', (arch) => {
  it('runs a loop that sums an array and stores the result and a running total per element', async () => {
    const n = 100;
    const program = new PpcProgram()
      .emit(ppc.lis(3, 0x20), ppc.addi(3, 3, -4)) // r3 = DATA - 4 (lwzu pre-increments)
      .emit(ppc.lis(7, 0x20), ppc.addi(7, 7, 0x1000)) // r7 = DATA + 0x1000: running totals
      .emit(ppc.li(4, n), ppc.mtctr(4), ppc.li(5, 0), ppc.addi(8, 7, -4))
      .label('loop')
      .emit(ppc.lwzu(6, 4, 3), ppc.add(5, 5, 6), ppc.stwu(5, 4, 8))
      .branchTo(ppc.bdnz, 'loop')
      .emit(ppc.stw(5, 0x2000, 7), ppc.sc());
    const { machine, vcpu, endian } = await guest(arch, program);
    const values = Array.from({ length: n }, (_, i) => (i * 7919 + 13) % 100000);
    values.forEach((value, i) => machine.write(DATA + BigInt(i * 4), 4, value, { endian }));
    const exit = vcpu.run(10_000);
    expect(exit.reason).toBe('hypercall');
    const total = values.reduce((a, b) => a + b, 0);
    expect(machine.read(DATA + 0x3000n, 4, { endian })).toBe(BigInt(total));
    let running = 0;
    values.forEach((value, i) => {
      running += value;
      expect(machine.read(DATA + 0x1000n + BigInt(i * 4), 4, { endian })).toBe(BigInt(running));
    });
    expect(vcpu.get('ctr')).toBe(0n);
    expect(exit.pc).toBe(CODE + BigInt(program.words().length * 4));
  });

  it('stops on its budget and resumes where it stopped', async () => {
    const program = new PpcProgram().emit(ppc.li(4, 1000), ppc.mtctr(4), ppc.li(5, 0)).label('l').emit(ppc.addi(5, 5, 3)).branchTo(ppc.bdnz, 'l').emit(ppc.sc());
    const { vcpu } = await guest(arch, program);
    let exit = vcpu.run(101);
    expect(exit.reason).toBe('budget');
    let steps = 1;
    while (exit.reason === 'budget') {
      exit = vcpu.run(37);
      steps++;
    }
    expect(exit.reason).toBe('hypercall');
    expect(vcpu.get('r5')).toBe(3000n);
    expect(steps).toBeGreaterThan(40);
  });

  it('sends guest accesses outside RAM to devices, and exits with the access when none claims it', async () => {
    const { machine, vcpu } = await guest(arch, [ppc.lis(9, 0x3000), ppc.lwz(3, 4, 9), ppc.stw(3, 8, 9), ppc.lwz(4, 0x100, 9), ppc.sc()]);
    const writes: Array<[number, number]> = [];
    machine.mmio.register({ name: 'dev', base: 0x3000_0000n, size: 0x100, endian: arch === 'ppc64le' ? 'little' : 'big',
      read: (offset) => 0xab00 + offset, write: (offset, _size, value) => { writes.push([offset, Number(value)]); } });
    const exit = vcpu.run(100);
    expect(vcpu.get('r3')).toBe(0xab04n);
    expect(writes).toEqual([[8, 0xab04]]);
    expect(exit).toEqual({ reason: 'mmio', pc: CODE + 12n, gpa: 0x3000_0100n, size: 4, write: false, cause: 'unmapped', addressSpace: 0 });
  });

  it('ends in a defined exit on bad instructions and never runs past them', async () => {
    const undefinedWord = await guest(arch, [ppc.li(3, 1), 0x00000000]);
    expect(undefinedWord.vcpu.run(10)).toEqual({ reason: 'undefined', pc: CODE + 4n, cause: 'undefined' });
    const invalidForm = await guest(arch, [ppc.lis(3, 0x20), ppc.lwzu(3, 8, 3)]);
    expect(invalidForm.vcpu.run(10)).toEqual({ reason: 'undefined', pc: CODE + 4n, cause: 'invalid-form' });
    expect(invalidForm.vcpu.get('r3')).toBe(0x20_0000n);
    const unimplemented = await guest(arch, [ppc.li(3, 1), 0xfc22182a]); // fadd f1,f2,f3: FP arithmetic is not run
    expect(unimplemented.vcpu.run(10)).toEqual({ reason: 'undefined', pc: CODE + 4n, cause: 'unimplemented' });
    const runaway = await guest(arch, [ppc.b(0x20000)]);
    expect(runaway.vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE + 0x20000n, kind: 'fetch', address: CODE + 0x20000n });
    const store = await guest(arch, [ppc.lis(9, 0x5000), ppc.stw(3, 0, 9)]);
    expect(store.vcpu.run(10)).toMatchObject({ reason: 'mmio', gpa: 0x5000_0000n, write: true });
  });

  it('a throwing device ends the run with device-error and the vCPU can go on', async () => {
    const { machine, vcpu } = await guest(arch, [ppc.lis(9, 0x3000), ppc.lwz(3, 0, 9), ppc.sc()]);
    const registration = machine.mmio.register({ base: 0x3000_0000n, size: 16, read: () => { throw new Error('bus error'); }, write: () => {} });
    expect(vcpu.run(10)).toMatchObject({ reason: 'device-error', pc: CODE + 4n });
    registration.unregister();
    machine.mmio.register({ base: 0x3000_0000n, size: 16, endian: arch === 'ppc64le' ? 'little' : 'big', read: () => 5, write: () => {} });
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r3')).toBe(5n);
  });
});

describe('Power10 prefixed loads and stores', () => {
  it('run with displacements beyond 16 bits and pc-relative addressing', async () => {
    const { machine, vcpu } = await guest('ppc64be', [
      ...ppc.plwz(3, 0x10_0010, 0, true), // pc-relative: CODE + 0x100010 = DATA + 0x10
      ...ppc.pld(4, 0x1_0008 - 0x1_0000, 9),
      ...ppc.pstd(4, 0x7_fff0, 10),
      ppc.sc(),
    ]);
    machine.write(DATA + 0x10n, 4, 0xcafef00dn, { endian: 'big' });
    machine.write(DATA + 0x8n, 8, 0x0102030405060708n, { endian: 'big' });
    vcpu.set('r9', DATA).set('r10', DATA - 0x7_0000n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('r3')).toBe(0xcafef00dn);
    expect(vcpu.get('r4')).toBe(0x0102030405060708n);
    expect(machine.read(DATA + 0xfff0n, 8, { endian: 'big' })).toBe(0x0102030405060708n);
  });

  it('a prefix whose suffix is not in RAM is a truncated-instruction fault', async () => {
    const { vcpu } = await guest('ppc64be', []);
    vcpu.set('pc', CODE + 0xfffcn);
    const { machine } = vcpu;
    machine.write(CODE + 0xfffcn, 4, ppc.pld(3, 0, 4)[0]!, { endian: 'big' });
    expect(vcpu.run(1)).toEqual({ reason: 'fault', pc: CODE + 0xfffcn, kind: 'truncated', address: CODE + 0x10000n });
  });
});

describe('vector loads and stores', () => {
  it('run VMX lvx/stvx (quadword-aligned) and report what they do not run (lwat with FC 9) as unimplemented', async () => {
    const { machine, vcpu } = await guest('ppc64be', [ppc.lvx(2, 0, 9), ppc.stvx(2, 0, 10), 0x7c694c8c /* lwat r3,r9,9 */]);
    vcpu.set('r9', DATA + 0x13n).set('r10', DATA + 0x100n);
    const bytes = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
    machine.writeBytes(DATA + 0x10n, bytes);
    expect(vcpu.run(10)).toEqual({ reason: 'undefined', pc: CODE + 8n, cause: 'unimplemented' });
    expect(vcpu.get('v2')).toBe(BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
    expect(machine.readBytes(DATA + 0x100n, 16)).toEqual(bytes);
  });
});

describe('ISA 3.1 vector forms Unicorn 2 cannot run', () => {
  // lxvp vs2,32(r9); stxvp vs2,64(r9); lxvrdx vs4,0,r9; stxvb16x vs4,0,r10 (encodings from llvm-mc 14)
  const words = [0x18490020, 0x18490041, 0x7c8048da, 0x7c8057d8, ppc.sc()];

  it.each(['ppc64be', 'ppc64le'] as const)('lxvp/stxvp move 32 bytes as one image, lxvrdx zeroes all but the rightmost doubleword (%s)', async (arch) => {
    const { machine, vcpu, endian } = await guest(arch, words);
    const source = Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i);
    machine.writeBytes(DATA + 0x20n, source);
    machine.write(DATA, 8, 0x0102030405060708n, { endian });
    vcpu.set('r9', DATA).set('r10', DATA + 0x200n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(machine.readBytes(DATA + 0x40n, 32)).toEqual(source);
    // The big-endian image of the pair's first register: the 16 bytes at 32(r9) in
    // big-endian mode, their reversal (as the element order puts it) in little-endian.
    const firstHalf = [...source.slice(0, 8)].map((b) => b.toString(16)).join('');
    const expectedF2 = endian === 'big' ? BigInt(`0x${firstHalf}`)
      : BigInt(`0x${[...source.slice(16, 32)].reverse().slice(0, 8).map((b) => b.toString(16)).join('')}`);
    expect(vcpu.get('f2')).toBe(expectedF2);
    expect([...machine.readBytes(DATA + 0x200n, 16)]).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('atomic memory operations', () => {
  const amo = (xo: number, rt: number, ra: number, fc: number) => ((31 << 26) | (rt << 21) | (ra << 16) | (fc << 11) | (xo << 1)) >>> 0;
  const LWAT = 582;
  const STWAT = 710;

  it('compare the low word, signed or unsigned, in lwat/stwat min and max (ISA: (RT+1)32:63)', async () => {
    // lwat r3,r9,7 (fetch and min signed); stwat r5,r10,4 (store max unsigned)
    const { machine, vcpu } = await guest('ppc64be', [amo(LWAT, 3, 9, 7), amo(STWAT, 5, 10, 4), ppc.sc()]);
    machine.write(DATA, 4, 0x0000_0005, { endian: 'big' });
    machine.write(DATA + 8n, 4, 0x7fff_0000, { endian: 'big' });
    vcpu.set('r9', DATA).set('r4', 0x1_ffff_fffen) // low word -2: smaller than 5 as a signed word
      .set('r10', DATA + 8n).set('r5', 0xffff_ffff_0000_0001n); // low word 1: not above 0x7fff0000
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(machine.read(DATA, 4, { endian: 'big' })).toBe(0xffff_fffen);
    expect(vcpu.get('r3')).toBe(5n);
    expect(machine.read(DATA + 8n, 4, { endian: 'big' })).toBe(0x7fff_0000n);
  });

  it('fault on a misaligned effective address, changing nothing', async () => {
    const { machine, vcpu } = await guest('ppc64be', [amo(LWAT, 3, 9, 0)]);
    machine.write(DATA, 8, 0x1122_3344_5566_7788n, { endian: 'big' });
    vcpu.set('r9', DATA + 2n).set('r3', 7);
    expect(vcpu.run(10)).toEqual({ reason: 'fault', pc: CODE, kind: 'alignment', address: DATA + 2n });
    expect(vcpu.get('r3')).toBe(7n);
    expect(machine.read(DATA, 8, { endian: 'big' })).toBe(0x1122_3344_5566_7788n);
  });
});
