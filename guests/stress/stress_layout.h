/* Memory layout shared by the flush_stress guest (guests/stress/) and the host programs that
 * drive it (tests/stress/flush_stress.c, bench/flush_latency.c).
 * Owns: the guest-physical addresses of the control block, the per-hart status pages, the
 * Sv39 page tables, the per-hart code pages and the frame pool, and the layout of the
 * control and status records. Both sides compile this header (rv64 lp64d and x86-64 lp64:
 * every field is a uint64_t, so offsets agree).
 * Callers and locking: the host writes the control block, page tables, frames and code pages
 * through guest RAM before and while the harts run; each hart writes only its own status
 * page (apart from the host-written fields marked below). No locks: single-writer words. */
#ifndef GUESTS_STRESS_LAYOUT_H
#define GUESTS_STRESS_LAYOUT_H

#include <stdint.h>

#define STRESS_MAGIC 0x3130545352545331ULL   /* "1STRST01", set last by the host */
#define STRESS_MAX_HARTS 16
#define STRESS_MAX_PAGES 64

/* The guest image (code, data, stacks) must end below STRESS_CTRL_PA (link.ld + ASSERT). */
#define STRESS_CTRL_PA 0x80200000ULL         /* struct stress_ctrl, host-written */
#define STRESS_HART_PA 0x80210000ULL         /* struct stress_hart, one 4 KiB page per hart */
#define STRESS_PT_PA 0x80300000ULL           /* root, L1, L0 tables (4 KiB each) */
#define STRESS_PT_ROOT (STRESS_PT_PA)
#define STRESS_PT_L1 (STRESS_PT_PA + 0x1000)
#define STRESS_PT_L0 (STRESS_PT_PA + 0x2000)
/* Per hart, one code page: the function the hart calls every pass. +0 is `j slot`, slots at
 * +0x100 and +0x200 hold `lui a0, gen; ret`. The host fills the slot not in use and then
 * flips the jump, which changes one byte: a hart fetching while the host writes sees the old
 * or the new code, never a mix of two generations (the translator reads code bytewise). */
#define STRESS_CODE_PA 0x80380000ULL
#define STRESS_CODE_SLOT0 0x100
#define STRESS_CODE_SLOT1 0x200
#define STRESS_FRAME_PA 0x80400000ULL        /* frames the test pages are mapped to */
#define STRESS_N_FRAMES 2048                 /* 8 MiB: up to 0x80c00000, RAM is 64 MiB */

/* The test pages: virtual page i at STRESS_VA + i * 4 KiB, through root[1] -> L1[0] -> L0[i].
 * The rest of the guest runs through an identity-mapped, global 1 GiB page at 0x80000000,
 * so ASID flushes hit only the test pages. */
#define STRESS_VA 0x40000000ULL
#define STRESS_ASID 1
#define STRESS_POISON 0xdeaddeaddeaddeadULL  /* written to a frame once it is unmapped */

/* Sv39 PTE bits (privileged spec 12.3.1). */
#define STRESS_PTE_V (1ULL << 0)
#define STRESS_PTE_R (1ULL << 1)
#define STRESS_PTE_W (1ULL << 2)
#define STRESS_PTE_X (1ULL << 3)
#define STRESS_PTE_G (1ULL << 5)
#define STRESS_PTE_A (1ULL << 6)
#define STRESS_PTE_D (1ULL << 7)
#define STRESS_PTE_PPN_SHIFT 10

enum stress_role {
    STRESS_ROLE_RUN = 0,      /* loops over its pages forever */
    STRESS_ROLE_TIMER = 1,    /* one pass, then WFI until its stimecmp fires, again */
    STRESS_ROLE_NEVER = 2,    /* one pass, then WFI with no interrupt enabled: halted for good */
};

/* Host-written before the harts start; read-only for the guest. */
struct stress_ctrl {
    uint64_t magic;                       /* STRESS_MAGIC once the rest is valid */
    uint64_t n_harts;
    uint64_t n_pages;                     /* test pages in use, <= STRESS_MAX_PAGES */
    uint64_t timer_period;                /* STRESS_ROLE_TIMER: mtime ticks (10 MHz) per nap */
    uint64_t role[STRESS_MAX_HARTS];      /* enum stress_role */
    uint64_t readers[STRESS_MAX_PAGES];   /* bit h: hart h loads page i every pass */
};

/* One per hart at STRESS_HART_PA + h * 4 KiB. Written by hart h unless marked "host". */
struct stress_hart {
    uint64_t counter;                     /* completed passes over the hart's pages */
    uint64_t stage;                       /* 1: running its S-mode loop */
    uint64_t violations;                  /* loads that returned STRESS_POISON */
    uint64_t bad_va, bad_value;           /* the first such load */
    uint64_t trapped;                     /* 1: an unexpected trap (cause/epc/tval below) */
    uint64_t trap_cause, trap_epc, trap_tval;
    uint64_t code_min;                    /* host: a generation the code page has reached
                                           * (stored after its synced fence.i returned) */
    uint64_t code_seen;                   /* generation the code page's function returned */
    uint64_t code_violations;             /* calls that returned less than code_min */
    uint64_t code_bad, code_bad_min;      /* the first such call: returned, expected >= */
    uint64_t pad[18];
    uint64_t seen[STRESS_MAX_PAGES];      /* at 0x100: last value loaded from page i */
};

#define STRESS_HART_SEEN_OFFSET 0x100

#endif
