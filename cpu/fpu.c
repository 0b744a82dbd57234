/* IEEE-754 arithmetic for the RISC-V F and D extensions.
 *
 * Compile flags: -std=c11 (GNU extensions used: unsigned __int128, __builtin_clzll,
 * __attribute__((target)), __builtin_cpu_supports). Recommended: -frounding-math
 * -fno-math-errno. Correctness does not depend on them: every host operation reads volatile
 * operands and writes a volatile result between fesetround()/feclearexcept() and fetestexcept(),
 * so the compiler can neither fold it nor move it out of that window. Never build this file with
 * -ffast-math or any part of it (-ffinite-math-only, -fno-signed-zeros, -fno-trapping-math,
 * -fassociative-math), and never link crtfastmath.o or set MXCSR.DAZ/FTZ in the process: the
 * host path relies on IEEE subnormal handling.
 *
 * Strategy: on x86-64 the SSE unit gives correctly rounded results with IEEE
 * flags, tininess detected after rounding (the RISC-V rule), for add/sub/mul/div/sqrt, the
 * double->single narrowing and (with FMA3) fused multiply-add, in RNE/RTZ/RDN/RUP. Those go to
 * the host; only NaN results are replaced by the canonical NaN. RMM, which x86 cannot do, and
 * every operation on other hosts goes through the exact software path below, which is complete
 * on its own. Comparisons, min/max, fclass and all integer conversions are bit manipulation and
 * always done in software: the host versions would need more fixing up than they save. */
#include "cpu/fpu.h"

#include <fenv.h>
#include <stdbool.h>
#include <string.h>

#if defined(__x86_64__)
#define FPU_HOST 1
#else
#define FPU_HOST 0
#endif

__extension__ typedef unsigned __int128 u128;

/* ------------------------------------------------------------------------------------------
 * Formats. Both precisions share one software implementation on uint64_t bit patterns
 * (binary32 values live in the low 32 bits), parameterised by the field widths.
 * ---------------------------------------------------------------------------------------- */

typedef struct {
    int frac_bits;
    int exp_bits;
} fmt_t;

static const fmt_t FMT_S = { 23, 8 };
static const fmt_t FMT_D = { 52, 11 };

static inline int f_bias(const fmt_t *f) { return (1 << (f->exp_bits - 1)) - 1; }
static inline unsigned f_exp_max(const fmt_t *f) { return (1u << f->exp_bits) - 1; }
static inline uint64_t f_frac_mask(const fmt_t *f) { return (1ull << f->frac_bits) - 1; }
static inline uint64_t f_sign_bit(const fmt_t *f) { return 1ull << (f->frac_bits + f->exp_bits); }

static inline int f_sign(const fmt_t *f, uint64_t x)
{
    return (x & f_sign_bit(f)) != 0;
}

static inline unsigned f_exp(const fmt_t *f, uint64_t x)
{
    return (unsigned)(x >> f->frac_bits) & f_exp_max(f);
}

static inline bool is_nan(const fmt_t *f, uint64_t x)
{
    return f_exp(f, x) == f_exp_max(f) && (x & f_frac_mask(f)) != 0;
}

/* RISC-V (like IEEE 754-2008's recommendation) uses the top fraction bit as the quiet bit. */
static inline bool is_snan(const fmt_t *f, uint64_t x)
{
    return is_nan(f, x) && !((x >> (f->frac_bits - 1)) & 1);
}

static inline bool is_inf(const fmt_t *f, uint64_t x)
{
    return f_exp(f, x) == f_exp_max(f) && (x & f_frac_mask(f)) == 0;
}

static inline bool is_zero(const fmt_t *f, uint64_t x)
{
    return (x & (f_sign_bit(f) - 1)) == 0;
}

static inline uint64_t canon_nan(const fmt_t *f)
{
    return ((uint64_t)f_exp_max(f) << f->frac_bits) | (1ull << (f->frac_bits - 1));
}

static inline uint64_t make_zero(const fmt_t *f, int sign)
{
    return sign ? f_sign_bit(f) : 0;
}

static inline uint64_t make_inf(const fmt_t *f, int sign)
{
    return make_zero(f, sign) | ((uint64_t)f_exp_max(f) << f->frac_bits);
}

static inline uint64_t make_max_finite(const fmt_t *f, int sign)
{
    return make_zero(f, sign) | ((uint64_t)(f_exp_max(f) - 1) << f->frac_bits) | f_frac_mask(f);
}

/* ------------------------------------------------------------------------------------------
 * Exact software path.
 *
 * A finite non-zero operand is unpacked to (-1)^sign * sig * 2^(exp - 62) with sig normalised
 * to [2^62, 2^63): even binary64 leaves 10 zero bits below the significand, so alignment and
 * sticky jamming never touch significant bits. Intermediate results are held in 128 bits as
 * X * 2^(e - 126) and compressed to 64 bits (with sticky) only for the final rounding.
 * ---------------------------------------------------------------------------------------- */

typedef struct {
    int sign;
    int exp;
    uint64_t sig;
} unpacked_t;

