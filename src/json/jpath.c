/*
 * jpath.c — compiling and evaluating flattenSpec expressions (jpath.h):
 * JsonPath with Jayway's definite/indefinite result rules and functions, and
 * the jackson-jq subset, both over vrv_jnode trees.
 */
#include "json/jpath.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/numfmt.h"
#include "base/vec.h"

enum {
    ST_KEY,     /* .key / ['key'] */
    ST_INDEX,   /* [n], n may be negative */
    ST_INDEXES, /* [n,m,...] */
    ST_SLICE,   /* [a:b] */
    ST_WILD,    /* .* / [*] */
    ST_DESC,    /* .. : the next step applies to every node of the subtree */
    ST_ITER,    /* jq .[] */
    ST_BUILTIN, /* jq length, keys, first, last */
};

enum { FN_NONE, FN_LENGTH, FN_MIN, FN_MAX, FN_AVG, FN_STDDEV, FN_SUM, FN_CONCAT, FN_APPEND };
enum { BI_LENGTH, BI_KEYS, BI_FIRST, BI_LAST };

typedef struct step {
    uint8_t kind;
    bool optional; /* jq '?': errors give no output */
    int builtin;
    char *key;
    size_t klen;
    int64_t idx;
    int64_t *idxs;
    size_t nidx;
    bool has_from, has_to;
    int64_t from, to;
} step;

typedef struct param {
    bool is_str;
    char *s; /* string parameter, or the number's literal text */
    size_t n;
    double d;
} param;

struct vrv_jpath {
    bool jq;
    char *expr;
    VRV_VEC(step) steps;
    bool definite;
    int fn;
    VRV_VEC(param) params;
    vrv_scan_step *scan; /* simple chain for the scanner */
    size_t nscan;
    bool simple;
};

void vrv_jpath_free(vrv_jpath *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->steps.n; i++) {
        free(p->steps.v[i].key);
        free(p->steps.v[i].idxs);
    }
    vrv_vec_free(&p->steps);
    for (size_t i = 0; i < p->params.n; i++) free(p->params.v[i].s);
    vrv_vec_free(&p->params);
    free(p->scan);
    free(p->expr);
    free(p);
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */

typedef struct ps {
    const char *s, *p;
    vrv_jpath *jp;
    vrv_error *err;
    const char *lang; /* "JsonPath" or "jq" */
} ps;

static int perr(ps *x, const char *fmt, ...) VRV_PRINTF(2, 3);
static int perr(ps *x, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return vrv_error_set(x->err, VRV_EINVAL, "invalid %s '%s' at position %zu: %s", x->lang, x->s,
                         (size_t)(x->p - x->s), what);
}

static step *add_step(ps *x, int kind)
{
    step st = {0};
    st.kind = (uint8_t)kind;
    vrv_vec_push(&x->jp->steps, st);
    return &x->jp->steps.v[x->jp->steps.n - 1];
}

static void skip_sp(ps *x)
{
    while (*x->p == ' ' || *x->p == '\t') x->p++;
}

/* A quoted string at x->p (' or "), backslash escapes taken literally. */
static int quoted(ps *x, char **out, size_t *n)
{
    char q = *x->p++;
    size_t cap = strlen(x->p) + 1, len = 0;
    char *buf = vrv_malloc(cap);
    for (;;) {
        if (!*x->p) {
            free(buf);
            return perr(x, "unterminated quoted name");
        }
        if (*x->p == q) break;
        if (*x->p == '\\' && x->p[1]) {
            x->p++;
            char c = *x->p;
            buf[len++] = c == 'n' ? '\n' : c == 't' ? '\t' : c;
            x->p++;
            continue;
        }
        buf[len++] = *x->p++;
    }
    x->p++;
    buf[len] = 0;
    *out = buf;
    *n = len;
    return 0;
}

