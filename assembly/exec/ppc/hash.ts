// Power ISA 3.1B hash instructions (Book I, Fixed-Point Hash Instructions): hashst
// and hashstp store HashDigest((RA), (RB), key) at EA = (RA) + disp; hashchk and
// hashchkp load the doubleword at EA and trap when it is not that digest. The key is
// HASHKEYR (SPR 468), or HASHPKEYR (SPR 469) for the privileged forms (privilege is
// not modelled, as for mtmsrd). HashDigest is the ISA's SIMON-like 32/64 cipher run
// on four lanes of a 128-bit block made of (RA)'s and (RB)'s bytes; QEMU implements
// the same text in target/ppc/excp_helper.c (hash_digest, helper_SIMON_LIKE_32_64).
import { CPU_SYSREGS, SYSREG_HASHKEYR, SYSREG_HASHPKEYR, REC_FAULT_ADDR } from "../../layout";
import { EXIT_NONE } from "../../exits";
import { D_OP, D_RT, D_BASE, D_MNEMONIC, OP_STORE } from "../../decode/descriptor";
import { M_HASHSTP, M_HASHCHKP } from "../../decode/ppc-tables";
import { record } from "../../machine";
import { gpr, cpu, is64 } from "../../cpu/regs";
import { readValue, writeValue, accessExit } from "../guest-memory";

/** ppcHash's answer when hashchk's doubleword differs from the digest (EA in REC_FAULT_ADDR). */
export const HASH_MISMATCH: u32 = 0xfffa;

const ROUND_CONSTANT: u32 = 0xfffc; // SIMON's c = 2^16 - 4
const Z_SEQUENCE: u64 = 0xfa25_61cd_f44a_c398; // the key schedule's z bits, most significant first

@inline function rotl16(x: u32, n: u32): u32 {
  return ((x << n) | (x >>> (16 - n))) & 0xffff;
}

/**
 * SIMON-like 32/64 on one lane: `block` is (right word << 16) | left word; the 64-bit
 * key gives words k0 (its most significant 16 bits) … k3, and k[i+4] follows from
 * k[i..i+3]. Round r takes the subkey k[4·(r/4) + (r + lane) mod 4]. Returns the
 * block after 32 rounds in the same arrangement.
 */
function simonLane(block: u32, key: u64, lane: u32): u32 {
  let left = block & 0xffff;
  let right = block >>> 16;
  let window = key; // k[i] in bits 63:48 … k[i+3] in bits 15:0
  for (let group: u32 = 0; group < 8; group++) {
    if (group != 0) {
      for (let step: u32 = group * 4 - 4; step < group * 4; step++) {
        const temp = rotl16(<u32>window & 0xffff, 13) ^ (<u32>(window >> 32) & 0xffff);
        const z = <u32>(Z_SEQUENCE >> (63 - <u64>step)) & 1;
        const next = ROUND_CONSTANT ^ z ^ <u32>(window >> 48) ^ temp ^ rotl16(temp, 15);
        window = (window << 16) | <u64>next;
      }
    }
    for (let j: u32 = 0; j < 4; j++) {
      const subkey = <u32>(window >> (48 - (<u64>((j + lane) & 3) << 4))) & 0xffff;
      const mixed = (rotl16(left, 1) & rotl16(left, 8)) ^ rotl16(left, 2);
      const newLeft = right ^ mixed ^ subkey;
      right = left;
      left = newLeft;
    }
  }
  return (right << 16) | left;
}

/** HashDigest(ra, rb, key): the 64-bit digest hashst stores. */
export function hashDigest(ra: u64, rb: u64, key: u64): u64 {
  // Two doublewords of interleaved bytes: byte i of a word of RA at byte 2i (from the
  // least significant end), byte i of a word of RB at byte 7-2i.
  let high: u64 = 0;
  let low: u64 = 0;
  for (let i: u64 = 0; i < 4; i++) {
    high |= ((ra >> (32 + 8 * i)) & 0xff) << (16 * i) | ((rb >> (8 * i)) & 0xff) << (56 - 16 * i);
    low |= ((ra >> (8 * i)) & 0xff) << (16 * i) | ((rb >> (32 + 8 * i)) & 0xff) << (56 - 16 * i);
  }
  const hashedHigh = (<u64>simonLane(<u32>(high >> 32), key, 0) << 32) | <u64>simonLane(<u32>high, key, 1);
  const hashedLow = (<u64>simonLane(<u32>(low >> 32), key, 2) << 32) | <u64>simonLane(<u32>low, key, 3);
  return hashedHigh ^ hashedLow;
}

/** A register as the hash reads it: 32 bits on a 32-bit implementation. */
@inline function operand(n: u32): u64 {
  return is64() ? gpr(n) : gpr(n) & 0xffff_ffff;
}

/** Executes the hash descriptor at `desc` on `ea`; EXIT_NONE, the access's exit, or HASH_MISMATCH. */
export function ppcHash(desc: usize, ea: u64, bigEndian: bool): u32 {
  const mnemonic = load<u16>(desc, D_MNEMONIC);
  const privileged = mnemonic == M_HASHSTP || mnemonic == M_HASHCHKP;
  const key = cpu(CPU_SYSREGS + ((privileged ? SYSREG_HASHPKEYR : SYSREG_HASHKEYR) << 3));
  const digest = hashDigest(operand(load<u8>(desc, D_BASE)), operand(load<u8>(desc, D_RT)), key);
  if (load<u8>(desc, D_OP) == OP_STORE) {
    writeValue(ea, 8, digest, bigEndian);
    return accessExit;
  }
  const stored = readValue(ea, 8, bigEndian);
  if (accessExit != EXIT_NONE) return accessExit;
  if (stored == digest) return EXIT_NONE;
  store<u64>(record + REC_FAULT_ADDR, ea);
  return HASH_MISMATCH;
}
