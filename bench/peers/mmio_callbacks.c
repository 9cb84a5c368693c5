/* C callbacks for Unicorn's uc_mmio_map, so its MMIO rate is measured without Python
 * in the loop (bench/peers/unicorn_peer.py compiles this when a C compiler exists). */
#include <stdint.h>

static uint64_t reads;
static uint64_t writes;

uint64_t peer_mmio_read(void *uc, uint64_t offset, unsigned size, void *user) {
    (void)uc; (void)size; (void)user;
    reads++;
    return offset;
}

void peer_mmio_write(void *uc, uint64_t offset, unsigned size, uint64_t value, void *user) {
    (void)uc; (void)offset; (void)size; (void)value; (void)user;
    writes++;
}

uint64_t peer_mmio_reads(void) {
    return reads;
}

uint64_t peer_mmio_writes(void) {
    return writes;
}
