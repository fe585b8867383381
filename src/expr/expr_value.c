/*
 * expr_value.c — Druid's ExprEval rules over vrv_value: numeric and string
 * views of a value, casts, array typing, Java string ordering and UTF-16
 * indexing over UTF-8 text, and the type names and type-combination rules of
 * ExpressionTypeConversion. Everything the evaluator and the functions use to
 * agree with Druid on what a value "is".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/numfmt.h"
#include "expr/expr_int.h"

/* ---- types ------------------------------------------------------------------ */

expr_type expr_type_elem(expr_type t)
{
    switch (t) {
    case ET_ALONG: return ET_LONG;
    case ET_ADOUBLE: return ET_DOUBLE;
    case ET_ASTRING: return ET_STRING;
    default: return t;
    }
}

expr_type expr_type_array_of(expr_type t)
{
    switch (t) {
    case ET_LONG: return ET_ALONG;
    case ET_DOUBLE: return ET_ADOUBLE;
    case ET_STRING: return ET_ASTRING;
    case ET_UNKNOWN: return ET_UNKNOWN;
    default: return expr_type_is_array(t) ? t : ET_ASTRING;
    }
}

expr_type expr_type_from_ctype(vrv_ctype c)
{
    switch (c) {
    case VRV_C_STRING: return ET_STRING;
    case VRV_C_LONG: return ET_LONG;
    case VRV_C_FLOAT:
    case VRV_C_DOUBLE: return ET_DOUBLE;
    case VRV_C_ARRAY_STRING: return ET_ASTRING;
    case VRV_C_ARRAY_LONG: return ET_ALONG;
    case VRV_C_ARRAY_DOUBLE: return ET_ADOUBLE;
    case VRV_C_JSON: return ET_JSON;
    default: return ET_UNKNOWN;
    }
}

bool expr_type_to_ctype(expr_type t, vrv_ctype *out)
{
    switch (t) {
    case ET_LONG: *out = VRV_C_LONG; return true;
    case ET_DOUBLE: *out = VRV_C_DOUBLE; return true;
    case ET_STRING: *out = VRV_C_STRING; return true;
    case ET_ALONG: *out = VRV_C_ARRAY_LONG; return true;
    case ET_ADOUBLE: *out = VRV_C_ARRAY_DOUBLE; return true;
    case ET_ASTRING: *out = VRV_C_ARRAY_STRING; return true;
    case ET_JSON: *out = VRV_C_JSON; return true;
    default: return false;
    }
}

bool expr_type_parse(vrv_str s, expr_type *out)
{
    static const struct {
        const char *name;
        expr_type t;
    } names[] = {
        {"LONG", ET_LONG},
        {"DOUBLE", ET_DOUBLE},
        {"FLOAT", ET_DOUBLE},
        {"STRING", ET_STRING},
        {"ARRAY<LONG>", ET_ALONG},
        {"ARRAY<DOUBLE>", ET_ADOUBLE},
        {"ARRAY<FLOAT>", ET_ADOUBLE},
        {"ARRAY<STRING>", ET_ASTRING},
        {"COMPLEX<json>", ET_JSON},
        {"JSON", ET_JSON},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(names); i++) {
        if (strlen(names[i].name) == s.n && strncasecmp(names[i].name, s.p, s.n) == 0) {
            *out = names[i].t;
            return true;
        }
    }
    return false;
}

const char *expr_type_name(expr_type t)
{
    switch (t) {
    case ET_LONG: return "LONG";
    case ET_DOUBLE: return "DOUBLE";
    case ET_STRING: return "STRING";
    case ET_ALONG: return "ARRAY<LONG>";
    case ET_ADOUBLE: return "ARRAY<DOUBLE>";
    case ET_ASTRING: return "ARRAY<STRING>";
    case ET_JSON: return "COMPLEX<json>";
    default: return "null";
    }
}

expr_type expr_type_numeric(expr_type a, expr_type b)
{
    if (a == ET_LONG && (b == ET_LONG || b == ET_UNKNOWN)) return ET_LONG;
    return ET_DOUBLE;
}

