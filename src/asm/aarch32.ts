// A32 and T32 assemblers for the engine's subset: the loads and stores a guest
// program needs and the interpreter's MOV/ADD/SUB/CMP, branches, SVC, barriers and
// coprocessor transfers (MCR/MRC/MCRR/MRRC).
// A32 calls take an optional condition (default 'al'); T32 calls return a 16-bit
// value or a 32-bit word with its first halfword in the high bits (the step format's
// convention). Registers are numbers 0-15 (13 SP, 14 LR, 15 PC).

const CONDITIONS = ['eq', 'ne', 'cs', 'cc', 'mi', 'pl', 'vs', 'vc', 'hi', 'ls', 'ge', 'lt', 'gt', 'le', 'al'] as const;
export type ArmCondition = (typeof CONDITIONS)[number];

const reg = (value: number, name: string, limit = 15): number => {
  if (!Number.isInteger(value) || value < 0 || value > limit) throw new RangeError(`${name} must be 0..${limit}, got ${value}`);
  return value;
};

const unsigned = (value: number, bits: number, name: string): number => {
  if (!Number.isInteger(value) || value < 0 || value >= 2 ** bits) throw new RangeError(`${name} must fit ${bits} bits, got ${value}`);
  return value;
};

const word = (value: number): number => value >>> 0;
const cond = (c: ArmCondition): number => CONDITIONS.indexOf(c) << 28;

/** A32 modified immediate: an 8-bit value rotated right by an even amount. */
function modifiedImmediate(value: number): number {
  for (let rotate = 0; rotate < 32; rotate += 2) {
    const rotated = ((value << rotate) | (value >>> (32 - rotate))) >>> 0;
    if (rotated < 256) return ((rotate / 2) << 8) | rotated;
  }
  throw new RangeError(`${value} is not an A32 modified immediate`);
}

/** LDR/STR/LDRB/STRB with a signed 12-bit immediate: pre-index (optionally writeback) or post-index. */
function singleImmediate(load: boolean, byte: boolean, rt: number, rn: number, offset: number, mode: 'offset' | 'pre' | 'post', c: ArmCondition): number {
  const magnitude = unsigned(Math.abs(offset), 12, 'offset');
  const p = mode === 'post' ? 0 : 1;
  const w = mode === 'pre' ? 1 : 0;
  return word(cond(c) | (0b010 << 25) | (p << 24) | ((offset >= 0 ? 1 : 0) << 23) | ((byte ? 1 : 0) << 22) | (w << 21) | ((load ? 1 : 0) << 20)
    | (reg(rn, 'rn') << 16) | (reg(rt, 'rt') << 12) | magnitude);
}

/** LDRH/STRH/LDRD/STRD/LDRSB/LDRSH (immediate offset): op2 selects the form as in the encoding (bits 6:5). */
function extraImmediate(load: boolean, op2: number, rt: number, rn: number, offset: number, c: ArmCondition): number {
  const magnitude = unsigned(Math.abs(offset), 8, 'offset');
  return word(cond(c) | (1 << 24) | ((offset >= 0 ? 1 : 0) << 23) | (1 << 22) | ((load ? 1 : 0) << 20) | (reg(rn, 'rn') << 16)
    | (reg(rt, 'rt') << 12) | ((magnitude >> 4) << 8) | (1 << 7) | (op2 << 5) | (1 << 4) | (magnitude & 15));
}

function dataProcessing(opcode: number, setFlags: boolean, rd: number, rn: number, imm: number, c: ArmCondition): number {
  return word(cond(c) | (1 << 25) | (opcode << 21) | ((setFlags ? 1 : 0) << 20) | (reg(rn, 'rn') << 16) | (reg(rd, 'rd') << 12) | modifiedImmediate(imm));
}

const listOf = (registers: number[]): number => registers.reduce((mask, r) => mask | (1 << reg(r, 'register')), 0);

