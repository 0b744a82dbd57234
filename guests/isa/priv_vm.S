/* priv_vm: virtual memory: Sv39, Sv48 and Sv57 translation from S- and U-mode with 4 KiB,
 * 2 MiB, 1 GiB (and 512 GiB / 256 TiB) pages, misaligned superpages, reserved PTE encodings,
 * canonical-address checks, permissions (R/W/X, U, SUM, MXR), MPRV, sfence.vma after a PTE
 * change, and the A/D bits.
 * Page tables are built in M-mode by priv_vm.c (layout: VM_* in priv_common.h). The program
 * image is identity-mapped with 4 KiB S pages; the code and data that run in U-mode live in
 * the page-aligned sections .text.user / .data.user, mapped as U pages.
 * Cases 1..99 run under Sv39; the per-mode suite runs as cases 101.. (Sv39), 201.. (Sv48) and
 * 301.. (Sv57); a mode the hart does not implement (satp WARL) is reported and skipped.
 * Framework and register conventions: priv_common.h. */
#include "priv_common.h"

#define VM_DATA_VAL 0x600dda7a11111111

/* reg = base + (sym - 0x80000000): the address of sym through a superpage mapping RAM */
.macro LA_ALIAS reg, sym, base
    la \reg, \sym
    li t0, 0x80000000
    sub \reg, \reg, t0
    li t0, \base
    add \reg, \reg, t0
.endm

/* reg = the PTE that priv_vm.c left in pointer variable ptr */
.macro LOAD_PTE_ADDR reg, ptr
    la \reg, \ptr
    ld \reg, 0(\reg)
.endm

/* Jump to (virtual) address va, expecting an instruction page fault there. */
.macro CHECK_FETCH_FAULT va
    EXPECT_TRAP 9995f
    li t1, \va
    jalr t1
9995:
    CHECK_M_TRAP CAUSE_FETCH_PAGE_FAULT
    CHECK_EQ t4, \va
    CHECK_TVAL \va
.endm

/* load / store at va must page-fault with tval = va */
.macro CHECK_LOAD_FAULT va
    li a0, \va
    TRY ld a1, 0(a0)
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_EPC_TRY
    CHECK_TVAL \va
.endm
.macro CHECK_STORE_FAULT va
    li a0, \va
    TRY sd a1, 0(a0)
    CHECK_M_TRAP CAUSE_STORE_PAGE_FAULT
    CHECK_EPC_TRY
    CHECK_TVAL \va
.endm

/* mstatus.MPRV = 1 with MPP = p (from M). */
.macro MPRV_ON p
    li t0, MSTATUS_MPP
    csrc mstatus, t0
    li t0, MSTATUS_MPRV | (\p << MSTATUS_MPP_SHIFT)
    csrs mstatus, t0
.endm
.macro MPRV_OFF
    li t0, MSTATUS_MPRV | MSTATUS_SUM | MSTATUS_MXR
    csrc mstatus, t0
.endm

/* ------------------------------------------------------------------------------------------- */
/* The per-mode suite: runs from M, builds the tables for satp mode `mode` (virtual address width
 * vabits), runs in S / U, returns to M with translation off. Cases base+1 .. base+17.          */
