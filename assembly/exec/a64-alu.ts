// The A64 instructions a guest loop needs besides loads and stores: ADD/SUB
// (immediate and shifted register, with flags), MOVZ/MOVN/MOVK, B, BL, B.cond,
// CBZ/CBNZ, SVC/HVC as the hypercall, NOP, the barriers, TLBI and MSR/MRS of the
// MMU registers. Not a full CPU.
import { CPU_NZCV, CPU_SP, CPU_GPR, CPU_SYSREGS, SYSREG_SCTLR_EL1, SYSREG_TCR_EL1, SYSREG_TTBR0_EL1, SYSREG_TTBR1_EL1, SYSREG_MAIR_EL1 } from "../layout";
import { EXIT_HYPERCALL, EXIT_SYNC_WAIT } from "../exits";
import { record } from "../machine";
import { setPc } from "../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { tlbFlushAll, tlbFlushVa, tlbFlushAddressSpace, setMmu } from "../mmu/tlb";
import { shootPost, shootPostAddressSpace, shootBarrier } from "../mmu/shootdown";
import { WALKER_A64 } from "../mmu/walk";
import { a64Asid, A64_PA_LIMIT } from "../mmu/a64-walk";

/** X register n, where 31 reads as `sp ? SP : XZR`. */
@inline export function xRead(n: u32, sp: bool): u64 {
  if (n == 31) return sp ? load<u64>(record + CPU_SP) : 0;
  return load<u64>(record + CPU_GPR + (n << 3));
}

/** Writes X register n (31 is SP when `sp`, else XZR, which discards). */
@inline export function xWrite(n: u32, value: u64, sp: bool): void {
  if (n == 31) {
    if (sp) store<u64>(record + CPU_SP, value);
    return;
  }
  store<u64>(record + CPU_GPR + (n << 3), value);
}

@inline function nzcv(): u32 {
  return load<u32>(record + CPU_NZCV);
}

/** ConditionHolds(cond) from the ARM ARM. */
export function conditionHolds(cond: u32): bool {
  return conditionHoldsFor(cond, nzcv());
}

/** ConditionHolds(cond) for the flags NZCV in bits 31:28 of `flags`. */
export function conditionHoldsFor(cond: u32, flags: u32): bool {
  const n = (flags >>> 31) & 1, z = (flags >>> 30) & 1, c = (flags >>> 29) & 1, v = (flags >>> 28) & 1;
  let result: bool;
  switch (cond >>> 1) {
    case 0: result = z == 1; break; //             EQ
    case 1: result = c == 1; break; //             CS
    case 2: result = n == 1; break; //             MI
    case 3: result = v == 1; break; //             VS
    case 4: result = c == 1 && z == 0; break; //   HI
    case 5: result = n == v; break; //             GE
    case 6: result = n == v && z == 0; break; //   GT
    default: result = true; //                     AL
  }
  return (cond & 1) != 0 && cond != 15 ? !result : result;
}

/** AddWithCarry(x, y, carry) at 32 or 64 bits; sets NZCV when `setFlags`. */
export function addWithCarry(x: u64, y: u64, carry: u64, wide: bool, setFlags: bool): u64 {
  const mask: u64 = wide ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
  const a = x & mask, b = y & mask;
  const result = (a + b + carry) & mask;
  if (setFlags) {
    const top: u64 = wide ? 63 : 31;
    const n = (result >> top) & 1;
    const z: u64 = result == 0 ? 1 : 0;
    const c: u64 = wide ? (result < a || (carry != 0 && result == a) ? 1 : 0) : ((a + b + carry) >> 32) & 1;
    const v = (((a ^ result) & (b ^ result)) >> top) & 1;
    store<u32>(record + CPU_NZCV, <u32>((n << 31) | (z << 30) | (c << 29) | (v << 28)));
  }
  return result;
}

/** LSL (0), LSR (1) or ASR (2) at the operation's width; ROR (3) is reserved for ADD/SUB. */
@inline function shifted(value: u64, type: u32, amount: u32, wide: bool): u64 {
  const mask: u64 = wide ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
  const v = value & mask;
  if (type == 0) return (v << <u64>amount) & mask;
  if (type == 1) return v >> <u64>amount;
  return wide ? <u64>(<i64>v >> <i64>amount) : <u64>(<i64><i32><u32>v >> <i64>amount) & mask;
}

