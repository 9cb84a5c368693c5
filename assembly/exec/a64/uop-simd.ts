// The A64 micro-ops for the Advanced SIMD and FP moves and the integer vector forms
// compilers emit in ordinary C (bit counts, memset/memcpy setup, vectorised loops):
// FMOV between general and S/D registers, MOVI/MVNI/ORR/BIC/FMOV (vector, immediate),
// the vector logical ops, ADD/SUB (vector), CNT, ADDV and EXT. a64-uops.ts decodes them
// (uopSimd) into the entry's fields (uop-alu.ts), a64-run.ts runs them (simdOp); the full path
// (simd-move.ts, simd-arith.ts) keeps their undefined encodings and every other form.
// V registers are 16 bytes at CPU_VSR, little-endian (simd-lanes.ts); every source is
// read before the destination is written, so a destination may also be a source.
import { E_OP, E_RD, E_RN, E_RM, E_IMM, E_AUX, xr, xw } from "./uop-alu";
import { vAddress, writeHalves } from "./simd-lanes";
import { advSimdExpandImm, applyImmediate, immediateKind, IMMEDIATE_NOT_MINE, IMMEDIATE_UNDEFINED } from "./simd-move";
import { U_GENERIC } from "../ppc/uops";

export const U_VLOGIC: u8 = 132; //   aux: U:size (AND BIC ORR ORN / EOR BSL BIT BIF) | S_Q
export const U_FMOV_GENERAL: u8 = 133; // aux: S_WIDE | S_TO_VECTOR
export const U_CNT: u8 = 134; //      aux: S_Q
export const U_ADDV: u8 = 135; //     aux: size | S_Q
export const U_EXT: u8 = 136; //      imm: the first byte; aux: S_Q
export const U_VIMMEDIATE: u8 = 137; // the value at 8; rm: immediateKind; rn: 1 for Q
export const U_VADD: u8 = 138; //     aux: size | S_Q | S_SUBTRACT

const S_Q: u32 = 0x100;
const S_WIDE: u32 = 0x200;
const S_TO_VECTOR: u32 = 0x400;
const S_SUBTRACT: u32 = 0x800;

/** Each lane's top bit, for lanes of 1 << size bytes. */
const LANE_TOPS = memory.data<u64>([0x8080_8080_8080_8080, 0x8000_8000_8000_8000, 0x8000_0000_8000_0000, 0x8000_0000_0000_0000]);

@inline function laneTops(size: u32): u64 {
  return load<u64>(LANE_TOPS + (<usize>size << 3));
}

@inline function put(entry: usize, rd: u32, rn: u32, rm: u32, imm: i32, aux: u32): void {
  store<u8>(entry, <u8>rd, E_RD);
  store<u8>(entry, <u8>rn, E_RN);
  store<u8>(entry, <u8>rm, E_RM);
  store<i32>(entry, imm, E_IMM);
  store<u32>(entry, aux, E_AUX);
}

