/* rv64i_control: control transfer.
 *   - jal / jalr: link value (address of the next instruction), x0 as link register, jalr
 *     target = (rs1 + imm) with bit 0 cleared, jalr with rd == rs1 (target uses the old rs1);
 *   - every conditional branch taken and not taken, signed vs unsigned edge cases, x0 and
 *     identical-register operands, and the assembler's swapped-operand aliases;
 *   - a backward loop of 100000 iterations with a known sum;
 *   - branches, jumps and fall-through across a 4 KiB page boundary (both directions);
 *   - call chains: 32 nested distinct functions, recursion 400 deep, recursive fib(15).
 * Case numbers are the FAIL code. */
#include "test_macros.h"

    .option norvc

TEST_NAME("rv64i_control")

TEST_MAIN

    /* ---------------- jal ---------------- */
    /* 1: link register gets the address of the instruction after the jal */
    li TESTNUM, 1
    jal a4, 1f
jal_ret1:
    j fail
1:  la a5, jal_ret1
    bne a4, a5, fail

    /* 2: jal with rd = ra, backward target */
    li TESTNUM, 2
    j 2f
1:  la a5, jal_ret2
    bne ra, a5, fail
    j 3f
2:  jal ra, 1b
jal_ret2:
    j fail
3:

    /* 3: jal x0 (plain jump) leaves x0 zero */
    li TESTNUM, 3
    jal x0, 1f
    j fail
1:  bnez x0, fail

    /* 4: jal with rd == a register that is also read afterwards (link overwrites old value) */
    li TESTNUM, 4
    li a4, 12345
    jal a4, 1f
jal_ret4:
    j fail
1:  la a5, jal_ret4
    bne a4, a5, fail

    /* ---------------- jalr ---------------- */
    /* 5: jalr ra, 0(a1): target and link value */
    li TESTNUM, 5
    la a1, 1f
    jalr ra, 0(a1)
jalr_ret5:
    j fail
1:  la a5, jalr_ret5
    bne ra, a5, fail

    /* 6: bit 0 of the target is cleared: rs1 = target + 1, imm = 0 */
    li TESTNUM, 6
    la a1, 1f
    addi a1, a1, 1
    jalr a4, 0(a1)
    j fail
1:

    /* 7: bit 0 cleared when it comes from the immediate: rs1 = target, imm = 1 */
    li TESTNUM, 7
    la a1, 1f
    jalr a4, 1(a1)
    j fail
1:

    /* 8: negative immediate: rs1 = target + 9, imm = -8 -> target + 1 -> target */
    li TESTNUM, 8
    la a1, 1f
    addi a1, a1, 9
    jalr a4, -8(a1)
    j fail
1:

    /* 9: positive immediate skipping over instructions */
    li TESTNUM, 9
    la a1, 1f
    jalr a4, 12(a1)
1:  j fail
    j fail
    j fail
    nop

    /* 10: rd == rs1: the target uses the old value of a1, then a1 = link */
    li TESTNUM, 10
    la a1, 1f
    jalr a1, 0(a1)
jalr_ret10:
    j fail
1:  la a5, jalr_ret10
    bne a1, a5, fail

    /* 11: rd == rs1 == ra with an odd immediate (bit 0 cleared, link written after) */
    li TESTNUM, 11
    la ra, 1f
    addi ra, ra, -3
    jalr ra, 3(ra)
jalr_ret11:
    j fail
1:  la a5, jalr_ret11
    bne ra, a5, fail

    /* 12: jalr x0 (indirect jump) */
    li TESTNUM, 12
    la a1, 1f
    jalr x0, 0(a1)
    j fail
1:  bnez x0, fail

    /* 13: call / ret through a leaf function */
    li TESTNUM, 13
    li a0, 20
    call leaf_add22
    CHECK(a0, 42)

    /* 14: alternate link register (t0), as used by millicode */
    li TESTNUM, 14
    li a0, 1
    jal t0, leaf_t0_double
    CHECK(a0, 2)
    la a5, 1f
    jalr t0, 0(a5)              /* target == link address */
1:  la a4, 1b
    bne t0, a4, fail

    /* ---------------- conditional branches ---------------- */
    /* beq */
    TEST_BRANCH_TAKEN(20, beq, 0, 0)
    TEST_BRANCH_TAKEN(21, beq, -1, -1)
    TEST_BRANCH_TAKEN(22, beq, 0x8000000000000000, 0x8000000000000000)
    TEST_BRANCH_NOT_TAKEN(23, beq, 0, 1)
    TEST_BRANCH_NOT_TAKEN(24, beq, 1, 0)
    TEST_BRANCH_NOT_TAKEN(25, beq, -1, 0x7fffffffffffffff)
    TEST_BRANCH_NOT_TAKEN(26, beq, 0x100000000, 0)         /* differ only above bit 31 */
    TEST_BRANCH_NOT_TAKEN(27, beq, 0xffffffff, -1)
    /* bne */
    TEST_BRANCH_TAKEN(30, bne, 0, 1)
    TEST_BRANCH_TAKEN(31, bne, 1, 0)
    TEST_BRANCH_TAKEN(32, bne, 0x100000000, 0)
    TEST_BRANCH_TAKEN(33, bne, 0xffffffff, -1)
    TEST_BRANCH_TAKEN(34, bne, 0x8000000000000000, 0)
    TEST_BRANCH_NOT_TAKEN(35, bne, 0, 0)
    TEST_BRANCH_NOT_TAKEN(36, bne, -1, -1)
    TEST_BRANCH_NOT_TAKEN(37, bne, 0x8000000000000000, 0x8000000000000000)
    /* blt (signed) */
    TEST_BRANCH_TAKEN(40, blt, 0, 1)
    TEST_BRANCH_TAKEN(41, blt, -1, 0)
    TEST_BRANCH_TAKEN(42, blt, -2, -1)
    TEST_BRANCH_TAKEN(43, blt, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BRANCH_TAKEN(44, blt, 0x8000000000000000, -1)
    TEST_BRANCH_TAKEN(45, blt, 0x7fffffff, 0x80000000)     /* positive 64-bit values */
    TEST_BRANCH_NOT_TAKEN(46, blt, 1, 0)
    TEST_BRANCH_NOT_TAKEN(47, blt, 0, -1)
    TEST_BRANCH_NOT_TAKEN(48, blt, 0, 0)
    TEST_BRANCH_NOT_TAKEN(49, blt, -1, -1)
    TEST_BRANCH_NOT_TAKEN(50, blt, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BRANCH_NOT_TAKEN(51, blt, -1, 0x8000000000000000)
    /* bge (signed) */
    TEST_BRANCH_TAKEN(60, bge, 0, 0)
    TEST_BRANCH_TAKEN(61, bge, 1, 0)
    TEST_BRANCH_TAKEN(62, bge, 0, -1)
    TEST_BRANCH_TAKEN(63, bge, -1, -1)
    TEST_BRANCH_TAKEN(64, bge, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BRANCH_TAKEN(65, bge, -1, 0x8000000000000000)
    TEST_BRANCH_NOT_TAKEN(66, bge, 0, 1)
    TEST_BRANCH_NOT_TAKEN(67, bge, -1, 0)
    TEST_BRANCH_NOT_TAKEN(68, bge, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BRANCH_NOT_TAKEN(69, bge, -2, -1)
    /* bltu (unsigned) */
    TEST_BRANCH_TAKEN(70, bltu, 0, 1)
    TEST_BRANCH_TAKEN(71, bltu, 0, -1)
    TEST_BRANCH_TAKEN(72, bltu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BRANCH_TAKEN(73, bltu, -2, -1)
    TEST_BRANCH_TAKEN(74, bltu, 0xffffffff, 0x100000000)
    TEST_BRANCH_NOT_TAKEN(75, bltu, 1, 0)
    TEST_BRANCH_NOT_TAKEN(76, bltu, -1, 0)                /* -1 is the largest unsigned value */
    TEST_BRANCH_NOT_TAKEN(77, bltu, 0, 0)
    TEST_BRANCH_NOT_TAKEN(78, bltu, -1, -1)
    TEST_BRANCH_NOT_TAKEN(79, bltu, 0x8000000000000000, 0x7fffffffffffffff)
    /* bgeu (unsigned) */
    TEST_BRANCH_TAKEN(80, bgeu, 0, 0)
    TEST_BRANCH_TAKEN(81, bgeu, 1, 0)
    TEST_BRANCH_TAKEN(82, bgeu, -1, 0)
    TEST_BRANCH_TAKEN(83, bgeu, -1, -1)
    TEST_BRANCH_TAKEN(84, bgeu, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_BRANCH_TAKEN(85, bgeu, 0x100000000, 0xffffffff)
    TEST_BRANCH_NOT_TAKEN(86, bgeu, 0, 1)
    TEST_BRANCH_NOT_TAKEN(87, bgeu, 0, -1)
    TEST_BRANCH_NOT_TAKEN(88, bgeu, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_BRANCH_NOT_TAKEN(89, bgeu, -2, -1)
    /* assembler aliases (operands swapped in the encoding) */
    TEST_BRANCH_TAKEN(90, bgt, 1, 0)
    TEST_BRANCH_NOT_TAKEN(91, bgt, -1, 0)
    TEST_BRANCH_TAKEN(92, ble, -1, 0)
    TEST_BRANCH_TAKEN(93, ble, 0, 0)
    TEST_BRANCH_TAKEN(94, bgtu, -1, 0)
    TEST_BRANCH_NOT_TAKEN(95, bgtu, 0, -1)
    TEST_BRANCH_TAKEN(96, bleu, 0, -1)
    TEST_BRANCH_NOT_TAKEN(97, bleu, -1, 0)

    /* x0 operands and identical registers */
    li TESTNUM, 100
    beq x0, x0, 1f
    j fail
1:  bne x0, x0, fail
    blt x0, x0, fail
    bltu x0, x0, fail
    bge x0, x0, 1f
    j fail
1:  bgeu x0, x0, 1f
    j fail
1:
    li TESTNUM, 101
    li a1, -1
    blt a1, x0, 1f              /* -1 < 0 signed */
    j fail
1:  bltu a1, x0, fail           /* 0xfff..f < 0 unsigned: false */
    bltu x0, a1, 1f
    j fail
1:  blt a1, a1, fail
    bltu a1, a1, fail
    bne a1, a1, fail
    bge a1, a1, 1f
    j fail
1:  bgeu a1, a1, 1f
    j fail
1:  beq a1, a1, 1f
    j fail
1:
    li TESTNUM, 102             /* beqz / bnez / bltz / bgez / blez / bgtz */
    li a1, 0x8000000000000000
    beqz a1, fail
    bnez a1, 1f
    j fail
1:  bgez a1, fail
    bgtz a1, fail
    bltz a1, 1f
    j fail
1:  blez a1, 1f
    j fail
1:  li a1, 0
    bnez a1, fail
    bltz a1, fail
    bgtz a1, fail
    blez a1, 1f
    j fail
1:  bgez a1, 1f
    j fail
1:

    /* 103: a taken branch skips exactly the instructions in between (side effects) */
    li TESTNUM, 103
    li a4, 0
    li a1, 5
    li a2, 5
    beq a1, a2, 1f
    addi a4, a4, 1
    addi a4, a4, 2
1:  addi a4, a4, 4
    bne a1, a2, 2f
    addi a4, a4, 8
2:  CHECK(a4, 12)

    /* ---------------- backward loops ---------------- */
    /* 110: sum of 1..100000 with a bnez loop = 5000050000 */
    li TESTNUM, 110
    li a1, 100000
    li a4, 0
1:  add a4, a4, a1
    addi a1, a1, -1
    bnez a1, 1b
    CHECK(a4, 5000050000)

    /* 111: counting-up loop with bltu and a nested inner loop: sum over i<300, j<300 of (i^j) */
    li TESTNUM, 111
    li a1, 0                    /* i */
    li a4, 0
    li a3, 300
1:  li a2, 0                    /* j */
2:  xor a5, a1, a2
    add a4, a4, a5
    addi a2, a2, 1
    bltu a2, a3, 2b
    addi a1, a1, 1
    bltu a1, a3, 1b
    CHECK(a4, 17048664)

    /* 112: loop closed by blt on a negative counter running up to 0 */
    li TESTNUM, 112
    li a1, -1000
    li a4, 0
1:  addi a4, a4, 3
    addi a1, a1, 1
    blt a1, x0, 1b
    CHECK(a4, 3000)

    /* ---------------- 4 KiB page boundary ---------------- */
    /* 120: forward branch across the boundary, backward branch back, sequential fall-through
     * from the last word of one page to the first word of the next. Layout (B = boundary):
     *   B-16 addi; B-12 beq -> B+8; B-8 j fail; B-4 addi (back target); B+0 j done;
     *   B+4 j fail; B+8 addi; B+12 bne -> B-4; B+16 j fail */
    li TESTNUM, 120
    li a4, 0
    j page_cross_start
    .balign 4096
    .skip 4096 - 16
page_cross_start:
    addi a4, a4, 1
    beq x0, x0, page_cross_fwd
    j fail
page_cross_back:
    addi a4, a4, 4
page_cross_next:                /* first instruction of the next page */
    j page_cross_done
    j fail
page_cross_fwd:
    addi a4, a4, 2
    bne a4, x0, page_cross_back
    j fail
page_cross_done:
    CHECK(a4, 7)
    /* 121: the layout really straddles a page boundary */
    li TESTNUM, 121
    la a1, page_cross_next
    li a2, 0xfff
    and a1, a1, a2
    bnez a1, fail
    /* 122: call (auipc + jalr) to a function on another page and return across pages */
    li TESTNUM, 122
    li a0, 1
    call leaf_add22
    CHECK(a0, 23)

    /* 123: a loop whose body spans the boundary */
    li TESTNUM, 123
    li a1, 50
    li a4, 0
    j page_loop_start
    .balign 4096
    .skip 4096 - 8
page_loop_start:
    addi a4, a4, 1
    addi a4, a4, 1
page_loop_second_page:
    addi a1, a1, -1
    bnez a1, page_loop_start
    CHECK(a4, 100)
    la a1, page_loop_second_page
    li a2, 0xfff
    and a1, a1, a2
    bnez a1, fail

    /* ---------------- call chains ---------------- */
    /* 130: 32 nested calls chain_0 -> chain_1 -> ... -> chain_31, each adds its index + 1 on the
     * way back: 1 + 2 + ... + 32 = 528 */
    li TESTNUM, 130
    li a0, 0
    call chain_0
    CHECK(a0, 528)

    /* 131: recursion 400 deep (sum 1..400 = 80200), each frame saving ra on the stack */
    li TESTNUM, 131
    li a0, 400
    call rec_sum
    CHECK(a0, 80200)

    /* 132: doubly recursive fib(15) = 610 (1973 calls) */
    li TESTNUM, 132
    li a0, 15
    call fib
    CHECK(a0, 610)

    /* 133: sp is back where it was */
    li TESTNUM, 133
    la a1, test_saved_sp
    ld a1, 0(a1)
    bne a1, sp, fail

TEST_END

/* ---------------- helper functions ---------------- */
    .text
    .balign 4
leaf_add22:
    addi a0, a0, 22
    ret

leaf_t0_double:
    add a0, a0, a0
    jr t0

/* chain_k: save ra, call chain_{k+1} (chain_31 is the leaf), add k + 1, return */
    .altmacro
    .macro CHAIN k, next
chain_\k:
    addi sp, sp, -16
    sd ra, 8(sp)
    .if \k < 31
    call chain_\next
    .endif
    addi a0, a0, \k + 1
    ld ra, 8(sp)
    addi sp, sp, 16
    ret
    .endm
    .set chain_i, 0
    .rept 32
    CHAIN %chain_i, %(chain_i + 1)
    .set chain_i, chain_i + 1
    .endr
    .noaltmacro

/* rec_sum(n) = n + rec_sum(n - 1), rec_sum(0) = 0 */
rec_sum:
    beqz a0, 1f
    addi sp, sp, -16
    sd ra, 8(sp)
    sd a0, 0(sp)
    addi a0, a0, -1
    call rec_sum
    ld a1, 0(sp)
    add a0, a0, a1
    ld ra, 8(sp)
    addi sp, sp, 16
1:  ret

/* fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2) */
fib:
    li a1, 2
    blt a0, a1, 1f
    addi sp, sp, -32
    sd ra, 24(sp)
    sd s0, 16(sp)
    sd s1, 8(sp)
    mv s0, a0
    addi a0, s0, -1
    call fib
    mv s1, a0
    addi a0, s0, -2
    call fib
    add a0, a0, s1
    ld s1, 8(sp)
    ld s0, 16(sp)
    ld ra, 24(sp)
    addi sp, sp, 32
1:  ret