/** The CPU_SYSREGS index of an MSR/MRS's op0:op1:CRn:CRm:op2, or -1 for one not kept. */
function sysregIndex(key: u32): i32 {
  switch (key) {
    case 0xc080: return <i32>SYSREG_SCTLR_EL1; //  S3_0_C1_C0_0
    case 0xc102: return <i32>SYSREG_TCR_EL1; //    S3_0_C2_C0_2
    case 0xc100: return <i32>SYSREG_TTBR0_EL1; //  S3_0_C2_C0_0
    case 0xc101: return <i32>SYSREG_TTBR1_EL1; //  S3_0_C2_C0_1
    case 0xc510: return <i32>SYSREG_MAIR_EL1; //   S3_0_C10_C2_0
    default: return -1;
  }
}

/** Translation as SCTLR_EL1.M says, in the address space of the current ASID; with it off, the PA size bounds addresses. */
export function a64SetMmu(): void {
  setMmu((load<u64>(record + CPU_SYSREGS + (SYSREG_SCTLR_EL1 << 3)) & 1) != 0, WALKER_A64, a64Asid(), A64_PA_LIMIT);
}

/**
 * MSR/MRS of the MMU registers (SCTLR_EL1, TCR_EL1, TTBR0/1_EL1, MAIR_EL1). Writing a
 * TTBR switches the TLB to its ASID's entries (a context switch: entries stay tagged
 * by ASID, and reusing an ASID for other tables needs a TLBI, as on hardware); writing
 * the others drops the TLB; SCTLR_EL1.M turns translation on or off.
 */
function systemRegister(word: u32, at: u64): u32 {
  const index = sysregIndex((word >>> 5) & 0xffff);
  if (index < 0) return ALU_NOT_MINE;
  const at_ = record + CPU_SYSREGS + (<u32>index << 3);
  const rt = word & 31;
  if ((word & 0x0020_0000) != 0) {
    xWrite(rt, load<u64>(at_), false);
  } else {
    store<u64>(at_, xRead(rt, false));
    if (<u32>index != SYSREG_TTBR0_EL1 && <u32>index != SYSREG_TTBR1_EL1) tlbFlushAll();
    a64SetMmu();
  }
  setPc(at + 4);
  return ALU_DONE;
}

