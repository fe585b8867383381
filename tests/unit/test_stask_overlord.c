/*
 * test_stask_overlord.c — the overlord's side of streaming tasks, with a
 * stand-in task process (a shell script that sleeps): index_kafka accepted by
 * the task queue with Druid's group id and no up-front locks, and bad task
 * JSON refused with the field named.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "overlord/overlord.h"
#include "task/stream_payload.h"
#include "test.h"

static char *script(const char *name, const char *body)
{
    char *p = vrv_malloc(512);
    snprintf(p, 512, "%s/%s.sh", vrv_test_tmpdir(), name);
    FILE *f = fopen(p, "w");
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(p, 0755);
    return p;
}

static vrv_meta *open_meta(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.db", vrv_test_tmpdir(), name);
    vrv_meta *m = NULL;
    vrv_error err;
    CHECK_INT(vrv_meta_open_sqlite(path, NULL, &m, &err), 0);
    return m;
}

static vrv_overlord *start(vrv_meta *m, const char *exe, const char *name)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/%s", vrv_test_tmpdir(), name);
    vrv_overlord_config cfg = {.task_dir = dir, .exe = exe, .slots = 2,
                               .shutdown_timeout_ms = 2000, .lock_timeout_ms = 300};
    vrv_overlord *o = NULL;
    vrv_error err;
    CHECK_INT(vrv_overlord_new(&cfg, m, &o, &err), 0);
    CHECK_INT(vrv_overlord_start(o, "http://127.0.0.1:1", &err), 0);
    return o;
}

static const char *TASK =
    "{\"type\":\"index_kafka\",\"id\":\"%s\",\"supervisorId\":\"sup\","
    "\"dataSchema\":{\"dataSource\":\"metrics\",\"timestampSpec\":{\"column\":\"ts\","
    "\"format\":\"millis\"},\"dimensionsSpec\":{\"dimensions\":[\"host\"]},"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\"}},"
    "\"tuningConfig\":{\"type\":\"kafka\"},"
    "\"ioConfig\":{\"type\":\"kafka\",\"taskGroupId\":0,\"baseSequenceName\":\"seq\","
    "\"startSequenceNumbers\":{\"type\":\"start\",\"stream\":\"events\","
    "\"partitionOffsetMap\":{\"0\":0},\"exclusivePartitions\":[]},"
    "\"endSequenceNumbers\":{\"type\":\"end\",\"stream\":\"events\","
    "\"partitionOffsetMap\":{\"0\":%s}},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"127.0.0.1:1\"},"
    "\"inputFormat\":{\"type\":\"json\"}}}";

static json_t *task_json(const char *id, const char *end)
{
    char buf[4096];
    snprintf(buf, sizeof buf, TASK, id, end);
    json_error_t je;
    json_t *j = json_loads(buf, 0, &je);
    if (!j) fprintf(stderr, "bad task: %s\n", je.text);
    return j;
}

static const char *field(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

TEST(submit_index_kafka)
{
    vrv_meta *m = open_meta("submit");
    char *exe = script("sleeper", "sleep 30");
    vrv_overlord *o = start(m, exe, "tasks-submit");
    vrv_error err;
    char *id = NULL;

    json_t *t = task_json("index_kafka_sup_a", "100");
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), 0);
    CHECK_STR(id, "index_kafka_sup_a");
    free(id);
    json_t *st = NULL;
    CHECK_INT(vrv_overlord_task_status(o, "index_kafka_sup_a", &st, &err), 0);
    CHECK_STR(field(st, "type"), "index_kafka");
    CHECK_STR(field(st, "groupId"), "index_kafka_sup");
    CHECK_STR(field(st, "dataSource"), "metrics");
    json_decref(st);
    json_t *p = NULL;
    CHECK_INT(vrv_overlord_task_payload(o, "index_kafka_sup_a", &p, &err), 0);
    json_t *pl = json_object_get(p, "payload");
    CHECK_STR(field(pl, "groupId"), "index_kafka_sup");
    CHECK_STR(field(pl, "supervisorId"), "sup");
    CHECK_STR(field(json_object_get(pl, "ioConfig"), "baseSequenceName"), "seq");
    json_decref(p);
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), VRV_ECONFLICT);
    json_decref(t);

    /* A streaming task takes no lock before it runs: a second task of the
     * group starts at once. */
    t = task_json("index_kafka_sup_b", "9223372036854775807");
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), 0);
    free(id);
    json_decref(t);
    json_t *h = json_pack("{s:s, s:{s:s}}", "task", "index_kafka_sup_b", "action", "type",
                          "lockList");
    json_t *locks = NULL;
    CHECK_INT(vrv_overlord_action(o, h, &locks, &err), 0);
    CHECK_INT(json_array_size(locks), 0);
    json_decref(locks);
    json_decref(h);

    /* Errors name the task's field. */
    t = task_json("index_kafka_sup_c", "-5");
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), VRV_EINVAL);
    CHECK(strncmp(err.msg, "ioConfig.endSequenceNumbers", 27) == 0);
    json_decref(t);
    t = task_json("index_kafka_sup_c", "100");
    json_object_del(json_object_get(t, "ioConfig"), "consumerProperties");
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "ioConfig.consumerProperties: required");
    json_decref(t);
    t = task_json("index_kafka_sup_c", "100");
    json_object_set_new(t, "type", json_string("index_kinesis"));
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "known type ids = [index, index_kafka, index_parallel]") != NULL);
    json_decref(t);

    /* Without an id Druid names it index_kafka_<dataSource>_<8 letters>. */
    t = task_json("x", "100");
    json_object_del(t, "id");
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), 0);
    CHECK(strncmp(id, "index_kafka_metrics_", 20) == 0 && strlen(id) == 28);
    free(id);
    json_decref(t);

    vrv_overlord_free(o);
    vrv_meta_close(m);
    free(exe);
}
