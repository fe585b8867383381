/*
 * spec_batch.c — the native batch task spec (`index_parallel`, `index`): the
 * task envelope, the batch ioConfig (the inputSource and inputFormat
 * themselves are src/input's) and the batch tuningConfig with partitionsSpec,
 * with Druid's defaults and the rules of IndexTask, ParallelIndexSupervisorTask
 * and their tuning configs.
 */
#include <string.h>

#include "spec/spec_internal.h"

/* ---- partitionsSpec ------------------------------------------------------ */

static int parse_partitions(spec_ctx *c, const json_t *ps, const char *p, vrv_spec_partitions *out)
{
    int rc;
    const char *type;
    if ((rc = sp_str_req(c, ps, p, "type", &type))) return rc;
    out->given = true;
    if (strcmp(type, "dynamic") == 0) {
        out->type = VRV_SPEC_PART_DYNAMIC;
        if ((rc = sp_int_min(c, ps, p, "maxRowsPerSegment", 5000000, 1,
                             &out->max_rows_per_segment)) ||
            (rc = sp_i64_opt(c, ps, p, "maxTotalRows", 1, -1, &out->max_total_rows)))
            return rc;
        return 0;
    }
    bool target = sp_has(ps, "targetRowsPerSegment"), maxrows = sp_has(ps, "maxRowsPerSegment");
    if ((rc = sp_int_opt(c, ps, p, "targetRowsPerSegment", 1, 0, &out->target_rows_per_segment)) ||
        (rc = sp_int_opt(c, ps, p, "maxRowsPerSegment", 1, 0, &out->max_rows_per_segment_hint)))
        return rc;
    if (strcmp(type, "hashed") == 0) {
        out->type = VRV_SPEC_PART_HASHED;
        if ((rc = sp_int_opt(c, ps, p, "numShards", 1, 0, &out->num_shards)) ||
            (rc = sp_str_list(c, ps, p, "partitionDimensions", &out->partition_dimensions,
                              &out->n_partition_dimensions)))
            return rc;
        if (target && maxrows)
            return sp_fail(c, p, "maxRowsPerSegment",
                           "cannot be used together with targetRowsPerSegment");
        if ((target || maxrows) && out->num_shards)
            return sp_fail(c, p, "numShards", "cannot be used together with targetRowsPerSegment");
        if (maxrows) out->target_rows_per_segment = out->max_rows_per_segment_hint;
        /* A target of 5M rows when neither a shard count nor a target is set. */
        if (!out->num_shards && !out->target_rows_per_segment)
            out->target_rows_per_segment = 5000000;
        const char *fn;
        if ((rc = sp_str(c, ps, p, "partitionFunction", "murmur3_32_abs", &fn))) return rc;
        if (strcmp(fn, "murmur3_32_abs") != 0)
            return sp_fail(c, p, "partitionFunction", "must be murmur3_32_abs");
        return 0;
    }
    if (strcmp(type, "single_dim") == 0 || strcmp(type, "range") == 0) {
        if (type[0] == 's') {
            out->type = VRV_SPEC_PART_SINGLE_DIM;
            const char *dim;
            if ((rc = sp_str_req(c, ps, p, "partitionDimension", &dim))) return rc;
            const char **one = vrv_arena_alloc(c->arena, sizeof *one);
            one[0] = dim;
            out->partition_dimensions = one;
            out->n_partition_dimensions = 1;
        } else {
            out->type = VRV_SPEC_PART_RANGE;
            if ((rc = sp_str_list(c, ps, p, "partitionDimensions", &out->partition_dimensions,
                                  &out->n_partition_dimensions)))
                return rc;
            if (!out->n_partition_dimensions)
                return sp_fail(c, p, "partitionDimensions", "required");
        }
        if (target == maxrows)
            return sp_fail(c, p, "targetRowsPerSegment",
                           "exactly one of targetRowsPerSegment and maxRowsPerSegment is required");
        return sp_bool(c, ps, p, "assumeGrouped", false, &out->assume_grouped);
    }
    return sp_fail(c, p, "type", "must be one of dynamic, hashed, single_dim, range");
}

/* ---- tuningConfig -------------------------------------------------------- */

/* A Joda Duration field: ISO text or a number of milliseconds. */
static int duration_field(spec_ctx *c, const json_t *o, const char *path, const char *key,
                          const char *def, vrv_ms *out)
{
    json_t *v = sp_get(o, key);
    if (v && json_is_integer(v)) {
        *out = json_integer_value(v);
        if (*out < 1) return sp_fail(c, path, key, "must be >= 1");
        return 0;
    }
    return sp_period(c, o, path, key, def, 1, out, NULL);
}

