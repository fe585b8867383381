/*
 * stream_task.c — the streaming task's run loop, persist, checkpoints,
 * publishing, handoff and its chat endpoints (see stream_task.h).
 *
 * Threads: the run function is the only reader of the stream and the only
 * writer of sinks, spills and the commit file. Chat handlers run on the
 * task's HTTP threads; what they share with the run loop (status, the pause
 * and stop flags, the sequence list, the end positions, a snapshot of the
 * current positions, the saved parse exceptions) is guarded by stask.mu. The
 * run loop changes the sequence list only under mu, and handlers change it
 * only while the loop is PAUSED (waiting on mu), so the loop may read it
 * without the lock.
 *
 * Queries (POST /druid/v2, the broker's per-segment requests of segserve.h)
 * and the segment list (GET /druid-internal/v1/segments) also run on the
 * HTTP threads. What they read of the sinks — the sink list, each sink's
 * index pointer, its committed spills and whether it is published — is
 * guarded by stask.qmu: the run loop takes it for every change to those
 * (a new sink, a new index, the swap of an index for its spill at persist,
 * a sink leaving at handoff) and reads them without it, being their only
 * writer. Rows are added to an index without the lock: the index serves one
 * writer and concurrent readers (ingest/index.h), and a query copies what it
 * needs under qmu (query/index_view.h: copies of the rows kept between
 * queries, extended by the rows new since the last one) or holds a reference
 * to the open spill files, so the loop never waits for a query to finish. A row is thus
 * visible to queries once the loop added it, and stays visible exactly once
 * through persist (index and spill swap atomically), publish (the sinks of
 * a published sequence are still served) and handoff (a sink leaves only
 * once the coordinator says a historical serves its segment).
 *
 * Publishing is done by the run loop itself, between polls: a sequence whose
 * partitions are all read to its end is persisted, merged, pushed and
 * committed before reading goes on. A pause requested meanwhile is answered
 * 202 and seen once the publish is over, as Druid's supervisor expects.
 */
#include "task/stream_task.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fault.h"
#include "base/fsutil.h"
#include "base/granularity.h"
#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/vec.h"
#include "ingest/pipeline.h"
#include "json/jutil.h"
#include "json/jwriter.h"
#include "query/adapter.h"
#include "query/index_view.h"
#include "segment/segid.h"
#include "server/http_client.h"
#include "server/segserve.h"
#include "stream/kafka.h"
#include "stream/kinesis.h"
#include "stream/supplier.h"
#include "task/merge.h"
#include "task/publish.h"
#include "task/report.h"
#include "task/stream_payload.h"
#include "task/stream_state.h"
#include "task/taskdir.h"

#define MOD "stask"
#define PAUSE_WAIT_MS  2000 /* POST pause answers 202 after this long (Druid: 2 s) */
#define RESUME_WAIT_MS 5000 /* POST resume fails after this long (Druid: 5 s) */

typedef enum st_status {
    ST_NOT_STARTED = 0,
    ST_STARTING,
    ST_READING,
    ST_PAUSED,
    ST_PUBLISHING,
} st_status;

static const char *const STATUS_NAMES[] = {"NOT_STARTED", "STARTING", "READING", "PAUSED",
                                           "PUBLISHING"};

/* A committed spill file opened for queries: shared by the sink and the
 * queries reading it; the last reference closes it. */
typedef struct spill {
    vrv_segment *seg;
    atomic_int refs;
} spill;

static void spill_unref(spill *sp)
{
    if (sp && atomic_fetch_sub(&sp->refs, 1) == 1) {
        vrv_segment_close(sp->seg);
        free(sp);
    }
}

/* One open segment: the rows of one sequence in one segment interval. */
typedef struct sink {
    char *id;             /* the allocated segment id */
    char *seq_name;       /* the sequence it belongs to */
    json_t *segment;      /* the allocation's SegmentIdWithShardSpec */
    vrv_interval iv;
    char *version;
    int32_t partition_num, core;
    vrv_index *idx;       /* rows since the last persist; NULL when none */
    vrv_index *frozen;    /* rows a background persist is writing; NULL when none */
    vrv_index_view *frozen_view; /* queries' copies of frozen's rows (qmu) */
    int hydrants;         /* committed spill files */
    uint64_t spilled_rows;
    bool touched;         /* got a row from the record being processed */
    bool published;       /* its sequence is published: served until handed off */
    spill **spills;       /* [hydrants], opened by the first query that needs them */
    char *dims;           /* dimensions of the spilled rows, comma-joined ("" none) */
    vrv_index_view *view; /* queryable copies of idx's rows, kept between queries (qmu) */
} sink;

/* A published segment waiting for the coordinator to serve it. */
typedef struct handoff {
    char *id;
    vrv_interval iv;
    char *version;
    int32_t partition_num;
} handoff;

typedef struct stask {
    vrv_task_env *env;
    vrv_stask_payload pl;
    vrv_stream_type type;
    const char *stream;
    char *persist_dir;
    char *out_dir;
    vrv_pipeline *pipe;
    vrv_supplier *sup;
    vrv_gran seg_gran;
    vrv_seg_writer_opts spill_opts;
    bool want_headers;     /* the `kafka` input format reads record headers */
    vrv_publish_schema pub;
    json_t *timestamp_spec;

    /* ---- shared with the chat handlers, under mu ---- */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    st_status status;
    bool pause_requested;
    bool stop_requested;   /* stop endpoint (SIGTERM is vrv_task_stop_requested) */
    vrv_stask_seqs seqs;
    vrv_posmap end;        /* the task-level end positions */
    vrv_posmap curr_shared;/* the loop's current positions, as of its last pause check */
    vrv_ms start_time;     /* 0 before the run starts */
    const char *ingestion_state;
    char *background_error;/* a chat handler's failure that must fail the task */
    json_t *events;        /* saved parse exceptions, as the report lists them */
    vrv_ms next_checkpoint_ms;

    /* ---- the run loop's own ---- */
    vrv_posmap curr;       /* next position to read per partition */
    VRV_VEC(sink *) sinks;
    sink *last_sink;
    const vrv_stask_seq *cur_seq;
    VRV_VEC(handoff) handoffs;
    vrv_ms last_handoff_poll;
    vrv_ms last_persist_ms;
    struct bg_persist *bg; /* the persist being written in the background, or NULL */
    bool persist_failed;   /* a persist failed: its rows are in no spill, so no commit may
                              follow (Druid's appenderator keeps its persistError) */
    uint64_t *part_rows;   /* rows added per partition of pl.start (recordsProcessed) */
    vrv_row_stats stats_base; /* row counters restored from the commit: the records read
                              before the restart, which this process's pipeline did not see */
    uint64_t errors_seen;  /* unparseable + processedWithError when events was built */
    size_t near;           /* where the last record's partition was found in curr: records
                              come in runs of one partition (process_record) */
    bool prev_taken;       /* Kinesis: the last whole record read went to a sequence, so
                              its further KPL user records (VRV_REC_SUBRECORD) go there too */
    vrv_task_meters meters;
    vrv_http_client *http; /* coordinator calls */

    /* ---- what queries read: see the threading note at the top ---- */
    pthread_mutex_t qmu;
    json_t *rt_meta;       /* the footer metadata a real-time segment would have */
    uint64_t list_gen;     /* bumped whenever the segment list changes (under qmu) */
    uint64_t list_hash;    /* hash of the list as last served (under qmu) */
} stask;

/* ---- small helpers --------------------------------------------------------------- */

static vrv_ms now_ms(void)
{
    return vrv_task_now_ms();
}

static bool stopping(stask *st)
{
    pthread_mutex_lock(&st->mu);
    bool s = st->stop_requested;
    pthread_mutex_unlock(&st->mu);
    return s || vrv_task_stop_requested();
}

static void set_status(stask *st, st_status s)
{
    pthread_mutex_lock(&st->mu);
    st->status = s;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
}

static void set_state(stask *st, const char *state)
{
    pthread_mutex_lock(&st->mu);
    st->ingestion_state = state;
    pthread_mutex_unlock(&st->mu);
}

/* Waits on cv until the absolute wall-clock deadline. */
static void wait_until(stask *st, vrv_ms deadline)
{
    vrv_ms now = now_ms();
    if (deadline <= now) return;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (deadline - now) * 1000000L;
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    pthread_cond_timedwait(&st->cv, &st->mu, &ts);
}

/* {"<partition>": <position>, ...} */
static json_t *offsets_json(const vrv_posmap *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->n; i++) {
        const vrv_pos *p = &m->v[i].pos;
        if (p->stream == VRV_STREAM_KAFKA) {
            json_object_set_new(o, m->v[i].part.id, json_integer((json_int_t)p->offset));
        } else {
            char t[VRV_POS_TEXT_MAX + 1];
            vrv_pos_format(p, t, sizeof t);
            json_object_set_new(o, m->v[i].part.id, json_string(t));
        }
    }
    return o;
}

/* Java's toString of a map of positions: {0=5, 1=7}. */
static void offsets_string(vrv_buf *b, const vrv_posmap *m)
{
    vrv_buf_putc(b, '{');
    for (size_t i = 0; i < m->n; i++) {
        char t[VRV_POS_TEXT_MAX + 1];
        vrv_pos_format(&m->v[i].pos, t, sizeof t);
        vrv_buf_printf(b, "%s%s=%s", i ? ", " : "", m->v[i].part.id, t);
    }
    vrv_buf_putc(b, '}');
}

static void seq_string(vrv_buf *b, const vrv_stask_seq *q)
{
    vrv_buf_printf(b, "SequenceMetadata{sequenceId=%d, sequenceName='%s', startOffsets=", q->id,
                   q->name);
    offsets_string(b, &q->start);
    vrv_buf_puts(b, ", endOffsets=");
    offsets_string(b, &q->end);
    vrv_buf_printf(b, ", checkpointed=%s}", q->checkpointed ? "true" : "false");
}

static vrv_seg_codec codec_of(vrv_spec_compression c)
{
    switch (c) {
    case VRV_SPEC_COMP_ZSTD: return VRV_SEG_CODEC_ZSTD;
    case VRV_SPEC_COMP_UNCOMPRESSED:
    case VRV_SPEC_COMP_NONE: return VRV_SEG_CODEC_NONE;
    case VRV_SPEC_COMP_LZ4:
    case VRV_SPEC_COMP_LZF: break; /* no LZF in varve: its closest fast codec */
    }
    return VRV_SEG_CODEC_LZ4;
}

static vrv_seg_writer_opts writer_opts(const vrv_spec_index_spec *is)
{
    vrv_seg_writer_opts o = {codec_of(is->dimension_compression), codec_of(is->metric_compression)};
    return o;
}

static json_t *timestamp_spec_json(const vrv_spec_timestamp *t)
{
    json_t *o = json_pack("{s:s, s:s}", "column", t->column, "format", t->format);
    if (t->has_missing_value) {
        char s[VRV_TIME_STR_MAX];
        vrv_time_format(t->missing_value, s);
        json_object_set_new(o, "missingValue", json_string(s));
    } else {
        json_object_set_new(o, "missingValue", json_null());
    }
    return o;
}

/* ---- sinks ---------------------------------------------------------------------------- */

static void sink_free(sink *s)
{
    if (!s) return;
    for (int h = 0; s->spills && h < s->hydrants; h++) spill_unref(s->spills[h]);
    free(s->spills);
    free(s->dims);
    free(s->id);
    free(s->seq_name);
    free(s->version);
    json_decref(s->segment);
    vrv_index_view_free(s->view);
    vrv_index_view_free(s->frozen_view);
    vrv_index_free(s->idx);
    vrv_index_free(s->frozen);
    free(s);
}

static uint64_t sink_rows(const sink *s)
{
    return s->spilled_rows + (s->frozen ? vrv_index_rows(s->frozen) : 0) +
           (s->idx ? vrv_index_rows(s->idx) : 0);
}

/* A sink from an allocation's SegmentIdWithShardSpec. */
static sink *sink_from_segment(const char *ds, const json_t *seg, const char *seq_name,
                               vrv_error *err)
{
    const char *ivs = json_string_value(json_object_get(seg, "interval"));
    const char *ver = json_string_value(json_object_get(seg, "version"));
    const json_t *shard = json_object_get(seg, "shardSpec");
    json_t *pn = json_object_get(shard, "partitionNum");
    json_t *core = json_object_get(shard, "partitions");
    vrv_interval iv;
    if (!ivs || !ver || !json_is_integer(pn) ||
        vrv_interval_parse(ivs, strlen(ivs), &iv, NULL) < 0) {
        char *t = json_dumps(seg, JSON_COMPACT);
        vrv_error_set(err, VRV_EINVAL, "not a segment identifier: %s", t ? t : "null");
        free(t);
        return NULL;
    }
    sink *s = vrv_calloc(1, sizeof *s);
    s->iv = iv;
    s->version = vrv_strdup(ver);
    s->partition_num = (int32_t)json_integer_value(pn);
    s->core = json_is_integer(core) ? (int32_t)json_integer_value(core) : 0;
    s->id = vrv_segid_format(ds, iv, ver, s->partition_num);
    s->seq_name = vrv_strdup(seq_name);
    s->segment = json_incref((json_t *)seg);
    s->dims = vrv_strdup("");
    return s;
}

/* Adds sink s to the list queries see. */
static void sink_add(stask *st, sink *s)
{
    pthread_mutex_lock(&st->qmu);
    vrv_vec_push(&st->sinks, s);
    pthread_mutex_unlock(&st->qmu);
}

/* Removes sink k from the list (and frees it once no query holds its spills). */
static void sink_remove(stask *st, size_t k)
{
    sink *s = st->sinks.v[k];
    if (st->last_sink == s) st->last_sink = NULL;
    pthread_mutex_lock(&st->qmu);
    memmove(&st->sinks.v[k], &st->sinks.v[k + 1], (st->sinks.n - k - 1) * sizeof(sink *));
    st->sinks.n--;
    pthread_mutex_unlock(&st->qmu);
    sink_free(s);
}

static sink *find_sink(stask *st, const char *seq_name, vrv_ms t)
{
    for (size_t i = 0; i < st->sinks.n; i++) {
        sink *s = st->sinks.v[i];
        if (!s->published && strcmp(s->seq_name, seq_name) == 0 && vrv_interval_contains(s->iv, t))
            return s;
    }
    return NULL;
}

/* Allocates the segment for a row at t in sequence q through the overlord
 * (Druid's SegmentAllocateAction; §5.2): replicas and restarts asking for the
 * same sequence and interval get the same id. */
static sink *allocate(stask *st, const vrv_stask_seq *q, vrv_ms t, vrv_error *err)
{
    const char *prev = NULL;
    for (size_t i = st->sinks.n; i-- > 0;)
        if (strcmp(st->sinks.v[i]->seq_name, q->name) == 0) {
            prev = st->sinks.v[i]->id;
            break;
        }
    vrv_interval bucket = vrv_gran_bucket(&st->seg_gran, t);
    char ts[VRV_TIME_STR_MAX];
    vrv_time_format(t, ts);
    vrv_buf ivb = VRV_BUF_INIT;
    vrv_segid_append_interval(&ivb, bucket);
    const vrv_spec_granularity *g = &st->pl.spec.schema.granularity;
    json_t *a = json_object();
    json_object_set_new(a, "type", json_string("segmentAllocate"));
    json_object_set_new(a, "dataSource", json_string(st->pl.data_source));
    json_object_set_new(a, "timestamp", json_string(ts));
    json_object_set_new(a, "queryGranularity", vrv_gran_to_json(&g->query));
    json_object_set_new(a, "preferredSegmentGranularity", vrv_gran_to_json(&g->segment));
    json_object_set_new(a, "sequenceName", json_string(q->name));
    json_object_set_new(a, "previousSegmentId", prev ? json_string(prev) : json_null());
    json_object_set_new(a, "skipSegmentLineageCheck", json_true());
    json_object_set_new(a, "lockGranularity", json_string("TIME_CHUNK"));
    json_object_set_new(a, "interval", json_string(ivb.data));
    vrv_buf_free(&ivb);
    json_t *res = NULL;
    vrv_error e2;
    int rc = vrv_action_submit(st->env->actions, a, &res, &e2);
    json_decref(a);
    sink *s = NULL;
    if (rc < 0) {
        vrv_error_set(err, rc, "Could not allocate segment for row with timestamp[%s]: %s", ts,
                      e2.msg);
    } else if (!json_is_object(res)) {
        vrv_error_set(err, VRV_ECONFLICT, "Could not allocate segment for row with timestamp[%s]",
                      ts);
    } else if ((s = sink_from_segment(st->pl.data_source, res, q->name, &e2)) == NULL) {
        vrv_error_set(err, VRV_EINTERNAL, "Could not allocate segment for row with timestamp[%s]: %s",
                      ts, e2.msg);
    }
    json_decref(res);
    if (!s) return NULL;
    if (!vrv_interval_contains(s->iv, t)) {
        vrv_error_set(err, VRV_EINTERNAL,
                      "Could not allocate segment for row with timestamp[%s]: segment [%s] does "
                      "not contain it",
                      ts, s->id);
        sink_free(s);
        return NULL;
    }
    VRV_INFO(MOD, "sequence [%s]: new segment [%s]", q->name, s->id);
    sink_add(st, s);
    return s;
}

/* The pipeline's sink callback: the index of the current record's sequence
 * for a row whose (truncated) time is t. */
static vrv_index *row_sink(void *ctx, vrv_ms t, vrv_error *err)
{
    stask *st = ctx;
    sink *s = st->last_sink;
    if (!s || strcmp(s->seq_name, st->cur_seq->name) != 0 || !vrv_interval_contains(s->iv, t)) {
        s = find_sink(st, st->cur_seq->name, t);
        if (!s && !(s = allocate(st, st->cur_seq, t, err))) return NULL;
        st->last_sink = s;
    }
    if (!s->idx) {
        vrv_index *idx = vrv_pipeline_new_index(st->pipe);
        pthread_mutex_lock(&st->qmu);
        s->idx = idx;
        pthread_mutex_unlock(&st->qmu);
    }
    s->touched = true;
    return s->idx;
}

/* ---- persist --------------------------------------------------------------------------- */

/* The task's row counters: those restored plus this process's. */
static void stats_now(const stask *st, vrv_row_stats *out)
{
    const vrv_row_stats *p = vrv_pipeline_stats(st->pipe);
    const vrv_row_stats *b = &st->stats_base;
    out->processed = b->processed + p->processed;
    out->processed_bytes = b->processed_bytes + p->processed_bytes;
    out->processed_with_error = b->processed_with_error + p->processed_with_error;
    out->unparseable = b->unparseable + p->unparseable;
    out->thrown_away = b->thrown_away + p->thrown_away;
    out->thrown_null = b->thrown_null + p->thrown_null;
    out->thrown_filtered = b->thrown_filtered + p->thrown_filtered;
    out->thrown_before_min = b->thrown_before_min + p->thrown_before_min;
    out->thrown_after_max = b->thrown_after_max + p->thrown_after_max;
}

/* recordsProcessed as the commit keeps it: {"<partition id>": rows}. */
static json_t *part_rows_json(const stask *st)
{
    json_t *o = json_object();
    for (size_t i = 0; i < st->pl.start.n; i++)
        json_object_set_new(o, st->pl.start.v[i].part.id, json_integer((json_int_t)st->part_rows[i]));
    return o;
}

static void commit_of(stask *st, vrv_stask_commit *c, const int *hydrants, const uint64_t *rows)
{
    vrv_stask_commit_init(c, st->type, st->stream);
    vrv_posmap_free(&c->next);
    vrv_posmap_copy(&c->next, &st->curr);
    /* The counters go with the positions: a restart that reads again from
     * next counts from them, so no record is counted twice or missed. */
    c->has_counts = true;
    stats_now(st, &c->stats);
    c->records = part_rows_json(st);
    for (size_t i = 0; i < st->sinks.n; i++) {
        const sink *s = st->sinks.v[i];
        if (s->published) continue; /* its sequence is done: nothing to restore */
        vrv_stask_commit_add(c, s->id, s->seq_name, s->segment, hydrants ? hydrants[i] : s->hydrants,
                             rows ? rows[i] : s->spilled_rows);
    }
}

static int save_commit(stask *st, vrv_error *err)
{
    vrv_stask_commit c;
    commit_of(st, &c, NULL, NULL);
    int rc = vrv_stask_commit_save(&c, st->persist_dir, err);
    vrv_stask_commit_free(&c);
    return rc;
}

/* The footer of a sink's spill files: the segment's identity (so a query
 * reading a spill names its rows after the segment) and what
 * segmentMetadata reports of it. New reference. */
static json_t *sink_meta(const stask *st, const sink *s)
{
    json_t *m = json_deep_copy(st->rt_meta);
    vrv_buf iv = VRV_BUF_INIT;
    vrv_interval_append(&iv, s->iv);
    json_object_set_new(m, "dataSource", json_string(st->pl.data_source));
    json_object_set_new(m, "interval", json_stringn(iv.data, iv.len));
    json_object_set_new(m, "version", json_string(s->version));
    json_object_set_new(m, "partitionNum", json_integer(s->partition_num));
    json_object_set_new(m, "shardSpec", json_pack("{s:s, s:i, s:i}", "type", "numbered",
                                                  "partitionNum", (int)s->partition_num,
                                                  "partitions", (int)s->core));
    vrv_buf_free(&iv);
    return m;
}

/* csv ("a,b") with the dimensions of idx it lacks appended (malloc'd). */
static char *dims_union(const char *csv, const vrv_index *idx)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_puts(&b, csv);
    vrv_index_snapshot snap;
    if (idx) vrv_index_snapshot_take(idx, &snap);
    for (size_t d = 0; idx && d < snap.ndims; d++) {
        const char *name = snap.dims[d].name;
        size_t n = strlen(name);
        bool have = false;
        for (const char *p = b.data; p && *p && !have;) {
            const char *e = strchr(p, ',');
            size_t len = e ? (size_t)(e - p) : strlen(p);
            have = len == n && memcmp(p, name, n) == 0;
            p = e ? e + 1 : p + len;
        }
        if (have) continue;
        if (b.len) vrv_buf_putc(&b, ',');
        vrv_buf_puts(&b, name);
    }
    return vrv_buf_detach(&b);
}

/* Frees the indexes a persist spilled and their query views, taken out of
 * their sinks under qmu, and the arrays that held them. */
static void free_spilled(vrv_index **gone, vrv_index_view **views, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vrv_index_free(gone[i]);
        vrv_index_view_free(views[i]);
    }
    free(gone);
    free(views);
}

static int persist_wait(stask *st, vrv_error *err);

/* Writes every sink's in-memory rows to a new spill file, then the commit
 * naming them with the current positions: after it, a restart resumes here.
 * A persist in flight (persist_start) is finished first. */
static int persist_all(stask *st, vrv_error *err)
{
    if (persist_wait(st, err) < 0) return -1;
    if (st->persist_failed)
        return vrv_error_set(err, VRV_EIO,
                             "persist: an earlier persist failed; nothing after the last "
                             "committed persist is kept");
    size_t n = st->sinks.n;
    int *hyd = vrv_calloc(n ? n : 1, sizeof *hyd);
    uint64_t *rows = vrv_calloc(n ? n : 1, sizeof *rows);
    int rc = 0;
    size_t written = 0;
    if (n && vrv_fault_fires("persist-enospc"))
        rc = vrv_error_set(err, VRV_EIO, "persisting to %s: No space left on device", st->persist_dir);
    for (size_t i = 0; i < n && rc == 0; i++) {
        sink *s = st->sinks.v[i];
        hyd[i] = s->hydrants;
        rows[i] = s->spilled_rows;
        if (!s->idx || vrv_index_rows(s->idx) == 0) continue;
        char *dir = vrv_stask_sink_dir(st->persist_dir, s->id);
        char *path = vrv_stask_spill_path(st->persist_dir, s->id, s->hydrants);
        size_t r = 0;
        json_t *meta = sink_meta(st, s);
        rc = vrv_fs_mkdirs(dir, err);
        if (rc == 0)
            rc = vrv_task_persist(s->idx, vrv_pipeline_metrics(st->pipe), &st->spill_opts, meta,
                                  path, &r, err);
        json_decref(meta);
        free(dir);
        free(path);
        if (rc == 0) {
            hyd[i]++;
            rows[i] += r;
            written++;
        }
    }
    if (rc == 0) {
        vrv_stask_commit c;
        commit_of(st, &c, hyd, rows);
        rc = vrv_stask_commit_save(&c, st->persist_dir, err);
        vrv_stask_commit_free(&c);
    }
    if (rc == 0) {
        /* The rows move from the indexes to the spills in one step for
         * queries; the indexes are freed once no query can reach them. */
        vrv_index **gone = vrv_calloc(n ? n : 1, sizeof *gone);
        vrv_index_view **views = vrv_calloc(n ? n : 1, sizeof *views);
        pthread_mutex_lock(&st->qmu);
        for (size_t i = 0; i < n; i++) {
            sink *s = st->sinks.v[i];
            if (hyd[i] != s->hydrants) {
                char *d = dims_union(s->dims, s->idx);
                free(s->dims);
                s->dims = d;
                gone[i] = s->idx;
                s->idx = NULL;
                views[i] = s->view; /* its copies are of the rows now spilled */
                s->view = NULL;
                s->spills = vrv_realloc(s->spills, (size_t)hyd[i] * sizeof *s->spills);
                for (int h = s->hydrants; h < hyd[i]; h++) s->spills[h] = NULL;
            }
            s->hydrants = hyd[i];
            s->spilled_rows = rows[i];
        }
        pthread_mutex_unlock(&st->qmu);
        free_spilled(gone, views, n);
        if (written) VRV_DEBUG(MOD, "persisted %zu sinks", written);
    } else {
        vrv_error_prefix(err, "persist");
        st->persist_failed = true;
    }
    st->last_persist_ms = now_ms();
    free(hyd);
    free(rows);
    return rc;
}

/* ---- persisting in the background ---------------------------------------------------------
 *
 * Druid writes persists on their own executor while the task reads on, and
 * so does varve: persist_start hands every sink's index to a thread that
 * writes their spill files. The index is "frozen" (no row is added to it any
 * more; queries still read it) and reading goes on into new indexes. One
 * persist is in flight at a time (Druid's maxPendingPersists 0): the next
 * waits for it. The run loop finishes it itself (persist_finish: the commit
 * naming the new spills with the positions of the moment the indexes were
 * frozen, then the swap of each frozen index for its spill), so the loop
 * stays the only writer of sinks and of the commit file, and everything
 * else that touches spills or the commit (publish, the last persist) waits
 * for it first (persist_all).
 */
typedef struct bg_item {
    sink *s;
    char *dir, *path;
    json_t *meta;
    size_t rows; /* written */
} bg_item;

typedef struct bg_persist {
    stask *st;
    pthread_t th;
    bool threaded;
    _Atomic bool done;
    VRV_VEC(bg_item) items;
    vrv_posmap next; /* the positions when the indexes were frozen */
    vrv_row_stats stats; /* the row counters then */
    json_t *records;     /* recordsProcessed then (part_rows_json) */
    int rc;
    vrv_error err;
} bg_persist;