static bool parse_int(ps *x, int64_t *out)
{
    const char *p = x->p;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (*p < '0' || *p > '9') return false;
    int64_t v = 0;
    while (*p >= '0' && *p <= '9') {
        if (v > (INT64_MAX - 9) / 10) return false;
        v = v * 10 + (*p++ - '0');
    }
    *out = neg ? -v : v;
    x->p = p;
    return true;
}

/* Inside [...] after '[' (JsonPath and jq). */
static int bracket(ps *x, bool jq)
{
    skip_sp(x);
    if (*x->p == '*' && !jq) {
        x->p++;
        add_step(x, ST_WILD);
    } else if (*x->p == ']' && jq) {
        add_step(x, ST_ITER);
    } else if (*x->p == '\'' || *x->p == '"') {
        char *k;
        size_t n;
        if (quoted(x, &k, &n)) return VRV_EINVAL;
        skip_sp(x);
        if (*x->p == ',') {
            free(k);
            return perr(x, "several properties in one bracket are not supported");
        }
        step *st = add_step(x, ST_KEY);
        st->key = k;
        st->klen = n;
    } else if (*x->p == '?') {
        return perr(x, "filter expressions are not supported");
    } else {
        int64_t a = 0;
        bool has_a = parse_int(x, &a);
        skip_sp(x);
        if (*x->p == ':' && !jq) {
            x->p++;
            skip_sp(x);
            int64_t b = 0;
            bool has_b = parse_int(x, &b);
            step *st = add_step(x, ST_SLICE);
            st->has_from = has_a;
            st->from = a;
            st->has_to = has_b;
            st->to = b;
        } else if (*x->p == ',' && has_a && !jq) {
            step *st = add_step(x, ST_INDEXES);
            for (;;) {
                st->idxs = vrv_realloc(st->idxs, (st->nidx + 1) * sizeof *st->idxs);
                st->idxs[st->nidx++] = a;
                skip_sp(x);
                if (*x->p != ',') break;
                x->p++;
                skip_sp(x);
                if (!parse_int(x, &a)) return perr(x, "expected an array index");
            }
        } else if (has_a) {
            add_step(x, ST_INDEX)->idx = a;
        } else {
            return perr(x, "expected an array index, a quoted name%s", jq ? "" : ", '*' or a slice");
        }
    }
    skip_sp(x);
    if (*x->p != ']') return perr(x, "expected ']'");
    x->p++;
    return 0;
}

static int fn_params(ps *x)
{
    /* x->p after '(' */
    skip_sp(x);
    while (*x->p != ')') {
        param pm = {0};
        if (*x->p == '\'' || *x->p == '"') {
            if (quoted(x, &pm.s, &pm.n)) return VRV_EINVAL;
            pm.is_str = true;
        } else if (*x->p == '-' || (*x->p >= '0' && *x->p <= '9')) {
            const char *b = x->p;
            char *end;
            pm.d = strtod(b, &end);
            if (end == b) return perr(x, "expected a function parameter");
            x->p = end;
            pm.s = vrv_strndup(b, (size_t)(end - b));
            pm.n = (size_t)(end - b);
        } else if (*x->p == '$' || *x->p == '@') {
            return perr(x, "path parameters of functions are not supported");
        } else {
            return perr(x, "expected a number or a quoted string as a function parameter");
        }
        vrv_vec_push(&x->jp->params, pm);
        skip_sp(x);
        if (*x->p == ',') {
            x->p++;
            skip_sp(x);
            continue;
        }
        if (*x->p != ')') return perr(x, "expected ',' or ')'");
    }
    x->p++;
    return 0;
}

static int function(ps *x, const char *name, size_t n)
{
    static const struct {
        const char *name;
        int fn;
    } fns[] = {{"length", FN_LENGTH}, {"size", FN_LENGTH}, {"min", FN_MIN},
               {"max", FN_MAX},       {"avg", FN_AVG},     {"stddev", FN_STDDEV},
               {"sum", FN_SUM},       {"concat", FN_CONCAT}, {"append", FN_APPEND}};
    for (size_t i = 0; i < VRV_ARRAY_LEN(fns); i++) {
        if (strlen(fns[i].name) == n && memcmp(fns[i].name, name, n) == 0) {
            x->jp->fn = fns[i].fn;
            x->p++; /* '(' */
            int rc = fn_params(x);
            if (rc) return rc;
            skip_sp(x);
            if (*x->p) return perr(x, "a function must end the path");
            return 0;
        }
    }
    x->p = name;
    return perr(x, "unknown function '%.*s'", (int)n, name);
}

