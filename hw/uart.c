/* NS16550A: the transmitter and the register file. Receive, FIFOs and interrupts arrive with
 * the full board; until then RBR reads 0 and LSR reports "transmitter empty, no data". */
#include <unistd.h>

#include "hw/devices.h"

enum { UART_RBR_THR = 0, UART_IER = 1, UART_IIR_FCR = 2, UART_LCR = 3, UART_MCR = 4,
       UART_LSR = 5, UART_MSR = 6, UART_SCR = 7 };
#define LCR_DLAB 0x80
#define LSR_THRE 0x20
#define LSR_TEMT 0x40
#define IIR_NO_INT 0x01

static uint64_t uart_read(void *opaque, uint64_t offset, unsigned size)
{
    UARTState *s = opaque;
    (void)size;
    bool dlab = s->lcr & LCR_DLAB;
    switch (offset) {
    case UART_RBR_THR: return dlab ? s->dll : 0;
    case UART_IER: return dlab ? s->dlm : s->ier;
    case UART_IIR_FCR: return IIR_NO_INT | ((s->fcr & 1) ? 0xc0 : 0);
    case UART_LCR: return s->lcr;
    case UART_MCR: return s->mcr;
    case UART_LSR: return LSR_THRE | LSR_TEMT;
    case UART_MSR: return 0;
    case UART_SCR: return s->scr;
    default: return 0;
    }
}

static void uart_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    UARTState *s = opaque;
    (void)size;
    uint8_t v = (uint8_t)value;
    bool dlab = s->lcr & LCR_DLAB;
    switch (offset) {
    case UART_RBR_THR:
        if (dlab) {
            s->dll = v;
        } else {
            ssize_t unused = write(s->out_fd, &v, 1);
            (void)unused;   /* console output is best effort, like a real wire */
        }
        break;
    case UART_IER:
        if (dlab) {
            s->dlm = v;
        } else {
            s->ier = v & 0x0f;
        }
        break;
    case UART_IIR_FCR: s->fcr = v; break;
    case UART_LCR: s->lcr = v; break;
    case UART_MCR: s->mcr = v & 0x1f; break;
    case UART_SCR: s->scr = v; break;
    default: break;
    }
}

const MMIOOps uart_ops = { uart_read, uart_write };
