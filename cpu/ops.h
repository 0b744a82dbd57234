/* Pre-decoded guest operations: the contract between the decoder (cpu/decode.c) and an
 * execution backend (accel/interp.c, the threaded interpreter, and accel/jit_x86.c, which
 * compiles what it can and hands the other ops to the interpreter).
 * Callers: the translating vCPU thread only; a TBOp array is immutable once its TB is published.
 * Locking: none (pure data). */
#ifndef CPU_OPS_H
#define CPU_OPS_H

#include <stdbool.h>
#include <stdint.h>

/* Register index that integer writes to x0 are redirected to, so that handlers never branch
 * on rd == 0. RISCVCPU.x has 33 slots; x[0] is never written and always reads 0. */
#define XREG_ZERO_SINK 32

/* Operand conventions (rd/rs1/rs2/rs3 are register numbers, imm is a 64-bit value):
 *  R      rd = f(x[rs1], x[rs2])
 *  I      rd = f(x[rs1], imm)            (shift amounts in imm)
 *  U      rd = imm                       (OP_LI: lui and auipc, value computed at decode time)
 *  B      if cond(x[rs1], x[rs2]) pc = imm (absolute target); else fall through
 *  J      x[rd] = pc + len; pc = imm     (absolute target)
 *  JALR   t = (x[rs1] + imm) & ~1; x[rd] = pc + len; pc = t
 *  LOAD   x[rd] = mem[x[rs1] + imm]      (FP loads: f[rd])
 *  STORE  mem[x[rs1] + imm] = x[rs2]     (FP stores: f[rs2])
 *  AMO    x[rd] = mem[x[rs1]]; mem[x[rs1]] = op(old, x[rs2]); aux = aq<<1 | rl
 *  CSR    imm = CSR number; rs1 = source register (CSRRW/S/C) or zimm (CSRR*I)
 *  FP     rd/rs1/rs2/rs3 are f registers except where the name says X (FMV_X_*, FCVT_W*,
 *         FCVT_L*, FEQ/FLT/FLE, FCLASS write x[rd]; FMV_*_X and FCVT_*_W/L read x[rs1]);
 *         aux = rm field (0..4, 7 = dynamic; 5/6 are decoded as OP_ILLEGAL)
 *  SFENCE_VMA rs1 = vaddr register, rs2 = asid register (0 = x0, meaning "all"); so does
 *             SINVAL_VMA
 *  ILLEGAL imm = the instruction bits (zero-extended, 16 bits for a compressed one) for mtval
 * Integer destination registers equal to 0 are stored as XREG_ZERO_SINK, except for CSR ops,
 * whose rd == XREG_ZERO_SINK means "do not read the CSR" (CSRRW/CSRRWI with rd = x0). */
