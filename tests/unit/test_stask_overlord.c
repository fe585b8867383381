/*
 * test_stask_overlord.c — the overlord's side of streaming tasks, with a
 * stand-in task process (a shell script that sleeps): index_kafka accepted by
 * the task queue with Druid's group id and no up-front locks, and bad task
 * JSON refused with the field named.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "overlord/overlord.h"
#include "task/stream_payload.h"
#include "task/stream_state.h"
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
    vrv_overlord_config cfg = {.task_dir = dir, .exe = exe, .slots = 4,
                               .shutdown_timeout_ms = 2000, .lock_timeout_ms = 300,
                               .publish_retry_ms = 1500};
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
    CHECK_STR(err.msg, "ioConfig.type: must be kinesis");
    json_decref(t);
    t = task_json("index_kafka_sup_c", "100");
    json_object_set_new(t, "type", json_string("index_hadoop"));
    CHECK_INT(vrv_overlord_submit(o, t, &id, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "known type ids = [index, index_kafka, index_kinesis, index_parallel]") != NULL);
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

/* ---- the transactional publish with commit metadata ------------------------------- */

static json_t *act(vrv_overlord *o, const char *id, const char *text, int *rc, vrv_error *err)
{
    json_error_t je;
    json_t *a = json_loads(text, 0, &je);
    if (!a) fprintf(stderr, "bad action: %s\n%s\n", je.text, text);
    json_t *h = json_pack("{s:s, s:o}", "task", id, "action", a);
    json_t *res = NULL;
    *rc = vrv_overlord_action(o, h, &res, err);
    json_decref(h);
    return res;
}

/* A Kafka DataSourceMetadata of topic events: "start" or "end" form. */
static char *md(const char *form, const char *map)
{
    char *b = vrv_malloc(1024);
    snprintf(b, 1024,
             "{\"type\":\"kafka\",\"partitions\":{\"type\":\"%s\",\"stream\":\"events\","
             "\"partitionOffsetMap\":%s}}",
             form, map);
    return b;
}

/* Allocates the segment of sequence seq in hour H of 2021-03-04 and returns
 * its DataSegment JSON (as a stream task would publish it). */
static char *alloc_seg(vrv_overlord *o, const char *id, const char *seq, int hour)
{
    char a[1024];
    snprintf(a, sizeof a,
             "{\"type\":\"segmentAllocate\",\"dataSource\":\"metrics\",\"interval\":"
             "\"2021-03-04T%02d:00:00.000Z/2021-03-04T%02d:00:00.000Z\",\"sequenceName\":\"%s\","
             "\"skipSegmentLineageCheck\":true}",
             hour, hour + 1, seq);
    int rc;
    vrv_error err;
    json_t *r = act(o, id, a, &rc, &err);
    if (rc) fprintf(stderr, "allocate: %s\n", err.msg);
    CHECK_INT(rc, 0);
    json_t *shard = json_object_get(r, "shardSpec");
    char *b = vrv_malloc(2048);
    snprintf(b, 2048,
             "{\"dataSource\":\"metrics\",\"interval\":\"%s\",\"version\":\"%s\",\"loadSpec\":{"
             "\"type\":\"local\",\"path\":\"/x\"},\"dimensions\":\"host\",\"metrics\":\"\","
             "\"shardSpec\":{\"type\":\"numbered\",\"partitionNum\":%d,\"partitions\":%d},"
             "\"binaryVersion\":9,\"size\":1}",
             json_string_value(json_object_get(r, "interval")),
             json_string_value(json_object_get(r, "version")),
             (int)json_integer_value(json_object_get(shard, "partitionNum")),
             (int)json_integer_value(json_object_get(shard, "partitions")));
    json_decref(r);
    return b;
}

static json_t *publish(vrv_overlord *o, const char *id, const char *seg, const char *start_map,
                       const char *end_map, int *rc, vrv_error *err)
{
    char *sm = md("start", start_map), *em = md("end", end_map);
    char *a = vrv_malloc(8192);
    snprintf(a, 8192,
             "{\"type\":\"segmentTransactionalInsert\",\"dataSource\":\"metrics\","
             "\"segments\":[%s],\"startMetadata\":%s,\"endMetadata\":%s}",
             seg ? seg : "", sm, em);
    json_t *r = act(o, id, a, rc, err);
    free(sm);
    free(em);
    free(a);
    return r;
}

static char *stored(vrv_meta *m)
{
    char *payload = NULL;
    vrv_error err;
    if (vrv_meta_commit_metadata_get(m, "sup", &payload, NULL, &err) < 0) return NULL;
    return payload;
}

typedef struct later {
    vrv_overlord *o;
    char *seg;
    int rc;
    json_t *res;
} later;

static void *publish_ahead(void *arg)
{
    later *l = arg;
    vrv_error err;
    l->res = publish(l->o, "index_kafka_sup_r2", l->seg, "{\"0\":20}", "{\"0\":30}", &l->rc, &err);
    return NULL;
}

