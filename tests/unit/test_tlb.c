/* Criterion tests for the softmmu TLB (mm/tlb.c): fills from the slow paths, what entries hold,
 * stale translations until a flush, the flush grid (page, mmu_idx, full, large-page region),
 * the victim TLB, D-bit refills, misaligned and page-crossing accesses, MMIO and pages shared
 * with a device, PMP finer than a page, tlb_atomic_host and tlb_translate_code.
 * Single-threaded (the owner vCPU is the test's main thread). No locks. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <string.h>
#include <time.h>

#include "cpu/cpu.h"
#include "cpu/mem_access.h"
#include "mm/tlb.h"
#include "tests/unit/fixture_hart.h"

TestSuite(tlb, .init = fx_setup, .fini = fx_teardown);

#define TAG_MASK (RV_PAGE_MASK | TLB_INVALID)

static CPUTLBEntry *entry(unsigned mmu_idx, uint64_t vaddr)
{
    return tlb_entry(&fx_cpu->tlb, mmu_idx, vaddr);
}

static CPUTLBEntryFull *full(unsigned mmu_idx, uint64_t vaddr)
{
    CPUTLBEntry *e = entry(mmu_idx, vaddr);
    return &fx_cpu->tlb.d[mmu_idx].fulltlb[e - fx_cpu->tlb.f[mmu_idx].table];
}

static uint64_t tag_of(const CPUTLBEntry *e, enum mmu_access a)
{
    return a == ACCESS_LOAD ? e->addr_read : a == ACCESS_STORE ? e->addr_write : e->addr_code;
}

/* The main table's entry for vaddr is valid for access `a`. */
static bool main_has(unsigned mmu_idx, uint64_t vaddr, enum mmu_access a)
{
    return (tag_of(entry(mmu_idx, vaddr), a) & TAG_MASK) == (vaddr & RV_PAGE_MASK);
}

/* Any entry (main or victim) of mmu_idx is valid for vaddr's page, for any access type. */
static bool tlb_holds(unsigned mmu_idx, uint64_t vaddr)
{
    uint64_t page = vaddr & RV_PAGE_MASK;
    const CPUTLBDesc *d = &fx_cpu->tlb.d[mmu_idx];
    for (unsigned a = 0; a < 3; a++) {
        if (main_has(mmu_idx, vaddr, (enum mmu_access)a)) {
            return true;
        }
        for (unsigned v = 0; v < TLB_VICTIM_SIZE; v++) {
            if ((tag_of(&d->vtable[v], (enum mmu_access)a) & TAG_MASK) == page) {
                return true;
            }
        }
    }
    return false;
}

static uint64_t load(uint64_t vaddr, unsigned size, unsigned mmu_idx)
{
    uint64_t v = 0xdeadbeefdeadbeefULL;
    fx_trap_reset(fx_cpu, fx_cpu->priv);
    bool ok = tlb_load_slow(fx_cpu, vaddr, size, mmu_idx, false, &v);
    cr_assert(ok, "load %u at %#llx (mmu_idx %u) trapped: mcause %llu mtval %#llx", size,
              (unsigned long long)vaddr, mmu_idx, (unsigned long long)fx_cpu->mcause,
              (unsigned long long)fx_cpu->mtval);
    FX_ASSERT_NO_TRAP(fx_cpu);
    return v;
}

static void store(uint64_t vaddr, unsigned size, unsigned mmu_idx, uint64_t val)
{
    fx_trap_reset(fx_cpu, fx_cpu->priv);
    bool ok = tlb_store_slow(fx_cpu, vaddr, size, mmu_idx, val);
    cr_assert(ok, "store %u at %#llx (mmu_idx %u) trapped: mcause %llu mtval %#llx", size,
              (unsigned long long)vaddr, mmu_idx, (unsigned long long)fx_cpu->mcause,
              (unsigned long long)fx_cpu->mtval);
    FX_ASSERT_NO_TRAP(fx_cpu);
}

/* A load that must raise `cause`; *val must be left alone. Restores priv afterwards. */
static void load_faults(uint64_t vaddr, unsigned size, unsigned mmu_idx, unsigned cause,
                        uint64_t tval)
{
    unsigned priv = fx_cpu->priv;
    uint64_t v = 0x1234;
    fx_trap_reset(fx_cpu, priv);
    cr_assert(!tlb_load_slow(fx_cpu, vaddr, size, mmu_idx, false, &v),
              "load %u at %#llx did not trap", size, (unsigned long long)vaddr);
    FX_ASSERT_TRAP(fx_cpu, cause, tval);
    cr_assert_eq(v, 0x1234, "failed load wrote its destination");
    fx_trap_reset(fx_cpu, priv);
}

static void store_faults(uint64_t vaddr, unsigned size, unsigned mmu_idx, uint64_t val,
                         unsigned cause, uint64_t tval)
{
    unsigned priv = fx_cpu->priv;
    fx_trap_reset(fx_cpu, priv);
    cr_assert(!tlb_store_slow(fx_cpu, vaddr, size, mmu_idx, val),
              "store %u at %#llx did not trap", size, (unsigned long long)vaddr);
    FX_ASSERT_TRAP(fx_cpu, cause, tval);
    fx_trap_reset(fx_cpu, priv);
}

static void fill_pattern(uint64_t paddr, uint64_t len, uint8_t seed)
{
    for (uint64_t i = 0; i < len; i++) {
        fx_host(paddr)[i] = (uint8_t)(seed + i * 13);
    }
}

/* Little-endian value of `size` RAM bytes at paddr, assembled byte by byte. */
static uint64_t ram_le(uint64_t paddr, unsigned size)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        v |= (uint64_t)fx_host(paddr + i)[0] << (8 * i);
    }
    return v;
}

/* The fixture fills ROM byte i with i * 7 + 3. */
static uint8_t rom_byte(unsigned i)
{
    return (uint8_t)(i * 7 + 3);
}

/* Index of the first byte in [paddr, paddr + len) that is not `b`, or -1. */
static long first_not(uint64_t paddr, uint64_t len, uint8_t b)
{
    for (uint64_t i = 0; i < len; i++) {
        if (fx_host(paddr)[i] != b) {
            return (long)i;
        }
    }
    return -1;
}

/* ---- fills ---------------------------------------------------------------------------------- */

Test(tlb, load_fill_m_mode_bare)
{
    uint64_t pa = FX_RAM_BASE + 0x3000;
    fill_pattern(pa, 4096, 1);
    uint64_t fills = fx_cpu->tlb.stats.fills;
    cr_assert(!tlb_holds(MMU_IDX_M, pa));
    cr_assert_eq(load(pa + 8, 8, MMU_IDX_M), ram_le(pa + 8, 8));
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills + 1);
    CPUTLBEntry *e = entry(MMU_IDX_M, pa);
    cr_assert_eq(e->addr_read, pa, "addr_read %#llx", (unsigned long long)e->addr_read);
    cr_assert_eq((uint8_t *)(uintptr_t)(pa + 0x123 + e->addend), fx_host(pa + 0x123));
    cr_assert_eq(full(MMU_IDX_M, pa)->paddr, pa);
    cr_assert_eq(full(MMU_IDX_M, pa)->page_bits, 12);
    /* Other sizes and offsets on the same page are hits: no new fill. */
    cr_assert_eq(load(pa + 0x7fe, 2, MMU_IDX_M), ram_le(pa + 0x7fe, 2));
    cr_assert_eq(load(pa + 0xffc, 4, MMU_IDX_M), ram_le(pa + 0xffc, 4));
    cr_assert_eq(load(pa + 0xfff, 1, MMU_IDX_M), ram_le(pa + 0xfff, 1));
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills + 1);
    /* Only the M context was filled. */
    cr_assert(!tlb_holds(MMU_IDX_S, pa) && !tlb_holds(MMU_IDX_U, pa));
}

Test(tlb, sign_extension)
{
    uint64_t pa = FX_RAM_BASE + 0x3000;
    fx_ram_write(pa, 8, 0x8091a2b3c4d5e6f7ULL);
    uint64_t v;
    cr_assert(tlb_load_slow(fx_cpu, pa, 1, MMU_IDX_M, true, &v));
    cr_assert_eq(v, 0xfffffffffffffff7ULL);
    cr_assert(tlb_load_slow(fx_cpu, pa, 1, MMU_IDX_M, false, &v));
    cr_assert_eq(v, 0xf7);
    cr_assert(tlb_load_slow(fx_cpu, pa + 2, 2, MMU_IDX_M, true, &v));
    cr_assert_eq(v, 0xffffffffffffc4d5ULL);
    cr_assert(tlb_load_slow(fx_cpu, pa + 4, 4, MMU_IDX_M, true, &v));
    cr_assert_eq(v, 0xffffffff8091a2b3ULL);
    cr_assert(tlb_load_slow(fx_cpu, pa + 4, 4, MMU_IDX_M, false, &v));
    cr_assert_eq(v, 0x8091a2b3ULL);
    cr_assert(tlb_load_slow(fx_cpu, pa, 4, MMU_IDX_M, true, &v));
    cr_assert_eq(v, 0xffffffffc4d5e6f7ULL);
}

Test(tlb, store_fill_m_mode_bare)
{
    uint64_t pa = FX_RAM_BASE + 0x5000;
    fill_pattern(pa, 4096, 7);
    store(pa + 0x10, 8, MMU_IDX_M, 0x0102030405060708ULL);
    cr_assert_eq(entry(MMU_IDX_M, pa)->addr_write, pa);
    const uint8_t want[8] = { 8, 7, 6, 5, 4, 3, 2, 1 };
    cr_assert_arr_eq(fx_host(pa + 0x10), want, 8);
    store(pa + 0x20, 2, MMU_IDX_M, 0xfffffffffffface1ULL);   /* only 2 bytes written */
    cr_assert_eq(fx_host(pa + 0x20)[0], 0xe1);
    cr_assert_eq(fx_host(pa + 0x20)[1], 0xac);
    cr_assert_eq(fx_host(pa + 0x22)[0], (uint8_t)(7 + 0x22 * 13));
    store(pa + 0x24, 4, MMU_IDX_M, 0x11223344);
    cr_assert_eq(ram_le(pa + 0x24, 4), 0x11223344);
    store(pa + 0x28, 1, MMU_IDX_M, 0x99);
    cr_assert_eq(ram_le(pa + 0x28, 1), 0x99);
    cr_assert_eq(load(pa + 0x10, 8, MMU_IDX_M), 0x0102030405060708ULL);
}

Test(tlb, fill_from_sv39_page_table)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t v = 0x12345000, pa = FX_RAM_BASE + 0x8000;
    fx_map(v, pa, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D);
    fill_pattern(pa, 4096, 3);
    cr_assert_eq(load(v + 0x40, 8, MMU_IDX_S), ram_le(pa + 0x40, 8));
    CPUTLBEntry *e = entry(MMU_IDX_S, v);
    cr_assert_eq(e->addr_read, v);
    cr_assert_eq(e->addr_write, v, "dirty writable page: write allowed at once");
    cr_assert(e->addr_code & TLB_INVALID, "no X in the PTE, but addr_code %#llx",
              (unsigned long long)e->addr_code);
    cr_assert_eq((uint8_t *)(uintptr_t)(v + 0x40 + e->addend), fx_host(pa + 0x40));
    cr_assert_eq(full(MMU_IDX_S, v)->paddr, pa);
    store(v + 0x48, 4, MMU_IDX_S, 0xcafef00d);
    cr_assert_eq(fx_ram_read(pa + 0x48, 4), 0xcafef00d);
    /* U has no access to an S page; nothing is cached for it. */
    load_faults(v, 8, MMU_IDX_U, EXCP_LOAD_PAGE_FAULT, v);
    cr_assert(!tlb_holds(MMU_IDX_U, v));
}

