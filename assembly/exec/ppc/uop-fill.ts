// The PowerPC micro-op decoder: turns an instruction word into uops.ts's 16-byte entry,
// each hot form its own op with its operands pre-extracted (masks of the rotates
// computed, immediates shifted and extended), so running it never decodes again.
// Words no op covers become U_FIXED (alu.ts's ppcFixedPoint runs them) or U_GENERIC
// (the interpreter's full path).
//
// Entry: 0 tag u32 (the word's bytes) · 4 op u8 · 5 d u8 · 6 a u8 · 7 b u8 · 8 imm u32 · 12 aux u32
// d is the register written (rt, or ra for the logical forms), a and b the registers
// read; a rotate's shift count sits in b and its 64-bit mask in aux (high) and imm (low).
import { ppcFixedPointCandidate } from "./alu";
import { field, mask64 } from "./fixed-point";

export const U_GENERIC: u8 = 0;
export const U_FIXED: u8 = 1; //  a fixed-point or vector word alu.ts's ppcFixedPoint runs
// Ops that only write register d: uopExecute's common tail narrows the result to the
// implementation's width and, with U_RECORD, sets CR0 from it.
export const U_ADDI: u8 = 2; //   (a) + imm, a not r0
export const U_LI: u8 = 3; //     imm (addi, addis with RA = 0)
export const U_ADD: u8 = 4;
export const U_SUBF: u8 = 5; //   (b) - (a)
export const U_NEG: u8 = 6;
export const U_ORI: u8 = 7; //    ori, oris (imm zero-extended, already shifted)
export const U_XORI: u8 = 8;
export const U_ANDI: u8 = 9; //   andi., andis. (always with U_RECORD)
export const U_OR: u8 = 10;
export const U_AND: u8 = 11;
export const U_XOR: u8 = 12;
export const U_NOR: u8 = 13;
export const U_ANDC: u8 = 14;
export const U_ORC: u8 = 15;
export const U_NAND: u8 = 16;
export const U_EQV: u8 = 17;
export const U_EXTSB: u8 = 18;
export const U_EXTSH: u8 = 19;
export const U_EXTSW: u8 = 20;
export const U_RLW: u8 = 21; //   rlwinm: ROTL32(a, b) & mask
export const U_RLWNM: u8 = 22; // ROTL32(a, (b) & 31) & mask
export const U_RLWIMI: u8 = 23; // ROTL32(a, b) & mask | (d) & ~mask
export const U_RLD: u8 = 24; //   rldicl, rldicr, rldic: ROTL64(a, b) & mask
export const U_RLDIMI: u8 = 25;
export const U_SLW: u8 = 26;
export const U_SRW: u8 = 27;
export const U_SLD: u8 = 28;
export const U_SRD: u8 = 29;
export const U_SRAWI: u8 = 30; // sets CA (and CA32)
export const U_SRADI: u8 = 31;
export const U_MULLW: u8 = 32;
export const U_MULLD: u8 = 33;
export const U_MULLI: u8 = 34;
export const U_MFLR: u8 = 35;
export const U_MFCTR: u8 = 36;
/** The carrying adds: x + y + carry in, CA (and CA32) from them; aux picks x, y and the carry in. */
export const U_CARRY_ADD: u8 = 37;
export const U_CNTLZW: u8 = 38;
export const U_CNTLZD: u8 = 39;
// The divides (OE=0), results as arith.ts defines them (an invalid divide writes the dividend).
export const U_DIVW: u8 = 61;
export const U_DIVWU: u8 = 62;
export const U_DIVD: u8 = 63;
export const U_DIVDU: u8 = 64;
/** lfd, lfdu, lfdx: the doubleword into FPR d (doubleword 0 of VSR d), as loadstore.ts loads it. */
export const U_LOAD_F64: u8 = 65;
/** stfd, stfdu, stfdx: FPR d's doubleword, raw. */
export const U_STORE_F64: u8 = 66;
/** lxvd2x, stxvd2x (64-bit implementations): VSR d's two doublewords in address order, on the TLB's hit path only (else the full path). */
export const U_LOAD_VSX_D2: u8 = 67;
export const U_STORE_VSX_D2: u8 = 68;
// Ops that finish themselves.
export const U_MTLR: u8 = 40;
export const U_MTCTR: u8 = 41;
export const U_CMPI: u8 = 42;
export const U_CMP: u8 = 43;
export const U_B: u8 = 44;
export const U_BC: u8 = 45;
export const U_BCLR: u8 = 46;
export const U_BCCTR: u8 = 47;
// Loads and stores get one op per size and signedness, so each handler's access is
// specialised at compile time (no size dispatch on the hot path).
export const U_LOAD_U8: u8 = 48;
export const U_LOAD_U16: u8 = 49;
export const U_LOAD_S16: u8 = 50;
export const U_LOAD_U32: u8 = 51;
export const U_LOAD_S32: u8 = 52;
export const U_LOAD_U64: u8 = 53;
/** l?arx: a zero-extending indexed load (size in aux) that then holds the reservation on its address and size. */
export const U_LOAD_RESERVE: u8 = 54;
/** st?cx.: stores (size in aux) only while the reservation is held on its address and size; ends it, CR0 = 00 || stored || SO. */
export const U_STORE_CONDITIONAL: u8 = 55;
export const U_STORE_8: u8 = 56;
export const U_STORE_16: u8 = 57;
export const U_STORE_32: u8 = 58;
export const U_STORE_64: u8 = 59;
/** sync, lwsync, eieio, isync: no-ops here (every access completes before the next), ending the block as the full path did. */
export const U_BARRIER: u8 = 60;
/** Or'd into a register-writing op: Rc=1, CR0 from the result. */
export const U_RECORD: u8 = 0x80;

