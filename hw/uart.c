/* NS16550A UART with a 16-byte receive FIFO, interrupts and loopback.
 *
 * Modelling choices (each one chosen so that Linux's 8250 driver, OpenSBI and U-Boot's
 * ns16550 driver see a well-behaved chip and never lose a byte):
 *  - Transmit is instantaneous: a THR write hands the byte to the tx sink (or, in loopback,
 *    to the receive FIFO) and the holding register is empty again before the write returns.
 *    LSR.THRE and LSR.TEMT therefore always read 1, and the THR-empty interrupt re-arms at
 *    the end of every THR write. The transmit FIFO has nothing to hold, so FCR's TX reset
 *    is accepted and does nothing.
 *  - THR-empty interrupt: a latch (thr_ipending) set when ETBEI goes 0 -> 1 and after every
 *    THR write, cleared by an IIR read that reports it. IIR reports it only while ETBEI is
 *    set. This is what the 8250 driver's THRE and TXEN probes expect.
 *  - Character timeout: reported as soon as the FIFO holds data below the trigger level
 *    (a 4-character time of zero). The chip asserts its interrupt whenever ERBFI is set and
 *    data is present; IIR says 0x04 at or above the trigger level and 0x0c below it. No byte
 *    can be stranded below the trigger level, and with no timer there is nothing to run
 *    when the guest is idle. Trigger levels still decide which of the two IIR codes is read.
 *  - Host input never overruns: ns16550_receive refuses a byte when the FIFO is full and
 *    the backend retries after the space notifier runs. Overrun (LSR.OE, the byte dropped)
 *    happens only when a loopback transmit finds the FIFO full. Parity, framing and break
 *    errors never occur, so LSR bit 7 reads 0.
 *  - Modem inputs outside loopback read as a connected peer: CTS, DSR and DCD set, RI
 *    clear. In loopback they follow MCR (RTS->CTS, DTR->DSR, OUT1->RI, OUT2->DCD) and their
 *    changes set the MSR delta bits.
 *  - Host input is held off (receive refused) while the guest is in loopback mode, as the
 *    serial input of a real chip is disconnected then; it flows again when loopback ends.
 *  - The divisor latch is storage only: the line has no speed.
 *
 * Interrupt delivery. The level is a function of the register state under `lock`; it must
 * reach the PLIC in order, with the last delivery equal to the final state. Each operation
 * computes the level under `lock`; if it differs from the last computed level, the operation
 * (after dropping `lock`) takes `irq_lock`, re-reads the current level under `lock` and
 * delivers it if it differs from the last delivered one. Deliveries are serialised by
 * `irq_lock`, and every delivery reads the state at its own time, so the delivery made after
 * the last level change carries the final level. Lock order: irq_lock, then lock. The
 * interrupt receiver is called holding irq_lock only; it must not call back into this UART
 * (the PLIC takes its own mutex and ORs a bit into a hart's mip, which is fine).
 *
 * Transmit. The tx sink may block (a full host pipe), so it is called without `lock`: a THR
 * write takes `tx_lock` first, updates the registers under `lock`, drops `lock` and hands
 * the byte to the sink while still holding `tx_lock`. THR writers (and the firmware console)
 * are serialised by `tx_lock`, so bytes reach the sink in the order the register file saw
 * them; everything else (LSR polls, host input, interrupts) goes on while a sink call
 * blocks. Lock order: tx_lock, then irq_lock, then lock. */
#include "hw/uart.h"

#include <pthread.h>
#include <stdlib.h>

#define LSR_ERRORS NS16550_LSR_OE   /* the only line error this model produces */
#define IER_MASK 0x0f
#define MCR_MASK 0x1f
#define MSR_DELTAS 0x0f
#define MSR_INPUTS_CONNECTED (NS16550_MSR_CTS | NS16550_MSR_DSR | NS16550_MSR_DCD)
#define NUM_REGS 8

struct NS16550State {
    pthread_mutex_t tx_lock;     /* serialises calls of the tx sink, in THR-write order */
    pthread_mutex_t lock;        /* serialises the register file and the FIFO */
    /* Under lock: the register file. */
    uint8_t ier;                 /* low 4 bits */
    uint8_t lcr;
    uint8_t mcr;                 /* low 5 bits */
    uint8_t scr;
    uint8_t dll, dlm;
    uint8_t lsr_err;             /* LSR.OE, cleared by reading LSR */
    uint8_t msr_in;              /* MSR bits 4..7: modem inputs as seen now */
    uint8_t msr_delta;           /* MSR bits 0..3, cleared by reading MSR */
    bool fifo_en;                /* FCR bit 0 */
    uint8_t rx_trigger;          /* bytes: 1, 4, 8 or 14 */
    bool thr_ipending;           /* THR-empty interrupt latch */
    /* Under lock: the receive FIFO (capacity 16, or 1 with FIFOs disabled). */
    uint8_t rx_buf[NS16550_FIFO_SIZE];
    unsigned rx_head;            /* index of the oldest byte */
    unsigned rx_count;           /* 0..capacity */
    bool rx_waiter;              /* a receive was refused; call space_fn when space appears */
    NS16550SpaceFn space_fn;     /* under lock; may be NULL */
    void *space_opaque;
    bool level;                  /* under lock: the last interrupt level computed */
    pthread_mutex_t irq_lock;    /* serialises delivery to `irq`; taken before `lock` */
    bool level_delivered;        /* under irq_lock */
    /* Fixed after ns16550_new. */
    IRQLine irq;
    NS16550TxFn tx;
    void *tx_opaque;
};

