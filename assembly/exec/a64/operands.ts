// Operand helpers shared by the A64 integer classes: widths, shifts, rotations,
// the logical flags, and the undefined-encoding result.
import { CPU_NZCV } from "../../layout";
import { record } from "../../machine";

/** An encoding the architecture leaves unallocated (or reserves) in an implemented class. */
export const ALU_UNDEFINED: u32 = 0xfffc;

@inline export function widthMask(wide: bool): u64 {
  return wide ? 0xffff_ffff_ffff_ffff : 0xffff_ffff;
}

/** ROR(value, amount) within the operation's width; `value` has no bits above it. */
@inline export function rotateRight(value: u64, amount: u32, wide: bool): u64 {
  if (wide) return rotr<u64>(value, <u64>amount);
  return <u64>rotr<u32>(<u32>value, amount);
}

/** ShiftReg: LSL (0), LSR (1), ASR (2) or ROR (3) by `amount` (below the width). */
export function shiftReg(value: u64, type: u32, amount: u32, wide: bool): u64 {
  const mask = widthMask(wide);
  const v = value & mask;
  switch (type) {
    case 0: return (v << <u64>amount) & mask;
    case 1: return v >> <u64>amount;
    case 2: return wide ? <u64>(<i64>v >> <i64>amount) : <u64>(<i64><i32><u32>v >> <i64>amount) & mask;
    default: return rotateRight(v, amount, wide);
  }
}

/** NZCV after a logical operation: N and Z from the result, C and V clear. */
@inline export function setLogicFlags(result: u64, wide: bool): void {
  const n = wide ? <u32>(result >> 63) : <u32>(result >> 31) & 1;
  store<u32>(record + CPU_NZCV, (n << 31) | (result == 0 ? 1 << 30 : 0));
}

/** Sign-extends the low `bits` bits of `value` to 64. */
@inline export function signExtend(value: u64, bits: u32): u64 {
  const shift = <u64>(64 - bits);
  return <u64>(<i64>(value << shift) >> <i64>shift);
}
