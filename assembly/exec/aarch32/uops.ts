// The AArch32 interpreter's decoded-instruction cache, shaped like ppc/uops.ts (same
// record region; a32Run empties it when the machine's mode, Thumb aside, changes): the
// hot forms pre-decoded once (uops-fill.ts) into 16-byte micro-ops keyed by the
// instruction word and its instruction set, so an entry can never go stale (rewritten
// code just misses) and an A32 word never answers for a T32 one (a 16-bit T32 word is
// below 0x10000, a 32-bit one has its first halfword, at least 0xe800, in the high bits:
// they never collide with each other; two-way sets). Everything else is U_GENERIC and takes the full path.
//
// A32 forms: data processing with an immediate or a register shifted by an immediate
// or by a register (not to PC), MOVW/MOVT, LDR/STR/LDRB/STRB with an immediate offset
// (writeback too; LDR/LDRB literal), LDRD/STRD with an immediate offset (writeback too), B, BL, BX, and
// (uops-more.ts) BLX (register and immediate), SBFX/UBFX, the extends, CLZ, the multiplies, LDR/STR(B) with a
// shifted register offset, LDRH/STRH/LDRSB/LDRSH with an immediate offset, LDM/STM and NOP,
// (uops-ordered.ts) LDREX/STREX (B/H/D), LDA/STL and the barriers DMB/ISB.
// T32 forms, inside IT blocks too (there the 16-bit data-processing forms leave the flags,
// and branches run only last): the 16-bit shifts, ADD/SUB/MOV/CMP, the register
// operations, the high-register ADD/MOV/CMP, BX/BLX, ADR, the SP adjustments, the
// extends, CBZ/CBNZ, B<c>, B, the 16-bit loads and stores (immediate, register and
// literal), PUSH/POP, IT, NOP, and the 32-bit BL, B.W, B<c>.W, LDR/STR(B/H).W with a
// 12-bit or 8-bit immediate (writeback too) or a shifted register, LDRD/STRD, LDM/STM,
// data processing with a modified immediate or a shifted register, LSL/LSR/ASR/ROR.W by
// a register, MOVW/MOVT, SBFX/UBFX, the multiplies, CLZ, NOP.W, the exclusives, LDA/STL, DMB/ISB (decoded in
// uops-wide.ts; all but the branches and the plain loads and stores run as A32 ops).
//
// Entry: 0 word u32 · 4 op u8 · 5 rd u8 · 6 rn u8 · 7 rm u8 · 8 imm u32 · 12 aux u16 · 14 cond u8 · 15 set u8
import { REC_UOPS, UOP_SIZE, UOP_ENTRIES, CPU_GPR, CPU_NZCV, PAGE_SIZE } from "../../layout";
import { EXIT_NONE } from "../../exits";
import { record } from "../../machine";
import { pc, setPc } from "../../cpu/regs";
import { tlbSync, tlbEpoch, tlbLookup, TLB_READ, TLB_WRITE } from "../../mmu/tlb";
import { readMissed, writeMissed, accessExit, bigData } from "../guest-memory";
import { conditionHolds } from "../a64-alu";
import { interworkingBranch } from "../a32-loadstore";
import {
  shifterCarry, carryFlag, setNZ, setNZC, immediateShift, shiftCarry, dataOperation, addWithCarry32,
  isTest, OP_AND, OP_EOR, OP_SUB, OP_RSB, OP_ADD, OP_ORR, OP_MOV, OP_BIC, OP_MVN, OP_CMP,
} from "./flags";
import { fillA32, fillT32 } from "./uops-fill";
import { registerOperation } from "./t32-narrow";
import { extend } from "./integer";
import { U_GENERIC, U_GENERIC_EXIT, uopSwapWays } from "../ppc/uops";
import { t32NextItState } from "../../decode/t32";
import { jitBackwardBranch, jitPc } from "../jit";
import {
  bitfieldExtract, extendRegister, countLeadingZeros, multiply, multiplyLong, transferMultiple, A_BFX, A_EXTEND, A_CLZ, A_MUL,
  A_MUL_LONG, A_LOAD_REG, A_STORE_REG, A_MULTIPLE, A_NOP, A_BLX_IMM, A_LOAD_PC_REG, REG_DOWN, TRANSFER_DONE, TRANSFER_BRANCHED,
} from "./uops-more";
import { orderedLoad, orderedStore, A_ORDERED_LOAD, A_ORDERED_STORE, ORDERED_DONE, ORDERED_EXIT } from "./uops-ordered";

