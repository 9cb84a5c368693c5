// The 32-bit Thumb-2 instructions outside the load/stores: data processing with a
// modified immediate (ThumbExpandImm and its carry) or a shifted register (AND BIC
// ORR ORN EOR ADD ADC SBC SUB RSB, TST TEQ CMN CMP, MOV MVN), the plain binary
// immediates (ADDW SUBW ADR MOVW MOVT SBFX UBFX BFI BFC), register shifts, extends
// (+A), REV REV16 RBIT REVSH CLZ, MUL MLA MLS, the long multiplies, SDIV UDIV, B<c>.W,
// B.W, BL, BLX <imm>, TBB/TBH, the hints (NOP.W, YIELD.W, WFE, WFI, SEV: NOPs), MRS/MSR
// of the APSR and the DSP forms (dsp.ts): PKH, SSAT/USAT (and 16), parallel
// add/subtract, SEL, QADD family, USAD8 and the DSP multiplies. `word` has the first
// halfword in the high bits. UNPREDICTABLE register choices (PC or SP where the
// architecture forbids them) are left to the caller (an undefined-instruction exit).
import { EXIT_NONE } from "../../exits";
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { setPc } from "../../cpu/regs";
import { rRead, rWrite, interworkingBranch } from "../a32-loadstore";
import { conditionHolds } from "../a64-alu";
import { readValue, accessExit, bigData } from "../guest-memory";
import {
  shifterCarry, carryFlag, shiftCarry, immediateShift, thumbExpandImmediate, dataOperation, isTest, thumbBranch,
  OP_AND, OP_BIC, OP_ORR, OP_ORN, OP_EOR, OP_ADD, OP_ADC, OP_SBC, OP_SUB, OP_RSB, OP_TST, OP_TEQ, OP_CMN, OP_CMP,
  OP_MOV, OP_MVN,
} from "./flags";
import {
  saturatingArithmetic, saturate, saturate16, parallel, select, sumAbsoluteDifferences, pack, multiplyHalves,
  multiplyWordHalf, multiplyHalvesLong, multiplyDual, multiplyDualLong, multiplyMostSignificant, readStatus, writeStatus,
  PAR_ADD16, PAR_ASX, PAR_SAX, PAR_SUB16, PAR_ADD8, PAR_SUB8,
} from "./dsp";
import {
  extend, reverse, extractField, insertField, divide, multiplyLong, EXTEND_SH, EXTEND_UH, EXTEND_SB16, EXTEND_UB16,
  EXTEND_SB, EXTEND_UB, LONG_SMULL, LONG_UMULL, LONG_SMLAL, LONG_UMLAL, LONG_UMAAL,
} from "./integer";

/** Runs the 32-bit `word` at `at` (its IT condition already passed): ALU_DONE (pc set), an access's exit (TBB/TBH) or ALU_NOT_MINE. */
export function t32Wide(word: u32, at: u64): u32 {
  const hw1 = word >>> 16;
  const hw2 = word & 0xffff;
  const pcValue = at + 4;
  let status: u32 = ALU_NOT_MINE;
  if ((hw1 & 0xfe00) == 0xea00) status = shiftedRegister(hw1, hw2);
  else if ((hw1 & 0xf800) == 0xf000) {
    if ((hw2 & 0x8000) != 0) return branchOrHint(hw1, hw2, at, pcValue);
    status = (hw1 & 0x0200) == 0 ? modifiedImmediate(hw1, hw2) : plainImmediate(hw1, hw2, pcValue);
  } else if ((hw1 & 0xff00) == 0xfa00 && (hw2 & 0xf000) == 0xf000) status = registerOperation(hw1, hw2);
  else if ((hw1 & 0xff80) == 0xfb00) status = multiply(hw1, hw2);
  else if ((hw1 & 0xff80) == 0xfb80) status = longMultiplyOrDivide(hw1, hw2);
  else if ((hw1 & 0xfff0) == 0xe8d0 && (hw2 & 0xffe0) == 0xf000) return tableBranch(hw1, hw2, pcValue);
  if (status == ALU_DONE) setPc(at + 4);
  return status;
}

