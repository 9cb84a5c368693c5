/* 32-bit classic PowerPC (OEA: the 603/604/7xx/74xx MMU) for mmu.c: block address
 * translation for the identity maps (IBAT0/DBAT0 the first 16 MiB, DBAT1 the
 * ucall/console pages, IBAT2/DBAT2 the 128 KiB block holding the stack), and the
 * hashed page table (64 KiB, SDR1's HTABMASK 0) for the window, one 4 KiB page
 * outside every BAT. Segment n has VSID 0x100 + n, Ks 0 (supervisor key 0: PP 0b10
 * reads and writes). Remap, as the OEA's sequence for modifying a PTE: clear V, sync,
 * tlbie, sync, tlbsync, sync, then the new second word, eieio, the first word, sync. */
#define WINDOW_VA 0x01080000u /* above the first 16 MiB, below the 16 MiB RAM's stack block */
#define IDENTITY_BLOCK 0x01000000u
#define STACK_BLOCK 0x20000u

#define BATU_VS 0x2u
#define BATU_BL(size) ((((size) >> 17) - 1) << 2) /* block length mask from 128 KiB */
#define BATL_PP_RW 0x2u
#define BATL_GUARDED_UNCACHED 0x28u /* I and G */
#define PTE_VALID 0x80000000u
#define PTE_R 0x100u
#define PTE_C 0x80u
#define PTE_PP_RW 0x2u
#define VSID(segment) (0x100u + (segment))
#define MSR_IR 0x20u
#define MSR_DR 0x10u

static uint32_t htab[16384] __attribute__((aligned(65536)));

#define MTSPR(spr, value) __asm__ volatile("mtspr %0, %1" : : "i"(spr), "r"((uint32_t)(value)) : "memory")
#define IBAT_U(n) (528 + 2 * (n))
#define IBAT_L(n) (529 + 2 * (n))
#define DBAT_U(n) (536 + 2 * (n))
#define DBAT_L(n) (537 + 2 * (n))
#define SPR_SDR1 25

static uint32_t msr(void) {
  uint32_t value;
  __asm__ volatile("mfmsr %0" : "=r"(value));
  return value;
}

static int mmu_on(void) {
  return (msr() & (MSR_IR | MSR_DR)) == (MSR_IR | MSR_DR);
}

/* The window's PTE: slot 0 of its primary PTEG (HTABMASK 0: 10 hash bits). */
static volatile uint32_t *window_pte(void) {
  uint32_t page_index = (WINDOW_VA >> 12) & 0xffff;
  uint32_t hash = VSID(WINDOW_VA >> 28) ^ page_index;
  return &htab[(hash & 0x3ff) * 16];
}

static uint32_t window_pte_word0(void) {
  return PTE_VALID | (VSID(WINDOW_VA >> 28) << 7) | (((WINDOW_VA >> 12) & 0xffff) >> 10);
}

static void mmu_build(uintptr_t frame) {
  volatile uint32_t *pte = window_pte();
  pte[1] = frame | PTE_R | PTE_C | PTE_PP_RW;
  pte[0] = window_pte_word0();
}

/* A BAT pair (SPR numbers) mapping [base, base + size) to itself, supervisor only. */
#define SET_BAT(upper_spr, lower_spr, base, size, wimg)                   \
  do {                                                                    \
    MTSPR(upper_spr, (base) | BATU_BL(size) | BATU_VS);                   \
    MTSPR(lower_spr, (base) | (wimg) | BATL_PP_RW);                       \
  } while (0)

static void mmu_enable(void) {
  uintptr_t stack = (uintptr_t)__builtin_frame_address(0) & ~(STACK_BLOCK - 1);
  for (unsigned segment = 0; segment < 16; segment++)
    __asm__ volatile("mtsrin %0, %1" : : "r"(VSID(segment)), "r"(segment << 28) : "memory");
  MTSPR(SPR_SDR1, (uintptr_t)htab); /* HTABORG, HTABMASK 0 */
  SET_BAT(IBAT_U(0), IBAT_L(0), 0, IDENTITY_BLOCK, 0);
  SET_BAT(DBAT_U(0), DBAT_L(0), 0, IDENTITY_BLOCK, 0);
  SET_BAT(DBAT_U(1), DBAT_L(1), UCALL_GPA & ~(0x4000000u - 1), 0x4000000u, BATL_GUARDED_UNCACHED);
  SET_BAT(IBAT_U(2), IBAT_L(2), stack, STACK_BLOCK, 0);
  SET_BAT(DBAT_U(2), DBAT_L(2), stack, STACK_BLOCK, 0);
  MTSPR(IBAT_U(1), 0);
  MTSPR(IBAT_U(3), 0);
  MTSPR(DBAT_U(3), 0);
  __asm__ volatile("sync\n\tmtmsr %0\n\tisync" : : "r"(msr() | MSR_IR | MSR_DR) : "memory");
}

static void mmu_remap(uintptr_t frame) {
  volatile uint32_t *pte = window_pte();
  pte[0] = 0;
  __asm__ volatile("sync\n\ttlbie %0\n\tsync\n\ttlbsync\n\tsync" : : "r"(WINDOW_VA) : "memory");
  pte[1] = frame | PTE_R | PTE_C | PTE_PP_RW;
  __asm__ volatile("eieio" : : : "memory");
  pte[0] = window_pte_word0();
  __asm__ volatile("sync" : : : "memory");
}
