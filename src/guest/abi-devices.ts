// The guest ABI's two devices for one run (src/guest/run.ts): the ucall doorbell and
// the console. They are classes, not closures made per run, so a short run's handful of
// calls runs code V8 has compiled in earlier runs; a ucall's struct, pointers and
// strings are numbers (a bigint only for the values a result holds as one).

import type { Machine } from '../machine.js';
import type { MmioDevice, MmioValue } from '../mmio.js';
import type { Endian } from '../values.js';
import type { LoadedElf } from './elf.js';

/** Guest-physical address of the ucall doorbell (guests/include/guest.h: UCALL_GPA). */
export const UCALL_GPA = 0x0a00_0000n;
/** Guest-physical address of the console's data register (CONSOLE_GPA). */
export const CONSOLE_GPA = 0x0900_0000n;
export const UCALL_DONE = 1;
export const UCALL_PRINT = 2;
export const UCALL_REPORT = 3;
export const UCALL_ASSERT = 4;
/** Longest string a ucall argument is read as. */
const MAX_STRING = 4096;
/** Bytes of a struct ucall: cmd, then args[6]. */
const UCALL_BYTES = 56;

/** A guest address: a number while it is a safe integer, else a bigint. */
type GuestAddress = number | bigint;

/** What a ucall that ends the run hands the run loop (thrown, taken back from the bus). */
export class UcallStop<E> {
  constructor(readonly exit: E) {}
}

/** What a ucall asks of its run: the run's output, reports, and the exits it ends in. */
export interface UcallHost<E> {
  emit(text: string): void;
  report(name: string, value: bigint): void;
  done(status: bigint): E;
  assert(file: string, line: number, expression: string, values: [bigint, bigint]): E;
}

/**
 * The loader's RAM regions while they are mapped as loaded: a ucall's struct and strings
 * are read straight from the arena, without the host accessor's lookups (its caches
 * start cold on every run's fresh or reset machine: its first access cost ~15 µs).
 */
export class LoadedRam {
  readonly view: DataView;
  /** The region end (arena offset) of the last find() that found its bytes. */
  end = 0;
  private readonly regions: LoadedElf['ram'][];

  constructor(private readonly machine: Machine, loaded: LoadedElf) {
    this.regions = loaded.stack ? [loaded.ram, loaded.stack] : [loaded.ram];
    this.view = new DataView(machine.memory.buffer, machine.layout.arenaBase, machine.layout.arenaSize);
  }

  /** The arena offset of `length` bytes at `gpa` when a region still mapped as loaded holds them all; else -1. */
  find(gpa: GuestAddress, length: number): number {
    for (const region of this.regions) {
      const start = typeof gpa === 'number' && region.base <= MAX_SAFE ? gpa - Number(region.base) : Number(BigInt(gpa) - region.base);
      if (start < 0 || start + length > region.size) continue;
      const slot = this.machine.slot(region.slot);
      if (slot?.guestPhysAddr !== region.base || slot.memorySize !== BigInt(region.size) || slot.userspaceAddr !== BigInt(region.userspaceAddr)) return -1;
      this.end = region.userspaceAddr + region.size;
      return region.userspaceAddr + start;
    }
    return -1;
  }
}

/** The doorbell: a 4- or 8-byte store of a struct ucall's address is one call. */
export class UcallDevice<E> implements MmioDevice {
  readonly name = 'ucall';
  readonly base = UCALL_GPA;
  readonly size = 8;
  readonly widths = [4, 8];
  private readonly little: boolean;
  /** Arena offset of the struct being served, or -1 while it is read through the machine. */
  private struct = -1;
  private structGpa: GuestAddress = 0;

  constructor(readonly endian: Endian, private readonly machine: Machine, private readonly ram: LoadedRam, private readonly host: UcallHost<E>) {
    this.little = endian === 'little';
  }

  read(): number {
    return 0;
  }

  write(_offset: number, _size: number, value: MmioValue): void {
    this.call(typeof value === 'bigint' && value <= MAX_SAFE ? Number(value) : value);
  }

  write64Parts(_offset: number, low: number, high: number): void {
    this.call(high <= MAX_SAFE_HIGH ? high * 2 ** 32 + low : (BigInt(high) << 32n) | BigInt(low));
  }

  private call(at: GuestAddress): void {
    this.structGpa = at;
    this.struct = this.ram.find(at, UCALL_BYTES);
    const host = this.host;
    const cmd = this.address(0);
    switch (cmd) {
      case UCALL_DONE: throw new UcallStop(host.done(this.word(1)));
      case UCALL_PRINT: host.emit(`${this.string(this.address(1))}\n`); return;
      case UCALL_REPORT: host.report(this.string(this.address(1)), this.word(2)); return;
      case UCALL_ASSERT:
        throw new UcallStop(host.assert(this.string(this.address(1)), Number(this.word(2)), this.string(this.address(3)), [this.word(4), this.word(5)]));
      default: throw new Error(`unknown ucall cmd ${cmd}`);
    }
  }

