/* Timer interrupts: one service thread that raises MTIP (CLINT mtimecmp) and STIP (Sstc
 * stimecmp, or the built-in SBI's deadline on a hart without Sstc) on the right hart when mtime reaches the compare value, and kicks that hart.
 * Callers: any thread (a hart writing its own stimecmp, any hart writing a CLINT mtimecmp).
 * Locking: internal mutex; mip bits are set with atomic RMWs. */
#ifndef HW_VTIMER_H
#define HW_VTIMER_H

#include <stdint.h>

struct Machine;
struct RISCVCPU;

int vtimer_start(struct Machine *m) __attribute__((warn_unused_result));
void vtimer_stop(struct Machine *m);
/* Owner vCPU: stimecmp (or menvcfg.STCE) changed; updates STIP now and arms the deadline. */
void vtimer_set_stimecmp(struct RISCVCPU *cpu, uint64_t cmp);
/* Owner vCPU: the built-in SBI's S-timer deadline on a hart without Sstc. Drives STIP as an
 * enabled stimecmp would, whatever menvcfg says (the firmware, not the hart, raises it). */
void vtimer_set_firmware_stimer(struct RISCVCPU *cpu, uint64_t cmp);
/* Any thread: hart's mtimecmp changed. */
void vtimer_set_mtimecmp(struct Machine *m, unsigned hart, uint64_t cmp);
uint64_t vtimer_get_mtimecmp(struct Machine *m, unsigned hart);

#endif
