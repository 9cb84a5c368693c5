// The transfers between core and extension registers (coprocessors 10 and 11, A32
// words; T32 passes the same word, cond 1110): VMOV between a core register and an S
// register or a D register lane (VMOV.8/.16/.32, U for the signed or unsigned read),
// VMOV between two core registers and a D register or two S registers, VDUP (core
// register), VMOV between two S or two D registers, and VMRS/VMSR of FPSCR (VMRS
// APSR_nzcv, FPSCR too), FPEXC, FPSID, MVFR0 and MVFR1. The extension is always enabled (FPEXC.EN is kept, not acted on).
// FPEXC and the ID registers are PL1 only (cp15.ts's privileged()); FPSCR keeps the
// bits QEMU's Cortex-A15 keeps (no trap enables, no FZ16).
import { CPU_FPSCR, CPU_NZCV, CPU_SYSREGS, SYSREG_FPEXC } from "../../layout";
import { record } from "../../machine";
import { ALU_DONE, ALU_NOT_MINE } from "../ppc/alu";
import { ALU_UNDEFINED } from "../a64/operands";
import { rRead, rWrite } from "../a32-loadstore";
import { privileged } from "../cp15";
import { dAddress } from "./neon-lanes";

const FPSCR_MASK: u32 = 0xfff7_009f;
const FPEXC_MASK: u32 = 0x4000_0000; // EN
const FPSID_VALUE: u32 = 0x4104_30f0;
const MVFR0_VALUE: u32 = 0x1011_0222;
const MVFR1_VALUE: u32 = 0x1111_1111;

/** S register n's address (the words of the D registers, packed). */
@inline function sAddress(n: u32): usize {
  return dAddress(0) + (n << 2);
}

/** VMRS (`read`) / VMSR of the register numbered `reg` (bits 19:16) with Rt. */
function specialRegister(read: bool, reg: u32, rt: u32, pcValue: u64): u32 {
  if (reg == 1) {
    if (!read) store<u32>(record + CPU_FPSCR, rRead(rt, pcValue) & FPSCR_MASK);
    else if (rt == 15) store<u32>(record + CPU_NZCV, (load<u32>(record + CPU_NZCV) & 0x0fff_ffff) | (load<u32>(record + CPU_FPSCR) & 0xf000_0000));
    else rWrite(rt, load<u32>(record + CPU_FPSCR));
    return ALU_DONE;
  }
  if (reg != 0 && reg != 6 && reg != 7 && reg != 8) return ALU_NOT_MINE;
  if (!privileged()) return ALU_UNDEFINED;
  if (rt == 15) return ALU_NOT_MINE;
  const fpexc = record + CPU_SYSREGS + (SYSREG_FPEXC << 3);
  if (!read) {
    if (reg != 8) return ALU_NOT_MINE; // the ID registers: writes not modelled
    store<u32>(fpexc, rRead(rt, pcValue) & FPEXC_MASK);
    return ALU_DONE;
  }
  rWrite(rt, reg == 8 ? load<u32>(fpexc) : reg == 0 ? FPSID_VALUE : reg == 7 ? MVFR0_VALUE : MVFR1_VALUE);
  return ALU_DONE;
}

