// The host's MMIO bus: devices by guest-physical range, one handler signature for
// all of them (TinyEMU's iomem), accesses split or widened to the widths a device
// declares (QEMU's access_with_adjusted_size).

import { MmioError, texts } from './errors.js';
import { parseU64, type Endian } from './values.js';

export const BUS_HANDLED = 0;
export const BUS_UNCLAIMED = 1;
export const BUS_DEVICE_ERROR = 2;

export type MmioValue = number | bigint;

export interface MmioDevice {
  name?: string;
  base: bigint | number | string;
  size: bigint | number | string;
  /** Address space the device decodes in (slot bits 16-31); default 0. */
  addressSpace?: number;
  /** Access sizes the handlers accept, from 1, 2, 4, 8; default all four. */
  widths?: readonly number[];
  /** Byte order of the device's registers; default 'little'. */
  endian?: Endian;
  /** Returns the register value: a number for sizes up to 4, a number or bigint for 8. */
  read(offset: number, size: number): MmioValue;
  /** `value` is a number for sizes up to 4 and a bigint for 8. */
  write(offset: number, size: number, value: MmioValue): void;
}

export interface MmioRegistration {
  readonly name: string;
  unregister(): void;
}

interface Mapped {
  name: string;
  as: number;
  start: bigint;
  end: bigint;
  device: MmioDevice;
  /** Supported widths, largest first. */
  widths: number[];
  little: boolean;
}

/** What the last BUS_DEVICE_ERROR was. */
export interface DeviceFailure {
  device: string;
  gpa: bigint;
  error: unknown;
}

const ALL_WIDTHS = [8, 4, 2, 1];

export class MmioBus {
  private readonly spaces: Mapped[][];
  private lastHit: Mapped | undefined;
  private anonymous = 0;
  lastFailure: DeviceFailure | undefined;

  constructor(private readonly addressSpaces: number) {
    this.spaces = Array.from({ length: addressSpaces }, () => []);
  }

  /** Adds a device; throws MmioError (changing nothing) on a bad shape or an overlap. */
  register(device: MmioDevice): MmioRegistration {
    const name = device.name ?? `device${this.anonymous++}`;
    const start = parseU64(device.base);
    const size = parseU64(device.size);
    if (start === undefined) throw new MmioError('EINVAL', texts.notInteger('base', device.base));
    if (size === undefined || size === 0n) throw new MmioError('EINVAL', texts.deviceShape(name, 'size must be a positive integer'));
    if (start + size > 1n << 64n) throw new MmioError('EINVAL', texts.deviceShape(name, 'base + size wraps past 2^64'));
    if (size > BigInt(Number.MAX_SAFE_INTEGER)) throw new MmioError('EINVAL', texts.deviceShape(name, 'size exceeds 2^53'));
    const as = device.addressSpace ?? 0;
    if (!Number.isInteger(as) || as < 0 || as >= this.addressSpaces) {
      throw new MmioError('EINVAL', texts.deviceShape(name, `addressSpace must be below ${this.addressSpaces}`));
    }
    const widths = [...new Set(device.widths ?? ALL_WIDTHS)].sort((a, b) => b - a);
    if (widths.length === 0 || widths.some((w) => !ALL_WIDTHS.includes(w))) {
      throw new MmioError('EINVAL', texts.deviceShape(name, 'widths must be a non-empty subset of 1, 2, 4, 8'));
    }
    if (typeof device.read !== 'function' || typeof device.write !== 'function') {
      throw new MmioError('EINVAL', texts.deviceShape(name, 'read and write handlers are required'));
    }
    const space = this.spaces[as]!;
    const end = start + size;
    const clash = space.find((other) => other.start < end && start < other.end);
    if (clash) throw new MmioError('EEXIST', texts.deviceOverlap(name, clash.name));
    const mapped: Mapped = { name, as, start, end, device, widths, little: (device.endian ?? 'little') === 'little' };
    space.push(mapped);
    space.sort((a, b) => (a.start < b.start ? -1 : 1));
    return {
      name,
      unregister: () => {
        const index = space.indexOf(mapped);
        if (index >= 0) space.splice(index, 1);
        if (this.lastHit === mapped) this.lastHit = undefined;
      },
    };
  }

  /** The device decoding `gpa` in `as`, if any. */
  find(as: number, gpa: bigint): Mapped | undefined {
    const hit = this.lastHit;
    if (hit && hit.as === as && gpa >= hit.start && gpa < hit.end) return hit;
    const space = this.spaces[as];
    if (!space) return undefined;
    let low = 0;
    let high = space.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (space[middle]!.end <= gpa) low = middle + 1;
      else high = middle;
    }
    const found = space[low];
    if (found && found.start <= gpa) {
      this.lastHit = found;
      return found;
    }
    return undefined;
  }

  /**
   * Performs `bytes.length` bytes at `gpa` (memory order in `bytes`, read into it or
   * written from it). Returns BUS_HANDLED, BUS_UNCLAIMED or BUS_DEVICE_ERROR.
   */
  access(as: number, gpa: bigint, write: boolean, bytes: Uint8Array): number {
    let done = 0;
    while (done < bytes.length) {
      const at = gpa + BigInt(done);
      const mapped = this.find(as, at);
      if (!mapped) return BUS_UNCLAIMED;
      const length = Math.min(bytes.length - done, Number(mapped.end - at));
      try {
        deviceAccess(mapped, Number(at - mapped.start), write, bytes.subarray(done, done + length));
      } catch (error) {
        this.lastFailure = { device: mapped.name, gpa: at, error };
        return BUS_DEVICE_ERROR;
      }
      done += length;
    }
    return BUS_HANDLED;
  }
}

// Splits an access into the device's widths; an access narrower than every width
// (or misaligned for them) is widened to the enclosing aligned register: reads
// extract the bytes, writes send zeros in the bytes the guest did not write.
function deviceAccess(mapped: Mapped, offset: number, write: boolean, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const at = offset + done;
    const left = bytes.length - done;
    const exact = mapped.widths.find((w) => w <= left && at % w === 0);
    const width = exact ?? mapped.widths[mapped.widths.length - 1]!;
    const window = at - (at % width);
    const skip = at - window;
    const take = Math.min(left, width - skip);
    const register = new Uint8Array(width);
    if (write) {
      register.set(bytes.subarray(done, done + take), skip);
      mapped.device.write(window, width, fromBytes(register, mapped.little));
    } else {
      toBytes(mapped.device.read(window, width), register, mapped.little);
      bytes.set(register.subarray(skip, skip + take), done);
    }
    done += take;
  }
}

function fromBytes(bytes: Uint8Array, little: boolean): MmioValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  switch (bytes.length) {
    case 1: return view.getUint8(0);
    case 2: return view.getUint16(0, little);
    case 4: return view.getUint32(0, little);
    default: return view.getBigUint64(0, little);
  }
}

function toBytes(value: MmioValue, bytes: Uint8Array, little: boolean): void {
  if (typeof value !== 'number' && typeof value !== 'bigint') {
    throw new TypeError(`read handler returned ${typeof value}, not a number or bigint`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const narrow = typeof value === 'number' ? value >>> 0 : Number(BigInt.asUintN(32, value));
  switch (bytes.length) {
    case 1: view.setUint8(0, narrow & 0xff); break;
    case 2: view.setUint16(0, narrow & 0xffff, little); break;
    case 4: view.setUint32(0, narrow, little); break;
    default: view.setBigUint64(0, BigInt.asUintN(64, typeof value === 'bigint' ? value : BigInt(Math.trunc(value))), little);
  }
}
