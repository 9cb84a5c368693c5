// The T32 instructions a guest loop needs besides loads and stores: the 16-bit
// MOV/ADD/SUB/CMP forms (setting flags outside an IT block, as the ISA says), MOV and
// ADD on high registers, B<c>, B, BL, BX, CBZ/CBNZ, SVC, NOP, IT, MOVW/MOVT, the
// barriers and the CP15 MMU registers and TLB maintenance (cp15.ts). `word` is a
// 16-bit instruction, or a 32-bit one with its first halfword in the high bits.
import { CPU_NZCV } from "../layout";
import { EXIT_HYPERCALL, EXIT_SYNC_WAIT } from "../exits";
import { record } from "../machine";
import { setPc } from "../cpu/regs";
import { ALU_DONE, ALU_NOT_MINE } from "./ppc/alu";
import { rRead, rWrite, interworkingBranch } from "./a32-loadstore";
import { addWithCarry32 } from "./a32-alu";
import { conditionHolds } from "./a64-alu";
import { shootBarrier } from "../mmu/shootdown";
import { cp15 } from "./cp15";

/** N and Z from a result (MOVS): C and V unchanged. */
function setNZ(result: u32): void {
  const cpsr = load<u32>(record + CPU_NZCV) & 0x3fff_ffff;
  store<u32>(record + CPU_NZCV, cpsr | (result & 0x8000_0000) | (result == 0 ? 0x4000_0000 : 0));
}

@inline function branch(target: u64): u32 {
  setPc(target & 0xffff_fffe);
  return ALU_DONE;
}