static void *bg_run(void *arg)
{
    bg_persist *bg = arg;
    stask *st = bg->st;
    if (vrv_fault_fires("persist-enospc"))
        bg->rc = vrv_error_set(&bg->err, VRV_EIO,
                               "persisting to %s in the background: No space left on device",
                               st->persist_dir);
    for (size_t i = 0; i < bg->items.n && bg->rc == 0; i++) {
        bg_item *it = &bg->items.v[i];
        bg->rc = vrv_fs_mkdirs(it->dir, &bg->err);
        if (bg->rc == 0)
            bg->rc = vrv_task_persist(it->s->frozen, vrv_pipeline_metrics(st->pipe), &st->spill_opts,
                                      it->meta, it->path, &it->rows, &bg->err);
    }
    atomic_store(&bg->done, true);
    return NULL;
}

static void bg_free(bg_persist *bg)
{
    for (size_t i = 0; i < bg->items.n; i++) {
        free(bg->items.v[i].dir);
        free(bg->items.v[i].path);
        json_decref(bg->items.v[i].meta);
    }
    vrv_vec_free(&bg->items);
    vrv_posmap_free(&bg->next);
    json_decref(bg->records);
    free(bg);
}

/* Waits for the persist in flight, commits it and swaps its indexes for
 * their spills. A failed write leaves the frozen indexes in their sinks and
 * nothing committed; no later commit may follow (their rows are in no
 * spill), so the task fails and its replacement reads them again from the
 * committed positions. */
static int persist_finish(stask *st, vrv_error *err)
{
    bg_persist *bg = st->bg;
    if (bg->threaded) pthread_join(bg->th, NULL);
    st->bg = NULL;
    int rc = bg->rc;
    if (rc < 0) {
        *err = bg->err;
        vrv_error_prefix(err, "persist");
    }
    if (rc == 0) {
        size_t n = st->sinks.n;
        int *hyd = vrv_calloc(n ? n : 1, sizeof *hyd);
        uint64_t *rows = vrv_calloc(n ? n : 1, sizeof *rows);
        for (size_t i = 0; i < n; i++) {
            const sink *s = st->sinks.v[i];
            hyd[i] = s->hydrants;
            rows[i] = s->spilled_rows;
            for (size_t k = 0; k < bg->items.n; k++)
                if (bg->items.v[k].s == s) {
                    hyd[i]++;
                    rows[i] += bg->items.v[k].rows;
                }
        }
        vrv_stask_commit c;
        commit_of(st, &c, hyd, rows);
        /* Rows read since the freeze are in the new indexes, not the spills:
         * a restart reads them again from here. */
        vrv_posmap_free(&c.next);
        vrv_posmap_copy(&c.next, &bg->next);
        c.stats = bg->stats;
        json_decref(c.records);
        c.records = json_incref(bg->records);
        rc = vrv_stask_commit_save(&c, st->persist_dir, err);
        vrv_stask_commit_free(&c);
        free(hyd);
        free(rows);
    }
    if (rc < 0) st->persist_failed = true;
    if (rc == 0) {
        size_t n = bg->items.n;
        vrv_index **gone = vrv_calloc(n ? n : 1, sizeof *gone);
        vrv_index_view **views = vrv_calloc(n ? n : 1, sizeof *views);
        pthread_mutex_lock(&st->qmu);
        for (size_t i = 0; i < n; i++) {
            sink *s = bg->items.v[i].s;
            char *d = dims_union(s->dims, s->frozen);
            free(s->dims);
            s->dims = d;
            gone[i] = s->frozen;
            views[i] = s->frozen_view;
            s->frozen = NULL;
            s->frozen_view = NULL;
            s->spills = vrv_realloc(s->spills, (size_t)(s->hydrants + 1) * sizeof *s->spills);
            s->spills[s->hydrants] = NULL;
            s->hydrants++;
            s->spilled_rows += bg->items.v[i].rows;
        }
        pthread_mutex_unlock(&st->qmu);
        free_spilled(gone, views, n);
        VRV_DEBUG(MOD, "persisted %zu sinks in the background", n);
    }
    bg_free(bg);
    return rc;
}

static int persist_wait(stask *st, vrv_error *err)
{
    return st->bg ? persist_finish(st, err) : 0;
}

/* Finishes the persist in flight if its files are written. */
static int persist_poll(stask *st, vrv_error *err)
{
    return st->bg && atomic_load(&st->bg->done) ? persist_finish(st, err) : 0;
}

/* Freezes every sink's index and starts writing them (after the persist in
 * flight, if any, is finished). */
static int persist_start(stask *st, vrv_error *err)
{
    if (persist_wait(st, err) < 0) return -1;
    bg_persist *bg = vrv_calloc(1, sizeof *bg);
    bg->st = st;
    atomic_init(&bg->done, false);
    pthread_mutex_lock(&st->qmu);
    for (size_t i = 0; i < st->sinks.n; i++) {
        sink *s = st->sinks.v[i];
        if (!s->idx || vrv_index_rows(s->idx) == 0) continue;
        bg_item it = {s, vrv_stask_sink_dir(st->persist_dir, s->id),
                      vrv_stask_spill_path(st->persist_dir, s->id, s->hydrants), sink_meta(st, s), 0};
        vrv_vec_push(&bg->items, it);
        vrv_index_view_free(s->frozen_view);
        s->frozen = s->idx;
        s->frozen_view = s->view;
        s->idx = NULL;
        s->view = NULL;
    }
    pthread_mutex_unlock(&st->qmu);
    st->last_persist_ms = now_ms();
    if (bg->items.n == 0) {
        bg_free(bg);
        return 0;
    }
    vrv_posmap_copy(&bg->next, &st->curr);
    stats_now(st, &bg->stats);
    bg->records = part_rows_json(st);
    st->bg = bg;
    bg->threaded = pthread_create(&bg->th, NULL, bg_run, bg) == 0;
    if (!bg->threaded) bg_run(bg); /* no thread to be had: write it now */
    return 0;
}

/* Druid's persist triggers: rows or bytes in memory, or (with_period) the
 * period. The record loop leaves the period to the check after each batch:
 * reading the clock costs more per record than the rest of the check. */
static bool persist_due(stask *st, bool with_period)
{
    const vrv_spec_stream_tuning *t = &st->pl.spec.tuning;
    uint64_t rows = 0, bytes = 0;
    for (size_t i = 0; i < st->sinks.n; i++) {
        const sink *s = st->sinks.v[i];
        if (!s->idx) continue; /* published sinks never have one */
        rows += vrv_index_rows(s->idx);
        bytes += vrv_index_bytes(s->idx);
    }
    if (rows == 0) return false;
    return rows >= (uint64_t)t->c.max_rows_in_memory ||
           (int64_t)bytes >= t->c.max_bytes_in_memory_effective ||
           (with_period && now_ms() - st->last_persist_ms >= t->intermediate_persist_period);
}

/* ---- handoff -------------------------------------------------------------------------- */

static void handoff_clear(handoff *h)
{
    free(h->id);
    free(h->version);
}

static void pct_append(vrv_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            vrv_buf_putc(b, (char)c);
        else
            vrv_buf_printf(b, "%%%02X", c);
    }
}

/* A sink whose segment a historical now serves leaves the task: queries
 * that still ask the task for it are answered that it is missing, and the
 * broker reads the historical's copy instead. */
static void drop_handed_off(stask *st, const char *id)
{
    for (size_t k = 0; k < st->sinks.n; k++) {
        sink *s = st->sinks.v[k];
        if (!s->published || strcmp(s->id, id) != 0) continue;
        char *dir = vrv_stask_sink_dir(st->persist_dir, s->id);
        sink_remove(st, k);
        vrv_fs_remove_tree(dir, NULL); /* spills still read stay mapped */
        free(dir);
        return;
    }
}

/* Asks the coordinator once about every waiting segment; drops the ones
 * handed off. */
static void handoff_poll(stask *st)
{
    st->last_handoff_poll = now_ms();
    for (size_t i = 0; i < st->handoffs.n;) {
        handoff *h = &st->handoffs.v[i];
        vrv_buf url = VRV_BUF_INIT, iv = VRV_BUF_INIT;
        vrv_segid_append_interval(&iv, h->iv);
        vrv_buf_printf(&url, "%s/druid/coordinator/v1/datasources/",
                       vrv_action_client_url(st->env->actions));
        pct_append(&url, st->pl.data_source);
        vrv_buf_puts(&url, "/handoffComplete?interval=");
        pct_append(&url, iv.data);
        vrv_buf_printf(&url, "&partitionNumber=%d&version=", h->partition_num);
        pct_append(&url, h->version);
        vrv_http_result res = {0};
        vrv_error err;
        bool done = false;
        if (vrv_http_client_get(st->http, url.data, &res, &err) == 0 && res.status == 200)
            done = res.body.data && strncmp(res.body.data, "true", 4) == 0;
        vrv_http_result_free(&res);
        vrv_buf_free(&url);
        vrv_buf_free(&iv);
        if (done) {
            VRV_INFO(MOD, "segment [%s] handed off", h->id);
            drop_handed_off(st, h->id);
            handoff_clear(h);
            st->handoffs.v[i] = st->handoffs.v[--st->handoffs.n];
            continue;
        }
        i++;
    }
}

/* ---- sequences ---------------------------------------------------------------------- */

static int init_sequences(stask *st, vrv_error *err)
{
    bool found;
    int rc = vrv_stask_seqs_load(st->persist_dir, st->type, st->stream, &st->seqs, &found, err);
    if (rc < 0 || found) {
        if (found) VRV_INFO(MOD, "restored %zu sequences from %s", st->seqs.n, VRV_STASK_SEQUENCES);
        return rc;
    }
    const vrv_stask_payload *pl = &st->pl;
    if (pl->n_checkpoints == 0)
        return vrv_stask_seqs_add(&st->seqs, 0, pl->base_sequence_name, &pl->start, &st->end, false,
                                  err);
    /* A replacement task reproduces its group's sequence boundaries: every
     * checkpoint but the last is a sequence with a known end. */
    for (size_t i = 0; i < pl->n_checkpoints && rc == 0; i++) {
        vrv_posmap start;
        vrv_posmap_copy(&start, &pl->checkpoints[i].start);
        /* The first sequence starts as the ioConfig says; a later one starts
         * where a checkpoint ended the one before, which for Kinesis (ends
         * inclusive) was read already (computeExclusiveStartPartitions). */
        bool same = vrv_posmap_equal(&start, &pl->start, false);
        for (size_t k = 0; k < start.n; k++) {
            const vrv_pos *o = vrv_posmap_get(&pl->start, &start.v[k].part);
            start.v[k].pos.exclusive =
                same ? o && o->exclusive : st->type == VRV_STREAM_KINESIS;
        }
        bool last = i + 1 == pl->n_checkpoints;
        rc = vrv_stask_seqs_add(&st->seqs, pl->checkpoints[i].id, pl->base_sequence_name, &start,
                                last ? &st->end : &pl->checkpoints[i + 1].start, !last, err);
        vrv_posmap_free(&start);
    }
    return rc;
}

static bool same_partitions(const vrv_posmap *a, const vrv_posmap *b)
{
    if (a->n != b->n) return false;
    for (size_t i = 0; i < a->n; i++)
        if (!vrv_part_equal(&a->v[i].part, &b->v[i].part)) return false;
    return true;
}

static void parts_string(vrv_buf *b, const vrv_posmap *m)
{
    vrv_buf_putc(b, '[');
    for (size_t i = 0; i < m->n; i++) vrv_buf_printf(b, "%s%s", i ? ", " : "", m->v[i].part.id);
    vrv_buf_putc(b, ']');
}

/* Restores the committed spills and the positions saved with them, or starts
 * at the first sequence's start. */
static int restore_commit(stask *st, vrv_error *err)
{
    vrv_stask_commit c;
    bool found;
    int rc = vrv_stask_commit_load(st->persist_dir, st->type, &c, &found, err);
    if (rc < 0) return rc;
    if (!found) {
        rc = vrv_stask_commit_clean(st->persist_dir, NULL, NULL, err);
        if (rc < 0) return rc;
        const vrv_posmap *s0 = st->seqs.n ? &st->seqs.v[0].start : &st->pl.start;
        for (size_t i = 0; i < s0->n; i++) {
            const vrv_pos *o = vrv_posmap_get(&st->pl.start, &s0->v[i].part);
            if (!o || vrv_pos_cmp(&s0->v[i].pos, o) < 0)
                return vrv_error_set(err, VRV_EINVAL,
                                     "Sequence sequences are not compatible with start sequences "
                                     "of task (partition[%s])",
                                     s0->v[i].part.id);
        }
        vrv_posmap_free(&st->curr);
        vrv_posmap_copy(&st->curr, s0);
        /* Kafka starts are inclusive; a Kinesis start keeps its exclusive flag
         * (the record there was read by an earlier task). */
        if (st->type == VRV_STREAM_KAFKA)
            for (size_t i = 0; i < st->curr.n; i++) st->curr.v[i].pos.exclusive = false;
        return 0;
    }
    if (strcmp(c.next.stream, st->stream) != 0) {
        rc = vrv_error_set(err, VRV_EINVAL, "Restored stream[%s] but expected stream[%s]",
                           c.next.stream, st->stream);
    } else if (!same_partitions(&c.next, &st->pl.start)) {
        vrv_buf b = VRV_BUF_INIT;
        vrv_buf_puts(&b, "Restored partitions");
        parts_string(&b, &c.next);
        vrv_buf_puts(&b, " but expected partitions");
        parts_string(&b, &st->pl.start);
        rc = vrv_error_set(err, VRV_EINVAL, "%s", b.data);
        vrv_buf_free(&b);
    }
    if (rc < 0) {
        vrv_stask_commit_free(&c);
        return rc;
    }
    /* The counters of the records before next: reading resumes there. */
    if (c.has_counts) {
        st->stats_base = c.stats;
        for (size_t i = 0; i < st->pl.start.n; i++) {
            json_t *v = json_object_get(c.records, st->pl.start.v[i].part.id);
            st->part_rows[i] = json_is_integer(v) ? (uint64_t)json_integer_value(v) : 0;
        }
        vrv_task_meters_mark(&st->meters, &st->stats_base);
        VRV_INFO(MOD,
                 "restored the row counters: processed %llu, processedWithError %llu, "
                 "unparseable %llu, thrownAway %llu",
                 (unsigned long long)c.stats.processed,
                 (unsigned long long)c.stats.processed_with_error,
                 (unsigned long long)c.stats.unparseable, (unsigned long long)c.stats.thrown_away);
    }
    /* Sinks of sequences published before the restart are gone for good. */
    vrv_stask_commit keep;
    vrv_stask_commit_init(&keep, st->type, st->stream);
    vrv_posmap_free(&keep.next);
    vrv_posmap_copy(&keep.next, &c.next);
    for (size_t i = 0; i < c.n; i++) {
        bool live = false;
        for (size_t k = 0; k < st->seqs.n && !live; k++)
            live = strcmp(st->seqs.v[k].name, c.sinks[i].sequence_name) == 0;
        if (live)
            vrv_stask_commit_add(&keep, c.sinks[i].id, c.sinks[i].sequence_name, c.sinks[i].segment,
                                 c.sinks[i].hydrants, c.sinks[i].rows);
    }
    vrv_stask_commit_free(&c);
    size_t removed = 0;
    rc = vrv_stask_commit_clean(st->persist_dir, &keep, &removed, err);
    for (size_t i = 0; i < keep.n && rc == 0; i++) {
        vrv_error e2;
        sink *s = sink_from_segment(st->pl.data_source, keep.sinks[i].segment,
                                    keep.sinks[i].sequence_name, &e2);
        if (!s) {
            rc = vrv_error_set(err, VRV_ECORRUPT, "%s/%s: sink [%s]: %s", st->persist_dir,
                               VRV_STASK_COMMIT, keep.sinks[i].id, e2.msg);
            break;
        }
        s->hydrants = keep.sinks[i].hydrants;
        s->spilled_rows = keep.sinks[i].rows;
        s->spills = vrv_calloc(s->hydrants ? (size_t)s->hydrants : 1, sizeof *s->spills);
        for (int h = 0; h < s->hydrants && rc == 0; h++) {
            char *p = vrv_stask_spill_path(st->persist_dir, s->id, h);
            if (!vrv_fs_exists(p))
                rc = vrv_error_set(err, VRV_ECORRUPT, "committed spill file %s is missing", p);
            free(p);
        }
        if (rc < 0) {
            sink_free(s);
            break;
        }
        sink_add(st, s);
    }
    if (rc == 0) {
        vrv_posmap_free(&st->curr);
        vrv_posmap_copy(&st->curr, &keep.next);
        /* Kinesis: a persisted position is the last record read, so reading
         * resumes after it — unless it is still the task's own inclusive
         * start, which was never read (Druid's lastReadOffsets). */
        for (size_t i = 0; i < st->curr.n && st->type == VRV_STREAM_KINESIS; i++) {
            vrv_pos *np = &st->curr.v[i].pos;
            const vrv_pos *o = vrv_posmap_get(&st->pl.start, &st->curr.v[i].part);
            np->exclusive = np->kind == VRV_POS_SEQ && !(o && vrv_pos_same(o, np) && !o->exclusive);
        }
        VRV_INFO(MOD, "restored %zu sinks (%zu uncommitted files removed); reading again from the "
                      "persisted positions",
                 keep.n, removed);
        if (st->seqs.n == 0 || st->seqs.v[st->seqs.n - 1].checkpointed) {
            const vrv_posmap *e = st->seqs.n ? &st->seqs.v[st->seqs.n - 1].end : &st->curr;
            for (size_t i = 0; i < e->n; i++) vrv_posmap_set(&st->end, &e->v[i].part, &e->v[i].pos);
        }
        rc = save_commit(st, err);
    }
    vrv_stask_commit_free(&keep);
    return rc;
}

/* ---- publishing ----------------------------------------------------------------------- */

static int ident_of_sink(void *ctx, vrv_interval chunk, size_t index, size_t count,
                         vrv_publish_ident *out, vrv_error *err)
{
    const sink *s = ctx;
    (void)chunk;
    if (count != 1 || index != 0)
        return vrv_error_set(err, VRV_EINTERNAL, "segment [%s] merged into %zu segments", s->id,
                             count);
    out->interval = s->iv;
    out->version = vrv_strdup(s->version);
    out->partition_num = s->partition_num;
    out->core_partitions = s->core;
    return 0;
}

static void add_handoff(stask *st, const char *id, vrv_interval iv, const char *version,
                        int32_t part)
{
    handoff h = {vrv_strdup(id), iv, vrv_strdup(version), part};
    vrv_vec_push(&st->handoffs, h);
}

/* The ids of segments (DataSegment JSON array), sorted, joined by ','. */
static char *id_set(const json_t *segs)
{
    size_t n = json_array_size(segs);
    char **ids = vrv_calloc(n ? n : 1, sizeof *ids);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(segs, i);
        const char *id = json_string_value(json_object_get(s, "identifier"));
        if (!id) id = json_string_value(json_object_get(s, "id"));
        ids[i] = id ? (char *)id : "";
    }
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && strcmp(ids[k - 1], ids[k]) > 0; k--) {
            char *t = ids[k];
            ids[k] = ids[k - 1];
            ids[k - 1] = t;
        }
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_puts(&b, "");
    for (size_t i = 0; i < n; i++) vrv_buf_printf(&b, "%s%s", i ? "," : "", ids[i]);
    free(ids);
    return vrv_buf_detach(&b);
}

/* After a refused publish: are exactly our segments published already (a
 * replica won the race, or our own earlier attempt went through)? */
static int already_published(stask *st, const json_t *ours, bool *yes, json_t **published,
                             vrv_error *err)
{
    *yes = false;
    *published = NULL;
    size_t n = json_array_size(ours);
    if (n == 0) {
        *yes = true; /* Druid: the empty set equals the empty set */
        return 0;
    }
    json_t *ivs = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append(ivs, json_object_get(json_array_get(ours, i), "interval"));
    json_t *a = json_pack("{s:s, s:s, s:o}", "type", "retrieveUsedSegments", "dataSource",
                          st->pl.data_source, "intervals", ivs);
    json_t *used = NULL;
    int rc = vrv_action_submit(st->env->actions, a, &used, err);
    json_decref(a);
    if (rc < 0) return rc;
    /* Keep only the used segments whose ids are ours. */
    char *want = id_set(ours);
    json_t *mine = json_array();
    size_t k;
    json_t *u;
    json_array_foreach(used, k, u)
    {
        const char *id = json_string_value(json_object_get(u, "identifier"));
        for (size_t i = 0; id && i < n; i++) {
            const char *o = json_string_value(json_object_get(json_array_get(ours, i), "identifier"));
            if (o && strcmp(o, id) == 0) {
                json_array_append(mine, u);
                break;
            }
        }
    }
    char *have = id_set(mine);
    *yes = strcmp(want, have) == 0;
    free(want);
    free(have);
    *published = mine;
    json_decref(used);
    return 0;
}

/* After "our segments are published already": are the stored positions at
 * or past q's end on every partition? Only then was q itself committed (by a
 * replica, or by our own earlier attempt); segments with our ids but the
 * positions short of our end are another sequence's rows under the same
 * names, and taking them for ours would lose the records in between. */
static int check_committed(stask *st, const vrv_stask_seq *q, const char *why, vrv_error *err)
{
    json_t *a = json_pack("{s:s, s:s}", "type", "varveRetrieveDataSourceMetadata", "supervisorId",
                          st->pl.supervisor_id);
    json_t *stored = NULL;
    vrv_error e2;
    int rc = vrv_action_submit(st->env->actions, a, &stored, &e2);
    json_decref(a);
    vrv_posmap m = {0};
    bool have = false;
    if (rc == 0 && stored && !json_is_null(stored)) {
        rc = vrv_posmap_from_metadata_json(stored, "stored metadata", &m, &e2);
        have = rc == 0;
    }
    json_decref(stored);
    if (rc < 0)
        return vrv_error_set(err, VRV_EIO,
                             "Failed to publish segments because of [%s]; reading the stored "
                             "offsets failed: %s",
                             why ? why : "unknown", e2.msg);
    rc = vrv_stask_offsets_cover(have ? &m : NULL, &q->end, &e2);
    if (have) vrv_posmap_free(&m);
    if (rc < 0)
        return vrv_error_set(err, VRV_ECONFLICT,
                             "Failed to publish segments because of [%s]: segments with the ids of "
                             "sequence [%s] are published, but its end offsets are not committed: "
                             "%s",
                             why ? why : "unknown", q->name, e2.msg);
    return 0;
}

/* Publishes sequence i: its sinks merged and pushed, then one transaction
 * with its start and end positions (§4.8). On success the sequence leaves
 * the list and its segments wait for handoff. */
static int publish_seq(stask *st, size_t i, vrv_error *err)
{
    int rc = persist_all(st, err);
    if (rc < 0) return rc;
    vrv_stask_seq *q = &st->seqs.v[i];
    json_t *segs = json_array();
    for (size_t k = 0; k < st->sinks.n && rc == 0; k++) {
        sink *s = st->sinks.v[k];
        if (strcmp(s->seq_name, q->name) != 0 || s->hydrants == 0) continue;
        char **spills = vrv_calloc((size_t)s->hydrants, sizeof *spills);
        for (int h = 0; h < s->hydrants; h++) spills[h] = vrv_stask_spill_path(st->persist_dir, s->id, h);
        rc = vrv_publish_build(&st->pub, s->iv, (const char *const *)spills, (size_t)s->hydrants,
                               ident_of_sink, s, segs, NULL, err);
        for (int h = 0; h < s->hydrants; h++) free(spills[h]);
        free(spills);
    }
    if (rc < 0) {
        json_decref(segs);
        return rc;
    }
    size_t nseg = json_array_size(segs);
    if (nseg) vrv_fault_point("publish-pushed");
    bool skip = nseg == 0 && vrv_posmap_equal(&q->start, &q->end, false);
    if (!skip) {
        json_t *extra = NULL;
        if (st->pl.use_transaction)
            extra = json_pack("{s:o, s:o, s:s}", "startMetadata",
                              vrv_stask_metadata_json(&q->start, VRV_POSMAP_START), "endMetadata",
                              vrv_stask_metadata_json(&q->end, VRV_POSMAP_END), "supervisorId",
                              st->pl.supervisor_id);
        json_t *res = NULL;
        rc = vrv_publish_commit(st->env->actions, segs, NULL, extra, &res, err);
        json_decref(extra);
        if (rc == VRV_ECONFLICT && res && !json_is_true(json_object_get(res, "success"))) {
            rc = 0;
            vrv_error_clear(err);
            const char *why = json_string_value(json_object_get(res, "errorMsg"));
            bool theirs = false;
            json_t *published = NULL;
            vrv_error e2;
            if (already_published(st, segs, &theirs, &published, &e2) < 0) {
                rc = vrv_error_set(err, VRV_EIO,
                                   "Failed to publish segments because of [%s]; checking which "
                                   "segments are published failed: %s",
                                   why ? why : "unknown", e2.msg);
            } else if (theirs && st->pl.use_transaction &&
                       (rc = check_committed(st, q, why, err)) < 0) {
                /* not ours after all: the task fails */
            } else if (theirs) {
                VRV_INFO(MOD,
                         "sequence [%s]: could not publish %zu segments, but they have already "
                         "been published by another task",
                         q->name, nseg);
                /* Our copies in deep storage are garbage unless they are the
                 * published files (our own earlier attempt, before a restart).
                 * The fault-injection suite keeps them to compare replicas. */
                bool keep = vrv_fault_setting("keep-replica-copies");
                for (size_t k = 0; k < nseg && !keep; k++) {
                    const json_t *mine = json_array_get(segs, k);
                    const json_t *ls = json_object_get(mine, "loadSpec");
                    const char *id = json_string_value(json_object_get(mine, "identifier"));
                    bool same = false;
                    size_t u;
                    json_t *p;
                    json_array_foreach(published, u, p)
                    {
                        const char *pid = json_string_value(json_object_get(p, "identifier"));
                        if (id && pid && strcmp(id, pid) == 0)
                            same = json_equal(json_object_get(p, "loadSpec"), (json_t *)ls);
                    }
                    if (same) continue;
                    char *lst = json_dumps(ls, JSON_COMPACT);
                    if (lst && vrv_deep_remove(st->env->deep, lst, &e2) < 0)
                        VRV_WARN(MOD, "removing our copy of a published segment: %s", e2.msg);
                    free(lst);
                }
            } else if (why) {
                rc = vrv_error_set(err, VRV_ECONFLICT, "Failed to publish segments because of [%s]",
                                   why);
            } else {
                rc = vrv_error_set(err, VRV_ECONFLICT, "Failed to publish segments");
            }
            json_decref(published);
        } else if (rc < 0) {
            vrv_error_prefix(err, "Error while publishing segments for sequence [%s]", q->name);
        }
        json_decref(res);
    } else {
        VRV_INFO(MOD, "sequence [%s]: nothing to publish", q->name);
    }
    if (rc < 0) {
        json_decref(segs);
        return rc;
    }
    {
        vrv_buf b = VRV_BUF_INIT;
        seq_string(&b, q);
        VRV_INFO(MOD, "published %zu segments for sequence [%s]: %s", nseg, q->name, b.data);
        vrv_buf_free(&b);
    }
    if (nseg) vrv_fault_point("publish-committed");
    for (size_t k = 0; k < nseg; k++) {
        json_t *s = json_array_get(segs, k);
        vrv_segid sid;
        const char *id = json_string_value(json_object_get(s, "identifier"));
        if (id && vrv_segid_parse(id, st->pl.data_source, &sid, NULL) == 0) {
            add_handoff(st, id, sid.interval, sid.version, sid.partition_num);
            vrv_segid_clear(&sid);
        }
    }
    json_decref(segs);
    /* The sequence and its sinks are done: rewrite the files a restart reads. */
    char *name = vrv_strdup(q->name);
    pthread_mutex_lock(&st->mu);
    vrv_stask_seqs_remove(&st->seqs, i);
    pthread_mutex_unlock(&st->mu);
    rc = vrv_stask_seqs_save(&st->seqs, &st->curr, st->persist_dir, err);
    /* Its sinks are served until their segments are handed off (the
     * published copies carry the same ids, so the broker reads one or the
     * other); sinks without rows published nothing and go now. */
    for (size_t k = 0; k < st->sinks.n;) {
        sink *s = st->sinks.v[k];
        if (s->published || strcmp(s->seq_name, name) != 0) {
            k++;
            continue;
        }
        bool waits = false;
        for (size_t h = 0; h < st->handoffs.n && !waits; h++)
            waits = strcmp(st->handoffs.v[h].id, s->id) == 0;
        if (waits) {
            if (st->last_sink == s) st->last_sink = NULL;
            pthread_mutex_lock(&st->qmu);
            s->published = true;
            pthread_mutex_unlock(&st->qmu);
            k++;
            continue;
        }
        char *dir = vrv_stask_sink_dir(st->persist_dir, s->id);
        sink_remove(st, k);
        vrv_fs_remove_tree(dir, NULL);
        free(dir);
    }
    free(name);
    if (rc == 0) rc = save_commit(st, err);
    return rc;
}

