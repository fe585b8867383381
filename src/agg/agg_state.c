/*
 * agg_state.c — the per-group state of every aggregator: layout, init, add,
 * merge, get, finalize, serialized form, and the complex-value helpers
 * (hashing, base64, rendering for finalize:false output).
 *
 * Null rules follow Druid's SQL-compatible mode: sums/min/max skip nulls and
 * stay null while empty; numeric first/last take the value at the extreme
 * time even when it is null; string first/last skip nulls; *Any take the
 * first row's value, null included; doubleMean skips nulls and is 0.0 when
 * empty.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg.h"
#include "agg/agg_expr.h"
#include "agg/bytes.h"
#include "agg/hll.h"
#include "agg/hllsk.h"
#include "agg/quantiles.h"
#include "agg/theta.h"
#include "base/hash.h"
#include "base/mem.h"
#include "base/numfmt.h"

/* Numeric states. `has` is set by the first non-null input; `combined` marks
 * a float that went through combine() and finalizes as a double. */
typedef struct st_long {
    int64_t v;
    uint8_t has;
} st_long;

typedef struct st_double {
    double v;
    uint8_t has;
} st_double;

typedef struct st_float {
    float v;
    uint8_t has;
    uint8_t combined;
} st_float;

/* *Any: the first row's value; null is a value here. */
typedef struct st_any {
    union {
        int64_t l;
        double d;
        float f;
    } v;
    char *s;       /* stringAny: heap copy */
    uint32_t len;
    uint8_t found;
    uint8_t null;
} st_any;

/* Sketch states: one pointer, NULL while nothing was added. */
typedef struct st_sketch {
    void *p;
} st_sketch;

#define NUM_FLAG_HAS      1
#define NUM_FLAG_COMBINED 2
#define PAIR_MAGIC        0x50
#define MEAN_MAGIC        0x4D

static bool is_first(vrv_agg_type t)
{
    return t == VRV_AGG_LONG_FIRST || t == VRV_AGG_DOUBLE_FIRST || t == VRV_AGG_FLOAT_FIRST ||
           t == VRV_AGG_STRING_FIRST;
}

vrv_agg_kind vrv_agg_complex_kind(const vrv_agg_spec *s)
{
    s = vrv_agg_unwrap(s);
    switch (s->type) {
    case VRV_AGG_LONG_FIRST:
    case VRV_AGG_LONG_LAST: return VRV_AGG_K_PAIR_LONG;
    case VRV_AGG_DOUBLE_FIRST:
    case VRV_AGG_DOUBLE_LAST: return VRV_AGG_K_PAIR_DOUBLE;
    case VRV_AGG_FLOAT_FIRST:
    case VRV_AGG_FLOAT_LAST: return VRV_AGG_K_PAIR_FLOAT;
    case VRV_AGG_STRING_FIRST:
    case VRV_AGG_STRING_LAST: return VRV_AGG_K_PAIR_STRING;
    case VRV_AGG_DOUBLE_MEAN: return VRV_AGG_K_MEAN;
    case VRV_AGG_CARDINALITY:
    case VRV_AGG_HYPER_UNIQUE: return VRV_AGG_K_HLL;
    case VRV_AGG_THETA: return VRV_AGG_K_THETA;
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE: return VRV_AGG_K_HLLSK;
    case VRV_AGG_QUANTILES: return VRV_AGG_K_QUANTILES;
    default: return VRV_AGG_K_NONE;
    }
}

size_t vrv_agg_state_size(const vrv_agg_spec *s)
{
    s = vrv_agg_unwrap(s);
    switch (s->type) {
    case VRV_AGG_EXPRESSION: return agg_expr_state_size();
    case VRV_AGG_COUNT:
    case VRV_AGG_GROUPING: return sizeof(int64_t);
    case VRV_AGG_LONG_SUM:
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX: return sizeof(st_long);
    case VRV_AGG_DOUBLE_SUM:
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX: return sizeof(st_double);
    case VRV_AGG_FLOAT_SUM:
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX: return sizeof(st_float);
    case VRV_AGG_LONG_ANY:
    case VRV_AGG_DOUBLE_ANY:
    case VRV_AGG_FLOAT_ANY:
    case VRV_AGG_STRING_ANY: return sizeof(st_any);
    case VRV_AGG_DOUBLE_MEAN: return sizeof(vrv_agg_mean);
    default:
        if (vrv_agg_complex_kind(s) >= VRV_AGG_K_PAIR_LONG) return sizeof(vrv_agg_pair);
        return sizeof(st_sketch);
    }
}

size_t vrv_agg_state_align(const vrv_agg_spec *s)
{
    VRV_UNUSED(s);
    return 8;
}

size_t vrv_agg_layout(const vrv_agg_spec *const *specs, size_t n, size_t *offsets)
{
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        size_t al = vrv_agg_state_align(specs[i]);
        off = (off + al - 1) / al * al;
        offsets[i] = off;
        off += vrv_agg_state_size(specs[i]);
    }
    return (off + 7) / 8 * 8;
}

void vrv_agg_init(const vrv_agg_spec *s, void *state)
{
    s = vrv_agg_unwrap(s);
    if (s->type == VRV_AGG_EXPRESSION) {
        agg_expr_init(s, state);
        return;
    }
    memset(state, 0, vrv_agg_state_size(s));
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    if (k >= VRV_AGG_K_PAIR_LONG && k <= VRV_AGG_K_PAIR_STRING) {
        vrv_agg_pair *p = state;
        p->time = is_first(s->type) ? INT64_MAX : INT64_MIN;
        p->null = true;
    }
}

static void sketch_free(vrv_agg_kind k, void *p)
{
    if (!p) return;
    switch (k) {
    case VRV_AGG_K_HLL:
    case VRV_AGG_K_HLLSK: vrv_hllsk_free(p); break;
    case VRV_AGG_K_THETA: vrv_theta_free(p); break;
    case VRV_AGG_K_QUANTILES: vrv_quantiles_free(p); break;
    default: break;
    }
}

static size_t sketch_mem(vrv_agg_kind k, const void *p)
{
    if (!p) return 0;
    switch (k) {
    case VRV_AGG_K_HLL:
    case VRV_AGG_K_HLLSK: return vrv_hllsk_mem_bytes(p);
    case VRV_AGG_K_THETA: return vrv_theta_mem_bytes(p);
    case VRV_AGG_K_QUANTILES: return vrv_quantiles_mem_bytes(p);
    default: return 0;
    }
}

static bool is_sketch_kind(vrv_agg_kind k)
{
    return k == VRV_AGG_K_HLL || k == VRV_AGG_K_THETA || k == VRV_AGG_K_HLLSK ||
           k == VRV_AGG_K_QUANTILES;
}

void vrv_agg_destroy(const vrv_agg_spec *s, void *state)
{
    s = vrv_agg_unwrap(s);
    if (s->type == VRV_AGG_EXPRESSION) {
        agg_expr_destroy(state);
        return;
    }
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    if (is_sketch_kind(k)) {
        st_sketch *st = state;
        sketch_free(k, st->p);
        st->p = NULL;
    } else if (k == VRV_AGG_K_PAIR_STRING) {
        vrv_agg_pair *p = state;
        free(p->v.s);
        p->v.s = NULL;
        p->cap = p->len = 0;
    } else if (s->type == VRV_AGG_STRING_ANY) {
        st_any *a = state;
        free(a->s);
        a->s = NULL;
    }
}

