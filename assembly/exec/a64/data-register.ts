// A64 data processing with registers, besides ADD/SUB (shifted register, a64-alu.ts):
// logical (shifted register), ADD/SUB (extended register), ADC/SBC and their flag
// forms, CCMP/CCMN (register and immediate), CSEL/CSINC/CSINV/CSNEG, the one-source
// (RBIT/REV16/REV32/REV/CLZ/CLS), two-source (UDIV/SDIV, LSLV/LSRV/ASRV/RORV, CRC32 and
// CRC32C) and three-source (MADD/MSUB, SMADDL/SMSUBL/UMADDL/UMSUBL, SMULH/UMULH)
// groups, and FEAT_FlagM's RMIF/SETF8/SETF16 (its CFINV is in branch-system.ts). The
// CPU has no FEAT_PAuth, FEAT_MTE or FEAT_CSSC: their encodings here are undefined. Each returns ALU_DONE (pc not set), ALU_UNDEFINED or ALU_NOT_MINE.
import { CPU_NZCV } from "../../layout";
import { record } from "../../machine";
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { xRead, xWrite, addWithCarry, conditionHolds } from "../a64-alu";
import { ALU_UNDEFINED, widthMask, shiftReg, setLogicFlags, signExtend } from "./operands";

@inline function carry(): u64 {
  return <u64>(load<u32>(record + CPU_NZCV) >>> 29) & 1;
}

/** AND/BIC/ORR/ORN/EOR/EON/ANDS/BICS (shifted register). */
function logicalShifted(word: u32): u32 {
  const wide = (word >>> 31) != 0;
  const amount = (word >>> 10) & 63;
  if (!wide && amount > 31) return ALU_UNDEFINED;
  const mask = widthMask(wide);
  let b = shiftReg(xRead((word >>> 16) & 31, false), (word >>> 22) & 3, amount, wide);
  if ((word & 0x0020_0000) != 0) b = ~b & mask;
  const a = xRead((word >>> 5) & 31, false) & mask;
  const opc = (word >>> 29) & 3;
  let result: u64;
  if (opc == 0 || opc == 3) result = a & b;
  else if (opc == 1) result = a | b;
  else result = a ^ b;
  if (opc == 3) setLogicFlags(result, wide);
  xWrite(word & 31, result, false);
  return ALU_DONE;
}

/** ExtendReg(m, option, shift) at the operation's width. */
function extendReg(value: u64, option: u32, shift: u32, wide: bool): u64 {
  const size: u32 = 8 << (option & 3);
  let v = size >= 64 ? value : value & ((<u64>1 << <u64>size) - 1);
  if ((option & 4) != 0 && size < 64) v = signExtend(v, size);
  return (v << <u64>shift) & widthMask(wide);
}

/** ADD/ADDS/SUB/SUBS (extended register): Rn is SP, and Rd too unless flags are set. */
function addSubExtended(word: u32): u32 {
  const wide = (word >>> 31) != 0;
  const shift = (word >>> 10) & 7;
  if ((word & 0x00c0_0000) != 0 || shift > 4) return ALU_UNDEFINED;
  const setFlags = (word & 0x2000_0000) != 0;
  const mask = widthMask(wide);
  const b = extendReg(xRead((word >>> 16) & 31, false), (word >>> 13) & 7, shift, wide);
  const a = xRead((word >>> 5) & 31, true);
  const result = (word & 0x4000_0000) != 0 ? addWithCarry(a, ~b, 1, wide, setFlags) : addWithCarry(a, b, 0, wide, setFlags);
  xWrite(word & 31, result & mask, !setFlags);
  return ALU_DONE;
}

/** ADC/ADCS/SBC/SBCS. */
function addSubCarry(word: u32): u32 {
  const wide = (word >>> 31) != 0;
  const setFlags = (word & 0x2000_0000) != 0;
  const a = xRead((word >>> 5) & 31, false);
  let b = xRead((word >>> 16) & 31, false);
  if ((word & 0x4000_0000) != 0) b = ~b;
  xWrite(word & 31, addWithCarry(a, b, carry(), wide, setFlags) & widthMask(wide), false);
  return ALU_DONE;
}

/** CCMN/CCMP, register (bit 11 clear) or 5-bit immediate. */
function conditionalCompare(word: u32): u32 {
  if (!conditionHolds((word >>> 12) & 15)) {
    store<u32>(record + CPU_NZCV, (word & 15) << 28);
    return ALU_DONE;
  }
  const wide = (word >>> 31) != 0;
  const field = (word >>> 16) & 31;
  const b: u64 = (word & 0x800) != 0 ? <u64>field : xRead(field, false);
  const a = xRead((word >>> 5) & 31, false);
  if ((word & 0x4000_0000) != 0) addWithCarry(a, ~b, 1, wide, true);
  else addWithCarry(a, b, 0, wide, true);
  return ALU_DONE;
}