/* Publishes every sequence whose partitions are all read to its end. */
static int publish_closed(stask *st, vrv_error *err)
{
    for (size_t i = 0; i < st->seqs.n;) {
        if (!vrv_stask_seq_open(&st->seqs.v[i], &st->curr)) {
            int rc = publish_seq(st, i, err);
            if (rc < 0) return rc;
            continue; /* it left the list */
        }
        i++;
    }
    return 0;
}

/* ---- reading ---------------------------------------------------------------------------- */

/* Makes the supplier read the partitions that still have something to read
 * and returns how many there are; newly assigned ones are seeked to their
 * current position. A partition read to its end stays assigned while others
 * are still read (its further records are skipped): a new assignment makes
 * librdkafka drop everything it has prefetched and fetch it again. */
static int assign(stask *st, bool seek_all, size_t *n_out, vrv_error *err)
{
    size_t n_old = 0;
    const vrv_part *old = vrv_supplier_assignment(st->sup, &n_old);
    vrv_part *keep = vrv_calloc(st->curr.n ? st->curr.n : 1, sizeof *keep);
    bool *fresh = vrv_calloc(st->curr.n ? st->curr.n : 1, sizeof *fresh);
    size_t n = 0;
    bool change = seek_all;
    for (size_t i = 0; i < st->curr.n; i++) {
        const vrv_pos *e = vrv_posmap_get(&st->end, &st->curr.v[i].part);
        if (!e || !vrv_pos_more_after(&st->curr.v[i].pos, e)) continue;
        bool was = false;
        for (size_t k = 0; k < n_old && !was; k++) was = vrv_part_equal(&old[k], &st->curr.v[i].part);
        fresh[n] = seek_all || !was;
        change = change || !was;
        keep[n++] = st->curr.v[i].part;
    }
    *n_out = n;
    if (!change || n == 0) {
        free(keep);
        free(fresh);
        return 0;
    }
    int rc = vrv_supplier_assign(st->sup, keep, n, err);
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!fresh[i]) continue;
        const vrv_pos *c = vrv_posmap_get(&st->curr, &keep[i]);
        char t[VRV_POS_TEXT_MAX + 1];
        vrv_pos_format(c, t, sizeof t);
        VRV_INFO(MOD, "reading partition[%s] of [%s] from %s", keep[i].id, st->stream, t);
        rc = vrv_supplier_seek(st->sup, &keep[i], c, err);
    }
    free(keep);
    free(fresh);
    return rc;
}

/* The loop's pause point: publishes the current positions for the chat
 * handlers and blocks while a pause is requested. Returns whether it paused. */
static bool possibly_pause(stask *st)
{
    pthread_mutex_lock(&st->mu);
    vrv_posmap_free(&st->curr_shared);
    vrv_posmap_copy(&st->curr_shared, &st->curr);
    bool paused = false;
    if (st->pause_requested && !st->stop_requested) {
        st_status before = st->status;
        st->status = ST_PAUSED;
        pthread_cond_broadcast(&st->cv);
        VRV_INFO(MOD, "paused");
        while (st->pause_requested && !st->stop_requested && !vrv_task_stop_requested())
            wait_until(st, now_ms() + 200);
        st->status = before == ST_PAUSED ? ST_READING : before;
        pthread_cond_broadcast(&st->cv);
        VRV_INFO(MOD, "resumed");
        paused = true;
    }
    pthread_mutex_unlock(&st->mu);
    return paused;
}

static void request_pause(stask *st)
{
    pthread_mutex_lock(&st->mu);
    st->pause_requested = true;
    pthread_mutex_unlock(&st->mu);
}

/* Asks the supervisor to checkpoint the current sequence (§4.6 step 1). */
static int request_checkpoint(stask *st, const vrv_stask_seq *q, vrv_error *err)
{
    if (q != &st->seqs.v[st->seqs.n - 1]) {
        vrv_buf b = VRV_BUF_INIT;
        seq_string(&b, q);
        int rc = vrv_error_set(err, VRV_EINTERNAL,
                               "Cannot checkpoint a sequence [%s] which is not the latest one", b.data);
        vrv_buf_free(&b);
        return rc;
    }
    VRV_INFO(MOD, "sequence [%s] is full: asking for a checkpoint", q->name);
    request_pause(st);
    json_t *a = json_object();
    json_object_set_new(a, "type", json_string("checkPointDataSourceMetadata"));
    json_object_set_new(a, "supervisorId", json_string(st->pl.supervisor_id));
    json_object_set_new(a, "dataSource", json_string(st->pl.data_source));
    json_object_set_new(a, "taskGroupId", st->pl.task_group_id >= 0
                                              ? json_integer(st->pl.task_group_id)
                                              : json_null());
    json_object_set_new(a, "checkpointMetadata", vrv_stask_metadata_json(&q->start, VRV_POSMAP_START));
    json_t *res = NULL;
    vrv_error e2;
    int rc = vrv_action_submit(st->env->actions, a, &res, &e2);
    json_decref(a);
    bool ok = rc == 0 && json_is_true(res);
    json_decref(res);
    if (ok) vrv_fault_point("checkpoint");
    if (!ok) {
        vrv_buf b = VRV_BUF_INIT;
        offsets_string(&b, &st->curr);
        rc = vrv_error_set(err, VRV_EIO, "Checkpoint request with sequences [%s] failed, dying%s%s",
                           b.data, rc < 0 ? ": " : "", rc < 0 ? e2.msg : "");
        vrv_buf_free(&b);
        return rc;
    }
    return 0;
}

/* Druid's ResetDataSourceMetadataAction, for partitions whose data is gone. */
static int request_reset(stask *st, const vrv_part *part, const vrv_pos *lost, vrv_error *err)
{
    vrv_posmap m;
    vrv_posmap_init(&m, st->type, st->stream);
    vrv_posmap_set(&m, part, lost);
    json_t *a = json_pack("{s:s, s:s, s:s, s:o}", "type", "resetDataSourceMetadata", "dataSource",
                          st->pl.data_source, "supervisorId", st->pl.supervisor_id,
                          "resetMetadata", vrv_stask_metadata_json(&m, VRV_POSMAP_END));
    vrv_posmap_free(&m);
    json_t *res = NULL;
    vrv_error e2;
    int rc = vrv_action_submit(st->env->actions, a, &res, &e2);
    json_decref(a);
    bool ok = rc == 0 && json_is_true(res);
    json_decref(res);
    if (!ok)
        return vrv_error_set(err, VRV_ERANGE,
                             "Failed to send offset reset request for partition[%s]%s%s", part->id,
                             rc < 0 ? ": " : "", rc < 0 ? e2.msg : "");
    VRV_ERR(MOD,
            "Offsets were reset automatically, potential data duplication or loss (partition[%s])",
            part->id);
    request_pause(st);
    return 0;
}

/* A poll found a position that is no longer (or not yet) in the stream (§4.12). */
static int out_of_range(stask *st, const vrv_batch *b, vrv_error *err)
{
    size_t na;
    const vrv_part *as = vrv_supplier_assignment(st->sup, &na);
    if (b->range_part < 0 || (size_t)b->range_part >= na)
        return vrv_error_set(err, VRV_ERANGE, "offset out of range on an unknown partition");
    vrv_part part = as[b->range_part];
    char want[VRV_POS_TEXT_MAX + 1], early[VRV_POS_TEXT_MAX + 1] = "unknown";
    vrv_pos_format(&b->range_pos, want, sizeof want);
    vrv_pos earliest;
    vrv_error e2;
    bool have = vrv_supplier_earliest(st->sup, &part, 1, &earliest, &e2) == 0;
    if (have) vrv_pos_format(&earliest, early, sizeof early);
    bool gone = have && vrv_pos_cmp(&earliest, &b->range_pos) > 0;
    if (gone && st->pl.spec.tuning.reset_offset_automatically)
        return request_reset(st, &part, &b->range_pos, err);
    return vrv_error_set(err, VRV_ERANGE,
                         "Offset[%s] of partition[%s] of [%s] is out of range (earliest available "
                         "offset: %s)%s",
                         want, part.id, st->stream, early,
                         gone ? ": the records were deleted before they were read; reset the "
                                "supervisor or set resetOffsetAutomatically"
                              : "");
}

/* The row counts a record added, per partition of the task (recordsProcessed). */
static size_t part_index(const stask *st, const vrv_part *p)
{
    long i = vrv_posmap_index_near(&st->pl.start, p, st->near);
    return i < 0 ? 0 : (size_t)i;
}

/* Runs record r of partition part through the pipeline into sequence q. */
static int ingest_record(stask *st, const vrv_record *r, const vrv_part *part, vrv_batch *b,
                         const vrv_stask_seq *q, const vrv_stask_seq **to_cp, vrv_error *err)
{
    st->cur_seq = q;
    vrv_record_meta meta = {.key = r->key,
                            .key_len = r->key_len,
                            .timestamp = r->timestamp,
                            .topic = vrv_part_topic(part, st->stream),
                            .partition = part->partition,
                            .offset = r->offset};
    const vrv_record_header *hdrs = NULL;
    size_t nh = 0;
    if (st->want_headers && vrv_supplier_headers(st->sup, r, b, &hdrs, &nh) == 0) {
        meta.headers = hdrs;
        meta.nheaders = nh;
    }
    const vrv_row_stats *rs = vrv_pipeline_stats(st->pipe);
    uint64_t before = rs->processed + rs->processed_with_error;
    int rc = vrv_pipeline_process(st->pipe, r->value, r->value_len, &meta, true, row_sink, st, err);
    if (rc < 0) return rc;
    st->part_rows[part_index(st, part)] += rs->processed + rs->processed_with_error - before;
    /* Druid's isPushRequired: a full segment (or task) closes the sequence. */
    uint64_t total = 0;
    for (size_t i = 0; i < st->sinks.n; i++)
        if (!st->sinks.v[i]->published) total += sink_rows(st->sinks.v[i]);
    const vrv_spec_stream_tuning *t = &st->pl.spec.tuning;
    for (size_t i = 0; i < st->sinks.n; i++) {
        sink *s = st->sinks.v[i];
        if (!s->touched) continue;
        s->touched = false;
        if (!q->checkpointed && (sink_rows(s) >= (uint64_t)t->max_rows_per_segment ||
                                 (int64_t)total >= t->max_total_rows_effective))
            *to_cp = q;
    }
    return 0;
}

/* Runs one record; *finished says the partition is read to its end. The
 * partition is looked for first where the last record's was (st->near): the
 * task's position maps hold the same partitions in the same order, so one
 * compare usually finds it in each. */
