// An A64 assembler for the engine's subset: the load/store forms a guest program
// needs (unsigned offset, unscaled, pre/post-index, register offset, pairs,
// exclusives, acquire/release, LSE atomics, LD1/ST1 of 1-4 vector registers) and the interpreter's ADD/SUB, MOVZ/MOVK,
// CMP, B, B.cond, CBZ/CBNZ, SVC/HVC, barriers and TLBI. Registers are numbers; 31 is
// XZR/WZR as a transfer or data register and SP as a base. Each call returns a word.

import { Program } from './program.js';

const reg = (value: number, name: string): number => {
  if (!Number.isInteger(value) || value < 0 || value > 31) throw new RangeError(`${name} must be 0..31, got ${value}`);
  return value;
};

const fits = (value: number, bits: number, signed: boolean, name: string): number => {
  const low = signed ? -(2 ** (bits - 1)) : 0;
  const high = signed ? 2 ** (bits - 1) : 2 ** bits;
  if (!Number.isInteger(value) || value < low || value >= high) throw new RangeError(`${name} must fit ${bits} ${signed ? 'signed ' : ''}bits, got ${value}`);
  return value & (2 ** bits - 1);
};

const word = (value: number): number => value >>> 0;

/** log2 of an access size in bytes (1, 2, 4, 8). */
const sizeField = (bytes: number): number => {
  const log = [1, 2, 4, 8].indexOf(bytes);
  if (log < 0) throw new RangeError(`access size must be 1, 2, 4 or 8 bytes, got ${bytes}`);
  return log;
};

// opc for the single-register integer forms: 0 store, 1 load (zero-extend), 2 load signed to X, 3 load signed to W.
type Opc = 0 | 1 | 2 | 3;

function unsignedOffset(bytes: number, opc: Opc, rt: number, rn: number, offset: number): number {
  const size = sizeField(bytes);
  if (offset % bytes !== 0) throw new RangeError(`offset ${offset} is not a multiple of ${bytes}`);
  return word((size << 30) | (0b111001 << 24) | (opc << 22) | (fits(offset / bytes, 12, false, 'offset') << 10) | (reg(rn, 'rn') << 5) | reg(rt, 'rt'));
}

/** form: 0 unscaled (LDUR), 1 post-index, 3 pre-index. */
function imm9(bytes: number, opc: Opc, form: 0 | 1 | 3, rt: number, rn: number, offset: number): number {
  return word((sizeField(bytes) << 30) | (0b111000 << 24) | (opc << 22) | (fits(offset, 9, true, 'offset') << 12) | (form << 10) | (reg(rn, 'rn') << 5) | reg(rt, 'rt'));
}

type Extend = 'uxtw' | 'lsl' | 'sxtw' | 'sxtx';
const EXTEND_OPTION: Record<Extend, number> = { uxtw: 2, lsl: 3, sxtw: 6, sxtx: 7 };

function registerOffset(bytes: number, opc: Opc, rt: number, rn: number, rm: number, extend: Extend, shifted: boolean): number {
  return word((sizeField(bytes) << 30) | (0b111000 << 24) | (opc << 22) | (1 << 21) | (reg(rm, 'rm') << 16) | (EXTEND_OPTION[extend] << 13)
    | ((shifted ? 1 : 0) << 12) | (0b10 << 10) | (reg(rn, 'rn') << 5) | reg(rt, 'rt'));
}

/** form: 1 post-index, 2 signed offset, 3 pre-index; load or store; X (8) or W (4) registers. */
function pair(bytes: 4 | 8, load: boolean, form: 1 | 2 | 3, rt: number, rt2: number, rn: number, offset: number): number {
  if (offset % bytes !== 0) throw new RangeError(`pair offset ${offset} is not a multiple of ${bytes}`);
  return word(((bytes === 8 ? 2 : 0) << 30) | (0b101 << 27) | (form << 23) | ((load ? 1 : 0) << 22) | (fits(offset / bytes, 7, true, 'offset') << 15)
    | (reg(rt2, 'rt2') << 10) | (reg(rn, 'rn') << 5) | reg(rt, 'rt'));
}

/** Exclusive and ordered forms: o2 L o1 o0 as the ARM ARM's load/store exclusive table. */
function exclusive(bytes: number, o2: number, l: number, o1: number, o0: number, rs: number, rt2: number, rn: number, rt: number): number {
  return word((sizeField(bytes) << 30) | (0b001000 << 24) | (o2 << 23) | (l << 22) | (o1 << 21) | (reg(rs, 'rs') << 16) | (o0 << 15)
    | (reg(rt2, 'rt2') << 10) | (reg(rn, 'rn') << 5) | reg(rt, 'rt'));
}

type AtomicOp = 'add' | 'clr' | 'eor' | 'set' | 'smax' | 'smin' | 'umax' | 'umin' | 'swp';
const ATOMIC_OPC: Record<AtomicOp, [number, number]> = {
  add: [0, 0], clr: [0, 1], eor: [0, 2], set: [0, 3], smax: [0, 4], smin: [0, 5], umax: [0, 6], umin: [0, 7], swp: [1, 0],
};

/** LDADD/…/SWP with acquire (A) and release (R) bits. */
function atomicOp(op: AtomicOp, bytes: number, acquire: boolean, release: boolean, rs: number, rt: number, rn: number): number {
  const [o3, opc] = ATOMIC_OPC[op];
  return word((sizeField(bytes) << 30) | (0b111000 << 24) | ((acquire ? 1 : 0) << 23) | ((release ? 1 : 0) << 22) | (1 << 21)
    | (reg(rs, 'rs') << 16) | (o3 << 15) | (opc << 12) | (reg(rn, 'rn') << 5) | reg(rt, 'rt'));
}

function addSub(wide: boolean, subtract: boolean, setFlags: boolean, rd: number, rn: number, imm: number, shift12 = false): number {
  return word(((wide ? 1 : 0) << 31) | ((subtract ? 1 : 0) << 30) | ((setFlags ? 1 : 0) << 29) | (0b100010 << 23) | ((shift12 ? 1 : 0) << 22)
    | (fits(imm, 12, false, 'immediate') << 10) | (reg(rn, 'rn') << 5) | reg(rd, 'rd'));
}

function addSubRegister(wide: boolean, subtract: boolean, setFlags: boolean, rd: number, rn: number, rm: number, shift: 'lsl' | 'lsr' | 'asr' = 'lsl', amount = 0): number {
  const type = { lsl: 0, lsr: 1, asr: 2 }[shift];
  return word(((wide ? 1 : 0) << 31) | ((subtract ? 1 : 0) << 30) | ((setFlags ? 1 : 0) << 29) | (0b01011 << 24) | (type << 22)
    | (reg(rm, 'rm') << 16) | (fits(amount, wide ? 6 : 5, false, 'shift') << 10) | (reg(rn, 'rn') << 5) | reg(rd, 'rd'));
}

function move(wide: boolean, opc: 0 | 2 | 3, rd: number, imm: number, shift: number): number {
  if (shift % 16 !== 0 || shift < 0 || shift > (wide ? 48 : 16)) throw new RangeError(`shift must be 0, 16${wide ? ', 32 or 48' : ''}`);
  return word(((wide ? 1 : 0) << 31) | (opc << 29) | (0b100101 << 23) | ((shift / 16) << 21) | (fits(imm, 16, false, 'immediate') << 5) | reg(rd, 'rd'));
}

/** op0:op1:CRn:CRm:op2 (bits 20:5 of MSR/MRS, op0's high bit included) of the MMU registers. */
const SYSTEM_REGISTERS = { sctlr_el1: 0xc080, tcr_el1: 0xc102, ttbr0_el1: 0xc100, ttbr1_el1: 0xc101, mair_el1: 0xc510 } as const;
/** A SIMD arrangement: lanes and lane size (Q = 1 for the 128-bit ones). */
export type Arrangement = '8b' | '16b' | '4h' | '8h' | '2s' | '4s' | '1d' | '2d';
const ARRANGEMENTS: readonly Arrangement[] = ['8b', '16b', '4h', '8h', '2s', '4s', '1d', '2d'];
/** LD1/ST1 (multiple structures) opcode for 1, 2, 3 and 4 registers. */
const LD1_OPCODES = [0b0111, 0b1010, 0b0110, 0b0010] as const;

/**
 * LD1/ST1 {Vt.<T>, ...} of `count` registers (Vt+1 of V31 is V0), at [Xn|SP]; `post` is
 * the post-index: 'imm' (the transfer size) or a register Xm.
 */
function ld1st1(load: boolean, rt: number, count: number, arrangement: Arrangement, rn: number, post?: 'imm' | number): number {
  const opcode = LD1_OPCODES[count - 1];
  const form = ARRANGEMENTS.indexOf(arrangement);
  if (opcode === undefined) throw new RangeError(`LD1/ST1 take 1 to 4 registers, got ${count}`);
  if (form < 0) throw new RangeError(`unknown arrangement ${arrangement}`);
  if (post === 31) throw new RangeError('post-index register 31 is the immediate form: pass "imm"');
  const rm = post === undefined ? 0 : post === 'imm' ? 31 : reg(post, 'rm');
  return word(((form & 1) << 30) | (0b0011 << 26) | ((post === undefined ? 0 : 1) << 23) | ((load ? 1 : 0) << 22)
    | (rm << 16) | (opcode << 12) | ((form >> 1) << 10) | (reg(rn, 'rn') << 5) | reg(rt, 'rt'));
}

export type SystemRegister = keyof typeof SYSTEM_REGISTERS;

const CONDITIONS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al'] as const;
export type Condition = (typeof CONDITIONS)[number];

const branchOffset = (offset: number, bits: number): number => {
  if (offset % 4 !== 0) throw new RangeError('branch offset must be a multiple of 4');
  return fits(offset / 4, bits, true, 'branch offset');
};

