/* Shared definitions and trap framework for the privileged-architecture tests (guests/isa/priv_*).
 * Usable from C (constants only) and from assembly (constants + gas macros + trap handlers).
 *
 * Register conventions (assembly tests)
 *   gp (x3)   current case number (TEST_CASE n). A failing check reports it as the FAIL code.
 *   t6 (x31)  trap expectation. 0 = no trap expected (any trap is reported as unexpected and
 *             ends the run with FAIL <case>). Before an instruction that must trap, the test puts
 *             the resume address into t6 (see TRY / EXPECT_TRAP). The handler that takes the trap
 *             returns to that address in the same privilege mode, and sets
 *                 t6 = 1 (taken by the M-mode handler) or 2 (taken by the S-mode handler),
 *                 t3 = mcause/scause, t4 = mepc/sepc, t5 = mtval/stval,
 *                 t2 = mstatus/sstatus as seen by the handler (after the trap updated it).
 *             Bit 0 of the resume address set (EXPECT_TRAP_TO_M) makes the M handler resume in
 *             M-mode instead.
 *             If the expected trap does not happen, execution simply reaches the resume address
 *             with t6 unchanged and the next CHECK_*_TRAP fails.
 *             For an interrupt the handler also clears the interrupt's enable bit (mie or sie),
 *             so returning does not take it again.
 *   t0, t1    scratch of the check macros.
 *   t2..t6    owned by the framework: tests must not keep values in them across a trap or a
 *             SET_PRIV.
 *   a7, a6    service number / target address of SET_PRIV, GOTO_PRIV, FAIL (ecall to the M
 *             handler).
 * Everything else survives traps and privilege switches.
 *
 * Privilege switches: SET_PRIV p (p = PRV_U/PRV_S/PRV_M) works from any mode: it is an ecall with
 * a7 = PRIV_SVC_BASE + p that the M handler turns into "continue at the next instruction in mode
 * p" (mstatus.MPP = p; mepc += 4; mret). The code must therefore be mapped at VA == PA (identity)
 * whenever translation is on. GOTO_PRIV p, label switches mode and continues at label instead.
 * SET_PRIV_EBREAK does the same as SET_PRIV through a 4-byte EBREAK, for tests that delegate the
 * ecall causes to S-mode.
 */
#ifndef PRIV_COMMON_H
#define PRIV_COMMON_H

#ifdef __ASSEMBLER__
#define PRIV_UL(x) x
#else
#define PRIV_UL(x) x##UL
#endif
#define PRIV_BIT(n) (PRIV_UL(1) << (n))

/* Privilege levels */
#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* mstatus / sstatus fields */
#define MSTATUS_SIE   PRIV_BIT(1)
#define MSTATUS_MIE   PRIV_BIT(3)
#define MSTATUS_SPIE  PRIV_BIT(5)
#define MSTATUS_UBE   PRIV_BIT(6)
#define MSTATUS_MPIE  PRIV_BIT(7)
#define MSTATUS_SPP   PRIV_BIT(8)
#define MSTATUS_VS    (PRIV_UL(3) << 9)
#define MSTATUS_MPP   (PRIV_UL(3) << 11)
#define MSTATUS_MPP_SHIFT 11
#define MSTATUS_FS    (PRIV_UL(3) << 13)
#define MSTATUS_XS    (PRIV_UL(3) << 15)
#define MSTATUS_MPRV  PRIV_BIT(17)
#define MSTATUS_SUM   PRIV_BIT(18)
#define MSTATUS_MXR   PRIV_BIT(19)
#define MSTATUS_TVM   PRIV_BIT(20)
#define MSTATUS_TW    PRIV_BIT(21)
#define MSTATUS_TSR   PRIV_BIT(22)
#define MSTATUS_UXL   (PRIV_UL(3) << 32)
#define MSTATUS_SXL   (PRIV_UL(3) << 34)
#define MSTATUS_SBE   PRIV_BIT(36)
#define MSTATUS_MBE   PRIV_BIT(37)
#define MSTATUS_SD    PRIV_BIT(63)

/* Exception causes */
#define CAUSE_FETCH_MISALIGNED   0
#define CAUSE_FETCH_ACCESS       1
#define CAUSE_ILLEGAL            2
#define CAUSE_BREAKPOINT         3
#define CAUSE_LOAD_MISALIGNED    4
#define CAUSE_LOAD_ACCESS        5
#define CAUSE_STORE_MISALIGNED   6
#define CAUSE_STORE_ACCESS       7
#define CAUSE_ECALL_U            8
#define CAUSE_ECALL_S            9
#define CAUSE_ECALL_M            11
#define CAUSE_FETCH_PAGE_FAULT   12
#define CAUSE_LOAD_PAGE_FAULT    13
#define CAUSE_STORE_PAGE_FAULT   15

/* Interrupts (bit numbers in mip/mie, and mcause code with bit 63 set) */
#define IRQ_S_SOFT   1
#define IRQ_M_SOFT   3
#define IRQ_S_TIMER  5
#define IRQ_M_TIMER  7
#define IRQ_S_EXT    9
#define IRQ_M_EXT    11
#define CAUSE_INTERRUPT PRIV_BIT(63)
#define MIP_SSIP PRIV_BIT(IRQ_S_SOFT)
#define MIP_MSIP PRIV_BIT(IRQ_M_SOFT)
#define MIP_STIP PRIV_BIT(IRQ_S_TIMER)
#define MIP_MTIP PRIV_BIT(IRQ_M_TIMER)
#define MIP_SEIP PRIV_BIT(IRQ_S_EXT)
#define MIP_MEIP PRIV_BIT(IRQ_M_EXT)

/* CSR numbers the assembler may not know by name */
#define CSR_SENVCFG   0x10a
#define CSR_STIMECMP  0x14d
#define CSR_MENVCFG   0x30a
#define MENVCFG_STCE  PRIV_BIT(63)

/* satp */
#define SATP_MODE_SHIFT 60
#define SATP_MODE_BARE  0
#define SATP_MODE_SV39  8
#define SATP_MODE_SV48  9
#define SATP_MODE_SV57  10

/* Page-table entry bits */
#define PTE_V PRIV_BIT(0)
#define PTE_R PRIV_BIT(1)
#define PTE_W PRIV_BIT(2)
#define PTE_X PRIV_BIT(3)
#define PTE_U PRIV_BIT(4)
#define PTE_G PRIV_BIT(5)
#define PTE_A PRIV_BIT(6)
#define PTE_D PRIV_BIT(7)
#define PTE_PPN_SHIFT 10

/* priv_vm layout: virtual addresses of the test mappings (shared by priv_vm.S / priv_vm.c).
 * All are canonical in Sv39, Sv48 and Sv57 except VM_VA_TERA (Sv48/Sv57) and VM_VA_PETA
 * (Sv57). Physical RAM starts at 0x80000000. */
#define VM_VA_GIGA      PRIV_UL(0x1000000000)  /* 1 GiB page   -> PA 0x80000000 */
#define VM_VA_MEGA      PRIV_UL(0x1040000000)  /* 2 MiB page   -> PA 0x80000000 */
#define VM_VA_BAD_MEGA  PRIV_UL(0x1040200000)  /* 2 MiB page, PPN[0] != 0 (misaligned) */
#define VM_VA_PAGE      PRIV_UL(0x1080000000)  /* 4 KiB pages, see VM_PG_* */
#define VM_VA_BAD_GIGA  PRIV_UL(0x10c0000000)  /* 1 GiB page, PPN[1] != 0 (misaligned) */
#define VM_VA_NONLEAF   PRIV_UL(0x1100000000)  /* 4 KiB page -> frame 0, non-leaf PTE edited */
#define VM_VA_TERA      PRIV_UL(0x10000000000) /* 512 GiB page -> PA 0 (Sv48, Sv57) */
#define VM_VA_PETA      PRIV_UL(0x1000000000000) /* 256 TiB page -> PA 0 (Sv57) */
#define VM_VA_HIGH      PRIV_UL(0xffffffffc0000000) /* top GiB: 4 KiB page -> frame 0 */
/* 4 KiB pages at VM_VA_PAGE + 0x1000 * n */
#define VM_PG_S_RW      0   /* frame 0, S RW */
#define VM_PG_U_RW      1   /* frame 1, U RW */
#define VM_PG_REMAP     2   /* frame 2 (remapped to frame 3 by the sfence test), S RW */
#define VM_PG_XFN       3   /* the xfn code page, S RX */
#define VM_PG_UNMAPPED  4   /* invalid PTE */
#define VM_PG_RO        16  /* frame 4, S R */
#define VM_PG_XO        17  /* xfn code page, S X only */
#define VM_PG_WO        18  /* frame 6, S W only (reserved encoding) */
#define VM_PG_VONLY     19  /* frame 6, level-0 PTE with only V (non-leaf at level 0) */
#define VM_PG_A0        20  /* frame 8, S RW, A = 0, D = 0 */
#define VM_PG_D0        21  /* frame 9, S RW, A = 1, D = 0 */
#define VM_PG_XA0       22  /* xfn code page, S X, A = 0 */
#define VM_PG_SA0       23  /* frame 10, S RW, A = 0 (touched only by faulting U accesses) */
#define VM_PG_RSVD      24  /* frame 11, S RW with reserved PTE bit 54 set */
#define VM_PG_U_RO      25  /* frame 12, U R */
#define VM_PG_U_XO      26  /* xfn code page, U X only */
#define VM_VA(pg)       (VM_VA_PAGE + 0x1000 * (pg))
#define VM_FRAME_VAL(i) (PRIV_UL(0x5a5a000000000000) + (i))
#define VM_XFN_RESULT   0x5c