bool vrv_agg_has_heap(const vrv_agg_spec *s)
{
    s = vrv_agg_unwrap(s);
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    return s->type == VRV_AGG_EXPRESSION || is_sketch_kind(k) || k == VRV_AGG_K_PAIR_STRING ||
           s->type == VRV_AGG_STRING_ANY;
}

size_t vrv_agg_state_bytes(const vrv_agg_spec *s, const void *state)
{
    s = vrv_agg_unwrap(s);
    if (s->type == VRV_AGG_EXPRESSION) return agg_expr_state_bytes(state);
    size_t b = vrv_agg_state_size(s);
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    if (is_sketch_kind(k)) return b + sketch_mem(k, ((const st_sketch *)state)->p);
    if (k == VRV_AGG_K_PAIR_STRING) return b + ((const vrv_agg_pair *)state)->cap;
    if (s->type == VRV_AGG_STRING_ANY) return b + ((const st_any *)state)->len;
    return b;
}

/* ---- reading inputs ----------------------------------------------------- */

/* Returns 1 with *out set, 0 for null, -1 when v is not numeric. */
static int read_long(const vrv_value *v, int64_t *out)
{
    if (VRV_LIKELY(v->type == VRV_V_LONG)) {
        *out = v->u.l;
        return 1;
    }
    if (v->type == VRV_V_NULL) return 0;
    if (v->type == VRV_V_ARRAY) {
        if (v->len == 0) return 0;
        if (v->len > 1) return -1;
        return read_long(&v->u.a[0], out);
    }
    return vrv_value_to_long(v, out) ? 1 : -1;
}

static int read_double(const vrv_value *v, double *out)
{
    if (VRV_LIKELY(v->type == VRV_V_DOUBLE)) {
        *out = v->u.d;
        return 1;
    }
    if (v->type == VRV_V_NULL) return 0;
    if (v->type == VRV_V_ARRAY) {
        if (v->len == 0) return 0;
        if (v->len > 1) return -1;
        return read_double(&v->u.a[0], out);
    }
    return vrv_value_to_double(v, out) ? 1 : -1;
}

static int read_float(const vrv_value *v, float *out)
{
    if (VRV_LIKELY(v->type == VRV_V_FLOAT)) {
        *out = v->u.f;
        return 1;
    }
    double d;
    int r = read_double(v, &d);
    if (r == 1) *out = (float)d;
    return r;
}

/* Druid's DimensionHandlerUtils.convertObjectToString: a list prints as
 * "[a, b]". Appends v's string form; false for null / complex. */
static bool append_string_form(const vrv_value *v, vrv_buf *b)
{
    if (v->type != VRV_V_ARRAY) return vrv_value_append_string(v, b);
    vrv_buf_putc(b, '[');
    for (uint32_t i = 0; i < v->len; i++) {
        if (i) vrv_buf_puts(b, ", ");
        if (!vrv_value_append_string(&v->u.a[i], b)) vrv_buf_puts(b, "null");
    }
    vrv_buf_putc(b, ']');
    return true;
}

/* The longest prefix of s[0..n) of at most max bytes that does not split a
 * UTF-8 sequence. */
static size_t utf8_chop(const char *s, size_t n, size_t max)
{
    if (n <= max) return n;
    size_t k = max;
    while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80) k--;
    return k;
}

static void set_string(char **dst, uint32_t *len, uint32_t *cap, const char *s, size_t n)
{
    if (cap) {
        if (n + 1 > *cap) {
            *cap = (uint32_t)(n + 1 < 16 ? 16 : n + 1);
            free(*dst);
            *dst = vrv_malloc(*cap);
        }
    } else {
        free(*dst);
        *dst = vrv_malloc(n + 1);
    }
    if (n) memcpy(*dst, s, n);
    (*dst)[n] = '\0';
    *len = (uint32_t)n;
}

bool vrv_agg_hash_value(const vrv_value *v, uint64_t *out)
{
    char tmp[VRV_NUMFMT_MAX];
    size_t n;
    switch (v->type) {
    case VRV_V_STRING:
    case VRV_V_JSON: *out = vrv_hash(v->u.s, v->len); return true;
    case VRV_V_LONG: n = vrv_fmt_long(v->u.l, tmp); break;
    case VRV_V_DOUBLE: n = vrv_fmt_double(v->u.d, tmp); break;
    case VRV_V_FLOAT: n = vrv_fmt_float(v->u.f, tmp); break;
    default: return false;
    }
    *out = vrv_hash(tmp, n);
    return true;
}

/* ---- complex inputs ----------------------------------------------------- */

static void *sketch_new(const vrv_agg_spec *s)
{
    switch (s->type) {
    case VRV_AGG_CARDINALITY:
    case VRV_AGG_HYPER_UNIQUE: return vrv_hll_new();
    case VRV_AGG_THETA: return vrv_theta_new(s->size);
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE: return vrv_hllsk_new(VRV_HLLSK_FAMILY_SKETCH, s->lgk, s->tgt);
    case VRV_AGG_QUANTILES: return vrv_quantiles_new(s->k);
    default: return NULL;
    }
}

/* Decodes a serialized sketch of kind k; NULL when malformed. */
static void *sketch_decode(vrv_agg_kind k, const void *p, size_t n)
{
    void *out = NULL;
    switch (k) {
    case VRV_AGG_K_HLL:
        vrv_hllsk_deserialize(p, n, VRV_HLLSK_FAMILY_UNIQUE, (vrv_hllsk **)&out);
        break;
    case VRV_AGG_K_HLLSK:
        vrv_hllsk_deserialize(p, n, VRV_HLLSK_FAMILY_SKETCH, (vrv_hllsk **)&out);
        break;
    case VRV_AGG_K_THETA: vrv_theta_deserialize(p, n, (vrv_theta **)&out); break;
    case VRV_AGG_K_QUANTILES: vrv_quantiles_deserialize(p, n, (vrv_quantiles **)&out); break;
    default: break;
    }
    return out;
}

static void sketch_merge_obj(vrv_agg_kind k, void *dst, const void *src)
{
    switch (k) {
    case VRV_AGG_K_HLL:
    case VRV_AGG_K_HLLSK: vrv_hllsk_merge(dst, src); break;
    case VRV_AGG_K_THETA: vrv_theta_merge(dst, src); break;
    case VRV_AGG_K_QUANTILES: vrv_quantiles_merge(dst, src); break;
    default: break;
    }
}

static int sketch_fold(const vrv_agg_spec *s, st_sketch *st, vrv_agg_kind k, const vrv_value *v)
{
    if (!st->p) st->p = sketch_new(s);
    if (!(v->flags & VRV_AGG_CX_BYTES)) {
        if (v->u.ptr) sketch_merge_obj(k, st->p, v->u.ptr);
        return 0;
    }
    void *tmp = sketch_decode(k, v->u.ptr, v->len);
    if (!tmp) return VRV_EINVAL;
    sketch_merge_obj(k, st->p, tmp);
    sketch_free(k, tmp);
    return 0;
}

/* A base64 string holding a serialized sketch (isInputHyperUnique,
 * isInputThetaSketch, pre-built sketches at ingestion). */
static int sketch_fold_base64(const vrv_agg_spec *s, st_sketch *st, vrv_agg_kind k,
                              const vrv_value *v)
{
    vrv_buf b = VRV_BUF_INIT;
    int rc = VRV_EINVAL;
    if (vrv_agg_base64_decode(v->u.s, v->len, &b)) {
        vrv_value cv = vrv_agg_complex_bytes(k, b.data ? b.data : "", b.len);
        rc = sketch_fold(s, st, k, &cv);
    }
    vrv_buf_free(&b);
    return rc;
}

/* Reads a first/last pair from a complex value (live or bytes). */
static int pair_decode(vrv_agg_kind k, const void *p, size_t n, vrv_agg_pair *out,
                       const char **s);

/* ---- add ---------------------------------------------------------------- */

static int add_sketch_raw(const vrv_agg_spec *s, st_sketch *st, vrv_agg_kind k, const vrv_value *v)
{
    uint64_t h;
    if (k == VRV_AGG_K_QUANTILES) {
        double d;
        int r = read_double(v, &d);
        if (r < 0) return VRV_EINVAL;
        if (r == 0) return 0;
        if (!st->p) st->p = sketch_new(s);
        vrv_quantiles_update(st->p, d);
        return 0;
    }
    if (!vrv_agg_hash_value(v, &h)) return v->type == VRV_V_NULL ? 0 : VRV_EINVAL;
    if (!st->p) st->p = sketch_new(s);
    if (k == VRV_AGG_K_THETA) {
        vrv_theta_add_hash(st->p, h);
    } else {
        vrv_hllsk_add_hash(st->p, h);
    }
    return 0;
}

static int add_sketch(const vrv_agg_spec *s, st_sketch *st, const vrv_value *v)
{
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    switch (v->type) {
    case VRV_V_NULL: return 0;
    case VRV_V_COMPLEX:
        if ((v->flags & VRV_AGG_KIND_MASK) != k) return VRV_EINVAL;
        return sketch_fold(s, st, k, v);
    case VRV_V_ARRAY:
        if (k == VRV_AGG_K_QUANTILES) break;
        for (uint32_t i = 0; i < v->len; i++) {
            int rc = add_sketch(s, st, &v->u.a[i]);
            if (rc) return rc;
        }
        return 0;
    case VRV_V_STRING:
        if ((s->type == VRV_AGG_HYPER_UNIQUE && s->is_input_hyper_unique) ||
            (s->type == VRV_AGG_THETA && s->is_input_theta) || s->type == VRV_AGG_HLLSK_MERGE)
            return sketch_fold_base64(s, st, k, v);
        /* DataSketches' update(String) / update(byte[]) ignore an empty
         * input, so "" is no distinct value of a theta or HLL sketch (Druid's
         * own hyperUnique collector does count it) */
        if (v->len == 0 && (k == VRV_AGG_K_THETA || k == VRV_AGG_K_HLLSK)) return 0;
        if (k == VRV_AGG_K_QUANTILES) {
            double d;
            if (vrv_str_to_double(vrv_value_str(v), &d)) break;
            return sketch_fold_base64(s, st, k, v);
        }
        break;
    default: break;
    }
    if (s->type == VRV_AGG_HLLSK_MERGE) return VRV_EINVAL;
    return add_sketch_raw(s, st, k, v);
}

/* Folds a value or a pair into p. Ties on time: folding (Druid's aggregate())
 * keeps the earlier-seen row for first and takes the newer one for last;
 * combining two partial results (combine()) keeps the left side for both. */
static int add_pair_ex(const vrv_agg_spec *s, vrv_agg_pair *p, const vrv_value *v, vrv_ms t,
                       bool combine)
{
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    bool first = is_first(s->type);
    vrv_agg_pair in = {0};
    const char *str = NULL;
    char numbuf[VRV_NUMFMT_MAX];
    vrv_buf sb = VRV_BUF_INIT;
    if (v->type == VRV_V_COMPLEX) {
        if ((v->flags & VRV_AGG_KIND_MASK) != k) return VRV_EINVAL;
        if (v->flags & VRV_AGG_CX_BYTES) {
            if (pair_decode(k, v->u.ptr, v->len, &in, &str)) return VRV_EINVAL;
        } else {
            in = *(const vrv_agg_pair *)v->u.ptr;
            str = in.v.s;
        }
        if (!in.has) return 0;
        if (k == VRV_AGG_K_PAIR_STRING && in.null) return 0;
    } else {
        in.time = t;
        in.has = true;
        int r = 1;
        switch (k) {
        case VRV_AGG_K_PAIR_LONG: r = read_long(v, &in.v.l); break;
        case VRV_AGG_K_PAIR_DOUBLE: r = read_double(v, &in.v.d); break;
        case VRV_AGG_K_PAIR_FLOAT: r = read_float(v, &in.v.f); break;
        default:
            if (v->type == VRV_V_NULL) return 0; /* string first/last skip nulls */
            if (v->type == VRV_V_STRING) {
                str = v->u.s;
                in.len = v->len;
            } else if (v->type == VRV_V_LONG) {
                in.len = (uint32_t)vrv_fmt_long(v->u.l, numbuf);
                str = numbuf;
            } else if (append_string_form(v, &sb)) {
                str = sb.data;
                in.len = (uint32_t)sb.len;
            } else {
                return VRV_EINVAL;
            }
            break;
        }
        if (r < 0) return VRV_EINVAL;
        in.null = r == 0;
    }
    bool take = !p->has || (first ? in.time < p->time
                                  : (combine ? in.time > p->time : in.time >= p->time));
    if (take) {
        p->time = in.time;
        p->has = true;
        p->null = in.null;
        if (k == VRV_AGG_K_PAIR_STRING) {
            size_t n = utf8_chop(str ? str : "", in.len, (size_t)s->max_string_bytes);
            set_string(&p->v.s, &p->len, &p->cap, str, n);
        } else {
            p->v = in.v;
        }
    }
    vrv_buf_free(&sb);
    return 0;
}

static int add_pair(const vrv_agg_spec *s, vrv_agg_pair *p, const vrv_value *v, vrv_ms t)
{
    return add_pair_ex(s, p, v, t, false);
}

static int add_any(const vrv_agg_spec *s, st_any *a, const vrv_value *v)
{
    if (a->found) return 0;
    int r = 1;
    switch (s->type) {
    case VRV_AGG_LONG_ANY: r = read_long(v, &a->v.l); break;
    case VRV_AGG_DOUBLE_ANY: r = read_double(v, &a->v.d); break;
    case VRV_AGG_FLOAT_ANY: r = read_float(v, &a->v.f); break;
    default: {
        const vrv_value *e = v;
        if (v->type == VRV_V_ARRAY) {
            if (v->len == 0) {
                r = 0;
                break;
            }
            if (v->len == 1 || !s->aggregate_multiple_values) e = &v->u.a[0];
        }
        if (e->type == VRV_V_NULL) {
            r = 0;
            break;
        }
        vrv_buf b = VRV_BUF_INIT;
        if (!append_string_form(e, &b)) {
            vrv_buf_free(&b);
            return VRV_EINVAL;
        }
        size_t n = utf8_chop(b.data, b.len, (size_t)s->max_string_bytes);
        set_string(&a->s, &a->len, NULL, b.data, n);
        vrv_buf_free(&b);
        break;
    }
    }
    if (r < 0) return VRV_EINVAL;
    a->found = 1;
    a->null = r == 0;
    return 0;
}

