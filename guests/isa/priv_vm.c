/* Page-table builder for priv_vm.S (runs in M-mode only, with translation off for M).
 *
 * vm_setup(mode)            fresh tables for satp mode 8/9/10 (Sv39/Sv48/Sv57); identity-maps the
 *                           program image [0x80000000, _end) with 4 KiB pages (RWX, A, D; the
 *                           user_text / user_data pages also get U). Returns the satp value.
 * vm_map(va, pa, lvl, f)    leaf PTE at level lvl (0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB, 3 = 512 GiB,
 *                           4 = 256 TiB) = PPN(pa) | f, creating next-level tables on the way.
 *                           Returns the address of the leaf PTE.
 * vm_walk(va, lvl)          address of the PTE at level lvl on the path of va (0 if the path is
 *                           not there), e.g. to edit a non-leaf entry.
 * vm_build(mode)            vm_setup(mode) plus every test mapping of the priv_common.h layout
 *                           (VM_VA_*, VM_PG_*); frame i starts with VM_FRAME_VAL(i). Leaves the
 *                           addresses of the PTEs the tests edit in vm_pte_*. Returns satp.
 * vm_frames                 NFRAMES page frames for test data (identity-mapped as S pages).
 */
#include <stdint.h>
#include "harness.h"
#include "priv_common.h"

#define PAGE_SIZE 4096UL
#define PT_POOL_PAGES 96
#define NFRAMES 16
#define PPN_MASK ((PRIV_UL(1) << 44) - 1)

static uint64_t pt_pool[PT_POOL_PAGES][512] __attribute__((aligned(4096)));
uint64_t vm_frames[NFRAMES][512] __attribute__((aligned(4096)));

static unsigned pt_used;
static unsigned vm_levels;
static uint64_t *vm_root;

extern char _end[];
extern char user_text_start[], user_text_end[], user_data_start[], user_data_end[];

static uint64_t *alloc_table(void)
{
    if (pt_used >= PT_POOL_PAGES) {
        harness_puts("priv_vm: page-table pool exhausted\n");
        harness_exit(0xffe);
    }
    volatile uint64_t *t = pt_pool[pt_used++];
    for (unsigned i = 0; i < 512; i++) {
        t[i] = 0;
    }
    return (uint64_t *)t;
}

static uint64_t *next_table(uint64_t pte)
{
    return (uint64_t *)(((pte >> PTE_PPN_SHIFT) & PPN_MASK) << 12);
}

static unsigned vpn(uint64_t va, unsigned level)
{
    return (unsigned)(va >> (12 + 9 * level)) & 511;
}

uint64_t *vm_map(uint64_t va, uint64_t pa, unsigned level, uint64_t flags)
{
    uint64_t *t = vm_root;
    for (unsigned l = vm_levels - 1; l > level; l--) {
        uint64_t *e = &t[vpn(va, l)];
        if (!(*e & PTE_V) || (*e & (PTE_R | PTE_W | PTE_X))) {
            uint64_t *n = alloc_table();
            *e = (((uint64_t)n >> 12) << PTE_PPN_SHIFT) | PTE_V;
        }
        t = next_table(*e);
    }
    uint64_t *leaf = &t[vpn(va, level)];
    *leaf = ((pa >> 12) << PTE_PPN_SHIFT) | flags;
    return leaf;
}

uint64_t *vm_walk(uint64_t va, unsigned level)
{
    uint64_t *t = vm_root;
    for (unsigned l = vm_levels - 1; l > level; l--) {
        uint64_t e = t[vpn(va, l)];
        if (!(e & PTE_V)) {
            return 0;
        }
        t = next_table(e);
    }
    return &t[vpn(va, level)];
}

static int in_range(uint64_t a, const char *lo, const char *hi)
{
    return a >= (uint64_t)lo && a < (uint64_t)hi;
}

