/* RISC-V instruction decoder: owns all RV64GC + Zba/Zbb/Zbs encoding knowledge (field layouts,
 * immediate scrambling, reserved and hint encodings, compressed-to-base expansion) and turns one
 * instruction into a TBOp following the operand conventions of cpu/ops.h.
 * Callers: the translator of any vCPU thread; riscv_decode() and riscv_op_name() are pure
 * functions of their arguments.
 * Locking: none (no state). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cpu/ops.h"

/* ---------------------------------------------------------------------------------------------
 * Field extraction
 * ------------------------------------------------------------------------------------------- */

static inline uint32_t bits(uint32_t x, unsigned hi, unsigned lo)
{
    return (x >> lo) & ((1u << (hi - lo + 1)) - 1);
}

static inline uint32_t bit(uint32_t x, unsigned n)
{
    return (x >> n) & 1;
}

/* Written without signed shifts so that it stays well defined in plain C11. */
static inline uint64_t sext(uint64_t x, unsigned width)
{
    uint64_t sign = 1ull << (width - 1);
    x &= (sign << 1) - 1;
    return (x ^ sign) - sign;
}

static inline uint32_t f_rd(uint32_t i) { return bits(i, 11, 7); }
static inline uint32_t f_rs1(uint32_t i) { return bits(i, 19, 15); }
static inline uint32_t f_rs2(uint32_t i) { return bits(i, 24, 20); }
static inline uint32_t f_rs3(uint32_t i) { return bits(i, 31, 27); }
static inline uint32_t f_funct3(uint32_t i) { return bits(i, 14, 12); }
static inline uint32_t f_funct7(uint32_t i) { return bits(i, 31, 25); }

static inline uint64_t imm_i(uint32_t i) { return sext(i >> 20, 12); }

static inline uint64_t imm_s(uint32_t i)
{
    return sext(bits(i, 31, 25) << 5 | bits(i, 11, 7), 12);
}

static inline uint64_t imm_b(uint32_t i)
{
    return sext(bit(i, 31) << 12 | bit(i, 7) << 11 | bits(i, 30, 25) << 5 | bits(i, 11, 8) << 1,
                13);
}

static inline uint64_t imm_u(uint32_t i) { return sext(i & 0xfffff000u, 32); }

static inline uint64_t imm_j(uint32_t i)
{
    return sext(bit(i, 31) << 20 | bits(i, 19, 12) << 12 | bit(i, 20) << 11 |
                bits(i, 30, 21) << 1, 21);
}

/* Handlers never test rd == 0: a write to x0 lands in a slot nobody reads. */
static inline uint8_t xrd(uint32_t r)
{
    return r ? (uint8_t)r : XREG_ZERO_SINK;
}

/* Combined funct7/funct3 key, so that each case line reads like a row of the spec's opcode map. */
#define K(f7, f3) ((uint32_t)(f7) << 3 | (uint32_t)(f3))

/* rm 5 and 6 are reserved in the instruction; 7 (dynamic) can only be checked against frm at
 * run time. */
static inline bool rm_ok(uint32_t rm)
{
    return rm != 5 && rm != 6;
}

/* ---------------------------------------------------------------------------------------------
 * 32-bit instructions, one helper per major opcode. Each returns the op (OP_ILLEGAL on any
 * reserved encoding; the caller then wipes whatever operands were already filled in).
 * ------------------------------------------------------------------------------------------- */

static enum riscv_op dec_load(uint32_t i, TBOp *op)
{
    static const enum riscv_op by_funct3[8] = {
        OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU, OP_ILLEGAL,
    };
    op->rd = xrd(f_rd(i));
    op->rs1 = (uint8_t)f_rs1(i);
    op->imm = imm_i(i);
    return by_funct3[f_funct3(i)];
}

static enum riscv_op dec_store(uint32_t i, TBOp *op)
{
    static const enum riscv_op by_funct3[8] = {
        OP_SB, OP_SH, OP_SW, OP_SD, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL, OP_ILLEGAL,
    };
    op->rs1 = (uint8_t)f_rs1(i);
    op->rs2 = (uint8_t)f_rs2(i);
    op->imm = imm_s(i);
    return by_funct3[f_funct3(i)];
}

/* The other funct3 values of LOAD-FP/STORE-FP belong to Zfh, Q and V, none of which we have. */
static enum riscv_op dec_load_fp(uint32_t i, TBOp *op)
{
    op->rd = (uint8_t)f_rd(i);
    op->rs1 = (uint8_t)f_rs1(i);
    op->imm = imm_i(i);
    switch (f_funct3(i)) {
    case 2: return OP_FLW;
    case 3: return OP_FLD;
    default: return OP_ILLEGAL;
    }
}

