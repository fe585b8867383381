/*
 * test_spec.c — parsing the specs users already have (tests/data/specs/): the
 * Kafka and Kinesis supervisor specs of Druid's tutorials, specs with every
 * field set, the legacy flattened and `parser` forms, and native batch
 * `index_parallel` / `index` tasks; every parsed field and default is checked.
 */
#include <stdlib.h>

#include "input/input.h"
#include "input/source.h"
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

static bool parse_sv(const char *name, const vrv_spec_opts *opts, vrv_spec_supervisor *s)
{
    json_t *j = load(name);
    vrv_error err;
    int rc = vrv_spec_supervisor_parse(j, opts, s, &err);
    json_decref(j); /* the spec keeps its own reference */
    if (rc) vrv_test_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
    return rc == 0;
}

static bool parse_batch(const char *name, vrv_spec_batch *b)
{
    json_t *j = load(name);
    vrv_error err;
    int rc = vrv_spec_batch_parse(j, NULL, b, &err);
    json_decref(j);
    if (rc) vrv_test_fail(__FILE__, __LINE__, "%s: %s", name, err.msg);
    return rc == 0;
}

static void check_default_index_spec(const vrv_spec_index_spec *is)
{
    CHECK_INT(is->bitmap, VRV_SPEC_BITMAP_ROARING);
    CHECK_INT(is->dimension_compression, VRV_SPEC_COMP_LZ4);
    CHECK_INT(is->metric_compression, VRV_SPEC_COMP_LZ4);
    CHECK_INT(is->long_encoding, VRV_SPEC_LONGS);
    CHECK(!is->front_coded);
    CHECK(!is->has_complex_metric_compression);
    CHECK(!is->has_json_compression);
}

TEST(kafka_tutorial_spec)
{
    vrv_spec_supervisor s;
    if (!parse_sv("kafka_wikipedia.json", NULL, &s)) return;
    CHECK_INT(s.type, VRV_SPEC_KAFKA);
    CHECK_STR(s.id, "wikipedia");
    CHECK(!s.id_given);
    CHECK(s.nested);
    CHECK(!s.suspended);
    CHECK(s.context == NULL);

    const vrv_spec_data_schema *ds = &s.schema;
    CHECK_STR(ds->data_source, "wikipedia");
    CHECK_STR(ds->timestamp.column, "time");
    CHECK_STR(ds->timestamp.format, "iso");
    CHECK_INT(ds->timestamp.format_kind, VRV_TS_ISO);
    CHECK(!ds->timestamp.has_missing_value);
    CHECK_INT(ds->dimensions.n_dims, 19);
    CHECK_STR(ds->dimensions.dims[0].name, "channel");
    CHECK_INT(ds->dimensions.dims[0].type, VRV_SPEC_DIM_STRING);
    CHECK_INT(ds->dimensions.dims[0].multi_value_handling, VRV_SPEC_MVH_SORTED_ARRAY);
    CHECK(ds->dimensions.dims[0].create_bitmap_index);
    CHECK_STR(ds->dimensions.dims[15].name, "user");
    CHECK_STR(ds->dimensions.dims[16].name, "added");
    CHECK_INT(ds->dimensions.dims[16].type, VRV_SPEC_DIM_LONG);
    CHECK(!ds->dimensions.dims[16].create_bitmap_index);
    CHECK_STR(ds->dimensions.dims[18].name, "delta");
    CHECK_INT(ds->dimensions.n_exclusions, 1);
    CHECK_STR(ds->dimensions.exclusions[0], "time");
    CHECK(!ds->dimensions.include_all_dimensions);
    CHECK(!ds->dimensions.use_schema_discovery);
    CHECK(!ds->dimensions.schemaless);
    CHECK_INT(ds->n_metrics, 0);
    CHECK(!ds->granularity.arbitrary);
    CHECK_INT(ds->granularity.segment.kind, VRV_GRAN_PERIOD);
    CHECK_STR(vrv_gran_std_name(&ds->granularity.segment), "DAY");
    CHECK_INT(ds->granularity.query.kind, VRV_GRAN_NONE);
    CHECK(!ds->granularity.rollup);
    CHECK_INT(ds->granularity.n_intervals, 0);
    CHECK_INT(ds->n_transforms, 0);
    CHECK(ds->filter.json == NULL);
    CHECK(!ds->has_parser);

    const vrv_spec_stream_io *io = &s.io;
    CHECK_STR(io->topic, "wikipedia");
    CHECK(io->topic_pattern == NULL);
    CHECK_STR(json_string_value(json_object_get(io->input_format.json, "type")), "json");
    CHECK_STR(io->input_format.path, "spec.ioConfig.inputFormat");
    CHECK_STR(io->bootstrap_servers, "localhost:9092");
    CHECK_INT(json_object_size(io->consumer_properties), 1);
    CHECK_INT(io->task_count, 1);
    CHECK(!io->task_count_given);
    CHECK_INT(io->replicas, 1);
    CHECK_INT(io->task_duration, 600000);
    CHECK_INT(io->start_delay, 5000);
    CHECK_INT(io->period, 30000);
    CHECK_INT(io->completion_timeout, 1200000);
    CHECK(!io->use_earliest);
    CHECK(!io->has_late_rejection_period);
    CHECK(!io->has_late_rejection_start);
    CHECK(!io->has_early_rejection_period);
    CHECK_INT(io->poll_timeout_ms, 100);
    CHECK_INT(io->stop_task_count, 0);
    CHECK_INT(io->max_allowed_stops, 1);
    CHECK(!io->autoscaler.present);
    CHECK(!io->autoscaler.enabled);
    CHECK(!io->idle.present);
    CHECK(!io->idle.enabled);
    CHECK_INT(io->idle.inactive_after_ms, 600000);
    CHECK(io->config_overrides == NULL);
    CHECK(io->server_priority_to_replicas == NULL);

    const vrv_spec_stream_tuning *t = &s.tuning;
    CHECK(!t->c.preserve_existing_metrics);
    CHECK_INT(t->c.max_rows_in_memory, 150000);
    CHECK_INT(t->c.max_bytes_in_memory, 0);
    CHECK_INT(t->c.max_bytes_in_memory_effective, VRV_SPEC_DEFAULT_MEMORY_BUDGET / 6);
    CHECK(!t->c.skip_bytes_in_memory_overhead_check);
    CHECK_INT(t->max_rows_per_segment, 5000000);
    CHECK_INT(t->max_total_rows, -1);
    CHECK_INT(t->max_total_rows_effective, 20000000);
    CHECK_INT(t->intermediate_persist_period, 600000);
    CHECK_STR(t->intermediate_persist_period_text, "PT10M");
    CHECK_INT(t->c.max_pending_persists, 0);
    check_default_index_spec(&t->c.index_spec);
    check_default_index_spec(&t->c.index_spec_intermediate);
    CHECK(!t->c.has_index_spec_intermediate);
    CHECK(!t->c.report_parse_exceptions);
    CHECK_INT(t->handoff_condition_timeout_ms, 900000);
    CHECK(!t->reset_offset_automatically);
    CHECK(!t->skip_sequence_number_availability_check);
    CHECK_INT(t->c.segment_write_out_medium, VRV_SPEC_WRITEOUT_DEFAULT);
    CHECK_INT(t->worker_threads, 0);
    CHECK_INT(t->worker_threads_effective, 2);
    CHECK_INT(t->chat_retries, 8);
    CHECK_INT(t->http_timeout, 10000);
    CHECK_INT(t->shutdown_timeout, 80000);
    CHECK_INT(t->offset_fetch_period, 30000);
    CHECK_INT(t->offset_fetch_period_effective, 30000);
    CHECK_INT(t->intermediate_handoff_period, 2147483647LL * 86400000LL);
    CHECK_STR(t->intermediate_handoff_period_text, "P2147483647D");
    CHECK(!t->c.log_parse_exceptions);
    CHECK_INT(t->c.max_parse_exceptions, 2147483647);
    CHECK_INT(t->c.max_saved_parse_exceptions, 0);
    CHECK_INT(t->c.num_persist_threads, 1);
    CHECK_INT(t->repartition_transition_duration, 120000);
    vrv_spec_supervisor_free(&s);
}

TEST(kafka_every_field)
{
    vrv_spec_supervisor s;
    if (!parse_sv("kafka_full.json", NULL, &s)) return;
    CHECK_STR(s.id, "metrics-kafka-v2");
    CHECK(s.id_given);
    CHECK(s.suspended);
    CHECK(json_is_true(json_object_get(s.context, "useConcurrentLocks")));
    CHECK_STR(json_string_value(json_object_get(s.context, "taskLockType")), "APPEND");

    const vrv_spec_data_schema *ds = &s.schema;
    CHECK_STR(ds->data_source, "metrics-kafka");
    CHECK_STR(ds->timestamp.column, "ts");
    CHECK_STR(ds->timestamp.format, "millis");
    CHECK_INT(ds->timestamp.format_kind, VRV_TS_MILLIS);
    CHECK(ds->timestamp.has_missing_value);
    CHECK_INT(ds->timestamp.missing_value, 1577836800000LL);

    const vrv_spec_dimensions *d = &ds->dimensions;
    CHECK_INT(d->n_dims, 10);
    CHECK_STR(d->dims[0].name, "host");
    CHECK_INT(d->dims[1].multi_value_handling, VRV_SPEC_MVH_SORTED_SET);
    CHECK(!d->dims[1].create_bitmap_index);
    CHECK_INT(d->dims[2].multi_value_handling, VRV_SPEC_MVH_ARRAY);
    CHECK(d->dims[2].create_bitmap_index);
    CHECK_INT(d->dims[3].type, VRV_SPEC_DIM_LONG);
    CHECK_INT(d->dims[4].type, VRV_SPEC_DIM_FLOAT);
    CHECK(!d->dims[4].create_bitmap_index);
    CHECK_INT(d->dims[5].type, VRV_SPEC_DIM_DOUBLE);
    CHECK_INT(d->dims[6].type, VRV_SPEC_DIM_JSON);
    CHECK_INT(d->dims[6].format_version, 5);
    CHECK_INT(d->dims[7].type, VRV_SPEC_DIM_AUTO);
    CHECK(d->dims[7].has_cast_to_type);
    CHECK_INT(d->dims[7].cast_to_type, VRV_C_DOUBLE); /* FLOAT becomes DOUBLE */
    CHECK_INT(d->dims[8].type, VRV_SPEC_DIM_SPATIAL);
    CHECK_INT(d->dims[8].n_spatial_dims, 2);
    CHECK_STR(d->dims[8].spatial_dims[1], "lon");
    CHECK_STR(d->dims[9].name, "origin"); /* legacy spatialDimensions, appended */
    CHECK_INT(d->dims[9].type, VRV_SPEC_DIM_SPATIAL);
    CHECK_STR(d->dims[9].spatial_dims[0], "x");
    CHECK(d->include_all_dimensions);
    CHECK(!d->use_schema_discovery);
    /* Exclusions in the order java.util.HashSet iterates them in Druid. */
    static const char *const excl[] = {"debug",      "level",     "count",  "users",
                                       "latency_ms", "user_id",   "bytes",  "latency_max",
                                       "bytes_sum",  "err_count", "errors", "ts"};
    CHECK_INT(d->n_exclusions, VRV_ARRAY_LEN(excl));
    for (size_t i = 0; i < d->n_exclusions && i < VRV_ARRAY_LEN(excl); i++)
        CHECK_STR(d->exclusions[i], excl[i]);

    CHECK_INT(ds->n_metrics, 5);
    CHECK_STR(ds->metrics[0].name, "count");
    CHECK_STR(ds->metrics[0].type, "count");
    CHECK_STR(ds->metrics[3].type, "filtered");
    CHECK_STR(ds->metrics[4].name, "users");
    CHECK_STR(ds->metrics[4].agg.path, "spec.dataSchema.metricsSpec[4]");
    CHECK_INT(json_integer_value(json_object_get(ds->metrics[4].agg.json, "lgK")), 12);

    CHECK_STR(vrv_gran_std_name(&ds->granularity.segment), "HOUR");
    CHECK_INT(ds->granularity.query.kind, VRV_GRAN_PERIOD);
    CHECK_INT(ds->granularity.query.period.minutes, 1);
    CHECK(vrv_tz_is_utc(ds->granularity.query.tz));
    CHECK(ds->granularity.rollup);
    CHECK_INT(ds->granularity.n_intervals, 1);
    CHECK_INT(ds->granularity.intervals[0].start, 1704067200000LL);
    CHECK_INT(ds->granularity.intervals[0].end, 1706745600000LL);

    CHECK_INT(ds->n_transforms, 2);
    CHECK_STR(ds->transforms[0].name, "service");
    CHECK_STR(ds->transforms[0].expression, "lower(service)");
    CHECK_STR(ds->transforms[1].path, "spec.dataSchema.transformSpec.transforms[1].expression");
    CHECK_STR(ds->filter.path, "spec.dataSchema.transformSpec.filter");
    CHECK_STR(json_string_value(json_object_get(ds->filter.json, "type")), "not");

    const vrv_spec_stream_io *io = &s.io;
    CHECK(io->topic == NULL);
    CHECK_STR(io->topic_pattern, "metrics-.*");
    CHECK_STR(json_string_value(json_object_get(io->input_format.json, "type")), "kafka");
    CHECK_STR(io->bootstrap_servers, "k1:9092,k2:9092");
    CHECK_INT(io->poll_timeout_ms, 250);
    CHECK(io->use_earliest);
    CHECK(io->task_count_given);
    CHECK_INT(io->task_count, 4); /* an explicit count wins over the autoscaler's start */
    CHECK_INT(io->replicas, 2);
    CHECK_INT(io->task_duration, 1800000);
    CHECK_INT(io->start_delay, 10000);
    CHECK_INT(io->period, 60000);
    CHECK_INT(io->completion_timeout, 2700000);
    CHECK(io->has_late_rejection_period);
    CHECK_INT(io->late_rejection_period, 86400000);
    CHECK(io->has_early_rejection_period);
    CHECK_INT(io->early_rejection_period, 7200000);
    CHECK_INT(io->stop_task_count, 2);
    CHECK_INT(io->max_allowed_stops, 2); /* 4 * stopTaskCountRatio 0.5 */
    const vrv_spec_autoscaler *a = &io->autoscaler;
    CHECK(a->present);
    CHECK(a->enabled);
    CHECK_INT(a->task_count_max, 8);
    CHECK_INT(a->task_count_min, 2);
    CHECK_INT(a->task_count_start, 3);
    CHECK_INT(a->min_trigger_scale_action_frequency_ms, 300000);
    CHECK_INT(a->lag_collection_interval_ms, 15000);
    CHECK_INT(a->lag_collection_range_ms, 300000);
    CHECK_INT(a->scale_out_threshold, 1000000);
    CHECK_DBL(a->trigger_scale_out_fraction_threshold, 0.5);
    CHECK_INT(a->scale_in_threshold, 100000);
    CHECK_DBL(a->trigger_scale_in_fraction_threshold, 0.8);
    CHECK_INT(a->scale_action_start_delay_ms, 60000);
    CHECK_INT(a->scale_action_period_ms, 30000);
    CHECK_INT(a->scale_in_step, 1);
    CHECK_INT(a->scale_out_step, 3);
    CHECK_INT(a->lag_aggregate, VRV_SPEC_LAG_MAX);
    CHECK(a->has_stop_task_count_ratio);
    CHECK_DBL(a->stop_task_count_ratio, 0.5);
    CHECK(io->idle.present);
    CHECK(io->idle.enabled);
    CHECK_INT(io->idle.inactive_after_ms, 120000);
    CHECK(json_is_true(json_object_get(io->config_overrides, "enabled")));

    const vrv_spec_stream_tuning *t = &s.tuning;
    CHECK(t->c.preserve_existing_metrics);
    CHECK_INT(t->c.max_rows_in_memory, 100000);
    CHECK_INT(t->c.max_bytes_in_memory, 268435456);
    CHECK_INT(t->c.max_bytes_in_memory_effective, 268435456);
    CHECK(t->c.skip_bytes_in_memory_overhead_check);
    CHECK_INT(t->max_rows_per_segment, 3000000);
    CHECK_INT(t->max_total_rows, 10000000);
    CHECK_INT(t->max_total_rows_effective, 10000000);
    CHECK_INT(t->intermediate_persist_period, 300000);
    CHECK_INT(t->c.max_pending_persists, 1);
    CHECK_INT(t->c.index_spec.dimension_compression, VRV_SPEC_COMP_ZSTD);
    CHECK_INT(t->c.index_spec.metric_compression, VRV_SPEC_COMP_LZ4);
    CHECK_INT(t->c.index_spec.long_encoding, VRV_SPEC_LONGS_AUTO);
    CHECK(t->c.index_spec.front_coded);
    CHECK_INT(t->c.index_spec.front_coded_bucket_size, 16);
    CHECK_INT(t->c.index_spec.front_coded_format_version, 1);
    CHECK(t->c.has_index_spec_intermediate);
    CHECK_INT(t->c.index_spec_intermediate.dimension_compression, VRV_SPEC_COMP_UNCOMPRESSED);
    CHECK_INT(t->c.index_spec_intermediate.metric_compression, VRV_SPEC_COMP_NONE);
    CHECK(!t->c.index_spec_intermediate.front_coded);
    CHECK_INT(t->handoff_condition_timeout_ms, 600000);
    CHECK(t->reset_offset_automatically);
    CHECK_INT(t->worker_threads, 4);
    CHECK_INT(t->worker_threads_effective, 4);
    CHECK_INT(t->chat_retries, 5);
    CHECK_INT(t->http_timeout, 20000);
    CHECK_INT(t->shutdown_timeout, 120000);
    CHECK_INT(t->offset_fetch_period, 2000);
    CHECK_INT(t->offset_fetch_period_effective, 5000);
    CHECK_INT(t->intermediate_handoff_period, 21600000);
    CHECK(t->c.log_parse_exceptions);
    CHECK_INT(t->c.max_parse_exceptions, 100);
    CHECK_INT(t->c.max_saved_parse_exceptions, 10);
    CHECK_INT(t->c.segment_write_out_medium, VRV_SPEC_WRITEOUT_OFF_HEAP);
    CHECK_INT(t->c.num_persist_threads, 2);
    CHECK_INT(t->repartition_transition_duration, 180000);
    CHECK(t->skip_sequence_number_availability_check);
    vrv_spec_supervisor_free(&s);
}

TEST(kafka_legacy_flattened_form)
{
    vrv_spec_supervisor s;
    if (!parse_sv("kafka_legacy_flat.json", NULL, &s)) return;
    CHECK(!s.nested);
    CHECK_STR(s.id, "clicks");
    CHECK_STR(s.schema.timestamp.column, "timestamp");
    CHECK_STR(s.schema.timestamp.format, "auto");
    CHECK_INT(s.schema.dimensions.n_dims, 3);
    CHECK_INT(s.schema.n_metrics, 2);
    CHECK_STR(s.schema.metrics[1].agg.path, "dataSchema.metricsSpec[1]");
    CHECK_STR(vrv_gran_std_name(&s.schema.granularity.segment), "FIFTEEN_MINUTE");
    CHECK_STR(vrv_gran_std_name(&s.schema.granularity.query), "MINUTE");
    CHECK(s.schema.granularity.rollup);
    static const char *const excl[] = {"revenue", "price", "count", "timestamp"};
    CHECK_INT(s.schema.dimensions.n_exclusions, 4);
    for (size_t i = 0; i < 4 && i < s.schema.dimensions.n_exclusions; i++)
        CHECK_STR(s.schema.dimensions.exclusions[i], excl[i]);
    CHECK_STR(s.io.input_format.path, "ioConfig.inputFormat");
    CHECK_INT(s.io.task_count, 3); /* "3": Jackson coerces numeric strings */
    CHECK(s.io.use_earliest);      /* "true" */
    CHECK(s.io.has_late_rejection_start);
    CHECK_INT(s.io.late_rejection_start, 1709251200000LL);
    CHECK_INT(s.tuning.max_rows_per_segment, 1000000);
    CHECK_INT(s.tuning.c.max_bytes_in_memory, -1);
    CHECK_INT(s.tuning.c.max_bytes_in_memory_effective, INT64_MAX);
    vrv_spec_supervisor_free(&s);
}

