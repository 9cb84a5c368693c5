// What the PowerPC fixed-point executors share: instruction fields, GPR writes at the
// implementation's width, the CR fields and XER's SO/OV/OV32/CA/CA32.
//
// Widths: ppc64be/ppc64le are 64-bit implementations running in 64-bit mode; ppc32be
// is a 32-bit implementation that predates ISA 3.0 (like QEMU's 7457): its registers
// are 32 bits wide, CA/OV/CR0 come from the low word, and its XER has no OV32/CA32.
import { CPU_XER } from "../../layout";
import { gpr, setGpr, cpu, setCpu, cr, setCr, is64 } from "../../cpu/regs";

export const XER_SO: u64 = 0x8000_0000;
export const XER_OV: u64 = 0x4000_0000;
export const XER_CA: u64 = 0x2000_0000;
export const XER_OV32: u64 = 0x8_0000;
export const XER_CA32: u64 = 0x4_0000;

/** ALU answers besides ALU_DONE and ALU_NOT_MINE: a word no implementation of this width defines. */
export const ALU_UNDEFINED: u32 = 0xfffd;

@inline export function field(word: u32, shift: u32, bits: u32): u32 {
  return (word >>> shift) & ((1 << bits) - 1);
}

/** A GPR write; a 32-bit implementation keeps 32 bits. */
@inline export function writeGpr(n: u32, value: u64): void {
  setGpr(n, is64() ? value : value & 0xffff_ffff);
}

/** (RA|0): register RA, or 0 when RA is r0. */
@inline export function gprOrZero(n: u32): u64 {
  return n == 0 ? 0 : gpr(n);
}

@inline export function signExtend32(value: u64): u64 {
  return <u64><i64><i32>value;
}

/** Mask with ISA bits b..e set (bit 0 = most significant), wrapping when b > e. */
@inline export function mask64(b: u32, e: u32): u64 {
  const high: u64 = <u64>0xffff_ffff_ffff_ffff >> <u64>b;
  const low: u64 = <u64>0xffff_ffff_ffff_ffff << <u64>(63 - e);
  return b <= e ? high & low : high | low;
}

@inline function soBit(): u32 {
  return (cpu(CPU_XER) & XER_SO) != 0 ? 1 : 0;
}

/** The LT/GT/EQ/SO nibble of a signed compare, SO copied from XER. */
@inline export function compareNibble(a: i64, b: i64): u32 {
  const order: u32 = a < b ? 8 : a > b ? 4 : 2;
  return order | soBit();
}

@inline export function compareNibbleUnsigned(a: u64, b: u64): u32 {
  const order: u32 = a < b ? 8 : a > b ? 4 : 2;
  return order | soBit();
}

/** CR field `bf` (0 = CR0, the most significant nibble) ← nibble. */
@inline export function setCrField(bf: u32, nibble: u32): void {
  const shift = 28 - (bf << 2);
  setCr((cr() & ~(0xf << shift)) | (nibble << shift));
}

@inline export function crField(bf: u32): u32 {
  return (cr() >>> (28 - (bf << 2))) & 0xf;
}

/** CR bit `bi` (ISA numbering: 0 is CR0's LT). */
@inline export function crBit(bi: u32): u32 {
  return (cr() >>> (31 - bi)) & 1;
}

/** Rc=1: CR0 from the result, compared as the mode's width (after XER's SO is final). */
@inline export function recordCr0(value: u64): void {
  setCrField(0, compareNibble(is64() ? <i64>value : <i64><i32>value, 0));
}

/**
 * CA (and CA32 on a 64-bit implementation) from the carries of a + b (+ carry in) = r:
 * the carry out of the register's top bit, and out of the low word.
 */
export function setCarry(a: u64, b: u64, r: u64): void {
  const carries = (a & b) | ((a | b) & ~r);
  setCarryBits(is64() ? carries >> 63 : (carries >> 31) & 1, (carries >> 31) & 1);
}

/** CA ← ca, and CA32 ← ca32 on a 64-bit implementation. */
export function setCarryBits(ca: u64, ca32: u64): void {
  let xer = cpu(CPU_XER) & ~(XER_CA | XER_CA32);
  if (ca != 0) xer |= XER_CA;
  if (ca32 != 0 && is64()) xer |= XER_CA32;
  setCpu(CPU_XER, xer);
}

/** OE=1: OV (and OV32) from the signed overflow of a + b (+ carry in) = r; SO is sticky. */
export function setOverflowAdd(a: u64, b: u64, r: u64): void {
  const overflows = (a ^ r) & (b ^ r);
  setOverflowBits(is64() ? overflows >> 63 : (overflows >> 31) & 1, (overflows >> 31) & 1);
}

/** OE=1: OV ← ov, OV32 ← ov32 (64-bit implementations), SO |= ov. */
export function setOverflowBits(ov: u64, ov32: u64): void {
  let xer = cpu(CPU_XER) & ~(XER_OV | XER_OV32);
  if (ov != 0) xer |= XER_OV | XER_SO;
  if (ov32 != 0 && is64()) xer |= XER_OV32;
  setCpu(CPU_XER, xer);
}

@inline export function carryIn(): u64 {
  return (cpu(CPU_XER) & XER_CA) != 0 ? 1 : 0;
}
