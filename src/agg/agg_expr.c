/*
 * agg_expr.c — the `expression` aggregator: Druid's
 * ExpressionLambdaAggregatorFactory with its SQL-compatible defaults.
 *
 * Spec: `fields` (the input columns), `accumulatorIdentifier` ("__acc"),
 * `initialValue` and `initialCombineValue` (constant expressions),
 * `fold` (evaluated per row with the accumulator and the fields bound),
 * `combine` (merges two partial accumulators: the accumulator and the
 * aggregator's own name bound; when absent, the fold with its single field
 * replaced by the name, as Druid rewrites it), `finalize` (over `o`),
 * `compare` (validated and echoed, not used: varve orders results by the
 * accumulator's own value), `maxSizeBytes` (1024), `isNullUnlessAggregated` (true:
 * null until a row was folded), `shouldAggregateNullInputs` (true; false
 * skips rows whose fields are null) and `shouldCombineAggregateNullInputs`
 * (false: a null partial is not combined).
 *
 * A multi-value string field folds each of its values in turn, as Druid's
 * planner applies a fold over multi-value inputs; an empty one is null.
 * A fold whose result would serialize past maxSizeBytes fails the query with
 * Druid's message.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "agg/agg_expr.h"
#include "agg/bytes.h"
#include "base/mem.h"
#include "expr/expr.h"
#include "json/jutil.h"

#define DEFAULT_MAX_SIZE 1024 /* bytes, Druid's DEFAULT_MAX_SIZE_BYTES */
#define MIN_SIZE         10   /* a type byte, a null byte and a number */

struct vrv_agg_lambda {
    char *acc_id;
    char *initial, *initial_combine;
    char *fold, *combine, *compare, *finalize; /* texts; combine rewritten when absent */
    int64_t max_size;
    bool null_unless_aggregated;
    bool aggregate_null_inputs;
    bool combine_null_inputs;
    vrv_value init_v, init_combine_v;    /* the constants, in `consts` */
    vrv_ctype init_t, init_combine_t;    /* their types: an empty ARRAY<LONG>[] is still LONG's */
    bool init_typed, init_combine_typed; /* false for a null initial value */
    vrv_arena consts;
    vrv_expr *fold_e, *combine_e, *finalize_e;
    vrv_expr_prog *fold_p, *combine_p, *finalize_p;
    vrv_arena scratch;    /* one evaluation's values, reset after each */
    pthread_mutex_t lock; /* the progs and scratch: one evaluation at a time */
};

/* The accumulator: a number inline, a string or an array in `mem`. */
typedef struct st_expr {
    vrv_value v; /* VRV_V_NULL until set: the initial value applies */
    void *mem;   /* heap block holding v's strings and elements */
    uint32_t memlen;
    uint8_t set; /* v holds the accumulator */
    uint8_t has; /* a row (or a non-null partial) was folded */
} st_expr;

/* ---- values --------------------------------------------------------------------------- */

static vrv_ctype type_of(const vrv_value *v)
{
    switch (v->type) {
    case VRV_V_LONG:
        return VRV_C_LONG;
    case VRV_V_FLOAT:
    case VRV_V_DOUBLE:
        return VRV_C_DOUBLE;
    case VRV_V_ARRAY: {
        vrv_ctype t = VRV_C_ARRAY_STRING;
        bool seen = false;
        for (uint32_t i = 0; i < v->len; i++) {
            uint8_t et = v->u.a[i].type;
            if (et == VRV_V_NULL) continue;
            vrv_ctype x = et == VRV_V_LONG                            ? VRV_C_ARRAY_LONG
                          : (et == VRV_V_DOUBLE || et == VRV_V_FLOAT) ? VRV_C_ARRAY_DOUBLE
                                                                      : VRV_C_ARRAY_STRING;
            if (!seen) t = x;
            seen = true;
        }
        /* an empty literal keeps its declared type in the flags we cannot
         * see here: ARRAY<STRING>, as Druid's untyped [] */
        return t;
    }
    default:
        return VRV_C_STRING;
    }
}

static const char *type_name(vrv_ctype t)
{
    switch (t) {
    case VRV_C_LONG:
        return "LONG";
    case VRV_C_DOUBLE:
        return "DOUBLE";
    case VRV_C_ARRAY_STRING:
        return "ARRAY<STRING>";
    case VRV_C_ARRAY_LONG:
        return "ARRAY<LONG>";
    case VRV_C_ARRAY_DOUBLE:
        return "ARRAY<DOUBLE>";
    default:
        return "STRING";
    }
}