/** The instruction-set tags of an entry (0: empty or another ISA's). */
export const SET_A32: u8 = 1;
export const SET_T32: u8 = 2;

// A32 ops
export const A_DP_IMM: u8 = 96; //     aux: opcode | S; imm: the expanded immediate; cond
export const A_DP_IMM_ROTATED: u8 = 97; // as A_DP_IMM, the carry out its bit 31
export const A_DP_REG: u8 = 98; //     Rm unshifted (LSL #0)
export const A_DP_SHIFTED: u8 = 99; // Rm shifted by an immediate: aux also type << 8, imm the amount (imm5)
export const A_MOVW: u8 = 100;
export const A_MOVT: u8 = 101;
export const A_LOAD: u8 = 102; //      imm: signed offset; aux: size | T_SIGNED
export const A_STORE: u8 = 103;
export const A_B: u8 = 104; //         imm: offset from pc + 8; aux 1: link
export const A_BX: u8 = 105; //       aux 1: BLX
export const A_DP_REG_SHIFTED: u8 = 106; // Rm shifted by register imm: aux as A_DP_SHIFTED
export const A_LOAD_WB: u8 = 107; //   imm: signed offset; aux: size | POST_INDEX (Rn always written back)
export const A_STORE_WB: u8 = 108;
export const A_LOAD_PAIR: u8 = 109; // LDRD Rd, Rm, [Rn]: imm signed offset; aux: POST_INDEX | WRITEBACK
export const A_STORE_PAIR: u8 = 110;
export const A_LOAD_LITERAL: u8 = 111; // LDR/LDRB Rd, [PC, #imm]: imm signed offset from pc + 8; aux: size
// T32 ops (outside IT blocks)
export const T_SHIFT: u8 = 112; //     LSLS/LSRS/ASRS #imm: aux type, imm imm5
export const T_ADD: u8 = 113; //       ADDS Rd, Rn, Rm / #imm (rm 16: the immediate)
export const T_SUB: u8 = 114; //       SUBS Rd, Rn, Rm / #imm; CMP when rd is 16
export const T_MOVS: u8 = 115; //      MOVS Rd, #imm8
export const T_REGOP: u8 = 116; //     the sixteen register operations: aux op
export const T_MOV: u8 = 117; //       MOV Rd, Rm (no flags)
export const T_ADD_NOFLAGS: u8 = 118; // ADD Rd, Rn, Rm / #imm (no flags; rm 16: the immediate; rn 15: Align(pc, 4))
export const T_BX: u8 = 119; //        aux 1: BLX
export const T_EXTEND: u8 = 120; //    aux: the extend kind
export const T_CBZ: u8 = 121; //       aux 1: CBNZ; imm: offset from pc + 4
export const T_BCOND: u8 = 122; //     cond; imm: offset from pc + 4
export const T_B: u8 = 123; //         imm: offset from pc + 4; aux 1: link (BL)
export const T_LOAD: u8 = 124; //      imm: offset; aux: size | signed; rn 15: Align(pc, 4); rm 16: no index register
export const T_STORE: u8 = 125;
export const T_IT: u8 = 126; //        imm: the new IT state (firstcond and mask)

export const A_SET_FLAGS: u32 = 1 << 5; // above the opcode, OP_ORN (16) included
export const POST_INDEX: u32 = 1 << 5;
export const WRITEBACK: u32 = 1 << 6;
export const NO_REGISTER: u32 = 16;
export const T_SIGNED: u32 = 1 << 4;

