/*
 * memloop.S - memory-heavy compute benchmark guest for tlbstorm / QEMU.
 *
 * Build (standalone, no harness):
 *   riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles \
 *       -Wl,-Ttext=0x80000000 [-DITERS=n] -o memloop.elf memloop.S
 *
 * Entered at 0x80000000 in M-mode (bare physical addressing, no MMU). Hart 0 runs the
 * benchmark; any other hart parks in wfi.
 *
 * Working set: one 1 MiB buffer in .bss (4 KiB aligned) = 16384 nodes of 64 bytes.
 * Dword 0 of each node is a "next" pointer, bytes 8..63 are data. The guest
 * initialises the whole buffer itself (it does not rely on .bss being zeroed):
 * node i points to node (69069 * i + 1) mod 16384, a full-period LCG, so following the
 * pointers from any node visits all 16384 nodes in one pseudo-random cycle.
 *
 * Each outer iteration (ITERS of them) does
 *   stream: one pass over all 16384 nodes in address order, per node 10 memory
 *           accesses of every size (ld/sd, lw/sw, lhu/sh, lbu/sb) at offsets 8..63,
 *           with read-modify-write dependencies; 17 instructions per node;
 *   chase:  16384 dependent loads `ld p, 0(p)` along the pointer cycle (8 per loop
 *           iteration), i.e. random 64-byte-granular accesses over 256 pages;
 *           11 instructions per 8 nodes.
 * Per outer iteration: 163840 + 16384 = 180224 memory accesses.
 * At the end it prints "memloop <16 hex digits>\n" (checksum of the data read) to the
 * UART and powers off through the SiFive test device (0x5555 -> 0x100000).
 *
 * Exact dynamic instruction count on hart 0, from the first instruction at 0x80000000
 * up to and including the powering-off store (the reset-vector ROM is not counted):
 *
 *   prologue                          17
 *   init        17 * 16384     =  278528
 *   chase start                        1
 *   per outer iteration:
 *     stream setup                     1
 *     stream    17 * 16384     =  278528
 *     chase setup                      1
 *     chase     11 * 2048      =   22528
 *     outer counter + branch           2
 *     ------------------------------------
 *     K_OUTER                  =  301060
 *   checksum                           1
 *   print name                        45   lui, la(2), "memloop " = 8 x 5 + 2
 *   print hex                        117   la(2), li, 16 x 7, li + sb
 *   power off                          4
 *   ------------------------------------------------------------------------
 *   total = 301060 * ITERS + 278713    (default ITERS = 3000 -> 903,458,713)
 *
 * The count is also stored in the ELF (record "TLBSBENCH", see bench_info below);
 * `bench/compute.py --verify-counts` checks it against a single-stepped QEMU trace.
 */

#ifndef ITERS
#define ITERS 3000
#endif

    .equ N_ITERS,   ITERS
    .equ NODES,     16384               /* 1 MiB / 64 */
    .equ NODE_SIZE, 64
    .equ BUF_SIZE,  NODES * NODE_SIZE
    .equ UNROLL,    8
    .equ K_INIT,    17
    .equ K_STREAM,  17
    .equ K_CHASE,   11
    .equ K_OUTER,   1 + K_STREAM * NODES + 1 + K_CHASE * (NODES / UNROLL) + 2
    .equ OVERHEAD,  17 + K_INIT * NODES + 1 + 1 + 45 + 117 + 4
    .equ INSNS,     K_OUTER * N_ITERS + OVERHEAD

    .equ UART0,     0x10000000
    .equ TESTDEV,   0x100000
    .equ POWEROFF,  0x5555

    .option norelax             /* gp is never set up: no gp-relative relaxation */

    .text
    .globl _start
_start:
    csrr    t0, mhartid                 /* prologue: 17 instructions */
    bnez    t0, park
    la      t0, params
    ld      s0, 0(t0)                   /* outer iterations */
    ld      s3, 8(t0)                   /* NODES - 1 (index mask) */
    ld      s4, 16(t0)                  /* LCG multiplier */
    ld      s5, 24(t0)                  /* NODES */
    ld      s8, 32(t0)                  /* NODES / UNROLL */
    la      s2, buffer                  /* buffer base */
    ld      t1, 40(t0)
    add     s6, s2, t1                  /* buffer end */
    li      a0, 0                       /* checksums */
    li      a1, 0
    mv      t0, s2                      /* init: node pointer */
    li      t1, 0                       /* init: node index */

