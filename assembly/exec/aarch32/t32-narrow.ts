// The 16-bit Thumb instructions outside the load/stores: shifts by an immediate,
// ADD/SUB (register, imm3, imm8), MOV/CMP imm8, the sixteen register operations
// (AND EOR LSL LSR ASR ADC SBC ROR TST NEG CMP CMN ORR MUL BIC MVN), ADD/CMP/MOV on
// high registers (to PC: a branch), BX/BLX register, ADR, ADD Rd, SP, #imm and
// ADD/SUB SP, #imm, SXTH/SXTB/UXTH/UXTB, REV/REV16/REVSH, CBZ/CBNZ, B<c> and B.
// Outside an IT block the data-processing forms set the flags (TST/CMP/CMN always).
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { setPc } from "../../cpu/regs";
import { rRead, rWrite, interworkingBranch } from "../a32-loadstore";
import { conditionHolds } from "../a64-alu";
import {
  shifterCarry, carryFlag, setNZ, setNZC, shiftCarry, immediateShift, dataOperation, addWithCarry32, thumbBranch,
  OP_AND, OP_EOR, OP_ADC, OP_SBC, OP_TST, OP_RSB, OP_CMP, OP_CMN, OP_ORR, OP_BIC, OP_MVN,
} from "./flags";
import { extend, reverse, EXTEND_SH, EXTEND_SB, EXTEND_UH, EXTEND_UB } from "./integer";

/** Runs the 16-bit `word` at `at` (its IT condition already passed): ALU_DONE (pc set) or ALU_NOT_MINE. */
export function t32Narrow(word: u32, at: u64, inIt: bool): u32 {
  const pcValue = at + 4;
  const next = at + 2;
  const setFlags = !inIt;
  const low = word & 7;
  const mid = (word >>> 3) & 7;
  const rdn = (word >>> 8) & 7;
  const imm8 = word & 0xff;
  const top5 = word >>> 11;
  if (top5 <= 2) { // LSL LSR ASR #imm5 (LSL #0: MOVS Rd, Rm)
    const result = immediateShift(rRead(mid, 0), top5, (word >>> 6) & 31, carryFlag());
    rWrite(low, result);
    if (setFlags) setNZC(result, shifterCarry);
  } else if (top5 == 3) { // ADD/SUB Rd, Rn, Rm or #imm3
    const b = (word & 0x400) != 0 ? (word >>> 6) & 7 : rRead((word >>> 6) & 7, 0);
    const a = rRead(mid, 0);
    rWrite(low, (word & 0x200) != 0 ? addWithCarry32(a, ~b, 1, setFlags) : addWithCarry32(a, b, 0, setFlags));
  } else if (top5 <= 7) { // MOV CMP ADD SUB #imm8
    const op = top5 & 3;
    if (op == 0) {
      rWrite(rdn, imm8);
      if (setFlags) setNZ(imm8);
    } else if (op == 1) {
      addWithCarry32(rRead(rdn, 0), ~imm8, 1, true);
    } else {
      rWrite(rdn, op == 2 ? addWithCarry32(rRead(rdn, 0), imm8, 0, setFlags) : addWithCarry32(rRead(rdn, 0), ~imm8, 1, setFlags));
    }
  } else if ((word >>> 10) == 0b010000) {
    registerOperation((word >>> 6) & 15, low, rRead(mid, 0), setFlags);
  } else if ((word >>> 10) == 0b010001) {
    return special(word, at, pcValue);
  } else if ((word >>> 11) == 0b10100) { // ADR
    rWrite(rdn, (<u32>pcValue & ~3) + (imm8 << 2));
  } else if ((word >>> 11) == 0b10101) { // ADD Rd, SP, #imm8
    rWrite(rdn, rRead(13, 0) + (imm8 << 2));
  } else if ((word & 0xff00) == 0xb000) { // ADD/SUB SP, SP, #imm7
    const offset = (word & 0x7f) << 2;
    rWrite(13, (word & 0x80) != 0 ? rRead(13, 0) - offset : rRead(13, 0) + offset);
  } else if ((word & 0xff00) == 0xb200) { // SXTH SXTB UXTH UXTB
    const op = (word >>> 6) & 3;
    rWrite(low, extend(op == 0 ? EXTEND_SH : op == 1 ? EXTEND_SB : op == 2 ? EXTEND_UH : EXTEND_UB, 0, rRead(mid, 0), 0));
  } else if ((word & 0xff00) == 0xba00 && (word & 0xc0) != 0x80) { // REV REV16 REVSH (op 2 is HLT)
    rWrite(low, reverse((word >>> 6) & 3, rRead(mid, 0)));
  } else if ((word & 0xf500) == 0xb100) { // CBZ, CBNZ
    const offset = <u64>((((word >>> 9) & 1) << 6) | (((word >>> 3) & 31) << 1));
    const zero = rRead(low, 0) == 0;
    setPc(zero == ((word & 0x800) == 0) ? pcValue + offset : next);
    return ALU_DONE;
  } else if ((word >>> 12) == 0b1101 && ((word >>> 8) & 15) < 14) { // B<c>
    setPc(conditionHolds((word >>> 8) & 15) ? (pcValue + <u64>(<i64>(<i8>imm8) << 1)) & 0xffff_ffff : next);
    return ALU_DONE;
  } else if (top5 == 0b11100) { // B
    setPc((pcValue + <u64>(<i64>(<i32>(word << 21) >> 20))) & 0xffff_ffff);
    return ALU_DONE;
  } else {
    return ALU_NOT_MINE;
  }
  setPc(next);
  return ALU_DONE;
}