/** Why a32UopRun stopped at a micro-op: EXIT_NONE, U_GENERIC_EXIT, U_INTERWORKED or an access's exit. */
export let a32UopStatus: u32 = EXIT_NONE;

/** Set when a32UopRun stopped because the TLB dropped entries: the caller's code-page translation must go too. */
export let a32UopDropped = false;

/** Set by an access that left the TLB's hit path (it may have run a device): a block end. */
let slowAccess = false;

/** a32UopStatus after BX/BLX: the instruction completed and set pc and the instruction set itself. */
export const U_INTERWORKED: u32 = 0xfffd;

export function a32UopClearStatus(): void {
  a32UopStatus = EXIT_NONE;
  a32UopDropped = false;
}

/**
 * The entry for `word` of instruction set `set`, decoded now if the cache does not hold it.
 * Two-way sets, the first way the last used (as ppc/uops.ts), so that two hot instructions
 * whose words hash alike do not evict each other on every pass of a loop.
 */
@inline export function a32UopFor(word: u32, set: u8): usize {
  const entry = record + REC_UOPS + ((((word * 0x9e37_79b1) >>> 23) & (UOP_ENTRIES / 2 - 1)) * (UOP_SIZE * 2));
  if (load<u32>(entry) != word || load<u8>(entry, 15) != set) {
    if (!secondWay(entry, word, set)) {
      if (set == SET_A32) fillA32(entry, word);
      else fillT32(entry, word);
    }
  }
  return entry;
}

/**
 * A miss in the first way of the set at `entry`: true when the second way holds `word` of
 * `set` (the two swap), else false with the first entry moved to the second, for the
 * caller to decode `word` into the first.
 */
function secondWay(entry: usize, word: u32, set: u8): bool {
  const second = entry + UOP_SIZE;
  const hit = load<u32>(second) == word && load<u8>(second, 15) == set;
  uopSwapWays(entry, hit);
  return hit;
}

export function put(entry: usize, word: u32, set: u8, op: u8, rd: u32, rn: u32, rm: u32, imm: u32, aux: u32, cond: u32): void {
  store<u32>(entry, word);
  store<u8>(entry, op, 4);
  store<u8>(entry, <u8>rd, 5);
  store<u8>(entry, <u8>rn, 6);
  store<u8>(entry, <u8>rm, 7);
  store<u32>(entry, imm, 8);
  store<u16>(entry, <u16>aux, 12);
  store<u8>(entry, <u8>cond, 14);
  store<u8>(entry, set, 15);
}

@inline export function generic(entry: usize, word: u32, set: u8): void {
  put(entry, word, set, U_GENERIC, 0, 0, 0, 0, 0, 14);
}

@inline function reg(n: u32): u32 {
  return load<u32>(record + CPU_GPR + (n << 3));
}

@inline function setReg(n: u32, value: u32): void {
  store<u64>(record + CPU_GPR + (n << 3), <u64>value);
}

/** An A32 operand register: PC reads as the instruction + 8. */
@inline function a32Reg(n: u32, at: u64): u32 {
  return n == 15 ? <u32>at + 8 : reg(n);
}

/** The data-processing operation `aux` (opcode | S) on `a` and `b` into Rd (not for the tests without S). */
@inline function dataProcess(aux: u32, rd: u32, a: u32, b: u32, carry: u32): void {
  const opcode = aux & 31;
  if ((aux & A_SET_FLAGS) == 0) {
    let result: u32;
    switch (opcode) {
      case OP_ADD: result = a + b; break;
      case OP_SUB: result = a - b; break;
      case OP_MOV: result = b; break;
      case OP_AND: result = a & b; break;
      case OP_ORR: result = a | b; break;
      case OP_EOR: result = a ^ b; break;
      case OP_BIC: result = a & ~b; break;
      case OP_RSB: result = b - a; break;
      case OP_MVN: result = ~b; break;
      default: result = dataOperation(opcode, a, b, carry, false);
    }
    setReg(rd, result);
    return;
  }
  const result = dataOperation(opcode, a, b, carry, true);
  if (!isTest(opcode)) setReg(rd, result);
}