/* The bytes Druid's ExprEval.serialize writes for v: a type byte, then a
 * null byte and the value (numbers 8, strings a length and the bytes,
 * arrays a count and each element with its null byte). */
static size_t serialized_size(const vrv_value *v)
{
    size_t n = 2;
    switch (v->type) {
    case VRV_V_NULL:
        return n;
    case VRV_V_LONG:
    case VRV_V_FLOAT:
    case VRV_V_DOUBLE:
        return n + 8;
    case VRV_V_ARRAY:
        n += 4;
        for (uint32_t i = 0; i < v->len; i++) {
            const vrv_value *e = &v->u.a[i];
            n += 1;
            if (e->type == VRV_V_STRING)
                n += 4 + e->len;
            else if (e->type != VRV_V_NULL)
                n += 8;
        }
        return n;
    default:
        return n + 4 + v->len;
    }
}

/* Whether v is a value the accumulator can hold: a scalar, or an array of
 * scalars. */
static bool holdable(const vrv_value *v)
{
    if (v->type == VRV_V_COMPLEX || v->type == VRV_V_JSON) return false;
    if (v->type != VRV_V_ARRAY) return true;
    for (uint32_t i = 0; i < v->len; i++)
        if (v->u.a[i].type == VRV_V_ARRAY || v->u.a[i].type == VRV_V_COMPLEX ||
            v->u.a[i].type == VRV_V_JSON)
            return false;
    return true;
}

static void st_clear(st_expr *st)
{
    free(st->mem);
    st->mem = NULL;
    st->memlen = 0;
    st->v = vrv_null();
    st->set = 0;
}

/* Copies v (holdable) into the state, replacing what it held. */
static void st_store(st_expr *st, const vrv_value *v)
{
    size_t need = 0;
    if (v->type == VRV_V_STRING)
        need = v->len;
    else if (v->type == VRV_V_ARRAY) {
        need = (size_t)v->len * sizeof(vrv_value);
        for (uint32_t i = 0; i < v->len; i++)
            if (v->u.a[i].type == VRV_V_STRING) need += v->u.a[i].len;
    }
    /* one byte more: an empty string's pointer stays inside the block, for
     * callers that copy at least one byte */
    void *mem = (v->type == VRV_V_STRING || v->type == VRV_V_ARRAY) ? vrv_malloc(need + 1) : NULL;
    vrv_value nv = *v;
    if (nv.type == VRV_V_FLOAT) nv = vrv_double(v->u.f);
    if (v->type == VRV_V_STRING) {
        memcpy(mem, v->u.s, v->len);
        nv.u.s = mem;
    } else if (v->type == VRV_V_ARRAY) {
        vrv_value *el = mem;
        char *sp = (char *)mem + (size_t)v->len * sizeof(vrv_value);
        for (uint32_t i = 0; i < v->len; i++) {
            el[i] = v->u.a[i];
            if (el[i].type == VRV_V_FLOAT) el[i] = vrv_double(v->u.a[i].u.f);
            if (el[i].type == VRV_V_STRING) {
                memcpy(sp, v->u.a[i].u.s, v->u.a[i].len);
                el[i].u.s = sp;
                sp += v->u.a[i].len;
            }
        }
        nv.u.a = el;
    }
    free(st->mem);
    st->mem = mem;
    st->memlen = (uint32_t)need;
    st->v = nv;
    st->set = 1;
}

/* ---- spec ----------------------------------------------------------------------------- */

typedef struct bind_ctx {
    const vrv_agg_spec *s;
    int which; /* 0 fold, 1 combine, 2 finalize */
} bind_ctx;

static bool name_is(vrv_str n, const char *s)
{
    return s && n.n == strlen(s) && memcmp(n.p, s, n.n) == 0;
}

/* Slots: fold [acc, fields...]; combine [acc, name]; finalize [o]. The
 * accumulator is typed by the initial value so an array accumulator is
 * never mapped over; fields are read as each row gives them. */
