// The scenarios of DESIGN.md: what memory a machine gets, what each vCPU's guest runs
// and which transaction (list of KVM_SET_USER_MEMORY_REGION calls) the updater
// applies at each step. Ported from KVM's selftests (set_memory_region_test,
// memslot_perf_test, memslot_modification_stress_test) and the 2012/2022 threads;
// memslot_perf_test's map, unmap and rw are in memslot-perf.ts.

import type { Machine } from '../machine.js';
import type { MemoryRegion } from '../slots.js';
import { LOG_DIRTY_PAGES } from '../slots.js';
import { Vcpu } from '../cpu/vcpu.js';
import type { RegisterName } from '../cpu/registers.js';
import { EmuError, texts } from '../errors.js';
import { guestCode, isScenarioArch, SCENARIO_ARCHES, type GuestCode, type ScenarioArch } from './guest.js';
import { COUNT_REGISTER, SEQ_REGISTER, readerLoop, writerLoop } from './kernels.js';
import { tlbShootdown } from './tlb-shootdown.js';
import { CGuest, checkGuestKind, type CJob, type GuestKind } from './c-guests.js';
import { memslotPerf } from './memslot-perf.js';

export const SCENARIOS = ['move', 'delete', 'move-active', 'move-inactive', 'add-delete-stress', 'dirty-log-toggle', 'bar-remap', 'tlb-shootdown', 'map', 'unmap', 'rw'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

export interface ScenarioOptions {
  arch: ScenarioArch;
  vcpus: number;
  /** Slot count for move-active and move-inactive (KVM's runs use 10, 100, 509, 32764). */
  slots?: number;
  /** The guest code: the hand-emitted loops ('asm', default) or KVM's selftest guests compiled from C ('c', see c-guests.ts; loadCGuest first). */
  guest?: GuestKind;
}

/** A scenario set up on a machine. */
export interface ScenarioRun {
  /** The transaction of update number `n`. */
  update(n: number): MemoryRegion[];
  /** Host work after update `n` (e.g. KVM_GET_DIRTY_LOG). */
  afterUpdate(n: number): void;
  /** Guest accesses vCPU `v` has made so far (read from its registers, or a C guest's job). */
  accesses(v: number): number;
  /** Failures the guests recorded (a C guest's failed assertion, with file and line). */
  errors?(): string[];
}

export const CODE_GPA = 0x10_0000n;
export const CODE_BYTES = 0x10_0000;
export const PAGE = 0x1000;
export const SEQ_SHIFT = 24n;

export function scenarioNeedsMmu(name: ScenarioName): boolean {
  return name === 'tlb-shootdown';
}

/** Creates the scenario's slots and guest code on `machine`; `vcpus` are the machine's vCPUs, reset to the arch. */
/** The slot counts move-active / move-inactive take: five own slots at least, and with the code slot KVM's 32764 at most. */
export const MOVING_SLOTS = { min: 5, max: 32763 } as const;

/** Throws EmuError EINVAL unless `slots` is a slot count move-active / move-inactive can lay out. */
export function checkMovingSlots(slots: number): void {
  if (!Number.isInteger(slots) || slots < MOVING_SLOTS.min || slots > MOVING_SLOTS.max) {
    throw new EmuError('EINVAL', texts.badOption('slots', `must be ${MOVING_SLOTS.min}..${MOVING_SLOTS.max} (with the code slot, KVM's 32764)`));
  }
}

export function setUpScenario(machine: Machine, name: string, options: ScenarioOptions, vcpus: Vcpu[]): ScenarioRun {
  if (!isScenario(name)) throw new EmuError('EINVAL', texts.badOption('scenario', `unknown scenario "${name}"; one of ${SCENARIOS.join(', ')}`));
  if (!isScenarioArch(options.arch)) throw new EmuError('EINVAL', texts.badOption('arch', `scenarios run on ${SCENARIO_ARCHES.join(', ')}`));
  if (scenarioNeedsMmu(name) && options.arch !== 'aarch64' && options.arch !== 'ppc64be') {
    throw new EmuError('EINVAL', texts.badOption('arch', `${name} needs a guest MMU: aarch64 (4 KiB stage 1) or ppc64be (radix)`));
  }
  checkGuestKind(name, options.guest ?? 'asm');
  if (options.guest === 'c') {
    const c = new CGuest(machine, vcpus, name, options.arch, CODE_GPA, CODE_BYTES);
    const load = () => {
      throw new EmuError('EINVAL', texts.badOption('guest', `${name} has no C guest`));
    };
    const scenario = SETUPS[name]({ machine, options, vcpus, load, c });
    return { ...scenario, errors: () => [...(scenario.errors?.() ?? []), ...c.errors()] };
  }
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: CODE_GPA, memorySize: CODE_BYTES, userspaceAddr: machine.allocateBacking(CODE_BYTES) });
  const load = (v: number, code: GuestCode) => {
    const at = CODE_GPA + BigInt(v * PAGE * 4);
    machine.writeBytes(at, code.bytes());
    vcpus[v]!.set('pc', at);
    return code;
  };
  const build = SETUPS[name];
  return build({ machine, options, vcpus, load });
}