/** The T32 data-processing op (bits 8:5) as an OP_* opcode, the test and move forms resolved; 99 for none. */
export function t32Opcode(op: u32, rd: u32, rn: u32, setFlags: bool): u32 {
  const test = rd == 15 && setFlags;
  switch (op) {
    case 0: return test ? OP_TST : OP_AND;
    case 1: return OP_BIC;
    case 2: return rn == 15 ? OP_MOV : OP_ORR;
    case 3: return rn == 15 ? OP_MVN : OP_ORN;
    case 4: return test ? OP_TEQ : OP_EOR;
    case 8: return test ? OP_CMN : OP_ADD;
    case 10: return OP_ADC;
    case 11: return OP_SBC;
    case 13: return test ? OP_CMP : OP_SUB;
    case 14: return OP_RSB;
    default: return 99;
  }
}

/** One data-processing operation: Rd 15 only for the tests, Rn 15 only for MOV/MVN. */
function operate(op: u32, setFlags: bool, rn: u32, rd: u32, operand: u32, carry: u32): u32 {
  const opcode = t32Opcode(op, rd, rn, setFlags);
  if (opcode == 99) return ALU_NOT_MINE;
  const test = isTest(opcode);
  if ((rd == 15 && !test) || (rn == 15 && opcode != OP_MOV && opcode != OP_MVN)) return ALU_NOT_MINE;
  const result = dataOperation(opcode, rn == 15 ? 0 : rRead(rn, 0), operand, carry, setFlags);
  if (!test) rWrite(rd, result);
  return ALU_DONE;
}

function modifiedImmediate(hw1: u32, hw2: u32): u32 {
  const imm12 = (((hw1 >>> 10) & 1) << 11) | (((hw2 >>> 12) & 7) << 8) | (hw2 & 0xff);
  const operand = thumbExpandImmediate(imm12, carryFlag());
  return operate((hw1 >>> 5) & 15, (hw1 & 0x10) != 0, hw1 & 15, (hw2 >>> 8) & 15, operand, shifterCarry);
}

function shiftedRegister(hw1: u32, hw2: u32): u32 {
  const rm = hw2 & 15;
  if (rm == 15) return ALU_NOT_MINE;
  const imm5 = (((hw2 >>> 12) & 7) << 2) | ((hw2 >>> 6) & 3);
  if ((hw1 & 0x1f0) == 0xc0) { // PKHBT, PKHTB (bit 5)
    const rn = hw1 & 15;
    const rd = (hw2 >>> 8) & 15;
    if (rn == 15 || rd == 15 || (hw2 & 0x10) != 0) return ALU_NOT_MINE;
    rWrite(rd, pack(rRead(rn, 0), rRead(rm, 0), imm5, (hw2 & 0x20) != 0));
    return ALU_DONE;
  }
  const operand = immediateShift(rRead(rm, 0), (hw2 >>> 4) & 3, imm5, carryFlag());
  return operate((hw1 >>> 5) & 15, (hw1 & 0x10) != 0, hw1 & 15, (hw2 >>> 8) & 15, operand, shifterCarry);
}

/** ADDW SUBW (ADR with Rn 15), MOVW MOVT, SBFX UBFX, BFI BFC. */
function plainImmediate(hw1: u32, hw2: u32, pcValue: u64): u32 {
  const op = (hw1 >>> 4) & 31;
  const rn = hw1 & 15;
  const rd = (hw2 >>> 8) & 15;
  if (rd == 15) return ALU_NOT_MINE;
  const imm12 = (((hw1 >>> 10) & 1) << 11) | (((hw2 >>> 12) & 7) << 8) | (hw2 & 0xff);
  const lsb = (((hw2 >>> 12) & 7) << 2) | ((hw2 >>> 6) & 3);
  const high = hw2 & 31; // widthm1, or msb
  switch (op) {
    case 0b00000: case 0b01010: { // ADDW, SUBW
      const base = rn == 15 ? <u32>pcValue & ~3 : rRead(rn, 0);
      rWrite(rd, op == 0 ? base + imm12 : base - imm12);
      return ALU_DONE;
    }
    case 0b00100: case 0b01100: { // MOVW, MOVT
      const imm16 = ((hw1 & 15) << 12) | imm12;
      rWrite(rd, op == 0b01100 ? (rRead(rd, 0) & 0xffff) | (imm16 << 16) : imm16);
      return ALU_DONE;
    }
    case 0b10100: case 0b11100: // SBFX, UBFX
      if (rn == 15 || lsb + high > 31 || (hw2 & 0x20) != 0) return ALU_NOT_MINE;
      rWrite(rd, extractField(rRead(rn, 0), lsb, high + 1, op == 0b10100));
      return ALU_DONE;
    case 0b10110: // BFI, BFC (Rn 15)
      if (high < lsb || (hw2 & 0x20) != 0) return ALU_NOT_MINE;
      rWrite(rd, insertField(rRead(rd, 0), rn == 15 ? 0 : rRead(rn, 0), lsb, high));
      return ALU_DONE;
    case 0b10000: case 0b10010: case 0b11000: case 0b11010: { // SSAT, USAT (bit 5: ASR), and their 16-bit forms
      if (rn == 15 || (hw2 & 0x20) != 0) return ALU_NOT_MINE;
      const signed = op < 0b11000;
      const arithmetic = (op & 2) != 0;
      if (arithmetic && lsb == 0) {
        if ((hw2 & 0x10) != 0) return ALU_NOT_MINE;
        rWrite(rd, saturate16(rRead(rn, 0), signed ? (hw2 & 15) + 1 : hw2 & 15, signed));
      } else {
        rWrite(rd, saturate(rRead(rn, 0), arithmetic, lsb, signed ? high + 1 : high, signed));
      }
      return ALU_DONE;
    }
    default: return ALU_NOT_MINE;
  }
}

