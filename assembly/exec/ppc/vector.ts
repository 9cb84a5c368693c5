// The VMX/VSX integer instructions GCC's vectorised integer code uses (Power ISA 3.1,
// chapters 6-7): VMX modulo add/subtract, vmuluwm, logical, shifts, compare-equal/greater (with
// CR6), splat-immediate and splat; VSX logical, xxsel, xxpermdi, xxspltw, xxspltib; and
// the VSR<->GPR moves. Element numbering is the ISA's (element 0 the most significant),
// VSR n is two doublewords, dword 0 first (cpu/regs.ts). VMX runs on every PowerPC
// (the 7457 has AltiVec); VSX and the moves on 64-bit implementations only. mtvsrd and
// mtvsrwz leave doubleword 1 as it was (undefined in the ISA; QEMU keeps it).
import { gpr, vsrWord, setVsrWord, is64 } from "../../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./alu";
import { field, writeGpr, signExtend32, setCrField } from "./fixed-point";

const VR: u32 = 32; // VR n is VSR 32+n

/** One lane operation over a doubleword: `op` on each `width`-bit lane of a and b. */
function lanes(a: u64, b: u64, width: u32, op: u32): u64 {
  const laneMask: u64 = width == 64 ? 0xffff_ffff_ffff_ffff : (<u64>1 << width) - 1;
  const wide = <u64>width;
  let r: u64 = 0;
  for (let shift: u64 = 0; shift < 64; shift += wide) {
    const x = (a >> shift) & laneMask, y = (b >> shift) & laneMask;
    const amount = y & (wide - 1);
    let v: u64;
    switch (op) {
      case 0: v = x + y; break; //   add (modulo)
      case 1: v = x - y; break; //   subtract (modulo)
      case 2: v = x << amount; break; // shift left
      case 3: v = x >> amount; break; // shift right
      case 4: v = <u64>((<i64>(x << (64 - wide)) >> <i64>(64 - wide)) >> <i64>amount); break; // shift right algebraic
      case 5: v = x == y ? laneMask : 0; break; // equal
      case 6: v = <i64>(x << (64 - wide)) > <i64>(y << (64 - wide)) ? laneMask : 0; break; // greater, signed
      case 8: v = x * y; break; //   multiply (modulo)
      default: v = x > y ? laneMask : 0; break; // 7: greater, unsigned
    }
    r |= (v & laneMask) << shift;
  }
  return r;
}

/** Doubleword `half` of a splat of the `width`-bit value. */
function splat(value: u64, width: u32): u64 {
  const laneMask: u64 = width == 64 ? 0xffff_ffff_ffff_ffff : (<u64>1 << width) - 1;
  let r: u64 = 0;
  for (let shift: u32 = 0; shift < 64; shift += width) r |= (value & laneMask) << <u64>shift;
  return r;
}

/** Element `index` (`width` bits, ISA numbering) of VSR `n`. */
function element(n: u32, index: u32, width: u32): u64 {
  const perHalf = 64 / width;
  const half = index / perHalf;
  const shift = <u64>(64 - width * (index % perHalf + 1));
  const laneMask: u64 = width == 64 ? 0xffff_ffff_ffff_ffff : (<u64>1 << width) - 1;
  return (vsrWord(n, half) >> shift) & laneMask;
}

@inline function setVsr(n: u32, high: u64, low: u64): void {
  setVsrWord(n, 0, high);
  setVsrWord(n, 1, low);
}

