/* Threaded interpreter. Each op's handler field holds the address of its label in
 * interp_exec (GCC labels-as-values), so dispatch is one indirect jump per guest instruction
 * with no decoding. Guest integer registers live in cpu->x; x[0] is never written because the
 * decoder redirects writes to x0 to the sink slot x[32].
 *
 * Exits: control-transfer ops end a TB and follow the chained successor when there is one,
 * re-checking icount_decr at every TB entry; anything that changes translation state (CSR
 * writes that say so, xRET, fences, traps) returns to the cpu_exec loop. instret is added per
 * TB on exit (n_ops) or per op on early exits, so the hot path does no counting. */
#include "accel/interp.h"

#include <stdlib.h>
#include <string.h>

#include "cpu/fp_exec.h"
#include "cpu/fpu.h"
#include "cpu/mem_access.h"
#include "cpu/tlb_check.h"
#include "mm/guest_ram.h"
#include "mm/tlb.h"
#include "util/compiler.h"


static const void *const *handler_table;

static inline uint64_t sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

static inline uint64_t rotl64(uint64_t v, unsigned s)
{
    s &= 63;
    return (v << s) | (v >> ((64 - s) & 63));
}

static inline uint32_t rotl32(uint32_t v, unsigned s)
{
    s &= 31;
    return (v << s) | (v >> ((32 - s) & 31));
}

static inline uint64_t orc_b(uint64_t v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < 8; i++) {
        if ((v >> (8 * i)) & 0xff) {
            r |= 0xffULL << (8 * i);
        }
    }
    return r;
}

static inline uint64_t mulh(int64_t a, int64_t b)
{
    return (uint64_t)(((__int128)a * b) >> 64);
}