static unpacked_t unpack(const fmt_t *f, uint64_t x)
{
    unpacked_t u;
    uint64_t sig = x & f_frac_mask(f);
    unsigned e = f_exp(f, x);
    int ue;

    if (e == 0) {
        ue = 1 - f_bias(f);                     /* subnormal: same scale as the minimum normal */
    } else {
        sig |= 1ull << f->frac_bits;
        ue = (int)e - f_bias(f);
    }
    int n = __builtin_clzll(sig) - 1;
    u.sign = f_sign(f, x);
    u.sig = sig << n;
    u.exp = ue - f->frac_bits - n + 62;
    return u;
}

/* Shift right, ORing every bit shifted out into bit 0, so that "exactly representable" and
 * "above/below the halfway point" survive the shift. */
static inline uint64_t shr_jam64(uint64_t x, int n)
{
    if (n <= 0)
        return x;
    if (n >= 64)
        return x != 0;
    return (x >> n) | ((x << (64 - n)) != 0);
}

static inline u128 shr_jam128(u128 x, int n)
{
    if (n <= 0)
        return x;
    if (n >= 128)
        return x != 0;
    return (x >> n) | ((x << (128 - n)) != 0);
}

static inline int clz128(u128 x)
{
    uint64_t hi = (uint64_t)(x >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)x);
}

/* Whether to add one unit in the last place: low holds the discarded bits, half is the weight
 * of the first discarded bit. Values outside 0..4 round like RNE (documented in fpu.h). */
static inline bool round_increment(int rm, int sign, bool lsb, uint64_t low, uint64_t half)
{
    switch (rm) {
    case RM_RTZ:
        return false;
    case RM_RDN:
        return sign && low != 0;
    case RM_RUP:
        return !sign && low != 0;
    case RM_RMM:
        return low >= half;
    default:
        return low > half || (low == half && lsb);
    }
}

/* Rounds (-1)^sign * sig * 2^(exp - 62), sig in [2^62, 2^63) with sticky bit 0, to the format
 * and raises NX/UF/OF. Tininess is detected after rounding, as RISC-V requires: a value below
 * 2^emin is not tiny when rounding it to full precision with an unbounded exponent would give
 * exactly 2^emin. */
static uint64_t round_pack(const fmt_t *f, int sign, int exp, uint64_t sig, int rm,
                           uint32_t *fflags)
{
    const int p = f->frac_bits + 1;
    const int rbits = 63 - p;
    const uint64_t rmask = (1ull << rbits) - 1;
    const uint64_t half = 1ull << (rbits - 1);
    const int emin = 1 - f_bias(f);
    const int emax = f_bias(f);
    bool tiny = false;

    if (exp < emin) {
        tiny = true;
        if (exp == emin - 1) {
            uint64_t m = (sig >> rbits) +
                         round_increment(rm, sign, (sig >> rbits) & 1, sig & rmask, half);
            if (m >> p)
                tiny = false;
        }
        sig = shr_jam64(sig, emin - exp);
        exp = emin;
    }

    uint64_t low = sig & rmask;
    uint64_t m = (sig >> rbits) + round_increment(rm, sign, (sig >> rbits) & 1, low, half);
    if (m >> p) {               /* carried out to 2^p: m is now a power of two, shift is exact */
        m >>= 1;
        exp++;
    }

    if (exp > emax) {
        *fflags |= FFLAG_OF | FFLAG_NX;
        bool to_inf = rm == RM_RNE || rm == RM_RMM || (rm == RM_RDN && sign) ||
                      (rm == RM_RUP && !sign) || rm < 0 || rm > RM_RMM;
        return to_inf ? make_inf(f, sign) : make_max_finite(f, sign);
    }
    if (low != 0) {
        *fflags |= FFLAG_NX;
        if (tiny)
            *fflags |= FFLAG_UF;
    }

    uint64_t r = make_zero(f, sign);
    if (m >> (p - 1))           /* normal (possibly a subnormal that rounded up to 2^emin) */
        r |= ((uint64_t)(exp + f_bias(f)) << f->frac_bits) | (m & f_frac_mask(f));
    else                        /* subnormal or zero: biased exponent 0 */
        r |= m;
    return r;
}

/* Rounds a non-zero X * 2^(e - 126). */
static uint64_t round_pack128(const fmt_t *f, int sign, int e, u128 x, int rm, uint32_t *fflags)
{
    int lz = clz128(x);
    if (lz == 0) {
        x = shr_jam128(x, 1);
        e++;
    } else {
        x <<= lz - 1;
        e -= lz - 1;
    }
    uint64_t sig = (uint64_t)(x >> 64) | ((uint64_t)x != 0);
    return round_pack(f, sign, e, sig, rm, fflags);
}

/* Adds two non-zero finite values X * 2^(e - 126) with X in [2^126, 2^127). Bit 127 is headroom
 * for the carry. The smaller operand is jammed into sticky only beyond 126 bits, far below any
 * rounding position, so the subtraction borrow from sticky cannot reach significant bits. */
