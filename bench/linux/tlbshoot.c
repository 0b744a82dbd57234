/* tlbshoot: /init of the Linux benchmark initramfs (bench/linux/build-initramfs.sh).
 *
 * One process, one thread pinned to each online CPU. CPU 0's thread (main) changes the
 * address space while the others run in it, so every change needs a remote TLB shootdown:
 *   mprotect  toggles PROT_READ|PROT_WRITE / PROT_READ on a region the others keep reading;
 *   munmap    munmap + mmap MAP_FIXED of one page while the others touch their own pages;
 *   madvise   every thread touches its private region and drops it with MADV_DONTNEED
 *             (will-it-scale tlb_flush2_threads);
 *   stale     mremap a page holding a new value over a shared page that the others read;
 *             once mremap has returned no thread may read the old value;
 *   wprotect  main makes a shared page writable, the others write it (so each caches a
 *             writable translation), main mprotects it read-only, and each other thread's
 *             next write must fault: a write that goes through is counted (a kernel whose
 *             mprotect skips the remote flush fails here, see build-bug-kernels.sh).
 * Each reports microseconds per operation. Then the guest is powered off (when we are pid 1;
 * run from tlbsh it just exits).
 *
 * Kernel command line: tlbshoot_iters=N (default 200) sets the iterations of each loop;
 * tlbshoot_tests=LIST (comma-separated of mprotect, munmap, madvise, stale, wprotect; default all) runs
 * only those, e.g. to profile one loop alone.
 * Build: riscv64-linux-gnu-gcc -O2 -static -pthread -o init tlbshoot.c */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096UL
#define SHARED_PAGES 4   /* region of the mprotect test */
#define MADV_PAGES 8     /* private region of each thread in the madvise test */
#define MAX_THREADS 64

enum phase { PH_IDLE, PH_MPROTECT, PH_MUNMAP, PH_MADVISE, PH_STALE, PH_WPROTECT, PH_EXIT };

static _Atomic int phase = PH_IDLE;
static _Atomic int ready;           /* workers that have pinned themselves */
static _Atomic int parked;          /* workers that saw the current phase end */
static _Atomic uint64_t published;  /* stale test: value that X must hold at least */
static _Atomic uint64_t stale_reads;
static _Atomic uint64_t checked_reads;
static _Atomic uint64_t madv_ops[MAX_THREADS];
static _Atomic uint64_t wp_round;   /* wprotect: odd = write to cache, even = write must fault */
static _Atomic int wp_acks;         /* workers done with the current round */
static _Atomic uint64_t stale_writes;
static _Thread_local sigjmp_buf fault_jmp;
static _Thread_local volatile sig_atomic_t expect_fault;

static volatile unsigned char *shared;  /* mprotect test region */
static volatile uint64_t *stale_page;   /* stale test page X */
static unsigned long iters = 200;
static int nthreads;
static const char *selected_tests;  /* tlbshoot_tests, NULL = all */
static int cpu_of[MAX_THREADS];     /* thread i runs on CPU cpu_of[i] (online CPUs may have gaps) */

static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void die(const char *what)
{
    printf("tlbshoot: FAIL: %s: %s\n", what, strerror(errno));
    fflush(stdout);
    if (getpid() == 1)
        reboot(RB_POWER_OFF);
    exit(1);
}

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)ctx;
    if (expect_fault) {
        expect_fault = 0;
        siglongjmp(fault_jmp, 1);
    }
    char buf[128];
    int n = snprintf(buf, sizeof buf, "tlbshoot: FAIL: signal %d at address %p (phase %d)\n",
                     sig, si->si_addr, atomic_load(&phase));
    write(1, buf, n);
    if (getpid() == 1)
        reboot(RB_POWER_OFF);
    _exit(1);
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        die("sched_setaffinity");
}

/* One tlb_flush2 iteration: fault in every page of the region, then drop them all. */
static void madvise_once(unsigned char *mine)
{
    for (unsigned long i = 0; i < MADV_PAGES; i++)
        mine[i * PAGE] = 'a';
    if (madvise(mine, MADV_PAGES * PAGE, MADV_DONTNEED) != 0)
        die("madvise");
}

