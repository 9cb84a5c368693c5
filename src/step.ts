// The `step` format: run a few instructions from given registers and memory (MMU
// off, the given ranges as RAM) and report every register, the ranges afterwards
// and the fault. The same format drives the Unicorn oracle (test/oracles/).

import { Machine } from './machine.js';
import { ARCHES, GUEST_ARCHES, canonicalRegister, isGuestArch, type GuestArch, type RegisterAlias, type RegisterName } from './cpu/registers.js';
import { Vcpu, type VcpuExit } from './cpu/vcpu.js';
import { hex, parseU64 } from './values.js';

export interface StepInput {
  arch: string;
  insn: string[];
  regs?: Record<string, string | number>;
  mem?: Array<{ addr: string | number; hex: string }>;
}

export interface StepFault {
  kind: 'unmapped-read' | 'unmapped-write' | 'unmapped-fetch' | 'illegal' | 'unaligned' | 'device-error' | 'translation' | 'trap';
  addr: string;
}

export type StepOutput =
  | { regs: Record<string, string>; mem: Array<{ addr: string; hex: string }>; fault: StepFault | null }
  | { error: string };

export const DEFAULT_CODE_ADDRESS = 0x100000n;
const PAGE = 4096n;
const MAX_MAPPED = 8 * 1024 * 1024;
const U128_MAX = (1n << 128n) - 1n;
/** KVM refuses a slot that ends at 2^64, so the last page can hold neither code nor a range. */
const LAST_PAGE = (1n << 64n) - PAGE;
const LAST_PAGE_TEXT = `the last page below 2^64 (${hex(LAST_PAGE)}), which no memory slot can hold`;

interface ParsedInput {
  arch: GuestArch;
  words: number[];
  regs: Array<[string, bigint]>;
  ranges: Array<{ start: bigint; bytes: Uint8Array }>;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a line's shape and values (other keys, such as an "id", are ignored); throws an Error whose message names the bad field. */
function parseInput(input: unknown): ParsedInput {
  if (!isRecord(input)) throw new Error('a line must be a JSON object {"arch", "insn", "regs", "mem"}');
  const { arch, insn, regs = {}, mem = [] } = input;
  if (typeof arch !== 'string' || !isGuestArch(arch)) throw new Error(`arch ${JSON.stringify(arch)} is not one of ${GUEST_ARCHES.join(', ')}`);
  if (!Array.isArray(insn) || insn.length === 0) throw new Error('insn must be a non-empty array of hex words');
  const words = insn.map((word, index) => {
    const value = parseU64(word);
    if (value === undefined || value > 0xffffffffn) throw new Error(`insn[${index}]: ${JSON.stringify(word)} is not a 32-bit value`);
    return Number(value);
  });
  if (!isRecord(regs)) throw new Error('regs must be an object {"name": "0x…"}');
  const registers = Object.entries(regs).map(([name, raw]): [string, bigint] => {
    const value = parseWide(raw);
    const max = /^v[0-9]/.test(name) ? U128_MAX : (1n << 64n) - 1n;
    if (value === undefined || value > max) throw new Error(`regs.${name}: ${JSON.stringify(raw)} is not a ${max === U128_MAX ? 128 : 64}-bit value`);
    return [name, value];
  });
  if (!Array.isArray(mem)) throw new Error('mem must be an array of {"addr", "hex"}');
  const ranges = mem.map((range: unknown, index) => {
    const start = isRecord(range) ? parseU64(range.addr) : undefined;
    const bytes = isRecord(range) ? range.hex : undefined;
    if (start === undefined || typeof bytes !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(bytes)) {
      throw new Error(`mem[${index}] needs an "addr" (a u64) and an even-length "hex" string`);
    }
    if (start + BigInt(bytes.length / 2) > LAST_PAGE) throw new Error(`mem[${index}]: ${bytes.length / 2} bytes at ${hex(start)} reach ${LAST_PAGE_TEXT}`);
    return { start, bytes: Uint8Array.from(bytes.match(/../g) ?? [], (pair) => parseInt(pair, 16)) };
  });
  return { arch, words, regs: registers, ranges };
}

/** A non-negative value up to 128 bits: a safe integer, or a decimal / "0x…" string. */
function parseWide(raw: unknown): bigint | undefined {
  if (typeof raw === 'number') return parseU64(raw);
  if (typeof raw !== 'string' || !/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(raw.trim())) return undefined;
  return BigInt(raw.trim());
}


export class StepRunner {
  private slotsInUse: number[] = [];
  private backings: number[] = [];

  private constructor(private readonly machine: Machine, private readonly vcpu: Vcpu) {}

  static async create(): Promise<StepRunner> {
    const machine = await Machine.create({ vcpus: 1, arenaBytes: 2 * MAX_MAPPED });
    return new StepRunner(machine, new Vcpu(machine, 0, 'ppc64be'));
  }

