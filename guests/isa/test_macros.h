/* Shared helpers for the bare-metal ISA tests in guests/isa (include from a .S file; the file is
 * run through the C preprocessor, so these are cpp macros whose expansions use ';' to separate
 * instructions).
 *
 * Conventions
 *   TESTNUM (gp / x3)  holds the number of the case being run. Every check that fails jumps to
 *                      `fail`, which returns TESTNUM from main (so the harness prints
 *                      "FAIL <name>: code <case>"). Number cases from 1: case 0 would read as
 *                      success.
 *   t6 (x31)           is clobbered by every check macro (it holds the expected value);
 *   t5 (x30)           is clobbered by the FP macros (it holds fflags).
 *   a1, a2, a3         operand registers of TEST_RR / TEST_IMM / TEST_R1 / TEST_LOAD ...
 *   a4                 result register of those macros.
 *   a5, a6, a7         written by the trap handler of TRAP_HANDLER (cause, epc, tval).
 *   Everything else, including sp and ra, may be clobbered by a test: TEST_MAIN saves sp and ra
 *   in memory and TEST_END restores them before returning to crt.S.
 *
 * Skeleton of a test file:
 *     #include "test_macros.h"
 *     TEST_NAME("rv64i_alu")
 *     TEST_MAIN
 *         TEST_RR(1, add, 3, 1, 2)
 *         ...
 *     TEST_END
 *
 * Expected values and operands are assembler expressions loaded with `li`, so any 64-bit
 * constant (or a negative number) works.
 */
#ifndef GUEST_ISA_TEST_MACROS_H
#define GUEST_ISA_TEST_MACROS_H

#define TESTNUM gp

/* ------------------------------------------------------------------------------------------ */
/* Program skeleton                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* TEST_NAME(str): defines `harness_test_name` (used in the PASS/FAIL line) as a pointer to str. */
#define TEST_NAME(str)                                                                        \
    .pushsection .data;                                                                       \
    .balign 8;                                                                                \
    .globl harness_test_name;                                                                 \
harness_test_name:                                                                            \
    .dword test_name_string;                                                                  \
test_name_string:                                                                             \
    .asciz str;                                                                               \
    .balign 8;                                                                                \
test_saved_sp:                                                                                \
    .dword 0;                                                                                 \
test_saved_ra:                                                                                \
    .dword 0;                                                                                 \
    .popsection

/* TEST_MAIN: starts `main` in .text (4-byte aligned), saves sp and ra to memory, TESTNUM = 0. */
#define TEST_MAIN                                                                             \
    .text;                                                                                    \
    .balign 4;                                                                                \
    .globl main;                                                                              \
main:                                                                                         \
    la t6, test_saved_sp;                                                                     \
    sd sp, 0(t6);                                                                             \
    sd ra, 8(t6);                                                                             \
    li TESTNUM, 0

/* TEST_END: the success path falls into `pass` (returns 0); `fail` returns TESTNUM (or 0xfff
 * if TESTNUM is 0, so that a failure can never read as success). Restores sp and ra. */
#define TEST_END                                                                              \
pass:                                                                                         \
    li a0, 0;                                                                                 \
    j test_return;                                                                            \
fail:                                                                                         \
    mv a0, TESTNUM;                                                                           \
    bnez a0, test_return;                                                                     \
    li a0, 0xfff;                                                                             \
test_return:                                                                                  \
    la t6, test_saved_sp;                                                                     \
    ld sp, 0(t6);                                                                             \
    ld ra, 8(t6);                                                                             \
    ret

/* ------------------------------------------------------------------------------------------ */
/* Generic checks                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* CHECK(reg, exp): fail unless reg == exp (full 64-bit compare). Clobbers t6. */
#define CHECK(reg, exp)                                                                       \
    li t6, exp;                                                                               \
    bne reg, t6, fail

/* CHECK_NE(reg, val): fail if reg == val. Clobbers t6. */
#define CHECK_NE(reg, val)                                                                    \
    li t6, val;                                                                               \
    beq reg, t6, fail

/* TEST_CASE(n, reg, exp, code...): TESTNUM = n, run code, then CHECK(reg, exp). */
#define TEST_CASE(n, reg, exp, code...)                                                       \
    li TESTNUM, n;                                                                            \
    code;                                                                                     \
    CHECK(reg, exp)

/* ------------------------------------------------------------------------------------------ */
/* Integer register-register / register-immediate ops                                          */
/* ------------------------------------------------------------------------------------------ */

/* TEST_RR(n, inst, exp, a, b): a1 = a, a2 = b, `inst a4, a1, a2`, expect a4 == exp. */
#define TEST_RR(n, inst, exp, a, b)                                                           \
    TEST_CASE(n, a4, exp, li a1, a; li a2, b; inst a4, a1, a2)

