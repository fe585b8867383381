/*
 * spec_write.c — Druid's serialisation of a parsed supervisor spec, as the
 * Overlord returns it from GET /druid/indexer/v1/supervisor/{id} and the spec
 * history: every field present with its resolved default, in the order
 * Jackson writes Druid's classes (creator properties first, then the other
 * getters), durations as Joda Durations ("PT3600S"), periods as written
 * ("PT10M"). Sub-objects owned by other modules are emitted as submitted.
 */
#include <string.h>

#include "spec/spec_internal.h"

json_t *sp_json_ref(json_t *j)
{
    return j ? json_incref(j) : json_null();
}

static void set(json_t *o, const char *k, json_t *v)
{
    json_object_set_new(o, k, v);
}

static json_t *jint(int64_t v)
{
    return json_integer((json_int_t)v);
}

/* ---- dataSchema ------------------------------------------------------------- */

static json_t *timestamp_json(const vrv_spec_timestamp *t)
{
    json_t *o = json_object();
    set(o, "column", json_string(t->column));
    set(o, "format", json_string(t->format));
    set(o, "missingValue", t->has_missing_value ? sp_instant_json(t->missing_value) : json_null());
    return o;
}

static json_t *dimension_json(const vrv_spec_dimension *d)
{
    json_t *o = json_object();
    set(o, "type", json_string(vrv_spec_dim_type_name(d->type)));
    set(o, "name", json_string(d->name));
    set(o, "multiValueHandling", json_string(vrv_spec_mvh_name(d->multi_value_handling)));
    set(o, "createBitmapIndex", json_boolean(d->create_bitmap_index));
    if (d->type == VRV_SPEC_DIM_AUTO && d->has_cast_to_type)
        set(o, "castToType", json_string(vrv_ctype_name(d->cast_to_type)));
    if (d->type == VRV_SPEC_DIM_JSON) set(o, "formatVersion", jint(d->format_version));
    if (d->type == VRV_SPEC_DIM_SPATIAL) {
        json_t *a = json_array();
        for (size_t i = 0; i < d->n_spatial_dims; i++)
            json_array_append_new(a, json_string(d->spatial_dims[i]));
        set(o, "dims", a);
    }
    return o;
}

static json_t *dimensions_json(const vrv_spec_dimensions *d)
{
    json_t *o = json_object(), *dims = json_array(), *ex = json_array();
    for (size_t i = 0; i < d->n_dims; i++) json_array_append_new(dims, dimension_json(&d->dims[i]));
    for (size_t i = 0; i < d->n_exclusions; i++)
        json_array_append_new(ex, json_string(d->exclusions[i]));
    set(o, "dimensions", dims);
    set(o, "dimensionExclusions", ex);
    set(o, "includeAllDimensions", json_boolean(d->include_all_dimensions));
    set(o, "useSchemaDiscovery", json_boolean(d->use_schema_discovery));
    return o;
}

static json_t *granularity_json(const vrv_spec_granularity *g)
{
    json_t *o = json_object(), *iv = json_array();
    set(o, "type", json_string(g->arbitrary ? "arbitrary" : "uniform"));
    if (!g->arbitrary) set(o, "segmentGranularity", sp_gran_json(&g->segment));
    set(o, "queryGranularity", sp_gran_json(&g->query));
    set(o, "rollup", json_boolean(g->rollup));
    for (size_t i = 0; i < g->n_intervals; i++)
        json_array_append_new(iv, sp_interval_json(&g->intervals[i]));
    set(o, "intervals", iv);
    return o;
}

json_t *sp_data_schema_json(const vrv_spec_data_schema *s)
{
    json_t *o = json_object();
    set(o, "dataSource", json_string(s->data_source));
    /* Druid writes the dataSchema's own timestampSpec/dimensionsSpec, which are
     * null when they came from a legacy parser. */
    set(o, "timestampSpec", s->timestamp_from_parser ? json_null() : timestamp_json(&s->timestamp));
    set(o, "dimensionsSpec",
        s->dimensions_from_parser ? json_null() : dimensions_json(&s->dimensions));
    json_t *m = json_array();
    for (size_t i = 0; i < s->n_metrics; i++) json_array_append(m, s->metrics[i].agg.json);
    set(o, "metricsSpec", m);
    set(o, "granularitySpec", granularity_json(&s->granularity));
    json_t *ts = json_object(), *tr = json_array();
    set(ts, "filter", sp_json_ref(s->filter.json));
    for (size_t i = 0; i < s->n_transforms; i++)
        json_array_append_new(tr, json_pack("{s:s,s:s,s:s}", "type", "expression", "name",
                                            s->transforms[i].name, "expression",
                                            s->transforms[i].expression));
    set(ts, "transforms", tr);
    set(o, "transformSpec", ts);
    return o;
}

