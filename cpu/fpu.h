/* IEEE-754 binary32/binary64 arithmetic for the F and D extensions (rounding, flags, NaNs).
 * Callers: any thread; pure functions, except the thread-local host FP environment they use.
 * Locking: none. */
#ifndef CPU_FPU_H
#define CPU_FPU_H

#include <stdint.h>

/* fflags bits, as in the fcsr CSR. */
enum { FFLAG_NX = 1, FFLAG_UF = 2, FFLAG_OF = 4, FFLAG_DZ = 8, FFLAG_NV = 16 };

/* Static rounding modes. The caller resolves the dynamic mode (7) from frm and raises an
 * illegal-instruction exception for 5, 6 and an invalid frm itself; values outside 0..4 are
 * not accepted here (they currently round like RM_RNE). */
enum { RM_RNE = 0, RM_RTZ = 1, RM_RDN = 2, RM_RUP = 3, RM_RMM = 4 };

#define FPU_CANON_NAN_S 0x7fc00000u
#define FPU_CANON_NAN_D 0x7ff8000000000000ull

/* A binary32 value in a 64-bit f register is NaN-boxed: the upper 32 bits are all ones. */
static inline uint64_t fpu_box_s(uint32_t v)
{
    return 0xffffffff00000000ull | v;
}

/* An improperly boxed value reads as the canonical NaN, so that a stale double can never be
 * mistaken for a float. */
static inline uint32_t fpu_unbox_s(uint64_t v)
{
    return (v >> 32) == 0xffffffffu ? (uint32_t)v : FPU_CANON_NAN_S;
}

/* Operands and results are raw IEEE bit patterns. Every function ORs the exception flags it
 * raises into *fflags and never clears any. Any NaN result is the canonical NaN. */

/* ---- binary32 ---- */
uint32_t fpu_add_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags);
uint32_t fpu_sub_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags);
uint32_t fpu_mul_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags);
uint32_t fpu_div_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags);
uint32_t fpu_sqrt_s(uint32_t a, int rm, uint32_t *fflags);
/* result = (negate_product ? -(a*b) : a*b) + (negate_addend ? -c : c), rounded once.
 * fmadd = (0,0), fmsub = (0,1), fnmsub = (1,0), fnmadd = (1,1). */
uint32_t fpu_fma_s(uint32_t a, uint32_t b, uint32_t c, int negate_product, int negate_addend,
                   int rm, uint32_t *fflags);
/* IEEE 754-2019 minimumNumber/maximumNumber (RISC-V F 2.2+): -0 < +0, a single NaN operand
 * yields the other operand, two NaNs yield the canonical NaN, any sNaN raises NV. */
uint32_t fpu_min_s(uint32_t a, uint32_t b, uint32_t *fflags);
uint32_t fpu_max_s(uint32_t a, uint32_t b, uint32_t *fflags);
int fpu_eq_s(uint32_t a, uint32_t b, uint32_t *fflags);  /* quiet: NV only for sNaN */
int fpu_lt_s(uint32_t a, uint32_t b, uint32_t *fflags);  /* signaling: NV for any NaN */
int fpu_le_s(uint32_t a, uint32_t b, uint32_t *fflags);
uint64_t fpu_class_s(uint32_t a);   /* 10-bit fclass mask */
/* Float to integer: rounded per rm; NaN and +overflow give the maximum, -overflow the minimum
 * (0 for unsigned); an invalid conversion raises NV only, an inexact valid one NX.
 * 32-bit results are sign-extended to 64 bits (also for wu), as fcvt writes rd on RV64. */
uint64_t fpu_cvt_w_s(uint32_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_wu_s(uint32_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_l_s(uint32_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_lu_s(uint32_t a, int rm, uint32_t *fflags);
uint32_t fpu_cvt_s_w(int32_t v, int rm, uint32_t *fflags);
uint32_t fpu_cvt_s_wu(uint32_t v, int rm, uint32_t *fflags);
uint32_t fpu_cvt_s_l(int64_t v, int rm, uint32_t *fflags);
uint32_t fpu_cvt_s_lu(uint64_t v, int rm, uint32_t *fflags);

/* ---- binary64: same contracts ---- */
uint64_t fpu_add_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags);
uint64_t fpu_sub_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags);
uint64_t fpu_mul_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags);
uint64_t fpu_div_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags);
uint64_t fpu_sqrt_d(uint64_t a, int rm, uint32_t *fflags);
uint64_t fpu_fma_d(uint64_t a, uint64_t b, uint64_t c, int negate_product, int negate_addend,
                   int rm, uint32_t *fflags);
uint64_t fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags);
int fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags);
int fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags);
int fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags);
uint64_t fpu_class_d(uint64_t a);
uint64_t fpu_cvt_w_d(uint64_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_wu_d(uint64_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_l_d(uint64_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_lu_d(uint64_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_d_w(int32_t v, int rm, uint32_t *fflags);
uint64_t fpu_cvt_d_wu(uint32_t v, int rm, uint32_t *fflags);
uint64_t fpu_cvt_d_l(int64_t v, int rm, uint32_t *fflags);
uint64_t fpu_cvt_d_lu(uint64_t v, int rm, uint32_t *fflags);

/* ---- between formats ---- */
uint32_t fpu_cvt_s_d(uint64_t a, int rm, uint32_t *fflags);
uint64_t fpu_cvt_d_s(uint32_t a, uint32_t *fflags);   /* exact; sNaN raises NV; NaN -> canonical */

#endif
