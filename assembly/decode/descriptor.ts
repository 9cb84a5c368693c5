// The load/store descriptor every decoder (PowerPC, A32, T32, A64) writes, and the
// executor reads. A decoder fills DESC_SIZE bytes at `out` and returns the kind.
//
//  0 kind u8 · 1 op u8 · 2 size u8 · 3 count u8 · 4 flags u32 · 8 rt u8 · 9 rt2 u8
// 10 base u8 · 11 index u8 · 12 shift type u8 · 13 shift amount u8 · 14 extend u8
// 15 length u8 (instruction bytes) · 16 disp i64 · 24 postDisp i64 · 32 regList u32
// 36 mnemonic u16 (per-architecture id, names in src/) · 38 atomic u8 · 39 cond u8
// 40 rs u8 (LSE/CAS source, store-conditional status) · 41 form u8 · 42 lane u8
// 43 align u8 · 44 stride u8 · 45 system u8 · 46..47 reserved

export const DESC_SIZE: u32 = 48;
export const D_KIND: u32 = 0;
export const D_OP: u32 = 1;
export const D_SIZE: u32 = 2;
export const D_COUNT: u32 = 3;
export const D_FLAGS: u32 = 4;
export const D_RT: u32 = 8;
export const D_RT2: u32 = 9;
export const D_BASE: u32 = 10;
export const D_INDEX: u32 = 11;
export const D_SHIFT_TYPE: u32 = 12;
export const D_SHIFT_AMOUNT: u32 = 13;
export const D_EXTEND: u32 = 14;
export const D_LENGTH: u32 = 15;
export const D_DISP: u32 = 16;
export const D_POST_DISP: u32 = 24;
export const D_REG_LIST: u32 = 32;
export const D_MNEMONIC: u32 = 36;
export const D_ATOMIC: u32 = 38;
export const D_COND: u32 = 39;
export const D_RS: u32 = 40;
// AArch32 Advanced SIMD structure loads/stores (VLDn/VSTn): D_FORM says which shape; the
// registers are D_RT + r + k * D_STRIDE (structure element k, register block r), D_SIZE
// the element bytes, D_COUNT the registers listed, D_ALIGN the required alignment in
// bytes (1: none), D_LANE the lane of a single-lane form.
export const D_FORM: u32 = 41;
export const D_LANE: u32 = 42;
export const D_ALIGN: u32 = 43;
export const D_STRIDE: u32 = 44;
// AArch32 LDC/STC: the coprocessor number; SRS: the mode whose banked SP is the base.
export const D_SYSTEM: u32 = 45;

// D_FORM
export const FORM_NONE: u8 = 0;
export const FORM_MULTIPLE: u8 = 1; // VLDn/VSTn multiple n-element structures
export const FORM_LANE: u8 = 2; //     VLDn/VSTn single n-element structure to one lane
export const FORM_ALL_LANES: u8 = 3; // VLDn single n-element structure to all lanes

// kind: what the word is.
export const KIND_LOADSTORE: u8 = 1; //   a load/store (or cache-zeroing store): the rest is filled
export const KIND_OTHER: u8 = 2; //       a defined instruction that is not a load/store
export const KIND_UNDEFINED: u8 = 3; //   no instruction has this encoding
export const KIND_TRUNCATED: u8 = 4; //   a prefix without its suffix word
export const KIND_INVALID_FORM: u8 = 5; // a load/store encoding the ISA forbids (e.g. lwzu with RA=0 or RA=RT; UNPREDICTABLE)

// op
export const OP_LOAD: u8 = 1;
export const OP_STORE: u8 = 2;
export const OP_ATOMIC: u8 = 3; // read-modify-write (LSE LDADD…, SWP, CAS); D_ATOMIC says which
export const OP_ZERO: u8 = 4; //   dcbz / DC ZVA: zero a block

// flags
export const F_SIGNED: u32 = 1 << 0;
export const F_WRITEBACK: u32 = 1 << 1; //     base register updated
export const F_POST_INDEX: u32 = 1 << 2; //    address = base; base += postDisp (or index)
export const F_BYTE_REVERSE: u32 = 1 << 3;
export const F_EXCLUSIVE: u32 = 1 << 4; //     reservation / exclusive monitor
export const F_ACQUIRE: u32 = 1 << 5;
export const F_RELEASE: u32 = 1 << 6;
export const F_FP: u32 = 1 << 7; //            transfer register is floating point
export const F_VECTOR: u32 = 1 << 8; //        transfer register is vector / VSX / SIMD
export const F_SUBTRACT: u32 = 1 << 9; //      index or disp is subtracted (A32 U=0)
export const F_PC_RELATIVE: u32 = 1 << 10; //  base is the PC (literal loads)
export const F_UNPRIVILEGED: u32 = 1 << 11; // LDRT/STRT, LDTR/STTR
export const F_BASE_ZERO: u32 = 1 << 12; //    PowerPC RA=0: base reads as 0
export const F_NONTEMPORAL: u32 = 1 << 13; //  LDNP/STNP
export const F_PREFIXED: u32 = 1 << 14; //     Power10 8-byte prefixed
export const F_PAIR: u32 = 1 << 15; //         two registers (rt, rt2) of `size` each
export const F_MULTIPLE: u32 = 1 << 16; //     register list / lmw / string: `count` elements
export const F_STRING: u32 = 1 << 17; //       lswi/lswx/stswi/stswx: byte count in count (NB; 0 = XER[57:63])
export const F_SIGN_EXTEND_64: u32 = 1 << 18; // signed load into a 64-bit register (A64 LDRSW, LDRSB Xt)
export const F_WORD_DEST: u32 = 1 << 19; //    A64: destination is a W register (32-bit result)
export const F_FP_INTEGER: u32 = 1 << 20; //   FP register holds an integer word, no format conversion (lfiwax, lfiwzx, stfiwx)
export const F_VSR: u32 = 1 << 21; //          PowerPC: rt numbers the 64 VSRs (VSX forms); else FPR/VR 0-31
export const F_USER_REGS: u32 = 1 << 22; //    AArch32 LDM/STM with the S bit (user registers; LDM with PC: exception return)
export const F_COPROCESSOR: u32 = 1 << 23; //  AArch32 LDC/STC: rt is CRd of coprocessor D_SYSTEM
export const F_SYSTEM_RETURN: u32 = 1 << 24; // AArch32 SRS (store LR, SPSR) / RFE (load PC, CPSR)

// shift type (register offset)
export const SHIFT_NONE: u8 = 0;
export const SHIFT_LSL: u8 = 1;
export const SHIFT_LSR: u8 = 2;
export const SHIFT_ASR: u8 = 3;
export const SHIFT_ROR: u8 = 4;
export const SHIFT_RRX: u8 = 5;

// extend (A64 register offset)
export const EXTEND_NONE: u8 = 0;
export const EXTEND_UXTW: u8 = 1;
export const EXTEND_SXTW: u8 = 2;
export const EXTEND_SXTX: u8 = 3;
export const EXTEND_UXTX: u8 = 4; // LSL shown as "lsl" on X registers

// atomic (D_ATOMIC, with OP_ATOMIC): the read-modify-write operation
export const ATOMIC_NONE: u8 = 0;
export const ATOMIC_ADD: u8 = 1;
export const ATOMIC_CLR: u8 = 2; //  bit clear (AND NOT)
export const ATOMIC_EOR: u8 = 3;
export const ATOMIC_SET: u8 = 4; //  OR
export const ATOMIC_SMAX: u8 = 5;
export const ATOMIC_SMIN: u8 = 6;
export const ATOMIC_UMAX: u8 = 7;
export const ATOMIC_UMIN: u8 = 8;
export const ATOMIC_SWAP: u8 = 9; // SWP, SWPB (A32 too)
export const ATOMIC_CAS: u8 = 10; // compare rs with memory; store rt if equal; rs receives the old value

export const REG_NONE: u8 = 0xff;
