/* S-mode guest runtime: see smode.h. */
#include "smode.h"

#include "hw/remap_test_regs.h"

#define UART_BASE 0x10000000UL
#define UART_THR 0
#define UART_LSR 5
#define UART_LSR_THRE 0x20

Machine machine;
bool (*smode_trap_hook)(SmodeTrapFrame *frame);
static Spinlock console_lock;

/* ---- libc bits the compiler may call ----------------------------------------------------- */

void *memset(void *s, int c, size_t n)
{
    unsigned char *p = s;
    while (n--) {
        *p++ = (unsigned char)c;
    }
    return s;
}

void *memcpy(void *d, const void *s, size_t n)
{
    unsigned char *dp = d;
    const unsigned char *sp = s;
    while (n--) {
        *dp++ = *sp++;
    }
    return d;
}

size_t strlen(const char *s)
{
    size_t n = 0;
    while (s[n]) {
        n++;
    }
    return n;
}

int strncmp(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i] || !a[i]) {
            return (unsigned char)a[i] - (unsigned char)b[i];
        }
    }
    return 0;
}

static bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

/* ---- SBI ------------------------------------------------------------------------------ */

long sbi_remote_sfence_vma(uint64_t mask, unsigned long base, unsigned long start,
                           unsigned long size)
{
    return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA, mask, base, start, size, 0).error;
}

long sbi_remote_sfence_vma_asid(uint64_t mask, unsigned long base, unsigned long start,
                                unsigned long size, unsigned long asid)
{
    return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_SFENCE_VMA_ASID, mask, base, start, size,
                    asid).error;
}

long sbi_remote_fence_i(uint64_t mask, unsigned long base)
{
    return sbi_call(SBI_EXT_RFENCE, SBI_RFENCE_FENCE_I, mask, base, 0, 0, 0).error;
}

void sbi_set_timer(uint64_t stime_value)
{
    sbi_call(SBI_EXT_TIME, 0, stime_value, 0, 0, 0, 0);
}

void sbi_shutdown(bool pass)
{
    sbi_call(SBI_EXT_SRST, 0, SBI_SRST_SHUTDOWN,
             pass ? SBI_SRST_REASON_NONE : SBI_SRST_REASON_FAILURE, 0, 0, 0);
    sbi_call(0x08, 0, 0, 0, 0, 0, 0);      /* legacy shutdown, for SBIs without SRST */
    for (;;) {
        __asm__ volatile("wfi");
    }
}

/* ---- locks ---------------------------------------------------------------------------- */

void spin_lock(Spinlock *l)
{
    uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me) {
        cpu_relax();
    }
}

void spin_unlock(Spinlock *l)
{
    __atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

/* ---- console -------------------------------------------------------------------------- */

static void uart_putc(char c)
{
    volatile uint8_t *uart = (volatile uint8_t *)UART_BASE;
    while (!(uart[UART_LSR] & UART_LSR_THRE)) {
    }
    uart[UART_THR] = (uint8_t)c;
}

typedef struct {
    char *buf;
    size_t size, len;
} Out;

static void out_c(Out *o, char c)
{
    if (o->len + 1 < o->size) {
        o->buf[o->len] = c;
    }
    o->len++;
}

/* Right-aligned digits; cvsnprintf pads left-aligned fields afterwards. */
static void out_num(Out *o, uint64_t v, unsigned base, bool neg, int width, char pad,
                    bool left)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg) {
        if (pad == '0') {
            out_c(o, '-');
        } else {
            tmp[n++] = '-';
        }
        width--;
    }
    if (!left) {
        for (int i = n; i < width; i++) {
            out_c(o, pad);
        }
    }
    while (n) {
        out_c(o, tmp[--n]);
    }
}

int cvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    Out o = { buf, size, 0 };
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            out_c(&o, *fmt);
            continue;
        }
        fmt++;
        bool left = false;
        char pad = ' ';
        for (; *fmt == '-' || *fmt == '0'; fmt++) {
            if (*fmt == '-') {
                left = true;
            } else {
                pad = '0';
            }
        }
        int width = 0;
        for (; *fmt >= '0' && *fmt <= '9'; fmt++) {
            width = width * 10 + (*fmt - '0');
        }
        int longs = 0;
        for (; *fmt == 'l'; fmt++) {
            longs++;
        }
        size_t start = o.len;
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            size_t n = strlen(s ? s : "(null)");
            if (!left) {
                for (size_t i = n; i < (size_t)width; i++) {
                    out_c(&o, ' ');
                }
            }
            for (const char *p = s ? s : "(null)"; *p; p++) {
                out_c(&o, *p);
            }
            break;
        }
        case 'c':
            out_c(&o, (char)va_arg(ap, int));
            break;
        case 'd': {
            int64_t v = longs ? va_arg(ap, long) : va_arg(ap, int);
            out_num(&o, v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, pad, left);
            break;
        }
        case 'u':
        case 'x': {
            uint64_t v = longs ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            out_num(&o, v, *fmt == 'u' ? 10 : 16, false, width, pad, left);
            break;
        }
        case 'p':
            out_c(&o, '0');
            out_c(&o, 'x');
            out_num(&o, (uintptr_t)va_arg(ap, void *), 16, false, 0, ' ', false);
            break;
        case '%':
            out_c(&o, '%');
            break;
        default:
            out_c(&o, '%');
            out_c(&o, *fmt);
            break;
        }
        if (left) {
            while (o.len - start < (size_t)width) {
                out_c(&o, ' ');
            }
        }
        if (!*fmt) {
            break;
        }
    }
    if (size) {
        buf[o.len < size ? o.len : size - 1] = 0;
    }
    return (int)o.len;
}

int csnprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = cvsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

static void console_write(const char *s)
{
    spin_lock(&console_lock);
    for (; *s; s++) {
        if (*s == '\n') {
            uart_putc('\r');
        }
        uart_putc(*s);
    }
    spin_unlock(&console_lock);
}

void cprintf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    cvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf);
}

extern const char guest_name[];

void smode_panic(const char *fmt, ...)
{
    char buf[400];
    va_list ap;
    va_start(ap, fmt);
    cvsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    cprintf("%s: FAIL %s\n", guest_name, buf);
    sbi_shutdown(false);
}

/* ---- device tree ---------------------------------------------------------------------- */

#define FDT_MAGIC 0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE 2
#define FDT_PROP 3
#define FDT_NOP 4
#define FDT_END 9

