/* The virt board: builds the Machine (harts, RAM, memory map with the board's devices) from
 * the configuration, loads the boot images and tears it all down.
 * Callers: the main thread, while no vCPU runs. Locking: none. */
#ifndef HW_VIRT_H
#define HW_VIRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/machine.h"
#include "util/error.h"

struct tlbstorm_config;

/* Where the harts start (the reset ROM) and the device tree address it passes in a1. */
typedef struct BootInfo {
    uint64_t entry;
    uint64_t dtb_addr;       /* guest-physical address of the device tree */
    bool dtb_dumped;         /* -machine dumpdtb: the tree was written, do not run */
} BootInfo;

int virt_create(Machine *m, const struct tlbstorm_config *cfg, Error **errp)
    __attribute__((warn_unused_result));
/* Copy the images into RAM (again, on a guest reset) and publish the memory map. */
int virt_load(Machine *m, BootInfo *boot, Error **errp)
    __attribute__((warn_unused_result));
void virt_destroy(Machine *m);
/* --remap-test: start moving the remap-test window (main thread, once the vCPUs may run;
 * no-op without the option) and stop it (main thread, before virt_destroy). The start
 * returns 0, or a negative errno with a message in *errp. */
int virt_remap_test_start(Machine *m, Error **errp)
    __attribute__((warn_unused_result));
void virt_remap_test_stop(void);
/* The console UART, for the stdio backend (valid between virt_create and virt_destroy). */
struct NS16550State *virt_console_uart(void);

#endif
