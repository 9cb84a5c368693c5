// Executes the A64 SIMD structure loads/stores: LD1-LD4/ST1-ST4 (multiple structures),
// LD1-LD4/ST1-ST4 to one lane (single structure) and LD1R-LD4R, as the Arm ARM's
// "AArch64.SIMD load/store multiple structures" and "single structure" pseudocode says.
// The descriptor gives the registers (D_COUNT of them from D_RT, numbers wrapping
// modulo 32) and the caller the address; the element shape (Q, size, opcode, S) comes
// from the word's fields, decoded as the pseudocode decodes them.
//
// Every element is its own access of its size, in the pseudocode's order, through
// readValue/writeValue (TLB, MMIO, faults; BE8 reverses the bytes of each element);
// when the whole transfer lies in one page the TLB holds as RAM for this access, the
// elements are read or written there directly (the same result, without a lookup each).
// Loads assemble the new register values in a scratch area and write the V registers
// only once every access completed, so an exit changes no register and the instruction
// can run again; a store that exits part-way keeps the elements before it written, as
// STP and STM do.
import { CPU_VSR, PAGE_SIZE } from "../layout";
import { EXIT_NONE } from "../exits";
import { D_OP, D_SIZE, D_COUNT, D_RT, OP_LOAD } from "../decode/descriptor";
import { record } from "../machine";
import { tlbTranslate, TLB_READ, TLB_WRITE } from "../mmu/tlb";
import { readValue, writeValue, accessExit, bigData, swap } from "./guest-memory";

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

/** The element of `bytes` bytes at `address + offset`: from host memory at `direct + offset` when `direct` is not 0. */
@inline function readAt(direct: usize, address: u64, offset: u32, bytes: u32, big: bool): u64 {
  if (direct == 0) return readValue(address + offset, bytes, big);
  const raw = element(direct + offset, 0, bytes);
  return big ? swap(raw, bytes) : raw;
}

@inline function writeAt(direct: usize, address: u64, offset: u32, bytes: u32, value: u64, big: bool): void {
  if (direct == 0) writeValue(address + offset, bytes, value, big);
  else setElement(direct + offset, 0, bytes, big ? swap(value, bytes) : value);
}

/** Copies 8 bytes, or 16 when `wide`. */
@inline function copyBytes(to: usize, from: usize, wide: bool): void {
  store<u64>(to, load<u64>(from));
  if (wide) store<u64>(to, load<u64>(from, 8), 8);
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
  const total = <u32>load<u8>(desc, D_SIZE);
  const onePage = (<u32>address & (PAGE_SIZE - 1)) + total <= PAGE_SIZE;
  const direct = onePage ? tlbTranslate(isLoad ? TLB_READ : TLB_WRITE, address, 1) : 0;
  if ((word & 0x0100_0000) == 0) return multiple(isLoad, first, count, wide, size, (word >>> 12) & 15, address, direct);
  const scale = (word >>> 14) & 3;
  if (scale == 3) return replicate(first, count, wide, 1 << size, address, direct);
  const s = (word >>> 12) & 1;
  const q: u32 = wide ? 1 : 0;
  let bytes: u32 = 1 << scale;
  let lane: u32;
  if (scale == 0) lane = (q << 3) | (s << 2) | size;
  else if (scale == 1) lane = (q << 2) | (s << 1) | (size >>> 1);
  else if ((size & 1) == 0) lane = (q << 1) | s;
  else { bytes = 8; lane = q; }
  return oneLane(isLoad, first, count, bytes, lane, address, direct);
}

/** LD1-LD4/ST1-ST4 (multiple structures): `selem` registers interleaved, `count / selem` times. */
function multiple(isLoad: bool, first: u32, count: u32, wide: bool, size: u32, opcode: u32, address: u64, direct: usize): u32 {
  const selem: u32 = opcode == 0 ? 4 : opcode == 4 ? 3 : opcode == 8 ? 2 : 1;
  const bytes: u32 = 1 << size;
  const elements: u32 = (wide ? 16 : 8) >>> size;
  const big = bigData();
  if (direct != 0 && selem == 1 && (!big || bytes == 1)) {
    // LD1/ST1 in RAM with the elements in memory byte order: each register's bytes are memory's.
    const span: u32 = wide ? 16 : 8;
    for (let slot: u32 = 0; slot < count; slot++) {
      if (isLoad) copyBytes(scratchRegister(slot), direct + slot * span, wide);
      else copyBytes(direct + slot * span, vRegister(first + slot), wide);
    }
    if (isLoad) commit(first, count, wide);
    return EXIT_NONE;
  }
  let offset: u32 = 0;
  for (let r: u32 = 0; r < count; r += selem) {
    for (let e: u32 = 0; e < elements; e++) {
      for (let s: u32 = 0; s < selem; s++) {
        const slot = r + s;
        if (isLoad) {
          const value = readAt(direct, address, offset, bytes, big);
          if (accessExit != EXIT_NONE) return accessExit;
          setElement(scratchRegister(slot), e, bytes, value);
        } else {
          writeAt(direct, address, offset, bytes, element(vRegister(first + slot), e, bytes), big);
          if (accessExit != EXIT_NONE) return accessExit;
        }
        offset += bytes;
      }
    }
  }
  if (isLoad) commit(first, count, wide);
  return EXIT_NONE;
}

/** LD1-LD4/ST1-ST4 to lane `lane` of `count` registers; a load keeps the other lanes. */
function oneLane(isLoad: bool, first: u32, count: u32, bytes: u32, lane: u32, address: u64, direct: usize): u32 {
  const big = bigData();
  for (let slot: u32 = 0; slot < count; slot++) {
    if (isLoad) {
      const value = readAt(direct, address, slot * bytes, bytes, big);
      if (accessExit != EXIT_NONE) return accessExit;
      const to = scratchRegister(slot);
      copyBytes(to, vRegister(first + slot), true);
      setElement(to, lane, bytes, value);
    } else {
      writeAt(direct, address, slot * bytes, bytes, element(vRegister(first + slot), lane, bytes), big);
      if (accessExit != EXIT_NONE) return accessExit;
    }
  }
  if (isLoad) commit(first, count, true);
  return EXIT_NONE;
}

/** LD1R-LD4R: each of `count` elements fills every lane of its register. */
function replicate(first: u32, count: u32, wide: bool, bytes: u32, address: u64, direct: usize): u32 {
  const big = bigData();
  const spread: u64 = bytes == 1 ? 0x0101_0101_0101_0101 : bytes == 2 ? 0x0001_0001_0001_0001 : bytes == 4 ? 0x0000_0001_0000_0001 : 1;
  for (let slot: u32 = 0; slot < count; slot++) {
    const value = readAt(direct, address, slot * bytes, bytes, big);
    if (accessExit != EXIT_NONE) return accessExit;
    const to = scratchRegister(slot);
    store<u64>(to, value * spread);
    store<u64>(to, value * spread, 8);
  }
  commit(first, count, wide);
  return EXIT_NONE;
}
