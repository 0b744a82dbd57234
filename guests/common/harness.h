/* Guest-side test harness: console output on the NS16550A UART (0x10000000) and exit through
 * the SiFive test device (0x100000), so a guest runs unchanged on tlbstorm and on
 * qemu-system-riscv64 -M virt -bios none. Single hart, M-mode, no libc. */
#ifndef GUEST_HARNESS_H
#define GUEST_HARNESS_H

#include <stdint.h>

void harness_putc(char c);
void harness_puts(const char *s);
void harness_put_hex(uint64_t v);
void harness_put_dec(uint64_t v);

/* Ends the run: code 0 prints "PASS <name>" and powers off with 0x5555; anything else prints
 * "FAIL <name>: code N" and powers off with (code << 16) | 0x3333. Never returns. */
void harness_exit(int code) __attribute__((noreturn));

/* Set by the test (defaults to "test") and used in the PASS/FAIL line. */
extern const char *harness_test_name;

#endif
