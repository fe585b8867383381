/*
 * supervisor_client.c — how a supervisor talks to its tasks: the chat
 * endpoints of druid-streaming.md §3.5 with Druid's client semantics
 * (SeekableStreamIndexTaskClientAsyncImpl). A task that is not running yet or
 * any more is "not available" and gets the neutral answer (NOT_STARTED, an
 * empty map, no start time); transport failures and 503s are retried
 * chatRetries times with a growing pause while the task still runs; a pause
 * answered 202 is followed by polling the status until PAUSED.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "overlord/supervisor_int.h"

#define RETRY_MIN_MS 100  /* first pause between retries; doubles */
#define RETRY_MAX_MS 2000 /* longest pause between retries */

static void env_sleep(const vrv_sup_env *env, int64_t ms)
{
    if (env->ops->sleep_ms) {
        env->ops->sleep_ms(env->ctx, ms);
        return;
    }
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One chat call with retries. VRV_ENOTFOUND: the task is not available. */
static int call_env(const vrv_sup_env *env, const vrv_spec_supervisor *spec, atomic_bool *stop,
                    const char *id, const char *method, const char *path, const char *query,
                    const char *body, long *status, vrv_buf *out, vrv_error *err)
{
    int64_t timeout = spec->tuning.http_timeout > 0 ? spec->tuning.http_timeout : 10000;
    int64_t attempts = spec->tuning.chat_retries + 1;
    int64_t wait = RETRY_MIN_MS;
    int rc = VRV_EIO;
    for (int64_t i = 0; i < attempts; i++) {
        vrv_buf_reset(out);
        *status = 0;
        rc = env->ops->chat(env->ctx, id, method, path, query, body, timeout, status, out, err);
        if (rc == VRV_ENOTFOUND) return rc;
        if (rc == 0 && *status != 503) return 0;
        if (stop && atomic_load(stop)) break;
        if (env->ops->task_running && !env->ops->task_running(env->ctx, id)) {
            rc = VRV_ENOTFOUND;
            return rc;
        }
        if (i + 1 < attempts) {
            env_sleep(env, wait);
            wait = wait * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : wait * 2;
        }
    }
    if (rc == 0)
        return vrv_error_set(err, VRV_EIO, "Task[%s] answered %s %s with HTTP %ld after %lld tries",
                             id, method, path, *status, (long long)attempts);
    return rc;
}

static int call(vrv_sup *s, const char *id, const char *method, const char *path, const char *query,
                const char *body, long *status, vrv_buf *out, vrv_error *err)
{
    return call_env(&s->mgr->env, &s->spec, &s->stop_requested, id, method, path, query, body,
                    status, out, err);
}

static json_t *parse_body(const vrv_buf *b)
{
    return json_loadb(b->data ? b->data : "", b->len, JSON_DECODE_ANY, NULL);
}

/* ---- maps ------------------------------------------------------------------------ */

json_t *sup_map_json(const vrv_posmap *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->n; i++) {
        const vrv_pos *p = &m->v[i].pos;
        json_t *v;
        if (p->stream == VRV_STREAM_KAFKA) {
            v = json_integer((json_int_t)p->offset);
        } else {
            char t[VRV_POS_TEXT_MAX + 1];
            vrv_pos_format(p, t, sizeof t);
            v = json_string(t);
        }
        json_object_set_new(o, m->v[i].part.id, v);
    }
    return o;
}

int sup_map_from_json(const json_t *j, vrv_stream_type t, const char *stream, const char *path,
                      vrv_posmap *out, vrv_error *err)
{
    if (!json_is_object(j)) return vrv_error_set(err, VRV_EINVAL, "%s: expected an object", path);
    vrv_posmap_init(out, t, stream);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)j, k, v)
    {
        vrv_part p;
        vrv_pos pos;
        int rc = vrv_part_parse(t, k, strlen(k), &p, err);
        if (rc == 0) rc = vrv_pos_from_json(v, t, path, &pos, err);
        if (rc < 0) {
            vrv_posmap_free(out);
            return rc;
        }
        vrv_posmap_set(out, &p, &pos);
    }
    return 0;
}

/* ---- the calls ------------------------------------------------------------------- */

