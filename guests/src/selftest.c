/* The guest code of KVM's memory-slot selftests, in this project's words, for
 * `memslot-emu compare --guest c` (src/scenarios/c-guests.ts loads it):
 *   reader  set_memory_region_test (move, delete): load one word forever; while the
 *           host moves or deletes its slot a load sees the old contents, the new
 *           contents or an MMIO exit (all-ones), and nothing else (guest assertion).
 *   writer  memslot_perf_test (move-active, move-inactive),
 *           memslot_modification_stress_test's and dirty_log_test's writers: store
 *           sequence numbers to cells round-robin, each read back when asked; a store
 *           that does not read back is reported with hypercall HC_LOST (the race
 *           checker counts it, as for the hand-emitted guests).
 *   map, unmap, rw  memslot_perf_test's own: in steps the host waits for (a sync
 *           word pair), write VAL_1 to the first half of the area's pages and VAL_2
 *           to the second half (map), or to its first page of each half (unmap),
 *           while the host checks and "unmaps" (zeroes) the other half; rw writes
 *           VAL_1 to every page, then checks that the host's VAL_2 is in the middle
 *           of every page (a guest assertion) and zeroes it.
 *   migrate the tlb-shootdown seed's small kernel: migrate one virtual page between
 *           two frames forever with the architecture's own invalidation (break the
 *           leaf entry, invalidate the page on every CPU and wait for it, copy the
 *           cells, make the entry point at the new frame, then reuse the old frame)
 *           while the other vCPUs run writers through that page.
 *
 * Hosted (compare): the host fills selftest_jobs[v] and enters selftest_vcpu(v) on
 * vCPU v with its own stack; the guest counts its loads and stores in the job's
 * `accesses` word, and a failed assertion stores its file, line, expression and
 * values in the job, then traps (the vCPU stops with an error, the host reads the
 * job). Alone (crt0's main, e.g. `memslot-emu run`), it runs each loop a few rounds
 * on its own memory and reports "passed". */
#include "guest.h"

#define SELFTEST_MAX_VCPUS 64
/* Hypercall numbers (src/sync/vcpu-loop.ts: HC_LOST, HC_BAD_VALUE). */
#define HC_LOST 1
#define HC_BAD_VALUE 2
/* What a load from unassigned guest-physical memory returns. */
#define MMIO_VALUE ((unsigned long)-1)

enum selftest_kind { SELFTEST_IDLE = 0, SELFTEST_READER = 1, SELFTEST_WRITER = 2, SELFTEST_MAP = 3, SELFTEST_UNMAP = 4, SELFTEST_RW = 5, SELFTEST_MIGRATE = 6 };

/* One vCPU's job. Every field is 64-bit, so the layout is the same on every target
 * (src/scenarios/c-guests.ts: JOB_FIELDS). */
struct selftest_job {
  uint64_t kind;       /* enum selftest_kind */
  uint64_t base;       /* reader: the word loaded; writer: the first cell; map, unmap, rw: the area; migrate: the leaf entry */
  uint64_t stride;     /* writer: bytes from one cell to the next; map, unmap, rw: the page size; migrate: the page's VA */
  uint64_t cells;      /* writer: cells per round; map, unmap, rw: pages in the area (even); migrate: cells copied */
  uint64_t first;      /* reader: the old value; writer: the first sequence number; map, unmap, rw: VAL_1; migrate: the frame mapped first */
  uint64_t second;     /* reader: the new value; map, unmap, rw: VAL_2; migrate: the other frame */
  uint64_t read_back;  /* writer: load each store back */
  uint64_t rounds;     /* reader: loads, writer: rounds to make; 0: forever */
  uint64_t sync;       /* map, unmap, rw: the guest's step word; the host's follows 8 bytes on */
  uint64_t old_entry;  /* migrate: the leaf entry that maps `first` (as the MMU reads it) */
  uint64_t new_entry;  /* migrate: the leaf entry that maps `second` */
  uint64_t hosted;     /* 1 under compare: a failed assertion traps instead of a ucall */
  uint64_t accesses;   /* guest -> host: loads and stores made so far */
  uint64_t fail_line;  /* guest -> host: a failed assertion's line (0: none), */
  uint64_t fail_file;  /*   file name, */
  uint64_t fail_expr;  /*   expression (guest addresses of NUL-terminated strings) */
  uint64_t fail_a;     /*   and values */
  uint64_t fail_b;
};

