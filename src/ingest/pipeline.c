/*
 * pipeline.c — the row pipeline (see pipeline.h for the order of the stages).
 *
 * Compilation turns the data schema into a field set (every input name any
 * stage reads), bound expression programs for the transforms and aggregator
 * expressions, a bound filter, the dimension list and one index metric-ops
 * table per aggregator. Processing then works on one row of slot values at a
 * time with no allocation outside the per-row arena.
 *
 * Transforms read the original input values (not other transforms' outputs)
 * and may shadow an input field or `__time`; the filter, dimensions and
 * metrics read the transformed row.
 */
#include "ingest/pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/numfmt.h"
#include "base/time.h"
#include "base/vec.h"
#include "expr/expr.h"
#include "expr/filter.h"
#include "base/granularity.h"
#include "base/joda.h"
#include "json/jwriter.h"
#include "json/scan.h"

#define MAX_SAVED_INPUT 65536 /* bytes of a bad row kept in its parse exception */

typedef struct pdim {
    char *name;
    vrv_ctype type;  /* STRING, LONG, FLOAT, DOUBLE or JSON */
    vrv_mvh mvh;
    bool bitmap;
    long slot;       /* field-set slot of a declared dimension; -1 when discovered */
} pdim;

struct pending {
    vrv_ms t;          /* truncated time */
    vrv_value *dims;   /* in the arena */
    size_t ndims;
    vrv_value *mets;   /* in the arena */
    uint8_t *skip;     /* in the arena */
    size_t seq;        /* the row's place in its block, for the observer */
    char **details;    /* processedWithError messages, owned; NULL when clean */
    size_t ndetails;
    vrv_str raw;
};

typedef struct ptransform {
    vrv_expr *expr;
    vrv_expr_prog *prog;
    size_t out_slot;
    const char *name;
    const char *path;
} ptransform;

typedef struct pmetric {
    const vrv_agg_spec *spec;   /* as written (maybe filtered) */
    const vrv_agg_spec *inner;  /* the one whose state the index keeps */
    long slot;                  /* input field slot, -1 when none */
    vrv_expr *expr;             /* inline expression input */
    vrv_expr_prog *prog;
    vrv_filter *filter;         /* filtered aggregators: the filter */
    vrv_filter_matcher *fprog;
    vrv_index_metric_ops ops;
    bool numeric_input;         /* sum/min/max/first/last of numbers: check conversions */
} pmetric;

struct vrv_pipeline {
    vrv_pipeline_config cfg;
    int max_parse_exceptions;
    int max_saved;
    bool log_parse_exceptions;

    vrv_input_format *fmt;
    vrv_input_reader *reader;
    vrv_fieldset fs;
    vrv_ts_parser ts;
    bool ts_ok;
    vrv_gran query_gran;
    size_t ts_slot;
    size_t time_slot;           /* "__time" as seen by transforms and filters */

    VRV_VEC(ptransform) transforms;
    vrv_filter *filter;
    vrv_filter_matcher *fprog;

    VRV_VEC(pdim) dims;
    vrv_map dim_by_name;        /* name -> position in dims */
    bool discover;              /* schemaless or discovery */
    bool typed_discovery;       /* useSchemaDiscovery */
    vrv_map excluded;           /* names never discovered */

    vrv_agg_list aggs;
    VRV_VEC(pmetric) metrics;
    vrv_index_metric *index_metrics;

    vrv_row_stats stats;
    vrv_parse_exception **saved; /* ring of max_saved, newest at saved_head - 1 */
    size_t saved_n, saved_head;

    /* per-row scratch */
    vrv_arena arena;
    vrv_value *vals;            /* field-set slots, transformed */
    vrv_value *tvals;           /* transform outputs before they are written back */
    VRV_VEC(vrv_value) dimvals;
    vrv_value *metvals;
    uint8_t *metskip;           /* per metric: its filter rejected the row */
    VRV_VEC(char *) details;    /* processedWithError messages of the current row */
    vrv_buf tmp;
    /* rows of a stream record, added only once the whole record has parsed */
    VRV_VEC(struct pending) pending;

    vrv_pipeline_observer_fn observer; /* NULL unless sampling */
    void *observer_ctx;
};

/* ---- index metric ops over the aggregator library ---- */

static void op_init(const void *ctx, void *state)
{
    vrv_agg_init(ctx, state);
}

static void op_add(const void *ctx, void *state, const vrv_value *in, vrv_ms t)
{
    vrv_agg_add(ctx, state, in, t);
}

static void op_merge(const void *ctx, void *dst, const void *src)
{
    vrv_agg_merge(ctx, dst, src);
}

static void op_destroy(const void *ctx, void *state)
{
    vrv_agg_destroy(ctx, state);
}

static size_t op_heap(const void *ctx, const void *state)
{
    return vrv_agg_state_bytes(ctx, state) - vrv_agg_state_size(ctx);
}

/* ---- compilation ---- */

typedef struct resolve_ctx {
    vrv_pipeline *p;
} resolve_ctx;

static int resolve_slot(void *ctx, vrv_str name, vrv_expr_binding *out, vrv_error *err)
{
    (void)err;
    vrv_pipeline *p = ctx;
    char *n = vrv_strndup(name.p, name.n);
    out->slot = (int32_t)vrv_fieldset_add(&p->fs, n);
    out->typed = strcmp(n, "__time") == 0;
    out->type = VRV_C_LONG;
    free(n);
    return VRV_OK;
}

