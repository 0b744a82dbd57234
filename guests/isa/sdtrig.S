/* sdtrig: Sdtrig debug triggers as M-mode software drives them (debug spec 1.0, chapter 5):
 * tselect (WARL, two or more triggers), tinfo, tcontrol.mte/mpte across a trap and mret,
 * mcontrol (type 2) and mcontrol6 (type 6) address triggers on execute, load and store with
 * action 0: a breakpoint exception (cause 3) before the instruction or access, epc at it,
 * tval = the instruction's or the access's address; match equal (any byte of the access),
 * NAPOT; M, S and U enables, M-mode triggers only with tcontrol.mte, S-mode ones not when
 * breakpoints are delegated to S and sstatus.SIE = 0; a page cached in the TLB before a
 * trigger is set is watched at once; a disabled trigger (type 15) never fires; the hit bit;
 * AMOs and LR; match >= and <.
 * Framework and register conventions: priv_common.h. Case numbers are the FAIL code. */
#include "priv_common.h"

#define CSR_TSELECT 0x7a0
#define CSR_TDATA1 0x7a1
#define CSR_TDATA2 0x7a2
#define CSR_TINFO 0x7a4
#define CSR_TCONTROL 0x7a5

#define T_TYPE2 (PRIV_UL(2) << 60)
#define T_TYPE6 (PRIV_UL(6) << 60)
#define T_TYPE15 (PRIV_UL(15) << 60)
#define T_LOAD (1 << 0)
#define T_STORE (1 << 1)
#define T_EXEC (1 << 2)
#define T_U (1 << 3)
#define T_S (1 << 4)
#define T_M (1 << 6)
#define T_NAPOT (1 << 7)
#define TCONTROL_MTE 8
#define TCONTROL_MPTE 0x80

/* Select trigger n and program it (clobbers t0). */
.macro TRIGGER n, tdata1, addr
    li t0, \n
    csrw CSR_TSELECT, t0
    li t0, \tdata1
    csrw CSR_TDATA1, t0
    la t0, \addr
    csrw CSR_TDATA2, t0
.endm

/* SET_PRIV leaves a service-call number in a7, which would turn the next breakpoint into a
 * service call: clear it. */
.macro ENTER p
    SET_PRIV \p
    li a7, 0
.endm

.macro DISABLE n
    li t0, \n
    csrw CSR_TSELECT, t0
    csrw CSR_TDATA1, zero
.endm

PRIV_TEST_NAME "sdtrig"

    .text
    .globl main
main:
    INSTALL_HANDLERS
    PMP_ALLOW_ALL
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    li gp, 0
    li a7, 0                    /* never a service-call number: breakpoints are ordinary traps */

    /* 1: tselect selects 0 and 1; an index without a trigger leaves it unchanged (WARL) */
    TEST_CASE 1
    csrw CSR_TSELECT, zero
    csrr a0, CSR_TSELECT
    CHECK_EQ a0, 0
    li t0, 1
    csrw CSR_TSELECT, t0
    csrr a0, CSR_TSELECT
    CHECK_EQ a0, 1
    li t0, 4096
    csrw CSR_TSELECT, t0
    csrr a0, CSR_TSELECT
    CHECK_EQ a0, 1

    /* 2: tinfo lists types 2 and 6; trigger 0 resets as type 2 with nothing enabled */
    TEST_CASE 2
    csrr a0, CSR_TINFO
    CHECK_FIELD a0, (1 << 2) | (1 << 6), (1 << 2) | (1 << 6)
    csrw CSR_TSELECT, zero
    csrr a0, CSR_TDATA1
    CHECK_EQ a0, T_TYPE2

    /* 3: an execute trigger in M reads back exactly, and with tcontrol.mte fires before the
     * instruction: epc = tval = its address, the instruction not executed */
    TEST_CASE 3
    li t0, TCONTROL_MTE
    csrs CSR_TCONTROL, t0
    csrr a0, CSR_TCONTROL
    CHECK_FIELD a0, TCONTROL_MTE, TCONTROL_MTE
    TRIGGER 0, T_TYPE2 | T_M | T_EXEC, 30f
    csrr a1, CSR_TDATA1
    CHECK_EQ a1, T_TYPE2 | T_M | T_EXEC
    li a0, 0
    la t6, 31f
30: addi a0, a0, 1
31: CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_EQ a0, 0
    la t0, 30b
    FAIL_IF_NE t4, t0
    FAIL_IF_NE t5, t0

    /* 4: the trap saved mte in mpte and cleared it; mret restored it: mte = mpte = 1 */
    TEST_CASE 4
    csrr a0, CSR_TCONTROL
    CHECK_EQ a0, TCONTROL_MTE | TCONTROL_MPTE

    /* 5: with mte = 0 an M-mode execute trigger does not fire */
    TEST_CASE 5
    csrw CSR_TCONTROL, zero
    TRIGGER 0, T_TYPE2 | T_M | T_EXEC, 50f
    li a0, 0
