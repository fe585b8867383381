/*
 * spec_tuning.c — the tuningConfig fields every Druid ingestion task shares
 * (in-memory limits, indexSpec, parse-exception handling, persist threads),
 * with Druid's defaults and the resolution of maxBytesInMemory against the
 * task's memory budget. Streaming- and batch-only fields live with their
 * specs.
 */
#include <string.h>

#include "spec/spec_internal.h"

static const struct {
    const char *name;
    vrv_spec_compression c;
} compressions[] = {
    {"lz4", VRV_SPEC_COMP_LZ4},   {"lzf", VRV_SPEC_COMP_LZF},
    {"zstd", VRV_SPEC_COMP_ZSTD}, {"uncompressed", VRV_SPEC_COMP_UNCOMPRESSED},
    {"none", VRV_SPEC_COMP_NONE},
};

const char *vrv_spec_compression_name(vrv_spec_compression c)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(compressions); i++)
        if (compressions[i].c == c) return compressions[i].name;
    return "lz4";
}

static int parse_compression(spec_ctx *c, const json_t *o, const char *path, const char *key,
                             vrv_spec_compression *out, bool *given)
{
    const char *s;
    int rc = sp_str(c, o, path, key, NULL, &s);
    if (rc) return rc;
    if (given) *given = s != NULL;
    if (!s) {
        *out = VRV_SPEC_COMP_LZ4;
        return 0;
    }
    /* CompressionStrategy.fromString upper-cases, so any case is accepted. */
    for (size_t i = 0; i < VRV_ARRAY_LEN(compressions); i++) {
        if (strcasecmp(s, compressions[i].name) == 0) {
            *out = compressions[i].c;
            return 0;
        }
    }
    return sp_fail(c, path, key, "must be one of lz4, lzf, zstd, uncompressed, none");
}

static int parse_index_spec(spec_ctx *c, const json_t *t, const char *path, const char *key,
                            vrv_spec_index_spec *out, bool *given)
{
    memset(out, 0, sizeof *out);
    out->front_coded_bucket_size = 4;
    json_t *is;
    int rc = sp_obj(c, t, path, key, &is);
    if (rc) return rc;
    if (given) *given = is != NULL;
    if (!is) return 0;
    const char *p = sp_path(c, path, key);

    json_t *bm;
    if ((rc = sp_obj(c, is, p, "bitmap", &bm))) return rc;
    if (bm) {
        const char *bp = sp_path(c, p, "bitmap"), *bt;
        if ((rc = sp_str(c, bm, bp, "type", "roaring", &bt))) return rc;
        if (strcmp(bt, "roaring") == 0)
            out->bitmap = VRV_SPEC_BITMAP_ROARING;
        else if (strcmp(bt, "concise") == 0)
            out->bitmap = VRV_SPEC_BITMAP_CONCISE;
        else
            return sp_fail(c, bp, "type", "must be one of roaring, concise");
    }
    if ((rc = parse_compression(c, is, p, "dimensionCompression", &out->dimension_compression,
                                NULL)))
        return rc;
    if ((rc = parse_compression(c, is, p, "metricCompression", &out->metric_compression, NULL)))
        return rc;
    if ((rc = parse_compression(c, is, p, "complexMetricCompression",
                                &out->complex_metric_compression,
                                &out->has_complex_metric_compression)))
        return rc;
    if ((rc = parse_compression(c, is, p, "jsonCompression", &out->json_compression,
                                &out->has_json_compression)))
        return rc;
    const char *le;
    if ((rc = sp_str(c, is, p, "longEncoding", "longs", &le))) return rc;
    if (strcasecmp(le, "longs") == 0)
        out->long_encoding = VRV_SPEC_LONGS;
    else if (strcasecmp(le, "auto") == 0)
        out->long_encoding = VRV_SPEC_LONGS_AUTO;
    else
        return sp_fail(c, p, "longEncoding", "must be one of longs, auto");

    json_t *sde;
    if ((rc = sp_obj(c, is, p, "stringDictionaryEncoding", &sde))) return rc;
    if (sde) {
        const char *sp = sp_path(c, p, "stringDictionaryEncoding"), *st;
        if ((rc = sp_str(c, sde, sp, "type", "utf8", &st))) return rc;
        if (strcmp(st, "frontCoded") == 0) {
            out->front_coded = true;
            int b;
            if ((rc = sp_int(c, sde, sp, "bucketSize", 4, &b))) return rc;
            /* FrontCodedIndexed: a power of two from 1 to 128. */
            if (b < 1 || b > 128 || (b & (b - 1)))
                return sp_fail(c, sp, "bucketSize", "must be a power of two from 1 to 128");
            out->front_coded_bucket_size = b;
            if ((rc = sp_int(c, sde, sp, "formatVersion", 0, &out->front_coded_format_version)))
                return rc;
            if (out->front_coded_format_version != 0 && out->front_coded_format_version != 1)
                return sp_fail(c, sp, "formatVersion", "must be 0 or 1");
        } else if (strcmp(st, "utf8") != 0) {
            return sp_fail(c, sp, "type", "must be one of utf8, frontCoded");
        }
    }
    return 0;
}

