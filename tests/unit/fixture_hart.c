/* Test fixture for the MMU and TLB unit tests (see fixture_hart.h).
 * Callers: the test's main thread; fx_new_cpu/fx_free_cpu from any thread.
 * Locking: none; the fixture is built before any helper thread starts. */
#include "tests/unit/fixture_hart.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <urcu/urcu-memb.h>

#include "accel/tb.h"
#include "cpu/mmu.h"
#include "mm/memmap.h"
#include "mm/tlb.h"
#include "util/clock.h"

Machine fx_machine;
RISCVCPU *fx_cpu;
FxMmioDev fx_mmio;
FxMmioDev fx_overlay;

static uint8_t *fx_rom;
static uint64_t pt_next;          /* next free page-table page */
static uint64_t pt_root;
static unsigned pt_levels;

/* ---- recording device ---- */

static uint64_t size_mask(unsigned size)
{
    return size >= 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
}

static void dev_log(FxMmioDev *d, bool is_write, uint64_t offset, uint64_t value, unsigned size)
{
    if (d->n < FX_MMIO_LOG) {
        d->log[d->n] = (FxMmioAccess){ is_write, offset, value, size };
    }
    d->n++;
}

static uint64_t dev_read(void *opaque, uint64_t offset, unsigned size)
{
    FxMmioDev *d = opaque;
    uint64_t v = (d->read_base + offset) & size_mask(size);
    dev_log(d, false, offset, v, size);
    return v;
}

static void dev_write(void *opaque, uint64_t offset, uint64_t value, unsigned size)
{
    dev_log(opaque, true, offset, value, size);
}

static const MMIOOps dev_ops = { .read = dev_read, .write = dev_write };

/* ---- setup ---- */

void fx_setup(void)
{
    urcu_memb_register_thread();
    memset(&fx_machine, 0, sizeof(fx_machine));
    memset(&fx_mmio, 0, sizeof(fx_mmio));
    memset(&fx_overlay, 0, sizeof(fx_overlay));
    fx_mmio.read_base = 0x1122334455667700ULL;
    fx_overlay.read_base = 0x99aabbccddeeff00ULL;

    void *ram = mmap(NULL, FX_RAM_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    cr_assert_neq(ram, MAP_FAILED);
    fx_machine.as.ram = ram;
    fx_machine.as.ram_base = FX_RAM_BASE;
    fx_machine.as.ram_size = FX_RAM_SIZE;
    /* All zero: no page holds translated code, so stores never reach the TB cache. */
    fx_machine.as.code_pages = calloc(FX_RAM_SIZE >> RV_PAGE_BITS, 1);
    cr_assert_not_null(fx_machine.as.code_pages);
    fx_machine.time_base_ns = clock_monotonic_ns();

    fx_rom = aligned_alloc(RV_PAGE_SIZE, FX_ROM_SIZE);
    cr_assert_not_null(fx_rom);
    for (uint64_t i = 0; i < FX_ROM_SIZE; i++) {
        fx_rom[i] = (uint8_t)(i * 7 + 3);
    }

    const MemRegion regions[] = {
        { .name = "ram", .base = FX_RAM_BASE, .size = FX_RAM_SIZE, .host = fx_machine.as.ram },
        { .name = "rom", .base = FX_ROM_BASE, .size = FX_ROM_SIZE, .host = fx_rom,
          .readonly = true },
        { .name = "mmio", .base = FX_MMIO_BASE, .size = FX_MMIO_SIZE, .ops = &dev_ops,
          .opaque = &fx_mmio },
        { .name = "overlay", .base = FX_OVERLAY_PAGE, .size = FX_OVERLAY_SIZE, .priority = 1,
          .ops = &dev_ops, .opaque = &fx_overlay },
    };
    /* Single-threaded setup: no reader exists yet, so a plain assignment publishes it. */
    fx_machine.as.memmap = memmap_new(regions, sizeof(regions) / sizeof(regions[0]));
    cr_assert_not_null(fx_machine.as.memmap);

    pt_next = FX_PT_BASE;
    pt_root = 0;
    pt_levels = 0;

    fx_cpu = fx_new_cpu(0);
    fx_machine.n_cpus = 1;
    fx_machine.cpus = &fx_cpu;
}

void fx_teardown(void)
{
    fx_free_cpu(fx_cpu);
    fx_cpu = NULL;
    free(fx_machine.as.memmap);
    free((void *)fx_machine.as.code_pages);
    munmap(fx_machine.as.ram, FX_RAM_SIZE);
    free(fx_rom);
    memset(&fx_machine, 0, sizeof(fx_machine));
    urcu_memb_unregister_thread();
}

RISCVCPU *fx_new_cpu(unsigned hartid)
{
    RISCVCPU *cpu = calloc(1, sizeof(*cpu));
    cr_assert_not_null(cpu);
    cr_assert_eq(machine_cpu_init(&fx_machine, cpu, hartid), 0);
    riscv_cpu_reset(cpu, FX_RAM_BASE, 0);
    cpu->ram_host = fx_machine.as.ram;
    cpu->code_pages = fx_machine.as.code_pages;
    cr_assert_eq(tb_tlb_init(cpu), 0);
    cpu->mtvec = FX_TRAP_VECTOR;
    cpu->stvec = FX_TRAP_VECTOR;
    fx_pmp_allow_all(cpu);
    if (fx_cpu) {
        cpu->satp = fx_cpu->satp;
    }
    return cpu;
}

void fx_free_cpu(RISCVCPU *cpu)
{
    if (cpu) {
        tlb_destroy(&cpu->tlb);
        riscv_cpu_finalize(cpu);
        free(cpu);
    }
}

/* ---- RAM ---- */

uint8_t *fx_host(uint64_t paddr)
{
    cr_assert(paddr >= FX_RAM_BASE && paddr - FX_RAM_BASE < FX_RAM_SIZE,
              "paddr %#llx is not in RAM", (unsigned long long)paddr);
    return fx_machine.as.ram + (paddr - FX_RAM_BASE);
}

uint8_t *fx_rom_host(uint64_t paddr)
{
    cr_assert(paddr >= FX_ROM_BASE && paddr - FX_ROM_BASE < FX_ROM_SIZE,
              "paddr %#llx is not in ROM", (unsigned long long)paddr);
    return fx_rom + (paddr - FX_ROM_BASE);
}

uint64_t fx_ram_read(uint64_t paddr, unsigned size)
{
    uint64_t v = 0;
    memcpy(&v, fx_host(paddr), size);     /* little-endian host */
    return v;
}

void fx_ram_write(uint64_t paddr, unsigned size, uint64_t val)
{
    memcpy(fx_host(paddr), &val, size);
}

/* ---- page tables ---- */

uint64_t fx_pt_alloc(void)
{
    cr_assert(pt_next < FX_RAM_BASE + FX_RAM_SIZE, "page-table pool exhausted");
    uint64_t page = pt_next;
    pt_next += RV_PAGE_SIZE;
    memset(fx_host(page), 0, RV_PAGE_SIZE);
    return page;
}

uint64_t fx_paging(unsigned mode)
{
    cr_assert(mode == SATP_MODE_SV39 || mode == SATP_MODE_SV48 || mode == SATP_MODE_SV57);
    pt_levels = mode - SATP_MODE_SV39 + 3;
    pt_root = fx_pt_alloc();
    fx_set_satp(fx_cpu, mode, pt_root);
    return pt_root;
}

void fx_paging_use_root(uint64_t root)
{
    pt_root = root;
}

unsigned fx_levels(void)
{
    return pt_levels;
}

static uint64_t vpn(uint64_t vaddr, unsigned level)
{
    return (vaddr >> (12 + 9 * level)) & 0x1ff;
}

_Atomic uint64_t *fx_pte_slot(uint64_t pte_paddr)
{
    cr_assert_eq(pte_paddr & 7, 0);
    return (_Atomic uint64_t *)(void *)fx_host(pte_paddr);
}

uint64_t fx_pte_read(uint64_t pte_paddr)
{
    return atomic_load_explicit(fx_pte_slot(pte_paddr), memory_order_acquire);
}

/* Page-table changes by the fixture stand for a kernel's, which an sfence.vma follows before
 * they must be seen: drop what fx_cpu's page-walk cache kept (cpu/mmu.c). */
static void fx_forget_walks(void)
{
    fx_cpu->walk_cache.valid = false;
}

void fx_pte_write(uint64_t pte_paddr, uint64_t pte)
{
    atomic_store_explicit(fx_pte_slot(pte_paddr), pte, memory_order_release);
    fx_forget_walks();
}

static uint64_t pte_target(uint64_t pte)
{
    return ((pte & FX_PTE_PPN_MASK) >> FX_PTE_PPN_SHIFT) << 12;
}

uint64_t fx_pte_addr(uint64_t vaddr, unsigned level)
{
    cr_assert(pt_levels, "fx_paging not called");
    cr_assert_lt(level, pt_levels);
    uint64_t table = pt_root;
    for (unsigned l = pt_levels - 1; l > level; l--) {
        uint64_t pte = fx_pte_read(table + vpn(vaddr, l) * 8);
        cr_assert((pte & FX_PTE_V) && !(pte & (FX_PTE_R | FX_PTE_W | FX_PTE_X)),
                  "no pointer PTE at level %u for %#llx", l, (unsigned long long)vaddr);
        table = pte_target(pte);
    }
    return table + vpn(vaddr, level) * 8;
}

uint64_t fx_map(uint64_t vaddr, uint64_t paddr, unsigned page_bits, uint64_t flags)
{
    cr_assert(pt_levels, "fx_paging not called");
    cr_assert(page_bits >= 12 && (page_bits - 12) % 9 == 0);
    unsigned leaf = (page_bits - 12) / 9;
    cr_assert_lt(leaf, pt_levels);
    uint64_t table = pt_root;
    for (unsigned l = pt_levels - 1; l > leaf; l--) {
        uint64_t slot = table + vpn(vaddr, l) * 8;
        uint64_t pte = fx_pte_read(slot);
        if (!(pte & FX_PTE_V)) {
            pte = fx_pte(fx_pt_alloc(), FX_PTE_V);
            fx_pte_write(slot, pte);
        }
        cr_assert(!(pte & (FX_PTE_R | FX_PTE_W | FX_PTE_X)),
                  "fx_map: a leaf already covers %#llx", (unsigned long long)vaddr);
        table = pte_target(pte);
    }
    uint64_t slot = table + vpn(vaddr, leaf) * 8;
    fx_pte_write(slot, fx_pte(paddr, flags));
    return slot;
}

/* ---- hart state ---- */

void fx_set_priv(RISCVCPU *cpu, unsigned priv)
{
    cpu->priv = (uint8_t)priv;
    riscv_cpu_update_mmu_idx(cpu);
}

void fx_set_mstatus(RISCVCPU *cpu, uint64_t set, uint64_t clear)
{
    uint64_t old = cpu->mstatus;
    cpu->mstatus = (old & ~clear) | set;
    if ((old ^ cpu->mstatus) & MSTATUS_MXR) {
        tlb_flush_local(&cpu->tlb);     /* as the mstatus CSR write does */
    }
    riscv_cpu_update_mmu_idx(cpu);
}

void fx_set_satp(RISCVCPU *cpu, unsigned mode, uint64_t root_paddr)
{
    cpu->satp = ((uint64_t)mode << SATP_MODE_SHIFT) | ((root_paddr >> 12) & SATP_PPN_MASK);
    tlb_flush_local(&cpu->tlb);
}

void fx_set_pmp(RISCVCPU *cpu, unsigned i, uint8_t cfg, uint64_t pmpaddr)
{
    cr_assert_lt(i, PMP_ENTRIES);
    cpu->pmpcfg[i] = cfg;
    cpu->pmpaddr[i] = pmpaddr & ((1ULL << 54) - 1);
    riscv_pmp_changed(cpu);
    tlb_flush_local(&cpu->tlb);
}

void fx_pmp_clear(RISCVCPU *cpu)
{
    memset(cpu->pmpcfg, 0, sizeof(cpu->pmpcfg));
    memset(cpu->pmpaddr, 0, sizeof(cpu->pmpaddr));
    tlb_flush_local(&cpu->tlb);
}

void fx_pmp_allow_all(RISCVCPU *cpu)
{
    fx_pmp_clear(cpu);
    fx_set_pmp(cpu, 0, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
}

void fx_trap_reset(RISCVCPU *cpu, unsigned priv)
{
    cpu->mcause = cpu->mtval = cpu->scause = cpu->stval = FX_NO_TRAP;
    cpu->pc = FX_INSN_PC;
    fx_set_priv(cpu, priv);
}
