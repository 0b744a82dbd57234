/* rv64i_mem: loads and stores.
 *   - lb/lbu/lh/lhu/lw/lwu/ld with sign/zero extension, positive/negative/+-2K offsets;
 *   - sb/sh/sw/sd read back with every width, neighbouring bytes untouched, store-to-load
 *     forwarding of partial and overlapping stores;
 *   - misaligned loads and stores, inside a dword, across 8-byte boundaries and across a 4 KiB
 *     page boundary. The spec lets an implementation either perform them or raise an
 *     address-misaligned (or access-fault) exception. QEMU 7.2 performs misaligned plain
 *     loads/stores to RAM in M-mode without trapping; tlbstorm matches that, so this test
 *     expects them to complete with little-endian byte semantics (the default trap handler
 *     reports FAIL if one traps);
 *   - loads into x0 discarded, rd == rs1, a store of the base register itself;
 *   - self-modifying code made visible with fence.i: code in a data buffer, a function in the
 *     same 4 KiB page as the patching code, the instruction right ahead of the running code
 *     (patched inside a loop, so the already-executed copy must be discarded), a sub-word
 *     (sh) patch of an immediate, and repeated patch/call cycles.
 * Expected values come from an independent byte-array memory model. Case numbers are the FAIL
 * code. */
#include "test_macros.h"

    .option norvc

#define ADDI_A0(imm) (((imm) << 20) | 0x00050513)   /* addi a0, a0, imm */
#define RET_INSN 0x00008067                         /* jalr x0, 0(ra) */

TEST_NAME("rv64i_mem")

TEST_MAIN

    /* ---- aligned loads of every size and signedness (base = mem_pat + 32, offsets -32..31) ---- */
    TEST_LOAD(1, lb, -127, mem_pat + 32, -32)
    TEST_LOAD(2, lb, 32, mem_pat + 32, -29)
    TEST_LOAD(3, lb, -65, mem_pat + 32, -26)
    TEST_LOAD(4, lb, 94, mem_pat + 32, -23)
    TEST_LOAD(5, lb, -3, mem_pat + 32, -20)
    TEST_LOAD(6, lb, -100, mem_pat + 32, -17)
    TEST_LOAD(7, lb, 59, mem_pat + 32, -14)
    TEST_LOAD(8, lb, -38, mem_pat + 32, -11)
    TEST_LOAD(9, lb, 121, mem_pat + 32, -8)
    TEST_LOAD(10, lb, 24, mem_pat + 32, -5)
    TEST_LOAD(11, lb, -73, mem_pat + 32, -2)
    TEST_LOAD(12, lb, 86, mem_pat + 32, 1)
    TEST_LOAD(13, lb, -11, mem_pat + 32, 4)
    TEST_LOAD(14, lb, -108, mem_pat + 32, 7)
    TEST_LOAD(15, lb, 51, mem_pat + 32, 10)
    TEST_LOAD(16, lb, -46, mem_pat + 32, 13)
    TEST_LOAD(17, lb, 113, mem_pat + 32, 16)
    TEST_LOAD(18, lb, 16, mem_pat + 32, 19)
    TEST_LOAD(19, lb, -81, mem_pat + 32, 22)
    TEST_LOAD(20, lb, 78, mem_pat + 32, 25)
    TEST_LOAD(21, lb, -19, mem_pat + 32, 28)
    TEST_LOAD(22, lb, -116, mem_pat + 32, 31)
    TEST_LOAD(23, lbu, 129, mem_pat + 32, -32)
    TEST_LOAD(24, lbu, 32, mem_pat + 32, -29)
    TEST_LOAD(25, lbu, 191, mem_pat + 32, -26)
    TEST_LOAD(26, lbu, 94, mem_pat + 32, -23)
    TEST_LOAD(27, lbu, 253, mem_pat + 32, -20)
    TEST_LOAD(28, lbu, 156, mem_pat + 32, -17)
    TEST_LOAD(29, lbu, 59, mem_pat + 32, -14)
    TEST_LOAD(30, lbu, 218, mem_pat + 32, -11)
    TEST_LOAD(31, lbu, 121, mem_pat + 32, -8)
    TEST_LOAD(32, lbu, 24, mem_pat + 32, -5)
    TEST_LOAD(33, lbu, 183, mem_pat + 32, -2)
    TEST_LOAD(34, lbu, 86, mem_pat + 32, 1)
    TEST_LOAD(35, lbu, 245, mem_pat + 32, 4)
    TEST_LOAD(36, lbu, 148, mem_pat + 32, 7)
    TEST_LOAD(37, lbu, 51, mem_pat + 32, 10)
    TEST_LOAD(38, lbu, 210, mem_pat + 32, 13)
    TEST_LOAD(39, lbu, 113, mem_pat + 32, 16)
    TEST_LOAD(40, lbu, 16, mem_pat + 32, 19)
    TEST_LOAD(41, lbu, 175, mem_pat + 32, 22)
    TEST_LOAD(42, lbu, 78, mem_pat + 32, 25)
    TEST_LOAD(43, lbu, 237, mem_pat + 32, 28)
    TEST_LOAD(44, lbu, 140, mem_pat + 32, 31)
    TEST_LOAD(45, lh, 0xffffffffffffb681, mem_pat + 32, -32)
    TEST_LOAD(46, lh, -2881, mem_pat + 32, -26)
    TEST_LOAD(47, lh, 0x32fd, mem_pat + 32, -20)
    TEST_LOAD(48, lh, 0x703b, mem_pat + 32, -14)
    TEST_LOAD(49, lh, 0xffffffffffffae79, mem_pat + 32, -8)
    TEST_LOAD(50, lh, 0xffffffffffffecb7, mem_pat + 32, -2)
    TEST_LOAD(51, lh, 0x2af5, mem_pat + 32, 4)
    TEST_LOAD(52, lh, 0x6833, mem_pat + 32, 10)
    TEST_LOAD(53, lh, 0xffffffffffffa671, mem_pat + 32, 16)
    TEST_LOAD(54, lh, 0xffffffffffffe4af, mem_pat + 32, 22)
    TEST_LOAD(55, lh, 0x22ed, mem_pat + 32, 28)
    TEST_LOAD(56, lhu, 0xb681, mem_pat + 32, -32)
    TEST_LOAD(57, lhu, 0xf4bf, mem_pat + 32, -26)
    TEST_LOAD(58, lhu, 0x32fd, mem_pat + 32, -20)
    TEST_LOAD(59, lhu, 0x703b, mem_pat + 32, -14)
    TEST_LOAD(60, lhu, 0xae79, mem_pat + 32, -8)
    TEST_LOAD(61, lhu, 0xecb7, mem_pat + 32, -2)
    TEST_LOAD(62, lhu, 0x2af5, mem_pat + 32, 4)
    TEST_LOAD(63, lhu, 0x6833, mem_pat + 32, 10)
    TEST_LOAD(64, lhu, 0xa671, mem_pat + 32, 16)
    TEST_LOAD(65, lhu, 0xe4af, mem_pat + 32, 22)
    TEST_LOAD(66, lhu, 0x22ed, mem_pat + 32, 28)
    TEST_LOAD(67, lw, 0x20ebb681, mem_pat + 32, -32)
    TEST_LOAD(68, lw, 0xffffffff9c6732fd, mem_pat + 32, -20)
    TEST_LOAD(69, lw, 0x18e3ae79, mem_pat + 32, -8)
    TEST_LOAD(70, lw, 0xffffffff945f2af5, mem_pat + 32, 4)
    TEST_LOAD(71, lw, 0x10dba671, mem_pat + 32, 16)
    TEST_LOAD(72, lw, 0xffffffff8c5722ed, mem_pat + 32, 28)
    TEST_LOAD(73, lwu, 0x20ebb681, mem_pat + 32, -32)
    TEST_LOAD(74, lwu, 0x9c6732fd, mem_pat + 32, -20)
    TEST_LOAD(75, lwu, 0x18e3ae79, mem_pat + 32, -8)
    TEST_LOAD(76, lwu, 0x945f2af5, mem_pat + 32, 4)
    TEST_LOAD(77, lwu, 0x10dba671, mem_pat + 32, 16)
    TEST_LOAD(78, lwu, 0x8c5722ed, mem_pat + 32, 28)
    TEST_LOAD(79, ld, 0xf4bf8a5520ebb681, mem_pat + 32, -32)
    TEST_LOAD(80, ld, 0x9c6732fdc8935e29, mem_pat + 32, -24)
    TEST_LOAD(81, ld, 0x440fdaa5703b06d1, mem_pat + 32, -16)
    TEST_LOAD(82, ld, 0xecb7824d18e3ae79, mem_pat + 32, -8)
    TEST_LOAD(83, ld, 0x945f2af5c08b5621, mem_pat + 32, 0)
    TEST_LOAD(84, ld, 0x3c07d29d6833fec9, mem_pat + 32, 8)
    TEST_LOAD(85, ld, 0xe4af7a4510dba671, mem_pat + 32, 16)
    TEST_LOAD(86, ld, 0x8c5722edb8834e19, mem_pat + 32, 24)

    /* ---- large offsets: base register +-2047/2048 from the data ---- */
    TEST_CASE(87, a4, 0xf4bf8a5520ebb681, la a1, mem_pat + 2048; ld a4, -2048(a1))
    TEST_CASE(88, a4, 0xffffffffc8935e29, la a1, mem_pat - 2047 + 8; lw a4, 2047(a1))
    TEST_CASE(89, a4, 94, la a1, mem_pat - 2047 + 9; lbu a4, 2047(a1))

    /* ---- misaligned loads (QEMU 7.2 performs them in M-mode without trapping; see header) ---- */
    TEST_LOAD(90, lh, 0xffffffffffffebb6, mem_pat, 1)
    TEST_LOAD(91, lh, 0x5520, mem_pat, 3)
    TEST_LOAD(92, lh, 0x29f4, mem_pat, 7)
    TEST_LOAD(93, lh, 0xffffffffffff935e, mem_pat, 9)
    TEST_LOAD(94, lh, 0xffffffffffffd19c, mem_pat, 15)
    TEST_LOAD(95, lhu, 0xebb6, mem_pat, 1)
    TEST_LOAD(96, lhu, 0x5520, mem_pat, 3)
    TEST_LOAD(97, lhu, 0x29f4, mem_pat, 7)
    TEST_LOAD(98, lhu, 0x935e, mem_pat, 9)
    TEST_LOAD(99, lhu, 0xd19c, mem_pat, 15)
    TEST_LOAD(100, lw, 0x5520ebb6, mem_pat, 1)
    TEST_LOAD(101, lw, 0xffffffff8a5520eb, mem_pat, 2)
    TEST_LOAD(102, lw, 0xffffffffbf8a5520, mem_pat, 3)
    TEST_LOAD(103, lw, 0x29f4bf8a, mem_pat, 5)
    TEST_LOAD(104, lw, 0x5e29f4bf, mem_pat, 6)
    TEST_LOAD(105, lw, 0xffffffff935e29f4, mem_pat, 7)
    TEST_LOAD(106, lw, 0x32fdc893, mem_pat, 10)
    TEST_LOAD(107, lw, 0xffffffffd19c6732, mem_pat, 13)
    TEST_LOAD(108, lwu, 0x5520ebb6, mem_pat, 1)
    TEST_LOAD(109, lwu, 0x8a5520eb, mem_pat, 2)
    TEST_LOAD(110, lwu, 0xbf8a5520, mem_pat, 3)
    TEST_LOAD(111, lwu, 0x29f4bf8a, mem_pat, 5)
    TEST_LOAD(112, lwu, 0x5e29f4bf, mem_pat, 6)
    TEST_LOAD(113, lwu, 0x935e29f4, mem_pat, 7)
    TEST_LOAD(114, lwu, 0x32fdc893, mem_pat, 10)
    TEST_LOAD(115, lwu, 0xd19c6732, mem_pat, 13)
    TEST_LOAD(116, ld, 0x29f4bf8a5520ebb6, mem_pat, 1)
    TEST_LOAD(117, ld, 0x5e29f4bf8a5520eb, mem_pat, 2)
    TEST_LOAD(118, ld, 0x935e29f4bf8a5520, mem_pat, 3)
    TEST_LOAD(119, ld, 0xc8935e29f4bf8a55, mem_pat, 4)
    TEST_LOAD(120, ld, 0xfdc8935e29f4bf8a, mem_pat, 5)
    TEST_LOAD(121, ld, 0x32fdc8935e29f4bf, mem_pat, 6)
    TEST_LOAD(122, ld, 0x6732fdc8935e29f4, mem_pat, 7)
    TEST_LOAD(123, ld, 0xd19c6732fdc8935e, mem_pat, 9)
    TEST_LOAD(124, ld, 0x6d19c6732fdc893, mem_pat, 10)
    TEST_LOAD(125, ld, 0x3b06d19c6732fdc8, mem_pat, 11)
    TEST_LOAD(126, ld, 0x703b06d19c6732fd, mem_pat, 12)
    TEST_LOAD(127, ld, 0xa5703b06d19c6732, mem_pat, 13)
    TEST_LOAD(128, ld, 0xdaa5703b06d19c67, mem_pat, 14)
    TEST_LOAD(129, ld, 0xfdaa5703b06d19c, mem_pat, 15)

    /* ---- misaligned loads straddling a 4 KiB page boundary (mem_page2 starts a page) ---- */
    TEST_LOAD(130, lh, 0x29f4, mem_page2 - 8, 7)
    TEST_LOAD(131, lhu, 0x29f4, mem_page2 - 8, 7)
    TEST_LOAD(132, lw, 0x29f4bf8a, mem_page2 - 8, 5)
    TEST_LOAD(133, lw, 0x5e29f4bf, mem_page2 - 8, 6)
    TEST_LOAD(134, lw, 0xffffffff935e29f4, mem_page2 - 8, 7)
    TEST_LOAD(135, lwu, 0x29f4bf8a, mem_page2 - 8, 5)
    TEST_LOAD(136, lwu, 0x5e29f4bf, mem_page2 - 8, 6)
    TEST_LOAD(137, lwu, 0x935e29f4, mem_page2 - 8, 7)
    TEST_LOAD(138, ld, 0x29f4bf8a5520ebb6, mem_page2 - 8, 1)
    TEST_LOAD(139, ld, 0x5e29f4bf8a5520eb, mem_page2 - 8, 2)
    TEST_LOAD(140, ld, 0x935e29f4bf8a5520, mem_page2 - 8, 3)
    TEST_LOAD(141, ld, 0xc8935e29f4bf8a55, mem_page2 - 8, 4)
    TEST_LOAD(142, ld, 0xfdc8935e29f4bf8a, mem_page2 - 8, 5)
    TEST_LOAD(143, ld, 0x32fdc8935e29f4bf, mem_page2 - 8, 6)
    TEST_LOAD(144, ld, 0x6732fdc8935e29f4, mem_page2 - 8, 7)

    /* ---- stores of every size, read back with every load (buffer zeroed first) ---- */
    la a1, mem_buf
    sd x0, 0(a1)
    sd x0, 8(a1)
    sd x0, 16(a1)
    sd x0, 24(a1)
    sd x0, 32(a1)
    sd x0, 40(a1)
    sd x0, 48(a1)
    sd x0, 56(a1)
    TEST_STORE_LOAD(145, sb, lb, -104, 0xf1e2d3c4b5a69798, mem_buf, 0)
    TEST_CASE(146, a4, 152, ld a4, 0(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(147, sb, lb, -100, 0xf5e6d7c0b1a2939c, mem_buf, 4)
    TEST_CASE(148, a4, 0x9c00000098, ld a4, 0(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(149, sb, lb, -112, 0xf9eadbccbdae9f90, mem_buf, 8)
    TEST_CASE(150, a4, 144, ld a4, 8(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(151, sb, lb, -108, 0xfdeedfc8b9aa9b94, mem_buf, 12)
    TEST_CASE(152, a4, 0x9400000090, ld a4, 8(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(153, sh, lh, 0xffffffffffff97a8, 0xf1e2d3c4b5a697a8, mem_buf, 0)
    TEST_CASE(154, a4, 0x9c000097a8, ld a4, 0(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(155, sh, lh, 0xffffffffffff93ac, 0xf5e6d7c0b1a293ac, mem_buf, 4)
    TEST_CASE(156, a4, 0x93ac000097a8, ld a4, 0(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(157, sh, lh, 0xffffffffffff9fa0, 0xf9eadbccbdae9fa0, mem_buf, 8)
    TEST_CASE(158, a4, 0x9400009fa0, ld a4, 8(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(159, sh, lh, 0xffffffffffff9ba4, 0xfdeedfc8b9aa9ba4, mem_buf, 12)
    TEST_CASE(160, a4, 0x9ba400009fa0, ld a4, 8(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(161, sw, lw, 0xffffffffb5a697c8, 0xf1e2d3c4b5a697c8, mem_buf, 0)
    TEST_CASE(162, a4, 0x93acb5a697c8, ld a4, 0(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(163, sw, lw, 0xffffffffb1a293cc, 0xf5e6d7c0b1a293cc, mem_buf, 4)
    TEST_CASE(164, a4, 0xb1a293ccb5a697c8, ld a4, 0(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(165, sw, lw, 0xffffffffbdae9fc0, 0xf9eadbccbdae9fc0, mem_buf, 8)
    TEST_CASE(166, a4, 0x9ba4bdae9fc0, ld a4, 8(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(167, sw, lw, 0xffffffffb9aa9bc4, 0xfdeedfc8b9aa9bc4, mem_buf, 12)
    TEST_CASE(168, a4, 0xb9aa9bc4bdae9fc0, ld a4, 8(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(169, sd, ld, 0xf1e2d3c4b5a69708, 0xf1e2d3c4b5a69708, mem_buf, 0)
    TEST_CASE(170, a4, 0xf1e2d3c4b5a69708, ld a4, 0(a1))   /* neighbours untouched */
    TEST_STORE_LOAD(171, sd, ld, 0xf9eadbccbdae9f00, 0xf9eadbccbdae9f00, mem_buf, 8)
    TEST_CASE(172, a4, 0xf9eadbccbdae9f00, ld a4, 8(a1))   /* neighbours untouched */

    /* ---- partial stores into a dword, then wider loads (store-to-load forwarding) ---- */
    la a1, mem_buf
    sd x0, 0(a1)
    sd x0, 8(a1)
    sd x0, 16(a1)
    sd x0, 24(a1)
    sd x0, 32(a1)
    sd x0, 40(a1)
    sd x0, 48(a1)
    sd x0, 56(a1)
    /* sd, then overwrite single bytes/halves/words and read the merged dword */
    la a1, mem_buf
    li a2, 0x11223344556677
    sd a2, 0(a1)
    li a2, 171
    sb a2, 1(a1)
    li a2, 0xcdef
    sh a2, 2(a1)
    li a2, 0x89abcdef
    sw a2, 4(a1)
    TEST_CASE(173, a4, 0x89abcdefcdefab77, ld a4, 0(a1))
    TEST_CASE(174, a4, 0xffffffffcdefab77, lw a4, 0(a1))
    TEST_CASE(175, a4, 0x89abcdef, lwu a4, 4(a1))
    TEST_CASE(176, a4, 0xffffffffffff89ab, lh a4, 6(a1))
    TEST_CASE(177, a4, 171, lbu a4, 1(a1))
    TEST_CASE(178, a4, -85, lb a4, 1(a1))
    /* sd followed immediately by narrower loads of each part */
    la a1, mem_buf
    li a2, 0x8070605040302010
    sd a2, 8(a1)
    TEST_CASE(179, a4, 0xffffffff80706050, lw a4, 12(a1))
    TEST_CASE(180, a4, 0x80706050, lwu a4, 12(a1))
    TEST_CASE(181, a4, 0xffffffffffff8070, lh a4, 14(a1))
    TEST_CASE(182, a4, 0x8070, lhu a4, 14(a1))
    TEST_CASE(183, a4, -128, lb a4, 15(a1))
    TEST_CASE(184, a4, 16, lbu a4, 8(a1))
    /* two stores to the same address: the later wins */
    la a1, mem_buf
    li a2, -1
    sd a2, 16(a1)
    li a2, 0x1234
    sd a2, 16(a1)
    li a2, 0x80000000
    sw a2, 20(a1)
    TEST_CASE(185, a4, 0x8000000000001234, ld a4, 16(a1))
    TEST_CASE(186, a4, 0xffffffff80000000, lw a4, 20(a1))
    TEST_CASE(187, a4, 0x1234, lw a4, 16(a1))
    /* store only the low bits of a wide register */
    la a1, mem_buf
    li a2, 0
    sd a2, 24(a1)
    li a2, 511
    sb a2, 24(a1)
    li a2, 0x12345678
    sh a2, 26(a1)
    li a2, 0xffffffff00000001
    sw a2, 28(a1)
    TEST_CASE(188, a4, 0x1567800ff, ld a4, 24(a1))

    /* ---- misaligned stores (performed, not trapped, on QEMU 7.2), read back aligned and misaligned ---- */
    la a1, mem_buf
    sd x0, 0(a1)
    sd x0, 8(a1)
    sd x0, 16(a1)
    sd x0, 24(a1)
    sd x0, 32(a1)
    sd x0, 40(a1)
    sd x0, 48(a1)
    sd x0, 56(a1)
    /* sh/sw/sd at odd offsets, including across an 8-byte boundary */
    la a1, mem_buf
    li a2, 0xa1b2
    sh a2, 1(a1)
    li a2, 0xc3d4e5f6
    sw a2, 5(a1)
    li a2, 0x102030405060708
    sd a2, 11(a1)
    li a2, 0x9988
    sh a2, 23(a1)
    li a2, 0x7f6e5d4c
    sw a2, 30(a1)
    li a2, 0x8000000000000001
    sd a2, 37(a1)
    TEST_CASE(189, a4, 0xd4e5f60000a1b200, ld a4, 0(a1))
    TEST_CASE(190, a4, 0x4050607080000c3, ld a4, 8(a1))
    TEST_CASE(191, a4, 0x8800000000010203, ld a4, 16(a1))
    TEST_CASE(192, a4, 0x5d4c000000000099, ld a4, 24(a1))
    TEST_CASE(193, a4, 0x10000007f6e, ld a4, 32(a1))
    TEST_CASE(194, a4, 0x8000000000, ld a4, 40(a1))
    TEST_CASE(195, a4, 0xffffffffffffa1b2, lh a4, 1(a1))
    TEST_CASE(196, a4, 0xffffffffc3d4e5f6, lw a4, 5(a1))
    TEST_CASE(197, a4, 0x102030405060708, ld a4, 11(a1))
    TEST_CASE(198, a4, 0x9988, lhu a4, 23(a1))
    TEST_CASE(199, a4, 0x7f6e5d4c, lw a4, 30(a1))
    TEST_CASE(200, a4, 0x8000000000000001, ld a4, 37(a1))
    TEST_CASE(201, a4, 0xe5f60000, lwu a4, 3(a1))
    TEST_CASE(202, a4, 0x10000007f, ld a4, 33(a1))

    /* ---- misaligned stores straddling a 4 KiB page boundary (base = mem_st_page2 - 8) ---- */
    la a1, mem_st_page2 - 8
    sd x0, 0(a1)
    sd x0, 8(a1)
    li a2, 0x1122334455667788
    sd a2, 5(a1)
    TEST_CASE(203, a4, 0x6677880000000000, ld a4, 0(a1))
    TEST_CASE(204, a4, 0x1122334455, ld a4, 8(a1))
    TEST_CASE(205, a4, 102, lbu a4, 7(a1))
    TEST_CASE(206, a4, 85, lbu a4, 8(a1))
    TEST_CASE(207, a4, 0x5566, lh a4, 7(a1))
    TEST_CASE(208, a4, 0x44556677, lw a4, 6(a1))
    TEST_CASE(209, a4, 0x1122334455667788, ld a4, 5(a1))
    TEST_CASE(210, a4, 0x55667788, lwu a4, 5(a1))
    li a2, 0xdeadbeef
    sw a2, 6(a1)
    TEST_CASE(211, a4, 0xbeef880000000000, ld a4, 0(a1))
    TEST_CASE(212, a4, 0x112233dead, ld a4, 8(a1))
    TEST_CASE(213, a4, 190, lbu a4, 7(a1))
    TEST_CASE(214, a4, 173, lbu a4, 8(a1))
    TEST_CASE(215, a4, 0xffffffffffffadbe, lh a4, 7(a1))
    TEST_CASE(216, a4, 0xffffffffdeadbeef, lw a4, 6(a1))
    TEST_CASE(217, a4, 0x112233deadbeef88, ld a4, 5(a1))
    TEST_CASE(218, a4, 0xadbeef88, lwu a4, 5(a1))
    li a2, 0x8001
    sh a2, 7(a1)
    TEST_CASE(219, a4, 0x1ef880000000000, ld a4, 0(a1))
    TEST_CASE(220, a4, 0x112233de80, ld a4, 8(a1))
    TEST_CASE(221, a4, 1, lbu a4, 7(a1))
    TEST_CASE(222, a4, 128, lbu a4, 8(a1))
    TEST_CASE(223, a4, 0xffffffffffff8001, lh a4, 7(a1))
    TEST_CASE(224, a4, 0xffffffffde8001ef, lw a4, 6(a1))
    TEST_CASE(225, a4, 0x112233de8001ef88, ld a4, 5(a1))
    TEST_CASE(226, a4, 0x8001ef88, lwu a4, 5(a1))

    /* ---- x0 destination, rd == rs1, base register stored to itself ---- */
    li TESTNUM, 300             /* loads into x0 are discarded (and do not trap) */
    la a1, mem_pat
    ld x0, 0(a1)
    lw x0, 4(a1)
    lbu x0, 1(a1)
    bnez x0, fail
    mv a4, x0
    bnez a4, fail
    li TESTNUM, 301             /* rd == rs1 */
    la a1, mem_ptr
    ld a1, 0(a1)
    la a2, mem_pat
    bne a1, a2, fail
    TEST_CASE(302, a1, 0xf4bf8a5520ebb681, la a1, mem_ptr; ld a1, 0(a1); ld a1, 0(a1))
    li TESTNUM, 303             /* sd of the base register itself */
    la a1, mem_buf
    sd a1, 8(a1)
    ld a4, 8(a1)
    bne a4, a1, fail
    TEST_CASE(304, a4, 0, la a1, mem_buf; li a2, -1; sd a2, 0(a1); sd x0, 0(a1); ld a4, 0(a1))
    TEST_CASE(305, a4, 0xffffffff00ffffff, la a1, mem_buf; li a2, -1; sd a2, 0(a1); sb x0, 3(a1); ld a4, 0(a1))
    li TESTNUM, 306             /* pointer chasing through a linked list: 1 + 20 + 300 + 4000 */
    la a1, list_head
    li a4, 0
1:  ld a2, 8(a1)
    add a4, a4, a2
    ld a1, 0(a1)
    bnez a1, 1b
    CHECK(a4, 4321)

    /* ---- self-modifying code (fence.i makes the stores visible to instruction fetch) ---- */
    /* 310/311: a routine assembled at run time in a data buffer, then patched */
    li TESTNUM, 310
    la a1, smc_buf
    li a2, ADDI_A0(1)
    sw a2, 0(a1)
    li a2, RET_INSN
    sw a2, 4(a1)
    fence.i
    li a0, 40
    jalr ra, 0(a1)
    CHECK(a0, 41)
    li TESTNUM, 311
    la a1, smc_buf
    li a2, ADDI_A0(2)
    sw a2, 0(a1)
    fence.i
    jalr ra, 0(a1)
    CHECK(a0, 43)

    /* 312-314: patch a function that lives in the same 4 KiB page as the running code */
    li TESTNUM, 312
    j smc_page_code
    .balign 4096
smc_same_page_func:
    addi a0, a0, 1
    ret
smc_page_code:
    li a0, 0
    call smc_same_page_func
    CHECK(a0, 1)
    li TESTNUM, 313
    la a1, smc_same_page_func
    li a2, ADDI_A0(2)
    sw a2, 0(a1)
    fence.i
    call smc_same_page_func
    CHECK(a0, 3)
    li TESTNUM, 314             /* sub-word patch: sh rewrites imm[11:4] / imm[3:0] bits only */
    la a1, smc_same_page_func
    li a2, (ADDI_A0(0x10) >> 16)
    sh a2, 2(a1)
    fence.i
    call smc_same_page_func
    CHECK(a0, 0x13)
    li TESTNUM, 315             /* the patch site really is in the same page */
    la a1, smc_same_page_func
    la a2, smc_page_code_end
    srli a1, a1, 12
    srli a2, a2, 12
    bne a1, a2, fail

    /* 316: patch the instruction just ahead of the running code, inside a loop: the first pass
     * runs the original addi 1, the second pass must run the patched addi 2 (total 3) */
    li TESTNUM, 316
    li a0, 0
    li a3, 2
smc_loop:
smc_ahead:
    addi a0, a0, 1
    addi a3, a3, -1
    beqz a3, 1f
    la a1, smc_ahead
    li a2, ADDI_A0(2)
    sw a2, 0(a1)
    fence.i
    j smc_loop
1:  CHECK(a0, 3)

    /* 317: straight-line patch of the next instruction */
    li TESTNUM, 317
    li a0, 0
    la a1, smc_next
    li a2, ADDI_A0(7)
    sw a2, 0(a1)
    fence.i
smc_next:
    addi a0, a0, 1
    CHECK(a0, 7)
smc_page_code_end:

    /* 318: ten patch/fence.i/call cycles on the data-buffer routine: 1 + 2 + ... + 10 = 55 */
    li TESTNUM, 318
    li a0, 0
    li s1, 1
    li s2, 11
1:  la a1, smc_buf
    slli a2, s1, 20
    li a3, ADDI_A0(0)
    or a2, a2, a3
    sw a2, 0(a1)
    fence.i
    jalr ra, 0(a1)
    addi s1, s1, 1
    bltu s1, s2, 1b
    CHECK(a0, 55)

TEST_END

    .data
    .balign 8
mem_pat:                    /* byte i = (0x35 * i + 0x81) & 0xff */
    .byte 0x81, 0xb6, 0xeb, 0x20, 0x55, 0x8a, 0xbf, 0xf4, 0x29, 0x5e, 0x93, 0xc8, 0xfd, 0x32, 0x67, 0x9c
    .byte 0xd1, 0x06, 0x3b, 0x70, 0xa5, 0xda, 0x0f, 0x44, 0x79, 0xae, 0xe3, 0x18, 0x4d, 0x82, 0xb7, 0xec
    .byte 0x21, 0x56, 0x8b, 0xc0, 0xf5, 0x2a, 0x5f, 0x94, 0xc9, 0xfe, 0x33, 0x68, 0x9d, 0xd2, 0x07, 0x3c
    .byte 0x71, 0xa6, 0xdb, 0x10, 0x45, 0x7a, 0xaf, 0xe4, 0x19, 0x4e, 0x83, 0xb8, 0xed, 0x22, 0x57, 0x8c
mem_buf:
    .skip 64
mem_ptr:
    .dword mem_pat
list_head:
    .dword list_1, 1
list_1:
    .dword list_2, 20
list_2:
    .dword list_3, 300
list_3:
    .dword 0, 4000
    .balign 8
smc_buf:                    /* run-time generated code (RAM is executable in M-mode) */
    .skip 16

    /* mem_page2 starts a 4 KiB page; the 8 bytes before it are mem_pat[0..7], the 8 bytes from
     * it mem_pat[8..15], so loads at mem_page2 - 8 + k read mem_pat[k..] across the boundary */
    .balign 4096
    .skip 4096 - 8
    .byte 0x81, 0xb6, 0xeb, 0x20, 0x55, 0x8a, 0xbf, 0xf4
mem_page2:
    .byte 0x29, 0x5e, 0x93, 0xc8, 0xfd, 0x32, 0x67, 0x9c
    /* store area straddling the next page boundary */
    .balign 4096
    .skip 4096 - 8
    .dword 0
mem_st_page2:
    .dword 0
