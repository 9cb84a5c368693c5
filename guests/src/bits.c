/* Bit manipulation: popcount, count leading/trailing zeros, parity, byte swap and
 * rotates, GCC's builtins against plain loops, 32- and 64-bit. */
#include "guest.h"

static unsigned popcount_loop(uint64_t x) {
  unsigned n = 0;
  for (; x; x >>= 1) n += (unsigned)(x & 1);
  return n;
}

static unsigned clz_loop(uint64_t x, unsigned width) {
  unsigned n = 0;
  for (int i = (int)width - 1; i >= 0 && !((x >> i) & 1); i--) n++;
  return n;
}

static unsigned ctz_loop(uint64_t x) {
  unsigned n = 0;
  while (n < 64 && !((x >> n) & 1)) n++;
  return n;
}

static uint64_t bswap_loop(uint64_t x, unsigned bytes) {
  uint64_t r = 0;
  for (unsigned i = 0; i < bytes; i++) r = r << 8 | ((x >> (8 * i)) & 0xff);
  return r;
}

static uint32_t rotl32(uint32_t x, unsigned s) {
  return (x << (s & 31)) | (x >> ((32 - s) & 31));
}

static uint64_t rotr64(uint64_t x, unsigned s) {
  return (x >> (s & 63)) | (x << ((64 - s) & 63));
}

uint64_t inputs[] = { 0, 1, 0x80, 0x8000000000000000ull, 0xffffffffffffffffull, 0x00f0f0f0f0f0f0f0ull, 0x123456789abcdef0ull, 0x10000, 0x7fffffff };

int main(void) {
  uint64_t x = 0x243f6a8885a308d3ull;
  for (unsigned i = 0; i < 100 + sizeof inputs / sizeof inputs[0]; i++) {
    uint64_t v = i < sizeof inputs / sizeof inputs[0] ? inputs[i] : (x = x * 6364136223846793005ull + 1442695040888963407ull) >> (i & 31);
    uint32_t w = (uint32_t)v;
    CHECK_EQ(__builtin_popcountll(v), popcount_loop(v));
    CHECK_EQ(__builtin_popcount(w), popcount_loop(w));
    CHECK_EQ(__builtin_parityll(v), popcount_loop(v) & 1);
    if (v) CHECK_EQ(__builtin_clzll(v), clz_loop(v, 64));
    if (v) CHECK_EQ(__builtin_ctzll(v), ctz_loop(v));
    if (w) CHECK_EQ(__builtin_clz(w), clz_loop(w, 32));
    if (w) CHECK_EQ(__builtin_ctz(w), ctz_loop(w));
    CHECK_EQ(__builtin_bswap64(v), bswap_loop(v, 8));
    CHECK_EQ(__builtin_bswap32(w), bswap_loop(w, 4));
    CHECK_EQ(__builtin_bswap16((uint16_t)w), bswap_loop((uint16_t)w, 2));
    CHECK_EQ(rotl32(w, i), (uint32_t)((((uint64_t)w << 32 | w) << (i & 31)) >> 32));
    CHECK_EQ(rotr64(rotr64(v, i), 64 - (i & 63)), v);
    CHECK_EQ(v & -v, v ? 1ull << ctz_loop(v) : 0);
  }
  CHECK_EQ(__builtin_bswap32(OPAQUE(0x11223344u)), 0x44332211u);
  CHECK_EQ(__builtin_popcountll(OPAQUE(0xffffffffffffffffull)), 64);
  PASS();
}
