/* Criterion tests for the page-table walker and PMP (cpu/mmu.c): Sv39/48/57 leaves of every
 * size, PTE validity and permission rules, A/D updates (also against concurrent PTE writers),
 * access faults on the walk itself, and riscv_pmp_prot matching, priority and page uniformity.
 * Main thread, plus helper threads in the concurrency test (each registered with urcu).
 * Expected values come from the privileged spec 1.12 (sections 3.7, 4.3-4.6), not from the code. */
#include <criterion/criterion.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#include "cpu/cpu.h"
#include "cpu/mmu.h"
#include "tests/unit/fixture_hart.h"
#include "util/clock.h"

TestSuite(mmu, .init = fx_setup, .fini = fx_teardown);

static const enum mmu_access all_access[] = { ACCESS_LOAD, ACCESS_STORE, ACCESS_FETCH };
static const char *const access_name[] = { "load", "store", "fetch" };

static int xlate(uint64_t vaddr, enum mmu_access access, unsigned mmu_idx, RISCVTranslation *t)
{
    memset(t, 0xee, sizeof(*t));
    return riscv_translate(fx_cpu, vaddr, access, mmu_idx, t);
}

/* Translation must succeed with this paddr and page size. */
static void expect_ok(uint64_t vaddr, enum mmu_access access, unsigned mmu_idx, uint64_t paddr,
                      unsigned page_bits)
{
    RISCVTranslation t;
    int exc = xlate(vaddr, access, mmu_idx, &t);
    cr_assert_eq(exc, 0, "%s at %#llx (mmu_idx %u): exception %d", access_name[access],
                 (unsigned long long)vaddr, mmu_idx, exc);
    cr_assert_eq(t.paddr, paddr, "%s at %#llx: paddr %#llx, expected %#llx", access_name[access],
                 (unsigned long long)vaddr, (unsigned long long)t.paddr,
                 (unsigned long long)paddr);
    cr_assert_eq(t.page_bits, page_bits, "%s at %#llx: page_bits %u, expected %u",
                 access_name[access], (unsigned long long)vaddr, t.page_bits, page_bits);
}

static void expect_exc(uint64_t vaddr, enum mmu_access access, unsigned mmu_idx, int cause)
{
    RISCVTranslation t;
    int exc = xlate(vaddr, access, mmu_idx, &t);
    cr_assert_eq(exc, cause, "%s at %#llx (mmu_idx %u): got %d, expected exception %d",
                 access_name[access], (unsigned long long)vaddr, mmu_idx, exc, cause);
}

static int page_fault(enum mmu_access a)
{
    return a == ACCESS_LOAD ? 13 : a == ACCESS_STORE ? 15 : 12;
}

static int access_fault(enum mmu_access a)
{
    return a == ACCESS_LOAD ? 5 : a == ACCESS_STORE ? 7 : 1;
}

static void expect_page_fault_all(uint64_t vaddr, unsigned mmu_idx)
{
    for (unsigned i = 0; i < 3; i++) {
        expect_exc(vaddr, all_access[i], mmu_idx, page_fault(all_access[i]));
    }
}

static uint64_t sext(uint64_t v, unsigned bits)
{
    return (uint64_t)((int64_t)(v << (64 - bits)) >> (64 - bits));
}

/* ---- leaves of every size ------------------------------------------------------------------ */

/* For each leaf level of `mode`, map one page under its own root index and translate an
 * address with a distinctive offset for every access type. Then the same at a negative
 * (sign-extended) address, which uses the top half of the root table. */
static void check_all_leaf_sizes(unsigned mode)
{
    fx_paging(mode);
    fx_set_priv(fx_cpu, PRV_S);
    unsigned levels = fx_levels();
    unsigned va_bits = 12 + 9 * levels;
    for (unsigned leaf = 0; leaf < levels; leaf++) {
        unsigned bits = 12 + 9 * leaf;
        uint64_t off_mask = (1ULL << bits) - 1;
        /* Root index leaf+1; index 5+l at every level l between the root and the leaf. */
        uint64_t v = (uint64_t)(leaf + 1) << (12 + 9 * (levels - 1));
        for (unsigned l = leaf; l + 1 < levels; l++) {
            v |= (uint64_t)(5 + l) << (12 + 9 * l);
        }
        uint64_t pa = 0x5ULL << bits;     /* aligned to the leaf size, below 2^56 */
        fx_map(v, pa, bits, FX_PTE_RWXAD);
        uint64_t off = 0x0123456789abcdefULL & off_mask;
        for (unsigned i = 0; i < 3; i++) {
            expect_ok(v | off, all_access[i], MMU_IDX_S, pa | off, bits);
        }
    }
    uint64_t neg = sext(0x1ffULL << (12 + 9 * (levels - 1)) | 0x3000, va_bits);
    cr_assert(neg >> 63);
    fx_map(neg, FX_RAM_BASE + 0x7000, 12, FX_PTE_RWXAD);
    expect_ok(neg + 0x18, ACCESS_LOAD, MMU_IDX_S, FX_RAM_BASE + 0x7018, 12);
}

Test(mmu, sv39_leaf_sizes)
{
    check_all_leaf_sizes(SATP_MODE_SV39);
}

Test(mmu, sv48_leaf_sizes_including_512g)
{
    check_all_leaf_sizes(SATP_MODE_SV48);
}

Test(mmu, sv57_leaf_sizes_including_256t)
{
    check_all_leaf_sizes(SATP_MODE_SV57);
}

/* A vaddr whose bits above the VA width are not copies of the top VA bit must fault, even
 * when its low bits select a valid mapping. */
static void check_non_canonical(unsigned mode)
{
    fx_paging(mode);
    unsigned va_bits = 12 + 9 * fx_levels();
    uint64_t v = 0x2000;
    fx_map(v, FX_RAM_BASE + 0x4000, 12, FX_PTE_RWXAD);
    expect_ok(v, ACCESS_LOAD, MMU_IDX_S, FX_RAM_BASE + 0x4000, 12);
    uint64_t bad[] = {
        v | (1ULL << va_bits),                    /* first bit above the VA width */
        v | (1ULL << 63),                         /* top bit only */
        v | (~((1ULL << (va_bits - 1)) - 1) & ~(1ULL << 62)),  /* negative, one hole */
        (1ULL << (va_bits - 1)) | v,              /* top VA bit set, upper bits clear */
    };
    for (unsigned b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
        for (unsigned i = 0; i < 3; i++) {
            expect_exc(bad[b], all_access[i], MMU_IDX_S, page_fault(all_access[i]));
            expect_exc(bad[b], all_access[i], MMU_IDX_U, page_fault(all_access[i]));
        }
    }
}

Test(mmu, sv39_non_canonical_faults)
{
    check_non_canonical(SATP_MODE_SV39);
}

Test(mmu, sv48_non_canonical_faults)
{
    check_non_canonical(SATP_MODE_SV48);
}

Test(mmu, sv57_non_canonical_faults)
{
    check_non_canonical(SATP_MODE_SV57);
}

Test(mmu, bare_and_m_mode_are_identity)
{
    expect_ok(0x80001234, ACCESS_STORE, MMU_IDX_S, 0x80001234, 12);   /* satp bare */
    fx_paging(SATP_MODE_SV39);
    /* Nothing mapped: S faults, M does not translate. */
    expect_exc(0x80001234, ACCESS_LOAD, MMU_IDX_S, 13);
    expect_ok(0x80001234, ACCESS_LOAD, MMU_IDX_M, 0x80001234, 12);
}

/* ---- PTE validity --------------------------------------------------------------------------- */

Test(mmu, misaligned_superpage_faults)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t v2m = 0x40000000, v1g = 0x80000000;
    /* Control: aligned leaves work. */
    uint64_t p2m = fx_map(v2m, FX_RAM_BASE + 0x200000, 21, FX_PTE_RWXAD);
    uint64_t p1g = fx_map(v1g, 0xc0000000, 30, FX_PTE_RWXAD);
    expect_ok(v2m + 5, ACCESS_LOAD, MMU_IDX_S, FX_RAM_BASE + 0x200005, 21);
    expect_ok(v1g + 5, ACCESS_LOAD, MMU_IDX_S, 0xc0000005, 30);
    /* Low PPN bits set: PPN[0] != 0 for a 2M leaf, PPN[0] or PPN[1] != 0 for a 1G leaf. */
    fx_pte_write(p2m, fx_pte(FX_RAM_BASE + 0x201000, FX_PTE_RWXAD));
    expect_page_fault_all(v2m + 5, MMU_IDX_S);
    fx_pte_write(p1g, fx_pte(0xc0200000, FX_PTE_RWXAD));
    expect_page_fault_all(v1g + 5, MMU_IDX_S);
    fx_pte_write(p1g, fx_pte(0xc0001000, FX_PTE_RWXAD));
    expect_page_fault_all(v1g + 5, MMU_IDX_S);
}

Test(mmu, invalid_leaf_encodings_fault)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x1000;
    uint64_t pa = FX_RAM_BASE + 0x3000;
    uint64_t slot = fx_map(v, pa, 12, FX_PTE_RWXAD);
    expect_ok(v, ACCESS_LOAD, MMU_IDX_S, pa, 12);

    const uint64_t bad_flags[] = {
        FX_PTE_RWXAD & ~FX_PTE_V,                            /* V = 0 */
        FX_PTE_V | FX_PTE_W | FX_PTE_A | FX_PTE_D,           /* W without R */
        FX_PTE_V | FX_PTE_W | FX_PTE_X | FX_PTE_A | FX_PTE_D, /* W+X without R */
        FX_PTE_RWXAD | (1ULL << 54),                         /* reserved bits 63:54 */
        FX_PTE_RWXAD | (1ULL << 60),
        FX_PTE_RWXAD | (1ULL << 61),                         /* PBMT (svpbmt off) */
        FX_PTE_RWXAD | (1ULL << 63),                         /* N (svnapot off) */
    };
    for (unsigned i = 0; i < sizeof(bad_flags) / sizeof(bad_flags[0]); i++) {
        fx_pte_write(slot, fx_pte(pa, bad_flags[i]));
        expect_page_fault_all(v, MMU_IDX_S);
    }
    /* RSW bits (9:8) and G are ignored by the walk. */
    fx_pte_write(slot, fx_pte(pa, FX_PTE_RWXAD | (3ULL << 8) | FX_PTE_G));
    expect_ok(v, ACCESS_STORE, MMU_IDX_S, pa, 12);
}

Test(mmu, non_leaf_with_d_a_u_or_reserved_faults)
{
    fx_paging(SATP_MODE_SV48);
    uint64_t v = 0x12345000;
    uint64_t pa = FX_RAM_BASE + 0x9000;
    fx_map(v, pa, 12, FX_PTE_RWXAD);
    expect_ok(v, ACCESS_LOAD, MMU_IDX_S, pa, 12);
    /* Every pointer level: D, A, U and reserved bits in a non-leaf PTE are a page fault. */
    for (unsigned level = 1; level < fx_levels(); level++) {
        uint64_t slot = fx_pte_addr(v, level);
        uint64_t good = fx_pte_read(slot);
        const uint64_t bad[] = { FX_PTE_D, FX_PTE_A, FX_PTE_U, 1ULL << 54, 1ULL << 63 };
        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            fx_pte_write(slot, good | bad[i]);
            expect_page_fault_all(v, MMU_IDX_S);
        }
        fx_pte_write(slot, good);
        expect_ok(v, ACCESS_LOAD, MMU_IDX_S, pa, 12);
    }
}

/* ---- Svnapot and Svpbmt ----------------------------------------------------------------- */

#define PBMT(t) ((uint64_t)(t) << 61)
#define V64K 0x120000ULL                       /* a 64 KiB-aligned virtual page */
#define P64K (FX_RAM_BASE + 0x100000)          /* and a 64 KiB-aligned frame */

/* The 16 PTEs of a 64 KiB NAPOT page: N, ppn = frame's | 1000 (priv spec, Svnapot). */
static uint64_t map_napot(uint64_t flags)
{
    uint64_t first = 0;
    for (unsigned i = 0; i < 16; i++) {
        uint64_t slot = fx_map(V64K + i * 0x1000, P64K + 0x8000, 12, flags | PTE_N);
        first = i == 0 ? slot : first;
    }
    return first;
}

Test(mmu, svnapot_64k_page_translates_every_offset)
{
    fx_cpu->features.svnapot = true;
    fx_paging(SATP_MODE_SV39);
    map_napot(FX_PTE_RWXAD);
    for (uint64_t off = 0; off < 0x10000; off += 0x1f38) {
        expect_ok(V64K + off, ACCESS_LOAD, MMU_IDX_S, P64K + off, 16);
    }
    expect_ok(V64K + 0xfff8, ACCESS_STORE, MMU_IDX_S, P64K + 0xfff8, 16);
}

Test(mmu, svnapot_reserved_encodings_fault)
{
    fx_cpu->features.svnapot = true;
    fx_paging(SATP_MODE_SV39);
    uint64_t slot = map_napot(FX_PTE_RWXAD);
    /* ppn[3:0] other than 1000 is reserved (only 64 KiB is defined). */
    for (uint64_t low = 0; low < 16; low++) {
        if (low == 8) {
            continue;
        }
        fx_pte_write(slot, fx_pte(P64K + low * 0x1000, FX_PTE_RWXAD | PTE_N));
        expect_page_fault_all(V64K, MMU_IDX_S);
    }
    /* N on a 2 MiB leaf, and on a pointer. */
    uint64_t v2m = 0x40000000ULL;
    uint64_t s2m = fx_map(v2m, FX_RAM_BASE + 0x200000, 21, FX_PTE_RWXAD | PTE_N);
    expect_page_fault_all(v2m, MMU_IDX_S);
    fx_pte_write(s2m, fx_pte(FX_RAM_BASE + 0x200000, FX_PTE_RWXAD));
    expect_ok(v2m, ACCESS_LOAD, MMU_IDX_S, FX_RAM_BASE + 0x200000, 21);
    uint64_t ptr = fx_pte_addr(V64K, 1);
    fx_pte_write(ptr, fx_pte_read(ptr) | PTE_N);
    expect_page_fault_all(V64K + 0x1000, MMU_IDX_S);
}

Test(mmu, svnapot_off_makes_n_reserved)
{
    fx_paging(SATP_MODE_SV39);
    map_napot(FX_PTE_RWXAD);
    expect_page_fault_all(V64K, MMU_IDX_S);
}

Test(mmu, svpbmt_types_need_menvcfg_pbmte)
{
    fx_cpu->features.svpbmt = true;
    fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x7000, pa = FX_RAM_BASE + 0x7000;
    uint64_t slot = fx_map(v, pa, 12, FX_PTE_RWXAD);
    /* PBMTE clear: the bits stay reserved even on a hart with Svpbmt. */
    fx_pte_write(slot, fx_pte(pa, FX_PTE_RWXAD | PBMT(1)));
    expect_page_fault_all(v, MMU_IDX_S);
    fx_cpu->menvcfg |= MENVCFG_PBMTE;
    for (unsigned t = 0; t <= 2; t++) {
        fx_pte_write(slot, fx_pte(pa, FX_PTE_RWXAD | PBMT(t)));
        expect_ok(v, ACCESS_LOAD, MMU_IDX_S, pa, 12);
        expect_ok(v, ACCESS_STORE, MMU_IDX_S, pa, 12);
    }
    fx_pte_write(slot, fx_pte(pa, FX_PTE_RWXAD | PBMT(3)));     /* reserved type */
    expect_page_fault_all(v, MMU_IDX_S);
    fx_pte_write(slot, fx_pte(pa, FX_PTE_RWXAD));
    uint64_t ptr = fx_pte_addr(v, 1);
    fx_pte_write(ptr, fx_pte_read(ptr) | PBMT(1));               /* PBMT on a pointer */
    expect_page_fault_all(v, MMU_IDX_S);
}

Test(mmu, menvcfg_pbmte_is_writable_only_with_svpbmt)
{
    uint64_t old;
    fx_set_priv(fx_cpu, PRV_M);
    cr_assert_eq(riscv_csr_rmw(fx_cpu, 0x30a, &old, false, true, MENVCFG_PBMTE, ~0ULL, 0),
                 CSR_OK_EXIT_TB);
    cr_assert_eq(fx_cpu->menvcfg & MENVCFG_PBMTE, 0);
    fx_cpu->features.svpbmt = true;
    cr_assert_eq(riscv_csr_rmw(fx_cpu, 0x30a, &old, false, true, MENVCFG_PBMTE, ~0ULL, 0),
                 CSR_OK_EXIT_TB);
    cr_assert_eq(fx_cpu->menvcfg & MENVCFG_PBMTE, MENVCFG_PBMTE);
}

Test(mmu, pointer_at_last_level_faults)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x5000;
    /* Build a plausible "next level" below level 0: a page whose entry for v is a valid
     * leaf, so a walker that descended past level 0 would find something to use. */
    uint64_t fake = fx_pt_alloc();
    fx_pte_write(fake + ((v >> 12) & 0x1ff) * 8, fx_pte(FX_RAM_BASE, FX_PTE_RWXAD));
    fx_pte_write(fake, fx_pte(FX_RAM_BASE, FX_PTE_RWXAD));
    fx_map(v, fake, 12, FX_PTE_V);
    expect_page_fault_all(v, MMU_IDX_S);
    expect_page_fault_all(v, MMU_IDX_U);
}

/* ---- permissions ---------------------------------------------------------------------------- */

Test(mmu, user_and_supervisor_rules)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t vu = 0x10000, vs = 0x20000;
    uint64_t pu = FX_RAM_BASE + 0x10000, ps = FX_RAM_BASE + 0x20000;
    fx_map(vu, pu, 12, FX_PTE_RWXAD | FX_PTE_U);
    fx_map(vs, ps, 12, FX_PTE_RWXAD);
    for (unsigned i = 0; i < 3; i++) {
        enum mmu_access a = all_access[i];
        /* U-mode: U pages only. */
        expect_ok(vu, a, MMU_IDX_U, pu, 12);
        expect_exc(vs, a, MMU_IDX_U, page_fault(a));
        /* S-mode: its own pages always. */
        expect_ok(vs, a, MMU_IDX_S, ps, 12);
        expect_ok(vs, a, MMU_IDX_S_SUM, ps, 12);
    }
    /* S on a U page: loads/stores only with SUM; fetch never. */
    expect_exc(vu, ACCESS_LOAD, MMU_IDX_S, 13);
    expect_exc(vu, ACCESS_STORE, MMU_IDX_S, 15);
    expect_exc(vu, ACCESS_FETCH, MMU_IDX_S, 12);
    expect_ok(vu, ACCESS_LOAD, MMU_IDX_S_SUM, pu, 12);
    expect_ok(vu, ACCESS_STORE, MMU_IDX_S_SUM, pu, 12);
    expect_exc(vu, ACCESS_FETCH, MMU_IDX_S_SUM, 12);
    /* The rights cached for S+SUM on a U page must not include execute. */
    RISCVTranslation t;
    cr_assert_eq(xlate(vu, ACCESS_LOAD, MMU_IDX_S_SUM, &t), 0);
    cr_assert_eq(t.prot, PAGE_READ | PAGE_WRITE, "prot %#x", t.prot);
    cr_assert_eq(xlate(vu, ACCESS_LOAD, MMU_IDX_U, &t), 0);
    cr_assert_eq(t.prot, PAGE_READ | PAGE_WRITE | PAGE_EXEC, "prot %#x", t.prot);
}

Test(mmu, sum_follows_mstatus_through_mmu_idx)
{
    /* The cpu derives MMU_IDX_S_SUM from priv S + mstatus.SUM, and from MPRV with MPP = S. */
    fx_set_priv(fx_cpu, PRV_S);
    cr_assert_eq(fx_cpu->data_mmu_idx, MMU_IDX_S);
    fx_set_mstatus(fx_cpu, MSTATUS_SUM, 0);
    cr_assert_eq(fx_cpu->data_mmu_idx, MMU_IDX_S_SUM);
    cr_assert_eq(fx_cpu->code_mmu_idx, MMU_IDX_S);
    fx_set_priv(fx_cpu, PRV_M);
    cr_assert_eq(fx_cpu->data_mmu_idx, MMU_IDX_M);
    fx_set_mstatus(fx_cpu, MSTATUS_MPRV | (1ULL << MSTATUS_MPP_SHIFT), 0);
    cr_assert_eq(fx_cpu->data_mmu_idx, MMU_IDX_S_SUM);
    cr_assert_eq(fx_cpu->code_mmu_idx, MMU_IDX_M);
}

Test(mmu, mxr_makes_execute_only_pages_readable)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t vx = 0x30000, vxu = 0x31000;
    uint64_t px = FX_RAM_BASE + 0x30000, pxu = FX_RAM_BASE + 0x31000;
    fx_map(vx, px, 12, FX_PTE_V | FX_PTE_X | FX_PTE_A);
    fx_map(vxu, pxu, 12, FX_PTE_V | FX_PTE_X | FX_PTE_A | FX_PTE_U);
    expect_exc(vx, ACCESS_LOAD, MMU_IDX_S, 13);
    expect_exc(vxu, ACCESS_LOAD, MMU_IDX_U, 13);
    expect_ok(vx, ACCESS_FETCH, MMU_IDX_S, px, 12);
    RISCVTranslation t;
    cr_assert_eq(xlate(vx, ACCESS_FETCH, MMU_IDX_S, &t), 0);
    cr_assert_eq(t.prot & PAGE_READ, 0, "X-only page readable without MXR");

    fx_set_mstatus(fx_cpu, MSTATUS_MXR, 0);
    expect_ok(vx, ACCESS_LOAD, MMU_IDX_S, px, 12);
    expect_ok(vxu, ACCESS_LOAD, MMU_IDX_U, pxu, 12);
    cr_assert_eq(xlate(vx, ACCESS_LOAD, MMU_IDX_S, &t), 0);
    cr_assert(t.prot & PAGE_READ);
    /* MXR grants read, never write. */
    expect_exc(vx, ACCESS_STORE, MMU_IDX_S, 15);
    fx_set_mstatus(fx_cpu, 0, MSTATUS_MXR);
    expect_exc(vx, ACCESS_LOAD, MMU_IDX_S, 13);
}

Test(mmu, fetch_needs_x_and_store_needs_w)
{
    fx_paging(SATP_MODE_SV39);
    struct { uint64_t flags; bool load, store, fetch; } cases[] = {
        { FX_PTE_V | FX_PTE_R | FX_PTE_A | FX_PTE_D, true, false, false },
        { FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D, true, true, false },
        { FX_PTE_V | FX_PTE_R | FX_PTE_X | FX_PTE_A | FX_PTE_D, true, false, true },
        { FX_PTE_V | FX_PTE_X | FX_PTE_A | FX_PTE_D, false, false, true },
        { FX_PTE_RWXAD, true, true, true },
    };
    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 0x100000 + i * 0x1000, pa = FX_RAM_BASE + 0x100000 + i * 0x1000;
        fx_map(v, pa, 12, cases[i].flags);
        bool ok[3] = { cases[i].load, cases[i].store, cases[i].fetch };
        for (unsigned a = 0; a < 3; a++) {
            if (ok[a]) {
                expect_ok(v + 8, all_access[a], MMU_IDX_S, pa + 8, 12);
            } else {
                expect_exc(v + 8, all_access[a], MMU_IDX_S, page_fault(all_access[a]));
            }
        }
    }
}

/* ---- A/D ------------------------------------------------------------------------------------ */

Test(mmu, accessed_and_dirty_updates)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x40000, pa = FX_RAM_BASE + 0x40000;
    uint64_t slot = fx_map(v, pa, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W);
    RISCVTranslation t;

    /* A load sets A only, and the rights returned for a clean page exclude write, so that the
     * first store comes back to the walker to set D. */
    cr_assert_eq(xlate(v, ACCESS_LOAD, MMU_IDX_S, &t), 0);
    uint64_t pte = fx_pte_read(slot);
    cr_assert(pte & FX_PTE_A, "load did not set A (pte %#llx)", (unsigned long long)pte);
    cr_assert(!(pte & FX_PTE_D), "load set D (pte %#llx)", (unsigned long long)pte);
    cr_assert_eq(t.prot, PAGE_READ, "prot %#x on a clean page", t.prot);

    /* A store sets D (and A), and then write is granted. */
    fx_pte_write(slot, fx_pte(pa, FX_PTE_V | FX_PTE_R | FX_PTE_W));
    cr_assert_eq(xlate(v, ACCESS_STORE, MMU_IDX_S, &t), 0);
    pte = fx_pte_read(slot);
    cr_assert_eq(pte & (FX_PTE_A | FX_PTE_D), FX_PTE_A | FX_PTE_D, "pte %#llx",
                 (unsigned long long)pte);
    cr_assert_eq(t.prot, PAGE_READ | PAGE_WRITE, "prot %#x", t.prot);
    cr_assert_eq(pte & ~(FX_PTE_A | FX_PTE_D), fx_pte(pa, FX_PTE_V | FX_PTE_R | FX_PTE_W),
                 "other PTE bits changed");

    /* A load on a dirty page grants write too. */
    cr_assert_eq(xlate(v, ACCESS_LOAD, MMU_IDX_S, &t), 0);
    cr_assert_eq(t.prot, PAGE_READ | PAGE_WRITE, "prot %#x", t.prot);

    /* A fetch sets A only. */
    uint64_t vx = 0x41000;
    uint64_t sx = fx_map(vx, pa + 0x1000, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_X);
    cr_assert_eq(xlate(vx, ACCESS_FETCH, MMU_IDX_S, &t), 0);
    cr_assert_eq(fx_pte_read(sx) & (FX_PTE_A | FX_PTE_D), FX_PTE_A);
    cr_assert_eq(t.prot, PAGE_READ | PAGE_EXEC, "prot %#x", t.prot);

    /* A faulting access sets nothing. */
    uint64_t vr = 0x42000;
    uint64_t sr = fx_map(vr, pa + 0x2000, 12, FX_PTE_V | FX_PTE_R);
    expect_exc(vr, ACCESS_STORE, MMU_IDX_S, 15);
    expect_exc(vr, ACCESS_LOAD, MMU_IDX_U, 13);
    cr_assert_eq(fx_pte_read(sr), fx_pte(pa + 0x2000, FX_PTE_V | FX_PTE_R));
}

