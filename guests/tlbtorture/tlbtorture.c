/* tlbtorture: every hart runs on one shared page table; writer harts remap, revoke, restore,
 * split and merge 4 KiB, 2 MiB and 1 GiB mappings and shoot them down through SBI RFENCE
 * (page, range, ASID, all); reader harts access the mappings continuously and check that no
 * translation outlives the fence that removed it (protocol in torture.h). Ends with a result
 * table and SRST shutdown: reason none on pass, system failure otherwise.
 *
 * Bootargs (all optional): secs=N (5) or ms=N seed=N (1) writers=N (harts/4, at least 1)
 *   harts=N (all) sizes=4k,2m,1g kinds=page,range,asid,all ops=remap,unmap,perm,split
 *   mode=sv39|sv48 slots4k=N (64) slots2m=N (8) slots1g=N (2) pace=US (2000)
 *   bug=none|skip-remote|skip-local|wrong-page|wrong-range|wrong-asid|asid-reuse|
 *       perm-nofence|pt-reuse (none): plant one fencing bug (docs/tlbtorture.md)
 *
 * Under tlbstorm --remap-test (a remap-test node in the device tree) readers also check that
 * the memory map the host keeps changing is never seen stale (map_check). */
#include "hw/remap_test_regs.h"
#include "riscv_vm.h"
#include "torture.h"

const char guest_name[] = "tlbtorture";

#define SZ_4K 0x1000ULL
#define SZ_2M 0x200000ULL
#define SZ_1G 0x40000000ULL

static const char *const region_names[N_REGIONS] = { "4k", "2m", "1g" };
static const char *const fence_names[N_FENCE_KINDS] = { "page", "range", "asid", "all" };
static const char *const violation_names[N_VIOLATIONS] = {
    "stale", "poison", "revoked-access", "spurious-fault", "ad-erased", "sbi-error",
    "map-stale",
};
static const char *const bug_names[N_BUGS] = {
    "none", "skip-remote", "skip-local", "wrong-page", "wrong-range", "wrong-asid",
    "asid-reuse", "perm-nofence", "pt-reuse",
};
static const char *const layout_names[REMAP_TEST_LAYOUTS] = { "A", "none", "B", "overlay" };
/* Offsets (in 4 KiB pages) of the tagged pages of a 2 MiB slot. */
static const unsigned samples_2m[SAMPLES_2M] = { 0, 1, 2, 63, 200, 256, 400, 511 };

/* ---- configuration and shared state (boot hart writes before starting the others) ------ */

static struct {
    unsigned n_harts, n_writers;
    uint32_t hart_ids[SMODE_MAX_HARTS];   /* the harts taking part, writers first */
    /* Fence targets, every hart taking part, as 64-hart windows (word w: harts 64w..64w+63,
     * sent with hart_mask_base = 64w). */
    uint64_t mask[SMODE_MAX_HARTS / 64];
    uint64_t seed, run_ms, pace_us;   /* run_ms: secs=N or ms=N */
    unsigned slots[N_REGIONS];
    bool region_on[N_REGIONS], kind_on[N_FENCE_KINDS];
    bool op_remap, op_unmap, op_perm, op_split;
    bool sv48;
    enum bug bug;                         /* bug=: the planted fencing bug */
    uint64_t satp;
    uint64_t deadline;                    /* rdtime at which everyone stops */
    /* remap-test: control page (0: no device), the RAM page it hides in the overlay layout,
     * and the first GEN whose map is sure to include that overlay. */
    volatile uint64_t *remap;
    uint64_t overlay, overlay_from_gen;
} cfg;

static uint64_t *root, *sv48_root, *l1_4k, *l0_4k, *l1_2m;
static uint64_t *split_l0[MAX_SLOTS_2M];   /* the table a split 2 MiB slot points to */
static uint64_t *split_l1[MAX_SLOTS_1G];   /* the table a split 1 GiB slot points to */
static uint64_t home_1g;                  /* 2 MiB frame holding the 1 GiB slots' tags */
/* The A/D race page: the last PTE of the 4 KiB table, flipped between two frames by writer 0
 * with no fence while readers walk it after a local sfence.vma (see ad_race_burst). */
#define RACE_SLOT 511
static uint64_t race_frames[2];

/* bug=asid-reuse: two roots, identical but for the entry of REUSE_VA, which reaches a page
 * tagged with the root's number through an L1 and L0 of that root's own. Every hart switches
 * satp between them under ASID 1, with no sfence.vma, whenever reuse_epoch moves (epoch e:
 * root e & 1). Writers store each root PTE they change (the 1 GiB slots) in both roots. */
#define REUSE_EVERY 8                     /* writer 0 moves the epoch every 8 changes */
static uint64_t *reuse_root[2], *reuse_l0[2];
static uint64_t reuse_satp[2];
static uint32_t reuse_epoch;              /* writer 0 stores; relaxed, no data rides on it */
/* bug=pt-reuse: what a page-table page taken out of the tree is rewritten with, a 4 KiB
 * (split 2 MiB slots) and a 2 MiB (split 1 GiB slots) frame that read POISON where readers
 * look. */
static uint64_t pt_poison_4k, pt_poison_2m;
/* Hart-private state of bug= (each hart touches only its own entry). */
static struct {
    bool said;                            /* printed its bug line */
    uint32_t reuse_epoch;                 /* asid-reuse: the epoch whose root satp holds */
} bug_hart[SMODE_MAX_HARTS];

static SlotPub pubs[N_REGIONS][MAX_SLOTS_4K] __attribute__((aligned(64)));
static HartResult results[SMODE_MAX_HARTS] __attribute__((aligned(64)));
static volatile uint32_t go, arrived;
static uint32_t reader_rounds;          /* rounds of 64 checks finished by reading harts */

/* Writer-private state of a slot (only its owner touches it). */
enum slot_state { S_MAPPED, S_REVOKED, S_SPLIT };
typedef struct {
    uint8_t state;
    uint8_t split_index;                  /* 2 MiB: which sample page is redirected */
    uint32_t gen;
    uint64_t frame;                       /* 4K/2M frame; 1G: unused (identity) */
    uint64_t redirect;                    /* split: the 4 KiB (2M slot) or 2 MiB (1G) frame */
} SlotState;
static SlotState slots[N_REGIONS][MAX_SLOTS_4K];

/* ---- frame pools ----------------------------------------------------------------------- */

/* Boot hart: carves frames out of RAM above the image, around the device tree. */
static uint64_t carve_next, carve_end;
static uint64_t carve_4k_next, carve_4k_end;

static bool overlaps_dtb(uint64_t base, uint64_t size)
{
    return base < machine.dtb_addr + machine.dtb_size && machine.dtb_addr < base + size;
}

static uint64_t carve_2m(void)
{
    while (carve_next + SZ_2M <= carve_end && overlaps_dtb(carve_next, SZ_2M)) {
        carve_next += SZ_2M;
    }
    if (carve_next + SZ_2M > carve_end) {
        smode_panic("not enough RAM for the frame pools (-m 128M or more, fewer slots)");
    }
    uint64_t f = carve_next;
    carve_next += SZ_2M;
    return f;
}

static uint64_t carve_4k(void)
{
    if (carve_4k_next == carve_4k_end) {
        carve_4k_next = carve_2m();
        carve_4k_end = carve_4k_next + SZ_2M;
    }
    uint64_t f = carve_4k_next;
    carve_4k_next += SZ_4K;
    memset((void *)(uintptr_t)f, 0, SZ_4K);
    return f;
}

/* A writer's free frames: a stack, touched by that writer only. */
#define POOL_MAX 1024
typedef struct {
    uint64_t f4k[POOL_MAX], f2m[64];
    unsigned n4k, n2m;
} Pool;
static Pool pools[SMODE_MAX_HARTS];

static uint64_t pool_get_4k(Pool *p)
{
    if (!p->n4k) {
        smode_panic("writer's 4 KiB pool ran dry");
    }
    return p->f4k[--p->n4k];
}

static uint64_t pool_get_2m(Pool *p)
{
    if (!p->n2m) {
        smode_panic("writer's 2 MiB pool ran dry");
    }
    return p->f2m[--p->n2m];
}

/* ---- PTEs ------------------------------------------------------------------------------ */

static uint64_t leaf(uint64_t pa, uint64_t perms)
{
    return (pa >> 12) << 10 | perms | PTE_V;     /* A = D = 0: the walker sets A */
}

static uint64_t pointer(const uint64_t *table)
{
    return ((uintptr_t)table >> 12) << 10 | PTE_V;
}

static volatile uint64_t *pte_of(unsigned region, unsigned slot)
{
    switch (region) {
    case R_4K: return &l0_4k[slot];
    case R_2M: return &l1_2m[slot];
    default: return &root[66 + slot];
    }
}

static void store_pte(volatile uint64_t *pte, uint64_t v)
{
    __atomic_store_n(pte, v, __ATOMIC_RELEASE);
}

static void write_tag(uint64_t pa, uint64_t v)
{
    __atomic_store_n((uint64_t *)(uintptr_t)pa, v, __ATOMIC_RELAXED);
}

/* Where a reader looks in slot `slot` of `region` (sample index for 2 MiB slots). */
static uint64_t probe_va(unsigned region, unsigned slot, unsigned sample)
{
    switch (region) {
    case R_4K: return REGION_4K_VA + slot * SZ_4K;
    case R_2M: return REGION_2M_VA + slot * SZ_2M + samples_2m[sample] * SZ_4K;
    default: return REGION_1G_VA + slot * SZ_1G + (home_1g - machine.ram_base) + slot * SZ_4K;
    }
}

/* ---- faults ---------------------------------------------------------------------------- */

/* The only access that may fault: a 4-byte load whose fault resumes at torture_probe_fault
 * with a1 = scause (never 0 for a fault). Returns (value, 0) or (?, scause). */
typedef struct {
    uint64_t value, fault;
} Probe;
Probe torture_probe(uint64_t va);
extern const char torture_probe_insn[], torture_probe_fault[];
__asm__(".text\n"
        ".globl torture_probe\n"
        ".globl torture_probe_insn\n"
        ".globl torture_probe_fault\n"
        ".option push\n"
        ".option norvc\n"
        "torture_probe:\n"
        "    li a1, 0\n"
        "torture_probe_insn:\n"
        "    ld a0, 0(a0)\n"
        "    ret\n"
        "torture_probe_fault:\n"
        "    ret\n"
        ".option pop\n");

static bool torture_trap(SmodeTrapFrame *f)
{
    bool fault = f->scause == 13 || f->scause == 5;   /* load page / access fault */
    if (fault && f->x[0] == (uintptr_t)torture_probe_insn) {
        f->x[11] = f->scause;
        f->x[0] = (uintptr_t)torture_probe_fault;
        return true;
    }
    return false;
}

/* ---- reporting --------------------------------------------------------------------------- */

