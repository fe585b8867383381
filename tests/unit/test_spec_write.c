/*
 * test_spec_write.c — Druid's serialisation of supervisor specs (GET spec and
 * spec history): the exact document for the Kafka tutorial spec, the nested
 * and top-level copies, context and suspended, and the round trip (a
 * serialised spec parses back to the same serialisation) for every spec file.
 */
#include <stdlib.h>

#include "json/jutil.h"
#include "spec/spec.h"
#include "test.h"

static json_t *load(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/specs/%s", vrv_test_src_dir(), name);
    json_t *j = NULL;
    vrv_error err;
    if (vrv_json_load_file(path, &j, &err) != 0) {
        vrv_test_fail(__FILE__, __LINE__, "%s", err.msg);
        return json_object();
    }
    return j;
}

static void check_equal(const json_t *got, const json_t *want, const char *what)
{
    if (json_equal(got, want)) return;
    char *g = json_dumps(got, JSON_INDENT(1)), *w = json_dumps(want, JSON_INDENT(1));
    vrv_test_fail(__FILE__, __LINE__, "%s:\n--- got\n%s\n--- expected\n%s", what, g, w);
    free(g);
    free(w);
}

TEST(kafka_tutorial_serialisation)
{
    json_t *in = load("kafka_wikipedia.json"), *want = load("kafka_wikipedia.druid.json");
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(in, NULL, &s, &err), 0);
    json_t *got = vrv_spec_supervisor_to_json(&s, -1);
    check_equal(got, want, "kafka_wikipedia");

    /* Key order is Druid's (Jackson creator order), not alphabetical. */
    char *text = json_dumps(got, JSON_COMPACT);
    const char *head = "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"wikipedia\","
                       "\"timestampSpec\":{\"column\":\"time\",\"format\":\"iso\","
                       "\"missingValue\":null},\"dimensionsSpec\":{\"dimensions\":[{\"type\":"
                       "\"string\",\"name\":\"channel\",\"multiValueHandling\":\"SORTED_ARRAY\","
                       "\"createBitmapIndex\":true}";
    CHECK(strncmp(text, head, strlen(head)) == 0);
    CHECK(strstr(text, "\"ioConfig\":{\"topic\":\"wikipedia\",\"inputFormat\":{\"type\":\"json\"},"
                       "\"replicas\":1,\"taskCount\":1,\"taskDuration\":\"PT600S\","
                       "\"consumerProperties\":{\"bootstrap.servers\":\"localhost:9092\"},"
                       "\"autoScalerConfig\":null,\"pollTimeout\":100,\"startDelay\":\"PT5S\","
                       "\"period\":\"PT30S\",\"useEarliestOffset\":false,"
                       "\"completionTimeout\":\"PT1200S\"") != NULL);
    const char *tail = "\"context\":null,\"suspended\":false}";
    CHECK(strlen(text) > strlen(tail) && strcmp(text + strlen(text) - strlen(tail), tail) == 0);
    free(text);

    /* Suspending or resuming rewrites only `suspended`. */
    json_t *susp = vrv_spec_supervisor_to_json(&s, 1);
    CHECK(json_is_true(json_object_get(susp, "suspended")));
    json_object_set_new(susp, "suspended", json_false());
    check_equal(susp, got, "suspended override");
    json_decref(susp);

    json_decref(got);
    vrv_spec_supervisor_free(&s);
    json_decref(in);
    json_decref(want);
}

