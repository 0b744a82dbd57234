/* priv_irq: interrupts. CLINT software (msip) and timer (mtimecmp) interrupts, mip read-only /
 * writable bits, WFI wake-up, priorities, the global enable rules per privilege mode, mideleg
 * delegation to S-mode, Sstc (stimecmp), the sie / sip views and mip.MEIP.
 * Framework and register conventions: priv_common.h (gp = case, t6 = trap expectation,
 * t2..t5 = trap record). Case numbers are the FAIL code.
 *
 * Interrupts are made pending while they are disabled and then enabled by one CSR write or an
 * xRET, so the interrupted instruction is known exactly: the spec requires the interrupt
 * conditions to be "evaluated immediately following the execution of an xRET instruction or an
 * explicit write to a CSR on which these interrupt trap conditions expressly depend (including
 * mip, mie, mstatus, and mideleg)". Timer deadlines are waited for with spin loops bounded by
 * mtime (read through the time CSR), so a missing interrupt fails with the case number instead
 * of hanging.
 *
 * The priority cases use the logging handlers below (irq_log_m / irq_log_s): each interrupt is
 * appended to irq_log (cause, epc, status, 1 = M / 2 = S handler) and its source is cleared, so
 * the next pending interrupt is taken right after the xRET. Exceptions (the SET_PRIV / FAIL
 * services) still go through the framework handlers. */
#include "priv_common.h"

/* CLINT of the virt board, hart 0; mtime counts at 10 MHz */
#define CLINT_BASE      0x2000000
#define CLINT_MSIP0     (CLINT_BASE + 0x0)
#define CLINT_MTIMECMP0 (CLINT_BASE + 0x4000)
#define CLINT_MTIME     (CLINT_BASE + 0xbff8)

/* The bounds are only reached when something is wrong: they are generous so that a loaded
 * host (timer callbacks delayed by the scheduler) does not fail the test. */
#define DELTA        2000        /* 200 us: timer deadline after "now" */
#define SPIN_TICKS   10000000    /* 1 s: how long to wait for an interrupt */
#define WAIT_TICKS   10000000    /* 1 s: how long to wait for a pending bit to change */
#define BACKUP_TICKS 10000000    /* 1 s: backup timer that ends a WFI that did not wake */

#define S_INTS  (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define M_INTS  (MIP_MSIP | MIP_MTIP | MIP_MEIP)
#define STD_INTS (S_INTS | M_INTS)          /* 0xaaa */
#define M_FIELDS (MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP)
#define S_FIELDS (MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SPP)
#define MPP(p)   ((p) << MSTATUS_MPP_SHIFT)
#define INT(n)   (CAUSE_INTERRUPT | (n))

#define LOG_MAX   8
#define LOG_CAUSE(i)  (8 + 32 * (i))
#define LOG_EPC(i)    (16 + 32 * (i))
#define LOG_STATUS(i) (24 + 32 * (i))
#define LOG_WHO(i)    (32 + 32 * (i))

/* ---------------------------------------------------------------------------------------- */
/* CLINT helpers (clobber t0, t1)                                                            */
/* ---------------------------------------------------------------------------------------- */
.macro MSIP_WRITE v
    li t0, CLINT_MSIP0
    li t1, \v
    sw t1, 0(t0)
.endm

.macro MTIMECMP_WRITE reg
    li t0, CLINT_MTIMECMP0
    sd \reg, 0(t0)
.endm

.macro MTIMECMP_FAR
    li t0, CLINT_MTIMECMP0
    li t1, -1
    sd t1, 0(t0)
.endm

/* mtime through its CSR shadow time (case 6 checks that they agree). The wait loops read the
 * CSR rather than the CLINT: spinning on the MMIO register can starve a host-side timer of
 * the emulator's device lock. S and U may read it (mcounteren.TM = scounteren.TM = 1). */
.macro READ_MTIME reg
    csrr \reg, time
.endm

/* reg = mtime + ticks */
.macro DEADLINE reg, ticks
    READ_MTIME \reg
    li t0, \ticks
    add \reg, \reg, t0
.endm

/* Wait (bounded by mtime) until (csr & mask) == val; FAIL on timeout. Works in every mode that
 * may read csr. Clobbers t0, t1, s11. */
.macro WAIT_CSR csr, mask, val
    DEADLINE s11, WAIT_TICKS
9980:
    csrr t1, \csr
    li t0, \mask
    and t1, t1, t0
    li t0, \val
    beq t1, t0, 9981f
    READ_MTIME t0
    bltu t0, s11, 9980b
    FAIL
9981:
.endm

/* Busy-wait ticks of mtime (the interrupt is expected to hit the loop). Labels: 9984 = first
 * instruction, 9983 = the instruction after the loop. Clobbers t0, t1, s11. */
.macro SPIN ticks
9984:
    DEADLINE s11, \ticks
9982:
    READ_MTIME t0
    bltu t0, s11, 9982b
9983:
.endm

