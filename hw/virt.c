#include "hw/virt.h"

#include <errno.h>
#include <fcntl.h>
#include <libfdt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "accel/tb.h"
#include "cpu/cpu.h"
#include "hw/cmdline.h"
#include "hw/console.h"
#include "hw/devices.h"
#include "hw/goldfish_rtc.h"
#include "hw/host_file.h"
#include "hw/loader.h"
#include "hw/plic.h"
#include "hw/remap_test.h"
#include "hw/sbi.h"
#include "hw/uart.h"
#include "hw/virt_fdt.h"
#include "hw/virtio_blk.h"
#include "hw/virtio_mmio.h"

#define VIRT_KERNEL_OFFSET 0x200000ULL     /* fw_jump: kernel 2 MiB above the firmware */
#define FDT_MAX_SIZE (1ULL << 20)
#define FDT_PLACE_LIMIT 0xc0000000ULL      /* DTB stays below 3 GiB, as QEMU places it */
#define FDT_ALIGN (2ULL << 20)
#define INITRD_MAX_GAP (128ULL << 20)      /* initrd at most this far above the kernel */

/* Board-owned device state, one machine per process. */
static PLICState *plic;
static NS16550State *uart0;
static GoldfishRTC *rtc;
static VirtioMMIO *virtio[VIRT_VIRTIO_SLOTS];
static VirtioBlk *virtio_blk[VIRT_VIRTIO_SLOTS];
static DMARam dma_ram;
static HTIFState htif;
static uint8_t mrom[VIRT_MROM_SIZE];     /* reset vector and fw_dynamic info */
static RemapTest *remap_test;            /* --remap-test only */
/* Serialises map publishers: virt_load on the main thread and the remap-test mover. */
static pthread_mutex_t publish_lock = PTHREAD_MUTEX_INITIALIZER;

/* The reset ROM, laid out as on QEMU's virt board so firmware sees the same registers:
 * every hart starts at VIRT_MROM_BASE, which loads a0 = mhartid, a1 = DTB address,
 * a2 = address of the fw_dynamic info (OpenSBI's FW_DYNAMIC) and jumps to the entry. */
enum {
    ROM_ENTRY_OFF = 24,          /* dword: where to jump */
    ROM_FDT_OFF = 32,            /* dword: a1 */
    ROM_FW_DYN_OFF = 40,         /* struct fw_dynamic_info */
    ROM_SBI_TRAP_OFF = 0x100,    /* word: `ecall`, mtvec under the built-in SBI */
};
#define INSN_ECALL 0x00000073u
#define FW_DYNAMIC_MAGIC 0x4942534fULL     /* "OSBI" */
#define FW_DYNAMIC_VERSION 2
#define FW_DYNAMIC_NEXT_MODE_S 1

static uint32_t enc_i(unsigned opcode, unsigned rd, unsigned funct3, unsigned rs1, int imm)
{
    return (uint32_t)imm << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        p[i] = (uint8_t)(v >> (8 * i));
    }
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

static void build_reset_rom(uint64_t entry, uint64_t fdt_addr, uint64_t next_addr)
{
    enum { T0 = 5, A0 = 10, A1 = 11, A2 = 12 };
    const uint32_t code[] = {
        0x17 | T0 << 7,                               /* auipc t0, 0 */
        enc_i(0x13, A2, 0, T0, ROM_FW_DYN_OFF),       /* addi  a2, t0, fw_dyn */
        enc_i(0x73, A0, 2, 0, 0xf14),                 /* csrr  a0, mhartid */
        enc_i(0x03, A1, 3, T0, ROM_FDT_OFF),          /* ld    a1, fdt(t0) */
        enc_i(0x03, T0, 3, T0, ROM_ENTRY_OFF),        /* ld    t0, entry(t0) */
        enc_i(0x67, 0, 0, T0, 0),                     /* jr    t0 */
    };
    memset(mrom, 0, sizeof(mrom));
    for (size_t i = 0; i < sizeof(code) / sizeof(code[0]); i++) {
        put_le32(mrom + 4 * i, code[i]);
    }
    put_le64(mrom + ROM_ENTRY_OFF, entry);
    put_le64(mrom + ROM_FDT_OFF, fdt_addr);
    uint8_t *dyn = mrom + ROM_FW_DYN_OFF;
    put_le64(dyn + 0, FW_DYNAMIC_MAGIC);
    put_le64(dyn + 8, FW_DYNAMIC_VERSION);
    put_le64(dyn + 16, next_addr);
    put_le64(dyn + 24, FW_DYNAMIC_NEXT_MODE_S);
    put_le64(dyn + 32, 0);                            /* options */
    put_le64(dyn + 40, 0);                            /* boot hart */
    /* Under the built-in SBI no M-mode code exists; a trap that reaches M-mode anyway runs
     * this ecall, which the SBI reports (hw/sbi.c). Harmless for other firmware. */
    put_le32(mrom + ROM_SBI_TRAP_OFF, INSN_ECALL);
}