static vrv_ctype dim_ctype(vrv_spec_dim_type t)
{
    switch (t) {
    case VRV_SPEC_DIM_LONG: return VRV_C_LONG;
    case VRV_SPEC_DIM_FLOAT: return VRV_C_FLOAT;
    case VRV_SPEC_DIM_DOUBLE: return VRV_C_DOUBLE;
    case VRV_SPEC_DIM_JSON:
    case VRV_SPEC_DIM_AUTO: return VRV_C_JSON;
    default: return VRV_C_STRING;
    }
}

static vrv_mvh dim_mvh(vrv_spec_mvh m)
{
    return m == VRV_SPEC_MVH_SORTED_SET ? VRV_MVH_SORTED_SET
           : m == VRV_SPEC_MVH_ARRAY    ? VRV_MVH_ARRAY
                                        : VRV_MVH_SORTED_ARRAY;
}

static size_t add_dim(vrv_pipeline *p, const char *name, vrv_ctype type, vrv_mvh mvh, bool bitmap,
                      long slot)
{
    pdim d = {vrv_strdup(name), type, mvh, bitmap, slot};
    vrv_vec_push(&p->dims, d);
    *vrv_map_put(&p->dim_by_name, p->dims.v[p->dims.n - 1].name, strlen(name), NULL) = p->dims.n - 1;
    return p->dims.n - 1;
}

static bool agg_numeric_input(const vrv_agg_spec *s)
{
    switch (s->type) {
    case VRV_AGG_LONG_SUM:
    case VRV_AGG_DOUBLE_SUM:
    case VRV_AGG_FLOAT_SUM:
    case VRV_AGG_LONG_MIN:
    case VRV_AGG_LONG_MAX:
    case VRV_AGG_DOUBLE_MIN:
    case VRV_AGG_DOUBLE_MAX:
    case VRV_AGG_FLOAT_MIN:
    case VRV_AGG_FLOAT_MAX:
    case VRV_AGG_LONG_FIRST:
    case VRV_AGG_LONG_LAST:
    case VRV_AGG_DOUBLE_FIRST:
    case VRV_AGG_DOUBLE_LAST:
    case VRV_AGG_FLOAT_FIRST:
    case VRV_AGG_FLOAT_LAST: return true;
    default: return false;
    }
}

static int compile_metrics(vrv_pipeline *p, vrv_error *err)
{
    const vrv_spec_data_schema *s = p->cfg.schema;
    json_t *arr = json_array();
    for (size_t i = 0; i < s->n_metrics; i++) json_array_append(arr, s->metrics[i].agg.json);
    int rc = vrv_agg_parse_list(arr, "spec.dataSchema.metricsSpec", VRV_AGG_CTX_INGEST, &p->aggs, err);
    json_decref(arr);
    if (rc) return rc;
    p->index_metrics = vrv_calloc(p->aggs.n ? p->aggs.n : 1, sizeof *p->index_metrics);
    for (size_t i = 0; i < p->aggs.n; i++) {
        pmetric m = {0};
        char path[256];
        snprintf(path, sizeof path, "spec.dataSchema.metricsSpec[%zu]", i);
        m.spec = p->aggs.v[i];
        m.inner = vrv_agg_unwrap(m.spec);
        m.slot = -1;
        if (m.spec->type == VRV_AGG_FILTERED) {
            char fpath[300];
            snprintf(fpath, sizeof fpath, "%s.filter", path);
            if ((rc = vrv_filter_parse(m.spec->filter, fpath, &m.filter, err)) ||
                (rc = vrv_filter_bind(m.filter, resolve_slot, p, &m.fprog, err)))
                return rc;
        }
        if (m.inner->expression) {
            if ((rc = vrv_expr_parse(m.inner->expression, strlen(m.inner->expression), &m.expr, err)) ||
                (rc = vrv_expr_bind(m.expr, resolve_slot, p, &m.prog, err)))
                return vrv_error_prefix(err, "%s.expression", path);
        } else if (m.inner->field_name) {
            m.slot = (long)vrv_fieldset_add(&p->fs, m.inner->field_name);
        }
        m.numeric_input = agg_numeric_input(m.inner);
        m.ops.state_size = vrv_agg_state_size(m.inner);
        m.ops.init = op_init;
        m.ops.add = op_add;
        m.ops.merge = op_merge;
        m.ops.destroy = op_destroy;
        /* plain numbers own no memory: no accounting call per row */
        m.ops.heap_bytes = vrv_agg_has_heap(m.inner) ? op_heap : NULL;
        vrv_vec_push(&p->metrics, m);
    }
    for (size_t i = 0; i < p->metrics.n; i++) {
        p->index_metrics[i].name = p->metrics.v[i].spec->name;
        p->index_metrics[i].ops = &p->metrics.v[i].ops;
        p->index_metrics[i].ctx = p->metrics.v[i].inner;
    }
    return VRV_OK;
}

