// A32 integer instructions outside the load/stores: data processing (the sixteen
// operations with a rotated immediate, a register shifted by an immediate or by a
// register, with and without S; PC as operand reads as the instruction + 8; to PC
// without S is an interworking branch), MOVW/MOVT, the hints (every one a NOP: YIELD,
// WFE, WFI, SEV included), BX/BLX register, BLX immediate, CLZ, the multiplies
// (MUL/MLA/MLS, UMULL/UMLAL/SMULL/SMLAL/UMAAL, the DSP multiplies), MRS/MSR of the
// APSR, QADD/QSUB/QDADD/QDSUB and the media space: parallel add/subtract, SEL, PKH,
// SSAT/USAT (and 16), extends, reversals, USAD8, bit fields and divides (dsp.ts,
// integer.ts).
//
// Not modelled, so left to the caller (an undefined-instruction exit): data
// processing to PC with S (an exception return, SUBS PC, LR), MSR of the mode and
// mask bits and the SPSR, and the UNPREDICTABLE register choices (PC in register-
// shifted-register operations and multiplies, RdHi == RdLo).
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { setPc } from "../../cpu/regs";
import { rRead, rWrite, interworkingBranch } from "../a32-loadstore";
import {
  shifterCarry, carryFlag, setNZ, shiftCarry, immediateShift, dataOperation, isTest,
} from "./flags";
import {
  saturatingArithmetic, saturate, saturate16, parallel, select, sumAbsoluteDifferences, pack, multiplyHalves,
  multiplyWordHalf, multiplyHalvesLong, multiplyDual, multiplyDualLong, multiplyMostSignificant, readStatus, writeStatus,
  PAR_PLAIN, PAR_SATURATE, PAR_HALVE,
} from "./dsp";
import {
  extend, reverse, extractField, insertField, divide, multiplyLong, EXTEND_SB16, EXTEND_SB, EXTEND_SH, EXTEND_UB16,
  EXTEND_UB, EXTEND_UH, REVERSE_BYTES, REVERSE_HALVES, REVERSE_BITS, REVERSE_SIGNED_HALF,
} from "./integer";

/** Runs `word` at `at` (its condition already passed) if it is one of this file's: ALU_DONE (pc set) or ALU_NOT_MINE. */
export function a32Integer(word: u32, at: u64): u32 {
  const pcValue = at + 8;
  if ((word >>> 28) == 15) {
    if ((word & 0x0e00_0000) != 0x0a00_0000) return ALU_NOT_MINE;
    // BLX <imm>: to Thumb, at PC + imm24:H:0.
    rWrite(14, <u32>at + 4);
    const offset = <u32>((<i32>(word << 8)) >> 6) | ((word >>> 23) & 2);
    interworkingBranch((<u32>pcValue + offset) | 1);
    return ALU_DONE;
  }
  const group = (word >>> 25) & 7;
  let status: u32 = ALU_NOT_MINE;
  if (group == 0) status = dataAndMiscellaneous(word, at, pcValue);
  else if (group == 1) status = immediateSpace(word, pcValue);
  else if (group == 3 && (word & 0x10) != 0) status = media(word);
  else return ALU_NOT_MINE;
  if (status == ALU_DONE) setPc(at + 4);
  return status == BRANCHED ? ALU_DONE : status;
}

/** An instruction that wrote the pc itself (a branch). */
const BRANCHED: u32 = 0xfffe;

/** Whether op1 (bits 24:20) is 10xx0: TST/TEQ/CMP/CMN without S, which is the miscellaneous space. */
@inline function miscellaneousOp1(word: u32): bool {
  return (word & 0x0190_0000) == 0x0100_0000;
}