/* The trap record's epc (t4) lies within the last SPIN (its end included). */
.macro CHECK_EPC_IN_SPIN
    la t0, 9984b
    bltu t4, t0, 9985f
    la t0, 9983b
    bleu t4, t0, 9986f
9985:
    FAIL
9986:
.endm

/* "Not early": when mip (or sip) value reg shows bit pending, mtime must be >= deadline.
 * Call with reg read before mtime. Clobbers t0, t1. */
.macro CHECK_NOT_EARLY reg, bit, deadline
    li t0, \bit
    and t0, \reg, t0
    beqz t0, 9987f
    READ_MTIME t1
    bgeu t1, \deadline, 9987f
    FAIL
9987:
.endm

/* mret from M-mode to mode p at label with MPIE = mpie (0/1). */
.macro ENTER p, label, mpie
    li t0, MSTATUS_MPP | MSTATUS_MPIE
    csrc mstatus, t0
    li t0, MPP(\p) | ((\mpie) * MSTATUS_MPIE)
    csrs mstatus, t0
    la t0, \label
    csrw mepc, t0
    mret
.endm

/* ---------------------------------------------------------------------------------------- */
/* Interrupt log (irq_log_m / irq_log_s)                                                     */
/* ---------------------------------------------------------------------------------------- */
.macro LOG_RESET
    la t0, irq_log
    sd zero, 0(t0)
.endm

.macro CHECK_LOG_COUNT n
    la t1, irq_log
    ld t1, 0(t1)
    CHECK_EQ t1, \n
.endm

/* Entry i: taken by handler who (1 = M, 2 = S) with cause, epc = label, status & mask == val.
 * Clobbers t0, t1, a5. */
.macro CHECK_LOG i, who, cause, label, mask, val
    la a5, irq_log
    ld t1, LOG_WHO(\i)(a5)
    CHECK_EQ t1, \who
    ld t1, LOG_CAUSE(\i)(a5)
    CHECK_EQ t1, \cause
    ld t1, LOG_EPC(\i)(a5)
    la t0, \label
    FAIL_IF_NE t1, t0
    la a5, irq_log
    ld t1, LOG_STATUS(\i)(a5)
    CHECK_FIELD t1, \mask, \val
.endm

/* Clean interrupt state (M-mode): no enables, no delegation, no sources. Clobbers t0, t1, s11. */
.macro IRQ_RESET
    csrci mstatus, MSTATUS_MIE | MSTATUS_SIE
    csrw mie, zero
    csrw mideleg, zero
    csrw CSR_MENVCFG, zero
    MSIP_WRITE 0
    MTIMECMP_FAR
    li t0, S_INTS
    csrc mip, t0
    WAIT_CSR mip, STD_INTS, 0
.endm

PRIV_TEST_NAME "priv_irq"

    .text
    .globl main
main:
    INSTALL_HANDLERS
    PMP_ALLOW_ALL
    csrw medeleg, zero
    li t0, 2
    csrw mcounteren, t0         /* TM: S and U read time (the wait loops) */
    csrw scounteren, t0
    csrw satp, zero
    li gp, 0
    IRQ_RESET

    /* ================================================================================ */
    /* Machine software interrupt (CLINT msip)                                            */
    /* ================================================================================ */

    /* 1: mip.MSIP is read-only to CSR writes: setting it does nothing while msip = 0 */
    TEST_CASE 1
    li t0, MIP_MSIP
    csrs mip, t0
    csrr a0, mip
    CHECK_FIELD a0, MIP_MSIP, 0

    /* 2: msip = 1 makes mip.MSIP pending; csrc / csrw of mip cannot clear it */
    TEST_CASE 2
    MSIP_WRITE 1
    WAIT_CSR mip, MIP_MSIP, MIP_MSIP
    li t0, MIP_MSIP
    csrc mip, t0
    csrr a0, mip
    CHECK_FIELD a0, MIP_MSIP, MIP_MSIP
    csrw mip, zero
    csrr a0, mip
    CHECK_FIELD a0, MIP_MSIP, MIP_MSIP

    /* 3: pending and enabled in mie, but M-mode with mstatus.MIE = 0: not taken. WFI still
     * completes (pending & enabled in mie, whatever MIE); a backup timer ends a WFI that does
     * not wake, which then fails */
    TEST_CASE 3
    li t0, MIP_MSIP
    csrw mie, t0
    nop
    nop
    DEADLINE s1, BACKUP_TICKS
    MTIMECMP_WRITE s1
    li t0, MIP_MTIP
    csrs mie, t0
    wfi
    READ_MTIME a1
    MTIMECMP_FAR
    bltu a1, s1, 1f
    FAIL                        /* woke up only for the backup timer */