Test(mmu, superpage_a_d_update)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x40000000, pa = FX_RAM_BASE + 0x400000;
    uint64_t slot = fx_map(v, pa, 21, FX_PTE_V | FX_PTE_R | FX_PTE_W);
    expect_ok(v + 0x12345, ACCESS_STORE, MMU_IDX_S, pa + 0x12345, 21);
    cr_assert_eq(fx_pte_read(slot) & (FX_PTE_A | FX_PTE_D), FX_PTE_A | FX_PTE_D);
}

/* ---- faults on the walk's own accesses ----------------------------------------------------- */

Test(mmu, page_table_outside_ram_is_access_fault)
{
    fx_set_priv(fx_cpu, PRV_S);
    /* Root in unmapped space, in MMIO, just past the end of RAM. */
    const uint64_t roots[] = { FX_UNMAPPED, FX_MMIO_BASE, FX_RAM_BASE + FX_RAM_SIZE };
    for (unsigned r = 0; r < sizeof(roots) / sizeof(roots[0]); r++) {
        fx_set_satp(fx_cpu, SATP_MODE_SV39, roots[r]);
        for (unsigned i = 0; i < 3; i++) {
            expect_exc(0x1000, all_access[i], MMU_IDX_S, access_fault(all_access[i]));
            expect_exc(0x1000, all_access[i], MMU_IDX_U, access_fault(all_access[i]));
        }
    }
    cr_assert_eq(fx_mmio.n, 0, "the walk read a PTE through the device");

    /* A pointer PTE to MMIO / unmapped space faults at the next level. */
    fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x40201000;
    fx_map(v, FX_RAM_BASE + 0x1000, 12, FX_PTE_RWXAD);
    expect_ok(v, ACCESS_LOAD, MMU_IDX_S, FX_RAM_BASE + 0x1000, 12);
    uint64_t l1 = fx_pte_addr(v, 1);
    const uint64_t tables[] = { FX_MMIO_BASE, FX_UNMAPPED };
    for (unsigned r = 0; r < 2; r++) {
        fx_pte_write(l1, fx_pte(tables[r], FX_PTE_V));
        for (unsigned i = 0; i < 3; i++) {
            expect_exc(v, all_access[i], MMU_IDX_S, access_fault(all_access[i]));
        }
    }
    cr_assert_eq(fx_mmio.n, 0, "the walk read a PTE through the device");
}

Test(mmu, pmp_denying_pte_read_is_access_fault)
{
    uint64_t root = fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x7000, pa = FX_RAM_BASE + 0x7000;
    fx_map(v, pa, 12, FX_PTE_RWXAD);
    expect_ok(v, ACCESS_LOAD, MMU_IDX_S, pa, 12);
    /* Entry 0: the root page, no rights; entry 1: everything. */
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT, fx_pmp_napot(root, 4096));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    for (unsigned i = 0; i < 3; i++) {
        expect_exc(v, all_access[i], MMU_IDX_S, access_fault(all_access[i]));
        expect_exc(v, all_access[i], MMU_IDX_U, access_fault(all_access[i]));
    }
    /* No PMP entry at all: S-mode implicit accesses fail too (no match = deny below M). */
    fx_pmp_clear(fx_cpu);
    expect_exc(v, ACCESS_LOAD, MMU_IDX_S, 5);
}

Test(mmu, pmp_denying_a_d_write_is_access_fault)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t v = 0x7000, pa = FX_RAM_BASE + 0x7000;
    uint64_t slot = fx_map(v, pa, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A);
    uint64_t leaf_table = slot & RV_PAGE_MASK;
    /* The leaf's table is readable but not writable by S. */
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R, fx_pmp_napot(leaf_table, 4096));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    /* A already set: a load needs no PTE write. */
    expect_ok(v, ACCESS_LOAD, MMU_IDX_S, pa, 12);
    /* A store must set D: the PTE write is denied, an access fault, PTE unchanged. */
    expect_exc(v, ACCESS_STORE, MMU_IDX_S, 7);
    cr_assert_eq(fx_pte_read(slot), fx_pte(pa, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A));
}

/* Page tables in ROM may be read, but the hardware A/D update is a store: "if a store to pte
 * would violate a PMA or PMP check, raise an access-fault exception corresponding to the
 * original access type" (priv spec 1.12, 4.3.2 step 7 with hardware A/D updating). */
Test(mmu, a_d_update_in_rom_page_table_is_access_fault)
{
    uint64_t root = FX_ROM_BASE;
    memset(fx_rom_host(root), 0, 4096);
    uint64_t v = 0x40000000;                        /* root index 1: a 1 GiB leaf */
    uint64_t leaf = fx_pte(FX_RAM_BASE, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A);
    memcpy(fx_rom_host(root + 8), &leaf, 8);
    fx_set_satp(fx_cpu, SATP_MODE_SV39, root);
    /* Reading the ROM table is fine, and a load needs no update (A is set). */
    expect_ok(v + 0x10, ACCESS_LOAD, MMU_IDX_S, FX_RAM_BASE + 0x10, 30);
    /* A store must set D: the PTE write is refused by the ROM's PMA. */
    expect_exc(v + 0x10, ACCESS_STORE, MMU_IDX_S, 7);
    uint64_t now;
    memcpy(&now, fx_rom_host(root + 8), 8);
    cr_assert_eq(now, leaf, "the walk wrote the ROM: pte %#llx", (unsigned long long)now);
}

/* ---- PMP ------------------------------------------------------------------------------------ */

static unsigned pmp(uint64_t paddr, uint64_t size, unsigned priv, bool *uniform)
{
    return riscv_pmp_prot(fx_cpu, paddr, size, priv, uniform);
}

#define RWX (PAGE_READ | PAGE_WRITE | PAGE_EXEC)

Test(mmu, pmp_tor)
{
    fx_pmp_clear(fx_cpu);
    /* Entry 0 TOR: [0, 0x80001000) R; entry 1 TOR: [0x80001000, 0x80003000) RW;
     * entry 2 TOR with a top below its bottom: matches nothing. */
    fx_set_pmp(fx_cpu, 0, FX_PMP_TOR | FX_PMP_R, 0x80001000 >> 2);
    fx_set_pmp(fx_cpu, 1, FX_PMP_TOR | FX_PMP_R | FX_PMP_W, 0x80003000 >> 2);
    fx_set_pmp(fx_cpu, 2, FX_PMP_TOR | FX_PMP_X, 0x80002000 >> 2);
    bool u;
    cr_assert_eq(pmp(0, 8, PRV_S, &u), PAGE_READ);
    cr_assert_eq(pmp(0x80000ff8, 8, PRV_S, &u), PAGE_READ);
    cr_assert(u);
    cr_assert_eq(pmp(0x80001000, 8, PRV_U, &u), PAGE_READ | PAGE_WRITE);
    cr_assert_eq(pmp(0x80002ff8, 8, PRV_S, &u), PAGE_READ | PAGE_WRITE);
    cr_assert(u);
    cr_assert_eq(pmp(0x80003000, 4, PRV_S, &u), 0, "above every TOR range");
    cr_assert_eq(pmp(0x80003000, 4, PRV_M, &u), RWX);
    /* Straddling the boundary between entries 0 and 1: entry 0 matches only part. */
    cr_assert_eq(pmp(0x80000ffc, 8, PRV_S, &u), 0);
    /* Top bound is exclusive. */
    cr_assert_eq(pmp(0x80002ffc, 8, PRV_S, &u), 0);
}

Test(mmu, pmp_na4)
{
    fx_pmp_clear(fx_cpu);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NA4 | FX_PMP_R | FX_PMP_X, 0x80000104 >> 2);
    bool u;
    cr_assert_eq(pmp(0x80000104, 4, PRV_S, &u), PAGE_READ | PAGE_EXEC);
    cr_assert(!u, "a 4-byte region cannot make its page uniform");
    cr_assert_eq(pmp(0x80000106, 2, PRV_U, &u), PAGE_READ | PAGE_EXEC);
    cr_assert_eq(pmp(0x80000100, 4, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x80000108, 4, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x80000104, 8, PRV_S, &u), 0, "8 bytes, only 4 matched");
    cr_assert_eq(pmp(0x80000100, 8, PRV_S, &u), 0, "8 bytes, only 4 matched");
    /* A partial match fails for M too, locked or not. */
    cr_assert_eq(pmp(0x80000104, 8, PRV_M, &u), 0, "partial match allowed for M");
}

Test(mmu, pmp_napot)
{
    fx_pmp_clear(fx_cpu);
    /* 64 KiB at 0x80010000, 8 bytes at 0x80000008, all of memory. */
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_W | FX_PMP_R, fx_pmp_napot(0x80010000, 0x10000));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_X, fx_pmp_napot(0x80000008, 8));
    bool u;
    cr_assert_eq(pmp(0x80010000, 8, PRV_S, &u), PAGE_READ | PAGE_WRITE);
    cr_assert(u);
    cr_assert_eq(pmp(0x8001fff8, 8, PRV_S, &u), PAGE_READ | PAGE_WRITE);
    cr_assert_eq(pmp(0x80020000, 8, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x8000fff8, 8, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x80000008, 8, PRV_S, &u), PAGE_EXEC);
    cr_assert(!u);
    cr_assert_eq(pmp(0x80000000, 8, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x80000010, 8, PRV_S, &u), 0);
    /* The whole-space encoding. */
    fx_set_pmp(fx_cpu, 2, FX_PMP_NAPOT | FX_PMP_R, (1ULL << 54) - 1);
    cr_assert_eq(pmp(0x0, 8, PRV_U, &u), PAGE_READ);
    cr_assert_eq(pmp(0xfffffffffff000ULL, 8, PRV_U, &u), PAGE_READ);
    cr_assert_eq(pmp(0x80000000, 8, PRV_U, &u), PAGE_READ);
}

Test(mmu, pmp_lowest_index_wins)
{
    fx_pmp_clear(fx_cpu);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R, fx_pmp_napot(0x80004000, 0x1000));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    fx_set_pmp(fx_cpu, 2, FX_PMP_NAPOT, fx_pmp_napot(0x80005000, 0x1000));
    bool u;
    cr_assert_eq(pmp(0x80004010, 8, PRV_S, &u), PAGE_READ);
    cr_assert_eq(pmp(0x80005010, 8, PRV_S, &u), RWX, "entry 1 precedes entry 2");
    cr_assert_eq(pmp(0x80006010, 8, PRV_U, &u), RWX);
    /* Swap priorities: the narrow deny-all entry now precedes the allow-all one. */
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT, fx_pmp_napot(0x80005000, 0x1000));
    cr_assert_eq(pmp(0x80005010, 8, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x80004010, 8, PRV_S, &u), RWX);
}

Test(mmu, pmp_m_mode_unaffected_unless_locked)
{
    fx_pmp_clear(fx_cpu);
    bool u;
    /* No entry matches: M succeeds, S and U fail (entries are implemented). */
    cr_assert_eq(pmp(0x80000000, 8, PRV_M, &u), RWX);
    cr_assert(u);
    cr_assert_eq(pmp(0x80000000, 8, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x80000000, 8, PRV_U, &u), 0);

    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R, fx_pmp_napot(0x80000000, 0x1000));
    cr_assert_eq(pmp(0x80000000, 8, PRV_M, &u), RWX, "unlocked entry applied to M");
    cr_assert_eq(pmp(0x80000000, 8, PRV_S, &u), PAGE_READ);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_L, fx_pmp_napot(0x80000000, 0x1000));
    cr_assert_eq(pmp(0x80000000, 8, PRV_M, &u), PAGE_READ, "locked entry not applied to M");
    cr_assert_eq(pmp(0x80000000, 8, PRV_U, &u), PAGE_READ);
    cr_assert_eq(pmp(0x80001000, 8, PRV_M, &u), RWX);
    /* A locked entry also restricts M when reached through MPRV-style S/U checks: the
     * caller passes the effective privilege, so nothing more to check here. */
}

