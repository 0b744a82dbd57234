/* rv64c: every RV64C instruction, written with explicit c.* mnemonics so the assembler emits
 * the 16-bit forms (checked with riscv64-unknown-elf-objdump -d -M no-aliases):
 *   c.li, c.lui (incl. negative immediates), c.addi, c.addiw, c.addi16sp, c.addi4spn, c.slli,
 *   c.srli, c.srai, c.andi, c.mv, c.add, c.sub, c.xor, c.or, c.and, c.subw, c.addw, c.nop,
 *   c.lw, c.ld, c.sw, c.sd, c.lwsp, c.ldsp, c.swsp, c.sdsp, c.fld, c.fsd, c.fldsp, c.fsdsp,
 *   c.j, c.jr, c.jalr (links pc + 2), c.beqz, c.bnez, c.ebreak (trap: cause 3, mepc = the
 *   c.ebreak, the handler steps 2 bytes).
 * Plus 32-bit instructions at addresses that are 2 mod 4 (ALU, load, branch, jal, jalr, with
 * targets that are 2 mod 4), and a 32-bit instruction straddling a 4 KiB page boundary, entered
 * both sequentially and by a jump. The placement is checked at run time (and with objdump).
 * .option norelax keeps the linker from shrinking code, so the .balign/.skip layout is exact.
 * Case numbers are the FAIL code. */
#include "test_macros.h"

    .option rvc
    .option norelax

/* CHECK_32BIT_AT_2MOD4(label): label is 2 mod 4 and holds a 32-bit instruction (clobbers t5,t6) */
#define CHECK_32BIT_AT_2MOD4(label)                                                           \
    la t5, label;                                                                             \
    andi t6, t5, 3;                                                                           \
    addi t6, t6, -2;                                                                          \
    bnez t6, fail;                                                                            \
    lhu t6, 0(t5);                                                                            \
    andi t6, t6, 3;                                                                           \
    addi t6, t6, -3;                                                                          \
    bnez t6, fail

TEST_NAME("rv64c")