1:  li t0, MIP_MTIP
    csrc mie, t0
    WAIT_CSR mip, MIP_MTIP, 0

    /* 4: enabling mstatus.MIE takes it at once: mcause = interrupt | 3, mepc = the next
     * instruction, MPIE = 1 (old MIE), MIE = 0, MPP = M; after mret MIE = 1, MPIE = 1, MPP = U */
    TEST_CASE 4
    li t0, MSTATUS_MPIE | MSTATUS_MPP
    csrc mstatus, t0
    li t0, MPP(PRV_S)           /* overwritten by the trap */
    csrs mstatus, t0
    EXPECT_TRAP 1f
    csrsi mstatus, MSTATUS_MIE
1:  csrr a0, mstatus
    csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP INT(IRQ_M_SOFT)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_FIELD a0, M_FIELDS, MSTATUS_MIE | MSTATUS_MPIE | MPP(PRV_U)
    csrr a0, mie
    CHECK_FIELD a0, MIP_MSIP, 0 /* the handler disabled it */

    /* 5: still pending; msip = 0 clears mip.MSIP; enabled again, nothing is taken */
    TEST_CASE 5
    csrr a0, mip
    CHECK_FIELD a0, MIP_MSIP, MIP_MSIP
    MSIP_WRITE 0
    WAIT_CSR mip, MIP_MSIP, 0
    li t0, MIP_MSIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_MIE
    nop
    nop
    csrci mstatus, MSTATUS_MIE
    csrw mie, zero

    /* ================================================================================ */
    /* Machine timer interrupt (CLINT mtimecmp)                                           */
    /* ================================================================================ */

    /* 6: the time CSR reads CLINT mtime; mtimecmp in the far future: MTIP clear, and csrs mip
     * cannot set it */
    TEST_CASE 6
    csrr a1, time
    li t0, CLINT_MTIME
    ld a2, 0(t0)
    csrr a3, time
    bltu a2, a1, 1f
    bgeu a3, a2, 2f
1:  FAIL                        /* time and mtime disagree */
2:
    MTIMECMP_FAR
    WAIT_CSR mip, MIP_MTIP, 0
    li t0, MIP_MTIP
    csrs mip, t0
    csrr a0, mip
    CHECK_FIELD a0, MIP_MTIP, 0

    /* 7: mtimecmp <= mtime: MTIP pending, csrc / csrw of mip cannot clear it; writing mtimecmp
     * in the far future clears it */
    TEST_CASE 7
    MTIMECMP_WRITE zero
    WAIT_CSR mip, MIP_MTIP, MIP_MTIP
    li t0, MIP_MTIP
    csrc mip, t0
    csrr a0, mip
    CHECK_FIELD a0, MIP_MTIP, MIP_MTIP
    csrw mip, zero
    csrr a0, mip
    CHECK_FIELD a0, MIP_MTIP, MIP_MTIP
    MTIMECMP_FAR
    WAIT_CSR mip, MIP_MTIP, 0

    /* 8: mtimecmp = mtime + delta, MTIE and MIE set, busy-wait: cause interrupt | 7 taken in the
     * loop, not before the deadline; MPIE = 1, MIE = 0, MPP = M; after mret MIE = 1 */
    TEST_CASE 8
    li t0, MIP_MTIP
    csrw mie, t0
    DEADLINE s1, DELTA
    MTIMECMP_WRITE s1
    csrr a1, mip
    CHECK_NOT_EARLY a1, MIP_MTIP, s1
    EXPECT_TRAP 1f
    csrsi mstatus, MSTATUS_MIE
    SPIN SPIN_TICKS
1:  csrr a0, mstatus
    csrci mstatus, MSTATUS_MIE
    READ_MTIME a1
    CHECK_M_TRAP INT(IRQ_M_TIMER)
    CHECK_EPC_IN_SPIN
    bgeu a1, s1, 2f
    FAIL                        /* taken before mtime reached mtimecmp */
2:  CHECK_FIELD t2, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_FIELD a0, M_FIELDS, MSTATUS_MIE | MSTATUS_MPIE | MPP(PRV_U)
    csrr a0, mip                /* still pending: only the enable was cleared */
    CHECK_FIELD a0, MIP_MTIP, MIP_MTIP
    MTIMECMP_FAR
    WAIT_CSR mip, MIP_MTIP, 0

    /* 9: the same with WFI: the trap is taken on the instruction after the WFI (mepc = WFI + 4);
     * a WFI that returns early (allowed) gets the interrupt in the spin loop */
    TEST_CASE 9
    li t0, MIP_MTIP
    csrw mie, t0
    csrsi mstatus, MSTATUS_MIE
    DEADLINE s1, DELTA
    EXPECT_TRAP 2f
    MTIMECMP_WRITE s1
    wfi
1:  SPIN SPIN_TICKS
2:  csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP INT(IRQ_M_TIMER)
    la t0, 1b
    beq t4, t0, 3f
    CHECK_EPC_IN_SPIN
3:  READ_MTIME a1
    bgeu a1, s1, 4f
    FAIL
4:  CHECK_FIELD t2, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    MTIMECMP_FAR
    WAIT_CSR mip, MIP_MTIP, 0

    /* ================================================================================ */
    /* WFI with interrupts globally disabled                                              */
    /* ================================================================================ */

    /* 10: mstatus.MIE = 0, MTIE = 1: WFI returns once MTIP is pending, without a trap, and
     * execution continues after the WFI (t6 = 0: any trap fails) */
    TEST_CASE 10
    li t0, MIP_MTIP
    csrw mie, t0
    DEADLINE s1, DELTA
    MTIMECMP_WRITE s1
    wfi
    READ_MTIME s2               /* s2 < s1: WFI returned before the deadline (allowed) */
    WAIT_CSR mip, MIP_MTIP, MIP_MTIP
    READ_MTIME a1
    bgeu a1, s1, 1f
    FAIL                        /* MTIP set before mtime reached mtimecmp */
1:  MTIMECMP_FAR
    WAIT_CSR mip, MIP_MTIP, 0
    csrw mie, zero
    bgeu s2, s1, 2f
    la a0, msg_wfi_early
    call report
    li t6, 0
2:

    /* 11: a delegated interrupt is never taken in M-mode, whatever MIE / SIE */
    TEST_CASE 11
    li t0, MIP_SSIP
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    csrsi mstatus, MSTATUS_MIE | MSTATUS_SIE
    nop
    nop
    nop
    csrci mstatus, MSTATUS_MIE | MSTATUS_SIE

    /* 12: ... but it still ends a WFI in M-mode (the WFI must resume for a locally enabled
     * pending interrupt even if delegated); backup timer as in case 3 */
    TEST_CASE 12
    DEADLINE s1, BACKUP_TICKS
    MTIMECMP_WRITE s1
    li t0, MIP_MTIP
    csrs mie, t0
    csrsi mstatus, MSTATUS_SIE
    wfi
    READ_MTIME a1
    csrci mstatus, MSTATUS_SIE
    MTIMECMP_FAR
    bltu a1, s1, 1f
    FAIL
1:  IRQ_RESET

    /* ================================================================================ */
    /* Priorities (logging handlers)                                                      */
    /* ================================================================================ */
    la t0, irq_log_m
    csrw mtvec, t0
    la t0, irq_log_s
    csrw stvec, t0

    /* 13: MSI and MTI both pending and enabled: enabling MIE takes MSI (3) first, then MTI (7)
     * after the handler cleared msip; both interrupt the same instruction */
    TEST_CASE 13
    MSIP_WRITE 1
    MTIMECMP_WRITE zero
    WAIT_CSR mip, MIP_MSIP | MIP_MTIP, MIP_MSIP | MIP_MTIP
    li t0, MIP_MSIP | MIP_MTIP
    csrw mie, t0
    LOG_RESET
    csrsi mstatus, MSTATUS_MIE
1:  csrci mstatus, MSTATUS_MIE
    CHECK_LOG_COUNT 2
    CHECK_LOG 0, 1, INT(IRQ_M_SOFT), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 1, 1, INT(IRQ_M_TIMER), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    csrr a0, mip
    CHECK_FIELD a0, M_INTS, 0

    /* 14: all five M-destined (nothing delegated, STCE = 0: SSIP / STIP / SEIP set through mip)
     * in M: MSI, MTI, SEI, SSI, STI */
    TEST_CASE 14
    MSIP_WRITE 1
    MTIMECMP_WRITE zero
    li t0, S_INTS
    csrs mip, t0
    WAIT_CSR mip, STD_INTS, MIP_MSIP | MIP_MTIP | S_INTS
    li t0, MIP_MSIP | MIP_MTIP | S_INTS
    csrw mie, t0
    LOG_RESET
    csrsi mstatus, MSTATUS_MIE
1:  csrci mstatus, MSTATUS_MIE
    CHECK_LOG_COUNT 5
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: without AIA it takes the lowest-numbered pending interrupt first
     * (SSI 1, MSI 3, STI 5, MTI 7, SEI 9) instead of MEI, MSI, MTI, SEI, SSI, STI */
    la a5, irq_log
    ld t1, LOG_CAUSE(0)(a5)
    li t0, INT(IRQ_S_SOFT)
    bne t1, t0, 2f
    CHECK_LOG 0, 1, INT(IRQ_S_SOFT), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 1, 1, INT(IRQ_M_SOFT), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 2, 1, INT(IRQ_S_TIMER), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 3, 1, INT(IRQ_M_TIMER), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 4, 1, INT(IRQ_S_EXT), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    j 3f
2:
.endif
    CHECK_LOG 0, 1, INT(IRQ_M_SOFT), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 1, 1, INT(IRQ_M_TIMER), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 2, 1, INT(IRQ_S_EXT), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 3, 1, INT(IRQ_S_SOFT), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    CHECK_LOG 4, 1, INT(IRQ_S_TIMER), 1b, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
