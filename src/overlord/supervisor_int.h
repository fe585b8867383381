/*
 * supervisor_int.h — the state of one supervisor and of the manager, shared
 * by supervisor.c (the manager and the API), supervisor_run.c (the loop and
 * the notices), supervisor_client.c (the calls to tasks) and
 * supervisor_report.c (the status payload).
 *
 * Threads: everything in vrv_sup below `-- loop state --` belongs to the
 * supervisor's own thread (in manual mode, to whoever calls the tick). Other
 * threads see a supervisor only through what that thread publishes under
 * snap_mu: the state and the report snapshot.
 */
#ifndef VRV_SUPERVISOR_INT_H
#define VRV_SUPERVISOR_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "base/vec.h"
#include "overlord/supervisor.h"
#include "stream/kinesis_client.h"
#include "task/stream_payload.h"

/* A task of a group (Druid's TaskData). */
typedef struct sup_task {
    char *id;
    bool has_status;
    vrv_sup_task_code status;
    bool has_start;
    vrv_ms start_time;   /* the run's start as the task reports it */
    vrv_posmap current;  /* last offsets fetched from the task (may be empty) */
    char *seq;           /* the sequence name recomputed from the task's own payload */
} sup_task;

/* A task group (Druid's TaskGroup): replicas reading the same partitions from
 * the same start. */
typedef struct sup_group {
    int id;
    vrv_posmap start; /* startingSequences; pos.exclusive marks exclusive starts */
    bool has_min, has_max;
    vrv_ms min_time, max_time; /* the rejection window, fixed at creation */
    char *base_seq;            /* baseSequenceName given to its tasks */
    char *expected_seq;        /* the name the current spec gives this work */
    VRV_VEC(sup_task) tasks;
    VRV_VEC(vrv_stask_checkpoint) checkpoints; /* checkpointSequences, ids ascending */
    bool has_deadline;
    vrv_ms deadline; /* publishing: completionTimeout */
    bool handoff_early;
} sup_group;

/* partitionGroups: a group id and its partitions. */
typedef struct sup_pgroup {
    int id;
    VRV_VEC(vrv_part) parts;
} sup_pgroup;

/* Kinesis: how far (ms) reading a shard is behind its newest record. */
typedef struct sup_time_lag {
    vrv_part part;
    int64_t ms;
} sup_time_lag;

typedef struct vrv_sup vrv_sup;

struct vrv_sup {
    vrv_sup_mgr *mgr;
    char *id;
    vrv_spec_supervisor spec; /* parsed, owned */
    json_t *spec_json;        /* Druid's serialisation, as GET /{id} returns it */
    bool suspended;
    const char *ds;           /* dataSchema.dataSource (into spec) */
    const char *stream;       /* topic, topicPattern or stream (into spec) */
    vrv_stream_type stype;
    const char *task_type;    /* "index_kafka" or "index_kinesis" */
    json_t *hash_schema;      /* the task dataSchema and tuningConfig, for sequence names */
    json_t *hash_tuning;
    int64_t idle_after_ms;    /* 0: idle detection off */
    atomic_bool stop_requested;

    pthread_t thread;
    bool threaded;
    bool stopped;             /* the shutdown notice was handled */
    bool finishing;           /* handling the graceful shutdown notice: tasks it gives up
                                 on are killed although the supervisor is stopping */

    /* -- loop state ------------------------------------------------------------ */
    vrv_supplier *supplier;   /* NULL until opened (retried at every run) */
    vrv_sup_state st;
    vrv_sup_notices q;
    VRV_VEC(sup_group *) active;  /* activelyReadingTaskGroups */
    VRV_VEC(sup_group *) pending; /* pendingCompletionTaskGroups, in insertion order */
    VRV_VEC(sup_pgroup) pgroups;  /* partitionGroups */
    vrv_posmap poffsets;          /* partitionOffsets: next start or NOT_SET */
    VRV_VEC(vrv_part) pids;       /* partitionIds */
    VRV_VEC(vrv_part) later_parts;/* discovered after the first discovery */
    bool has_early_stop;
    vrv_ms early_stop;
    vrv_ms created;               /* when the supervisor started */
    vrv_ms first_run;             /* created + startDelay */
    vrv_ms last_run;
    vrv_ms next_periodic;
    VRV_VEC(vrv_ms) scheduled;    /* one-off runs */
    vrv_ms next_offset_fetch;
    /* The offsets snapshot (Kafka 37+): the stream's latest offsets and the
     * highest offsets ingested, taken together at each refresh. */
    bool has_offsets;
    vrv_posmap latest, highest;
    vrv_ms offsets_updated;
    VRV_VEC(sup_time_lag) time_lag; /* Kinesis: per active shard, same snapshot */
    /* Kinesis: the shards as last listed (closed ones too, with parents). */
    vrv_kinesis_shard *kshards;
    size_t n_kshards;
    VRV_VEC(vrv_part) waiting;    /* child shards waiting for their parents, as last logged */
    /* Idle detection. */
    bool has_prev_latest;
    vrv_posmap prev_latest;
    vrv_ms last_active;

    /* -- published view (snap_mu) ----------------------------------------------- */
    pthread_mutex_t snap_mu;
    vrv_sup_st snap_state;
    json_t *snap; /* the report payload with internal fields, see supervisor_report.c */
};

struct vrv_sup_mgr {
    vrv_sup_config cfg;
    vrv_meta *meta;
    vrv_sup_env env;
    pthread_mutex_t mu;    /* guards sups; held briefly, never across a call out */
    pthread_mutex_t op_mu; /* serialises create, suspend, terminate, start and free */
    VRV_VEC(vrv_sup *) sups;
    bool started;
};

/* ---- supervisor_run.c ---------------------------------------------------------- */

/* A supervisor for a parsed spec (taken over on success; freed on failure);
 * not running yet. */
int sup_new(vrv_sup_mgr *m, vrv_spec_supervisor *spec, vrv_sup **out, vrv_error *err);
/* Starts its thread (or, in manual mode, just its timers). */
void sup_start(vrv_sup *s);
/* Stops it: graceful = tell reading groups to publish first. Returns once
 * the shutdown notice was handled. */
void sup_stop(vrv_sup *s, bool graceful);
void sup_free(vrv_sup *s);
/* Manual mode: queue the runs that are due and handle every notice. */
void sup_tick(vrv_sup *s);
vrv_ms sup_now(const vrv_sup *s);

/* ---- supervisor_client.c: the task chat calls (druid-streaming.md §3.5) ------ */

typedef enum sup_runner_status {
    SUP_RS_NOT_STARTED = 0,
    SUP_RS_STARTING,
    SUP_RS_READING,
    SUP_RS_PAUSED,
    SUP_RS_PUBLISHING,
} sup_runner_status;

/* Every call: "not available" (no location, not running) is the neutral
 * answer Druid's client gives (NOT_STARTED, an empty map, no start time);
 * errors after the retries are < 0 with err set. */
int sup_client_status(vrv_sup *s, const char *id, sup_runner_status *out, vrv_error *err);
/* Pauses; *out gets the task's current offsets once it is paused (empty when
 * the task is not available). */
int sup_client_pause(vrv_sup *s, const char *id, vrv_posmap *out, vrv_error *err);
int sup_client_resume(vrv_sup *s, const char *id, bool *ok, vrv_error *err);
int sup_client_set_end(vrv_sup *s, const char *id, const vrv_posmap *end, bool finish, bool *ok,
                       vrv_error *err);
int sup_client_current(vrv_sup *s, const char *id, vrv_posmap *out, vrv_error *err);
int sup_client_end(vrv_sup *s, const char *id, vrv_posmap *out, vrv_error *err);
/* The task's checkpoints; *n 0 when not available. */
int sup_client_checkpoints(vrv_sup *s, const char *id, vrv_stask_checkpoint **out, size_t *n,
                           vrv_error *err);
int sup_client_start_time(vrv_sup *s, const char *id, bool *has, vrv_ms *out, vrv_error *err);
int sup_client_stop(vrv_sup *s, const char *id, bool *ok, vrv_error *err);
/* GET of a JSON endpoint (rowStats, unparseableEvents); *out NULL when not
 * available. Uses only the manager's environment, so any thread may call it. */
int sup_client_get_json(vrv_sup_mgr *m, const vrv_spec_supervisor *spec, const char *id,
                        const char *path, json_t **out, vrv_error *err);

/* A plain {partition: position} JSON object of a map. */
json_t *sup_map_json(const vrv_posmap *m);
/* Reads a plain {partition: position} object into out (initialised here). */
int sup_map_from_json(const json_t *j, vrv_stream_type t, const char *stream, const char *path,
                      vrv_posmap *out, vrv_error *err);

/* ---- supervisor_report.c ------------------------------------------------------- */

/* Builds the snapshot of s (loop thread) and publishes it. */
void sup_publish(vrv_sup *s);
/* Publishes only the state (cheap; after every state change). */
void sup_publish_state(vrv_sup *s);
/* The status report {id, generationTime, payload} from the published
 * snapshot, at time now. Caller holds no lock. */
json_t *sup_report(vrv_sup *s, vrv_ms now);
/* The tasks of the snapshot by group: {"<group>": ["<task>", ...]}. */
json_t *sup_report_tasks(vrv_sup *s);

#endif
