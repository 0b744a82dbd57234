/* priv_csr: machine / supervisor CSRs: misa, mhartid, mstatus WARL fields, sstatus as a view of
 * mstatus, sie/sip as views of mie/mip through mideleg, medeleg/mideleg, counter enables,
 * menvcfg/senvcfg/stimecmp access, satp MODE WARL, xepc / xtvec WARL.
 * Framework and register conventions: priv_common.h. Case numbers are the FAIL code. */
#include "priv_common.h"

#define MISA_EXT(c) (1 << ((c) - 'A'))
#define MISA_REQUIRED (MISA_EXT('I') | MISA_EXT('M') | MISA_EXT('A') | MISA_EXT('F') | \
                       MISA_EXT('D') | MISA_EXT('C') | MISA_EXT('S') | MISA_EXT('U'))

/* mstatus bits that are plain read/write on a hart with S and U (no side effects in M) */
#define MSTATUS_RW_BITS (MSTATUS_SIE | MSTATUS_MIE | MSTATUS_SPIE | MSTATUS_MPIE | MSTATUS_SPP | \
                         MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_TVM | MSTATUS_TW | \
                         MSTATUS_TSR)
/* fields of mstatus visible in sstatus (besides FS/VS/XS/SD/UXL) */
#define SSTATUS_RW_BITS (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP | MSTATUS_SUM | MSTATUS_MXR)
/* fields of mstatus that must never be visible in sstatus */
#define MSTATUS_M_ONLY (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_MPRV | MSTATUS_TVM | \
                        MSTATUS_TW | MSTATUS_TSR | MSTATUS_SXL | MSTATUS_MBE | MSTATUS_SBE)

#define S_INTS (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define M_INTS (MIP_MSIP | MIP_MTIP | MIP_MEIP)
/* exceptions every S-mode hart can delegate */
#define MEDELEG_STD ((1 << 0) | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | \
                     (1 << 7) | (1 << 8) | (1 << 9) | (1 << 12) | (1 << 13) | (1 << 15))

#define SATP_MODE_MASK (PRIV_UL(0xf) << SATP_MODE_SHIFT)
#define SATP_ASID_MASK (PRIV_UL(0xffff) << 44)

/* reg holds a legal 2-bit XLEN encoding (1 = 32, 2 = 64) in field at bit position shift. */
.macro CHECK_XL_LEGAL reg, shift
    srli t0, \reg, \shift
    andi t0, t0, 3
    addi t0, t0, -1
    li t1, 1
    bleu t0, t1, 9994f
    FAIL
9994:
.endm

/* Privileged read of a counter CSR in the current mode must trap (illegal). */
.macro CHECK_COUNTER_ILLEGAL csr
    TRY csrr a0, \csr
    CHECK_M_TRAP CAUSE_ILLEGAL
.endm

PRIV_TEST_NAME "priv_csr"

    .text
    .globl main
main:
    INSTALL_HANDLERS
    PMP_ALLOW_ALL
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    li gp, 0

    /* ================================================================================ */
    /* misa, ids                                                                          */
    /* ================================================================================ */

    /* 1: misa.MXL = 2 (RV64) */
    TEST_CASE 1
    csrr a0, misa
    srli a1, a0, 62
    CHECK_EQ a1, 2

    /* 2: I, M, A, F, D, C, S and U are all reported */
    TEST_CASE 2
    CHECK_FIELD a0, MISA_REQUIRED, MISA_REQUIRED

    /* 3: E is clear when I is set */
    TEST_CASE 3
    CHECK_FIELD a0, MISA_EXT('E'), 0

    /* 4: single-hart platform: mhartid = 0 */
    TEST_CASE 4
    csrr a0, mhartid
    CHECK_EQ a0, 0

    /* 5: mvendorid / marchid / mimpid exist (reading does not trap) */
    TEST_CASE 5
    csrr a0, mvendorid
    csrr a0, marchid
    csrr a0, mimpid

    /* ================================================================================ */
    /* mstatus                                                                            */
    /* ================================================================================ */
    csrr s0, mstatus            /* s0: value to restore after each case */

    /* 6: UXL = SXL = 2 (64-bit S and U) */
    TEST_CASE 6
    srli a1, s0, 32
    andi a1, a1, 0xf
    CHECK_EQ a1, 0xa

    /* 7: UXL / SXL are WARL: writing 0 (reserved) leaves a legal XLEN */
    TEST_CASE 7
    li t0, MSTATUS_UXL | MSTATUS_SXL
    csrc mstatus, t0
    csrr a0, mstatus
    csrw mstatus, s0
    CHECK_XL_LEGAL a0, 32
    CHECK_XL_LEGAL a0, 34

    /* 8: writing 3 (reserved) leaves a legal XLEN */
    TEST_CASE 8
    li t0, MSTATUS_UXL | MSTATUS_SXL
    csrs mstatus, t0
    csrr a0, mstatus
    csrw mstatus, s0
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: UXL accepts the reserved value 3 */
.else
    CHECK_XL_LEGAL a0, 32