static uint64_t add_core(const fmt_t *f, int sa, int ea, u128 xa, int sb, int eb, u128 xb,
                         int rm, uint32_t *fflags)
{
    if (eb > ea || (eb == ea && xb > xa)) {
        int ts = sa, te = ea;
        u128 tx = xa;
        sa = sb; ea = eb; xa = xb;
        sb = ts; eb = te; xb = tx;
    }
    xb = shr_jam128(xb, ea - eb);
    u128 x = sa == sb ? xa + xb : xa - xb;
    if (x == 0)                 /* exact cancellation: IEEE 754 6.3 */
        return make_zero(f, rm == RM_RDN);
    return round_pack128(f, sa, ea, x, rm, fflags);
}

/* NaN operands: NV for signalling ones, canonical NaN result. */
static inline uint64_t nan_result(const fmt_t *f, uint64_t a, uint64_t b, uint32_t *fflags)
{
    if (is_snan(f, a) || is_snan(f, b))
        *fflags |= FFLAG_NV;
    return canon_nan(f);
}

static uint64_t soft_add(const fmt_t *f, uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b))
        return nan_result(f, a, b, fflags);
    int sa = f_sign(f, a), sb = f_sign(f, b);
    if (is_inf(f, a)) {
        if (is_inf(f, b) && sa != sb) {
            *fflags |= FFLAG_NV;
            return canon_nan(f);
        }
        return a;
    }
    if (is_inf(f, b))
        return b;
    if (is_zero(f, a)) {
        if (is_zero(f, b))
            return sa == sb ? a : make_zero(f, rm == RM_RDN);
        return b;
    }
    if (is_zero(f, b))
        return a;
    unpacked_t ua = unpack(f, a), ub = unpack(f, b);
    return add_core(f, ua.sign, ua.exp, (u128)ua.sig << 64, ub.sign, ub.exp, (u128)ub.sig << 64,
                    rm, fflags);
}

static uint64_t soft_mul(const fmt_t *f, uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b))
        return nan_result(f, a, b, fflags);
    int s = f_sign(f, a) ^ f_sign(f, b);
    if (is_inf(f, a) || is_inf(f, b)) {
        if (is_zero(f, a) || is_zero(f, b)) {
            *fflags |= FFLAG_NV;
            return canon_nan(f);
        }
        return make_inf(f, s);
    }
    if (is_zero(f, a) || is_zero(f, b))
        return make_zero(f, s);
    unpacked_t ua = unpack(f, a), ub = unpack(f, b);
    /* sig_a * sig_b * 2^(ea + eb - 124), exact in 128 bits */
    return round_pack128(f, s, ua.exp + ub.exp + 2, (u128)ua.sig * ub.sig, rm, fflags);
}

static uint64_t soft_div(const fmt_t *f, uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b))
        return nan_result(f, a, b, fflags);
    int s = f_sign(f, a) ^ f_sign(f, b);
    if (is_inf(f, a)) {
        if (is_inf(f, b)) {
            *fflags |= FFLAG_NV;
            return canon_nan(f);
        }
        return make_inf(f, s);
    }
    if (is_inf(f, b))
        return make_zero(f, s);
    if (is_zero(f, b)) {
        if (is_zero(f, a)) {
            *fflags |= FFLAG_NV;
            return canon_nan(f);
        }
        *fflags |= FFLAG_DZ;
        return make_inf(f, s);
    }
    if (is_zero(f, a))
        return make_zero(f, s);
    unpacked_t ua = unpack(f, a), ub = unpack(f, b);
    /* A quotient of at least 63 bits plus a sticky remainder bit is more than enough for a
     * 53-bit result: the exact quotient can never sit on a rounding boundary unless r == 0. */
    u128 n = (u128)ua.sig << 64;
    u128 q = n / ub.sig;
    bool rem = (n % ub.sig) != 0;
    return round_pack128(f, s, ua.exp - ub.exp + 62, q | rem, rm, fflags);
}

/* floor(sqrt(n)), digit by digit; *inexact tells whether n was not a perfect square. */
static uint64_t isqrt128(u128 n, bool *inexact)
{
    u128 rem = 0, root = 0;
    for (int i = 0; i < 64; i++) {
        rem = (rem << 2) | (n >> 126);
        n <<= 2;
        u128 trial = (root << 2) | 1;   /* (2r + 1)^2 - (2r)^2 */
        root <<= 1;
        if (rem >= trial) {
            rem -= trial;
            root |= 1;
        }
    }
    *inexact = rem != 0;
    return (uint64_t)root;
}

static uint64_t soft_sqrt(const fmt_t *f, uint64_t a, int rm, uint32_t *fflags)
{
    if (is_nan(f, a))
        return nan_result(f, a, a, fflags);
    if (is_zero(f, a))
        return a;               /* sqrt(-0) = -0 */
    if (f_sign(f, a)) {
        *fflags |= FFLAG_NV;
        return canon_nan(f);
    }
    if (is_inf(f, a))
        return a;
    unpacked_t ua = unpack(f, a);
    /* Scale the significand by an amount that makes the remaining exponent even, as far up as
     * 128 bits allow: the root then has 64 significant bits. */
    int s = ((unsigned)ua.exp & 1u) ? 65 : 64;
    bool inexact;
    uint64_t r = isqrt128((u128)ua.sig << s, &inexact);
    int k = (ua.exp - 62 - s) / 2;  /* exact: the numerator is even */
    return round_pack128(f, 0, k + 126, (u128)(r | inexact), rm, fflags);
}

