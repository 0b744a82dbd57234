/* The JIT's hand-overs, pinned on a fixture hart with hand-assembled code: where compiled code
 * stops and the interpreter takes over, what an exception in compiled code leaves behind, the
 * self-modifying-code check of a compiled store, and the code-buffer reservation for the
 * longest ops. (fuzz_interp checks the two backends against each other on arbitrary code.) */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "accel/interp.h"
#include "accel/jit.h"
#include "accel/tb.h"
#include "cpu/cpu.h"
#include "tests/unit/fixture_hart.h"

#define CODE FX_RAM_BASE                 /* M-mode, bare: pc == physical address */
#define OTHER_PAGE (FX_RAM_BASE + 0x3000)
#define DATA (FX_RAM_BASE + 0x8000)
#define CSR_MSCRATCH 0x340

static _Atomic uint8_t *fixture_code_pages;

static void jit_setup(void)
{
    fx_setup();
    interp_init();
    cr_assert_eq(jit_init(true), 0);
    if (!jit_enabled()) {
        cr_skip_test("no JIT on this host");
    }
    fixture_code_pages = fx_machine.as.code_pages;
    cr_assert_eq(tb_cache_init(&fx_machine.as), 0);
    fx_cpu->code_pages = fx_machine.as.code_pages;
}

static void jit_teardown(void)
{
    tb_cache_destroy();
    jit_destroy();
    fx_machine.as.code_pages = fixture_code_pages;
    fx_teardown();
}

TestSuite(jit, .init = jit_setup, .fini = jit_teardown);

static uint32_t i_type(unsigned opcode, unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return (uint32_t)imm << 20 | rs1 << 15 | f3 << 12 | rd << 7 | opcode;
}

static uint32_t addi(unsigned rd, unsigned rs1, int32_t imm)
{
    return i_type(0x13, 0, rd, rs1, imm);
}

/* M-extension R-type op: f3 4 div, 5 divu, 6 rem, 7 remu; word: the W form (opcode 0x3b). */
static uint32_t m_op(unsigned f3, bool word, unsigned rd, unsigned rs1, unsigned rs2)
{
    return 1u << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | rd << 7 | (word ? 0x3bu : 0x33u);
}

static uint32_t orc_b(unsigned rd, unsigned rs1)
{
    return i_type(0x13, 5, rd, rs1, 0x287);
}

/* sfence.w.inval (Svinval): an op the JIT leaves to the interpreter that does not end its TB
 * (a no-op with the extension on, which the tests below turn on). */
#define SFENCE_W_INVAL 0x18000073u

static uint32_t csrrw(unsigned rd, unsigned csr, unsigned rs1)
{
    return i_type(0x73, 1, rd, rs1, (int32_t)csr);
}

static uint32_t load(unsigned f3, unsigned rd, unsigned rs1, int32_t imm)
{
    return i_type(0x03, f3, rd, rs1, imm);
}

static uint32_t store(unsigned f3, unsigned rs2, unsigned rs1, int32_t imm)
{
    uint32_t u = (uint32_t)imm;
    return (u >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | 0x23;
}

#define JAL_SELF 0x0000006fu             /* jal x0, 0 */

/* AMO<funct5>.W/D rd, rs2, (rs1) (aq = rl = 0); LR has funct5 2, SC 3. */
static uint32_t amo(unsigned funct5, bool dword, unsigned rd, unsigned rs1, unsigned rs2)
{
    return funct5 << 27 | rs2 << 20 | rs1 << 15 | (dword ? 3u : 2u) << 12 | rd << 7 | 0x2f;
}

static uint32_t jal(unsigned rd, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return (u >> 20 & 1) << 31 | (u >> 1 & 0x3ff) << 21 | (u >> 11 & 1) << 20 |
           (u >> 12 & 0xff) << 12 | rd << 7 | 0x6f;
}

static void put_code(uint64_t pa, const uint32_t *insns, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        fx_ram_write(pa + 4 * i, 4, insns[i]);
    }
}

static TranslationBlock *tb_at(uint64_t pc)
{
    fx_cpu->pc = pc;
    TranslationBlock *tb = tb_lookup(fx_cpu);
    cr_assert_not_null(tb, "pc %#llx", (unsigned long long)pc);
    return tb;
}

/* OP-FP: funct7 = funct5 << 2 | fmt (0 single, 1 double); rm 7 is the dynamic mode. */
static uint32_t fp_op(unsigned funct7, unsigned rs2, unsigned rs1, unsigned rm, unsigned rd)
{
    return funct7 << 25 | rs2 << 20 | rs1 << 15 | rm << 12 | rd << 7 | 0x53;
}

#define RM_DYN 7
static uint32_t fadd_d(unsigned rd, unsigned a, unsigned b) { return fp_op(0x01, b, a, RM_DYN, rd); }

/* fmadd.d rd = a * b + c, dynamic rounding. */
static uint32_t fmadd_d(unsigned rd, unsigned a, unsigned b, unsigned c)
{
    return c << 27 | 1u << 25 | b << 20 | a << 15 | RM_DYN << 12 | rd << 7 | 0x43;
}

Test(jit, compiled_code_stops_at_an_untranslated_op_and_the_interpreter_finishes_the_tb)
{
    const uint32_t code[] = {
        addi(10, 0, 5), SFENCE_W_INVAL, addi(12, 10, 1), JAL_SELF,
    };
    fx_cpu->features.svinval = true;
    put_code(CODE, code, 4);
    fx_cpu->x[12] = 0;
    uint64_t instret0 = cpu_instret(fx_cpu);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);

    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_INTERP);
    cr_assert_eq(fx_cpu->resume_tb, tb);
    cr_assert_eq(fx_cpu->resume_op, 1);
    cr_assert_eq(fx_cpu->x[10], 5);
    cr_assert_eq(fx_cpu->x[12], 0, "the ops after the hand-over are the interpreter's");
    cr_assert_eq(cpu_instret(fx_cpu), instret0, "the interpreter counts the whole TB");

    /* The jal to itself is not linked yet: the TB ends asking the loop to link it. */
    cr_assert_eq(interp_exec(fx_cpu, tb, 1, true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[12], 6);
    cr_assert_eq(fx_cpu->pc, CODE + 12);
    cr_assert_eq(cpu_instret(fx_cpu), instret0 + 4);
}

Test(jit, tb_starting_with_an_untranslated_op_is_left_to_the_interpreter)
{
    const uint32_t code[] = { SFENCE_W_INVAL, JAL_SELF };
    fx_cpu->features.svinval = true;
    put_code(CODE, code, 2);
    cr_assert_null(tb_at(CODE)->jit_code);
}

/* CSR ops in compiled code call riscv_csr_rmw as the interpreter does: read-modify-write
 * with the right old value, instret as the CSR sees it, an illegal access trapping at the
 * op with the op counted out, and a write that changes translation state ending the TB
 * after the op. */
Test(jit, csr_ops_in_compiled_code)
{
    const uint32_t rmw[] = {
        csrrw(11, CSR_MSCRATCH, 10),              /* x11 = 77, mscratch = 0xf0 */
        i_type(0x73, 2, 12, 14, CSR_MSCRATCH),    /* csrrs x12, mscratch, x14: |= 0x0f */
        i_type(0x73, 7, 13, 3, CSR_MSCRATCH),     /* csrrci x13, mscratch, 3 */
        i_type(0x73, 2, 15, 0, 0xb02),            /* csrr x15, minstret */
        JAL_SELF,
    };
    put_code(CODE, rmw, 5);
    fx_cpu->mscratch = 77;
    fx_cpu->x[10] = 0xf0;
    fx_cpu->x[14] = 0x0f;
    uint64_t instret0 = cpu_instret(fx_cpu);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[11], 77);
    cr_assert_eq(fx_cpu->x[12], 0xf0);
    cr_assert_eq(fx_cpu->x[13], 0xff);
    cr_assert_eq(fx_cpu->mscratch, 0xfc);
    cr_assert_eq(fx_cpu->x[15], instret0 + 3, "minstret as seen by the fourth op");
    cr_assert_eq(cpu_instret(fx_cpu), instret0 + 5);

    /* csrw mhartid (read-only): illegal instruction at that op, mtval = its bits. */
    const uint32_t bad[] = { addi(5, 0, 1), csrrw(0, 0xf14, 10), addi(6, 0, 1), JAL_SELF };
    put_code(CODE + 0x100, bad, 4);
    fx_cpu->mtvec = FX_TRAP_VECTOR;
    fx_cpu->x[6] = 0;
    instret0 = cpu_instret(fx_cpu);
    cr_assert_eq(jit_exec(fx_cpu, tb_at(CODE + 0x100), true), EXIT_LOOKUP);
    cr_assert_eq(fx_cpu->mcause, EXCP_ILLEGAL_INST);
    cr_assert_eq(fx_cpu->mtval, bad[1]);
    cr_assert_eq(fx_cpu->mepc, CODE + 0x104);
    cr_assert_eq(fx_cpu->x[6], 0);
    cr_assert_eq(cpu_instret(fx_cpu), instret0 + 1);

    /* csrw satp (bare -> bare still asks to end the TB): leaves after the op. */
    const uint32_t ends[] = { csrrw(0, 0x180, 0), addi(6, 0, 1), JAL_SELF };
    put_code(CODE + 0x200, ends, 3);
    instret0 = cpu_instret(fx_cpu);
    cr_assert_eq(jit_exec(fx_cpu, tb_at(CODE + 0x200), true), EXIT_LOOKUP);
    cr_assert_eq(fx_cpu->pc, CODE + 0x204);
    cr_assert_eq(fx_cpu->x[6], 0);
    cr_assert_eq(cpu_instret(fx_cpu), instret0 + 1);
}

Test(jit, load_fault_in_compiled_code_traps_at_the_load_with_earlier_ops_counted)
{
    const uint32_t code[] = {
        addi(5, 0, 1), addi(6, 0, 2), load(3, 7, 8, 16), addi(9, 0, 3), JAL_SELF,
    };
    put_code(CODE, code, 5);
    fx_cpu->x[8] = FX_UNMAPPED;
    fx_cpu->x[9] = 0;
    fx_cpu->mtvec = FX_TRAP_VECTOR;
    uint64_t instret0 = cpu_instret(fx_cpu);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);

    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_LOOKUP);
    cr_assert_eq(fx_cpu->mcause, EXCP_LOAD_ACCESS_FAULT);
    cr_assert_eq(fx_cpu->mtval, FX_UNMAPPED + 16);
    cr_assert_eq(fx_cpu->mepc, CODE + 8);
    cr_assert_eq(fx_cpu->pc, FX_TRAP_VECTOR);
    cr_assert_eq(fx_cpu->x[5], 1);
    cr_assert_eq(fx_cpu->x[6], 2);
    cr_assert_eq(fx_cpu->x[9], 0, "nothing after the faulting load ran");
    cr_assert_eq(cpu_instret(fx_cpu), instret0 + 2);
}

Test(jit, compiled_loads_and_stores_reach_ram_and_mmio_with_their_widths)
{
    const uint32_t code[] = {
        store(3, 5, 6, 0),       /* sd x5, 0(x6) */
        load(0, 10, 6, 1),       /* lb x10, 1(x6): sign-extended */
        load(4, 11, 6, 1),       /* lbu x11, 1(x6) */
        load(2, 12, 6, 4),       /* lw x12, 4(x6) */
        load(6, 13, 6, 4),       /* lwu x13, 4(x6) */
        store(1, 5, 7, 2),       /* sh x5, 2(x7): MMIO, through the slow path */
        load(1, 14, 7, 8),       /* lh x14, 8(x7): MMIO read */
        JAL_SELF,
    };
    put_code(CODE, code, 8);
    fx_cpu->x[5] = 0x8899aabbccddeeffULL;
    fx_cpu->x[6] = DATA;
    fx_cpu->x[7] = FX_MMIO_BASE;
    fx_mmio.read_base = 0xf000;
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
    cr_assert_eq(fx_ram_read(DATA, 8), 0x8899aabbccddeeffULL);
    cr_assert_eq(fx_cpu->x[10], 0xffffffffffffffeeULL);
    cr_assert_eq(fx_cpu->x[11], 0xee);
    cr_assert_eq(fx_cpu->x[12], 0xffffffff8899aabbULL);
    cr_assert_eq(fx_cpu->x[13], 0x8899aabbULL);
    cr_assert_eq(fx_mmio.n, 2);
    cr_assert(fx_mmio.log[0].is_write && fx_mmio.log[0].offset == 2 &&
              fx_mmio.log[0].size == 2 && (fx_mmio.log[0].value & 0xffff) == 0xeeff);
    cr_assert(!fx_mmio.log[1].is_write && fx_mmio.log[1].offset == 8 &&
              fx_mmio.log[1].size == 2);
    cr_assert_eq(fx_cpu->x[14], 0xfffffffffffff008ULL, "0xf008 as a signed halfword");
}

Test(jit, compiled_store_to_a_translated_page_invalidates_its_tbs)
{
    const uint32_t other[] = { addi(10, 0, 1), JAL_SELF };
    put_code(OTHER_PAGE, other, 2);
    TranslationBlock *victim = tb_at(OTHER_PAGE);
    const uint32_t code[] = { store(2, 5, 6, 0), JAL_SELF };   /* sw x5, 0(x6) */
    put_code(CODE, code, 2);
    fx_cpu->x[5] = addi(10, 0, 2);
    fx_cpu->x[6] = OTHER_PAGE;
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    cr_assert_eq(atomic_load(&victim->invalid), 0);
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
    cr_assert_eq(atomic_load(&victim->invalid), 1);
    cr_assert_eq(fx_ram_read(OTHER_PAGE, 4), addi(10, 0, 2));
    TranslationBlock *fresh = tb_at(OTHER_PAGE);
    cr_assert_neq(fresh, victim);
}

/* Indirect jumps and direct jumps to another page find their target in the jump cache from
 * compiled code (an inline copy of tb_jmp_cache_probe): B runs without a return to the loop,
 * and a target that is not there (or was invalidated) leaves with its pc. */
Test(jit, jumps_through_the_jump_cache_stay_in_compiled_code)
{
    const uint64_t b = OTHER_PAGE + 0x124;
    const uint32_t target[] = { addi(10, 0, 9), JAL_SELF };
    put_code(b, target, 2);
    const uint32_t via_jalr[] = { i_type(0x67, 0, 1, 5, 0), JAL_SELF };   /* jalr ra, 0(x5) */
    put_code(CODE, via_jalr, 2);
    const uint32_t via_jal[] = { jal(0, (int32_t)(b - (CODE + 0x40))) };
    put_code(CODE + 0x40, via_jal, 1);
    fx_cpu->x[5] = b;
    TranslationBlock *tb_b = tb_at(b);          /* now in the jump cache */
    cr_assert_not_null(tb_b->jit_code);

    for (int k = 0; k < 2; k++) {
        fx_cpu->x[10] = 0;
        TranslationBlock *from = tb_at(k == 0 ? CODE : CODE + 0x40);
        cr_assert_eq(jit_exec(fx_cpu, from, true), EXIT_NOCHAIN, "jump %d left", k);
        cr_assert_eq(fx_cpu->last_tb, tb_b);
        cr_assert_eq(fx_cpu->x[10], 9);
    }
    cr_assert_eq(fx_cpu->x[1], CODE + 4, "jalr's link register");

    tb_jmp_cache_clear(fx_cpu);
    fx_cpu->x[10] = 0;
    TranslationBlock *from = tb_at(CODE);
    tb_jmp_cache_clear(fx_cpu);
    cr_assert_eq(jit_exec(fx_cpu, from, true), EXIT_LOOKUP);
    cr_assert_eq(fx_cpu->pc, b);
    cr_assert_eq(fx_cpu->x[10], 0);
}

/* AMOs, LR and SC in compiled code: old value sign-extended for .W, memory updated, SC fails
 * without a reservation or after another store changed the word, an AMO on MMIO raises a
 * store access fault at the AMO, and an AMO into a page holding TBs invalidates them. */
Test(jit, atomics_in_compiled_code)
{
    static const struct {
        unsigned funct5;
        bool dword;
        uint64_t mem, src, want_mem;
    } cases[] = {
        { 0x01, false, 0x80000001, 5, 5 },                           /* amoswap.w */
        { 0x00, false, 0x7fffffff, 1, 0x80000000 },                  /* amoadd.w wraps */
        { 0x04, true, 0xff00, 0x0ff0, 0xf0f0 },                      /* amoxor.d */
        { 0x0c, true, 0xff00, 0x0ff0, 0x0f00 },                      /* amoand.d */
        { 0x08, false, 0xff00, 0x0ff0, 0xfff0 },                     /* amoor.w */
        { 0x10, false, 0xfffffffe, 3, 0xfffffffe },                  /* amomin.w: -2 < 3 */
        { 0x14, false, 0xfffffffe, 3, 3 },                           /* amomax.w */
        { 0x18, true, 0xfffffffffffffffeULL, 3, 3 },                 /* amominu.d */
        { 0x1c, true, 0xfffffffffffffffeULL, 3, 0xfffffffffffffffeULL }, /* amomaxu.d */
    };
    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        uint64_t pc = CODE + 0x100 * k;
        const uint32_t code[] = { amo(cases[k].funct5, cases[k].dword, 10, 6, 5), JAL_SELF };
        put_code(pc, code, 2);
        fx_ram_write(DATA, 8, cases[k].dword ? cases[k].mem : (uint32_t)cases[k].mem);
        fx_cpu->x[5] = cases[k].src;
        fx_cpu->x[6] = DATA;
        TranslationBlock *tb = tb_at(pc);
        cr_assert_not_null(tb->jit_code);
        cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
        uint64_t want_old = cases[k].dword ? cases[k].mem
                                           : (uint64_t)(int64_t)(int32_t)cases[k].mem;
        cr_assert_eq(fx_cpu->x[10], want_old, "case %u old %#llx", k,
                     (unsigned long long)fx_cpu->x[10]);
        cr_assert_eq(fx_ram_read(DATA, cases[k].dword ? 8 : 4),
                     cases[k].dword ? cases[k].want_mem : (uint32_t)cases[k].want_mem,
                     "case %u memory", k);
    }

    /* lr.d x10, (x6); sc.d x11, x5, (x6); sc.d x12, x5, (x6): the second SC has no
     * reservation left. */
    const uint32_t lrsc[] = { amo(2, true, 10, 6, 0), amo(3, true, 11, 6, 5),
                              amo(3, true, 12, 6, 5), JAL_SELF };
    put_code(CODE + 0x1000, lrsc, 4);
    fx_ram_write(DATA, 8, 0x1234);
    fx_cpu->x[5] = 0x5678;
    cr_assert_eq(jit_exec(fx_cpu, tb_at(CODE + 0x1000), true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[10], 0x1234);
    cr_assert_eq(fx_cpu->x[11], 0, "sc after lr must succeed");
    cr_assert_eq(fx_cpu->x[12], 1, "sc without a reservation must fail");
    cr_assert_eq(fx_ram_read(DATA, 8), 0x5678);
    /* lr.w, then the word changes behind it: sc.w fails and leaves memory alone. */
    const uint32_t lr_only[] = { amo(2, false, 10, 6, 0), JAL_SELF };
    const uint32_t sc_only[] = { amo(3, false, 11, 6, 5), JAL_SELF };
    put_code(CODE + 0x1100, lr_only, 2);
    put_code(CODE + 0x1200, sc_only, 2);
    fx_ram_write(DATA, 4, 0x80000000);
    cr_assert_eq(jit_exec(fx_cpu, tb_at(CODE + 0x1100), true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[10], 0xffffffff80000000ULL, "lr.w sign-extends");
    fx_ram_write(DATA, 4, 7);
    cr_assert_eq(jit_exec(fx_cpu, tb_at(CODE + 0x1200), true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[11], 1);
    cr_assert_eq(fx_ram_read(DATA, 4), 7);

    /* amoadd.d on MMIO: store access fault at the AMO, nothing counted past it. */
    const uint32_t on_mmio[] = { addi(9, 0, 1), amo(0, true, 10, 7, 5), JAL_SELF };
    put_code(CODE + 0x1300, on_mmio, 3);
    fx_cpu->x[7] = FX_MMIO_BASE;
    fx_cpu->mtvec = FX_TRAP_VECTOR;
    uint64_t instret0 = cpu_instret(fx_cpu);
    cr_assert_eq(jit_exec(fx_cpu, tb_at(CODE + 0x1300), true), EXIT_LOOKUP);
    cr_assert_eq(fx_cpu->mcause, EXCP_STORE_ACCESS_FAULT);
    cr_assert_eq(fx_cpu->mepc, CODE + 0x1304);
    cr_assert_eq(cpu_instret(fx_cpu), instret0 + 1);

    /* amoswap.w into a page holding a TB invalidates it. */
    const uint32_t other[] = { addi(10, 0, 1), JAL_SELF };
    put_code(OTHER_PAGE, other, 2);
    TranslationBlock *victim = tb_at(OTHER_PAGE);
    const uint32_t swap[] = { amo(1, false, 10, 6, 5), JAL_SELF };
    put_code(CODE + 0x1400, swap, 2);
    fx_cpu->x[5] = addi(10, 0, 2);
    fx_cpu->x[6] = OTHER_PAGE;
    cr_assert_eq(jit_exec(fx_cpu, tb_at(CODE + 0x1400), true), EXIT_NOCHAIN);
    cr_assert_eq(atomic_load(&victim->invalid), 1);
}

/* The longest TBs of the longest ops: jit_compile_locked aborts if one outgrows the space
 * it reserved, so each must compile. */
/* Svinval's three instructions as the interpreter runs them for both backends (compiled
 * code hands system ops over): without the extension all are illegal; with it, illegal in
 * U-mode; sinval.vma also in S-mode under mstatus.TVM, which the other two ignore. */
static uint64_t run_one_at(uint32_t insn, unsigned priv)
{
    const uint32_t code[] = { insn, JAL_SELF };
    put_code(CODE, code, 2);
    tb_invalidate_phys_page(CODE);
    fx_trap_reset(fx_cpu, priv);
    TranslationBlock *tb = tb_at(CODE);
    interp_exec(fx_cpu, tb, 0, true);
    return fx_cpu->pc == FX_TRAP_VECTOR ? fx_cpu->mcause : 0;
}

Test(jit, svinval_instructions_follow_the_extension_and_privilege_rules)
{
    const uint32_t sinval = 0x16050073, w_inval = 0x18000073, inval_ir = 0x18100073;
    const uint32_t all[] = { sinval, w_inval, inval_ir };
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(run_one_at(all[i], PRV_S), EXCP_ILLEGAL_INST, "insn %#x without Svinval",
                     all[i]);
    }
    fx_cpu->features.svinval = true;
    for (unsigned i = 0; i < 3; i++) {
        cr_assert_eq(run_one_at(all[i], PRV_M), 0, "insn %#x in M", all[i]);
        cr_assert_eq(run_one_at(all[i], PRV_S), 0, "insn %#x in S", all[i]);
        cr_assert_eq(run_one_at(all[i], PRV_U), EXCP_ILLEGAL_INST, "insn %#x in U", all[i]);
    }
    fx_cpu->mstatus |= MSTATUS_TVM;
    cr_assert_eq(run_one_at(sinval, PRV_S), EXCP_ILLEGAL_INST, "sinval.vma under TVM");
    cr_assert_eq(run_one_at(w_inval, PRV_S), 0, "sfence.w.inval ignores TVM");
    cr_assert_eq(run_one_at(inval_ir, PRV_S), 0, "sfence.inval.ir ignores TVM");
}

Test(jit, longest_tbs_fit_the_code_reservation)
{
    const uint32_t ops[] = { store(3, 5, 6, 1000), store(0, 5, 6, -1000), load(0, 7, 6, 1000),
                             load(3, 7, 6, 8), amo(0x1c, false, 7, 6, 5),
                             amo(3, true, 7, 6, 5), csrrw(11, CSR_MSCRATCH, 10),
                             fmadd_d(1, 2, 3, 4), fp_op(0x61, 2, 5, 1, 12) };
    for (unsigned k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        uint64_t base = FX_RAM_BASE + 0x10000 + k * 0x1000;
        for (unsigned i = 0; i < 1024; i++) {
            fx_ram_write(base + 4 * i, 4, ops[k]);
        }
        TranslationBlock *tb = tb_at(base);
        cr_assert_eq(tb->n_ops, TB_MAX_INSNS);
        cr_assert_not_null(tb->jit_code);
    }
}

/* Division in compiled code gives RISC-V's results where x86's div would fault or differ:
 * by zero, the signed overflow, and the W forms' sign extension; each case against the
 * interpreter running the same TB. */
Test(jit, compiled_division_matches_the_interpreter_on_every_edge_case)
{
    static const struct { uint64_t a, b; } cases[] = {
        { 7, 2 }, { (uint64_t)-7, 2 }, { 7, (uint64_t)-2 }, { 5, 0 }, { (uint64_t)-5, 0 },
        { 0x8000000000000000ull, (uint64_t)-1 }, { 0x80000000ull, (uint64_t)-1 },
        { 0xffffffff80000000ull, (uint64_t)-1 }, { 0x123456789abcdefull, 0x1000 },
        { (uint64_t)-1, 3 }, { 0xfffffffful, 0xffffffffffff0003ull }, { 0, 0 },
    };
    uint32_t code[17];
    unsigned n = 0;
    for (unsigned word = 0; word < 2; word++) {
        for (unsigned f3 = 4; f3 < 8; f3++) {
            code[n] = m_op(f3, word, 12 + n, 10, 11);         /* x12.. x19 */
            n++;
        }
    }
    code[n++] = JAL_SELF;
    put_code(CODE, code, n);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        uint64_t want[8], got[8];
        for (unsigned pass = 0; pass < 2; pass++) {
            fx_cpu->x[10] = cases[k].a;
            fx_cpu->x[11] = cases[k].b;
            for (unsigned r = 0; r < 8; r++) {
                fx_cpu->x[12 + r] = 0x5a5a;
            }
            if (pass == 0) {
                cr_assert_eq(interp_exec(fx_cpu, tb, 0, true), EXIT_NOCHAIN);
            } else {
                cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
            }
            for (unsigned r = 0; r < 8; r++) {
                (pass == 0 ? want : got)[r] = fx_cpu->x[12 + r];
            }
        }
        for (unsigned r = 0; r < 8; r++) {
            cr_assert_eq(got[r], want[r], "case %u op %u: %#llx op %#llx = %#llx, want %#llx",
                         k, r, (unsigned long long)cases[k].a, (unsigned long long)cases[k].b,
                         (unsigned long long)got[r], (unsigned long long)want[r]);
        }
    }
    /* Spot-check the interpreter itself against the spec's table. */
    fx_cpu->x[10] = 5;
    fx_cpu->x[11] = 0;
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[12], ~0ull, "div by 0");
    cr_assert_eq(fx_cpu->x[14], 5, "rem by 0");
    fx_cpu->x[10] = 0x8000000000000000ull;
    fx_cpu->x[11] = (uint64_t)-1;
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[12], 0x8000000000000000ull, "overflowing div");
    cr_assert_eq(fx_cpu->x[14], 0, "overflowing rem");
}

/* The register cache: a value written and then read many times in one TB, across a load
 * that misses the TLB (a C call in the middle of the TB), ends in memory exactly as the
 * interpreter leaves it. */
Test(jit, cached_registers_stay_exact_across_a_slow_path_call)
{
    const uint32_t code[] = {
        addi(10, 10, 1), addi(11, 10, 2), addi(10, 10, 3), load(3, 12, 13, 0),
        addi(10, 10, 4), addi(11, 11, 10), addi(14, 10, 0), addi(15, 11, 0), JAL_SELF,
    };
    put_code(CODE, code, 9);
    fx_ram_write(DATA, 8, 0x1122334455667788ull);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    for (unsigned pass = 0; pass < 3; pass++) {
        tlb_flush_local(&fx_cpu->tlb);                       /* the load takes the slow path */
        fx_cpu->x[10] = 100;
        fx_cpu->x[13] = DATA;
        cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
        cr_assert_eq(fx_cpu->x[10], 108);
        cr_assert_eq(fx_cpu->x[11], 113);
        cr_assert_eq(fx_cpu->x[12], 0x1122334455667788ull);
        cr_assert_eq(fx_cpu->x[14], 108);
        cr_assert_eq(fx_cpu->x[15], 113);
    }
}

/* A page flush of one 4 KiB page inside a 2 MiB page removes the large page's translation,
 * through which code on its other 4 KiB pages was reached too: the jump cache must not hand
 * out those TBs afterwards (they would run the old mapping's code without a translation). */
Test(jit, page_flush_inside_a_large_page_drops_the_jump_cache_entries_of_its_other_pages)
{
    const uint64_t va = 0x40000000ULL, pa = FX_RAM_BASE + 0x200000;
    fx_paging(SATP_MODE_SV39);
    fx_set_priv(fx_cpu, PRV_S);
    fx_map(va, pa, 21, FX_PTE_RWXAD);
    const uint32_t code[] = { JAL_SELF };
    put_code(pa + 0x5000, code, 1);
    TranslationBlock *tb = tb_at(va + 0x5000);
    unsigned h = tb_jmp_cache_hash(va + 0x5000);
    cr_assert_eq(fx_cpu->jmp_cache[h], tb, "the lookup filled the jump cache");
    cr_assert_neq(h / TB_JMP_BUCKET_SIZE, tb_jmp_cache_hash(va) / TB_JMP_BUCKET_SIZE,
                  "the two pages share a jump-cache bucket: the test would prove nothing");
    tlb_flush_page_local(&fx_cpu->tlb, va);
    cr_assert_null(fx_cpu->jmp_cache[h], "a TB reached through the flushed large page stays");
}

/* Seven registers written and read again around a load: all cached, two of them in the
 * caller-saved r9/r10. The load's slow path (a C call) must find cpu->x written back and
 * leave r9/r10 reloaded; a faulting load must leave the writes before it in cpu->x. */
Test(jit, seven_cached_registers_survive_a_slow_path_call_and_are_written_back_at_a_fault)
{
    uint32_t code[16];
    unsigned n = 0;
    for (unsigned r = 5; r <= 11; r++) {
        code[n++] = addi(r, r, 1);
    }
    code[n++] = load(3, 12, 13, 0);
    for (unsigned r = 5; r <= 11; r++) {
        code[n++] = addi(r, r, 1);
    }
    code[n++] = JAL_SELF;
    put_code(CODE, code, n);
    fx_ram_write(DATA, 8, 0x1122334455667788ull);
    fx_cpu->mtvec = FX_TRAP_VECTOR;
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    for (unsigned fault = 0; fault < 2; fault++) {
        tlb_flush_local(&fx_cpu->tlb);                       /* the load takes the slow path */
        for (unsigned r = 5; r <= 11; r++) {
            fx_cpu->x[r] = 100 * r;
        }
        fx_cpu->x[13] = fault ? FX_UNMAPPED : DATA;
        cr_assert_eq(jit_exec(fx_cpu, tb, true), fault ? EXIT_LOOKUP : EXIT_NOCHAIN);
        for (unsigned r = 5; r <= 11; r++) {
            cr_assert_eq(fx_cpu->x[r], 100 * r + (fault ? 1 : 2), "x%u %s", r,
                         fault ? "after the fault" : "after the slow path");
        }
        if (fault) {
            cr_assert_eq(fx_cpu->mcause, EXCP_LOAD_ACCESS_FAULT);
            cr_assert_eq(fx_cpu->mepc, CODE + 28);
        } else {
            cr_assert_eq(fx_cpu->x[12], 0x1122334455667788ull);
        }
    }
}

static uint32_t branch(unsigned f3, unsigned rs1, unsigned rs2, int32_t off)
{
    uint32_t u = (uint32_t)off;
    return (u >> 12 & 1) << 31 | (u >> 5 & 0x3f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 |
           (u >> 1 & 0xf) << 8 | (u >> 11 & 1) << 7 | 0x63;
}

#define BNE 1

/* A TB that branches back to its own start: x10 counts iterations up to x14, each one
 * storing x10, loading it back and adding it to x11. Five instructions. */
static TranslationBlock *put_counting_loop(void)
{
    const uint32_t code[] = {
        addi(10, 10, 1), store(3, 10, 13, 0), load(3, 12, 13, 0),
        0x00c585b3u,                                 /* add x11, x11, x12 */
        branch(BNE, 10, 14, -16),
        JAL_SELF,
    };
    put_code(CODE, code, 6);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    cr_assert_neq(tb->jit_loop_head, 0, "a TB that branches to its start is a self loop");
    return tb;
}

static void start_loop(uint64_t limit)
{
    fx_cpu->x[10] = 0;
    fx_cpu->x[11] = 0;
    fx_cpu->x[13] = DATA;
    fx_cpu->x[14] = limit;
}

/* The counting loop, run once unlinked (it leaves by its back edge after one iteration) and
 * then linked to itself, as the cpu_exec loop would link it. */
static TranslationBlock *put_linked_counting_loop(void)
{
    TranslationBlock *tb = put_counting_loop();
    start_loop(1000);
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN, "not linked yet: one iteration");
    cr_assert_eq(fx_cpu->x[10], 1);
    cr_assert_eq(fx_cpu->last_tb, tb);
    cr_assert_eq(fx_cpu->last_slot, 0, "left by the unlinked back edge");
    tb_add_jump(tb, 0, tb);
    return tb;
}

/* Linked to itself, the loop runs in compiled code to the end: registers, memory and instret
 * exact, as if every iteration had gone through the TB's entry. */
Test(jit, a_linked_self_loop_keeps_its_registers_and_counts_every_iteration)
{
    TranslationBlock *tb = put_linked_counting_loop();
    start_loop(1000);
    uint64_t instret0 = cpu_instret(fx_cpu);
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN, "leaves by the fall-through");
    cr_assert_eq(fx_cpu->last_slot, 1);
    cr_assert_eq(fx_cpu->x[10], 1000);
    cr_assert_eq(fx_cpu->x[11], 1000 * 1001 / 2);
    cr_assert_eq(fx_cpu->x[12], 1000);
    cr_assert_eq(fx_ram_read(DATA, 8), 1000);
    cr_assert_eq(cpu_instret(fx_cpu) - instret0, 5 * 1000);
}

static void *kick_after_10ms(void *arg)
{
    struct timespec ts = { 0, 10 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    cpu_exit(arg);
    return NULL;
}

/* A kick reaches a vCPU spinning in a linked self loop at the back edge, which leaves with
 * the loop's registers written back and the pc of the loop's start. */
Test(jit, a_kick_stops_a_linked_self_loop_at_its_back_edge)
{
    TranslationBlock *tb = put_linked_counting_loop();

    start_loop(0);                                   /* x10 never meets x14: endless */
    uint64_t instret0 = cpu_instret(fx_cpu);
    pthread_t kicker;
    cr_assert_eq(pthread_create(&kicker, NULL, kick_after_10ms, &fx_cpu->cs), 0);
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_REQUEST);
    pthread_join(kicker, NULL);
    atomic_store(&fx_cpu->cs.icount_decr, 0);
    uint64_t n = fx_cpu->x[10];
    cr_assert_gt(n, 1, "the loop ran in compiled code until the kick");
    cr_assert_eq(fx_cpu->pc, CODE);
    cr_assert_eq(fx_cpu->x[11], n * (n + 1) / 2);
    cr_assert_eq(fx_cpu->x[12], n);
    cr_assert_eq(fx_ram_read(DATA, 8), n);
    cr_assert_eq(cpu_instret(fx_cpu) - instret0, 5 * n);
}

/* Invalidating the TB unlinks its jump to itself like any other: the loop leaves after the
 * iteration in progress instead of running stale code. */
Test(jit, an_invalidated_self_loop_stops_looping)
{
    TranslationBlock *tb = put_linked_counting_loop();
    tb_invalidate_phys_page(CODE);

    start_loop(1000);
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[10], 1, "one iteration, then out");
    cr_assert_eq(fx_cpu->last_slot, 0);
}

/* A page flush drops the jump-cache entries of that page's TBs and no others, even those of
 * a page sharing its bucket (every 64th page does). */
Test(jit, page_flush_drops_only_the_flushed_pages_jump_cache_entries)
{
    const uint64_t a = CODE + 0x100, b = CODE + 64 * 0x1000 + 0x100;
    const uint32_t code[] = { JAL_SELF };
    put_code(a, code, 1);
    put_code(b, code, 1);
    TranslationBlock *tb_a = tb_at(a), *tb_b = tb_at(b);
    unsigned ha = tb_jmp_cache_hash(a), hb = tb_jmp_cache_hash(b);
    cr_assert_eq(ha / TB_JMP_BUCKET_SIZE, hb / TB_JMP_BUCKET_SIZE, "one bucket");
    cr_assert_neq(ha, hb, "two slots");
    cr_assert_eq(fx_cpu->jmp_cache[ha], tb_a);
    cr_assert_eq(fx_cpu->jmp_cache[hb], tb_b);

    tlb_flush_page_local(&fx_cpu->tlb, CODE + 128 * 0x1000);   /* same bucket, no code */
    cr_assert_eq(fx_cpu->jmp_cache[ha], tb_a);
    cr_assert_eq(fx_cpu->jmp_cache[hb], tb_b);
    tlb_flush_page_local(&fx_cpu->tlb, b);
    cr_assert_eq(fx_cpu->jmp_cache[ha], tb_a, "another page's TB was dropped");
    cr_assert_null(fx_cpu->jmp_cache[hb], "the flushed page's TB stays");
    tlb_flush_page_local(&fx_cpu->tlb, a);
    cr_assert_null(fx_cpu->jmp_cache[ha]);
    cr_assert_eq(tb_at(a), tb_a, "looked up again");
    cr_assert_eq(fx_cpu->jmp_cache[ha], tb_a, "and back in the jump cache");
}

/* A jal forward within the page does not end the TB: the TB goes on at the target, the link
 * register gets the return address, the skipped instruction does not run, and both backends
 * agree. Backward and cross-page jumps still end the TB. */
Test(jit, a_tb_follows_a_forward_jal_within_its_page)
{
    const uint32_t code[] = {
        addi(10, 10, 1), jal(1, 8), addi(10, 10, 100), addi(10, 10, 2),
        jal(5, -16),                                  /* backward: ends the TB */
    };
    put_code(CODE, code, 5);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_eq(tb->n_ops, 4, "addi, jal (as li), addi, jal back");
    cr_assert_eq(tb->size, 20);
    for (unsigned backend = 0; backend < 2; backend++) {
        fx_cpu->x[10] = 0;
        fx_cpu->x[1] = 0;
        uint64_t instret0 = cpu_instret(fx_cpu);
        enum cpu_exit_reason r = backend ? jit_exec(fx_cpu, tb, true)
                                         : interp_exec(fx_cpu, tb, 0, true);
        cr_assert_eq(r, EXIT_NOCHAIN, "backend %u", backend);
        cr_assert_eq(fx_cpu->x[10], 3, "backend %u ran the skipped addi or missed one", backend);
        cr_assert_eq(fx_cpu->x[1], CODE + 8, "backend %u: link register", backend);
        cr_assert_eq(fx_cpu->x[5], CODE + 20, "backend %u: the last jal's link", backend);
        cr_assert_eq(cpu_instret(fx_cpu) - instret0, 4, "backend %u", backend);
    }

    const uint32_t across[] = { addi(10, 10, 1), jal(0, 0x1000) };   /* to the next page */
    put_code(OTHER_PAGE, across, 2);
    cr_assert_eq(tb_at(OTHER_PAGE)->n_ops, 2, "a jal to another page ends the TB");
}

/* F and D computational ops run compiled (a call to riscv_fp_exec from the TB's code, no
 * hand-over to the interpreter): integer sources written just before in host registers,
 * integer results used just after, f registers, fflags and mstatus.FS all end as the
 * interpreter leaves them, for inputs that raise DZ, NV, NX and none. */
Test(jit, fp_ops_in_compiled_code_match_the_interpreter)
{
    const uint32_t code[] = {
        addi(10, 10, 3),
        fp_op(0x69, 2, 10, RM_DYN, 1),        /* fcvt.d.l f1, x10 */
        fp_op(0x69, 2, 11, 1, 2),             /* fcvt.d.l f2, x11, rtz */
        fp_op(0x0d, 2, 1, RM_DYN, 3),         /* fdiv.d f3, f1, f2 */
        fp_op(0x2d, 0, 3, RM_DYN, 4),         /* fsqrt.d f4, f3 */
        fmadd_d(5, 3, 4, 1),
        fp_op(0x61, 2, 5, 1, 12),             /* fcvt.l.d x12, f5, rtz */
        addi(12, 12, 1),
        fp_op(0x51, 3, 3, 2, 13),             /* feq.d x13, f3, f3 */
        fp_op(0x51, 1, 2, 1, 14),             /* flt.d x14, f2, f1 */
        fp_op(0x71, 0, 4, 1, 15),             /* fclass.d x15, f4 */
        fp_op(0x71, 0, 5, 0, 16),             /* fmv.x.d x16, f5 */
        fp_op(0x20, 1, 5, RM_DYN, 6),         /* fcvt.s.d f6, f5 */
        fp_op(0x00, 6, 6, RM_DYN, 7),         /* fadd.s f7, f6, f6 */
        fp_op(0x60, 0, 7, 0, 17),             /* fcvt.w.s x17, f7 */
        fp_op(0x79, 0, 12, 0, 8),             /* fmv.d.x f8, x12 */
        fadd_d(9, 8, 8),
        addi(10, 10, 1),
        addi(18, 12, 0),
        JAL_SELF,
    };
    static const struct { int64_t a, b; } cases[] = {
        { 97, 4 }, { 1, 3 }, { -50, 7 }, { 5, 0 }, { -3, 0 }, { 0, 0 }, { 1ll << 62, -1 },
    };
    const unsigned n = sizeof(code) / sizeof(code[0]);
    put_code(CODE, code, n);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        uint64_t want[64 + 2], got[64 + 2];
        for (unsigned pass = 0; pass < 2; pass++) {
            memset(fx_cpu->x, 0, 32 * sizeof(uint64_t));
            memset(fx_cpu->f, 0, sizeof(fx_cpu->f));
            fx_cpu->x[10] = (uint64_t)cases[k].a;
            fx_cpu->x[11] = (uint64_t)cases[k].b;
            fx_cpu->fflags = 0;
            fx_cpu->frm = 0;
            fx_cpu->mstatus = (fx_cpu->mstatus & ~(MSTATUS_FS | MSTATUS_SD)) |
                              (1ull << MSTATUS_FS_SHIFT);     /* Initial */
            uint64_t instret0 = cpu_instret(fx_cpu);
            if (pass == 0) {
                cr_assert_eq(interp_exec(fx_cpu, tb, 0, true), EXIT_NOCHAIN);
            } else {
                cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN,
                             "the whole TB runs compiled");
            }
            cr_assert_eq(cpu_instret(fx_cpu), instret0 + n);
            uint64_t *out = pass == 0 ? want : got;
            memcpy(out, fx_cpu->x, 32 * sizeof(uint64_t));
            memcpy(out + 32, fx_cpu->f, 32 * sizeof(uint64_t));
            out[64] = fx_cpu->fflags;
            out[65] = fx_cpu->mstatus;
        }
        for (unsigned r = 0; r < 66; r++) {
            cr_assert_eq(got[r], want[r], "case %u: %s %u is %#llx, the interpreter's %#llx", k,
                         r < 32 ? "x" : r < 64 ? "f" : "fflags/mstatus", r % 32,
                         (unsigned long long)got[r], (unsigned long long)want[r]);
        }
    }
    /* The figures themselves for the first case, compiled: (97 + 3) / 4 = 25, sqrt 5,
     * 25 * 5 + 100 = 225. */
    memset(fx_cpu->x, 0, 32 * sizeof(uint64_t));
    fx_cpu->x[10] = 97;
    fx_cpu->x[11] = 4;
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN);
    cr_assert_eq(fx_cpu->x[12], 226);
    cr_assert_eq(fx_cpu->x[13], 1, "feq.d of a number with itself");
    cr_assert_eq(fx_cpu->x[14], 1, "4.0 < 100.0");
    cr_assert_eq(fx_cpu->x[17], 450, "fcvt.w.s of 225.0f + 225.0f");
    cr_assert_eq(fx_cpu->x[18], 226);
    cr_assert_eq(fx_cpu->x[10], 101);
}

/* An F/D op in compiled code that is illegal now (mstatus.FS off; dynamic rounding with frm
 * holding a reserved mode) traps at that op: earlier ops done and counted, the op's bits in
 * mtval, nothing of it or later ops done. */
Test(jit, illegal_fp_op_in_compiled_code_traps_at_the_op)
{
    const uint32_t code[] = {
        addi(5, 0, 1), fp_op(0x79, 0, 5, 0, 1), fadd_d(2, 1, 1), addi(6, 0, 1), JAL_SELF,
    };
    put_code(CODE, code, 5);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    for (unsigned k = 0; k < 2; k++) {
        fx_cpu->mtvec = FX_TRAP_VECTOR;
        fx_cpu->x[5] = fx_cpu->x[6] = 0;
        fx_cpu->f[1] = fx_cpu->f[2] = 0x1234;
        fx_cpu->mstatus &= ~(MSTATUS_FS | MSTATUS_SD);
        fx_cpu->frm = 0;
        if (k == 1) {
            fx_cpu->mstatus |= 1ull << MSTATUS_FS_SHIFT;
            fx_cpu->frm = 5;                                  /* fadd.d's dynamic rm */
        }
        uint64_t instret0 = cpu_instret(fx_cpu);
        cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_LOOKUP);
        cr_assert_eq(fx_cpu->mcause, EXCP_ILLEGAL_INST, "case %u", k);
        cr_assert_eq(fx_cpu->mepc, CODE + (k == 0 ? 4 : 8), "case %u", k);
        cr_assert_eq(fx_cpu->mtval, code[k == 0 ? 1 : 2], "case %u", k);
        cr_assert_eq(fx_cpu->x[5], 1);
        cr_assert_eq(fx_cpu->x[6], 0, "case %u: no later op ran", k);
        cr_assert_eq(fx_cpu->f[1], k == 0 ? 0x1234 : 1, "case %u", k);
        cr_assert_eq(fx_cpu->f[2], 0x1234, "case %u", k);
        cr_assert_eq(cpu_instret(fx_cpu), instret0 + 1 + k, "case %u", k);
    }
}

static uint32_t fp_load(bool dword, unsigned rd, unsigned rs1, int32_t imm)
{
    return i_type(0x07, dword ? 3 : 2, rd, rs1, imm);
}

static uint32_t fp_store(bool dword, unsigned rs2, unsigned rs1, int32_t imm)
{
    return (store(dword ? 3 : 2, rs2, rs1, imm) & ~0x7fu) | 0x27;
}

/* flw/fld/fsw/fsd run compiled, through the TLB fast path on RAM and the slow path on MMIO:
 * flw NaN-boxes, fsw stores the low word, fsd through the slow path stores f[rs2] (not
 * x[rs2]), mstatus.FS ends Dirty, and f, x and memory match the interpreter's. */
Test(jit, fp_loads_and_stores_in_compiled_code_match_the_interpreter)
{
    const uint32_t code[] = {
        fp_load(true, 1, 6, 0),               /* fld f1, 0(x6) */
        fp_load(false, 2, 6, 8),              /* flw f2, 8(x6) */
        fadd_d(3, 1, 1),
        fp_store(true, 3, 6, 16),             /* fsd f3, 16(x6) */
        fp_store(false, 2, 6, 24),            /* fsw f2, 24(x6) */
        fp_store(true, 1, 7, 0),              /* fsd f1, 0(x7): MMIO, the slow path */
        fp_load(false, 4, 7, 8),              /* flw f4, 8(x7): MMIO read */
        addi(10, 10, 1),
        JAL_SELF,
    };
    const unsigned n = sizeof(code) / sizeof(code[0]);
    put_code(CODE, code, n);
    fx_mmio.read_base = 0xf000;
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    uint64_t want[32 + 4 + 2], got[32 + 4 + 2];
    for (unsigned pass = 0; pass < 2; pass++) {
        fx_ram_write(DATA, 8, 0x4008000000000000ull);         /* 3.0 */
        fx_ram_write(DATA + 8, 8, 0x5555555540490fdbull);     /* pi as a float, junk above */
        fx_ram_write(DATA + 16, 8, 0);
        fx_ram_write(DATA + 24, 8, 0x7777777777777777ull);
        memset(fx_cpu->f, 0, sizeof(fx_cpu->f));
        fx_cpu->x[5] = 0xdeadbeef;                            /* x5 must not be stored */
        fx_cpu->x[6] = DATA;
        fx_cpu->x[7] = FX_MMIO_BASE;
        fx_cpu->x[10] = 0;
        fx_cpu->mstatus = (fx_cpu->mstatus & ~(MSTATUS_FS | MSTATUS_SD)) |
                          (1ull << MSTATUS_FS_SHIFT);         /* Initial */
        fx_mmio.n = 0;
        uint64_t instret0 = cpu_instret(fx_cpu);
        if (pass == 0) {
            cr_assert_eq(interp_exec(fx_cpu, tb, 0, true), EXIT_NOCHAIN);
        } else {
            cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN, "the whole TB runs compiled");
        }
        cr_assert_eq(cpu_instret(fx_cpu), instret0 + n);
        cr_assert_eq(fx_mmio.n, 2, "pass %u", pass);
        cr_assert(fx_mmio.log[0].is_write && fx_mmio.log[0].size == 8 &&
                  fx_mmio.log[0].value == 0x4008000000000000ull, "pass %u: fsd to MMIO", pass);
        uint64_t *out = pass == 0 ? want : got;
        memcpy(out, fx_cpu->f, 32 * sizeof(uint64_t));
        for (unsigned k = 0; k < 4; k++) {
            out[32 + k] = fx_ram_read(DATA + 8 * k, 8);
        }
        out[36] = fx_cpu->mstatus;
        out[37] = fx_cpu->x[10];
    }
    for (unsigned r = 0; r < 38; r++) {
        cr_assert_eq(got[r], want[r], "word %u is %#llx, the interpreter's %#llx", r,
                     (unsigned long long)got[r], (unsigned long long)want[r]);
    }
    cr_assert_eq(got[1], 0x4008000000000000ull);
    cr_assert_eq(got[2], 0xffffffff40490fdbull, "flw NaN-boxes");
    cr_assert_eq(got[32 + 2], 0x4018000000000000ull, "fsd of 3.0 + 3.0");
    cr_assert_eq(got[32 + 3], 0x7777777740490fdbull, "fsw writes only the low word");
    cr_assert_eq(got[36] & MSTATUS_FS, MSTATUS_FS, "FS Dirty");
    cr_assert_eq(got[4] >> 32, 0xffffffffull, "flw from MMIO NaN-boxes");
}