static int parse_batch_tuning(spec_ctx *c, vrv_spec_batch_type type, const json_t *t,
                              const char *path, vrv_spec_batch_tuning *out)
{
    memset(out, 0, sizeof *out);
    int rc;
    const char *want = type == VRV_SPEC_INDEX ? "index" : "index_parallel", *tt;
    if ((rc = sp_str(c, t, path, "type", NULL, &tt))) return rc;
    if (tt && strcmp(tt, want) != 0) return sp_fail(c, path, "type", "must be %s", want);
    if ((rc = sp_tuning_common(c, t, path, true, &out->c))) return rc;

    if ((rc = sp_int_min(c, t, path, "maxColumnsToMerge", -1, -1, &out->max_columns_to_merge)) ||
        (rc = sp_bool(c, t, path, "forceGuaranteedRollup", false, &out->force_guaranteed_rollup)))
        return rc;
    const char *pkey = sp_has(t, "pushTimeout") ? "pushTimeout" : "publishTimeout";
    if ((rc = sp_i64_min(c, t, path, pkey, 0, 0, &out->push_timeout_ms))) return rc;
    int64_t await;
    if ((rc = sp_i64(c, t, path, "awaitSegmentAvailabilityTimeoutMillis", 0, &await))) return rc;
    out->await_segment_availability_timeout_ms = await < 0 ? 0 : await;

    /* Deprecated partitioning fields, used only without a partitionsSpec. */
    int max_rows = 0, target = 0, num_shards = 0;
    int64_t max_total = -1;
    const char **pdims;
    size_t npdims;
    if ((rc = sp_int_opt(c, t, path, "maxRowsPerSegment", 1, 0, &max_rows)) ||
        (rc = sp_int_opt(c, t, path, "targetPartitionSize", 1, 0, &target)) ||
        (rc = sp_i64_opt(c, t, path, "maxTotalRows", 1, -1, &max_total)) ||
        (rc = sp_int_opt(c, t, path, "numShards", 1, 0, &num_shards)) ||
        (rc = sp_str_list(c, t, path, "partitionDimensions", &pdims, &npdims)))
        return rc;
    if (sp_has(t, "maxRowsPerSegment") && sp_has(t, "targetPartitionSize"))
        return sp_fail(c, path, "targetPartitionSize",
                       "cannot be used together with maxRowsPerSegment");
    if (!max_rows) max_rows = target;

    vrv_spec_partitions *ps = &out->partitions;
    json_t *pso;
    if ((rc = sp_obj(c, t, path, "partitionsSpec", &pso))) return rc;
    const char *pspath = sp_path(c, path, "partitionsSpec");
    if (pso) {
        if ((rc = parse_partitions(c, pso, pspath, ps))) return rc;
        if (out->force_guaranteed_rollup && ps->type == VRV_SPEC_PART_DYNAMIC)
            return sp_fail(c, pspath, "type",
                           "dynamic partitioning cannot be used with forceGuaranteedRollup");
        if (!out->force_guaranteed_rollup && ps->type != VRV_SPEC_PART_DYNAMIC)
            return sp_fail(c, pspath, "type",
                           "must be dynamic unless forceGuaranteedRollup is true");
    } else if (out->force_guaranteed_rollup) {
        ps->type = VRV_SPEC_PART_HASHED;
        ps->given = max_rows || num_shards || npdims;
        ps->num_shards = num_shards;
        ps->target_rows_per_segment = num_shards ? 0 : max_rows ? max_rows : 5000000;
        ps->partition_dimensions = pdims;
        ps->n_partition_dimensions = npdims;
    } else {
        ps->type = VRV_SPEC_PART_DYNAMIC;
        ps->given = max_rows || max_total > 0;
        ps->max_rows_per_segment = max_rows ? max_rows : 5000000;
        ps->max_total_rows = max_total;
    }

    out->max_allowed_lock_count = -1;
    if (type == VRV_SPEC_INDEX) return 0;
    if ((rc = sp_obj(c, t, path, "splitHintSpec", &out->split_hint_spec))) return rc;
    if (out->split_hint_spec) {
        vrv_spec_sub shs;
        if ((rc = sp_sub(c, t, path, "splitHintSpec", false, &shs))) return rc;
    }
    if (sp_has(t, "maxNumSubTasks") && sp_has(t, "maxNumConcurrentSubTasks"))
        return sp_fail(c, path, "maxNumSubTasks",
                       "cannot be used together with maxNumConcurrentSubTasks");
    const char *skey = sp_has(t, "maxNumSubTasks") ? "maxNumSubTasks" : "maxNumConcurrentSubTasks";
    if ((rc = sp_int_min(c, t, path, skey, 1, 1, &out->max_num_concurrent_sub_tasks)) ||
        (rc = sp_int_min(c, t, path, "maxRetry", 3, 0, &out->max_retry)) ||
        (rc = sp_i64_min(c, t, path, "taskStatusCheckPeriodMs", 1000, 1,
                         &out->task_status_check_period_ms)) ||
        (rc = duration_field(c, t, path, "chatHandlerTimeout", "PT10S",
                             &out->chat_handler_timeout)) ||
        (rc = sp_int_min(c, t, path, "chatHandlerNumRetries", 5, 0,
                         &out->chat_handler_num_retries)) ||
        (rc = sp_int_min(c, t, path, "maxNumSegmentsToMerge", 100, 1,
                         &out->max_num_segments_to_merge)) ||
        (rc = sp_int_min(c, t, path, "totalNumMergeTasks", 10, 1, &out->total_num_merge_tasks)) ||
        (rc = sp_int(c, t, path, "maxAllowedLockCount", -1, &out->max_allowed_lock_count)))
        return rc;
    return 0;
}

