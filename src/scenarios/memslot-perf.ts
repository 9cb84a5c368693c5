// memslot_perf_test's map, unmap and rw: the guest works through its area of pages in
// steps, and the host does its part of each step (check what the guest wrote, then
// "unmap" pages, i.e. zero their backing as MADV_DONTNEED does, or write what the
// guest checks next) before letting it go on. The slots do not change (an update is
// an empty transaction, so each row also shows what a strategy costs for nothing); the
// host's part runs after each update, when the guest has reached the end of a step.
//
// Each vCPU has its own area of AREA_PAGES pages in a slot of its own, and a pair of
// sync words at SYNC_GPA + 16 v: the guest's step at +0, the host's at +8 (machine
// words). The guest publishes step s and waits until the host's word reads s.

import type { Machine } from '../machine.js';
import type { Vcpu } from '../cpu/vcpu.js';
import { HC_BAD_VALUE } from '../sync/vcpu-loop.js';
import { guestCode, type GuestCode } from './guest.js';
import { COUNT_REGISTER } from './kernels.js';
import { counter, PAGE, region, run, startLoop, type ScenarioRun, type SetupContext } from './index.js';

export type PerfKind = 'map' | 'unmap' | 'rw';

const AREA_GPA = 0x4000_0000n;
const AREA_PAGES = 16;
const HALF = AREA_PAGES / 2;
const SYNC_GPA = 0x3000_0000n;
const SYNC_SLOT = 100;
/** memslot_perf_test's MEM_TEST_VAL_1 and _2 (smaller: a 32-bit guest stores them whole). */
export const VAL_1 = 0x1234_5678n;
export const VAL_2 = 0x2345_6789n;

/**
 * The guest's loop (registers: 0 zero / hypercall, 1 loaded value, 2 page size, 3 sync
 * words, 4 area, 5 cursor, 6 end, 7 value, 8 step, 9 accesses).
 */
export function perfLoop(code: GuestCode, kind: PerfKind, area: bigint, sync: bigint): GuestCode {
  const page = BigInt(PAGE);
  let syncs = 0;
  const syncWithHost = () => {
    const wait = `wait${syncs++}`;
    code.addi(8, 8, 1).st(8, 3).label(wait).ld(1, 3, 8).bne(1, 8, wait);
  };
  /** Stores register 7 to the first word of pages [register 5, `to`), counting. */
  const fill = (to: number, label: string) => {
    code.li(6, area + BigInt(to) * page).label(label).st(7, 5).addi(COUNT_REGISTER, COUNT_REGISTER, 1).add(5, 5, 2).bne(5, 6, label);
  };
  code.li(0, 0n).li(2, page).li(3, sync).li(4, area).li(8, 0n).li(COUNT_REGISTER, 0n).label('loop');
  switch (kind) {
    case 'map':
      code.li(7, VAL_1).mr(5, 4);
      fill(HALF, 'first');
      syncWithHost();
      code.li(7, VAL_2);
      fill(AREA_PAGES, 'second');
      break;
    case 'unmap':
      code.li(7, VAL_1).mr(5, 4);
      fill(1, 'first');
      syncWithHost();
      code.li(7, VAL_2).li(5, area + BigInt(HALF) * page);
      fill(HALF + 1, 'second');
      break;
    case 'rw':
      code.li(7, VAL_1).mr(5, 4);
      fill(AREA_PAGES, 'write');
      syncWithHost();
      // The host's VAL_2 in the middle of every page, checked and zeroed.
      code.li(7, VAL_2).mr(5, 4).label('check').ld(1, 5, PAGE / 2).beq(1, 7, 'ok')
        .li(0, BigInt(HC_BAD_VALUE)).hypercall().li(0, 0n)
        .label('ok').st(0, 5, PAGE / 2).addi(COUNT_REGISTER, COUNT_REGISTER, 2).add(5, 5, 2).bne(5, 6, 'check');
      break;
  }
  syncWithHost();
  return code.b('loop');
}

