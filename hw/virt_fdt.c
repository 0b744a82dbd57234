#include "hw/virt_fdt.h"

#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>

#include "hw/machine.h"
#include "hw/remap_test_regs.h"

#define FDT_INITIAL_SIZE (64 * 1024)
#define UART_CLOCK_HZ 3686400            /* as QEMU's virt: 0x384000 */
#define TEST_POWEROFF_VALUE 0x5555
#define TEST_RESET_VALUE 0x7777

/* Interrupt numbers in the hart-local interrupt controller (mip bit positions). */
enum { INTC_S_SOFT = 1, INTC_M_SOFT = 3, INTC_M_TIMER = 7, INTC_S_EXT = 9, INTC_M_EXT = 11 };

/* In canonical order: single letters, then Z extensions, then S extensions (alphabetical).
 * The S extensions are -cpu properties; the others are always there. */
enum { ISA_ALWAYS, ISA_SSTC, ISA_SVINVAL, ISA_SVNAPOT, ISA_SVPBMT };
static const struct {
    const char *name;
    unsigned when;
} isa_extensions[] = {
    { "i", ISA_ALWAYS }, { "m", ISA_ALWAYS }, { "a", ISA_ALWAYS }, { "f", ISA_ALWAYS },
    { "d", ISA_ALWAYS }, { "c", ISA_ALWAYS }, { "zicntr", ISA_ALWAYS }, { "zicsr", ISA_ALWAYS },
    { "zifencei", ISA_ALWAYS }, { "zihintpause", ISA_ALWAYS }, { "zba", ISA_ALWAYS },
    { "zbb", ISA_ALWAYS }, { "zbs", ISA_ALWAYS }, { "sstc", ISA_SSTC },
    { "svinval", ISA_SVINVAL }, { "svnapot", ISA_SVNAPOT }, { "svpbmt", ISA_SVPBMT },
};
#define N_ISA_EXTENSIONS (sizeof(isa_extensions) / sizeof(isa_extensions[0]))

static bool isa_extension_on(const struct virt_fdt_params *p, size_t i)
{
    switch (isa_extensions[i].when) {
    case ISA_SSTC: return p->sstc;
    case ISA_SVINVAL: return p->svinval;
    case ISA_SVNAPOT: return p->svnapot;
    case ISA_SVPBMT: return p->svpbmt;
    default: return true;
    }
}

const char *virt_fdt_isa_string(const struct virt_fdt_params *p, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "rv64");
    for (size_t i = 0; i < N_ISA_EXTENSIONS && used < len; i++) {
        if (isa_extension_on(p, i)) {
            const char *ext = isa_extensions[i].name;
            used += (size_t)snprintf(buf + used, len - used, "%s%s", ext[1] ? "_" : "", ext);
        }
    }
    return buf;
}

/* mmu-type as QEMU 8 writes it: the highest satp mode. */
static const char *mmu_type(unsigned satp_mode_max)
{
    switch (satp_mode_max) {
    case 8: return "riscv,sv39";
    case 9: return "riscv,sv48";
    case 10: return "riscv,sv57";
    default: return "riscv,none";
    }
}

/* Phandles, fixed by layout so the tree is reproducible: 1 = test device, 2 = PLIC,
 * 3.. = per hart the cpu node then its interrupt controller. */
enum { PHANDLE_TEST = 1, PHANDLE_PLIC = 2, PHANDLE_FIRST_CPU = 3 };

static uint32_t cpu_phandle(unsigned hart)
{
    return PHANDLE_FIRST_CPU + 2 * hart;
}

static uint32_t intc_phandle(unsigned hart)
{
    return PHANDLE_FIRST_CPU + 2 * hart + 1;
}

/* Every libfdt call below returns 0 or a negative FDT_ERR_*; `err_fdt` keeps the first. */
struct fdt_writer {
    void *fdt;
    int err;
};

static void chk(struct fdt_writer *w, int rc)
{
    if (rc < 0 && !w->err) {
        w->err = rc;
    }
}