TEST_MAIN

    /* ---------------- c.li ---------------- */
    TEST_CASE(1, a4, 0, li a4, -1; c.li a4, 0)
    TEST_CASE(2, a4, 31, c.li a4, 31)
    TEST_CASE(3, a4, -32, c.li a4, -32)
    TEST_CASE(4, a4, -1, li a4, 0; c.li a4, -1)
    TEST_CASE(5, s0, 17, c.li s0, 17)

    /* ---------------- c.lui: imm[17:12], sign-extended from bit 17 ---------------- */
    TEST_CASE(10, a4, 0x1000, li a4, -1; c.lui a4, 1)
    TEST_CASE(11, a4, 0x1f000, c.lui a4, 31)
    TEST_CASE(12, a4, 0xfffffffffffe0000, c.lui a4, 0xfffe0)        /* most negative */
    TEST_CASE(13, a4, 0xfffffffffffff000, c.lui a4, 0xfffff)        /* -1 << 12 */
    TEST_CASE(14, a4, 0xffffffffffff0000, c.lui a4, 0xffff0)
    TEST_CASE(15, a5, 0x12345, c.lui a5, 0x12; c.addi a5, 0x345 - 0x340; addi a5, a5, 0x340)

    /* ---------------- c.addi / c.addiw / c.nop ---------------- */
    TEST_CASE(20, a4, 31, li a4, 0; c.addi a4, 31)
    TEST_CASE(21, a4, -32, li a4, 0; c.addi a4, -32)
    TEST_CASE(22, a4, 0x8000000000000000, li a4, 0x7fffffffffffffff; c.addi a4, 1)
    TEST_CASE(23, a4, 0x80000000, li a4, 0x7fffffff; c.addi a4, 1)  /* 64-bit add, no sign-ext */
    TEST_CASE(24, a4, 0xffffffff80000000, li a4, 0x7fffffff; c.addiw a4, 1)
    TEST_CASE(25, a4, 0x12345678, li a4, 0x1234567812345678; c.addiw a4, 0)   /* sext.w */
    TEST_CASE(26, a4, 0xffffffff87654321, li a4, 0x1234567887654321; c.addiw a4, 0)
    TEST_CASE(27, a4, 0x7fffffe0, li a4, 0x80000000; c.addiw a4, -32)
    TEST_CASE(28, a4, -32, li a4, 0; c.addiw a4, -32)
    TEST_CASE(29, a4, 0xffffffff80000000, li a4, 0x17fffffff; c.addiw a4, 1)
    TEST_CASE(30, a4, 0x55, li a4, 0x55; c.nop; c.nop)

    /* ---------------- c.addi16sp / c.addi4spn ---------------- */
    li TESTNUM, 35
    mv s2, sp
    c.addi16sp sp, -512
    sub a4, s2, sp
    CHECK(a4, 512)
    li TESTNUM, 36
    c.addi16sp sp, 496
    sub a4, s2, sp
    CHECK(a4, 16)
    li TESTNUM, 37
    c.addi16sp sp, 16
    bne sp, s2, fail
    li TESTNUM, 38
    c.addi16sp sp, -16
    c.addi16sp sp, -64
    sub a4, s2, sp
    CHECK(a4, 80)
    c.addi16sp sp, 64
    c.addi16sp sp, 16
    bne sp, s2, fail
    TEST_CASE(39, a4, 4, c.addi4spn a0, sp, 4; sub a4, a0, sp)
    TEST_CASE(40, a4, 1020, c.addi4spn a5, sp, 1020; sub a4, a5, sp)
    TEST_CASE(41, a4, 512, c.addi4spn s0, sp, 512; sub a4, s0, sp)

    /* ---------------- shifts ---------------- */
    TEST_CASE(45, a4, 2, li a4, 0x8000000000000001; c.slli a4, 1)
    TEST_CASE(46, a4, 0x80000000, li a4, 0x8000000000000001; c.slli a4, 31)
    TEST_CASE(47, a4, 0x100000000, li a4, 0x8000000000000001; c.slli a4, 32)
    TEST_CASE(48, a4, 0x8000000000000000, li a4, 0x8000000000000001; c.slli a4, 63)
    TEST_CASE(49, a0, 0x4000000000000000, li a0, 0x8000000000000001; c.srli a0, 1)
    TEST_CASE(50, a0, 0x100000000, li a0, 0x8000000000000001; c.srli a0, 31)
    TEST_CASE(51, a0, 0x80000000, li a0, 0x8000000000000001; c.srli a0, 32)
    TEST_CASE(52, a0, 1, li a0, 0x8000000000000001; c.srli a0, 63)
    TEST_CASE(53, a5, 0xc000000000000000, li a5, 0x8000000000000001; c.srai a5, 1)
    TEST_CASE(54, a5, 0xffffffff00000000, li a5, 0x8000000000000001; c.srai a5, 31)
    TEST_CASE(55, a5, 0xffffffff80000000, li a5, 0x8000000000000001; c.srai a5, 32)
    TEST_CASE(56, a5, -1, li a5, 0x8000000000000001; c.srai a5, 63)
    TEST_CASE(57, a5, 0x1fffffff, li a5, 0x7fffffffffffffff; c.srai a5, 34)

    /* ---------------- c.andi ---------------- */
    TEST_CASE(60, a0, -32, li a0, -1; c.andi a0, -32)
    TEST_CASE(61, a0, 0x1f, li a0, -1; c.andi a0, 31)
    TEST_CASE(62, a0, 0, li a0, -1; c.andi a0, 0)
    TEST_CASE(63, s1, 0x0123456789abcdef, li s1, 0x0123456789abcdef; c.andi s1, -1)
    TEST_CASE(64, s1, 0x8000000000000000, li s1, 0x800000000000001f; c.andi s1, -32)

    /* ---------------- c.mv / c.add ---------------- */
    TEST_CASE(70, a4, 0x0123456789abcdef, li a5, 0x0123456789abcdef; c.mv a4, a5)
    TEST_CASE(71, a5, 0x0123456789abcdef, li a5, 0x0123456789abcdef; c.mv a4, a5; c.addi a4, 1)
    TEST_CASE(72, t3, 7, li a5, 7; li t3, 0; c.mv t3, a5)       /* rd outside x8-x15 */
    TEST_CASE(73, a4, 0, li a4, 5; li a5, -5; c.add a4, a5)
    TEST_CASE(74, a4, 0x8000000000000000, li a4, 0x4000000000000000; c.add a4, a4)
    TEST_CASE(75, a4, 0x100000000, li a4, 0xffffffff; li a5, 1; c.add a4, a5)

    /* ---------------- CA format: c.sub c.xor c.or c.and c.subw c.addw ---------------- */
    TEST_CASE(80, a0, -1, li a0, 0; li a1, 1; c.sub a0, a1)
    TEST_CASE(81, a0, 0x8000000000000000, li a0, 0x7fffffffffffffff; li a1, -1; c.sub a0, a1)
    TEST_CASE(82, a0, 0, li a0, 1234; c.sub a0, a0)
    TEST_CASE(83, a0, 0xfedcba9876543210, li a0, -1; li a1, 0x0123456789abcdef; c.xor a0, a1)
    TEST_CASE(84, a0, 0, li a0, 0x5a5a; c.xor a0, a0)
    TEST_CASE(85, s0, 0xff00ff00ff00ffff, li s0, 0xff00ff00ff00ff00; li s1, 0xff; c.or s0, s1)
    TEST_CASE(86, s0, 0x0f000f000f000f00, li s0, 0xff00ff00ff00ff00; li s1, 0x0f0f0f0f0f0f0f0f; c.and s0, s1)
    TEST_CASE(87, a2, 0xffffffff80000000, li a2, 0x7fffffff; li a3, -1; c.subw a2, a3)
    TEST_CASE(88, a2, 0x7fffffff, li a2, 0x80000000; li a3, 1; c.subw a2, a3)
    TEST_CASE(89, a2, 0, li a2, 0x123456789; c.subw a2, a2)
    TEST_CASE(90, a2, 0xffffffff80000000, li a2, 0x7fffffff; li a3, 1; c.addw a2, a3)
    TEST_CASE(91, a2, 0x2, li a2, 0xffffffff00000001; li a3, 0x0000000100000001; c.addw a2, a3)
    TEST_CASE(92, a5, 0xfffffffffffffffe, li a5, 0xffffffff; c.addw a5, a5)

    /* ---------------- loads and stores (rs1' = s0 / s1, x8-x15 registers) ---------------- */
    TEST_CASE(100, a0, 0xffffffff80000002, la s0, c_data; c.lw a0, 0(s0))   /* sign-extends */
    TEST_CASE(101, a0, 0x7ffffff1, c.lw a0, 4(s0))
    TEST_CASE(102, a1, 0x0123456789abcdef, c.ld a1, 8(s0))
    TEST_CASE(103, a2, 0xfffffffffedcba98, c.lw a2, 124(s0))
    TEST_CASE(104, a3, 0xa5a5a5a5c3c3c3c3, c.ld a3, 248(s0))
    TEST_CASE(105, a4, 0x1111111122222222, la s1, c_scratch; li a5, 0x1111111122222222; c.sd a5, 0(s1); ld a4, 0(s1))
    TEST_CASE(106, a4, 0x11111111fffffffe, li a5, -2; c.sw a5, 0(s1); ld a4, 0(s1))
    TEST_CASE(107, a4, 0x8000000000000000, li a5, 0x8000000000000000; c.sd a5, 248(s1); ld a4, 248(s1))
    TEST_CASE(108, a4, 0xffffffff80000000, li a5, 0x1234567880000000; c.sw a5, 124(s1); lw a4, 124(s1))
    TEST_CASE(109, a0, 0x1234567880000000, c.ld a0, 248(s1); li a1, 0x1234567880000000; c.sd a1, 248(s1); c.ld a0, 248(s1))
    /* sp-based */
    li TESTNUM, 110
    mv s2, sp
    c.addi16sp sp, -512
    li a5, 0x0102030405060708
    c.sdsp a5, 504(sp)
    ld a4, 504(sp)
    CHECK(a4, 0x0102030405060708)
    li TESTNUM, 111
    c.sdsp a5, 0(sp)
    c.ldsp a4, 0(sp)
    CHECK(a4, 0x0102030405060708)
    li TESTNUM, 112
    li a5, 0x89abcdef
    c.swsp a5, 252(sp)
    c.lwsp a4, 252(sp)
    CHECK(a4, 0xffffffff89abcdef)
    li TESTNUM, 113
    c.swsp a5, 4(sp)
    c.ldsp a4, 0(sp)
    CHECK(a4, 0x89abcdef05060708)
    li TESTNUM, 114
    c.ldsp t6, 504(sp)          /* rd outside x8-x15 */
    mv a4, t6
    CHECK(a4, 0x0102030405060708)
    /* FP loads/stores: c.fld/c.fsd (f8-f15, rs1' base), c.fldsp/c.fsdsp (any f register) */
    li TESTNUM, 115
    la s0, c_data
    c.fld fa0, 16(s0)
    fmv.x.d a4, fa0
    CHECK(a4, 0x400921fb54442d18)
    li TESTNUM, 116
    c.fld fs1, 248(s0)
    fmv.x.d a4, fs1
    CHECK(a4, 0xa5a5a5a5c3c3c3c3)
    li TESTNUM, 117
    la s1, c_scratch
    c.fsd fa0, 16(s1)
    ld a4, 16(s1)
    CHECK(a4, 0x400921fb54442d18)
    li TESTNUM, 118
    c.fsdsp fa0, 504(sp)
    c.fldsp ft11, 504(sp)
    fmv.x.d a4, ft11
    CHECK(a4, 0x400921fb54442d18)
    li TESTNUM, 119
    li a5, 0xfff0000000000001   /* a NaN pattern survives loads/stores bit-exactly */
    sd a5, 8(sp)
    c.fldsp fa7, 8(sp)
    c.fsdsp fa7, 16(sp)
    ld a4, 16(sp)
    CHECK(a4, 0xfff0000000000001)
    c.addi16sp sp, 496
    c.addi16sp sp, 16
    li TESTNUM, 120
    bne sp, s2, fail

    /* ---------------- control transfer ---------------- */
    li TESTNUM, 130             /* c.j forward */
    c.j 1f
    j fail