/* ---- tuningConfig ----------------------------------------------------------- */

json_t *sp_index_spec_json(const vrv_spec_index_spec *is)
{
    json_t *o = json_object();
    set(o, "bitmap",
        json_pack("{s:s}", "type", is->bitmap == VRV_SPEC_BITMAP_CONCISE ? "concise" : "roaring"));
    set(o, "dimensionCompression",
        json_string(vrv_spec_compression_name(is->dimension_compression)));
    if (is->front_coded)
        set(o, "stringDictionaryEncoding",
            json_pack("{s:s,s:i,s:i}", "type", "frontCoded", "bucketSize",
                      is->front_coded_bucket_size, "formatVersion",
                      is->front_coded_format_version));
    else
        set(o, "stringDictionaryEncoding", json_pack("{s:s}", "type", "utf8"));
    set(o, "metricCompression", json_string(vrv_spec_compression_name(is->metric_compression)));
    set(o, "longEncoding",
        json_string(is->long_encoding == VRV_SPEC_LONGS_AUTO ? "auto" : "longs"));
    if (is->has_complex_metric_compression)
        set(o, "complexMetricCompression",
            json_string(vrv_spec_compression_name(is->complex_metric_compression)));
    if (is->has_json_compression)
        set(o, "jsonCompression", json_string(vrv_spec_compression_name(is->json_compression)));
    return o;
}

static json_t *writeout_json(vrv_spec_writeout w)
{
    switch (w) {
    case VRV_SPEC_WRITEOUT_TMP_FILE:
        return json_pack("{s:s}", "type", "tmpFile");
    case VRV_SPEC_WRITEOUT_OFF_HEAP:
        return json_pack("{s:s}", "type", "offHeapMemory");
    case VRV_SPEC_WRITEOUT_ON_HEAP:
        return json_pack("{s:s}", "type", "onHeapMemory");
    default:
        return json_null();
    }
}

static json_t *opt_int(int v)
{
    return v ? jint(v) : json_null();
}

static json_t *stream_tuning_json(vrv_spec_stream_type type, const vrv_spec_stream_tuning *t)
{
    const vrv_spec_tuning_common *c = &t->c;
    bool kinesis = type == VRV_SPEC_KINESIS;
    json_t *o = json_object();
    set(o, "type", json_string(vrv_spec_stream_type_name(type)));
    set(o, "appendableIndexSpec",
        json_pack("{s:s,s:b}", "type", "onheap", "preserveExistingMetrics",
                  c->preserve_existing_metrics));
    set(o, "maxRowsInMemory", jint(c->max_rows_in_memory));
    set(o, "maxBytesInMemory", jint(c->max_bytes_in_memory));
    set(o, "skipBytesInMemoryOverheadCheck", json_boolean(c->skip_bytes_in_memory_overhead_check));
    set(o, "maxRowsPerSegment", jint(t->max_rows_per_segment));
    set(o, "maxTotalRows", t->max_total_rows > 0 ? jint(t->max_total_rows) : json_null());
    set(o, "intermediatePersistPeriod", json_string(t->intermediate_persist_period_text));
    set(o, "maxPendingPersists", jint(c->max_pending_persists));
    set(o, "indexSpec", sp_index_spec_json(&c->index_spec));
    set(o, "indexSpecForIntermediatePersists", sp_index_spec_json(&c->index_spec_intermediate));
    set(o, "reportParseExceptions", json_boolean(c->report_parse_exceptions));
    set(o, "handoffConditionTimeout", jint(t->handoff_condition_timeout_ms));
    set(o, "resetOffsetAutomatically", json_boolean(t->reset_offset_automatically));
    if (kinesis)
        set(o, "skipSequenceNumberAvailabilityCheck",
            json_boolean(t->skip_sequence_number_availability_check));
    set(o, "segmentWriteOutMediumFactory", writeout_json(c->segment_write_out_medium));
    set(o, "workerThreads", opt_int(t->worker_threads));
    set(o, "chatRetries", jint(t->chat_retries));
    set(o, "httpTimeout", sp_duration_json(t->http_timeout));
    set(o, "shutdownTimeout", sp_duration_json(t->shutdown_timeout));
    if (kinesis) {
        if (t->record_buffer_size) set(o, "recordBufferSize", jint(t->record_buffer_size));
        if (t->record_buffer_size_bytes)
            set(o, "recordBufferSizeBytes", jint(t->record_buffer_size_bytes));
        set(o, "recordBufferOfferTimeout", jint(t->record_buffer_offer_timeout_ms));
        set(o, "recordBufferFullWait", jint(t->record_buffer_full_wait_ms));
        if (t->fetch_threads) set(o, "fetchThreads", jint(t->fetch_threads));
    } else {
        set(o, "offsetFetchPeriod", sp_duration_json(t->offset_fetch_period));
        set(o, "intermediateHandoffPeriod", json_string(t->intermediate_handoff_period_text));
    }
    set(o, "logParseExceptions", json_boolean(c->log_parse_exceptions));
    set(o, "maxParseExceptions", jint(c->max_parse_exceptions));
    set(o, "maxSavedParseExceptions", jint(c->max_saved_parse_exceptions));
    if (kinesis) {
        if (t->max_records_per_poll) set(o, "maxRecordsPerPoll", jint(t->max_records_per_poll));
        if (t->max_bytes_per_poll) set(o, "maxBytesPerPoll", jint(t->max_bytes_per_poll));
        set(o, "intermediateHandoffPeriod", json_string(t->intermediate_handoff_period_text));
        set(o, "repartitionTransitionDuration",
            sp_duration_json(t->repartition_transition_duration));
        set(o, "offsetFetchPeriod", sp_duration_json(t->offset_fetch_period));
        set(o, "useListShards", json_boolean(t->use_list_shards));
    }
    set(o, "numPersistThreads", jint(c->num_persist_threads));
    if (!kinesis) {
        set(o, "skipSequenceNumberAvailabilityCheck",
            json_boolean(t->skip_sequence_number_availability_check));
        set(o, "repartitionTransitionDuration",
            sp_duration_json(t->repartition_transition_duration));
    }
    return o;
}

