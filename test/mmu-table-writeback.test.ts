// Hardware updates of table entries (AArch64 AF/dirty state, PowerPC R/C) are guest
// writes: they obey READONLY slots and are logged in dirty-logging ones (issue 16,
// item 2). Each walker's tables are built in RAM, then the slot holding them becomes
// ROM or starts logging, and walks that need an update run against it.
import { describe, expect, it } from 'vitest';
import {
  Machine, Vcpu, A64PageTables, PpcRadixTables, PpcHashTables, Ppc32Tables, READONLY, LOG_DIRTY_PAGES,
} from '../dist/src/index.js';
import { walkProbe } from './helpers.js';

const AREA = 0x8000_0000n; // guest-physical RAM the tables live in
const AREA_BYTES = 0x10_0000;
const PAGE = 0x1000;

type Probe = (va: bigint, access?: 'read' | 'write' | 'fetch') => Record<string, bigint>;

async function machineWithArea() {
  const machine = await Machine.create({ arenaBytes: 8 << 20 });
  const backing = machine.allocateBacking(AREA_BYTES);
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: AREA, memorySize: AREA_BYTES, userspaceAddr: backing });
  return { machine, backing };
}

/** Turns the table area's slot READONLY (READONLY cannot be turned on in place: delete, then create). */
function makeRom(machine: Machine, backing: number): void {
  machine.setUserMemoryRegion({ slot: 0, guestPhysAddr: 0n, memorySize: 0, userspaceAddr: 0 });
  machine.setUserMemoryRegion({ slot: 0, flags: READONLY, guestPhysAddr: AREA, memorySize: AREA_BYTES, userspaceAddr: backing });
}

function startLogging(machine: Machine, backing: number): void {
  expect(machine.setUserMemoryRegion({ slot: 0, flags: LOG_DIRTY_PAGES, guestPhysAddr: AREA, memorySize: AREA_BYTES, userspaceAddr: backing })).toBe('flags-only');
}

/** Page numbers (within the area) whose bytes differ between two snapshots. */
function changedPages(before: Uint8Array, after: Uint8Array): number[] {
  const pages: number[] = [];
  for (let page = 0; page < AREA_BYTES / PAGE; page++) {
    const start = page * PAGE;
    for (let i = start; i < start + PAGE; i++) {
      if (before[i] !== after[i]) {
        pages.push(page);
        break;
      }
    }
  }
  return pages;
}

function loggedPages(log: Uint8Array): number[] {
  const pages: number[] = [];
  log.forEach((byte, index) => {
    for (let bit = 0; bit < 8; bit++) if ((byte >> bit) & 1) pages.push(index * 8 + bit);
  });
  return pages;
}

/**
 * Runs `walks` against the area made ROM: each gives what the walker documents, and
 * the ROM's bytes stay as they were.
 */
function expectRomUnchanged(machine: Machine, backing: number, walks: () => void): void {
  makeRom(machine, backing);
  const before = machine.backing(backing, AREA_BYTES).slice();
  walks();
  expect(changedPages(before, machine.backing(backing, AREA_BYTES))).toEqual([]);
}

/** Runs `walks` with the area dirty-logged: the pages they changed are exactly the pages logged, and there are some. */
function expectLogged(machine: Machine, backing: number, walks: () => void): void {
  startLogging(machine, backing);
  expect(loggedPages(machine.getDirtyLog(0))).toEqual([]);
  const before = machine.backing(backing, AREA_BYTES).slice();
  walks();
  const changed = changedPages(before, machine.backing(backing, AREA_BYTES));
  expect(changed.length).toBeGreaterThan(0);
  expect(loggedPages(machine.getDirtyLog(0))).toEqual(changed);
}

async function a64() {
  const { machine, backing } = await machineWithArea();
  const vcpu = new Vcpu(machine, 0, 'aarch64');
  const tables = new A64PageTables(machine, AREA, AREA_BYTES);
  tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000 });
  tables.map({ va: 0x3000n, pa: 0xb000n, size: 0x1000, accessed: false });
  tables.map({ va: 0x4000n, pa: 0xc000n, size: 0x1000, writable: false, dirtyManaged: true });
  tables.map({ va: 0x4000_0000n, pa: 0x8000_0000n, size: 0x20_0000, accessed: false });
  tables.enable(vcpu, { translate: false, hardwareAccess: true, hardwareDirty: true });
  return { machine, backing, translate: walkProbe(machine, 'a64Translate', ['esr', 'far'], vcpu) as Probe };
}

// ESR_EL1 of a data abort at the same EL (EC 0x25, IL), WnR for a write, DFSC 0b0101ll:
// "Synchronous External abort on translation table walk or hardware update of translation table".
const externalAbortOnUpdate = (level: number, write: boolean) => (0x25n << 26n) | (1n << 25n) | (write ? 1n << 6n : 0n) | BigInt(0b010100 | level);

describe('AArch64 hardware AF and dirty-state updates follow the slot rules', () => {
  it('in a READONLY slot: no update is made, the walk ends in an external abort on the update; entries needing none still translate', async () => {
    const { machine, backing, translate } = await a64();
    expectRomUnchanged(machine, backing, () => {
      expect(translate(0x1008n)).toEqual({ pa: 0x9008n });
      expect(translate(0x1008n, 'write')).toEqual({ pa: 0x9008n });
      expect(translate(0x3010n)).toEqual({ esr: externalAbortOnUpdate(3, false), far: 0x3010n });
      expect(translate(0x4020n, 'write')).toEqual({ esr: externalAbortOnUpdate(3, true), far: 0x4020n });
      expect(translate(0x4020n)).toEqual({ pa: 0xc020n }); // DBM page read: nothing to update
      expect(translate(0x4012_3456n)).toEqual({ esr: externalAbortOnUpdate(2, false), far: 0x4012_3456n }); // block: level 2
    });
  });

  it('in a dirty-logged slot: the updated descriptors\' pages are logged', async () => {
    const { machine, backing, translate } = await a64();
    expectLogged(machine, backing, () => {
      expect(translate(0x3010n)).toEqual({ pa: 0xb010n });
      expect(translate(0x4020n, 'write')).toEqual({ pa: 0xc020n });
      expect(translate(0x4012_3456n)).toEqual({ pa: 0x8012_3456n });
    });
  });
});

