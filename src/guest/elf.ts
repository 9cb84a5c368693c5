// Static ELF executables (32/64-bit, either byte order) parsed and loaded into a RAM
// slot of a Machine, with the ABI's entry registers: what a bare-metal loader (QEMU's
// -kernel, KVM selftests' kvm_vm_elf_load) does for a guest that runs with the MMU off.

import { EmuError } from '../errors.js';
import type { Machine } from '../machine.js';
import type { GuestArch } from '../cpu/registers.js';

/** A file that is not a static executable this engine can run; nothing was loaded. */
export class ElfError extends EmuError {
  constructor(detail: string) {
    super('EINVAL', detail);
  }
}

export const EM_PPC = 20;
export const EM_PPC64 = 21;
export const EM_ARM = 40;
export const EM_AARCH64 = 183;
const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const ET_EXEC = 2;
const EF_ARM_BE8 = 0x0080_0000;
const SHT_SYMTAB = 2;
const STT_OBJECT = 1;
const STT_FUNC = 2;

export interface ElfSegment {
  /** Guest-physical load address (p_paddr: the MMU is off). */
  address: bigint;
  /** Bytes from the file, then memSize - fileSize zero bytes (bss). */
  fileOffset: number;
  fileSize: number;
  memSize: number;
  /** PF_X = 1, PF_W = 2, PF_R = 4. */
  flags: number;
}

export interface ElfSymbol {
  name: string;
  address: bigint;
  size: bigint;
}

export interface ElfImage {
  bits: 32 | 64;
  endian: 'big' | 'little';
  machine: number;
  /** e_entry: the first instruction, or (64-bit PowerPC ELFv1) the address of _start's function descriptor. */
  entry: bigint;
  /** 64-bit PowerPC: 1 when functions are called through descriptors (ELFv1), 2 for ELFv2. 0 elsewhere. */
  ppcAbi: 0 | 1 | 2;
  /** The architecture e_machine, the class and the byte order say (thumb when a 32-bit ARM entry has bit 0 set). */
  arch: GuestArch;
  segments: ElfSegment[];
  /** Function symbols from .symtab, sorted by address (empty when stripped). */
  functions: ElfSymbol[];
  /** Data objects from .symtab by name (a host may read or patch a guest's globals). */
  objects: Map<string, ElfSymbol>;
}

const hex = (value: bigint | number) => `0x${value.toString(16)}`;

