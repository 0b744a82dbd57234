/* priv_traps: synchronous exceptions (cause / epc / tval), trap delegation to S-mode, xRET
 * semantics, the mstatus trap controls TSR / TW / TVM, CSR privilege checks and vectored mtvec.
 * Framework and register conventions: priv_common.h (gp = case, t6 = trap expectation,
 * t2..t5 = trap record). Case numbers are the FAIL code.
 *
 * Physical addresses 0x0..0xff are unmapped on the virt board: fetches, loads and stores there
 * raise access faults. Page faults use a one-gigapage Sv39 identity map of RAM. */
#include "priv_common.h"

#define UNMAPPED_PA   0x40            /* no device there */
#define VA_UNMAPPED   0x40000000      /* Sv39: root entry 1 is invalid */
#define VA_HIGH_UNMAPPED 0xffffffffc0000000  /* canonical, root entry 511 invalid */

#define INSN_UNIMP    0xc0001073      /* csrrw x0, cycle, x0: write to a read-only CSR */
#define INSN_LOAD_F7  0x00007003      /* LOAD with funct3 = 7: reserved on RV64 */
#define INSN_C_LDSP0  0x6002          /* c.ldsp x0, 0(sp): reserved (rd = 0) */
#define INSN_EBREAK   0x00100073
#define INSN_C_EBREAK 0x9002
#define INSN_MRET     0x30200073
#define INSN_SRET     0x10200073
#define INSN_WFI      0x10500073
#define INSN_SFENCE   0x12000073      /* sfence.vma x0, x0 */

/* tval of an illegal-instruction trap: 0 or the bits of the last TRY's instruction
 * (16 bits, zero-extended, for a compressed one). Build with -DPRIV_STRICT_TVAL to require the
 * bits (what QEMU 7.2 writes). Clobbers t0, t1. */
.macro CHECK_TVAL_INSN
#ifndef PRIV_STRICT_TVAL
    beqz t5, 9992f
#endif
    la t1, 8880b
    lhu t0, 0(t1)
    andi t1, t0, 3
    addi t1, t1, -3
    bnez t1, 9993f              /* compressed: 16 bits */
    la t1, 8880b
    lwu t0, 0(t1)
9993:
    FAIL_IF_NE t5, t0
9992:
.endm

/* tval of a breakpoint: 0 or the address of the ebreak (the spec allows both; QEMU 7.2
 * writes 0). */
.macro CHECK_TVAL_BREAKPOINT
    beqz t5, 9992f
    la t0, 8880b
    FAIL_IF_NE t5, t0
9992:
.endm

/* The current privilege mode is p. Probes with CSR accesses: illegal-instruction traps must not
 * be delegated. */
.macro CHECK_PRIV p
.if \p == PRV_M
    csrr t0, mstatus
.elseif \p == PRV_S
    csrr t0, sstatus
    TRY csrr t0, mstatus
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_MPP PRV_S
.else
    TRY csrr t0, sstatus
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_MPP PRV_U
.endif
.endm

/* After an xRET to a mode below M (probed with CHECK_PRIV, mstatus in t2): MPRV = 0. */
.macro CHECK_MPRV_CLEARED
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: xRET to S/U leaves mstatus.MPRV set (priv 1.12 clears it) */
.else
    CHECK_FIELD t2, MSTATUS_MPRV, 0
.endif
.endm

/* One entry of the vectored trap table: record the vector number in sscratch (the M handler
 * uses mscratch), then run the common handler. */
.macro VEC_STUB n
vec_stub_\n:
    csrwi sscratch, \n
    j priv_m_handler
.endm

PRIV_TEST_NAME "priv_traps"

    .text
    .globl main
main:
    INSTALL_HANDLERS
    PMP_ALLOW_ALL
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    csrw satp, zero
    li gp, 0

    /* ================================================================================ */
    /* Exceptions taken from M-mode                                                       */
    /* ================================================================================ */

    /* 1-2: instruction access fault: jump to an unmapped physical address */
    TEST_CASE 1
    EXPECT_TRAP 1f
    li t1, 0
    jr t1
1:  CHECK_M_TRAP CAUSE_FETCH_ACCESS
    CHECK_EQ t4, 0
    CHECK_TVAL 0
    CHECK_MPP PRV_M

    TEST_CASE 2
    EXPECT_TRAP 1f
    li t1, UNMAPPED_PA
    jalr t1
1:  CHECK_M_TRAP CAUSE_FETCH_ACCESS
    CHECK_EQ t4, UNMAPPED_PA
    CHECK_TVAL UNMAPPED_PA

    /* 3-6: illegal instruction, 32-bit and compressed: mtval = 0 or the instruction bits */
    TEST_CASE 3
    TRY .4byte INSN_UNIMP
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN

    TEST_CASE 4
    TRY .4byte INSN_LOAD_F7
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN

    TEST_CASE 5
    TRY .2byte INSN_C_LDSP0
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN

    TEST_CASE 6
    TRY .2byte 0x0000           /* the all-zero parcel is defined illegal */
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL 0

    /* 7-8: breakpoint: ebreak and c.ebreak; mepc = the instruction, mtval = 0 or its address */
    TEST_CASE 7
    TRY .4byte INSN_EBREAK
    CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_EPC_TRY
    CHECK_TVAL_BREAKPOINT

    TEST_CASE 8
    TRY .2byte INSN_C_EBREAK
    CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_EPC_TRY
    CHECK_TVAL_BREAKPOINT

    /* 9-10: load access fault at an unmapped physical address; mtval = the address */
    TEST_CASE 9
    li a0, 0x80
    TRY ld a1, 0(a0)
    CHECK_M_TRAP CAUSE_LOAD_ACCESS
    CHECK_EPC_TRY
    CHECK_TVAL 0x80

    TEST_CASE 10
    li a0, 0x80
    TRY lbu a1, 1(a0)
    CHECK_M_TRAP CAUSE_LOAD_ACCESS
    CHECK_EPC_TRY
    CHECK_TVAL 0x81

    /* 11-12: store access fault */
    TEST_CASE 11
    li a0, 0xc0
    TRY sd a1, 0(a0)
    CHECK_M_TRAP CAUSE_STORE_ACCESS
    CHECK_EPC_TRY
    CHECK_TVAL 0xc0

    TEST_CASE 12
    li a0, 0xc0
    TRY sb a1, 3(a0)
    CHECK_M_TRAP CAUSE_STORE_ACCESS
    CHECK_EPC_TRY
    CHECK_TVAL 0xc3

    /* 13: an AMO to an unmapped address raises a store/AMO access fault */
    TEST_CASE 13
    li a0, 0x88
    TRY amoadd.d a1, a1, (a0)
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: reports a load access fault (5) for the AMO */
    li t0, CAUSE_LOAD_ACCESS
    bne t3, t0, 1f
    li t3, CAUSE_STORE_ACCESS
1:
.endif
    CHECK_M_TRAP CAUSE_STORE_ACCESS
    CHECK_EPC_TRY
    CHECK_TVAL 0x88

    /* 14: LR is a load: load access fault */
    TEST_CASE 14
    li a0, 0x90
    TRY lr.d a1, (a0)
    CHECK_M_TRAP CAUSE_LOAD_ACCESS
    CHECK_EPC_TRY
    CHECK_TVAL 0x90

    /* 15: ecall from M: cause 11, mepc = the ecall, mtval = 0 */
    TEST_CASE 15
    li a7, 0
    TRY ecall
    CHECK_M_TRAP CAUSE_ECALL_M
    CHECK_EPC_TRY
    CHECK_TVAL 0
    CHECK_MPP PRV_M

    /* 16-17: misaligned plain load / store: either performed (correct bytes) or trapped with a
     * misaligned or access fault and mtval = the address; both are allowed */
    TEST_CASE 16
    la a0, mis_buf
    addi a1, a0, 1
    TRY ld a2, 0(a1)
    li t0, 1
    bne t6, t0, 2f
    li t0, CAUSE_LOAD_MISALIGNED
    beq t3, t0, 1f
    CHECK_EQ t3, CAUSE_LOAD_ACCESS
1:  CHECK_EPC_TRY
    FAIL_IF_NE t5, a1
    j 3f
2:  CHECK_EQ a2, 0x0807060504030201
3:  EXPECT_NO_TRAP

    TEST_CASE 17
    la a0, mis_buf
    addi a1, a0, 3
    li a2, 0x1122334455667788
    TRY sd a2, 0(a1)
    li t0, 1
    bne t6, t0, 2f
    li t0, CAUSE_STORE_MISALIGNED
    beq t3, t0, 1f
    CHECK_EQ t3, CAUSE_STORE_ACCESS