/** Executes `word` at `at` (its IT condition already passed): ALU_DONE, EXIT_HYPERCALL, EXIT_SYNC_WAIT or ALU_NOT_MINE. */
export function t32Alu(word: u32, length: u32, at: u64, inIt: bool): u32 {
  const pcValue = at + 4;
  const next = at + length;
  const setFlags = !inIt;
  if (length == 2) {
    const top5 = word >>> 11;
    const low = word & 7;
    const mid = (word >>> 3) & 7;
    const high = (word >>> 6) & 7;
    const rdn = (word >>> 8) & 7;
    const imm8 = word & 0xff;
    if (top5 == 0b00100) { // MOV(S) Rd, #imm8
      rWrite(rdn, imm8);
      if (setFlags) setNZ(imm8);
    } else if (top5 == 0b00101) { // CMP Rn, #imm8
      addWithCarry32(rRead(rdn, pcValue), ~imm8, 1, true);
    } else if (top5 == 0b00110) { // ADD(S) Rdn, #imm8
      rWrite(rdn, addWithCarry32(rRead(rdn, pcValue), imm8, 0, setFlags));
    } else if (top5 == 0b00111) { // SUB(S) Rdn, #imm8
      rWrite(rdn, addWithCarry32(rRead(rdn, pcValue), ~imm8, 1, setFlags));
    } else if ((word >>> 9) == 0b0001100 || (word >>> 9) == 0b0001101) { // ADD(S)/SUB(S) Rd, Rn, Rm
      const subtract = (word & 0x200) != 0;
      const b = rRead(high, pcValue);
      rWrite(low, subtract ? addWithCarry32(rRead(mid, pcValue), ~b, 1, setFlags) : addWithCarry32(rRead(mid, pcValue), b, 0, setFlags));
    } else if ((word >>> 9) == 0b0001110 || (word >>> 9) == 0b0001111) { // ADD(S)/SUB(S) Rd, Rn, #imm3
      const subtract = (word & 0x200) != 0;
      rWrite(low, subtract ? addWithCarry32(rRead(mid, pcValue), ~high, 1, setFlags) : addWithCarry32(rRead(mid, pcValue), high, 0, setFlags));
    } else if ((word >>> 6) == 0b0100001010) { // CMP Rn, Rm (low registers)
      addWithCarry32(rRead(low, pcValue), ~rRead(mid, pcValue), 1, true);
    } else if ((word >>> 8) == 0b01000101) { // CMP Rn, Rm (any registers)
      addWithCarry32(rRead(((word >>> 4) & 8) | low, pcValue), ~rRead((word >>> 3) & 15, pcValue), 1, true);
    } else if ((word >>> 8) == 0b01000110 || (word >>> 8) == 0b01000100) { // MOV / ADD Rdn, Rm (any registers)
      const rd = ((word >>> 4) & 8) | low;
      const rm = (word >>> 3) & 15;
      if (rd == 15) return ALU_NOT_MINE;
      rWrite(rd, (word >>> 8) == 0b01000110 ? rRead(rm, pcValue) : rRead(rd, pcValue) + rRead(rm, pcValue));
    } else if ((word & 0xff87) == 0x4700) { // BX Rm
      interworkingBranch(rRead((word >>> 3) & 15, pcValue));
      return ALU_DONE;
    } else if ((word >>> 12) == 0b1101 && ((word >>> 8) & 15) < 14) { // B<c>
      const target = pcValue + <u64>(<i64>(<i8>imm8) << 1);
      return branch(conditionHolds((word >>> 8) & 15) ? target : next);
    } else if (top5 == 0b11100) { // B
      return branch(pcValue + <u64>(<i64>(<i32>(word << 21) >> 20)));
    } else if ((word & 0xf500) == 0xb100) { // CBZ, CBNZ
      const offset = <u64>((((word >>> 9) & 1) << 6) | (((word >>> 3) & 31) << 1));
      const zero = rRead(low, pcValue) == 0;
      return branch(zero == ((word & 0x800) == 0) ? pcValue + offset : next);
    } else if ((word >>> 8) == 0xdf) { // SVC
      setPc(next);
      return EXIT_HYPERCALL;
    } else if ((word >>> 8) == 0xbf) { // IT (the run loop tracks its state), NOP and hints
    } else {
      return ALU_NOT_MINE;
    }
  } else {
    const hw1 = word >>> 16;
    const hw2 = word & 0xffff;
    if ((hw1 & 0xf800) == 0xf000 && (hw2 & 0xd000) == 0xd000) { // BL
      const s = (hw1 >>> 10) & 1;
      const i1 = ~((hw2 >>> 13) ^ s) & 1;
      const i2 = ~((hw2 >>> 11) ^ s) & 1;
      const imm = (s << 24) | (i1 << 23) | (i2 << 22) | ((hw1 & 0x3ff) << 12) | ((hw2 & 0x7ff) << 1);
      rWrite(14, <u32>next | 1);
      return branch(pcValue + <u64>(<i64>(<i32>(imm << 7) >> 7)));
    } else if ((hw1 & 0xfb70) == 0xf240 && (hw2 & 0x8000) == 0) { // MOVW, MOVT
      const rd = (hw2 >>> 8) & 15;
      if (rd >= 13) return ALU_NOT_MINE;
      const imm16 = ((hw1 & 15) << 12) | (((hw1 >>> 10) & 1) << 11) | (((hw2 >>> 12) & 7) << 8) | (hw2 & 0xff);
      rWrite(rd, (hw1 & 0x0080) != 0 ? (rRead(rd, pcValue) & 0xffff) | (imm16 << 16) : imm16);
    } else if (hw1 == 0xf3bf && (hw2 & 0xff00) == 0x8f00 && ((hw2 >>> 4) & 15) >= 4 && ((hw2 >>> 4) & 15) <= 6) {
      // DSB retires this vCPU's broadcast TLB invalidations; DMB and ISB need nothing
      // (every access completes before the next instruction).
      if (((hw2 >>> 4) & 15) == 4 && !shootBarrier()) return EXIT_SYNC_WAIT;
    } else if (word == 0xf3af_8000) { // NOP.W
    } else if ((hw1 & 0xec00) == 0xec00) { // coprocessor: the CP15 subset (cp15.ts), encoded as A32's with cond 0b1110
      const status = cp15(word, pcValue);
      if (status != ALU_DONE) return status;
    } else {
      return ALU_NOT_MINE;
    }
  }
  setPc(next);
  return ALU_DONE;
}