/** 1111 1010: register shifts (LSL.W ...), extends (+A), REV REV16 RBIT REVSH, CLZ. */
function registerOperation(hw1: u32, hw2: u32): u32 {
  const rn = hw1 & 15;
  const rd = (hw2 >>> 8) & 15;
  const rm = hw2 & 15;
  if (rd == 15 || rm == 15) return ALU_NOT_MINE;
  if ((hw1 & 0x80) == 0 && (hw2 & 0xf0) == 0) { // LSL LSR ASR ROR (register), S in bit 4
    if (rn == 15) return ALU_NOT_MINE;
    const result = shiftCarry(rRead(rn, 0), (hw1 >>> 5) & 3, rRead(rm, 0) & 0xff, carryFlag());
    rWrite(rd, result);
    if ((hw1 & 0x10) != 0) dataOperation(OP_MOV, 0, result, shifterCarry, true);
    return ALU_DONE;
  }
  const op = (hw1 >>> 4) & 7;
  if ((hw1 & 0x80) != 0 && (hw2 & 0x80) == 0) return parallelOperation(op, (hw2 >>> 4) & 7, rd, rn, rm);
  if ((hw2 & 0xc0) != 0x80) return ALU_NOT_MINE;
  if ((hw1 & 0x80) == 0) { // SXTAH UXTAH SXTAB16 UXTAB16 SXTAB UXTAB (Rn 15: the plain extends)
    if (op > 5) return ALU_NOT_MINE;
    const kind = op == 0 ? EXTEND_SH : op == 1 ? EXTEND_UH : op == 2 ? EXTEND_SB16 : op == 3 ? EXTEND_UB16 : op == 4 ? EXTEND_SB : EXTEND_UB;
    rWrite(rd, extend(kind, rn == 15 ? 0 : rRead(rn, 0), rRead(rm, 0), ((hw2 >>> 4) & 3) << 3));
    return ALU_DONE;
  }
  const op2 = (hw2 >>> 4) & 3;
  if (rn == 15) return ALU_NOT_MINE; // (REV, RBIT and CLZ name Rm twice)
  if (op == 1) { // REV REV16 RBIT REVSH
    rWrite(rd, reverse(op2, rRead(rm, 0)));
    return ALU_DONE;
  }
  if (op == 3 && op2 == 0) { // CLZ
    rWrite(rd, clz<u32>(rRead(rm, 0)));
    return ALU_DONE;
  }
  if (op == 0) { // QADD QDADD QSUB QDSUB Rd, Rm, Rn
    rWrite(rd, saturatingArithmetic(op2 == 1 ? 2 : op2 == 2 ? 1 : op2, rRead(rm, 0), rRead(rn, 0)));
    return ALU_DONE;
  }
  if (op == 2 && op2 == 0) { // SEL
    rWrite(rd, select(rRead(rn, 0), rRead(rm, 0)));
    return ALU_DONE;
  }
  return ALU_NOT_MINE;
}

