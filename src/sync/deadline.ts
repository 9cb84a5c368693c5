// Deadlines for the updater and for stop(): a vCPU thread whose device handler never
// returns never reaches a safe point, and every strategy that waits for safe points
// (a grace period, a stop, a lock) would wait forever. The watchdog names such a vCPU
// (its pc and the device it is in, from its record), takes it out of the run and ends
// its thread; the others and the slot table carry on.

import { EmuError, texts } from '../errors.js';

/** Default deadline (ms) of an update's wait for the vCPUs, and of stop()'s wait for their reports. */
export const DEFAULT_TIMEOUT_MS = 5000;

/** A vCPU that did not reach a safe point in time: where it was. */
export interface StuckVcpu {
  vcpu: number;
  /** The pc of the instruction it was executing. */
  pc: bigint;
  /** The device whose handler it was in (its name on the vCPU's bus), if any. */
  device?: string;
  /** The guest-physical address of the access in flight. */
  gpa?: bigint;
}

/**
 * vCPUs did not reach a safe point within the deadline and were terminated. From
 * update(): the transaction was applied once they were out of the way.
 */
export class SafePointTimeoutError extends EmuError {
  constructor(readonly vcpus: readonly StuckVcpu[], readonly timeoutMs: number) {
    super('ETIMEDOUT', vcpus.map((stuck) => describeStuck(stuck, timeoutMs)).join('; '));
  }
}

export function describeStuck(stuck: StuckVcpu, timeoutMs: number): string {
  const hex = (value: bigint) => `0x${value.toString(16)}`;
  const where = stuck.device !== undefined ? `in device ${stuck.device}${stuck.gpa !== undefined ? ` at ${hex(stuck.gpa)}` : ''}, ` : '';
  return `vCPU ${stuck.vcpu} did not reach a safe point within ${timeoutMs} ms (${where}pc ${hex(stuck.pc)}): terminated`;
}

/** Thrown on a vCPU thread that finds, as its device handler returns, that the watchdog took it out of the run. */
export class VcpuEvicted extends Error {
  constructor(readonly vcpu: number) {
    super(`vCPU ${vcpu} was taken out of the run by the watchdog`);
  }
}

/** What runBlocking() calls while the actor it drives waits on vCPUs. */
export interface Watchdog {
  /** How long one wait may last (ms). */
  readonly timeoutMs: number;
  /** A wait began (the first wait or poll after a safe point): note where the vCPUs stand. */
  began(): void;
  /** The wait has lasted timeoutMs: deal with the vCPUs that made no progress; the wait then starts over. */
  expired(): void;
}

/** Checks a deadline option: a positive, finite number of ms. */
export function checkTimeout(name: string, value: number | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new EmuError('EINVAL', texts.badOption(name, `must be a positive number of milliseconds, got ${String(value)}`));
  }
  return value;
}