/* ------------------------------------------------------------------------------------------- */
.macro VM_SUITE base, mode, vabits
    li a0, \mode
    call vm_build
    csrw satp, a0
    sfence.vma
    SET_PRIV PRV_S

    /* +1: 4 KiB page, S load */
    TEST_CASE \base + 1
    li a0, VM_VA(VM_PG_S_RW)
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(0)

    /* +2: 4 KiB page, S store, visible at the physical frame */
    TEST_CASE \base + 2
    li a2, 0x1234567800000000 + \mode
    sd a2, 8(a0)
    la a3, vm_frames
    ld a1, 8(a3)
    FAIL_IF_NE a1, a2

    /* +3: 2 MiB page */
    TEST_CASE \base + 3
    LA_ALIAS a0, vm_data, VM_VA_MEGA
    ld a1, 0(a0)
    CHECK_EQ a1, VM_DATA_VAL

    /* +4: 1 GiB page */
    TEST_CASE \base + 4
    LA_ALIAS a0, vm_data, VM_VA_GIGA
    ld a1, 0(a0)
    CHECK_EQ a1, VM_DATA_VAL

    /* +5: store through the 1 GiB page, visible at the physical address */
    TEST_CASE \base + 5
    li a2, 0x4321000000000000 + \mode
    sd a2, 8(a0)
    la a3, vm_data
    ld a1, 8(a3)
    FAIL_IF_NE a1, a2

    /* +6: a negative (upper-half) canonical address */
    TEST_CASE \base + 6
    li a0, VM_VA_HIGH
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(0)

    /* +7: 2 MiB leaf whose PPN[0] != 0: misaligned superpage -> page fault */
    TEST_CASE \base + 7
    CHECK_LOAD_FAULT VM_VA_BAD_MEGA + 0x10

    /* +8: 1 GiB leaf whose PPN[1] != 0 */
    TEST_CASE \base + 8
    CHECK_LOAD_FAULT VM_VA_BAD_GIGA + 0x3008
    CHECK_STORE_FAULT VM_VA_BAD_GIGA + 0x3008

    /* +9: non-canonical addresses (bits above the top not a sign extension): page faults */
    TEST_CASE \base + 9
    CHECK_LOAD_FAULT (1 << (\vabits - 1))
    CHECK_STORE_FAULT (1 << (\vabits - 1)) + 0x40
    CHECK_LOAD_FAULT 0x8000000000001000
    CHECK_LOAD_FAULT ~(1 << (\vabits - 1))

    /* +10: fetch from a non-canonical address */
    TEST_CASE \base + 10
    CHECK_FETCH_FAULT (1 << (\vabits - 1)) + 0x100

    /* +11: invalid leaf (V = 0): load / store / fetch page faults */
    TEST_CASE \base + 11
    CHECK_LOAD_FAULT VM_VA(VM_PG_UNMAPPED) + 8
    CHECK_STORE_FAULT VM_VA(VM_PG_UNMAPPED) + 8
    CHECK_FETCH_FAULT VM_VA(VM_PG_UNMAPPED) + 8

    /* +12: U-mode load / store through a U page */
    TEST_CASE \base + 12
    GOTO_PRIV PRV_U, 1f
    .pushsection .text.user, "ax"
1:  li a0, VM_VA(VM_PG_U_RW)
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(1)
    li a2, 0x7777000000000000 + \mode
    sd a2, 16(a0)
    ld a1, 16(a0)
    FAIL_IF_NE a1, a2
    GOTO_PRIV PRV_S, 2f
    .popsection
2:

    /* +13: sfence.vma after changing a PTE: the new mapping is used */
    TEST_CASE \base + 13
    li a0, VM_VA(VM_PG_REMAP)
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(2)
    LOAD_PTE_ADDR a2, vm_pte_remap
    ld a3, 0(a2)
    li t0, 1 << PTE_PPN_SHIFT   /* next frame: frame 3 */
    add a4, a3, t0
    sd a4, 0(a2)
    sfence.vma
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(3)
    sd a3, 0(a2)                /* back to frame 2, address-specific fence */
    sfence.vma a0, zero
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(2)

    /* +14: instruction fetch through a non-identity mapping */
    TEST_CASE \base + 14
    li a0, 0
    li t1, VM_VA(VM_PG_XFN)
    jalr t1
    CHECK_EQ a0, VM_XFN_RESULT

    /* +15: a non-leaf PTE with D, A or U set (reserved) -> page fault */
    TEST_CASE \base + 15
    li a0, VM_VA_NONLEAF
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(0)
    LOAD_PTE_ADDR a2, vm_pte_nonleaf
    ld a3, 0(a2)
    ori a4, a3, PTE_D
    sd a4, 0(a2)
    sfence.vma
    CHECK_NONLEAF_FAULT
    ori a4, a3, PTE_A
    sd a4, 0(a2)
    sfence.vma
    CHECK_NONLEAF_FAULT
    ori a4, a3, PTE_U
    sd a4, 0(a2)
    sfence.vma
    CHECK_NONLEAF_FAULT
    sd a3, 0(a2)
    sfence.vma
    li a0, VM_VA_NONLEAF
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(0)

