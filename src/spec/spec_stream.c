/*
 * spec_stream.c — the streaming supervisor spec (`kafka`, `kinesis`): the
 * envelope (nested `spec` or legacy flattened form, id, context, suspended),
 * the ioConfig common to both streams and each stream's own fields,
 * autoScalerConfig (lagBased), idleConfig, and the streaming tuningConfig,
 * with Druid's defaults and validation rules.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>
#include <unistd.h>

#include "base/str.h"
#include "spec/spec_internal.h"

const char *vrv_spec_stream_type_name(vrv_spec_stream_type t)
{
    return t == VRV_SPEC_KINESIS ? "kinesis" : "kafka";
}

/* ---- shared setup -------------------------------------------------------- */

void sp_ctx_init(spec_ctx *c, const vrv_spec_opts *opts, vrv_error *err)
{
    memset(c, 0, sizeof *c);
    c->arena = vrv_arena_new(4096);
    c->err = err;
    c->built = json_array();
    if (opts) c->opts = *opts;
    if (c->opts.memory_budget <= 0) c->opts.memory_budget = VRV_SPEC_DEFAULT_MEMORY_BUDGET;
    if (c->opts.processors <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        c->opts.processors = n > 0 ? (int)n : 1;
    }
}

/* ---- autoScalerConfig ---------------------------------------------------- */

static int parse_autoscaler(spec_ctx *c, const json_t *a, const char *path,
                            vrv_spec_autoscaler *out)
{
    memset(out, 0, sizeof *out);
    if (!a) return 0;
    out->present = true;
    int rc;
    const char *strategy;
    if ((rc = sp_str(c, a, path, "autoScalerStrategy", "lagBased", &strategy))) return rc;
    if (strcmp(strategy, "lagBased") != 0)
        return sp_fail_code(c, VRV_EUNSUPPORTED, path, "autoScalerStrategy",
                            "unsupported strategy '%s' (supported: lagBased)", strategy);
    if ((rc = sp_bool(c, a, path, "enableTaskAutoScaler", false, &out->enabled))) return rc;
    if ((rc = sp_i64(c, a, path, "lagCollectionIntervalMillis", 30000,
                     &out->lag_collection_interval_ms)) ||
        (rc = sp_i64(c, a, path, "lagCollectionRangeMillis", 600000,
                     &out->lag_collection_range_ms)) ||
        (rc = sp_i64(c, a, path, "scaleActionStartDelayMillis", 300000,
                     &out->scale_action_start_delay_ms)) ||
        (rc = sp_i64(c, a, path, "scaleActionPeriodMillis", 60000, &out->scale_action_period_ms)) ||
        (rc = sp_i64(c, a, path, "scaleOutThreshold", 6000000, &out->scale_out_threshold)) ||
        (rc = sp_i64(c, a, path, "scaleInThreshold", 1000000, &out->scale_in_threshold)) ||
        (rc = sp_double(c, a, path, "triggerScaleOutFractionThreshold", 0.3,
                        &out->trigger_scale_out_fraction_threshold)) ||
        (rc = sp_double(c, a, path, "triggerScaleInFractionThreshold", 0.9,
                        &out->trigger_scale_in_fraction_threshold)) ||
        (rc = sp_int(c, a, path, "scaleInStep", 1, &out->scale_in_step)) ||
        (rc = sp_int(c, a, path, "scaleOutStep", 2, &out->scale_out_step)) ||
        (rc = sp_i64(c, a, path, "minTriggerScaleActionFrequencyMillis", 600000,
                     &out->min_trigger_scale_action_frequency_ms)))
        return rc;
    int max, min, start;
    if ((rc = sp_int(c, a, path, "taskCountMax", 0, &max)) ||
        (rc = sp_int(c, a, path, "taskCountMin", 0, &min)) ||
        (rc = sp_int(c, a, path, "taskCountStart", 0, &start)))
        return rc;
    const char *agg;
    if ((rc = sp_str(c, a, path, "lagAggregate", NULL, &agg))) return rc;
    if (agg) {
        if (strcmp(agg, "SUM") == 0)
            out->lag_aggregate = VRV_SPEC_LAG_SUM;
        else if (strcmp(agg, "MAX") == 0)
            out->lag_aggregate = VRV_SPEC_LAG_MAX;
        else if (strcmp(agg, "AVERAGE") == 0)
            out->lag_aggregate = VRV_SPEC_LAG_AVERAGE;
        else
            return sp_fail(c, path, "lagAggregate", "must be one of SUM, MAX, AVERAGE");
    }
    if (sp_has(a, "stopTaskCountRatio")) {
        if ((rc = sp_double(c, a, path, "stopTaskCountRatio", 0, &out->stop_task_count_ratio)))
            return rc;
        if (!(out->stop_task_count_ratio > 0 && out->stop_task_count_ratio <= 1))
            return sp_fail(c, path, "stopTaskCountRatio", "must be in (0, 1]");
        out->has_stop_task_count_ratio = true;
    }
    /* Druid ignores (and does not check) the counts of a disabled autoscaler,
     * so that an empty {} is harmless. */
    if (!out->enabled) return 0;
    if (!sp_has(a, "taskCountMax"))
        return sp_fail(c, path, "taskCountMax", "required when enableTaskAutoScaler is true");
    if (!sp_has(a, "taskCountMin"))
        return sp_fail(c, path, "taskCountMin", "required when enableTaskAutoScaler is true");
    if (min < 1) return sp_fail(c, path, "taskCountMin", "must be >= 1");
    if (max < min) return sp_fail(c, path, "taskCountMax", "must be >= taskCountMin");
    if (sp_has(a, "taskCountStart") && (start < min || start > max))
        return sp_fail(c, path, "taskCountStart", "must be between taskCountMin and taskCountMax");
    if (out->lag_collection_interval_ms < 1)
        return sp_fail(c, path, "lagCollectionIntervalMillis", "must be >= 1");
    if (out->lag_collection_range_ms < out->lag_collection_interval_ms)
        return sp_fail(c, path, "lagCollectionRangeMillis",
                       "must be >= lagCollectionIntervalMillis");
    if (out->scale_action_period_ms < 1)
        return sp_fail(c, path, "scaleActionPeriodMillis", "must be >= 1");
    if (out->scale_in_step < 0) return sp_fail(c, path, "scaleInStep", "must be >= 0");
    if (out->scale_out_step < 0) return sp_fail(c, path, "scaleOutStep", "must be >= 0");
    out->task_count_max = max;
    out->task_count_min = min;
    out->task_count_start = sp_has(a, "taskCountStart") ? start : 0;
    return 0;
}