static uint64_t soft_fma(const fmt_t *f, uint64_t a, uint64_t b, uint64_t c, int neg_prod,
                         int neg_add, int rm, uint32_t *fflags)
{
    /* RISC-V requires NV for inf * 0 even when the addend is a quiet NaN (IEEE leaves it to
     * the implementation). */
    bool prod_invalid = (is_inf(f, a) && is_zero(f, b)) || (is_zero(f, a) && is_inf(f, b));
    if (is_nan(f, a) || is_nan(f, b) || is_nan(f, c)) {
        if (is_snan(f, a) || is_snan(f, b) || is_snan(f, c) || prod_invalid)
            *fflags |= FFLAG_NV;
        return canon_nan(f);
    }
    if (prod_invalid) {
        *fflags |= FFLAG_NV;
        return canon_nan(f);
    }
    int sp = f_sign(f, a) ^ f_sign(f, b) ^ (neg_prod != 0);
    int sc = f_sign(f, c) ^ (neg_add != 0);
    uint64_t cc = neg_add ? c ^ f_sign_bit(f) : c;
    if (is_inf(f, a) || is_inf(f, b)) {
        if (is_inf(f, c) && sc != sp) {
            *fflags |= FFLAG_NV;
            return canon_nan(f);
        }
        return make_inf(f, sp);
    }
    if (is_inf(f, c))
        return cc;
    if (is_zero(f, a) || is_zero(f, b)) {
        if (is_zero(f, c))
            return sp == sc ? make_zero(f, sp) : make_zero(f, rm == RM_RDN);
        return cc;
    }

    unpacked_t ua = unpack(f, a), ub = unpack(f, b);
    u128 prod = (u128)ua.sig * ub.sig;          /* in [2^124, 2^126): exact */
    int ep = ua.exp + ub.exp + 2;
    int sh = clz128(prod) - 1;
    prod <<= sh;
    ep -= sh;
    /* A non-zero product plus a zero addend is the product, rounded once, whatever the sign of
     * the zero: the exact sum is not zero. */
    if (is_zero(f, c))
        return round_pack128(f, sp, ep, prod, rm, fflags);
    unpacked_t uc = unpack(f, c);
    return add_core(f, sp, ep, prod, sc, uc.exp, (u128)uc.sig << 64, rm, fflags);
}


/* Format conversion (also used for the exact single -> double widening). */
static uint64_t soft_convert(const fmt_t *to, const fmt_t *from, uint64_t a, int rm,
                             uint32_t *fflags)
{
    if (is_nan(from, a)) {
        if (is_snan(from, a))
            *fflags |= FFLAG_NV;
        return canon_nan(to);
    }
    int s = f_sign(from, a);
    if (is_inf(from, a))
        return make_inf(to, s);
    if (is_zero(from, a))
        return make_zero(to, s);
    unpacked_t u = unpack(from, a);
    return round_pack(to, s, u.exp, u.sig, rm, fflags);
}

/* Float to integer. The RISC-V table: NaN -> largest positive, +overflow -> largest positive,
 * -overflow -> most negative (0 for unsigned); an invalid conversion raises NV and never NX.
 * The range check applies to the rounded value, so -0.3 -> unsigned is valid (0, NX) in RTZ
 * but invalid in RDN. Returns the result in two's complement, not yet sign-extended. */
static uint64_t soft_to_int(const fmt_t *f, uint64_t a, int rm, bool is_signed, int width,
                            uint32_t *fflags)
{
    uint64_t max_pos, max_neg;  /* largest positive value, magnitude of the most negative */
    if (is_signed) {
        max_pos = width == 32 ? INT32_MAX : INT64_MAX;
        max_neg = max_pos + 1;
    } else {
        max_pos = width == 32 ? UINT32_MAX : UINT64_MAX;
        max_neg = 0;
    }

    if (is_nan(f, a)) {
        *fflags |= FFLAG_NV;
        return max_pos;
    }
    int s = f_sign(f, a);
    if (is_zero(f, a))
        return 0;

    bool valid = !is_inf(f, a);
    uint64_t ip = 0, frac = 0;
    if (valid) {
        unpacked_t u = unpack(f, a);
        if (u.exp > 63) {
            valid = false;                      /* |a| >= 2^64 */
        } else if (u.exp >= 62) {
            ip = u.sig << (u.exp - 62);         /* an integer already */
        } else {
            u128 x = shr_jam128((u128)u.sig << 64, 62 - u.exp);
            ip = (uint64_t)(x >> 64);
            frac = (uint64_t)x;
        }
        if (valid && round_increment(rm, s, ip & 1, frac, 1ull << 63)) {
            if (ip == UINT64_MAX)
                valid = false;
            ip++;
        }
        if (valid)
            valid = s ? ip <= max_neg : ip <= max_pos;
    }
    if (!valid) {
        *fflags |= FFLAG_NV;
        return s ? (uint64_t)0 - max_neg : max_pos;
    }
    if (frac != 0)
        *fflags |= FFLAG_NX;
    return s ? (uint64_t)0 - ip : ip;
}

static inline uint64_t sext32(uint64_t x)
{
    return (uint64_t)(int64_t)(int32_t)(uint32_t)x;
}

/* Integer magnitude to float: only NX can be raised (2^64 is far below either format's max). */
static uint64_t soft_from_int(const fmt_t *f, int sign, uint64_t mag, int rm, uint32_t *fflags)
{
    if (mag == 0)
        return 0;               /* integer zero converts to +0 in every rounding mode */
    int n = __builtin_clzll(mag);
    return round_pack(f, sign, 63 - n, shr_jam64(mag << n, 1), rm, fflags);
}

static inline uint64_t abs_i64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

/* a < b for non-NaN operands, with -0 < +0 (what min/max need; comparisons treat them equal). */
static bool less_total(const fmt_t *f, uint64_t a, uint64_t b)
{
    int sa = f_sign(f, a), sb = f_sign(f, b);
    if (sa != sb)
        return sa;
    uint64_t ma = a & (f_sign_bit(f) - 1), mb = b & (f_sign_bit(f) - 1);
    return sa ? ma > mb : ma < mb;
}

static uint64_t soft_minmax(const fmt_t *f, uint64_t a, uint64_t b, bool want_max,
                            uint32_t *fflags)
{
    bool na = is_nan(f, a), nb = is_nan(f, b);
    if (is_snan(f, a) || is_snan(f, b))
        *fflags |= FFLAG_NV;
    if (na && nb)
        return canon_nan(f);
    if (na)
        return b;
    if (nb)
        return a;
    return less_total(f, a, b) != want_max ? a : b;
}

static int soft_eq(const fmt_t *f, uint64_t a, uint64_t b, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b)) {
        if (is_snan(f, a) || is_snan(f, b))
            *fflags |= FFLAG_NV;
        return 0;
    }
    return a == b || (is_zero(f, a) && is_zero(f, b));
}

static int soft_lt(const fmt_t *f, uint64_t a, uint64_t b, bool or_equal, uint32_t *fflags)
{
    if (is_nan(f, a) || is_nan(f, b)) {
        *fflags |= FFLAG_NV;
        return 0;
    }
    if (a == b || (is_zero(f, a) && is_zero(f, b)))
        return or_equal;
    return less_total(f, a, b);
}

static uint64_t soft_class(const fmt_t *f, uint64_t a)
{
    int s = f_sign(f, a);
    if (is_nan(f, a))
        return is_snan(f, a) ? 1u << 8 : 1u << 9;
    if (is_inf(f, a))
        return s ? 1u << 0 : 1u << 7;
    if (is_zero(f, a))
        return s ? 1u << 3 : 1u << 4;
    if (f_exp(f, a) == 0)
        return s ? 1u << 2 : 1u << 5;
    return s ? 1u << 1 : 1u << 6;
}

/* ------------------------------------------------------------------------------------------
 * Host path (x86-64 SSE/FMA3). The rounding mode is set per call and put back to nearest
 * before returning, so a thread never observes a directed mode outside this file.
 * ---------------------------------------------------------------------------------------- */

static inline bool use_host(int rm)
{
    return FPU_HOST && rm >= RM_RNE && rm <= RM_RUP;
}

static inline uint32_t bits_of_float(float x)
{
    uint32_t r;
    memcpy(&r, &x, sizeof r);
    return r;
}

static inline float float_of_bits(uint32_t x)
{
    float r;
    memcpy(&r, &x, sizeof r);
    return r;
}

static inline uint64_t bits_of_double(double x)
{
    uint64_t r;
    memcpy(&r, &x, sizeof r);
    return r;
}

static inline double double_of_bits(uint64_t x)
{
    double r;
    memcpy(&r, &x, sizeof r);
    return r;
}

#if FPU_HOST
/* The host's SSE control and status register (MXCSR), used directly: glibc's fesetround /
 * feclearexcept / fetestexcept also save and load the x87 environment (fnstenv / fldenv),
 * which took about 90 % of an FP-heavy guest's time, and even a bare ldmxcsr is slow, so it
 * is written only when something must change. x87 is never used here.
 *
 * Flags without clearing: RISC-V's fflags are sticky like MXCSR's, so a host flag that the
 * caller's *fflags already holds can stay raised: ORing it in again changes nothing. Before
 * an operation the host flags are cleared only if one of them is missing from *fflags (the
 * guest cleared fflags, or other host code raised it); after it, every host flag is the
 * operation's or already in *fflags. Rounding: the host is left in round-to-nearest for the
 * rest of the emulator, so a directed mode is set before and undone after its operation.
 * MXCSR: exception flags in bits 0-5 (IE, DE, ZE, OE, UE, PE), rounding control in 13-14.
 * The asm statements clobber memory, so the operation's volatile operand loads and result
 * store stay between them. */
#define MXCSR_FLAGS 0x3fu
#define MXCSR_RC_SHIFT 13
#define MXCSR_RC (3u << MXCSR_RC_SHIFT)
enum { MXCSR_IE = 1, MXCSR_ZE = 4, MXCSR_OE = 8, MXCSR_UE = 16, MXCSR_PE = 32 };

