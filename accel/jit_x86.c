/* x86-64 code generation for TBs (see jit.h for the contract).
 *
 * Register cache. Guest registers live in cpu->x. Within a TB, up to seven of the guest
 * registers its ops use most live in host registers instead: rbp, r12-r15 (callee-saved)
 * first, then r10 and r9. They are loaded after the TB's icount_decr check (unless the TB
 * overwrites them first) and computed on in place. A cached register the TB wrote is stored
 * back to cpu->x ("written back") wherever the code can leave the TB: before each exit, at
 * the start of each out-of-line stub (a stub can raise an exception or call C code that
 * reads the state), before handing over to the interpreter, and, for r9/r10, before a CSR
 * op's call. So wherever anything but this TB's code looks at cpu->x, it holds exactly
 * what the interpreter would have left; the registers belong to the owning vCPU thread, so
 * nothing else changes them meanwhile. After a C call (call_c), r9 and r10 are loaded again
 * (r9 also carries arguments in stubs and CSR ops).
 *
 * Other registers: rbx holds cpu for the whole run; r11 the instructions retired by TBs
 * whose exits the code has passed but not yet added to cpu->instret (INSTRET_PENDING:
 * added at the epilogue and before anything reads instret, so a chain of TBs costs no
 * memory read-modify-write per TB); rax, rcx, rdx, rsi, rdi, r8 are scratch. jit_enter
 * pushes rbx, rbp, r12-r15 and reserves FRAME bytes, so rsp is 16-byte aligned at every call
 * from generated code: [rsp] and [rsp + 8] hold a call's 7th and 8th arguments, [rsp + OUT]
 * its out-parameter.
 *
 * A TB's code: the icount_decr check (skipped by run_first), the cache loads, the ops, and
 * after them the out-of-line stubs (slow paths, exits). An exit to a TB of the same page
 * starts with a direct jump that jit_chain_locked patches when tb_add_jump links the exit
 * (and back when the link is undone); unpatched, it falls through to code that follows
 * jmp_dest as the interpreter's chaining does. Nothing else in published code changes. */
#include "accel/jit.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "accel/x86_emit.h"
#include "cpu/fp_exec.h"
#include "cpu/mem_access.h"
#include "mm/tlb.h"

#if defined(__x86_64__)

#define JIT_BUFFER_SIZE (256ULL << 20)
#define FRAME 40
#define OUT 16
/* Upper bounds used to reserve space before a TB is compiled: the longest op with its stubs
 * is a store (~230 bytes with disp32 operands); a TB's fixed parts (check, request stub, two
 * chain exits) ~300. Exceeding them is an internal error (jit_compile_locked aborts). */
#define JIT_MAX_OP_BYTES 384
#define JIT_MAX_TB_BYTES 768

#define OFF_X(r) ((int32_t)(8 * (r)))
#define OFF_PC ((int32_t)offsetof(RISCVCPU, pc))
#define OFF_ICOUNT ((int32_t)offsetof(RISCVCPU, cs.icount_decr))
#define OFF_DMMU ((int32_t)offsetof(RISCVCPU, data_mmu_idx))
#define OFF_INSTRET ((int32_t)offsetof(RISCVCPU, instret))
#define OFF_TLB_F ((int32_t)(offsetof(RISCVCPU, tlb) + offsetof(CPUTLB, f)))
#define OFF_RAM_HOST ((int32_t)offsetof(RISCVCPU, ram_host))
#define OFF_CODE_PAGES ((int32_t)offsetof(RISCVCPU, code_pages))
#define OFF_LAST_TB ((int32_t)offsetof(RISCVCPU, last_tb))
#define OFF_LAST_SLOT ((int32_t)offsetof(RISCVCPU, last_slot))
#define OFF_RESUME_TB ((int32_t)offsetof(RISCVCPU, resume_tb))
#define OFF_RESUME_OP ((int32_t)offsetof(RISCVCPU, resume_op))
#define OFF_LOAD_RES ((int32_t)offsetof(RISCVCPU, load_res))
#define OFF_LOAD_VAL ((int32_t)offsetof(RISCVCPU, load_val))
#define OFF_F(r) ((int32_t)(offsetof(RISCVCPU, f) + 8 * (r)))
#define OFF_MSTATUS ((int32_t)offsetof(RISCVCPU, mstatus))

_Static_assert(offsetof(RISCVCPU, x) == 0, "guest registers at the start of RISCVCPU");
_Static_assert(sizeof(((RISCVCPU *)0)->cs.icount_decr) == 4, "icount_decr compared as 32 bits");
_Static_assert(sizeof(((RISCVCPU *)0)->last_slot) == 4, "last_slot stored as 32 bits");
_Static_assert(sizeof(((RISCVCPU *)0)->resume_op) == 4, "resume_op stored as 32 bits");

typedef enum cpu_exit_reason (*JitEnterFn)(RISCVCPU *cpu, const void *code);

static struct {
    uint8_t *buf;                 /* JIT_BUFFER_SIZE bytes, read-write-execute */
    size_t used;                  /* under tb_lock */
    size_t first_tb;              /* where TB code starts (after the trampoline) */
    JitEnterFn enter;
    const uint8_t *epilogue;
    unsigned check_len;           /* bytes of the icount_decr check at each TB's start */
    bool on;
    FILE *perfmap;                /* jit_perfmap_open's, written under tb_lock */
} jit;

/* ---- guest registers and exits ------------------------------------------------------- */

/* The register cache of the TB being compiled (under tb_lock, like the static Compile):
 * cached_in[xr] is the host register holding x[xr] for the whole TB, or -1. */
#define N_CACHE_REGS 7
static const int cache_regs[N_CACHE_REGS] = { R12, R13, R14, R15, RBP, R10, R9 };
static int8_t cached_in[33];
/* Bit xr: the host register of cached x[xr] was written since the TB started (so cpu->x
 * must be updated before the code leaves the TB). Compile time, program order: a path
 * that skipped the write only stores an unchanged value. */
static uint32_t dirty;

static void ld_x(Emit *e, int reg, unsigned xr)
{
    if (cached_in[xr] >= 0) {
        op_rr(e, F_W, 0x8B, reg, cached_in[xr]);
    } else {
        op_mem(e, F_W, 0x8B, reg, RBX, -1, OFF_X(xr));
    }
}

static void ld_x32(Emit *e, int reg, unsigned xr)
{
    if (cached_in[xr] >= 0) {
        op_rr(e, 0, 0x8B, reg, cached_in[xr]);
    } else {
        op_mem(e, 0, 0x8B, reg, RBX, -1, OFF_X(xr));
    }
}

static void st_x(Emit *e, int reg, unsigned xr)
{
    if (cached_in[xr] >= 0) {
        if (reg != cached_in[xr]) {
            op_rr(e, F_W, 0x8B, cached_in[xr], reg);
        }
        dirty |= 1u << xr;
    } else {
        op_mem(e, F_W, 0x89, reg, RBX, -1, OFF_X(xr));
    }
}

/* Store the cached registers in `mask` to cpu->x. */
static void emit_write_back(Emit *e, uint32_t mask)
{
    for (unsigned r = 1; r < 32; r++) {
        if (mask & (1u << r)) {
            op_mem(e, F_W, 0x89, cached_in[r], RBX, -1, OFF_X(r));
        }
    }
}

/* opc with operands reg and x[xr] as its r/m operand ("r, r/m" forms and groups). */
static void op_x(Emit *e, unsigned f, uint32_t opc, int reg, unsigned xr)
{
    if (cached_in[xr] >= 0) {
        op_rr(e, f, opc, reg, cached_in[xr]);
    } else {
        op_mem(e, f, opc, reg, RBX, -1, OFF_X(xr));
    }
}

/* Ops that always write rd (or leave the TB through an exception first). */
static bool op_overwrites_rd(enum riscv_op o)
{
    switch (o) {
    case OP_LI: case OP_ADD: case OP_SUB: case OP_XOR: case OP_OR: case OP_AND:
    case OP_MUL: case OP_ADDW: case OP_SUBW: case OP_ADDI: case OP_XORI: case OP_ORI:
    case OP_ANDI: case OP_ADDIW: case OP_SLLI: case OP_SRLI: case OP_SRAI:
    case OP_LB: case OP_LH: case OP_LW: case OP_LD: case OP_LBU: case OP_LHU: case OP_LWU:
        return true;
    default:
        return false;
    }
}

/* Cached registers the TB overwrites before anything reads them need no load at its
 * start (chosen with cached_in). */
static uint32_t no_load_needed;

/* Choose the TB's cached registers: the most-read ones, a read of a value written earlier
 * in the TB counting three times (through memory it would wait for store forwarding).
 * Source fields an op does not use are counted too; that costs a load at worst, never
 * correctness, since every write goes through st_x. */
static void choose_cached_regs(const TBOp *ops, unsigned count)
{
    unsigned score[33] = { 0 };
    bool written[33] = { false }, seen[33] = { false };
    uint32_t overwritten_first = 0;
    for (unsigned i = 0; i < count; i++) {
        const TBOp *op = &ops[i];
        if (op->rd < 32 && !seen[op->rd] && op->rs1 != op->rd && op->rs2 != op->rd &&
            op_overwrites_rd(tbop_opc(op))) {
            overwritten_first |= 1u << op->rd;
        }
        seen[op->rs1 & 31] = seen[op->rs2 & 31] = true;
        if (op->rd < 32) {
            seen[op->rd] = true;
        }
        uint8_t src[2] = { op->rs1, op->rs2 };
        bool rd_is_x = true;
        enum riscv_op o = tbop_opc(op);
        if (riscv_op_is_fp_compute(o)) {     /* fields name f registers, except these */
            src[0] = riscv_fp_op_reads_x(o) ? op->rs1 : 0;
            src[1] = 0;
            rd_is_x = riscv_fp_op_writes_x(o);
        } else if (o == OP_FLW || o == OP_FLD || o == OP_FSW || o == OP_FSD) {
            src[1] = 0;                      /* rs2 (stores) and rd (loads) are f */
            rd_is_x = false;
        }
        for (unsigned k = 0; k < 2; k++) {
            if (src[k] != 0 && src[k] < 32) {
                score[src[k]] += written[src[k]] ? 3 : 1;
            }
        }
        if (op->rd < 32 && rd_is_x) {
            written[op->rd] = true;
        }
    }
    memset(cached_in, -1, sizeof(cached_in));
    dirty = 0;
    for (unsigned n = 0; n < N_CACHE_REGS; n++) {
        unsigned best = 0;
        for (unsigned r = 1; r < 32; r++) {
            if (cached_in[r] < 0 && score[r] > score[best]) {
                best = r;
            }
        }
        if (score[best] < 2) {
            break;
        }
        cached_in[best] = (int8_t)cache_regs[n];
    }
    no_load_needed = overwritten_first;
}