const branchField = (offset: number, bits: number, scale: number): number => {
  if (offset % scale !== 0) throw new RangeError(`branch offset must be a multiple of ${scale}`);
  const value = offset / scale;
  if (value < -(2 ** (bits - 1)) || value >= 2 ** (bits - 1)) throw new RangeError(`branch offset ${offset} out of range`);
  return value & (2 ** bits - 1);
};

/** MCR/MRC (cond 0b1110 for T32): coprocessor `coproc`, opc1, Rt, CRn, CRm, opc2. */
function coprocessorTransfer(read: boolean, coproc: number, opc1: number, rt: number, crn: number, crm: number, opc2: number, c: ArmCondition): number {
  return word(cond(c) | (0b1110 << 24) | (unsigned(opc1, 3, 'opc1') << 21) | ((read ? 1 : 0) << 20) | (reg(crn, 'crn') << 16)
    | (reg(rt, 'rt') << 12) | (reg(coproc, 'coproc') << 8) | (unsigned(opc2, 3, 'opc2') << 5) | (1 << 4) | reg(crm, 'crm'));
}

/** MCRR/MRRC (cond 0b1110 for T32): Rt the low word, Rt2 the high one. */
function coprocessorTransfer64(read: boolean, coproc: number, opc1: number, rt: number, rt2: number, crm: number, c: ArmCondition): number {
  return word(cond(c) | (0b1100010 << 21) | ((read ? 1 : 0) << 20) | (reg(rt2, 'rt2') << 16) | (reg(rt, 'rt') << 12)
    | (reg(coproc, 'coproc') << 8) | (unsigned(opc1, 4, 'opc1') << 4) | reg(crm, 'crm'));
}

