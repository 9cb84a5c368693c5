// Advanced SIMD and FP data movement (ARM ARM C4.1.95-): DUP (element, general), SMOV,
// UMOV, INS (general, element), MOVI/MVNI/ORR/BIC (vector, immediate) and FMOV (vector,
// immediate), UZP/TRN/ZIP, EXT, TBL/TBX, the scalar ADDP and DUP (element), and FMOV
// between general and SIMD&FP registers and between SIMD&FP registers. Returns ALU_DONE,
// ALU_UNDEFINED or ALU_NOT_MINE.
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { xRead, xWrite } from "../a64-alu";
import { ALU_UNDEFINED } from "./operands";
import { lane, resultFrom, setLane, writeResult, writeHalves, vAddress } from "./simd-lanes";

const NO_REGISTER: u32 = 32;

/** DUP, SMOV, UMOV, INS: the element size comes from imm5's lowest set bit. */
function copy(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const op = (word & 0x2000_0000) != 0;
  const imm5 = (word >>> 16) & 31;
  const imm4 = (word >>> 11) & 15;
  const rd = word & 31, rn = (word >>> 5) & 31;
  if ((imm5 & 15) == 0) return ALU_UNDEFINED;
  const size = ctz<u32>(imm5);
  const bytes: u32 = 1 << size;
  const index = imm5 >>> (size + 1);
  if (op) { // INS (element)
    if (!q) return ALU_UNDEFINED;
    const value = lane(rn, imm4 >>> size, bytes, false);
    resultFrom(rd);
    setLane(index, bytes, value);
    writeResult(rd, true);
    return ALU_DONE;
  }
  switch (imm4) {
    case 0: case 1: { // DUP (element), DUP (general)
      if (size == 3 && !q) return ALU_UNDEFINED;
      const value = imm4 == 0 ? lane(rn, index, bytes, false) : xRead(rn, false);
      resultFrom(NO_REGISTER);
      const lanes: u32 = (q ? 16 : 8) >> size;
      for (let i: u32 = 0; i < lanes; i++) setLane(i, bytes, value);
      writeResult(rd, q);
      return ALU_DONE;
    }
    case 3: { // INS (general)
      if (!q) return ALU_UNDEFINED;
      resultFrom(rd);
      setLane(index, bytes, xRead(rn, false));
      writeResult(rd, true);
      return ALU_DONE;
    }
    case 5: { // SMOV
      if (size == 3 || (size == 2 && !q)) return ALU_UNDEFINED;
      const value = lane(rn, index, bytes, true);
      xWrite(rd, q ? value : value & 0xffff_ffff, false);
      return ALU_DONE;
    }
    case 7: { // UMOV
      if (q ? size != 3 : size == 3) return ALU_UNDEFINED;
      xWrite(rd, lane(rn, index, bytes, false), false);
      return ALU_DONE;
    }
    default: return ALU_UNDEFINED;
  }
}

/** VFPExpandImm of abcdefgh for a single (32-bit) or double (64-bit) value. */
function fpImmediate(imm8: u32, double: bool): u64 {
  const sign = <u64>(imm8 >>> 7);
  const b = <u64>((imm8 >>> 6) & 1);
  const fraction = <u64>(imm8 & 0x3f);
  if (double) return (sign << 63) | ((b ^ 1) << 62) | ((b * 0xff) << 54) | (fraction << 48);
  return (sign << 31) | ((b ^ 1) << 30) | ((b * 0x1f) << 25) | (fraction << 19);
}

/** What advSimdExpandImm found: how the value combines with Vd, or that the word is not one it runs. */
export const IMMEDIATE_MOVE: u32 = 0;
export const IMMEDIATE_ORR: u32 = 1;
export const IMMEDIATE_BIC: u32 = 2;
export const IMMEDIATE_NOT_MINE: u32 = 3; // FMOV (vector, immediate) half-precision: FEAT_FP16
export const IMMEDIATE_UNDEFINED: u32 = 4;
export let immediateKind: u32 = IMMEDIATE_MOVE;

/**
 * AdvSIMDExpandImm for a MOVI, MVNI, ORR or BIC (vector, immediate) or FMOV (vector,
 * immediate) word: the 64-bit value (inverted for MVNI), with immediateKind set. The
 * run loop's micro-op (uop-simd.ts) expands it once, when it decodes the word.
 */