/* PMP configuration byte */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_OFF   0x00
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_L     0x80

/* Services of the M-mode handler (a7 value at ecall / ebreak) */
#define PRIV_SVC_BASE   0x5ec0
#define PRIV_SVC_FAIL   (PRIV_SVC_BASE + 0xf)   /* report failure of case gp */
#define PRIV_SVC_SUNEXP (PRIV_SVC_BASE + 0xe)   /* S handler: unexpected trap t3/t4/t5 */

/* Known deviations of QEMU 7.2 (the reference the tests were validated on) from the spec are
 * tolerated by default, each marked "QEMU 7.2 deviation" where it is accepted. Build with
 * -DPRIV_SPEC_ONLY to accept only what the spec allows. */
#ifdef PRIV_SPEC_ONLY
#define PRIV_TOLERATE_QEMU 0
#else
#define PRIV_TOLERATE_QEMU 1
#endif

#ifdef __ASSEMBLER__

/* ---------------------------------------------------------------------------------------- */
/* Case bookkeeping and checks (usable in every mode: a failure is an ecall service)          */
/* ---------------------------------------------------------------------------------------- */

.macro TEST_CASE n
    li gp, \n
.endm

/* Report failure of the current case (works from U, S and M). */
.macro FAIL
    li a7, PRIV_SVC_FAIL
    ecall
.endm

/* Fail unless registers a and b are equal. */
.macro FAIL_IF_NE a, b
    beq \a, \b, 9990f
    FAIL
9990:
.endm

.macro FAIL_IF_EQ a, b
    bne \a, \b, 9990f
    FAIL
9990:
.endm

/* Fail unless register reg == constant val (clobbers t0). */
.macro CHECK_EQ reg, val
    li t0, \val
    FAIL_IF_NE \reg, t0
.endm

/* Fail unless (reg & mask) == val (clobbers t0, t1). */
.macro CHECK_FIELD reg, mask, val
    li t0, \mask
    and t0, \reg, t0
    li t1, \val
    FAIL_IF_NE t0, t1
.endm

/* Fail unless register reg == address of label (clobbers t0). */
.macro CHECK_ADDR reg, label
    la t0, \label
    FAIL_IF_NE \reg, t0
.endm

/* ---------------------------------------------------------------------------------------- */
/* Privilege switches                                                                         */
/* ---------------------------------------------------------------------------------------- */

/* Continue at the next instruction in privilege mode p (clobbers a7, t3..t5). */
.macro SET_PRIV p
    li a7, PRIV_SVC_BASE + \p
    ecall
.endm

/* Continue at label in privilege mode p (clobbers a6, a7, t3..t5). For code that has to live
 * elsewhere, e.g. U-mode code on U pages. */
.macro GOTO_PRIV p, label
    la a6, \label
    li a7, PRIV_SVC_BASE + 4 + \p
    ecall
.endm

/* Same through a 4-byte EBREAK (for tests that delegate ecalls to S-mode). */
.macro SET_PRIV_EBREAK p
    li a7, PRIV_SVC_BASE + \p
    .4byte 0x00100073           /* ebreak, never compressed */
.endm

/* ---------------------------------------------------------------------------------------- */
/* Expected traps                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* TRY insn: run one instruction that must trap; resume right after it. The instruction's
 * address is the numeric label 8880b (use TRY_PC to get it). */
.macro TRY insn:vararg
    la t6, 8881f
8880:
    \insn
8881:
.endm

/* Load the address of the instruction of the last TRY into reg. */
.macro TRY_PC reg
    la \reg, 8880b
.endm

/* Expect a trap before reaching label (for sequences that are not a single instruction). */
.macro EXPECT_TRAP label
    la t6, \label
.endm

/* Expect a trap that the M handler takes; resume at label in M-mode (whatever mode trapped).
 * Use when the mode that traps cannot run the code at label (e.g. U-mode and a non-U page). */
.macro EXPECT_TRAP_TO_M label
    la t6, \label
    ori t6, t6, 1
.endm