// aux bits for loads and stores: size in bits 0-3
export const A_SIGNED: u32 = 1 << 4;
export const A_UPDATE: u32 = 1 << 5;
export const A_INDEXED: u32 = 1 << 6; // EA = (a|0) + (b) instead of (a|0) + imm
// aux bits for U_CARRY_ADD: x is (a), or ~(a) with A_COMPLEMENT; y is (b) with A_INDEXED, else imm
export const A_COMPLEMENT: u32 = 1 << 0;
export const A_CARRY_ONE: u32 = 1 << 1; // carry in 1
export const A_CARRY_CA: u32 = 1 << 2; //  carry in XER[CA]
// aux bits for compares: bf in bits 0-2
export const A_WIDE: u32 = 1 << 3;
export const A_UNSIGNED: u32 = 1 << 4;
// aux bits for branches
export const A_LINK: u32 = 1 << 16;
export const A_ABSOLUTE: u32 = 1 << 17;

@inline function put(entry: usize, op: u8, d: u32, a: u32, b: u32, imm: u32, aux: u32): void {
  store<u8>(entry, op, 4);
  store<u8>(entry, <u8>d, 5);
  store<u8>(entry, <u8>a, 6);
  store<u8>(entry, <u8>b, 7);
  store<u32>(entry, imm, 8);
  store<u32>(entry, aux, 12);
}

/** A register-writing op with its 64-bit mask, and U_RECORD when the word's Rc bit is set. */
@inline function putMasked(entry: usize, word: u32, op: u8, d: u32, a: u32, b: u32, mask: u64): void {
  put(entry, (word & 1) != 0 ? op | U_RECORD : op, d, a, b, <u32>mask, <u32>(mask >> 32));
}

@inline function putRecordable(entry: usize, word: u32, op: u8, d: u32, a: u32, b: u32): void {
  put(entry, (word & 1) != 0 ? op | U_RECORD : op, d, a, b, 0, 0);
}

/**
 * Decodes `word` into `entry`, tagged `raw` (its bytes as they lie in memory, read as
 * a little-endian u32), for a 64-bit (`wide`) or 32-bit implementation. Update forms
 * that are invalid, 64-bit-only forms on a 32-bit implementation, OE=1 forms and
 * everything not listed stay U_FIXED or U_GENERIC.
 */