/** Primary opcode 4 (VMX): ALU_DONE (pc not set) or ALU_NOT_MINE. */
export function ppcVmx(word: u32): u32 {
  const vt = field(word, 21, 5) + VR, va = field(word, 16, 5) + VR, vb = field(word, 11, 5) + VR;
  const xo = word & 0x7ff;
  const a0 = vsrWord(va, 0), a1 = vsrWord(va, 1), b0 = vsrWord(vb, 0), b1 = vsrWord(vb, 1);
  // Modulo add/subtract and shifts: the element width is in bits 6-7 of the XO.
  let op: i32 = -1;
  let width: u32 = 8 << ((xo >>> 6) & 3);
  switch (xo & ~0xc0) {
    case 0: op = 0; break; //      vaddubm vadduhm vadduwm vaddudm
    case 1024: op = 1; break; //   vsububm … vsubudm
    case 260: op = 2; break; //    vslb vslh vslw
    case 516: op = 3; break; //    vsrb vsrh vsrw
    case 772: op = 4; break; //    vsrab vsrah vsraw
    default: break;
  }
  if (op >= 0 && (op < 2 || width < 64)) {
    setVsr(vt, lanes(a0, b0, width, op), lanes(a1, b1, width, op));
    return ALU_DONE;
  }
  // The doubleword shifts (ISA 2.07) sit elsewhere in the map.
  op = xo == 1476 ? 2 : xo == 1732 ? 3 : xo == 964 ? 4 : -1;
  if (op >= 0) {
    setVsr(vt, lanes(a0, b0, 64, op), lanes(a1, b1, 64, op));
    return ALU_DONE;
  }
  if (xo == 137) { // vmuluwm (ISA 2.07): the low 32 bits of each word product
    setVsr(vt, lanes(a0, b0, 32, 8), lanes(a1, b1, 32, 8));
    return ALU_DONE;
  }
  switch (xo) {
    case 1028: setVsr(vt, a0 & b0, a1 & b1); return ALU_DONE; //         vand
    case 1092: setVsr(vt, a0 & ~b0, a1 & ~b1); return ALU_DONE; //       vandc
    case 1156: setVsr(vt, a0 | b0, a1 | b1); return ALU_DONE; //         vor
    case 1220: setVsr(vt, a0 ^ b0, a1 ^ b1); return ALU_DONE; //         vxor
    case 1284: setVsr(vt, ~(a0 | b0), ~(a1 | b1)); return ALU_DONE; //   vnor
    case 1348: setVsr(vt, a0 | ~b0, a1 | ~b1); return ALU_DONE; //       vorc
    case 1412: setVsr(vt, ~(a0 & b0), ~(a1 & b1)); return ALU_DONE; //   vnand
    case 1668: setVsr(vt, ~(a0 ^ b0), ~(a1 ^ b1)); return ALU_DONE; //   veqv
    case 780: case 844: case 908: { // vspltisb, vspltish, vspltisw: SIMM (the VA field) sign-extended
      width = 8 << ((xo - 780) >>> 6);
      const value = splat(<u64><i64>(<i32>(field(word, 16, 5) << 27) >> 27), width);
      setVsr(vt, value, value);
      return ALU_DONE;
    }
    case 524: case 588: case 652: { // vspltb, vsplth, vspltw: element UIM of VB
      width = 8 << ((xo - 524) >>> 6);
      const value = splat(element(vb, field(word, 16, 5) & (128 / width - 1), width), width);
      setVsr(vt, value, value);
      return ALU_DONE;
    }
    default: return vmxCompare(word, vt, a0, a1, b0, b1);
  }
}

/** VC-form compares (Rc in bit 21: CR6 ← all true, 0, none true, 0). */
function vmxCompare(word: u32, vt: u32, a0: u64, a1: u64, b0: u64, b1: u64): u32 {
  const xo = word & 0x3ff;
  let op: u32, width: u32;
  switch (xo) {
    case 6: case 70: case 134: op = 5; width = 8 << (xo >>> 6); break; //      vcmpequb/h/w
    case 199: op = 5; width = 64; break; //                                    vcmpequd
    case 774: case 838: case 902: op = 6; width = 8 << ((xo - 774) >>> 6); break; // vcmpgtsb/h/w
    case 967: op = 6; width = 64; break; //                                    vcmpgtsd
    case 518: case 582: case 646: op = 7; width = 8 << ((xo - 518) >>> 6); break; // vcmpgtub/h/w
    case 711: op = 7; width = 64; break; //                                    vcmpgtud
    default: return ALU_NOT_MINE;
  }
  const r0 = lanes(a0, b0, width, op), r1 = lanes(a1, b1, width, op);
  setVsr(vt, r0, r1);
  if ((word & 0x400) != 0) {
    const all = r0 == 0xffff_ffff_ffff_ffff && r1 == 0xffff_ffff_ffff_ffff;
    setCrField(6, (all ? 8 : 0) | (r0 == 0 && r1 == 0 ? 2 : 0));
  }
  return ALU_DONE;
}