TEST(kafka_legacy_parser_form)
{
    vrv_spec_supervisor s;
    if (!parse_sv("kafka_legacy_parser.json", NULL, &s)) return;
    const vrv_spec_data_schema *ds = &s.schema;
    CHECK(ds->has_parser);
    CHECK(ds->timestamp_from_parser);
    CHECK(ds->dimensions_from_parser);
    CHECK_STR(ds->timestamp.column, "time");
    CHECK_STR(ds->timestamp.format, "auto");
    CHECK_INT(ds->dimensions.n_dims, 3);
    CHECK_STR(ds->dimensions.dims[2].name, "user");
    /* user exclusion "comment" plus the timestamp column and aggregator names,
     * in java.util.HashSet order */
    static const char *const excl[] = {"added", "count", "comment", "time"};
    CHECK_INT(ds->dimensions.n_exclusions, 4);
    for (size_t i = 0; i < 4 && i < ds->dimensions.n_exclusions; i++)
        CHECK_STR(ds->dimensions.exclusions[i], excl[i]);
    /* The parseSpec became {"type":"json","flattenSpec":...}. */
    const json_t *f = s.io.input_format.json;
    CHECK(f == ds->parser_format.json);
    CHECK_STR(s.io.input_format.path, "dataSchema.parser.parseSpec");
    CHECK_STR(json_string_value(json_object_get(f, "type")), "json");
    CHECK_INT(json_object_size(f), 2);
    const json_t *fields = json_object_get(json_object_get(f, "flattenSpec"), "fields");
    CHECK_STR(json_string_value(json_object_get(json_array_get(fields, 0), "expr")), "$.geo.city");
    CHECK_STR(vrv_gran_std_name(&ds->granularity.segment), "HOUR");
    vrv_spec_supervisor_free(&s);
}

TEST(legacy_parser_tsv_translation)
{
    vrv_spec_supervisor s;
    if (!parse_sv("kafka_parser_csv.json", NULL, &s)) return;
    const vrv_spec_data_schema *ds = &s.schema;
    /* A top-level timestampSpec wins over the parseSpec's. */
    CHECK(!ds->timestamp_from_parser);
    CHECK_STR(ds->timestamp.column, "t");
    CHECK_STR(ds->timestamp.format, "posix");
    CHECK(ds->dimensions_from_parser);
    CHECK_INT(ds->dimensions.n_dims, 1);
    json_t *want = json_loads("{\"type\":\"tsv\",\"columns\":[\"t\",\"sensor\",\"reading\"],"
                              "\"delimiter\":\"|\",\"listDelimiter\":\";\","
                              "\"findColumnsFromHeader\":false,\"skipHeaderRows\":1}",
                              0, NULL);
    CHECK(json_equal(s.io.input_format.json, want));
    json_decref(want);
    CHECK_STR(s.io.input_format.path, "spec.dataSchema.parser.parseSpec");
    vrv_spec_supervisor_free(&s);
}

TEST(parser_null_and_other_formats)
{
    static const struct {
        const char *parser;
        const char *want;
    } cases[] = {
        {"{\"type\":\"string\",\"parseSpec\":{\"format\":\"csv\",\"columns\":[\"a\",\"b\"],"
         "\"hasHeaderRow\":true,\"timestampSpec\":{\"column\":\"a\"}}}",
         "{\"type\":\"csv\",\"columns\":[\"a\",\"b\"],\"findColumnsFromHeader\":true}"},
        {"{\"parseSpec\":{\"format\":\"regex\",\"pattern\":\"(\\\\d+) "
         "(.*)\",\"columns\":[\"a\",\"b\"],"
         "\"timestampSpec\":{\"column\":\"a\"}}}",
         "{\"type\":\"regex\",\"pattern\":\"(\\\\d+) (.*)\",\"columns\":[\"a\",\"b\"]}"},
        {"{\"type\":\"avro_stream\",\"avroBytesDecoder\":{\"type\":\"schema_registry\",\"url\":"
         "\"http://r\"},"
         "\"parseSpec\":{\"format\":\"avro\",\"timestampSpec\":{\"column\":\"a\"}}}",
         "{\"type\":\"avro_stream\",\"avroBytesDecoder\":{\"type\":\"schema_registry\",\"url\":"
         "\"http://r\"}}"},
        {"{\"type\":\"protobuf\",\"descriptor\":\"file:///"
         "m.desc\",\"protoMessageType\":\"Metrics\","
         "\"parseSpec\":{\"format\":\"json\",\"timestampSpec\":{\"column\":\"a\"}}}",
         "{\"type\":\"protobuf\",\"protoBytesDecoder\":{\"type\":\"file\",\"descriptor\":\"file:///"
         "m.desc\","
         "\"protoMessageType\":\"Metrics\"}}"},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        char buf[2048];
        snprintf(
            buf, sizeof buf,
            "{\"type\":\"kafka\",\"dataSchema\":{\"dataSource\":\"x\",\"parser\":%s},"
            "\"ioConfig\":{\"topic\":\"t\",\"consumerProperties\":{\"bootstrap.servers\":\"b\"}}}",
            cases[i].parser);
        json_t *j = json_loads(buf, 0, NULL), *want = json_loads(cases[i].want, 0, NULL);
        CHECK(j && want);
        vrv_spec_supervisor s;
        vrv_error err;
        int rc = vrv_spec_supervisor_parse(j, NULL, &s, &err);
        if (rc) vrv_test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
        if (!rc) {
            if (!json_equal(s.io.input_format.json, want)) {
                char *got = json_dumps(s.io.input_format.json, JSON_SORT_KEYS);
                vrv_test_fail(__FILE__, __LINE__, "case %zu: got %s", i, got);
                free(got);
            }
            CHECK_STR(s.schema.timestamp.column, "a");
            vrv_spec_supervisor_free(&s);
        }
        json_decref(j);
        json_decref(want);
    }

    /* parser: null is the same as no parser. */
    json_t *j =
        json_loads("{\"type\":\"kafka\",\"dataSchema\":{\"dataSource\":\"x\",\"parser\":null,"
                   "\"timestampSpec\":{}},\"ioConfig\":{\"topic\":\"t\",\"inputFormat\":"
                   "{\"type\":\"json\"},\"consumerProperties\":{\"bootstrap.servers\":\"b\"}}}",
                   0, NULL);
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &s, &err), 0);
    CHECK(!s.schema.has_parser);
    CHECK_STR(s.schema.timestamp.column, "timestamp");
    CHECK_STR(s.schema.timestamp.format, "auto");
    CHECK(s.schema.dimensions.schemaless);
    CHECK_STR(s.schema.dimensions.exclusions[0], "timestamp");
    vrv_spec_supervisor_free(&s);
    json_decref(j);
}

