// The decoded-instruction cache of the PowerPC interpreter: the hot forms (uop-fill.ts
// lists them: integer and FP doubleword loads and stores, l?arx/st?cx., add/subtract/
// multiply/divide, the logical, count, rotate and shift forms, compares, branches, LR/CTR
// moves, barriers) pre-decoded once into a 16-byte
// micro-op in a two-way set (uopSecondWay), keyed by the instruction's bytes themselves,
// so an entry can never go stale (code rewritten by the guest or the host just misses).
// Other fixed-point and vector words run through alu.ts's ppcFixedPoint; everything else
// is U_GENERIC and takes the interpreter's full path. 64-bit and 32-bit implementations
// share the ops: results, addresses written back, LR and CTR are narrowed to the
// implementation's width.
import { REC_UOPS, REC_UOP_MODE, UOP_SIZE, UOP_ENTRIES, CPU_VSR, CPU_LR, CPU_CTR, CPU_XER, CPU_RESERVE_ADDR, CPU_RESERVE_SIZE, CPU_RESERVE_VALID } from "../../layout";
import { EXIT_NONE } from "../../exits";
import { record } from "../../machine";
import { cpu, setCpu, cr, setCr } from "../../cpu/regs";
import { readValue, writeValue, accessExit, swap, countDirect } from "../guest-memory";
import { tlbLookup, tlbDirectHost, TLB_READ, TLB_WRITE } from "../../mmu/tlb";
import { ppcFixedPoint, ALU_DONE } from "./alu";
import { XER_CA, XER_CA32 } from "./fixed-point";
import {
  uopFill, U_GENERIC, U_FIXED, U_ADDI, U_LI, U_ADD, U_SUBF, U_NEG, U_ORI, U_XORI, U_ANDI, U_OR, U_AND, U_XOR, U_NOR,
  U_ANDC, U_ORC, U_NAND, U_EQV, U_EXTSB, U_EXTSH, U_EXTSW, U_RLW, U_RLWNM, U_RLWIMI, U_RLD, U_RLDIMI, U_SLW, U_SRW,
  U_SLD, U_SRD, U_SRAWI, U_SRADI, U_MULLW, U_MULLD, U_MULLI, U_MFLR, U_MFCTR, U_CARRY_ADD, U_MTLR, U_MTCTR, U_CMPI, U_CMP, U_B,
  U_BC, U_BCLR, U_BCCTR, U_LOAD_U8, U_LOAD_U16, U_LOAD_S16, U_LOAD_U32, U_LOAD_S32, U_LOAD_U64, U_STORE_8, U_STORE_16,
  U_STORE_32, U_STORE_64, U_BARRIER, U_CNTLZW, U_CNTLZD, U_DIVW, U_DIVWU, U_DIVD, U_DIVDU, U_LOAD_RESERVE,
  U_STORE_CONDITIONAL, U_LOAD_F64, U_STORE_F64, U_LOAD_VSX_D2, U_STORE_VSX_D2,
  U_RECORD, A_UPDATE, A_INDEXED, A_WIDE, A_UNSIGNED, A_LINK, A_ABSOLUTE, A_COMPLEMENT,
  A_CARRY_ONE, A_CARRY_CA,
} from "./uop-fill";

export { U_GENERIC } from "./uop-fill";

/**
 * Empties the cache if `mode` differs from the one its entries were decoded for. That
 * mode lives in the record beside the cache (REC_UOP_MODE), not in this instance: every
 * Vcpu on the record shares the cache, and a new one keeps what an earlier one decoded.
 */
@inline export function uopSync(mode: u32): void {
  if (load<u32>(record + REC_UOP_MODE) != mode + 1) {
    memory.fill(record + REC_UOPS, 0, UOP_SIZE * UOP_ENTRIES);
    store<u32>(record + REC_UOP_MODE, mode + 1);
  }
}

/**
 * The entry for the instruction whose bytes, read as a little-endian u32, are `raw`
 * (the word itself, byte-swapped when `bigEndian`), decoded now (for a 64-bit
 * implementation when `wide`) if the cache does not hold it. The mode fixes the byte
 * order, so the bytes key the entry as well as the word does.
 */