export interface SetupContext {
  machine: Machine;
  options: ScenarioOptions;
  vcpus: Vcpu[];
  load(v: number, code: GuestCode): GuestCode;
  /** With `guest: 'c'`: the C guest in the code slot, which runs a reader's or writer's job instead of `load`'s code. */
  c?: CGuest;
}

/** Starts vCPU `v` on `job`: the C guest's job, or the hand-emitted loop `emit` builds; returns its access counter. */
export function startLoop(context: SetupContext, v: number, job: CJob, emit: () => () => number): () => number {
  const { c } = context;
  if (c === undefined) return emit();
  c.start(v, job);
  return () => c.accesses(v);
}

export function counter(vcpu: Vcpu, code: GuestCode, register: number, from: bigint, perStep: number): () => number {
  // The scenario's guest code names its registers by number: a name of its architecture.
  const name = code.registerName(register) as RegisterName;
  return () => Number(BigInt.asUintN(code.wordBytes * 8, vcpu.get(name) - from)) * perStep;
}

/** Every vCPU writes its own column of cells in [base, base + pages), read back when `readBack`. */
function writers(context: SetupContext, base: bigint, pages: number, readBack: boolean, first = 0): Array<() => number> {
  return context.vcpus.slice(first).map((vcpu, i) => {
    const v = i + first;
    const code = guestCode(context.options.arch);
    const firstSeq = BigInt(v + 1) << SEQ_SHIFT;
    const layout = { base: base + BigInt(v * code.wordBytes), stride: PAGE, cells: pages, firstSeq, readBack };
    return startLoop(context, v, { kind: 'writer', ...layout }, () => {
      context.load(v, writerLoop(code, layout));
      return counter(vcpu, code, SEQ_REGISTER, firstSeq, readBack ? 2 : 1);
    });
  });
}

export function region(slot: number, gpa: bigint, bytes: number, userspaceAddr: number, flags = 0): MemoryRegion {
  return { slot, flags, guestPhysAddr: gpa, memorySize: bytes, userspaceAddr };
}

export function run(update: (n: number) => MemoryRegion[], counters: Array<() => number>, afterUpdate: (n: number) => void = () => {}): ScenarioRun {
  return { update, afterUpdate, accesses: (v) => counters[v]?.() ?? 0 };
}

const MEM_GPA = 0xc000_0000n;
const MEM_BYTES = 16 * PAGE;
const OLD_VALUE = 0x5555_5555n;
const NEW_VALUE = 0x2aaa_aaaan;

/** set_memory_region_test: every vCPU reads MEM_GPA; page 0 of the backing holds OLD_VALUE, page 1 NEW_VALUE. */
function readers(context: SetupContext): { uaddr: number; counters: Array<() => number> } {
  const { machine } = context;
  const uaddr = machine.allocateBacking(MEM_BYTES);
  const words = machine.backing(uaddr, 2 * PAGE);
  const wordBytes = guestCode(context.options.arch).wordBytes;
  const big = context.options.arch.startsWith('ppc');
  const view = new DataView(words.buffer, words.byteOffset, words.byteLength);
  for (let at = 0; at < 2 * PAGE; at += wordBytes) {
    const value = at < PAGE ? OLD_VALUE : NEW_VALUE;
    if (wordBytes === 8) view.setBigUint64(at, value, !big);
    else view.setUint32(at, Number(value), !big);
  }
  machine.setUserMemoryRegion(region(1, MEM_GPA, MEM_BYTES, uaddr));
  const counters = context.vcpus.map((vcpu, v) => startLoop(context, v, { kind: 'reader', address: MEM_GPA, allowed: [OLD_VALUE, NEW_VALUE] }, () => {
    const code = context.load(v, readerLoop(guestCode(context.options.arch), MEM_GPA, [OLD_VALUE, NEW_VALUE]));
    return counter(vcpu, code, COUNT_REGISTER, 0n, 1);
  }));
  return { uaddr, counters };
}

const BAR_GPA = 0x8000_0000n;
const BAR_HALF = 8 * PAGE;
const SLOT_PAGES = 16;
const SLOTS_GPA = 0x4000_0000n;
const MOVE_DEST = 0xe000_0000n;

