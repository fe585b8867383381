/*
 * expr_fn_string.c — Druid's string functions (Function.java and the
 * *ExprMacro classes): concat, strlen, strpos, substring, left, right, replace,
 * lower, upper, reverse, repeat, lpad, rpad, trim/ltrim/rtrim, parse_long,
 * contains_string, icontains_string, like, regexp_extract, regexp_like,
 * regexp_replace (format is in expr_format.c).
 *
 * Java's String is UTF-16: lengths and indexes count UTF-16 code units, so a
 * character outside the BMP (an emoji) counts 2. Text here is UTF-8; the
 * helpers of expr_value.c translate. Druid returns null where SQL-compatible
 * null handling says so (substring past the end, repeat(x, 0), lpad(x, 0, p)).
 */
#include <locale.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wctype.h>

#include "base/mem.h"
#include "expr/expr_int.h"
#include "expr/like.h"
#include "expr/regex.h"

#define MAX_RESULT_UNITS (EXPR_MAX_STRING / 4) /* lpad/rpad lengths: 4 bytes per unit at most */

/* Evaluates argument i as a string; false when null. */
static bool arg_str(const expr_pnode *n, expr_eval *c, uint32_t i, vrv_str *out)
{
    vrv_value v = EV(i);
    return expr_as_str(&v, c->arena, out);
}

static vrv_value str_val(vrv_str s)
{
    return vrv_string(s.p, s.n);
}

/* ---- concat / strlen / strpos ------------------------------------------------- */

static vrv_value fn_concat(const expr_pnode *n, expr_eval *c)
{
    if (n->nargs == 0) return vrv_null();
    vrv_str parts[n->nargs];
    size_t total = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (!arg_str(n, c, i, &parts[i])) return vrv_null();
        total += parts[i].n;
    }
    if (n->nargs == 1) return str_val(parts[0]);
    if (expr_too_long(c, total) || expr_over_budget(c)) return vrv_null();
    char *o = vrv_arena_alloc(c->arena, total + 1);
    size_t k = 0;
    for (uint32_t i = 0; i < n->nargs; i++) {
        if (parts[i].n) memcpy(o + k, parts[i].p, parts[i].n);
        k += parts[i].n;
    }
    return vrv_string(o, total);
}

static vrv_value fn_strlen(const expr_pnode *n, expr_eval *c)
{
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    return vrv_long((int64_t)expr_utf16_len(s.p, s.n));
}

/* Byte offset of UTF-16 index u (clamped to the end). */
static size_t byte_of_unit(vrv_str s, size_t u)
{
    size_t i = 0, k = 0;
    while (i < s.n && k < u) {
        uint32_t cp = expr_utf8_next(s.p, s.n, &i);
        k += cp >= 0x10000 ? 2 : 1;
    }
    return i;
}

static vrv_value fn_strpos(const expr_pnode *n, expr_eval *c)
{
    vrv_str h, nd;
    if (!arg_str(n, c, 0, &h) || !arg_str(n, c, 1, &nd)) return vrv_null();
    int64_t from = 0;
    if (n->nargs > 2) {
        vrv_value f = EV(2);
        from = expr_as_int(&f);
    }
    if (from < 0) from = 0;
    size_t len16 = expr_utf16_len(h.p, h.n);
    if ((size_t)from >= len16) return vrv_long(nd.n == 0 ? (int64_t)len16 : -1);
    size_t b = byte_of_unit(h, (size_t)from);
    const char *hit = nd.n == 0 ? h.p + b : memmem(h.p + b, h.n - b, nd.p, nd.n);
    if (!hit) return vrv_long(-1);
    return vrv_long((int64_t)expr_utf16_len(h.p, (size_t)(hit - h.p)));
}

/* ---- substring / left / right --------------------------------------------------- */

static vrv_value fn_substring(const expr_pnode *n, expr_eval *c)
{
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    vrv_value iv = EV(1), lv = EV(2);
    int32_t index = expr_as_int(&iv), length = expr_as_int(&lv);
    size_t len16 = expr_utf16_len(s.p, s.n);
    if (index < 0) return expr_fail(c, "function 'substring' index %d out of range", index);
    if ((size_t)index >= len16) return vrv_null();
    size_t end = length >= 0 ? VRV_MIN((size_t)index + (size_t)length, len16) : len16;
    return str_val(expr_utf16_sub(s.p, s.n, (size_t)index, end, c->arena));
}