expr_type expr_type_operator(expr_type a, expr_type b)
{
    if (a == ET_UNKNOWN) return b;
    if (b == ET_UNKNOWN) return a;
    if (expr_type_is_array(a) || expr_type_is_array(b)) return a == b ? a : ET_UNKNOWN;
    if (a == ET_JSON || b == ET_JSON) return ET_JSON;
    if (a == ET_STRING && b == ET_STRING) return ET_STRING;
    return expr_type_numeric(a, b);
}

expr_type expr_type_function(expr_type a, expr_type b)
{
    if (a == ET_UNKNOWN) return b;
    if (b == ET_UNKNOWN) return a;
    if (expr_type_is_array(a) || expr_type_is_array(b)) return a == b ? a : ET_UNKNOWN;
    if (a == ET_JSON || b == ET_JSON) return ET_JSON;
    if (a == ET_STRING || b == ET_STRING) return ET_STRING;
    return expr_type_numeric(a, b);
}

/* ---- numbers ---------------------------------------------------------------- */

int64_t expr_d2l(double d)
{
    if (isnan(d)) return 0;
    if (d >= 9223372036854775807.0) return INT64_MAX;
    if (d <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)d;
}

static int32_t d2i(double d)
{
    if (isnan(d)) return 0;
    if (d >= 2147483647.0) return INT32_MAX;
    if (d <= -2147483648.0) return INT32_MIN;
    return (int32_t)d;
}

bool expr_parse_number(vrv_str s, vrv_value *out)
{
    if (s.n == 4 && strncasecmp(s.p, "true", 4) == 0) {
        *out = vrv_double(1.0);
        return true;
    }
    if (s.n == 5 && strncasecmp(s.p, "false", 5) == 0) {
        *out = vrv_double(0.0);
        return true;
    }
    int64_t l;
    if (vrv_str_to_i64(s, &l)) {
        *out = vrv_long(l);
        return true;
    }
    double d;
    if (vrv_str_to_double(s, &d)) {
        *out = vrv_double(d);
        return true;
    }
    return false;
}

static bool json_number(const vrv_value *v, vrv_value *out)
{
    /* A nested value that is a JSON number or a JSON string holding one. */
    vrv_str s = vrv_value_str(v);
    if (s.n >= 2 && s.p[0] == '"' && s.p[s.n - 1] == '"') s = vrv_str_make(s.p + 1, s.n - 2);
    return expr_parse_number(s, out);
}

bool expr_numeric(const vrv_value *v, vrv_value *out)
{
    switch (v->type) {
    case VRV_V_LONG:
    case VRV_V_DOUBLE: *out = *v; return true;
    case VRV_V_FLOAT: *out = vrv_double(v->u.f); return true;
    case VRV_V_STRING: return expr_parse_number(vrv_value_str(v), out);
    case VRV_V_ARRAY: return v->len == 1 && v->u.a[0].type != VRV_V_ARRAY && expr_numeric(&v->u.a[0], out);
    case VRV_V_JSON: return json_number(v, out);
    default: return false;
    }
}

bool vrv_expr_to_long(const vrv_value *v, int64_t *out)
{
    vrv_value n;
    if (!expr_numeric(v, &n)) return false;
    *out = n.type == VRV_V_LONG ? n.u.l : expr_d2l(n.u.d);
    return true;
}

bool vrv_expr_to_double(const vrv_value *v, double *out)
{
    vrv_value n;
    if (!expr_numeric(v, &n)) return false;
    *out = expr_num_d(&n);
    return true;
}

int32_t expr_as_int(const vrv_value *v)
{
    vrv_value n;
    if (!expr_numeric(v, &n)) return 0;
    return n.type == VRV_V_LONG ? (int32_t)(uint32_t)(uint64_t)n.u.l : d2i(n.u.d);
}

/* ---- truthiness and strings ---------------------------------------------------- */

