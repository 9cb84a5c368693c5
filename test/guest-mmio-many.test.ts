// Many JS devices, one per page (issue 20): a guest loop whose loads each reach another
// device. Each device's entry must stay one JS call at every tier and be cheap to enter,
// and devices moved, removed or re-registered among many while the loop runs (their bus
// indices changing hands) are never called for an address they no longer claim,
// interpreted and compiled, before and after their entries tier up.
import { describe, expect, it } from 'vitest';
import { COPY_AFTER, registerPathEntry, type EntryHelpers } from '../dist/src/mmio-entry.js';
import { READ_REFUSED } from '../dist/src/device-entries.js';
import { BUS_DEVICE_ERROR, BUS_HANDLED, BUS_UNCLAIMED, type Mapped } from '../dist/src/mmio.js';
import { Machine, Vcpu, A64Program, a64 } from '../dist/src/index.js';

const CODE = 0x1_0000;
const DEVICES = 0x9000_0000;
const PAGE = 0x1000;
const FAR = DEVICES + 0x100 * PAGE;

describe('the shared tier of a JS device entry', () => {
  it('calls the handler from the entry itself, one frame of entry code, while it counts toward the copy', () => {
    const helpers: EntryHelpers = {
      memoryOrder: () => 0, registerValue: () => 0, swap16: (bits) => bits, swap32: (bits) => bits,
      HANDLED: BUS_HANDLED, UNCLAIMED: BUS_UNCLAIMED, DEVICE_ERROR: BUS_DEVICE_ERROR, READ_REFUSED,
    };
    const stacks: string[] = [];
    const device = { read: () => { stacks.push(new Error().stack ?? ''); return 5; }, write: () => { stacks.push(new Error().stack ?? ''); } };
    const mapped = { name: 'd', as: 0, start: DEVICES, end: DEVICES + PAGE, device, widths: [4], accepts: [], little: true, index: 0 } as unknown as Mapped;
    const replaced: unknown[] = [];
    const entry = registerPathEntry(helpers, mapped, { depth: 0 }, { handlerWatch: undefined, lastFailure: undefined }, new Uint32Array(2), 0, (copy) => replaced.push(copy));
    expect([entry.read(DEVICES | 0, 0, 4), entry.write((DEVICES | 0) + 4, 0, 4, 1, 0)]).toEqual([5, BUS_HANDLED]);
    const entryFrames = stacks.map((stack) => stack.split('\n').filter((line) => /mmio-entry\.[jt]s/.test(line)).length);
    expect(entryFrames).toEqual([1, 1]);
    expect(replaced).toHaveLength(0);
  });
});

describe('entering many JS devices', () => {
  it('compiles no module per device: 40 devices entered from a guest loop compile at most one', async () => {
    const machine = await Machine.create({ arenaBytes: 1 << 20, jit: false });
    machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: PAGE, userspaceAddr: machine.allocateBacking(PAGE) });
    const reads: number[] = [];
    for (let k = 0; k < 40; k++) machine.mmio.register({ name: `d${k}`, base: DEVICES + k * PAGE, size: PAGE, read: () => { reads.push(k); return k; }, write: () => {} });
    machine.writeBytes(CODE, new A64Program().emit(a64.ldr(5, 3, 0, 4)).bytes());
    const vcpu = new Vcpu(machine, 0, 'aarch64');
    const global = globalThis as { WebAssembly: typeof WebAssembly };
    const original = global.WebAssembly.Module;
    let compiled = 0;
    global.WebAssembly.Module = new Proxy(original, { construct(target, args: [BufferSource]) { compiled++; return Reflect.construct(target, args); } });
    try {
      // Each device's page: the first accesses mark it and locate the device, the later ones go through its entry.
      for (let k = 0; k < 40; k++) {
        for (let i = 0; i < 4; i++) expect(vcpu.set('pc', BigInt(CODE)).set('x3', BigInt(DEVICES + k * PAGE)).run(1).reason).toBe('budget');
      }
    } finally {
      global.WebAssembly.Module = original;
    }
    expect(reads).toEqual(Array.from({ length: 160 }, (_, i) => i >> 2));
    expect(compiled).toBeLessThanOrEqual(1);
  });
});

/** An iteration's loads, by page: page 6 three times before page 5 (each through register x(14 + page), at offset 8 × page). */
const ORDER = [0, 1, 2, 3, 4, 6, 6, 6, 5, 7];
const loadsOf = (page: number) => ORDER.filter((p) => p === page).length;

/**
 * A loop over 8 of 24 devices, one per page. From inside page 3's handler, at its calls
 * in `moves`, the devices of pages 5, 6 and 7 are replaced, page 6's new device taking
 * page 5's old bus index (a new device takes the lowest free index; a device at a far
 * page takes one first where needed): within that iteration page 6's loads enter its new
 * entry, and page 5's stale hint then names it, which must not take page 5's access.
 */