static void prop_reg(struct fdt_writer *w, uint64_t base, uint64_t size)
{
    fdt32_t cells[4] = { cpu_to_fdt32((uint32_t)(base >> 32)), cpu_to_fdt32((uint32_t)base),
                         cpu_to_fdt32((uint32_t)(size >> 32)), cpu_to_fdt32((uint32_t)size) };
    chk(w, fdt_property(w->fdt, "reg", cells, sizeof(cells)));
}

static void begin_node_at(struct fdt_writer *w, const char *name, uint64_t addr)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)addr);
    chk(w, fdt_begin_node(w->fdt, buf));
}

/* interrupts-extended = < &intc(h) irqs[0], &intc(h) irqs[1] ... > for every hart. */
static void prop_interrupts_extended_n(struct fdt_writer *w, unsigned n_harts,
                                       const uint32_t *irqs, unsigned n_irqs)
{
    size_t n_cells = 2 * (size_t)n_irqs * n_harts;
    fdt32_t *cells = calloc(n_cells, sizeof(*cells));
    if (!cells) {
        chk(w, -FDT_ERR_NOSPACE);
        return;
    }
    size_t c = 0;
    for (unsigned h = 0; h < n_harts; h++) {
        for (unsigned i = 0; i < n_irqs; i++) {
            cells[c++] = cpu_to_fdt32(intc_phandle(h));
            cells[c++] = cpu_to_fdt32(irqs[i]);
        }
    }
    chk(w, fdt_property(w->fdt, "interrupts-extended", cells, (int)(n_cells * 4)));
    free(cells);
}

/* -M virt,aclint=on, as QEMU 7.2 describes it: MSWI over the CLINT's msip words, MTIMER with
 * two reg entries (mtime, then the mtimecmp array, the order OpenSBI's driver expects) and
 * the SSWI, each an interrupt controller of zero cells wired to every hart. */
/* An ACLINT software-interrupt device (MSWI or SSWI) wired to `irq` of every hart. */
static void add_aclint_swi_node(struct fdt_writer *w, unsigned n_harts, const char *name,
                                uint64_t base, const char *compat, uint32_t irq)
{
    begin_node_at(w, name, base);
    prop_reg(w, base, VIRT_ACLINT_SSWI_SIZE);       /* MSWI and SSWI are both 0x4000 */
    chk(w, fdt_property_string(w->fdt, "compatible", compat));
    prop_interrupts_extended_n(w, n_harts, &irq, 1);
    chk(w, fdt_property(w->fdt, "interrupt-controller", NULL, 0));
    chk(w, fdt_property_u32(w->fdt, "#interrupt-cells", 0));
    chk(w, fdt_end_node(w->fdt));
}

static void add_aclint_nodes(struct fdt_writer *w, unsigned n_harts)
{
    void *fdt = w->fdt;
    const uint32_t m_timer[] = { INTC_M_TIMER };
    _Static_assert(VIRT_ACLINT_MSWI_SIZE == VIRT_ACLINT_SSWI_SIZE, "one SWI node size");

    add_aclint_swi_node(w, n_harts, "mswi", VIRT_CLINT_BASE, "riscv,aclint-mswi", INTC_M_SOFT);

    begin_node_at(w, "mtimer", VIRT_ACLINT_MTIMER_BASE);
    uint64_t mtime = VIRT_ACLINT_MTIMER_BASE + VIRT_ACLINT_MTIME_OFFSET;
    uint64_t regs[4] = { mtime, VIRT_ACLINT_MTIMER_SIZE - VIRT_ACLINT_MTIME_OFFSET,
                         VIRT_ACLINT_MTIMER_BASE, VIRT_ACLINT_MTIME_OFFSET };
    fdt32_t cells[8];
    for (unsigned i = 0; i < 4; i++) {
        cells[2 * i] = cpu_to_fdt32((uint32_t)(regs[i] >> 32));
        cells[2 * i + 1] = cpu_to_fdt32((uint32_t)regs[i]);
    }
    chk(w, fdt_property(fdt, "reg", cells, sizeof(cells)));
    chk(w, fdt_property_string(fdt, "compatible", "riscv,aclint-mtimer"));
    prop_interrupts_extended_n(w, n_harts, m_timer, 1);
    chk(w, fdt_end_node(fdt));

    add_aclint_swi_node(w, n_harts, "sswi", VIRT_ACLINT_SSWI_BASE, "riscv,aclint-sswi",
                        INTC_S_SOFT);
}