/** SADD16 ... UHSUB8: op1 (hw1 bits 6:4) the operation, prefix (hw2 bits 6:4) S Q SH (0-2), U UQ UH (4-6). */
function parallelOperation(op1: u32, prefix: u32, rd: u32, rn: u32, rm: u32): u32 {
  if (rn == 15 || (prefix & 3) == 3) return ALU_NOT_MINE;
  let op: u32;
  switch (op1) {
    case 0: op = PAR_ADD8; break;
    case 1: op = PAR_ADD16; break;
    case 2: op = PAR_ASX; break;
    case 4: op = PAR_SUB8; break;
    case 5: op = PAR_SUB16; break;
    case 6: op = PAR_SAX; break;
    default: return ALU_NOT_MINE;
  }
  rWrite(rd, parallel(op, (prefix & 4) != 0, prefix & 3, rRead(rn, 0), rRead(rm, 0)));
  return ALU_DONE;
}

/** 1111 1011 0: MUL, MLA (Ra not 15), MLS and the DSP multiplies (op1 in bits 6:4; Ra 15: the forms without accumulate). */
function multiply(hw1: u32, hw2: u32): u32 {
  const op1 = (hw1 >>> 4) & 7;
  const rn = hw1 & 15;
  const ra = hw2 >>> 12;
  const rd = (hw2 >>> 8) & 15;
  const rm = hw2 & 15;
  const flag = (hw2 & 0x10) != 0; // MLS, M, X or R
  if (rn == 15 || rd == 15 || rm == 15) return ALU_NOT_MINE;
  if (op1 == 1) { // SMLAxy, SMULxy
    if ((hw2 & 0xc0) != 0) return ALU_NOT_MINE;
    multiplyHalves(rd, ra, rRead(rn, 0), rRead(rm, 0), (hw2 & 0x20) != 0, flag);
    return ALU_DONE;
  }
  if ((hw2 & 0xe0) != 0) return ALU_NOT_MINE;
  const n = rRead(rn, 0);
  const m = rRead(rm, 0);
  switch (op1) {
    case 0: break;
    case 2: case 4: multiplyDual(rd, ra, n, m, flag, op1 == 4); return ALU_DONE; // SMLAD SMUAD, SMLSD SMUSD
    case 3: multiplyWordHalf(rd, ra, n, m, flag); return ALU_DONE; // SMLAWy, SMULWy
    case 5: case 6: // SMMLA SMMUL, SMMLS
      if (op1 == 6 && ra == 15) return ALU_NOT_MINE;
      multiplyMostSignificant(rd, ra, n, m, op1 == 6, flag);
      return ALU_DONE;
    default: { // USAD8, USADA8
      if (flag) return ALU_NOT_MINE;
      const sum = sumAbsoluteDifferences(n, m);
      rWrite(rd, ra == 15 ? sum : sum + rRead(ra, 0));
      return ALU_DONE;
    }
  }
  if (flag && ra == 15) return ALU_NOT_MINE; // MLS
  const product = n * m;
  rWrite(rd, ra == 15 ? product : flag ? rRead(ra, 0) - product : rRead(ra, 0) + product);
  return ALU_DONE;
}

/** 1111 1011 1: SMULL SDIV UMULL UDIV SMLAL UMLAL UMAAL. */
function longMultiplyOrDivide(hw1: u32, hw2: u32): u32 {
  const op1 = (hw1 >>> 4) & 7;
  const op2 = (hw2 >>> 4) & 15;
  const rn = hw1 & 15;
  const rdLo = hw2 >>> 12;
  const rdHi = (hw2 >>> 8) & 15;
  const rm = hw2 & 15;
  if (rn == 15 || rm == 15 || rdHi == 15) return ALU_NOT_MINE;
  if ((op1 == 1 || op1 == 3) && op2 == 15 && rdLo == 15) { // SDIV, UDIV (Rd in bits 11:8)
    rWrite(rdHi, divide(rRead(rn, 0), rRead(rm, 0), op1 == 1));
    return ALU_DONE;
  }
  if (op1 == 4 && (op2 & 12) == 8) { // SMLALxy
    if (rdLo == 15 || rdLo == rdHi) return ALU_NOT_MINE;
    multiplyHalvesLong(rdLo, rdHi, rRead(rn, 0), rRead(rm, 0), (op2 & 2) != 0, (op2 & 1) != 0);
    return ALU_DONE;
  }
  if ((op1 == 4 || op1 == 5) && (op2 & 14) == 12) { // SMLALD, SMLSLD
    if (rdLo == 15 || rdLo == rdHi) return ALU_NOT_MINE;
    multiplyDualLong(rdLo, rdHi, rRead(rn, 0), rRead(rm, 0), (op2 & 1) != 0, op1 == 5);
    return ALU_DONE;
  }
  let kind: u32 = 0;
  if (op2 == 0) kind = op1 == 0 ? LONG_SMULL : op1 == 2 ? LONG_UMULL : op1 == 4 ? LONG_SMLAL : op1 == 6 ? LONG_UMLAL : 0;
  else if (op1 == 6 && op2 == 6) kind = LONG_UMAAL;
  if (kind == 0 || rdLo == 15 || rdLo == rdHi) return ALU_NOT_MINE;
  multiplyLong(kind, rdLo, rdHi, rRead(rn, 0), rRead(rm, 0), false);
  return ALU_DONE;
}