/** Parses a static executable; throws ElfError naming what is wrong. */
export function parseElf(bytes: Uint8Array): ElfImage {
  if (bytes.length < 16 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46) {
    throw new ElfError('not an ELF file (the first four bytes are not 7f 45 4c 46)');
  }
  const elfClass = bytes[4];
  if (elfClass !== 1 && elfClass !== 2) throw new ElfError(`EI_CLASS ${elfClass} is neither 1 (32-bit) nor 2 (64-bit)`);
  const data = bytes[5];
  if (data !== 1 && data !== 2) throw new ElfError(`EI_DATA ${data} is neither 1 (little-endian) nor 2 (big-endian)`);
  const bits = elfClass === 1 ? 32 : 64;
  const little = data === 1;
  const headerSize = bits === 32 ? 52 : 64;
  if (bytes.length < headerSize) throw new ElfError(`truncated: ${bytes.length} bytes is shorter than the ${headerSize}-byte ELF header`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const word = (at: number) => (bits === 32 ? BigInt(view.getUint32(at, little)) : view.getBigUint64(at, little));
  const small = (value: bigint, what: string) => {
    if (value > BigInt(bytes.length)) throw new ElfError(`truncated: ${what} ${hex(value)} lies past the end of the ${bytes.length}-byte file`);
    return Number(value);
  };

  const type = u16(16);
  if (type !== ET_EXEC) throw new ElfError(`e_type ${type} is not ET_EXEC (2): only static executables can be loaded`);
  const machine = u16(18);
  const entry = word(24);
  const flags = u32(bits === 32 ? 36 : 48);
  const arch = archOf(machine, bits, little, flags, entry);
  const ppcAbi = machine === EM_PPC64 ? ((flags & 3) === 2 || ((flags & 3) === 0 && little) ? 2 : 1) : 0;

  const phoff = small(word(bits === 32 ? 28 : 32), 'e_phoff');
  const phentsize = u16(bits === 32 ? 42 : 54);
  const phnum = u16(bits === 32 ? 44 : 56);
  const expected = bits === 32 ? 32 : 56;
  if (phnum === 0) throw new ElfError('no program headers: nothing to load');
  if (phentsize !== expected) throw new ElfError(`e_phentsize ${phentsize} is not ${expected}, the ${bits}-bit program header size`);
  if (phoff + phnum * phentsize > bytes.length) {
    throw new ElfError(`truncated: ${phnum} program headers at ${hex(phoff)} end past the ${bytes.length}-byte file`);
  }

  const segments: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const kind = u32(at);
    if (kind === PT_INTERP || kind === PT_DYNAMIC) throw new ElfError('dynamically linked (PT_INTERP or PT_DYNAMIC): link it with -static');
    if (kind !== PT_LOAD) continue;
    const field = (offset32: number, offset64: number) => word(at + (bits === 32 ? offset32 : offset64));
    const offset = field(4, 8);
    const fileSize = field(16, 32);
    const memSize = field(20, 40);
    const address = field(12, 24);
    if (fileSize > memSize) throw new ElfError(`segment ${i}: p_filesz ${hex(fileSize)} exceeds p_memsz ${hex(memSize)}`);
    if (offset + fileSize > BigInt(bytes.length)) {
      throw new ElfError(`truncated: segment ${i}'s ${hex(fileSize)} bytes at offset ${hex(offset)} end past the ${bytes.length}-byte file`);
    }
    if (memSize > 0xffff_ffffn) throw new ElfError(`segment ${i}: p_memsz ${hex(memSize)} is over 4 GiB`);
    if (address + memSize > (bits === 32 ? 1n << 32n : 1n << 64n)) throw new ElfError(`segment ${i} at ${hex(address)} wraps past the end of the address space`);
    segments.push({ address, fileOffset: Number(offset), fileSize: Number(fileSize), memSize: Number(memSize), flags: u32(at + (bits === 32 ? 24 : 4)) });
  }
  if (segments.length === 0) throw new ElfError('no PT_LOAD segment: nothing to load');
  segments.sort((a, b) => (a.address < b.address ? -1 : 1));
  for (let i = 1; i < segments.length; i++) {
    const before = segments[i - 1]!;
    if (before.address + BigInt(before.memSize) > segments[i]!.address) {
      throw new ElfError(`segments at ${hex(before.address)} and ${hex(segments[i]!.address)} overlap`);
    }
  }
  const image = { bits, endian: little ? 'little' : 'big', machine, entry, ppcAbi, arch, segments, functions: [], objects: new Map() } as ElfImage;
  if (!inSegment(image, entry, ppcAbi === 1 ? 16 : 2)) throw new ElfError(`entry point ${hex(entry)} lies in no PT_LOAD segment`);
  const symbols = readSymbols(bytes, view, bits, little);
  image.functions = symbols.filter((symbol) => symbol.type === STT_FUNC).map(({ type: _, ...symbol }) => symbol);
  image.objects = new Map(symbols.filter((symbol) => symbol.type === STT_OBJECT).map(({ type: _, ...symbol }) => [symbol.name, symbol]));
  image.functions.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
  if (ppcAbi === 1) image.functions = throughDescriptors(image, view);
  return image;
}

function archOf(machine: number, bits: 32 | 64, little: boolean, flags: number, entry: bigint): GuestArch {
  const wrongClass = (name: string, want: number) => new ElfError(`e_machine ${machine} (${name}) needs ELFCLASS${want}, the file is ${bits}-bit`);
  switch (machine) {
    case EM_PPC64:
      if (bits !== 64) throw wrongClass('PowerPC 64', 64);
      return little ? 'ppc64le' : 'ppc64be';
    case EM_PPC:
      if (bits !== 32) throw wrongClass('PowerPC', 32);
      if (little) throw new ElfError('32-bit little-endian PowerPC is not supported (ppc32be only)');
      return 'ppc32be';
    case EM_AARCH64:
      if (bits !== 64) throw wrongClass('AArch64', 64);
      return little ? 'aarch64' : 'aarch64_be';
    case EM_ARM:
      if (bits !== 32) throw wrongClass('ARM', 32);
      if (!little && (flags & EF_ARM_BE8) === 0) throw new ElfError('big-endian ARM without EF_ARM_BE8 (BE32) is not supported');
      if (!little) return 'armeb';
      return (entry & 1n) !== 0n ? 'thumb' : 'arm';
    default:
      throw new ElfError(`e_machine ${machine} is not PowerPC (20, 21), ARM (40) or AArch64 (183)`);
  }
}

function inSegment(image: ElfImage, address: bigint, length: number): boolean {
  const at = image.arch === 'thumb' ? address & ~1n : address;
  return image.segments.some((s) => at >= s.address && at + BigInt(length) <= s.address + BigInt(s.memSize));
}

/** Function and object symbols, or none when the section headers are absent or do not hold together. */
function readSymbols(bytes: Uint8Array, view: DataView, bits: 32 | 64, little: boolean): Array<ElfSymbol & { type: number }> {
  const word = (at: number) => Number(bits === 32 ? view.getUint32(at, little) : view.getBigUint64(at, little));
  const shoff = word(bits === 32 ? 32 : 40);
  const shentsize = view.getUint16(bits === 32 ? 46 : 58, little);
  const shnum = view.getUint16(bits === 32 ? 48 : 60, little);
  const fits = (at: number, length: number) => at >= 0 && length >= 0 && at + length <= bytes.length;
  if (shoff === 0 || shentsize !== (bits === 32 ? 40 : 64) || !fits(shoff, shnum * shentsize)) return [];
  const section = (index: number) => {
    const at = shoff + index * shentsize;
    return { type: view.getUint32(at + 4, little), offset: word(at + (bits === 32 ? 16 : 24)), size: word(at + (bits === 32 ? 20 : 32)), link: view.getUint32(at + (bits === 32 ? 24 : 40), little) };
  };
  const symbols: Array<ElfSymbol & { type: number }> = [];
  for (let i = 0; i < shnum; i++) {
    const table = section(i);
    if (table.type !== SHT_SYMTAB || table.link >= shnum) continue;
    const strings = section(table.link);
    const entrySize = bits === 32 ? 16 : 24;
    if (!fits(table.offset, table.size) || !fits(strings.offset, strings.size)) return [];
    for (let at = table.offset; at + entrySize <= table.offset + table.size; at += entrySize) {
      const info = view.getUint8(at + (bits === 32 ? 12 : 4));
      const type = info & 0xf;
      if (type !== STT_FUNC && type !== STT_OBJECT) continue;
      const nameAt = strings.offset + view.getUint32(at, little);
      let end = nameAt;
      while (end < strings.offset + strings.size && bytes[end] !== 0) end++;
      const address = BigInt(word(at + (bits === 32 ? 4 : 8)));
      const size = BigInt(word(at + (bits === 32 ? 8 : 16)));
      symbols.push({ name: new TextDecoder().decode(bytes.subarray(nameAt, end)), address, size, type });
    }
  }
  return symbols;
}

/** ELFv1 function symbols name descriptors: the code is where each descriptor's first doubleword points. */
function throughDescriptors(image: ElfImage, view: DataView): ElfSymbol[] {
  const functions: ElfSymbol[] = [];
  for (const symbol of image.functions) {
    const segment = image.segments.find((s) => symbol.address >= s.address && symbol.address + 8n <= s.address + BigInt(s.fileSize));
    if (!segment) continue;
    const address = view.getBigUint64(segment.fileOffset + Number(symbol.address - segment.address), image.endian === 'little');
    functions.push({ ...symbol, address });
  }
  return functions.sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

/** "name+0x1c" for the function holding `address`, or undefined. */
export function symbolize(image: ElfImage, address: bigint): string | undefined {
  for (const symbol of image.functions) {
    // Thumb function symbols have bit 0 set.
    const start = symbol.address & ~1n;
    if (address >= start && address < start + (symbol.size === 0n ? 1n : symbol.size)) {
      return address === start ? symbol.name : `${symbol.name}+${hex(address - start)}`;
    }
  }
  return undefined;
}

export interface ElfLoadOptions {
  /** Overrides the architecture from the file (one of the same family and byte order: 'arm' or 'thumb'). */
  arch?: GuestArch;
  /** Guest-physical base of the RAM slot; default 0x100000 (where the corpus is linked). */
  ramBase?: bigint | number;
  /** Bytes of RAM, a multiple of 4096; default 16 MiB. The stack starts at its top. */
  ramSize?: number;
  /** Slot id for the RAM; default 0. */
  slot?: number;
  /**
   * Back only the RAM a guest without a heap touches: from ramBase to past the last
   * segment plus SPARSE_HEAP_BYTES (slot `slot`), and the top SPARSE_STACK_BYTES, the
   * stack, in slot `slot` + 1; the range between has nothing mapped. One whole slot when
   * the two would meet. Default false.
   */
  sparseRam?: boolean;
}

/** What loadElf mapped and the registers a vCPU starts with. */
export interface LoadedElf {
  image: ElfImage;
  arch: GuestArch;
  ram: { slot: number; base: bigint; size: number; userspaceAddr: number };
  /** With sparseRam: the stack's slot, at the top of RAM (`ram` then holds the segments only). */
  stack?: { slot: number; base: bigint; size: number; userspaceAddr: number };
  /** Register name (step format) → value: pc, stack pointer, TOC, link register. */
  registers: Record<string, bigint>;
}

export const DEFAULT_RAM_BASE = 0x10_0000n;
export const DEFAULT_RAM_SIZE = 16 * 1024 * 1024;
/** sparseRam: bytes backed past the last segment, and below the top of RAM. */
export const SPARSE_HEAP_BYTES = 1024 * 1024;
export const SPARSE_STACK_BYTES = 1024 * 1024;
/**
 * The link register's value at entry: no RAM or device is there, so a return from
 * the entry function is a fetch fault at this address (runElf's 'returned').
 */
export const RETURN_ADDRESS = 0xf_f000n;

const FAMILY: Record<GuestArch, string> = {
  ppc64be: 'ppc64be', ppc64le: 'ppc64le', ppc32be: 'ppc32be', aarch64: 'aarch64', aarch64_be: 'aarch64_be', arm: 'arm', thumb: 'arm', armeb: 'armeb',
};

/**
 * Parses `bytes`, maps one RAM slot, copies each PT_LOAD segment (its bss zeroed) and
 * returns the entry registers. Throws ElfError (or SlotError for a slot in use) and
 * then leaves the machine as it was.
 */
export function loadElf(machine: Machine, bytes: Uint8Array, options: ElfLoadOptions = {}): LoadedElf {
  return loadChecked(machine, bytes, checkLoad(bytes, options), options);
}

/** What loadElf checks before it changes the machine: the parsed file, its architecture and the RAM range. Throws ElfError. */
export function checkLoad(bytes: Uint8Array, options: ElfLoadOptions = {}): { image: ElfImage; arch: GuestArch; base: bigint; size: number } {
  const image = parseElf(bytes);
  const arch = options.arch ?? image.arch;
  if (FAMILY[arch] === undefined || FAMILY[arch] !== FAMILY[image.arch]) {
    throw new ElfError(`--arch ${arch} cannot run this ${image.arch} file (e_machine ${image.machine}, ${image.bits}-bit ${image.endian}-endian)`);
  }
  const base = BigInt(options.ramBase ?? DEFAULT_RAM_BASE);
  const size = options.ramSize ?? DEFAULT_RAM_SIZE;
  if (base < 0n || base % 4096n !== 0n) throw new ElfError(`ramBase ${hex(base)} is not a page-aligned address`);
  if (!Number.isInteger(size) || size <= 0 || size % 4096 !== 0) throw new ElfError(`ramSize ${size} is not a positive multiple of 4096`);
  if (image.bits === 32 && base + BigInt(size) > 1n << 32n) throw new ElfError(`RAM ${hex(base)}+${hex(size)} does not fit a 32-bit guest`);
  for (const segment of image.segments) {
    if (segment.address < base || segment.address + BigInt(segment.memSize) > base + BigInt(size)) {
      throw new ElfError(`segment ${hex(segment.address)}..${hex(segment.address + BigInt(segment.memSize))} lies outside RAM ${hex(base)}..${hex(base + BigInt(size))} (see ramBase, ramSize)`);
    }
  }
  return { image, arch, base, size };
}

/** loadElf after checkLoad. */
function loadChecked(machine: Machine, bytes: Uint8Array, { image, arch, base, size }: ReturnType<typeof checkLoad>, options: ElfLoadOptions): LoadedElf {
  const slot = options.slot ?? 0;
  const [low, stack] = ramRegions(image, base, size, options.sparseRam ?? false);
  const mapped = mapRegions(machine, [low!, ...(stack ? [stack] : [])].map((region, i) => ({ slot: slot + i, base: base + BigInt(region.offset), size: region.size })));
  const ram = machine.backing(mapped[0]!.userspaceAddr, low!.size);
  for (const segment of image.segments) {
    const at = Number(segment.address - base);
    ram.set(bytes.subarray(segment.fileOffset, segment.fileOffset + segment.fileSize), at);
    ram.fill(0, at + segment.fileSize, at + segment.memSize);
  }
  const registers = entryRegisters(image, arch, ram, base, size);
  return { image, arch, ram: mapped[0]!, ...(mapped[1] ? { stack: mapped[1] } : {}), registers };
}

/** Offset and size within RAM of each backed region: all of it, or (sparse) the segments' part and the stack's. */
function ramRegions(image: ElfImage, base: bigint, size: number, sparse: boolean): Array<{ offset: number; size: number }> {
  const whole = [{ offset: 0, size }];
  if (!sparse) return whole;
  const segmentsEnd = image.segments.reduce((end, segment) => Math.max(end, Number(segment.address - base) + segment.memSize), 0);
  const lowSize = Math.ceil(segmentsEnd / 4096) * 4096 + SPARSE_HEAP_BYTES;
  if (lowSize + SPARSE_STACK_BYTES >= size) return whole;
  return [{ offset: 0, size: lowSize }, { offset: size - SPARSE_STACK_BYTES, size: SPARSE_STACK_BYTES }];
}

/**
 * Arena bytes loadElf(machine, bytes, options) backs RAM with: ramSize, or with sparseRam
 * what the file needs. A file or option loadElf refuses gets the whole RAM's (loadElf reports it).
 */
export function ramBackingBytes(bytes: Uint8Array, options: ElfLoadOptions = {}): number {
  const size = options.ramSize ?? DEFAULT_RAM_SIZE;
  if (!options.sparseRam) return size;
  try {
    return ramRegions(parseElf(bytes), BigInt(options.ramBase ?? DEFAULT_RAM_BASE), size, true).reduce((sum, region) => sum + region.size, 0);
  } catch {
    return size;
  }
}

type MappedRegion = { slot: number; base: bigint; size: number; userspaceAddr: number };

/** Backs each region and maps them as slots in one transaction; if one is refused, none is mapped, the backing is released, and the error rethrown. */
function mapRegions(machine: Machine, regions: Array<Omit<MappedRegion, 'userspaceAddr'>>): MappedRegion[] {
  const mapped: MappedRegion[] = [];
  try {
    for (const region of regions) mapped.push({ ...region, userspaceAddr: machine.allocateBacking(region.size) });
    // One transaction: one publication, so a fresh machine writes one of its table's two buffers.
    machine.setUserMemoryRegions(mapped.map((region) => ({ slot: region.slot, guestPhysAddr: region.base, memorySize: region.size, userspaceAddr: region.userspaceAddr })));
    return mapped;
  } catch (error) {
    for (const region of mapped) machine.releaseBacking(region.userspaceAddr);
    throw error;
  }
}

/** The ABI's registers at entry: pc, a stack at the top of RAM, the TOC, LR = RETURN_ADDRESS. */
function entryRegisters(image: ElfImage, arch: GuestArch, ram: Uint8Array, base: bigint, size: number): Record<string, bigint> {
  const top = base + BigInt(size);
  switch (arch) {
    case 'ppc64be':
    case 'ppc64le':
    case 'ppc32be': {
      // A minimal frame below the top whose back chain (zeroed RAM) ends the chain.
      const registers: Record<string, bigint> = { r1: top - 128n, lr: RETURN_ADDRESS, pc: image.entry };
      if (image.ppcAbi === 1) {
        // ELFv1: e_entry is _start's descriptor { code address, TOC, environment }.
        const view = new DataView(ram.buffer, ram.byteOffset, ram.byteLength);
        const at = Number(image.entry - base);
        const little = image.endian === 'little';
        registers.pc = view.getBigUint64(at, little);
        registers.r2 = view.getBigUint64(at + 8, little);
        registers.r11 = view.getBigUint64(at + 16, little);
      } else if (image.ppcAbi === 2) {
        // ELFv2: the global entry point derives the TOC from r12.
        registers.r12 = image.entry;
      }
      return registers;
    }
    case 'aarch64':
    case 'aarch64_be':
      return { sp: top, x30: RETURN_ADDRESS, pc: image.entry };
    default:
      return { r13: top, r14: RETURN_ADDRESS, pc: image.entry & ~1n };
  }
}
