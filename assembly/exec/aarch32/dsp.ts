// The ARMv6/v7 DSP operations, shared by the A32 and T32 decoders: saturation (QADD
// family, SSAT/USAT and their 16-bit forms, setting Q), the parallel additions and
// subtractions (signed and unsigned, plain with the GE flags, saturating, halving),
// SEL, USAD8, PKHBT/PKHTB, the halfword and word multiplies (SMULxy, SMLAxy, SMULWy,
// SMLAWy, SMLALxy), the dual multiplies (SMUAD, SMUSD, SMLAD, SMLSD, SMLALD, SMLSLD)
// and the most-significant-word multiplies (SMMUL, SMMLA, SMMLS), and MRS/MSR of the APSR.
import { CPU_NZCV } from "../../layout";
import { record } from "../../machine";
import { rRead, rWrite } from "../a32-loadstore";
import { cpsr, shiftCarry, LSL, ASR } from "./flags";

const Q_FLAG: u32 = 0x0800_0000;
const GE_SHIFT: u32 = 16;

@inline function setQ(): void {
  store<u32>(record + CPU_NZCV, cpsr() | Q_FLAG);
}

/** SignedSatQ(value, bits), bits 1-32: sets Q when it saturates. */
export function signedSaturate(value: i64, bits: u32): u32 {
  const max = (<i64>1 << <i64>(bits - 1)) - 1;
  if (value > max) { setQ(); return <u32>max; }
  if (value < -max - 1) { setQ(); return <u32>(-max - 1); }
  return <u32>value;
}

/** UnsignedSatQ(value, bits), bits 0-31: sets Q when it saturates. */
export function unsignedSaturate(value: i64, bits: u32): u32 {
  const max = (<i64>1 << <i64>bits) - 1;
  if (value > max) { setQ(); return <u32>max; }
  if (value < 0) { setQ(); return 0; }
  return <u32>value;
}

/** QADD, QSUB, QDADD, QDSUB (op as A32 bits 22:21): SignedSat(m ± n), n doubled (and saturated) first for the D forms. */
export function saturatingArithmetic(op: u32, m: u32, n: u32): u32 {
  let b = <i64>(<i32>n);
  if (op >= 2) b = <i64>(<i32>signedSaturate(b * 2, 32));
  return signedSaturate((op & 1) == 0 ? <i64>(<i32>m) + b : <i64>(<i32>m) - b, 32);
}

/** SSAT/USAT of `n` shifted (ASR when `arithmetic`, imm5 0 meaning 32; else LSL) to `bits`. */
export function saturate(n: u32, arithmetic: bool, imm5: u32, bits: u32, signed: bool): u32 {
  const operand = arithmetic ? shiftCarry(n, ASR, imm5 == 0 ? 32 : imm5, 0) : shiftCarry(n, LSL, imm5, 0);
  return signed ? signedSaturate(<i64>(<i32>operand), bits) : unsignedSaturate(<i64>(<i32>operand), bits);
}

/** SSAT16/USAT16: each signed halfword of `n` saturated to `bits`. */
export function saturate16(n: u32, bits: u32, signed: bool): u32 {
  const low = <i64>(<i16>n);
  const high = <i64>(<i32>n >> 16);
  const lowResult = signed ? signedSaturate(low, bits) : unsignedSaturate(low, bits);
  const highResult = signed ? signedSaturate(high, bits) : unsignedSaturate(high, bits);
  return (lowResult & 0xffff) | (highResult << 16);
}

/** The parallel operations (A32 op2, bits 7:5). */
export const PAR_ADD16: u32 = 0;
export const PAR_ASX: u32 = 1;
export const PAR_SAX: u32 = 2;
export const PAR_SUB16: u32 = 3;
export const PAR_ADD8: u32 = 4;
export const PAR_SUB8: u32 = 7;
/** Their modes: the result with the GE flags, saturated, halved. */
export const PAR_PLAIN: u32 = 0;
export const PAR_SATURATE: u32 = 1;
export const PAR_HALVE: u32 = 2;