int vrv_agg_add(const vrv_agg_spec *s, void *state, const vrv_value *v, vrv_ms t)
{
    int64_t l = 0;
    double d = 0;
    float f = 0;
    int r;
    s = vrv_agg_unwrap(s);
    switch (s->type) {
    case VRV_AGG_COUNT: ++*(int64_t *)state; return 0;
    case VRV_AGG_EXPRESSION: {
        /* one value: a row of a single-field aggregator */
        vrv_error err;
        return agg_expr_fold(s, state, v ? v : &(vrv_value){0}, v ? 1 : 0, &err) ? VRV_EINVAL : 0;
    }
    case VRV_AGG_LONG_SUM: {
        st_long *st = state;
        if ((r = read_long(v, &l)) <= 0) return r ? VRV_EINVAL : 0;
        st->v = (int64_t)((uint64_t)st->v + (uint64_t)l); /* Java wraps on overflow */
        st->has = 1;
        return 0;
    }
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX: {
        st_long *st = state;
        if ((r = read_long(v, &l)) <= 0) return r ? VRV_EINVAL : 0;
        if (!st->has || (s->type == VRV_AGG_LONG_MIN ? l < st->v : l > st->v)) st->v = l;
        st->has = 1;
        return 0;
    }
    case VRV_AGG_DOUBLE_SUM: {
        st_double *st = state;
        if ((r = read_double(v, &d)) <= 0) return r ? VRV_EINVAL : 0;
        st->v += d;
        st->has = 1;
        return 0;
    }
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX: {
        st_double *st = state;
        if ((r = read_double(v, &d)) <= 0) return r ? VRV_EINVAL : 0;
        /* Java's Math.min/max: NaN wins */
        if (!st->has || isnan(d) ||
            (!isnan(st->v) && (s->type == VRV_AGG_DOUBLE_MIN ? d < st->v : d > st->v)))
            st->v = d;
        st->has = 1;
        return 0;
    }
    case VRV_AGG_FLOAT_SUM: {
        st_float *st = state;
        if ((r = read_float(v, &f)) <= 0) return r ? VRV_EINVAL : 0;
        st->v += f;
        st->has = 1;
        return 0;
    }
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX: {
        st_float *st = state;
        if ((r = read_float(v, &f)) <= 0) return r ? VRV_EINVAL : 0;
        if (!st->has || isnan(f) ||
            (!isnan(st->v) && (s->type == VRV_AGG_FLOAT_MIN ? f < st->v : f > st->v)))
            st->v = f;
        st->has = 1;
        return 0;
    }
    case VRV_AGG_LONG_ANY:
    case VRV_AGG_DOUBLE_ANY:
    case VRV_AGG_FLOAT_ANY:
    case VRV_AGG_STRING_ANY: return add_any(s, state, v);
    case VRV_AGG_DOUBLE_MEAN: {
        vrv_agg_mean *m = state;
        if (v->type == VRV_V_COMPLEX) {
            if ((v->flags & VRV_AGG_KIND_MASK) != VRV_AGG_K_MEAN) return VRV_EINVAL;
            vrv_agg_mean in;
            if (v->flags & VRV_AGG_CX_BYTES) {
                vrv_rd rd = vrv_rd_make(v->u.ptr, v->len);
                uint8_t magic;
                uint64_t c;
                if (!vrv_get_u8(&rd, &magic) || magic != MEAN_MAGIC || !vrv_get_f64(&rd, &in.sum) ||
                    !vrv_get_u64(&rd, &c) || vrv_rd_left(&rd) || (int64_t)c < 0)
                    return VRV_EINVAL;
                in.count = (int64_t)c;
            } else {
                in = *(const vrv_agg_mean *)v->u.ptr;
            }
            m->sum += in.sum;
            m->count += in.count;
            return 0;
        }
        /* Druid's DoubleMeanAggregator: nulls are skipped, each element of a
         * list counts, and a value that does not parse counts as 0 */
        if (v->type == VRV_V_NULL) return 0;
        if (v->type == VRV_V_ARRAY) {
            for (uint32_t i = 0; i < v->len; i++) {
                if (v->u.a[i].type == VRV_V_COMPLEX) return VRV_EINVAL;
                m->sum += read_double(&v->u.a[i], &d) == 1 ? d : 0.0;
                m->count++;
            }
            return 0;
        }
        m->sum += read_double(v, &d) == 1 ? d : 0.0;
        m->count++;
        return 0;
    }
    case VRV_AGG_GROUPING:
        if ((r = read_long(v, &l)) <= 0) return r ? VRV_EINVAL : 0;
        *(int64_t *)state = l;
        return 0;
    case VRV_AGG_CARDINALITY:
    case VRV_AGG_HYPER_UNIQUE:
    case VRV_AGG_THETA:
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE:
    case VRV_AGG_QUANTILES: return add_sketch(s, state, v);
    default: return add_pair(s, state, v, t);
    }
}

/* byRow: the row's values as one string, fields joined by \x01; a
 * multi-value field contributes its values sorted and joined by \x02. */
static int cmp_value_str(const void *a, const void *b)
{
    const vrv_value *x = a, *y = b;
    vrv_str sx = x->type == VRV_V_STRING ? vrv_value_str(x) : vrv_str_make("", 0);
    vrv_str sy = y->type == VRV_V_STRING ? vrv_value_str(y) : vrv_str_make("", 0);
    return vrv_str_cmp(sx, sy);
}

int vrv_agg_fold_row(const vrv_agg_spec *s, void *state, const vrv_value *vals, size_t n,
                     vrv_ms t, vrv_error *err)
{
    s = vrv_agg_unwrap(s);
    if (s->type == VRV_AGG_EXPRESSION) return agg_expr_fold(s, state, vals, n, err);
    (void)vrv_agg_add_row(s, state, vals, n, t);
    return 0;
}

