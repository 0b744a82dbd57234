/*
 * fploop.S - floating-point compute benchmark guest for tlbstorm / QEMU.
 *
 * Build (standalone, no harness):
 *   riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles \
 *       -Wl,-Ttext=0x80000000 [-DITERS=n] -o fploop.elf fploop.S
 *
 * Entered at 0x80000000 in M-mode. Hart 0 turns the FPU on (mstatus.FS) and runs the loop;
 * any other hart parks in wfi. The loop body is register-only: a xorshift64 step whose top
 * bits are converted to double, then a double-precision chain that every compiler emits
 * for numeric code (fused multiply-add, divide, square root, multiply, add, a compare that
 * feeds a branch, conversions back to integer and through single precision). Both branch
 * paths have the same length, so the dynamic count stays exact. At the end hart 0 prints
 *   "fploop <16 hex digits>\n"
 * (a checksum of the final integer and FP state: both emulators must round alike) and
 * powers off through the SiFive test device (0x5555 -> 0x100000).
 *
 * Exact dynamic instruction count on hart 0, from the first instruction at 0x80000000
 * up to and including the powering-off store (the reset-vector ROM is not counted):
 *
 *   prologue          14   csrr, bnez, li, csrs, la(2), 2 x ld, 3 x fld, 2 x fmv.d.x, li
 *   loop        21 * ITERS K = 21 instructions per iteration, on either branch path
 *   checksum           5   2 x fmv.x.d, 3 x xor
 *   print name        40   lui, la(2), "fploop " = 7 chars x 5 + 2 (terminator)
 *   print hex        117   la(2), li, 16 digits x 7, li + sb for '\n'
 *   power off          4   lui, li(lui+addiw), sw
 *   ------------------------------------------------------------------------
 *   total = 21 * ITERS + 180     (default ITERS = 10000000 -> 210,000,180)
 *
 * The count is also stored in the ELF (record "TLBSBENCH", see bench_info below);
 * `bench/compute.py --verify-counts` checks it against a single-stepped QEMU trace.
 */

#ifndef ITERS
#define ITERS 10000000
#endif

    .equ N_ITERS,   ITERS
    .equ K_LOOP,    21
    .equ OVERHEAD,  180
    .equ INSNS,     K_LOOP * N_ITERS + OVERHEAD

    .equ UART0,     0x10000000
    .equ TESTDEV,   0x100000
    .equ POWEROFF,  0x5555
    .equ MSTATUS_FS_INITIAL, 0x2000

    .option norelax             /* gp is never set up: no gp-relative relaxation */

    .text
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    li      t0, MSTATUS_FS_INITIAL
    csrs    mstatus, t0

    la      t0, params
    ld      s0, 0(t0)           /* iteration counter */
    ld      a0, 8(t0)           /* xorshift64 state (non-zero) */
    fld     fs0, 16(t0)         /* 0.5: keeps the fused accumulator bounded */
    fld     fs1, 24(t0)         /* 3.0 */
    fld     fs2, 32(t0)         /* 1e12: ceiling of the running sum */
    fmv.d.x fa0, zero
    fmv.d.x fa1, zero
    li      a1, 0

loop:
    slli    t0, a0, 13          /* 1  xorshift64 */
    xor     a0, a0, t0          /* 2 */
    srli    t0, a0, 7           /* 3 */
    xor     a0, a0, t0          /* 4 */
    slli    t0, a0, 17          /* 5 */
    xor     a0, a0, t0          /* 6 */
    srli    t1, a0, 40          /* 7  24 random bits */
    fcvt.d.l ft0, t1            /* 8  v */
    fmadd.d fa0, fa0, fs0, ft0  /* 9  acc = acc * 0.5 + v */
    fdiv.d  ft1, ft0, fs1       /* 10 v / 3 */
    fadd.d  fa1, fa1, ft1       /* 11 sum += v / 3 */
    fsqrt.d ft2, fa0            /* 12 */
    fmul.d  ft3, ft2, fs1       /* 13 */
    fcvt.l.d t2, ft3, rtz       /* 14 */
    add     a1, a1, t2          /* 15 */
    flt.d   t3, fa1, fs2        /* 16 */
    bnez    t3, 1f              /* 17 rarely taken the other way: sum crossed 1e12 */
    fmul.d  fa1, fa1, fs0       /* 18a halve the sum */
    j       2f                  /* 19a */
1:  fcvt.s.d ft4, fa0           /* 18b */
    fcvt.d.s ft5, ft4           /* 19b */
2:  addi    s0, s0, -1          /* 20 */
    bnez    s0, loop            /* 21 */

    fmv.x.d t0, fa0
    xor     a0, a0, t0
    fmv.x.d t0, fa1
    xor     a0, a0, t0
    xor     a0, a0, a1

    /* print "fploop " then a0 as 16 hex digits and '\n'; fixed instruction count */
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
    .dword  0x9e3779b97f4a7c15
    .double 0.5
    .double 3.0
    .double 1e12

name_str:
    .asciz  "fploop "
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
    .ascii  "fploop\0\0\0\0\0\0\0\0\0\0"