static void *worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    pin(cpu_of[id]);
    unsigned char *mine = mmap(NULL, MADV_PAGES * PAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mine == MAP_FAILED)
        die("mmap worker region");
    atomic_fetch_add_explicit(&ready, 1, memory_order_release);

    int last = PH_IDLE;
    unsigned sink = 0;
    uint64_t my_round = 0;
    for (;;) {
        int ph = atomic_load_explicit(&phase, memory_order_acquire);
        if (ph != last) {
            atomic_fetch_add_explicit(&parked, 1, memory_order_release);
            last = ph;
        }
        switch (ph) {
        case PH_MPROTECT:
            for (unsigned long i = 0; i < SHARED_PAGES; i++)
                sink += shared[i * PAGE];
            break;
        case PH_MADVISE:
            madvise_once(mine);
            atomic_fetch_add_explicit(&madv_ops[id], 1, memory_order_relaxed);
            break;
        case PH_STALE: {
            /* Pairs with main's release store after mremap returned. */
            uint64_t want = atomic_load_explicit(&published, memory_order_acquire);
            uint64_t got = *stale_page;
            if (got < want)
                atomic_fetch_add_explicit(&stale_reads, 1, memory_order_relaxed);
            atomic_fetch_add_explicit(&checked_reads, 1, memory_order_relaxed);
            break;
        }
        case PH_WPROTECT: {
            uint64_t r = atomic_load_explicit(&wp_round, memory_order_acquire);
            if (r == my_round)
                break;
            volatile unsigned char *slot = &shared[8 * id];
            if (r & 1) {
                *slot = 1;                  /* caches a writable translation */
            } else if (sigsetjmp(fault_jmp, 1) == 0) {
                expect_fault = 1;
                *slot = 2;                  /* read-only now: must fault */
                expect_fault = 0;
                atomic_fetch_add_explicit(&stale_writes, 1, memory_order_relaxed);
            }
            my_round = r;
            atomic_fetch_add_explicit(&wp_acks, 1, memory_order_release);
            break;
        }
        case PH_EXIT:
            return (void *)(uintptr_t)sink;
        default: /* idle, munmap: stay in the address space, touch a private page */
            mine[0]++;
            break;
        }
    }
}

/* Switch the workers to phase ph and wait until each has seen it. */
static void enter_phase(int ph)
{
    atomic_store_explicit(&parked, 0, memory_order_relaxed);
    atomic_store_explicit(&phase, ph, memory_order_release);
    while (atomic_load_explicit(&parked, memory_order_acquire) < nthreads - 1)
        sched_yield();
}

static int test_selected(const char *name)
{
    if (selected_tests == NULL)
        return 1;
    size_t len = strlen(name);
    for (const char *p = selected_tests; *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, name, len) == 0)
            return 1;
        p += n + (end != NULL);
    }
    return 0;
}

static void report(const char *name, unsigned long ops, double us)
{
    printf("tlbshoot: %-9s %2d cpus %6lu ops %10.1f us/op\n", name, nthreads, ops, us / ops);
    fflush(stdout);
}

static void test_mprotect(void)
{
    enter_phase(PH_MPROTECT);
    double t0 = now_us();
    for (unsigned long i = 0; i < iters; i++) {
        if (mprotect((void *)shared, SHARED_PAGES * PAGE, PROT_READ | PROT_WRITE) != 0)
            die("mprotect rw");
        shared[0] = (unsigned char)i;
        if (mprotect((void *)shared, SHARED_PAGES * PAGE, PROT_READ) != 0)
            die("mprotect r");
    }
    report("mprotect", 2 * iters, now_us() - t0);
}

static void test_munmap(void)
{
    enter_phase(PH_MUNMAP);
    unsigned char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        die("mmap");
    double t0 = now_us();
    for (unsigned long i = 0; i < iters; i++) {
        p[0] = 1; /* fault it in so that munmap has a translation to shoot down */
        if (munmap(p, PAGE) != 0)
            die("munmap");
        if (mmap(p, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != p)
            die("mmap fixed");
    }
    report("munmap", iters, now_us() - t0);
    munmap(p, PAGE);
}

static void test_madvise(void)
{
    unsigned char *mine = mmap(NULL, MADV_PAGES * PAGE, PROT_READ | PROT_WRITE,
                               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mine == MAP_FAILED)
        die("mmap madvise region");
    for (int i = 0; i < MAX_THREADS; i++)
        atomic_store_explicit(&madv_ops[i], 0, memory_order_relaxed);
    enter_phase(PH_MADVISE);
    double t0 = now_us();
    for (unsigned long i = 0; i < iters; i++)
        madvise_once(mine);
    double us = now_us() - t0;
    enter_phase(PH_IDLE);
    uint64_t others = 0;
    for (int i = 1; i < nthreads; i++)
        others += atomic_load_explicit(&madv_ops[i], memory_order_relaxed);
    report("madvise", iters, us);
    printf("tlbshoot: madvise   all threads %.0f ops/s\n", (iters + others) / (us / 1e6));
    munmap(mine, MADV_PAGES * PAGE);
}

static int test_stale(void)
{
    *stale_page = 0;
    atomic_store_explicit(&published, 0, memory_order_relaxed);
    atomic_store_explicit(&stale_reads, 0, memory_order_relaxed);
    atomic_store_explicit(&checked_reads, 0, memory_order_relaxed);
    enter_phase(PH_STALE);
    double t0 = now_us();
    for (unsigned long v = 1; v <= iters; v++) {
        uint64_t *fresh = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (fresh == MAP_FAILED)
            die("mmap fresh");
        *fresh = v;
        if (mremap(fresh, PAGE, PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)stale_page) !=
            (void *)stale_page)
            die("mremap");
        /* Pairs with the workers' acquire load of published. */
        atomic_store_explicit(&published, v, memory_order_release);
        /* Give the readers a chance to read the new page before the next remap. */
        for (int spin = 0; spin < 1000; spin++)
            __asm__ volatile("" ::: "memory");
    }
    double us = now_us() - t0;
    enter_phase(PH_IDLE);
    report("mremap", iters, us);
    uint64_t stale = atomic_load(&stale_reads);
    printf("tlbshoot: stale     %llu stale reads of %llu checked\n",
           (unsigned long long)stale, (unsigned long long)atomic_load(&checked_reads));
    return stale == 0;
}