static int parse_jsonpath(ps *x)
{
    if (*x->p == '$' || *x->p == '@') {
        x->p++;
    } else if (*x->p) {
        /* Jayway reads a path without a root as "$." + path */
        const char *name = x->p;
        while (*x->p && *x->p != '.' && *x->p != '[' && *x->p != '(' && *x->p != ' ') x->p++;
        if (x->p == name) return perr(x, "expected '$' or a property name");
        if (*x->p == '(') return function(x, name, (size_t)(x->p - name));
        step *st = add_step(x, ST_KEY);
        st->key = vrv_strndup(name, (size_t)(x->p - name));
        st->klen = (size_t)(x->p - name);
    } else {
        return perr(x, "empty path");
    }
    while (*x->p) {
        if (*x->p == '[') {
            x->p++;
            int rc = bracket(x, false);
            if (rc) return rc;
            continue;
        }
        if (*x->p != '.') return perr(x, "expected '.' or '['");
        x->p++;
        if (*x->p == '.') {
            x->p++;
            add_step(x, ST_DESC);
            if (*x->p == '[') continue;
        }
        if (*x->p == '*') {
            x->p++;
            add_step(x, ST_WILD);
            continue;
        }
        const char *name = x->p;
        while (*x->p && *x->p != '.' && *x->p != '[' && *x->p != '(' && *x->p != ' ') x->p++;
        if (x->p == name) return perr(x, "a path must not end with '.' or '..'");
        if (*x->p == '(') return function(x, name, (size_t)(x->p - name));
        if (*x->p == ' ') return perr(x, "unexpected space in a property name");
        step *st = add_step(x, ST_KEY);
        st->key = vrv_strndup(name, (size_t)(x->p - name));
        st->klen = (size_t)(x->p - name);
    }
    if (x->jp->steps.n && x->jp->steps.v[x->jp->steps.n - 1].kind == ST_DESC)
        return perr(x, "a path must not end with '.' or '..'");
    return 0;
}

static bool ident_char(char c, bool first)
{
    return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (!first && c >= '0' && c <= '9');
}

static int parse_jq(ps *x)
{
    size_t stage_start = 0;
    for (;;) {
        skip_sp(x);
        if (*x->p == '.') {
            x->p++;
            bool first = true;
            for (;;) {
                if (*x->p == '"') {
                    step *st = add_step(x, ST_KEY);
                    if (quoted(x, &st->key, &st->klen)) return VRV_EINVAL;
                } else if (ident_char(*x->p, true)) {
                    const char *b = x->p;
                    while (ident_char(*x->p, false)) x->p++;
                    step *st = add_step(x, ST_KEY);
                    st->key = vrv_strndup(b, (size_t)(x->p - b));
                    st->klen = (size_t)(x->p - b);
                } else if (*x->p == '[') {
                    x->p++;
                    int rc = bracket(x, true);
                    if (rc) return rc;
                } else if (!first) {
                    return perr(x, "expected a name or '[' after '.'");
                }
                first = false;
                /* postfix: [..], ?, .name */
                for (;;) {
                    if (*x->p == '[') {
                        x->p++;
                        int rc = bracket(x, true);
                        if (rc) return rc;
                    } else if (*x->p == '?') {
                        x->p++;
                        for (size_t i = stage_start; i < x->jp->steps.n; i++)
                            x->jp->steps.v[i].optional = true;
                    } else {
                        break;
                    }
                }
                if (*x->p == '.' && (x->p[1] == '"' || x->p[1] == '[' || ident_char(x->p[1], true))) {
                    x->p++;
                    continue;
                }
                break;
            }
        } else if (ident_char(*x->p, true)) {
            static const char *const names[] = {"length", "keys", "first", "last"};
            const char *b = x->p;
            while (ident_char(*x->p, false)) x->p++;
            size_t n = (size_t)(x->p - b);
            size_t i = 0;
            while (i < VRV_ARRAY_LEN(names) && !(strlen(names[i]) == n && !memcmp(names[i], b, n)))
                i++;
            if (i == VRV_ARRAY_LEN(names)) {
                x->p = b;
                return perr(x, "unsupported jq function '%.*s'", (int)n, b);
            }
            add_step(x, ST_BUILTIN)->builtin = (int)i;
        } else {
            return perr(x, "expected a path starting with '.' or a function");
        }
        skip_sp(x);
        if (!*x->p) return 0;
        if (*x->p != '|') return perr(x, "expected '|' or the end");
        x->p++;
        stage_start = x->jp->steps.n;
    }
}

