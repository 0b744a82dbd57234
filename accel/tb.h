/* Translation blocks: creation from guest code, the global TB table (RCU lock-free hash keyed
 * by virtual pc, physical pc and flags), per-vCPU jump caches, direct chaining, invalidation
 * of TBs whose code page was written, and the whole-cache flush when the arena fills.
 * Callers: vCPU threads. Lookups are lock-free under the RCU read lock taken inside; creation,
 * chaining and invalidation serialise on tb_lock (internal). */
#ifndef ACCEL_TB_H
#define ACCEL_TB_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <urcu/rculfhash.h>

#include "cpu/ops.h"

struct RISCVCPU;

#define TB_MAX_INSNS 512
/* The jump cache: 2^TB_JMP_PAGE_BITS page buckets of 2^TB_JMP_ADDR_BITS entries. */
#define TB_JMP_PAGE_BITS 6
#define TB_JMP_ADDR_BITS 9
#define TB_JMP_CACHE_BITS (TB_JMP_PAGE_BITS + TB_JMP_ADDR_BITS)
#define TB_JMP_CACHE_SIZE (1u << TB_JMP_CACHE_BITS)
#define TB_JMP_BUCKET_SIZE (1u << TB_JMP_ADDR_BITS)
/* The page number bits above the bucket's: a bucket's page filter is indexed by them. */
#define TB_JMP_HIGH_SHIFT (12 + TB_JMP_PAGE_BITS)   /* 12: the guest page bits */

/* flags: the translation context a TB was built for: the privilege (bits 0-1), the data
 * mmu_idx (bits 2-3: compiled loads and stores index the TLB with it, and every change of
 * it ends the TB, as a trap, an xRET or an mstatus write does), bit 8 = not cached. */
#define TB_FLAG_DMMU_SHIFT 2
#define TB_FLAG_NOCACHE 0x100

typedef struct TranslationBlock {
    uint64_t pc;                  /* virtual address of the first instruction */
    uint64_t phys_pc;
    uint32_t flags;
    uint16_t n_ops;               /* == number of guest instructions */
    uint16_t size;                /* bytes of guest code covered */
    /* Set once (release) under tb_lock when the code page was written; readers that reach the
     * TB through a jump cache check it (acquire). The TB memory itself stays valid until the
     * next whole-cache flush, which runs with every vCPU outside guest code. */
    _Atomic uint8_t invalid;
    /* Chained successors: slot 0 = taken/jump target, slot 1 = fall-through. Written under
     * tb_lock with release (the target's ops were written before), read with acquire by the
     * executing vCPU. */
    struct TranslationBlock *_Atomic jmp_dest[2];
    uintptr_t jmp_list_next[2];   /* under tb_lock: next incoming edge into jmp_dest[n] */
    uintptr_t jmp_list_head;      /* under tb_lock: first incoming edge (tb | slot) */
    struct TranslationBlock *page_next;  /* under tb_lock: TBs of the same physical page */
    struct cds_lfht_node node;
    uint32_t *insn_bits;          /* raw encodings, for mtval on illegal instructions */
    /* Host code compiled by the JIT (accel/jit.h), or NULL: the interpreter runs this TB.
     * Set before publication, never changed afterwards. */
    const void *jit_code;
    /* Where in jit_code each chain exit's patchable jump keeps its rel32 (0: none), for
     * jit_chain_locked. Set before publication. */
    uint32_t jit_jump_at[2];
    /* A TB whose branch or jump goes back to its own start: where in jit_code that exit's
     * patched jump lands when linked to the TB itself (past the icount check and the
     * register preload; jit_chain_locked), or 0. Set before publication. */
    uint32_t jit_loop_head;
    TBOp ops[];
} TranslationBlock;

