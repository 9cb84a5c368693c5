/* memslot-emu guest ABI (see README "Running your own ELF guests").
 *
 * The guest talks to the host through two MMIO registers at fixed guest-physical
 * addresses, identical on every architecture:
 *   UCALL_GPA    a store (4 or 8 bytes) of a pointer to a struct ucall is a call;
 *   CONSOLE_GPA  a byte store writes that byte to the host's standard output.
 * The MMU is off, so a pointer is a guest-physical address. Freestanding: no libc. */
#ifndef MEMSLOT_GUEST_H
#define MEMSLOT_GUEST_H

typedef unsigned char uint8_t;
typedef unsigned short uint16_t;
typedef unsigned int uint32_t;
typedef unsigned long long uint64_t;
typedef signed char int8_t;
typedef short int16_t;
typedef int int32_t;
typedef long long int64_t;
typedef __SIZE_TYPE__ size_t;
typedef __UINTPTR_TYPE__ uintptr_t;
typedef __INTPTR_TYPE__ intptr_t;

#define UCALL_GPA 0x0a000000ul
#define CONSOLE_GPA 0x09000000ul

/* Call numbers (struct ucall.cmd). */
#define UCALL_DONE 1   /* args[0]: exit status; the run ends */
#define UCALL_PRINT 2  /* args[0]: NUL-terminated string, printed as a line */
#define UCALL_REPORT 3 /* args[0]: NUL-terminated name, args[1]: a value, recorded by the host */
#define UCALL_ASSERT 4 /* args[0]: file, args[1]: line, args[2]: expression, args[3], args[4]: values; the run ends */

struct ucall {
  uint64_t cmd;
  uint64_t args[6];
};

static inline void ucall(uint64_t cmd, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4) {
  struct ucall call = { cmd, { a0, a1, a2, a3, a4, 0 } };
  /* The struct is in memory before the doorbell rings. */
  __asm__ volatile("" : : "m"(call) : "memory");
  *(volatile uintptr_t *)UCALL_GPA = (uintptr_t)&call;
  __asm__ volatile("" : : : "memory");
}

static inline __attribute__((noreturn)) void guest_done(uint64_t status) {
  ucall(UCALL_DONE, status, 0, 0, 0, 0);
  for (;;) {
  }
}

static inline void guest_print(const char *text) {
  ucall(UCALL_PRINT, (uintptr_t)text, 0, 0, 0, 0);
}

static inline void guest_report(const char *name, uint64_t value) {
  ucall(UCALL_REPORT, (uintptr_t)name, value, 0, 0, 0);
}

static inline __attribute__((noreturn)) void guest_assert_failed(const char *file, int line, const char *expr, uint64_t a, uint64_t b) {
  ucall(UCALL_ASSERT, (uintptr_t)file, (uint64_t)line, (uintptr_t)expr, a, b);
  for (;;) {
  }
}

static inline void console_putc(char c) {
  *(volatile uint8_t *)CONSOLE_GPA = (uint8_t)c;
}

static inline void console_puts(const char *text) {
  while (*text) console_putc(*text++);
}

/* Self-checks: every CHECK counts; a failed one ends the run with its file, line and
 * expression (and both values for CHECK_EQ). PASS reports "passed" with the count. */
static unsigned long guest_checks __attribute__((unused));

#define CHECK(expr)                                                                     \
  do {                                                                                  \
    guest_checks++;                                                                     \
    if (!(expr)) guest_assert_failed(__FILE__, __LINE__, #expr, 0, 0);                  \
  } while (0)

#define CHECK_EQ(a, b)                                                                  \
  do {                                                                                  \
    uint64_t check_a_ = (uint64_t)(a), check_b_ = (uint64_t)(b);                        \
    guest_checks++;                                                                     \
    if (check_a_ != check_b_) guest_assert_failed(__FILE__, __LINE__, #a " == " #b, check_a_, check_b_); \
  } while (0)

#define PASS()                                                                          \
  do {                                                                                  \
    guest_report("passed", guest_checks);                                               \
    return 0;                                                                           \
  } while (0)

/* Hides a value from the optimiser, so checks run on the target and are not folded. */
#define OPAQUE(x)                                                                       \
  ({                                                                                    \
    __typeof__(x) opaque_ = (x);                                                        \
    __asm__ volatile("" : "+m"(opaque_));                                               \
    opaque_;                                                                            \
  })

#endif
