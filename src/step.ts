// The `step` format: run a few instructions from given registers and memory (MMU
// off, the given ranges as RAM) and report every register, the ranges afterwards
// and the fault. The same format drives the Unicorn oracle (test/oracles/).

import { Machine } from './machine.js';
import { ARCHES, isGuestArch, type RegisterName } from './cpu/registers.js';
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


export class StepRunner {
  private slotsInUse: number[] = [];
  private backings: number[] = [];

  private constructor(private readonly machine: Machine, private readonly vcpu: Vcpu) {}

  static async create(): Promise<StepRunner> {
    const machine = await Machine.create({ vcpus: 1, arenaBytes: 2 * MAX_MAPPED });
    return new StepRunner(machine, new Vcpu(machine, 0, 'ppc64be'));
  }

  step(input: StepInput): StepOutput {
    try {
      return this.run(input);
    } catch (error) {
      return { error: error instanceof Error ? error.message : String(error) };
    }
  }

  private run(input: StepInput): StepOutput {
    if (!isGuestArch(input.arch)) return { error: `unsupported arch '${String(input.arch)}' (${Object.keys(ARCHES).join(', ')})` };
    const vcpu = this.vcpu.reset(input.arch);
    const spec = ARCHES[input.arch];
    if (!Array.isArray(input.insn) || input.insn.length === 0) return { error: 'insn must be a non-empty array of hex words' };
    const words = input.insn.map((word) => {
      const value = parseU64(word);
      if (value === undefined || value > 0xffffffffn) throw new Error(`instruction word ${JSON.stringify(word)} is not a 32-bit hex value`);
      return Number(value);
    });
    const registers = new Map<RegisterName, bigint>();
    for (const [name, raw] of Object.entries(input.regs ?? {})) {
      const value = parseU64(raw);
      if (value === undefined && !/^v/.test(name)) throw new Error(`register ${name}: ${JSON.stringify(raw)} is not a value`);
      const known = vcpu.registerNames.find((register) => register === name);
      if (known === undefined) throw new Error(`unknown register ${name}`);
      registers.set(known, value ?? BigInt(String(raw)));
    }
    const code = registers.get('pc') ?? DEFAULT_CODE_ADDRESS;
    const ranges = (input.mem ?? []).map(({ addr, hex: bytes }) => {
      const start = parseU64(addr);
      if (start === undefined || typeof bytes !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(bytes)) {
        throw new Error(`mem range ${JSON.stringify(addr)} needs an address and an even-length hex string`);
      }
      return { start, bytes: Uint8Array.from(bytes.match(/../g) ?? [], (pair) => parseInt(pair, 16)) };
    });
    this.map([{ start: code, length: spec.code(words).length }, ...ranges.map((range) => ({ start: range.start, length: range.bytes.length }))]);

    const codeBytes = spec.code(words);
    this.machine.writeBytes(code, codeBytes);
    for (const range of ranges) this.machine.writeBytes(range.start, range.bytes);

    vcpu.set('pc', code);
    for (const [name, value] of registers) vcpu.set(name, value);
    const exit = vcpu.run(spec.count(words));
    const values = vcpu.registers();
    const regs = Object.fromEntries(vcpu.registerNames.map((name) => [name, registerText(name, values[name]!)]));
    const mem = ranges.map((range) => ({
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