static int resolve(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)err;
    const bind_ctx *b = ctx;
    const vrv_agg_spec *s = b->s;
    const vrv_agg_lambda *l = s->lambda;
    out->slot = -1;
    out->typed = false;
    out->type = VRV_C_STRING;
    bool typed = b->which == 0 ? l->init_typed : l->init_combine_typed;
    vrv_ctype itype = b->which == 0 ? l->init_t : l->init_combine_t;
    bool acc = b->which == 2
                   ? name_is(name, "o")
                   : name_is(name, l->acc_id) || (b->which == 1 && name_is(name, s->name));
    if (acc) {
        out->slot = b->which == 1 && name_is(name, s->name) && !name_is(name, l->acc_id) ? 1 : 0;
        if (typed) {
            out->typed = true;
            out->type = itype;
        }
        return 0;
    }
    if (b->which == 0)
        for (size_t i = 0; i < s->nfields; i++)
            if (name_is(name, s->fields[i])) out->slot = (int32_t)(i + 1);
    return 0;
}

/* An optional or required string field, copied (NULL when absent). */
static int get_str(const json_t *j, const char *key, const char *path, bool required, char **out,
                   vrv_error *err)
{
    const char *v = NULL;
    int rc = required ? vrv_json_req_string(j, key, path, false, &v, err)
                      : vrv_json_get_string(j, key, path, NULL, &v, err);
    if (rc) return rc;
    *out = v ? vrv_strdup(v) : NULL;
    return 0;
}

/* maxSizeBytes: a number or a human-readable size ("2KiB", "1k"). */
static int get_size(const json_t *j, const char *path, int64_t *out, vrv_error *err)
{
    json_t *v = json_object_get(j, "maxSizeBytes");
    *out = DEFAULT_MAX_SIZE;
    if (!v || json_is_null(v)) return 0;
    int64_t n = -1;
    if (json_is_integer(v)) {
        n = json_integer_value(v);
    } else if (json_is_string(v)) {
        const char *s = json_string_value(v);
        char *end;
        long long x = strtoll(s, &end, 10);
        static const struct {
            const char *suffix;
            int64_t mult;
        } units[] = {{"", 1},           {"b", 1},           {"k", 1000},     {"kb", 1000},
                     {"kib", 1024},     {"m", 1000000},     {"mb", 1000000}, {"mib", 1 << 20},
                     {"g", 1000000000}, {"gb", 1000000000}, {"gib", 1 << 30}};
        for (size_t i = 0; end != s && i < sizeof units / sizeof units[0]; i++)
            if (!strcasecmp(end, units[i].suffix)) n = x * units[i].mult;
    }
    if (n < MIN_SIZE || n > INT32_MAX)
        return vrv_error_set(err, VRV_EINVAL,
                             "%s.maxSizeBytes: must be a size between %d and %d bytes", path,
                             MIN_SIZE, INT32_MAX);
    *out = n;
    return 0;
}

/* The constant value of an initial value expression, copied into l->consts. */
static int constant(vrv_agg_lambda *l, const char *text, const char *path, const char *key,
                    vrv_value *out, vrv_ctype *type, bool *typed, vrv_error *err)
{
    vrv_expr *e;
    int rc = vrv_expr_parse(text, strlen(text), &e, err);
    if (rc) return vrv_error_prefix(err, "%s.%s", path, key);
    vrv_value v;
    if (!vrv_expr_constant(e, &v) || !holdable(&v)) {
        vrv_expr_free(e);
        return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be a constant", path, key);
    }
    if (v.type == VRV_V_FLOAT) v = vrv_double(v.u.f);
    *typed = v.type != VRV_V_NULL;
    if (!vrv_expr_output_type(e, NULL, NULL, type)) *type = type_of(&v);
    if (*type == VRV_C_FLOAT) *type = VRV_C_DOUBLE;
    if (v.type == VRV_V_STRING) {
        v.u.s = vrv_arena_strndup(&l->consts, v.u.s, v.len);
    } else if (v.type == VRV_V_ARRAY) {
        vrv_value *el = vrv_arena_alloc(&l->consts, (v.len + 1) * sizeof *el);
        for (uint32_t i = 0; i < v.len; i++) {
            el[i] = v.u.a[i];
            if (el[i].type == VRV_V_STRING)
                el[i].u.s = vrv_arena_strndup(&l->consts, el[i].u.s, el[i].len);
        }
        v.u.a = el;
    }
    vrv_expr_free(e);
    *out = v;
    return 0;
}