/* StringLongFunction: a STRING and a LONG, else Druid rejects the call. */
static bool string_long_args(const expr_pnode *n, expr_eval *c, vrv_value *x, int32_t *y)
{
    *x = EV(0);
    vrv_value yv = EV(1);
    if ((x->type != VRV_V_STRING && x->type != VRV_V_NULL) || yv.type != VRV_V_LONG) {
        expr_fail(c, "function '%s' needs a STRING as first argument and a LONG as second argument", n->fn->name);
        return false;
    }
    *y = (int32_t)(uint32_t)(uint64_t)yv.u.l;
    return true;
}

static vrv_value left_right(const expr_pnode *n, expr_eval *c, bool left)
{
    vrv_value x;
    int32_t y;
    if (!string_long_args(n, c, &x, &y)) return vrv_null();
    if (y < 0) return expr_fail(c, "function '%s' needs a positive integer as the second argument", n->fn->name);
    if (x.type == VRV_V_NULL) return x;
    size_t len16 = expr_utf16_len(x.u.s, x.len);
    if ((size_t)y >= len16) return x;
    if (left) return str_val(expr_utf16_sub(x.u.s, x.len, 0, (size_t)y, c->arena));
    return str_val(expr_utf16_sub(x.u.s, x.len, len16 - (size_t)y, len16, c->arena));
}

static vrv_value fn_left(const expr_pnode *n, expr_eval *c)
{
    return left_right(n, c, true);
}
static vrv_value fn_right(const expr_pnode *n, expr_eval *c)
{
    return left_right(n, c, false);
}

/* ---- replace / repeat / reverse ---------------------------------------------------- */

static vrv_value fn_replace(const expr_pnode *n, expr_eval *c)
{
    vrv_str s, target, rep;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    if (!arg_str(n, c, 1, &target) || !arg_str(n, c, 2, &rep)) return vrv_null();
    if (target.n == 0) {
        /* String.replace("", r): r before every character and at the end. */
        size_t chars = 0;
        for (size_t i = 0; i < s.n; chars++) expr_utf8_next(s.p, s.n, &i);
        if (expr_too_long(c, s.n + rep.n * (chars + 1)) || expr_over_budget(c)) return vrv_null();
        char *o = vrv_arena_alloc(c->arena, s.n + rep.n * (chars + 1) + 1);
        size_t k = 0;
        for (size_t i = 0; i <= s.n;) {
            memcpy(o + k, rep.p, rep.n);
            k += rep.n;
            if (i == s.n) break;
            size_t st = i;
            expr_utf8_next(s.p, s.n, &i);
            memcpy(o + k, s.p + st, i - st);
            k += i - st;
        }
        return vrv_string(o, k);
    }
    const char *hit = memmem(s.p, s.n, target.p, target.n);
    if (!hit) return str_val(s);
    vrv_buf *b = expr_scratch(c);
    size_t pos = 0;
    vrv_value r = vrv_null();
    while (hit) {
        vrv_buf_append(b, s.p + pos, (size_t)(hit - s.p) - pos);
        vrv_buf_append(b, rep.p, rep.n);
        if (expr_too_long(c, b->len)) goto done;
        pos = (size_t)(hit - s.p) + target.n;
        hit = memmem(s.p + pos, s.n - pos, target.p, target.n);
    }
    vrv_buf_append(b, s.p + pos, s.n - pos);
    r = expr_str_dup(c->arena, b->data, b->len);
done:
    expr_scratch_release(c, b);
    return r;
}

static vrv_value fn_repeat(const expr_pnode *n, expr_eval *c)
{
    vrv_value x;
    int32_t y;
    if (!string_long_args(n, c, &x, &y)) return vrv_null();
    if (x.type == VRV_V_NULL || y < 1) return vrv_null();
    if (expr_too_long(c, (uint64_t)x.len * (uint64_t)y) || expr_over_budget(c)) return vrv_null();
    size_t total = (size_t)x.len * (size_t)y;
    char *o = vrv_arena_alloc(c->arena, total + 1);
    for (int32_t i = 0; i < y; i++) memcpy(o + (size_t)i * x.len, x.u.s, x.len);
    return vrv_string(o, total);
}