int vrv_agg_add_row(const vrv_agg_spec *s, void *state, const vrv_value *vals, size_t n, vrv_ms t)
{
    s = vrv_agg_unwrap(s);
    if (s->type == VRV_AGG_EXPRESSION) {
        vrv_error err;
        return agg_expr_fold(s, state, vals, n, &err) ? VRV_EINVAL : 0;
    }
    if (s->type != VRV_AGG_CARDINALITY) {
        vrv_value nul = vrv_null();
        return vrv_agg_add(s, state, n ? &vals[0] : &nul, t);
    }
    st_sketch *st = state;
    if (!s->by_row) {
        for (size_t i = 0; i < n; i++) {
            if (vals[i].type == VRV_V_COMPLEX) return VRV_EINVAL;
            int rc = 0;
            if (vals[i].type != VRV_V_ARRAY) {
                rc = add_sketch_raw(s, st, VRV_AGG_K_HLL, &vals[i]);
            } else {
                for (uint32_t j = 0; j < vals[i].len && !rc; j++)
                    rc = add_sketch_raw(s, st, VRV_AGG_K_HLL, &vals[i].u.a[j]);
            }
            if (rc) return rc;
        }
        return 0;
    }
    vrv_buf b = VRV_BUF_INIT;
    bool any = false;
    for (size_t i = 0; i < n; i++) {
        if (i) vrv_buf_putc(&b, '\x01');
        const vrv_value *v = &vals[i];
        if (v->type == VRV_V_ARRAY) {
            vrv_value *tmp = vrv_memdup(v->u.a, (size_t)(v->len ? v->len : 1) * sizeof *tmp);
            qsort(tmp, v->len, sizeof *tmp, cmp_value_str);
            for (uint32_t j = 0; j < v->len; j++) {
                if (j) vrv_buf_putc(&b, '\x02');
                any |= vrv_value_append_string(&tmp[j], &b);
            }
            free(tmp);
        } else if (v->type == VRV_V_COMPLEX) {
            vrv_buf_free(&b);
            return VRV_EINVAL;
        } else {
            any |= vrv_value_append_string(v, &b);
        }
    }
    if (any) {
        if (!st->p) st->p = sketch_new(s);
        vrv_hllsk_add_hash(st->p, vrv_hash(b.data, b.len));
    }
    vrv_buf_free(&b);
    return 0;
}

/* ---- merge -------------------------------------------------------------- */

void vrv_agg_merge(const vrv_agg_spec *s, void *dst, const void *src)
{
    s = vrv_agg_unwrap(s);
    switch (s->type) {
    case VRV_AGG_EXPRESSION: agg_expr_merge(s, dst, src); return;
    case VRV_AGG_COUNT: *(int64_t *)dst += *(const int64_t *)src; return;
    case VRV_AGG_GROUPING: *(int64_t *)dst = *(const int64_t *)src; return;
    case VRV_AGG_LONG_SUM:
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX: {
        st_long *a = dst;
        const st_long *b = src;
        if (!b->has) return;
        if (!a->has) {
            *a = *b;
        } else if (s->type == VRV_AGG_LONG_SUM) {
            a->v = (int64_t)((uint64_t)a->v + (uint64_t)b->v);
        } else if (s->type == VRV_AGG_LONG_MIN ? b->v < a->v : b->v > a->v) {
            a->v = b->v;
        }
        return;
    }
    case VRV_AGG_DOUBLE_SUM:
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX: {
        vrv_value v = vrv_double(((const st_double *)src)->v);
        if (((const st_double *)src)->has) vrv_agg_add(s, dst, &v, 0);
        return;
    }
    case VRV_AGG_FLOAT_SUM:
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX: {
        /* Druid's combine(): both sides narrowed to float, combined as float,
         * returned as a double; a side that is empty (null) passes through */
        st_float *a = dst;
        const st_float *b = src;
        if (!b->has) return;
        if (!a->has) {
            *a = *b;
            return;
        }
        vrv_value v = vrv_float(b->v);
        vrv_agg_add(s, dst, &v, 0);
        a->combined = 1;
        return;
    }
    case VRV_AGG_LONG_ANY:
    case VRV_AGG_DOUBLE_ANY:
    case VRV_AGG_FLOAT_ANY:
    case VRV_AGG_STRING_ANY: {
        st_any *a = dst;
        const st_any *b = src;
        if ((a->found && !a->null) || !b->found) return;
        a->found = b->found;
        a->null = b->null;
        a->v = b->v;
        if (s->type == VRV_AGG_STRING_ANY && !b->null) set_string(&a->s, &a->len, NULL, b->s, b->len);
        return;
    }
    case VRV_AGG_DOUBLE_MEAN: {
        vrv_agg_mean *a = dst;
        const vrv_agg_mean *b = src;
        a->sum += b->sum;
        a->count += b->count;
        return;
    }
    default: break;
    }
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    if (is_sketch_kind(k)) {
        const st_sketch *b = src;
        st_sketch *a = dst;
        if (!b->p) return;
        if (!a->p) a->p = sketch_new(s);
        sketch_merge_obj(k, a->p, b->p);
        return;
    }
    /* first/last: the earlier (later) pair wins; a tie keeps dst */
    vrv_value pv = {0};
    pv.type = VRV_V_COMPLEX;
    pv.flags = (uint8_t)k;
    pv.u.ptr = src;
    add_pair_ex(s, dst, &pv, 0, true);
}

/* ---- get / finalize ----------------------------------------------------- */

static vrv_value live(vrv_agg_kind k, const void *p)
{
    vrv_value v = {0};
    v.type = VRV_V_COMPLEX;
    v.flags = (uint8_t)k;
    v.u.ptr = p;
    return v;
}

vrv_value vrv_agg_get(const vrv_agg_spec *s, const void *state)
{
    s = vrv_agg_unwrap(s);
    switch (s->type) {
    case VRV_AGG_EXPRESSION: return agg_expr_get(s, state);
    case VRV_AGG_COUNT:
    case VRV_AGG_GROUPING: return vrv_long(*(const int64_t *)state);
    case VRV_AGG_LONG_SUM:
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX: {
        const st_long *st = state;
        return st->has ? vrv_long(st->v) : vrv_null();
    }
    case VRV_AGG_DOUBLE_SUM:
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX: {
        const st_double *st = state;
        return st->has ? vrv_double(st->v) : vrv_null();
    }
    case VRV_AGG_FLOAT_SUM:
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX: {
        const st_float *st = state;
        if (!st->has) return vrv_null();
        return st->combined ? vrv_double((double)st->v) : vrv_float(st->v);
    }
    case VRV_AGG_LONG_ANY:
    case VRV_AGG_DOUBLE_ANY:
    case VRV_AGG_FLOAT_ANY:
    case VRV_AGG_STRING_ANY: {
        const st_any *a = state;
        if (!a->found || a->null) return vrv_null();
        switch (s->type) {
        case VRV_AGG_LONG_ANY: return vrv_long(a->v.l);
        case VRV_AGG_DOUBLE_ANY: return vrv_double(a->v.d);
        case VRV_AGG_FLOAT_ANY: return vrv_float(a->v.f);
        default: return vrv_string(a->s, a->len);
        }
    }
    default: break;
    }
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    if (is_sketch_kind(k)) return live(k, ((const st_sketch *)state)->p);
    return live(k, state);
}

/* Java's Math.round(double). */
static int64_t java_round(double d)
{
    if (isnan(d)) return 0;
    double r = floor(d + 0.5);
    if (r >= 9.2233720368547758e18) return INT64_MAX;
    if (r <= -9.2233720368547758e18) return INT64_MIN;
    return (int64_t)r;
}

static vrv_value estimate_value(double e, bool round)
{
    return round ? vrv_long(java_round(e)) : vrv_double(e);
}