/* A guest PTE may name any physical page: one past RAM, in unmapped space or at the top of the
 * 56-bit physical space is an access fault with the virtual address in tval (not a page
 * fault, not a host access), and nothing is cached for it. */
Test(tlb, leaf_pte_outside_ram_is_access_fault_with_the_virtual_address)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    const uint64_t targets[] = { FX_RAM_BASE + FX_RAM_SIZE, FX_UNMAPPED,
                                 (1ULL << 56) - 0x1000, FX_RAM_BASE - 0x1000 };
    for (unsigned i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        uint64_t v = 0x23450000 + i * 0x1000;
        fx_map(v, targets[i], 12, FX_PTE_RWXAD);
        load_faults(v + 0x18, 8, MMU_IDX_S, EXCP_LOAD_ACCESS_FAULT, v + 0x18);
        store_faults(v + 0x20, 4, MMU_IDX_S, 5, EXCP_STORE_ACCESS_FAULT, v + 0x20);
        uint64_t paddr;
        const uint8_t *host;
        bool single;
        cr_assert_eq(tlb_translate_code(fx_cpu, v, &paddr, &host, &single),
                     EXCP_INST_ACCESS_FAULT, "fetch via PTE to 0x%llx",
                     (unsigned long long)targets[i]);
        cr_assert(!tlb_holds(MMU_IDX_S, v), "cached a page outside RAM");
    }
    cr_assert_eq(fx_mmio.n, 0);
}

/* The last page of the address space: its tag must not be confused with an empty entry
 * (all ones), for any access type. */
Test(tlb, top_page_of_address_space)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t top = 0xfffffffffffff000ULL, pa = FX_RAM_BASE + 0xc000;
    fx_ram_write(pa + 0xff8, 8, 0x70707070);
    /* Nothing mapped yet: every access faults (an empty entry is no hit). */
    load_faults(top + 0xff8, 8, MMU_IDX_S, EXCP_LOAD_PAGE_FAULT, top + 0xff8);
    store_faults(top + 0xff8, 8, MMU_IDX_S, 1, EXCP_STORE_PAGE_FAULT, top + 0xff8);
    fx_map(top, pa, 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    cr_assert_eq(load(top + 0xff8, 8, MMU_IDX_S), 0x70707070);
    cr_assert_eq(entry(MMU_IDX_S, top)->addr_read, top);
    /* Read-only: the store must fault, not hit the entry's empty write tag. */
    store_faults(top + 0xff8, 8, MMU_IDX_S, 1, EXCP_STORE_PAGE_FAULT, top + 0xff8);
    cr_assert_eq(fx_ram_read(pa + 0xff8, 8), 0x70707070);
}

Test(tlb, unmapped_and_rom)
{
    load_faults(FX_UNMAPPED + 8, 8, MMU_IDX_M, EXCP_LOAD_ACCESS_FAULT, FX_UNMAPPED + 8);
    store_faults(FX_UNMAPPED, 4, MMU_IDX_M, 1, EXCP_STORE_ACCESS_FAULT, FX_UNMAPPED);
    uint64_t rom_word = load(FX_ROM_BASE + 0x10, 4, MMU_IDX_M);
    uint64_t want = 0;
    for (unsigned i = 0; i < 4; i++) {
        want |= (uint64_t)rom_byte(0x10 + i) << (8 * i);
    }
    cr_assert_eq(rom_word, want);
    cr_assert(entry(MMU_IDX_M, FX_ROM_BASE)->addr_write & TLB_INVALID,
              "ROM entry allows writes");
    store_faults(FX_ROM_BASE + 0x10, 4, MMU_IDX_M, 0, EXCP_STORE_ACCESS_FAULT,
                 FX_ROM_BASE + 0x10);
    cr_assert_eq(load(FX_ROM_BASE + 0x10, 4, MMU_IDX_M), rom_word);
}

/* ---- stale translations and flushes -------------------------------------------------------- */

/* S-mode paging with v1 -> f1 and v2 -> f2 (4 KiB, RW, A/D set), frames filled with distinct
 * patterns. Returns the leaf PTE addresses. */
static void two_pages(uint64_t v1, uint64_t f1, uint64_t v2, uint64_t f2, uint64_t *s1,
                      uint64_t *s2)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t flags = FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D;
    *s1 = fx_map(v1, f1, 12, flags);
    *s2 = fx_map(v2, f2, 12, flags);
}

#define FRAME(n) (FX_RAM_BASE + 0x100000 + (uint64_t)(n) * 0x1000)

static void mark_frames(void)
{
    for (unsigned n = 0; n < 8; n++) {
        fx_ram_write(FRAME(n), 8, 0xf00d000000000000ULL | n);
    }
}

Test(tlb, stale_translation_until_page_flush)
{
    uint64_t s1, s2, v1 = 0x10000, v2 = 0x23000;
    two_pages(v1, FRAME(0), v2, FRAME(1), &s1, &s2);
    mark_frames();
    cr_assert_eq(load(v1, 8, MMU_IDX_S), 0xf00d000000000000ULL);
    cr_assert_eq(load(v2, 8, MMU_IDX_S), 0xf00d000000000001ULL);
    /* Remap both without a flush: the TLB keeps using the old frames. */
    fx_pte_write(s1, fx_pte(FRAME(2), FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D));
    fx_pte_write(s2, fx_pte(FRAME(3), FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D));
    cr_assert_eq(load(v1, 8, MMU_IDX_S), 0xf00d000000000000ULL);
    cr_assert_eq(load(v2, 8, MMU_IDX_S), 0xf00d000000000001ULL);
    store(v1 + 8, 8, MMU_IDX_S, 0x5555);
    cr_assert_eq(fx_ram_read(FRAME(0) + 8, 8), 0x5555, "store used the old frame");

    uint64_t flushes = fx_cpu->tlb.stats.flushes_page;
    tlb_flush_page_local(&fx_cpu->tlb, v1 + 0x123);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_page, flushes + 1);
    cr_assert(!tlb_holds(MMU_IDX_S, v1));
    cr_assert(tlb_holds(MMU_IDX_S, v2), "page flush removed another page");
    cr_assert_eq(load(v1, 8, MMU_IDX_S), 0xf00d000000000002ULL);
    cr_assert_eq(load(v2, 8, MMU_IDX_S), 0xf00d000000000001ULL, "v2 was refilled");
}

Test(tlb, stale_translation_until_full_flush)
{
    uint64_t s1, s2, v1 = 0x10000, v2 = 0x23000;
    two_pages(v1, FRAME(0), v2, FRAME(1), &s1, &s2);
    mark_frames();
    cr_assert_eq(load(v1, 8, MMU_IDX_S), 0xf00d000000000000ULL);
    cr_assert_eq(load(v2, 8, MMU_IDX_S_SUM), 0xf00d000000000001ULL);
    fx_pte_write(s1, fx_pte(FRAME(2), FX_PTE_V | FX_PTE_R | FX_PTE_A));
    fx_pte_write(s2, fx_pte(FRAME(3), FX_PTE_V | FX_PTE_R | FX_PTE_A));
    cr_assert_eq(load(v1, 8, MMU_IDX_S), 0xf00d000000000000ULL);
    tlb_flush_local(&fx_cpu->tlb);
    for (unsigned i = 0; i < TLB_NB_MMU_MODES; i++) {
        cr_assert(!tlb_holds(i, v1) && !tlb_holds(i, v2));
    }
    cr_assert_eq(load(v1, 8, MMU_IDX_S), 0xf00d000000000002ULL);
    cr_assert_eq(load(v2, 8, MMU_IDX_S_SUM), 0xf00d000000000003ULL);
    /* The new PTEs are read-only. */
    store_faults(v1, 8, MMU_IDX_S, 0, EXCP_STORE_PAGE_FAULT, v1);
}

Test(tlb, flush_by_mmuidx_only_named_contexts)
{
    uint64_t s1, s2, v = 0x80004000;   /* identity-mapped in S, bare in M */
    two_pages(v, v, 0x1000, FRAME(0), &s1, &s2);
    fx_ram_write(v, 8, 42);
    cr_assert_eq(load(v, 8, MMU_IDX_S), 42);
    cr_assert_eq(load(v, 8, MMU_IDX_S_SUM), 42);
    cr_assert_eq(load(v, 8, MMU_IDX_M), 42);
    tlb_flush_by_mmuidx_local(&fx_cpu->tlb, 1u << MMU_IDX_S);
    cr_assert(!tlb_holds(MMU_IDX_S, v));
    cr_assert(tlb_holds(MMU_IDX_S_SUM, v));
    cr_assert(tlb_holds(MMU_IDX_M, v));
    tlb_flush_by_mmuidx_local(&fx_cpu->tlb, (1u << MMU_IDX_M) | (1u << MMU_IDX_U));
    cr_assert(tlb_holds(MMU_IDX_S_SUM, v));
    cr_assert(!tlb_holds(MMU_IDX_M, v));

    /* Page flush by mmu_idx: same rule. */
    cr_assert_eq(load(v, 8, MMU_IDX_S), 42);
    cr_assert_eq(load(v, 8, MMU_IDX_M), 42);
    tlb_flush_page_by_mmuidx_local(&fx_cpu->tlb, v, 1u << MMU_IDX_M);
    cr_assert(tlb_holds(MMU_IDX_S, v) && tlb_holds(MMU_IDX_S_SUM, v));
    cr_assert(!tlb_holds(MMU_IDX_M, v));
    tlb_flush_page_by_mmuidx_local(&fx_cpu->tlb, v, (1u << MMU_IDX_S) | (1u << MMU_IDX_S_SUM));
    cr_assert(!tlb_holds(MMU_IDX_S, v) && !tlb_holds(MMU_IDX_S_SUM, v));
}

/* S-mode: a 2 MiB page at V2M and 4 KiB pages at V4K (S) and at P_M (M, bare), all loaded. */
#define V2M 0x40000000ULL
#define P2M (FX_RAM_BASE + 0x200000)
#define V4K 0x10000ULL
#define P_M (FX_RAM_BASE + 0x20000)

