/* S-mode test of the built-in SBI firmware, booted with no -bios:
 *   tlbstorm -M virt -smp N -nographic -kernel sbi_test.elf
 * Hart 0 checks the boot registers, BASE, the debug and legacy consoles, SRST argument checks,
 * TIME, then (with more than one hart) HSM start/status/stop/suspend, IPI delivery, and RFENCE,
 * including a real remote sfence.vma: hart 1 runs Sv39 reading a page mapped to frame A, hart
 * 0 remaps the PTE to frame B and fences hart 1 through SBI, and hart 1 must then read B. On
 * -smp 1 the same remap is fenced on hart 0 itself. Success prints "PASS sbi_test" and shuts
 * down through SRST (exit 0); any failure prints "FAIL sbi_test: ..." and shuts down with
 * reason "system failure" (exit 1).
 * Built with -DSBI_TEST_SYSTEM_FAILURE it only requests that shutdown, for the exit-status
 * test. Built with -DSBI_TEST_REBOOT it starts every hart, asks for a warm reboot and, on the
 * second boot (told apart by a marker in RAM outside the image, which a reset does not
 * reload), checks that HSM is back in its boot state: hart 0 STARTED, the others STOPPED. Console output goes through the UART (harness.c) and, where tested, through SBI. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "riscv_vm.h"
#include "sbi_call.h"

#define MAX_HARTS 8                  /* as sbi_crt.S */
#define TIMEOUT_TICKS (10 * 10000000ULL)   /* 10 s of the 10 MHz timebase */

/* ---- SBI calls ------------------------------------------------------------------------- */

enum {
    EXT_BASE = 0x10, EXT_TIME = 0x54494d45, EXT_IPI = 0x735049, EXT_RFENCE = 0x52464e43,
    EXT_HSM = 0x48534d, EXT_SRST = 0x53525354, EXT_DBCN = 0x4442434e, EXT_PMU = 0x504d55,
};
enum {
    SBI_SUCCESS = 0, SBI_ERR_NOT_SUPPORTED = -2, SBI_ERR_INVALID_PARAM = -3,
    SBI_ERR_INVALID_ADDRESS = -5, SBI_ERR_ALREADY_AVAILABLE = -6, SBI_ERR_ALREADY_STARTED = -7,
};
enum { HSM_STARTED = 0, HSM_STOPPED = 1, HSM_START_PENDING = 2, HSM_SUSPENDED = 4 };

/* Legacy calls return in a0 only; a1 must come back unchanged. */
static long sbi_legacy(unsigned long eid, unsigned long arg0, unsigned long *a1_after)
{
    register unsigned long a0 __asm__("a0") = arg0;
    register unsigned long a1 __asm__("a1") = 0x5a5a5a5aUL;
    register unsigned long a7 __asm__("a7") = eid;
    __asm__ volatile("ecall" : "+r"(a0), "+r"(a1) : "r"(a7) : "memory");
    *a1_after = a1;
    return (long)a0;
}

/* ---- CSRs and small helpers ------------------------------------------------------------ */

#define csr_read(name) ({ unsigned long v_; __asm__ volatile("csrr %0, " #name : "=r"(v_)); v_; })
#define csr_write(name, v) __asm__ volatile("csrw " #name ", %0" ::"r"(v) : "memory")
#define csr_set(name, v) __asm__ volatile("csrs " #name ", %0" ::"r"(v) : "memory")
#define csr_clear(name, v) __asm__ volatile("csrc " #name ", %0" ::"r"(v) : "memory")

#define SSTATUS_SIE (1UL << 1)
#define SIP_SSIP (1UL << 1)
#define SIP_STIP (1UL << 5)
#define SCAUSE_IRQ (1UL << 63)

static inline unsigned long rdtime(void)
{
    return csr_read(time);
}

static inline unsigned long load_acq(volatile unsigned long *p)
{
    return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline void store_rel(volatile unsigned long *p, unsigned long v)
{
    __atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* ---- output and failure ---------------------------------------------------------------- */

static volatile unsigned long print_lock;

static void lock(void)
{
    while (__atomic_exchange_n(&print_lock, 1UL, __ATOMIC_ACQUIRE)) {
    }
}

static void unlock(void)
{
    __atomic_store_n(&print_lock, 0UL, __ATOMIC_RELEASE);
}

static void say(const char *s)
{
    lock();
    harness_puts(s);
    harness_puts("\n");
    unlock();
}

static void __attribute__((noreturn)) shutdown(unsigned long reason)
{
    sbi_call(EXT_SRST, 0, 0, reason, 0, 0, 0);
    harness_puts("FAIL sbi_test: SRST shutdown returned\n");
    for (;;) {
        __asm__ volatile("wfi");
    }
}

static void __attribute__((noreturn)) fail(unsigned hart, const char *what, long got)
{
    lock();
    harness_puts("FAIL sbi_test: hart ");
    harness_put_dec(hart);
    harness_puts(": ");
    harness_puts(what);
    harness_puts(" (got ");
    harness_put_hex((uint64_t)got);
    harness_puts(")\n");
    unlock();
    shutdown(1);
}

#define CHECK(hart, cond, what, got)        \
    do {                                    \
        if (!(cond)) {                      \
            fail((hart), (what), (long)(got)); \
        }                                   \
    } while (0)

#define EXPECT_ERR(hart, call, want, what)                  \
    do {                                                    \
        struct sbiret r_ = (call);                          \
        CHECK((hart), r_.error == (want), (what), r_.error); \
    } while (0)

/* Spin until *p reaches at least want, or fail after the timeout. */
static void wait_at_least(unsigned hart, volatile unsigned long *p, unsigned long want,
                          const char *what)
{
    unsigned long start = rdtime();
    while (load_acq(p) < want) {
        if (rdtime() - start > TIMEOUT_TICKS) {
            fail(hart, what, (long)load_acq(p));
        }
    }
}

static long hart_status(unsigned long h)
{
    struct sbiret r = sbi_call(EXT_HSM, 2, h, 0, 0, 0, 0);
    return r.error ? r.error : (long)r.value;
}

static void wait_status(unsigned hart, unsigned long h, long want, const char *what)
{
    unsigned long start = rdtime();
    long st;
    while ((st = hart_status(h)) != want) {
        if (rdtime() - start > TIMEOUT_TICKS) {
            fail(hart, what, st);
        }
    }
}

/* ---- shared state ---------------------------------------------------------------------- */

enum cmd { CMD_NONE, CMD_PING, CMD_STOP, CMD_SUSPEND, CMD_SUSPEND_NONRET, CMD_PAGING };

#define START_OPAQUE 0x0badc0de00000000UL
#define RESUME_OPAQUE 0x5e5e000000000000UL

static unsigned long n_harts;                          /* harts this test drives */
static unsigned long n_all;                            /* harts the machine has */
static volatile unsigned long expect_opaque[MAX_HARTS];
static volatile unsigned long started[MAX_HARTS];      /* times each hart entered via HSM */
static volatile unsigned long ipis[MAX_HARTS];         /* supervisor software interrupts */
static volatile unsigned long timer_irqs;
static volatile unsigned long timer_cleared;           /* STIP read 0 after set_timer(-1) */
static volatile unsigned long probe_armed;             /* an illegal instruction is expected */
static volatile unsigned long probe_trapped;
static volatile unsigned long cmd[MAX_HARTS];
static volatile unsigned long cmd_seq[MAX_HARTS];      /* bumped with each command */
static volatile unsigned long ack_seq[MAX_HARTS];      /* the command seen, before it runs */
static volatile unsigned long done_seq[MAX_HARTS];     /* the command finished */
static volatile unsigned long resumed[MAX_HARTS];      /* suspends that returned */
static volatile unsigned long go_seq[MAX_HARTS];       /* hart 0: the command's IPI is out */

extern char sbi_secondary_entry[], sbi_resume_entry[];

void sbi_trap(unsigned long scause, unsigned long sepc, unsigned long stval);
void sbi_boot_main(unsigned long hartid, unsigned long dtb);
void sbi_secondary_main(unsigned long hartid, unsigned long opaque);
void sbi_resume_main(unsigned long hartid, unsigned long opaque);

/* The trap vector cannot know its hart id from a CSR in S-mode: keep it in tp-free form by
 * reading it from the stack pointer's slot (stacks are per hart id, see sbi_crt.S). */
extern char sbi_stacks_top[];
static unsigned my_hart(void)
{
    unsigned long sp;
    __asm__ volatile("mv %0, sp" : "=r"(sp));
    return (unsigned)(((unsigned long)sbi_stacks_top - sp) / 16384);
}

void sbi_trap(unsigned long scause, unsigned long sepc, unsigned long stval)
{
    unsigned h = my_hart();
    if (scause == (SCAUSE_IRQ | 1)) {            /* supervisor software interrupt */
        csr_clear(sip, SIP_SSIP);
        __atomic_fetch_add(&ipis[h], 1UL, __ATOMIC_RELEASE);
        return;
    }
    if (scause == (SCAUSE_IRQ | 5)) {            /* supervisor timer interrupt */
        sbi_call(EXT_TIME, 0, ~0UL, 0, 0, 0, 0);  /* re-programming must clear STIP */
        if (!(csr_read(sip) & SIP_STIP)) {
            __atomic_fetch_add(&timer_cleared, 1UL, __ATOMIC_RELEASE);
        }
        __atomic_fetch_add(&timer_irqs, 1UL, __ATOMIC_RELEASE);
        return;
    }
    if (scause == 2 && probe_armed) {            /* illegal instruction, on purpose */
        probe_armed = 0;
        probe_trapped = 1;
        csr_write(sepc, sepc + 4);               /* skip the 4-byte CSR instruction */
        return;
    }
    lock();
    harness_puts("unexpected trap scause=");
    harness_put_hex(scause);
    harness_puts(" sepc=");
    harness_put_hex(sepc);
    harness_puts(" stval=");
    harness_put_hex(stval);
    harness_puts("\n");
    unlock();
    fail(h, "unexpected trap", (long)scause);
}

/* ---- Sv39: page X mapped to frame A, then to frame B ------------------------------------ */

#define PTE_LEAF (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
/* VA 0x400f0000: level-2 index 1, level-1 index 0, level-0 index 0xf0; TLB set 0xf0 is far
 * from the pages this program touches while it waits, so only a flush evicts it. */
#define X_VA 0x400f0000UL
#define X_L0_INDEX 0xf0
#define VAL_A 0xaaaaaaaa11111111UL
#define VAL_B 0xbbbbbbbb22222222UL

static unsigned long pt_root[512] __attribute__((aligned(4096)));
static unsigned long pt_l1[512] __attribute__((aligned(4096)));
static volatile unsigned long pt_l0[512] __attribute__((aligned(4096)));
static volatile unsigned long frame_a[512] __attribute__((aligned(4096)));
static volatile unsigned long frame_b[512] __attribute__((aligned(4096)));
static volatile unsigned long vm_phase;
static volatile unsigned long vm_read_after_fence, vm_read_stale;

static unsigned long pte_to(const volatile void *pa, unsigned long flags)
{
    return (((unsigned long)pa >> 12) << 10) | flags;
}

static void vm_build(void)
{
    frame_a[0] = VAL_A;
    frame_b[0] = VAL_B;
    pt_root[0] = pte_to((void *)0x0UL, PTE_LEAF);            /* devices, identity */
    pt_root[2] = pte_to((void *)0x80000000UL, PTE_LEAF);     /* RAM, identity */
    pt_root[1] = pte_to(pt_l1, PTE_V);
    pt_l1[0] = pte_to(pt_l0, PTE_V);
    pt_l0[X_L0_INDEX] = pte_to(frame_a, PTE_LEAF);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static unsigned long read_x(void)
{
    return *(volatile unsigned long *)X_VA;
}

static void paging_on(void)
{
    csr_write(satp, SATP_SV39 | ((unsigned long)pt_root >> 12));
    __asm__ volatile("sfence.vma" ::: "memory");
}

static void paging_off(void)
{
    csr_write(satp, 0UL);
    __asm__ volatile("sfence.vma" ::: "memory");
}

/* The reader's side (hart 1, or hart 0 itself on -smp 1 through the phases below). */
static void vm_reader(unsigned h)
{
    paging_on();
    unsigned long v = read_x();
    CHECK(h, v == VAL_A, "Sv39: X must read frame A first", v);
    store_rel(&vm_phase, 1);
    wait_at_least(h, &vm_phase, 2, "Sv39 reader: waiting for the remap");
    vm_read_stale = read_x();                  /* may be stale: no fence yet */
    store_rel(&vm_phase, 3);
    wait_at_least(h, &vm_phase, 4, "Sv39 reader: waiting for the remote fence");
    vm_read_after_fence = read_x();
    paging_off();
    store_rel(&vm_phase, 5);
}

static void vm_remap_and_fence(unsigned long target_mask)
{
    wait_at_least(0, &vm_phase, 1, "Sv39: reader did not start");
    pt_l0[X_L0_INDEX] = pte_to(frame_b, PTE_LEAF);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    store_rel(&vm_phase, 2);
    wait_at_least(0, &vm_phase, 3, "Sv39: reader did not re-read");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 1, target_mask, 0, X_VA, 4096, 0), SBI_SUCCESS,
               "remote_sfence_vma of the remapped page");
    store_rel(&vm_phase, 4);
}

static void vm_check(void)
{
    wait_at_least(0, &vm_phase, 5, "Sv39: reader did not finish");
    CHECK(0, vm_read_after_fence == VAL_B,
          "after remote_sfence_vma the reader must see frame B", vm_read_after_fence);
    say(vm_read_stale == VAL_A ? "rfence: stale translation seen before the fence, gone after"
                               : "rfence: remapped page read B after the fence");
}

/* ---- secondary harts -------------------------------------------------------------------- */

static void secondary_loop(unsigned h) __attribute__((noreturn));

static void check_entry_state(unsigned h, unsigned long opaque, unsigned long want)
{
    CHECK(h, opaque == want, "a1 must be the opaque value", opaque);
    CHECK(h, csr_read(satp) == 0, "satp must be 0 on entry", csr_read(satp));
    CHECK(h, !(csr_read(sstatus) & SSTATUS_SIE), "sstatus.SIE must be 0 on entry",
          csr_read(sstatus));
    /* As OpenSBI: U-mode may read cycle, time and instret (Linux's vDSO reads time and
     * Linux 6.1 never writes scounteren itself). */
    CHECK(h, (csr_read(scounteren) & 7) == 7, "scounteren.CY/TM/IR must be 1 on entry",
          csr_read(scounteren));
}

void sbi_secondary_main(unsigned long hartid, unsigned long opaque)
{
    unsigned h = (unsigned)hartid;
    check_entry_state(h, opaque, expect_opaque[h]);
    __atomic_fetch_add(&started[h], 1UL, __ATOMIC_RELEASE);
    secondary_loop(h);
}

void sbi_resume_main(unsigned long hartid, unsigned long opaque)
{
    unsigned h = (unsigned)hartid;
    check_entry_state(h, opaque, RESUME_OPAQUE | h);
    CHECK(h, csr_read(sip) & SIP_SSIP, "non-retentive resume: SSIP should be the wake-up",
          csr_read(sip));
    csr_clear(sip, SIP_SSIP);
    __atomic_fetch_add(&resumed[h], 1UL, __ATOMIC_RELEASE);
    store_rel(&done_seq[h], load_acq(&cmd_seq[h]));
    secondary_loop(h);
}

/* Before suspending: the IPI that posted the command may still be on its way, and would
 * end the suspend at once. Hart 0 sets go_seq once its send_ipi has returned (SSIP set);
 * clear it after that. */
static void quiesce(unsigned h, unsigned long seq)
{
    wait_at_least(h, &go_seq[h], seq, "hart 0 did not release the suspend");
    csr_clear(sip, SIP_SSIP);
}

static void secondary_loop(unsigned h)
{
    csr_set(sie, SIP_SSIP);
    csr_set(sstatus, SSTATUS_SIE);
    for (;;) {
        /* Check for a command with SIE clear, so that the IPI announcing it cannot be taken
         * (and cleared by sbi_trap) between the check and wfi, which would then sleep with
         * nothing pending: wfi wakes on SSIP pending in sie whatever SIE says, and the
         * interrupt is taken once SIE is set again. */
        csr_clear(sstatus, SSTATUS_SIE);
        unsigned long seq = load_acq(&cmd_seq[h]);
        if (seq == load_acq(&ack_seq[h])) {
            __asm__ volatile("wfi");
            csr_set(sstatus, SSTATUS_SIE);
            continue;
        }
        csr_set(sstatus, SSTATUS_SIE);
        unsigned long c = cmd[h];
        struct sbiret r;
        switch (c) {
        case CMD_PING:
            store_rel(&ack_seq[h], seq);
            break;
        case CMD_STOP:
            csr_clear(sstatus, SSTATUS_SIE);
            store_rel(&ack_seq[h], seq);
            r = sbi_call(EXT_HSM, 1, 0, 0, 0, 0, 0);
            fail(h, "hart_stop returned", r.error);
        case CMD_SUSPEND:
            /* SIE = 0: the IPI must wake the hart without being taken. */
            csr_clear(sstatus, SSTATUS_SIE);
            store_rel(&ack_seq[h], seq);
            quiesce(h, seq);
            r = sbi_call(EXT_HSM, 3, 0, 0, 0, 0, 0);
            CHECK(h, r.error == SBI_SUCCESS, "retentive hart_suspend", r.error);
            CHECK(h, csr_read(sip) & SIP_SSIP, "retentive resume: SSIP should be pending",
                  csr_read(sip));
            csr_clear(sip, SIP_SSIP);
            __atomic_fetch_add(&resumed[h], 1UL, __ATOMIC_RELEASE);
            csr_set(sstatus, SSTATUS_SIE);
            break;
        case CMD_SUSPEND_NONRET:
            csr_clear(sstatus, SSTATUS_SIE);
            store_rel(&ack_seq[h], seq);
            quiesce(h, seq);
            r = sbi_call(EXT_HSM, 3, 0x80000000UL, (unsigned long)sbi_resume_entry,
                         RESUME_OPAQUE | h, 0, 0);
            fail(h, "non-retentive hart_suspend returned", r.error);
        case CMD_PAGING:
            store_rel(&ack_seq[h], seq);
            vm_reader(h);
            break;
        default:
            fail(h, "unknown command", (long)c);
        }
        store_rel(&done_seq[h], seq);
    }
}

/* Hart 0: post a command and kick the hart out of wfi with an IPI. */
static unsigned long post(unsigned long h, enum cmd c)
{
    unsigned long seq = cmd_seq[h] + 1;
    cmd[h] = c;
    store_rel(&cmd_seq[h], seq);
    EXPECT_ERR(0, sbi_call(EXT_IPI, 0, 1UL << h, 0, 0, 0, 0), SBI_SUCCESS, "send_ipi (post)");
    wait_at_least(0, &ack_seq[h], seq, "secondary did not take its command");
    store_rel(&go_seq[h], seq);
    return seq;
}

/* ---- the boot hart's checks ----------------------------------------------------------- */

static void test_base(void)
{
    struct sbiret r = sbi_call(EXT_BASE, 0, 0, 0, 0, 0, 0);
    CHECK(0, r.error == 0 && r.value == 0x2000000UL, "spec version must be 2.0", r.value);
    r = sbi_call(EXT_BASE, 1, 0, 0, 0, 0, 0);
    CHECK(0, r.error == 0 && r.value == 0x544c4253UL, "impl id must be TLBS", r.value);
    r = sbi_call(EXT_BASE, 2, 0, 0, 0, 0, 0);
    CHECK(0, r.error == 0, "impl version", r.error);
    static const unsigned long present[] = { EXT_BASE, EXT_TIME, EXT_IPI, EXT_RFENCE, EXT_HSM,
                                             EXT_SRST, EXT_DBCN, 0x00, 0x01, 0x02, 0x08 };
    for (unsigned i = 0; i < sizeof(present) / sizeof(present[0]); i++) {
        r = sbi_call(EXT_BASE, 3, present[i], 0, 0, 0, 0);
        CHECK(0, r.error == 0 && r.value == 1, "probe_extension of an implemented extension",
              present[i]);
    }
    r = sbi_call(EXT_BASE, 3, EXT_PMU, 0, 0, 0, 0);
    CHECK(0, r.error == 0 && r.value == 0, "probe_extension(PMU) must be 0", r.value);
    for (unsigned long fid = 4; fid <= 6; fid++) {
        r = sbi_call(EXT_BASE, fid, 0, 0, 0, 0, 0);
        CHECK(0, r.error == 0 && r.value == 0, "mvendorid/marchid/mimpid", fid);
    }
    EXPECT_ERR(0, sbi_call(EXT_BASE, 7, 0, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED,
               "unknown BASE function");
    EXPECT_ERR(0, sbi_call(0x0a000000UL, 0, 0, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED,
               "unknown extension");
    EXPECT_ERR(0, sbi_call(EXT_PMU, 0, 0, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED,
               "PMU extension");
    say("base: spec 2.0, impl TLBS, probes ok");
}

static const char dbcn_msg[] = "dbcn: console_write ok\n";

static void test_console(void)
{
    struct sbiret r = sbi_call(EXT_DBCN, 0, sizeof(dbcn_msg) - 1, (unsigned long)dbcn_msg, 0,
                               0, 0);
    CHECK(0, r.error == 0 && r.value == sizeof(dbcn_msg) - 1, "console_write", r.error);
    for (const char *p = "dbcn: console_write_byte ok\n"; *p; p++) {
        EXPECT_ERR(0, sbi_call(EXT_DBCN, 2, (unsigned char)*p, 0, 0, 0, 0), SBI_SUCCESS,
                   "console_write_byte");
    }
    unsigned long a1;
    for (const char *p = "legacy: console_putchar ok\n"; *p; p++) {
        CHECK(0, sbi_legacy(0x01, (unsigned char)*p, &a1) == 0, "legacy putchar", 0);
        CHECK(0, a1 == 0x5a5a5a5aUL, "legacy putchar must leave a1 alone", a1);
    }
    EXPECT_ERR(0, sbi_call(EXT_DBCN, 0, 4, 0x1000, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "console_write outside RAM");
    EXPECT_ERR(0, sbi_call(EXT_DBCN, 0, 4, (unsigned long)dbcn_msg, 1, 0, 0),
               SBI_ERR_INVALID_PARAM, "console_write with base_addr_hi set");
    EXPECT_ERR(0, sbi_call(EXT_DBCN, 0, ~0UL, (unsigned long)dbcn_msg, 0, 0, 0),
               SBI_ERR_INVALID_PARAM, "console_write longer than RAM");
    static char inbuf[16];
    r = sbi_call(EXT_DBCN, 1, sizeof(inbuf), (unsigned long)inbuf, 0, 0, 0);
    CHECK(0, r.error == 0 && r.value == 0, "console_read with no input", r.value);
    EXPECT_ERR(0, sbi_call(EXT_DBCN, 1, 4, 0x0, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "console_read outside RAM");
    CHECK(0, sbi_legacy(0x02, 0, &a1) == -1, "legacy getchar with no input", 0);
    say("console: checks ok");
}

static void test_srst_params(void)
{
    EXPECT_ERR(0, sbi_call(EXT_SRST, 0, 3, 0, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "system_reset with a reserved type");
    EXPECT_ERR(0, sbi_call(EXT_SRST, 0, 0, 2, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "system_reset with a reserved reason");
    EXPECT_ERR(0, sbi_call(EXT_SRST, 1, 0, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED,
               "unknown SRST function");
}

static void test_timer(void)
{
    unsigned long a1;
    /* Polled first: a deadline in the past raises STIP at once, a future one clears it. */
    EXPECT_ERR(0, sbi_call(EXT_TIME, 0, 0, 0, 0, 0, 0), SBI_SUCCESS, "set_timer(0)");
    CHECK(0, csr_read(sip) & SIP_STIP, "set_timer in the past must raise STIP", csr_read(sip));
    EXPECT_ERR(0, sbi_call(EXT_TIME, 0, rdtime() + TIMEOUT_TICKS * 100, 0, 0, 0, 0),
               SBI_SUCCESS, "set_timer(future)");
    CHECK(0, !(csr_read(sip) & SIP_STIP), "re-programming set_timer must clear STIP",
          csr_read(sip));
    CHECK(0, sbi_legacy(0x00, 0, &a1) == 0, "legacy set_timer(0)", 0);
    CHECK(0, csr_read(sip) & SIP_STIP, "legacy set_timer in the past must raise STIP",
          csr_read(sip));
    CHECK(0, sbi_legacy(0x00, ~0UL, &a1) == 0, "legacy set_timer(-1)", 0);
    CHECK(0, !(csr_read(sip) & SIP_STIP), "legacy set_timer(-1) must clear STIP",
          csr_read(sip));
    /* Taken as an interrupt: the handler re-programs the timer and sees STIP clear. */
    csr_set(sie, SIP_STIP);
    csr_set(sstatus, SSTATUS_SIE);
    EXPECT_ERR(0, sbi_call(EXT_TIME, 0, rdtime() + 20000, 0, 0, 0, 0), SBI_SUCCESS,
               "set_timer(+2 ms)");
    unsigned long start = rdtime();
    /* As in secondary_loop: test and wfi with SIE clear, or an interrupt taken between the
     * two (the handler stops the timer) leaves wfi nothing to wake it. */
    csr_clear(sstatus, SSTATUS_SIE);
    while (load_acq(&timer_irqs) == 0) {
        __asm__ volatile("wfi");
        csr_set(sstatus, SSTATUS_SIE);            /* the pending interrupt is taken here */
        csr_clear(sstatus, SSTATUS_SIE);
        CHECK(0, rdtime() - start < TIMEOUT_TICKS, "no timer interrupt after set_timer", 0);
    }
    csr_clear(sie, SIP_STIP);
    CHECK(0, timer_irqs == 1 && timer_cleared == 1,
          "one timer interrupt, cleared by re-programming", timer_irqs);
    say("time: set_timer raises and clears the S-timer interrupt");
}

/* True if the `len` bytes at p contain `needle` (the device tree's strings are plain bytes). */
static int bytes_contain(const char *p, unsigned long len, const char *needle)
{
    unsigned long n = 0;
    while (needle[n]) {
        n++;
    }
    for (unsigned long i = 0; i + n <= len; i++) {
        unsigned long k = 0;
        while (k < n && p[i + k] == needle[k]) {
            k++;
        }
        if (k == n) {
            return 1;
        }
    }
    return 0;
}

/* Sstc is present exactly when the device tree says so (-cpu rv64,sstc=off removes it):
 * stimecmp is then readable from S-mode (the built-in SBI sets menvcfg.STCE and
 * mcounteren.TM), else it does not exist. test_timer then checks that set_timer works
 * either way. */
static void test_sstc(unsigned long dtb)
{
    const volatile unsigned char *hdr = (const volatile unsigned char *)dtb;
    unsigned long size = (unsigned long)hdr[4] << 24 | hdr[5] << 16 | hdr[6] << 8 | hdr[7];
    int listed = bytes_contain((const char *)dtb, size, "_sstc");
    probe_trapped = 0;
    probe_armed = 1;
    unsigned long v;
    __asm__ volatile("csrr %0, 0x14d" : "=r"(v) : : "memory");   /* stimecmp */
    probe_armed = 0;
    CHECK(0, probe_trapped == !listed, "stimecmp must exist iff riscv,isa lists _sstc",
          probe_trapped);
    say(listed ? "sstc: listed, stimecmp readable" : "sstc: not listed, stimecmp is illegal");
}

static unsigned long count_harts(void)
{
    unsigned long n = 0;
    while (n < 64 && hart_status(n) >= 0) {
        n++;
    }
    CHECK(0, hart_status(n) == SBI_ERR_INVALID_PARAM, "hart_get_status past the last hart",
          hart_status(n));
    return n;
}

static void test_hsm_start(void)
{
    CHECK(0, hart_status(0) == HSM_STARTED, "boot hart must be STARTED", hart_status(0));
    EXPECT_ERR(0, sbi_call(EXT_HSM, 0, n_all, (unsigned long)sbi_secondary_entry, 0, 0, 0),
               SBI_ERR_INVALID_PARAM, "hart_start of a hart that does not exist");
    EXPECT_ERR(0, sbi_call(EXT_HSM, 0, 0, (unsigned long)sbi_secondary_entry, 0, 0, 0),
               SBI_ERR_ALREADY_AVAILABLE, "hart_start of the running boot hart");
    for (unsigned long h = 1; h < n_harts; h++) {
        CHECK(0, hart_status(h) == HSM_STOPPED, "secondary must start STOPPED", hart_status(h));
        EXPECT_ERR(0, sbi_call(EXT_HSM, 0, h, 0x1000, 0, 0, 0), SBI_ERR_INVALID_ADDRESS,
                   "hart_start at an address outside RAM");
        expect_opaque[h] = START_OPAQUE | h;
        EXPECT_ERR(0, sbi_call(EXT_HSM, 0, h, (unsigned long)sbi_secondary_entry,
                               START_OPAQUE | h, 0, 0), SBI_SUCCESS, "hart_start");
        struct sbiret again = sbi_call(EXT_HSM, 0, h, (unsigned long)sbi_secondary_entry, 0,
                                       0, 0);
        CHECK(0, again.error == SBI_ERR_ALREADY_AVAILABLE ||
                 again.error == SBI_ERR_ALREADY_STARTED, "second hart_start", again.error);
        long st = hart_status(h);
        CHECK(0, st == HSM_START_PENDING || st == HSM_STARTED,
              "status after hart_start must be START_PENDING or STARTED", st);
    }
    for (unsigned long h = 1; h < n_harts; h++) {
        wait_status(0, h, HSM_STARTED, "secondary never reached STARTED");
        wait_at_least(0, &started[h], 1, "secondary never ran its entry");
    }
    say("hsm: secondaries started with their opaque values");
}

static void test_ipi(void)
{
    unsigned long before[MAX_HARTS];
    for (unsigned long h = 0; h < n_harts; h++) {
        before[h] = load_acq(&ipis[h]);
    }
    unsigned long all_secondaries = ((1UL << n_harts) - 1) & ~1UL;
    EXPECT_ERR(0, sbi_call(EXT_IPI, 0, all_secondaries, 0, 0, 0, 0), SBI_SUCCESS, "send_ipi");
    for (unsigned long h = 1; h < n_harts; h++) {
        wait_at_least(0, &ipis[h], before[h] + 1, "secondary did not get the IPI");
    }
    /* hart_mask_base = -1: every hart, the caller included. */
    csr_set(sie, SIP_SSIP);
    csr_set(sstatus, SSTATUS_SIE);
    EXPECT_ERR(0, sbi_call(EXT_IPI, 0, 0, ~0UL, 0, 0, 0), SBI_SUCCESS, "send_ipi to all");
    for (unsigned long h = 0; h < n_harts; h++) {
        wait_at_least(0, &ipis[h], before[h] + (h ? 2 : 1), "send_ipi(base -1) missed a hart");
    }
    csr_clear(sstatus, SSTATUS_SIE);
    csr_clear(sie, SIP_SSIP);
    /* A mask with base shifted onto harts that do not exist. */
    EXPECT_ERR(0, sbi_call(EXT_IPI, 0, 1, n_all, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "send_ipi to a hart past the last");
    EXPECT_ERR(0, sbi_call(EXT_IPI, 0, 3, n_all - 1, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "send_ipi whose mask runs past the last hart");
    EXPECT_ERR(0, sbi_call(EXT_IPI, 0, 0, 1000, 0, 0, 0), SBI_SUCCESS,
               "send_ipi with an empty mask");
    say("ipi: every target counted its software interrupt");
}

static void test_rfence(void)
{
    unsigned long all = n_harts >= 64 ? ~0UL : (1UL << n_harts) - 1;
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 0, all, 0, 0, 0, 0), SBI_SUCCESS, "remote_fence_i");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 0, 0, ~0UL, 0, 0, 0), SBI_SUCCESS,
               "remote_fence_i (base -1)");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 1, all, 0, 0, 0, 0), SBI_SUCCESS,
               "remote_sfence_vma (all)");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 1, all, 0, 0x10000, ~0UL, 0), SBI_SUCCESS,
               "remote_sfence_vma (size -1)");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 1, all, 0, 0x10000, 0x30000, 0), SBI_SUCCESS,
               "remote_sfence_vma (range)");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 2, all, 0, 0, 0, 5), SBI_SUCCESS,
               "remote_sfence_vma_asid (all)");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 2, all, 0, 0x10000, 4096, 5), SBI_SUCCESS,
               "remote_sfence_vma_asid (page)");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 0, 1, n_all, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "remote_fence_i to a hart past the last");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 1, 5, n_all - 2 + (n_all == 1), 0, 0, 0),
               SBI_ERR_INVALID_PARAM, "remote_sfence_vma whose mask runs past the last hart");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 2, 2, n_all - 1, 0, 0, 1), SBI_ERR_INVALID_PARAM,
               "remote_sfence_vma_asid to a hart past the last");
    EXPECT_ERR(0, sbi_call(EXT_RFENCE, 3, all, 0, 0, 0, 0), SBI_ERR_NOT_SUPPORTED,
               "hfence without the H extension");

    vm_build();
    vm_phase = 0;
    if (n_harts > 1) {
        unsigned long seq = post(1, CMD_PAGING);
        vm_remap_and_fence(1UL << 1);
        vm_check();
        wait_at_least(0, &done_seq[1], seq, "hart 1 did not finish the Sv39 test");
    } else {
        /* One hart: the reader's phases interleaved with the writer's on hart 0. */
        paging_on();
        CHECK(0, read_x() == VAL_A, "Sv39: X must read frame A first", read_x());
        pt_l0[X_L0_INDEX] = pte_to(frame_b, PTE_LEAF);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        vm_read_stale = read_x();
        EXPECT_ERR(0, sbi_call(EXT_RFENCE, 1, 1, 0, X_VA, 4096, 0), SBI_SUCCESS,
                   "remote_sfence_vma of the remapped page on the caller");
        vm_read_after_fence = read_x();
        paging_off();
        vm_phase = 5;
        vm_check();
    }
    say("rfence: checks ok");
}