int vrv_pipeline_new(const vrv_pipeline_config *cfg, vrv_pipeline **out, vrv_error *err)
{
    *out = NULL;
    vrv_pipeline *p = vrv_calloc(1, sizeof *p);
    p->cfg = *cfg;
    const vrv_spec_data_schema *s = cfg->schema;
    p->max_parse_exceptions = cfg->tuning ? cfg->tuning->max_parse_exceptions : INT32_MAX;
    p->max_saved = cfg->tuning ? cfg->tuning->max_saved_parse_exceptions : 0;
    p->log_parse_exceptions = cfg->tuning && cfg->tuning->log_parse_exceptions;
    vrv_fieldset_init(&p->fs);
    vrv_map_init(&p->dim_by_name, false);
    vrv_map_init(&p->excluded, true);
    vrv_arena_init(&p->arena, 64 * 1024);
    int rc;

    if (!cfg->input_format || !cfg->input_format->json) {
        rc = vrv_error_set(err, VRV_EINVAL, "spec.ioConfig.inputFormat: required");
        goto fail;
    }
    if ((rc = vrv_input_format_parse(cfg->input_format->json, cfg->input_format->path, &p->fmt, err)))
        goto fail;
    if ((rc = vrv_ts_parser_init(&p->ts, s->timestamp.format, err))) {
        vrv_error_prefix(err, "spec.dataSchema.timestampSpec.format");
        goto fail;
    }
    p->ts_ok = true;
    p->query_gran = s->granularity.query;
    p->ts_slot = vrv_fieldset_add(&p->fs, s->timestamp.column);
    p->time_slot = vrv_fieldset_add(&p->fs, "__time");

    /* declared dimensions */
    for (size_t i = 0; i < s->dimensions.n_dims; i++) {
        const vrv_spec_dimension *d = &s->dimensions.dims[i];
        add_dim(p, d->name, dim_ctype(d->type), dim_mvh(d->multi_value_handling),
                d->create_bitmap_index, (long)vrv_fieldset_add(&p->fs, d->name));
    }
    p->typed_discovery = s->dimensions.use_schema_discovery;
    p->discover = s->dimensions.schemaless || s->dimensions.include_all_dimensions ||
                  s->dimensions.use_schema_discovery;
    p->fs.discover = p->discover;
    for (size_t i = 0; i < s->dimensions.n_exclusions; i++)
        vrv_map_put(&p->excluded, s->dimensions.exclusions[i], strlen(s->dimensions.exclusions[i]), NULL);
    vrv_map_put(&p->excluded, "__time", 6, NULL);
    vrv_map_put(&p->excluded, s->timestamp.column, strlen(s->timestamp.column), NULL);

    /* transforms */
    for (size_t i = 0; i < s->n_transforms; i++) {
        const vrv_spec_transform *t = &s->transforms[i];
        ptransform pt = {0};
        pt.name = t->name;
        pt.path = t->path;
        if ((rc = vrv_expr_parse(t->expression, strlen(t->expression), &pt.expr, err)) ||
            (rc = vrv_expr_bind(pt.expr, resolve_slot, p, &pt.prog, err))) {
            vrv_expr_prog_free(pt.prog);
            vrv_expr_free(pt.expr);
            vrv_error_prefix(err, "%s", t->path);
            goto fail;
        }
        pt.out_slot = vrv_fieldset_add(&p->fs, t->name);
        vrv_vec_push(&p->transforms, pt);
    }
    /* filter */
    if (s->filter.json) {
        if ((rc = vrv_filter_parse(s->filter.json, s->filter.path, &p->filter, err)) ||
            (rc = vrv_filter_bind(p->filter, resolve_slot, p, &p->fprog, err)))
            goto fail;
    }
    if ((rc = compile_metrics(p, err))) goto fail;

    p->reader = vrv_input_reader_new(p->fmt, &p->fs, err);
    if (!p->reader) {
        rc = err ? err->code : VRV_EINVAL;
        goto fail;
    }
    p->vals = vrv_calloc(p->fs.n, sizeof *p->vals);
    p->tvals = vrv_calloc(p->transforms.n ? p->transforms.n : 1, sizeof *p->tvals);
    p->metvals = vrv_calloc(p->metrics.n ? p->metrics.n : 1, sizeof *p->metvals);
    p->metskip = vrv_calloc(p->metrics.n ? p->metrics.n : 1, 1);
    if (p->max_saved > 0) p->saved = vrv_calloc((size_t)p->max_saved, sizeof *p->saved);
    *out = p;
    return VRV_OK;
fail:
    vrv_pipeline_free(p);
    return rc ? rc : VRV_EINVAL;
}

static void exception_free(vrv_parse_exception *e)
{
    if (!e) return;
    free(e->input);
    for (size_t i = 0; i < e->ndetails; i++) free(e->details[i]);
    free(e->details);
    free(e);
}

void vrv_pipeline_free(vrv_pipeline *p)
{
    if (!p) return;
    vrv_input_reader_free(p->reader);
    vrv_input_format_free(p->fmt);
    if (p->ts_ok) vrv_ts_parser_destroy(&p->ts);
    for (size_t i = 0; i < p->transforms.n; i++) {
        vrv_expr_prog_free(p->transforms.v[i].prog);
        vrv_expr_free(p->transforms.v[i].expr);
    }
    vrv_vec_free(&p->transforms);
    vrv_filter_matcher_free(p->fprog);
    vrv_filter_free(p->filter);
    for (size_t i = 0; i < p->metrics.n; i++) {
        pmetric *m = &p->metrics.v[i];
        vrv_expr_prog_free(m->prog);
        vrv_expr_free(m->expr);
        vrv_filter_matcher_free(m->fprog);
        vrv_filter_free(m->filter);
    }
    vrv_vec_free(&p->metrics);
    vrv_agg_list_free(&p->aggs);
    free(p->index_metrics);
    for (size_t i = 0; i < p->dims.n; i++) free(p->dims.v[i].name);
    vrv_vec_free(&p->dims);
    vrv_map_destroy(&p->dim_by_name);
    vrv_map_destroy(&p->excluded);
    vrv_fieldset_destroy(&p->fs);
    if (p->saved) {
        for (int i = 0; i < p->max_saved; i++) exception_free(p->saved[i]);
        free(p->saved);
    }
    for (size_t i = 0; i < p->details.n; i++) free(p->details.v[i]);
    vrv_vec_free(&p->details);
    vrv_vec_free(&p->dimvals);
    vrv_vec_free(&p->pending);
    vrv_buf_free(&p->tmp);
    vrv_arena_destroy(&p->arena);
    free(p->vals);
    free(p->tvals);
    free(p->metvals);
    free(p->metskip);
    free(p);
}

vrv_index *vrv_pipeline_new_index(vrv_pipeline *p)
{
    vrv_index_dim *dims = vrv_calloc(p->dims.n ? p->dims.n : 1, sizeof *dims);
    for (size_t i = 0; i < p->dims.n; i++) {
        dims[i].name = p->dims.v[i].name;
        dims[i].type = p->dims.v[i].type;
        dims[i].mvh = p->dims.v[i].mvh;
        dims[i].bitmap = p->dims.v[i].bitmap;
    }
    vrv_index_schema s = {p->cfg.schema->granularity.rollup, p->dims.n, dims, p->metrics.n,
                          p->index_metrics};
    vrv_index *idx = vrv_index_new(&s);
    free(dims);
    return idx;
}

const vrv_row_stats *vrv_pipeline_stats(const vrv_pipeline *p)
{
    return &p->stats;
}

const vrv_agg_list *vrv_pipeline_metrics(const vrv_pipeline *p)
{
    return &p->aggs;
}

size_t vrv_pipeline_exceptions(const vrv_pipeline *p, const vrv_parse_exception *const **out)
{
    *out = (const vrv_parse_exception *const *)p->saved;
    return p->saved_n;
}

/* ---- parse exceptions ---- */

static vrv_ms wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Records one parse exception (the details vector is consumed). Returns
 * VRV_ELIMIT when the limit is now exceeded. */
static int record_exception(vrv_pipeline *p, vrv_str raw, bool unparseable, vrv_error *err)
{
    if (unparseable)
        p->stats.unparseable++;
    else
        p->stats.processed_with_error++;
    if (p->log_parse_exceptions)
        VRV_WARN("ingest", "%s row: %s", unparseable ? "unparseable" : "partially unparseable",
                 p->details.n ? p->details.v[0] : "");
    if (p->max_saved > 0) {
        vrv_parse_exception *e = vrv_calloc(1, sizeof *e);
        e->input = vrv_strndup(raw.p ? raw.p : "", VRV_MIN(raw.n, (size_t)MAX_SAVED_INPUT));
        e->unparseable = unparseable;
        e->details = p->details.v;
        e->ndetails = p->details.n;
        p->details.v = NULL;
        p->details.n = p->details.cap = 0;
        e->time = wall_ms();
        size_t slot = p->saved_head % (size_t)p->max_saved;
        exception_free(p->saved[slot]);
        p->saved[slot] = e;
        p->saved_head++;
        if (p->saved_n < (size_t)p->max_saved) p->saved_n++;
    } else {
        for (size_t i = 0; i < p->details.n; i++) free(p->details.v[i]);
        p->details.n = 0;
    }
    uint64_t bad = p->stats.unparseable + p->stats.processed_with_error;
    if (bad > (uint64_t)p->max_parse_exceptions)
        return vrv_error_set(err, VRV_ELIMIT, "Max parse exceptions[%d] exceeded",
                             p->max_parse_exceptions);
    return VRV_OK;
}

static void detail(vrv_pipeline *p, const char *fmt, ...) VRV_PRINTF(2, 3);
static void detail(vrv_pipeline *p, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vrv_vec_push(&p->details, vrv_strdup(msg));
}

/* A value as Druid shows it in messages ("abc", 12, null). */
static const char *show(vrv_pipeline *p, const vrv_value *v)
{
    vrv_buf_reset(&p->tmp);
    if (v->type == VRV_V_NULL) return "null";
    vrv_str s;
    if (!vrv_expr_to_string(v, &p->arena, &s)) return "null";
    vrv_buf_append(&p->tmp, s.p, VRV_MIN(s.n, (size_t)200));
    return p->tmp.data;
}

/* ---- dimension and metric values ---- */

static const char *ctype_lower(vrv_ctype t)
{
    switch (t) {
    case VRV_C_LONG: return "long";
    case VRV_C_FLOAT: return "float";
    case VRV_C_DOUBLE: return "double";
    default: return "string";
    }
}