/* PLIC context outputs: context 2h is hart h's MEIP line, 2h + 1 its SEIP line. Called by
 * the PLIC's updater thread (hw/plic.c); takes no lock itself. */
static void plic_output_to_hart(void *opaque, unsigned ctx, bool level)
{
    Machine *m = opaque;
    RISCVCPU *cpu = m->cpus[ctx / 2];
    uint64_t bit = ctx % 2 ? MIP_SEIP : MIP_MEIP;
    if (level) {
        uint64_t old = atomic_fetch_or_explicit(&cpu->mip_lines, bit, memory_order_acq_rel);
        if (!(old & bit)) {
            vcpu_kick(CPU(cpu));
        }
    } else {
        atomic_fetch_and_explicit(&cpu->mip_lines, ~bit, memory_order_acq_rel);
    }
}

/* A device wrote guest RAM by DMA: translated code on those pages is stale. */
static void dma_invalidate_code(void *opaque, uint64_t paddr, uint64_t len)
{
    Machine *m = opaque;
    for (uint64_t page = paddr & RV_PAGE_MASK; page < paddr + len; page += RV_PAGE_SIZE) {
        uint64_t idx = (page - m->as.ram_base) >> RV_PAGE_BITS;
        if (atomic_load_explicit(&m->as.code_pages[idx], memory_order_relaxed) & CODE_PAGE_TB) {
            tb_invalidate_phys_page(page);
        }
    }
}

static IRQLine plic_input(unsigned source)
{
    return (IRQLine){ .set = plic_irq_line_set, .opaque = plic, .n = source };
}

/* Slot of a -device virtio-blk-device: bus=virtio-mmio-bus.N, or the first free one. */
static int device_slot(const struct tlbstorm_device *dev, Error **errp)
{
    if (dev->bus) {
        unsigned n;
        if (sscanf(dev->bus, "virtio-mmio-bus.%u", &n) != 1 || n >= VIRT_VIRTIO_SLOTS) {
            error_setg(errp, "-device: no bus '%s' (virtio-mmio-bus.0 .. .%u)", dev->bus,
                     VIRT_VIRTIO_SLOTS - 1);
            return -EINVAL;
        }
        if (virtio_blk[n]) {
            error_setg(errp, "-device: bus '%s' is already in use", dev->bus);
            return -EBUSY;
        }
        return (int)n;
    }
    for (unsigned n = 0; n < VIRT_VIRTIO_SLOTS; n++) {
        if (!virtio_blk[n]) {
            return (int)n;
        }
    }
    error_setg(errp, "-device: all %u virtio-mmio slots are in use", VIRT_VIRTIO_SLOTS);
    return -ENOSPC;
}

static int open_drive(const struct tlbstorm_drive *d, int slot, Error **errp)
{
    virtio_blk[slot] = virtio_blk_open(d->file, d->readonly, d->id, errp);
    if (!virtio_blk[slot]) {
        error_prepend(errp, "-drive ");
        return -EINVAL;
    }
    return 0;
}

