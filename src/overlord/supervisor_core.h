/*
 * supervisor_core.h — the pure parts of a streaming supervisor, kept apart so
 * they can be tested without threads, tasks or streams:
 *
 *  - the state machine of druid-streaming.md §3.3 (Druid's
 *    SupervisorStateManager and SeekableStreamSupervisorStateManager): basic
 *    and detailed states, the first-run-only states, the health thresholds
 *    for runs and for completed tasks, and the bounded list of recent errors;
 *  - the notice queue: the single FIFO through which every change to a
 *    supervisor passes (run, checkpoint, reset, resetOffsets, handoff,
 *    shutdown), with equal notices queued once;
 *  - base sequence names (§4.4): the SHA-1 of the data schema, the task
 *    tuningConfig, the start positions and the rejection window.
 *
 * Nothing here reads a clock: times are passed in. Only the notice queue is
 * thread safe (it is the hand-off point between the API threads and the
 * supervisor's own thread); the state machine belongs to one thread.
 */
#ifndef VRV_SUPERVISOR_CORE_H
#define VRV_SUPERVISOR_CORE_H

#include <jansson.h>
#include <pthread.h>

#include "base/error.h"
#include "base/vrv.h"
#include "stream/position.h"

/* ---- states --------------------------------------------------------------- */

/* Basic states first, then the stream supervisor's detailed ones. */
typedef enum vrv_sup_st {
    VRV_SUP_UNHEALTHY_SUPERVISOR = 0,
    VRV_SUP_UNHEALTHY_TASKS,
    VRV_SUP_PENDING,
    VRV_SUP_RUNNING,
    VRV_SUP_IDLE,
    VRV_SUP_SUSPENDED,
    VRV_SUP_STOPPING,
    VRV_SUP_UNABLE_TO_CONNECT_TO_STREAM,
    VRV_SUP_LOST_CONTACT_WITH_STREAM,
    VRV_SUP_CONNECTING_TO_STREAM,
    VRV_SUP_DISCOVERING_INITIAL_TASKS,
    VRV_SUP_CREATING_TASKS,
} vrv_sup_st;

/* "RUNNING", "CONNECTING_TO_STREAM", ... as Druid writes them. */
const char *vrv_sup_st_name(vrv_sup_st s);
/* The basic state a detailed one reports as `state` (healthy stream states
 * are RUNNING, unhealthy ones UNHEALTHY_SUPERVISOR). */
vrv_sup_st vrv_sup_st_basic(vrv_sup_st s);
bool vrv_sup_st_healthy(vrv_sup_st s);
/* Shown only until the first fully successful run (PENDING and the
 * connecting / discovering / creating / unable-to-connect states). */
bool vrv_sup_st_first_run_only(vrv_sup_st s);

/* The druid.supervisor.* settings of the state machine. */
typedef struct vrv_sup_thresholds {
    int healthiness;          /* successful runs to leave UNHEALTHY_SUPERVISOR: 3 */
    int unhealthiness;        /* failed runs to enter it: 3 */
    int task_healthiness;     /* successful tasks to leave UNHEALTHY_TASKS: 3 */
    int task_unhealthiness;   /* failed tasks to enter it: 3 */
    int max_stored_events;    /* recentErrors kept; 0: max(healthiness, unhealthiness) */
} vrv_sup_thresholds;

/* One entry of recentErrors. */
typedef struct vrv_sup_event {
    vrv_ms timestamp;
    char *exception_class; /* the Java class Druid would name (see docs/supervisors.md) */
    char *message;
    bool stream_exception; /* the error came from the stream (StreamException) */
} vrv_sup_event;

typedef struct vrv_sup_state {
    vrv_sup_thresholds cfg;
    vrv_sup_st state;
    vrv_sup_st steady; /* RUNNING, or SUSPENDED for a suspended spec */
    bool at_least_one_success;
    bool current_run_ok;
    bool hit_unhealthy;      /* has been over the run unhealthiness threshold */
    bool hit_task_unhealthy; /* has been over the task unhealthiness threshold */
    int failed_runs, ok_runs, failed_tasks, ok_tasks; /* consecutive */
    vrv_sup_event *events; /* oldest first */
    size_t n_events;
} vrv_sup_state;

/* Starts in PENDING. cfg is copied; zero fields take Druid's defaults. */
void vrv_sup_state_init(vrv_sup_state *st, const vrv_sup_thresholds *cfg, bool suspended);
void vrv_sup_state_free(vrv_sup_state *st);

/* Druid's maybeSetState: over a threshold the state becomes the unhealthy
 * one whatever is proposed; an unhealthy state stays until enough successes;
 * the steady state is refused before the first successful run; a
 * first-run-only state is refused after it. */
void vrv_sup_state_propose(vrv_sup_state *st, vrv_sup_st proposed);
/* Records an error of the current run (strings copied); the oldest event is
 * dropped beyond max_stored_events. */
void vrv_sup_state_error(vrv_sup_state *st, vrv_ms now, const char *exception_class,
                         const char *message, bool stream_exception);
/* A task of this supervisor completed (success or failure). */
void vrv_sup_state_task_done(vrv_sup_state *st, bool success);
/* The end of a run: counts it as successful unless an error was recorded
 * since the previous end, then proposes the steady state (unless IDLE). */
void vrv_sup_state_run_finished(vrv_sup_state *st);

static inline bool vrv_sup_state_healthy(const vrv_sup_state *st)
{
    return vrv_sup_st_healthy(st->state);
}
static inline bool vrv_sup_state_is_steady(const vrv_sup_state *st)
{
    return st->state == st->steady;
}
static inline bool vrv_sup_state_is_idle(const vrv_sup_state *st)
{
    return st->state == VRV_SUP_IDLE;
}

/* ---- notices ----------------------------------------------------------------- */

typedef enum vrv_sup_notice_kind {
    VRV_SUP_N_RUN = 0,
    VRV_SUP_N_CHECKPOINT,        /* group + data: the start-form DataSourceMetadata */
    VRV_SUP_N_RESET,             /* data: DataSourceMetadata, or NULL for a hard reset */
    VRV_SUP_N_RESET_OFFSETS,     /* data: DataSourceMetadata */
    VRV_SUP_N_HANDOFF,           /* data: array of group ids */
    VRV_SUP_N_SHUTDOWN,          /* stop now, leave tasks as they are */
    VRV_SUP_N_GRACEFUL_SHUTDOWN, /* tell reading groups to publish, then stop */
} vrv_sup_notice_kind;

typedef struct vrv_sup_notice {
    vrv_sup_notice_kind kind;
    int group;    /* VRV_SUP_N_CHECKPOINT */
    json_t *data; /* owned reference or NULL */
} vrv_sup_notice;

const char *vrv_sup_notice_name(vrv_sup_notice_kind k); /* "run_notice", ... */

/* A FIFO of notices in which a notice equal to a queued one (same kind,
 * group and JSON data) is not queued again — Druid's NoticesQueue. */
typedef struct vrv_sup_notices {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    vrv_sup_notice *v;
    size_t head, n, cap; /* ring */
    uint64_t added, deduplicated; /* counters, for tests and logs */
} vrv_sup_notices;

void vrv_sup_notices_init(vrv_sup_notices *q);
/* Frees the queued notices' data. */
void vrv_sup_notices_free(vrv_sup_notices *q);
/* Queues a notice; data (may be NULL) is taken over — decref'd if the notice
 * is a duplicate. Returns true when queued, false when deduplicated. Wakes a
 * waiting vrv_sup_notices_wait. */
bool vrv_sup_notices_add(vrv_sup_notices *q, vrv_sup_notice_kind kind, int group, json_t *data);
/* Takes the oldest notice into *out (its data now owned by the caller);
 * false when the queue is empty. */
bool vrv_sup_notices_poll(vrv_sup_notices *q, vrv_sup_notice *out);
/* Waits until a notice is queued or `timeout_ms` passed (< 0: forever);
 * returns immediately when one is queued. */
void vrv_sup_notices_wait(vrv_sup_notices *q, int64_t timeout_ms);
size_t vrv_sup_notices_size(vrv_sup_notices *q);

/* ---- base sequence names ----------------------------------------------------- */

/* "<task type>_<supervisor id>_<15 hex>" where the hex is the start of the
 * SHA-1 over, concatenated without separators: the data schema and the task
 * tuningConfig as compact JSON with object keys sorted, the start positions
 * as `p(offset)` joined with '+' in map order (p: Java's toString of the
 * partition id, "KafkaTopicPartition{partition=0, topic='null',
 * multiTopicPartition=false}" for Kafka as Druid 28+ writes it; the shard id
 * for Kinesis), and the minimum and maximum message times in epoch ms ("" when
 * unset). Exclusive flags are not hashed. Returns a malloc'd string. */
char *vrv_sup_sequence_name(const char *task_type, const char *supervisor_id,
                            const json_t *data_schema, const json_t *tuning,
                            const vrv_posmap *start, bool has_min, vrv_ms min_time, bool has_max,
                            vrv_ms max_time);

#endif
