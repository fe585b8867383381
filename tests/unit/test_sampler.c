/*
 * test_sampler.c — Druid's sampler over the row pipeline: exact
 * SamplerResponse JSON for rolled-up rows (counted, not shown), unparseable
 * records and rows with columns that fail to convert, the transformSpec
 * filter (rows neither read nor shown), numRows, schemaless discovery, CSV
 * with a header row, stream records that fail whole, and spec errors that
 * name the field.
 */
#include <stdlib.h>
#include <string.h>

#include "ingest/sampler.h"
#include "test.h"

typedef struct fixture {
    json_t *json;
    vrv_spec_batch spec;
    vrv_sampler *s;
} fixture;

/* A batch spec around a dataSchema and an inputFormat (JSON texts). */
static int setup(fixture *f, const char *data_schema, const char *input_format, size_t num_rows,
                 vrv_error *err)
{
    memset(f, 0, sizeof *f);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"type\":\"index_parallel\",\"spec\":{\"dataSchema\":%s,\"ioConfig\":{\"type\":"
             "\"index_parallel\",\"inputSource\":{\"type\":\"inline\",\"data\":\"\"},"
             "\"inputFormat\":%s}}}",
             data_schema, input_format);
    json_error_t je;
    f->json = json_loads(text, 0, &je);
    if (!f->json) return vrv_error_set(err, VRV_EINVAL, "test spec: %s", je.text);
    int rc = vrv_spec_batch_parse(f->json, NULL, &f->spec, err);
    if (rc) {
        json_decref(f->json);
        f->json = NULL;
        return rc;
    }
    return vrv_sampler_new(&f->spec.schema, &f->spec.input_format, num_rows, &f->s, err);
}

static void teardown(fixture *f)
{
    vrv_sampler_free(f->s);
    if (f->json) vrv_spec_batch_free(&f->spec);
    json_decref(f->json);
}

/* The response, compact, with the keys in Druid's order. */
static char *response(fixture *f)
{
    json_t *r = vrv_sampler_response(f->s);
    char *s = json_dumps(r, JSON_COMPACT);
    json_decref(r);
    return s;
}

static const char *WIKI_SCHEMA =
    "{\"dataSource\":\"x\",\"timestampSpec\":{\"column\":\"time\",\"format\":\"iso\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"channel\",{\"type\":\"long\",\"name\":\"added\"}]},"
    "\"metricsSpec\":[{\"type\":\"count\",\"name\":\"count\"},"
    "{\"type\":\"longSum\",\"name\":\"deleted\",\"fieldName\":\"deleted\"}],"
    "\"granularitySpec\":{\"queryGranularity\":\"hour\",\"rollup\":true}}";

static const char *WIKI_SCHEMA_JSON =
    "\"logicalDimensions\":[{\"type\":\"string\",\"name\":\"channel\",\"multiValueHandling\":"
    "\"SORTED_ARRAY\",\"createBitmapIndex\":true},{\"type\":\"long\",\"name\":\"added\","
    "\"multiValueHandling\":\"SORTED_ARRAY\",\"createBitmapIndex\":false}],"
    "\"physicalDimensions\":[{\"type\":\"string\",\"name\":\"channel\",\"multiValueHandling\":"
    "\"SORTED_ARRAY\",\"createBitmapIndex\":true},{\"type\":\"long\",\"name\":\"added\","
    "\"multiValueHandling\":\"SORTED_ARRAY\",\"createBitmapIndex\":false}],"
    "\"logicalSegmentSchema\":[{\"name\":\"__time\",\"type\":\"LONG\"},{\"name\":\"channel\","
    "\"type\":\"STRING\"},{\"name\":\"added\",\"type\":\"LONG\"},{\"name\":\"count\",\"type\":"
    "\"LONG\"},{\"name\":\"deleted\",\"type\":\"LONG\"}]";

TEST(rollup_unparseable_and_bad_columns)
{
    fixture f;
    vrv_error err;
    CHECK_INT(setup(&f, WIKI_SCHEMA, "{\"type\":\"json\"}", 10, &err), 0);
    const char *data =
        "{\"time\":\"2024-01-01T01:02:03Z\",\"channel\":\"#en\",\"added\":5,\"deleted\":2}\n"
        "{\"time\":\"2024-01-01T01:05:03Z\",\"channel\":\"#en\",\"added\":5,\"deleted\":3}\n"
        "not json\n"
        "{\"time\":\"bad\",\"channel\":\"#fr\"}\n"
        "{\"time\":\"2024-01-01T02:00:00Z\",\"channel\":\"#de\",\"added\":\"x\",\"deleted\":1}\n";
    CHECK_INT(vrv_sampler_feed(f.s, data, strlen(data), NULL, false, &err), 0);
    CHECK(!vrv_sampler_full(f.s));
    char *got = response(&f);
    char want[8192];
    /* the second row rolls up into the first: read and indexed, not shown */
    snprintf(
        want, sizeof want,
        "{\"numRowsRead\":5,\"numRowsIndexed\":2,%s,\"data\":["
        "{\"input\":{\"time\":\"2024-01-01T01:02:03Z\",\"channel\":\"#en\",\"added\":5,\"deleted\":"
        "2},"
        "\"parsed\":{\"__time\":1704070800000,\"channel\":\"#en\",\"added\":5,\"count\":2,"
        "\"deleted\":5}},"
        "{\"unparseable\":true,\"error\":\"line 3: byte 0: invalid literal, expected 'null'\"},"
        "{\"input\":{\"time\":\"bad\",\"channel\":\"#fr\"},\"unparseable\":true,"
        "\"error\":\"Timestamp[bad] is unparseable! Event: "
        "{\\\"time\\\":\\\"bad\\\",\\\"channel\\\":\\\"#fr\\\"}\"},"
        "{\"input\":{\"time\":\"2024-01-01T02:00:00Z\",\"channel\":\"#de\",\"added\":\"x\","
        "\"deleted\":1},"
        "\"parsed\":{\"__time\":1704074400000,\"channel\":\"#de\",\"added\":null,\"count\":1,"
        "\"deleted\":1},"
        "\"unparseable\":true,\"error\":\"Found unparseable columns in row: "
        "[{\\\"time\\\":\\\"2024-01-01T02:00:00Z\\\","
        "\\\"channel\\\":\\\"#de\\\",\\\"added\\\":\\\"x\\\",\\\"deleted\\\":1}], exceptions: "
        "[could not convert value [x] "
        "to long for dimension [added],]\"}]}",
        WIKI_SCHEMA_JSON);
    CHECK_STR(got, want);
    free(got);
    teardown(&f);
}

TEST(num_rows_stops_reading)
{
    fixture f;
    vrv_error err;
    CHECK_INT(setup(&f, WIKI_SCHEMA, "{\"type\":\"json\"}", 2, &err), 0);
    const char *data = "{\"time\":\"2024-01-01T01:00:00Z\",\"channel\":\"a\"}\n"
                       "{\"time\":\"2024-01-01T02:00:00Z\",\"channel\":\"b\"}\n"
                       "{\"time\":\"2024-01-01T03:00:00Z\",\"channel\":\"c\"}\n";
    CHECK_INT(vrv_sampler_feed(f.s, data, strlen(data), NULL, false, &err), 0);
    CHECK(vrv_sampler_full(f.s));
    /* more input changes nothing */
    CHECK_INT(vrv_sampler_feed(f.s, data, strlen(data), NULL, false, &err), 0);
    json_t *r = vrv_sampler_response(f.s);
    CHECK_INT(json_integer_value(json_object_get(r, "numRowsRead")), 2);
    CHECK_INT(json_integer_value(json_object_get(r, "numRowsIndexed")), 2);
    json_t *d = json_object_get(r, "data");
    CHECK_INT(json_array_size(d), 2);
    CHECK_STR(json_string_value(
                  json_object_get(json_object_get(json_array_get(d, 1), "parsed"), "channel")),
              "b");
    json_decref(r);
    teardown(&f);
}

