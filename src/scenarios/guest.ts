// A few guest operations, written once per instruction set, from which every
// scenario's guest code is built with the assemblers: load an immediate, load and
// store a machine word, add, compare-and-branch, hypercall (and, on AArch64, the
// broadcast TLB invalidation and barrier). Registers are numbered 0..9 here: 0 is
// the hypercall's first argument register (r3, x0, r0), the rest follow it.

import { ppc, PpcProgram } from '../asm/ppc.js';
import { a64, A64Program } from '../asm/a64.js';
import { a32, t32, thumbBytes } from '../asm/aarch32.js';
import { Program } from '../asm/program.js';
import { EmuError, texts } from '../errors.js';
import type { GuestArch } from '../cpu/registers.js';

export const SCENARIO_ARCHES = ['ppc64be', 'ppc32be', 'aarch64', 'arm', 'thumb'] as const;
export type ScenarioArch = (typeof SCENARIO_ARCHES)[number];

export function isScenarioArch(arch: string): arch is ScenarioArch {
  return (SCENARIO_ARCHES as readonly string[]).includes(arch);
}

export interface GuestCode {
  readonly arch: ScenarioArch & GuestArch;
  /** Bytes of a machine word (the size of ld/st). */
  readonly wordBytes: 4 | 8;
  readonly program: Program;
  /** The architecture's register name for abstract register `r`. */
  registerName(r: number): string;
  li(r: number, value: bigint): this;
  mr(rd: number, rs: number): this;
  /** Loads the machine word at base + offset (a multiple of 8, below 4096). */
  ld(rt: number, base: number, offset?: number): this;
  st(rs: number, base: number, offset?: number): this;
  addi(rd: number, rs: number, imm: number): this;
  add(rd: number, ra: number, rb: number): this;
  beq(ra: number, rb: number, label: string): this;
  bne(ra: number, rb: number, label: string): this;
  b(label: string): this;
  label(name: string): this;
  hypercall(): this;
  bytes(): Uint8Array;
}

abstract class Base {
  abstract readonly program: Program;
  label(name: string): this {
    this.program.label(name);
    return this;
  }
  protected emit(...words: Array<number | number[]>): this {
    this.program.emit(...words);
    return this;
  }
}

class PpcGuest extends Base implements GuestCode {
  readonly program = new PpcProgram();
  readonly wordBytes: 4 | 8;
  constructor(readonly arch: 'ppc64be' | 'ppc32be') {
    super();
    this.wordBytes = arch === 'ppc64be' ? 8 : 4;
  }
  private r(n: number): number {
    return 3 + n;
  }
  registerName(n: number): string {
    return `r${this.r(n)}`;
  }
  li(n: number, value: bigint): this {
    const r = this.r(n);
    const word = BigInt.asUintN(32, value);
    if (value === -1n) return this.emit(ppc.li(r, -1));
    if (value >= 1n << 32n) {
      if (this.wordBytes === 4) throw new RangeError('a 32-bit PowerPC register takes 32-bit immediates');
      const high = Number(BigInt.asUintN(32, value >> 32n));
      const low = Number(value & 0xffff_ffffn);
      return this.emit(ppc.lis(r, (high >>> 16) << 16 >> 16), ppc.ori(r, r, high & 0xffff), ppc.rldicr(r, r, 32, 31),
        ppc.oris(r, r, low >>> 16), ppc.ori(r, r, low & 0xffff));
    }
    this.emit(ppc.lis(r, Number(word >> 16n) << 16 >> 16), ppc.ori(r, r, Number(word & 0xffffn)));
    // lis sign-extends on a 64-bit core: clear the high word again.
    if (this.wordBytes === 8) this.emit(ppc.rldicl(r, r, 0, 32));
    return this;
  }
  mr(rd: number, rs: number): this {
    return this.emit(ppc.mr(this.r(rd), this.r(rs)));
  }
  ld(rt: number, base: number, offset = 0): this {
    return this.emit(this.wordBytes === 8 ? ppc.ld(this.r(rt), offset, this.r(base)) : ppc.lwz(this.r(rt), offset, this.r(base)));
  }
  st(rs: number, base: number, offset = 0): this {
    return this.emit(this.wordBytes === 8 ? ppc.std(this.r(rs), offset, this.r(base)) : ppc.stw(this.r(rs), offset, this.r(base)));
  }
  addi(rd: number, rs: number, imm: number): this {
    return this.emit(ppc.addi(this.r(rd), this.r(rs), imm));
  }
  add(rd: number, ra: number, rb: number): this {
    return this.emit(ppc.add(this.r(rd), this.r(ra), this.r(rb)));
  }
  private compare(ra: number, rb: number): number {
    return this.wordBytes === 8 ? ppc.cmpd(0, this.r(ra), this.r(rb)) : ppc.cmpw(0, this.r(ra), this.r(rb));
  }
  beq(ra: number, rb: number, label: string): this {
    this.program.emit(this.compare(ra, rb)).branchTo((d) => ppc.beq(d), label);
    return this;
  }
  bne(ra: number, rb: number, label: string): this {
    this.program.emit(this.compare(ra, rb)).branchTo((d) => ppc.bne(d), label);
    return this;
  }
  b(label: string): this {
    this.program.branchTo((d) => ppc.b(d), label);
    return this;
  }
  hypercall(): this {
    return this.emit(ppc.sc());
  }
  /** tlbie for the page of the EA in register `r`, then eieio; tlbsync; ptesync (the broadcast's completion). */
  invalidatePage(r: number): this {
    return this.emit(ppc.tlbie(this.r(r)), ppc.eieio(), ppc.tlbsync(), ppc.ptesync());
  }
  barrier(): this {
    return this.emit(ppc.ptesync());
  }
  bytes(): Uint8Array {
    return this.program.bytes('big');
  }
}