TEST(kinesis_tutorial_spec)
{
    vrv_spec_supervisor s;
    if (!parse_sv("kinesis_wikipedia.json", NULL, &s)) return;
    CHECK_INT(s.type, VRV_SPEC_KINESIS);
    CHECK_STR(s.id, "KinesisStream");
    CHECK_INT(s.schema.dimensions.n_dims, 23);
    CHECK_STR(vrv_gran_std_name(&s.schema.granularity.segment), "HOUR");
    CHECK(!s.schema.granularity.rollup);
    const vrv_spec_stream_io *io = &s.io;
    CHECK_STR(io->stream, "KinesisStream");
    CHECK_STR(io->endpoint, "kinesis.us-east-1.amazonaws.com");
    CHECK(io->region == NULL);
    CHECK(io->use_earliest);
    CHECK_INT(io->fetch_delay_ms, 0);
    CHECK_INT(io->records_per_fetch, 0);
    CHECK(io->aws_assumed_role_arn == NULL);
    CHECK(!io->deaggregate);
    CHECK_INT(io->task_duration, 3600000);
    CHECK_INT(io->completion_timeout, 1800000);
    const vrv_spec_stream_tuning *t = &s.tuning;
    CHECK_INT(t->handoff_condition_timeout_ms, 0);
    CHECK_INT(t->record_buffer_size_bytes, 0);
    /* 1 GiB default budget: record buffer min(100 MB, 10%) */
    CHECK_INT(t->record_buffer_size_bytes_effective, 100000000);
    CHECK_INT(t->record_buffer_offer_timeout_ms, 5000);
    CHECK_INT(t->record_buffer_full_wait_ms, 5000);
    CHECK_INT(t->fetch_threads, 0);
    /* min(100 MB, 5% of 1 GiB = 53687091) / 10 MB = 5 threads at most */
    CHECK(t->fetch_threads_effective >= 1 && t->fetch_threads_effective <= 5);
    CHECK_INT(t->max_bytes_per_poll, 0);
    CHECK_INT(t->max_bytes_per_poll_effective, 1000000);
    CHECK(!t->use_list_shards);
    CHECK_INT(t->repartition_transition_duration, 120000);
    vrv_spec_supervisor_free(&s);
}

TEST(kinesis_every_field)
{
    vrv_spec_opts opts = {.memory_budget = 4LL * 1024 * 1024 * 1024, .processors = 3};
    vrv_spec_supervisor s;
    if (!parse_sv("kinesis_full.json", &opts, &s)) return;
    const vrv_spec_data_schema *ds = &s.schema;
    CHECK_STR(ds->timestamp.column, "kinesis.timestamp");
    CHECK(ds->dimensions.use_schema_discovery);
    CHECK(!ds->dimensions.schemaless);
    CHECK_INT(ds->dimensions.n_dims, 0);
    CHECK_INT(ds->dimensions.n_exclusions, 2);
    CHECK_STR(ds->dimensions.exclusions[0], "secret");
    CHECK_STR(ds->dimensions.exclusions[1], "kinesis.timestamp");
    CHECK_STR(vrv_gran_std_name(&ds->granularity.query), "HOUR");
    const vrv_spec_stream_io *io = &s.io;
    CHECK_STR(io->stream, "orders-stream");
    CHECK_STR(io->region, "cn-north-1");
    CHECK_STR(io->endpoint, "kinesis.cn-north-1.amazonaws.com.cn");
    CHECK(!io->use_earliest);
    CHECK_INT(io->fetch_delay_ms, 250);
    CHECK_INT(io->records_per_fetch, 2000);
    CHECK_STR(io->aws_assumed_role_arn, "arn:aws:iam::123456789012:role/druid");
    CHECK_STR(io->aws_external_id, "ext-42");
    CHECK(io->deaggregate);
    CHECK_INT(io->task_count, 2);
    CHECK_INT(io->task_duration, 7200000);
    CHECK_INT(io->completion_timeout, 21600000);
    CHECK(io->idle.present);
    CHECK(!io->idle.enabled);
    CHECK_INT(io->idle.inactive_after_ms, 600000);
    const vrv_spec_stream_tuning *t = &s.tuning;
    CHECK_INT(t->c.max_rows_in_memory, 200000);
    CHECK_INT(t->c.max_bytes_in_memory_effective, 4LL * 1024 * 1024 * 1024 / 6);
    CHECK_INT(t->record_buffer_size_bytes, 50000000);
    CHECK_INT(t->record_buffer_size_bytes_effective, 50000000);
    CHECK_INT(t->record_buffer_offer_timeout_ms, 1000);
    CHECK_INT(t->record_buffer_full_wait_ms, 2000);
    CHECK_INT(t->fetch_threads, 64);
    /* 5% of 4 GiB = 214 MB, capped at 100 MB: at most 10 threads of 10 MB */
    CHECK_INT(t->fetch_threads_effective, 10);
    CHECK_INT(t->max_bytes_per_poll_effective, 2000000);
    CHECK(t->use_list_shards);
    CHECK(t->skip_sequence_number_availability_check);
    CHECK_INT(t->repartition_transition_duration, 300000);
    CHECK_INT(t->offset_fetch_period, 60000);
    /* reportParseExceptions: fail on the first bad row, keep at most one */
    CHECK(t->c.report_parse_exceptions);
    CHECK_INT(t->c.max_parse_exceptions, 0);
    CHECK_INT(t->c.max_saved_parse_exceptions, 1);
    vrv_spec_supervisor_free(&s);
}

