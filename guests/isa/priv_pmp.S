/* priv_pmp: physical memory protection: 16 entries, TOR / NA4 / NAPOT matching, S/U accesses
 * without a matching entry fail, R/W/X for S and U, partial matches, priority (lowest-numbered
 * matching entry wins), M-mode only checked for locked entries, lock semantics (writes ignored,
 * TOR lock also protects the previous pmpaddr), MPRV, pmpaddr granularity readback.
 * Layout: entry 8 (NAPOT, RWX) covers the program image [0x80000000, +4 MiB) so that S and U can
 * run the test code; the test entries 0-7 take priority over it. RAM at PMP_HOLE is covered by
 * no entry. Locked entries (6, 7) are set up last: they stay until reset.
 * Framework and register conventions: priv_common.h. Case numbers are the FAIL code. */
#include "priv_common.h"

#define IMAGE_BASE   0x80000000
#define IMAGE_SIZE   0x400000         /* 4 MiB: must cover text, data, bss and stack */
#define PMP_HOLE     0x80400000       /* RAM matched by no entry */
#define XFN_RESULT   0x77

#define CSR_PMPCFG0  0x3a0
#define CSR_PMPADDR0 0x3b0

/* pmpaddr<i> = reg */
.macro PMPADDR_W i, reg
    csrw CSR_PMPADDR0 + \i, \reg
.endm

/* configuration byte of entry i = cfg (other entries untouched; clobbers t0) */
.macro PMPCFG_SET i, cfg
    li t0, 0xff << (8 * (\i % 8))
    csrc CSR_PMPCFG0 + 2 * (\i / 8), t0
    li t0, (\cfg) << (8 * (\i % 8))
    csrs CSR_PMPCFG0 + 2 * (\i / 8), t0
.endm

/* reg = pmpaddr value of the NAPOT region [sym + off, sym + off + size) (clobbers t0) */
.macro NAPOT_OF reg, sym, off, size
    la \reg, \sym
    li t0, \off
    add \reg, \reg, t0
    srli \reg, \reg, 2
    li t0, (\size >> 3) - 1
    or \reg, \reg, t0
.endm

/* reg = pmpaddr value of byte address sym + off (NA4 / TOR) */
.macro ADDR_OF reg, sym, off
    la \reg, \sym
    li t0, \off
    add \reg, \reg, t0
    srli \reg, \reg, 2
.endm

/* All test entries off (0-7 and 9-15); entry 8 keeps the image region. */
.macro PMP_RESET_TESTS
    csrw CSR_PMPCFG0, zero
    li t0, PMP_NAPOT | PMP_R | PMP_W | PMP_X
    csrw CSR_PMPCFG0 + 2, t0
.endm

/* The access `insn` (using base register a0 = sym + off) must raise cause with tval = address. */
.macro CHECK_ACCESS_FAULT cause, insn:vararg
    TRY \insn
    CHECK_M_TRAP \cause
    CHECK_EPC_TRY
.endm

/* tval == sym + off (clobbers t0, t1) */
.macro CHECK_TVAL_SYM sym, off
    la t1, \sym
    li t0, \off
    add t1, t1, t0
    FAIL_IF_NE t5, t1
.endm

/* reg = sym + off */
.macro LA_OFF reg, sym, off
    la \reg, \sym
    li t0, \off
    add \reg, \reg, t0
.endm

PRIV_TEST_NAME "priv_pmp"

    /* A function on its own page, for fetch permission checks */
    .section .text.pmpx, "ax"
    .balign 4096
pmp_xfn:
    li a0, XFN_RESULT
    ret
    .balign 4096

    .text
    .globl main
