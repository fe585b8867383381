/*
 * test_stask_payload.c — the index_kafka task JSON: what the builder writes
 * (exact JSON), what the parser reads back (round trips), and the errors of
 * bad task JSON.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "task/stream_payload.h"
#include "test.h"

static const char *SPEC =
    "{\"type\":\"kafka\",\"spec\":{"
    "\"dataSchema\":{\"dataSource\":\"metrics\","
    "\"timestampSpec\":{\"column\":\"ts\",\"format\":\"millis\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"host\"]},"
    "\"metricsSpec\":[{\"type\":\"count\",\"name\":\"count\"},"
    "{\"type\":\"longSum\",\"name\":\"value\",\"fieldName\":\"value\"}],"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\",\"queryGranularity\":\"none\","
    "\"rollup\":false}},"
    "\"ioConfig\":{\"topic\":\"events\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"127.0.0.1:9092\"},\"taskCount\":2},"
    "\"tuningConfig\":{\"type\":\"kafka\",\"maxRowsPerSegment\":1000}},"
    "\"context\":{\"tags\":{\"team\":\"a\"}}}";

static void parse_spec(vrv_spec_supervisor *s)
{
    json_t *j = json_loads(SPEC, 0, NULL);
    vrv_error err;
    int rc = vrv_spec_supervisor_parse(j, NULL, s, &err);
    if (rc) fprintf(stderr, "spec: %s\n", err.msg);
    CHECK_INT(rc, 0);
    json_decref(j);
}

static void set_kafka(vrv_posmap *m, int32_t p, int64_t off)
{
    vrv_part part;
    vrv_error err;
    CHECK_INT(vrv_part_kafka(NULL, p, &part, &err), 0);
    vrv_pos pos = vrv_pos_kafka(off);
    vrv_posmap_set(m, &part, &pos);
}

static char *dump(const json_t *j)
{
    return json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static json_t *build_default(const vrv_spec_supervisor *spec)
{
    vrv_posmap start;
    vrv_posmap_init(&start, VRV_STREAM_KAFKA, "events");
    set_kafka(&start, 0, 10);
    set_kafka(&start, 2, 7);
    vrv_stask_build b = {.spec = spec,
                         .id = "index_kafka_metrics_0123456789abcde_abcdefgh",
                         .task_group_id = 0,
                         .base_sequence_name = "index_kafka_metrics_0123456789abcde",
                         .start = &start,
                         .has_min_time = true,
                         .min_time = 1700000000000LL};
    json_t *t = NULL;
    vrv_error err;
    CHECK_INT(vrv_stask_payload_build(&b, &t, &err), 0);
    vrv_posmap_free(&start);
    return t;
}

TEST(build_writes_druid_shape)
{
    vrv_spec_supervisor spec;
    parse_spec(&spec);
    json_t *t = build_default(&spec);

    /* Top-level properties in Jackson's order. */
    const char *keys[] = {"type",         "id",       "supervisorId", "resource", "dataSchema",
                          "tuningConfig", "ioConfig", "context",      "groupId",  "dataSource"};
    size_t i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(t, k, v)
    {
        CHECK(i < 10);
        if (i < 10) CHECK_STR(k, keys[i]);
        i++;
    }
    CHECK_INT(i, 10);
    CHECK_STR(json_string_value(json_object_get(t, "type")), "index_kafka");
    CHECK_STR(json_string_value(json_object_get(t, "groupId")), "index_kafka_metrics");
    CHECK_STR(json_string_value(json_object_get(t, "supervisorId")), "metrics");
    CHECK_STR(json_string_value(json_object_get(t, "dataSource")), "metrics");
    char *s = dump(json_object_get(t, "resource"));
    CHECK_STR(s, "{\"availabilityGroup\":\"index_kafka_metrics_0123456789abcde\","
                 "\"requiredCapacity\":1}");
    free(s);

    s = dump(json_object_get(t, "ioConfig"));
    CHECK_STR(s,
              "{\"type\":\"kafka\",\"taskGroupId\":0,"
              "\"baseSequenceName\":\"index_kafka_metrics_0123456789abcde\","
              "\"startPartitions\":{\"type\":\"end\",\"stream\":\"events\",\"topic\":\"events\","
              "\"partitionSequenceNumberMap\":{\"0\":10,\"2\":7},\"partitionOffsetMap\":{\"0\":10,"
              "\"2\":7}},"
              "\"endPartitions\":{\"type\":\"end\",\"stream\":\"events\",\"topic\":\"events\","
              "\"partitionSequenceNumberMap\":{\"0\":9223372036854775807,\"2\":"
              "9223372036854775807},\"partitionOffsetMap\":{\"0\":9223372036854775807,\"2\":"
              "9223372036854775807}},"
              "\"startSequenceNumbers\":{\"type\":\"start\",\"stream\":\"events\",\"topic\":"
              "\"events\",\"partitionSequenceNumberMap\":{\"0\":10,\"2\":7},"
              "\"partitionOffsetMap\":{\"0\":10,\"2\":7},\"exclusivePartitions\":[]},"
              "\"endSequenceNumbers\":{\"type\":\"end\",\"stream\":\"events\",\"topic\":\"events\","
              "\"partitionSequenceNumberMap\":{\"0\":9223372036854775807,\"2\":"
              "9223372036854775807},\"partitionOffsetMap\":{\"0\":9223372036854775807,\"2\":"
              "9223372036854775807}},"
              "\"consumerProperties\":{\"bootstrap.servers\":\"127.0.0.1:9092\"},"
              "\"pollTimeout\":100,\"useTransaction\":true,"
              "\"minimumMessageTime\":\"2023-11-14T22:13:20.000Z\","
              "\"inputFormat\":{\"type\":\"json\"},\"configOverrides\":null,\"multiTopic\":false}");
    free(s);

    s = dump(json_object_get(t, "context"));
    CHECK_STR(s, "{\"tags\":{\"team\":\"a\"},"
                 "\"checkpoints\":\"{\\\"0\\\":{\\\"0\\\":10,\\\"2\\\":7}}\","
                 "\"IS_INCREMENTAL_HANDOFF_SUPPORTED\":true}");
    free(s);

    /* The task tuningConfig is the supervisor's without the supervisor-only fields. */
    json_t *tc = json_object_get(t, "tuningConfig");
    CHECK_STR(json_string_value(json_object_get(tc, "type")), "kafka");
    CHECK_INT(json_integer_value(json_object_get(tc, "maxRowsPerSegment")), 1000);
    CHECK_INT(json_integer_value(json_object_get(tc, "handoffConditionTimeout")), 900000);
    CHECK_STR(json_string_value(json_object_get(tc, "intermediatePersistPeriod")), "PT10M");
    const char *gone[] = {"workerThreads",     "chatRetries",       "httpTimeout",
                          "shutdownTimeout",   "offsetFetchPeriod", "repartitionTransitionDuration"};
    for (size_t g = 0; g < 6; g++) CHECK(json_object_get(tc, gone[g]) == NULL);

    /* The dataSchema is Druid's serialisation of the supervisor's. */
    json_t *full = vrv_spec_supervisor_to_json(&spec, -1);
    CHECK(json_equal(json_object_get(t, "dataSchema"), json_object_get(full, "dataSchema")));
    json_decref(full);

    json_decref(t);
    vrv_spec_supervisor_free(&spec);
}

TEST(parse_round_trip)
{
    vrv_spec_supervisor spec;
    parse_spec(&spec);
    json_t *t = build_default(&spec);
    vrv_stask_payload p;
    vrv_error err;
    int rc = vrv_stask_payload_parse(t, NULL, &p, &err);
    if (rc) fprintf(stderr, "parse: %s\n", err.msg);
    CHECK_INT(rc, 0);
    CHECK_STR(p.id, "index_kafka_metrics_0123456789abcde_abcdefgh");
    CHECK_STR(p.data_source, "metrics");
    CHECK_STR(p.supervisor_id, "metrics");
    CHECK_STR(p.group_id, "index_kafka_metrics");
    CHECK_STR(p.base_sequence_name, "index_kafka_metrics_0123456789abcde");
    CHECK_INT(p.task_group_id, 0);
    CHECK(p.use_transaction);
    CHECK(!p.multi_topic);
    CHECK(p.has_min_time);
    CHECK_INT(p.min_time, 1700000000000LL);
    CHECK(!p.has_max_time);
    CHECK_INT(p.poll_timeout_ms, 100);
    CHECK_INT(p.priority, 75);
    CHECK_STR(p.start.stream, "events");
    CHECK_INT(p.start.n, 2);
    CHECK_STR(p.start.v[1].part.id, "2");
    CHECK_INT(p.start.v[1].pos.offset, 7);
    CHECK_INT(p.end.n, 2);
    CHECK_INT(p.end.v[0].pos.kind, VRV_POS_NO_END);
    CHECK_INT(p.n_checkpoints, 1);
    CHECK_INT(p.checkpoints[0].id, 0);
    CHECK(vrv_posmap_equal(&p.checkpoints[0].start, &p.start, false));
    CHECK_STR(p.spec.schema.data_source, "metrics");
    CHECK_INT(p.spec.tuning.max_rows_per_segment, 1000);
    CHECK_STR(p.spec.io.topic, "events");
    CHECK_STR(p.spec.io.bootstrap_servers, "127.0.0.1:9092");

    /* Building again from what was parsed gives the same JSON. */
    vrv_stask_build b = {.spec = &p.spec,
                         .id = p.id,
                         .task_group_id = p.task_group_id,
                         .base_sequence_name = p.base_sequence_name,
                         .start = &p.start,
                         .end = &p.end,
                         .has_min_time = p.has_min_time,
                         .min_time = p.min_time,
                         .checkpoints = p.checkpoints,
                         .n_checkpoints = p.n_checkpoints};
    json_t *t2 = NULL;
    CHECK_INT(vrv_stask_payload_build(&b, &t2, &err), 0);
    /* The parsed spec has no supervisor context: the task's own context
     * entries are the only difference. */
    json_object_set(json_object_get(t2, "context"), "tags",
                    json_object_get(json_object_get(t, "context"), "tags"));
    CHECK(json_equal(t, t2));
    json_decref(t2);
    vrv_stask_payload_free(&p);
    json_decref(t);
    vrv_spec_supervisor_free(&spec);
}

TEST(checkpoints_and_finite_end)
{
    vrv_spec_supervisor spec;
    parse_spec(&spec);
    vrv_posmap start, end;
    vrv_posmap_init(&start, VRV_STREAM_KAFKA, "events");
    vrv_posmap_init(&end, VRV_STREAM_KAFKA, "events");
    set_kafka(&start, 1, 0);
    set_kafka(&end, 1, 500);
    vrv_stask_checkpoint cps[2];
    cps[0].id = 0;
    vrv_posmap_copy(&cps[0].start, &start);
    cps[1].id = 1;
    vrv_posmap_init(&cps[1].start, VRV_STREAM_KAFKA, "events");
    set_kafka(&cps[1].start, 1, 200);
    vrv_stask_build b = {.spec = &spec,
                         .task_group_id = 1,
                         .base_sequence_name = "index_kafka_metrics_x",
                         .start = &start,
                         .end = &end,
                         .has_max_time = true,
                         .max_time = 0,
                         .checkpoints = cps,
                         .n_checkpoints = 2};
    json_t *t = NULL;
    vrv_error err;
    CHECK_INT(vrv_stask_payload_build(&b, &t, &err), 0);
    /* No id given: baseSequenceName_ + 8 letters of a..p. */
    const char *id = json_string_value(json_object_get(t, "id"));
    CHECK(id && strncmp(id, "index_kafka_metrics_x_", 22) == 0 && strlen(id) == 30);
    for (size_t i = 22; id && i < 30; i++) CHECK(id[i] >= 'a' && id[i] <= 'p');
    CHECK_STR(json_string_value(json_object_get(json_object_get(t, "context"), "checkpoints")),
              "{\"0\":{\"1\":0},\"1\":{\"1\":200}}");
    CHECK_STR(json_string_value(json_object_get(json_object_get(t, "ioConfig"),
                                                "maximumMessageTime")),
              "1970-01-01T00:00:00.000Z");

    vrv_stask_payload p;
    CHECK_INT(vrv_stask_payload_parse(t, NULL, &p, &err), 0);
    CHECK_INT(p.task_group_id, 1);
    CHECK_INT(p.end.v[0].pos.offset, 500);
    CHECK_INT(p.n_checkpoints, 2);
    CHECK_INT(p.checkpoints[1].id, 1);
    CHECK_INT(p.checkpoints[1].start.v[0].pos.offset, 200);
    CHECK(p.has_max_time);
    CHECK_INT(p.max_time, 0);
    vrv_stask_payload_free(&p);

    /* An end below the start is refused when building. */
    set_kafka(&end, 1, -1);
    json_t *bad = NULL;
    vrv_posmap e2;
    vrv_posmap_init(&e2, VRV_STREAM_KAFKA, "events");
    set_kafka(&e2, 3, 5);
    b.end = &e2;
    CHECK_INT(vrv_stask_payload_build(&b, &bad, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "ioConfig: start partition set and end partition set must match");
    vrv_posmap_free(&e2);

    vrv_posmap_free(&cps[0].start);
    vrv_posmap_free(&cps[1].start);
    vrv_posmap_free(&start);
    vrv_posmap_free(&end);
    json_decref(t);
    vrv_spec_supervisor_free(&spec);
}

/* Parses the default task after `edit` changed it; returns the error message. */
static const char *parse_error(void (*edit)(json_t *t), int *code)
{
    static vrv_error err;
    vrv_spec_supervisor spec;
    parse_spec(&spec);
    json_t *t = build_default(&spec);
    edit(t);
    vrv_stask_payload p;
    *code = vrv_stask_payload_parse(t, NULL, &p, &err);
    if (*code == 0) vrv_stask_payload_free(&p);
    json_decref(t);
    vrv_spec_supervisor_free(&spec);
    return *code ? err.msg : "";
}

static json_t *io_of(json_t *t)
{
    return json_object_get(t, "ioConfig");
}
static void no_base(json_t *t)
{
    json_object_del(io_of(t), "baseSequenceName");
}
static void end_below(json_t *t)
{
    json_t *e = json_object_get(io_of(t), "endSequenceNumbers");
    json_object_set_new(json_object_get(e, "partitionOffsetMap"), "2", json_integer(3));
}
static void exclusive(json_t *t)
{
    json_t *s = json_object_get(io_of(t), "startSequenceNumbers");
    json_object_set_new(s, "exclusivePartitions", json_pack("[s]", "0"));
}
static void no_start(json_t *t)
{
    json_object_del(io_of(t), "startSequenceNumbers");
    json_object_del(io_of(t), "startPartitions");
}
static void legacy_start(json_t *t)
{
    json_object_del(io_of(t), "startSequenceNumbers");
}
static void kinesis(json_t *t)
{
    json_object_set_new(t, "type", json_string("index_kinesis"));
}
static void no_format(json_t *t)
{
    json_object_del(io_of(t), "inputFormat");
}
static void bad_checkpoints(json_t *t)
{
    json_object_set_new(json_object_get(t, "context"), "checkpoints",
                        json_string("{\"x\":{\"0\":1}}"));
}
static void checkpoint_before_start(json_t *t)
{
    json_object_set_new(json_object_get(t, "context"), "checkpoints",
                        json_string("{\"0\":{\"0\":3,\"2\":7}}"));
}
static void bad_min_time(json_t *t)
{
    json_object_set_new(io_of(t), "minimumMessageTime", json_string("yesterday"));
}
static void bad_tuning(json_t *t)
{
    json_object_set_new(json_object_get(t, "tuningConfig"), "maxRowsPerSegment", json_integer(0));
}
static void no_tuning(json_t *t)
{
    json_object_del(t, "tuningConfig");
}

TEST(parse_errors_name_the_field)
{
    int code;
    CHECK_STR(parse_error(no_base, &code), "ioConfig.baseSequenceName: required");
    CHECK_INT(code, VRV_EINVAL);
    CHECK_STR(parse_error(end_below, &code),
              "ioConfig: end offset must be >= start offset for partition[2]");
    CHECK_STR(parse_error(exclusive, &code),
              "ioConfig.startSequenceNumbers: All startSequenceNumbers must be inclusive");
    CHECK_STR(parse_error(no_start, &code), "ioConfig.startSequenceNumbers: required");
    CHECK_STR(parse_error(legacy_start, &code), "");
    /* A Kafka task read as index_kinesis: its ioConfig is not a Kinesis one. */
    CHECK_STR(parse_error(kinesis, &code), "ioConfig.type: must be kinesis");
    CHECK_INT(code, VRV_EINVAL);
    CHECK_STR(parse_error(no_format, &code), "ioConfig.inputFormat: required");
    CHECK_STR(parse_error(bad_checkpoints, &code),
              "context.checkpoints: sequence id must be an integer >= 0, got \"x\"");
    CHECK_STR(parse_error(checkpoint_before_start, &code),
              "context.checkpoints[\"0\"]: Sequence sequences are not compatible with start "
              "sequences of task (partition[0])");
    CHECK(strncmp(parse_error(bad_min_time, &code), "ioConfig.minimumMessageTime: ", 29) == 0);
    CHECK_STR(parse_error(bad_tuning, &code), "tuningConfig.maxRowsPerSegment: must be >= 1");
    CHECK_STR(parse_error(no_tuning, &code), "tuningConfig: required (an object)");
}

TEST(metadata_json)
{
    vrv_posmap m;
    vrv_posmap_init(&m, VRV_STREAM_KAFKA, "events");
    set_kafka(&m, 0, 5);
    json_t *j = vrv_stask_metadata_json(&m, VRV_POSMAP_START);
    char *s = dump(j);
    CHECK_STR(s, "{\"type\":\"kafka\",\"partitions\":{\"type\":\"start\",\"stream\":\"events\","
                 "\"topic\":\"events\",\"partitionSequenceNumberMap\":{\"0\":5},"
                 "\"partitionOffsetMap\":{\"0\":5},\"exclusivePartitions\":[]}}");
    free(s);
    json_decref(j);
    vrv_posmap_free(&m);
}

/* ---- index_kinesis ------------------------------------------------------------ */

static const char *KSPEC =
    "{\"type\":\"kinesis\",\"spec\":{"
    "\"dataSchema\":{\"dataSource\":\"clicks\","
    "\"timestampSpec\":{\"column\":\"ts\",\"format\":\"millis\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"page\"]},"
    "\"granularitySpec\":{\"segmentGranularity\":\"hour\",\"queryGranularity\":\"none\","
    "\"rollup\":false}},"
    "\"ioConfig\":{\"stream\":\"clicks\",\"inputFormat\":{\"type\":\"json\"},"
    "\"endpoint\":\"http://127.0.0.1:4567\",\"region\":\"us-west-2\","
    "\"recordsPerFetch\":500,\"fetchDelayMillis\":50,\"taskCount\":2},"
    "\"tuningConfig\":{\"type\":\"kinesis\",\"maxRowsPerSegment\":1000,"
    "\"fetchThreads\":3,\"repartitionTransitionDuration\":\"PT5S\"}}}";

#define SEQ_A "49590338271490256608559692538361571095921575989136588898"
#define SEQ_B "49590338271490256608559692538361571095921575989136588999"

static void set_shard(vrv_posmap *m, const char *shard, const char *seq, bool exclusive)
{
    vrv_part part;
    vrv_pos pos;
    vrv_error err;
    CHECK_INT(vrv_part_kinesis(shard, &part, &err), 0);
    CHECK_INT(vrv_pos_parse(VRV_STREAM_KINESIS, seq, strlen(seq), NULL, &pos, &err), 0);
    pos.exclusive = exclusive;
    vrv_posmap_set(m, &part, &pos);
}

/* Druid's KinesisIndexTask: string sequence numbers, exclusivePartitions,
 * NO_END_SEQUENCE_NUMBER, the Kinesis ioConfig fields; parsed back the same. */
TEST(kinesis_task_build_and_parse)
{
    json_t *j = json_loads(KSPEC, 0, NULL);
    vrv_spec_supervisor spec;
    vrv_error err;
    int rc = vrv_spec_supervisor_parse(j, NULL, &spec, &err);
    if (rc) fprintf(stderr, "spec: %s\n", err.msg);
    CHECK_INT(rc, 0);
    json_decref(j);
    vrv_posmap start;
    vrv_posmap_init(&start, VRV_STREAM_KINESIS, "clicks");
    set_shard(&start, "shardId-000000000000", SEQ_A, true);
    set_shard(&start, "shardId-000000000002", "UNREAD_TRIM_HORIZON", false);
    vrv_stask_build b = {.spec = &spec,
                         .id = "index_kinesis_clicks_0123456789abcde_abcdefgh",
                         .task_group_id = 1,
                         .base_sequence_name = "index_kinesis_clicks_0123456789abcde",
                         .start = &start};
    json_t *t = NULL;
    CHECK_INT(vrv_stask_payload_build(&b, &t, &err), 0);
    CHECK_STR(json_string_value(json_object_get(t, "type")), "index_kinesis");
    CHECK_STR(json_string_value(json_object_get(t, "groupId")), "index_kinesis_clicks");
    char *s = dump(json_object_get(t, "ioConfig"));
    CHECK_STR(s,
              "{\"type\":\"kinesis\",\"taskGroupId\":1,"
              "\"baseSequenceName\":\"index_kinesis_clicks_0123456789abcde\","
              "\"startPartitions\":{\"type\":\"end\",\"stream\":\"clicks\",\"topic\":\"clicks\","
              "\"partitionSequenceNumberMap\":{\"shardId-000000000000\":\"" SEQ_A "\","
              "\"shardId-000000000002\":\"UNREAD_TRIM_HORIZON\"},\"partitionOffsetMap\":{"
              "\"shardId-000000000000\":\"" SEQ_A "\",\"shardId-000000000002\":"
              "\"UNREAD_TRIM_HORIZON\"}},"
              "\"endPartitions\":{\"type\":\"end\",\"stream\":\"clicks\",\"topic\":\"clicks\","
              "\"partitionSequenceNumberMap\":{\"shardId-000000000000\":\"NO_END_SEQUENCE_NUMBER\","
              "\"shardId-000000000002\":\"NO_END_SEQUENCE_NUMBER\"},\"partitionOffsetMap\":{"
              "\"shardId-000000000000\":\"NO_END_SEQUENCE_NUMBER\",\"shardId-000000000002\":"
              "\"NO_END_SEQUENCE_NUMBER\"}},"
              "\"startSequenceNumbers\":{\"type\":\"start\",\"stream\":\"clicks\",\"topic\":"
              "\"clicks\",\"partitionSequenceNumberMap\":{\"shardId-000000000000\":\"" SEQ_A "\","
              "\"shardId-000000000002\":\"UNREAD_TRIM_HORIZON\"},\"partitionOffsetMap\":{"
              "\"shardId-000000000000\":\"" SEQ_A "\",\"shardId-000000000002\":"
              "\"UNREAD_TRIM_HORIZON\"},\"exclusivePartitions\":[\"shardId-000000000000\"]},"
              "\"endSequenceNumbers\":{\"type\":\"end\",\"stream\":\"clicks\",\"topic\":\"clicks\","
              "\"partitionSequenceNumberMap\":{\"shardId-000000000000\":\"NO_END_SEQUENCE_NUMBER\","
              "\"shardId-000000000002\":\"NO_END_SEQUENCE_NUMBER\"},\"partitionOffsetMap\":{"
              "\"shardId-000000000000\":\"NO_END_SEQUENCE_NUMBER\",\"shardId-000000000002\":"
              "\"NO_END_SEQUENCE_NUMBER\"}},"
              "\"useTransaction\":true,\"inputFormat\":{\"type\":\"json\"},"
              "\"endpoint\":\"http://127.0.0.1:4567\",\"region\":\"us-west-2\","
              "\"recordsPerFetch\":500,\"fetchDelayMillis\":50}");
    free(s);
    CHECK_STR(json_string_value(json_object_get(json_object_get(t, "context"), "checkpoints")),
              "{\"0\":{\"shardId-000000000000\":\"" SEQ_A "\",\"shardId-000000000002\":"
              "\"UNREAD_TRIM_HORIZON\"}}");
    json_t *tc = json_object_get(t, "tuningConfig");
    CHECK_STR(json_string_value(json_object_get(tc, "type")), "kinesis");
    CHECK_INT(json_integer_value(json_object_get(tc, "fetchThreads")), 3);
    CHECK(json_object_get(tc, "repartitionTransitionDuration") == NULL);

    vrv_stask_payload p;
    rc = vrv_stask_payload_parse(t, NULL, &p, &err);
    if (rc) fprintf(stderr, "parse: %s\n", err.msg);
    CHECK_INT(rc, 0);
    CHECK_INT(p.stream_type, VRV_STREAM_KINESIS);
    CHECK_STR(p.group_id, "index_kinesis_clicks");
    CHECK_STR(p.start.stream, "clicks");
    CHECK_INT(p.start.n, 2);
    CHECK(p.start.v[0].pos.exclusive);
    CHECK_STR(p.start.v[0].pos.seq, SEQ_A);
    CHECK(!p.start.v[1].pos.exclusive);
    CHECK_INT(p.start.v[1].pos.kind, VRV_POS_UNREAD_TRIM_HORIZON);
    CHECK_INT(p.end.v[1].pos.kind, VRV_POS_NO_END);
    CHECK_STR(p.spec.io.stream, "clicks");
    CHECK_STR(p.spec.io.endpoint, "http://127.0.0.1:4567");
    CHECK_STR(p.spec.io.region, "us-west-2");
    CHECK_INT(p.spec.io.records_per_fetch, 500);
    CHECK_INT(p.spec.io.fetch_delay_ms, 50);
    CHECK_INT(p.spec.tuning.fetch_threads, 3);

    /* Built again from the parse: the same task. */
    b.spec = &p.spec;
    b.start = &p.start;
    b.end = &p.end;
    b.checkpoints = p.checkpoints;
    b.n_checkpoints = p.n_checkpoints;
    json_t *t2 = NULL;
    CHECK_INT(vrv_stask_payload_build(&b, &t2, &err), 0);
    CHECK(json_equal(t, t2));
    json_decref(t2);

    /* Sequence numbers compare as numbers: an end below the start is refused,
     * however many digits. */
    json_t *bad = json_deep_copy(t);
    json_t *em = json_object_get(json_object_get(bad, "ioConfig"), "endSequenceNumbers");
    json_object_set_new(json_object_get(em, "partitionOffsetMap"), "shardId-000000000000",
                        json_string("999999999999999999999999999999999999999999999999999999"));
    vrv_stask_payload p2;
    CHECK_INT(vrv_stask_payload_parse(bad, NULL, &p2, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "ioConfig: end offset must be >= start offset for "
                       "partition[shardId-000000000000]");
    json_object_set_new(json_object_get(em, "partitionOffsetMap"), "shardId-000000000000",
                        json_string("EOS"));
    CHECK_INT(vrv_stask_payload_parse(bad, NULL, &p2, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "ioConfig.endSequenceNumbers: End sequenceNumbers must not have the end of "
                       "shard marker (EOS)");
    json_object_set_new(json_object_get(em, "partitionOffsetMap"), "shardId-000000000000",
                        json_string(SEQ_B));
    json_t *sm = json_object_get(json_object_get(bad, "ioConfig"), "startSequenceNumbers");
    json_object_set_new(json_object_get(sm, "partitionOffsetMap"), "shardId-000000000002",
                        json_string("EOS"));
    CHECK_INT(vrv_stask_payload_parse(bad, NULL, &p2, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "ioConfig.startSequenceNumbers: partition[shardId-000000000002] must start "
                       "at a sequence number, UNREAD_TRIM_HORIZON or UNREAD_LATEST");
    json_object_set_new(json_object_get(sm, "partitionOffsetMap"), "shardId-000000000002",
                        json_string("12x"));
    CHECK_INT(vrv_stask_payload_parse(bad, NULL, &p2, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "must be decimal digits") != NULL);
    json_decref(bad);

    vrv_stask_payload_free(&p);
    vrv_posmap_free(&start);
    json_decref(t);
    vrv_spec_supervisor_free(&spec);
}
