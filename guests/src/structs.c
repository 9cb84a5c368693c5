/* Structures: copies by assignment (small ones in registers, large ones through
 * memcpy), passed and returned by value, arrays of them, unions and bitfields. */
#include "guest.h"

struct point {
  int32_t x, y;
};

struct mixed {
  uint8_t tag;
  uint16_t half;
  uint32_t word;
  uint64_t wide;
  struct point corner[2];
};

struct large {
  uint32_t words[40];
  struct mixed inner;
};

struct flags {
  unsigned ready : 1;
  unsigned mode : 3;
  unsigned count : 12;
  signed delta : 8;
};

union pun {
  uint64_t wide;
  uint32_t words[2];
  uint8_t bytes[8];
};

static __attribute__((noinline)) struct point add_points(struct point a, struct point b) {
  struct point sum = { a.x + b.x, a.y + b.y };
  return sum;
}

static __attribute__((noinline)) struct mixed bump(struct mixed m) {
  m.tag++;
  m.half = (uint16_t)(m.half * 3);
  m.word ^= 0xffffffffu;
  m.wide += 0x100000000ull;
  m.corner[1] = add_points(m.corner[0], m.corner[1]);
  return m;
}

static __attribute__((noinline)) struct large fill_large(uint32_t seed) {
  struct large l;
  for (unsigned i = 0; i < 40; i++) l.words[i] = seed + i * i;
  l.inner = (struct mixed){ 1, 2, 3, 4, { { 5, 6 }, { 7, 8 } } };
  return l;
}

struct large global_large;
struct mixed table[6];

int main(void) {
  struct point p = add_points((struct point){ 1, -2 }, (struct point){ OPAQUE(40), 50 });
  CHECK_EQ(p.x, 41);
  CHECK_EQ(p.y, 48);

  struct mixed m = { 0xfe, 0x1234, 0x0f0f0f0f, 0xffffffffull, { { -3, 4 }, { 10, 20 } } };
  struct mixed n = bump(m);
  CHECK_EQ(n.tag, 0xff);
  CHECK_EQ(n.half, (uint16_t)(0x1234 * 3));
  CHECK_EQ(n.word, 0xf0f0f0f0u);
  CHECK_EQ(n.wide, 0x1ffffffffull);
  CHECK_EQ(n.corner[1].x, 7);
  CHECK_EQ(n.corner[1].y, 24);
  CHECK_EQ(m.tag, 0xfe); /* passed by value: the original is unchanged */

  global_large = fill_large(OPAQUE(100u));
  struct large copy = global_large;
  copy.words[39] = 0;
  CHECK_EQ(global_large.words[39], 100u + 39 * 39);
  CHECK_EQ(copy.words[38], 100u + 38 * 38);
  CHECK_EQ(copy.inner.corner[1].y, 8);

  for (unsigned i = 0; i < 6; i++) {
    table[i] = m;
    table[i].word = i;
  }
  struct mixed temp = table[1];
  table[1] = table[4];
  table[4] = temp;
  CHECK_EQ(table[1].word, 4);
  CHECK_EQ(table[4].word, 1);
  CHECK_EQ(table[4].corner[0].x, -3);

  struct flags f = { 1, 5, 4000, -7 };
  f.count = (f.count + OPAQUE(100u)) & 0xfff;
  f.delta = (signed)(f.delta * 2);
  CHECK_EQ(f.ready, 1);
  CHECK_EQ(f.mode, 5);
  CHECK_EQ(f.count, 4100 & 0xfff);
  CHECK_EQ((int64_t)f.delta, -14);

  union pun u;
  u.wide = OPAQUE(0x0102030405060708ull);
  int little = u.bytes[0] == 8;
  CHECK_EQ(u.bytes[little ? 7 : 0], 1);
  CHECK_EQ(u.words[little ? 0 : 1], 0x05060708u);
  PASS();
}