/* Load the cached registers in `mask` from cpu->x. */
static void emit_cache_load(Emit *e, uint32_t mask)
{
    for (unsigned r = 1; r < 32; r++) {
        if (mask & (1u << r)) {
            op_mem(e, F_W, 0x8B, cached_in[r], RBX, -1, OFF_X(r));
        }
    }
}

/* The cached guest registers, as a mask: all of them, or those in the host registers a C
 * call clobbers (r9, r10). */
static uint32_t cached_mask(bool caller_saved_only)
{
    uint32_t m = 0;
    for (unsigned r = 1; r < 32; r++) {
        int h = cached_in[r];
        if (h >= 0 && (!caller_saved_only || h == R9 || h == R10)) {
            m |= 1u << r;
        }
    }
    return m;
}

/* At the TB's start: every cached register it reads before writing it. */
static void emit_cache_preload(Emit *e)
{
    emit_cache_load(e, cached_mask(false) & ~no_load_needed);
}

#define INSTRET_PENDING R11

/* add qword [rbx + OFF_INSTRET], n: the owner is the only writer of instret. */
static void add_instret(Emit *e, unsigned n)
{
    if (n == 0) {
        return;
    }
    op_mem(e, F_W, fits8(n) ? 0x83 : 0x81, G_ADD, RBX, -1, OFF_INSTRET);
    if (fits8(n)) {
        e8(e, n);
    } else {
        e32(e, n);
    }
}

/* INSTRET_PENDING += n, at a TB's exit. */
static void add_pending_instret(Emit *e, unsigned n)
{
    if (n) {
        alu_imm(e, F_W, G_ADD, INSTRET_PENDING, (int32_t)n);
    }
}

/* cpu->instret += INSTRET_PENDING, INSTRET_PENDING = 0: before code that reads instret. */
static void emit_flush_instret(Emit *e)
{
    op_mem(e, F_W, 0x01, INSTRET_PENDING, RBX, -1, OFF_INSTRET);   /* add [instret], r11 */
    op_rr(e, 0, 0x33, INSTRET_PENDING, INSTRET_PENDING);
}

/* Call a C function, after emit_flush_instret and with cpu->x up to date for the
 * caller-saved cached registers (r9 may also have carried an argument): the call clobbers
 * INSTRET_PENDING, 0 again after it, and those registers, loaded again. */
static void call_c(Emit *e, const void *fn)
{
    call_abs(e, fn);
    op_rr(e, 0, 0x33, INSTRET_PENDING, INSTRET_PENDING);
    emit_cache_load(e, cached_mask(true));
}

static void exit_with(Emit *e, enum cpu_exit_reason r)
{
    mov_imm(e, RAX, (uint64_t)r);
    jmp_to(e, jit.epilogue);
}

static void store_pc(Emit *e, uint64_t pc)
{
    mov_imm(e, RAX, pc);
    op_mem(e, F_W, 0x89, RAX, RBX, -1, OFF_PC);
}

static void emit_icount_check(Emit *e, uint8_t **to_request)
{
    op_mem(e, 0, 0x83, G_CMP, RBX, -1, OFF_ICOUNT);
    e8(e, 0);
    *to_request = jcc(e, CC_L);
}

/* ---- the jump cache, inline ------------------------------------------------------------ */

/* Continue at the compiled TB the jump cache holds for the target in rsi, as
 * tb_jmp_cache_probe decides (same pc and flags, not invalidated; its entries are dropped by
 * every flush that could remove their translation), or leave with cpu->pc = the target and
 * EXIT_LOOKUP. rax = jmp_cache[tb_jmp_cache_hash(rsi)] is computed here, in the same steps
 * as that function; known_target: rsi is this constant, so the index is folded. */
static void emit_jump_cache_jump(Emit *e, uint32_t flags, bool known, uint64_t known_target)
{
    if (known) {
        int32_t off = (int32_t)(offsetof(RISCVCPU, jmp_cache) +
                                tb_jmp_cache_hash(known_target) * sizeof(void *));
        op_mem(e, F_W, 0x8B, RAX, RBX, -1, off);
    } else {
        op_rr(e, F_W, 0x8B, RAX, RSI);                        /* page bucket */
        shift_imm(e, F_W, SH_SHR, RAX, RV_PAGE_BITS);
        alu_imm(e, 0, G_AND, RAX, (1 << TB_JMP_PAGE_BITS) - 1);
        shift_imm(e, 0, SH_SHL, RAX, TB_JMP_ADDR_BITS);
        op_rr(e, F_W, 0x8B, RCX, RSI);                        /* slot in the bucket */
        shift_imm(e, F_W, SH_SHR, RCX, 1);
        op_rr(e, F_W, 0x8B, RDX, RSI);
        shift_imm(e, F_W, SH_SHR, RDX, TB_JMP_ADDR_BITS + 1);
        op_rr(e, F_W, 0x33, RCX, RDX);
        alu_imm(e, 0, G_AND, RCX, TB_JMP_BUCKET_SIZE - 1);
        op_rr(e, 0, 0x0B, RAX, RCX);
        shift_imm(e, 0, SH_SHL, RAX, 3);
        op_mem(e, F_W, 0x8B, RAX, RBX, RAX, (int32_t)offsetof(RISCVCPU, jmp_cache));
    }
    op_rr(e, F_W, 0x85, RAX, RAX);
    uint8_t *miss[5];
    miss[0] = jcc(e, CC_E);
    op_mem(e, F_W, 0x3B, RSI, RAX, -1, (int32_t)offsetof(TranslationBlock, pc));
    miss[1] = jcc(e, CC_NE);
    op_mem(e, 0, 0x81, G_CMP, RAX, -1, (int32_t)offsetof(TranslationBlock, flags));
    e32(e, flags);
    miss[2] = jcc(e, CC_NE);
    op_mem(e, 0, 0x80, G_CMP, RAX, -1, (int32_t)offsetof(TranslationBlock, invalid));
    e8(e, 0);
    miss[3] = jcc(e, CC_NE);
    op_mem(e, F_W, 0x8B, RAX, RAX, -1, (int32_t)offsetof(TranslationBlock, jit_code));
    op_rr(e, F_W, 0x85, RAX, RAX);
    miss[4] = jcc(e, CC_E);
    op_rr(e, 0, 0xFF, 4, RAX);                                /* jmp rax */
    for (int i = 0; i < 5; i++) {
        patch(miss[i], e->p);
    }
    op_mem(e, F_W, 0x89, RSI, RBX, -1, OFF_PC);
    exit_with(e, EXIT_LOOKUP);
}

_Static_assert(sizeof(((TranslationBlock *)0)->flags) == 4, "flags compared as 32 bits");
_Static_assert(sizeof(((TranslationBlock *)0)->invalid) == 1, "invalid compared as a byte");

/* ---- TB compilation -------------------------------------------------------------------- */

enum stub_kind {
    STUB_LOAD, STUB_STORE, STUB_CODE_WRITE, STUB_ATOMIC_HOST, STUB_ILLEGAL, STUB_CSR_EXIT
};

typedef struct Stub {
    enum stub_kind kind;
    unsigned op_index;
    const TBOp *op;
    uint8_t *from;                /* rel32 of the jump into the stub */
    const uint8_t *resume;        /* where the stub continues the fast path */
    uint32_t dirty;               /* cached registers to write back first */
    unsigned size;
    bool sign;
} Stub;

typedef struct Compile {
    Emit e;
    uint8_t *start;               /* of the TB's code */
    uint8_t *loop_head;           /* self-loop TB: past the preload (see emit_loop_back) */
    TranslationBlock *tb;
    Stub stubs[3 * TB_MAX_INSNS]; /* an op adds at most 3 (an FP store: FS, miss, code) */
    unsigned n_stubs;
    bool fs_checked;              /* mstatus.FS known on since the last CSR op */
} Compile;

static void add_stub(Compile *c, enum stub_kind kind, unsigned i, const TBOp *op, uint8_t *from,
                     unsigned size, bool sign)
{
    if (c->n_stubs >= sizeof(c->stubs) / sizeof(c->stubs[0])) {
        fprintf(stderr, "tlbstorm: internal error: JIT stub table full\n");
        abort();
    }
    c->stubs[c->n_stubs++] = (Stub){ .kind = kind, .op_index = i, .op = op, .from = from,
                                     .dirty = dirty, .size = size, .sign = sign };
}

/* rsi = x[rs1] + imm; rax = the TLB entry of rsi in the TB's data mmu_idx (a constant: it
 * is part of the TB's flags); then compare its tag at tag_off with rsi's page and alignment
 * bits. Leaves the jne for the caller. */
