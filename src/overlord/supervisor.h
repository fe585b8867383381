/*
 * supervisor.h — streaming supervisors (druid-streaming.md §3.1-§3.3, §4):
 * the manager that keeps one supervisor per spec id, persists every spec
 * version in druid_supervisors and re-creates the live ones at start, and the
 * supervisors themselves, each with its own thread running Druid's loop over
 * a deduplicated notice queue: discover partitions, adopt or stop running
 * tasks, roll task groups over at taskDuration, watch publishing groups,
 * replace failed tasks, create the missing ones, and handle checkpoints and
 * resets.
 *
 * A supervisor reaches the rest of the system only through a vrv_sup_env (the
 * task queue, the tasks' chat endpoints, the stream, a clock) and the
 * metadata store, so tests can run it against simulated tasks with a
 * simulated clock. vrv_sup_env_overlord() gives the real one.
 *
 * Every vrv_sup_* function is thread safe. JSON results are new references
 * owned by the caller; JSON arguments are borrowed. Errors fill a vrv_error
 * whose message is the one Druid answers with: VRV_ENOTFOUND for an unknown
 * supervisor, VRV_EINVAL for a bad request (the message names the field).
 */
#ifndef VRV_SUPERVISOR_H
#define VRV_SUPERVISOR_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"
#include "overlord/supervisor_core.h"
#include "spec/spec.h"
#include "storage/meta.h"
#include "stream/supplier.h"

/* ---- the environment ----------------------------------------------------------- */

/* What the task queue says of a task. */
typedef enum vrv_sup_task_code {
    VRV_SUP_TASK_RUNNING = 0, /* queued or running (Druid's "runnable") */
    VRV_SUP_TASK_SUCCESS,
    VRV_SUP_TASK_FAILED,
} vrv_sup_task_code;

/* An active task of a data source. */
typedef struct vrv_sup_active_task {
    char *id;
    char *type;      /* "index_kafka", ... */
    json_t *payload; /* the task JSON (a reference) */
} vrv_sup_active_task;

typedef struct vrv_sup_env_ops {
    /* The current time in ms since the epoch. */
    vrv_ms (*now)(void *ctx);
    /* Queues a task (the JSON carries its id). */
    int (*submit)(void *ctx, const json_t *task, vrv_error *err);
    /* The active (not complete) tasks of a data source; *out is a malloc'd
     * array the caller frees with vrv_sup_active_tasks_free. */
    int (*active_tasks)(void *ctx, const char *data_source, vrv_sup_active_task **out, size_t *n,
                        vrv_error *err);
    /* The status of a task; VRV_ENOTFOUND when the queue never had it. */
    int (*task_status)(void *ctx, const char *id, vrv_sup_task_code *out, vrv_error *err);
    /* Whether the task's process runs and has told where it listens. */
    bool (*task_running)(void *ctx, const char *id);
    /* Shuts a task down (it fails with the reason). */
    void (*kill)(void *ctx, const char *id, const char *reason);
    /* One call to a task's chat endpoint /druid/worker/v1/chat/<id>/<path>
     * (query may be NULL, body may be NULL). VRV_ENOTFOUND when the task has
     * no location (not running); transport failures as VRV_EIO/VRV_ETIMEOUT;
     * otherwise 0 with *status and body_out filled (any HTTP status). Called
     * from the supervisors' threads and from HTTP threads (stats): must be
     * thread safe. */
    int (*chat)(void *ctx, const char *id, const char *method, const char *path,
                const char *query, const char *body, int64_t timeout_ms, long *status,
                vrv_buf *body_out, vrv_error *err);
    /* Opens the record supplier of a supervisor spec. */
    int (*open_supplier)(void *ctx, const vrv_spec_supervisor *spec, vrv_supplier **out,
                         vrv_error *err);
    /* Sleeps (between chat retries); NULL: nanosleep. */
    void (*sleep_ms)(void *ctx, int64_t ms);
} vrv_sup_env_ops;

typedef struct vrv_sup_env {
    const vrv_sup_env_ops *ops;
    void *ctx;
} vrv_sup_env;

void vrv_sup_active_tasks_free(vrv_sup_active_task *v, size_t n);

struct vrv_overlord;
/* The environment of a real server: the overlord's task queue, HTTP to the
 * tasks' own servers, Kafka through librdkafka, Kinesis through its HTTP API
 * (stream/kinesis.h). o is borrowed. */
vrv_sup_env vrv_sup_env_overlord(struct vrv_overlord *o);

/* ---- the manager ---------------------------------------------------------------- */

typedef struct vrv_sup_mgr vrv_sup_mgr;

typedef struct vrv_sup_config {
    vrv_sup_thresholds thresholds;   /* druid.supervisor.*Threshold; 0 = 3 */
    bool store_stack_trace;          /* unused by varve (no stack traces); kept for docs */
    bool idle_enabled;               /* druid.supervisor.idleConfig.enabled: false */
    int64_t idle_inactive_after_ms;  /* druid.supervisor.idleConfig.inactiveAfterMillis:
                                        600000 */
    int64_t min_run_interval_ms;     /* runs are at least this far apart: 1000 */
    int64_t offset_fetch_delay_ms;   /* first lag refresh startDelay + this after start,
                                        giving tasks time to start: 0 = 15000 (Druid's),
                                        < 0 = none */
    bool manual;                     /* no threads: vrv_sup_mgr_tick drives everything
                                        (tests with a simulated clock) */
    vrv_spec_opts spec_opts;         /* how specs are parsed (task memory budget) */
} vrv_sup_config;

/* Creates the manager over meta (borrowed, must outlive it); cfg may be NULL
 * for the defaults; env is copied. Nothing runs until vrv_sup_mgr_start. */
vrv_sup_mgr *vrv_sup_mgr_new(const vrv_sup_config *cfg, vrv_meta *meta, const vrv_sup_env *env);

/* Re-creates every supervisor whose latest stored spec is not a tombstone.
 * A stored spec that no longer parses is logged and skipped. */
int vrv_sup_mgr_start(vrv_sup_mgr *m, vrv_error *err);

/* Stops every supervisor without touching its tasks (what a server going
 * away does: the specs stay, the next start re-creates them) and frees m.
 * m may be NULL. */
void vrv_sup_mgr_free(vrv_sup_mgr *m);

/* Manual mode: moves every supervisor forward — queues the runs whose time
 * has come on the environment's clock, then handles every queued notice. */
void vrv_sup_mgr_tick(vrv_sup_mgr *m);

/* ---- the API of /druid/indexer/v1/supervisor ----------------------------------- */

/* POST: creates or replaces the supervisor of spec (nested or flattened
 * form). A replaced supervisor is stopped gracefully first (its reading
 * groups publish) and the new one adopts the publishing tasks. *id_out
 * (malloc'd) is the supervisor id. VRV_EINVAL names the bad field. */
int vrv_sup_create(vrv_sup_mgr *m, const json_t *spec, char **id_out, vrv_error *err);

/* Flags of the list endpoint. */
enum {
    VRV_SUP_LIST_FULL = 1,   /* ?full: with the spec */
    VRV_SUP_LIST_STATE = 2,  /* ?state=true */
    VRV_SUP_LIST_SYSTEM = 4, /* ?system: specString, type, source, real suspended */
};
/* GET /: ["id", ...] without flags, else Druid's SupervisorStatus objects;
 * ids sorted. */
json_t *vrv_sup_list(vrv_sup_mgr *m, int flags);

/* GET /{id}: the spec as Druid serialises it. */
int vrv_sup_spec(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err);
/* GET /{id}/status: {id, generationTime, payload}. */
int vrv_sup_status(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err);
/* GET /{id}/health. */
int vrv_sup_health(vrv_sup_mgr *m, const char *id, bool *healthy, vrv_error *err);
/* GET /{id}/stats: {"<group>": {"<task>": rowStats}} from the tasks that answer. */
int vrv_sup_stats(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err);
/* GET /{id}/parseErrors: the tasks' saved parse exceptions, newest first. */
int vrv_sup_parse_errors(vrv_sup_mgr *m, const char *id, json_t **out, vrv_error *err);
/* GET /history: {id: [{spec, version}, ...]} newest first, tombstones too. */
int vrv_sup_history_all(vrv_sup_mgr *m, json_t **out, vrv_error *err);
/* GET /{id}/history?count=n (count <= 0: all). VRV_ENOTFOUND "No history for [id]." */
int vrv_sup_history(vrv_sup_mgr *m, const char *id, long count, json_t **out, vrv_error *err);
/* POST /{id}/suspend | resume: *spec_out is the updated spec. VRV_EINVAL when
 * it is already so ("[id] is already suspended"). */
int vrv_sup_suspend(vrv_sup_mgr *m, const char *id, bool suspend, json_t **spec_out,
                    vrv_error *err);
/* POST /suspendAll | /resumeAll. */
void vrv_sup_suspend_all(vrv_sup_mgr *m, bool suspend);
/* POST /{id}/reset: queues the hard reset. */
int vrv_sup_reset(vrv_sup_mgr *m, const char *id, vrv_error *err);
/* POST /{id}/resetOffsets: checks the body (type, partitions.type "end",
 * partitions.stream) and queues it. */
int vrv_sup_reset_offsets(vrv_sup_mgr *m, const char *id, const json_t *body, vrv_error *err);
/* POST /{id}/terminate: tombstone, then a graceful stop. */
int vrv_sup_terminate(vrv_sup_mgr *m, const char *id, vrv_error *err);
/* POST /terminateAll. */
void vrv_sup_terminate_all(vrv_sup_mgr *m);
/* POST /{id}/taskGroups/handoff: early rollover of these groups (unknown
 * ones are ignored). VRV_ENOTFOUND "Supervisor was not found [id]". */
int vrv_sup_handoff(vrv_sup_mgr *m, const char *id, const int *groups, size_t n,
                    vrv_error *err);

/* ---- from the task queue ------------------------------------------------------- */

/* The checkPointDataSourceMetadata task action: {"supervisorId" (or the older
 * "dataSource"), "taskGroupId", "checkpointMetadata" (or
 * "previousCheckPoint")}. *ok is Druid's Boolean result: false when the
 * supervisor is unknown or the metadata is not a start of its stream. */
void vrv_sup_checkpoint_action(vrv_sup_mgr *m, const json_t *action, bool *ok);
/* The resetDataSourceMetadata task action: {"supervisorId" or "dataSource",
 * "resetMetadata"}: drops those partitions from the stored offsets. */
void vrv_sup_reset_action(vrv_sup_mgr *m, const json_t *action, bool *ok);
/* A task of data_source changed status: the supervisors of that data source
 * run soon. Safe to call with the task queue's lock held. */
void vrv_sup_task_changed(vrv_sup_mgr *m, const char *data_source);

#endif
