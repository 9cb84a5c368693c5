/* String and memory routines, byte at a time and word at a time, against each other. */
#include "guest.h"

static void *memcpy_bytes(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

/* Whole words when both pointers share an alignment, bytes for the head and tail. */
static void *memcpy_words(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (((uintptr_t)d & (sizeof(uintptr_t) - 1)) == ((uintptr_t)s & (sizeof(uintptr_t) - 1))) {
    while (n && ((uintptr_t)d & (sizeof(uintptr_t) - 1))) {
      *d++ = *s++;
      n--;
    }
    uintptr_t *dw = (uintptr_t *)d;
    const uintptr_t *sw = (const uintptr_t *)s;
    for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t)) *dw++ = *sw++;
    d = (uint8_t *)dw;
    s = (const uint8_t *)sw;
  }
  while (n--) *d++ = *s++;
  return dst;
}

static void *memset_words(void *dst, int c, size_t n) {
  uint8_t *d = dst;
  uintptr_t pattern = (uint8_t)c;
  pattern |= pattern << 8;
  pattern |= pattern << 16;
  if (sizeof(uintptr_t) == 8) pattern |= (uintptr_t)((uint64_t)pattern << 32);
  while (n && ((uintptr_t)d & (sizeof(uintptr_t) - 1))) {
    *d++ = (uint8_t)c;
    n--;
  }
  for (; n >= sizeof(uintptr_t); n -= sizeof(uintptr_t), d += sizeof(uintptr_t)) *(uintptr_t *)d = pattern;
  while (n--) *d++ = (uint8_t)c;
  return dst;
}

static void *memmove_bytes(void *dst, const void *src, size_t n) {
  uint8_t *d = dst;
  const uint8_t *s = src;
  if (d < s) {
    while (n--) *d++ = *s++;
  } else {
    while (n--) d[n] = s[n];
  }
  return dst;
}

static int memcmp_bytes(const void *a, const void *b, size_t n) {
  const uint8_t *x = a, *y = b;
  for (; n; n--, x++, y++)
    if (*x != *y) return *x < *y ? -1 : 1;
  return 0;
}

static size_t strlen_bytes(const char *s) {
  const char *p = s;
  while (*p) p++;
  return (size_t)(p - s);
}

/* A word holds a zero byte when (w - 0x01..01) & ~w & 0x80..80 is not zero. */
static size_t strlen_words(const char *s) {
  const char *p = s;
  while ((uintptr_t)p & (sizeof(uintptr_t) - 1)) {
    if (!*p) return (size_t)(p - s);
    p++;
  }
  const uintptr_t ones = (uintptr_t)-1 / 0xff;
  const uintptr_t highs = ones << 7;
  const uintptr_t *w = (const uintptr_t *)p;
  while (!((*w - ones) & ~*w & highs)) w++;
  p = (const char *)w;
  while (*p) p++;
  return (size_t)(p - s);
}

static int strcmp_bytes(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return (uint8_t)*a - (uint8_t)*b;
}

static char *strchr_bytes(const char *s, int c) {
  for (;; s++) {
    if (*s == (char)c) return (char *)s;
    if (!*s) return 0;
  }
}

uint8_t source[300];
uint8_t dest_a[320] __attribute__((aligned(16)));
uint8_t dest_b[320] __attribute__((aligned(16)));
/* The first ':' of text comes right after TEXT_HEAD. */
#define TEXT_HEAD "memslot-emu runs compiled guests"
char text[] = TEXT_HEAD ": string routines, byte and word at a time.";

int main(void) {
  for (unsigned i = 0; i < sizeof source; i++) source[i] = (uint8_t)(i * 7 + 3);

  for (unsigned offset = 0; offset < 9; offset++) {
    for (unsigned length = 0; length < 70; length += 3) {
      memset_words(dest_a, 0xa5, sizeof dest_a);
      memset_words(dest_b, 0xa5, sizeof dest_b);
      memcpy_bytes(dest_a + offset, source + 1, length);
      memcpy_words(dest_b + offset, source + 1, length);
      CHECK(memcmp_bytes(dest_a, dest_b, sizeof dest_a) == 0);
      CHECK_EQ(dest_b[offset + length], 0xa5);
    }
  }

  memset_words(dest_a + 3, 0x5a, 101);
  CHECK_EQ(dest_a[2], 0xa5);
  CHECK_EQ(dest_a[3], 0x5a);
  CHECK_EQ(dest_a[103], 0x5a);
  CHECK_EQ(dest_a[104], 0xa5);

  memcpy_bytes(dest_a, source, 64);
  memmove_bytes(dest_a + 5, dest_a, 40);
  CHECK(memcmp_bytes(dest_a + 5, source, 40) == 0);
  memcpy_bytes(dest_a, source, 64);
  memmove_bytes(dest_a, dest_a + 7, 40);
  CHECK(memcmp_bytes(dest_a, source + 7, 40) == 0);
  CHECK(memcmp_bytes(source, source + 1, 4) != 0);

  size_t length = strlen_bytes(text);
  CHECK_EQ(length, sizeof text - 1);
  for (unsigned start = 0; start < 12; start++) CHECK_EQ(strlen_words(text + start), length - start);
  CHECK(strcmp_bytes(text, "memslot-emu") > 0);
  CHECK(strcmp_bytes("abc", "abd") < 0);
  CHECK_EQ(strcmp_bytes(text, text), 0);
  CHECK(strchr_bytes(text, ':') == text + sizeof TEXT_HEAD - 1);
  CHECK(strchr_bytes(text, 'Z') == 0);
  PASS();
}