/* Converts v to dimension d's stored form in *out; false (with a detail) when
 * a value cannot be converted (the row is then processedWithError). */
static bool convert_dim(vrv_pipeline *p, const pdim *d, const vrv_value *v, vrv_value *out)
{
    *out = vrv_null();
    if (v->type == VRV_V_NULL) return true;
    switch (d->type) {
    case VRV_C_STRING: {
        if (v->type == VRV_V_STRING) {
            *out = *v;
            return true;
        }
        if (v->type == VRV_V_ARRAY) {
            vrv_value *elems = vrv_arena_alloc(&p->arena, (v->len ? v->len : 1) * sizeof *elems);
            for (size_t i = 0; i < v->len; i++) {
                vrv_str s;
                if (v->u.a[i].type == VRV_V_NULL || !vrv_expr_to_string(&v->u.a[i], &p->arena, &s))
                    elems[i] = vrv_null();
                else
                    elems[i] = vrv_string(s.p, s.n);
            }
            *out = vrv_array(elems, v->len);
            return true;
        }
        vrv_str s;
        if (v->type == VRV_V_JSON) {
            /* Druid stores String.valueOf(Map/List) for a nested value: {a=1, b=[x, y]} */
            vrv_buf_reset(&p->tmp);
            if (vrv_json_java_string(0, v->u.s, v->len, &p->arena, &p->tmp, NULL) != 0) {
                *out = vrv_string(v->u.s, v->len);
                return true;
            }
            char *txt = vrv_arena_strndup(&p->arena, p->tmp.data ? p->tmp.data : "", p->tmp.len);
            *out = vrv_string(txt, p->tmp.len);
            return true;
        }
        if (vrv_expr_to_string(v, &p->arena, &s)) *out = vrv_string(s.p, s.n);
        return true;
    }
    case VRV_C_LONG: {
        int64_t l;
        if (vrv_expr_to_long(v, &l)) {
            *out = vrv_long(l);
            return true;
        }
        break;
    }
    case VRV_C_DOUBLE:
    case VRV_C_FLOAT: {
        double x;
        if (vrv_expr_to_double(v, &x)) {
            *out = d->type == VRV_C_FLOAT ? vrv_float((float)x) : vrv_double(x);
            return true;
        }
        break;
    }
    case VRV_C_JSON: {
        if (v->type == VRV_V_JSON) {
            *out = *v;
            return true;
        }
        vrv_buf b = VRV_BUF_INIT;
        vrv_jw w;
        vrv_jw_init(&w, &b, 0);
        vrv_jw_value(&w, v);
        char *text = vrv_arena_strndup(&p->arena, b.data ? b.data : "null", b.len);
        vrv_buf_free(&b);
        *out = vrv_string(text, strlen(text));
        out->type = VRV_V_JSON;
        return true;
    }
    default: break;
    }
    detail(p, "could not convert value [%s] to %s for dimension [%s]", show(p, v), ctype_lower(d->type),
           d->name);
    return false;
}

/* The discovered type of a value under useSchemaDiscovery. */
static vrv_ctype discovered_type(const vrv_value *v)
{
    switch (v->type) {
    case VRV_V_LONG: return VRV_C_LONG;
    case VRV_V_DOUBLE:
    case VRV_V_FLOAT: return VRV_C_DOUBLE;
    case VRV_V_STRING: return VRV_C_STRING;
    default: return VRV_C_JSON;
    }
}

static size_t transform_index(const vrv_pipeline *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->transforms.n; i++)
        if (strlen(p->transforms.v[i].name) == len && memcmp(p->transforms.v[i].name, name, len) == 0)
            return i;
    return SIZE_MAX;
}

/* Fills p->dimvals for the row; returns false when some value failed. */
static bool build_dims(vrv_pipeline *p, const vrv_row *row)
{
    bool ok = true;
    size_t declared = p->dims.n;
    vrv_vec_reserve(&p->dimvals, p->dims.n);
    for (size_t i = 0; i < p->dims.n; i++) {
        const pdim *d = &p->dims.v[i];
        p->dimvals.v[i] = vrv_null();
        if (d->slot >= 0 && !convert_dim(p, d, &p->vals[d->slot], &p->dimvals.v[i])) ok = false;
    }
    if (!p->discover) {
        p->dimvals.n = p->dims.n;
        return ok;
    }
    (void)declared;
    for (size_t k = 0; k < row->nextra; k++) {
        vrv_str name = row->extra_names[k];
        if (vrv_map_get(&p->excluded, name.p, name.n)) continue;
        uint64_t *pos = vrv_map_get(&p->dim_by_name, name.p, name.n);
        const vrv_value *v = &row->extra_vals[k];
        /* a transform may rewrite a discovered input field in place */
        long fslot = vrv_fieldset_find(&p->fs, name.p, name.n);
        if (fslot >= 0 && transform_index(p, name.p, name.n) != SIZE_MAX) v = &p->vals[fslot];
        if (!pos) {
            if (v->type == VRV_V_NULL) continue; /* Druid discovers columns with values */
            char *n = vrv_strndup(name.p, name.n);
            vrv_ctype t = p->typed_discovery ? discovered_type(v) : VRV_C_STRING;
            size_t at = add_dim(p, n, t, VRV_MVH_SORTED_ARRAY, t == VRV_C_STRING, -1);
            free(n);
            vrv_vec_reserve(&p->dimvals, p->dims.n);
            p->dimvals.v[at] = vrv_null();
            pos = vrv_map_get(&p->dim_by_name, name.p, name.n);
        }
        const pdim *d = &p->dims.v[*pos];
        if (d->slot >= 0) continue; /* declared: already filled from its slot */
        if (!convert_dim(p, d, v, &p->dimvals.v[*pos])) ok = false;
    }
    p->dimvals.n = p->dims.n;
    return ok;
}

