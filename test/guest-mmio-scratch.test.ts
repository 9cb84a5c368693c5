// Interpreted A64 loads and stores to a built-in scratch device behind a TLB MMIO mark
// (assembly/exec/a64/uop-memory.ts): the micro-op serves its registers in place and the
// block goes on. Whole loops of such accesses, mixed with a JS device's and a counter's,
// must leave the values, bytes (in the guest's byte order) and MMIO counts that the
// accesses define, MMU off and on, LE and BE8, every size.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64Program, A64PageTables, a64 } from '../dist/src/index.js';

const CODE = 0x10_0000;
const TABLES = 0x20_0000;
const SCRATCH = 0x30_0000;
const JS_DEVICE = 0x30_1000;
const COUNTER = 0x30_2000;
const ROUNDS = 25;
const SIZES = [1, 2, 4, 8] as const;

/** `value`'s low `size` bytes in the guest's byte order. */
function bytesOf(value: bigint, size: number, big: boolean): number[] {
  const bytes = Array.from({ length: size }, (_, i) => Number((value >> BigInt(8 * i)) & 0xffn));
  return big ? bytes.reverse() : bytes;
}

async function rig(arch: 'aarch64' | 'aarch64_be', mmu: boolean) {
  const machine = await Machine.create({ arenaBytes: 4 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x1000, userspaceAddr: machine.allocateBacking(0x1000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: TABLES, memorySize: 0x2_0000, userspaceAddr: machine.allocateBacking(0x2_0000) });
  const scratch = machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH, size: 0x800 });
  machine.addBuiltinDevice({ kind: 'counter', base: COUNTER, size: 8 });
  const writes: bigint[] = [];
  machine.mmio.register({ name: 'log', base: JS_DEVICE, size: 0x1000, read: () => 0x5a, write: (_offset, _size, value) => { writes.push(BigInt(value)); } });
  const tables = new A64PageTables(machine, BigInt(TABLES), 0x2_0000);
  for (const page of [CODE, SCRATCH, JS_DEVICE, COUNTER]) tables.map({ va: BigInt(page), pa: BigInt(page), size: 0x1000 });
  const vcpu = new Vcpu(machine, 0, arch);
  return { machine, scratch, writes, vcpu: mmu ? tables.enable(vcpu) : vcpu };
}

describe('interpreted A64 accesses to a built-in scratch device', () => {
  it('keep every value, byte order and count through whole loops, mixed with JS and counter devices', async () => {
    for (const arch of ['aarch64', 'aarch64_be'] as const) {
      for (const mmu of [false, true]) {
        for (const size of SIZES) {
          const { machine, scratch, writes, vcpu } = await rig(arch, mmu);
          const big = arch === 'aarch64_be';
          // ROUNDS times: 8 stores x(5+i) -> [x(14+i), #8i] (x5 counts up), 8 loads back into x(22+i) (x22..x29),
          // one store to the JS device and one counter read between them; then svc. The 8 stores and the
          // b.ne are the guest MMIO bench's loop, whose size-4 store and b.ne share a micro-op cache entry.
          const program = new A64Program().emit(a64.movz(2, ROUNDS)).label('loop');
          for (let i = 0; i < 8; i++) program.emit(a64.str(5 + i, 14 + i, i * 8, size));
          program.emit(a64.str(5, 1, 0, size), a64.ldr(4, 3, 0, 8));
          for (let i = 0; i < 8; i++) program.emit(a64.ldr(22 + i, 14 + i, i * 8, size));
          program.emit(a64.add(5, 5, 1), a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());
          machine.writeBytes(CODE, program.bytes());
          const values = Array.from({ length: 8 }, (_, i) => 0x0102_0304_0506_0708n * BigInt(i + 3));
          vcpu.set('pc', BigInt(CODE)).set('x1', BigInt(JS_DEVICE)).set('x3', BigInt(COUNTER));
          values.forEach((value, i) => vcpu.set(`x${5 + i}` as 'x5', value).set(`x${14 + i}` as 'x14', BigInt(SCRATCH)));
          const before = vcpu.core.counters().mmio;
          const exit = vcpu.run(10_000);
          const where = `${arch}, MMU ${mmu ? 'on' : 'off'}, size ${size}`;
          expect(exit.reason, where).toBe('hypercall');
          const mask = (1n << BigInt(8 * size)) - 1n;
          const last = [values[0]! + BigInt(ROUNDS - 1), ...values.slice(1)];
          expect(Array.from({ length: 8 }, (_, i) => vcpu.get(`x${22 + i}` as 'x22')), where).toEqual(last.map((value) => value & mask));
          // The counter's value is little-endian in memory: a BE8 load sees its bytes reversed.
          expect(vcpu.get('x4'), where).toBe(big ? BigInt.asUintN(64, bytesOf(BigInt(ROUNDS), 8, false).reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n)) : BigInt(ROUNDS));
          expect([...machine.backing(scratch, 64)], where).toEqual(last.flatMap((value) => [...bytesOf(value, size, big), ...new Array<number>(8 - size).fill(0)]));
          // The JS device is little-endian: it sees the stored bytes (the guest's order) as a little-endian value.
          const seen = (value: bigint) => bytesOf(value, size, big).reduce((sum, byte, i) => sum | (BigInt(byte) << BigInt(8 * i)), 0n);
          expect(writes, where).toEqual(Array.from({ length: ROUNDS }, (_, k) => seen(values[0]! + BigInt(k))));
          expect(vcpu.core.counters().mmio - before, where).toBe(BigInt(ROUNDS * 18));
        }
      }
    }
  });
});
