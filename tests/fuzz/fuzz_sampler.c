/*
 * fuzz_sampler.c — the sampler on arbitrary input. The first byte picks a
 * dataSchema and input format (json with rollup and a transform filter,
 * schemaless json, csv with a header row), whether the rest is one file
 * block or a series of stream records (split at 0x1e bytes), and numRows;
 * the rest is the input. The response must always build, count no more
 * rows than numRows, and show no more rows than it read.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/sampler.h"

static const char *const specs[] = {
    "{\"type\":\"index\",\"spec\":{\"dataSchema\":{\"dataSource\":\"f\",\"timestampSpec\":{"
    "\"column\":"
    "\"t\",\"format\":\"auto\"},\"dimensionsSpec\":{\"dimensions\":[\"a\",{\"type\":\"long\","
    "\"name\":"
    "\"n\"}]},\"metricsSpec\":[{\"type\":\"count\",\"name\":\"c\"},{\"type\":\"doubleSum\","
    "\"name\":"
    "\"s\",\"fieldName\":\"v\"}],\"granularitySpec\":{\"queryGranularity\":\"hour\",\"rollup\":"
    "true},"
    "\"transformSpec\":{\"filter\":{\"type\":\"not\",\"field\":{\"type\":\"selector\","
    "\"dimension\":"
    "\"a\",\"value\":\"x\"}}}},\"ioConfig\":{\"type\":\"index\",\"inputSource\":{\"type\":"
    "\"inline\","
    "\"data\":\"\"},\"inputFormat\":{\"type\":\"json\"}}}}",
    "{\"type\":\"index\",\"spec\":{\"dataSchema\":{\"dataSource\":\"f\",\"timestampSpec\":{"
    "\"column\":"
    "\"t\",\"format\":\"millis\",\"missingValue\":\"2020-01-01\"},\"dimensionsSpec\":{},"
    "\"granularitySpec\":{\"rollup\":false}},\"ioConfig\":{\"type\":\"index\",\"inputSource\":{"
    "\"type\":\"inline\",\"data\":\"\"},\"inputFormat\":{\"type\":\"json\"}}}}",
    "{\"type\":\"index\",\"spec\":{\"dataSchema\":{\"dataSource\":\"f\",\"timestampSpec\":{"
    "\"column\":"
    "\"t\",\"format\":\"iso\"},\"dimensionsSpec\":{\"dimensions\":[\"a\"]},\"granularitySpec\":{"
    "\"rollup\":false}},\"ioConfig\":{\"type\":\"index\",\"inputSource\":{\"type\":\"inline\","
    "\"data\":\"\"},\"inputFormat\":{\"type\":\"csv\",\"findColumnsFromHeader\":true}}}}",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t which = data[0] % (sizeof specs / sizeof specs[0]);
    bool records = data[0] & 0x10;
    size_t num_rows = 1 + ((data[0] >> 5) & 7) * 3;
    const char *in = (const char *)data + 1;
    size_t n = size - 1;

    json_t *j = json_loads(specs[which], 0, NULL);
    vrv_spec_batch spec;
    vrv_error err;
    if (!j || vrv_spec_batch_parse(j, NULL, &spec, &err) != 0) abort();
    vrv_sampler *s;
    if (vrv_sampler_new(&spec.schema, &spec.input_format, num_rows, &s, &err) != 0) abort();
    if (!records) {
        if (vrv_sampler_feed(s, in, n, NULL, false, &err) != 0) abort();
    } else {
        size_t start = 0;
        for (size_t i = 0; i <= n; i++) {
            if (i == n || in[i] == 0x1e) {
                if (vrv_sampler_feed(s, in + start, i - start, NULL, true, &err) != 0) abort();
                start = i + 1;
            }
        }
    }
    json_t *r = vrv_sampler_response(s);
    json_int_t read = json_integer_value(json_object_get(r, "numRowsRead"));
    json_int_t indexed = json_integer_value(json_object_get(r, "numRowsIndexed"));
    size_t shown = json_array_size(json_object_get(r, "data"));
    if (read > (json_int_t)num_rows || indexed > read || shown > (size_t)read) abort();
    char *text = json_dumps(r, JSON_COMPACT);
    if (!text) abort();
    free(text);
    json_decref(r);
    vrv_sampler_free(s);
    vrv_spec_batch_free(&spec);
    json_decref(j);
    return 0;
}
