// Executes one A64 load/store descriptor: base (SP for 31, the pc for literals), the
// register offset with its extend and shift, pre/post-index writeback, W/X results
// with ARM's sign/zero extension, pairs, SIMD&FP registers (V n: bits 63:0 at +0),
// the exclusive monitor, LSE and LSE128 atomics, DC ZVA; SIMD structure forms go to
// a64-structures.ts, LS64's 64-byte accesses to a64-ls64.ts.
// Little-endian data. Registers are written only once every access completed, so an
// instruction that exits can run again.
import {
  CPU_VSR, CPU_RESERVE_ADDR, CPU_RESERVE_SIZE, CPU_RESERVE_VALID, REC_FAULT_ADDR, CPU_SYSREGS, SYSREG_SCTLR_EL1,
} from "../layout";
import { EXIT_NONE } from "../exits";
import {
  D_OP, D_SIZE, D_FLAGS, D_RT, D_RT2, D_BASE, D_INDEX, D_DISP, D_POST_DISP, D_RS, D_ATOMIC, D_EXTEND, D_SHIFT_AMOUNT,
  D_MNEMONIC, OP_LOAD, OP_STORE, OP_ATOMIC, OP_ZERO, F_BASE_ZERO, F_SIGNED, F_WRITEBACK, F_POST_INDEX, F_EXCLUSIVE, F_ACQUIRE, F_RELEASE, F_FP,
  F_PC_RELATIVE, F_PAIR, F_MULTIPLE, F_SIGN_EXTEND_64, F_WORD_DEST, REG_NONE,
  EXTEND_UXTW, EXTEND_SXTW, ATOMIC_ADD, ATOMIC_CLR, ATOMIC_EOR, ATOMIC_SET, ATOMIC_SMAX, ATOMIC_SMIN, ATOMIC_UMAX,
  ATOMIC_UMIN, ATOMIC_SWAP, ATOMIC_CAS,
} from "../decode/descriptor";
import { M64_LS64 } from "../decode/a64-mnemonics";
import { record } from "../machine";
import { cpu, setCpu } from "../cpu/regs";
import { readValue, writeValue, accessExit, bigData, deviceMemory, writableRam } from "./guest-memory";
import { xRead, xWrite } from "./a64-alu";
import { LS_UNIMPLEMENTED } from "./ppc/loadstore";
import { a64Structure } from "./a64-structures";
import { a64Ls64 } from "./a64-ls64";

/** SCTLR_EL1.SA: SP alignment checking. */
const SCTLR_SA: u64 = 8;

/** a64LoadStore's answer for a misaligned access the architecture faults on (address in REC_FAULT_ADDR). */
export const LS_ALIGNMENT: u32 = 0xfffd;

@inline function setCpuFaultAddress(address: u64): void {
  store<u64>(record + REC_FAULT_ADDR, address);
}

@inline function vLow(n: u32): u64 {
  return load<u64>(record + CPU_VSR + (n << 4));
}

@inline function vHigh(n: u32): u64 {
  return load<u64>(record + CPU_VSR + (n << 4), 8);
}

/** Sets V n to a 128-bit value (a scalar load clears the bits above it). */
@inline function setV(n: u32, low: u64, high: u64): void {
  store<u64>(record + CPU_VSR + (n << 4), low);
  store<u64>(record + CPU_VSR + (n << 4), high, 8);
}

@inline function extendRegister(value: u64, extend: u8, shift: u8): u64 {
  const extended = extend == EXTEND_UXTW ? value & 0xffff_ffff : extend == EXTEND_SXTW ? <u64><i64><i32>value : value;
  return extended << <u64>shift;
}

@inline function signExtend(value: u64, size: u32): u64 {
  return size == 1 ? <u64><i64><i8>value : size == 2 ? <u64><i64><i16>value : size == 4 ? <u64><i64><i32>value : value;
}

/** A loaded integer as its destination sees it: sign-extended to 64 or 32 bits, or zero-extended. */
@inline function loadedInteger(value: u64, size: u32, flags: u32): u64 {
  if ((flags & F_SIGNED) == 0) return value;
  const extended = signExtend(value, size);
  return (flags & F_SIGN_EXTEND_64) != 0 ? extended : extended & 0xffff_ffff;
}

