/* A small printf over varargs: %d %i %u %x %X %o %c %s %p %%, the l and ll lengths,
 * width, '-' and '0' flags and precision for strings; formatted into a buffer and
 * checked, and printed on the console. */
#include "guest.h"
#include <stdarg.h>

struct sink {
  char *buffer;
  size_t size, length;
};

static void put(struct sink *s, char c) {
  if (s->length + 1 < s->size) s->buffer[s->length] = c;
  s->length++;
}

static void put_number(struct sink *s, uint64_t value, unsigned base, int negative, int upper, int width, int left, char pad) {
  char digits[24];
  int n = 0;
  const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  do {
    digits[n++] = set[value % base];
    value /= base;
  } while (value);
  int total = n + negative;
  if (negative && pad == '0') put(s, '-');
  if (!left)
    for (; width > total; width--) put(s, pad);
  if (negative && pad != '0') put(s, '-');
  while (n) put(s, digits[--n]);
  for (; width > total; width--) put(s, ' ');
}

static size_t format(char *buffer, size_t size, const char *f, va_list args) {
  struct sink s = { buffer, size, 0 };
  for (; *f; f++) {
    if (*f != '%') {
      put(&s, *f);
      continue;
    }
    int left = 0, width = 0, precision = -1, longs = 0;
    char pad = ' ';
    for (f++; *f == '-' || *f == '0'; f++) {
      if (*f == '-') left = 1;
      else pad = '0';
    }
    if (left) pad = ' ';
    for (; *f >= '0' && *f <= '9'; f++) width = width * 10 + (*f - '0');
    if (*f == '.')
      for (precision = 0, f++; *f >= '0' && *f <= '9'; f++) precision = precision * 10 + (*f - '0');
    for (; *f == 'l'; f++) longs++;
    switch (*f) {
    case 'd':
    case 'i': {
      int64_t v = longs == 2 ? va_arg(args, long long) : longs == 1 ? va_arg(args, long) : va_arg(args, int);
      put_number(&s, v < 0 ? -(uint64_t)v : (uint64_t)v, 10, v < 0, 0, width, left, pad);
      break;
    }
    case 'u':
    case 'x':
    case 'X':
    case 'o': {
      uint64_t v = longs == 2 ? va_arg(args, unsigned long long) : longs == 1 ? va_arg(args, unsigned long) : va_arg(args, unsigned);
      put_number(&s, v, *f == 'u' ? 10 : *f == 'o' ? 8 : 16, 0, *f == 'X', width, left, pad);
      break;
    }
    case 'p':
      put(&s, '0');
      put(&s, 'x');
      put_number(&s, (uintptr_t)va_arg(args, void *), 16, 0, 0, 0, 0, ' ');
      break;
    case 'c': put(&s, (char)va_arg(args, int)); break;
    case 's': {
      const char *text = va_arg(args, const char *);
      int n = 0;
      while (text[n] && (precision < 0 || n < precision)) n++;
      if (!left)
        for (int i = n; i < width; i++) put(&s, ' ');
      for (int i = 0; i < n; i++) put(&s, text[i]);
      if (left)
        for (int i = n; i < width; i++) put(&s, ' ');
      break;
    }
    case '%': put(&s, '%'); break;
    default: put(&s, '?'); break;
    }
  }
  if (size) buffer[s.length < size ? s.length : size - 1] = 0;
  return s.length;
}

static size_t snprint(char *buffer, size_t size, const char *f, ...) {
  va_list args;
  va_start(args, f);
  size_t n = format(buffer, size, f, args);
  va_end(args);
  return n;
}

static void print(const char *f, ...) {
  char line[160];
  va_list args;
  va_start(args, f);
  format(line, sizeof line, f, args);
  va_end(args);
  console_puts(line);
}

static int same(const char *a, const char *b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

char out[128];

int main(void) {
  /* snprint returns the length of what it formatted. */
#define SIGNED_AND_UNSIGNED "42 -17 3000000000"
  CHECK_EQ(snprint(out, sizeof out, "%d %i %u", 42, -17, 3000000000u), sizeof SIGNED_AND_UNSIGNED - 1);
  CHECK(same(out, SIGNED_AND_UNSIGNED));
  snprint(out, sizeof out, "[%5d|%-5d|%05d|%x|%X|%o]", -42, 7, -3, 0xbeefu, 0xcafeu, 8);
  CHECK(same(out, "[  -42|7    |-0003|beef|CAFE|10]"));
  snprint(out, sizeof out, "%lld %llu %llx", -9000000000000000000ll, 18446744073709551615ull, 0x123456789abcdefull);
  CHECK(same(out, "-9000000000000000000 18446744073709551615 123456789abcdef"));
  snprint(out, sizeof out, "%ld %lx %c%c %s|%8s|%-6s|%.3s %%", -5l, 0xffffl, 'o', 'k', "str", "right", "left", "truncate");
  CHECK(same(out, "-5 ffff ok str|   right|left  |tru %"));
  snprint(out, sizeof out, "%p", (void *)0x1234);
  CHECK(same(out, "0x1234"));
  CHECK_EQ(snprint(out, 8, "%s", "overflowing"), 11);
  CHECK(same(out, "overflo"));
  /* Many arguments: the later ones pass on the stack on every ABI. */
  snprint(out, sizeof out, "%d%d%d%d%d%d%d%d%d%d%lld%d", 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1234567890123ll, -1);
  CHECK(same(out, "12345678901234567890123-1"));
  print("printf: %d checks, %s\n", (int)guest_checks, "all formatted");
  guest_print(out);
  PASS();
}
