// PowerPC fixed-point logical, rotate and shift instructions (Power ISA 3.1, 3.3.13-
// 3.3.14): the register and immediate logical forms, sign extension, count leading/
// trailing zeros, population count, parity, cmpb, bpermd, rlw*/rld*, the shifts with
// sraw/srawi/srad/sradi's CA (and CA32), and Power10's byte reverses (brh/brw/brd) and
// bit ops (pdepd, pextd, cfuged, cntlzdm, cnttzdm). 64-bit-only forms are
// ALU_UNDEFINED on a 32-bit implementation.
import { gpr, is64 } from "../../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./alu";
import { ALU_UNDEFINED, field, writeGpr, signExtend32, mask64, recordCr0, setCarryBits } from "./fixed-point";

const BYTE_LOW_BITS: u64 = 0x0101_0101_0101_0101;

/** ROTL32 as the ISA defines it: the low word, doubled, rotated left by sh (0..31). */
@inline function rotateWord(value: u64, sh: u64): u64 {
  const low = value & 0xffff_ffff;
  return rotl<u64>(low | (low << 32), sh);
}

/** MD-form mb/me: the 6-bit field with its low bit first (mb5 || mb0:4). */
@inline function mdMask(word: u32): u32 {
  const raw = field(word, 5, 6);
  return ((raw & 1) << 5) | (raw >>> 1);
}

/** Primary opcodes 20, 21, 23-30: rotates and immediate logical forms. */
export function ppcLogicalImmediate(primary: u32, word: u32, rs: u32, ra: u32, rb: u32): u32 {
  const s = gpr(rs);
  const ui = <u64>(word & 0xffff);
  let r: u64;
  let record = (word & 1) != 0;
  switch (primary) {
    case 24: r = s | ui; record = false; break; //           ori
    case 25: r = s | (ui << 16); record = false; break; //   oris
    case 26: r = s ^ ui; record = false; break; //           xori
    case 27: r = s ^ (ui << 16); record = false; break; //   xoris
    case 28: r = s & ui; record = true; break; //            andi.
    case 29: r = s & (ui << 16); record = true; break; //    andis.
    case 20: case 21: case 23: { // rlwimi, rlwinm, rlwnm
      const sh = primary == 23 ? gpr(rb) & 31 : <u64>rb;
      const m = mask64(field(word, 6, 5) + 32, field(word, 1, 5) + 32);
      r = rotateWord(s, sh) & m;
      if (primary == 20) r |= gpr(ra) & ~m;
      break;
    }
    case 30: {
      if (!is64()) return ALU_UNDEFINED;
      const kind = field(word, 2, 3);
      const m6 = mdMask(word);
      if (kind < 4) { // MD-form: rldicl, rldicr, rldic, rldimi
        const sh = rb | ((word & 2) << 4);
        const rotated = rotl<u64>(s, <u64>sh);
        if (kind == 0) r = rotated & mask64(m6, 63);
        else if (kind == 1) r = rotated & mask64(0, m6);
        else {
          const m = mask64(m6, 63 - sh);
          r = rotated & m;
          if (kind == 3) r |= gpr(ra) & ~m;
        }
      } else if (kind == 4) { // MDS-form: rldcl, rldcr
        const rotated = rotl<u64>(s, gpr(rb) & 63);
        r = (word & 2) == 0 ? rotated & mask64(m6, 63) : rotated & mask64(0, m6);
      } else {
        return ALU_NOT_MINE;
      }
      break;
    }
    default: return ALU_NOT_MINE;
  }
  writeGpr(ra, r);
  if (record) recordCr0(r);
  return ALU_DONE;
}