@inline export function uopFor(raw: u32, wide: bool, bigEndian: bool): usize {
  const entry = record + REC_UOPS + ((((raw * 0x9e37_79b1) >>> 23) & (UOP_ENTRIES / 2 - 1)) * (UOP_SIZE * 2));
  if (load<u32>(entry) != raw) {
    if (!uopSecondWay(entry, raw)) uopFill(entry, raw, bigEndian ? bswap<u32>(raw) : raw, wide);
  }
  return entry;
}

/**
 * A miss in the first way of the two-way set at `entry`, whose first entry is always the
 * last used: true when the second way holds `tag` (the two swap), else false with the
 * first entry moved to the second, for the caller to decode `tag` into the first.
 */
export function uopSecondWay(entry: usize, tag: u32): bool {
  const hit = load<u32>(entry + UOP_SIZE) == tag;
  uopSwapWays(entry, hit);
  return hit;
}

/** The first entry of the set at `entry` moves to the second way; the second comes first when `hit`. */
@inline export function uopSwapWays(entry: usize, hit: bool): void {
  const second = entry + UOP_SIZE;
  const low = load<u64>(entry), high = load<u64>(entry, 8);
  if (hit) {
    store<u64>(entry, load<u64>(second));
    store<u64>(entry, load<u64>(second, 8), 8);
  }
  store<u64>(second, low);
  store<u64>(second, high, 8);
}

@inline function signExtend(value: u64, size: u32): u64 {
  return size == 2 ? <u64><i64><i16>value : size == 4 ? <u64><i64><i32>value : value;
}

@inline function crNibble(lt: bool, gt: bool): u32 {
  return (lt ? 8 : gt ? 4 : 2) | ((cpu(CPU_XER) & 0x8000_0000) != 0 ? 1 : 0);
}

/** ROTL32 as the ISA defines it: the low word, doubled, rotated left by sh (0..31). */
@inline function rotateWord(value: u64, sh: u64): u64 {
  const low = value & 0xffff_ffff;
  return rotl<u64>(low | (low << 32), sh);
}

/** CA ← ca, and CA32 with it on a 64-bit implementation. */
@inline function setCarry(ca: bool, wide: bool): void {
  let xer = cpu(CPU_XER) & ~(XER_CA | XER_CA32);
  if (ca) xer |= wide ? XER_CA | XER_CA32 : XER_CA;
  setCpu(CPU_XER, xer);
}

/** x + y + carry in, with CA (and CA32) from its carries out of the register's top bit and the low word's (as arith.ts). */
@inline function carryingAdd(x: u64, y: u64, carry: u64, wide: bool): u64 {
  const r = x + y + carry;
  const carries = (x & y) | ((x | y) & ~r);
  let xer = cpu(CPU_XER) & ~(XER_CA | XER_CA32);
  if (wide) xer |= ((carries >> 63) != 0 ? XER_CA : 0) | (((carries >> 31) & 1) != 0 ? XER_CA32 : 0);
  else xer |= ((carries >> 31) & 1) != 0 ? XER_CA : 0;
  setCpu(CPU_XER, xer);
  return r;
}

/** (a|0) + (b) for an indexed access, else (a|0) + imm. */
@inline function effectiveAddress(regs: usize, ra: u32, rb: u32, imm: u64, aux: u32): u64 {
  return (ra == 0 ? 0 : register(regs, ra)) + ((aux & A_INDEXED) != 0 ? register(regs, rb) : imm);
}

@inline function hostValue(host: usize, size: u32): u64 {
  return size == 8 ? load<u64>(host) : size == 4 ? <u64>load<u32>(host) : size == 2 ? <u64>load<u16>(host) : <u64>load<u8>(host);
}

/** Stores the low `size` bytes of `raw` (already in memory order) at `host`. */
@inline function hostStore(host: usize, size: u32, raw: u64): void {
  if (size == 8) store<u64>(host, raw);
  else if (size == 4) store<u32>(host, <u32>raw);
  else if (size == 2) store<u16>(host, <u16>raw);
  else store<u8>(host, <u8>raw);
}

// Out of line, the way every access case leaves the TLB's hit path: a fill, MMIO (a
// device may run), a page-crossing access. It completed another way, so it ends the
// block (uopStatus U_BLOCK_END) unless it did not complete (the access's exit).
function readOffPath(ea: u64, size: u32, bigEndian: bool, at: u64): u64 {
  const value = readValue(ea, size, bigEndian, at);
  uopStatus = accessExit != EXIT_NONE ? accessExit : U_BLOCK_END;
  return value;
}