1:  CHECK_EPC_TRY
    FAIL_IF_NE t5, a1
    j 3f
2:  ld a3, 0(a0)
    CHECK_EQ a3, 0x4455667788020100
    ld a3, 8(a0)
    CHECK_EQ a3, 0x0f0e0d0c0b112233
3:  EXPECT_NO_TRAP

    /* 18-19: misaligned AMO / LR never complete: address-misaligned or access fault */
    TEST_CASE 18
    la a0, mis_buf
    addi a1, a0, 2
    TRY amoadd.w a2, a2, (a1)
    li t0, 1
    FAIL_IF_NE t6, t0
    li t0, CAUSE_STORE_MISALIGNED
    beq t3, t0, 1f
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: reports a load address-misaligned exception (4) for the AMO */
    li t0, CAUSE_LOAD_MISALIGNED
    beq t3, t0, 1f
.endif
    CHECK_EQ t3, CAUSE_STORE_ACCESS
1:  CHECK_EPC_TRY
    FAIL_IF_NE t5, a1
    EXPECT_NO_TRAP

    TEST_CASE 19
    la a0, mis_buf
    addi a1, a0, 4
    TRY lr.d a2, (a1)
    li t0, 1
    FAIL_IF_NE t6, t0
    li t0, CAUSE_LOAD_MISALIGNED
    beq t3, t0, 1f
    CHECK_EQ t3, CAUSE_LOAD_ACCESS
1:  CHECK_EPC_TRY
    FAIL_IF_NE t5, a1
    EXPECT_NO_TRAP

    /* ================================================================================ */
    /* Exceptions taken from S- and U-mode into M-mode (nothing delegated)                */
    /* ================================================================================ */

    /* 20: ecall from S: cause 9, MPP = S */
    TEST_CASE 20
    SET_PRIV PRV_S
    li a7, 0
    TRY ecall
    CHECK_M_TRAP CAUSE_ECALL_S
    CHECK_EPC_TRY
    CHECK_TVAL 0
    CHECK_MPP PRV_S

    /* 21: illegal instruction in S */
    TEST_CASE 21
    TRY .4byte INSN_UNIMP
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_MPP PRV_S

    /* 22: load access fault in S */
    TEST_CASE 22
    li a0, 0x80
    TRY lw a1, 4(a0)
    CHECK_M_TRAP CAUSE_LOAD_ACCESS
    CHECK_TVAL 0x84
    CHECK_MPP PRV_S

    /* 23: ecall from U: cause 8, MPP = U */
    TEST_CASE 23
    SET_PRIV PRV_U
    li a7, 0
    TRY ecall
    CHECK_M_TRAP CAUSE_ECALL_U
    CHECK_EPC_TRY
    CHECK_TVAL 0
    CHECK_MPP PRV_U

    /* 24: c.ebreak in U */
    TEST_CASE 24
    TRY .2byte INSN_C_EBREAK
    CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_EPC_TRY
    CHECK_TVAL_BREAKPOINT
    CHECK_MPP PRV_U

    /* 25: instruction access fault in U */
    TEST_CASE 25
    EXPECT_TRAP 1f
    li t1, UNMAPPED_PA
    jr t1