bool vrv_expr_truthy(const vrv_value *v)
{
    switch (v->type) {
    case VRV_V_LONG: return v->u.l > 0;
    case VRV_V_DOUBLE: return v->u.d > 0;
    case VRV_V_FLOAT: return v->u.f > 0;
    case VRV_V_STRING: return v->len == 4 && strncasecmp(v->u.s, "true", 4) == 0;
    case VRV_V_ARRAY:
        if (v->len != 1) return false;
        /* A one-element numeric array is true by its long value. */
        if (v->u.a[0].type == VRV_V_DOUBLE || v->u.a[0].type == VRV_V_FLOAT) {
            double d = expr_num_d(&v->u.a[0]);
            return expr_d2l(d) > 0;
        }
        return vrv_expr_truthy(&v->u.a[0]);
    case VRV_V_JSON: {
        vrv_value n;
        if (v->len == 4 && memcmp(v->u.s, "true", 4) == 0) return true;
        return json_number(v, &n) && expr_num_d(&n) > 0;
    }
    default: return false;
    }
}

static size_t elem_str_len(const vrv_value *e, char *tmp)
{
    switch (e->type) {
    case VRV_V_NULL: memcpy(tmp, "null", 5); return 4;
    case VRV_V_LONG: return vrv_fmt_long(e->u.l, tmp);
    case VRV_V_DOUBLE: return vrv_fmt_double(e->u.d, tmp);
    case VRV_V_FLOAT: return vrv_fmt_double(e->u.f, tmp);
    default: return 0;
    }
}

/* Arrays.deepToString: "[a, b, null]". */
static vrv_str array_to_string(const vrv_value *v, vrv_arena *a)
{
    char tmp[VRV_NUMFMT_MAX];
    size_t total = 2;
    for (uint32_t i = 0; i < v->len; i++) {
        const vrv_value *e = &v->u.a[i];
        if (i) total += 2;
        if (e->type == VRV_V_STRING || e->type == VRV_V_JSON) total += e->len;
        else if (e->type == VRV_V_ARRAY) total += array_to_string(e, a).n;
        else total += elem_str_len(e, tmp);
    }
    char *out = vrv_arena_alloc(a, total + 1), *o = out;
    *o++ = '[';
    for (uint32_t i = 0; i < v->len; i++) {
        const vrv_value *e = &v->u.a[i];
        if (i) {
            *o++ = ',';
            *o++ = ' ';
        }
        if (e->type == VRV_V_STRING || e->type == VRV_V_JSON) {
            if (e->len) memcpy(o, e->u.s, e->len);
            o += e->len;
        } else if (e->type == VRV_V_ARRAY) {
            vrv_str s = array_to_string(e, a);
            memcpy(o, s.p, s.n);
            o += s.n;
        } else {
            size_t n = elem_str_len(e, tmp);
            memcpy(o, tmp, n);
            o += n;
        }
    }
    *o++ = ']';
    return vrv_str_make(out, (size_t)(o - out));
}

bool expr_as_str(const vrv_value *v, vrv_arena *a, vrv_str *out)
{
    char tmp[VRV_NUMFMT_MAX];
    size_t n;
    switch (v->type) {
    case VRV_V_STRING:
    case VRV_V_JSON: *out = vrv_value_str(v); return true;
    case VRV_V_LONG: n = vrv_fmt_long(v->u.l, tmp); break;
    case VRV_V_DOUBLE: n = vrv_fmt_double(v->u.d, tmp); break;
    case VRV_V_FLOAT: n = vrv_fmt_double(v->u.f, tmp); break;
    case VRV_V_ARRAY:
        if (v->len == 1) return expr_as_str(&v->u.a[0], a, out);
        *out = array_to_string(v, a);
        return true;
    default: return false;
    }
    *out = vrv_str_make(vrv_arena_memdup(a, tmp, n), n);
    return true;
}

vrv_value expr_str_value(const vrv_value *v, vrv_arena *a)
{
    if (v->type == VRV_V_STRING) return *v;
    vrv_str s;
    if (!expr_as_str(v, a, &s)) return vrv_null();
    return vrv_string(s.p, s.n);
}

bool vrv_expr_to_string(const vrv_value *v, vrv_arena *arena, vrv_str *out)
{
    return expr_as_str(v, arena, out);
}

/* ---- arrays ------------------------------------------------------------------- */

expr_type expr_array_type(const vrv_value *v)
{
    switch (v->flags) {
    case VRV_V_LONG: return ET_ALONG;
    case VRV_V_DOUBLE: return ET_ADOUBLE;
    case VRV_V_STRING: return ET_ASTRING;
    default: break;
    }
    bool any_long = false, any_double = false;
    for (uint32_t i = 0; i < v->len; i++) {
        switch (v->u.a[i].type) {
        case VRV_V_NULL: break;
        case VRV_V_LONG: any_long = true; break;
        case VRV_V_DOUBLE:
        case VRV_V_FLOAT: any_double = true; break;
        default: return ET_ASTRING;
        }
    }
    if (any_double) return ET_ADOUBLE;
    if (any_long) return ET_ALONG;
    return ET_ASTRING;
}

expr_type expr_value_type(const vrv_value *v)
{
    switch (expr_vt(v)) {
    case VT_LONG: return ET_LONG;
    case VT_DOUBLE: return ET_DOUBLE;
    case VT_STRING: return ET_STRING;
    case VT_ARRAY: return expr_array_type(v);
    case VT_COMPLEX: return ET_JSON;
    default: return ET_UNKNOWN;
    }
}

bool expr_as_array(const vrv_value *v, vrv_arena *a, const vrv_value **elems, size_t *n)
{
    if (v->type == VRV_V_NULL) return false;
    if (v->type == VRV_V_ARRAY) {
        *elems = v->u.a;
        *n = v->len;
        return true;
    }
    vrv_value *one = vrv_arena_alloc(a, sizeof *one);
    *one = v->type == VRV_V_FLOAT ? vrv_double(v->u.f) : *v;
    *elems = one;
    *n = 1;
    return true;
}

bool expr_elem_equal(const vrv_value *a, const vrv_value *b)
{
    int ta = expr_vt(a), tb = expr_vt(b);
    if (ta != tb) return false;
    switch (ta) {
    case VT_NULL: return true;
    case VT_LONG: return a->u.l == b->u.l;
    case VT_DOUBLE: {
        /* Double.equals: bitwise after NaN canonicalisation. */
        double x = expr_num_d(a), y = expr_num_d(b);
        if (isnan(x) && isnan(y)) return true;
        return memcmp(&x, &y, sizeof x) == 0;
    }
    case VT_STRING:
    case VT_COMPLEX: return a->len == b->len && (a->len == 0 || memcmp(a->u.s, b->u.s, a->len) == 0);
    case VT_ARRAY:
        if (a->len != b->len) return false;
        for (uint32_t i = 0; i < a->len; i++)
            if (!expr_elem_equal(&a->u.a[i], &b->u.a[i])) return false;
        return true;
    default: return false;
    }
}

/* ---- casts -------------------------------------------------------------------- */

/* Text built in an arena: a grown buffer leaves its old copy behind, which the
 * arena frees with everything else. */
typedef struct asb {
    vrv_arena *a;
    char *p;
    size_t n, cap;
} asb;

static void asb_put(asb *b, const char *s, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        while (cap < b->n + n) cap *= 2;
        char *g = vrv_arena_alloc(b->a, cap);
        if (b->n) memcpy(g, b->p, b->n);
        b->p = g;
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void asb_putc(asb *b, char c)
{
    asb_put(b, &c, 1);
}

static void json_put_str(asb *b, vrv_str s)
{
    asb_putc(b, '"');
    for (size_t i = 0; i < s.n; i++) {
        unsigned char c = (unsigned char)s.p[i];
        if (c == '"' || c == '\\') {
            asb_putc(b, '\\');
            asb_putc(b, (char)c);
        } else if (c < 0x20) {
            char tmp[8];
            snprintf(tmp, sizeof tmp, "\\u%04x", c);
            asb_put(b, tmp, 6);
        } else {
            asb_putc(b, (char)c);
        }
    }
    asb_putc(b, '"');
}

static void json_put(asb *b, const vrv_value *v)
{
    char tmp[VRV_NUMFMT_MAX];
    switch (v->type) {
    case VRV_V_LONG: asb_put(b, tmp, vrv_fmt_long(v->u.l, tmp)); break;
    case VRV_V_DOUBLE:
    case VRV_V_FLOAT: {
        double d = expr_num_d(v);
        if (isfinite(d)) asb_put(b, tmp, vrv_fmt_double(d, tmp));
        else json_put_str(b, vrv_str_make(tmp, vrv_fmt_double(d, tmp)));
        break;
    }
    case VRV_V_STRING: json_put_str(b, vrv_value_str(v)); break;
    case VRV_V_JSON: asb_put(b, v->u.s, v->len); break;
    case VRV_V_ARRAY:
        asb_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) asb_putc(b, ',');
            json_put(b, &v->u.a[i]);
        }
        asb_putc(b, ']');
        break;
    default: asb_put(b, "null", 4); break;
    }
}