TEST(serialisation_fields)
{
    json_t *in = load("kafka_full.json");
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(in, NULL, &s, &err), 0);
    json_t *o = vrv_spec_supervisor_to_json(&s, -1);
    CHECK_STR(json_string_value(json_object_get(o, "id")), "metrics-kafka-v2");
    CHECK(json_is_true(json_object_get(o, "suspended")));
    CHECK(json_equal(json_object_get(o, "context"), json_object_get(in, "context")));
    /* The nested copy equals the top-level ones. */
    json_t *spec = json_object_get(o, "spec");
    const char *parts[] = {"dataSchema", "ioConfig", "tuningConfig"};
    for (int i = 0; i < 3; i++)
        check_equal(json_object_get(spec, parts[i]), json_object_get(o, parts[i]), parts[i]);

    json_t *ds = json_object_get(o, "dataSchema");
    json_t *dims = json_object_get(json_object_get(ds, "dimensionsSpec"), "dimensions");
    json_t *want = json_loads(
        "[{\"type\":\"auto\",\"name\":\"payload\",\"multiValueHandling\":\"SORTED_ARRAY\","
        "\"createBitmapIndex\":true,\"castToType\":\"DOUBLE\"},"
        "{\"type\":\"spatial\",\"name\":\"coords\",\"multiValueHandling\":\"SORTED_ARRAY\","
        "\"createBitmapIndex\":true,\"dims\":[\"lat\",\"lon\"]}]",
        0, NULL);
    check_equal(json_array_get(dims, 7), json_array_get(want, 0), "auto dimension");
    check_equal(json_array_get(dims, 8), json_array_get(want, 1), "spatial dimension");
    json_decref(want);
    CHECK_STR(json_string_value(json_object_get(json_array_get(dims, 6), "type")), "json");
    CHECK_INT(json_integer_value(json_object_get(json_array_get(dims, 6), "formatVersion")), 5);

    want = json_loads("{\"type\":\"uniform\",\"segmentGranularity\":\"HOUR\","
                      "\"queryGranularity\":\"MINUTE\",\"rollup\":true,"
                      "\"intervals\":[\"2024-01-01T00:00:00.000Z/2024-02-01T00:00:00.000Z\"]}",
                      0, NULL);
    check_equal(json_object_get(ds, "granularitySpec"), want, "granularitySpec");
    json_decref(want);
    want = json_loads(
        "{\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"selector\",\"dimension\":\"env\","
        "\"value\":\"test\"}},\"transforms\":[{\"type\":\"expression\",\"name\":\"service\","
        "\"expression\":\"lower(service)\"},{\"type\":\"expression\",\"name\":\"region\","
        "\"expression\":\"concat(dc, '-', zone)\"}]}",
        0, NULL);
    check_equal(json_object_get(ds, "transformSpec"), want, "transformSpec");
    json_decref(want);
    CHECK_STR(
        json_string_value(json_object_get(json_object_get(ds, "timestampSpec"), "missingValue")),
        "2020-01-01T00:00:00.000Z");

    json_t *io = json_object_get(o, "ioConfig");
    CHECK(json_is_null(json_object_get(io, "topic")));
    CHECK_STR(json_string_value(json_object_get(io, "topicPattern")), "metrics-.*");
    CHECK_STR(json_string_value(json_object_get(io, "stream")), "metrics-.*");
    CHECK_STR(json_string_value(json_object_get(io, "lateMessageRejectionPeriod")), "PT86400S");
    CHECK_STR(json_string_value(json_object_get(io, "earlyMessageRejectionPeriod")), "PT7200S");
    CHECK_INT(json_integer_value(json_object_get(io, "stopTaskCount")), 2);
    want = json_loads("{\"enabled\":true,\"inactiveAfterMillis\":120000}", 0, NULL);
    check_equal(json_object_get(io, "idleConfig"), want, "idleConfig");
    json_decref(want);
    json_t *as = json_object_get(io, "autoScalerConfig");
    CHECK_STR(json_string_value(json_object_get(as, "autoScalerStrategy")), "lagBased");
    CHECK_INT(json_integer_value(json_object_get(as, "taskCountStart")), 3);
    CHECK_STR(json_string_value(json_object_get(as, "lagAggregate")), "MAX");
    CHECK_DBL(json_real_value(json_object_get(as, "stopTaskCountRatio")), 0.5);

    json_t *tc = json_object_get(o, "tuningConfig");
    want =
        json_loads("{\"bitmap\":{\"type\":\"roaring\"},\"dimensionCompression\":\"zstd\","
                   "\"stringDictionaryEncoding\":{\"type\":\"frontCoded\",\"bucketSize\":16,"
                   "\"formatVersion\":1},\"metricCompression\":\"lz4\",\"longEncoding\":\"auto\"}",
                   0, NULL);
    check_equal(json_object_get(tc, "indexSpec"), want, "indexSpec");
    json_decref(want);
    CHECK_STR(json_string_value(json_object_get(tc, "intermediateHandoffPeriod")), "PT6H");
    CHECK_STR(json_string_value(json_object_get(tc, "shutdownTimeout")), "PT120S");
    CHECK_STR(json_string_value(json_object_get(tc, "offsetFetchPeriod")), "PT2S");
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(tc, "segmentWriteOutMediumFactory"), "type")),
              "offHeapMemory");
    CHECK_INT(json_integer_value(json_object_get(tc, "maxTotalRows")), 10000000);

    json_decref(o);
    vrv_spec_supervisor_free(&s);
    json_decref(in);
}

TEST(legacy_parser_serialisation)
{
    json_t *in = load("kafka_legacy_parser.json");
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(in, NULL, &s, &err), 0);
    json_t *o = vrv_spec_supervisor_to_json(&s, -1);
    json_t *ds = json_object_get(o, "dataSchema");
    /* Druid keeps the parser and leaves the dataSchema's own specs null. */
    CHECK(json_is_null(json_object_get(ds, "timestampSpec")));
    CHECK(json_is_null(json_object_get(ds, "dimensionsSpec")));
    CHECK(json_equal(json_object_get(ds, "parser"),
                     json_object_get(json_object_get(in, "dataSchema"), "parser")));
    CHECK(json_is_null(json_object_get(json_object_get(o, "ioConfig"), "inputFormat")));
    json_decref(o);
    vrv_spec_supervisor_free(&s);
    json_decref(in);
}

TEST(kinesis_serialisation)
{
    json_t *in = load("kinesis_full.json");
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(in, NULL, &s, &err), 0);
    json_t *o = vrv_spec_supervisor_to_json(&s, -1);
    json_t *want = json_loads(
        "{\"stream\":\"orders-stream\",\"inputFormat\":{\"type\":\"kinesis\",\"valueFormat\":"
        "{\"type\":\"json\"}},\"endpoint\":\"kinesis.cn-north-1.amazonaws.com.cn\",\"replicas\":1,"
        "\"taskCount\":2,\"taskDuration\":\"PT7200S\",\"startDelay\":\"PT5S\",\"period\":\"PT30S\","
        "\"useEarliestSequenceNumber\":false,\"completionTimeout\":\"PT21600S\","
        "\"lateMessageRejectionPeriod\":null,\"earlyMessageRejectionPeriod\":null,"
        "\"lateMessageRejectionStartDateTime\":null,\"recordsPerFetch\":2000,"
        "\"fetchDelayMillis\":250,\"awsAssumedRoleArn\":\"arn:aws:iam::123456789012:role/druid\","
        "\"awsExternalId\":\"ext-42\",\"autoScalerConfig\":null,\"deaggregate\":true,"
        "\"idleConfig\":{\"enabled\":false,\"inactiveAfterMillis\":600000}}",
        0, NULL);
    check_equal(json_object_get(o, "ioConfig"), want, "kinesis ioConfig");
    json_decref(want);
    json_t *tc = json_object_get(o, "tuningConfig");
    CHECK_STR(json_string_value(json_object_get(tc, "type")), "kinesis");
    CHECK_INT(json_integer_value(json_object_get(tc, "handoffConditionTimeout")), 0);
    CHECK_INT(json_integer_value(json_object_get(tc, "recordBufferSizeBytes")), 50000000);
    CHECK_INT(json_integer_value(json_object_get(tc, "fetchThreads")), 64);
    CHECK_INT(json_integer_value(json_object_get(tc, "maxParseExceptions")), 0);
    CHECK_INT(json_integer_value(json_object_get(tc, "maxSavedParseExceptions")), 1);
    CHECK(json_is_true(json_object_get(tc, "useListShards")));
    CHECK_STR(json_string_value(json_object_get(tc, "repartitionTransitionDuration")), "PT300S");
    json_decref(o);
    vrv_spec_supervisor_free(&s);
    json_decref(in);
}

/* A serialised spec is itself a valid spec (both the nested and the top-level
 * copies are present) and serialises to the same document. */
TEST(serialisation_round_trip)
{
    static const char *const files[] = {
        "kafka_wikipedia.json",   "kafka_full.json",
        "kafka_legacy_flat.json", "kafka_legacy_parser.json",
        "kafka_parser_csv.json",  "kinesis_wikipedia.json",
        "kinesis_full.json",      "kafka_wikipedia.druid.json",
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(files); i++) {
        json_t *in = load(files[i]);
        vrv_spec_supervisor a, b;
        vrv_error err;
        if (vrv_spec_supervisor_parse(in, NULL, &a, &err) != 0) {
            vrv_test_fail(__FILE__, __LINE__, "%s: %s", files[i], err.msg);
            json_decref(in);
            continue;
        }
        json_t *first = vrv_spec_supervisor_to_json(&a, -1);
        if (vrv_spec_supervisor_parse(first, NULL, &b, &err) != 0) {
            vrv_test_fail(__FILE__, __LINE__, "%s reparse: %s", files[i], err.msg);
        } else {
            json_t *second = vrv_spec_supervisor_to_json(&b, -1);
            check_equal(second, first, files[i]);
            json_decref(second);
            vrv_spec_supervisor_free(&b);
        }
        json_decref(first);
        vrv_spec_supervisor_free(&a);
        json_decref(in);
    }
}

/* Granularities are written as Druid writes them: standard names as strings,
 * other periods and durations as objects. */
TEST(granularity_serialisation)
{
    json_t *j = json_loads(
        "{\"type\":\"kafka\",\"dataSchema\":{\"dataSource\":\"x\",\"timestampSpec\":{},"
        "\"granularitySpec\":{\"segmentGranularity\":{\"type\":\"period\",\"period\":\"P1D\","
        "\"timeZone\":\"America/Los_Angeles\"},\"queryGranularity\":{\"type\":\"duration\","
        "\"duration\":900000}}},\"ioConfig\":{\"topic\":\"t\",\"inputFormat\":{\"type\":\"json\"},"
        "\"consumerProperties\":{\"bootstrap.servers\":\"b\"}}}",
        0, NULL);
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &s, &err), 0);
    json_decref(j);
    json_t *o = vrv_spec_supervisor_to_json(&s, -1);
    json_t *want = json_loads(
        "{\"type\":\"uniform\",\"segmentGranularity\":{\"type\":\"period\",\"period\":\"P1D\","
        "\"timeZone\":\"America/Los_Angeles\",\"origin\":null},\"queryGranularity\":{\"type\":"
        "\"duration\",\"duration\":900000,\"origin\":\"1970-01-01T00:00:00.000Z\"},"
        "\"rollup\":true,\"intervals\":[]}",
        0, NULL);
    check_equal(json_object_get(json_object_get(o, "dataSchema"), "granularitySpec"), want,
                "granularitySpec");
    json_decref(want);
    json_decref(o);
    vrv_spec_supervisor_free(&s);
}
