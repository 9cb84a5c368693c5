// What A32 and T32 data processing share: the CPSR flags, Shift_C with its carry out,
// the sixteen operations (and Thumb-2's ORN), and the PC writes (BranchWritePC and
// BXWritePC). The CPSR is the record's CPU_NZCV word.
import { CPU_NZCV } from "../../layout";
import { record } from "../../machine";
import { setPc } from "../../cpu/regs";

/** The shift types of the encodings' two-bit field, and RRX. */
export const LSL: u32 = 0;
export const LSR: u32 = 1;
export const ASR: u32 = 2;
export const ROR: u32 = 3;
export const RRX: u32 = 4;

/** The carry out of the last shiftCarry (or immediate expansion). */
export let shifterCarry: u32 = 0;

@inline export function cpsr(): u32 {
  return load<u32>(record + CPU_NZCV);
}

@inline export function carryFlag(): u32 {
  return (cpsr() >>> 29) & 1;
}

/** N, Z and C from a logical result; V unchanged. */
export function setNZC(result: u32, carry: u32): void {
  const kept = cpsr() & 0x1fff_ffff;
  store<u32>(record + CPU_NZCV, kept | (result & 0x8000_0000) | (result == 0 ? 0x4000_0000 : 0) | (carry << 29));
}

/** N and Z from a result (MULS, 16-bit MOVS); C and V unchanged. */
export function setNZ(result: u32): void {
  const kept = cpsr() & 0x3fff_ffff;
  store<u32>(record + CPU_NZCV, kept | (result & 0x8000_0000) | (result == 0 ? 0x4000_0000 : 0));
}

/** N and Z from a 64-bit result (UMULLS and friends). */
export function setNZ64(result: u64): void {
  const kept = cpsr() & 0x3fff_ffff;
  store<u32>(record + CPU_NZCV, kept | (<u32>(result >> 32) & 0x8000_0000) | (result == 0 ? 0x4000_0000 : 0));
}

/** AddWithCarry at 32 bits; sets NZCV (keeping CPSR's other bits) when asked. */
export function addWithCarry32(a: u32, b: u32, carry: u32, setFlags: bool): u32 {
  const wide = <u64>a + <u64>b + <u64>carry;
  const result = <u32>wide;
  if (setFlags) {
    const n = result >>> 31;
    const z: u32 = result == 0 ? 1 : 0;
    const c = <u32>(wide >> 32) & 1;
    const v = ((a ^ result) & (b ^ result)) >>> 31;
    const kept = cpsr() & 0x0fff_ffff;
    store<u32>(record + CPU_NZCV, kept | (n << 31) | (z << 30) | (c << 29) | (v << 28));
  }
  return result;
}

/** Shift_C(value, type, amount, carryIn): the result, its carry out in shifterCarry. Amount 0 shifts nothing. */
export function shiftCarry(value: u32, type: u32, amount: u32, carryIn: u32): u32 {
  shifterCarry = carryIn;
  if (type == RRX) {
    shifterCarry = value & 1;
    return (value >>> 1) | (carryIn << 31);
  }
  if (amount == 0) return value;
  if (type == LSL) {
    shifterCarry = amount > 32 ? 0 : (value >>> (32 - amount)) & 1;
    return amount >= 32 ? 0 : value << amount;
  }
  if (type == LSR) {
    shifterCarry = amount > 32 ? 0 : (value >>> (amount - 1)) & 1;
    return amount >= 32 ? 0 : value >>> amount;
  }
  if (type == ASR) {
    const clamped = min<u32>(amount, 32);
    shifterCarry = <u32>(<i32>value >> <i32>(clamped - 1)) & 1;
    return <u32>(<i32>value >> <i32>min<u32>(clamped, 31));
  }
  const result = rotr<u32>(value, amount & 31);
  shifterCarry = result >>> 31;
  return result;
}

/** DecodeImmShift then Shift_C: `type` the two-bit field, `imm5` the encoded amount. */
export function immediateShift(value: u32, type: u32, imm5: u32, carryIn: u32): u32 {
  if (type == ROR && imm5 == 0) return shiftCarry(value, RRX, 1, carryIn);
  return shiftCarry(value, type, imm5 == 0 && type != LSL ? 32 : imm5, carryIn);
}

/** ThumbExpandImm_C of i:imm3:imm8; the carry out in shifterCarry. */
export function thumbExpandImmediate(imm12: u32, carryIn: u32): u32 {
  const imm8 = imm12 & 0xff;
  shifterCarry = carryIn;
  if ((imm12 & 0xc00) == 0) {
    switch ((imm12 >>> 8) & 3) {
      case 0: return imm8;
      case 1: return imm8 | (imm8 << 16);
      case 2: return (imm8 << 8) | (imm8 << 24);
      default: return imm8 * 0x0101_0101;
    }
  }
  const value = rotr<u32>(0x80 | (imm12 & 0x7f), imm12 >>> 7);
  shifterCarry = value >>> 31;
  return value;
}

/** Data-processing opcodes as A32 numbers them (bits 24:21), and Thumb-2's ORN. */
export const OP_AND: u32 = 0;
export const OP_EOR: u32 = 1;
export const OP_SUB: u32 = 2;
export const OP_RSB: u32 = 3;
export const OP_ADD: u32 = 4;
export const OP_ADC: u32 = 5;
export const OP_SBC: u32 = 6;
export const OP_RSC: u32 = 7;
export const OP_TST: u32 = 8;
export const OP_TEQ: u32 = 9;
export const OP_CMP: u32 = 10;
export const OP_CMN: u32 = 11;
export const OP_ORR: u32 = 12;
export const OP_MOV: u32 = 13;
export const OP_BIC: u32 = 14;
export const OP_MVN: u32 = 15;
export const OP_ORN: u32 = 16;

/** Whether `opcode` only sets flags (TST TEQ CMP CMN). */
@inline export function isTest(opcode: u32): bool {
  return opcode - OP_TST < 4;
}

/** One data-processing operation on `a` (Rn) and `b` (the shifted operand, whose carry out is `carry`); sets the flags when asked. */
export function dataOperation(opcode: u32, a: u32, b: u32, carry: u32, setFlags: bool): u32 {
  let result: u32;
  switch (opcode) {
    case OP_SUB: case OP_CMP: return addWithCarry32(a, ~b, 1, setFlags);
    case OP_RSB: return addWithCarry32(b, ~a, 1, setFlags);
    case OP_ADD: case OP_CMN: return addWithCarry32(a, b, 0, setFlags);
    case OP_ADC: return addWithCarry32(a, b, carryFlag(), setFlags);
    case OP_SBC: return addWithCarry32(a, ~b, carryFlag(), setFlags);
    case OP_RSC: return addWithCarry32(b, ~a, carryFlag(), setFlags);
    case OP_AND: case OP_TST: result = a & b; break;
    case OP_EOR: case OP_TEQ: result = a ^ b; break;
    case OP_ORR: result = a | b; break;
    case OP_MOV: result = b; break;
    case OP_BIC: result = a & ~b; break;
    case OP_MVN: result = ~b; break;
    default: result = a | ~b; // ORN
  }
  if (setFlags) setNZC(result, carry);
  return result;
}

/** BranchWritePC in Thumb state: bit 0 dropped, the state kept. */
@inline export function thumbBranch(target: u32): void {
  setPc(<u64>(target & ~1));
}
