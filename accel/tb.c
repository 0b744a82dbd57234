/* TB cache. Invariants:
 *  - A TB in the hash table is valid (invalid == 0) and its ops are fully written; insertion
 *    (cds_lfht_add, which publishes with release semantics) happens after translation.
 *  - Every TB translated from RAM page P is on page_tbs[P], and CODE_PAGE_TB is set in
 *    code_pages[P] from before its code was read, so a later store to P finds and
 *    invalidates it.
 *  - TB memory comes from one arena and is never freed individually: stale pointers in jump
 *    caches or chains always point to readable TBs whose `invalid` flag tells the truth. The
 *    arena is recycled only in an exclusive section (no vCPU in guest code), after an RCU
 *    grace period, and every vCPU clears its jump cache before it next looks up a TB. */
#include "accel/tb.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <urcu/urcu-memb.h>

#include "accel/interp.h"
#include "accel/jit.h"
#include "cpu/cpu.h"
#include "cpu/tlb_check.h"
#include "cpu/mem_access.h"
#include "mm/address_space.h"
#include "mm/guest_ram.h"
#include "sync/exclusive.h"
#include "util/log.h"
#include "util/tsan.h"

#define TB_ARENA_SIZE (256ULL << 20)

TBStats tb_stats;

static struct {
    pthread_mutex_t lock;           /* tb_lock: creation, page lists, chaining, invalidation */
    struct cds_lfht *ht;
    uint8_t *arena;                 /* under lock */
    size_t arena_used;              /* under lock */
    TranslationBlock **page_tbs;    /* under lock: per RAM page list heads */
    _Atomic uint8_t *code_pages;    /* owned here, shared with the store fast path */
    uint64_t ram_base, n_pages;
    _Atomic unsigned flush_count;   /* bumped in exclusive sections */
} tbc = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct tb_key {
    uint64_t pc, phys_pc;
    uint32_t flags;
};

static unsigned long tb_hash(uint64_t pc, uint64_t phys_pc, uint32_t flags)
{
    uint64_t h = pc * 0x9e3779b97f4a7c15ULL ^ phys_pc * 0xc2b2ae3d27d4eb4fULL ^ flags;
    return (unsigned long)(h ^ (h >> 29));
}

static int tb_match(struct cds_lfht_node *node, const void *key)
{
    const TranslationBlock *tb = caa_container_of(node, TranslationBlock, node);
    const struct tb_key *k = key;
    /* Pairs with the tsan_release before cds_lfht_add: liburcu's publication is invisible to
     * TSan. Every reader of a TB found in the table gets here first. */
    tsan_acquire(tb);
    return tb->pc == k->pc && tb->phys_pc == k->phys_pc && tb->flags == k->flags;
}

