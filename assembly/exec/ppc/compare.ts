// PowerPC compares, traps and condition-register moves (Power ISA 3.1, 3.3.10-3.3.12,
// 3.3.15-3.3.17): cmp/cmpl/cmpi/cmpli (L=1 compares doublewords on a 64-bit
// implementation and is ignored on a 32-bit one, as QEMU does), cmprb, cmpeqb, tw/td/
// twi/tdi, isel, setb, setbc/setbcr/setnbc/setnbcr, mfcr/mfocrf, mtcrf/mtocrf and
// mcrxrx.
//
// A trap whose condition holds ends the run with EXIT_FAULT, FAULT_TRAP and the trap's
// own address as the fault address; pc stays at the trap (the program interrupt is
// not delivered). mfocrf/mtocrf with a field mask that is not one bit leave RT/CR as
// they were (QEMU's choice for the undefined case).
import { CPU_XER } from "../../layout";
import { FAULT_TRAP } from "../../exits";
import { gpr, cpu, cr, setCr, is64 } from "../../cpu/regs";
import { fault } from "../run-exits";
import { ALU_DONE, ALU_NOT_MINE } from "./alu";
import {
  ALU_UNDEFINED, XER_OV, XER_OV32, XER_CA, XER_CA32, writeGpr, gprOrZero, signExtend32, compareNibble,
  compareNibbleUnsigned, setCrField, crField, crBit,
} from "./fixed-point";

/** cmpi (11) and cmpli (10): BF in rt's top three bits, L in its low bit. */
export function ppcCompareImmediate(primary: u32, word: u32, rt: u32, ra: u32): u32 {
  const wide = (rt & 1) != 0 && is64();
  const a = gpr(ra);
  const nibble = primary == 11
    ? compareNibble(wide ? <i64>a : <i64><i32>a, <i64><i16>word)
    : compareNibbleUnsigned(wide ? a : a & 0xffff_ffff, <u64>(word & 0xffff));
  setCrField(rt >>> 2, nibble);
  return ALU_DONE;
}

/** Whether tw/td's TO condition holds for a and b (already extended to the compared width). */
function trapCondition(to: u32, a: u64, b: u64): bool {
  return ((to & 16) != 0 && <i64>a < <i64>b) || ((to & 8) != 0 && <i64>a > <i64>b) || ((to & 4) != 0 && a == b)
    || ((to & 2) != 0 && a < b) || ((to & 1) != 0 && a > b);
}

/**
 * tw/twi (word: compared sign-extended for the signed conditions and zero-extended for
 * the unsigned ones) and td/tdi: ALU_DONE when the condition fails, else the trap exit.
 */
export function ppcTrap(to: u32, a: u64, b: u64, doubleword: bool, at: u64): u32 {
  const holds = doubleword
    ? trapCondition(to, a, b)
    : trapCondition(to & 0x1c, signExtend32(a), signExtend32(b)) || trapCondition(to & 3, a & 0xffff_ffff, b & 0xffff_ffff);
  return holds ? fault(FAULT_TRAP, at, at) : ALU_DONE;
}

/** Opcode 31 compares, traps, isel and CR moves by 10-bit extended opcode. */
export function ppcCompare(word: u32, xo: u32, rt: u32, ra: u32, rb: u32, at: u64): u32 {
  if ((xo & 31) == 15) { // isel RT, RA|0, RB, BC
    writeGpr(rt, crBit(field5(word, 6)) != 0 ? gprOrZero(ra) : gpr(rb));
    return ALU_DONE;
  }
  const bf = rt >>> 2;
  switch (xo) {
    case 0: case 32: { // cmp, cmpl
      const wide = (rt & 1) != 0 && is64();
      const a = gpr(ra), b = gpr(rb);
      setCrField(bf, xo == 0
        ? (wide ? compareNibble(<i64>a, <i64>b) : compareNibble(<i64><i32>a, <i64><i32>b))
        : (wide ? compareNibbleUnsigned(a, b) : compareNibbleUnsigned(a & 0xffff_ffff, b & 0xffff_ffff)));
      return ALU_DONE;
    }
    case 192: { // cmprb: RA's low byte within RB's byte range(s); CR field = 0 || in || 0 || 0
      const byte = gpr(ra) & 0xff, b = gpr(rb);
      let inRange = byte >= (b & 0xff) && byte <= ((b >> 8) & 0xff);
      if ((rt & 1) != 0) inRange = inRange || (byte >= ((b >> 16) & 0xff) && byte <= ((b >> 24) & 0xff));
      setCrField(bf, inRange ? 4 : 0);
      return ALU_DONE;
    }
    case 224: { // cmpeqb: RA's low byte equals any byte of RB
      if (!is64()) return ALU_UNDEFINED;
      const byte = gpr(ra) & 0xff, b = gpr(rb);
      let match = false;
      for (let shift: u64 = 0; shift < 64; shift += 8) match = match || ((b >> shift) & 0xff) == byte;
      setCrField(bf, match ? 4 : 0);
      return ALU_DONE;
    }
    case 4: return ppcTrap(rt, gpr(ra), gpr(rb), false, at); // tw
    case 68: return is64() ? ppcTrap(rt, gpr(ra), gpr(rb), true, at) : ALU_UNDEFINED; // td
    case 128: { // setb RT, BFA: -1 if LT, 1 if GT, else 0
      const nibble = crField(ra >>> 2);
      writeGpr(rt, (nibble & 8) != 0 ? 0xffff_ffff_ffff_ffff : (nibble & 4) != 0 ? 1 : 0);
      return ALU_DONE;
    }
    case 384: case 416: case 448: case 480: { // setbc, setbcr, setnbc, setnbcr RT, BI
      const set = (crBit(ra) != 0) != (xo == 416 || xo == 480);
      writeGpr(rt, !set ? 0 : xo >= 448 ? 0xffff_ffff_ffff_ffff : 1);
      return ALU_DONE;
    }
    case 19: { // mfcr, mfocrf (bit 11 set: one field, the others 0)
      if ((word & 0x0010_0000) == 0) writeGpr(rt, <u64>cr());
      else if (oneField(word)) writeGpr(rt, <u64>(cr() & fieldMask(word)));
      return ALU_DONE;
    }
    case 144: { // mtcrf, mtocrf
      const fxm = (word >>> 12) & 0xff;
      if ((word & 0x0010_0000) == 0 || oneField(word)) {
        let mask: u32 = 0;
        for (let i: u32 = 0; i < 8; i++) if ((fxm & (0x80 >>> i)) != 0) mask |= 0xf000_0000 >>> (i << 2);
        setCr((cr() & ~mask) | (<u32>gpr(rt) & mask));
      }
      return ALU_DONE;
    }
    case 576: { // mcrxrx BF: OV OV32 CA CA32
      const xer = cpu(CPU_XER);
      setCrField(bf, ((xer & XER_OV) != 0 ? 8 : 0) | ((xer & XER_OV32) != 0 ? 4 : 0) | ((xer & XER_CA) != 0 ? 2 : 0) | ((xer & XER_CA32) != 0 ? 1 : 0));
      return ALU_DONE;
    }
    default: return ALU_NOT_MINE;
  }
}

@inline function field5(word: u32, shift: u32): u32 {
  return (word >>> shift) & 31;
}

/** mfocrf/mtocrf: FXM (bits 12-19) names exactly one field. */
@inline function oneField(word: u32): bool {
  const fxm = (word >>> 12) & 0xff;
  return fxm != 0 && (fxm & (fxm - 1)) == 0;
}

/** The CR bits of the one field FXM names. */
@inline function fieldMask(word: u32): u32 {
  const fxm = (word >>> 12) & 0xff;
  return <u32>0xf << (ctz<u32>(fxm) << 2);
}