/* interrupts-extended = < &intc(h) a, &intc(h) b > for every hart. */
static void prop_interrupts_extended(struct fdt_writer *w, unsigned n_harts, uint32_t a,
                                     uint32_t b)
{
    const uint32_t irqs[] = { a, b };
    prop_interrupts_extended_n(w, n_harts, irqs, 2);
}

static void add_cpus(struct fdt_writer *w, const struct virt_fdt_params *p)
{
    unsigned n_harts = p->n_harts;
    void *fdt = w->fdt;
    chk(w, fdt_begin_node(fdt, "cpus"));
    chk(w, fdt_property_u32(fdt, "#address-cells", 1));
    chk(w, fdt_property_u32(fdt, "#size-cells", 0));
    chk(w, fdt_property_u32(fdt, "timebase-frequency", (uint32_t)TIMEBASE_FREQ));
    for (unsigned h = 0; h < n_harts; h++) {
        begin_node_at(w, "cpu", h);
        chk(w, fdt_property_u32(fdt, "phandle", cpu_phandle(h)));
        chk(w, fdt_property_string(fdt, "device_type", "cpu"));
        chk(w, fdt_property_u32(fdt, "reg", h));
        chk(w, fdt_property_string(fdt, "status", "okay"));
        chk(w, fdt_property_string(fdt, "compatible", "riscv"));
        char isa[256];
        chk(w, fdt_property_string(fdt, "riscv,isa", virt_fdt_isa_string(p, isa, sizeof(isa))));
        chk(w, fdt_property_string(fdt, "riscv,isa-base", "rv64i"));
        /* A string list is the strings back to back, each with its NUL. */
        char list[256];
        size_t len = 0;
        for (size_t i = 0; i < N_ISA_EXTENSIONS; i++) {
            if (isa_extension_on(p, i)) {
                len += (size_t)snprintf(list + len, sizeof(list) - len, "%s",
                                        isa_extensions[i].name) + 1;
            }
        }
        chk(w, fdt_property(fdt, "riscv,isa-extensions", list, (int)len));
        /* The highest mode satp accepts. Linux 6.1 ignores it and probes satp itself (Sv57
         * first); QEMU 7.2 writes riscv,sv48 here while its satp accepts Sv57 too. */
        chk(w, fdt_property_string(fdt, "mmu-type", mmu_type(p->satp_mode_max)));
        chk(w, fdt_begin_node(fdt, "interrupt-controller"));
        chk(w, fdt_property_u32(fdt, "#address-cells", 0));
        chk(w, fdt_property_u32(fdt, "#interrupt-cells", 1));
        chk(w, fdt_property(fdt, "interrupt-controller", NULL, 0));
        chk(w, fdt_property_string(fdt, "compatible", "riscv,cpu-intc"));
        chk(w, fdt_property_u32(fdt, "phandle", intc_phandle(h)));
        chk(w, fdt_end_node(fdt));
        chk(w, fdt_end_node(fdt));
    }
    chk(w, fdt_begin_node(fdt, "cpu-map"));
    chk(w, fdt_begin_node(fdt, "cluster0"));
    for (unsigned h = 0; h < n_harts; h++) {
        char name[16];
        snprintf(name, sizeof(name), "core%u", h);
        chk(w, fdt_begin_node(fdt, name));
        chk(w, fdt_property_u32(fdt, "cpu", cpu_phandle(h)));
        chk(w, fdt_end_node(fdt));
    }
    chk(w, fdt_end_node(fdt));
    chk(w, fdt_end_node(fdt));
    chk(w, fdt_end_node(fdt));
}

/* A device behind the PLIC: its interrupt source number. */
static void prop_plic_irq(struct fdt_writer *w, uint32_t irq)
{
    chk(w, fdt_property_u32(w->fdt, "interrupts", irq));
    chk(w, fdt_property_u32(w->fdt, "interrupt-parent", PHANDLE_PLIC));
}