Test(mmu, pmp_page_uniformity)
{
    fx_pmp_clear(fx_cpu);
    bool u;
    /* TOR boundary in the middle of page 0x80001000. */
    fx_set_pmp(fx_cpu, 0, FX_PMP_TOR | FX_PMP_R, 0x80001800 >> 2);
    fx_set_pmp(fx_cpu, 1, FX_PMP_TOR | FX_PMP_R | FX_PMP_W, 0x80003000 >> 2);
    cr_assert_eq(pmp(0x80001000, 8, PRV_S, &u), PAGE_READ);
    cr_assert(!u, "region ends inside the page");
    cr_assert_eq(pmp(0x80001ff8, 8, PRV_S, &u), PAGE_READ | PAGE_WRITE);
    cr_assert(!u, "a lower-numbered entry covers part of the page");
    cr_assert_eq(pmp(0x80000000, 8, PRV_S, &u), PAGE_READ);
    cr_assert(u);
    cr_assert_eq(pmp(0x80002000, 8, PRV_S, &u), PAGE_READ | PAGE_WRITE);
    cr_assert(u);
    /* No match for this byte, but an entry covers another part of the page. */
    fx_pmp_clear(fx_cpu);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R, fx_pmp_napot(0x80004800, 0x800));
    cr_assert_eq(pmp(0x80004000, 8, PRV_S, &u), 0);
    cr_assert(!u);
    cr_assert_eq(pmp(0x80004000, 8, PRV_M, &u), RWX);
    cr_assert(!u);
    cr_assert_eq(pmp(0x80005000, 8, PRV_S, &u), 0);
    cr_assert(u);
    /* The matching entry covers the whole page, but a lower-numbered one that this access
     * does not touch decides other bytes of it. */
    fx_pmp_clear(fx_cpu);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NA4, 0x80004800 >> 2);
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    cr_assert_eq(pmp(0x80004000, 8, PRV_S, &u), RWX);
    cr_assert(!u, "bytes 0x80004800..3 of the page are denied by entry 0");
    cr_assert_eq(pmp(0x80004800, 4, PRV_S, &u), 0);
    cr_assert_eq(pmp(0x80005000, 8, PRV_S, &u), RWX);
    cr_assert(u);
    /* A higher-numbered entry inside the page does not matter when a lower one covers it. */
    fx_pmp_clear(fx_cpu);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R, fx_pmp_napot(0x80000000, 0x10000));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NA4 | FX_PMP_W | FX_PMP_R, 0x80004800 >> 2);
    cr_assert_eq(pmp(0x80004000, 8, PRV_S, &u), PAGE_READ);
    cr_assert(u);
}

/* ---- concurrent A/D updates ----------------------------------------------------------------- */

#define TOGGLES 200000
/* Long enough for the scheduler of a small host to run W next to each walker many times. */
#define MIN_RUN_NS 400000000LL
#define WALKERS 2
#define CONC_VADDR 0x3000ULL
#define CONC_PADDR (FX_RAM_BASE + 0x50000)

typedef struct ConcState {
    _Atomic uint64_t *pte;
    _Atomic bool stop;
    _Atomic unsigned ready;
    _Atomic uint64_t lost;        /* toggles the writer found undone */
    _Atomic uint64_t clobbered;   /* PPN/permission changes seen by the clearer */
    _Atomic uint64_t walk_errors;
    _Atomic uint64_t walks;
    uint64_t fixed_bits;          /* everything but A, D and RSW bit 8 */
} ConcState;

static ConcState conc;

static void wait_all_ready(void)
{
    atomic_fetch_add_explicit(&conc.ready, 1, memory_order_acq_rel);
    while (atomic_load_explicit(&conc.ready, memory_order_acquire) < WALKERS + 2) {
    }
}

/* Give W a host CPU of its own and spread the others over the rest, so that W runs at the
 * same time as the walkers even on a 2-CPU host (left to itself, the scheduler sometimes
 * keeps W and both walkers apart for a whole run). Best effort: errors are ignored. */
static void spread_threads(pthread_t *th, unsigned n)
{
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
        return;
    }
    int cpus[CPU_SETSIZE];
    unsigned ncpu = 0;
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (CPU_ISSET(c, &allowed)) {
            cpus[ncpu++] = c;
        }
    }
    if (ncpu < 2) {
        return;
    }
    for (unsigned i = 0; i < n; i++) {
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(i == 0 ? cpus[0] : cpus[1 + (i - 1) % (ncpu - 1)], &one);
        (void)pthread_setaffinity_np(th[i], sizeof(one), &one);
    }
}

/* W: the only thread that changes bit 8, so each fetch_xor must see its own last value.
 * After each toggle it also clears A and D itself: a walker then has to write the PTE right
 * after the toggle even when C is not running (a 2-CPU host runs only two of the four threads
 * at a time), which is when a plain store of a stale PTE would undo the toggle. */
static void *toggler(void *arg)
{
    (void)arg;
    wait_all_ready();
    uint64_t expect = 0;
    int64_t end_ns = clock_monotonic_ns() + MIN_RUN_NS;
    /* At least TOGGLES toggles for at least MIN_RUN_NS, stopping at a multiple of 1024 (so
     * an even count: bit 8 must end as it started). */
    for (uint64_t i = 0; i < TOGGLES || i % 1024 != 0 || clock_monotonic_ns() < end_ns; i++) {
        uint64_t old = atomic_fetch_xor_explicit(conc.pte, FX_PTE_RSW0, memory_order_acq_rel);
        if ((old & FX_PTE_RSW0) != expect) {
            atomic_fetch_add_explicit(&conc.lost, 1, memory_order_relaxed);
        }
        expect = (old ^ FX_PTE_RSW0) & FX_PTE_RSW0;
        atomic_fetch_and_explicit(conc.pte, ~(FX_PTE_A | FX_PTE_D), memory_order_acq_rel);
    }
    atomic_store_explicit(&conc.stop, true, memory_order_release);
    return NULL;
}