/** `size` bytes at `address` through the TLB's hit path, or (a block end) the missed path: check accessExit after. */
@inline export function readData(address: u32, size: u32, big: bool, at: u64): u32 {
  const host = tlbLookup(TLB_READ, <u64>address, size);
  if (host == 0) {
    slowAccess = true;
    return <u32>readMissed(<u64>address, size, big, at);
  }
  if (size == 4) return big ? bswap<u32>(load<u32>(host)) : load<u32>(host);
  if (size == 2) return big ? <u32>bswap<u16>(load<u16>(host)) : <u32>load<u16>(host);
  return <u32>load<u8>(host);
}

/** readData's write. */
@inline export function writeData(address: u32, size: u32, value: u32, big: bool, at: u64): void {
  const host = tlbLookup(TLB_WRITE, <u64>address, size);
  if (host == 0) {
    slowAccess = true;
    writeMissed(<u64>address, size, <u64>value, big, at);
  } else if (size == 4) {
    store<u32>(host, big ? bswap<u32>(value) : value);
  } else if (size == 2) {
    store<u16>(host, big ? bswap<u16>(<u16>value) : <u16>value);
  } else {
    store<u8>(host, <u8>value);
  }
}

@inline function loadAndGo(address: u32, size: u32, signed: bool, rt: u32, next: u64, at: u64): u64 {
  const value = readData(address, size, bigData(), at);
  if (accessExit != EXIT_NONE) {
    a32UopStatus = accessExit;
    return at;
  }
  setReg(rt, !signed ? value : size == 1 ? <u32><i32><i8>value : <u32><i32><i16>value);
  return next;
}

@inline function storeAndGo(address: u32, size: u32, rt: u32, next: u64, at: u64): u64 {
  writeData(address, size, reg(rt), bigData(), at);
  if (accessExit != EXIT_NONE) {
    a32UopStatus = accessExit;
    return at;
  }
  return next;
}

/** LDR/STR(B/H) with writeback: Rn gets the offset address once the access completed. */
@inline function indexedAndGo(isLoad: bool, rt: u32, rn: u32, imm: u32, aux: u32, next: u64, at: u64): u64 {
  const base = reg(rn);
  const offsetAddress = base + imm;
  const address = (aux & POST_INDEX) != 0 ? base : offsetAddress;
  const size = aux & 7;
  const result = isLoad ? loadAndGo(address, size, false, rt, next, at) : storeAndGo(address, size, rt, next, at);
  if (result == next) setReg(rn, offsetAddress);
  return result;
}

/** LDRD/STRD: both words or (an access's exit) no register written; a store may have written the first word. */
function pairAndGo(isLoad: bool, rt: u32, rn: u32, rt2: u32, imm: u32, aux: u32, next: u64, at: u64): u64 {
  const base = reg(rn);
  const offsetAddress = base + imm;
  const address = (aux & POST_INDEX) != 0 ? base : offsetAddress;
  const big = bigData();
  if (isLoad) {
    const first = readData(address, 4, big, at);
    if (accessExit == EXIT_NONE) {
      const second = readData(address + 4, 4, big, at);
      if (accessExit == EXIT_NONE) {
        setReg(rt, first);
        setReg(rt2, second);
      }
    }
  } else {
    writeData(address, 4, reg(rt), big, at);
    if (accessExit == EXIT_NONE) writeData(address + 4, 4, reg(rt2), big, at);
  }
  if (accessExit != EXIT_NONE) {
    a32UopStatus = accessExit;
    return at;
  }
  if ((aux & WRITEBACK) != 0) setReg(rn, offsetAddress);
  return next;
}