const DSISR_STORE = 0x0200_0000n;
const DSISR_ATOMIC_RC = 0x0004_0000n; // bit 45

async function radix() {
  const { machine, backing } = await machineWithArea();
  const vcpu = new Vcpu(machine, 0, 'ppc64be');
  const tables = new PpcRadixTables(machine, AREA, AREA_BYTES);
  tables.map({ va: 0x1000n, pa: 0x9000n, size: 0x1000 });
  tables.map({ va: 0x4000_0000n, pa: 0x8000_0000n, size: 0x20_0000 });
  tables.enable(vcpu, { translate: false });
  return { machine, backing, translate: walkProbe(machine, 'ppcTranslate', ['dsisr', 'dar'], vcpu) as Probe };
}

describe('PowerPC radix R/C updates follow the slot rules', () => {
  it('in a READONLY slot: R/C stay clear and the access takes a storage interrupt with DSISR bit 45 (ISI: SRR1 bit 45)', async () => {
    const { machine, backing, translate } = await radix();
    expectRomUnchanged(machine, backing, () => {
      expect(translate(0x1008n)).toEqual({ dsisr: DSISR_ATOMIC_RC, dar: 0x1008n });
      expect(translate(0x1008n, 'write')).toEqual({ dsisr: DSISR_ATOMIC_RC | DSISR_STORE, dar: 0x1008n });
      expect(translate(0x1008n, 'fetch')).toEqual({ dsisr: DSISR_ATOMIC_RC, dar: 0x1008n });
      expect(translate(0x4012_3456n, 'write')).toEqual({ dsisr: DSISR_ATOMIC_RC | DSISR_STORE, dar: 0x4012_3456n });
    });
  });

  it('in a dirty-logged slot: the updated PTEs\' pages are logged', async () => {
    const { machine, backing, translate } = await radix();
    expectLogged(machine, backing, () => {
      expect(translate(0x1008n)).toEqual({ pa: 0x9008n });
      expect(translate(0x4012_3456n, 'write')).toEqual({ pa: 0x8012_3456n });
    });
  });
});

async function hash64() {
  const { machine, backing } = await machineWithArea();
  const vcpu = new Vcpu(machine, 0, 'ppc64be');
  const tables = new PpcHashTables(machine, AREA, 0x4_0000);
  tables.segment({ ea: 0x1000_0000n, vsid: 0x1234n, size: '256M', pageSize: 0x1000 });
  tables.segment({ ea: 0x2000_0000n, vsid: 0x5678n, size: '256M', pageSize: 0x1000 });
  tables.map({ va: 0x1000_1000n, pa: 0x9000n, size: 0x1000 });
  tables.map({ va: 0x2000_3000n, pa: 0xb000n, size: 0x1000 });
  tables.enable(vcpu, { translate: false });
  return { machine, backing, translate: walkProbe(machine, 'ppcTranslate', ['dsisr', 'dar'], vcpu) as Probe };
}

describe('PowerPC hashed page table R/C updates follow the slot rules', () => {
  it('in a READONLY slot: R/C are not set and the access translates (the ISA defines no interrupt for it)', async () => {
    const { machine, backing, translate } = await hash64();
    expectRomUnchanged(machine, backing, () => {
      expect(translate(0x1000_1008n)).toEqual({ pa: 0x9008n });
      expect(translate(0x2000_3010n, 'write')).toEqual({ pa: 0xb010n });
    });
  });

  it('in a dirty-logged slot: the updated PTEs\' pages are logged', async () => {
    const { machine, backing, translate } = await hash64();
    expectLogged(machine, backing, () => {
      expect(translate(0x1000_1008n)).toEqual({ pa: 0x9008n });
      expect(translate(0x2000_3010n, 'write')).toEqual({ pa: 0xb010n });
    });
  });
});

async function ppc32() {
  const { machine, backing } = await machineWithArea();
  const vcpu = new Vcpu(machine, 0, 'ppc32be');
  const tables = new Ppc32Tables(machine, AREA, 0x1_0000);
  tables.segment(1, { vsid: 0x4321 });
  tables.map({ va: 0x1000_1000n, pa: 0x9000n });
  tables.map({ va: 0x1234_5000n, pa: 0xb000n });
  tables.enable(vcpu, { translate: false });
  return { machine, backing, translate: walkProbe(machine, 'ppcTranslate', ['dsisr', 'dar'], vcpu) as Probe };
}

describe('32-bit PowerPC R/C updates follow the slot rules', () => {
  it('in a READONLY slot: R/C are not set and the access translates', async () => {
    const { machine, backing, translate } = await ppc32();
    expectRomUnchanged(machine, backing, () => {
      expect(translate(0x1000_1008n)).toEqual({ pa: 0x9008n });
      expect(translate(0x1234_5010n, 'write')).toEqual({ pa: 0xb010n });
    });
  });

  it('in a dirty-logged slot: the updated PTEs\' pages are logged', async () => {
    const { machine, backing, translate } = await ppc32();
    expectLogged(machine, backing, () => {
      expect(translate(0x1000_1008n)).toEqual({ pa: 0x9008n });
      expect(translate(0x1234_5010n, 'write')).toEqual({ pa: 0xb010n });
    });
  });
});
