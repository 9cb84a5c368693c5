/* 64-bit PowerPC radix translation (Power ISA 3.0, host/hypervisor process-scoped
 * tables, LPID 0, PID 0) for mmu.c: PTCR names a 4 KiB partition table whose entry 0
 * names a 4 KiB process table; PID 0's tree covers 52 bits in four levels (13, 9, 9, 9
 * index bits). Identity: 2 MiB leaves over the RAM the loader uses and the
 * ucall/console pages; the window is one 4 KiB leaf in a 2 MiB region nothing else
 * uses. Entries are big-endian on either byte order. Remap: update the PTE, then
 * ptesync; tlbie; eieio; tlbsync; ptesync (as Linux's radix__flush_tlb_page). */
#define WINDOW_VA 0x00e00000ul
#define BLOCK (2ul << 20)
#define IDENTITY_END 0x01200000ul /* RAM from 0x100000, up to 16 MiB (the loader's default) */

#define PTE_VALID (1ul << 63)
#define PTE_LEAF (1ul << 62)
#define PTE_REFERENCED 0x100ul
#define PTE_CHANGED 0x80ul
#define PTE_READ_WRITE 0x2ul
#define PTE_EXECUTE 0x1ul
#define PTE_NON_IDEMPOTENT 0x20ul /* ATT 0b10: non-idempotent I/O (the devices) */
#define RTS_52_BITS ((2ul << 61) | (5ul << 5)) /* RTS = 21: 52 - 31 */
#define LPCR_HR (1ul << 20)
#define MSR_IR 0x20ul
#define MSR_DR 0x10ul
#define SPR_PID 48
#define SPR_LPCR 318
#define SPR_PTCR 464

static uint64_t partition_table[512] __attribute__((aligned(4096)));
static uint64_t process_table[512] __attribute__((aligned(4096)));
static uint64_t root[8192] __attribute__((aligned(65536)));
static uint64_t level1[512] __attribute__((aligned(4096)));
static uint64_t level2[512] __attribute__((aligned(4096)));
static uint64_t level3[512] __attribute__((aligned(4096)));

/* A table entry as the MMU reads it: big-endian. */
static uint64_t big(uint64_t value) {
#if defined(__LITTLE_ENDIAN__)
  return __builtin_bswap64(value);
#else
  return value;
#endif
}

static uint64_t msr(void) {
  uint64_t value;
  __asm__ volatile("mfmsr %0" : "=r"(value));
  return value;
}

static int mmu_on(void) {
  return (msr() & (MSR_IR | MSR_DR)) == (MSR_IR | MSR_DR);
}

static uint64_t leaf(uintptr_t pa, uint64_t attributes) {
  return big(PTE_VALID | PTE_LEAF | pa | PTE_REFERENCED | PTE_CHANGED | PTE_READ_WRITE | PTE_EXECUTE | attributes);
}

static uint64_t directory(void *table, unsigned index_bits) {
  return big(PTE_VALID | (uintptr_t)table | index_bits);
}

static void mmu_build(uintptr_t frame) {
  partition_table[1] = big((uintptr_t)process_table); /* PRTB, PRTS 0: 4 KiB */
  process_table[0] = big(RTS_52_BITS | (uintptr_t)root | 13);
  root[0] = directory(level1, 9);
  level1[0] = directory(level2, 9);
  for (uintptr_t va = 0; va < IDENTITY_END; va += BLOCK) level2[va / BLOCK] = leaf(va, 0);
  level2[UCALL_GPA / BLOCK] = leaf(UCALL_GPA & ~(BLOCK - 1), PTE_NON_IDEMPOTENT);
  level2[CONSOLE_GPA / BLOCK] = leaf(CONSOLE_GPA & ~(BLOCK - 1), PTE_NON_IDEMPOTENT);
  level2[WINDOW_VA / BLOCK] = directory(level3, 9);
  level3[(WINDOW_VA >> 12) & 511] = leaf(frame, 0);
}

static void mmu_enable(void) {
  uint64_t lpcr;
  __asm__ volatile("ptesync" : : : "memory");
  __asm__ volatile("mtspr %0, %1" : : "i"(SPR_PTCR), "r"((uintptr_t)partition_table) : "memory");
  __asm__ volatile("mfspr %0, %1" : "=r"(lpcr) : "i"(SPR_LPCR));
  __asm__ volatile("mtspr %0, %1" : : "i"(SPR_LPCR), "r"(lpcr | LPCR_HR) : "memory");
  __asm__ volatile("mtspr %0, %1\n\tisync" : : "i"(SPR_PID), "r"(0ul) : "memory");
  __asm__ volatile("mtmsrd %0\n\tisync" : : "r"(msr() | MSR_IR | MSR_DR) : "memory");
}

static void mmu_remap(uintptr_t frame) {
  level3[(WINDOW_VA >> 12) & 511] = leaf(frame, 0);
  /* tlbie RB = the page (AP 0: 4 KiB), RS = PID 0, RIC 0, PRS 1 (process-scoped), R 1 (radix). */
  __asm__ volatile(".machine push\n\t.machine power9\n\t"
                   "ptesync\n\ttlbie %0, %1, 0, 1, 1\n\teieio\n\ttlbsync\n\tptesync\n\t"
                   ".machine pop"
                   : : "r"(WINDOW_VA), "r"(0ul) : "memory");
}
