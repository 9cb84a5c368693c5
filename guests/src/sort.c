/* Sorting through a comparator: a generic quicksort (qsort's interface) with an
 * insertion sort for short runs, on integers, strings and records. */
#include "guest.h"

typedef int (*compare_fn)(const void *, const void *);

static void swap_bytes(uint8_t *a, uint8_t *b, size_t size) {
  while (size--) {
    uint8_t t = *a;
    *a++ = *b;
    *b++ = t;
  }
}

static void sort_generic(void *base, size_t count, size_t size, compare_fn compare) {
  uint8_t *items = base;
  while (count > 8) {
    /* Median of three to the front, then Hoare partition. */
    uint8_t *low = items, *middle = items + (count / 2) * size, *high = items + (count - 1) * size;
    if (compare(middle, low) < 0) swap_bytes(middle, low, size);
    if (compare(high, low) < 0) swap_bytes(high, low, size);
    if (compare(high, middle) < 0) swap_bytes(high, middle, size);
    swap_bytes(items, middle, size);
    size_t i = 0, j = count;
    for (;;) {
      do i++; while (i < count && compare(items + i * size, items) < 0);
      do j--; while (compare(items + j * size, items) > 0);
      if (i >= j) break;
      swap_bytes(items + i * size, items + j * size, size);
    }
    swap_bytes(items, items + j * size, size);
    /* Recurse into the smaller side, loop on the larger. */
    if (j < count - j - 1) {
      sort_generic(items, j, size, compare);
      items += (j + 1) * size;
      count -= j + 1;
    } else {
      sort_generic(items + (j + 1) * size, count - j - 1, size, compare);
      count = j;
    }
  }
  for (size_t i = 1; i < count; i++)
    for (size_t k = i; k > 0 && compare(items + (k - 1) * size, items + k * size) > 0; k--)
      swap_bytes(items + (k - 1) * size, items + k * size, size);
}

static int compare_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static int compare_string(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  while (*x && *x == *y) x++, y++;
  return (uint8_t)*x - (uint8_t)*y;
}

struct record {
  uint16_t key;
  uint8_t tag;
  uint64_t payload;
};

static int compare_record(const void *a, const void *b) {
  const struct record *x = a, *y = b;
  return (x->key > y->key) - (x->key < y->key);
}

int numbers[500];
struct record records[120];
const char *words[] = { "tlbie", "ptesync", "eieio", "slot", "memslot", "kvm", "mmio", "rcu", "broadcast", "ipi", "dsb", "isb" };

int main(void) {
  uint32_t seed = 7;
  int64_t sum = 0;
  uint32_t mixed = 0;
  for (unsigned i = 0; i < 500; i++) {
    seed = seed * 1664525u + 1013904223u;
    numbers[i] = (int)(seed >> 8) % 1000 - 500;
    sum += numbers[i];
    mixed ^= (uint32_t)numbers[i] * 2654435761u;
  }
  sort_generic(numbers, 500, sizeof numbers[0], compare_int);
  int64_t sum_after = 0;
  uint32_t mixed_after = 0;
  for (unsigned i = 0; i < 500; i++) {
    sum_after += numbers[i];
    mixed_after ^= (uint32_t)numbers[i] * 2654435761u;
    if (i) CHECK(numbers[i - 1] <= numbers[i]);
  }
  CHECK_EQ(sum_after, sum);
  CHECK_EQ(mixed_after, mixed);

  sort_generic(words, sizeof words / sizeof words[0], sizeof words[0], compare_string);
  CHECK(compare_string(&words[0], &(const char *){ "broadcast" }) == 0);
  CHECK(compare_string(&words[11], &(const char *){ "tlbie" }) == 0);
  for (unsigned i = 1; i < sizeof words / sizeof words[0]; i++) CHECK(compare_string(&words[i - 1], &words[i]) < 0);

  for (unsigned i = 0; i < 120; i++) {
    seed = seed * 1664525u + 1013904223u;
    records[i].key = (uint16_t)(seed >> 20);
    records[i].tag = (uint8_t)i;
    records[i].payload = (uint64_t)records[i].key * 0x100000001ull + i;
  }
  sort_generic(records, 120, sizeof records[0], compare_record);
  for (unsigned i = 0; i < 120; i++) {
    CHECK_EQ(records[i].payload - records[i].tag, (uint64_t)records[i].key * 0x100000001ull);
    if (i) CHECK(records[i - 1].key <= records[i].key);
  }
  PASS();
}
