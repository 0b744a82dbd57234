/* Runtime of the bundled S-mode guests: SBI calls, a locked console on the NS16550A UART,
 * a small printf, what the guest needs from the device tree (hart ids, RAM, timebase,
 * bootargs), the trap hook, and starting the other harts. Works the same under the
 * built-in SBI and under OpenSBI, on tlbstorm and on qemu-system-riscv64 -M virt.
 * Threads: every function may be called by any hart unless marked "boot hart". */
#ifndef SMODE_H
#define SMODE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sbi_call.h"
#include "smode_layout.h"

/* ---- SBI ---------------------------------------------------------------------------- */

enum {
    SBI_EXT_BASE = 0x10, SBI_EXT_TIME = 0x54494d45, SBI_EXT_IPI = 0x735049,
    SBI_EXT_RFENCE = 0x52464e43, SBI_EXT_HSM = 0x48534d, SBI_EXT_SRST = 0x53525354,
};
enum { SBI_RFENCE_FENCE_I = 0, SBI_RFENCE_SFENCE_VMA = 1, SBI_RFENCE_SFENCE_VMA_ASID = 2 };
enum { SBI_SRST_SHUTDOWN = 0, SBI_SRST_REASON_NONE = 0, SBI_SRST_REASON_FAILURE = 1 };

/* RFENCE on the harts of `mask` (bit i = hart base + i: SBI's hart_mask_base, so 64 harts a
 * call; base (unsigned long)-1 = every hart). size (unsigned long)-1 = the whole space. */
long sbi_remote_sfence_vma(uint64_t mask, unsigned long base, unsigned long start,
                           unsigned long size);
long sbi_remote_sfence_vma_asid(uint64_t mask, unsigned long base, unsigned long start,
                                unsigned long size, unsigned long asid);
long sbi_remote_fence_i(uint64_t mask, unsigned long base);
/* Powers the machine off: pass = reason none, else system failure. Never returns. */
void sbi_shutdown(bool pass) __attribute__((noreturn));
void sbi_set_timer(uint64_t stime_value);

/* ---- time, harts, locks ------------------------------------------------------------- */

static inline uint64_t rdtime(void)
{
    uint64_t t;
    __asm__ volatile("rdtime %0" : "=r"(t));
    return t;
}

static inline uint64_t rdcycle(void)
{
    uint64_t c;
    __asm__ volatile("rdcycle %0" : "=r"(c));
    return c;
}

/* smode_crt.S keeps the hart id in tp. */
static inline unsigned this_hart(void)
{
    unsigned long h;
    __asm__("mv %0, tp" : "=r"(h));
    return (unsigned)h;
}

static inline void cpu_relax(void)
{
    __asm__ volatile(".insn i 0x0f, 0, x0, x0, 0x010" ::: "memory");   /* pause (Zihintpause) */
}

typedef struct {
    volatile uint32_t next, owner;
} Spinlock;
void spin_lock(Spinlock *l);
void spin_unlock(Spinlock *l);

/* ---- machine description (filled by smode_boot from the device tree) --------------- */

typedef struct {
    unsigned n_harts;                     /* cpus with status okay (or no status) */
    uint32_t hart_ids[SMODE_MAX_HARTS];   /* their hart ids, in tree order */
    uint64_t timebase_hz;                 /* /cpus timebase-frequency, 10 MHz if absent */
    uint64_t ram_base, ram_size;          /* first /memory reg entry */
    uint64_t dtb_addr, dtb_size;
    char bootargs[512];                   /* /chosen bootargs, "" if none */
    uint64_t remap_test_base;             /* tlbstorm --remap-test's control page, or 0 */
    unsigned boot_hart;
} Machine;
extern Machine machine;

/* The guest's entry on the boot hart, after the device tree is read and the console is up. */
void guest_main(unsigned hartid);
/* Where harts started by smode_start_harts begin (with the opaque value given). */
void guest_secondary(unsigned hartid, unsigned long opaque);
/* Boot hart: starts every other hart of the tree at guest_secondary. Returns how many of them
 * SBI accepted. */
unsigned smode_start_harts(unsigned long opaque);
/* Starts one hart at guest_secondary through SBI HSM; false (and a console line) if refused.
 * Every started hart sees the opaque value of the latest call (pass the same one to all). */
bool smode_start_hart(unsigned hartid, unsigned long opaque);

/* Trap hook: the guest's handler; returns false for traps it does not expect, which print a
 * report and fail the run. Registers as saved by smode_crt.S; x[0] holds sepc. */
typedef struct {
    uint64_t x[32];                       /* x[0] = sepc, x[1..31] = registers */
    uint64_t scause, stval;
} SmodeTrapFrame;
extern bool (*smode_trap_hook)(SmodeTrapFrame *frame);

/* ---- console -------------------------------------------------------------------------- */

/* printf subset: %s %c %d %u %x %p, flags '-' '0', width, l/ll; whole lines are printed under
 * one lock so harts do not interleave inside a line. */
void cprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int csnprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int cvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* Prints "<guest>: FAIL ..." and powers off with the failure reason. */
void smode_panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* ---- bootargs: "key=value key flag" ------------------------------------------------------ */

/* The value of `key` (pointer into machine.bootargs, ends at a space or NUL), NULL if absent;
 * a bare flag "key" gives "". */
const char *bootarg(const char *key);
uint64_t bootarg_u64(const char *key, uint64_t dflt);
/* Is `word` one of the comma-separated items of `key`'s value (or is the key absent)? */
bool bootarg_has(const char *key, const char *word);

/* ---- small helpers -------------------------------------------------------------------- */

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

/* xorshift64*: per-hart, seeded from bootargs. */
static inline uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
    return n ? rng_next(s) % n : 0;
}

/* Nanoseconds from timebase ticks (exact for any run length). */
static inline uint64_t ticks_to_ns(uint64_t ticks)
{
    uint64_t hz = machine.timebase_hz;
    return ticks / hz * 1000000000ULL + ticks % hz * 1000000000ULL / hz;
}

#endif