static int create_devices(Machine *m, const struct tlbstorm_config *cfg, Error **errp)
{
    IRQLine outputs[2 * TLBSTORM_MAX_CPUS];
    for (unsigned ctx = 0; ctx < 2 * m->n_cpus; ctx++) {
        outputs[ctx] = (IRQLine){ .set = plic_output_to_hart, .opaque = m, .n = ctx };
    }
    plic = plic_new(m->n_cpus, outputs);
    IRQLine uart_irq = plic_input(VIRT_UART0_IRQ), rtc_irq = plic_input(VIRT_RTC_IRQ);
    uart0 = plic ? ns16550_new(&uart_irq, console_tx, NULL) : NULL;
    rtc = plic ? goldfish_rtc_new(&rtc_irq, NULL, true) : NULL;
    if (cfg->remap_test_period_ns) {
        remap_test = remap_test_new(m->as.ram_base, m->as.ram_size, cfg->remap_test_period_ns);
    }
    if (!plic || !uart0 || !rtc || (cfg->remap_test_period_ns && !remap_test)) {
        error_setg(errp, "out of memory");
        return -ENOMEM;
    }

    if (cfg->virtio_mmio_force_legacy) {
        error_setg(errp, "-global virtio-mmio.force-legacy=on: only virtio-mmio version 2 "
                   "(modern) is emulated; use force-legacy=false");
        return -ENOTSUP;
    }
    /* -device virtio-blk-device,drive=ID[,bus=virtio-mmio-bus.N] first, then if=virtio
     * drives in the remaining slots, in command-line order (as QEMU fills its bus). */
    for (unsigned i = 0; i < cfg->n_devices; i++) {
        const struct tlbstorm_device *dev = &cfg->devices[i];
        int slot = device_slot(dev, errp);
        if (slot < 0) {
            return slot;
        }
        for (unsigned d = 0; d < cfg->n_drives; d++) {
            if (cfg->drives[d].id && strcmp(cfg->drives[d].id, dev->drive_id) == 0) {
                int rc = open_drive(&cfg->drives[d], slot, errp);
                if (rc) {
                    return rc;
                }
            }
        }
    }
    for (unsigned d = 0; d < cfg->n_drives; d++) {
        if (strcmp(cfg->drives[d].interface, "virtio") != 0) {
            continue;
        }
        struct tlbstorm_device any = { .driver = "virtio-blk-device" };
        int slot = device_slot(&any, errp);
        int rc = slot < 0 ? slot : open_drive(&cfg->drives[d], slot, errp);
        if (rc) {
            return rc;
        }
    }
    dma_ram = (DMARam){ .host = m->as.ram, .base = m->as.ram_base, .size = m->as.ram_size,
                        .written = dma_invalidate_code, .opaque = m };
    for (unsigned n = 0; n < VIRT_VIRTIO_SLOTS; n++) {
        IRQLine irq = plic_input(VIRT_VIRTIO_IRQ + n);
        virtio[n] = virtio_blk[n] ? virtio_mmio_new_blk(virtio_blk[n], &dma_ram, &irq)
                                  : virtio_mmio_new_empty();
        if (!virtio[n]) {
            error_setg(errp, "out of memory");
            return -ENOMEM;
        }
    }
    return 0;
}

NS16550State *virt_console_uart(void)
{
    return uart0;
}

int virt_create(Machine *m, const struct tlbstorm_config *cfg, Error **errp)
{
    memset(m, 0, sizeof(*m));
    m->cfg = cfg;
    m->n_cpus = cfg->smp;
    m->as.ram_base = VIRT_RAM_BASE;
    m->as.ram_size = cfg->ram_size;
    void *ram = mmap(NULL, m->as.ram_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        error_setg(errp, "-m: cannot allocate %llu MiB of guest RAM: %s",
                 (unsigned long long)(m->as.ram_size >> 20), strerror(errno));
        return -ENOMEM;
    }
    m->as.ram = ram;
    m->cpus = calloc(m->n_cpus, sizeof(*m->cpus));
    if (!m->cpus) {
        error_setg(errp, "out of memory");
        return -ENOMEM;
    }
    for (unsigned i = 0; i < m->n_cpus; i++) {
        RISCVCPU *cpu = aligned_alloc(64, (sizeof(RISCVCPU) + 63) & ~(size_t)63);
        if (!cpu) {
            error_setg(errp, "out of memory");
            return -ENOMEM;
        }
        memset(cpu, 0, sizeof(*cpu));
        if (machine_cpu_init(m, cpu, i) != 0) {
            free(cpu);
            error_setg(errp, "out of memory");
            return -ENOMEM;
        }
        m->cpus[i] = cpu;
        cpu->features = (RISCVCPUFeatures){ .sstc = cfg->cpu_sstc,
                                            .svinval = cfg->cpu_svinval,
                                            .svnapot = cfg->cpu_svnapot,
                                            .svpbmt = cfg->cpu_svpbmt,
                                            .satp_mode_max = (uint8_t)cfg->cpu_satp_mode_max };
        cpu->ram_host = m->as.ram;
        if (tb_tlb_init(cpu) != 0) {
            error_setg(errp, "out of memory");
            return -ENOMEM;
        }
    }
    /* The harts the shootdown and exclusive sections act on, from the first memory map on. */
    riscv_cpu_list_set(m->cpus, m->n_cpus);
    htif.m = m;
    htif.out_fd = STDOUT_FILENO;
    return create_devices(m, cfg, errp);
}

/* Images placed in RAM so far, to refuse overlaps with a message naming both. */
struct placed {
    const char *what[4];
    uint64_t low[4], high[4];
    unsigned n;
};

static int place(struct placed *pl, const char *what, uint64_t low, uint64_t high, Error **errp)
{
    for (unsigned i = 0; i < pl->n; i++) {
        if (low < pl->high[i] && pl->low[i] < high) {
            error_setg(errp, "%s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx) in RAM",
                     what, (unsigned long long)low, (unsigned long long)high, pl->what[i],
                     (unsigned long long)pl->low[i], (unsigned long long)pl->high[i]);
            return -EFBIG;
        }
    }
    pl->what[pl->n] = what;
    pl->low[pl->n] = low;
    pl->high[pl->n] = high;
    pl->n++;
    return 0;
}

/* Read a whole -dtb file into a malloc'd buffer after checking it is a device tree. */
static int read_dtb_file(const char *path, void **out, size_t *size, Error **errp)
{
    struct stat st;
    int fd = host_file_open_input(path, O_RDONLY, &st);
    if (fd < 0) {
        error_setg(errp, "-dtb %s: %s", path, strerror(-fd));
        return fd;
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > FDT_MAX_SIZE) {
        error_setg(errp, "-dtb %s: too large (%lld bytes, at most %llu)", path,
                   (long long)st.st_size, (unsigned long long)FDT_MAX_SIZE);
        close(fd);
        return -EFBIG;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 40) {
        if (S_ISREG(st.st_mode)) {
            error_setg(errp, "-dtb %s: not a device tree blob (%lld bytes)", path,
                       (long long)st.st_size);
        } else {
            error_setg(errp, "-dtb %s: not a device tree blob (not a regular file)", path);
        }
        close(fd);
        return -EINVAL;
    }
    void *buf = malloc((size_t)st.st_size);
    ssize_t n = buf ? pread(fd, buf, (size_t)st.st_size, 0) : -1;
    close(fd);
    if (n != st.st_size || fdt_check_header(buf) != 0 ||
        fdt_totalsize(buf) > (uint32_t)st.st_size) {
        error_setg(errp, "-dtb %s: not a valid device tree blob", path);
        free(buf);
        return -EINVAL;
    }
    *out = buf;
    *size = fdt_totalsize(buf);
    return 0;
}

/* -machine dumpdtb=FILE, written as hw/host_file.h says (never half a regular file). */
static int dump_dtb(const char *path, const void *fdt, size_t size, Error **errp)
{
    OutputFile *out = output_file_open("dumpdtb=", path, OUTPUT_WHOLE, errp);
    if (!out) {
        return -EINVAL;
    }
    int write_errno = fwrite(fdt, 1, size, output_file_stream(out)) == size ? 0 : ENOMEM;
    return output_file_commit(out, write_errno, errp);
}