static vrv_value fn_reverse(const expr_pnode *n, expr_eval *c)
{
    vrv_value x = EV(0);
    if (x.type != VRV_V_STRING && x.type != VRV_V_NULL)
        return expr_fail(c, "function 'reverse' needs a STRING argument but got %s instead",
                         expr_type_name(expr_value_type(&x)));
    if (x.type == VRV_V_NULL) return x;
    /* StringBuilder.reverse keeps surrogate pairs: reverse code points. */
    char *o = vrv_arena_alloc(c->arena, (size_t)x.len + 1);
    size_t k = x.len;
    for (size_t i = 0; i < x.len;) {
        size_t st = i;
        expr_utf8_next(x.u.s, x.len, &i);
        k -= i - st;
        memcpy(o + k, x.u.s + st, i - st);
    }
    return vrv_string(o, x.len);
}

/* ---- case ---------------------------------------------------------------------- */

static locale_t utf8_locale;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_locale_init(void)
{
    utf8_locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

uint32_t expr_case_map(uint32_t cp, bool upper)
{
    if (cp < 0x80) {
        if (upper && cp >= 'a' && cp <= 'z') return cp - 32;
        if (!upper && cp >= 'A' && cp <= 'Z') return cp + 32;
        return cp;
    }
    pthread_once(&utf8_once, utf8_locale_init);
    if (!utf8_locale) return cp;
    return (uint32_t)(upper ? towupper_l((wint_t)cp, utf8_locale) : towlower_l((wint_t)cp, utf8_locale));
}

/* Case-maps s into the arena (or returns s itself when nothing changes). */
static vrv_str case_map(vrv_str s, bool upper, vrv_arena *a)
{
    size_t i = 0;
    for (; i < s.n; i++) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch >= 0x80 || (upper ? (ch >= 'a' && ch <= 'z') : (ch >= 'A' && ch <= 'Z'))) break;
    }
    if (i == s.n) return s;
    /* A mapped code point may need one more UTF-8 byte than the original. */
    char *o = vrv_arena_alloc(a, s.n * 2 + 1);
    memcpy(o, s.p, i);
    size_t k = i;
    while (i < s.n) {
        unsigned char ch = (unsigned char)s.p[i];
        if (ch < 0x80) {
            o[k++] = (char)expr_case_map(ch, upper);
            i++;
            continue;
        }
        size_t st = i;
        uint32_t cp = expr_utf8_next(s.p, s.n, &i);
        if (i - st == 1) {
            o[k++] = (char)ch; /* an invalid byte stays as it is */
            continue;
        }
        k += expr_utf8_put(expr_case_map(cp, upper), o + k);
    }
    return vrv_str_make(o, k);
}

vrv_str expr_lower(vrv_str s, vrv_arena *a)
{
    return case_map(s, false, a);
}

static vrv_value fn_lower(const expr_pnode *n, expr_eval *c)
{
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    return str_val(case_map(s, false, c->arena));
}

static vrv_value fn_upper(const expr_pnode *n, expr_eval *c)
{
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    return str_val(case_map(s, true, c->arena));
}

/* ---- lpad / rpad: Druid's StringUtils.lpad/rpad over UTF-16 units ----------------- */

static uint16_t *to_utf16(vrv_str s, vrv_arena *a, size_t *n)
{
    uint16_t *u = vrv_arena_alloc(a, (s.n + 1) * sizeof *u * 2);
    size_t k = 0;
    for (size_t i = 0; i < s.n;) {
        uint32_t cp = expr_utf8_next(s.p, s.n, &i);
        if (cp >= 0x10000) {
            u[k++] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            u[k++] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            u[k++] = (uint16_t)cp;
        }
    }
    *n = k;
    return u;
}

static vrv_value from_utf16(const uint16_t *u, size_t n, vrv_arena *a)
{
    char *o = vrv_arena_alloc(a, n * 3 + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t cu = u[i];
        if (cu >= 0xD800 && cu <= 0xDBFF && i + 1 < n && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
            k += expr_utf8_put(0x10000 + ((cu - 0xD800) << 10) + (u[i + 1] - 0xDC00u), o + k);
            i++;
        } else if (cu >= 0xD800 && cu <= 0xDFFF) {
            o[k++] = '?';
        } else {
            k += expr_utf8_put(cu, o + k);
        }
    }
    return vrv_string(o, k);
}

static vrv_value pad(const expr_pnode *n, expr_eval *c, bool left)
{
    vrv_str base, padding;
    bool have_base = arg_str(n, c, 0, &base);
    vrv_value lv = EV(1);
    int32_t len = expr_as_int(&lv);
    bool have_pad = arg_str(n, c, 2, &padding);
    if (!have_base || !have_pad || len <= 0) return vrv_null();
    if ((uint32_t)len > MAX_RESULT_UNITS)
        return expr_fail(c, "function '%s' length %d longer than %u characters", n->fn->name, len, MAX_RESULT_UNITS);
    if (expr_over_budget(c)) return vrv_null();
    size_t bn, pn;
    uint16_t *b = to_utf16(base, c->arena, &bn);
    uint16_t *p = to_utf16(padding, c->arena, &pn);
    uint16_t *d = vrv_arena_alloc(c->arena, (size_t)len * sizeof *d);
    size_t L = (size_t)len;
    if (pn == 0) {
        /* No padding: the base, cut to len. */
        return from_utf16(b, VRV_MIN(bn, L), c->arena);
    }
    if (left) {
        size_t pos = L > bn ? L - bn : 0;
        for (size_t i = 0; i < pos; i += pn)
            for (size_t j = 0; j < pn && j < pos - i; j++) d[i + j] = p[j];
        for (size_t i = 0; pos + i < L && i < bn; i++) d[pos + i] = b[i];
    } else {
        size_t pos = 0;
        for (; pos < bn && pos < L; pos++) d[pos] = b[pos];
        for (; pos < L; pos += pn)
            for (size_t i = 0; i < pn && i < L - pos; i++) d[pos + i] = p[i];
    }
    return from_utf16(d, L, c->arena);
}

static vrv_value fn_lpad(const expr_pnode *n, expr_eval *c)
{
    return pad(n, c, true);
}
static vrv_value fn_rpad(const expr_pnode *n, expr_eval *c)
{
    return pad(n, c, false);
}

/* ---- trim ------------------------------------------------------------------------ */

typedef struct trim_state {
    bool fixed;  /* chars is a literal (or absent) */
    vrv_str chars;
} trim_state;

static int trim_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    VRV_UNUSED(err);
    trim_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    vrv_value v;
    if (n->nargs == 1) {
        st->fixed = true;
        st->chars = VRV_STR_LIT(" ");
    } else if (expr_arg_literal(n, 1, &v)) {
        st->fixed = true;
        if (!expr_as_str(&v, &b->prog->arena, &st->chars)) st->chars = vrv_str_make("", 0);
    }
    n->state = st;
    return 0;
}

static bool in_chars(vrv_str chars, uint32_t cp)
{
    for (size_t i = 0; i < chars.n;)
        if (expr_utf8_next(chars.p, chars.n, &i) == cp) return true;
    return false;
}

static vrv_value trim(const expr_pnode *n, expr_eval *c, bool left, bool right)
{
    const trim_state *st = n->state;
    vrv_value x = EV(0);
    vrv_str chars = st->chars;
    if (x.type == VRV_V_NULL) return x;
    if (!st->fixed) {
        vrv_value cv = EV(1);
        if (!expr_as_str(&cv, c->arena, &chars)) return x;
    }
    if (chars.n == 0) return x;
    vrv_str s;
    if (!expr_as_str(&x, c->arena, &s)) return x;
    size_t b = 0, e = s.n;
    if (left) {
        while (b < e) {
            size_t k = b;
            if (!in_chars(chars, expr_utf8_next(s.p, s.n, &k))) break;
            b = k;
        }
    }
    if (right) {
        while (e > b) {
            size_t st2 = e - 1;
            while (st2 > b && ((unsigned char)s.p[st2] & 0xC0) == 0x80) st2--;
            size_t k = st2;
            uint32_t cp = expr_utf8_next(s.p, s.n, &k);
            if (k != e || !in_chars(chars, cp)) break;
            e = st2;
        }
    }
    if (b == 0 && e == s.n) return x;
    return vrv_string(s.p + b, e - b);
}

