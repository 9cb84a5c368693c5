// Conversions between the API's numbers and what the core stores: u64 values as
// bigint, access bytes in memory order.

const U64_MAX = (1n << 64n) - 1n;

/** A u64 from a safe non-negative integer, a bigint, or a decimal / "0x…" string; undefined if not one. */
export function parseU64(value: unknown): bigint | undefined {
  let result: bigint;
  if (typeof value === 'bigint') result = value;
  else if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) return undefined;
    result = BigInt(value);
  } else if (typeof value === 'string' && /^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(value.trim())) {
    result = BigInt(value.trim());
  } else return undefined;
  return result >= 0n && result <= U64_MAX ? result : undefined;
}

/** A byte count with an optional K/M/G suffix (binary units), or undefined. */
export function parseByteCount(value: string): number | undefined {
  const match = /^(0[xX][0-9a-fA-F]+|[0-9]+)([KMG]i?B?)?$/i.exec(value.trim());
  if (!match) return undefined;
  const unit = match[2]?.[0]?.toUpperCase();
  const scale = unit === 'K' ? 1024 : unit === 'M' ? 1024 ** 2 : unit === 'G' ? 1024 ** 3 : 1;
  const bytes = Number(BigInt(match[1]!)) * scale;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

export const hex = (value: bigint | number): string => `0x${value.toString(16)}`;

/** A safe integer in [min, max], or undefined (NaN, ±Infinity, fractions, bigints and strings are not). */
export function parseInteger(value: unknown, min: number, max: number): number | undefined {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max ? value : undefined;
}

/** How `value` reads in an error sentence. Never throws (bigints, symbols, objects whose toString throws). */
export function describeValue(value: unknown): string {
  switch (typeof value) {
    case 'bigint': return `${value}n`;
    case 'string': return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'symbol': return 'a symbol';
    case 'function': return 'a function';
    case 'object':
      if (value === null) return 'null';
      try {
        return Object.prototype.toString.call(value);
      } catch {
        return 'an object';
      }
    default: return String(value);
  }
}

/** The message of something a device threw: an Error's message, a string, or describeValue. Never throws. */
export function describeThrown(thrown: unknown): string {
  try {
    if (typeof thrown === 'string') return thrown;
    if (thrown instanceof Error && typeof thrown.message === 'string') return thrown.message;
  } catch {
    // A getter or proxy trap threw: describe the value instead.
  }
  return describeValue(thrown);
}

export type Endian = 'little' | 'big';

/** The value of `size` bytes read in `endian` order. */
export function bytesToValue(bytes: Uint8Array, endian: Endian): bigint {
  let value = 0n;
  const size = bytes.length;
  for (let i = 0; i < size; i++) {
    const byte = bytes[endian === 'little' ? size - 1 - i : i]!;
    value = (value << 8n) | BigInt(byte);
  }
  return value;
}

/** Writes the low `target.length` bytes of `value` into `target` in `endian` order. */
export function valueToBytes(value: bigint, target: Uint8Array, endian: Endian): void {
  const size = target.length;
  let rest = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    target[endian === 'little' ? i : size - 1 - i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}