static void emit_tlb_compare(Compile *c, const TBOp *op, unsigned size, int32_t tag_off)
{
    Emit *e = &c->e;
    int32_t f_idx = OFF_TLB_F +
        (int32_t)(((c->tb->flags >> TB_FLAG_DMMU_SHIFT) & 3) * sizeof(CPUTLBDescFast));
    ld_x(e, RSI, op->rs1);
    if ((int64_t)op->imm != 0) {
        alu_imm(e, F_W, G_ADD, RSI, (int32_t)op->imm);
    }
    op_rr(e, F_W, 0x8B, RAX, RSI);                            /* mov rax, rsi */
    shift_imm(e, F_W, SH_SHR, RAX, RV_PAGE_BITS - TLB_ENTRY_BITS);
    op_mem(e, F_W, 0x23, RAX, RBX, -1,                        /* and rax, f[idx].entry_mask */
           f_idx + (int32_t)offsetof(CPUTLBDescFast, entry_mask));
    op_mem(e, F_W, 0x03, RAX, RBX, -1,                        /* add rax, f[idx].table */
           f_idx + (int32_t)offsetof(CPUTLBDescFast, table));
    op_rr(e, F_W, 0x8B, RCX, RSI);                            /* mov rcx, rsi */
    alu_imm(e, F_W, G_AND, RCX, (int32_t)(RV_PAGE_MASK | (size - 1)));
    op_mem(e, F_W, 0x3B, RCX, RAX, -1, tag_off);              /* cmp rcx, tag */
}

static void emit_load(Compile *c, unsigned i, const TBOp *op, unsigned size, bool sign)
{
    Emit *e = &c->e;
    emit_tlb_compare(c, op, size, (int32_t)offsetof(CPUTLBEntry, addr_read));
    uint8_t *miss = jcc(e, CC_NE);
    op_mem(e, F_W, 0x8B, RAX, RAX, -1, (int32_t)offsetof(CPUTLBEntry, addend));
    switch (size) {                                           /* rax = [rax + rsi] */
    case 1: op_mem(e, sign ? F_W : 0, sign ? 0x0FBE : 0x0FB6, RAX, RAX, RSI, 0); break;
    case 2: op_mem(e, sign ? F_W : 0, sign ? 0x0FBF : 0x0FB7, RAX, RAX, RSI, 0); break;
    case 4: op_mem(e, sign ? F_W : 0, sign ? 0x63 : 0x8B, RAX, RAX, RSI, 0); break;
    default: op_mem(e, F_W, 0x8B, RAX, RAX, RSI, 0); break;
    }
    add_stub(c, STUB_LOAD, i, op, miss, size, sign);
    c->stubs[c->n_stubs - 1].resume = e->p;
    st_x(e, RAX, op->rd);
}

/* mstatus.FS is not part of the TB flags, so an FP load or store checks it where it runs:
 * off, the op is illegal and traps out of line before touching memory (as the interpreter's
 * FP_ON, which an access fault must not overtake). Once checked, FS stays on until a CSR op
 * (nothing else in a TB turns it off: riscv_fp_exec only makes it Dirty, a trap leaves the
 * TB), so later FP loads and stores skip the check. */
static void emit_fs_check(Compile *c, unsigned i, const TBOp *op)
{
    Emit *e = &c->e;
    if (c->fs_checked) {
        return;
    }
    c->fs_checked = true;
    op_mem(e, F_W, 0xF7, 0, RBX, -1, OFF_MSTATUS);            /* test mstatus, FS */
    e32(e, (uint32_t)MSTATUS_FS);
    add_stub(c, STUB_ILLEGAL, i, op, jcc(e, CC_E), 0, false);
}

/* flw/fld: the integer load's fast path and stub, then the value NaN-boxed (flw) into f[rd]
 * and mstatus.FS made Dirty, as the interpreter does. */
static void emit_fp_load(Compile *c, unsigned i, const TBOp *op, unsigned size)
{
    Emit *e = &c->e;
    emit_fs_check(c, i, op);
    emit_tlb_compare(c, op, size, (int32_t)offsetof(CPUTLBEntry, addr_read));
    uint8_t *miss = jcc(e, CC_NE);
    op_mem(e, F_W, 0x8B, RAX, RAX, -1, (int32_t)offsetof(CPUTLBEntry, addend));
    if (size == 4) {
        op_mem(e, 0, 0x8B, RAX, RAX, RSI, 0);                 /* zero-extending */
    } else {
        op_mem(e, F_W, 0x8B, RAX, RAX, RSI, 0);
    }
    add_stub(c, STUB_LOAD, i, op, miss, size, false);
    c->stubs[c->n_stubs - 1].resume = e->p;
    if (size == 4) {
        mov_imm(e, RCX, 0xffffffff00000000ull);
        op_rr(e, F_W, 0x0B, RAX, RCX);                        /* or rax, rcx */
    }
    op_mem(e, F_W, 0x89, RAX, RBX, -1, OFF_F(op->rd));
    mov_imm(e, RCX, MSTATUS_FS | MSTATUS_SD);
    op_mem(e, F_W, 0x09, RCX, RBX, -1, OFF_MSTATUS);          /* or mstatus, rcx */
}

/* After a write through host address rsi: self-modifying code, i.e. code_pages[(host -
 * ram_host) >> 12] != 0, calls tlb_notify_code_write out of line (writable fast-path entries
 * and atomic host pointers always map RAM, as in the interpreter's store_fast). Clobbers
 * rax; the stub clobbers every scratch register. */
static void emit_code_write_check(Compile *c, unsigned i, const TBOp *op, unsigned size)
{
    Emit *e = &c->e;
    op_rr(e, F_W, 0x8B, RAX, RSI);
    op_mem(e, F_W, 0x2B, RAX, RBX, -1, OFF_RAM_HOST);
    shift_imm(e, F_W, SH_SHR, RAX, RV_PAGE_BITS);
    op_mem(e, F_W, 0x03, RAX, RBX, -1, OFF_CODE_PAGES);
    op_mem(e, 0, 0x80, G_CMP, RAX, -1, 0);
    e8(e, 0);
    uint8_t *code_write = jcc(e, CC_NE);
    add_stub(c, STUB_CODE_WRITE, i, op, code_write, size, false);
    c->stubs[c->n_stubs - 1].resume = e->p;
}

/* rsi = host address of the naturally aligned `size` bytes at x[rs1], for an LR (load tag)
 * or an SC/AMO (store tag): the TLB fast path, else tlb_atomic_host out of line, which
 * raises the exception (misaligned, access or page fault) when it finds none. */
static void emit_atomic_host(Compile *c, unsigned i, const TBOp *op, unsigned size,
                             bool for_load)
{
    Emit *e = &c->e;
    emit_tlb_compare(c, op, size, (int32_t)(for_load ? offsetof(CPUTLBEntry, addr_read)
                                                     : offsetof(CPUTLBEntry, addr_write)));
    uint8_t *miss = jcc(e, CC_NE);
    op_mem(e, F_W, 0x03, RSI, RAX, -1, (int32_t)offsetof(CPUTLBEntry, addend));
    add_stub(c, STUB_ATOMIC_HOST, i, op, miss, size, for_load);
    c->stubs[c->n_stubs - 1].resume = e->p;
}

static void emit_lock(Emit *e)
{
    e8(e, 0xF0);
}

/* LR: reserve x[rs1] and remember the value read, which SC compares (the interpreter's
 * scheme: SC is a compare-and-swap against it). Host loads are seq_cst on x86-64 as they
 * are. */
static void emit_lr(Compile *c, unsigned i, const TBOp *op, unsigned size)
{
    Emit *e = &c->e;
    unsigned f = size == 8 ? F_W : 0;
    emit_atomic_host(c, i, op, size, true);
    op_mem(e, f, 0x8B, RAX, RSI, -1, 0);                      /* zero-extended for .w */
    op_mem(e, F_W, 0x89, RAX, RBX, -1, OFF_LOAD_VAL);
    ld_x(e, RCX, op->rs1);
    op_mem(e, F_W, 0x89, RCX, RBX, -1, OFF_LOAD_RES);
    if (size == 4) {
        movsxd(e, RAX, RAX);
    }
    st_x(e, RAX, op->rd);
}

static void emit_sc(Compile *c, unsigned i, const TBOp *op, unsigned size)
{
    Emit *e = &c->e;
    unsigned f = size == 8 ? F_W : 0;
    ld_x(e, RSI, op->rs1);
    op_mem(e, F_W, 0x3B, RSI, RBX, -1, OFF_LOAD_RES);
    uint8_t *not_reserved = jcc(e, CC_NE);
    uint8_t *translate = e->p;
    emit_atomic_host(c, i, op, size, false);
    op_mem(e, F_W, 0xC7, 0, RBX, -1, OFF_LOAD_RES);           /* load_res = -1 */
    e32(e, 0xffffffffu);
    op_mem(e, f, 0x8B, RAX, RBX, -1, OFF_LOAD_VAL);
    ld_x(e, RCX, op->rs2);
    emit_lock(e);
    op_mem(e, f, 0x0FB1, RCX, RSI, -1, 0);                    /* lock cmpxchg [rsi], rcx */
    op_rr(e, F_BYTE, 0x0F90 | CC_NE, 0, RAX);                 /* rd = failed */
    op_rr(e, F_BYTE, 0x0FB6, RAX, RAX);
    st_x(e, RAX, op->rd);
    emit_code_write_check(c, i, op, size);
    uint8_t *done = jmp32(e);
    patch(not_reserved, e->p);
    /* A misaligned SC traps even without a reservation (the spec's alignment rule has no
     * exception for failing SCs): the translation above raises it. rsi = x[rs1] still. */
    op_rr(e, 0, 0xF7, 0, RSI);                                /* test esi, size - 1 */
    e32(e, size - 1);
    patch(jcc(e, CC_NE), translate);
    op_mem(e, F_W, 0xC7, 0, RBX, -1, OFF_LOAD_RES);
    e32(e, 0xffffffffu);
    mov_imm(e, RAX, 1);                                       /* rd = 1 */
    st_x(e, RAX, op->rd);
    patch(done, e->p);
}

/* AMO<op>.W/D: a locked host instruction on the guest word (a full barrier, as the
 * interpreter's seq_cst C11 atomics); rd = the old value. */