.endif
    CHECK_XL_LEGAL a0, 34
    csrr a0, mstatus
    srli a1, a0, 32
    andi a1, a1, 0xf
    CHECK_EQ a1, 0xa            /* restored */

    /* 9: MPP holds U, S and M */
    TEST_CASE 9
    li a1, MSTATUS_MPP
    csrc mstatus, a1
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_MPP, (PRV_U << MSTATUS_MPP_SHIFT)
    li a2, PRV_S << MSTATUS_MPP_SHIFT
    csrs mstatus, a2
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_MPP, (PRV_S << MSTATUS_MPP_SHIFT)
    csrs mstatus, a1
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_MPP, (PRV_M << MSTATUS_MPP_SHIFT)

    /* 10: MPP is WARL: writing 2 (reserved) reads back a legal mode */
    TEST_CASE 10
    li a1, MSTATUS_MPP
    csrc mstatus, a1
    li a2, 2 << MSTATUS_MPP_SHIFT
    csrs mstatus, a2
    csrr a0, mstatus
    csrw mstatus, s0
    srli a0, a0, MSTATUS_MPP_SHIFT
    andi a0, a0, 3
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: MPP keeps the reserved value 2 */
.else
    CHECK_FIELD a0, 3, 0        /* 0, 1 or 3: never 2 */
    li t0, 2
    FAIL_IF_EQ a0, t0
.endif

    /* 11: the plain control bits (xIE, xPIE, SPP, MPRV, SUM, MXR, TVM, TW, TSR) read/write */
    TEST_CASE 11
    li a1, MSTATUS_RW_BITS
    li t0, MSTATUS_MPP
    csrs mstatus, t0            /* MPP = M so that MPRV = 1 changes nothing */
    csrs mstatus, a1
    csrr a0, mstatus
    csrc mstatus, a1
    csrr a2, mstatus
    csrw mstatus, s0
    and a0, a0, a1
    FAIL_IF_NE a0, a1
    and a2, a2, a1
    CHECK_EQ a2, 0

    /* 12: SD summarizes FS: FS = Dirty -> SD = 1; FS = Off / Initial -> SD = 0
     * (XS is 0 without custom extensions; VS is 0 as nothing touched vector state) */
    TEST_CASE 12
    li t0, MSTATUS_FS | MSTATUS_VS
    csrc mstatus, t0
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_SD | MSTATUS_FS, 0
    li t0, 1 << 13
    csrs mstatus, t0
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_SD | MSTATUS_FS, (1 << 13)
    li t0, MSTATUS_FS
    csrs mstatus, t0
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_SD | MSTATUS_FS, MSTATUS_SD | MSTATUS_FS

    /* 13-14: FS = Off makes FP instructions and the FP CSRs illegal */
    TEST_CASE 13
    li t0, MSTATUS_FS
    csrc mstatus, t0
    TRY fadd.d f1, f2, f3
    CHECK_M_TRAP CAUSE_ILLEGAL
    TEST_CASE 14
    TRY csrr a0, fcsr
    CHECK_M_TRAP CAUSE_ILLEGAL

    /* 15: FS = Initial, writing an FP register makes FS Dirty (and SD = 1) */
    TEST_CASE 15
    li t0, 1 << 13
    csrs mstatus, t0
    li a1, 0x3ff0000000000000
    fmv.d.x f1, a1
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_SD | MSTATUS_FS, MSTATUS_SD | MSTATUS_FS
    csrw mstatus, s0

    /* ================================================================================ */
    /* sstatus is a view of mstatus                                                       */
    /* ================================================================================ */

    /* 16: S fields set through mstatus are seen in sstatus */
    TEST_CASE 16
    li a1, SSTATUS_RW_BITS
    csrs mstatus, a1
    csrr a0, sstatus
    and a0, a0, a1
    FAIL_IF_NE a0, a1

    /* 17: M-only fields never show in sstatus */
    TEST_CASE 17
    li t0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR
    csrs mstatus, t0
    csrr a0, sstatus
    CHECK_FIELD a0, MSTATUS_M_ONLY, 0
    csrw mstatus, s0

    /* 18: writing sstatus changes the S fields of mstatus and nothing M-only */
    TEST_CASE 18
    li t0, MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TW
    csrs mstatus, t0
    li t0, SSTATUS_RW_BITS
    csrs sstatus, t0
    csrr a0, mstatus
    CHECK_FIELD a0, SSTATUS_RW_BITS, SSTATUS_RW_BITS
    li t0, -1
    csrc sstatus, t0            /* clear every sstatus bit that is writable */
    csrr a0, mstatus
    CHECK_FIELD a0, SSTATUS_RW_BITS, 0
    CHECK_FIELD a0, MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TW | MSTATUS_SXL, MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_TW | (2 << 34)
    csrw mstatus, s0

    /* 19: sstatus.UXL = 2; sstatus FS and SD mirror mstatus */
    TEST_CASE 19
    csrr a0, sstatus
    CHECK_FIELD a0, MSTATUS_UXL, (2 << 32)
    li t0, MSTATUS_FS
    csrs mstatus, t0
    csrr a0, sstatus
    CHECK_FIELD a0, MSTATUS_FS | MSTATUS_SD, MSTATUS_FS | MSTATUS_SD
    li t0, MSTATUS_FS
    csrc sstatus, t0            /* FS = Off through sstatus */
    csrr a0, mstatus
    CHECK_FIELD a0, MSTATUS_FS | MSTATUS_SD, 0
    csrw mstatus, s0

    /* 20: sstatus is accessible from S; the M-only fields are still hidden there */
    TEST_CASE 20
    li t0, MSTATUS_TSR
    csrs mstatus, t0
    SET_PRIV PRV_S
    csrr a0, sstatus
    CHECK_FIELD a0, MSTATUS_M_ONLY, 0
    SET_PRIV PRV_M
    csrw mstatus, s0

    /* ================================================================================ */
    /* mideleg, sie / sip                                                                 */
    /* ================================================================================ */

    /* 21: the S-level interrupts can be delegated */
    TEST_CASE 21
    li t0, -1
    csrw mideleg, t0
    csrr a0, mideleg
    csrw mideleg, zero
    CHECK_FIELD a0, S_INTS, S_INTS
    csrr a0, mideleg
    CHECK_FIELD a0, S_INTS, 0    /* (with H, the VS bits are read-only one) */

    /* 22: not delegated -> sie / sip bits read as zero, even if mie / mip bits are set */
    TEST_CASE 22
    li t0, S_INTS
    csrw mie, t0
    li t0, MIP_SSIP
    csrw mip, t0
    csrr a0, sie
    CHECK_FIELD a0, S_INTS, 0
    csrr a0, sip
    CHECK_FIELD a0, S_INTS, 0

    /* 23: writing sie / sip when not delegated does not change mie / mip */
    TEST_CASE 23
    csrw sie, zero
    csrw sip, zero
    csrr a0, mie
    CHECK_FIELD a0, S_INTS, S_INTS
    csrr a0, mip
    CHECK_FIELD a0, MIP_SSIP, MIP_SSIP

    /* 24: delegated -> sie shows mie, sip shows mip; writing sie writes mie */
    TEST_CASE 24
    li t0, S_INTS
    csrw mideleg, t0
    csrr a0, sie
    CHECK_FIELD a0, S_INTS, S_INTS
    csrr a0, sip
    CHECK_FIELD a0, S_INTS, MIP_SSIP
    li t0, MIP_STIP
    csrc sie, t0
    csrr a0, mie
    CHECK_FIELD a0, S_INTS, MIP_SSIP | MIP_SEIP
    li t0, MIP_STIP
    csrs sie, t0
    csrr a0, mie
    CHECK_FIELD a0, S_INTS, S_INTS

    /* 25: M-level bits are never visible in sie / sip */
    TEST_CASE 25
    li t0, M_INTS
    csrs mie, t0
    csrr a0, sie
    CHECK_FIELD a0, M_INTS, 0
    csrr a0, sip
    CHECK_FIELD a0, M_INTS, 0
    csrw sie, zero              /* and writing sie leaves them alone */
    csrr a0, mie
    CHECK_FIELD a0, M_INTS | S_INTS, M_INTS
    csrw mie, zero

    /* 26: from S: sip.SSIP is writable (clears mip.SSIP) */
    TEST_CASE 26
    SET_PRIV PRV_S
    csrr a0, sip
    CHECK_FIELD a0, MIP_SSIP, MIP_SSIP
    csrci sip, MIP_SSIP
    csrr a0, sip
    CHECK_FIELD a0, MIP_SSIP, 0
    csrsi sip, MIP_SSIP
    SET_PRIV PRV_M
    csrr a0, mip
    CHECK_FIELD a0, MIP_SSIP, MIP_SSIP
    csrci mip, MIP_SSIP

    /* 27: from S: sip.STIP and sip.SEIP are read-only (set by M through mip, Sstc off) */
    TEST_CASE 27
    csrw CSR_MENVCFG, zero
    li t0, MIP_STIP | MIP_SEIP
    csrs mip, t0
    SET_PRIV PRV_S
    li t0, MIP_STIP | MIP_SEIP
    csrc sip, t0
    csrr a0, sip
    SET_PRIV PRV_M
    CHECK_FIELD a0, MIP_STIP | MIP_SEIP, MIP_STIP | MIP_SEIP
    li t0, MIP_STIP | MIP_SEIP
    csrc mip, t0
    csrr a0, mip
    CHECK_FIELD a0, S_INTS, 0
    csrw mideleg, zero

    /* ================================================================================ */
    /* medeleg                                                                            */
    /* ================================================================================ */

    /* 28: every exception that can occur in S/U is delegable; ecall from M is not */
    TEST_CASE 28
    li t0, -1
    csrw medeleg, t0
    csrr a0, medeleg
    csrw medeleg, zero
    CHECK_FIELD a0, MEDELEG_STD, MEDELEG_STD
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: medeleg[11] (ecall from M) is writable; the spec makes it read-only 0 */
.else
    CHECK_FIELD a0, (1 << CAUSE_ECALL_M), 0