uint64_t vm_setup(unsigned mode)
{
    pt_used = 0;
    vm_levels = mode - 5; /* Sv39: 3, Sv48: 4, Sv57: 5 */
    vm_root = alloc_table();
    for (uint64_t a = 0x80000000UL; a < (uint64_t)_end; a += PAGE_SIZE) {
        uint64_t f = PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D;
        if (in_range(a, user_text_start, user_text_end) ||
            in_range(a, user_data_start, user_data_end)) {
            f |= PTE_U;
        }
        vm_map(a, a, 0, f);
    }
    return ((uint64_t)mode << SATP_MODE_SHIFT) | ((uint64_t)vm_root >> 12);
}

extern char xfn_page[];

uint64_t *vm_pte_remap, *vm_pte_nonleaf, *vm_pte_a0, *vm_pte_d0, *vm_pte_xa0, *vm_pte_sa0;

#define RW_AD (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

static uint64_t frame(unsigned i)
{
    return (uint64_t)vm_frames[i];
}

static void map_page(unsigned pg, uint64_t pa, uint64_t flags)
{
    vm_map(VM_VA(pg), pa, 0, flags);
}

uint64_t vm_build(unsigned mode)
{
    uint64_t satp = vm_setup(mode);
    uint64_t xfn = (uint64_t)xfn_page;

    for (unsigned i = 0; i < NFRAMES; i++) {
        volatile uint64_t *f = vm_frames[i];
        f[0] = VM_FRAME_VAL(i);
        for (unsigned j = 1; j < 512; j++) {
            f[j] = 0;
        }
    }

    /* superpages */
    vm_map(VM_VA_GIGA, 0x80000000UL, 2, RW_AD);
    vm_map(VM_VA_MEGA, 0x80000000UL, 1, RW_AD);
    vm_map(VM_VA_BAD_MEGA, 0x80000000UL + 0x1000, 1, RW_AD);
    vm_map(VM_VA_BAD_GIGA, 0x80000000UL + 0x200000, 2, RW_AD);
    if (mode >= SATP_MODE_SV48) {
        vm_map(VM_VA_TERA, 0, 3, RW_AD);
    }
    if (mode >= SATP_MODE_SV57) {
        vm_map(VM_VA_PETA, 0, 4, RW_AD);
    }

    /* 4 KiB pages */
    map_page(VM_PG_S_RW, frame(0), RW_AD);
    map_page(VM_PG_U_RW, frame(1), RW_AD | PTE_U);
    vm_pte_remap = vm_map(VM_VA(VM_PG_REMAP), frame(2), 0, RW_AD);
    map_page(VM_PG_XFN, xfn, PTE_V | PTE_R | PTE_X | PTE_A);
    map_page(VM_PG_UNMAPPED, frame(0), 0);
    vm_map(VM_VA_HIGH, frame(0), 0, RW_AD);
    vm_map(VM_VA_NONLEAF, frame(0), 0, RW_AD);
    vm_pte_nonleaf = vm_walk(VM_VA_NONLEAF, 1);

    /* permission / A-D pages */
    map_page(VM_PG_RO, frame(4), PTE_V | PTE_R | PTE_A);
    map_page(VM_PG_XO, xfn, PTE_V | PTE_X | PTE_A);
    map_page(VM_PG_WO, frame(6), PTE_V | PTE_W | PTE_A | PTE_D);
    map_page(VM_PG_VONLY, frame(6), PTE_V);
    vm_pte_a0 = vm_map(VM_VA(VM_PG_A0), frame(8), 0, PTE_V | PTE_R | PTE_W);
    vm_pte_d0 = vm_map(VM_VA(VM_PG_D0), frame(9), 0, PTE_V | PTE_R | PTE_W | PTE_A);
    vm_pte_xa0 = vm_map(VM_VA(VM_PG_XA0), xfn, 0, PTE_V | PTE_X);
    vm_pte_sa0 = vm_map(VM_VA(VM_PG_SA0), frame(10), 0, PTE_V | PTE_R | PTE_W);
    map_page(VM_PG_RSVD, frame(11), RW_AD | (PRIV_UL(1) << 54));
    map_page(VM_PG_U_RO, frame(12), PTE_V | PTE_R | PTE_A | PTE_U);
    map_page(VM_PG_U_XO, xfn, PTE_V | PTE_X | PTE_A | PTE_U);
    return satp;
}