static enum riscv_op dec_store_fp(uint32_t i, TBOp *op)
{
    op->rs1 = (uint8_t)f_rs1(i);
    op->rs2 = (uint8_t)f_rs2(i);
    op->imm = imm_s(i);
    switch (f_funct3(i)) {
    case 2: return OP_FSW;
    case 3: return OP_FSD;
    default: return OP_ILLEGAL;
    }
}

static enum riscv_op dec_op_imm(uint32_t i, TBOp *op)
{
    uint32_t f3 = f_funct3(i);
    uint32_t imm12 = i >> 20;
    uint32_t top6 = bits(i, 31, 26);   /* RV64 shift-immediates have a 6-bit shamt */

    op->rd = xrd(f_rd(i));
    op->rs1 = (uint8_t)f_rs1(i);
    op->imm = imm_i(i);
    switch (f3) {
    case 0: return OP_ADDI;
    case 2: return OP_SLTI;
    case 3: return OP_SLTIU;
    case 4: return OP_XORI;
    case 6: return OP_ORI;
    case 7: return OP_ANDI;
    }

    /* funct3 1 and 5: shifts, single-bit ops and Zbb unary ops, told apart by imm[11:6]. */
    op->imm = bits(i, 25, 20);
    if (f3 == 1) {
        switch (top6) {
        case 0x00: return OP_SLLI;
        case 0x0a: return OP_BSETI;
        case 0x12: return OP_BCLRI;
        case 0x1a: return OP_BINVI;
        }
        op->imm = 0;
        switch (imm12) {
        case 0x600: return OP_CLZ;
        case 0x601: return OP_CTZ;
        case 0x602: return OP_CPOP;
        case 0x604: return OP_SEXT_B;
        case 0x605: return OP_SEXT_H;
        }
        return OP_ILLEGAL;
    }
    switch (top6) {
    case 0x00: return OP_SRLI;
    case 0x10: return OP_SRAI;
    case 0x12: return OP_BEXTI;
    case 0x18: return OP_RORI;
    }
    op->imm = 0;
    switch (imm12) {
    case 0x287: return OP_ORC_B;
    case 0x6b8: return OP_REV8;    /* the RV64 encoding; 0x698 is RV32's */
    }
    return OP_ILLEGAL;
}

static enum riscv_op dec_op_imm_32(uint32_t i, TBOp *op)
{
    uint32_t imm12 = i >> 20;

    op->rd = xrd(f_rd(i));
    op->rs1 = (uint8_t)f_rs1(i);
    switch (f_funct3(i)) {
    case 0:
        op->imm = imm_i(i);
        return OP_ADDIW;
    case 1:
        if (bits(i, 31, 26) == 0x02) {     /* slli.uw shifts the zero-extended word by 0..63 */
            op->imm = bits(i, 25, 20);
            return OP_SLLI_UW;
        }
        if (f_funct7(i) == 0x00) {
            op->imm = bits(i, 24, 20);
            return OP_SLLIW;
        }
        switch (imm12) {
        case 0x600: return OP_CLZW;
        case 0x601: return OP_CTZW;
        case 0x602: return OP_CPOPW;
        }
        return OP_ILLEGAL;
    case 5:
        /* imm[5] set in a W shift is reserved, and falls out of the funct7 match. */
        op->imm = bits(i, 24, 20);
        switch (f_funct7(i)) {
        case 0x00: return OP_SRLIW;
        case 0x20: return OP_SRAIW;
        case 0x30: return OP_RORIW;
        }
        return OP_ILLEGAL;
    default:
        return OP_ILLEGAL;
    }
}

static enum riscv_op dec_op(uint32_t i, TBOp *op)
{
    op->rd = xrd(f_rd(i));
    op->rs1 = (uint8_t)f_rs1(i);
    op->rs2 = (uint8_t)f_rs2(i);
    switch (K(f_funct7(i), f_funct3(i))) {
    case K(0x00, 0): return OP_ADD;
    case K(0x20, 0): return OP_SUB;
    case K(0x00, 1): return OP_SLL;
    case K(0x00, 2): return OP_SLT;
    case K(0x00, 3): return OP_SLTU;
    case K(0x00, 4): return OP_XOR;
    case K(0x00, 5): return OP_SRL;
    case K(0x20, 5): return OP_SRA;
    case K(0x00, 6): return OP_OR;
    case K(0x00, 7): return OP_AND;

    case K(0x01, 0): return OP_MUL;
    case K(0x01, 1): return OP_MULH;
    case K(0x01, 2): return OP_MULHSU;
    case K(0x01, 3): return OP_MULHU;
    case K(0x01, 4): return OP_DIV;
    case K(0x01, 5): return OP_DIVU;
    case K(0x01, 6): return OP_REM;
    case K(0x01, 7): return OP_REMU;

    case K(0x10, 2): return OP_SH1ADD;
    case K(0x10, 4): return OP_SH2ADD;
    case K(0x10, 6): return OP_SH3ADD;

    case K(0x20, 7): return OP_ANDN;
    case K(0x20, 6): return OP_ORN;
    case K(0x20, 4): return OP_XNOR;
    case K(0x05, 6): return OP_MAX;
    case K(0x05, 7): return OP_MAXU;
    case K(0x05, 4): return OP_MIN;
    case K(0x05, 5): return OP_MINU;
    case K(0x30, 1): return OP_ROL;
    case K(0x30, 5): return OP_ROR;

    case K(0x24, 1): return OP_BCLR;
    case K(0x24, 5): return OP_BEXT;
    case K(0x34, 1): return OP_BINV;
    case K(0x14, 1): return OP_BSET;
    }
    return OP_ILLEGAL;
}