static int compile(const vrv_agg_spec *s, int which, const char *text, const char *path,
                   const char *key, vrv_expr **e, vrv_expr_prog **p, vrv_error *err)
{
    int rc = vrv_expr_parse(text, strlen(text), e, err);
    if (rc) return vrv_error_prefix(err, "%s.%s", path, key);
    bind_ctx b = {s, which};
    if ((rc = vrv_expr_bind(*e, resolve, &b, p, err)))
        return vrv_error_prefix(err, "%s.%s", path, key);
    return 0;
}

/* Druid's StringUtils.replace: every occurrence of from in s. */
static char *replace_all(const char *s, const char *from, const char *to)
{
    vrv_buf b = VRV_BUF_INIT;
    size_t fl = strlen(from);
    while (*s) {
        const char *hit = fl ? strstr(s, from) : NULL;
        if (!hit) {
            vrv_buf_puts(&b, s);
            break;
        }
        vrv_buf_append(&b, s, (size_t)(hit - s));
        vrv_buf_puts(&b, to);
        s = hit + fl;
    }
    if (!b.data) vrv_buf_puts(&b, "");
    return vrv_buf_detach(&b);
}

int agg_expr_parse(const json_t *j, const char *path, vrv_agg_spec *s, vrv_error *err)
{
    vrv_agg_lambda *l = vrv_calloc(1, sizeof *l);
    vrv_arena_init(&l->consts, 0);
    vrv_arena_init(&l->scratch, 0);
    pthread_mutex_init(&l->lock, NULL);
    s->lambda = l;
    int rc;
    json_t *f = json_object_get(j, "fields");
    if (f && !json_is_null(f)) {
        if (!json_is_array(f))
            return vrv_error_set(err, VRV_EINVAL, "%s.fields: must be an array of strings", path);
        s->fields = vrv_calloc(json_array_size(f) + 1, sizeof *s->fields);
        size_t i;
        json_t *x;
        json_array_foreach(f, i, x)
        {
            if (!json_is_string(x))
                return vrv_error_set(err, VRV_EINVAL, "%s.fields[%zu]: must be a string", path, i);
            bool dup = false;
            for (size_t k = 0; k < s->nfields; k++)
                dup |= !strcmp(s->fields[k], json_string_value(x));
            if (!dup) s->fields[s->nfields++] = vrv_strdup(json_string_value(x));
        }
    }
    if ((rc = get_str(j, "accumulatorIdentifier", path, false, &l->acc_id, err))) return rc;
    if (!l->acc_id) l->acc_id = vrv_strdup("__acc");
    if ((rc = get_str(j, "initialValue", path, true, &l->initial, err)) ||
        (rc = get_str(j, "initialCombineValue", path, false, &l->initial_combine, err)) ||
        (rc = get_str(j, "fold", path, true, &l->fold, err)) ||
        (rc = get_str(j, "combine", path, false, &l->combine, err)) ||
        (rc = get_str(j, "compare", path, false, &l->compare, err)) ||
        (rc = get_str(j, "finalize", path, false, &l->finalize, err)) ||
        (rc = vrv_json_get_bool(j, "isNullUnlessAggregated", path, true, &l->null_unless_aggregated,
                                err)) ||
        (rc = vrv_json_get_bool(j, "shouldAggregateNullInputs", path, true,
                                &l->aggregate_null_inputs, err)) ||
        (rc = vrv_json_get_bool(j, "shouldCombineAggregateNullInputs", path, false,
                                &l->combine_null_inputs, err)) ||
        (rc = get_size(j, path, &l->max_size, err)))
        return rc;
    if (!l->initial_combine) l->initial_combine = vrv_strdup(l->initial);
    if (!l->combine) {
        if (s->nfields != 1)
            return vrv_error_set(
                err, VRV_EINVAL,
                "%s.combine: required unless there is a single input field (Must have a single "
                "input field if no combine expression is supplied)",
                path);
        l->combine = replace_all(l->fold, s->fields[0], s->name);
    }
    if ((rc = constant(l, l->initial, path, "initialValue", &l->init_v, &l->init_t, &l->init_typed,
                       err)) ||
        (rc = constant(l, l->initial_combine, path, "initialCombineValue", &l->init_combine_v,
                       &l->init_combine_t, &l->init_combine_typed, err)))
        return rc;
    if ((rc = compile(s, 0, l->fold, path, "fold", &l->fold_e, &l->fold_p, err)) ||
        (rc = compile(s, 1, l->combine, path, "combine", &l->combine_e, &l->combine_p, err)))
        return rc;
    if (l->finalize &&
        (rc = compile(s, 2, l->finalize, path, "finalize", &l->finalize_e, &l->finalize_p, err)))
        return rc;
    if (l->compare) {
        vrv_expr *ce;
        if ((rc = vrv_expr_parse(l->compare, strlen(l->compare), &ce, err)))
            return vrv_error_prefix(err, "%s.compare", path);
        vrv_expr_free(ce);
    }
    return 0;
}

