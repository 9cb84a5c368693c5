// Machine.reset(): a machine that ran a guest, reset, runs the next guest exactly as a
// fresh machine does: every observable of the second run (result, vCPU record, TLB,
// slots, every arena byte, counters, devices) equals the fresh machine's.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { A64Program, EmuError, LOG_DIRTY_PAGES, Machine, Vcpu, a32, a64, loadElf, runElf, runLoaded, ramBackingBytes, t32, thumbBytes } from '../dist/src/index.js';
import { createElfMachine } from '../dist/src/guest/run.js';

const TARGETS = ['aarch64', 'arm', 'thumb', 'ppc32', 'ppc64', 'ppc64le'] as const;
const SPARSE = { sparseRam: true };
/** Room for every guest below (the largest's sparse backing is under 3 MiB). */
const ARENA_RAM = 4 << 20;

const elf = (target: string, name: string) => new Uint8Array(readFileSync(new URL(`../guests/build/${target}/${name}.elf`, import.meta.url)));

/** Everything a run leaves that an embedder can see. */
function observe(machine: Machine, result: ReturnType<typeof runLoaded>) {
  const { map, layout } = machine;
  const bytes = new Uint8Array(machine.memory.buffer);
  const record = bytes.slice(map.VCPU_BASE, map.VCPU_BASE + map.VCPU_RECORD_SIZE);
  // The slot caches' generation words: the table's generation counts every publication
  // (reset's deletion of the slots is one), so it is higher on a reused machine.
  for (let as = 0; as < map.AS_COUNT; as++) record.fill(0, map.REC_SLOT_CACHE + as * map.SLOT_CACHE_SIZE, map.REC_SLOT_CACHE + as * map.SLOT_CACHE_SIZE + 4);
  const tlb = bytes.slice(layout.tlbBase, layout.tlbBase + 2 * layout.tlbEntries * map.TLB_ENTRY_SIZE);
  const arena = bytes.slice(layout.arenaBase, layout.arenaBase + layout.arenaSize);
  const failure = machine.mmio.lastFailure;
  const { seconds: _, ...run } = result;
  return {
    result: run, slots: machine.slots(), counters: machine.counters(), failure: failure && { device: failure.device, gpa: failure.gpa },
    builtins: new DataView(machine.memory.buffer).getUint32(map.CONTROL_BASE + map.CTRL_BUILTIN_COUNT, true), record, tlb, arena,
  };
}

/** The control block (but the slot generations, which only move on), the vCPU records and the TLBs, before any run. */
function engineState(machine: Machine): Uint8Array {
  const { map, layout } = machine;
  const state = new Uint8Array(machine.memory.buffer).slice(0, layout.dirtyBase);
  state.fill(0, map.CONTROL_BASE + map.CTRL_SLOT_GEN, map.CONTROL_BASE + map.CTRL_SLOT_GEN + 4 * map.AS_COUNT);
  // Static data and slot tables: the core's constants, and tables whose generations differ; machine.slots() says what they hold.
  state.fill(0, map.STATIC_BASE, map.VCPU_BASE);
  return state;
}

/** A fresh machine (as `reused` was made) running `bytes`. */
async function fresh(bytes: Uint8Array, jit: boolean) {
  const machine = await createElfMachine(ARENA_RAM, jit);
  return observe(machine, runLoaded(machine, loadElf(machine, bytes, SPARSE)));
}

const LOOP_CODE = 0x4000_0000n;
const LOOP_DATA = 0x4000_1000n;

/** A loop of 40 loads closed by SUBS + B.NE (the shape the compiler takes), then SVC; undefined for PowerPC (the corpus's loops compile there). */
function hotLoop(arch: string): Uint8Array | undefined {
  const le = (words: number[]) => new Uint8Array(new Uint32Array(words).buffer);
  if (arch === 'aarch64') {
    return new A64Program().emit(a64.movz(2, 40)).label('loop').emit(a64.ldr(3, 13, 8, 8))
      .emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc()).bytes();
  }
  if (arch === 'arm') return le([a32.mov(2, 40), a32.ldr(3, 4, 8), a32.subs(2, 2, 1), a32.b(-2 * 4, 'ne'), a32.svc()]);
  if (arch === 'thumb') return thumbBytes([t32.movs(2, 40), t32.ldr(3, 4, 8), t32.subsImm(2, 1), t32.bcond('ne', -2 * 2), t32.svc()]);
  return undefined;
}

