/* One F or D computational instruction (OP_FADD_S .. OP_FNMADD_D of cpu/ops.def: arithmetic,
 * conversions, moves, compares, classification; not the loads and stores) executed on a
 * hart's registers. The interpreter runs these ops through riscv_fp_exec, and the JIT calls it
 * from compiled code, so both share one definition of their semantics.
 * Callers: the hart's vCPU thread (it owns x[], f[], fflags, frm and mstatus.FS).
 * Locking: none. */
#ifndef CPU_FP_EXEC_H
#define CPU_FP_EXEC_H

#include <stdbool.h>

#include "cpu/cpu.h"
#include "cpu/ops.h"

static inline bool riscv_op_is_fp_compute(enum riscv_op opc)
{
    return opc >= OP_FADD_S && opc <= OP_FNMADD_D;
}

/* Whether an F/D computational op reads x[rs1] (conversions from integers, fmv to f) or
 * writes x[rd] (conversions to integers, fmv to x, compares, fclass); its other register
 * fields name f registers. */
static inline bool riscv_fp_op_reads_x(enum riscv_op opc)
{
    switch (opc) {
    case OP_FCVT_S_W: case OP_FCVT_S_WU: case OP_FCVT_S_L: case OP_FCVT_S_LU: case OP_FMV_W_X:
    case OP_FCVT_D_W: case OP_FCVT_D_WU: case OP_FCVT_D_L: case OP_FCVT_D_LU: case OP_FMV_D_X:
        return true;
    default:
        return false;
    }
}

static inline bool riscv_fp_op_writes_x(enum riscv_op opc)
{
    switch (opc) {
    case OP_FCVT_W_S: case OP_FCVT_WU_S: case OP_FCVT_L_S: case OP_FCVT_LU_S: case OP_FMV_X_W:
    case OP_FEQ_S: case OP_FLT_S: case OP_FLE_S: case OP_FCLASS_S:
    case OP_FCVT_W_D: case OP_FCVT_WU_D: case OP_FCVT_L_D: case OP_FCVT_LU_D: case OP_FMV_X_D:
    case OP_FEQ_D: case OP_FLT_D: case OP_FLE_D: case OP_FCLASS_D:
        return true;
    default:
        return false;
    }
}

/* Executes `op`, whose opcode is `opc` (passed apart: a finalised op's handler field holds
 * the backend's dispatch address). Reads and writes x[] and f[], ORs exception flags into
 * fflags, and sets mstatus.FS dirty when it writes an f register. Returns false, having
 * changed nothing, when the op is illegal now (FS off, or a reserved static or invalid
 * dynamic rounding mode): the caller raises the illegal-instruction exception. */
bool riscv_fp_exec(RISCVCPU *cpu, const TBOp *op, enum riscv_op opc);

#endif