static vrv_value fn_trim(const expr_pnode *n, expr_eval *c)
{
    return trim(n, c, true, true);
}
static vrv_value fn_ltrim(const expr_pnode *n, expr_eval *c)
{
    return trim(n, c, true, false);
}
static vrv_value fn_rtrim(const expr_pnode *n, expr_eval *c)
{
    return trim(n, c, false, true);
}

/* ---- parse_long ------------------------------------------------------------------- */

/* Long.parseLong(s, radix); false on any NumberFormatException. */
static bool java_parse_long(vrv_str s, int radix, int64_t *out)
{
    if (radix < 2 || radix > 36 || s.n == 0) return false;
    size_t i = 0;
    bool neg = false;
    if (s.p[0] == '-' || s.p[0] == '+') {
        neg = s.p[0] == '-';
        if (++i == s.n) return false;
    }
    uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, v = 0;
    for (; i < s.n; i++) {
        char ch = s.p[i];
        int d = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'z' ? ch - 'a' + 10 : ch >= 'A' && ch <= 'Z' ? ch - 'A' + 10 : 99;
        if (d >= radix) return false;
        if (v > (limit - (uint64_t)d) / (uint64_t)radix) return false;
        v = v * (uint64_t)radix + (uint64_t)d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

static vrv_value fn_parse_long(const expr_pnode *n, expr_eval *c)
{
    int radix = 10;
    if (n->nargs > 1) {
        vrv_value r = EV(1);
        radix = expr_as_int(&r);
    }
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    if (radix == 16 && s.n >= 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X')) s = vrv_str_make(s.p + 2, s.n - 2);
    int64_t v;
    if (!java_parse_long(s, radix, &v)) return vrv_null();
    return vrv_long(v);
}

/* ---- contains ---------------------------------------------------------------------- */

static int contains_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    vrv_value v;
    if (!expr_arg_literal(n, 1, &v) || (v.type != VRV_V_STRING && v.type != VRV_V_NULL))
        return expr_bind_fail(b, n, err, "function '%s' substring must be a string literal", n->fn->name);
    vrv_str *needle = vrv_arena_alloc(&b->prog->arena, sizeof *needle);
    *needle = v.type == VRV_V_STRING ? vrv_value_str(&v) : vrv_str_make("", 0);
    if (strcmp(n->fn->name, "icontains_string") == 0) *needle = case_map(*needle, false, &b->prog->arena);
    n->state = needle;
    return 0;
}

static vrv_value fn_contains(const expr_pnode *n, expr_eval *c)
{
    const vrv_str *needle = n->state;
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return expr_bool(false);
    return expr_bool(needle->n == 0 || memmem(s.p, s.n, needle->p, needle->n) != NULL);
}

static vrv_value fn_icontains(const expr_pnode *n, expr_eval *c)
{
    const vrv_str *needle = n->state;
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return expr_bool(false);
    if (needle->n == 0) return expr_bool(true);
    s = case_map(s, false, c->arena);
    return expr_bool(memmem(s.p, s.n, needle->p, needle->n) != NULL);
}

/* ---- like ---------------------------------------------------------------------------- */

static int like_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    vrv_value pat, esc = vrv_null();
    if (!expr_arg_literal(n, 1, &pat) || (n->nargs > 2 && !expr_arg_literal(n, 2, &esc)))
        return expr_bind_fail(b, n, err, "function 'like' pattern and escape must be literals");
    vrv_str ps = vrv_str_make("", 0), es = {0};
    if (pat.type != VRV_V_NULL && !expr_as_str(&pat, &b->prog->arena, &ps))
        return expr_bind_fail(b, n, err, "function 'like' pattern must be a string");
    if (esc.type != VRV_V_NULL && !expr_as_str(&esc, &b->prog->arena, &es))
        return expr_bind_fail(b, n, err, "function 'like' escape must be a string");
    vrv_like *l;
    int rc = vrv_like_compile(ps.p, ps.n, es.p, es.n, &b->prog->arena, &l, err);
    if (rc) return vrv_error_prefix(err, "expression '%s'", b->expr->text);
    n->state = l;
    return 0;
}

static vrv_value fn_like(const expr_pnode *n, expr_eval *c)
{
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    return expr_bool(vrv_like_match(n->state, s.p, s.n));
}

/* ---- regular expressions ------------------------------------------------------------ */

static void regex_free(void *p)
{
    vrv_regex_free(p);
}

/* Compiles literal argument i (null reads as '') into a regex owned by the program. */
static int literal_regex(expr_pnode *n, expr_bind *b, vrv_error *err, uint32_t i, vrv_regex **out)
{
    vrv_value v;
    if (!expr_arg_literal(n, i, &v) || (v.type != VRV_V_STRING && v.type != VRV_V_NULL))
        return expr_bind_fail(b, n, err, "function '%s' pattern must be a string literal", n->fn->name);
    vrv_regex *r = vrv_regex_compile(v.type == VRV_V_STRING ? v.u.s : "", v.type == VRV_V_STRING ? v.len : 0, err);
    if (!r) return vrv_error_prefix(err, "expression '%s': function '%s'", b->expr->text, n->fn->name);
    expr_prog_on_free(b->prog, regex_free, r);
    *out = r;
    return 0;
}

typedef struct extract_state {
    vrv_regex *re;
    int32_t index;
} extract_state;

static int extract_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    extract_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    if (n->nargs > 2) {
        vrv_value iv;
        if (!expr_arg_literal(n, 2, &iv) || (iv.type != VRV_V_LONG && iv.type != VRV_V_DOUBLE))
            return expr_bind_fail(b, n, err, "function 'regexp_extract' index must be a numeric literal");
        st->index = expr_as_int(&iv);
    }
    int rc = literal_regex(n, b, err, 1, &st->re);
    if (rc) return rc;
    if (st->index < 0 || (unsigned)st->index > vrv_regex_groups(st->re))
        return expr_bind_fail(b, n, err, "function 'regexp_extract' has no group %d", st->index);
    n->state = st;
    return 0;
}

