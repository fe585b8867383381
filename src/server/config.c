/*
 * config.c — reading and checking the server settings (see config.h).
 */
#include "server/config.h"

#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "json/jutil.h"

void vrv_config_defaults(vrv_config *c)
{
    memset(c, 0, sizeof *c);
    c->bind = vrv_strdup("127.0.0.1");
    c->port = 8888;
    c->host = vrv_strdup("localhost");
    c->http_threads = 4;
    c->max_request_bytes = 16 << 20;
    c->coordinator_period_ms = 1000;
    c->realtime_poll_ms = 20;
    c->task_slots = 2;
    c->task_memory = 1LL << 30;
    c->task_shutdown_timeout_ms = 10000;
    c->query_timeout_ms = 300000;
    c->log_level = vrv_strdup("info");
}

void vrv_config_free(vrv_config *c)
{
    free(c->data_dir);
    free(c->bind);
    free(c->host);
    free(c->log_level);
    free(c->log_file);
    free(c->port_file);
    memset(c, 0, sizeof *c);
}

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = v ? vrv_strdup(v) : NULL;
}

/* A duration given as ISO period text ("PT1S") or milliseconds. */
static int get_duration(const json_t *o, const char *key, const char *path, int64_t *out,
                        vrv_error *err)
{
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) return 0;
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        int64_t ms;
        if (vrv_period_parse_ms(s, strlen(s), &ms, err) < 0)
            return vrv_error_prefix(err, "%s.%s", path, key);
        if (ms <= 0) return vrv_error_set(err, VRV_EINVAL, "%s.%s: must be positive", path, key);
        *out = ms;
        return 0;
    }
    return vrv_json_get_int64_range(o, key, path, *out, 1, INT64_MAX, out, err);
}

static const char *const known_keys[] = {
    "dataDir",     "bind",       "port",          "host",
    "httpThreads", "maxRequestBytes", "coordinatorPeriod", "taskSlots",
    "taskMemory",  "taskShutdownTimeout", "queryTimeout", "logLevel",
    "logFile",     "realtimePollPeriod",
};

int vrv_config_load_file(vrv_config *c, const char *path, vrv_error *err)
{
    json_t *j = NULL;
    int rc = vrv_json_load_file(path, &j, err);
    if (rc < 0) return rc;
    if (!json_is_object(j)) {
        json_decref(j);
        return vrv_error_set(err, VRV_EINVAL, "%s: must hold a JSON object", path);
    }
    const char *key;
    json_t *val;
    json_object_foreach(j, key, val)
    {
        bool known = false;
        for (size_t i = 0; i < VRV_ARRAY_LEN(known_keys); i++) known = known || !strcmp(key, known_keys[i]);
        if (!known) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s: unknown setting \"%s\"", path, key);
            json_decref(j);
            return rc;
        }
    }
    const char *s;
    if ((rc = vrv_json_get_string(j, "dataDir", path, NULL, &s, err)) == 0 && s) set_str(&c->data_dir, s);
    if (rc == 0 && (rc = vrv_json_get_string(j, "bind", path, NULL, &s, err)) == 0 && s) set_str(&c->bind, s);
    if (rc == 0 && (rc = vrv_json_get_string(j, "host", path, NULL, &s, err)) == 0 && s) set_str(&c->host, s);
    if (rc == 0 && (rc = vrv_json_get_string(j, "logLevel", path, NULL, &s, err)) == 0 && s) set_str(&c->log_level, s);
    if (rc == 0 && (rc = vrv_json_get_string(j, "logFile", path, NULL, &s, err)) == 0 && s) set_str(&c->log_file, s);
    if (rc == 0) rc = vrv_json_get_int_range(j, "port", path, c->port, 0, 65535, &c->port, err);
    if (rc == 0)
        rc = vrv_json_get_int_range(j, "httpThreads", path, c->http_threads, 1, 256, &c->http_threads, err);
    if (rc == 0)
        rc = vrv_json_get_int64_range(j, "maxRequestBytes", path, c->max_request_bytes, 1024,
                                      INT64_C(1) << 34, &c->max_request_bytes, err);
    if (rc == 0) rc = get_duration(j, "coordinatorPeriod", path, &c->coordinator_period_ms, err);
    if (rc == 0) rc = get_duration(j, "realtimePollPeriod", path, &c->realtime_poll_ms, err);
    if (rc == 0)
        rc = vrv_json_get_int_range(j, "taskSlots", path, c->task_slots, 1, 1024, &c->task_slots, err);
    if (rc == 0)
        rc = vrv_json_get_int64_range(j, "taskMemory", path, c->task_memory, 16 << 20, INT64_MAX,
                                      &c->task_memory, err);
    if (rc == 0) rc = get_duration(j, "taskShutdownTimeout", path, &c->task_shutdown_timeout_ms, err);
    if (rc == 0) rc = get_duration(j, "queryTimeout", path, &c->query_timeout_ms, err);
    json_decref(j);
    return rc;
}

static bool parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return false;
    *out = v;
    return true;
}

int vrv_config_from_args(vrv_config *c, int argc, char **argv, vrv_error *err)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--config") == 0) {
            if (i + 1 >= argc) return vrv_error_set(err, VRV_EINVAL, "--config: needs a file");
            int rc = vrv_config_load_file(c, argv[i + 1], err);
            if (rc < 0) return rc;
        }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
        if (strcmp(a, "--config") == 0) {
            i++;
            continue;
        }
        if (!v) return vrv_error_set(err, VRV_EINVAL, "%s: needs a value", a);
        if (strcmp(a, "--port") == 0) {
            if (!parse_int(v, 0, 65535, &n))
                return vrv_error_set(err, VRV_EINVAL, "--port: [%s] is not a port (0-65535)", v);
            c->port = (int)n;
        } else if (strcmp(a, "--task-slots") == 0) {
            if (!parse_int(v, 1, 1024, &n))
                return vrv_error_set(err, VRV_EINVAL, "--task-slots: [%s] must be 1-1024", v);
            c->task_slots = (int)n;
        } else if (strcmp(a, "--data-dir") == 0) {
            set_str(&c->data_dir, v);
        } else if (strcmp(a, "--bind") == 0) {
            set_str(&c->bind, v);
        } else if (strcmp(a, "--host") == 0) {
            set_str(&c->host, v);
        } else if (strcmp(a, "--port-file") == 0) {
            set_str(&c->port_file, v);
        } else if (strcmp(a, "--log-level") == 0) {
            set_str(&c->log_level, v);
        } else if (strcmp(a, "--log-file") == 0) {
            set_str(&c->log_file, v);
        } else {
            return vrv_error_set(err, VRV_EINVAL, "unknown option %s", a);
        }
        i++;
    }
    return 0;
}

int vrv_config_validate(const vrv_config *c, vrv_error *err)
{
    if (!c->data_dir || !*c->data_dir)
        return vrv_error_set(err, VRV_EINVAL, "dataDir: required (--data-dir DIR)");
    vrv_log_level lvl;
    if (vrv_log_level_parse(c->log_level, &lvl) < 0)
        return vrv_error_set(err, VRV_EINVAL,
                             "logLevel: [%s] is not one of error, warn, info, debug, trace",
                             c->log_level);
    return 0;
}
