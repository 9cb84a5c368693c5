// The 32-bit classic PowerPC MMU (the 603/604/7xx "OEA", as QEMU's mmu-hash32.c):
// block address translation first (IBATs for fetches, DBATs for data: BEPI and BL
// select a 128 KiB..256 MiB block, Vs/Vp its validity by privilege, BRPN its real base,
// PP its access), then the segment register EA[0:3] names (Ks, Kp, N, VSID; T=1
// direct-store segments are not emulated and fault), then the hashed page table SDR1
// names: 64-byte PTEGs of 8 big-endian 8-byte PTEs, the primary hash VSID ^ page
// index, the secondary its complement, HTABMASK selecting how many hash bits reach
// HTABORG. R and C are set with a compare-exchange on the PTE's second word, a write
// under a guest write's slot rules (dirty logging marks the table's page). The
// architecture defines no interrupt for a failed R/C update of a hashed page table: a
// PTE a READONLY slot holds keeps its bits and the access goes on, as in QEMU's
// mmu-hash32.c, whose R/C byte stores (stb_phys) a ROM region discards.
import { CPU_MSR, SYSREG_SDR1, SYSREG_SR0, SYSREG_BAT0 } from "../layout";
import { record } from "../machine";
import { ramAddress } from "../mem/slots";
import { WALK_FAULT, sysreg, ppcFault as fault, tableWriteHost, tableWritten, DSISR_NOPTE, DSISR_PROTFAULT } from "./walk-common";
import { MSR_PR, SRR1_NOEXEC_GUARD } from "./ppc-hash";

/** After a successful walk: whether a BAT (a block of 128 KiB or more) translated it. */
export let ppc32WalkedBlock = false;

/** DSISR of a data access to a direct-store (T=1) segment, which this MMU does not emulate. */
export const DSISR_DIRECT_STORE: u64 = 0x0400_0000;

const BATU_BEPI: u64 = 0xfffe_0000;
const BATU_BL: u64 = 0x1ffc;
const BATU_VS: u64 = 0x2;
const BATU_VP: u64 = 0x1;
const BAT_PP: u64 = 0x3;
const BAT_COUNT: u32 = 4;

const SR_T: u64 = 0x8000_0000;
const SR_KS: u64 = 0x4000_0000;
const SR_KP: u64 = 0x2000_0000;
const SR_N: u64 = 0x1000_0000;
const SR_VSID: u64 = 0x00ff_ffff;

const PTE_V: u32 = 0x8000_0000;
const PTE_H: u32 = 0x40;
const PTE_RPN: u32 = 0xffff_f000;
const PTE_R: u32 = 0x100;
const PTE_C: u32 = 0x80;
const PTE_PP: u32 = 0x3;

const SDR1_HTABORG: u64 = 0xffff_0000;
const SDR1_HTABMASK: u64 = 0x1ff;

// Which PP values allow a load or a store, per key (bit n: pp = n).
const READABLE_KEY0: u32 = 0b1111;
const WRITABLE_KEY0: u32 = 0b0111;
const READABLE_KEY1: u32 = 0b1110;
const WRITABLE_KEY1: u32 = 0b0100;



/** The PTEG address for `hash`: HTABORG with HTABMASK's hash bits ORed into bits 7:15, as the OEA forms it. */
@inline function groupAddress(sdr1: u64, hash: u64): u64 {
  return (sdr1 & SDR1_HTABORG) | ((hash << 6) & (((sdr1 & SDR1_HTABMASK) << 16) | 0xffc0));
}

/** After a searchGroup that found a PTE: its real address. */
let foundPte: u64 = 0;

/** The host address of the PTE in the PTEG at `pteg` whose first word is `expected`; 0 if none (or no RAM holds the group). */
function searchGroup(pteg: u64, expected: u32): usize {
  const group = ramAddress(0, pteg, 64, false);
  if (group == 0) return 0;
  for (let at = group; at < group + 64; at += 8) {
    // Seq-cst: the word holding V is read before the word the walk then uses.
    if (bswap<u32>(atomic.load<u32>(at)) == expected) {
      foundPte = pteg + <u64>(at - group);
      return at;
    }
  }
  return 0;
}

/** Translates the 32-bit `ea`; the real address, or WALK_FAULT with DSISR (fetches: SRR1 bits) and DAR recorded. */
export function ppc32Walk(address: u64, write: bool, fetch: bool): u64 {
  const ea = address & 0xffff_ffff;
  const problemState = (load<u64>(record + CPU_MSR) & MSR_PR) != 0;
  const bats = SYSREG_BAT0 + (fetch ? 0 : 2 * BAT_COUNT);
  for (let index: u32 = 0; index < BAT_COUNT; index++) {
    const upper = sysreg(bats + 2 * index);
    if ((upper & (problemState ? BATU_VP : BATU_VS)) == 0) continue;
    const mask = BATU_BEPI & ~((upper & BATU_BL) << 15);
    if ((ea & mask) != (upper & BATU_BEPI)) continue;
    const lower = sysreg(bats + 2 * index + 1);
    const pp = lower & BAT_PP;
    if (pp == 0 || (write && pp != 2)) return fault(ea, DSISR_PROTFAULT, write);
    ppc32WalkedBlock = true;
    return ((lower & mask) | (ea & ~mask)) & 0xffff_ffff;
  }
  const segment = sysreg(SYSREG_SR0 + <u32>(ea >> 28));
  if ((segment & SR_T) != 0) return fault(ea, fetch ? SRR1_NOEXEC_GUARD : DSISR_DIRECT_STORE, write);
  if (fetch && (segment & SR_N) != 0) return fault(ea, SRR1_NOEXEC_GUARD, false);
  const vsid = segment & SR_VSID;
  const pageIndex = (ea >> 12) & 0xffff;
  const hash = vsid ^ pageIndex;
  const expected = PTE_V | <u32>(vsid << 7) | <u32>(pageIndex >> 10);
  const sdr1 = sysreg(SYSREG_SDR1);
  let pte = searchGroup(groupAddress(sdr1, hash), expected);
  if (pte == 0) pte = searchGroup(groupAddress(sdr1, ~hash), expected | PTE_H);
  if (pte == 0) return fault(ea, DSISR_NOPTE, write);
  const key1 = (segment & (problemState ? SR_KP : SR_KS)) != 0;
  const matched = bswap<u32>(atomic.load<u32>(pte));
  let current = bswap<u32>(atomic.load<u32>(pte, 4));
  while (true) {
    const pp = current & PTE_PP;
    const allowed = ((write ? (key1 ? WRITABLE_KEY1 : WRITABLE_KEY0) : (key1 ? READABLE_KEY1 : READABLE_KEY0)) >> pp) & 1;
    if (allowed == 0) return fault(ea, DSISR_PROTFAULT, write);
    const next = current | PTE_R | (write ? PTE_C : 0);
    if (next == current) break;
    // Atomic: another vCPU's walk or the guest may update the word meanwhile; retry
    // with theirs, once the first word shows the PTE still maps this page.
    const host = tableWriteHost(foundPte + 4, 4);
    if (host == 0) break; // the update is not made
    const seen = bswap<u32>(atomic.cmpxchg<u32>(host, bswap<u32>(current), bswap<u32>(next)));
    if (seen == current) {
      tableWritten(foundPte + 4, 4);
      break;
    }
    current = seen;
    if (bswap<u32>(atomic.load<u32>(pte)) != matched) return fault(ea, DSISR_NOPTE, write);
  }
  ppc32WalkedBlock = false;
  return <u64>(current & PTE_RPN) | (ea & 0xfff);
}