.endif
    csrr a0, medeleg
    CHECK_EQ a0, 0

    /* 29: single bits round-trip */
    TEST_CASE 29
    li t0, (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_STORE_PAGE_FAULT)
    csrw medeleg, t0
    csrr a0, medeleg
    csrw medeleg, zero
    FAIL_IF_NE a0, t0

    /* ================================================================================ */
    /* mcounteren / scounteren gate cycle, time, instret below M                          */
    /* ================================================================================ */

    /* 30: M reads the counters whatever mcounteren says */
    TEST_CASE 30
    csrw mcounteren, zero
    csrw scounteren, zero
    csrr a0, cycle
    csrr a0, time
    csrr a0, instret

    /* 31-33: mcounteren = 0: S and U reading cycle / time / instret is illegal */
    TEST_CASE 31
    SET_PRIV PRV_S
    CHECK_COUNTER_ILLEGAL cycle
    CHECK_COUNTER_ILLEGAL time
    CHECK_COUNTER_ILLEGAL instret
    TEST_CASE 32
    SET_PRIV PRV_U
    CHECK_COUNTER_ILLEGAL cycle
    CHECK_COUNTER_ILLEGAL time
    CHECK_COUNTER_ILLEGAL instret
    SET_PRIV PRV_M

    /* 33: mcounteren.CY/TM/IR = 1, scounteren = 0: S may read them, U still may not */
    TEST_CASE 33
    li t0, 7
    csrw mcounteren, t0
    SET_PRIV PRV_S
    csrr a0, cycle
    csrr a0, time
    csrr a0, instret
    SET_PRIV PRV_U
    CHECK_COUNTER_ILLEGAL cycle
    CHECK_COUNTER_ILLEGAL time
    CHECK_COUNTER_ILLEGAL instret
    SET_PRIV PRV_M

    /* 34: scounteren enables each counter for U individually */
    TEST_CASE 34
    li t0, 1                    /* CY only */
    csrw scounteren, t0
    SET_PRIV PRV_U
    csrr a0, cycle
    CHECK_COUNTER_ILLEGAL time
    CHECK_COUNTER_ILLEGAL instret
    SET_PRIV PRV_M
    li t0, 2                    /* TM only */
    csrw scounteren, t0
    SET_PRIV PRV_U
    csrr a0, time
    CHECK_COUNTER_ILLEGAL cycle
    CHECK_COUNTER_ILLEGAL instret
    SET_PRIV PRV_M
    li t0, 4                    /* IR only */
    csrw scounteren, t0
    SET_PRIV PRV_U
    csrr a0, instret
    CHECK_COUNTER_ILLEGAL cycle
    CHECK_COUNTER_ILLEGAL time
    SET_PRIV PRV_M

    /* 35: scounteren set but mcounteren clear: U still may not read (both levels gate) */
    TEST_CASE 35
    li t0, 7
    csrw scounteren, t0
    li t0, 6                    /* TM, IR: CY withheld by M */
    csrw mcounteren, t0
    SET_PRIV PRV_U
    CHECK_COUNTER_ILLEGAL cycle
    csrr a0, time
    csrr a0, instret
    SET_PRIV PRV_S
    CHECK_COUNTER_ILLEGAL cycle
    SET_PRIV PRV_M

    /* 36: the counters count: cycle and instret advance, time does not go backwards */
    TEST_CASE 36
    li t0, 7
    csrw mcounteren, t0
    csrr a0, cycle
    csrr a1, instret
    csrr a2, time
    li a3, 2000
