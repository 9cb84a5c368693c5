// The 64-bit PowerPC hashed page table (Power ISA 2.07/3.0 Book III 5.7.7, as QEMU's
// target/ppc/mmu-hash64.c): the SLB maps the effective segment (256 MiB or 1 TiB, by
// its B field) to a virtual segment id; the VSID and the page index hash to a primary
// PTE group (PTEG) of the table SDR1 names, the complemented hash to the secondary one.
// A PTEG is 8 big-endian 16-byte PTEs; the match compares B, AVPN, H and V. The SLB
// entry's L||LP gives the base page size (4 KiB, 64 KiB, 16 MiB: the ISA's default
// encodings), and the PTE must confirm it (L, and LP in the RPN's low bits); a PTE for
// another size is skipped, as the ISA says. pp with the key (Ks, or Kp with MSR[PR])
// decides loads and stores, N (SLB or PTE) and G deny fetches; R and C are set with a
// compare-exchange on the big-endian doubleword, a write under a guest write's slot
// rules (dirty logging marks the table's page). The ISA defines a storage interrupt for
// an R/C update only under radix translation (DSISR bit 45); an HPT entry a READONLY
// slot holds keeps its bits and the access goes on, as in QEMU's mmu-hash64.c, whose
// R/C byte stores (stb_phys) a ROM region discards.
import { CPU_SLB, CPU_MSR, SLB_ENTRIES, SYSREG_SDR1, REC_FAULT_ADDR, REC_FAULT_SYNDROME } from "../layout";
import { PPC_SEGMENT_FAULT_BIT } from "../exits";
import { record } from "../machine";
import { ramAddress } from "../mem/slots";
import { WALK_FAULT, sysreg, ppcFault as fault, tableWriteHost, tableWritten, DSISR_NOPTE, DSISR_PROTFAULT } from "./walk-common";

/** After a successful walk: whether the page was larger than 4 KiB. */
export let hashWalkedLarge = false;

/** SRR1 of an instruction storage interrupt on a no-execute or guarded page (or an N segment). */
export const SRR1_NOEXEC_GUARD: u64 = 0x1000_0000;
/** The syndrome of a segment interrupt (no SLB entry): vector 0x380 for data, 0x480 for a fetch (the address is then the pc). */
export const SEGMENT_FAULT: u64 = <u64>1 << PPC_SEGMENT_FAULT_BIT;

/** MSR[PR]: problem state picks the SLB's Kp instead of Ks. */
export const MSR_PR: u64 = 0x4000;

// The SLB entry, as slbmte's RB (ESID word) and RS (VSID word)
export const SLB_ESID_V: u64 = 0x800_0000;
export const SEGMENT_256M: u64 = 0xffff_ffff_f000_0000;
export const SEGMENT_1T: u64 = 0xffff_ff00_0000_0000;
export const SLB_B: u64 = 0xc000_0000_0000_0000;
export const SLB_B_1T: u64 = 0x4000_0000_0000_0000;
const SLB_VSID: u64 = 0x3fff_ffff_ffff_f000;
const SLB_KS: u64 = 0x800;
const SLB_KP: u64 = 0x400;
const SLB_N: u64 = 0x200;
export const SLB_LLP: u64 = 0x130; // L (0x100) and LP (0x30)
const LLP_64K: u64 = 0x110;
const LLP_16M: u64 = 0x100;

// PTE doubleword 0
const PTE_V: u64 = 0x1;
const PTE_H: u64 = 0x2;
const PTE_L: u64 = 0x4;
const PTE_AVPN: u64 = 0x3fff_ffff_ffff_ff80;
const PTE_MATCH: u64 = 0xffff_ffff_ffff_ff83; // B, AVPN, H, V
// PTE doubleword 1
const PTE_PP0: u64 = <u64>1 << 63;
const PTE_RPN: u64 = 0x0fff_ffff_ffff_f000;
const PTE_R: u64 = 0x100;
const PTE_C: u64 = 0x80;
const PTE_G: u64 = 0x8;
const PTE_N: u64 = 0x4;
const PTE_PP: u64 = 0x3;

const SDR1_HTABORG: u64 = 0x0fff_ffff_fffc_0000;
const SDR1_HTABSIZE: u64 = 0x1f;
const HTABSIZE_MAX: u64 = 28; // a 2^46-byte table

// Which PP0||PP values allow a load or a store, per key (bit n: pp = n); pp 4, 5, 7 allow nothing.
const READABLE_KEY0: u32 = 0b0100_1111;
const WRITABLE_KEY0: u32 = 0b0000_0111;
const READABLE_KEY1: u32 = 0b0000_1110;
const WRITABLE_KEY1: u32 = 0b0000_0100;



/** The SLB entry (0..SLB_ENTRIES-1) whose valid segment holds `ea`, or -1. */
export function slbFind(ea: u64): i32 {
  for (let index: u32 = 0; index < SLB_ENTRIES; index++) {
    const entry = record + CPU_SLB + (index << 4);
    const esid = load<u64>(entry);
    if ((esid & SLB_ESID_V) == 0) continue;
    const b = load<u64>(entry, 8) & SLB_B;
    const mask = b == 0 ? SEGMENT_256M : b == SLB_B_1T ? SEGMENT_1T : 0; // B = 2, 3: reserved, never matches
    if (mask != 0 && (esid & mask) == (ea & mask)) return <i32>index;
  }
  return -1;
}

/** log2 of the base page size an SLB VSID word's L||LP selects; 0 for an encoding not supported. */
export function slbPageShift(vsidWord: u64): u64 {
  const llp = vsidWord & SLB_LLP;
  return llp == 0 ? 12 : llp == LLP_64K ? 16 : llp == LLP_16M ? 24 : 0;
}

/** Whether a PTE's L and LP encode the page size `shift` (4 KiB: L clear; 64 KiB: LP 0001; 16 MiB: LP 0). */
@inline function encodesSize(pte0: u64, pte1: u64, shift: u64): bool {
  if (shift == 12) return (pte0 & PTE_L) == 0;
  if ((pte0 & PTE_L) == 0) return false;
  return shift == 16 ? (pte1 & 0xf000) == 0x1000 : (pte1 & 0xff_f000) == 0;
}

/** After a searchGroup that found a PTE: its real address. */
let foundPte: u64 = 0;

/** The host address of the PTE in the PTEG at `pteg` matching `expected` for pages of `shift`; 0 if none (or no RAM holds the group). */
function searchGroup(pteg: u64, expected: u64, shift: u64): usize {
  const group = ramAddress(0, pteg, 128, false);
  if (group == 0) return 0;
  for (let at = group; at < group + 128; at += 16) {
    // Seq-cst loads: doubleword 0 (V) is read before doubleword 1, as the ISA orders
    // the search, so a PTE being written (pte1 first, then V) is seen whole or not at all.
    const pte0 = bswap<u64>(atomic.load<u64>(at));
    if (((pte0 ^ expected) & PTE_MATCH) != 0) continue;
    if (encodesSize(pte0, bswap<u64>(atomic.load<u64>(at, 8)), shift)) {
      foundPte = pteg + <u64>(at - group);
      return at;
    }
  }
  return 0;
}

/** Translates `ea`; the real address, or WALK_FAULT with the syndrome (DSISR, SRR1 bits or SEGMENT_FAULT) and DAR recorded. Sets R, and C on a store. */
export function hashWalk(ea: u64, write: bool, fetch: bool): u64 {
  const slot = slbFind(ea);
  if (slot < 0) {
    store<u64>(record + REC_FAULT_SYNDROME, SEGMENT_FAULT);
    store<u64>(record + REC_FAULT_ADDR, ea);
    return WALK_FAULT;
  }
  const vsidWord = load<u64>(record + CPU_SLB + (<u32>slot << 4), 8);
  if (fetch && (vsidWord & SLB_N) != 0) return fault(ea, SRR1_NOEXEC_GUARD, false);
  const shift = slbPageShift(vsidWord);
  const sdr1 = sysreg(SYSREG_SDR1);
  const htabSize = sdr1 & SDR1_HTABSIZE;
  if (shift == 0 || htabSize > HTABSIZE_MAX) return fault(ea, DSISR_NOPTE, write);
  const oneT = (vsidWord & SLB_B) == SLB_B_1T;
  const vsid = (vsidWord & SLB_VSID) >> (oneT ? 24 : 12);
  const pageMask = (<u64>1 << shift) - 1;
  const epn = ea & ~(oneT ? SEGMENT_1T : SEGMENT_256M) & ~pageMask;
  let hash = vsid ^ (epn >> shift);
  if (oneT) hash ^= vsid << 25;
  const expected = (vsidWord & (SLB_B | SLB_VSID)) | ((epn >> 16) & PTE_AVPN) | PTE_V;
  const groups = (<u64>1 << (htabSize + 11)) - 1;
  const htab = sdr1 & SDR1_HTABORG;
  let match = expected;
  let pte = searchGroup(htab + ((hash & groups) << 7), match, shift);
  if (pte == 0) {
    match = expected | PTE_H;
    pte = searchGroup(htab + ((~hash & groups) << 7), match, shift);
  }
  if (pte == 0) return fault(ea, DSISR_NOPTE, write);
  const problemState = (load<u64>(record + CPU_MSR) & MSR_PR) != 0;
  const key1 = (vsidWord & (problemState ? SLB_KP : SLB_KS)) != 0;
  let current = bswap<u64>(atomic.load<u64>(pte, 8));
  while (true) {
    const pp = <u32>((current & PTE_PP) | ((current & PTE_PP0) >> 61));
    const readable = ((key1 ? READABLE_KEY1 : READABLE_KEY0) >> pp) & 1;
    const writable = ((key1 ? WRITABLE_KEY1 : WRITABLE_KEY0) >> pp) & 1;
    if (fetch && (current & (PTE_N | PTE_G)) != 0) return fault(ea, SRR1_NOEXEC_GUARD, false);
    if ((write ? writable : readable) == 0) return fault(ea, DSISR_PROTFAULT, write);
    const next = current | PTE_R | (write ? PTE_C : 0);
    if (next == current) break;
    // Atomic: another vCPU's walk or the guest may update the entry meanwhile; retry
    // with theirs, once doubleword 0 shows it still maps this page.
    const host = tableWriteHost(foundPte + 8, 8);
    if (host == 0) break; // the update is not made
    const seen = bswap<u64>(atomic.cmpxchg<u64>(host, bswap<u64>(current), bswap<u64>(next)));
    if (seen == current) {
      tableWritten(foundPte + 8, 8);
      break;
    }
    current = seen;
    const pte0 = bswap<u64>(atomic.load<u64>(pte));
    if (((pte0 ^ match) & PTE_MATCH) != 0 || !encodesSize(pte0, current, shift)) return fault(ea, DSISR_NOPTE, write);
  }
  hashWalkedLarge = shift > 12;
  return ((current & PTE_RPN) & ~pageMask) | (ea & pageMask);
}