/**
 * Runs the micro-op at `entry` for the instruction at `at`, `length` bytes long (a T32
 * one only outside an IT block), of the instruction set `thumb` says (a constant at each
 * call), and returns the next pc. If a32UopStatus is not EXIT_NONE afterwards the
 * instruction did not run: U_GENERIC_EXIT or an access's exit.
 */
@inline function uopExecute(entry: usize, at: u64, length: u32, thumb: bool): u64 {
  const op = load<u8>(entry, 4);
  const rd = <u32>load<u8>(entry, 5);
  const rn = <u32>load<u8>(entry, 6);
  const rm = <u32>load<u8>(entry, 7);
  const imm = load<u32>(entry, 8);
  const aux = <u32>load<u16>(entry, 12);
  const cond = <u32>load<u8>(entry, 14);
  if (!thumb) {
    if (op == U_GENERIC) {
      a32UopStatus = U_GENERIC_EXIT;
      return at;
    }
    if (cond != 14 && !conditionHolds(cond)) return at + 4;
    return a32Execute(op, rd, rn, rm, imm, aux, at, at + 4);
  }
  return t32Execute(op, rd, rn, rm, imm, aux, cond, at, at + length);
}

@inline function a32Execute(op: u8, rd: u32, rn: u32, rm: u32, imm: u32, aux: u32, at: u64, next: u64): u64 {
  switch (op) {
    case A_DP_IMM: dataProcess(aux, rd, a32Reg(rn, at), imm, carryFlag()); return next;
    case A_DP_IMM_ROTATED: dataProcess(aux, rd, a32Reg(rn, at), imm, imm >>> 31); return next;
    case A_DP_REG: dataProcess(aux, rd, a32Reg(rn, at), a32Reg(rm, at), carryFlag()); return next;
    case A_DP_SHIFTED: {
      const operand = immediateShift(a32Reg(rm, at), aux >>> 8, imm, carryFlag());
      dataProcess(aux, rd, a32Reg(rn, at), operand, shifterCarry);
      return next;
    }
    case A_DP_REG_SHIFTED: {
      const operand = shiftCarry(reg(rm), aux >>> 8, reg(imm) & 0xff, carryFlag());
      dataProcess(aux, rd, reg(rn), operand, shifterCarry);
      return next;
    }
    case A_LOAD_WB: return indexedAndGo(true, rd, rn, imm, aux, next, at);
    case A_STORE_WB: return indexedAndGo(false, rd, rn, imm, aux, next, at);
    case A_LOAD_PAIR: return pairAndGo(true, rd, rn, rm, imm, aux, next, at);
    case A_STORE_PAIR: return pairAndGo(false, rd, rn, rm, imm, aux, next, at);
    case A_MOVW: setReg(rd, imm); return next;
    case A_MOVT: setReg(rd, (reg(rd) & 0xffff) | (imm << 16)); return next;
    case A_LOAD: return loadAndGo(reg(rn) + imm, aux & 7, (aux & T_SIGNED) != 0, rd, next, at);
    case A_STORE: return storeAndGo(reg(rn) + imm, aux & 7, rd, next, at);
    case A_LOAD_LITERAL: return loadAndGo(<u32>at + 8 + imm, aux & 7, false, rd, next, at);
    case A_B:
      if (aux != 0) setReg(14, <u32>next);
      return <u64>(<u32>at + 8 + imm);
    case A_BX: {
      const target = reg(rm);
      if (aux != 0) setReg(14, <u32>next);
      interworkingBranch(target);
      a32UopStatus = U_INTERWORKED;
      return pc();
    }
    default: return a32ExecuteMore(op, rd, rn, rm, imm, aux, at, next);
  }
}

