/*
 * action.c — posting task actions to the overlord (see action.h).
 */
#include "task/action.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "server/http_client.h"

#define ACTION_TIMEOUT_MS 120000 /* a waiting lock acquire may take the overlord's lock timeout */
#define ACTION_RETRIES    5      /* connection failures retried, pauses 0.2 s doubling */

struct vrv_action_client {
    char *url;      /* base URL of the overlord */
    char *endpoint; /* <url>/druid/indexer/v1/action */
    char *task_id;
    vrv_http_client *http;
};

vrv_action_client *vrv_action_client_new(const char *overlord_url, const char *task_id)
{
    vrv_action_client *c = vrv_calloc(1, sizeof *c);
    size_t n = strlen(overlord_url);
    while (n > 0 && overlord_url[n - 1] == '/') n--;
    c->url = vrv_strndup(overlord_url, n);
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/druid/indexer/v1/action", c->url);
    c->endpoint = vrv_buf_detach(&b);
    c->task_id = vrv_strdup(task_id);
    vrv_http_client_opts o = {.timeout_ms = ACTION_TIMEOUT_MS};
    c->http = vrv_http_client_new(&o);
    return c;
}

void vrv_action_client_free(vrv_action_client *c)
{
    if (!c) return;
    vrv_http_client_free(c->http);
    free(c->url);
    free(c->endpoint);
    free(c->task_id);
    free(c);
}

const char *vrv_action_client_url(const vrv_action_client *c)
{
    return c->url;
}

int vrv_action_submit(vrv_action_client *c, const json_t *action, json_t **result, vrv_error *err)
{
    *result = NULL;
    const char *type = json_string_value(json_object_get(action, "type"));
    if (!type) type = "?";
    json_t *holder = json_pack("{s:s, s:O}", "task", c->task_id, "action", (json_t *)action);
    char *body = json_dumps(holder, JSON_COMPACT);
    json_decref(holder);
    vrv_http_result res = {0};
    int rc = 0;
    useconds_t pause_us = 200000;
    for (int attempt = 0;; attempt++) {
        vrv_error e2;
        rc = vrv_http_client_post_json(c->http, c->endpoint, body, &res, &e2);
        if (rc == 0) break;
        if (rc != VRV_EIO || attempt >= ACTION_RETRIES) {
            rc = vrv_error_set(err, VRV_EIO, "task action [%s]: %s", type, e2.msg);
            goto out;
        }
        VRV_WARN("task", "task action [%s]: %s; retrying", type, e2.msg);
        usleep(pause_us);
        pause_us *= 2;
    }
    json_t *j = json_loadb(res.body.data ? res.body.data : "", res.body.len, 0, NULL);
    if (res.status != 200) {
        const char *msg = json_string_value(json_object_get(j, "error"));
        rc = vrv_error_set(err, VRV_EIO, "task action [%s] failed: %s", type,
                           msg ? msg : (res.body.data ? res.body.data : ""));
    } else if (!json_is_object(j) || !json_object_get(j, "result")) {
        rc = vrv_error_set(err, VRV_EIO, "task action [%s]: the overlord's answer has no result",
                           type);
    } else {
        *result = json_incref(json_object_get(j, "result"));
    }
    json_decref(j);
out:
    vrv_http_result_free(&res);
    free(body);
    return rc;
}