/* TEST_RR_SRC1_EQ_DEST: same with rd == rs1 (`inst a1, a1, a2`). */
#define TEST_RR_SRC1_EQ_DEST(n, inst, exp, a, b)                                              \
    TEST_CASE(n, a1, exp, li a1, a; li a2, b; inst a1, a1, a2)

/* TEST_RR_SRC2_EQ_DEST: rd == rs2 (`inst a2, a1, a2`). */
#define TEST_RR_SRC2_EQ_DEST(n, inst, exp, a, b)                                              \
    TEST_CASE(n, a2, exp, li a1, a; li a2, b; inst a2, a1, a2)

/* TEST_RR_SRC12_EQ_DEST: rd == rs1 == rs2 (`inst a1, a1, a1`). */
#define TEST_RR_SRC12_EQ_DEST(n, inst, exp, a)                                                \
    TEST_CASE(n, a1, exp, li a1, a; inst a1, a1, a1)

/* TEST_RR_ZEROSRC1: rs1 = x0 (`inst a4, x0, a2`), a2 = b. */
#define TEST_RR_ZEROSRC1(n, inst, exp, b)                                                     \
    TEST_CASE(n, a4, exp, li a2, b; inst a4, x0, a2)

/* TEST_RR_ZEROSRC2: rs2 = x0 (`inst a4, a1, x0`), a1 = a. */
#define TEST_RR_ZEROSRC2(n, inst, exp, a)                                                     \
    TEST_CASE(n, a4, exp, li a1, a; inst a4, a1, x0)

/* TEST_RR_ZERODEST: rd = x0 (`inst x0, a1, a2`); x0 must still read as 0 afterwards. */
#define TEST_RR_ZERODEST(n, inst, a, b)                                                       \
    TEST_CASE(n, x0, 0, li a1, a; li a2, b; inst x0, a1, a2; mv a4, x0)

/* TEST_IMM(n, inst, exp, a, imm): a1 = a, `inst a4, a1, imm`, expect a4 == exp. */
#define TEST_IMM(n, inst, exp, a, imm)                                                        \
    TEST_CASE(n, a4, exp, li a1, a; inst a4, a1, imm)

/* TEST_IMM_SRC1_EQ_DEST: rd == rs1 (`inst a1, a1, imm`). */
#define TEST_IMM_SRC1_EQ_DEST(n, inst, exp, a, imm)                                           \
    TEST_CASE(n, a1, exp, li a1, a; inst a1, a1, imm)

/* TEST_IMM_ZEROSRC1: rs1 = x0 (`inst a4, x0, imm`). */
#define TEST_IMM_ZEROSRC1(n, inst, exp, imm)                                                  \
    TEST_CASE(n, a4, exp, inst a4, x0, imm)

/* TEST_IMM_ZERODEST: rd = x0 (`inst x0, a1, imm`); x0 must still read as 0. */
#define TEST_IMM_ZERODEST(n, inst, a, imm)                                                    \
    TEST_CASE(n, x0, 0, li a1, a; inst x0, a1, imm; mv a4, x0)

/* TEST_R1(n, inst, exp, a): unary op, a1 = a, `inst a4, a1`, expect a4 == exp. */
#define TEST_R1(n, inst, exp, a)                                                              \
    TEST_CASE(n, a4, exp, li a1, a; inst a4, a1)

/* TEST_R1_SRC1_EQ_DEST: unary op with rd == rs1 (`inst a1, a1`). */
#define TEST_R1_SRC1_EQ_DEST(n, inst, exp, a)                                                 \
    TEST_CASE(n, a1, exp, li a1, a; inst a1, a1)

/* ------------------------------------------------------------------------------------------ */
/* Memory                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* TEST_LOAD(n, inst, exp, base, off): a1 = &base, `inst a4, off(a1)`, expect a4 == exp. */
#define TEST_LOAD(n, inst, exp, base, off)                                                    \
    TEST_CASE(n, a4, exp, la a1, base; inst a4, off(a1))

/* TEST_STORE_LOAD(n, st, ld, exp, val, base, off): a1 = &base, a2 = val, `st a2, off(a1)`,
 * `ld a4, off(a1)`, expect a4 == exp (the store and load widths/sign are the caller's choice). */
#define TEST_STORE_LOAD(n, st, ld, exp, val, base, off)                                       \
    TEST_CASE(n, a4, exp, la a1, base; li a2, val; st a2, off(a1); ld a4, off(a1))

/* ------------------------------------------------------------------------------------------ */
/* Branches                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* TEST_BRANCH_TAKEN(n, inst, a, b): a1 = a, a2 = b; `inst a1, a2, target` must jump (the
 * fall-through path fails). */
