/*
 * overlord_int.h — the overlord's internal state, shared by overlord.c (queue,
 * runner, task API) and overlord_lock.c (time-chunk locks and task actions).
 * Everything here is guarded by vrv_overlord.mu unless a field says otherwise.
 */
#ifndef VRV_OVERLORD_INT_H
#define VRV_OVERLORD_INT_H

#include <pthread.h>
#include <sys/types.h>

#include "base/time.h"
#include "base/vec.h"
#include "overlord/overlord.h"

typedef enum ot_state {
    OT_WAITING = 0, /* queued; its up-front locks are not granted yet */
    OT_PENDING,     /* ready; waiting for a free slot */
    OT_RUNNING,     /* its process runs */
} ot_state;

/* An active (not yet complete) task. */
typedef struct otask {
    char *id, *group_id, *type, *datasource;
    char created[VRV_TIME_STR_MAX]; /* createdTime, ISO */
    json_t *payload;                /* the task JSON as stored */
    vrv_interval *lock_ivs;         /* locks to hold before it starts (overwrite with
                                       granularitySpec.intervals), bucket aligned */
    size_t n_lock_ivs;
    int priority;
    ot_state state;
    pid_t pid;
    vrv_ms start_ms; /* when the process was launched */
    char *host;      /* location reported by the task's own server */
    int port;
} otask;

/* A process still to be reaped after its task was completed (shut down). */
typedef struct dying {
    pid_t pid;
    vrv_ms term_ms; /* when SIGTERM was sent */
    bool killed;
} dying;

typedef struct olock {
    int64_t id; /* druid_tasklocks.id */
    char *task_id, *group_id, *ds;
    vrv_interval iv;
    char *version;
    int priority;
    bool revoked;
} olock;

struct vrv_overlord {
    vrv_overlord_config cfg; /* strings owned */
    vrv_meta *meta;
    char *url;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* runner wake-ups and lock releases */
    VRV_VEC(otask *) tasks;
    VRV_VEC(dying) dying;
    VRV_VEC(olock) locks;
    vrv_ms last_version_ms; /* lock versions strictly increase */
    pthread_t runner;
    bool started, stop;
    vrv_overlord_listener listener; /* set before start; read under mu */
    void *listener_ctx;
    vrv_overlord_action_hook action_hook; /* set before start */
    void *action_hook_ctx;
};

/* ---- overlord_lock.c ---------------------------------------------------------- */

/* Tries to grant task t an exclusive lock on (t's datasource, iv): reuses its
 * own lock that encloses iv, joins a lock of its group that does (an entry of
 * its own with the same interval and version, so the shared lock lasts until
 * the last task holding it ends), fails with VRV_ECONFLICT when another group
 * holds an overlapping one. *lock_out points into o->locks (valid until the
 * lock vector changes). Caller holds mu. */
int ovl_lock_try(vrv_overlord *o, const char *task_id, const char *group_id, const char *ds,
                 vrv_interval iv, int priority, olock **lock_out, vrv_error *err);
/* Releases every lock of a task (memory and metadata store). Caller holds mu. */
void ovl_lock_release_task(vrv_overlord *o, const char *task_id);
/* Loads the locks of active tasks from the metadata store at start. */
int ovl_lock_reload(vrv_overlord *o, vrv_error *err);
/* TaskLock JSON of a lock. */
json_t *ovl_lock_json(const olock *l);

/* ---- overlord.c --------------------------------------------------------------- */

otask *ovl_find(vrv_overlord *o, const char *id); /* caller holds mu */
vrv_ms ovl_now(void);

#endif