1:  CHECK_M_TRAP CAUSE_FETCH_ACCESS
    CHECK_EQ t4, UNMAPPED_PA
    CHECK_TVAL UNMAPPED_PA
    CHECK_MPP PRV_U

    /* 26: store access fault in U */
    TEST_CASE 26
    li a0, 0xc0
    TRY sh a1, 6(a0)
    CHECK_M_TRAP CAUSE_STORE_ACCESS
    CHECK_TVAL 0xc6
    CHECK_MPP PRV_U
    SET_PRIV PRV_M

    /* ================================================================================ */
    /* MRET / SRET                                                                        */
    /* ================================================================================ */

    /* 27: mret M->M: MIE = MPIE (1), MPIE = 1, MPP = U (least-privileged mode) */
    TEST_CASE 27
    li t0, MSTATUS_MIE | MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPIE | (PRV_M << MSTATUS_MPP_SHIFT)
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    csrci mstatus, MSTATUS_MIE
    CHECK_FIELD a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MIE | MSTATUS_MPIE
    CHECK_PRIV PRV_M

    /* 28: mret M->M with MPIE = 0, MIE = 1: MIE = 0, MPIE = 1 */
    TEST_CASE 28
    li t0, MSTATUS_MPIE | MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MIE | (PRV_M << MSTATUS_MPP_SHIFT)
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP, MSTATUS_MPIE

    /* 29: mret to S: lands in S, MIE restored from MPIE (seen as MPIE at the next trap),
     * MPRV cleared because the new mode is not M */
    TEST_CASE 29
    li t0, MSTATUS_MPP | MSTATUS_MIE
    csrc mstatus, t0
    li t0, MSTATUS_MPIE | MSTATUS_MPRV | (PRV_S << MSTATUS_MPP_SHIFT)
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  CHECK_PRIV PRV_S
    CHECK_MPRV_CLEARED
    CHECK_FIELD t2, MSTATUS_MPIE, MSTATUS_MPIE
    SET_PRIV PRV_M
    csrci mstatus, MSTATUS_MIE
    li t0, MSTATUS_MPRV
    csrc mstatus, t0

    /* 30: mret to U */
    TEST_CASE 30
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrc mstatus, t0
    li t0, MSTATUS_MPRV | (PRV_U << MSTATUS_MPP_SHIFT)
    csrs mstatus, t0
    la t0, 1f
    csrw mepc, t0
    mret
1:  CHECK_PRIV PRV_U
    CHECK_MPRV_CLEARED
    CHECK_FIELD t2, MSTATUS_MPIE, 0
    SET_PRIV PRV_M
    li t0, MSTATUS_MPRV
    csrc mstatus, t0

    /* 31: sret S->S: SIE = SPIE (1), SPIE = 1, SPP = U */
    TEST_CASE 31
    SET_PRIV PRV_S
    li t0, MSTATUS_SIE
    csrc sstatus, t0
    li t0, MSTATUS_SPIE | MSTATUS_SPP
    csrs sstatus, t0
    la t0, 1f
    csrw sepc, t0
    sret
1:  csrr a0, sstatus
    csrci sstatus, MSTATUS_SIE
    CHECK_FIELD a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, MSTATUS_SIE | MSTATUS_SPIE
    CHECK_PRIV PRV_S

    /* 32: sret S->S with SPIE = 0, SIE = 1: SIE = 0, SPIE = 1 */
    TEST_CASE 32
    li t0, MSTATUS_SPIE
    csrc sstatus, t0
    li t0, MSTATUS_SIE | MSTATUS_SPP
    csrs sstatus, t0
    la t0, 1f
    csrw sepc, t0
    sret
1:  csrr a0, sstatus
    CHECK_FIELD a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP, MSTATUS_SPIE

    /* 33: sret S->U */
    TEST_CASE 33
    li t0, MSTATUS_SPP
    csrc sstatus, t0
    la t0, 1f
    csrw sepc, t0
    sret
1:  CHECK_PRIV PRV_U
    SET_PRIV PRV_M

    /* 34: sret executed in M (TSR = 0) returns to S (SPP = 1) and clears MPRV */
    TEST_CASE 34
    li t0, MSTATUS_SPP | MSTATUS_MPRV
    csrs mstatus, t0
    la t0, 1f
    csrw sepc, t0
    sret
1:  CHECK_PRIV PRV_S
    CHECK_MPRV_CLEARED
    CHECK_FIELD t2, MSTATUS_SPP, 0
    SET_PRIV PRV_M
    li t0, MSTATUS_MPRV
    csrc mstatus, t0

    /* 35-37: mret in S and U, sret in U are illegal */
    TEST_CASE 35
    SET_PRIV PRV_S
    TRY mret
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_MPP PRV_S

    TEST_CASE 36
    SET_PRIV PRV_U
    TRY mret
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_MPP PRV_U

    TEST_CASE 37
    TRY sret
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_MPP PRV_U
    SET_PRIV PRV_M

    /* ================================================================================ */
    /* mstatus.TSR / TW / TVM                                                             */
    /* ================================================================================ */

    /* 38: TSR = 1: sret in S is illegal */
    TEST_CASE 38
    li t0, MSTATUS_TSR
    csrs mstatus, t0
    SET_PRIV PRV_S
    la t0, 1f
    csrw sepc, t0
    TRY sret
1:  CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_MPP PRV_S
    SET_PRIV PRV_M

    /* 39: TSR = 1 does not affect sret in M */
    TEST_CASE 39
    li t0, MSTATUS_SPP
    csrs mstatus, t0
    la t0, 1f
    csrw sepc, t0
    sret
1:  CHECK_PRIV PRV_S
    SET_PRIV PRV_M
    li t0, MSTATUS_TSR
    csrc mstatus, t0

    /* 40-41: TW = 1: wfi in S and in U is illegal */
    TEST_CASE 40
    li t0, MSTATUS_TW
    csrs mstatus, t0
    SET_PRIV PRV_S
    TRY wfi
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_MPP PRV_S

    TEST_CASE 41
    SET_PRIV PRV_U
    TRY wfi
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_MPP PRV_U
    SET_PRIV PRV_M
    li t0, MSTATUS_TW
    csrc mstatus, t0

    /* 42: TW = 0: wfi in S completes, without a trap, once an interrupt is pending and enabled
     * in sie, even with sstatus.SIE = 0 (SSI delegated to S, raised by M through mip.SSIP) */
    TEST_CASE 42
    csrci mstatus, MSTATUS_SIE
    li t0, MIP_SSIP
    csrw mideleg, t0
    csrs mie, t0
    csrs mip, t0
    SET_PRIV PRV_S
    wfi
    SET_PRIV PRV_M
    li t0, MIP_SSIP
    csrc mip, t0
    csrc mie, t0
    csrw mideleg, zero

    /* 43: TW = 0: wfi in U is illegal unless it completes in bounded time (both allowed) */
    TEST_CASE 43
    SET_PRIV PRV_U
    TRY wfi
    li t0, 1
    bne t6, t0, 1f
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_MPP PRV_U
1:  EXPECT_NO_TRAP
    SET_PRIV PRV_M

    /* 44-46: TVM = 1: satp read / write and sfence.vma in S are illegal */
    TEST_CASE 44
    li t0, MSTATUS_TVM
    csrs mstatus, t0
    SET_PRIV PRV_S
    TRY csrr a0, satp
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_MPP PRV_S

    TEST_CASE 45
    TRY csrw satp, zero
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN

    TEST_CASE 46
    TRY sfence.vma
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN

    /* 47: TVM = 1 does not affect M */
    TEST_CASE 47
    SET_PRIV PRV_M
    csrr a0, satp
    csrw satp, zero
    sfence.vma
    li t0, MSTATUS_TVM
    csrc mstatus, t0

    /* 48: TVM = 0: S may access satp and execute sfence.vma */
    TEST_CASE 48
    SET_PRIV PRV_S
    csrr a0, satp
    csrw satp, zero
    sfence.vma
    SET_PRIV PRV_M

    /* ================================================================================ */
    /* CSR privilege and read-only checks                                                 */
    /* ================================================================================ */

    /* 49-50: S-mode access to M-mode CSRs is illegal */
    TEST_CASE 49
    SET_PRIV PRV_S
    TRY csrr a0, mstatus
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN

    TEST_CASE 50
    TRY csrr a0, mhartid
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN

    TEST_CASE 51
    TRY csrw mscratch, a0
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN

    /* 52-53: U-mode access to S- and M-mode CSRs is illegal */
    TEST_CASE 52
    SET_PRIV PRV_U
    TRY csrr a0, sstatus
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN
    CHECK_MPP PRV_U

    TEST_CASE 53
    TRY csrr a0, sscratch
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN

    TEST_CASE 54
    TRY csrr a0, mhartid
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN
    SET_PRIV PRV_M

    /* 55-58: writing a read-only CSR is illegal even in M; reading it is fine */
    TEST_CASE 55
    TRY csrw mhartid, zero
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN

    TEST_CASE 56
    li a1, 1
    TRY csrrs a0, mvendorid, a1
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN

    TEST_CASE 57
    TRY csrrwi a0, cycle, 0
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN

    TEST_CASE 58
    csrr a0, mhartid            /* csrrs a0, mhartid, x0: no write, no trap */
    csrrc a0, mimpid, x0
    csrrsi a0, marchid, 0
    CHECK_EQ t6, 0

    /* 59: a CSR number that does not exist (0x8ff, custom unprivileged) is illegal */
    TEST_CASE 59
    TRY csrr a0, 0x8ff
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_TVAL_INSN

    /* ================================================================================ */
    /* Delegation to S-mode (medeleg)                                                     */
    /* ================================================================================ */

    /* 60: delegated illegal instruction from S: S handler, scause/sepc/stval, SPP = S,
     * SPIE = old SIE (1), SIE = 0; after the handler's sret SIE = 1 again */
    TEST_CASE 60
    li t0, 1 << CAUSE_ILLEGAL
    csrw medeleg, t0
    SET_PRIV PRV_S
    csrsi sstatus, MSTATUS_SIE
    TRY .4byte INSN_UNIMP
    csrr a0, sstatus
    csrci sstatus, MSTATUS_SIE
    CHECK_S_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_FIELD t2, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE
    CHECK_FIELD a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE | MSTATUS_SIE

    /* 61: delegated compressed illegal instruction from S, SIE = 0: SPIE = 0 */
    TEST_CASE 61
    TRY .2byte INSN_C_LDSP0
    CHECK_S_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_TVAL_INSN
    CHECK_FIELD t2, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP

    /* 62: delegated illegal instruction from U: SPP = U */
    TEST_CASE 62
    SET_PRIV PRV_U
    TRY .4byte INSN_UNIMP
    CHECK_S_TRAP CAUSE_ILLEGAL
    CHECK_EPC_TRY
    CHECK_FIELD t2, MSTATUS_SPP, 0
    SET_PRIV PRV_M

    /* 63: a trap taken in M-mode is never delegated */
    TEST_CASE 63
    TRY .4byte INSN_UNIMP
    CHECK_M_TRAP CAUSE_ILLEGAL
    CHECK_MPP PRV_M

    /* 64: delegated ecall from U (cause 8) */
    TEST_CASE 64
    li t0, 1 << CAUSE_ECALL_U
    csrw medeleg, t0
    SET_PRIV PRV_U
    li a7, 0
    TRY ecall
    CHECK_S_TRAP CAUSE_ECALL_U
    CHECK_EPC_TRY
    CHECK_TVAL 0
    CHECK_FIELD t2, MSTATUS_SPP, 0
    SET_PRIV_EBREAK PRV_M

    /* 65: delegated ecall from S (cause 9) */
    TEST_CASE 65
    li t0, 1 << CAUSE_ECALL_S
    csrw medeleg, t0
    SET_PRIV_EBREAK PRV_S
    li a7, 0
    TRY ecall
    CHECK_S_TRAP CAUSE_ECALL_S
    CHECK_EPC_TRY
    CHECK_TVAL 0
    CHECK_FIELD t2, MSTATUS_SPP, MSTATUS_SPP
    SET_PRIV_EBREAK PRV_M

    /* 66: delegated breakpoint from U */
    TEST_CASE 66
    li t0, 1 << CAUSE_BREAKPOINT
    csrw medeleg, t0
    SET_PRIV PRV_U
    TRY .2byte INSN_C_EBREAK
    CHECK_S_TRAP CAUSE_BREAKPOINT
    CHECK_EPC_TRY
    CHECK_TVAL_BREAKPOINT
    SET_PRIV PRV_M

    /* 67-68: delegated load access fault from S, instruction access fault from U */
    TEST_CASE 67
    li t0, (1 << CAUSE_LOAD_ACCESS) | (1 << CAUSE_FETCH_ACCESS) | (1 << CAUSE_STORE_ACCESS)
    csrw medeleg, t0
    SET_PRIV PRV_S
    li a0, 0x80
    TRY ld a1, 8(a0)
    CHECK_S_TRAP CAUSE_LOAD_ACCESS
    CHECK_EPC_TRY
    CHECK_TVAL 0x88

    TEST_CASE 68
    SET_PRIV PRV_U
    EXPECT_TRAP 1f
    li t1, UNMAPPED_PA
    jr t1