int sp_tuning_common(spec_ctx *c, const json_t *t, const char *path, bool batch,
                     vrv_spec_tuning_common *out)
{
    memset(out, 0, sizeof *out);
    int rc;

    json_t *ais;
    if ((rc = sp_obj(c, t, path, "appendableIndexSpec", &ais))) return rc;
    if (ais) {
        const char *ap = sp_path(c, path, "appendableIndexSpec"), *at;
        if ((rc = sp_str(c, ais, ap, "type", "onheap", &at))) return rc;
        if (strcmp(at, "onheap") != 0)
            return sp_fail_code(c, VRV_EUNSUPPORTED, ap, "type",
                                "unsupported appendable index type '%s' (supported: onheap)", at);
        if ((rc = sp_bool(c, ais, ap, "preserveExistingMetrics", false,
                          &out->preserve_existing_metrics)))
            return rc;
    }

    /* Druid: 150000 for streaming (RealtimeTuningConfig), 1000000 for batch. */
    if ((rc = sp_int_min(c, t, path, "maxRowsInMemory", batch ? 1000000 : 150000, 1,
                         &out->max_rows_in_memory)))
        return rc;
    if ((rc = sp_i64_min(c, t, path, "maxBytesInMemory", 0, -1, &out->max_bytes_in_memory)))
        return rc;
    if (out->max_bytes_in_memory == 0)
        out->max_bytes_in_memory_effective = c->opts.memory_budget / 6;
    else if (out->max_bytes_in_memory < 0)
        out->max_bytes_in_memory_effective = INT64_MAX;
    else
        out->max_bytes_in_memory_effective = out->max_bytes_in_memory;
    if ((rc = sp_bool(c, t, path, "skipBytesInMemoryOverheadCheck", false,
                      &out->skip_bytes_in_memory_overhead_check)))
        return rc;
    if ((rc = sp_int_min(c, t, path, "maxPendingPersists", 0, 0, &out->max_pending_persists)))
        return rc;
    if ((rc = parse_index_spec(c, t, path, "indexSpec", &out->index_spec, NULL))) return rc;
    if ((rc = parse_index_spec(c, t, path, "indexSpecForIntermediatePersists",
                               &out->index_spec_intermediate, &out->has_index_spec_intermediate)))
        return rc;
    if (!out->has_index_spec_intermediate) out->index_spec_intermediate = out->index_spec;

    if ((rc = sp_bool(c, t, path, "reportParseExceptions", false, &out->report_parse_exceptions)))
        return rc;
    if ((rc = sp_bool(c, t, path, "logParseExceptions", false, &out->log_parse_exceptions)))
        return rc;
    int maxpe, maxsaved;
    if ((rc = sp_int_min(c, t, path, "maxParseExceptions", INT32_MAX, 0, &maxpe))) return rc;
    if ((rc = sp_int_min(c, t, path, "maxSavedParseExceptions", 0, 0, &maxsaved))) return rc;
    if (out->report_parse_exceptions) {
        /* The deprecated flag means: fail on the first bad row, keep at most one. */
        out->max_parse_exceptions = 0;
        out->max_saved_parse_exceptions = maxsaved < 1 ? maxsaved : 1;
    } else {
        out->max_parse_exceptions = maxpe;
        out->max_saved_parse_exceptions = maxsaved;
    }

    json_t *wo;
    if ((rc = sp_obj(c, t, path, "segmentWriteOutMediumFactory", &wo))) return rc;
    if (wo) {
        const char *wp = sp_path(c, path, "segmentWriteOutMediumFactory"), *wt;
        if ((rc = sp_str_req(c, wo, wp, "type", &wt))) return rc;
        if (strcmp(wt, "tmpFile") == 0)
            out->segment_write_out_medium = VRV_SPEC_WRITEOUT_TMP_FILE;
        else if (strcmp(wt, "offHeapMemory") == 0)
            out->segment_write_out_medium = VRV_SPEC_WRITEOUT_OFF_HEAP;
        else if (strcmp(wt, "onHeapMemory") == 0)
            out->segment_write_out_medium = VRV_SPEC_WRITEOUT_ON_HEAP;
        else
            return sp_fail(c, wp, "type", "must be one of tmpFile, offHeapMemory, onHeapMemory");
    }
    int npt;
    if ((rc = sp_int(c, t, path, "numPersistThreads", 1, &npt))) return rc;
    out->num_persist_threads = npt < 1 ? 1 : npt; /* Druid: max(n, 1) */
    return 0;
}