1:  addi a3, a3, -1
    bnez a3, 1b
    csrr a4, cycle
    csrr a5, instret
    csrr a6, time
    bleu a4, a0, 2f
    bleu a5, a1, 2f
    bltu a6, a2, 2f
    sub a5, a5, a1
    li t0, 4000                 /* at least 2 instructions per iteration retired */
    bltu a5, t0, 2f
    j 3f
2:  FAIL
3:

    /* 37: minstret / mcycle are writable */
    TEST_CASE 37
    li t0, 0x100000000
    csrw minstret, t0
    csrr a0, minstret
    bltu a0, t0, 1f
    li t1, 0x200000000
    bgeu a0, t1, 1f
    csrr a1, instret            /* the unprivileged view follows */
    bltu a1, a0, 1f
    j 2f
1:  FAIL
2:
    csrw mcounteren, zero
    csrw scounteren, zero

    /* ================================================================================ */
    /* menvcfg / senvcfg / stimecmp                                                       */
    /* ================================================================================ */

    /* 38: menvcfg exists; STCE (bit 63, Sstc) is writable */
    TEST_CASE 38
    csrr a0, CSR_MENVCFG
    li t0, MENVCFG_STCE
    csrs CSR_MENVCFG, t0
    csrr a0, CSR_MENVCFG
    CHECK_FIELD a0, MENVCFG_STCE, MENVCFG_STCE
    li t0, MENVCFG_STCE
    csrc CSR_MENVCFG, t0
    csrr a0, CSR_MENVCFG
    CHECK_FIELD a0, MENVCFG_STCE, 0

    /* 39: senvcfg exists and is accessible from S; menvcfg is not */
    TEST_CASE 39
    SET_PRIV PRV_S
    csrr a0, CSR_SENVCFG
    csrw CSR_SENVCFG, a0
    TRY csrr a0, CSR_MENVCFG
    CHECK_M_TRAP CAUSE_ILLEGAL

    /* 40: senvcfg from U is illegal */
    TEST_CASE 40
    SET_PRIV PRV_U
    TRY csrr a0, CSR_SENVCFG
    CHECK_M_TRAP CAUSE_ILLEGAL
    SET_PRIV PRV_M

    /* 41: stimecmp from S with menvcfg.STCE = 0 is illegal */
    TEST_CASE 41
    li t0, 2
    csrw mcounteren, t0
    SET_PRIV PRV_S
    TRY csrr a0, CSR_STIMECMP
    CHECK_M_TRAP CAUSE_ILLEGAL
    SET_PRIV PRV_M

    /* 42: STCE = 1 and mcounteren.TM = 1: S may read and write stimecmp */
    TEST_CASE 42
    li t0, MENVCFG_STCE
    csrs CSR_MENVCFG, t0
    SET_PRIV PRV_S
    li a1, -1
    csrw CSR_STIMECMP, a1
    csrr a0, CSR_STIMECMP
    FAIL_IF_NE a0, a1
    SET_PRIV PRV_M

    /* 43: STCE = 1 but mcounteren.TM = 0: S access to stimecmp is illegal */
    TEST_CASE 43
    csrw mcounteren, zero
    SET_PRIV PRV_S
    TRY csrr a0, CSR_STIMECMP
    CHECK_M_TRAP CAUSE_ILLEGAL
    SET_PRIV PRV_M
    li t0, MENVCFG_STCE
    csrc CSR_MENVCFG, t0

    /* 44: stimecmp is not accessible from U */
    TEST_CASE 44
    li t0, MENVCFG_STCE
    csrs CSR_MENVCFG, t0
    li t0, 2
    csrw mcounteren, t0
    csrw scounteren, t0
    SET_PRIV PRV_U
    TRY csrr a0, CSR_STIMECMP
    CHECK_M_TRAP CAUSE_ILLEGAL
    SET_PRIV PRV_M
    csrw CSR_MENVCFG, zero
    csrw mcounteren, zero
    csrw scounteren, zero

    /* ================================================================================ */
    /* satp MODE is WARL: unsupported modes leave satp unchanged                          */
    /* ================================================================================ */

    /* 45: Bare */
    TEST_CASE 45
    csrw satp, zero
    csrr a0, satp
    CHECK_EQ a0, 0

    /* 46: Sv39 with a PPN and ASID 0 sticks */
    TEST_CASE 46
    li s1, (SATP_MODE_SV39 << SATP_MODE_SHIFT) | 0x12345
    csrw satp, s1
    csrr a0, satp
    FAIL_IF_NE a0, s1

    /* 47: ASID is WARL: all ones reads back as 2^ASIDLEN - 1 (ASIDLEN <= 16) */
    TEST_CASE 47
    li t0, SATP_ASID_MASK
    or a2, s1, t0
    csrw satp, a2
    csrr a0, satp
    srli a3, a0, 44
    li t0, 0xffff
    and a3, a3, t0
    addi t1, a3, 1
    and t1, t1, a3              /* 2^k - 1 has no bit in common with 2^k */
    CHECK_EQ t1, 0
    li t1, ~SATP_ASID_MASK      /* mode / PPN untouched */
    and t0, a0, t1
    FAIL_IF_NE t0, s1
    csrw satp, s1

    /* 48-50: reserved modes (1, 7, 11, 15) leave satp unchanged */
    TEST_CASE 48
    li t0, (PRIV_UL(1) << SATP_MODE_SHIFT) | 0x777
    csrw satp, t0
    csrr a0, satp
    FAIL_IF_NE a0, s1
    TEST_CASE 49
    li t0, (PRIV_UL(7) << SATP_MODE_SHIFT) | 0x777
    csrw satp, t0
    csrr a0, satp
    FAIL_IF_NE a0, s1
    TEST_CASE 50
    li t0, (PRIV_UL(11) << SATP_MODE_SHIFT) | 0x777
    csrw satp, t0
    csrr a0, satp
    FAIL_IF_NE a0, s1
    li t0, (PRIV_UL(15) << SATP_MODE_SHIFT) | 0x777
    csrw satp, t0
    csrr a0, satp
    FAIL_IF_NE a0, s1

    /* 51: Sv48: either sticks or the write is ignored (satp unchanged) */
    TEST_CASE 51
    li a2, (SATP_MODE_SV48 << SATP_MODE_SHIFT) | 0x4848
    csrw satp, a2
    csrr a0, satp
    beq a0, a2, 1f
    FAIL_IF_NE a0, s1
    la a0, msg_no_sv48
    call report