static uint32_t be32(const void *p)
{
    const uint8_t *b = p;
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static uint64_t be_cells(const uint8_t *p, unsigned cells)
{
    return cells == 2 ? (uint64_t)be32(p) << 32 | be32(p + 4) : be32(p);
}

static bool name_is(const char *node, const char *base)
{
    size_t n = strlen(base);
    return strncmp(node, base, n) == 0 && (node[n] == 0 || node[n] == '@');
}

/* Reads what the guests need; panics on a tree it cannot read. */
static void read_device_tree(uint64_t dtb)
{
    const uint8_t *f = (const uint8_t *)(uintptr_t)dtb;
    if (!dtb || be32(f) != FDT_MAGIC) {
        smode_panic("no device tree at a1=0x%lx", (unsigned long)dtb);
    }
    machine.dtb_addr = dtb;
    machine.dtb_size = be32(f + 4);
    machine.timebase_hz = 10000000;
    const uint8_t *p = f + be32(f + 8);
    const char *strings = (const char *)f + be32(f + 12);
    unsigned depth = 0, addr_cells = 2, size_cells = 2;
    /* What the node at each depth is: 1 = /cpus, 2 = /cpus/cpu@, 3 = /memory, 4 = /chosen. */
    unsigned kind[16] = { 0 };
    bool cpu_ok = true, cpu_is_cpu = false;
    uint32_t cpu_reg = 0;
    bool have_mem = false;
    /* Per depth: the node is the remap-test device, and its first reg address (soc nodes
     * have two address cells on QEMU's and tlbstorm's virt). */
    bool is_remap[16] = { false };
    uint64_t node_reg[16] = { 0 };
    for (;;) {
        uint32_t tok = be32(p);
        p += 4;
        if (tok == FDT_BEGIN_NODE) {
            const char *name = (const char *)p;
            p += (strlen(name) + 4) & ~3u;
            depth++;
            if (depth >= 16) {
                smode_panic("device tree nests too deep");
            }
            kind[depth] = 0;
            is_remap[depth] = false;
            node_reg[depth] = 0;
            if (depth == 2 && name_is(name, "cpus")) {
                kind[depth] = 1;
            } else if (depth == 3 && kind[2] == 1 && name_is(name, "cpu")) {
                kind[depth] = 2;
                cpu_ok = true;
                cpu_is_cpu = false;
                cpu_reg = 0;
            } else if (depth == 2 && name_is(name, "memory")) {
                kind[depth] = 3;
            } else if (depth == 2 && name_is(name, "chosen")) {
                kind[depth] = 4;
            }
        } else if (tok == FDT_END_NODE) {
            if (kind[depth] == 2 && cpu_is_cpu && cpu_ok &&
                machine.n_harts < SMODE_MAX_HARTS && cpu_reg < SMODE_MAX_HARTS) {
                machine.hart_ids[machine.n_harts++] = cpu_reg;
            }
            if (is_remap[depth] && !machine.remap_test_base) {
                machine.remap_test_base = node_reg[depth];
            }
            depth--;
        } else if (tok == FDT_PROP) {
            uint32_t len = be32(p);
            const char *pname = strings + be32(p + 4);
            const uint8_t *val = p + 8;
            p += 8 + ((len + 3) & ~3u);
            if (depth == 1 && streq(pname, "#address-cells")) {
                addr_cells = be32(val);
            } else if (depth == 1 && streq(pname, "#size-cells")) {
                size_cells = be32(val);
            } else if (streq(pname, "compatible") && streq((const char *)val,
                                                            REMAP_TEST_COMPATIBLE)) {
                is_remap[depth] = true;
            } else if (streq(pname, "reg") && kind[depth] == 0 && len >= 8) {
                node_reg[depth] = be_cells(val, 2);
            } else if (kind[depth] == 1 && streq(pname, "timebase-frequency")) {
                machine.timebase_hz = be_cells(val, len >= 8 ? 2 : 1);
            } else if (kind[depth] == 2) {
                if (streq(pname, "reg")) {
                    cpu_reg = be32(val);
                } else if (streq(pname, "device_type")) {
                    cpu_is_cpu = streq((const char *)val, "cpu");
                } else if (streq(pname, "status")) {
                    cpu_ok = streq((const char *)val, "okay") || streq((const char *)val, "ok");
                }
            } else if (kind[depth] == 3 && streq(pname, "reg") && !have_mem &&
                       len >= 4 * (addr_cells + size_cells)) {
                machine.ram_base = be_cells(val, addr_cells);
                machine.ram_size = be_cells(val + 4 * addr_cells, size_cells);
                have_mem = true;
            } else if (kind[depth] == 4 && streq(pname, "bootargs")) {
                size_t n = len < sizeof(machine.bootargs) ? len : sizeof(machine.bootargs) - 1;
                memcpy(machine.bootargs, val, n);
                machine.bootargs[n] = 0;
            }
        } else if (tok == FDT_NOP) {
            continue;
        } else if (tok == FDT_END) {
            break;
        } else {
            smode_panic("device tree token 0x%x not understood", tok);
        }
    }
    if (!machine.n_harts || !have_mem) {
        smode_panic("device tree lists no cpus or no memory");
    }
}

/* ---- bootargs ------------------------------------------------------------------------- */

const char *bootarg(const char *key)
{
    size_t n = strlen(key);
    for (const char *p = machine.bootargs; *p;) {
        while (*p == ' ') {
            p++;
        }
        if (strncmp(p, key, n) == 0 && (p[n] == '=' || p[n] == ' ' || p[n] == 0)) {
            return p[n] == '=' ? p + n + 1 : p + n;
        }
        while (*p && *p != ' ') {
            p++;
        }
    }
    return NULL;
}

uint64_t bootarg_u64(const char *key, uint64_t dflt)
{
    const char *v = bootarg(key);
    if (!v || *v < '0' || *v > '9') {
        return dflt;
    }
    uint64_t r = 0;
    for (; *v >= '0' && *v <= '9'; v++) {
        r = r * 10 + (uint64_t)(*v - '0');
    }
    return r;
}

bool bootarg_has(const char *key, const char *word)
{
    const char *v = bootarg(key);
    if (!v) {
        return true;
    }
    size_t n = strlen(word);
    while (*v && *v != ' ') {
        if (strncmp(v, word, n) == 0 && (v[n] == ',' || v[n] == ' ' || v[n] == 0)) {
            return true;
        }
        while (*v && *v != ',' && *v != ' ') {
            v++;
        }
        if (*v == ',') {
            v++;
        }
    }
    return false;
}

/* ---- boot and traps ------------------------------------------------------------------- */

/* OpenSBI before 1.2 (Debian 12 ships 1.1) publishes a started hart's START_PENDING state
 * before its start address and argument: a hart that leaves its wait loop in that window
 * enters with fw_jump's defaults, i.e. at _start with the device tree in a1, or at
 * smode_secondary with the device tree as opaque. Seen about once in 100 boots under host
 * load, on QEMU and on tlbstorm alike. So the boot is claimed once, a second hart at _start
 * is a secondary, and secondaries take the opaque value from memory, not from a1. */
static uint32_t boot_claimed;
void smode_secondary_main(unsigned long hartid, unsigned long opaque)
    __attribute__((noreturn));
static unsigned long start_opaque;   /* written before the first hart_start */

void smode_boot(unsigned long hartid, unsigned long dtb)
{
    if (__atomic_exchange_n(&boot_claimed, 1, __ATOMIC_ACQ_REL)) {
        cprintf("%s: hart %lu entered at _start after the boot hart (OpenSBI HSM start "
                "race); running it as a started hart\n", guest_name, hartid);
        smode_secondary_main(hartid, 0);
    }
    read_device_tree(dtb);
    machine.boot_hart = (unsigned)hartid;
    guest_main((unsigned)hartid);
    sbi_shutdown(true);
}

void smode_secondary_main(unsigned long hartid, unsigned long opaque)
{
    (void)opaque;    /* see boot_claimed */
    guest_secondary((unsigned)hartid, __atomic_load_n(&start_opaque, __ATOMIC_ACQUIRE));
    for (;;) {
        __asm__ volatile("wfi");
    }
}

bool smode_start_hart(unsigned hartid, unsigned long opaque)
{
    extern char smode_secondary[];
    if (hartid >= SMODE_MAX_HARTS) {
        cprintf("%s: hart %u has no stack here\n", guest_name, hartid);
        return false;
    }
    /* Release: pairs with the acquire in smode_secondary_main on the started hart. One value
     * for every hart: the guests pass the same opaque to all of them. */
    __atomic_store_n(&start_opaque, opaque, __ATOMIC_RELEASE);
    struct sbiret r = sbi_call(SBI_EXT_HSM, 0, hartid, (uintptr_t)smode_secondary, opaque, 0, 0);
    if (r.error) {
        cprintf("%s: hart %u did not start (SBI error %ld)\n", guest_name, hartid, r.error);
    }
    return r.error == 0;
}

unsigned smode_start_harts(unsigned long opaque)
{
    unsigned started = 0;
    for (unsigned i = 0; i < machine.n_harts; i++) {
        unsigned h = machine.hart_ids[i];
        if (h != machine.boot_hart && smode_start_hart(h, opaque)) {
            started++;
        }
    }
    return started;
}

void smode_trap(SmodeTrapFrame *frame)
{
    if (smode_trap_hook && smode_trap_hook(frame)) {
        return;
    }
    smode_panic("hart %lu: unexpected trap: scause 0x%lx sepc 0x%lx stval 0x%lx",
                (unsigned long)frame->x[4], (unsigned long)frame->scause,
                (unsigned long)frame->x[0],
                (unsigned long)frame->stval);
}
