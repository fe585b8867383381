/*
 * overlord.c — the task queue and runner (see overlord.h).
 *
 * One runner thread owns the task processes: it forks them (so that
 * PR_SET_PDEATHSIG, which is tied to the forking thread, kills them if the
 * server dies), reaps them, grants the up-front locks of waiting tasks and
 * starts pending ones when slots free up. HTTP threads only change the
 * in-memory queue under the mutex and wake the runner. The metadata store is
 * written under the mutex as well, so the stored status never disagrees with
 * the queue.
 */
#include "overlord/overlord_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/granularity.h"
#include "base/mem.h"
#include "json/jutil.h"
#include "server/http_client.h"
#include "spec/spec.h"
#include "task/stream_payload.h"
#include "task/taskdir.h"

#define RUNNER_TICK_MS     100
#define BATCH_PRIORITY     50 /* Druid's default for index / index_parallel */
#define TASK_ID_RANDOM_LEN 8

static const char *const EPOCH_ISO = "1970-01-01T00:00:00.000Z";

vrv_ms ovl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *dup_or_null(const char *s)
{
    return s ? vrv_strdup(s) : NULL;
}

json_t *vrv_task_location_json(const char *host, int port)
{
    return json_pack("{s:o, s:i, s:i}", "host", host ? json_string(host) : json_null(), "port",
                     port, "tlsPort", -1);
}

static void otask_free(otask *t)
{
    if (!t) return;
    free(t->id);
    free(t->group_id);
    free(t->type);
    free(t->datasource);
    free(t->lock_ivs);
    free(t->host);
    json_decref(t->payload);
    free(t);
}

otask *ovl_find(vrv_overlord *o, const char *id)
{
    for (size_t i = 0; i < o->tasks.n; i++)
        if (strcmp(o->tasks.v[i]->id, id) == 0) return o->tasks.v[i];
    return NULL;
}

static char *task_dir(const vrv_overlord *o, const char *id)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/%s", o->cfg.task_dir, id);
    return vrv_buf_detach(&b);
}

static char *task_file(const vrv_overlord *o, const char *id, const char *name)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/%s/%s", o->cfg.task_dir, id, name);
    return vrv_buf_detach(&b);
}

/* A task id must be a usable directory name. */
static bool id_ok(const char *id)
{
    if (!id || !*id || strlen(id) > 255 || strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
        return false;
    for (const char *p = id; *p; p++)
        if (*p == '/' || (unsigned char)*p < 0x20) return false;
    return true;
}

/* ---- status JSON ---------------------------------------------------------------- */

/* Druid's TaskStatus: {"id","status","duration","errorMsg","location"}. */
static json_t *status_json(const char *id, const char *code, int64_t duration,
                           const char *error_msg, const char *host, int port)
{
    return json_pack("{s:s, s:s, s:I, s:o, s:o}", "id", id, "status", code, "duration",
                     (json_int_t)duration, "errorMsg",
                     error_msg ? json_string(error_msg) : json_null(), "location",
                     vrv_task_location_json(host, port));
}

static char *status_text(const char *id, const char *code, int64_t duration, const char *error_msg,
                         const char *host, int port)
{
    json_t *j = status_json(id, code, duration, error_msg, host, port);
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    return s;
}

static const char *runner_code(ot_state s)
{
    switch (s) {
    case OT_WAITING: return "WAITING";
    case OT_PENDING: return "PENDING";
    case OT_RUNNING: return "RUNNING";
    }
    return "NONE";
}

/* TaskStatusPlus of an active task. */
static json_t *plus_active(const otask *t)
{
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(t->id));
    json_object_set_new(j, "groupId", json_string(t->group_id));
    json_object_set_new(j, "type", json_string(t->type));
    json_object_set_new(j, "createdTime", json_string(t->created));
    /* Druid shows the insertion time for tasks the runner holds, the epoch otherwise. */
    json_object_set_new(j, "queueInsertionTime",
                        json_string(t->state == OT_WAITING ? EPOCH_ISO : t->created));
    json_object_set_new(j, "statusCode", json_string("RUNNING"));
    json_object_set_new(j, "status", json_string("RUNNING"));
    json_object_set_new(j, "runnerStatusCode", json_string(runner_code(t->state)));
    json_object_set_new(j, "duration", json_integer(-1));
    json_object_set_new(j, "location", vrv_task_location_json(t->host, t->host ? t->port : -1));
    json_object_set_new(j, "dataSource", json_string(t->datasource));
    json_object_set_new(j, "errorMsg", json_null());
    return j;
}

/* TaskStatusPlus of a stored (complete) task. */
static json_t *plus_stored(const vrv_meta_task *mt)
{
    json_t *st = json_loads(mt->status_payload ? mt->status_payload : "{}", 0, NULL);
    json_t *pl = json_loads(mt->payload ? mt->payload : "{}", 0, NULL);
    const char *code = json_string_value(json_object_get(st, "status"));
    if (!code) code = "FAILED";
    const char *type = mt->type ? mt->type : json_string_value(json_object_get(pl, "type"));
    const char *group = mt->group_id ? mt->group_id : json_string_value(json_object_get(pl, "groupId"));
    json_t *loc = json_object_get(st, "location");
    json_t *j = json_object();
    json_object_set_new(j, "id", json_string(mt->id));
    json_object_set_new(j, "groupId", group ? json_string(group) : json_string(mt->id));
    json_object_set_new(j, "type", type ? json_string(type) : json_null());
    json_object_set_new(j, "createdTime",
                        json_string(mt->created_date ? mt->created_date : EPOCH_ISO));
    json_object_set_new(j, "queueInsertionTime", json_string(EPOCH_ISO));
    json_object_set_new(j, "statusCode", json_string(code));
    json_object_set_new(j, "status", json_string(code));
    json_object_set_new(j, "runnerStatusCode", json_string(mt->active ? "WAITING" : "NONE"));
    json_t *dur = json_object_get(st, "duration");
    json_object_set_new(j, "duration", json_integer(json_is_integer(dur) ? json_integer_value(dur) : -1));
    json_object_set_new(j, "location", json_is_object(loc) ? json_incref(loc)
                                                          : vrv_task_location_json(NULL, -1));
    json_object_set_new(j, "dataSource", json_string(mt->datasource ? mt->datasource : ""));
    json_t *em = json_object_get(st, "errorMsg");
    json_object_set_new(j, "errorMsg", json_is_string(em) ? json_copy(em) : json_null());
    json_decref(st);
    json_decref(pl);
    return j;
}

/* ---- submission -------------------------------------------------------------------- */

static void random_letters(char *out, size_t n)
{
    unsigned char r[32];
    if (n > sizeof r) n = sizeof r;
    if (getrandom(r, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++) r[i] = (unsigned char)(rand() ^ (int)ovl_now());
    for (size_t i = 0; i < n; i++) out[i] = (char)('a' + r[i] % 26);
    out[n] = '\0';
}

/* The payload Druid stores: type, id, groupId, resource, the spec fields as
 * submitted, context (with the batch defaults Druid adds), dataSource. */
static json_t *build_payload(const json_t *task, const char *id, const char *group,
                             const char *ds)
{
    json_t *p = json_object();
    json_object_set(p, "type", json_object_get(task, "type"));
    json_object_set_new(p, "id", json_string(id));
    json_object_set_new(p, "groupId", json_string(group));
    json_t *res = json_object_get(task, "resource");
    if (json_is_object(res))
        json_object_set(p, "resource", res);
    else
        json_object_set_new(p, "resource", json_pack("{s:s, s:i}", "availabilityGroup", id,
                                                     "requiredCapacity", 1));
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)task, key, val)
    {
        if (strcmp(key, "type") == 0 || strcmp(key, "id") == 0 || strcmp(key, "groupId") == 0 ||
            strcmp(key, "resource") == 0 || strcmp(key, "context") == 0 ||
            strcmp(key, "dataSource") == 0)
            continue;
        json_object_set(p, key, val);
    }
    json_t *ctx = json_object_get(task, "context");
    json_t *nctx = json_is_object(ctx) ? json_deep_copy(ctx) : json_object();
    if (!json_object_get(nctx, "forceTimeChunkLock"))
        json_object_set_new(nctx, "forceTimeChunkLock", json_true());
    if (!json_object_get(nctx, "useLineageBasedSegmentAllocation"))
        json_object_set_new(nctx, "useLineageBasedSegmentAllocation", json_true());
    json_object_set_new(p, "context", nctx);
    json_object_set_new(p, "dataSource", json_string(ds));
    return p;
}

/* The intervals an overwriting task locks before it starts: its input
 * intervals widened to whole segment-granularity buckets, condensed. */
static int lock_intervals(const vrv_spec_batch *b, vrv_interval **out, size_t *n, vrv_error *err)
{
    *out = NULL;
    *n = 0;
    const vrv_spec_granularity *gs = &b->schema.granularity;
    if (b->append_to_existing || gs->n_intervals == 0) return 0;
    (void)err;
    const vrv_gran g = gs->segment;
    vrv_interval *ivs = vrv_malloc(gs->n_intervals * sizeof *ivs);
    for (size_t i = 0; i < gs->n_intervals; i++) {
        vrv_interval iv = gs->intervals[i];
        if (gs->arbitrary) {
            ivs[i] = iv;
            continue;
        }
        vrv_ms s = vrv_gran_bucket_start(&g, iv.start);
        vrv_ms e = iv.end > iv.start ? vrv_gran_ceil(&g, iv.end) : iv.end;
        ivs[i] = vrv_interval_make(s, e);
    }
    *n = vrv_interval_condense(ivs, gs->n_intervals);
    *out = ivs;
    return 0;
}

/* What the queue needs to know of a task, from its validated JSON. */
typedef struct task_info {
    char *ds;            /* dataSource */
    char *given_id;      /* "id", or NULL */
    char *group;         /* groupId: a streaming task's is computed, a batch task's as given */
    int priority;
    vrv_interval *lock_ivs; /* up-front locks (batch overwrite); streaming tasks have none,
                               they lock per allocated segment */
    size_t n_lock_ivs;
} task_info;

static void task_info_clear(task_info *ti)
{
    free(ti->ds);
    free(ti->given_id);
    free(ti->group);
    free(ti->lock_ivs);
    memset(ti, 0, sizeof *ti);
}

/* index_kafka or index_kinesis: a streaming task (task/stream_payload.h). */
static bool stream_task_type(const char *type)
{
    return type && (strcmp(type, VRV_STASK_TYPE_KAFKA) == 0 ||
                    strcmp(type, VRV_STASK_TYPE_KINESIS) == 0);
}

/* Validates a task of a known type through its own parser. */
static int task_info_get(vrv_overlord *o, const json_t *task, const char *type, task_info *ti,
                         vrv_error *err)
{
    memset(ti, 0, sizeof *ti);
    vrv_spec_opts opts = {.memory_budget = o->cfg.task_memory};
    if (stream_task_type(type)) {
        vrv_stask_payload p;
        int rc = vrv_stask_payload_parse(task, &opts, &p, err);
        if (rc < 0) return rc;
        ti->ds = vrv_strdup(p.data_source);
        ti->given_id = dup_or_null(p.id);
        ti->group = vrv_strdup(p.group_id);
        ti->priority = p.priority;
        vrv_stask_payload_free(&p);
        return 0;
    }
    vrv_spec_batch spec;
    int rc = vrv_spec_batch_parse(task, &opts, &spec, err);
    if (rc < 0) return rc;
    ti->ds = vrv_strdup(spec.schema.data_source);
    ti->given_id = dup_or_null(spec.id);
    ti->group = dup_or_null(json_string_value(json_object_get(task, "groupId")));
    ti->priority = BATCH_PRIORITY;
    json_t *prio = json_object_get(json_object_get(task, "context"), "priority");
    if (json_is_integer(prio)) ti->priority = (int)json_integer_value(prio);
    rc = lock_intervals(&spec, &ti->lock_ivs, &ti->n_lock_ivs, err);
    vrv_spec_batch_free(&spec);
    if (rc < 0) task_info_clear(ti);
    return rc;
}

int vrv_overlord_submit(vrv_overlord *o, const json_t *task, char **id_out, vrv_error *err)
{
    *id_out = NULL;
    if (!json_is_object(task)) return vrv_error_set(err, VRV_EINVAL, "task: must be a JSON object");
    const char *type = json_string_value(json_object_get(task, "type"));
    if (!type)
        return vrv_error_set(err, VRV_EINVAL,
                             "Missing type id when trying to resolve subtype of `Task`: missing "
                             "type id property 'type'");
    if (strcmp(type, "index_parallel") != 0 && strcmp(type, "index") != 0 &&
        !stream_task_type(type))
        return vrv_error_set(err, VRV_EINVAL,
                             "Could not resolve type id '%s' as a subtype of `Task`: known type "
                             "ids = [index, index_kafka, index_kinesis, index_parallel]",
                             type);
    task_info ti;
    int rc = task_info_get(o, task, type, &ti, err);
    if (rc < 0) return rc;
    const char *ds = ti.ds;
    char *id = NULL;
    if (ti.given_id) {
        id = vrv_strdup(ti.given_id);
    } else {
        char rnd[TASK_ID_RANDOM_LEN + 1], now[VRV_TIME_STR_MAX];
        random_letters(rnd, TASK_ID_RANDOM_LEN);
        vrv_time_format(ovl_now(), now);
        vrv_buf b = VRV_BUF_INIT;
        /* Druid names a streaming task without an id index_kafka_<ds>_<random>. */
        if (stream_task_type(type))
            vrv_buf_printf(&b, "%s_%s_%s", type, ds, rnd);
        else
            vrv_buf_printf(&b, "%s_%s_%s_%s", type, ds, rnd, now);
        id = vrv_buf_detach(&b);
    }
    if (!id_ok(id)) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "id: [%s] cannot be a task id (empty, too long, or with '/' or control "
                           "characters)",
                           id);
        free(id);
        task_info_clear(&ti);
        return rc;
    }
    const char *group = ti.group ? ti.group : id;
    otask *t = vrv_calloc(1, sizeof *t);
    t->id = id;
    t->group_id = vrv_strdup(group);
    t->type = vrv_strdup(type);
    t->datasource = vrv_strdup(ds);
    t->priority = ti.priority;
    t->lock_ivs = ti.lock_ivs;
    t->n_lock_ivs = ti.n_lock_ivs;
    ti.lock_ivs = NULL;
    t->payload = build_payload(task, id, group, ds);
    task_info_clear(&ti);
    vrv_time_format(ovl_now(), t->created);
    char *payload = json_dumps(t->payload, JSON_COMPACT);
    char *status = status_text(id, "RUNNING", -1, NULL, NULL, -1);
    vrv_meta_task mt = {.id = id,
                        .created_date = t->created,
                        .datasource = t->datasource,
                        .type = t->type,
                        .group_id = t->group_id,
                        .payload = payload,
                        .status_payload = status,
                        .active = true};
    pthread_mutex_lock(&o->mu);
    rc = vrv_meta_task_insert(o->meta, &mt, err);
    if (rc == 0) {
        vrv_vec_push(&o->tasks, t);
        pthread_cond_broadcast(&o->cv);
    }
    pthread_mutex_unlock(&o->mu);
    free(payload);
    free(status);
    if (rc < 0) {
        if (rc == VRV_ECONFLICT) vrv_error_set(err, VRV_ECONFLICT, "Task[%s] already exists", id);
        otask_free(t);
        return rc;
    }
    VRV_INFO("overlord", "task [%s] submitted (dataSource %s)", t->id, t->datasource);
    *id_out = vrv_strdup(t->id);
    return 0;
}

/* ---- completion ---------------------------------------------------------------------- */

/* Records a task's final status, releases its locks and drops it from the
 * queue. Caller holds mu; t is freed. */
static void complete(vrv_overlord *o, otask *t, const char *code, const char *error_msg)
{
    int64_t duration = t->start_ms ? ovl_now() - t->start_ms : 0;
    char *st = status_text(t->id, code, duration, error_msg, t->host, t->host ? t->port : -1);
    vrv_error err;
    if (vrv_meta_task_set_status(o->meta, t->id, st, false, &err) < 0)
        VRV_ERR("overlord", "task [%s]: recording status %s: %s", t->id, code, err.msg);
    free(st);
    ovl_lock_release_task(o, t->id);
    for (size_t i = 0; i < o->tasks.n; i++)
        if (o->tasks.v[i] == t) {
            memmove(&o->tasks.v[i], &o->tasks.v[i + 1], (o->tasks.n - i - 1) * sizeof(otask *));
            o->tasks.n--;
            break;
        }
    /* The last streaming task of its group is done: the ids its group
     * allocated are forgotten, as Druid cleans up a task allocator's pending
     * segments. Otherwise a later task with the same sequence name (a
     * supervisor reset to the same offsets) would be handed the id of a
     * segment already published, and its rows would hide behind it. No
     * replica is left that could still need the same ids. */
    bool stream = t->type && (strcmp(t->type, "index_kafka") == 0 ||
                              strcmp(t->type, "index_kinesis") == 0);
    bool last = true;
    for (size_t i = 0; stream && i < o->tasks.n && last; i++)
        last = !o->tasks.v[i]->group_id || !t->group_id ||
               strcmp(o->tasks.v[i]->group_id, t->group_id) != 0;
    if (stream && last && t->group_id) {
        size_t deleted = 0;
        if (vrv_meta_pending_delete_allocator(o->meta, t->group_id, &deleted, &err) < 0)
            VRV_WARN("overlord", "task [%s]: removing the pending segments of [%s]: %s", t->id,
                     t->group_id, err.msg);
        else if (deleted)
            VRV_INFO("overlord", "removed %zu pending segments of [%s]", deleted, t->group_id);
    }
    if (error_msg)
        VRV_INFO("overlord", "task [%s] %s: %s", t->id, code, error_msg);
    else
        VRV_INFO("overlord", "task [%s] %s", t->id, code);
    pthread_cond_broadcast(&o->cv);
    if (o->listener) o->listener(o->listener_ctx, t->id, t->datasource);
    otask_free(t);
}

/* The status a finished process left in its directory, if any. */
static bool read_status_file(vrv_overlord *o, const char *id, char **code, char **msg)
{
    char *path = task_file(o, id, VRV_TASKDIR_STATUS);
    vrv_buf b = VRV_BUF_INIT;
    bool ok = false;
    if (vrv_fs_read(path, &b, NULL) == 0) {
        json_t *j = json_loadb(b.data ? b.data : "", b.len, 0, NULL);
        const char *c = json_string_value(json_object_get(j, "status"));
        if (c && (strcmp(c, "SUCCESS") == 0 || strcmp(c, "FAILED") == 0)) {
            *code = vrv_strdup(c);
            *msg = dup_or_null(json_string_value(json_object_get(j, "errorMsg")));
            ok = true;
        }
        json_decref(j);
    }
    vrv_buf_free(&b);
    free(path);
    return ok;
}

static void on_exit_status(vrv_overlord *o, otask *t, int wstatus)
{
    char *code = NULL, *msg = NULL;
    if (!read_status_file(o, t->id, &code, &msg)) {
        /* Java reports a process killed by signal N as exit code 128+N. */
        int ec = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + WTERMSIG(wstatus);
        vrv_buf b = VRV_BUF_INIT;
        vrv_buf_printf(&b,
                       "Task execution process exited unsuccessfully with code[%d]. See "
                       "middleManager logs for more details.",
                       ec);
        code = vrv_strdup("FAILED");
        msg = vrv_buf_detach(&b);
    }
    complete(o, t, code, msg);
    free(code);
    free(msg);
}

/* ---- the runner ---------------------------------------------------------------------- */

/* A task's environment: the server's, with glibc's malloc asked to back the
 * heap with transparent huge pages (GLIBC_TUNABLES glibc.malloc.hugetlb=1)
 * unless the environment already sets glibc.malloc.hugetlb (0 turns it
 * off). Where the kernel grants huge pages only on request (THP "madvise"),
 * an ingesting task otherwise takes a page fault per 4 KiB of the memory its
 * Kafka client and in-memory index keep touching anew. Built before fork (no
 * allocation after it); *added is the one string allocated here. */
static char **task_environ(char **added)
{
    extern char **environ;
    size_t n = 0;
    while (environ[n]) n++;
    char **env = vrv_malloc((n + 2) * sizeof *env);
    const char *key = "GLIBC_TUNABLES=", *opt = "glibc.malloc.hugetlb=1";
    size_t k = 0;
    bool seen = false;
    *added = NULL;
    for (size_t i = 0; i < n; i++) {
        env[k++] = environ[i];
        if (seen || strncmp(environ[i], key, strlen(key)) != 0) continue;
        seen = true;
        if (strstr(environ[i], "glibc.malloc.hugetlb=")) continue;
        *added = vrv_malloc(strlen(environ[i]) + strlen(opt) + 2);
        sprintf(*added, "%s%s%s", environ[i], environ[i][strlen(key)] ? ":" : "", opt);
        env[k - 1] = *added;
    }
    if (!seen) {
        *added = vrv_malloc(strlen(key) + strlen(opt) + 1);
        sprintf(*added, "%s%s", key, opt);
        env[k++] = *added;
    }
    env[k] = NULL;
    return env;
}

/* Starts t's process. Caller holds mu (fork is quick and the child execs at
 * once). */
static int launch(vrv_overlord *o, otask *t, vrv_error *err)
{
    char *dir = task_dir(o, t->id);
    int rc = vrv_fs_mkdirs(dir, err);
    char *pl = task_file(o, t->id, VRV_TASKDIR_PAYLOAD);
    char *logp = task_file(o, t->id, VRV_TASKDIR_LOG);
    char *started = task_file(o, t->id, VRV_TASKDIR_STARTED);
    char *stat = task_file(o, t->id, VRV_TASKDIR_STATUS);
    unlink(stat); /* a stale status of an earlier attempt must not count */
    if (rc == 0) {
        char *text = json_dumps(t->payload, JSON_COMPACT | JSON_INDENT(0));
        rc = vrv_fs_write_atomic(pl, text, strlen(text), err);
        free(text);
    }
    int logfd = -1;
    if (rc == 0) {
        logfd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (logfd < 0) rc = vrv_error_set(err, VRV_EIO, "opening %s: %s", logp, strerror(errno));
    }
    pid_t pid = -1;
    char *tunables = NULL;
    char **envp = rc == 0 ? task_environ(&tunables) : NULL;
    if (rc == 0) {
        char mem[32];
        snprintf(mem, sizeof mem, "%lld", (long long)o->cfg.task_memory);
        char *argv[] = {(char *)o->cfg.exe, "task", "--id", t->id, "--task-dir", dir,
                        "--overlord", o->url, "--deep-dir", (char *)o->cfg.deep_dir, "--host",
                        (char *)o->cfg.host, "--memory", mem, "--log-level",
                        (char *)o->cfg.task_log_level, NULL};
        pid_t parent = getpid();
        pid = fork();
        if (pid == 0) {
            /* Only async-signal-safe calls from here to exec. */
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(127);
            /* The runner thread's signal mask (SIGTERM blocked for the
             * server's sigwait) would survive exec: the task starts clean. */
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);
            int devnull = open("/dev/null", O_RDONLY);
            if (devnull >= 0) dup2(devnull, 0);
            dup2(logfd, 1);
            dup2(logfd, 2);
            if (syscall(SYS_close_range, 3, ~0U, 0) != 0)
                for (int fd = 3; fd < 65536; fd++) close(fd);
            execve(o->cfg.exe, argv, envp);
            _exit(127);
        }
        if (pid < 0) rc = vrv_error_set(err, VRV_EIO, "fork: %s", strerror(errno));
    }
    free(envp);
    free(tunables);
    if (logfd >= 0) close(logfd);
    if (rc == 0) {
        char text[32];
        int n = snprintf(text, sizeof text, "%ld\n", (long)pid);
        vrv_fs_write_atomic(started, text, (size_t)n, NULL);
        t->pid = pid;
        t->start_ms = ovl_now();
        t->state = OT_RUNNING;
        VRV_INFO("overlord", "task [%s] started as process %ld", t->id, (long)pid);
    }
    free(dir);
    free(pl);
    free(logp);
    free(started);
    free(stat);
    return rc;
}

/* Grants a waiting task its up-front locks, all or none. */
static bool try_ready(vrv_overlord *o, otask *t)
{
    for (size_t i = 0; i < t->n_lock_ivs; i++) {
        olock *l;
        vrv_error err;
        if (ovl_lock_try(o, t->id, t->group_id, t->datasource, t->lock_ivs[i], t->priority, &l,
                         &err) < 0) {
            if (i > 0) ovl_lock_release_task(o, t->id);
            return false;
        }
    }
    return true;
}

static void reap(vrv_overlord *o)
{
    for (size_t i = 0; i < o->tasks.n;) {
        otask *t = o->tasks.v[i];
        int ws;
        if (t->state == OT_RUNNING && waitpid(t->pid, &ws, WNOHANG) == t->pid) {
            on_exit_status(o, t, ws); /* removes it from the vector */
            continue;
        }
        i++;
    }
    vrv_ms now = ovl_now();
    for (size_t i = 0; i < o->dying.n;) {
        dying *d = &o->dying.v[i];
        int ws;
        if (waitpid(d->pid, &ws, WNOHANG) == d->pid) {
            o->dying.v[i] = o->dying.v[--o->dying.n];
            continue;
        }
        if (!d->killed && now - d->term_ms >= o->cfg.shutdown_timeout_ms) {
            kill(d->pid, SIGKILL);
            d->killed = true;
        }
        i++;
    }
}

static void schedule(vrv_overlord *o)
{
    size_t running = 0;
    for (size_t i = 0; i < o->tasks.n; i++)
        if (o->tasks.v[i]->state == OT_RUNNING) running++;
    for (size_t i = 0; i < o->tasks.n; i++) {
        otask *t = o->tasks.v[i];
        if (t->state == OT_WAITING && try_ready(o, t)) t->state = OT_PENDING;
    }
    for (size_t i = 0; i < o->tasks.n && running < (size_t)o->cfg.slots;) {
        otask *t = o->tasks.v[i];
        if (t->state != OT_PENDING) {
            i++;
            continue;
        }
        vrv_error err;
        if (launch(o, t, &err) < 0) {
            complete(o, t, "FAILED", err.msg); /* removes it */
            continue;
        }
        running++;
        i++;
    }
}

static void *runner_main(void *arg)
{
    vrv_overlord *o = arg;
    pthread_mutex_lock(&o->mu);
    while (!o->stop) {
        reap(o);
        schedule(o);
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += RUNNER_TICK_MS * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&o->cv, &o->mu, &ts);
    }
    /* Stopping: terminate what runs and wait for it, SIGKILL after the timeout. */
    vrv_ms t0 = ovl_now();
    for (size_t i = 0; i < o->tasks.n; i++)
        if (o->tasks.v[i]->state == OT_RUNNING) kill(o->tasks.v[i]->pid, SIGTERM);
    for (size_t i = 0; i < o->dying.n; i++) kill(o->dying.v[i].pid, SIGTERM);
    for (;;) {
        bool left = false;
        bool late = ovl_now() - t0 >= o->cfg.shutdown_timeout_ms;
        for (size_t i = 0; i < o->tasks.n; i++) {
            otask *t = o->tasks.v[i];
            if (t->state != OT_RUNNING || t->pid <= 0) continue;
            int ws;
            if (waitpid(t->pid, &ws, WNOHANG) == t->pid) {
                t->pid = 0;
                continue;
            }
            if (late) kill(t->pid, SIGKILL);
            left = true;
        }
        for (size_t i = 0; i < o->dying.n; i++) {
            int ws;
            if (o->dying.v[i].pid > 0 && waitpid(o->dying.v[i].pid, &ws, WNOHANG) == 0) {
                if (late) kill(o->dying.v[i].pid, SIGKILL);
                left = true;
            }
        }
        if (!left) break;
        pthread_mutex_unlock(&o->mu);
        usleep(20000);
        pthread_mutex_lock(&o->mu);
    }
    pthread_mutex_unlock(&o->mu);
    return NULL;
}

/* ---- life cycle ------------------------------------------------------------------------ */

int vrv_overlord_new(const vrv_overlord_config *cfg, vrv_meta *meta, vrv_overlord **out,
                     vrv_error *err)
{
    *out = NULL;
    if (!cfg->task_dir || !cfg->exe)
        return vrv_error_set(err, VRV_EINVAL, "overlord: task_dir and exe are required");
    int rc = vrv_fs_mkdirs(cfg->task_dir, err);
    if (rc < 0) return rc;
    vrv_overlord *o = vrv_calloc(1, sizeof *o);
    o->cfg = *cfg;
    o->cfg.task_dir = vrv_strdup(cfg->task_dir);
    o->cfg.exe = vrv_strdup(cfg->exe);
    o->cfg.deep_dir = vrv_strdup(cfg->deep_dir ? cfg->deep_dir : "");
    o->cfg.host = vrv_strdup(cfg->host ? cfg->host : "localhost");
    o->cfg.task_log_level = vrv_strdup(cfg->task_log_level ? cfg->task_log_level : "info");
    if (o->cfg.slots < 1) o->cfg.slots = 1;
    if (o->cfg.shutdown_timeout_ms <= 0) o->cfg.shutdown_timeout_ms = 10000;
    if (o->cfg.lock_timeout_ms <= 0) o->cfg.lock_timeout_ms = 30000;
    if (o->cfg.publish_retry_ms <= 0) o->cfg.publish_retry_ms = 30000;
    if (o->cfg.task_memory <= 0) o->cfg.task_memory = VRV_SPEC_DEFAULT_MEMORY_BUDGET;
    o->meta = meta;
    pthread_mutex_init(&o->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_cond_init(&o->cv, &ca);
    pthread_condattr_destroy(&ca);
    *out = o;
    return 0;
}

/* Restores the queue from the metadata store: tasks that never started run
 * again; tasks whose process was launched are complete — with the status they
 * left if they got to write it, FAILED otherwise. */
static int restore(vrv_overlord *o, vrv_error *err)
{
    vrv_meta_task_filter f = {.state = VRV_META_TASKS_ACTIVE};
    vrv_meta_task_list l = {0};
    int rc = vrv_meta_tasks(o->meta, &f, &l, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < l.n; i++) {
        const vrv_meta_task *mt = &l.v[i];
        char *started = task_file(o, mt->id, VRV_TASKDIR_STARTED);
        bool was_started = vrv_fs_exists(started);
        free(started);
        char *code = NULL, *msg = NULL;
        /* A streaming task can be restored (Druid's restoreTasksOnRestart): run
         * again in its directory, it reloads its committed spills and reads
         * on from the positions saved with them. */
        if (was_started && stream_task_type(mt->type) &&
            !read_status_file(o, mt->id, &code, &msg)) {
            VRV_INFO("overlord", "task [%s] was running when the server stopped: restoring it",
                     mt->id);
            was_started = false;
        }
        if (was_started) {
            if (!code && !read_status_file(o, mt->id, &code, &msg)) {
                code = vrv_strdup("FAILED");
                msg = vrv_strdup("Task was running when the server stopped; its process did not "
                                 "finish");
            }
            char *st = status_text(mt->id, code, 0, msg, NULL, -1);
            vrv_error e2;
            if (vrv_meta_task_set_status(o->meta, mt->id, st, false, &e2) < 0)
                VRV_ERR("overlord", "task [%s]: %s", mt->id, e2.msg);
            VRV_INFO("overlord", "task [%s] %s at restart%s%s", mt->id, code, msg ? ": " : "",
                     msg ? msg : "");
            free(st);
            free(code);
            free(msg);
            vrv_meta_task_lock_list locks = {0};
            if (vrv_meta_locks_of_task(o->meta, mt->id, &locks, NULL) == 0)
                for (size_t k = 0; k < locks.n; k++) vrv_meta_lock_remove(o->meta, locks.v[k].id, NULL);
            vrv_meta_task_lock_list_free(&locks);
            continue;
        }
        json_t *payload = json_loads(mt->payload ? mt->payload : "", 0, NULL);
        const char *ty = json_string_value(json_object_get(payload, "type"));
        task_info ti;
        vrv_error e2;
        otask *t = NULL;
        if (payload && task_info_get(o, payload, ty ? ty : "index_parallel", &ti, &e2) == 0) {
            t = vrv_calloc(1, sizeof *t);
            t->id = vrv_strdup(mt->id);
            const char *g = json_string_value(json_object_get(payload, "groupId"));
            t->group_id = vrv_strdup(g ? g : ti.group ? ti.group : mt->id);
            t->type = vrv_strdup(ty ? ty : "index_parallel");
            t->datasource = vrv_strdup(ti.ds);
            t->priority = ti.priority;
            snprintf(t->created, sizeof t->created, "%s", mt->created_date ? mt->created_date : "");
            t->lock_ivs = ti.lock_ivs;
            t->n_lock_ivs = ti.n_lock_ivs;
            ti.lock_ivs = NULL;
            task_info_clear(&ti);
            t->payload = payload;
            payload = NULL;
            vrv_vec_push(&o->tasks, t);
            VRV_INFO("overlord", "task [%s] queued again at restart", t->id);
        } else {
            char *st = status_text(mt->id, "FAILED", 0, "Task payload could not be read at restart",
                                   NULL, -1);
            vrv_meta_task_set_status(o->meta, mt->id, st, false, NULL);
            free(st);
        }
        json_decref(payload);
    }
    vrv_meta_task_list_free(&l);
    return ovl_lock_reload(o, err);
}

int vrv_overlord_start(vrv_overlord *o, const char *url, vrv_error *err)
{
    if (o->started) return 0;
    free(o->url);
    o->url = vrv_strdup(url);
    pthread_mutex_lock(&o->mu);
    int rc = restore(o, err);
    pthread_mutex_unlock(&o->mu);
    if (rc < 0) return rc;
    if (pthread_create(&o->runner, NULL, runner_main, o) != 0)
        return vrv_error_set(err, VRV_EIO, "overlord: cannot start the runner thread");
    o->started = true;
    return 0;
}

void vrv_overlord_free(vrv_overlord *o)
{
    if (!o) return;
    if (o->started) {
        pthread_mutex_lock(&o->mu);
        o->stop = true;
        pthread_cond_broadcast(&o->cv);
        pthread_mutex_unlock(&o->mu);
        pthread_join(o->runner, NULL);
    }
    for (size_t i = 0; i < o->tasks.n; i++) otask_free(o->tasks.v[i]);
    vrv_vec_free(&o->tasks);
    vrv_vec_free(&o->dying);
    for (size_t i = 0; i < o->locks.n; i++) {
        free(o->locks.v[i].task_id);
        free(o->locks.v[i].group_id);
        free(o->locks.v[i].ds);
        free(o->locks.v[i].version);
    }
    vrv_vec_free(&o->locks);
    pthread_mutex_destroy(&o->mu);
    pthread_cond_destroy(&o->cv);
    free((char *)o->cfg.task_dir);
    free((char *)o->cfg.exe);
    free((char *)o->cfg.deep_dir);
    free((char *)o->cfg.host);
    free((char *)o->cfg.task_log_level);
    free(o->url);
    free(o);
}

/* ---- queries ----------------------------------------------------------------------------- */

int vrv_overlord_task_payload(vrv_overlord *o, const char *id, json_t **out, vrv_error *err)
{
    pthread_mutex_lock(&o->mu);
    otask *t = ovl_find(o, id);
    json_t *p = t ? json_incref(t->payload) : NULL;
    pthread_mutex_unlock(&o->mu);
    if (!p) {
        vrv_meta_task mt = {0};
        if (vrv_meta_task_get(o->meta, id, &mt, NULL) == 0 && mt.payload)
            p = json_loads(mt.payload, 0, NULL);
        vrv_meta_task_clear(&mt);
    }
    *out = json_pack("{s:s, s:o}", "task", id, "payload", p ? p : json_null());
    return p ? 0 : vrv_error_set(err, VRV_ENOTFOUND, "Can't find task for id [%s]", id);
}

int vrv_overlord_task_status(vrv_overlord *o, const char *id, json_t **out, vrv_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&o->mu);
    otask *t = ovl_find(o, id);
    if (t) *out = plus_active(t);
    pthread_mutex_unlock(&o->mu);
    if (*out) return 0;
    vrv_meta_task mt = {0};
    int rc = vrv_meta_task_get(o->meta, id, &mt, err);
    if (rc == 0) *out = plus_stored(&mt);
    vrv_meta_task_clear(&mt);
    return rc;
}

int vrv_overlord_task_status_short(vrv_overlord *o, const char *id, json_t **out, vrv_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&o->mu);
    otask *t = ovl_find(o, id);
    if (t) *out = status_json(t->id, "RUNNING", -1, NULL, t->host, t->host ? t->port : -1);
    pthread_mutex_unlock(&o->mu);
    if (*out) return 0;
    vrv_meta_task mt = {0};
    int rc = vrv_meta_task_get(o->meta, id, &mt, err);
    if (rc == 0) *out = json_loads(mt.status_payload ? mt.status_payload : "null", 0, NULL);
    vrv_meta_task_clear(&mt);
    if (rc == 0 && !*out) *out = json_null();
    return rc;
}

static bool created_in(const vrv_task_filter *f, const char *created)
{
    if (!f->has_created) return true;
    vrv_ms c;
    if (!created || vrv_time_parse(created, strlen(created), 0, &c, NULL) < 0) return false;
    return vrv_interval_contains(f->created, c);
}

int vrv_overlord_tasks(vrv_overlord *o, const vrv_task_filter *f, json_t **out, vrv_error *err)
{
    json_t *arr = json_array();
    if (f->state != VRV_TASKS_COMPLETE) {
        pthread_mutex_lock(&o->mu);
        for (size_t i = 0; i < o->tasks.n; i++) {
            otask *t = o->tasks.v[i];
            if (f->state == VRV_TASKS_RUNNING && t->state != OT_RUNNING) continue;
            if (f->state == VRV_TASKS_PENDING && t->state != OT_PENDING) continue;
            if (f->state == VRV_TASKS_WAITING && t->state != OT_WAITING) continue;
            if (f->datasource && strcmp(f->datasource, t->datasource) != 0) continue;
            if (f->type && strcmp(f->type, t->type) != 0) continue;
            if (!created_in(f, t->created)) continue;
            json_array_append_new(arr, plus_active(t));
        }
        pthread_mutex_unlock(&o->mu);
    }
    if (f->state == VRV_TASKS_ANY || f->state == VRV_TASKS_COMPLETE) {
        char after[VRV_TIME_STR_MAX];
        vrv_meta_task_filter mf = {.state = VRV_META_TASKS_COMPLETE, .datasource = f->datasource};
        if (f->has_created) {
            vrv_time_format(f->created.start, after);
            mf.created_after = after;
        }
        vrv_meta_task_list l = {0};
        int rc = vrv_meta_tasks(o->meta, &mf, &l, err);
        if (rc < 0) {
            json_decref(arr);
            return rc;
        }
        long added = 0;
        for (size_t i = 0; i < l.n && (f->max < 0 || added < f->max); i++) {
            const vrv_meta_task *mt = &l.v[i];
            if (mt->active) continue; /* stored active but not queued: a race with completion */
            if (f->type && (!mt->type || strcmp(f->type, mt->type) != 0)) continue;
            if (!created_in(f, mt->created_date)) continue;
            json_array_append_new(arr, plus_stored(mt));
            added++;
        }
        vrv_meta_task_list_free(&l);
    }
    *out = arr;
    return 0;
}