.if \mode >= SATP_MODE_SV48
    /* +16: 512 GiB page (Sv48 / Sv57) */
    TEST_CASE \base + 16
    LA_ALIAS a0, vm_data, VM_VA_TERA + 0x80000000
    ld a1, 0(a0)
    CHECK_EQ a1, VM_DATA_VAL
.endif
.if \mode >= SATP_MODE_SV57
    /* +17: 256 TiB page (Sv57) */
    TEST_CASE \base + 17
    LA_ALIAS a0, vm_data, VM_VA_PETA + 0x80000000
    ld a1, 0(a0)
    CHECK_EQ a1, VM_DATA_VAL
.endif

    SET_PRIV PRV_M
    csrw satp, zero
    sfence.vma
.endm

/* Load from VM_VA_NONLEAF after its level-1 PTE got a reserved bit: page fault. */
.macro CHECK_NONLEAF_FAULT
    li a0, VM_VA_NONLEAF
    TRY ld a1, 0(a0)
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: ignores D/A/U in non-leaf PTEs (the load then succeeds) */
    li t0, 1
    bne t6, t0, 9996f
.endif
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_TVAL VM_VA_NONLEAF
9996:
    EXPECT_NO_TRAP
.endm

/* Run the per-mode suite if satp accepts the mode, else report it as not supported. */
.macro VM_SUITE_IF_SUPPORTED base, mode, vabits, msg
    li t0, (\mode << SATP_MODE_SHIFT)
    csrw satp, t0
    csrr t1, satp
    csrw satp, zero
    srli t1, t1, SATP_MODE_SHIFT
    li t0, \mode
    beq t1, t0, 1f
    la a0, \msg
    call harness_puts
    j 2f
1:  VM_SUITE \base, \mode, \vabits
2:
.endm

PRIV_TEST_NAME "priv_vm"

    /* U-mode code and data pages (page-aligned; closed at the end of the file) */
    .section .text.user, "ax"
    .balign 4096
    .globl user_text_start
user_text_start:
    .section .data.user, "aw"
    .balign 4096
    .globl user_data_start
user_data_start:
    .dword 0

    /* A page of S code reached through other mappings: returns VM_XFN_RESULT in a0 */
    .section .text.xfn, "ax"
    .balign 4096
    .globl xfn_page
xfn_page:
    li a0, VM_XFN_RESULT
    ret
    .balign 4096

    .text
    .globl main
main:
    INSTALL_HANDLERS
    PMP_ALLOW_ALL
    csrw medeleg, zero
    csrw mideleg, zero
    csrw mie, zero
    csrw satp, zero
    MPRV_OFF
    li s9, 0                    /* 1 once A/D turned out to be managed by page faults */
    li gp, 0

    /* Sv39 is required: the permission cases below use it */
    TEST_CASE 1
    li t0, (SATP_MODE_SV39 << SATP_MODE_SHIFT)
    csrw satp, t0
    csrr t1, satp
    csrw satp, zero
    FAIL_IF_NE t0, t1

    li a0, SATP_MODE_SV39
    call vm_build
    csrw satp, a0
    sfence.vma
    SET_PRIV PRV_S

    /* ================================================================================ */
    /* R / W / X permissions (S-mode)                                                     */
    /* ================================================================================ */

    /* 2-4: read-only page: load ok, store and fetch fault */
    TEST_CASE 2
    li a0, VM_VA(VM_PG_RO)
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(4)
    TEST_CASE 3
    CHECK_STORE_FAULT VM_VA(VM_PG_RO)
    TEST_CASE 4
    CHECK_FETCH_FAULT VM_VA(VM_PG_RO)

    /* 5: read-write page without X: fetch faults */
    TEST_CASE 5
    CHECK_FETCH_FAULT VM_VA(VM_PG_S_RW)

    /* 6-8: execute-only page: fetch ok; load and store fault (MXR = 0) */
    TEST_CASE 6
    li a0, 0
    li t1, VM_VA(VM_PG_XO)
    jalr t1
    CHECK_EQ a0, VM_XFN_RESULT
    TEST_CASE 7
    CHECK_LOAD_FAULT VM_VA(VM_PG_XO)
    TEST_CASE 8
    CHECK_STORE_FAULT VM_VA(VM_PG_XO)

    /* 9-10: MXR = 1: loads from the execute-only page succeed; stores still fault */
    TEST_CASE 9
    li t0, MSTATUS_MXR
    csrs sstatus, t0
    li a0, VM_VA(VM_PG_XO)
    ld a1, 0(a0)
    la a2, xfn_page
    ld a2, 0(a2)
    FAIL_IF_NE a1, a2
    TEST_CASE 10
    CHECK_STORE_FAULT VM_VA(VM_PG_XO)
    li t0, MSTATUS_MXR
    csrc sstatus, t0

    /* 11-12: W without R is reserved: every access faults */
    TEST_CASE 11
    CHECK_LOAD_FAULT VM_VA(VM_PG_WO)
    TEST_CASE 12
    CHECK_STORE_FAULT VM_VA(VM_PG_WO) + 8

    /* 13: a level-0 PTE with only V (a pointer where a leaf must be): page faults */
    TEST_CASE 13
    CHECK_LOAD_FAULT VM_VA(VM_PG_VONLY)
    CHECK_FETCH_FAULT VM_VA(VM_PG_VONLY)

    /* 14: reserved PTE bit (54) set in a leaf: page fault */
    TEST_CASE 14
    li a0, VM_VA(VM_PG_RSVD)
    TRY ld a1, 0(a0)
