/* Atomics with GCC's __atomic builtins (load-reserve/store-conditional loops on
 * PowerPC and ARM) and a test-and-set spinlock guarding a counter. */
#include "guest.h"

uint32_t counter;
uintptr_t pointer_word;
uint16_t half;
uint8_t lock_byte;
uint32_t bits;

static void spin_lock(uint8_t *lock) {
  while (__atomic_test_and_set(lock, __ATOMIC_ACQUIRE)) {
  }
}

static void spin_unlock(uint8_t *lock) {
  __atomic_clear(lock, __ATOMIC_RELEASE);
}

int main(void) {
  CHECK_EQ(__atomic_fetch_add(&counter, 5, __ATOMIC_SEQ_CST), 0);
  CHECK_EQ(__atomic_add_fetch(&counter, 10, __ATOMIC_SEQ_CST), 15);
  CHECK_EQ(__atomic_fetch_sub(&counter, 3, __ATOMIC_RELAXED), 15);
  CHECK_EQ(__atomic_exchange_n(&counter, 100, __ATOMIC_ACQ_REL), 12);
  uint32_t expected = 99;
  CHECK(!__atomic_compare_exchange_n(&counter, &expected, 7, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
  CHECK_EQ(expected, 100);
  CHECK(__atomic_compare_exchange_n(&counter, &expected, 7, 0, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
  CHECK_EQ(__atomic_load_n(&counter, __ATOMIC_ACQUIRE), 7);

  CHECK_EQ(__atomic_fetch_or(&bits, 0xf0, __ATOMIC_SEQ_CST), 0);
  CHECK_EQ(__atomic_fetch_and(&bits, 0x3c, __ATOMIC_SEQ_CST), 0xf0);
  CHECK_EQ(__atomic_xor_fetch(&bits, 0xff, __ATOMIC_SEQ_CST), 0xcf);

  __atomic_store_n(&pointer_word, (uintptr_t)&counter, __ATOMIC_RELEASE);
  uintptr_t old = (uintptr_t)&counter;
  CHECK(__atomic_compare_exchange_n(&pointer_word, &old, (uintptr_t)&bits, 1, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) || old == (uintptr_t)&counter);
  CHECK_EQ(__atomic_fetch_add(&half, 0xffff, __ATOMIC_SEQ_CST), 0);
  CHECK_EQ(__atomic_add_fetch(&half, 2, __ATOMIC_SEQ_CST), 1);

  uint32_t total = 0;
  for (unsigned i = 0; i < 200; i++) {
    spin_lock(&lock_byte);
    CHECK_EQ(__atomic_load_n(&lock_byte, __ATOMIC_RELAXED) != 0, 1);
    total += i;
    spin_unlock(&lock_byte);
  }
  CHECK_EQ(total, 199 * 200 / 2);
  CHECK_EQ(lock_byte, 0);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  PASS();
}