50: addi a0, a0, 1
    CHECK_EQ a0, 1
    li t0, TCONTROL_MTE
    csrw CSR_TCONTROL, t0
    DISABLE 0

    /* 6: a load trigger on a page already in the TLB fires at once; tval = the address;
     * a store to it does not fire; a load of another word does not */
    TEST_CASE 6
    la a1, data1
    ld a0, 0(a1)                /* the page is now cached */
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD, data1
    li a0, 0x55
    TRY ld a0, 0(a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_EPC_TRY
    la t0, data1
    FAIL_IF_NE t5, t0
    CHECK_EQ a0, 0x55           /* the load did not happen */
    li a2, 0x1234
    sd a2, 0(a1)                /* no trap */
    ld a3, 8(a1)                /* another word: no trap */

    /* 7: a store trigger stops the store (memory unchanged) */
    TEST_CASE 7
    TRIGGER 0, T_TYPE2 | T_M | T_STORE, data1
    li a2, 0x5678
    TRY sd a2, 0(a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_EPC_TRY
    ld a0, 0(a1)                /* a load does not fire a store trigger */
    CHECK_EQ a0, 0x1234

    /* 8: a second trigger (load, data2) fires, and the first still does */
    TEST_CASE 8
    TRIGGER 1, T_TYPE2 | T_M | T_LOAD, data2
    la a3, data2
    TRY lw a0, 0(a3)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    TRY sd a2, 0(a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    DISABLE 1

    /* 9: equal match fires for any byte of the access: a doubleword load covering data1 + 4 */
    TEST_CASE 9
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD, data1 + 4
    TRY ld a0, 0(a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    lw a0, 0(a1)                /* bytes 0..3: no trap */

    /* 10: mcontrol6 (type 6) reads back and fires */
    TEST_CASE 10
    TRIGGER 0, T_TYPE6 | T_M | T_LOAD, data1
    csrr a0, CSR_TDATA1
    CHECK_EQ a0, T_TYPE6 | T_M | T_LOAD
    TRY lb a0, 0(a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT

    /* 11: NAPOT match: tdata2 = base + 3 is the 8-byte block at base (data3) */
    TEST_CASE 11
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD | T_NAPOT, data3 + 3
    la a4, data3
    TRY lb a0, 5(a4)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    lb a0, 8(a4)                /* past the block: no trap */
    lb a0, -1(a4)               /* before it: no trap */

    /* 12: a disabled trigger reads type 15 and never fires */
    TEST_CASE 12
    DISABLE 0
    csrr a0, CSR_TDATA1
    CHECK_EQ a0, T_TYPE15
    ld a0, 0(a1)

    /* 13: S-mode: a load trigger with s fires (trap to M, MPP = S); with only m it does not */
    TEST_CASE 13
    TRIGGER 0, T_TYPE2 | T_S | T_LOAD, data1
    ENTER PRV_S
    TRY ld a0, 0(a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_MPP PRV_S
    SET_PRIV PRV_M
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD, data1
    ENTER PRV_S
    ld a0, 0(a1)                /* no trap */
    SET_PRIV PRV_M

    /* 14: U-mode: an execute trigger with u fires before the instruction */
    TEST_CASE 14
    TRIGGER 0, T_TYPE2 | T_U | T_EXEC, 140f
    ENTER PRV_U
    li a0, 0
    la t6, 141f
140: addi a0, a0, 1
141: CHECK_M_TRAP CAUSE_BREAKPOINT
    CHECK_MPP PRV_U
    CHECK_EQ a0, 0
    la t0, 140b
    FAIL_IF_NE t5, t0
    SET_PRIV PRV_M

    /* 15: breakpoints delegated to S: in S-mode with sstatus.SIE = 0 an s trigger does not
     * fire (its trap could not be taken safely); with SIE = 1 it traps to S */
    TEST_CASE 15
    TRIGGER 0, T_TYPE2 | T_S | T_LOAD, data1
    li t0, 1 << CAUSE_BREAKPOINT
    csrs medeleg, t0
    ENTER PRV_S
    csrci sstatus, MSTATUS_SIE
    ld a0, 0(a1)                /* no trap */
    csrsi sstatus, MSTATUS_SIE
    TRY ld a0, 0(a1)
    CHECK_S_TRAP CAUSE_BREAKPOINT
    csrci sstatus, MSTATUS_SIE
    SET_PRIV PRV_M
    csrw medeleg, zero
    DISABLE 0

    /* 16: nothing left enabled: the watched pages are plain again */
    TEST_CASE 16
    ld a0, 0(a1)
    sd a0, 0(a1)
    lw a0, 0(a3)

    /* 17: a trigger that fired reads back with its hit bit (mcontrol bit 20) */
    TEST_CASE 17
    li a7, 0                    /* SET_PRIV PRV_M left a service-call number there */
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD, data1
    TRY ld a0, 0(a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    csrr a0, CSR_TDATA1
    CHECK_EQ a0, T_TYPE2 | T_M | T_LOAD | (1 << 20)
    DISABLE 0

    /* 18: atomics: an AMO is a store (and a load), LR a load; memory stays as it was */
    TEST_CASE 18
    ld a5, 0(a1)
    TRIGGER 0, T_TYPE2 | T_M | T_STORE, data1
    li a2, 1
    TRY amoadd.d a0, a2, (a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    ld a0, 0(a1)
    FAIL_IF_NE a0, a5
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD, data1
    TRY lr.d a0, (a1)
    CHECK_M_TRAP CAUSE_BREAKPOINT

    /* 19: match >= (2): bytes at or above tdata2 fire, below do not */
    TEST_CASE 19
    la a4, data3
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD | (2 << 7), data3
    TRY lb a0, 8(a4)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    lb a0, -1(a4)               /* below: no trap */

    /* 20: match < (3): bytes below tdata2 fire, at or above do not */
    TEST_CASE 20
    TRIGGER 0, T_TYPE2 | T_M | T_LOAD | (3 << 7), data3
    TRY lb a0, -1(a4)
    CHECK_M_TRAP CAUSE_BREAKPOINT
    lb a0, 0(a4)                /* at: no trap */
    DISABLE 0

    PASS

    PRIV_HANDLERS

    .data
    .balign 64
data1: .dword 0, 0
data2: .dword 0
    .balign 8
    .dword 0
data3: .dword 0, 0