function writeOffPath(ea: u64, size: u32, value: u64, bigEndian: bool, at: u64): void {
  writeValue(ea, size, value, bigEndian, at);
  uopStatus = accessExit != EXIT_NONE ? accessExit : U_BLOCK_END;
}

/** FPR n: doubleword 0 of VSR n. */
@inline function fprAddress(n: u32): usize {
  return record + CPU_VSR + (n << 4);
}

// With `fp`, rt names an FPR (the access is a doubleword, stored raw).
@inline function loadAndGo(regs: usize, at: u64, rt: u32, ra: u32, rb: u32, imm: u64, aux: u32, size: u32, signed: bool, bigEndian: bool, width: u64, fp: bool = false): u64 {
  const ea = effectiveAddress(regs, ra, rb, imm, aux) & width;
  const host = tlbLookup(TLB_READ, ea, size);
  let value: u64;
  if (host != 0) {
    value = swapIf(hostValue(host, size), size, bigEndian);
  } else {
    // A page's direct mark (a scratch device's bytes) is a hit, counted; the block goes on.
    const direct = tlbDirectHost(TLB_READ, ea, size);
    if (direct != 0) {
      value = swapIf(hostValue(direct, size), size, bigEndian);
      countDirect(ea);
    } else {
      value = readOffPath(ea, size, bigEndian, at);
      if (uopStatus != U_BLOCK_END) return at;
    }
  }
  if (fp) store<u64>(fprAddress(rt), value);
  else setRegister(regs, rt, signed ? signExtend(value, size) & width : value);
  if ((aux & A_UPDATE) != 0) setRegister(regs, ra, ea);
  return (at + 4) & width;
}

@inline function storeAndGo(regs: usize, at: u64, rt: u32, ra: u32, rb: u32, imm: u64, aux: u32, size: u32, bigEndian: bool, width: u64, fp: bool = false): u64 {
  const ea = effectiveAddress(regs, ra, rb, imm, aux) & width;
  const value = fp ? load<u64>(fprAddress(rt)) : register(regs, rt);
  let host = tlbLookup(TLB_WRITE, ea, size);
  if (host == 0) {
    host = tlbDirectHost(TLB_WRITE, ea, size);
    if (host != 0) countDirect(ea); // a direct mark, as loadAndGo's
  }
  if (host != 0) {
    hostStore(host, size, swapIf(value, size, bigEndian));
  } else {
    writeOffPath(ea, size, value, bigEndian, at);
    if (uopStatus != U_BLOCK_END) return at;
  }
  if ((aux & A_UPDATE) != 0) setRegister(regs, ra, ea);
  return (at + 4) & width;
}

/** l?arx (as loadstore.ts runs it): the zero-extended value at (a|0) + (b) into d, then the reservation on that address and size. */
function loadReserve(regs: usize, at: u64, rt: u32, ra: u32, rb: u32, size: u32, bigEndian: bool, width: u64): u64 {
  const ea = ((ra == 0 ? 0 : register(regs, ra)) + register(regs, rb)) & width;
  const host = tlbLookup(TLB_READ, ea, size);
  let value: u64;
  if (host != 0) {
    value = swapIf(hostValue(host, size), size, bigEndian);
  } else {
    value = readOffPath(ea, size, bigEndian, at);
    if (uopStatus != U_BLOCK_END) return at;
  }
  setRegister(regs, rt, value);
  setCpu(CPU_RESERVE_ADDR, ea);
  store<u32>(record + CPU_RESERVE_SIZE, size);
  store<u32>(record + CPU_RESERVE_VALID, 1);
  return (at + 4) & width;
}

