/*
 * task.c — the task process runtime (see task.h).
 */
#include "task/task.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/mem.h"
#include "overlord/overlord.h"
#include "task/report.h"
#include "task/taskdir.h"

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

void vrv_task_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A signal mask survives fork and exec: a parent that blocks SIGTERM
     * in its threads (to sigwait for it) would leave it blocked here. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

bool vrv_task_stop_requested(void)
{
    return stop_requested != 0;
}

int64_t vrv_task_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool is_loopback(const char *host)
{
    return strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
           strcmp(host, "::1") == 0;
}

int vrv_task_serve(vrv_task_env *env, const vrv_task_route *routes, size_t n, void *ctx,
                   vrv_error *err)
{
    vrv_http_config cfg = {.bind = is_loopback(env->host) ? "127.0.0.1" : "0.0.0.0",
                           .port = 0,
                           /* the supervisor's chat calls (a pause holds a thread up
                              to 2 s), the broker's queries, and the segment list
                              polled by every server's view */
                           .threads = 4,
                           .max_connections = 64};
    vrv_http_server *s;
    int rc = vrv_http_server_new(&cfg, &s, err);
    if (rc < 0) return rc;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = vrv_http_route(s, routes[i].method, routes[i].pattern, routes[i].handler, ctx, err);
    if (rc == 0) rc = vrv_http_server_start(s, err);
    if (rc < 0) {
        vrv_http_server_free(s);
        return rc;
    }
    env->http = s;
    env->port = vrv_http_server_port(s);
    json_t *a = json_pack("{s:s, s:s, s:i}", "type", "varveTaskLocation", "host", env->host,
                          "port", env->port);
    json_t *res = NULL;
    rc = vrv_action_submit(env->actions, a, &res, err);
    json_decref(a);
    json_decref(res);
    if (rc == 0) VRV_INFO("task", "serving on %s:%d", env->host, env->port);
    return rc;
}

char *vrv_task_path(const vrv_task_env *env, const char *name)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/%s", env->dir, name);
    return vrv_buf_detach(&b);
}

int vrv_task_write_json(const vrv_task_env *env, const char *name, const json_t *json,
                        vrv_error *err)
{
    char *path = vrv_task_path(env, name);
    char *text = json_dumps(json, JSON_COMPACT);
    int rc = vrv_fs_write_atomic(path, text, strlen(text), err);
    free(text);
    free(path);
    return rc;
}

int vrv_task_write_status(const vrv_task_env *env, const vrv_error *failure, vrv_error *err)
{
    bool failed = failure && failure->code != 0;
    char *msg = failed ? vrv_task_status_error(failure->msg) : NULL;
    json_t *st = json_pack("{s:s, s:s, s:I, s:o, s:o}", "id", env->id, "status",
                           failed ? "FAILED" : "SUCCESS", "duration",
                           (json_int_t)(vrv_task_now_ms() - env->start_ms), "errorMsg",
                           msg ? json_string(msg) : json_null(), "location",
                           vrv_task_location_json(env->port > 0 ? env->host : NULL, env->port));
    int rc = vrv_task_write_json(env, VRV_TASKDIR_STATUS, st, err);
    json_decref(st);
    free(msg);
    return rc;
}
