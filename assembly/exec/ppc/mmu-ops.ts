// The PowerPC hash and 32-bit MMUs' instructions: the SLB (slbmte, slbie, slbia,
// slbmfee, slbmfev, slbfee.), the segment registers (mtsr, mtsrin, mfsr, mfsrin),
// SDR1 and the BATs by mtspr/mfspr, the 32-bit mtmsr, and the TLB invalidations of
// every mode.
//
// The software TLB is tagged by effective address. A hash-mode tlbie names a virtual
// page, which several effective addresses (segments with one VSID) may reach, and
// slbie drops a whole segment; so outside radix mode every invalidation, and every
// change of SLB, SR, SDR1 or BAT, flushes the whole local TLB, and a tlbie broadcasts
// a flush of everything (the shootdown ring's `all` post).
import { CPU_SYSREGS, CPU_SLB, CPU_MSR, SLB_ENTRIES, SYSREG_SDR1, SYSREG_SR0, SYSREG_BAT0, CPU_XER } from "../../layout";
import { CAUSE_INVALID_FORM } from "../../exits";
import { record } from "../../machine";
import { tlbFlushAll, tlbFlushVa, mmuOn } from "../../mmu/tlb";
import { shootPost } from "../../mmu/shootdown";
import { ppcWalker, WALKER_PPC_RADIX } from "../../mmu/walk";
import { slbFind, slbPageShift, SLB_ESID_V, SEGMENT_256M, SLB_B, SLB_B_1T } from "../../mmu/ppc-hash";
import { gpr, setGpr, setPc, cpu, cr, setCr, is64 } from "../../cpu/regs";
import { undefinedInstruction } from "../run-exits";
import { ALU_DONE, ALU_NOT_MINE } from "./alu";
import { ppcSetMmu } from "./run";

const SPR_SDR1: u32 = 25;
const SPR_BAT_FIRST: u32 = 528; // IBAT0U; DBAT3L is 543
const SPR_BAT_LAST: u32 = 543;
const SLB_INDEX: u64 = 0xfff;
const SLB_ESID_WORD: u64 = SEGMENT_256M | SLB_ESID_V;
const XER_SO: u64 = 0x8000_0000;

@inline function slbEntry(index: u32): usize {
  return record + CPU_SLB + (index << 4);
}

@inline function sysregAddress(index: u32): usize {
  return record + CPU_SYSREGS + (index << 3);
}

/**
 * Drops the translations of `va` after a tlbie (broadcast) or tlbiel (local): the page
 * in radix mode, everything in hash or 32-bit mode (see the header). A broadcast posts
 * everything even while this vCPU runs untranslated (other vCPUs may translate through
 * the hash table); a local one then needs the page only, as the TLB holds real
 * addresses (turning translation on flushes it).
 */
export function ppcTlbInvalidate(va: u64, broadcast: bool): void {
  const byPage = ppcWalker() == WALKER_PPC_RADIX;
  if (broadcast) shootPost(va, !byPage);
  else if (byPage || !mmuOn) tlbFlushVa(va);
  else tlbFlushAll();
}

/** slbmte's checks (QEMU's ppc_store_slb): a slot that exists, no reserved ESID bits, B of 256M or 1T, a supported L||LP. */
function slbStore(rb: u64, rs: u64): bool {
  const index = rb & SLB_INDEX;
  if (index >= SLB_ENTRIES || (rb & ~(SLB_ESID_WORD | SLB_INDEX)) != 0) return false;
  const b = rs & SLB_B;
  if ((b != 0 && b != SLB_B_1T) || slbPageShift(rs) == 0) return false;
  const entry = slbEntry(<u32>index);
  store<u64>(entry, rb & SLB_ESID_WORD);
  store<u64>(entry, rs, 8);
  tlbFlushAll(); // an entry replaced in place may have translated cached pages
  return true;
}

/**
 * Executes `word` (primary opcode 31, extended opcode `xo`) at `at` if it is one of
 * this file's: ALU_DONE with pc set, an exit (recorded), or ALU_NOT_MINE.
 */
export function ppcMmuOp(word: u32, at: u64, xo: u32, rt: u32, ra: u32, rb: u32): u32 {
  switch (xo) {
    case 146: // mtmsr RS (L = 0), the 32-bit form: the low word, then the MMU mode it selects
      if ((word & 0x0001_0000) == 0) {
        store<u64>(record + CPU_MSR, (load<u64>(record + CPU_MSR) & ~<u64>0xffff_ffff) | (gpr(rt) & 0xffff_ffff));
        ppcSetMmu();
      }
      break;
    case 402: // slbmte RS, RB
      if (!slbStore(gpr(rb), gpr(rt))) return undefinedInstruction(CAUSE_INVALID_FORM, at);
      break;
    case 434: { // slbie RB: the entry that translates RB's segment, if any
      const index = slbFind(gpr(rb));
      if (index >= 0) store<u64>(slbEntry(<u32>index), load<u64>(slbEntry(<u32>index)) & ~SLB_ESID_V);
      tlbFlushAll();
      break;
    }
    case 498: // slbia (IH = 0 and the forms that leave entry 0 alone): every entry but 0
      for (let index: u32 = 1; index < SLB_ENTRIES; index++) store<u64>(slbEntry(index), load<u64>(slbEntry(index)) & ~SLB_ESID_V);
      tlbFlushAll();
      break;
    case 915: // slbmfee RT, RB
    case 851: { // slbmfev RT, RB
      const index = gpr(rb) & SLB_INDEX;
      if (index >= SLB_ENTRIES) return undefinedInstruction(CAUSE_INVALID_FORM, at);
      setGpr(rt, load<u64>(slbEntry(<u32>index) + (xo == 915 ? 0 : 8)));
      break;
    }
    case 979: { // slbfee. RT, RB: the VSID word of the entry translating RB; CR0[EQ] when found
      if ((word & 1) == 0) return ALU_NOT_MINE;
      const index = slbFind(gpr(rb));
      setGpr(rt, index < 0 ? 0 : load<u64>(slbEntry(<u32>index), 8));
      const nibble: u32 = (index < 0 ? 0 : 2) | ((cpu(CPU_XER) & XER_SO) != 0 ? 1 : 0);
      setCr((cr() & 0x0fff_ffff) | (nibble << 28));
      break;
    }
    case 210: // mtsr SR, RS
    case 242: { // mtsrin RS, RB
      const sr = xo == 210 ? ra & 15 : <u32>(gpr(rb) >> 28) & 15;
      store<u64>(sysregAddress(SYSREG_SR0 + sr), gpr(rt) & 0xffff_ffff);
      tlbFlushAll();
      break;
    }
    case 595: // mfsr RT, SR
    case 659: { // mfsrin RT, RB
      const sr = xo == 595 ? ra & 15 : <u32>(gpr(rb) >> 28) & 15;
      setGpr(rt, load<u64>(sysregAddress(SYSREG_SR0 + sr)));
      break;
    }
    case 339: // mfspr
    case 467: { // mtspr
      const spr = ra | (rb << 5);
      let index: u32;
      if (spr == SPR_SDR1) index = SYSREG_SDR1;
      else if (spr >= SPR_BAT_FIRST && spr <= SPR_BAT_LAST) index = SYSREG_BAT0 + (spr - SPR_BAT_FIRST);
      else return ALU_NOT_MINE;
      if (xo == 339) {
        setGpr(rt, load<u64>(sysregAddress(index)));
      } else {
        store<u64>(sysregAddress(index), is64() ? gpr(rt) : gpr(rt) & 0xffff_ffff);
        tlbFlushAll(); // a new table or block mapping: nothing cached may survive
      }
      break;
    }
    default:
      return ALU_NOT_MINE;
  }
  const next = at + 4;
  setPc(is64() ? next : next & 0xffff_ffff);
  return ALU_DONE;
}
