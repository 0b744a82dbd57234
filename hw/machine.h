/* The running machine: harts, guest RAM, the published memory map, the virtual timer service
 * and the shutdown/reset request shared by devices and vCPUs.
 * Callers: the main thread creates and destroys it; devices and vCPUs call the request and
 * timer functions from any thread.
 * Locking: fields are set before vCPUs start, except those marked atomic or RCU. */
#ifndef HW_MACHINE_H
#define HW_MACHINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <urcu/urcu-memb.h>

#include "mm/address_space.h"
#include "mm/memmap.h"
#include "sync/runstate.h"
#include "util/tsan.h"

struct RISCVCPU;
struct tlbstorm_config;
struct VTimer;

#define VIRT_RAM_BASE 0x80000000ULL
#define VIRT_MROM_BASE 0x1000ULL
#define VIRT_MROM_SIZE 0xf000ULL
#define VIRT_TEST_BASE 0x100000ULL
#define VIRT_CLINT_BASE 0x2000000ULL
#define VIRT_CLINT_SIZE 0x10000ULL
/* -M virt,aclint=on, as QEMU 7.2: the CLINT's range seen as an ACLINT MSWI (first 0x4000)
 * and MTIMER (the rest, mtime at its end), plus an SSWI for S-mode IPIs. */
#define VIRT_ACLINT_MSWI_SIZE 0x4000ULL
#define VIRT_ACLINT_MTIMER_BASE (VIRT_CLINT_BASE + VIRT_ACLINT_MSWI_SIZE)
#define VIRT_ACLINT_MTIMER_SIZE (VIRT_CLINT_SIZE - VIRT_ACLINT_MSWI_SIZE)
#define VIRT_ACLINT_MTIME_OFFSET 0x7ff8ULL   /* in the MTIMER: after 4095 mtimecmp */
#define VIRT_ACLINT_SSWI_BASE 0x2f00000ULL
#define VIRT_ACLINT_SSWI_SIZE 0x4000ULL
#define VIRT_UART0_BASE 0x10000000ULL
#define VIRT_UART0_SIZE 0x100ULL
#define VIRT_UART0_IRQ 10
#define VIRT_TEST_SIZE 0x1000ULL
#define VIRT_RTC_BASE 0x101000ULL
#define VIRT_RTC_SIZE 0x1000ULL
#define VIRT_RTC_IRQ 11
#define VIRT_PLIC_BASE 0xc000000ULL
#define VIRT_PLIC_SIZE 0x600000ULL
#define VIRT_PLIC_NDEV 95                 /* sources 1..95 */
#define VIRT_VIRTIO_BASE 0x10001000ULL    /* slot n at VIRT_VIRTIO_BASE + n * VIRT_VIRTIO_SIZE */
#define VIRT_VIRTIO_SIZE 0x1000ULL
#define VIRT_VIRTIO_IRQ 1                 /* slot n raises PLIC source VIRT_VIRTIO_IRQ + n */
#define VIRT_VIRTIO_SLOTS 8
#define TIMEBASE_FREQ 10000000ULL

typedef struct Machine {
    const struct tlbstorm_config *cfg;
    unsigned n_cpus;
    struct RISCVCPU **cpus;
    AddressSpace as;              /* guest RAM and the memory map (mm/address_space.h) */
    int64_t time_base_ns;         /* host CLOCK_MONOTONIC at mtime == 0 */
    struct VTimer *vtimer;
    /* Any thread: power-off/reset requests (sync/runstate.h); vCPUs poll it whenever they
     * leave guest code. */
    RunState run;
    uint64_t htif_tohost, htif_fromhost;
    bool has_htif;
    /* The built-in SBI firmware (hw/sbi.c), or NULL when the firmware is guest code. Set up
     * by the main thread while no vCPU runs. */
    struct SBIState *sbi;
    /* At most this many vCPUs in guest code at once, 0 = no limit (sync/run_slots.h). Set
     * by the main thread before vcpu_group_start. */
    unsigned run_slots;
    bool run_slots_adaptive;      /* the governor may lift the limit (--run-slots=auto) */
} Machine;

/* Main thread, before the vCPU starts: riscv_cpu_init for hart `hartid` of m (its address
 * space and run state), then attaches the board: cpu->machine and the timer. Returns 0 or
 * -errno. */
int machine_cpu_init(Machine *m, struct RISCVCPU *cpu, unsigned hartid)
    __attribute__((warn_unused_result));
/* mtime: 10 MHz ticks since the machine started. */
uint64_t machine_read_mtime(const Machine *m);
/* Any thread: end the run (poweroff with exit code, or reset); kicks every vCPU. */
static inline void machine_request(Machine *m, enum machine_request req, int exit_code)
{
    runstate_request(&m->run, req, exit_code);
}
/* Publish a new memory map (taking ownership of it) and retire the old one: every vCPU's TLB
 * is flushed (synced) and the old map is freed after an RCU grace period. The caller must not
 * be a vCPU inside guest execution, and must serialise map changes. TBs are keyed by physical
 * address: code in a region that changes kind is not re-translated. */
void machine_set_memmap(Machine *m, MemMap *map);
/* The current memory map; the caller holds urcu_memb_read_lock while it uses the result. */
static inline const MemMap *machine_memmap(const Machine *m)
{
    return address_space_memmap(&m->as);
}
static inline enum machine_request machine_pending_request(Machine *m)
{
    return runstate_pending(&m->run);
}

#endif