struct selftest_job selftest_jobs[SELFTEST_MAX_VCPUS];

/* The scenario guests' hypercall: number in the first argument register, arguments
 * in the next three (sc, hvc #0, svc #0: what src/scenarios/guest.ts emits). */
static inline void hypercall(unsigned long nr, unsigned long a1, unsigned long a2, unsigned long a3) {
#if defined(__powerpc__)
  register unsigned long r3 __asm__("r3") = nr;
  register unsigned long r4 __asm__("r4") = a1;
  register unsigned long r5 __asm__("r5") = a2;
  register unsigned long r6 __asm__("r6") = a3;
  __asm__ volatile("sc" : "+r"(r3) : "r"(r4), "r"(r5), "r"(r6) : "memory");
#elif defined(__aarch64__)
  register unsigned long x0 __asm__("x0") = nr;
  register unsigned long x1 __asm__("x1") = a1;
  register unsigned long x2 __asm__("x2") = a2;
  register unsigned long x3 __asm__("x3") = a3;
  __asm__ volatile("hvc #0" : "+r"(x0) : "r"(x1), "r"(x2), "r"(x3) : "memory");
#elif defined(__arm__)
  register unsigned long r0 __asm__("r0") = nr;
  register unsigned long r1 __asm__("r1") = a1;
  register unsigned long r2 __asm__("r2") = a2;
  register unsigned long r3 __asm__("r3") = a3;
  __asm__ volatile("svc #0" : "+r"(r0) : "r"(r1), "r"(r2), "r"(r3) : "memory");
#else
#error "no hypercall instruction for this target"
#endif
}

static __attribute__((noreturn, noinline)) void selftest_fail(struct selftest_job *job, int line, const char *expr, uint64_t a, uint64_t b) {
  if (!job->hosted) guest_assert_failed(__FILE__, line, expr, a, b);
  job->fail_file = (uintptr_t)__FILE__;
  job->fail_expr = (uintptr_t)expr;
  job->fail_a = a;
  job->fail_b = b;
  /* The line last: the host takes a non-zero line as a complete record. */
  __asm__ volatile("" : : : "memory");
  job->fail_line = (uint64_t)line;
  __asm__ volatile("" : : : "memory");
  __builtin_trap();
}