static void finish(vrv_jpath *jp)
{
    jp->definite = true;
    bool simple = !jp->jq && jp->fn == FN_NONE && jp->steps.n > 0 &&
                  jp->steps.v[0].kind == ST_KEY;
    for (size_t i = 0; i < jp->steps.n; i++) {
        const step *st = &jp->steps.v[i];
        if (st->kind == ST_WILD || st->kind == ST_DESC || st->kind == ST_SLICE ||
            st->kind == ST_INDEXES || st->kind == ST_ITER)
            jp->definite = false;
        if (!(st->kind == ST_KEY || (st->kind == ST_INDEX && st->idx >= 0))) simple = false;
    }
    jp->simple = simple && jp->steps.n <= 64;
    if (jp->simple) {
        jp->scan = vrv_calloc(jp->steps.n, sizeof *jp->scan);
        jp->nscan = jp->steps.n;
        for (size_t i = 0; i < jp->steps.n; i++) {
            const step *st = &jp->steps.v[i];
            if (st->kind == ST_KEY) {
                jp->scan[i].key = st->key;
                jp->scan[i].len = st->klen;
            } else {
                jp->scan[i].index = (uint32_t)VRV_MIN(st->idx, (int64_t)UINT32_MAX);
            }
        }
    }
}

static int compile(const char *expr, bool jq, vrv_jpath **out, vrv_error *err)
{
    vrv_jpath *jp = vrv_calloc(1, sizeof *jp);
    jp->jq = jq;
    jp->expr = vrv_strdup(expr);
    ps x = {jp->expr, jp->expr, jp, err, jq ? "jq expression" : "JsonPath"};
    while (*x.p == ' ') x.p++;
    int rc = jq ? parse_jq(&x) : parse_jsonpath(&x);
    if (rc) {
        vrv_jpath_free(jp);
        return rc;
    }
    finish(jp);
    *out = jp;
    return VRV_OK;
}

int vrv_jpath_compile(const char *expr, vrv_jpath **out, vrv_error *err)
{
    return compile(expr, false, out, err);
}

int vrv_jq_compile(const char *expr, vrv_jpath **out, vrv_error *err)
{
    return compile(expr, true, out, err);
}

bool vrv_jpath_steps(const vrv_jpath *p, const vrv_scan_step **steps, size_t *n)
{
    if (!p->simple) return false;
    *steps = p->scan;
    *n = p->nscan;
    return true;
}

const char *vrv_jpath_root_key(const vrv_jpath *p, size_t *len)
{
    if (p->steps.n == 0 || p->steps.v[0].kind != ST_KEY) return NULL;
    *len = p->steps.v[0].klen;
    return p->steps.v[0].key;
}

/* ------------------------------------------------------------------------ */
/* Evaluation                                                                */

typedef VRV_VEC(const vrv_jnode *) nodelist;

static const vrv_jnode null_node = {.kind = VRV_J_NULL};

static const vrv_jnode *obj_get(const vrv_jnode *o, const char *k, size_t n)
{
    return vrv_jnode_get(o, k, n);
}

/* Is key i of object o the first occurrence of its name? (Jackson keeps the
 * first position of a duplicated key, with the last value.) */
static bool first_key(const vrv_jnode *o, uint32_t i)
{
    for (uint32_t j = 0; j < i; j++)
        if (vrv_str_eq(o->keys[j], o->keys[i])) return false;
    return true;
}

static void walk(const step *st, size_t i, size_t n, const vrv_jnode *node, nodelist *res);

static void descend(const step *st, size_t i, size_t n, const vrv_jnode *node, nodelist *res)
{
    /* the next step applies here, then to every node below, in document order */
    walk(st, i + 1, n, node, res);
    if (node->kind == VRV_J_OBJECT) {
        for (uint32_t k = 0; k < node->n; k++)
            if (first_key(node, k))
                descend(st, i, n, obj_get(node, node->keys[k].p, node->keys[k].n), res);
    } else if (node->kind == VRV_J_ARRAY) {
        for (uint32_t k = 0; k < node->n; k++) descend(st, i, n, &node->u.items[k], res);
    }
}

static void walk(const step *st, size_t i, size_t n, const vrv_jnode *node, nodelist *res)
{
    if (i == n) {
        vrv_vec_push(res, node);
        return;
    }
    const step *s = &st[i];
    switch (s->kind) {
    case ST_KEY: {
        const vrv_jnode *c = obj_get(node, s->key, s->klen);
        if (c) walk(st, i + 1, n, c, res);
        return;
    }
    case ST_INDEX: {
        if (node->kind != VRV_J_ARRAY) return;
        int64_t k = s->idx < 0 ? (int64_t)node->n + s->idx : s->idx;
        if (k >= 0 && k < (int64_t)node->n) walk(st, i + 1, n, &node->u.items[k], res);
        return;
    }
    case ST_INDEXES:
        if (node->kind != VRV_J_ARRAY) return;
        for (size_t j = 0; j < s->nidx; j++) {
            int64_t k = s->idxs[j] < 0 ? (int64_t)node->n + s->idxs[j] : s->idxs[j];
            if (k >= 0 && k < (int64_t)node->n) walk(st, i + 1, n, &node->u.items[k], res);
        }
        return;
    case ST_SLICE: {
        if (node->kind != VRV_J_ARRAY) return;
        int64_t len = node->n;
        int64_t from = s->has_from ? s->from : 0, to = s->has_to ? s->to : len;
        if (from < 0) from = VRV_MAX(0, len + from);
        if (to < 0) to = len + to;
        if (to > len) to = len;
        for (int64_t k = from; k < to; k++) walk(st, i + 1, n, &node->u.items[k], res);
        return;
    }
    case ST_WILD:
        if (node->kind == VRV_J_OBJECT) {
            for (uint32_t k = 0; k < node->n; k++)
                if (first_key(node, k))
                    walk(st, i + 1, n, obj_get(node, node->keys[k].p, node->keys[k].n), res);
        } else if (node->kind == VRV_J_ARRAY) {
            for (uint32_t k = 0; k < node->n; k++) walk(st, i + 1, n, &node->u.items[k], res);
        }
        return;
    case ST_DESC: descend(st, i, n, node, res); return;
    default: return;
    }
}

static vrv_jnode *new_node(vrv_arena *a, int kind)
{
    vrv_jnode *n = vrv_arena_calloc(a, sizeof *n);
    n->kind = (uint8_t)kind;
    return n;
}

static vrv_jnode *list_node(vrv_arena *a, const vrv_jnode *const *items, size_t n)
{
    vrv_jnode *l = new_node(a, VRV_J_ARRAY);
    l->n = (uint32_t)n;
    l->u.items = n ? vrv_arena_alloc(a, n * sizeof *l->u.items) : NULL;
    for (size_t i = 0; i < n; i++) l->u.items[i] = *items[i];
    return l;
}

static bool number_of(const vrv_jnode *n, double *d)
{
    if (n->kind == VRV_J_LONG) {
        *d = (double)n->u.l;
        return true;
    }
    if (n->kind == VRV_J_DOUBLE) {
        *d = n->u.d;
        return true;
    }
    return false;
}

/* Jayway's path functions on the path's result (model; NULL when missing). */
static const vrv_jnode *apply_fn(const vrv_jpath *p, const vrv_jnode *model, vrv_arena *a)
{
    bool arr = model && model->kind == VRV_J_ARRAY;
    switch (p->fn) {
    case FN_LENGTH: {
        if (!model || (model->kind != VRV_J_ARRAY && model->kind != VRV_J_OBJECT)) return NULL;
        vrv_jnode *r = new_node(a, VRV_J_LONG);
        int64_t cnt = 0;
        for (uint32_t k = 0; k < model->n; k++)
            cnt += model->kind == VRV_J_ARRAY || first_key(model, k);
        r->u.l = cnt;
        return r;
    }
    case FN_MIN:
    case FN_MAX:
    case FN_AVG:
    case FN_STDDEV:
    case FN_SUM: {
        double v, sum = 0, sumsq = 0, mn = 1.7976931348623157e308, mx = -1.7976931348623157e308;
        size_t cnt = 0;
        for (uint32_t k = 0; arr && k < model->n; k++) {
            if (!number_of(&model->u.items[k], &v)) continue;
            cnt++;
            sum += v;
            sumsq += v * v;
            if (mn > v) mn = v;
            if (mx < v) mx = v;
        }
        for (size_t k = 0; k < p->params.n; k++) {
            if (p->params.v[k].is_str) continue;
            v = p->params.v[k].d;
            cnt++;
            sum += v;
            sumsq += v * v;
            if (mn > v) mn = v;
            if (mx < v) mx = v;
        }
        if (!cnt) return NULL; /* Jayway throws on an empty array; suppressed */
        vrv_jnode *r = new_node(a, VRV_J_DOUBLE);
        double c = (double)cnt;
        r->u.d = p->fn == FN_MIN   ? mn
                 : p->fn == FN_MAX ? mx
                 : p->fn == FN_SUM ? sum
                 : p->fn == FN_AVG ? sum / c
                                   : sqrt(sumsq / c - sum * sum / c / c);
        return r;
    }
    case FN_CONCAT: {
        size_t len = 0;
        for (uint32_t k = 0; arr && k < model->n; k++)
            if (model->u.items[k].kind == VRV_J_STRING) len += model->u.items[k].n;
        for (size_t k = 0; k < p->params.n; k++) len += p->params.v[k].n;
        char *buf = vrv_arena_alloc(a, len + 1), *o = buf;
        for (uint32_t k = 0; arr && k < model->n; k++)
            if (model->u.items[k].kind == VRV_J_STRING) {
                memcpy(o, model->u.items[k].u.s, model->u.items[k].n);
                o += model->u.items[k].n;
            }
        for (size_t k = 0; k < p->params.n; k++) {
            memcpy(o, p->params.v[k].s, p->params.v[k].n);
            o += p->params.v[k].n;
        }
        vrv_jnode *r = new_node(a, VRV_J_STRING);
        r->u.s = buf;
        r->n = (uint32_t)len;
        return r;
    }
    case FN_APPEND: {
        if (!arr) return model;
        vrv_jnode *r = new_node(a, VRV_J_ARRAY);
        r->n = model->n + (uint32_t)p->params.n;
        r->u.items = vrv_arena_alloc(a, (r->n ? r->n : 1) * sizeof *r->u.items);
        memcpy(r->u.items, model->u.items, model->n * sizeof *r->u.items);
        for (size_t k = 0; k < p->params.n; k++) {
            vrv_jnode *e = &r->u.items[model->n + k];
            memset(e, 0, sizeof *e);
            const param *pm = &p->params.v[k];
            double d = pm->d;
            if (pm->is_str) {
                e->kind = VRV_J_STRING;
                e->u.s = vrv_arena_memdup(a, pm->s, pm->n ? pm->n : 1); /* outlives p */
                e->n = (uint32_t)pm->n;
            } else if (!strpbrk(pm->s, ".eE") && d == floor(d) && fabs(d) < 9.2e18) {
                e->kind = VRV_J_LONG;
                e->u.l = (int64_t)d;
            } else {
                e->kind = VRV_J_DOUBLE;
                e->u.d = d;
            }
        }
        return r;
    }
    default: return model;
    }
}

static const char *jq_type(const vrv_jnode *n)
{
    switch (n->kind) {
    case VRV_J_NULL: return "null";
    case VRV_J_BOOL: return "boolean";
    case VRV_J_LONG:
    case VRV_J_DOUBLE: return "number";
    case VRV_J_STRING: return "string";
    case VRV_J_ARRAY: return "array";
    default: return "object";
    }
}

static int cmp_keys(const void *a, const void *b)
{
    const vrv_jnode *x = a, *y = b;
    return vrv_str_cmp(vrv_str_make(x->u.s, x->n), vrv_str_make(y->u.s, y->n));
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += ((unsigned char)s[i] & 0xC0) != 0x80;
    return c;
}

/* One jq step on one input: appends outputs, or returns an error. */
static int jq_step(const vrv_jpath *p, const step *s, const vrv_jnode *in, nodelist *out,
                   vrv_arena *a, vrv_error *err)
{
    switch (s->kind) {
    case ST_KEY:
        if (in->kind == VRV_J_NULL) {
            vrv_vec_push(out, &null_node);
            return 0;
        }
        if (in->kind != VRV_J_OBJECT)
            return vrv_error_set(err, VRV_EINVAL, "jq '%s': Cannot index %s with \"%s\"", p->expr,
                                 jq_type(in), s->key);
        {
            const vrv_jnode *c = obj_get(in, s->key, s->klen);
            vrv_vec_push(out, c ? c : &null_node);
        }
        return 0;
    case ST_INDEX:
        if (in->kind == VRV_J_NULL) {
            vrv_vec_push(out, &null_node);
            return 0;
        }
        if (in->kind != VRV_J_ARRAY)
            return vrv_error_set(err, VRV_EINVAL, "jq '%s': Cannot index %s with number", p->expr,
                                 jq_type(in));
        {
            int64_t k = s->idx < 0 ? (int64_t)in->n + s->idx : s->idx;
            vrv_vec_push(out, k >= 0 && k < (int64_t)in->n ? &in->u.items[k] : &null_node);
        }
        return 0;
    case ST_ITER:
        if (in->kind == VRV_J_ARRAY) {
            for (uint32_t k = 0; k < in->n; k++) vrv_vec_push(out, &in->u.items[k]);
        } else if (in->kind == VRV_J_OBJECT) {
            for (uint32_t k = 0; k < in->n; k++)
                if (first_key(in, k)) vrv_vec_push(out, obj_get(in, in->keys[k].p, in->keys[k].n));
        } else {
            return vrv_error_set(err, VRV_EINVAL, "jq '%s': Cannot iterate over %s", p->expr,
                                 jq_type(in));
        }
        return 0;
    case ST_BUILTIN:
        switch (s->builtin) {
        case BI_LENGTH: {
            vrv_jnode *r = new_node(a, VRV_J_LONG);
            switch (in->kind) {
            case VRV_J_NULL: r->u.l = 0; break;
            case VRV_J_BOOL:
                return vrv_error_set(err, VRV_EINVAL, "jq '%s': boolean (%s) has no length",
                                     p->expr, in->u.l ? "true" : "false");
            case VRV_J_LONG: r->u.l = in->u.l < 0 ? -in->u.l : in->u.l; break;
            case VRV_J_DOUBLE:
                r->kind = VRV_J_DOUBLE;
                r->u.d = fabs(in->u.d);
                break;
            case VRV_J_STRING: r->u.l = (int64_t)utf8_count(in->u.s, in->n); break;
            case VRV_J_ARRAY: r->u.l = in->n; break;
            default: {
                int64_t c = 0;
                for (uint32_t k = 0; k < in->n; k++) c += first_key(in, k);
                r->u.l = c;
            }
            }
            vrv_vec_push(out, r);
            return 0;
        }
        case BI_KEYS: {
            vrv_jnode *r = new_node(a, VRV_J_ARRAY);
            if (in->kind == VRV_J_OBJECT) {
                r->u.items = vrv_arena_alloc(a, (in->n ? in->n : 1) * sizeof *r->u.items);
                for (uint32_t k = 0; k < in->n; k++) {
                    if (!first_key(in, k)) continue;
                    vrv_jnode *e = &r->u.items[r->n++];
                    memset(e, 0, sizeof *e);
                    e->kind = VRV_J_STRING;
                    e->u.s = in->keys[k].p;
                    e->n = (uint32_t)in->keys[k].n;
                }
                qsort(r->u.items, r->n, sizeof *r->u.items, cmp_keys);
            } else if (in->kind == VRV_J_ARRAY) {
                r->u.items = vrv_arena_alloc(a, (in->n ? in->n : 1) * sizeof *r->u.items);
                for (uint32_t k = 0; k < in->n; k++) {
                    vrv_jnode *e = &r->u.items[r->n++];
                    memset(e, 0, sizeof *e);
                    e->kind = VRV_J_LONG;
                    e->u.l = k;
                }
            } else {
                return vrv_error_set(err, VRV_EINVAL, "jq '%s': %s has no keys", p->expr,
                                     jq_type(in));
            }
            vrv_vec_push(out, r);
            return 0;
        }
        default: {
            step ix = {.kind = ST_INDEX, .idx = s->builtin == BI_FIRST ? 0 : -1};
            return jq_step(p, &ix, in, out, a, err);
        }
        }
    default: return 0;
    }
}

static int eval_jq(const vrv_jpath *p, const vrv_jnode *root, vrv_arena *a, const vrv_jnode **res,
                   vrv_error *err)
{
    nodelist cur = {0}, next = {0};
    vrv_vec_push(&cur, root);
    int rc = 0;
    for (size_t i = 0; i < p->steps.n && rc == 0; i++) {
        const step *s = &p->steps.v[i];
        next.n = 0;
        for (size_t k = 0; k < cur.n; k++) {
            size_t before = next.n;
            rc = jq_step(p, s, cur.v[k], &next, a, err);
            if (rc && s->optional) {
                next.n = before;
                rc = 0;
            }
            if (rc) break;
        }
        nodelist t = cur;
        cur = next;
        next = t;
    }
    if (rc == 0 && cur.n == 0)
        rc = vrv_error_set(err, VRV_EINVAL, "jq '%s': the expression produced no value", p->expr);
    if (rc == 0) *res = cur.v[0];
    vrv_vec_free(&cur);
    vrv_vec_free(&next);
    return rc;
}

int vrv_jpath_eval(const vrv_jpath *p, const vrv_jnode *root, vrv_arena *arena, vrv_value *out,
                   vrv_error *err)
{
    static const vrv_jnode empty_object = {.kind = VRV_J_OBJECT, .raw = "{}", .rawlen = 2};
    if (!root) root = &empty_object;
    const vrv_jnode *r = NULL;
    if (p->jq) {
        int rc = eval_jq(p, root, arena, &r, err);
        if (rc) return rc;
    } else {
        nodelist res = {0};
        walk(p->steps.v, 0, p->steps.n, root, &res);
        if (p->definite)
            r = res.n ? res.v[0] : NULL;
        else
            r = list_node(arena, res.v, res.n);
        vrv_vec_free(&res);
        if (p->fn != FN_NONE) r = apply_fn(p, r, arena);
    }
    vrv_jnode_to_value(r, out, arena);
    return VRV_OK;
}
