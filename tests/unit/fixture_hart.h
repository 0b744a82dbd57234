/* Test fixture for the MMU and TLB unit tests: one Machine (RAM, ROM, two recording MMIO
 * devices, a published memory map), one RISCVCPU and helpers that build page tables and set
 * privilege, mstatus, satp and PMP state the way the CSR code does.
 * Callers: the test's main thread between fx_setup and fx_teardown; fx_new_cpu/fx_free_cpu may
 * also be used for extra harts that other threads own (each thread registers with urcu itself).
 * Locking: none; setup is single-threaded, so the memory map is simply assigned. */
#ifndef TESTS_UNIT_FIXTURE_HART_H
#define TESTS_UNIT_FIXTURE_HART_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "cpu/cpu.h"
#include "hw/machine.h"

/* ---- guest-physical layout ---- */
#define FX_RAM_BASE 0x80000000ULL
#define FX_RAM_SIZE (32ULL << 20)
/* Page tables are allocated from the top half of RAM; tests use the bottom half as data. */
#define FX_PT_BASE (FX_RAM_BASE + (16ULL << 20))
#define FX_ROM_BASE 0x20000000ULL        /* read-only, host-backed */
#define FX_ROM_SIZE 0x2000ULL
#define FX_MMIO_BASE 0x10000000ULL       /* recording device fx_mmio */
#define FX_MMIO_SIZE 0x2000ULL
/* A RAM page whose first FX_OVERLAY_SIZE bytes are covered by the higher-priority device
 * fx_overlay: the rest of the page is still RAM, but the page is not plain. */
#define FX_OVERLAY_PAGE (FX_RAM_BASE + (15ULL << 20))
#define FX_OVERLAY_SIZE 0x100ULL
#define FX_UNMAPPED 0x40000000ULL        /* nothing is mapped here */
#define FX_TRAP_VECTOR 0x80000100ULL     /* mtvec/stvec: where a raised exception jumps */
#define FX_INSN_PC 0x80000040ULL         /* cpu->pc before a call that may trap */

/* ---- PTE bits (priv spec, Sv39/48/57) ---- */
#define FX_PTE_V (1ULL << 0)
#define FX_PTE_R (1ULL << 1)
#define FX_PTE_W (1ULL << 2)
#define FX_PTE_X (1ULL << 3)
#define FX_PTE_U (1ULL << 4)
#define FX_PTE_G (1ULL << 5)
#define FX_PTE_A (1ULL << 6)
#define FX_PTE_D (1ULL << 7)
#define FX_PTE_RSW0 (1ULL << 8)
#define FX_PTE_PPN_SHIFT 10
#define FX_PTE_PPN_MASK (((1ULL << 44) - 1) << FX_PTE_PPN_SHIFT)
#define FX_PTE_RWXAD (FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_X | FX_PTE_A | FX_PTE_D)

/* ---- PMP configuration bits (priv spec 3.7) ---- */
#define FX_PMP_R 0x01
#define FX_PMP_W 0x02
#define FX_PMP_X 0x04
#define FX_PMP_TOR (1u << 3)
#define FX_PMP_NA4 (2u << 3)
#define FX_PMP_NAPOT (3u << 3)
#define FX_PMP_L 0x80

/* pmpaddr value of a NAPOT region; base aligned to size, size a power of two >= 8. */
static inline uint64_t fx_pmp_napot(uint64_t base, uint64_t size)
{
    return (base >> 2) | ((size >> 3) - 1);
}

/* ---- recording MMIO device ---- */
#define FX_MMIO_LOG 64

typedef struct FxMmioAccess {
    bool is_write;
    uint64_t offset;              /* from the region base */
    uint64_t value;               /* written value, or the value the read returned */
    unsigned size;                /* bytes */
} FxMmioAccess;

typedef struct FxMmioDev {
    unsigned n;                   /* accesses recorded (the log keeps the first FX_MMIO_LOG) */
    FxMmioAccess log[FX_MMIO_LOG];
    /* Reads return read_base + offset, truncated to the access size. */
    uint64_t read_base;
} FxMmioDev;

extern FxMmioDev fx_mmio;         /* at FX_MMIO_BASE */
extern FxMmioDev fx_overlay;      /* at FX_OVERLAY_PAGE, priority 1 over RAM */

/* ---- the machine and its first hart ---- */
extern Machine fx_machine;
extern RISCVCPU *fx_cpu;

/* Criterion .init/.fini: register the thread with urcu, map RAM, publish the memory map,
 * create fx_cpu reset to M-mode with PMP entry 0 granting RWX on everything, satp bare. */
void fx_setup(void);
void fx_teardown(void);

/* Another hart on fx_machine, in the same state as fx_setup leaves fx_cpu but with fx_cpu's
 * satp. The caller owns it; the thread that uses it must be registered with urcu. */
RISCVCPU *fx_new_cpu(unsigned hartid);
void fx_free_cpu(RISCVCPU *cpu);