1:  CHECK_S_TRAP CAUSE_FETCH_ACCESS
    CHECK_EQ t4, UNMAPPED_PA
    CHECK_TVAL UNMAPPED_PA
    CHECK_FIELD t2, MSTATUS_SPP, 0

    /* 69: delegated store access fault from U */
    TEST_CASE 69
    li a0, 0xc0
    TRY sw a1, 4(a0)
    CHECK_S_TRAP CAUSE_STORE_ACCESS
    CHECK_TVAL 0xc4
    SET_PRIV PRV_M
    csrw medeleg, zero

    /* ================================================================================ */
    /* Page faults (Sv39, one gigapage mapping RAM at VA == PA)                           */
    /* ================================================================================ */
    la a0, pt_root
    li t0, ((0x80000000 >> 12) << PTE_PPN_SHIFT) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    sd t0, 2 * 8(a0)
    srli a0, a0, 12
    li t0, SATP_MODE_SV39 << SATP_MODE_SHIFT
    or a0, a0, t0
    csrw satp, a0
    sfence.vma

    /* 70-73: load / store / AMO / fetch page faults in S; tval = the virtual address */
    TEST_CASE 70
    SET_PRIV PRV_S
    li a0, VA_UNMAPPED
    TRY ld a1, 16(a0)
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_EPC_TRY
    CHECK_TVAL VA_UNMAPPED + 16
    CHECK_MPP PRV_S

    TEST_CASE 71
    TRY sd a1, 24(a0)
    CHECK_M_TRAP CAUSE_STORE_PAGE_FAULT
    CHECK_EPC_TRY
    CHECK_TVAL VA_UNMAPPED + 24

    TEST_CASE 72
    TRY amoswap.w a1, a1, (a0)
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: reports a load page fault (13) for the AMO */
    li t0, CAUSE_LOAD_PAGE_FAULT
    bne t3, t0, 1f
    li t3, CAUSE_STORE_PAGE_FAULT
