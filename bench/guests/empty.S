/*
 * empty.S - startup-cost guest for the compute benchmark: powers off immediately.
 *
 * Build (standalone, no harness):
 *   riscv64-unknown-elf-gcc -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles \
 *       -Wl,-Ttext=0x80000000 -o empty.elf empty.S
 *
 * Entered at 0x80000000 in M-mode; hart 0 writes 0x5555 to the SiFive test device at
 * 0x100000 (power off, exit status 0); other harts park in wfi. Prints nothing.
 * Its wall time (emulator start-up, ELF load, shutdown) is subtracted from the other
 * guests' times by bench/compute.py.
 *
 * Exact dynamic instruction count on hart 0 (0x80000000 up to and including the
 * powering-off store): csrr, bnez, lui, li (lui+addiw), sw = 6.
 */

    .equ TESTDEV,   0x100000
    .equ POWEROFF,  0x5555
    .equ INSNS,     6

    .option norelax

    .text
    .globl _start
_start:
    csrr    t0, mhartid
    bnez    t0, park
    li      t0, TESTDEV
    li      t1, POWEROFF
    .globl bench_poweroff
bench_poweroff:
    sw      t1, 0(t0)
1:  j       1b

park:
    wfi
    j       park

    .section .rodata
    /* Benchmark descriptor read by bench/compute.py:
     * magic[16], instructions, iterations, flags (bit0: prints "<name> <hex>"), name[16] */
    .balign 8
    .globl bench_info
bench_info:
    .ascii  "TLBSBENCH-INFO1\0"
    .dword  INSNS
    .dword  0
    .dword  0
    .ascii  "empty\0\0\0\0\0\0\0\0\0\0\0"