export const a32 = {
  ldr: (rt: number, rn: number, offset = 0, mode: 'offset' | 'pre' | 'post' = 'offset', c: ArmCondition = 'al') => singleImmediate(true, false, rt, rn, offset, mode, c),
  str: (rt: number, rn: number, offset = 0, mode: 'offset' | 'pre' | 'post' = 'offset', c: ArmCondition = 'al') => singleImmediate(false, false, rt, rn, offset, mode, c),
  ldrb: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => singleImmediate(true, true, rt, rn, offset, 'offset', c),
  strb: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => singleImmediate(false, true, rt, rn, offset, 'offset', c),
  ldrh: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => extraImmediate(true, 1, rt, rn, offset, c),
  strh: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => extraImmediate(false, 1, rt, rn, offset, c),
  ldrsb: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => extraImmediate(true, 2, rt, rn, offset, c),
  ldrsh: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => extraImmediate(true, 3, rt, rn, offset, c),
  ldrd: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => extraImmediate(false, 2, rt, rn, offset, c),
  strd: (rt: number, rn: number, offset = 0, c: ArmCondition = 'al') => extraImmediate(false, 3, rt, rn, offset, c),
  /** LDM (IA); `writeback` adds '!'. */
  ldm: (rn: number, registers: number[], writeback = false, c: ArmCondition = 'al') =>
    word(cond(c) | (0b100010 << 22) | ((writeback ? 1 : 0) << 21) | (1 << 20) | (reg(rn, 'rn') << 16) | listOf(registers)),
  /** STMDB with writeback is PUSH when rn is SP. */
  stmdb: (rn: number, registers: number[], writeback = true, c: ArmCondition = 'al') =>
    word(cond(c) | (0b100100 << 22) | ((writeback ? 1 : 0) << 21) | (reg(rn, 'rn') << 16) | listOf(registers)),
  push: (registers: number[], c: ArmCondition = 'al') => word(cond(c) | 0x092d0000 | listOf(registers)),
  pop: (registers: number[], c: ArmCondition = 'al') => word(cond(c) | 0x08bd0000 | listOf(registers)),
  ldrex: (rt: number, rn: number, c: ArmCondition = 'al') => word(cond(c) | 0x01900f9f | (reg(rn, 'rn') << 16) | (reg(rt, 'rt') << 12)),
  strex: (rd: number, rt: number, rn: number, c: ArmCondition = 'al') =>
    word(cond(c) | 0x01800f90 | (reg(rn, 'rn') << 16) | (reg(rd, 'rd') << 12) | reg(rt, 'rt')),
  mov: (rd: number, imm: number, c: ArmCondition = 'al') => dataProcessing(13, false, rd, 0, imm, c),
  movw: (rd: number, imm: number, c: ArmCondition = 'al') =>
    word(cond(c) | 0x03000000 | ((unsigned(imm, 16, 'immediate') >> 12) << 16) | (reg(rd, 'rd') << 12) | (imm & 0xfff)),
  movt: (rd: number, imm: number, c: ArmCondition = 'al') =>
    word(cond(c) | 0x03400000 | ((unsigned(imm, 16, 'immediate') >> 12) << 16) | (reg(rd, 'rd') << 12) | (imm & 0xfff)),
  add: (rd: number, rn: number, imm: number, c: ArmCondition = 'al') => dataProcessing(4, false, rd, rn, imm, c),
  adds: (rd: number, rn: number, imm: number, c: ArmCondition = 'al') => dataProcessing(4, true, rd, rn, imm, c),
  sub: (rd: number, rn: number, imm: number, c: ArmCondition = 'al') => dataProcessing(2, false, rd, rn, imm, c),
  subs: (rd: number, rn: number, imm: number, c: ArmCondition = 'al') => dataProcessing(2, true, rd, rn, imm, c),
  cmp: (rn: number, imm: number, c: ArmCondition = 'al') => dataProcessing(10, true, 0, rn, imm, c),
  addRegister: (rd: number, rn: number, rm: number, c: ArmCondition = 'al') =>
    word(cond(c) | (4 << 21) | (reg(rn, 'rn') << 16) | (reg(rd, 'rd') << 12) | reg(rm, 'rm')),
  /** B to `offset` bytes from this instruction. */
  b: (offset: number, c: ArmCondition = 'al') => word(cond(c) | (0b1010 << 24) | branchField(offset - 8, 24, 4)),
  bl: (offset: number, c: ArmCondition = 'al') => word(cond(c) | (0b1011 << 24) | branchField(offset - 8, 24, 4)),
  bx: (rm: number, c: ArmCondition = 'al') => word(cond(c) | 0x012fff10 | reg(rm, 'rm')),
  svc: (imm = 0, c: ArmCondition = 'al') => word(cond(c) | 0x0f000000 | unsigned(imm, 24, 'immediate')),
  dsb: () => 0xf57ff04f,
  isb: () => 0xf57ff06f,
  nop: () => 0xe320f000,
  /** MCR p<coproc>, opc1, Rt, CRn, CRm, opc2 (e.g. mcr(15, 0, 0, 1, 0, 0) writes r0 to SCTLR). */
  mcr: (coproc: number, opc1: number, rt: number, crn: number, crm: number, opc2 = 0, c: ArmCondition = 'al') =>
    coprocessorTransfer(false, coproc, opc1, rt, crn, crm, opc2, c),
  mrc: (coproc: number, opc1: number, rt: number, crn: number, crm: number, opc2 = 0, c: ArmCondition = 'al') =>
    coprocessorTransfer(true, coproc, opc1, rt, crn, crm, opc2, c),
  /** MCRR p<coproc>, opc1, Rt, Rt2, CRm (e.g. mcrr(15, 0, 0, 1, 2) writes r1:r0 to the 64-bit TTBR0). */
  mcrr: (coproc: number, opc1: number, rt: number, rt2: number, crm: number, c: ArmCondition = 'al') =>
    coprocessorTransfer64(false, coproc, opc1, rt, rt2, crm, c),
  mrrc: (coproc: number, opc1: number, rt: number, rt2: number, crm: number, c: ArmCondition = 'al') =>
    coprocessorTransfer64(true, coproc, opc1, rt, rt2, crm, c),
};

const lowReg = (value: number, name: string) => reg(value, name, 7);
const wide = (hw1: number, hw2: number): number => word((hw1 << 16) | hw2);

export const t32 = {
  movs: (rd: number, imm: number) => (0x2000 | (lowReg(rd, 'rd') << 8) | unsigned(imm, 8, 'immediate')),
  cmp: (rn: number, imm: number) => (0x2800 | (lowReg(rn, 'rn') << 8) | unsigned(imm, 8, 'immediate')),
  /** ADDS Rdn, #imm8 (ADD inside an IT block). */
  addsImm: (rdn: number, imm: number) => (0x3000 | (lowReg(rdn, 'rdn') << 8) | unsigned(imm, 8, 'immediate')),
  subsImm: (rdn: number, imm: number) => (0x3800 | (lowReg(rdn, 'rdn') << 8) | unsigned(imm, 8, 'immediate')),
  adds: (rd: number, rn: number, rm: number) => (0x1800 | (lowReg(rm, 'rm') << 6) | (lowReg(rn, 'rn') << 3) | lowReg(rd, 'rd')),
  subs: (rd: number, rn: number, rm: number) => (0x1a00 | (lowReg(rm, 'rm') << 6) | (lowReg(rn, 'rn') << 3) | lowReg(rd, 'rd')),
  /** LDR/STR Rt, [Rn, #imm] with a word-aligned 0..124 offset. */
  ldr: (rt: number, rn: number, offset = 0) => (0x6800 | (unsigned(offset / 4, 5, 'offset/4') << 6) | (lowReg(rn, 'rn') << 3) | lowReg(rt, 'rt')),
  str: (rt: number, rn: number, offset = 0) => (0x6000 | (unsigned(offset / 4, 5, 'offset/4') << 6) | (lowReg(rn, 'rn') << 3) | lowReg(rt, 'rt')),
  ldrb: (rt: number, rn: number, offset = 0) => (0x7800 | (unsigned(offset, 5, 'offset') << 6) | (lowReg(rn, 'rn') << 3) | lowReg(rt, 'rt')),
  strh: (rt: number, rn: number, offset = 0) => (0x8000 | (unsigned(offset / 2, 5, 'offset/2') << 6) | (lowReg(rn, 'rn') << 3) | lowReg(rt, 'rt')),
  push: (registers: number[], lr = false) => (0xb400 | (lr ? 0x100 : 0) | listOf(registers.map((r) => lowReg(r, 'register')))),
  pop: (registers: number[], pc = false) => (0xbc00 | (pc ? 0x100 : 0) | listOf(registers.map((r) => lowReg(r, 'register')))),
  /** LDR.W Rt, [Rn], #±imm8 (post-indexed). */
  ldrPost: (rt: number, rn: number, offset: number) =>
    wide(0xf850 | reg(rn, 'rn'), (reg(rt, 'rt') << 12) | 0x900 | ((offset >= 0 ? 1 : 0) << 9) | unsigned(Math.abs(offset), 8, 'offset')),
  /** LDR.W / STR.W Rt, [Rn, #imm12]. */
  ldrWide: (rt: number, rn: number, offset = 0) => wide(0xf8d0 | reg(rn, 'rn'), (reg(rt, 'rt') << 12) | unsigned(offset, 12, 'offset')),
  strWide: (rt: number, rn: number, offset = 0) => wide(0xf8c0 | reg(rn, 'rn'), (reg(rt, 'rt') << 12) | unsigned(offset, 12, 'offset')),
  movw: (rd: number, imm: number) => {
    unsigned(imm, 16, 'immediate');
    return wide(0xf240 | (((imm >> 11) & 1) << 10) | (imm >> 12), (((imm >> 8) & 7) << 12) | (reg(rd, 'rd') << 8) | (imm & 0xff));
  },
  movt: (rd: number, imm: number) => {
    unsigned(imm, 16, 'immediate');
    return wide(0xf2c0 | (((imm >> 11) & 1) << 10) | (imm >> 12), (((imm >> 8) & 7) << 12) | (reg(rd, 'rd') << 8) | (imm & 0xff));
  },
  /** MOV Rd, Rm (any registers, 16-bit). */
  mov: (rd: number, rm: number) => (0x4600 | ((reg(rd, 'rd') & 8) << 4) | (reg(rm, 'rm') << 3) | (rd & 7)),
  /** ADD Rdn, Rm (any registers, 16-bit, flags unchanged). */
  addRegister: (rdn: number, rm: number) => (0x4400 | ((reg(rdn, 'rdn') & 8) << 4) | (reg(rm, 'rm') << 3) | (rdn & 7)),
  /** CMP Rn, Rm (any registers, 16-bit). */
  cmpRegister: (rn: number, rm: number) => (0x4500 | ((reg(rn, 'rn') & 8) << 4) | (reg(rm, 'rm') << 3) | (rn & 7)),
  /** B<c> to `offset` bytes from this instruction (16-bit form). */
  bcond: (c: Exclude<ArmCondition, 'al'>, offset: number) => (0xd000 | (CONDITIONS.indexOf(c) << 8) | branchField(offset - 4, 8, 2)),
  b: (offset: number) => (0xe000 | branchField(offset - 4, 11, 2)),
  bl: (offset: number) => {
    const value = branchField(offset - 4, 24, 2);
    const s = (value >> 23) & 1;
    const j1 = (~((value >> 22) & 1) ^ s) & 1;
    const j2 = (~((value >> 21) & 1) ^ s) & 1;
    return wide(0xf000 | (s << 10) | ((value >> 11) & 0x3ff), 0xd000 | (j1 << 13) | (j2 << 11) | (value & 0x7ff));
  },
  bx: (rm: number) => (0x4700 | (reg(rm, 'rm') << 3)),
  svc: (imm = 0) => (0xdf00 | unsigned(imm, 8, 'immediate')),
  /** IT with the first condition and the then/else pattern of the following ones ('t'/'e'), e.g. it('eq', 'e') = ITE EQ. */
  it: (first: Exclude<ArmCondition, 'al'>, pattern = '') => {
    if (!/^[te]{0,3}$/.test(pattern)) throw new RangeError(`IT pattern must be up to three of t/e, got ${pattern}`);
    const firstCond = CONDITIONS.indexOf(first);
    let mask = 0;
    [...pattern].forEach((letter, i) => {
      const bit = letter === 't' ? firstCond & 1 : ~firstCond & 1;
      mask |= bit << (3 - i);
    });
    mask |= 1 << (3 - pattern.length);
    return 0xbf00 | (firstCond << 4) | mask;
  },
  nop: () => 0xbf00,
  dsb: () => 0xf3bf8f4f,
  isb: () => 0xf3bf8f6f,
  /** The coprocessor transfers: the A32 encodings with cond 0b1110, first halfword high. */
  mcr: (coproc: number, opc1: number, rt: number, crn: number, crm: number, opc2 = 0) => coprocessorTransfer(false, coproc, opc1, rt, crn, crm, opc2, 'al'),
  mrc: (coproc: number, opc1: number, rt: number, crn: number, crm: number, opc2 = 0) => coprocessorTransfer(true, coproc, opc1, rt, crn, crm, opc2, 'al'),
  mcrr: (coproc: number, opc1: number, rt: number, rt2: number, crm: number) => coprocessorTransfer64(false, coproc, opc1, rt, rt2, crm, 'al'),
  mrrc: (coproc: number, opc1: number, rt: number, rt2: number, crm: number) => coprocessorTransfer64(true, coproc, opc1, rt, rt2, crm, 'al'),
};

/** Thumb code: halfwords in program order (a 32-bit instruction is two, first one first). */
export function thumbBytes(instructions: number[]): Uint8Array {
  const halves = instructions.flatMap((value) => (value > 0xffff ? [value >>> 16, value & 0xffff] : [value]));
  const bytes = new Uint8Array(halves.length * 2);
  halves.forEach((half, i) => new DataView(bytes.buffer).setUint16(i * 2, half, true));
  return bytes;
}
