/* Criterion tests for hw/uart (NS16550A) and hw/console (stdio backend): registers, FIFO,
 * interrupts on a recording IRQLine, loopback, lossless piped input, the Ctrl-A escape and
 * terminal restore on a pseudo-terminal.
 * Threads: most tests are single-threaded; the console and concurrency tests add threads. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hw/console.h"
#include "hw/uart.h"

/* ---- harness ------------------------------------------------------------------------- */

typedef struct IrqRec {
    pthread_mutex_t lock;
    bool level;
    unsigned raises, lowers, calls;
} IrqRec;

static void irq_rec_set(void *opaque, unsigned n, bool level)
{
    IrqRec *r = opaque;
    cr_assert_eq(n, 10u);
    pthread_mutex_lock(&r->lock);
    if (level && !r->level) {
        r->raises++;
    } else if (!level && r->level) {
        r->lowers++;
    }
    r->level = level;
    r->calls++;
    pthread_mutex_unlock(&r->lock);
}

static bool irq_level(IrqRec *r)
{
    pthread_mutex_lock(&r->lock);
    bool l = r->level;
    pthread_mutex_unlock(&r->lock);
    return l;
}

#define TX_MAX 4096
static uint8_t tx_buf[TX_MAX];
static size_t tx_len;

static void tx_record(void *opaque, uint8_t byte)
{
    (void)opaque;
    cr_assert_lt(tx_len, (size_t)TX_MAX);
    tx_buf[tx_len++] = byte;
}

static IrqRec rec;
static NS16550State *uart;

static void setup(void)
{
    memset(&rec, 0, sizeof(rec));
    pthread_mutex_init(&rec.lock, NULL);
    tx_len = 0;
    IRQLine line = { .set = irq_rec_set, .opaque = &rec, .n = 10 };
    uart = ns16550_new(&line, tx_record, NULL);
    cr_assert_not_null(uart);
}

static void teardown(void)
{
    ns16550_free(uart);
    uart = NULL;
}

static uint8_t rd(unsigned off)
{
    return (uint8_t)ns16550_ops.read(uart, off, 1);
}

static void wr(unsigned off, uint8_t v)
{
    ns16550_ops.write(uart, off, v, 1);
}

static void push(uint8_t byte)
{
    cr_assert(ns16550_receive(uart, byte), "receive of 0x%02x refused", byte);
}

static void msleep(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

TestSuite(uart, .init = setup, .fini = teardown, .timeout = 30);

/* ---- register file ----------------------------------------------------------------- */

Test(uart, reset_values)
{
    cr_assert_eq(rd(NS16550_IER), 0);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_NO_INT);
    cr_assert_eq(rd(NS16550_LCR), 0);
    cr_assert_eq(rd(NS16550_MCR), 0);
    cr_assert_eq(rd(NS16550_LSR), NS16550_LSR_THRE | NS16550_LSR_TEMT);
    cr_assert_eq(rd(NS16550_MSR), NS16550_MSR_CTS | NS16550_MSR_DSR | NS16550_MSR_DCD);
    cr_assert_eq(rd(NS16550_SCR), 0);
    cr_assert_eq(rd(NS16550_RBR), 0);   /* empty FIFO */
    cr_assert_not(irq_level(&rec));
    cr_assert_eq(rec.calls, 0u);
}

Test(uart, scratch_lcr_mcr_masks)
{
    wr(NS16550_SCR, 0xa5);
    cr_assert_eq(rd(NS16550_SCR), 0xa5);
    wr(NS16550_LCR, 0x1b);
    cr_assert_eq(rd(NS16550_LCR), 0x1b);
    wr(NS16550_MCR, 0xff);
    cr_assert_eq(rd(NS16550_MCR), 0x1f);
    wr(NS16550_MCR, 0);
    rd(NS16550_MSR);   /* the loopback round trip left modem deltas; clear them */
    wr(NS16550_IER, 0xf0);
    cr_assert_eq(rd(NS16550_IER), 0);
    wr(NS16550_IER, 0x05);
    cr_assert_eq(rd(NS16550_IER), 0x05);
    /* writes to LSR and MSR are ignored */
    wr(NS16550_LSR, 0xff);
    wr(NS16550_MSR, 0xff);
    cr_assert_eq(rd(NS16550_LSR), NS16550_LSR_THRE | NS16550_LSR_TEMT);
    cr_assert_eq(rd(NS16550_MSR) & 0x0f, 0);
}

Test(uart, dlab_selects_divisor_latch)
{
    wr(NS16550_IER, NS16550_IER_ELSI);
    wr(NS16550_LCR, NS16550_LCR_DLAB | 0x03);
    wr(NS16550_DLL, 0x12);
    wr(NS16550_DLM, 0x34);
    cr_assert_eq(rd(NS16550_DLL), 0x12);
    cr_assert_eq(rd(NS16550_DLM), 0x34);
    cr_assert_eq(tx_len, 0u, "a DLL write must not transmit");
    /* with DLAB set, RBR is not popped */
    wr(NS16550_LCR, 0x03);
    push('q');
    wr(NS16550_LCR, NS16550_LCR_DLAB | 0x03);
    cr_assert_eq(rd(NS16550_RBR), 0x12);
    cr_assert(rd(NS16550_LSR) & NS16550_LSR_DR);
    wr(NS16550_LCR, 0x03);
    cr_assert_eq(rd(NS16550_IER), NS16550_IER_ELSI);
    cr_assert_eq(rd(NS16550_RBR), 'q');
    wr(NS16550_LCR, NS16550_LCR_DLAB);
    cr_assert_eq(rd(NS16550_DLL), 0x12);
    cr_assert_eq(rd(NS16550_DLM), 0x34);
    cr_assert_eq(rd(NS16550_LCR), NS16550_LCR_DLAB);
}

