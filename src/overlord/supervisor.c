/*
 * supervisor.c — the supervisor manager and the API behind
 * /druid/indexer/v1/supervisor (supervisor.h, druid-streaming.md §3.1):
 * one live supervisor per id, every spec version stored in druid_supervisors
 * (a terminated supervisor leaves a tombstone), the live ones re-created at
 * start, and the requests that reach a supervisor as notices.
 *
 * A spec change (a new POST, suspend, resume) replaces the supervisor the way
 * Druid's SupervisorManager does: the new version is stored, the old
 * supervisor stops gracefully (its reading groups are told to publish), and
 * the new one starts and adopts the publishing tasks at its first run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "overlord/supervisor_int.h"
#include "stream/kinesis.h"

#define DEFAULT_IDLE_AFTER_MS   600000 /* druid.supervisor.idleConfig.inactiveAfterMillis */
#define DEFAULT_MIN_RUN_MS      1000   /* Druid's MAX_RUN_FREQUENCY_MILLIS */
#define DEFAULT_FETCH_DELAY_MS  15000  /* Druid's INITIAL_GET_OFFSET_DELAY_MILLIS */

void vrv_sup_active_tasks_free(vrv_sup_active_task *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].type);
        json_decref(v[i].payload);
    }
    free(v);
}

vrv_sup_mgr *vrv_sup_mgr_new(const vrv_sup_config *cfg, vrv_meta *meta, const vrv_sup_env *env)
{
    vrv_sup_mgr *m = vrv_calloc(1, sizeof *m);
    if (cfg) m->cfg = *cfg;
    if (m->cfg.idle_inactive_after_ms <= 0) m->cfg.idle_inactive_after_ms = DEFAULT_IDLE_AFTER_MS;
    if (m->cfg.min_run_interval_ms <= 0) m->cfg.min_run_interval_ms = DEFAULT_MIN_RUN_MS;
    if (m->cfg.offset_fetch_delay_ms == 0) m->cfg.offset_fetch_delay_ms = DEFAULT_FETCH_DELAY_MS;
    if (m->cfg.offset_fetch_delay_ms < 0) m->cfg.offset_fetch_delay_ms = 0;
    m->meta = meta;
    m->env = *env;
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->op_mu, NULL);
    return m;
}

/* The registry entry of id, or NULL. Caller holds mu. */
static vrv_sup *find(vrv_sup_mgr *m, const char *id)
{
    for (size_t i = 0; i < m->sups.n; i++)
        if (strcmp(m->sups.v[i]->id, id) == 0) return m->sups.v[i];
    return NULL;
}

static size_t find_index(vrv_sup_mgr *m, const char *id)
{
    for (size_t i = 0; i < m->sups.n; i++)
        if (strcmp(m->sups.v[i]->id, id) == 0) return i;
    return m->sups.n;
}

/* Puts s in the registry in place of the supervisor with its id; returns the
 * one it replaced (to be stopped and freed by the caller) or NULL. */
static vrv_sup *registry_put(vrv_sup_mgr *m, vrv_sup *s)
{
    pthread_mutex_lock(&m->mu);
    size_t i = find_index(m, s->id);
    vrv_sup *old = NULL;
    if (i < m->sups.n) {
        old = m->sups.v[i];
        m->sups.v[i] = s;
    } else {
        vrv_vec_push(&m->sups, s);
    }
    pthread_mutex_unlock(&m->mu);
    return old;
}

static vrv_sup *registry_take(vrv_sup_mgr *m, const char *id)
{
    pthread_mutex_lock(&m->mu);
    size_t i = find_index(m, id);
    vrv_sup *s = NULL;
    if (i < m->sups.n) {
        s = m->sups.v[i];
        memmove(&m->sups.v[i], &m->sups.v[i + 1], (m->sups.n - i - 1) * sizeof(void *));
        m->sups.n--;
    }
    pthread_mutex_unlock(&m->mu);
    return s;
}

/* Parses a spec for this manager: only what varve can run is accepted (a
 * Kinesis spec that needs STS is refused here, not at its first run). The
 * spec is parsed from a private copy of json, so the supervisor shares no
 * JSON (and no reference counts) with the caller or another supervisor. */
static int parse_spec(vrv_sup_mgr *m, const json_t *json, vrv_spec_supervisor *out, vrv_error *err)
{
    json_t *own = json_deep_copy(json);
    int rc = vrv_spec_supervisor_parse(own, &m->cfg.spec_opts, out, err);
    json_decref(own);
    if (rc == 0 && out->type == VRV_SPEC_KINESIS) {
        vrv_kinesis_config kc;
        if ((rc = vrv_kinesis_config_from_spec(out, &kc, err)) < 0) vrv_spec_supervisor_free(out);
    }
    return rc;
}

/* Stores the spec's serialisation as its new version. */
static int persist(vrv_sup_mgr *m, const vrv_sup *s, vrv_error *err)
{
    char *text = json_dumps(s->spec_json, JSON_COMPACT);
    int rc = vrv_meta_supervisor_insert(m->meta, s->id, text, err);
    free(text);
    return rc;
}

/* Replaces (or adds) the supervisor of spec; op_mu held. spec is taken over. */
static int replace(vrv_sup_mgr *m, vrv_spec_supervisor *spec, bool store, vrv_error *err)
{
    vrv_sup *s;
    int rc = sup_new(m, spec, &s, err);
    if (rc < 0) {
        vrv_spec_supervisor_free(spec);
        return rc;
    }
    if (store && (rc = persist(m, s, err)) < 0) {
        sup_free(s);
        return rc;
    }
    pthread_mutex_lock(&m->mu);
    vrv_sup *old = find(m, s->id);
    pthread_mutex_unlock(&m->mu);
    /* The old one publishes what it read; the new one adopts those tasks. */
    if (old) sup_stop(old, true);
    old = registry_put(m, s);
    sup_free(old);
    sup_start(s);
    return 0;
}

int vrv_sup_mgr_start(vrv_sup_mgr *m, vrv_error *err)
{
    vrv_meta_supervisor_list l = {0};
    int rc = vrv_meta_supervisor_latest(m->meta, &l, err);
    if (rc < 0) return rc;
    pthread_mutex_lock(&m->op_mu);
    for (size_t i = 0; i < l.n; i++) {
        if (l.v[i].tombstone) continue;
        json_t *j = json_loads(l.v[i].payload ? l.v[i].payload : "", 0, NULL);
        vrv_spec_supervisor spec;
        vrv_error e2;
        if (!j || parse_spec(m, j, &spec, &e2) < 0) {
            VRV_ERR("supervisor", "[%s] the stored spec cannot be read; the supervisor is not "
                    "started: %s", l.v[i].spec_id, j ? e2.msg : "invalid JSON");
        } else if (replace(m, &spec, false, &e2) < 0) {
            VRV_ERR("supervisor", "[%s] cannot start: %s", l.v[i].spec_id, e2.msg);
        } else {
            VRV_INFO("supervisor", "[%s] re-created from the metadata store", l.v[i].spec_id);
        }
        json_decref(j);
    }
    m->started = true;
    pthread_mutex_unlock(&m->op_mu);
    vrv_meta_supervisor_list_free(&l);
    return 0;
}

void vrv_sup_mgr_free(vrv_sup_mgr *m)
{
    if (!m) return;
    pthread_mutex_lock(&m->op_mu);
    for (;;) {
        pthread_mutex_lock(&m->mu);
        vrv_sup *s = m->sups.n ? m->sups.v[m->sups.n - 1] : NULL;
        if (s) m->sups.n--;
        pthread_mutex_unlock(&m->mu);
        if (!s) break;
        sup_stop(s, false);
        sup_free(s);
    }
    pthread_mutex_unlock(&m->op_mu);
    vrv_vec_free(&m->sups);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->op_mu);
    free(m);
}

void vrv_sup_mgr_tick(vrv_sup_mgr *m)
{
    pthread_mutex_lock(&m->op_mu);
    pthread_mutex_lock(&m->mu);
    VRV_VEC(vrv_sup *) v = {0};
    for (size_t i = 0; i < m->sups.n; i++) vrv_vec_push(&v, m->sups.v[i]);
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < v.n; i++) sup_tick(v.v[i]);
    vrv_vec_free(&v);
    pthread_mutex_unlock(&m->op_mu);
}

