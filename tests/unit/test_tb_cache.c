/* The TB cache's life cycle as a guest reset and the exit drive it: translate enough blocks
 * for the hash table to grow several times, destroy it (deleting every node shrinks the table
 * from liburcu's resize worker while the deletions go on), create it again.
 * Single test thread, registered with urcu by the fixture, as tb_cache_destroy requires (the
 * main thread of tlbstorm registers for this reason; unregistered, the deletions raced the
 * shrink: rculfhash.c `_cds_lfht_gc_bucket: Assertion !is_removed(iter)`). */
#include <criterion/criterion.h>
#include <string.h>

#include "accel/interp.h"
#include "accel/tb.h"
#include "cpu/cpu.h"
#include "mm/tlb.h"
#include "tests/unit/fixture_hart.h"

#define CODE_BASE FX_RAM_BASE
#define CODE_BYTES (64u << 10)          /* 32768 two-byte blocks */
#define C_J_SELF 0xa001u                /* c.j 0: a one-instruction block at every halfword */

TestSuite(tb_cache, .init = fx_setup, .fini = fx_teardown);

Test(tb_cache, large_table_destroyed_and_recreated)
{
    interp_init();
    /* tb_cache_init replaces the machine's code-page map with its own, which it frees. */
    _Atomic uint8_t *fixture_code_pages = fx_machine.as.code_pages;
    for (uint64_t a = CODE_BASE; a < CODE_BASE + CODE_BYTES; a += 2) {
        fx_ram_write(a, 2, C_J_SELF);
    }
    for (int round = 0; round < 8; round++) {
        cr_assert_eq(tb_cache_init(&fx_machine.as), 0);
        for (uint64_t pc = CODE_BASE; pc < CODE_BASE + CODE_BYTES; pc += 2) {
            fx_cpu->pc = pc;
            TranslationBlock *tb = tb_lookup(fx_cpu);
            cr_assert_not_null(tb, "pc %#llx", (unsigned long long)pc);
            cr_assert_eq(tb->pc, pc);
        }
        /* A second lookup finds the same block (through the jump cache or the table). */
        tb_jmp_cache_clear(fx_cpu);
        fx_cpu->pc = CODE_BASE + 2;
        TranslationBlock *again = tb_lookup(fx_cpu);
        cr_assert_not_null(again);
        cr_assert_eq(again->pc, CODE_BASE + 2);
        tb_cache_destroy();
        tb_jmp_cache_clear(fx_cpu);
    }
    fx_machine.as.code_pages = fixture_code_pages;
}

/* An ASID flush removes only non-global translations, so the jump cache keeps the blocks
 * reached through global code pages (a kernel's) and drops those reached through non-global
 * ones: after the flush, a remapped non-global page must run its new code. */
Test(tb_cache, asid_flush_drops_only_jump_cache_entries_of_non_global_code)
{
    interp_init();
    _Atomic uint8_t *fixture_code_pages = fx_machine.as.code_pages;
    cr_assert_eq(tb_cache_init(&fx_machine.as), 0);
    const uint64_t pa_global = FX_RAM_BASE + 0x10000, pa_old = FX_RAM_BASE + 0x11000,
                   pa_new = FX_RAM_BASE + 0x12000;
    const uint64_t va_global = 0x40000000, va_user = 0x50001000;   /* other buckets */
    for (uint64_t pa = pa_global; pa < pa_new + 0x1000; pa += 2) {
        fx_ram_write(pa, 2, C_J_SELF);
    }
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    fx_map(va_global, pa_global, 12, FX_PTE_RWXAD | FX_PTE_G);
    uint64_t pte_user = fx_map(va_user, pa_old, 12, FX_PTE_RWXAD);

    fx_cpu->pc = va_global + 0x40;
    TranslationBlock *tb_global = tb_lookup(fx_cpu);
    fx_cpu->pc = va_user + 0x40;
    TranslationBlock *tb_old = tb_lookup(fx_cpu);
    cr_assert(tb_global && tb_old);
    cr_assert_eq(tb_old->phys_pc, pa_old + 0x40);
    TranslationBlock **slot_global = &fx_cpu->jmp_cache[tb_jmp_cache_hash(va_global + 0x40)];
    TranslationBlock **slot_user = &fx_cpu->jmp_cache[tb_jmp_cache_hash(va_user + 0x40)];
    cr_assert_eq(*slot_global, tb_global);
    cr_assert_eq(*slot_user, tb_old);

    fx_pte_write(pte_user, fx_pte(pa_new, FX_PTE_RWXAD));
    tlb_flush_asid_by_mmuidx_local(&fx_cpu->tlb, 0, (1u << TLB_NB_MMU_MODES) - 1);
    cr_assert_eq(*slot_global, tb_global, "a global block left the jump cache");
    cr_assert_null(*slot_user, "a non-global block outlived the ASID flush");
    fx_cpu->pc = va_user + 0x40;
    TranslationBlock *tb_new = tb_lookup(fx_cpu);
    cr_assert_not_null(tb_new);
    cr_assert_eq(tb_new->phys_pc, pa_new + 0x40);
    fx_cpu->pc = va_global + 0x40;
    cr_assert_eq(tb_lookup(fx_cpu), tb_global);

    /* A full flush still drops everything. */
    tlb_flush_local(&fx_cpu->tlb);
    cr_assert_null(*slot_global);
    tb_cache_destroy();
    tb_jmp_cache_clear(fx_cpu);
    fx_machine.as.code_pages = fixture_code_pages;
}

/* An instruction that straddles a page end gets a TB of its own that is never cached (it
 * depends on two translations). Its thread re-uses it while the bytes at pc, read through
 * both pages, stay the same, and decodes again when they change (cross-modifying code, or
 * the second page remapped). */
Test(tb_cache, page_straddling_instruction_is_decoded_again_only_when_its_bytes_change)
{
    interp_init();
    _Atomic uint8_t *fixture_code_pages = fx_machine.as.code_pages;
    cr_assert_eq(tb_cache_init(&fx_machine.as), 0);
    const uint64_t pc = FX_RAM_BASE + 0x2ffe;
    const uint32_t addi_a0_1 = 0x00100513, addi_a0_2 = 0x00200513;   /* addi a0, zero, 1/2 */
    fx_ram_write(pc, 2, addi_a0_1 & 0xffff);
    fx_ram_write(pc + 2, 2, addi_a0_1 >> 16);
    uint64_t translated = atomic_load(&tb_stats.translated);
    fx_cpu->pc = pc;
    TranslationBlock *first = tb_lookup(fx_cpu);
    cr_assert_not_null(first);
    cr_assert(first->flags & TB_FLAG_NOCACHE);
    cr_assert_eq(first->insn_bits[0], addi_a0_1);
    for (int i = 0; i < 3; i++) {
        fx_cpu->pc = pc;
        cr_assert_eq(tb_lookup(fx_cpu), first);
    }
    cr_assert_eq(atomic_load(&tb_stats.translated), translated + 1, "decoded again");
    fx_ram_write(pc + 2, 2, addi_a0_2 >> 16);      /* the second page's half changes */
    fx_cpu->pc = pc;
    TranslationBlock *again = tb_lookup(fx_cpu);
    cr_assert_eq(again->insn_bits[0], addi_a0_2);
    cr_assert_eq(again->ops[0].imm, 2);
    cr_assert_eq(atomic_load(&tb_stats.translated), translated + 2);
    tb_cache_destroy();
    fx_machine.as.code_pages = fixture_code_pages;
}
