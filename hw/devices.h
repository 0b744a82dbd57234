/* The small devices of the virt board: SiFive test (poweroff and reset), CLINT (msip,
 * mtimecmp, mtime; also the ACLINT MSWI and MTIMER), the ACLINT SSWI, and the HTIF
 * tohost/fromhost mailbox of test binaries. The PLIC, UART,
 * RTC and virtio have their own headers.
 * Callers: vCPU threads through MMIO dispatch. Locking: each device serialises itself. */
#ifndef HW_DEVICES_H
#define HW_DEVICES_H

#include "mm/memmap.h"

struct Machine;

extern const MMIOOps sifive_test_ops;   /* opaque: Machine * */
extern const MMIOOps clint_ops;         /* opaque: Machine * */
extern const MMIOOps aclint_sswi_ops;   /* opaque: Machine *; -M virt,aclint=on */
extern const MMIOOps htif_tohost_ops;   /* opaque: HTIFState *; 8-byte region at tohost */
extern const MMIOOps htif_fromhost_ops; /* opaque: HTIFState *; 8-byte region at fromhost */

typedef struct HTIFState {
    struct Machine *m;
    uint64_t tohost, fromhost;   /* register values, under the accessing hart (one writer) */
    int out_fd;
} HTIFState;

#endif