static int parse_idle(spec_ctx *c, const json_t *o, const char *path, vrv_spec_idle *out)
{
    memset(out, 0, sizeof *out);
    out->inactive_after_ms = 600000;
    json_t *ic;
    int rc = sp_obj(c, o, path, "idleConfig", &ic);
    if (rc || !ic) return rc;
    const char *p = sp_path(c, path, "idleConfig");
    out->present = true;
    if ((rc = sp_bool(c, ic, p, "enabled", false, &out->enabled))) return rc;
    return sp_i64_min(c, ic, p, "inactiveAfterMillis", 600000, 1, &out->inactive_after_ms);
}

/* ---- ioConfig ------------------------------------------------------------ */

/* KinesisRegion: the enum Druid accepts for `region`. */
static const char *const kinesis_regions[] = {
    "us-east-2",      "us-east-1",      "us-west-1",      "us-west-2",      "ap-northeast-1",
    "ap-northeast-2", "ap-northeast-3", "ap-south-1",     "ap-southeast-1", "ap-southeast-2",
    "ca-central-1",   "cn-north-1",     "cn-northwest-1", "eu-central-1",   "eu-west-1",
    "eu-west-2",      "eu-west-3",      "sa-east-1",      "us-gov-west-1",
};

static int check_regex(spec_ctx *c, const char *path, const char *key, const char *re)
{
    int errcode;
    PCRE2_SIZE off;
    pcre2_code *code =
        pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &errcode, &off, NULL);
    if (!code) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(errcode, msg, sizeof msg);
        return sp_fail(c, path, key, "invalid regular expression at offset %zu: %s", (size_t)off,
                       (const char *)msg);
    }
    pcre2_code_free(code);
    return 0;
}

