/*
 * intloop.S - register-only integer compute benchmark guest for tlbstorm / QEMU.
 *
 * Build (standalone, no harness):
 *   riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles \
 *       -Wl,-Ttext=0x80000000 [-DITERS=n] -o intloop.elf intloop.S
 * Run:
 *   qemu-system-riscv64 -M virt -bios none -nographic -m 128M -kernel intloop.elf
 *
 * Entered at 0x80000000 in M-mode. Hart 0 runs the loop; any other hart parks in wfi.
 * The loop body touches registers only (no loads/stores): a xorshift64 step, an
 * add/shift/xor chain, a 64-bit multiply-add, and a data-dependent branch whose two
 * paths have the same length (so the dynamic count stays exact while the branch
 * direction is pseudo-random). At the end hart 0 prints one line to the UART
 *   "intloop <16 hex digits>\n"
 * (a checksum of the final register state, so runs on different emulators can be
 * compared) and powers off through the SiFive test device (0x5555 -> 0x100000).
 *
 * Exact dynamic instruction count on hart 0, from the first instruction at 0x80000000
 * up to and including the powering-off store (the board's reset-vector ROM, which runs
 * before 0x80000000, is not counted):
 *
 *   prologue          10   csrr, bnez, la(auipc+addi), 6 x ld
 *   loop        17 * ITERS K = 17 instructions per iteration, on either branch path
 *   checksum           3   3 x xor
 *   print name        45   lui, la(2), "intloop " = 8 chars x 5 + 2 (terminator)
 *   print hex        117   la(2), li, 16 digits x 7, li + sb for '\n'
 *   power off          4   lui, li(lui+addiw), sw
 *   ------------------------------------------------------------------------
 *   total = 17 * ITERS + 179     (default ITERS = 60000000 -> 1,020,000,179)
 *
 * (Compressed encodings do not change the count; `li`/`la` expansions are fixed
 * because all large constants are loaded from memory and relaxation is disabled.)
 * The count is also stored in the ELF (record "TLBSBENCH", see bench_info below) so
 * bench/compute.py reads it from the binary; `compute.py --verify-counts` checks it
 * against a single-stepped QEMU execution trace.
 */

#ifndef ITERS
#define ITERS 60000000
#endif

    .equ N_ITERS,   ITERS
    .equ K_LOOP,    17
    .equ OVERHEAD,  179
    .equ INSNS,     K_LOOP * N_ITERS + OVERHEAD

    .equ UART0,     0x10000000
    .equ TESTDEV,   0x100000
    .equ POWEROFF,  0x5555

    .option norelax             /* gp is never set up: no gp-relative relaxation */

    .text
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park

    la      t0, params
    ld      s0, 0(t0)           /* iteration counter */
    ld      a0, 8(t0)           /* xorshift64 state (non-zero) */
    ld      a1, 16(t0)
    ld      a2, 24(t0)
    ld      a3, 32(t0)
    ld      s1, 40(t0)          /* odd multiplier */

loop:
    slli    t0, a0, 13          /* 1  xorshift64: x ^= x << 13 */
    xor     a0, a0, t0          /* 2 */
    srli    t0, a0, 7           /* 3  x ^= x >> 7 */
    xor     a0, a0, t0          /* 4 */
    slli    t0, a0, 17          /* 5  x ^= x << 17 */
    xor     a0, a0, t0          /* 6 */
    add     a1, a1, a0          /* 7  y += x */
    srli    t1, a1, 11          /* 8 */
    xor     a2, a2, t1          /* 9  z ^= y >> 11 */
    mul     a3, a3, s1          /* 10 w = w * M + z */
    add     a3, a3, a2          /* 11 */
    andi    t2, a0, 1           /* 12 */
    beqz    t2, 1f              /* 13 data-dependent, both paths 2 instructions */
    addi    a2, a2, 3           /* 14a */
    j       2f                  /* 15a */
1:  sub     a2, a2, a1          /* 14b */
    xori    a1, a1, 5           /* 15b */
2:  addi    s0, s0, -1          /* 16 */
    bnez    s0, loop            /* 17 */

    xor     a0, a0, a1
    xor     a0, a0, a2
    xor     a0, a0, a3

    /* print "intloop " then a0 as 16 hex digits and '\n'; fixed instruction count */
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
    .dword  0x0123456789abcdef
    .dword  0x0f1e2d3c4b5a6978
    .dword  0x1
    .dword  6364136223846793005

name_str:
    .asciz  "intloop "
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
    .ascii  "intloop\0\0\0\0\0\0\0\0\0"