static bool build_metrics(vrv_pipeline *p, vrv_ms t, vrv_error *err, int *rc)
{
    bool ok = true;
    *rc = VRV_OK;
    for (size_t i = 0; i < p->metrics.n; i++) {
        pmetric *m = &p->metrics.v[i];
        vrv_value *out = &p->metvals[i];
        *out = vrv_null();
        p->metskip[i] = 0;
        if (m->fprog && vrv_filter_match(m->fprog, p->vals, &p->arena, NULL) != VRV_TRI_TRUE) {
            p->metskip[i] = 1;
            continue;
        }
        if (m->prog) {
            vrv_error e2;
            if (vrv_expr_eval(m->prog, p->vals, &p->arena, out, &e2) != 0) {
                detail(p, "%s", e2.msg);
                *out = vrv_null();
                ok = false;
                continue;
            }
        } else if (m->slot >= 0) {
            *out = p->vals[m->slot];
        }
        if (m->numeric_input && out->type != VRV_V_NULL && !vrv_is_number(out)) {
            double x;
            if (!vrv_expr_to_double(out, &x)) {
                detail(p, "Unable to parse value[%s] for field[%s]", show(p, out), m->inner->field_name
                                                                                        ? m->inner->field_name
                                                                                        : m->spec->name);
                *out = vrv_null();
                ok = false;
            }
        }
    }
    (void)t;
    (void)err;
    return ok;
}

/* ---- the row path ---- */

enum { ROW_OK, ROW_DROPPED, ROW_UNPARSEABLE };

/* Whether t lies in one of ivs[0..n) (sorted, not overlapping). */
static bool in_intervals(const vrv_interval *ivs, size_t n, vrv_ms t)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t < ivs[mid].start)
            hi = mid;
        else if (t >= ivs[mid].end)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Timestamp, transforms, filter and the rejection window of one decoded row.
 * On ROW_OK *t holds the row time (before truncation). */
static int prepare_row(vrv_pipeline *p, vrv_ms *t, vrv_str raw)
{
    int fr;
    const vrv_spec_timestamp *ts = &p->cfg.schema->timestamp;
    const vrv_value *tv = &p->vals[p->ts_slot];
    vrv_error e2;
    if (tv->type == VRV_V_NULL || (tv->type == VRV_V_STRING && tv->len == 0)) {
        if (!ts->has_missing_value) {
            detail(p, "Timestamp[null] is unparseable! Event: %.*s", (int)VRV_MIN(raw.n, (size_t)512), raw.p);
            return ROW_UNPARSEABLE;
        }
        *t = ts->missing_value;
    } else if (vrv_ts_parse(&p->ts, tv, t, &e2) != 0) {
        detail(p, "Timestamp[%s] is unparseable! Event: %.*s", show(p, tv), (int)VRV_MIN(raw.n, (size_t)512),
               raw.p);
        return ROW_UNPARSEABLE;
    }
    p->vals[p->time_slot] = vrv_long(*t);
    /* transforms read the original values: evaluate all, then write back */
    for (size_t i = 0; i < p->transforms.n; i++) {
        if (vrv_expr_eval(p->transforms.v[i].prog, p->vals, &p->arena, &p->tvals[i], &e2) != 0) {
            detail(p, "%s", e2.msg);
            return ROW_UNPARSEABLE;
        }
    }
    for (size_t i = 0; i < p->transforms.n; i++) {
        size_t slot = p->transforms.v[i].out_slot;
        if (slot == p->time_slot) {
            int64_t nt;
            if (!vrv_expr_to_long(&p->tvals[i], &nt)) {
                detail(p, "Could not transform value for __time: %s", show(p, &p->tvals[i]));
                return ROW_UNPARSEABLE;
            }
            *t = nt;
            p->vals[slot] = vrv_long(nt);
        } else {
            p->vals[slot] = p->tvals[i];
        }
    }
    if (p->fprog && (fr = vrv_filter_match(p->fprog, p->vals, &p->arena, &e2)) != VRV_TRI_TRUE) {
        if (fr < 0) {
            detail(p, "%s", e2.msg);
            return ROW_UNPARSEABLE;
        }
        p->stats.thrown_filtered++;
        p->stats.thrown_away++;
        return ROW_DROPPED;
    }
    if (p->cfg.has_min_time && *t < p->cfg.min_time) {
        p->stats.thrown_before_min++;
        p->stats.thrown_away++;
        return ROW_DROPPED;
    }
    if (p->cfg.has_max_time && *t > p->cfg.max_time) {
        p->stats.thrown_after_max++;
        p->stats.thrown_away++;
        return ROW_DROPPED;
    }
    if (p->cfg.intervals && !in_intervals(p->cfg.intervals, p->cfg.n_intervals, *t)) {
        p->stats.thrown_filtered++;
        p->stats.thrown_away++;
        return ROW_DROPPED;
    }
    return ROW_OK;
}