/** Executes `word` at `at` if it is in the subset: ALU_DONE, EXIT_HYPERCALL or ALU_NOT_MINE. */
export function a64Alu(word: u32, at: u64): u32 {
  const rd = word & 31;
  const rn = (word >>> 5) & 31;
  const wide = (word >>> 31) != 0;
  const mask: u64 = wide ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
  if ((word & 0x1f00_0000) == 0x1100_0000) { // ADD/SUB (immediate)
    if ((word & 0x0080_0000) != 0) return ALU_NOT_MINE; // sh field's reserved half (tag ops)
    const setFlags = (word & 0x2000_0000) != 0;
    const subtract = (word & 0x4000_0000) != 0;
    const imm = <u64>((word >>> 10) & 0xfff) << ((word & 0x0040_0000) != 0 ? 12 : 0);
    const a = xRead(rn, true);
    const result = subtract ? addWithCarry(a, ~imm, 1, wide, setFlags) : addWithCarry(a, imm, 0, wide, setFlags);
    xWrite(rd, result & mask, !setFlags);
  } else if ((word & 0x1f20_0000) == 0x0b00_0000) { // ADD/SUB (shifted register)
    const type = (word >>> 22) & 3;
    const amount = (word >>> 10) & 63;
    if (type == 3 || (!wide && amount > 31)) return ALU_NOT_MINE;
    const setFlags = (word & 0x2000_0000) != 0;
    const subtract = (word & 0x4000_0000) != 0;
    const b = shifted(xRead((word >>> 16) & 31, false), type, amount, wide);
    const a = xRead(rn, false);
    const result = subtract ? addWithCarry(a, ~b, 1, wide, setFlags) : addWithCarry(a, b, 0, wide, setFlags);
    xWrite(rd, result & mask, false);
  } else if ((word & 0x1f80_0000) == 0x1280_0000) { // MOVN / MOVZ / MOVK
    const opc = (word >>> 29) & 3;
    const hw = (word >>> 21) & 3;
    if (opc == 1 || (!wide && hw > 1)) return ALU_NOT_MINE;
    const shift = <u64>(hw << 4);
    const imm = <u64>((word >>> 5) & 0xffff) << shift;
    if (opc == 0) xWrite(rd, ~imm & mask, false);
    else if (opc == 2) xWrite(rd, imm, false);
    else xWrite(rd, ((xRead(rd, false) & ~(<u64>0xffff << shift)) | imm) & mask, false);
  } else if ((word & 0x7c00_0000) == 0x1400_0000) { // B, BL
    if ((word & 0x8000_0000) != 0) xWrite(30, at + 4, false);
    setPc(at + (<u64>(<i64>(<i32>(word << 6)) >> 4)));
    return ALU_DONE;
  } else if ((word & 0xff00_0000) == 0x5400_0000) { // B.cond, and BC.cond (FEAT_HBC: bit 4, a hint of consistent behaviour, the same branch)
    const offset = <u64><i64>branchOffset19(word);
    setPc(conditionHolds(word & 15) ? at + offset : at + 4);
    return ALU_DONE;
  } else if ((word & 0x7e00_0000) == 0x3400_0000) { // CBZ, CBNZ
    const value = xRead(rd, false) & mask;
    const offset = <u64><i64>branchOffset19(word);
    const taken = ((word & 0x0100_0000) != 0) == (value != 0);
    setPc(taken ? at + offset : at + 4);
    return ALU_DONE;
  } else if ((word & 0xffe0_001f) == 0xd400_0001 || (word & 0xffe0_001f) == 0xd400_0002) { // SVC, HVC
    setPc(at + 4);
    return EXIT_HYPERCALL;
  } else if ((word & 0xffff_f0ff) == 0xd503_309f) { // DSB: retires this vCPU's broadcast TLBI
    if (!shootBarrier()) return EXIT_SYNC_WAIT;
  } else if ((word & 0xffff_f09f) == 0xd503_309f) { // DMB, ISB, SB (CRm: domain/type)
    // The interpreter completes every access before the next instruction.
  } else if (word == 0xd503_201f) { // NOP
  } else if ((word & 0xffd0_0000) == 0xd510_0000) { // MSR / MRS of a system register
    return systemRegister(word, at);
  } else if ((word & 0xfff8_f000) == 0xd508_8000) { // TLBI (SYS #op1, C8, Cm, #op2, Xt)
    tlbi(word);
  } else {
    return ALU_NOT_MINE;
  }
  setPc(at + 4);
  return ALU_DONE;
}

/** B.cond's and CBZ/CBNZ's byte offset: imm19 (bits 23:5) times 4, sign-extended. */
@inline export function branchOffset19(word: u32): i32 {
  return ((<i32>(word << 8)) >> 13) << 2;
}

/**
 * TLBI: the EL1 by-VA forms (VAE1, VAAE1, VALE1, VAALE1 and their IS variants; Xt
 * holds VA[55:12]) drop that address in every ASID (over-invalidating the ASID-named
 * ones, as permitted); ASIDE1 drops the entries of the ASID in Xt[63:48]; the rest
 * drop everything. Inner-shareable forms (CRm 3) are posted to every vCPU.
 */
function tlbi(word: u32): void {
  const op1 = (word >> 16) & 7;
  const crm = (word >> 8) & 15;
  const op2 = (word >> 5) & 7;
  const xt = xRead(word & 31, false);
  const broadcast = crm == 3;
  if (op1 == 0 && (crm == 3 || crm == 7) && op2 == 2) { // ASIDE1(IS)
    const tcr = load<u64>(record + CPU_SYSREGS + (SYSREG_TCR_EL1 << 3));
    const asid = (xt >> 48) & (((tcr >> 36) & 1) != 0 ? 0xffff : 0xff);
    if (broadcast) shootPostAddressSpace(asid);
    else tlbFlushAddressSpace(asid);
    return;
  }
  const byVa = op1 == 0 && (crm == 3 || crm == 7) && (op2 & 1) == 1;
  // Xt[43:0] is VA[55:12]: shift it to bit 12 and sign-extend from bit 55.
  const va = byVa ? <u64>(<i64>(xt << 20) >> 8) : 0;
  if (broadcast) shootPost(va, !byVa);
  else if (byVa) tlbFlushVa(va);
  else tlbFlushAll();
}