/** VMOV between Rt and a D register lane, or VDUP of Rt: `word` bits 11:8 = 1011, bit 4 set. */
function scalar(word: u32, pcValue: u64): u32 {
  const toCore = (word & 0x0010_0000) != 0;
  const reg = (((word >>> 7) & 1) << 4) | ((word >>> 16) & 15);
  const rt = (word >>> 12) & 15;
  if (rt == 15) return ALU_NOT_MINE;
  if (!toCore && (word & 0x0080_0000) != 0) { // VDUP: B (bit 22) : E (bit 5) pick 32, 16, 8
    const q = (word >>> 21) & 1;
    const be = (((word >>> 22) & 1) << 1) | ((word >>> 5) & 1);
    if (be == 3 || (word & 0x40) != 0 || (q != 0 && (reg & 1) != 0)) return ALU_NOT_MINE;
    const value = <u64>rRead(rt, pcValue);
    const lane: u64 = be == 0 ? value * 0x1_0000_0001 : be == 1 ? (value & 0xffff) * 0x0001_0001_0001_0001 : (value & 0xff) * 0x0101_0101_0101_0101;
    store<u64>(dAddress(reg), lane);
    if (q != 0) store<u64>(dAddress(reg), lane, 8);
    return ALU_DONE;
  }
  const opc = (((word >>> 21) & 3) << 2) | ((word >>> 5) & 3); // opc1:opc2
  let size: u32, index: u32;
  if ((opc & 8) != 0) { size = 0; index = opc & 7; }
  else if ((opc & 1) != 0) { size = 1; index = opc >> 1; }
  else if ((opc & 2) == 0) { size = 2; index = opc >> 2; }
  else return ALU_NOT_MINE;
  const unsigned = (word & 0x0080_0000) != 0;
  if (toCore && size == 2 && unsigned) return ALU_NOT_MINE;
  const at = dAddress(reg) + (index << size);
  if (toCore) {
    const value: u32 = size == 0 ? (unsigned ? <u32>load<u8>(at) : <u32><i32>load<i8>(at))
      : size == 1 ? (unsigned ? <u32>load<u16>(at) : <u32><i32>load<i16>(at)) : load<u32>(at);
    rWrite(rt, value);
  } else {
    const value = rRead(rt, pcValue);
    if (size == 0) store<u8>(at, <u8>value);
    else if (size == 1) store<u16>(at, <u16>value);
    else store<u32>(at, value);
  }
  return ALU_DONE;
}

/** VMOV between Rt, Rt2 and a D register (bit 8 set) or two consecutive S registers. */
function pair(word: u32, pcValue: u64): u32 {
  const toCore = (word & 0x0010_0000) != 0;
  const rt2 = (word >>> 16) & 15, rt = (word >>> 12) & 15;
  const double = (word & 0x100) != 0;
  const m = double ? (((word >>> 5) & 1) << 4) | (word & 15) : ((word & 15) << 1) | ((word >>> 5) & 1);
  if (rt == 15 || rt2 == 15 || (toCore && rt == rt2) || (!double && m == 31)) return ALU_NOT_MINE;
  const at = double ? dAddress(m) : sAddress(m);
  if (toCore) {
    rWrite(rt, load<u32>(at));
    rWrite(rt2, load<u32>(at, 4));
  } else {
    store<u32>(at, rRead(rt, pcValue));
    store<u32>(at, rRead(rt2, pcValue), 4);
  }
  return ALU_DONE;
}

/**
 * Executes `word` (condition passed) if it is one of this file's transfers: ALU_DONE
 * (pc not set), ALU_UNDEFINED (FPEXC or an ID register at PL0) or ALU_NOT_MINE.
 */
export function vfpMove(word: u32, pcValue: u64): u32 {
  if ((word >>> 28) == 15) return ALU_NOT_MINE;
  if ((word & 0x0fe0_0ed0) == 0x0c40_0a10) return pair(word, pcValue);
  if ((word & 0x0f00_0f1f) == 0x0e00_0b10) return scalar(word, pcValue);
  if ((word & 0x0fe0_0fff) == 0x0ee0_0a10) return specialRegister((word & 0x0010_0000) != 0, (word >>> 16) & 15, (word >>> 12) & 15, pcValue);
  if ((word & 0x0fbf_0ed0) == 0x0eb0_0a40) { // VMOV Sd, Sm / VMOV Dd, Dm (register)
    const double = (word & 0x100) != 0;
    const vd = (word >>> 12) & 15, vm = word & 15, dBit = (word >>> 22) & 1, mBit = (word >>> 5) & 1;
    if (double) store<u64>(dAddress((dBit << 4) | vd), load<u64>(dAddress((mBit << 4) | vm)));
    else store<u32>(sAddress((vd << 1) | dBit), load<u32>(sAddress((vm << 1) | mBit)));
    return ALU_DONE;
  }
  if ((word & 0x0fe0_0f7f) == 0x0e00_0a10) { // VMOV Rt <-> Sn
    const n = (((word >>> 16) & 15) << 1) | ((word >>> 7) & 1);
    const rt = (word >>> 12) & 15;
    if (rt == 15) return ALU_NOT_MINE;
    if ((word & 0x0010_0000) != 0) rWrite(rt, load<u32>(sAddress(n)));
    else store<u32>(sAddress(n), rRead(rt, pcValue));
    return ALU_DONE;
  }
  return ALU_NOT_MINE;
}
