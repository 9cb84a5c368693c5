// The host API's argument checks, one set for every public entry: a value that is
// not what the entry documents (NaN, ±Infinity, a fraction, a negative, a bigint or
// string out of range, a wrong type) ends in the entry's own error class with
// EINVAL before anything is touched, never in a RangeError, a TypeError or a wrap.

import { texts, type EmuError, type ErrnoName } from './errors.js';
import { parseInteger, parseU64, type Endian } from './values.js';

/** The error class an entry raises (SlotError, AccessError, MmioError or EmuError). */
export type Refusal = new (code: ErrnoName, detail: string) => EmuError;

/** `value` as a safe integer in [min, max]. */
export function requireInteger(refuse: Refusal, name: string, value: unknown, min: number, max: number): number {
  const parsed = parseInteger(value, min, max);
  if (parsed === undefined) throw new refuse('EINVAL', texts.notInRange(name, value, min, max));
  return parsed;
}

/** requireInteger, or `fallback` when `value` is undefined (an optional field left out). */
export function optionalInteger(refuse: Refusal, name: string, value: unknown, fallback: number, min: number, max: number): number {
  return value === undefined ? fallback : requireInteger(refuse, name, value, min, max);
}

/** A u64 from a safe non-negative integer, a bigint or a decimal / "0x…" string. */
export function requireU64(refuse: Refusal, name: string, value: unknown): bigint {
  const parsed = parseU64(value);
  if (parsed === undefined) throw new refuse('EINVAL', texts.notU64(name, value));
  return parsed;
}

/** A non-null object (options, regions, devices); undefined gives `{}` when `optional`. */
export function requireObject(refuse: Refusal, name: string, value: unknown, optional = false): Record<string, unknown> {
  if (optional && value === undefined) return {};
  if (typeof value !== 'object' || value === null) throw new refuse('EINVAL', texts.notObject(name, value));
  return value as Record<string, unknown>;
}

/** 'little' (the default when left out) or 'big'. */
export function optionalEndian(refuse: Refusal, name: string, value: unknown): Endian {
  if (value === undefined || value === 'little') return 'little';
  if (value === 'big') return 'big';
  throw new refuse('EINVAL', texts.notOneOf(name, value, ['little', 'big']));
}

/**
 * A value to store in `size` bytes: a safe integer or a bigint that fits unsigned, or
 * as a negative two's complement number (-1 writes all ones); anything else would wrap.
 */
export function requireAccessValue(refuse: Refusal, value: unknown, size: number): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) {
    if (size < 7 && (value >= 2 ** (8 * size) || value < -(2 ** (8 * size - 1)))) throw new refuse('EINVAL', texts.valueTooWide(value, size));
    return BigInt(value);
  }
  if (typeof value !== 'bigint') throw new refuse('EINVAL', texts.valueNotInteger(value));
  if (value >= UNSIGNED_END[size]! || value < SIGNED_MIN[size]!) throw new refuse('EINVAL', texts.valueTooWide(value, size));
  return value;
}

/** Per access size 0..16: 2^(8·size) and -2^(8·size-1), the bounds of what fits. */
const UNSIGNED_END = Array.from({ length: 17 }, (_, size) => 1n << BigInt(8 * size));
const SIGNED_MIN = Array.from({ length: 17 }, (_, size) => -(1n << BigInt(Math.max(0, 8 * size - 1))));