/* ---- the API ----------------------------------------------------------------------- */

static int not_found(vrv_error *err, const char *id)
{
    return vrv_error_set(err, VRV_ENOTFOUND, "[%s] does not exist", id);
}

int vrv_sup_create(vrv_sup_mgr *m, const json_t *json, char **id_out, vrv_error *err)
{
    *id_out = NULL;
    if (!json_is_object(json))
        return vrv_error_set(err, VRV_EINVAL, "supervisor spec: must be a JSON object");
    vrv_spec_supervisor spec;
    int rc = parse_spec(m, json, &spec, err);
    if (rc < 0) return rc;
    char *id = vrv_strdup(spec.id);
    pthread_mutex_lock(&m->op_mu);
    rc = replace(m, &spec, true, err);
    pthread_mutex_unlock(&m->op_mu);
    if (rc < 0) {
        free(id);
        return rc;
    }
    *id_out = id;
    return 0;
}

static json_t *status_obj(vrv_sup *s, int flags)
{
    pthread_mutex_lock(&s->snap_mu);
    vrv_sup_st st = s->snap_state;
    pthread_mutex_unlock(&s->snap_mu);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(s->id));
    json_object_set_new(o, "dataSource", json_string(s->ds));
    json_object_set_new(o, "state", json_string(vrv_sup_st_name(vrv_sup_st_basic(st))));
    json_object_set_new(o, "detailedState", json_string(vrv_sup_st_name(st)));
    json_object_set_new(o, "healthy", json_boolean(vrv_sup_st_healthy(st)));
    if (flags & VRV_SUP_LIST_FULL) json_object_set_new(o, "spec", json_deep_copy(s->spec_json));
    if (flags & VRV_SUP_LIST_SYSTEM) {
        char *text = json_dumps(s->spec_json, JSON_COMPACT);
        json_object_set_new(o, "specString", json_string(text));
        free(text);
        json_object_set_new(o, "type", json_string(vrv_spec_stream_type_name(s->spec.type)));
        json_object_set_new(o, "source", json_string(s->stream));
    }
    /* Only ?system fills the real flag; Druid leaves the primitive false otherwise. */
    json_object_set_new(o, "suspended", json_boolean((flags & VRV_SUP_LIST_SYSTEM) && s->suspended));
    return o;
}

static int cmp_sup_id(const void *a, const void *b)
{
    return strcmp((*(vrv_sup *const *)a)->id, (*(vrv_sup *const *)b)->id);
}

json_t *vrv_sup_list(vrv_sup_mgr *m, int flags)
{
    json_t *arr = json_array();
    pthread_mutex_lock(&m->mu);
    vrv_sup **v = vrv_malloc((m->sups.n ? m->sups.n : 1) * sizeof *v);
    if (m->sups.n) memcpy(v, m->sups.v, m->sups.n * sizeof *v);
    if (m->sups.n > 1) qsort(v, m->sups.n, sizeof *v, cmp_sup_id);
    for (size_t i = 0; i < m->sups.n; i++)
        json_array_append_new(arr, flags ? status_obj(v[i], flags) : json_string(v[i]->id));
    pthread_mutex_unlock(&m->mu);
    free(v);
    return arr;
}

int vrv_sup_spec(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    if (s) *out = json_deep_copy(s->spec_json);
    pthread_mutex_unlock(&m->mu);
    return s ? 0 : not_found(err, id);
}

int vrv_sup_status(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err)
{
    *out = NULL;
    vrv_ms now = m->env.ops->now(m->env.ctx);
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    if (s) *out = sup_report(s, now);
    pthread_mutex_unlock(&m->mu);
    return s ? 0 : not_found(err, id);
}

int vrv_sup_health(vrv_sup_mgr *m, const char *id, bool *healthy, vrv_error *err)
{
    *healthy = false;
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    if (s) {
        pthread_mutex_lock(&s->snap_mu);
        *healthy = vrv_sup_st_healthy(s->snap_state);
        pthread_mutex_unlock(&s->snap_mu);
    }
    pthread_mutex_unlock(&m->mu);
    return s ? 0 : vrv_error_set(err, VRV_ENOTFOUND,
                                 "[%s] does not exist or health check not implemented", id);
}