/* ---- ioConfig --------------------------------------------------------------- */

static json_t *autoscaler_json(const vrv_spec_autoscaler *a)
{
    if (!a->present) return json_null();
    json_t *o = json_object();
    set(o, "autoScalerStrategy", json_string("lagBased"));
    set(o, "lagCollectionIntervalMillis", jint(a->lag_collection_interval_ms));
    set(o, "lagCollectionRangeMillis", jint(a->lag_collection_range_ms));
    set(o, "scaleActionStartDelayMillis", jint(a->scale_action_start_delay_ms));
    set(o, "scaleActionPeriodMillis", jint(a->scale_action_period_ms));
    set(o, "scaleOutThreshold", jint(a->scale_out_threshold));
    set(o, "scaleInThreshold", jint(a->scale_in_threshold));
    set(o, "triggerScaleOutFractionThreshold", json_real(a->trigger_scale_out_fraction_threshold));
    set(o, "triggerScaleInFractionThreshold", json_real(a->trigger_scale_in_fraction_threshold));
    set(o, "taskCountMax", jint(a->task_count_max));
    set(o, "taskCountMin", jint(a->task_count_min));
    set(o, "taskCountStart", opt_int(a->task_count_start));
    set(o, "scaleInStep", jint(a->scale_in_step));
    set(o, "scaleOutStep", jint(a->scale_out_step));
    set(o, "enableTaskAutoScaler", json_boolean(a->enabled));
    set(o, "minTriggerScaleActionFrequencyMillis", jint(a->min_trigger_scale_action_frequency_ms));
    static const char *const aggs[] = {NULL, "SUM", "MAX", "AVERAGE"};
    set(o, "lagAggregate", a->lag_aggregate ? json_string(aggs[a->lag_aggregate]) : json_null());
    set(o, "stopTaskCountRatio",
        a->has_stop_task_count_ratio ? json_real(a->stop_task_count_ratio) : json_null());
    return o;
}

static json_t *idle_json(const vrv_spec_idle *i)
{
    if (!i->present) return json_null();
    return json_pack("{s:b,s:I}", "enabled", i->enabled, "inactiveAfterMillis",
                     (json_int_t)i->inactive_after_ms);
}

static json_t *opt_duration(bool has, vrv_ms ms)
{
    return has ? sp_duration_json(ms) : json_null();
}

/* The inputFormat Druid stores: the submitted one, or null for a legacy parser. */
static json_t *input_format_json(const vrv_spec_supervisor *s)
{
    const vrv_spec_sub *f = &s->io.input_format;
    if (s->schema.has_parser && f->json == s->schema.parser_format.json) return json_null();
    return sp_json_ref(f->json);
}

static json_t *stream_io_json(const vrv_spec_supervisor *s)
{
    const vrv_spec_stream_io *io = &s->io;
    bool kinesis = s->type == VRV_SPEC_KINESIS;
    json_t *o = json_object();
    if (kinesis) {
        set(o, "stream", json_string(io->stream));
        set(o, "inputFormat", input_format_json(s));
        set(o, "endpoint", json_string(io->endpoint));
    } else {
        set(o, "topic", io->topic ? json_string(io->topic) : json_null());
        if (io->topic_pattern) set(o, "topicPattern", json_string(io->topic_pattern));
        set(o, "inputFormat", input_format_json(s));
    }
    set(o, "replicas", jint(io->replicas));
    set(o, "taskCount", jint(io->task_count));
    set(o, "taskDuration", sp_duration_json(io->task_duration));
    if (!kinesis) {
        set(o, "consumerProperties", sp_json_ref(io->consumer_properties));
        set(o, "autoScalerConfig", autoscaler_json(&io->autoscaler));
        set(o, "pollTimeout", jint(io->poll_timeout_ms));
    }
    set(o, "startDelay", sp_duration_json(io->start_delay));
    set(o, "period", sp_duration_json(io->period));
    set(o, kinesis ? "useEarliestSequenceNumber" : "useEarliestOffset",
        json_boolean(io->use_earliest));
    set(o, "completionTimeout", sp_duration_json(io->completion_timeout));
    set(o, "lateMessageRejectionPeriod",
        opt_duration(io->has_late_rejection_period, io->late_rejection_period));
    set(o, "earlyMessageRejectionPeriod",
        opt_duration(io->has_early_rejection_period, io->early_rejection_period));
    set(o, "lateMessageRejectionStartDateTime",
        io->has_late_rejection_start ? sp_instant_json(io->late_rejection_start) : json_null());
    if (kinesis) {
        if (io->records_per_fetch) set(o, "recordsPerFetch", jint(io->records_per_fetch));
        if (io->fetch_delay_ms) set(o, "fetchDelayMillis", jint(io->fetch_delay_ms));
        if (io->aws_assumed_role_arn)
            set(o, "awsAssumedRoleArn", json_string(io->aws_assumed_role_arn));
        if (io->aws_external_id) set(o, "awsExternalId", json_string(io->aws_external_id));
        set(o, "autoScalerConfig", autoscaler_json(&io->autoscaler));
        if (io->deaggregate) set(o, "deaggregate", json_true());
    } else {
        set(o, "configOverrides", sp_json_ref(io->config_overrides));
    }
    set(o, "idleConfig", idle_json(&io->idle));
    if (io->stop_task_count) set(o, "stopTaskCount", jint(io->stop_task_count));
    if (io->server_priority_to_replicas)
        set(o, "serverPriorityToReplicas", sp_json_ref(io->server_priority_to_replicas));
    if (!kinesis) {
        set(o, "stream", json_string(io->topic ? io->topic : io->topic_pattern));
        set(o, "useEarliestSequenceNumber", json_boolean(io->use_earliest));
    }
    return o;
}

/* ---- supervisor -------------------------------------------------------------- */

json_t *vrv_spec_supervisor_to_json(const vrv_spec_supervisor *s, int suspended)
{
    json_t *ds = sp_data_schema_json(&s->schema);
    if (s->schema.has_parser) {
        /* The legacy parser is written back as submitted (it is the object
         * holding the translated parseSpec). */
        const json_t *base = s->nested ? json_object_get(s->json, "spec") : s->json;
        json_t *p = json_object_get(json_object_get(base, "dataSchema"), "parser");
        if (p) json_object_set(ds, "parser", p);
    }
    json_t *io = stream_io_json(s);
    json_t *tc = stream_tuning_json(s->type, &s->tuning);

    json_t *o = json_object();
    set(o, "type", json_string(vrv_spec_stream_type_name(s->type)));
    if (s->id_given) set(o, "id", json_string(s->id));
    /* The nested copy is separate JSON so either can be changed on its own. */
    set(o, "spec",
        json_pack("{s:o,s:o,s:o}", "dataSchema", json_deep_copy(ds), "ioConfig", json_deep_copy(io),
                  "tuningConfig", json_deep_copy(tc)));
    set(o, "dataSchema", ds);
    set(o, "tuningConfig", tc);
    set(o, "ioConfig", io);
    set(o, "context", sp_json_ref(s->context));
    set(o, "suspended", json_boolean(suspended >= 0 ? suspended != 0 : s->suspended));
    return o;
}