static inline uint64_t mulhu(uint64_t a, uint64_t b)
{
    return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

static inline uint64_t mulhsu(int64_t a, uint64_t b)
{
    return (uint64_t)(((__int128)a * (__int128)b) >> 64);
}

static inline uint64_t div_s(int64_t a, int64_t b)
{
    if (b == 0) {
        return ~0ULL;
    }
    if (a == INT64_MIN && b == -1) {
        return (uint64_t)a;
    }
    return (uint64_t)(a / b);
}

static inline uint64_t rem_s(int64_t a, int64_t b)
{
    if (b == 0) {
        return (uint64_t)a;
    }
    if (a == INT64_MIN && b == -1) {
        return 0;
    }
    return (uint64_t)(a % b);
}

static inline uint64_t divw_s(int32_t a, int32_t b)
{
    if (b == 0) {
        return ~0ULL;
    }
    if (a == INT32_MIN && b == -1) {
        return sext32((uint32_t)a);
    }
    return sext32((uint32_t)(a / b));
}

static inline uint64_t remw_s(int32_t a, int32_t b)
{
    if (b == 0) {
        return sext32((uint32_t)a);
    }
    if (a == INT32_MIN && b == -1) {
        return 0;
    }
    return sext32((uint32_t)(a % b));
}

/* ---- memory fast paths: one tag compare, then a host access ---- */

static inline __attribute__((always_inline)) bool load_fast(RISCVCPU *cpu, uint64_t va,
                                                            unsigned size, bool sign,
                                                            uint64_t *out)
{
    const CPUTLBEntry *e = tlb_entry(&cpu->tlb, cpu->data_mmu_idx, va);
    if (unlikely(!tlb_fast_hit(e->addr_read, va, size))) {
        return false;
    }
    /* The tag compare checked alignment, so this is one single-copy atomic access. */
    uint64_t v = guest_ram_load((const void *)(uintptr_t)(va + e->addend), size);
    switch (size) {
    case 1: *out = sign ? (uint64_t)(int8_t)v : v; break;
    case 2: *out = sign ? (uint64_t)(int16_t)v : v; break;
    case 4: *out = sign ? (uint64_t)(int32_t)v : v; break;
    default: *out = v; break;
    }
    return true;
}

static inline __attribute__((always_inline)) bool store_fast(RISCVCPU *cpu, uint64_t va,
                                                             unsigned size, uint64_t val,
                                                             uint64_t pc)
{
    const CPUTLBEntry *e = tlb_entry(&cpu->tlb, cpu->data_mmu_idx, va);
    if (unlikely(!tlb_fast_hit(e->addr_write, va, size))) {
        return false;
    }
    uint8_t *h = (uint8_t *)(uintptr_t)(va + e->addend);
    guest_ram_store(h, size, val);
    /* Self-modifying code: a page that holds TBs is flagged; invalidate after the store so a
     * retranslation reads the new bytes. Writable fast-path entries always map RAM. */
    if (unlikely(atomic_load_explicit(&cpu->code_pages[(size_t)(h - cpu->ram_host) >> 12],
                                      memory_order_relaxed))) {
        cpu->pc = pc;                 /* --tlb-check names the storing instruction */
        tlb_notify_code_write(cpu, h, size);
    }
    return true;
}

static inline void *atomic_host(RISCVCPU *cpu, uint64_t va, unsigned size,
                                enum mmu_access access)
{
    const CPUTLBEntry *e = tlb_entry(&cpu->tlb, cpu->data_mmu_idx, va);
    if (likely(tlb_fast_hit(tlb_entry_tag(e, access), va, size))) {
        return (void *)(uintptr_t)(va + e->addend);
    }
    return tlb_atomic_host(cpu, va, size, cpu->data_mmu_idx, access);
}

static inline void amo_notify(RISCVCPU *cpu, void *h, unsigned size, uint64_t pc)
{
    uint8_t *p = h;
    if (unlikely(atomic_load_explicit(&cpu->code_pages[(size_t)(p - cpu->ram_host) >> 12],
                                      memory_order_relaxed))) {
        cpu->pc = pc;
        tlb_notify_code_write(cpu, p, size);
    }
}

void interp_init(void)
{
    interp_exec(NULL, NULL, 0, false);
}

void interp_finalize(TBOp *ops, unsigned count)
{
    for (unsigned i = 0; i < count; i++) {
        ops[i].handler = handler_table[tbop_opc(&ops[i])];
    }
}

enum cpu_exit_reason interp_exec(RISCVCPU *cpu, TranslationBlock *tb, unsigned start_op,
                                 bool run_first)
{
    /* Every op of cpu/ops.def needs its label L_<NAME> below: a missing one fails the build. */
    static const void *const labels[OP_COUNT] = {
#define DEF_OP(name, mnemonic, flags) [OP_##name] = &&L_##name,
#include "cpu/ops.def"
#undef DEF_OP
    };

    if (!cpu) {
        handler_table = labels;
        return EXIT_LOOKUP;
    }

    uint64_t *const x = cpu->x;
    uint64_t *const f = cpu->f;
    const TBOp *op;
    uint64_t target;
    int slot;
    uint64_t v;
    void *h;
    enum riscv_exception cause;
    uint64_t tval;

/* Local shorthands for operand access; each handler is written out in full below. */
#define NEXT() do { op++; goto *op->handler; } while (0)
#define RD x[op->rd]
#define RS1 x[op->rs1]
#define RS2 x[op->rs2]
#define IMM op->imm
#define PC_OF_OP() (tb->pc + op->pc_off)
#define SYNC_PC() (cpu->pc = PC_OF_OP())
#define FP_ON() do { if (unlikely(!riscv_fpu_enabled(cpu))) goto illegal_insn; } while (0)

    if (start_op) {
        op = tb->ops + start_op;    /* the JIT did ops 0..start_op-1 */
        goto *op->handler;
    }
    if (run_first) {
        goto tb_run;
    }
tb_entry:
    if (unlikely(atomic_load_explicit(&cpu->cs.icount_decr, memory_order_relaxed) < 0)) {
        cpu->pc = tb->pc;
        return EXIT_REQUEST;
    }
    if (tb->jit_code) {
        cpu->resume_tb = tb;
        return EXIT_JIT;
    }
tb_run:
    op = tb->ops;
    goto *op->handler;

L_NOP: NEXT();
L_FENCE:
    /* Guest accesses are relaxed host accesses (mm/guest_ram.h); on x86-64 only a later load
     * can overtake an earlier store, so only fences that forbid that need a host barrier. */
    if (fence_orders_store_load(IMM)) {
        atomic_thread_fence(memory_order_seq_cst);
    }
    NEXT();
L_LI: RD = IMM; NEXT();
L_ADD: RD = RS1 + RS2; NEXT();
L_SUB: RD = RS1 - RS2; NEXT();
L_SLL: RD = RS1 << (RS2 & 63); NEXT();
L_SLT: RD = (int64_t)RS1 < (int64_t)RS2; NEXT();
L_SLTU: RD = RS1 < RS2; NEXT();
L_XOR: RD = RS1 ^ RS2; NEXT();
L_SRL: RD = RS1 >> (RS2 & 63); NEXT();
L_SRA: RD = (uint64_t)((int64_t)RS1 >> (RS2 & 63)); NEXT();
L_OR: RD = RS1 | RS2; NEXT();
L_AND: RD = RS1 & RS2; NEXT();
L_ADDW: RD = sext32(RS1 + RS2); NEXT();
L_SUBW: RD = sext32(RS1 - RS2); NEXT();
L_SLLW: RD = sext32((uint32_t)RS1 << (RS2 & 31)); NEXT();
L_SRLW: RD = sext32((uint32_t)RS1 >> (RS2 & 31)); NEXT();
L_SRAW: RD = sext32((uint32_t)((int32_t)RS1 >> (RS2 & 31))); NEXT();
L_ADDI: RD = RS1 + IMM; NEXT();
L_SLTI: RD = (int64_t)RS1 < (int64_t)IMM; NEXT();
L_SLTIU: RD = RS1 < IMM; NEXT();
L_XORI: RD = RS1 ^ IMM; NEXT();
L_ORI: RD = RS1 | IMM; NEXT();
L_ANDI: RD = RS1 & IMM; NEXT();
L_SLLI: RD = RS1 << IMM; NEXT();
L_SRLI: RD = RS1 >> IMM; NEXT();
L_SRAI: RD = (uint64_t)((int64_t)RS1 >> IMM); NEXT();
L_ADDIW: RD = sext32(RS1 + IMM); NEXT();
L_SLLIW: RD = sext32((uint32_t)RS1 << IMM); NEXT();
L_SRLIW: RD = sext32((uint32_t)RS1 >> IMM); NEXT();
L_SRAIW: RD = sext32((uint32_t)((int32_t)RS1 >> IMM)); NEXT();
L_MUL: RD = RS1 * RS2; NEXT();
L_MULH: RD = mulh((int64_t)RS1, (int64_t)RS2); NEXT();
L_MULHSU: RD = mulhsu((int64_t)RS1, RS2); NEXT();
L_MULHU: RD = mulhu(RS1, RS2); NEXT();
L_DIV: RD = div_s((int64_t)RS1, (int64_t)RS2); NEXT();
L_DIVU: RD = RS2 ? RS1 / RS2 : ~0ULL; NEXT();
L_REM: RD = rem_s((int64_t)RS1, (int64_t)RS2); NEXT();
L_REMU: RD = RS2 ? RS1 % RS2 : RS1; NEXT();
L_MULW: RD = sext32(RS1 * RS2); NEXT();
L_DIVW: RD = divw_s((int32_t)RS1, (int32_t)RS2); NEXT();
L_DIVUW: RD = (uint32_t)RS2 ? sext32((uint32_t)RS1 / (uint32_t)RS2) : ~0ULL; NEXT();
L_REMW: RD = remw_s((int32_t)RS1, (int32_t)RS2); NEXT();
L_REMUW: RD = sext32((uint32_t)RS2 ? (uint32_t)RS1 % (uint32_t)RS2 : (uint32_t)RS1); NEXT();
L_SH1ADD: RD = (RS1 << 1) + RS2; NEXT();
L_SH2ADD: RD = (RS1 << 2) + RS2; NEXT();
L_SH3ADD: RD = (RS1 << 3) + RS2; NEXT();
L_ADD_UW: RD = (uint64_t)(uint32_t)RS1 + RS2; NEXT();
L_SH1ADD_UW: RD = ((uint64_t)(uint32_t)RS1 << 1) + RS2; NEXT();
L_SH2ADD_UW: RD = ((uint64_t)(uint32_t)RS1 << 2) + RS2; NEXT();
L_SH3ADD_UW: RD = ((uint64_t)(uint32_t)RS1 << 3) + RS2; NEXT();
L_SLLI_UW: RD = (uint64_t)(uint32_t)RS1 << IMM; NEXT();
L_ANDN: RD = RS1 & ~RS2; NEXT();
L_ORN: RD = RS1 | ~RS2; NEXT();
L_XNOR: RD = ~(RS1 ^ RS2); NEXT();
L_CLZ: RD = RS1 ? (uint64_t)__builtin_clzll(RS1) : 64; NEXT();
L_CLZW: RD = (uint32_t)RS1 ? (uint64_t)__builtin_clz((uint32_t)RS1) : 32; NEXT();
L_CTZ: RD = RS1 ? (uint64_t)__builtin_ctzll(RS1) : 64; NEXT();
L_CTZW: RD = (uint32_t)RS1 ? (uint64_t)__builtin_ctz((uint32_t)RS1) : 32; NEXT();
L_CPOP: RD = (uint64_t)__builtin_popcountll(RS1); NEXT();
L_CPOPW: RD = (uint64_t)__builtin_popcount((uint32_t)RS1); NEXT();
L_MAX: RD = (int64_t)RS1 > (int64_t)RS2 ? RS1 : RS2; NEXT();
L_MAXU: RD = RS1 > RS2 ? RS1 : RS2; NEXT();
L_MIN: RD = (int64_t)RS1 < (int64_t)RS2 ? RS1 : RS2; NEXT();
L_MINU: RD = RS1 < RS2 ? RS1 : RS2; NEXT();
L_SEXT_B: RD = (uint64_t)(int8_t)RS1; NEXT();
L_SEXT_H: RD = (uint64_t)(int16_t)RS1; NEXT();
L_ZEXT_H: RD = (uint16_t)RS1; NEXT();
L_ROL: RD = rotl64(RS1, (unsigned)RS2); NEXT();
L_ROLW: RD = sext32(rotl32((uint32_t)RS1, (unsigned)RS2)); NEXT();
L_ROR: RD = rotl64(RS1, 64 - (unsigned)(RS2 & 63)); NEXT();
L_RORW: RD = sext32(rotl32((uint32_t)RS1, 32 - (unsigned)(RS2 & 31))); NEXT();
L_RORI: RD = rotl64(RS1, 64 - (unsigned)IMM); NEXT();
L_RORIW: RD = sext32(rotl32((uint32_t)RS1, 32 - (unsigned)IMM)); NEXT();
L_ORC_B: RD = orc_b(RS1); NEXT();
L_REV8: RD = __builtin_bswap64(RS1); NEXT();
L_BCLR: RD = RS1 & ~(1ULL << (RS2 & 63)); NEXT();
L_BCLRI: RD = RS1 & ~(1ULL << IMM); NEXT();
L_BEXT: RD = (RS1 >> (RS2 & 63)) & 1; NEXT();
L_BEXTI: RD = (RS1 >> IMM) & 1; NEXT();
L_BINV: RD = RS1 ^ (1ULL << (RS2 & 63)); NEXT();
L_BINVI: RD = RS1 ^ (1ULL << IMM); NEXT();
L_BSET: RD = RS1 | (1ULL << (RS2 & 63)); NEXT();
L_BSETI: RD = RS1 | (1ULL << IMM); NEXT();

    /* ---- control transfer ---- */
L_JAL:
    RD = PC_OF_OP() + op->len;
    target = IMM;
    slot = 0;
    goto chain;
L_BEQ: if (RS1 == RS2) goto taken; goto not_taken;
L_BNE: if (RS1 != RS2) goto taken; goto not_taken;
L_BLT: if ((int64_t)RS1 < (int64_t)RS2) goto taken; goto not_taken;
L_BGE: if ((int64_t)RS1 >= (int64_t)RS2) goto taken; goto not_taken;
L_BLTU: if (RS1 < RS2) goto taken; goto not_taken;
L_BGEU: if (RS1 >= RS2) goto taken; goto not_taken;
taken:
    target = IMM;
    slot = 0;
    goto chain;
not_taken:
L_TB_END:
    target = tb->pc + tb->size;
    slot = 1;
chain:
    cpu_instret_add(cpu, tb->n_ops);
    {
        /* Acquire: pairs with the release in tb_add_jump, so the successor's ops are seen. */
        TranslationBlock *next = atomic_load_explicit(&tb->jmp_dest[slot],
                                                      memory_order_acquire);
        if (likely(next != NULL)) {
            tb = next;
            goto tb_entry;
        }
    }
    if ((tb->pc ^ target) & RV_PAGE_MASK) {
        /* Another page: never linked (its translation may change), but the jump cache
         * holds only TBs still reachable through the current translation, so a hit
         * continues without leaving the interpreter. Kernel calls across pages were
         * three in four of all exits to the cpu_exec loop. */
        TranslationBlock *next = tb_jmp_cache_probe(cpu->jmp_cache, target, tb->flags);
        if (next) {
            tb = next;
            goto tb_entry;
        }
    }
    cpu->pc = target;
    cpu->last_tb = tb;
    cpu->last_slot = slot;
    return EXIT_NOCHAIN;
L_JALR:
    target = (RS1 + IMM) & ~1ULL;
    RD = PC_OF_OP() + op->len;
    cpu_instret_add(cpu, tb->n_ops);
    {
        /* Indirect jump: try the jump cache without leaving the interpreter; the flags
         * compare keeps the privilege level right. */
        TranslationBlock *next = tb_jmp_cache_probe(cpu->jmp_cache, target, tb->flags);
        if (next) {
            tb = next;
            goto tb_entry;
        }
    }
    cpu->pc = target;
    return EXIT_LOOKUP;

    /* ---- loads and stores ---- */
#define LOAD_OP(label, size, sign)                                                  \
label:                                                                              \
    if (unlikely(!load_fast(cpu, RS1 + IMM, size, sign, &v))) {                     \
        SYNC_PC();                                                                  \
        if (!tlb_load_slow(cpu, RS1 + IMM, size, cpu->data_mmu_idx, sign, &v)) {    \
            goto exc_raised;                                                        \
        }                                                                           \
    }                                                                               \
    RD = v;                                                                         \
    NEXT();
    LOAD_OP(L_LB, 1, true)
    LOAD_OP(L_LH, 2, true)
    LOAD_OP(L_LW, 4, true)
    LOAD_OP(L_LD, 8, false)
    LOAD_OP(L_LBU, 1, false)
    LOAD_OP(L_LHU, 2, false)
    LOAD_OP(L_LWU, 4, false)
#define STORE_OP(label, size, value)                                                \
label:                                                                              \
    if (unlikely(!store_fast(cpu, RS1 + IMM, size, value, PC_OF_OP()))) {           \
        SYNC_PC();                                                                  \
        if (!tlb_store_slow(cpu, RS1 + IMM, size, cpu->data_mmu_idx, value)) {      \
            goto exc_raised;                                                        \
        }                                                                           \
    }                                                                               \
    NEXT();
    STORE_OP(L_SB, 1, RS2)
    STORE_OP(L_SH, 2, RS2)
    STORE_OP(L_SW, 4, RS2)
    STORE_OP(L_SD, 8, RS2)
L_FLW:
    FP_ON();
    if (unlikely(!load_fast(cpu, RS1 + IMM, 4, false, &v))) {
        SYNC_PC();
        if (!tlb_load_slow(cpu, RS1 + IMM, 4, cpu->data_mmu_idx, false, &v)) {
            goto exc_raised;
        }
    }
    f[op->rd] = fpu_box_s((uint32_t)v);
    riscv_fpu_mark_dirty(cpu);
    NEXT();
L_FLD:
    FP_ON();
    if (unlikely(!load_fast(cpu, RS1 + IMM, 8, false, &v))) {
        SYNC_PC();
        if (!tlb_load_slow(cpu, RS1 + IMM, 8, cpu->data_mmu_idx, false, &v)) {
            goto exc_raised;
        }
    }
    f[op->rd] = v;
    riscv_fpu_mark_dirty(cpu);
    NEXT();
L_FSW:
    FP_ON();
    if (unlikely(!store_fast(cpu, RS1 + IMM, 4, f[op->rs2], PC_OF_OP()))) {
        SYNC_PC();
        if (!tlb_store_slow(cpu, RS1 + IMM, 4, cpu->data_mmu_idx, f[op->rs2])) {
            goto exc_raised;
        }
    }
    NEXT();
L_FSD:
    FP_ON();
    if (unlikely(!store_fast(cpu, RS1 + IMM, 8, f[op->rs2], PC_OF_OP()))) {
        SYNC_PC();
        if (!tlb_store_slow(cpu, RS1 + IMM, 8, cpu->data_mmu_idx, f[op->rs2])) {
            goto exc_raised;
        }
    }
    NEXT();

    /* ---- A: host atomics on guest RAM. SC succeeds if the reserved address still holds
     * the value LR read (compare-and-swap); a store of the same value in between goes
     * unnoticed (ABA), which is the documented limitation of this scheme. ---- */
L_LR_W:
    SYNC_PC();
    h = atomic_host(cpu, RS1, 4, ACCESS_LOAD);
    if (!h) {
        goto exc_raised;
    }
    cpu->load_res = RS1;
    cpu->load_val = atomic_load_explicit((_Atomic uint32_t *)h, memory_order_seq_cst);
    RD = sext32(cpu->load_val);
    NEXT();
L_LR_D:
    SYNC_PC();
    h = atomic_host(cpu, RS1, 8, ACCESS_LOAD);
    if (!h) {
        goto exc_raised;
    }
    cpu->load_res = RS1;
    cpu->load_val = atomic_load_explicit((_Atomic uint64_t *)h, memory_order_seq_cst);
    RD = cpu->load_val;
    NEXT();
L_SC_W:
    SYNC_PC();
    if (cpu->load_res != RS1 && !(RS1 & 3)) {   /* misaligned: atomic_host traps */
        cpu->load_res = ~0ULL;
        RD = 1;
        NEXT();
    }
    h = atomic_host(cpu, RS1, 4, ACCESS_STORE);
    if (!h) {
        goto exc_raised;
    }
    cpu->load_res = ~0ULL;
    {
        uint32_t expected = (uint32_t)cpu->load_val;
        RD = !atomic_compare_exchange_strong_explicit((_Atomic uint32_t *)h, &expected,
                                                      (uint32_t)RS2, memory_order_seq_cst,
                                                      memory_order_seq_cst);
    }
    amo_notify(cpu, h, 4, PC_OF_OP());
    NEXT();
L_SC_D:
    SYNC_PC();
    if (cpu->load_res != RS1 && !(RS1 & 7)) {   /* misaligned: atomic_host traps */
        cpu->load_res = ~0ULL;
        RD = 1;
        NEXT();
    }
    h = atomic_host(cpu, RS1, 8, ACCESS_STORE);
    if (!h) {
        goto exc_raised;
    }
    cpu->load_res = ~0ULL;
    {
        uint64_t expected = cpu->load_val;
        RD = !atomic_compare_exchange_strong_explicit((_Atomic uint64_t *)h, &expected, RS2,
                                                      memory_order_seq_cst,
                                                      memory_order_seq_cst);
    }
    amo_notify(cpu, h, 8, PC_OF_OP());
    NEXT();
#define AMO_FETCH_OP(label, type, size, fetch_op, result)                            \
label:                                                                               \
    SYNC_PC();                                                                       \
    h = atomic_host(cpu, RS1, size, ACCESS_STORE);                                   \
    if (!h) {                                                                        \
        goto exc_raised;                                                             \
    }                                                                                \
    v = fetch_op((_Atomic type *)h, (type)RS2, memory_order_seq_cst);               \
    amo_notify(cpu, h, size, PC_OF_OP());                                           \
    RD = result;                                                                     \
    NEXT();
    AMO_FETCH_OP(L_AMOSWAP_W, uint32_t, 4, atomic_exchange_explicit, sext32(v))
    AMO_FETCH_OP(L_AMOADD_W, uint32_t, 4, atomic_fetch_add_explicit, sext32(v))
    AMO_FETCH_OP(L_AMOXOR_W, uint32_t, 4, atomic_fetch_xor_explicit, sext32(v))
    AMO_FETCH_OP(L_AMOAND_W, uint32_t, 4, atomic_fetch_and_explicit, sext32(v))
    AMO_FETCH_OP(L_AMOOR_W, uint32_t, 4, atomic_fetch_or_explicit, sext32(v))
    AMO_FETCH_OP(L_AMOSWAP_D, uint64_t, 8, atomic_exchange_explicit, v)
    AMO_FETCH_OP(L_AMOADD_D, uint64_t, 8, atomic_fetch_add_explicit, v)
    AMO_FETCH_OP(L_AMOXOR_D, uint64_t, 8, atomic_fetch_xor_explicit, v)
    AMO_FETCH_OP(L_AMOAND_D, uint64_t, 8, atomic_fetch_and_explicit, v)
    AMO_FETCH_OP(L_AMOOR_D, uint64_t, 8, atomic_fetch_or_explicit, v)
/* min/max have no host fetch-op: compare-and-swap loop. */
#define AMO_CAS_OP(label, type, cmptype, size, pick_new, result)                     \
label:                                                                               \
    SYNC_PC();                                                                       \
    h = atomic_host(cpu, RS1, size, ACCESS_STORE);                                   \
    if (!h) {                                                                        \
        goto exc_raised;                                                             \
    }                                                                                \
    {                                                                                \
        type old = atomic_load_explicit((_Atomic type *)h, memory_order_relaxed);    \
        type src = (type)RS2;                                                        \
        type new_val;                                                                \
        do {                                                                         \
            new_val = ((cmptype)src pick_new (cmptype)old) ? src : old;              \
        } while (!atomic_compare_exchange_weak_explicit((_Atomic type *)h, &old,     \
                                                        new_val, memory_order_seq_cst,\
                                                        memory_order_relaxed));      \
        v = old;                                                                     \
    }                                                                                \
    amo_notify(cpu, h, size, PC_OF_OP());                                           \
    RD = result;                                                                     \
    NEXT();
    AMO_CAS_OP(L_AMOMIN_W, uint32_t, int32_t, 4, <, sext32(v))
    AMO_CAS_OP(L_AMOMAX_W, uint32_t, int32_t, 4, >, sext32(v))
    AMO_CAS_OP(L_AMOMINU_W, uint32_t, uint32_t, 4, <, sext32(v))
    AMO_CAS_OP(L_AMOMAXU_W, uint32_t, uint32_t, 4, >, sext32(v))
    AMO_CAS_OP(L_AMOMIN_D, uint64_t, int64_t, 8, <, v)
    AMO_CAS_OP(L_AMOMAX_D, uint64_t, int64_t, 8, >, v)
    AMO_CAS_OP(L_AMOMINU_D, uint64_t, uint64_t, 8, <, v)
    AMO_CAS_OP(L_AMOMAXU_D, uint64_t, uint64_t, 8, >, v)

    /* ---- system ---- */
L_ECALL:
    if (unlikely(cpu->tlb_check != NULL)) {
        SYNC_PC();
        tlb_check_ecall(cpu);
    }
    if (cpu->builtin_firmware && cpu->priv != PRV_U) {
        /* The built-in SBI answers on the vCPU thread outside guest execution, because
         * RFENCE waits for other vCPUs. In M-mode this is the ROM word mtvec points at:
         * a trap that should have been delegated, reported by the SBI. */
        cpu->pc = PC_OF_OP();
        cpu_instret_add(cpu, (uint64_t)(op - tb->ops));
        return EXIT_SBI;
    }
    cause = cpu->priv == PRV_U ? EXCP_ECALL_U
          : cpu->priv == PRV_S ? EXCP_ECALL_S : EXCP_ECALL_M;
    tval = 0;
    goto raise;
L_EBREAK:
    cause = EXCP_BREAKPOINT;
    tval = PC_OF_OP();
    goto raise;
L_MRET:
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops));
    if (!riscv_cpu_mret(cpu)) {
        goto illegal_insn_counted;
    }
    cpu_instret_add(cpu, 1);
    cpu->load_res = ~0ULL;
    return EXIT_LOOKUP;
L_SRET:
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops));
    if (!riscv_cpu_sret(cpu)) {
        goto illegal_insn_counted;
    }
    cpu_instret_add(cpu, 1);
    cpu->load_res = ~0ULL;
    return EXIT_LOOKUP;
L_WFI:
    /* As QEMU: WFI is illegal in U-mode, and in S-mode when mstatus.TW is set (the spec's
     * "implementation-specific bounded time" is zero here). */
    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TW))) {
        goto illegal_insn;
    }
    cpu->pc = PC_OF_OP() + op->len;
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops) + 1);
    return EXIT_HALT;
L_PAUSE:
    /* Ordered like any fence (no-op here); the cpu_exec loop decides whether to yield. */
    cpu->pc = PC_OF_OP() + op->len;
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops) + 1);
    return EXIT_PAUSE;
L_SINVAL_VMA:
    /* Svinval: the invalidation is done at once, as SFENCE.VMA does it, so the ordering
     * SFENCE.W.INVAL and SFENCE.INVAL.IR would add is already there. Same permission checks
     * as SFENCE.VMA (U-mode, S-mode with TVM: illegal). */
    if (!cpu->features.svinval) {
        goto illegal_insn;
    }
    /* fall through */
L_SFENCE_VMA:
    if (cpu->priv == PRV_U || (cpu->priv == PRV_S && (cpu->mstatus & MSTATUS_TVM))) {
        goto illegal_insn;
    }
    /* rs1 = x0: every address; rs2 = x0: every address space, global entries included
     * (privileged spec 12.2.1). QEMU's policy ignores both operands. */
    if (unlikely(cpu->tlb_check != NULL)) {
        SYNC_PC();
        tlb_check_sfence(cpu, RS1, op->rs1 == 0, op->rs2 == 0 ? -1 : (int32_t)(RS2 & 0xffff));
    }
    if (cpu->tlb.qemu_policy || (op->rs1 == 0 && op->rs2 == 0)) {
        tlb_flush_by_mmuidx_local(&cpu->tlb, TLB_ASID_TAGGED_IDXMAP);
    } else if (op->rs1 == 0) {
        tlb_flush_asid_by_mmuidx_local(&cpu->tlb, (int32_t)(RS2 & 0xffff), TLB_ASID_TAGGED_IDXMAP);
    } else {
        tlb_flush_page_asid_by_mmuidx_local(&cpu->tlb, RS1,
                                            op->rs2 == 0 ? -1 : (int32_t)(RS2 & 0xffff),
                                            TLB_ASID_TAGGED_IDXMAP);
    }
    goto exit_after_op;
