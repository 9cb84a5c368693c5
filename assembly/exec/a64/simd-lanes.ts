// Lane access for the Advanced SIMD integer instructions: V registers live at CPU_VSR
// (16 bytes each, little-endian, lane i of an esize-byte element at byte i × esize).
// A result is built in two wasm globals (per instance, so per vCPU thread) and then
// written whole, so a destination may also be a source.
import { CPU_VSR } from "../../layout";
import { record } from "../../machine";

let resultLow: u64 = 0;
let resultHigh: u64 = 0;

@inline export function vAddress(reg: u32): usize {
  return record + CPU_VSR + (reg << 4);
}

@inline export function elementMask(bytes: u32): u64 {
  return bytes >= 8 ? 0xffff_ffff_ffff_ffff : (<u64>1 << <u64>(bytes << 3)) - 1;
}

/** Lane `index` of `bytes` bytes of V`reg`, zero- or sign-extended to 64 bits. */
export function lane(reg: u32, index: u32, bytes: u32, signed: bool): u64 {
  const at = vAddress(reg) + index * bytes;
  switch (bytes) {
    case 1: return signed ? <u64><i64>load<i8>(at) : <u64>load<u8>(at);
    case 2: return signed ? <u64><i64>load<i16>(at) : <u64>load<u16>(at);
    case 4: return signed ? <u64><i64>load<i32>(at) : <u64>load<u32>(at);
    default: return load<u64>(at);
  }
}

/** Starts a result as a copy of V`reg` (for instructions that keep lanes), or zero when reg is 32. */
export function resultFrom(reg: u32): void {
  if (reg >= 32) {
    resultLow = 0;
    resultHigh = 0;
    return;
  }
  resultLow = load<u64>(vAddress(reg));
  resultHigh = load<u64>(vAddress(reg), 8);
}

/** Sets lane `index` (of `bytes` bytes) of the result to the low bits of `value`. */
export function setLane(index: u32, bytes: u32, value: u64): void {
  const bit = (index * bytes) << 3;
  const mask = elementMask(bytes);
  if (bit < 64) {
    resultLow = (resultLow & ~(mask << <u64>bit)) | ((value & mask) << <u64>bit);
  } else {
    const high = <u64>(bit - 64);
    resultHigh = (resultHigh & ~(mask << high)) | ((value & mask) << high);
  }
}

/** Writes the result to V`reg`; with `full` false the upper 64 bits become zero. */
export function writeResult(reg: u32, full: bool): void {
  store<u64>(vAddress(reg), resultLow);
  store<u64>(vAddress(reg), full ? resultHigh : 0, 8);
}

/** Writes the two halves straight to V`reg` (logical operations). */
export function writeHalves(reg: u32, low: u64, high: u64, full: bool): void {
  store<u64>(vAddress(reg), low);
  store<u64>(vAddress(reg), full ? high : 0, 8);
}

// The fields of a shift-by-immediate encoding (C4.1.95 "Advanced SIMD shift by
// immediate"), set by decodeShiftImmediate for simd-arith.ts and simd-saturating.ts.
export let shiftQ = false;
export let shiftU = false;
export let shiftOpcode: u32 = 0;
export let shiftSize: u32 = 0;
export let shiftBytes: u32 = 0;
export let shiftBits: u32 = 0;
/** The right-shift amount immh:immb encodes (2 x element bits - field). */
export let shiftRightAmount: u32 = 0;
/** The left-shift amount it encodes (field - element bits). */
export let shiftLeftAmount: u32 = 0;

/** Decodes `word`'s shift-by-immediate fields into the shift* globals (a scalar form has no Q). Needs immh != 0. */
export function decodeShiftImmediate(word: u32, scalar: bool): void {
  const shiftField = (word >>> 16) & 127;
  shiftQ = (word & 0x4000_0000) != 0 && !scalar;
  shiftU = (word & 0x2000_0000) != 0;
  shiftOpcode = (word >>> 11) & 31;
  shiftSize = 31 - clz<u32>((word >>> 19) & 15);
  shiftBytes = 1 << shiftSize;
  shiftBits = shiftBytes << 3;
  shiftRightAmount = (shiftBits << 1) - shiftField;
  shiftLeftAmount = shiftField - shiftBits;
}