/** Executes the descriptor at `desc` of `word`, at `at`; EXIT_NONE, an access's exit, LS_UNIMPLEMENTED or LS_ALIGNMENT. */
export function a64LoadStore(desc: usize, at: u64, word: u32): u32 {
  const op = load<u8>(desc, D_OP);
  const flags = load<u32>(desc, D_FLAGS);
  const size = <u32>load<u8>(desc, D_SIZE);
  const base = <u32>load<u8>(desc, D_BASE);
  if (op == OP_ZERO) return zeroBlock((flags & F_BASE_ZERO) != 0 ? 0 : xRead(base, false), size);
  const index = load<u8>(desc, D_INDEX);
  const baseValue = (flags & F_PC_RELATIVE) != 0 ? at : xRead(base, true);
  const offset = index != REG_NONE
    ? extendRegister(xRead(index, false), load<u8>(desc, D_EXTEND), load<u8>(desc, D_SHIFT_AMOUNT))
    : <u64>load<i64>(desc, D_DISP);
  const address = (flags & F_POST_INDEX) != 0 ? baseValue : baseValue + offset;
  // SP as the base must be 16-byte aligned when SCTLR_EL1.SA is set (CheckSPAlignment).
  if (base == 31 && (flags & F_PC_RELATIVE) == 0 && (baseValue & 15) != 0
    && (load<u64>(record + CPU_SYSREGS + (SYSREG_SCTLR_EL1 << 3)) & SCTLR_SA) != 0) {
    setCpuFaultAddress(baseValue);
    return LS_ALIGNMENT;
  }
  // LD64B, ST64B, ST64BV, ST64BV0: one 64-byte access at [Xn|SP] (a64-ls64.ts).
  const mnemonic = <u32>load<u16>(desc, D_MNEMONIC);
  if (mnemonic - M64_LS64 < 4) return a64Ls64(desc, mnemonic - M64_LS64, address, LS_ALIGNMENT);
  const total = (flags & F_PAIR) != 0 ? size << 1 : size;
  const mustAlign = op == OP_ATOMIC || (flags & (F_EXCLUSIVE | F_ACQUIRE | F_RELEASE)) != 0;
  if (mustAlign && (address & <u64>(total - 1)) != 0) {
    setCpuFaultAddress(address);
    return LS_ALIGNMENT;
  }
  const rt = <u32>load<u8>(desc, D_RT);
  let exit: u32;
  if ((flags & F_MULTIPLE) != 0) exit = a64Structure(desc, word, address);
  else if (op == OP_ATOMIC && (flags & F_PAIR) != 0) {
    exit = load<u8>(desc, D_ATOMIC) == ATOMIC_CAS ? compareAndSwapPair(desc, size, rt, address) : atomicPair128(desc, rt, address);
  } else if (op == OP_ATOMIC) exit = atomic(desc, size, flags, rt, address);
  else if ((flags & F_FP) != 0) exit = floatingPoint(desc, op, size, flags, rt, address);
  else if ((flags & F_EXCLUSIVE) != 0 && op == OP_STORE) exit = storeExclusive(desc, size, flags, rt, address);
  else exit = integer(desc, op, size, flags, rt, address);
  if (exit != EXIT_NONE) return exit;
  if ((flags & F_WRITEBACK) != 0) {
    // Post-index by a register (structure forms' Xm) adds the register, else the immediate.
    const postOffset = index != REG_NONE ? offset : <u64>load<i64>(desc, D_POST_DISP);
    xWrite(base, (flags & F_POST_INDEX) != 0 ? baseValue + postOffset : address, true);
  }
  return EXIT_NONE;
}

/**
 * DC ZVA: zeroes the `bytes`-byte block holding `address` as 8-byte stores in address
 * order (through one TLB hit when the block is writable RAM). On Device memory (here: a
 * page no slot backs, a device's or no one's) it is an alignment fault at `address`,
 * nothing written (Arm ARM, DC ZVA; QEMU 5 and Unicorn 2 write there instead). An exit
 * part-way (a read-only slot's write exits) leaves the stores before it done: running
 * it again zeroes the same bytes.
 */