const SETUPS: Record<ScenarioName, (context: SetupContext) => ScenarioRun> = {
  move(context) {
    const { uaddr, counters } = readers(context);
    return run((n) => [region(1, n % 2 === 0 ? MEM_GPA - BigInt(PAGE) : MEM_GPA, MEM_BYTES, uaddr)], counters);
  },
  delete(context) {
    const { uaddr, counters } = readers(context);
    return run((n) => [region(1, MEM_GPA, n % 2 === 0 ? 0 : MEM_BYTES, uaddr)], counters);
  },
  'move-active': (context) => movingSlots(context, true),
  'move-inactive': (context) => movingSlots(context, false),
  'add-delete-stress'(context) {
    const { machine } = context;
    const pages = 16;
    machine.setUserMemoryRegion(region(1, SLOTS_GPA, pages * PAGE, machine.allocateBacking(pages * PAGE)));
    const extra = machine.allocateBacking(PAGE);
    const counters = writers(context, SLOTS_GPA, pages, true);
    const next = SLOTS_GPA + BigInt(pages * PAGE);
    return run((n) => [region(2, next, n % 2 === 0 ? PAGE : 0, extra)], counters);
  },
  'dirty-log-toggle'(context) {
    const { machine } = context;
    const pages = 16;
    const uaddr = machine.allocateBacking(pages * PAGE);
    machine.setUserMemoryRegion(region(1, SLOTS_GPA, pages * PAGE, uaddr));
    const counters = writers(context, SLOTS_GPA, pages, true);
    return run(
      (n) => [region(1, SLOTS_GPA, pages * PAGE, uaddr, n % 2 === 0 ? LOG_DIRTY_PAGES : 0)],
      counters,
      (n) => { if (n % 2 === 0) machine.getDirtyLog(1); },
    );
  },
  'bar-remap'(context) {
    const { machine } = context;
    const uaddr = machine.allocateBacking(2 * BAR_HALF);
    machine.setUserMemoryRegion(region(10, BAR_GPA, BAR_HALF, uaddr));
    machine.setUserMemoryRegion(region(11, BAR_GPA + BigInt(BAR_HALF), BAR_HALF, uaddr + BAR_HALF));
    const counters = writers(context, BAR_GPA, (2 * BAR_HALF) / PAGE, true);
    return run((n) => barTransaction(n, BAR_GPA, BAR_HALF, uaddr), counters);
  },
  'tlb-shootdown': tlbShootdown,
  map: memslotPerf('map'),
  unmap: memslotPerf('unmap'),
  rw: memslotPerf('rw'),
};

/**
 * The BAR's updates, in a cycle of three: merge its two halves into one slot (QEMU's
 * transaction: delete m1, delete m2, create m1+m2), split it again, then re-register
 * the first half by delete + create at the same address (the 2012 case).
 */
export function barTransaction(n: number, gpa: bigint, half: number, uaddr: number): MemoryRegion[] {
  const upper = gpa + BigInt(half);
  switch (n % 3) {
    case 0: return [region(10, gpa, 0, uaddr), region(11, upper, 0, uaddr + half), region(12, gpa, 2 * half, uaddr)];
    case 1: return [region(12, gpa, 0, uaddr), region(10, gpa, half, uaddr), region(11, upper, half, uaddr + half)];
    default: return [region(10, gpa, 0, uaddr), region(10, gpa, half, uaddr)];
  }
}

/**
 * memslot_perf_test: `slots` slots of 16 pages (all but the last three aliasing one
 * backing); the host MOVEs the last one away and back. move-active writes 50 pages
 * straddling its start (writes while it is away are dropped as unassigned, so they
 * are not read back); move-inactive writes the 50 pages below it, read back.
 */
function movingSlots(context: SetupContext, active: boolean): ScenarioRun {
  const { machine } = context;
  const slots = context.options.slots ?? 10;
  checkMovingSlots(slots);
  const bytes = SLOT_PAGES * PAGE;
  const shared = machine.allocateBacking(bytes);
  const regions: MemoryRegion[] = [];
  for (let i = 0; i < slots; i++) {
    const own = i >= slots - 5;
    regions.push(region(1 + i, SLOTS_GPA + BigInt(i * bytes), bytes, own ? machine.allocateBacking(bytes) : shared));
  }
  machine.setUserMemoryRegions(regions);
  const last = regions[slots - 1]!;
  const lastGpa = BigInt(last.guestPhysAddr);
  const start = active ? lastGpa - 25n * BigInt(PAGE) : lastGpa - 50n * BigInt(PAGE);
  const counters = writers(context, start, 50, !active);
  return run((n) => [{ ...last, guestPhysAddr: n % 2 === 0 ? MOVE_DEST : lastGpa }], counters);
}
