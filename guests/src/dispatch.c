/* Control flow: a dense switch (a jump table) in a small bytecode interpreter, a
 * table of function pointers, a sparse switch, and __builtin_setjmp/__builtin_longjmp. */
#include "guest.h"

enum op { PUSH, ADD, SUB, MUL, DUP, SWAP, JNZ, DEC, OVER, DROP, HALT, NOP };

static int64_t interpret(const uint8_t *code) {
  int64_t stack[16];
  int sp = 0;
  for (unsigned pc = 0;;) {
    switch ((enum op)code[pc++]) {
    case PUSH: stack[sp++] = (int8_t)code[pc++]; break;
    case ADD: sp--; stack[sp - 1] += stack[sp]; break;
    case SUB: sp--; stack[sp - 1] -= stack[sp]; break;
    case MUL: sp--; stack[sp - 1] *= stack[sp]; break;
    case DUP: stack[sp] = stack[sp - 1]; sp++; break;
    case SWAP: { int64_t t = stack[sp - 1]; stack[sp - 1] = stack[sp - 2]; stack[sp - 2] = t; break; }
    case JNZ: { uint8_t to = code[pc++]; if (stack[--sp]) pc = to; break; }
    case DEC: stack[sp - 1]--; break;
    case OVER: stack[sp] = stack[sp - 2]; sp++; break;
    case DROP: sp--; break;
    case HALT: return stack[sp - 1];
    case NOP: break;
    }
  }
}

/* acc n -> 20!: [1 20] loop: over*: acc=acc*n; n--; jnz */
uint8_t factorial_code[] = { PUSH, 1, PUSH, 20, SWAP, OVER, MUL, SWAP, DEC, DUP, JNZ, 4, DROP, HALT };

static uint32_t op_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t op_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t op_mul(uint32_t a, uint32_t b) { return a * b; }
static uint32_t op_rol(uint32_t a, uint32_t b) { return a << (b & 31) | a >> ((32 - b) & 31); }
uint32_t (*const operations[])(uint32_t, uint32_t) = { op_add, op_xor, op_mul, op_rol };

static int sparse(int x) {
  switch (x) {
  case -1000: return 1;
  case 3: return 2;
  case 77: return 3;
  case 4096: return 4;
  case 65537: return 5;
  case 0x7fffffff: return 6;
  default: return 0;
  }
}

static int dense(unsigned x) {
  switch (x) {
  case 0: return 10;
  case 1: return 11;
  case 2: return 12;
  case 3: return 13;
  case 4: return 14;
  case 5: return 15;
  case 6: return 16;
  case 7: return 17;
  case 8: return 18;
  case 9: return 19;
  default: return -1;
  }
}

static void *jump_buffer[5];
static int depth_reached;

static __attribute__((noinline)) void descend(int depth) {
  depth_reached = depth;
  if (depth == 10) __builtin_longjmp(jump_buffer, 1);
  descend(depth + 1);
  depth_reached = -1;
}

static __attribute__((noinline)) int try_descend(void) {
  if (__builtin_setjmp(jump_buffer)) return 1;
  descend(0);
  return 0;
}

int main(void) {
  CHECK_EQ(interpret(factorial_code), 2432902008176640000ull);
  uint32_t h = 1;
  for (unsigned i = 0; i < 64; i++) h = operations[i & 3](h, i * 2654435761u);
  uint32_t check = 1;
  for (unsigned i = 0; i < 64; i++) {
    uint32_t b = i * 2654435761u;
    switch (i & 3) {
    case 0: check = check + b; break;
    case 1: check = check ^ b; break;
    case 2: check = check * b; break;
    default: check = check << (b & 31) | check >> ((32 - b) & 31); break;
    }
  }
  CHECK_EQ(h, check);
  int values[] = { -1000, 3, 77, 4096, 65537, 0x7fffffff, 5, -1 };
  for (unsigned i = 0; i < 8; i++) CHECK_EQ(sparse(OPAQUE(values[i])), i < 6 ? i + 1 : 0);
  for (unsigned i = 0; i < 12; i++) CHECK_EQ(dense(OPAQUE(i)), i < 10 ? (int)i + 10 : -1);
  CHECK_EQ(try_descend(), 1);
  CHECK_EQ(depth_reached, 10);
  PASS();
}
