/* The -cpu properties as the hart sees them (cpu->features): which satp modes a write may
 * select, and Sstc's stimecmp and menvcfg.STCE present or absent.
 * Single-threaded: the fixture's hart, driven from the test thread. */
#include <criterion/criterion.h>

#include "cpu/cpu.h"
#include "tests/unit/fixture_hart.h"

enum { CSR_STIMECMP = 0x14d, CSR_SATP = 0x180, CSR_MENVCFG = 0x30a };

TestSuite(cpu_features, .init = fx_setup, .fini = fx_teardown);

static enum csr_status csr_write(unsigned csrno, uint64_t v)
{
    uint64_t old;
    return riscv_csr_rmw(fx_cpu, csrno, &old, false, true, v, ~0ULL, 0);
}

static enum csr_status csr_read(unsigned csrno, uint64_t *v)
{
    return riscv_csr_rmw(fx_cpu, csrno, v, true, false, 0, 0, 0);
}

static uint64_t satp_value(uint64_t mode, uint64_t root)
{
    return (mode << SATP_MODE_SHIFT) | (5ULL << SATP_ASID_SHIFT) | (root >> 12);
}

Test(cpu_features, defaults_are_sstc_and_sv57)
{
    cr_assert(fx_cpu->features.sstc);
    cr_assert_eq(fx_cpu->features.satp_mode_max, SATP_MODE_SV57);
}

/* Privileged spec 4.1.11: a write of an unsupported MODE has no effect at all (ASID and PPN
 * unchanged too); every paging mode from Sv39 up to the maximum is supported. */
Test(cpu_features, satp_accepts_exactly_bare_and_sv39_up_to_the_maximum)
{
    static const uint8_t maxima[] = { SATP_MODE_BARE, SATP_MODE_SV39, SATP_MODE_SV48,
                                      SATP_MODE_SV57 };
    uint64_t root = fx_pt_alloc();
    fx_set_priv(fx_cpu, PRV_S);
    for (size_t i = 0; i < sizeof(maxima) / sizeof(maxima[0]); i++) {
        fx_cpu->features.satp_mode_max = maxima[i];
        for (uint64_t mode = 0; mode < 16; mode++) {
            uint64_t before = satp_value(SATP_MODE_BARE, 0);
            cr_assert_eq(csr_write(CSR_SATP, before), CSR_OK_EXIT_TB);
            uint64_t want = satp_value(mode, root);
            cr_assert_neq(csr_write(CSR_SATP, want), CSR_ILLEGAL);
            uint64_t got;
            cr_assert_eq(csr_read(CSR_SATP, &got), CSR_OK);
            bool supported = mode == SATP_MODE_BARE ||
                             (mode >= SATP_MODE_SV39 && mode <= maxima[i]);
            cr_assert_eq(got, supported ? want : before,
                         "max %u, mode %llu: satp %#llx", maxima[i], (unsigned long long)mode,
                         (unsigned long long)got);
        }
    }
}

Test(cpu_features, without_sstc_stimecmp_does_not_exist_and_stce_reads_zero)
{
    uint64_t v;
    fx_cpu->features.sstc = false;
    fx_set_priv(fx_cpu, PRV_M);
    cr_assert_eq(csr_read(CSR_STIMECMP, &v), CSR_ILLEGAL, "not even in M-mode");
    cr_assert_eq(csr_write(CSR_STIMECMP, 0), CSR_ILLEGAL);
    cr_assert_neq(csr_write(CSR_MENVCFG, ~0ULL), CSR_ILLEGAL);
    cr_assert_eq(csr_read(CSR_MENVCFG, &v), CSR_OK);
    cr_assert_eq(v, MENVCFG_FIOM, "menvcfg %#llx", (unsigned long long)v);
    fx_cpu->mcounteren = ~0u;
    fx_set_priv(fx_cpu, PRV_S);
    cr_assert_eq(csr_read(CSR_STIMECMP, &v), CSR_ILLEGAL);
}

Test(cpu_features, with_sstc_stimecmp_follows_stce_and_mcounteren_tm)
{
    uint64_t v;
    fx_set_priv(fx_cpu, PRV_M);
    cr_assert_eq(csr_write(CSR_STIMECMP, 1234), CSR_OK_EXIT_TB);
    cr_assert_eq(csr_read(CSR_STIMECMP, &v), CSR_OK);
    cr_assert_eq(v, 1234);
    cr_assert_neq(csr_write(CSR_MENVCFG, ~0ULL), CSR_ILLEGAL);
    cr_assert_eq(csr_read(CSR_MENVCFG, &v), CSR_OK);
    cr_assert_eq(v, MENVCFG_STCE | MENVCFG_FIOM);
    fx_set_priv(fx_cpu, PRV_S);
    fx_cpu->mcounteren = 0;
    cr_assert_eq(csr_read(CSR_STIMECMP, &v), CSR_ILLEGAL, "mcounteren.TM = 0");
    fx_cpu->mcounteren = 2;
    cr_assert_eq(csr_read(CSR_STIMECMP, &v), CSR_OK);
    fx_cpu->menvcfg = 0;
    cr_assert_eq(csr_read(CSR_STIMECMP, &v), CSR_ILLEGAL, "menvcfg.STCE = 0");
}
