/* Register layout of the remap-test device (--remap-test, hw/remap_test.h), shared by the
 * emulator and the bundled guests that check it (guests/tlbtorture): plain #defines only, so
 * both toolchains include the one copy.
 *
 * The control page is always mapped. GEN counts memory-map changes: odd while a change is
 * under way, even once the new map is published and every vCPU has dropped the translations
 * of the old one. Layout (GEN / 2) % 4 says where the one-page window is:
 *   0  at WINDOW_A          (MMIO space otherwise unmapped)
 *   1  nowhere
 *   2  at WINDOW_B
 *   3  over the RAM page the guest wrote to OVERLAY, hiding it (nowhere if OVERLAY is 0)
 * Every aligned 8-byte load of the window returns REMAP_TEST_WINDOW_WORD; stores are ignored.
 * Loads where the window is not give an access fault. */
#ifndef HW_REMAP_TEST_REGS_H
#define HW_REMAP_TEST_REGS_H

#define REMAP_TEST_BASE 0x4000000ULL          /* QEMU virt's platform-bus window, unused here */
#define REMAP_TEST_SIZE 0x1000ULL
#define REMAP_TEST_WINDOW_A 0x4001000ULL
#define REMAP_TEST_WINDOW_B 0x4003000ULL
#define REMAP_TEST_COMPATIBLE "tlbstorm,remap-test"

#define REMAP_TEST_REG_MAGIC 0x00             /* 32-bit, read-only: REMAP_TEST_MAGIC */
#define REMAP_TEST_REG_GEN 0x08               /* 64-bit, read-only */
#define REMAP_TEST_REG_OVERLAY 0x10           /* 64-bit: a page-aligned RAM address, or 0 */
#define REMAP_TEST_REG_WINDOW_A 0x18          /* 64-bit, read-only: REMAP_TEST_WINDOW_A */
#define REMAP_TEST_REG_WINDOW_B 0x20          /* 64-bit, read-only: REMAP_TEST_WINDOW_B */

#define REMAP_TEST_MAGIC 0x72626c74U          /* "tlbr" */
#define REMAP_TEST_WINDOW_WORD 0x574f444e49574d52ULL
#define REMAP_TEST_LAYOUTS 4
#define REMAP_TEST_LAYOUT_A 0
#define REMAP_TEST_LAYOUT_NONE 1
#define REMAP_TEST_LAYOUT_B 2
#define REMAP_TEST_LAYOUT_OVERLAY 3

#endif