main:
    INSTALL_HANDLERS
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    csrw satp, zero
    csrw CSR_PMPCFG0, zero
    csrw CSR_PMPCFG0 + 2, zero
    li gp, 0

    /* ================================================================================ */
    /* Entries and granularity                                                            */
    /* ================================================================================ */

    /* 1: 16 entries: every pmpaddr0..15 holds a written value */
    TEST_CASE 1
    li a1, 0x1234568
    .irp i, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
    PMPADDR_W \i, a1
    csrr a0, CSR_PMPADDR0 + \i
    FAIL_IF_NE a0, a1
    addi a1, a1, 4
    .endr

    /* 2: the configuration bytes of entries 8-15 are in pmpcfg2 (RV64) */
    TEST_CASE 2
    li a1, 0x1f1b1c190f0b0d09  /* NAPOT/NA4/TOR with assorted legal R/W/X, no lock */
    csrw CSR_PMPCFG0 + 2, a1
    csrr a0, CSR_PMPCFG0 + 2
    csrw CSR_PMPCFG0 + 2, zero
    FAIL_IF_NE a0, a1
.if !PRIV_TOLERATE_QEMU
    /* R=0, W=1 is reserved and the field is WARL: it must never read back */
    li a1, 0x0a
    csrw CSR_PMPCFG0 + 2, a1
    csrr a0, CSR_PMPCFG0 + 2
    csrw CSR_PMPCFG0 + 2, zero
    andi a0, a0, 3
    li a1, 2
    FAIL_IF_EQ a0, a1
.endif

    /* 3: pmpcfg1 / pmpcfg3 do not exist on RV64 */
    TEST_CASE 3
    TRY csrr a0, CSR_PMPCFG0 + 1
    CHECK_M_TRAP CAUSE_ILLEGAL
    TRY csrr a0, CSR_PMPCFG0 + 3
    CHECK_M_TRAP CAUSE_ILLEGAL

    /* 4: granularity readback: with the entry off, writing all ones reads back with the
     * lowest set bit at G (granularity 2^(G+2)); this platform has G = 0 (4 bytes), and all
     * 54 address bits (55:2) are writable */
    TEST_CASE 4
    li t0, -1
    PMPADDR_W 0, t0
    csrr a0, CSR_PMPADDR0
    li t0, (1 << 54) - 1
    and a1, a0, t0
    FAIL_IF_NE a1, t0
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: pmpaddr bits 63:54 are writable (they should read 0) */
.else
    FAIL_IF_NE a0, t0
.endif
    PMPADDR_W 0, zero

    /* image region for S/U code: entry 8, NAPOT, RWX */
    li t0, (IMAGE_BASE >> 2) | ((IMAGE_SIZE >> 3) - 1)
    PMPADDR_W 8, t0
    PMP_RESET_TESTS

    /* ================================================================================ */
    /* No matching entry                                                                  */
    /* ================================================================================ */

    /* 5-6: S accesses to RAM covered by no entry fail: load 5, store 7, fetch 1 */
    TEST_CASE 5
    SET_PRIV PRV_S
    li a0, PMP_HOLE + 8
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, ld a1, 0(a0)
    CHECK_TVAL PMP_HOLE + 8
    CHECK_MPP PRV_S
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sw a1, 4(a0)
    CHECK_TVAL PMP_HOLE + 12
    TEST_CASE 6
    EXPECT_TRAP 1f
    li t1, PMP_HOLE
    jalr t1