1:
.endif
    CHECK_M_TRAP CAUSE_STORE_PAGE_FAULT
    CHECK_EPC_TRY
    CHECK_TVAL VA_UNMAPPED

    TEST_CASE 73
    EXPECT_TRAP 1f
    li t1, VA_UNMAPPED + 0x100
    jr t1
1:  CHECK_M_TRAP CAUSE_FETCH_PAGE_FAULT
    CHECK_EQ t4, VA_UNMAPPED + 0x100
    CHECK_TVAL VA_UNMAPPED + 0x100

    /* 74: page fault at a high canonical address: the full sign-extended VA in mtval */
    TEST_CASE 74
    li a0, VA_HIGH_UNMAPPED + 0x123
    TRY lbu a1, 0(a0)
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_TVAL VA_HIGH_UNMAPPED + 0x123

    /* 75: U-mode fetch from a page without U (the RAM gigapage): instruction page fault */
    TEST_CASE 75
    SET_PRIV PRV_M
    li t0, MSTATUS_MPP
    csrc mstatus, t0            /* MPP = U */
    la t0, 1f
    csrw mepc, t0
    EXPECT_TRAP_TO_M 2f
    mret
1:  FAIL                        /* must not execute in U */
2:  CHECK_M_TRAP CAUSE_FETCH_PAGE_FAULT
    CHECK_ADDR t4, 1b
    CHECK_ADDR t5, 1b
    CHECK_MPP PRV_U

    /* 76-77: delegated load / fetch page faults from S go to the S handler with stval */
    TEST_CASE 76
    li t0, (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_FETCH_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT)
    csrw medeleg, t0
    SET_PRIV PRV_S
    li a0, VA_UNMAPPED
    TRY lh a1, 2(a0)
    CHECK_S_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_EPC_TRY
    CHECK_TVAL VA_UNMAPPED + 2
    CHECK_FIELD t2, MSTATUS_SPP, MSTATUS_SPP

    TEST_CASE 77
    EXPECT_TRAP 1f
    li t1, VA_UNMAPPED + 0x200
    jalr t1
1:  CHECK_S_TRAP CAUSE_FETCH_PAGE_FAULT
    CHECK_EQ t4, VA_UNMAPPED + 0x200
    CHECK_TVAL VA_UNMAPPED + 0x200

    /* 78: delegated store page fault */
    TEST_CASE 78
    TRY sw a1, 0(a0)
    CHECK_S_TRAP CAUSE_STORE_PAGE_FAULT
    CHECK_TVAL VA_UNMAPPED
    SET_PRIV PRV_M
    csrw medeleg, zero
    csrw satp, zero
    sfence.vma

    /* ================================================================================ */
    /* Vectored mtvec: exceptions use BASE, interrupts BASE + 4 * cause                   */
    /* ================================================================================ */
    la t0, vec_table
    ori t0, t0, 1
    csrw mtvec, t0
    csrr a0, mtvec
    TEST_CASE 79
    FAIL_IF_NE a0, t0           /* vectored mode supported */

    /* 80: an exception goes to BASE */
    TEST_CASE 80
    li t0, 0x1f
    csrw sscratch, t0
    TRY .4byte INSN_UNIMP
    CHECK_M_TRAP CAUSE_ILLEGAL
    csrr a0, sscratch
    CHECK_EQ a0, 0

    /* 81-83: supervisor software / timer / external interrupts raised in mip by M (not
     * delegated, taken in M with MIE = 1) go to BASE + 4 * cause; mcause has bit 63 set */
    TEST_CASE 81
    li t0, 0x1f
    csrw sscratch, t0
    li t0, MIP_SSIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    EXPECT_TRAP 2f
    csrs mip, t0