static inline uint32_t mxcsr_read(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v) : : "memory");
    return v;
}

static inline void mxcsr_write(uint32_t v)
{
    __asm__ volatile("ldmxcsr %0" : : "m"(v) : "memory");
}

/* Host flags as fflags bits (the denormal-operand flag DE has no RISC-V counterpart). */
static inline uint32_t mxcsr_to_fflags(uint32_t csr)
{
    uint32_t fl = 0;
    if (csr & MXCSR_PE)
        fl |= FFLAG_NX;
    if (csr & MXCSR_UE)
        fl |= FFLAG_UF;
    if (csr & MXCSR_OE)
        fl |= FFLAG_OF;
    if (csr & MXCSR_ZE)
        fl |= FFLAG_DZ;
    if (csr & MXCSR_IE)
        fl |= FFLAG_NV;
    return fl;
}

static void host_begin(int rm, uint32_t fflags)
{
    /* RISC-V RNE, RTZ, RDN, RUP as x86 rounding control: nearest, toward zero, down, up */
    static const uint32_t rc[4] = { 0, 3, 1, 2 };
    uint32_t csr = mxcsr_read();
    uint32_t want = (csr & ~MXCSR_RC) | rc[rm] << MXCSR_RC_SHIFT;
    if (mxcsr_to_fflags(csr) & ~fflags) {
        want &= ~MXCSR_FLAGS;
    }
    if (want != csr) {
        mxcsr_write(want);
    }
}

static uint32_t host_end(int rm)
{
    uint32_t csr = mxcsr_read();
    if (rm != RM_RNE) {
        mxcsr_write(csr & ~MXCSR_RC);
    }
    return mxcsr_to_fflags(csr);
}
#else
static void host_begin(int rm, uint32_t fflags)
{
    (void)fflags;
    static const int modes[4] = { FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD };
    fesetround(modes[rm]);
    feclearexcept(FE_ALL_EXCEPT);
}

static uint32_t host_end(int rm)
{
    (void)rm;
    int ex = fetestexcept(FE_ALL_EXCEPT);
    fesetround(FE_TONEAREST);
    uint32_t fl = 0;
    if (ex & FE_INEXACT)
        fl |= FFLAG_NX;
    if (ex & FE_UNDERFLOW)
        fl |= FFLAG_UF;
    if (ex & FE_OVERFLOW)
        fl |= FFLAG_OF;
    if (ex & FE_DIVBYZERO)
        fl |= FFLAG_DZ;
    if (ex & FE_INVALID)
        fl |= FFLAG_NV;
    return fl;
}
#endif

enum host_op { HOP_ADD, HOP_SUB, HOP_MUL, HOP_DIV, HOP_SQRT };

/* x86 raises exactly the IEEE flags for these (including NV for sNaN operands); the only
 * RISC-V difference left is the NaN payload, replaced by the canonical NaN. Square root is only
 * called with non-negative non-NaN operands, so the errno path of sqrtf is never taken. */
static uint32_t host_op_s(enum host_op op, uint32_t a, uint32_t b, int rm, uint32_t *fflags)
{
    volatile float va = float_of_bits(a), vb = float_of_bits(b), vr;
    host_begin(rm, *fflags);
    switch (op) {
    case HOP_ADD: vr = va + vb; break;
    case HOP_SUB: vr = va - vb; break;
    case HOP_MUL: vr = va * vb; break;
    case HOP_DIV: vr = va / vb; break;
    default: vr = __builtin_sqrtf(va); break;
    }
    *fflags |= host_end(rm);
    uint32_t r = bits_of_float(vr);
    return is_nan(&FMT_S, r) ? FPU_CANON_NAN_S : r;
}

static uint64_t host_op_d(enum host_op op, uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    volatile double va = double_of_bits(a), vb = double_of_bits(b), vr;
    host_begin(rm, *fflags);
    switch (op) {
    case HOP_ADD: vr = va + vb; break;
    case HOP_SUB: vr = va - vb; break;
    case HOP_MUL: vr = va * vb; break;
    case HOP_DIV: vr = va / vb; break;
    default: vr = __builtin_sqrt(va); break;
    }
    *fflags |= host_end(rm);
    uint64_t r = bits_of_double(vr);
    return is_nan(&FMT_D, r) ? FPU_CANON_NAN_D : r;
}

/* Only called for non-NaN operands. */
static uint32_t host_cvt_s_d(uint64_t a, int rm, uint32_t *fflags)
{
    volatile double va = double_of_bits(a);
    volatile float vr;
    host_begin(rm, *fflags);
    vr = (float)va;
    *fflags |= host_end(rm);
    return bits_of_float(vr);
}

#if FPU_HOST
/* __builtin_cpu_supports also checks that the OS saves AVX state, which VEX FMA needs. */
static inline bool host_has_fma(void)
{
    return __builtin_cpu_supports("fma");
}

/* Only called for finite operands: the special cases (in particular inf * 0 + qNaN, where
 * RISC-V wants NV) are handled in software. Calling the instruction directly instead of libm's
 * fma() keeps the result independent of glibc's software fallback on hosts without FMA3, which
 * take the software path here instead. */
