/* sv_ext: the Svnapot, Svpbmt and Svinval extensions as an S-mode kernel sees them, on one
 * hart under the built-in SBI or OpenSBI. Bootarg exts=LIST (comma-separated subset of
 * svinval, svnapot, svpbmt) names what the emulator was given with -cpu; each case expects
 * the extension's behaviour when listed and the base spec's otherwise:
 *  - the device tree lists exactly the extensions in exts;
 *  - Svnapot: 16 PTEs with N = 1 and ppn[3:0] = 1000 map one 64 KiB page (reads at three
 *    offsets); without Svnapot, N is reserved (load page fault). Always faulting: N with
 *    another ppn[3:0], N on a 2 MiB leaf, N on a non-leaf PTE. A 64 KiB page is flushed
 *    whole by an SFENCE.VMA of any 4 KiB page inside it;
 *  - Svpbmt (the firmware sets menvcfg.PBMTE): PBMT = 1 (NC) and 2 (IO) leaves translate;
 *    without Svpbmt the bits are reserved. Always faulting: PBMT = 3 (a reserved encoding:
 *    the walk faults, priv spec 12.3.2 step 3; QEMU 7.2 translates it, so this one case
 *    fails there), PBMT on a non-leaf;
 *  - Svinval: sfence.w.inval; sinval.vma; sfence.inval.ir make a changed PTE visible, and
 *    sinval.vma zero, zero too; without Svinval all three are illegal instructions.
 * Prints "PASS sv_ext" and powers off with success, or "sv_ext: FAIL ..." with failure. */
#include <stdbool.h>
#include <stdint.h>

#include "riscv_vm.h"
#include "smode.h"

const char guest_name[] = "sv_ext";

#define PTE_N (1ULL << 63)
#define PTE_PBMT(t) ((uint64_t)(t) << 61)
#define LEAF_RW (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define LEAF_RWX (LEAF_RW | PTE_X)

#define CAUSE_ILLEGAL 2
#define CAUSE_LOAD_PAGE_FAULT 13
#define NO_TRAP 0xffff

/* Test virtual addresses: root entry 3 (VA 0xc0000000) points to L1; L1[0] to L0 (4 KiB and
 * 64 KiB pages), L1[1] is a 2 MiB leaf, L1[2] and L1[3] are non-leaf PTEs under test. */
#define TEST_VA 0xc0000000ULL
#define VA_4K(i) (TEST_VA + (uint64_t)(i) * 4096)
#define VA_L1(i) (TEST_VA + (uint64_t)(i) * (2ULL << 20))

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t l0_other[512] __attribute__((aligned(4096)));
/* Two 64 KiB frames: word k of frame f holds FRAME_VAL(f, k). */
static uint64_t frames[2][8192] __attribute__((aligned(65536)));
#define FRAME_VAL(f, k) (0x5000000000000000ULL | (uint64_t)(f) << 32 | (uint64_t)(k))

static volatile bool expecting;
static volatile uint64_t trap_cause;
static unsigned failures;

static uint64_t ppn_of(const void *p)
{
    return ((uint64_t)(uintptr_t)p >> 12) << PTE_PPN_SHIFT;
}

static bool trap_hook(SmodeTrapFrame *f)
{
    if (!expecting) {
        return false;
    }
    trap_cause = f->scause;
    uint16_t first = *(volatile uint16_t *)(uintptr_t)f->x[0];
    f->x[0] += (first & 3) == 3 ? 4 : 2;
    return true;
}

static void sfence_all(void)
{
    __asm__ volatile("sfence.vma zero, zero" ::: "memory");
}

/* The load's trap cause, NO_TRAP if it completed; *out gets the value (0 when it trapped). */
static uint64_t probe_load(uint64_t va, uint64_t *out)
{
    uint64_t v = 0;
    trap_cause = NO_TRAP;
    expecting = true;
    __asm__ volatile("ld %0, 0(%1)" : "+r"(v) : "r"(va) : "memory");
    expecting = false;
    *out = v;
    return trap_cause;
}

static void check(bool ok, const char *what, uint64_t a, uint64_t b)
{
    if (!ok) {
        cprintf("sv_ext: FAIL %s (0x%lx, 0x%lx)\n", what, (unsigned long)a, (unsigned long)b);
        failures++;
    }
}

