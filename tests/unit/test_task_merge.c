/*
 * test_task_merge.c — persisting appendable indexes to spill segments and the
 * k-way merge of spills into final segments: rollup across spills through
 * the combining aggregators, storage order, discovered dimensions, multi-value
 * strings, sketches, no-rollup ordering and the split by max rows.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/mem.h"
#include "json/jutil.h"
#include "task/merge.h"
#include "test.h"

static vrv_value S(const char *s)
{
    return vrv_string(s, strlen(s));
}

typedef struct fixture {
    vrv_agg_list aggs;
    vrv_index_metric *metrics;
    vrv_index_metric_ops *ops;
} fixture;

static void fixture_init(fixture *f, const char *metrics_json)
{
    json_t *j = json_loads(metrics_json, 0, NULL);
    vrv_error err;
    CHECK_INT(vrv_agg_parse_list(j, "metricsSpec", VRV_AGG_CTX_INGEST, &f->aggs, &err), 0);
    json_decref(j);
    f->metrics = vrv_calloc(f->aggs.n, sizeof *f->metrics);
    f->ops = vrv_calloc(f->aggs.n, sizeof *f->ops);
    for (size_t i = 0; i < f->aggs.n; i++) {
        const vrv_agg_spec *inner = vrv_agg_unwrap(f->aggs.v[i]);
        vrv_task_agg_ops(inner, &f->ops[i]);
        f->metrics[i] = (vrv_index_metric){f->aggs.v[i]->name, &f->ops[i], inner};
    }
}

static void fixture_free(fixture *f)
{
    vrv_agg_list_free(&f->aggs);
    free(f->metrics);
    free(f->ops);
}

static vrv_index *new_index(fixture *f, bool rollup, const vrv_index_dim *dims, size_t ndims)
{
    vrv_index_schema s = {rollup, ndims, dims, f->aggs.n, f->metrics};
    return vrv_index_new(&s);
}

static char *tmp_path(const char *name)
{
    static int n;
    char *p = vrv_malloc(512);
    snprintf(p, 512, "%s/%s-%d.vseg", vrv_test_tmpdir(), name, n++);
    return p;
}

static vrv_segment *persist(fixture *f, vrv_index *idx)
{
    char *path = tmp_path("spill");
    vrv_error err;
    size_t rows = 0;
    CHECK_INT(vrv_task_persist(idx, &f->aggs, NULL, NULL, path, &rows, &err), 0);
    CHECK_INT(rows, vrv_index_rows(idx));
    vrv_segment *seg = NULL;
    CHECK_INT(vrv_segment_open(path, &seg, &err), 0);
    free(path);
    return seg;
}

/* Renders every row of a segment: "t|dim...|metric..." with nulls as "-". */
static void render_segment(vrv_segment *seg, vrv_buf *out)
{
    size_t nc = vrv_segment_ncols(seg);
    size_t rows = vrv_segment_rows(seg);
    int64_t *t = vrv_malloc(VRV_SEG_BLOCK_ROWS * 8);
    int64_t *l = vrv_malloc(VRV_SEG_BLOCK_ROWS * 8);
    uint32_t *ids = vrv_malloc(VRV_SEG_BLOCK_ROWS * 4);
    for (size_t r = 0; r < rows; r++) {
        size_t b = r / VRV_SEG_BLOCK_ROWS, i = r % VRV_SEG_BLOCK_ROWS;
        vrv_seg_read_times(seg, b, t);
        vrv_buf_printf(out, "%lld", (long long)t[i]);
        for (size_t c = 0; c < nc; c++) {
            const vrv_seg_col *col = vrv_segment_col(seg, c);
            if (col->is_time) continue;
            vrv_buf_putc(out, '|');
            roaring_bitmap_t *nulls = vrv_seg_nulls(seg, c);
            bool isnull = nulls && roaring_bitmap_contains(nulls, (uint32_t)r);
            if (nulls) roaring_bitmap_free(nulls);
            switch (col->type) {
            case VRV_C_STRING:
                if (col->multi) {
                    uint64_t s, e;
                    vrv_seg_mv_range(seg, c, r, &s, &e);
                    vrv_buf_putc(out, '[');
                    for (uint64_t k = s; k < e; k++) {
                        vrv_seg_read_ids(seg, c, (size_t)(k / VRV_SEG_BLOCK_ROWS), ids);
                        vrv_str v = vrv_seg_dict_get(seg, c, ids[k % VRV_SEG_BLOCK_ROWS]);
                        if (k > s) vrv_buf_putc(out, ',');
                        vrv_buf_append(out, v.p, v.n);
                    }
                    vrv_buf_putc(out, ']');
                } else {
                    vrv_seg_read_ids(seg, c, b, ids);
                    if (ids[i] == 0) {
                        vrv_buf_putc(out, '-');
                    } else {
                        vrv_str v = vrv_seg_dict_get(seg, c, ids[i]);
                        vrv_buf_append(out, v.p, v.n);
                    }
                }
                break;
            case VRV_C_LONG:
                vrv_seg_read_longs(seg, c, b, l);
                if (isnull)
                    vrv_buf_putc(out, '-');
                else
                    vrv_buf_printf(out, "%lld", (long long)l[i]);
                break;
            case VRV_C_DOUBLE: {
                double *d = (double *)l;
                vrv_seg_read_doubles(seg, c, b, d);
                if (isnull)
                    vrv_buf_putc(out, '-');
                else
                    vrv_buf_printf(out, "%g", d[i]);
                break;
            }
            case VRV_C_FLOAT: {
                float *fl = (float *)l;
                vrv_seg_read_floats(seg, c, b, fl);
                if (isnull)
                    vrv_buf_putc(out, '-');
                else
                    vrv_buf_printf(out, "%g", (double)fl[i]);
                break;
            }
            default: {
                const uint8_t *p;
                size_t len;
                vrv_seg_blob(seg, c, r, &p, &len);
                vrv_buf_printf(out, "blob%zu", len ? (size_t)1 : (size_t)0);
                break;
            }
            }
        }
        vrv_buf_putc(out, '\n');
    }
    free(t);
    free(l);
    free(ids);
}

