// Descriptor writers shared by the A32 and T32 decoders.
//
// Conventions (A32 and T32):
//   - D_COND holds the condition (0..13, 14 = always, 15 = unconditional space).
//   - Immediate offsets are stored signed in D_DISP (offset, pre-index) or D_POST_DISP
//     (post-index); F_SUBTRACT is set when U = 0: for a register offset it means the
//     index is subtracted, for an immediate it only records the sign (so #-0 survives).
//   - Literal (PC-relative) forms: base 15 and F_PC_RELATIVE; the executor aligns PC.
//   - LDM/STM/VLDM/VSTM: F_MULTIPLE, D_COUNT registers (D_REG_LIST for core registers,
//     D_RT the first of consecutive S/D registers), D_SIZE the element size;
//     D_DISP = offset of the lowest address from the base, D_POST_DISP = the base's
//     change under writeback (F_WRITEBACK), F_SUBTRACT for the decrementing modes.
//   - LDRD/STRD/LDREXD: F_PAIR with rt2 (count 2, size 4).

import {
  D_KIND, D_OP, D_SIZE, D_COUNT, D_FLAGS, D_RT, D_BASE, D_INDEX, D_SHIFT_TYPE, D_SHIFT_AMOUNT,
  D_LENGTH, D_DISP, D_POST_DISP, D_REG_LIST, D_MNEMONIC, D_COND, D_RS, F_WRITEBACK, F_POST_INDEX, F_SUBTRACT,
  F_PC_RELATIVE, SHIFT_NONE, SHIFT_LSL, SHIFT_LSR, SHIFT_ASR, SHIFT_ROR, SHIFT_RRX, REG_NONE,
} from "./descriptor";

/** The empty descriptor (five stores, no memory.fill call): zeros, registers REG_NONE, length, cond. */
@inline export function armBegin(out: usize, length: u32, cond: u32): void {
  store<u64>(out, 0);
  store<u64>(out + D_RT, 0x00000000_ffffffff | (<u64>length << 56)); // rt rt2 base index = 0xff; byte 15 = length
  store<u64>(out + D_DISP, 0);
  store<u64>(out + D_POST_DISP, 0);
  store<u64>(out + D_REG_LIST, <u64>cond << 56); // reg list, mnemonic, atomic 0; byte 39 = cond
  store<u64>(out + D_RS, <u64>REG_NONE);
}

@inline export function armFinish(out: usize, kind: u32): u32 {
  store<u8>(out + D_KIND, <u8>kind);
  return kind;
}

@inline export function armAccess(out: usize, op: u8, size: u32, flags: u32, rt: u32, base: u32, mnemonic: u32): void {
  // kind (0, set by armFinish), op, size, count 1, flags: one store (D_OP = 1, D_SIZE = 2, D_COUNT = 3, D_FLAGS = 4)
  const all = flags | (base == 15 ? F_PC_RELATIVE : 0);
  store<u64>(out, (<u64>op << 8) | (<u64>(size & 0xff) << 16) | (1 << 24) | (<u64>all << 32));
  store<u8>(out + D_RT, <u8>rt);
  store<u8>(out + D_BASE, <u8>base);
  store<u16>(out + D_MNEMONIC, <u16>mnemonic);
}

@inline export function armMnemonic(out: usize, mnemonic: u32): void {
  store<u16>(out + D_MNEMONIC, <u16>mnemonic);
}

@inline export function addFlags(out: usize, flags: u32): void {
  store<u32>(out + D_FLAGS, load<u32>(out + D_FLAGS) | flags);
}

/** Immediate addressing: index (P), add (U), wback (W); returns F_WRITEBACK when it writes back. */
@inline export function armImmediate(out: usize, index: bool, add: bool, wback: bool, imm: u32): u32 {
  // Branch-free: the mix of forms is unpredictable.
  const value = select<i64>(<i64>imm, -<i64>imm, add);
  store<i64>(out + D_DISP, select<i64>(value, 0, index));
  store<i64>(out + D_POST_DISP, select<i64>(0, value, index));
  const flags = select<u32>(0, F_SUBTRACT, add) | select<u32>(select<u32>(F_WRITEBACK, 0, wback), F_WRITEBACK | F_POST_INDEX, index);
  addFlags(out, flags);
  return flags & F_WRITEBACK;
}

/** Register addressing with an optional immediate shift (type as in the encoding, imm5). */
@inline export function armRegister(out: usize, index: bool, add: bool, wback: bool, rm: u32, type: u32, imm5: u32): u32 {
  let flags: u32 = add ? 0 : F_SUBTRACT;
  if (!index) flags |= F_WRITEBACK | F_POST_INDEX;
  else if (wback) flags |= F_WRITEBACK;
  store<u8>(out + D_INDEX, <u8>rm);
  let shift = SHIFT_NONE;
  let amount = imm5;
  if (type == 0) shift = imm5 == 0 ? SHIFT_NONE : SHIFT_LSL;
  else if (type == 1) { shift = SHIFT_LSR; if (imm5 == 0) amount = 32; }
  else if (type == 2) { shift = SHIFT_ASR; if (imm5 == 0) amount = 32; }
  else if (imm5 == 0) { shift = SHIFT_RRX; amount = 1; }
  else shift = SHIFT_ROR;
  store<u8>(out + D_SHIFT_TYPE, shift);
  store<u8>(out + D_SHIFT_AMOUNT, <u8>amount);
  addFlags(out, flags);
  return flags & F_WRITEBACK;
}

/** LDM/STM-style block: count registers of 4 bytes; increment (U) / before (P). */
export function armBlock(out: usize, increment: bool, before: bool, wback: bool, bytes: u32): void {
  let lowest: i64 = 0;
  if (increment) lowest = before ? 4 : 0;
  else lowest = before ? -<i64>bytes : -<i64>bytes + 4;
  store<i64>(out + D_DISP, lowest);
  let flags: u32 = increment ? 0 : F_SUBTRACT;
  if (wback) {
    flags |= F_WRITEBACK;
    store<i64>(out + D_POST_DISP, increment ? <i64>bytes : -<i64>bytes);
  }
  addFlags(out, flags);
}

@inline export function popcount16(list: u32): u32 {
  return <u32>popcnt<u32>(list & 0xffff);
}
