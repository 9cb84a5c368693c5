// Exit reasons returned by every core entry point and kept in the record's REC_EXIT
// word (like kvm_run.exit_reason). Causes say why an access left the RAM path.

export const EXIT_NONE: u32 = 0; //         completed
export const EXIT_MMIO: u32 = 1; //         no device claimed the access: gpa, size, direction, data in the record
export const EXIT_DEVICE_ERROR: u32 = 2; // a device handler threw; the access did not complete
export const EXIT_BAD_ACCESS: u32 = 3; //   size not 1..16 or address space out of range

export const CAUSE_NONE: u32 = 0;
export const CAUSE_UNMAPPED: u32 = 1; // no slot covers the address
export const CAUSE_READONLY: u32 = 2; // a write to a READONLY slot
export const CAUSE_INVALID: u32 = 3; //  the slot is marked INVALID by an update in progress
