/* Checksums and hashes: CRC-32 (table and bitwise), Adler-32, Fletcher-16/32, FNV-1a. */
#include "guest.h"

static uint32_t crc_table[256];

static void crc32_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    crc_table[i] = c;
  }
}

static uint32_t crc32_table(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  while (n--) c = crc_table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return ~c;
}

static uint32_t crc32_bitwise(const uint8_t *p, size_t n) {
  uint32_t c = 0xffffffffu;
  while (n--) {
    c ^= *p++;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & -(c & 1));
  }
  return ~c;
}

static uint32_t adler32(const uint8_t *p, size_t n) {
  uint32_t a = 1, b = 0;
  while (n--) {
    a = (a + *p++) % 65521;
    b = (b + a) % 65521;
  }
  return b << 16 | a;
}

static uint16_t fletcher16(const uint8_t *p, size_t n) {
  uint16_t a = 0, b = 0;
  while (n--) {
    a = (uint16_t)((a + *p++) % 255);
    b = (uint16_t)((b + a) % 255);
  }
  return (uint16_t)(b << 8 | a);
}

/* 16-bit little-endian words; an odd tail is padded with a zero byte. */
static uint32_t fletcher32(const uint8_t *p, size_t n) {
  uint32_t a = 0, b = 0;
  for (size_t i = 0; i < n; i += 2) {
    uint32_t word = p[i] | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
    a = (a + word) % 65535;
    b = (b + a) % 65535;
  }
  return b << 16 | a;
}

static uint32_t fnv1a(const uint8_t *p, size_t n) {
  uint32_t h = 0x811c9dc5u;
  while (n--) h = (h ^ *p++) * 0x01000193u;
  return h;
}

char digits[] = "123456789";
char wiki[] = "Wikipedia";
char letters[] = "abcdefgh";
char foobar[] = "foobar";
uint8_t block[1024];

int main(void) {
  crc32_init();
  const uint8_t *d = (const uint8_t *)digits;
  CHECK_EQ(crc32_table(d, 9), 0xcbf43926u);
  CHECK_EQ(crc32_bitwise(d, 9), 0xcbf43926u);
  CHECK_EQ(adler32((const uint8_t *)wiki, 9), 0x11e60398u);
  CHECK_EQ(fletcher16((const uint8_t *)letters, 5), 0xc8f0);
  CHECK_EQ(fletcher16((const uint8_t *)letters, 6), 0x2057);
  CHECK_EQ(fletcher32((const uint8_t *)letters, 5), 0xf04fc729u);
  CHECK_EQ(fletcher32((const uint8_t *)letters, 6), 0x56502d2au);
  CHECK_EQ(fletcher32((const uint8_t *)letters, 8), 0xebe19591u);
  CHECK_EQ(fnv1a((const uint8_t *)foobar, 0), 0x811c9dc5u);
  CHECK_EQ(fnv1a((const uint8_t *)foobar, 6), 0xbf9cf968u);

  uint32_t seed = 12345;
  for (unsigned i = 0; i < sizeof block; i++) {
    seed = seed * 1103515245u + 12345u;
    block[i] = (uint8_t)(seed >> 16);
  }
  for (unsigned n = 0; n <= sizeof block; n += 97) CHECK_EQ(crc32_table(block, n), crc32_bitwise(block, n));
  PASS();
}
