/*
 * expr_format.c — the `format` function: java.util.Formatter as Druid calls it
 * through StringUtils.nonStrictFormat. The arguments are what Druid passes:
 * Long, Double, String or null. Supported conversions: %s %S %b %B %h %H %d %o
 * %x %X %e %E %f %g %G %c %% %n with argument indexes (`%2$s`, `%<s`), flags
 * (- # + space 0 , (), width and precision, following Formatter's rules for
 * which flags and arguments each conversion accepts. Whenever Formatter would
 * throw (a Long for %f, a missing argument, an unknown conversion, a date
 * conversion), nonStrictFormat's fallback is produced instead: the pattern,
 * then "; " and each argument.
 *
 * Floating-point digits come from Double.toString's shortest representation
 * rounded HALF_UP, which is what Formatter does, so %.2f of 0.125 is "0.13".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/numfmt.h"
#include "expr/expr_int.h"

enum {
    F_MINUS = 1,
    F_HASH = 2,
    F_PLUS = 4,
    F_SPACE = 8,
    F_ZERO = 16,
    F_COMMA = 32,
    F_PAREN = 64,
};

typedef struct spec {
    int flags;
    int width;     /* -1: none */
    int precision; /* -1: none */
    char conv;
} spec;

/* Pads body to the spec's width (spaces, left or right). */
static void put_padded(vrv_buf *out, const spec *sp, const char *s, size_t n)
{
    size_t w = expr_utf16_len(s, n);
    size_t pad = sp->width > 0 && (size_t)sp->width > w ? (size_t)sp->width - w : 0;
    if (!(sp->flags & F_MINUS))
        for (size_t i = 0; i < pad; i++) vrv_buf_putc(out, ' ');
    vrv_buf_append(out, s, n);
    if (sp->flags & F_MINUS)
        for (size_t i = 0; i < pad; i++) vrv_buf_putc(out, ' ');
}

static void upper_ascii(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= 'a' && s[i] <= 'z') s[i] = (char)(s[i] - 32);
}

/* A general conversion (%s %b %h): precision truncates, width pads. */
static void put_general(vrv_buf *out, const spec *sp, vrv_str s, vrv_arena *a)
{
    if (sp->precision >= 0) {
        size_t len16 = expr_utf16_len(s.p, s.n);
        if ((size_t)sp->precision < len16) s = expr_utf16_sub(s.p, s.n, 0, (size_t)sp->precision, a);
    }
    char *tmp = vrv_arena_strndup(a, s.p, s.n);
    if (sp->conv >= 'A' && sp->conv <= 'Z') upper_ascii(tmp, s.n);
    put_padded(out, sp, tmp, s.n);
}

/* Inserts ',' every three digits of an integer digit string. */
static void put_grouped(vrv_buf *b, const char *digits, size_t n, bool group)
{
    for (size_t i = 0; i < n; i++) {
        if (group && i > 0 && (n - i) % 3 == 0) vrv_buf_putc(b, ',');
        vrv_buf_putc(b, digits[i]);
    }
}

/* Lays out a signed number: sign/paren flags, zero padding, width. body is the
 * magnitude's text (ASCII digits, point, exponent). */
static void put_number(vrv_buf *out, const spec *sp, bool neg, const char *body, size_t n, bool finite)
{
    const char *prefix = "";
    const char *suffix = "";
    if (neg) {
        if (sp->flags & F_PAREN) prefix = "(", suffix = ")";
        else prefix = "-";
    } else if (sp->flags & F_PLUS) {
        prefix = "+";
    } else if (sp->flags & F_SPACE) {
        prefix = " ";
    }
    size_t fixed = strlen(prefix) + n + strlen(suffix);
    size_t zeros = (sp->flags & F_ZERO) && finite && sp->width > 0 && (size_t)sp->width > fixed ? (size_t)sp->width - fixed : 0;
    size_t total = fixed + zeros;
    size_t pad = sp->width > 0 && (size_t)sp->width > total ? (size_t)sp->width - total : 0;
    if (!(sp->flags & F_MINUS))
        for (size_t i = 0; i < pad; i++) vrv_buf_putc(out, ' ');
    vrv_buf_puts(out, prefix);
    for (size_t i = 0; i < zeros; i++) vrv_buf_putc(out, '0');
    vrv_buf_append(out, body, n);
    vrv_buf_puts(out, suffix);
    if (sp->flags & F_MINUS)
        for (size_t i = 0; i < pad; i++) vrv_buf_putc(out, ' ');
}

static bool conv_integer(vrv_buf *out, const spec *sp, const vrv_value *arg)
{
    if (sp->precision >= 0) return false; /* IllegalFormatPrecisionException */
    if (arg->type == VRV_V_NULL) {
        put_padded(out, sp, "null", 4);
        return true;
    }
    if (arg->type != VRV_V_LONG) return false; /* IllegalFormatConversionException */
    int64_t v = arg->u.l;
    char digits[80];
    if (sp->conv == 'd') {
        if (sp->flags & F_HASH) return false;
        uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)mag);
        char body[40];
        size_t bl = 0;
        for (int i = 0; i < n; i++) {
            if ((sp->flags & F_COMMA) && i > 0 && (n - i) % 3 == 0) body[bl++] = ',';
            body[bl++] = digits[i];
        }
        put_number(out, sp, v < 0, body, bl, true);
        return true;
    }
    /* %o %x %X on a Long: the two's complement bits; sign flags are not allowed. */
    if (sp->flags & (F_PLUS | F_SPACE | F_COMMA | F_PAREN)) return false;
    int n = snprintf(digits, sizeof digits, sp->conv == 'o' ? "%llo" : "%llx", (unsigned long long)(uint64_t)v);
    char body[96];
    const char *pre = (sp->flags & F_HASH) ? (sp->conv == 'o' ? "0" : "0x") : "";
    size_t pl = strlen(pre);
    spec s2 = *sp;
    size_t total = pl + (size_t)n;
    size_t zeros = (sp->flags & F_ZERO) && sp->width > 0 && (size_t)sp->width > total ? (size_t)sp->width - total : 0;
    if (zeros > sizeof body - total - 1) return false;
    memcpy(body, pre, pl);
    memset(body + pl, '0', zeros);
    memcpy(body + pl + zeros, digits, (size_t)n);
    size_t bl = pl + zeros + (size_t)n;
    if (sp->conv == 'X') upper_ascii(body, bl);
    s2.flags &= ~F_ZERO;
    put_padded(out, &s2, body, bl);
    return true;
}

/* Scientific digits d.ddd with `prec` fraction digits, and the exponent. */
static void sci_digits(expr_dec d, int prec, vrv_buf *b, int *exp10)
{
    if (d.nd == 0) {
        *exp10 = 0;
        vrv_buf_putc(b, '0');
        if (prec > 0) {
            vrv_buf_putc(b, '.');
            for (int i = 0; i < prec; i++) vrv_buf_putc(b, '0');
        }
        return;
    }
    int e = d.nd - 1 + d.exp; /* exponent of the first digit */
    /* Round to prec+1 significant digits: prec fraction digits at scale e. */
    expr_dec_round(&d, prec - e);
    e = d.nd - 1 + d.exp;
    *exp10 = e;
    vrv_buf_putc(b, d.d[0]);
    if (prec > 0) {
        vrv_buf_putc(b, '.');
        for (int i = 1; i <= prec; i++) vrv_buf_putc(b, i < d.nd ? d.d[i] : '0');
    }
}

static bool conv_float(vrv_buf *out, const spec *sp, const vrv_value *arg, expr_eval *c)
{
    if (arg->type == VRV_V_NULL) {
        put_padded(out, sp, "null", 4);
        return true;
    }
    if (arg->type != VRV_V_DOUBLE && arg->type != VRV_V_FLOAT) return false;
    char conv = (char)(sp->conv | 0x20);
    if ((sp->flags & F_COMMA) && conv == 'e') return false;
    if ((sp->flags & F_HASH) && conv == 'g') return false;
    double v = expr_num_d(arg);
    bool neg = signbit(v) && !isnan(v);
    if (!isfinite(v)) {
        const char *t = isnan(v) ? "NaN" : "Infinity";
        spec s2 = *sp;
        s2.flags &= ~F_ZERO;
        put_number(out, &s2, neg, t, strlen(t), false);
        return true;
    }
    expr_dec d;
    expr_dec_from_double(fabs(v), &d);
    vrv_buf *body = expr_scratch(c);
    int prec = sp->precision >= 0 ? sp->precision : 6;
    if (conv == 'g') {
        if (prec == 0) prec = 1;
        /* Round to prec significant digits first, then choose the layout. */
        expr_dec r = d;
        if (r.nd) expr_dec_round(&r, prec - 1 - (r.nd - 1 + r.exp));
        int e = r.nd ? r.nd - 1 + r.exp : 0;
        bool fixed_form = r.nd == 0 || (e >= -4 && e < prec);
        if (fixed_form) conv = 'f', prec = prec - (e + 1);
        else conv = 'e', prec = prec - 1;
        if (prec < 0) prec = 0;
        d = r;
    }
    if (conv == 'f') {
        vrv_buf *fx = expr_scratch(c);
        expr_dec_put_fixed(d, prec, fx);
        const char *dot = memchr(fx->data, '.', fx->len);
        size_t ilen = dot ? (size_t)(dot - fx->data) : fx->len;
        put_grouped(body, fx->data, ilen, sp->flags & F_COMMA);
        vrv_buf_append(body, fx->data + ilen, fx->len - ilen);
        if ((sp->flags & F_HASH) && prec == 0) vrv_buf_putc(body, '.');
        expr_scratch_release(c, fx);
    } else {
        int e;
        sci_digits(d, prec, body, &e);
        if ((sp->flags & F_HASH) && prec == 0) vrv_buf_putc(body, '.');
        vrv_buf_printf(body, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    }
    if (sp->conv >= 'A' && sp->conv <= 'Z') upper_ascii(body->data, body->len);
    put_number(out, sp, neg, body->data, body->len, true);
    expr_scratch_release(c, body);
    return true;
}

/* Object.hashCode of the argument, for %h. */
static int32_t java_hash(const vrv_value *v, bool *ok)
{
    *ok = true;
    switch (v->type) {
    case VRV_V_LONG: return (int32_t)(uint32_t)((uint64_t)v->u.l ^ ((uint64_t)v->u.l >> 32));
    case VRV_V_DOUBLE:
    case VRV_V_FLOAT: {
        double d = expr_num_d(v);
        uint64_t bits;
        if (isnan(d)) bits = 0x7ff8000000000000ULL;
        else memcpy(&bits, &d, sizeof bits);
        return (int32_t)(uint32_t)(bits ^ (bits >> 32));
    }
    case VRV_V_STRING: {
        uint32_t h = 0;
        for (size_t i = 0; i < v->len;) {
            uint32_t cp = expr_utf8_next(v->u.s, v->len, &i);
            if (cp >= 0x10000) {
                h = 31 * h + (0xD800 + ((cp - 0x10000) >> 10));
                h = 31 * h + (0xDC00 + ((cp - 0x10000) & 0x3FF));
            } else {
                h = 31 * h + cp;
            }
        }
        return (int32_t)h;
    }
    default: *ok = false; return 0;
    }
}

static bool format_one(vrv_buf *out, const spec *sp, const vrv_value *arg, expr_eval *c)
{
    vrv_arena *a = c->arena;
    switch (sp->conv) {
    case 's':
    case 'S': {
        if (sp->flags & ~F_MINUS) return false; /* FormatFlagsConversionMismatch */
        vrv_str s;
        if (!expr_as_str(arg, a, &s)) s = VRV_STR_LIT("null");
        put_general(out, sp, s, a);
        return true;
    }
    case 'b':
    case 'B': {
        if (sp->flags & ~F_MINUS) return false;
        put_general(out, sp, arg->type == VRV_V_NULL ? VRV_STR_LIT("false") : VRV_STR_LIT("true"), a);
        return true;
    }
    case 'h':
    case 'H': {
        if (sp->flags & ~F_MINUS) return false;
        if (arg->type == VRV_V_NULL) {
            put_general(out, sp, VRV_STR_LIT("null"), a);
            return true;
        }
        bool ok;
        int32_t h = java_hash(arg, &ok);
        if (!ok) return false;
        char tmp[16];
        int n = snprintf(tmp, sizeof tmp, "%x", (unsigned)h);
        put_general(out, sp, vrv_str_make(tmp, (size_t)n), a);
        return true;
    }
    case 'c':
    case 'C':
        if (arg->type != VRV_V_NULL) return false; /* a Long or String is not a char */
        put_general(out, sp, VRV_STR_LIT("null"), a);
        return true;
    case 'd':
    case 'o':
    case 'x':
    case 'X': return conv_integer(out, sp, arg);
    case 'e':
    case 'E':
    case 'f':
    case 'g':
    case 'G': return conv_float(out, sp, arg, c);
    default: return false;
    }
}

/* Formatter.format; false wherever Java throws. */
static bool jformat(vrv_buf *out, vrv_str f, const vrv_value *args, size_t nargs, expr_eval *c)
{
    size_t ordinary = 0;
    long last = -1;
    for (size_t i = 0; i < f.n;) {
        if (out->len > EXPR_MAX_STRING) return false;
        if (f.p[i] != '%') {
            vrv_buf_putc(out, f.p[i++]);
            continue;
        }
        i++;
        spec sp = {0, -1, -1, 0};
        long index = -1;
        bool prev = false;
        /* argument_index$ */
        size_t j = i;
        long num = 0;
        while (j < f.n && f.p[j] >= '0' && f.p[j] <= '9' && num < 100000) num = num * 10 + (f.p[j++] - '0');
        if (j > i && j < f.n && f.p[j] == '$') {
            if (num == 0) return false;
            index = num - 1;
            i = j + 1;
        }
        for (; i < f.n; i++) {
            int fl = 0;
            switch (f.p[i]) {
            case '-': fl = F_MINUS; break;
            case '#': fl = F_HASH; break;
            case '+': fl = F_PLUS; break;
            case ' ': fl = F_SPACE; break;
            case '0': fl = F_ZERO; break;
            case ',': fl = F_COMMA; break;
            case '(': fl = F_PAREN; break;
            case '<': prev = true; continue;
            default: break;
            }
            if (!fl) break;
            if (sp.flags & fl) return false; /* DuplicateFormatFlagsException */
            sp.flags |= fl;
        }
        if (i < f.n && f.p[i] >= '1' && f.p[i] <= '9') {
            sp.width = 0;
            while (i < f.n && f.p[i] >= '0' && f.p[i] <= '9' && sp.width < 1000000) sp.width = sp.width * 10 + (f.p[i++] - '0');
            if (sp.width >= 1000000) return false;
        }
        if (i < f.n && f.p[i] == '.') {
            i++;
            if (i >= f.n || f.p[i] < '0' || f.p[i] > '9') return false;
            sp.precision = 0;
            while (i < f.n && f.p[i] >= '0' && f.p[i] <= '9' && sp.precision < 1000000)
                sp.precision = sp.precision * 10 + (f.p[i++] - '0');
            if (sp.precision >= 1000000) return false;
        }
        if (i >= f.n) return false; /* UnknownFormatConversionException */
        sp.conv = f.p[i++];
        if ((sp.flags & (F_MINUS | F_ZERO)) && sp.width < 0) return false; /* MissingFormatWidth */
        if ((sp.flags & F_MINUS) && (sp.flags & F_ZERO)) return false;
        if ((sp.flags & F_PLUS) && (sp.flags & F_SPACE)) return false;
        if (sp.conv == '%') {
            if (sp.precision >= 0 || (sp.flags & ~F_MINUS)) return false;
            put_padded(out, &sp, "%", 1);
            continue;
        }
        if (sp.conv == 'n') {
            if (sp.width >= 0 || sp.precision >= 0 || sp.flags) return false;
            vrv_buf_putc(out, '\n');
            continue;
        }
        long ai;
        if (prev) ai = last;
        else if (index >= 0) ai = index;
        else ai = (long)ordinary++;
        if (ai < 0 || (size_t)ai >= nargs) return false; /* MissingFormatArgumentException */
        last = ai;
        if (!format_one(out, &sp, &args[ai], c)) return false;
        if (out->len > EXPR_MAX_STRING) return false;
    }
    return true;
}

vrv_value expr_fn_format(const expr_pnode *n, expr_eval *c);
vrv_value expr_fn_format(const expr_pnode *n, expr_eval *c)
{
    vrv_value fv = EV(0);
    vrv_str f;
    if (!expr_as_str(&fv, c->arena, &f)) return vrv_null();
    size_t nargs = n->nargs - 1;
    vrv_value args[nargs ? nargs : 1];
    for (size_t i = 0; i < nargs; i++) args[i] = EV(i + 1);
    vrv_buf *out = expr_scratch(c);
    if (!jformat(out, f, args, nargs, c)) {
        /* nonStrictFormat's fallback: the pattern and the arguments. */
        vrv_buf_reset(out);
        vrv_buf_append(out, f.p, f.n);
        for (size_t i = 0; i < nargs; i++) {
            vrv_str s;
            vrv_buf_puts(out, "; ");
            if (expr_as_str(&args[i], c->arena, &s)) vrv_buf_append(out, s.p, s.n);
            else vrv_buf_puts(out, "null");
        }
    }
    vrv_value r = expr_str_dup(c->arena, out->data ? out->data : "", out->len);
    expr_scratch_release(c, out);
    return r;
}
