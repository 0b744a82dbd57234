/* A real virt machine running the flush_stress guest, for host-side concurrency tests and
 * latency benchmarks: build it from a QEMU-style argv, write the shared layout
 * (guests/stress/stress_layout.h) into guest RAM, start and stop the vCPU threads, and
 * access guest RAM from host threads.
 * Callers: the main thread creates, starts, stops and destroys (one machine per process:
 * the board keeps static device state); any host thread may use the guest-RAM accessors and
 * the flush API on the running machine.
 * Locking: none here. Guest RAM is shared with the vCPUs without locks, as real memory is;
 * the accessors are single-copy atomic 32/64-bit accesses. */
#ifndef TESTS_STRESS_MACHINE_H
#define TESTS_STRESS_MACHINE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guests/stress/stress_layout.h"
#include "hw/cmdline.h"
#include "hw/virt.h"
#include "mm/tlb_flush.h"

typedef struct StressMachine {
    Machine m;
    struct tlbstorm_config cfg;
    BootInfo boot;
    pthread_t threads[STRESS_MAX_HARTS];
    unsigned started;
    bool tb_ready, vtimer_ready;
} StressMachine;

/* Build a -M virt -smp smp -m 64M -bios none -kernel guest machine with the given flush
 * delivery (QEMU mode also selects QEMU's local TLB policy on every hart). Returns 0, or -1
 * with a message in *errp. */
int stress_machine_create(StressMachine *sm, const char *guest, unsigned smp,
                          enum tlb_flush_mode mode, Error **errp)
    __attribute__((warn_unused_result));
/* Write the control block, identity map, test-page tables and code pages. roles[h] is an enum
 * stress_role; readers[i] the harts loading page i; frames[i] the frame index page i maps
 * first, which gets value init_values[i]. Main thread, before stress_machine_start. */
void stress_layout_write(StressMachine *sm, unsigned n_pages, const uint64_t *roles,
                         const uint64_t *readers, const unsigned *frames,
                         const uint64_t *init_values, uint64_t timer_period);
int stress_machine_start(StressMachine *sm) __attribute__((warn_unused_result));
/* Power off, join the vCPUs, tear the machine down. */
void stress_machine_destroy(StressMachine *sm);

/* Guest RAM, any host thread. The guest's plain loads and stores race with these by design
 * (it is the guest's shared memory), so they are hidden from ThreadSanitizer, which would
 * otherwise report every guest-visible exchange; see tests/tsan.supp for the rule. */
uint64_t gram_load64(StressMachine *sm, uint64_t pa);
void gram_store64(StressMachine *sm, uint64_t pa, uint64_t v);
void gram_store32(StressMachine *sm, uint64_t pa, uint32_t v);

/* Status page fields of hart h (offsetof into struct stress_hart). */
#define STRESS_HART_FIELD(h, field) \
    (STRESS_HART_PA + (uint64_t)(h) * 0x1000 + offsetof(struct stress_hart, field))
/* PTE of test page i and the leaf value mapping it to frame f (readable, A set). */
#define STRESS_PTE_PA(i) (STRESS_PT_L0 + (uint64_t)(i) * 8)
uint64_t stress_leaf_pte(unsigned frame);
static inline uint64_t stress_frame_pa(unsigned frame)
{
    return STRESS_FRAME_PA + (uint64_t)frame * 0x1000;
}
/* Code page encodings: `lui a0, gen` (gen < 2^19) and `jal x0, off` (off < 2 KiB). */
uint32_t stress_code_lui(uint32_t gen);
uint32_t stress_code_jump(uint32_t off);

int64_t stress_now_ns(void);
/* "mailbox" or "qemu" to the delivery mode; false for anything else. */
bool stress_parse_mode(const char *name, enum tlb_flush_mode *mode);

#endif