static int parse_kafka_io(spec_ctx *c, const json_t *io, const char *path, vrv_spec_stream_io *out)
{
    int rc;
    if ((rc = sp_str(c, io, path, "topic", NULL, &out->topic)) ||
        (rc = sp_str(c, io, path, "topicPattern", NULL, &out->topic_pattern)))
        return rc;
    if (out->topic && !*out->topic) return sp_fail(c, path, "topic", "must not be empty");
    if (out->topic_pattern && !*out->topic_pattern)
        return sp_fail(c, path, "topicPattern", "must not be empty");
    if (!out->topic == !out->topic_pattern)
        return sp_fail(c, path, "topic", "exactly one of topic and topicPattern is required");
    if (out->topic_pattern && (rc = check_regex(c, path, "topicPattern", out->topic_pattern)))
        return rc;

    json_t *cp;
    if ((rc = sp_obj(c, io, path, "consumerProperties", &cp))) return rc;
    if (!cp) return sp_fail(c, path, "consumerProperties", "required");
    json_t *bs = sp_get(cp, "bootstrap.servers");
    if (!bs) return sp_fail(c, path, "consumerProperties", "must contain bootstrap.servers");
    out->consumer_properties = cp;
    out->bootstrap_servers = json_is_string(bs) ? json_string_value(bs) : NULL;
    if ((rc = sp_i64_min(c, io, path, "pollTimeout", 100, 0, &out->poll_timeout_ms))) return rc;
    if ((rc = sp_bool(c, io, path, "useEarliestOffset", false, &out->use_earliest))) return rc;
    return sp_obj(c, io, path, "configOverrides", &out->config_overrides);
}

static int parse_kinesis_io(spec_ctx *c, const json_t *io, const char *path,
                            vrv_spec_stream_io *out)
{
    int rc;
    if ((rc = sp_str_req(c, io, path, "stream", &out->stream))) return rc;
    if ((rc = sp_str(c, io, path, "endpoint", NULL, &out->endpoint)) ||
        (rc = sp_str(c, io, path, "region", NULL, &out->region)))
        return rc;
    if (out->region) {
        size_t i;
        for (i = 0; i < VRV_ARRAY_LEN(kinesis_regions); i++)
            if (strcmp(out->region, kinesis_regions[i]) == 0) break;
        if (i == VRV_ARRAY_LEN(kinesis_regions))
            return sp_fail(c, path, "region",
                           "invalid region '%s' (one of us-east-2, us-east-1, us-west-1, "
                           "us-west-2, ap-northeast-1, ap-northeast-2, ap-northeast-3, "
                           "ap-south-1, ap-southeast-1, ap-southeast-2, ca-central-1, "
                           "cn-north-1, cn-northwest-1, eu-central-1, eu-west-1, eu-west-2, "
                           "eu-west-3, sa-east-1, us-gov-west-1)",
                           out->region);
    }
    if (!out->endpoint) {
        const char *r = out->region ? out->region : "us-east-1";
        out->endpoint = vrv_arena_printf(c->arena, "kinesis.%s.amazonaws.com%s", r,
                                         strncmp(r, "cn-", 3) == 0 ? ".cn" : "");
    }
    if ((rc = sp_bool(c, io, path, "useEarliestSequenceNumber", false, &out->use_earliest)) ||
        (rc = sp_int_min(c, io, path, "fetchDelayMillis", 0, 0, &out->fetch_delay_ms)) ||
        (rc = sp_int_opt(c, io, path, "recordsPerFetch", 1, 0, &out->records_per_fetch)) ||
        (rc = sp_str(c, io, path, "awsAssumedRoleArn", NULL, &out->aws_assumed_role_arn)) ||
        (rc = sp_str(c, io, path, "awsExternalId", NULL, &out->aws_external_id)) ||
        (rc = sp_bool(c, io, path, "deaggregate", false, &out->deaggregate)))
        return rc;
    return 0;
}

