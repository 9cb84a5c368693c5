// PowerPC branches, condition-register logic and the user SPRs (Power ISA 3.1, 2.4-
// 2.5, 3.3.18): b and bc in every BO/BI form (CTR decrement, AA, LK), bclr/bcctr/bctar,
// crand…crorc, mcrf, isync, addpcis, and mfspr/mtspr of XER, LR, CTR, TAR and the time
// base. The time base counts the instructions this vCPU has run (deterministic; see
// ppcTimeBase), so mftb is monotonic and repeatable.
import { CPU_LR, CPU_CTR, CPU_XER, CPU_SYSREGS, SYSREG_TAR } from "../../layout";
import { gpr, setPc, cpu, setCpu, cr, setCr, is64 } from "../../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./alu";
import { ppcTimeBase } from "./run";
import { XER_OV32, XER_CA32, field, writeGpr, crBit, crField, setCrField } from "./fixed-point";

const SPR_XER: u32 = 1;
const SPR_LR: u32 = 8;
const SPR_CTR: u32 = 9;
const SPR_TBL_READ: u32 = 268; // TB (64-bit implementations read all of it)
const SPR_TBU_READ: u32 = 269;
const SPR_TAR: u32 = 815;
const TAR: u32 = CPU_SYSREGS + (SYSREG_TAR << 3);

@inline export function nextPc(at: u64): u64 {
  const next = at + 4;
  return is64() ? next : next & 0xffff_ffff;
}

@inline function effective(address: u64): u64 {
  return is64() ? address : address & 0xffff_ffff;
}

/** bc's condition: decrements CTR unless BO says not, then tests CTR and the CR bit. */
function branchTaken(bo: u32, bi: u32, mayDecrement: bool): bool {
  let ctrOk = true;
  if (mayDecrement && (bo & 4) == 0) {
    const ctr = effective(cpu(CPU_CTR) - 1); // a 32-bit implementation's CTR is 32 bits wide
    setCpu(CPU_CTR, ctr);
    ctrOk = (ctr != 0) != ((bo & 2) != 0);
  }
  return ctrOk && ((bo & 16) != 0 || crBit(bi) == ((bo >>> 3) & 1));
}

/** b/ba/bl/bla (18) and bc (16): sets pc, returns ALU_DONE. */
export function ppcBranch(primary: u32, word: u32, at: u64): u32 {
  const absolute = (word & 2) != 0;
  let taken = true;
  let displacement: u64;
  if (primary == 18) {
    displacement = <u64>(<i64>(<i32>(word << 6)) >> 6) & ~3;
  } else {
    taken = branchTaken(field(word, 21, 5), field(word, 16, 5), true);
    displacement = <u64><i64><i16>(word & 0xfffc);
  }
  if ((word & 1) != 0) setCpu(CPU_LR, nextPc(at));
  setPc(taken ? effective(absolute ? displacement : at + displacement) : nextPc(at));
  return ALU_DONE;
}

/** Opcode 19 (XL/DX forms): branches to LR/CTR/TAR, CR logic, mcrf, isync, addpcis. Sets pc. */
export function ppcBranchXl(word: u32, at: u64, bo: u32, bi: u32, bb: u32): u32 {
  const xo = field(word, 1, 10);
  if ((xo & 31) == 2) { // addpcis RT, D: NIA + (d0 || d1 || d2) << 16
    const d = (field(word, 6, 10) << 6) | (bi << 1) | (word & 1);
    writeGpr(bo, nextPc(at) + (<u64><i64><i16>d << 16));
    setPc(nextPc(at));
    return ALU_DONE;
  }
  if (xo == 16 || xo == 528 || xo == 560) { // bclr, bcctr, bctar
    if (xo == 528 && (bo & 4) == 0) return ALU_NOT_MINE; // bcctr may not decrement CTR: invalid form
    const target = (xo == 16 ? cpu(CPU_LR) : xo == 528 ? cpu(CPU_CTR) : cpu(TAR)) & ~3;
    const taken = branchTaken(bo, bi, xo != 528);
    if ((word & 1) != 0) setCpu(CPU_LR, nextPc(at));
    setPc(taken ? effective(target) : nextPc(at));
    return ALU_DONE;
  }
  if (xo == 0) { // mcrf BF, BFA
    setCrField(bo >>> 2, crField(bi >>> 2));
  } else if (xo != 150) { // isync aside: the CR logic ops
    const a = crBit(bi), b = crBit(bb);
    let r: u32;
    switch (xo) {
      case 257: r = a & b; break; //        crand
      case 449: r = a | b; break; //        cror
      case 193: r = a ^ b; break; //        crxor
      case 225: r = (a & b) ^ 1; break; //  crnand
      case 33: r = (a | b) ^ 1; break; //   crnor
      case 289: r = (a ^ b) ^ 1; break; //  creqv
      case 129: r = a & (b ^ 1); break; //  crandc
      case 417: r = a | (b ^ 1); break; //  crorc
      default: return ALU_NOT_MINE;
    }
    const bit: u32 = 0x8000_0000 >>> bo;
    setCr(r != 0 ? cr() | bit : cr() & ~bit);
  }
  setPc(nextPc(at));
  return ALU_DONE;
}

/** mfspr (339) / mtspr (467) / mftb (371) of the user SPRs: ALU_DONE (pc not set) or ALU_NOT_MINE. */
export function ppcUserSpr(xo: u32, rt: u32, spr: u32): u32 {
  if (xo == 371 && spr != SPR_TBL_READ && spr != SPR_TBU_READ) return ALU_NOT_MINE;
  if (xo == 339 || xo == 371) {
    if (spr == SPR_LR) writeGpr(rt, cpu(CPU_LR));
    else if (spr == SPR_CTR) writeGpr(rt, cpu(CPU_CTR));
    else if (spr == SPR_XER) writeGpr(rt, cpu(CPU_XER));
    else if (spr == SPR_TAR) writeGpr(rt, cpu(TAR));
    else if (spr == SPR_TBL_READ) writeGpr(rt, ppcTimeBase());
    else if (spr == SPR_TBU_READ) writeGpr(rt, ppcTimeBase() >> 32);
    else return ALU_NOT_MINE;
    return ALU_DONE;
  }
  if (xo != 467) return ALU_NOT_MINE;
  const value = is64() ? gpr(rt) : gpr(rt) & 0xffff_ffff;
  if (spr == SPR_LR) setCpu(CPU_LR, value);
  else if (spr == SPR_CTR) setCpu(CPU_CTR, value);
  else if (spr == SPR_XER) setCpu(CPU_XER, value & (is64() ? 0xffff_ffff : ~(XER_OV32 | XER_CA32) & 0xffff_ffff)); // bits 0:31 reserved; no OV32/CA32 before ISA 3.0
  else if (spr == SPR_TAR) setCpu(TAR, value);
  else return ALU_NOT_MINE;
  return ALU_DONE;
}
