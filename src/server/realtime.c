/*
 * realtime.c — streaming tasks as real-time servers of the view (see
 * realtime.h). One manager thread follows the running tasks; each task has
 * a poller thread that keeps the view in step with the task's segment list.
 */
#include "server/realtime.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "server/broker.h"
#include "server/http_client.h"

#define MOD             "realtime"
#define LIST_TIMEOUT_MS 2000 /* a task slower than this keeps what it announced */

/* A task as a data server. ds comes first: the view hands &ds around and
 * the release function gets it back. */
typedef struct rt_server {
    vrv_dataserver ds;
    char *id;
    char *host;
    int port;
    char *name; /* "host:port", the server's name in the view */
    char *url;  /* "http://host:port", ds.impl */
    vrv_rt *rt;
    pthread_t th;
    bool stop;     /* under rt->mu */
    json_t *shown; /* segment id -> DataSegment announced; the poller's own */
} rt_server;

struct vrv_rt {
    vrv_view *view;
    vrv_rt_list_fn list;
    void *ctx;
    vrv_rt_config cfg;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop; /* under mu */
    bool started;
    pthread_t th;
    VRV_VEC(rt_server *) servers; /* the manager's; the count is read under mu */
};

void vrv_rt_tasks_free(vrv_rt_task *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].id);
        free(t[i].host);
    }
    free(t);
}

static void server_release(vrv_dataserver *ds)
{
    rt_server *s = (rt_server *)ds;
    free(s->id);
    free(s->host);
    free(s->name);
    free(s->url);
    free(s);
}

/* Waits on rt->cv up to ms, or until stop (a flag under rt->mu) is set. */
static bool wait_or_stop(vrv_rt *rt, const bool *stop, int64_t ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + ms * 1000000L;
    ts.tv_sec += ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&rt->mu);
    while (!*stop && pthread_cond_timedwait(&rt->cv, &rt->mu, &ts) == 0) {
    }
    bool s = *stop;
    pthread_mutex_unlock(&rt->mu);
    return s;
}

/* Makes the view show exactly the segments of `requests` for s. */
static void show(rt_server *s, const json_t *requests)
{
    json_t *now = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(requests, i, r)
    {
        const char *action = json_string_value(json_object_get(r, "action"));
        json_t *seg = json_object_get(r, "segment");
        const char *id = json_string_value(json_object_get(seg, "identifier"));
        if (!action || strcmp(action, "load") != 0 || !id) continue;
        json_object_set(now, id, seg);
    }
    const char *id;
    json_t *seg;
    json_object_foreach(now, id, seg) vrv_view_announce(s->rt->view, &s->ds, seg);
    json_object_foreach(s->shown, id, seg)
    {
        if (!json_object_get(now, id)) vrv_view_unannounce(s->rt->view, &s->ds, id);
    }
    json_decref(s->shown);
    s->shown = now;
}

static void hide_all(rt_server *s)
{
    if (json_object_size(s->shown) == 0) return;
    vrv_view_remove_server(s->rt->view, &s->ds);
    json_object_clear(s->shown);
}

static void *poll_main(void *arg)
{
    rt_server *s = arg;
    vrv_rt *rt = s->rt;
    vrv_http_client_opts o = {.connect_timeout_ms = 1000, .timeout_ms = LIST_TIMEOUT_MS};
    vrv_http_client *c = vrv_http_client_new(&o);
    long long counter = -1;
    bool warned = false;
    vrv_buf url = VRV_BUF_INIT;
    for (;;) {
        vrv_buf_reset(&url);
        vrv_buf_printf(&url, "%s/druid-internal/v1/segments?counter=%lld", s->url, counter);
        vrv_http_result res = {0};
        vrv_error err;
        int rc = vrv_http_client_get(c, url.data, &res, &err);
        json_t *j = rc == 0 && res.status == 200 ? json_loads(res.body.data, 0, NULL) : NULL;
        const json_t *cnt = json_object_get(json_object_get(j, "counter"), "counter");
        if (j && json_is_integer(cnt)) {
            if (json_is_true(json_object_get(j, "resetCounter")))
                show(s, json_object_get(j, "requests"));
            counter = json_integer_value(cnt);
            warned = false;
        } else if (rc != VRV_ETIMEOUT) {
            /* Refused, or an answer that is not a segment list: whatever
             * the task served is not reachable there now. */
            if (!warned)
                VRV_WARN(MOD, "task [%s] at %s: %s", s->id, s->name,
                         rc < 0 ? err.msg : "no segment list in the answer");
            warned = true;
            hide_all(s);
            counter = -1;
        }
        json_decref(j);
        vrv_http_result_free(&res);
        if (wait_or_stop(rt, &s->stop, rt->cfg.poll_ms)) break;
    }
    vrv_buf_free(&url);
    vrv_http_client_free(c);
    return NULL;
}

