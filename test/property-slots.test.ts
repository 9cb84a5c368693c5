// Model-based property test of the slot table (issue 16): random sequences of
// KVM_SET_USER_MEMORY_REGION calls, list updates, reads, writes and dirty logs, each checked against a
// reference model written from virt/kvm/kvm_main.c (test/model/kvm-main-model.ts):
// the errno or change, the resulting table, what a guest-physical read finds, and
// that a refused call writes no byte of shared memory.

import { describe, expect, it } from 'vitest';
import fc, { type Command } from 'fast-check';
import { Machine, SlotError, AccessError, type MemoryRegion } from '../dist/src/index.js';
import { KvmMainModel, type KvmResult } from './model/kvm-main-model.js';
import { firstChange, snapshot, type Allowed } from './engine-memory.js';
import { fuzzParameters, fuzzTimeout } from './property-config.js';

const ARENA = 256 * 1024;
const PAGE = 4096n;
const TOP = 1n << 64n;

interface Real {
  machine: Machine;
  /** What arena byte i holds (set once; writes put back the byte that is there). */
  arena: Uint8Array;
  before: Uint8Array;
  /** Where an accepted update may write: both published tables, the generation words and the dirty pool. */
  allowed: Allowed[];
}

const outcomes = new Map<string, number>();
const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);

/** A u64 field in one of the forms the API takes: number (when safe), bigint or hex string. */
const u64Form = (value: bigint) => fc.constantFrom<unknown>(
  value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value, value, `0x${value.toString(16)}`);

const hostileNumber = fc.constantFrom<unknown>(NaN, Infinity, -Infinity, 1.5, -1, -4096n, TOP, TOP + 4096n, 2 ** 64, null, 'abc', '-1', Symbol('n'), {});

const slotArb = fc.oneof(
  { weight: 40, arbitrary: fc.tuple(fc.constantFrom(0, 1), fc.constantFrom(0, 1, 2, 3, 4, 5, 32763)).map(([as, id]) => as * 65536 + id) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>(2 * 65536, 32764, 65535, 0xffff_ffff, 2 ** 32, 1n, '0x1') },
  { weight: 1, arbitrary: hostileNumber },
);
const flagsArb = fc.oneof(
  { weight: 40, arbitrary: fc.constantFrom<unknown>(0, 1, 2, 3, undefined) },
  { weight: 8, arbitrary: fc.constantFrom<unknown>(4, 2 ** 32 + 1, 2 ** 32, 0x8000_0000, 0xffff_ffff, 1n, '0x1') },
  { weight: 1, arbitrary: hostileNumber },
);
const gpaArb = fc.oneof(
  { weight: 40, arbitrary: fc.tuple(fc.constantFrom(0n, 0n, 0n, 0x1_0000_0000n, TOP - 64n * PAGE), fc.integer({ min: 0, max: 16 })).chain(([base, page]) => u64Form(base + BigInt(page) * PAGE)) },
  { weight: 2, arbitrary: fc.constantFrom(8n, TOP - PAGE, TOP - 2n * PAGE).chain(u64Form) },
  { weight: 1, arbitrary: hostileNumber },
);
const sizeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant<unknown>(0) },
  { weight: 40, arbitrary: fc.integer({ min: 1, max: 8 }).chain((pages) => u64Form(BigInt(pages) * PAGE)) },
  { weight: 2, arbitrary: fc.constantFrom(100n, BigInt(ARENA) + PAGE, 1n << 44n, TOP - PAGE).chain(u64Form) },
  { weight: 1, arbitrary: hostileNumber },
);
const uaddrArb = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 0, max: ARENA / 4096 - 1 }).chain((page) => u64Form(BigInt(page) * PAGE)) },
  { weight: 2, arbitrary: fc.constantFrom(12n, BigInt(ARENA), TOP - PAGE).chain(u64Form) },
  { weight: 1, arbitrary: hostileNumber },
);
const regionArb = fc.record({ slot: slotArb, flags: flagsArb, guestPhysAddr: gpaArb, memorySize: sizeArb, userspaceAddr: uaddrArb }, { requiredKeys: ['slot', 'guestPhysAddr', 'memorySize', 'userspaceAddr'] });

/** A change of an existing slot (mostly legal: move, flags, no-op, delete), picked when the command runs. */
interface Modification { pick: number; gpaPage: number; dirty: boolean; readonly: boolean; del: boolean; sameGpa: boolean }
const modificationArb: fc.Arbitrary<Modification> = fc.record({
  pick: fc.nat(), gpaPage: fc.integer({ min: 0, max: 16 }), dirty: fc.boolean(), readonly: fc.boolean(), del: fc.boolean(), sameGpa: fc.boolean(),
});

function modified(model: KvmMainModel, m: Modification): MemoryRegion | undefined {
  if (model.slots.length === 0) return undefined;
  const old = model.slots[m.pick % model.slots.length]!;
  // Keeps READONLY in most picks (changing it is EINVAL) and flips dirty logging freely.
  const flags = (m.readonly && m.pick % 5 === 0 ? old.flags ^ 2 : old.flags & 2) | (m.dirty ? 1 : 0);
  return {
    slot: old.slot, flags, guestPhysAddr: m.sameGpa ? old.guestPhysAddr : BigInt(m.gpaPage) * PAGE,
    memorySize: m.del ? 0n : old.memorySize, userspaceAddr: old.userspaceAddr,
  };
}