/** Bits 27:25 = 000: data processing (register, register-shifted register), miscellaneous, multiplies. */
function dataAndMiscellaneous(word: u32, at: u64, pcValue: u64): u32 {
  const bit4 = (word & 0x10) != 0;
  const bit7 = (word & 0x80) != 0;
  if (!bit4 || !bit7) {
    if (!miscellaneousOp1(word)) return dataProcessing(word, pcValue);
    return bit7 ? halfwordMultiply(word) : miscellaneous(word, at, pcValue);
  }
  if ((word & 0x0f00_00f0) == 0x0000_0090) return multiply(word);
  return ALU_NOT_MINE; // extra loads and stores, synchronization
}

/** Bits 27:25 = 001: data processing with an immediate, MOVW/MOVT, hints. */
function immediateSpace(word: u32, pcValue: u64): u32 {
  if (!miscellaneousOp1(word)) return dataProcessing(word, pcValue);
  if ((word & 0x00b0_0000) == 0) { // MOVW, MOVT (bit 22)
    const rd = (word >>> 12) & 15;
    if (rd == 15) return ALU_NOT_MINE;
    const imm16 = ((word >>> 4) & 0xf000) | (word & 0xfff);
    rWrite(rd, (word & 0x0040_0000) != 0 ? (rRead(rd, 0) & 0xffff) | (imm16 << 16) : imm16);
    return ALU_DONE;
  }
  if ((word & 0x0fff_ff00) == 0x0320_f000) return ALU_DONE; // NOP, YIELD, WFE, WFI, SEV, DBG: nothing to wait for
  if ((word & 0x0ff3_f000) == 0x0320_f000) { // MSR APSR_<mask>, #imm
    writeStatus(rotr<u32>(word & 0xff, ((word >>> 8) & 15) << 1), (word >>> 18) & 3);
    return ALU_DONE;
  }
  return ALU_NOT_MINE; // MSR of the SPSR or the mode bits
}

/** The sixteen operations on Rn and the shifter operand; to PC without S an interworking branch. */
function dataProcessing(word: u32, pcValue: u64): u32 {
  const opcode = (word >>> 21) & 15;
  const setFlags = (word & 0x0010_0000) != 0;
  const rn = (word >>> 16) & 15;
  const rd = (word >>> 12) & 15;
  const carryIn = carryFlag();
  let operand: u32;
  let carry: u32;
  if ((word & 0x0200_0000) != 0) {
    const rotation = ((word >>> 8) & 15) << 1;
    operand = rotr<u32>(word & 0xff, rotation);
    carry = rotation == 0 ? carryIn : operand >>> 31;
  } else if ((word & 0x10) == 0) {
    operand = immediateShift(rRead(word & 15, pcValue), (word >>> 5) & 3, (word >>> 7) & 31, carryIn);
    carry = shifterCarry;
  } else {
    const rs = (word >>> 8) & 15;
    const rm = word & 15;
    if (rd == 15 || rn == 15 || rm == 15 || rs == 15) return ALU_NOT_MINE; // UNPREDICTABLE
    operand = shiftCarry(rRead(rm, 0), (word >>> 5) & 3, rRead(rs, 0) & 0xff, carryIn);
    carry = shifterCarry;
  }
  const test = isTest(opcode);
  if (rd == 15 && setFlags && !test) return ALU_NOT_MINE; // an exception return: not modelled
  const result = dataOperation(opcode, rRead(rn, pcValue), operand, carry, setFlags);
  if (test) return ALU_DONE;
  if (rd != 15) {
    rWrite(rd, result);
    return ALU_DONE;
  }
  interworkingBranch(result); // ALUWritePC: BXWritePC in A32 from ARMv7
  return BRANCHED;
}

/** op1 = 10xx0, bits 7:4 = 0xxx: MRS/MSR (APSR), BX, BLX (register), CLZ, QADD QSUB QDADD QDSUB. */
function miscellaneous(word: u32, at: u64, pcValue: u64): u32 {
  const op = (word >>> 21) & 3;
  const op2 = (word >>> 4) & 7;
  const rm = word & 15;
  const rd = (word >>> 12) & 15;
  if ((word & 0x0fff_0fff) == 0x010f_0000) { // MRS Rd, APSR
    if (rd == 15) return ALU_NOT_MINE;
    rWrite(rd, readStatus());
    return ALU_DONE;
  }
  if ((word & 0x0ff3_fff0) == 0x0120_f000) { // MSR APSR_<mask>, Rn
    if (rm == 15) return ALU_NOT_MINE;
    writeStatus(rRead(rm, 0), (word >>> 18) & 3);
    return ALU_DONE;
  }
  if (op2 == 5 && (word & 0xf00) == 0) { // QADD QSUB QDADD QDSUB Rd, Rm, Rn
    const rn = (word >>> 16) & 15;
    if (rd == 15 || rm == 15 || rn == 15) return ALU_NOT_MINE;
    rWrite(rd, saturatingArithmetic(op, rRead(rm, 0), rRead(rn, 0)));
    return ALU_DONE;
  }
  if ((word & 0x000f_ff00) != 0x000f_ff00 && op == 1) return ALU_NOT_MINE; // BX/BLX: SBO fields
  if (op == 1 && op2 == 1) { // BX
    interworkingBranch(rRead(rm, pcValue));
    return BRANCHED;
  }
  if (op == 1 && op2 == 3) { // BLX (register)
    if (rm == 15) return ALU_NOT_MINE;
    const target = rRead(rm, 0);
    rWrite(14, <u32>at + 4);
    interworkingBranch(target);
    return BRANCHED;
  }
  if (op == 3 && op2 == 1) { // CLZ
    if (rd == 15 || rm == 15) return ALU_NOT_MINE;
    rWrite(rd, clz<u32>(rRead(rm, 0)));
    return ALU_DONE;
  }
  return ALU_NOT_MINE;
}

/** Bits 27:24 = 0000, 7:4 = 1001: MUL MLA UMAAL MLS (bits 23:21 = 0-3) and the long multiplies (4-7). */
function multiply(word: u32): u32 {
  const op = (word >>> 21) & 7;
  const setFlags = (word & 0x0010_0000) != 0;
  const high = (word >>> 16) & 15; // Rd, or RdHi
  const low = (word >>> 12) & 15; // Ra, or RdLo
  const rm = (word >>> 8) & 15;
  const rn = word & 15;
  if (high == 15 || rm == 15 || rn == 15) return ALU_NOT_MINE;
  if (op >= 2 && low == 15) return ALU_NOT_MINE;
  if (op == 2 || op >= 4) {
    if (high == low || (op == 2 && setFlags)) return ALU_NOT_MINE;
    multiplyLong(op, low, high, rRead(rn, 0), rRead(rm, 0), setFlags);
    return ALU_DONE;
  }
  if (op == 3 && setFlags) return ALU_NOT_MINE;
  const product = rRead(rn, 0) * rRead(rm, 0);
  const result = op == 0 ? product : op == 1 ? product + rRead(low, 0) : rRead(low, 0) - product;
  rWrite(high, result);
  if (setFlags) setNZ(result);
  return ALU_DONE;
}

/** op1 = 10xx0, bits 7:4 = 1yx0: SMLAxy, SMLAWy/SMULWy, SMLALxy, SMULxy (op in bits 22:21). */
function halfwordMultiply(word: u32): u32 {
  const op = (word >>> 21) & 3;
  const high = (word >>> 16) & 15; // Rd, or RdHi
  const low = (word >>> 12) & 15; // Ra, or RdLo
  const rm = (word >>> 8) & 15;
  const rn = word & 15;
  const nTop = (word & 0x20) != 0;
  const mTop = (word & 0x40) != 0;
  if (high == 15 || rm == 15 || rn == 15 || (op != 3 && low == 15)) return ALU_NOT_MINE;
  const n = rRead(rn, 0);
  const m = rRead(rm, 0);
  if (op == 0) multiplyHalves(high, low, n, m, nTop, mTop);
  else if (op == 1) multiplyWordHalf(high, nTop ? 15 : low, n, m, mTop); // bit 5: SMULWy
  else if (op == 2) {
    if (high == low) return ALU_NOT_MINE;
    multiplyHalvesLong(low, high, n, m, nTop, mTop);
  } else multiplyHalves(high, 15, n, m, nTop, mTop);
  return ALU_DONE;
}

/** The A32 media op (bits 22:20) of an extend, as an EXTEND_* kind; 8 for none. */
export function extendKind(op: u32): u32 {
  switch (op) {
    case 0: return EXTEND_SB16;
    case 2: return EXTEND_SB;
    case 3: return EXTEND_SH;
    case 4: return EXTEND_UB16;
    case 6: return EXTEND_UB;
    case 7: return EXTEND_UH;
    default: return 8;
  }
}

/** Bits 27:25 = 011, bit 4 set: extends, REV/REV16/RBIT/REVSH, SDIV/UDIV, SBFX/UBFX/BFI/BFC. */
function media(word: u32): u32 {
  const op1 = (word >>> 20) & 31;
  const op2 = (word >>> 5) & 7;
  const rd = (word >>> 12) & 15;
  const rn = (word >>> 16) & 15;
  const rm = word & 15;
  if ((op1 & 0x18) == 0) { // parallel add/subtract: S Q SH (bits 21:20 = 1-3), U in bit 22
    const mode = (op1 & 3) - 1;
    if (mode > 2 || op2 == 5 || op2 == 6 || (word & 0xf00) != 0xf00 || rd == 15 || rn == 15 || rm == 15) return ALU_NOT_MINE;
    rWrite(rd, parallel(op2, (op1 & 4) != 0, mode == 0 ? PAR_PLAIN : mode == 1 ? PAR_SATURATE : PAR_HALVE, rRead(rn, 0), rRead(rm, 0)));
    return ALU_DONE;
  }
  if ((op1 & 0x18) == 0x08) { // packing, unpacking, saturation, reversal
    if (rd == 15 || rm == 15) return ALU_NOT_MINE;
    if ((op1 & 0x1a) == 0x0a && (op2 & 1) == 0) { // SSAT (0101x), USAT (0111x): saturate_to in bits 20:16
      const bits = (word >>> 16) & 31;
      rWrite(rd, saturate(rRead(rm, 0), (word & 0x40) != 0, (word >>> 7) & 31, (op1 & 4) == 0 ? bits + 1 : bits, (op1 & 4) == 0));
      return ALU_DONE;
    }
    if ((op1 == 0x0a || op1 == 0x0e) && op2 == 1 && (word & 0xf00) == 0xf00) { // SSAT16, USAT16
      const bits = (word >>> 16) & 15;
      rWrite(rd, saturate16(rRead(rm, 0), op1 == 0x0a ? bits + 1 : bits, op1 == 0x0a));
      return ALU_DONE;
    }
    if (op1 == 0x08 && (op2 & 1) == 0) { // PKHBT, PKHTB (bit 6)
      if (rn == 15) return ALU_NOT_MINE;
      rWrite(rd, pack(rRead(rn, 0), rRead(rm, 0), (word >>> 7) & 31, (word & 0x40) != 0));
      return ALU_DONE;
    }
    if (op1 == 0x08 && op2 == 5 && (word & 0xf00) == 0xf00) { // SEL
      if (rn == 15) return ALU_NOT_MINE;
      rWrite(rd, select(rRead(rn, 0), rRead(rm, 0)));
      return ALU_DONE;
    }
    if (op2 == 3 && (word & 0x300) == 0) {
      const kind = extendKind(op1 & 7);
      if (kind == 8) return ALU_NOT_MINE;
      rWrite(rd, extend(kind, rn == 15 ? 0 : rRead(rn, 0), rRead(rm, 0), ((word >>> 10) & 3) << 3));
      return ALU_DONE;
    }
    if ((word & 0x000f_0f00) != 0x000f_0f00) return ALU_NOT_MINE;
    let kind: u32 = 8;
    if (op1 == 0x0b && op2 == 1) kind = REVERSE_BYTES;
    else if (op1 == 0x0b && op2 == 5) kind = REVERSE_HALVES;
    else if (op1 == 0x0f && op2 == 1) kind = REVERSE_BITS;
    else if (op1 == 0x0f && op2 == 5) kind = REVERSE_SIGNED_HALF;
    if (kind == 8) return ALU_NOT_MINE;
    rWrite(rd, reverse(kind, rRead(rm, 0)));
    return ALU_DONE;
  }
  if ((op1 & 0x18) == 0x10 && op1 != 0x11 && op1 != 0x13) return signedMultiply(word);
  if (op1 == 0x18 && op2 == 0) { // USAD8 (Ra 15), USADA8: Rd in bits 19:16, Rm in 11:8, Rn in 3:0
    const m = (word >>> 8) & 15;
    if (rn == 15 || m == 15 || rm == 15) return ALU_NOT_MINE;
    const sum = sumAbsoluteDifferences(rRead(rm, 0), rRead(m, 0));
    rWrite(rn, rd == 15 ? sum : sum + rRead(rd, 0));
    return ALU_DONE;
  }
  if ((op1 == 0x11 || op1 == 0x13) && op2 == 0 && rd == 15) { // SDIV, UDIV: Rd in bits 19:16, Rm in 11:8, Rn in 3:0
    const m = (word >>> 8) & 15;
    if (rn == 15 || m == 15 || rm == 15) return ALU_NOT_MINE;
    rWrite(rn, divide(rRead(rm, 0), rRead(m, 0), op1 == 0x11));
    return ALU_DONE;
  }
  const lsb = (word >>> 7) & 31;
  const high = (word >>> 16) & 31; // widthm1, or msb
  if ((op1 & 0x1a) == 0x1a && (op2 & 3) == 2) { // SBFX (1101x), UBFX (1111x)
    if (rd == 15 || rm == 15 || lsb + high > 31) return ALU_NOT_MINE;
    rWrite(rd, extractField(rRead(rm, 0), lsb, high + 1, (op1 & 4) == 0));
    return ALU_DONE;
  }
  if ((op1 & 0x1e) == 0x1c && (op2 & 3) == 0) { // BFI, BFC (Rn 15)
    if (rd == 15 || high < lsb) return ALU_NOT_MINE;
    rWrite(rd, insertField(rRead(rd, 0), rm == 15 ? 0 : rRead(rm, 0), lsb, high));
    return ALU_DONE;
  }
  return ALU_NOT_MINE;
}