/** SADD16 ... UHSUB8: `n` op `m` lane by lane; the plain forms set GE. */
export function parallel(op: u32, unsigned: bool, mode: u32, n: u32, m: u32): u32 {
  const bytes = op >= PAR_ADD8;
  const width: u32 = bytes ? 8 : 16;
  const lanes: u32 = bytes ? 4 : 2;
  const mask: u32 = (1 << width) - 1;
  const exchange = op == PAR_ASX || op == PAR_SAX;
  let result: u32 = 0;
  let ge: u32 = 0;
  for (let lane: u32 = 0; lane < lanes; lane++) {
    const subtract = op == PAR_SUB16 || op == PAR_SUB8 || (op == PAR_ASX && lane == 0) || (op == PAR_SAX && lane == 1);
    const a = laneValue(n, lane, width, unsigned);
    const b = laneValue(m, exchange ? 1 - lane : lane, width, unsigned);
    let x = subtract ? a - b : a + b;
    if (mode == PAR_SATURATE) {
      const high: i32 = unsigned ? <i32>mask : <i32>(mask >>> 1);
      const low: i32 = unsigned ? 0 : -high - 1;
      x = x > high ? high : x < low ? low : x;
    } else if (mode == PAR_HALVE) {
      x >>= 1;
    } else {
      const set = unsigned && !subtract ? x >= (1 << width) : x >= 0;
      if (set) ge |= (bytes ? 1 : 3) << (lane * (bytes ? 1 : 2));
    }
    result |= (<u32>x & mask) << (lane * width);
  }
  if (mode == PAR_PLAIN) store<u32>(record + CPU_NZCV, (cpsr() & ~(0xf << GE_SHIFT)) | (ge << GE_SHIFT));
  return result;
}

@inline function laneValue(value: u32, lane: u32, width: u32, unsigned: bool): i32 {
  const shifted = value >>> (lane * width);
  if (unsigned) return <i32>(shifted & ((1 << width) - 1));
  return width == 8 ? <i32>(<i8>shifted) : <i32>(<i16>shifted);
}

/** SEL: each byte from `n` where its GE flag is set, else from `m`. */
export function select(n: u32, m: u32): u32 {
  const ge = (cpsr() >>> GE_SHIFT) & 15;
  let mask: u32 = 0;
  for (let i: u32 = 0; i < 4; i++) if ((ge & (1 << i)) != 0) mask |= <u32>0xff << (i * 8);
  return (n & mask) | (m & ~mask);
}

/** USAD8: the sum of the bytes' absolute differences. */
export function sumAbsoluteDifferences(n: u32, m: u32): u32 {
  let sum: u32 = 0;
  for (let i: u32 = 0; i < 32; i += 8) {
    const a = <i32>((n >>> i) & 0xff);
    const b = <i32>((m >>> i) & 0xff);
    sum += <u32>(a > b ? a - b : b - a);
  }
  return sum;
}

/** PKHBT (bottom of n, top of m LSL imm5) or PKHTB (top of n, bottom of m ASR imm5, 0 meaning 32). */
export function pack(n: u32, m: u32, imm5: u32, topBottom: bool): u32 {
  if (!topBottom) return (n & 0xffff) | (shiftCarry(m, LSL, imm5, 0) & 0xffff_0000);
  return (n & 0xffff_0000) | (shiftCarry(m, ASR, imm5 == 0 ? 32 : imm5, 0) & 0xffff);
}

@inline function half(value: u32, top: bool): i64 {
  return top ? <i64>(<i32>value >> 16) : <i64>(<i16>value);
}

/** A 32-bit signed result; Q set when `value` does not fit. */
function accumulate32(value: i64): u32 {
  if (value != <i64>(<i32>value)) setQ();
  return <u32>value;
}

/** Adds `value` to RdHi:RdLo. */
function accumulate64(rdLo: u32, rdHi: u32, value: i64): void {
  const total = <i64>((<u64>rRead(rdHi, 0) << 32) | <u64>rRead(rdLo, 0)) + value;
  rWrite(rdLo, <u32>total);
  rWrite(rdHi, <u32>(<u64>total >> 32));
}

/** SMULxy (ra 15), SMLAxy: the chosen halves multiplied, Ra added (Q on overflow). */
export function multiplyHalves(rd: u32, ra: u32, n: u32, m: u32, nTop: bool, mTop: bool): void {
  const product = half(n, nTop) * half(m, mTop);
  rWrite(rd, ra == 15 ? <u32>product : accumulate32(product + <i64>(<i32>rRead(ra, 0))));
}

/** SMULWy (ra 15), SMLAWy: bits 47:16 of n times a half of m, Ra added (Q on overflow). */
export function multiplyWordHalf(rd: u32, ra: u32, n: u32, m: u32, mTop: bool): void {
  const product = (<i64>(<i32>n) * half(m, mTop)) >> 16;
  rWrite(rd, ra == 15 ? <u32>product : accumulate32(product + <i64>(<i32>rRead(ra, 0))));
}

/** SMLALxy: the halves' product added to RdHi:RdLo. */
export function multiplyHalvesLong(rdLo: u32, rdHi: u32, n: u32, m: u32, nTop: bool, mTop: bool): void {
  accumulate64(rdLo, rdHi, half(n, nTop) * half(m, mTop));
}

/** The two halfword products of n and m (m's halves swapped when `exchange`), summed or subtracted. */
function dualProducts(n: u32, m: u32, exchange: bool, subtract: bool): i64 {
  const mm = exchange ? rotr<u32>(m, 16) : m;
  const low = half(n, false) * half(mm, false);
  const high = half(n, true) * half(mm, true);
  return subtract ? low - high : low + high;
}

/** SMUAD/SMUSD (ra 15), SMLAD/SMLSD: Q when the sum overflows. */
export function multiplyDual(rd: u32, ra: u32, n: u32, m: u32, exchange: bool, subtract: bool): void {
  const products = dualProducts(n, m, exchange, subtract);
  rWrite(rd, accumulate32(ra == 15 ? products : products + <i64>(<i32>rRead(ra, 0))));
}

/** SMLALD/SMLSLD: the dual products added to RdHi:RdLo. */
export function multiplyDualLong(rdLo: u32, rdHi: u32, n: u32, m: u32, exchange: bool, subtract: bool): void {
  accumulate64(rdLo, rdHi, dualProducts(n, m, exchange, subtract));
}

/** SMMUL (ra 15), SMMLA, SMMLS (`subtract`): bits 63:32 of (Ra << 32) ± n * m, rounded when asked. */
export function multiplyMostSignificant(rd: u32, ra: u32, n: u32, m: u32, subtract: bool, round: bool): void {
  const product = <i64>(<i32>n) * <i64>(<i32>m);
  const base: i64 = ra == 15 ? 0 : <i64>(<u64>rRead(ra, 0) << 32);
  const total = (subtract ? base - product : base + product) + (round ? 0x8000_0000 : 0);
  rWrite(rd, <u32>(<u64>total >> 32));
}

/** MRS: the CPSR less the execution-state bits (IT, J, T). */
export function readStatus(): u32 {
  return cpsr() & ~0x0700_fc20;
}

/** MSR APSR_<mask>: bit 1 of `mask` writes NZCVQ, bit 0 the GE flags. */
export function writeStatus(value: u32, mask: u32): void {
  const bits: u32 = ((mask & 2) != 0 ? 0xf800_0000 : 0) | ((mask & 1) != 0 ? 0x000f_0000 : 0);
  store<u32>(record + CPU_NZCV, (cpsr() & ~bits) | (value & bits));
}