__attribute__((target("fma")))
static uint32_t host_fma_s(uint32_t a, uint32_t b, uint32_t c, int rm, uint32_t *fflags)
{
    volatile float va = float_of_bits(a), vb = float_of_bits(b), vc = float_of_bits(c), vr;
    host_begin(rm, *fflags);
    vr = __builtin_fmaf(va, vb, vc);
    *fflags |= host_end(rm);
    return bits_of_float(vr);
}

__attribute__((target("fma")))
static uint64_t host_fma_d(uint64_t a, uint64_t b, uint64_t c, int rm, uint32_t *fflags)
{
    volatile double va = double_of_bits(a), vb = double_of_bits(b), vc = double_of_bits(c), vr;
    host_begin(rm, *fflags);
    vr = __builtin_fma(va, vb, vc);
    *fflags |= host_end(rm);
    return bits_of_double(vr);
}
#else
static inline bool host_has_fma(void)
{
    return false;
}

static uint32_t host_fma_s(uint32_t a, uint32_t b, uint32_t c, int rm, uint32_t *fflags)
{
    return (uint32_t)soft_fma(&FMT_S, a, b, c, 0, 0, rm, fflags);
}

static uint64_t host_fma_d(uint64_t a, uint64_t b, uint64_t c, int rm, uint32_t *fflags)
{
    return soft_fma(&FMT_D, a, b, c, 0, 0, rm, fflags);
}
#endif

static inline bool is_finite(const fmt_t *f, uint64_t x)
{
    return f_exp(f, x) != f_exp_max(f);
}

/* ------------------------------------------------------------------------------------------
 * Public API
 * ---------------------------------------------------------------------------------------- */

uint32_t fpu_add_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_s(HOP_ADD, a, b, rm, fflags);
    return (uint32_t)soft_add(&FMT_S, a, b, rm, fflags);
}

uint32_t fpu_sub_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_s(HOP_SUB, a, b, rm, fflags);
    return (uint32_t)soft_add(&FMT_S, a, b ^ 0x80000000u, rm, fflags);
}

uint32_t fpu_mul_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_s(HOP_MUL, a, b, rm, fflags);
    return (uint32_t)soft_mul(&FMT_S, a, b, rm, fflags);
}

uint32_t fpu_div_s(uint32_t a, uint32_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_s(HOP_DIV, a, b, rm, fflags);
    return (uint32_t)soft_div(&FMT_S, a, b, rm, fflags);
}

uint32_t fpu_sqrt_s(uint32_t a, int rm, uint32_t *fflags)
{
    if (use_host(rm) && !f_sign(&FMT_S, a) && !is_nan(&FMT_S, a))
        return host_op_s(HOP_SQRT, a, 0, rm, fflags);
    return (uint32_t)soft_sqrt(&FMT_S, a, rm, fflags);
}

uint32_t fpu_fma_s(uint32_t a, uint32_t b, uint32_t c, int negate_product, int negate_addend,
                   int rm, uint32_t *fflags)
{
    if (use_host(rm) && is_finite(&FMT_S, a) && is_finite(&FMT_S, b) &&
        is_finite(&FMT_S, c) && host_has_fma()) {
        /* -(a*b) is exactly (-a)*b; flipping signs before the single rounding is exact. */
        if (negate_product)
            a ^= 0x80000000u;
        if (negate_addend)
            c ^= 0x80000000u;
        return host_fma_s(a, b, c, rm, fflags);
    }
    return (uint32_t)soft_fma(&FMT_S, a, b, c, negate_product, negate_addend, rm, fflags);
}

uint32_t fpu_min_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return (uint32_t)soft_minmax(&FMT_S, a, b, false, fflags);
}

uint32_t fpu_max_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return (uint32_t)soft_minmax(&FMT_S, a, b, true, fflags);
}

int fpu_eq_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return soft_eq(&FMT_S, a, b, fflags);
}

int fpu_lt_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return soft_lt(&FMT_S, a, b, false, fflags);
}

int fpu_le_s(uint32_t a, uint32_t b, uint32_t *fflags)
{
    return soft_lt(&FMT_S, a, b, true, fflags);
}

uint64_t fpu_class_s(uint32_t a)
{
    return soft_class(&FMT_S, a);
}

uint64_t fpu_cvt_w_s(uint32_t a, int rm, uint32_t *fflags)
{
    return sext32(soft_to_int(&FMT_S, a, rm, true, 32, fflags));
}

uint64_t fpu_cvt_wu_s(uint32_t a, int rm, uint32_t *fflags)
{
    return sext32(soft_to_int(&FMT_S, a, rm, false, 32, fflags));
}

uint64_t fpu_cvt_l_s(uint32_t a, int rm, uint32_t *fflags)
{
    return soft_to_int(&FMT_S, a, rm, true, 64, fflags);
}

uint64_t fpu_cvt_lu_s(uint32_t a, int rm, uint32_t *fflags)
{
    return soft_to_int(&FMT_S, a, rm, false, 64, fflags);
}

uint32_t fpu_cvt_s_w(int32_t v, int rm, uint32_t *fflags)
{
    return (uint32_t)soft_from_int(&FMT_S, v < 0, abs_i64(v), rm, fflags);
}