class A64Guest extends Base implements GuestCode {
  readonly arch = 'aarch64' as const;
  readonly wordBytes = 8 as const;
  readonly program = new A64Program();
  registerName(n: number): string {
    return `x${n}`;
  }
  li(r: number, value: bigint): this {
    const bits = BigInt.asUintN(64, value);
    this.emit(a64.movz(r, Number(bits & 0xffffn)));
    for (let shift = 16; shift < 64; shift += 16) {
      const part = Number((bits >> BigInt(shift)) & 0xffffn);
      if (part !== 0) this.emit(a64.movk(r, part, shift));
    }
    return this;
  }
  mr(rd: number, rs: number): this {
    return this.emit(a64.add(rd, rs, 0));
  }
  ld(rt: number, base: number, offset = 0): this {
    return this.emit(a64.ldr(rt, base, offset));
  }
  st(rs: number, base: number, offset = 0): this {
    return this.emit(a64.str(rs, base, offset));
  }
  addi(rd: number, rs: number, imm: number): this {
    return this.emit(imm >= 0 ? a64.add(rd, rs, imm) : a64.sub(rd, rs, -imm));
  }
  add(rd: number, ra: number, rb: number): this {
    return this.emit(a64.addRegister(rd, ra, rb));
  }
  beq(ra: number, rb: number, label: string): this {
    this.program.emit(a64.subsRegister(31, ra, rb)).branchTo((d) => a64.bcond('eq', d), label);
    return this;
  }
  bne(ra: number, rb: number, label: string): this {
    this.program.emit(a64.subsRegister(31, ra, rb)).branchTo((d) => a64.bcond('ne', d), label);
    return this;
  }
  b(label: string): this {
    this.program.branchTo((d) => a64.b(d), label);
    return this;
  }
  hypercall(): this {
    return this.emit(a64.hvc());
  }
  /** TLBI VAE1IS for the page of the VA in register `r` (shifted into `scratch`), then DSB ISH. */
  invalidatePage(r: number, scratch: number): this {
    return this.emit(a64.addRegister(scratch, 31, r, 'lsr', 12), a64.tlbiVae1is(scratch), a64.dsb(0b1011));
  }
  barrier(): this {
    return this.emit(a64.dsb(0b1011));
  }
  bytes(): Uint8Array {
    return this.program.bytes('little');
  }
}

