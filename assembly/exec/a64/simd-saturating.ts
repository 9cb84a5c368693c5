// The Advanced SIMD integer forms that saturate, round or halve (ARM ARM C4.1.95-), vector
// and scalar, beside simd-arith.ts's plain ones: three same (SHADD/UHADD, SQADD/UQADD,
// SRHADD/URHADD, SHSUB/UHSUB, SQSUB/UQSUB, SQSHL/UQSHL, SRSHL/URSHL, SQRSHL/UQRSHL,
// SQDMULH/SQRDMULH), three different (ADDHN/RADDHN, SUBHN/RSUBHN, SABAL/UABAL,
// SABDL/UABDL, SQDMLAL/SQDMLSL/SQDMULL), two-register misc (SUQADD/USQADD, SQABS/SQNEG,
// SQXTN/UQXTN/SQXTUN) and shifts by immediate (SRSHR/URSHR, SRSRA/URSRA, SQSHLU,
// SQSHL/UQSHL, SQSHRN/UQSHRN/SQSHRUN, RSHRN/SQRSHRN/UQRSHRN/SQRSHRUN). A saturating lane
// sets FPSR.QC. Returns ALU_DONE, ALU_UNDEFINED, or ALU_NOT_MINE for other opcodes.
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { ALU_UNDEFINED } from "./operands";
import {
  lane, resultFrom, setLane, writeResult, decodeShiftImmediate, shiftQ, shiftU, shiftOpcode, shiftSize, shiftBytes, shiftBits,
  shiftRightAmount, shiftLeftAmount,
} from "./simd-lanes";
import {
  beginSaturation, endSaturation, satSigned, satUnsignedOfSigned, satUnsignedOfUnsigned, addSigned, addUnsigned,
  accumulateUnsignedIntoSigned, accumulateSignedIntoUnsigned, absNegSigned, shiftLeftSaturating, shiftRight,
  roundingShiftRight, shiftByRegister, doublingMultiplyHigh, doublingMultiplyLong,
} from "./simd-saturate";

const NO_REGISTER: u32 = 32;

/** Lanes of `bytes` in a vector (Q: 128 bits, else 64), or 1 for a scalar. */
@inline function laneCount(bytes: u32, q: bool, scalar: bool): u32 {
  return scalar ? 1 : (q ? 16 : 8) / bytes;
}

/** One lane of a three-same opcode handled here; `a`, `b`, `d` come extended by the lane's signedness. */
function sameLane(opcode: u32, u: bool, a: u64, b: u64, bits: u32): u64 {
  switch (opcode) {
    case 0b00000: return <u64>((<i64>a + <i64>b) >> 1); // SHADD, UHADD
    case 0b00010: return <u64>((<i64>a + <i64>b + 1) >> 1); // SRHADD, URHADD
    case 0b00100: return <u64>((<i64>a - <i64>b) >> 1); // SHSUB, UHSUB
    case 0b00001: case 0b00101: // SQADD, UQADD, SQSUB, UQSUB
      return u ? addUnsigned(a, b, bits, opcode == 0b00101) : addSigned(<i64>a, <i64>b, bits, opcode == 0b00101);
    case 0b01001: return shiftByRegister(a, b, bits, !u, false, true); // SQSHL, UQSHL
    case 0b01010: return shiftByRegister(a, b, bits, !u, true, false); // SRSHL, URSHL
    case 0b01011: return shiftByRegister(a, b, bits, !u, true, true); // SQRSHL, UQRSHL
    default: return doublingMultiplyHigh(0, <i64>a, <i64>b, bits, u, false); // 0b10110: SQDMULH, SQRDMULH
  }
}

function threeSame(word: u32, scalar: bool): u32 {
  const q = (word & 0x4000_0000) != 0 && !scalar;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 11) & 31;
  const halving = opcode == 0b00000 || opcode == 0b00010 || opcode == 0b00100;
  const anySize = opcode == 0b00001 || opcode == 0b00101 || opcode == 0b01001 || opcode == 0b01011;
  const doubling = opcode == 0b10110;
  if (!halving && !anySize && !doubling && opcode != 0b01010) return ALU_NOT_MINE;
  if (halving) {
    if (scalar || size == 3) return ALU_UNDEFINED;
  } else if (doubling) {
    if (size == 0 || size == 3) return ALU_UNDEFINED;
  } else if (scalar ? opcode == 0b01010 && size != 3 : size == 3 && !q) {
    return ALU_UNDEFINED;
  }
  const bytes: u32 = 1 << size;
  const lanes = laneCount(bytes, q, scalar);
  const isSigned = !u || doubling;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  beginSaturation();
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    setLane(i, bytes, sameLane(opcode, u, lane(rn, i, bytes, isSigned), lane(rm, i, bytes, isSigned), bytes << 3));
  }
  writeResult(rd, q);
  endSaturation();
  return ALU_DONE;
}

