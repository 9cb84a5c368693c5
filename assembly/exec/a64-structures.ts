// Executes the A64 SIMD structure loads/stores: LD1-LD4/ST1-ST4 (multiple structures),
// LD1-LD4/ST1-ST4 to one lane (single structure) and LD1R-LD4R, as the Arm ARM's
// "AArch64.SIMD load/store multiple structures" and "single structure" pseudocode says.
// The descriptor gives the registers (D_COUNT of them from D_RT, numbers wrapping
// modulo 32) and the caller the address; the element shape (Q, size, opcode, S) comes
// from the word's fields, decoded as the pseudocode decodes them.
//
// Every element is its own access of its size, in the pseudocode's order, through
// readValue/writeValue (TLB, MMIO, faults; BE8 reverses the bytes of each element).
// Loads assemble the new register values in a scratch area and write the V registers
// only once every access completed, so an exit changes no register and the instruction
// can run again; a store that exits part-way keeps the elements before it written, as
// STP and STM do.
import { CPU_VSR } from "../layout";
import { EXIT_NONE } from "../exits";
import { D_OP, D_COUNT, D_RT, OP_LOAD } from "../decode/descriptor";
import { record } from "../machine";
import { readValue, writeValue, accessExit, bigData } from "./guest-memory";

/** Scratch for up to four 16-byte registers: PowerPC's VSR 32-63, which A64 does not use. */
const SCRATCH: u32 = CPU_VSR + 512;

@inline function vRegister(n: u32): usize {
  return record + CPU_VSR + ((n & 31) << 4);
}

@inline function scratchRegister(slot: u32): usize {
  return record + SCRATCH + (slot << 4);
}

/** Element `e` of `bytes` bytes of the 128-bit register at `at` (little-endian). */
@inline function element(at: usize, e: u32, bytes: u32): u64 {
  const p = at + e * bytes;
  return bytes == 8 ? load<u64>(p) : bytes == 4 ? <u64>load<u32>(p) : bytes == 2 ? <u64>load<u16>(p) : <u64>load<u8>(p);
}

@inline function setElement(at: usize, e: u32, bytes: u32, value: u64): void {
  const p = at + e * bytes;
  if (bytes == 8) store<u64>(p, value);
  else if (bytes == 4) store<u32>(p, <u32>value);
  else if (bytes == 2) store<u16>(p, <u16>value);
  else store<u8>(p, <u8>value);
}

/** Copies scratch slots 0..count-1 to V first.. (mod 32); a 64-bit arrangement (`wide` false) zeroes bits 127:64. */
function commit(first: u32, count: u32, wide: bool): void {
  for (let slot: u32 = 0; slot < count; slot++) {
    const from = scratchRegister(slot);
    const to = vRegister(first + slot);
    store<u64>(to, load<u64>(from));
    store<u64>(to, wide ? load<u64>(from, 8) : 0, 8);
  }
}

/** Executes the structure load/store `word` (decoded into `desc`) at `address`: EXIT_NONE or the access's exit. */
export function a64Structure(desc: usize, word: u32, address: u64): u32 {
  const isLoad = load<u8>(desc, D_OP) == OP_LOAD;
  const first = <u32>load<u8>(desc, D_RT);
  const count = <u32>load<u8>(desc, D_COUNT);
  const wide = (word & 0x4000_0000) != 0; // Q: 128-bit arrangement
  const size = (word >>> 10) & 3;
  if ((word & 0x0100_0000) == 0) return multiple(isLoad, first, count, wide, size, (word >>> 12) & 15, address);
  const scale = (word >>> 14) & 3;
  if (scale == 3) return replicate(first, count, wide, 1 << size, address);
  const s = (word >>> 12) & 1;
  const q: u32 = wide ? 1 : 0;
  let bytes: u32 = 1 << scale;
  let lane: u32;
  if (scale == 0) lane = (q << 3) | (s << 2) | size;
  else if (scale == 1) lane = (q << 2) | (s << 1) | (size >>> 1);
  else if ((size & 1) == 0) lane = (q << 1) | s;
  else { bytes = 8; lane = q; }
  return oneLane(isLoad, first, count, bytes, lane, address);
}

/** LD1-LD4/ST1-ST4 (multiple structures): `selem` registers interleaved, `count / selem` times. */
function multiple(isLoad: bool, first: u32, count: u32, wide: bool, size: u32, opcode: u32, address: u64): u32 {
  const selem: u32 = opcode == 0 ? 4 : opcode == 4 ? 3 : opcode == 8 ? 2 : 1;
  const bytes: u32 = 1 << size;
  const elements: u32 = (wide ? 16 : 8) >>> size;
  const big = bigData();
  let at = address;
  for (let r: u32 = 0; r < count; r += selem) {
    for (let e: u32 = 0; e < elements; e++) {
      for (let s: u32 = 0; s < selem; s++) {
        const slot = r + s;
        if (isLoad) {
          const value = readValue(at, bytes, big);
          if (accessExit != EXIT_NONE) return accessExit;
          setElement(scratchRegister(slot), e, bytes, value);
        } else {
          writeValue(at, bytes, element(vRegister(first + slot), e, bytes), big);
          if (accessExit != EXIT_NONE) return accessExit;
        }
        at += bytes;
      }
    }
  }
  if (isLoad) commit(first, count, wide);
  return EXIT_NONE;
}

/** LD1-LD4/ST1-ST4 to lane `lane` of `count` registers; a load keeps the other lanes. */
function oneLane(isLoad: bool, first: u32, count: u32, bytes: u32, lane: u32, address: u64): u32 {
  const big = bigData();
  for (let slot: u32 = 0; slot < count; slot++) {
    const at = address + <u64>(slot * bytes);
    if (isLoad) {
      const value = readValue(at, bytes, big);
      if (accessExit != EXIT_NONE) return accessExit;
      const to = scratchRegister(slot);
      const from = vRegister(first + slot);
      store<u64>(to, load<u64>(from));
      store<u64>(to, load<u64>(from, 8), 8);
      setElement(to, lane, bytes, value);
    } else {
      writeValue(at, bytes, element(vRegister(first + slot), lane, bytes), big);
      if (accessExit != EXIT_NONE) return accessExit;
    }
  }
  if (isLoad) commit(first, count, true);
  return EXIT_NONE;
}

/** LD1R-LD4R: each of `count` elements fills every lane of its register. */
function replicate(first: u32, count: u32, wide: bool, bytes: u32, address: u64): u32 {
  const big = bigData();
  const spread: u64 = bytes == 1 ? 0x0101_0101_0101_0101 : bytes == 2 ? 0x0001_0001_0001_0001 : bytes == 4 ? 0x0000_0001_0000_0001 : 1;
  for (let slot: u32 = 0; slot < count; slot++) {
    const value = readValue(address + <u64>(slot * bytes), bytes, big);
    if (accessExit != EXIT_NONE) return accessExit;
    const to = scratchRegister(slot);
    store<u64>(to, value * spread);
    store<u64>(to, value * spread, 8);
  }
  commit(first, count, wide);
  return EXIT_NONE;
}
