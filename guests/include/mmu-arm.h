/* AArch32 (ARM and Thumb) VMSAv7 short descriptors for mmu.c: TTBR0 with TTBCR.N 0
 * (a 16 KiB first-level table of 1 MiB entries), domain 0 as a client (AP checked).
 * Identity: 1 MiB sections over the RAM the loader uses and the ucall/console pages
 * (strongly-ordered); the window is one 4 KiB small page in a coarse second-level
 * table, in a 1 MiB region nothing else uses. Remap: break-before-make, with
 * TLBIMVAIS (CP15 c8, c3, 1), DSB and ISB. */
#define WINDOW_VA 0x00e00000u
#define SECTION (1u << 20)
#define IDENTITY_END 0x01200000u /* RAM from 0x100000, up to 16 MiB (the loader's default) */

#define SECTION_DESC 0x2u
#define COARSE_DESC 0x1u
#define SMALL_PAGE_DESC 0x2u
#define SECTION_AP_FULL (3u << 10)
#define SECTION_CACHED 0xcu /* C and B: normal write-back */
#define SMALL_PAGE_AP_FULL (3u << 4)
#define SMALL_PAGE_CACHED 0xcu
#define DACR_CLIENT_0 0x1u

static uint32_t level1[4096] __attribute__((aligned(16384)));
static uint32_t level2[256] __attribute__((aligned(1024)));

#define CP15_READ(crn, opc1, crm, opc2) ({ uint32_t value_; __asm__ volatile("mrc p15, " #opc1 ", %0, " #crn ", " #crm ", " #opc2 : "=r"(value_)); value_; })
#define CP15_WRITE(crn, opc1, crm, opc2, value) __asm__ volatile("mcr p15, " #opc1 ", %0, " #crn ", " #crm ", " #opc2 : : "r"((uint32_t)(value)) : "memory")

static int mmu_on(void) {
  return CP15_READ(c1, 0, c0, 0) & 1; /* SCTLR.M */
}

static uint32_t window_page(uintptr_t frame) {
  return frame | SMALL_PAGE_AP_FULL | SMALL_PAGE_CACHED | SMALL_PAGE_DESC;
}

static void mmu_build(uintptr_t frame) {
  for (uintptr_t va = 0; va < IDENTITY_END; va += SECTION) level1[va / SECTION] = va | SECTION_AP_FULL | SECTION_CACHED | SECTION_DESC;
  level1[UCALL_GPA / SECTION] = (UCALL_GPA & ~(SECTION - 1)) | SECTION_AP_FULL | SECTION_DESC;
  level1[CONSOLE_GPA / SECTION] = (CONSOLE_GPA & ~(SECTION - 1)) | SECTION_AP_FULL | SECTION_DESC;
  level1[WINDOW_VA / SECTION] = (uintptr_t)level2 | COARSE_DESC;
  level2[(WINDOW_VA >> 12) & 255] = window_page(frame);
}

static void mmu_enable(void) {
  CP15_WRITE(c3, 0, c0, 0, DACR_CLIENT_0);
  CP15_WRITE(c2, 0, c0, 2, 0);                 /* TTBCR: N 0, short descriptors */
  CP15_WRITE(c2, 0, c0, 0, (uintptr_t)level1); /* TTBR0 */
  __asm__ volatile("dsb ish\n\tisb" : : : "memory");
  CP15_WRITE(c1, 0, c0, 0, CP15_READ(c1, 0, c0, 0) | 1);
  __asm__ volatile("isb" : : : "memory");
}

/* Break (a fault entry, TLBIMVAIS of the page with ASID 0, DSB, ISB), then make. */
static void mmu_remap(uintptr_t frame) {
  volatile uint32_t *entry = &level2[(WINDOW_VA >> 12) & 255];
  *entry = 0;
  __asm__ volatile("dsb ishst" : : : "memory");
  CP15_WRITE(c8, 0, c3, 1, WINDOW_VA);
  __asm__ volatile("dsb ish\n\tisb" : : : "memory");
  *entry = window_page(frame);
  __asm__ volatile("dsb ishst\n\tisb" : : : "memory");
}
