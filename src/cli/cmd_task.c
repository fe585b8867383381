/*
 * cmd_task.c — `varve task`: one indexing task in its own process, as the
 * overlord launches it (overlord.h):
 *
 *   varve task --id ID --task-dir DIR --overlord URL --deep-dir D
 *              [--host H] [--memory BYTES] [--log-level L]
 *
 * It reads DIR/task.json, runs the task type's run function (TASK_TYPES
 * below), and writes DIR/status.json last: its presence tells the overlord
 * the task ended on its own. Output goes to standard error, which the
 * overlord sends to DIR/log. The exit status is 0 when the task succeeded,
 * 1 when it failed, 2 for a usage error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "cli/cli.h"
#include "json/jutil.h"
#include "spec/spec.h"
#include "task/batch.h"
#include "task/stream_task.h"
#include "task/task.h"
#include "task/taskdir.h"

/* The task types this binary runs, by the payload's "type". */
static const struct {
    const char *type;
    vrv_task_run_fn run;
} TASK_TYPES[] = {
    {"index", vrv_batch_run},
    {"index_kafka", vrv_stask_run},
    {"index_kinesis", vrv_stask_run},
    {"index_parallel", vrv_batch_run},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: varve task --id ID --task-dir DIR --overlord URL --deep-dir D\n"
                 "                  [--host H] [--memory BYTES] [--log-level L]\n"
                 "  runs one indexing task from DIR/task.json (the overlord starts it)\n");
}

int vrv_cmd_task(int argc, char **argv)
{
    const char *id = NULL, *dir = NULL, *url = NULL, *deep_dir = NULL, *host = "localhost";
    const char *level = "info";
    long long memory = VRV_SPEC_DEFAULT_MEMORY_BUDGET;
    /* every option takes a value: options and values alternate */
    for (int i = 1; i < argc; i += 2) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "varve task: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
        if (strcmp(a, "--id") == 0) {
            id = v;
        } else if (strcmp(a, "--task-dir") == 0) {
            dir = v;
        } else if (strcmp(a, "--overlord") == 0) {
            url = v;
        } else if (strcmp(a, "--deep-dir") == 0) {
            deep_dir = v;
        } else if (strcmp(a, "--host") == 0) {
            host = v;
        } else if (strcmp(a, "--log-level") == 0) {
            level = v;
        } else if (strcmp(a, "--memory") == 0) {
            char *end;
            memory = strtoll(v, &end, 10);
            if (*end || memory <= 0) {
                fprintf(stderr, "varve task: --memory: [%s] is not a positive number of bytes\n", v);
                return 2;
            }
        } else {
            fprintf(stderr, "varve task: unexpected argument '%s'\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (!id || !dir || !url || !deep_dir) {
        usage(stderr);
        return 2;
    }
    vrv_log_level lvl;
    if (vrv_log_level_parse(level, &lvl) < 0) {
        fprintf(stderr, "varve task: --log-level: unknown level '%s'\n", level);
        return 2;
    }
    vrv_log_init(lvl, stderr);
    vrv_task_signals_install();

    vrv_task_env env = {.id = id,
                        .dir = dir,
                        .overlord_url = url,
                        .host = host,
                        .memory = memory,
                        .port = -1,
                        .start_ms = vrv_task_now_ms()};
    vrv_error failure, err;
    vrv_error_clear(&failure);
    json_t *payload = NULL;
    char *path = vrv_task_path(&env, VRV_TASKDIR_PAYLOAD);
    int rc = vrv_json_load_file(path, &payload, &failure);
    free(path);
    const char *type = NULL;
    if (rc == 0) {
        const char *pid = json_string_value(json_object_get(payload, "id"));
        type = json_string_value(json_object_get(payload, "type"));
        if (pid && strcmp(pid, id) != 0)
            rc = vrv_error_set(&failure, VRV_EINVAL, "task.json: id [%s] is not the task's [%s]",
                               pid, id);
    }
    vrv_task_run_fn run = NULL;
    for (size_t i = 0; rc == 0 && i < sizeof TASK_TYPES / sizeof TASK_TYPES[0]; i++)
        if (type && strcmp(type, TASK_TYPES[i].type) == 0) run = TASK_TYPES[i].run;
    if (rc == 0 && !run)
        rc = vrv_error_set(&failure, VRV_EUNSUPPORTED, "task.json: unknown task type [%s]",
                           type ? type : "(none)");
    if (rc == 0 && (rc = vrv_deep_open_local(deep_dir, &env.deep, &failure)) < 0)
        vrv_error_prefix(&failure, "deep storage");
    if (rc == 0) {
        env.payload = payload;
        env.actions = vrv_action_client_new(url, id);
        VRV_INFO("task", "running task [%s] of type [%s]", id, type);
        run(&env, &failure);
    }
    if (failure.code)
        VRV_ERR("task", "task [%s] FAILED: %s", id, failure.msg);
    else
        VRV_INFO("task", "task [%s] SUCCESS", id);
    int status = failure.code ? 1 : 0;
    if (vrv_task_write_status(&env, &failure, &err) < 0) {
        VRV_ERR("task", "writing the status: %s", err.msg);
        status = 1;
    }
    vrv_http_server_free(env.http);
    vrv_action_client_free(env.actions);
    vrv_deep_close(env.deep);
    json_decref(payload);
    return status;
}
