// Guest accesses that cross a page with the MMU on: each byte translates on its own
// (the two virtual pages map to pages far apart), in the guest's byte order; a second
// page that does not translate ends the instruction with a translation fault.
import { describe, expect, it } from 'vitest';
import { Machine, Vcpu, A64PageTables, A64Program, a64 } from '../dist/src/index.js';

const CODE = 0x10_0000n;
const DATA = 0x20_0000n;
const TABLES = 0x8000_0000n;
const DATA_VA = 0x5000_0000n;
const LOW_BYTES = [0x11, 0x22, 0x33, 0x44];
const HIGH_BYTES = [0x55, 0x66, 0x77, 0x88];

/** Data pages: DATA_VA → DATA, DATA_VA + 0x1000 → DATA + 0x3000, nothing at DATA_VA + 0x2000. */
async function crossingGuest(arch: 'aarch64' | 'aarch64_be', program: A64Program) {
  const machine = await Machine.create({ arenaBytes: 8 << 20 });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0x10000, userspaceAddr: machine.allocateBacking(0x10000) });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: TABLES, memorySize: 0x10_0000, userspaceAddr: machine.allocateBacking(0x10_0000) });
  machine.writeBytes(CODE, program.bytes());
  const tables = new A64PageTables(machine, TABLES, 0x10_0000);
  tables.map({ va: CODE, pa: CODE, size: 0x1000, writable: false });
  tables.map({ va: DATA_VA, pa: DATA, size: 0x1000 });
  tables.map({ va: DATA_VA + 0x1000n, pa: DATA + 0x3000n, size: 0x1000 });
  machine.writeBytes(DATA + 0xffcn, Uint8Array.from(LOW_BYTES));
  machine.writeBytes(DATA + 0x3000n, Uint8Array.from(HIGH_BYTES));
  const vcpu = tables.enable(new Vcpu(machine, 0, arch), { translate: false }).set('sctlr_el1', 1).set('pc', CODE);
  return { machine, vcpu };
}

/** The value of `bytes` (memory order) in the arch's data byte order. */
function valueOf(bytes: number[], arch: string): bigint {
  const ordered = arch === 'aarch64_be' ? bytes : [...bytes].reverse();
  return ordered.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

describe.each(['aarch64', 'aarch64_be'] as const)('a page-crossing access with the MMU on (%s)', (arch) => {
  it('loads and stores byte by byte through both translations', async () => {
    const program = new A64Program().emit(a64.ldr(1, 9), a64.str(2, 10), a64.svc());
    const { machine, vcpu } = await crossingGuest(arch, program);
    const stored = [0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, 0xa8];
    vcpu.set('x9', DATA_VA + 0xffcn).set('x10', DATA_VA + 0xffan).set('x2', valueOf(stored, arch));
    expect(vcpu.run(10).reason).toBe('hypercall');
    expect(vcpu.get('x1')).toBe(valueOf([...LOW_BYTES, ...HIGH_BYTES], arch));
    expect([...machine.readBytes(DATA + 0xffan, 6), ...machine.readBytes(DATA + 0x3000n, 2)]).toEqual(stored);
    expect([...machine.readBytes(DATA + 0x1000n, 2)]).toEqual([0, 0]); // the physically next page is not touched
  });

  it('faults where the second page does not translate, and the load changes no register', async () => {
    const { vcpu } = await crossingGuest(arch, new A64Program().emit(a64.ldr(1, 9), a64.svc()));
    vcpu.set('x9', DATA_VA + 0x1ffcn).set('x1', 7);
    const exit = vcpu.run(10);
    expect(exit).toMatchObject({ reason: 'fault', kind: 'translation', pc: CODE, address: DATA_VA + 0x2000n });
    expect(vcpu.get('x1')).toBe(7n);
  });
});