static int parse_stream_io(spec_ctx *c, vrv_spec_stream_type type, const json_t *io,
                           const char *path, const vrv_spec_data_schema *schema,
                           vrv_spec_stream_io *out)
{
    memset(out, 0, sizeof *out);
    int rc;
    const char *t;
    if ((rc = sp_str(c, io, path, "type", NULL, &t))) return rc;
    if (t && strcmp(t, vrv_spec_stream_type_name(type)) != 0)
        return sp_fail(c, path, "type", "must be %s", vrv_spec_stream_type_name(type));

    if ((rc = sp_sub(c, io, path, "inputFormat", false, &out->input_format))) return rc;
    /* An inputFormat wins over a legacy parser; one of them is needed. */
    if (!out->input_format.json) {
        if (!schema->has_parser) return sp_fail(c, path, "inputFormat", "required");
        out->input_format = schema->parser_format;
    }

    out->task_count_given = sp_has(io, "taskCount");
    if ((rc = sp_int_min(c, io, path, "taskCount", 1, 1, &out->task_count)) ||
        (rc = sp_int_min(c, io, path, "replicas", 1, 1, &out->replicas)) ||
        (rc = sp_period(c, io, path, "taskDuration", "PT1H", 1, &out->task_duration, NULL)) ||
        (rc = sp_period(c, io, path, "startDelay", "PT5S", 0, &out->start_delay, NULL)) ||
        (rc = sp_period(c, io, path, "period", "PT30S", 1, &out->period, NULL)) ||
        (rc = sp_period(c, io, path, "completionTimeout", "PT30M", 1, &out->completion_timeout,
                        NULL)))
        return rc;

    out->has_late_rejection_period = sp_has(io, "lateMessageRejectionPeriod");
    out->has_early_rejection_period = sp_has(io, "earlyMessageRejectionPeriod");
    if ((out->has_late_rejection_period &&
         (rc = sp_period(c, io, path, "lateMessageRejectionPeriod", NULL, 0,
                         &out->late_rejection_period, NULL))) ||
        (out->has_early_rejection_period &&
         (rc = sp_period(c, io, path, "earlyMessageRejectionPeriod", NULL, 0,
                         &out->early_rejection_period, NULL))) ||
        (rc = sp_instant(c, io, path, "lateMessageRejectionStartDateTime",
                         &out->has_late_rejection_start, &out->late_rejection_start)))
        return rc;
    if (out->has_late_rejection_period && out->has_late_rejection_start)
        return sp_fail(c, path, "lateMessageRejectionStartDateTime",
                       "cannot be used together with lateMessageRejectionPeriod");

    json_t *as;
    if ((rc = sp_obj(c, io, path, "autoScalerConfig", &as))) return rc;
    if ((rc = parse_autoscaler(c, as, sp_path(c, path, "autoScalerConfig"), &out->autoscaler)))
        return rc;
    if ((rc = parse_idle(c, io, path, &out->idle))) return rc;

    if ((rc = sp_int_opt(c, io, path, "stopTaskCount", 1, 0, &out->stop_task_count))) return rc;

    json_t *sp;
    if ((rc = sp_obj(c, io, path, "serverPriorityToReplicas", &sp))) return rc;
    if (sp) {
        const char *spp = sp_path(c, path, "serverPriorityToReplicas"), *k;
        json_t *v;
        json_object_foreach(sp, k, v)
        {
            int64_t prio, reps;
            if (!json_is_integer(v) || (reps = json_integer_value(v)) < 0 || reps > INT32_MAX)
                return sp_fail(c, spp, k, "must be a replica count >= 0");
            if (!vrv_str_to_i64(vrv_str_c(k), &prio) || prio < INT32_MIN || prio > INT32_MAX)
                return sp_fail(c, spp, k, "key must be an integer server priority");
        }
        out->server_priority_to_replicas = sp;
    }

    if (type == VRV_SPEC_KAFKA)
        rc = parse_kafka_io(c, io, path, out);
    else
        rc = parse_kinesis_io(c, io, path, out);
    if (rc) return rc;

    /* With the autoscaler on, the first task count comes from it unless the
     * spec carries an explicit count (an autoscaled value saved back). */
    if (out->autoscaler.enabled && !out->task_count_given)
        out->task_count = out->autoscaler.task_count_start ? out->autoscaler.task_count_start
                                                           : out->autoscaler.task_count_min;
    if (out->autoscaler.enabled && out->autoscaler.has_stop_task_count_ratio) {
        int s = (int)(out->task_count * out->autoscaler.stop_task_count_ratio);
        out->max_allowed_stops = s < 1 ? 1 : s;
    } else {
        out->max_allowed_stops = out->stop_task_count ? out->stop_task_count : out->task_count;
    }
    return 0;
}

/* ---- tuningConfig -------------------------------------------------------- */