.if PRIV_TOLERATE_QEMU
    /* QEMU 7.2 deviation: ignores the reserved PTE bits 60:54 (the load then succeeds) */
    li t0, 1
    bne t6, t0, 1f
.endif
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_TVAL VM_VA(VM_PG_RSVD)
1:  EXPECT_NO_TRAP

    /* ================================================================================ */
    /* U pages from S: SUM                                                                */
    /* ================================================================================ */

    /* 15-16: SUM = 0: S load / store to a U page fault */
    TEST_CASE 15
    li t0, MSTATUS_SUM
    csrc sstatus, t0
    CHECK_LOAD_FAULT VM_VA(VM_PG_U_RW)
    TEST_CASE 16
    CHECK_STORE_FAULT VM_VA(VM_PG_U_RW)

    /* 17: SUM = 1: S load / store to a U page succeed */
    TEST_CASE 17
    li t0, MSTATUS_SUM
    csrs sstatus, t0
    li a0, VM_VA(VM_PG_U_RW)
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(1)
    li a2, 0x50e
    sd a2, 24(a0)
    ld a1, 24(a0)
    FAIL_IF_NE a1, a2

    /* 18: S-mode fetch from a U page always faults, even with SUM = 1 */
    TEST_CASE 18
    CHECK_FETCH_FAULT VM_VA(VM_PG_U_XO)
    EXPECT_TRAP 1f
    la t1, user_text_start
    jalr t1
1:  CHECK_M_TRAP CAUSE_FETCH_PAGE_FAULT
    CHECK_ADDR t5, user_text_start
    li t0, MSTATUS_SUM
    csrc sstatus, t0

    /* ================================================================================ */
    /* U-mode accesses                                                                    */
    /* ================================================================================ */
    GOTO_PRIV PRV_U, 1f
    .pushsection .text.user, "ax"
1:
    /* 19-20: U access to an S page faults */
    TEST_CASE 19
    CHECK_LOAD_FAULT VM_VA(VM_PG_S_RW)
    CHECK_STORE_FAULT VM_VA(VM_PG_S_RW)
    TEST_CASE 20
    CHECK_FETCH_FAULT VM_VA(VM_PG_XFN)

    /* 21: U read-only page: load ok, store faults */
    TEST_CASE 21
    li a0, VM_VA(VM_PG_U_RO)
    ld a1, 0(a0)
    CHECK_EQ a1, VM_FRAME_VAL(12)
    CHECK_STORE_FAULT VM_VA(VM_PG_U_RO)

    /* 22: U execute-only page: fetch ok, load faults */
    TEST_CASE 22
    li a0, 0
    li t1, VM_VA(VM_PG_U_XO)
    jalr t1
    CHECK_EQ a0, VM_XFN_RESULT
    CHECK_LOAD_FAULT VM_VA(VM_PG_U_XO)

    /* 23: a faulting access does not set A (U load from the S page with A = 0) */
    TEST_CASE 23
    CHECK_LOAD_FAULT VM_VA(VM_PG_SA0)
    CHECK_STORE_FAULT VM_VA(VM_PG_SA0)

    /* (MXR for U: S sets it, then U loads the U execute-only page) */
    GOTO_PRIV PRV_S, 2f
