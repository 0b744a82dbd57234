/* The generated device tree: structure a kernel relies on, for the -smp/-m/-append/-initrd
 * values given. */
#include <criterion/criterion.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/machine.h"
#include "hw/remap_test_regs.h"
#include "hw/virt_fdt.h"

static void *build(const struct virt_fdt_params *p)
{
    void *fdt = NULL;
    size_t size = 0;
    Error *err = NULL;
    cr_assert_eq(virt_fdt_build(p, &fdt, &size, &err), 0, "%s", err ? error_get_pretty(err) : "");
    cr_assert_eq(fdt_check_header(fdt), 0);
    cr_assert_eq(size, fdt_totalsize(fdt));
    return fdt;
}

static uint64_t read_cells(const fdt32_t *c, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++) {
        v = (v << 32) | fdt32_to_cpu(c[i]);
    }
    return v;
}

static int count_cpus(const void *fdt)
{
    int cpus = fdt_path_offset(fdt, "/cpus");
    cr_assert_geq(cpus, 0);
    int n = 0, node;
    fdt_for_each_subnode(node, fdt, cpus) {
        const char *type = fdt_getprop(fdt, node, "device_type", NULL);
        if (type && strcmp(type, "cpu") == 0) {
            n++;
        }
    }
    return n;
}

Test(virt_fdt, one_cpu_node_per_hart_with_its_interrupt_controller)
{
    for (unsigned harts = 1; harts <= 64; harts *= 4) {
        struct virt_fdt_params p = { .n_harts = harts, .ram_base = VIRT_RAM_BASE,
                                     .ram_size = 256 << 20, .sstc = true,
                                     .satp_mode_max = 10 };
        void *fdt = build(&p);
        cr_assert_eq(count_cpus(fdt), (int)harts);
        for (unsigned h = 0; h < harts; h++) {
            char path[64];
            snprintf(path, sizeof(path), "/cpus/cpu@%x", h);
            int cpu = fdt_path_offset(fdt, path);
            cr_assert_geq(cpu, 0, "%s", path);
            int len;
            const fdt32_t *reg = fdt_getprop(fdt, cpu, "reg", &len);
            cr_assert_eq(len, 4);
            cr_assert_eq(fdt32_to_cpu(*reg), h);
            cr_assert_str_eq(fdt_getprop(fdt, cpu, "mmu-type", NULL), "riscv,sv57");
            cr_assert_str_eq(fdt_getprop(fdt, cpu, "riscv,isa", NULL),
                             "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc");
            int intc = fdt_subnode_offset(fdt, cpu, "interrupt-controller");
            cr_assert_geq(intc, 0);
            cr_assert_eq(fdt_node_check_compatible(fdt, intc, "riscv,cpu-intc"), 0);
        }
        free(fdt);
    }
}

/* True if the string list `list` (len bytes) holds `s`. */
static bool list_has(const char *list, int len, const char *s)
{
    for (int i = 0; i < len; i += (int)strlen(list + i) + 1) {
        if (strcmp(list + i, s) == 0) {
            return true;
        }
    }
    return false;
}

Test(virt_fdt, cpu_properties_shape_isa_and_mmu_type)
{
    static const struct {
        bool sstc;
        unsigned satp_mode_max;
        const char *isa, *mmu;
    } cases[] = {
        { false, 10, "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs", "riscv,sv57" },
        { true, 9, "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc", "riscv,sv48" },
        { true, 8, "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc", "riscv,sv39" },
        { false, 0, "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs", "riscv,none" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct virt_fdt_params p = { .n_harts = 2, .ram_base = VIRT_RAM_BASE,
                                     .ram_size = 256 << 20, .sstc = cases[i].sstc,
                                     .satp_mode_max = cases[i].satp_mode_max };
        void *fdt = build(&p);
        for (unsigned h = 0; h < 2; h++) {
            char path[64];
            snprintf(path, sizeof(path), "/cpus/cpu@%x", h);
            int cpu = fdt_path_offset(fdt, path);
            cr_assert_geq(cpu, 0);
            cr_assert_str_eq(fdt_getprop(fdt, cpu, "riscv,isa", NULL), cases[i].isa);
            cr_assert_str_eq(fdt_getprop(fdt, cpu, "mmu-type", NULL), cases[i].mmu);
            int len;
            const char *exts = fdt_getprop(fdt, cpu, "riscv,isa-extensions", &len);
            cr_assert_not_null(exts);
            cr_assert_eq(list_has(exts, len, "sstc"), cases[i].sstc, "case %zu", i);
            cr_assert(list_has(exts, len, "zihintpause"));
        }
        free(fdt);
    }
}

/* The Sv extensions, each listed (riscv,isa after sstc, and riscv,isa-extensions) only when
 * on. */
Test(virt_fdt, sv_extensions_are_listed_when_on)
{
    struct virt_fdt_params p = { .n_harts = 1, .ram_base = VIRT_RAM_BASE,
                                 .ram_size = 256 << 20, .sstc = true, .svinval = true,
                                 .svnapot = true, .svpbmt = true, .satp_mode_max = 10 };
    void *fdt = build(&p);
    int cpu = fdt_path_offset(fdt, "/cpus/cpu@0");
    cr_assert_str_eq(fdt_getprop(fdt, cpu, "riscv,isa", NULL),
                     "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc_svinval_"
                     "svnapot_svpbmt");
    int len;
    const char *exts = fdt_getprop(fdt, cpu, "riscv,isa-extensions", &len);
    cr_assert(list_has(exts, len, "svinval") && list_has(exts, len, "svnapot") &&
              list_has(exts, len, "svpbmt"));
    free(fdt);
    p.svinval = p.svpbmt = false;
    fdt = build(&p);
    cpu = fdt_path_offset(fdt, "/cpus/cpu@0");
    cr_assert_str_eq(fdt_getprop(fdt, cpu, "riscv,isa", NULL),
                     "rv64imafdc_zicntr_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc_svnapot");
    exts = fdt_getprop(fdt, cpu, "riscv,isa-extensions", &len);
    cr_assert(!list_has(exts, len, "svinval") && list_has(exts, len, "svnapot") &&
              !list_has(exts, len, "svpbmt"));
    free(fdt);
}

/* -M virt,aclint=on: QEMU 7.2's three nodes instead of the CLINT. */
Test(virt_fdt, aclint_nodes_replace_the_clint)
{
    struct virt_fdt_params p = { .n_harts = 3, .ram_base = VIRT_RAM_BASE, .ram_size = 1 << 30,
                                 .aclint = true };
    void *fdt = build(&p);
    cr_assert_lt(fdt_path_offset(fdt, "/soc/clint@2000000"), 0);
    static const struct {
        const char *path, *compat;
        uint64_t reg[4];
        unsigned n_reg;
        uint32_t irq;
    } nodes[] = {
        { "/soc/mswi@2000000", "riscv,aclint-mswi", { 0x2000000, 0x4000 }, 2, 3 },
        { "/soc/mtimer@2004000", "riscv,aclint-mtimer",
          { 0x200bff8, 0x4008, 0x2004000, 0x7ff8 }, 4, 7 },
        { "/soc/sswi@2f00000", "riscv,aclint-sswi", { 0x2f00000, 0x4000 }, 2, 1 },
    };
    for (size_t i = 0; i < 3; i++) {
        int n = fdt_path_offset(fdt, nodes[i].path);
        cr_assert_geq(n, 0, "%s", nodes[i].path);
        cr_assert_str_eq(fdt_getprop(fdt, n, "compatible", NULL), nodes[i].compat);
        int len;
        const fdt32_t *reg = fdt_getprop(fdt, n, "reg", &len);
        cr_assert_eq(len, (int)(8 * nodes[i].n_reg), "%s", nodes[i].path);
        for (unsigned k = 0; k < nodes[i].n_reg; k++) {
            uint64_t v = (uint64_t)fdt32_to_cpu(reg[2 * k]) << 32 | fdt32_to_cpu(reg[2 * k + 1]);
            cr_assert_eq(v, nodes[i].reg[k], "%s reg %u", nodes[i].path, k);
        }
        const fdt32_t *ie = fdt_getprop(fdt, n, "interrupts-extended", &len);
        cr_assert_eq(len, 3 * 8, "%s: one interrupt per hart", nodes[i].path);
        for (unsigned h = 0; h < 3; h++) {
            cr_assert_eq(fdt32_to_cpu(ie[2 * h + 1]), nodes[i].irq, "%s", nodes[i].path);
        }
    }
    free(fdt);
}

Test(virt_fdt, clint_routes_soft_and_timer_interrupts_of_every_hart)
{
    struct virt_fdt_params p = { .n_harts = 3, .ram_base = VIRT_RAM_BASE, .ram_size = 1 << 30 };
    void *fdt = build(&p);
    int clint = fdt_path_offset(fdt, "/soc/clint@2000000");
    cr_assert_geq(clint, 0);
    int len;
    const fdt32_t *ie = fdt_getprop(fdt, clint, "interrupts-extended", &len);
    cr_assert_eq(len, 3 * 16);
    for (unsigned h = 0; h < 3; h++) {
        char path[64];
        snprintf(path, sizeof(path), "/cpus/cpu@%x/interrupt-controller", h);
        uint32_t intc = fdt_get_phandle(fdt, fdt_path_offset(fdt, path));
        cr_assert_neq(intc, 0);
        cr_assert_eq(fdt32_to_cpu(ie[4 * h]), intc);
        cr_assert_eq(fdt32_to_cpu(ie[4 * h + 1]), 3);   /* machine software */
        cr_assert_eq(fdt32_to_cpu(ie[4 * h + 2]), intc);
        cr_assert_eq(fdt32_to_cpu(ie[4 * h + 3]), 7);   /* machine timer */
    }
    free(fdt);
}

Test(virt_fdt, memory_node_gives_the_ram_range)
{
    struct virt_fdt_params p = { .n_harts = 1, .ram_base = VIRT_RAM_BASE,
                                 .ram_size = 6ULL << 30 };
    void *fdt = build(&p);
    int mem = fdt_path_offset(fdt, "/memory@80000000");
    cr_assert_geq(mem, 0);
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, mem, "reg", &len);
    cr_assert_eq(len, 16);
    cr_assert_eq(read_cells(reg, 2), VIRT_RAM_BASE);
    cr_assert_eq(read_cells(reg + 2, 2), 6ULL << 30);
    free(fdt);
}

Test(virt_fdt, chosen_carries_bootargs_initrd_and_stdout_path)
{
    struct virt_fdt_params p = { .n_harts = 1, .ram_base = VIRT_RAM_BASE, .ram_size = 1 << 30,
                                 .bootargs = "console=ttyS0 root=/dev/vda rw",
                                 .initrd_start = 0x88000000, .initrd_end = 0x88123456 };
    void *fdt = build(&p);
    int chosen = fdt_path_offset(fdt, "/chosen");
    cr_assert_geq(chosen, 0);
    cr_assert_str_eq(fdt_getprop(fdt, chosen, "bootargs", NULL), "console=ttyS0 root=/dev/vda rw");
    const char *out = fdt_getprop(fdt, chosen, "stdout-path", NULL);
    cr_assert_str_eq(out, "/soc/serial@10000000");
    cr_assert_geq(fdt_path_offset(fdt, out), 0, "stdout-path must name an existing node");
    int len;
    const fdt32_t *v = fdt_getprop(fdt, chosen, "linux,initrd-start", &len);
    cr_assert_eq(len, 8);
    cr_assert_eq(read_cells(v, 2), 0x88000000);
    v = fdt_getprop(fdt, chosen, "linux,initrd-end", &len);
    cr_assert_eq(read_cells(v, 2), 0x88123456);
    free(fdt);
}

Test(virt_fdt, no_initrd_or_bootargs_properties_when_not_given)
{
    struct virt_fdt_params p = { .n_harts = 1, .ram_base = VIRT_RAM_BASE, .ram_size = 1 << 30 };
    void *fdt = build(&p);
    int chosen = fdt_path_offset(fdt, "/chosen");
    cr_assert_null(fdt_getprop(fdt, chosen, "bootargs", NULL));
    cr_assert_null(fdt_getprop(fdt, chosen, "linux,initrd-start", NULL));
    free(fdt);
}