/** Opcode 31 logical, count, extend and shift forms by 10-bit extended opcode: ALU_DONE (pc not set), ALU_UNDEFINED or ALU_NOT_MINE. */
export function ppcLogical(word: u32, xo: u32, rs: u32, ra: u32, rb: u32): u32 {
  const s = gpr(rs), b = gpr(rb);
  const wide = is64();
  let record = (word & 1) != 0;
  let r: u64;
  switch (xo) {
    case 28: r = s & b; break; //      and
    case 60: r = s & ~b; break; //     andc
    case 444: r = s | b; break; //     or
    case 412: r = s | ~b; break; //    orc
    case 124: r = ~(s | b); break; //  nor
    case 476: r = ~(s & b); break; //  nand
    case 316: r = s ^ b; break; //     xor
    case 284: r = ~(s ^ b); break; //  eqv
    case 954: r = <u64><i64><i8>s; break; //   extsb
    case 922: r = <u64><i64><i16>s; break; //  extsh
    case 26: r = <u64>clz<u32>(<u32>s); break; //  cntlzw
    case 538: r = <u64>ctz<u32>(<u32>s); break; // cnttzw
    case 122: { // popcntb
      if (record) return ALU_NOT_MINE;
      r = s - ((s >> 1) & 0x5555_5555_5555_5555);
      r = (r & 0x3333_3333_3333_3333) + ((r >> 2) & 0x3333_3333_3333_3333);
      r = (r + (r >> 4)) & 0x0f0f_0f0f_0f0f_0f0f;
      break;
    }
    case 378: { // popcntw
      if (record) return ALU_NOT_MINE;
      r = (<u64>popcnt<u32>(<u32>(s >> 32)) << 32) | <u64>popcnt<u32>(<u32>s);
      break;
    }
    case 154: { // prtyw
      if (record) return ALU_NOT_MINE;
      let t = s & BYTE_LOW_BITS;
      t ^= t >> 16;
      t ^= t >> 8;
      r = t & 0x0000_0001_0000_0001;
      break;
    }
    case 508: { // cmpb
      if (record) return ALU_NOT_MINE;
      r = 0;
      for (let shift: u64 = 0; shift < 64; shift += 8) {
        if ((((s ^ b) >> shift) & 0xff) == 0) r |= <u64>0xff << shift;
      }
      break;
    }
    case 155: r = bswap<u64>(s); r = (r >> 32) | (r << 32); record = false; break; // brw (each word)
    case 219: r = ((s >> 8) & 0x00ff_00ff_00ff_00ff) | ((s & 0x00ff_00ff_00ff_00ff) << 8); record = false; break; // brh
    case 24: r = (b & 0x20) != 0 ? 0 : ((s & 0xffff_ffff) << (b & 31)) & 0xffff_ffff; break; // slw
    case 536: r = (b & 0x20) != 0 ? 0 : (s & 0xffff_ffff) >> (b & 31); break; //             srw
    case 792: case 824: { // sraw, srawi
      const n: u64 = xo == 792 ? b & 0x3f : <u64>rb;
      const value = <i64>signExtend32(s);
      const shifted = n < 32 ? (<u64>value & ((<u64>1 << n) - 1)) != 0 : value != 0;
      r = <u64>(value >> (n < 32 ? <i64>n : 63));
      const ca: u64 = value < 0 && shifted ? 1 : 0;
      setCarryBits(ca, ca);
      break;
    }
    default: {
      if (!wide) return isDoublewordForm(xo) ? ALU_UNDEFINED : ALU_NOT_MINE;
      return doublewordForm(word, xo, s, b, ra, rb, record);
    }
  }
  writeGpr(ra, r);
  if (record) recordCr0(r);
  return ALU_DONE;
}

@inline function isDoublewordForm(xo: u32): bool {
  return xo == 986 || xo == 58 || xo == 570 || xo == 506 || xo == 186 || xo == 252 || xo == 27 || xo == 539
    || xo == 794 || (xo >>> 1) == 413 || (xo >>> 1) == 445 || xo == 187 || xo == 59 || xo == 571 || xo == 156
    || xo == 188 || xo == 220;
}

