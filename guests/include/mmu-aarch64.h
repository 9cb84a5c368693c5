/* AArch64 EL1 stage 1 for mmu.c: 4 KiB granule, 39-bit VAs (TCR_EL1.T0SZ 25, so the
 * walk starts at level 1), TTBR0_EL1 only. Identity: 2 MiB blocks over the RAM the
 * loader uses and the ucall/console pages (Device-nGnRnE); the window is one 4 KiB
 * page in a 2 MiB region nothing else uses. Remap: break-before-make. */
#define WINDOW_VA 0x00e00000ul
#define BLOCK (2ul << 20)
#define IDENTITY_END 0x01200000ul /* RAM from 0x100000, up to 16 MiB (the loader's default) */

#define DESC_BLOCK 0x1ul
#define DESC_TABLE 0x3ul /* a table at levels 1-2, a page at level 3 */
#define DESC_AF (1ul << 10)
#define DESC_INNER_SHAREABLE (3ul << 8)
#define DESC_NORMAL (0ul << 2) /* MAIR_EL1 attribute 0 */
#define DESC_DEVICE (1ul << 2) /* MAIR_EL1 attribute 1 */
#define MAIR_VALUE 0x00fful   /* attribute 0: Normal write-back; 1: Device-nGnRnE */
/* T0SZ 25, write-back, inner shareable, TG0 4 KiB; EPD1 (no TTBR1 walks) with TG1 4 KiB
 * (0b10: 0b00 is reserved, and with it Unicorn 2.0.1 faults the first fetch after SCTLR_EL1.M); IPS 48 bits. */
#define TCR_VALUE (25ul | (1ul << 8) | (1ul << 10) | (3ul << 12) | (1ul << 23) | (2ul << 30) | (5ul << 32))

static uint64_t level1[512] __attribute__((aligned(4096)));
static uint64_t level2[512] __attribute__((aligned(4096)));
static uint64_t level3[512] __attribute__((aligned(4096)));

#define SYSREG_READ(name) ({ uint64_t value_; __asm__ volatile("mrs %0, " #name : "=r"(value_)); value_; })
#define SYSREG_WRITE(name, value) __asm__ volatile("msr " #name ", %0" : : "r"((uint64_t)(value)) : "memory")

static int mmu_on(void) {
  return SYSREG_READ(sctlr_el1) & 1;
}

static uint64_t window_page(uintptr_t frame) {
  return frame | DESC_TABLE | DESC_AF | DESC_INNER_SHAREABLE | DESC_NORMAL;
}

static void mmu_build(uintptr_t frame) {
  level1[0] = (uintptr_t)level2 | DESC_TABLE;
  for (uintptr_t va = 0; va < IDENTITY_END; va += BLOCK) level2[va / BLOCK] = va | DESC_BLOCK | DESC_AF | DESC_INNER_SHAREABLE | DESC_NORMAL;
  level2[UCALL_GPA / BLOCK] = (UCALL_GPA & ~(BLOCK - 1)) | DESC_BLOCK | DESC_AF | DESC_DEVICE;
  level2[CONSOLE_GPA / BLOCK] = (CONSOLE_GPA & ~(BLOCK - 1)) | DESC_BLOCK | DESC_AF | DESC_DEVICE;
  level2[WINDOW_VA / BLOCK] = (uintptr_t)level3 | DESC_TABLE;
  level3[(WINDOW_VA >> 12) & 511] = window_page(frame);
}

static void mmu_enable(void) {
  SYSREG_WRITE(mair_el1, MAIR_VALUE);
  SYSREG_WRITE(tcr_el1, TCR_VALUE);
  SYSREG_WRITE(ttbr0_el1, (uintptr_t)level1);
  __asm__ volatile("dsb ish\n\tisb" : : : "memory");
  SYSREG_WRITE(sctlr_el1, SYSREG_READ(sctlr_el1) | 1);
  __asm__ volatile("isb" : : : "memory");
}

/* Break (invalid entry, TLBI VAE1IS of the page, DSB, ISB), then make. */
static void mmu_remap(uintptr_t frame) {
  volatile uint64_t *entry = &level3[(WINDOW_VA >> 12) & 511];
  *entry = 0;
  __asm__ volatile("dsb ishst\n\ttlbi vae1is, %0\n\tdsb ish\n\tisb" : : "r"(WINDOW_VA >> 12) : "memory");
  *entry = window_page(frame);
  __asm__ volatile("dsb ishst\n\tisb" : : : "memory");
}