static void test_hsm_stop_suspend(void)
{
    for (unsigned long h = 1; h < n_harts; h++) {
        post(h, CMD_STOP);
        wait_status(0, h, HSM_STOPPED, "hart_stop: status never became STOPPED");
        expect_opaque[h] = START_OPAQUE | 0x100 | h;
        EXPECT_ERR(0, sbi_call(EXT_HSM, 0, h, (unsigned long)sbi_secondary_entry,
                               START_OPAQUE | 0x100 | h, 0, 0), SBI_SUCCESS, "hart_start again");
        wait_at_least(0, &started[h], 2, "stopped hart did not restart");
        wait_status(0, h, HSM_STARTED, "restarted hart is not STARTED");
    }
    say("hsm: hart_stop and restart ok");

    for (unsigned long h = 1; h < n_harts; h++) {
        unsigned long seq = post(h, CMD_SUSPEND);
        wait_status(0, h, HSM_SUSPENDED, "retentive suspend: status never became SUSPENDED");
        EXPECT_ERR(0, sbi_call(EXT_IPI, 0, 1UL << h, 0, 0, 0, 0), SBI_SUCCESS, "wake-up IPI");
        wait_at_least(0, &resumed[h], 1, "retentive suspend did not return after the IPI");
        wait_at_least(0, &done_seq[h], seq, "retentive suspend: command not finished");
        CHECK(0, hart_status(h) == HSM_STARTED, "resumed hart must be STARTED", hart_status(h));

        seq = post(h, CMD_SUSPEND_NONRET);
        wait_status(0, h, HSM_SUSPENDED, "non-retentive suspend: never SUSPENDED");
        EXPECT_ERR(0, sbi_call(EXT_IPI, 0, 1UL << h, 0, 0, 0, 0), SBI_SUCCESS, "wake-up IPI");
        wait_at_least(0, &resumed[h], 2, "non-retentive suspend did not resume");
        wait_at_least(0, &done_seq[h], seq, "non-retentive resume: command not finished");
    }
    say("hsm: retentive and non-retentive suspend ok");
}

/* The boot hart itself: a retentive suspend that the S-timer ends (SIE = 0, STIE = 1). */
static void test_suspend_self(void)
{
    EXPECT_ERR(0, sbi_call(EXT_HSM, 3, 1, 0, 0, 0, 0), SBI_ERR_INVALID_PARAM,
               "hart_suspend with a reserved type");
    EXPECT_ERR(0, sbi_call(EXT_HSM, 3, 0x80000000UL, 0x1000, 0, 0, 0), SBI_ERR_INVALID_ADDRESS,
               "non-retentive hart_suspend resuming outside RAM");
    csr_set(sie, SIP_STIP);
    EXPECT_ERR(0, sbi_call(EXT_TIME, 0, rdtime() + 20000, 0, 0, 0, 0), SBI_SUCCESS,
               "set_timer(+2 ms)");
    EXPECT_ERR(0, sbi_call(EXT_HSM, 3, 0, 0, 0, 0, 0), SBI_SUCCESS,
               "retentive suspend ended by the timer");
    CHECK(0, csr_read(sip) & SIP_STIP, "the timer should have ended the suspend",
          csr_read(sip));
    EXPECT_ERR(0, sbi_call(EXT_TIME, 0, ~0UL, 0, 0, 0, 0), SBI_SUCCESS, "set_timer(-1)");
    csr_clear(sie, SIP_STIP);
    CHECK(0, hart_status(0) == HSM_STARTED, "boot hart STARTED after its suspend",
          hart_status(0));
    say("hsm: boot hart retentive suspend ok");
}