static void expect_value(uint64_t va, uint64_t want, const char *what)
{
    uint64_t v;
    uint64_t cause = probe_load(va, &v);
    check(cause == NO_TRAP && v == want, what, cause, v);
}

static void expect_fault(uint64_t va, const char *what)
{
    uint64_t v;
    uint64_t cause = probe_load(va, &v);
    check(cause == CAUSE_LOAD_PAGE_FAULT, what, cause, v);
}

/* Is `_name` in the device tree blob? Only riscv,isa has it with the underscore (the
 * bootargs in /chosen name the extensions too, after '=' or ','). */
static bool dtb_mentions(const char *name)
{
    const char *p = (const char *)(uintptr_t)machine.dtb_addr;
    size_t n = strlen(name);
    for (uint64_t i = 0; i + n <= machine.dtb_size; i++) {
        if (i > 0 && p[i - 1] == '_' && strncmp(p + i, name, n) == 0) {
            return true;
        }
    }
    return false;
}

static void napot_64k(uint64_t *ptes, unsigned frame)
{
    for (unsigned i = 0; i < 16; i++) {
        ptes[i] = PTE_N | ppn_of(frames[frame]) | (0x8ULL << PTE_PPN_SHIFT) | LEAF_RW;
    }
}

static void test_svnapot(bool on)
{
    napot_64k(&l0[0], 0);
    sfence_all();
    if (on) {
        expect_value(VA_4K(0), FRAME_VAL(0, 0), "svnapot: 64 KiB page, offset 0");
        expect_value(VA_4K(1) + 8, FRAME_VAL(0, 512 + 1), "svnapot: offset 0x1008");
        expect_value(VA_4K(15) + 0xff8, FRAME_VAL(0, 8191), "svnapot: offset 0xfff8");
        /* Remapped to the other frame: an SFENCE.VMA of another 4 KiB page inside the
         * 64 KiB page must drop the translation of the whole page. */
        napot_64k(&l0[0], 1);
        __asm__ volatile("sfence.vma %0, zero" : : "r"(VA_4K(7)) : "memory");
        expect_value(VA_4K(1), FRAME_VAL(1, 512), "svnapot: flushed through another page");
    } else {
        expect_fault(VA_4K(0), "svnapot off: N is reserved");
    }
    /* N with ppn[3:0] != 1000: reserved whatever the hart implements. */
    for (unsigned i = 16; i < 32; i++) {
        l0[i] = PTE_N | ppn_of(frames[0]) | (0x1ULL << PTE_PPN_SHIFT) | LEAF_RW;
    }
    /* N on a 2 MiB leaf (the program's own 2 MiB at the base of RAM), and on a non-leaf. */
    l1[1] = PTE_N | ppn_of((const void *)(uintptr_t)(machine.ram_base)) | LEAF_RWX;
    l0_other[0] = ppn_of(frames[0]) | LEAF_RW;
    l1[2] = PTE_N | ppn_of(l0_other) | PTE_V;
    sfence_all();
    expect_fault(VA_4K(16), "svnapot: N with ppn[3:0] = 0001");
    expect_fault(VA_L1(1), "svnapot: N on a 2 MiB leaf");
    expect_fault(VA_L1(2), "svnapot: N on a non-leaf PTE");
}

static void test_svpbmt(bool on)
{
    l0[32] = PTE_PBMT(1) | ppn_of(frames[0]) | LEAF_RW;
    l0[33] = PTE_PBMT(2) | ppn_of(&frames[0][512]) | LEAF_RW;
    l0[34] = PTE_PBMT(3) | ppn_of(frames[0]) | LEAF_RW;
    l1[3] = PTE_PBMT(1) | ppn_of(l0_other) | PTE_V;
    sfence_all();
    if (on) {
        expect_value(VA_4K(32), FRAME_VAL(0, 0), "svpbmt: PBMT = NC");
        expect_value(VA_4K(33), FRAME_VAL(0, 512), "svpbmt: PBMT = IO");
    } else {
        expect_fault(VA_4K(32), "svpbmt off: PBMT bits are reserved");
    }
    expect_fault(VA_4K(34), "svpbmt: PBMT = 3 is reserved");
    expect_fault(VA_L1(3), "svpbmt: PBMT on a non-leaf PTE");
}

/* .4byte encodings, so that no assembler support is needed. */
static uint64_t sinval_vma_page(uint64_t va)
{
    register uint64_t a0 __asm__("a0") = va;
    trap_cause = NO_TRAP;
    expecting = true;
    __asm__ volatile(".4byte 0x16050073" : : "r"(a0) : "memory");   /* sinval.vma a0, zero */
    expecting = false;
    return trap_cause;
}

static uint64_t run_fence(unsigned which)
{
    trap_cause = NO_TRAP;
    expecting = true;
    if (which == 0) {
        __asm__ volatile(".4byte 0x18000073" ::: "memory");         /* sfence.w.inval */
    } else if (which == 1) {
        __asm__ volatile(".4byte 0x18100073" ::: "memory");         /* sfence.inval.ir */
    } else {
        __asm__ volatile(".4byte 0x16000073" ::: "memory");         /* sinval.vma zero, zero */
    }
    expecting = false;
    return trap_cause;
}

static void test_svinval(bool on)
{
    l0[40] = ppn_of(frames[0]) | LEAF_RW;
    sfence_all();
    expect_value(VA_4K(40), FRAME_VAL(0, 0), "svinval: the page before");
    l0[40] = ppn_of(frames[1]) | LEAF_RW;
    uint64_t w = run_fence(0);
    uint64_t s = sinval_vma_page(VA_4K(40));
    uint64_t ir = run_fence(1);
    if (on) {
        check(w == NO_TRAP && s == NO_TRAP && ir == NO_TRAP, "svinval: the three run", w, s);
        expect_value(VA_4K(40), FRAME_VAL(1, 0), "svinval: sinval.vma of the page");
        l0[40] = ppn_of(frames[0]) | LEAF_RW;
        check(run_fence(2) == NO_TRAP, "svinval: sinval.vma zero, zero runs", 0, 0);
        expect_value(VA_4K(40), FRAME_VAL(0, 0), "svinval: sinval.vma zero, zero");
    } else {
        check(w == CAUSE_ILLEGAL, "svinval off: sfence.w.inval is illegal", w, 0);
        check(s == CAUSE_ILLEGAL, "svinval off: sinval.vma is illegal", s, 0);
        check(ir == CAUSE_ILLEGAL, "svinval off: sfence.inval.ir is illegal", ir, 0);
    }
}

void guest_main(unsigned hartid)
{
    (void)hartid;
    bool napot = bootarg_has("exts", "svnapot") && bootarg("exts");
    bool pbmt = bootarg_has("exts", "svpbmt") && bootarg("exts");
    bool inval = bootarg_has("exts", "svinval") && bootarg("exts");
    check(dtb_mentions("svnapot") == napot, "device tree lists svnapot as -cpu says", napot, 0);
    check(dtb_mentions("svpbmt") == pbmt, "device tree lists svpbmt as -cpu says", pbmt, 0);
    check(dtb_mentions("svinval") == inval, "device tree lists svinval as -cpu says", inval, 0);

    for (unsigned f = 0; f < 2; f++) {
        for (unsigned k = 0; k < 8192; k++) {
            frames[f][k] = FRAME_VAL(f, k);
        }
    }
    /* Identity: the first 1 GiB (devices: the UART the console uses) and the 1 GiB of RAM
     * the program lies in, as global 1 GiB leaves. */
    root[0] = LEAF_RW | PTE_G;
    root[machine.ram_base >> 30] = ppn_of((const void *)(uintptr_t)(machine.ram_base &
                                                                     ~((1ULL << 30) - 1))) |
                                   LEAF_RWX | PTE_G;
    root[TEST_VA >> 30] = ppn_of(l1) | PTE_V;
    l1[0] = ppn_of(l0) | PTE_V;
    smode_trap_hook = trap_hook;
    __asm__ volatile("csrw satp, %0" : : "r"(SATP_SV39 | ((uint64_t)(uintptr_t)root >> 12))
                     : "memory");
    sfence_all();

    test_svnapot(napot);
    test_svpbmt(pbmt);
    test_svinval(inval);

    __asm__ volatile("csrw satp, zero" ::: "memory");
    sfence_all();
    cprintf("sv_ext: exts svnapot=%d svpbmt=%d svinval=%d, %u failures\n", napot, pbmt, inval,
            failures);
    if (failures == 0) {
        cprintf("PASS sv_ext\n");
    }
    sbi_shutdown(failures == 0);
}

void guest_secondary(unsigned hartid, unsigned long opaque)
{
    (void)hartid;
    (void)opaque;
}