class A32Guest extends Base implements GuestCode {
  readonly arch = 'arm' as const;
  readonly wordBytes = 4 as const;
  readonly program = new Program();
  registerName(n: number): string {
    return `r${n}`;
  }
  li(r: number, value: bigint): this {
    const word = Number(BigInt.asUintN(32, value));
    this.emit(a32.movw(r, word & 0xffff));
    if (word >>> 16 !== 0) this.emit(a32.movt(r, word >>> 16));
    return this;
  }
  mr(rd: number, rs: number): this {
    return this.emit(a32.add(rd, rs, 0));
  }
  ld(rt: number, base: number, offset = 0): this {
    return this.emit(a32.ldr(rt, base, offset));
  }
  st(rs: number, base: number, offset = 0): this {
    return this.emit(a32.str(rs, base, offset));
  }
  addi(rd: number, rs: number, imm: number): this {
    return this.emit(imm >= 0 ? a32.add(rd, rs, imm) : a32.sub(rd, rs, -imm));
  }
  add(rd: number, ra: number, rb: number): this {
    return this.emit(a32.addRegister(rd, ra, rb));
  }
  // CMP (register): cond 0001 0101 Rn 0000 00000 000 Rm.
  private compare(ra: number, rb: number): number {
    return (0xe150_0000 | (ra << 16) | rb) >>> 0;
  }
  beq(ra: number, rb: number, label: string): this {
    this.program.emit(this.compare(ra, rb)).branchTo((d) => a32.b(d, 'eq'), label);
    return this;
  }
  bne(ra: number, rb: number, label: string): this {
    this.program.emit(this.compare(ra, rb)).branchTo((d) => a32.b(d, 'ne'), label);
    return this;
  }
  b(label: string): this {
    this.program.branchTo((d) => a32.b(d), label);
    return this;
  }
  hypercall(): this {
    return this.emit(a32.svc());
  }
  bytes(): Uint8Array {
    return this.program.bytes('little');
  }
}

/**
 * T32: every slot is four bytes (a 32-bit instruction, or a 16-bit one and a NOP), so
 * the labels and branches of Program work unchanged. r12 is the scratch register.
 */
class ThumbGuest extends Base implements GuestCode {
  readonly arch = 'thumb' as const;
  readonly wordBytes = 4 as const;
  readonly program = new Program();
  registerName(n: number): string {
    return `r${n}`;
  }
  li(r: number, value: bigint): this {
    const word = Number(BigInt.asUintN(32, value));
    this.emit(t32.movw(r, word & 0xffff));
    if (word >>> 16 !== 0) this.emit(t32.movt(r, word >>> 16));
    return this;
  }
  mr(rd: number, rs: number): this {
    return this.narrow(t32.mov(rd, rs));
  }
  ld(rt: number, base: number, offset = 0): this {
    return this.emit(t32.ldrWide(rt, base, offset));
  }
  st(rs: number, base: number, offset = 0): this {
    return this.emit(t32.strWide(rs, base, offset));
  }
  addi(rd: number, rs: number, imm: number): this {
    return this.li(SCRATCH, BigInt(imm)).add(rd, rs, SCRATCH);
  }
  add(rd: number, ra: number, rb: number): this {
    if (rd === rb) return this.narrow(t32.addRegister(rd, ra));
    if (rd !== ra) this.narrow(t32.mov(rd, ra));
    return this.narrow(t32.addRegister(rd, rb));
  }
  beq(ra: number, rb: number, label: string): this {
    this.narrow(t32.cmpRegister(ra, rb)).program.branchTo((d) => pad(t32.bcond('eq', d)), label);
    return this;
  }
  bne(ra: number, rb: number, label: string): this {
    this.narrow(t32.cmpRegister(ra, rb)).program.branchTo((d) => pad(t32.bcond('ne', d)), label);
    return this;
  }
  b(label: string): this {
    this.program.branchTo((d) => pad(t32.b(d)), label);
    return this;
  }
  hypercall(): this {
    return this.narrow(t32.svc());
  }
  bytes(): Uint8Array {
    return thumbBytes(this.program.words());
  }
  private narrow(instruction: number): this {
    return this.emit(pad(instruction));
  }
}

const SCRATCH = 12;

/** A 16-bit instruction followed by a NOP, as one 32-bit slot (first halfword in the high bits). */
function pad(instruction: number): number {
  return ((instruction << 16) | t32.nop()) >>> 0;
}

/** Guest code that can also invalidate a translation on every vCPU and wait for it. */
export interface MmuGuestCode extends GuestCode {
  invalidatePage(r: number, scratch: number): this;
  barrier(): this;
}

export function guestCode(arch: string): GuestCode {
  switch (arch) {
    case 'ppc64be': case 'ppc32be': return new PpcGuest(arch);
    case 'aarch64': return new A64Guest();
    case 'arm': return new A32Guest();
    case 'thumb': return new ThumbGuest();
    default: throw new EmuError('EINVAL', texts.badOption('arch', `scenarios run on ${SCENARIO_ARCHES.join(', ')}, not "${arch}"`));
  }
}

/** Guest code for an architecture whose guest MMU the engine runs (aarch64, ppc64be). */
export function mmuGuestCode(arch: string): MmuGuestCode {
  if (arch === 'aarch64') return new A64Guest();
  if (arch === 'ppc64be') return new PpcGuest(arch);
  throw new EmuError('EINVAL', texts.badOption('arch', 'needs a guest MMU: aarch64 (4 KiB stage 1) or ppc64be (radix)'));
}