void agg_expr_free(vrv_agg_lambda *l)
{
    if (!l) return;
    free(l->acc_id);
    free(l->initial);
    free(l->initial_combine);
    free(l->fold);
    free(l->combine);
    free(l->compare);
    free(l->finalize);
    vrv_expr_free(l->fold_e);
    vrv_expr_free(l->combine_e);
    vrv_expr_free(l->finalize_e);
    vrv_expr_prog_free(l->fold_p);
    vrv_expr_prog_free(l->combine_p);
    vrv_expr_prog_free(l->finalize_p);
    vrv_arena_destroy(&l->consts);
    vrv_arena_destroy(&l->scratch);
    pthread_mutex_destroy(&l->lock);
    free(l);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

void agg_expr_to_json(const vrv_agg_spec *s, json_t *o)
{
    const vrv_agg_lambda *l = s->lambda;
    json_t *f = json_array();
    for (size_t i = 0; i < s->nfields; i++) json_array_append_new(f, json_string(s->fields[i]));
    json_object_set_new(o, "fields", f);
    json_object_set_new(o, "accumulatorIdentifier", json_string(l->acc_id));
    json_object_set_new(o, "initialValue", json_string(l->initial));
    json_object_set_new(o, "initialCombineValue", json_string(l->initial_combine));
    json_object_set_new(o, "isNullUnlessAggregated", json_boolean(l->null_unless_aggregated));
    json_object_set_new(o, "shouldAggregateNullInputs", json_boolean(l->aggregate_null_inputs));
    json_object_set_new(o, "shouldCombineAggregateNullInputs",
                        json_boolean(l->combine_null_inputs));
    json_object_set_new(o, "fold", json_string(l->fold));
    json_object_set_new(o, "combine", json_string(l->combine));
    json_object_set_new(o, "compare", str_or_null(l->compare));
    json_object_set_new(o, "finalize", str_or_null(l->finalize));
    json_object_set_new(o, "maxSizeBytes", json_integer(l->max_size));
}

static vrv_agg_coltype coltype(vrv_ctype t)
{
    vrv_agg_coltype c = {t, NULL};
    return c;
}

vrv_agg_coltype agg_expr_intermediate_type(const vrv_agg_spec *s)
{
    return coltype(s->lambda->init_t);
}

static bool o_type(void *ctx, vrv_str name, vrv_ctype *out)
{
    const vrv_agg_lambda *l = ctx;
    if (!name_is(name, "o") || !l->init_combine_typed) return false;
    *out = l->init_combine_t;
    return true;
}

vrv_agg_coltype agg_expr_finalized_type(const vrv_agg_spec *s)
{
    const vrv_agg_lambda *l = s->lambda;
    vrv_ctype t;
    if (l->finalize_e && vrv_expr_output_type(l->finalize_e, o_type, (void *)l, &t))
        return coltype(t);
    return coltype(l->init_combine_t);
}

/* ---- state ---------------------------------------------------------------------------- */

size_t agg_expr_state_size(void)
{
    return sizeof(st_expr);
}

void agg_expr_init(const vrv_agg_spec *s, void *state)
{
    (void)s;
    memset(state, 0, sizeof(st_expr));
}

void agg_expr_destroy(void *state)
{
    st_clear(state);
}

size_t agg_expr_state_bytes(const void *state)
{
    const st_expr *st = state;
    return sizeof *st + st->memlen;
}

/* Evaluates p over slots and stores the result as the accumulator. Called
 * with l->lock held. */
static int eval_store(const vrv_agg_spec *s, vrv_expr_prog *p, const vrv_value *slots, st_expr *st,
                      vrv_error *err)
{
    vrv_agg_lambda *l = s->lambda;
    vrv_value out;
    int rc = vrv_expr_eval(p, slots, &l->scratch, &out, err);
    if (rc == 0 && !holdable(&out))
        rc = vrv_error_set(
            err, VRV_EINVAL,
            "Aggregation [%s] expression produced a value that cannot be accumulated", s->name);
    if (rc == 0 && out.type != VRV_V_LONG && out.type != VRV_V_DOUBLE && out.type != VRV_V_NULL) {
        size_t n = serialized_size(&out);
        if (n > (size_t)l->max_size)
            rc = vrv_error_set(err, VRV_EINVAL,
                               "Unable to serialize [%s], size [%zu] is larger than max [%lld]",
                               type_name(type_of(&out)), n, (long long)l->max_size);
    }
    if (rc == 0) st_store(st, &out);
    vrv_arena_reset(&l->scratch);
    return rc;
}

static int fold_one(const vrv_agg_spec *s, st_expr *st, vrv_value *slots, vrv_error *err)
{
    vrv_agg_lambda *l = s->lambda;
    if (!l->aggregate_null_inputs)
        for (size_t i = 0; i < s->nfields; i++)
            if (slots[i + 1].type == VRV_V_NULL) return 0;
    slots[0] = st->set ? st->v : l->init_v;
    int rc = eval_store(s, l->fold_p, slots, st, err);
    if (rc == 0) st->has = 1;
    return rc;
}

int agg_expr_fold(const vrv_agg_spec *s, void *state, const vrv_value *vals, size_t n,
                  vrv_error *err)
{
    vrv_agg_lambda *l = s->lambda;
    st_expr *st = state;
    vrv_value stack[9];
    vrv_value *slots = s->nfields < 8 ? stack : vrv_calloc(s->nfields + 1, sizeof *slots);
    long multi = -1; /* the one multi-value field folded value by value */
    for (size_t i = 0; i < s->nfields; i++) {
        slots[i + 1] = i < n ? vals[i] : vrv_null();
        if (slots[i + 1].type == VRV_V_ARRAY && multi < 0) multi = (long)i;
    }
    int rc = 0;
    pthread_mutex_lock(&l->lock);
    if (multi >= 0) {
        vrv_value arr = slots[multi + 1];
        if (arr.len == 0) {
            slots[multi + 1] = vrv_null();
            rc = fold_one(s, st, slots, err);
        }
        for (uint32_t k = 0; k < arr.len && rc == 0; k++) {
            slots[multi + 1] = arr.u.a[k];
            rc = fold_one(s, st, slots, err);
        }
    } else {
        rc = fold_one(s, st, slots, err);
    }
    pthread_mutex_unlock(&l->lock);
    if (slots != stack) free(slots);
    return rc;
}

int agg_expr_combine_value(const vrv_agg_spec *s, void *state, const vrv_value *v, vrv_error *err)
{
    vrv_agg_lambda *l = s->lambda;
    st_expr *st = state;
    if (v->type == VRV_V_NULL && !l->combine_null_inputs) return 0;
    if (!holdable(v))
        return vrv_error_set(err, VRV_EINVAL, "Aggregation [%s]: not an expression value", s->name);
    pthread_mutex_lock(&l->lock);
    vrv_value slots[2] = {st->set ? st->v : l->init_combine_v, *v};
    int rc = eval_store(s, l->combine_p, slots, st, err);
    pthread_mutex_unlock(&l->lock);
    if (rc == 0) st->has = 1;
    return rc;
}

void agg_expr_merge(const vrv_agg_spec *s, void *dst, const void *src)
{
    const st_expr *from = src;
    vrv_value v = agg_expr_get(s, from);
    vrv_error err;
    /* a combine that fails (a result past maxSizeBytes) leaves dst as it was */
    (void)agg_expr_combine_value(s, dst, &v, &err);
}

vrv_value agg_expr_get(const vrv_agg_spec *s, const void *state)
{
    const st_expr *st = state;
    if (s->lambda->null_unless_aggregated && !st->has) return vrv_null();
    return st->set ? st->v : s->lambda->init_v;
}

vrv_value agg_expr_finalize(const vrv_agg_spec *s, const void *state, vrv_arena *arena)
{
    vrv_agg_lambda *l = s->lambda;
    vrv_value v = agg_expr_get(s, state);
    if (!l->finalize_p) return v;
    pthread_mutex_lock(&l->lock);
    vrv_value out;
    vrv_error err;
    if (vrv_expr_eval(l->finalize_p, &v, arena, &out, &err) != 0) out = vrv_null();
    pthread_mutex_unlock(&l->lock);
    return out;
}

/* ---- serialized form ------------------------------------------------------------------ */

#define EXPR_MAGIC 0xE7

static void put_scalar(vrv_buf *out, const vrv_value *v)
{
    vrv_put_u8(out, v->type == VRV_V_FLOAT ? VRV_V_DOUBLE : v->type);
    switch (v->type) {
    case VRV_V_LONG:
        vrv_put_u64(out, (uint64_t)v->u.l);
        break;
    case VRV_V_FLOAT:
        vrv_put_f64(out, v->u.f);
        break;
    case VRV_V_DOUBLE:
        vrv_put_f64(out, v->u.d);
        break;
    case VRV_V_STRING:
        vrv_put_u32(out, v->len);
        vrv_buf_append(out, v->u.s, v->len);
        break;
    default:
        break;
    }
}

void agg_expr_serialize(const void *state, vrv_buf *out)
{
    const st_expr *st = state;
    vrv_put_u8(out, EXPR_MAGIC);
    vrv_put_u8(out, (uint8_t)((st->set ? 1 : 0) | (st->has ? 2 : 0)));
    if (!st->set) return;
    if (st->v.type == VRV_V_ARRAY) {
        vrv_put_u8(out, VRV_V_ARRAY);
        vrv_put_u32(out, st->v.len);
        for (uint32_t i = 0; i < st->v.len; i++) put_scalar(out, &st->v.u.a[i]);
    } else {
        put_scalar(out, &st->v);
    }
}

static bool get_scalar(vrv_rd *r, vrv_value *v, vrv_arena *a)
{
    uint8_t t;
    if (!vrv_get_u8(r, &t)) return false;
    switch (t) {
    case VRV_V_NULL:
        *v = vrv_null();
        return true;
    case VRV_V_LONG: {
        uint64_t x;
        if (!vrv_get_u64(r, &x)) return false;
        *v = vrv_long((int64_t)x);
        return true;
    }
    case VRV_V_DOUBLE: {
        double d;
        if (!vrv_get_f64(r, &d)) return false;
        *v = vrv_double(d);
        return true;
    }
    case VRV_V_STRING: {
        uint32_t n;
        const uint8_t *p;
        if (!vrv_get_u32(r, &n) || !vrv_get_bytes(r, n, &p)) return false;
        *v = vrv_string(vrv_arena_strndup(a, (const char *)p, n), n);
        return true;
    }
    default:
        return false;
    }
}

int agg_expr_deserialize(const vrv_agg_spec *s, void *state, const void *p, size_t n,
                         vrv_error *err)
{
    st_expr *st = state;
    agg_expr_init(s, st);
    vrv_rd r = vrv_rd_make(p, n);
    uint8_t magic, flags;
    vrv_arena a;
    vrv_arena_init(&a, 0);
    bool ok = vrv_get_u8(&r, &magic) && magic == EXPR_MAGIC && vrv_get_u8(&r, &flags);
    vrv_value v = vrv_null();
    if (ok && (flags & 1)) {
        uint8_t t;
        const uint8_t *peek;
        ok = vrv_rd_left(&r) > 0 && vrv_get_bytes(&r, 0, &peek);
        t = ok ? peek[0] : 0;
        if (ok && t == VRV_V_ARRAY) {
            uint32_t cnt;
            vrv_get_u8(&r, &t);
            ok = vrv_get_u32(&r, &cnt) && cnt <= vrv_rd_left(&r);
            vrv_value *el = ok ? vrv_arena_alloc(&a, ((size_t)cnt + 1) * sizeof *el) : NULL;
            for (uint32_t i = 0; ok && i < cnt; i++) ok = get_scalar(&r, &el[i], &a);
            if (ok) v = vrv_array(el, cnt);
        } else if (ok) {
            ok = get_scalar(&r, &v, &a);
        }
    }
    if (ok && vrv_rd_left(&r) != 0) ok = false;
    if (ok) {
        if (flags & 1) st_store(st, &v);
        st->has = (flags & 2) ? 1 : 0;
    }
    vrv_arena_destroy(&a);
    if (!ok)
        return vrv_error_set(err, VRV_ECORRUPT,
                             "aggregator '%s': corrupt expression aggregator state", s->name);
    return 0;
}