/* Adds a row whose dimension and metric values are ready to its sink. */
static int sink_row(vrv_pipeline *p, vrv_ms tt, const vrv_value *dims, size_t ndims,
                    const vrv_value *mets, const uint8_t *skip, vrv_pipeline_sink_fn sink,
                    void *sink_ctx, vrv_row_event *ev, vrv_error *err)
{
    vrv_index *idx = sink(sink_ctx, tt, err);
    if (!idx) return err && err->code ? err->code : VRV_EIO;
    /* the index's dimensions are a prefix of the pipeline's: extend it */
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    for (size_t i = snap.ndims; i < p->dims.n; i++)
        vrv_index_add_dim(idx, p->dims.v[i].name, p->dims.v[i].type, p->dims.v[i].mvh);
    size_t before = p->observer ? vrv_index_rows(idx) : 0;
    size_t row = vrv_index_add(idx, tt, dims, ndims, mets, skip);
    if (p->observer) {
        ev->outcome = VRV_ROW_INDEXED;
        ev->index = idx;
        ev->row = row;
        ev->new_row = vrv_index_rows(idx) > before;
    }
    return VRV_OK;
}

static void observe(vrv_pipeline *p, vrv_row_event *ev)
{
    if (p->observer) p->observer(p->observer_ctx, ev);
}

void vrv_pipeline_set_observer(vrv_pipeline *p, vrv_pipeline_observer_fn fn, void *ctx)
{
    p->observer = fn;
    p->observer_ctx = ctx;
}

/* Counts a row that reached the index: clean, or with conversion errors. */
static int count_added(vrv_pipeline *p, bool ok, vrv_str raw, vrv_error *err)
{
    if (ok) {
        p->stats.processed++;
        return VRV_OK;
    }
    return record_exception(p, raw, false, err);
}

int vrv_pipeline_process(vrv_pipeline *p, const char *data, size_t len,
                         const vrv_record_meta *meta, bool record_atomic,
                         vrv_pipeline_sink_fn sink, void *sink_ctx, vrv_error *err)
{
    vrv_arena_reset(&p->arena);
    if (!data || len == 0) {
        p->stats.thrown_null++;
        p->stats.thrown_away++;
        return VRV_OK;
    }
    p->stats.processed_bytes += len;
    vrv_input_reader_start(p->reader, data, len, meta);
    vrv_row row = {p->vals, p->fs.n, 0, NULL, NULL};
    int rc = VRV_OK;
    size_t rows = 0;
    size_t seq = 0; /* reader results so far: rows and malformed rows */
    p->pending.n = 0;
    for (;;) {
        vrv_error rerr;
        vrv_error_clear(&rerr);
        for (size_t i = 0; i < p->fs.n; i++) p->vals[i] = vrv_null();
        int got = vrv_input_reader_next(p->reader, &row, &p->arena, &rerr);
        if (got == 0) break;
        vrv_str raw = vrv_input_reader_raw(p->reader);
        vrv_row_event ev = {.seq = seq++, .raw = raw};
        if (got < 0) {
            detail(p, "%s", rerr.msg[0] ? rerr.msg : "Unable to parse row");
            goto unparseable;
        }
        rows++;
        vrv_ms t;
        int st = prepare_row(p, &t, raw);
        if (st == ROW_DROPPED) {
            ev.outcome = VRV_ROW_DROPPED;
            observe(p, &ev);
            continue;
        }
        if (st == ROW_UNPARSEABLE) goto unparseable;
        bool ok = build_dims(p, &row);
        if (!build_metrics(p, t, err, &rc)) ok = false;
        vrv_ms tt = vrv_gran_bucket_start(&p->query_gran, t);
        if (!record_atomic) {
            if ((rc = sink_row(p, tt, p->dimvals.v, p->dimvals.n, p->metvals, p->metskip, sink,
                               sink_ctx, &ev, err)))
                return rc;
            if (!ok) {
                ev.details = p->details.v;
                ev.ndetails = p->details.n;
            }
            observe(p, &ev);
            if ((rc = count_added(p, ok, raw, err))) return rc;
            continue;
        }
        struct pending pr = {tt, vrv_arena_memdup(&p->arena, p->dimvals.v, p->dimvals.n * sizeof(vrv_value)),
                             p->dimvals.n,
                             vrv_arena_memdup(&p->arena, p->metvals, p->metrics.n * sizeof(vrv_value)),
                             vrv_arena_memdup(&p->arena, p->metskip, p->metrics.n),
                             ev.seq,
                             ok ? NULL : p->details.v, ok ? 0 : p->details.n, raw};
        if (!ok) {
            p->details.v = NULL;
            p->details.n = p->details.cap = 0;
        }
        vrv_vec_push(&p->pending, pr);
        continue;
    unparseable:
        ev.outcome = VRV_ROW_UNPARSEABLE;
        ev.details = p->details.v;
        ev.ndetails = p->details.n;
        if (record_atomic) {
            /* the whole record is one unparseable event; nothing of it is kept */
            for (size_t i = 0; i < p->pending.n; i++) {
                for (size_t k = 0; k < p->pending.v[i].ndetails; k++) free(p->pending.v[i].details[k]);
                free(p->pending.v[i].details);
            }
            p->pending.n = 0;
            ev.raw = vrv_str_make(data, len);
            observe(p, &ev);
            return record_exception(p, vrv_str_make(data, len), true, err);
        }
        observe(p, &ev);
        if ((rc = record_exception(p, raw, true, err))) return rc;
    }
    if (rows == 0 && p->pending.n == 0 && record_atomic) {
        /* a record of only whitespace holds no row */
        p->stats.thrown_null++;
        p->stats.thrown_away++;
    }
    for (size_t i = 0; i < p->pending.n; i++) {
        struct pending *pr = &p->pending.v[i];
        vrv_row_event ev = {.seq = pr->seq, .raw = pr->raw, .details = pr->details, .ndetails = pr->ndetails};
        if (rc == VRV_OK)
            rc = sink_row(p, pr->t, pr->dims, pr->ndims, pr->mets, pr->skip, sink, sink_ctx, &ev, err);
        if (rc == VRV_OK) {
            observe(p, &ev);
            if (pr->details) {
                p->details.v = pr->details;
                p->details.n = p->details.cap = pr->ndetails;
                pr->details = NULL;
                rc = count_added(p, false, pr->raw, err);
            } else {
                rc = count_added(p, true, pr->raw, err);
            }
        }
        if (pr->details) {
            for (size_t k = 0; k < pr->ndetails; k++) free(pr->details[k]);
            free(pr->details);
        }
    }
    p->pending.n = 0;
    return rc;
}