#define TEST_BRANCH_TAKEN(n, inst, a, b)                                                      \
    li TESTNUM, n;                                                                            \
    li a1, a;                                                                                 \
    li a2, b;                                                                                 \
    inst a1, a2, 1f;                                                                          \
    j fail;                                                                                   \
1:

/* TEST_BRANCH_NOT_TAKEN(n, inst, a, b): `inst a1, a2, target` must fall through. */
#define TEST_BRANCH_NOT_TAKEN(n, inst, a, b)                                                  \
    li TESTNUM, n;                                                                            \
    li a1, a;                                                                                 \
    li a2, b;                                                                                 \
    inst a1, a2, fail

/* ------------------------------------------------------------------------------------------ */
/* Floating point                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Rounding-mode numbers for the rm argument of FTEST*. */
#define RM_RNE 0
#define RM_RTZ 1
#define RM_RDN 2
#define RM_RUP 3
#define RM_RMM 4

/* fflags bits. */
#define FF_NX 0x01
#define FF_UF 0x02
#define FF_OF 0x04
#define FF_DZ 0x08
#define FF_NV 0x10

/* NaN-boxed single: the 64-bit register image of a single-precision value. */
#define SBOX(x) (0xffffffff00000000 | ((x) & 0xffffffff))
/* Sign extension of a 32-bit pattern (what fmv.x.w or a W-form conversion writes). */
#define SEXT32(x) ((((x) & 0xffffffff) ^ 0x80000000) - 0x80000000)

/* LOAD_S(freg, bits) / LOAD_D(freg, bits): put a bit pattern in an FP register via t6
 * (fmv.w.x NaN-boxes a single). Do not set fflags. */
#define LOAD_S(freg, bits)                                                                    \
    li t6, bits;                                                                              \
    fmv.w.x freg, t6
#define LOAD_D(freg, bits)                                                                    \
    li t6, bits;                                                                              \
    fmv.d.x freg, t6

/* FTEST(n, rm, exp, flags, code...): TESTNUM = n, frm = rm, fflags = 0, run code (which must
 * leave the 64-bit result in a4), then expect a4 == exp and fflags == flags. Clobbers t5, t6. */
#define FTEST(n, rm, exp, flags, code...)                                                     \
    li TESTNUM, n;                                                                            \
    fsrmi rm;                                                                                 \
    fsflagsi 0;                                                                               \
    code;                                                                                     \
    frflags t5;                                                                               \
    CHECK(a4, exp);                                                                           \
    li t6, flags;                                                                             \
    bne t5, t6, fail

/* Single-precision forms (dynamic rounding = rm). Results are compared as the full 64-bit
 * register image, so every single-precision result must also be correctly NaN-boxed. */
/* FTEST_S_R1: `inst fa3, fa0` (fsqrt.s, fmv, fcvt.s.s-like unary ops). */
#define FTEST_S_R1(n, rm, inst, exp, flags, a)                                                \
    FTEST(n, rm, SBOX(exp), flags, LOAD_S(fa0, a); inst fa3, fa0; fmv.x.d a4, fa3)
/* FTEST_S_RR: `inst fa3, fa0, fa1`. */
#define FTEST_S_RR(n, rm, inst, exp, flags, a, b)                                             \
    FTEST(n, rm, SBOX(exp), flags, LOAD_S(fa0, a); LOAD_S(fa1, b); inst fa3, fa0, fa1;       \
          fmv.x.d a4, fa3)
/* FTEST_S_R4: `inst fa3, fa0, fa1, fa2` (fused multiply-add family). */
#define FTEST_S_R4(n, rm, inst, exp, flags, a, b, c)                                          \
    FTEST(n, rm, SBOX(exp), flags, LOAD_S(fa0, a); LOAD_S(fa1, b); LOAD_S(fa2, c);           \
          inst fa3, fa0, fa1, fa2; fmv.x.d a4, fa3)
/* FTEST_S_CMP: `inst a4, fa0, fa1` (feq/flt/fle: integer result). */
#define FTEST_S_CMP(n, inst, exp, flags, a, b)                                                \
    FTEST(n, RM_RNE, exp, flags, LOAD_S(fa0, a); LOAD_S(fa1, b); inst a4, fa0, fa1)
/* FTEST_S_TOINT: `inst a4, fa0` (fcvt.{w,wu,l,lu}.s, fclass.s: integer result). */
#define FTEST_S_TOINT(n, rm, inst, exp, flags, a)                                             \
    FTEST(n, rm, exp, flags, LOAD_S(fa0, a); inst a4, fa0)