/** The sixteen register operations of 010000 op Rm Rdn; `m` is Rm's value. */
export function registerOperation(op: u32, rdn: u32, m: u32, setFlags: bool): void {
  const n = rRead(rdn, 0);
  let result: u32;
  switch (op) {
    case 2: case 3: case 4: case 7: { // LSL LSR ASR ROR (register)
      const type: u32 = op == 2 ? 0 : op == 3 ? 1 : op == 4 ? 2 : 3;
      result = shiftCarry(n, type, m & 0xff, carryFlag());
      if (setFlags) setNZC(result, shifterCarry);
      break;
    }
    case 8: dataOperation(OP_TST, n, m, carryFlag(), true); return;
    case 10: dataOperation(OP_CMP, n, m, 0, true); return;
    case 11: dataOperation(OP_CMN, n, m, 0, true); return;
    case 9: result = dataOperation(OP_RSB, m, 0, 0, setFlags); break; // NEG: RSBS Rd, Rm, #0
    case 13: // MUL
      result = n * m;
      if (setFlags) setNZ(result);
      break;
    default: {
      const opcode = op == 0 ? OP_AND : op == 1 ? OP_EOR : op == 5 ? OP_ADC : op == 6 ? OP_SBC : op == 12 ? OP_ORR : op == 14 ? OP_BIC : OP_MVN;
      result = dataOperation(opcode, n, m, carryFlag(), setFlags);
    }
  }
  rWrite(rdn, result);
}

/** 010001: ADD, CMP and MOV on any registers (PC reads as the instruction + 4; to PC a branch), BX and BLX. */
function special(word: u32, at: u64, pcValue: u64): u32 {
  const op = (word >>> 8) & 3;
  const rm = (word >>> 3) & 15;
  const rd = ((word >>> 4) & 8) | (word & 7);
  if (op == 3) {
    if ((word & 7) != 0) return ALU_NOT_MINE;
    const target = rRead(rm, pcValue);
    if ((word & 0x80) != 0) { // BLX
      if (rm == 15) return ALU_NOT_MINE;
      rWrite(14, (<u32>at + 2) | 1);
    }
    interworkingBranch(target);
    return ALU_DONE;
  }
  if (op == 1) {
    addWithCarry32(rRead(rd, pcValue), ~rRead(rm, pcValue), 1, true);
    setPc(at + 2);
    return ALU_DONE;
  }
  const result = op == 0 ? rRead(rd, pcValue) + rRead(rm, pcValue) : rRead(rm, pcValue);
  if (rd == 15) {
    thumbBranch(result);
  } else {
    rWrite(rd, result);
    setPc(at + 2);
  }
  return ALU_DONE;
}
