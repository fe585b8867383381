/*
 * node.c — assembling the roles of `varve server` (see node.h).
 */
#include "server/node_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "overlord/supervisor.h"
#include "server/broker.h"
#include "server/realtime.h"

static FILE *node_log; /* the server log while a node runs */

static char *path_in(const char *dir, const char *name)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/%s", dir, name);
    return vrv_buf_detach(&b);
}

static void copy_config(vrv_config *dst, const vrv_config *src)
{
    *dst = *src;
    dst->data_dir = src->data_dir ? vrv_strdup(src->data_dir) : NULL;
    dst->bind = vrv_strdup(src->bind ? src->bind : "127.0.0.1");
    dst->host = vrv_strdup(src->host ? src->host : "localhost");
    dst->log_level = vrv_strdup(src->log_level ? src->log_level : "info");
    dst->log_file = src->log_file ? vrv_strdup(src->log_file) : NULL;
    dst->port_file = src->port_file ? vrv_strdup(src->port_file) : NULL;
}

/* The historical's segments appear in, and leave, the broker's view. */
static void on_served(void *ctx, const vrv_hist_seg *seg, bool served)
{
    vrv_node *n = ctx;
    if (served)
        vrv_view_announce(n->view, &n->hist_server, seg->payload);
    else
        vrv_view_unannounce(n->view, &n->hist_server, seg->id);
}

static void on_publish(void *ctx, const char *ds)
{
    (void)ds;
    vrv_node *n = ctx;
    vrv_coord_poke(n->coord);
}

/* A task completed: its supervisor looks at it soon (task queue lock held). */
static void on_task_done(void *ctx, const char *task_id, const char *ds)
{
    (void)task_id;
    vrv_node *n = ctx;
    vrv_sup_task_changed(n->sup, ds);
}

/* The task actions the supervisors answer. */
static int on_action(void *ctx, const char *type, const json_t *action, json_t **result)
{
    vrv_node *n = ctx;
    bool ok = false;
    if (strcmp(type, "checkPointDataSourceMetadata") == 0)
        vrv_sup_checkpoint_action(n->sup, action, &ok);
    else if (strcmp(type, "resetDataSourceMetadata") == 0)
        vrv_sup_reset_action(n->sup, action, &ok);
    else
        return 0;
    *result = json_boolean(ok);
    return 1;
}

/* The running streaming tasks that said where they listen: the view's
 * real-time servers. */
static size_t stream_tasks(void *ctx, vrv_rt_task **out)
{
    vrv_node *n = ctx;
    vrv_overlord_task_info *ti = NULL;
    size_t nt = 0;
    vrv_overlord_active(n->ovl, NULL, &ti, &nt);
    VRV_VEC(vrv_rt_task) v = {0};
    for (size_t i = 0; i < nt; i++) {
        if (strcmp(ti[i].type, "index_kafka") != 0 && strcmp(ti[i].type, "index_kinesis") != 0)
            continue;
        vrv_rt_task t = {NULL, NULL, 0};
        if (!vrv_overlord_task_location(n->ovl, ti[i].id, &t.host, &t.port)) continue;
        t.id = vrv_strdup(ti[i].id);
        vrv_vec_push(&v, t);
    }
    vrv_overlord_task_info_free(ti, nt);
    *out = v.v;
    return v.n;
}

static int open_log(vrv_node *n, vrv_error *err)
{
    vrv_log_level lvl = VRV_LOG_INFO;
    vrv_log_level_parse(n->cfg.log_level, &lvl);
    if (n->cfg.log_file && strcmp(n->cfg.log_file, "-") == 0) {
        vrv_log_init(lvl, stderr);
        return 0;
    }
    char *path = n->cfg.log_file ? vrv_strdup(n->cfg.log_file) : NULL;
    if (!path) {
        char *dir = path_in(n->cfg.data_dir, "log");
        int rc = vrv_fs_mkdirs(dir, err);
        path = path_in(dir, "server.log");
        free(dir);
        if (rc < 0) {
            free(path);
            return rc;
        }
    }
    FILE *f = fopen(path, "a");
    if (!f) {
        int rc = vrv_error_set(err, VRV_EIO, "log file %s: cannot open", path);
        free(path);
        return rc;
    }
    setvbuf(f, NULL, _IOLBF, 0);
    free(path);
    node_log = f;
    vrv_log_init(lvl, f);
    return 0;
}