static const char *const RS_NAMES[] = {"NOT_STARTED", "STARTING", "READING", "PAUSED",
                                       "PUBLISHING"};

int sup_client_status(vrv_sup *s, const char *id, sup_runner_status *out, vrv_error *err)
{
    *out = SUP_RS_NOT_STARTED;
    long st;
    vrv_buf b = VRV_BUF_INIT;
    int rc = call(s, id, "GET", "status", NULL, NULL, &st, &b, err);
    if (rc == VRV_ENOTFOUND) rc = 0;
    else if (rc == 0 && st != 200)
        rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered GET status with HTTP %ld", id, st);
    else if (rc == 0) {
        json_t *j = parse_body(&b);
        const char *name = json_string_value(j);
        rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered GET status with [%s]", id,
                           b.data ? b.data : "");
        for (int i = 0; name && i < (int)(sizeof RS_NAMES / sizeof *RS_NAMES); i++)
            if (strcmp(name, RS_NAMES[i]) == 0) {
                *out = (sup_runner_status)i;
                rc = 0;
            }
        json_decref(j);
    }
    vrv_buf_free(&b);
    return rc;
}

/* A {partition: offset} answer; an empty map when not available. */
static int get_map(vrv_sup *s, const char *id, const char *method, const char *path,
                   vrv_posmap *out, vrv_error *err)
{
    vrv_posmap_init(out, s->stype, s->stream);
    long st;
    vrv_buf b = VRV_BUF_INIT;
    int rc = call(s, id, method, path, NULL, NULL, &st, &b, err);
    if (rc == VRV_ENOTFOUND) {
        rc = 0;
    } else if (rc == 0 && st != 200) {
        rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered %s %s with HTTP %ld: %s", id, method,
                           path, st, b.data ? b.data : "");
    } else if (rc == 0) {
        json_t *j = parse_body(&b);
        vrv_posmap m;
        rc = sup_map_from_json(j, s->stype, s->stream, path, &m, err);
        if (rc == 0) {
            vrv_posmap_free(out);
            *out = m;
        }
        json_decref(j);
    }
    vrv_buf_free(&b);
    return rc;
}

int sup_client_current(vrv_sup *s, const char *id, vrv_posmap *out, vrv_error *err)
{
    return get_map(s, id, "GET", "offsets/current", out, err);
}

int sup_client_end(vrv_sup *s, const char *id, vrv_posmap *out, vrv_error *err)
{
    return get_map(s, id, "GET", "offsets/end", out, err);
}

int sup_client_pause(vrv_sup *s, const char *id, vrv_posmap *out, vrv_error *err)
{
    vrv_posmap_init(out, s->stype, s->stream);
    long st;
    vrv_buf b = VRV_BUF_INIT;
    int rc = call(s, id, "POST", "pause", NULL, NULL, &st, &b, err);
    if (rc == VRV_ENOTFOUND) {
        vrv_buf_free(&b);
        return 0;
    }
    if (rc == 0 && st == 200) {
        json_t *j = parse_body(&b);
        vrv_posmap m;
        rc = sup_map_from_json(j, s->stype, s->stream, "pause", &m, err);
        if (rc == 0) {
            vrv_posmap_free(out);
            *out = m;
        }
        json_decref(j);
    } else if (rc == 0 && st == 202) {
        /* Accepted but not paused yet: wait for PAUSED, then read the offsets. */
        int64_t wait = RETRY_MIN_MS;
        sup_runner_status rs = SUP_RS_NOT_STARTED;
        for (int64_t i = 0; i <= s->spec.tuning.chat_retries; i++) {
            rc = sup_client_status(s, id, &rs, err);
            if (rc < 0 || rs == SUP_RS_PAUSED || rs == SUP_RS_NOT_STARTED) break;
            env_sleep(&s->mgr->env, wait);
            wait = wait * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : wait * 2;
        }
        if (rc == 0 && rs == SUP_RS_PAUSED) {
            vrv_posmap_free(out);
            rc = sup_client_current(s, id, out, err);
        } else if (rc == 0 && rs != SUP_RS_NOT_STARTED) {
            rc = vrv_error_set(err, VRV_ETIMEOUT,
                               "Task [%s] failed to change its status from [%s] to [PAUSED], "
                               "aborting",
                               id, RS_NAMES[rs]);
        }
    } else if (rc == 0) {
        rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered POST pause with HTTP %ld: %s", id, st,
                           b.data ? b.data : "");
    }
    vrv_buf_free(&b);
    return rc;
}

/* A call answered 200 (true) or anything else (false). */
static int post_ok(vrv_sup *s, const char *id, const char *path, const char *query,
                   const char *body, bool *ok, vrv_error *err)
{
    *ok = false;
    long st;
    vrv_buf b = VRV_BUF_INIT;
    int rc = call(s, id, "POST", path, query, body, &st, &b, err);
    if (rc == VRV_ENOTFOUND) rc = 0;
    else if (rc == 0) {
        *ok = st == 200;
        if (!*ok)
            VRV_WARN("supervisor", "[%s] task[%s] answered POST %s with HTTP %ld: %.300s", s->id, id,
                     path, st, b.data ? b.data : "");
    }
    vrv_buf_free(&b);
    return rc;
}

int sup_client_resume(vrv_sup *s, const char *id, bool *ok, vrv_error *err)
{
    return post_ok(s, id, "resume", NULL, NULL, ok, err);
}

int sup_client_stop(vrv_sup *s, const char *id, bool *ok, vrv_error *err)
{
    int rc = post_ok(s, id, "stop", NULL, NULL, ok, err);
    if (rc == 0 && !s->mgr->env.ops->task_running(s->mgr->env.ctx, id))
        *ok = true; /* a task that is not running has nothing to stop */
    return rc;
}

int sup_client_set_end(vrv_sup *s, const char *id, const vrv_posmap *end, bool finish, bool *ok,
                       vrv_error *err)
{
    json_t *j = sup_map_json(end);
    char *body = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = post_ok(s, id, "offsets/end", finish ? "finish=true" : "finish=false", body, ok, err);
    free(body);
    return rc;
}

int sup_client_checkpoints(vrv_sup *s, const char *id, vrv_stask_checkpoint **out, size_t *n,
                           vrv_error *err)
{
    *out = NULL;
    *n = 0;
    long st;
    vrv_buf b = VRV_BUF_INIT;
    int rc = call(s, id, "GET", "checkpoints", NULL, NULL, &st, &b, err);
    if (rc == VRV_ENOTFOUND) rc = 0;
    else if (rc == 0 && st != 200)
        rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered GET checkpoints with HTTP %ld", id, st);
    else if (rc == 0)
        rc = vrv_stask_checkpoints_parse(b.data ? b.data : "{}", s->stype, s->stream,
                                         "checkpoints", out, n, err);
    vrv_buf_free(&b);
    return rc;
}

int sup_client_start_time(vrv_sup *s, const char *id, bool *has, vrv_ms *out, vrv_error *err)
{
    *has = false;
    long st;
    vrv_buf b = VRV_BUF_INIT;
    int rc = call(s, id, "GET", "time/start", NULL, NULL, &st, &b, err);
    if (rc == VRV_ENOTFOUND) rc = 0;
    else if (rc == 0 && st != 200)
        rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered GET time/start with HTTP %ld", id, st);
    else if (rc == 0 && b.len > 0) {
        json_t *j = parse_body(&b);
        const char *t = json_string_value(j);
        if (t && *t) {
            if (vrv_time_parse(t, strlen(t), 0, out, NULL) == 0)
                *has = true;
            else
                rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered GET time/start with [%s]", id,
                                   t);
        }
        json_decref(j);
    }
    vrv_buf_free(&b);
    return rc;
}

int sup_client_get_json(vrv_sup_mgr *m, const vrv_spec_supervisor *spec, const char *id,
                        const char *path, json_t **out, vrv_error *err)
{
    *out = NULL;
    long st;
    vrv_buf b = VRV_BUF_INIT;
    int rc = call_env(&m->env, spec, NULL, id, "GET", path, NULL, NULL, &st, &b, err);
    if (rc == VRV_ENOTFOUND) rc = 0;
    else if (rc == 0 && st == 200)
        *out = b.len ? parse_body(&b) : NULL;
    else if (rc == 0)
        rc = vrv_error_set(err, VRV_EIO, "Task[%s] answered GET %s with HTTP %ld", id, path, st);
    vrv_buf_free(&b);
    return rc;
}