static void add_soc(struct fdt_writer *w, const struct virt_fdt_params *p)
{
    void *fdt = w->fdt;
    static const char test_compat[] = "sifive,test1\0sifive,test0\0syscon";
    static const char clint_compat[] = "sifive,clint0\0riscv,clint0";
    static const char plic_compat[] = "sifive,plic-1.0.0\0riscv,plic0";

    chk(w, fdt_begin_node(fdt, "soc"));
    chk(w, fdt_property_u32(fdt, "#address-cells", 2));
    chk(w, fdt_property_u32(fdt, "#size-cells", 2));
    chk(w, fdt_property_string(fdt, "compatible", "simple-bus"));
    chk(w, fdt_property(fdt, "ranges", NULL, 0));

    begin_node_at(w, "test", VIRT_TEST_BASE);
    chk(w, fdt_property_u32(fdt, "phandle", PHANDLE_TEST));
    prop_reg(w, VIRT_TEST_BASE, VIRT_TEST_SIZE);
    chk(w, fdt_property(fdt, "compatible", test_compat, sizeof(test_compat)));
    chk(w, fdt_end_node(fdt));

    if (p->has_rtc) {
        begin_node_at(w, "rtc", VIRT_RTC_BASE);
        prop_reg(w, VIRT_RTC_BASE, VIRT_RTC_SIZE);
        chk(w, fdt_property_string(fdt, "compatible", "google,goldfish-rtc"));
        if (p->has_plic) {
            prop_plic_irq(w, VIRT_RTC_IRQ);
        }
        chk(w, fdt_end_node(fdt));
    }

    begin_node_at(w, "serial", VIRT_UART0_BASE);
    prop_reg(w, VIRT_UART0_BASE, VIRT_UART0_SIZE);
    chk(w, fdt_property_string(fdt, "compatible", "ns16550a"));
    chk(w, fdt_property_u32(fdt, "clock-frequency", UART_CLOCK_HZ));
    if (p->has_plic) {
        prop_plic_irq(w, VIRT_UART0_IRQ);
    }
    chk(w, fdt_end_node(fdt));

    for (unsigned n = 0; n < p->n_virtio; n++) {
        uint64_t base = VIRT_VIRTIO_BASE + n * VIRT_VIRTIO_SIZE;
        begin_node_at(w, "virtio_mmio", base);
        prop_reg(w, base, VIRT_VIRTIO_SIZE);
        chk(w, fdt_property_string(fdt, "compatible", "virtio,mmio"));
        if (p->has_plic) {
            prop_plic_irq(w, VIRT_VIRTIO_IRQ + n);
        }
        chk(w, fdt_end_node(fdt));
    }

    if (p->has_plic) {
        begin_node_at(w, "plic", VIRT_PLIC_BASE);
        chk(w, fdt_property_u32(fdt, "phandle", PHANDLE_PLIC));
        prop_reg(w, VIRT_PLIC_BASE, VIRT_PLIC_SIZE);
        chk(w, fdt_property(fdt, "compatible", plic_compat, sizeof(plic_compat)));
        chk(w, fdt_property_u32(fdt, "riscv,ndev", VIRT_PLIC_NDEV));
        chk(w, fdt_property_u32(fdt, "#address-cells", 0));
        chk(w, fdt_property_u32(fdt, "#interrupt-cells", 1));
        chk(w, fdt_property(fdt, "interrupt-controller", NULL, 0));
        /* Context 2h is hart h's M-mode external interrupt, 2h+1 its S-mode one. */
        prop_interrupts_extended(w, p->n_harts, INTC_M_EXT, INTC_S_EXT);
        chk(w, fdt_end_node(fdt));
    }

    if (p->aclint) {
        add_aclint_nodes(w, p->n_harts);
    } else {
        begin_node_at(w, "clint", VIRT_CLINT_BASE);
        prop_reg(w, VIRT_CLINT_BASE, VIRT_CLINT_SIZE);
        chk(w, fdt_property(fdt, "compatible", clint_compat, sizeof(clint_compat)));
        prop_interrupts_extended(w, p->n_harts, INTC_M_SOFT, INTC_M_TIMER);
        chk(w, fdt_end_node(fdt));
    }

    if (p->has_remap_test) {
        /* Only the control page: the window moves (hw/remap_test_regs.h). */
        begin_node_at(w, "remap-test", REMAP_TEST_BASE);
        prop_reg(w, REMAP_TEST_BASE, REMAP_TEST_SIZE);
        chk(w, fdt_property_string(fdt, "compatible", REMAP_TEST_COMPATIBLE));
        chk(w, fdt_end_node(fdt));
    }

    chk(w, fdt_end_node(fdt));
}