TEST(publish_compare_and_swap)
{
    vrv_meta *m = open_meta("cas");
    char *exe = script("sleeper-cas", "sleep 30");
    vrv_overlord *o = start(m, exe, "tasks-cas");
    vrv_error err;
    char *id = NULL;
    const char *ids[] = {"index_kafka_sup_r1", "index_kafka_sup_r2"};
    for (int i = 0; i < 2; i++) {
        json_t *t = task_json(ids[i], "100");
        CHECK_INT(vrv_overlord_submit(o, t, &id, &err), 0);
        free(id);
        json_decref(t);
    }
    int rc;

    /* Replicas allocate the same id for the same sequence and interval. */
    char *s0 = alloc_seg(o, ids[0], "seq_0", 5);
    char *s0b = alloc_seg(o, ids[1], "seq_0", 5);
    CHECK_STR(s0b, s0);

    /* No stored row: any start is accepted, the end is stored. */
    json_t *r = publish(o, ids[0], s0, "{\"0\":0}", "{\"0\":10}", &rc, &err);
    CHECK_INT(rc, 0);
    CHECK(json_is_true(json_object_get(r, "success")));
    CHECK_INT(json_array_size(json_object_get(r, "segments")), 1);
    json_decref(r);
    char *st = stored(m);
    CHECK_STR(st, "{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",\"stream\":\"events\","
                  "\"topic\":\"events\",\"partitionSequenceNumberMap\":{\"0\":10},"
                  "\"partitionOffsetMap\":{\"0\":10}}}");
    free(st);

    /* The replica that lost the race: its start no longer matches, Druid's
     * failure result; its segment ids are already used. */
    r = publish(o, ids[1], s0b, "{\"0\":0}", "{\"0\":10}", &rc, &err);
    CHECK_INT(rc, 0);
    CHECK(json_is_false(json_object_get(r, "success")));
    CHECK_INT(json_array_size(json_object_get(r, "segments")), 0);
    CHECK_STR(json_string_value(json_object_get(r, "errorMsg")),
              "Inconsistency between stored metadata state[KafkaDataSourceMetadata{"
              "SeekableStreamStartSequenceNumbers=SeekableStreamEndSequenceNumbers{stream='events', "
              "partitionSequenceNumberMap={0=10}}}] and target state[KafkaDataSourceMetadata{"
              "SeekableStreamStartSequenceNumbers=SeekableStreamStartSequenceNumbers{stream="
              "'events', partitionSequenceNumberMap={0=0}, exclusivePartitions=[]}}]. Try "
              "resetting the supervisor.");
    json_decref(r);
    json_t *used = act(o, ids[1],
                       "{\"type\":\"retrieveUsedSegments\",\"dataSource\":\"metrics\","
                       "\"intervals\":[\"2021-03-04T05:00:00.000Z/2021-03-04T06:00:00.000Z\"]}",
                       &rc, &err);
    CHECK_INT(rc, 0);
    CHECK_INT(json_array_size(used), 1);
    json_decref(used);

    /* Its segment ids are used: it then reads the stored offsets, which cover
     * its end, so the published segments are its own sequence's. A sequence
     * with the same ids but a longer range is not covered. */
    json_t *smd = act(o, ids[1], "{\"type\":\"varveRetrieveDataSourceMetadata\"}", &rc, &err);
    CHECK_INT(rc, 0);
    vrv_posmap have = {0}, end10 = {0}, end12 = {0};
    CHECK_INT(vrv_posmap_from_metadata_json(smd, "stored", &have, &err), 0);
    json_decref(smd);
    char *e10 = md("end", "{\"0\":10}"), *e12 = md("end", "{\"0\":12,\"1\":3}");
    json_t *j10 = json_loads(e10, 0, NULL), *j12 = json_loads(e12, 0, NULL);
    CHECK_INT(vrv_posmap_from_metadata_json(j10, "end", &end10, &err), 0);
    CHECK_INT(vrv_posmap_from_metadata_json(j12, "end", &end12, &err), 0);
    CHECK_INT(vrv_stask_offsets_cover(&have, &end10, &err), 0);
    CHECK_INT(vrv_stask_offsets_cover(&have, &end12, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "partition[0]: the stored position [10] is before the sequence's end [12]");
    CHECK_INT(vrv_stask_offsets_cover(NULL, &end10, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "no stream positions are stored; the end of partition[0] is not committed");
    vrv_posmap_free(&have);
    vrv_posmap_free(&end10);
    vrv_posmap_free(&end12);
    json_decref(j10);
    json_decref(j12);
    free(e10);
    free(e12);
    /* Another supervisor has nothing stored: null. */
    smd = act(o, ids[1], "{\"type\":\"varveRetrieveDataSourceMetadata\",\"supervisorId\":\"other\"}",
              &rc, &err);
    CHECK_INT(rc, 0);
    CHECK(json_is_null(smd));
    json_decref(smd);
    smd = act(o, ids[1], "{\"type\":\"varveRetrieveDataSourceMetadata\",\"supervisorId\":7}", &rc,
              &err);
    CHECK_INT(rc, VRV_EINVAL);
    CHECK_STR(err.msg, "action.supervisorId: must be a string");
    json_decref(smd);

    /* A start ahead of the stored end waits for the earlier commit. */
    later l = {.o = o, .seg = alloc_seg(o, ids[1], "seq_2", 6)};
    pthread_t th;
    pthread_create(&th, NULL, publish_ahead, &l);
    usleep(300000);
    char *s1 = alloc_seg(o, ids[0], "seq_1", 6);
    r = publish(o, ids[0], s1, "{\"0\":10}", "{\"0\":20}", &rc, &err);
    CHECK_INT(rc, 0);
    CHECK(json_is_true(json_object_get(r, "success")));
    json_decref(r);
    pthread_join(th, NULL);
    CHECK_INT(l.rc, 0);
    CHECK(json_is_true(json_object_get(l.res, "success")));
    json_decref(l.res);
    st = stored(m);
    CHECK(st && strstr(st, "\"partitionOffsetMap\":{\"0\":30}") != NULL);
    free(st);

    /* Ahead with nobody to commit before it: refused once the wait is over. */
    char *s3 = alloc_seg(o, ids[0], "seq_3", 7);
    r = publish(o, ids[0], s3, "{\"0\":40}", "{\"0\":50}", &rc, &err);
    CHECK_INT(rc, 0);
    CHECK(json_is_false(json_object_get(r, "success")));
    const char *em = json_string_value(json_object_get(r, "errorMsg"));
    CHECK(em && strncmp(em, "The new start metadata state[KafkaDataSourceMetadata{", 53) == 0);
    CHECK(em && strstr(em, "] is ahead of the last committed end state[") != NULL);
    json_decref(r);

    /* Partitions are independent: a metadata-only commit of partition 1 adds it. */
    r = publish(o, ids[0], NULL, "{\"1\":0}", "{\"1\":5}", &rc, &err);
    CHECK_INT(rc, 0);
    CHECK(json_is_true(json_object_get(r, "success")));
    json_decref(r);
    st = stored(m);
    CHECK(st && strstr(st, "\"partitionOffsetMap\":{\"0\":30,\"1\":5}") != NULL);
    free(st);

    /* Half of the metadata is an error of the request. */
    r = act(o, ids[0], "{\"type\":\"segmentTransactionalInsert\",\"segments\":[],"
                       "\"startMetadata\":{\"type\":\"kafka\",\"partitions\":{\"stream\":\"events\","
                       "\"partitionOffsetMap\":{}}}}",
            &rc, &err);
    CHECK_INT(rc, VRV_EINVAL);
    CHECK_STR(err.msg, "action: startMetadata and endMetadata must be given together");

    free(s0);
    free(s0b);
    free(s1);
    free(s3);
    free(l.seg);
    vrv_overlord_free(o);
    vrv_meta_close(m);
    free(exe);
}

/* ---- pending segments of a finished group ------------------------------------------- */

static size_t pending_count(vrv_meta *m)
{
    vrv_meta_pending_list l = {0};
    vrv_error err;
    CHECK_INT(vrv_meta_pending_query(m, "metrics", VRV_META_MIN_MS, VRV_META_MAX_MS, &l, &err), 0);
    size_t n = l.n;
    vrv_meta_pending_list_free(&l);
    return n;
}

/* While a task of a group runs, the group's allocations stay (a replica
 * behind must get the same ids); once the last one is done they are
 * forgotten, so a task starting over with the same sequence name (a reset
 * to the same offsets) is not handed the id of a published segment. */
TEST(pending_segments_forgotten_with_the_group)
{
    vrv_meta *m = open_meta("pending");
    char *exe = script("sleeper2", "sleep 30");
    vrv_overlord *o = start(m, exe, "tasks-pending");
    vrv_error err;
    char *id = NULL;
    const char *ids[] = {"index_kafka_sup_p1", "index_kafka_sup_p2"};
    for (int i = 0; i < 2; i++) {
        json_t *t = task_json(ids[i], "9223372036854775807");
        CHECK_INT(vrv_overlord_submit(o, t, &id, &err), 0);
        free(id);
        json_decref(t);
    }
    char *a = alloc_seg(o, ids[0], "seq_0", 5);
    CHECK_INT(pending_count(m), 1);
    CHECK_INT(vrv_overlord_shutdown(o, ids[0], "test", &err), 0);
    CHECK_INT(pending_count(m), 1);
    char *b = alloc_seg(o, ids[1], "seq_0", 5);
    CHECK_STR(b, a); /* the same id for the same sequence and interval */
    CHECK_INT(vrv_overlord_shutdown(o, ids[1], "test", &err), 0);
    CHECK_INT(pending_count(m), 0);
    free(a);
    free(b);
    vrv_overlord_free(o);
    vrv_meta_close(m);
    free(exe);
}