/* No trap may happen from here on (clears a pending expectation). */
.macro EXPECT_NO_TRAP
    li t6, 0
.endm

/* The last expected trap was taken by the M handler with mcause == cause. Clears t6. */
.macro CHECK_M_TRAP cause
    li t0, 1
    FAIL_IF_NE t6, t0
    li t0, \cause
    FAIL_IF_NE t3, t0
    li t6, 0
.endm

/* ... by the S handler with scause == cause. Clears t6. */
.macro CHECK_S_TRAP cause
    li t0, 2
    FAIL_IF_NE t6, t0
    li t0, \cause
    FAIL_IF_NE t3, t0
    li t6, 0
.endm

/* The trapping instruction was the last TRY's (epc check). */
.macro CHECK_EPC_TRY
    la t0, 8880b
    FAIL_IF_NE t4, t0
.endm

/* tval == constant */
.macro CHECK_TVAL val
    li t0, \val
    FAIL_IF_NE t5, t0
.endm

/* Previous privilege recorded by an M-mode trap (mstatus.MPP in t2) == p. */
.macro CHECK_MPP p
    CHECK_FIELD t2, MSTATUS_MPP, (\p << MSTATUS_MPP_SHIFT)
.endm

/* ---------------------------------------------------------------------------------------- */
/* Misc                                                                                       */
/* ---------------------------------------------------------------------------------------- */

/* Program name for the PASS/FAIL line. */
.macro PRIV_TEST_NAME str
    .pushsection .data
    .balign 8
    .globl harness_test_name
harness_test_name:
    .dword 9991f
9991:
    .asciz "\str"
    .balign 8
    .popsection
.endm

/* Let S/U reach all of memory through PMP entry 0 (NAPOT over the whole address space).
 * Without any active entry a spec-conforming hart denies every S/U access. Clobbers t0. */
.macro PMP_ALLOW_ALL
    li t0, -1
    csrw pmpaddr0, t0
    li t0, PMP_NAPOT | PMP_R | PMP_W | PMP_X
    csrw pmpcfg0, t0
.endm

/* Install the framework handlers: mtvec = priv_m_handler (direct), stvec = priv_s_handler. */
.macro INSTALL_HANDLERS
    la t0, priv_m_handler
    csrw mtvec, t0
    la t0, priv_s_handler
    csrw stvec, t0
    li t6, 0
.endm

/* Successful end of the program (from M-mode). */
.macro PASS
    li a0, 0
    call harness_exit
.endm

/* ---------------------------------------------------------------------------------------- */
/* The trap handlers. Expand PRIV_HANDLERS once per program (in .text).                       */
/* They use only t2..t6 and CSRs (no memory), so they work with any MPRV/SUM/satp setting.    */
/* ---------------------------------------------------------------------------------------- */
.macro PRIV_HANDLERS
    .text
    .balign 4
    .globl priv_m_handler
priv_m_handler:
    /* Service calls: ecall (8/9/11) or ebreak (3) with a7 in PRIV_SVC_BASE..+15. Only t4 is
     * used here (saved in mscratch) so that a FAIL can still print the last trap record. */
    csrw mscratch, t4
    csrr t4, mcause
    addi t4, t4, -CAUSE_BREAKPOINT
    beqz t4, 1f
    addi t4, t4, CAUSE_BREAKPOINT - CAUSE_ECALL_U
    beqz t4, 1f
    addi t4, t4, CAUSE_ECALL_U - CAUSE_ECALL_S
    beqz t4, 1f
    addi t4, t4, CAUSE_ECALL_S - CAUSE_ECALL_M
    bnez t4, 2f
1:  srli t4, a7, 4
    addi t4, t4, -(PRIV_SVC_BASE >> 4)
    bnez t4, 2f
    andi t4, a7, 0xf
    addi t4, t4, -0xf
    beqz t4, priv_svc_fail
    addi t4, t4, 1
    beqz t4, priv_svc_sunexp
    /* SET_PRIV / GOTO_PRIV: MPP = a7 & 3; continue after the 4-byte ecall/ebreak, or at a6
     * when a7 & 4 */
    li t4, MSTATUS_MPP
    csrc mstatus, t4
    andi t4, a7, 3
    slli t4, t4, MSTATUS_MPP_SHIFT
    csrs mstatus, t4
    andi t4, a7, 4
    bnez t4, 1f
    csrr t4, mepc
    addi t4, t4, 4
    csrw mepc, t4
    mret
1:  csrw mepc, a6
    mret
2:  csrr t4, mscratch
    csrr t3, mcause