export function advSimdExpandImm(word: u32): u64 {
  const q = (word & 0x4000_0000) != 0;
  const op = (word & 0x2000_0000) != 0;
  const cmode = (word >>> 12) & 15;
  immediateKind = IMMEDIATE_MOVE;
  if ((word & 0x800) != 0) {
    immediateKind = IMMEDIATE_NOT_MINE;
    return 0;
  }
  const imm8 = (((word >>> 16) & 7) << 5) | ((word >>> 5) & 31);
  const imm = <u64>imm8;
  let imm64: u64;
  let invert = op;
  switch (cmode >>> 1) {
    case 0: case 1: case 2: case 3: {
      imm64 = (imm << <u64>((cmode >>> 1) << 3)) * 0x1_0000_0001;
      if ((cmode & 1) != 0) { immediateKind = op ? IMMEDIATE_BIC : IMMEDIATE_ORR; invert = false; }
      break;
    }
    case 4: case 5: {
      imm64 = (imm << <u64>(((cmode >>> 1) & 1) << 3)) * 0x0001_0001_0001_0001;
      if ((cmode & 1) != 0) { immediateKind = op ? IMMEDIATE_BIC : IMMEDIATE_ORR; invert = false; }
      break;
    }
    case 6: {
      const ones: u64 = (cmode & 1) != 0 ? 0xffff : 0xff;
      imm64 = ((imm << <u64>((cmode & 1) != 0 ? 16 : 8)) | ones) * 0x1_0000_0001;
      break;
    }
    default: {
      invert = false;
      if ((cmode & 1) == 0) {
        if (!op) imm64 = imm * 0x0101_0101_0101_0101;
        else {
          imm64 = 0;
          for (let i: u32 = 0; i < 8; i++) if (((imm8 >>> i) & 1) != 0) imm64 |= <u64>0xff << <u64>(i << 3);
        }
      } else if (!op) {
        imm64 = fpImmediate(imm8, false) * 0x1_0000_0001;
      } else {
        if (!q) {
          immediateKind = IMMEDIATE_UNDEFINED;
          return 0;
        }
        imm64 = fpImmediate(imm8, true);
      }
    }
  }
  return invert ? ~imm64 : imm64;
}

/** Vd = the expanded value in each half (the upper half zero without `q`), or Vd ORR / BIC it (IMMEDIATE_*). */
@inline export function applyImmediate(rd: u32, imm64: u64, kind: u32, q: bool): void {
  let low = imm64, high = imm64;
  if (kind != IMMEDIATE_MOVE) {
    const dLow = load<u64>(vAddress(rd)), dHigh = load<u64>(vAddress(rd), 8);
    low = kind == IMMEDIATE_ORR ? dLow | imm64 : dLow & ~imm64;
    high = kind == IMMEDIATE_ORR ? dHigh | imm64 : dHigh & ~imm64;
  }
  writeHalves(rd, low, high, q);
}

/** MOVI, MVNI, ORR and BIC (vector, immediate), FMOV (vector, immediate). */
function modifiedImmediate(word: u32): u32 {
  const imm64 = advSimdExpandImm(word);
  if (immediateKind == IMMEDIATE_NOT_MINE) return ALU_NOT_MINE;
  if (immediateKind == IMMEDIATE_UNDEFINED) return ALU_UNDEFINED;
  applyImmediate(word & 31, imm64, immediateKind, (word & 0x4000_0000) != 0);
  return ALU_DONE;
}