static enum riscv_op dec_op_32(uint32_t i, TBOp *op)
{
    op->rd = xrd(f_rd(i));
    op->rs1 = (uint8_t)f_rs1(i);
    op->rs2 = (uint8_t)f_rs2(i);
    switch (K(f_funct7(i), f_funct3(i))) {
    case K(0x00, 0): return OP_ADDW;
    case K(0x20, 0): return OP_SUBW;
    case K(0x00, 1): return OP_SLLW;
    case K(0x00, 5): return OP_SRLW;
    case K(0x20, 5): return OP_SRAW;

    case K(0x01, 0): return OP_MULW;
    case K(0x01, 4): return OP_DIVW;
    case K(0x01, 5): return OP_DIVUW;
    case K(0x01, 6): return OP_REMW;
    case K(0x01, 7): return OP_REMUW;

    case K(0x04, 0): return OP_ADD_UW;
    case K(0x10, 2): return OP_SH1ADD_UW;
    case K(0x10, 4): return OP_SH2ADD_UW;
    case K(0x10, 6): return OP_SH3ADD_UW;

    case K(0x30, 1): return OP_ROLW;
    case K(0x30, 5): return OP_RORW;
    case K(0x04, 4):
        /* zext.h is the rs2 = 0 case of Zbkb's packw; other rs2 values are packw proper. */
        if (f_rs2(i) != 0)
            return OP_ILLEGAL;
        op->rs2 = 0;
        return OP_ZEXT_H;
    }
    return OP_ILLEGAL;
}

static enum riscv_op dec_branch(uint32_t i, uint64_t pc, TBOp *op)
{
    static const enum riscv_op by_funct3[8] = {
        OP_BEQ, OP_BNE, OP_ILLEGAL, OP_ILLEGAL, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU,
    };
    op->rs1 = (uint8_t)f_rs1(i);
    op->rs2 = (uint8_t)f_rs2(i);
    op->imm = pc + imm_b(i);
    return by_funct3[f_funct3(i)];
}

/* The raw fm/pred/succ are kept in imm: the backends issue a host barrier only for the
 * orderings the host does not give (fence_orders_store_load); the spec asks that reserved
 * fm/pred/succ/rs1/rd values execute as an ordinary fence, which that test does. FENCE.I
 * ignores its operand fields for forward compatibility. */
#define PAUSE_INSN 0x0100000fu   /* fence w, 0 with fm, rs1 and rd 0 (Zihintpause) */

static enum riscv_op dec_misc_mem(uint32_t i, TBOp *op)
{
    switch (f_funct3(i)) {
    case 0:
        op->imm = i >> 20;
        return i == PAUSE_INSN ? OP_PAUSE : OP_FENCE;
    case 1:
        return OP_FENCE_I;
    default:
        return OP_ILLEGAL;   /* Zicbom/Zicboz/Zicbop live at funct3 2 */
    }
}

static enum riscv_op amo_op(uint32_t funct5, bool dword)
{
    switch (funct5) {
    case 0x02: return dword ? OP_LR_D : OP_LR_W;
    case 0x03: return dword ? OP_SC_D : OP_SC_W;
    case 0x01: return dword ? OP_AMOSWAP_D : OP_AMOSWAP_W;
    case 0x00: return dword ? OP_AMOADD_D : OP_AMOADD_W;
    case 0x04: return dword ? OP_AMOXOR_D : OP_AMOXOR_W;
    case 0x0c: return dword ? OP_AMOAND_D : OP_AMOAND_W;
    case 0x08: return dword ? OP_AMOOR_D : OP_AMOOR_W;
    case 0x10: return dword ? OP_AMOMIN_D : OP_AMOMIN_W;
    case 0x14: return dword ? OP_AMOMAX_D : OP_AMOMAX_W;
    case 0x18: return dword ? OP_AMOMINU_D : OP_AMOMINU_W;
    case 0x1c: return dword ? OP_AMOMAXU_D : OP_AMOMAXU_W;
    default: return OP_ILLEGAL;
    }
}