3:
    csrr a0, mip
    CHECK_FIELD a0, STD_INTS, 0

    /* 15: delegated SEI, SSI, STI pending in S-mode: setting sstatus.SIE takes SEI (9), SSI (1),
     * STI (5) in that order in the S handler; SPP = S, SPIE = 1, SIE = 0 */
    TEST_CASE 15
    li t0, S_INTS
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    LOG_RESET
    SET_PRIV PRV_S
    nop                         /* SIE = 0: nothing taken */
    csrsi sstatus, MSTATUS_SIE
1:  csrci sstatus, MSTATUS_SIE
    SET_PRIV PRV_M
    CHECK_LOG_COUNT 3
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: lowest-numbered first (SSI 1, STI 5, SEI 9), see case 14 */
    la a5, irq_log
    ld t1, LOG_CAUSE(0)(a5)
    li t0, INT(IRQ_S_SOFT)
    bne t1, t0, 2f
    CHECK_LOG 0, 2, INT(IRQ_S_SOFT), 1b, S_FIELDS, MSTATUS_SPIE | MSTATUS_SPP
    CHECK_LOG 1, 2, INT(IRQ_S_TIMER), 1b, S_FIELDS, MSTATUS_SPIE | MSTATUS_SPP
    CHECK_LOG 2, 2, INT(IRQ_S_EXT), 1b, S_FIELDS, MSTATUS_SPIE | MSTATUS_SPP
    j 3f
2:
.endif
    CHECK_LOG 0, 2, INT(IRQ_S_EXT), 1b, S_FIELDS, MSTATUS_SPIE | MSTATUS_SPP
    CHECK_LOG 1, 2, INT(IRQ_S_SOFT), 1b, S_FIELDS, MSTATUS_SPIE | MSTATUS_SPP
    CHECK_LOG 2, 2, INT(IRQ_S_TIMER), 1b, S_FIELDS, MSTATUS_SPIE | MSTATUS_SPP
3:
    IRQ_RESET

    /* 16: in S with SIE = 1, MTI (to M) and a delegated SSI (to S) both pending after an mret to
     * S: "Interrupts to M-mode take priority over any interrupts to lower privilege modes": MTI
     * is taken in M (MPP = S, mepc = the mret target), then SSI in S at the same instruction */
    TEST_CASE 16
    li t0, MIP_SSIP
    csrw mideleg, t0
    csrs mip, t0
    MTIMECMP_WRITE zero
    WAIT_CSR mip, MIP_MTIP, MIP_MTIP
    li t0, MIP_SSIP | MIP_MTIP
    csrw mie, t0
    csrsi mstatus, MSTATUS_SIE
    LOG_RESET
    ENTER PRV_S, 1f, 0
1:  csrci sstatus, MSTATUS_SIE
    SET_PRIV PRV_M
    CHECK_LOG_COUNT 2
    CHECK_LOG 0, 1, INT(IRQ_M_TIMER), 1b, M_FIELDS, MPP(PRV_S)
    CHECK_LOG 1, 2, INT(IRQ_S_SOFT), 1b, S_FIELDS, MSTATUS_SPIE | MSTATUS_SPP
    IRQ_RESET

    INSTALL_HANDLERS

    /* ================================================================================ */
    /* Global enables per privilege mode                                                  */
    /* ================================================================================ */

    /* 17: an M-level interrupt is taken in S-mode even with mstatus.MIE = 0: the mret to S
     * traps before the first S instruction (mepc = the target, MPP = S, MPIE = 0) */
    TEST_CASE 17
    MSIP_WRITE 1
    WAIT_CSR mip, MIP_MSIP, MIP_MSIP
    li t0, MIP_MSIP
    csrw mie, t0
    EXPECT_TRAP_TO_M 2f
    ENTER PRV_S, 1f, 0
1:  FAIL                        /* must not run in S */
2:  csrr a0, mstatus
    CHECK_M_TRAP INT(IRQ_M_SOFT)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, M_FIELDS, MPP(PRV_S)
    CHECK_FIELD a0, M_FIELDS, MSTATUS_MPIE | MPP(PRV_U)
    MSIP_WRITE 0
    WAIT_CSR mip, MIP_MSIP, 0

    /* 18: M timer interrupt taken in U-mode with MIE = 0 */
    TEST_CASE 18
    MTIMECMP_WRITE zero
    WAIT_CSR mip, MIP_MTIP, MIP_MTIP
    li t0, MIP_MTIP
    csrw mie, t0
    EXPECT_TRAP_TO_M 2f
    ENTER PRV_U, 1f, 0
1:  FAIL
2:  CHECK_M_TRAP INT(IRQ_M_TIMER)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, M_FIELDS, MPP(PRV_U)
    MTIMECMP_FAR
    WAIT_CSR mip, MIP_MTIP, 0

    /* 19: M software interrupt taken in U-mode with MIE = 1 (MPIE records it) */
    TEST_CASE 19
    MSIP_WRITE 1
    WAIT_CSR mip, MIP_MSIP, MIP_MSIP
    li t0, MIP_MSIP
    csrw mie, t0
    EXPECT_TRAP_TO_M 2f
    ENTER PRV_U, 1f, 1