/* KVM's GUEST_ASSERT: ends this vCPU's run with the check's file and line. */
#define SELFTEST_ASSERT(job, expr, a, b)                                        \
  do {                                                                          \
    if (!(expr)) selftest_fail((job), __LINE__, #expr, (uint64_t)(a), (uint64_t)(b)); \
  } while (0)

/* The host reads the count while the guest runs: a volatile store, never sunk or merged. */
static inline void publish_accesses(struct selftest_job *job, uint64_t accesses) {
  *(volatile uint64_t *)&job->accesses = accesses;
}

static inline int allowed_value(unsigned long value, unsigned long old_value, unsigned long new_value) {
  return value == old_value || value == new_value || value == MMIO_VALUE;
}

static void reader(struct selftest_job *job) {
  volatile unsigned long *word = (volatile unsigned long *)(uintptr_t)job->base;
  const unsigned long old_value = (unsigned long)job->first, new_value = (unsigned long)job->second;
  const uint64_t rounds = job->rounds;
  for (uint64_t n = 0; rounds == 0 || n < rounds; n++) {
    unsigned long value = *word;
    if (!allowed_value(value, old_value, new_value)) {
      /* Counted by the race checker first, as the hand-emitted reader's is. */
      hypercall(HC_BAD_VALUE, value, 0, 0);
      SELFTEST_ASSERT(job, allowed_value(value, old_value, new_value), value, old_value);
    }
    publish_accesses(job, n + 1);
  }
}

static void writer(struct selftest_job *job) {
  const uintptr_t base = (uintptr_t)job->base, stride = (uintptr_t)job->stride;
  const uintptr_t end = base + stride * (uintptr_t)job->cells;
  const uint64_t rounds = job->rounds;
  const int read_back = job->read_back != 0;
  unsigned long seq = (unsigned long)job->first;
  uint64_t accesses = 0;
  for (uint64_t round = 0; rounds == 0 || round < rounds; round++) {
    for (uintptr_t at = base; at != end; at += stride) {
      volatile unsigned long *cell = (volatile unsigned long *)at;
      *cell = seq;
      accesses++;
      if (read_back) {
        unsigned long got = *cell;
        accesses++;
        if (got != seq) hypercall(HC_LOST, at, seq, got);
      }
      seq++;
      publish_accesses(job, accesses);
    }
  }
}

/* memslot_perf_test's guest_perform_sync: publish step `*step + 1`, then wait until
 * the host has done its part of it (alone, there is no host to wait for). */
static void sync_with_host(struct selftest_job *job, unsigned long *step) {
  volatile unsigned long *words = (volatile unsigned long *)(uintptr_t)job->sync;
  ++*step;
  if (!job->hosted) return;
  words[0] = *step;
  while (words[8 / sizeof(unsigned long)] != *step) {
  }
}

/* Stores `value` to the first word of pages [from, to) of the area. */
static uint64_t fill_pages(struct selftest_job *job, uint64_t from, uint64_t to, unsigned long value) {
  for (uint64_t page = from; page < to; page++) *(volatile unsigned long *)(uintptr_t)(job->base + page * job->stride) = value;
  return to - from;
}

static void map_unmap_rw(struct selftest_job *job) {
  const uint64_t pages = job->cells, half = pages / 2, rounds = job->rounds;
  const unsigned long val1 = (unsigned long)job->first, val2 = (unsigned long)job->second;
  unsigned long step = 0;
  uint64_t accesses = 0;
  for (uint64_t round = 0; rounds == 0 || round < rounds; round++) {
    switch (job->kind) {
      case SELFTEST_MAP:
        accesses += fill_pages(job, 0, half, val1);
        publish_accesses(job, accesses);
        sync_with_host(job, &step);
        accesses += fill_pages(job, half, pages, val2);
        break;
      case SELFTEST_UNMAP:
        /* A single page per step, or the host would wait on the guest. */
        accesses += fill_pages(job, 0, 1, val1);
        publish_accesses(job, accesses);
        sync_with_host(job, &step);
        accesses += fill_pages(job, half, half + 1, val2);
        break;
      default:
        accesses += fill_pages(job, 0, pages, val1);
        publish_accesses(job, accesses);
        sync_with_host(job, &step);
        for (uint64_t page = 0; page < pages; page++) {
          volatile unsigned long *middle = (volatile unsigned long *)(uintptr_t)(job->base + page * job->stride + job->stride / 2);
          unsigned long value = *middle;
          if (value != val2) {
            hypercall(HC_BAD_VALUE, value, 0, 0);
            SELFTEST_ASSERT(job, value == val2, value, val2);
          }
          *middle = 0;
          accesses += 2;
        }
    }
    publish_accesses(job, accesses);
    sync_with_host(job, &step);
  }
}

/* What the migrator leaves in a frame it has moved away from (the hand-emitted guest's too). */
#define MIGRATE_POISON 0xdeadul

/* Drops every CPU's translation of the page at `va` after its leaf entry changed, and
 * waits until they have (PowerPC: as Linux's radix__flush_tlb_page; ARM: the "break"
 * half of break-before-make). */
static inline void invalidate_page(uintptr_t va) {
#if defined(__powerpc64__)
  /* tlbie RB = the page (AP 0: 4 KiB), RS = PID 0, RIC 0, PRS 1 (process-scoped), R 1 (radix). */
  __asm__ volatile(".machine push\n\t.machine power9\n\t"
                   "ptesync\n\ttlbie %0, %1, 0, 1, 1\n\teieio\n\ttlbsync\n\tptesync\n\t"
                   ".machine pop"
                   : : "r"(va), "r"(0ul) : "memory");
#elif defined(__powerpc__)
  __asm__ volatile("sync\n\ttlbie %0\n\tsync\n\ttlbsync\n\tsync" : : "r"(va) : "memory");
#elif defined(__aarch64__)
  __asm__ volatile("dsb ishst\n\ttlbi vae1is, %0\n\tdsb ish\n\tisb" : : "r"(va >> 12) : "memory");
#elif defined(__arm__)
  /* TLBIMVAIS (ASID 0). */
  __asm__ volatile("dsb ishst\n\tmcr p15, 0, %0, c8, c3, 1\n\tdsb ish\n\tisb" : : "r"(va & ~0xffful) : "memory");
#else
#error "no TLB invalidation for this target"
#endif
}

/* Orders the new leaf entry before the stores that reuse the old frame ("make"). */
static inline void entry_barrier(void) {
#if defined(__powerpc64__)
  __asm__ volatile(".machine push\n\t.machine power9\n\tptesync\n\t.machine pop" : : : "memory");
#elif defined(__powerpc__)
  __asm__ volatile("sync" : : : "memory");
#else
  __asm__ volatile("dsb ish\n\tisb" : : : "memory");
#endif
}

/* tlb-shootdown's migrator: each round breaks the entry, invalidates the page, copies
 * the cells from the old frame to the new one (through their identity mappings),
 * makes the entry, then poisons the old frame's cells; the frames swap roles. A round
 * counts 4 + 3 * cells accesses, as the hand-emitted loop does. */
static void migrate(struct selftest_job *job) {
  volatile uint64_t *entry = (volatile uint64_t *)(uintptr_t)job->base;
  const uintptr_t va = (uintptr_t)job->stride, cells = (uintptr_t)job->cells;
  const uint64_t rounds = job->rounds;
  volatile unsigned long *old_frame = (volatile unsigned long *)(uintptr_t)job->first;
  volatile unsigned long *new_frame = (volatile unsigned long *)(uintptr_t)job->second;
  uint64_t old_entry = job->old_entry, new_entry = job->new_entry, accesses = 0;
  for (uint64_t round = 0; rounds == 0 || round < rounds; round++) {
    *entry = 0;
    invalidate_page(va);
    for (uintptr_t cell = 0; cell < cells; cell++) new_frame[cell] = old_frame[cell];
    *entry = new_entry;
    entry_barrier();
    for (uintptr_t cell = 0; cell < cells; cell++) old_frame[cell] = MIGRATE_POISON;
    volatile unsigned long *frame = old_frame;
    old_frame = new_frame;
    new_frame = frame;
    uint64_t value = old_entry;
    old_entry = new_entry;
    new_entry = value;
    accesses += 4 + 3 * cells;
    publish_accesses(job, accesses);
  }
}

static void run_job(struct selftest_job *job) {
  switch (job->kind) {
    case SELFTEST_READER: reader(job); break;
    case SELFTEST_WRITER: writer(job); break;
    case SELFTEST_MAP:
    case SELFTEST_UNMAP:
    case SELFTEST_RW: map_unmap_rw(job); break;
    case SELFTEST_MIGRATE: migrate(job); break;
    default: SELFTEST_ASSERT(job, job->kind >= SELFTEST_READER && job->kind <= SELFTEST_MIGRATE, job->kind, 0);
  }
}

/* Hosted entry of vCPU `index`: runs its job (forever, unless it has a round count). */
__attribute__((noreturn)) void selftest_vcpu(unsigned long index) {
  struct selftest_job *job = &selftest_jobs[index < SELFTEST_MAX_VCPUS ? index : 0];
  SELFTEST_ASSERT(job, index < SELFTEST_MAX_VCPUS, index, SELFTEST_MAX_VCPUS);
  run_job(job);
  for (;;) {
  }
}

/* Alone: each loop a few rounds on memory of its own, counts checked. */
static unsigned long cells[4 * 8];
static unsigned long word;
#define AREA_PAGE 256
static unsigned long area[4 * AREA_PAGE / sizeof(unsigned long)];

int main(void) {
  struct selftest_job *job = &selftest_jobs[0];
  word = 0x2aaaaaaaul;
  *job = (struct selftest_job){ .kind = SELFTEST_READER, .base = (uintptr_t)&word, .first = 0x55555555ul, .second = 0x2aaaaaaaul, .rounds = 5 };
  run_job(job);
  CHECK_EQ(job->accesses, 5);
  *job = (struct selftest_job){ .kind = SELFTEST_WRITER, .base = (uintptr_t)cells, .stride = 8 * sizeof(unsigned long), .cells = 4, .first = 100, .read_back = 1, .rounds = 3 };
  run_job(job);
  CHECK_EQ(job->accesses, 2 * 4 * 3);
  /* The last round left 108..111 in the cells. */
  for (int i = 0; i < 4; i++) CHECK_EQ(cells[8 * i], 108 + i);
  const uintptr_t base = (uintptr_t)area;
  *job = (struct selftest_job){ .kind = SELFTEST_MAP, .base = base, .stride = AREA_PAGE, .cells = 4, .first = 11, .second = 22, .rounds = 2 };
  run_job(job);
  CHECK_EQ(job->accesses, 2 * 4);
  CHECK_EQ(area[0], 11);
  CHECK_EQ(area[3 * AREA_PAGE / sizeof(unsigned long)], 22);
  *job = (struct selftest_job){ .kind = SELFTEST_UNMAP, .base = base, .stride = AREA_PAGE, .cells = 4, .first = 33, .second = 44, .rounds = 1 };
  run_job(job);
  CHECK_EQ(job->accesses, 2);
  CHECK_EQ(area[0], 33);
  CHECK_EQ(area[2 * AREA_PAGE / sizeof(unsigned long)], 44);
  /* rw checks the host's VAL_2 in the middle of each page: put it there ourselves. */
  for (int page = 0; page < 4; page++) area[(2 * page + 1) * AREA_PAGE / 2 / sizeof(unsigned long)] = 66;
  *job = (struct selftest_job){ .kind = SELFTEST_RW, .base = base, .stride = AREA_PAGE, .cells = 4, .first = 55, .second = 66, .rounds = 1 };
  run_job(job);
  CHECK_EQ(job->accesses, 4 + 2 * 4);
  CHECK_EQ(area[AREA_PAGE / 2 / sizeof(unsigned long)], 0);
  CHECK_EQ(area[AREA_PAGE / sizeof(unsigned long)], 55);
  /* migrate with the MMU off: the "entry" is a word of our own, the page any address. */
  static uint64_t entry_word;
  static unsigned long frames[2][4];
  for (int i = 0; i < 4; i++) frames[0][i] = 70 + i;
  *job = (struct selftest_job){ .kind = SELFTEST_MIGRATE, .base = (uintptr_t)&entry_word, .stride = (uintptr_t)frames & ~0xffful, .cells = 4,
                                .first = (uintptr_t)frames[0], .second = (uintptr_t)frames[1], .old_entry = 0x111, .new_entry = 0x222, .rounds = 3 };
  run_job(job);
  CHECK_EQ(job->accesses, 3 * (4 + 3 * 4));
  /* Rounds 1 and 3 moved the cells to the second frame and poisoned the first. */
  CHECK_EQ(entry_word, 0x222);
  for (int i = 0; i < 4; i++) {
    CHECK_EQ(frames[1][i], 70 + i);
    CHECK_EQ(frames[0][i], MIGRATE_POISON);
  }
  CHECK_EQ(job->fail_line, 0);
  PASS();
}
