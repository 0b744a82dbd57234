/* The remap-test device and the thread that moves it (--remap-test=PERIOD): a debug hook
 * that keeps changing the guest memory map underneath running vCPUs, so a guest
 * (tlbtorture) can check that no vCPU keeps using what an old map said about a page.
 * Registers and layouts: hw/remap_test_regs.h.
 *
 * Threads: remap_test_new/free/start/stop and remap_test_reset on the main thread; MMIO on
 * vCPU threads; the mover thread, every PERIOD, marks a change under way (GEN odd), moves to
 * the next layout, has the board republish its memory map (which returns once every vCPU has
 * flushed its TLB: machine_set_memmap) and marks the change complete (GEN even).
 * Locking: the board serialises remap_test_regions against its other publishers; the
 * registers are atomics (orderings in remap_test.c). */
#ifndef HW_REMAP_TEST_H
#define HW_REMAP_TEST_H

#include <stdint.h>

#include "hw/remap_test_regs.h"
#include "mm/memmap.h"

typedef struct RemapTest RemapTest;

/* The device for a board whose RAM is [ram_base, ram_base + ram_size); NULL if out of
 * memory. period_ns > 0. */
RemapTest *remap_test_new(uint64_t ram_base, uint64_t ram_size, int64_t period_ns);
void remap_test_free(RemapTest *t);

/* The device's regions in the current layout, for the board's next map: the control page
 * and, unless the layout hides it, the window. Returns how many were written to out (1 or
 * 2). Called by the board's publisher, one at a time. */
unsigned remap_test_regions(RemapTest *t, MemRegion out[2]);

/* Guest reset: the overlay is off again (layout and GEN go on). */
void remap_test_reset(RemapTest *t);

/* Starts the mover thread; republish(opaque) must publish a new map built with
 * remap_test_regions and return only when no vCPU can use the previous one (0, or a
 * negative errno: the thread then stops moving and the layout stays). Returns 0 or a
 * negative errno. */
int remap_test_start(RemapTest *t, int (*republish)(void *opaque), void *opaque);
/* Stops and joins the mover; no-op if not started. */
void remap_test_stop(RemapTest *t);

/* Completed changes so far (GEN / 2). Any thread. */
uint64_t remap_test_changes(const RemapTest *t);

#endif