int tb_cache_init(AddressSpace *as)
{
    tbc.ht = cds_lfht_new_flavor(1 << 12, 1 << 12, 0, CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING,
                                 &urcu_memb_flavor, NULL);
    tbc.arena = mmap(NULL, TB_ARENA_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    tbc.n_pages = as->ram_size >> RV_PAGE_BITS;
    tbc.ram_base = as->ram_base;
    tbc.page_tbs = calloc(tbc.n_pages, sizeof(*tbc.page_tbs));
    tbc.code_pages = calloc(tbc.n_pages, 1);
    if (!tbc.ht || tbc.arena == MAP_FAILED || !tbc.page_tbs || !tbc.code_pages) {
        tb_cache_destroy();
        return -ENOMEM;
    }
    tbc.arena_used = 0;
    jit_reset_locked();           /* no vCPU runs: nothing executes the old code */
    as->code_pages = tbc.code_pages;
    as->code_page_written = tb_invalidate_phys_page;
    return 0;
}

void tb_cache_destroy(void)
{
    if (tbc.ht) {
        struct cds_lfht_iter it;
        struct cds_lfht_node *node;
        urcu_memb_read_lock();
        cds_lfht_for_each(tbc.ht, &it, node) {
            cds_lfht_del(tbc.ht, node);
        }
        urcu_memb_read_unlock();
        cds_lfht_destroy(tbc.ht, NULL);
        tbc.ht = NULL;
    }
    if (tbc.arena && tbc.arena != MAP_FAILED) {
        munmap(tbc.arena, TB_ARENA_SIZE);
    }
    tbc.arena = NULL;
    free(tbc.page_tbs);
    free((void *)tbc.code_pages);
    tbc.page_tbs = NULL;
    tbc.code_pages = NULL;
}

_Static_assert(sizeof(((RISCVCPU *)0)->jmp_cache) == TB_JMP_CACHE_SIZE * sizeof(void *),
               "RISCVCPU.jmp_cache holds TB_JMP_CACHE_SIZE entries");
_Static_assert(TB_JMP_BUCKET_SIZE % 64 == 0, "a bucket covers whole nonglobal words");
_Static_assert(sizeof(((RISCVCPU *)0)->jmp_cache_bucket_pages) ==
               (TB_JMP_CACHE_SIZE / TB_JMP_BUCKET_SIZE) * sizeof(uint64_t),
               "one page filter per jump-cache bucket");

void tb_jmp_cache_clear(RISCVCPU *cpu)
{
    memset(cpu->jmp_cache, 0, sizeof(cpu->jmp_cache));
    memset(cpu->jmp_cache_nonglobal, 0, sizeof(cpu->jmp_cache_nonglobal));
    memset(cpu->jmp_cache_bucket_pages, 0, sizeof(cpu->jmp_cache_bucket_pages));
}

void tb_jmp_cache_clear_nonglobal(RISCVCPU *cpu)
{
    for (unsigned w = 0; w < TB_JMP_CACHE_SIZE / 64; w++) {
        for (uint64_t bits = cpu->jmp_cache_nonglobal[w]; bits; bits &= bits - 1) {
            cpu->jmp_cache[w * 64 + (unsigned)__builtin_ctzll(bits)] = NULL;
        }
        cpu->jmp_cache_nonglobal[w] = 0;
    }
}

/* The jump cache is keyed by virtual pc: it follows the hart's TLB flushes. */
static void tlb_flushed_all(CPUTLB *tlb)
{
    tb_jmp_cache_clear(tlb->opaque);
}

static void tlb_flushed_nonglobal(CPUTLB *tlb)
{
    tb_jmp_cache_clear_nonglobal(tlb->opaque);
}

static void tlb_flushed_page(CPUTLB *tlb, uint64_t page)
{
    tb_jmp_cache_clear_page(tlb->opaque, page);
}

/* --tlb-check models the table pointers a hart may cache (cpu/tlb_check.h). */
static void tlb_fenced_without_address(CPUTLB *tlb, int32_t asid)
{
    RISCVCPU *cpu = tlb->opaque;
    if (cpu->tlb_check) {
        tlb_check_fence_without_address(cpu, asid);
    }
}

static void tlb_entry_copied(CPUTLB *tlb, unsigned mmu_idx, uint64_t vpage, uint16_t from,
                             uint16_t to)
{
    RISCVCPU *cpu = tlb->opaque;
    if (cpu->tlb_check) {
        tlb_check_entry_copied(cpu, mmu_idx, vpage, from, to);
    }
}

static const CPUTLBOps tb_tlb_ops = {
    .flushed_all = tlb_flushed_all,
    .flushed_nonglobal = tlb_flushed_nonglobal,
    .flushed_page = tlb_flushed_page,
    .fence_i = tlb_flushed_all,
    .fenced_without_address = tlb_fenced_without_address,
    .entry_copied = tlb_entry_copied,
};

int tb_tlb_init(RISCVCPU *cpu)
{
    return tlb_init(&cpu->tlb, CPU(cpu), &tb_tlb_ops, cpu);
}

/* Only the page's own entries go: a page flush is mostly for a data page (Linux fences the
 * page after every page fault it handles), and clearing the whole bucket threw away the code
 * of every page that shares it. stress-ng tlb-shootdown faults in 512 consecutive pages a
 * pass, which swept every bucket eight times: 2.9 M of 5.6 M jump-cache misses in 5 s.
 * The bucket's page filter skips the scan when no TB of the page can be there; a scan
 * rebuilds it from the entries left. A TB never extends past its page (tb_gen_code), so the
 * page of its pc is the only one. */
void tb_jmp_cache_clear_page(RISCVCPU *cpu, uint64_t page)
{
    page &= RV_PAGE_MASK;
    unsigned first = tb_jmp_cache_hash(page) & ~(TB_JMP_BUCKET_SIZE - 1);
    uint64_t *filter = &cpu->jmp_cache_bucket_pages[first / TB_JMP_BUCKET_SIZE];
    if (!(*filter & tb_jmp_cache_page_bit(page))) {
        return;
    }
    TranslationBlock **bucket = &cpu->jmp_cache[first];
    uint64_t left = 0;
    for (unsigned i = 0; i < TB_JMP_BUCKET_SIZE; i++) {
        TranslationBlock *tb = bucket[i];
        if (!tb) {
            continue;
        }
        if ((tb->pc & RV_PAGE_MASK) == page) {
            bucket[i] = NULL;
        } else {
            left |= tb_jmp_cache_page_bit(tb->pc);
        }
    }
    *filter = left;
}

static TranslationBlock *ht_lookup(uint64_t pc, uint64_t phys_pc, uint32_t flags)
{
    struct tb_key key = { pc, phys_pc, flags };
    struct cds_lfht_iter it;
    urcu_memb_read_lock();
    cds_lfht_lookup(tbc.ht, tb_hash(pc, phys_pc, flags), tb_match, &key, &it);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(&it);
    urcu_memb_read_unlock();
    /* Safe after unlock: TB memory is never freed while vCPUs run guest code. */
    return node ? caa_container_of(node, TranslationBlock, node) : NULL;
}

static void *arena_alloc_locked(size_t bytes)
{
    bytes = (bytes + 63) & ~(size_t)63;
    if (tbc.arena_used + bytes > TB_ARENA_SIZE) {
        return NULL;
    }
    void *p = tbc.arena + tbc.arena_used;
    tbc.arena_used += bytes;
    return p;
}

static bool is_ram_page(uint64_t paddr)
{
    return paddr >= tbc.ram_base && ((paddr - tbc.ram_base) >> RV_PAGE_BITS) < tbc.n_pages;
}

/* One 16-bit instruction parcel of guest code. Parcels are 2-byte aligned (pc is always even),
 * and another hart may store to the page while it is translated (cross-modifying code), so
 * each parcel is one relaxed atomic load (mm/guest_ram.h). */
static uint32_t code_parcel(const uint8_t *host_page, unsigned off)
{
    return (uint32_t)guest_ram_load(host_page + off, 2);
}

/* Decode guest code starting at pc into ops/raw. Returns the number of instructions; sets
 * *cross_page if the first instruction straddles the page end.
 * A `jal` to a later address of the same page does not end the TB: it becomes `li` of its
 * link (a `nop` for x0) and decoding goes on at its target, so the TB follows the jump as
 * the guest does. Both backends then run the code after it without an exit, a chain jump
 * and, compiled, a write-back and reload of the cached registers (the if/else of a loop
 * body: compute.py's intloop takes one on every other iteration). Later only: a backward
 * jal would copy a loop body into its own TB. The TB still lies within one page, so the
 * self-modifying-code check of that page covers it; pc_off stays each op's own offset and
 * tb->size the end of the last op. */
static unsigned decode_block(uint64_t pc, const uint8_t *host_page, unsigned max_insns,
                             TBOp *ops, uint32_t *raw, bool *ends_with_jump, bool *cross_page)
{
    unsigned off = (unsigned)(pc & (RV_PAGE_SIZE - 1));
    unsigned n = 0;
    *ends_with_jump = false;
    *cross_page = false;
    while (n < max_insns && off < RV_PAGE_SIZE) {
        uint32_t insn = code_parcel(host_page, off);
        if ((insn & 3) == 3) {
            if (off + 4 > RV_PAGE_SIZE) {
                *cross_page = n == 0;
                break;
            }
            insn |= code_parcel(host_page, off + 2) << 16;
        }
        int ends;
        int len = riscv_decode(insn, pc + (off - (pc & (RV_PAGE_SIZE - 1))), &ops[n], &ends);
        ops[n].pc_off = (uint16_t)(off - (pc & (RV_PAGE_SIZE - 1)));
        raw[n] = insn;
        n++;
        off += (unsigned)len;
        if (ends && tbop_opc(&ops[n - 1]) == OP_JAL && n < max_insns) {
            uint64_t insn_pc = pc + ops[n - 1].pc_off;
            uint64_t target = ops[n - 1].imm;
            if (((target ^ insn_pc) & RV_PAGE_MASK) == 0 &&
                (unsigned)(target & (RV_PAGE_SIZE - 1)) >= off) {
                TBOp *j = &ops[n - 1];
                bool links = j->rd != XREG_ZERO_SINK;
                j->handler = (const void *)(uintptr_t)(links ? OP_LI : OP_NOP);
                j->imm = insn_pc + (uint64_t)len;
                off = (unsigned)(target & (RV_PAGE_SIZE - 1));
                continue;
            }
        }
        if (ends) {
            *ends_with_jump = true;
            break;
        }
    }
    return n;
}

static void tb_flush_exclusive(RISCVCPU *cpu)
{
    cpu_exec_end(CPU(cpu));
    start_exclusive();
    pthread_mutex_lock(&tbc.lock);
    struct cds_lfht_iter it;
    struct cds_lfht_node *node;
    urcu_memb_read_lock();
    cds_lfht_for_each(tbc.ht, &it, node) {
        cds_lfht_del(tbc.ht, node);
    }
    urcu_memb_read_unlock();
    /* Deleted nodes may still be traversed by a reader that started before the deletion. */
    urcu_memb_synchronize_rcu();
    tbc.arena_used = 0;
    jit_reset_locked();
    memset(tbc.page_tbs, 0, tbc.n_pages * sizeof(*tbc.page_tbs));
    for (uint64_t p = 0; p < tbc.n_pages; p++) {
        atomic_fetch_and_explicit(&tbc.code_pages[p], (uint8_t)~CODE_PAGE_TB,
                                  memory_order_relaxed);
    }
    atomic_fetch_add_explicit(&tbc.flush_count, 1, memory_order_release);
    atomic_fetch_add_explicit(&tb_stats.flushes, 1, memory_order_relaxed);
    pthread_mutex_unlock(&tbc.lock);
    end_exclusive();
    cpu_exec_start(CPU(cpu));
    tb_jmp_cache_clear(cpu);
    cpu->tb_flush_seen = atomic_load_explicit(&tbc.flush_count, memory_order_acquire);
    log_mask(LOG_EXEC, "hart %u: translation cache full, flushed\n", cpu->cs.index);
}

/* Room for a TB_FLAG_NOCACHE TB: one instruction and its TB_END. */
typedef union ScratchTB {
    TranslationBlock tb;
    uint8_t space[sizeof(TranslationBlock) + 2 * sizeof(TBOp) + 2 * sizeof(uint32_t)];
} ScratchTB;

/* Translate the TB at (pc, phys_pc, flags). A TB_FLAG_NOCACHE request yields one instruction
 * in *scratch (the caller's, owned by its thread). Returns NULL when the arena is full. */
static TranslationBlock *tb_gen_code_locked(uint64_t pc, uint64_t phys_pc, uint32_t flags,
                                            const uint8_t *host_page, const uint8_t *next_page,
                                            ScratchTB *scratch)
{
    static _Thread_local TBOp ops[TB_MAX_INSNS + 1];
    static _Thread_local uint32_t raw[TB_MAX_INSNS];
    uint64_t page = phys_pc & RV_PAGE_MASK;
    bool on_ram = is_ram_page(page);
    if (on_ram) {
        /* Before reading the code, so a racing store either sees the flag or is read. */
        atomic_fetch_or_explicit(&tbc.code_pages[(page - tbc.ram_base) >> RV_PAGE_BITS],
                                 CODE_PAGE_TB, memory_order_seq_cst);
    }

    bool ends_with_jump, cross_page;
    unsigned max_insns = flags & TB_FLAG_NOCACHE ? 1 : TB_MAX_INSNS;
    unsigned n = decode_block(pc, host_page, max_insns, ops, raw, &ends_with_jump, &cross_page);
    if (cross_page) {
        /* One instruction whose second half lies on the next page: never cached. */
        unsigned off = (unsigned)(pc & (RV_PAGE_SIZE - 1));
        uint32_t insn = code_parcel(host_page, off) | code_parcel(next_page, 0) << 16;
        int ends;
        riscv_decode(insn, pc, &ops[0], &ends);
        ops[0].pc_off = 0;
        raw[0] = insn;
        n = 1;
        ends_with_jump = ends != 0;
        flags |= TB_FLAG_NOCACHE;
    }
    unsigned n_ops = n;
    if (!ends_with_jump) {
        memset(&ops[n_ops], 0, sizeof(TBOp));
        ops[n_ops].handler = (const void *)(uintptr_t)OP_TB_END;
        n_ops++;
    }
    size_t bytes = sizeof(TranslationBlock) + n_ops * sizeof(TBOp) + n * sizeof(uint32_t);
    TranslationBlock *tb;
    if (flags & TB_FLAG_NOCACHE) {
        tb = &scratch->tb;
    } else {
        tb = arena_alloc_locked(bytes);
        if (!tb) {
            return NULL;
        }
    }
    memset(tb, 0, sizeof(*tb));
    tb->pc = pc;
    tb->phys_pc = phys_pc;
    tb->flags = flags;
    tb->n_ops = (uint16_t)n;
    uint64_t last_end = pc + ops[n - 1].pc_off + ops[n - 1].len;
    tb->size = (uint16_t)(last_end - pc);
    memcpy(tb->ops, ops, n_ops * sizeof(TBOp));
    tb->insn_bits = (uint32_t *)(void *)&tb->ops[n_ops];
    memcpy(tb->insn_bits, raw, n * sizeof(uint32_t));
    if (!jit_compile_locked(tb, tb->ops, n_ops)) {
        return NULL;              /* code buffer full: flush as for a full arena */
    }
    interp_finalize(tb->ops, n_ops);
    atomic_fetch_add_explicit(&tb_stats.translated, 1, memory_order_relaxed);

    if (log_enabled(LOG_IN_ASM)) {
        log_mask(LOG_IN_ASM, "TB pc=0x%llx phys=0x%llx flags=0x%x insns=%u\n",
                 (unsigned long long)pc, (unsigned long long)phys_pc, flags, n);
        for (unsigned i = 0; i < n; i++) {
            log_mask(LOG_IN_ASM, "  0x%llx: %08x %s\n", (unsigned long long)(pc + ops[i].pc_off),
                     raw[i], riscv_op_name((enum riscv_op)(uintptr_t)ops[i].handler));
        }
    }
    if (flags & TB_FLAG_NOCACHE) {
        return tb;
    }
    if (on_ram) {
        uint64_t idx = (page - tbc.ram_base) >> RV_PAGE_BITS;
        tb->page_next = tbc.page_tbs[idx];
        tbc.page_tbs[idx] = tb;
    }
    tsan_release(tb);
    urcu_memb_read_lock();
    cds_lfht_add(tbc.ht, tb_hash(pc, phys_pc, flags), &tb->node);
    urcu_memb_read_unlock();
    return tb;
}

/* This vCPU thread's recently run instructions that straddle a page end. Their TB depends on
 * two translations, so it is never in the hash table or a jump cache (TB_FLAG_NOCACHE); one
 * is re-used while pc, flags and the instruction bits, read again through both pages'
 * current translations, are the same (same bits at the same pc decode the same), so a hot
 * one is not translated again on every run: under Linux 6.1 one in a hot function ran 14
 * times per mprotect, each a decode under tb_lock. */
#define CROSS_PAGE_TBS 8
static _Thread_local ScratchTB cross_page_tbs[CROSS_PAGE_TBS];
/* For the other uncached TBs (execute permission finer than a page). */
static _Thread_local ScratchTB single_insn_tb;

TranslationBlock *tb_lookup(RISCVCPU *cpu)
{
    uint64_t pc = cpu->pc;
    uint32_t flags = cpu->priv | (uint32_t)cpu->data_mmu_idx << TB_FLAG_DMMU_SHIFT;
    unsigned h = tb_jmp_cache_hash(pc);

    unsigned flush_count = atomic_load_explicit(&tbc.flush_count, memory_order_acquire);
    if (cpu->tb_flush_seen != flush_count) {
        tb_jmp_cache_clear(cpu);
        cpu->tb_flush_seen = flush_count;
    }
    TranslationBlock *tb = tb_jmp_cache_probe(cpu->jmp_cache, pc, flags);
    if (tb) {
        return tb;
    }

    uint64_t phys_pc;
    const uint8_t *host_page;
    bool single_insn;
    int exc = tlb_translate_code(cpu, pc, &phys_pc, &host_page, &single_insn);
    if (exc) {
        riscv_raise_exception(cpu, (enum riscv_exception)exc, pc);
        return NULL;
    }
    unsigned off = (unsigned)(pc & (RV_PAGE_SIZE - 1));
    bool cross_page = off == RV_PAGE_SIZE - 2 && (code_parcel(host_page, off) & 3) == 3;
    tb = single_insn || cross_page ? NULL : ht_lookup(pc, phys_pc, flags);
    if (!tb) {
        const uint8_t *next_page = NULL;
        ScratchTB *scratch = &single_insn_tb;
        if (cross_page) {
            uint64_t next_phys;
            bool next_single;
            exc = tlb_translate_code(cpu, pc + 2, &next_phys, &next_page, &next_single);
            if (exc) {
                riscv_raise_exception(cpu, (enum riscv_exception)exc, pc + 2);
                return NULL;
            }
            /* The first page's entry may have been evicted by the second fill. */
            exc = tlb_translate_code(cpu, pc, &phys_pc, &host_page, &single_insn);
            if (exc) {
                riscv_raise_exception(cpu, (enum riscv_exception)exc, pc);
                return NULL;
            }
            scratch = &cross_page_tbs[(pc >> RV_PAGE_BITS) % CROSS_PAGE_TBS];
            uint32_t insn = code_parcel(host_page, off) | code_parcel(next_page, 0) << 16;
            TranslationBlock *cached = &scratch->tb;
            if (cached->pc == pc && cached->flags == (flags | TB_FLAG_NOCACHE) &&
                cached->n_ops == 1 && cached->insn_bits[0] == insn) {
                return cached;
            }
        }
        uint32_t gen_flags = single_insn || next_page ? flags | TB_FLAG_NOCACHE : flags;
        for (;;) {
            pthread_mutex_lock(&tbc.lock);
            tb = gen_flags & TB_FLAG_NOCACHE ? NULL : ht_lookup(pc, phys_pc, flags);
            if (!tb) {
                tb = tb_gen_code_locked(pc, phys_pc, gen_flags, host_page, next_page,
                                        scratch);
            }
            pthread_mutex_unlock(&tbc.lock);
            if (tb) {
                break;
            }
            /* The vCPU left guest execution for the flush: flushes of its TLB may have been
             * applied on re-entry, so translate again from the loop rather than use phys_pc. */
            tb_flush_exclusive(cpu);
            return NULL;
        }
        if (tb->flags & TB_FLAG_NOCACHE) {
            return tb;
        }
    }
    cpu->jmp_cache[h] = tb;
    cpu->jmp_cache_bucket_pages[h / TB_JMP_BUCKET_SIZE] |= tb_jmp_cache_page_bit(pc);
    uint64_t bit = 1ULL << (h % 64);
    if (tlb_code_page_survives_asid_flush(&cpu->tlb, cpu->code_mmu_idx, pc)) {
        cpu->jmp_cache_nonglobal[h / 64] &= ~bit;
    } else {
        cpu->jmp_cache_nonglobal[h / 64] |= bit;
    }
    return tb;
}

void tb_add_jump(TranslationBlock *src, int slot, TranslationBlock *dst)
{
    if (((src->flags | dst->flags) & TB_FLAG_NOCACHE) || src->flags != dst->flags ||
        ((src->pc ^ dst->pc) & RV_PAGE_MASK)) {
        return;
    }
    pthread_mutex_lock(&tbc.lock);
    if (!atomic_load_explicit(&src->invalid, memory_order_relaxed) &&
        !atomic_load_explicit(&dst->invalid, memory_order_relaxed) &&
        !atomic_load_explicit(&src->jmp_dest[slot], memory_order_relaxed)) {
        src->jmp_list_next[slot] = dst->jmp_list_head;
        dst->jmp_list_head = (uintptr_t)src | (uintptr_t)slot;
        /* Release: pairs with the interpreter's acquire load of jmp_dest. */
        atomic_store_explicit(&src->jmp_dest[slot], dst, memory_order_release);
        jit_chain_locked(src, slot, dst);
    }
    pthread_mutex_unlock(&tbc.lock);
}

void tb_invalidate_phys_page(uint64_t paddr_page)
{
    if (!is_ram_page(paddr_page)) {
        return;
    }
    uint64_t idx = (paddr_page - tbc.ram_base) >> RV_PAGE_BITS;
    pthread_mutex_lock(&tbc.lock);
    atomic_fetch_and_explicit(&tbc.code_pages[idx], (uint8_t)~CODE_PAGE_TB, memory_order_relaxed);
    urcu_memb_read_lock();
    for (TranslationBlock *tb = tbc.page_tbs[idx]; tb; tb = tb->page_next) {
        atomic_store_explicit(&tb->invalid, 1, memory_order_release);
        cds_lfht_del(tbc.ht, &tb->node);
        for (uintptr_t e = tb->jmp_list_head; e; ) {
            TranslationBlock *src = (TranslationBlock *)(e & ~(uintptr_t)1);
            int slot = (int)(e & 1);
            atomic_store_explicit(&src->jmp_dest[slot], NULL, memory_order_relaxed);
            jit_chain_locked(src, slot, NULL);
            e = src->jmp_list_next[slot];
        }
        tb->jmp_list_head = 0;
        atomic_fetch_add_explicit(&tb_stats.invalidated, 1, memory_order_relaxed);
    }
    urcu_memb_read_unlock();
    tbc.page_tbs[idx] = NULL;
    pthread_mutex_unlock(&tbc.lock);
}