TEST(memory_budget_and_processors)
{
    vrv_spec_opts opts = {.memory_budget = 600000000, .processors = 1};
    vrv_spec_supervisor s;
    if (!parse_sv("kinesis_wikipedia.json", &opts, &s)) return;
    CHECK_INT(s.tuning.c.max_bytes_in_memory_effective, 100000000);
    CHECK_INT(s.tuning.record_buffer_size_bytes_effective, 60000000);
    /* 2 per CPU = 2; the 5% cap (30 MB) allows 3 */
    CHECK_INT(s.tuning.fetch_threads_effective, 2);
    vrv_spec_supervisor_free(&s);
}

TEST(autoscaler_sets_initial_task_count)
{
    const char *tmpl =
        "{\"type\":\"kafka\",\"spec\":{\"dataSchema\":{\"dataSource\":\"x\",\"timestampSpec\":{}},"
        "\"ioConfig\":{\"topic\":\"t\",\"inputFormat\":{\"type\":\"json\"},"
        "\"consumerProperties\":{\"bootstrap.servers\":\"b\"},\"autoScalerConfig\":%s}}}";
    static const struct {
        const char *as;
        int task_count, worker_threads, stops;
    } cases[] = {
        {"{\"enableTaskAutoScaler\":true,\"taskCountMin\":2,\"taskCountMax\":20}", 2, 5, 2},
        {"{\"enableTaskAutoScaler\":true,\"taskCountMin\":2,\"taskCountMax\":6,\"taskCountStart\":"
         "4,"
         "\"stopTaskCountRatio\":0.25}",
         4, 2, 1},
        /* disabled: counts ignored and not validated */
        {"{\"taskCountMin\":9,\"taskCountMax\":1}", 1, 2, 1},
        {"{}", 1, 2, 1},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        char buf[1024];
        snprintf(buf, sizeof buf, tmpl, cases[i].as);
        json_t *j = json_loads(buf, 0, NULL);
        vrv_spec_supervisor s;
        vrv_error err;
        int rc = vrv_spec_supervisor_parse(j, NULL, &s, &err);
        json_decref(j);
        if (rc) {
            vrv_test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
            continue;
        }
        CHECK(s.io.autoscaler.present);
        CHECK_INT(s.io.task_count, cases[i].task_count);
        CHECK_INT(s.tuning.worker_threads_effective, cases[i].worker_threads);
        CHECK_INT(s.io.max_allowed_stops, cases[i].stops);
        if (i == 0) {
            CHECK_INT(s.io.autoscaler.lag_collection_interval_ms, 30000);
            CHECK_INT(s.io.autoscaler.lag_collection_range_ms, 600000);
            CHECK_INT(s.io.autoscaler.scale_out_threshold, 6000000);
            CHECK_DBL(s.io.autoscaler.trigger_scale_out_fraction_threshold, 0.3);
            CHECK_INT(s.io.autoscaler.scale_in_threshold, 1000000);
            CHECK_DBL(s.io.autoscaler.trigger_scale_in_fraction_threshold, 0.9);
            CHECK_INT(s.io.autoscaler.scale_action_start_delay_ms, 300000);
            CHECK_INT(s.io.autoscaler.scale_action_period_ms, 60000);
            CHECK_INT(s.io.autoscaler.scale_in_step, 1);
            CHECK_INT(s.io.autoscaler.scale_out_step, 2);
            CHECK_INT(s.io.autoscaler.min_trigger_scale_action_frequency_ms, 600000);
            CHECK_INT(s.io.autoscaler.lag_aggregate, VRV_SPEC_LAG_DEFAULT);
            CHECK(!s.io.autoscaler.has_stop_task_count_ratio);
        }
        vrv_spec_supervisor_free(&s);
    }
}

TEST(granularities)
{
    static const struct {
        const char *seg, *query;
        vrv_gran_kind seg_kind, query_kind;
    } cases[] = {
        {"\"year\"", "\"quarter\"", VRV_GRAN_PERIOD, VRV_GRAN_PERIOD},
        {"\"ALL\"", "\"day\"", VRV_GRAN_ALL, VRV_GRAN_PERIOD},
        {"{\"type\":\"period\",\"period\":\"P1D\",\"timeZone\":\"America/Los_Angeles\"}",
         "{\"type\":\"duration\",\"duration\":3600000}", VRV_GRAN_PERIOD, VRV_GRAN_DURATION},
        {"\"week\"", "{\"type\":\"none\"}", VRV_GRAN_PERIOD, VRV_GRAN_NONE},
        {"\"six_hour\"", "\"thirty_minute\"", VRV_GRAN_PERIOD, VRV_GRAN_PERIOD},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        char buf[1024];
        snprintf(buf, sizeof buf,
                 "{\"type\":\"kafka\",\"dataSchema\":{\"dataSource\":\"x\",\"timestampSpec\":{},"
                 "\"granularitySpec\":{\"segmentGranularity\":%s,\"queryGranularity\":%s}},"
                 "\"ioConfig\":{\"topic\":\"t\",\"inputFormat\":{\"type\":\"json\"},"
                 "\"consumerProperties\":{\"bootstrap.servers\":\"b\"}}}",
                 cases[i].seg, cases[i].query);
        json_t *j = json_loads(buf, 0, NULL);
        vrv_spec_supervisor s;
        vrv_error err;
        int rc = vrv_spec_supervisor_parse(j, NULL, &s, &err);
        json_decref(j);
        if (rc) {
            vrv_test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
            continue;
        }
        CHECK_INT(s.schema.granularity.segment.kind, cases[i].seg_kind);
        CHECK_INT(s.schema.granularity.query.kind, cases[i].query_kind);
        vrv_spec_supervisor_free(&s);
    }
}

