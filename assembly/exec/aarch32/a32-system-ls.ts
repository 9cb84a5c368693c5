// The AArch32 system and coprocessor load/stores the decoder finds (a32-system.ts) and
// the engine cannot run, each a documented undefined-instruction exit:
//   - LDM/STM with the S bit (user registers; LDM with PC: exception return) and
//     SRS/RFE: the engine models one unbanked mode with no SPSR (CPSR.M is not
//     modelled), so these run as the Arm ARM says for User mode: UNPREDICTABLE, here
//     EXIT_UNDEFINED with CAUSE_INVALID_FORM; nothing changes.
//   - LDC/STC/LDC2/STC2: no coprocessor is present (CP14's debug registers included),
//     so the architecture's Undefined Instruction: EXIT_UNDEFINED with CAUSE_UNDEFINED.
import { CAUSE_UNDEFINED, CAUSE_INVALID_FORM } from "../../exits";
import { F_USER_REGS, F_COPROCESSOR, F_SYSTEM_RETURN } from "../../decode/descriptor";
import { undefinedInstruction } from "../run-exits";

/** The descriptor flags that mark these forms. */
export const A32_SYSTEM_FLAGS: u32 = F_USER_REGS | F_COPROCESSOR | F_SYSTEM_RETURN;

/** The exit for the system load/store with descriptor `flags` at `at`. */
export function a32SystemLoadStore(flags: u32, at: u64): u32 {
  return undefinedInstruction((flags & F_COPROCESSOR) != 0 ? CAUSE_UNDEFINED : CAUSE_INVALID_FORM, at);
}