static enum riscv_op dec_amo(uint32_t i, TBOp *op)
{
    uint32_t f3 = f_funct3(i);
    enum riscv_op opc;

    if (f3 != 2 && f3 != 3)
        return OP_ILLEGAL;
    opc = amo_op(bits(i, 31, 27), f3 == 3);
    op->rd = xrd(f_rd(i));
    op->rs1 = (uint8_t)f_rs1(i);
    op->aux = (uint8_t)(bit(i, 26) << 1 | bit(i, 25));
    if (opc == OP_LR_W || opc == OP_LR_D) {
        if (f_rs2(i) != 0)
            return OP_ILLEGAL;
    } else {
        op->rs2 = (uint8_t)f_rs2(i);
    }
    return opc;
}

/* Privileged instructions with no operands have exactly one valid encoding each. */
static enum riscv_op dec_system(uint32_t i, TBOp *op)
{
    static const enum riscv_op csr_by_funct3[8] = {
        OP_ILLEGAL, OP_CSRRW, OP_CSRRS, OP_CSRRC, OP_ILLEGAL, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI,
    };
    uint32_t f3 = f_funct3(i);

    if (f3 != 0) {
        op->rd = xrd(f_rd(i));
        op->rs1 = (uint8_t)f_rs1(i);   /* register number or zimm; same bits */
        op->imm = i >> 20;
        return csr_by_funct3[f3];
    }
    switch (i) {
    case 0x00000073: return OP_ECALL;
    case 0x00100073: return OP_EBREAK;
    case 0x10200073: return OP_SRET;
    case 0x30200073: return OP_MRET;
    case 0x10500073: return OP_WFI;
    case 0x18000073: return OP_SFENCE_W_INVAL;
    case 0x18100073: return OP_SFENCE_INVAL_IR;
    }
    if ((f_funct7(i) == 0x09 || f_funct7(i) == 0x0b) && f_rd(i) == 0) {
        op->rs1 = (uint8_t)f_rs1(i);
        op->rs2 = (uint8_t)f_rs2(i);
        return f_funct7(i) == 0x09 ? OP_SFENCE_VMA : OP_SINVAL_VMA;
    }
    return OP_ILLEGAL;
}

/* Picks the single- or double-precision flavour of an FP op. */
static inline enum riscv_op sd(bool dbl, enum riscv_op s, enum riscv_op d)
{
    return dbl ? d : s;
}

static enum riscv_op dec_fma(uint32_t i, uint32_t opcode, TBOp *op)
{
    uint32_t fmt = bits(i, 26, 25);
    bool dbl = fmt == 1;

    if (fmt > 1 || !rm_ok(f_funct3(i)))    /* fmt 2/3 are half and quad */
        return OP_ILLEGAL;
    op->rd = (uint8_t)f_rd(i);
    op->rs1 = (uint8_t)f_rs1(i);
    op->rs2 = (uint8_t)f_rs2(i);
    op->rs3 = (uint8_t)f_rs3(i);
    op->aux = (uint8_t)f_funct3(i);
    switch (opcode) {
    case 0x43: return sd(dbl, OP_FMADD_S, OP_FMADD_D);
    case 0x47: return sd(dbl, OP_FMSUB_S, OP_FMSUB_D);
    case 0x4b: return sd(dbl, OP_FNMSUB_S, OP_FNMSUB_D);
    default: return sd(dbl, OP_FNMADD_S, OP_FNMADD_D);
    }
}

/* OP-FP: funct5 selects the operation, fmt (funct7[1:0]) the precision, and rs2 doubles as a
 * sub-opcode for the unary ops. Ops whose funct3 is an opcode extension rather than rm report
 * aux = 0. */
static enum riscv_op dec_op_fp(uint32_t i, TBOp *op)
{
    uint32_t funct5 = bits(i, 31, 27);
    uint32_t fmt = bits(i, 26, 25);
    uint32_t f3 = f_funct3(i);
    uint32_t rs2 = f_rs2(i);
    bool dbl = fmt == 1;

    if (fmt > 1)
        return OP_ILLEGAL;
    op->rd = (uint8_t)f_rd(i);
    op->rs1 = (uint8_t)f_rs1(i);