/** The host's part of step `step` (odd: the guest's first half is done; even: its second) for one area. */
function hostStep(kind: PerfKind, step: bigint, area: PageView, failures: string[]): void {
  const expect = (page: number, value: bigint) => {
    const got = area.read(page, 0);
    if (got !== value) failures.push(`host check failed: page ${page} of ${area.name} holds 0x${got.toString(16)}, the guest wrote 0x${value.toString(16)}`);
  };
  const first = step % 2n === 1n;
  switch (kind) {
    case 'map':
      // The guest is on to the other half: check this one's ends, then unmap it.
      if (first) {
        expect(0, VAL_1);
        expect(HALF - 1, VAL_1);
        area.zero(0, HALF);
      } else {
        expect(HALF, VAL_2);
        expect(AREA_PAGES - 1, VAL_2);
        area.zero(HALF, AREA_PAGES);
      }
      return;
    case 'unmap':
      // One page at a time, as the test's unmap loop does with chunk 1.
      expect(first ? 0 : HALF, first ? VAL_1 : VAL_2);
      for (let page = first ? 0 : HALF; page < (first ? HALF : AREA_PAGES); page++) area.zero(page, page + 1);
      return;
    case 'rw':
      if (!first) return;
      for (let page = 0; page < AREA_PAGES; page++) {
        expect(page, VAL_1);
        area.write(page, 0, 0n);
        area.write(page, PAGE / 2, VAL_2);
      }
  }
}

/** A vCPU's area through the host's own mapping of its backing (what the test's host reads and madvises). */
interface PageView {
  name: string;
  read(page: number, offset: number): bigint;
  write(page: number, offset: number, value: bigint): void;
  zero(from: number, to: number): void;
}

function pageView(machine: Machine, uaddr: number, name: string, wordBytes: 4 | 8, little: boolean): PageView {
  const bytes = machine.backing(uaddr, AREA_PAGES * PAGE);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    name,
    read: (page, offset) => (wordBytes === 8 ? view.getBigUint64(page * PAGE + offset, little) : BigInt(view.getUint32(page * PAGE + offset, little))),
    write: (page, offset, value) => (wordBytes === 8 ? view.setBigUint64(page * PAGE + offset, value, little) : view.setUint32(page * PAGE + offset, Number(value), little)),
    zero: (from, to) => bytes.fill(0, from * PAGE, to * PAGE),
  };
}

/** Sets up map, unmap or rw: an area and a sync word pair per vCPU, the guests started. */
export function memslotPerf(kind: PerfKind): (context: SetupContext) => ScenarioRun {
  return (context) => {
    const { machine, vcpus, options } = context;
    const { wordBytes } = guestCode(options.arch);
    const little = !options.arch.startsWith('ppc');
    const syncUaddr = machine.allocateBacking(PAGE);
    machine.setUserMemoryRegion(region(SYNC_SLOT, SYNC_GPA, PAGE, syncUaddr));
    const syncWords = machine.backing(syncUaddr, PAGE);
    const sync = new DataView(syncWords.buffer, syncWords.byteOffset, syncWords.byteLength);
    const word = (at: number) => (wordBytes === 8 ? sync.getBigUint64(at, little) : BigInt(sync.getUint32(at, little)));
    const setWord = (at: number, value: bigint) => (wordBytes === 8 ? sync.setBigUint64(at, value, little) : sync.setUint32(at, Number(value), little));
    const areas: PageView[] = [];
    const counters = vcpus.map((vcpu: Vcpu, v) => {
      const area = AREA_GPA + BigInt(v * AREA_PAGES * PAGE);
      const uaddr = machine.allocateBacking(AREA_PAGES * PAGE);
      machine.setUserMemoryRegion(region(1 + v, area, AREA_PAGES * PAGE, uaddr));
      areas.push(pageView(machine, uaddr, `vCPU ${v}'s area`, wordBytes, little));
      const syncAt = SYNC_GPA + BigInt(16 * v);
      return startLoop(context, v, { kind, area, pages: AREA_PAGES, sync: syncAt, values: [VAL_1, VAL_2] }, () => {
        const code = context.load(v, perfLoop(guestCode(options.arch), kind, area, syncAt));
        return counter(vcpu, code, COUNT_REGISTER, 0n, 1);
      });
    });
    const failures: string[] = [];
    const afterUpdate = () => {
      areas.forEach((area, v) => {
        const step = word(16 * v);
        if (step === word(16 * v + 8)) return;
        hostStep(kind, step, area, failures);
        setWord(16 * v + 8, step);
      });
    };
    return { ...run(() => [], counters, afterUpdate), errors: () => failures.slice(0, 10) };
  };
}