typedef struct outputs {
    size_t begun, finished, count;
    char *paths[16];
    uint64_t rows[16];
    size_t ndims[16];
    char dims0[256];
} outputs;

static int on_begin(void *ctx, size_t index, size_t count, const char *const *dims, size_t ndims,
                    char **path, json_t **meta, vrv_error *err)
{
    (void)err;
    (void)dims;
    (void)ndims;
    outputs *o = ctx;
    CHECK_INT(index, o->begun);
    o->begun++;
    o->count = count;
    *path = tmp_path("out");
    o->paths[index] = vrv_strdup(*path);
    *meta = json_pack("{s:i}", "partitionNum", (int)index);
    return 0;
}

static int on_done(void *ctx, size_t index, const vrv_merge_result *r, vrv_error *err)
{
    (void)err;
    outputs *o = ctx;
    o->finished++;
    o->rows[index] = r->rows;
    o->ndims[index] = r->ndims;
    if (index == 0) {
        o->dims0[0] = 0;
        for (size_t i = 0; i < r->ndims; i++) {
            strcat(o->dims0, r->dims[i]);
            strcat(o->dims0, ",");
        }
    }
    return 0;
}

static void outputs_free(outputs *o)
{
    for (size_t i = 0; i < o->begun; i++) free(o->paths[i]);
}

static void render_output(outputs *o, size_t i, vrv_buf *b)
{
    vrv_segment *seg = NULL;
    vrv_error err;
    CHECK_INT(vrv_segment_open(o->paths[i], &seg, &err), 0);
    if (!seg) return;
    render_segment(seg, b);
    const json_t *m = vrv_segment_meta(seg);
    CHECK_INT(json_integer_value(json_object_get(m, "partitionNum")), (long long)i);
    vrv_segment_close(seg);
}