static vrv_value fn_regexp_extract(const expr_pnode *n, expr_eval *c)
{
    extract_state *st = n->state;
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    int rc = vrv_regex_find(st->re, s.p, s.n, 0, c->err);
    if (rc < 0) return expr_fail(c, "function 'regexp_extract': match failed");
    size_t b, e;
    if (rc == 0 || !vrv_regex_group(st->re, (unsigned)st->index, &b, &e)) return vrv_null();
    return vrv_string(s.p + b, e - b);
}

static int regex_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    vrv_regex *r;
    int rc = literal_regex(n, b, err, 1, &r);
    if (rc == 0) n->state = r;
    return rc;
}

static vrv_value fn_regexp_like(const expr_pnode *n, expr_eval *c)
{
    vrv_str s;
    if (!arg_str(n, c, 0, &s)) return expr_bool(false);
    int rc = vrv_regex_find(n->state, s.p, s.n, 0, c->err);
    if (rc < 0) return expr_fail(c, "function 'regexp_like': match failed");
    return expr_bool(rc == 1);
}

typedef struct replace_state {
    vrv_regex *re;    /* NULL: dynamic pattern */
    vrv_str rep;
} replace_state;

static int replace_prepare(expr_pnode *n, expr_bind *b, vrv_error *err)
{
    replace_state *st = vrv_arena_calloc(&b->prog->arena, sizeof *st);
    vrv_value pv, rv;
    if (expr_arg_literal(n, 1, &pv) && expr_arg_literal(n, 2, &rv)) {
        if (pv.type != VRV_V_STRING)
            return expr_bind_fail(b, n, err, "function 'regexp_replace' pattern must be a string literal");
        if (rv.type == VRV_V_NULL)
            return expr_bind_fail(b, n, err, "function 'regexp_replace' replacement must be a string literal");
        int rc = literal_regex(n, b, err, 1, &st->re);
        if (rc) return rc;
        expr_as_str(&rv, &b->prog->arena, &st->rep);
    }
    n->state = st;
    return 0;
}