L_FENCE_I:
    /* Stores already invalidated stale TBs; ending the TB makes the next fetch look up. */
    goto exit_after_op;
L_SFENCE_W_INVAL:
L_SFENCE_INVAL_IR:
    /* SFENCE.W.INVAL, SFENCE.INVAL.IR: nothing left to order (see L_SINVAL_VMA). Illegal in
     * U-mode; mstatus.TVM does not trap them. */
    if (!cpu->features.svinval || cpu->priv == PRV_U) {
        goto illegal_insn;
    }
    NEXT();

#define CSR_OP(label, src, do_write_cond, mask_expr, val_expr)                        \
label: {                                                                              \
    uint64_t src_val = (src);                                                         \
    uint64_t old;                                                                     \
    SYNC_PC();                                                                        \
    enum csr_status st = riscv_csr_rmw(cpu, (unsigned)IMM, &old,                      \
                                       op->rd != XREG_ZERO_SINK, (do_write_cond),     \
                                       (val_expr), (mask_expr),                       \
                                       cpu_instret(cpu) + (uint64_t)(op - tb->ops));  \
    if (unlikely(st == CSR_ILLEGAL)) {                                                \
        goto illegal_insn;                                                            \
    }                                                                                 \
    RD = old;                                                                         \
    if (st == CSR_OK_EXIT_TB) {                                                       \
        goto exit_after_op;                                                           \
    }                                                                                 \
    NEXT();                                                                           \
}
    CSR_OP(L_CSRRW, RS1, true, ~0ULL, src_val)
    CSR_OP(L_CSRRS, RS1, op->rs1 != 0, src_val, ~0ULL)
    CSR_OP(L_CSRRC, RS1, op->rs1 != 0, src_val, 0)
    CSR_OP(L_CSRRWI, op->rs1, true, ~0ULL, src_val)
    CSR_OP(L_CSRRSI, op->rs1, op->rs1 != 0, src_val, ~0ULL)
    CSR_OP(L_CSRRCI, op->rs1, op->rs1 != 0, src_val, 0)

    /* ---- F and D computational ops: cpu/fp_exec.c ---- */