function errnoOf(call: () => unknown): unknown {
  try {
    return call();
  } catch (error) {
    if (error instanceof SlotError) return error.code;
    return error;
  }
}

/** After a call: the table as the model has it, and no shared-memory byte changed if it was refused (else only where updates write). */
function checkAfter(model: KvmMainModel, real: Real, refused: boolean, what: string): void {
  expect(real.machine.slots(), what).toEqual(model.sorted());
  expect(firstChange(real.machine, real.before, undefined, refused ? [] : real.allowed), what).toBeUndefined();
  if (refused) expect(Buffer.compare(real.before, new Uint8Array(real.machine.memory.buffer)), `${what}: the arena`).toBe(0);
}

class SetCommand implements Command<KvmMainModel, Real> {
  constructor(private readonly region: Record<string, unknown>) {}
  check = () => true;
  run(model: KvmMainModel, real: Real): void {
    real.before = snapshot(real.machine, real.before);
    const expected = model.set(this.region);
    const actual = errnoOf(() => real.machine.setUserMemoryRegion(this.region as unknown as MemoryRegion));
    count(String(actual));
    expect(actual, this.toString()).toBe(expected);
    checkAfter(model, real, expected === 'EINVAL' || expected === 'EEXIST', this.toString());
  }
  toString = () => `set(${show(this.region)})`;
}

class ModifyCommand implements Command<KvmMainModel, Real> {
  constructor(private readonly modification: Modification) {}
  check = (model: Readonly<KvmMainModel>) => model.slots.length > 0;
  run(model: KvmMainModel, real: Real): void {
    new SetCommand(modified(model, this.modification) as unknown as Record<string, unknown>).run(model, real);
  }
  toString = () => `modify(${JSON.stringify(this.modification)})`;
}

class TransactionCommand implements Command<KvmMainModel, Real> {
  constructor(private readonly entries: Array<Record<string, unknown> | Modification>) {}
  check = () => true;
  run(model: KvmMainModel, real: Real): void {
    real.before = snapshot(real.machine, real.before);
    // Modifications refer to the table as it stands before the list.
    const regions = this.entries.map((entry) => ('pick' in entry ? modified(model, entry as Modification) ?? entry : entry));
    const expected = model.transaction(regions);
    let actual: unknown;
    try {
      actual = { results: real.machine.setUserMemoryRegions(regions as unknown as MemoryRegion[]) };
    } catch (error) {
      actual = error instanceof SlotError ? { error: error.code } : error;
    }
    const refused = 'error' in expected;
    count(refused ? `list ${expected.error}` : 'list applied');
    expect(actual, this.toString()).toEqual(refused ? { error: expected.error } : expected);
    checkAfter(model, real, refused, this.toString());
  }
  toString = () => `transaction(${show(this.entries)})`;
}

class ReadCommand implements Command<KvmMainModel, Real> {
  constructor(private readonly as: number, private readonly gpa: bigint) {}
  check = () => true;
  run(model: KvmMainModel, real: Real): void {
    const covering = model.covering(this.as, this.gpa);
    let actual: unknown;
    try {
      actual = real.machine.read(this.gpa, 1, { addressSpace: this.as });
    } catch (error) {
      actual = error instanceof AccessError ? error.code : error;
    }
    const expected = covering ? BigInt(real.arena[Number(covering.userspaceAddr + this.gpa - covering.guestPhysAddr)]!) : 'EFAULT';
    expect(actual, this.toString()).toBe(expected);
  }
  toString = () => `read(as ${this.as}, ${this.gpa.toString(16)})`;
}

class WriteCommand implements Command<KvmMainModel, Real> {
  private as: number;
  private gpa: bigint;
  /** A write at `gpa` of `as`, or (with `pick`) at `gpa` bytes into a slot picked when it runs. */
  constructor(as: number, gpa: bigint, private readonly pick?: number) {
    this.as = as;
    this.gpa = gpa;
  }
  check = () => true;
  run(model: KvmMainModel, real: Real): void {
    if (this.pick !== undefined && model.slots.length > 0) {
      // Half the picks among slots that log dirty pages, so logs have pages to report.
      const logged = model.slots.filter((s) => (s.flags & 1) !== 0);
      const from = logged.length > 0 && this.pick % 2 === 0 ? logged : model.slots;
      const slot = from[this.pick % from.length]!;
      this.as = slot.slot >>> 16;
      this.gpa = slot.guestPhysAddr + this.gpa % slot.memorySize;
    }
    const covering = model.covering(this.as, this.gpa);
    // Writes back the byte the arena holds, so the pattern stays what ReadCommand expects; dirty logging sees a write.
    const value = covering ? real.arena[Number(covering.userspaceAddr + this.gpa - covering.guestPhysAddr)]! : 0;
    let actual: unknown = 'ok';
    try {
      real.machine.write(this.gpa, 1, value, { addressSpace: this.as });
    } catch (error) {
      actual = error instanceof AccessError ? error.code : error;
    }
    expect(actual, this.toString()).toBe(model.write(this.as, this.gpa));
  }
  toString = () => `write(as ${this.as}, ${this.gpa.toString(16)})`;
}