/** The forms of uops-more.ts; `next`: the following instruction (A32: at + 4; T32: at + its length). */
@inline function a32ExecuteMore(op: u8, rd: u32, rn: u32, rm: u32, imm: u32, aux: u32, at: u64, next: u64): u64 {
  switch (op) {
    case A_BFX: bitfieldExtract(rd, rn, imm, aux); return next;
    case A_EXTEND: extendRegister(rd, rm, imm, aux); return next;
    case A_CLZ: countLeadingZeros(rd, rm); return next;
    case A_MUL: multiply(rd, rn, rm, imm, aux); return next;
    case A_MUL_LONG: multiplyLong(rd, imm, rn, rm, aux); return next;
    case A_LOAD_REG: case A_STORE_REG: {
      const index = immediateShift(reg(rm), (aux >>> 8) & 3, imm, carryFlag());
      const address = (aux & REG_DOWN) != 0 ? reg(rn) - index : reg(rn) + index;
      return op == A_LOAD_REG ? loadAndGo(address, aux & 7, (aux & T_SIGNED) != 0, rd, next, at) : storeAndGo(address, aux & 7, rd, next, at);
    }
    case A_MULTIPLE: {
      const done = transferMultiple(rn, imm, aux);
      if (done == TRANSFER_DONE) return next;
      a32UopStatus = done == TRANSFER_BRANCHED ? U_INTERWORKED : U_GENERIC_EXIT;
      return done == TRANSFER_BRANCHED ? pc() : at;
    }
    case A_NOP: return next;
    case A_LOAD_PC_REG: {
      const index = immediateShift(reg(rm), (aux >>> 8) & 3, imm, carryFlag());
      const base = rn == 15 ? <u32>at + 8 : reg(rn);
      const value = readData((aux & REG_DOWN) != 0 ? base - index : base + index, 4, bigData(), at);
      if (accessExit != EXIT_NONE) {
        a32UopStatus = accessExit;
        return at;
      }
      interworkingBranch(value);
      a32UopStatus = U_INTERWORKED;
      return pc();
    }
    case A_BLX_IMM:
      setReg(14, <u32>next);
      interworkingBranch((<u32>at + 8 + imm) | 1);
      a32UopStatus = U_INTERWORKED;
      return pc();
    case A_ORDERED_LOAD: case A_ORDERED_STORE: {
      const done = op == A_ORDERED_LOAD ? orderedLoad(rd, rn, rm, imm, aux, at) : orderedStore(rd, rn, rm, imm, aux, at);
      if (done == ORDERED_DONE) return next;
      a32UopStatus = done == ORDERED_EXIT ? accessExit : U_GENERIC_EXIT;
      return at;
    }
    default:
      a32UopStatus = U_GENERIC_EXIT;
      return at;
  }
}

@inline function t32Execute(op: u8, rd: u32, rn: u32, rm: u32, imm: u32, aux: u32, cond: u32, at: u64, next: u64): u64 {
  switch (op) {
    case T_SHIFT: {
      const result = immediateShift(reg(rm), aux, imm, carryFlag());
      setReg(rd, result);
      setNZC(result, shifterCarry);
      return next;
    }
    case T_ADD: {
      const result = addWithCarry32(reg(rn), rm == NO_REGISTER ? imm : reg(rm), 0, true);
      setReg(rd, result);
      return next;
    }
    case T_SUB: {
      const result = addWithCarry32(reg(rn), ~(rm == NO_REGISTER ? imm : reg(rm)), 1, true);
      if (rd != NO_REGISTER) setReg(rd, result);
      return next;
    }
    case T_MOVS: setReg(rd, imm); setNZ(imm); return next;
    case T_REGOP: registerOperation(aux, rd, reg(rm), true); return next;
    case T_MOV: setReg(rd, reg(rm)); return next;
    case T_ADD_NOFLAGS: {
      const base = rn == 15 ? (<u32>at + 4) & ~3 : reg(rn);
      setReg(rd, base + (rm == NO_REGISTER ? imm : reg(rm)));
      return next;
    }
    case T_BX: {
      const target = reg(rm); // BLX LR reads LR before writing it
      if (aux != 0) setReg(14, (<u32>at + 2) | 1);
      interworkingBranch(target);
      a32UopStatus = U_INTERWORKED;
      return pc();
    }
    case T_EXTEND: setReg(rd, extend(aux, 0, reg(rm), 0)); return next;
    case T_CBZ: return (reg(rn) == 0) == (aux == 0) ? at + 4 + <u64>imm : next;
    case T_BCOND: return conditionHolds(cond) ? <u64>(<u32>at + 4 + imm) : next;
    case T_B:
      if (aux != 0) setReg(14, <u32>next | 1);
      return <u64>(<u32>at + 4 + imm);
    case T_LOAD: {
      const base = rn == 15 ? (<u32>at + 4) & ~3 : reg(rn);
      return loadAndGo(base + (rm == NO_REGISTER ? imm : reg(rm)), aux & 7, (aux & T_SIGNED) != 0, rd, next, at);
    }
    case T_STORE: return storeAndGo(reg(rn) + (rm == NO_REGISTER ? imm : reg(rm)), aux & 7, rd, next, at);
    case T_IT: setItState(imm); return next;
    default: return a32Execute(op, rd, rn, rm, imm, aux, at, next); // the forms sharing the A32 ops
  }
}