int vrv_pipeline_scan(vrv_pipeline *p, const char *data, size_t len,
                      void (*seen)(void *ctx, vrv_ms t), void *ctx, vrv_error *err)
{
    vrv_arena_reset(&p->arena);
    if (!data || len == 0) {
        p->stats.thrown_null++;
        p->stats.thrown_away++;
        return VRV_OK;
    }
    p->stats.processed_bytes += len;
    vrv_input_reader_start(p->reader, data, len, NULL);
    vrv_row row = {p->vals, p->fs.n, 0, NULL, NULL};
    int rc = VRV_OK;
    for (;;) {
        vrv_error rerr;
        vrv_error_clear(&rerr);
        for (size_t i = 0; i < p->fs.n; i++) p->vals[i] = vrv_null();
        int got = vrv_input_reader_next(p->reader, &row, &p->arena, &rerr);
        if (got == 0) break;
        vrv_str raw = vrv_input_reader_raw(p->reader);
        vrv_ms t;
        int st;
        if (got < 0) {
            detail(p, "%s", rerr.msg[0] ? rerr.msg : "Unable to parse row");
            st = ROW_UNPARSEABLE;
        } else {
            st = prepare_row(p, &t, raw);
        }
        if (st == ROW_DROPPED) continue;
        if (st == ROW_UNPARSEABLE) {
            if ((rc = record_exception(p, raw, true, err))) return rc;
            continue;
        }
        p->stats.processed++;
        seen(ctx, t);
    }
    return rc;
}

json_t *vrv_row_stats_to_json(const vrv_row_stats *s)
{
    json_t *reasons = json_object();
    if (s->thrown_null) json_object_set_new(reasons, "null", json_integer((json_int_t)s->thrown_null));
    if (s->thrown_before_min)
        json_object_set_new(reasons, "beforeMinimumMessageTime", json_integer((json_int_t)s->thrown_before_min));
    if (s->thrown_after_max)
        json_object_set_new(reasons, "afterMaximumMessageTime", json_integer((json_int_t)s->thrown_after_max));
    if (s->thrown_filtered)
        json_object_set_new(reasons, "filtered", json_integer((json_int_t)s->thrown_filtered));
    return json_pack("{s:I,s:I,s:I,s:I,s:o,s:I}", "processed", (json_int_t)s->processed,
                     "processedBytes", (json_int_t)s->processed_bytes, "processedWithError",
                     (json_int_t)s->processed_with_error, "thrownAway", (json_int_t)s->thrown_away,
                     "thrownAwayByReason", reasons, "unparseable", (json_int_t)s->unparseable);
}

json_t *vrv_pipeline_exceptions_json(const vrv_pipeline *p)
{
    json_t *a = json_array();
    for (size_t i = 0; i < p->saved_n; i++) {
        /* newest first */
        size_t slot = (p->saved_head - 1 - i) % (size_t)p->max_saved;
        const vrv_parse_exception *e = p->saved[slot];
        json_t *details = json_array();
        for (size_t k = 0; k < e->ndetails; k++) json_array_append_new(details, json_string(e->details[k]));
        json_t *o = json_object();
        json_object_set_new(o, "input", json_string(e->input));
        json_object_set_new(o, "errorType", json_string(e->unparseable ? "unparseable" : "processedWithError"));
        json_object_set_new(o, "details", details);
        json_object_set_new(o, "timeOfExceptionMillis", json_integer(e->time));
        json_array_append_new(a, o);
    }
    return a;
}
