/*
 * supervisor_report.c — what other threads see of a supervisor: the loop
 * publishes its state after every change and a snapshot of the status
 * payload (druid-streaming.md §3.2) after every notice and offset refresh;
 * GET /status turns the snapshot into Druid's SupervisorReport at request
 * time. Fields that depend on the time of the request (remainingSeconds)
 * are kept as internal "_start"/"_deadline" members until then, and the
 * task ids per group ("_groups") serve the stats and parseErrors endpoints.
 */
#include <stdlib.h>
#include <string.h>

#include "overlord/supervisor_int.h"

static json_t *iso(vrv_ms t)
{
    char b[VRV_TIME_STR_MAX];
    vrv_time_format(t, b);
    return json_string(b);
}

/* latest - highest ingested (a partition with nothing ingested counts from 0). */
static bool part_lag(const vrv_sup *s, const vrv_part *p, int64_t *lag)
{
    if (!s->has_offsets) return false;
    const vrv_pos *l = vrv_posmap_get(&s->latest, p);
    if (!l || l->kind != VRV_POS_OFFSET) return false;
    const vrv_pos *h = vrv_posmap_get(&s->highest, p);
    *lag = l->offset - (h && h->kind == VRV_POS_OFFSET ? h->offset : 0);
    return true;
}

/* Kinesis: the time lag of shard p in the last snapshot. */
static bool part_time_lag(const vrv_sup *s, const vrv_part *p, int64_t *ms)
{
    for (size_t i = 0; s->has_offsets && i < s->time_lag.n; i++)
        if (vrv_part_equal(&s->time_lag.v[i].part, p)) {
            *ms = s->time_lag.v[i].ms;
            return true;
        }
    return false;
}

static json_t *task_entry(const vrv_sup *s, const sup_group *g, const sup_task *t, bool active)
{
    json_t *e = json_object();
    json_object_set_new(e, "id", json_string(t->id));
    json_object_set_new(e, "startingOffsets", sup_map_json(&g->start));
    json_object_set_new(e, "startTime", t->has_start ? iso(t->start_time) : json_null());
    json_object_set_new(e, "remainingSeconds", json_null());
    json_object_set_new(e, "type", json_string(active ? "ACTIVE" : "PUBLISHING"));
    json_object_set_new(e, "currentOffsets", sup_map_json(&t->current));
    if (active && s->stype == VRV_STREAM_KINESIS) {
        /* Record lag is not known for Kinesis: an empty map, and the time lag. */
        json_object_set_new(e, "lag", json_object());
        json_t *ms = json_object();
        for (size_t i = 0; i < t->current.n; i++) {
            int64_t v;
            if (part_time_lag(s, &t->current.v[i].part, &v))
                json_object_set_new(ms, t->current.v[i].part.id, json_integer((json_int_t)v));
        }
        json_object_set_new(e, "lagMillis", ms);
        if (t->has_start) json_object_set_new(e, "_start", json_integer((json_int_t)t->start_time));
    } else if (active) {
        json_t *lag = json_object();
        for (size_t i = 0; i < t->current.n; i++) {
            int64_t v;
            if (part_lag(s, &t->current.v[i].part, &v))
                json_object_set_new(lag, t->current.v[i].part.id, json_integer((json_int_t)v));
        }
        json_object_set_new(e, "lag", lag);
        if (t->has_start) json_object_set_new(e, "_start", json_integer((json_int_t)t->start_time));
    } else if (g->has_deadline) {
        json_object_set_new(e, "_deadline", json_integer((json_int_t)g->deadline));
    }
    return e;
}

static int cmp_group_id(const void *a, const void *b)
{
    const sup_group *x = *(sup_group *const *)a, *y = *(sup_group *const *)b;
    return (x->id > y->id) - (x->id < y->id);
}

/* Groups by id (stable for equal ids: publishing generations in order). */
static void sorted_groups(sup_group *const *v, size_t n, sup_group ***out)
{
    *out = malloc((n ? n : 1) * sizeof **out);
    if (n) memcpy(*out, v, n * sizeof *v);
    /* insertion sort keeps generations of one id in order */
    for (size_t i = 1; i < n; i++)
        for (size_t k = i; k > 0 && cmp_group_id(&(*out)[k - 1], &(*out)[k]) > 0; k--) {
            sup_group *t = (*out)[k];
            (*out)[k] = (*out)[k - 1];
            (*out)[k - 1] = t;
        }
}