static int publish_memmap(Machine *m)
{
    MemRegion regions[32];
    unsigned n = 0;
    pthread_mutex_lock(&publish_lock);
    if (remap_test) {
        n += remap_test_regions(remap_test, &regions[n]);
    }
    regions[n++] = (MemRegion){ .name = "ram", .base = m->as.ram_base, .size = m->as.ram_size,
                                .host = m->as.ram };
    regions[n++] = (MemRegion){ .name = "mrom", .base = VIRT_MROM_BASE, .size = VIRT_MROM_SIZE,
                                .host = mrom, .readonly = true };
    regions[n++] = (MemRegion){ .name = "sifive_test", .base = VIRT_TEST_BASE,
                                .size = VIRT_TEST_SIZE, .ops = &sifive_test_ops, .opaque = m };
    regions[n++] = (MemRegion){ .name = "clint", .base = VIRT_CLINT_BASE,
                                .size = VIRT_CLINT_SIZE, .ops = &clint_ops, .opaque = m };
    if (m->cfg->machine_aclint) {
        regions[n++] = (MemRegion){ .name = "aclint-sswi", .base = VIRT_ACLINT_SSWI_BASE,
                                    .size = VIRT_ACLINT_SSWI_SIZE, .ops = &aclint_sswi_ops,
                                    .opaque = m };
    }
    regions[n++] = (MemRegion){ .name = "uart0", .base = VIRT_UART0_BASE,
                                .size = VIRT_UART0_SIZE, .ops = &ns16550_ops, .opaque = uart0 };
    regions[n++] = (MemRegion){ .name = "plic", .base = VIRT_PLIC_BASE, .size = VIRT_PLIC_SIZE,
                                .ops = &plic_ops, .opaque = plic };
    regions[n++] = (MemRegion){ .name = "rtc", .base = VIRT_RTC_BASE, .size = VIRT_RTC_SIZE,
                                .ops = &goldfish_rtc_ops, .opaque = rtc };
    for (unsigned i = 0; i < VIRT_VIRTIO_SLOTS; i++) {
        regions[n++] = (MemRegion){ .name = "virtio-mmio",
                                    .base = VIRT_VIRTIO_BASE + i * VIRT_VIRTIO_SIZE,
                                    .size = VIRT_VIRTIO_SIZE, .ops = &virtio_mmio_ops,
                                    .opaque = virtio[i] };
    }
    if (m->has_htif) {
        regions[n++] = (MemRegion){ .name = "htif.tohost", .base = m->htif_tohost, .size = 8,
                                    .ops = &htif_tohost_ops, .opaque = &htif, .priority = 1 };
        if (m->htif_fromhost) {
            regions[n++] = (MemRegion){ .name = "htif.fromhost", .base = m->htif_fromhost,
                                        .size = 8, .ops = &htif_fromhost_ops, .opaque = &htif,
                                        .priority = 1 };
        }
    }
    MemMap *map = memmap_new(regions, n);
    if (map) {
        machine_set_memmap(m, map);
    }
    pthread_mutex_unlock(&publish_lock);
    return map ? 0 : -ENOMEM;
}

static int republish_for_remap_test(void *opaque)
{
    return publish_memmap(opaque);
}

int virt_remap_test_start(Machine *m, Error **errp)
{
    int rc = remap_test ? remap_test_start(remap_test, republish_for_remap_test, m) : 0;
    if (rc) {
        error_setg(errp, "--remap-test: cannot start its thread: %s", strerror(-rc));
    }
    return rc;
}

void virt_remap_test_stop(void)
{
    if (remap_test) {
        remap_test_stop(remap_test);
    }
}

static void note_htif(Machine *m, const struct loaded_image *img)
{
    if (img->has_tohost) {
        m->has_htif = true;
        m->htif_tohost = img->tohost;
        m->htif_fromhost = img->fromhost;
    }
}

/* Load the image that runs first with -bios none or the built-in SBI (raw images at
 * raw_addr), note its HTIF symbols and record where it lies. *entry gets its entry point. */
static int load_kernel(Machine *m, const char *path, const struct guest_ram *ram,
                       uint64_t raw_addr, struct placed *pl, uint64_t *entry, Error **errp)
{
    struct loaded_image img;
    int rc = loader_load_image(path, ram, raw_addr, &img, errp);
    if (rc) {
        error_prepend(errp, "-kernel ");
        return rc;
    }
    *entry = img.entry;
    note_htif(m, &img);
    return place(pl, "-kernel", img.low, img.high, errp);
}

