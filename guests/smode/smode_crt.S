/* Entry points of the bundled S-mode guests (tlbtorture, flushlat). They run on the
 * built-in SBI (no -bios) and on OpenSBI fw_jump, on tlbstorm and on qemu-system-riscv64.
 *   _start              boot hart, a0 = hartid, a1 = device tree (whichever hart won
 *                       OpenSBI's boot lottery: not always hart 0)
 *   smode_secondary     harts started through SBI HSM hart_start, a0 = hartid, a1 = opaque
 * Each sets sp to its hart's stack and stvec to smode_trap_vector, then calls C:
 * smode_boot(hartid, dtb) or smode_secondary_main(hartid, opaque). */
#include "smode_layout.h"

    .macro  set_stack_and_vector
    li      t0, SMODE_MAX_HARTS
    bgeu    a0, t0, 9f                 /* hart id beyond our stacks: park */
    la      sp, smode_stacks_top
    li      t0, SMODE_STACK_SIZE
    mul     t0, t0, a0
    sub     sp, sp, t0
    la      t0, smode_trap_vector
    csrw    stvec, t0
    csrw    sscratch, zero
    mv      tp, a0                     /* tp = hart id for the whole run */
    .endm

    .section .text.init, "ax"
    .globl _start
_start:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    set_stack_and_vector
    call    smode_boot
    j       9f

    .globl smode_secondary
    .align 2
smode_secondary:
    .option push
    .option norelax
    la      gp, __global_pointer$
    .option pop
    set_stack_and_vector
    call    smode_secondary_main
9:  wfi
    j       9b

    /* Traps: save every integer register into a SmodeTrapFrame on the stack, call
     * smode_trap(frame), restore (the handler may change frame->sepc and registers), sret. */
    .align 2
    .globl smode_trap_vector
smode_trap_vector:
    addi    sp, sp, -272
    sd      x1, 8(sp)
    sd      x3, 24(sp)
    sd      x4, 32(sp)
    sd      x5, 40(sp)
    sd      x6, 48(sp)
    sd      x7, 56(sp)
    sd      x8, 64(sp)
    sd      x9, 72(sp)
    sd      x10, 80(sp)
    sd      x11, 88(sp)
    sd      x12, 96(sp)
    sd      x13, 104(sp)
    sd      x14, 112(sp)
    sd      x15, 120(sp)
    sd      x16, 128(sp)
    sd      x17, 136(sp)
    sd      x18, 144(sp)
    sd      x19, 152(sp)
    sd      x20, 160(sp)
    sd      x21, 168(sp)
    sd      x22, 176(sp)
    sd      x23, 184(sp)
    sd      x24, 192(sp)
    sd      x25, 200(sp)
    sd      x26, 208(sp)
    sd      x27, 216(sp)
    sd      x28, 224(sp)
    sd      x29, 232(sp)
    sd      x30, 240(sp)
    sd      x31, 248(sp)
    addi    t0, sp, 272
    sd      t0, 16(sp)                 /* x2 as it was before the trap */
    csrr    t0, sepc
    sd      t0, 0(sp)
    csrr    t0, scause
    sd      t0, 256(sp)
    csrr    t0, stval
    sd      t0, 264(sp)
    mv      a0, sp
    call    smode_trap
    ld      t0, 0(sp)
    csrw    sepc, t0
    ld      x1, 8(sp)
    ld      x3, 24(sp)
    ld      x4, 32(sp)
    ld      x5, 40(sp)
    ld      x6, 48(sp)
    ld      x7, 56(sp)
    ld      x8, 64(sp)
    ld      x9, 72(sp)
    ld      x10, 80(sp)
    ld      x11, 88(sp)
    ld      x12, 96(sp)
    ld      x13, 104(sp)
    ld      x14, 112(sp)
    ld      x15, 120(sp)
    ld      x16, 128(sp)
    ld      x17, 136(sp)
    ld      x18, 144(sp)
    ld      x19, 152(sp)
    ld      x20, 160(sp)
    ld      x21, 168(sp)
    ld      x22, 176(sp)
    ld      x23, 184(sp)
    ld      x24, 192(sp)
    ld      x25, 200(sp)
    ld      x26, 208(sp)
    ld      x27, 216(sp)
    ld      x28, 224(sp)
    ld      x29, 232(sp)
    ld      x30, 240(sp)
    ld      x31, 248(sp)
    addi    sp, sp, 272
    sret

    .bss
    .balign 4096
smode_stacks:
    .space SMODE_STACK_SIZE * SMODE_MAX_HARTS
    .globl smode_stacks_top
smode_stacks_top:
