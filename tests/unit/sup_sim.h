/*
 * sup_sim.h — a simulated cluster for supervisor tests: a fake task queue
 * whose index_kafka tasks answer the chat endpoints of druid-streaming.md §3.5
 * the way a streaming task does (status, pause, resume, offsets, end offsets
 * with finish, checkpoints, start time, stop), a fake stream with settable
 * partitions and earliest/latest offsets, a simulated clock, and a real
 * in-memory metadata store. The supervisor manager runs in manual mode over
 * it, so every test is deterministic.
 *
 * Tests drive it: sim_read() makes reading tasks catch up with the stream,
 * sim_publish() commits what a publishing task read (as the real task's
 * publish transaction would) and ends it with SUCCESS.
 */
#ifndef VRV_TEST_SUP_SIM_H
#define VRV_TEST_SUP_SIM_H

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"
#include "overlord/supervisor.h"
#include "task/stream_payload.h"
#include "test.h"

#define SIM_MAX_PARTS 16

typedef enum { FT_QUEUED, FT_RUNNING, FT_SUCCESS, FT_FAILED } ft_state;
typedef enum { FR_READING, FR_PAUSED, FR_PUBLISHING } ft_runner;

typedef struct ftask {
    char *id;
    json_t *payload;
    vrv_stask_payload p;
    ft_state state;
    ft_runner runner;
    vrv_ms start;
    vrv_posmap current;
    vrv_posmap end;
    VRV_VEC(vrv_stask_checkpoint) seqs;
    bool finished;
    int pauses, resumes, set_ends, stops;
    char *kill_reason;
} ftask;

typedef struct sim {
    vrv_ms now;
    VRV_VEC(ftask *) tasks;
    char topic[64];
    int nparts;
    int64_t earliest[SIM_MAX_PARTS], latest[SIM_MAX_PARTS];
    int supplier_error; /* partitions() fails with it when != 0 */
    /* topicPattern mode: these topics, each with tparts partitions (offsets
     * by partition number, as for the single topic). */
    bool multi;
    int ntopics;
    char topics[4][32];
    int tparts[4];
    bool auto_start;    /* submitted tasks start running at once */
    bool reject_submit;
    vrv_meta *meta;
    vrv_sup_mgr *mgr;
    int submits, kills;
    /* Threaded runs (the concurrency test): the system clock, the manager's
     * own threads, and every operation under mu. */
    bool threaded;
    pthread_mutex_t mu;
} sim;

static inline void sim_lock(sim *s)
{
    pthread_mutex_lock(&s->mu);
}

static inline void sim_unlock(sim *s)
{
    pthread_mutex_unlock(&s->mu);
}

/* ---- the fake stream ----------------------------------------------------------- */

typedef struct fsup {
    vrv_supplier base;
    sim *s;
} fsup;

static inline int fs_partitions(vrv_supplier *sp, vrv_part **out, size_t *n, vrv_error *err)
{
    sim *s = ((fsup *)sp)->s;
    sim_lock(s);
    int rc = 0;
    if (s->supplier_error) {
        rc = vrv_error_set(err, s->supplier_error, "Failed to get partitions: broker down");
    } else if (s->multi) {
        *out = vrv_calloc(4 * SIM_MAX_PARTS, sizeof **out);
        *n = 0;
        for (int t = 0; t < s->ntopics; t++)
            for (int i = 0; i < s->tparts[t]; i++)
                vrv_part_kafka(s->topics[t], i, &(*out)[(*n)++], NULL);
    } else {
        *out = vrv_calloc((size_t)s->nparts + 1, sizeof **out);
        for (int i = 0; i < s->nparts; i++) vrv_part_kafka(NULL, i, &(*out)[i], NULL);
        *n = (size_t)s->nparts;
    }
    sim_unlock(s);
    return rc;
}