static void add_syscon_action(struct fdt_writer *w, const char *name, const char *compat,
                              uint32_t value)
{
    chk(w, fdt_begin_node(w->fdt, name));
    chk(w, fdt_property_string(w->fdt, "compatible", compat));
    chk(w, fdt_property_u32(w->fdt, "regmap", PHANDLE_TEST));
    chk(w, fdt_property_u32(w->fdt, "offset", 0));
    chk(w, fdt_property_u32(w->fdt, "value", value));
    chk(w, fdt_end_node(w->fdt));
}

static void add_tree(struct fdt_writer *w, const struct virt_fdt_params *p)
{
    void *fdt = w->fdt;
    chk(w, fdt_finish_reservemap(fdt));
    chk(w, fdt_begin_node(fdt, ""));
    chk(w, fdt_property_u32(fdt, "#address-cells", 2));
    chk(w, fdt_property_u32(fdt, "#size-cells", 2));
    chk(w, fdt_property_string(fdt, "compatible", "riscv-virtio"));
    chk(w, fdt_property_string(fdt, "model", "riscv-virtio,qemu"));

    chk(w, fdt_begin_node(fdt, "chosen"));
    char stdout_path[64];
    snprintf(stdout_path, sizeof(stdout_path), "/soc/serial@%llx",
             (unsigned long long)VIRT_UART0_BASE);
    chk(w, fdt_property_string(fdt, "stdout-path", stdout_path));
    if (p->bootargs) {
        chk(w, fdt_property_string(fdt, "bootargs", p->bootargs));
    }
    if (p->initrd_end > p->initrd_start) {
        chk(w, fdt_property_u64(fdt, "linux,initrd-start", p->initrd_start));
        chk(w, fdt_property_u64(fdt, "linux,initrd-end", p->initrd_end));
    }
    chk(w, fdt_end_node(fdt));

    begin_node_at(w, "memory", p->ram_base);
    chk(w, fdt_property_string(fdt, "device_type", "memory"));
    prop_reg(w, p->ram_base, p->ram_size);
    chk(w, fdt_end_node(fdt));

    add_cpus(w, p);
    add_soc(w, p);
    add_syscon_action(w, "poweroff", "syscon-poweroff", TEST_POWEROFF_VALUE);
    add_syscon_action(w, "reboot", "syscon-reboot", TEST_RESET_VALUE);

    chk(w, fdt_end_node(fdt));
    chk(w, fdt_finish(fdt));
}

int virt_fdt_build(const struct virt_fdt_params *p, void **out, size_t *size, Error **errp)
{
    /* The sequential-write API fails with NOSPACE when the buffer is too small: start over
     * with a larger one (the tree grows with -smp and -append). */
    for (size_t cap = FDT_INITIAL_SIZE; cap <= (1u << 24); cap *= 2) {
        struct fdt_writer w = { .fdt = malloc(cap), .err = 0 };
        if (!w.fdt) {
            error_setg(errp, "out of memory building the device tree");
            return -ENOMEM;
        }
        chk(&w, fdt_create(w.fdt, (int)cap));
        if (!w.err) {
            add_tree(&w, p);
        }
        if (!w.err) {
            chk(&w, fdt_pack(w.fdt));
        }
        if (!w.err) {
            *out = w.fdt;
            *size = fdt_totalsize(w.fdt);
            return 0;
        }
        free(w.fdt);
        if (w.err != -FDT_ERR_NOSPACE) {
            error_setg(errp, "building the device tree: %s", fdt_strerror(w.err));
            return -EINVAL;
        }
    }
    error_setg(errp, "building the device tree: too large (is -append huge?)");
    return -E2BIG;
}
