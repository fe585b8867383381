/*
 * overlord.h — the overlord: the task queue, the runner that starts every
 * task as its own process, the time-chunk locks, and the task actions through
 * which tasks allocate segment ids and publish (druid-streaming.md §3.4,
 * §5.2-5.3). The overlord is the only writer of tasks, locks and published
 * segments in the metadata store.
 *
 * A submitted task is stored in druid_tasks and goes through the runner
 * states WAITING (queued; its locks are not free yet), PENDING (ready, waiting
 * for a free slot) and RUNNING (its process runs), then completes with SUCCESS
 * or FAILED. The process is `<exe> task --id ID --task-dir DIR --overlord URL
 * --deep-dir D --host H --memory BYTES --log-level L` with its output in DIR/log; it reports through POST /druid/indexer/v1/action
 * and leaves its final status in DIR/status.json. A process that dies without
 * one is FAILED with its exit code; the server stays up. At start the overlord
 * reloads the active tasks: those that never started run again, those that
 * were running are FAILED (their processes died with the previous server) —
 * except streaming tasks (index_kafka), which run again in the same directory
 * and restore their committed work (Druid's restoreTasksOnRestart).
 *
 * Locks: a task (or its group) holds exclusive time-chunk locks on
 * (dataSource, interval) with a version taken from the clock when the lock is
 * granted; locks of other groups on overlapping intervals of the same data
 * source conflict. They are persisted in druid_tasklocks and released when
 * the task completes.
 *
 * Thread safety: every function may be called from any thread (HTTP handlers).
 * JSON results are new references owned by the caller.
 */
#ifndef VRV_OVERLORD_H
#define VRV_OVERLORD_H

#include <jansson.h>

#include "base/error.h"
#include "base/log.h"
#include "base/time.h"
#include "storage/meta.h"

typedef struct vrv_overlord vrv_overlord;

typedef struct vrv_overlord_config {
    const char *task_dir;        /* tasks live in task_dir/<id>/ (created if missing) */
    const char *exe;             /* the varve binary to run tasks with */
    const char *deep_dir;        /* local deep storage root, passed to tasks */
    const char *host;            /* host tasks advertise in their location ("localhost") */
    int slots;                   /* tasks running at once; >= 1 */
    int64_t task_memory;         /* memory budget per task in bytes, passed to the task */
    int64_t shutdown_timeout_ms; /* SIGTERM, then SIGKILL after this long */
    const char *task_log_level;  /* "info", ... for the task processes */
    int64_t lock_timeout_ms;     /* longest a timeChunkLockAcquire action waits */
    int64_t publish_retry_ms;    /* longest a stream publish whose start is ahead of the
                                    stored positions waits for the earlier commit (Druid
                                    retries the transaction); 0 = 30000 */
    /* Called (from the runner thread or an HTTP thread) after segments were
     * published or dropped, so the coordinator can look at them soon. */
    void (*on_publish)(void *ctx, const char *data_source);
    void *on_publish_ctx;
} vrv_overlord_config;

/* Creates the overlord over meta (borrowed, must outlive it). Strings of cfg
 * are copied. Nothing runs until vrv_overlord_start. */
int vrv_overlord_new(const vrv_overlord_config *cfg, vrv_meta *meta, vrv_overlord **out,
                     vrv_error *err);

/* Reloads active tasks and starts the runner thread. url is the base URL
 * tasks call back on ("http://127.0.0.1:8888"), copied. */
int vrv_overlord_start(vrv_overlord *o, const char *url, vrv_error *err);

/* Stops the runner: running task processes are terminated (SIGTERM, then
 * SIGKILL) and left active in the metadata store, as a server that stops
 * leaves them; then frees o. o may be NULL. */
void vrv_overlord_free(vrv_overlord *o);

/* ---- the task API ---------------------------------------------------------- */

/* Validates and queues a task (index_parallel, index, or the streaming
 * index_kafka, checked by task/stream_payload.h; a streaming task takes no
 * locks up front: it locks each interval as it allocates segments). *id_out
 * (malloc'd) is its id: the given one, or index_parallel_<ds>_<random>_<now>
 * (index_kafka_<ds>_<random> for a streaming task). Errors: VRV_EINVAL (the
 * message names the field), VRV_EUNSUPPORTED (index_kinesis), VRV_ECONFLICT
 * (id exists). */
int vrv_overlord_submit(vrv_overlord *o, const json_t *task, char **id_out, vrv_error *err);

/* {"task":id,"payload":<task JSON>} — the payload NULL when unknown (returns
 * VRV_ENOTFOUND). */
int vrv_overlord_task_payload(vrv_overlord *o, const char *id, json_t **out, vrv_error *err);

/* The TaskStatusPlus of a task; VRV_ENOTFOUND when unknown. */
int vrv_overlord_task_status(vrv_overlord *o, const char *id, json_t **out, vrv_error *err);

/* The short TaskStatus {id,status,duration,errorMsg,location}; for
 * POST /druid/indexer/v1/taskStatus. VRV_ENOTFOUND when unknown. */