static void emit_amo(Compile *c, unsigned i, const TBOp *op, enum riscv_op o, unsigned size)
{
    Emit *e = &c->e;
    unsigned f = size == 8 ? F_W : 0;
    emit_atomic_host(c, i, op, size, false);
    ld_x(e, RCX, op->rs2);
    switch (o) {
    case OP_AMOSWAP_W: case OP_AMOSWAP_D:
        op_mem(e, f, 0x87, RCX, RSI, -1, 0);                  /* xchg [rsi], rcx */
        break;
    case OP_AMOADD_W: case OP_AMOADD_D:
        emit_lock(e);
        op_mem(e, f, 0x0FC1, RCX, RSI, -1, 0);                /* lock xadd [rsi], rcx */
        break;
    default: {
        /* No fetch-and-op on x86 for the rest: compare-and-swap loop; rax = old. */
        op_mem(e, f, 0x8B, RAX, RSI, -1, 0);
        uint8_t *loop = e->p;
        op_rr(e, F_W, 0x8B, RDX, RAX);
        switch (o) {
        case OP_AMOAND_W: case OP_AMOAND_D: op_rr(e, f, 0x23, RDX, RCX); break;
        case OP_AMOOR_W: case OP_AMOOR_D: op_rr(e, f, 0x0B, RDX, RCX); break;
        case OP_AMOXOR_W: case OP_AMOXOR_D: op_rr(e, f, 0x33, RDX, RCX); break;
        default: {
            /* min/max: rdx = (src <cond> old) ? src : old */
            unsigned cc = o == OP_AMOMIN_W || o == OP_AMOMIN_D ? CC_L
                        : o == OP_AMOMAX_W || o == OP_AMOMAX_D ? CC_G
                        : o == OP_AMOMINU_W || o == OP_AMOMINU_D ? CC_B : CC_A;
            op_rr(e, f, 0x3B, RCX, RDX);                      /* cmp src, old */
            op_rr(e, f, 0x0F40 | cc, RDX, RCX);               /* cmovcc rdx, src */
            break;
        }
        }
        emit_lock(e);
        op_mem(e, f, 0x0FB1, RDX, RSI, -1, 0);                /* lock cmpxchg [rsi], rdx */
        patch(jcc(e, CC_NE), loop);
        op_rr(e, F_W, 0x8B, RCX, RAX);
        break;
    }
    }
    if (size == 4) {
        movsxd(e, RCX, RCX);
    }
    st_x(e, RCX, op->rd);
    emit_code_write_check(c, i, op, size);
}

/* CSRRW/S/C and their immediate forms: riscv_csr_rmw, with the arguments the interpreter's
 * CSR_OP passes (constants here where they depend only on the encoding), then an illegal
 * instruction or the end of the TB out of line when it asks for them. */
static void emit_csr(Compile *c, unsigned i, const TBOp *op, enum riscv_op o)
{
    c->fs_checked = false;                                    /* it may write mstatus.FS */
    Emit *e = &c->e;
    bool imm_form = o == OP_CSRRWI || o == OP_CSRRSI || o == OP_CSRRCI;
    bool rw = o == OP_CSRRW || o == OP_CSRRWI;
    bool set = o == OP_CSRRS || o == OP_CSRRSI;
    bool do_write = rw || op->rs1 != 0;
    uint32_t clobbered = dirty & cached_mask(true);      /* the call clobbers r9, r10 */
    emit_write_back(e, clobbered);
    dirty &= ~clobbered;
    store_pc(e, c->tb->pc + op->pc_off);
    if (imm_form) {
        mov_imm(e, RAX, op->rs1);                             /* zimm */
    } else {
        ld_x(e, RAX, op->rs1);
    }
    if (rw) {                                                 /* value = src, mask = ~0 */
        op_rr(e, F_W, 0x8B, R9, RAX);
        op_mem(e, F_W, 0xC7, 0, RSP, -1, 0);
        e32(e, 0xffffffffu);
    } else {                                                  /* value = ~0 or 0, mask = src */
        op_rr(e, F_W, 0xC7, 0, R9);
        e32(e, set ? 0xffffffffu : 0);
        op_mem(e, F_W, 0x89, RAX, RSP, -1, 0);
    }
    emit_flush_instret(e);
    op_mem(e, F_W, 0x8B, RAX, RBX, -1, OFF_INSTRET);          /* instret_now */
    if (i) {
        alu_imm(e, F_W, G_ADD, RAX, (int32_t)i);
    }
    op_mem(e, F_W, 0x89, RAX, RSP, -1, 8);
    op_rr(e, F_W, 0x8B, RDI, RBX);
    mov_imm(e, RSI, op->imm);                                 /* CSR number */
    op_mem(e, F_W, 0x8D, RDX, RSP, -1, OUT);
    mov_imm(e, RCX, op->rd != XREG_ZERO_SINK);
    mov_imm(e, R8, do_write);
    call_c(e, (const void *)riscv_csr_rmw);
    alu_imm(e, 0, G_CMP, RAX, CSR_ILLEGAL);
    add_stub(c, STUB_ILLEGAL, i, op, jcc(e, CC_E), 0, false);
    op_mem(e, F_W, 0x8B, RCX, RSP, -1, OUT);
    st_x(e, RCX, op->rd);
    alu_imm(e, 0, G_CMP, RAX, CSR_OK_EXIT_TB);
    add_stub(c, STUB_CSR_EXIT, i, op, jcc(e, CC_E), 0, false);
}

/* An F/D computational op: a call to riscv_fp_exec, the interpreter's definition, with
 * cpu->x current for what it reads (x[rs1] of a conversion from an integer) and for r9/r10,
 * which the call clobbers; an integer result is loaded into rd's host register afterwards.
 * f[], fflags and mstatus are never cached. Illegal (FS off, bad rounding mode): the op
 * changed nothing and traps out of line. */
static void emit_fp(Compile *c, unsigned i, const TBOp *op, enum riscv_op o)
{
    Emit *e = &c->e;
    uint32_t stale = cached_mask(true);
    if (riscv_fp_op_reads_x(o) && op->rs1 < 32) {
        stale |= 1u << op->rs1;
    }
    stale &= dirty;
    emit_write_back(e, stale);
    dirty &= ~stale;
    emit_flush_instret(e);
    op_rr(e, F_W, 0x8B, RDI, RBX);
    mov_imm(e, RSI, (uint64_t)(uintptr_t)op);
    mov_imm(e, RDX, (uint64_t)o);
    call_c(e, (const void *)riscv_fp_exec);
    op_rr(e, F_BYTE, 0x84, RAX, RAX);                         /* test al, al */
    add_stub(c, STUB_ILLEGAL, i, op, jcc(e, CC_E), 0, false);
    if (riscv_fp_op_writes_x(o) && op->rd < 32 && cached_in[op->rd] >= 0) {
        op_mem(e, F_W, 0x8B, cached_in[op->rd], RBX, -1, OFF_X(op->rd));
        dirty &= ~(1u << op->rd);                             /* cpu->x holds the result */
    }
}

/* fsw/fsd: an integer store of f[rs2]'s low bytes. */
static bool is_fp_store(const TBOp *op)
{
    enum riscv_op o = tbop_opc(op);
    return o == OP_FSW || o == OP_FSD;
}

static void emit_store(Compile *c, unsigned i, const TBOp *op, unsigned size)
{
    Emit *e = &c->e;
    bool fp = is_fp_store(op);
    if (fp) {
        emit_fs_check(c, i, op);
    }
    emit_tlb_compare(c, op, size, (int32_t)offsetof(CPUTLBEntry, addr_write));
    uint8_t *miss = jcc(e, CC_NE);
    op_mem(e, F_W, 0x03, RSI, RAX, -1, (int32_t)offsetof(CPUTLBEntry, addend));
    if (fp) {
        op_mem(e, F_W, 0x8B, RCX, RBX, -1, OFF_F(op->rs2));
    } else {
        ld_x(e, RCX, op->rs2);
    }
    switch (size) {                                           /* [rsi] = rcx */
    case 1: op_mem(e, F_BYTE, 0x88, RCX, RSI, -1, 0); break;
    case 2: op_mem(e, F_66, 0x89, RCX, RSI, -1, 0); break;
    case 4: op_mem(e, 0, 0x89, RCX, RSI, -1, 0); break;
    default: op_mem(e, F_W, 0x89, RCX, RSI, -1, 0); break;
    }
    emit_code_write_check(c, i, op, size);
    add_stub(c, STUB_STORE, i, op, miss, size, false);
    c->stubs[c->n_stubs - 1].resume = e->p;
}

/* The exit of a self-loop TB back to its own start (jit_compile_locked decided the TB is
 * one). Linked, its patched jump goes straight to the loop head, with the guest registers
 * still in their host registers: no write-back, no icount check at the entry and no
 * preload per iteration (a tight loop spent a third of its host instructions on them). The
 * back edge itself checks icount_decr, so a kick, an interrupt or an exclusive request still
 * stops the loop within one iteration, and the jump is unlinked like any other when the TB
 * is invalidated (then it falls through to the write-back and the ordinary exit). Stubs and
 * exits write back every register the loop writes (see jit_compile_locked), since on a later
 * iteration any of them may hold a newer value than cpu->x. */
static void emit_loop_back(Compile *c, int slot)
{
    Emit *e = &c->e;
    TranslationBlock *tb = c->tb;
    add_pending_instret(e, tb->n_ops);
    op_mem(e, 0, 0x83, G_CMP, RBX, -1, OFF_ICOUNT);
    e8(e, 0);
    uint8_t *go_on = jcc(e, CC_GE);
    emit_write_back(e, dirty);
    store_pc(e, tb->pc);
    exit_with(e, EXIT_REQUEST);
    patch(go_on, e->p);
    while (((uintptr_t)e->p + 1) & 3) {
        e8(e, 0x90);                                          /* nop */
    }
    e8(e, 0xE9);                                              /* jmp rel32 */
    tb->jit_jump_at[slot] = (uint32_t)(e->p - c->start);
    e32(e, 0);
    emit_write_back(e, dirty);
}