  /** Runs one line; a line that cannot run (any JSON value that is not a valid StepInput) gets `{error}` saying why. */
  step(input: StepInput): StepOutput {
    try {
      return this.run(parseInput(input));
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  private run(input: ParsedInput): StepOutput {
    const vcpu = this.vcpu.reset(input.arch);
    const spec = ARCHES[input.arch];
    const registers = new Map<RegisterName | RegisterAlias, bigint>();
    const givenAs = new Map<string, string>();
    for (const [given, value] of input.regs) {
      const name = canonicalRegister(spec, given);
      if (!vcpu.isRegister(name)) throw new Error(`regs: unknown register "${given}" for ${input.arch}`);
      if (givenAs.has(name)) throw new Error(`regs: "${givenAs.get(name)}" and "${given}" both name ${name}`);
      givenAs.set(name, given);
      registers.set(name, value);
    }
    const pcName = canonicalRegister(spec, 'pc');
    if (!vcpu.isRegister(pcName)) throw new Error(`${input.arch} has no pc register`);
    const code = registers.get(pcName) ?? DEFAULT_CODE_ADDRESS;
    const alignment = input.arch === 'thumb' ? 2n : 4n;
    const map = this.machine.map;
    const addressBits = (spec.mode(map) & map.MODE_64) !== 0 ? 64n : 32n;
    const codeBytes = spec.code(input.words);
    if (code % alignment !== 0n) throw new Error(`regs: ${pcName} ${hex(code)} (the code address) is not a multiple of ${alignment}`);
    if (code + BigInt(codeBytes.length) > 1n << addressBits) throw new Error(`regs: the code at ${hex(code)} runs past ${input.arch}'s ${addressBits}-bit address space`);
    if (code + BigInt(codeBytes.length) > LAST_PAGE) throw new Error(`regs: the code at ${hex(code)} reaches ${LAST_PAGE_TEXT}`);
    this.map([{ start: code, length: codeBytes.length }, ...input.ranges.map((range) => ({ start: range.start, length: range.bytes.length }))]);
    this.machine.writeBytes(code, codeBytes);
    for (const range of input.ranges) this.machine.writeBytes(range.start, range.bytes);

    for (const [name, value] of registers) vcpu.set(name, value);
    vcpu.set(pcName, code);
    const exit = vcpu.run(spec.count(input.words));
    const values = vcpu.registers();
    const regs = Object.fromEntries(vcpu.registerNames.map((name) => [name, registerText(name, values[name]!)]));
    const mem = input.ranges.map((range) => ({
      addr: hex(range.start),
      hex: Buffer.from(this.machine.readBytes(range.start, range.bytes.length)).toString('hex'),
    }));
    return { regs, mem, fault: faultOf(exit) };
  }

  /** Makes exactly the pages under `ranges` RAM (fresh, zeroed), in as few slots as they merge into. */
  private map(ranges: Array<{ start: bigint; length: number }>): void {
    for (const slot of this.slotsInUse) this.machine.setUserMemoryRegion({ slot, guestPhysAddr: 0, memorySize: 0, userspaceAddr: 0 });
    for (const backing of this.backings) this.machine.releaseBacking(backing);
    this.slotsInUse = [];
    this.backings = [];
    const pages = ranges.filter((range) => range.length > 0)
      .map((range) => ({ start: range.start & ~(PAGE - 1n), end: (range.start + BigInt(range.length) + PAGE - 1n) & ~(PAGE - 1n) }))
      .sort((a, b) => (a.start < b.start ? -1 : 1));
    const merged: Array<{ start: bigint; end: bigint }> = [];
    for (const page of pages) {
      const last = merged[merged.length - 1];
      if (last && page.start <= last.end) last.end = page.end > last.end ? page.end : last.end;
      else merged.push({ ...page });
    }
    const total = merged.reduce((sum, region) => sum + Number(region.end - region.start), 0);
    if (total > MAX_MAPPED) throw new Error(`the ranges span ${total} bytes; at most ${MAX_MAPPED} can be mapped`);
    merged.forEach((region, slot) => {
      const size = Number(region.end - region.start);
      const backing = this.machine.allocateBacking(size);
      this.backings.push(backing);
      this.machine.setUserMemoryRegion({ slot, guestPhysAddr: region.start, memorySize: size, userspaceAddr: backing });
      this.slotsInUse.push(slot);
    });
  }
}

function faultOf(exit: VcpuExit): StepFault | null {
  switch (exit.reason) {
    case 'budget':
    case 'hypercall':
      return null;
    case 'mmio': return { kind: exit.write ? 'unmapped-write' : 'unmapped-read', addr: hex(exit.gpa) };
    case 'device-error': return { kind: 'device-error', addr: hex(exit.gpa) };
    case 'fault': {
      const kinds = { alignment: 'unaligned', translation: 'translation', trap: 'trap', fetch: 'unmapped-fetch', truncated: 'unmapped-fetch' } as const;
      return { kind: kinds[exit.kind], addr: hex(exit.address) };
    }
    case 'undefined': return { kind: 'illegal', addr: hex(exit.pc) };
  }
}

/** Registers as hex; A64 vector registers always with 32 digits (as the Unicorn harness prints them). */
function registerText(name: string, value: bigint): string {
  return /^v[0-9]/.test(name) && value >= 0n ? `0x${value.toString(16).padStart(32, '0')}` : hex(value);
}