1:  nop
    nop
    nop
    nop
2:  csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP CAUSE_INTERRUPT | IRQ_S_SOFT
    csrr a0, sscratch
    CHECK_EQ a0, IRQ_S_SOFT
    la t0, 1b                   /* mepc: an instruction after the one that raised it */
    bltu t4, t0, 3f
    la t0, 2b
    bleu t4, t0, 4f
3:  FAIL
4:  csrr a0, mie
    CHECK_FIELD a0, MIP_SSIP, 0 /* the handler disabled it */
    li t0, MIP_SSIP
    csrc mip, t0

    /* Sstc would make mip.STIP read-only: make sure STCE is off for the next case */
    csrw CSR_MENVCFG, zero

    TEST_CASE 82
    li t0, 0x1f
    csrw sscratch, t0
    li t0, MIP_STIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    EXPECT_TRAP 2f
    csrs mip, t0
    nop
    nop
2:  csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP CAUSE_INTERRUPT | IRQ_S_TIMER
    csrr a0, sscratch
    CHECK_EQ a0, IRQ_S_TIMER
    li t0, MIP_STIP
    csrc mip, t0

    TEST_CASE 83
    li t0, 0x1f
    csrw sscratch, t0
    li t0, MIP_SEIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    EXPECT_TRAP 2f
    csrs mip, t0
    nop
    nop
2:  csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP CAUSE_INTERRUPT | IRQ_S_EXT
    csrr a0, sscratch
    CHECK_EQ a0, IRQ_S_EXT
    li t0, MIP_SEIP
    csrc mip, t0

    /* 84: an ecall still goes to BASE in vectored mode (cause 11 != vector 11) */
    TEST_CASE 84
    li t0, 0x1f
    csrw sscratch, t0
    li a7, 0
    TRY ecall
    CHECK_M_TRAP CAUSE_ECALL_M
    csrr a0, sscratch
    CHECK_EQ a0, 0

    /* 85: direct mode again: an interrupt goes to BASE as well */
    TEST_CASE 85
    la t0, priv_m_handler
    csrw mtvec, t0
    li t0, MIP_SSIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    EXPECT_TRAP 2f
    csrs mip, t0
    nop
    nop
2:  csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP CAUSE_INTERRUPT | IRQ_S_SOFT
    li t0, MIP_SSIP
    csrc mip, t0

    PASS

    /* Vectored trap table: entry 0 for exceptions, entry n for interrupt cause n */
    .balign 256
vec_table:
    .option push
    .option norvc
    j vec_stub_0
    j vec_stub_1
    j vec_stub_2
    j vec_stub_3
    j vec_stub_4
    j vec_stub_5
    j vec_stub_6
    j vec_stub_7
    j vec_stub_8
    j vec_stub_9
    j vec_stub_10
    j vec_stub_11
    j vec_stub_12
    j vec_stub_13
    j vec_stub_14
    j vec_stub_15
    .option pop
    VEC_STUB 0
    VEC_STUB 1
    VEC_STUB 2
    VEC_STUB 3
    VEC_STUB 4
    VEC_STUB 5
    VEC_STUB 6
    VEC_STUB 7
    VEC_STUB 8
    VEC_STUB 9
    VEC_STUB 10
    VEC_STUB 11
    VEC_STUB 12
    VEC_STUB 13
    VEC_STUB 14
    VEC_STUB 15

    PRIV_HANDLERS

    .data
    .balign 16
mis_buf:
    .dword 0x0706050403020100, 0x0f0e0d0c0b0a0908
    .balign 4096
pt_root:
    .zero 4096
