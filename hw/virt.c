#include "hw/virt.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <urcu/urcu-memb.h>

#include "cpu/cpu.h"
#include "hw/cmdline.h"
#include "hw/devices.h"
#include "hw/loader.h"

#define VIRT_TEST_SIZE 0x1000ULL
#define VIRT_UART0_SIZE 0x100ULL
#define VIRT_KERNEL_OFFSET 0x200000ULL     /* fw_jump: kernel 2 MiB above the firmware */
#define FDT_MAX_SIZE (1ULL << 20)

/* Board-owned device state, one machine per process. */
static UARTState uart0;
static HTIFState htif;

int virt_create(Machine *m, const struct tlbstorm_config *cfg, char *err, size_t errlen)
{
    memset(m, 0, sizeof(*m));
    m->cfg = cfg;
    m->n_cpus = cfg->smp;
    m->ram_base = VIRT_RAM_BASE;
    m->ram_size = cfg->ram_size;
    if (cfg->n_drives || cfg->n_devices) {
        snprintf(err, errlen, "-drive/-device: virtio block devices are not supported yet");
        return -ENOTSUP;
    }
    if (cfg->dumpdtb_path) {
        snprintf(err, errlen, "-machine dumpdtb: device tree generation is not supported yet");
        return -ENOTSUP;
    }
    void *ram = mmap(NULL, m->ram_size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (ram == MAP_FAILED) {
        snprintf(err, errlen, "-m: cannot allocate %llu MiB of guest RAM: %s",
                 (unsigned long long)(m->ram_size >> 20), strerror(errno));
        return -ENOMEM;
    }
    m->ram = ram;
    m->cpus = calloc(m->n_cpus, sizeof(*m->cpus));
    if (!m->cpus) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    for (unsigned i = 0; i < m->n_cpus; i++) {
        RISCVCPU *cpu = aligned_alloc(64, (sizeof(RISCVCPU) + 63) & ~(size_t)63);
        if (!cpu) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
        memset(cpu, 0, sizeof(*cpu));
        m->cpus[i] = cpu;
        riscv_cpu_init(cpu, m, i);
        cpu->ram_host = m->ram;
        if (tlb_init(cpu) != 0) {
            snprintf(err, errlen, "out of memory");
            return -ENOMEM;
        }
    }
    uart0.out_fd = STDOUT_FILENO;
    htif.m = m;
    htif.out_fd = STDOUT_FILENO;
    return 0;
}

static int load_dtb(Machine *m, const char *path, uint64_t *addr, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return -errno;
    }
    if ((uint64_t)st.st_size > FDT_MAX_SIZE || (uint64_t)st.st_size > m->ram_size / 2) {
        snprintf(err, errlen, "%s: device tree of %lld bytes is too large", path,
                 (long long)st.st_size);
        close(fd);
        return -EFBIG;
    }
    /* As QEMU: at the top of RAM (below 3 GiB), aligned down to 2 MiB. */
    uint64_t top = m->ram_base + m->ram_size;
    if (top > 0xc0000000ULL) {
        top = 0xc0000000ULL;
    }
    uint64_t a = (top - (uint64_t)st.st_size) & ~((2ULL << 20) - 1);
    ssize_t n = pread(fd, m->ram + (a - m->ram_base), (size_t)st.st_size, 0);
    close(fd);
    if (n != st.st_size) {
        snprintf(err, errlen, "%s: short read", path);
        return -EIO;
    }
    *addr = a;
    return 0;
}

static int publish_memmap(Machine *m)
{
    MemRegion regions[8];
    unsigned n = 0;
    regions[n++] = (MemRegion){ .name = "ram", .base = m->ram_base, .size = m->ram_size,
                                .host = m->ram };
    regions[n++] = (MemRegion){ .name = "sifive_test", .base = VIRT_TEST_BASE,
                                .size = VIRT_TEST_SIZE, .ops = &sifive_test_ops, .opaque = m };
    regions[n++] = (MemRegion){ .name = "clint", .base = VIRT_CLINT_BASE,
                                .size = VIRT_CLINT_SIZE, .ops = &clint_ops, .opaque = m };
    regions[n++] = (MemRegion){ .name = "uart0", .base = VIRT_UART0_BASE,
                                .size = VIRT_UART0_SIZE, .ops = &uart_ops, .opaque = &uart0 };
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
    if (!map) {
        return -ENOMEM;
    }
    MemMap *old = rcu_xchg_pointer(&m->memmap, map);
    if (old) {
        urcu_memb_synchronize_rcu();
        free(old);
    }
    return 0;
}

static void note_htif(Machine *m, const struct loaded_image *img)
{
    if (img->has_tohost) {
        m->has_htif = true;
        m->htif_tohost = img->tohost;
        m->htif_fromhost = img->fromhost;
    }
}

int virt_load(Machine *m, BootInfo *boot, char *err, size_t errlen)
{
    const struct tlbstorm_config *cfg = m->cfg;
    struct guest_ram ram = { m->ram, m->ram_base, m->ram_size };
    struct loaded_image img;
    int rc;

    memset(boot, 0, sizeof(*boot));
    m->has_htif = false;
    htif.tohost = htif.fromhost = 0;
    if (cfg->initrd_path || cfg->append) {
        snprintf(err, errlen, "%s: passing it to the guest needs the device tree, which is not "
                 "supported yet", cfg->initrd_path ? "-initrd" : "-append");
        return -ENOTSUP;
    }
    switch (cfg->bios) {
    case BIOS_NONE:
        if (!cfg->kernel_path) {
            snprintf(err, errlen, "-bios none: nothing to run without -kernel");
            return -EINVAL;
        }
        rc = loader_load_image(cfg->kernel_path, &ram, m->ram_base, &img, err, errlen);
        if (rc) {
            return rc;
        }
        boot->entry = img.entry;
        note_htif(m, &img);
        break;
    case BIOS_FILE:
        rc = loader_load_image(cfg->bios_path, &ram, m->ram_base, &img, err, errlen);
        if (rc) {
            return rc;
        }
        boot->entry = img.entry;
        note_htif(m, &img);
        if (cfg->kernel_path) {
            rc = loader_load_image(cfg->kernel_path, &ram, m->ram_base + VIRT_KERNEL_OFFSET,
                                   &img, err, errlen);
            if (rc) {
                return rc;
            }
        }
        break;
    default:
        snprintf(err, errlen, "-bios: the built-in SBI firmware is not available yet; use "
                 "-bios none (M-mode kernel) or -bios FILE");
        return -ENOTSUP;
    }
    if (cfg->dtb_path) {
        rc = load_dtb(m, cfg->dtb_path, &boot->dtb_addr, err, errlen);
        if (rc) {
            return rc;
        }
    }
    rc = publish_memmap(m);
    if (rc) {
        snprintf(err, errlen, "out of memory");
    }
    return rc;
}

void virt_destroy(Machine *m)
{
    if (m->cpus) {
        for (unsigned i = 0; i < m->n_cpus; i++) {
            if (m->cpus[i]) {
                tlb_destroy(m->cpus[i]);
                free(m->cpus[i]);
            }
        }
        free(m->cpus);
    }
    free(m->memmap);
    if (m->ram) {
        munmap(m->ram, m->ram_size);
    }
    memset(m, 0, sizeof(*m));
}