    switch (funct5) {
    case 0x00: case 0x01: case 0x02: case 0x03:
        if (!rm_ok(f3))
            return OP_ILLEGAL;
        op->rs2 = (uint8_t)rs2;
        op->aux = (uint8_t)f3;
        switch (funct5) {
        case 0x00: return sd(dbl, OP_FADD_S, OP_FADD_D);
        case 0x01: return sd(dbl, OP_FSUB_S, OP_FSUB_D);
        case 0x02: return sd(dbl, OP_FMUL_S, OP_FMUL_D);
        default: return sd(dbl, OP_FDIV_S, OP_FDIV_D);
        }
    case 0x0b:
        if (rs2 != 0 || !rm_ok(f3))
            return OP_ILLEGAL;
        op->aux = (uint8_t)f3;
        return sd(dbl, OP_FSQRT_S, OP_FSQRT_D);
    case 0x04:
        op->rs2 = (uint8_t)rs2;
        switch (f3) {
        case 0: return sd(dbl, OP_FSGNJ_S, OP_FSGNJ_D);
        case 1: return sd(dbl, OP_FSGNJN_S, OP_FSGNJN_D);
        case 2: return sd(dbl, OP_FSGNJX_S, OP_FSGNJX_D);
        default: return OP_ILLEGAL;
        }
    case 0x05:
        op->rs2 = (uint8_t)rs2;
        switch (f3) {
        case 0: return sd(dbl, OP_FMIN_S, OP_FMIN_D);
        case 1: return sd(dbl, OP_FMAX_S, OP_FMAX_D);
        default: return OP_ILLEGAL;   /* fminm/fmaxm are Zfa */
        }
    case 0x08:
        /* fmt is the destination precision and rs2 the source one. */
        if (!rm_ok(f3))
            return OP_ILLEGAL;
        op->aux = (uint8_t)f3;
        if (!dbl && rs2 == 1)
            return OP_FCVT_S_D;
        if (dbl && rs2 == 0)
            return OP_FCVT_D_S;
        return OP_ILLEGAL;
    case 0x14:
        op->rd = xrd(f_rd(i));
        op->rs2 = (uint8_t)rs2;
        switch (f3) {
        case 0: return sd(dbl, OP_FLE_S, OP_FLE_D);
        case 1: return sd(dbl, OP_FLT_S, OP_FLT_D);
        case 2: return sd(dbl, OP_FEQ_S, OP_FEQ_D);
        default: return OP_ILLEGAL;
        }
    case 0x18:
        if (!rm_ok(f3))
            return OP_ILLEGAL;
        op->rd = xrd(f_rd(i));
        op->aux = (uint8_t)f3;
        switch (rs2) {
        case 0: return sd(dbl, OP_FCVT_W_S, OP_FCVT_W_D);
        case 1: return sd(dbl, OP_FCVT_WU_S, OP_FCVT_WU_D);
        case 2: return sd(dbl, OP_FCVT_L_S, OP_FCVT_L_D);
        case 3: return sd(dbl, OP_FCVT_LU_S, OP_FCVT_LU_D);
        default: return OP_ILLEGAL;
        }
    case 0x1a:
        if (!rm_ok(f3))
            return OP_ILLEGAL;
        op->aux = (uint8_t)f3;
        switch (rs2) {
        case 0: return sd(dbl, OP_FCVT_S_W, OP_FCVT_D_W);
        case 1: return sd(dbl, OP_FCVT_S_WU, OP_FCVT_D_WU);
        case 2: return sd(dbl, OP_FCVT_S_L, OP_FCVT_D_L);
        case 3: return sd(dbl, OP_FCVT_S_LU, OP_FCVT_D_LU);
        default: return OP_ILLEGAL;
        }
    case 0x1c:
        if (rs2 != 0)
            return OP_ILLEGAL;
        op->rd = xrd(f_rd(i));
        switch (f3) {
        case 0: return sd(dbl, OP_FMV_X_W, OP_FMV_X_D);
        case 1: return sd(dbl, OP_FCLASS_S, OP_FCLASS_D);
        default: return OP_ILLEGAL;
        }
    case 0x1e:
        if (rs2 != 0 || f3 != 0)
            return OP_ILLEGAL;
        return sd(dbl, OP_FMV_W_X, OP_FMV_D_X);
    default:
        return OP_ILLEGAL;
    }
}

static enum riscv_op decode_32(uint32_t i, uint64_t pc, TBOp *op)
{
    uint32_t opcode = bits(i, 6, 0);

