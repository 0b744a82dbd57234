/* NS16550A UART: the register file, a 16-byte receive FIFO, the interrupt output and the
 * hooks a host backend (hw/console.c) uses to feed input and take output.
 * Callers: any thread (vCPU threads through ns16550_ops, the console thread through
 * ns16550_receive*); ns16550_new/ns16550_free on the main thread with no other user.
 * Locking: internal; no caller lock is needed, and none may be held that the tx sink, the
 * rx-space notifier or the interrupt receiver could also take. */
#ifndef HW_UART_H
#define HW_UART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hw/irq.h"
#include "mm/memmap.h"

typedef struct NS16550State NS16550State;

/* Sink for transmitted bytes. Called under the UART's transmit lock but not its register
 * lock (so bytes from concurrent THR writers keep the order the device saw them in, and the
 * other registers stay usable while it blocks); it may block, and must not call any
 * ns16550_* function on the same UART. */
typedef void (*NS16550TxFn)(void *opaque, uint8_t byte);

/* Called when receive space may have appeared after an ns16550_receive* call was refused
 * (the guest read RBR, reset the FIFO, left loopback or reset the device). Called with the
 * UART's lock held: it must not block and must not call any ns16550_* function. */
typedef void (*NS16550SpaceFn)(void *opaque);

/* Register offsets (regshift 0, as on the QEMU virt board). */
enum {
    NS16550_RBR = 0,   /* read, DLAB=0: receive buffer */
    NS16550_THR = 0,   /* write, DLAB=0: transmit holding */
    NS16550_DLL = 0,   /* DLAB=1: divisor latch, low byte */
    NS16550_IER = 1,   /* DLAB=0: interrupt enable */
    NS16550_DLM = 1,   /* DLAB=1: divisor latch, high byte */
    NS16550_IIR = 2,   /* read: interrupt identification */
    NS16550_FCR = 2,   /* write: FIFO control */
    NS16550_LCR = 3,
    NS16550_MCR = 4,
    NS16550_LSR = 5,
    NS16550_MSR = 6,
    NS16550_SCR = 7,
};

#define NS16550_FIFO_SIZE 16

#define NS16550_IER_ERBFI 0x01   /* received data available (and character timeout) */
#define NS16550_IER_ETBEI 0x02   /* transmitter holding register empty */
#define NS16550_IER_ELSI 0x04    /* receiver line status */
#define NS16550_IER_EDSSI 0x08   /* modem status */

#define NS16550_IIR_NO_INT 0x01
#define NS16550_IIR_ID_MASK 0x0e
#define NS16550_IIR_MSI 0x00     /* modem status changed */
#define NS16550_IIR_THRI 0x02    /* THR empty */
#define NS16550_IIR_RDI 0x04     /* received data at or above the trigger level */
#define NS16550_IIR_RLSI 0x06    /* receiver line status (overrun) */
#define NS16550_IIR_CTI 0x0c     /* character timeout: data below the trigger level */
#define NS16550_IIR_FIFO 0xc0    /* both bits set while FIFOs are enabled */

#define NS16550_FCR_ENABLE 0x01
#define NS16550_FCR_CLEAR_RX 0x02
#define NS16550_FCR_CLEAR_TX 0x04
#define NS16550_FCR_TRIG_SHIFT 6 /* 0..3: 1, 4, 8, 14 bytes */

#define NS16550_LCR_DLAB 0x80

#define NS16550_MCR_DTR 0x01
#define NS16550_MCR_RTS 0x02
#define NS16550_MCR_OUT1 0x04
#define NS16550_MCR_OUT2 0x08
#define NS16550_MCR_LOOP 0x10

#define NS16550_LSR_DR 0x01
#define NS16550_LSR_OE 0x02
#define NS16550_LSR_THRE 0x20
#define NS16550_LSR_TEMT 0x40

#define NS16550_MSR_DCTS 0x01
#define NS16550_MSR_DDSR 0x02
#define NS16550_MSR_TERI 0x04
#define NS16550_MSR_DDCD 0x08
#define NS16550_MSR_CTS 0x10
#define NS16550_MSR_DSR 0x20
#define NS16550_MSR_RI 0x40
#define NS16550_MSR_DCD 0x80

/* MMIO region ops; opaque: NS16550State *. Registers are bytes at offsets 0..7; an access of
 * 2, 4 or 8 bytes acts on the byte register at its offset (a write uses the low byte, a read
 * returns that register zero-extended). Offsets 8 and up read 0 and ignore writes. */
extern const MMIOOps ns16550_ops;

/* Main thread. Returns the device in its reset state, or NULL when out of memory. `irq` is
 * copied (NULL: no interrupt output); `tx` (may be NULL) receives every byte the guest
 * transmits outside loopback mode. */
NS16550State *ns16550_new(const IRQLine *irq, NS16550TxFn tx, void *tx_opaque)
    __attribute__((warn_unused_result));
/* Main thread, once no other thread can reach the device. */
void ns16550_free(NS16550State *s);
/* Any thread: hardware reset (registers to power-on values, receive FIFO emptied, OE and
 * modem deltas cleared). The interrupt output follows. */
void ns16550_reset(NS16550State *s);

/* Any thread: true if ns16550_receive would accept a byte now. */
bool ns16550_can_receive(NS16550State *s);
/* Any thread: append one received byte. Returns false, and keeps nothing, while the receive
 * FIFO (1 byte with FIFOs disabled, 16 with them enabled) is full or the UART is in
 * loopback mode; the space notifier then runs once space may have appeared. On success the
 * byte is visible to the next RBR read and the interrupt output has been updated. */
bool ns16550_receive(NS16550State *s, uint8_t byte);
/* Any thread: ns16550_receive for a run of bytes, in order; returns how many were taken
 * (a prefix of buf). Fewer than len arms the space notifier like a refused ns16550_receive. */
size_t ns16550_receive_buf(NS16550State *s, const uint8_t *buf, size_t len);
/* Any thread: install (fn non-NULL) or remove (fn NULL) the rx-space notifier. On return
 * from a removal, the old notifier is not running and will not be called again. */
void ns16550_set_space_notify(NS16550State *s, NS16550SpaceFn fn, void *opaque);

/* Any thread: the firmware console (the built-in SBI's debug console and legacy putchar)
 * on the same host console as the transmitter. Bytes go straight to the tx sink, in order
 * with THR writes and whatever the register state (DLAB, loopback); returns len. */
size_t ns16550_console_write(NS16550State *s, const uint8_t *buf, size_t len);
/* Any thread: take up to len bytes from the receive FIFO without blocking, as RBR reads
 * would (the space notifier and the interrupt output follow); returns how many. */
size_t ns16550_console_read(NS16550State *s, uint8_t *buf, size_t len);

#endif
