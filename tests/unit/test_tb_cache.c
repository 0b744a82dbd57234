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
#include "tests/unit/fixture_hart.h"

#define CODE_BASE FX_RAM_BASE
#define CODE_BYTES (64u << 10)          /* 32768 two-byte blocks */
#define C_J_SELF 0xa001u                /* c.j 0: a one-instruction block at every halfword */

TestSuite(tb_cache, .init = fx_setup, .fini = fx_teardown);

Test(tb_cache, large_table_destroyed_and_recreated)
{
    interp_init();
    /* tb_cache_init replaces the machine's code-page map with its own, which it frees. */
    _Atomic uint8_t *fixture_code_pages = fx_machine.code_pages;
    for (uint64_t a = CODE_BASE; a < CODE_BASE + CODE_BYTES; a += 2) {
        fx_ram_write(a, 2, C_J_SELF);
    }
    for (int round = 0; round < 8; round++) {
        cr_assert_eq(tb_cache_init(&fx_machine), 0);
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
    fx_machine.code_pages = fixture_code_pages;
}
