// The guest loops the scenarios run, built from the portable operations in guest.ts.
// Register use: 0..3 hypercall arguments, 4.. the loop's state.

import { HC_BAD_VALUE, HC_LOST } from '../sync/vcpu-loop.js';
import type { GuestCode, MmuGuestCode } from './guest.js';

/** Register holding a reader's iteration count / a writer's next sequence number. */
export const COUNT_REGISTER = 9;
export const SEQ_REGISTER = 7;

/**
 * KVM's set_memory_region_test guest: load the word at `address` forever; a value
 * other than `allowed` (old contents, new contents, or an unassigned read's all-ones)
 * is reported with HC_BAD_VALUE.
 */
export function readerLoop(code: GuestCode, address: bigint, allowed: readonly [bigint, bigint]): GuestCode {
  return code
    .li(4, address).li(5, allowed[0]).li(6, allowed[1]).li(7, -1n).li(COUNT_REGISTER, 0n)
    .label('loop')
    .ld(8, 4)
    .beq(8, 5, 'ok').beq(8, 6, 'ok').beq(8, 7, 'ok')
    .li(0, BigInt(HC_BAD_VALUE)).mr(1, 8).hypercall()
    .label('ok')
    .addi(COUNT_REGISTER, COUNT_REGISTER, 1)
    .b('loop');
}

export interface WriterLayout {
  /** First cell. */
  base: bigint;
  /** Bytes between cells (a multiple of the word size). */
  stride: number;
  cells: number;
  /** The first value written; each store writes the next. */
  firstSeq: bigint;
  /** Read each store back and report a mismatch with HC_LOST. */
  readBack: boolean;
}

/** Stores sequence numbers to its cells round-robin, each read back when `readBack`. */
export function writerLoop(code: GuestCode, layout: WriterLayout): GuestCode {
  code
    .li(4, layout.base).li(6, layout.base + BigInt(layout.stride * layout.cells)).li(SEQ_REGISTER, layout.firstSeq)
    .li(COUNT_REGISTER, BigInt(layout.stride)).mr(5, 4)
    .label('loop')
    .st(SEQ_REGISTER, 5);
  if (layout.readBack) {
    code.ld(8, 5).beq(8, SEQ_REGISTER, 'ok').li(0, BigInt(HC_LOST)).mr(1, 5).mr(2, SEQ_REGISTER).mr(3, 8).hypercall().label('ok');
  }
  return code
    .addi(SEQ_REGISTER, SEQ_REGISTER, 1)
    .add(5, 5, COUNT_REGISTER)
    .bne(5, 6, 'loop')
    .mr(5, 4)
    .b('loop');
}

export interface RemapLayout {
  /** Guest-physical (= identity-mapped virtual) address of the leaf entry that maps `va`. */
  descriptor: bigint;
  va: bigint;
  pages: readonly [bigint, bigint];
  descriptors: readonly [bigint, bigint];
  /** Words of the page in use (the writers' cells) to migrate. */
  cells: number;
  poison: bigint;
}

/**
 * Migrates `va` between two physical pages forever, as an OS does: break the entry,
 * invalidate on every vCPU and wait (TLBI VAE1IS + DSB ISH, or tlbie + tlbsync +
 * ptesync), copy the cells, install the new page, then reuse the old one (poison its
 * cells). Count of migrations in register 0.
 */
export function remapLoop(code: MmuGuestCode, layout: RemapLayout): MmuGuestCode {
  code
    .li(4, layout.descriptor).li(5, layout.va).li(6, layout.descriptors[1]).li(7, layout.descriptors[0])
    .li(8, layout.pages[0]).li(3, layout.pages[1]).li(1, 0n).li(0, 0n)
    .label('loop')
    .st(1, 4)
    .invalidatePage(5, 9);
  for (let cell = 0; cell < layout.cells; cell++) code.ld(2, 8, cell * 8).st(2, 3, cell * 8);
  code.st(6, 4).barrier().li(2, layout.poison);
  for (let cell = 0; cell < layout.cells; cell++) code.st(2, 8, cell * 8);
  // Swap old and new (descriptor and page) for the next round.
  code.mr(2, 6).mr(6, 7).mr(7, 2).mr(2, 8).mr(8, 3).mr(3, 2).addi(0, 0, 1);
  code.b('loop');
  return code;
}
