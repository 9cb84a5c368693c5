// allocateBacking hands out all-zero ranges while clearing only arena bytes that could
// have been written: through earlier allocations, slots placed anywhere in the arena
// (allocated or not), backing() views, and ranges released and allocated again.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Machine, Vcpu, ppc, PpcProgram } from '../dist/src/index.js';
import { fuzzParameters } from './property-config.js';

const PAGE = 4096;
const ARENA = 64 * PAGE;
const CODE = 0x10_0000n;
const DATA = 0x20_0000n;

const fresh = () => Machine.create({ arenaBytes: ARENA, shared: false });

function expectZero(machine: Machine, uaddr: number, length: number): void {
  const bytes = machine.backing(uaddr, length);
  expect(bytes.findIndex((byte) => byte !== 0)).toBe(-1);
}

/** A ppc64be guest at CODE (its own allocated page) that stores 0x5a5a5a5a at DATA + 0..`bytes`. */
function guestFiller(machine: Machine, bytes: number): Vcpu {
  const code = machine.allocateBacking(PAGE);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: PAGE, userspaceAddr: code });
  const program = new PpcProgram()
    .emit(ppc.lis(3, 0x20), ppc.addi(3, 3, -4), ppc.lis(5, 0x5a5a), ppc.ori(5, 5, 0x5a5a))
    .emit(ppc.li(4, bytes / 4), ppc.mtctr(4))
    .label('loop')
    .emit(ppc.stwu(5, 4, 3))
    .branchTo(ppc.bdnz, 'loop')
    .emit(ppc.sc());
  const words = program.words();
  const image = new Uint8Array(words.length * 4);
  words.forEach((word, i) => new DataView(image.buffer).setUint32(i * 4, word, false));
  machine.writeBytes(CODE, image);
  return new Vcpu(machine, 0, 'ppc64be').set('pc', CODE);
}

describe('arena zeroing', () => {
  it('a released range that a guest wrote reads all zero when allocated again', async () => {
    const machine = await fresh();
    const data = machine.allocateBacking(4 * PAGE);
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 4 * PAGE, userspaceAddr: data });
    expect(guestFiller(machine, 4 * PAGE).run(100_000).reason).toBe('hypercall');
    expect(machine.read(DATA + BigInt(4 * PAGE - 4), 4)).toBe(0x5a5a5a5an);
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0, userspaceAddr: 0 });
    machine.releaseBacking(data);
    const again = machine.allocateBacking(4 * PAGE);
    expect(again).toBe(data);
    expectZero(machine, again, 4 * PAGE);
  });

  it('a slot placed on an unallocated range and written by a guest: that range reads zero once allocated', async () => {
    const machine = await fresh();
    const unallocated = 40 * PAGE;
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 2 * PAGE, userspaceAddr: unallocated });
    expect(guestFiller(machine, 2 * PAGE).run(100_000).reason).toBe('hypercall');
    expect(machine.backing(unallocated, 4)).toEqual(Uint8Array.of(0x5a, 0x5a, 0x5a, 0x5a));
    machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: DATA, memorySize: 0, userspaceAddr: 0 });
    const ranges = Array.from({ length: 63 }, () => machine.allocateBacking(PAGE));
    for (const uaddr of ranges) expectZero(machine, uaddr, PAGE);
    expect(ranges).toContain(unallocated);
  });

  it('slots installed by a transaction count too, and host writes through them', async () => {
    const machine = await fresh();
    machine.setUserMemoryRegions([
      { slot: 1, guestPhysAddr: DATA, memorySize: PAGE, userspaceAddr: 10 * PAGE },
      { slot: 2, guestPhysAddr: DATA + 0x10_0000n, memorySize: PAGE, userspaceAddr: 20 * PAGE },
    ]);
    machine.write(DATA + 8n, 8, 0x1122334455667788n);
    machine.write32(Number(DATA + 0x10_0000n), 0xdeadbeef);
    const ranges = Array.from({ length: 21 }, () => machine.allocateBacking(PAGE));
    expect(ranges).toContain(20 * PAGE);
    for (const uaddr of ranges) expectZero(machine, uaddr, PAGE);
  });

  it('a range written through backing() reads zero once allocated', async () => {
    const machine = await fresh();
    machine.backing(30 * PAGE, 2 * PAGE).fill(0xff);
    const whole = machine.allocateBacking(ARENA);
    expect(whole).toBe(0);
    expectZero(machine, 0, ARENA);
  });

  it('every freshly allocated range reads all zero after random allocations, releases, slots and writes', async () => {
    const pages = ARENA / PAGE;
    const step = fc.oneof(
      fc.record({ op: fc.constant('allocate' as const), pages: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ op: fc.constant('release' as const), index: fc.nat() }),
      fc.record({ op: fc.constant('slot' as const), page: fc.integer({ min: 0, max: pages - 1 }), pages: fc.integer({ min: 1, max: 8 }) }),
      fc.record({ op: fc.constant('backing' as const), page: fc.integer({ min: 0, max: pages - 1 }), value: fc.integer({ min: 1, max: 255 }) }),
    );
    await fc.assert(fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps) => {
      const machine = await fresh();
      const live: number[] = [];
      let writes = 0;
      for (const s of steps) {
        if (s.op === 'allocate') {
          let at: number;
          try {
            at = machine.allocateBacking(s.pages * PAGE);
          } catch {
            continue;
          }
          expectZero(machine, at, s.pages * PAGE);
          live.push(at);
          // The owner writes its range, as a VMM or guest would.
          machine.backing(at, s.pages * PAGE).fill(0xa5);
        } else if (s.op === 'release') {
          if (live.length === 0) continue;
          machine.releaseBacking(live.splice(s.index % live.length, 1)[0]!);
        } else if (s.op === 'slot') {
          const size = Math.min(s.pages, pages - s.page) * PAGE;
          const gpa = DATA + BigInt(writes++) * 0x10_0000n;
          machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: gpa, memorySize: size, userspaceAddr: s.page * PAGE });
          machine.write(gpa + BigInt(size - 8), 8, 0x0102030405060708n);
          machine.setUserMemoryRegion({ slot: 1, guestPhysAddr: gpa, memorySize: 0, userspaceAddr: 0 });
        } else {
          machine.backing(s.page * PAGE + 100, 1)[0] = s.value;
        }
      }
    }), fuzzParameters(60, 71));
  }, 60_000);
});