uint32_t fpu_cvt_s_wu(uint32_t v, int rm, uint32_t *fflags)
{
    return (uint32_t)soft_from_int(&FMT_S, 0, v, rm, fflags);
}

uint32_t fpu_cvt_s_l(int64_t v, int rm, uint32_t *fflags)
{
    return (uint32_t)soft_from_int(&FMT_S, v < 0, abs_i64(v), rm, fflags);
}

uint32_t fpu_cvt_s_lu(uint64_t v, int rm, uint32_t *fflags)
{
    return (uint32_t)soft_from_int(&FMT_S, 0, v, rm, fflags);
}

uint64_t fpu_add_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_d(HOP_ADD, a, b, rm, fflags);
    return soft_add(&FMT_D, a, b, rm, fflags);
}

uint64_t fpu_sub_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_d(HOP_SUB, a, b, rm, fflags);
    return soft_add(&FMT_D, a, b ^ (1ull << 63), rm, fflags);
}

uint64_t fpu_mul_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_d(HOP_MUL, a, b, rm, fflags);
    return soft_mul(&FMT_D, a, b, rm, fflags);
}

uint64_t fpu_div_d(uint64_t a, uint64_t b, int rm, uint32_t *fflags)
{
    if (use_host(rm))
        return host_op_d(HOP_DIV, a, b, rm, fflags);
    return soft_div(&FMT_D, a, b, rm, fflags);
}

uint64_t fpu_sqrt_d(uint64_t a, int rm, uint32_t *fflags)
{
    if (use_host(rm) && !f_sign(&FMT_D, a) && !is_nan(&FMT_D, a))
        return host_op_d(HOP_SQRT, a, 0, rm, fflags);
    return soft_sqrt(&FMT_D, a, rm, fflags);
}

uint64_t fpu_fma_d(uint64_t a, uint64_t b, uint64_t c, int negate_product, int negate_addend,
                   int rm, uint32_t *fflags)
{
    if (use_host(rm) && is_finite(&FMT_D, a) && is_finite(&FMT_D, b) &&
        is_finite(&FMT_D, c) && host_has_fma()) {
        if (negate_product)
            a ^= 1ull << 63;
        if (negate_addend)
            c ^= 1ull << 63;
        return host_fma_d(a, b, c, rm, fflags);
    }
    return soft_fma(&FMT_D, a, b, c, negate_product, negate_addend, rm, fflags);
}

uint64_t fpu_min_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return soft_minmax(&FMT_D, a, b, false, fflags);
}

uint64_t fpu_max_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return soft_minmax(&FMT_D, a, b, true, fflags);
}

int fpu_eq_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return soft_eq(&FMT_D, a, b, fflags);
}

int fpu_lt_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return soft_lt(&FMT_D, a, b, false, fflags);
}

int fpu_le_d(uint64_t a, uint64_t b, uint32_t *fflags)
{
    return soft_lt(&FMT_D, a, b, true, fflags);
}

uint64_t fpu_class_d(uint64_t a)
{
    return soft_class(&FMT_D, a);
}

uint64_t fpu_cvt_w_d(uint64_t a, int rm, uint32_t *fflags)
{
    return sext32(soft_to_int(&FMT_D, a, rm, true, 32, fflags));
}

uint64_t fpu_cvt_wu_d(uint64_t a, int rm, uint32_t *fflags)
{
    return sext32(soft_to_int(&FMT_D, a, rm, false, 32, fflags));
}

uint64_t fpu_cvt_l_d(uint64_t a, int rm, uint32_t *fflags)
{
    return soft_to_int(&FMT_D, a, rm, true, 64, fflags);
}

uint64_t fpu_cvt_lu_d(uint64_t a, int rm, uint32_t *fflags)
{
    return soft_to_int(&FMT_D, a, rm, false, 64, fflags);
}

uint64_t fpu_cvt_d_w(int32_t v, int rm, uint32_t *fflags)
{
    return soft_from_int(&FMT_D, v < 0, abs_i64(v), rm, fflags);
}

uint64_t fpu_cvt_d_wu(uint32_t v, int rm, uint32_t *fflags)
{
    return soft_from_int(&FMT_D, 0, v, rm, fflags);
}

uint64_t fpu_cvt_d_l(int64_t v, int rm, uint32_t *fflags)
{
    return soft_from_int(&FMT_D, v < 0, abs_i64(v), rm, fflags);
}

uint64_t fpu_cvt_d_lu(uint64_t v, int rm, uint32_t *fflags)
{
    return soft_from_int(&FMT_D, 0, v, rm, fflags);
}

uint32_t fpu_cvt_s_d(uint64_t a, int rm, uint32_t *fflags)
{
    if (use_host(rm) && !is_nan(&FMT_D, a))
        return host_cvt_s_d(a, rm, fflags);
    return (uint32_t)soft_convert(&FMT_S, &FMT_D, a, rm, fflags);
}

uint64_t fpu_cvt_d_s(uint32_t a, uint32_t *fflags)
{
    return soft_convert(&FMT_D, &FMT_S, a, RM_RNE, fflags);
}