int vrv_overlord_shutdown(vrv_overlord *o, const char *id, const char *reason, vrv_error *err)
{
    (void)err;
    pthread_mutex_lock(&o->mu);
    otask *t = ovl_find(o, id);
    if (t) {
        if (t->state == OT_RUNNING && t->pid > 0) {
            kill(t->pid, SIGTERM);
            dying d = {t->pid, ovl_now(), false};
            vrv_vec_push(&o->dying, d);
        }
        complete(o, t, "FAILED", reason);
    }
    pthread_mutex_unlock(&o->mu);
    return 0;
}

int vrv_overlord_shutdown_datasource(vrv_overlord *o, const char *ds, size_t *n, vrv_error *err)
{
    VRV_VEC(char *) ids = {0};
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->tasks.n; i++)
        if (strcmp(o->tasks.v[i]->datasource, ds) == 0) vrv_vec_push(&ids, vrv_strdup(o->tasks.v[i]->id));
    pthread_mutex_unlock(&o->mu);
    for (size_t i = 0; i < ids.n; i++) {
        vrv_overlord_shutdown(o, ids.v[i], "Shutdown request from user", err);
        free(ids.v[i]);
    }
    *n = ids.n;
    vrv_vec_free(&ids);
    return 0;
}

char *vrv_overlord_log_path(vrv_overlord *o, const char *id)
{
    if (!id_ok(id)) return NULL;
    char *p = task_file(o, id, VRV_TASKDIR_LOG);
    if (vrv_fs_exists(p)) return p;
    free(p);
    return NULL;
}

int vrv_overlord_task_reports(vrv_overlord *o, const char *id, char **out, vrv_error *err)
{
    *out = NULL;
    if (!id_ok(id)) return vrv_error_set(err, VRV_ENOTFOUND, "no reports for [%s]", id);
    char *host = NULL;
    int port = -1;
    pthread_mutex_lock(&o->mu);
    otask *t = ovl_find(o, id);
    if (t && t->state == OT_RUNNING && t->host) {
        host = vrv_strdup(t->host);
        port = t->port;
    }
    pthread_mutex_unlock(&o->mu);
    if (host) { /* live report from the task itself */
        vrv_buf url = VRV_BUF_INIT;
        vrv_buf_printf(&url, "http://%s:%d/druid/worker/v1/chat/%s/liveReports", host, port, id);
        vrv_http_client_opts co = {.timeout_ms = 5000};
        vrv_http_client *c = vrv_http_client_new(&co);
        vrv_http_result res = {0};
        if (vrv_http_client_get(c, url.data, &res, NULL) == 0 && res.status == 200)
            *out = vrv_buf_detach(&res.body);
        vrv_http_result_free(&res);
        vrv_http_client_free(c);
        vrv_buf_free(&url);
        free(host);
        if (*out) return 0;
    }
    char *path = task_file(o, id, VRV_TASKDIR_REPORT);
    vrv_buf b = VRV_BUF_INIT;
    int rc = vrv_fs_read(path, &b, NULL);
    free(path);
    if (rc == 0) {
        *out = vrv_buf_detach(&b);
        return 0;
    }
    vrv_buf_free(&b);
    return vrv_error_set(err, VRV_ENOTFOUND, "no reports for [%s]", id);
}

void vrv_overlord_counts(vrv_overlord *o, size_t *running, size_t *pending, size_t *waiting)
{
    size_t r = 0, p = 0, w = 0;
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->tasks.n; i++) {
        switch (o->tasks.v[i]->state) {
        case OT_RUNNING: r++; break;
        case OT_PENDING: p++; break;
        case OT_WAITING: w++; break;
        }
    }
    pthread_mutex_unlock(&o->mu);
    if (running) *running = r;
    if (pending) *pending = p;
    if (waiting) *waiting = w;
}

int vrv_overlord_active(vrv_overlord *o, const char *datasource, vrv_overlord_task_info **out,
                        size_t *n)
{
    VRV_VEC(vrv_overlord_task_info) v = {0};
    pthread_mutex_lock(&o->mu);
    for (size_t i = 0; i < o->tasks.n; i++) {
        otask *t = o->tasks.v[i];
        if (datasource && strcmp(t->datasource, datasource) != 0) continue;
        vrv_overlord_task_info ti = {vrv_strdup(t->id), vrv_strdup(t->type),
                                     json_incref(t->payload)};
        vrv_vec_push(&v, ti);
    }
    pthread_mutex_unlock(&o->mu);
    *out = v.v;
    *n = v.n;
    return 0;
}

void vrv_overlord_task_info_free(vrv_overlord_task_info *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].type);
        json_decref(v[i].payload);
    }
    free(v);
}

bool vrv_overlord_task_location(vrv_overlord *o, const char *id, char **host, int *port)
{
    *host = NULL;
    pthread_mutex_lock(&o->mu);
    otask *t = ovl_find(o, id);
    if (t && t->state == OT_RUNNING && t->host) {
        *host = vrv_strdup(t->host);
        *port = t->port;
    }
    pthread_mutex_unlock(&o->mu);
    return *host != NULL;
}

void vrv_overlord_set_listener(vrv_overlord *o, vrv_overlord_listener fn, void *ctx)
{
    pthread_mutex_lock(&o->mu);
    o->listener = fn;
    o->listener_ctx = ctx;
    pthread_mutex_unlock(&o->mu);
}

void vrv_overlord_set_action_hook(vrv_overlord *o, vrv_overlord_action_hook fn, void *ctx)
{
    pthread_mutex_lock(&o->mu);
    o->action_hook = fn;
    o->action_hook_ctx = ctx;
    pthread_mutex_unlock(&o->mu);
}