/* Leave through exit `slot` of the TB towards target, as the interpreter's chain label. */
static void emit_chain_exit(Compile *c, int slot, uint64_t target)
{
    Emit *e = &c->e;
    TranslationBlock *tb = c->tb;
    bool self_loop = c->loop_head && target == tb->pc;
    if (self_loop) {
        emit_loop_back(c, slot);
    } else {
        emit_write_back(e, dirty);
        add_pending_instret(e, tb->n_ops);
    }
    if (!self_loop && !((tb->pc ^ target) & RV_PAGE_MASK)) {
        /* The direct jump jit_chain_locked patches once the exit is linked: until then it
         * goes to the next instruction. Its rel32 is 4-byte aligned, so a patch is one
         * atomic store. */
        while (((uintptr_t)e->p + 1) & 3) {
            e8(e, 0x90);                                      /* nop */
        }
        e8(e, 0xE9);                                          /* jmp rel32 */
        tb->jit_jump_at[slot] = (uint32_t)(e->p - c->start);
        e32(e, 0);
    }
    mov_imm(e, RAX, (uint64_t)(uintptr_t)&tb->jmp_dest[slot]);
    op_mem(e, F_W, 0x8B, RAX, RAX, -1, 0);
    op_rr(e, F_W, 0x85, RAX, RAX);
    uint8_t *unlinked = jcc(e, CC_E);
    op_mem(e, F_W, 0x8B, RCX, RAX, -1, (int32_t)offsetof(TranslationBlock, jit_code));
    op_rr(e, F_W, 0x85, RCX, RCX);
    uint8_t *interpreted = jcc(e, CC_E);
    op_rr(e, 0, 0xFF, 4, RCX);                                /* jmp rcx */
    patch(interpreted, e->p);
    store_pc(e, target);
    exit_with(e, EXIT_LOOKUP);
    patch(unlinked, e->p);
    if ((tb->pc ^ target) & RV_PAGE_MASK) {
        /* Never linked across pages; the jump cache may know the target. */
        mov_imm(e, RSI, target);
        emit_jump_cache_jump(e, tb->flags, true, target);
        return;
    }
    store_pc(e, target);
    mov_imm(e, RAX, (uint64_t)(uintptr_t)tb);
    op_mem(e, F_W, 0x89, RAX, RBX, -1, OFF_LAST_TB);
    op_mem(e, 0, 0xC7, 0, RBX, -1, OFF_LAST_SLOT);
    e32(e, (uint32_t)slot);
    exit_with(e, EXIT_NOCHAIN);
}

static void emit_jalr(Compile *c, const TBOp *op, uint64_t pc)
{
    Emit *e = &c->e;
    ld_x(e, RSI, op->rs1);
    if ((int64_t)op->imm != 0) {
        alu_imm(e, F_W, G_ADD, RSI, (int32_t)op->imm);
    }
    alu_imm(e, F_W, G_AND, RSI, -2);
    mov_imm(e, RCX, pc + op->len);
    st_x(e, RCX, op->rd);
    emit_write_back(e, dirty);
    add_pending_instret(e, c->tb->n_ops);
    emit_jump_cache_jump(e, c->tb->flags, false, 0);
}

static void emit_branch(Compile *c, const TBOp *op, unsigned cc)
{
    Emit *e = &c->e;
    if (cached_in[op->rs1] >= 0 && op->rs2 == 0) {
        op_rr(e, F_W, 0x85, cached_in[op->rs1], cached_in[op->rs1]);   /* test r, r */
    } else if (cached_in[op->rs1] >= 0) {
        op_x(e, F_W, 0x3B, cached_in[op->rs1], op->rs2);     /* cmp r, x[rs2] */
    } else {
        ld_x(e, RAX, op->rs1);
        if (op->rs2 == 0) {
            op_rr(e, F_W, 0x85, RAX, RAX);
        } else {
            op_x(e, F_W, 0x3B, RAX, op->rs2);                 /* cmp rax, x[rs2] */
        }
    }
    uint8_t *taken = jcc(e, cc);
    emit_chain_exit(c, 1, c->tb->pc + c->tb->size);
    patch(taken, e->p);
    emit_chain_exit(c, 0, op->imm);
}

/* rax = x[rs1] <op> x[rs2] (group-1 ALU op given by its "r64, r/m64" opcode). */
static void emit_rr_alu(Emit *e, const TBOp *op, uint32_t opc, unsigned f)
{
    if (f & F_W) {
        ld_x(e, RAX, op->rs1);
    } else {
        ld_x32(e, RAX, op->rs1);
    }
    op_x(e, f, opc, RAX, op->rs2);
}

static void emit_shift_reg(Emit *e, const TBOp *op, unsigned digit, unsigned f)
{
    ld_x(e, RCX, op->rs2);
    if (f & F_W) {
        ld_x(e, RAX, op->rs1);
    } else {
        ld_x32(e, RAX, op->rs1);
    }
    op_rr(e, f, 0xD3, (int)digit, RAX);                       /* count masked like RISC-V's */
}

/* rax = x[rs1] shifted or rotated by the immediate; the 32-bit (W) forms work on the low
 * word and sign-extend the result. */
static void emit_shift_by_imm(Emit *e, const TBOp *op, unsigned digit, unsigned f)
{
    if (f & F_W) {
        ld_x(e, RAX, op->rs1);
    } else {
        ld_x32(e, RAX, op->rs1);
    }
    shift_imm(e, f, digit, RAX, (unsigned)op->imm);
    if (!(f & F_W)) {
        movsxd(e, RAX, RAX);
    }
}

static void emit_setcc(Emit *e, unsigned cc)
{
    op_rr(e, F_BYTE, 0x0F90 | cc, 0, RAX);
    op_rr(e, F_BYTE, 0x0FB6, RAX, RAX);                       /* movzx eax, al */
}

/* Shifted-add family (Zba): rax = (src << sh) + x[rs2], src zero-extended from 32 bits
 * when uw. */
static void emit_shadd(Emit *e, const TBOp *op, unsigned sh, bool uw)
{
    if (uw) {
        ld_x32(e, RAX, op->rs1);
    } else {
        ld_x(e, RAX, op->rs1);
    }
    if (sh) {
        shift_imm(e, F_W, SH_SHL, RAX, sh);
    }
    op_x(e, F_W, 0x03, RAX, op->rs2);
}

static void emit_minmax(Emit *e, const TBOp *op, unsigned cc)
{
    ld_x(e, RAX, op->rs1);
    ld_x(e, RCX, op->rs2);
    op_rr(e, F_W, 0x3B, RAX, RCX);                            /* cmp rax, rcx */
    op_rr(e, F_W, 0x0F40 | cc, RAX, RCX);                     /* cmovcc rax, rcx */
}

/* DIV[U]/REM[U] and their W forms: rax = x[rs1] / x[rs2] or the remainder, with the
 * results RISC-V defines where x86's div faults: division by zero gives all ones (quotient)
 * or the dividend (remainder); the signed overflow (most negative / -1) gives the dividend
 * (quotient, which is -dividend modulo 2^n) and 0 (remainder). W forms work on the low words
 * and sign-extend. Clobbers rcx, rdx. */
static void emit_div(Emit *e, const TBOp *op, bool sign, bool rem, bool word)
{
    unsigned f = word ? 0 : F_W;
    if (word) {
        ld_x32(e, RAX, op->rs1);
        ld_x32(e, RCX, op->rs2);
    } else {
        ld_x(e, RAX, op->rs1);
        ld_x(e, RCX, op->rs2);
    }
    op_rr(e, f, 0x85, RCX, RCX);                              /* test rcx, rcx */
    uint8_t *by_zero = jcc(e, CC_E);
    uint8_t *by_minus_one = NULL;
    if (sign) {
        alu_imm(e, f, G_CMP, RCX, -1);
        by_minus_one = jcc(e, CC_E);
        if (!word) {
            e8(e, 0x48);                                      /* cqo */
        }
        e8(e, 0x99);                                          /* (cdq) */
        op_rr(e, f, 0xF7, 7, RCX);                            /* idiv rcx */
    } else {
        op_rr(e, 0, 0x33, RDX, RDX);                          /* xor edx, edx */
        op_rr(e, f, 0xF7, 6, RCX);                            /* div rcx */
    }
    if (rem) {
        op_rr(e, F_W, 0x8B, RAX, RDX);
    }
    uint8_t *done[2] = { jmp32(e), NULL };
    if (sign) {
        patch(by_minus_one, e->p);
        if (rem) {
            op_rr(e, 0, 0x33, RAX, RAX);                      /* x % -1 = 0 */
        } else {
            op_rr(e, f, 0xF7, 3, RAX);                        /* neg: x / -1, wrapping */
        }
        done[1] = jmp32(e);
    }
    patch(by_zero, e->p);
    if (!rem) {
        mov_imm(e, RAX, ~0ULL);
    }
    for (unsigned k = 0; k < 2; k++) {
        if (done[k]) {
            patch(done[k], e->p);
        }
    }
    if (word) {
        movsxd(e, RAX, RAX);
    }
}

/* CLZ/CTZ[W] through bsr/bsf (any x86-64 host), the zero input chosen with cmov:
 * clz = index ^ (bits - 1), and the zero case's value is picked so the xor gives `bits`. */
static void emit_count_zeros(Emit *e, const TBOp *op, bool leading, bool word)
{
    unsigned f = word ? 0 : F_W;
    unsigned bits = word ? 32 : 64;
    mov_imm(e, RDX, leading ? (2 * bits - 1) : bits);
    op_x(e, f, leading ? 0x0FBD : 0x0FBC, RAX, op->rs1);     /* bsr / bsf */
    op_rr(e, f, 0x0F40 | CC_E, RAX, RDX);                     /* cmovz: input was 0 */
    if (leading) {
        alu_imm(e, f, G_XOR, RAX, (int32_t)(bits - 1));
    }
}

static bool host_has_popcnt;

enum emitted { EMIT_NEXT, EMIT_ENDS_TB, EMIT_UNSUPPORTED };

/* The integer ops that put their result in rax, to be stored to x[rd]; false if op is not
 * one of them. */
static bool emit_value_op(Emit *e, const TBOp *op, enum riscv_op o)
{
    int32_t imm = (int32_t)op->imm;
    unsigned sh = (unsigned)op->imm;
    switch (o) {
    case OP_LI: mov_imm(e, RAX, op->imm); return true;
    case OP_ADD: emit_rr_alu(e, op, 0x03, F_W); return true;
    case OP_SUB: emit_rr_alu(e, op, 0x2B, F_W); return true;
    case OP_XOR: emit_rr_alu(e, op, 0x33, F_W); return true;
    case OP_OR: emit_rr_alu(e, op, 0x0B, F_W); return true;
    case OP_AND: emit_rr_alu(e, op, 0x23, F_W); return true;
    case OP_SLT: emit_rr_alu(e, op, 0x3B, F_W); emit_setcc(e, CC_L); return true;
    case OP_SLTU: emit_rr_alu(e, op, 0x3B, F_W); emit_setcc(e, CC_B); return true;
    case OP_SLL: emit_shift_reg(e, op, SH_SHL, F_W); return true;
    case OP_SRL: emit_shift_reg(e, op, SH_SHR, F_W); return true;
    case OP_SRA: emit_shift_reg(e, op, SH_SAR, F_W); return true;
    case OP_ADDW: emit_rr_alu(e, op, 0x03, 0); movsxd(e, RAX, RAX); return true;
    case OP_SUBW: emit_rr_alu(e, op, 0x2B, 0); movsxd(e, RAX, RAX); return true;
    case OP_SLLW: emit_shift_reg(e, op, SH_SHL, 0); movsxd(e, RAX, RAX); return true;
    case OP_SRLW: emit_shift_reg(e, op, SH_SHR, 0); movsxd(e, RAX, RAX); return true;
    case OP_SRAW: emit_shift_reg(e, op, SH_SAR, 0); movsxd(e, RAX, RAX); return true;
    case OP_ADDI: ld_x(e, RAX, op->rs1); alu_imm(e, F_W, G_ADD, RAX, imm); return true;
    case OP_XORI: ld_x(e, RAX, op->rs1); alu_imm(e, F_W, G_XOR, RAX, imm); return true;
    case OP_ORI: ld_x(e, RAX, op->rs1); alu_imm(e, F_W, G_OR, RAX, imm); return true;
    case OP_ANDI: ld_x(e, RAX, op->rs1); alu_imm(e, F_W, G_AND, RAX, imm); return true;
    case OP_SLTI:
        ld_x(e, RAX, op->rs1); alu_imm(e, F_W, G_CMP, RAX, imm); emit_setcc(e, CC_L);
        return true;
    case OP_SLTIU:
        ld_x(e, RAX, op->rs1); alu_imm(e, F_W, G_CMP, RAX, imm); emit_setcc(e, CC_B);
        return true;
    case OP_SLLI: emit_shift_by_imm(e, op, SH_SHL, F_W); return true;
    case OP_SRLI: emit_shift_by_imm(e, op, SH_SHR, F_W); return true;
    case OP_SRAI: emit_shift_by_imm(e, op, SH_SAR, F_W); return true;
    case OP_ADDIW:
        ld_x32(e, RAX, op->rs1); alu_imm(e, 0, G_ADD, RAX, imm); movsxd(e, RAX, RAX);
        return true;
    case OP_SLLIW: emit_shift_by_imm(e, op, SH_SHL, 0); return true;
    case OP_SRLIW: emit_shift_by_imm(e, op, SH_SHR, 0); return true;
    case OP_SRAIW: emit_shift_by_imm(e, op, SH_SAR, 0); return true;
    case OP_MUL: emit_rr_alu(e, op, 0x0FAF, F_W); return true;
    case OP_MULW: emit_rr_alu(e, op, 0x0FAF, 0); movsxd(e, RAX, RAX); return true;
    case OP_MULH: case OP_MULHU:
        ld_x(e, RAX, op->rs1);
        op_x(e, F_W, 0xF7, o == OP_MULH ? 5 : 4, op->rs2);      /* rdx:rax */
        op_rr(e, F_W, 0x8B, RAX, RDX);
        return true;
    case OP_MULHSU:
        /* Unsigned high half, minus rs2 when rs1 is negative. */
        ld_x(e, RAX, op->rs1);
        op_rr(e, F_W, 0x8B, RCX, RAX);
        op_x(e, F_W, 0xF7, 4, op->rs2);
        shift_imm(e, F_W, SH_SAR, RCX, 63);
        op_x(e, F_W, 0x23, RCX, op->rs2);
        op_rr(e, F_W, 0x2B, RDX, RCX);
        op_rr(e, F_W, 0x8B, RAX, RDX);
        return true;
    case OP_SH1ADD: emit_shadd(e, op, 1, false); return true;
    case OP_SH2ADD: emit_shadd(e, op, 2, false); return true;
    case OP_SH3ADD: emit_shadd(e, op, 3, false); return true;
    case OP_ADD_UW: emit_shadd(e, op, 0, true); return true;
    case OP_SH1ADD_UW: emit_shadd(e, op, 1, true); return true;
    case OP_SH2ADD_UW: emit_shadd(e, op, 2, true); return true;
    case OP_SH3ADD_UW: emit_shadd(e, op, 3, true); return true;
    case OP_SLLI_UW: ld_x32(e, RAX, op->rs1); shift_imm(e, F_W, SH_SHL, RAX, sh); return true;
    case OP_ANDN: case OP_ORN: case OP_XNOR:
        ld_x(e, RAX, op->rs2);
        if (o != OP_XNOR) {
            op_rr(e, F_W, 0xF7, 2, RAX);                      /* not rax */
        }
        op_x(e, F_W, o == OP_ANDN ? 0x23 : o == OP_ORN ? 0x0B : 0x33, RAX, op->rs1);
        if (o == OP_XNOR) {
            op_rr(e, F_W, 0xF7, 2, RAX);
        }
        return true;
    case OP_MAX: emit_minmax(e, op, CC_L); return true;
    case OP_MAXU: emit_minmax(e, op, CC_B); return true;
    case OP_MIN: emit_minmax(e, op, CC_G); return true;
    case OP_MINU: emit_minmax(e, op, CC_A); return true;
    case OP_SEXT_B: op_x(e, F_W, 0x0FBE, RAX, op->rs1); return true;
    case OP_SEXT_H: op_x(e, F_W, 0x0FBF, RAX, op->rs1); return true;
    case OP_ZEXT_H: op_x(e, 0, 0x0FB7, RAX, op->rs1); return true;
    case OP_ROL: emit_shift_reg(e, op, SH_ROL, F_W); return true;
    case OP_ROR: emit_shift_reg(e, op, SH_ROR, F_W); return true;
    case OP_ROLW: emit_shift_reg(e, op, SH_ROL, 0); movsxd(e, RAX, RAX); return true;
    case OP_RORW: emit_shift_reg(e, op, SH_ROR, 0); movsxd(e, RAX, RAX); return true;
    case OP_RORI: emit_shift_by_imm(e, op, SH_ROR, F_W); return true;
    case OP_RORIW: emit_shift_by_imm(e, op, SH_ROR, 0); return true;
    case OP_ORC_B:
        /* Per byte: (b & 0x7f) + 0x7f has bit 7 set iff b & 0x7f != 0 (no carry leaves the
         * byte: at most 0xfe), or'ed with b it is set iff b != 0; that bit moved to bit 0 and
         * multiplied by 0xff fills the byte, again without carries between bytes. */
        ld_x(e, RAX, op->rs1);
        mov_imm(e, RCX, 0x7f7f7f7f7f7f7f7full);
        op_rr(e, F_W, 0x8B, RDX, RAX);                        /* rdx = x */
        op_rr(e, F_W, 0x23, RDX, RCX);                        /* and rdx, rcx */
        op_rr(e, F_W, 0x03, RDX, RCX);                        /* add rdx, rcx */
        op_rr(e, F_W, 0x0B, RDX, RAX);                        /* or rdx, rax */
        mov_imm(e, RCX, 0x8080808080808080ull);
        op_rr(e, F_W, 0x23, RDX, RCX);                        /* and rdx, rcx */
        shift_imm(e, F_W, SH_SHR, RDX, 7);
        op_rr(e, F_W, 0x69, RAX, RDX);                        /* imul rax, rdx, 0xff */
        e32(e, 0xff);
        return true;
    case OP_REV8:
        ld_x(e, RAX, op->rs1);
        e8(e, 0x48);                                          /* bswap rax: REX.W 0F C8+r */
        e8(e, 0x0F);
        e8(e, 0xC8 + RAX);
        return true;
    case OP_BSET: case OP_BCLR: case OP_BINV:
        ld_x(e, RAX, op->rs1);
        ld_x(e, RCX, op->rs2);
        /* bts/btr/btc rax, rcx: the bit index is taken modulo 64. */
        op_rr(e, F_W, o == OP_BSET ? 0x0FAB : o == OP_BCLR ? 0x0FB3 : 0x0FBB, RCX, RAX);
        return true;
    case OP_BSETI: case OP_BCLRI: case OP_BINVI:
        ld_x(e, RAX, op->rs1);
        op_rr(e, F_W, 0x0FBA, o == OP_BSETI ? 5 : o == OP_BCLRI ? 6 : 7, RAX);
        e8(e, sh);
        return true;
    case OP_BEXT:
        emit_shift_reg(e, op, SH_SHR, F_W);
        alu_imm(e, 0, G_AND, RAX, 1);
        return true;
    case OP_BEXTI:
        ld_x(e, RAX, op->rs1);
        shift_imm(e, F_W, SH_SHR, RAX, sh);
        alu_imm(e, 0, G_AND, RAX, 1);
        return true;
    case OP_DIV: emit_div(e, op, true, false, false); return true;
    case OP_DIVU: emit_div(e, op, false, false, false); return true;
    case OP_REM: emit_div(e, op, true, true, false); return true;
    case OP_REMU: emit_div(e, op, false, true, false); return true;
    case OP_DIVW: emit_div(e, op, true, false, true); return true;
    case OP_DIVUW: emit_div(e, op, false, false, true); return true;
    case OP_REMW: emit_div(e, op, true, true, true); return true;
    case OP_REMUW: emit_div(e, op, false, true, true); return true;
    case OP_CLZ: emit_count_zeros(e, op, true, false); return true;
    case OP_CLZW: emit_count_zeros(e, op, true, true); return true;
    case OP_CTZ: emit_count_zeros(e, op, false, false); return true;
    case OP_CTZW: emit_count_zeros(e, op, false, true); return true;
    case OP_CPOP: case OP_CPOPW:
        if (!host_has_popcnt) {
            return false;
        }
        e8(e, 0xF3);                                          /* popcnt: F3 [REX] 0F B8 */
        op_x(e, o == OP_CPOP ? F_W : 0, 0x0FB8, RAX, op->rs1);
        return true;
    default:
        return false;
    }
}