static const uint8_t rx_trigger_bytes[4] = { 1, 4, 8, 14 };

/* ---- state helpers: all with s->lock held -------------------------------------------- */

static unsigned rx_capacity_locked(const NS16550State *s)
{
    return s->fifo_en ? NS16550_FIFO_SIZE : 1;
}

static bool rx_has_room_locked(const NS16550State *s)
{
    return !(s->mcr & NS16550_MCR_LOOP) && s->rx_count < rx_capacity_locked(s);
}

/* Space may have appeared: wake a refused backend once. */
static void rx_space_locked(NS16550State *s)
{
    if (s->rx_waiter && rx_has_room_locked(s)) {
        s->rx_waiter = false;
        if (s->space_fn) {
            s->space_fn(s->space_opaque);
        }
    }
}

static void rx_clear_locked(NS16550State *s)
{
    s->rx_head = 0;
    s->rx_count = 0;
    rx_space_locked(s);
}

/* Appends one byte; false if the FIFO is full (the caller decides whether that overruns). */
static bool rx_push_locked(NS16550State *s, uint8_t byte)
{
    if (s->rx_count >= rx_capacity_locked(s)) {
        return false;
    }
    s->rx_buf[(s->rx_head + s->rx_count) % NS16550_FIFO_SIZE] = byte;
    s->rx_count++;
    return true;
}

static uint8_t rx_pop_locked(NS16550State *s)
{
    if (s->rx_count == 0) {
        return 0;
    }
    uint8_t byte = s->rx_buf[s->rx_head];
    s->rx_head = (s->rx_head + 1) % NS16550_FIFO_SIZE;
    s->rx_count--;
    rx_space_locked(s);
    return byte;
}

/* The modem inputs MSR reports now: a connected peer, or MCR looped back. */
static uint8_t msr_inputs_locked(const NS16550State *s)
{
    if (!(s->mcr & NS16550_MCR_LOOP)) {
        return MSR_INPUTS_CONNECTED;
    }
    uint8_t in = 0;
    if (s->mcr & NS16550_MCR_RTS) {
        in |= NS16550_MSR_CTS;
    }
    if (s->mcr & NS16550_MCR_DTR) {
        in |= NS16550_MSR_DSR;
    }
    if (s->mcr & NS16550_MCR_OUT1) {
        in |= NS16550_MSR_RI;
    }
    if (s->mcr & NS16550_MCR_OUT2) {
        in |= NS16550_MSR_DCD;
    }
    return in;
}

/* Recomputes the modem inputs and accumulates the delta bits of their changes. */
static void msr_update_locked(NS16550State *s)
{
    uint8_t in = msr_inputs_locked(s);
    uint8_t changed = in ^ s->msr_in;
    if (changed & NS16550_MSR_CTS) {
        s->msr_delta |= NS16550_MSR_DCTS;
    }
    if (changed & NS16550_MSR_DSR) {
        s->msr_delta |= NS16550_MSR_DDSR;
    }
    if ((changed & NS16550_MSR_RI) && !(in & NS16550_MSR_RI)) {
        s->msr_delta |= NS16550_MSR_TERI;   /* trailing edge only */
    }
    if (changed & NS16550_MSR_DCD) {
        s->msr_delta |= NS16550_MSR_DDCD;
    }
    s->msr_in = in;
}

/* The highest-priority pending, enabled source as an IIR identification code. */
static uint8_t iir_id_locked(const NS16550State *s)
{
    if ((s->ier & NS16550_IER_ELSI) && (s->lsr_err & LSR_ERRORS)) {
        return NS16550_IIR_RLSI;
    }
    if ((s->ier & NS16550_IER_ERBFI) && s->rx_count > 0) {
        if (!s->fifo_en || s->rx_count >= s->rx_trigger) {
            return NS16550_IIR_RDI;
        }
        return NS16550_IIR_CTI;
    }
    if ((s->ier & NS16550_IER_ETBEI) && s->thr_ipending) {
        return NS16550_IIR_THRI;
    }
    if ((s->ier & NS16550_IER_EDSSI) && (s->msr_delta & MSR_DELTAS)) {
        return NS16550_IIR_MSI;
    }
    return NS16550_IIR_NO_INT;
}

