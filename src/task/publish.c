/*
 * publish.c — final segments of a time chunk: merge, footer, push,
 * DataSegment; and the publish action (see publish.h).
 */
#include "task/publish.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "segment/seg_reader.h"
#include "segment/segid.h"
#include "task/merge.h"

/* Opens spills[0..n); on failure closes what was opened. */
static int open_spills(const char *const *spills, size_t n, vrv_segment ***out, vrv_error *err)
{
    vrv_segment **segs = vrv_calloc(n ? n : 1, sizeof *segs);
    for (size_t i = 0; i < n; i++) {
        int rc = vrv_segment_open(spills[i], &segs[i], err);
        if (rc < 0) {
            for (size_t k = 0; k < i; k++) vrv_segment_close(segs[k]);
            free(segs);
            return rc;
        }
    }
    *out = segs;
    return 0;
}

static void close_spills(vrv_segment **segs, size_t n)
{
    for (size_t i = 0; i < n; i++) vrv_segment_close(segs[i]);
    free(segs);
}

int vrv_publish_count(const vrv_publish_schema *s, const char *const *spills, size_t n,
                      size_t *segments, vrv_error *err)
{
    *segments = 0;
    if (n == 0) return 0;
    vrv_segment **segs;
    int rc = open_spills(spills, n, &segs, err);
    if (rc < 0) return rc;
    uint64_t rows = vrv_task_merge_count(segs, n, s->rollup);
    close_spills(segs, n);
    if (rows == 0) return 0;
    uint64_t per = s->max_rows_per_segment ? s->max_rows_per_segment : rows;
    *segments = (size_t)((rows + per - 1) / per);
    return 0;
}

json_t *vrv_publish_dataseg(const char *data_source, const vrv_publish_ident *ident,
                            const char *const *dims, size_t ndims, const vrv_agg_list *metrics,
                            const char *load_spec, uint64_t size)
{
    size_t nm = metrics ? metrics->n : 0;
    const char **mnames = vrv_calloc(nm ? nm : 1, sizeof *mnames);
    for (size_t i = 0; i < nm; i++) mnames[i] = metrics->v[i]->name;
    json_t *ls = load_spec ? json_loads(load_spec, 0, NULL) : NULL;
    vrv_dataseg_desc d = {.data_source = data_source,
                          .interval = ident->interval,
                          .version = ident->version,
                          .load_spec = ls,
                          .dims = dims,
                          .ndims = ndims,
                          .metrics = mnames,
                          .nmetrics = nm,
                          .partition_num = ident->partition_num,
                          .core_partitions = ident->core_partitions,
                          .size = size};
    json_t *j = vrv_dataseg_to_json(&d);
    json_decref(ls);
    free(mnames);
    return j;
}

/* The state of one build, passed to the merge callbacks. */
typedef struct build {
    const vrv_publish_schema *s;
    vrv_interval chunk;
    vrv_publish_ident_fn ident;
    void *ident_ctx;
    vrv_publish_ident cur; /* identity of the output being written */
    json_t *segments;
    vrv_publish_stats *stats;
} build;

static json_t *string_list(const char *const *v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_string(v[i]));
    return a;
}

static int on_begin(void *ctx, size_t index, size_t count, const char *const *dims, size_t ndims,
                    char **path, json_t **meta, vrv_error *err)
{
    build *b = ctx;
    const vrv_publish_schema *s = b->s;
    free(b->cur.version);
    memset(&b->cur, 0, sizeof b->cur);
    int rc = b->ident(b->ident_ctx, b->chunk, index, count, &b->cur, err);
    if (rc < 0) return rc;
    if (!b->cur.version)
        return vrv_error_set(err, VRV_EINTERNAL, "segment identity without a version");
    vrv_buf p = VRV_BUF_INIT;
    vrv_buf_printf(&p, "%s/%lld_%lld_%d.vseg", s->work_dir, (long long)b->cur.interval.start,
                   (long long)b->cur.interval.end, (int)b->cur.partition_num);
    *path = vrv_buf_detach(&p);
    vrv_buf iv = VRV_BUF_INIT;
    vrv_interval_append(&iv, b->cur.interval);
    json_t *m = json_object();
    json_object_set_new(m, "dataSource", json_string(s->data_source));
    json_object_set_new(m, "interval", json_stringn(iv.data, iv.len));
    json_object_set_new(m, "version", json_string(b->cur.version));
    json_object_set_new(m, "partitionNum", json_integer(b->cur.partition_num));
    json_object_set_new(m, "shardSpec",
                        json_pack("{s:s, s:i, s:i}", "type", "numbered", "partitionNum",
                                  (int)b->cur.partition_num, "partitions",
                                  (int)b->cur.core_partitions));
    json_object_set_new(m, "aggregators", vrv_task_combining_json(s->metrics));
    json_object_set_new(m, "queryGranularity",
                        s->query_gran ? vrv_gran_to_json(s->query_gran) : json_null());
    json_object_set_new(m, "rollup", json_boolean(s->rollup));
    json_object_set_new(m, "timestampSpec", s->timestamp_spec ? json_deep_copy(s->timestamp_spec)
                                                              : json_null());
    json_object_set_new(m, "dimensions", string_list(dims, ndims));
    json_t *mets = json_array();
    for (size_t i = 0; s->metrics && i < s->metrics->n; i++)
        json_array_append_new(mets, json_string(s->metrics->v[i]->name));
    json_object_set_new(m, "metrics", mets);
    *meta = m;
    vrv_buf_free(&iv);
    return 0;
}