static void large_page_setup(void)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    fx_map(V2M, P2M, 21, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D);
    fx_map(V4K, FRAME(0), 12, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D);
    fx_ram_write(P2M + 0x5000, 8, 0x2222);
    fx_ram_write(P2M + 0x1ff000, 8, 0x3333);
    fx_ram_write(FRAME(0), 8, 0x4444);
    fx_ram_write(P_M, 8, 0x5555);
    cr_assert_eq(load(V2M + 0x5000, 8, MMU_IDX_S), 0x2222);
    cr_assert_eq(load(V2M + 0x1ff000, 8, MMU_IDX_S), 0x3333);
    cr_assert_eq(load(V4K, 8, MMU_IDX_S), 0x4444);
    cr_assert_eq(load(P_M, 8, MMU_IDX_M), 0x5555);
    cr_assert_eq(full(MMU_IDX_S, V2M + 0x5000)->page_bits, 21);
    cr_assert_eq(full(MMU_IDX_S, V2M + 0x5000)->paddr, P2M + 0x5000);
    const CPUTLBDesc *d = &fx_cpu->tlb.d[MMU_IDX_S];
    cr_assert_eq(d->large_page_addr, V2M, "large_page_addr %#llx",
                 (unsigned long long)d->large_page_addr);
    cr_assert_eq(d->large_page_mask, ~((1ULL << 21) - 1), "large_page_mask %#llx",
                 (unsigned long long)d->large_page_mask);
}

Test(tlb, qemu_policy_page_flush_inside_large_page_flushes_mmu_idx)
{
    tlb_set_qemu_policy(&fx_cpu->tlb, true);
    large_page_setup();
    uint64_t lp = fx_cpu->tlb.stats.flushes_large_page;
    /* A 4 KiB page of the 2 MiB page that was never accessed itself. */
    tlb_flush_page_local(&fx_cpu->tlb, V2M + 0x100000);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_large_page, lp + 1);
    cr_assert(!tlb_holds(MMU_IDX_S, V2M + 0x5000));
    cr_assert(!tlb_holds(MMU_IDX_S, V2M + 0x1ff000));
    cr_assert(!tlb_holds(MMU_IDX_S, V4K), "the whole mmu_idx is flushed");
    cr_assert(tlb_holds(MMU_IDX_M, P_M), "other mmu_idx must survive");
    cr_assert_eq(fx_cpu->tlb.d[MMU_IDX_S].large_page_addr, ~0ULL, "region not reset");
    /* A PTE change to the 2 MiB page is now seen. */
    fx_pte_write(fx_pte_addr(V2M, 1), fx_pte(P2M + 0x200000, FX_PTE_V | FX_PTE_R | FX_PTE_A));
    fx_ram_write(P2M + 0x200000 + 0x5000, 8, 0x6666);
    cr_assert_eq(load(V2M + 0x5000, 8, MMU_IDX_S), 0x6666);
}

Test(tlb, page_flush_outside_large_page_flushes_one_page)
{
    large_page_setup();
    uint64_t lp = fx_cpu->tlb.stats.flushes_large_page;
    tlb_flush_page_local(&fx_cpu->tlb, V4K);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_large_page, lp);
    cr_assert(!tlb_holds(MMU_IDX_S, V4K));
    cr_assert(tlb_holds(MMU_IDX_S, V2M + 0x5000));
    cr_assert(tlb_holds(MMU_IDX_S, V2M + 0x1ff000));
    cr_assert(tlb_holds(MMU_IDX_M, P_M));
    cr_assert_eq(fx_cpu->tlb.d[MMU_IDX_S].large_page_addr, V2M);
    /* Just past the end of the large page is outside too. */
    tlb_flush_page_local(&fx_cpu->tlb, V2M + 0x200000);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_large_page, lp);
    cr_assert(tlb_holds(MMU_IDX_S, V2M + 0x5000));
}

Test(tlb, qemu_policy_large_page_region_widens_to_cover_both)
{
    tlb_set_qemu_policy(&fx_cpu->tlb, true);
    large_page_setup();
    uint64_t v2 = V2M + 0x600000;
    fx_map(v2, P2M + 0x400000, 21, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    load(v2 + 8, 8, MMU_IDX_S);
    const CPUTLBDesc *d = &fx_cpu->tlb.d[MMU_IDX_S];
    cr_assert_eq(V2M & d->large_page_mask, d->large_page_addr);
    cr_assert_eq(v2 & d->large_page_mask, d->large_page_addr);
    cr_assert_eq((v2 + 0x1fffff) & d->large_page_mask, d->large_page_addr);
    /* A flush in the second large page flushes entries of the first. */
    uint64_t lp = fx_cpu->tlb.stats.flushes_large_page;
    tlb_flush_page_local(&fx_cpu->tlb, v2 + 0x3000);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_large_page, lp + 1);
    cr_assert(!tlb_holds(MMU_IDX_S, V2M + 0x5000));
}

Test(tlb, page_flush_inside_large_page_removes_only_that_large_page)
{
    large_page_setup();
    uint64_t lp = fx_cpu->tlb.stats.flushes_large_page;
    uint64_t precise = fx_cpu->tlb.stats.flushes_large_page_precise;
    tlb_flush_page_local(&fx_cpu->tlb, V2M + 0x100000);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_large_page, lp, "no whole-mmu_idx flush");
    cr_assert_eq(fx_cpu->tlb.stats.flushes_large_page_precise, precise + 1);
    cr_assert(!tlb_holds(MMU_IDX_S, V2M + 0x5000), "entry of the megapage survived");
    cr_assert(!tlb_holds(MMU_IDX_S, V2M + 0x1ff000), "entry of the megapage survived");
    cr_assert(tlb_holds(MMU_IDX_S, V4K), "an unrelated 4 KiB entry was flushed");
    cr_assert(tlb_holds(MMU_IDX_M, P_M));
    fx_pte_write(fx_pte_addr(V2M, 1), fx_pte(P2M + 0x200000, FX_PTE_V | FX_PTE_R | FX_PTE_A));
    fx_ram_write(P2M + 0x200000 + 0x5000, 8, 0x6666);
    cr_assert_eq(load(V2M + 0x5000, 8, MMU_IDX_S), 0x6666);
}

Test(tlb, page_flush_in_one_large_page_keeps_the_other)
{
    large_page_setup();
    uint64_t v2 = V2M + 0x600000;
    fx_map(v2, P2M + 0x400000, 21, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    load(v2 + 8, 8, MMU_IDX_S);
    load(v2 + 0x7000, 8, MMU_IDX_S);
    tlb_flush_page_local(&fx_cpu->tlb, v2 + 0x3000);
    cr_assert(!tlb_holds(MMU_IDX_S, v2));
    cr_assert(!tlb_holds(MMU_IDX_S, v2 + 0x7000));
    cr_assert(tlb_holds(MMU_IDX_S, V2M + 0x5000), "the other megapage's entry was flushed");
    cr_assert(tlb_holds(MMU_IDX_S, V4K));
}

/* Svnapot: a 64 KiB NAPOT page is a large page of its own size. A flush of any 4 KiB page in
 * it drops the pieces of every other 4 KiB page of it, and nothing outside it. */
Test(tlb, page_flush_inside_napot_64k_page_removes_all_its_pieces)
{
    fx_cpu->features.svnapot = true;
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    const uint64_t v64 = 0x120000ULL, p64 = FX_RAM_BASE + 0x100000;
    for (unsigned i = 0; i < 16; i++) {
        fx_map(v64 + i * 0x1000, p64 + 0x8000, 12,
               FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D | (1ULL << 63));
    }
    fx_map(V4K, FRAME(0), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_map(v64 + 0x10000, FRAME(1), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);   /* just after */
    fx_ram_write(p64 + 0x1000, 8, 0x1111);
    fx_ram_write(p64 + 0xf000, 8, 0x2222);
    cr_assert_eq(load(v64 + 0x1000, 8, MMU_IDX_S), 0x1111);
    cr_assert_eq(load(v64 + 0xf000, 8, MMU_IDX_S), 0x2222);
    load(V4K, 8, MMU_IDX_S);
    load(v64 + 0x10000, 8, MMU_IDX_S);
    cr_assert_eq(full(MMU_IDX_S, v64 + 0x1000)->page_bits, 16);
    const CPUTLBDesc *d = &fx_cpu->tlb.d[MMU_IDX_S];
    cr_assert_eq(d->large_page_addr, v64);
    cr_assert_eq(d->large_page_mask, ~0xffffULL);
    tlb_flush_page_local(&fx_cpu->tlb, v64 + 0x7000);
    cr_assert(!tlb_holds(MMU_IDX_S, v64 + 0x1000), "a piece of the 64 KiB page survived");
    cr_assert(!tlb_holds(MMU_IDX_S, v64 + 0xf000), "a piece of the 64 KiB page survived");
    cr_assert(tlb_holds(MMU_IDX_S, V4K), "an unrelated 4 KiB entry was flushed");
    cr_assert(tlb_holds(MMU_IDX_S, v64 + 0x10000), "the page after it was flushed");
}

Test(tlb, page_flush_inside_gigapage_removes_its_entries_across_the_table)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t vg = 0x40000000ULL;          /* 1 GiB page onto RAM */
    fx_map(vg, FX_RAM_BASE & ~((1ULL << 30) - 1), 30, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_map(V4K, FRAME(0), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    uint64_t off1 = FX_RAM_BASE & ((1ULL << 30) - 1);
    uint64_t a = vg + off1 + 0x3000, b = vg + off1 + 0x91000;
    load(a, 8, MMU_IDX_S);
    load(b, 8, MMU_IDX_S);
    load(V4K, 8, MMU_IDX_S);
    cr_assert_eq(full(MMU_IDX_S, a)->page_bits, 30);
    tlb_flush_page_local(&fx_cpu->tlb, vg + 0x123000);
    cr_assert(!tlb_holds(MMU_IDX_S, a) && !tlb_holds(MMU_IDX_S, b));
    cr_assert(tlb_holds(MMU_IDX_S, V4K));
}

/* ---- ASIDs ------------------------------------------------------------------------------- */

static void write_satp(uint64_t v)
{
    uint64_t old;
    cr_assert_eq(riscv_csr_rmw(fx_cpu, 0x180, &old, false, true, v, ~0ULL, 0), CSR_OK_EXIT_TB);
}

static uint64_t satp_of(unsigned asid, uint64_t root)
{
    return ((uint64_t)SATP_MODE_SV39 << SATP_MODE_SHIFT) | ((uint64_t)asid << SATP_ASID_SHIFT) |
           (root >> 12);
}

#define VA 0x200000ULL
#define VG 0x405000ULL   /* a different TLB index from VA */

/* Two address spaces: ASID 1 maps VA to frame 1, ASID 2 maps it to frame 2; VG is global in
 * both (frame 3). Leaves the hart in ASID 1 with VA and VG cached. Returns root 2. */
static uint64_t two_address_spaces(uint64_t *root1)
{
    *root1 = fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    fx_map(VA, FRAME(1), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_map(VG, FRAME(3), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A | FX_PTE_G);
    uint64_t root2 = fx_paging(SATP_MODE_SV39);
    fx_map(VA, FRAME(2), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_map(VG, FRAME(3), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A | FX_PTE_G);
    fx_ram_write(FRAME(1), 8, 0x1111);
    fx_ram_write(FRAME(2), 8, 0x2222);
    fx_ram_write(FRAME(3), 8, 0x3333);
    write_satp(satp_of(1, *root1));
    tlb_flush_local(&fx_cpu->tlb);
    cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x1111);
    cr_assert_eq(load(VG, 8, MMU_IDX_S), 0x3333);
    cr_assert(full(MMU_IDX_S, VG)->global && !full(MMU_IDX_S, VA)->global);
    cr_assert_eq(full(MMU_IDX_S, VA)->asid, 1);
    return root2;
}

Test(tlb, satp_asid_switch_keeps_each_address_space_apart)
{
    uint64_t root1, root2 = two_address_spaces(&root1);
    uint64_t flushes = fx_cpu->tlb.stats.flushes_full;
    write_satp(satp_of(2, root2));
    cr_assert_eq(fx_cpu->tlb.stats.flushes_full, flushes, "satp write flushed the TLB");
    cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x2222, "ASID 2 used ASID 1's translation");
    uint64_t fills = fx_cpu->tlb.stats.fills;
    write_satp(satp_of(1, root1));
    cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x1111);
    cr_assert_eq(load(VG, 8, MMU_IDX_S), 0x3333);
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills, "switching back did not reuse ASID 1's entries");
    cr_assert_geq(fx_cpu->tlb.stats.asid_context_hits, 1);
}

Test(tlb, asid_flush_keeps_global_entries)
{
    uint64_t root1;
    two_address_spaces(&root1);
    tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 1, TLB_ASID_TAGGED_IDXMAP);
    cr_assert(!tlb_holds(MMU_IDX_S, VA));
    cr_assert(tlb_holds(MMU_IDX_S, VG), "global entry flushed by an ASID flush");
    tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 7, TLB_ASID_TAGGED_IDXMAP);
    cr_assert(tlb_holds(MMU_IDX_S, VG));
}

