// The record's account of an MMIO access: what the host reads on an MMIO exit or a
// device error (REC_MMIO_*, REC_CAUSE), and the CNT_MMIO count of accesses.
import { REC_CAUSE, REC_MMIO_GPA, REC_MMIO_SIZE, REC_MMIO_WRITE, REC_MMIO_AS, REC_COUNTERS, CNT_MMIO } from "../layout";
import { record } from "../machine";

/** The CNT_MMIO counter's address in this vCPU's record. */
@inline export function mmioCounter(): usize {
  return record + REC_COUNTERS + CNT_MMIO;
}

/** Names the access in the record and counts it. */
export function recordMmioAccess(as: u32, gpa: u64, size: u32, write: bool, cause: u32): void {
  store<u64>(record + REC_MMIO_GPA, gpa);
  store<u32>(record + REC_MMIO_SIZE, size);
  store<u32>(record + REC_MMIO_WRITE, write ? 1 : 0);
  store<u32>(record + REC_MMIO_AS, as);
  store<u32>(record + REC_CAUSE, cause);
  const counter = mmioCounter();
  store<u64>(counter, load<u64>(counter) + 1);
}