    switch (opcode) {
    case 0x03: return dec_load(i, op);
    case 0x07: return dec_load_fp(i, op);
    case 0x0f: return dec_misc_mem(i, op);
    case 0x13: return dec_op_imm(i, op);
    case 0x17:
        op->rd = xrd(f_rd(i));
        op->imm = pc + imm_u(i);
        return OP_LI;
    case 0x1b: return dec_op_imm_32(i, op);
    case 0x23: return dec_store(i, op);
    case 0x27: return dec_store_fp(i, op);
    case 0x2f: return dec_amo(i, op);
    case 0x33: return dec_op(i, op);
    case 0x37:
        op->rd = xrd(f_rd(i));
        op->imm = imm_u(i);
        return OP_LI;
    case 0x3b: return dec_op_32(i, op);
    case 0x43: case 0x47: case 0x4b: case 0x4f:
        return dec_fma(i, opcode, op);
    case 0x53: return dec_op_fp(i, op);
    case 0x63: return dec_branch(i, pc, op);
    case 0x67:
        if (f_funct3(i) != 0)
            return OP_ILLEGAL;
        op->rd = xrd(f_rd(i));
        op->rs1 = (uint8_t)f_rs1(i);
        op->imm = imm_i(i);
        return OP_JALR;
    case 0x6f:
        op->rd = xrd(f_rd(i));
        op->imm = pc + imm_j(i);
        return OP_JAL;
    case 0x73: return dec_system(i, op);
    default:
        /* custom-0..3, OP-V, reserved opcodes and the >32-bit length prefixes */
        return OP_ILLEGAL;
    }
}

/* ---------------------------------------------------------------------------------------------
 * Compressed instructions. Each form expands to the op of its 32-bit equivalent. Hints (valid
 * encodings with no architectural effect, mostly writes to x0) become OP_NOP; reserved
 * encodings become OP_ILLEGAL.
 * ------------------------------------------------------------------------------------------- */

/* The 3-bit register fields of CIW/CL/CS/CA/CB forms name x8..x15 (or f8..f15). */
static inline uint8_t creg(uint32_t field)
{
    return (uint8_t)(field + 8);
}

/* Immediate scrambles, named after the instructions that use them. */
static inline uint64_t cimm6(uint32_t c)           /* c.addi, c.addiw, c.li, c.andi */
{
    return sext(bit(c, 12) << 5 | bits(c, 6, 2), 6);
}

static inline uint32_t cshamt(uint32_t c)          /* c.slli, c.srli, c.srai */
{
    return bit(c, 12) << 5 | bits(c, 6, 2);
}

static inline uint32_t cimm_addi4spn(uint32_t c)
{
    return bits(c, 12, 11) << 4 | bits(c, 10, 7) << 6 | bit(c, 6) << 2 | bit(c, 5) << 3;
}

static inline uint32_t cimm_lw(uint32_t c)         /* c.lw, c.sw */
{
    return bits(c, 12, 10) << 3 | bit(c, 6) << 2 | bit(c, 5) << 6;
}

static inline uint32_t cimm_ld(uint32_t c)         /* c.ld, c.sd, c.fld, c.fsd */
{
    return bits(c, 12, 10) << 3 | bits(c, 6, 5) << 6;
}

static inline uint64_t cimm_addi16sp(uint32_t c)
{
    return sext(bit(c, 12) << 9 | bit(c, 6) << 4 | bit(c, 5) << 6 | bits(c, 4, 3) << 7 |
                bit(c, 2) << 5, 10);
}

static inline uint64_t cimm_lui(uint32_t c)
{
    return sext(bit(c, 12) << 17 | bits(c, 6, 2) << 12, 18);
}

static inline uint64_t cimm_j(uint32_t c)
{
    return sext(bit(c, 12) << 11 | bit(c, 11) << 4 | bits(c, 10, 9) << 8 | bit(c, 8) << 10 |
                bit(c, 7) << 6 | bit(c, 6) << 7 | bits(c, 5, 3) << 1 | bit(c, 2) << 5, 12);
}

static inline uint64_t cimm_b(uint32_t c)
{
    return sext(bit(c, 12) << 8 | bits(c, 11, 10) << 3 | bits(c, 6, 5) << 6 |
                bits(c, 4, 3) << 1 | bit(c, 2) << 5, 9);
}

static inline uint32_t cimm_lwsp(uint32_t c)
{
    return bit(c, 12) << 5 | bits(c, 6, 4) << 2 | bits(c, 3, 2) << 6;
}

static inline uint32_t cimm_ldsp(uint32_t c)       /* c.ldsp, c.fldsp */
{
    return bit(c, 12) << 5 | bits(c, 6, 5) << 3 | bits(c, 4, 2) << 6;
}

static inline uint32_t cimm_swsp(uint32_t c)
{
    return bits(c, 12, 9) << 2 | bits(c, 8, 7) << 6;
}

static inline uint32_t cimm_sdsp(uint32_t c)       /* c.sdsp, c.fsdsp */
{
    return bits(c, 12, 10) << 3 | bits(c, 9, 7) << 6;
}

static enum riscv_op dec_c0(uint32_t c, TBOp *op)
{
    uint8_t r1 = creg(bits(c, 9, 7)), r2 = creg(bits(c, 4, 2));