/** UZP1/UZP2, TRN1/TRN2, ZIP1/ZIP2. */
function permute(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const size = (word >>> 22) & 3;
  const opcode = (word >>> 12) & 7;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  if ((opcode & 3) == 0 || (size == 3 && !q)) return ALU_UNDEFINED;
  const bytes: u32 = 1 << size;
  const lanes: u32 = (q ? 16 : 8) >> size;
  const second: u32 = opcode >>> 2;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < lanes; i++) {
    let value: u64;
    switch (opcode & 3) {
      case 1: { // UZP: even (or odd) lanes of Vn:Vm
        const k = (i << 1) + second;
        value = k < lanes ? lane(rn, k, bytes, false) : lane(rm, k - lanes, bytes, false);
        break;
      }
      case 2: value = lane((i & 1) == 0 ? rn : rm, (i & ~1) + second, bytes, false); break; // TRN
      default: value = lane((i & 1) == 0 ? rn : rm, (i >>> 1) + second * (lanes >>> 1), bytes, false); // ZIP
    }
    setLane(i, bytes, value);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** EXT: bytes from position imm4 of Vm:Vn (Vn lowest). */
function extract(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const position = (word >>> 11) & 15;
  if (!q && position > 7) return ALU_UNDEFINED;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const length: u32 = q ? 16 : 8;
  resultFrom(NO_REGISTER);
  for (let i: u32 = 0; i < length; i++) {
    const k = position + i;
    setLane(i, 1, k < length ? lane(rn, k, 1, false) : lane(rm, k - length, 1, false));
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** TBL/TBX with 1-4 table registers (numbered modulo 32). */
function tableLookup(word: u32): u32 {
  const q = (word & 0x4000_0000) != 0;
  const registers = ((word >>> 13) & 3) + 1;
  const extend = (word & 0x1000) != 0;
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const length: u32 = q ? 16 : 8;
  resultFrom(extend ? rd : NO_REGISTER);
  for (let i: u32 = 0; i < length; i++) {
    const index = <u32>lane(rm, i, 1, false);
    if (index < registers << 4) setLane(i, 1, lane((rn + (index >>> 4)) & 31, index & 15, 1, false));
    else if (!extend) setLane(i, 1, 0);
  }
  writeResult(rd, q);
  return ALU_DONE;
}

/** FMOV between a general register and S, D or V.D[1]; FMOV (register) of S or D. */
function fmov(word: u32): u32 {
  const rd = word & 31, rn = (word >>> 5) & 31;
  if ((word & 0xff3f_fc00) == 0x1e20_4000) { // FMOV (register)
    const type = (word >>> 22) & 3;
    if (type > 1) return ALU_NOT_MINE;
    const value = load<u64>(vAddress(rn));
    writeHalves(rd, type == 0 ? value & 0xffff_ffff : value, 0, true);
    return ALU_DONE;
  }
  switch (word & 0xfffe_fc00) { // sf type rmode opcode<2:1>, opcode<0> = to SIMD&FP
    case 0x1e26_0000: case 0x9e66_0000: {
      const wide = (word >>> 31) != 0;
      if ((word & 0x1_0000) != 0) writeHalves(rd, wide ? xRead(rn, false) : xRead(rn, false) & 0xffff_ffff, 0, true);
      else xWrite(rd, wide ? load<u64>(vAddress(rn)) : <u64>load<u32>(vAddress(rn)), false);
      return ALU_DONE;
    }
    case 0x9eae_0000: {
      if ((word & 0x1_0000) != 0) store<u64>(vAddress(rd), xRead(rn, false), 8);
      else xWrite(rd, load<u64>(vAddress(rn), 8), false);
      return ALU_DONE;
    }
    default: return ALU_NOT_MINE;
  }
}

/** The Advanced SIMD and FP data movement groups handled here, or ALU_NOT_MINE. */
export function a64SimdMove(word: u32): u32 {
  if ((word & 0x9fe0_8400) == 0x0e00_0400) return copy(word);
  if ((word & 0x9ff8_0400) == 0x0f00_0400) return modifiedImmediate(word);
  if ((word & 0xbf20_8c00) == 0x0e00_0800) return permute(word);
  if ((word & 0xbfe0_8400) == 0x2e00_0000) return extract(word);
  if ((word & 0xbfe0_8c00) == 0x0e00_0000) return tableLookup(word);
  if ((word & 0xff3f_fc00) == 0x5e31_b800) { // ADDP (scalar): D[0] + D[1]
    if (((word >>> 22) & 3) != 3) return ALU_UNDEFINED;
    const rn = (word >>> 5) & 31;
    writeHalves(word & 31, lane(rn, 0, 8, false) + lane(rn, 1, 8, false), 0, false);
    return ALU_DONE;
  }
  if ((word & 0xffe0_fc00) == 0x5e00_0400) { // DUP (element), scalar: MOV b/h/s/d, Vn.T[i]
    const imm5 = (word >>> 16) & 31;
    if ((imm5 & 15) == 0) return ALU_UNDEFINED;
    const size = ctz<u32>(imm5);
    const bytes: u32 = 1 << size;
    resultFrom(NO_REGISTER);
    setLane(0, bytes, lane((word >>> 5) & 31, imm5 >>> (size + 1), bytes, false));
    writeResult(word & 31, false);
    return ALU_DONE;
  }
  if ((word & 0x7f20_fc00) == 0x1e20_0000 || (word & 0xff3f_fc00) == 0x1e20_4000) return fmov(word);
  return ALU_NOT_MINE;
}