/** CSEL/CSINC (op 0), CSINV/CSNEG (op 1). */
function conditionalSelect(word: u32): u32 {
  const op2 = (word >>> 10) & 3;
  if ((word & 0x2000_0000) != 0 || op2 > 1) return ALU_UNDEFINED;
  const wide = (word >>> 31) != 0;
  const mask = widthMask(wide);
  let result: u64;
  if (conditionHolds((word >>> 12) & 15)) {
    result = xRead((word >>> 5) & 31, false);
  } else {
    result = xRead((word >>> 16) & 31, false);
    if ((word & 0x4000_0000) != 0) result = ~result;
    if (op2 == 1) result += 1;
  }
  xWrite(word & 31, result & mask, false);
  return ALU_DONE;
}

/** Reverses the bytes inside each `container`-byte unit of a `bytes`-byte value. */
function reverseBytes(value: u64, container: u32, bytes: u32): u64 {
  let result: u64 = 0;
  for (let base: u32 = 0; base < bytes; base += container) {
    for (let i: u32 = 0; i < container; i++) {
      const byte = (value >> <u64>((base + i) << 3)) & 0xff;
      result |= byte << <u64>((base + container - 1 - i) << 3);
    }
  }
  return result;
}

/** RBIT, REV16, REV32/REV, REV, CLZ, CLS. */
function oneSource(word: u32): u32 {
  if ((word & 0x201f_0000) != 0) return ALU_UNDEFINED; // S, opcode2 (PAuth)
  const wide = (word >>> 31) != 0;
  const opcode = (word >>> 10) & 63;
  const mask = widthMask(wide);
  const x = xRead((word >>> 5) & 31, false) & mask;
  const bits: u32 = wide ? 64 : 32;
  let result: u64;
  switch (opcode) {
    case 0: { // RBIT
      let reversed: u64 = 0;
      for (let i: u32 = 0; i < bits; i++) reversed |= ((x >> <u64>i) & 1) << <u64>(bits - 1 - i);
      result = reversed;
      break;
    }
    case 1: result = reverseBytes(x, 2, bits >> 3); break; // REV16
    case 2: result = reverseBytes(x, 4, bits >> 3); break; // REV32 (REV for W)
    case 3: // REV
      if (!wide) return ALU_UNDEFINED;
      result = bswap<u64>(x);
      break;
    case 4: result = wide ? clz<u64>(x) : <u64>clz<u32>(<u32>x); break; // CLZ
    case 5: { // CLS: leading zeros of x<N-1:1> EOR x<N-2:0>
      const differing = ((x ^ (x << 1)) & mask) >> 1;
      result = (wide ? clz<u64>(differing) : <u64>clz<u32>(<u32>differing)) - 1;
      break;
    }
    default: return ALU_UNDEFINED;
  }
  xWrite(word & 31, result, false);
  return ALU_DONE;
}

/** CRC32/CRC32C of `bytes` bytes of `data` into `crc` (the reflected polynomial, as the ARM ARM's BitReverse form). */
function crc32(crc: u32, data: u64, bytes: u32, castagnoli: bool): u32 {
  const poly: u32 = castagnoli ? 0x82f6_3b78 : 0xedb8_8320;
  let value = crc;
  for (let i: u32 = 0; i < bytes; i++) {
    value ^= <u32>(data >> <u64>(i << 3)) & 0xff;
    for (let bit = 0; bit < 8; bit++) value = (value >>> 1) ^ (poly & (0 - (value & 1)));
  }
  return value;
}

/** UDIV/SDIV, LSLV/LSRV/ASRV/RORV, CRC32{B,H,W,X}, CRC32C{B,H,W,X}. */
function twoSource(word: u32): u32 {
  if ((word & 0x2000_0000) != 0) return ALU_UNDEFINED; // S: MTE's SUBPS
  const wide = (word >>> 31) != 0;
  const opcode = (word >>> 10) & 63;
  const mask = widthMask(wide);
  const a = xRead((word >>> 5) & 31, false) & mask;
  const b = xRead((word >>> 16) & 31, false) & mask;
  let result: u64;
  if (opcode == 2 || opcode == 3) {
    if (b == 0) result = 0;
    else if (opcode == 2) result = a / b;
    else if (wide) result = a == 0x8000_0000_0000_0000 && b == mask ? a : <u64>(<i64>a / <i64>b);
    else result = <u64>(<i64><i32><u32>a / <i64><i32><u32>b) & mask;
  } else if (opcode >= 8 && opcode <= 11) {
    result = shiftReg(a, opcode - 8, <u32>(b & (wide ? 63 : 31)), wide);
  } else if (opcode >= 16 && opcode <= 23) {
    const size = opcode & 3;
    if (wide != (size == 3)) return ALU_UNDEFINED;
    result = crc32(<u32>a, b, <u32>1 << size, (opcode & 4) != 0);
  } else {
    return ALU_UNDEFINED;
  }
  xWrite(word & 31, result, false);
  return ALU_DONE;
}

