/*
 * action.h — the task process's side of the overlord's task actions
 * (druid-streaming.md §3.4, §5.2-5.3): one client that posts the action
 * holder {"task": <task id>, "action": {...}} to
 * <overlord>/druid/indexer/v1/action and hands back the action's result.
 *
 * The actions the overlord knows are listed in overlord_lock.c
 * (timeChunkLockTryAcquire, timeChunkLockAcquire, lockList, segmentAllocate,
 * retrieveUsedSegments, segmentTransactionalInsert, varveTaskLocation).
 *
 * A client is used by one thread at a time. A connection failure is retried
 * a few times with a growing pause, as Druid's remote action client does; an
 * answer the overlord gave (a refused action) is returned at once.
 */
#ifndef VRV_TASK_ACTION_H
#define VRV_TASK_ACTION_H

#include <jansson.h>

#include "base/error.h"

typedef struct vrv_action_client vrv_action_client;

/* overlord_url ("http://127.0.0.1:8888") and task_id are copied. */
vrv_action_client *vrv_action_client_new(const char *overlord_url, const char *task_id);
void vrv_action_client_free(vrv_action_client *c); /* c may be NULL */

/* The overlord's base URL, as given. */
const char *vrv_action_client_url(const vrv_action_client *c);

/* Runs one action (borrowed). On success *result is a new reference to the
 * action's result, which may be JSON null (a lock that is taken). Errors:
 * VRV_EIO for a transport failure or an overlord that refused the action,
 * with a message naming the action type and the overlord's words. */
int vrv_action_submit(vrv_action_client *c, const json_t *action, json_t **result, vrv_error *err);

#endif
