/* Startup: the loader has set the stack pointer and the ABI's registers (TOC on
 * 64-bit PowerPC) and zeroed .bss, so _start only calls main and reports its
 * return through UCALL_DONE. */
#include "guest.h"

int main(void);

__attribute__((noreturn, section(".text.start"))) void _start(void) {
  guest_done((uint64_t)(int64_t)main());
}