/** The micro-op for a SIMD&FP data-processing word (bits 27:25 = 111), or U_GENERIC. */
export function uopSimd(entry: usize, word: u32): u8 {
  const rd = word & 31, rn = (word >>> 5) & 31, rm = (word >>> 16) & 31;
  const q: u32 = (word & 0x4000_0000) != 0 ? S_Q : 0;
  const size = (word >>> 22) & 3;
  if ((word & 0x9f20_fc00) == 0x0e20_1c00) { // AND, BIC, ORR, ORN, EOR, BSL, BIT, BIF (vector)
    put(entry, rd, rn, rm, 0, ((word >>> 27) & 4) | size | q);
    return U_VLOGIC;
  }
  if ((word & 0x9f20_fc00) == 0x0e20_8400) { // ADD, SUB (vector)
    if (size == 3 && q == 0) return U_GENERIC;
    put(entry, rd, rn, rm, 0, size | q | ((word & 0x2000_0000) != 0 ? S_SUBTRACT : 0));
    return U_VADD;
  }
  if ((word & 0x7fbe_fc00) == 0x1e26_0000 && ((word >>> 22) & 1) == (word >>> 31)) { // FMOV Wd/Xd <-> Sn/Dn
    const toVector = (word & 0x1_0000) != 0;
    if (!toVector && rd == 31) return U_GENERIC; // XZR: the micro-ops' x31 slot must stay zero
    put(entry, rd, rn, 0, 0, ((word >>> 31) != 0 ? S_WIDE : 0) | (toVector ? S_TO_VECTOR : 0));
    return U_FMOV_GENERAL;
  }
  if ((word & 0xbfff_fc00) == 0x0e20_5800) { // CNT (8B, 16B)
    put(entry, rd, rn, 0, 0, q);
    return U_CNT;
  }
  if ((word & 0xbf3f_fc00) == 0x0e31_b800) { // ADDV
    if (size == 3 || (size == 2 && q == 0)) return U_GENERIC;
    put(entry, rd, rn, 0, 0, size | q);
    return U_ADDV;
  }
  if ((word & 0xbfe0_8400) == 0x2e00_0000) { // EXT
    const position = (word >>> 11) & 15;
    if (q == 0 && position > 7) return U_GENERIC;
    put(entry, rd, rn, rm, <i32>position, q);
    return U_EXT;
  }
  if ((word & 0x9ff8_0400) == 0x0f00_0400) { // MOVI, MVNI, ORR, BIC, FMOV (vector, immediate)
    const value = advSimdExpandImm(word);
    if (immediateKind == IMMEDIATE_NOT_MINE || immediateKind == IMMEDIATE_UNDEFINED) return U_GENERIC;
    put(entry, rd, q != 0 ? 1 : 0, immediateKind, 0, 0);
    store<u64>(entry, value, E_IMM);
    return U_VIMMEDIATE;
  }
  return U_GENERIC;
}

@inline function low(reg: u32): u64 {
  return load<u64>(vAddress(reg));
}

@inline function high(reg: u32): u64 {
  return load<u64>(vAddress(reg), 8);
}

@inline function logic(kind: u32, n: u64, m: u64, d: u64): u64 {
  switch (kind) {
    case 0: return n & m;
    case 1: return n & ~m;
    case 2: return n | m;
    case 3: return n | ~m;
    case 4: return n ^ m;
    case 5: return (d & n) | (~d & m); // BSL
    case 6: return (d & ~m) | (n & m); // BIT
    default: return (d & m) | (n & ~m); // BIF
  }
}

function vectorLogic(entry: usize): void {
  const rd = <u32>load<u8>(entry, E_RD), rn = <u32>load<u8>(entry, E_RN), rm = <u32>load<u8>(entry, E_RM);
  const aux = load<u32>(entry, E_AUX);
  const kind = aux & 7;
  const lo = logic(kind, low(rn), low(rm), low(rd));
  const hi = logic(kind, high(rn), high(rm), high(rd));
  writeHalves(rd, lo, hi, (aux & S_Q) != 0);
}

/** Lane-wise a ± b over 64 bits of lanes whose top bits are `tops` (no carry crosses a lane). */
@inline function laneSum(a: u64, b: u64, tops: u64, subtract: bool): u64 {
  if (subtract) return ((a | tops) - (b & ~tops)) ^ ((a ^ ~b) & tops);
  return ((a & ~tops) + (b & ~tops)) ^ ((a ^ b) & tops);
}

function vectorAdd(entry: usize): void {
  const rd = <u32>load<u8>(entry, E_RD), rn = <u32>load<u8>(entry, E_RN), rm = <u32>load<u8>(entry, E_RM);
  const aux = load<u32>(entry, E_AUX);
  const tops = laneTops(aux & 3);
  const subtract = (aux & S_SUBTRACT) != 0;
  const lo = laneSum(low(rn), low(rm), tops, subtract);
  const hi = laneSum(high(rn), high(rm), tops, subtract);
  writeHalves(rd, lo, hi, (aux & S_Q) != 0);
}

/** FMOV Wd, Sn / Xd, Dn (the low 32 or 64 bits) and FMOV Sd, Wn / Dd, Xn (the rest of Vd zero). */
function fmovGeneral(regs: usize, entry: usize): void {
  const rd = <u32>load<u8>(entry, E_RD), rn = <u32>load<u8>(entry, E_RN);
  const aux = load<u32>(entry, E_AUX);
  const wide = (aux & S_WIDE) != 0;
  if ((aux & S_TO_VECTOR) != 0) {
    const value = xr(regs, rn);
    writeHalves(rd, wide ? value : value & 0xffff_ffff, 0, true);
  } else {
    xw(regs, rd, wide ? low(rn) : <u64>load<u32>(vAddress(rn)));
  }
}