3:  /* 24: MXR = 1 lets U load from its execute-only page */
    TEST_CASE 24
    li a0, VM_VA(VM_PG_U_XO)
    ld a1, 0(a0)
    mv s1, a1                   /* compared in S below with the page's first word */
    GOTO_PRIV PRV_S, 4f
    .popsection
2:  li t0, MSTATUS_MXR
    csrs sstatus, t0
    GOTO_PRIV PRV_U, 3b
4:  li t0, MSTATUS_MXR
    csrc sstatus, t0
    la a2, xfn_page
    ld a2, 0(a2)
    FAIL_IF_NE s1, a2

    /* 25: back in S: the A bit of the page U faulted on is still 0 */
    TEST_CASE 25
    LOAD_PTE_ADDR a2, vm_pte_sa0
    ld a3, 0(a2)
    CHECK_FIELD a3, PTE_A | PTE_D, 0

    /* ================================================================================ */
    /* A / D bits. The spec allows either hardware update or a page fault; with hardware  */
    /* update the PTE in memory gets A on any access and D on a store.                    */
    /* ================================================================================ */

    /* 26: load through a PTE with A = 0: A set, D still 0 */
    TEST_CASE 26
    li a0, VM_VA(VM_PG_A0)
    TRY ld a1, 0(a0)
    li t0, 1
    bne t6, t0, 1f
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT /* software-managed A/D: the other alternative */
    CHECK_TVAL VM_VA(VM_PG_A0)
    li s9, 1
    j ad_done
1:  EXPECT_NO_TRAP
    CHECK_EQ a1, VM_FRAME_VAL(8)
    sfence.vma
    LOAD_PTE_ADDR a2, vm_pte_a0
    ld a3, 0(a2)
    CHECK_FIELD a3, PTE_A | PTE_D, PTE_A

    /* 27: store through it: D set */
    TEST_CASE 27
    li a1, 0xd1d1
    sd a1, 8(a0)
    sfence.vma
    ld a3, 0(a2)
    CHECK_FIELD a3, PTE_A | PTE_D, PTE_A | PTE_D

    /* 28: store through a PTE with A = 1, D = 0: D set */
    TEST_CASE 28
    li a0, VM_VA(VM_PG_D0)
    ld a1, 0(a0)
    sfence.vma
    LOAD_PTE_ADDR a2, vm_pte_d0
    ld a3, 0(a2)
    CHECK_FIELD a3, PTE_A | PTE_D, PTE_A /* a load does not set D */
    sd a1, 8(a0)
    sfence.vma
    ld a3, 0(a2)
    CHECK_FIELD a3, PTE_A | PTE_D, PTE_A | PTE_D

    /* 29: instruction fetch through a PTE with A = 0: A set, D not */
    TEST_CASE 29
    li a0, 0
    li t1, VM_VA(VM_PG_XA0)
    jalr t1
    CHECK_EQ a0, VM_XFN_RESULT
    sfence.vma
    LOAD_PTE_ADDR a2, vm_pte_xa0
    ld a3, 0(a2)
    CHECK_FIELD a3, PTE_A | PTE_D, PTE_A
