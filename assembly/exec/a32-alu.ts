// The A32 instructions a guest loop needs besides loads and stores: MOV/MOVW/MOVT,
// ADD/SUB/CMP (immediate or immediate-shifted register, ADDS/SUBS setting NZCV),
// ORR/AND, B/BL/BX, SVC as the hypercall, NOP, DSB/DMB/ISB and the CP15 MMU registers
// and TLB maintenance (cp15.ts). Every instruction's condition is checked by the run loop.
import { CPU_NZCV } from "../layout";
import { EXIT_HYPERCALL, EXIT_SYNC_WAIT } from "../exits";
import { SHIFT_LSL, SHIFT_LSR, SHIFT_ASR, SHIFT_ROR, SHIFT_RRX } from "../decode/descriptor";
import { record } from "../machine";
import { setPc } from "../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { rRead, rWrite, shiftC, interworkingBranch } from "./a32-loadstore";
import { shootBarrier } from "../mmu/shootdown";
import { cp15 } from "./cp15";

/** AddWithCarry at 32 bits; sets NZCV (keeping CPSR's other bits) when asked. */
export function addWithCarry32(a: u32, b: u32, carry: u32, setFlags: bool): u32 {
  const wide = <u64>a + <u64>b + <u64>carry;
  const result = <u32>wide;
  if (setFlags) {
    const n = result >>> 31;
    const z: u32 = result == 0 ? 1 : 0;
    const c = <u32>(wide >> 32) & 1;
    const v = ((a ^ result) & (b ^ result)) >>> 31;
    const cpsr = load<u32>(record + CPU_NZCV) & 0x0fff_ffff;
    store<u32>(record + CPU_NZCV, cpsr | (n << 31) | (z << 30) | (c << 29) | (v << 28));
  }
  return result;
}

/** Operand2: a rotated 8-bit immediate, or Rm shifted by an immediate. */
@inline function operand2(word: u32, pcValue: u64): u32 {
  if ((word & 0x0200_0000) != 0) return rotr<u32>(word & 0xff, ((word >>> 8) & 15) << 1);
  const type = (word >>> 5) & 3;
  const imm5 = (word >>> 7) & 31;
  const rm = rRead(word & 15, pcValue);
  if (type == 0) return imm5 == 0 ? rm : shiftC(rm, SHIFT_LSL, imm5);
  if (type == 1) return shiftC(rm, SHIFT_LSR, imm5 == 0 ? 32 : imm5);
  if (type == 2) return shiftC(rm, SHIFT_ASR, imm5 == 0 ? 32 : imm5);
  return imm5 == 0 ? shiftC(rm, SHIFT_RRX, 1) : shiftC(rm, SHIFT_ROR, imm5);
}

/** Executes `word` at `at` (its condition already passed): ALU_DONE, EXIT_HYPERCALL, EXIT_SYNC_WAIT or ALU_NOT_MINE. */
export function a32Alu(word: u32, at: u64): u32 {
  const pcValue = at + 8;
  if ((word & 0x0ff0_0000) == 0x0300_0000 || (word & 0x0ff0_0000) == 0x0340_0000) { // MOVW, MOVT
    const rd = (word >>> 12) & 15;
    if (rd == 15) return ALU_NOT_MINE;
    const imm16 = ((word >>> 4) & 0xf000) | (word & 0xfff);
    rWrite(rd, (word & 0x0040_0000) != 0 ? (rRead(rd, pcValue) & 0xffff) | (imm16 << 16) : imm16);
  } else if ((word & 0x0c00_0000) == 0) { // data processing
    const immediate = (word & 0x0200_0000) != 0;
    if (!immediate && (word & 0x10) != 0) return ALU_NOT_MINE; // register-shifted register, multiplies, extra loads
    const opcode = (word >>> 21) & 15;
    const setFlags = (word & 0x0010_0000) != 0;
    const rn = (word >>> 16) & 15;
    const rd = (word >>> 12) & 15;
    if (rd == 15 && opcode != 10) return ALU_NOT_MINE;
    const b = operand2(word, pcValue);
    const a = rRead(rn, pcValue);
    switch (opcode) {
      case 4: rWrite(rd, addWithCarry32(a, b, 0, setFlags)); break; // ADD
      case 2: rWrite(rd, addWithCarry32(a, ~b, 1, setFlags)); break; // SUB
      case 10: { // CMP
        if (!setFlags) return ALU_NOT_MINE;
        addWithCarry32(a, ~b, 1, true);
        break;
      }
      case 13: if (setFlags) return ALU_NOT_MINE; rWrite(rd, b); break; // MOV
      case 12: if (setFlags) return ALU_NOT_MINE; rWrite(rd, a | b); break; // ORR
      case 0: if (setFlags) return ALU_NOT_MINE; rWrite(rd, a & b); break; // AND
      default: return ALU_NOT_MINE;
    }
  } else if ((word & 0x0e00_0000) == 0x0a00_0000) { // B, BL
    if ((word & 0x0100_0000) != 0) rWrite(14, <u32>at + 4);
    setPc(<u64>(<u32>pcValue + <u32>((<i32>(word << 8)) >> 6)));
    return ALU_DONE;
  } else if ((word & 0x0fff_fff0) == 0x012f_ff10) { // BX Rm
    interworkingBranch(rRead(word & 15, pcValue));
    return ALU_DONE;
  } else if ((word & 0x0f00_0000) == 0x0f00_0000) { // SVC
    setPc(at + 4);
    return EXIT_HYPERCALL;
  } else if ((word & 0xffff_ff00) == 0xf57f_f000 && ((word >>> 4) & 15) >= 4 && ((word >>> 4) & 15) <= 6) {
    // DSB retires this vCPU's broadcast TLB invalidations; DMB and ISB need nothing (the
    // interpreter completes every access before the next instruction).
    if (((word >>> 4) & 15) == 4 && !shootBarrier()) return EXIT_SYNC_WAIT;
  } else if ((word & 0x0fff_ffff) == 0x0320_f000) { // NOP
  } else if ((word & 0x0c00_0000) == 0x0c00_0000) { // coprocessor: the CP15 subset (cp15.ts)
    const status = cp15(word, pcValue);
    if (status != ALU_DONE) return status;
  } else {
    return ALU_NOT_MINE;
  }
  setPc(at + 4);
  return ALU_DONE;
}