vrv_value vrv_agg_theta_estimate_json(const vrv_theta *t, int sd, vrv_arena *arena)
{
    char e[VRV_NUMFMT_MAX], hi[VRV_NUMFMT_MAX], lo[VRV_NUMFMT_MAX];
    vrv_fmt_double(t ? vrv_theta_estimate(t) : 0.0, e);
    vrv_fmt_double(t ? vrv_theta_upper_bound(t, sd) : 0.0, hi);
    vrv_fmt_double(t ? vrv_theta_lower_bound(t, sd) : 0.0, lo);
    char *js = vrv_arena_printf(arena, "{\"estimate\":%s,\"highBound\":%s,\"lowBound\":%s,\"numStdDev\":%d}",
                                e, hi, lo, sd);
    vrv_value v = {0};
    v.type = VRV_V_JSON;
    v.u.s = js;
    v.len = (uint32_t)strlen(js);
    return v;
}

vrv_value vrv_agg_finalize(const vrv_agg_spec *s, const void *state, vrv_arena *arena)
{
    s = vrv_agg_unwrap(s);
    switch (s->type) {
    case VRV_AGG_EXPRESSION: return agg_expr_finalize(s, state, arena);
    case VRV_AGG_LONG_FIRST:
    case VRV_AGG_LONG_LAST:
    case VRV_AGG_DOUBLE_FIRST:
    case VRV_AGG_DOUBLE_LAST:
    case VRV_AGG_FLOAT_FIRST:
    case VRV_AGG_FLOAT_LAST:
    case VRV_AGG_STRING_FIRST:
    case VRV_AGG_STRING_LAST: {
        const vrv_agg_pair *p = state;
        if (!p->has || p->null) return vrv_null();
        switch (vrv_agg_complex_kind(s)) {
        case VRV_AGG_K_PAIR_LONG: return vrv_long(p->v.l);
        case VRV_AGG_K_PAIR_DOUBLE: return vrv_double(p->v.d);
        case VRV_AGG_K_PAIR_FLOAT: return vrv_float(p->v.f);
        default: return vrv_string(p->v.s ? p->v.s : "", p->len);
        }
    }
    case VRV_AGG_DOUBLE_MEAN: {
        const vrv_agg_mean *m = state;
        return vrv_double(m->count ? m->sum / (double)m->count : 0.0); /* DoubleMeanHolder.mean() */
    }
    case VRV_AGG_CARDINALITY:
    case VRV_AGG_HYPER_UNIQUE: {
        const st_sketch *st = state;
        return estimate_value(st->p ? vrv_hll_estimate(st->p) : 0.0, s->round);
    }
    case VRV_AGG_THETA: {
        const st_sketch *st = state;
        if (!s->should_finalize) return vrv_agg_get(s, state);
        if (s->has_error_bounds) return vrv_agg_theta_estimate_json(st->p, s->error_bounds_std_dev, arena);
        return vrv_double(st->p ? vrv_theta_estimate(st->p) : 0.0);
    }
    case VRV_AGG_HLLSK_BUILD:
    case VRV_AGG_HLLSK_MERGE: {
        const st_sketch *st = state;
        if (!s->should_finalize) return vrv_agg_get(s, state);
        return estimate_value(st->p ? vrv_hllsk_estimate(st->p) : 0.0, s->round);
    }
    case VRV_AGG_QUANTILES: {
        const st_sketch *st = state;
        if (!s->should_finalize) return vrv_agg_get(s, state);
        return vrv_long(st->p ? (int64_t)((const vrv_quantiles *)st->p)->n : 0);
    }
    default: return vrv_agg_get(s, state);
    }
}

vrv_value vrv_agg_finalize_value(const vrv_agg_spec *s, const vrv_value *v, vrv_arena *arena)
{
    s = vrv_agg_unwrap(s);
    if (v->type != VRV_V_COMPLEX) return *v;
    /* a state big enough for any aggregator, aligned for all of them */
    union {
        vrv_agg_pair p;
        st_any a;
        vrv_agg_mean m;
        int64_t l;
    } st;
    vrv_agg_init(s, &st);
    vrv_value out = vrv_null();
    if (vrv_agg_add(s, &st, v, 0) == 0) {
        out = vrv_agg_finalize(s, &st, arena);
        if (out.type == VRV_V_STRING) {
            out.u.s = vrv_arena_strndup(arena, out.u.s, out.len);
        } else if (out.type == VRV_V_COMPLEX) {
            out = vrv_agg_complex_to_bytes(&out, arena);
        }
    }
    vrv_agg_destroy(s, &st);
    return out;
}

/* ---- serialized forms --------------------------------------------------- */

static void pair_serialize(vrv_agg_kind k, const vrv_agg_pair *p, vrv_buf *out)
{
    vrv_put_u8(out, PAIR_MAGIC);
    vrv_put_u8(out, (uint8_t)k);
    vrv_put_u8(out, (uint8_t)((p->has ? 1 : 0) | (p->null ? 2 : 0)));
    vrv_put_u64(out, (uint64_t)p->time);
    if (p->null) return;
    switch (k) {
    case VRV_AGG_K_PAIR_LONG: vrv_put_u64(out, (uint64_t)p->v.l); break;
    case VRV_AGG_K_PAIR_DOUBLE: vrv_put_f64(out, p->v.d); break;
    case VRV_AGG_K_PAIR_FLOAT: {
        uint32_t u;
        memcpy(&u, &p->v.f, 4);
        vrv_put_u32(out, u);
        break;
    }
    default:
        vrv_put_u32(out, p->len);
        vrv_buf_append(out, p->v.s ? p->v.s : "", p->len);
        break;
    }
}

/* Parses a serialized pair into out; string bytes are borrowed from p. */
static int pair_decode(vrv_agg_kind k, const void *p, size_t n, vrv_agg_pair *out, const char **s)
{
    vrv_rd r = vrv_rd_make(p, n);
    uint8_t magic, kind, flags;
    uint64_t t;
    memset(out, 0, sizeof *out);
    *s = NULL;
    if (!vrv_get_u8(&r, &magic) || !vrv_get_u8(&r, &kind) || !vrv_get_u8(&r, &flags) ||
        !vrv_get_u64(&r, &t) || magic != PAIR_MAGIC || kind != k || flags > 3)
        return VRV_ECORRUPT;
    out->time = (int64_t)t;
    out->has = flags & 1;
    out->null = (flags & 2) != 0;
    if (!out->has && !out->null) return VRV_ECORRUPT;
    if (!out->null) {
        uint64_t u;
        uint32_t u32;
        const uint8_t *b;
        switch (k) {
        case VRV_AGG_K_PAIR_LONG:
            if (!vrv_get_u64(&r, &u)) return VRV_ECORRUPT;
            out->v.l = (int64_t)u;
            break;
        case VRV_AGG_K_PAIR_DOUBLE:
            if (!vrv_get_f64(&r, &out->v.d)) return VRV_ECORRUPT;
            break;
        case VRV_AGG_K_PAIR_FLOAT:
            if (!vrv_get_u32(&r, &u32)) return VRV_ECORRUPT;
            memcpy(&out->v.f, &u32, 4);
            break;
        default:
            if (!vrv_get_u32(&r, &u32) || !vrv_get_bytes(&r, u32, &b)) return VRV_ECORRUPT;
            out->len = u32;
            *s = (const char *)b;
            break;
        }
    }
    return vrv_rd_left(&r) ? VRV_ECORRUPT : 0;
}

static void sketch_serialize(const vrv_agg_spec *s, vrv_agg_kind k, const void *p, vrv_buf *out)
{
    void *tmp = NULL;
    if (!p) p = tmp = sketch_new(s);
    switch (k) {
    case VRV_AGG_K_HLL:
    case VRV_AGG_K_HLLSK: vrv_hllsk_serialize(p, out); break;
    case VRV_AGG_K_THETA: vrv_theta_serialize(p, out); break;
    case VRV_AGG_K_QUANTILES: vrv_quantiles_serialize(p, out); break;
    default: break;
    }
    if (tmp) sketch_free(k, tmp);
}

void vrv_agg_serialize(const vrv_agg_spec *s, const void *state, vrv_buf *out)
{
    s = vrv_agg_unwrap(s);
    if (s->type == VRV_AGG_EXPRESSION) {
        agg_expr_serialize(state, out);
        return;
    }
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    if (is_sketch_kind(k)) {
        sketch_serialize(s, k, ((const st_sketch *)state)->p, out);
        return;
    }
    if (k >= VRV_AGG_K_PAIR_LONG && k <= VRV_AGG_K_PAIR_STRING) {
        pair_serialize(k, state, out);
        return;
    }
    if (k == VRV_AGG_K_MEAN) {
        const vrv_agg_mean *m = state;
        vrv_put_u8(out, MEAN_MAGIC);
        vrv_put_f64(out, m->sum);
        vrv_put_u64(out, (uint64_t)m->count);
        return;
    }
    /* numeric and *Any states: u8 flags, then the value */
    switch (s->type) {
    case VRV_AGG_COUNT:
    case VRV_AGG_GROUPING:
        vrv_put_u8(out, NUM_FLAG_HAS);
        vrv_put_u64(out, (uint64_t) * (const int64_t *)state);
        return;
    case VRV_AGG_LONG_SUM:
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX: {
        const st_long *st = state;
        vrv_put_u8(out, st->has ? NUM_FLAG_HAS : 0);
        vrv_put_u64(out, (uint64_t)st->v);
        return;
    }
    case VRV_AGG_DOUBLE_SUM:
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX: {
        const st_double *st = state;
        vrv_put_u8(out, st->has ? NUM_FLAG_HAS : 0);
        vrv_put_f64(out, st->v);
        return;
    }
    case VRV_AGG_FLOAT_SUM:
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX: {
        const st_float *st = state;
        uint32_t u;
        memcpy(&u, &st->v, 4);
        vrv_put_u8(out, (uint8_t)((st->has ? NUM_FLAG_HAS : 0) | (st->combined ? NUM_FLAG_COMBINED : 0)));
        vrv_put_u32(out, u);
        return;
    }
    default: {
        const st_any *a = state;
        vrv_put_u8(out, (uint8_t)((a->found ? 1 : 0) | (a->null ? 2 : 0)));
        if (s->type == VRV_AGG_STRING_ANY) {
            vrv_put_u32(out, a->null ? 0 : a->len);
            if (!a->null) vrv_buf_append(out, a->s ? a->s : "", a->len);
        } else {
            uint64_t u = 0;
            memcpy(&u, &a->v, sizeof a->v);
            vrv_put_u64(out, u);
        }
        return;
    }
    }
}

static int deser_numeric(const vrv_agg_spec *s, void *state, vrv_rd *r)
{
    uint8_t flags;
    uint64_t u;
    uint32_t u32;
    if (!vrv_get_u8(r, &flags)) return VRV_ECORRUPT;
    switch (s->type) {
    case VRV_AGG_COUNT:
    case VRV_AGG_GROUPING:
        if (flags != NUM_FLAG_HAS || !vrv_get_u64(r, &u)) return VRV_ECORRUPT;
        *(int64_t *)state = (int64_t)u;
        return 0;
    case VRV_AGG_LONG_SUM:
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX: {
        st_long *st = state;
        if (flags > 1 || !vrv_get_u64(r, &u)) return VRV_ECORRUPT;
        st->has = flags;
        st->v = (int64_t)u;
        return 0;
    }
    case VRV_AGG_DOUBLE_SUM:
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX: {
        st_double *st = state;
        if (flags > 1 || !vrv_get_f64(r, &st->v)) return VRV_ECORRUPT;
        st->has = flags;
        return 0;
    }
    case VRV_AGG_FLOAT_SUM:
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX: {
        st_float *st = state;
        if (flags > 3 || !vrv_get_u32(r, &u32)) return VRV_ECORRUPT;
        memcpy(&st->v, &u32, 4);
        st->has = flags & NUM_FLAG_HAS;
        st->combined = (flags & NUM_FLAG_COMBINED) ? 1 : 0;
        return 0;
    }
    default: {
        st_any *a = state;
        if (flags > 3 || (flags & 2 && !(flags & 1))) return VRV_ECORRUPT;
        a->found = flags & 1;
        a->null = (flags & 2) ? 1 : 0;
        if (s->type == VRV_AGG_STRING_ANY) {
            const uint8_t *b;
            if (!vrv_get_u32(r, &u32) || !vrv_get_bytes(r, u32, &b)) return VRV_ECORRUPT;
            if (a->found && !a->null) set_string(&a->s, &a->len, NULL, (const char *)b, u32);
        } else {
            if (!vrv_get_u64(r, &u)) return VRV_ECORRUPT;
            memcpy(&a->v, &u, sizeof a->v);
        }
        return 0;
    }
    }
}

int vrv_agg_deserialize(const vrv_agg_spec *s, void *state, const void *p, size_t n, vrv_error *err)
{
    s = vrv_agg_unwrap(s);
    if (s->type == VRV_AGG_EXPRESSION) return agg_expr_deserialize(s, state, p, n, err);
    vrv_agg_init(s, state);
    vrv_agg_kind k = vrv_agg_complex_kind(s);
    int rc = 0;
    if (is_sketch_kind(k)) {
        void *sk = sketch_decode(k, p, n);
        if (sk) {
            ((st_sketch *)state)->p = sk;
        } else {
            rc = VRV_ECORRUPT;
        }
    } else if (k >= VRV_AGG_K_PAIR_LONG && k <= VRV_AGG_K_PAIR_STRING) {
        vrv_agg_pair in;
        const char *str;
        rc = pair_decode(k, p, n, &in, &str);
        if (!rc) {
            vrv_agg_pair *dst = state;
            dst->time = in.time;
            dst->has = in.has;
            dst->null = in.null;
            if (k == VRV_AGG_K_PAIR_STRING) {
                if (!in.null) set_string(&dst->v.s, &dst->len, &dst->cap, str, in.len);
            } else {
                dst->v = in.v;
            }
        }
    } else if (k == VRV_AGG_K_MEAN) {
        vrv_value v = vrv_agg_complex_bytes(k, p, n);
        rc = vrv_agg_add(s, state, &v, 0) ? VRV_ECORRUPT : 0;
    } else {
        vrv_rd r = vrv_rd_make(p, n);
        rc = deser_numeric(s, state, &r);
        if (!rc && vrv_rd_left(&r)) rc = VRV_ECORRUPT;
    }
    if (rc) {
        vrv_agg_destroy(s, state);
        vrv_agg_init(s, state);
        return vrv_error_set(err, VRV_ECORRUPT, "aggregator '%s' (%s): corrupt serialized value of %zu bytes",
                             s->name, vrv_agg_type_name(s->type), n);
    }
    return 0;
}

