/* PLIC (SiFive layout, as on QEMU virt): owns the source state (priority, input level, in-service),
 * each context's enables and threshold, and the last level driven on each context's output.
 * Callers: any thread; MMIO from vCPU threads (plic_ops), input lines from device threads or
 * vCPUs (plic_set_irq); plic_new/plic_free from the main thread while no other thread uses it.
 * Locking: none; registers are atomics and output calls are single-flight (see "Outputs"). */
#ifndef HW_PLIC_H
#define HW_PLIC_H

#include <stdbool.h>

#include "hw/irq.h"
#include "mm/memmap.h"
#include "util/cpumask.h"

#define PLIC_REGION_SIZE 0x600000ULL   /* the board maps it at VIRT_PLIC_BASE */

#define PLIC_NUM_SOURCES 96     /* ids 0..95; id 0 is reserved ("no interrupt") */
#define PLIC_MAX_HARTS TLBSTORM_MAX_CPUS   /* 2 * 512 contexts fill the 6 MiB region */
#define PLIC_NUM_PRIORITIES 7   /* priorities and thresholds are 3-bit WARL fields */

/* Register offsets from the PLIC base. Context c of hart h: c = 2*h (M-mode), 2*h + 1 (S). */
#define PLIC_PRIORITY_BASE 0x0000     /* + 4 * source */
#define PLIC_PENDING_BASE 0x1000      /* + 4 * word; read-only, bit per source */
#define PLIC_ENABLE_BASE 0x2000       /* + 0x80 * context + 4 * word */
#define PLIC_ENABLE_STRIDE 0x80
#define PLIC_CONTEXT_BASE 0x200000    /* + 0x1000 * context: threshold at +0, claim at +4 */
#define PLIC_CONTEXT_STRIDE 0x1000
#define PLIC_CONTEXT_THRESHOLD 0x0
#define PLIC_CONTEXT_CLAIM 0x4

typedef struct PLICState PLICState;

/* MMIO ops for the PLIC_REGION_SIZE bytes of the region; opaque: PLICState *.
 * Only aligned 4-byte accesses reach registers (QEMU's PLIC accepts no other size): a read of
 * size 1, 2 or 8, a misaligned read, or a read of an offset holding no register returns 0; the
 * matching writes are ignored. No guest value can crash or assert. */
extern const MMIOOps plic_ops;

/* Creates a PLIC for n_harts harts (1..PLIC_MAX_HARTS) with 2 * n_harts contexts.
 * ctx_outputs[c] is the output line of context c; the array is copied. NULL leaves every
 * output unconnected. All registers start at 0 and every output is taken to be low (the PLIC
 * does not drive the lines at creation). Returns NULL if n_harts is out of range or memory is
 * short.
 *
 * Outputs: a context's line is high exactly while the context has a pending, enabled source
 * whose priority exceeds the context's threshold. The PLIC calls a line only when its level
 * changes, and one thread at a time calls lines (the updater, see hw/plic.c): the levels a
 * line is given are a sequence of real states, in order, and the last one matches the final
 * state. With no other thread inside the PLIC, a register access or plic_set_irq returns
 * with every line up to date; when another thread is updating, the call returns at once and
 * that thread delivers the change before it leaves the PLIC. The PLIC takes no lock, so the
 * `set` callback may call back into it (the change joins the running pass), but it must not
 * wait for another thread: an atomic OR on mip plus a futex wake is the intended shape. */
PLICState *plic_new(unsigned n_harts, const IRQLine *ctx_outputs)
    __attribute__((warn_unused_result));

/* Frees the PLIC. No other thread may use it, or call it through a line, during or after. */
void plic_free(PLICState *s);
/* Machine reset: priorities, enables, thresholds and claims back to 0; input line levels stay
 * (they belong to the devices). Outputs are driven to match. */
void plic_reset(PLICState *s);

/* Drives input `src` (1..PLIC_NUM_SOURCES-1) to `level`; level-triggered. Source 0 and
 * sources >= PLIC_NUM_SOURCES are ignored. While not in service, a source is pending exactly
 * while its line is high (deasserting before a claim withdraws the request, as in QEMU).
 * Any thread; on return the outputs reflect the new level. */
void plic_set_irq(PLICState *s, unsigned src, bool level);

/* The same as an IRQLine receiver: opaque is the PLICState *, n the source id.
 * Use as { .set = plic_irq_line_set, .opaque = plic, .n = src }. */
void plic_irq_line_set(void *opaque, unsigned n, bool level);

#endif