ad_done:

    /* 30: the page U faulted on (case 23) was never touched by a permitted access */
    TEST_CASE 30
    LOAD_PTE_ADDR a2, vm_pte_sa0
    ld a3, 0(a2)
    CHECK_FIELD a3, PTE_A | PTE_D, 0

    /* ================================================================================ */
    /* MPRV: M-mode loads and stores translated and checked as mode MPP                   */
    /* ================================================================================ */
    SET_PRIV PRV_M

    /* 31: MPRV = 1, MPP = S: M load through an S page */
    TEST_CASE 31
    MPRV_ON PRV_S
    li a0, VM_VA(VM_PG_S_RW)
    ld a1, 0(a0)
    MPRV_OFF
    CHECK_EQ a1, VM_FRAME_VAL(0)

    /* 32: MPRV = 1, MPP = S: M store through the S page lands in the frame */
    TEST_CASE 32
    li a2, 0x3a3a
    MPRV_ON PRV_S
    sd a2, 32(a0)
    MPRV_OFF
    la a3, vm_frames
    ld a1, 32(a3)
    FAIL_IF_NE a1, a2

    /* 33: MPRV = 1, MPP = S, SUM = 0: M load from a U page faults (taken from M) */
    TEST_CASE 33
    MPRV_ON PRV_S
    li a0, VM_VA(VM_PG_U_RW)
    TRY ld a1, 0(a0)
    MPRV_OFF
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_EPC_TRY
    CHECK_TVAL VM_VA(VM_PG_U_RW)
    CHECK_MPP PRV_M

    /* 34: ... with SUM = 1 it succeeds */
    TEST_CASE 34
    MPRV_ON PRV_S
    li t0, MSTATUS_SUM
    csrs mstatus, t0
    ld a1, 0(a0)
    MPRV_OFF
    CHECK_EQ a1, VM_FRAME_VAL(1)

    /* 35: MPRV = 1, MPP = U: M load through a U page succeeds, through an S page faults */
    TEST_CASE 35
    MPRV_ON PRV_U
    ld a1, 0(a0)
    li a2, VM_VA(VM_PG_S_RW)
    TRY ld a3, 0(a2)
    MPRV_OFF
    CHECK_EQ a1, VM_FRAME_VAL(1)
    CHECK_M_TRAP CAUSE_LOAD_PAGE_FAULT
    CHECK_TVAL VM_VA(VM_PG_S_RW)

    /* 36: MPRV = 1, MPP = S, MXR = 1: M load from the execute-only page */
    TEST_CASE 36
    MPRV_ON PRV_S
    li t0, MSTATUS_MXR
    csrs mstatus, t0
    li a0, VM_VA(VM_PG_XO)
    ld a1, 0(a0)
    MPRV_OFF
    la a2, xfn_page
    ld a2, 0(a2)
    FAIL_IF_NE a1, a2

    /* 37: MPRV = 1, MPP = S, store to the read-only page: store page fault from M */
    TEST_CASE 37
    MPRV_ON PRV_S
    li a0, VM_VA(VM_PG_RO)
    TRY sd a1, 0(a0)
    MPRV_OFF
    CHECK_M_TRAP CAUSE_STORE_PAGE_FAULT
    CHECK_TVAL VM_VA(VM_PG_RO)

    /* 38: MPRV = 0: M is not translated, whatever satp says */
    TEST_CASE 38
    la a0, vm_data
    ld a1, 0(a0)
    CHECK_EQ a1, VM_DATA_VAL

    csrw satp, zero
    sfence.vma

    /* ================================================================================ */
    /* Translation per mode                                                               */
    /* ================================================================================ */
    VM_SUITE 100, SATP_MODE_SV39, 39
    VM_SUITE_IF_SUPPORTED 200, SATP_MODE_SV48, 48, msg_no_sv48
    VM_SUITE_IF_SUPPORTED 300, SATP_MODE_SV57, 57, msg_no_sv57

    beqz s9, 1f
    la a0, msg_sw_ad
    call harness_puts
1:  PASS

    PRIV_HANDLERS

    .section .rodata
msg_no_sv48: .asciz "priv_vm: note: Sv48 not supported, cases 201.. skipped\n"
msg_no_sv57: .asciz "priv_vm: note: Sv57 not supported, cases 301.. skipped\n"
msg_sw_ad:   .asciz "priv_vm: note: A/D bits managed by page faults (cases 27-29 skipped)\n"

    .data
    .balign 16
vm_data:
    .dword VM_DATA_VAL, 0

    /* close the U sections on a page boundary */
    .section .text.user, "ax"
    .balign 4096
    .globl user_text_end
user_text_end:
    .section .data.user, "aw"
    .balign 4096
    .globl user_data_end
user_data_end:
