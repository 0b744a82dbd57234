/* Entry of the flush_stress guest: every hart gets a stack (STRESS_STACK bytes per hart id
 * below stress_stacks_top), an M-mode trap vector that records the trap in its status page,
 * and calls stress_m_main(hartid). Nothing here touches another hart's memory. */
#define STRESS_STACK 8192
#define STRESS_MAX_HARTS 16
    .section .text.init, "ax"
    .globl _start
_start:
    csrr    a0, mhartid
    li      t0, STRESS_MAX_HARTS
1:  bgeu    a0, t0, 1b                  /* no stack for this hart: spin (never in tests) */
    la      sp, stress_stacks_top
    li      t0, STRESS_STACK
    mul     t0, t0, a0
    sub     sp, sp, t0
    la      t0, stress_m_trap
    csrw    mtvec, t0
    call    stress_m_main
2:  wfi
    j       2b

    /* Any trap is unexpected (S-mode runs with interrupts disabled and nothing delegated
     * but the timer and software interrupts, which only wake WFI): record it and park. */
    .align 2
stress_m_trap:
    csrr    a0, mcause
    csrr    a1, mepc
    csrr    a2, mtval
    call    stress_record_trap
3:  wfi
    j       3b

    .bss
    .balign 16
stress_stacks:
    .space STRESS_STACK * STRESS_MAX_HARTS
stress_stacks_top:
