/*
 * expr_fn_math.c — Druid's math functions (Function.java), with Java's
 * java.lang.Math semantics where they differ from C's libm: abs, the
 * trigonometric and exponential families, ceil/floor (doubles), round (HALF_UP
 * on the decimal digits), div, safe_divide, max/min, pow, hypot, the bitwise
 * functions, pi.
 *
 * Druid's families, reproduced here:
 *   univariate: null or non-numeric -> null; a LONG or DOUBLE argument picks
 *     the long or double body (a string argument gives null, even "5");
 *   bivariate: a null argument -> null; two strings -> null; two longs -> the
 *     long body; otherwise the double body over asDouble (non-numeric -> 0);
 *   bitwise: like bivariate but always on longs.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "expr/expr_int.h"

#define RADIANS_TO_DEGREES 57.29577951308232
#define DEGREES_TO_RADIANS 0.017453292519943295

/* ---- univariate ------------------------------------------------------------- */

typedef double (*dfn)(double);

/* Reads the argument; returns 0 null, 1 long (*l), 2 double (*d). */
static int uni_arg(const expr_pnode *n, expr_eval *c, int64_t *l, double *d)
{
    vrv_value x = EV(0);
    switch (x.type) {
    case VRV_V_LONG: *l = x.u.l; return 1;
    case VRV_V_DOUBLE: *d = x.u.d; return 2;
    case VRV_V_FLOAT: *d = x.u.f; return 2;
    default: return 0;
    }
}

/* A double argument to a long-bodied function must fit a long. */
static bool d_to_long_checked(expr_eval *c, double d, int64_t *out)
{
    if (d < -9223372036854775808.0 || d > 9223372036854775807.0) {
        expr_fail(c, "possible data truncation, param [%f] is out of LONG value range", d);
        return false;
    }
    *out = expr_d2l(d);
    return true;
}

static vrv_value uni_double(const expr_pnode *n, expr_eval *c, dfn f)
{
    int64_t l;
    double d;
    switch (uni_arg(n, c, &l, &d)) {
    case 1: return vrv_double(f((double)l));
    case 2: return vrv_double(f(d));
    default: return vrv_null();
    }
}

static double j_cot(double x)
{
    return cos(x) / sin(x);
}
static double j_signum(double x)
{
    return (x == 0 || isnan(x)) ? x : (x > 0 ? 1.0 : -1.0);
}
static double j_todegrees(double x)
{
    return x * RADIANS_TO_DEGREES;
}
static double j_toradians(double x)
{
    return x * DEGREES_TO_RADIANS;
}
static double j_nextup(double x)
{
    return nextafter(x, INFINITY);
}
static double j_ulp(double x)
{
    if (isnan(x)) return x;
    if (isinf(x)) return INFINITY;
    x = fabs(x);
    if (x == DBL_MAX) return ldexp(1.0, 971);
    return nextafter(x, INFINITY) - x;
}
static double j_rint(double x)
{
    return nearbyint(x);
}

#define UNI_DOUBLE(name, f)                                                                        \
    static vrv_value fn_##name(const expr_pnode *n, expr_eval *c)                                  \
    {                                                                                              \
        return uni_double(n, c, f);                                                                \
    }

UNI_DOUBLE(acos, acos)
UNI_DOUBLE(asin, asin)
UNI_DOUBLE(atan, atan)
UNI_DOUBLE(cbrt, cbrt)
UNI_DOUBLE(ceil, ceil)
UNI_DOUBLE(cos, cos)
UNI_DOUBLE(cosh, cosh)
UNI_DOUBLE(cot, j_cot)
UNI_DOUBLE(exp, exp)
UNI_DOUBLE(expm1, expm1)
UNI_DOUBLE(floor, floor)
UNI_DOUBLE(log, log)
UNI_DOUBLE(log10, log10)
UNI_DOUBLE(log1p, log1p)
UNI_DOUBLE(nextup, j_nextup)
UNI_DOUBLE(rint, j_rint)
UNI_DOUBLE(signum, j_signum)
UNI_DOUBLE(sin, sin)
UNI_DOUBLE(sinh, sinh)
UNI_DOUBLE(sqrt, sqrt)
UNI_DOUBLE(tan, tan)
UNI_DOUBLE(tanh, tanh)
UNI_DOUBLE(todegrees, j_todegrees)
UNI_DOUBLE(toradians, j_toradians)
UNI_DOUBLE(ulp, j_ulp)

static vrv_value fn_abs(const expr_pnode *n, expr_eval *c)
{
    int64_t l;
    double d;
    switch (uni_arg(n, c, &l, &d)) {
    case 1: return vrv_long(l < 0 ? (int64_t)(0 - (uint64_t)l) : l);
    case 2: return vrv_double(fabs(d));
    default: return vrv_null();
    }
}

static vrv_value fn_bitwise_complement(const expr_pnode *n, expr_eval *c)
{
    int64_t l;
    double d;
    switch (uni_arg(n, c, &l, &d)) {
    case 2:
        if (!d_to_long_checked(c, d, &l)) return vrv_null();
        /* fall through */
    case 1: return vrv_long(~l);
    default: return vrv_null();
    }
}

static vrv_value fn_long_bits_to_double(const expr_pnode *n, expr_eval *c)
{
    int64_t l;
    double d;
    switch (uni_arg(n, c, &l, &d)) {
    case 2:
        if (!d_to_long_checked(c, d, &l)) return vrv_null();
        /* fall through */
    case 1: memcpy(&d, &l, sizeof d); return vrv_double(d);
    default: return vrv_null();
    }
}

static vrv_value fn_double_to_long_bits(const expr_pnode *n, expr_eval *c)
{
    int64_t l;
    double d;
    switch (uni_arg(n, c, &l, &d)) {
    case 1: d = (double)l; /* fall through */
    case 2:
        if (isnan(d)) return vrv_long(0x7ff8000000000000LL); /* Double.doubleToLongBits canonical NaN */
        memcpy(&l, &d, sizeof l);
        return vrv_long(l);
    default: return vrv_null();
    }
}

static vrv_value fn_get_exponent(const expr_pnode *n, expr_eval *c)
{
    int64_t l;
    double d;
    switch (uni_arg(n, c, &l, &d)) {
    case 1: d = (double)l; /* fall through */
    case 2: {
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        return vrv_long((int64_t)((bits >> 52) & 0x7FF) - 1023);
    }
    default: return vrv_null();
    }
}

static expr_type ty_double_if_known(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    return a[0] == ET_UNKNOWN ? ET_UNKNOWN : ET_DOUBLE;
}
static expr_type ty_long_if_known(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    return a[0] == ET_UNKNOWN ? ET_UNKNOWN : ET_LONG;
}

/* ---- round -------------------------------------------------------------------- */

/* BigDecimal.valueOf(l).setScale(scale, HALF_UP).longValue(). */
static int64_t round_long(int64_t l, int32_t scale)
{
    if (scale >= 0) return l;
    int64_t k = -(int64_t)scale;
    if (k >= 39) return 0; /* 10^k/2 exceeds any long */
    __int128 p = 1;
    for (int64_t i = 0; i < k; i++) p *= 10;
    __int128 v = l, a = v < 0 ? -v : v;
    __int128 q = a / p, rem = a % p;
    if (rem * 2 >= p) q++;
    __int128 r = q * p;
    if (v < 0) r = -r;
    return (int64_t)(uint64_t)(unsigned __int128)r; /* BigInteger.longValue(): low 64 bits */
}

static vrv_value fn_round(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    vrv_value num;
    if (!expr_numeric(&x, &num)) return vrv_null();
    int vt = expr_vt(&x);
    if (vt != VT_LONG && vt != VT_DOUBLE)
        return expr_fail(c, "function 'round' first argument should be a LONG or DOUBLE but got %s instead",
                         expr_type_name(expr_value_type(&x)));
    int32_t scale = 0;
    if (n->nargs > 1) {
        vrv_value s = EV(1);
        if (s.type != VRV_V_LONG)
            return expr_fail(c, "function 'round' second argument should be a LONG but got %s instead",
                             s.type == VRV_V_NULL ? "null" : expr_type_name(expr_value_type(&s)));
        scale = (int32_t)(uint32_t)(uint64_t)s.u.l;
    }
    if (vt == VT_LONG) return vrv_long(round_long(x.u.l, scale));
    double d = expr_num_d(&x);
    if (isnan(d)) d = 0;
    else if (isinf(d)) d = d > 0 ? DBL_MAX : -DBL_MAX;
    expr_dec dec;
    expr_dec_from_double(d, &dec);
    expr_dec_round(&dec, scale);
    return vrv_double(expr_dec_to_double(&dec));
}

/* ---- bivariate ---------------------------------------------------------------- */

/* Returns 0 null, 1 both long (*a,*b), 2 doubles (*x,*y). */
static int bi_args(const expr_pnode *n, expr_eval *c, int64_t *a, int64_t *b, double *x, double *y)
{
    vrv_value l = EV(0), r = EV(1);
    if (l.type == VRV_V_NULL || r.type == VRV_V_NULL) return 0;
    int lt = expr_vt(&l), rt = expr_vt(&r);
    if (lt == VT_STRING && rt == VT_STRING) return 0;
    if (lt == VT_LONG && rt == VT_LONG) {
        *a = l.u.l;
        *b = r.u.l;
        return 1;
    }
    vrv_value ln, rn;
    *x = expr_numeric(&l, &ln) ? expr_num_d(&ln) : 0.0;
    *y = expr_numeric(&r, &rn) ? expr_num_d(&rn) : 0.0;
    return 2;
}

typedef double (*d2fn)(double, double);

static vrv_value bi_double(const expr_pnode *n, expr_eval *c, d2fn f)
{
    int64_t a, b;
    double x, y;
    switch (bi_args(n, c, &a, &b, &x, &y)) {
    case 1: return vrv_double(f((double)a, (double)b));
    case 2: return vrv_double(f(x, y));
    default: return vrv_null();
    }
}

static double j_pow(double x, double y)
{
    if (isnan(y)) return NAN;
    if (isinf(y) && fabs(x) == 1.0) return NAN;
    return pow(x, y);
}
static double j_remainder(double x, double y)
{
    return remainder(x, y);
}
static double j_nextafter(double x, double y)
{
    return nextafter(x, y);
}

#define BI_DOUBLE(name, f)                                                                         \
    static vrv_value fn_##name(const expr_pnode *n, expr_eval *c)                                  \
    {                                                                                              \
        return bi_double(n, c, f);                                                                 \
    }

BI_DOUBLE(atan2, atan2)
BI_DOUBLE(copysign, copysign)
BI_DOUBLE(hypot, hypot)
BI_DOUBLE(remainder, j_remainder)
BI_DOUBLE(nextafter, j_nextafter)
BI_DOUBLE(pow, j_pow)

static double j_max(double a, double b)
{
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a == 0 && b == 0) return signbit(a) ? b : a;
    return a >= b ? a : b;
}
static double j_min(double a, double b)
{
    if (isnan(a)) return a;
    if (isnan(b)) return b;
    if (a == 0 && b == 0) return signbit(a) ? a : b;
    return a <= b ? a : b;
}

static vrv_value fn_max(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    double x, y;
    switch (bi_args(n, c, &a, &b, &x, &y)) {
    case 1: return vrv_long(a > b ? a : b);
    case 2: return vrv_double(j_max(x, y));
    default: return vrv_null();
    }
}

static vrv_value fn_min(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    double x, y;
    switch (bi_args(n, c, &a, &b, &x, &y)) {
    case 1: return vrv_long(a < b ? a : b);
    case 2: return vrv_double(j_min(x, y));
    default: return vrv_null();
    }
}

static vrv_value fn_div(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    double x, y;
    switch (bi_args(n, c, &a, &b, &x, &y)) {
    case 1:
        if (b == 0) return expr_fail(c, "division by zero in function 'div'");
        return vrv_long(a == INT64_MIN && b == -1 ? INT64_MIN : a / b);
    case 2: return vrv_long(expr_d2l(x / y));
    default: return vrv_null();
    }
}

static vrv_value fn_safe_divide(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    double x, y;
    switch (bi_args(n, c, &a, &b, &x, &y)) {
    case 1:
        if (b == 0) return a != 0 ? vrv_null() : vrv_long(0);
        return vrv_long(a == INT64_MIN && b == -1 ? INT64_MIN : a / b);
    case 2:
        if (y == 0 || isnan(y)) return x != 0 ? vrv_null() : vrv_double(0);
        return vrv_double(x / y);
    default: return vrv_null();
    }
}

static vrv_value fn_scalb(const expr_pnode *n, expr_eval *c)
{
    vrv_value l = EV(0), r = EV(1);
    if (l.type == VRV_V_NULL || r.type == VRV_V_NULL) return vrv_null();
    if (expr_vt(&l) == VT_STRING && expr_vt(&r) == VT_STRING) return vrv_null();
    vrv_value ln;
    double x = expr_numeric(&l, &ln) ? expr_num_d(&ln) : 0.0;
    int32_t k = expr_as_int(&r);
    return vrv_double(ldexp(x, k));
}

static expr_type ty_bi_function(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    return expr_type_function(a[0], a[1]);
}

static expr_type ty_div(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    expr_type t = expr_type_function(a[0], a[1]);
    return expr_type_is_numeric(t) ? ET_LONG : t;
}

/* ---- bitwise ---------------------------------------------------------------- */

static int bit_args(const expr_pnode *n, expr_eval *c, int64_t *a, int64_t *b)
{
    vrv_value l = EV(0), r = EV(1);
    if (l.type == VRV_V_NULL || r.type == VRV_V_NULL) return 0;
    if (expr_vt(&l) == VT_STRING && expr_vt(&r) == VT_STRING) return 0;
    *a = 0;
    *b = 0;
    vrv_expr_to_long(&l, a);
    vrv_expr_to_long(&r, b);
    return 1;
}