/** The IT state, IT[7:0], from its CPSR bits [26:25,15:10]. */
@inline export function itStateOf(cpsr: u32): u32 {
  return ((cpsr >>> 25) & 3) | ((cpsr >>> 8) & 0xfc);
}

@inline export function setItState(itState: u32): void {
  const cpsr = load<u32>(record + CPU_NZCV) & ~0x0600_fc00;
  store<u32>(record + CPU_NZCV, cpsr | ((itState & 3) << 25) | ((itState & 0xfc) << 8));
}

/**
 * A T32 micro-op inside an IT block whose condition held: the 16-bit data-processing forms
 * without their flags (CMP and the register tests keep theirs), the rest as outside.
 * (Branches come here last in the block only: itSafe.)
 */
@inline function t32InIt(entry: usize, at: u64, length: u32): u64 {
  const op = load<u8>(entry, 4);
  const rd = <u32>load<u8>(entry, 5);
  const rn = <u32>load<u8>(entry, 6);
  const rm = <u32>load<u8>(entry, 7);
  const imm = load<u32>(entry, 8);
  const aux = <u32>load<u16>(entry, 12);
  const next = at + length;
  switch (op) {
    case T_SHIFT: setReg(rd, immediateShift(reg(rm), aux, imm, carryFlag())); return next;
    case T_ADD: setReg(rd, reg(rn) + (rm == NO_REGISTER ? imm : reg(rm))); return next;
    case T_SUB:
      if (rd == NO_REGISTER) break; // CMP
      setReg(rd, reg(rn) - (rm == NO_REGISTER ? imm : reg(rm)));
      return next;
    case T_MOVS: setReg(rd, imm); return next;
    case T_REGOP: registerOperation(aux, rd, reg(rm), false); return next;
  }
  return uopExecute(entry, at, length, true);
}

/** Whether a T32 micro-op may run inside an IT block: not IT, CBZ or B<c>; B, BL, BX, BLX and the PC loads only last. */
@inline function itSafe(entry: usize, itState: u32): bool {
  const op = load<u8>(entry, 4);
  const last = (itState & 15) == 8;
  if (op == A_MULTIPLE) return last || (load<u32>(entry, 8) & 0x8000) == 0;
  if (op == T_BX || op == T_B || op == A_LOAD_PC_REG) return last;
  return op != U_GENERIC && op != T_CBZ && op != T_BCOND && op != T_IT;
}

/**
 * Whether a taken branch may close a loop the loop compilers take: a BNE (src/jit/a32-loop.ts
 * and t32-loop.ts close loops by SUBS + BNE only), so that the other backward branches (the
 * loops' BLT/BGT..., returns by POP or LDM to a lower address) cost no look-up.
 */
@inline function closesLoop(entry: usize, thumb: bool): bool {
  const cond = load<u8>(entry, 14);
  if (thumb) return load<u8>(entry, 4) == T_BCOND && cond == 1;
  return load<u8>(entry, 4) == A_B && cond == 1 && load<u16>(entry, 12) == 0;
}