static void violation(HartResult *r, enum violation v, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void violation(HartResult *r, enum violation v, const char *fmt, ...)
{
    r->violations[v]++;
    if (r->n_reported < 3) {
        va_list ap;
        va_start(ap, fmt);
        cvsnprintf(r->first_violation[r->n_reported], sizeof(r->first_violation[0]), fmt, ap);
        va_end(ap);
        r->n_reported++;
    }
}

static unsigned hart_of(const HartResult *r)
{
    return (unsigned)(r - results);
}

/* bug=: the first time this hart plants the bug, one line naming the PTE (physical address)
 * and the VA it maps, for matching against the emulator's report:
 *   tlbtorture: bug=NAME: hart H <did> PTE at pa 0xP (va 0xV) and <what fmt says> */
static void bug_note(HartResult *r, const char *did, const volatile uint64_t *pte, uint64_t va,
                     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void bug_note(HartResult *r, const char *did, const volatile uint64_t *pte, uint64_t va,
                     const char *fmt, ...)
{
    unsigned hart = hart_of(r);
    if (bug_hart[hart].said) {
        return;
    }
    bug_hart[hart].said = true;
    char what[120];
    va_list ap;
    va_start(ap, fmt);
    cvsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    cprintf("tlbtorture: bug=%s: hart %u %s PTE at pa 0x%lx (va 0x%lx) and %s\n",
            bug_names[cfg.bug], hart, did, (unsigned long)(uintptr_t)pte, (unsigned long)va,
            what);
}

/* ---- fences ---------------------------------------------------------------------------- */

static unsigned hist_bucket(uint64_t ns)
{
    if (ns < 4) {
        return (unsigned)ns;
    }
    unsigned lg = 0;
    while (ns >> (lg + 1)) {
        lg++;                              /* no Zbb assumed: QEMU's default CPU may lack it */
    }
    unsigned b = lg * 4 + (unsigned)((ns >> (lg - 2)) & 3);
    return b < 64 * 4 ? b : 64 * 4 - 1;
}

static uint64_t bucket_upper_ns(unsigned b)
{
    if (b < 4) {
        return b;
    }
    unsigned lg = b / 4, sub = b % 4;
    return (1ULL << lg) + ((uint64_t)(sub + 1) << (lg - 2)) - 1;
}

/* Shoot down the translation of [va, va + size) on every hart, by `kind`. bug=skip-remote
 * and bug=skip-local leave harts out, bug=wrong-asid names WRONG_ASID. */
static void fence(HartResult *r, uint64_t *rng, enum fence_kind kind, uint64_t va,
                  uint64_t size)
{
    bool with_asid = rng_below(rng, 2);
    unsigned long asid = cfg.bug == BUG_WRONG_ASID ? WRONG_ASID : TORTURE_ASID;
    unsigned self = hart_of(r);
    uint64_t t0 = rdtime();
    long err;
    err = 0;
    for (unsigned w = 0; w < SMODE_MAX_HARTS / 64; w++) {
        uint64_t m = cfg.mask[w];
        uint64_t self_bit = self / 64 == w ? 1ULL << (self % 64) : 0;
        unsigned long base = 64UL * w;
        long e;
        if (cfg.bug == BUG_SKIP_REMOTE) {
            m &= self_bit;
        } else if (cfg.bug == BUG_SKIP_LOCAL) {
            m &= ~self_bit;
        }
        if (!m) {
            continue;
        }
        switch (kind) {
        case F_PAGE:
            e = with_asid ? sbi_remote_sfence_vma_asid(m, base, va, SZ_4K, asid)
                          : sbi_remote_sfence_vma(m, base, va, SZ_4K);
            break;
        case F_RANGE:
            e = sbi_remote_sfence_vma(m, base, va, size);
            break;
        case F_ASID:
            e = sbi_remote_sfence_vma_asid(m, base, 0, (unsigned long)-1, asid);
            break;
        default:
            e = sbi_remote_sfence_vma(m, base, 0, (unsigned long)-1);
            break;
        }
        err = err ? err : e;
    }
    uint64_t dt = rdtime() - t0;
    if (err) {
        violation(r, V_SBI_ERROR, "SBI RFENCE %s returned %ld", fence_names[kind], err);
    }
    r->fences[kind]++;
    r->fence_ticks[kind] += dt;
    if (dt > r->fence_max[kind]) {
        r->fence_max[kind] = dt;
    }
    r->fence_hist[kind][hist_bucket(ticks_to_ns(dt))]++;
}

static enum fence_kind pick_kind(uint64_t *rng)
{
    enum fence_kind k;
    do {
        k = (enum fence_kind)rng_below(rng, N_FENCE_KINDS);
    } while (!cfg.kind_on[k]);
    return k;
}

/* A page-table page leaves the tree: only a fence without an address (rs1 = x0) is
 * guaranteed to drop cached non-leaf entries. */
static enum fence_kind pick_table_kind(void)
{
    return cfg.kind_on[F_ASID] ? F_ASID : F_ALL;
}

/* ---- a change ---------------------------------------------------------------------------- */

static void begin_change(unsigned region, unsigned slot, SlotState *s)
{
    s->gen++;
    /* Release: the new tags are visible before pending, and pending before the PTE. */
    __atomic_store_n(&pubs[region][slot].pending, s->gen, __ATOMIC_RELEASE);
}

/* After the fence: the store must have survived every concurrent A/D update. */
static void check_pte(HartResult *r, volatile uint64_t *pte, unsigned region, unsigned slot,
                      uint64_t want)
{
    uint64_t now = __atomic_load_n(pte, __ATOMIC_ACQUIRE);
    if ((now & ~(PTE_A | PTE_D)) != want) {
        violation(r, V_AD_ERASED, "%s slot %u: PTE read back as 0x%lx, wrote 0x%lx",
                  region_names[region], slot, (unsigned long)now, (unsigned long)want);
    }
}

static void publish(unsigned region, unsigned slot, SlotState *s, bool revoked)
{
    __atomic_store_n(&pubs[region][slot].pub, (uint64_t)s->gen << 1 | revoked,
                     __ATOMIC_RELEASE);
}

/* The mapping a test PTE makes: its VA, and its size in *size. */
static uint64_t mapping_va(unsigned region, unsigned slot, volatile uint64_t *pte,
                           uint64_t *size)
{
    switch (region) {
    case R_4K:
        *size = SZ_4K;
        return REGION_4K_VA + slot * SZ_4K;
    case R_2M:
        if (pte >= split_l0[slot] && pte < split_l0[slot] + 512) {
            *size = SZ_4K;
            return REGION_2M_VA + slot * SZ_2M + (uint64_t)(pte - split_l0[slot]) * SZ_4K;
        }
        *size = SZ_2M;
        return REGION_2M_VA + slot * SZ_2M;
    default:
        *size = SZ_1G;
        return REGION_1G_VA + slot * SZ_1G;
    }
}

/* bug=: bend the fence that follows the store of `v` to `pte` the way the option says, and
 * say so the first time this hart does. Returns false to leave the fence out. */
static bool bend_fence(HartResult *r, unsigned region, unsigned slot, volatile uint64_t *pte,
                       uint64_t v, enum fence_kind k, uint64_t *fence_va, uint64_t fence_size,
                       bool revoked)
{
    uint64_t size, va = mapping_va(region, slot, pte, &size);
    if (cfg.bug == BUG_SKIP_REMOTE) {
        bug_note(r, "changed", pte, va, "fenced only itself");
    } else if (cfg.bug == BUG_SKIP_LOCAL) {
        bug_note(r, "changed", pte, va, "fenced the other harts, not itself");
    } else if (cfg.bug == BUG_WRONG_PAGE && k == F_PAGE) {
        *fence_va += size;                /* the same page of the neighbouring slot */
        bug_note(r, "changed", pte, va, "fenced page 0x%lx", (unsigned long)*fence_va);
    } else if (cfg.bug == BUG_WRONG_RANGE && k == F_RANGE) {
        *fence_va += fence_size;          /* shifted by its own length */
        bug_note(r, "changed", pte, va, "fenced range 0x%lx-0x%lx", (unsigned long)*fence_va,
                 (unsigned long)(*fence_va + fence_size));
    } else if (cfg.bug == BUG_WRONG_ASID && k == F_ASID) {
        bug_note(r, "changed", pte, va, "fenced ASID %lu", (unsigned long)WRONG_ASID);
    } else if (cfg.bug == BUG_PERM_NOFENCE && revoked) {
        bug_note(r, "changed", pte, va, "did not fence (new PTE 0x%lx)", (unsigned long)v);
        return false;
    }
    return true;                          /* asid-reuse, pt-reuse: elsewhere */
}

/* bug=asid-reuse: the other root's copy of a root PTE, NULL for any other PTE. */
static volatile uint64_t *root_mirror(volatile uint64_t *pte)
{
    if (!reuse_root[1] || pte < root || pte >= root + 512) {
        return NULL;
    }
    return &reuse_root[1][pte - root];
}

/* Steps 2-4 of a change (torture.h), after begin_change and the new tags: store the PTE,
 * fence every hart, read the PTE back, publish. The caller then poisons and frees what the
 * old mapping exposed. */
static void commit(HartResult *r, uint64_t *rng, unsigned region, unsigned slot, SlotState *s,
                   volatile uint64_t *pte, uint64_t v, enum fence_kind k, uint64_t fence_va,
                   uint64_t fence_size, bool revoked)
{
    volatile uint64_t *mirror = root_mirror(pte);
    store_pte(pte, v);
    if (mirror) {
        store_pte(mirror, v);
    }
    if (cfg.bug == BUG_NONE ||
        bend_fence(r, region, slot, pte, v, k, &fence_va, fence_size, revoked)) {
        fence(r, rng, k, fence_va, fence_size);
    }
    check_pte(r, pte, region, slot, v);
    if (mirror) {
        check_pte(r, mirror, region, slot, v);
    }
    publish(region, slot, s, revoked);
}

/* A merge took `table` out of the tree: fence it the right way, or under bug=pt-reuse with
 * only the addressed fence of the slot (which need not drop a cached pointer to the table)
 * and then rewrite the table at once, each entry `reused`, as if freed and reused. A hart
 * that still walks it through a cached non-leaf entry reads POISON. */
static void commit_merge(HartResult *r, uint64_t *rng, unsigned region, unsigned slot,
                         SlotState *s, volatile uint64_t *pte, uint64_t v, uint64_t va,
                         uint64_t size, uint64_t *table, uint64_t reused)
{
    if (cfg.bug != BUG_PT_REUSE) {
        commit(r, rng, region, slot, s, pte, v, pick_table_kind(), 0, 0, false);
        return;
    }
    commit(r, rng, region, slot, s, pte, v, F_RANGE, va, size, false);
    for (unsigned i = 0; i < 512; i++) {
        __atomic_store_n(&table[i], reused, __ATOMIC_RELAXED);
    }
    bug_note(r, "changed", pte, va, "fenced range 0x%lx-0x%lx, then reused table 0x%lx",
             (unsigned long)va, (unsigned long)(va + size), (unsigned long)(uintptr_t)table);
}

static void tag_2m_samples(uint64_t frame, unsigned slot, uint32_t gen, int except)
{
    for (int i = 0; i < SAMPLES_2M; i++) {
        if (i != except) {
            write_tag(frame + samples_2m[i] * SZ_4K, make_tag(R_2M, slot, gen));
        }
    }
}

static void poison_2m_samples(uint64_t frame, int only)
{
    for (int i = 0; i < SAMPLES_2M; i++) {
        if (only < 0 || i == only) {
            write_tag(frame + samples_2m[i] * SZ_4K, POISON);
        }
    }
}

static uint64_t revoked_pte(uint64_t pa, uint64_t *rng)
{
    bool perm = cfg.op_perm && (!cfg.op_unmap || rng_below(rng, 2));
    return perm ? leaf(pa, PTE_X) : 0;      /* execute-only: loads fault without MXR */
}

static void op_4k(HartResult *r, Pool *p, unsigned slot, uint64_t *rng)
{
    SlotState *s = &slots[R_4K][slot];
    volatile uint64_t *pte = pte_of(R_4K, slot);
    uint64_t va = REGION_4K_VA + slot * SZ_4K;
    enum fence_kind k = pick_kind(rng);
    uint64_t range_va = va & ~(4 * SZ_4K - 1), range = 4 * SZ_4K;
    bool revoke = (cfg.op_unmap || cfg.op_perm) && (!cfg.op_remap || rng_below(rng, 3) == 0);
    if (s->state == S_REVOKED) {
        begin_change(R_4K, slot, s);
        write_tag(s->frame, make_tag(R_4K, slot, s->gen));
        uint64_t v = leaf(s->frame, PTE_R | PTE_W);
        commit(r, rng, R_4K, slot, s, pte, v, k, k == F_RANGE ? range_va : va, range, false);
        s->state = S_MAPPED;
        r->ops[R_4K][OP_RESTORE]++;
    } else if (revoke) {
        begin_change(R_4K, slot, s);
        uint64_t v = revoked_pte(s->frame, rng);
        commit(r, rng, R_4K, slot, s, pte, v, k, k == F_RANGE ? range_va : va, range, true);
        write_tag(s->frame, POISON);
        s->state = S_REVOKED;
        r->ops[R_4K][OP_REVOKE]++;
    } else if (cfg.op_remap) {
        uint64_t old = s->frame, f = pool_get_4k(p);
        begin_change(R_4K, slot, s);
        write_tag(f, make_tag(R_4K, slot, s->gen));
        uint64_t v = leaf(f, PTE_R | PTE_W);
        commit(r, rng, R_4K, slot, s, pte, v, k, k == F_RANGE ? range_va : va, range, false);
        write_tag(old, POISON);
        p->f4k[p->n4k++] = old;
        s->frame = f;
        r->ops[R_4K][OP_REMAP]++;
    }
}

static void op_2m(HartResult *r, Pool *p, unsigned slot, uint64_t *rng)
{
    SlotState *s = &slots[R_2M][slot];
    volatile uint64_t *pte = pte_of(R_2M, slot);
    uint64_t va = REGION_2M_VA + slot * SZ_2M;
    enum fence_kind k = pick_kind(rng);
    unsigned sample = (unsigned)rng_below(rng, SAMPLES_2M);
    uint64_t page_va = va + samples_2m[sample] * SZ_4K;
    bool can_revoke = cfg.op_unmap || cfg.op_perm;
    if (s->state == S_REVOKED) {
        begin_change(R_2M, slot, s);
        tag_2m_samples(s->frame, slot, s->gen, -1);
        uint64_t v = leaf(s->frame, PTE_R | PTE_W);
        commit(r, rng, R_2M, slot, s, pte, v, k, k == F_RANGE ? va : page_va, SZ_2M, false);
        s->state = S_MAPPED;
        r->ops[R_2M][OP_RESTORE]++;
        return;
    }
    if (s->state == S_SPLIT) {
        uint64_t *l0 = split_l0[slot];
        unsigned k_idx = s->split_index;
        uint64_t redirected_va = va + samples_2m[k_idx] * SZ_4K;
        if (cfg.op_remap && rng_below(rng, 2)) {
            /* Move the redirected page to another 4 KiB frame, inside the split megapage. */
            uint64_t old = s->redirect, f = pool_get_4k(p);
            begin_change(R_2M, slot, s);
            write_tag(f, make_tag(R_2M, slot, s->gen));
            tag_2m_samples(s->frame, slot, s->gen, k_idx);
            uint64_t v = leaf(f, PTE_R | PTE_W);
            commit(r, rng, R_2M, slot, s, &l0[samples_2m[k_idx]], v, k,
                   k == F_RANGE ? va : redirected_va, SZ_2M, false);
            write_tag(old, POISON);
            p->f4k[p->n4k++] = old;
            s->redirect = f;
            r->ops[R_2M][OP_REMAP_IN_SPLIT]++;
            return;
        }
        /* Merge back into one 2 MiB leaf; the L0 table leaves the tree. */
        begin_change(R_2M, slot, s);
        tag_2m_samples(s->frame, slot, s->gen, -1);
        uint64_t v = leaf(s->frame, PTE_R | PTE_W);
        commit_merge(r, rng, R_2M, slot, s, pte, v, va, SZ_2M, l0,
                     leaf(pt_poison_4k, PTE_R | PTE_W));
        write_tag(s->redirect, POISON);
        p->f4k[p->n4k++] = s->redirect;
        s->state = S_MAPPED;
        r->ops[R_2M][OP_MERGE]++;
        return;
    }
    unsigned choice = (unsigned)rng_below(rng, 3);   /* 0 remap, 1 split, 2 revoke */
    if (choice == 2 && !can_revoke) {
        choice = 0;
    }
    if (choice == 1 && !cfg.op_split) {
        choice = 0;
    }
    if (choice == 0 && !cfg.op_remap) {
        choice = cfg.op_split ? 1 : can_revoke ? 2 : 3;
    }
    if (choice == 0) {
        uint64_t old = s->frame, f = pool_get_2m(p);
        begin_change(R_2M, slot, s);
        tag_2m_samples(f, slot, s->gen, -1);
        uint64_t v = leaf(f, PTE_R | PTE_W);
        commit(r, rng, R_2M, slot, s, pte, v, k, k == F_RANGE ? va : page_va, SZ_2M, false);
        poison_2m_samples(old, -1);
        p->f2m[p->n2m++] = old;
        s->frame = f;
        r->ops[R_2M][OP_REMAP]++;
    } else if (choice == 1) {
        /* Split into 512 4 KiB leaves over the same frame, one sample page redirected. */
        uint64_t *l0 = split_l0[slot];
        unsigned k_idx = sample;
        uint64_t f = pool_get_4k(p);
        begin_change(R_2M, slot, s);
        write_tag(f, make_tag(R_2M, slot, s->gen));
        tag_2m_samples(s->frame, slot, s->gen, (int)k_idx);
        for (unsigned i = 0; i < 512; i++) {
            l0[i] = leaf(s->frame + i * SZ_4K, PTE_R | PTE_W);
        }
        l0[samples_2m[k_idx]] = leaf(f, PTE_R | PTE_W);
        uint64_t v = pointer(l0);
        /* Any address inside the old megapage drops its entry. */
        commit(r, rng, R_2M, slot, s, pte, v, k, k == F_RANGE ? va : page_va, SZ_2M, false);
        poison_2m_samples(s->frame, (int)k_idx);
        s->state = S_SPLIT;
        s->split_index = (uint8_t)k_idx;
        s->redirect = f;
        r->ops[R_2M][OP_SPLIT]++;
    } else if (choice == 2) {
        begin_change(R_2M, slot, s);
        uint64_t v = revoked_pte(s->frame, rng);
        commit(r, rng, R_2M, slot, s, pte, v, k, k == F_RANGE ? va : page_va, SZ_2M, true);
        poison_2m_samples(s->frame, -1);
        s->state = S_REVOKED;
        r->ops[R_2M][OP_REVOKE]++;
    }
}

static void op_1g(HartResult *r, Pool *p, unsigned slot, uint64_t *rng)
{
    SlotState *s = &slots[R_1G][slot];
    volatile uint64_t *pte = pte_of(R_1G, slot);
    uint64_t va = REGION_1G_VA + slot * SZ_1G;
    uint64_t tag_off = (home_1g - machine.ram_base) + slot * SZ_4K;
    uint64_t home_tag = home_1g + slot * SZ_4K;
    enum fence_kind k = pick_kind(rng);
    /* A page fence may name any address inside the gigapage, and usually not the one the
     * readers load: the whole leaf must go, not just the 4 KiB around the address. */
    uint64_t page_va = va + (rng_below(rng, 4) ? rng_below(rng, SZ_1G / SZ_4K) * SZ_4K : tag_off);
    bool can_revoke = cfg.op_unmap || cfg.op_perm;
    if (s->state == S_REVOKED) {
        begin_change(R_1G, slot, s);
        write_tag(home_tag, make_tag(R_1G, slot, s->gen));
        uint64_t v = leaf(machine.ram_base, PTE_R | PTE_W);
        commit(r, rng, R_1G, slot, s, pte, v, k, k == F_RANGE ? va : page_va, SZ_1G, false);
        s->state = S_MAPPED;
        r->ops[R_1G][OP_RESTORE]++;
    } else if (s->state == S_SPLIT) {
        begin_change(R_1G, slot, s);
        write_tag(home_tag, make_tag(R_1G, slot, s->gen));
        uint64_t v = leaf(machine.ram_base, PTE_R | PTE_W);
        commit_merge(r, rng, R_1G, slot, s, pte, v, va, SZ_1G, split_l1[slot],
                     leaf(pt_poison_2m, PTE_R | PTE_W));
        write_tag(s->redirect + slot * SZ_4K, POISON);
        p->f2m[p->n2m++] = s->redirect;
        s->state = S_MAPPED;
        r->ops[R_1G][OP_MERGE]++;
    } else if (cfg.op_split && (!can_revoke || rng_below(rng, 2))) {
        /* 512 2 MiB leaves over the same RAM, the one holding the tags redirected. */
        uint64_t *l1 = split_l1[slot];
        uint64_t f = pool_get_2m(p);
        unsigned home_idx = (unsigned)((home_1g - machine.ram_base) / SZ_2M);
        begin_change(R_1G, slot, s);
        write_tag(f + slot * SZ_4K, make_tag(R_1G, slot, s->gen));
        for (unsigned i = 0; i < 512; i++) {
            l1[i] = leaf(machine.ram_base + i * SZ_2M, PTE_R | PTE_W);
        }
        l1[home_idx] = leaf(f, PTE_R | PTE_W);
        uint64_t v = pointer(l1);
        commit(r, rng, R_1G, slot, s, pte, v, k, k == F_RANGE ? va : page_va, SZ_1G, false);
        write_tag(home_tag, POISON);
        s->state = S_SPLIT;
        s->redirect = f;
        r->ops[R_1G][OP_SPLIT]++;
    } else if (can_revoke) {
        begin_change(R_1G, slot, s);
        uint64_t v = revoked_pte(machine.ram_base, rng);
        commit(r, rng, R_1G, slot, s, pte, v, k, k == F_RANGE ? va : page_va, SZ_1G, true);
        write_tag(home_tag, POISON);
        s->state = S_REVOKED;
        r->ops[R_1G][OP_REVOKE]++;
    }
}

/* ---- the A/D race ------------------------------------------------------------------------ */

/* Writer 0, between changes: flip the race PTE between its two frames and check that each
 * store survives the readers' concurrent walks. A walker that sets A with a plain store of the
 * PTE it read, instead of a compare-and-swap, writes the other frame back here. No fence is
 * needed: readers drop their own entry with a local sfence.vma before every race access. */
static void ad_race_burst(HartResult *r)
{
    volatile uint64_t *pte = &l0_4k[RACE_SLOT];
    for (unsigned i = 0; i < 64; i++) {
        uint64_t v = leaf(race_frames[i & 1], PTE_R | PTE_W);
        store_pte(pte, v);
        /* A short delay for walkers to race with, not a wait for anyone: plain instructions,
         * since `pause` tells an oversubscribed host to give the core away. */
        for (volatile unsigned spin = 0; spin < 16; spin++) {
        }
        check_pte(r, pte, R_4K, RACE_SLOT, v);
    }
}

static void ad_race_check(HartResult *r)
{
    uint64_t va = REGION_4K_VA + RACE_SLOT * SZ_4K;
    __asm__ volatile("sfence.vma %0, zero" ::"r"(va) : "memory");
    Probe pr = torture_probe(va);
    r->checks[R_4K]++;
    if (pr.fault || pr.value != make_tag(R_4K, RACE_SLOT, 0)) {
        violation(r, V_STALE, "A/D race page va 0x%lx: %s 0x%lx", (unsigned long)va,
                  pr.fault ? "fault, scause" : "read", (unsigned long)(pr.fault ? pr.fault
                                                                          : pr.value));
    }
}

/* ---- bug=asid-reuse ---------------------------------------------------------------------- */

/* Every reader round: follow writer 0's epoch to its root by writing satp with the same ASID
 * and no sfence.vma (the planted bug: the spec requires one, since the old root's
 * translations may stay cached under that ASID), then load REUSE_VA, which must hold the
 * tag of the root satp now names. */
static void reuse_check(HartResult *r)
{
    unsigned hart = hart_of(r);
    uint32_t e = __atomic_load_n(&reuse_epoch, __ATOMIC_RELAXED);
    if (e != bug_hart[hart].reuse_epoch) {
        unsigned from = bug_hart[hart].reuse_epoch & 1, to = e & 1;
        bug_hart[hart].reuse_epoch = e;
        if (from != to) {
            (void)torture_probe(REUSE_VA);     /* the old root's translation is cached */
            __asm__ volatile("csrw satp, %0" ::"r"(reuse_satp[to]) : "memory");
            bug_note(r, "switched to", reuse_l0[to], REUSE_VA,
                     "satp 0x%lx without sfence.vma (was PTE 0x%lx)",
                     (unsigned long)reuse_satp[to], (unsigned long)(uintptr_t)reuse_l0[from]);
        }
    }
    unsigned now = bug_hart[hart].reuse_epoch & 1;
    Probe pr = torture_probe(REUSE_VA);
    if (pr.fault || pr.value != make_tag(N_REGIONS, 0, now)) {
        violation(r, pr.fault ? V_SPURIOUS_FAULT : V_STALE, "asid-reuse on root %u: %s 0x%lx",
                  now, pr.fault ? "fault, scause" : "read",
                  (unsigned long)(pr.fault ? pr.fault : pr.value));
    }
}

/* Boot hart, after the tables: the second root, a copy of the first but for REUSE_VA, and the
 * satp values of both (Sv48: each under a top table of its own). */
static void reuse_setup(void)
{
    uint64_t *l1[2];
    for (unsigned i = 0; i < 2; i++) {
        uint64_t f = carve_4k();
        l1[i] = (uint64_t *)(uintptr_t)carve_4k();
        reuse_l0[i] = (uint64_t *)(uintptr_t)carve_4k();
        write_tag(f, make_tag(N_REGIONS, 0, i));
        reuse_l0[i][0] = leaf(f, PTE_R | PTE_W);
        l1[i][0] = pointer(reuse_l0[i]);
    }
    reuse_root[0] = root;
    root[REUSE_VA >> 30] = pointer(l1[0]);
    reuse_root[1] = (uint64_t *)(uintptr_t)carve_4k();
    memcpy(reuse_root[1], root, SZ_4K);
    reuse_root[1][REUSE_VA >> 30] = pointer(l1[1]);
    reuse_satp[0] = cfg.satp;
    uint64_t top = (uintptr_t)reuse_root[1];
    if (cfg.sv48) {
        uint64_t *t = (uint64_t *)(uintptr_t)carve_4k();
        t[0] = pointer(reuse_root[1]);
        top = (uintptr_t)t;
    }
    reuse_satp[1] = (cfg.satp & ~((1ULL << 44) - 1)) | top >> 12;
}

/* ---- the host's memory map (--remap-test) ------------------------------------------------ */

#define OVERLAY_RAM_WORD 0x454741504d4152ULL   /* what the overlay page holds in RAM */

/* Bracketed by two reads of GEN (protocol in hw/remap_test_regs.h): when both give the same
 * even value, the window must be exactly where that layout puts it. The overlay page is plain
 * RAM to every vCPU's TLB until the move to the overlay layout: a vCPU that kept that entry
 * across the move reads OVERLAY_RAM_WORD instead of the window. */
static void map_check(HartResult *r)
{
    uint64_t g1 = __atomic_load_n(&cfg.remap[REMAP_TEST_REG_GEN / 8], __ATOMIC_ACQUIRE);
    if (g1 & 1) {
        r->map_torn++;
        return;
    }
    Probe a = torture_probe(REMAP_TEST_WINDOW_A);
    Probe b = torture_probe(REMAP_TEST_WINDOW_B);
    Probe x = torture_probe(cfg.overlay);
    uint64_t g2 = __atomic_load_n(&cfg.remap[REMAP_TEST_REG_GEN / 8], __ATOMIC_ACQUIRE);
    if (g2 != g1) {
        r->map_torn++;
        return;
    }
    unsigned layout = (unsigned)(g1 / 2) % REMAP_TEST_LAYOUTS;
    r->map_checks[layout]++;
    struct { const char *what; uint64_t addr; Probe p; bool window, known; } seen[3] = {
        { "window A", REMAP_TEST_WINDOW_A, a, layout == REMAP_TEST_LAYOUT_A, true },
        { "window B", REMAP_TEST_WINDOW_B, b, layout == REMAP_TEST_LAYOUT_B, true },
        { "overlay page", cfg.overlay, x, layout == REMAP_TEST_LAYOUT_OVERLAY,
          g1 >= cfg.overlay_from_gen },
    };
    for (unsigned i = 0; i < 3; i++) {
        bool is_ram = seen[i].addr == cfg.overlay;
        uint64_t want = seen[i].window ? REMAP_TEST_WINDOW_WORD : OVERLAY_RAM_WORD;
        bool ok = seen[i].window || is_ram ? !seen[i].p.fault && seen[i].p.value == want
                                           : seen[i].p.fault == 5;    /* load access fault */
        if (!ok && seen[i].known) {
            violation(r, V_MAP_STALE, "%s 0x%lx in layout %s (GEN %lu): %s 0x%lx",
                      seen[i].what, (unsigned long)seen[i].addr, layout_names[layout],
                      (unsigned long)g1, seen[i].p.fault ? "fault, scause" : "read",
                      (unsigned long)(seen[i].p.fault ? seen[i].p.fault : seen[i].p.value));
        }
    }
}

/* Boot hart: fill the overlay page and hand it to the device. */
static void map_check_setup(void)
{
    cfg.remap = (volatile uint64_t *)(uintptr_t)machine.remap_test_base;
    if (*(volatile uint32_t *)cfg.remap != REMAP_TEST_MAGIC) {
        smode_panic("remap-test at 0x%lx: bad magic", (unsigned long)machine.remap_test_base);
    }
    cfg.overlay = carve_4k();
    for (unsigned i = 0; i < 512; i++) {
        write_tag(cfg.overlay + 8 * i, OVERLAY_RAM_WORD);
    }
    /* A plain store: AMOs (what a seq_cst store compiles to) are not for MMIO. */
    __asm__ volatile("fence rw, rw" ::: "memory");
    cfg.remap[REMAP_TEST_REG_OVERLAY / 8] = cfg.overlay;
    __asm__ volatile("fence rw, rw" ::: "memory");
    if (__atomic_load_n(&cfg.remap[REMAP_TEST_REG_OVERLAY / 8], __ATOMIC_SEQ_CST) !=
        cfg.overlay) {
        smode_panic("remap-test refused overlay page 0x%lx", (unsigned long)cfg.overlay);
    }
    /* A move that began after the store reads it; one already under way (odd GEN) may not. */
    uint64_t g = __atomic_load_n(&cfg.remap[REMAP_TEST_REG_GEN / 8], __ATOMIC_SEQ_CST);
    cfg.overlay_from_gen = (g & 1) ? g + 3 : g + 2;
}

/* ---- reader ---------------------------------------------------------------------------- */

static void check_one(HartResult *r, unsigned region, unsigned slot, unsigned sample)
{
    SlotPub *sp = &pubs[region][slot];
    uint64_t pub = __atomic_load_n(&sp->pub, __ATOMIC_ACQUIRE);
    uint64_t gen = pub >> 1;
    bool revoked = pub & 1;
    uint64_t va = probe_va(region, slot, sample);
    Probe pr = torture_probe(va);
    r->checks[region]++;
    if (pr.fault) {
        r->faults[region]++;
        if (!revoked && __atomic_load_n(&sp->pending, __ATOMIC_ACQUIRE) == gen &&
            __atomic_load_n(&sp->pub, __ATOMIC_ACQUIRE) == pub) {
            violation(r, V_SPURIOUS_FAULT, "%s slot %u va 0x%lx: scause %lu while mapped "
                      "(gen %lu) and no change under way", region_names[region], slot,
                      (unsigned long)va, (unsigned long)pr.fault, (unsigned long)gen);
        }
        return;
    }
    uint64_t v = pr.value;
    if (v == POISON) {
        violation(r, V_POISON, "%s slot %u va 0x%lx: read POISON (published gen %lu%s): "
                  "a translation outlived its fence", region_names[region], slot,
                  (unsigned long)va, (unsigned long)gen, revoked ? ", revoked" : "");
        return;
    }
    uint64_t want_id = make_tag(region, slot, 0);
    uint32_t tag_gen = (uint32_t)v;
    if ((v & ~0xffffffffULL) != want_id) {
        violation(r, V_STALE, "%s slot %u va 0x%lx: read 0x%lx, not this slot's tag",
                  region_names[region], slot, (unsigned long)va, (unsigned long)v);
        return;
    }
    if (revoked) {
        if (__atomic_load_n(&sp->pending, __ATOMIC_ACQUIRE) == gen) {
            violation(r, V_REVOKED_ACCESS, "%s slot %u va 0x%lx: readable after revocation "
                      "gen %lu was fenced", region_names[region], slot, (unsigned long)va,
                      (unsigned long)gen);
        } else if (tag_gen <= gen) {
            violation(r, V_STALE, "%s slot %u va 0x%lx: tag gen %u after revocation gen %lu",
                      region_names[region], slot, (unsigned long)va, tag_gen,
                      (unsigned long)gen);
        }
    } else if (tag_gen < gen) {
        violation(r, V_STALE, "%s slot %u va 0x%lx: tag gen %u older than fenced gen %lu",
                  region_names[region], slot, (unsigned long)va, tag_gen, (unsigned long)gen);
    }
}

static unsigned pick_region(uint64_t *rng)
{
    unsigned reg;
    do {
        reg = (unsigned)rng_below(rng, N_REGIONS);
    } while (!cfg.region_on[reg]);
    return reg;
}

static void reader_round(HartResult *r, uint64_t *rng, unsigned n)
{
    if (cfg.remap) {
        map_check(r);
    }
    if (cfg.bug == BUG_ASID_REUSE) {
        reuse_check(r);
    }
    for (unsigned i = 0; i < n; i++) {
        unsigned reg = pick_region(rng);
        uint64_t x = rng_next(rng);
        if (reg == R_4K && (x >> 61) == 0) {
            ad_race_check(r);                  /* one 4 KiB check in 8 */
            continue;
        }
        check_one(r, reg, (unsigned)(x % cfg.slots[reg]), (unsigned)(x >> 32) % SAMPLES_2M);
    }
}

static void writer_op(HartResult *r, unsigned writer, uint64_t *rng)
{
    unsigned reg = pick_region(rng);
    unsigned n_own = (cfg.slots[reg] + cfg.n_writers - 1 - writer) / cfg.n_writers;
    if (!n_own) {
        return;
    }
    unsigned slot = writer + cfg.n_writers * (unsigned)rng_below(rng, n_own);
    Pool *p = &pools[writer];
    switch (reg) {
    case R_4K: op_4k(r, p, slot, rng); break;
    case R_2M: op_2m(r, p, slot, rng); break;
    default: op_1g(r, p, slot, rng); break;
    }
}

/* ---- per-hart run ---------------------------------------------------------------------- */

static void enable_paging(void)
{
    __asm__ volatile("csrw satp, %0\n sfence.vma" ::"r"(cfg.satp) : "memory");
}

static void run(unsigned index)
{
    unsigned hart = cfg.hart_ids[index];
    HartResult *r = &results[hart];
    uint64_t rng = cfg.seed * 0x9e3779b97f4a7c15ULL + hart + 1;
    smode_trap_hook = torture_trap;
    enable_paging();
    __atomic_fetch_add(&arrived, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE)) {
        cpu_relax();
    }
    bool writer = index < cfg.n_writers;
    bool pure_writer = writer && cfg.n_writers < cfg.n_harts;
    uint64_t pace_ticks = cfg.pace_us * machine.timebase_hz / 1000000;
    uint64_t n_ops = 0;
    while (rdtime() < cfg.deadline) {
        if (writer) {
            writer_op(r, index, &rng);
            if (index == 0 && cfg.region_on[R_4K]) {
                ad_race_burst(r);
            }
            if (index == 0 && cfg.bug == BUG_ASID_REUSE && ++n_ops % REUSE_EVERY == 0) {
                __atomic_fetch_add(&reuse_epoch, 1, __ATOMIC_RELAXED);
            }
        }
        if (!pure_writer) {
            reader_round(r, &rng, 64);
            __atomic_fetch_add(&reader_rounds, 1, __ATOMIC_RELAXED);
            continue;
        }
        /* Pace: a change no reader looks at tests nothing, and a writer that fences back to
         * back on an oversubscribed host starves the readers it fences. Read too until some
         * reader finished a round since this change, or pace_us passed. */
        uint32_t seen = __atomic_load_n(&reader_rounds, __ATOMIC_RELAXED);
        uint64_t until = rdtime() + pace_ticks;
        do {
            reader_round(r, &rng, 8);
            if (index == 0 && cfg.region_on[R_4K]) {
                ad_race_burst(r);              /* the readers are busy: race their walks */
            }
        } while (__atomic_load_n(&reader_rounds, __ATOMIC_RELAXED) == seen && rdtime() < until);
    }
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
}

void guest_secondary(unsigned hartid, unsigned long opaque)
{
    (void)opaque;
    for (unsigned i = 0; i < cfg.n_harts; i++) {
        if (cfg.hart_ids[i] == hartid) {
            run(i);
            return;
        }
    }
    /* Not taking part (harts=N): sleep. */
}

/* ---- set-up (boot hart) ------------------------------------------------------------------ */

/* bug=NAME, one of bug_names; the wrong-* options fence by their kind only. */
static void read_bug(void)
{
    const char *v = bootarg("bug");
    cfg.bug = BUG_NONE;
    if (!v) {
        return;
    }
    size_t n = 0;
    while (v[n] && v[n] != ' ') {
        n++;
    }
    unsigned b = 0;
    while (b < N_BUGS && !(strlen(bug_names[b]) == n && strncmp(v, bug_names[b], n) == 0)) {
        b++;
    }
    if (b == N_BUGS) {
        char word[32], valid[160];
        size_t len = 0;
        csnprintf(word, n + 1 < sizeof(word) ? n + 1 : sizeof(word), "%s", v);
        for (unsigned i = 0; i < N_BUGS; i++) {
            csnprintf(valid + len, sizeof(valid) - len, "%s%s", i ? ", " : "", bug_names[i]);
            len += strlen(valid + len);
        }
        smode_panic("bug=%s: expected one of %s", word, valid);
    }
    cfg.bug = (enum bug)b;
    int only = cfg.bug == BUG_WRONG_PAGE ? F_PAGE : cfg.bug == BUG_WRONG_RANGE ? F_RANGE
             : cfg.bug == BUG_WRONG_ASID ? F_ASID : -1;
    if (only >= 0) {
        for (int k = 0; k < N_FENCE_KINDS; k++) {
            cfg.kind_on[k] = k == only;
        }
    }
    /* perm-nofence needs revokes; pt-reuse needs splits of 2 MiB or 1 GiB slots. */
    if ((cfg.bug == BUG_PERM_NOFENCE && !cfg.op_unmap && !cfg.op_perm) ||
        (cfg.bug == BUG_PT_REUSE && (!cfg.op_split || !(cfg.region_on[R_2M] ||
                                                        cfg.region_on[R_1G])))) {
        smode_panic("bug=%s: ops= and sizes= make no such change", bug_names[b]);
    }
}

static void read_config(void)
{
    cfg.seed = bootarg_u64("seed", 1);
    /* ms=N (short runs for seed campaigns) wins over secs=N. */
    cfg.run_ms = bootarg_u64("ms", 0);
    if (cfg.run_ms == 0) {
        cfg.run_ms = bootarg_u64("secs", 5) * 1000;
    }
    cfg.pace_us = bootarg_u64("pace", 2000);
    cfg.n_harts = (unsigned)bootarg_u64("harts", machine.n_harts);
    if (cfg.n_harts == 0 || cfg.n_harts > machine.n_harts) {
        cfg.n_harts = machine.n_harts;
    }
    unsigned dflt_writers = cfg.n_harts >= 4 ? cfg.n_harts / 4 : 1;
    cfg.n_writers = (unsigned)bootarg_u64("writers", dflt_writers);
    if (cfg.n_writers == 0 || cfg.n_writers > cfg.n_harts) {
        smode_panic("writers=%u: must be 1..%u", cfg.n_writers, cfg.n_harts);
    }
    cfg.slots[R_4K] = (unsigned)bootarg_u64("slots4k", 64);
    cfg.slots[R_2M] = (unsigned)bootarg_u64("slots2m", 8);
    cfg.slots[R_1G] = (unsigned)bootarg_u64("slots1g", 2);
    const unsigned max[N_REGIONS] = { MAX_SLOTS_4K, MAX_SLOTS_2M, MAX_SLOTS_1G };
    bool any_region = false;
    for (unsigned reg = 0; reg < N_REGIONS; reg++) {
        if (cfg.slots[reg] == 0 || cfg.slots[reg] > max[reg]) {
            smode_panic("slots%s=%u: must be 1..%u", region_names[reg], cfg.slots[reg],
                        max[reg]);
        }
        cfg.region_on[reg] = bootarg_has("sizes", region_names[reg]);
        any_region |= cfg.region_on[reg];
    }
    bool any_kind = false;
    for (unsigned k = 0; k < N_FENCE_KINDS; k++) {
        cfg.kind_on[k] = bootarg_has("kinds", fence_names[k]);
        any_kind |= cfg.kind_on[k];
    }
    cfg.op_remap = bootarg_has("ops", "remap");
    cfg.op_unmap = bootarg_has("ops", "unmap");
    cfg.op_perm = bootarg_has("ops", "perm");
    cfg.op_split = bootarg_has("ops", "split");
    if (!any_region || !any_kind || !(cfg.op_remap || cfg.op_unmap || cfg.op_perm ||
                                      cfg.op_split)) {
        smode_panic("sizes=, kinds= and ops= must each keep at least one known item");
    }
    const char *mode = bootarg("mode");
    cfg.sv48 = mode && strncmp(mode, "sv48", 4) == 0;
    if (mode && !cfg.sv48 && strncmp(mode, "sv39", 4) != 0) {
        smode_panic("mode=%s: expected sv39 or sv48", mode);
    }
    read_bug();
    if (machine.ram_base & (SZ_1G - 1)) {
        smode_panic("RAM at 0x%lx is not 1 GiB aligned", (unsigned long)machine.ram_base);
    }
    /* The boot hart always takes part (it reports), as the first writer; then the other
     * harts in tree order. */
    unsigned n = 0;
    cfg.hart_ids[n++] = machine.boot_hart;
    for (unsigned i = 0; i < machine.n_harts && n < cfg.n_harts; i++) {
        if (machine.hart_ids[i] != machine.boot_hart) {
            cfg.hart_ids[n++] = machine.hart_ids[i];
        }
    }
    for (unsigned i = 0; i < cfg.n_harts; i++) {
        cfg.mask[cfg.hart_ids[i] / 64] |= 1ULL << (cfg.hart_ids[i] % 64);
    }
}

static void build_tables(void)
{
    extern char _end[];
    carve_next = ((uintptr_t)_end + SZ_2M - 1) & ~(SZ_2M - 1);
    carve_end = machine.ram_base + machine.ram_size;
    carve_4k_next = carve_4k_end = 0;
    root = (uint64_t *)(uintptr_t)carve_4k();
    l1_4k = (uint64_t *)(uintptr_t)carve_4k();
    l0_4k = (uint64_t *)(uintptr_t)carve_4k();
    l1_2m = (uint64_t *)(uintptr_t)carve_4k();
    root[0] = leaf(0, PTE_R | PTE_W | PTE_G | PTE_A | PTE_D);
    root[machine.ram_base >> 30] = leaf(machine.ram_base,
                                        PTE_R | PTE_W | PTE_X | PTE_G | PTE_A | PTE_D);
    root[REGION_4K_VA >> 30] = pointer(l1_4k);
    l1_4k[0] = pointer(l0_4k);
    root[REGION_2M_VA >> 30] = pointer(l1_2m);
    home_1g = carve_2m();
    for (unsigned s = 0; s < cfg.slots[R_1G]; s++) {
        split_l1[s] = (uint64_t *)(uintptr_t)carve_4k();
        write_tag(home_1g + s * SZ_4K, make_tag(R_1G, s, 0));
        root[66 + s] = leaf(machine.ram_base, PTE_R | PTE_W);
    }
    for (unsigned s = 0; s < cfg.slots[R_2M]; s++) {
        split_l0[s] = (uint64_t *)(uintptr_t)carve_4k();
        uint64_t f = carve_2m();
        slots[R_2M][s].frame = f;
        tag_2m_samples(f, s, 0, -1);
        l1_2m[s] = leaf(f, PTE_R | PTE_W);
    }
    for (unsigned i = 0; i < 2; i++) {
        race_frames[i] = carve_4k();
        write_tag(race_frames[i], make_tag(R_4K, RACE_SLOT, 0));
    }
    l0_4k[RACE_SLOT] = leaf(race_frames[0], PTE_R | PTE_W);
    for (unsigned s = 0; s < cfg.slots[R_4K]; s++) {
        uint64_t f = carve_4k();
        slots[R_4K][s].frame = f;
        write_tag(f, make_tag(R_4K, s, 0));
        l0_4k[s] = leaf(f, PTE_R | PTE_W);
    }
    /* Pools: each writer can hold every frame its slots may need at once, plus slack. */
    for (unsigned w = 0; w < cfg.n_writers; w++) {
        Pool *p = &pools[w];
        unsigned own4k = (cfg.slots[R_4K] + cfg.n_writers - 1) / cfg.n_writers;
        unsigned own2m = (cfg.slots[R_2M] + cfg.n_writers - 1) / cfg.n_writers;
        unsigned own1g = (cfg.slots[R_1G] + cfg.n_writers - 1) / cfg.n_writers;
        unsigned n4k = own4k + own2m + 4, n2m = own2m + own1g + 2;
        if (n4k > POOL_MAX || n2m > 64) {
            smode_panic("too many slots per writer");
        }
        for (unsigned i = 0; i < n4k; i++) {
            p->f4k[p->n4k++] = carve_4k();
        }
        for (unsigned i = 0; i < n2m; i++) {
            p->f2m[p->n2m++] = carve_2m();
        }
    }
    uint64_t top = (uintptr_t)root;
    cfg.satp = TORTURE_ASID << 44 | top >> 12;
    if (cfg.sv48) {
        sv48_root = (uint64_t *)(uintptr_t)carve_4k();
        sv48_root[0] = pointer(root);         /* VAs below 512 GiB: the Sv39 tree below */
        cfg.satp = SATP_MODE_SV48 << 60 | TORTURE_ASID << 44 | (uintptr_t)sv48_root >> 12;
    } else {
        cfg.satp |= SATP_MODE_SV39 << 60;
    }
    if (cfg.bug == BUG_ASID_REUSE) {
        reuse_setup();
    }
    if (cfg.bug == BUG_PT_REUSE) {
        pt_poison_4k = carve_4k();
        pt_poison_2m = carve_2m();
        for (unsigned i = 0; i < 512; i++) {
            write_tag(pt_poison_4k + 8 * i, POISON);
            write_tag(pt_poison_2m + i * SZ_4K, POISON);
        }
    }
    for (unsigned reg = 0; reg < N_REGIONS; reg++) {
        for (unsigned s = 0; s < cfg.slots[reg]; s++) {
            pubs[reg][s].pub = 0;
            pubs[reg][s].pending = 0;
        }
    }
    __asm__ volatile("fence rw, rw" ::: "memory");
}

static void check_satp_mode(void)
{
    uint64_t got;
    __asm__ volatile("csrw satp, %1\n csrr %0, satp\n csrw satp, zero\n sfence.vma"
                     : "=r"(got)
                     : "r"(cfg.satp)
                     : "memory");
    if (got >> 60 != cfg.satp >> 60) {
        smode_panic("satp mode %s not supported by this hart", cfg.sv48 ? "Sv48" : "Sv39");
    }
}

/* ---- the report ------------------------------------------------------------------------ */

static uint64_t us_x100(uint64_t ns)
{
    return (ns + 5) / 10;
}

static const char *fmt_us(char *buf, uint64_t ns)
{
    uint64_t v = us_x100(ns);
    csnprintf(buf, 24, "%lu.%02lu", (unsigned long)(v / 100), (unsigned long)(v % 100));
    return buf;
}

static bool report(uint64_t elapsed_ticks)
{
    HartResult t;
    memset(&t, 0, sizeof(t));
    for (unsigned i = 0; i < cfg.n_harts; i++) {
        HartResult *r = &results[cfg.hart_ids[i]];
        for (unsigned reg = 0; reg < N_REGIONS; reg++) {
            t.checks[reg] += r->checks[reg];
            t.faults[reg] += r->faults[reg];
            for (unsigned o = 0; o < N_OPS; o++) {
                t.ops[reg][o] += r->ops[reg][o];
            }
        }
        for (unsigned v = 0; v < N_VIOLATIONS; v++) {
            t.violations[v] += r->violations[v];
        }
        for (unsigned l = 0; l < REMAP_TEST_LAYOUTS; l++) {
            t.map_checks[l] += r->map_checks[l];
        }
        t.map_torn += r->map_torn;
        for (unsigned k = 0; k < N_FENCE_KINDS; k++) {
            t.fences[k] += r->fences[k];
            t.fence_ticks[k] += r->fence_ticks[k];
            if (r->fence_max[k] > t.fence_max[k]) {
                t.fence_max[k] = r->fence_max[k];
            }
            for (unsigned b = 0; b < 64 * 4; b++) {
                t.fence_hist[k][b] += r->fence_hist[k][b];
            }
        }
    }
    uint64_t secs_x100 = ticks_to_ns(elapsed_ticks) / 10000000ULL;
    cprintf("\ntlbtorture: result after %lu.%02lu s\n", (unsigned long)(secs_x100 / 100),
            (unsigned long)(secs_x100 % 100));
    cprintf("%-6s %10s %12s %10s %8s %8s %8s %8s %8s %8s\n", "region", "checks", "faults",
            "remap", "revoke", "restore", "split", "merge", "in-split", "slots");
    uint64_t checks = 0, changes = 0;
    for (unsigned reg = 0; reg < N_REGIONS; reg++) {
        if (!cfg.region_on[reg]) {
            continue;
        }
        checks += t.checks[reg];
        for (unsigned o = 0; o < N_OPS; o++) {
            changes += t.ops[reg][o];
        }
        cprintf("%-6s %10lu %12lu %10lu %8lu %8lu %8lu %8lu %8lu %8u\n", region_names[reg],
                (unsigned long)t.checks[reg], (unsigned long)t.faults[reg],
                (unsigned long)t.ops[reg][OP_REMAP], (unsigned long)t.ops[reg][OP_REVOKE],
                (unsigned long)t.ops[reg][OP_RESTORE], (unsigned long)t.ops[reg][OP_SPLIT],
                (unsigned long)t.ops[reg][OP_MERGE],
                (unsigned long)t.ops[reg][OP_REMAP_IN_SPLIT], cfg.slots[reg]);
    }
    cprintf("\n%-6s %10s %10s %10s %10s %10s   (remote SBI fence, guest rdtime, us)\n",
            "fence", "count", "mean", "p50", "p99", "max");
    for (unsigned k = 0; k < N_FENCE_KINDS; k++) {
        if (!t.fences[k]) {
            continue;
        }
        uint64_t pct[2] = { 0, 0 };
        const unsigned per_mille[2] = { 500, 990 };
        for (unsigned q = 0; q < 2; q++) {
            uint64_t need = (t.fences[k] * per_mille[q] + 999) / 1000, seen = 0;
            for (unsigned b = 0; b < 64 * 4; b++) {
                seen += t.fence_hist[k][b];
                if (seen >= need) {
                    pct[q] = bucket_upper_ns(b);
                    break;
                }
            }
        }
        uint64_t max_ns = ticks_to_ns(t.fence_max[k]);
        char a[24], b[24], c[24], d[24];
        cprintf("%-6s %10lu %10s %10s %10s %10s\n", fence_names[k], (unsigned long)t.fences[k],
                fmt_us(a, ticks_to_ns(t.fence_ticks[k]) / t.fences[k]),
                fmt_us(b, pct[0] < max_ns ? pct[0] : max_ns),
                fmt_us(c, pct[1] < max_ns ? pct[1] : max_ns), fmt_us(d, max_ns));
    }
    uint64_t map_checks = 0;
    if (cfg.remap) {
        cprintf("\nremap-test: host map changes %lu, checks",
                (unsigned long)(__atomic_load_n(&cfg.remap[REMAP_TEST_REG_GEN / 8],
                                                __ATOMIC_ACQUIRE) / 2));
        for (unsigned l = 0; l < REMAP_TEST_LAYOUTS; l++) {
            cprintf(" %s=%lu", layout_names[l], (unsigned long)t.map_checks[l]);
            map_checks += t.map_checks[l];
        }
        cprintf(", torn by a change %lu\n", (unsigned long)t.map_torn);
    }
    uint64_t bad = 0;
    cprintf("\nviolations:");
    for (unsigned v = 0; v < N_VIOLATIONS; v++) {
        cprintf(" %s=%lu", violation_names[v], (unsigned long)t.violations[v]);
        bad += t.violations[v];
    }
    cprintf("\n");
    for (unsigned i = 0; i < cfg.n_harts; i++) {
        HartResult *r = &results[cfg.hart_ids[i]];
        for (unsigned j = 0; j < r->n_reported; j++) {
            cprintf("  hart %u: %s\n", cfg.hart_ids[i], r->first_violation[j]);
        }
    }
    cprintf("tlbtorture: checks=%lu changes=%lu violations=%lu\n", (unsigned long)checks,
            (unsigned long)changes, (unsigned long)bad);
    return bad == 0 && checks > 0 && changes > 0 && (!cfg.remap || map_checks > 0);
}

void guest_main(unsigned hartid)
{
    (void)hartid;                          /* machine.boot_hart */
    read_config();
    build_tables();
    if (machine.remap_test_base) {
        map_check_setup();
    }
    check_satp_mode();
    cprintf("tlbtorture: %u harts (%u writer%s), %s, seed %lu, ", cfg.n_harts, cfg.n_writers,
            cfg.n_writers == 1 ? "" : "s", cfg.sv48 ? "Sv48" : "Sv39", (unsigned long)cfg.seed);
    if (cfg.run_ms % 1000 == 0) {
        cprintf("%lu s, sizes", (unsigned long)(cfg.run_ms / 1000));
    } else {
        cprintf("%lu ms, sizes", (unsigned long)cfg.run_ms);
    }
    for (unsigned reg = 0; reg < N_REGIONS; reg++) {
        if (cfg.region_on[reg]) {
            cprintf(" %s", region_names[reg]);
        }
    }
    cprintf(", fences");
    for (unsigned k = 0; k < N_FENCE_KINDS; k++) {
        if (cfg.kind_on[k]) {
            cprintf(" %s", fence_names[k]);
        }
    }
    cprintf("%s", cfg.remap ? ", remap-test checks" : "");
    cprintf("%s%s\n", cfg.bug != BUG_NONE ? ", bug=" : "",
            cfg.bug != BUG_NONE ? bug_names[cfg.bug] : "");
    /* The boot hart is index 0; the others start at guest_secondary. Harts beyond harts=N
     * stay stopped. */
    for (unsigned i = 1; i < cfg.n_harts; i++) {
        if (!smode_start_hart(cfg.hart_ids[i], 0)) {
            smode_panic("hart %u did not start", cfg.hart_ids[i]);
        }
    }
    /* The clock starts when every hart is on the page table, so a hart that the host
     * scheduled late still gets the whole run. */
    uint64_t limit = rdtime() + 30 * machine.timebase_hz;
    while (__atomic_load_n(&arrived, __ATOMIC_ACQUIRE) + 1 < cfg.n_harts) {
        if (rdtime() > limit) {
            smode_panic("only %u of %u harts reached the start line within 30 s",
                        __atomic_load_n(&arrived, __ATOMIC_ACQUIRE) + 1, cfg.n_harts);
        }
        cpu_relax();
    }
    uint64_t t0 = rdtime();
    cfg.deadline = t0 + cfg.run_ms * machine.timebase_hz / 1000;
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    run(0);
    /* Everyone stops at the deadline; a hart that does not report within 30 s more is
     * stuck (a fence that never returns, a lost wake-up). */
    limit = cfg.deadline + 30 * machine.timebase_hz;
    for (unsigned i = 0; i < cfg.n_harts; i++) {
        while (!__atomic_load_n(&results[cfg.hart_ids[i]].done, __ATOMIC_ACQUIRE)) {
            if (rdtime() > limit) {
                smode_panic("hart %u did not finish within 30 s of the deadline",
                            cfg.hart_ids[i]);
            }
            cpu_relax();
        }
    }
    __asm__ volatile("csrw satp, zero\n sfence.vma" ::: "memory");
    bool pass = report(rdtime() - t0);
    cprintf("tlbtorture: %s\n", pass ? "PASS" : "FAIL");
    sbi_shutdown(pass);
}