/* An ASID flush visits the entries filled from non-global PTEs (a list, TLB_NONGLOBAL_TRACK
 * long) instead of the whole table, and scans it all once more were filled than that: both
 * ways every non-global entry goes and the global ones stay, also for entries that came back
 * from the victim TLB and on a second flush after refills. */
static void asid_flush_drops_n_nonglobal_pages(unsigned n)
{
    uint64_t root1;
    two_address_spaces(&root1);
    fx_paging_use_root(root1);
    const uint64_t base = 0x10000000ULL;
    for (unsigned round = 0; round < 2; round++) {
        for (unsigned i = 0; i < n; i++) {
            if (round == 0) {
                fx_map(base + i * 4096ULL, FRAME(1), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
            }
            cr_assert_eq(load(base + i * 4096ULL, 8, MMU_IDX_S), 0x1111);
        }
        cr_assert(tlb_holds(MMU_IDX_S, base) && tlb_holds(MMU_IDX_S, VG));
        tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 1, TLB_ASID_TAGGED_IDXMAP);
        for (unsigned i = 0; i < n; i++) {
            cr_assert(!tlb_holds(MMU_IDX_S, base + i * 4096ULL), "round %u page %u kept", round,
                      i);
        }
        cr_assert(!tlb_holds(MMU_IDX_S, VA));
        cr_assert(tlb_holds(MMU_IDX_S, VG), "global entry flushed by an ASID flush");
    }
}

Test(tlb, asid_flush_drops_tracked_nonglobal_entries)
{
    asid_flush_drops_n_nonglobal_pages(TLB_NONGLOBAL_TRACK / 2);
}

Test(tlb, asid_flush_drops_nonglobal_entries_past_the_tracking_limit)
{
    asid_flush_drops_n_nonglobal_pages(TLB_NONGLOBAL_TRACK + 30);
}

Test(tlb, asid_flush_of_other_address_space_keeps_current_entries)
{
    uint64_t root1, root2 = two_address_spaces(&root1);
    tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 2, TLB_ASID_TAGGED_IDXMAP);
    cr_assert(tlb_holds(MMU_IDX_S, VA));
    /* ASID 2 had no tables kept; switching to it still translates afresh. */
    write_satp(satp_of(2, root2));
    cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x2222);
}

Test(tlb, page_flush_in_one_asid_reaches_kept_tables_of_that_asid_only)
{
    uint64_t root1, root2 = two_address_spaces(&root1);
    write_satp(satp_of(2, root2));
    cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x2222);
    /* Remap VA in ASID 1 (not current) and flush just that page in ASID 1. */
    fx_paging_use_root(root1);
    fx_map(VA, FRAME(4), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_ram_write(FRAME(4), 8, 0x4444);
    tlb_flush_page_asid_by_mmuidx_local(&fx_cpu->tlb, VA, 1, TLB_ASID_TAGGED_IDXMAP);
    cr_assert(tlb_holds(MMU_IDX_S, VA), "the current ASID's entry was flushed");
    write_satp(satp_of(1, root1));
    cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x4444, "ASID 1 kept a stale entry");
    cr_assert_eq(load(VG, 8, MMU_IDX_S), 0x3333);
}

Test(tlb, page_flush_for_all_asids_reaches_kept_tables)
{
    uint64_t root1, root2 = two_address_spaces(&root1);
    write_satp(satp_of(2, root2));
    fx_paging_use_root(root1);
    fx_map(VA, FRAME(4), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_ram_write(FRAME(4), 8, 0x4444);
    tlb_flush_page_local(&fx_cpu->tlb, VA);
    write_satp(satp_of(1, root1));
    cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x4444);
}

Test(tlb, satp_mode_change_flushes_translated_contexts)
{
    uint64_t root1;
    two_address_spaces(&root1);
    write_satp(((uint64_t)SATP_MODE_SV48 << SATP_MODE_SHIFT) | (1ULL << SATP_ASID_SHIFT) |
               (root1 >> 12));
    cr_assert(!tlb_holds(MMU_IDX_S, VA) && !tlb_holds(MMU_IDX_S, VG));
}

Test(tlb, qemu_policy_satp_write_flushes_everything)
{
    tlb_set_qemu_policy(&fx_cpu->tlb, true);
    uint64_t root1, root2 = two_address_spaces(&root1);
    write_satp(satp_of(2, root2));
    cr_assert(!tlb_holds(MMU_IDX_S, VG));
    cr_assert_eq(fx_cpu->tlb.stats.asid_switches, 0);
}

/* ---- ranges and resizing --------------------------------------------------------------- */

Test(tlb, range_flush_removes_exactly_the_pages_of_the_range)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    for (unsigned i = 0; i < 8; i++) {
        fx_map(VA + i * 0x1000, FRAME(i), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
        load(VA + i * 0x1000, 8, MMU_IDX_S);
    }
    tlb_flush_range_by_mmuidx_local(&fx_cpu->tlb, VA + 0x2800, 0x2000, TLB_ASID_TAGGED_IDXMAP);
    for (unsigned i = 0; i < 8; i++) {
        bool flushed = i >= 2 && i <= 4;
        cr_assert_eq(tlb_holds(MMU_IDX_S, VA + i * 0x1000), !flushed, "page %u", i);
    }
}

Test(tlb, table_grows_when_busy_and_shrinks_when_idle)
{
    CPUTLBDescFast *f = &fx_cpu->tlb.f[MMU_IDX_M];
    size_t n = f->mask + 1;
    cr_assert_eq(n, 1u << TLB_DEFAULT_BITS);
    for (size_t i = 0; i < n; i++) {
        load(FX_RAM_BASE + i * 0x1000, 1, MMU_IDX_M);
    }
    cr_assert_eq(fx_cpu->tlb.d[MMU_IDX_M].n_used_entries, n, "occupancy not counted exactly");
    tlb_flush_by_mmuidx_local(&fx_cpu->tlb, 1u << MMU_IDX_M);
    cr_assert_eq(f->mask + 1, 2 * n, "a full table did not grow");
    cr_assert_eq(fx_cpu->tlb.stats.resizes, 1);
    load(FX_RAM_BASE, 1, MMU_IDX_M);
    struct timespec ts = { 0, 120 * 1000 * 1000 };    /* one resize window */
    nanosleep(&ts, NULL);
    tlb_flush_by_mmuidx_local(&fx_cpu->tlb, 1u << MMU_IDX_M);
    cr_assert_eq(f->mask + 1, 1u << TLB_MIN_BITS, "an idle table did not shrink: %zu",
                 (size_t)(f->mask + 1));
    cr_assert_eq(load(FX_RAM_BASE + 0x5000, 1, MMU_IDX_M),
                 fx_ram_read(FX_RAM_BASE + 0x5000, 1));
}

/* Linux flushes by ASID and by page, almost never a whole mmu_idx: the tables must grow at
 * those flushes too, keeping what the flush did not remove. */
static size_t count_valid(unsigned mmu_idx);

static void fill_nonglobal_pages(uint64_t base, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        fx_map(base + i * 4096ULL, FRAME(1), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
        cr_assert_eq(load(base + i * 4096ULL, 8, MMU_IDX_S), 0x1111);
    }
}

/* In ASID 1 (two_address_spaces), fill 80 % of the S-mode table with non-global pages from
 * `base`; returns how many, and the table's size then in *size. */
static unsigned fill_most_of_the_s_table(uint64_t base, size_t *size)
{
    uint64_t root1;
    two_address_spaces(&root1);
    fx_paging_use_root(root1);
    *size = fx_cpu->tlb.f[MMU_IDX_S].mask + 1;
    unsigned pages = (unsigned)(*size * 8 / 10);
    fill_nonglobal_pages(base, pages);
    return pages;
}

Test(tlb, table_grows_at_an_asid_flush_and_keeps_global_entries)
{
    CPUTLBDescFast *f = &fx_cpu->tlb.f[MMU_IDX_S];
    uint64_t resizes = fx_cpu->tlb.stats.resizes;
    size_t n;
    fill_most_of_the_s_table(0x10000000ULL, &n);
    tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 1, TLB_ASID_TAGGED_IDXMAP);
    cr_assert_eq(f->mask + 1, 2 * n, "a busy table did not grow at an ASID flush");
    cr_assert_eq(fx_cpu->tlb.stats.resizes, resizes + 1);
    cr_assert(!tlb_holds(MMU_IDX_S, 0x10000000ULL) && !tlb_holds(MMU_IDX_S, VA));
    uint64_t fills = fx_cpu->tlb.stats.fills;
    cr_assert(tlb_holds(MMU_IDX_S, VG), "the global entry was lost in the resize");
    cr_assert_eq(load(VG, 8, MMU_IDX_S), 0x3333);
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills, "the global entry had to be refilled");
    cr_assert_eq(fx_cpu->tlb.d[MMU_IDX_S].n_used_entries, count_valid(MMU_IDX_S));
}