static inline int fs_edges(vrv_supplier *sp, const vrv_part *parts, size_t n, bool latest, vrv_pos *out,
                    vrv_error *err)
{
    sim *s = ((fsup *)sp)->s;
    sim_lock(s);
    int rc = 0;
    if (s->supplier_error) rc = vrv_error_set(err, s->supplier_error, "offsets: broker down");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int p = parts[i].partition;
        out[i] = vrv_pos_kafka(latest ? s->latest[p] : s->earliest[p]);
    }
    sim_unlock(s);
    return rc;
}

static inline void fs_close(vrv_supplier *sp)
{
    vrv_supplier_base_free(sp);
    free(sp);
}

static const vrv_supplier_ops FS_OPS = {
    .name = "fake", .partitions = fs_partitions, .edges = fs_edges, .close = fs_close};

/* ---- the fake task queue and tasks --------------------------------------------- */

static ftask *sim_task(sim *s, const char *id)
{
    for (size_t i = 0; i < s->tasks.n; i++)
        if (strcmp(s->tasks.v[i]->id, id) == 0) return s->tasks.v[i];
    return NULL;
}

static inline bool ft_active(const ftask *t)
{
    return t->state == FT_QUEUED || t->state == FT_RUNNING;
}

static inline vrv_ms se_now(void *ctx)
{
    sim *s = ctx;
    if (s->threaded) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    return s->now;
}

static inline void ft_start(sim *s, ftask *t)
{
    t->state = FT_RUNNING;
    t->runner = FR_READING;
    t->start = s->now;
}

static inline int se_submit_u(void *ctx, const json_t *task, vrv_error *err)
{
    sim *s = ctx;
    if (s->reject_submit) return vrv_error_set(err, VRV_EIO, "task queue refused the task");
    ftask *t = vrv_calloc(1, sizeof *t);
    int rc = vrv_stask_payload_parse(task, NULL, &t->p, err);
    CHECK_INT(rc, 0);
    if (rc < 0) {
        free(t);
        return rc;
    }
    t->id = vrv_strdup(t->p.id);
    t->payload = json_incref((json_t *)task);
    t->state = FT_QUEUED;
    vrv_posmap_copy(&t->current, &t->p.start);
    vrv_posmap_copy(&t->end, &t->p.end);
    for (size_t i = 0; i < t->p.n_checkpoints; i++) {
        vrv_stask_checkpoint c = {t->p.checkpoints[i].id, {0}};
        vrv_posmap_copy(&c.start, &t->p.checkpoints[i].start);
        vrv_vec_push(&t->seqs, c);
    }
    if (t->seqs.n == 0) {
        vrv_stask_checkpoint c = {0, {0}};
        vrv_posmap_copy(&c.start, &t->p.start);
        vrv_vec_push(&t->seqs, c);
    }
    /* A task starts from its latest checkpoint (earlier ones are published). */
    vrv_posmap_free(&t->current);
    vrv_posmap_copy(&t->current, &t->seqs.v[t->seqs.n - 1].start);
    if (s->auto_start) ft_start(s, t);
    vrv_vec_push(&s->tasks, t);
    s->submits++;
    return 0;
}

static inline int se_active_u(void *ctx, const char *ds, vrv_sup_active_task **out, size_t *n,
                     vrv_error *err)
{
    (void)err;
    sim *s = ctx;
    *out = vrv_calloc(s->tasks.n + 1, sizeof **out);
    *n = 0;
    for (size_t i = 0; i < s->tasks.n; i++) {
        ftask *t = s->tasks.v[i];
        if (!ft_active(t) || strcmp(t->p.data_source, ds) != 0) continue;
        (*out)[*n].id = vrv_strdup(t->id);
        (*out)[*n].type = vrv_strdup("index_kafka");
        (*out)[*n].payload = json_deep_copy(t->payload);
        (*n)++;
    }
    return 0;
}

static inline int se_status_u(void *ctx, const char *id, vrv_sup_task_code *out, vrv_error *err)
{
    ftask *t = sim_task(ctx, id);
    if (!t) return vrv_error_set(err, VRV_ENOTFOUND, "no task %s", id);
    *out = ft_active(t)             ? VRV_SUP_TASK_RUNNING
           : t->state == FT_SUCCESS ? VRV_SUP_TASK_SUCCESS
                                    : VRV_SUP_TASK_FAILED;
    return 0;
}

static inline bool se_running_u(void *ctx, const char *id)
{
    ftask *t = sim_task(ctx, id);
    return t && t->state == FT_RUNNING;
}

static inline void se_kill_u(void *ctx, const char *id, const char *reason)
{
    sim *s = ctx;
    ftask *t = sim_task(s, id);
    if (!t || !ft_active(t)) return;
    t->state = FT_FAILED;
    free(t->kill_reason);
    t->kill_reason = vrv_strdup(reason);
    s->kills++;
    /* As the overlord's listener does when a task completes. */
    if (s->mgr) vrv_sup_task_changed(s->mgr, t->p.data_source);
}

/* {"<partition>": offset} */
static inline json_t *sup_map_json_sim(const vrv_posmap *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->n; i++)
        json_object_set_new(o, m->v[i].part.id, json_integer((json_int_t)m->v[i].pos.offset));
    return o;
}

static inline void reply_json(long *status, vrv_buf *out, long st, json_t *j)
{
    *status = st;
    char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
    vrv_buf_puts(out, text);
    free(text);
    json_decref(j);
}

static inline int se_chat_u(void *ctx, const char *id, const char *method, const char *path,
                   const char *query, const char *body, int64_t timeout_ms, long *status,
                   vrv_buf *out, vrv_error *err)
{
    (void)timeout_ms;
    sim *s = ctx;
    ftask *t = sim_task(s, id);
    if (!t || t->state != FT_RUNNING) return vrv_error_set(err, VRV_ENOTFOUND, "not running");
    static const char *const RN[] = {"READING", "PAUSED", "PUBLISHING"};
    if (strcmp(path, "status") == 0) {
        reply_json(status, out, 200, json_string(RN[t->runner]));
    } else if (strcmp(path, "pause") == 0) {
        t->pauses++;
        if (t->runner == FR_PUBLISHING) {
            *status = 409;
            vrv_buf_puts(out, "Can't pause, task is not in a pausable state");
        } else {
            t->runner = FR_PAUSED;
            reply_json(status, out, 200, sup_map_json_sim(&t->current));
        }
    } else if (strcmp(path, "resume") == 0) {
        t->resumes++;
        if (t->runner == FR_PAUSED) t->runner = FR_READING;
        *status = 200;
    } else if (strcmp(path, "offsets/current") == 0) {
        reply_json(status, out, 200, sup_map_json_sim(&t->current));
    } else if (strcmp(path, "offsets/end") == 0 && strcmp(method, "GET") == 0) {
        reply_json(status, out, 200, sup_map_json_sim(&t->end));
    } else if (strcmp(path, "offsets/end") == 0) {
        t->set_ends++;
        bool finish = !query || strstr(query, "finish=false") == NULL;
        json_t *j = json_loads(body ? body : "", 0, NULL);
        vrv_posmap m;
        vrv_posmap_init(&m, VRV_STREAM_KAFKA, s->topic);
        const char *k;
        json_t *v;
        json_object_foreach(j, k, v)
        {
            vrv_part p;
            vrv_part_parse(VRV_STREAM_KAFKA, k, strlen(k), &p, NULL);
            vrv_pos pos = vrv_pos_kafka(json_integer_value(v));
            vrv_posmap_set(&m, &p, &pos);
        }
        json_decref(j);
        if (t->runner != FR_PAUSED) {
            *status = 400;
            vrv_buf_puts(out, "Task must be paused before changing the end offsets");
            vrv_posmap_free(&m);
            return 0;
        }
        if (finish) {
            vrv_posmap_free(&t->end);
            vrv_posmap_copy(&t->end, &m);
            /* It reads up to the end at once and publishes. */
            vrv_posmap_free(&t->current);
            vrv_posmap_copy(&t->current, &m);
            t->finished = true;
            t->runner = FR_PUBLISHING;
        } else {
            vrv_stask_checkpoint c = {t->seqs.v[t->seqs.n - 1].id + 1, {0}};
            vrv_posmap_copy(&c.start, &m);
            vrv_vec_push(&t->seqs, c);
            t->runner = FR_READING;
        }
        vrv_posmap_free(&m);
        *status = 200;
        vrv_buf_puts(out, body ? body : "");
    } else if (strcmp(path, "checkpoints") == 0) {
        char *text = vrv_stask_checkpoints_text(t->seqs.v, t->seqs.n);
        *status = 200;
        vrv_buf_puts(out, text);
        free(text);
    } else if (strcmp(path, "time/start") == 0) {
        char b[VRV_TIME_STR_MAX];
        vrv_time_format(t->start, b);
        reply_json(status, out, 200, json_string(b));
    } else if (strcmp(path, "stop") == 0) {
        t->stops++;
        t->state = FT_SUCCESS; /* exits without publishing */
        vrv_sup_task_changed(s->mgr, t->p.data_source);
        *status = 200;
    } else if (strcmp(path, "rowStats") == 0) {
        reply_json(status, out, 200,
                   json_pack("{s:{s:{s:i}}}", "totals", "buildSegments", "processed", 42));
    } else if (strcmp(path, "unparseableEvents") == 0) {
        reply_json(status, out, 200,
                   json_pack("[{s:s, s:s, s:[s], s:I}]", "input", id, "errorType", "unparseable",
                             "details", "bad", "timeOfExceptionMillis", (json_int_t)t->start));
    } else {
        *status = 404;
    }
    return 0;
}

static inline int se_open_u(void *ctx, const vrv_spec_supervisor *spec, vrv_supplier **out, vrv_error *err)
{
    (void)err;
    sim *s = ctx;
    fsup *f = vrv_calloc(1, sizeof *f);
    bool multi = spec->io.topic_pattern != NULL;
    CHECK(multi == s->multi);
    vrv_supplier_base_init(&f->base, &FS_OPS, VRV_STREAM_KAFKA,
                           multi ? spec->io.topic_pattern : spec->io.topic, multi);
    f->s = ctx;
    *out = &f->base;
    return 0;
}

/* Every operation of the simulated cluster under its lock. */
static inline int se_submit(void *ctx, const json_t *task, vrv_error *err)
{
    sim_lock(ctx);
    int rc = se_submit_u(ctx, task, err);
    sim_unlock(ctx);
    return rc;
}

static inline int se_active(void *ctx, const char *ds, vrv_sup_active_task **out, size_t *n,
                     vrv_error *err)
{
    sim_lock(ctx);
    int rc = se_active_u(ctx, ds, out, n, err);
    sim_unlock(ctx);
    return rc;
}

static inline int se_status(void *ctx, const char *id, vrv_sup_task_code *out, vrv_error *err)
{
    sim_lock(ctx);
    int rc = se_status_u(ctx, id, out, err);
    sim_unlock(ctx);
    return rc;
}

static inline bool se_running(void *ctx, const char *id)
{
    sim_lock(ctx);
    bool r = se_running_u(ctx, id);
    sim_unlock(ctx);
    return r;
}

static inline void se_kill(void *ctx, const char *id, const char *reason)
{
    sim_lock(ctx);
    se_kill_u(ctx, id, reason);
    sim_unlock(ctx);
}

static inline int se_chat(void *ctx, const char *id, const char *method, const char *path,
                   const char *query, const char *body, int64_t timeout_ms, long *status,
                   vrv_buf *out, vrv_error *err)
{
    sim_lock(ctx);
    int rc = se_chat_u(ctx, id, method, path, query, body, timeout_ms, status, out, err);
    sim_unlock(ctx);
    return rc;
}

