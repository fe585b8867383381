/*
 * task.h — the runtime of one task process (`varve task`, DESIGN.md §1):
 * what the overlord hands the process (its id, its directory, the
 * overlord's URL, deep storage, the host it advertises, its memory budget),
 * the task's own HTTP server (announced to the overlord, which fetches live
 * reports from it and lists its location), the graceful-stop flag SIGTERM
 * raises, and the files the task leaves in its directory (taskdir.h).
 *
 * A task type is one run function, chosen by cmd_task.c from the payload's
 * "type". It does the task's work, writes report.json, and fills `failure`
 * when the task failed; cmd_task.c then writes status.json from it.
 */
#ifndef VRV_TASK_TASK_H
#define VRV_TASK_TASK_H

#include <jansson.h>

#include "base/error.h"
#include "server/http.h"
#include "storage/deep.h"
#include "task/action.h"

typedef struct vrv_task_env {
    const char *id;           /* the task id */
    const char *dir;          /* its directory, <data dir>/tasks/<id> */
    const char *overlord_url; /* base URL for actions and the coordinator API */
    const char *host;         /* host name the task advertises */
    int64_t memory;           /* bytes: the task's memory budget (Druid's max heap) */
    const json_t *payload;    /* task.json (borrowed for the run) */
    vrv_action_client *actions;
    vrv_deep *deep;
    vrv_http_server *http;    /* the task's server once vrv_task_serve ran, else NULL */
    int port;                 /* its port, -1 before */
    int64_t start_ms;         /* wall clock when the process started */
} vrv_task_env;

/* Runs a task of one type. A failure fills failure (code and Druid's
 * errorMsg); a success leaves it cleared. */
typedef void (*vrv_task_run_fn)(vrv_task_env *env, vrv_error *failure);

/* ---- stopping ---------------------------------------------------------------- */

/* Installs the SIGTERM/SIGINT handler that asks the task to stop. */
void vrv_task_signals_install(void);
/* True once a stop was asked for; the task then ends FAILED as soon as it
 * can, with VRV_TASK_STOPPED_MSG. Async-signal safe to set, cheap to poll. */
bool vrv_task_stop_requested(void);

#define VRV_TASK_STOPPED_MSG "Task was stopped (SIGTERM) before it finished"

/* ---- the task's HTTP server ------------------------------------------------------ */

typedef struct vrv_task_route {
    const char *method;
    const char *pattern; /* e.g. "/druid/worker/v1/chat/{id}/liveReports" */
    vrv_http_handler handler;
} vrv_task_route;

/* Starts the task's server on an ephemeral port (loopback when the host is
 * localhost or 127.0.0.1, every interface otherwise) with routes[0..n)
 * (ctx passed to each handler), and announces host and port to the overlord
 * (varveTaskLocation). Sets env->http and env->port. */
int vrv_task_serve(vrv_task_env *env, const vrv_task_route *routes, size_t n, void *ctx,
                   vrv_error *err);

/* ---- the task directory -------------------------------------------------------- */

/* DIR/name (malloc'd). */
char *vrv_task_path(const vrv_task_env *env, const char *name);
/* Writes json (borrowed) to DIR/name atomically. */
int vrv_task_write_json(const vrv_task_env *env, const char *name, const json_t *json,
                        vrv_error *err);
/* Writes status.json: Druid's TaskStatus {"id","status","duration",
 * "errorMsg","location"}, SUCCESS when failure is NULL or cleared, else
 * FAILED with its message cut as Druid cuts it. */
int vrv_task_write_status(const vrv_task_env *env, const vrv_error *failure, vrv_error *err);

/* Wall clock in ms. */
int64_t vrv_task_now_ms(void);

#endif