/* The group -> task ids map and a copy of the spec's chat settings, taken
 * under the lock so the tasks can be called without it. */
static int task_map(vrv_sup_mgr *m, const char *id, json_t **groups, vrv_spec_supervisor *chat,
                    int *max_saved, int *max_parse, int *task_count, vrv_error *err)
{
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    if (s) {
        *groups = sup_report_tasks(s);
        memset(chat, 0, sizeof *chat);
        chat->tuning.http_timeout = s->spec.tuning.http_timeout;
        chat->tuning.chat_retries = s->spec.tuning.chat_retries;
        *max_saved = s->spec.tuning.c.max_saved_parse_exceptions;
        *max_parse = s->spec.tuning.c.max_parse_exceptions;
        *task_count = s->spec.io.task_count;
    }
    pthread_mutex_unlock(&m->mu);
    return s ? 0 : not_found(err, id);
}

int vrv_sup_stats(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err)
{
    *out = NULL;
    json_t *groups;
    vrv_spec_supervisor chat;
    int ms, mp, tc;
    int rc = task_map(m, id, &groups, &chat, &ms, &mp, &tc, err);
    if (rc < 0) return rc;
    json_t *res = json_object();
    const char *gid;
    json_t *ids;
    json_object_foreach(groups, gid, ids)
    {
        size_t i;
        json_t *t;
        json_array_foreach(ids, i, t)
        {
            json_t *stats = NULL;
            vrv_error e2;
            if (sup_client_get_json(m, &chat, json_string_value(t), "rowStats", &stats, &e2) < 0) {
                VRV_WARN("supervisor", "[%s] failed to get stats for group[%s]-task[%s]: %s", id,
                         gid, json_string_value(t), e2.msg);
                continue;
            }
            if (!stats) continue;
            json_t *g = json_object_get(res, gid);
            if (!g) {
                g = json_object();
                json_object_set_new(res, gid, g);
            }
            json_object_set_new(g, json_string_value(t), stats);
        }
    }
    json_decref(groups);
    *out = res;
    return 0;
}

static json_int_t report_time(const json_t *r)
{
    return json_integer_value(json_object_get(r, "timeOfExceptionMillis"));
}

static int cmp_report(const void *a, const void *b)
{
    const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t tx = report_time(x), ty = report_time(y);
    if (tx != ty) return tx < ty ? 1 : -1; /* newest first */
    const char *ex = json_string_value(json_object_get(x, "errorType"));
    const char *ey = json_string_value(json_object_get(y, "errorType"));
    int c = strcmp(ex ? ex : "", ey ? ey : "");
    if (c) return -c;
    const char *ix = json_string_value(json_object_get(x, "input"));
    const char *iy = json_string_value(json_object_get(y, "input"));
    return -strcmp(ix ? ix : "", iy ? iy : "");
}

int vrv_sup_parse_errors(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err)
{
    *out = NULL;
    json_t *groups;
    vrv_spec_supervisor chat;
    int max_saved, max_parse, task_count;
    int rc = task_map(m, id, &groups, &chat, &max_saved, &max_parse, &task_count, err);
    if (rc < 0) return rc;
    json_t *all = json_array();
    if (max_parse > 0) {
        const char *gid;
        json_t *ids;
        json_object_foreach(groups, gid, ids)
        {
            size_t i;
            json_t *t;
            json_array_foreach(ids, i, t)
            {
                json_t *list = NULL;
                vrv_error e2;
                if (sup_client_get_json(m, &chat, json_string_value(t), "unparseableEvents", &list,
                                        &e2) < 0 ||
                    !json_is_array(list)) {
                    json_decref(list);
                    continue;
                }
                size_t k;
                json_t *r;
                json_array_foreach(list, k, r)
                {
                    bool dup = false;
                    size_t q;
                    json_t *have;
                    json_array_foreach(all, q, have) dup |= json_equal(have, r);
                    if (!dup) json_array_append(all, r);
                }
                json_decref(list);
            }
        }
    }
    json_decref(groups);
    size_t n = json_array_size(all);
    json_t **v = vrv_malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = json_array_get(all, i);
    if (n > 1) qsort(v, n, sizeof *v, cmp_report);
    size_t limit = (size_t)(max_saved > 0 ? max_saved : 0) * (size_t)task_count;
    json_t *res = json_array();
    for (size_t i = 0; i < n && i < limit; i++) json_array_append(res, v[i]);
    free(v);
    json_decref(all);
    *out = res;
    return 0;
}