static bool cast_scalar(const vrv_value *v, expr_type to, vrv_arena *a, vrv_value *out)
{
    vrv_value n;
    switch (to) {
    case ET_LONG:
        if (!expr_numeric(v, &n)) *out = vrv_null();
        else *out = n.type == VRV_V_LONG ? n : vrv_long(expr_d2l(n.u.d));
        return true;
    case ET_DOUBLE:
        if (!expr_numeric(v, &n)) *out = vrv_null();
        else *out = vrv_double(expr_num_d(&n));
        return true;
    case ET_STRING: *out = expr_str_value(v, a); return true;
    default: return false;
    }
}

bool expr_cast(const vrv_value *v, expr_type to, vrv_arena *a, vrv_value *out)
{
    if (v->type == VRV_V_NULL || to == ET_UNKNOWN) {
        *out = vrv_null();
        return true;
    }
    if (to == ET_JSON) {
        if (v->type == VRV_V_JSON) {
            *out = *v;
            return true;
        }
        asb b = {.a = a};
        json_put(&b, v);
        vrv_value j = vrv_string(b.n ? b.p : "", b.n);
        j.type = VRV_V_JSON;
        *out = j;
        return true;
    }
    if (v->type == VRV_V_ARRAY) {
        if (expr_type_is_array(to)) {
            if (expr_array_type(v) == to) {
                *out = *v;
                out->flags = expr_array_tagged(NULL, 0, to).flags;
                return true;
            }
            vrv_value *el = vrv_arena_alloc(a, (v->len ? v->len : 1) * sizeof *el);
            for (uint32_t i = 0; i < v->len; i++)
                if (!cast_scalar(&v->u.a[i], expr_type_elem(to), a, &el[i])) return false;
            *out = expr_array_tagged(el, v->len, to);
            return true;
        }
        if (v->len != 1) return false;
        return cast_scalar(&v->u.a[0], to, a, out);
    }
    if (expr_type_is_array(to)) {
        vrv_value *el = vrv_arena_alloc(a, sizeof *el);
        if (!cast_scalar(v, expr_type_elem(to), a, el)) return false;
        *out = expr_array_tagged(el, 1, to);
        return true;
    }
    if (v->type == VRV_V_FLOAT && to == ET_DOUBLE) {
        *out = vrv_double(v->u.f);
        return true;
    }
    return cast_scalar(v, to, a, out);
}

vrv_value expr_value_copy(vrv_arena *a, const vrv_value *v)
{
    vrv_value c = *v;
    if ((v->type == VRV_V_STRING || v->type == VRV_V_JSON) && v->len)
        c.u.s = vrv_arena_memdup(a, v->u.s, v->len);
    else if (v->type == VRV_V_ARRAY) {
        vrv_value *el = vrv_arena_alloc(a, (v->len ? v->len : 1) * sizeof *el);
        for (uint32_t i = 0; i < v->len; i++) el[i] = expr_value_copy(a, &v->u.a[i]);
        c.u.a = el;
    }
    return c;
}

/* ---- Java strings ---------------------------------------------------------------- */