/** Primary opcode 60 (VSX, 64-bit implementations): ALU_DONE (pc not set) or ALU_NOT_MINE. */
export function ppcVsxAlu(word: u32): u32 {
  if (!is64()) return ALU_NOT_MINE;
  const xt = field(word, 21, 5) | ((word & 1) << 5);
  const xa = field(word, 16, 5) | (((word >>> 2) & 1) << 5);
  const xb = field(word, 11, 5) | (((word >>> 1) & 1) << 5);
  const a0 = vsrWord(xa, 0), a1 = vsrWord(xa, 1), b0 = vsrWord(xb, 0), b1 = vsrWord(xb, 1);
  if (((word >>> 4) & 3) == 3) { // XX4: xxsel XT, XA, XB, XC
    const xc = field(word, 6, 5) | (((word >>> 3) & 1) << 5);
    const c0 = vsrWord(xc, 0), c1 = vsrWord(xc, 1);
    setVsr(xt, (a0 & ~c0) | (b0 & c0), (a1 & ~c1) | (b1 & c1));
    return ALU_DONE;
  }
  const xo = field(word, 3, 8);
  if ((xo & 0x9f) == 10) { // xxpermdi XT, XA, XB, DM
    const dm = (xo >>> 5) & 3;
    setVsr(xt, (dm & 2) == 0 ? a0 : a1, (dm & 1) == 0 ? b0 : b1);
    return ALU_DONE;
  }
  switch (xo) {
    case 130: setVsr(xt, a0 & b0, a1 & b1); return ALU_DONE; //         xxland
    case 138: setVsr(xt, a0 & ~b0, a1 & ~b1); return ALU_DONE; //       xxlandc
    case 146: setVsr(xt, a0 | b0, a1 | b1); return ALU_DONE; //         xxlor
    case 154: setVsr(xt, a0 ^ b0, a1 ^ b1); return ALU_DONE; //         xxlxor
    case 162: setVsr(xt, ~(a0 | b0), ~(a1 | b1)); return ALU_DONE; //   xxlnor
    case 170: setVsr(xt, a0 | ~b0, a1 | ~b1); return ALU_DONE; //       xxlorc
    case 178: setVsr(xt, ~(a0 & b0), ~(a1 & b1)); return ALU_DONE; //   xxlnand
    case 186: setVsr(xt, ~(a0 ^ b0), ~(a1 ^ b1)); return ALU_DONE; //   xxleqv
    default: break;
  }
  const xo2 = field(word, 2, 9);
  if (xo2 == 164) { // xxspltw XT, XB, UIM
    const value = splat(element(xb, field(word, 16, 2), 32), 32);
    setVsr(xt, value, value);
    return ALU_DONE;
  }
  if (field(word, 1, 10) == 360 && field(word, 19, 2) == 0) { // xxspltib XT, IMM8
    const value = splat(<u64>field(word, 11, 8), 8);
    setVsr(xt, value, value);
    return ALU_DONE;
  }
  return ALU_NOT_MINE;
}

/** Opcode 31 VSR<->GPR moves (64-bit implementations): mfvsrd, mfvsrwz, mtvsrd, mtvsrwa, mtvsrwz, mfvsrld, mtvsrdd. */
export function ppcVsrMove(xo: u32, word: u32, rt: u32, ra: u32, rb: u32): u32 {
  if (!is64()) return ALU_NOT_MINE;
  const x = rt | ((word & 1) << 5);
  switch (xo) {
    case 51: writeGpr(ra, vsrWord(x, 0)); break; //                        mfvsrd RA, XS
    case 115: writeGpr(ra, vsrWord(x, 0) & 0xffff_ffff); break; //         mfvsrwz RA, XS
    case 307: writeGpr(ra, vsrWord(x, 1)); break; //                       mfvsrld RA, XS
    case 179: setVsrWord(x, 0, gpr(ra)); break; //                         mtvsrd XT, RA
    case 211: setVsrWord(x, 0, signExtend32(gpr(ra))); break; //           mtvsrwa XT, RA
    case 243: setVsrWord(x, 0, gpr(ra) & 0xffff_ffff); break; //           mtvsrwz XT, RA
    case 435: setVsr(x, ra == 0 ? 0 : gpr(ra), gpr(rb)); break; //         mtvsrdd XT, RA|0, RB
    default: return ALU_NOT_MINE;
  }
  return ALU_DONE;
}