static int parse_stream_tuning(spec_ctx *c, vrv_spec_stream_type type, const json_t *t,
                               const char *path, const vrv_spec_stream_io *io,
                               vrv_spec_stream_tuning *out)
{
    memset(out, 0, sizeof *out);
    int rc;
    const char *tt;
    if ((rc = sp_str(c, t, path, "type", NULL, &tt))) return rc;
    if (tt && strcmp(tt, vrv_spec_stream_type_name(type)) != 0)
        return sp_fail(c, path, "type", "must be %s", vrv_spec_stream_type_name(type));
    if ((rc = sp_tuning_common(c, t, path, false, &out->c))) return rc;

    if ((rc = sp_int_min(c, t, path, "maxRowsPerSegment", 5000000, 1, &out->max_rows_per_segment)))
        return rc;
    if ((rc = sp_i64_opt(c, t, path, "maxTotalRows", 1, -1, &out->max_total_rows))) return rc;
    out->max_total_rows_effective = out->max_total_rows > 0 ? out->max_total_rows : 20000000;

    if ((rc = sp_period(c, t, path, "intermediatePersistPeriod", "PT10M", 1,
                        &out->intermediate_persist_period,
                        &out->intermediate_persist_period_text)) ||
        (rc = sp_i64_min(c, t, path, "handoffConditionTimeout", type == VRV_SPEC_KAFKA ? 900000 : 0,
                         0, &out->handoff_condition_timeout_ms)) ||
        (rc = sp_bool(c, t, path, "resetOffsetAutomatically", false,
                      &out->reset_offset_automatically)) ||
        (rc = sp_bool(c, t, path, "skipSequenceNumberAvailabilityCheck", false,
                      &out->skip_sequence_number_availability_check)) ||
        (rc = sp_int_opt(c, t, path, "workerThreads", 1, 0, &out->worker_threads)) ||
        (rc = sp_i64_min(c, t, path, "chatRetries", 8, 0, &out->chat_retries)) ||
        (rc = sp_period(c, t, path, "httpTimeout", "PT10S", 1, &out->http_timeout, NULL)) ||
        (rc = sp_period(c, t, path, "shutdownTimeout", "PT80S", 1, &out->shutdown_timeout, NULL)) ||
        (rc = sp_period(c, t, path, "offsetFetchPeriod", "PT30S", 1, &out->offset_fetch_period,
                        NULL)) ||
        (rc = sp_period(c, t, path, "intermediateHandoffPeriod", "P2147483647D", 1,
                        &out->intermediate_handoff_period,
                        &out->intermediate_handoff_period_text)) ||
        (rc = sp_period(c, t, path, "repartitionTransitionDuration", "PT2M", 0,
                        &out->repartition_transition_duration, NULL)))
        return rc;
    /* The supervisor never polls offsets faster than every 5 s. */
    out->offset_fetch_period_effective =
        out->offset_fetch_period < 5000 ? 5000 : out->offset_fetch_period;
    int basis = io->autoscaler.enabled ? io->autoscaler.task_count_max : io->task_count;
    out->worker_threads_effective = out->worker_threads ? out->worker_threads
                                    : basis / 4 > 2     ? basis / 4
                                                        : 2;

    if (type == VRV_SPEC_KINESIS) {
        if ((rc = sp_int_opt(c, t, path, "recordBufferSizeBytes", 1, 0,
                             &out->record_buffer_size_bytes)) ||
            (rc = sp_int_min(c, t, path, "recordBufferOfferTimeout", 5000, 0,
                             &out->record_buffer_offer_timeout_ms)) ||
            (rc = sp_int_min(c, t, path, "recordBufferFullWait", 5000, 0,
                             &out->record_buffer_full_wait_ms)) ||
            (rc = sp_int_opt(c, t, path, "fetchThreads", 1, 0, &out->fetch_threads)) ||
            (rc = sp_int_opt(c, t, path, "maxBytesPerPoll", 1, 0, &out->max_bytes_per_poll)) ||
            (rc = sp_bool(c, t, path, "useListShards", false, &out->use_list_shards)) ||
            (rc = sp_int_opt(c, t, path, "recordBufferSize", 1, 0, &out->record_buffer_size)) ||
            (rc = sp_int_opt(c, t, path, "maxRecordsPerPoll", 1, 0, &out->max_records_per_poll)))
            return rc;
        if (out->reset_offset_automatically && out->skip_sequence_number_availability_check)
            return sp_fail(c, path, "resetOffsetAutomatically",
                           "cannot be used if skipSequenceNumberAvailabilityCheck=true");
        int64_t budget = c->opts.memory_budget;
        /* Record buffer: min(100 MB, 10% of the budget). */
        int64_t rb = budget / 10 < 100000000 ? budget / 10 : 100000000;
        out->record_buffer_size_bytes_effective =
            out->record_buffer_size_bytes ? out->record_buffer_size_bytes : (int)rb;
        /* Fetch threads: 2 per CPU, but each may hold a 10 MB GetRecords
         * response, so at most min(100 MB, 5% of the budget) / 10 MB of them. */
        int64_t fetch_mem = budget / 20 < 100000000 ? budget / 20 : 100000000;
        int64_t max_threads = fetch_mem / 10000000 > 1 ? fetch_mem / 10000000 : 1;
        int64_t ft = out->fetch_threads ? out->fetch_threads : 2LL * c->opts.processors;
        out->fetch_threads_effective = (int)(ft < max_threads ? ft : max_threads);
        out->max_bytes_per_poll_effective =
            out->max_bytes_per_poll ? out->max_bytes_per_poll : 1000000;
    }
    return 0;
}