static int process_record(stask *st, const vrv_record *r, const vrv_part *part, vrv_batch *b,
                          const vrv_stask_seq **to_cp, bool *finished, vrv_error *err)
{
    *finished = false;
    long ci = vrv_posmap_index_near(&st->curr, part, st->near);
    char a[VRV_POS_TEXT_MAX + 1], c[VRV_POS_TEXT_MAX + 1];
    if (ci < 0) return vrv_error_set(err, VRV_EINTERNAL, "Current offset is null for partition[%s]", part->id);
    st->near = (size_t)ci;
    const vrv_pos *cur = &st->curr.v[ci].pos;
    if (r->flags & VRV_REC_END_OF_SHARD) {
        /* A closed Kinesis shard read to its end: its position becomes EOS
         * and nothing more is read from it. */
        st->curr.v[ci].pos = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
        *finished = true;
        st->prev_taken = false;
        return 0;
    }
    if (r->flags & VRV_REC_SUBRECORD) {
        /* A further user record of the KPL aggregate just read: same
         * sequence number, same sequence of segments. */
        if (!st->prev_taken) return 0;
        return ingest_record(st, r, part, b, st->cur_seq, to_cp, err);
    }
    st->prev_taken = false;
    vrv_pos pos = vrv_record_pos(st->sup, r);
    int pc = vrv_pos_cmp(&pos, cur);
    if (pc < 0) {
        vrv_pos_format(&pos, a, sizeof a);
        vrv_pos_format(cur, c, sizeof c);
        return vrv_error_set(err, VRV_EINTERNAL,
                             "Record sequenceNumber[%s] is smaller than current sequenceNumber[%s] "
                             "for partition[%s]",
                             a, c, part->id);
    }
    /* Kinesis: the record at an exclusive current position was read already. */
    if (cur->exclusive && pc == 0) return 0;
    long ei = vrv_posmap_index_near(&st->end, part, st->near);
    const vrv_pos *e = ei < 0 ? NULL : &st->end.v[ei].pos;
    vrv_pos next = vrv_pos_after(&pos);
    if (e && vrv_pos_more_to_read(&pos, e)) {
        const vrv_stask_seq *q = NULL;
        for (size_t i = 0; i < st->seqs.n && !q; i++)
            if (vrv_stask_seq_can_handle(&st->seqs.v[i], part, &pos, &st->curr, st->near)) q = &st->seqs.v[i];
        if (!q) {
            vrv_buf sb = VRV_BUF_INIT;
            vrv_buf_putc(&sb, '[');
            for (size_t i = 0; i < st->seqs.n; i++) {
                if (i) vrv_buf_puts(&sb, ", ");
                seq_string(&sb, &st->seqs.v[i]);
            }
            vrv_buf_putc(&sb, ']');
            vrv_pos_format(&pos, a, sizeof a);
            int rc = vrv_error_set(err, VRV_EINTERNAL,
                                   "Cannot find any valid sequence for record with partition [%s] "
                                   "and sequenceNumber [%s]. Current sequences: %s",
                                   part->id, a, sb.data);
            vrv_buf_free(&sb);
            return rc;
        }
        int rc = ingest_record(st, r, part, b, q, to_cp, err);
        if (rc < 0) return rc;
        st->prev_taken = true;
        ci = vrv_posmap_index_near(&st->curr, part, st->near);
        if (ci >= 0) st->curr.v[ci].pos = next;
        else vrv_posmap_set(&st->curr, part, &next);
    }
    *finished = !e || vrv_pos_cmp(&next, e) >= 0;
    return 0;
}

/* Refreshes what the chat handlers show of the row counters. */
static void mark_stats(stask *st)
{
    vrv_row_stats now;
    stats_now(st, &now);
    const vrv_row_stats *rs = &now;
    vrv_task_meters_mark(&st->meters, rs);
    uint64_t errors = rs->unparseable + rs->processed_with_error;
    if (errors != st->errors_seen && st->pl.spec.tuning.c.max_saved_parse_exceptions > 0) {
        json_t *ev = vrv_pipeline_exceptions_json(st->pipe);
        pthread_mutex_lock(&st->mu);
        json_decref(st->events);
        st->events = ev;
        pthread_mutex_unlock(&st->mu);
    }
    st->errors_seen = errors;
}

static int read_loop(stask *st, vrv_error *err)
{
    size_t assigned;
    int rc = assign(st, true, &assigned, err);
    if (rc < 0) return rc;
    set_state(st, "BUILD_SEGMENTS");
    set_status(st, ST_READING);
    bool still_reading = assigned > 0;
    vrv_batch b = {0};

    while (still_reading) {
        if (possibly_pause(st)) {
            /* The end positions may have changed while paused (a finish):
             * with every partition read to its end, reading is over. */
            if ((rc = assign(st, false, &assigned, err)) < 0) break;
            if (assigned == 0) break;
        }
        pthread_mutex_lock(&st->mu);
        if (st->stop_requested || vrv_task_stop_requested() || st->seqs.n == 0 ||
            st->seqs.v[st->seqs.n - 1].checkpointed)
            st->status = ST_PUBLISHING;
        bool stop = st->stop_requested || vrv_task_stop_requested();
        char *bg = st->background_error;
        st->background_error = NULL;
        pthread_mutex_unlock(&st->mu);
        if (bg) {
            rc = vrv_error_set(err, VRV_EINTERNAL, "%s", bg);
            free(bg);
            break;
        }
        if (stop) break;
        if ((rc = publish_closed(st, err)) < 0) break;

        int prc = vrv_supplier_poll(st->sup, &b, -1, err);
        const vrv_stask_seq *to_cp = NULL;
        size_t na;
        const vrv_part *as = vrv_supplier_assignment(st->sup, &na);
        bool reassign = false, closed = false;
        for (size_t i = 0; i < b.n && rc == 0; i++) {
            const vrv_record *r = &b.recs[i];
            if (r->part >= na) continue;
            const vrv_part *part = &as[r->part];
            bool finished;
            rc = process_record(st, r, part, &b, &to_cp, &finished, err);
            if (rc == 0 && finished) {
                VRV_INFO(MOD, "finished reading partition[%s]", part->id);
                reassign = true;
                closed |= (r->flags & VRV_REC_END_OF_SHARD) != 0;
            }
            /* Never persist between the user records of one KPL aggregate:
             * the position saved would skip the rest of them. */
            bool mid = i + 1 < b.n && (b.recs[i + 1].flags & VRV_REC_SUBRECORD);
            if (rc == 0 && !mid && persist_due(st, false)) rc = persist_start(st, err);
        }
        vrv_supplier_release(st->sup, &b);
        if (rc < 0) break;
        if (prc == VRV_ERANGE) {
            if ((rc = out_of_range(st, &b, err)) < 0) break;
        } else if (prc < 0 && prc != VRV_EAGAIN && prc != VRV_ETIMEOUT) {
            rc = prc;
            vrv_error_prefix(err, "reading [%s]", st->stream);
            break;
        }
        if (reassign) {
            if ((rc = assign(st, false, &assigned, err)) < 0) break;
            still_reading = assigned > 0;
        }
        mark_stats(st);
        if (persist_due(st, true) && (rc = persist_start(st, err)) < 0) break;
        if ((rc = persist_poll(st, err)) < 0) break;
        pthread_mutex_lock(&st->mu);
        bool hand_over = now_ms() > st->next_checkpoint_ms;
        pthread_mutex_unlock(&st->mu);
        /* A Kinesis shard closed while others are still read: a checkpoint
         * publishes its EOS now, so its child shards need not wait for the
         * end of the task. */
        if (hand_over && st->seqs.n) to_cp = &st->seqs.v[st->seqs.n - 1];
        if (closed && st->seqs.n && !st->seqs.v[st->seqs.n - 1].checkpointed)
            to_cp = &st->seqs.v[st->seqs.n - 1];
        if (to_cp && still_reading && (rc = request_checkpoint(st, to_cp, err)) < 0) break;
        if (st->handoffs.n && now_ms() - st->last_handoff_poll >= VRV_STASK_HANDOFF_POLL_MS)
            handoff_poll(st);

    }
    vrv_batch_free(&b);
    /* The chat handlers see where reading stopped (a Kinesis task whose
     * shards all closed reports their EOS while it publishes). */
    pthread_mutex_lock(&st->mu);
    vrv_posmap_free(&st->curr_shared);
    vrv_posmap_copy(&st->curr_shared, &st->curr);
    pthread_mutex_unlock(&st->mu);
    /* Whatever was read is persisted, even when stopping or failing. */
    vrv_error e2;
    int prc = persist_all(st, &e2);
    if (rc == 0 && prc < 0) {
        *err = e2;
        rc = prc;
    }
    mark_stats(st);
    return rc;
}

/* ---- the chat endpoints --------------------------------------------------------------- */

static bool my_task(stask *st, vrv_http_req *req, vrv_http_resp *resp)
{
    const char *id = vrv_http_req_param(req, "id");
    if (id && strcmp(id, st->env->id) == 0) return true;
    vrv_http_error(resp, 404, "Can't find chatHandler for handler[%s]", id ? id : "");
    return false;
}

static void text(vrv_http_resp *resp, int status, const char *msg)
{
    vrv_http_resp_raw(resp, status, "text/plain", msg, strlen(msg));
}

static void h_status(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    const char *s = STATUS_NAMES[st->status];
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200, json_string(s));
}

static void h_offsets_current(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    json_t *o = offsets_json(&st->curr_shared);
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200, o);
}

static void h_offsets_end(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    json_t *o = offsets_json(&st->end);
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200, o);
}

static void h_checkpoints(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    json_t *o = json_object();
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < st->seqs.n; i++) {
        char k[24];
        snprintf(k, sizeof k, "%d", st->seqs.v[i].id);
        json_object_set_new(o, k, offsets_json(&st->seqs.v[i].start));
    }
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200, o);
}

static void h_time_start(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    vrv_ms t = st->start_time;
    pthread_mutex_unlock(&st->mu);
    char s[VRV_TIME_STR_MAX];
    if (t) vrv_time_format(t, s);
    vrv_http_resp_json(resp, 200, t ? json_string(s) : json_null());
}

static json_t *row_stats_json(stask *st)
{
    return json_pack("{s:{s:o}, s:{s:o}}", "movingAverages", "buildSegments",
                     vrv_task_meters_averages(&st->meters), "totals", "buildSegments",
                     vrv_task_meters_totals(&st->meters));
}

static json_t *events_json(stask *st)
{
    if (st->pl.spec.tuning.c.max_saved_parse_exceptions <= 0) return json_object();
    pthread_mutex_lock(&st->mu);
    json_t *ev = st->events ? json_incref(st->events) : json_array();
    pthread_mutex_unlock(&st->mu);
    return json_pack("{s:o}", "buildSegments", ev);
}

static void h_row_stats(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    vrv_http_resp_json(resp, 200, row_stats_json(st));
}

static void h_live_reports(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    const char *state = st->ingestion_state;
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200,
                       vrv_task_live_report_json(st->env->id, state, events_json(st),
                                                 row_stats_json(st)));
}

static void h_unparseable(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    if (st->pl.spec.tuning.c.max_saved_parse_exceptions <= 0) {
        vrv_http_resp_empty(resp, 200); /* Druid: no entity at all */
        return;
    }
    pthread_mutex_lock(&st->mu);
    json_t *ev = st->events ? json_incref(st->events) : json_array();
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200, ev);
}

static void h_pause(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    if (st->status != ST_READING && st->status != ST_PAUSED) {
        char msg[128];
        snprintf(msg, sizeof msg, "Can't pause, task is not in a pausable state (state: [%s])",
                 STATUS_NAMES[st->status]);
        pthread_mutex_unlock(&st->mu);
        text(resp, 409, msg);
        return;
    }
    st->pause_requested = true;
    pthread_cond_broadcast(&st->cv);
    vrv_ms deadline = now_ms() + PAUSE_WAIT_MS;
    while (st->status != ST_PAUSED && now_ms() < deadline) wait_until(st, deadline);
    if (st->status != ST_PAUSED) {
        pthread_mutex_unlock(&st->mu);
        text(resp, 202, "Request accepted but task has not yet paused");
        return;
    }
    json_t *o = offsets_json(&st->curr_shared);
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200, o);
}

/* Clears the pause and waits for the loop to leave PAUSED. Caller holds mu. */
static bool resume_locked(stask *st)
{
    st->pause_requested = false;
    pthread_cond_broadcast(&st->cv);
    vrv_ms deadline = now_ms() + RESUME_WAIT_MS;
    while (st->status == ST_PAUSED && now_ms() < deadline) wait_until(st, deadline);
    return st->status != ST_PAUSED;
}

static void h_resume(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    bool ok = resume_locked(st);
    pthread_mutex_unlock(&st->mu);
    if (ok)
        vrv_http_resp_empty(resp, 200);
    else
        text(resp, 500, "Resume command was not accepted within 5 seconds");
}

static void h_stop(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    pthread_mutex_lock(&st->mu);
    VRV_INFO(MOD, "stopping gracefully (status: [%s])", STATUS_NAMES[st->status]);
    st->stop_requested = true;
    st->pause_requested = false;
    pthread_cond_broadcast(&st->cv);
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_empty(resp, 200);
}

/* Reads the body of POST offsets/end: {partition: position}. */
static int body_offsets(stask *st, vrv_http_req *req, vrv_posmap *out, char *msg, size_t cap)
{
    size_t len;
    vrv_http_req_body(req, &len);
    vrv_error err;
    json_t *j = len ? vrv_http_req_json(req, &err) : NULL;
    if (!json_is_object(j)) {
        json_decref(j);
        snprintf(msg, cap, "Request body must contain a map of { partition:endOffset }");
        return VRV_EINVAL;
    }
    vrv_posmap_init(out, st->type, st->stream);
    const char *k;
    json_t *v;
    json_object_foreach(j, k, v)
    {
        vrv_part part;
        vrv_pos pos;
        if (vrv_part_parse(st->type, k, strlen(k), &part, &err) < 0 ||
            vrv_pos_from_json(v, st->type, k, &pos, &err) < 0) {
            snprintf(msg, cap, "Request body must contain a map of { partition:endOffset }: %s",
                     err.msg);
            json_decref(j);
            vrv_posmap_free(out);
            return VRV_EINVAL;
        }
        vrv_posmap_set(out, &part, &pos);
    }
    json_decref(j);
    return 0;
}