export function uopFill(entry: usize, raw: u32, word: u32, wide: bool): void {
  store<u32>(entry, raw);
  put(entry, U_GENERIC, 0, 0, 0, 0, 0);
  const rt = (word >>> 21) & 31;
  const ra = (word >>> 16) & 31;
  const rb = (word >>> 11) & 31;
  const simm = <u32><i32><i16>word;
  const ui = word & 0xffff;
  switch (word >>> 26) {
    case 32: loadOp(entry, rt, ra, rb, simm, 4, 0); break; // lwz
    case 33: loadOp(entry, rt, ra, rb, simm, 4, A_UPDATE); break; // lwzu
    case 34: loadOp(entry, rt, ra, rb, simm, 1, 0); break; // lbz
    case 35: loadOp(entry, rt, ra, rb, simm, 1, A_UPDATE); break; // lbzu
    case 40: loadOp(entry, rt, ra, rb, simm, 2, 0); break; // lhz
    case 41: loadOp(entry, rt, ra, rb, simm, 2, A_UPDATE); break; // lhzu
    case 42: loadOp(entry, rt, ra, rb, simm, 2, A_SIGNED); break; // lha
    case 43: loadOp(entry, rt, ra, rb, simm, 2, A_SIGNED | A_UPDATE); break; // lhau
    case 36: storeOp(entry, rt, ra, rb, simm, 4, 0); break; // stw
    case 37: storeOp(entry, rt, ra, rb, simm, 4, A_UPDATE); break; // stwu
    case 38: storeOp(entry, rt, ra, rb, simm, 1, 0); break; // stb
    case 39: storeOp(entry, rt, ra, rb, simm, 1, A_UPDATE); break; // stbu
    case 50: floatOp(entry, U_LOAD_F64, rt, ra, rb, simm, 0); break; //  lfd
    case 51: floatOp(entry, U_LOAD_F64, rt, ra, rb, simm, A_UPDATE); break; // lfdu
    case 54: floatOp(entry, U_STORE_F64, rt, ra, rb, simm, 0); break; // stfd
    case 55: floatOp(entry, U_STORE_F64, rt, ra, rb, simm, A_UPDATE); break; // stfdu
    case 44: storeOp(entry, rt, ra, rb, simm, 2, 0); break; // sth
    case 45: storeOp(entry, rt, ra, rb, simm, 2, A_UPDATE); break; // sthu
    case 58: { // ld, ldu, lwa (64-bit implementations)
      if (!wide) break;
      const ds = simm & ~3;
      const xo = word & 3;
      if (xo == 0) loadOp(entry, rt, ra, rb, ds, 8, 0);
      else if (xo == 1) loadOp(entry, rt, ra, rb, ds, 8, A_UPDATE);
      else if (xo == 2) loadOp(entry, rt, ra, rb, ds, 4, A_SIGNED);
      break;
    }
    case 62: { // std, stdu (64-bit implementations)
      if (!wide) break;
      const ds = simm & ~3;
      const xo = word & 3;
      if (xo == 0) storeOp(entry, rt, ra, rb, ds, 8, 0);
      else if (xo == 1) storeOp(entry, rt, ra, rb, ds, 8, A_UPDATE);
      break;
    }
    case 14: put(entry, ra == 0 ? U_LI : U_ADDI, rt, ra, 0, simm, 0); break; // addi
    case 15: put(entry, ra == 0 ? U_LI : U_ADDI, rt, ra, 0, ui << 16, 0); break; // addis
    case 7: put(entry, U_MULLI, rt, ra, 0, simm, 0); break;
    case 8: put(entry, U_CARRY_ADD, rt, ra, 0, simm, A_COMPLEMENT | A_CARRY_ONE); break; // subfic
    case 12: put(entry, U_CARRY_ADD, rt, ra, 0, simm, 0); break; // addic
    case 13: put(entry, U_CARRY_ADD | U_RECORD, rt, ra, 0, simm, 0); break; // addic.
    case 24: put(entry, U_ORI, ra, rt, 0, ui, 0); break; // ori ra, rs, ui
    case 25: put(entry, U_ORI, ra, rt, 0, ui << 16, 0); break; // oris
    case 26: put(entry, U_XORI, ra, rt, 0, ui, 0); break; // xori
    case 27: put(entry, U_XORI, ra, rt, 0, ui << 16, 0); break; // xoris
    case 28: put(entry, U_ANDI | U_RECORD, ra, rt, 0, ui, 0); break; // andi.
    case 29: put(entry, U_ANDI | U_RECORD, ra, rt, 0, ui << 16, 0); break; // andis.
    case 20: case 21: case 23: { // rlwimi, rlwinm, rlwnm
      const op = word >>> 26 == 20 ? U_RLWIMI : word >>> 26 == 21 ? U_RLW : U_RLWNM;
      putMasked(entry, word, op, ra, rt, rb, mask64(field(word, 6, 5) + 32, field(word, 1, 5) + 32));
      break;
    }
    case 30: if (wide) rotateDoubleword(entry, word, rt, ra, rb); break;
    // cmpi, cmpli: L (rt's low bit) compares doublewords on a 64-bit implementation only.
    case 11: put(entry, U_CMPI, 0, ra, 0, simm, (rt >>> 2) | (wide && (rt & 1) != 0 ? A_WIDE : 0)); break;
    case 10: put(entry, U_CMPI, 0, ra, 0, ui, (rt >>> 2) | A_UNSIGNED | (wide && (rt & 1) != 0 ? A_WIDE : 0)); break;
    case 18: put(entry, U_B, 0, 0, 0, <u32>(<i32>(word << 6) >> 6) & ~3, branchAux(word)); break;
    case 16: put(entry, U_BC, rt, ra, 0, simm & ~3, branchAux(word)); break;
    case 19: {
      const xo = field(word, 1, 10);
      if (word == 0x4c00_012c) put(entry, U_BARRIER, 0, 0, 0, 0, 0); // isync
      else if (xo == 16) put(entry, U_BCLR, rt, ra, 0, 0, branchAux(word));
      else if (xo == 528 && (rt & 4) != 0) put(entry, U_BCCTR, rt, ra, 0, 0, branchAux(word)); // bcctr never decrements CTR
      break;
    }
    case 31: if (!opcode31(entry, word, wide, rt, ra, rb) && ppcFixedPointCandidate(word)) put(entry, U_FIXED, 0, 0, 0, 0, 0); break;
    default:
      if (ppcFixedPointCandidate(word)) put(entry, U_FIXED, 0, 0, 0, 0, 0);
      break;
  }
}

