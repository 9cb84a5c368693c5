// The PowerPC radix MMU (Power ISA 3.0, Book III 6.7.10), as a hypervisor sees its
// own process-scoped translation (LPID 0, no partition-scoped stage): PTCR names the
// partition table, whose entry 0 names the process table; the entry for the PID
// (quadrant 0) or 0 (quadrant 3) gives the tree's size and root. Each level's entry
// is a big-endian doubleword: V (bit 63), L (leaf, bit 62), next-level base and size;
// a leaf holds the real page number, R and C (set here atomically) and EAA permissions.
// Setting R/C is a write under a guest write's slot rules (dirty logging marks the
// table's page). The ISA lets an implementation raise a storage interrupt instead of
// setting R/C (Power ISA 3.1 Book III 7.5.3 and 7.5.5: DSISR/SRR1 bit 45; POWER9 and
// QEMU's mmu-radix64.c ppc_radix64_check_rc always do): that is the outcome when a
// READONLY slot holds the entry, which is left unchanged.
import { SYSREG_PTCR, SYSREG_PID } from "../layout";
import { ramAddress } from "../mem/slots";
import {
  WALK_FAULT, sysreg, ppcFault as fault, tableWriteHost, tableWritten, DSISR_NOPTE, DSISR_PROTFAULT, DSISR_R_BADCONFIG,
  DSISR_ATOMIC_RC,
} from "./walk-common";

/** After a successful walk: whether the leaf mapped more than 4 KiB (2 MiB, 1 GiB). */
export let radixWalkedBlock = false;


const V: u64 = <u64>1 << 63;
const L: u64 = <u64>1 << 62;
const NLB_MASK: u64 = 0x0fff_ffff_ffff_ff00;
const RPN_MASK: u64 = 0x01ff_ffff_ffff_f000;
const R_BIT: u64 = 0x100;
const C_BIT: u64 = 0x80;
const EAA_READ: u64 = 0x4;
const EAA_READ_WRITE: u64 = 0x2;
const EAA_EXECUTE: u64 = 0x1;



/** A big-endian doubleword of guest real memory, or 0 (never a valid entry) when no RAM holds it. */
function readEntry(address: u64): u64 {
  const host = ramAddress(0, address, 8, false);
  return host == 0 ? 0 : bswap<u64>(atomic.load<u64>(host));
}

/** Translates `ea`; returns the real address or WALK_FAULT with DSISR/DAR recorded. Sets R (and C on a store). */
export function radixWalk(ea: u64, write: bool, fetch: bool): u64 {
  const quadrant = ea >> 62;
  if (quadrant == 1 || quadrant == 2) return fault(ea, DSISR_R_BADCONFIG, write);
  const pid = quadrant == 3 ? 0 : sysreg(SYSREG_PID);
  const ptcr = sysreg(SYSREG_PTCR);
  // Partition table entry 0 (16 bytes) at PATB; its second doubleword is PRTB | PRTS.
  const patb = ptcr & 0x0fff_ffff_ffff_f000;
  const processTable = readEntry(patb + 8) & 0x0fff_ffff_ffff_f000;
  const processTableSize = <u64>1 << ((readEntry(patb + 8) & 31) + 12);
  if (processTable == 0 || (pid << 4) >= processTableSize) return fault(ea, DSISR_R_BADCONFIG, write);
  const entry = readEntry(processTable + (pid << 4));
  // RTS (bits 1:2 and 56:58 of the doubleword): the tree covers 2^(RTS+31) bytes.
  const rts = (((entry >> 61) & 3) << 3) | ((entry >> 5) & 7);
  const bits = rts + 31;
  if (entry == 0 || bits > 52) return fault(ea, DSISR_R_BADCONFIG, write);
  const offset = ea & 0x0fff_ffff_ffff_ffff;
  if ((offset >> bits) != 0) return fault(ea, DSISR_NOPTE, write);
  let base = entry & NLB_MASK;
  let size = entry & 31; // RPDS: log2 of the root's entries
  let remaining = bits;
  while (true) {
    if (size == 0 || size + 12 > remaining) return fault(ea, DSISR_R_BADCONFIG, write);
    remaining -= size;
    const index = (offset >> remaining) & ((<u64>1 << size) - 1);
    const at = base + (index << 3);
    const pde = readEntry(at);
    if ((pde & V) == 0) return fault(ea, DSISR_NOPTE, write);
    if ((pde & L) != 0) {
      if (remaining != 12 && remaining != 21 && remaining != 30) return fault(ea, DSISR_R_BADCONFIG, write);
      return leaf(ea, pde, at, remaining, write, fetch);
    }
    if (remaining <= 12) return fault(ea, DSISR_R_BADCONFIG, write);
    base = pde & NLB_MASK;
    size = pde & 31;
  }
}

/** Checks EAA against the access, sets R (and C for a store) in the PTE at real address `at` with a compare-exchange; the real address. */
function leaf(ea: u64, pte: u64, at: u64, pageBits: u64, write: bool, fetch: bool): u64 {
  let current = pte;
  while (true) {
    const allowed = fetch ? (current & EAA_EXECUTE) != 0 : write ? (current & EAA_READ_WRITE) != 0 : (current & (EAA_READ | EAA_READ_WRITE)) != 0;
    if (!allowed) return fault(ea, DSISR_PROTFAULT, write);
    const next = current | R_BIT | (write ? C_BIT : 0);
    if (next == current) break;
    // Atomic: another vCPU's walk or the guest may update the entry meanwhile; retry on theirs.
    const host = tableWriteHost(at, 8);
    if (host == 0) return fault(ea, DSISR_ATOMIC_RC, write);
    const seen = bswap<u64>(atomic.cmpxchg<u64>(host, bswap<u64>(current), bswap<u64>(next)));
    if (seen == current) {
      tableWritten(at, 8);
      break;
    }
    current = seen;
    if ((current & V) == 0) return fault(ea, DSISR_NOPTE, write);
  }
  radixWalkedBlock = pageBits > 12;
  const pageMask = (<u64>1 << pageBits) - 1;
  return ((current & RPN_MASK) & ~pageMask) | (ea & pageMask);
}
