// Every error the host raises, with its texts in one place. `code` is an errno
// name (as KVM's ioctls return) so callers can switch on it. Texts that show a
// caller's value go through describeValue, which never throws.

import { describeValue } from './values.js';

export type ErrnoName = 'EINVAL' | 'EEXIST' | 'ENOENT' | 'ENOMEM' | 'EFAULT' | 'EIO' | 'EPERM' | 'ETIMEDOUT' | 'EBUSY';

export class EmuError extends Error {
  /** The sentence without the errno prefix. */
  readonly detail: string;

  constructor(readonly code: ErrnoName, detail: string) {
    super(`${code}: ${detail}`);
    this.detail = detail;
    this.name = new.target.name;
  }
}

/** A rejected memory-slot call; the slot table is unchanged. */
export class SlotError extends EmuError {}

/** A rejected device registration; the device map is unchanged. */
export class MmioError extends EmuError {}

/** A host access by guest-physical address that did not complete. */
export class AccessError extends EmuError {
  constructor(
    code: ErrnoName,
    message: string,
    readonly exit: { gpa: bigint; size: number; write: boolean; cause: string } = { gpa: 0n, size: 0, write: false, cause: 'none' },
    options?: { cause?: unknown },
  ) {
    super(code, message);
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

export const texts = {
  resetWhileRunning: () => 'reset: a vCPU of this machine is running (reset it after the run returns)',
  retiredVcpu: () => 'this Vcpu was made before its machine was reset: make a new one',
  unknownFlags: (flags: number) => `flags ${hex(flags)} has bits other than LOG_DIRTY_PAGES (1) and READONLY (2)`,
  flagsNotU32: (flags: unknown) => `flags must be a u32 (an integer from 0 to 0xffffffff), got ${describeValue(flags)}`,
  sizeNotAligned: (size: bigint) => `memorySize ${hex(size)} is not a multiple of the 4096-byte page`,
  gpaNotAligned: (gpa: bigint) => `guestPhysAddr ${hex(gpa)} is not page-aligned`,
  uaddrNotAligned: (uaddr: bigint) => `userspaceAddr ${hex(uaddr)} is not page-aligned`,
  uaddrOutsideArena: (uaddr: bigint, size: bigint, arena: number) =>
    `userspaceAddr ${hex(uaddr)} + memorySize ${hex(size)} lies outside the ${hex(arena)}-byte guest-RAM arena`,
  badAddressSpace: (as: number, count: number) => `address space ${as} (slot bits 16-31) is not below ${count}`,
  badSlotId: (id: number, max: number) => `slot id ${id} is not below ${max}`,
  gpaWraps: (gpa: bigint, size: bigint) => `guestPhysAddr ${hex(gpa)} + memorySize ${hex(size)} wraps past 2^64`,
  tooManyPages: (pages: bigint) => `${pages} pages exceeds KVM's limit of 2^31-1 pages per slot`,
  deleteMissing: (slot: number) => `slot ${hex(slot)} does not exist, so it cannot be deleted`,
  noSuchSlot: (slot: number) => `slot ${hex(slot)} does not exist`,
  changeSizeOrAddr: (slot: number) =>
    `slot ${hex(slot)} exists: only its guestPhysAddr (move) or flags may change, not memorySize or userspaceAddr`,
  changeReadonly: (slot: number) => `slot ${hex(slot)} exists: its READONLY flag cannot change`,
  overlap: (slot: number, other: number) => `slot ${hex(slot)} would overlap slot ${hex(other)} in the same address space`,
  dirtyPoolFull: (bytes: number) => `no room for a ${bytes}-byte dirty bitmap; create the machine with a larger dirtyLogBytes`,
  noDirtyLog: (slot: number) => `slot ${hex(slot)} does not exist or does not have LOG_DIRTY_PAGES`,
  notU64: (name: string, value: unknown) => `${name} must be an integer from 0 to 2^64-1 (number, bigint or "0x…" string), got ${describeValue(value)}`,
  notInRange: (name: string, value: unknown, min: number, max: number) =>
    `${name} must be an integer from ${min} to ${max}, got ${describeValue(value)}`,
  notObject: (name: string, value: unknown) => `${name} must be an object, got ${describeValue(value)}`,
  notArray: (name: string, value: unknown) => `${name} must be an array, got ${describeValue(value)}`,
  notBytes: (name: string, value: unknown) => `${name} must be a Uint8Array, got ${describeValue(value)}`,
  notOneOf: (name: string, value: unknown, allowed: readonly string[]) =>
    `${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${describeValue(value)}`,
  valueTooWide: (value: unknown, size: number) =>
    `value ${describeValue(value)} does not fit in ${size} bytes (unsigned, or negative two's complement)`,
  valueNotInteger: (value: unknown) => `value must be an integer (a safe integer number or a bigint), got ${describeValue(value)}`,
  crosses2to64: (gpa: bigint, length: number) => `${length} bytes at ${hex(gpa)} would cross 2^64 (a host access never wraps to address 0)`,
  reentered: (depth: number) => `host accesses nested ${depth} deep inside device handlers: a device calls back into the machine without end`,
  arenaFull: (bytes: number) => `no ${bytes}-byte range is free in the guest-RAM arena`,
  notAllocated: (addr: number) => `${hex(addr)} is not the start of an allocated range`,
  badAccessSize: (size: unknown) => `access size ${describeValue(size)} is not an integer from 1 to 16 bytes`,
  badAddressSpaceArg: (as: unknown, count: number) => `address space ${describeValue(as)} is not an integer below ${count}`,
  badGpaNumber: (gpa: unknown) => `gpa must be a non-negative safe integer (below 2^53), got ${describeValue(gpa)}${typeof gpa === 'number' ? '' : ` (${typeof gpa})`}`,
  badValue: (size: number, value: unknown) =>
    `value ${describeValue(value)} does not fit ${size} byte${size === 1 ? '' : 's'} (an integer from -2^${8 * size - 1} to 2^${8 * size} - 1${size === 8 ? ', as a bigint' : ''})`,
  badOutput: (at: number) => `out must be a Uint32Array, Int32Array or array with room for two words at index ${at}`,
  unassigned: (gpa: bigint, size: number, write: boolean, cause: string) =>
    `${write ? 'write' : 'read'} of ${size} bytes at ${hex(gpa)} reached no RAM slot (${cause}) and no device`,
  deviceThrew: (name: string, gpa: bigint, message: string) => `device ${name} failed an access at ${hex(gpa)}: ${message}`,
  deviceOverlap: (name: string, other: string) => `device ${name} overlaps device ${other}`,
  deviceShape: (name: string, why: string) => `device ${name}: ${why}`,
  badOption: (name: string, why: string) => `option ${name}: ${why}`,
  notIsolated: () =>
    'vCPU threads need a SharedArrayBuffer, which a browser gives only to a cross-origin isolated page: serve it with the headers '
    + '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" (npm run demo does), '
    + 'or use the deterministic mode, which runs on one thread without them',
  coreInit: (code: number) => `the core rejected the machine layout (code ${code})`,
} as const;
