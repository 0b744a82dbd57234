/* Entry points of the S-mode SBI test guest. The boot hart enters at _start (a0 = hartid,
 * a1 = device tree); harts started through HSM enter at sbi_secondary_entry (a0 = hartid,
 * a1 = opaque) and a non-retentive suspend resumes at sbi_resume_entry (same registers).
 * Each sets its hart's stack (SBI_STACK_SIZE bytes per hart id below sbi_stacks_top) and the
 * trap vector, then calls C with a0/a1 untouched. */
#define SBI_STACK_SIZE 16384
#define SBI_MAX_HARTS 8

    .macro  set_stack_and_vector
    li      t0, SBI_MAX_HARTS
    bgeu    a0, t0, 9f                 /* no stack for this hart: stop here */
    la      sp, sbi_stacks_top
    li      t0, SBI_STACK_SIZE
    mul     t0, t0, a0
    sub     sp, sp, t0
    la      t0, sbi_trap_vector
    csrw    stvec, t0
    .endm

    .section .text.init, "ax"
    .globl _start
_start:
    set_stack_and_vector
    call    sbi_boot_main
    j       9f

    .globl sbi_secondary_entry
    .align 2
sbi_secondary_entry:
    set_stack_and_vector
    call    sbi_secondary_main
    j       9f

    .globl sbi_resume_entry
    .align 2
sbi_resume_entry:
    set_stack_and_vector
    call    sbi_resume_main
9:  wfi
    j       9b

    /* Traps: save the caller-saved registers, call sbi_trap(scause, sepc, stval), sret. */
    .align 2
    .globl sbi_trap_vector
sbi_trap_vector:
    addi    sp, sp, -128
    sd      ra, 0(sp)
    sd      t0, 8(sp)
    sd      t1, 16(sp)
    sd      t2, 24(sp)
    sd      t3, 32(sp)
    sd      t4, 40(sp)
    sd      t5, 48(sp)
    sd      t6, 56(sp)
    sd      a0, 64(sp)
    sd      a1, 72(sp)
    sd      a2, 80(sp)
    sd      a3, 88(sp)
    sd      a4, 96(sp)
    sd      a5, 104(sp)
    sd      a6, 112(sp)
    sd      a7, 120(sp)
    csrr    a0, scause
    csrr    a1, sepc
    csrr    a2, stval
    call    sbi_trap
    ld      ra, 0(sp)
    ld      t0, 8(sp)
    ld      t1, 16(sp)
    ld      t2, 24(sp)
    ld      t3, 32(sp)
    ld      t4, 40(sp)
    ld      t5, 48(sp)
    ld      t6, 56(sp)
    ld      a0, 64(sp)
    ld      a1, 72(sp)
    ld      a2, 80(sp)
    ld      a3, 88(sp)
    ld      a4, 96(sp)
    ld      a5, 104(sp)
    ld      a6, 112(sp)
    ld      a7, 120(sp)
    addi    sp, sp, 128
    sret

    .bss
    .balign 16
sbi_stacks:
    .space SBI_STACK_SIZE * SBI_MAX_HARTS
    .globl sbi_stacks_top
sbi_stacks_top:
