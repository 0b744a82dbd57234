/* The simple devices of the virt board present from the start: SiFive test (poweroff and
 * reset), NS16550A UART transmitter, CLINT (msip, mtimecmp, mtime) and the HTIF tohost/
 * fromhost mailbox of test binaries.
 * Callers: vCPU threads through MMIO dispatch. Locking: each device serialises itself; the
 * UART output is one write(2) per byte. */
#ifndef HW_DEVICES_H
#define HW_DEVICES_H

#include "mm/memmap.h"

struct Machine;

extern const MMIOOps sifive_test_ops;   /* opaque: Machine * */
extern const MMIOOps uart_ops;          /* opaque: UARTState * */
extern const MMIOOps clint_ops;         /* opaque: Machine * */
extern const MMIOOps htif_tohost_ops;   /* opaque: HTIFState *; 8-byte region at tohost */
extern const MMIOOps htif_fromhost_ops; /* opaque: HTIFState *; 8-byte region at fromhost */

typedef struct UARTState {
    uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
    int out_fd;
} UARTState;

typedef struct HTIFState {
    struct Machine *m;
    uint64_t tohost, fromhost;   /* register values, under the accessing hart (one writer) */
    int out_fd;
} HTIFState;

#endif
