/* F and D computational ops (see cpu/fp_exec.h). One case per op of cpu/ops.def's F and D
 * sections; rd = x0 needs no care here because the decoder sends writes of x0 to a sink
 * register. */
#include "cpu/fp_exec.h"

#include "cpu/fpu.h"

/* The rounding mode of `op` (its rm field, or frm for the dynamic mode 7), or -1 when it is
 * reserved (5, 6) or frm holds an invalid mode. */
static int fp_rm(const RISCVCPU *cpu, const TBOp *op)
{
    int rm = op->aux == 7 ? cpu->frm : op->aux;
    return rm > 4 ? -1 : rm;
}

static inline uint64_t sext32(uint64_t v)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)v;
}

bool riscv_fp_exec(RISCVCPU *cpu, const TBOp *op, enum riscv_op opc)
{
    uint64_t *const x = cpu->x;
    uint64_t *const f = cpu->f;
    int rm = 0;

#define RD x[op->rd]
#define RS1 x[op->rs1]
#define FP_ON() do { if (!riscv_fpu_enabled(cpu)) return false; } while (0)
#define FP_RM() do { FP_ON(); rm = fp_rm(cpu, op); if (rm < 0) return false; } while (0)
#define S(r) fpu_unbox_s(f[r])
#define FF (&cpu->fflags)

    switch (opc) {
    /* ---- F ---- */
    case OP_FADD_S: FP_RM(); f[op->rd] = fpu_box_s(fpu_add_s(S(op->rs1), S(op->rs2), rm, FF)); break;
    case OP_FSUB_S: FP_RM(); f[op->rd] = fpu_box_s(fpu_sub_s(S(op->rs1), S(op->rs2), rm, FF)); break;
    case OP_FMUL_S: FP_RM(); f[op->rd] = fpu_box_s(fpu_mul_s(S(op->rs1), S(op->rs2), rm, FF)); break;
    case OP_FDIV_S: FP_RM(); f[op->rd] = fpu_box_s(fpu_div_s(S(op->rs1), S(op->rs2), rm, FF)); break;
    case OP_FSQRT_S: FP_RM(); f[op->rd] = fpu_box_s(fpu_sqrt_s(S(op->rs1), rm, FF)); break;
    case OP_FSGNJ_S:
    FP_ON();
    f[op->rd] = fpu_box_s((S(op->rs1) & 0x7fffffffu) | (S(op->rs2) & 0x80000000u));
    break;
    case OP_FSGNJN_S:
    FP_ON();
    f[op->rd] = fpu_box_s((S(op->rs1) & 0x7fffffffu) | (~S(op->rs2) & 0x80000000u));
    break;
    case OP_FSGNJX_S:
    FP_ON();
    f[op->rd] = fpu_box_s(S(op->rs1) ^ (S(op->rs2) & 0x80000000u));
    break;
    case OP_FMIN_S: FP_ON(); f[op->rd] = fpu_box_s(fpu_min_s(S(op->rs1), S(op->rs2), FF)); break;
    case OP_FMAX_S: FP_ON(); f[op->rd] = fpu_box_s(fpu_max_s(S(op->rs1), S(op->rs2), FF)); break;
    case OP_FCVT_W_S: FP_RM(); RD = fpu_cvt_w_s(S(op->rs1), rm, FF); break;
    case OP_FCVT_WU_S: FP_RM(); RD = fpu_cvt_wu_s(S(op->rs1), rm, FF); break;
    case OP_FCVT_L_S: FP_RM(); RD = fpu_cvt_l_s(S(op->rs1), rm, FF); break;
    case OP_FCVT_LU_S: FP_RM(); RD = fpu_cvt_lu_s(S(op->rs1), rm, FF); break;
    case OP_FCVT_S_W: FP_RM(); f[op->rd] = fpu_box_s(fpu_cvt_s_w((int32_t)RS1, rm, FF)); break;
    case OP_FCVT_S_WU: FP_RM(); f[op->rd] = fpu_box_s(fpu_cvt_s_wu((uint32_t)RS1, rm, FF)); break;
    case OP_FCVT_S_L: FP_RM(); f[op->rd] = fpu_box_s(fpu_cvt_s_l((int64_t)RS1, rm, FF)); break;
    case OP_FCVT_S_LU: FP_RM(); f[op->rd] = fpu_box_s(fpu_cvt_s_lu(RS1, rm, FF)); break;
    case OP_FMV_X_W: FP_ON(); RD = sext32((uint32_t)f[op->rs1]); return true;
    case OP_FMV_W_X: FP_ON(); f[op->rd] = fpu_box_s((uint32_t)RS1); break;
    case OP_FEQ_S: FP_ON(); RD = (uint64_t)fpu_eq_s(S(op->rs1), S(op->rs2), FF); break;
    case OP_FLT_S: FP_ON(); RD = (uint64_t)fpu_lt_s(S(op->rs1), S(op->rs2), FF); break;
    case OP_FLE_S: FP_ON(); RD = (uint64_t)fpu_le_s(S(op->rs1), S(op->rs2), FF); break;
    case OP_FCLASS_S: FP_ON(); RD = fpu_class_s(S(op->rs1)); return true;
    case OP_FMADD_S:
    FP_RM();
    f[op->rd] = fpu_box_s(fpu_fma_s(S(op->rs1), S(op->rs2), S(op->rs3), 0, 0, rm, FF));
    break;
    case OP_FMSUB_S:
    FP_RM();
    f[op->rd] = fpu_box_s(fpu_fma_s(S(op->rs1), S(op->rs2), S(op->rs3), 0, 1, rm, FF));
    break;
    case OP_FNMSUB_S:
    FP_RM();
    f[op->rd] = fpu_box_s(fpu_fma_s(S(op->rs1), S(op->rs2), S(op->rs3), 1, 0, rm, FF));
    break;
    case OP_FNMADD_S:
    FP_RM();
    f[op->rd] = fpu_box_s(fpu_fma_s(S(op->rs1), S(op->rs2), S(op->rs3), 1, 1, rm, FF));
    break;

    /* ---- D ---- */
    case OP_FADD_D: FP_RM(); f[op->rd] = fpu_add_d(f[op->rs1], f[op->rs2], rm, FF); break;
    case OP_FSUB_D: FP_RM(); f[op->rd] = fpu_sub_d(f[op->rs1], f[op->rs2], rm, FF); break;
    case OP_FMUL_D: FP_RM(); f[op->rd] = fpu_mul_d(f[op->rs1], f[op->rs2], rm, FF); break;
    case OP_FDIV_D: FP_RM(); f[op->rd] = fpu_div_d(f[op->rs1], f[op->rs2], rm, FF); break;
    case OP_FSQRT_D: FP_RM(); f[op->rd] = fpu_sqrt_d(f[op->rs1], rm, FF); break;
    case OP_FSGNJ_D:
    FP_ON();
    f[op->rd] = (f[op->rs1] & ~(1ULL << 63)) | (f[op->rs2] & (1ULL << 63));
    break;
    case OP_FSGNJN_D:
    FP_ON();
    f[op->rd] = (f[op->rs1] & ~(1ULL << 63)) | (~f[op->rs2] & (1ULL << 63));
    break;
    case OP_FSGNJX_D:
    FP_ON();
    f[op->rd] = f[op->rs1] ^ (f[op->rs2] & (1ULL << 63));
    break;
    case OP_FMIN_D: FP_ON(); f[op->rd] = fpu_min_d(f[op->rs1], f[op->rs2], FF); break;
    case OP_FMAX_D: FP_ON(); f[op->rd] = fpu_max_d(f[op->rs1], f[op->rs2], FF); break;
    case OP_FCVT_W_D: FP_RM(); RD = fpu_cvt_w_d(f[op->rs1], rm, FF); break;
    case OP_FCVT_WU_D: FP_RM(); RD = fpu_cvt_wu_d(f[op->rs1], rm, FF); break;
    case OP_FCVT_L_D: FP_RM(); RD = fpu_cvt_l_d(f[op->rs1], rm, FF); break;
    case OP_FCVT_LU_D: FP_RM(); RD = fpu_cvt_lu_d(f[op->rs1], rm, FF); break;
    case OP_FCVT_D_W: FP_RM(); f[op->rd] = fpu_cvt_d_w((int32_t)RS1, rm, FF); break;
    case OP_FCVT_D_WU: FP_RM(); f[op->rd] = fpu_cvt_d_wu((uint32_t)RS1, rm, FF); break;
    case OP_FCVT_D_L: FP_RM(); f[op->rd] = fpu_cvt_d_l((int64_t)RS1, rm, FF); break;
    case OP_FCVT_D_LU: FP_RM(); f[op->rd] = fpu_cvt_d_lu(RS1, rm, FF); break;
    case OP_FCVT_S_D: FP_RM(); f[op->rd] = fpu_box_s(fpu_cvt_s_d(f[op->rs1], rm, FF)); break;
    case OP_FCVT_D_S: FP_RM(); f[op->rd] = fpu_cvt_d_s(S(op->rs1), FF); break;
    case OP_FMV_X_D: FP_ON(); RD = f[op->rs1]; return true;
    case OP_FMV_D_X: FP_ON(); f[op->rd] = RS1; break;
    case OP_FEQ_D: FP_ON(); RD = (uint64_t)fpu_eq_d(f[op->rs1], f[op->rs2], FF); break;
    case OP_FLT_D: FP_ON(); RD = (uint64_t)fpu_lt_d(f[op->rs1], f[op->rs2], FF); break;
    case OP_FLE_D: FP_ON(); RD = (uint64_t)fpu_le_d(f[op->rs1], f[op->rs2], FF); break;
    case OP_FCLASS_D: FP_ON(); RD = fpu_class_d(f[op->rs1]); return true;
    case OP_FMADD_D:
    FP_RM();
    f[op->rd] = fpu_fma_d(f[op->rs1], f[op->rs2], f[op->rs3], 0, 0, rm, FF);
    break;
    case OP_FMSUB_D:
    FP_RM();
    f[op->rd] = fpu_fma_d(f[op->rs1], f[op->rs2], f[op->rs3], 0, 1, rm, FF);
    break;
    case OP_FNMSUB_D:
    FP_RM();
    f[op->rd] = fpu_fma_d(f[op->rs1], f[op->rs2], f[op->rs3], 1, 0, rm, FF);
    break;
    case OP_FNMADD_D:
    FP_RM();
    f[op->rd] = fpu_fma_d(f[op->rs1], f[op->rs2], f[op->rs3], 1, 1, rm, FF);
    break;
    default:
        return false;       /* not an F/D computational op: the caller's bug, kept harmless */
    }
    riscv_fpu_mark_dirty(cpu);
    return true;

#undef RD
#undef RS1
#undef FP_ON
#undef FP_RM
#undef S
#undef FF
}
