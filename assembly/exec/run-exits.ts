// How a run loop ends: the exit reason, the pc of the instruction that exited, and a
// fault's kind and address, written to the vCPU's record (kvm_run's exit fields).
import { REC_EXIT, REC_CAUSE, REC_EXIT_PC, REC_FAULT_KIND, REC_FAULT_ADDR, REC_RAN } from "../layout";
import { EXIT_FAULT, EXIT_UNDEFINED } from "../exits";
import { record } from "../machine";

export function exitWith(exit: u32, at: u64): u32 {
  store<u32>(record + REC_EXIT, exit);
  store<u64>(record + REC_EXIT_PC, at);
  return exit;
}

export function fault(kind: u32, at: u64, address: u64): u32 {
  store<u32>(record + REC_FAULT_KIND, kind);
  store<u64>(record + REC_FAULT_ADDR, address);
  return exitWith(EXIT_FAULT, at);
}

export function undefinedInstruction(cause: u32, at: u64): u32 {
  store<u32>(record + REC_CAUSE, cause);
  return exitWith(EXIT_UNDEFINED, at);
}

/** Records that the run completed `completed` instructions (REC_RAN) and returns `exit`. */
export function ranFor(completed: u32, exit: u32): u32 {
  store<u32>(record + REC_RAN, completed);
  return exit;
}