1:  li TESTNUM, 131             /* c.j backward */
    c.li a4, 0
    c.j 3f
2:  c.addi a4, 1
    c.j 4f
3:  c.addi a4, 2
    c.j 2b
4:  CHECK(a4, 3)
    li TESTNUM, 132             /* c.beqz taken / not taken */
    c.li a0, 0
    c.beqz a0, 1f
    j fail
1:  c.li a0, 1
    c.beqz a0, fail_near
    li a0, 0x100000000          /* non-zero only above bit 31 */
    c.beqz a0, fail_near
    li TESTNUM, 133             /* c.bnez taken / not taken */
    c.bnez a0, 1f
    j fail
1:  c.li a0, 0
    c.bnez a0, fail_near
    li a0, 0x8000000000000000
    c.bnez a0, 1f
    j fail
1:  li TESTNUM, 134             /* c.beqz/c.bnez backward loop, 1000 iterations */
    li s0, 1000
    c.li a4, 0
1:  c.addi a4, 3
    c.addi s0, -1
    c.bnez s0, 1b
    CHECK(a4, 3000)
    li TESTNUM, 135             /* c.jr */
    la a1, 1f
    c.jr a1
    j fail
1:  li TESTNUM, 136             /* c.jalr links pc + 2 */
    la a1, c_leaf
    c.li a0, 5
    c.jalr a1