Test(virt_fdt, poweroff_and_reboot_point_at_the_test_device)
{
    struct virt_fdt_params p = { .n_harts = 1, .ram_base = VIRT_RAM_BASE, .ram_size = 1 << 30 };
    void *fdt = build(&p);
    uint32_t test = fdt_get_phandle(fdt, fdt_path_offset(fdt, "/soc/test@100000"));
    cr_assert_neq(test, 0);
    const char *names[] = { "/poweroff", "/reboot" };
    const uint32_t values[] = { 0x5555, 0x7777 };
    for (int i = 0; i < 2; i++) {
        int node = fdt_path_offset(fdt, names[i]);
        cr_assert_geq(node, 0);
        const fdt32_t *regmap = fdt_getprop(fdt, node, "regmap", NULL);
        const fdt32_t *value = fdt_getprop(fdt, node, "value", NULL);
        cr_assert_eq(fdt32_to_cpu(*regmap), test);
        cr_assert_eq(fdt32_to_cpu(*value), values[i]);
    }
    free(fdt);
}

Test(virt_fdt, devices_behind_the_plic_name_it_as_interrupt_parent)
{
    struct virt_fdt_params p = { .n_harts = 2, .ram_base = VIRT_RAM_BASE, .ram_size = 1 << 30,
                                 .has_plic = true, .has_rtc = true, .n_virtio = 8 };
    void *fdt = build(&p);
    int plic = fdt_path_offset(fdt, "/soc/plic@c000000");
    cr_assert_geq(plic, 0);
    uint32_t plic_ph = fdt_get_phandle(fdt, plic);
    int len;
    const fdt32_t *ie = fdt_getprop(fdt, plic, "interrupts-extended", &len);
    cr_assert_eq(len, 2 * 16);
    cr_assert_eq(fdt32_to_cpu(ie[1]), 11);   /* context 0: hart 0 M external */
    cr_assert_eq(fdt32_to_cpu(ie[3]), 9);    /* context 1: hart 0 S external */
    const struct { const char *path; uint32_t irq; } devs[] = {
        { "/soc/serial@10000000", VIRT_UART0_IRQ }, { "/soc/rtc@101000", VIRT_RTC_IRQ },
        { "/soc/virtio_mmio@10001000", 1 }, { "/soc/virtio_mmio@10008000", 8 },
    };
    for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
        int node = fdt_path_offset(fdt, devs[i].path);
        cr_assert_geq(node, 0, "%s", devs[i].path);
        cr_assert_eq(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(fdt, node, "interrupts", NULL)),
                     devs[i].irq, "%s", devs[i].path);
        cr_assert_eq(fdt32_to_cpu(*(const fdt32_t *)fdt_getprop(fdt, node, "interrupt-parent",
                                                                 NULL)), plic_ph);
    }
    free(fdt);
}

Test(virt_fdt, a_huge_command_line_grows_the_buffer)
{
    size_t n = 200000;
    char *args = malloc(n + 1);
    memset(args, 'x', n);
    args[n] = 0;
    struct virt_fdt_params p = { .n_harts = 64, .ram_base = VIRT_RAM_BASE,
                                 .ram_size = 1 << 30, .bootargs = args };
    void *fdt = build(&p);
    cr_assert_eq(strlen(fdt_getprop(fdt, fdt_path_offset(fdt, "/chosen"), "bootargs", NULL)), n);
    free(fdt);
    free(args);
}

Test(virt_fdt, remap_test_node_only_with_the_option)
{
    struct virt_fdt_params p = { .n_harts = 1, .ram_base = VIRT_RAM_BASE,
                                 .ram_size = 128ULL << 20 };
    void *fdt = build(&p);
    cr_assert_lt(fdt_node_offset_by_compatible(fdt, -1, REMAP_TEST_COMPATIBLE), 0);
    free(fdt);
    p.has_remap_test = true;
    fdt = build(&p);
    int node = fdt_node_offset_by_compatible(fdt, -1, REMAP_TEST_COMPATIBLE);
    cr_assert_geq(node, 0);
    int len;
    const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);
    cr_assert_eq(len, 16);
    cr_assert_eq(read_cells(reg, 2), REMAP_TEST_BASE);
    cr_assert_eq(read_cells(reg + 2, 2), REMAP_TEST_SIZE);
    free(fdt);
}
