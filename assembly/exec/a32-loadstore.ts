// Executes one A32 load/store descriptor (conventions in assembly/decode/arm-common.ts):
// the base (PC reads as the instruction's address + 8), the immediate or shifted
// register offset added or subtracted, pre/post-index writeback, byte/halfword/word
// loads with sign extension, LDRD/STRD, LDM/STM (PC in the list branches), the
// exclusive monitor, SWP/SWPB, VLDR/VSTR/VLDM/VSTM on S (4-byte) and D (8-byte)
// registers (D n at CPU_VSR + 8n, so S 2n/2n+1 are its halves), VLDR.16/VSTR.16 on
// an S register's low half. Little-endian data.
// Registers change only once every access completed.
import { REC_FAULT_ADDR, CPU_GPR, CPU_VSR, CPU_NZCV, CPU_MODE, CPU_RESERVE_ADDR, CPU_RESERVE_SIZE, CPU_RESERVE_VALID, MODE_THUMB } from "../layout";
import { EXIT_NONE } from "../exits";
import {
  D_OP, D_SIZE, D_COUNT, D_FLAGS, D_RT, D_RT2, D_BASE, D_INDEX, D_DISP, D_POST_DISP, D_REG_LIST, D_RS, D_SHIFT_TYPE,
  D_SHIFT_AMOUNT, OP_LOAD, OP_STORE, OP_ATOMIC, F_SIGNED, F_WRITEBACK, F_POST_INDEX, F_EXCLUSIVE, F_ACQUIRE, F_RELEASE,
  F_FP, F_SUBTRACT,
  F_PC_RELATIVE, F_PAIR, F_MULTIPLE, REG_NONE, SHIFT_LSL, SHIFT_LSR, SHIFT_ASR, SHIFT_ROR, SHIFT_RRX,
} from "../decode/descriptor";
import { record } from "../machine";
import { cpu, setCpu, setPc } from "../cpu/regs";
import { readValue, writeValue, accessExit, bigData } from "./guest-memory";
import { LS_UNIMPLEMENTED } from "./ppc/loadstore";
import { LS_ALIGNMENT } from "./a64-loadstore";

/** Core register n; the PC (15) reads as `pcValue`. */
@inline export function rRead(n: u32, pcValue: u64): u32 {
  return n == 15 ? <u32>pcValue : load<u32>(record + CPU_GPR + (n << 3));
}

/** Writes core register n (never 15: the caller branches instead). */
@inline export function rWrite(n: u32, value: u32): void {
  store<u64>(record + CPU_GPR + (n << 3), <u64>value);
}

/** An interworking branch (BXWritePC; loads into the PC too): bit 0 selects Thumb (CPSR.T). */
export function interworkingBranch(target: u32): void {
  const thumb = (target & 1) != 0;
  const mode = load<u32>(record + CPU_MODE);
  store<u32>(record + CPU_MODE, thumb ? mode | MODE_THUMB : mode & ~MODE_THUMB);
  const cpsr = load<u32>(record + CPU_NZCV);
  store<u32>(record + CPU_NZCV, thumb ? cpsr | 0x20 : cpsr & ~0x20);
  setPc(<u64>(target & ~1));
}

/** Shift(value, type, amount, carry) from the ARM ARM, 32 bits. */
@inline export function shiftC(value: u32, type: u8, amount: u32): u32 {
  if (type == SHIFT_LSL) return amount >= 32 ? 0 : value << amount;
  if (type == SHIFT_LSR) return amount >= 32 ? 0 : value >>> amount;
  if (type == SHIFT_ASR) return <u32>(<i32>value >> <i32>min<u32>(amount, 31));
  if (type == SHIFT_ROR) return rotr<u32>(value, amount);
  if (type == SHIFT_RRX) return (value >>> 1) | ((load<u32>(record + CPU_NZCV) & 0x2000_0000) << 2);
  return value;
}

/**
 * Runs an A32 or T32 load/store: the PC reads as `pcValue` (A32: the instruction + 8,
 * T32: + 4) and `next` is the following instruction. EXIT_NONE when it ran (pc set),
 * an access's exit, LS_UNIMPLEMENTED or LS_ALIGNMENT.
 */
export function a32LoadStore(desc: usize, pcValue: u64, next: u64): u32 {
  const op = load<u8>(desc, D_OP);
  const flags = load<u32>(desc, D_FLAGS);
  const size = <u32>load<u8>(desc, D_SIZE);
  const base = <u32>load<u8>(desc, D_BASE);
  // Literal loads use Align(PC, 4); an A32 PC is always word-aligned.
  const baseValue: u32 = (flags & F_PC_RELATIVE) != 0 ? <u32>pcValue & ~3 : rRead(base, pcValue);
  const index = load<u8>(desc, D_INDEX);
  let offset: u32;
  if (index != REG_NONE) {
    const shifted = shiftC(rRead(index, pcValue), load<u8>(desc, D_SHIFT_TYPE), load<u8>(desc, D_SHIFT_AMOUNT));
    offset = (flags & F_SUBTRACT) != 0 ? 0 - shifted : shifted;
  } else {
    offset = <u32>load<i64>(desc, D_DISP);
  }
  const post = (flags & F_POST_INDEX) != 0;
  const address: u32 = post ? baseValue : baseValue + offset;
  // Exclusives and load-acquire/store-release must be aligned (to 8 for the doubleword pairs).
  const alignment: u32 = (flags & F_PAIR) != 0 ? 8 : size;
  if ((flags & (F_EXCLUSIVE | F_ACQUIRE | F_RELEASE)) != 0 && (address & (alignment - 1)) != 0) {
    store<u64>(record + REC_FAULT_ADDR, <u64>address);
    return LS_ALIGNMENT;
  }
  const rt = <u32>load<u8>(desc, D_RT);
  let exit: u32;
  let loadedPc = false;
  let pcTarget: u32 = 0;
  if ((flags & F_FP) != 0) exit = vfp(desc, op, size, flags, rt, baseValue);
  else if ((flags & F_MULTIPLE) != 0) {
    exit = multiple(desc, op, baseValue, pcValue);
    loadedPc = op == OP_LOAD && (load<u32>(desc, D_REG_LIST) & 0x8000) != 0;
    pcTarget = multipleResult;
  } else if (op == OP_ATOMIC) exit = swap(desc, size, rt, address);
  else if ((flags & F_EXCLUSIVE) != 0 && op == OP_STORE) exit = storeExclusive(desc, size, flags, rt, address, pcValue);
  else {
    exit = single(desc, op, size, flags, rt, address, pcValue);
    loadedPc = op == OP_LOAD && rt == 15;
    pcTarget = singleResult;
  }
  if (exit != EXIT_NONE) return exit;
  if ((flags & F_WRITEBACK) != 0) {
    const next: u32 = (flags & F_MULTIPLE) != 0 ? baseValue + <u32>load<i64>(desc, D_POST_DISP)
      : post ? baseValue + (index != REG_NONE ? offset : <u32>load<i64>(desc, D_POST_DISP)) : address;
    rWrite(base, next);
  }
  if (loadedPc) interworkingBranch(pcTarget);
  else setPc(next);
  return EXIT_NONE;
}

/** The value a load into r15 produced (a32LoadStore branches to it after writeback). */
let singleResult: u32 = 0;
let multipleResult: u32 = 0;

function single(desc: usize, op: u8, size: u32, flags: u32, rt: u32, address: u32, pcValue: u64): u32 {
  const pair = (flags & F_PAIR) != 0;
  if (op == OP_LOAD) {
    const first = readValue(<u64>address, size, bigData());
    if (accessExit != EXIT_NONE) return accessExit;
    let second: u64 = 0;
    if (pair) {
      second = readValue(<u64>(address + 4), 4, bigData());
      if (accessExit != EXIT_NONE) return accessExit;
    }
    const value: u32 = (flags & F_SIGNED) != 0 ? (size == 1 ? <u32><i32><i8>first : <u32><i32><i16>first) : <u32>first;
    if (rt == 15) singleResult = value;
    else rWrite(rt, value);
    if (pair) rWrite(<u32>load<u8>(desc, D_RT2), <u32>second);
    if ((flags & F_EXCLUSIVE) != 0) {
      setCpu(CPU_RESERVE_ADDR, <u64>address);
      store<u32>(record + CPU_RESERVE_SIZE, pair ? 8 : size);
      store<u32>(record + CPU_RESERVE_VALID, 1);
    }
    return EXIT_NONE;
  }
  writeValue(<u64>address, size, <u64>rRead(rt, pcValue), bigData());
  if (accessExit != EXIT_NONE || !pair) return accessExit;
  writeValue(<u64>(address + 4), 4, <u64>rRead(<u32>load<u8>(desc, D_RT2), pcValue), bigData());
  return accessExit;
}