c_jalr_ret:
    CHECK(a0, 6)
    la a4, c_jalr_ret
    bne ra, a4, fail
    li TESTNUM, 137             /* c.jalr with rs1 = ra: target from old ra, then ra = pc + 2 */
    la ra, 1f
    c.jalr ra
c_jalr_ret2:
    j fail
1:  la a4, c_jalr_ret2
    bne ra, a4, fail
    li TESTNUM, 138             /* c.jr to a target that is 2 mod 4 */
    la a1, c_target_2mod4
    andi a2, a1, 3
    CHECK(a2, 2)
    li a4, 0
    c.jr a1
    j fail
    .balign 4
    c.nop
c_target_2mod4:
    c.addi a4, 9
    CHECK(a4, 9)
    j 1f
fail_near:                      /* within c.beqz/c.bnez range */
    j fail
1:

    /* ---------------- c.ebreak ---------------- */
    TRAP_INSTALL(c_trap_handler)
    li TESTNUM, 140             /* cause 3 */
    li a4, 0
    li a5, -1
    .balign 4
    c.nop                       /* put the c.ebreak at 2 mod 4 */
c_ebreak_site:
    c.ebreak
    c.addi a4, 1                /* runs after the handler steps over the 2-byte c.ebreak */
    c.addi a4, 2
    CHECK(a5, CAUSE_BREAKPOINT)
    li TESTNUM, 141             /* mepc points at the c.ebreak */
    la a0, c_ebreak_site
    bne a6, a0, fail
    li TESTNUM, 142             /* length 2: execution resumed at mepc + 2 */
    CHECK(a4, 3)
    li TESTNUM, 143             /* the trapping instruction is 16-bit */
    lhu a1, 0(a6)
    CHECK(a1, 0x9002)
    li TESTNUM, 144             /* mtval: 0 or the address of the ebreak (both allowed) */
    beqz a7, 1f
    bne a7, a6, fail