1:  csrw satp, s1

    /* 52: Sv57: either sticks or the write is ignored */
    TEST_CASE 52
    li a2, (SATP_MODE_SV57 << SATP_MODE_SHIFT) | 0x5757
    csrw satp, a2
    csrr a0, satp
    beq a0, a2, 1f
    FAIL_IF_NE a0, s1
    la a0, msg_no_sv57
    call report
1:

    /* 53: back to Bare */
    TEST_CASE 53
    csrw satp, zero
    csrr a0, satp
    CHECK_EQ a0, 0

    /* 54: satp is accessible from S (TVM = 0) and not from U */
    TEST_CASE 54
    SET_PRIV PRV_S
    csrr a0, satp
    CHECK_EQ a0, 0
    li t0, (PRIV_UL(1) << SATP_MODE_SHIFT) | 0x777
    csrw satp, t0               /* reserved mode: ignored, we stay in Bare */
    csrw satp, zero
    csrr a0, satp
    CHECK_EQ a0, 0
    SET_PRIV PRV_U
    TRY csrr a0, satp
    CHECK_M_TRAP CAUSE_ILLEGAL
    SET_PRIV PRV_M

    /* ================================================================================ */
    /* xepc, xtvec, xscratch                                                              */
    /* ================================================================================ */

    /* 55: mepc / sepc: bit 0 always reads 0; bit 1 is kept (IALIGN = 16 with C) */
    TEST_CASE 55
    li t0, 0x80000003
    csrw mepc, t0
    csrr a0, mepc
    csrw sepc, t0
    csrr a1, sepc
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: mepc / sepc keep bit 0 */
    andi a0, a0, -2
    andi a1, a1, -2