/** The 64-bit-only forms of ppcLogical (64-bit implementations). */
function doublewordForm(word: u32, xo: u32, s: u64, b: u64, ra: u32, rb: u32, record: bool): u32 {
  let r: u64;
  switch (xo) {
    case 986: r = signExtend32(s); break; //             extsw
    case 58: r = <u64>clz<u64>(s); break; //             cntlzd
    case 570: r = <u64>ctz<u64>(s); break; //            cnttzd
    case 506: { // popcntd
      if (record) return ALU_NOT_MINE;
      r = <u64>popcnt<u64>(s);
      break;
    }
    case 186: { // prtyd
      if (record) return ALU_NOT_MINE;
      let t = s & BYTE_LOW_BITS;
      t ^= t >> 32;
      t ^= t >> 16;
      t ^= t >> 8;
      r = t & 1;
      break;
    }
    case 252: { // bpermd: bit i of the low byte ← RB bit (byte i of RS), 0 past 63
      if (record) return ALU_NOT_MINE;
      r = 0;
      for (let i: u64 = 0; i < 8; i++) {
        const index = (s >> (56 - (i << 3))) & 0xff;
        const bit = index < 64 ? (b >> (63 - index)) & 1 : 0;
        r |= bit << (7 - i);
      }
      break;
    }
    case 187: r = bswap<u64>(s); record = false; break; //   brd
    case 156: r = depositBits(s, b); record = false; break; //  pdepd
    case 188: r = extractBits(s, b); record = false; break; //  pextd
    case 220: { // cfuged: RS's bits under RB's zeros to the left, under its ones to the right, each in order
      record = false;
      const ones = <u64>popcnt<u64>(b);
      r = (ones == 64 ? 0 : extractBits(s, ~b) << ones) | extractBits(s, b);
      break;
    }
    case 59: case 571: { // cntlzdm, cnttzdm: zeros of RS counted over RB's one bits, from the left or right
      record = false;
      const picked = extractBits(s, b);
      const width = <u64>popcnt<u64>(b);
      r = min<u64>(xo == 571 ? <u64>ctz<u64>(picked) : width == 0 ? 0 : <u64>clz<u64>(picked << (64 - width)), width);
      break;
    }
    case 27: r = (b & 0x40) != 0 ? 0 : s << (b & 63); break; //   sld
    case 539: r = (b & 0x40) != 0 ? 0 : s >> (b & 63); break; //  srd
    default: {
      const high = xo >>> 1;
      if (xo == 794 || high == 413) { // srad, sradi
        const n: u64 = xo == 794 ? b & 0x7f : <u64>(rb | ((xo & 1) << 5));
        const value = <i64>s;
        const shifted = n < 64 ? (s & ((<u64>1 << n) - 1)) != 0 : s != 0;
        r = <u64>(value >> (n < 64 ? <i64>n : 63));
        const ca: u64 = value < 0 && shifted ? 1 : 0;
        setCarryBits(ca, ca);
      } else if (high == 445) { // extswsli
        r = signExtend32(s) << <u64>(rb | ((xo & 1) << 5));
      } else {
        return ALU_NOT_MINE;
      }
    }
  }
  writeGpr(ra, r);
  if (record) recordCr0(r);
  return ALU_DONE;
}

/** pextd: the bits of `value` under `mask`'s ones, packed to the right in order. */
function extractBits(value: u64, mask: u64): u64 {
  let r: u64 = 0;
  let out: u64 = 0;
  for (let m = mask; m != 0; m &= m - 1) {
    r |= ((value >> <u64>ctz<u64>(m)) & 1) << out;
    out++;
  }
  return r;
}

/** pdepd: `value`'s low bits placed, in order, at `mask`'s ones. */
function depositBits(value: u64, mask: u64): u64 {
  let r: u64 = 0;
  let from: u64 = 0;
  for (let m = mask; m != 0; m &= m - 1) {
    r |= ((value >> from) & 1) << <u64>ctz<u64>(m);
    from++;
  }
  return r;
}