#define FP_EXEC(name)                                                                   \
    L_##name:                                                                           \
    if (unlikely(!riscv_fp_exec(cpu, op, OP_##name))) {                                 \
        goto illegal_insn;                                                              \
    }                                                                                   \
    NEXT();
    FP_EXEC(FADD_S)
    FP_EXEC(FSUB_S)
    FP_EXEC(FMUL_S)
    FP_EXEC(FDIV_S)
    FP_EXEC(FSQRT_S)
    FP_EXEC(FSGNJ_S)
    FP_EXEC(FSGNJN_S)
    FP_EXEC(FSGNJX_S)
    FP_EXEC(FMIN_S)
    FP_EXEC(FMAX_S)
    FP_EXEC(FCVT_W_S)
    FP_EXEC(FCVT_WU_S)
    FP_EXEC(FCVT_L_S)
    FP_EXEC(FCVT_LU_S)
    FP_EXEC(FCVT_S_W)
    FP_EXEC(FCVT_S_WU)
    FP_EXEC(FCVT_S_L)
    FP_EXEC(FCVT_S_LU)
    FP_EXEC(FMV_X_W)
    FP_EXEC(FMV_W_X)
    FP_EXEC(FEQ_S)
    FP_EXEC(FLT_S)
    FP_EXEC(FLE_S)
    FP_EXEC(FCLASS_S)
    FP_EXEC(FMADD_S)
    FP_EXEC(FMSUB_S)
    FP_EXEC(FNMSUB_S)
    FP_EXEC(FNMADD_S)
    FP_EXEC(FADD_D)
    FP_EXEC(FSUB_D)
    FP_EXEC(FMUL_D)
    FP_EXEC(FDIV_D)
    FP_EXEC(FSQRT_D)
    FP_EXEC(FSGNJ_D)
    FP_EXEC(FSGNJN_D)
    FP_EXEC(FSGNJX_D)
    FP_EXEC(FMIN_D)
    FP_EXEC(FMAX_D)
    FP_EXEC(FCVT_W_D)
    FP_EXEC(FCVT_WU_D)
    FP_EXEC(FCVT_L_D)
    FP_EXEC(FCVT_LU_D)
    FP_EXEC(FCVT_D_W)
    FP_EXEC(FCVT_D_WU)
    FP_EXEC(FCVT_D_L)
    FP_EXEC(FCVT_D_LU)
    FP_EXEC(FCVT_S_D)
    FP_EXEC(FCVT_D_S)
    FP_EXEC(FMV_X_D)
    FP_EXEC(FMV_D_X)
    FP_EXEC(FEQ_D)
    FP_EXEC(FLT_D)
    FP_EXEC(FLE_D)
    FP_EXEC(FCLASS_D)
    FP_EXEC(FMADD_D)
    FP_EXEC(FMSUB_D)
    FP_EXEC(FNMSUB_D)
    FP_EXEC(FNMADD_D)
#undef FP_EXEC

    /* ---- leaving the TB early ---- */
exit_after_op:
    cpu->pc = PC_OF_OP() + op->len;
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops) + 1);
    return EXIT_LOOKUP;
L_ILLEGAL:
illegal_insn:
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops));
illegal_insn_counted:
    cpu->pc = PC_OF_OP();
    riscv_raise_exception(cpu, EXCP_ILLEGAL_INST, tb->insn_bits[op - tb->ops]);
    return EXIT_LOOKUP;
raise:
    cpu->pc = PC_OF_OP();
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops));
    riscv_raise_exception(cpu, cause, tval);
    return EXIT_LOOKUP;
exc_raised:
    /* A slow path raised the exception; cpu->pc is already the trap handler. */
    cpu_instret_add(cpu, (uint64_t)(op - tb->ops));
    return EXIT_LOOKUP;
}