/** Media op1 = 10xxx: SMLAD SMUAD SMLSD SMUSD (000), SMLALD SMLSLD (100), SMMLA SMMUL SMMLS (101); Rd in 19:16, Ra in 15:12. */
function signedMultiply(word: u32): u32 {
  const op1 = (word >>> 20) & 7;
  const op2 = (word >>> 5) & 7;
  const high = (word >>> 16) & 15;
  const low = (word >>> 12) & 15;
  const rm = (word >>> 8) & 15;
  const rn = word & 15;
  if (high == 15 || rm == 15 || rn == 15) return ALU_NOT_MINE;
  const n = rRead(rn, 0);
  const m = rRead(rm, 0);
  const flag = (op2 & 1) != 0; // X (exchange) or R (round)
  if (op1 == 0 && op2 < 4) multiplyDual(high, low, n, m, flag, op2 >= 2);
  else if (op1 == 4 && op2 < 4) {
    if (low == 15 || low == high) return ALU_NOT_MINE;
    multiplyDualLong(low, high, n, m, flag, op2 >= 2);
  } else if (op1 == 5 && op2 < 2) multiplyMostSignificant(high, low, n, m, false, flag);
  else if (op1 == 5 && op2 >= 6 && low != 15) multiplyMostSignificant(high, low, n, m, true, flag);
  else return ALU_NOT_MINE;
  return ALU_DONE;
}