1:  CHECK_M_TRAP CAUSE_FETCH_ACCESS
    CHECK_EQ t4, PMP_HOLE
    CHECK_TVAL PMP_HOLE

    /* 7: same from U */
    TEST_CASE 7
    SET_PRIV PRV_U
    li a0, PMP_HOLE
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, lbu a1, 3(a0)
    CHECK_TVAL PMP_HOLE + 3
    CHECK_MPP PRV_U
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    SET_PRIV PRV_M

    /* 8: M accesses with no matching entry succeed */
    TEST_CASE 8
    li a0, PMP_HOLE
    li a1, 0xabcd
    sd a1, 0(a0)
    ld a2, 0(a0)
    FAIL_IF_NE a1, a2

    /* ================================================================================ */
    /* NAPOT, NA4, TOR                                                                    */
    /* ================================================================================ */

    /* 9-10: NAPOT 64 bytes, R only (entry 0): loads inside ok, stores inside fail;
     * just past the region entry 8 applies (RWX) */
    TEST_CASE 9
    NAPOT_OF a1, pmp_buf, 0, 64
    PMPADDR_W 0, a1
    PMPCFG_SET 0, PMP_NAPOT | PMP_R
    SET_PRIV PRV_S
    la a0, pmp_buf
    ld a1, 0(a0)
    ld a1, 56(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    CHECK_TVAL_SYM pmp_buf, 0
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sb a1, 63(a0)
    CHECK_TVAL_SYM pmp_buf, 63
    TEST_CASE 10
    sd a1, 64(a0)
    ld a1, 64(a0)
    addi a2, a0, -8             /* just below */
    sd a1, 0(a2)
    SET_PRIV PRV_M
    PMP_RESET_TESTS

    /* 11-12: NA4 (entry 1, R): the 4 bytes match, the neighbours do not */
    TEST_CASE 11
    ADDR_OF a1, pmp_buf, 0x100
    PMPADDR_W 1, a1
    PMPCFG_SET 1, PMP_NA4 | PMP_R
    SET_PRIV PRV_S
    LA_OFF a0, pmp_buf, 0x100
    lw a1, 0(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sw a1, 0(a0)
    CHECK_TVAL_SYM pmp_buf, 0x100
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sh a1, 2(a0)
    sw a1, 4(a0)
    sw a1, -4(a0)

    /* 12: an access only partly inside the highest-priority matching entry fails, even
     * though entry 8 would allow all of it */
    TEST_CASE 12
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, ld a1, 0(a0)
    CHECK_TVAL_SYM pmp_buf, 0x100
    SET_PRIV PRV_M
    PMPCFG_SET 1, PMP_NA4 | PMP_R | PMP_W
    SET_PRIV PRV_S
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    SET_PRIV PRV_M
    PMP_RESET_TESTS

    /* 13-14: TOR (entry 2 over [pmpaddr1, pmpaddr2) = [buf+0x200, buf+0x300), R) */
    TEST_CASE 13
    ADDR_OF a1, pmp_buf, 0x200
    PMPADDR_W 1, a1
    ADDR_OF a1, pmp_buf, 0x300
    PMPADDR_W 2, a1
    PMPCFG_SET 2, PMP_TOR | PMP_R
    SET_PRIV PRV_S
    LA_OFF a0, pmp_buf, 0x200
    ld a1, 0(a0)
    ld a1, 0xf8(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sw a1, 0xfc(a0)
    CHECK_TVAL_SYM pmp_buf, 0x2fc
    TEST_CASE 14
    sw a1, 0x100(a0)            /* top is exclusive */
    sw a1, -4(a0)               /* below the bottom */
    SET_PRIV PRV_M
    PMP_RESET_TESTS

    /* 15: TOR in entry 0 uses address 0 as its bottom: entry 0 = TOR [0, buf+0x800), X only:
     * loads anywhere below (the code, the buffer) fail; just above it entry 8 applies */
    TEST_CASE 15
    ADDR_OF a1, pmp_buf, 0x800
    PMPADDR_W 0, a1
    PMPCFG_SET 0, PMP_TOR | PMP_X
    SET_PRIV PRV_S
    la a0, main
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, lw a1, 0(a0)
    CHECK_TVAL_SYM main, 0
    la a0, pmp_buf
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, ld a1, 0(a0)
    LA_OFF a0, pmp_buf, 0x800
    ld a1, 0(a0)
    SET_PRIV PRV_M
    PMP_RESET_TESTS

    /* 16: entry 15 (last) as TOR over the hole [pmpaddr14, pmpaddr15), R */
    TEST_CASE 16
    li a1, PMP_HOLE >> 2
    PMPADDR_W 14, a1
    li a1, (PMP_HOLE + 0x1000) >> 2
    PMPADDR_W 15, a1
    PMPCFG_SET 15, PMP_TOR | PMP_R
    SET_PRIV PRV_S
    li a0, PMP_HOLE
    ld a1, 0(a0)
    ld a1, 0x7f8(a0)
    li a2, PMP_HOLE + 0xff8
    ld a1, 0(a2)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    li a0, PMP_HOLE + 0x1000
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, ld a1, 0(a0)
    SET_PRIV PRV_M
    PMP_RESET_TESTS

    /* ================================================================================ */
    /* R / W / X for S and U                                                              */
    /* ================================================================================ */

    /* 17: U: R|X region: load ok, store fails; no permission at all: load fails */
    TEST_CASE 17
    NAPOT_OF a1, pmp_buf, 0x400, 256
    PMPADDR_W 3, a1
    PMPCFG_SET 3, PMP_NAPOT | PMP_R | PMP_X
    SET_PRIV PRV_U
    LA_OFF a0, pmp_buf, 0x400
    ld a1, 0(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 8(a0)
    CHECK_TVAL_SYM pmp_buf, 0x408
    SET_PRIV PRV_M
    PMPCFG_SET 3, PMP_NAPOT
    SET_PRIV PRV_U
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, ld a1, 0xf8(a0)
    CHECK_TVAL_SYM pmp_buf, 0x4f8
    SET_PRIV PRV_M

    /* 18: M is not restricted by an unlocked entry */
    TEST_CASE 18
    ld a1, 0(a0)
    sd a1, 8(a0)

    /* 19: MPRV = 1, MPP = S: M loads and stores are checked as S */
    TEST_CASE 19
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV | (PRV_S << MSTATUS_MPP_SHIFT)
    csrs mstatus, t0
    CHECK_ACCESS_FAULT CAUSE_LOAD_ACCESS, ld a1, 0(a0)
    li t0, MSTATUS_MPRV
    csrc mstatus, t0
    CHECK_MPP PRV_M
    PMP_RESET_TESTS

    /* 20-21: X: fetching from a region without X fails (cause 1, mtval = address), with X
     * it runs; for S and for U */
    TEST_CASE 20
    NAPOT_OF a1, pmp_xfn, 0, 16
    PMPADDR_W 0, a1
    PMPCFG_SET 0, PMP_NAPOT | PMP_R | PMP_W
    SET_PRIV PRV_S
    EXPECT_TRAP 1f
    la t1, pmp_xfn
    jalr t1
1:  CHECK_M_TRAP CAUSE_FETCH_ACCESS
    CHECK_ADDR t4, pmp_xfn
    CHECK_ADDR t5, pmp_xfn
    SET_PRIV PRV_U
    EXPECT_TRAP 1f
    la t1, pmp_xfn
    jalr t1
1:  CHECK_M_TRAP CAUSE_FETCH_ACCESS
    CHECK_ADDR t5, pmp_xfn
    SET_PRIV PRV_M
    TEST_CASE 21
    PMPCFG_SET 0, PMP_NAPOT | PMP_X
    SET_PRIV PRV_S
    li a0, 0
    la t1, pmp_xfn
    jalr t1
    CHECK_EQ a0, XFN_RESULT
    SET_PRIV PRV_U
    li a0, 0
    la t1, pmp_xfn
    jalr t1
    CHECK_EQ a0, XFN_RESULT
    SET_PRIV PRV_M
    PMP_RESET_TESTS

    /* ================================================================================ */
    /* Priority: the lowest-numbered matching entry decides                              */
    /* ================================================================================ */

    /* 22: entry 4 = small R region, entry 5 = larger RW region over it */
    TEST_CASE 22
    NAPOT_OF a1, pmp_buf, 0x800, 64
    PMPADDR_W 4, a1
    PMPCFG_SET 4, PMP_NAPOT | PMP_R
    NAPOT_OF a1, pmp_buf, 0x800, 1024
    PMPADDR_W 5, a1
    PMPCFG_SET 5, PMP_NAPOT | PMP_R | PMP_W
    SET_PRIV PRV_S
    LA_OFF a0, pmp_buf, 0x800
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    sd a1, 64(a0)
    SET_PRIV PRV_M

    /* 23: swapped: entry 4 = small RW, entry 5 = larger R */
    TEST_CASE 23
    PMPCFG_SET 4, PMP_NAPOT | PMP_R | PMP_W
    PMPCFG_SET 5, PMP_NAPOT | PMP_R
    SET_PRIV PRV_S
    sd a1, 0(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 64(a0)
    SET_PRIV PRV_M

    /* 24: an entry that is OFF never matches (entry 4 off: entry 5 decides) */
    TEST_CASE 24
    PMPCFG_SET 4, PMP_OFF | PMP_R | PMP_W
    SET_PRIV PRV_S
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    SET_PRIV PRV_M
    PMP_RESET_TESTS

    /* ================================================================================ */
    /* Locked entries (last: they stay until reset)                                       */
    /* ================================================================================ */

    /* 25: locked NAPOT R-only entry (7) applies to M: load ok, store fails */
    TEST_CASE 25
    NAPOT_OF a1, pmp_lockbuf, 0, 64
    mv s1, a1
    PMPADDR_W 7, a1
    PMPCFG_SET 7, PMP_NAPOT | PMP_R | PMP_L
    la a0, pmp_lockbuf
    ld a1, 0(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    CHECK_TVAL_SYM pmp_lockbuf, 0
    CHECK_MPP PRV_M
    sd a1, 64(a0)               /* outside: M unrestricted */

    /* 26: ... and to S */
    TEST_CASE 26
    SET_PRIV PRV_S
    ld a1, 0(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 8(a0)
    SET_PRIV PRV_M

    /* 27: writes to a locked entry's cfg byte and pmpaddr are ignored; the other bytes of
     * the same pmpcfg register still change */
    TEST_CASE 27
    csrr a2, CSR_PMPCFG0
    li t0, (PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56
    li t1, (PMP_NAPOT | PMP_R) << 8      /* entry 1: unlocked, must change */
    or t0, t0, t1
    csrw CSR_PMPCFG0, t0
    csrr a0, CSR_PMPCFG0
    li t0, (PMP_NAPOT | PMP_R | PMP_L) << 56
    or t0, t0, t1
    FAIL_IF_NE a0, t0
    li t0, 0x12345
    PMPADDR_W 7, t0
    csrr a0, CSR_PMPADDR0 + 7
    FAIL_IF_NE a0, s1
    la a0, pmp_lockbuf          /* the region still works as before */
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0(a0)
    PMPCFG_SET 1, PMP_OFF

    /* 28: locked TOR entry (6, over [pmpaddr5, pmpaddr6) = [lockbuf+0x100, +0x200), R):
     * applies to M, and pmpaddr5 (its bottom) is locked too */
    TEST_CASE 28
    ADDR_OF a1, pmp_lockbuf, 0x100
    mv s2, a1
    PMPADDR_W 5, a1
    ADDR_OF a1, pmp_lockbuf, 0x200
    mv s3, a1
    PMPADDR_W 6, a1
    PMPCFG_SET 6, PMP_TOR | PMP_R | PMP_L
    LA_OFF a0, pmp_lockbuf, 0x100
    ld a1, 0(a0)
    CHECK_ACCESS_FAULT CAUSE_STORE_ACCESS, sd a1, 0xf8(a0)
    CHECK_TVAL_SYM pmp_lockbuf, 0x1f8
    sd a1, 0x100(a0)
    li t0, 0x4444
    PMPADDR_W 5, t0
    PMPADDR_W 6, t0
    csrr a2, CSR_PMPADDR0 + 5
    FAIL_IF_NE a2, s2
    csrr a2, CSR_PMPADDR0 + 6
    FAIL_IF_NE a2, s3
    /* entry 5's own cfg byte is not locked */
    PMPCFG_SET 5, PMP_NA4 | PMP_R
    csrr a2, CSR_PMPCFG0
    srli a2, a2, 40
    andi a2, a2, 0xff
    CHECK_EQ a2, PMP_NA4 | PMP_R
    PMPCFG_SET 5, PMP_OFF

    PASS

    PRIV_HANDLERS

    .data
    .balign 4096
pmp_buf:
    .zero 4096
pmp_lockbuf:
    .zero 1024
