#include "harness.h"

#define UART_BASE 0x10000000UL
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define SIFIVE_TEST_BASE 0x100000UL
#define SIFIVE_TEST_PASS 0x5555
#define SIFIVE_TEST_FAIL 0x3333

const char *harness_test_name __attribute__((weak)) = "test";

void harness_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    while (!(uart[UART_LSR] & UART_LSR_THRE)) {
    }
    uart[UART_THR] = (uint8_t)c;
}

void harness_puts(const char *s)
{
    while (*s) {
        harness_putc(*s++);
    }
}

void harness_put_hex(uint64_t v)
{
    harness_puts("0x");
    for (int shift = 60; shift >= 0; shift -= 4) {
        harness_putc("0123456789abcdef"[(v >> shift) & 0xf]);
    }
}

void harness_put_dec(uint64_t v)
{
    char buf[24];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) {
        harness_putc(buf[--n]);
    }
}

void harness_exit(int code)
{
    volatile uint32_t *test_dev = (volatile uint32_t *)SIFIVE_TEST_BASE;
    if (code == 0) {
        harness_puts("PASS ");
        harness_puts(harness_test_name);
        harness_puts("\n");
        *test_dev = SIFIVE_TEST_PASS;
    } else {
        harness_puts("FAIL ");
        harness_puts(harness_test_name);
        harness_puts(": code ");
        harness_put_dec((uint64_t)code);
        harness_puts("\n");
        *test_dev = ((uint32_t)code << 16) | SIFIVE_TEST_FAIL;
    }
    for (;;) {
    }
}

void harness_unexpected_trap(uint64_t mcause, uint64_t mepc, uint64_t mtval)
{
    harness_puts("unexpected trap mcause=");
    harness_put_hex(mcause);
    harness_puts(" mepc=");
    harness_put_hex(mepc);
    harness_puts(" mtval=");
    harness_put_hex(mtval);
    harness_puts("\n");
    harness_exit(0xff);
}