    switch (bits(c, 15, 13)) {
    case 0: /* c.addi4spn; nzuimm = 0 (which includes the all-zero parcel) is reserved */
        if (cimm_addi4spn(c) == 0)
            return OP_ILLEGAL;
        op->rd = r2;
        op->rs1 = 2;
        op->imm = cimm_addi4spn(c);
        return OP_ADDI;
    case 1:
        op->rd = r2;
        op->rs1 = r1;
        op->imm = cimm_ld(c);
        return OP_FLD;
    case 2:
        op->rd = r2;
        op->rs1 = r1;
        op->imm = cimm_lw(c);
        return OP_LW;
    case 3:
        op->rd = r2;
        op->rs1 = r1;
        op->imm = cimm_ld(c);
        return OP_LD;
    case 5:
        op->rs1 = r1;
        op->rs2 = r2;
        op->imm = cimm_ld(c);
        return OP_FSD;
    case 6:
        op->rs1 = r1;
        op->rs2 = r2;
        op->imm = cimm_lw(c);
        return OP_SW;
    case 7:
        op->rs1 = r1;
        op->rs2 = r2;
        op->imm = cimm_ld(c);
        return OP_SD;
    default:
        return OP_ILLEGAL;   /* funct3 4 is reserved (Zcb) */
    }
}

/* CA-format register-register ops (c.sub .. c.addw). */
static enum riscv_op dec_c1_arith(uint32_t c, TBOp *op)
{
    static const enum riscv_op ops[8] = {
        OP_SUB, OP_XOR, OP_OR, OP_AND, OP_SUBW, OP_ADDW, OP_ILLEGAL, OP_ILLEGAL,
    };
    uint8_t r = creg(bits(c, 9, 7));

    op->rd = r;
    op->rs1 = r;
    switch (bits(c, 11, 10)) {
    case 0: /* c.srli */
    case 1: /* c.srai */
        if (cshamt(c) == 0)
            return OP_NOP;      /* RV64: shamt 0 is a hint */
        op->imm = cshamt(c);
        return bits(c, 11, 10) == 0 ? OP_SRLI : OP_SRAI;
    case 2:
        op->imm = cimm6(c);
        return OP_ANDI;
    default:
        op->rs2 = creg(bits(c, 4, 2));
        return ops[bit(c, 12) << 2 | bits(c, 6, 5)];
    }
}

static enum riscv_op dec_c1(uint32_t c, uint64_t pc, TBOp *op)
{
    uint32_t rd = bits(c, 11, 7);

    switch (bits(c, 15, 13)) {
    case 0: /* c.nop / c.addi; a zero immediate or rd = x0 leaves no trace */
        if (rd == 0 || cimm6(c) == 0)
            return OP_NOP;
        op->rd = (uint8_t)rd;
        op->rs1 = (uint8_t)rd;
        op->imm = cimm6(c);
        return OP_ADDI;
    case 1: /* c.addiw; imm 0 is sext.w and legal, rd = 0 is reserved */
        if (rd == 0)
            return OP_ILLEGAL;
        op->rd = (uint8_t)rd;
        op->rs1 = (uint8_t)rd;
        op->imm = cimm6(c);
        return OP_ADDIW;
    case 2: /* c.li */
        if (rd == 0)
            return OP_NOP;
        op->rd = (uint8_t)rd;
        op->imm = cimm6(c);
        return OP_LI;
    case 3:
        if (rd == 2) {  /* c.addi16sp */
            if (cimm_addi16sp(c) == 0)
                return OP_ILLEGAL;
            op->rd = 2;
            op->rs1 = 2;
            op->imm = cimm_addi16sp(c);
            return OP_ADDI;
        }
        /* c.lui: nzimm = 0 is reserved for every rd, rd = x0 with nzimm != 0 is a hint */
        if (cimm_lui(c) == 0)
            return OP_ILLEGAL;
        if (rd == 0)
            return OP_NOP;
        op->rd = (uint8_t)rd;
        op->imm = cimm_lui(c);
        return OP_LI;
    case 4:
        return dec_c1_arith(c, op);
    case 5: /* c.j */
        op->rd = XREG_ZERO_SINK;
        op->imm = pc + cimm_j(c);
        return OP_JAL;
    case 6: /* c.beqz */
    case 7: /* c.bnez */
        op->rs1 = creg(bits(c, 9, 7));
        op->rs2 = 0;
        op->imm = pc + cimm_b(c);
        return bits(c, 15, 13) == 6 ? OP_BEQ : OP_BNE;
    }
    return OP_ILLEGAL;
}

/* funct4 1000/1001 group: c.jr, c.mv, c.ebreak, c.jalr, c.add. */
static enum riscv_op dec_c2_jr_mv_add(uint32_t c, TBOp *op)
{
    uint32_t rs1 = bits(c, 11, 7), rs2 = bits(c, 6, 2);

