// Random guest runs on every architecture (issue 16): random code (guest RAM filled
// with random bytes), random registers biased to addresses that matter (slot edges,
// devices, 2^32, 2^64, the engine's own offsets in the Wasm memory) and random page
// tables (translation on or off at random, table registers pointing into the random
// RAM, so every walker reads random descriptors). Afterwards the engine's own memory is
// byte-identical except where the map says a running vCPU writes: its own record and
// TLB, the broadcast-invalidation words and ring of the control block, and the live
// dirty bitmaps (whose bits past the slot's last page stay clear).

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Machine, Vcpu, LOG_DIRTY_PAGES, READONLY, type GuestArch } from '../dist/src/index.js';
import { firstChange, liveDirtyBitmaps, recordRange, snapshot, tlbRange, type Allowed } from './engine-memory.js';
import { fuzzParameters, fuzzTimeout } from './property-config.js';
import { prng } from './helpers.js';

const TOP = 1n << 64n;
const ARCHES: GuestArch[] = ['ppc64be', 'ppc64le', 'ppc32be', 'aarch64', 'aarch64_be', 'arm', 'armeb', 'thumb'];
const LOW = { gpa: 0n, size: 0x40000 }; //                  RAM, dirty-logged; code runs here
const ROM = { gpa: 0x8000_0000n, size: 0x10000 }; //        READONLY, aliasing LOW's first 64 KiB
const HIGH32 = { gpa: 0xffff_0000n, size: 0x10000 }; //     RAM ending at 2^32
const TOP_RAM = { gpa: TOP - 0x20000n, size: 0x10000 }; //  RAM near 2^64, dirty-logged
const DEVICE = 0x9000_0000n;
const SCRATCH = 0xa000_0000n;
const COUNTER = 0xa000_1000n;

/** MMU registers each family keeps beyond the step format's names. */
const EXTRA: Record<'ppc' | 'arm' | 'a64', string[]> = {
  ppc: ['ptcr', 'pid', 'lpcr', 'sdr1', ...Array.from({ length: 16 }, (_, i) => `sr${i}`),
    ...['i', 'd'].flatMap((side) => [0, 1, 2, 3].flatMap((n) => [`${side}bat${n}u`, `${side}bat${n}l`]))],
  arm: ['sctlr', 'ttbcr', 'dacr', 'contextidr', 'ttbr0', 'ttbr1', 'mair0', 'mair1'],
  a64: [],
};
const family = (arch: GuestArch) => (arch.startsWith('ppc') ? 'ppc' : arch.startsWith('aarch64') ? 'a64' : 'arm');

/** An address-like register value: a base that matters plus a small offset, or any u64. */
const registerValue = fc.tuple(fc.integer({ min: 0, max: 13 }), fc.bigInt(0n, 0x1_0000n), fc.bigInt(0n, TOP - 1n), fc.boolean());

function resolve(machine: Machine, [kind, offset, wide, below]: [number, bigint, bigint, boolean]): bigint {
  const { layout, map } = machine;
  const bases = [
    0n, LOW.gpa, ROM.gpa, HIGH32.gpa, TOP_RAM.gpa, DEVICE, SCRATCH, 1n << 32n, TOP,
    BigInt(layout.arenaBase), BigInt(map.VCPU_BASE), BigInt(layout.tlbBase), BigInt(layout.dirtyBase),
  ];
  const base = bases[kind];
  if (base === undefined) return wide;
  return BigInt.asUintN(64, below ? base - offset : base + offset);
}

interface GuestCase {
  arch: GuestArch;
  jit: boolean;
  seed: number;
  pc: number;
  registers: Array<[number, bigint, bigint, boolean]>;
  translate: boolean;
}

const guestCase: fc.Arbitrary<GuestCase> = fc.record({
  arch: fc.constantFrom(...ARCHES),
  jit: fc.boolean(),
  seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  pc: fc.integer({ min: 0, max: LOW.size / 4 - 64 }),
  registers: fc.array(registerValue, { minLength: 140, maxLength: 140 }),
  translate: fc.boolean(),
});

/** The machine every case of one jit setting shares (a fresh one per case would cost most of the run in page faults). */
async function guestMachine(jit: boolean): Promise<Machine> {
  const machine = await Machine.create({ arenaBytes: 1 << 20, jit });
  const low = machine.allocateBacking(LOW.size);
  machine.setUserMemoryRegion({ slot: 0, flags: LOG_DIRTY_PAGES, guestPhysAddr: LOW.gpa, memorySize: LOW.size, userspaceAddr: low });
  machine.setUserMemoryRegion({ slot: 1, flags: READONLY, guestPhysAddr: ROM.gpa, memorySize: ROM.size, userspaceAddr: low });
  machine.setUserMemoryRegion({ slot: 2, guestPhysAddr: HIGH32.gpa, memorySize: HIGH32.size, userspaceAddr: machine.allocateBacking(HIGH32.size) });
  machine.setUserMemoryRegion({ slot: 3, flags: LOG_DIRTY_PAGES, guestPhysAddr: TOP_RAM.gpa, memorySize: TOP_RAM.size, userspaceAddr: machine.allocateBacking(TOP_RAM.size) });
  const registers = new Uint8Array(0x100);
  machine.mmio.register({
    name: 'registers', base: DEVICE, size: registers.length,
    read: (offset, size) => (size === 8 ? new DataView(registers.buffer).getBigUint64(offset, true) : registers[offset]!),
    write: (offset, _size, value) => { registers[offset] = Number(BigInt(value) & 0xffn); },
  });
  machine.addBuiltinDevice({ kind: 'scratch', base: SCRATCH, size: 0x100 });
  machine.addBuiltinDevice({ kind: 'counter', base: COUNTER, size: 8 });
  return machine;
}