1:  li TESTNUM, 145             /* contrast: 32-bit ebreak at 2 mod 4, stepped by 4 */
    li a4, 0
    li a5, -1
    .balign 4
    c.nop
c_ebreak32_site:
    .option push
    .option norvc
    ebreak
    .option pop
    c.addi a4, 1
    CHECK(a5, CAUSE_BREAKPOINT)
    CHECK(a4, 1)
    la a0, c_ebreak32_site
    bne a6, a0, fail
    CHECK_32BIT_AT_2MOD4(c_ebreak32_site)
    TRAP_RESTORE

    /* ---------------- 32-bit instructions at 2 mod 4 ---------------- */
    li TESTNUM, 150
    la s0, c_data
    li a5, 7
    .balign 4
    c.nop
c_mix_alu:
    addi a4, a5, 100            /* 32-bit (rd != rs1, imm > 31) */
    c.addi a4, 1
    c.nop
c_mix_load:
    lb a3, 3(s0)                /* 32-bit (no compressed lb) */
c_mix_lui:
    lui a2, 0x12345
    CHECK(a4, 108)
    CHECK(a3, -128)             /* byte 3 of c_data is 0x80 */
    CHECK(a2, 0x12345000)
    CHECK_32BIT_AT_2MOD4(c_mix_alu)
    CHECK_32BIT_AT_2MOD4(c_mix_load)
    CHECK_32BIT_AT_2MOD4(c_mix_lui)
    li TESTNUM, 151             /* 32-bit branch at 2 mod 4 to a target at 2 mod 4 */
    li a4, 1
    li a5, 2
    j 1f
    .balign 4
