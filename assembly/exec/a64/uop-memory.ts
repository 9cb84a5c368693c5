// The A64 load/store micro-ops: integer LDR/STR (unsigned offset, unscaled, pre- and
// post-index, register offset) and LDP/STP, each inlined into the run loop's switch
// with its size known. A TLB hit is served here; anything else goes through
// guest-memory.ts's readMissed/writeMissed with the instruction's pc (they write it to the
// record before a device can see it), and the run loop treats it as a block end. But a
// page's direct mark (a scratch device holding the page) is a hit whose access is
// counted, and a built-in scratch device behind the page's MMIO mark is served here, its
// registers as RAM (the access counted): the block goes on (nothing the run loop holds
// can change); another device behind the mark (current hints) is called through
// markedDeviceRead/markedDeviceWrite, and the block goes on while the TLB is still in
// sync (mapKept: no slot table change, no invalidation posted), as a compiled loop's does.
//
// Entry (uop-alu.ts's shape): 5 rt u8 · 6 rn u8 · 7 M_* flags u8, then
//   immediate forms: 8 offset before the access i16 · 10 added after it (writeback) i16 · 12 rt2 u8 (pairs)
//   register offset: 8 rm u32 · 12 operand2's aux (uop-alu.ts) for the extended, shifted index
import { EXIT_NONE } from "../../exits";
import { TLB_ENTRY_SIZE, TLB_E_READ, TLB_E_WRITE, TLB_E_ADDEND, TLB_MMIO, TLB_DIRECT_MARK, PAGE_SIZE } from "../../layout";
import { readMissed, writeMissed, markedScratch, markedDeviceRead, markedDeviceWrite, mapKept, accessExit, countDirect } from "../guest-memory";
import { deviceHintsCurrent } from "../../mmu/tlb";
import { xr, xw, operand2, E_RD, E_RN, E_RM, E_IMM, E_AUX } from "./uop-alu";

export const U_LDR8: u8 = 62; // zero-extending
export const U_LDR16: u8 = 63;
export const U_LDR32: u8 = 64;
export const U_LDR64: u8 = 65;
export const U_LDRSB_X: u8 = 66;
export const U_LDRSH_X: u8 = 67;
export const U_LDRSW: u8 = 68;
export const U_LDRSB_W: u8 = 69;
export const U_LDRSH_W: u8 = 70;
export const U_STR8: u8 = 71;
export const U_STR16: u8 = 72;
export const U_STR32: u8 = 73;
export const U_STR64: u8 = 74;
export const U_LDP32: u8 = 75;
export const U_LDP64: u8 = 76;
export const U_LDPSW: u8 = 77;
export const U_STP32: u8 = 78;
export const U_STP64: u8 = 79;
/** U_LDR8..U_STR64 + PLAIN: the same with a register base (not SP) plus an immediate, no writeback (no flags to test). */
export const PLAIN: u8 = 18;

export const M_WRITEBACK: u8 = 1;
export const M_REGISTER: u8 = 2;
/** SP is the base: a misaligned SP takes the full path (its SCTLR_EL1.SA check). */
export const M_SP_BASE: u8 = 4;

/** What a memory micro-op did. */
export const MEM_DONE: u32 = 0; //    through the TLB, or a scratch device in place
export const MEM_SLOW: u32 = 1; //    completed another way: a block end
export const MEM_GENERIC: u32 = 2; // not run: the full path runs it
export const MEM_EXIT: u32 = 3; //    not completed: accessExit says why

@inline export function loadHost(host: usize, size: u32): u64 {
  return size == 8 ? load<u64>(host) : size == 4 ? <u64>load<u32>(host) : size == 2 ? <u64>load<u16>(host) : <u64>load<u8>(host);
}

@inline export function storeHost(host: usize, size: u32, value: u64): void {
  if (size == 8) store<u64>(host, value);
  else if (size == 4) store<u32>(host, <u32>value);
  else if (size == 2) store<u16>(host, <u16>value);
  else store<u8>(host, <u8>value);
}

@inline export function order(value: u64, size: u32, bigEndian: bool): u64 {
  if (!bigEndian) return value;
  return size == 8 ? bswap<u64>(value) : size == 4 ? <u64>bswap<u32>(<u32>value) : size == 2 ? <u64>bswap<u16>(<u16>value) : value;
}

/** The loaded value extended: `signBits` 0 zero-extends, else sign-extends from that many bits (to 32 when `toW`). */
@inline function extended(value: u64, signBits: u32, toW: bool): u64 {
  if (signBits == 0) return value;
  const s = <u64>(<i64>(value << <u64>(64 - signBits)) >> <i64>(64 - signBits));
  return toW ? s & 0xffff_ffff : s;
}

/**
 * mmu/tlb.ts entryFor over the data half of the TLB as the run loop holds it in locals
 * (`base`, `mask`: its entries - 1, the context's `salt`, read at each block start: the
 * context changes only on the full path or in a device, both block ends).
 */
@inline function tlbEntry(base: usize, mask: u32, salt: u32, va: u64): usize {
  return base + ((<u32>(va >> 12) ^ salt) & mask) * TLB_ENTRY_SIZE;
}

/**
 * The tag a hit of a `size`-byte access at `va` finds (tlbLookup's, the context's `tag`
 * as the run loop holds it). The entry's tag is read once and compared with it: equal,
 * RAM; with TLB_DIRECT_MARK, a scratch device's bytes through the same addend (counted);
 * with TLB_MMIO, the mark whose hint names the device; anything else, readMissed/writeMissed.
 */
@inline function hitTag(va: u64, size: u32, tag: u64): u64 {
  return (va & (~(<u64>PAGE_SIZE - 1) | (<u64>size - 1))) | tag;
}

/** tlbLookup's hit path in the run loop's locals: the host address of `size` RAM bytes at `va`, or 0. */
@inline export function lookup(base: usize, mask: u32, salt: u32, tag: u64, kind: u32, va: u64, size: u32): usize {
  const slot = tlbEntry(base, mask, salt, va);
  if (load<u64>(slot + kind) == hitTag(va, size, tag)) return <usize>(va + load<u64>(slot, TLB_E_ADDEND));
  return 0;
}

/** The access's address: base + the extended, shifted index, or base + the offset before the access. */
@inline function address(regs: usize, entry: usize, flags: u32, base: u64): u64 {
  if ((flags & M_REGISTER) != 0) return base + operand2(xr(regs, load<u32>(entry, E_IMM)), load<u32>(entry, E_AUX));
  return base + <u64><i64>load<i16>(entry, E_IMM);
}

@inline export function writeBack(regs: usize, entry: usize, flags: u32, n: u32, address: u64): void {
  if ((flags & M_WRITEBACK) != 0) xw(regs, n, address + <u64><i64>load<i16>(entry, E_IMM + 2));
}

@inline export function misalignedSp(flags: u32, base: u64): bool {
  return (flags & M_SP_BASE) != 0 && (base & 15) != 0;
}

@inline export function loadOp(regs: usize, entry: usize, at: u64, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32, signBits: u32, toW: bool, plain: bool): u32 {
  const flags = plain ? 0 : <u32>load<u8>(entry, E_RM);
  const n = <u32>load<u8>(entry, E_RN);
  const from = xr(regs, n);
  if (misalignedSp(flags, from)) return MEM_GENERIC;
  const ea = address(regs, entry, flags, from);
  const slot = tlbEntry(base, mask, salt, ea);
  const hit = hitTag(ea, size, tag);
  const found = load<u64>(slot, TLB_E_READ);
  let value: u64;
  let done = MEM_DONE;
  if (found == hit) {
    value = order(loadHost(<usize>(ea + load<u64>(slot, TLB_E_ADDEND)), size), size, bigEndian);
  } else if (found == (hit | TLB_DIRECT_MARK)) {
    value = order(loadHost(<usize>(ea + load<u64>(slot, TLB_E_ADDEND)), size), size, bigEndian);
    countDirect(ea);
  } else {
    const marked = found == (hit | TLB_MMIO) ? slot : 0;
    const scratch = marked != 0 ? markedScratch(marked, ea, size) : 0;
    if (scratch != 0) {
      value = order(loadHost(scratch, size), size, bigEndian);
    } else if (marked != 0 && deviceHintsCurrent()) {
      value = markedDeviceRead(marked, ea, size, bigEndian, at);
      if (accessExit != EXIT_NONE) return MEM_EXIT;
      if (!mapKept) done = MEM_SLOW;
    } else {
      value = readMissed(ea, size, bigEndian, at);
      if (accessExit != EXIT_NONE) return MEM_EXIT;
      done = MEM_SLOW;
    }
  }
  xw(regs, <u32>load<u8>(entry, E_RD), extended(value, signBits, toW));
  writeBack(regs, entry, flags, n, ea);
  return done;
}

@inline export function storeOp(regs: usize, entry: usize, at: u64, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32, plain: bool): u32 {
  const flags = plain ? 0 : <u32>load<u8>(entry, E_RM);
  const n = <u32>load<u8>(entry, E_RN);
  const from = xr(regs, n);
  if (misalignedSp(flags, from)) return MEM_GENERIC;
  const ea = address(regs, entry, flags, from);
  const value = xr(regs, <u32>load<u8>(entry, E_RD));
  const slot = tlbEntry(base, mask, salt, ea);
  const hit = hitTag(ea, size, tag);
  const found = load<u64>(slot, TLB_E_WRITE);
  let done = MEM_DONE;
  if (found == hit) {
    storeHost(<usize>(ea + load<u64>(slot, TLB_E_ADDEND)), size, order(value, size, bigEndian));
  } else if (found == (hit | TLB_DIRECT_MARK)) {
    storeHost(<usize>(ea + load<u64>(slot, TLB_E_ADDEND)), size, order(value, size, bigEndian));
    countDirect(ea);
  } else {
    const marked = found == (hit | TLB_MMIO) ? slot : 0;
    const scratch = marked != 0 ? markedScratch(marked, ea, size) : 0;
    if (scratch != 0) {
      storeHost(scratch, size, order(value, size, bigEndian));
    } else if (marked != 0 && deviceHintsCurrent()) {
      markedDeviceWrite(marked, ea, size, value, bigEndian, at);
      if (accessExit != EXIT_NONE) return MEM_EXIT;
      if (!mapKept) done = MEM_SLOW;
    } else {
      writeMissed(ea, size, value, bigEndian, at);
      if (accessExit != EXIT_NONE) return MEM_EXIT;
      done = MEM_SLOW;
    }
  }
  writeBack(regs, entry, flags, n, ea);
  return done;
}

/** LDP/LDPSW: both reads before either register is written. */
@inline export function loadPairOp(regs: usize, entry: usize, at: u64, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32, signBits: u32): u32 {
  const flags = <u32>load<u8>(entry, E_RM);
  const n = <u32>load<u8>(entry, E_RN);
  const from = xr(regs, n);
  if (misalignedSp(flags, from)) return MEM_GENERIC;
  const ea = address(regs, entry, flags, from);
  const first = lookup(base, mask, salt, tag, TLB_E_READ, ea, size);
  const second = lookup(base, mask, salt, tag, TLB_E_READ, ea + size, size);
  let a: u64, b: u64;
  let done = MEM_DONE;
  if (first != 0 && second != 0) {
    a = order(loadHost(first, size), size, bigEndian);
    b = order(loadHost(second, size), size, bigEndian);
  } else {
    a = readMissed(ea, size, bigEndian, at);
    if (accessExit != EXIT_NONE) return MEM_EXIT;
    b = readMissed(ea + size, size, bigEndian, at);
    if (accessExit != EXIT_NONE) return MEM_EXIT;
    done = MEM_SLOW;
  }
  xw(regs, <u32>load<u8>(entry, E_RD), extended(a, signBits, false));
  xw(regs, <u32>load<u8>(entry, E_AUX), extended(b, signBits, false));
  writeBack(regs, entry, flags, n, ea);
  return done;
}

/** STP: the first store, then the second (a fault in the second leaves the first done, as the full path). */
@inline export function storePairOp(regs: usize, entry: usize, at: u64, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32): u32 {
  const flags = <u32>load<u8>(entry, E_RM);
  const n = <u32>load<u8>(entry, E_RN);
  const from = xr(regs, n);
  if (misalignedSp(flags, from)) return MEM_GENERIC;
  const ea = address(regs, entry, flags, from);
  const a = xr(regs, <u32>load<u8>(entry, E_RD));
  const b = xr(regs, <u32>load<u8>(entry, E_AUX));
  const first = lookup(base, mask, salt, tag, TLB_E_WRITE, ea, size);
  const second = lookup(base, mask, salt, tag, TLB_E_WRITE, ea + size, size);
  let done = MEM_DONE;
  if (first != 0 && second != 0) {
    storeHost(first, size, order(a, size, bigEndian));
    storeHost(second, size, order(b, size, bigEndian));
  } else {
    writeMissed(ea, size, a, bigEndian, at);
    if (accessExit != EXIT_NONE) return MEM_EXIT;
    writeMissed(ea + size, size, b, bigEndian, at);
    if (accessExit != EXIT_NONE) return MEM_EXIT;
    done = MEM_SLOW;
  }
  writeBack(regs, entry, flags, n, ea);
  return done;
}
