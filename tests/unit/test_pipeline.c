/*
 * test_pipeline.c — the row pipeline on stream records: a record is atomic
 * (one bad row discards all of its rows as one unparseable event), empty
 * records are thrown away, rejection windows, filtered and expression metric
 * inputs, the __time transform, and the rows that reach the index.
 */
#include <stdlib.h>

#include "ingest/pipeline.h"
#include "ingest/rows_json.h"
#include "json/jutil.h"
#include "test.h"

typedef struct fixture {
    json_t *json;
    vrv_spec_supervisor spec;
    vrv_pipeline *p;
    vrv_index *idx;
} fixture;

static vrv_index *sink(void *ctx, vrv_ms t, vrv_error *err)
{
    (void)t;
    (void)err;
    fixture *f = ctx;
    if (!f->idx) f->idx = vrv_pipeline_new_index(f->p);
    return f->idx;
}

static const char *SPEC =
    "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"d\","
    "\"timestampSpec\":{\"column\":\"ts\",\"format\":\"millis\"},"
    "\"dimensionsSpec\":{\"dimensions\":[\"k\"]},"
    "\"metricsSpec\":[{\"type\":\"count\",\"name\":\"count\"},"
    "{\"type\":\"filtered\",\"name\":\"big\",\"filter\":{\"type\":\"range\",\"column\":\"v\","
    "\"matchValueType\":\"LONG\",\"lower\":10},\"aggregator\":{\"type\":\"longSum\",\"name\":\"big\","
    "\"fieldName\":\"v\"}},"
    "{\"type\":\"doubleSum\",\"name\":\"twice\",\"expression\":\"v * 2.0\"}],"
    "\"transformSpec\":{\"transforms\":[{\"type\":\"expression\",\"name\":\"__time\","
    "\"expression\":\"ts + 1000\"}]},"
    "\"granularitySpec\":{\"queryGranularity\":\"none\",\"rollup\":true}},"
    "\"ioConfig\":{\"topic\":\"t\",\"inputFormat\":{\"type\":\"json\"},"
    "\"consumerProperties\":{\"bootstrap.servers\":\"x:1\"}},"
    "\"tuningConfig\":{\"type\":\"kafka\",\"maxSavedParseExceptions\":5}}}";

static void setup(fixture *f, bool window, vrv_ms min, vrv_ms max)
{
    memset(f, 0, sizeof *f);
    vrv_error err;
    CHECK_INT(vrv_json_load_buf(SPEC, strlen(SPEC), "spec", &f->json, &err), 0);
    CHECK_INT(vrv_spec_supervisor_parse(f->json, NULL, &f->spec, &err), 0);
    vrv_pipeline_config cfg = {&f->spec.schema, &f->spec.io.input_format, &f->spec.tuning.c,
                               window, window, min, max};
    int rc = vrv_pipeline_new(&cfg, &f->p, &err);
    CHECK_INT(rc, 0);
    if (rc) fprintf(stderr, "%s\n", err.msg);
}

static void teardown(fixture *f)
{
    vrv_index_free(f->idx);
    vrv_pipeline_free(f->p);
    vrv_spec_supervisor_free(&f->spec);
    json_decref(f->json);
}

/* Feeds one stream record (JsonReader: several values per record, a
 * whitespace-only record holds no event). */
static int feed(fixture *f, const char *record)
{
    vrv_error err;
    vrv_record_meta meta = {.timestamp = 0, .partition = 0, .offset = -1};
    return vrv_pipeline_process(f->p, record, record ? strlen(record) : 0, &meta, true, sink, f,
                                &err);
}

static char *rows(fixture *f)
{
    vrv_buf b = VRV_BUF_INIT;
    if (f->idx) vrv_rows_json_write(f->idx, vrv_pipeline_metrics(f->p), &b);
    return vrv_buf_detach(&b);
}