  /** Word `index` of the struct (0: cmd, 1..6: args). */
  private word(index: number): bigint {
    if (this.struct >= 0) return this.ram.view.getBigUint64(this.struct + 8 * index, this.little);
    return readU64(this.machine, BigInt(this.structGpa) + BigInt(8 * index), this.little);
  }

  /** Word `index` as a GuestAddress (a number unless it is past the safe integers). */
  private address(index: number): GuestAddress {
    if (this.struct < 0) return asAddress(this.word(index));
    const view = this.ram.view;
    const at = this.struct + 8 * index;
    const low = view.getUint32(this.little ? at : at + 4, this.little);
    const high = view.getUint32(this.little ? at + 4 : at, this.little);
    return high <= MAX_SAFE_HIGH ? high * 2 ** 32 + low : (BigInt(high) << 32n) | BigInt(low);
  }

  /** The NUL-terminated string at `gpa` (at most MAX_STRING bytes), as UTF-8. */
  private string(gpa: GuestAddress): string {
    const at = this.ram.find(gpa, 1);
    return (at >= 0 ? ramString(this.ram.view, at, this.ram.end) : undefined) ?? readString(this.machine, gpa);
  }
}

/** The console: each byte written to its data register (offset 0) is output, UTF-8 decoded across writes. */
export class ConsoleDevice implements MmioDevice {
  readonly name = 'console';
  readonly base = CONSOLE_GPA;
  readonly size = 8;
  readonly widths = [1];
  /** Made at the first non-ASCII byte; holds part of a UTF-8 sequence until an ASCII byte passes through it. */
  private decoder: TextDecoder | undefined;
  private decoderHolds = false;

  constructor(private readonly output: Pick<UcallHost<unknown>, 'emit'>) {}

  read(): number {
    return 0;
  }

  write(offset: number, _size: number, value: MmioValue): void {
    if (offset !== 0) return;
    const byte = Number(value);
    if (byte < 0x80 && !this.decoderHolds) {
      this.output.emit(String.fromCharCode(byte));
      return;
    }
    this.decoder ??= new TextDecoder();
    this.output.emit(this.decoder.decode(Uint8Array.of(byte), { stream: true }));
    this.decoderHolds = byte >= 0x80;
  }
}

/** The highest high word whose u64 is a safe integer. */
const MAX_SAFE_HIGH = 0x1f_ffff;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function asAddress(value: bigint): GuestAddress {
  return value <= MAX_SAFE ? Number(value) : value;
}

/**
 * The NUL-terminated string at arena offset `offset`, as readString; undefined when it
 * runs into `end` first. An ASCII string is built as it is scanned (no array, no view:
 * a few µs less per string on a run's cold caches).
 */
function ramString(view: DataView, offset: number, end: number): string | undefined {
  const limit = Math.min(end, offset + MAX_STRING);
  let text = '';
  let ascii = true;
  let at = offset;
  for (; at < limit; at++) {
    const byte = view.getUint8(at);
    if (byte === 0) break;
    if (byte >= 0x80) ascii = false;
    else if (ascii) text += String.fromCharCode(byte);
  }
  if (at === end && at - offset < MAX_STRING) return undefined;
  return ascii ? text : utf8.decode(new Uint8Array(view.buffer, view.byteOffset + offset, at - offset));
}

/** The u64 at `gpa` in the given byte order, as machine.read(gpa, 8, { endian }) (a safe-integer address takes the typed fast path). */
function readU64(machine: Machine, gpa: bigint, little: boolean): bigint {
  if (gpa > MAX_FAST_GPA) return machine.read(gpa, 8, { endian: little ? 'little' : 'big' });
  const value = machine.read64(Number(gpa));
  if (little) return value;
  swapView.setBigUint64(0, value, true);
  return swapView.getBigUint64(0, false);
}

/** The NUL-terminated string at `gpa` (at most MAX_STRING bytes), as UTF-8. */
function readString(machine: Machine, gpa: GuestAddress): string {
  const bytes: number[] = [];
  let ascii = true;
  for (let at = BigInt(gpa); bytes.length < MAX_STRING; at++) {
    const byte = at <= MAX_FAST_GPA ? machine.read8(Number(at)) : Number(machine.read(at, 1));
    if (byte === 0) break;
    ascii &&= byte < 0x80;
    bytes.push(byte);
  }
  return ascii ? String.fromCharCode(...bytes) : utf8.decode(Uint8Array.from(bytes));
}

/** The highest address the typed accessors take (a safe integer with room for 8 bytes). */
const MAX_FAST_GPA = BigInt(Number.MAX_SAFE_INTEGER - 8);
const swapView = new DataView(new ArrayBuffer(8));
const utf8 = new TextDecoder();