static vrv_value fn_bitwise_and(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    return bit_args(n, c, &a, &b) ? vrv_long(a & b) : vrv_null();
}
static vrv_value fn_bitwise_or(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    return bit_args(n, c, &a, &b) ? vrv_long(a | b) : vrv_null();
}
static vrv_value fn_bitwise_xor(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    return bit_args(n, c, &a, &b) ? vrv_long(a ^ b) : vrv_null();
}
static vrv_value fn_bitwise_shift_left(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    /* Java masks a long shift distance to its low 6 bits. */
    return bit_args(n, c, &a, &b) ? vrv_long((int64_t)((uint64_t)a << (b & 63))) : vrv_null();
}
static vrv_value fn_bitwise_shift_right(const expr_pnode *n, expr_eval *c)
{
    int64_t a, b;
    if (!bit_args(n, c, &a, &b)) return vrv_null();
    int s = (int)(b & 63);
    /* Arithmetic shift, written portably. */
    return vrv_long(a >= 0 ? a >> s : ~(~a >> s));
}

static vrv_value fn_pi(const expr_pnode *n, expr_eval *c)
{
    VRV_UNUSED(n);
    VRV_UNUSED(c);
    return vrv_double(3.141592653589793);
}

#define U(name, fn, ty) {name, 1, 1, 0, 0, fn, NULL, ty, NULL}
#define B(name, fn, ty) {name, 2, 2, 0, 0, fn, NULL, ty, NULL}

const expr_fn expr_fns_math[] = {
    U("abs", fn_abs, expr_ty_arg0),
    U("acos", fn_acos, expr_ty_double),
    U("asin", fn_asin, expr_ty_double),
    U("atan", fn_atan, expr_ty_double),
    U("cbrt", fn_cbrt, expr_ty_double),
    U("ceil", fn_ceil, expr_ty_double),
    U("cos", fn_cos, expr_ty_double),
    U("cosh", fn_cosh, expr_ty_double),
    U("cot", fn_cot, expr_ty_double),
    U("exp", fn_exp, expr_ty_double),
    U("expm1", fn_expm1, expr_ty_double),
    U("floor", fn_floor, expr_ty_double),
    U("log", fn_log, expr_ty_double),
    U("log10", fn_log10, expr_ty_double),
    U("log1p", fn_log1p, expr_ty_double),
    U("nextup", fn_nextup, expr_ty_double),
    U("rint", fn_rint, expr_ty_double),
    U("signum", fn_signum, expr_ty_double),
    U("sin", fn_sin, expr_ty_double),
    U("sinh", fn_sinh, expr_ty_double),
    U("sqrt", fn_sqrt, expr_ty_double),
    U("tan", fn_tan, expr_ty_double),
    U("tanh", fn_tanh, expr_ty_double),
    U("todegrees", fn_todegrees, expr_ty_double),
    U("toradians", fn_toradians, expr_ty_double),
    U("ulp", fn_ulp, expr_ty_double),
    U("getexponent", fn_get_exponent, expr_ty_long),
    U("bitwisecomplement", fn_bitwise_complement, expr_ty_long),
    U("bitwiseconvertlongbitstodouble", fn_long_bits_to_double, ty_double_if_known),
    U("bitwiseconvertdoubletolongbits", fn_double_to_long_bits, ty_long_if_known),
    {"round", 1, 2, 0, 0, fn_round, NULL, expr_ty_arg0, NULL},
    B("atan2", fn_atan2, expr_ty_double),
    B("copysign", fn_copysign, expr_ty_double),
    B("hypot", fn_hypot, expr_ty_double),
    B("remainder", fn_remainder, expr_ty_double),
    B("nextafter", fn_nextafter, expr_ty_double),
    B("pow", fn_pow, expr_ty_double),
    B("scalb", fn_scalb, expr_ty_double),
    B("max", fn_max, ty_bi_function),
    B("min", fn_min, ty_bi_function),
    B("div", fn_div, ty_div),
    B("safe_divide", fn_safe_divide, ty_bi_function),
    B("bitwiseand", fn_bitwise_and, expr_ty_long),
    B("bitwiseor", fn_bitwise_or, expr_ty_long),
    B("bitwisexor", fn_bitwise_xor, expr_ty_long),
    B("bitwiseshiftleft", fn_bitwise_shift_left, expr_ty_long),
    B("bitwiseshiftright", fn_bitwise_shift_right, expr_ty_long),
    {"pi", 0, 0, 0, 0, fn_pi, NULL, expr_ty_double, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
