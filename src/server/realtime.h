/*
 * realtime.h — the real-time half of the broker's view: the streaming tasks
 * that run now and the segments they build.
 *
 * Every discovery period the running streaming tasks that have said where
 * they listen are listed (through a callback: the node asks its overlord).
 * Each is a real-time data server of the view (VRV_SERVER_REALTIME, named
 * "host:port", queried over HTTP through vrv_broker_http_ops) with a thread
 * of its own that asks the task for its segment list every poll period
 * (GET /druid-internal/v1/segments?counter=N, Druid's HTTP segment
 * discovery: an unchanged list costs an empty answer) and announces and
 * unannounces the task's segments to match. A task that stops running, or
 * moves to another port (restarted), leaves the view with all its segments;
 * a task that refuses connections has its segments unannounced until it
 * answers again. A task that is slow to answer keeps what it announced.
 *
 * Real-time segments carry the ids their published copies will have, so once
 * a historical loads one the view holds both and prefers the historical's
 * (view.h): each segment is read from exactly one server.
 *
 * Thread safe; the servers are reference counted (view.h), so a query that
 * picked a task just before it left the view finishes against it safely.
 */
#ifndef VRV_REALTIME_H
#define VRV_REALTIME_H

#include "base/error.h"
#include "server/view.h"

/* A running streaming task and where its HTTP server listens. */
typedef struct vrv_rt_task {
    char *id;
    char *host;
    int port;
} vrv_rt_task;

/* Lists the running streaming tasks that have a location: *out is malloc'd
 * (vrv_rt_tasks_free), the count is returned. */
typedef size_t (*vrv_rt_list_fn)(void *ctx, vrv_rt_task **out);
void vrv_rt_tasks_free(vrv_rt_task *t, size_t n);

typedef struct vrv_rt vrv_rt;

typedef struct vrv_rt_config {
    int64_t poll_ms;     /* segment list of each task asked this often; 0 = 20 */
    int64_t discover_ms; /* running tasks listed this often; 0 = 100 */
} vrv_rt_config;

/* view is borrowed and must outlive rt; list(ctx) is called from rt's
 * thread. cfg may be NULL. Nothing runs before vrv_rt_start. */
vrv_rt *vrv_rt_new(vrv_view *view, vrv_rt_list_fn list, void *ctx, const vrv_rt_config *cfg);
int vrv_rt_start(vrv_rt *rt, vrv_error *err);
/* Stops the threads, removes every task from the view and frees rt (may be
 * NULL). The list callback is not called after it returns. */
void vrv_rt_free(vrv_rt *rt);

/* How many tasks are in the view now (for tests and status). */
size_t vrv_rt_count(vrv_rt *rt);

#endif
