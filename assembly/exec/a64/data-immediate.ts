// A64 data processing with immediates, besides ADD/SUB and MOVZ/MOVN/MOVK (a64-alu.ts):
// ADR/ADRP, the logical instructions with bitmask immediates (AND/ORR/EOR/ANDS), the
// bitfield moves (SBFM/BFM/UBFM: LSL/LSR/ASR/UBFX/SBFX/BFI/SXTW/UXTB… are aliases) and
// EXTR (ROR by immediate is its alias). Each returns ALU_DONE (pc not set: the caller
// steps it), ALU_UNDEFINED or ALU_NOT_MINE.
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { xRead, xWrite } from "../a64-alu";
import { ALU_UNDEFINED, widthMask, rotateRight, setLogicFlags, signExtend } from "./operands";

/** DecodeBitMasks's wmask and tmask (ARM ARM, shared/functions/bitmasks), set by decodeBitMasks. */
export let bitMaskW: u64 = 0;
export let bitMaskT: u64 = 0;

/** Ones(count) for count in 0..64. */
@inline function ones(count: u32): u64 {
  return count >= 64 ? 0xffff_ffff_ffff_ffff : (<u64>1 << <u64>count) - 1;
}

/** Replicate(element, esize) to 64 bits. */
@inline function replicate(element: u64, esize: u32): u64 {
  let result = element;
  for (let size = esize; size < 64; size <<= 1) result |= result << <u64>size;
  return result;
}

/**
 * DecodeBitMasks(N, imms, immr, immediate) at 64 bits: sets bitMaskW/bitMaskT and returns
 * true, or returns false where the pseudocode is UNDEFINED (len < 1, or an immediate
 * whose S field is all ones).
 */
export function decodeBitMasks(n: u32, imms: u32, immr: u32, immediate: bool): bool {
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined == 0) return false;
  const len = 31 - clz<u32>(combined);
  if (len < 1) return false;
  const levels = (<u32>1 << len) - 1;
  if (immediate && (imms & levels) == levels) return false;
  const s = imms & levels;
  const r = immr & levels;
  const d = (s - r) & levels;
  const esize = <u32>1 << len;
  const welem = ones(s + 1);
  const telem = ones(d + 1);
  // ROR(welem, R) within esize bits
  const elementMask = ones(esize);
  const rotated = r == 0 ? welem : ((welem >> <u64>r) | (welem << <u64>(esize - r))) & elementMask;
  bitMaskW = replicate(rotated, esize);
  bitMaskT = replicate(telem, esize);
  return true;
}

function pcRelative(word: u32, at: u64): u32 {
  const imm = signExtend(<u64>(((word >>> 5) & 0x7_ffff) << 2 | ((word >>> 29) & 3)), 21);
  const page = (word >>> 31) != 0;
  xWrite(word & 31, page ? (at & ~<u64>0xfff) + (imm << 12) : at + imm, false);
  return ALU_DONE;
}

/** AND/ORR/EOR/ANDS (immediate): Rd is SP except for ANDS. */
function logicalImmediate(word: u32): u32 {
  const wide = (word >>> 31) != 0;
  const n = (word >>> 22) & 1;
  if (!wide && n != 0) return ALU_UNDEFINED;
  if (!decodeBitMasks(n, (word >>> 10) & 63, (word >>> 16) & 63, true)) return ALU_UNDEFINED;
  const mask = widthMask(wide);
  const imm = bitMaskW & mask;
  const a = xRead((word >>> 5) & 31, false) & mask;
  const opc = (word >>> 29) & 3;
  let result: u64;
  if (opc == 0 || opc == 3) result = a & imm;
  else if (opc == 1) result = a | imm;
  else result = a ^ imm;
  if (opc == 3) setLogicFlags(result, wide);
  xWrite(word & 31, result, opc != 3);
  return ALU_DONE;
}

/** SBFM (opc 0), BFM (1), UBFM (2). */
function bitfield(word: u32): u32 {
  const wide = (word >>> 31) != 0;
  const opc = (word >>> 29) & 3;
  const n = (word >>> 22) & 1;
  const immr = (word >>> 16) & 63;
  const imms = (word >>> 10) & 63;
  if (opc == 3) return ALU_UNDEFINED;
  if (wide && n != 1) return ALU_UNDEFINED;
  if (!wide && (n != 0 || immr > 31 || imms > 31)) return ALU_UNDEFINED;
  if (!decodeBitMasks(n, imms, immr, false)) return ALU_UNDEFINED;
  const mask = widthMask(wide);
  const wmask = bitMaskW & mask, tmask = bitMaskT & mask;
  const rd = word & 31;
  const src = xRead((word >>> 5) & 31, false) & mask;
  const rotated = rotateRight(src, immr, wide);
  let result: u64;
  if (opc == 1) {
    const dst = xRead(rd, false) & mask;
    const bottom = (dst & ~wmask) | (rotated & wmask);
    result = (dst & ~tmask) | (bottom & tmask);
  } else {
    const bottom = rotated & wmask;
    const top: u64 = opc == 0 && ((src >> <u64>imms) & 1) != 0 ? mask : 0;
    result = (top & ~tmask) | (bottom & tmask);
  }
  xWrite(rd, result & mask, false);
  return ALU_DONE;
}

/** EXTR: bits lsb.. of Rn:Rm. */
function extract(word: u32): u32 {
  const wide = (word >>> 31) != 0;
  const lsb = (word >>> 10) & 63;
  if ((word & 0x6020_0000) != 0 || ((word >>> 22) & 1) != (word >>> 31) || (!wide && lsb > 31)) return ALU_UNDEFINED;
  const mask = widthMask(wide);
  const high = xRead((word >>> 5) & 31, false) & mask;
  const low = xRead((word >>> 16) & 31, false) & mask;
  const size: u64 = wide ? 64 : 32;
  const result = lsb == 0 ? low : ((low >> <u64>lsb) | (high << (size - <u64>lsb))) & mask;
  xWrite(word & 31, result, false);
  return ALU_DONE;
}

/** Data processing (immediate) other than ADD/SUB and move wide. */
export function a64DataImmediate(word: u32, at: u64): u32 {
  if ((word & 0x1f00_0000) == 0x1000_0000) return pcRelative(word, at);
  switch (word & 0x1f80_0000) {
    case 0x1200_0000: return logicalImmediate(word);
    case 0x1300_0000: return bitfield(word);
    case 0x1380_0000: return extract(word);
    default: return ALU_NOT_MINE;
  }
}