int vrv_node_start(const vrv_config *cfg, const char *exe, const char *version, vrv_node **out,
                   vrv_error *err)
{
    *out = NULL;
    int rc = vrv_config_validate(cfg, err);
    if (rc < 0) return rc;
    vrv_node *n = vrv_calloc(1, sizeof *n);
    copy_config(&n->cfg, cfg);
    n->exe = vrv_strdup(exe);
    n->version = vrv_strdup(version ? version : "unknown");
    {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        vrv_time_format((vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, n->start_time);
    }
    char *meta_path = path_in(cfg->data_dir, "metadata.db");
    char *deep_path = path_in(cfg->data_dir, "deep");
    char *cache_path = path_in(cfg->data_dir, "cache");
    char *task_path = path_in(cfg->data_dir, "tasks");
    if ((rc = vrv_fs_mkdirs(cfg->data_dir, err)) < 0) goto fail;
    if ((rc = open_log(n, err)) < 0) goto fail;
    VRV_INFO("server", "starting over data directory %s", cfg->data_dir);
    if ((rc = vrv_meta_open_sqlite(meta_path, NULL, &n->meta, err)) < 0) goto fail;
    if ((rc = vrv_deep_open_local(deep_path, &n->deep, err)) < 0) goto fail;
    if ((rc = vrv_hist_new(cache_path, n->deep, &n->hist, err)) < 0) goto fail;
    n->view = vrv_view_new();
    n->hist_server.name = n->host_port;
    n->hist_server.type = VRV_SERVER_HISTORICAL;
    n->hist_server.ops = &vrv_broker_local_ops;
    n->hist_server.impl = n->hist;
    n->broker = vrv_broker_new(n->view, n->hist, cfg->query_timeout_ms, n->host_port);
    vrv_hist_set_notify(n->hist, on_served, n);
    n->coord = vrv_coord_new(n->meta, n->hist, cfg->coordinator_period_ms);

    vrv_overlord_config oc = {.task_dir = task_path,
                              .exe = exe,
                              .deep_dir = deep_path,
                              .host = cfg->host,
                              .slots = cfg->task_slots,
                              .task_memory = cfg->task_memory,
                              .shutdown_timeout_ms = cfg->task_shutdown_timeout_ms,
                              .task_log_level = cfg->log_level,
                              .on_publish = on_publish,
                              .on_publish_ctx = n};
    if ((rc = vrv_overlord_new(&oc, n->meta, &n->ovl, err)) < 0) goto fail;
    vrv_sup_config sc = {.spec_opts = {.memory_budget = cfg->task_memory}};
    vrv_sup_env env = vrv_sup_env_overlord(n->ovl);
    n->sup = vrv_sup_mgr_new(&sc, n->meta, &env);
    vrv_overlord_set_listener(n->ovl, on_task_done, n);
    vrv_overlord_set_action_hook(n->ovl, on_action, n);

    vrv_http_config hc = {.bind = cfg->bind,
                          .port = (uint16_t)cfg->port,
                          .threads = (unsigned)cfg->http_threads,
                          .max_body = (size_t)cfg->max_request_bytes,
                          .version = version};
    if ((rc = vrv_http_server_new(&hc, &n->http, err)) < 0) goto fail;
    if ((rc = vrv_api_overlord_routes(n, err)) < 0) goto fail;
    if ((rc = vrv_api_coordinator_routes(n, err)) < 0) goto fail;
    if ((rc = vrv_api_broker_routes(n, err)) < 0) goto fail;
    if ((rc = vrv_api_supervisor_routes(n, err)) < 0) goto fail;
    if ((rc = vrv_api_sampler_routes(n, err)) < 0) goto fail;
    if ((rc = vrv_api_console_routes(n, err)) < 0) goto fail;
    if ((rc = vrv_api_sql_routes(n, err)) < 0) goto fail;
    vrv_http_server_set_property(n->http, "druid.service", "varve");
    vrv_http_server_set_property(n->http, "varve.dataDir", cfg->data_dir);

    /* Serve what is published before saying we are up. */
    if ((rc = vrv_coord_run_once(n->coord, err)) < 0) goto fail;
    if ((rc = vrv_http_server_start(n->http, err)) < 0) goto fail;
    uint16_t port = vrv_http_server_port(n->http);
    snprintf(n->host_port, sizeof n->host_port, "%s:%u", cfg->host, (unsigned)port);
    char url[300];
    /* Tasks call back over loopback unless the server listens elsewhere only. */
    const char *cb = strcmp(cfg->bind, "0.0.0.0") == 0 || strcmp(cfg->bind, "::") == 0
                         ? "127.0.0.1"
                         : cfg->bind;
    snprintf(url, sizeof url, strchr(cb, ':') && cb[0] != '[' ? "http://[%s]:%u" : "http://%s:%u",
             cb, (unsigned)port);
    if ((rc = vrv_overlord_start(n->ovl, url, err)) < 0) goto fail;
    vrv_rt_config rc_cfg = {.poll_ms = cfg->realtime_poll_ms};
    n->rt = vrv_rt_new(n->view, stream_tasks, n, &rc_cfg);
    if ((rc = vrv_rt_start(n->rt, err)) < 0) goto fail;
    /* After the task queue: re-created supervisors adopt or create tasks. */
    if ((rc = vrv_sup_mgr_start(n->sup, err)) < 0) goto fail;
    if ((rc = vrv_coord_start(n->coord, err)) < 0) goto fail;
    atomic_store(&n->ready, true);
    VRV_INFO("server", "ready on %s:%u", cfg->bind, (unsigned)port);
    free(meta_path);
    free(deep_path);
    free(cache_path);
    free(task_path);
    *out = n;
    return 0;
fail:
    free(meta_path);
    free(deep_path);
    free(cache_path);
    free(task_path);
    vrv_node_stop(n);
    return rc;
}

uint16_t vrv_node_port(const vrv_node *n)
{
    return vrv_http_server_port(n->http);
}

void vrv_node_stop(vrv_node *n)
{
    if (!n) return;
    VRV_INFO("server", "stopping");
    /* HTTP first: no request may reach a role being torn down. */
    vrv_http_server_free(n->http);
    if (n->ovl) {
        vrv_overlord_set_listener(n->ovl, NULL, NULL);
        vrv_overlord_set_action_hook(n->ovl, NULL, NULL);
    }
    vrv_sup_mgr_free(n->sup);
    vrv_rt_free(n->rt); /* before the overlord it lists tasks from */
    vrv_overlord_free(n->ovl);
    vrv_coord_free(n->coord);
    vrv_hist_set_notify(n->hist, NULL, NULL);
    vrv_broker_free(n->broker);
    vrv_hist_free(n->hist);
    vrv_view_free(n->view);
    vrv_deep_close(n->deep);
    vrv_meta_close(n->meta);
    vrv_config_free(&n->cfg);
    free(n->exe);
    free(n->version);
    free(n);
    if (node_log) {
        vrv_log_init(vrv_log_get_level(), stderr);
        fclose(node_log);
        node_log = NULL;
    }
}