static vrv_value fn_regexp_replace(const expr_pnode *n, expr_eval *c)
{
    const replace_state *st = n->state;
    vrv_str s, pat, rep = st->rep;
    if (!arg_str(n, c, 0, &s)) return vrv_null();
    vrv_regex *re = st->re;
    if (!re) {
        if (!arg_str(n, c, 1, &pat) || !arg_str(n, c, 2, &rep)) return vrv_null();
        vrv_error e2;
        re = vrv_regex_compile(pat.p, pat.n, &e2);
        if (!re) return expr_fail(c, "function 'regexp_replace': %s", e2.msg);
    }
    vrv_buf *out = expr_scratch(c);
    vrv_error e3;
    int rc = vrv_regex_replace_all(re, s.p, s.n, rep.p, rep.n, EXPR_MAX_STRING, out, &e3);
    vrv_value r = rc == 0 ? expr_str_dup(c->arena, out->data, out->len) : expr_fail(c, "%s", e3.msg);
    expr_scratch_release(c, out);
    if (!st->re) vrv_regex_free(re);
    return r;
}

vrv_value expr_fn_format(const expr_pnode *n, expr_eval *c);

static expr_type ty_trim(const expr_node *n, const expr_type *a)
{
    VRV_UNUSED(n);
    return a[0] == ET_UNKNOWN ? ET_STRING : a[0];
}

const expr_fn expr_fns_string[] = {
    {"concat", 0, -1, 0, 0, fn_concat, NULL, expr_ty_string, NULL},
    {"format", 1, -1, 0, 0, expr_fn_format, NULL, expr_ty_string, NULL},
    {"strlen", 1, 1, 0, 0, fn_strlen, NULL, expr_ty_long, NULL},
    {"strpos", 2, 3, 0, 0, fn_strpos, NULL, expr_ty_long, NULL},
    {"substring", 3, 3, 0, 0, fn_substring, NULL, expr_ty_string, NULL},
    {"left", 2, 2, 0, 0, fn_left, NULL, expr_ty_string, NULL},
    {"right", 2, 2, 0, 0, fn_right, NULL, expr_ty_string, NULL},
    {"replace", 3, 3, 0, 0, fn_replace, NULL, expr_ty_string, NULL},
    {"lower", 1, 1, 0, 0, fn_lower, NULL, expr_ty_string, NULL},
    {"upper", 1, 1, 0, 0, fn_upper, NULL, expr_ty_string, NULL},
    {"reverse", 1, 1, 0, 0, fn_reverse, NULL, expr_ty_string, NULL},
    {"repeat", 2, 2, 0, 0, fn_repeat, NULL, expr_ty_string, NULL},
    {"lpad", 3, 3, 0, 0, fn_lpad, NULL, expr_ty_string, NULL},
    {"rpad", 3, 3, 0, 0, fn_rpad, NULL, expr_ty_string, NULL},
    {"trim", 1, 2, 0, 0, fn_trim, trim_prepare, ty_trim, NULL},
    {"ltrim", 1, 2, 0, 0, fn_ltrim, trim_prepare, ty_trim, NULL},
    {"rtrim", 1, 2, 0, 0, fn_rtrim, trim_prepare, ty_trim, NULL},
    {"parse_long", 1, 2, 0, 0, fn_parse_long, NULL, expr_ty_long, NULL},
    {"contains_string", 2, 2, 0, 0, fn_contains, contains_prepare, expr_ty_long, NULL},
    {"icontains_string", 2, 2, 0, 0, fn_icontains, contains_prepare, expr_ty_long, NULL},
    {"like", 2, 3, 0, 0, fn_like, like_prepare, expr_ty_long, NULL},
    {"regexp_extract", 2, 3, 0, 0, fn_regexp_extract, extract_prepare, expr_ty_string, NULL},
    {"regexp_like", 2, 2, 0, 0, fn_regexp_like, regex_prepare, expr_ty_long, NULL},
    {"regexp_replace", 3, 3, 0, 0, fn_regexp_replace, replace_prepare, expr_ty_string, NULL},
    {NULL, 0, 0, 0, 0, NULL, NULL, NULL, NULL},
};