enum riscv_op {
    OP_ILLEGAL = 0,
    OP_NOP,
    OP_LI,
    /* RV64I register-register */
    OP_ADD, OP_SUB, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_SRA, OP_OR, OP_AND,
    OP_ADDW, OP_SUBW, OP_SLLW, OP_SRLW, OP_SRAW,
    /* RV64I register-immediate */
    OP_ADDI, OP_SLTI, OP_SLTIU, OP_XORI, OP_ORI, OP_ANDI, OP_SLLI, OP_SRLI, OP_SRAI,
    OP_ADDIW, OP_SLLIW, OP_SRLIW, OP_SRAIW,
    /* M */
    OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU, OP_DIV, OP_DIVU, OP_REM, OP_REMU,
    OP_MULW, OP_DIVW, OP_DIVUW, OP_REMW, OP_REMUW,
    /* Zba */
    OP_SH1ADD, OP_SH2ADD, OP_SH3ADD, OP_ADD_UW, OP_SH1ADD_UW, OP_SH2ADD_UW, OP_SH3ADD_UW,
    OP_SLLI_UW,
    /* Zbb (unary ops use rs1 only) */
    OP_ANDN, OP_ORN, OP_XNOR, OP_CLZ, OP_CLZW, OP_CTZ, OP_CTZW, OP_CPOP, OP_CPOPW,
    OP_MAX, OP_MAXU, OP_MIN, OP_MINU, OP_SEXT_B, OP_SEXT_H, OP_ZEXT_H,
    OP_ROL, OP_ROLW, OP_ROR, OP_RORW, OP_RORI, OP_RORIW, OP_ORC_B, OP_REV8,
    /* Zbs */
    OP_BCLR, OP_BCLRI, OP_BEXT, OP_BEXTI, OP_BINV, OP_BINVI, OP_BSET, OP_BSETI,
    /* control transfer: every one of these ends its TB */
    OP_JAL, OP_JALR, OP_BEQ, OP_BNE, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU,
    /* loads and stores */
    OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU,
    OP_SB, OP_SH, OP_SW, OP_SD,
    OP_FLW, OP_FLD, OP_FSW, OP_FSD,
    /* A */
    OP_LR_W, OP_SC_W, OP_AMOSWAP_W, OP_AMOADD_W, OP_AMOXOR_W, OP_AMOAND_W, OP_AMOOR_W,
    OP_AMOMIN_W, OP_AMOMAX_W, OP_AMOMINU_W, OP_AMOMAXU_W,
    OP_LR_D, OP_SC_D, OP_AMOSWAP_D, OP_AMOADD_D, OP_AMOXOR_D, OP_AMOAND_D, OP_AMOOR_D,
    OP_AMOMIN_D, OP_AMOMAX_D, OP_AMOMINU_D, OP_AMOMAXU_D,
    /* system: ECALL..SINVAL_VMA end their TB; CSR ops and the Svinval fences do not (the
     * CSR handler exits the TB itself when the write changed translation or interrupt
     * state). PAUSE is the one Zihintpause encoding of FENCE (pred = W, everything else 0):
     * a spin-wait hint. SINVAL_VMA, SFENCE_W_INVAL and SFENCE_INVAL_IR are Svinval's; they
     * decode always and are illegal at run time on a hart without it. */
    OP_FENCE, OP_ECALL, OP_EBREAK, OP_MRET, OP_SRET, OP_WFI, OP_PAUSE, OP_SFENCE_VMA, OP_FENCE_I,
    OP_SINVAL_VMA, OP_SFENCE_W_INVAL, OP_SFENCE_INVAL_IR,
    OP_CSRRW, OP_CSRRS, OP_CSRRC, OP_CSRRWI, OP_CSRRSI, OP_CSRRCI,
    /* F */
    OP_FADD_S, OP_FSUB_S, OP_FMUL_S, OP_FDIV_S, OP_FSQRT_S,
    OP_FSGNJ_S, OP_FSGNJN_S, OP_FSGNJX_S, OP_FMIN_S, OP_FMAX_S,
    OP_FCVT_W_S, OP_FCVT_WU_S, OP_FCVT_L_S, OP_FCVT_LU_S,
    OP_FCVT_S_W, OP_FCVT_S_WU, OP_FCVT_S_L, OP_FCVT_S_LU,
    OP_FMV_X_W, OP_FMV_W_X, OP_FEQ_S, OP_FLT_S, OP_FLE_S, OP_FCLASS_S,
    OP_FMADD_S, OP_FMSUB_S, OP_FNMSUB_S, OP_FNMADD_S,
    /* D */
    OP_FADD_D, OP_FSUB_D, OP_FMUL_D, OP_FDIV_D, OP_FSQRT_D,
    OP_FSGNJ_D, OP_FSGNJN_D, OP_FSGNJX_D, OP_FMIN_D, OP_FMAX_D,
    OP_FCVT_W_D, OP_FCVT_WU_D, OP_FCVT_L_D, OP_FCVT_LU_D,
    OP_FCVT_D_W, OP_FCVT_D_WU, OP_FCVT_D_L, OP_FCVT_D_LU,
    OP_FCVT_S_D, OP_FCVT_D_S,
    OP_FMV_X_D, OP_FMV_D_X, OP_FEQ_D, OP_FLT_D, OP_FLE_D, OP_FCLASS_D,
    OP_FMADD_D, OP_FMSUB_D, OP_FNMSUB_D, OP_FNMADD_D,
    /* Synthesised by the translator, never by the decoder: fall through to the next TB
     * (page boundary or TB length limit). */
    OP_TB_END,
    OP_COUNT
};

/* One pre-decoded instruction. `handler` holds the enum riscv_op value (cast) when the decoder
 * produces it; the backend's finalise step replaces it with its own dispatch address. */
typedef struct TBOp {
    const void *handler;
    uint64_t imm;
    uint8_t rd, rs1, rs2, rs3;
    uint8_t aux;          /* rm for FP ops, aq<<1|rl for AMOs */
    uint8_t len;          /* 2 or 4: instruction length in bytes */
    uint16_t pc_off;      /* byte offset of the instruction from its TB's start pc */
} TBOp;

_Static_assert(sizeof(TBOp) == 24, "TBOp layout is part of the backend contract");

/* A FENCE whose imm (fm:pred:succ, bits 11..0 of the encoding's 31..20) orders earlier
 * writes (W or O) before later reads (R or I): the one ordering an x86-64 host does not give
 * for free, so the backends issue a full barrier for it and nothing for other fences.
 * FENCE.TSO (fm = 1000) leaves exactly that pair out. */
static inline bool fence_orders_store_load(uint64_t imm)
{
    unsigned fm = (unsigned)(imm >> 8) & 0xf;
    unsigned pred = (unsigned)(imm >> 4) & 0xf, succ = (unsigned)imm & 0xf;
    return fm != 0x8 && (pred & 0x5) != 0 && (succ & 0xa) != 0;   /* pred W|O, succ R|I */
}

static inline enum riscv_op tbop_opc(const TBOp *op)
{
    return (enum riscv_op)(uintptr_t)op->handler;
}

/* Decode the instruction whose low bits are in `insn` (a 16-bit compressed parcel or a full
 * 32-bit word) located at virtual address `pc`. Fills *op (pc_off is left to the caller) and
 * returns the instruction length (2 or 4). *ends_tb is set when the op must be the last of its
 * TB (control transfer, trap, xRET, WFI, fences that change fetch or translation). Never fails:
 * unknown encodings become OP_ILLEGAL. */
int riscv_decode(uint32_t insn, uint64_t pc, TBOp *op, int *ends_tb);

/* Name of an op for logs and tests ("add", "c.addi" is reported as "addi"). */
const char *riscv_op_name(enum riscv_op opc);

#endif