1:  FAIL
2:  csrr a0, mstatus
    csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP INT(IRQ_M_SOFT)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, M_FIELDS, MSTATUS_MPIE | MPP(PRV_U)
    CHECK_FIELD a0, M_FIELDS, MSTATUS_MIE | MSTATUS_MPIE | MPP(PRV_U)
    MSIP_WRITE 0
    WAIT_CSR mip, MIP_MSIP, 0

    /* 20: a delegated SSI is taken in U-mode even with sstatus.SIE = 0: S handler, scause =
     * interrupt | 1, sepc = the mret target, SPP = U, SPIE = 0; after sret SIE = 0, SPIE = 1 */
    TEST_CASE 20
    li t0, MIP_SSIP
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    csrci mstatus, MSTATUS_SIE
    EXPECT_TRAP 2f
    ENTER PRV_U, 1f, 0
1:  FAIL
2:  CHECK_S_TRAP INT(IRQ_S_SOFT)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, S_FIELDS, 0
    SET_PRIV PRV_M              /* (the S handler returned to U) */
    csrr a0, mstatus
    CHECK_FIELD a0, S_FIELDS, MSTATUS_SPIE
    csrr a0, mip
    CHECK_FIELD a0, MIP_SSIP, MIP_SSIP
    IRQ_RESET

    /* 21: a delegated STI (raised by M through mip.STIP, STCE = 0) in U-mode with SIE = 0 */
    TEST_CASE 21
    li t0, MIP_STIP
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    EXPECT_TRAP 2f
    ENTER PRV_U, 1f, 0
1:  FAIL
2:  CHECK_S_TRAP INT(IRQ_S_TIMER)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, S_FIELDS, 0
    SET_PRIV PRV_M
    IRQ_RESET

    /* ================================================================================ */
    /* Delegation (mideleg)                                                               */
    /* ================================================================================ */

    /* 22: SSI delegated, pending (M sets mip.SSIP) and enabled; in S with SIE = 0 it waits
     * (visible in sip) */
    TEST_CASE 22
    li t0, MIP_SSIP
    csrw mideleg, t0
    csrw mie, t0
    csrs mip, t0
    SET_PRIV PRV_S
    nop
    nop
    csrr a0, sip
    CHECK_FIELD a0, S_INTS, MIP_SSIP

    /* 23: setting sstatus.SIE takes it in S: scause = interrupt | 1, sepc = the next
     * instruction, SPP = S, SPIE = 1, SIE = 0; after sret SIE = 1, SPIE = 1, SPP = U */
    TEST_CASE 23
    EXPECT_TRAP 1f
    csrsi sstatus, MSTATUS_SIE
1:  csrr a0, sstatus
    csrci sstatus, MSTATUS_SIE
    CHECK_S_TRAP INT(IRQ_S_SOFT)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, S_FIELDS, MSTATUS_SPP | MSTATUS_SPIE
    CHECK_FIELD a0, S_FIELDS, MSTATUS_SIE | MSTATUS_SPIE

    /* 24: the S handler disabled sie.SSIE; S clears the pending bit through sip, which clears
     * mip.SSIP */
    TEST_CASE 24
    csrr a0, sie
    CHECK_FIELD a0, MIP_SSIP, 0
    csrr a0, sip
    CHECK_FIELD a0, MIP_SSIP, MIP_SSIP
    csrci sip, MIP_SSIP
    csrr a0, sip
    CHECK_FIELD a0, MIP_SSIP, 0
    SET_PRIV PRV_M
    csrr a0, mip
    CHECK_FIELD a0, MIP_SSIP, 0
    IRQ_RESET

    /* 25: SSI not delegated: pending in S-mode, it goes to M (cause interrupt | 1, MPP = S)
     * although mstatus.MIE = 0 and sstatus.SIE = 1 */
    TEST_CASE 25
    li t0, MIP_SSIP
    csrw mie, t0
    csrs mip, t0
    csrsi mstatus, MSTATUS_SIE
    EXPECT_TRAP_TO_M 2f
    ENTER PRV_S, 1f, 0
1:  FAIL
2:  csrr a0, sstatus
    csrci mstatus, MSTATUS_SIE
    CHECK_M_TRAP INT(IRQ_S_SOFT)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, M_FIELDS, MPP(PRV_S)
    CHECK_FIELD a0, MSTATUS_SIE, MSTATUS_SIE    /* an M trap leaves sstatus.SIE alone */

    /* 26: SSI not delegated, in M-mode: taken when MIE is set, cause interrupt | 1 */
    TEST_CASE 26
    li t0, MIP_SSIP
    csrw mie, t0
    EXPECT_TRAP 1f
    csrsi mstatus, MSTATUS_MIE