static const vrv_index_dim DIMS[] = {
    {"page", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
    {"n", VRV_C_LONG, VRV_MVH_SORTED_ARRAY, false},
};

#define METRICS                                                                                    \
    "[{\"type\":\"count\",\"name\":\"count\"},"                                                    \
    "{\"type\":\"longSum\",\"name\":\"added\",\"fieldName\":\"added\"},"                           \
    "{\"type\":\"doubleMax\",\"name\":\"peak\",\"fieldName\":\"peak\"}]"

static void add(vrv_index *idx, vrv_ms t, const char *page, vrv_value n, int64_t added,
                double peak)
{
    vrv_value d[2] = {page ? S(page) : vrv_null(), n};
    vrv_value m[3] = {vrv_null(), vrv_long(added), vrv_double(peak)};
    vrv_index_add(idx, t, d, 2, m, NULL);
}

TEST(merge_rollup_across_spills)
{
    fixture f;
    fixture_init(&f, METRICS);
    vrv_index *a = new_index(&f, true, DIMS, 2);
    add(a, 2000, "b", vrv_long(1), 10, 1.5);
    add(a, 1000, "b", vrv_long(1), 5, 0.5);
    add(a, 2000, "a", vrv_null(), 1, 2.0);
    add(a, 2000, "b", vrv_long(1), 7, 4.0); /* folds into the first row */
    vrv_index *b = new_index(&f, true, DIMS, 2);
    add(b, 2000, "b", vrv_long(1), 100, 3.0);  /* same key as a's first row */
    add(b, 2000, NULL, vrv_long(3), 1, 1.0);   /* null page sorts first */
    add(b, 2000, "b", vrv_long(-2), 1, 9.0);   /* n -2 before 1 */
    add(b, 3000, "a", vrv_long(0), 2, 0.0);
    vrv_segment *in[2] = {persist(&f, a), persist(&f, b)};
    CHECK_INT(vrv_task_merge_count(in, 2, true), 6);
    CHECK_INT(vrv_task_merge_count(in, 2, false), 7);

    outputs o = {0};
    vrv_merge_spec spec = {&f.aggs, true, 0, {VRV_SEG_CODEC_LZ4, VRV_SEG_CODEC_LZ4},
                           on_begin, on_done, &o};
    vrv_error err;
    CHECK_INT(vrv_task_merge(in, 2, &spec, &err), 0);
    CHECK_INT(o.begun, 1);
    CHECK_INT(o.finished, 1);
    CHECK_INT(o.count, 1);
    CHECK_INT(o.rows[0], 6);
    CHECK_STR(o.dims0, "page,n,");
    vrv_buf b2 = VRV_BUF_INIT;
    render_output(&o, 0, &b2);
    CHECK_STR(b2.data, "1000|b|1|1|5|0.5\n"
                       "2000|-|3|1|1|1\n"
                       "2000|a|-|1|1|2\n"
                       "2000|b|-2|1|1|9\n"
                       "2000|b|1|3|117|4\n"
                       "3000|a|0|1|2|0\n");
    vrv_buf_free(&b2);

    /* Split by max rows: 6 rows, 4 per segment -> two partitions. */
    outputs o2 = {0};
    spec.ctx = &o2;
    spec.max_rows = 4;
    CHECK_INT(vrv_task_merge(in, 2, &spec, &err), 0);
    CHECK_INT(o2.begun, 2);
    CHECK_INT(o2.count, 2);
    CHECK_INT(o2.rows[0], 4);
    CHECK_INT(o2.rows[1], 2);
    vrv_buf b3 = VRV_BUF_INIT;
    render_output(&o2, 1, &b3);
    CHECK_STR(b3.data, "2000|b|1|3|117|4\n3000|a|0|1|2|0\n");
    vrv_buf_free(&b3);

    json_t *cj = vrv_task_combining_json(&f.aggs);
    char *cs = json_dumps(cj, JSON_COMPACT);
    CHECK(strstr(cs, "{\"type\":\"longSum\",\"name\":\"count\",\"fieldName\":\"count\"") == cs + 1);
    free(cs);
    json_decref(cj);

    outputs_free(&o);
    outputs_free(&o2);
    vrv_segment_close(in[0]);
    vrv_segment_close(in[1]);
    vrv_index_free(a);
    vrv_index_free(b);
    fixture_free(&f);
}

TEST(merge_no_rollup_keeps_rows)
{
    fixture f;
    fixture_init(&f, METRICS);
    vrv_index *a = new_index(&f, false, DIMS, 2);
    add(a, 2000, "z", vrv_long(1), 1, 1);
    add(a, 1000, "y", vrv_long(1), 2, 1);
    add(a, 2000, "z", vrv_long(1), 3, 1);
    vrv_index *b = new_index(&f, false, DIMS, 2);
    add(b, 2000, "a", vrv_long(1), 4, 1);
    add(b, 500, "a", vrv_long(1), 5, 1);
    vrv_segment *in[2] = {persist(&f, a), persist(&f, b)};
    outputs o = {0};
    vrv_merge_spec spec = {&f.aggs, false, 0, {0, 0}, on_begin, on_done, &o};
    vrv_error err;
    CHECK_INT(vrv_task_merge(in, 2, &spec, &err), 0);
    vrv_buf out = VRV_BUF_INIT;
    render_output(&o, 0, &out);
    /* time order; equal times keep input then arrival order */
    CHECK_STR(out.data, "500|a|1|1|5|1\n"
                        "1000|y|1|1|2|1\n"
                        "2000|z|1|1|1|1\n"
                        "2000|z|1|1|3|1\n"
                        "2000|a|1|1|4|1\n");
    vrv_buf_free(&out);
    outputs_free(&o);
    vrv_segment_close(in[0]);
    vrv_segment_close(in[1]);
    vrv_index_free(a);
    vrv_index_free(b);
    fixture_free(&f);
}

TEST(merge_discovered_dims_and_multi_values)
{
    fixture f;
    fixture_init(&f, "[{\"type\":\"count\",\"name\":\"count\"}]");
    static const vrv_index_dim d1[] = {{"tags", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true}};
    static const vrv_index_dim d2[] = {{"tags", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true},
                                       {"user", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true}};
    vrv_index *a = new_index(&f, true, d1, 1);
    vrv_value m[1] = {vrv_null()};
    vrv_value ab[2] = {S("a"), S("b")};
    vrv_value row[2] = {vrv_array(ab, 2), vrv_null()};
    vrv_index_add(a, 1000, row, 1, m, NULL);
    vrv_index_add(a, 1000, row, 1, m, NULL);
    row[0] = S("a");
    vrv_index_add(a, 1000, row, 1, m, NULL);
    vrv_index *b = new_index(&f, true, d2, 2);
    row[0] = vrv_array(ab, 2);
    row[1] = vrv_null();
    vrv_index_add(b, 1000, row, 2, m, NULL); /* equal to a's ["a","b"] row: user is null there */
    row[1] = S("u1");
    vrv_index_add(b, 1000, row, 2, m, NULL);
    row[0] = S("a");
    vrv_index_add(b, 1000, row, 2, m, NULL);
    vrv_segment *in[2] = {persist(&f, a), persist(&f, b)};
    outputs o = {0};
    vrv_merge_spec spec = {&f.aggs, true, 0, {0, 0}, on_begin, on_done, &o};
    vrv_error err;
    CHECK_INT(vrv_task_merge(in, 2, &spec, &err), 0);
    CHECK_STR(o.dims0, "tags,user,");
    vrv_buf out = VRV_BUF_INIT;
    render_output(&o, 0, &out);
    /* "a" sorts before ["a","b"] (shorter first); null user before "u1" */
    CHECK_STR(out.data, "1000|[a]|-|1\n"
                        "1000|[a]|u1|1\n"
                        "1000|[a,b]|-|3\n"
                        "1000|[a,b]|u1|1\n");
    vrv_buf_free(&out);
    outputs_free(&o);
    vrv_segment_close(in[0]);
    vrv_segment_close(in[1]);
    vrv_index_free(a);
    vrv_index_free(b);
    fixture_free(&f);
}

TEST(merge_sketches_and_first_last)
{
    fixture f;
    fixture_init(&f, "[{\"type\":\"hyperUnique\",\"name\":\"users\",\"fieldName\":\"user\"},"
                     "{\"type\":\"longFirst\",\"name\":\"first\",\"fieldName\":\"v\"}]");
    static const vrv_index_dim d[] = {{"page", VRV_C_STRING, VRV_MVH_SORTED_ARRAY, true}};
    vrv_index *idx[3];
    char u[16];
    for (int s = 0; s < 3; s++) {
        idx[s] = new_index(&f, true, d, 1);
        for (int i = 0; i < 40; i++) {
            snprintf(u, sizeof u, "user%d", s * 20 + i); /* 80 distinct users overall */
            vrv_value dim[1] = {S("p")};
            vrv_value m[2] = {S(u), vrv_long(s * 100 + i)};
            vrv_index_add(idx[s], 1000 + s, dim, 1, m, NULL); /* earliest time wins first */
        }
    }
    vrv_segment *in[3] = {persist(&f, idx[2]), persist(&f, idx[1]), persist(&f, idx[0])};
    /* three different times: three rows */
    CHECK_INT(vrv_task_merge_count(in, 3, true), 3);
    vrv_index_free(idx[0]);
    vrv_index_free(idx[1]);
    vrv_index_free(idx[2]);
    for (int s = 0; s < 3; s++) vrv_segment_close(in[s]);

    /* Same time across spills: one row with the merged sketch. */
    for (int s = 0; s < 3; s++) {
        idx[s] = new_index(&f, true, d, 1);
        for (int i = 0; i < 40; i++) {
            snprintf(u, sizeof u, "user%d", s * 20 + i);
            vrv_value dim[1] = {S("p")};
            vrv_value m[2] = {S(u), vrv_long(s * 100 + i)};
            vrv_index_add(idx[s], 1000, dim, 1, m, NULL);
        }
        in[s] = persist(&f, idx[s]);
    }
    outputs o = {0};
    vrv_merge_spec spec = {&f.aggs, true, 0, {0, 0}, on_begin, on_done, &o};
    vrv_error err;
    CHECK_INT(vrv_task_merge(in, 3, &spec, &err), 0);
    CHECK_INT(o.rows[0], 1);
    vrv_segment *seg = NULL;
    CHECK_INT(vrv_segment_open(o.paths[0], &seg, &err), 0);
    long col = vrv_segment_find(seg, "users");
    CHECK(col >= 0);
    CHECK_STR(vrv_segment_col(seg, (size_t)col)->complex_type, "hyperUnique");
    const uint8_t *p;
    size_t len;
    vrv_seg_blob(seg, (size_t)col, 0, &p, &len);
    vrv_agg_spec *hu = vrv_agg_combining(f.aggs.v[0]);
    void *st = vrv_calloc(1, vrv_agg_state_size(hu));
    vrv_agg_init(hu, st);
    vrv_value cv = vrv_agg_complex_bytes(vrv_agg_complex_kind(hu), p, len);
    CHECK_INT(vrv_agg_add(hu, st, &cv, 0), 0);
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    vrv_value est = vrv_agg_finalize(hu, st, &ar);
    CHECK(est.type == VRV_V_DOUBLE);
    CHECK_NEAR(est.u.d, 80.0, 2.0);
    vrv_agg_destroy(hu, st);
    free(st);
    vrv_agg_spec_free(hu);

    /* longFirst: the value at the earliest time; all rows share time 1000, so
     * the first folded wins: input order is spill 0 first. */
    long fc = vrv_segment_find(seg, "first");
    CHECK(fc >= 0);
    vrv_agg_spec *lf = vrv_agg_combining(f.aggs.v[1]);
    st = vrv_calloc(1, vrv_agg_state_size(lf));
    vrv_agg_init(lf, st);
    vrv_seg_blob(seg, (size_t)fc, 0, &p, &len);
    cv = vrv_agg_complex_bytes(vrv_agg_complex_kind(lf), p, len);
    CHECK_INT(vrv_agg_add(lf, st, &cv, 0), 0);
    vrv_value fv = vrv_agg_finalize(lf, st, &ar);
    CHECK(fv.type == VRV_V_LONG);
    CHECK_INT(fv.u.l, 0);
    vrv_agg_destroy(lf, st);
    free(st);
    vrv_agg_spec_free(lf);
    vrv_arena_destroy(&ar);
    vrv_segment_close(seg);

    outputs_free(&o);
    for (int s = 0; s < 3; s++) {
        vrv_segment_close(in[s]);
        vrv_index_free(idx[s]);
    }
    fixture_free(&f);
}

TEST(merge_many_rows_across_blocks)
{
    /* More rows than a block, in several spills, split in three. */
    fixture f;
    fixture_init(&f, METRICS);
    enum { SPILLS = 4, PER = 6000 };
    vrv_index *idx[SPILLS];
    vrv_segment *in[SPILLS];
    char page[32];
    for (int s = 0; s < SPILLS; s++) {
        idx[s] = new_index(&f, true, DIMS, 2);
        for (int i = 0; i < PER; i++) {
            /* keys repeat across spills every 2 spills */
            snprintf(page, sizeof page, "p%05d", i);
            add(idx[s], (vrv_ms)(i % 7) * 1000, page, vrv_long(s % 2), 1, (double)i);
        }
        in[s] = persist(&f, idx[s]);
    }
    uint64_t n = vrv_task_merge_count(in, SPILLS, true);
    CHECK_INT(n, 2 * PER);
    outputs o = {0};
    vrv_merge_spec spec = {&f.aggs, true, 5000, {0, 0}, on_begin, on_done, &o};
    vrv_error err;
    CHECK_INT(vrv_task_merge(in, SPILLS, &spec, &err), 0);
    CHECK_INT(o.begun, 3);
    CHECK_INT(o.rows[0] + o.rows[1] + o.rows[2], 2 * PER);
    /* Every output row folds two input rows: count 2, added 2. */
    for (size_t k = 0; k < o.begun; k++) {
        vrv_segment *seg = NULL;
        CHECK_INT(vrv_segment_open(o.paths[k], &seg, &err), 0);
        long c = vrv_segment_find(seg, "count");
        int64_t *vals = vrv_malloc(VRV_SEG_BLOCK_ROWS * 8);
        int64_t *times = vrv_malloc(VRV_SEG_BLOCK_ROWS * 8);
        int64_t prev = INT64_MIN;
        for (size_t b = 0; b < vrv_segment_nblocks(seg); b++) {
            long got = vrv_seg_read_longs(seg, (size_t)c, b, vals);
            vrv_seg_read_times(seg, b, times);
            for (long i = 0; i < got; i++) {
                CHECK_INT(vals[i], 2);
                CHECK(times[i] >= prev);
                prev = times[i];
            }
        }
        free(vals);
        free(times);
        vrv_segment_close(seg);
    }
    outputs_free(&o);
    for (int s = 0; s < SPILLS; s++) {
        vrv_segment_close(in[s]);
        vrv_index_free(idx[s]);
    }
    fixture_free(&f);
}