    if (bit(c, 12) == 0) {
        if (rs2 == 0) {         /* c.jr */
            if (rs1 == 0)
                return OP_ILLEGAL;
            op->rd = XREG_ZERO_SINK;
            op->rs1 = (uint8_t)rs1;
            return OP_JALR;
        }
        if (rs1 == 0)           /* c.mv to x0: hint */
            return OP_NOP;
        op->rd = (uint8_t)rs1;
        op->rs1 = 0;
        op->rs2 = (uint8_t)rs2;
        return OP_ADD;
    }
    if (rs2 == 0) {
        if (rs1 == 0)
            return OP_EBREAK;
        op->rd = 1;             /* c.jalr links through ra */
        op->rs1 = (uint8_t)rs1;
        return OP_JALR;
    }
    if (rs1 == 0)               /* c.add to x0: hint */
        return OP_NOP;
    op->rd = (uint8_t)rs1;
    op->rs1 = (uint8_t)rs1;
    op->rs2 = (uint8_t)rs2;
    return OP_ADD;
}

static enum riscv_op dec_c2(uint32_t c, TBOp *op)
{
    uint32_t rd = bits(c, 11, 7);

    switch (bits(c, 15, 13)) {
    case 0: /* c.slli; rd = x0 or shamt = 0 are hints */
        if (rd == 0 || cshamt(c) == 0)
            return OP_NOP;
        op->rd = (uint8_t)rd;
        op->rs1 = (uint8_t)rd;
        op->imm = cshamt(c);
        return OP_SLLI;
    case 1: /* c.fldsp: f0 is a real register, so rd = 0 is fine */
        op->rd = (uint8_t)rd;
        op->rs1 = 2;
        op->imm = cimm_ldsp(c);
        return OP_FLD;
    case 2: /* c.lwsp */
    case 3: /* c.ldsp */
        if (rd == 0)
            return OP_ILLEGAL;
        op->rd = (uint8_t)rd;
        op->rs1 = 2;
        if (bits(c, 15, 13) == 2) {
            op->imm = cimm_lwsp(c);
            return OP_LW;
        }
        op->imm = cimm_ldsp(c);
        return OP_LD;
    case 4:
        return dec_c2_jr_mv_add(c, op);
    case 5: /* c.fsdsp */
        op->rs1 = 2;
        op->rs2 = (uint8_t)bits(c, 6, 2);
        op->imm = cimm_sdsp(c);
        return OP_FSD;
    case 6: /* c.swsp */
        op->rs1 = 2;
        op->rs2 = (uint8_t)bits(c, 6, 2);
        op->imm = cimm_swsp(c);
        return OP_SW;
    case 7: /* c.sdsp */
        op->rs1 = 2;
        op->rs2 = (uint8_t)bits(c, 6, 2);
        op->imm = cimm_sdsp(c);
        return OP_SD;
    }
    return OP_ILLEGAL;
}

/* ---------------------------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------------------------- */

static const uint8_t op_flags[OP_COUNT] = {
#define DEF_OP(name, mnemonic, flags) [OP_##name] = (flags),
#include "cpu/ops.def"
#undef DEF_OP
};

static bool op_ends_tb(enum riscv_op opc)
{
    return (op_flags[opc] & OP_ENDS_TB) != 0;
}

int riscv_decode(uint32_t insn, uint64_t pc, TBOp *op, int *ends_tb)
{
    uint16_t pc_off = op->pc_off;
    enum riscv_op opc;
    int len;

    *op = (TBOp){ 0 };
    if ((insn & 3) != 3) {
        insn &= 0xffff;
        len = 2;
        switch (insn & 3) {
        case 0: opc = dec_c0(insn, op); break;
        case 1: opc = dec_c1(insn, pc, op); break;
        default: opc = dec_c2(insn, op); break;
        }
    } else {
        len = 4;
        opc = decode_32(insn, pc, op);
    }

    /* Sub-decoders may have filled operands before spotting a reserved field; an illegal op
     * carries only the raw bits, which become mtval. Hints likewise carry nothing. */
    if (opc == OP_ILLEGAL || opc == OP_NOP) {
        *op = (TBOp){ 0 };
        if (opc == OP_ILLEGAL)
            op->imm = insn;
    }
    op->handler = (const void *)(uintptr_t)opc;
    op->len = (uint8_t)len;
    op->pc_off = pc_off;
    *ends_tb = op_ends_tb(opc);
    return len;
}

static const char *const op_names[OP_COUNT] = {
#define DEF_OP(name, mnemonic, flags) [OP_##name] = (mnemonic),
#include "cpu/ops.def"
#undef DEF_OP
};

const char *riscv_op_name(enum riscv_op opc)
{
    if ((unsigned)opc >= OP_COUNT || op_names[opc] == NULL)
        return "?";
    return op_names[opc];
}