/* ---- guest RAM access from the test ---- */
/* Host address of guest-physical paddr, which must lie in RAM. */
uint8_t *fx_host(uint64_t paddr);
/* Host address of guest-physical paddr in the ROM (the test may write it; the guest may not).
 * The fixture fills ROM byte i with (uint8_t)(i * 7 + 3). */
uint8_t *fx_rom_host(uint64_t paddr);
uint64_t fx_ram_read(uint64_t paddr, unsigned size);
void fx_ram_write(uint64_t paddr, unsigned size, uint64_t val);

/* ---- page tables ---- */
/* A zeroed page for page tables (from the FX_PT_BASE pool). */
uint64_t fx_pt_alloc(void);
/* Start translating in `mode` (SATP_MODE_SV39/48/57): a fresh root, fx_cpu's satp pointing at
 * it, TLB flushed. Returns the root's paddr. */
uint64_t fx_paging(unsigned mode);
/* Make fx_map/fx_pte_addr work on another root of the same mode (satp unchanged). */
void fx_paging_use_root(uint64_t root);
/* Levels of the current fx_paging mode (3, 4 or 5). */
unsigned fx_levels(void);
/* Map vaddr to paddr with a leaf of 2^page_bits bytes (12, 21, 30, 39 or 48), allocating
 * pointer PTEs as needed. The leaf PTE is ((paddr >> 12) << 10) | flags, exactly: paddr is
 * not aligned for the caller, so a misaligned superpage can be built. Returns the leaf PTE's
 * paddr. */
uint64_t fx_map(uint64_t vaddr, uint64_t paddr, unsigned page_bits, uint64_t flags);
/* Paddr of the PTE the walk for vaddr reads at `level` (levels-1 = root); all pointer PTEs
 * above it must exist. */
uint64_t fx_pte_addr(uint64_t vaddr, unsigned level);
_Atomic uint64_t *fx_pte_slot(uint64_t pte_paddr);
uint64_t fx_pte_read(uint64_t pte_paddr);
void fx_pte_write(uint64_t pte_paddr, uint64_t pte);
static inline uint64_t fx_pte(uint64_t paddr, uint64_t flags)
{
    return ((paddr >> 12) << FX_PTE_PPN_SHIFT) | flags;
}

/* ---- hart state, with the side effects the CSR code has ---- */
/* Set the privilege level and recompute the mmu_idx (as xRET and trap entry do). */
void fx_set_priv(RISCVCPU *cpu, unsigned priv);
/* mstatus = (mstatus & ~clear) | set; flushes the TLB when MXR changes, recomputes mmu_idx. */
void fx_set_mstatus(RISCVCPU *cpu, uint64_t set, uint64_t clear);
/* satp = mode | root PPN (ASID 0); flushes the TLB. */
void fx_set_satp(RISCVCPU *cpu, unsigned mode, uint64_t root_paddr);
/* PMP entry i = (cfg, pmpaddr); flushes the TLB. */
void fx_set_pmp(RISCVCPU *cpu, unsigned i, uint8_t cfg, uint64_t pmpaddr);
/* Every PMP entry off; flushes the TLB. */
void fx_pmp_clear(RISCVCPU *cpu);
/* Entry 0 = NAPOT over all of memory with R, W and X (the other entries off). */
void fx_pmp_allow_all(RISCVCPU *cpu);

/* Before a call that may raise an exception: priv restored to `priv`, pc = FX_INSN_PC and
 * mcause/mtval/scause/stval set to FX_NO_TRAP, so a test can tell whether a trap was taken. */
#define FX_NO_TRAP 0x5a5a5a5a5a5a5a5aULL
void fx_trap_reset(RISCVCPU *cpu, unsigned priv);
/* Criterion assertion (include criterion first): an exception with this cause and tval was
 * taken to M-mode (medeleg is 0) since fx_trap_reset. */
#define FX_ASSERT_TRAP(cpu, cause, tval)                                                    \
    do {                                                                                    \
        cr_assert_eq((cpu)->mcause, (uint64_t)(cause), "mcause %#llx, expected %#llx",      \
                     (unsigned long long)(cpu)->mcause, (unsigned long long)(cause));       \
        cr_assert_eq((cpu)->mtval, (uint64_t)(tval), "mtval %#llx, expected %#llx",         \
                     (unsigned long long)(cpu)->mtval, (unsigned long long)(tval));         \
        cr_assert_eq((cpu)->pc, FX_TRAP_VECTOR);                                            \
        cr_assert_eq((cpu)->priv, PRV_M);                                                   \
    } while (0)
/* ... and no exception was taken. */
#define FX_ASSERT_NO_TRAP(cpu)                                                              \
    do {                                                                                    \
        cr_assert_eq((cpu)->mcause, FX_NO_TRAP, "unexpected trap, mcause %#llx mtval %#llx", \
                     (unsigned long long)(cpu)->mcause, (unsigned long long)(cpu)->mtval);  \
        cr_assert_eq((cpu)->pc, FX_INSN_PC);                                                \
    } while (0)

#endif