1:  csrci mstatus, MSTATUS_MIE
    CHECK_M_TRAP INT(IRQ_S_SOFT)
    CHECK_ADDR t4, 1b
    CHECK_FIELD t2, M_FIELDS, MSTATUS_MPIE | MPP(PRV_M)
    IRQ_RESET

    /* ================================================================================ */
    /* Sstc: stimecmp                                                                     */
    /* ================================================================================ */

    /* 27: STCE = 1, stimecmp in the far future: STIP clear and read-only (csrs mip ignored) */
    TEST_CASE 27
    li t0, MENVCFG_STCE
    csrs CSR_MENVCFG, t0
    li t0, -1
    csrw CSR_STIMECMP, t0
    WAIT_CSR mip, MIP_STIP, 0
    li t0, MIP_STIP
    csrs mip, t0
    csrr a0, mip
    CHECK_FIELD a0, MIP_STIP, 0

    /* 28: stimecmp = 0 (written by M): STIP pending; csrc / csrw of mip cannot clear it;
     * stimecmp in the far future clears it */
    TEST_CASE 28
    csrw CSR_STIMECMP, zero
    WAIT_CSR mip, MIP_STIP, MIP_STIP
    li t0, MIP_STIP
    csrc mip, t0
    csrr a0, mip
    CHECK_FIELD a0, MIP_STIP, MIP_STIP
    csrw mip, zero
    csrr a0, mip
    CHECK_FIELD a0, MIP_STIP, MIP_STIP
    li t0, -1
    csrw CSR_STIMECMP, t0
    WAIT_CSR mip, MIP_STIP, 0

    /* 29: S writes stimecmp = time + delta; STI delegated and enabled, SIE = 1, busy-wait: the S
     * handler gets scause = interrupt | 5 in the loop, not before the deadline; SPP = S,
     * SPIE = 1, SIE = 0; after sret SIE = 1 */
    TEST_CASE 29
    li t0, MIP_STIP
    csrw mideleg, t0
    csrw mie, t0
    SET_PRIV PRV_S
    csrr s1, time
    li t0, DELTA
    add s1, s1, t0
    csrw CSR_STIMECMP, s1
    csrr a1, sip
    CHECK_NOT_EARLY a1, MIP_STIP, s1
    EXPECT_TRAP 1f
    csrsi sstatus, MSTATUS_SIE
    SPIN SPIN_TICKS
1:  csrr a0, sstatus
    csrci sstatus, MSTATUS_SIE
    csrr a1, time
    CHECK_S_TRAP INT(IRQ_S_TIMER)
    CHECK_EPC_IN_SPIN
    bgeu a1, s1, 2f
    FAIL
2:  CHECK_FIELD t2, S_FIELDS, MSTATUS_SPP | MSTATUS_SPIE
    CHECK_FIELD a0, S_FIELDS, MSTATUS_SIE | MSTATUS_SPIE

    /* 30: still pending (only sie.STIE was cleared) and read-only in sip; S writing stimecmp in
     * the far future clears it */
    TEST_CASE 30
    csrr a0, sip
    CHECK_FIELD a0, MIP_STIP, MIP_STIP
    li t0, MIP_STIP
    csrc sip, t0
    csrr a0, sip
    CHECK_FIELD a0, MIP_STIP, MIP_STIP
    li t0, -1
    csrw CSR_STIMECMP, t0
    WAIT_CSR sip, MIP_STIP, 0
    SET_PRIV PRV_M
    csrr a0, mip
    CHECK_FIELD a0, MIP_STIP, 0
    IRQ_RESET

    /* ================================================================================ */
    /* sie / sip views                                                                    */
    /* ================================================================================ */

    /* 31: only SSI delegated, everything pending and enabled in mip / mie (MIE = 0): sie / sip
     * show just SSIE / SSIP */
    TEST_CASE 31
    li t0, MIP_SSIP
    csrw mideleg, t0
    MSIP_WRITE 1
    MTIMECMP_WRITE zero
    li t0, S_INTS
    csrs mip, t0
    WAIT_CSR mip, STD_INTS, S_INTS | MIP_MSIP | MIP_MTIP
    li t0, STD_INTS
    csrw mie, t0
    csrr a0, sie
    CHECK_FIELD a0, STD_INTS, MIP_SSIP
    csrr a0, sip
    CHECK_FIELD a0, STD_INTS, MIP_SSIP

    /* 32: writes through sie / sip reach only the delegated bits */
    TEST_CASE 32
    csrw sie, zero
    csrr a0, mie
    CHECK_FIELD a0, STD_INTS, STD_INTS & ~MIP_SSIP
    li t0, STD_INTS
    csrc mie, t0
    li t0, STD_INTS
    csrs sie, t0
    csrr a0, mie
    CHECK_FIELD a0, STD_INTS, MIP_SSIP
    csrw sip, zero
    csrr a0, mip
    CHECK_FIELD a0, STD_INTS, MIP_STIP | MIP_SEIP | MIP_MSIP | MIP_MTIP
    li t0, MIP_SSIP
    csrc mip, t0
    csrr a0, sip
    CHECK_FIELD a0, STD_INTS, 0
    MSIP_WRITE 0
    MTIMECMP_FAR
    WAIT_CSR mip, M_INTS, 0

    /* 33: the same from S-mode: sip shows SSIP only and sets only it */
    TEST_CASE 33
    SET_PRIV PRV_S
    li t0, STD_INTS
    csrs sip, t0
    csrr a0, sip
    CHECK_FIELD a0, STD_INTS, MIP_SSIP
    csrr a0, sie
    CHECK_FIELD a0, STD_INTS, MIP_SSIP
    csrci sip, MIP_SSIP
    SET_PRIV PRV_M
    csrr a0, mip
    CHECK_FIELD a0, STD_INTS, MIP_STIP | MIP_SEIP
    IRQ_RESET

    /* ================================================================================ */
    /* mip.MEIP                                                                           */
    /* ================================================================================ */

    /* 34: MEIP is read-only in mip (nothing drives it): csrs does not set it */
    TEST_CASE 34
    li t0, MIP_MEIP
    csrs mip, t0
    csrr a0, mip
    CHECK_FIELD a0, MIP_MEIP, 0

    /* 35: csrw mip, -1 (STCE = 0) sets exactly SSIP, STIP, SEIP among the standard bits */
    TEST_CASE 35
    li t0, -1
    csrw mip, t0
    csrr a0, mip
    csrw mip, zero
    CHECK_FIELD a0, STD_INTS, S_INTS
    csrr a0, mip
    CHECK_FIELD a0, STD_INTS, 0

    /* 36: mie has a writable bit for every standard interrupt */
    TEST_CASE 36
    li t0, STD_INTS
    csrw mie, t0
    csrr a0, mie
    csrw mie, zero
    CHECK_FIELD a0, STD_INTS, STD_INTS

    PASS

