// The A64 SIMD structure loads/stores in the interpreter: guest loops, devices, exits
// part-way, and the encodings that stay undefined. (Their exact semantics, form by
// form, are checked against Unicorn 2 in exec-a64-structures-unicorn.test.ts.)
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, a64, A64Program, A64PageTables } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const DEVICE = 0x3000_0000n;

async function guest(program: A64Program | number[], arch: 'aarch64' | 'aarch64_be' = 'aarch64') {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  const code = program instanceof A64Program ? program : new A64Program().emit(...program);
  machine.writeBytes(CODE, code.bytes());
  const vcpu = new Vcpu(machine, 0, arch).set('pc', CODE);
  return { machine, vcpu };
}

const pattern = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 37 + seed * 11 + (i >> 3)) & 0xff);
const q = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`); // V as a number: byte 0 lowest

describe('A64 structure loads/stores in the interpreter', () => {
  for (const arch of ['aarch64', 'aarch64_be'] as const) {
    it(`${arch}: a loop moves 64-byte blocks with LD1/ST1 of four registers, post-indexed`, async () => {
      const blocks = 32;
      const program = new A64Program()
        .emit(a64.movz(2, blocks))
        .label('loop')
        .emit(a64.ld1(0, 4, '16b', 9, 'imm'), a64.st1(0, 4, '2d', 10, 'imm'), a64.subs(2, 2, 1))
        .branchTo((offset) => a64.bcond('ne', offset), 'loop')
        .emit(a64.svc(0));
      const { machine, vcpu } = await guest(program, arch);
      const source = pattern(blocks * 64, 1);
      machine.writeBytes(DATA, source);
      vcpu.set('x9', DATA).set('x10', DATA + 0x8000n);
      expect(vcpu.run(1000).reason).toBe('hypercall');
      const copied = machine.readBytes(DATA + 0x8000n, blocks * 64);
      // Loaded as 16B (byte elements), stored as 2D (doublewords): a copy in little-endian;
      // in BE8 each doubleword is stored big-endian, so its eight bytes come out reversed.
      const expected = arch === 'aarch64' ? source : source.map((_, i) => source[(i & ~7) + 7 - (i & 7)]!);
      expect(Buffer.from(copied).equals(Buffer.from(expected))).toBe(true);
      expect([vcpu.get('x9'), vcpu.get('x10')]).toEqual([DATA + BigInt(blocks * 64), DATA + 0x8000n + BigInt(blocks * 64)]);
      const last = source.subarray((blocks - 1) * 64);
      expect(vcpu.get('v3')).toBe(q(last.subarray(48, 64)));
    });
  }

  it('loads from a device one element at a time and stores to it the same way', async () => {
    const { machine, vcpu } = await guest([a64.ld1(0, 1, '8b', 10), a64.st1(1, 1, '4h', 10, 'imm'), a64.svc()]);
    const reads: Array<[number, number]> = [];
    const writes: Array<[number, number, number]> = [];
    machine.mmio.register({
      base: DEVICE, size: 0x100,
      read: (offset, size) => { reads.push([offset, size]); return 0xa0 + offset; },
      write: (offset, size, value) => { writes.push([offset, size, Number(value)]); },
    });
    vcpu.set('x10', DEVICE).set('v0', (1n << 128n) - 1n).set('v1', 0x1111_2222_3333_4444_5555_6666_7777_8888n);
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(reads).toEqual(Array.from({ length: 8 }, (_, i) => [i, 1]));
    expect(vcpu.get('v0')).toBe(0xa7a6a5a4a3a2a1a0n); // 8B: bits 127:64 cleared
    expect(writes).toEqual([[0, 2, 0x8888], [2, 2, 0x7777], [4, 2, 0x6666], [6, 2, 0x5555]]);
    expect(vcpu.get('x10')).toBe(DEVICE + 8n);
  });

  it('exits MMIO at the element nothing claims; a load leaves every register as it was', async () => {
    // ld1 {v2.16b, v3.16b}, [x10], #32 with the device covering only the first 20 bytes
    const { machine, vcpu } = await guest([a64.ld1(2, 2, '16b', 10, 'imm')]);
    machine.mmio.register({ base: DEVICE, size: 20, read: (offset) => offset, write: () => {} });
    vcpu.set('x10', DEVICE).set('v2', 2n).set('v3', 3n);
    expect(vcpu.run(10)).toEqual({ reason: 'mmio', pc: CODE, gpa: DEVICE + 20n, size: 1, write: false, cause: 'unmapped', addressSpace: 0 });
    expect([vcpu.get('v2'), vcpu.get('v3'), vcpu.get('x10')]).toEqual([2n, 3n, DEVICE]);
  });

  it('a store running off RAM keeps its first elements written, exits at the first outside, and writes no base back', async () => {
    const end = DATA + 0x10000n;
    const { machine, vcpu } = await guest([a64.st1(4, 2, '4s', 11, 12)]);
    const v4 = pattern(16, 4);
    vcpu.set('x11', end - 16n).set('x12', 0x100n).set('v4', q(v4)).set('v5', 5n);
    expect(vcpu.run(10)).toEqual({ reason: 'mmio', pc: CODE, gpa: end, size: 4, write: true, cause: 'unmapped', addressSpace: 0, data: Uint8Array.of(5, 0, 0, 0), value: 5n });
    expect([...machine.readBytes(end - 16n, 16)]).toEqual([...v4]);
    expect(vcpu.get('x11')).toBe(end - 16n);
  });

  it('with the MMU on, faults at the first element on an unmapped or read-only page', async () => {
    const machine = await Machine.create({ arenaBytes: 8 << 20 });
    const tablesAt = 0x8000_0000n, dataVa = 0x5000_0000n;
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
    machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: tablesAt, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
    const tables = new A64PageTables(machine, tablesAt, 0x10_0000);
    tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false });
    tables.map({ va: dataVa, pa: DATA, size: 0x1000 });
    tables.map({ va: dataVa + 0x1000n, pa: DATA + 0x1000n, size: 0x1000, writable: false });
    machine.writeBytes(CODE, new A64Program().emit(a64.ld1(0, 2, '16b', 9, 'imm'), a64.st1(2, 2, '16b', 10, 'imm')).bytes());
    const vcpu = tables.enable(new Vcpu(machine, 0, 'aarch64'))
      .set('pc', CODE).set('x9', dataVa + 0x1ff8n).set('x10', dataVa + 0xff0n).set('v0', 7n).set('v1', 8n).set('v2', q(pattern(16, 2)));
    expect(vcpu.run(5)).toMatchObject({ reason: 'fault', kind: 'translation', pc: CODE, address: dataVa + 0x2000n });
    expect([vcpu.get('v0'), vcpu.get('v1'), vcpu.get('x9')]).toEqual([7n, 8n, dataVa + 0x1ff8n]);
    vcpu.set('x9', dataVa);
    const store = vcpu.run(5) as { reason: string; pc: bigint; address: bigint; syndrome: bigint };
    expect([store.reason, store.pc, store.address]).toEqual(['fault', CODE + 4n, dataVa + 0x1000n]);
    expect(store.syndrome & 0x3cn).toBe(0x0cn); // permission fault
    expect([...machine.readBytes(DATA + 0xff0n, 16)]).toEqual([...pattern(16, 2)]);
    expect(vcpu.get('x10')).toBe(dataVa + 0xff0n);
  });

  it('keeps UNALLOCATED structure encodings undefined', async () => {
    const unallocated = [
      0x0c408c00, // LD2 {v0.1d, v1.1d}: 1D with more than one element per structure
      0x0c401000, // multiple structures, opcode 0001
      0x0c418000, // no writeback with Rm != 0
      0x8c407000, // bit 31 set
      0x0d404400, // LD1 to an H lane with size<0> = 1
      0x0d409400, // LD1 to a D lane with S = 1 (size 01)
      0x0d00c000, // ST1R: replicate has no store
      0x0d40f000, // LD3R with S = 1
    ];
    for (const word of unallocated) {
      const { vcpu } = await guest([word]);
      expect(vcpu.run(5), `0x${word.toString(16)}`).toEqual({ reason: 'undefined', pc: CODE, cause: 'undefined' });
    }
  });
});