static int on_done(void *ctx, size_t index, const vrv_merge_result *r, vrv_error *err)
{
    (void)index;
    build *b = ctx;
    const vrv_publish_schema *s = b->s;
    char start[VRV_TIME_STR_MAX], end[VRV_TIME_STR_MAX];
    vrv_time_format(b->cur.interval.start, start);
    vrv_time_format(b->cur.interval.end, end);
    vrv_deep_key key = {.data_source = s->data_source,
                        .start = start,
                        .end = end,
                        .version = b->cur.version,
                        .partition_num = b->cur.partition_num,
                        .unique = s->deep_unique};
    char *load_spec = NULL;
    uint64_t size = 0;
    int rc = vrv_deep_push(s->deep, r->path, &key, &load_spec, &size, err);
    if (rc < 0) {
        vrv_error_prefix(err, "pushing segment of %s", s->data_source);
        return rc;
    }
    json_t *ds = vrv_publish_dataseg(s->data_source, &b->cur, r->dims, r->ndims, s->metrics,
                                     load_spec, size);
    VRV_INFO("task", "pushed segment [%s]: %llu rows, %llu bytes",
             json_string_value(json_object_get(ds, "identifier")), (unsigned long long)r->rows,
             (unsigned long long)size);
    json_array_append_new(b->segments, ds);
    free(load_spec);
    unlink(r->path);
    if (b->stats) {
        b->stats->segments++;
        b->stats->rows += r->rows;
        b->stats->bytes += size;
    }
    return 0;
}

int vrv_publish_build(const vrv_publish_schema *s, vrv_interval chunk, const char *const *spills,
                      size_t n, vrv_publish_ident_fn ident, void *ident_ctx, json_t *segments,
                      vrv_publish_stats *stats, vrv_error *err)
{
    if (n == 0) return 0;
    vrv_segment **segs;
    int rc = open_spills(spills, n, &segs, err);
    if (rc < 0) return rc;
    build b = {.s = s,
               .chunk = chunk,
               .ident = ident,
               .ident_ctx = ident_ctx,
               .segments = segments,
               .stats = stats};
    vrv_merge_spec ms = {.metrics = s->metrics,
                         .rollup = s->rollup,
                         .max_rows = s->max_rows_per_segment,
                         .writer = s->writer,
                         .begin = on_begin,
                         .done = on_done,
                         .ctx = &b};
    rc = vrv_task_merge(segs, n, &ms, err);
    free(b.cur.version);
    close_spills(segs, n);
    return rc;
}

int vrv_publish_commit(vrv_action_client *c, const json_t *segments, const json_t *drop,
                       const json_t *extra, json_t **result, vrv_error *err)
{
    if (result) *result = NULL;
    json_t *a = json_object();
    json_object_set_new(a, "type", json_string("segmentTransactionalInsert"));
    json_object_set_new(a, "segments", segments ? json_deep_copy(segments) : json_array());
    if (drop && json_array_size(drop) > 0)
        json_object_set_new(a, "segmentsToBeDropped", json_deep_copy(drop));
    const char *k;
    json_t *v;
    if (extra)
        json_object_foreach((json_t *)extra, k, v) json_object_set(a, k, v);
    json_t *res = NULL;
    int rc = vrv_action_submit(c, a, &res, err);
    json_decref(a);
    if (rc == 0 && !json_is_true(json_object_get(res, "success"))) {
        const char *msg = json_string_value(json_object_get(res, "errorMsg"));
        rc = vrv_error_set(err, VRV_ECONFLICT, "publishing segments failed: %s",
                           msg ? msg : "the overlord did not accept them");
    }
    /* A refused publish hands its result back too: a stream task reads
     * Druid's errorMsg and checks whether a replica published first. */
    if (result && json_is_object(res))
        *result = res;
    else
        json_decref(res);
    return rc;
}