int vrv_overlord_task_status_short(vrv_overlord *o, const char *id, json_t **out,
                                   vrv_error *err);

typedef enum vrv_task_state_filter {
    VRV_TASKS_ANY = 0,
    VRV_TASKS_RUNNING,
    VRV_TASKS_PENDING,
    VRV_TASKS_WAITING,
    VRV_TASKS_COMPLETE,
} vrv_task_state_filter;

typedef struct vrv_task_filter {
    vrv_task_state_filter state;
    const char *datasource;      /* NULL: any */
    const char *type;            /* NULL: any */
    bool has_created;            /* createdTimeInterval given */
    vrv_interval created;
    long max;                    /* complete tasks returned at most; < 0: all */
} vrv_task_filter;

/* The TaskStatusPlus list of GET /druid/indexer/v1/tasks: active tasks
 * (running, pending, waiting, oldest first), then complete ones (newest
 * first). */
int vrv_overlord_tasks(vrv_overlord *o, const vrv_task_filter *f, json_t **out, vrv_error *err);

/* Shuts a task down: a waiting or pending one fails at once, a running one
 * is sent SIGTERM (SIGKILL after the timeout) and fails with reason. A
 * complete or unknown task is left alone. */
int vrv_overlord_shutdown(vrv_overlord *o, const char *id, const char *reason, vrv_error *err);

/* Shuts down every active task of a data source; *n gets how many. */
int vrv_overlord_shutdown_datasource(vrv_overlord *o, const char *ds, size_t *n, vrv_error *err);

/* Path of a task's log file (malloc'd) if the task exists and has one. */
char *vrv_overlord_log_path(vrv_overlord *o, const char *id);

/* The task's report: the completion report file, or while it runs, the live
 * report fetched from the task's own HTTP server. VRV_ENOTFOUND when there
 * is none. *out is the JSON text (malloc'd). */
int vrv_overlord_task_reports(vrv_overlord *o, const char *id, char **out, vrv_error *err);

/* Runs one task action for a task process: body is the action holder
 * {"task": <task JSON or id>, "action": {...}}. *result gets the action's
 * result (which may be JSON null). Errors are the action's failure message.
 *
 * segmentTransactionalInsert with "startMetadata" and "endMetadata" (a
 * stream's DataSourceMetadata, druid-streaming.md §4.8) publishes the
 * segments and the stream positions in one transaction keyed by the
 * action's (or the task's) supervisorId: the stored positions must match
 * the start on every shared partition, then stored := stored.plus(end). A
 * start ahead of the stored positions is retried (for publish_retry_ms) while
 * an earlier commit may still come; a mismatch is Druid's failure result
 * {"segments":[],"success":false,"errorMsg":"Inconsistency between stored
 * metadata state[..] and target state[..]. Try resetting the supervisor."},
 * returned with 0: the action ran, the publish did not. */
int vrv_overlord_action(vrv_overlord *o, const json_t *holder, json_t **result, vrv_error *err);

/* An active task as the supervisors see it. */
typedef struct vrv_overlord_task_info {
    char *id, *type;
    json_t *payload; /* the task JSON (a reference) */
} vrv_overlord_task_info;

/* The active (queued or running) tasks of a data source, oldest first. *out
 * is malloc'd; free with vrv_overlord_task_info_free. */
int vrv_overlord_active(vrv_overlord *o, const char *datasource, vrv_overlord_task_info **out,
                        size_t *n);
void vrv_overlord_task_info_free(vrv_overlord_task_info *v, size_t n);

/* Where a running task's own HTTP server listens, once it has said so:
 * *host is malloc'd. False when the task is not running or has no location. */
bool vrv_overlord_task_location(vrv_overlord *o, const char *id, char **host, int *port);

/* Called with the task queue's lock held whenever a task completes (keep it
 * short and do not call back into the overlord). */
typedef void (*vrv_overlord_listener)(void *ctx, const char *task_id, const char *datasource);
void vrv_overlord_set_listener(vrv_overlord *o, vrv_overlord_listener fn, void *ctx);

/* Task actions the overlord hands to another component (the supervisors:
 * checkPointDataSourceMetadata, resetDataSourceMetadata). The hook is called
 * without the queue's lock, for an active task only, and returns 1 when it
 * handled the action type (*result set), 0 when it does not know it. */
typedef int (*vrv_overlord_action_hook)(void *ctx, const char *type, const json_t *action,
                                        json_t **result);
void vrv_overlord_set_action_hook(vrv_overlord *o, vrv_overlord_action_hook fn, void *ctx);

/* Counts for status displays. */
void vrv_overlord_counts(vrv_overlord *o, size_t *running, size_t *pending, size_t *waiting);

/* ---- TaskStatus helpers shared with the task process ------------------------ */

/* Druid's TaskLocation {"host","port","tlsPort"} (host NULL -> null, port -1). */
json_t *vrv_task_location_json(const char *host, int port);

#endif