@inline function branchAux(word: u32): u32 {
  return ((word & 1) != 0 ? A_LINK : 0) | ((word & 2) != 0 ? A_ABSOLUTE : 0);
}

/** MD-form rldicl, rldicr, rldic, rldimi (the MDS-form rldcl/rldcr stay U_FIXED). */
function rotateDoubleword(entry: usize, word: u32, rs: u32, ra: u32, rb: u32): void {
  const kind = field(word, 2, 3);
  const raw = field(word, 5, 6);
  const m6 = ((raw & 1) << 5) | (raw >>> 1); // mb5 || mb0:4
  const sh = rb | ((word & 2) << 4);
  if (kind == 0) putMasked(entry, word, U_RLD, ra, rs, sh, mask64(m6, 63));
  else if (kind == 1) putMasked(entry, word, U_RLD, ra, rs, sh, mask64(0, m6));
  else if (kind == 2) putMasked(entry, word, U_RLD, ra, rs, sh, mask64(m6, 63 - sh));
  else if (kind == 3) putMasked(entry, word, U_RLDIMI, ra, rs, sh, mask64(m6, 63 - sh));
  else if (ppcFixedPointCandidate(word)) put(entry, U_FIXED, 0, 0, 0, 0, 0);
}

/** Opcode 31's hot forms; false when `word` is none of them. */
function opcode31(entry: usize, word: u32, wide: bool, rt: u32, ra: u32, rb: u32): bool {
  const xo = field(word, 1, 10);
  const rc = (word & 1) != 0;
  switch (xo) {
    // XO-form arithmetic with OE=0 (the 10-bit xo includes OE): d = rt.
    case 266: putRecordable(entry, word, U_ADD, rt, ra, rb); return true;
    case 40: putRecordable(entry, word, U_SUBF, rt, ra, rb); return true;
    case 104: putRecordable(entry, word, U_NEG, rt, ra, 0); return true;
    case 235: putRecordable(entry, word, U_MULLW, rt, ra, rb); return true;
    case 233: if (!wide) return false; putRecordable(entry, word, U_MULLD, rt, ra, rb); return true;
    case 10: carryAdd(entry, word, rt, ra, rb, A_INDEXED, 0); return true; //                    addc
    case 138: carryAdd(entry, word, rt, ra, rb, A_INDEXED | A_CARRY_CA, 0); return true; //      adde
    case 234: carryAdd(entry, word, rt, ra, 0, A_CARRY_CA, 0xffff_ffff); return true; //          addme
    case 202: carryAdd(entry, word, rt, ra, 0, A_CARRY_CA, 0); return true; //                   addze
    case 8: carryAdd(entry, word, rt, ra, rb, A_COMPLEMENT | A_INDEXED | A_CARRY_ONE, 0); return true; // subfc
    case 136: carryAdd(entry, word, rt, ra, rb, A_COMPLEMENT | A_INDEXED | A_CARRY_CA, 0); return true; // subfe
    case 232: carryAdd(entry, word, rt, ra, 0, A_COMPLEMENT | A_CARRY_CA, 0xffff_ffff); return true; // subfme
    case 200: carryAdd(entry, word, rt, ra, 0, A_COMPLEMENT | A_CARRY_CA, 0); return true; //    subfze
    // X-form logical and shifts: d = ra, sources rs (rt's field) and rb.
    case 444: putRecordable(entry, word, U_OR, ra, rt, rb); return true;
    case 28: putRecordable(entry, word, U_AND, ra, rt, rb); return true;
    case 316: putRecordable(entry, word, U_XOR, ra, rt, rb); return true;
    case 124: putRecordable(entry, word, U_NOR, ra, rt, rb); return true;
    case 60: putRecordable(entry, word, U_ANDC, ra, rt, rb); return true;
    case 412: putRecordable(entry, word, U_ORC, ra, rt, rb); return true;
    case 476: putRecordable(entry, word, U_NAND, ra, rt, rb); return true;
    case 284: putRecordable(entry, word, U_EQV, ra, rt, rb); return true;
    case 954: putRecordable(entry, word, U_EXTSB, ra, rt, 0); return true;
    case 922: putRecordable(entry, word, U_EXTSH, ra, rt, 0); return true;
    case 986: if (!wide) return false; putRecordable(entry, word, U_EXTSW, ra, rt, 0); return true;
    case 26: if (rb != 0) return false; putRecordable(entry, word, U_CNTLZW, ra, rt, 0); return true;
    case 58: if (!wide || rb != 0) return false; putRecordable(entry, word, U_CNTLZD, ra, rt, 0); return true;
    case 491: putRecordable(entry, word, U_DIVW, rt, ra, rb); return true;
    case 459: putRecordable(entry, word, U_DIVWU, rt, ra, rb); return true;
    case 489: if (!wide) return false; putRecordable(entry, word, U_DIVD, rt, ra, rb); return true;
    case 457: if (!wide) return false; putRecordable(entry, word, U_DIVDU, rt, ra, rb); return true;
    // l?arx (the word's low bit is the EH hint) and st?cx. (Rc=1 only); the doubleword forms on 64-bit implementations.
    case 52: put(entry, U_LOAD_RESERVE, rt, ra, rb, 0, 1); return true; //  lbarx
    case 116: put(entry, U_LOAD_RESERVE, rt, ra, rb, 0, 2); return true; // lharx
    case 20: put(entry, U_LOAD_RESERVE, rt, ra, rb, 0, 4); return true; //  lwarx
    case 84: if (!wide) return false; put(entry, U_LOAD_RESERVE, rt, ra, rb, 0, 8); return true; // ldarx
    case 694: case 726: case 150: case 214: { // stbcx., sthcx., stwcx., stdcx.
      if (!rc || (xo == 214 && !wide)) return false;
      put(entry, U_STORE_CONDITIONAL, rt, ra, rb, 0, xo == 694 ? 1 : xo == 726 ? 2 : xo == 150 ? 4 : 8);
      return true;
    }
    case 24: putRecordable(entry, word, U_SLW, ra, rt, rb); return true;
    case 536: putRecordable(entry, word, U_SRW, ra, rt, rb); return true;
    case 27: if (!wide) return false; putRecordable(entry, word, U_SLD, ra, rt, rb); return true;
    case 539: if (!wide) return false; putRecordable(entry, word, U_SRD, ra, rt, rb); return true;
    case 824: putRecordable(entry, word, U_SRAWI, ra, rt, rb); return true;
    case 826: case 827: // sradi (XS-form: sh5 in the word's bit 1)
      if (!wide) return false;
      putRecordable(entry, word, U_SRADI, ra, rt, rb | ((word & 2) << 4));
      return true;
    case 0: case 32: { // cmp, cmpl
      if (rc) return false;
      put(entry, U_CMP, 0, ra, rb, 0, (rt >>> 2) | (xo == 32 ? A_UNSIGNED : 0) | (wide && (rt & 1) != 0 ? A_WIDE : 0));
      return true;
    }
    case 844: case 972: { // lxvd2x, stxvd2x: XT = TX (the word's low bit) || T
      if (!wide) return false;
      put(entry, xo == 844 ? U_LOAD_VSX_D2 : U_STORE_VSX_D2, rt | ((word & 1) << 5), ra, rb, 0, 0);
      return true;
    }
    case 339: case 467: { // mfspr, mtspr of LR and CTR
      const spr = ra | (rb << 5);
      if (spr != 8 && spr != 9) return false;
      if (xo == 339) put(entry, spr == 8 ? U_MFLR : U_MFCTR, rt, 0, 0, 0, 0);
      else put(entry, spr == 8 ? U_MTLR : U_MTCTR, 0, rt, 0, 0, 0);
      return true;
    }
    default: break;
  }
  if (word == 0x7c00_04ac || word == 0x7c20_04ac || word == 0x7c00_06ac) { // sync, lwsync, eieio (ptesync: the full path)
    put(entry, U_BARRIER, 0, 0, 0, 0, 0);
    return true;
  }
  if (rc) return false;
  // Indexed integer loads and stores: the size in aux's low bits.
  switch (xo) {
    case 87: loadOp(entry, rt, ra, rb, 0, 1, A_INDEXED); return true; // lbzx
    case 279: loadOp(entry, rt, ra, rb, 0, 2, A_INDEXED); return true; // lhzx
    case 343: loadOp(entry, rt, ra, rb, 0, 2, A_INDEXED | A_SIGNED); return true; // lhax
    case 23: loadOp(entry, rt, ra, rb, 0, 4, A_INDEXED); return true; // lwzx
    case 341: if (!wide) return false; loadOp(entry, rt, ra, rb, 0, 4, A_INDEXED | A_SIGNED); return true; // lwax
    case 21: if (!wide) return false; loadOp(entry, rt, ra, rb, 0, 8, A_INDEXED); return true; // ldx
    case 215: storeOp(entry, rt, ra, rb, 0, 1, A_INDEXED); return true; // stbx
    case 407: storeOp(entry, rt, ra, rb, 0, 2, A_INDEXED); return true; // sthx
    case 151: storeOp(entry, rt, ra, rb, 0, 4, A_INDEXED); return true; // stwx
    case 149: if (!wide) return false; storeOp(entry, rt, ra, rb, 0, 8, A_INDEXED); return true; // stdx
    case 599: floatOp(entry, U_LOAD_F64, rt, ra, rb, 0, A_INDEXED); return true; // lfdx
    case 727: floatOp(entry, U_STORE_F64, rt, ra, rb, 0, A_INDEXED); return true; // stfdx
    default: return false;
  }
}