.endif
    CHECK_EQ a0, 0x80000002
    CHECK_EQ a1, 0x80000002

    /* 56: mtvec / stvec MODE is WARL: writing the reserved mode 2 leaves Direct or Vectored */
    TEST_CASE 56
    la a2, priv_m_handler
    ori t0, a2, 2
    csrw mtvec, t0
    csrr a0, mtvec
    csrw mtvec, a2
    andi a0, a0, 3
    li t0, 2
    bgeu a0, t0, 1f
    la a3, priv_s_handler
    ori t0, a3, 2
    csrw stvec, t0
    csrr a0, stvec
    csrw stvec, a3
    andi a0, a0, 3
    li t0, 2
    bgeu a0, t0, 1f
    j 2f
1:  FAIL
2:

    /* 57: mscratch / sscratch hold 64 bits */
    TEST_CASE 57
    li a1, 0xfedcba9876543210
    csrw mscratch, a1
    csrr a0, mscratch
    FAIL_IF_NE a0, a1
    not a1, a1
    csrw sscratch, a1
    csrr a0, sscratch
    FAIL_IF_NE a0, a1

    PASS

/* report(a0 = message): print an informational line (M-mode only). */
report:
    addi sp, sp, -16
    sd ra, 0(sp)
    call harness_puts
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

    PRIV_HANDLERS

    .section .rodata
msg_no_sv48: .asciz "priv_csr: note: satp mode Sv48 not supported\n"
msg_no_sv57: .asciz "priv_csr: note: satp mode Sv57 not supported\n"