/* Any thread, once, before vCPUs start. */
struct AddressSpace;
/* Also installs the code-page record and the invalidation hook in `as`. */
int tb_cache_init(struct AddressSpace *as) __attribute__((warn_unused_result));
/* With no vCPU running. The calling thread must be registered with urcu: the deletions run
 * under the read lock, concurrently with the table's own resize worker. */
void tb_cache_destroy(void);

/* Owner vCPU: the TB to run at cpu->pc in the current context, translating it if needed.
 * Returns NULL after raising an instruction fetch exception (cpu->pc is then the handler),
 * or after a whole-cache flush that took the vCPU out of guest execution: look up again. */
TranslationBlock *tb_lookup(struct RISCVCPU *cpu);
/* Owner vCPU: link src's exit `slot` to dst when that is safe (same guest page, same flags). */
void tb_add_jump(TranslationBlock *src, int slot, TranslationBlock *dst);
/* Any thread: a store reached RAM page `paddr_page` that holds translated code. On return no
 * lookup or chained jump can reach a TB of that page. */
void tb_invalidate_phys_page(uint64_t paddr_page);

/* The bit of pc's page in its bucket's page filter (RISCVCPU.jmp_cache_bucket_pages). */
static inline uint64_t tb_jmp_cache_page_bit(uint64_t pc)
{
    return 1ULL << ((pc >> TB_JMP_HIGH_SHIFT) % 64);
}

static inline unsigned tb_jmp_cache_hash(uint64_t pc)
{
    /* Page-clustered: all TBs of one page share a bucket, so a page flush clears just that
     * bucket. Inside the bucket the whole page offset is folded in: with only the low pc
     * bits, TB starts a bucket's span apart (dense kernel code) kept evicting each other.
     * 256 entries a bucket, not 64: Linux's mprotect path still missed on 47 indirect
     * jumps per call with 64 (return sites of one page colliding), 20 with 256. 512, not
     * 256: stress-ng tlb-shootdown at -smp 2 had 2.4 M misses in 5 s between TBs of one
     * page with 256, 16 K with 512. (Folding the page bits above the bucket's into the slot
     * as well made misses between pages 25 times as frequent, 1.23 M against 49 K.) */
    unsigned addr = (unsigned)((pc >> 1) ^ (pc >> (TB_JMP_ADDR_BITS + 1)));
    return (unsigned)(((pc >> 12) & ((1u << TB_JMP_PAGE_BITS) - 1)) << TB_JMP_ADDR_BITS) |
           (addr & (TB_JMP_BUCKET_SIZE - 1));
}
/* Owner vCPU: the jump cache's TB for (pc, flags), or NULL. Entries are dropped by every TLB
 * flush that could remove the translation they were reached through, so a hit may be run
 * without translating pc again; only the invalidation flag needs checking. */
static inline TranslationBlock *tb_jmp_cache_probe(TranslationBlock *const *jmp_cache,
                                                   uint64_t pc, uint32_t flags)
{
    TranslationBlock *tb = jmp_cache[tb_jmp_cache_hash(pc)];
    if (tb && tb->pc == pc && tb->flags == flags &&
        !atomic_load_explicit(&tb->invalid, memory_order_acquire)) {
        return tb;
    }
    return NULL;
}
/* The hart's TLB (tlb_init), with the jump cache following its flushes. Main thread, before
 * the vCPU starts. Returns 0 or -ENOMEM. */
int tb_tlb_init(struct RISCVCPU *cpu) __attribute__((warn_unused_result));
void tb_jmp_cache_clear(struct RISCVCPU *cpu);
/* After an ASID flush: drop only the entries reached through translations it removed. */
void tb_jmp_cache_clear_nonglobal(struct RISCVCPU *cpu);
void tb_jmp_cache_clear_page(struct RISCVCPU *cpu, uint64_t page);

/* Statistics (relaxed atomics). */
typedef struct TBStats {
    _Atomic uint64_t translated, invalidated, flushes;
} TBStats;
extern TBStats tb_stats;

#endif
