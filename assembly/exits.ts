// Exit reasons returned by every core entry point and kept in the record's REC_EXIT
// word (like kvm_run.exit_reason). Causes say why an access left the RAM path.

export const EXIT_NONE: u32 = 0; //         completed
export const EXIT_MMIO: u32 = 1; //         no device claimed the access: gpa, size, direction, data in the record
export const EXIT_DEVICE_ERROR: u32 = 2; // a device handler threw; the access did not complete
export const EXIT_BAD_ACCESS: u32 = 3; //   size not 1..16 or address space out of range
export const EXIT_BUDGET: u32 = 4; //       the instruction budget is spent (pc: the next instruction)
export const EXIT_HYPERCALL: u32 = 5; //    sc / HVC / SVC: pc is past it; arguments in the registers
export const EXIT_FAULT: u32 = 6; //        REC_FAULT_KIND, REC_FAULT_ADDR; pc: the faulting instruction
export const EXIT_UNDEFINED: u32 = 7; //    REC_CAUSE: CAUSE_UNDEFINED or CAUSE_UNIMPLEMENTED; pc: that instruction
export const EXIT_SYNC_WAIT: u32 = 8; //    a barrier waits for other vCPUs to ack an invalidation (SHOOT_IPI); pc: the barrier

export const CAUSE_NONE: u32 = 0;
export const CAUSE_UNMAPPED: u32 = 1; // no slot covers the address
export const CAUSE_READONLY: u32 = 2; // a write to a READONLY slot
export const CAUSE_INVALID: u32 = 3; //  the slot is marked INVALID by an update in progress
export const CAUSE_UNDEFINED: u32 = 4; //      no instruction has this encoding
export const CAUSE_UNIMPLEMENTED: u32 = 5; //  a defined instruction the interpreter does not run
export const CAUSE_INVALID_FORM: u32 = 6; //   a form the ISA forbids (e.g. lwzu with RA=0)

// Fault kinds (REC_FAULT_KIND)
export const FAULT_FETCH: u32 = 1; //      no RAM at the pc
export const FAULT_ALIGNMENT: u32 = 2; //  an access the architecture requires aligned was not
export const FAULT_TRUNCATED: u32 = 3; //  a prefixed instruction's suffix lies outside RAM
export const FAULT_TRANSLATION: u32 = 4; // the MMU refused the access: syndrome in REC_FAULT_SYNDROME
export const FAULT_TRAP: u32 = 5; //       a trap's condition held: PowerPC tw/td/twi/tdi (REC_FAULT_ADDR: the trap itself) or
//                                            hashchk (the doubleword at REC_FAULT_ADDR is not the digest)

// PowerPC translation faults record DSISR (fetches: the SRR1 bits of the same
// meaning) in REC_FAULT_SYNDROME's low 32 bits. A segment interrupt (no SLB entry for
// the address: data 0x380, instruction 0x480) sets this bit instead, with no DSISR.
export const PPC_SEGMENT_FAULT_BIT: u32 = 32;
