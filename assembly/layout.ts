// The one memory map. Every region is chained from the previous one; the host
// reads these constants from the module's exports and never restates them.
//
//   0 ┌──────────────────────┐ CONTROL_BASE      machine-wide words (below)
//     ├──────────────────────┤ STATIC_BASE       AssemblyScript static data (asc --memoryBase)
//     ├──────────────────────┤ SLOT_TABLES_BASE  [address space][buffer] slot tables
//     ├──────────────────────┤ VCPU_BASE         one record per vCPU, then one for the host
//     ├──────────────────────┤ control: tlbBase     one software TLB per record
//     ├──────────────────────┤ control: dirtyBase   dirty-log bitmap pool
//     ├──────────────────────┤ control: arenaBase   guest-RAM arena (64 KiB aligned)
//     └──────────────────────┘ control: memoryPages × 64 KiB
//
// The first three regions have fixed sizes; the rest are sized per machine by
// layoutPages() and recorded in the control block by machineInit().

export const PAGE_SHIFT: u32 = 12;
export const PAGE_SIZE: u32 = 1 << PAGE_SHIFT;
export const WASM_PAGE: u32 = 65536;

// ── Control block ────────────────────────────────────────────────────────────
export const CONTROL_BASE: u32 = 0;
export const CONTROL_SIZE: u32 = 4096;
export const CTRL_MAGIC: u32 = 0; //          u32  MAGIC once machine_init ran
export const CTRL_VCPU_COUNT: u32 = 4; //     u32  guest vCPUs (records = count + 1)
export const CTRL_DIRTY_BASE: u32 = 8; //     u32
export const CTRL_DIRTY_SIZE: u32 = 12; //    u32
export const CTRL_ARENA_BASE: u32 = 16; //    u32
export const CTRL_ARENA_SIZE: u32 = 20; //    u32
export const CTRL_MEMORY_PAGES: u32 = 24; //  u32  Wasm pages the machine needs
export const CTRL_TLB_BASE: u32 = 28; //      u32
export const CTRL_TLB_ENTRIES: u32 = 32; //   u32  entries per TLB (a power of two)
export const CTRL_SLOT_GEN: u32 = 64; //      u32 × AS_COUNT: table generation; parity picks the buffer
export const MAGIC: u32 = 0x4d534c54; // "MSLT"
// Broadcast TLB invalidation (TLBI ...IS, tlbie): a vCPU posts the page to the ring
// and bumps CTRL_SHOOT_SEQ; every vCPU drops it before its next instruction and acks
// in its record (REC_SYNC_ACK). A barrier (DSB, ptesync/tlbsync) completes the post
// per CTRL_SHOOT_MODEL and raises CTRL_SHOOT_DONE, which the race checker reads.
export const CTRL_SHOOT_SEQ: u32 = 96; //     u32  last posted invalidation
export const CTRL_SHOOT_DONE: u32 = 100; //   u32  highest invalidation reported complete
export const CTRL_SHOOT_MODEL: u32 = 104; //  u32  SHOOT_BROADCAST or SHOOT_IPI
export const CTRL_SHOOT_LOCK: u32 = 108; //   u32  posters' spin lock (held for a few stores)
export const CTRL_ACK_BELL: u32 = 112; //     u32  bumped and notified on every ack (host waits on it)
// Words the host's atomicity strategies share with the vCPU threads (the core never
// touches them: vCPUs wait in JavaScript, between runs).
export const CTRL_STOP: u32 = 128; //         u32  stop-the-world: non-zero while vCPUs must park
export const CTRL_GLOBAL_LOCK: u32 = 132; //  u32  mutex (global): 0 free, 1 held, 2 held with waiters
export const CTRL_RW_LOCK: u32 = 136; //      u32  mutex (rwlock): readers count, RW_WRITER bit while a writer holds or waits
export const CTRL_RUN_STATE: u32 = 140; //    u32  0 while a run goes on, 1 once vCPUs should stop
export const CTRL_POLL: u32 = 144; //         u32  never written: a word to sleep on with a timeout
export const CTRL_BUILTIN_COUNT: u32 = 148; // u32  built-in devices published in CTRL_BUILTINS
export const CTRL_JIT: u32 = 152; //          u32  non-zero: hot PowerPC loops run as compiled blocks (jit.ts)
export const CTRL_DEVICE_GEN: u32 = 156; //   u32  bumped when a built-in device is added: TLB device hints filled before are stale
// Built-in devices: MMIO served inside the core, without a call out to JavaScript.
// Entry: 0 base u64 · 8 size u64 · 16 kind u32 · 20 address space u32 · 24 state u32 (its registers' memory)
//        · 28 BUILTIN_WASM only: table index, widths, byte order
export const CTRL_BUILTINS: u32 = 2048;
export const BUILTIN_MAX: u32 = 16;
export const BUILTIN_ENTRY_SIZE: u32 = 32;
export const BUILTIN_E_BASE: u32 = 0;
export const BUILTIN_E_SIZE: u32 = 8;
export const BUILTIN_E_KIND: u32 = 16;
export const BUILTIN_E_AS: u32 = 20;
export const BUILTIN_E_STATE: u32 = 24;
export const BUILTIN_SCRATCH: u32 = 1; // registers read back what was written (bytes in memory order)
export const BUILTIN_COUNTER: u32 = 2; // each read returns the next value of a 64-bit little-endian counter; a write sets it
export const BUILTIN_WASM: u32 = 3; //    a device module's read/write, called through the function table (mem/wasm-device.ts)
// A BUILTIN_WASM entry's word at BUILTIN_E_WASM: bits 0-15 the read function's table
// index (write is the next one) · bits 16-19 the widths it takes (bit n: 1 << n bytes) ·
// bit 24 its registers are big-endian.
export const BUILTIN_E_WASM: u32 = 28;
// Every core instance's function table keeps BUILTIN_MAX pairs from this index for
// device modules (entry i: read at WASM_DEVICE_TABLE_BASE + 2i, write after it).
export const WASM_DEVICE_TABLE_BASE: u32 = 1;
// Then JS_DEVICE_MAX entries for the JS devices on the host bus, by bus index (a TLB
// device hint names one): device i's read at JS_DEVICE_TABLE_BASE + i, its write at
// JS_DEVICE_TABLE_BASE + JS_DEVICE_MAX + i (src/device-entries.ts fills them). Devices
// from index JS_DEVICE_MAX on get no hint (the general path serves them); every core
// instance fills these slots as it starts, which costs about 1 ms per 4096.
export const JS_DEVICE_TABLE_BASE: u32 = WASM_DEVICE_TABLE_BASE + 2 * BUILTIN_MAX;
export const JS_DEVICE_MAX: u32 = 0x200;
export const CTRL_SHOOT_RING: u32 = 1024; //  SHOOT_RING_SIZE × { va or key u64 · kind u32 · poster's record u32 }
export const SHOOT_RING_SIZE: u32 = 64;
export const SHOOT_ENTRY_SIZE: u32 = 16;
export const SHOOT_BROADCAST: u32 = 0; // complete once entries are marked invalid; emulation in flight is not waited for
export const SHOOT_IPI: u32 = 1; //       complete once every vCPU acked at a safe point outside emulation