static inline int se_open(void *ctx, const vrv_spec_supervisor *spec, vrv_supplier **out, vrv_error *err)
{
    sim_lock(ctx);
    int rc = se_open_u(ctx, spec, out, err);
    sim_unlock(ctx);
    return rc;
}

static inline void se_sleep(void *ctx, int64_t ms)
{
    (void)ctx;
    (void)ms;
}

static const vrv_sup_env_ops SIM_OPS = {.now = se_now,
                                        .submit = se_submit,
                                        .active_tasks = se_active,
                                        .task_status = se_status,
                                        .task_running = se_running,
                                        .kill = se_kill,
                                        .chat = se_chat,
                                        .open_supplier = se_open,
                                        .sleep_ms = se_sleep};

/* ---- driving the simulation ----------------------------------------------------- */

static inline void sim_mgr(sim *s)
{
    vrv_sup_config cfg = {.manual = !s->threaded, .offset_fetch_delay_ms = -1};
    vrv_sup_env env = {&SIM_OPS, s};
    s->mgr = vrv_sup_mgr_new(&cfg, s->meta, &env);
    vrv_error err;
    CHECK_INT(vrv_sup_mgr_start(s->mgr, &err), 0);
}

static inline void sim_init_mode(sim *s, int nparts, bool threaded)
{
    memset(s, 0, sizeof *s);
    s->threaded = threaded;
    s->now = 1700000000000LL;
    snprintf(s->topic, sizeof s->topic, "events");
    s->nparts = nparts;
    for (int i = 0; i < SIM_MAX_PARTS; i++) {
        s->earliest[i] = 0;
        s->latest[i] = 100 + i;
    }
    s->auto_start = true;
    pthread_mutex_init(&s->mu, NULL);
    vrv_error err;
    CHECK_INT(vrv_meta_open_sqlite(":memory:", NULL, &s->meta, &err), 0);
    sim_mgr(s);
}

static inline void sim_init(sim *s, int nparts)
{
    sim_init_mode(s, nparts, false);
}

static inline void ftask_free(ftask *t)
{
    free(t->id);
    json_decref(t->payload);
    vrv_stask_payload_free(&t->p);
    vrv_posmap_free(&t->current);
    vrv_posmap_free(&t->end);
    for (size_t i = 0; i < t->seqs.n; i++) vrv_posmap_free(&t->seqs.v[i].start);
    vrv_vec_free(&t->seqs);
    free(t->kill_reason);
    free(t);
}

static inline void sim_free(sim *s)
{
    vrv_sup_mgr_free(s->mgr);
    for (size_t i = 0; i < s->tasks.n; i++) ftask_free(s->tasks.v[i]);
    vrv_vec_free(&s->tasks);
    vrv_meta_close(s->meta);
    pthread_mutex_destroy(&s->mu);
}

/* Advances the clock and lets the supervisors act. */
static inline void sim_step(sim *s, vrv_ms ms)
{
    s->now += ms;
    vrv_sup_mgr_tick(s->mgr);
}

/* Reading tasks catch up with the stream (up to their end). */
static inline void sim_read(sim *s)
{
    for (size_t i = 0; i < s->tasks.n; i++) {
        ftask *t = s->tasks.v[i];
        if (t->state != FT_RUNNING || t->runner != FR_READING) continue;
        for (size_t k = 0; k < t->current.n; k++) {
            vrv_part *p = &t->current.v[k].part;
            int64_t to = s->latest[p->partition];
            const vrv_pos *e = vrv_posmap_get(&t->end, p);
            if (e && e->kind == VRV_POS_OFFSET && e->offset < to) to = e->offset;
            if (t->current.v[k].pos.offset < to) t->current.v[k].pos.offset = to;
        }
    }
}