/* C: keeps the walkers updating A/D. */
static void *clearer(void *arg)
{
    (void)arg;
    wait_all_ready();
    while (!atomic_load_explicit(&conc.stop, memory_order_acquire)) {
        uint64_t old = atomic_fetch_and_explicit(conc.pte, ~(FX_PTE_A | FX_PTE_D),
                                                 memory_order_acq_rel);
        if ((old & ~(FX_PTE_A | FX_PTE_D | FX_PTE_RSW0)) != conc.fixed_bits) {
            atomic_fetch_add_explicit(&conc.clobbered, 1, memory_order_relaxed);
        }
    }
    return NULL;
}

static void *walker(void *arg)
{
    RISCVCPU *cpu = arg;
    urcu_memb_register_thread();
    wait_all_ready();
    uint64_t n = 0;
    while (!atomic_load_explicit(&conc.stop, memory_order_acquire) || n < 1000) {
        RISCVTranslation t;
        int exc = riscv_translate(cpu, CONC_VADDR + (n & 0xff8), ACCESS_STORE, MMU_IDX_S, &t);
        if (exc || t.paddr != CONC_PADDR + (n & 0xff8) || !(t.prot & PAGE_WRITE)) {
            atomic_fetch_add_explicit(&conc.walk_errors, 1, memory_order_relaxed);
        }
        n++;
    }
    atomic_fetch_add_explicit(&conc.walks, n, memory_order_relaxed);
    urcu_memb_unregister_thread();
    return NULL;
}

/* The walker sets A/D with a compare-and-swap: a plain store of the PTE it read would undo
 * the writer's concurrent change to another bit. */
Test(mmu, concurrent_a_d_update_loses_no_other_bits, .timeout = 60)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t flags = FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_G;
    uint64_t slot = fx_map(CONC_VADDR, CONC_PADDR, 12, flags);
    memset(&conc, 0, sizeof(conc));
    conc.pte = fx_pte_slot(slot);
    conc.fixed_bits = fx_pte(CONC_PADDR, flags);
    RISCVCPU *cpus[WALKERS];
    pthread_t th[WALKERS + 2];
    for (unsigned i = 0; i < WALKERS; i++) {
        cpus[i] = fx_new_cpu(i + 1);
        fx_set_priv(cpus[i], PRV_S);
    }
    cr_assert_eq(pthread_create(&th[0], NULL, toggler, NULL), 0);
    cr_assert_eq(pthread_create(&th[1], NULL, clearer, NULL), 0);
    for (unsigned i = 0; i < WALKERS; i++) {
        cr_assert_eq(pthread_create(&th[2 + i], NULL, walker, cpus[i]), 0);
    }
    spread_threads(th, WALKERS + 2);
    for (unsigned i = 0; i < WALKERS + 2; i++) {
        cr_assert_eq(pthread_join(th[i], NULL), 0);
    }
    for (unsigned i = 0; i < WALKERS; i++) {
        fx_free_cpu(cpus[i]);
    }
    /* Relaxed loads: pthread_join ordered every thread's updates before these. */
    uint64_t pte = atomic_load_explicit(conc.pte, memory_order_relaxed);
    uint64_t walk_errors = atomic_load_explicit(&conc.walk_errors, memory_order_relaxed);
    uint64_t lost = atomic_load_explicit(&conc.lost, memory_order_relaxed);
    uint64_t clobbered = atomic_load_explicit(&conc.clobbered, memory_order_relaxed);
    cr_assert_gt(atomic_load_explicit(&conc.walks, memory_order_relaxed), 0);
    cr_assert_eq(walk_errors, 0, "%llu walks failed or mistranslated",
                 (unsigned long long)walk_errors);
    cr_assert_eq(lost, 0, "%llu RSW toggles were undone by a walker", (unsigned long long)lost);
    cr_assert_eq(clobbered, 0, "PPN/permission bits changed %llu times",
                 (unsigned long long)clobbered);
    cr_assert_eq(pte & FX_PTE_RSW0, 0, "RSW bit not back to its original value");
    cr_assert_eq(pte & ~(FX_PTE_A | FX_PTE_D), conc.fixed_bits, "pte %#llx",
                 (unsigned long long)pte);
}

/* ---- page-walk cache ------------------------------------------------------------------------ */

/* Point the level-1 PTE above va at a fresh level-0 table mapping va to pa, as a kernel would
 * with a plain store: nothing tells the hart until an sfence.vma. */
static void repoint_leaf_table(uint64_t va, uint64_t pa)
{
    uint64_t table = fx_pt_alloc();
    atomic_store(fx_pte_slot(table + ((va >> 12) & 0x1ff) * 8), fx_pte(pa, FX_PTE_RWXAD));
    atomic_store(fx_pte_slot(fx_pte_addr(va, 1)), fx_pte(table, FX_PTE_V));
}

/* The walk may keep the last-level table of the previous walk (a non-leaf PTE cache, as
 * hardware has), but every sfence.vma, whatever its operands, every satp write and every PMP
 * change must make the next walk read the non-leaf PTEs again. */
Test(mmu, page_walk_cache_rereads_non_leaf_ptes_after_any_fence_satp_or_pmp_change)
{
    const uint64_t va = 0x40000000ULL, pa = FX_RAM_BASE + 0x100000;
    fx_paging(SATP_MODE_SV39);
    fx_map(va, pa, 12, FX_PTE_RWXAD);
    fx_map(va + 0x1000, pa + 0x1000, 12, FX_PTE_RWXAD);
    expect_ok(va, ACCESS_LOAD, MMU_IDX_S, pa, 12);

    repoint_leaf_table(va + 0x1000, pa + 0x5000);
    tlb_flush_page_local(&fx_cpu->tlb, 0x7000000000ULL);    /* another address */
    expect_ok(va + 0x1000, ACCESS_LOAD, MMU_IDX_S, pa + 0x5000, 12);

    repoint_leaf_table(va + 0x1000, pa + 0x6000);
    tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 77, TLB_ASID_TAGGED_IDXMAP);
    expect_ok(va + 0x1000, ACCESS_LOAD, MMU_IDX_S, pa + 0x6000, 12);

    repoint_leaf_table(va + 0x1000, pa + 0x7000);
    uint64_t satp = fx_cpu->satp;
    fx_cpu->satp = satp | 5ULL << SATP_ASID_SHIFT;
    riscv_satp_changed(fx_cpu, satp, fx_cpu->satp);
    expect_ok(va + 0x1000, ACCESS_LOAD, MMU_IDX_S, pa + 0x7000, 12);

    repoint_leaf_table(va + 0x1000, pa + 0x8000);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    expect_ok(va + 0x1000, ACCESS_LOAD, MMU_IDX_S, pa + 0x8000, 12);
}