function zeroBlock(address: u64, bytes: u32): u32 {
  const block = address & ~(<u64>bytes - 1);
  const host = writableRam(block, bytes);
  if (host != 0) {
    for (let at: usize = 0; at < <usize>bytes; at += 8) store<u64>(host + at, 0);
    return EXIT_NONE;
  }
  if (deviceMemory(address)) {
    setCpuFaultAddress(address);
    return LS_ALIGNMENT;
  }
  for (let offset: u32 = 0; offset < bytes; offset += 8) {
    writeValue(block + offset, 8, 0, false);
    if (accessExit != EXIT_NONE) return accessExit;
  }
  return EXIT_NONE;
}

function integer(desc: usize, op: u8, size: u32, flags: u32, rt: u32, address: u64): u32 {
  const pair = (flags & F_PAIR) != 0;
  const rt2 = <u32>load<u8>(desc, D_RT2);
  if (op == OP_LOAD) {
    const first = readValue(address, size, bigData());
    if (accessExit != EXIT_NONE) return accessExit;
    let second: u64 = 0;
    if (pair) {
      second = readValue(address + size, size, bigData());
      if (accessExit != EXIT_NONE) return accessExit;
    }
    xWrite(rt, loadedInteger(first, size, flags), false);
    if (pair) xWrite(rt2, loadedInteger(second, size, flags), false);
    if ((flags & F_EXCLUSIVE) != 0) monitor(address, pair ? size << 1 : size);
    return EXIT_NONE;
  }
  writeValue(address, size, xRead(rt, false), bigData());
  if (accessExit != EXIT_NONE || !pair) return accessExit;
  writeValue(address + size, size, xRead(rt2, false), bigData());
  return accessExit;
}

@inline function monitor(address: u64, size: u32): void {
  setCpu(CPU_RESERVE_ADDR, address);
  store<u32>(record + CPU_RESERVE_SIZE, size);
  store<u32>(record + CPU_RESERVE_VALID, 1);
}

/** STXR & co: store while the monitor holds this address and size; Ws = 0 on success, 1 otherwise. */
function storeExclusive(desc: usize, size: u32, flags: u32, rt: u32, address: u64): u32 {
  const pair = (flags & F_PAIR) != 0;
  const held = load<u32>(record + CPU_RESERVE_VALID) != 0 && cpu(CPU_RESERVE_ADDR) == address
    && load<u32>(record + CPU_RESERVE_SIZE) == (pair ? size << 1 : size);
  if (held) {
    const exit = integer(desc, OP_STORE, size, flags, rt, address);
    if (exit != EXIT_NONE) return exit;
  }
  store<u32>(record + CPU_RESERVE_VALID, 0);
  xWrite(<u32>load<u8>(desc, D_RS), held ? 0 : 1, false);
  return EXIT_NONE;
}

/** LDADD & co, SWP, CAS: Xt (or Xs for CAS) receives the old value; ST* forms have Rt = XZR. */
function atomic(desc: usize, size: u32, flags: u32, rt: u32, address: u64): u32 {
  const rs = <u32>load<u8>(desc, D_RS);
  const kind = load<u8>(desc, D_ATOMIC);
  const bits = <u64>(size << 3);
  const mask: u64 = size == 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << bits) - 1;
  const old = readValue(address, size, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  const operand = xRead(rs, false) & mask;
  const shift = 64 - bits;
  let next = old;
  let doStore = true;
  switch (kind) {
    case ATOMIC_ADD: next = old + operand; break;
    case ATOMIC_CLR: next = old & ~operand; break;
    case ATOMIC_EOR: next = old ^ operand; break;
    case ATOMIC_SET: next = old | operand; break;
    case ATOMIC_SMAX: next = <i64>(old << shift) >= <i64>(operand << shift) ? old : operand; break;
    case ATOMIC_SMIN: next = <i64>(old << shift) <= <i64>(operand << shift) ? old : operand; break;
    case ATOMIC_UMAX: next = old >= operand ? old : operand; break;
    case ATOMIC_UMIN: next = old <= operand ? old : operand; break;
    case ATOMIC_SWAP: next = operand; break;
    case ATOMIC_CAS: doStore = old == operand; next = xRead(rt, false); break;
    default: return LS_UNIMPLEMENTED;
  }
  if (doStore) {
    writeValue(address, size, next & mask, bigData());
    if (accessExit != EXIT_NONE) return accessExit;
  }
  xWrite(kind == ATOMIC_CAS ? rs : rt, old, false);
  return EXIT_NONE;
}