uint32_t expr_utf8_next(const char *s, size_t n, size_t *i)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t k = *i;
    unsigned c = p[k];
    if (c < 0x80) {
        *i = k + 1;
        return c;
    }
    int len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
    else {
        *i = k + 1;
        return c;
    }
    if (k + (size_t)len > n) {
        *i = k + 1;
        return c;
    }
    for (int j = 1; j < len; j++) {
        unsigned cc = p[k + (size_t)j];
        if ((cc & 0xC0) != 0x80) {
            *i = k + 1;
            return c;
        }
        cp = cp << 6 | (cc & 0x3F);
    }
    /* Reject overlong forms and surrogates, as a strict decoder would. */
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        *i = k + 1;
        return c;
    }
    *i = k + (size_t)len;
    return cp;
}

size_t expr_utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

size_t expr_utf16_len(const char *s, size_t n)
{
    size_t units = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            units++;
            i++;
            continue;
        }
        uint32_t cp = expr_utf8_next(s, n, &i);
        units += cp >= 0x10000 ? 2 : 1;
    }
    return units;
}

vrv_str expr_utf16_sub(const char *s, size_t n, size_t begin, size_t end, vrv_arena *a)
{
    size_t u = 0, i = 0;
    size_t bstart = SIZE_MAX, bend = 0;
    bool lead_q = false, tail_q = false;
    if (begin >= end) return vrv_str_make(s, 0);
    while (i < n && u < end) {
        size_t start = i;
        uint32_t cp = expr_utf8_next(s, n, &i);
        if (cp < 0x10000) {
            if (u >= begin) {
                if (bstart == SIZE_MAX) bstart = start;
                bend = i;
            }
            u++;
            continue;
        }
        /* A supplementary character is two units: a high surrogate at u and a
         * low one at u + 1; either may fall outside [begin, end). */
        bool hi_in = u >= begin && u < end;
        bool lo_in = u + 1 >= begin && u + 1 < end;
        if (hi_in && lo_in) {
            if (bstart == SIZE_MAX) bstart = start;
            bend = i;
        } else if (lo_in) {
            lead_q = true;
            bstart = bend = i;
        } else if (hi_in) {
            tail_q = true;
            if (bstart == SIZE_MAX) bstart = start;
            bend = start;
        }
        u += 2;
    }
    if (bstart == SIZE_MAX) bstart = bend = i;
    if (!lead_q && !tail_q) return vrv_str_make(s + bstart, bend - bstart);
    size_t len = (bend - bstart) + lead_q + tail_q;
    char *o = vrv_arena_alloc(a, len + 1);
    size_t k = 0;
    if (lead_q) o[k++] = '?';
    memcpy(o + k, s + bstart, bend - bstart);
    k += bend - bstart;
    if (tail_q) o[k++] = '?';
    return vrv_str_make(o, k);
}

int expr_java_strcmp(vrv_str a, vrv_str b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    size_t i = 0;
    while (i < n && a.p[i] == b.p[i]) i++;
    if (i == n) return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
    /* Back up to the start of the code point that differs. */
    while (i > 0 && ((unsigned char)a.p[i] & 0xC0) == 0x80) i--;
    size_t ia = i, ib = i;
    uint32_t ca = expr_utf8_next(a.p, a.n, &ia);
    uint32_t cb = expr_utf8_next(b.p, b.n, &ib);
    /* Compare the first UTF-16 units: supplementary characters start with a
     * high surrogate (0xD800..0xDBFF), below U+E000..U+FFFF. */
    uint32_t ua = ca >= 0x10000 ? 0xD800 + ((ca - 0x10000) >> 10) : ca;
    uint32_t ub = cb >= 0x10000 ? 0xD800 + ((cb - 0x10000) >> 10) : cb;
    if (ua != ub) return ua < ub ? -1 : 1;
    /* Same high surrogate: compare the low surrogates. */
    uint32_t la = ca >= 0x10000 ? 0xDC00 + ((ca - 0x10000) & 0x3FF) : 0;
    uint32_t lb = cb >= 0x10000 ? 0xDC00 + ((cb - 0x10000) & 0x3FF) : 0;
    if (la != lb) return la < lb ? -1 : 1;
    return ca < cb ? -1 : ca > cb ? 1 : 0;
}