/* ---- task envelope ------------------------------------------------------- */

static int parse_batch(spec_ctx *c, const json_t *json, vrv_spec_batch *out)
{
    int rc;
    if (!json_is_object(json))
        return vrv_error_set(c->err, VRV_EINVAL, "task spec: must be a JSON object");
    const char *type;
    if ((rc = sp_str_req(c, json, "", "type", &type))) return rc;
    if (strcmp(type, "index_parallel") == 0)
        out->type = VRV_SPEC_INDEX_PARALLEL;
    else if (strcmp(type, "index") == 0)
        out->type = VRV_SPEC_INDEX;
    else
        return sp_fail_code(c, VRV_EUNSUPPORTED, "", "type",
                            "unsupported task type '%s' (supported: index_parallel, index)", type);
    if ((rc = sp_str(c, json, "", "id", NULL, &out->id))) return rc;
    if (out->id && (rc = sp_validate_id(c, "", "id", out->id))) return rc;
    if ((rc = sp_obj(c, json, "", "context", &out->context))) return rc;

    json_t *spec;
    if ((rc = sp_obj(c, json, "", "spec", &spec))) return rc;
    if (!spec) return sp_fail(c, "", "spec", "required");
    json_t *ds, *io, *tc;
    if ((rc = sp_obj(c, spec, "spec", "dataSchema", &ds)) ||
        (rc = sp_obj(c, spec, "spec", "ioConfig", &io)) ||
        (rc = sp_obj(c, spec, "spec", "tuningConfig", &tc)))
        return rc;
    if (!ds) return sp_fail(c, "spec", "dataSchema", "required");
    if ((rc = sp_data_schema(c, ds, "spec.dataSchema", &out->schema))) return rc;
    if (!io) return sp_fail(c, "spec", "ioConfig", "required");

    const char *iop = "spec.ioConfig", *iot;
    const char *want = out->type == VRV_SPEC_INDEX ? "index" : "index_parallel";
    if ((rc = sp_str(c, io, iop, "type", NULL, &iot))) return rc;
    if (iot && strcmp(iot, want) != 0) return sp_fail(c, iop, "type", "must be %s", want);
    if (sp_has(io, "firehose"))
        return sp_fail_code(c, VRV_EUNSUPPORTED, iop, "firehose",
                            "firehose ingestion is not supported; use inputSource");
    if ((rc = sp_sub(c, io, iop, "inputSource", true, &out->input_source))) return rc;
    if (out->schema.has_parser)
        return sp_fail(c, "spec.dataSchema", "parser",
                       "cannot be used together with inputSource; use ioConfig.inputFormat "
                       "instead of parser");
    if ((rc = sp_sub(c, io, iop, "inputFormat", true, &out->input_format))) return rc;
    if ((rc = sp_bool(c, io, iop, "appendToExisting", false, &out->append_to_existing)) ||
        (rc = sp_bool(c, io, iop, "dropExisting", false, &out->drop_existing)))
        return rc;
    if (out->append_to_existing && out->drop_existing)
        return sp_fail(c, iop, "dropExisting", "cannot be true when appendToExisting is true");
    /* Replacing with dropExisting needs to know which intervals to drop. */
    if (out->drop_existing && out->schema.granularity.n_intervals == 0)
        return sp_fail(c, "spec.dataSchema.granularitySpec", "intervals",
                       "required when dropExisting is true");

    if ((rc = parse_batch_tuning(c, out->type, tc, "spec.tuningConfig", &out->tuning))) return rc;
    if (out->tuning.force_guaranteed_rollup && out->append_to_existing)
        return sp_fail(c, "spec.tuningConfig", "forceGuaranteedRollup",
                       "cannot be used with appendToExisting");
    return 0;
}

int vrv_spec_batch_parse(const json_t *json, const vrv_spec_opts *opts, vrv_spec_batch *out,
                         vrv_error *err)
{
    memset(out, 0, sizeof *out);
    vrv_error_clear(err);
    spec_ctx c;
    sp_ctx_init(&c, opts, err);
    int rc = parse_batch(&c, json, out);
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

void vrv_spec_batch_free(vrv_spec_batch *b)
{
    if (!b || !b->arena) return;
    json_decref(b->json);
    json_decref(b->built);
    vrv_arena_free(b->arena);
    memset(b, 0, sizeof *b);
}
