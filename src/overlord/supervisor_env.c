/*
 * supervisor_env.c — the environment supervisors run in on a real server
 * (supervisor.h): the overlord's task queue for tasks and their status, HTTP
 * to the task processes' own servers for the chat endpoints, librdkafka or
 * the Kinesis supplier for the stream, and the system clock.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/mem.h"
#include "overlord/overlord.h"
#include "overlord/supervisor.h"
#include "server/http_client.h"
#include "stream/kafka.h"
#include "stream/kinesis.h"

static vrv_ms env_now(void *ctx)
{
    (void)ctx;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int env_submit(void *ctx, const json_t *task, vrv_error *err)
{
    char *id = NULL;
    int rc = vrv_overlord_submit(ctx, task, &id, err);
    free(id);
    return rc;
}

static int env_active(void *ctx, const char *ds, vrv_sup_active_task **out, size_t *n,
                      vrv_error *err)
{
    (void)err;
    vrv_overlord_task_info *v = NULL;
    size_t k = 0;
    int rc = vrv_overlord_active(ctx, ds, &v, &k);
    if (rc < 0) return rc;
    /* The same fields under the supervisor's names; ownership moves over. */
    vrv_sup_active_task *a = vrv_calloc(k ? k : 1, sizeof *a);
    for (size_t i = 0; i < k; i++) {
        a[i].id = v[i].id;
        a[i].type = v[i].type;
        /* A copy: the queue's payload is shared with its HTTP threads. */
        a[i].payload = json_deep_copy(v[i].payload);
        json_decref(v[i].payload);
    }
    free(v);
    *out = a;
    *n = k;
    return 0;
}

static int env_status(void *ctx, const char *id, vrv_sup_task_code *out, vrv_error *err)
{
    json_t *st = NULL;
    int rc = vrv_overlord_task_status_short(ctx, id, &st, err);
    if (rc < 0) return rc;
    const char *code = json_string_value(json_object_get(st, "status"));
    *out = !code || strcmp(code, "RUNNING") == 0 ? VRV_SUP_TASK_RUNNING
           : strcmp(code, "SUCCESS") == 0         ? VRV_SUP_TASK_SUCCESS
                                                  : VRV_SUP_TASK_FAILED;
    json_decref(st);
    return 0;
}

static bool env_running(void *ctx, const char *id)
{
    char *host = NULL;
    int port;
    bool r = vrv_overlord_task_location(ctx, id, &host, &port);
    free(host);
    return r;
}

static void env_kill(void *ctx, const char *id, const char *reason)
{
    vrv_overlord_shutdown(ctx, id, reason, NULL);
}

/* Percent-encodes everything but RFC 3986's unreserved characters. */
static void append_encoded(vrv_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            vrv_buf_putc(b, (char)*p);
        } else {
            vrv_buf_putc(b, '%');
            vrv_buf_putc(b, hex[*p >> 4]);
            vrv_buf_putc(b, hex[*p & 15]);
        }
    }
}

static int env_chat(void *ctx, const char *id, const char *method, const char *path,
                    const char *query, const char *body, int64_t timeout_ms, long *status,
                    vrv_buf *body_out, vrv_error *err)
{
    char *host = NULL;
    int port = 0;
    if (!vrv_overlord_task_location(ctx, id, &host, &port))
        return vrv_error_set(err, VRV_ENOTFOUND, "Task[%s] is not running", id);
    vrv_buf url = VRV_BUF_INIT;
    vrv_buf_printf(&url, strchr(host, ':') ? "http://[%s]:%d/druid/worker/v1/chat/"
                                           : "http://%s:%d/druid/worker/v1/chat/",
                   host, port);
    append_encoded(&url, id);
    vrv_buf_printf(&url, "/%s%s%s", path, query ? "?" : "", query ? query : "");
    free(host);
    vrv_http_client_opts co = {.connect_timeout_ms = timeout_ms, .timeout_ms = timeout_ms};
    vrv_http_client *c = vrv_http_client_new(&co);
    vrv_http_result res = {0};
    int rc = vrv_http_client_request(c, method, url.data, body ? "application/json" : NULL, body,
                                     body ? strlen(body) : 0, timeout_ms, &res, err);
    if (rc == 0) {
        *status = res.status;
        vrv_buf_reset(body_out);
        if (res.body.len) vrv_buf_append(body_out, res.body.data, res.body.len);
    }
    vrv_http_result_free(&res);
    vrv_http_client_free(c);
    vrv_buf_free(&url);
    return rc;
}

static int env_open(void *ctx, const vrv_spec_supervisor *spec, vrv_supplier **out, vrv_error *err)
{
    (void)ctx;
    if (spec->type == VRV_SPEC_KINESIS) {
        vrv_kinesis_config kc;
        int rc = vrv_kinesis_config_from_spec(spec, &kc, err);
        return rc < 0 ? rc : vrv_kinesis_open(&kc, out, err);
    }
    vrv_kafka_config kc = {.topic = spec->io.topic_pattern ? NULL : spec->io.topic,
                           .topic_pattern = spec->io.topic_pattern,
                           .consumer_properties = spec->io.consumer_properties,
                           .path = "spec.ioConfig.consumerProperties",
                           .poll_timeout_ms = (int)spec->io.poll_timeout_ms};
    return vrv_kafka_open(&kc, out, err);
}

static const vrv_sup_env_ops OVERLORD_OPS = {
    .now = env_now,
    .submit = env_submit,
    .active_tasks = env_active,
    .task_status = env_status,
    .task_running = env_running,
    .kill = env_kill,
    .chat = env_chat,
    .open_supplier = env_open,
    .sleep_ms = NULL,
};

vrv_sup_env vrv_sup_env_overlord(struct vrv_overlord *o)
{
    return (vrv_sup_env){&OVERLORD_OPS, o};
}
