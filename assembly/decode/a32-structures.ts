// The AArch32 Advanced SIMD element and structure loads/stores (VLD1-VLD4, VST1-VST4:
// multiple structures, one lane, all lanes), shared by A32 (0xf4 prefix, bit 20 clear)
// and T32 (0xf9 prefix): the low 24 bits are the same in both. Fields and the
// UNDEFINED/UNPREDICTABLE cases as the Arm ARM's decode pseudocode gives them; the
// descriptor layout (D_FORM, D_STRIDE, D_ALIGN, D_LANE) is in descriptor.ts.

import {
  D_COUNT, D_FORM, D_LANE, D_ALIGN, D_STRIDE, D_INDEX, D_POST_DISP, KIND_LOADSTORE, KIND_UNDEFINED, KIND_INVALID_FORM,
  OP_LOAD, OP_STORE, F_VECTOR, F_WRITEBACK, F_POST_INDEX, FORM_MULTIPLE, FORM_LANE, FORM_ALL_LANES,
} from "./descriptor";
import { armAccess, addFlags } from "./arm-common";
import { MA_VLD1, MA_VST1 } from "./arm-mnemonics";

/** The structure load/store in `word`'s low 24 bits into `out` (already begun): its kind. */
export function simdStructure(word: u32, out: usize): u32 {
  const load = (word & 0x0020_0000) != 0;
  const d = ((word >>> 18) & 16) | ((word >>> 12) & 15);
  if ((word & 0x0080_0000) == 0) return multiple(word, out, load, d);
  if (((word >>> 10) & 3) == 3) return load ? allLanes(word, out, d) : KIND_UNDEFINED;
  return lane(word, out, load, d);
}

/** Fills the common fields; returns KIND_INVALID_FORM when Rn is the PC or a register passes d31. */
function finish(word: u32, out: usize, load: bool, d: u32, structures: u32, form: u8, bytes: u32, count: u32,
  stride: u32, alignment: u32, lastRegister: u32, transferBytes: u32): u32 {
  const rn = (word >>> 16) & 15;
  const rm = word & 15;
  const mnemonic = (load ? MA_VLD1 : MA_VST1) + structures - 1;
  armAccess(out, load ? OP_LOAD : OP_STORE, bytes, F_VECTOR, d, rn, mnemonic);
  store<u8>(out + D_COUNT, <u8>count);
  store<u8>(out + D_FORM, form);
  store<u8>(out + D_STRIDE, <u8>stride);
  store<u8>(out + D_ALIGN, <u8>alignment);
  if (rm != 15) {
    addFlags(out, F_WRITEBACK | F_POST_INDEX);
    if (rm == 13) store<i64>(out + D_POST_DISP, <i64>transferBytes);
    else store<u8>(out + D_INDEX, <u8>rm);
  }
  return rn == 15 || lastRegister > 31 ? KIND_INVALID_FORM : KIND_LOADSTORE;
}

/** VLDn/VSTn multiple n-element structures: bits 11:8 the type, 7:6 size, 5:4 align. */
function multiple(word: u32, out: usize, load: bool, d: u32): u32 {
  const type = (word >>> 8) & 15;
  const size = (word >>> 6) & 3;
  const align = (word >>> 4) & 3;
  let structures: u32 = 1;
  let regs: u32 = 1;
  let stride: u32 = 1;
  if (type == 7 || type == 10 || type == 6 || type == 2) { // VLD1: 1, 2, 3, 4 registers
    regs = type == 7 ? 1 : type == 10 ? 2 : type == 6 ? 3 : 4;
    if ((regs & 1) != 0 && (align & 2) != 0) return KIND_UNDEFINED;
    if (regs == 2 && align == 3) return KIND_UNDEFINED;
  } else if (type == 8 || type == 9 || type == 3) { // VLD2
    structures = 2;
    regs = type == 3 ? 2 : 1;
    stride = type == 8 ? 1 : 2;
    if (size == 3 || (type != 3 && align == 3)) return KIND_UNDEFINED;
  } else if (type == 4 || type == 5) { // VLD3
    structures = 3;
    stride = type == 4 ? 1 : 2;
    if (size == 3 || (align & 2) != 0) return KIND_UNDEFINED;
  } else if (type <= 1) { // VLD4
    structures = 4;
    stride = type == 0 ? 1 : 2;
    if (size == 3) return KIND_UNDEFINED;
  } else {
    return KIND_UNDEFINED;
  }
  const alignment: u32 = align == 0 ? 1 : 4 << align;
  const count = structures * regs;
  const last = d + regs - 1 + (structures - 1) * stride;
  return finish(word, out, load, d, structures, FORM_MULTIPLE, 1 << size, count, stride, alignment, last, 8 * count);
}