Test(tlb, table_grows_at_a_page_flush_and_keeps_the_other_entries)
{
    CPUTLBDescFast *f = &fx_cpu->tlb.f[MMU_IDX_S];
    const uint64_t base = 0x10000000ULL;
    size_t n;
    unsigned pages = fill_most_of_the_s_table(base, &n);
    tlb_flush_page_asid_by_mmuidx_local(&fx_cpu->tlb, base, 1, TLB_ASID_TAGGED_IDXMAP);
    cr_assert_eq(f->mask + 1, 2 * n, "a busy table did not grow at a page flush");
    cr_assert(!tlb_holds(MMU_IDX_S, base), "the flushed page survived the resize");
    uint64_t fills = fx_cpu->tlb.stats.fills;
    for (unsigned i = 1; i < pages; i++) {
        cr_assert_eq(load(base + i * 4096ULL, 8, MMU_IDX_S), 0x1111);
    }
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills, "entries were lost in the resize");
    cr_assert_eq(fx_cpu->tlb.d[MMU_IDX_S].n_used_entries, count_valid(MMU_IDX_S));
    /* The nonglobal list was rebuilt: an ASID flush still removes them all. */
    tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 1, TLB_ASID_TAGGED_IDXMAP);
    for (unsigned i = 0; i < pages; i++) {
        cr_assert(!tlb_holds(MMU_IDX_S, base + i * 4096ULL), "page %u kept", i);
    }
    cr_assert(tlb_holds(MMU_IDX_S, VG));
}

/* A full flush clears only the slots filled since the table was last emptied while they fit
 * the list, the whole table past that: either way nothing survives. */
static void full_flush_empties_after_n_fills(unsigned n)
{
    uint64_t root1;
    two_address_spaces(&root1);
    fx_paging_use_root(root1);
    for (unsigned round = 0; round < 3; round++) {
        fill_nonglobal_pages(0x10000000ULL + round * 0x100000ULL, n);
        cr_assert_gt(count_valid(MMU_IDX_S), 0);
        tlb_flush_local(&fx_cpu->tlb);
        cr_assert_eq(count_valid(MMU_IDX_S), 0, "round %u: entries survived a full flush", round);
        cr_assert_eq(fx_cpu->tlb.d[MMU_IDX_S].n_used_entries, 0);
        cr_assert(!tlb_holds(MMU_IDX_S, VG) && !tlb_holds(MMU_IDX_S, VA));
    }
}

Test(tlb, full_flush_of_a_few_fills_clears_them_all)
{
    full_flush_empties_after_n_fills(TLB_USED_TRACK / 4);
}

Test(tlb, full_flush_past_the_fill_list_clears_the_whole_table)
{
    full_flush_empties_after_n_fills(TLB_USED_TRACK + 20);
}

Test(tlb, switch_to_a_new_address_space_starts_with_empty_tables)
{
    uint64_t root1, root2 = two_address_spaces(&root1);
    for (unsigned asid = 10; asid < 10 + 2 * TLB_ASID_CONTEXTS; asid++) {
        write_satp(satp_of(asid, root2));
        cr_assert_eq(count_valid(MMU_IDX_S), 0, "ASID %u inherited entries", asid);
        cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x2222);
    }
}

/* --tlb-retain: beyond TLB_ASID_CONTEXTS address spaces each keeps its tables, so switching
 * back to the first of ten refills nothing; without it the first ones were given up. */
Test(tlb, retain_keeps_more_address_spaces_across_satp_switches)
{
    for (int retain = 0; retain < 2; retain++) {
        tlb_set_retain(&fx_cpu->tlb, retain);
        uint64_t root1, root2 = two_address_spaces(&root1);
        for (unsigned asid = 10; asid < 20; asid++) {
            write_satp(satp_of(asid, root2));
            cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x2222);
        }
        uint64_t fills = fx_cpu->tlb.stats.fills;
        write_satp(satp_of(10, root2));
        cr_assert_eq(load(VA, 8, MMU_IDX_S), 0x2222);
        if (retain) {
            cr_assert_eq(fx_cpu->tlb.stats.fills, fills, "ASID 10's entry was forgotten");
        } else {
            cr_assert_eq(fx_cpu->tlb.stats.fills, fills + 1, "ASID 10 kept past 4 contexts");
        }
        tlb_flush_local(&fx_cpu->tlb);
    }
    tlb_set_retain(&fx_cpu->tlb, false);
}

/* --tlb-retain: a global translation is carried into an address space that never filled it
 * (hardware has one copy for all ASIDs), so a stale one cannot vanish at a switch; without
 * retain the new ASID walks again. Non-global ones are not carried. */
Test(tlb, retain_carries_global_entries_across_an_asid_switch)
{
    for (int retain = 0; retain < 2; retain++) {
        tlb_set_retain(&fx_cpu->tlb, retain);
        uint64_t root1, root2 = two_address_spaces(&root1);
        write_satp(satp_of(30 + retain, root2));
        cr_assert_eq(tlb_holds(MMU_IDX_S, VG), retain, "global entry carried: %d", !retain);
        cr_assert(!tlb_holds(MMU_IDX_S, VA), "a non-global entry was carried");
        uint64_t fills = fx_cpu->tlb.stats.fills;
        cr_assert_eq(load(VG, 8, MMU_IDX_S), 0x3333);
        cr_assert_eq(fx_cpu->tlb.stats.fills, fills + !retain);
        if (retain) {
            cr_assert_eq(full(MMU_IDX_S, VG)->asid, 31, "the copy belongs to the new ASID");
        }
        tlb_flush_local(&fx_cpu->tlb);
    }
    tlb_set_retain(&fx_cpu->tlb, false);
}

/* --tlb-retain: pages that all land on one index of the table, more than the victim TLB
 * holds, stay cached (the table doubles instead of dropping a victim); without it some go. */
Test(tlb, retain_grows_the_table_instead_of_dropping_a_victim)
{
    for (int retain = 0; retain < 2; retain++) {
        tlb_flush_local(&fx_cpu->tlb);
        tlb_set_retain(&fx_cpu->tlb, retain);
        uint64_t size0 = fx_cpu->tlb.f[MMU_IDX_M].mask + 1;
        uint64_t stride = size0 << RV_PAGE_BITS;
        const unsigned n = TLB_VICTIM_SIZE + 4;
        for (unsigned k = 0; k < n; k++) {
            load(FX_RAM_BASE + 0x40000 + k * stride, 8, MMU_IDX_M);
        }
        unsigned held = 0;
        for (unsigned k = 0; k < n; k++) {
            held += tlb_holds(MMU_IDX_M, FX_RAM_BASE + 0x40000 + k * stride);
        }
        if (retain) {
            cr_assert_eq(held, n, "%u of %u pages still cached", held, n);
            cr_assert_gt(fx_cpu->tlb.f[MMU_IDX_M].mask + 1, size0, "the table did not grow");
        } else {
            cr_assert_lt(held, n, "the victim TLB alone held them all: the test proves nothing");
        }
    }
    tlb_set_retain(&fx_cpu->tlb, false);
}

/* ---- victim TLB ----------------------------------------------------------------------------- */

Test(tlb, victim_tlb_keeps_evicted_entry)
{
    uint64_t stride = (fx_cpu->tlb.f[MMU_IDX_M].mask + 1) << RV_PAGE_BITS;
    uint64_t a = FX_RAM_BASE + 0x40000, b = a + stride, c = a + 2 * stride;
    cr_assert_eq(entry(MMU_IDX_M, a), entry(MMU_IDX_M, b), "same direct-mapped index");
    fx_ram_write(a, 8, 0xaaaa);
    fx_ram_write(b, 8, 0xbbbb);
    fx_ram_write(c, 8, 0xcccc);
    CPUTLBStats s0 = fx_cpu->tlb.stats;
    cr_assert_eq(load(a, 8, MMU_IDX_M), 0xaaaa);
    cr_assert_eq(load(b, 8, MMU_IDX_M), 0xbbbb);
    cr_assert_eq(fx_cpu->tlb.stats.fills, s0.fills + 2);
    cr_assert(main_has(MMU_IDX_M, b, ACCESS_LOAD));

    cr_assert_eq(load(a + 16, 8, MMU_IDX_M), ram_le(a + 16, 8));
    cr_assert_eq(fx_cpu->tlb.stats.victim_hits, s0.victim_hits + 1);
    cr_assert_eq(fx_cpu->tlb.stats.fills, s0.fills + 2, "victim hit refilled");
    cr_assert(main_has(MMU_IDX_M, a, ACCESS_LOAD), "victim entry not swapped in");
    cr_assert_eq((uint8_t *)(uintptr_t)(a + entry(MMU_IDX_M, a)->addend), fx_host(a));
    cr_assert_eq(full(MMU_IDX_M, a)->paddr, a, "full entry not swapped with the entry");

    /* And back: b is now the victim. A store finds it too. */
    store(b + 8, 8, MMU_IDX_M, 0x1b1b);
    cr_assert_eq(fx_ram_read(b + 8, 8), 0x1b1b);
    cr_assert_eq(fx_cpu->tlb.stats.victim_hits, s0.victim_hits + 2);
    cr_assert_eq(fx_cpu->tlb.stats.fills, s0.fills + 2);
    /* A third page evicts b; a and b both stay reachable without a fill. */
    cr_assert_eq(load(c, 8, MMU_IDX_M), 0xcccc);
    cr_assert_eq(load(a, 8, MMU_IDX_M), 0xaaaa);
    cr_assert_eq(load(b, 8, MMU_IDX_M), 0xbbbb);
    cr_assert_eq(fx_cpu->tlb.stats.fills, s0.fills + 3);
    /* A page flush removes it from the victim TLB too. */
    tlb_flush_page_local(&fx_cpu->tlb, a);
    cr_assert(!tlb_holds(MMU_IDX_M, a));
    cr_assert(tlb_holds(MMU_IDX_M, b) && tlb_holds(MMU_IDX_M, c));
}

/* n_used_entries is documented as the exact number of valid entries in the main table. */
static size_t count_valid(unsigned mmu_idx)
{
    size_t n = 0;
    const CPUTLBDescFast *f = &fx_cpu->tlb.f[mmu_idx];
    for (size_t i = 0; i <= f->mask; i++) {
        const CPUTLBEntry *e = &f->table[i];
        if (e->addr_read != TLB_EMPTY_TAG || e->addr_write != TLB_EMPTY_TAG ||
            e->addr_code != TLB_EMPTY_TAG) {
            n++;
        }
    }
    return n;
}

/* n_used_entries counts the valid entries of the main table exactly, also when a victim-TLB
 * hit swaps an entry into an empty main slot (the resize policy will rely on it). */
Test(tlb, n_used_entries_is_exact)
{
    uint64_t stride = (fx_cpu->tlb.f[MMU_IDX_M].mask + 1) << RV_PAGE_BITS;
    uint64_t a = FX_RAM_BASE + 0x40000, b = a + stride;
    const CPUTLBDesc *d = &fx_cpu->tlb.d[MMU_IDX_M];
    load(a, 8, MMU_IDX_M);
    load(a + 0x1000, 8, MMU_IDX_M);
    load(b, 8, MMU_IDX_M);                      /* a goes to the victim TLB */
    cr_assert_eq(d->n_used_entries, count_valid(MMU_IDX_M));
    tlb_flush_page_local(&fx_cpu->tlb, b);            /* main slot now empty */
    cr_assert_eq(d->n_used_entries, count_valid(MMU_IDX_M));
    load(a, 8, MMU_IDX_M);                      /* victim hit into the empty slot */
    cr_assert_eq(d->n_used_entries, count_valid(MMU_IDX_M), "n_used %zu, valid %zu",
                 d->n_used_entries, count_valid(MMU_IDX_M));
    tlb_flush_page_local(&fx_cpu->tlb, a);
    cr_assert_eq(d->n_used_entries, count_valid(MMU_IDX_M), "n_used %zu, valid %zu",
                 d->n_used_entries, count_valid(MMU_IDX_M));
}

