/* Interrupt lines between devices: a device drives a line to a level; the receiver (the PLIC
 * for device interrupts, the board for the PLIC's per-context outputs) decides what it means.
 * Callers: any thread (device code runs on the accessing vCPU thread or on a device thread).
 * Locking: the receiver's `set` must be thread-safe; a line itself holds no state. */
#ifndef HW_IRQ_H
#define HW_IRQ_H

#include <stdbool.h>

typedef struct IRQLine {
    void (*set)(void *opaque, unsigned n, bool level);
    void *opaque;
    unsigned n;           /* which input of the receiver this line drives */
} IRQLine;

static inline void irq_set_level(const IRQLine *line, bool level)
{
    if (line->set) {
        line->set(line->opaque, line->n, level);
    }
}

#endif