/** st?cx. (as loadstore.ts runs it): stores (s) only while the reservation covers (a|0) + (b) with this size; then no reservation, CR0 = 00 || stored || SO. */
function storeConditional(regs: usize, at: u64, rs: u32, ra: u32, rb: u32, size: u32, bigEndian: bool, width: u64): u64 {
  const ea = ((ra == 0 ? 0 : register(regs, ra)) + register(regs, rb)) & width;
  const held = load<u32>(record + CPU_RESERVE_VALID) != 0 && cpu(CPU_RESERVE_ADDR) == ea && load<u32>(record + CPU_RESERVE_SIZE) == size;
  if (held) {
    const value = register(regs, rs);
    const host = tlbLookup(TLB_WRITE, ea, size);
    if (host != 0) {
      hostStore(host, size, swapIf(value, size, bigEndian));
    } else {
      writeOffPath(ea, size, value, bigEndian, at);
      if (uopStatus != U_BLOCK_END) return at; // not stored: the reservation stays, as the full path leaves it
    }
  }
  store<u32>(record + CPU_RESERVE_VALID, 0);
  setCr((cr() & 0x0fff_ffff) | (((held ? 2 : 0) | ((cpu(CPU_XER) & 0x8000_0000) != 0 ? 1 : 0)) << 28));
  return (at + 4) & width;
}

/**
 * The host address of the 16 bytes at (a|0) + (b) that lxvd2x/stxvd2x access, when the
 * TLB's hit path holds both doublewords in one run of host memory; else 0, with the
 * micro-op sent to the full path (a fill, MMIO or a page crossed: nothing changed yet).
 */
function vsxPairHost(regs: usize, kind: u32, ra: u32, rb: u32, width: u64): usize {
  const ea = ((ra == 0 ? 0 : register(regs, ra)) + register(regs, rb)) & width;
  const first = tlbLookup(kind, ea, 8);
  const whole = first != 0 && tlbLookup(kind, (ea + 8) & width, 8) == first + 8;
  if (!whole) uopStatus = U_GENERIC_EXIT;
  return whole ? first : 0;
}

/** lxvd2x (as vsx.ts runs it): the two doublewords into VSR xt's doublewords 0 and 1, each in the guest's byte order. */
function loadVsxPair(regs: usize, at: u64, xt: u32, ra: u32, rb: u32, bigEndian: bool, width: u64): u64 {
  const host = vsxPairHost(regs, TLB_READ, ra, rb, width);
  if (host == 0) return at;
  const vsr = record + CPU_VSR + (xt << 4);
  store<u64>(vsr, swapIf(load<u64>(host), 8, bigEndian));
  store<u64>(vsr, swapIf(load<u64>(host, 8), 8, bigEndian), 8);
  return (at + 4) & width;
}

/** stxvd2x: VSR xs's doublewords 0 and 1 at (a|0) + (b) and 8 after. */
function storeVsxPair(regs: usize, at: u64, xs: u32, ra: u32, rb: u32, bigEndian: bool, width: u64): u64 {
  const host = vsxPairHost(regs, TLB_WRITE, ra, rb, width);
  if (host == 0) return at;
  const vsr = record + CPU_VSR + (xs << 4);
  store<u64>(host, swapIf(load<u64>(vsr), 8, bigEndian));
  store<u64>(host, swapIf(load<u64>(vsr, 8), 8, bigEndian), 8);
  return (at + 4) & width;
}

/** divw, divwu (arith.ts's divideWord, OE=0): the word quotient zero-extended; an invalid divide (by 0, or the most negative word by -1) writes the dividend's word. */
@inline function divideWord(a: u64, b: u64, signed: bool): u64 {
  const n = a & 0xffff_ffff, d = b & 0xffff_ffff;
  if (d == 0 || (signed && n == 0x8000_0000 && d == 0xffff_ffff)) return n;
  return signed ? <u64>(<i32>n / <i32>d) & 0xffff_ffff : n / d;
}

/** divd, divdu (as arith.ts, OE=0): an invalid divide writes the dividend. */
@inline function divideDoubleword(a: u64, b: u64, signed: bool): u64 {
  if (b == 0 || (signed && a == 0x8000_0000_0000_0000 && b == 0xffff_ffff_ffff_ffff)) return a;
  return signed ? <u64>(<i64>a / <i64>b) : a / b;
}

@inline function swapIf(value: u64, size: u32, bigEndian: bool): u64 {
  return bigEndian ? swap(value, size) : value;
}

/** Why uopExecute did not simply continue: EXIT_NONE, U_GENERIC_EXIT, U_LOOP_BRANCH, U_BLOCK_END, or an access's exit. */
export let uopStatus: u32 = EXIT_NONE;