export const a64 = {
  ldr: (rt: number, rn: number, offset = 0, bytes = 8) => unsignedOffset(bytes, 1, rt, rn, offset),
  str: (rt: number, rn: number, offset = 0, bytes = 8) => unsignedOffset(bytes, 0, rt, rn, offset),
  /** LDRSB/LDRSH/LDRSW into X. */
  ldrs: (rt: number, rn: number, offset = 0, bytes: 1 | 2 | 4 = 4) => unsignedOffset(bytes, 2, rt, rn, offset),
  ldur: (rt: number, rn: number, offset: number, bytes = 8) => imm9(bytes, 1, 0, rt, rn, offset),
  stur: (rt: number, rn: number, offset: number, bytes = 8) => imm9(bytes, 0, 0, rt, rn, offset),
  ldrPost: (rt: number, rn: number, offset: number, bytes = 8) => imm9(bytes, 1, 1, rt, rn, offset),
  strPost: (rt: number, rn: number, offset: number, bytes = 8) => imm9(bytes, 0, 1, rt, rn, offset),
  ldrPre: (rt: number, rn: number, offset: number, bytes = 8) => imm9(bytes, 1, 3, rt, rn, offset),
  strPre: (rt: number, rn: number, offset: number, bytes = 8) => imm9(bytes, 0, 3, rt, rn, offset),
  ldrRegister: (rt: number, rn: number, rm: number, extend: Extend = 'lsl', shifted = false, bytes = 8) => registerOffset(bytes, 1, rt, rn, rm, extend, shifted),
  strRegister: (rt: number, rn: number, rm: number, extend: Extend = 'lsl', shifted = false, bytes = 8) => registerOffset(bytes, 0, rt, rn, rm, extend, shifted),
  ldp: (rt: number, rt2: number, rn: number, offset = 0, bytes: 4 | 8 = 8) => pair(bytes, true, 2, rt, rt2, rn, offset),
  stp: (rt: number, rt2: number, rn: number, offset = 0, bytes: 4 | 8 = 8) => pair(bytes, false, 2, rt, rt2, rn, offset),
  ldpPost: (rt: number, rt2: number, rn: number, offset: number, bytes: 4 | 8 = 8) => pair(bytes, true, 1, rt, rt2, rn, offset),
  stpPre: (rt: number, rt2: number, rn: number, offset: number, bytes: 4 | 8 = 8) => pair(bytes, false, 3, rt, rt2, rn, offset),
  ldxr: (rt: number, rn: number, bytes = 8) => exclusive(bytes, 0, 1, 0, 0, 31, 31, rn, rt),
  stxr: (rs: number, rt: number, rn: number, bytes = 8) => exclusive(bytes, 0, 0, 0, 0, rs, 31, rn, rt),
  ldaxr: (rt: number, rn: number, bytes = 8) => exclusive(bytes, 0, 1, 0, 1, 31, 31, rn, rt),
  stlxr: (rs: number, rt: number, rn: number, bytes = 8) => exclusive(bytes, 0, 0, 0, 1, rs, 31, rn, rt),
  ldar: (rt: number, rn: number, bytes = 8) => exclusive(bytes, 1, 1, 0, 1, 31, 31, rn, rt),
  stlr: (rt: number, rn: number, bytes = 8) => exclusive(bytes, 1, 0, 0, 1, 31, 31, rn, rt),
  atomic: atomicOp,
  ld1: (rt: number, count: number, arrangement: Arrangement, rn: number, post?: 'imm' | number) => ld1st1(true, rt, count, arrangement, rn, post),
  st1: (rt: number, count: number, arrangement: Arrangement, rn: number, post?: 'imm' | number) => ld1st1(false, rt, count, arrangement, rn, post),
  cas: (rs: number, rt: number, rn: number, bytes = 8, acquire = false, release = false) =>
    word((sizeField(bytes) << 30) | (0b001000 << 24) | (1 << 23) | ((acquire ? 1 : 0) << 22) | (1 << 21) | (reg(rs, 'rs') << 16)
      | ((release ? 1 : 0) << 15) | (31 << 10) | (reg(rn, 'rn') << 5) | reg(rt, 'rt')),
  add: (rd: number, rn: number, imm: number, wide = true) => addSub(wide, false, false, rd, rn, imm),
  sub: (rd: number, rn: number, imm: number, wide = true) => addSub(wide, true, false, rd, rn, imm),
  subs: (rd: number, rn: number, imm: number, wide = true) => addSub(wide, true, true, rd, rn, imm),
  cmp: (rn: number, imm: number, wide = true) => addSub(wide, true, true, 31, rn, imm),
  addRegister: (rd: number, rn: number, rm: number, shift: 'lsl' | 'lsr' | 'asr' = 'lsl', amount = 0, wide = true) =>
    addSubRegister(wide, false, false, rd, rn, rm, shift, amount),
  subsRegister: (rd: number, rn: number, rm: number, wide = true) => addSubRegister(wide, true, true, rd, rn, rm),
  movz: (rd: number, imm: number, shift = 0, wide = true) => move(wide, 2, rd, imm, shift),
  movk: (rd: number, imm: number, shift = 0, wide = true) => move(wide, 3, rd, imm, shift),
  movn: (rd: number, imm: number, shift = 0, wide = true) => move(wide, 0, rd, imm, shift),
  b: (offset: number) => word((0b000101 << 26) | branchOffset(offset, 26)),
  bl: (offset: number) => word((0b100101 << 26) | branchOffset(offset, 26)),
  bcond: (cond: Condition, offset: number) => word((0b01010100 << 24) | (branchOffset(offset, 19) << 5) | CONDITIONS.indexOf(cond)),
  cbz: (rt: number, offset: number, wide = true) => word(((wide ? 1 : 0) << 31) | (0b0110100 << 24) | (branchOffset(offset, 19) << 5) | reg(rt, 'rt')),
  cbnz: (rt: number, offset: number, wide = true) => word(((wide ? 1 : 0) << 31) | (0b0110101 << 24) | (branchOffset(offset, 19) << 5) | reg(rt, 'rt')),
  svc: (imm = 0) => word(0xd4000001 | (fits(imm, 16, false, 'immediate') << 5)),
  hvc: (imm = 0) => word(0xd4000002 | (fits(imm, 16, false, 'immediate') << 5)),
  nop: () => 0xd503201f,
  dsb: (option = 0b1111) => word(0xd503309f | (fits(option, 4, false, 'option') << 8)),
  dmb: (option = 0b1111) => word(0xd50330bf | (fits(option, 4, false, 'option') << 8)),
  isb: () => 0xd5033fdf,
  /** TLBI VAE1, Xt (local, by VA: Xt holds VA[55:12]). */
  tlbiVae1: (rt: number) => word(0xd5088720 | reg(rt, 'rt')),
  /** TLBI VAE1IS, Xt (broadcast by VA). */
  tlbiVae1is: (rt: number) => word(0xd5088320 | reg(rt, 'rt')),
  /** MSR <sysreg>, Xt / MRS Xt, <sysreg> for the MMU registers the interpreter keeps. */
  msr: (register: SystemRegister, rt: number) => word(0xd5100000 | (SYSTEM_REGISTERS[register] << 5) | reg(rt, 'rt')),
  mrs: (rt: number, register: SystemRegister) => word(0xd5300000 | (SYSTEM_REGISTERS[register] << 5) | reg(rt, 'rt')),
  /** TLBI VMALLE1 (local, all). */
  tlbiVmalle1: () => 0xd508871f,
  /** TLBI ASIDE1, Xt (local, by ASID: Xt[63:48]). */
  tlbiAside1: (rt: number) => word(0xd5088740 | reg(rt, 'rt')),
  /** TLBI ASIDE1IS, Xt (broadcast by ASID). */
  tlbiAside1is: (rt: number) => word(0xd5088340 | reg(rt, 'rt')),
};

/** An A64 program; its instructions are little-endian. */
export class A64Program extends Program {
  override bytes(endian: 'big' | 'little' = 'little'): Uint8Array {
    return super.bytes(endian);
  }
}
