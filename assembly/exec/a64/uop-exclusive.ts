// The A64 exclusive and ordered micro-ops: LDXR/LDAXR, STXR/STLXR, LDAR and STLR of one
// general register at [Xn|SP] (the pairs, LDAPR and the LSE atomics take the full path).
// Acquire and release need nothing more here: every access completes before the next
// instruction. They serve a TLB hit only (the lookup's size bits also require the
// natural alignment these forms fault without); anything else, and a misaligned SP,
// is MEM_GENERIC, so the full path (a64-loadstore.ts) runs the instruction from the
// start: its faults, devices and the monitor's rules stay in one place.
//
// Entry (uop-alu.ts's shape): 5 rt u8 · 6 base u8 · 7 M_SP_BASE or 0 u8 · 12 Ws (STXR, never 31) u32
import { CPU_GPR, CPU_RESERVE_ADDR, CPU_RESERVE_SIZE, CPU_RESERVE_VALID, TLB_E_READ, TLB_E_WRITE } from "../../layout";
import { xr, xw, E_RD, E_RN, E_RM, E_AUX } from "./uop-alu";
import { lookup, misalignedSp, order, loadHost, storeHost, MEM_DONE, MEM_GENERIC } from "./uop-memory";

export const U_LDXR8: u8 = 104; // + log2(size): LDXR, LDAXR
export const U_STXR8: u8 = 108; // STXR, STLXR
export const U_LDAR8: u8 = 112;
export const U_STLR8: u8 = 116;

const RESERVE_ADDR: usize = CPU_RESERVE_ADDR - CPU_GPR;
const RESERVE_SIZE: usize = CPU_RESERVE_SIZE - CPU_GPR;
const RESERVE_VALID: usize = CPU_RESERVE_VALID - CPU_GPR;

/** LDAR, and with `exclusive` LDXR/LDAXR (which then mark the monitor for `size` bytes there). */
@inline export function loadOrdered(regs: usize, entry: usize, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32, exclusive: bool): u32 {
  const ea = xr(regs, <u32>load<u8>(entry, E_RN));
  if (misalignedSp(<u32>load<u8>(entry, E_RM), ea)) return MEM_GENERIC;
  const host = lookup(base, mask, salt, tag, TLB_E_READ, ea, size);
  if (host == 0) return MEM_GENERIC;
  xw(regs, <u32>load<u8>(entry, E_RD), order(loadHost(host, size), size, bigEndian));
  if (exclusive) {
    store<u64>(regs + RESERVE_ADDR, ea);
    store<u32>(regs + RESERVE_SIZE, size);
    store<u32>(regs + RESERVE_VALID, 1);
  }
  return MEM_DONE;
}

/** STLR. */
@inline export function storeOrdered(regs: usize, entry: usize, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32): u32 {
  const ea = xr(regs, <u32>load<u8>(entry, E_RN));
  if (misalignedSp(<u32>load<u8>(entry, E_RM), ea)) return MEM_GENERIC;
  const host = lookup(base, mask, salt, tag, TLB_E_WRITE, ea, size);
  if (host == 0) return MEM_GENERIC;
  storeHost(host, size, order(xr(regs, <u32>load<u8>(entry, E_RD)), size, bigEndian));
  return MEM_DONE;
}

/**
 * STXR/STLXR: stores while the monitor holds this address and size, then clears it and
 * sets Ws to 0 on success, 1 otherwise. A misaligned address is the full path's to
 * fault on even when the monitor does not hold it.
 */
@inline export function storeExclusive(regs: usize, entry: usize, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32): u32 {
  const ea = xr(regs, <u32>load<u8>(entry, E_RN));
  if (misalignedSp(<u32>load<u8>(entry, E_RM), ea) || (ea & <u64>(size - 1)) != 0) return MEM_GENERIC;
  const held = load<u32>(regs + RESERVE_VALID) != 0 && load<u64>(regs + RESERVE_ADDR) == ea && load<u32>(regs + RESERVE_SIZE) == size;
  if (held) {
    const host = lookup(base, mask, salt, tag, TLB_E_WRITE, ea, size);
    if (host == 0) return MEM_GENERIC;
    storeHost(host, size, order(xr(regs, <u32>load<u8>(entry, E_RD)), size, bigEndian));
  }
  store<u32>(regs + RESERVE_VALID, 0);
  xw(regs, load<u32>(entry, E_AUX), held ? 0 : 1);
  return MEM_DONE;
}