/** The number of set bits in each byte of `value`. */
@inline function byteCounts(value: u64): u64 {
  const pairs = value - ((value >> 1) & 0x5555_5555_5555_5555);
  const nibbles = (pairs & 0x3333_3333_3333_3333) + ((pairs >> 2) & 0x3333_3333_3333_3333);
  return (nibbles + (nibbles >> 4)) & 0x0f0f_0f0f_0f0f_0f0f;
}

function countBits(entry: usize): void {
  const rd = <u32>load<u8>(entry, E_RD), rn = <u32>load<u8>(entry, E_RN);
  const q = (load<u32>(entry, E_AUX) & S_Q) != 0;
  const lo = byteCounts(low(rn));
  const hi = q ? byteCounts(high(rn)) : 0;
  writeHalves(rd, lo, hi, q);
}

/** The sum of the lanes of `value` (1, 2 or 4 bytes each: size 0-2), not reduced. */
@inline function laneTotal(value: u64, size: u32): u64 {
  const bits = <u64>(8 << size);
  const mask = (<u64>1 << bits) - 1;
  let total: u64 = 0;
  for (let shift: u64 = 0; shift < 64; shift += bits) total += (value >> shift) & mask;
  return total;
}

function addAcross(entry: usize): void {
  const rd = <u32>load<u8>(entry, E_RD), rn = <u32>load<u8>(entry, E_RN);
  const aux = load<u32>(entry, E_AUX);
  const size = aux & 3;
  let total = laneTotal(low(rn), size);
  if ((aux & S_Q) != 0) total += laneTotal(high(rn), size);
  writeHalves(rd, total & ((<u64>1 << <u64>(8 << size)) - 1), 0, false);
}

/** Bytes from `shift` bits into the 128-bit pair first:second (first lowest). */
@inline function funnel(first: u64, second: u64, shift: u64): u64 {
  return shift == 0 ? first : (first >> shift) | (second << (64 - shift));
}

/** EXT: bytes from position imm of Vm:Vn (Vn lowest), 8 or 16 of them. */
function extractBytes(entry: usize): void {
  const rd = <u32>load<u8>(entry, E_RD), rn = <u32>load<u8>(entry, E_RN), rm = <u32>load<u8>(entry, E_RM);
  const position = <u32>load<i32>(entry, E_IMM);
  const shift = <u64>((position & 7) << 3);
  if ((load<u32>(entry, E_AUX) & S_Q) == 0) {
    writeHalves(rd, funnel(low(rn), low(rm), shift), 0, false);
    return;
  }
  const n0 = low(rn), n1 = high(rn), m0 = low(rm), m1 = high(rm);
  if (position < 8) writeHalves(rd, funnel(n0, n1, shift), funnel(n1, m0, shift), true);
  else writeHalves(rd, funnel(n1, m0, shift), funnel(m0, m1, shift), true);
}

function vectorImmediate(entry: usize): void {
  applyImmediate(<u32>load<u8>(entry, E_RD), load<u64>(entry, E_IMM), <u32>load<u8>(entry, E_RM), load<u8>(entry, E_RN) != 0);
}

/**
 * Runs the SIMD micro-op at `entry` (U_VLOGIC..U_VADD), called from the run loop's switch
 * and not inlined there: with these bodies inlined into that loop, its compiled code ran
 * every program slower (in-process A/B on a loaded machine: integer-only runs 20-30% slower).
 */
export function simdOp(regs: usize, entry: usize): void {
  switch (load<u8>(entry, E_OP)) {
    case U_VLOGIC: vectorLogic(entry); break;
    case U_VADD: vectorAdd(entry); break;
    case U_FMOV_GENERAL: fmovGeneral(regs, entry); break;
    case U_CNT: countBits(entry); break;
    case U_ADDV: addAcross(entry); break;
    case U_EXT: extractBytes(entry); break;
    default: vectorImmediate(entry);
  }
}