static void h_set_end(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    if (!my_task(st, req, resp)) return;
    const char *f = vrv_http_req_query(req, "finish");
    bool finish = !f || strcasecmp(f, "false") != 0;
    char msg[1024];
    vrv_posmap body;
    if (body_offsets(st, req, &body, msg, sizeof msg) < 0) {
        text(resp, 400, msg);
        return;
    }
    vrv_buf b = VRV_BUF_INIT;
    pthread_mutex_lock(&st->mu);
    for (size_t i = 0; i < body.n; i++)
        if (!vrv_posmap_get(&st->end, &body.v[i].part)) {
            vrv_buf_puts(&b, "Request contains partitions not being handled by this task, my "
                             "partitions: ");
            parts_string(&b, &st->end);
            pthread_mutex_unlock(&st->mu);
            text(resp, 400, b.data);
            goto out;
        }
    if (body.n == 0 || st->seqs.n == 0) {
        /* Druid fails the task on this: an inconsistent request. */
        const char *m = body.n == 0 ? "No sequences found to set end sequences" : "Empty sequences";
        free(st->background_error);
        st->background_error = vrv_strdup(m);
        resume_locked(st);
        pthread_mutex_unlock(&st->mu);
        text(resp, 500, m);
        goto out;
    }
    vrv_stask_seq *latest = &st->seqs.v[st->seqs.n - 1];
    /* As a start, the body is exclusive on every Kinesis shard (an end is
     * inclusive: that record will have been read) and inclusive for Kafka
     * (computeExclusiveStartPartitionsForSequence). */
    for (size_t i = 0; i < body.n; i++) body.v[i].pos.exclusive = st->type == VRV_STREAM_KINESIS;
    bool dup = (!finish && vrv_posmap_equal(&latest->start, &body, true)) ||
               (finish && vrv_posmap_equal(&latest->end, &body, false));
    if (dup) {
        VRV_WARN(MOD, "Ignoring duplicate request, end offsets already set for sequences");
        st->next_checkpoint_ms = now_ms() + st->pl.spec.tuning.intermediate_handoff_period;
        resume_locked(st);
        pthread_mutex_unlock(&st->mu);
        vrv_http_resp_json(resp, 200, offsets_json(&body));
        goto out;
    }
    if (latest->checkpointed) {
        vrv_buf_puts(&b, "Sequence [");
        seq_string(&b, latest);
        vrv_buf_puts(&b, "] has already endOffsets set, cannot set to [");
        offsets_string(&b, &body);
        vrv_buf_puts(&b, "]");
        pthread_mutex_unlock(&st->mu);
        text(resp, 400, b.data);
        goto out;
    }
    if (st->status != ST_PAUSED) {
        pthread_mutex_unlock(&st->mu);
        text(resp, 400, "Task must be paused before changing the end offsets");
        goto out;
    }
    for (size_t i = 0; i < body.n; i++) {
        const vrv_pos *c = vrv_posmap_get(&st->curr_shared, &body.v[i].part);
        if (c && vrv_pos_cmp(&body.v[i].pos, c) < 0) {
            char cs[VRV_POS_TEXT_MAX + 1];
            vrv_pos_format(c, cs, sizeof cs);
            vrv_buf_printf(&b, "End sequence must be >= current sequence for partition [%s] "
                               "(current: %s)",
                           body.v[i].part.id, cs);
            pthread_mutex_unlock(&st->mu);
            text(resp, 400, b.data);
            goto out;
        }
    }
    st->next_checkpoint_ms = now_ms() + st->pl.spec.tuning.intermediate_handoff_period;
    vrv_posmap_free(&latest->end);
    vrv_posmap_copy(&latest->end, &body);
    latest->checkpointed = true;
    vrv_error err;
    int rc = 0;
    if (finish) {
        VRV_INFO(MOD, "sequence [%s]: end offsets set, finishing", latest->name);
        for (size_t i = 0; i < body.n; i++) vrv_posmap_set(&st->end, &body.v[i].part, &body.v[i].pos);
    } else {
        rc = vrv_stask_seqs_add(&st->seqs, latest->id + 1, st->pl.base_sequence_name, &body,
                                &st->end, false, &err);
        if (rc == 0)
            VRV_INFO(MOD, "sequence [%s] created", st->seqs.v[st->seqs.n - 1].name);
    }
    if (rc == 0) rc = vrv_stask_seqs_save(&st->seqs, &st->curr_shared, st->persist_dir, &err);
    if (rc < 0) {
        free(st->background_error);
        st->background_error = vrv_strdup(err.msg);
        resume_locked(st);
        pthread_mutex_unlock(&st->mu);
        text(resp, 500, err.msg);
        goto out;
    }
    resume_locked(st);
    pthread_mutex_unlock(&st->mu);
    vrv_http_resp_json(resp, 200, offsets_json(&body));
out:
    vrv_buf_free(&b);
    vrv_posmap_free(&body);
}

/* ---- queries and the segment list ------------------------------------------------- */

/* What a query reads of one sink, taken under qmu: a copy of its in-memory
 * rows and references to its spills. */
typedef struct read_set {
    VRV_VEC(vrv_adapter *) ads;
    VRV_VEC(spill *) spills;
    vrv_segserve_target *targets;
    size_t ntargets;
    size_t *first; /* per target: its first adapter in ads */
} read_set;

static void read_set_free(read_set *r)
{
    for (size_t i = 0; i < r->ads.n; i++) vrv_adapter_free(r->ads.v[i]);
    vrv_vec_free(&r->ads);
    for (size_t i = 0; i < r->spills.n; i++) spill_unref(r->spills.v[i]);
    vrv_vec_free(&r->spills);
    free(r->targets);
    free(r->first);
}

/* Adds the adapters of sink s to r. Caller holds qmu. A spill is opened on
 * first use and stays open with the sink. */
static int read_sink(stask *st, sink *s, read_set *r, vrv_error *err)
{
    for (int h = 0; h < s->hydrants; h++) {
        if (!s->spills[h]) {
            char *path = vrv_stask_spill_path(st->persist_dir, s->id, h);
            vrv_segment *seg = NULL;
            int rc = vrv_segment_open(path, &seg, err);
            free(path);
            if (rc < 0) return rc;
            spill *sp = vrv_calloc(1, sizeof *sp);
            sp->seg = seg;
            atomic_init(&sp->refs, 1);
            s->spills[h] = sp;
        }
        spill *sp = s->spills[h];
        atomic_fetch_add(&sp->refs, 1);
        vrv_vec_push(&r->spills, sp);
        vrv_vec_push(&r->ads, vrv_adapter_segment(sp->seg, s->id));
    }
    /* The in-memory rows (those a background persist is writing, then the
     * newer ones): only the rows new since the last query are copied. */
    if (!s->view) s->view = vrv_index_view_new();
    if (!s->frozen_view) s->frozen_view = vrv_index_view_new();
    vrv_adapter **ads = NULL;
    size_t nads = 0;
    vrv_index_view_read(s->frozen_view, s->frozen, st->pl.data_source, s->id, s->iv, st->rt_meta,
                        &ads, &nads);
    vrv_index_view_read(s->view, s->idx, st->pl.data_source, s->id, s->iv, st->rt_meta, &ads,
                        &nads);
    for (size_t i = 0; i < nads; i++) vrv_vec_push(&r->ads, ads[i]);
    free(ads);
    return 0;
}

typedef struct query_watch {
    vrv_ms deadline;
} query_watch;

static int query_check(void *ctx, vrv_error *err)
{
    const query_watch *w = ctx;
    if (now_ms() >= w->deadline)
        return vrv_error_set(err, VRV_ETIMEOUT,
                             "Query did not complete within configured timeout period. You can "
                             "increase query timeout or tune the performance of query.");
    return 0;
}

/* POST /druid/v2: the broker's request for some of the task's real-time
 * segments (segserve.h), answered with the partial result over each
 * segment's in-memory rows and committed spills; the segments the task no
 * longer has (handed off) are answered missing. A plain native query is
 * answered too, over every segment of the task, with the final result. */
static void h_query(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    const char *ct = vrv_http_req_header(req, "Content-Type");
    if (ct && strcasestr(ct, "smile")) {
        vrv_http_error(resp, 415, "Unsupported Media Type: %s; send application/json", ct);
        return;
    }
    size_t len;
    const char *text = vrv_http_req_body(req, &len);
    json_t *body = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    bool segs = vrv_segserve_is_request(body);
    vrv_segserve_req r = {0};
    vrv_query_error qerr = {0};
    if (segs && vrv_segserve_parse(body, &r, resp) < 0) {
        json_decref(body);
        return;
    }
    if (!segs && vrv_query_parse(text, len, &r.q, &qerr) < 0) {
        vrv_buf out = VRV_BUF_INIT;
        int status = vrv_query_error_body(&qerr, st->env->host, &out);
        vrv_http_resp_raw(resp, status, "application/json", out.data, out.len);
        vrv_buf_free(&out);
        json_decref(body);
        return;
    }
    json_decref(body);
    query_watch w = {now_ms() + (r.q->ctx.timeout > 0 ? r.q->ctx.timeout : 300000)};
    read_set rs = {0};
    const vrv_segdesc **missing = vrv_calloc(r.n ? r.n : 1, sizeof *missing);
    size_t nmissing = 0;
    vrv_error err;
    int rc = 0;
    pthread_mutex_lock(&st->qmu);
    size_t cap = segs ? r.n : st->sinks.n;
    rs.targets = vrv_calloc(cap ? cap : 1, sizeof *rs.targets);
    rs.first = vrv_calloc(cap ? cap : 1, sizeof *rs.first);
    for (size_t i = 0; i < cap && rc == 0; i++) {
        sink *s = NULL;
        if (segs) {
            for (size_t k = 0; k < st->sinks.n && !s; k++)
                if (vrv_segdesc_matches(&r.descs[i], st->sinks.v[k]->iv, st->sinks.v[k]->version,
                                        st->sinks.v[k]->partition_num))
                    s = st->sinks.v[k];
            if (!s) {
                missing[nmissing++] = &r.descs[i];
                continue;
            }
        } else {
            s = st->sinks.v[i];
        }
        rs.first[rs.ntargets] = rs.ads.n;
        rc = read_sink(st, s, &rs, &err);
        rs.targets[rs.ntargets++] =
            (vrv_segserve_target){NULL, 0, s->iv, segs ? r.descs[i].itvl : s->iv};
    }
    pthread_mutex_unlock(&st->qmu);
    for (size_t i = 0; i < rs.ntargets; i++) {
        size_t end = i + 1 < rs.ntargets ? rs.first[i + 1] : rs.ads.n;
        rs.targets[i].ads = rs.ads.v + rs.first[i];
        rs.targets[i].nads = end - rs.first[i];
    }
    vrv_query_partial *p = vrv_query_partial_new(r.q);
    vrv_query_check chk = {query_check, &w};
    if (rc == 0) rc = vrv_segserve_run(r.q, rs.targets, rs.ntargets, &chk, p, &err);
    read_set_free(&rs);
    if (rc < 0) {
        char host[300];
        snprintf(host, sizeof host, "%s:%d", st->env->host, st->env->port);
        vrv_http_error_from(resp, &err, host);
    } else if (segs) {
        vrv_segserve_answer(resp, p, missing, nmissing);
    } else {
        vrv_buf out = VRV_BUF_INIT;
        rc = vrv_query_render(r.q, p, vrv_http_req_query(req, "pretty") ? VRV_JW_PRETTY : 0, &out,
                              &err);
        if (rc == 0) vrv_http_resp_raw(resp, 200, "application/json", out.data, out.len);
        else vrv_http_error_from(resp, &err, NULL);
        vrv_buf_free(&out);
    }
    vrv_query_partial_free(p);
    free(missing);
    vrv_segserve_req_free(&r);
}

/* The DataSegment JSON of a sink as announced: its allocated id, no load
 * spec (nothing is in deep storage yet), the dimensions so far, size 0.
 * Caller holds qmu. */
static json_t *sink_dataseg(const stask *st, const sink *s)
{
    char *frozen_csv = dims_union(s->dims, s->frozen);
    char *csv = dims_union(frozen_csv, s->idx);
    free(frozen_csv);
    VRV_VEC(const char *) dims = {0};
    for (char *p = csv; *p;) {
        char *e = strchr(p, ',');
        if (e) *e = '\0';
        vrv_vec_push(&dims, p);
        if (!e) break;
        p = e + 1;
    }
    const vrv_agg_list *m = vrv_pipeline_metrics(st->pipe);
    const char **mets = vrv_calloc(m->n ? m->n : 1, sizeof *mets);
    for (size_t i = 0; i < m->n; i++) mets[i] = m->v[i]->name;
    json_t *ls = json_object();
    vrv_dataseg_desc d = {st->pl.data_source, s->iv, s->version, ls, dims.v, dims.n,
                          mets, m->n, s->partition_num, s->core, 0};
    json_t *j = vrv_dataseg_to_json(&d);
    json_decref(ls);
    free(mets);
    vrv_vec_free(&dims);
    free(csv);
    return j;
}

/* GET /druid-internal/v1/segments?counter=N: the task's real-time segments
 * for a server's view of the cluster, after Druid's segment list endpoint
 * (ChangeRequestsSnapshot): {"counter":{"counter":C,"hash":H},
 * "resetCounter":..,"requests":[{"action":"load","segment":<DataSegment>}]}.
 * The counter changes whenever the list does; asked with the current
 * counter the answer has no requests, otherwise it has the whole list and
 * "resetCounter":true (the caller replaces what it had). */