TEST(batch_index_parallel_local)
{
    vrv_spec_batch b;
    if (!parse_batch("batch_index_parallel_local.json", &b)) return;
    CHECK_INT(b.type, VRV_SPEC_INDEX_PARALLEL);
    CHECK(b.id == NULL);
    CHECK(b.context == NULL);
    CHECK_STR(b.schema.data_source, "wikipedia");
    CHECK_INT(b.schema.dimensions.n_dims, 19);
    CHECK_INT(b.schema.granularity.n_intervals, 1);
    CHECK_INT(b.schema.granularity.intervals[0].start, 1442016000000LL);
    CHECK_INT(b.schema.granularity.intervals[0].end, 1442102400000LL);
    CHECK_STR(b.input_source.path, "spec.ioConfig.inputSource");
    CHECK_STR(json_string_value(json_object_get(b.input_source.json, "baseDir")),
              "quickstart/tutorial/");
    CHECK_STR(b.input_format.path, "spec.ioConfig.inputFormat");
    CHECK(!b.append_to_existing);
    CHECK(b.drop_existing);
    const vrv_spec_batch_tuning *t = &b.tuning;
    CHECK_INT(t->c.max_rows_in_memory, 25000);
    CHECK_INT(t->c.max_bytes_in_memory_effective, VRV_SPEC_DEFAULT_MEMORY_BUDGET / 6);
    /* The deprecated maxRowsPerSegment becomes a dynamic partitionsSpec. */
    CHECK_INT(t->partitions.type, VRV_SPEC_PART_DYNAMIC);
    CHECK(t->partitions.given);
    CHECK_INT(t->partitions.max_rows_per_segment, 5000000);
    CHECK_INT(t->partitions.max_total_rows, -1);
    CHECK_INT(t->max_columns_to_merge, -1);
    CHECK(!t->force_guaranteed_rollup);
    CHECK_INT(t->push_timeout_ms, 0);
    CHECK_INT(t->await_segment_availability_timeout_ms, 0);
    CHECK(t->split_hint_spec == NULL);
    CHECK_INT(t->max_num_concurrent_sub_tasks, 1);
    CHECK_INT(t->max_retry, 3);
    CHECK_INT(t->task_status_check_period_ms, 1000);
    CHECK_INT(t->chat_handler_timeout, 10000);
    CHECK_INT(t->chat_handler_num_retries, 5);
    CHECK_INT(t->max_num_segments_to_merge, 100);
    CHECK_INT(t->total_num_merge_tasks, 10);
    CHECK_INT(t->max_allowed_lock_count, -1);
    CHECK_INT(t->c.max_parse_exceptions, 2147483647);
    vrv_spec_batch_free(&b);
}

TEST(batch_index_inline)
{
    vrv_spec_batch b;
    if (!parse_batch("batch_index_inline.json", &b)) return;
    CHECK_INT(b.type, VRV_SPEC_INDEX);
    CHECK_STR(b.id, "index_inline_test");
    CHECK_INT(json_integer_value(json_object_get(b.context, "priority")), 60);
    CHECK_STR(b.schema.timestamp.column, "ts");
    CHECK_STR(b.schema.timestamp.format, "auto");
    CHECK_STR(vrv_gran_std_name(&b.schema.granularity.segment), "MONTH");
    CHECK_STR(vrv_gran_std_name(&b.schema.granularity.query), "DAY");
    CHECK_STR(json_string_value(json_object_get(b.input_source.json, "type")), "inline");
    CHECK(b.append_to_existing);
    CHECK(!b.drop_existing);
    const vrv_spec_batch_tuning *t = &b.tuning;
    CHECK_INT(t->c.max_rows_in_memory, 1000000);
    CHECK_INT(t->partitions.type, VRV_SPEC_PART_DYNAMIC);
    CHECK_INT(t->partitions.max_rows_per_segment, 5000000);
    CHECK_INT(t->partitions.max_total_rows, 1000000);
    CHECK_INT(t->push_timeout_ms, 60000);
    CHECK_INT(t->await_segment_availability_timeout_ms, 0); /* negative means 0 */
    vrv_spec_batch_free(&b);
}

TEST(batch_index_parallel_http_hashed)
{
    vrv_spec_batch b;
    if (!parse_batch("batch_index_parallel_http.json", &b)) return;
    CHECK_STR(b.schema.timestamp.column, "@timestamp");
    CHECK_STR(vrv_gran_std_name(&b.schema.granularity.segment), "WEEK");
    /* "2024-01-01/P1M" */
    CHECK_INT(b.schema.granularity.intervals[0].start, 1704067200000LL);
    CHECK_INT(b.schema.granularity.intervals[0].end, 1706745600000LL);
    CHECK_STR(json_string_value(json_object_get(b.input_source.json, "type")), "http");
    const vrv_spec_batch_tuning *t = &b.tuning;
    CHECK(t->force_guaranteed_rollup);
    CHECK_INT(t->partitions.type, VRV_SPEC_PART_HASHED);
    CHECK_INT(t->partitions.num_shards, 4);
    CHECK_INT(t->partitions.target_rows_per_segment, 0);
    CHECK_INT(t->partitions.n_partition_dimensions, 1);
    CHECK_STR(t->partitions.partition_dimensions[0], "host");
    CHECK_INT(t->max_num_concurrent_sub_tasks, 4);
    CHECK_INT(t->max_retry, 5);
    CHECK_INT(t->task_status_check_period_ms, 2000);
    CHECK_INT(t->chat_handler_timeout, 30000);
    CHECK_INT(t->chat_handler_num_retries, 7);
    CHECK_INT(t->max_num_segments_to_merge, 50);
    CHECK_INT(t->total_num_merge_tasks, 3);
    CHECK_STR(json_string_value(json_object_get(t->split_hint_spec, "type")), "maxSize");
    CHECK_INT(t->max_columns_to_merge, 200);
    CHECK_INT(t->c.max_rows_in_memory, 500000);
    vrv_spec_batch_free(&b);
}

TEST(batch_partitions_specs)
{
    static const struct {
        const char *tuning;
        vrv_spec_partitions_type type;
        int target, shards;
        size_t ndims;
    } cases[] = {
        {"{\"forceGuaranteedRollup\":true}", VRV_SPEC_PART_HASHED, 5000000, 0, 0},
        {"{\"forceGuaranteedRollup\":true,\"partitionsSpec\":{\"type\":\"hashed\"}}",
         VRV_SPEC_PART_HASHED, 5000000, 0, 0},
        {"{\"forceGuaranteedRollup\":true,\"partitionsSpec\":{\"type\":\"hashed\","
         "\"targetRowsPerSegment\":1000}}",
         VRV_SPEC_PART_HASHED, 1000, 0, 0},
        {"{\"forceGuaranteedRollup\":true,\"partitionsSpec\":{\"type\":\"single_dim\","
         "\"partitionDimension\":\"page\",\"targetRowsPerSegment\":2000}}",
         VRV_SPEC_PART_SINGLE_DIM, 2000, 0, 1},
        {"{\"forceGuaranteedRollup\":true,\"partitionsSpec\":{\"type\":\"range\","
         "\"partitionDimensions\":[\"a\",\"b\"],\"maxRowsPerSegment\":3000,\"assumeGrouped\":true}"
         "}",
         VRV_SPEC_PART_RANGE, 0, 0, 2},
        {"{\"forceGuaranteedRollup\":true,\"numShards\":3}", VRV_SPEC_PART_HASHED, 0, 3, 0},
        {"{\"partitionsSpec\":{\"type\":\"dynamic\",\"maxRowsPerSegment\":100,"
         "\"maxTotalRows\":1000}}",
         VRV_SPEC_PART_DYNAMIC, 0, 0, 0},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        char buf[1024];
        snprintf(buf, sizeof buf,
                 "{\"type\":\"index_parallel\",\"spec\":{\"dataSchema\":{\"dataSource\":\"x\","
                 "\"timestampSpec\":{}},\"ioConfig\":{\"inputSource\":{\"type\":\"inline\","
                 "\"data\":\"\"},\"inputFormat\":{\"type\":\"json\"}},\"tuningConfig\":%s}}",
                 cases[i].tuning);
        json_t *j = json_loads(buf, 0, NULL);
        vrv_spec_batch b;
        vrv_error err;
        int rc = vrv_spec_batch_parse(j, NULL, &b, &err);
        json_decref(j);
        if (rc) {
            vrv_test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
            continue;
        }
        CHECK_INT(b.tuning.partitions.type, cases[i].type);
        CHECK_INT(b.tuning.partitions.target_rows_per_segment, cases[i].target);
        CHECK_INT(b.tuning.partitions.num_shards, cases[i].shards);
        CHECK_INT(b.tuning.partitions.n_partition_dimensions, cases[i].ndims);
        if (i == 4) {
            CHECK_INT(b.tuning.partitions.max_rows_per_segment_hint, 3000);
            CHECK(b.tuning.partitions.assume_grouped);
        }
        if (i == 6) {
            CHECK_INT(b.tuning.partitions.max_rows_per_segment, 100);
            CHECK_INT(b.tuning.partitions.max_total_rows, 1000);
        }
        vrv_spec_batch_free(&b);
    }
}