/** VLDn/VSTn single n-element structure to one lane: bits 11:10 size, 9:8 n - 1, 7:4 index_align. */
function lane(word: u32, out: usize, load: bool, d: u32): u32 {
  const size = (word >>> 10) & 3;
  const structures = ((word >>> 8) & 3) + 1;
  const ia = (word >>> 4) & 15;
  const bytes: u32 = 1 << size;
  const index = ia >>> (size + 1);
  let stride: u32 = 1;
  let alignment: u32 = 1;
  if (size == 1 && structures != 1) stride = (ia & 2) != 0 ? 2 : 1;
  if (size == 2 && structures != 1) stride = (ia & 4) != 0 ? 2 : 1;
  if (structures == 1) {
    if (size == 0 && (ia & 1) != 0) return KIND_UNDEFINED;
    if (size == 1 && (ia & 2) != 0) return KIND_UNDEFINED;
    if (size == 2 && ((ia & 4) != 0 || ((ia & 3) != 0 && (ia & 3) != 3))) return KIND_UNDEFINED;
    if ((ia & 1) != 0) alignment = bytes;
  } else if (structures == 2) {
    if (size == 2 && (ia & 2) != 0) return KIND_UNDEFINED;
    if ((ia & 1) != 0) alignment = 2 * bytes;
  } else if (structures == 3) {
    if ((ia & 1) != 0 || (size == 2 && (ia & 2) != 0)) return KIND_UNDEFINED;
  } else {
    if (size == 2 && (ia & 3) == 3) return KIND_UNDEFINED;
    if (size == 2) alignment = (ia & 3) == 0 ? 1 : 4 << (ia & 3);
    else if ((ia & 1) != 0) alignment = 4 * bytes;
  }
  store<u8>(out + D_LANE, <u8>index);
  const last = d + (structures - 1) * stride;
  return finish(word, out, load, d, structures, FORM_LANE, bytes, structures, stride, alignment, last, structures * bytes);
}

/** VLDn single n-element structure to all lanes: bits 9:8 n - 1, 7:6 size, 5 T, 4 a. */
function allLanes(word: u32, out: usize, d: u32): u32 {
  const structures = ((word >>> 8) & 3) + 1;
  const size = (word >>> 6) & 3;
  const t = (word >>> 5) & 1;
  const a = (word >>> 4) & 1;
  let bytes: u32 = 1 << size;
  let alignment: u32 = 1;
  let count = structures;
  const stride: u32 = t + 1;
  if (structures == 1) {
    if (size == 3 || (size == 0 && a != 0)) return KIND_UNDEFINED;
    count = t + 1;
    if (a != 0) alignment = bytes;
  } else if (structures == 2) {
    if (size == 3) return KIND_UNDEFINED;
    if (a != 0) alignment = 2 * bytes;
  } else if (structures == 3) {
    if (size == 3 || a != 0) return KIND_UNDEFINED;
  } else {
    if (size == 3 && a == 0) return KIND_UNDEFINED;
    if (size == 3) { bytes = 4; alignment = 16; }
    else if (a != 0) alignment = size == 2 ? 8 : 4 * bytes;
  }
  const last = structures == 1 ? d + count - 1 : d + (structures - 1) * stride;
  return finish(word, out, true, d, structures, FORM_ALL_LANES, bytes, count, structures == 1 ? 1 : stride, alignment,
    last, structures * bytes);
}