/** The high 64 bits of a 128-bit product of two 64-bit values, unsigned. */
export function mulHighUnsigned(a: u64, b: u64): u64 {
  const aLow = a & 0xffff_ffff, aHigh = a >> 32, bLow = b & 0xffff_ffff, bHigh = b >> 32;
  const lowLow = aLow * bLow;
  const middle1 = aHigh * bLow + (lowLow >> 32);
  const middle2 = aLow * bHigh + (middle1 & 0xffff_ffff);
  return aHigh * bHigh + (middle1 >> 32) + (middle2 >> 32);
}

/** MADD/MSUB, SMADDL/SMSUBL/UMADDL/UMSUBL, SMULH/UMULH. */
function threeSource(word: u32): u32 {
  const wide = (word >>> 31) != 0;
  const op31 = (word >>> 21) & 7;
  const subtract = (word & 0x8000) != 0;
  if ((word & 0x6000_0000) != 0 || (!wide && op31 != 0)) return ALU_UNDEFINED;
  const n = xRead((word >>> 5) & 31, false);
  const m = xRead((word >>> 16) & 31, false);
  const addend = xRead((word >>> 10) & 31, false);
  let result: u64;
  switch (op31) {
    case 0: result = subtract ? addend - n * m : addend + n * m; break;
    case 1: case 5: { // SMADDL/SMSUBL, UMADDL/UMSUBL
      const product = op31 == 1 ? <u64>(<i64><i32><u32>n * <i64><i32><u32>m) : (n & 0xffff_ffff) * (m & 0xffff_ffff);
      result = subtract ? addend - product : addend + product;
      break;
    }
    case 2: case 6: { // SMULH, UMULH
      if (subtract) return ALU_UNDEFINED;
      result = mulHighUnsigned(n, m);
      // The signed high half: subtract the other operand for each negative one.
      if (op31 == 2) result -= ((<i64>n < 0) ? m : 0) + ((<i64>m < 0) ? n : 0);
      break;
    }
    default: return ALU_UNDEFINED;
  }
  xWrite(word & 31, result & widthMask(wide), false);
  return ALU_DONE;
}

/**
 * FEAT_FlagM: RMIF Xn, #shift, #mask (the flags `mask` selects, NZCV order, from Xn
 * rotated right by `shift`), SETF8/SETF16 Wn (N and Z from the low 8/16 bits, V from
 * the bit above XOR the top one; C kept). Other encodings of the group are undefined.
 */
function flagManipulation(word: u32): u32 {
  const nzcv = load<u32>(record + CPU_NZCV);
  const rn = (word >>> 5) & 31;
  if ((word & 0xffe0_7c10) == 0xba00_0400) { // RMIF
    const flags = <u32>(rotr<u64>(xRead(rn, false), <u64>((word >>> 15) & 63)) & 15);
    const mask = word & 15;
    store<u32>(record + CPU_NZCV, (nzcv & ~(mask << 28)) | ((flags & mask) << 28));
    return ALU_DONE;
  }
  if ((word & 0xffff_bc1f) == 0x3a00_080d) { // SETF8 (bit 14 clear), SETF16 (set)
    const top: u32 = (word & 0x4000) != 0 ? 15 : 7;
    const value = <u32>xRead(rn, false);
    const n = (value >>> top) & 1;
    const z: u32 = (value & ((<u32>2 << top) - 1)) == 0 ? 1 : 0;
    const v = ((value >>> (top + 1)) ^ n) & 1;
    store<u32>(record + CPU_NZCV, (n << 31) | (z << 30) | (nzcv & (1 << 29)) | (v << 28));
    return ALU_DONE;
  }
  return ALU_UNDEFINED;
}

/** Data processing (register) other than ADD/SUB (shifted register). */
export function a64DataRegister(word: u32): u32 {
  if ((word & 0x1f00_0000) == 0x0a00_0000) return logicalShifted(word);
  if ((word & 0x1f20_0000) == 0x0b20_0000) return addSubExtended(word);
  if ((word & 0x1f00_0000) == 0x1b00_0000) return threeSource(word);
  switch (word & 0x1fe0_0000) {
    case 0x1a00_0000: return (word & 0xfc00) == 0 ? addSubCarry(word) : flagManipulation(word);
    case 0x1a40_0000: return (word & 0x2000_0410) == 0x2000_0000 ? conditionalCompare(word) : ALU_UNDEFINED;
    case 0x1a80_0000: return conditionalSelect(word);
    case 0x1ac0_0000: return (word & 0x4000_0000) != 0 ? oneSource(word) : twoSource(word);
    default: return ALU_NOT_MINE;
  }
}
