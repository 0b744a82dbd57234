/* See stress_machine.h. Builds the machine the way hw/main.c does (cmdline_parse, virt_create,
 * virt_load, translation cache, virtual timer, exclusive-section set, vcpu_group_start), minus
 * the console: the stress guest never prints. */
#include "tests/stress/stress_machine.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accel/interp.h"
#include "accel/tb.h"
#include "cpu/cpu.h"
#include "hw/vcpu_group.h"
#include "hw/vtimer.h"
#include "sync/exclusive.h"
#include "util/clock.h"

_Static_assert(offsetof(struct stress_hart, seen) == STRESS_HART_SEEN_OFFSET,
               "struct stress_hart layout differs from the guest's");
_Static_assert(sizeof(struct stress_hart) <= 0x1000, "a status record fits its page");
_Static_assert(STRESS_HART_PA + STRESS_MAX_HARTS * 0x1000 <= STRESS_PT_PA, "layout overlap");

#define RISCV_RET 0x00008067u    /* jalr x0, 0(ra) */

int64_t stress_now_ns(void)
{
    return clock_monotonic_ns();
}

/* The host's half of guest memory sharing: single-copy atomic accesses, uninstrumented. */
__attribute__((no_sanitize_thread)) uint64_t gram_load64(StressMachine *sm, uint64_t pa)
{
    return __atomic_load_n((uint64_t *)(sm->m.as.ram + (pa - sm->m.as.ram_base)), __ATOMIC_ACQUIRE);
}

__attribute__((no_sanitize_thread)) void gram_store64(StressMachine *sm, uint64_t pa,
                                                      uint64_t v)
{
    __atomic_store_n((uint64_t *)(sm->m.as.ram + (pa - sm->m.as.ram_base)), v, __ATOMIC_RELEASE);
}

__attribute__((no_sanitize_thread)) void gram_store32(StressMachine *sm, uint64_t pa,
                                                      uint32_t v)
{
    __atomic_store_n((uint32_t *)(sm->m.as.ram + (pa - sm->m.as.ram_base)), v, __ATOMIC_RELEASE);
}

uint64_t stress_leaf_pte(unsigned frame)
{
    return (stress_frame_pa(frame) >> 12) << STRESS_PTE_PPN_SHIFT | STRESS_PTE_V |
           STRESS_PTE_R | STRESS_PTE_A;
}

uint32_t stress_code_lui(uint32_t gen)
{
    return (gen & 0xfffffu) << 12 | 10u << 7 | 0x37u;
}

uint32_t stress_code_jump(uint32_t off)
{
    return (off >> 1 & 0x3ffu) << 21 | 0x6fu;     /* imm[10:1] in bits 30:21, rd = x0 */
}

int stress_machine_create(StressMachine *sm, const char *guest, unsigned smp,
                          enum tlb_flush_mode mode, Error **errp)
{
    static char smp_arg[16];
    static char guest_arg[4096];
    memset(sm, 0, sizeof(*sm));
    if (smp == 0 || smp > STRESS_MAX_HARTS) {
        error_setg(errp, "-smp %u: the stress layout has room for 1..%u harts", smp,
                   STRESS_MAX_HARTS);
        return -1;
    }
    snprintf(smp_arg, sizeof(smp_arg), "%u", smp);
    snprintf(guest_arg, sizeof(guest_arg), "%s", guest);
    char *argv[] = { "tlbstorm", "-M", "virt", "-smp", smp_arg, "-m", "64M",
                     "-bios", "none", "-kernel", guest_arg, NULL };
    if (cmdline_parse(11, argv, &sm->cfg, NULL, stderr) != CMDLINE_RUN) {
        error_setg(errp, "command line refused (see above)");
        return -1;
    }
    tlb_flush_set_mode(mode);
    if (virt_create(&sm->m, &sm->cfg, errp) != 0 ||
        virt_load(&sm->m, &sm->boot, errp) != 0) {
        return -1;
    }
    for (unsigned i = 0; i < sm->m.n_cpus; i++) {
        tlb_set_qemu_policy(&sm->m.cpus[i]->tlb, mode == TLB_FLUSH_MODE_QEMU);
    }
    interp_init();
    if (tb_cache_init(&sm->m.as) != 0) {
        error_setg(errp, "out of memory (translation cache)");
        return -1;
    }
    sm->tb_ready = true;
    /* Before the timer thread starts: it reads the time base. */
    sm->m.time_base_ns = clock_monotonic_ns();
    if (vtimer_start(&sm->m) != 0) {
        error_setg(errp, "cannot start the virtual timer");
        return -1;
    }
    sm->vtimer_ready = true;
    riscv_cpu_list_set(sm->m.cpus, sm->m.n_cpus);
    return 0;
}

void stress_layout_write(StressMachine *sm, unsigned n_pages, const uint64_t *roles,
                         const uint64_t *readers, const unsigned *frames,
                         const uint64_t *init_values, uint64_t timer_period)
{
    /* Identity-mapped global 1 GiB page over RAM (RWX, A/D preset so the walker never has to
     * update it), and root[1] -> L1[0] -> L0 for the test pages. */
    uint64_t leaf_1g = (sm->m.as.ram_base >> 12) << STRESS_PTE_PPN_SHIFT | STRESS_PTE_V |
                       STRESS_PTE_R | STRESS_PTE_W | STRESS_PTE_X | STRESS_PTE_G |
                       STRESS_PTE_A | STRESS_PTE_D;
    gram_store64(sm, STRESS_PT_ROOT + 8 * (sm->m.as.ram_base >> 30), leaf_1g);
    gram_store64(sm, STRESS_PT_ROOT + 8 * (STRESS_VA >> 30),
                 (STRESS_PT_L1 >> 12) << STRESS_PTE_PPN_SHIFT | STRESS_PTE_V);
    gram_store64(sm, STRESS_PT_L1, (STRESS_PT_L0 >> 12) << STRESS_PTE_PPN_SHIFT | STRESS_PTE_V);
    for (unsigned i = 0; i < n_pages; i++) {
        gram_store64(sm, stress_frame_pa(frames[i]), init_values[i]);
        gram_store64(sm, STRESS_PTE_PA(i), stress_leaf_pte(frames[i]));
        gram_store64(sm, STRESS_CTRL_PA + offsetof(struct stress_ctrl, readers) + 8 * i,
                     readers[i]);
    }
    for (unsigned h = 0; h < sm->m.n_cpus; h++) {
        uint64_t code = STRESS_CODE_PA + h * 0x1000ULL;
        gram_store32(sm, code + STRESS_CODE_SLOT0, stress_code_lui(0));
        gram_store32(sm, code + STRESS_CODE_SLOT0 + 4, RISCV_RET);
        gram_store32(sm, code + STRESS_CODE_SLOT1, stress_code_lui(0));
        gram_store32(sm, code + STRESS_CODE_SLOT1 + 4, RISCV_RET);
        gram_store32(sm, code, stress_code_jump(STRESS_CODE_SLOT0));
        gram_store64(sm, STRESS_CTRL_PA + offsetof(struct stress_ctrl, role) + 8 * h, roles[h]);
    }
    gram_store64(sm, STRESS_CTRL_PA + offsetof(struct stress_ctrl, n_harts), sm->m.n_cpus);
    gram_store64(sm, STRESS_CTRL_PA + offsetof(struct stress_ctrl, n_pages), n_pages);
    gram_store64(sm, STRESS_CTRL_PA + offsetof(struct stress_ctrl, timer_period), timer_period);
    gram_store64(sm, STRESS_CTRL_PA + offsetof(struct stress_ctrl, magic), STRESS_MAGIC);
}

int stress_machine_start(StressMachine *sm)
{
    return vcpu_group_start(&sm->m, sm->boot.entry, sm->boot.dtb_addr, sm->threads,
                            &sm->started);
}

void stress_machine_destroy(StressMachine *sm)
{
    machine_request(&sm->m, MACHINE_POWEROFF, 0);
    vcpu_group_join(sm->threads, sm->started);
    sm->started = 0;
    if (sm->vtimer_ready) {
        vtimer_stop(&sm->m);
    }
    if (sm->tb_ready) {
        tb_cache_destroy();
    }
    virt_destroy(&sm->m);
}

bool stress_parse_mode(const char *name, enum tlb_flush_mode *mode)
{
    if (!strcmp(name, "mailbox")) {
        *mode = TLB_FLUSH_MODE_MAILBOX;
    } else if (!strcmp(name, "qemu")) {
        *mode = TLB_FLUSH_MODE_QEMU;
    } else {
        return false;
    }
    return true;
}