/* ---- complex values for output ------------------------------------------ */

static void complex_serialize(const vrv_value *v, vrv_buf *out)
{
    vrv_agg_kind k = v->flags & VRV_AGG_KIND_MASK;
    if (v->flags & VRV_AGG_CX_BYTES) {
        vrv_buf_append(out, v->u.ptr, v->len);
        return;
    }
    const void *p = v->u.ptr;
    switch (k) {
    case VRV_AGG_K_HLL:
    case VRV_AGG_K_HLLSK: {
        vrv_hllsk *tmp = NULL;
        if (!p) p = tmp = k == VRV_AGG_K_HLL ? vrv_hll_new()
                                             : vrv_hllsk_new(VRV_HLLSK_FAMILY_SKETCH, 12, 4);
        vrv_hllsk_serialize(p, out);
        vrv_hllsk_free(tmp);
        break;
    }
    case VRV_AGG_K_THETA: {
        vrv_theta *tmp = NULL;
        if (!p) p = tmp = vrv_theta_new(VRV_THETA_DEFAULT_K);
        vrv_theta_serialize(p, out);
        vrv_theta_free(tmp);
        break;
    }
    case VRV_AGG_K_QUANTILES: {
        vrv_quantiles *tmp = NULL;
        if (!p) p = tmp = vrv_quantiles_new(VRV_QUANTILES_DEFAULT_K);
        vrv_quantiles_serialize(p, out);
        vrv_quantiles_free(tmp);
        break;
    }
    case VRV_AGG_K_MEAN: {
        const vrv_agg_mean *m = p;
        vrv_put_u8(out, MEAN_MAGIC);
        vrv_put_f64(out, m->sum);
        vrv_put_u64(out, (uint64_t)m->count);
        break;
    }
    default:
        if (k >= VRV_AGG_K_PAIR_LONG && k <= VRV_AGG_K_PAIR_STRING) pair_serialize(k, p, out);
        break;
    }
}

vrv_value vrv_agg_complex_to_bytes(const vrv_value *v, vrv_arena *arena)
{
    if (v->type != VRV_V_COMPLEX || (v->flags & VRV_AGG_CX_BYTES)) return *v;
    vrv_buf b = VRV_BUF_INIT;
    complex_serialize(v, &b);
    void *p = vrv_arena_memdup(arena, b.data ? b.data : "", b.len);
    vrv_value out = vrv_agg_complex_bytes(v->flags & VRV_AGG_KIND_MASK, p, b.len);
    vrv_buf_free(&b);
    return out;
}

static void json_escape(vrv_buf *b, const char *s, size_t n)
{
    vrv_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            vrv_buf_putc(b, '\\');
            vrv_buf_putc(b, (char)c);
        } else if (c < 0x20) {
            vrv_buf_printf(b, "\\u%04x", c);
        } else {
            vrv_buf_putc(b, (char)c);
        }
    }
    vrv_buf_putc(b, '"');
}

vrv_value vrv_agg_complex_render(const vrv_value *v, vrv_arena *arena)
{
    if (v->type != VRV_V_COMPLEX) return *v;
    vrv_agg_kind k = v->flags & VRV_AGG_KIND_MASK;
    vrv_buf b = VRV_BUF_INIT;
    vrv_value out = vrv_null();
    if (k >= VRV_AGG_K_PAIR_LONG && k <= VRV_AGG_K_PAIR_STRING) {
        vrv_agg_pair pr;
        const char *str = NULL;
        if (v->flags & VRV_AGG_CX_BYTES) {
            if (pair_decode(k, v->u.ptr, v->len, &pr, &str)) return vrv_null();
        } else {
            pr = *(const vrv_agg_pair *)v->u.ptr;
            str = pr.v.s;
        }
        char tmp[VRV_NUMFMT_MAX];
        vrv_fmt_long(pr.time, tmp);
        vrv_buf_printf(&b, "{\"lhs\":%s,\"rhs\":", tmp);
        if (pr.null) {
            vrv_buf_puts(&b, "null");
        } else {
            switch (k) {
            case VRV_AGG_K_PAIR_LONG: vrv_buf_append(&b, tmp, vrv_fmt_long(pr.v.l, tmp)); break;
            case VRV_AGG_K_PAIR_DOUBLE:
                if (isfinite(pr.v.d)) {
                    vrv_buf_append(&b, tmp, vrv_fmt_double(pr.v.d, tmp));
                } else {
                    vrv_fmt_double(pr.v.d, tmp);
                    json_escape(&b, tmp, strlen(tmp));
                }
                break;
            case VRV_AGG_K_PAIR_FLOAT:
                if (isfinite(pr.v.f)) {
                    vrv_buf_append(&b, tmp, vrv_fmt_float(pr.v.f, tmp));
                } else {
                    vrv_fmt_float(pr.v.f, tmp);
                    json_escape(&b, tmp, strlen(tmp));
                }
                break;
            default: json_escape(&b, str ? str : "", pr.len); break;
            }
        }
        vrv_buf_putc(&b, '}');
        char *js = vrv_arena_memdup(arena, b.data, b.len + 1);
        out.type = VRV_V_JSON;
        out.u.s = js;
        out.len = (uint32_t)b.len;
    } else {
        complex_serialize(v, &b);
        size_t n;
        char *s = vrv_agg_base64(arena, b.data ? b.data : "", b.len, &n);
        out = vrv_string(s, n);
    }
    vrv_buf_free(&b);
    return out;
}

/* ---- base64 ------------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *vrv_agg_base64(vrv_arena *arena, const void *p, size_t n, size_t *outlen)
{
    const uint8_t *in = p;
    size_t olen = (n + 2) / 3 * 4;
    char *o = vrv_arena_alloc(arena, olen + 1), *w = o;
    size_t i = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t x = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *w++ = b64[x >> 18];
        *w++ = b64[(x >> 12) & 63];
        *w++ = b64[(x >> 6) & 63];
        *w++ = b64[x & 63];
    }
    if (i < n) {
        uint32_t x = (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0);
        *w++ = b64[x >> 18];
        *w++ = b64[(x >> 12) & 63];
        *w++ = i + 1 < n ? b64[(x >> 6) & 63] : '=';
        *w++ = '=';
    }
    *w = '\0';
    if (outlen) *outlen = olen;
    return o;
}

static int b64_val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

bool vrv_agg_base64_decode(const char *s, size_t n, vrv_buf *out)
{
    while (n && s[n - 1] == '=') n--;
    if (n % 4 == 1) return false;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        int v = b64_val((unsigned char)s[i]);
        if (v < 0) return false;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            uint8_t byte = (uint8_t)(acc >> bits);
            vrv_buf_append(out, &byte, 1);
        }
    }
    return true;
}