/* The commonest integer ops when rd is cached: computed in rd's host register, two-address
 * x86 style (one instruction when rd == rs1), with no trip through rax. false: not one of
 * them (or rd == rs2 of a non-commutative op); emit_value_op does it. */
static bool emit_value_op_in_place(Emit *e, const TBOp *op, enum riscv_op o)
{
    if (op->rd >= 32 || cached_in[op->rd] < 0) {
        return false;
    }
    int d = cached_in[op->rd];
    int32_t imm = (int32_t)op->imm;
    uint32_t rr_opc = 0;
    bool commutative = true, word = false;
    unsigned digit = 0;
    switch (o) {
    case OP_LI:
        mov_imm(e, d, op->imm);
        dirty |= 1u << op->rd;
        return true;
    case OP_ADD: rr_opc = 0x03; break;
    case OP_SUB: rr_opc = 0x2B; commutative = false; break;
    case OP_XOR: rr_opc = 0x33; break;
    case OP_OR: rr_opc = 0x0B; break;
    case OP_AND: rr_opc = 0x23; break;
    case OP_MUL: rr_opc = 0x0FAF; break;
    case OP_ADDW: rr_opc = 0x03; word = true; break;
    case OP_SUBW: rr_opc = 0x2B; commutative = false; word = true; break;
    case OP_ADDI: digit = G_ADD; break;
    case OP_XORI: digit = G_XOR; break;
    case OP_ORI: digit = G_OR; break;
    case OP_ANDI: digit = G_AND; break;
    case OP_ADDIW: digit = G_ADD; word = true; break;
    case OP_SLLI: case OP_SRLI: case OP_SRAI:
        if (op->rs1 != op->rd) {
            ld_x(e, d, op->rs1);
        }
        shift_imm(e, F_W, o == OP_SLLI ? SH_SHL : o == OP_SRLI ? SH_SHR : SH_SAR, d,
                  (unsigned)op->imm);
        dirty |= 1u << op->rd;
        return true;
    default:
        return false;
    }
    unsigned f = word ? 0 : F_W;
    if (rr_opc) {
        if (op->rs1 == op->rd) {
            op_x(e, f, rr_opc, d, op->rs2);
        } else if (op->rs2 != op->rd) {
            ld_x(e, d, op->rs1);
            op_x(e, f, rr_opc, d, op->rs2);
        } else if (commutative) {
            op_x(e, f, rr_opc, d, op->rs1);                  /* d holds rs2 already */
        } else {
            return false;
        }
    } else {
        if (op->rs1 != op->rd) {
            ld_x(e, d, op->rs1);
        }
        if (imm != 0 || word || digit == G_AND) {    /* x + 0, x ^ 0, x | 0: x */
            alu_imm(e, f, digit, d, imm);
        }
    }
    if (word) {
        movsxd(e, d, d);
    }
    dirty |= 1u << op->rd;
    return true;
}

static enum emitted emit_op(Compile *c, unsigned i, const TBOp *op)
{
    Emit *e = &c->e;
    enum riscv_op o = tbop_opc(op);
    uint64_t pc = c->tb->pc + op->pc_off;
    if (emit_value_op_in_place(e, op, o)) {
        return EMIT_NEXT;
    }
    if (emit_value_op(e, op, o)) {
        st_x(e, RAX, op->rd);
        return EMIT_NEXT;
    }
    if (riscv_op_is_fp_compute(o)) {
        emit_fp(c, i, op, o);
        return EMIT_NEXT;
    }
    switch (o) {
    case OP_NOP: return EMIT_NEXT;
    case OP_FENCE:
        if (fence_orders_store_load(op->imm)) {
            e8(e, 0x0F);                                      /* mfence */
            e8(e, 0xAE);
            e8(e, 0xF0);
        }
        return EMIT_NEXT;
    case OP_LB: emit_load(c, i, op, 1, true); return EMIT_NEXT;
    case OP_LH: emit_load(c, i, op, 2, true); return EMIT_NEXT;
    case OP_LW: emit_load(c, i, op, 4, true); return EMIT_NEXT;
    case OP_LD: emit_load(c, i, op, 8, false); return EMIT_NEXT;
    case OP_LBU: emit_load(c, i, op, 1, false); return EMIT_NEXT;
    case OP_LHU: emit_load(c, i, op, 2, false); return EMIT_NEXT;
    case OP_LWU: emit_load(c, i, op, 4, false); return EMIT_NEXT;
    case OP_SB: emit_store(c, i, op, 1); return EMIT_NEXT;
    case OP_SH: emit_store(c, i, op, 2); return EMIT_NEXT;
    case OP_SW: emit_store(c, i, op, 4); return EMIT_NEXT;
    case OP_SD: emit_store(c, i, op, 8); return EMIT_NEXT;
    case OP_FLW: emit_fp_load(c, i, op, 4); return EMIT_NEXT;
    case OP_FLD: emit_fp_load(c, i, op, 8); return EMIT_NEXT;
    case OP_FSW: emit_store(c, i, op, 4); return EMIT_NEXT;
    case OP_FSD: emit_store(c, i, op, 8); return EMIT_NEXT;
    case OP_CSRRW: case OP_CSRRS: case OP_CSRRC:
    case OP_CSRRWI: case OP_CSRRSI: case OP_CSRRCI:
        emit_csr(c, i, op, o);
        return EMIT_NEXT;
    case OP_LR_W: emit_lr(c, i, op, 4); return EMIT_NEXT;
    case OP_LR_D: emit_lr(c, i, op, 8); return EMIT_NEXT;
    case OP_SC_W: emit_sc(c, i, op, 4); return EMIT_NEXT;
    case OP_SC_D: emit_sc(c, i, op, 8); return EMIT_NEXT;
    case OP_AMOSWAP_W: case OP_AMOADD_W: case OP_AMOXOR_W: case OP_AMOAND_W: case OP_AMOOR_W:
    case OP_AMOMIN_W: case OP_AMOMAX_W: case OP_AMOMINU_W: case OP_AMOMAXU_W:
        emit_amo(c, i, op, o, 4);
        return EMIT_NEXT;
    case OP_AMOSWAP_D: case OP_AMOADD_D: case OP_AMOXOR_D: case OP_AMOAND_D: case OP_AMOOR_D:
    case OP_AMOMIN_D: case OP_AMOMAX_D: case OP_AMOMINU_D: case OP_AMOMAXU_D:
        emit_amo(c, i, op, o, 8);
        return EMIT_NEXT;
    case OP_JAL:
        mov_imm(e, RAX, pc + op->len);
        st_x(e, RAX, op->rd);
        emit_chain_exit(c, 0, op->imm);
        return EMIT_ENDS_TB;
    case OP_JALR: emit_jalr(c, op, pc); return EMIT_ENDS_TB;
    case OP_BEQ: emit_branch(c, op, CC_E); return EMIT_ENDS_TB;
    case OP_BNE: emit_branch(c, op, CC_NE); return EMIT_ENDS_TB;
    case OP_BLT: emit_branch(c, op, CC_L); return EMIT_ENDS_TB;
    case OP_BGE: emit_branch(c, op, CC_GE); return EMIT_ENDS_TB;
    case OP_BLTU: emit_branch(c, op, CC_B); return EMIT_ENDS_TB;
    case OP_BGEU: emit_branch(c, op, CC_AE); return EMIT_ENDS_TB;
    case OP_TB_END: emit_chain_exit(c, 1, c->tb->pc + c->tb->size); return EMIT_ENDS_TB;
    default: return EMIT_UNSUPPORTED;
    }
}

/* The interpreter continues the TB at op i (nothing of ops i.. has been done). */
static void emit_resume_interp(Compile *c, unsigned i)
{
    Emit *e = &c->e;
    emit_write_back(e, dirty);
    mov_imm(e, RAX, (uint64_t)(uintptr_t)c->tb);
    op_mem(e, F_W, 0x89, RAX, RBX, -1, OFF_RESUME_TB);
    op_mem(e, 0, 0xC7, 0, RBX, -1, OFF_RESUME_OP);
    e32(e, i);
    exit_with(e, EXIT_INTERP);
}

