/*
 * supervisor_state.c — the supervisor state machine (supervisor_core.h),
 * after Druid's SupervisorStateManager and its stream subclass: which state a
 * supervisor reports, when it turns unhealthy and when it recovers, and the
 * recent errors shown in its status.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "overlord/supervisor_core.h"

#define DEFAULT_THRESHOLD 3 /* every druid.supervisor.*Threshold defaults to 3 */

static const char *const ST_NAMES[] = {
    [VRV_SUP_UNHEALTHY_SUPERVISOR] = "UNHEALTHY_SUPERVISOR",
    [VRV_SUP_UNHEALTHY_TASKS] = "UNHEALTHY_TASKS",
    [VRV_SUP_PENDING] = "PENDING",
    [VRV_SUP_RUNNING] = "RUNNING",
    [VRV_SUP_IDLE] = "IDLE",
    [VRV_SUP_SUSPENDED] = "SUSPENDED",
    [VRV_SUP_STOPPING] = "STOPPING",
    [VRV_SUP_UNABLE_TO_CONNECT_TO_STREAM] = "UNABLE_TO_CONNECT_TO_STREAM",
    [VRV_SUP_LOST_CONTACT_WITH_STREAM] = "LOST_CONTACT_WITH_STREAM",
    [VRV_SUP_CONNECTING_TO_STREAM] = "CONNECTING_TO_STREAM",
    [VRV_SUP_DISCOVERING_INITIAL_TASKS] = "DISCOVERING_INITIAL_TASKS",
    [VRV_SUP_CREATING_TASKS] = "CREATING_TASKS",
};

const char *vrv_sup_st_name(vrv_sup_st s)
{
    return (unsigned)s < sizeof ST_NAMES / sizeof *ST_NAMES ? ST_NAMES[s] : "UNKNOWN";
}

bool vrv_sup_st_healthy(vrv_sup_st s)
{
    return !(s == VRV_SUP_UNHEALTHY_SUPERVISOR || s == VRV_SUP_UNHEALTHY_TASKS ||
             s == VRV_SUP_UNABLE_TO_CONNECT_TO_STREAM || s == VRV_SUP_LOST_CONTACT_WITH_STREAM);
}

bool vrv_sup_st_first_run_only(vrv_sup_st s)
{
    return s == VRV_SUP_PENDING || s == VRV_SUP_UNABLE_TO_CONNECT_TO_STREAM ||
           s == VRV_SUP_CONNECTING_TO_STREAM || s == VRV_SUP_DISCOVERING_INITIAL_TASKS ||
           s == VRV_SUP_CREATING_TASKS;
}

vrv_sup_st vrv_sup_st_basic(vrv_sup_st s)
{
    if (s <= VRV_SUP_STOPPING) return s;
    return vrv_sup_st_healthy(s) ? VRV_SUP_RUNNING : VRV_SUP_UNHEALTHY_SUPERVISOR;
}

void vrv_sup_state_init(vrv_sup_state *st, const vrv_sup_thresholds *cfg, bool suspended)
{
    memset(st, 0, sizeof *st);
    if (cfg) st->cfg = *cfg;
    if (st->cfg.healthiness <= 0) st->cfg.healthiness = DEFAULT_THRESHOLD;
    if (st->cfg.unhealthiness <= 0) st->cfg.unhealthiness = DEFAULT_THRESHOLD;
    if (st->cfg.task_healthiness <= 0) st->cfg.task_healthiness = DEFAULT_THRESHOLD;
    if (st->cfg.task_unhealthiness <= 0) st->cfg.task_unhealthiness = DEFAULT_THRESHOLD;
    /* Druid requires maxStoredExceptionEvents >= max(healthiness, unhealthiness)
     * so the errors that made a supervisor unhealthy are all still shown. */
    int floor = st->cfg.healthiness > st->cfg.unhealthiness ? st->cfg.healthiness
                                                            : st->cfg.unhealthiness;
    if (st->cfg.max_stored_events < floor) st->cfg.max_stored_events = floor;
    st->state = VRV_SUP_PENDING;
    st->steady = suspended ? VRV_SUP_SUSPENDED : VRV_SUP_RUNNING;
    st->current_run_ok = true;
}

static void event_clear(vrv_sup_event *e)
{
    free(e->exception_class);
    free(e->message);
}

void vrv_sup_state_free(vrv_sup_state *st)
{
    for (size_t i = 0; i < st->n_events; i++) event_clear(&st->events[i]);
    free(st->events);
    st->events = NULL;
    st->n_events = 0;
}

/* The unhealthy state the last error points to: a stream error before any
 * successful run means the stream was never reached. */
static vrv_sup_st specific_unhealthy(const vrv_sup_state *st)
{
    if (st->n_events > 0 && st->events[st->n_events - 1].stream_exception)
        return st->at_least_one_success ? VRV_SUP_LOST_CONTACT_WITH_STREAM
                                        : VRV_SUP_UNABLE_TO_CONNECT_TO_STREAM;
    return VRV_SUP_UNHEALTHY_SUPERVISOR;
}

void vrv_sup_state_propose(vrv_sup_state *st, vrv_sup_st proposed)
{
    if (st->failed_runs >= st->cfg.unhealthiness) {
        st->hit_unhealthy = true;
        st->state = specific_unhealthy(st);
        return;
    }
    if (st->failed_tasks >= st->cfg.task_unhealthiness) {
        st->hit_task_unhealthy = true;
        st->state = VRV_SUP_UNHEALTHY_TASKS;
        return;
    }
    /* Unhealthy stays unhealthy until the successes that were lacking come back. */
    if (!vrv_sup_st_healthy(st->state) &&
        ((st->hit_unhealthy && st->ok_runs < st->cfg.healthiness) ||
         (st->hit_task_unhealthy && st->ok_tasks < st->cfg.task_healthiness)))
        return;
    if (proposed == st->steady && !st->at_least_one_success) return;
    if (!vrv_sup_st_first_run_only(proposed) || !st->at_least_one_success) st->state = proposed;
}

void vrv_sup_state_error(vrv_sup_state *st, vrv_ms now, const char *exception_class,
                         const char *message, bool stream_exception)
{
    if ((int)st->n_events >= st->cfg.max_stored_events) {
        event_clear(&st->events[0]);
        memmove(&st->events[0], &st->events[1], (st->n_events - 1) * sizeof *st->events);
        st->n_events--;
    }
    st->events = vrv_realloc(st->events, (st->n_events + 1) * sizeof *st->events);
    vrv_sup_event *e = &st->events[st->n_events++];
    e->timestamp = now;
    e->exception_class = vrv_strdup(exception_class ? exception_class : "java.lang.Exception");
    e->message = vrv_strdup(message ? message : "");
    e->stream_exception = stream_exception;
    st->current_run_ok = false;
}

void vrv_sup_state_task_done(vrv_sup_state *st, bool success)
{
    if (success) {
        st->ok_tasks++;
        st->failed_tasks = 0;
    } else {
        st->failed_tasks++;
        st->ok_tasks = 0;
    }
}

void vrv_sup_state_run_finished(vrv_sup_state *st)
{
    st->at_least_one_success |= st->current_run_ok;
    st->ok_runs = st->current_run_ok ? st->ok_runs + 1 : 0;
    st->failed_runs = st->current_run_ok ? 0 : st->failed_runs + 1;
    /* IDLE is left only by the idle check itself, not by the end of a run. */
    if (st->state != VRV_SUP_IDLE) vrv_sup_state_propose(st, st->steady);
    st->current_run_ok = true;
}
