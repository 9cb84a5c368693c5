/* A small guest kernel: builds page tables, turns the MMU on, writes through a mapping,
 * remaps that page to another frame with the architecture's own invalidation sequence
 * and checks that it then reads the new frame. Everything else is identity-mapped (RAM,
 * the stack, the ucall and console pages), so the guest ABI keeps working with the MMU
 * on. The table formats and the system-register code are per architecture
 * (guests/include/mmu-ARCH.h); this file is the part every architecture shares. */
#include "guest.h"

#define PAGE 4096u

#if defined(__aarch64__)
#include "mmu-aarch64.h"
#elif defined(__arm__)
#include "mmu-arm.h"
#elif defined(__powerpc64__)
#include "mmu-ppc64.h"
#elif defined(__powerpc__)
#include "mmu-ppc32.h"
#else
#error "mmu.c: no MMU header for this architecture"
#endif

/* Two physical frames (identity-mapped bss) the window page is mapped to in turn. */
static uint32_t frame_a[PAGE / 4] __attribute__((aligned(PAGE)));
static uint32_t frame_b[PAGE / 4] __attribute__((aligned(PAGE)));

#define WORDS 8
#define PATTERN_A 0xa0a00000u
#define PATTERN_B 0xb0b00000u

int main(void) {
  for (unsigned i = 0; i < WORDS; i++) {
    frame_a[i] = PATTERN_A + i;
    frame_b[i] = PATTERN_B + i;
  }
  CHECK(!mmu_on());
  mmu_build((uintptr_t)frame_a);
  mmu_enable();
  CHECK(mmu_on());

  volatile uint32_t *window = (volatile uint32_t *)WINDOW_VA;
  for (unsigned i = 0; i < WORDS; i++) CHECK_EQ(window[i], PATTERN_A + i);
  window[1] = 0x1234;
  CHECK_EQ(((volatile uint32_t *)frame_a)[1], 0x1234);

  mmu_remap((uintptr_t)frame_b);
  CHECK_EQ(window[0], PATTERN_B);
  CHECK_EQ(window[1], PATTERN_B + 1);
  window[2] = 0x5678;
  CHECK_EQ(((volatile uint32_t *)frame_b)[2], 0x5678);
  CHECK_EQ(((volatile uint32_t *)frame_a)[2], PATTERN_A + 2);
  CHECK(mmu_on());
  PASS();
}