/**
 * Puts the machine back as a new case expects it: random guest RAM (and device
 * registers), and vCPU 0's record and TLB as machineInit leaves them (zero, and
 * every tag invalid), so no translation or compiled block outlives its case.
 */
function freshCase(machine: Machine, seed: number): void {
  const random = prng(seed);
  const arena = machine.backing(0, machine.layout.arenaSize);
  const words = new DataView(arena.buffer, arena.byteOffset, arena.length);
  for (let i = 0; i < arena.length; i += 4) words.setUint32(i, random.next(), true);
  const record = recordRange(machine, 0);
  const tlb = tlbRange(machine, 0);
  new Uint8Array(machine.memory.buffer, record.start, record.end - record.start).fill(0);
  new Uint8Array(machine.memory.buffer, tlb.start, tlb.end - tlb.start).fill(0xff);
}

/** Where a running vCPU (record 0) may write outside the arena. */
function vcpuWrites(machine: Machine): Allowed[] {
  const { map } = machine;
  const control = (offset: number, bytes: number) => ({ start: map.CONTROL_BASE + offset, end: map.CONTROL_BASE + offset + bytes });
  return [
    recordRange(machine, 0),
    tlbRange(machine, 0),
    control(map.CTRL_SHOOT_SEQ, 8), // SEQ, DONE
    control(map.CTRL_SHOOT_LOCK, 8), // LOCK, ACK_BELL
    control(map.CTRL_SHOOT_RING, map.SHOOT_RING_SIZE * map.SHOOT_ENTRY_SIZE),
    ...liveDirtyBitmaps(machine),
  ];
}

describe('random guest runs leave the engine\'s memory alone (property)', () => {
  it('on every architecture, with random code, registers and page tables', async () => {
    const exits = new Map<string, number>();
    const archesRun = new Set<string>();
    let before: Uint8Array | undefined;
    const machines = [await guestMachine(false), await guestMachine(true)];
    await fc.assert(fc.asyncProperty(guestCase, async (c) => {
      const machine = machines[c.jit ? 1 : 0]!;
      freshCase(machine, c.seed);
      const vcpu = new Vcpu(machine, 0, c.arch);
      const names = [...vcpu.registerNames, ...EXTRA[family(c.arch)]].filter((name) => name !== 'pc');
      names.forEach((name, i) => vcpu.set(name, BigInt.asUintN(vcpu.registerBits(name), resolve(machine, c.registers[i % c.registers.length]!))));
      // Translation on or off: SCTLR.M (A64, AArch32) or MSR IR|DR (PowerPC), the rest of the register random.
      if (family(c.arch) === 'a64') vcpu.set('sctlr_el1', (vcpu.get('sctlr_el1') & ~1n) | (c.translate ? 1n : 0n));
      if (family(c.arch) === 'arm') vcpu.set('sctlr', (vcpu.get('sctlr') & ~1n) | (c.translate ? 1n : 0n));
      if (family(c.arch) === 'ppc') vcpu.set('msr', (vcpu.get('msr') & ~0x30n) | (c.translate ? 0x30n : 0n));
      const step = c.arch === 'thumb' ? 2n : 4n;
      vcpu.set('pc', LOW.gpa + BigInt(c.pc) * step);
      before = snapshot(machine, before);
      for (let run = 0; run < 40; run++) {
        const exit = vcpu.run(50);
        const key = `${exit.reason}${'kind' in exit ? ` ${exit.kind}` : ''}`;
        exits.set(key, (exits.get(key) ?? 0) + 1);
        // Past whatever stopped it: the next instruction of the random stream.
        if (exit.reason !== 'budget') vcpu.set('pc', BigInt.asUintN(64, exit.pc + step));
      }
      archesRun.add(c.arch);
      const what = `${c.arch}${c.jit ? ' (jit)' : ''}, seed ${c.seed}, translate ${c.translate}`;
      expect(firstChange(machine, before, undefined, vcpuWrites(machine)), what).toBeUndefined();
      const view = new DataView(machine.memory.buffer);
      for (const bitmap of liveDirtyBitmaps(machine)) {
        for (let bit = bitmap.pages; bit < (bitmap.end - bitmap.start) * 8; bit++) {
          expect((view.getUint8(bitmap.start + (bit >> 3)) >> (bit & 7)) & 1, `${what}: slot ${bitmap.slot} bit ${bit}`).toBe(0);
        }
      }
    }), fuzzParameters(120, 3));
    expect([...archesRun].sort()).toEqual([...ARCHES].sort());
    // The random streams reach devices and walk (random) page tables to a fault.
    expect(exits.get('mmio') ?? 0).toBeGreaterThan(0);
    expect(exits.get('fault translation') ?? 0).toBeGreaterThan(0);
  }, fuzzTimeout(60_000));
});
