/* Entry for bare-metal guests. Hart 0 sets up a stack and a default M-mode trap handler
 * (any unexpected trap reports FAIL with mcause/mepc/mtval), calls main(), and reports
 * PASS (main returned 0) or FAIL (non-zero) through harness_exit. Other harts park in WFI. */
    .section .text.init, "ax"
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, 2f
    la      sp, _stack_top
    la      t0, harness_default_trap
    csrw    mtvec, t0
    /* Enable the FPU so F/D tests can run (mstatus.FS = Initial). */
    li      t0, (1 << 13)
    csrs    mstatus, t0
    csrwi   fcsr, 0
    call    main
    call    harness_exit
1:  j       1b
2:  wfi
    j       2b

    .align 2
    .globl harness_default_trap
harness_default_trap:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    la      sp, _stack_top
    call    harness_unexpected_trap
3:  j       3b