/** Marks a guest cannot leave itself: junk in every register, a slot with a dirty log and its pages, a loop run there, devices, a device error. */
function leaveMarks(machine: Machine, arch: ReturnType<typeof loadElf>['arch']): Vcpu {
  const vcpu = new Vcpu(machine, 0, arch);
  for (const name of vcpu.registerNames) vcpu.set(name, (1n << BigInt(vcpu.registerBits(name) - 1)) | 0x5an);
  const uaddr = machine.allocateBacking(0x2000);
  machine.setUserMemoryRegion({ slot: 7, flags: LOG_DIRTY_PAGES, guestPhysAddr: LOOP_CODE, memorySize: 0x2000, userspaceAddr: uaddr });
  machine.write(LOOP_DATA + 8n, 8, 0x1122_3344_5566_7788n);
  const loop = hotLoop(arch);
  if (loop) {
    machine.writeBytes(LOOP_CODE, loop);
    if (arch !== 'aarch64') vcpu.set('cpsr', arch === 'thumb' ? 0x1f3 : 0x1d3);
    vcpu.set(arch === 'aarch64' ? 'x13' : 'r4', LOOP_DATA).set('pc', LOOP_CODE);
    expect(vcpu.run(10_000)).toMatchObject({ reason: 'hypercall' });
    expect(vcpu.get(arch === 'aarch64' ? 'x3' : 'r3')).toBe(arch === 'aarch64' ? 0x1122_3344_5566_7788n : 0x5566_7788n);
  }
  machine.mmio.register({ name: 'left-over', base: 0x0b00_0000n, size: 8, read: () => 7, write: () => { throw new Error('left over'); } });
  machine.addBuiltinDevice({ kind: 'counter', base: 0x0c00_0000n, size: 8 });
  machine.read(0x0c00_0000, 8);
  expect(() => machine.write(0x0b00_0000, 4, 1)).toThrow();
  return vcpu;
}

/** Loops compiled in vCPU 0's record (their table indexes). */
function compiledBlocks(machine: Machine): number {
  const { map } = machine;
  const blocks = new DataView(machine.memory.buffer, map.VCPU_BASE + map.REC_JIT_BLOCKS, map.JIT_BLOCKS * map.JIT_BLOCK_SIZE);
  return Array.from({ length: map.JIT_BLOCKS }, (_, i) => blocks.getInt32(i * map.JIT_BLOCK_SIZE + 8, true)).filter((index) => index > 0).length;
}

