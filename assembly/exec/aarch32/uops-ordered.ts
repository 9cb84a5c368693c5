// The AArch32 micro-op cache's (uops.ts) exclusive and ordered accesses, in both instruction
// sets: LDREX/STREX (B, H, D; and the acquire/release LDAEX/STLEX forms), LDA/STL (B, H),
// and the barriers DMB and ISB (as NOP: every access completes before the next instruction;
// DSB stays on the full path, which retires the vCPU's broadcast TLB invalidations). The
// load/store forms are decoded by the full path's decoders, so a micro-op runs exactly the
// descriptors a32LoadStore would (same registers, size, offset, monitor); a misaligned
// address goes back to the full path, which raises the alignment fault.
import { REC_DECODE, CPU_GPR, CPU_RESERVE_ADDR, CPU_RESERVE_SIZE, CPU_RESERVE_VALID } from "../../layout";
import { EXIT_NONE } from "../../exits";
import { record } from "../../machine";
import {
  KIND_LOADSTORE, D_OP, D_SIZE, D_FLAGS, D_RT, D_RT2, D_BASE, D_INDEX, D_DISP, D_RS, D_FORM, FORM_NONE, OP_LOAD, OP_STORE,
  F_EXCLUSIVE, F_ACQUIRE, F_RELEASE, F_PAIR, REG_NONE,
} from "../../decode/descriptor";
import { decodeA32 } from "../../decode/a32";
import { decodeT32 } from "../../decode/t32";
import { accessExit, bigData } from "../guest-memory";
import { put, readData, writeData, SET_A32, SET_T32 } from "./uops";
import { A_NOP } from "./uops-more";

export const A_ORDERED_LOAD: u8 = 140; //  rd: Rt, rn: Rn, rm: Rt2 (pairs); imm: offset; aux: size | ORDERED_* flags
export const A_ORDERED_STORE: u8 = 141; // as A_ORDERED_LOAD; aux also the status register (STREX's Rd) << 8

export const ORDERED_PAIR: u32 = 1 << 3;
export const ORDERED_EXCLUSIVE: u32 = 1 << 4;

/** What an ordered access did: it ran, it needs the full path (misaligned), or an access exit (accessExit says which). */
export const ORDERED_DONE: u32 = 0;
export const ORDERED_FULL_PATH: u32 = 1;
export const ORDERED_EXIT: u32 = 2;

/** Whether an A32 word is in the synchronization-primitive space (LDREX & co, LDA/STL): fillA32Ordered's forms. */
@inline export function isA32Ordered(word: u32): bool {
  return (word & 0x0f80_00f0) == 0x0180_0090;
}

/** Whether a 32-bit T32 word is LDREX/STREX or in the space of LDREXB/H/D, STREXB/H/D, LDA/STL (and TBB/TBH). */
@inline export function isT32Ordered(word: u32): bool {
  return (word & 0xffe0_0000) == 0xe840_0000 || (word & 0xffe0_0000) == 0xe8c0_0000;
}

/** DMB or ISB, any option (A32: the unconditional encoding; T32: the 32-bit one). */
@inline export function isBarrier(word: u32, thumb: bool): bool {
  const kind = word & 0xffff_fff0;
  return thumb ? kind == 0xf3bf_8f50 || kind == 0xf3bf_8f60 : kind == 0xf57f_f050 || kind == 0xf57f_f060;
}

/** Fills `entry` for an A32 word of isA32Ordered's space with condition `cond`; false when the full path must run it. */
export function fillA32Ordered(entry: usize, word: u32, cond: u32): bool {
  const desc = record + REC_DECODE; // the full path's descriptor, free between instructions
  return decodeA32(word, desc) == KIND_LOADSTORE && fillFrom(entry, word, SET_A32, desc, cond);
}

/** fillA32Ordered for a 32-bit T32 word of isT32Ordered's space (inside an IT block too: the decoding is the same). */
export function fillT32Ordered(entry: usize, word: u32): bool {
  const desc = record + REC_DECODE;
  return decodeT32(word, 0, desc) == KIND_LOADSTORE && fillFrom(entry, word, SET_T32, desc, 14);
}

/** DMB/ISB as a NOP micro-op. */
export function fillBarrier(entry: usize, word: u32, set: u8): void {
  put(entry, word, set, A_NOP, 0, 0, 0, 0, 0, 14);
}

/** The micro-op for the descriptor at `desc`, when it is a single or pair exclusive, acquire or release access between general registers. */
function fillFrom(entry: usize, word: u32, set: u8, desc: usize, cond: u32): bool {
  const flags = load<u32>(desc, D_FLAGS);
  const ordering = flags & (F_EXCLUSIVE | F_ACQUIRE | F_RELEASE);
  if (ordering == 0 || (flags & ~(ordering | F_PAIR)) != 0 || load<u8>(desc, D_FORM) != FORM_NONE) return false;
  const op = load<u8>(desc, D_OP);
  const pair = (flags & F_PAIR) != 0;
  const exclusiveStore = op == OP_STORE && (flags & F_EXCLUSIVE) != 0;
  const rt = <u32>load<u8>(desc, D_RT);
  const rn = <u32>load<u8>(desc, D_BASE);
  const rt2: u32 = pair ? <u32>load<u8>(desc, D_RT2) : 0;
  const rs: u32 = exclusiveStore ? <u32>load<u8>(desc, D_RS) : 0;
  if ((op != OP_LOAD && op != OP_STORE) || load<u8>(desc, D_INDEX) != REG_NONE) return false;
  if (rt >= 15 || rn >= 15 || rt2 >= 15 || rs >= 15) return false;
  const size = <u32>load<u8>(desc, D_SIZE);
  const aux = size | (pair ? ORDERED_PAIR : 0) | ((flags & F_EXCLUSIVE) != 0 ? ORDERED_EXCLUSIVE : 0) | (rs << 8);
  put(entry, word, set, op == OP_LOAD ? A_ORDERED_LOAD : A_ORDERED_STORE, rt, rn, rt2, <u32>load<i64>(desc, D_DISP), aux, cond);
  return true;
}

@inline function reg(n: u32): u32 {
  return load<u32>(record + CPU_GPR + (n << 3));
}

@inline function setReg(n: u32, value: u32): void {
  store<u64>(record + CPU_GPR + (n << 3), <u64>value);
}

/** Whether `address` is aligned as a32LoadStore requires: to the size, to 8 for a pair. */
@inline function aligned(address: u32, aux: u32): bool {
  const alignment: u32 = (aux & ORDERED_PAIR) != 0 ? 8 : aux & 7;
  return (address & (alignment - 1)) == 0;
}

/**
 * A_ORDERED_LOAD: Rt (and Rt2) from [Rn + imm] once every access completed; an exclusive
 * one then sets the monitor (address and size, 8 for a pair) as a32LoadStore does.
 */
export function orderedLoad(rt: u32, rn: u32, rt2: u32, imm: u32, aux: u32, at: u64): u32 {
  const address = reg(rn) + imm;
  if (!aligned(address, aux)) return ORDERED_FULL_PATH;
  const pair = (aux & ORDERED_PAIR) != 0;
  const big = bigData();
  const first = readData(address, aux & 7, big, at);
  if (accessExit != EXIT_NONE) return ORDERED_EXIT;
  let second: u32 = 0;
  if (pair) {
    second = readData(address + 4, 4, big, at);
    if (accessExit != EXIT_NONE) return ORDERED_EXIT;
  }
  setReg(rt, first);
  if (pair) setReg(rt2, second);
  if ((aux & ORDERED_EXCLUSIVE) != 0) {
    store<u64>(record + CPU_RESERVE_ADDR, <u64>address);
    store<u32>(record + CPU_RESERVE_SIZE, pair ? 8 : aux & 7);
    store<u32>(record + CPU_RESERVE_VALID, 1);
  }
  return ORDERED_DONE;
}

/**
 * A_ORDERED_STORE: Rt (and Rt2) to [Rn + imm]; an exclusive one stores only while the
 * monitor holds this address and size, then clears it and sets Rs to 0 (stored) or 1.
 * After an access exit (the first word of a pair may be written) nothing else changes.
 */
export function orderedStore(rt: u32, rn: u32, rt2: u32, imm: u32, aux: u32, at: u64): u32 {
  const address = reg(rn) + imm;
  if (!aligned(address, aux)) return ORDERED_FULL_PATH;
  const pair = (aux & ORDERED_PAIR) != 0;
  const exclusive = (aux & ORDERED_EXCLUSIVE) != 0;
  const held = !exclusive || (load<u32>(record + CPU_RESERVE_VALID) != 0 && load<u64>(record + CPU_RESERVE_ADDR) == <u64>address
    && load<u32>(record + CPU_RESERVE_SIZE) == (pair ? 8 : aux & 7));
  if (held) {
    const big = bigData();
    writeData(address, aux & 7, reg(rt), big, at);
    if (accessExit != EXIT_NONE) return ORDERED_EXIT;
    if (pair) {
      writeData(address + 4, 4, reg(rt2), big, at);
      if (accessExit != EXIT_NONE) return ORDERED_EXIT;
    }
  }
  if (exclusive) {
    store<u32>(record + CPU_RESERVE_VALID, 0);
    setReg(aux >>> 8, held ? 0 : 1);
  }
  return ORDERED_DONE;
}