/* ---- envelope ------------------------------------------------------------ */

static int parse_supervisor(spec_ctx *c, const json_t *json, vrv_spec_supervisor *out)
{
    int rc;
    if (!json_is_object(json))
        return vrv_error_set(c->err, VRV_EINVAL, "supervisor spec: must be a JSON object");
    const char *type;
    if ((rc = sp_str_req(c, json, "", "type", &type))) return rc;
    if (strcmp(type, "kafka") == 0)
        out->type = VRV_SPEC_KAFKA;
    else if (strcmp(type, "kinesis") == 0)
        out->type = VRV_SPEC_KINESIS;
    else
        return sp_fail_code(c, VRV_EUNSUPPORTED, "", "type",
                            "unsupported supervisor type '%s' (supported: kafka, kinesis)", type);

    json_t *spec;
    if ((rc = sp_obj(c, json, "", "spec", &spec))) return rc;
    const json_t *base = spec ? spec : json;
    const char *bpath = spec ? "spec" : "";
    out->nested = spec != NULL;

    json_t *ds, *io, *tc;
    if ((rc = sp_obj(c, base, bpath, "dataSchema", &ds)) ||
        (rc = sp_obj(c, base, bpath, "ioConfig", &io)) ||
        (rc = sp_obj(c, base, bpath, "tuningConfig", &tc)))
        return rc;
    if (!ds) return sp_fail(c, bpath, "dataSchema", "required");
    if ((rc = sp_data_schema(c, ds, sp_path(c, bpath, "dataSchema"), &out->schema))) return rc;
    if (!io) return sp_fail(c, bpath, "ioConfig", "required");
    if ((rc = parse_stream_io(c, out->type, io, sp_path(c, bpath, "ioConfig"), &out->schema,
                              &out->io)))
        return rc;
    if ((rc = parse_stream_tuning(c, out->type, tc, sp_path(c, bpath, "tuningConfig"), &out->io,
                                  &out->tuning)))
        return rc;

    if ((rc = sp_obj(c, json, "", "context", &out->context))) return rc;
    if ((rc = sp_bool(c, json, "", "suspended", false, &out->suspended))) return rc;
    const char *id;
    if ((rc = sp_str(c, json, "", "id", NULL, &id))) return rc;
    if (id) {
        if ((rc = sp_validate_id(c, "", "id", id))) return rc;
        out->id = id;
        out->id_given = true;
    } else {
        out->id = out->schema.data_source;
    }
    return 0;
}

int vrv_spec_supervisor_parse(const json_t *json, const vrv_spec_opts *opts,
                              vrv_spec_supervisor *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    vrv_error_clear(err);
    spec_ctx c;
    sp_ctx_init(&c, opts, err);
    int rc = parse_supervisor(&c, json, out);
    if (rc) {
        json_decref(c.built);
        vrv_arena_free(c.arena);
        memset(out, 0, sizeof *out);
        return rc;
    }
    out->arena = c.arena;
    out->built = c.built;
    out->json = json_incref((json_t *)json);
    return 0;
}

void vrv_spec_supervisor_free(vrv_spec_supervisor *s)
{
    if (!s || !s->arena) return;
    json_decref(s->json);
    json_decref(s->built);
    vrv_arena_free(s->arena);
    memset(s, 0, sizeof *s);
}