describe('Machine.reset', () => {
  // mmu-O2 turns its MMU on over page tables it writes; sort-O2 runs hot loops (compiled with jit).
  describe.each(TARGETS)('%s', (target) => {
    it.each([false, true])('runs each guest after another as a fresh machine does (jit %s)', async (jit) => {
      const machine = await createElfMachine(ARENA_RAM, jit);
      let previous = runLoaded(machine, loadElf(machine, elf(target, 'mmu-O2'), SPARSE));
      expect(previous.exit).toMatchObject({ reason: 'done', status: 0n });
      for (const name of ['sort-O2', 'list-Os']) {
        const bytes = elf(target, name);
        const stale = leaveMarks(machine, loadElf(await createElfMachine(), bytes).arch);
        // Compiled loops to drop: from leaveMarks on AArch64/AArch32, from sort-O2 on 64-bit PowerPC (ppc32 compiles none).
        if (jit && name === 'list-Os' && target !== 'ppc32') expect(compiledBlocks(machine)).toBeGreaterThan(0);
        machine.reset();
        expect(machine.slots()).toEqual([]);
        expect(Buffer.compare(engineState(machine), engineState(await createElfMachine(ARENA_RAM, jit))), 'control block, records, TLBs').toBe(0);
        expect(() => stale.run(1)).toThrow(EmuError);
        expect(() => stale.set('pc', 0)).toThrow(/made before its machine was reset/);
        const reused = observe(machine, runLoaded(machine, loadElf(machine, bytes, SPARSE)));
        expect(reused.result.exit).toMatchObject({ reason: 'done', status: 0n });
        const expected = await fresh(bytes, jit);
        expect(reused.result).toEqual(expected.result);
        expect(reused.slots).toEqual(expected.slots);
        expect(reused.counters).toEqual(expected.counters);
        expect(reused.failure).toEqual(expected.failure);
        expect(reused.builtins).toBe(0);
        // Byte for byte: registers, system registers, exits, micro-op cache, compiled-loop table.
        expect(Buffer.compare(reused.record, expected.record), 'vCPU record').toBe(0);
        expect(Buffer.compare(reused.tlb, expected.tlb), 'TLBs').toBe(0);
        expect(Buffer.compare(reused.arena, expected.arena), 'arena').toBe(0);
        previous = reused.result;
      }
      expect(previous.reports.some((report) => report.name === 'passed')).toBe(true);
    });
  });

  it('runElf(bytes, { machine }) resets the machine and gives a fresh machine\'s result', async () => {
    const machine = await createElfMachine(ARENA_RAM);
    const first = elf('ppc64le', 'printf-O2');
    const second = elf('ppc64le', 'string-Os');
    const once = await runElf(first, { machine });
    const output: string[] = [];
    const again = await runElf(second, { machine, output: (text) => output.push(text) });
    expect(again).toEqual({ ...(await runElf(second)), seconds: again.seconds });
    expect(output.join('')).toBe(again.output);
    expect(await runElf(first, { machine })).toEqual({ ...once, seconds: expect.any(Number) });
  });

  it('runElf(bytes, { machine }) refuses a file, budget or arena it cannot run before it resets the machine', async () => {
    const bytes = elf('arm', 'hello-O2');
    const machine = await createElfMachine(ramBackingBytes(bytes, SPARSE));
    await runElf(bytes, { machine });
    const slots = machine.slots();
    await expect(runElf(bytes.subarray(0, 40), { machine })).rejects.toThrow(/truncated|ELF/i);
    await expect(runElf(bytes, { machine, budget: 0 })).rejects.toThrow(RangeError);
    await expect(runElf(bytes, { machine, arch: 'ppc64le' })).rejects.toThrow(/cannot run/);
    await expect(runElf(bytes, { machine, sparseRam: false })).rejects.toMatchObject({ code: 'ENOMEM' });
    expect(machine.slots()).toEqual(slots);
  });

  it('refuses while a vCPU runs (from a device handler) and changes nothing', async () => {
    const bytes = elf('aarch64', 'hello-O2');
    const machine = await createElfMachine(ramBackingBytes(bytes, SPARSE));
    const loaded = loadElf(machine, bytes, SPARSE);
    let refusal: unknown;
    // The console's first byte: a device handler inside Vcpu.run.
    machine.mmio.register({
      name: 'probe', base: 0x0900_0000n, size: 8, widths: [1], read: () => 0,
      write: () => {
        try {
          machine.reset();
        } catch (error) {
          refusal = error;
        }
      },
    });
    const slots = machine.slots();
    const vcpu = new Vcpu(machine, 0, loaded.arch);
    for (const [name, value] of Object.entries(loaded.registers)) vcpu.set(name as 'pc', value);
    vcpu.set('sctlr_el1', 0xc5_0838n);
    let exit = vcpu.run(1_000_000);
    expect(refusal).toBeInstanceOf(EmuError);
    expect((refusal as EmuError).code).toBe('EBUSY');
    expect(machine.slots()).toEqual(slots);
    // The run goes on as before the refused call: the guest ends with its ucall.
    while (exit.reason === 'budget') exit = vcpu.run(1_000_000);
    expect(exit).toMatchObject({ reason: 'mmio', gpa: 0x0a00_0000n });
  });

  it('refuses while a vCPU thread is in a run and changes nothing', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const uaddr = machine.allocateBacking(0x1000);
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0, memorySize: 0x1000, userspaceAddr: uaddr });
    machine.write(0x10, 4, 0x1234);
    const { map } = machine;
    const state = new Int32Array(machine.memory.buffer, map.VCPU_BASE + map.REC_SYNC_STATE, 1);
    Atomics.store(state, 0, map.VCPU_RUNNING);
    expect(() => machine.reset()).toThrow(/EBUSY/);
    expect(machine.read(0x10, 4)).toBe(0x1234n);
    expect(machine.slots()).toHaveLength(1);
    Atomics.store(state, 0, map.VCPU_OUTSIDE);
    machine.reset();
    expect(machine.slots()).toEqual([]);
    expect(machine.backing(uaddr, 0x1000).every((byte) => byte === 0)).toBe(true);
  });

  it('leaves the arena free for new backing, the bus empty and device names fresh', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20 });
    const first = machine.allocateBacking(1 << 20);
    machine.backing(first, 16).fill(0xaa);
    machine.mmio.register({ base: 0x1000n, size: 8, read: () => 1, write: () => {} });
    machine.reset();
    expect(machine.allocateBacking(1 << 20)).toBe(first);
    expect(machine.backing(first, 16).every((byte) => byte === 0)).toBe(true);
    expect(machine.mmio.find(0, 0x1000)).toBeUndefined();
    expect(machine.mmio.register({ base: 0x1000n, size: 8, read: () => 1, write: () => {} }).name).toBe('device0');
  });
});