init:                                   /* 17 instructions per node */
    mul     t2, t1, s4
    addi    t2, t2, 1
    and     t2, t2, s3                  /* next index = (a*i + 1) mod NODES */
    slli    t2, t2, 6
    add     t2, t2, s2                  /* &node[next] */
    xor     t3, t1, t2
    sd      t2, 0(t0)
    sd      t1, 8(t0)
    sd      t3, 16(t0)
    sd      t2, 24(t0)
    sd      t3, 32(t0)
    sd      t1, 40(t0)
    sd      t3, 48(t0)
    sd      t2, 56(t0)
    addi    t1, t1, 1
    addi    t0, t0, NODE_SIZE
    bne     t1, s5, init

    mv      s7, s2                      /* chase pointer: node 0 */

outer:
    mv      t0, s2                      /* stream setup */
stream:                                 /* 17 instructions, 10 accesses per node */
    ld      t1, 8(t0)
    ld      t2, 16(t0)
    add     t3, t1, t2
    sd      t3, 8(t0)
    lw      t4, 24(t0)
    xor     t4, t4, t3
    sw      t4, 28(t0)
    lhu     t5, 32(t0)
    add     a0, a0, t5
    sh      t5, 46(t0)
    lbu     t6, 48(t0)
    sb      t6, 57(t0)
    ld      t1, 40(t0)
    add     a0, a0, t1
    sd      a0, 48(t0)
    addi    t0, t0, NODE_SIZE
    bne     t0, s6, stream

    mv      t6, s8                      /* chase setup */
chase:                                  /* 11 instructions per 8 nodes */
    ld      s7, 0(s7)
    ld      s7, 0(s7)
    ld      s7, 0(s7)
    ld      s7, 0(s7)
    ld      s7, 0(s7)
    ld      s7, 0(s7)
    ld      s7, 0(s7)
    ld      s7, 0(s7)
    add     a1, a1, s7
    addi    t6, t6, -1
    bnez    t6, chase

    addi    s0, s0, -1
    bnez    s0, outer

    xor     a0, a0, a1                  /* checksum */

    /* print "memloop " then a0 as 16 hex digits and '\n'; fixed instruction count */
    li      t3, UART0
    la      t4, name_str
3:  lbu     t5, 0(t4)
    beqz    t5, 4f
    sb      t5, 0(t3)
    addi    t4, t4, 1
    j       3b
4:  la      t4, hex_digits
    li      t6, 60
5:  srl     t5, a0, t6
    andi    t5, t5, 15
    add     t5, t5, t4
    lbu     t5, 0(t5)
    sb      t5, 0(t3)
    addi    t6, t6, -4
    bgez    t6, 5b
    li      t5, '\n'
    sb      t5, 0(t3)

    li      t0, TESTDEV
    li      t1, POWEROFF
    .globl bench_poweroff
bench_poweroff:
    sw      t1, 0(t0)
6:  j       6b

park:
    wfi
    j       park

    .section .rodata
    .balign 8
params:
    .dword  N_ITERS
    .dword  NODES - 1
    .dword  69069
    .dword  NODES
    .dword  NODES / UNROLL
    .dword  BUF_SIZE

name_str:
    .asciz  "memloop "
hex_digits:
    .ascii  "0123456789abcdef"

    /* Benchmark descriptor read by bench/compute.py:
     * magic[16], instructions, iterations, flags (bit0: prints "<name> <hex>"), name[16] */
    .balign 8
    .globl bench_info
bench_info:
    .ascii  "TLBSBENCH-INFO1\0"
    .dword  INSNS
    .dword  N_ITERS
    .dword  1
    .ascii  "memloop\0\0\0\0\0\0\0\0\0"

    .bss
    .balign 4096
    .globl buffer
buffer:
    .skip   BUF_SIZE
