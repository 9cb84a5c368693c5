// Executes one PowerPC load/store descriptor against the running vCPU: effective
// address, the access(es) in the guest's byte order, sign extension, byte reversal,
// the reservation, and the register writeback (only once every access completed, so
// an instruction that exits to MMIO can be restarted).
import {
  CPU_XER, CPU_RESERVE_ADDR, CPU_RESERVE_SIZE, CPU_RESERVE_VALID, REC_FAULT_ADDR,
} from "../../layout";
import { EXIT_NONE } from "../../exits";
import {
  D_OP, D_SIZE, D_COUNT, D_FLAGS, D_RT, D_BASE, D_INDEX, D_DISP, OP_LOAD, OP_STORE, OP_ZERO, OP_ATOMIC, F_VSR,
  F_SIGNED, F_WRITEBACK, F_BYTE_REVERSE, F_EXCLUSIVE, F_FP, F_VECTOR, F_PC_RELATIVE, F_BASE_ZERO,
  F_PAIR, F_MULTIPLE, F_STRING, F_FP_INTEGER, REG_NONE, D_MNEMONIC,
} from "../../decode/descriptor";
import { record } from "../../machine";
import { gpr, setGpr, cpu, setCpu, cr, setCr, is64, isLittle, vsrWord, setVsrWord } from "../../cpu/regs";
import { readValue, writeValue, accessExit } from "../guest-memory";
import { singleToDouble, doubleToSingle } from "./float";
import { ppcVsx, VSX_UNSUPPORTED, loadQuadword, storeQuadword } from "./vsx";
import { ppcAmo, AMO_INVALID, AMO_UNALIGNED } from "./amo";
import { ppcHash, HASH_MISMATCH } from "./hash";
import { M_HASHST, M_HASHSTP, M_HASHCHK, M_HASHCHKP } from "../../decode/ppc-tables";

/** dcbz's block: the cache line, 128 bytes on 64-bit POWER, 32 on the 32-bit cores (G4, e500). */
@inline function cacheBlock(): u64 {
  return is64() ? 128 : 32;
}

@inline function effectiveAddress(desc: usize, at: u64): u64 {
  const flags = load<u32>(desc, D_FLAGS);
  const base = load<u8>(desc, D_BASE);
  let address: u64 = (flags & F_PC_RELATIVE) != 0 ? at
    : base == REG_NONE || ((flags & F_BASE_ZERO) != 0 && base == 0) ? 0 : gpr(base);
  const index = load<u8>(desc, D_INDEX);
  address += index != REG_NONE ? gpr(index) : <u64>load<i64>(desc, D_DISP);
  return is64() ? address : address & 0xffff_ffff;
}

@inline function writeGpr(n: u32, value: u64): void {
  setGpr(n, is64() ? value : value & 0xffff_ffff);
}

@inline function signExtend(value: u64, size: u32): u64 {
  return size == 1 ? <u64><i64><i8>value : size == 2 ? <u64><i64><i16>value : size == 4 ? <u64><i64><i32>value : value;
}

/** ppcLoadStore's answer for a load/store this executor does not run (no EXIT_* uses it). */
export const LS_UNIMPLEMENTED: u32 = 0xfffe;

/** VSX forms and the ISA 3.0 scalar-vector ones (lxsd…, DS/DQ-form or prefixed); VMX forms are all X-form. */
@inline function isVsx(desc: usize, flags: u32): bool {
  return (flags & F_VSR) != 0 || ((flags & F_VECTOR) != 0 && load<u8>(desc, D_INDEX) == REG_NONE);
}

/** ppcLoadStore's answer for a misaligned atomic memory operation (address in REC_FAULT_ADDR). */
export const LS_ALIGNMENT_PPC: u32 = 0xfffd;

/** ppcLoadStore's answer for a trap: hashchk found another doubleword (its EA in REC_FAULT_ADDR). */
export const LS_TRAP_PPC: u32 = HASH_MISMATCH;

@inline function isHash(mnemonic: u16): bool {
  return mnemonic == M_HASHST || mnemonic == M_HASHSTP || mnemonic == M_HASHCHK || mnemonic == M_HASHCHKP;
}

/**
 * Executes the descriptor at `desc` for the instruction at `at`; EXIT_NONE, the
 * access's exit, LS_ALIGNMENT_PPC, LS_TRAP_PPC, or LS_UNIMPLEMENTED for what it does
 * not run (atomic memory operations with an undefined function code).
 */
export function ppcLoadStore(desc: usize, at: u64): u32 {
  const op = load<u8>(desc, D_OP);
  const flags = load<u32>(desc, D_FLAGS);
  if (isHash(load<u16>(desc, D_MNEMONIC))) return ppcHash(desc, effectiveAddress(desc, at), !isLittle());
  if (op == OP_ATOMIC) {
    const ea = effectiveAddress(desc, at);
    const exit = ppcAmo(desc, <u32>load<u8>(desc, D_RT), ea, isLittle() == ((flags & F_BYTE_REVERSE) != 0));
    if (exit == AMO_INVALID) return LS_UNIMPLEMENTED;
    if (exit == AMO_UNALIGNED) {
      store<u64>(record + REC_FAULT_ADDR, ea);
      return LS_ALIGNMENT_PPC;
    }
    return exit;
  }
  const size = <u32>load<u8>(desc, D_SIZE);
  const rt = <u32>load<u8>(desc, D_RT);
  const ea = effectiveAddress(desc, at);
  // Data in the guest's order, reversed by the byte-reverse forms.
  const bigEndian = isLittle() == ((flags & F_BYTE_REVERSE) != 0);
  let exit: u32 = EXIT_NONE;
  if (op == OP_ZERO) exit = zeroBlock(ea);
  else if ((flags & F_MULTIPLE) != 0) exit = multiple(op, rt, ea, bigEndian);
  else if ((flags & F_STRING) != 0) exit = string(desc, op, rt, ea);
  else if (isVsx(desc, flags)) {
    exit = ppcVsx(desc, op, ea, bigEndian);
    if (exit == VSX_UNSUPPORTED) return LS_UNIMPLEMENTED;
  } else if ((flags & (F_FP | F_VECTOR)) != 0) exit = floatOrVector(op, flags, size, rt, ea, bigEndian);
  else if ((flags & F_EXCLUSIVE) != 0 && op == OP_STORE) exit = storeConditional(size, rt, ea, bigEndian);
  else if (op == OP_LOAD) exit = integerLoad(flags, size, rt, ea, bigEndian);
  else exit = integerStore(flags, size, rt, ea, bigEndian);
  if (exit != EXIT_NONE) return exit;
  if ((flags & F_WRITEBACK) != 0) writeGpr(load<u8>(desc, D_BASE), ea);
  return EXIT_NONE;
}

function integerLoad(flags: u32, size: u32, rt: u32, ea: u64, bigEndian: bool): u32 {
  if (size == 16 || (flags & F_PAIR) != 0) {
    // lq / lqarx: RTp is even; the doubleword at the lower address goes to RTp in BE.
    const first = readValue(ea, 8, bigEndian);
    if (accessExit != EXIT_NONE) return accessExit;
    const second = readValue(ea + 8, 8, bigEndian);
    if (accessExit != EXIT_NONE) return accessExit;
    setGpr(rt, bigEndian ? first : second);
    setGpr(rt + 1, bigEndian ? second : first);
    if ((flags & F_EXCLUSIVE) != 0) reserve(ea, 16);
    return EXIT_NONE;
  }
  const value = readValue(ea, size, bigEndian);
  if (accessExit != EXIT_NONE) return accessExit;
  writeGpr(rt, (flags & F_SIGNED) != 0 ? signExtend(value, size) : value);
  if ((flags & F_EXCLUSIVE) != 0) reserve(ea, size);
  return EXIT_NONE;
}

function integerStore(flags: u32, size: u32, rt: u32, ea: u64, bigEndian: bool): u32 {
  if (size == 16 || (flags & F_PAIR) != 0) {
    writeValue(ea, 8, bigEndian ? gpr(rt) : gpr(rt + 1), bigEndian);
    if (accessExit != EXIT_NONE) return accessExit;
    writeValue(ea + 8, 8, bigEndian ? gpr(rt + 1) : gpr(rt), bigEndian);
    return accessExit;
  }
  writeValue(ea, size, gpr(rt), bigEndian);
  return accessExit;
}

@inline function reserve(ea: u64, size: u32): void {
  setCpu(CPU_RESERVE_ADDR, ea);
  store<u32>(record + CPU_RESERVE_SIZE, size);
  store<u32>(record + CPU_RESERVE_VALID, 1);
}

/** st?cx.: stores only while this vCPU's reservation covers ea with the same size; CR0 = 00 || success || SO. */
function storeConditional(size: u32, rt: u32, ea: u64, bigEndian: bool): u32 {
  const held = load<u32>(record + CPU_RESERVE_VALID) != 0
    && cpu(CPU_RESERVE_ADDR) == ea && load<u32>(record + CPU_RESERVE_SIZE) == size;
  if (held) {
    const exit = size == 16 ? integerStore(F_PAIR, 16, rt, ea, bigEndian) : integerStore(0, size, rt, ea, bigEndian);
    if (exit != EXIT_NONE) return exit;
  }
  store<u32>(record + CPU_RESERVE_VALID, 0);
  const so: u32 = (cpu(CPU_XER) & 0x8000_0000) != 0 ? 1 : 0;
  setCr((cr() & 0x0fff_ffff) | ((held ? 2 : 0) | so) << 28);
  return EXIT_NONE;
}

/** lmw / stmw: words for registers rt..31. */
function multiple(op: u8, rt: u32, ea: u64, bigEndian: bool): u32 {
  for (let r = rt; r < 32; r++) {
    const address = ea + ((r - rt) << 2);
    if (op == OP_LOAD) {
      const value = readValue(address, 4, bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
      setGpr(r, value);
    } else {
      writeValue(address, 4, gpr(r), bigEndian);
      if (accessExit != EXIT_NONE) return accessExit;
    }
  }
  return EXIT_NONE;
}

/** lswi/lswx/stswi/stswx: bytes packed big-endian into successive registers, wrapping r31 to r0. */
function string(desc: usize, op: u8, rt: u32, ea: u64): u32 {
  // lswi/stswi carry the byte count in D_COUNT (NB, 0 meaning 32); the indexed forms take XER[57:63].
  const indexed = load<u8>(desc, D_INDEX) != REG_NONE;
  const count: u32 = indexed ? <u32>(cpu(CPU_XER) & 0x7f) : load<u8>(desc, D_COUNT);
  let r = rt;
  for (let i: u32 = 0; i < count; i++) {
    const shift = <u64>(24 - ((i & 3) << 3));
    if (op == OP_LOAD) {
      if ((i & 3) == 0) setGpr(r, 0);
      const byte = readValue(ea + i, 1, true);
      if (accessExit != EXIT_NONE) return accessExit;
      setGpr(r, gpr(r) | (byte << shift));
    } else {
      writeValue(ea + i, 1, (gpr(r) >> shift) & 0xff, true);
      if (accessExit != EXIT_NONE) return accessExit;
    }
    if ((i & 3) == 3) r = (r + 1) & 31;
  }
  return EXIT_NONE;
}

/** FP loads/stores (FPR n = doubleword 0 of VSR n) and vector ones (16 bytes, VR n = VSR 32+n). */
function floatOrVector(op: u8, flags: u32, size: u32, rt: u32, ea: u64, bigEndian: bool): u32 {
  if ((flags & F_VECTOR) != 0) return vectorAccess(op, size, rt, ea, bigEndian);
  if (op == OP_LOAD) {
    const value = readValue(ea, size, bigEndian);
    if (accessExit != EXIT_NONE) return accessExit;
    let image: u64;
    if ((flags & F_FP_INTEGER) != 0) image = (flags & F_SIGNED) != 0 ? signExtend(value, 4) : value; // lfiwax, lfiwzx
    else image = size == 4 ? singleToDouble(<u32>value) : value; // lfs, lfd
    setVsrWord(rt, 0, image);
    return EXIT_NONE;
  }
  const image = vsrWord(rt, 0);
  const value = size == 4 && (flags & F_FP_INTEGER) == 0 ? <u64>doubleToSingle(image) : image; // stfs; stfiwx and stfd store raw
  writeValue(ea, size, value, bigEndian);
  return accessExit;
}

/** lvx/stvx (16 bytes, aligned down to 16, as lxvx then) and the element forms; VR n is VSR 32+n. */
function vectorAccess(op: u8, size: u32, vr: u32, ea: u64, bigEndian: bool): u32 {
  const register = vr + 32;
  if (size != 16) return elementAccess(op, size, register, ea & ~(<u64>size - 1), bigEndian);
  return op == OP_LOAD ? loadQuadword(register, ea & ~15, bigEndian) : storeQuadword(register, ea & ~15, bigEndian);
}

/** lvebx/lvehx/lvewx and stores: the element at ea's offset within the quadword. */
function elementAccess(op: u8, size: u32, register: u32, ea: u64, bigEndian: bool): u32 {
  const offset = <u32>(ea & 15);
  // Byte position in the big-endian image of the register (LE mode mirrors it).
  const position = bigEndian ? offset : 16 - offset - size;
  const half = position >>> 3;
  const shift = <u64>((8 - (position & 7) - size) << 3);
  const mask = size == 8 ? 0xffff_ffff_ffff_ffff : ((<u64>1 << (<u64>size << 3)) - 1) << shift;
  if (op == OP_LOAD) {
    const value = readValue(ea, size, bigEndian);
    if (accessExit != EXIT_NONE) return accessExit;
    setVsrWord(register, half, (vsrWord(register, half) & ~mask) | ((value << shift) & mask));
    return EXIT_NONE;
  }
  writeValue(ea, size, (vsrWord(register, half) & mask) >> shift, bigEndian);
  return accessExit;
}

function zeroBlock(ea: u64): u32 {
  const bytes = cacheBlock();
  const block = ea & ~(bytes - 1);
  for (let offset: u64 = 0; offset < bytes; offset += 8) {
    writeValue(block + offset, 8, 0, false);
    if (accessExit != EXIT_NONE) return accessExit;
  }
  return EXIT_NONE;
}