Test(uart, wide_accesses_use_the_low_byte)
{
    ns16550_ops.write(uart, NS16550_SCR, 0x12345678abULL, 8);
    cr_assert_eq(ns16550_ops.read(uart, NS16550_SCR, 4), 0xabu);
    cr_assert_eq(ns16550_ops.read(uart, NS16550_LSR, 2),
                 (uint64_t)(NS16550_LSR_THRE | NS16550_LSR_TEMT));
    ns16550_ops.write(uart, 8, 0xff, 1);
    ns16550_ops.write(uart, 0xff, 0xff, 1);
    cr_assert_eq(ns16550_ops.read(uart, 8, 1), 0u);
    cr_assert_eq(ns16550_ops.read(uart, 0xfc, 4), 0u);
}

Test(uart, transmit_goes_to_sink)
{
    const char *msg = "hello\n";
    for (const char *p = msg; *p; p++) {
        cr_assert(rd(NS16550_LSR) & NS16550_LSR_THRE);
        wr(NS16550_THR, (uint8_t)*p);
    }
    cr_assert_eq(tx_len, strlen(msg));
    cr_assert_arr_eq(tx_buf, msg, tx_len);
    cr_assert_eq(rd(NS16550_LSR), NS16550_LSR_THRE | NS16550_LSR_TEMT);
}

/* ---- LSR and FIFO ------------------------------------------------------------------ */

Test(uart, lsr_data_ready)
{
    push('a');
    cr_assert_eq(rd(NS16550_LSR), NS16550_LSR_DR | NS16550_LSR_THRE | NS16550_LSR_TEMT);
    cr_assert_eq(rd(NS16550_RBR), 'a');
    cr_assert_eq(rd(NS16550_LSR), NS16550_LSR_THRE | NS16550_LSR_TEMT);
}

Test(uart, holding_register_without_fifo)
{
    cr_assert(ns16550_can_receive(uart));
    push('1');
    cr_assert_not(ns16550_can_receive(uart));
    cr_assert_not(ns16550_receive(uart, '2'));
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_OE, 0, "a refused receive is not an overrun");
    cr_assert_eq(rd(NS16550_RBR), '1');
    cr_assert(ns16550_can_receive(uart));
    push('3');
    cr_assert_eq(rd(NS16550_RBR), '3');
}

Test(uart, fifo_order_and_capacity)
{
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    for (unsigned i = 0; i < NS16550_FIFO_SIZE; i++) {
        push((uint8_t)(0x40 + i));
    }
    cr_assert_not(ns16550_can_receive(uart));
    cr_assert_not(ns16550_receive(uart, 0xff));
    uint8_t many[4] = { 1, 2, 3, 4 };
    cr_assert_eq(ns16550_receive_buf(uart, many, 4), 0u);
    for (unsigned i = 0; i < NS16550_FIFO_SIZE; i++) {
        cr_assert(rd(NS16550_LSR) & NS16550_LSR_DR);
        cr_assert_eq(rd(NS16550_RBR), 0x40 + i);
    }
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
    /* wrap-around of the ring */
    for (unsigned round = 0; round < 5; round++) {
        cr_assert_eq(ns16550_receive_buf(uart, many, 4), 4u);
        uint8_t more[20];
        for (unsigned i = 0; i < 20; i++) {
            more[i] = (uint8_t)(round * 20 + i);
        }
        cr_assert_eq(ns16550_receive_buf(uart, more, 20), 12u);
        for (unsigned i = 0; i < 4; i++) {
            cr_assert_eq(rd(NS16550_RBR), many[i]);
        }
        for (unsigned i = 0; i < 12; i++) {
            cr_assert_eq(rd(NS16550_RBR), more[i]);
        }
    }
}

Test(uart, fcr_resets_fifo)
{
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    push('a');
    push('b');
    wr(NS16550_FCR, NS16550_FCR_ENABLE | NS16550_FCR_CLEAR_RX | NS16550_FCR_CLEAR_TX);
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_NO_INT);
    /* a TX reset alone leaves received data */
    push('c');
    wr(NS16550_FCR, NS16550_FCR_ENABLE | NS16550_FCR_CLEAR_TX);
    cr_assert(rd(NS16550_LSR) & NS16550_LSR_DR);
    /* turning FIFOs off empties them; IIR loses the FIFO bits */
    wr(NS16550_FCR, 0);
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_NO_INT);
    /* with bit 0 clear, the clear bit does nothing */
    push('d');
    wr(NS16550_FCR, NS16550_FCR_CLEAR_RX);
    cr_assert_eq(rd(NS16550_RBR), 'd');
    /* turning FIFOs on empties the holding register too */
    push('e');
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
}

/* ---- interrupts -------------------------------------------------------------------- */

Test(uart, rx_interrupt_follows_enable_and_data)
{
    push('x');
    cr_assert_not(irq_level(&rec), "no interrupt while IER is 0");
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_NO_INT);
    wr(NS16550_IER, NS16550_IER_ERBFI);
    cr_assert(irq_level(&rec));
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_RDI);
    cr_assert(irq_level(&rec), "reading IIR does not clear data available");
    cr_assert_eq(rd(NS16550_RBR), 'x');
    cr_assert_not(irq_level(&rec));
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_NO_INT);
    push('y');
    cr_assert(irq_level(&rec));
    wr(NS16550_IER, 0);
    cr_assert_not(irq_level(&rec));
    cr_assert_eq(rec.raises, 2u);
    cr_assert_eq(rec.lowers, 2u);
    cr_assert_eq(rec.calls, 4u, "only level changes are delivered");
}

