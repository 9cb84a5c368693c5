/* The guest ABI itself: console bytes, a PRINT, a REPORT and a check whose expected
 * value (greeting_length) a host may change before the run to see an assertion fail. */
#include "guest.h"

char greeting[] = "hello from a compiled guest";
unsigned greeting_length = 27;

int main(void) {
  console_puts(greeting);
  console_putc('\n');
  guest_print("ucall print");
  guest_report("answer", 42);
  unsigned n = 0;
  while (greeting[n]) n++;
  CHECK_EQ(n, greeting_length);
  PASS();
}