/* Records the current level; true if it changed, so the caller must run irq_deliver once it
 * has dropped the lock. */
static bool level_changed_locked(NS16550State *s)
{
    bool level = iir_id_locked(s) != NS16550_IIR_NO_INT;
    if (level == s->level) {
        return false;
    }
    s->level = level;
    return true;
}

/* Without s->lock held: brings the output line to the current level (see the file comment). */
static void irq_deliver(NS16550State *s)
{
    pthread_mutex_lock(&s->irq_lock);
    pthread_mutex_lock(&s->lock);
    bool level = s->level;
    pthread_mutex_unlock(&s->lock);
    if (level != s->level_delivered) {
        s->level_delivered = level;
        irq_set_level(&s->irq, level);
    }
    pthread_mutex_unlock(&s->irq_lock);
}

/* Drops the lock, then delivers the level if this operation changed it. */
static void unlock_and_update(NS16550State *s)
{
    bool changed = level_changed_locked(s);
    pthread_mutex_unlock(&s->lock);
    if (changed) {
        irq_deliver(s);
    }
}

static void reset_locked(NS16550State *s)
{
    s->ier = 0;
    s->lcr = 0;
    s->mcr = 0;
    s->scr = 0;
    s->dll = 0;
    s->dlm = 0;
    s->lsr_err = 0;
    s->msr_in = msr_inputs_locked(s);
    s->msr_delta = 0;
    s->fifo_en = false;
    s->rx_trigger = 1;
    s->thr_ipending = false;
    rx_clear_locked(s);
}

/* ---- register accesses ------------------------------------------------------------- */

static uint8_t read_reg_locked(NS16550State *s, unsigned reg)
{
    bool dlab = s->lcr & NS16550_LCR_DLAB;
    uint8_t v;
    switch (reg) {
    case NS16550_RBR:
        return dlab ? s->dll : rx_pop_locked(s);
    case NS16550_IER:
        return dlab ? s->dlm : s->ier;
    case NS16550_IIR:
        v = iir_id_locked(s);
        if (v == NS16550_IIR_THRI) {
            s->thr_ipending = false;   /* reading IIR acknowledges THR empty */
        }
        return v | (s->fifo_en ? NS16550_IIR_FIFO : 0);
    case NS16550_LCR:
        return s->lcr;
    case NS16550_MCR:
        return s->mcr;
    case NS16550_LSR:
        v = NS16550_LSR_THRE | NS16550_LSR_TEMT | s->lsr_err;
        if (s->rx_count > 0) {
            v |= NS16550_LSR_DR;
        }
        s->lsr_err = 0;
        return v;
    case NS16550_MSR:
        v = s->msr_in | s->msr_delta;
        s->msr_delta = 0;
        return v;
    case NS16550_SCR:
        return s->scr;
    default:
        return 0;
    }
}

/* Returns true when v is to go to the tx sink, which the caller does after dropping lock. */
static bool write_thr_locked(NS16550State *s, uint8_t v)
{
    bool transmit = false;
    if (s->mcr & NS16550_MCR_LOOP) {
        if (!rx_push_locked(s, v)) {
            s->lsr_err |= NS16550_LSR_OE;   /* the byte is lost, as on the wire */
        }
    } else {
        transmit = s->tx != NULL;
    }
    s->thr_ipending = true;   /* transmitted at once: THR is empty again */
    return transmit;
}

static void write_fcr_locked(NS16550State *s, uint8_t v)
{
    bool enable = v & NS16550_FCR_ENABLE;
    if (enable != s->fifo_en) {
        s->fifo_en = enable;   /* switching FIFO mode empties the FIFOs */
        rx_clear_locked(s);
    }
    if (!enable) {
        return;                /* the other bits are only programmed with bit 0 set */
    }
    if (v & NS16550_FCR_CLEAR_RX) {
        rx_clear_locked(s);
    }
    s->rx_trigger = rx_trigger_bytes[v >> NS16550_FCR_TRIG_SHIFT];
}

/* Returns true when v is a byte for the tx sink (see write_thr_locked). */
static bool write_reg_locked(NS16550State *s, unsigned reg, uint8_t v)
{
    bool dlab = s->lcr & NS16550_LCR_DLAB;
    switch (reg) {
    case NS16550_THR:
        if (dlab) {
            s->dll = v;
        } else {
            return write_thr_locked(s, v);
        }
        break;
    case NS16550_IER:
        if (dlab) {
            s->dlm = v;
        } else {
            uint8_t old = s->ier;
            s->ier = v & IER_MASK;
            if (!(old & NS16550_IER_ETBEI) && (s->ier & NS16550_IER_ETBEI)) {
                s->thr_ipending = true;   /* THR is always empty */
            }
        }
        break;
    case NS16550_FCR:
        write_fcr_locked(s, v);
        break;
    case NS16550_LCR:
        s->lcr = v;
        break;
    case NS16550_MCR:
        s->mcr = v & MCR_MASK;
        msr_update_locked(s);
        rx_space_locked(s);       /* leaving loopback lets host input in again */
        break;
    case NS16550_SCR:
        s->scr = v;
        break;
    default:
        break;                    /* LSR and MSR writes (factory test) are ignored */
    }
    return false;
}

static uint64_t ns16550_read(void *opaque, uint64_t offset, unsigned size)
{
    NS16550State *s = opaque;
    (void)size;
    if (offset >= NUM_REGS) {
        return 0;
    }
    pthread_mutex_lock(&s->lock);
    uint8_t v = read_reg_locked(s, (unsigned)offset);
    unlock_and_update(s);
    return v;
}

static void ns16550_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    NS16550State *s = opaque;
    (void)size;
    if (offset >= NUM_REGS) {
        return;
    }
    /* Only offset 0 can transmit; the other registers never wait for the sink. */
    bool may_transmit = offset == NS16550_THR;
    if (may_transmit) {
        pthread_mutex_lock(&s->tx_lock);
    }
    pthread_mutex_lock(&s->lock);
    bool transmit = write_reg_locked(s, (unsigned)offset, (uint8_t)value);
    unlock_and_update(s);
    if (may_transmit) {
        if (transmit) {
            s->tx(s->tx_opaque, (uint8_t)value);
        }
        pthread_mutex_unlock(&s->tx_lock);
    }
}

const MMIOOps ns16550_ops = { ns16550_read, ns16550_write };

/* ---- host side ----------------------------------------------------------------------- */

NS16550State *ns16550_new(const IRQLine *irq, NS16550TxFn tx, void *tx_opaque)
{
    NS16550State *s = calloc(1, sizeof(*s));
    if (!s) {
        return NULL;
    }
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->irq_lock, NULL) != 0) {
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    if (pthread_mutex_init(&s->tx_lock, NULL) != 0) {
        pthread_mutex_destroy(&s->irq_lock);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return NULL;
    }
    if (irq) {
        s->irq = *irq;
    }
    s->tx = tx;
    s->tx_opaque = tx_opaque;
    reset_locked(s);   /* not shared yet */
    return s;
}

void ns16550_free(NS16550State *s)
{
    if (!s) {
        return;
    }
    pthread_mutex_destroy(&s->tx_lock);
    pthread_mutex_destroy(&s->irq_lock);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

void ns16550_reset(NS16550State *s)
{
    pthread_mutex_lock(&s->lock);
    reset_locked(s);
    unlock_and_update(s);
}

bool ns16550_can_receive(NS16550State *s)
{
    pthread_mutex_lock(&s->lock);
    bool room = rx_has_room_locked(s);
    pthread_mutex_unlock(&s->lock);
    return room;
}

size_t ns16550_receive_buf(NS16550State *s, const uint8_t *buf, size_t len)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    if (!(s->mcr & NS16550_MCR_LOOP)) {
        while (n < len && rx_push_locked(s, buf[n])) {
            n++;
        }
    }
    if (n < len) {
        s->rx_waiter = true;
    }
    unlock_and_update(s);
    return n;
}

bool ns16550_receive(NS16550State *s, uint8_t byte)
{
    return ns16550_receive_buf(s, &byte, 1) == 1;
}

void ns16550_set_space_notify(NS16550State *s, NS16550SpaceFn fn, void *opaque)
{
    pthread_mutex_lock(&s->lock);
    s->space_fn = fn;
    s->space_opaque = opaque;
    pthread_mutex_unlock(&s->lock);
}

/* ---- firmware console (built-in SBI) ------------------------------------------------- */

size_t ns16550_console_write(NS16550State *s, const uint8_t *buf, size_t len)
{
    /* Under the transmit lock, as a THR write: bytes reach the sink in the order the guest
     * issued them, whichever path (register or firmware) each came through. */
    pthread_mutex_lock(&s->tx_lock);
    if (s->tx) {
        for (size_t i = 0; i < len; i++) {
            s->tx(s->tx_opaque, buf[i]);
        }
    }
    pthread_mutex_unlock(&s->tx_lock);
    return len;
}

size_t ns16550_console_read(NS16550State *s, uint8_t *buf, size_t len)
{
    size_t n = 0;
    pthread_mutex_lock(&s->lock);
    while (n < len && s->rx_count > 0) {
        buf[n++] = rx_pop_locked(s);
    }
    unlock_and_update(s);   /* the FIFO level (and so the interrupt) may have dropped */
    return n;
}