1:  c.nop
c_mix_branch:
    bne a4, a5, c_mix_branch_target
    j fail
    .balign 4
    c.nop
c_mix_branch_target:
    CHECK_32BIT_AT_2MOD4(c_mix_branch)
    CHECK_32BIT_AT_2MOD4(c_mix_branch_target)
    li TESTNUM, 152             /* jal at 2 mod 4 to a function at 2 mod 4 (returns with c.jr) */
    li a0, 10
    j 1f
    .balign 4
1:  c.nop
c_mix_jal:
    jal ra, c_leaf_2mod4
c_mix_jal_ret:
    CHECK(a0, 12)
    la a4, c_mix_jal_ret
    bne ra, a4, fail
    CHECK_32BIT_AT_2MOD4(c_mix_jal)
    li TESTNUM, 153             /* 32-bit jalr (link = pc + 4) at 2 mod 4 */
    la a1, c_leaf
    li a0, 1
    j 1f
    .balign 4
1:  c.nop
c_mix_jalr:
    jalr ra, 0(a1)
c_mix_jalr_ret:
    CHECK(a0, 2)
    la a4, c_mix_jalr_ret
    bne ra, a4, fail
    CHECK_32BIT_AT_2MOD4(c_mix_jalr)
    li TESTNUM, 154             /* loop whose body alternates 16/32-bit instructions */
    li s0, 100
    li a4, 0
    li a5, 0
    .balign 4
1:  c.addi a4, 1
    addi a5, a5, 100
    c.addi s0, -1
    bne s0, x0, 1b
    CHECK(a4, 100)
    CHECK(a5, 10000)

    /* ---------------- 32-bit instruction straddling a 4 KiB page boundary ---------------- */
    li TESTNUM, 160             /* reached sequentially from the previous page */
    c.li a4, 0
    j c_straddle_entry
    .balign 4096
    .skip 4096 - 8
c_straddle_entry:
    c.addi a4, 1                /* page end - 8 */
    c.addi a4, 2                /* page end - 6 */
    c.nop                       /* page end - 4 */
c_straddle_insn:
    addi a4, a4, 1000           /* page end - 2 .. next page + 2: one 32-bit instruction */
    c.addi a4, 4                /* next page + 2 */
    CHECK(a4, 1007)
    li TESTNUM, 161             /* placement: offset 0xffe in its page, 32-bit encoding */
    CHECK_32BIT_AT_2MOD4(c_straddle_insn)
    la a1, c_straddle_insn
    li a2, 0xfff
    and a1, a1, a2
    CHECK(a1, 0xffe)

    li TESTNUM, 162             /* entered only by a jump to the straddling instruction */
    c.li a4, 0
    j c_straddle_insn2
    .balign 4096
    .skip 4096 - 2
c_straddle_insn2:
    addi a4, a4, 500
    c.addi a4, 5
    CHECK(a4, 505)
    li TESTNUM, 163
    CHECK_32BIT_AT_2MOD4(c_straddle_insn2)
    la a1, c_straddle_insn2
    li a2, 0xfff
    and a1, a1, a2
    CHECK(a1, 0xffe)

TEST_END

/* ---------------- helpers ---------------- */
    .text
    .balign 4
c_leaf:                         /* a0 += 1, returns with c.jr */
    c.addi a0, 1
    c.jr ra
    .balign 4
    c.nop
c_leaf_2mod4:                   /* at 2 mod 4: a0 += 2 */
    c.addi a0, 2
    c.jr ra

TRAP_HANDLER(c_trap_handler)

    .data
    .balign 8
c_data:
    .dword 0x7ffffff180000002   /* byte 3 = 0x80 */
    .dword 0x0123456789abcdef
    .dword 0x400921fb54442d18   /* pi */
    .skip 124 - 24
    .word 0xfedcba98            /* offset 124 */
    .skip 248 - 128
    .dword 0xa5a5a5a5c3c3c3c3   /* offset 248 */
c_scratch:
    .skip 256