/* wprotect: start round r and wait until every worker has done it. */
static void wp_round_go(uint64_t r)
{
    atomic_store_explicit(&wp_acks, 0, memory_order_relaxed);
    atomic_store_explicit(&wp_round, r, memory_order_release);
    while (atomic_load_explicit(&wp_acks, memory_order_acquire) < nthreads - 1)
        sched_yield();
}

static int test_wprotect(void)
{
    atomic_store_explicit(&stale_writes, 0, memory_order_relaxed);
    atomic_store_explicit(&wp_round, 0, memory_order_relaxed);
    enter_phase(PH_WPROTECT);
    double t0 = now_us();
    for (unsigned long i = 0; i < iters; i++) {
        if (mprotect((void *)shared, SHARED_PAGES * PAGE, PROT_READ | PROT_WRITE) != 0)
            die("mprotect rw");
        wp_round_go(2 * i + 1);
        if (mprotect((void *)shared, SHARED_PAGES * PAGE, PROT_READ) != 0)
            die("mprotect r");
        wp_round_go(2 * i + 2);
    }
    double us = now_us() - t0;
    enter_phase(PH_IDLE);
    report("wprotect", 2 * iters, us);
    uint64_t stale = atomic_load(&stale_writes);
    printf("tlbshoot: wprotect  %llu writes through a revoked write permission\n",
           (unsigned long long)stale);
    return stale == 0;
}

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    int pid1 = getpid() == 1;
    if (pid1) {
        mkdir("/proc", 0555);
        mount("proc", "/proc", "proc", 0, NULL);
    }
    struct timespec boot;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    printf("tlbshoot: init started %.3f s after boot\n", boot.tv_sec + boot.tv_nsec / 1e9);

    const char *it = getenv("tlbshoot_iters");
    if (it != NULL && strtoul(it, NULL, 0) > 0)
        iters = strtoul(it, NULL, 0);
    selected_tests = getenv("tlbshoot_tests");
    static const char *const known[] = {"mprotect", "munmap", "madvise", "stale", "wprotect"};
    for (const char *p = selected_tests; p != NULL && *p != '\0';) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        int ok = 0;
        for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
            ok |= strlen(known[k]) == n && strncmp(p, known[k], n) == 0;
        if (!ok) {
            printf("tlbshoot: FAIL: tlbshoot_tests: unknown test '%.*s'\n", (int)n, p);
            fflush(stdout);
            if (pid1)
                reboot(RB_POWER_OFF);
            return 1;
        }
        p += n + (end != NULL);
    }

    cpu_set_t online;
    if (sched_getaffinity(0, sizeof online, &online) != 0)
        die("sched_getaffinity");
    for (int cpu = 0; cpu < CPU_SETSIZE && nthreads < MAX_THREADS; cpu++)
        if (CPU_ISSET(cpu, &online))
            cpu_of[nthreads++] = cpu;
    printf("tlbshoot: %d cpus online, %lu iterations per test\n", nthreads, iters);
    fflush(stdout);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);

    shared = mmap(NULL, SHARED_PAGES * PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    stale_page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED || stale_page == MAP_FAILED)
        die("mmap");

    pin(cpu_of[0]);
    pthread_t tid[MAX_THREADS];
    for (int i = 1; i < nthreads; i++)
        if ((errno = pthread_create(&tid[i], NULL, worker, (void *)(intptr_t)i)) != 0)
            die("pthread_create");
    while (atomic_load_explicit(&ready, memory_order_acquire) < nthreads - 1)
        sched_yield();

    if (test_selected("mprotect"))
        test_mprotect();
    if (test_selected("munmap"))
        test_munmap();
    if (test_selected("madvise"))
        test_madvise();
    int ok = test_selected("stale") ? test_stale() : 1;
    if (test_selected("wprotect") && !test_wprotect())
        ok = 0;

    atomic_store_explicit(&phase, PH_EXIT, memory_order_release);
    for (int i = 1; i < nthreads; i++)
        pthread_join(tid[i], NULL);
    clock_gettime(CLOCK_BOOTTIME, &boot);
    printf("tlbshoot: %s (%.3f s after boot)\n", ok ? "PASS" : "FAIL",
           boot.tv_sec + boot.tv_nsec / 1e9);
    fflush(stdout);
    if (pid1) {
        reboot(RB_POWER_OFF);
        die("reboot");
    }
    return ok ? 0 : 1;
}
