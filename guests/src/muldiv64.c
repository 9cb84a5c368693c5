/* 64-bit multiply, divide, modulo and shifts (libgcc's __muldi3, __udivdi3, __divdi3,
 * __umoddi3, __moddi3, __ashldi3, __lshrdi3, __ashrdi3 on 32-bit targets), checked
 * against shift-and-add / shift-and-subtract versions and known values. */
#include "guest.h"

static uint64_t multiply_bits(uint64_t a, uint64_t b) {
  uint64_t product = 0;
  for (; b; b >>= 1, a <<= 1)
    if (b & 1) product += a;
  return product;
}

static uint64_t divide_bits(uint64_t n, uint64_t d, uint64_t *remainder) {
  uint64_t q = 0, r = 0;
  for (int i = 63; i >= 0; i--) {
    r = r << 1 | ((n >> i) & 1);
    if (r >= d) {
      r -= d;
      q |= 1ull << i;
    }
  }
  *remainder = r;
  return q;
}

static uint64_t state = 0x9e3779b97f4a7c15ull;

static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

uint64_t all_ones = ~0ull;
int64_t minus_seven = -7;
int64_t int_min = (int64_t)(1ull << 63);

int main(void) {
  CHECK_EQ(all_ones / 3, 0x5555555555555555ull);
  CHECK_EQ(all_ones % 10, 5);
  CHECK_EQ(minus_seven / 2, (uint64_t)-3);
  CHECK_EQ(minus_seven % 2, (uint64_t)-1);
  CHECK_EQ(-minus_seven % -2, 1);
  CHECK_EQ(int_min >> 63, (uint64_t)-1);
  CHECK_EQ((uint64_t)int_min >> 63, 1);
  CHECK_EQ(0x123456789abcdefull * 0xfedcba987654321ull, 0x22236d88fe5618cfull);

  for (int i = 0; i < 200; i++) {
    uint64_t a = next(), b = next() >> (next() & 63);
    if (b == 0) b = 1;
    CHECK_EQ(a * b, multiply_bits(a, b));
    uint64_t r;
    uint64_t q = divide_bits(a, b, &r);
    CHECK_EQ(a / b, q);
    CHECK_EQ(a % b, r);
    int64_t sa = (int64_t)a, sb = (int64_t)b;
    if (i & 1) sb = -sb;
    int64_t sq = sa / sb, sr = sa % sb;
    CHECK_EQ((uint64_t)(sq * sb + sr), (uint64_t)sa);
    CHECK(sr == 0 || (sr < 0) == (sa < 0));
    CHECK((sr < 0 ? -sr : sr) < (sb < 0 ? -(uint64_t)sb : (uint64_t)sb));
    unsigned s = (unsigned)(next() & 63);
    CHECK_EQ(a << s, multiply_bits(a, 1ull << s));
    CHECK_EQ(a >> s, divide_bits(a, 1ull << s, &r));
    CHECK_EQ((uint64_t)(sa >> s), sa < 0 ? ~(~a >> s) : a >> s);
    uint32_t x = (uint32_t)a, y = (uint32_t)b | 1;
    CHECK_EQ((uint64_t)x * y, multiply_bits(x, y));
    CHECK_EQ(x / y, divide_bits(x, y, &r));
    CHECK_EQ((int32_t)x / (int32_t)y * (int32_t)y + (int32_t)x % (int32_t)y, (int32_t)x);
  }
  PASS();
}