int virt_load(Machine *m, BootInfo *boot, Error **errp)
{
    const struct tlbstorm_config *cfg = m->cfg;
    struct guest_ram ram = { m->as.ram, m->as.ram_base, m->as.ram_size };
    struct loaded_image img;
    struct placed pl = { .n = 0 };
    uint64_t kernel_addr = 0;
    int rc;

    memset(boot, 0, sizeof(*boot));
    /* A guest reset resets the devices too (the console and the disk images stay open). */
    plic_reset(plic);
    ns16550_reset(uart0);
    for (unsigned n = 0; n < VIRT_VIRTIO_SLOTS; n++) {
        virtio_mmio_reset(virtio[n]);
    }
    if (remap_test) {
        remap_test_reset(remap_test);
    }
    m->has_htif = false;
    htif.tohost = htif.fromhost = 0;
    switch (cfg->bios) {
    case BIOS_NONE:
        if (!cfg->kernel_path) {
            error_setg(errp, "-bios none: nothing to run without -kernel");
            return -EINVAL;
        }
        rc = load_kernel(m, cfg->kernel_path, &ram, m->as.ram_base, &pl, &kernel_addr, errp);
        boot->entry = kernel_addr;
        break;
    case BIOS_FILE:
        rc = loader_load_image(cfg->bios_path, &ram, m->as.ram_base, &img, errp);
        if (rc) {
            error_prepend(errp, "-bios ");
            return rc;
        }
        boot->entry = img.entry;
        note_htif(m, &img);
        rc = place(&pl, "-bios", img.low, img.high, errp);
        if (!rc && cfg->kernel_path) {
            rc = loader_load_image(cfg->kernel_path, &ram, m->as.ram_base + VIRT_KERNEL_OFFSET,
                                   &img, errp);
            if (rc) {
                error_prepend(errp, "-kernel ");
            } else {
                kernel_addr = img.entry;
                rc = place(&pl, "-kernel", img.low, img.high, errp);
            }
        }
        break;
    case BIOS_DEFAULT:
        /* The built-in SBI: tlbstorm is the M-mode firmware and the kernel runs in S-mode. */
        if (!cfg->kernel_path) {
            if (cfg->dumpdtb_path) {
                rc = 0;          /* only the device tree is wanted */
                break;
            }
            error_setg(errp, "-bios default: the built-in SBI firmware needs -kernel "
                     "(an S-mode kernel); use -bios FILE or -bios none to run firmware");
            return -EINVAL;
        }
        /* As QEMU with its default firmware: an ELF at its physical addresses, a raw image
         * (Linux Image, U-Boot) 2 MiB into RAM, where fw_jump would put it. */
        rc = load_kernel(m, cfg->kernel_path, &ram, m->as.ram_base + VIRT_KERNEL_OFFSET, &pl,
                         &kernel_addr, errp);
        boot->entry = kernel_addr;
        break;
    default:
        error_setg(errp, "-bios: unknown firmware selection");
        return -EINVAL;
    }
    if (rc) {
        return rc;
    }

    uint64_t initrd_start = 0, initrd_end = 0;
    if (cfg->initrd_path) {
        if (!cfg->kernel_path) {
            error_setg(errp, "-initrd: needs -kernel");
            return -EINVAL;
        }
        /* As QEMU: far enough above the kernel that decompressing it cannot clobber the
         * initrd, yet low enough for small RAM sizes. */
        uint64_t gap = m->as.ram_size / 2 < INITRD_MAX_GAP ? m->as.ram_size / 2 : INITRD_MAX_GAP;
        initrd_start = (kernel_addr + gap + RV_PAGE_SIZE - 1) & ~(RV_PAGE_SIZE - 1);
        rc = loader_load_raw(cfg->initrd_path, &ram, initrd_start, &img, errp);
        if (rc) {
            error_prepend(errp, "-initrd ");
            return rc;
        }
        initrd_end = img.high;
        rc = place(&pl, "-initrd", initrd_start, initrd_end, errp);
        if (rc) {
            return rc;
        }
    }

    void *fdt;
    size_t fdt_size;
    if (cfg->dtb_path) {
        rc = read_dtb_file(cfg->dtb_path, &fdt, &fdt_size, errp);
    } else {
        struct virt_fdt_params p = {
            .n_harts = m->n_cpus, .ram_base = m->as.ram_base, .ram_size = m->as.ram_size,
            .bootargs = cfg->append, .initrd_start = initrd_start, .initrd_end = initrd_end,
            .has_plic = true, .has_rtc = true, .n_virtio = VIRT_VIRTIO_SLOTS,
            .has_remap_test = remap_test != NULL, .aclint = cfg->machine_aclint,
            .sstc = cfg->cpu_sstc, .svinval = cfg->cpu_svinval, .svnapot = cfg->cpu_svnapot,
            .svpbmt = cfg->cpu_svpbmt, .satp_mode_max = cfg->cpu_satp_mode_max,
        };
        rc = virt_fdt_build(&p, &fdt, &fdt_size, errp);
    }
    if (rc) {
        return rc;
    }
    if (cfg->dumpdtb_path) {
        rc = dump_dtb(cfg->dumpdtb_path, fdt, fdt_size, errp);
        free(fdt);
        boot->dtb_dumped = rc == 0;
        return rc;
    }
    /* As QEMU: at the top of RAM (below 3 GiB), aligned down to 2 MiB. */
    uint64_t top = m->as.ram_base + m->as.ram_size < FDT_PLACE_LIMIT ? m->as.ram_base + m->as.ram_size
                                                                : FDT_PLACE_LIMIT;
    uint64_t fdt_addr = (top - fdt_size) & ~(FDT_ALIGN - 1);
    rc = place(&pl, "device tree", fdt_addr, fdt_addr + fdt_size, errp);
    if (rc) {
        free(fdt);
        return rc;
    }
    memcpy(m->as.ram + (fdt_addr - m->as.ram_base), fdt, fdt_size);
    free(fdt);
    boot->dtb_addr = fdt_addr;
    build_reset_rom(boot->entry, fdt_addr, kernel_addr);
    boot->entry = VIRT_MROM_BASE;
    if (cfg->bios == BIOS_DEFAULT) {
        /* The harts never run the ROM: the SBI puts them in S-mode (hart 0 at the kernel,
         * the others stopped until HSM hart_start). */
        SBIBoot sb = { .kernel_entry = kernel_addr, .dtb_addr = fdt_addr,
                       .mtrap_vector = VIRT_MROM_BASE + ROM_SBI_TRAP_OFF, .console = uart0,
                       .ram = &dma_ram };
        if (sbi_machine_setup(m, &sb) != 0) {
            error_setg(errp, "out of memory");
            return -ENOMEM;
        }
    }

    rc = publish_memmap(m);
    if (rc) {
        error_setg(errp, "out of memory");
    }
    return rc;
}

void virt_destroy(Machine *m)
{
    for (unsigned n = 0; n < VIRT_VIRTIO_SLOTS; n++) {
        virtio_mmio_free(virtio[n]);
        virtio_blk_close(virtio_blk[n]);
        virtio[n] = NULL;
        virtio_blk[n] = NULL;
    }
    remap_test_free(remap_test);
    remap_test = NULL;
    goldfish_rtc_free(rtc);
    ns16550_free(uart0);
    plic_free(plic);
    rtc = NULL;
    uart0 = NULL;
    plic = NULL;
    if (m->cpus) {
        for (unsigned i = 0; i < m->n_cpus; i++) {
            if (m->cpus[i]) {
                tlb_destroy(&m->cpus[i]->tlb);
                riscv_cpu_finalize(m->cpus[i]);
                free(m->cpus[i]);
            }
        }
        free(m->cpus);
    }
    free(m->as.memmap);
    sbi_machine_free(m);
    if (m->as.ram) {
        munmap(m->as.ram, m->as.ram_size);
    }
    memset(m, 0, sizeof(*m));
}