/* With mstatus.FS off, a compiled flw/fsd traps as illegal before its access: the earlier
 * ops are done and counted, memory and f are untouched. */
Test(jit, fp_load_or_store_with_fs_off_traps_before_the_access)
{
    const uint32_t loads[] = { addi(5, 0, 1), fp_load(false, 1, 6, 0), addi(5, 0, 2), JAL_SELF };
    const uint32_t stores[] = { addi(5, 0, 1), fp_store(true, 1, 6, 0), addi(5, 0, 2), JAL_SELF };
    for (unsigned k = 0; k < 2; k++) {
        put_code(CODE + 0x400 * k, k ? stores : loads, 4);
        TranslationBlock *tb = tb_at(CODE + 0x400 * k);
        cr_assert_not_null(tb->jit_code);
        fx_cpu->mtvec = FX_TRAP_VECTOR;
        fx_cpu->mstatus &= ~(MSTATUS_FS | MSTATUS_SD);
        fx_cpu->x[5] = 0;
        fx_cpu->x[6] = 0x1000;                                /* unmapped: a fault if used */
        fx_cpu->f[1] = 0x1234;
        uint64_t instret0 = cpu_instret(fx_cpu);
        cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_LOOKUP);
        cr_assert_eq(fx_cpu->mcause, EXCP_ILLEGAL_INST, "case %u", k);
        cr_assert_eq(fx_cpu->mepc, CODE + 0x400 * k + 4, "case %u", k);
        cr_assert_eq(fx_cpu->mtval, k ? stores[1] : loads[1], "case %u", k);
        cr_assert_eq(fx_cpu->x[5], 1, "case %u", k);
        cr_assert_eq(fx_cpu->f[1], 0x1234, "case %u", k);
        cr_assert_eq(cpu_instret(fx_cpu), instret0 + 1, "case %u", k);
    }
}

/* A TB of the most out-of-line paths an op can need (500 FP stores, each with an FS check,
 * a TLB miss path and a code-write check) compiles, and runs compiled: each store lands. */
Test(jit, a_tb_of_fp_stores_only_compiles_and_runs)
{
    enum { N = 500 };
    static uint32_t code[N + 2];
    for (unsigned k = 0; k < N; k++) {
        code[k] = fp_store(k & 1, 1 + k % 8, 6, (int32_t)(8 * (k % 256)));
    }
    code[N] = addi(10, 10, 1);
    code[N + 1] = JAL_SELF;
    put_code(CODE, code, N + 2);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_eq(tb->n_ops, N + 2);
    cr_assert_not_null(tb->jit_code);
    for (unsigned r = 1; r <= 8; r++) {
        fx_cpu->f[r] = 0x1111111111111111ull * r;
    }
    for (unsigned j = 0; j < 256; j++) {
        fx_ram_write(DATA + 8 * j, 8, 0xaaaaaaaaaaaaaaaaull);
    }
    fx_cpu->x[6] = DATA;
    fx_cpu->x[10] = 0;
    fx_cpu->mstatus |= 1ull << MSTATUS_FS_SHIFT;
    cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN, "the whole TB runs compiled");
    cr_assert_eq(fx_cpu->x[10], 1);
    for (unsigned j = 0; j < 256; j++) {  /* slot j: stores j and j + 256, same width */
        uint64_t v = fx_cpu->f[1 + j % 8];
        uint64_t want = (j & 1) ? v : (0xaaaaaaaa00000000ull | (v & 0xffffffffull));
        cr_assert_eq(fx_ram_read(DATA + 8 * j, 8), want, "slot %u", j);
    }
}

/* orc.b in compiled code (a carry-free byte trick, accel/jit_x86.c) against the interpreter,
 * on every byte pattern that matters: zero and non-zero bytes, 0x80 and 0x7f (the carry
 * edges), all bytes set. */
Test(jit, compiled_orc_b_matches_the_interpreter)
{
    static const uint64_t cases[] = {
        0, 1, 0x80, 0x7f, 0xff, 0x0100000000000000ull, 0x8000000000000080ull,
        0x7f007f007f007f00ull, 0x0001020304050607ull, 0xffffffffffffffffull,
        0x8080808080808080ull, 0x0101010101010101ull, 0x00ff00ff00ff00ffull,
    };
    const uint32_t code[] = { orc_b(11, 10), addi(12, 11, 0), JAL_SELF };
    put_code(CODE, code, 3);
    TranslationBlock *tb = tb_at(CODE);
    cr_assert_not_null(tb->jit_code);
    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        uint64_t want = 0;
        for (unsigned b = 0; b < 8; b++) {
            if ((cases[k] >> (8 * b)) & 0xff) {
                want |= 0xffull << (8 * b);
            }
        }
        fx_cpu->x[10] = cases[k];
        fx_cpu->x[11] = fx_cpu->x[12] = 0x5a;
        cr_assert_eq(jit_exec(fx_cpu, tb, true), EXIT_NOCHAIN, "the TB runs compiled");
        cr_assert_eq(fx_cpu->x[11], want, "orc.b(%#llx) = %#llx, want %#llx",
                     (unsigned long long)cases[k], (unsigned long long)fx_cpu->x[11],
                     (unsigned long long)want);
        cr_assert_eq(fx_cpu->x[12], want);
        fx_cpu->x[11] = 0x5a;
        cr_assert_eq(interp_exec(fx_cpu, tb, 0, true), EXIT_NOCHAIN);
        cr_assert_eq(fx_cpu->x[11], want, "the interpreter agrees");
    }
}