TEST(original_json_is_kept)
{
    json_t *j = load("kafka_wikipedia.json");
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &s, &err), 0);
    CHECK(s.json == j);
    CHECK_INT(j->refcount, 2);
    /* Strings borrow from it. */
    CHECK(s.schema.data_source ==
          json_string_value(json_object_get(
              json_object_get(json_object_get(j, "spec"), "dataSchema"), "dataSource")));
    vrv_spec_supervisor_free(&s);
    CHECK_INT(j->refcount, 1);
    CHECK(s.json == NULL);
    vrv_spec_supervisor_free(&s); /* a freed spec may be freed again */
    json_decref(j);
}

/* The pieces handed to src/input compile there: batch input sources, and the
 * inputFormat translated from a legacy delimited parseSpec. */
TEST(sub_objects_compile_in_input)
{
    static const char *const files[] = {"batch_index_parallel_local.json",
                                        "batch_index_inline.json",
                                        "batch_index_parallel_http.json"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(files); i++) {
        vrv_spec_batch b;
        if (!parse_batch(files[i], &b)) continue;
        vrv_source *src = NULL;
        vrv_error err;
        if (vrv_source_parse(b.input_source.json, b.input_source.path, &src, &err) != 0)
            vrv_test_fail(__FILE__, __LINE__, "%s: %s", files[i], err.msg);
        vrv_source_free(src);
        vrv_spec_batch_free(&b);
    }
    static const char *const parsers[] = {"kafka_parser_csv.json"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(parsers); i++) {
        vrv_spec_supervisor s;
        if (!parse_sv(parsers[i], NULL, &s)) continue;
        vrv_input_format *f = NULL;
        vrv_error err;
        if (vrv_input_format_parse(s.io.input_format.json, s.io.input_format.path, &f, &err) != 0)
            vrv_test_fail(__FILE__, __LINE__, "%s: %s", parsers[i], err.msg);
        vrv_input_format_free(f);
        vrv_spec_supervisor_free(&s);
    }
}

/* First/last aggregators also read their time column (__time unless given). */
TEST(first_last_exclusions)
{
    json_t *j =
        json_loads("{\"type\":\"kafka\",\"dataSchema\":{\"dataSource\":\"x\",\"timestampSpec\":{},"
                   "\"dimensionsSpec\":{\"dimensions\":[\"user\"]},\"metricsSpec\":["
                   "{\"type\":\"stringLast\",\"name\":\"last_page\",\"fieldName\":\"page\"},"
                   "{\"type\":\"doubleFirst\",\"name\":\"first_v\",\"fieldName\":\"v\","
                   "\"timeColumn\":\"ts2\"}]},"
                   "\"ioConfig\":{\"topic\":\"t\",\"inputFormat\":{\"type\":\"json\"},"
                   "\"consumerProperties\":{\"bootstrap.servers\":\"b\"}}}",
                   0, NULL);
    vrv_spec_supervisor s;
    vrv_error err;
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &s, &err), 0);
    json_decref(j);
    /* java.util.HashSet order, checked against Java */
    static const char *const want[] = {"__time", "ts2",  "first_v",  "last_page",
                                       "v",      "page", "timestamp"};
    CHECK_INT(s.schema.dimensions.n_exclusions, VRV_ARRAY_LEN(want));
    for (size_t i = 0; i < VRV_ARRAY_LEN(want) && i < s.schema.dimensions.n_exclusions; i++)
        CHECK_STR(s.schema.dimensions.exclusions[i], want[i]);
    vrv_spec_supervisor_free(&s);
}

TEST(timestamp_formats)
{
    static const struct {
        const char *format;
        vrv_ts_format kind;
    } cases[] = {
        {"auto", VRV_TS_AUTO},
        {"POSIX", VRV_TS_POSIX},
        {"nano", VRV_TS_NANO},
        {"ruby", VRV_TS_RUBY},
        {"micro", VRV_TS_MICRO},
        {"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", VRV_TS_JODA},
        {"dd/MMM/yyyy:HH:mm:ss Z", VRV_TS_JODA},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        char buf[1024];
        snprintf(buf, sizeof buf,
                 "{\"type\":\"kafka\",\"dataSchema\":{\"dataSource\":\"x\","
                 "\"timestampSpec\":{\"format\":\"%s\"}},\"ioConfig\":{\"topic\":\"t\","
                 "\"inputFormat\":{\"type\":\"json\"},"
                 "\"consumerProperties\":{\"bootstrap.servers\":\"b\"}}}",
                 cases[i].format);
        json_t *j = json_loads(buf, 0, NULL);
        vrv_spec_supervisor s;
        vrv_error err;
        int rc = vrv_spec_supervisor_parse(j, NULL, &s, &err);
        json_decref(j);
        if (rc) {
            vrv_test_fail(__FILE__, __LINE__, "%s: %s", cases[i].format, err.msg);
            continue;
        }
        CHECK_INT(s.schema.timestamp.format_kind, cases[i].kind);
        CHECK_STR(s.schema.timestamp.format, cases[i].format);
        vrv_spec_supervisor_free(&s);
    }
}