TEST(filtered_rows_are_not_read)
{
    fixture f;
    vrv_error err;
    const char *schema =
        "{\"dataSource\":\"x\",\"timestampSpec\":{\"column\":\"t\",\"format\":\"millis\"},"
        "\"dimensionsSpec\":{\"dimensions\":[\"k\"]},\"granularitySpec\":{\"rollup\":false},"
        "\"transformSpec\":{\"filter\":{\"type\":\"selector\",\"dimension\":\"k\",\"value\":"
        "\"keep\"},"
        "\"transforms\":[{\"type\":\"expression\",\"name\":\"k2\",\"expression\":\"concat(k, "
        "'!')\"}]}}";
    CHECK_INT(setup(&f, schema, "{\"type\":\"json\"}", 10, &err), 0);
    const char *data =
        "{\"t\":1000,\"k\":\"drop\"}\n{\"t\":2000,\"k\":\"keep\"}\n{\"t\":3000,\"k\":\"drop\"}\n";
    CHECK_INT(vrv_sampler_feed(f.s, data, strlen(data), NULL, false, &err), 0);
    char *got = response(&f);
    CHECK_STR(
        got,
        "{\"numRowsRead\":1,\"numRowsIndexed\":1,\"logicalDimensions\":[{\"type\":\"string\","
        "\"name\":"
        "\"k\",\"multiValueHandling\":\"SORTED_ARRAY\",\"createBitmapIndex\":true}],"
        "\"physicalDimensions\":[{\"type\":\"string\",\"name\":\"k\",\"multiValueHandling\":"
        "\"SORTED_ARRAY\",\"createBitmapIndex\":true}],\"logicalSegmentSchema\":[{\"name\":"
        "\"__time\",\"type\":\"LONG\"},{\"name\":\"k\",\"type\":\"STRING\"}],\"data\":[{\"input\":"
        "{\"t\":2000,\"k\":\"keep\"},\"parsed\":{\"__time\":2000,\"k\":\"keep\"}}]}");
    free(got);
    teardown(&f);
}

TEST(schemaless_and_multi_values)
{
    fixture f;
    vrv_error err;
    const char *schema =
        "{\"dataSource\":\"x\",\"timestampSpec\":{\"column\":\"ts\",\"format\":\"auto\"},"
        "\"dimensionsSpec\":{},\"metricsSpec\":[{\"type\":\"doubleSum\",\"name\":\"v\","
        "\"fieldName\":\"v\"}],\"granularitySpec\":{\"rollup\":false}}";
    CHECK_INT(setup(&f, schema, "{\"type\":\"json\"}", 10, &err), 0);
    const char *data = "{\"ts\":\"2024-05-01\",\"tags\":[\"b\",\"a\"],\"user\":\"u1\",\"v\":1.5,"
                       "\"nested\":{\"x\":1}}\n";
    CHECK_INT(vrv_sampler_feed(f.s, data, strlen(data), NULL, false, &err), 0);
    char *got = response(&f);
    /* schemaless: scalar and list fields become string dimensions, in input
     * order; the metric's input and the nested object are not dimensions */
    CHECK_STR(
        got,
        "{\"numRowsRead\":1,\"numRowsIndexed\":1,\"logicalDimensions\":[{\"type\":\"string\","
        "\"name\":"
        "\"tags\",\"multiValueHandling\":\"SORTED_ARRAY\",\"createBitmapIndex\":true},{\"type\":"
        "\"string\",\"name\":\"user\",\"multiValueHandling\":\"SORTED_ARRAY\","
        "\"createBitmapIndex\":"
        "true}],\"physicalDimensions\":[{\"type\":\"string\",\"name\":\"tags\","
        "\"multiValueHandling\":"
        "\"SORTED_ARRAY\",\"createBitmapIndex\":true},{\"type\":\"string\",\"name\":\"user\","
        "\"multiValueHandling\":\"SORTED_ARRAY\",\"createBitmapIndex\":true}],"
        "\"logicalSegmentSchema\":[{\"name\":\"__time\",\"type\":\"LONG\"},{\"name\":\"tags\","
        "\"type\":\"STRING\"},{\"name\":\"user\",\"type\":\"STRING\"},{\"name\":\"v\",\"type\":"
        "\"DOUBLE\"}],\"data\":[{\"input\":{\"ts\":\"2024-05-01\",\"tags\":[\"b\",\"a\"],\"user\":"
        "\"u1\",\"v\":1.5,\"nested\":{\"x\":1}},\"parsed\":{\"__time\":1714521600000,\"tags\":["
        "\"a\","
        "\"b\"],\"user\":\"u1\",\"v\":1.5}}]}");
    free(got);
    teardown(&f);
}

TEST(csv_with_header_row)
{
    fixture f;
    vrv_error err;
    const char *schema =
        "{\"dataSource\":\"x\",\"timestampSpec\":{\"column\":\"t\",\"format\":\"iso\"},"
        "\"dimensionsSpec\":{\"dimensions\":[\"city\"]},\"granularitySpec\":{\"rollup\":false}}";
    CHECK_INT(setup(&f, schema, "{\"type\":\"csv\",\"findColumnsFromHeader\":true}", 10, &err), 0);
    const char *data = "t,city,n\n2024-01-01T00:00:00Z,Paris,3\n2024-01-02T00:00:00Z,Oslo,4\n";
    CHECK_INT(vrv_sampler_feed(f.s, data, strlen(data), NULL, false, &err), 0);
    json_t *r = vrv_sampler_response(f.s);
    char *d = json_dumps(json_object_get(r, "data"), JSON_COMPACT);
    CHECK_STR(
        d,
        "[{\"input\":{\"t\":\"2024-01-01T00:00:00Z\",\"city\":\"Paris\",\"n\":\"3\"},\"parsed\":"
        "{\"__time\":1704067200000,\"city\":\"Paris\"}},{\"input\":{\"t\":\"2024-01-02T00:00:00Z\","
        "\"city\":\"Oslo\",\"n\":\"4\"},\"parsed\":{\"__time\":1704153600000,\"city\":\"Oslo\"}}]");
    free(d);
    json_decref(r);
    teardown(&f);
}

TEST(stream_record_fails_whole)
{
    fixture f;
    vrv_error err;
    CHECK_INT(setup(&f, WIKI_SCHEMA, "{\"type\":\"json\"}", 10, &err), 0);
    /* one record holding two rows, the second with a bad timestamp: both are
     * reported unparseable with the record's error, as Druid does */
    const char *rec =
        "{\"time\":\"2024-01-01T00:00:00Z\",\"channel\":\"a\"}\n{\"time\":\"x\",\"channel\":\"b\"}";
    CHECK_INT(vrv_sampler_feed(f.s, rec, strlen(rec), NULL, true, &err), 0);
    const char *ok = "{\"time\":\"2024-01-01T00:00:00Z\",\"channel\":\"c\"}";
    CHECK_INT(vrv_sampler_feed(f.s, ok, strlen(ok), NULL, true, &err), 0);
    CHECK_INT(vrv_sampler_feed(f.s, "", 0, NULL, true, &err),
              0); /* an empty record is thrown away */
    json_t *r = vrv_sampler_response(f.s);
    char *d = json_dumps(json_object_get(r, "data"), JSON_COMPACT);
    CHECK_STR(
        d,
        "[{\"input\":{\"time\":\"2024-01-01T00:00:00Z\",\"channel\":\"a\"},\"unparseable\":true,"
        "\"error\":\"Timestamp[x] is unparseable! Event: "
        "{\\\"time\\\":\\\"x\\\",\\\"channel\\\":\\\"b\\\"}\"},"
        "{\"input\":{\"time\":\"x\",\"channel\":\"b\"},\"unparseable\":true,"
        "\"error\":\"Timestamp[x] is unparseable! Event: "
        "{\\\"time\\\":\\\"x\\\",\\\"channel\\\":\\\"b\\\"}\"},"
        "{\"input\":{\"time\":\"2024-01-01T00:00:00Z\",\"channel\":\"c\"},\"parsed\":{\"__time\":"
        "1704067200000,\"channel\":\"c\",\"added\":null,\"count\":1,\"deleted\":null}}]");
    CHECK_INT(json_integer_value(json_object_get(r, "numRowsRead")), 3);
    CHECK_INT(json_integer_value(json_object_get(r, "numRowsIndexed")), 1);
    free(d);
    json_decref(r);
    teardown(&f);
}

TEST(nothing_read)
{
    fixture f;
    vrv_error err;
    CHECK_INT(setup(&f, WIKI_SCHEMA, "{\"type\":\"json\"}", 10, &err), 0);
    char *got = response(&f);
    char want[4096];
    snprintf(want, sizeof want, "{\"numRowsRead\":0,\"numRowsIndexed\":0,%s,\"data\":[]}",
             WIKI_SCHEMA_JSON);
    CHECK_STR(got, want);
    free(got);
    teardown(&f);
}

TEST(bad_input_format_names_the_field)
{
    fixture f;
    vrv_error err;
    vrv_error_clear(&err);
    CHECK(setup(&f, WIKI_SCHEMA, "{\"type\":\"xml\"}", 10, &err) != 0);
    CHECK(strncmp(err.msg, "spec.ioConfig.inputFormat", 25) == 0);
    teardown(&f);
}