/** STREX & co: store while the monitor holds this address and size; Rd = 0 on success, 1 otherwise. */
function storeExclusive(desc: usize, size: u32, flags: u32, rt: u32, address: u32, pcValue: u64): u32 {
  const pair = (flags & F_PAIR) != 0;
  const held = load<u32>(record + CPU_RESERVE_VALID) != 0 && cpu(CPU_RESERVE_ADDR) == <u64>address
    && load<u32>(record + CPU_RESERVE_SIZE) == (pair ? 8 : size);
  if (held) {
    const exit = single(desc, OP_STORE, size, flags & F_PAIR, rt, address, pcValue);
    if (exit != EXIT_NONE) return exit;
  }
  store<u32>(record + CPU_RESERVE_VALID, 0);
  rWrite(<u32>load<u8>(desc, D_RS), held ? 0 : 1);
  return EXIT_NONE;
}

/** SWP/SWPB: Rt receives the old word (byte); memory receives Rt2 (in D_RS). */
function swap(desc: usize, size: u32, rt: u32, address: u32): u32 {
  const old = readValue(<u64>address, size, bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  writeValue(<u64>address, size, <u64>rRead(<u32>load<u8>(desc, D_RS), 0), bigData());
  if (accessExit != EXIT_NONE) return accessExit;
  rWrite(rt, <u32>old);
  return EXIT_NONE;
}

/** LDM/STM and PUSH/POP: the listed registers in ascending order from the lowest address. */
function multiple(desc: usize, op: u8, baseValue: u32, pcValue: u64): u32 {
  const list = load<u32>(desc, D_REG_LIST) & 0xffff;
  let address: u32 = baseValue + <u32>load<i64>(desc, D_DISP);
  // Loads land in a scratch copy first, so a fault part-way changes no register.
  const scratch = record + CPU_VSR + 512; // the vector file's upper half: A32's 32 D registers end at +256
  for (let r: u32 = 0; r < 16; r++) {
    if ((list & (1 << r)) == 0) continue;
    if (op == OP_LOAD) {
      const value = readValue(<u64>address, 4, bigData());
      if (accessExit != EXIT_NONE) return accessExit;
      store<u32>(scratch + (r << 2), <u32>value);
    } else {
      writeValue(<u64>address, 4, <u64>rRead(r, pcValue), bigData());
      if (accessExit != EXIT_NONE) return accessExit;
    }
    address += 4;
  }
  if (op == OP_LOAD) {
    for (let r: u32 = 0; r < 15; r++) if ((list & (1 << r)) != 0) rWrite(r, load<u32>(scratch + (r << 2)));
    multipleResult = load<u32>(scratch + 60);
  }
  return EXIT_NONE;
}

/** VLDR/VSTR (one S or D register) and VLDM/VSTM (D_COUNT consecutive ones). */
function vfp(desc: usize, op: u8, size: u32, flags: u32, first: u32, baseValue: u32): u32 {
  if (size == 2) return vfpHalf(desc, op, first, baseValue);
  if (size != 4 && size != 8) return LS_UNIMPLEMENTED;
  const count: u32 = (flags & F_MULTIPLE) != 0 ? <u32>load<u8>(desc, D_COUNT) : 1;
  let address: u32 = baseValue + <u32>load<i64>(desc, D_DISP);
  for (let i: u32 = 0; i < count; i++) {
    const register = record + CPU_VSR + (first + i) * size;
    if (op == OP_LOAD) {
      const value = readValue(<u64>address, size, bigData());
      if (accessExit != EXIT_NONE) return accessExit;
      if (size == 8) store<u64>(register, value);
      else store<u32>(register, <u32>value);
    } else {
      writeValue(<u64>address, size, size == 8 ? load<u64>(register) : <u64>load<u32>(register), bigData());
      if (accessExit != EXIT_NONE) return accessExit;
    }
    address += size;
  }
  return EXIT_NONE;
}

/** VLDR.16/VSTR.16 (FEAT_FP16): S[d] = Zeros(16) : MemA[address, 2], or its low half stored; unaligned faults. */
function vfpHalf(desc: usize, op: u8, first: u32, baseValue: u32): u32 {
  const address: u32 = baseValue + <u32>load<i64>(desc, D_DISP);
  if ((address & 1) != 0) {
    store<u64>(record + REC_FAULT_ADDR, <u64>address);
    return LS_ALIGNMENT;
  }
  const register = record + CPU_VSR + first * 4;
  if (op == OP_LOAD) {
    const value = readValue(<u64>address, 2, bigData());
    if (accessExit != EXIT_NONE) return accessExit;
    store<u32>(register, <u32>value);
    return EXIT_NONE;
  }
  writeValue(<u64>address, 2, <u64>load<u16>(register), bigData());
  return accessExit;
}