Test(uart, trigger_levels)
{
    static const unsigned trig[4] = { 1, 4, 8, 14 };
    for (unsigned t = 0; t < 4; t++) {
        wr(NS16550_IER, 0);
        wr(NS16550_FCR, (uint8_t)(NS16550_FCR_ENABLE | NS16550_FCR_CLEAR_RX |
                                  (t << NS16550_FCR_TRIG_SHIFT)));
        wr(NS16550_IER, NS16550_IER_ERBFI);
        cr_assert_not(irq_level(&rec));
        cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_NO_INT);
        for (unsigned i = 1; i <= NS16550_FIFO_SIZE; i++) {
            push((uint8_t)i);
            uint8_t want = i >= trig[t] ? NS16550_IIR_RDI : NS16550_IIR_CTI;
            cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | want, "trigger %u, %u bytes",
                         trig[t], i);
            cr_assert(irq_level(&rec));
        }
        /* draining crosses the trigger back down to the timeout indication, then idle */
        for (unsigned left = NS16550_FIFO_SIZE; left > 0; left--) {
            uint8_t want = left >= trig[t] ? NS16550_IIR_RDI : NS16550_IIR_CTI;
            cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | want);
            cr_assert(irq_level(&rec));
            cr_assert_eq(rd(NS16550_RBR), NS16550_FIFO_SIZE - left + 1);
        }
        cr_assert_not(irq_level(&rec));
        cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_NO_INT);
    }
}

Test(uart, trigger_bits_need_fifo_enable)
{
    wr(NS16550_FCR, NS16550_FCR_ENABLE | (3 << NS16550_FCR_TRIG_SHIFT));
    wr(NS16550_FCR, NS16550_FCR_ENABLE);   /* trigger back to 1 */
    wr(NS16550_IER, NS16550_IER_ERBFI);
    push('a');
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_RDI);
}

Test(uart, thre_interrupt_clear_on_iir_read)
{
    wr(NS16550_IER, NS16550_IER_ETBEI);
    cr_assert(irq_level(&rec), "enabling ETBEI with THR empty interrupts");
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_THRI);
    cr_assert_not(irq_level(&rec), "reading IIR acknowledges THRE");
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_NO_INT);
    /* rewriting IER with ETBEI already set does not re-arm */
    wr(NS16550_IER, NS16550_IER_ETBEI);
    cr_assert_not(irq_level(&rec));
    /* a THR write completes at once and re-arms */
    wr(NS16550_THR, 'z');
    cr_assert(irq_level(&rec));
    cr_assert_eq(tx_len, 1u);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_THRI);
    cr_assert_not(irq_level(&rec));
    /* ETBEI off then on re-arms (the Linux 8250 THRE probe) */
    wr(NS16550_IER, 0);
    wr(NS16550_IER, NS16550_IER_ETBEI);
    cr_assert(irq_level(&rec));
    /* disabling ETBEI lowers the line */
    wr(NS16550_IER, 0);
    cr_assert_not(irq_level(&rec));
    /* a pending THRE is not acknowledged by an IIR read that reports something else */
    wr(NS16550_IER, NS16550_IER_ETBEI | NS16550_IER_ERBFI);
    push('r');
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_RDI);
    cr_assert_eq(rd(NS16550_RBR), 'r');
    cr_assert(irq_level(&rec));
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_THRI);
    cr_assert_not(irq_level(&rec));
}

Test(uart, thre_fifo_bits_and_no_interrupt_when_masked)
{
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    wr(NS16550_THR, 'a');
    cr_assert_not(irq_level(&rec), "THR writes with ETBEI clear raise nothing");
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_NO_INT);
    wr(NS16550_IER, NS16550_IER_ETBEI);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_THRI);
}

Test(uart, iir_priority)
{
    wr(NS16550_FCR, NS16550_FCR_ENABLE | (2 << NS16550_FCR_TRIG_SHIFT));   /* 8 bytes */
    wr(NS16550_MCR, NS16550_MCR_LOOP);
    wr(NS16550_MCR, NS16550_MCR_LOOP | NS16550_MCR_RTS);   /* CTS rises: DCTS */
    for (unsigned i = 0; i < NS16550_FIFO_SIZE + 1; i++) {
        wr(NS16550_THR, (uint8_t)('A' + i));               /* the 17th overruns */
    }
    cr_assert_eq(tx_len, 0u, "loopback does not transmit");
    wr(NS16550_IER, 0x0f);
    cr_assert(irq_level(&rec));
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_RLSI);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_RLSI, "IIR read keeps RLS");
    uint8_t lsr = rd(NS16550_LSR);
    cr_assert_eq(lsr, NS16550_LSR_OE | NS16550_LSR_DR | NS16550_LSR_THRE | NS16550_LSR_TEMT);
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_OE, 0, "LSR read clears OE");
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_RDI);
    for (unsigned i = 0; i < NS16550_FIFO_SIZE; i++) {
        cr_assert_eq(rd(NS16550_RBR), 'A' + i, "byte %u", i);
        if (i == NS16550_FIFO_SIZE - 8) {
            cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_CTI);
        }
    }
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_THRI);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_MSI);
    cr_assert(irq_level(&rec));
    uint8_t msr = rd(NS16550_MSR);
    cr_assert_eq(msr, NS16550_MSR_CTS | NS16550_MSR_DCTS | NS16550_MSR_DDSR | NS16550_MSR_DDCD,
                 "msr 0x%02x", msr);
    cr_assert_eq(rd(NS16550_MSR), NS16550_MSR_CTS, "MSR read clears the deltas");
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_FIFO | NS16550_IIR_NO_INT);
    cr_assert_not(irq_level(&rec));
}

Test(uart, overrun_only_with_elsi_interrupts)
{
    wr(NS16550_MCR, NS16550_MCR_LOOP);
    wr(NS16550_THR, '1');
    wr(NS16550_THR, '2');   /* no FIFO: holding register full, overrun */
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_NO_INT);
    wr(NS16550_IER, NS16550_IER_ELSI);
    cr_assert(irq_level(&rec));
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_OE, NS16550_LSR_OE);
    cr_assert_not(irq_level(&rec));
    cr_assert_eq(rd(NS16550_RBR), '1', "the overrunning byte is the one dropped");
}