#define REBOOT_MARKER ((volatile unsigned long *)0x80100000UL)  /* below the image, in RAM */
#define REBOOT_MAGIC 0x7e600bb7e600bb00UL

static void __attribute__((noreturn)) reboot_test(void)
{
    n_all = count_harts();
    n_harts = n_all > MAX_HARTS ? MAX_HARTS : n_all;
    if (*REBOOT_MARKER != REBOOT_MAGIC) {
        *REBOOT_MARKER = REBOOT_MAGIC;
        test_hsm_start();
        say("srst: warm reboot with every hart started");
        sbi_call(EXT_SRST, 0, 2, 0, 0, 0, 0);
        fail(0, "SRST warm reboot returned", 0);
    }
    *REBOOT_MARKER = 0;
    CHECK(0, hart_status(0) == HSM_STARTED, "after reboot: boot hart STARTED", hart_status(0));
    for (unsigned long h = 1; h < n_harts; h++) {
        CHECK(0, hart_status(h) == HSM_STOPPED, "after reboot: secondaries STOPPED",
              hart_status(h));
    }
    test_hsm_start();         /* and they start again */
    say("srst: after the reboot HSM is in its boot state");
    say("PASS sbi_test");
    shutdown(0);
}

void sbi_boot_main(unsigned long hartid, unsigned long dtb)
{
#ifdef SBI_TEST_REBOOT
    (void)hartid;
    (void)dtb;
    reboot_test();
#elif defined(SBI_TEST_SYSTEM_FAILURE)
    (void)hartid;
    (void)dtb;
    say("srst: requesting shutdown with reason system failure");
    shutdown(1);
#else
    CHECK(0, hartid == 0, "boot hart a0 must be hart 0", hartid);
    CHECK(0, dtb >= 0x80000000UL && *(volatile uint32_t *)dtb == 0xedfe0dd0U,
          "a1 must point to a device tree (magic d00dfeed)", dtb);
    CHECK(0, csr_read(satp) == 0, "satp must be 0 at boot", csr_read(satp));
    CHECK(0, (csr_read(scounteren) & 7) == 7, "scounteren.CY/TM/IR must be 1 at boot",
          csr_read(scounteren));
    say("boot: a0 = hartid, a1 = device tree");
    test_base();
    test_console();
    test_srst_params();
    test_sstc(dtb);
    test_timer();
    n_all = count_harts();
    n_harts = n_all > MAX_HARTS ? MAX_HARTS : n_all;
    if (n_harts > 1) {
        test_hsm_start();
        test_ipi();
    }
    test_rfence();
    test_suspend_self();
    if (n_harts > 1) {
        test_hsm_stop_suspend();
    }
    say("PASS sbi_test");
    shutdown(0);
#endif
}