/* report(a0 = message): print an informational line (M-mode only; clobbers t6). */
report:
    addi sp, sp, -16
    sd ra, 0(sp)
    call harness_puts
    ld ra, 0(sp)
    addi sp, sp, 16
    ret

/* ---------------------------------------------------------------------------------------- */
/* Logging interrupt handlers (use t2..t5 and xscratch only). Exceptions go to the framework  */
/* handlers.                                                                                  */
/* ---------------------------------------------------------------------------------------- */
    .balign 4
irq_log_m:
    csrw mscratch, t5
    csrr t5, mcause
    bgez t5, 8f
    la t2, irq_log
    ld t3, 0(t2)
    addi t4, t3, 1
    sd t4, 0(t2)
    li t4, LOG_MAX
    bgeu t3, t4, 7f
    slli t3, t3, 5
    add t2, t2, t3
    sd t5, 8(t2)
    csrr t3, mepc
    sd t3, 16(t2)
    csrr t3, mstatus
    sd t3, 24(t2)
    li t3, 1
    sd t3, 32(t2)
    /* clear the source, then wait (bounded) until mip shows it clear */
    andi t5, t5, 63
    li t3, IRQ_M_SOFT
    bne t5, t3, 1f
    li t2, CLINT_MSIP0
    sw zero, 0(t2)
    li t4, MIP_MSIP
    j 5f
1:  li t3, IRQ_M_TIMER
    bne t5, t3, 2f
    li t2, CLINT_MTIMECMP0
    li t3, -1
    sd t3, 0(t2)
    li t4, MIP_MTIP
    j 5f
2:  li t4, 1
    sll t4, t4, t5
    csrc mip, t4
5:  li t3, 1000000
6:  csrr t2, mip
    and t2, t2, t4
    beqz t2, 9f
    addi t3, t3, -1
    bnez t3, 6b
9:  mret
7:  csrw mie, zero              /* runaway: stop every interrupt (the count shows it) */
    mret
8:  csrr t5, mscratch
    j priv_m_handler

    .balign 4
irq_log_s:
    csrw sscratch, t5
    csrr t5, scause
    bgez t5, 8f
    la t2, irq_log
    ld t3, 0(t2)
    addi t4, t3, 1
    sd t4, 0(t2)
    li t4, LOG_MAX
    bgeu t3, t4, 7f
    slli t3, t3, 5
    add t2, t2, t3
    sd t5, 8(t2)
    csrr t3, sepc
    sd t3, 16(t2)
    csrr t3, sstatus
    sd t3, 24(t2)
    li t3, 2
    sd t3, 32(t2)
    /* SSIP: clear the pending bit through sip; STIP / SEIP are read-only in sip: disable */
    andi t5, t5, 63
    li t3, 1
    sll t3, t3, t5
    li t4, MIP_SSIP
    bne t3, t4, 1f
    csrc sip, t3
    sret
1:  csrc sie, t3
    sret
7:  csrw sie, zero
    sret
8:  csrr t5, sscratch
    j priv_s_handler

    PRIV_HANDLERS

    .section .rodata
msg_wfi_early: .asciz "priv_irq: note: wfi returned before the timer deadline (allowed)\n"

    .data
    .balign 8
irq_log:
    .dword 0
    .zero 32 * LOG_MAX