/** CASP: if memory holds (Rs, Rs+1) store (Rt, Rt+1); (Rs, Rs+1) receive the old pair either way. */
function compareAndSwapPair(desc: usize, size: u32, rt: u32, address: u64): u32 {
  const rs = <u32>load<u8>(desc, D_RS);
  const mask: u64 = size == 8 ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
  const first = readValue(address, size, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  const second = readValue(address + size, size, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  if (first == (xRead(rs, false) & mask) && second == (xRead(rs + 1, false) & mask)) {
    writeValue(address, size, xRead(rt, false) & mask, bigData());
    if (accessExit != EXIT_NONE) return accessExit;
    writeValue(address + size, size, xRead(rt + 1, false) & mask, bigData());
    if (accessExit != EXIT_NONE) return accessExit;
  }
  xWrite(rs, first, false);
  xWrite(rs + 1, second, false);
  return EXIT_NONE;
}

/**
 * LDCLRP, LDSETP, SWPP (FEAT_LSE128): the 16 bytes at `address` (16-byte aligned, checked
 * before) combine with Xt2:Xt (Xt the doubleword at `address`); Xt, Xt2 receive the old
 * value. Both doublewords are read before either is written.
 */
function atomicPair128(desc: usize, rt: u32, address: u64): u32 {
  const rt2 = <u32>load<u8>(desc, D_RT2);
  const kind = load<u8>(desc, D_ATOMIC);
  const low = readValue(address, 8, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  const high = readValue(address + 8, 8, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  const operandLow = xRead(rt, false), operandHigh = xRead(rt2, false);
  const nextLow = kind == ATOMIC_CLR ? low & ~operandLow : kind == ATOMIC_SET ? low | operandLow : operandLow;
  const nextHigh = kind == ATOMIC_CLR ? high & ~operandHigh : kind == ATOMIC_SET ? high | operandHigh : operandHigh;
  writeValue(address, 8, nextLow, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  writeValue(address + 8, 8, nextHigh, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  xWrite(rt, low, false);
  xWrite(rt2, high, false);
  return EXIT_NONE;
}

/** LDR/STR/LDP/STP/LDUR/STUR of B, H, S, D and Q registers. */
function floatingPoint(desc: usize, op: u8, size: u32, flags: u32, rt: u32, address: u64): u32 {
  const pair = (flags & F_PAIR) != 0;
  const rt2 = <u32>load<u8>(desc, D_RT2);
  const step = <u64>size;
  if (op == OP_LOAD) {
    if (!readVector(address, size)) return accessExit;
    const a0 = vectorLow, a1 = vectorHigh;
    if (pair && !readVector(address + step, size)) return accessExit;
    setV(rt, a0, a1);
    if (pair) setV(rt2, vectorLow, vectorHigh);
    return EXIT_NONE;
  }
  if (!writeVector(rt, address, size)) return accessExit;
  if (pair && !writeVector(rt2, address + step, size)) return accessExit;
  return EXIT_NONE;
}

/** The last readVector's value (bits 63:0 and 127:64). */
let vectorLow: u64 = 0;
let vectorHigh: u64 = 0;

/** Reads a B/H/S/D/Q register's bytes; a Q value's most significant half comes first in big-endian (BE8) mode. */
function readVector(address: u64, size: u32): bool {
  const big = bigData();
  if (size != 16) {
    vectorLow = readValue(address, size, big);
    vectorHigh = 0;
    return accessExit == EXIT_NONE;
  }
  const first = readValue(address, 8, big);
  if (accessExit != EXIT_NONE) return false;
  const second = readValue(address + 8, 8, big);
  if (accessExit != EXIT_NONE) return false;
  vectorLow = big ? second : first;
  vectorHigh = big ? first : second;
  return true;
}

function writeVector(n: u32, address: u64, size: u32): bool {
  const big = bigData();
  if (size != 16) {
    writeValue(address, size, vLow(n), big);
    return accessExit == EXIT_NONE;
  }
  writeValue(address, 8, big ? vHigh(n) : vLow(n), big);
  if (accessExit != EXIT_NONE) return false;
  writeValue(address + 8, 8, big ? vLow(n) : vHigh(n), big);
  return accessExit == EXIT_NONE;
}