static void server_add(vrv_rt *rt, const vrv_rt_task *t)
{
    rt_server *s = vrv_calloc(1, sizeof *s);
    s->id = vrv_strdup(t->id);
    s->host = vrv_strdup(t->host);
    s->port = t->port;
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s:%d", t->host, t->port);
    s->name = vrv_buf_detach(&b);
    /* A task advertising localhost listens on 127.0.0.1 only (task.h). */
    const char *h = strcmp(t->host, "localhost") == 0 ? "127.0.0.1" : t->host;
    vrv_buf_printf(&b, strchr(h, ':') ? "http://[%s]:%d" : "http://%s:%d", h, t->port);
    s->url = vrv_buf_detach(&b);
    s->rt = rt;
    s->shown = json_object();
    s->ds.name = s->name;
    s->ds.type = VRV_SERVER_REALTIME;
    s->ds.priority = 0;
    s->ds.ops = &vrv_broker_http_ops;
    s->ds.impl = s->url;
    s->ds.release = server_release;
    atomic_init(&s->ds.refs, 1);
    if (pthread_create(&s->th, NULL, poll_main, s) != 0) {
        VRV_ERR(MOD, "task [%s]: cannot start its segment poller", t->id);
        json_decref(s->shown);
        server_release(&s->ds);
        return;
    }
    VRV_INFO(MOD, "task [%s] at %s serves real-time segments", s->id, s->name);
    pthread_mutex_lock(&rt->mu);
    vrv_vec_push(&rt->servers, s);
    pthread_mutex_unlock(&rt->mu);
}

/* Stops s's poller, takes its segments out of the view and drops the
 * owner's reference (queries still talking to it hold theirs). */
static void server_remove(vrv_rt *rt, size_t i)
{
    pthread_mutex_lock(&rt->mu);
    rt_server *s = rt->servers.v[i];
    s->stop = true;
    pthread_cond_broadcast(&rt->cv);
    rt->servers.v[i] = rt->servers.v[--rt->servers.n];
    pthread_mutex_unlock(&rt->mu);
    pthread_join(s->th, NULL);
    vrv_view_remove_server(rt->view, &s->ds);
    json_decref(s->shown);
    s->shown = NULL;
    VRV_INFO(MOD, "task [%s] at %s left the view", s->id, s->name);
    vrv_dataserver_unref(&s->ds);
}

static void *manager_main(void *arg)
{
    vrv_rt *rt = arg;
    for (;;) {
        vrv_rt_task *t = NULL;
        size_t n = rt->list(rt->ctx, &t);
        for (size_t i = 0; i < rt->servers.n;) {
            rt_server *s = rt->servers.v[i];
            bool running = false;
            for (size_t k = 0; k < n && !running; k++)
                running = strcmp(t[k].id, s->id) == 0 && strcmp(t[k].host, s->host) == 0 &&
                          t[k].port == s->port;
            if (running)
                i++;
            else
                server_remove(rt, i);
        }
        for (size_t k = 0; k < n; k++) {
            bool known = false;
            for (size_t i = 0; i < rt->servers.n && !known; i++)
                known = strcmp(t[k].id, rt->servers.v[i]->id) == 0;
            if (!known) server_add(rt, &t[k]);
        }
        vrv_rt_tasks_free(t, n);
        if (wait_or_stop(rt, &rt->stop, rt->cfg.discover_ms)) break;
    }
    return NULL;
}

vrv_rt *vrv_rt_new(vrv_view *view, vrv_rt_list_fn list, void *ctx, const vrv_rt_config *cfg)
{
    vrv_rt *rt = vrv_calloc(1, sizeof *rt);
    rt->view = view;
    rt->list = list;
    rt->ctx = ctx;
    if (cfg) rt->cfg = *cfg;
    if (rt->cfg.poll_ms <= 0) rt->cfg.poll_ms = 20;
    if (rt->cfg.discover_ms <= 0) rt->cfg.discover_ms = 100;
    pthread_mutex_init(&rt->mu, NULL);
    pthread_cond_init(&rt->cv, NULL);
    return rt;
}

int vrv_rt_start(vrv_rt *rt, vrv_error *err)
{
    if (pthread_create(&rt->th, NULL, manager_main, rt) != 0)
        return vrv_error_set(err, VRV_EIO, "cannot start the real-time server discovery thread");
    rt->started = true;
    return 0;
}

void vrv_rt_free(vrv_rt *rt)
{
    if (!rt) return;
    if (rt->started) {
        pthread_mutex_lock(&rt->mu);
        rt->stop = true;
        pthread_cond_broadcast(&rt->cv);
        pthread_mutex_unlock(&rt->mu);
        pthread_join(rt->th, NULL);
    }
    while (rt->servers.n) server_remove(rt, rt->servers.n - 1);
    vrv_vec_free(&rt->servers);
    pthread_mutex_destroy(&rt->mu);
    pthread_cond_destroy(&rt->cv);
    free(rt);
}

size_t vrv_rt_count(vrv_rt *rt)
{
    pthread_mutex_lock(&rt->mu);
    size_t n = rt->servers.n;
    pthread_mutex_unlock(&rt->mu);
    return n;
}