/** Three different: the narrowing high halves, absolute-difference long, and the doubling long multiplies. */
function threeDifferent(word: u32, scalar: bool): u32 {
  const q = (word & 0x4000_0000) != 0 && !scalar;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 12) & 15;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const doubling = opcode == 0b1001 || opcode == 0b1011 || opcode == 0b1101;
  const narrowing = opcode == 0b0100 || opcode == 0b0110;
  if (scalar ? !doubling : !doubling && !narrowing && opcode != 0b0101 && opcode != 0b0111) return ALU_NOT_MINE;
  if (size == 3 || (doubling && (u || size == 0))) return ALU_UNDEFINED;
  const bytes: u32 = 1 << size;
  const bits = bytes << 3;
  const lanes: u32 = scalar ? 1 : 8 >> size;
  const part: u32 = q ? lanes : 0;
  beginSaturation();
  if (narrowing) { // ADDHN, RADDHN, SUBHN, RSUBHN: the high half of each double-width sum, into the lower or (Q) upper half
    const round: u64 = u ? <u64>1 << <u64>(bits - 1) : 0;
    resultFrom(q ? rd : NO_REGISTER);
    for (let i: u32 = 0; i < lanes; i++) {
      const a = lane(rn, i, bytes << 1, false), b = lane(rm, i, bytes << 1, false);
      setLane(i + part, bytes, ((opcode == 0b0100 ? a + b : a - b) + round) >> <u64>bits);
    }
    writeResult(rd, q);
    return ALU_DONE;
  }
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const a = lane(rn, i + part, bytes, !u), b = lane(rm, i + part, bytes, !u);
    const d = lane(rd, i, bytes << 1, true);
    let r: u64;
    if (!doubling) { // SABAL/UABAL (0101), SABDL/UABDL (0111)
      const difference = <i64>a > <i64>b ? a - b : b - a;
      r = opcode == 0b0101 ? d + difference : difference;
    } else {
      const product = doublingMultiplyLong(<i64>a, <i64>b, bits);
      r = opcode == 0b1101 ? product : addSigned(<i64>d, <i64>product, bits << 1, opcode == 0b1011);
    }
    setLane(i, bytes << 1, r);
  }
  writeResult(rd, !scalar);
  endSaturation();
  return ALU_DONE;
}

/** Saturating narrow of an extended lane: SQXTN (signed to signed), UQXTN (unsigned), SQXTUN (signed to unsigned). */
function narrowSaturating(value: u64, bits: u32, signedIn: bool, signedOut: bool): u64 {
  if (signedOut) return satSigned(<i64>value, bits);
  return signedIn ? satUnsignedOfSigned(<i64>value, bits) : satUnsignedOfUnsigned(value, bits);
}

/** Writes the narrowed lanes of V`rn` (double width) to the lower half of Vd, or (Q) its upper half keeping the lower. */
function narrowLanes(rd: u32, rn: u32, size: u32, q: bool, scalar: bool, signedIn: bool, signedOut: bool, right: u32, rounding: bool, saturating: bool): void {
  const bytes: u32 = 1 << size;
  const bits = bytes << 3;
  const lanes: u32 = scalar ? 1 : 8 >> size;
  beginSaturation();
  resultFrom(q ? rd : NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const source = lane(rn, i, bytes << 1, signedIn);
    const shifted = right == 0 ? source : rounding ? roundingShiftRight(source, right, signedIn) : shiftRight(source, right, signedIn);
    setLane(i + (q ? lanes : 0), bytes, saturating ? narrowSaturating(shifted, bits, signedIn, signedOut) : shifted);
  }
  writeResult(rd, q);
  endSaturation();
}