/** An XO-form carrying add (OE=0): y is (b) with A_INDEXED, else `y` sign-extended (0 or all ones). */
@inline function carryAdd(entry: usize, word: u32, rt: u32, ra: u32, rb: u32, aux: u32, y: u32): void {
  put(entry, (word & 1) != 0 ? U_CARRY_ADD | U_RECORD : U_CARRY_ADD, rt, ra, rb, y, aux);
}

// Update forms with RA = 0, or a load's RA = RT, are invalid: left to the full path.
// An indexed form's index register rides in b (the word's rb field).
@inline function loadOp(entry: usize, rt: u32, ra: u32, rb: u32, imm: u32, size: u32, aux: u32): void {
  if ((aux & A_UPDATE) != 0 && (ra == 0 || ra == rt)) return;
  const signed = (aux & A_SIGNED) != 0;
  const op = size == 1 ? U_LOAD_U8 : size == 2 ? (signed ? U_LOAD_S16 : U_LOAD_U16)
    : size == 4 ? (signed ? U_LOAD_S32 : U_LOAD_U32) : U_LOAD_U64;
  put(entry, op, rt, ra, rb, imm, aux | size);
}

@inline function storeOp(entry: usize, rt: u32, ra: u32, rb: u32, imm: u32, size: u32, aux: u32): void {
  if ((aux & A_UPDATE) != 0 && ra == 0) return;
  const op = size == 1 ? U_STORE_8 : size == 2 ? U_STORE_16 : size == 4 ? U_STORE_32 : U_STORE_64;
  put(entry, op, rt, ra, rb, imm, aux | size);
}

// An FP update form with RA = 0 is invalid: left to the full path (RA = FRT is valid).
@inline function floatOp(entry: usize, op: u8, frt: u32, ra: u32, rb: u32, imm: u32, aux: u32): void {
  if ((aux & A_UPDATE) != 0 && ra == 0) return;
  put(entry, op, frt, ra, rb, imm, aux | 8);
}
