/* Goldfish RTC (as on QEMU's virt board): wall-clock time in nanoseconds since the Unix epoch,
 * settable by the guest, with one alarm that raises an interrupt.
 * Callers: vCPU threads through MMIO; the device's own alarm thread. Locking: one mutex per
 * device; the interrupt line is driven after the mutex is released, by one thread at a time
 * (irq_lock), so levels reach the receiver in order. */
#ifndef HW_GOLDFISH_RTC_H
#define HW_GOLDFISH_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw/irq.h"
#include "mm/memmap.h"

typedef struct GoldfishRTC GoldfishRTC;

extern const MMIOOps goldfish_rtc_ops;   /* opaque: GoldfishRTC * */

/* now_ns: the host clock to follow (NULL: CLOCK_REALTIME). With start_thread false no alarm
 * thread runs and the alarm is only checked by goldfish_rtc_poll (unit tests). Returns NULL
 * if out of memory or the thread cannot start. */
GoldfishRTC *goldfish_rtc_new(const IRQLine *irq, int64_t (*now_ns)(void), bool start_thread);
void goldfish_rtc_free(GoldfishRTC *rtc);
/* Fire the alarm if it is due. */
void goldfish_rtc_poll(GoldfishRTC *rtc);

#endif