/* FTEST_S_FROMINT: `inst fa3, a1` with a1 = a (fcvt.s.{w,wu,l,lu}). */
#define FTEST_S_FROMINT(n, rm, inst, exp, flags, a)                                           \
    FTEST(n, rm, SBOX(exp), flags, li a1, a; inst fa3, a1; fmv.x.d a4, fa3)

/* Double-precision forms, same shapes. */
#define FTEST_D_R1(n, rm, inst, exp, flags, a)                                                \
    FTEST(n, rm, exp, flags, LOAD_D(fa0, a); inst fa3, fa0; fmv.x.d a4, fa3)
#define FTEST_D_RR(n, rm, inst, exp, flags, a, b)                                             \
    FTEST(n, rm, exp, flags, LOAD_D(fa0, a); LOAD_D(fa1, b); inst fa3, fa0, fa1;             \
          fmv.x.d a4, fa3)
#define FTEST_D_R4(n, rm, inst, exp, flags, a, b, c)                                          \
    FTEST(n, rm, exp, flags, LOAD_D(fa0, a); LOAD_D(fa1, b); LOAD_D(fa2, c);                 \
          inst fa3, fa0, fa1, fa2; fmv.x.d a4, fa3)
#define FTEST_D_CMP(n, inst, exp, flags, a, b)                                                \
    FTEST(n, RM_RNE, exp, flags, LOAD_D(fa0, a); LOAD_D(fa1, b); inst a4, fa0, fa1)
#define FTEST_D_TOINT(n, rm, inst, exp, flags, a)                                             \
    FTEST(n, rm, exp, flags, LOAD_D(fa0, a); inst a4, fa0)
#define FTEST_D_FROMINT(n, rm, inst, exp, flags, a)                                           \
    FTEST(n, rm, exp, flags, li a1, a; inst fa3, a1; fmv.x.d a4, fa3)

/* ------------------------------------------------------------------------------------------ */
/* Expected traps                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* TRAP_HANDLER(label): emits an M-mode trap handler at `label` (4-byte aligned, for direct-mode
 * mtvec). It sets a5 = mcause, a6 = mepc (of the trapping instruction), a7 = mtval, advances
 * mepc past the trapping instruction (2 or 4 bytes, from the low bits of the instruction at
 * mepc), and returns with mret. It clobbers nothing else. Only for synchronous exceptions whose
 * mepc is readable memory (illegal instruction, ebreak, misaligned or faulting data access). */
#define TRAP_HANDLER(label)                                                                   \
    .balign 4;                                                                                \
label:                                                                                        \
    csrr a6, mepc;                                                                            \
    lhu a7, 0(a6);                                                                            \
    andi a7, a7, 3;                                                                           \
    addi a7, a7, -3;                                                                          \
    seqz a7, a7;                                                                              \
    slli a7, a7, 1;                                                                           \
    addi a7, a7, 2;                                                                           \
    add a7, a7, a6;                                                                           \
    csrw mepc, a7;                                                                            \
    csrr a5, mcause;                                                                          \
    csrr a7, mtval;                                                                           \
    mret

/* TRAP_INSTALL(label): mtvec = label (clobbers t6). TRAP_RESTORE: mtvec = harness default. */
#define TRAP_INSTALL(label)                                                                   \
    la t6, label;                                                                             \
    csrw mtvec, t6
#define TRAP_RESTORE                                                                          \
    la t6, harness_default_trap;                                                              \
    csrw mtvec, t6

/* TEST_TRAP(n, cause, code...): with a TRAP_HANDLER installed, sets a5 = -1, runs code (which
 * must trap exactly once; the handler skips the trapping instruction), then expects
 * a5 == cause. a6 (mepc) and a7 (mtval) are left for further CHECKs. */
#define TEST_TRAP(n, cause, code...)                                                          \
    li TESTNUM, n;                                                                            \
    li a5, -1;                                                                                \
    code;                                                                                     \
    CHECK(a5, cause)

/* TEST_NO_TRAP(n, code...): with a TRAP_HANDLER installed, code must not trap. */
#define TEST_NO_TRAP(n, code...)                                                              \
    li TESTNUM, n;                                                                            \
    li a5, -1;                                                                                \
    code;                                                                                     \
    CHECK(a5, -1)

/* Exception causes (mcause values). */
#define CAUSE_MISALIGNED_FETCH 0
#define CAUSE_ILLEGAL_INSTRUCTION 2
#define CAUSE_BREAKPOINT 3
#define CAUSE_MISALIGNED_LOAD 4
#define CAUSE_LOAD_ACCESS 5
#define CAUSE_MISALIGNED_STORE 6
#define CAUSE_STORE_ACCESS 7
#define CAUSE_ECALL_M 11

#endif