/**
 * Runs micro-ops from pc on the code page `page` (host address `pageHost`), at most
 * `left` of them, in instruction set `set` (T32 inside IT blocks too), and returns how
 * many completed; pc (and the IT state) are in the record afterwards. It stops early at
 * the end of the page, when the TLB drops entries, and when a32UopStatus is not
 * EXIT_NONE: the instruction at pc did not run (U_GENERIC_EXIT, an access's exit), or
 * it was an interworking branch (U_INTERWORKED, counted). Slot-table changes and other
 * vCPUs' broadcast invalidations (tlbSync) are checked at block starts, as a64-run.ts
 * does: after a taken branch and after an access that left the TLB's hit path; a
 * straight run between them (at most the rest of a page) is one unit. With `jit`
 * (compiled loops on), a taken backward BNE is reported to the loop compiler, and
 * a block that starts at the selected compiled loop outside an IT block ends the run
 * there (EXIT_NONE), for the caller to run the loop.
 */
export function a32UopRun(left: u32, set: u8, page: u32, pageHost: usize, jit: bool): u32 {
  return set == SET_T32 ? uopLoop(left, true, page, pageHost, jit) : uopLoop(left, false, page, pageHost, jit);
}

/** a32UopRun's loop; `thumb` is a constant at each call, so each instruction set gets its own loop. */
@inline function uopLoop(left: u32, thumb: bool, page: u32, pageHost: usize, jit: bool): u32 {
  let at = <u32>pc();
  let ran: u32 = 0;
  const epoch = tlbEpoch;
  const set = thumb ? SET_T32 : SET_A32;
  let itState = thumb ? itStateOf(load<u32>(record + CPU_NZCV)) : 0;
  slowAccess = false;
  while (ran < left) {
    const offset = at - page;
    if (offset >= PAGE_SIZE) break;
    let word: u32;
    let length: u32 = 4;
    if (!thumb) {
      word = load<u32>(pageHost + offset);
    } else {
      word = <u32>load<u16>(pageHost + offset);
      length = 2;
      if ((word >>> 11) >= 0b11101) {
        if (offset == PAGE_SIZE - 2) { // the second halfword is on the next page: the full path fetches it
          a32UopStatus = U_GENERIC_EXIT;
          break;
        }
        word = (word << 16) | <u32>load<u16>(pageHost + offset + 2);
        length = 4;
      }
    }
    const entry = a32UopFor(word, set);
    let next: u32;
    if (thumb && itState != 0) {
      if (!itSafe(entry, itState)) {
        a32UopStatus = U_GENERIC_EXIT;
        break;
      }
      next = conditionHolds(itState >>> 4) ? <u32>t32InIt(entry, <u64>at, length) : at + length;
      const status = a32UopStatus;
      if (status != EXIT_NONE && status != U_INTERWORKED) break; // the IT state stays as it was
      itState = t32NextItState(word, itState);
      setItState(itState);
      if (status == U_INTERWORKED) return ran + 1;
    } else {
      next = <u32>uopExecute(entry, <u64>at, length, thumb);
      if (a32UopStatus != EXIT_NONE) {
        if (a32UopStatus == U_INTERWORKED) return ran + 1;
        break;
      }
      if (thumb) itState = load<u8>(entry, 4) == T_IT ? load<u32>(entry, 8) : 0;
    }
    ran++;
    if (next != at + length || slowAccess) { // a block end
      slowAccess = false;
      // a loop's closing branch, reported while the code page is still this one
      if (jit && next < at && closesLoop(entry, thumb)) jitBackwardBranch(<u64>next, <u64>at, pageHost + offset);
      at = next;
      if (tlbSync() || tlbEpoch != epoch) {
        a32UopDropped = true;
        break;
      }
      if (jit && <u64>at == jitPc && itState == 0) break;
    } else {
      at = next;
    }
  }
  setPc(<u64>at);
  return ran;
}
