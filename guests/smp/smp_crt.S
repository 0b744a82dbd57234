/* Entry for multi-hart bare-metal guests: every hart gets its own stack (SMP_STACK_SIZE bytes
 * below _stack_top per hart id) and calls smp_main(hartid, dtb) with the a0/a1 values the
 * board passes (a1 = device tree address). Unexpected traps report FAIL. */
#define SMP_STACK_SIZE 8192
    .section .text.init, "ax"
    .globl _start
_start:
    csrr    a0, mhartid
    la      sp, smp_stacks_top
    li      t0, SMP_STACK_SIZE
    mul     t0, t0, a0
    sub     sp, sp, t0
    la      t0, smp_default_trap
    csrw    mtvec, t0
    call    smp_main
1:  wfi
    j       1b

    /* Any unexpected trap ends the run with FAIL (on the trapping hart's own stack). */
    .align 2
smp_default_trap:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    harness_unexpected_trap
2:  j       2b

    .bss
    .balign 16
    .globl smp_stacks
smp_stacks:
    .space SMP_STACK_SIZE * 64
smp_stacks_top:
