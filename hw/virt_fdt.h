/* The virt board's device tree, built in memory with libfdt. It describes exactly the board
 * tlbstorm emulates (the devices present, -smp harts, -m RAM, /chosen from -append and
 * -initrd), in the shape QEMU's virt machine uses, so kernels and firmware written for QEMU
 * find what they expect.
 * Callers: the main thread while no vCPU runs. Locking: none. */
#ifndef HW_VIRT_FDT_H
#define HW_VIRT_FDT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct virt_fdt_params {
    unsigned n_harts;
    uint64_t ram_base, ram_size;
    const char *bootargs;               /* NULL: no bootargs property */
    uint64_t initrd_start, initrd_end;  /* both 0: no initrd */
    bool has_plic;                      /* PLIC and the interrupts of devices behind it */
    bool has_rtc;                       /* goldfish RTC */
    unsigned n_virtio;                  /* virtio-mmio slots on the bus, 0..8 */
    bool has_remap_test;                /* --remap-test's control page */
    bool sstc;                          /* harts have Sstc (riscv,isa lists it) */
    bool svinval, svnapot, svpbmt;      /* and these, each listed when on */
    bool aclint;                        /* ACLINT MSWI, MTIMER and SSWI nodes, no CLINT */
    unsigned satp_mode_max;             /* satp MODE of the highest paging mode (mmu-type):
                                         * 8, 9, 10 = Sv39, Sv48, Sv57; 0 = none */
};

/* The `riscv,isa` string advertised for every hart, into buf (NUL-terminated, truncated to
 * len). Returns buf. */
const char *virt_fdt_isa_string(const struct virt_fdt_params *p, char *buf, size_t len);

/* Build the blob into a malloc'd buffer (*fdt, *size = its packed total size).
 * Returns 0, or a negative errno with a message in *errp. */
int virt_fdt_build(const struct virt_fdt_params *p, void **fdt, size_t *size, Error **errp)
    __attribute__((warn_unused_result));

#endif
