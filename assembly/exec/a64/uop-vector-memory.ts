// The A64 SIMD&FP register load/store micro-ops: LDR/STR/LDUR/STUR of S, D and Q
// registers (unsigned offset, unscaled, pre- and post-index, register offset) and LDP/STP/LDNP/STNP of
// them, as compilers emit them for struct copies, va_list saves and callee-saved
// d8-d15. Little-endian data and TLB hits only (a Q register's two halves each hit, or
// the pair's second register's); anything else, BE8 and a misaligned SP among it, is
// MEM_GENERIC, so the full path (a64-loadstore.ts floatingPoint) runs the instruction
// from the start. V n is 16 bytes at CPU_VSR + 16n, bits 63:0 first; a scalar load
// clears the bits above it.
//
// Entry (uop-memory.ts's shapes): 5 Vt u8 · 6 base u8 · 7 M_* flags u8, then
//   immediate forms: 8 offset before the access i16 · 10 added after it i16 · 12 Vt2 (pairs) u32
//   register offset: 8 rm u32 · 12 operand2's aux for the extended, shifted index
import { CPU_GPR, CPU_VSR, TLB_E_READ, TLB_E_WRITE } from "../../layout";
import { xr, operand2, E_RD, E_RN, E_RM, E_IMM, E_AUX } from "./uop-alu";
import { lookup, misalignedSp, writeBack, MEM_DONE, MEM_GENERIC, M_REGISTER } from "./uop-memory";

export const U_VLDR32: u8 = 120; // + log2(size / 4): S, D, Q
export const U_VSTR32: u8 = 123;
export const U_VLDP32: u8 = 126;
export const U_VSTP32: u8 = 129;

const VSR: usize = CPU_VSR - CPU_GPR;

/** The host address of `size` bytes at `va` (a Q register's as two doublewords), or 0. */
@inline function hostFor(base: usize, mask: u32, salt: u32, tag: u64, kind: u32, va: u64, size: u32): usize {
  if (size != 16) return lookup(base, mask, salt, tag, kind, va, size);
  const low = lookup(base, mask, salt, tag, kind, va, 8);
  return low != 0 && lookup(base, mask, salt, tag, kind, va + 8, 8) == low + 8 ? low : 0;
}

@inline function setV(regs: usize, n: u32, host: usize, size: u32): void {
  const v = regs + VSR + (<usize>n << 4);
  store<u64>(v, size == 4 ? <u64>load<u32>(host) : load<u64>(host));
  store<u64>(v, size == 16 ? load<u64>(host, 8) : 0, 8);
}

@inline function putV(regs: usize, n: u32, host: usize, size: u32): void {
  const v = regs + VSR + (<usize>n << 4);
  if (size == 4) store<u32>(host, load<u32>(v));
  else store<u64>(host, load<u64>(v));
  if (size == 16) store<u64>(host, load<u64>(v, 8), 8);
}

/** LDR/STR (and with `pair`, LDP/STP) of `size`-byte registers; `loading` picks the direction. */
@inline export function vectorOp(regs: usize, entry: usize, bigEndian: bool, base: usize, mask: u32, salt: u32, tag: u64, size: u32, pair: bool, loading: bool): u32 {
  if (bigEndian) return MEM_GENERIC;
  const flags = <u32>load<u8>(entry, E_RM);
  const n = <u32>load<u8>(entry, E_RN);
  const from = xr(regs, n);
  if (misalignedSp(flags, from)) return MEM_GENERIC;
  const ea = (flags & M_REGISTER) != 0
    ? from + operand2(xr(regs, load<u32>(entry, E_IMM)), load<u32>(entry, E_AUX))
    : from + <u64><i64>load<i16>(entry, E_IMM);
  const kind = loading ? TLB_E_READ : TLB_E_WRITE;
  const first = hostFor(base, mask, salt, tag, kind, ea, size);
  if (first == 0) return MEM_GENERIC;
  let second: usize = 0;
  if (pair) {
    second = hostFor(base, mask, salt, tag, kind, ea + size, size);
    if (second == 0) return MEM_GENERIC;
  }
  const t = <u32>load<u8>(entry, E_RD);
  if (loading) {
    setV(regs, t, first, size);
    if (pair) setV(regs, load<u32>(entry, E_AUX), second, size);
  } else {
    putV(regs, t, first, size);
    if (pair) putV(regs, load<u32>(entry, E_AUX), second, size);
  }
  writeBack(regs, entry, flags, n, ea);
  return MEM_DONE;
}