static json_t *versioned(const vrv_meta_supervisor *v)
{
    json_t *spec = json_loads(v->payload ? v->payload : "null", JSON_DECODE_ANY, NULL);
    return json_pack("{s:o, s:s}", "spec", spec ? spec : json_null(), "version",
                     v->created_date ? v->created_date : "");
}

int vrv_sup_history_all(vrv_sup_mgr *m, json_t **out, vrv_error *err)
{
    *out = NULL;
    vrv_meta_supervisor_list l = {0};
    int rc = vrv_meta_supervisor_history(m->meta, NULL, 0, &l, err);
    if (rc < 0) return rc;
    json_t *res = json_object();
    for (size_t i = 0; i < l.n; i++) {
        json_t *a = json_object_get(res, l.v[i].spec_id);
        if (!a) {
            a = json_array();
            json_object_set_new(res, l.v[i].spec_id, a);
        }
        json_array_append_new(a, versioned(&l.v[i]));
    }
    vrv_meta_supervisor_list_free(&l);
    *out = res;
    return 0;
}

int vrv_sup_history(vrv_sup_mgr *m, const char *id, long count, json_t **out, vrv_error *err)
{
    *out = NULL;
    vrv_meta_supervisor_list l = {0};
    int rc = vrv_meta_supervisor_history(m->meta, id, count > 0 ? (size_t)count : 0, &l, err);
    if (rc < 0) return rc;
    if (l.n == 0) {
        vrv_meta_supervisor_list_free(&l);
        return vrv_error_set(err, VRV_ENOTFOUND, "No history for [%s].", id);
    }
    json_t *res = json_array();
    for (size_t i = 0; i < l.n; i++) json_array_append_new(res, versioned(&l.v[i]));
    vrv_meta_supervisor_list_free(&l);
    *out = res;
    return 0;
}

/* The stored spec of s re-written with another suspended flag; op_mu held.
 * Works on a copy of the serialised spec: the live supervisor's own JSON is
 * only ever read from other threads. */
static int set_suspended(vrv_sup_mgr *m, vrv_sup *s, bool suspend, vrv_error *err)
{
    json_t *j = json_deep_copy(s->spec_json);
    json_object_set_new(j, "suspended", json_boolean(suspend));
    vrv_spec_supervisor spec;
    int rc = parse_spec(m, j, &spec, err);
    json_decref(j);
    if (rc < 0) return rc;
    return replace(m, &spec, true, err);
}

int vrv_sup_suspend(vrv_sup_mgr *m, const char *id, bool suspend, json_t **spec_out,
                    vrv_error *err)
{
    *spec_out = NULL;
    pthread_mutex_lock(&m->op_mu);
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    pthread_mutex_unlock(&m->mu);
    int rc;
    if (!s)
        rc = not_found(err, id);
    else if (s->suspended == suspend)
        rc = vrv_error_set(err, VRV_EINVAL, "[%s] is already %s", id,
                           suspend ? "suspended" : "running");
    else
        rc = set_suspended(m, s, suspend, err);
    pthread_mutex_unlock(&m->op_mu);
    if (rc == 0) rc = vrv_sup_spec(m, id, spec_out, err);
    return rc;
}

void vrv_sup_suspend_all(vrv_sup_mgr *m, bool suspend)
{
    pthread_mutex_lock(&m->op_mu);
    pthread_mutex_lock(&m->mu);
    VRV_VEC(char *) ids = {0};
    for (size_t i = 0; i < m->sups.n; i++)
        if (m->sups.v[i]->suspended != suspend) vrv_vec_push(&ids, vrv_strdup(m->sups.v[i]->id));
    pthread_mutex_unlock(&m->mu);
    for (size_t i = 0; i < ids.n; i++) {
        pthread_mutex_lock(&m->mu);
        vrv_sup *s = find(m, ids.v[i]);
        pthread_mutex_unlock(&m->mu);
        vrv_error err;
        if (s && set_suspended(m, s, suspend, &err) < 0)
            VRV_ERR("supervisor", "[%s] cannot be %s: %s", ids.v[i],
                    suspend ? "suspended" : "resumed", err.msg);
        free(ids.v[i]);
    }
    vrv_vec_free(&ids);
    pthread_mutex_unlock(&m->op_mu);
}

