/*
 * supervisor_notice.c — the notice queue of a supervisor (supervisor_core.h):
 * a mutex-guarded ring of notices in which an equal notice is queued once, so
 * that a burst of "run" requests (a timer, several task status changes, the
 * end of a task's duration) costs one run, and replicas asking for the same
 * checkpoint cost one checkpoint.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"
#include "overlord/supervisor_core.h"

static const char *const NOTICE_NAMES[] = {
    [VRV_SUP_N_RUN] = "run_notice",
    [VRV_SUP_N_CHECKPOINT] = "checkpoint_notice",
    [VRV_SUP_N_RESET] = "reset_notice",
    [VRV_SUP_N_RESET_OFFSETS] = "reset_offsets_notice",
    [VRV_SUP_N_HANDOFF] = "handoff_task_group_notice",
    [VRV_SUP_N_SHUTDOWN] = "shutdown_notice",
    [VRV_SUP_N_GRACEFUL_SHUTDOWN] = "graceful_shutdown_notice",
};

const char *vrv_sup_notice_name(vrv_sup_notice_kind k)
{
    return (unsigned)k < sizeof NOTICE_NAMES / sizeof *NOTICE_NAMES ? NOTICE_NAMES[k] : "notice";
}

void vrv_sup_notices_init(vrv_sup_notices *q)
{
    memset(q, 0, sizeof *q);
    pthread_mutex_init(&q->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&q->cv, &ca);
    pthread_condattr_destroy(&ca);
}

void vrv_sup_notices_free(vrv_sup_notices *q)
{
    for (size_t i = 0; i < q->n; i++) json_decref(q->v[(q->head + i) % q->cap].data);
    free(q->v);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->cv);
    memset(q, 0, sizeof *q);
}

static bool same(const vrv_sup_notice *a, vrv_sup_notice_kind kind, int group, const json_t *data)
{
    if (a->kind != kind || a->group != group) return false;
    if (!a->data || !data) return a->data == data;
    return json_equal(a->data, (json_t *)data);
}

bool vrv_sup_notices_add(vrv_sup_notices *q, vrv_sup_notice_kind kind, int group, json_t *data)
{
    pthread_mutex_lock(&q->mu);
    for (size_t i = 0; i < q->n; i++) {
        if (same(&q->v[(q->head + i) % q->cap], kind, group, data)) {
            q->deduplicated++;
            pthread_mutex_unlock(&q->mu);
            json_decref(data);
            return false;
        }
    }
    if (q->n == q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 8;
        vrv_sup_notice *nv = vrv_malloc(ncap * sizeof *nv);
        for (size_t i = 0; i < q->n; i++) nv[i] = q->v[(q->head + i) % q->cap];
        free(q->v);
        q->v = nv;
        q->cap = ncap;
        q->head = 0;
    }
    q->v[(q->head + q->n) % q->cap] = (vrv_sup_notice){kind, group, data};
    q->n++;
    q->added++;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    return true;
}

bool vrv_sup_notices_poll(vrv_sup_notices *q, vrv_sup_notice *out)
{
    pthread_mutex_lock(&q->mu);
    bool got = q->n > 0;
    if (got) {
        *out = q->v[q->head];
        q->head = (q->head + 1) % q->cap;
        q->n--;
    }
    pthread_mutex_unlock(&q->mu);
    return got;
}

void vrv_sup_notices_wait(vrv_sup_notices *q, int64_t timeout_ms)
{
    pthread_mutex_lock(&q->mu);
    if (q->n == 0) {
        if (timeout_ms < 0) {
            pthread_cond_wait(&q->cv, &q->mu);
        } else {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            ts.tv_sec += timeout_ms / 1000;
            ts.tv_nsec += (timeout_ms % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&q->cv, &q->mu, &ts);
        }
    }
    pthread_mutex_unlock(&q->mu);
}

size_t vrv_sup_notices_size(vrv_sup_notices *q)
{
    pthread_mutex_lock(&q->mu);
    size_t n = q->n;
    pthread_mutex_unlock(&q->mu);
    return n;
}