// ── Static data (asconfig.json's memoryBase must equal STATIC_BASE) ──────────
export const STATIC_BASE: u32 = CONTROL_BASE + CONTROL_SIZE;
export const STATIC_SIZE: u32 = 2 * WASM_PAGE - STATIC_BASE; // two pages: the decoders' row tables outgrew one

// ── Slot tables ──────────────────────────────────────────────────────────────
// A table is a header, layers 3 and 2 of a static B+-tree whose leaves are the
// entries, the entries sorted by base GPA, then layer 1:
//
//   ┌ count u32 · layers u32 ┐ layer 1: key j = base of entry 8j · layers 2, 3: key j =
//   │ key 16j of the layer below ┐ entries × SLOT_LEAF_CAPACITY (layer 0, padded with  ┘
//   │ base ~0 to a multiple of 8); upper layers padded with ~0 to multiples of 16 and  │
//   │ stored with the sign bit flipped (so a signed compare orders them as unsigned)  ┘
//
// A search reads one block per layer (16 keys above, 8 entries below), top layer
// first; the leaf block it ends in holds the entry. Each layer waits for the one
// above (about 10 ns a layer here); 16-key blocks measured faster than 8 or 64. Entry i:
//   0 base u64 · 8 size u64 · 16 hostAddr u32 · 20 flags u32 · 24 slot u32 · 28 dirty u32
export const AS_COUNT: u32 = 2;
export const MAX_SLOTS: u32 = 32764;
export const SLOT_HEADER_SIZE: u32 = 64;
export const SLOT_H_COUNT: u32 = 0;
export const SLOT_H_LAYERS: u32 = 4;
export const SLOT_LEAF_BLOCK: u32 = 8;
export const SLOT_UPPER_BLOCK: u32 = 16;
export const SLOT_LEAF_CAPACITY: u32 = (MAX_SLOTS + SLOT_LEAF_BLOCK - 1) & ~(SLOT_LEAF_BLOCK - 1);
export const SLOT_MAX_LAYERS: u32 = 4;
export const SLOT_ENTRY_SIZE: u32 = 32;
// The small layers (3, 2) come first and layer 1 last, after the entries: a table of a
// few slots (one layer) is written on its first page alone, header and entries together.
export const SLOT_LAYER3_OFFSET: u32 = SLOT_HEADER_SIZE;
export const SLOT_LAYER2_OFFSET: u32 = SLOT_LAYER3_OFFSET + 8 * SLOT_UPPER_BLOCK;
export const SLOT_ENTRIES_OFFSET: u32 = (SLOT_LAYER2_OFFSET + 8 * (SLOT_LEAF_CAPACITY / SLOT_LEAF_BLOCK / SLOT_UPPER_BLOCK) + 63) & ~63;
export const SLOT_LAYER1_OFFSET: u32 = SLOT_ENTRIES_OFFSET + SLOT_ENTRY_SIZE * SLOT_LEAF_CAPACITY;
export const SLOT_E_BASE: u32 = 0;
export const SLOT_E_SIZE: u32 = 8;
export const SLOT_E_HOST: u32 = 16;
export const SLOT_E_FLAGS: u32 = 20;
export const SLOT_E_SLOT: u32 = 24;
export const SLOT_E_DIRTY: u32 = 28;
// Whole pages, so each table's first page holds its header and first entries.
export const SLOT_TABLE_SIZE: u32 = (SLOT_LAYER1_OFFSET + 8 * (SLOT_LEAF_CAPACITY / SLOT_LEAF_BLOCK) + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
export const SLOT_TABLES_BASE: u32 = STATIC_BASE + STATIC_SIZE;
export const SLOT_TABLES_SIZE: u32 = SLOT_TABLE_SIZE * AS_COUNT * 2;

// Slot flags: KVM's user bits, plus INVALID, which only the updater sets (KVM_MEMSLOT_INVALID).
export const SLOT_LOG_DIRTY_PAGES: u32 = 1;
export const SLOT_READONLY: u32 = 2;
export const SLOT_USER_FLAGS: u32 = SLOT_LOG_DIRTY_PAGES | SLOT_READONLY;
export const SLOT_INVALID: u32 = 1 << 16;

// ── vCPU records ─────────────────────────────────────────────────────────────
//   0 exit u32 · 4 cause u32 · 8 mmio gpa u64 · 16 mmio size u32 · 20 mmio write u32
//   24 mmio as u32 · 32 data [16] (access bytes, memory order) · 48 mmio data [16]
//   64 slot cache × AS_COUNT (SLOT_CACHE_SIZE each) · 128 counters u64 × 3
//   160 decode scratch [DESC_SIZE] (a decoder's output for the host)
//   256 CPU state (below) · REC_SYNC sync words and checker counters · REC_TLB_CONTEXTS
//   4096 decoded-instruction cache (UOP_ENTRIES × UOP_SIZE) · end
// Slot cache: 0 gen u32 · 4 flags u32 · 8 base u64 · 16 size u64 · 24 hostAddr u32 · 28 dirty u32
// Records start on a 4 KiB page, so a record's first page holds its exit, counters and CPU
// state (REC_END < REC_UOPS) and its micro-op cache spans UOP_ENTRIES * UOP_SIZE / PAGE_SIZE
// pages: a fresh machine's first run faults in no page more than that (each first touch
// of a page costs several µs).
export const VCPU_BASE: u32 = (SLOT_TABLES_BASE + SLOT_TABLES_SIZE + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
export const REC_UOPS: u32 = 4096;
export const UOP_SIZE: u32 = 16;
export const UOP_ENTRIES: u32 = 512;
export const VCPU_RECORD_SIZE: u32 = REC_UOPS + UOP_SIZE * UOP_ENTRIES;
export const REC_EXIT: u32 = 0;
export const REC_CAUSE: u32 = 4;
export const REC_MMIO_GPA: u32 = 8;
export const REC_MMIO_SIZE: u32 = 16;
export const REC_MMIO_WRITE: u32 = 20;
export const REC_MMIO_AS: u32 = 24;
export const REC_DATA: u32 = 32;
export const REC_MMIO_DATA: u32 = 48;
export const REC_SLOT_CACHE: u32 = 64;
export const SLOT_CACHE_SIZE: u32 = 32;
export const REC_COUNTERS: u32 = REC_SLOT_CACHE + SLOT_CACHE_SIZE * AS_COUNT;
export const CNT_LOOKUP_SEARCHES: u32 = 0; // u64: accesses the last-used slot did not resolve
export const CNT_MMIO: u32 = 8; //            u64: MMIO fragments dispatched
export const CNT_RETRIES: u32 = 16; //        u64: searches retried because the table changed
export const REC_DECODE: u32 = 160;
export const REC_FAULT_ADDR: u32 = 208; // u64: the address of the last EXIT_FAULT
export const REC_FAULT_KIND: u32 = 216; // u32: FAULT_* of the last EXIT_FAULT
export const REC_EXIT_PC: u32 = 224; //   u64: the pc of the instruction that exited
export const REC_FAULT_SYNDROME: u32 = 232; // u64: a translation fault's syndrome (A64: ESR_EL1)
export const REC_MMIO_VA: u32 = 240; //   u64: the virtual address of the access in REC_MMIO_* (= gpa with the MMU off)
export const REC_RAN: u32 = 248; //       u32: instructions the last run completed before the one that ended it

// ── CPU state (per vCPU record, both architectures) ──────────────────────────
//   256 gpr u64 × 32 (PowerPC r0-r31, A64 x0-x30 + x31 unused, A32 r0-r15)
//   512 pc · 520 lr · 528 ctr · 536 xer · 544 cr u32 · 548 mode u32 · 552 msr
//   560 fpscr (A32: FPSCR in the low word) · 568 nzcv/cpsr u32 · 576 sp (A64) · 584 reservation addr · 592 size u32
//   596 valid u32 · 600 reservation data [16] · 640 vsr [16] × 64 (PowerPC VSR0-63:
//   FPR n = doubleword 0 of VSR n, VR n = VSR 32+n; A64 V0-V31), little-endian u64s,
//   doubleword 0 at +0.
export const CPU_GPR: u32 = 256;
export const CPU_PC: u32 = 512;
export const CPU_LR: u32 = 520;
export const CPU_CTR: u32 = 528;
export const CPU_XER: u32 = 536;
export const CPU_CR: u32 = 544;
export const CPU_MODE: u32 = 548;
export const CPU_MSR: u32 = 552;
export const CPU_FPSCR: u32 = 560;
export const CPU_NZCV: u32 = 568;
export const CPU_SP: u32 = 576;
export const CPU_RESERVE_ADDR: u32 = 584;
export const CPU_RESERVE_SIZE: u32 = 592;
export const CPU_RESERVE_VALID: u32 = 596;
export const CPU_RESERVE_DATA: u32 = 600;
export const CPU_VSR: u32 = 640;
// System registers the interpreters keep (MSR/MRS, MCR/MRC, mtspr/mfspr): u64 each,
// in this order. A record holds one architecture, so the architectures share the array.
export const CPU_SYSREGS: u32 = CPU_VSR + 16 * 64;
// AArch64, and AArch32 through the architectural mapping (SCTLR, TTBCR = TCR_EL1[31:0],
// TTBR0/TTBR1 as 64-bit registers, MAIR0/1 = MAIR_EL1 halves).
export const SYSREG_SCTLR_EL1: u32 = 0;
export const SYSREG_TCR_EL1: u32 = 1;
export const SYSREG_TTBR0_EL1: u32 = 2;
export const SYSREG_TTBR1_EL1: u32 = 3;
export const SYSREG_MAIR_EL1: u32 = 4;
// PowerPC's MMU registers
export const SYSREG_PTCR: u32 = 5; // partition table control: PATB | PATS
export const SYSREG_PID: u32 = 6; //  process id of quadrant-0 addresses
export const SYSREG_LPCR: u32 = 7; // logical partition control: HR (radix host) selects the walker
export const SYSREG_SDR1: u32 = 8; // hashed page table origin and size (64-bit: HTABSIZE; 32-bit: HTABMASK)
export const SYSREG_DACR: u32 = 9; // AArch32 domain access control (DACR32_EL2)
export const SYSREG_SR0: u32 = 10; // 32-bit PowerPC segment registers SR0-SR15
export const SYSREG_BAT0: u32 = 26; // IBAT0U, IBAT0L … IBAT3L, DBAT0U … DBAT3L (SPR 528-543 order)
export const SYSREG_HASHKEYR: u32 = 42; //  hashst/hashchk's key (SPR 468)
export const SYSREG_HASHPKEYR: u32 = 43; // hashstp/hashchkp's key (SPR 469)
export const SYSREG_CONTEXTIDR: u32 = 44; // AArch32 CONTEXTIDR (CONTEXTIDR_EL1): the short format's ASID in bits 7:0
export const SYSREG_TAR: u32 = 45; //  PowerPC target address register (SPR 815, bctar's target)
export const SYSREG_TB: u32 = 46; //   PowerPC time base: instructions run before the current ppcRun (mftb)
// AArch64 EL0 registers (MRS/MSR): thread pointers, FP control and status, and the virtual counter
export const SYSREG_TPIDR_EL0: u32 = 47;
export const SYSREG_TPIDRRO_EL0: u32 = 48;
export const SYSREG_FPCR: u32 = 49;
export const SYSREG_FPSR: u32 = 50;
export const SYSREG_CNTVCT_EL0: u32 = 51; // the last value a read returned (exec/a64/branch-system.ts)
// AArch32 PL1 registers without an AArch64 home above: TPIDRPRW (TPIDR_EL1), CNTKCTL (CNTKCTL_EL1), FPEXC (FPEXC32_EL2)
export const SYSREG_TPIDR_EL1: u32 = 52;
export const SYSREG_CNTKCTL: u32 = 53;
export const SYSREG_FPEXC: u32 = 54;
export const SYSREG_ACCDATA_EL1: u32 = 55; // FEAT_LS64_ACCDATA: ST64BV0's bits 31:0 (bits 63:32 RES0)
export const SYSREG_COUNT: u32 = 56;
// The 64-bit PowerPC segment lookaside buffer: SLB_ENTRIES × (ESID word u64, VSID word u64),
// as slbmte's RB (without the index, which places the entry) and RS: ESID | V (0x800_0000),
// and B | VSID | Ks Kp N L C LP. A miss is a segment interrupt: exits.ts's PPC_SEGMENT_FAULT_BIT.
export const CPU_SLB: u32 = (CPU_SYSREGS + 8 * SYSREG_COUNT + 63) & ~63;
export const SLB_ENTRIES: u32 = 32;
export const CPU_END: u32 = CPU_SLB + 16 * SLB_ENTRIES;

// ── Synchronisation words (per vCPU record, after the CPU state) ─────────────
//   state u32 · ack u32 · pending u32 · quiescent u32 · lock u32 · device u32, then the race
//   checker's counters, u32 each, written only by the vCPU's own thread.
export const REC_SYNC: u32 = (CPU_END + 63) & ~63;
export const REC_SYNC_STATE: u32 = REC_SYNC; //          VCPU_OUTSIDE, VCPU_RUNNING or VCPU_EMULATING
export const REC_SYNC_ACK: u32 = REC_SYNC + 4; //        the CTRL_SHOOT_SEQ this vCPU has dropped
export const REC_SYNC_PENDING: u32 = REC_SYNC + 8; //    its own post a barrier still has to complete (0: none)
export const REC_SYNC_QUIESCENT: u32 = REC_SYNC + 12; // bumped at every safe point (RCU quiescent state)
export const REC_SYNC_LOCK: u32 = REC_SYNC + 16; //      its own lock (mutex strategy, per-vCPU variant)
export const REC_SYNC_DEVICE: u32 = REC_SYNC + 20; //    1 + the bus index of the device whose handler it is in (0: none), for a watchdog
export const REC_CHECK: u32 = REC_SYNC + 64;
export const CHECK_HOLES: u32 = 0;
export const CHECK_STALE: u32 = 4;
export const CHECK_LOST: u32 = 8;
export const CHECK_MMIO_UNASSIGNED: u32 = 12;
export const CHECK_EMULATED: u32 = 16; // accesses the host's MMIO path completed (no device claimed them)
export const CHECK_MMIO_INVALID: u32 = 20;
export const CHECK_RETRIES: u32 = 24;
export const CHECK_FAULTS: u32 = 28;
export const CHECK_BAD_VALUES: u32 = 32;
export const CHECK_COUNT: u32 = 9;
// The TLB's address-space contexts (tlb.ts): TLB_CONTEXTS keys u64 (the guest's
// ASID/PID with TLB_KEY_USED set; 0: free), then the next victim's index u32.
export const REC_TLB_CONTEXTS: u32 = (REC_CHECK + 4 * CHECK_COUNT + 63) & ~63;
export const TLB_CONTEXTS: u32 = 32;
export const REC_TLB_VICTIM: u32 = REC_TLB_CONTEXTS + 8 * TLB_CONTEXTS;
// Compiled loops (jit.ts): JIT_BLOCKS × { start pc u64 · table index i32 (0: not yet, -1: never) · length u32 · hits u32 · mode u32 }
export const REC_JIT_BLOCKS: u32 = (REC_TLB_VICTIM + 4 + 7) & ~7;
export const JIT_BLOCKS: u32 = 4;
export const JIT_BLOCK_SIZE: u32 = 24;
// An LS64 access's 64 bytes (memory order): what ST64B* store, what LD64B loaded, and
// what a 64-byte MMIO exit or device call reads and fills (exec/a64-ls64.ts, mem/access.ts physBlock).
export const REC_DATA64: u32 = (REC_JIT_BLOCKS + JIT_BLOCKS * JIT_BLOCK_SIZE + 63) & ~63;
// The mode the micro-op cache (REC_UOPS) was decoded for, plus one; 0: not known (a fresh
// record), which uops.ts uopSync treats as any other mode: it empties the cache first.
export const REC_UOP_MODE: u32 = REC_DATA64 + 64;
export const REC_END: u32 = REC_UOP_MODE + 4; // below REC_UOPS
export const VCPU_OUTSIDE: u32 = 0; //   between runs, waiting or offline: at a safe point, outside emulation
export const VCPU_RUNNING: u32 = 1; //   inside a run call, executing guest instructions
export const VCPU_EMULATING: u32 = 2; // inside the host's MMIO path for one access

// PowerPC MSR bits the interpreter acts on
export const MSR_DR: u64 = 0x10; // data relocation (translate loads and stores)
export const MSR_IR: u64 = 0x20; // instruction relocation (translate fetches)

// CPU_MODE bits
export const MODE_64: u32 = 1; //       64-bit (PowerPC MSR[SF], AArch64)
export const MODE_LE: u32 = 2; //       little-endian data and instructions
export const MODE_THUMB: u32 = 4; //    T32
export const MODE_ARM: u32 = 8; //      an ARM guest (else PowerPC)

// ── Software TLB (one per record) ────────────────────────────────────────────
// Entry: 0 read tag u64 · 8 write tag u64 · 16 fetch tag u64 · 24 addend u64.
// A tag is the virtual page an access kind may use the entry for, ORed with the
// address-space context it was filled under (bits 4-9; 0 with the MMU off), or
// TLB_INVALID. A hit is `tag == (va & (page mask | size-1)) | context` (so unaligned
// accesses miss), then host = va + addend (QEMU's CPUTLBEntry). A tag with TLB_MMIO
// set never hits: its page is no RAM, and the addend field holds the physical page,
// unless TLB_SCRATCH is set too (TLB_DIRECT_MARK): a page one built-in scratch device
// holds whole, whose addend is then RAM's (host = va + addend) and each access counted.
export const TLB_ENTRY_SIZE: u32 = 32;
export const TLB_E_READ: u32 = 0;
export const TLB_E_WRITE: u32 = 8;
export const TLB_E_FETCH: u32 = 16;
export const TLB_E_ADDEND: u32 = 24;
export const TLB_INVALID: u64 = 0xffff_ffff_ffff_ffff;
export const TLB_CONTEXT_SHIFT: u32 = 4;
export const TLB_CONTEXT_MASK: u64 = 0x3f0;
export const TLB_MMIO: u64 = 0x800;
export const TLB_SCRATCH: u64 = 0x400;
export const TLB_DIRECT_MARK: u64 = TLB_MMIO | TLB_SCRATCH;
export const TLB_MIN_ENTRIES: u32 = 16;
export const TLB_MAX_ENTRIES: u32 = 65536;

// ── Sizing ───────────────────────────────────────────────────────────────────
function alignUp(value: u64, align: u64): u64 {
  return (value + align - 1) & ~(align - 1);
}

/** Bytes from VCPU_BASE to the TLBs for `vcpuCount` guest vCPUs plus the host record. */
export function vcpuRegionSize(vcpuCount: u32): u64 {
  return <u64>(vcpuCount + 1) * VCPU_RECORD_SIZE;
}

export function tlbBaseFor(vcpuCount: u32): u64 {
  return alignUp(<u64>VCPU_BASE + vcpuRegionSize(vcpuCount), 64);
}

export function dirtyBaseFor(vcpuCount: u32, tlbEntries: u32): u64 {
  return alignUp(tlbBaseFor(vcpuCount) + <u64>(vcpuCount + 1) * tlbEntries * TLB_ENTRY_SIZE, 64);
}

export function arenaBaseFor(vcpuCount: u32, tlbEntries: u32, dirtyBytes: u32): u64 {
  return alignUp(dirtyBaseFor(vcpuCount, tlbEntries) + dirtyBytes, WASM_PAGE);
}

/** Wasm pages a machine needs, or 0 when a size is malformed or it does not fit below 4 GiB (end addresses stay u32). */
export function layoutPages(vcpuCount: u32, tlbEntries: u32, dirtyBytes: u32, arenaBytes: u32): u32 {
  if ((arenaBytes & (PAGE_SIZE - 1)) != 0 || (dirtyBytes & 7) != 0) return 0;
  if (tlbEntries < TLB_MIN_ENTRIES || tlbEntries > TLB_MAX_ENTRIES || popcnt(tlbEntries) != 1) return 0;
  const end = alignUp(arenaBaseFor(vcpuCount, tlbEntries, dirtyBytes) + arenaBytes, WASM_PAGE);
  const pages = end / WASM_PAGE;
  return pages > 65535 ? 0 : <u32>pages;
}
