/* libFuzzer target: decoder + translator + both execution backends (threaded interpreter,
 * x86-64 JIT) + MMU + traps on arbitrary guest code and state. The input's first HEADER
 * bytes choose the starting state (privilege, mstatus, trap delegation, vectors, satp mode
 * and root, PMP, interrupt enables); the rest is guest RAM from 0x80000000, so it is code,
 * data and page tables at once. One hart then runs at most MAX_TBS translation blocks, one
 * per call (a pending exit request makes every chained or indirect jump return), with
 * interrupts and WFI handled as the cpu_exec loop does: first all in the interpreter, then
 * again from the same state with compiled TBs (jit_exec, the interpreter finishing TBs the
 * JIT stops in). Whatever the input: no crash, no hang, no emulator assertion; a misbehaving
 * guest only ever gets a guest exception. And the two runs must end in the same registers,
 * CSRs, instret and RAM (abort otherwise), unless the code can observe the host clock (a
 * `time` read, Sstc). RAM is 1 MiB plus a read-only page at 0x1000 and nothing elsewhere,
 * so accesses to ROM and to unmapped space are exercised too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "accel/interp.h"
#include "accel/jit.h"
#include "accel/tb.h"
#include "cpu/cpu.h"
#include "hw/machine.h"
#include "mm/memmap.h"
#include "mm/tlb.h"
#include "mm/tlb_flush.h"
#include "sync/exclusive.h"
#include "util/clock.h"

#define RAM_BASE 0x80000000ULL
#define RAM_SIZE (1ULL << 20)
#define ROM_BASE 0x1000ULL
#define ROM_SIZE 0x1000ULL
#define HEADER 48
#define MAX_TBS 2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static Machine m;
static RISCVCPU *cpu;
static uint8_t rom[ROM_SIZE] __attribute__((aligned(4096)));

static void setup(void)
{
    urcu_memb_register_thread();
    m.as.ram = calloc(1, RAM_SIZE);
    m.as.ram_base = RAM_BASE;
    m.as.ram_size = RAM_SIZE;
    m.time_base_ns = clock_monotonic_ns();
    for (unsigned i = 0; i < ROM_SIZE; i++) {
        rom[i] = (uint8_t)(i * 13 + 1);
    }
    const MemRegion regions[] = {
        { .name = "ram", .base = RAM_BASE, .size = RAM_SIZE, .host = m.as.ram },
        { .name = "rom", .base = ROM_BASE, .size = ROM_SIZE, .host = rom, .readonly = true },
    };
    m.as.memmap = memmap_new(regions, 2);
    cpu = calloc(1, sizeof(*cpu));
    if (!m.as.ram || !m.as.memmap || !cpu || tb_cache_init(&m.as) != 0 ||
        machine_cpu_init(&m, cpu, 0) != 0) {
        abort();
    }
    cpu->ram_host = m.as.ram;
    cpu->code_pages = m.as.code_pages;
    if (tb_tlb_init(cpu) != 0) {
        abort();
    }
    m.cpus = &cpu;
    m.n_cpus = 1;
    riscv_cpu_list_set(m.cpus, 1);
    interp_init();
    if (jit_init(true) != 0) {
        abort();
    }
    cpu_exec_start(CPU(cpu));
}

static uint64_t get64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void csr_write(unsigned csrno, uint64_t v)
{
    uint64_t old;
    (void)riscv_csr_rmw(cpu, csrno, &old, false, true, v, ~0ULL, cpu_instret(cpu));
}

/* Header: [0] privilege and satp mode, [1..7] spare, [8] mstatus, [16] medeleg|mideleg<<32,
 * [24] mtvec/stvec offsets, [32] root page and ASID, [40] mie. */
static void set_state(const uint8_t *h)
{
    riscv_cpu_reset(cpu, RAM_BASE, 0);
    tlb_flush_by_mmuidx_local(&cpu->tlb, (1u << TLB_NB_MMU_MODES) - 1);
    tb_jmp_cache_clear(cpu);
    /* PMP entry 0: NAPOT over everything, RWX, so S and U can reach memory at all. */
    csr_write(0x3b0, ~0ULL >> 10);
    csr_write(0x3a0, 0x1f);
    csr_write(0x300, get64(h + 8));
    uint64_t deleg = get64(h + 16);
    csr_write(0x302, deleg & 0xffffffff);
    csr_write(0x303, deleg >> 32);
    uint64_t vec = get64(h + 24);
    csr_write(0x305, RAM_BASE + (vec & 0xffff));
    csr_write(0x105, RAM_BASE + ((vec >> 16) & 0xffff));
    static const uint64_t modes[4] = { 0, 8, 9, 10 };
    uint64_t root = get64(h + 32);
    uint64_t satp = modes[(h[0] >> 2) & 3] << 60 | ((root >> 8) & 0xffff) << 44 |
                    ((RAM_BASE >> 12) + (root & 0xff));
    csr_write(0x180, satp);
    csr_write(0x304, get64(h + 40));
    /* Enter the chosen privilege the way software does: through mret. */
    uint64_t mstatus;
    (void)riscv_csr_rmw(cpu, 0x300, &mstatus, true, false, 0, 0, cpu_instret(cpu));
    unsigned priv = h[0] & 3;
    mstatus = (mstatus & ~(3ULL << 11)) | (uint64_t)(priv == 2 ? 3 : priv) << 11;
    csr_write(0x300, mstatus);
    csr_write(0x341, RAM_BASE);
    riscv_cpu_mret(cpu);
}

/* Whether the guest code may read the host clock or let it raise timer interrupts: some
 * 32-bit word is a SYSTEM instruction naming time, timeh, stimecmp or menvcfg (Sstc). Then
 * the two runs may legitimately differ. */