class DirtyLogCommand implements Command<KvmMainModel, Real> {
  constructor(private readonly pick: number, private readonly slot: number) {}
  check = () => true;
  run(model: KvmMainModel, real: Real): void {
    const logged = model.slots.filter((s) => (s.flags & 1) !== 0);
    const slot = logged.length > 0 && this.pick % 4 !== 0 ? logged[this.pick % logged.length]!.slot : this.slot;
    const expected = model.getDirtyLog(slot);
    let actual: unknown;
    try {
      const log = real.machine.getDirtyLog(slot);
      actual = [...log.keys()].flatMap((byte) => [0, 1, 2, 3, 4, 5, 6, 7].filter((bit) => (log[byte]! >> bit) & 1).map((bit) => BigInt(byte * 8 + bit)));
    } catch (error) {
      actual = error instanceof SlotError ? error.code : error;
    }
    if (Array.isArray(expected) && expected.length > 0) count('dirty pages');
    expect(actual, `${this.toString()} of slot ${slot}`).toEqual(expected);
  }
  toString = () => `getDirtyLog(${this.pick}, ${this.slot})`;
}

const show = (value: unknown): string => JSON.stringify(value, (_key, v: unknown) =>
  (typeof v === 'bigint' ? `${v}n` : typeof v === 'symbol' ? 'Symbol' : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v));

const commandArbs = [
  regionArb.map((region) => new SetCommand(region)),
  modificationArb.map((modification) => new ModifyCommand(modification)),
  fc.array(fc.oneof({ weight: 1, arbitrary: regionArb as fc.Arbitrary<Record<string, unknown> | Modification> }, { weight: 3, arbitrary: modificationArb }), { minLength: 1, maxLength: 4 })
    .map((entries) => new TransactionCommand(entries)),
  fc.tuple(fc.constantFrom(0, 1), fc.oneof(fc.bigInt(0n, 48n * PAGE), fc.bigInt(TOP - 64n * PAGE, TOP - 1n), fc.bigInt(0x1_0000_0000n, 0x1_0003_0000n)))
    .map(([as, gpa]) => new ReadCommand(as, gpa)),
  fc.tuple(fc.constantFrom(0, 1), fc.oneof(fc.bigInt(0n, 20n * PAGE), fc.bigInt(0x1_0000_0000n, 0x1_0001_4000n)))
    .map(([as, gpa]) => new WriteCommand(as, gpa)),
  fc.tuple(fc.nat(), fc.bigInt(0n, 8n * PAGE)).map(([pick, offset]) => new WriteCommand(0, offset, pick)),
  fc.tuple(fc.nat(), fc.constantFrom(0, 1, 65536, 32764, 2 * 65536)).map(([pick, slot]) => new DirtyLogCommand(pick, slot)),
];

describe('slot table against a model of kvm_main.c (property)', () => {
  it('agrees on random update sequences: errno, table, lookups; a refused call writes nothing', async () => {
    outcomes.clear();
    const machine = await Machine.create({ arenaBytes: ARENA, dirtyLogBytes: 64 * 1024 });
    const arena = machine.backing(0, ARENA);
    for (let i = 0; i < ARENA; i++) arena[i] = (i * 131 + (i >> 12) * 17) & 0xff;
    const pattern = arena.slice();
    const { map, layout } = machine;
    const allowed: Allowed[] = [
      { start: map.SLOT_TABLES_BASE, end: map.SLOT_TABLES_BASE + map.SLOT_TABLES_SIZE },
      { start: map.CONTROL_BASE + map.CTRL_SLOT_GEN, end: map.CONTROL_BASE + map.CTRL_SLOT_GEN + 4 * map.AS_COUNT },
      { start: layout.dirtyBase, end: layout.dirtyBase + layout.dirtySize },
    ];
    const real: Real = { machine, arena: pattern, before: snapshot(machine), allowed };
    fc.assert(fc.property(fc.commands(commandArbs, { maxCommands: 50, size: 'max' }), (commands) => {
      // Each run starts from an empty table (deleting every slot is itself checked by the model).
      const model = new KvmMainModel(BigInt(ARENA));
      for (const slot of machine.slots()) machine.setUserMemoryRegion({ ...slot, memorySize: 0 });
      fc.modelRun(() => ({ model, real }), commands);
    }), fuzzParameters(50, 1));

    // The generator must reach every outcome, or agreement would prove little.
    for (const outcome of ['create', 'delete', 'move', 'flags-only', 'none', 'EINVAL', 'EEXIST', 'list applied', 'list EINVAL', 'list EEXIST', 'dirty pages']) {
      expect(outcomes.get(outcome) ?? 0, outcome).toBeGreaterThan(0);
    }
  }, fuzzTimeout(60_000));
});
