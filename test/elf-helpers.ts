// Test helpers: ELF files built byte by byte: header, program headers, then each segment's bytes.

export interface Segment {
  address: bigint;
  data: Uint8Array;
  memSize?: number;
  type?: number;
}

export interface ElfShape {
  bits?: 32 | 64;
  little?: boolean;
  machine?: number;
  entry?: bigint;
  flags?: number;
  type?: number;
  segments?: Segment[];
}

export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_ARM = 40;
export const EM_AARCH64 = 183;

export function makeElf(shape: ElfShape = {}): Uint8Array {
  const bits = shape.bits ?? 64;
  const little = shape.little ?? false;
  const segments = shape.segments ?? [{ address: 0x100000n, data: words([0x60000000], little) }];
  const headerSize = bits === 32 ? 52 : 64;
  const phentsize = bits === 32 ? 32 : 56;
  let offset = headerSize + phentsize * segments.length;
  const placed = segments.map((segment) => {
    const at = offset;
    offset += segment.data.length;
    return at;
  });
  const bytes = new Uint8Array(offset);
  const view = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, bits === 32 ? 1 : 2, little ? 1 : 2, 1]);
  const word = (at: number, value: bigint | number) => (bits === 32 ? view.setUint32(at, Number(value), little) : view.setBigUint64(at, BigInt(value), little));
  view.setUint16(16, shape.type ?? 2, little);
  view.setUint16(18, shape.machine ?? EM_PPC64, little);
  view.setUint32(20, 1, little);
  word(24, shape.entry ?? segments[0]!.address);
  word(bits === 32 ? 28 : 32, headerSize);
  view.setUint32(bits === 32 ? 36 : 48, shape.flags ?? (shape.machine === undefined ? 2 : 0), little);
  view.setUint16(bits === 32 ? 40 : 52, headerSize, little);
  view.setUint16(bits === 32 ? 42 : 54, phentsize, little);
  view.setUint16(bits === 32 ? 44 : 56, segments.length, little);
  segments.forEach((segment, i) => {
    const at = headerSize + i * phentsize;
    view.setUint32(at, segment.type ?? 1, little);
    const memSize = segment.memSize ?? segment.data.length;
    if (bits === 32) {
      [placed[i]!, segment.address, segment.address, segment.data.length, memSize, 7, 4].forEach((value, k) => view.setUint32(at + 4 + 4 * k, Number(value), little));
    } else {
      view.setUint32(at + 4, 7, little);
      [placed[i]!, segment.address, segment.address, segment.data.length, memSize, 4].forEach((value, k) => view.setBigUint64(at + 8 + 8 * k, BigInt(value), little));
    }
    bytes.set(segment.data, placed[i]!);
  });
  return bytes;
}

export function words(values: number[], little: boolean): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  values.forEach((value, i) => new DataView(bytes.buffer).setUint32(i * 4, value >>> 0, little));
  return bytes;
}