Test(tlb, n_used_entries_counts_fills_and_flushes)
{
    const CPUTLBDesc *d = &fx_cpu->tlb.d[MMU_IDX_M];
    cr_assert_eq(d->n_used_entries, 0);
    for (unsigned i = 0; i < 5; i++) {
        load(FX_RAM_BASE + 0x60000 + i * 0x1000, 8, MMU_IDX_M);
    }
    load(FX_RAM_BASE + 0x60000, 4, MMU_IDX_M);   /* hit */
    cr_assert_eq(d->n_used_entries, 5);
    cr_assert_eq(count_valid(MMU_IDX_M), 5);
    tlb_flush_page_local(&fx_cpu->tlb, FX_RAM_BASE + 0x61000);
    tlb_flush_page_local(&fx_cpu->tlb, FX_RAM_BASE + 0x61000);    /* already gone */
    cr_assert_eq(d->n_used_entries, 4);
    tlb_flush_local(&fx_cpu->tlb);
    cr_assert_eq(d->n_used_entries, 0);
    cr_assert_eq(count_valid(MMU_IDX_M), 0);
}

/* ---- D bit ---------------------------------------------------------------------------------- */

Test(tlb, store_to_clean_page_refills_after_setting_d)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t v = 0x700000, pa = FX_RAM_BASE + 0x70000;
    uint64_t slot = fx_map(v, pa, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A);
    fx_ram_write(pa, 8, 77);
    uint64_t fills = fx_cpu->tlb.stats.fills;
    cr_assert_eq(load(v, 8, MMU_IDX_S), 77);
    CPUTLBEntry *e = entry(MMU_IDX_S, v);
    cr_assert_eq(e->addr_read, v);
    cr_assert(e->addr_write & TLB_INVALID, "clean page cached as writable: addr_write %#llx",
              (unsigned long long)e->addr_write);
    cr_assert_eq(fx_pte_read(slot) & FX_PTE_D, 0);

    store(v + 8, 8, MMU_IDX_S, 0xd1d1);
    cr_assert(fx_pte_read(slot) & FX_PTE_D, "the store did not set D");
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills + 2, "the store did not go through a fill");
    e = entry(MMU_IDX_S, v);
    cr_assert_eq(e->addr_write, v);
    cr_assert_eq(e->addr_read, v);
    cr_assert_eq(fx_ram_read(pa + 8, 8), 0xd1d1);
    /* Further stores hit. */
    store(v + 16, 8, MMU_IDX_S, 1);
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills + 2);
}

/* ---- misaligned and page-crossing accesses ------------------------------------------------- */

Test(tlb, misaligned_accesses_across_pages)
{
    uint64_t b = FX_RAM_BASE + 0x6000;           /* page boundary */
    fill_pattern(b - 0x1000, 0x2000, 0x31);
    static const unsigned sizes[] = { 2, 4, 8 };
    for (unsigned s = 0; s < 3; s++) {
        unsigned size = sizes[s];
        for (unsigned off = 1; off < size; off++) {
            uint64_t a = b - off;
            cr_assert_eq(load(a, size, MMU_IDX_M), ram_le(a, size), "load %u at b-%u", size,
                         off);
            uint64_t v;
            cr_assert(tlb_load_slow(fx_cpu, a, size, MMU_IDX_M, true, &v));
            uint64_t u = ram_le(a, size);
            unsigned sh = 64 - 8 * size;
            cr_assert_eq(v, size == 8 ? u : (uint64_t)((int64_t)(u << sh) >> sh));
        }
        /* Misaligned but inside a page. */
        cr_assert_eq(load(b + 0x101, size, MMU_IDX_M), ram_le(b + 0x101, size));
    }
    for (unsigned s = 0; s < 3; s++) {
        unsigned size = sizes[s];
        for (unsigned off = 1; off < size; off++) {
            uint64_t a = b - off;
            uint64_t val = 0x8877665544332211ULL + off * 0x0101010101010101ULL;
            uint8_t before_lo = fx_host(a - 1)[0], before_hi = fx_host(a + size)[0];
            store(a, size, MMU_IDX_M, val);
            uint64_t mask = size == 8 ? ~0ULL : (1ULL << (8 * size)) - 1;
            cr_assert_eq(ram_le(a, size), val & mask, "store %u at b-%u", size, off);
            cr_assert_eq(fx_host(a - 1)[0], before_lo);
            cr_assert_eq(fx_host(a + size)[0], before_hi);
        }
    }
}

/* S-mode: page at LO mapped RW; the page above it at HI = LO + 4 KiB as the test needs. */
#define LO 0x200000ULL
#define HI (LO + 0x1000)
#define LO_PA (FX_RAM_BASE + 0x90000)
#define HI_PA (FX_RAM_BASE + 0xa0000)

static uint64_t cross_setup(uint64_t hi_flags)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    fx_map(LO, LO_PA, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D);
    uint64_t slot = fx_map(HI, HI_PA, 12, hi_flags);
    memset(fx_host(LO_PA), 0xcc, 0x1000);
    memset(fx_host(HI_PA), 0xdd, 0x1000);
    return slot;
}

/* The store must fault on the second page and write nothing (tlb.c probes both ends first).
 * tval: the priv spec asks for "the virtual address of the portion of the access that caused
 * the fault", so any address in [HI, HI + size - (HI - a)) is accepted. */
static void cross_store_faults(unsigned cause)
{
    for (unsigned size = 2; size <= 8; size *= 2) {
        for (unsigned off = 1; off < size; off++) {
            uint64_t a = HI - off;
            fx_trap_reset(fx_cpu, PRV_S);
            cr_assert(!tlb_store_slow(fx_cpu, a, size, MMU_IDX_S, 0x0102030405060708ULL),
                      "store %u at HI-%u did not trap", size, off);
            cr_assert_eq(fx_cpu->mcause, cause, "mcause %llu",
                         (unsigned long long)fx_cpu->mcause);
            cr_assert(fx_cpu->mtval >= HI && fx_cpu->mtval < a + size,
                      "mtval %#llx not in the second page's part of the access",
                      (unsigned long long)fx_cpu->mtval);
            long lo = first_not(LO_PA, 0x1000, 0xcc), hi = first_not(HI_PA, 0x1000, 0xdd);
            cr_assert_eq(lo, -1, "store %u at HI-%u wrote first-page byte %#lx", size, off, lo);
            cr_assert_eq(hi, -1, "store %u at HI-%u wrote second-page byte %#lx", size, off, hi);
        }
    }
    fx_trap_reset(fx_cpu, PRV_S);
}

Test(tlb, misaligned_store_second_page_unmapped)
{
    cross_setup(0);
    cross_store_faults(EXCP_STORE_PAGE_FAULT);
}

Test(tlb, misaligned_store_second_page_read_only)
{
    cross_setup(FX_PTE_V | FX_PTE_R | FX_PTE_A | FX_PTE_D);
    cross_store_faults(EXCP_STORE_PAGE_FAULT);
    /* Loads across are fine. */
    cr_assert_eq(load(HI - 4, 8, MMU_IDX_S), 0xddddddddccccccccULL);
}

Test(tlb, misaligned_store_second_page_pmp_denied)
{
    cross_setup(FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D);
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R, fx_pmp_napot(HI_PA, 0x1000));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    cross_store_faults(EXCP_STORE_ACCESS_FAULT);
}

Test(tlb, misaligned_store_across_pages_in_s_mode)
{
    cross_setup(FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A);   /* HI clean */
    store(HI - 3, 8, MMU_IDX_S, 0x8877665544332211ULL);
    cr_assert_eq(ram_le(LO_PA + 0xffd, 3), 0x332211);
    cr_assert_eq(ram_le(HI_PA, 5), 0x8877665544ULL);
    cr_assert_eq(fx_host(LO_PA + 0xffc)[0], 0xcc);
    cr_assert_eq(fx_host(HI_PA + 5)[0], 0xdd);
    cr_assert_eq(load(HI - 3, 8, MMU_IDX_S), 0x8877665544332211ULL);
}

Test(tlb, misaligned_load_second_page_faults)
{
    cross_setup(0);
    for (unsigned size = 2; size <= 8; size *= 2) {
        for (unsigned off = 1; off < size; off++) {
            uint64_t a = HI - off, v = 0x1234;
            fx_trap_reset(fx_cpu, PRV_S);
            cr_assert(!tlb_load_slow(fx_cpu, a, size, MMU_IDX_S, false, &v));
            cr_assert_eq(fx_cpu->mcause, EXCP_LOAD_PAGE_FAULT);
            cr_assert(fx_cpu->mtval >= HI && fx_cpu->mtval < a + size, "mtval %#llx",
                      (unsigned long long)fx_cpu->mtval);
            cr_assert_eq(v, 0x1234);
        }
    }
    /* First page unmapped instead: the fault is on the first part. */
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t a = LO - 2, v = 0;
    fx_trap_reset(fx_cpu, PRV_S);
    cr_assert(!tlb_load_slow(fx_cpu, a, 4, MMU_IDX_S, false, &v));
    cr_assert_eq(fx_cpu->mcause, EXCP_LOAD_PAGE_FAULT);
    cr_assert(fx_cpu->mtval >= a && fx_cpu->mtval < LO, "mtval %#llx",
              (unsigned long long)fx_cpu->mtval);
}

/* ---- MMIO ----------------------------------------------------------------------------------- */

Test(tlb, mmio_goes_through_device_ops)
{
    uint64_t fills = fx_cpu->tlb.stats.fills;
    cr_assert_eq(load(FX_MMIO_BASE + 0x10, 4, MMU_IDX_M), 0x55667710ULL);
    cr_assert_eq(fx_mmio.n, 1);
    cr_assert(!fx_mmio.log[0].is_write);
    cr_assert_eq(fx_mmio.log[0].offset, 0x10);
    cr_assert_eq(fx_mmio.log[0].size, 4);
    CPUTLBEntry *e = entry(MMU_IDX_M, FX_MMIO_BASE);
    cr_assert_eq(e->addr_read & TAG_MASK, FX_MMIO_BASE);
    cr_assert(e->addr_read & TLB_SLOW, "MMIO entry without TLB_SLOW: %#llx",
              (unsigned long long)e->addr_read);
    cr_assert(e->addr_write & TLB_SLOW);
    /* A hit on the slow entry still reaches the device. */
    cr_assert_eq(load(FX_MMIO_BASE + 0x20, 8, MMU_IDX_M), 0x1122334455667720ULL);
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills + 1);
    cr_assert_eq(fx_mmio.n, 2);
    cr_assert_eq(fx_mmio.log[1].offset, 0x20);
    cr_assert_eq(fx_mmio.log[1].size, 8);
    uint64_t v;
    cr_assert(tlb_load_slow(fx_cpu, FX_MMIO_BASE + 0x80, 1, MMU_IDX_M, true, &v));
    cr_assert_eq(v, 0xffffffffffffff80ULL);
    cr_assert(tlb_load_slow(fx_cpu, FX_MMIO_BASE + 0x82, 2, MMU_IDX_M, false, &v));
    cr_assert_eq(v, 0x7782);
    /* Stores, second page of the device. */
    store(FX_MMIO_BASE + 0x1002, 2, MMU_IDX_M, 0xbeef);
    cr_assert_eq(fx_mmio.n, 5);
    cr_assert(fx_mmio.log[4].is_write);
    cr_assert_eq(fx_mmio.log[4].offset, 0x1002);
    cr_assert_eq(fx_mmio.log[4].size, 2);
    cr_assert_eq(fx_mmio.log[4].value, 0xbeef);
    cr_assert(entry(MMU_IDX_M, FX_MMIO_BASE + 0x1000)->addr_write & TLB_SLOW);
    /* Past the end of the device: unmapped. */
    load_faults(FX_MMIO_BASE + FX_MMIO_SIZE, 4, MMU_IDX_M, EXCP_LOAD_ACCESS_FAULT,
                FX_MMIO_BASE + FX_MMIO_SIZE);
}

Test(tlb, mmio_through_page_table)
{
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t v = 0x3000000;
    fx_map(v, FX_MMIO_BASE + 0x1000, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W | FX_PTE_A | FX_PTE_D);
    store(v + 0x24, 4, MMU_IDX_S, 0xa5a5a5a5);
    cr_assert_eq(fx_mmio.n, 1);
    cr_assert_eq(fx_mmio.log[0].offset, 0x1024);
    cr_assert_eq(fx_mmio.log[0].value, 0xa5a5a5a5);
    cr_assert_eq(fx_mmio.log[0].size, 4);
    cr_assert_eq(load(v + 0x28, 8, MMU_IDX_S), 0x1122334455668728ULL);
    cr_assert_eq(fx_mmio.log[1].offset, 0x1028);
    cr_assert(entry(MMU_IDX_S, v)->addr_read & TLB_SLOW);
}

Test(tlb, ram_page_shared_with_device_is_slow)
{
    uint64_t p = FX_OVERLAY_PAGE;
    fx_ram_write(p + 0x800, 8, 0x0123456789abcdefULL);
    cr_assert_eq(load(p + 0x800, 8, MMU_IDX_M), 0x0123456789abcdefULL);
    cr_assert_eq(fx_overlay.n, 0);
    CPUTLBEntry *e = entry(MMU_IDX_M, p);
    cr_assert_eq(e->addr_read & TAG_MASK, p);
    cr_assert(e->addr_read & TLB_SLOW, "page shared with a device cached as plain RAM");
    /* The device part goes to the device, with offsets relative to its base. */
    cr_assert_eq(load(p + 0x10, 4, MMU_IDX_M), 0xddeeff10ULL);
    cr_assert_eq(fx_overlay.n, 1);
    cr_assert_eq(fx_overlay.log[0].offset, 0x10);
    store(p + 0x20, 1, MMU_IDX_M, 0x7f);
    cr_assert_eq(fx_overlay.n, 2);
    cr_assert(fx_overlay.log[1].is_write);
    cr_assert_eq(fx_overlay.log[1].offset, 0x20);
    cr_assert_eq(fx_host(p + 0x20)[0], 0, "device store reached RAM");
    /* RAM part stores reach RAM. */
    store(p + 0x808, 8, MMU_IDX_M, 0xfeed);
    cr_assert_eq(fx_ram_read(p + 0x808, 8), 0xfeed);
    cr_assert_eq(fx_overlay.n, 2);
    /* The neighbouring RAM pages are plain. */
    load(p + 0x1000, 8, MMU_IDX_M);
    cr_assert_eq(entry(MMU_IDX_M, p + 0x1000)->addr_read, p + 0x1000);
}

/* ---- PMP finer than a page ------------------------------------------------------------------ */

/* Page PP: first half allowed (entry 1, everything), second half no rights for S/U (entry 0). */
#define PP (FX_RAM_BASE + 0x30000)

static void pmp_split_setup(uint8_t deny_cfg)
{
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | deny_cfg, fx_pmp_napot(PP + 0x800, 0x800));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    fill_pattern(PP, 0x1000, 0x55);
}

Test(tlb, pmp_finer_than_page)
{
    pmp_split_setup(0);
    fx_set_priv(fx_cpu, PRV_S);                  /* satp bare: S uses physical addresses */
    uint64_t fills = fx_cpu->tlb.stats.fills;
    for (unsigned round = 0; round < 2; round++) {
        cr_assert_eq(load(PP + 0x100, 8, MMU_IDX_S), ram_le(PP + 0x100, 8));
        cr_assert_eq(load(PP + 0x7f8, 8, MMU_IDX_S), ram_le(PP + 0x7f8, 8));
        cr_assert(!tlb_holds(MMU_IDX_S, PP), "a page with a PMP boundary was cached");
        load_faults(PP + 0x900, 8, MMU_IDX_S, EXCP_LOAD_ACCESS_FAULT, PP + 0x900);
        load_faults(PP + 0x800, 1, MMU_IDX_S, EXCP_LOAD_ACCESS_FAULT, PP + 0x800);
        cr_assert(!tlb_holds(MMU_IDX_S, PP));
    }
    cr_assert_eq(fx_cpu->tlb.stats.fills, fills, "fills counted for uncached accesses");

    store(PP + 0x200, 8, MMU_IDX_S, 0x1111);
    cr_assert_eq(fx_ram_read(PP + 0x200, 8), 0x1111);
    uint64_t before = fx_ram_read(PP + 0xa00, 8);
    store_faults(PP + 0xa00, 8, MMU_IDX_S, 0x2222, EXCP_STORE_ACCESS_FAULT, PP + 0xa00);
    cr_assert_eq(fx_ram_read(PP + 0xa00, 8), before);
    cr_assert(!tlb_holds(MMU_IDX_S, PP));

    /* An aligned access straddling the boundary fails as a whole... */
    fx_set_pmp(fx_cpu, 0, FX_PMP_NA4, (PP + 0x804) >> 2);
    load_faults(PP + 0x800, 8, MMU_IDX_S, EXCP_LOAD_ACCESS_FAULT, PP + 0x800);
    cr_assert_eq(load(PP + 0x800, 4, MMU_IDX_S), ram_le(PP + 0x800, 4));
    cr_assert_eq(load(PP + 0x808, 4, MMU_IDX_S), ram_le(PP + 0x808, 4));
    /* ... a misaligned one faults in the denied part. */
    fx_trap_reset(fx_cpu, PRV_S);
    uint64_t v;
    cr_assert(!tlb_load_slow(fx_cpu, PP + 0x802, 4, MMU_IDX_S, false, &v));
    cr_assert_eq(fx_cpu->mcause, EXCP_LOAD_ACCESS_FAULT);
    cr_assert(fx_cpu->mtval >= PP + 0x804 && fx_cpu->mtval < PP + 0x806, "mtval %#llx",
              (unsigned long long)fx_cpu->mtval);
    /* M is not restricted by an unlocked entry. */
    cr_assert_eq(load(PP + 0x804, 4, MMU_IDX_M), ram_le(PP + 0x804, 4));
}

Test(tlb, pmp_locked_entry_finer_than_page_restricts_m)
{
    pmp_split_setup(FX_PMP_L);
    cr_assert_eq(load(PP + 0x100, 8, MMU_IDX_M), ram_le(PP + 0x100, 8));
    cr_assert(!tlb_holds(MMU_IDX_M, PP));
    load_faults(PP + 0x900, 8, MMU_IDX_M, EXCP_LOAD_ACCESS_FAULT, PP + 0x900);
    store_faults(PP + 0xff8, 8, MMU_IDX_M, 0, EXCP_STORE_ACCESS_FAULT, PP + 0xff8);
    cr_assert_eq(load(PP + 0x100, 8, MMU_IDX_M), ram_le(PP + 0x100, 8));
}

Test(tlb, pmp_read_only_page_cached_without_write)
{
    fx_set_pmp(fx_cpu, 0, FX_PMP_NAPOT | FX_PMP_R, fx_pmp_napot(PP, 0x1000));
    fx_set_pmp(fx_cpu, 1, FX_PMP_NAPOT | FX_PMP_R | FX_PMP_W | FX_PMP_X, ~0ULL);
    fx_set_priv(fx_cpu, PRV_S);
    load(PP, 8, MMU_IDX_S);
    CPUTLBEntry *e = entry(MMU_IDX_S, PP);
    cr_assert_eq(e->addr_read, PP);
    cr_assert(e->addr_write & TLB_INVALID, "PMP R-only page cached writable");
    cr_assert(e->addr_code & TLB_INVALID, "PMP R-only page cached executable");
    store_faults(PP, 8, MMU_IDX_S, 0, EXCP_STORE_ACCESS_FAULT, PP);
}

/* ---- tlb_atomic_host ------------------------------------------------------------------------ */

Test(tlb, atomic_host)
{
    uint64_t a = FX_RAM_BASE + 0x11000;
    fx_trap_reset(fx_cpu, PRV_M);
    cr_assert_eq(tlb_atomic_host(fx_cpu, a + 8, 8, MMU_IDX_M, ACCESS_STORE), fx_host(a + 8));
    cr_assert_eq(tlb_atomic_host(fx_cpu, a + 4, 4, MMU_IDX_M, ACCESS_LOAD), fx_host(a + 4));
    FX_ASSERT_NO_TRAP(fx_cpu);

    /* Misaligned: address-misaligned of the access type, tval = address. */
    cr_assert_null(tlb_atomic_host(fx_cpu, a + 4, 8, MMU_IDX_M, ACCESS_STORE));
    FX_ASSERT_TRAP(fx_cpu, EXCP_STORE_ADDR_MISALIGNED, a + 4);
    fx_trap_reset(fx_cpu, PRV_M);
    cr_assert_null(tlb_atomic_host(fx_cpu, a + 2, 4, MMU_IDX_M, ACCESS_LOAD));
    FX_ASSERT_TRAP(fx_cpu, EXCP_LOAD_ADDR_MISALIGNED, a + 2);
    fx_trap_reset(fx_cpu, PRV_M);

    /* MMIO: access fault, and the device is not touched. */
    cr_assert_null(tlb_atomic_host(fx_cpu, FX_MMIO_BASE + 8, 8, MMU_IDX_M, ACCESS_STORE));
    FX_ASSERT_TRAP(fx_cpu, EXCP_STORE_ACCESS_FAULT, FX_MMIO_BASE + 8);
    fx_trap_reset(fx_cpu, PRV_M);
    cr_assert_null(tlb_atomic_host(fx_cpu, FX_MMIO_BASE + 8, 4, MMU_IDX_M, ACCESS_LOAD));
    FX_ASSERT_TRAP(fx_cpu, EXCP_LOAD_ACCESS_FAULT, FX_MMIO_BASE + 8);
    fx_trap_reset(fx_cpu, PRV_M);
    cr_assert_eq(fx_mmio.n, 0);

    /* Read-only memory: store access fault. */
    cr_assert_null(tlb_atomic_host(fx_cpu, FX_ROM_BASE + 8, 8, MMU_IDX_M, ACCESS_STORE));
    FX_ASSERT_TRAP(fx_cpu, EXCP_STORE_ACCESS_FAULT, FX_ROM_BASE + 8);
    fx_trap_reset(fx_cpu, PRV_M);

    /* Unmapped: access fault. */
    cr_assert_null(tlb_atomic_host(fx_cpu, FX_UNMAPPED, 8, MMU_IDX_M, ACCESS_STORE));
    FX_ASSERT_TRAP(fx_cpu, EXCP_STORE_ACCESS_FAULT, FX_UNMAPPED);
    fx_trap_reset(fx_cpu, PRV_M);
}