/* The stored offsets as {"0":n,...} text, "" when none. */
static inline char *sim_stored(sim *s)
{
    char *payload = NULL;
    if (vrv_meta_commit_metadata_get(s->meta, "metrics", &payload, NULL, NULL) < 0)
        return vrv_strdup("");
    json_t *j = json_loads(payload, 0, NULL);
    free(payload);
    char *t = json_dumps(json_object_get(json_object_get(j, "partitions"), "partitionOffsetMap"),
                         JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return t;
}

/* Stores offsets {p: off} given as pairs, ending with -1. */
static inline void sim_store(sim *s, const char *sup_id, ...)
{
    vrv_posmap m;
    vrv_posmap_init(&m, VRV_STREAM_KAFKA, s->topic);
    va_list ap;
    va_start(ap, sup_id);
    for (;;) {
        int p = va_arg(ap, int);
        if (p < 0) break;
        int64_t off = va_arg(ap, int64_t);
        vrv_part part;
        vrv_part_kafka(NULL, p, &part, NULL);
        vrv_pos pos = vrv_pos_kafka(off);
        vrv_posmap_set(&m, &part, &pos);
    }
    va_end(ap);
    json_t *j = vrv_stask_metadata_json(&m, VRV_POSMAP_END);
    char *text = json_dumps(j, JSON_COMPACT);
    CHECK_INT(vrv_meta_commit_metadata_set(s->meta, sup_id, text, NULL), 0);
    free(text);
    json_decref(j);
    vrv_posmap_free(&m);
}

/* A publishing task commits its sequence (stored := stored.plus(end)) and
 * succeeds. */
static inline void sim_publish(sim *s, ftask *t)
{
    CHECK(t->runner == FR_PUBLISHING);
    char *payload = NULL;
    vrv_posmap stored;
    if (vrv_meta_commit_metadata_get(s->meta, "metrics", &payload, NULL, NULL) == 0) {
        json_t *j = json_loads(payload, 0, NULL);
        CHECK_INT(vrv_posmap_from_metadata_json(j, "stored", &stored, NULL), 0);
        json_decref(j);
        free(payload);
    } else {
        vrv_posmap_init(&stored, VRV_STREAM_KAFKA, s->topic);
    }
    vrv_posmap next;
    vrv_posmap_plus(&stored, &t->end, &next);
    json_t *j = vrv_stask_metadata_json(&next, VRV_POSMAP_END);
    char *text = json_dumps(j, JSON_COMPACT);
    CHECK_INT(vrv_meta_commit_metadata_set(s->meta, "metrics", text, NULL), 0);
    free(text);
    json_decref(j);
    vrv_posmap_free(&next);
    vrv_posmap_free(&stored);
    t->state = FT_SUCCESS;
    vrv_sup_task_changed(s->mgr, t->p.data_source);
}

/* Active tasks of a task group. */
static inline size_t sim_group_tasks(sim *s, int gid, ftask **out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < s->tasks.n; i++) {
        ftask *t = s->tasks.v[i];
        if (ft_active(t) && t->p.task_group_id == gid && n < cap) out[n++] = t;
    }
    return n;
}

/* The supervisor's status payload (caller decrefs). */
static inline json_t *sim_status(sim *s, const char *id)
{
    json_t *out = NULL;
    vrv_error err;
    CHECK_INT(vrv_sup_status(s->mgr, id, &out, &err), 0);
    json_t *p = json_incref(json_object_get(out, "payload"));
    json_decref(out);
    return p;
}

static inline const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static inline long long jint(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

/* The compact, key-sorted text of a JSON value (malloc'd). */
static inline char *jtext(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}

#define CHECK_JSON(j, want)                                                                        \
    do {                                                                                           \
        char *t_ = jtext(j);                                                                       \
        CHECK_STR(t_, want);                                                                       \
        free(t_);                                                                                  \
    } while (0)

/* The {"partition": offset} text of a position map. */
#define CHECK_MAP(m, want)                                                                         \
    do {                                                                                           \
        json_t *j_ = sup_map_json_sim(m);                                                          \
        CHECK_JSON(j_, want);                                                                      \
        json_decref(j_);                                                                           \
    } while (0)

#endif