static void emit_stub(Compile *c, const Stub *s)
{
    Emit *e = &c->e;
    const TBOp *op = s->op;
    patch(s->from, e->p);
    emit_write_back(e, s->dirty);
    emit_flush_instret(e);
    if (s->kind == STUB_ILLEGAL) {
        store_pc(e, c->tb->pc + op->pc_off);
        add_instret(e, s->op_index);
        op_rr(e, F_W, 0x8B, RDI, RBX);
        mov_imm(e, RSI, EXCP_ILLEGAL_INST);
        mov_imm(e, RDX, c->tb->insn_bits[s->op_index]);
        call_c(e, (const void *)riscv_raise_exception);
        exit_with(e, EXIT_LOOKUP);
        return;
    }
    if (s->kind == STUB_CSR_EXIT) {                           /* as exit_after_op */
        store_pc(e, c->tb->pc + op->pc_off + op->len);
        add_instret(e, s->op_index + 1);
        exit_with(e, EXIT_LOOKUP);
        return;
    }
    if (s->kind == STUB_CODE_WRITE) {
        store_pc(e, c->tb->pc + op->pc_off);                  /* --tlb-check names the store */
        op_rr(e, F_W, 0x8B, RDI, RBX);                        /* rsi = host address */
        mov_imm(e, RDX, s->size);
        call_c(e, (const void *)tlb_notify_code_write);
        jmp_to(e, s->resume);
        return;
    }
    store_pc(e, c->tb->pc + op->pc_off);                      /* the slow path may raise */
    op_rr(e, F_W, 0x8B, RDI, RBX);                            /* rsi = vaddr */
    mov_imm(e, RDX, s->size);
    op_mem(e, 0, 0x0FB6, RCX, RBX, -1, OFF_DMMU);
    if (s->kind == STUB_ATOMIC_HOST) {
        mov_imm(e, R8, s->sign ? ACCESS_LOAD : ACCESS_STORE);  /* sign: for LR */
        call_c(e, (const void *)tlb_atomic_host);
        op_rr(e, F_W, 0x85, RAX, RAX);
        uint8_t *raised = jcc(e, CC_E);
        op_rr(e, F_W, 0x8B, RSI, RAX);
        jmp_to(e, s->resume);
        patch(raised, e->p);
        add_instret(e, s->op_index);
        exit_with(e, EXIT_LOOKUP);
        return;
    }
    if (s->kind == STUB_LOAD) {
        mov_imm(e, R8, s->sign);
        op_mem(e, F_W, 0x8D, R9, RSP, -1, OUT);               /* lea r9, [rsp + OUT] */
        call_c(e, (const void *)tlb_load_slow);
    } else {
        op_mem(e, F_W, 0x8B, R8, RBX, -1, is_fp_store(op) ? OFF_F(op->rs2) : OFF_X(op->rs2));
        call_c(e, (const void *)tlb_store_slow);
    }
    op_rr(e, F_BYTE, 0x84, RAX, RAX);                         /* test al, al */
    uint8_t *raised = jcc(e, CC_E);
    if (s->kind == STUB_LOAD) {
        op_mem(e, F_W, 0x8B, RAX, RSP, -1, OUT);
    }
    jmp_to(e, s->resume);
    patch(raised, e->p);
    add_instret(e, s->op_index);
    exit_with(e, EXIT_LOOKUP);
}

/* Does the TB end in a branch or jump to its own first instruction? */
static bool tb_loops_to_itself(const TranslationBlock *tb, const TBOp *ops, unsigned count)
{
    if (count == 0) {
        return false;
    }
    switch (tbop_opc(&ops[count - 1])) {
    case OP_JAL: case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU:
    case OP_BGEU:
        return ops[count - 1].imm == tb->pc;
    default:
        return false;
    }
}

/* The cached registers some op of the TB writes. */
static uint32_t cached_written(const TBOp *ops, unsigned count)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < count; i++) {
        if (ops[i].rd != 0 && ops[i].rd < 32 && cached_in[ops[i].rd] >= 0) {
            m |= 1u << ops[i].rd;
        }
    }
    return m;
}

bool jit_compile_locked(TranslationBlock *tb, const TBOp *ops, unsigned count)
{
    if (!jit.on || (tb->flags & TB_FLAG_NOCACHE)) {
        return true;
    }
    size_t need = (size_t)count * JIT_MAX_OP_BYTES + JIT_MAX_TB_BYTES;
    if (jit.used + need > JIT_BUFFER_SIZE) {
        return false;
    }
    static Compile c;             /* under tb_lock */
    uint8_t *start = jit.buf + jit.used;
    c.e.p = start;
    c.start = start;
    c.tb = tb;
    tb->jit_jump_at[0] = tb->jit_jump_at[1] = 0;
    c.n_stubs = 0;
    c.fs_checked = false;
    uint8_t *to_request;
    emit_icount_check(&c.e, &to_request);
    choose_cached_regs(ops, count);
    c.loop_head = NULL;
    tb->jit_loop_head = 0;
    bool self_loop = tb_loops_to_itself(tb, ops, count);
    if (self_loop) {
        /* Every iteration after the first enters at the loop head with the registers the
         * previous one left: load them all on entry, and count every cached register the
         * loop writes as dirty from the start (writing back an unchanged value is
         * harmless; a register overwritten first would otherwise hold garbage there). */
        no_load_needed = 0;
        dirty = cached_written(ops, count);
    }
    emit_cache_preload(&c.e);
    if (self_loop) {
        c.loop_head = c.e.p;
        tb->jit_loop_head = (uint32_t)(c.e.p - start);
    }
    unsigned i;
    for (i = 0; i < count; i++) {
        enum emitted r = emit_op(&c, i, &ops[i]);
        if (r == EMIT_ENDS_TB) {
            break;
        }
        if (r == EMIT_UNSUPPORTED) {
            if (i == 0) {
                return true;      /* nothing to gain: the interpreter runs this TB */
            }
            emit_resume_interp(&c, i);
            break;
        }
    }
    patch(to_request, c.e.p);
    store_pc(&c.e, tb->pc);
    exit_with(&c.e, EXIT_REQUEST);
    for (unsigned s = 0; s < c.n_stubs; s++) {
        emit_stub(&c, &c.stubs[s]);
    }
    size_t used = (size_t)(c.e.p - start);
    if (used > need) {
        abort();                  /* internal invariant: the reservation bounds every TB */
    }
    jit.used += (used + 15) & ~(size_t)15;
    tb->jit_code = start;
    if (jit.perfmap) {
        /* After a whole-cache flush the buffer is reused: perf takes the later line for an
         * address, which describes the code there at the end of the run. */
        fprintf(jit.perfmap, "%" PRIxPTR " %zx guest-0x%" PRIx64 "\n", (uintptr_t)start, used,
                tb->pc);
    }
    return true;
}

int jit_perfmap_open(const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        return -errno;
    }
    jit.perfmap = f;
    return 0;
}

static void jit_perfmap_close(void)
{
    if (jit.perfmap) {
        fclose(jit.perfmap);
        jit.perfmap = NULL;
    }
}

void jit_chain_locked(TranslationBlock *src, int slot, const TranslationBlock *dst)
{
    if (!src->jit_code || !src->jit_jump_at[slot]) {
        return;
    }
    uint8_t *rel = (uint8_t *)(uintptr_t)src->jit_code + src->jit_jump_at[slot];
    const uint8_t *to = rel + 4;
    if (dst == src && src->jit_loop_head) {
        to = (const uint8_t *)src->jit_code + src->jit_loop_head;
    } else if (dst && dst->jit_code) {
        to = (const uint8_t *)dst->jit_code;
    }
    /* Release: dst's code (written before it was published) is visible first. The store
     * is aligned, so instruction fetch on other cores sees the old or the new rel32. */
    __atomic_store_n((uint32_t *)(void *)rel, (uint32_t)(int32_t)(to - (rel + 4)),
                     __ATOMIC_RELEASE);
}

void jit_reset_locked(void)
{
    jit.used = jit.first_tb;
}

enum cpu_exit_reason jit_exec(RISCVCPU *cpu, TranslationBlock *tb, bool run_first)
{
    const uint8_t *code = tb->jit_code;
    return jit.enter(cpu, run_first ? code + jit.check_len : code);
}

bool jit_enabled(void)
{
    return jit.on;
}

int jit_init(bool on)
{
    if (!on) {
        return 0;
    }
    jit.buf = mmap(NULL, JIT_BUFFER_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (jit.buf == MAP_FAILED) {
        jit.buf = NULL;
        return -errno;
    }
    host_has_popcnt = __builtin_cpu_supports("popcnt");
    Emit e = { jit.buf };
    /* jit_enter(cpu, code): rbx = cpu, FRAME bytes of scratch, rsp 16-byte aligned. */
    uint8_t *enter = e.p;
    static const int saved[] = { RBX, RBP, R12, R13, R14, R15 };
    for (unsigned i = 0; i < sizeof(saved) / sizeof(saved[0]); i++) {
        push_reg(&e, saved[i]);
    }
    alu_imm(&e, F_W, G_SUB, RSP, FRAME);
    op_rr(&e, F_W, 0x8B, RBX, RDI);
    op_rr(&e, 0, 0x33, INSTRET_PENDING, INSTRET_PENDING);
    op_rr(&e, 0, 0xFF, 4, RSI);                               /* jmp rsi */
    jit.epilogue = e.p;                                       /* eax = the exit reason */
    op_mem(&e, F_W, 0x01, INSTRET_PENDING, RBX, -1, OFF_INSTRET);
    alu_imm(&e, F_W, G_ADD, RSP, FRAME);
    for (unsigned i = sizeof(saved) / sizeof(saved[0]); i-- > 0;) {
        pop_reg(&e, saved[i]);
    }
    e8(&e, 0xC3);                                             /* ret */
    memcpy(&jit.enter, &enter, sizeof(enter));
    uint8_t *check = e.p;
    uint8_t *rel;
    emit_icount_check(&e, &rel);
    jit.check_len = (unsigned)(e.p - check);
    jit.first_tb = (size_t)(check - jit.buf + 63) & ~(size_t)63;
    jit.used = jit.first_tb;
    jit.on = true;
    return 0;
}

void jit_destroy(void)
{
    jit_perfmap_close();
    if (jit.buf) {
        munmap(jit.buf, JIT_BUFFER_SIZE);
    }
    jit.buf = NULL;
    jit.on = false;
}

#else /* not x86-64: the interpreter runs everything */

int jit_init(bool on)
{
    (void)on;
    return 0;
}

void jit_destroy(void)
{
}

int jit_perfmap_open(const char *path)
{
    (void)path;
    return -ENOTSUP;
}

bool jit_enabled(void)
{
    return false;
}

bool jit_compile_locked(TranslationBlock *tb, const TBOp *ops, unsigned count)
{
    (void)tb;
    (void)ops;
    (void)count;
    return true;
}

void jit_chain_locked(TranslationBlock *src, int slot, const TranslationBlock *dst)
{
    (void)src;
    (void)slot;
    (void)dst;
}

void jit_reset_locked(void)
{
}

enum cpu_exit_reason jit_exec(RISCVCPU *cpu, TranslationBlock *tb, bool run_first)
{
    (void)cpu;
    (void)tb;
    (void)run_first;
    return EXIT_LOOKUP;
}

#endif