static bool may_observe_clock(const uint8_t *ram, size_t n)
{
    for (size_t off = 0; off + 4 <= n; off += 2) {
        uint32_t w;
        memcpy(&w, ram + off, 4);
        unsigned csr = w >> 20;
        if ((w & 0x7f) == 0x73 &&
            (csr == 0xc01 || csr == 0xc81 || csr == 0x14d || csr == 0x30a)) {
            return true;
        }
    }
    return false;
}

/* What a run leaves behind, compared between the backends. */
typedef struct Outcome {
    uint64_t x[32], f[32], pc, instret, load_res;
    uint64_t mstatus, mepc, sepc, mcause, scause, mtval, stval, satp;
    uint32_t fflags;
    uint8_t priv;
} Outcome;

static void outcome_of(Outcome *o)
{
    memset(o, 0, sizeof(*o));
    memcpy(o->x, cpu->x, sizeof(o->x));
    memcpy(o->f, cpu->f, sizeof(o->f));
    o->pc = cpu->pc;
    o->instret = cpu_instret(cpu);
    o->load_res = cpu->load_res;
    o->mstatus = cpu->mstatus;
    o->mepc = cpu->mepc;
    o->sepc = cpu->sepc;
    o->mcause = cpu->mcause;
    o->scause = cpu->scause;
    o->mtval = cpu->mtval;
    o->stval = cpu->stval;
    o->satp = cpu->satp;
    o->fflags = cpu->fflags;
    o->priv = cpu->priv;
}

/* On stderr, for the crash report: what differs between the interpreter's run (a) and the
 * JIT's (b). */
static void report_difference(const Outcome *a, const Outcome *b, const uint8_t *ram_a)
{
    const uint64_t *wa = (const uint64_t *)(const void *)a, *wb = (const uint64_t *)(const void *)b;
    for (size_t i = 0; i < sizeof(*a) / 8; i++) {
        if (wa[i] != wb[i]) {
            fprintf(stderr, "interp/jit differ: outcome word %zu (x%zu if < 32, f if < 64, then "
                    "pc, instret, load_res, mstatus, mepc, sepc, mcause, scause, mtval, "
                    "stval, satp): 0x%llx vs 0x%llx\n", i, i, (unsigned long long)wa[i],
                    (unsigned long long)wb[i]);
        }
    }
    for (size_t off = 0; off < RAM_SIZE; off++) {
        if (ram_a[off] != m.as.ram[off]) {
            fprintf(stderr, "interp/jit differ: RAM 0x%llx: 0x%02x vs 0x%02x\n",
                    (unsigned long long)(RAM_BASE + off), ram_a[off], m.as.ram[off]);
            break;
        }
    }
}

/* One TB per call, as the cpu_exec loop would with a kick pending at every TB entry. */
static enum cpu_exit_reason run_one_tb(TranslationBlock *tb, bool use_jit)
{
    if (!use_jit || !tb->jit_code) {
        return interp_exec(cpu, tb, 0, true);
    }
    enum cpu_exit_reason r = jit_exec(cpu, tb, true);
    if (r == EXIT_INTERP) {
        r = interp_exec(cpu, cpu->resume_tb, cpu->resume_op, true);
    }
    return r;
}

static void run(const uint8_t *data, size_t size, bool use_jit)
{
    /* Fresh RAM; every page may hold TBs of the previous run. */
    memset(m.as.ram, 0, RAM_SIZE);
    size_t n = size - HEADER < RAM_SIZE ? size - HEADER : RAM_SIZE;
    memcpy(m.as.ram, data + HEADER, n);
    for (uint64_t p = 0; p < RAM_SIZE; p += 4096) {
        tb_invalidate_phys_page(RAM_BASE + p);
    }
    set_state(data);
    for (unsigned i = 0; i < MAX_TBS; i++) {
        int irq = riscv_cpu_pending_interrupt(cpu);
        if (irq >= 0) {
            riscv_cpu_take_interrupt(cpu, irq);
        }
        /* A NULL lookup is a fetch fault (pc is the handler now), or a whole-cache flush
         * when the arena or the JIT's code buffer filled up: then look up again, so that
         * both runs count the same TBs. */
        TranslationBlock *tb;
        uint64_t flushes;
        do {
            flushes = atomic_load(&tb_stats.flushes);
            tb = tb_lookup(cpu);
        } while (!tb && atomic_load(&tb_stats.flushes) != flushes);
        if (!tb) {
            continue;
        }
        atomic_store(&cpu->cs.icount_decr, -1); /* one TB per call: chains and jalr return */
        enum cpu_exit_reason r = run_one_tb(tb, use_jit);
        atomic_store(&cpu->cs.icount_decr, 0);
        cpu->last_tb = NULL;
        if (r == EXIT_HALT && riscv_cpu_pending_interrupt(cpu) < 0) {
            break;                          /* WFI with nothing to wake it */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t ram_after_interp[RAM_SIZE];
    if (!cpu) {
        setup();
    }
    if (size < HEADER) {
        return 0;
    }
    run(data, size, false);
    Outcome interp, jit;
    outcome_of(&interp);
    memcpy(ram_after_interp, m.as.ram, RAM_SIZE);
    run(data, size, true);
    outcome_of(&jit);
    size_t n = size - HEADER < RAM_SIZE ? size - HEADER : RAM_SIZE;
    if (!may_observe_clock(data + HEADER, n) && !may_observe_clock(ram_after_interp, RAM_SIZE) &&
        (memcmp(&interp, &jit, sizeof(interp)) != 0 ||
         memcmp(ram_after_interp, m.as.ram, RAM_SIZE) != 0)) {
        report_difference(&interp, &jit, ram_after_interp);
        abort();                            /* the backends disagree */
    }
    return 0;
}
