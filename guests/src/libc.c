/* The four routines GCC may call even in freestanding code (struct copies, loops it
 * recognises). Built with -fno-tree-loop-distribute-patterns so they do not call themselves. */
#include "guest.h"

void *memcpy(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

void *memset(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

/* libgcc's ARM division helpers raise SIGFPE on a division by zero: report it. */
int raise(int signal) {
  guest_assert_failed("libgcc", signal, "division by zero (raise)", 0, 0);
}