void sup_publish(vrv_sup *s)
{
    json_t *p = json_object();
    json_object_set_new(p, "id", json_string(s->id));
    json_object_set_new(p, "dataSource", json_string(s->ds));
    json_object_set_new(p, "stream", json_string(s->stream));
    size_t nparts = 0;
    for (size_t i = 0; i < s->pgroups.n; i++) nparts += s->pgroups.v[i].parts.n;
    json_object_set_new(p, "partitions", json_integer((json_int_t)nparts));
    json_object_set_new(p, "replicas", json_integer(s->spec.io.replicas));
    json_object_set_new(p, "durationSeconds", json_integer(s->spec.io.task_duration / 1000));
    json_t *groups = json_object();
    json_t *act = json_array(), *pub = json_array();
    for (int pass = 0; pass < 2; pass++) {
        sup_group **v;
        size_t n = pass == 0 ? s->active.n : s->pending.n;
        sorted_groups(pass == 0 ? s->active.v : s->pending.v, n, &v);
        for (size_t i = 0; i < n; i++) {
            char gid[16];
            snprintf(gid, sizeof gid, "%d", v[i]->id);
            json_t *ids = json_object_get(groups, gid);
            if (!ids) {
                ids = json_array();
                json_object_set_new(groups, gid, ids);
            }
            for (size_t k = 0; k < v[i]->tasks.n; k++) {
                json_array_append_new(pass == 0 ? act : pub,
                                      task_entry(s, v[i], &v[i]->tasks.v[k], pass == 0));
                json_array_append_new(ids, json_string(v[i]->tasks.v[k].id));
            }
        }
        free(v);
    }
    json_object_set_new(p, "activeTasks", act);
    json_object_set_new(p, "publishingTasks", pub);
    if (s->stype == VRV_STREAM_KAFKA) {
        json_t *latest = json_object(), *lag = json_object();
        int64_t agg = 0;
        if (s->has_offsets) {
            json_decref(latest);
            latest = sup_map_json(&s->latest);
            for (size_t i = 0; i < s->latest.n; i++) {
                int64_t v;
                if (!part_lag(s, &s->latest.v[i].part, &v)) continue;
                json_object_set_new(lag, s->latest.v[i].part.id, json_integer((json_int_t)v));
                if (v > 0) agg += v;
            }
        }
        json_object_set_new(p, "latestOffsets", latest);
        json_object_set_new(p, "minimumLag", lag);
        json_object_set_new(p, "aggregateLag", json_integer((json_int_t)agg));
        if (s->offsets_updated) json_object_set_new(p, "offsetsLastUpdated", iso(s->offsets_updated));
    } else {
        /* KinesisSupervisorReportPayload: lag in milliseconds behind latest. */
        json_t *lag = json_object();
        int64_t agg = 0;
        for (size_t i = 0; s->has_offsets && i < s->time_lag.n; i++) {
            json_object_set_new(lag, s->time_lag.v[i].part.id,
                                json_integer((json_int_t)s->time_lag.v[i].ms));
            if (s->time_lag.v[i].ms > 0) agg += s->time_lag.v[i].ms;
        }
        json_object_set_new(p, "minimumLagMillis", lag);
        json_object_set_new(p, "aggregateLagMillis", json_integer((json_int_t)agg));
    }
    json_object_set_new(p, "suspended", json_boolean(s->suspended));
    json_object_set_new(p, "healthy", json_false());
    json_object_set_new(p, "state", json_null());
    json_object_set_new(p, "detailedState", json_null());
    json_t *errs = json_array();
    for (size_t i = 0; i < s->st.n_events; i++) {
        const vrv_sup_event *e = &s->st.events[i];
        json_t *o = json_object();
        json_object_set_new(o, "timestamp", iso(e->timestamp));
        json_object_set_new(o, "exceptionClass", json_string(e->exception_class));
        json_object_set_new(o, "message", json_string(e->message));
        json_object_set_new(o, "streamException", json_boolean(e->stream_exception));
        json_array_append_new(errs, o);
    }
    json_object_set_new(p, "recentErrors", errs);
    json_object_set_new(p, "_groups", groups);
    pthread_mutex_lock(&s->snap_mu);
    json_t *old = s->snap;
    s->snap = p;
    s->snap_state = s->st.state;
    pthread_mutex_unlock(&s->snap_mu);
    json_decref(old);
}

void sup_publish_state(vrv_sup *s)
{
    pthread_mutex_lock(&s->snap_mu);
    s->snap_state = s->st.state;
    pthread_mutex_unlock(&s->snap_mu);
}

/* Fills remainingSeconds from the internal times and drops them. */
static void finish_tasks(json_t *arr, int64_t duration, vrv_ms now)
{
    size_t i;
    json_t *e;
    json_array_foreach(arr, i, e)
    {
        json_t *st = json_object_get(e, "_start"), *dl = json_object_get(e, "_deadline");
        if (st) {
            int64_t left = duration - (now - (vrv_ms)json_integer_value(st));
            json_object_set_new(e, "remainingSeconds", json_integer((left > 0 ? left : 0) / 1000));
        } else if (dl) {
            int64_t left = (vrv_ms)json_integer_value(dl) - now;
            json_object_set_new(e, "remainingSeconds", json_integer((left > 0 ? left : 0) / 1000));
        }
        json_object_del(e, "_start");
        json_object_del(e, "_deadline");
    }
}

json_t *sup_report(vrv_sup *s, vrv_ms now)
{
    pthread_mutex_lock(&s->snap_mu);
    json_t *p = json_deep_copy(s->snap);
    vrv_sup_st st = s->snap_state;
    pthread_mutex_unlock(&s->snap_mu);
    json_object_del(p, "_groups");
    finish_tasks(json_object_get(p, "activeTasks"), s->spec.io.task_duration, now);
    finish_tasks(json_object_get(p, "publishingTasks"), s->spec.io.task_duration, now);
    json_object_set_new(p, "healthy", json_boolean(vrv_sup_st_healthy(st)));
    json_object_set_new(p, "state", json_string(vrv_sup_st_name(vrv_sup_st_basic(st))));
    json_object_set_new(p, "detailedState", json_string(vrv_sup_st_name(st)));
    json_t *r = json_object();
    json_object_set_new(r, "id", json_string(s->id));
    json_object_set_new(r, "generationTime", iso(now));
    json_object_set_new(r, "payload", p);
    return r;
}

json_t *sup_report_tasks(vrv_sup *s)
{
    pthread_mutex_lock(&s->snap_mu);
    json_t *g = json_deep_copy(json_object_get(s->snap, "_groups"));
    pthread_mutex_unlock(&s->snap_mu);
    return g ? g : json_object();
}