/** uopStatus when the word needs the full path (no EXIT_* uses this value). */
export const U_GENERIC_EXIT: u32 = 0xffff;

/** uopStatus after a taken backward bc when uopReportLoops is set: the instruction completed, the next pc is a loop's start. */
export const U_LOOP_BRANCH: u32 = 0xfffe;

/** uopStatus after an access that left the TLB's hit path and completed: the run loop's block ends there. */
export const U_BLOCK_END: u32 = 0xfffd;

/** Whether taken backward conditional branches report U_LOOP_BRANCH (for the compiled-loop path). */
export let uopReportLoops = false;

export function uopSetReportLoops(on: bool): void {
  uopReportLoops = on;
}

@inline function register(regs: usize, n: u32): u64 {
  return load<u64>(regs + (n << 3));
}

@inline function setRegister(regs: usize, n: u32, value: u64): void {
  store<u64>(regs + (n << 3), value);
}

/** BO/BI of a conditional branch: decrements CTR (at the implementation's width) unless BO says not to, then whether the branch is taken. */
@inline function branchConditionHolds(bo: u32, bi: u32, width: u64): bool {
  let ctrOk = true;
  if ((bo & 4) == 0) {
    const ctr = (cpu(CPU_CTR) - 1) & width;
    setCpu(CPU_CTR, ctr);
    ctrOk = (ctr != 0) != ((bo & 2) != 0);
  }
  const condOk = (bo & 16) != 0 || ((cr() >>> (31 - bi)) & 1) == ((bo >>> 3) & 1);
  return ctrOk && condOk;
}

/** The signed or unsigned compare of a and b (as doublewords with A_WIDE, else words) into CR field aux & 7. */
@inline function compare(a: u64, b: u64, aux: u32): void {
  const wide = (aux & A_WIDE) != 0;
  let nibble: u32;
  if ((aux & A_UNSIGNED) != 0) {
    const x = wide ? a : a & 0xffff_ffff;
    const y = wide ? b : b & 0xffff_ffff;
    nibble = crNibble(x < y, x > y);
  } else {
    const x = wide ? <i64>a : <i64><i32>a;
    const y = wide ? <i64>b : <i64><i32>b;
    nibble = crNibble(x < y, x > y);
  }
  const shift = 28 - ((aux & 7) << 2);
  setCr((cr() & ~(0xf << shift)) | (nibble << shift));
}

/**
 * Runs the micro-op at `entry` for the instruction at `at` (GPRs at `regs`, a 64-bit
 * implementation when `wide`) and returns the next pc. If uopStatus is not EXIT_NONE
 * afterwards the instruction did not run: U_GENERIC_EXIT (take the full path) or an
 * access's exit.
 */