async function movingLoop(jit: boolean, iterations: number, moves: number[]) {
  const machine = await Machine.create({ arenaBytes: 1 << 20, jit });
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE, memorySize: PAGE, userspaceAddr: machine.allocateBacking(PAGE) });
  const calls = new Map<string, number>();
  const wrong: string[] = [];
  const perPage = new Array<number>(8).fill(0);
  let trigger = 0;
  const atPage = new Map<number, { name: string; registration: { unregister(): void }; gone: boolean }>();
  const add = (name: string, page: number) => {
    const device = { name, gone: false, registration: { unregister() {} } };
    const read = (offset: number, size: number) => {
      if (device.gone || offset !== 8 * page || size !== 4) wrong.push(`${name} read ${offset} ${size}${device.gone ? ' after it went' : ''}`);
      calls.set(name, (calls.get(name) ?? 0) + 1);
      perPage[page]!++;
      if (page === 3 && moves.includes(++trigger)) move(moves.indexOf(trigger));
      return (name.length << 8) | page;
    };
    device.registration = machine.mmio.register({ name, base: DEVICES + page * PAGE, size: PAGE, widths: [4], read, write: () => { wrong.push(`${name} write`); } });
    atPage.set(page, device);
  };
  const move = (round: number) => {
    for (const page of [5, 6, 7]) {
      const old = atPage.get(page)!;
      old.registration.unregister();
      old.gone = true;
    }
    // Pages 5, 6, 7 held indices 5, 6, 7, then 6, 5, 7: the second time 5 goes to a far device.
    if (round === 1) machine.mmio.register({ name: 'far', base: FAR, size: PAGE, read: () => { wrong.push('far'); return 0; }, write: () => {} });
    for (const page of [6, 5, 7]) add(`page${page}-move${moves[round]}`, page);
  };
  for (let k = 0; k < 24; k++) {
    if (k < 8) add(`d${k}`, k);
    else machine.mmio.register({ name: `idle${k}`, base: DEVICES + k * PAGE, size: PAGE, read: () => { wrong.push(`idle${k}`); return 0; }, write: () => {} });
  }
  const program = new A64Program().label('loop');
  ORDER.forEach((page, i) => program.emit(a64.ldr(3 + i, 14 + page, 8 * page, 4)));
  program.emit(a64.subs(2, 2, 1)).branchTo((offset) => a64.bcond('ne', offset), 'loop').emit(a64.svc());
  machine.writeBytes(CODE, program.bytes());
  const vcpu = new Vcpu(machine, 0, 'aarch64').set('pc', BigInt(CODE)).set('x2', BigInt(iterations));
  for (let page = 0; page < 8; page++) vcpu.set(`x${14 + page}` as 'x14', BigInt(DEVICES + page * PAGE));
  const exits = new Set<string>();
  for (let budget = 20 * iterations; budget > 0 && vcpu.get('x2') !== 0n; budget -= vcpu.completed) exits.add(vcpu.run(budget).reason);
  const last = ORDER.map((_, i) => Number(vcpu.get(`x${3 + i}` as 'x3')));
  return { calls: Object.fromEntries(calls), wrong, perPage, exits: [...exits], left: vcpu.get('x2'), last, names: [5, 6, 7].map((page) => atPage.get(page)!.name) };
}

describe('many JS devices moved while a loop runs through them', () => {
  it('every load reaches the device that holds its page then, once, interpreted and compiled, before and after the entries tier up', async () => {
    // The first move while every entry runs the shared code; the second after the moved devices' entries have their own copies.
    const iterations = COPY_AFTER + 2_000;
    const moves = [100, COPY_AFTER + 1_000];
    const global = globalThis as { Function: FunctionConstructor };
    const original = global.Function;
    const copies: number[] = [];
    global.Function = new Proxy(original, {
      construct(target, args: string[]) {
        if (String(args.at(-1)).includes('memslot-device-entry')) copies[copies.length - 1]!++;
        return Reflect.construct(target, args);
      },
    });
    const runs = [];
    try {
      for (const jit of [false, true]) {
        copies.push(0);
        runs.push(await movingLoop(jit, iterations, moves));
      }
    } finally {
      global.Function = original;
    }
    for (const run of runs) {
      expect(run.wrong).toEqual([]);
      expect(run.exits).toEqual(['hypercall']);
      expect(run.left).toBe(0n);
      expect(run.perPage).toEqual(Array.from({ length: 8 }, (_, page) => iterations * loadsOf(page)));
      expect(run.names).toEqual([5, 6, 7].map((page) => `page${page}-move${moves[1]}`));
      expect(run.last).toEqual(ORDER.map((page) => ((page < 5 ? 2 : `page${page}-move${moves[1]}`.length) << 8) | page));
      // A move comes at page 3's load: that iteration's later loads reach the new devices.
      for (const page of [5, 6, 7]) {
        expect([run.calls[`d${page}`], run.calls[`page${page}-move${moves[0]}`], run.calls[`page${page}-move${moves[1]}`]])
          .toEqual([moves[0]! - 1, moves[1]! - moves[0]!, iterations - moves[1]! + 1].map((n) => n * loadsOf(page)));
      }
    }
    expect(runs[1]!.calls).toEqual(runs[0]!.calls);
    // Pages 0-4's devices and the first move's three passed COPY_AFTER calls.
    expect(copies).toEqual([8, 8]);
  });
});