/** Two-register misc: SUQADD/USQADD, SQABS/SQNEG, SQXTN/UQXTN, SQXTUN. */
function twoRegisterMisc(word: u32, scalar: bool): u32 {
  const q = (word & 0x4000_0000) != 0 && !scalar;
  const u = (word & 0x2000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 12) & 31;
  const rd = word & 31, rn = (word >>> 5) & 31;
  if (opcode == 0b10100 || (opcode == 0b10010 && u)) {
    if (size == 3) return ALU_UNDEFINED;
    const signedIn = opcode == 0b10010 || !u;
    narrowLanes(rd, rn, size, q, scalar, signedIn, opcode == 0b10100 && !u, 0, false, true);
    return ALU_DONE;
  }
  if (opcode != 0b00011 && opcode != 0b00111) return ALU_NOT_MINE;
  if (!scalar && size == 3 && !q) return ALU_UNDEFINED;
  const bytes: u32 = 1 << size;
  const bits = bytes << 3;
  const lanes = laneCount(bytes, q, scalar);
  beginSaturation();
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    let r: u64;
    if (opcode == 0b00111) r = absNegSigned(<i64>lane(rn, i, bytes, true), bits, u); // SQABS, SQNEG
    else if (u) r = accumulateSignedIntoUnsigned(lane(rd, i, bytes, false), <i64>lane(rn, i, bytes, true), bits); // USQADD
    else r = accumulateUnsignedIntoSigned(<i64>lane(rd, i, bytes, true), lane(rn, i, bytes, false), bits); // SUQADD
    setLane(i, bytes, r);
  }
  writeResult(rd, q);
  endSaturation();
  return ALU_DONE;
}

/** Shifts by immediate: the rounding and saturating forms. */
function shiftImmediate(word: u32, scalar: bool): u32 {
  decodeShiftImmediate(word, scalar);
  const q = shiftQ, u = shiftU, opcode = shiftOpcode, size = shiftSize, bytes = shiftBytes, bits = shiftBits;
  const right = shiftRightAmount, left = shiftLeftAmount;
  const rd = word & 31, rn = (word >>> 5) & 31;
  if (opcode >= 0b10000 && opcode <= 0b10011) { // the narrowing right shifts
    if (opcode == 0b10000 && !u) return ALU_NOT_MINE; // SHRN: simd-arith.ts
    if (size == 3 || (scalar && opcode == 0b10001 && !u)) return ALU_UNDEFINED; // no scalar RSHRN
    const toUnsigned = opcode <= 0b10001 && u; // SQSHRUN, SQRSHRUN
    const signedIn = toUnsigned || !u;
    const saturating = !(opcode == 0b10001 && !u); // all but RSHRN
    narrowLanes(rd, rn, size, q, scalar, signedIn, signedIn && !toUnsigned, right, (opcode & 1) != 0, saturating);
    return ALU_DONE;
  }
  const rounding = opcode == 0b00100 || opcode == 0b00110;
  const saturatingLeft = opcode == 0b01110 || (opcode == 0b01100 && u);
  if (opcode == 0b01100 && !u) return ALU_UNDEFINED;
  if (!rounding && !saturatingLeft) return ALU_NOT_MINE;
  if (scalar ? rounding && size != 3 : size == 3 && !q) return ALU_UNDEFINED;
  const lanes = laneCount(bytes, q, scalar);
  const isSigned = !u || opcode == 0b01100;
  beginSaturation();
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    const value = lane(rn, i, bytes, isSigned);
    let r: u64;
    if (saturatingLeft) r = shiftLeftSaturating(value, left, bits, isSigned, !u);
    else {
      r = roundingShiftRight(value, right, isSigned);
      if (opcode == 0b00110) r += lane(rd, i, bytes, false); // SRSRA, URSRA
    }
    setLane(i, bytes, r);
  }
  writeResult(rd, q);
  endSaturation();
  return ALU_DONE;
}

/** The saturating, rounding and halving Advanced SIMD integer groups, or ALU_NOT_MINE. */
export function a64SimdSaturating(word: u32): u32 {
  if ((word & 0x9f20_0400) == 0x0e20_0400) return threeSame(word, false);
  if ((word & 0x9f20_0c00) == 0x0e20_0000) return threeDifferent(word, false);
  if ((word & 0x9f3e_0c00) == 0x0e20_0800) return twoRegisterMisc(word, false);
  if ((word & 0x9f80_0400) == 0x0f00_0400 && (word & 0x0078_0000) != 0) return shiftImmediate(word, false);
  if ((word & 0xdf20_0400) == 0x5e20_0400) return threeSame(word, true);
  if ((word & 0xdf20_0c00) == 0x5e20_0000) return threeDifferent(word, true);
  if ((word & 0xdf3e_0c00) == 0x5e20_0800) return twoRegisterMisc(word, true);
  if ((word & 0xdf80_0400) == 0x5f00_0400 && (word & 0x0078_0000) != 0) return shiftImmediate(word, true);
  return ALU_NOT_MINE;
}