@inline export function uopExecute(entry: usize, at: u64, bigEndian: bool, regs: usize, wide: bool): u64 {
  const width: u64 = wide ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
  const next = (at + 4) & width;
  const fields = load<u32>(entry, 4); // op, d, ra, rb: one byte each, in that order
  const op = <u8>fields;
  const d = (fields >>> 8) & 0xff;
  const ra = (fields >>> 16) & 0xff;
  const rb = fields >>> 24;
  const operands = load<u64>(entry, 8); // the immediate's bits, then aux
  const bits = <u32>operands;
  const imm = <u64><i64><i32>bits; // sign-extended; the logical forms' immediates are below 2^31
  const aux = <u32>(operands >>> 32);
  let r: u64;
  switch (op & ~U_RECORD) {
    case U_LOAD_U8: return loadAndGo(regs, at, d, ra, rb, imm, aux, 1, false, bigEndian, width);
    case U_LOAD_U16: return loadAndGo(regs, at, d, ra, rb, imm, aux, 2, false, bigEndian, width);
    case U_LOAD_S16: return loadAndGo(regs, at, d, ra, rb, imm, aux, 2, true, bigEndian, width);
    case U_LOAD_U32: return loadAndGo(regs, at, d, ra, rb, imm, aux, 4, false, bigEndian, width);
    case U_LOAD_S32: return loadAndGo(regs, at, d, ra, rb, imm, aux, 4, true, bigEndian, width);
    case U_LOAD_U64: return loadAndGo(regs, at, d, ra, rb, imm, aux, 8, false, bigEndian, width);
    case U_STORE_8: return storeAndGo(regs, at, d, ra, rb, imm, aux, 1, bigEndian, width);
    case U_STORE_16: return storeAndGo(regs, at, d, ra, rb, imm, aux, 2, bigEndian, width);
    case U_STORE_32: return storeAndGo(regs, at, d, ra, rb, imm, aux, 4, bigEndian, width);
    case U_STORE_64: return storeAndGo(regs, at, d, ra, rb, imm, aux, 8, bigEndian, width);
    case U_LOAD_VSX_D2: return loadVsxPair(regs, at, d, ra, rb, bigEndian, width);
    case U_STORE_VSX_D2: return storeVsxPair(regs, at, d, ra, rb, bigEndian, width);
    case U_LOAD_F64: return loadAndGo(regs, at, d, ra, rb, imm, aux, 8, false, bigEndian, width, true);
    case U_STORE_F64: return storeAndGo(regs, at, d, ra, rb, imm, aux, 8, bigEndian, width, true);
    case U_ADDI: r = register(regs, ra) + imm; break;
    case U_LI: r = imm; break;
    case U_ADD: r = register(regs, ra) + register(regs, rb); break;
    case U_SUBF: r = register(regs, rb) - register(regs, ra); break;
    case U_NEG: r = 0 - register(regs, ra); break;
    case U_ORI: r = register(regs, ra) | <u64>bits; break;
    case U_XORI: r = register(regs, ra) ^ <u64>bits; break;
    case U_ANDI: r = register(regs, ra) & <u64>bits; break;
    case U_OR: r = register(regs, ra) | register(regs, rb); break;
    case U_AND: r = register(regs, ra) & register(regs, rb); break;
    case U_XOR: r = register(regs, ra) ^ register(regs, rb); break;
    case U_NOR: r = ~(register(regs, ra) | register(regs, rb)); break;
    case U_ANDC: r = register(regs, ra) & ~register(regs, rb); break;
    case U_ORC: r = register(regs, ra) | ~register(regs, rb); break;
    case U_NAND: r = ~(register(regs, ra) & register(regs, rb)); break;
    case U_EQV: r = ~(register(regs, ra) ^ register(regs, rb)); break;
    case U_EXTSB: r = <u64><i64><i8>register(regs, ra); break;
    case U_EXTSH: r = <u64><i64><i16>register(regs, ra); break;
    case U_EXTSW: r = <u64><i64><i32>register(regs, ra); break;
    case U_RLW: r = rotateWord(register(regs, ra), <u64>rb) & ((<u64>aux << 32) | <u64>bits); break;
    case U_RLWNM: r = rotateWord(register(regs, ra), register(regs, rb) & 31) & ((<u64>aux << 32) | <u64>bits); break;
    case U_RLWIMI: {
      const mask = (<u64>aux << 32) | <u64>bits;
      r = (rotateWord(register(regs, ra), <u64>rb) & mask) | (register(regs, d) & ~mask);
      break;
    }
    case U_RLD: r = rotl<u64>(register(regs, ra), <u64>rb) & ((<u64>aux << 32) | <u64>bits); break;
    case U_RLDIMI: {
      const mask = (<u64>aux << 32) | <u64>bits;
      r = (rotl<u64>(register(regs, ra), <u64>rb) & mask) | (register(regs, d) & ~mask);
      break;
    }
    case U_SLW: {
      const n = register(regs, rb);
      r = (n & 0x20) != 0 ? 0 : (register(regs, ra) << (n & 31)) & 0xffff_ffff;
      break;
    }
    case U_SRW: {
      const n = register(regs, rb);
      r = (n & 0x20) != 0 ? 0 : (register(regs, ra) & 0xffff_ffff) >> (n & 31);
      break;
    }
    case U_SLD: {
      const n = register(regs, rb);
      r = (n & 0x40) != 0 ? 0 : register(regs, ra) << (n & 63);
      break;
    }
    case U_SRD: {
      const n = register(regs, rb);
      r = (n & 0x40) != 0 ? 0 : register(regs, ra) >> (n & 63);
      break;
    }
    case U_SRAWI: { // CA: negative and a one bit shifted out
      const value = <i64><i32>register(regs, ra);
      r = <u64>(value >> <i64>rb);
      setCarry(value < 0 && (<u64>value & ((<u64>1 << <u64>rb) - 1)) != 0, wide);
      break;
    }
    case U_SRADI: {
      const value = <i64>register(regs, ra);
      r = <u64>(value >> <i64>rb);
      setCarry(value < 0 && (<u64>value & ((<u64>1 << <u64>rb) - 1)) != 0, wide);
      break;
    }
    case U_MULLW: r = <u64>(<i64><i32>register(regs, ra) * <i64><i32>register(regs, rb)); break;
    case U_MULLD: r = register(regs, ra) * register(regs, rb); break;
    case U_MULLI: r = (wide ? register(regs, ra) : <u64><i64><i32>register(regs, ra)) * imm; break;
    case U_CARRY_ADD: {
      const x = (aux & A_COMPLEMENT) != 0 ? ~register(regs, ra) : register(regs, ra);
      const carry: u64 = (aux & A_CARRY_ONE) != 0 ? 1 : (aux & A_CARRY_CA) != 0 ? ((cpu(CPU_XER) & XER_CA) != 0 ? 1 : 0) : 0;
      r = carryingAdd(x, (aux & A_INDEXED) != 0 ? register(regs, rb) : imm, carry, wide);
      break;
    }
    case U_CNTLZW: r = <u64>clz<u32>(<u32>register(regs, ra)); break;
    case U_CNTLZD: r = clz<u64>(register(regs, ra)); break;
    case U_DIVW: r = divideWord(register(regs, ra), register(regs, rb), true); break;
    case U_DIVWU: r = divideWord(register(regs, ra), register(regs, rb), false); break;
    case U_DIVD: r = divideDoubleword(register(regs, ra), register(regs, rb), true); break;
    case U_DIVDU: r = divideDoubleword(register(regs, ra), register(regs, rb), false); break;
    case U_LOAD_RESERVE: return loadReserve(regs, at, d, ra, rb, aux, bigEndian, width);
    case U_STORE_CONDITIONAL: return storeConditional(regs, at, d, ra, rb, aux, bigEndian, width);
    case U_MFLR: r = cpu(CPU_LR); break;
    case U_MFCTR: r = cpu(CPU_CTR); break;
    case U_MTLR: setCpu(CPU_LR, register(regs, ra) & width); return next;
    case U_MTCTR: setCpu(CPU_CTR, register(regs, ra) & width); return next;
    case U_CMPI: compare(register(regs, ra), imm, aux); return next;
    case U_CMP: compare(register(regs, ra), register(regs, rb), aux); return next;
    case U_B:
      if ((aux & A_LINK) != 0) setCpu(CPU_LR, next);
      return ((aux & A_ABSOLUTE) != 0 ? imm : at + imm) & width;
    case U_BC: {
      const taken = branchConditionHolds(d, ra, width);
      if ((aux & A_LINK) != 0) setCpu(CPU_LR, next);
      if (!taken) return next;
      const target = ((aux & A_ABSOLUTE) != 0 ? imm : at + imm) & width;
      if (uopReportLoops && target < at) uopStatus = U_LOOP_BRANCH;
      return target;
    }
    case U_BCLR: case U_BCCTR: {
      const target = cpu(op == U_BCLR ? CPU_LR : CPU_CTR) & ~3 & width;
      const taken = branchConditionHolds(d, ra, width);
      if ((aux & A_LINK) != 0) setCpu(CPU_LR, next);
      return taken ? target : next;
    }
    case U_BARRIER:
      uopStatus = U_BLOCK_END;
      return next;
    case U_FIXED:
      if (ppcFixedPoint(bigEndian ? bswap<u32>(load<u32>(entry)) : load<u32>(entry)) == ALU_DONE) return next;
      // Not one of its words after all (an indexed load, an SPR the full path owns): decided once.
      store<u8>(entry, U_GENERIC, 4);
      uopStatus = U_GENERIC_EXIT;
      return at;
    default:
      uopStatus = U_GENERIC_EXIT;
      return at;
  }
  r &= width;
  setRegister(regs, d, r);
  if ((op & U_RECORD) != 0) {
    const signed = wide ? <i64>r : <i64><i32>r;
    setCr((cr() & 0x0fff_ffff) | (crNibble(signed < 0, signed > 0) << 28));
  }
  return next;
}