Test(tlb, atomic_host_paged)
{
    fx_paging(SATP_MODE_SV39);
    uint64_t vro = 0x5000, vrw = 0x6000;
    uint64_t srw = fx_map(vrw, FX_RAM_BASE + 0x16000, 12, FX_PTE_V | FX_PTE_R | FX_PTE_W);
    fx_map(vro, FX_RAM_BASE + 0x15000, 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_trap_reset(fx_cpu, PRV_S);
    /* Read-only page: store/AMO page fault. */
    cr_assert_null(tlb_atomic_host(fx_cpu, vro + 8, 8, MMU_IDX_S, ACCESS_STORE));
    FX_ASSERT_TRAP(fx_cpu, EXCP_STORE_PAGE_FAULT, vro + 8);
    fx_trap_reset(fx_cpu, PRV_S);
    /* LR on it is fine. */
    cr_assert_eq(tlb_atomic_host(fx_cpu, vro + 8, 8, MMU_IDX_S, ACCESS_LOAD),
                 fx_host(FX_RAM_BASE + 0x15008));
    /* A clean writable page: the AMO sets D and gets the RAM pointer. */
    cr_assert_eq(tlb_atomic_host(fx_cpu, vrw + 16, 4, MMU_IDX_S, ACCESS_STORE),
                 fx_host(FX_RAM_BASE + 0x16010));
    cr_assert_eq(fx_pte_read(srw) & (FX_PTE_A | FX_PTE_D), FX_PTE_A | FX_PTE_D);
    FX_ASSERT_NO_TRAP(fx_cpu);
    /* Unmapped virtual page: page fault. */
    cr_assert_null(tlb_atomic_host(fx_cpu, 0x7000, 8, MMU_IDX_S, ACCESS_STORE));
    FX_ASSERT_TRAP(fx_cpu, EXCP_STORE_PAGE_FAULT, 0x7000);
}

/* ---- tlb_translate_code --------------------------------------------------------------------- */

Test(tlb, translate_code)
{
    uint64_t pa = FX_RAM_BASE + 0x2000, paddr = 0;
    const uint8_t *host = NULL;
    bool single = true;
    cr_assert_eq(tlb_translate_code(fx_cpu, pa + 0x42, &paddr, &host, &single), 0);
    cr_assert_eq(paddr, pa + 0x42);
    cr_assert_eq(host, fx_host(pa));
    cr_assert(!single);
    cr_assert(main_has(MMU_IDX_M, pa, ACCESS_FETCH));

    cr_assert_eq(tlb_translate_code(fx_cpu, FX_MMIO_BASE, &paddr, &host, &single),
                 EXCP_INST_ACCESS_FAULT);
    cr_assert_eq(tlb_translate_code(fx_cpu, FX_UNMAPPED, &paddr, &host, &single),
                 EXCP_INST_ACCESS_FAULT);
    cr_assert_eq(fx_mmio.n, 0);
    /* ROM is executable. */
    cr_assert_eq(tlb_translate_code(fx_cpu, FX_ROM_BASE + 4, &paddr, &host, &single), 0);
    cr_assert_eq(paddr, FX_ROM_BASE + 4);
    cr_assert_eq(host[4], rom_byte(4));

    /* S-mode with paging: non-X page faults, X page translates. */
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    fx_map(0x1000, pa, 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    fx_map(0x2000, pa, 12, FX_PTE_V | FX_PTE_X | FX_PTE_A);
    cr_assert_eq(tlb_translate_code(fx_cpu, 0x1000, &paddr, &host, &single),
                 EXCP_INST_PAGE_FAULT);
    cr_assert_eq(tlb_translate_code(fx_cpu, 0x2010, &paddr, &host, &single), 0);
    cr_assert_eq(paddr, pa + 0x10);
    cr_assert_eq(host, fx_host(pa));
    cr_assert(!single);
}

Test(tlb, translate_code_pmp_finer_than_page)
{
    pmp_split_setup(FX_PMP_R);        /* second half readable but not executable */
    fx_set_priv(fx_cpu, PRV_S);
    uint64_t paddr;
    const uint8_t *host;
    bool single = false;
    fx_host(PP + 0x100)[0] = 0x13;    /* 32-bit encoding (low bits 11) */
    cr_assert_eq(tlb_translate_code(fx_cpu, PP + 0x100, &paddr, &host, &single), 0);
    cr_assert(single, "execute rights vary in the page: must run one instruction");
    cr_assert_eq(paddr, PP + 0x100);
    cr_assert_eq(host, fx_host(PP));
    cr_assert(!tlb_holds(MMU_IDX_S, PP), "a PMP-split code page was cached");
    cr_assert_eq(tlb_translate_code(fx_cpu, PP + 0x900, &paddr, &host, &single),
                 EXCP_INST_ACCESS_FAULT);
    /* A 32-bit instruction whose second half is not executable. */
    fx_host(PP + 0x7fe)[0] = 0x13;
    cr_assert_eq(tlb_translate_code(fx_cpu, PP + 0x7fe, &paddr, &host, &single),
                 EXCP_INST_ACCESS_FAULT);
    /* A 16-bit one just below the boundary is fine. */
    fx_host(PP + 0x7fe)[0] = 0x01;
    cr_assert_eq(tlb_translate_code(fx_cpu, PP + 0x7fe, &paddr, &host, &single), 0);
    cr_assert(single);
}

/* ---- range flushes: the cost model ------------------------------------------------------ */

static void range_flush_asid1(uint64_t va, uint64_t len)
{
    tlb_flush_range_asid_by_mmuidx_local(&fx_cpu->tlb, va, len, 1, TLB_ASID_TAGGED_IDXMAP);
}

#define RANGE_BASE 0x20000000ULL
#define LONG_RANGE (4096 * 4096ULL)          /* 4096 pages: far more than the table holds */

/* More non-global translations than the flush list tracks, outside a long range: flushing
 * the address space would drop them all and page by page would visit 4096 pages, so the
 * flush scans the table once, and keeps them. */
Test(tlb, long_range_flush_over_a_busy_address_space_scans_and_keeps_what_lies_outside)
{
    uint64_t root1;
    two_address_spaces(&root1);
    fx_paging_use_root(root1);
    const uint64_t base = 0x10000000ULL;
    fill_nonglobal_pages(base, 2 * TLB_NONGLOBAL_TRACK);
    fx_map(RANGE_BASE + 0x3000, FRAME(1), 12, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    cr_assert_eq(load(RANGE_BASE + 0x3000, 8, MMU_IDX_S), 0x1111);
    CPUTLBStats before = fx_cpu->tlb.stats;
    range_flush_asid1(RANGE_BASE, LONG_RANGE);
    cr_assert_eq(fx_cpu->tlb.stats.range_by_scan, before.range_by_scan + 1);
    cr_assert_eq(fx_cpu->tlb.stats.range_by_space, before.range_by_space);
    cr_assert(!tlb_holds(MMU_IDX_S, RANGE_BASE + 0x3000), "a page of the range survived");
    for (unsigned i = 0; i < 2 * TLB_NONGLOBAL_TRACK; i++) {
        cr_assert(tlb_holds(MMU_IDX_S, base + i * 4096ULL), "page %u outside the range lost", i);
    }
    cr_assert(tlb_holds(MMU_IDX_S, VA) && tlb_holds(MMU_IDX_S, VG));
    cr_assert_eq(fx_cpu->tlb.d[MMU_IDX_S].n_used_entries, count_valid(MMU_IDX_S));
}

/* The tracked translations of the address space nearly all lie in the range: flushing the
 * address space visits just those and loses one, less than a scan of the table costs. */
Test(tlb, long_range_flush_holding_most_of_a_small_address_space_flushes_the_asid)
{
    uint64_t root1;
    two_address_spaces(&root1);
    fx_paging_use_root(root1);
    fill_nonglobal_pages(RANGE_BASE, 20);
    CPUTLBStats before = fx_cpu->tlb.stats;
    range_flush_asid1(RANGE_BASE, LONG_RANGE);
    cr_assert_eq(fx_cpu->tlb.stats.range_by_space, before.range_by_space + 1);
    cr_assert_eq(fx_cpu->tlb.stats.flushes_asid, before.flushes_asid + 1);
    for (unsigned i = 0; i < 20; i++) {
        cr_assert(!tlb_holds(MMU_IDX_S, RANGE_BASE + i * 4096ULL), "page %u survived", i);
    }
    cr_assert(tlb_holds(MMU_IDX_S, VG), "the global entry went with the ASID");
}

Test(tlb, short_range_flush_goes_page_by_page)
{
    uint64_t root1;
    two_address_spaces(&root1);
    fx_paging_use_root(root1);
    fill_nonglobal_pages(RANGE_BASE, 8);
    CPUTLBStats before = fx_cpu->tlb.stats;
    range_flush_asid1(RANGE_BASE + 0x2000, 0x3000);
    cr_assert_eq(fx_cpu->tlb.stats.range_by_scan, before.range_by_scan);
    cr_assert_eq(fx_cpu->tlb.stats.range_by_space, before.range_by_space);
    for (unsigned i = 0; i < 8; i++) {
        cr_assert_eq(tlb_holds(MMU_IDX_S, RANGE_BASE + i * 4096ULL), i < 2 || i > 4,
                     "page %u", i);
    }
}

/* A scan removes a large page that overlaps the range only at its last 4 KiB page: every
 * piece of it was translated through the leaf the range flush covers. */
Test(tlb, range_scan_removes_every_piece_of_an_overlapping_large_page)
{
    uint64_t root1;
    two_address_spaces(&root1);
    fx_paging_use_root(root1);
    fill_nonglobal_pages(0x10000000ULL, 2 * TLB_NONGLOBAL_TRACK);
    fx_map(V2M, P2M, 21, FX_PTE_V | FX_PTE_R | FX_PTE_A);
    load(V2M, 8, MMU_IDX_S);
    load(V2M + 0x100000, 8, MMU_IDX_S);
    cr_assert(tlb_holds(MMU_IDX_S, V2M) && tlb_holds(MMU_IDX_S, V2M + 0x100000));
    CPUTLBStats before = fx_cpu->tlb.stats;
    range_flush_asid1(V2M + 0x1ff000, LONG_RANGE);
    cr_assert_eq(fx_cpu->tlb.stats.range_by_scan, before.range_by_scan + 1);
    cr_assert(!tlb_holds(MMU_IDX_S, V2M), "a piece of the large page survived");
    cr_assert(!tlb_holds(MMU_IDX_S, V2M + 0x100000), "a piece of the large page survived");
    cr_assert(tlb_holds(MMU_IDX_S, 0x10000000ULL));
}