/** hw2 bit 15 set: B<c>.W, B.W, BL, BLX <imm>, and the hints of the control space (NOP.W and friends). */
function branchOrHint(hw1: u32, hw2: u32, at: u64, pcValue: u64): u32 {
  const s = (hw1 >>> 10) & 1;
  const j1 = (hw2 >>> 13) & 1;
  const j2 = (hw2 >>> 11) & 1;
  const next = at + 4;
  if ((hw2 & 0x5000) == 0) {
    const cond = (hw1 >>> 6) & 15;
    if (cond >= 14) {
      if (hw1 == 0xf3af && (hw2 & 0xd700) == 0x8000) { // NOP.W YIELD.W WFE.W WFI.W SEV.W DBG: nothing to wait for
        setPc(next);
        return ALU_DONE;
      }
      if (hw1 == 0xf3ef && (hw2 & 0xf0ff) == 0x8000 && ((hw2 >>> 8) & 15) < 13) { // MRS Rd, APSR
        rWrite((hw2 >>> 8) & 15, readStatus());
        setPc(next);
        return ALU_DONE;
      }
      if ((hw1 & 0xfff0) == 0xf380 && (hw2 & 0xf3ff) == 0x8000 && (hw1 & 15) < 13) { // MSR APSR_<mask>, Rn
        writeStatus(rRead(hw1 & 15, 0), (hw2 >>> 10) & 3);
        setPc(next);
        return ALU_DONE;
      }
      return ALU_NOT_MINE; // barriers and the rest of the control space
    }
    const offset = (s << 20) | (j2 << 19) | (j1 << 18) | ((hw1 & 63) << 12) | ((hw2 & 0x7ff) << 1);
    setPc(conditionHolds(cond) ? (pcValue + <u64>(<i64>(<i32>(offset << 11) >> 11))) & 0xffff_ffff : next);
    return ALU_DONE;
  }
  const i1 = ~(j1 ^ s) & 1;
  const i2 = ~(j2 ^ s) & 1;
  const offset = <u32>((<i32>((s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3ff) << 12) | ((hw2 & 0x7ff) << 1)) << 7) >> 7);
  if ((hw2 & 0x4000) == 0) { // B.W
    thumbBranch(<u32>pcValue + offset);
    return ALU_DONE;
  }
  if ((hw2 & 0x1000) == 0 && (hw2 & 1) != 0) return ALU_NOT_MINE; // BLX with H set: UNDEFINED
  rWrite(14, (<u32>next) | 1);
  if ((hw2 & 0x1000) != 0) thumbBranch(<u32>pcValue + offset); // BL
  else interworkingBranch((<u32>pcValue & ~3) + offset); // BLX: to A32
  return ALU_DONE;
}

/** TBB [Rn, Rm] / TBH [Rn, Rm, LSL #1]: a forward branch by twice the table entry. */
function tableBranch(hw1: u32, hw2: u32, pcValue: u64): u32 {
  const rn = hw1 & 15;
  const rm = hw2 & 15;
  if (rm == 13 || rm == 15 || rn == 13) return ALU_NOT_MINE;
  const half = (hw2 & 0x10) != 0;
  const base = rRead(rn, pcValue);
  const index = rRead(rm, 0);
  const entry = readValue(<u64>(half ? base + (index << 1) : base + index), half ? 2 : 1, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  setPc(<u64>(<u32>pcValue + (<u32>entry << 1)));
  return ALU_DONE;
}