/* ---- loopback ---------------------------------------------------------------------- */

Test(uart, loopback)
{
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    /* The Linux 8250 probe: MCR = LOOP | OUT2 | RTS reads back DCD | CTS. */
    wr(NS16550_MCR, NS16550_MCR_LOOP | NS16550_MCR_OUT2 | NS16550_MCR_RTS);
    cr_assert_eq(rd(NS16550_MSR) & 0xf0, NS16550_MSR_DCD | NS16550_MSR_CTS);
    wr(NS16550_MCR, NS16550_MCR_LOOP | 0x0f);
    cr_assert_eq(rd(NS16550_MSR) & 0xf0, 0xf0);
    wr(NS16550_MCR, NS16550_MCR_LOOP);
    uint8_t msr = rd(NS16550_MSR);
    cr_assert_eq(msr, NS16550_MSR_DCTS | NS16550_MSR_DDSR | NS16550_MSR_TERI |
                 NS16550_MSR_DDCD, "msr 0x%02x", msr);
    /* host input is held off during loopback */
    cr_assert_not(ns16550_can_receive(uart));
    cr_assert_not(ns16550_receive(uart, 'h'));
    wr(NS16550_THR, 0x55);
    wr(NS16550_THR, 0xaa);
    cr_assert_eq(tx_len, 0u);
    cr_assert_eq(rd(NS16550_LSR), NS16550_LSR_DR | NS16550_LSR_THRE | NS16550_LSR_TEMT);
    cr_assert_eq(rd(NS16550_RBR), 0x55);
    cr_assert_eq(rd(NS16550_RBR), 0xaa);
    wr(NS16550_MCR, 0);
    cr_assert(ns16550_can_receive(uart));
    cr_assert_eq(rd(NS16550_MSR) & 0xf0, NS16550_MSR_CTS | NS16550_MSR_DSR | NS16550_MSR_DCD);
    wr(NS16550_THR, 'o');
    cr_assert_eq(tx_len, 1u);
    cr_assert_eq(tx_buf[0], 'o');
}

/* ---- firmware console (built-in SBI) ---------------------------------------------- */

Test(uart, console_write_bypasses_registers_in_order)
{
    wr(NS16550_THR, 'a');
    cr_assert_eq(ns16550_console_write(uart, (const uint8_t *)"bc", 2), 2u);
    wr(NS16550_LCR, NS16550_LCR_DLAB);   /* THR now addresses DLL: firmware output still flows */
    cr_assert_eq(ns16550_console_write(uart, (const uint8_t *)"d", 1), 1u);
    wr(NS16550_LCR, 0);
    wr(NS16550_MCR, NS16550_MCR_LOOP);   /* loopback holds the wire, not the firmware console */
    cr_assert_eq(ns16550_console_write(uart, (const uint8_t *)"e", 1), 1u);
    wr(NS16550_MCR, 0);
    wr(NS16550_THR, 'f');
    cr_assert_eq(tx_len, 6u);
    cr_assert_arr_eq(tx_buf, "abcdef", 6);
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0, "nothing looped back");
}

Test(uart, console_read_takes_fifo_bytes_and_lowers_irq)
{
    uint8_t buf[8];
    cr_assert_eq(ns16550_console_read(uart, buf, sizeof(buf)), 0u);
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    wr(NS16550_IER, NS16550_IER_ERBFI);
    push('x');
    push('y');
    push('z');
    cr_assert(irq_level(&rec));
    cr_assert_eq(ns16550_console_read(uart, buf, 2), 2u);
    cr_assert_arr_eq(buf, "xy", 2);
    cr_assert(irq_level(&rec), "one byte left");
    cr_assert_eq(ns16550_console_read(uart, buf, sizeof(buf)), 1u);
    cr_assert_eq(buf[0], 'z');
    cr_assert_not(irq_level(&rec), "FIFO empty: interrupt lowered");
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
}

/* ---- space notifier and reset ------------------------------------------------------ */

static atomic_int space_calls;

static void count_space(void *opaque)
{
    (void)opaque;
    atomic_fetch_add_explicit(&space_calls, 1, memory_order_relaxed);
}

Test(uart, space_notifier)
{
    atomic_store(&space_calls, 0);
    ns16550_set_space_notify(uart, count_space, NULL);
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    for (unsigned i = 0; i < NS16550_FIFO_SIZE; i++) {
        push((uint8_t)i);
    }
    cr_assert_eq(rd(NS16550_RBR), 0);
    cr_assert_eq(atomic_load(&space_calls), 0, "nobody was refused yet");
    push(16);
    cr_assert_not(ns16550_receive(uart, 17));
    cr_assert_eq(rd(NS16550_RBR), 1);
    cr_assert_eq(atomic_load(&space_calls), 1);
    cr_assert_eq(rd(NS16550_RBR), 2);
    cr_assert_eq(atomic_load(&space_calls), 1, "one wake per refusal");
    /* refused in loopback; leaving loopback notifies */
    wr(NS16550_MCR, NS16550_MCR_LOOP);
    cr_assert_not(ns16550_receive(uart, 18));
    wr(NS16550_MCR, 0);
    cr_assert_eq(atomic_load(&space_calls), 2);
    /* FIFO reset notifies a refused backend */
    push(17);
    push(18);
    cr_assert_not(ns16550_receive(uart, 19));
    wr(NS16550_FCR, NS16550_FCR_ENABLE | NS16550_FCR_CLEAR_RX);
    cr_assert_eq(atomic_load(&space_calls), 3);
    ns16550_set_space_notify(uart, NULL, NULL);
    for (unsigned i = 0; i < NS16550_FIFO_SIZE; i++) {
        push((uint8_t)i);
    }
    cr_assert_not(ns16550_receive(uart, 0));
    rd(NS16550_RBR);
    cr_assert_eq(atomic_load(&space_calls), 3, "removed notifier is not called");
}

Test(uart, device_reset)
{
    wr(NS16550_FCR, NS16550_FCR_ENABLE);
    wr(NS16550_IER, NS16550_IER_ERBFI);
    wr(NS16550_LCR, 0x03);
    wr(NS16550_SCR, 0x77);
    push('a');
    cr_assert(irq_level(&rec));
    ns16550_reset(uart);
    cr_assert_not(irq_level(&rec));
    cr_assert_eq(rd(NS16550_IER), 0);
    cr_assert_eq(rd(NS16550_LCR), 0);
    cr_assert_eq(rd(NS16550_SCR), 0);
    cr_assert_eq(rd(NS16550_IIR), NS16550_IIR_NO_INT);
    cr_assert_eq(rd(NS16550_LSR), NS16550_LSR_THRE | NS16550_LSR_TEMT);
}

/* ---- concurrency: the delivered level always ends equal to the device state ---------- */

#define STRESS_BYTES 20000

static atomic_bool stress_done;

static void *stress_producer(void *arg)
{
    (void)arg;
    for (unsigned i = 0; i < STRESS_BYTES;) {
        if (ns16550_receive(uart, (uint8_t)i)) {
            i++;
        } else {
            sched_yield();
        }
    }
    return NULL;
}

static void *stress_toggler(void *arg)
{
    (void)arg;
    unsigned i = 0;
    while (!atomic_load_explicit(&stress_done, memory_order_acquire)) {
        wr(NS16550_IER, (uint8_t)(i++ & 0x0f));
        rd(NS16550_IIR);
        if ((i & 63) == 0) {
            wr(NS16550_SCR, (uint8_t)i);
        }
    }
    return NULL;
}

Test(uart, concurrent_level_is_final)
{
    pthread_t prod, tog;
    wr(NS16550_FCR, NS16550_FCR_ENABLE | (1 << NS16550_FCR_TRIG_SHIFT));
    atomic_store(&stress_done, false);
    cr_assert_eq(pthread_create(&prod, NULL, stress_producer, NULL), 0);
    cr_assert_eq(pthread_create(&tog, NULL, stress_toggler, NULL), 0);
    for (unsigned got = 0; got < STRESS_BYTES;) {
        if (rd(NS16550_LSR) & NS16550_LSR_DR) {
            cr_assert_eq(rd(NS16550_RBR), (uint8_t)got, "byte %u", got);
            got++;
        } else {
            sched_yield();
        }
    }
    atomic_store_explicit(&stress_done, true, memory_order_release);
    pthread_join(prod, NULL);
    pthread_join(tog, NULL);
    /* No thread touches the device now: the line must match what IIR says, both ways. */
    wr(NS16550_IER, NS16550_IER_ETBEI);
    wr(NS16550_IER, 0);
    cr_assert_not(irq_level(&rec));
    wr(NS16550_IER, NS16550_IER_ETBEI);
    cr_assert(irq_level(&rec));
    cr_assert_eq(rd(NS16550_IIR) & 0x0f, NS16550_IIR_THRI);
    cr_assert_not(irq_level(&rec));
}

/* ---- the Ctrl-A escape ------------------------------------------------------------- */

Test(console_escape, state_machine)
{
    ConsoleEscape e = { false };
    uint8_t out = 0;
    cr_assert_eq(console_escape_feed(&e, 'a', &out), CONSOLE_ESC_FORWARD);
    cr_assert_eq(out, 'a');
    cr_assert_eq(console_escape_feed(&e, 0x03, &out), CONSOLE_ESC_FORWARD, "Ctrl-C passes");
    cr_assert_eq(out, 0x03);
    cr_assert_eq(console_escape_feed(&e, 0x01, &out), CONSOLE_ESC_DROP);
    cr_assert(e.pending);
    cr_assert_eq(console_escape_feed(&e, 0x01, &out), CONSOLE_ESC_FORWARD);
    cr_assert_eq(out, 0x01);
    cr_assert_not(e.pending);
    cr_assert_eq(console_escape_feed(&e, 0x01, &out), CONSOLE_ESC_DROP);
    cr_assert_eq(console_escape_feed(&e, 'h', &out), CONSOLE_ESC_HELP);
    cr_assert_eq(console_escape_feed(&e, 'h', &out), CONSOLE_ESC_FORWARD);
    cr_assert_eq(out, 'h');
    cr_assert_eq(console_escape_feed(&e, 0x01, &out), CONSOLE_ESC_DROP);
    cr_assert_eq(console_escape_feed(&e, 'q', &out), CONSOLE_ESC_DROP, "unknown: dropped");
    cr_assert_not(e.pending);
    cr_assert_eq(console_escape_feed(&e, 'x', &out), CONSOLE_ESC_FORWARD);
    cr_assert_eq(out, 'x');
    cr_assert_eq(console_escape_feed(&e, 0x01, &out), CONSOLE_ESC_DROP);
    cr_assert_eq(console_escape_feed(&e, 'c', &out), CONSOLE_ESC_MONITOR);
    cr_assert_eq(console_escape_feed(&e, 'c', &out), CONSOLE_ESC_FORWARD);
    cr_assert_eq(out, 'c');
    cr_assert_eq(console_escape_feed(&e, 0x01, &out), CONSOLE_ESC_DROP);
    cr_assert_eq(console_escape_feed(&e, 'x', &out), CONSOLE_ESC_QUIT);
    cr_assert_not(e.pending);
}

/* ---- the console on pipes ---------------------------------------------------------- */

#define PIPE_BYTES 10000

static uint8_t pattern(unsigned i)
{
    return (uint8_t)(i * 7 + i / 251);
}

static int in_pipe[2], out_pipe[2];
static atomic_int quit_calls;

static void count_quit(void *opaque, int status)
{
    (void)opaque;
    (void)status;
    atomic_fetch_add_explicit(&quit_calls, 1, memory_order_relaxed);
}

static void *pipe_writer(void *arg)
{
    (void)arg;
    static uint8_t data[PIPE_BYTES];
    for (unsigned i = 0; i < PIPE_BYTES; i++) {
        data[i] = pattern(i);
    }
    size_t off = 0;
    while (off < PIPE_BYTES) {
        size_t chunk = PIPE_BYTES - off < 1000 ? PIPE_BYTES - off : 1000;
        ssize_t n = write(in_pipe[1], data + off, chunk);
        cr_assert_gt(n, 0);
        off += (size_t)n;
    }
    close(in_pipe[1]);   /* EOF */
    return NULL;
}

static uint8_t drained[PIPE_BYTES];
static unsigned saw_full;   /* guest_reader only */

/* The guest: polls LSR.DR through MMIO and reads slowly, so the FIFO fills again and again. */
static void *guest_reader(void *arg)
{
    (void)arg;
    for (unsigned got = 0; got < PIPE_BYTES;) {
        if (!(rd(NS16550_LSR) & NS16550_LSR_DR)) {
            struct timespec ts = { 0, 20000 };
            nanosleep(&ts, NULL);
            continue;
        }
        drained[got++] = rd(NS16550_RBR);
        if (got % 97 == 0) {
            msleep(1);
            if (!ns16550_can_receive(uart)) {
                saw_full++;   /* the backend is being held off: backpressure is exercised */
            }
        }
    }
    return NULL;
}

Test(console, piped_input_is_lossless, .init = setup, .fini = teardown, .timeout = 60)
{
    Error *err = NULL;
    cr_assert_eq(pipe(in_pipe), 0);
    cr_assert_eq(pipe(out_pipe), 0);
    atomic_store(&quit_calls, 0);
    wr(NS16550_FCR, NS16550_FCR_ENABLE | (2 << NS16550_FCR_TRIG_SHIFT));
    int rc = console_start(uart, in_pipe[0], out_pipe[1], count_quit, NULL, &err);
    cr_assert_eq(rc, 0, "%s", err ? error_get_pretty(err) : "");
    cr_assert_eq(console_start(uart, in_pipe[0], out_pipe[1], count_quit, NULL, &err), -EBUSY);

    pthread_t writer, reader;
    cr_assert_eq(pthread_create(&reader, NULL, guest_reader, NULL), 0);
    cr_assert_eq(pthread_create(&writer, NULL, pipe_writer, NULL), 0);
    pthread_join(writer, NULL);
    pthread_join(reader, NULL);
    cr_assert_gt(saw_full, 0u, "the FIFO never filled: the test did not exercise blocking");
    for (unsigned i = 0; i < PIPE_BYTES; i++) {
        cr_assert_eq(drained[i], pattern(i), "byte %u: got 0x%02x, want 0x%02x", i,
                     drained[i], pattern(i));
    }
    /* After EOF: nothing more arrives, the console keeps running, Ctrl-A is not special. */
    msleep(20);
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0);
    cr_assert_eq(atomic_load(&quit_calls), 0);

    double t0 = now_s();
    console_stop();
    cr_assert_lt(now_s() - t0, 1.0, "console_stop must be prompt");
    console_stop();   /* idempotent */
    close(in_pipe[0]);
    close(out_pipe[0]);
    close(out_pipe[1]);
}

Test(console, escape_not_interpreted_on_pipe_and_output, .init = setup, .fini = teardown)
{
    Error *err = NULL;
    cr_assert_eq(pipe(in_pipe), 0);
    cr_assert_eq(pipe(out_pipe), 0);
    atomic_store(&quit_calls, 0);
    /* The UART is created with tx_record; route a second one through console_tx. */
    NS16550State *u2 = ns16550_new(NULL, console_tx, NULL);
    cr_assert_not_null(u2);
    int rc = console_start(uart, in_pipe[0], out_pipe[1], count_quit, NULL, &err);
    cr_assert_eq(rc, 0, "%s", err ? error_get_pretty(err) : "");
    const char in[] = "a\x01x\x01\x01" "b";
    cr_assert_eq(write(in_pipe[1], in, 6), 6);
    for (unsigned i = 0; i < 6; i++) {
        double t0 = now_s();
        while (!(rd(NS16550_LSR) & NS16550_LSR_DR)) {
            cr_assert_lt(now_s() - t0, 5.0, "byte %u never arrived", i);
            msleep(1);
        }
        cr_assert_eq(rd(NS16550_RBR), (uint8_t)in[i]);
    }
    cr_assert_eq(atomic_load(&quit_calls), 0);
    /* The stop wakes a thread blocked in poll on an open, silent pipe. */
    double t0 = now_s();
    console_stop();
    cr_assert_lt(now_s() - t0, 1.0);

    const char *msg = "out\r\n";
    for (const char *p = msg; *p; p++) {
        ns16550_ops.write(u2, NS16550_THR, (uint8_t)*p, 1);
    }
    char buf[16] = "";
    cr_assert_eq(read(out_pipe[0], buf, sizeof(buf)), (ssize_t)strlen(msg));
    cr_assert_str_eq(buf, msg);
    ns16550_free(u2);
    close(in_pipe[0]);
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(out_pipe[1]);
}

Test(console, stop_while_fifo_full, .init = setup, .fini = teardown)
{
    Error *err = NULL;
    cr_assert_eq(pipe(in_pipe), 0);
    cr_assert_eq(pipe(out_pipe), 0);
    cr_assert_eq(console_start(uart, in_pipe[0], out_pipe[1], NULL, NULL, &err),
                 0, "%s", err ? error_get_pretty(err) : "");
    cr_assert_eq(write(in_pipe[1], "0123456789", 10), 10);
    double t0 = now_s();
    while (!(rd(NS16550_LSR) & NS16550_LSR_DR)) {
        cr_assert_lt(now_s() - t0, 5.0);
        msleep(1);
    }
    msleep(10);   /* the thread is now waiting for space (1-byte holding register) */
    t0 = now_s();
    console_stop();
    cr_assert_lt(now_s() - t0, 1.0);
    cr_assert_eq(rd(NS16550_RBR), '0');
    close(in_pipe[0]);
    close(in_pipe[1]);
    close(out_pipe[0]);
    close(out_pipe[1]);
}

/* ---- the console on a pseudo-terminal ---------------------------------------------- */

static int pty_master, pty_slave;

static void open_pty(void)
{
    pty_master = posix_openpt(O_RDWR | O_NOCTTY);
    cr_assert_geq(pty_master, 0, "posix_openpt: %s", strerror(errno));
    cr_assert_eq(grantpt(pty_master), 0);
    cr_assert_eq(unlockpt(pty_master), 0);
    const char *name = ptsname(pty_master);
    cr_assert_not_null(name);
    pty_slave = open(name, O_RDWR | O_NOCTTY);
    cr_assert_geq(pty_slave, 0, "%s: %s", name, strerror(errno));
}

static bool is_cooked(int fd)
{
    struct termios t;
    cr_assert_eq(tcgetattr(fd, &t), 0);
    return (t.c_lflag & (ICANON | ECHO | ISIG)) == (ICANON | ECHO | ISIG);
}

static bool is_raw(int fd)
{
    struct termios t;
    cr_assert_eq(tcgetattr(fd, &t), 0);
    return !(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN)) && !(t.c_iflag & (ICRNL | IXON));
}

static uint8_t guest_getc(void)
{
    double t0 = now_s();
    while (!(rd(NS16550_LSR) & NS16550_LSR_DR)) {
        cr_assert_lt(now_s() - t0, 5.0, "no input arrived");
        msleep(1);
    }
    return rd(NS16550_RBR);
}

static char *read_all_nonblock(int fd, size_t *len)
{
    static char buf[1024];
    size_t n = 0;
    for (;;) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        if (poll(&p, 1, 200) <= 0) {
            break;
        }
        ssize_t r = read(fd, buf + n, sizeof(buf) - 1 - n);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    buf[n] = 0;
    *len = n;
    return buf;
}

Test(console, terminal_raw_mode_and_escape, .init = setup, .fini = teardown, .timeout = 30)
{
    Error *err = NULL;
    open_pty();
    cr_assert(is_cooked(pty_slave));
    cr_assert_eq(pipe(out_pipe), 0);
    int err_pipe[2];
    cr_assert_eq(pipe(err_pipe), 0);
    int saved_stderr = dup(STDERR_FILENO);
    cr_assert_eq(dup2(err_pipe[1], STDERR_FILENO), STDERR_FILENO);
    atomic_store(&quit_calls, 0);

    int rc = console_start(uart, pty_slave, out_pipe[1], count_quit, NULL, &err);
    cr_assert_eq(rc, 0, "%s", err ? error_get_pretty(err) : "");
    cr_assert(is_raw(pty_slave));

    /* Ctrl-C and CR pass untranslated; Ctrl-A Ctrl-A sends one Ctrl-A; Ctrl-A z is dropped */
    const char in[] = "a\x03\r\x01\x01" "b\x01zc";
    cr_assert_eq(write(pty_master, in, sizeof(in) - 1), (ssize_t)(sizeof(in) - 1));
    const uint8_t want[] = { 'a', 0x03, '\r', 0x01, 'b', 'c' };
    for (unsigned i = 0; i < sizeof(want); i++) {
        cr_assert_eq(guest_getc(), want[i], "byte %u", i);
    }
    cr_assert_eq(write(pty_master, "\x01h", 2), 2);
    size_t len;
    char *text = read_all_nonblock(err_pipe[0], &len);
    cr_assert(strstr(text, "C-a x") != NULL, "help: %s", text);
    cr_assert_eq(atomic_load(&quit_calls), 0);

    cr_assert_eq(write(pty_master, "\x01x", 2), 2);
    double t0 = now_s();
    while (atomic_load(&quit_calls) == 0) {
        cr_assert_lt(now_s() - t0, 5.0, "Ctrl-A x did not quit");
        msleep(1);
    }
    text = read_all_nonblock(err_pipe[0], &len);
    cr_assert_str_eq(text, "tlbstorm: terminated\n");
    cr_assert_eq(rd(NS16550_LSR) & NS16550_LSR_DR, 0, "nothing reaches the guest");

    console_stop();
    dup2(saved_stderr, STDERR_FILENO);
    close(saved_stderr);
    cr_assert(is_cooked(pty_slave), "terminal restored by console_stop");
    cr_assert_eq(atomic_load(&quit_calls), 1);
    close(err_pipe[0]);
    close(err_pipe[1]);
    close(out_pipe[0]);
    close(out_pipe[1]);
    close(pty_slave);
    close(pty_master);
}

/* Sanitizer runtimes own SIGSEGV: our handler restores the terminal and chains to theirs,
 * which reports and exits instead of dying by the signal. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZER_OWNS_SIGSEGV 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZER_OWNS_SIGSEGV 1
#endif
#endif
#ifndef SANITIZER_OWNS_SIGSEGV
#define SANITIZER_OWNS_SIGSEGV 0
#endif

/* Child: start the console on the pty slave, report, then end as `how` says.
 *   END_SIGNAL  a fault signal kills it (terminal restored by the handler), or a termination
 *               signal makes the console call quit(128 + sig): the child then stops the
 *               console and exits with that status, as tlbstorm's main does;
 *   END_SECOND  quit only reports on the ready pipe that the first signal was handled (a
 *               shutdown that hangs): the second termination signal must restore the
 *               terminal and exit with 128 + sig by itself;
 *   END_EXIT    exit() without console_stop: the atexit handler restores. */
enum child_end { END_SIGNAL, END_SECOND, END_EXIT };

static atomic_int child_quit_status = -1;

static void child_quit(void *opaque, int status)
{
    (void)opaque;
    atomic_store(&child_quit_status, status);
}

/* END_SECOND's quit. The parent sends the second signal only after this byte: two signals
 * sent before the child runs are merged into one pending signal, and the child would then
 * wait for a second one forever (seen on a loaded CI host). */
static void child_quit_hangs(void *opaque, int status)
{
    (void)status;
    if (write((int)(intptr_t)opaque, "q", 1) != 1) {
        _exit(97);
    }
}

static void run_child(int ready_fd, enum child_end how, int sig)
{
    /* Never outlive the test: an orphan holding Criterion's pipes hangs the whole runner. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    alarm(30);
    /* The default disposition is what is tested. A test run started from `nohup` or as a
     * background job of a script inherits SIGHUP or SIGINT ignored, and the console rightly
     * leaves ignored signals alone: the child would then never end. */
    if (sig == SIGHUP || sig == SIGINT || sig == SIGTERM) {
        signal(sig, SIG_DFL);
    }
    Error *err = NULL;
    struct rlimit no_core = { 0, 0 };
    setrlimit(RLIMIT_CORE, &no_core);
    IRQLine none = { 0 };
    NS16550State *u = ns16550_new(&none, console_tx, NULL);
    void (*quit)(void *, int) = how == END_SIGNAL ? child_quit
                              : how == END_SECOND ? child_quit_hangs : NULL;
    if (!u || console_start(u, pty_slave, STDOUT_FILENO, quit, (void *)(intptr_t)ready_fd,
                            &err) != 0) {
        _exit(99);
    }
    if (write(ready_fd, "r", 1) != 1) {
        _exit(98);
    }
    /* Sanitizer crash and leak reports from this deliberately dying child are noise. */
    int null_fd = open("/dev/null", O_WRONLY);
    if (null_fd >= 0) {
        dup2(null_fd, STDERR_FILENO);
    }
    if (how == END_EXIT) {
        exit(7);   /* no console_stop: the atexit handler restores */
    }
    if (sig == SIGSEGV || sig == SIGABRT) {
        raise(sig);
    }
    for (;;) {
        int status = atomic_load(&child_quit_status);
        if (status >= 0) {
            console_stop();
            _exit(status);   /* not exit(): LeakSanitizer would report the UART and fail it */
        }
        usleep(1000);
    }
}

/* Reads one byte from fd within 20 s; false on timeout, EOF or error. */
static bool read_byte_within(int fd, char *c)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    return poll(&p, 1, 20000) == 1 && read(fd, c, 1) == 1;
}

/* waitpid with a 20 s deadline; on timeout the child is killed and false returned. */
static bool wait_child_within(pid_t pid, int *status)
{
    for (int ms = 0; ms < 20000; ms += 5) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            return true;
        }
        if (r < 0) {
            return false;
        }
        usleep(5000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
    return false;
}

static void check_restore(enum child_end how, int sig)
{
    open_pty();
    int ready[2];
    cr_assert_eq(pipe(ready), 0);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        close(ready[0]);
        run_child(ready[1], how, sig);
    }
    close(ready[1]);
    char c;
    if (!read_byte_within(ready[0], &c)) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        cr_assert_fail("child failed to start the console within 20 s");
    }
    bool term = sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
    if (how != END_EXIT && term) {
        bool raw = is_raw(pty_slave);
        cr_assert_eq(kill(pid, sig), 0);
        if (!raw) {
            kill(pid, SIGKILL);
            waitpid(pid, NULL, 0);
            cr_assert_fail("the console did not put the terminal in raw mode");
        }
        if (how == END_SECOND) {
            /* The first one has been handled (its quit reported and does nothing more). */
            if (!read_byte_within(ready[0], &c)) {
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                cr_assert_fail("the first signal was not handled within 20 s");
            }
            cr_assert_eq(kill(pid, sig), 0);
        }
    }
    int status;
    cr_assert(wait_child_within(pid, &status), "the child did not exit within 20 s of its %s",
              how == END_EXIT ? "start" : "signal");
    if (how == END_EXIT) {
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7, "status 0x%x", status);
    } else if (term) {
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig, "status 0x%x", status);
    } else if (sig == SIGSEGV && SANITIZER_OWNS_SIGSEGV) {
        cr_assert(!WIFEXITED(status) || WEXITSTATUS(status) != 0, "status 0x%x", status);
    } else {
        cr_assert(WIFSIGNALED(status) && WTERMSIG(status) == sig, "status 0x%x", status);
    }
    cr_assert(is_cooked(pty_slave), "terminal left raw");
    close(ready[0]);
    close(pty_slave);
    close(pty_master);
}

Test(console, restore_on_exit) { check_restore(END_EXIT, 0); }
Test(console, sigterm_quits_with_128_plus_signal_and_restores)
{
    check_restore(END_SIGNAL, SIGTERM);
}
Test(console, sigint_quits_with_128_plus_signal_and_restores)
{
    check_restore(END_SIGNAL, SIGINT);
}
Test(console, sighup_quits_with_128_plus_signal_and_restores)
{
    check_restore(END_SIGNAL, SIGHUP);
}
Test(console, second_sigterm_exits_at_once_and_restores) { check_restore(END_SECOND, SIGTERM); }
Test(console, second_sigint_exits_at_once_and_restores) { check_restore(END_SECOND, SIGINT); }
Test(console, restore_on_sigabrt) { check_restore(END_SIGNAL, SIGABRT); }
Test(console, restore_on_sigsegv) { check_restore(END_SIGNAL, SIGSEGV); }