static void h_segments(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    stask *st = ctx;
    const char *c = vrv_http_req_query(req, "counter");
    long long asked = c && *c ? strtoll(c, NULL, 10) : -1;
    json_t *list = json_array();
    pthread_mutex_lock(&st->qmu);
    for (size_t i = 0; i < st->sinks.n; i++)
        json_array_append_new(list, sink_dataseg(st, st->sinks.v[i]));
    char *text = json_dumps(list, JSON_COMPACT);
    uint64_t h = vrv_hash(text, strlen(text));
    if (h != st->list_hash || st->list_gen == 0) {
        st->list_hash = h;
        st->list_gen++;
    }
    uint64_t gen = st->list_gen;
    pthread_mutex_unlock(&st->qmu);
    free(text);
    bool same = asked >= 0 && (uint64_t)asked == gen;
    json_t *reqs = json_array();
    for (size_t i = 0; !same && i < json_array_size(list); i++)
        json_array_append_new(reqs, json_pack("{s:s, s:O}", "action", "load", "segment",
                                              json_array_get(list, i)));
    json_decref(list);
    vrv_http_resp_json(resp, 200,
                       json_pack("{s:b, s:n, s:{s:I, s:I}, s:o}", "resetCounter", !same,
                                 "resetCause", "counter", "counter", (json_int_t)gen, "hash",
                                 (json_int_t)(h & INT64_MAX), "requests", reqs));
}

#define CHAT "/druid/worker/v1/chat/{id}/"

static const vrv_task_route ROUTES[] = {
    {"GET", CHAT "status", h_status},
    {"GET", CHAT "offsets/current", h_offsets_current},
    {"GET", CHAT "offsets/end", h_offsets_end},
    {"POST", CHAT "offsets/end", h_set_end},
    {"POST", CHAT "pause", h_pause},
    {"POST", CHAT "resume", h_resume},
    {"POST", CHAT "stop", h_stop},
    {"GET", CHAT "checkpoints", h_checkpoints},
    {"GET", CHAT "time/start", h_time_start},
    {"GET", CHAT "rowStats", h_row_stats},
    {"GET", CHAT "liveReports", h_live_reports},
    {"GET", CHAT "unparseableEvents", h_unparseable},
    {"POST", "/druid/v2", h_query},
    {"GET", "/druid-internal/v1/segments", h_segments},
};

/* ---- the run ------------------------------------------------------------------------------ */

static json_t *records_processed(const stask *st)
{
    json_t *o = json_object();
    for (size_t i = 0; i < st->pl.start.n; i++) {
        const vrv_part *p = &st->pl.start.v[i].part;
        char key[VRV_PART_ID_MAX + 96];
        if (p->stream == VRV_STREAM_KAFKA) {
            vrv_str topic = vrv_part_topic(p, st->stream);
            if (p->multi_topic)
                snprintf(key, sizeof key,
                         "KafkaTopicPartition{partition=%d, topic='%.*s', multiTopicPartition=true}",
                         p->partition, (int)topic.n, topic.p);
            else
                snprintf(key, sizeof key,
                         "KafkaTopicPartition{partition=%d, topic='null', multiTopicPartition=false}",
                         p->partition);
        } else {
            snprintf(key, sizeof key, "%s", p->id);
        }
        json_object_set_new(o, key, json_integer((json_int_t)st->part_rows[i]));
    }
    return o;
}

static void write_report(stask *st, const char *error_msg, int64_t wait_ms)
{
    pthread_mutex_lock(&st->mu);
    const char *state = st->ingestion_state;
    pthread_mutex_unlock(&st->mu);
    vrv_task_report r = {.task_id = st->env->id,
                         .ingestion_state = state,
                         .unparseable_events = events_json(st),
                         .row_stats = json_pack("{s:o}", "buildSegments",
                                                vrv_task_meters_totals(&st->meters)),
                         .error_msg = error_msg,
                         .segment_availability_confirmed = error_msg == NULL,
                         .segment_availability_wait_ms = error_msg ? 0 : wait_ms,
                         .records_processed = st->part_rows ? records_processed(st) : json_object(),
                         .segments_published = -1,
                         .context = st->pl.context ? st->pl.context : NULL};
    json_t *j = vrv_task_report_json(&r);
    vrv_error err;
    if (vrv_task_write_json(st->env, VRV_TASKDIR_REPORT, j, &err) < 0)
        VRV_ERR(MOD, "writing the report: %s", err.msg);
    json_decref(j);
}

/* Waits for every published segment's handoff, up to handoffConditionTimeout
 * (0: as long as it takes); a timeout is not a failure. *waited gets the ms
 * spent when a timeout is configured (Druid measures only then). */
static void wait_handoff(stask *st, int64_t *waited)
{
    int64_t timeout = st->pl.spec.tuning.handoff_condition_timeout_ms;
    vrv_ms t0 = now_ms();
    *waited = 0;
    if (st->handoffs.n == 0) return;
    set_state(st, "SEGMENT_AVAILABILITY_WAIT");
    VRV_INFO(MOD, "waiting for the handoff of %zu segments", st->handoffs.n);
    vrv_fault_point("handoff");
    for (;;) {
        handoff_poll(st);
        if (st->handoffs.n == 0) break;
        if (stopping(st)) break;
        if (timeout > 0 && now_ms() - t0 >= timeout) {
            VRV_ERR(MOD, "Timeout waiting for handoff (handoffConditionTimeout %lld ms): %zu "
                         "segments not handed off",
                    (long long)timeout, st->handoffs.n);
            break;
        }
        pthread_mutex_lock(&st->mu);
        wait_until(st, now_ms() + VRV_STASK_HANDOFF_POLL_MS);
        pthread_mutex_unlock(&st->mu);
    }
    if (timeout > 0) *waited = now_ms() - t0;
}

static int setup(stask *st, vrv_error *err)
{
    vrv_task_env *env = st->env;
    vrv_spec_opts opts = {.memory_budget = env->memory};
    int rc = vrv_stask_payload_parse(env->payload, &opts, &st->pl, err);
    if (rc < 0) return rc;
    st->type = st->pl.stream_type;
    st->stream = st->pl.start.stream;
    vrv_posmap_copy(&st->end, &st->pl.end);
    vrv_posmap_init(&st->curr, st->type, st->stream);
    vrv_posmap_init(&st->curr_shared, st->type, st->stream);
    st->part_rows = vrv_calloc(st->pl.start.n ? st->pl.start.n : 1, sizeof *st->part_rows);
    st->persist_dir = vrv_task_path(env, VRV_STASK_PERSIST_DIR);
    st->out_dir = vrv_task_path(env, VRV_TASKDIR_OUT);
    if ((rc = vrv_fs_mkdirs(st->persist_dir, err)) < 0 || (rc = vrv_fs_mkdirs(st->out_dir, err)) < 0)
        return rc;
    const vrv_spec_supervisor *sp = &st->pl.spec;
    st->seg_gran = sp->schema.granularity.segment;
    const char *ft = json_string_value(json_object_get(sp->io.input_format.json, "type"));
    st->want_headers = ft && strcmp(ft, "kafka") == 0;
    st->spill_opts = writer_opts(&sp->tuning.c.index_spec_intermediate);
    st->next_checkpoint_ms = now_ms() + sp->tuning.intermediate_handoff_period;

    vrv_pipeline_config pc = {.schema = &sp->schema,
                              .input_format = &sp->io.input_format,
                              .tuning = &sp->tuning.c,
                              .has_min_time = st->pl.has_min_time,
                              .has_max_time = st->pl.has_max_time,
                              .min_time = st->pl.min_time,
                              .max_time = st->pl.max_time};
    if ((rc = vrv_pipeline_new(&pc, &st->pipe, err)) < 0) return rc;
    st->timestamp_spec = timestamp_spec_json(&sp->schema.timestamp);
    st->rt_meta = json_pack("{s:o, s:o, s:b, s:O}", "aggregators",
                            vrv_task_combining_json(vrv_pipeline_metrics(st->pipe)),
                            "queryGranularity", vrv_gran_to_json(&sp->schema.granularity.query),
                            "rollup", (int)sp->schema.granularity.rollup, "timestampSpec",
                            st->timestamp_spec);
    st->pub = (vrv_publish_schema){.data_source = st->pl.data_source,
                                   .metrics = vrv_pipeline_metrics(st->pipe),
                                   .rollup = sp->schema.granularity.rollup,
                                   .query_gran = &sp->schema.granularity.query,
                                   .timestamp_spec = st->timestamp_spec,
                                   .writer = writer_opts(&sp->tuning.c.index_spec),
                                   .max_rows_per_segment = 0,
                                   .work_dir = st->out_dir,
                                   .deep = env->deep,
                                   .deep_unique = env->id};
    vrv_http_client_opts ho = {.timeout_ms = 10000};
    st->http = vrv_http_client_new(&ho);

    if ((rc = init_sequences(st, err)) < 0) return rc;

    if (st->type == VRV_STREAM_KINESIS) {
        vrv_kinesis_config kc;
        if ((rc = vrv_kinesis_config_from_spec(sp, &kc, err)) < 0) return rc;
        if ((rc = vrv_kinesis_open(&kc, &st->sup, err)) < 0) return rc;
        return 0;
    }
    vrv_kafka_config kc = {.topic = st->pl.multi_topic ? NULL : st->stream,
                           .topic_pattern = st->pl.multi_topic ? st->stream : NULL,
                           .consumer_properties = sp->io.consumer_properties,
                           .path = "ioConfig.consumerProperties",
                           .poll_timeout_ms = st->pl.poll_timeout_ms};
    if ((rc = vrv_kafka_open(&kc, &st->sup, err)) < 0) return rc;
    return 0;
}

static void teardown(stask *st)
{
    /* The chat handlers use st: stop the server before anything is freed. */
    vrv_http_server_free(st->env->http);
    st->env->http = NULL;
    vrv_supplier_close(st->sup);
    vrv_pipeline_free(st->pipe);
    for (size_t i = 0; i < st->sinks.n; i++) {
        sink *s = st->sinks.v[i];
        if (s->published) { /* not handed off in time: its segment is the historicals' now */
            char *dir = vrv_stask_sink_dir(st->persist_dir, s->id);
            vrv_fs_remove_tree(dir, NULL);
            free(dir);
        }
        sink_free(s);
    }
    vrv_vec_free(&st->sinks);
    for (size_t i = 0; i < st->handoffs.n; i++) handoff_clear(&st->handoffs.v[i]);
    vrv_vec_free(&st->handoffs);
    vrv_stask_seqs_free(&st->seqs);
    vrv_posmap_free(&st->end);
    vrv_posmap_free(&st->curr);
    vrv_posmap_free(&st->curr_shared);
    vrv_http_client_free(st->http);
    json_decref(st->events);
    json_decref(st->timestamp_spec);
    json_decref(st->rt_meta);
    free(st->background_error);
    free(st->part_rows);
    free(st->persist_dir);
    free(st->out_dir);
    vrv_task_meters_destroy(&st->meters);
    vrv_stask_payload_free(&st->pl);
    pthread_mutex_destroy(&st->mu);
    pthread_mutex_destroy(&st->qmu);
    pthread_cond_destroy(&st->cv);
}

void vrv_stask_run(vrv_task_env *env, vrv_error *failure)
{
    stask st_;
    stask *st = &st_;
    memset(st, 0, sizeof *st);
    st->env = env;
    st->ingestion_state = "NOT_STARTED";
    pthread_mutex_init(&st->mu, NULL);
    pthread_mutex_init(&st->qmu, NULL);
    pthread_cond_init(&st->cv, NULL);
    vrv_task_meters_init(&st->meters);
    vrv_error_clear(failure);
    int64_t waited = 0;

    int rc = setup(st, failure);
    if (rc == 0) rc = vrv_task_serve(env, ROUTES, VRV_ARRAY_LEN(ROUTES), st, failure);
    if (rc == 0) {
        pthread_mutex_lock(&st->mu);
        st->status = ST_STARTING;
        st->start_time = now_ms();
        pthread_mutex_unlock(&st->mu);
        rc = restore_commit(st, failure);
    }
    if (rc == 0) rc = publish_closed(st, failure);
    if (rc == 0) rc = read_loop(st, failure);
    bool publish = false;
    if (rc == 0) {
        pthread_mutex_lock(&st->mu);
        publish = !st->stop_requested && !vrv_task_stop_requested();
        st->status = ST_PUBLISHING;
        pthread_mutex_unlock(&st->mu);
        if (!publish) VRV_INFO(MOD, "stopping without publishing");
    }
    if (rc == 0 && publish) {
        /* The last sequence ends where reading stopped. */
        if (st->seqs.n) {
            vrv_stask_seq *last = &st->seqs.v[st->seqs.n - 1];
            pthread_mutex_lock(&st->mu);
            for (size_t i = 0; i < st->curr.n; i++)
                vrv_posmap_set(&last->end, &st->curr.v[i].part, &st->curr.v[i].pos);
            pthread_mutex_unlock(&st->mu);
        }
        while (rc == 0 && st->seqs.n && !stopping(st)) rc = publish_seq(st, 0, failure);
        if (rc == 0) wait_handoff(st, &waited);
        if (rc == 0) set_state(st, "COMPLETED");
    }
    if (rc < 0 && !failure->code) vrv_error_set(failure, rc, "%s", vrv_strerror(rc));
    if (failure->code) VRV_ERR(MOD, "task failed: %s", failure->msg);
    if (st->pipe) {
        /* With the report's row counters, this closes the task's accounting:
         * they count every record from its start positions to these. */
        vrv_buf b = VRV_BUF_INIT;
        offsets_string(&b, &st->curr);
        VRV_INFO(MOD, "read up to %s", b.data);
        vrv_buf_free(&b);
    }
    write_report(st, failure->code ? failure->msg : NULL, waited);
    teardown(st);
}
