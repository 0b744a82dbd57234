/* rv64i_alu: every RV64I register-register and register-immediate ALU instruction, the W forms
 * (results sign-extended from bit 31), lui and auipc. Edge operands: 0, 1, -1, INT64_MIN/MAX,
 * 32-bit boundaries; shift amounts 0/1/31/32/63 and amounts whose high bits must be ignored;
 * rd == rs1 / rd == rs2 aliasing, x0 as source and as (discarded) destination.
 * Case numbers are the FAIL code. Expected values were computed independently (two's-complement
 * arithmetic model), not read back from an emulator. */
#include "test_macros.h"

    .option norvc           /* base-ISA encodings only; compressed forms live in rv64c.S */

TEST_NAME("rv64i_alu")

TEST_MAIN

    /* ---- add ---- */
    TEST_RR(1, add, 0, 0, 0)
    TEST_RR(2, add, 2, 1, 1)
    TEST_RR(3, add, 0, 1, -1)
    TEST_RR(4, add, -2, -1, -1)
    TEST_RR(5, add, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_RR(6, add, 0x7fffffffffffffff, 0x8000000000000000, -1)
    TEST_RR(7, add, 0, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(8, add, -2, 0x7fffffffffffffff, 0x7fffffffffffffff)
    TEST_RR(9, add, 0x80000000, 0x7fffffff, 1)
    TEST_RR(10, add, 0x100000000, 0xffffffff, 1)
    TEST_RR(11, add, 0xffffffff7fffffff, 0xffffffff80000000, -1)
    TEST_RR(12, add, -1, 0x123456789abcdef, 0xfedcba9876543210)
    /* add: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(13, add, 24, 13, 11)
    TEST_RR_SRC2_EQ_DEST(14, add, 24, 13, 11)
    TEST_RR_SRC12_EQ_DEST(15, add, 26, 13)
    TEST_RR_ZEROSRC1(16, add, 11, 11)
    TEST_RR_ZEROSRC2(17, add, 13, 13)
    TEST_RR_ZERODEST(18, add, 13, 11)

    /* ---- sub ---- */
    TEST_RR(19, sub, 0, 0, 0)
    TEST_RR(20, sub, 0, 1, 1)
    TEST_RR(21, sub, 2, 1, -1)
    TEST_RR(22, sub, 0, -1, -1)
    TEST_RR(23, sub, 0x7ffffffffffffffe, 0x7fffffffffffffff, 1)
    TEST_RR(24, sub, 0x8000000000000001, 0x8000000000000000, -1)
    TEST_RR(25, sub, 0, 0x8000000000000000, 0x8000000000000000)
    TEST_RR(26, sub, 0, 0x7fffffffffffffff, 0x7fffffffffffffff)
    TEST_RR(27, sub, 0x7ffffffe, 0x7fffffff, 1)
    TEST_RR(28, sub, 0xfffffffe, 0xffffffff, 1)
    TEST_RR(29, sub, 0xffffffff80000001, 0xffffffff80000000, -1)
    TEST_RR(30, sub, 0x2468acf13579bdf, 0x123456789abcdef, 0xfedcba9876543210)
    TEST_RR(31, sub, -1, 0, 1)
    TEST_RR(32, sub, 0x8000000000000000, 0, 0x8000000000000000)
    TEST_RR(33, sub, 0x7fffffffffffffff, 0x8000000000000000, 1)
    /* sub: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(34, sub, 2, 13, 11)
    TEST_RR_SRC2_EQ_DEST(35, sub, 2, 13, 11)
    TEST_RR_SRC12_EQ_DEST(36, sub, 0, 13)
    TEST_RR_ZEROSRC1(37, sub, -11, 11)
    TEST_RR_ZEROSRC2(38, sub, 13, 13)
    TEST_RR_ZERODEST(39, sub, 13, 11)

    /* ---- xor ---- */
    TEST_RR(40, xor, 0, 0, 0)
    TEST_RR(41, xor, -1, -1, 0)
    TEST_RR(42, xor, 0, -1, -1)
    TEST_RR(43, xor, -1, 0x123456789abcdef, 0xfedcba9876543210)
    TEST_RR(44, xor, 0x1dc45988954cd10, 0x123456789abcdef, 0xff00ff00ff00ff)
    TEST_RR(45, xor, -1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(46, xor, 0xf0f0f0f0f0f0f0f0, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0)
    TEST_RR(47, xor, 0x7fffffff, 0xffffffff, 0x80000000)
    /* xor: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(48, xor, 0xf0f0f0f0, 0xff00ff00, 0xff00ff0)
    TEST_RR_SRC2_EQ_DEST(49, xor, 0xf0f0f0f0, 0xff00ff00, 0xff00ff0)
    TEST_RR_SRC12_EQ_DEST(50, xor, 0, 0xff00ff00)
    TEST_RR_ZEROSRC1(51, xor, 0xff00ff0, 0xff00ff0)
    TEST_RR_ZEROSRC2(52, xor, 0xff00ff00, 0xff00ff00)
    TEST_RR_ZERODEST(53, xor, 0xff00ff00, 0xff00ff0)

    /* ---- or ---- */
    TEST_RR(54, or, 0, 0, 0)
    TEST_RR(55, or, -1, -1, 0)
    TEST_RR(56, or, -1, -1, -1)
    TEST_RR(57, or, -1, 0x123456789abcdef, 0xfedcba9876543210)
    TEST_RR(58, or, 0x1ff45ff89ffcdff, 0x123456789abcdef, 0xff00ff00ff00ff)
    TEST_RR(59, or, -1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(60, or, 0xfff0fff0fff0fff0, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0)
    TEST_RR(61, or, 0xffffffff, 0xffffffff, 0x80000000)
    /* or: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(62, or, 0xfff0fff0, 0xff00ff00, 0xff00ff0)
    TEST_RR_SRC2_EQ_DEST(63, or, 0xfff0fff0, 0xff00ff00, 0xff00ff0)
    TEST_RR_SRC12_EQ_DEST(64, or, 0xff00ff00, 0xff00ff00)
    TEST_RR_ZEROSRC1(65, or, 0xff00ff0, 0xff00ff0)
    TEST_RR_ZEROSRC2(66, or, 0xff00ff00, 0xff00ff00)
    TEST_RR_ZERODEST(67, or, 0xff00ff00, 0xff00ff0)

    /* ---- and ---- */
    TEST_RR(68, and, 0, 0, 0)
    TEST_RR(69, and, 0, -1, 0)
    TEST_RR(70, and, -1, -1, -1)
    TEST_RR(71, and, 0, 0x123456789abcdef, 0xfedcba9876543210)
    TEST_RR(72, and, 0x23006700ab00ef, 0x123456789abcdef, 0xff00ff00ff00ff)
    TEST_RR(73, and, 0, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(74, and, 0xf000f000f000f00, 0xff00ff00ff00ff00, 0xff00ff00ff00ff0)
    TEST_RR(75, and, 0x80000000, 0xffffffff, 0x80000000)
    /* and: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(76, and, 0xf000f00, 0xff00ff00, 0xff00ff0)
    TEST_RR_SRC2_EQ_DEST(77, and, 0xf000f00, 0xff00ff00, 0xff00ff0)
    TEST_RR_SRC12_EQ_DEST(78, and, 0xff00ff00, 0xff00ff00)
    TEST_RR_ZEROSRC1(79, and, 0, 0xff00ff0)
    TEST_RR_ZEROSRC2(80, and, 0, 0xff00ff00)
    TEST_RR_ZERODEST(81, and, 0xff00ff00, 0xff00ff0)

    /* ---- slt ---- */
    TEST_RR(82, slt, 0, 0, 0)
    TEST_RR(83, slt, 1, 0, 1)
    TEST_RR(84, slt, 0, 1, 0)
    TEST_RR(85, slt, 1, -1, 0)
    TEST_RR(86, slt, 0, 0, -1)
    TEST_RR(87, slt, 0, -1, -1)
    TEST_RR(88, slt, 1, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(89, slt, 0, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_RR(90, slt, 1, 0x8000000000000000, 0)
    TEST_RR(91, slt, 0, 0, 0x8000000000000000)
    TEST_RR(92, slt, 0, 0x7fffffffffffffff, -1)
    TEST_RR(93, slt, 1, -1, 0x7fffffffffffffff)
    TEST_RR(94, slt, 1, 0x7fffffff, 0x80000000)
    TEST_RR(95, slt, 0, 0x80000000, 0x7fffffff)
    TEST_RR(96, slt, 1, -2, -1)
    TEST_RR(97, slt, 0, -1, -2)
    TEST_RR(98, slt, 1, 0x8000000000000000, 0x8000000000000001)
    /* slt: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(99, slt, 1, -5, 3)
    TEST_RR_SRC2_EQ_DEST(100, slt, 1, -5, 3)
    TEST_RR_SRC12_EQ_DEST(101, slt, 0, -5)
    TEST_RR_ZEROSRC1(102, slt, 1, 3)
    TEST_RR_ZEROSRC2(103, slt, 1, -5)
    TEST_RR_ZERODEST(104, slt, -5, 3)

    /* ---- sltu ---- */
    TEST_RR(105, sltu, 0, 0, 0)
    TEST_RR(106, sltu, 1, 0, 1)
    TEST_RR(107, sltu, 0, 1, 0)
    TEST_RR(108, sltu, 0, -1, 0)
    TEST_RR(109, sltu, 1, 0, -1)
    TEST_RR(110, sltu, 0, -1, -1)
    TEST_RR(111, sltu, 0, 0x8000000000000000, 0x7fffffffffffffff)
    TEST_RR(112, sltu, 1, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_RR(113, sltu, 0, 0x8000000000000000, 0)
    TEST_RR(114, sltu, 1, 0, 0x8000000000000000)
    TEST_RR(115, sltu, 1, 0x7fffffffffffffff, -1)
    TEST_RR(116, sltu, 0, -1, 0x7fffffffffffffff)
    TEST_RR(117, sltu, 1, 0x7fffffff, 0x80000000)
    TEST_RR(118, sltu, 0, 0x80000000, 0x7fffffff)
    TEST_RR(119, sltu, 1, -2, -1)
    TEST_RR(120, sltu, 0, -1, -2)
    TEST_RR(121, sltu, 1, 0x8000000000000000, 0x8000000000000001)
    /* sltu: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(122, sltu, 0, -5, 3)
    TEST_RR_SRC2_EQ_DEST(123, sltu, 0, -5, 3)
    TEST_RR_SRC12_EQ_DEST(124, sltu, 0, -5)
    TEST_RR_ZEROSRC1(125, sltu, 1, 3)
    TEST_RR_ZEROSRC2(126, sltu, 0, -5)
    TEST_RR_ZERODEST(127, sltu, -5, 3)

    /* ---- sll ---- */
    TEST_RR(128, sll, 0x123456789abcdef, 0x123456789abcdef, 0)
    TEST_RR(129, sll, 0x2468acf13579bde, 0x123456789abcdef, 1)
    TEST_RR(130, sll, 0xc4d5e6f780000000, 0x123456789abcdef, 31)
    TEST_RR(131, sll, 0x89abcdef00000000, 0x123456789abcdef, 32)
    TEST_RR(132, sll, 0x8000000000000000, 0x123456789abcdef, 63)
    TEST_RR(133, sll, 0x123456789abcdef, 0x123456789abcdef, 64)
    TEST_RR(134, sll, 0x2468acf13579bde, 0x123456789abcdef, 65)
    TEST_RR(135, sll, 0xc4d5e6f780000000, 0x123456789abcdef, 95)
    TEST_RR(136, sll, 0x8000000000000000, 0x123456789abcdef, -1)
    TEST_RR(137, sll, 0x123456789abcdef, 0x123456789abcdef, -64)
    TEST_RR(138, sll, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR(139, sll, 0, 0x8000000000000000, 1)
    TEST_RR(140, sll, 0, 0x8000000000000000, 31)
    TEST_RR(141, sll, 0, 0x8000000000000000, 32)
    TEST_RR(142, sll, 0, 0x8000000000000000, 63)
    TEST_RR(143, sll, -1, -1, 0)
    TEST_RR(144, sll, -2, -1, 1)
    TEST_RR(145, sll, 0xffffffff80000000, -1, 31)
    TEST_RR(146, sll, 0xffffffff00000000, -1, 32)
    TEST_RR(147, sll, 0x8000000000000000, -1, 63)
    TEST_RR(148, sll, 1, 1, 0)
    TEST_RR(149, sll, 2, 1, 1)
    TEST_RR(150, sll, 0x80000000, 1, 31)
    TEST_RR(151, sll, 0x100000000, 1, 32)
    TEST_RR(152, sll, 0x8000000000000000, 1, 63)
    /* sll: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(153, sll, 0xf0f0, 0x8000000000000f0f, 4)
    TEST_RR_SRC2_EQ_DEST(154, sll, 0xf0f0, 0x8000000000000f0f, 4)
    TEST_RR_SRC12_EQ_DEST(155, sll, 0x7878000, 0x8000000000000f0f)
    TEST_RR_ZEROSRC1(156, sll, 0, 4)
    TEST_RR_ZEROSRC2(157, sll, 0x8000000000000f0f, 0x8000000000000f0f)
    TEST_RR_ZERODEST(158, sll, 0x8000000000000f0f, 4)

    /* ---- srl ---- */
    TEST_RR(159, srl, 0x123456789abcdef, 0x123456789abcdef, 0)
    TEST_RR(160, srl, 0x91a2b3c4d5e6f7, 0x123456789abcdef, 1)
    TEST_RR(161, srl, 0x2468acf, 0x123456789abcdef, 31)
    TEST_RR(162, srl, 0x1234567, 0x123456789abcdef, 32)
    TEST_RR(163, srl, 0, 0x123456789abcdef, 63)
    TEST_RR(164, srl, 0x123456789abcdef, 0x123456789abcdef, 64)
    TEST_RR(165, srl, 0x91a2b3c4d5e6f7, 0x123456789abcdef, 65)
    TEST_RR(166, srl, 0x2468acf, 0x123456789abcdef, 95)
    TEST_RR(167, srl, 0, 0x123456789abcdef, -1)
    TEST_RR(168, srl, 0x123456789abcdef, 0x123456789abcdef, -64)
    TEST_RR(169, srl, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR(170, srl, 0x4000000000000000, 0x8000000000000000, 1)
    TEST_RR(171, srl, 0x100000000, 0x8000000000000000, 31)
    TEST_RR(172, srl, 0x80000000, 0x8000000000000000, 32)
    TEST_RR(173, srl, 1, 0x8000000000000000, 63)
    TEST_RR(174, srl, -1, -1, 0)
    TEST_RR(175, srl, 0x7fffffffffffffff, -1, 1)
    TEST_RR(176, srl, 0x1ffffffff, -1, 31)
    TEST_RR(177, srl, 0xffffffff, -1, 32)
    TEST_RR(178, srl, 1, -1, 63)
    TEST_RR(179, srl, 1, 1, 0)
    TEST_RR(180, srl, 0, 1, 1)
    TEST_RR(181, srl, 0, 1, 31)
    TEST_RR(182, srl, 0, 1, 32)
    TEST_RR(183, srl, 0, 1, 63)
    /* srl: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(184, srl, 0x8000000000000f0, 0x8000000000000f0f, 4)
    TEST_RR_SRC2_EQ_DEST(185, srl, 0x8000000000000f0, 0x8000000000000f0f, 4)
    TEST_RR_SRC12_EQ_DEST(186, srl, 0x1000000000000, 0x8000000000000f0f)
    TEST_RR_ZEROSRC1(187, srl, 0, 4)
    TEST_RR_ZEROSRC2(188, srl, 0x8000000000000f0f, 0x8000000000000f0f)
    TEST_RR_ZERODEST(189, srl, 0x8000000000000f0f, 4)

    /* ---- sra ---- */
    TEST_RR(190, sra, 0x123456789abcdef, 0x123456789abcdef, 0)
    TEST_RR(191, sra, 0x91a2b3c4d5e6f7, 0x123456789abcdef, 1)
    TEST_RR(192, sra, 0x2468acf, 0x123456789abcdef, 31)
    TEST_RR(193, sra, 0x1234567, 0x123456789abcdef, 32)
    TEST_RR(194, sra, 0, 0x123456789abcdef, 63)
    TEST_RR(195, sra, 0x123456789abcdef, 0x123456789abcdef, 64)
    TEST_RR(196, sra, 0x91a2b3c4d5e6f7, 0x123456789abcdef, 65)
    TEST_RR(197, sra, 0x2468acf, 0x123456789abcdef, 95)
    TEST_RR(198, sra, 0, 0x123456789abcdef, -1)
    TEST_RR(199, sra, 0x123456789abcdef, 0x123456789abcdef, -64)
    TEST_RR(200, sra, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_RR(201, sra, 0xc000000000000000, 0x8000000000000000, 1)
    TEST_RR(202, sra, 0xffffffff00000000, 0x8000000000000000, 31)
    TEST_RR(203, sra, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_RR(204, sra, -1, 0x8000000000000000, 63)
    TEST_RR(205, sra, -1, -1, 0)
    TEST_RR(206, sra, -1, -1, 1)
    TEST_RR(207, sra, -1, -1, 31)
    TEST_RR(208, sra, -1, -1, 32)
    TEST_RR(209, sra, -1, -1, 63)
    TEST_RR(210, sra, 1, 1, 0)
    TEST_RR(211, sra, 0, 1, 1)
    TEST_RR(212, sra, 0, 1, 31)
    TEST_RR(213, sra, 0, 1, 32)
    TEST_RR(214, sra, 0, 1, 63)
    /* sra: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(215, sra, 0xf8000000000000f0, 0x8000000000000f0f, 4)
    TEST_RR_SRC2_EQ_DEST(216, sra, 0xf8000000000000f0, 0x8000000000000f0f, 4)
    TEST_RR_SRC12_EQ_DEST(217, sra, 0xffff000000000000, 0x8000000000000f0f)
    TEST_RR_ZEROSRC1(218, sra, 0, 4)
    TEST_RR_ZEROSRC2(219, sra, 0x8000000000000f0f, 0x8000000000000f0f)
    TEST_RR_ZERODEST(220, sra, 0x8000000000000f0f, 4)

    /* ---- addw ---- */
    TEST_RR(221, addw, 0, 0, 0)
    TEST_RR(222, addw, 2, 1, 1)
    TEST_RR(223, addw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_RR(224, addw, 0x7fffffff, 0x80000000, -1)
    TEST_RR(225, addw, 0, 0xffffffff, 1)
    TEST_RR(226, addw, -2, -1, -1)
    TEST_RR(227, addw, 0x7fffffff, 0x17fffffff, 0)
    TEST_RR(228, addw, 0, 0x8000000000000000, 0)
    TEST_RR(229, addw, 0, 0x7fffffffffffffff, 1)
    TEST_RR(230, addw, 0x22222211, 0x123456789abcdef0, 0xfedcba987654321)
    TEST_RR(231, addw, 0xffffffff80000000, 0, 0x80000000)
    TEST_RR(232, addw, 0, 0x80000000, 0x80000000)
    /* addw: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(233, addw, 0xffffffff80000010, 0x7ffffff0, 32)
    TEST_RR_SRC2_EQ_DEST(234, addw, 0xffffffff80000010, 0x7ffffff0, 32)
    TEST_RR_SRC12_EQ_DEST(235, addw, -32, 0x7ffffff0)
    TEST_RR_ZEROSRC1(236, addw, 32, 32)
    TEST_RR_ZEROSRC2(237, addw, 0x7ffffff0, 0x7ffffff0)
    TEST_RR_ZERODEST(238, addw, 0x7ffffff0, 32)

    /* ---- subw ---- */
    TEST_RR(239, subw, 0, 0, 0)
    TEST_RR(240, subw, 0, 1, 1)
    TEST_RR(241, subw, 0x7ffffffe, 0x7fffffff, 1)
    TEST_RR(242, subw, 0xffffffff80000001, 0x80000000, -1)
    TEST_RR(243, subw, -2, 0xffffffff, 1)
    TEST_RR(244, subw, 0, -1, -1)
    TEST_RR(245, subw, 0x7fffffff, 0x17fffffff, 0)
    TEST_RR(246, subw, 0, 0x8000000000000000, 0)
    TEST_RR(247, subw, -2, 0x7fffffffffffffff, 1)
    TEST_RR(248, subw, 0x13579bcf, 0x123456789abcdef0, 0xfedcba987654321)
    TEST_RR(249, subw, 0xffffffff80000000, 0, 0x80000000)
    TEST_RR(250, subw, 0, 0x80000000, 0x80000000)
    /* subw: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(251, subw, 0x7fffffd0, 0x7ffffff0, 32)
    TEST_RR_SRC2_EQ_DEST(252, subw, 0x7fffffd0, 0x7ffffff0, 32)
    TEST_RR_SRC12_EQ_DEST(253, subw, 0, 0x7ffffff0)
    TEST_RR_ZEROSRC1(254, subw, -32, 32)
    TEST_RR_ZEROSRC2(255, subw, 0x7ffffff0, 0x7ffffff0)
    TEST_RR_ZERODEST(256, subw, 0x7ffffff0, 32)

    /* ---- sllw ---- */
    TEST_RR(257, sllw, 0xffffffff89abcdef, 0x89abcdef, 0)
    TEST_RR(258, sllw, 0x13579bde, 0x89abcdef, 1)
    TEST_RR(259, sllw, 0xffffffff80000000, 0x89abcdef, 31)
    TEST_RR(260, sllw, 0xffffffff89abcdef, 0x89abcdef, 32)
    TEST_RR(261, sllw, 0x13579bde, 0x89abcdef, 33)
    TEST_RR(262, sllw, 0xffffffff80000000, 0x89abcdef, 63)
    TEST_RR(263, sllw, 0xffffffff80000000, 0x89abcdef, -1)
    TEST_RR(264, sllw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_RR(265, sllw, 0x3579bde0, 0x123456789abcdef0, 1)
    TEST_RR(266, sllw, 0, 0x123456789abcdef0, 31)
    TEST_RR(267, sllw, 1, 1, 0)
    TEST_RR(268, sllw, 2, 1, 1)
    TEST_RR(269, sllw, 0xffffffff80000000, 1, 31)
    TEST_RR(270, sllw, -1, -1, 0)
    TEST_RR(271, sllw, -2, -1, 1)
    TEST_RR(272, sllw, 0xffffffff80000000, -1, 31)
    TEST_RR(273, sllw, 0x7fffffff, 0x7fffffff, 0)
    TEST_RR(274, sllw, -2, 0x7fffffff, 1)
    TEST_RR(275, sllw, 0xffffffff80000000, 0x7fffffff, 31)
    /* sllw: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(276, sllw, 0xf0f0, 0xfffffffff0000f0f, 4)
    TEST_RR_SRC2_EQ_DEST(277, sllw, 0xf0f0, 0xfffffffff0000f0f, 4)
    TEST_RR_SRC12_EQ_DEST(278, sllw, 0x7878000, 0xfffffffff0000f0f)
    TEST_RR_ZEROSRC1(279, sllw, 0, 4)
    TEST_RR_ZEROSRC2(280, sllw, 0xfffffffff0000f0f, 0xfffffffff0000f0f)
    TEST_RR_ZERODEST(281, sllw, 0xfffffffff0000f0f, 4)

    /* ---- srlw ---- */
    TEST_RR(282, srlw, 0xffffffff89abcdef, 0x89abcdef, 0)
    TEST_RR(283, srlw, 0x44d5e6f7, 0x89abcdef, 1)
    TEST_RR(284, srlw, 1, 0x89abcdef, 31)
    TEST_RR(285, srlw, 0xffffffff89abcdef, 0x89abcdef, 32)
    TEST_RR(286, srlw, 0x44d5e6f7, 0x89abcdef, 33)
    TEST_RR(287, srlw, 1, 0x89abcdef, 63)
    TEST_RR(288, srlw, 1, 0x89abcdef, -1)
    TEST_RR(289, srlw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_RR(290, srlw, 0x4d5e6f78, 0x123456789abcdef0, 1)
    TEST_RR(291, srlw, 1, 0x123456789abcdef0, 31)
    TEST_RR(292, srlw, 1, 1, 0)
    TEST_RR(293, srlw, 0, 1, 1)
    TEST_RR(294, srlw, 0, 1, 31)
    TEST_RR(295, srlw, -1, -1, 0)
    TEST_RR(296, srlw, 0x7fffffff, -1, 1)
    TEST_RR(297, srlw, 1, -1, 31)
    TEST_RR(298, srlw, 0x7fffffff, 0x7fffffff, 0)
    TEST_RR(299, srlw, 0x3fffffff, 0x7fffffff, 1)
    TEST_RR(300, srlw, 0, 0x7fffffff, 31)
    /* srlw: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(301, srlw, 0xf0000f0, 0xfffffffff0000f0f, 4)
    TEST_RR_SRC2_EQ_DEST(302, srlw, 0xf0000f0, 0xfffffffff0000f0f, 4)
    TEST_RR_SRC12_EQ_DEST(303, srlw, 0x1e000, 0xfffffffff0000f0f)
    TEST_RR_ZEROSRC1(304, srlw, 0, 4)
    TEST_RR_ZEROSRC2(305, srlw, 0xfffffffff0000f0f, 0xfffffffff0000f0f)
    TEST_RR_ZERODEST(306, srlw, 0xfffffffff0000f0f, 4)

    /* ---- sraw ---- */
    TEST_RR(307, sraw, 0xffffffff89abcdef, 0x89abcdef, 0)
    TEST_RR(308, sraw, 0xffffffffc4d5e6f7, 0x89abcdef, 1)
    TEST_RR(309, sraw, -1, 0x89abcdef, 31)
    TEST_RR(310, sraw, 0xffffffff89abcdef, 0x89abcdef, 32)
    TEST_RR(311, sraw, 0xffffffffc4d5e6f7, 0x89abcdef, 33)
    TEST_RR(312, sraw, -1, 0x89abcdef, 63)
    TEST_RR(313, sraw, -1, 0x89abcdef, -1)
    TEST_RR(314, sraw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_RR(315, sraw, 0xffffffffcd5e6f78, 0x123456789abcdef0, 1)
    TEST_RR(316, sraw, -1, 0x123456789abcdef0, 31)
    TEST_RR(317, sraw, 1, 1, 0)
    TEST_RR(318, sraw, 0, 1, 1)
    TEST_RR(319, sraw, 0, 1, 31)
    TEST_RR(320, sraw, -1, -1, 0)
    TEST_RR(321, sraw, -1, -1, 1)
    TEST_RR(322, sraw, -1, -1, 31)
    TEST_RR(323, sraw, 0x7fffffff, 0x7fffffff, 0)
    TEST_RR(324, sraw, 0x3fffffff, 0x7fffffff, 1)
    TEST_RR(325, sraw, 0, 0x7fffffff, 31)
    /* sraw: rd == rs1, rd == rs2, rd == rs1 == rs2, x0 operands, x0 destination */
    TEST_RR_SRC1_EQ_DEST(326, sraw, 0xffffffffff0000f0, 0xfffffffff0000f0f, 4)
    TEST_RR_SRC2_EQ_DEST(327, sraw, 0xffffffffff0000f0, 0xfffffffff0000f0f, 4)
    TEST_RR_SRC12_EQ_DEST(328, sraw, 0xffffffffffffe000, 0xfffffffff0000f0f)
    TEST_RR_ZEROSRC1(329, sraw, 0, 4)
    TEST_RR_ZEROSRC2(330, sraw, 0xfffffffff0000f0f, 0xfffffffff0000f0f)
    TEST_RR_ZERODEST(331, sraw, 0xfffffffff0000f0f, 4)

    /* ---- addi ---- */
    TEST_IMM(332, addi, 0, 0, 0)
    TEST_IMM(333, addi, 2, 1, 1)
    TEST_IMM(334, addi, 0, -1, 1)
    TEST_IMM(335, addi, 2047, 0, 2047)
    TEST_IMM(336, addi, -2048, 0, -2048)
    TEST_IMM(337, addi, 0x8000000000000000, 0x7fffffffffffffff, 1)
    TEST_IMM(338, addi, 0x7fffffffffffffff, 0x8000000000000000, -1)
    TEST_IMM(339, addi, 0x80000000, 0x7fffffff, 1)
    TEST_IMM(340, addi, 0x100000000, 0xffffffff, 1)
    TEST_IMM(341, addi, -2043, 5, -2048)
    TEST_IMM(342, addi, 4094, 2047, 2047)
    TEST_IMM_SRC1_EQ_DEST(343, addi, 24, 13, 11)
    TEST_IMM_ZEROSRC1(344, addi, 11, 11)
    TEST_IMM_ZERODEST(345, addi, 13, 11)

    /* ---- slti ---- */
    TEST_IMM(346, slti, 0, 0, 0)
    TEST_IMM(347, slti, 1, 0, 1)
    TEST_IMM(348, slti, 0, 1, 0)
    TEST_IMM(349, slti, 1, -1, 0)
    TEST_IMM(350, slti, 0, 0, -1)
    TEST_IMM(351, slti, 1, 0x8000000000000000, -2048)
    TEST_IMM(352, slti, 0, 0x7fffffffffffffff, 2047)
    TEST_IMM(353, slti, 1, -2049, -2048)
    TEST_IMM(354, slti, 0, -2048, -2048)
    TEST_IMM(355, slti, 1, 2046, 2047)
    TEST_IMM(356, slti, 0, 2047, 2047)
    TEST_IMM_SRC1_EQ_DEST(357, slti, 1, -5, 3)
    TEST_IMM_ZEROSRC1(358, slti, 1, 3)
    TEST_IMM_ZERODEST(359, slti, -5, 3)

    /* ---- sltiu ---- */
    TEST_IMM(360, sltiu, 0, 0, 0)
    TEST_IMM(361, sltiu, 1, 0, 1)
    TEST_IMM(362, sltiu, 0, 1, 0)
    TEST_IMM(363, sltiu, 0, -1, 0)
    TEST_IMM(364, sltiu, 1, 0, -1)
    TEST_IMM(365, sltiu, 1, -2, -1)
    TEST_IMM(366, sltiu, 0, -1, -1)
    TEST_IMM(367, sltiu, 1, 0x7fffffffffffffff, -2048)
    TEST_IMM(368, sltiu, 1, 2046, 2047)
    TEST_IMM(369, sltiu, 0, 2047, 2047)
    TEST_IMM(370, sltiu, 1, 0x8000000000000000, -1)
    TEST_IMM(371, sltiu, 0, 1, 1)
    TEST_IMM_SRC1_EQ_DEST(372, sltiu, 0, -5, 3)
    TEST_IMM_ZEROSRC1(373, sltiu, 1, 3)
    TEST_IMM_ZERODEST(374, sltiu, -5, 3)

    /* ---- xori ---- */
    TEST_IMM(375, xori, 0, 0, 0)
    TEST_IMM(376, xori, -1, -1, 0)
    TEST_IMM(377, xori, -1, 0, -1)
    TEST_IMM(378, xori, 0, -1, -1)
    TEST_IMM(379, xori, 0x123456789abca10, 0x123456789abcdef, 2047)
    TEST_IMM(380, xori, 0xfedcba98765435ef, 0x123456789abcdef, -2048)
    TEST_IMM(381, xori, 0xfedcba9876543210, 0x123456789abcdef, -1)
    TEST_IMM(382, xori, 0x8000000000000555, 0x8000000000000000, 1365)
    TEST_IMM(383, xori, 0x8000000000000555, 0x7fffffffffffffff, -1366)
    TEST_IMM_SRC1_EQ_DEST(384, xori, 0xff00fff0, 0xff00ff00, 240)
    TEST_IMM_ZEROSRC1(385, xori, 240, 240)
    TEST_IMM_ZERODEST(386, xori, 0xff00ff00, 240)

    /* ---- ori ---- */
    TEST_IMM(387, ori, 0, 0, 0)
    TEST_IMM(388, ori, -1, -1, 0)
    TEST_IMM(389, ori, -1, 0, -1)
    TEST_IMM(390, ori, -1, -1, -1)
    TEST_IMM(391, ori, 0x123456789abcfff, 0x123456789abcdef, 2047)
    TEST_IMM(392, ori, -529, 0x123456789abcdef, -2048)
    TEST_IMM(393, ori, -1, 0x123456789abcdef, -1)
    TEST_IMM(394, ori, 0x8000000000000555, 0x8000000000000000, 1365)
    TEST_IMM(395, ori, -1, 0x7fffffffffffffff, -1366)
    TEST_IMM_SRC1_EQ_DEST(396, ori, 0xff00fff0, 0xff00ff00, 240)
    TEST_IMM_ZEROSRC1(397, ori, 240, 240)
    TEST_IMM_ZERODEST(398, ori, 0xff00ff00, 240)

    /* ---- andi ---- */
    TEST_IMM(399, andi, 0, 0, 0)
    TEST_IMM(400, andi, 0, -1, 0)
    TEST_IMM(401, andi, 0, 0, -1)
    TEST_IMM(402, andi, -1, -1, -1)
    TEST_IMM(403, andi, 1519, 0x123456789abcdef, 2047)
    TEST_IMM(404, andi, 0x123456789abc800, 0x123456789abcdef, -2048)
    TEST_IMM(405, andi, 0x123456789abcdef, 0x123456789abcdef, -1)
    TEST_IMM(406, andi, 0, 0x8000000000000000, 1365)
    TEST_IMM(407, andi, 0x7ffffffffffffaaa, 0x7fffffffffffffff, -1366)
    TEST_IMM_SRC1_EQ_DEST(408, andi, 0, 0xff00ff00, 240)
    TEST_IMM_ZEROSRC1(409, andi, 0, 240)
    TEST_IMM_ZERODEST(410, andi, 0xff00ff00, 240)

    /* ---- slli ---- */
    TEST_IMM(411, slli, 0x123456789abcdef, 0x123456789abcdef, 0)
    TEST_IMM(412, slli, 0x2468acf13579bde, 0x123456789abcdef, 1)
    TEST_IMM(413, slli, 0xc4d5e6f780000000, 0x123456789abcdef, 31)
    TEST_IMM(414, slli, 0x89abcdef00000000, 0x123456789abcdef, 32)
    TEST_IMM(415, slli, 0x8000000000000000, 0x123456789abcdef, 63)
    TEST_IMM(416, slli, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_IMM(417, slli, 0, 0x8000000000000000, 1)
    TEST_IMM(418, slli, 0, 0x8000000000000000, 31)
    TEST_IMM(419, slli, 0, 0x8000000000000000, 32)
    TEST_IMM(420, slli, 0, 0x8000000000000000, 63)
    TEST_IMM(421, slli, -1, -1, 0)
    TEST_IMM(422, slli, -2, -1, 1)
    TEST_IMM(423, slli, 0xffffffff80000000, -1, 31)
    TEST_IMM(424, slli, 0xffffffff00000000, -1, 32)
    TEST_IMM(425, slli, 0x8000000000000000, -1, 63)
    TEST_IMM(426, slli, 1, 1, 0)
    TEST_IMM(427, slli, 2, 1, 1)
    TEST_IMM(428, slli, 0x80000000, 1, 31)
    TEST_IMM(429, slli, 0x100000000, 1, 32)
    TEST_IMM(430, slli, 0x8000000000000000, 1, 63)
    TEST_IMM_SRC1_EQ_DEST(431, slli, 0xf0f0, 0x8000000000000f0f, 4)
    TEST_IMM_ZEROSRC1(432, slli, 0, 4)
    TEST_IMM_ZERODEST(433, slli, 0x8000000000000f0f, 4)

    /* ---- srli ---- */
    TEST_IMM(434, srli, 0x123456789abcdef, 0x123456789abcdef, 0)
    TEST_IMM(435, srli, 0x91a2b3c4d5e6f7, 0x123456789abcdef, 1)
    TEST_IMM(436, srli, 0x2468acf, 0x123456789abcdef, 31)
    TEST_IMM(437, srli, 0x1234567, 0x123456789abcdef, 32)
    TEST_IMM(438, srli, 0, 0x123456789abcdef, 63)
    TEST_IMM(439, srli, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_IMM(440, srli, 0x4000000000000000, 0x8000000000000000, 1)
    TEST_IMM(441, srli, 0x100000000, 0x8000000000000000, 31)
    TEST_IMM(442, srli, 0x80000000, 0x8000000000000000, 32)
    TEST_IMM(443, srli, 1, 0x8000000000000000, 63)
    TEST_IMM(444, srli, -1, -1, 0)
    TEST_IMM(445, srli, 0x7fffffffffffffff, -1, 1)
    TEST_IMM(446, srli, 0x1ffffffff, -1, 31)
    TEST_IMM(447, srli, 0xffffffff, -1, 32)
    TEST_IMM(448, srli, 1, -1, 63)
    TEST_IMM(449, srli, 1, 1, 0)
    TEST_IMM(450, srli, 0, 1, 1)
    TEST_IMM(451, srli, 0, 1, 31)
    TEST_IMM(452, srli, 0, 1, 32)
    TEST_IMM(453, srli, 0, 1, 63)
    TEST_IMM_SRC1_EQ_DEST(454, srli, 0x8000000000000f0, 0x8000000000000f0f, 4)
    TEST_IMM_ZEROSRC1(455, srli, 0, 4)
    TEST_IMM_ZERODEST(456, srli, 0x8000000000000f0f, 4)

    /* ---- srai ---- */
    TEST_IMM(457, srai, 0x123456789abcdef, 0x123456789abcdef, 0)
    TEST_IMM(458, srai, 0x91a2b3c4d5e6f7, 0x123456789abcdef, 1)
    TEST_IMM(459, srai, 0x2468acf, 0x123456789abcdef, 31)
    TEST_IMM(460, srai, 0x1234567, 0x123456789abcdef, 32)
    TEST_IMM(461, srai, 0, 0x123456789abcdef, 63)
    TEST_IMM(462, srai, 0x8000000000000000, 0x8000000000000000, 0)
    TEST_IMM(463, srai, 0xc000000000000000, 0x8000000000000000, 1)
    TEST_IMM(464, srai, 0xffffffff00000000, 0x8000000000000000, 31)
    TEST_IMM(465, srai, 0xffffffff80000000, 0x8000000000000000, 32)
    TEST_IMM(466, srai, -1, 0x8000000000000000, 63)
    TEST_IMM(467, srai, -1, -1, 0)
    TEST_IMM(468, srai, -1, -1, 1)
    TEST_IMM(469, srai, -1, -1, 31)
    TEST_IMM(470, srai, -1, -1, 32)
    TEST_IMM(471, srai, -1, -1, 63)
    TEST_IMM(472, srai, 1, 1, 0)
    TEST_IMM(473, srai, 0, 1, 1)
    TEST_IMM(474, srai, 0, 1, 31)
    TEST_IMM(475, srai, 0, 1, 32)
    TEST_IMM(476, srai, 0, 1, 63)
    TEST_IMM_SRC1_EQ_DEST(477, srai, 0xf8000000000000f0, 0x8000000000000f0f, 4)
    TEST_IMM_ZEROSRC1(478, srai, 0, 4)
    TEST_IMM_ZERODEST(479, srai, 0x8000000000000f0f, 4)

    /* ---- addiw ---- */
    TEST_IMM(480, addiw, 0, 0, 0)
    TEST_IMM(481, addiw, 2, 1, 1)
    TEST_IMM(482, addiw, 0xffffffff80000000, 0x7fffffff, 1)
    TEST_IMM(483, addiw, 0x7fffffff, 0x80000000, -1)
    TEST_IMM(484, addiw, 0, 0xffffffff, 1)
    TEST_IMM(485, addiw, -2, -1, -1)
    TEST_IMM(486, addiw, 0x7fffffff, 0x17fffffff, 0)
    TEST_IMM(487, addiw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_IMM(488, addiw, 0xffffffff800007fe, 0x7fffffff, 2047)
    TEST_IMM(489, addiw, 0x7ffff800, 0x80000000, -2048)
    TEST_IMM(490, addiw, -2048, 0, -2048)
    TEST_IMM(491, addiw, -1, 0x7fffffffffffffff, 0)
    TEST_IMM_SRC1_EQ_DEST(492, addiw, 0xffffffff80000010, 0x7ffffff0, 32)
    TEST_IMM_ZEROSRC1(493, addiw, 32, 32)
    TEST_IMM_ZERODEST(494, addiw, 0x7ffffff0, 32)

    /* ---- slliw ---- */
    TEST_IMM(495, slliw, 0xffffffff89abcdef, 0x89abcdef, 0)
    TEST_IMM(496, slliw, 0x13579bde, 0x89abcdef, 1)
    TEST_IMM(497, slliw, 0xffffffff80000000, 0x89abcdef, 31)
    TEST_IMM(498, slliw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_IMM(499, slliw, 0x3579bde0, 0x123456789abcdef0, 1)
    TEST_IMM(500, slliw, 0, 0x123456789abcdef0, 31)
    TEST_IMM(501, slliw, 1, 1, 0)
    TEST_IMM(502, slliw, 2, 1, 1)
    TEST_IMM(503, slliw, 0xffffffff80000000, 1, 31)
    TEST_IMM(504, slliw, -1, -1, 0)
    TEST_IMM(505, slliw, -2, -1, 1)
    TEST_IMM(506, slliw, 0xffffffff80000000, -1, 31)
    TEST_IMM(507, slliw, 0x7fffffff, 0x7fffffff, 0)
    TEST_IMM(508, slliw, -2, 0x7fffffff, 1)
    TEST_IMM(509, slliw, 0xffffffff80000000, 0x7fffffff, 31)
    TEST_IMM(510, slliw, 0xffffffff80000000, 0x40000000, 1)
    TEST_IMM(511, slliw, 0xffffffff80000000, 0xffffffff00000001, 31)
    TEST_IMM_SRC1_EQ_DEST(512, slliw, 0xf0f0, 0xfffffffff0000f0f, 4)
    TEST_IMM_ZEROSRC1(513, slliw, 0, 4)
    TEST_IMM_ZERODEST(514, slliw, 0xfffffffff0000f0f, 4)

    /* ---- srliw ---- */
    TEST_IMM(515, srliw, 0xffffffff89abcdef, 0x89abcdef, 0)
    TEST_IMM(516, srliw, 0x44d5e6f7, 0x89abcdef, 1)
    TEST_IMM(517, srliw, 1, 0x89abcdef, 31)
    TEST_IMM(518, srliw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_IMM(519, srliw, 0x4d5e6f78, 0x123456789abcdef0, 1)
    TEST_IMM(520, srliw, 1, 0x123456789abcdef0, 31)
    TEST_IMM(521, srliw, 1, 1, 0)
    TEST_IMM(522, srliw, 0, 1, 1)
    TEST_IMM(523, srliw, 0, 1, 31)
    TEST_IMM(524, srliw, -1, -1, 0)
    TEST_IMM(525, srliw, 0x7fffffff, -1, 1)
    TEST_IMM(526, srliw, 1, -1, 31)
    TEST_IMM(527, srliw, 0x7fffffff, 0x7fffffff, 0)
    TEST_IMM(528, srliw, 0x3fffffff, 0x7fffffff, 1)
    TEST_IMM(529, srliw, 0, 0x7fffffff, 31)
    TEST_IMM(530, srliw, 0x20000000, 0x40000000, 1)
    TEST_IMM(531, srliw, 0, 0xffffffff00000001, 31)
    TEST_IMM_SRC1_EQ_DEST(532, srliw, 0xf0000f0, 0xfffffffff0000f0f, 4)
    TEST_IMM_ZEROSRC1(533, srliw, 0, 4)
    TEST_IMM_ZERODEST(534, srliw, 0xfffffffff0000f0f, 4)

    /* ---- sraiw ---- */
    TEST_IMM(535, sraiw, 0xffffffff89abcdef, 0x89abcdef, 0)
    TEST_IMM(536, sraiw, 0xffffffffc4d5e6f7, 0x89abcdef, 1)
    TEST_IMM(537, sraiw, -1, 0x89abcdef, 31)
    TEST_IMM(538, sraiw, 0xffffffff9abcdef0, 0x123456789abcdef0, 0)
    TEST_IMM(539, sraiw, 0xffffffffcd5e6f78, 0x123456789abcdef0, 1)
    TEST_IMM(540, sraiw, -1, 0x123456789abcdef0, 31)
    TEST_IMM(541, sraiw, 1, 1, 0)
    TEST_IMM(542, sraiw, 0, 1, 1)
    TEST_IMM(543, sraiw, 0, 1, 31)
    TEST_IMM(544, sraiw, -1, -1, 0)
    TEST_IMM(545, sraiw, -1, -1, 1)
    TEST_IMM(546, sraiw, -1, -1, 31)
    TEST_IMM(547, sraiw, 0x7fffffff, 0x7fffffff, 0)
    TEST_IMM(548, sraiw, 0x3fffffff, 0x7fffffff, 1)
    TEST_IMM(549, sraiw, 0, 0x7fffffff, 31)
    TEST_IMM(550, sraiw, 0x20000000, 0x40000000, 1)
    TEST_IMM(551, sraiw, 0, 0xffffffff00000001, 31)
    TEST_IMM_SRC1_EQ_DEST(552, sraiw, 0xffffffffff0000f0, 0xfffffffff0000f0f, 4)
    TEST_IMM_ZEROSRC1(553, sraiw, 0, 4)
    TEST_IMM_ZERODEST(554, sraiw, 0xfffffffff0000f0f, 4)

    /* ---- sext.w (addiw 0), negw, neg, not, seqz/snez/sltz/sgtz pseudo-instructions ---- */
    TEST_R1(555, sext.w, 0xffffffff80000000, 0x80000000)
    TEST_R1(556, sext.w, 0x7fffffff, 0x7fffffff)
    TEST_R1(557, sext.w, -1, 0xffffffff)
    TEST_R1(558, sext.w, 0xffffffff9abcdef0, 0x123456789abcdef0)
    TEST_R1(559, negw, 0xffffffff80000000, 0x80000000)
    TEST_R1(560, negw, -1, 1)
    TEST_R1(561, negw, 0, 0)
    TEST_R1(562, negw, 0, 0x100000000)
    TEST_R1(563, neg, 0, 0)
    TEST_R1(564, neg, -1, 1)
    TEST_R1(565, neg, 1, -1)
    TEST_R1(566, neg, 0x8000000000000000, 0x8000000000000000)
    TEST_R1(567, not, -1, 0)
    TEST_R1(568, not, -2, 1)
    TEST_R1(569, not, 0, -1)
    TEST_R1(570, not, 0x7fffffffffffffff, 0x8000000000000000)
    TEST_R1(571, seqz, 1, 0)
    TEST_R1(572, seqz, 0, 1)
    TEST_R1(573, seqz, 0, -1)
    TEST_R1(574, seqz, 0, 0x8000000000000000)
    TEST_R1(575, snez, 0, 0)
    TEST_R1(576, snez, 1, 1)
    TEST_R1(577, snez, 1, -1)
    TEST_R1(578, snez, 1, 0x8000000000000000)
    TEST_R1(579, sltz, 0, 0)
    TEST_R1(580, sltz, 0, 1)
    TEST_R1(581, sltz, 1, -1)
    TEST_R1(582, sltz, 1, 0x8000000000000000)
    TEST_R1(583, sgtz, 0, 0)
    TEST_R1(584, sgtz, 1, 1)
    TEST_R1(585, sgtz, 0, -1)
    TEST_R1(586, sgtz, 0, 0x8000000000000000)

    /* ---- lui: 20-bit immediate into bits 31:12, sign-extended from bit 31, low 12 bits cleared ---- */
    TEST_CASE(587, a4, 0, li a4, -1; lui a4, 0x0)
    TEST_CASE(588, a4, 4096, li a4, -1; lui a4, 0x1)
    TEST_CASE(589, a4, 0x7ffff000, li a4, -1; lui a4, 0x7ffff)
    TEST_CASE(590, a4, 0xffffffff80000000, li a4, -1; lui a4, 0x80000)
    TEST_CASE(591, a4, -4096, li a4, -1; lui a4, 0xfffff)
    TEST_CASE(592, a4, 0x12345000, li a4, -1; lui a4, 0x12345)
    TEST_CASE(593, a4, 0x12345678, lui a4, 0x12345; addi a4, a4, 0x678)
    TEST_CASE(594, a4, 0x12344800, lui a4, 0x12345; addi a4, a4, -0x800)
    TEST_CASE(595, x0, 0, lui x0, 0x80000)

    /* ---- auipc: pc + (imm << 12), compared with link-time absolute addresses (auipc_labels) ---- */
    li TESTNUM, 596
auipc_l0:
    auipc a4, 0x0
    la a5, auipc_labels
    ld a5, 0(a5)
    li a6, 0
    add a5, a5, a6
    bne a4, a5, fail
    li TESTNUM, 597
auipc_l1:
    auipc a4, 0x1
    la a5, auipc_labels
    ld a5, 8(a5)
    li a6, 0x1000
    add a5, a5, a6
    bne a4, a5, fail
    li TESTNUM, 598
auipc_l2:
    auipc a4, 0xfffff
    la a5, auipc_labels
    ld a5, 16(a5)
    li a6, -0x1000
    add a5, a5, a6
    bne a4, a5, fail
    li TESTNUM, 599
auipc_l3:
    auipc a4, 0x80000
    la a5, auipc_labels
    ld a5, 24(a5)
    li a6, -0x80000000
    add a5, a5, a6
    bne a4, a5, fail
    li TESTNUM, 600
auipc_l4:
    auipc a4, 0x7ffff
    la a5, auipc_labels
    ld a5, 32(a5)
    li a6, 0x7ffff000
    add a5, a5, a6
    bne a4, a5, fail
    /* back-to-back auipc differ by 4; auipc x0 is discarded; la agrees with auipc */
    li TESTNUM, 601
    auipc a4, 0
    auipc a5, 0
    sub a6, a5, a4
    CHECK(a6, 4)
    TEST_CASE(602, x0, 0, auipc x0, 0x12345)
    li TESTNUM, 603
    la a4, auipc_l0
    la a5, auipc_labels
    ld a5, 0(a5)
    bne a4, a5, fail

    /* ---- x0 is hard-wired to zero whatever is written to it ---- */
    li TESTNUM, 604
    addi x0, x0, 5
    li a1, -1
    add x0, a1, a1
    or x0, a1, x0
    addiw x0, a1, -1
    add a4, x0, x0
    bnez a4, fail
    bnez x0, fail
    sltu a4, x0, a1
    CHECK(a4, 1)

TEST_END

    .section .rodata
    .balign 8
auipc_labels:               /* absolute addresses filled in by the linker */
    .dword auipc_l0, auipc_l1, auipc_l2, auipc_l3, auipc_l4