TEST(record_is_atomic)
{
    fixture f;
    setup(&f, false, 0, 0);
    CHECK_INT(feed(&f, "{\"ts\":0,\"k\":\"a\",\"v\":5}\n{\"ts\":0,\"k\":\"a\",\"v\":20}\n"), 0);
    CHECK_INT(feed(&f, "{\"ts\":0,\"k\":\"b\",\"v\":1}\n{\"ts\":0,\"k\":\"b\",\"v\":"), 0);
    CHECK_INT(feed(&f, "{\"ts\":\"x\",\"k\":\"c\"}"), 0);
    CHECK_INT(feed(&f, NULL), 0);
    CHECK_INT(feed(&f, "  \n"), 0);
    const vrv_row_stats *s = vrv_pipeline_stats(f.p);
    CHECK_INT(s->processed, 2);
    CHECK_INT(s->unparseable, 2);
    CHECK_INT(s->thrown_away, 2);
    CHECK_INT(s->thrown_null, 2);
    char *out = rows(&f);
    CHECK_STR(out, "{\"__time\":\"1970-01-01T00:00:01.000Z\",\"k\":\"a\",\"count\":2,\"big\":20,\"twice\":50.0}\n");
    free(out);
    const vrv_parse_exception *const *ex;
    CHECK_INT(vrv_pipeline_exceptions(f.p, &ex), 2);
    teardown(&f);
}

TEST(rejection_window_is_inclusive_and_after_transforms)
{
    fixture f;
    setup(&f, true, 2000, 3000);
    CHECK_INT(feed(&f, "{\"ts\":500,\"k\":\"early\"}"), 0);  /* 1500 < 2000 */
    CHECK_INT(feed(&f, "{\"ts\":1000,\"k\":\"lo\"}"), 0);    /* 2000: kept */
    CHECK_INT(feed(&f, "{\"ts\":2000,\"k\":\"hi\"}"), 0);    /* 3000: kept */
    CHECK_INT(feed(&f, "{\"ts\":2001,\"k\":\"late\"}"), 0);  /* 3001 > 3000 */
    const vrv_row_stats *s = vrv_pipeline_stats(f.p);
    CHECK_INT(s->processed, 2);
    CHECK_INT(s->thrown_before_min, 1);
    CHECK_INT(s->thrown_after_max, 1);
    json_t *j = vrv_row_stats_to_json(s);
    char *txt = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    CHECK_STR(txt, "{\"processed\":2,\"processedBytes\":84,\"processedWithError\":0,\"thrownAway\":2,"
                   "\"thrownAwayByReason\":{\"afterMaximumMessageTime\":1,\"beforeMinimumMessageTime\":1},"
                   "\"unparseable\":0}");
    free(txt);
    json_decref(j);
    char *out = rows(&f);
    CHECK_STR(out, "{\"__time\":\"1970-01-01T00:00:02.000Z\",\"k\":\"lo\",\"count\":1,\"big\":null,\"twice\":null}\n"
                   "{\"__time\":\"1970-01-01T00:00:03.000Z\",\"k\":\"hi\",\"count\":1,\"big\":null,\"twice\":null}\n");
    free(out);
    teardown(&f);
}

TEST(invalid_parts_name_their_path)
{
    const char *bad =
        "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"d\","
        "\"timestampSpec\":{\"column\":\"ts\"},\"dimensionsSpec\":{\"dimensions\":[\"k\"]},"
        "\"transformSpec\":{\"transforms\":[{\"type\":\"expression\",\"name\":\"x\","
        "\"expression\":\"nosuchfn(k)\"}]}},"
        "\"ioConfig\":{\"topic\":\"t\",\"inputFormat\":{\"type\":\"json\"},"
        "\"consumerProperties\":{\"bootstrap.servers\":\"x:1\"}}}}";
    json_t *j;
    vrv_error err;
    vrv_spec_supervisor spec;
    CHECK_INT(vrv_json_load_buf(bad, strlen(bad), "spec", &j, &err), 0);
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &spec, &err), 0);
    vrv_pipeline_config cfg = {&spec.schema, &spec.io.input_format, &spec.tuning.c, false, false, 0, 0};
    vrv_pipeline *p;
    CHECK_INT(vrv_pipeline_new(&cfg, &p, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "spec.dataSchema.transformSpec.transforms[0].expression") != NULL);
    CHECK(strstr(err.msg, "nosuchfn") != NULL);
    vrv_spec_supervisor_free(&spec);
    json_decref(j);
}