3:  /* An ordinary trap: it must have been announced in t6 */
    li t4, 2
    bleu t6, t4, priv_m_unexpected
    bgez t3, 4f
    andi t4, t3, 63             /* interrupt: disable it in mie */
    li t5, 1
    sll t5, t5, t4
    csrc mie, t5
4:  csrr t2, mstatus
    andi t4, t6, 1              /* bit 0 of the resume address: resume in M-mode */
    beqz t4, 5f
    li t5, MSTATUS_MPP
    csrs mstatus, t5
    andi t6, t6, -2
5:  csrr t4, mepc
    csrr t5, mtval
    csrw mepc, t6
    li t6, 1
    mret

priv_m_unexpected:
    csrr a0, mcause
    csrr a1, mepc
    csrr a2, mtval
    li a3, 0
    j priv_report_unexpected
priv_svc_sunexp:
    csrr t4, mscratch
    mv a0, t3
    mv a1, t4
    mv a2, t5
    li a3, 1
    j priv_report_unexpected
priv_svc_fail:
    li t4, MSTATUS_MPRV
    csrc mstatus, t4
    csrr t4, mscratch
    la sp, _stack_top
    mv s0, t3
    mv s1, t4
    mv s2, t5
    mv s3, t6
    mv s4, t2
    la a0, priv_msg_fail
    call harness_puts
    mv a0, gp
    call harness_put_dec
    la a0, priv_msg_at
    call harness_puts
    csrr a0, mepc
    call harness_put_hex
    la a0, priv_msg_rec     /* the last trap record, to help diagnose */
    call harness_puts
    mv a0, s3
    call harness_put_hex
    la a0, priv_msg_cause
    call harness_puts
    mv a0, s0
    call harness_put_hex
    la a0, priv_msg_epc
    call harness_puts
    mv a0, s1
    call harness_put_hex
    la a0, priv_msg_tval
    call harness_puts
    mv a0, s2
    call harness_put_hex
    la a0, priv_msg_status
    call harness_puts
    mv a0, s4
    call harness_put_hex
    la a0, priv_msg_nl
    call harness_puts
    j priv_exit_gp

priv_report_unexpected:
    li t4, MSTATUS_MPRV
    csrc mstatus, t4
    la sp, _stack_top
    mv s0, a0
    mv s1, a1
    mv s2, a2
    mv s3, a3
    la a0, priv_msg_unexp
    call harness_puts
    la a0, priv_msg_in_s
    beqz s3, 5f
    call harness_puts
5:  la a0, priv_msg_case
    call harness_puts
    mv a0, gp
    call harness_put_dec
    la a0, priv_msg_cause
    call harness_puts
    mv a0, s0
    call harness_put_hex
    la a0, priv_msg_epc
    call harness_puts
    mv a0, s1
    call harness_put_hex
    la a0, priv_msg_tval
    call harness_puts
    mv a0, s2
    call harness_put_hex
    la a0, priv_msg_nl
    call harness_puts
priv_exit_gp:
    mv a0, gp
    bnez a0, 6f
    li a0, 0xfff
6:  call harness_exit

    /* S-mode handler (stvec): same protocol, t6 = 2 */
    .balign 4
    .globl priv_s_handler
priv_s_handler:
    csrr t3, scause
    li t4, 2
    bgtu t6, t4, 4f
    /* Unexpected here. A FAIL service delegated to S is forwarded unchanged; anything else
     * goes to M as PRIV_SVC_SUNEXP with scause/sepc/stval in t3/t4/t5. */
    li t4, PRIV_SVC_FAIL
    beq a7, t4, 7f
    csrr t4, sepc
    csrr t5, stval
    li a7, PRIV_SVC_SUNEXP
7:  ecall
4:  bgez t3, 5f
    andi t4, t3, 63             /* interrupt: disable it in sie */
    li t5, 1
    sll t5, t5, t4
    csrc sie, t5
5:  csrr t4, sepc
    csrr t5, stval
    csrr t2, sstatus
    csrw sepc, t6
    li t6, 2
    sret

    .pushsection .rodata
priv_msg_fail:   .asciz "check failed in case "
priv_msg_at:     .asciz " at pc "
priv_msg_rec:    .asciz "; t6="
priv_msg_unexp:  .asciz "unexpected trap"
priv_msg_in_s:   .asciz " (S handler)"
priv_msg_case:   .asciz " in case "
priv_msg_cause:  .asciz ": cause="
priv_msg_epc:    .asciz " epc="
priv_msg_tval:   .asciz " tval="
priv_msg_nl:     .asciz "\n"
priv_msg_status: .asciz " status="
    .popsection
.endm

#endif /* __ASSEMBLER__ */
#endif /* PRIV_COMMON_H */