/* Queues a notice to supervisor id; false when there is no such supervisor
 * (data is then released). */
static bool notify(vrv_sup_mgr *m, const char *id, vrv_sup_notice_kind kind, int group,
                   json_t *data)
{
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    if (s) vrv_sup_notices_add(&s->q, kind, group, data);
    pthread_mutex_unlock(&m->mu);
    if (!s) json_decref(data);
    return s != NULL;
}

int vrv_sup_reset(vrv_sup_mgr *m, const char *id, vrv_error *err)
{
    if (!notify(m, id, VRV_SUP_N_RESET, 0, NULL)) return not_found(err, id);
    VRV_INFO("supervisor", "[%s] posted a reset notice", id);
    return 0;
}

int vrv_sup_reset_offsets(vrv_sup_mgr *m, const char *id, const json_t *body, vrv_error *err)
{
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    const char *want_type = s ? vrv_stream_type_name(s->stype) : NULL;
    vrv_stream_type stype = s ? s->stype : VRV_STREAM_KAFKA;
    char *stream = s ? vrv_strdup(s->stream) : NULL;
    pthread_mutex_unlock(&m->mu);
    if (!s) return not_found(err, id);
    int rc = 0;
    const char *type = json_string_value(json_object_get(body, "type"));
    const json_t *parts = json_object_get(body, "partitions");
    vrv_posmap pm;
    vrv_posmap_form form = VRV_POSMAP_END;
    if (!json_is_object(body)) {
        rc = vrv_error_set(err, VRV_EINVAL, "Reset dataSourceMetadata is required for resetOffsets.");
    } else if (!type || strcmp(type, want_type) != 0) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "Datasource metadata instance does not match required, found instance "
                           "of [%s].",
                           type ? type : "null");
    } else if (!json_is_object(parts)) {
        rc = vrv_error_set(err, VRV_EINVAL, "partitions: required, an object");
    } else if ((rc = vrv_posmap_from_json(parts, stype, "partitions", &pm, &form, err)) == 0) {
        if (form != VRV_POSMAP_END)
            rc = vrv_error_set(err, VRV_EINVAL,
                               "Provided datasourceMetadata is invalid. Sequence numbers can only "
                               "be of type[SeekableStreamEndSequenceNumbers], but "
                               "found[SeekableStreamStartSequenceNumbers].");
        else if (strcmp(pm.stream, stream) != 0)
            rc = vrv_error_set(err, VRV_EINVAL,
                               "Stream[%s] doesn't exist in the supervisor[%s]. Supervisor is "
                               "consuming stream[%s].",
                               pm.stream, id, stream);
        vrv_posmap_free(&pm);
    }
    free(stream);
    if (rc < 0) return rc;
    if (!notify(m, id, VRV_SUP_N_RESET_OFFSETS, 0, json_deep_copy(body))) return not_found(err, id);
    VRV_INFO("supervisor", "[%s] posted a resetOffsets notice", id);
    return 0;
}

int vrv_sup_terminate(vrv_sup_mgr *m, const char *id, vrv_error *err)
{
    pthread_mutex_lock(&m->op_mu);
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    char *ds = s ? vrv_strdup(s->ds) : NULL;
    pthread_mutex_unlock(&m->mu);
    int rc = 0;
    if (!s) {
        rc = not_found(err, id);
    } else {
        json_t *dss = json_pack("[s]", ds);
        char *text = json_dumps(dss, JSON_COMPACT);
        json_decref(dss);
        rc = vrv_meta_supervisor_tombstone(m->meta, id, text, err);
        free(text);
        if (rc == 0) {
            s = registry_take(m, id);
            sup_stop(s, true);
            sup_free(s);
            VRV_INFO("supervisor", "[%s] terminated", id);
        }
    }
    free(ds);
    pthread_mutex_unlock(&m->op_mu);
    return rc;
}

void vrv_sup_terminate_all(vrv_sup_mgr *m)
{
    json_t *ids = vrv_sup_list(m, 0);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        vrv_error err;
        if (vrv_sup_terminate(m, json_string_value(id), &err) < 0 && err.code != VRV_ENOTFOUND)
            VRV_ERR("supervisor", "[%s] cannot be terminated: %s", json_string_value(id), err.msg);
    }
    json_decref(ids);
}

int vrv_sup_handoff(vrv_sup_mgr *m, const char *id, const int *groups, size_t n, vrv_error *err)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(a, json_integer(groups[i]));
    if (!notify(m, id, VRV_SUP_N_HANDOFF, 0, a))
        return vrv_error_set(err, VRV_ENOTFOUND, "Supervisor was not found [%s]", id);
    return 0;
}

/* ---- task actions --------------------------------------------------------------- */

static const char *action_supervisor(const json_t *a)
{
    const char *id = json_string_value(json_object_get(a, "supervisorId"));
    return id ? id : json_string_value(json_object_get(a, "dataSource"));
}

void vrv_sup_checkpoint_action(vrv_sup_mgr *m, const json_t *action, bool *ok)
{
    *ok = false;
    const char *id = action_supervisor(action);
    json_t *gid = json_object_get(action, "taskGroupId");
    json_t *md = json_object_get(action, "checkpointMetadata");
    if (!md || json_is_null(md)) md = json_object_get(action, "previousCheckPoint");
    if (!id || !json_is_integer(gid) || !json_is_object(md)) {
        VRV_ERR("supervisor", "checkpoint request failed: supervisorId, taskGroupId and "
                "checkpointMetadata are required");
        return;
    }
    pthread_mutex_lock(&m->mu);
    vrv_sup *s = find(m, id);
    bool valid = false;
    if (s) {
        vrv_posmap pm;
        vrv_posmap_form form;
        vrv_error err;
        const char *type = json_string_value(json_object_get(md, "type"));
        if (type && strcmp(type, vrv_stream_type_name(s->stype)) == 0 &&
            vrv_posmap_from_json(json_object_get(md, "partitions"), s->stype,
                                 "checkpointMetadata.partitions", &pm, &form, &err) == 0) {
            if (strcmp(pm.stream, s->stream) != 0)
                VRV_ERR("supervisor", "[%s] checkpoint request failed: Supervisor stream [%s] and "
                        "stream in checkpoint [%s] does not match", id, s->stream, pm.stream);
            else if (form != VRV_POSMAP_START)
                VRV_ERR("supervisor", "[%s] checkpoint request failed: checkpointMetadata must be "
                        "SeekableStreamStartSequenceNumbers", id);
            else
                valid = true;
            vrv_posmap_free(&pm);
        } else {
            VRV_ERR("supervisor", "[%s] checkpoint request failed: checkpointMetadata is not %s "
                    "metadata", id, vrv_stream_type_name(s->stype));
        }
        if (valid) {
            VRV_INFO("supervisor", "[%s] checkpointing taskGroup [%lld]", id,
                     (long long)json_integer_value(gid));
            vrv_sup_notices_add(&s->q, VRV_SUP_N_CHECKPOINT, (int)json_integer_value(gid),
                                json_deep_copy(md));
        }
    } else {
        VRV_ERR("supervisor", "checkpoint request failed: supervisor [%s] could not be found", id);
    }
    pthread_mutex_unlock(&m->mu);
    *ok = valid;
}

void vrv_sup_reset_action(vrv_sup_mgr *m, const json_t *action, bool *ok)
{
    const char *id = action_supervisor(action);
    const json_t *md = json_object_get(action, "resetMetadata");
    *ok = id && json_is_object(md) &&
          notify(m, id, VRV_SUP_N_RESET, 0, json_deep_copy(md));
}

void vrv_sup_task_changed(vrv_sup_mgr *m, const char *data_source)
{
    pthread_mutex_lock(&m->mu);
    for (size_t i = 0; i < m->sups.n; i++)
        if (strcmp(m->sups.v[i]->ds, data_source) == 0)
            vrv_sup_notices_add(&m->sups.v[i]->q, VRV_SUP_N_RUN, 0, NULL);
    pthread_mutex_unlock(&m->mu);
}
