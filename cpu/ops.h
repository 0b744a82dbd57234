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
 * whose rd == XREG_ZERO_SINK means "do not read the CSR" (CSRRW/CSRRWI with rd = x0).
 * The list of ops, their mnemonics and which end a TB: cpu/ops.def. */
#define OP_ENDS_TB 1u

/* One value per line of cpu/ops.def. */
enum riscv_op {
#define DEF_OP(name, mnemonic, flags) OP_##name,
#include "cpu/ops.def"
#undef DEF_OP
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
