/*
 * spec_schema.c — the dataSchema of every ingestion spec: dataSource,
 * timestampSpec, dimensionsSpec, metricsSpec (shape only), granularitySpec and
 * transformSpec, and the translation of the legacy `parser`/`parseSpec` form
 * into an inputFormat. Validation follows Druid's DataSchema, DimensionsSpec,
 * UniformGranularitySpec and TransformSpec; the effective dimension exclusion
 * set is computed, and ordered, as Druid computes and serialises it.
 */
#include <string.h>

#include "base/hash.h"
#include "spec/spec_internal.h"

/* ---- Java HashSet iteration order --------------------------------------- */

/* String.hashCode over the UTF-16 code units of a UTF-8 string. */
static int32_t java_string_hash(const char *s)
{
    uint32_t h = 0;
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        if (p[0] < 0x80) {
            cp = *p++;
        } else if (p[0] < 0xE0 && p[1]) {
            cp = ((uint32_t)(p[0] & 0x1F) << 6) | (p[1] & 0x3F);
            p += 2;
        } else if (p[0] < 0xF0 && p[1] && p[2]) {
            cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            p += 3;
        } else if (p[1] && p[2] && p[3]) {
            cp = ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
                 ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
            p += 4;
        } else {
            break;
        }
        if (cp > 0xFFFF) {
            cp -= 0x10000;
            h = 31 * h + (0xD800 + (cp >> 10));
            h = 31 * h + (0xDC00 + (cp & 0x3FF));
        } else {
            h = 31 * h + cp;
        }
    }
    return (int32_t)h;
}

static size_t java_bucket(const char *s, size_t cap)
{
    uint32_t h = (uint32_t)java_string_hash(s);
    h ^= h >> 16;
    return h & (cap - 1);
}

/* Table size of a HashMap that grew by inserting n keys one by one from the
 * default 16 (load factor 0.75). */
static size_t java_grown_cap(size_t n)
{
    size_t cap = 16;
    while (n > cap * 3 / 4) cap *= 2;
    return cap;
}

/* Table size of new HashSet<>(collection of n). */
static size_t java_copy_cap(size_t n)
{
    size_t want = (size_t)((float)n / 0.75f) + 1;
    if (want < 16) want = 16;
    size_t cap = 1;
    while (cap < want) cap *= 2;
    return cap;
}

/* Reorders v (distinct strings, in insertion order) into the iteration order
 * of a java.util.HashSet with the given table size: by bucket, and by insertion
 * order within a bucket (resizes keep that order). Stable insertion sort: the
 * sets here hold a handful of names. */
static void java_hashset_order(const char **v, size_t n, size_t cap)
{
    for (size_t i = 1; i < n; i++) {
        const char *x = v[i];
        size_t bx = java_bucket(x, cap), j = i;
        while (j > 0 && java_bucket(v[j - 1], cap) > bx) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

/* A small ordered string set (insertion order, no duplicates). */
typedef struct strset {
    const char **v;
    size_t n, cap;
} strset;

static bool strset_has(const strset *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i], x) == 0) return true;
    return false;
}

static void strset_add(spec_ctx *c, strset *s, const char *x)
{
    if (strset_has(s, x)) return;
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 8;
        const char **nv = vrv_arena_alloc(c->arena, ncap * sizeof *nv);
        if (s->n) memcpy(nv, s->v, s->n * sizeof *nv);
        s->v = nv;
        s->cap = ncap;
    }
    s->v[s->n++] = x;
}

/* ---- timestampSpec ------------------------------------------------------- */

static int parse_timestamp(spec_ctx *c, const json_t *ts, const char *path, vrv_spec_timestamp *out)
{
    if (!json_is_object(ts)) return sp_fail(c, path, NULL, "must be an object");
    int rc;
    if ((rc = sp_str(c, ts, path, "column", "timestamp", &out->column))) return rc;
    if ((rc = sp_str(c, ts, path, "format", "auto", &out->format))) return rc;
    if (!*out->format) return sp_fail(c, path, "format", "must not be empty");
    /* Compiled here only to refuse a bad pattern at submission; the row
     * pipeline compiles its own parser. */
    vrv_ts_parser tp;
    vrv_error e;
    if (vrv_ts_parser_init(&tp, out->format, &e) != 0)
        return sp_fail(c, path, "format", "%s", e.msg);
    out->format_kind = tp.kind;
    vrv_ts_parser_destroy(&tp);
    return sp_instant(c, ts, path, "missingValue", &out->has_missing_value, &out->missing_value);
}

/* ---- dimensionsSpec ------------------------------------------------------ */

static const struct {
    const char *name;
    vrv_spec_dim_type type;
} dim_types[] = {
    {"string", VRV_SPEC_DIM_STRING},   {"long", VRV_SPEC_DIM_LONG}, {"float", VRV_SPEC_DIM_FLOAT},
    {"double", VRV_SPEC_DIM_DOUBLE},   {"json", VRV_SPEC_DIM_JSON}, {"auto", VRV_SPEC_DIM_AUTO},
    {"spatial", VRV_SPEC_DIM_SPATIAL},
};

const char *vrv_spec_dim_type_name(vrv_spec_dim_type t)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(dim_types); i++)
        if (dim_types[i].type == t) return dim_types[i].name;
    return "string";
}

const char *vrv_spec_mvh_name(vrv_spec_mvh m)
{
    switch (m) {
    case VRV_SPEC_MVH_SORTED_SET:
        return "SORTED_SET";
    case VRV_SPEC_MVH_ARRAY:
        return "ARRAY";
    default:
        return "SORTED_ARRAY";
    }
}

static int parse_dimension(spec_ctx *c, const json_t *d, const char *path, vrv_spec_dimension *out)
{
    memset(out, 0, sizeof *out);
    out->create_bitmap_index = true;
    out->format_version = 5;
    if (json_is_string(d)) {
        /* A bare name is a string dimension. */
        out->name = json_string_value(d);
        if (!*out->name) return sp_fail(c, path, NULL, "dimension name must not be empty");
        return 0;
    }
    if (!json_is_object(d)) return sp_fail(c, path, NULL, "must be a string or an object");
    int rc;
    const char *type;
    if ((rc = sp_str(c, d, path, "type", "string", &type))) return rc;
    size_t i;
    for (i = 0; i < VRV_ARRAY_LEN(dim_types); i++)
        if (strcmp(type, dim_types[i].name) == 0) break;
    if (i == VRV_ARRAY_LEN(dim_types))
        return sp_fail(c, path, "type",
                       "unknown dimension type '%s' (expected string, long, float, double, json, "
                       "auto or spatial)",
                       type);
    out->type = dim_types[i].type;
    if ((rc = sp_str_req(c, d, path, "name", &out->name))) return rc;

    const char *mvh;
    if ((rc = sp_str(c, d, path, "multiValueHandling", NULL, &mvh))) return rc;
    if (mvh) {
        if (strcasecmp(mvh, "sorted_array") == 0)
            out->multi_value_handling = VRV_SPEC_MVH_SORTED_ARRAY;
        else if (strcasecmp(mvh, "sorted_set") == 0)
            out->multi_value_handling = VRV_SPEC_MVH_SORTED_SET;
        else if (strcasecmp(mvh, "array") == 0)
            out->multi_value_handling = VRV_SPEC_MVH_ARRAY;
        else
            return sp_fail(c, path, "multiValueHandling",
                           "must be one of SORTED_ARRAY, SORTED_SET, ARRAY");
    }
    switch (out->type) {
    case VRV_SPEC_DIM_STRING:
        if ((rc = sp_bool(c, d, path, "createBitmapIndex", true, &out->create_bitmap_index)))
            return rc;
        break;
    case VRV_SPEC_DIM_LONG:
    case VRV_SPEC_DIM_FLOAT:
    case VRV_SPEC_DIM_DOUBLE:
        /* Numeric dimensions never carry bitmap indexes in Druid. */
        out->create_bitmap_index = false;
        break;
    case VRV_SPEC_DIM_AUTO: {
        const char *cast;
        if ((rc = sp_str(c, d, path, "castToType", NULL, &cast))) return rc;
        if (cast) {
            if (!vrv_ctype_parse(cast, &out->cast_to_type) || out->cast_to_type == VRV_C_COMPLEX)
                return sp_fail(c, path, "castToType", "unknown type '%s'", cast);
            /* Expressions have no FLOAT, so auto columns store DOUBLE. */
            if (out->cast_to_type == VRV_C_FLOAT) out->cast_to_type = VRV_C_DOUBLE;
            out->has_cast_to_type = true;
        }
        break;
    }
    case VRV_SPEC_DIM_JSON:
        if ((rc = sp_int(c, d, path, "formatVersion", 5, &out->format_version))) return rc;
        if (out->format_version != 4 && out->format_version != 5)
            return sp_fail(c, path, "formatVersion", "must be 4 or 5");
        break;
    case VRV_SPEC_DIM_SPATIAL:
        if ((rc = sp_str_list(c, d, path, "dims", &out->spatial_dims, &out->n_spatial_dims)))
            return rc;
        if (!out->n_spatial_dims) return sp_fail(c, path, "dims", "required");
        break;
    }
    return 0;
}

static int parse_dimensions(spec_ctx *c, const json_t *ds, const char *path,
                            vrv_spec_dimensions *out, strset *user_excl)
{
    memset(out, 0, sizeof *out);
    if (!ds) {
        out->schemaless = true;
        return 0;
    }
    if (!json_is_object(ds)) return sp_fail(c, path, NULL, "must be an object");
    int rc;
    json_t *dims, *spatial;
    if ((rc = sp_arr(c, ds, path, "dimensions", &dims))) return rc;
    if ((rc = sp_arr(c, ds, path, "spatialDimensions", &spatial))) return rc;
    size_t nd = dims ? json_array_size(dims) : 0, ns = spatial ? json_array_size(spatial) : 0;
    out->dims = vrv_arena_calloc(c->arena, (nd + ns + 1) * sizeof *out->dims);
    const char *dpath = sp_path(c, path, "dimensions");
    vrv_map names;
    vrv_map_init(&names, false);
    for (size_t i = 0; i < nd && !rc; i++) {
        const char *ep = sp_path_idx(c, dpath, i);
        vrv_spec_dimension *d = &out->dims[out->n_dims];
        rc = parse_dimension(c, json_array_get(dims, i), ep, d);
        if (rc) break;
        bool ins;
        vrv_map_put(&names, d->name, strlen(d->name), &ins);
        if (!ins) {
            rc = sp_fail(c, ep, NULL, "duplicate dimension '%s'", d->name);
            break;
        }
        out->n_dims++;
    }
    /* Legacy spatialDimensions: {dimName, dims} become spatial dimensions after
     * the declared ones. */
    const char *spath = sp_path(c, path, "spatialDimensions");
    for (size_t i = 0; i < ns && !rc; i++) {
        const char *ep = sp_path_idx(c, spath, i);
        json_t *e = json_array_get(spatial, i);
        vrv_spec_dimension *d = &out->dims[out->n_dims];
        if (!json_is_object(e)) {
            rc = sp_fail(c, ep, NULL, "must be an object");
            break;
        }
        d->type = VRV_SPEC_DIM_SPATIAL;
        d->create_bitmap_index = true;
        d->format_version = 5;
        if ((rc = sp_str_req(c, e, ep, "dimName", &d->name))) break;
        if ((rc = sp_str_list(c, e, ep, "dims", &d->spatial_dims, &d->n_spatial_dims))) break;
        if (!d->n_spatial_dims) {
            rc = sp_fail(c, ep, "dims", "required");
            break;
        }
        bool ins;
        vrv_map_put(&names, d->name, strlen(d->name), &ins);
        if (!ins) {
            rc = sp_fail(c, ep, NULL, "duplicate dimension '%s'", d->name);
            break;
        }
        out->n_dims++;
    }
    if (rc) {
        vrv_map_destroy(&names);
        return rc;
    }
    const char **excl;
    size_t nexcl;
    if ((rc = sp_str_list(c, ds, path, "dimensionExclusions", &excl, &nexcl))) goto done;
    for (size_t i = 0; i < nexcl; i++) {
        if (vrv_map_get(&names, excl[i], strlen(excl[i]))) {
            rc = sp_fail(c, sp_path_idx(c, sp_path(c, path, "dimensionExclusions"), i), NULL,
                         "'%s' is also a dimension (dimensions and dimensionExclusions cannot "
                         "overlap)",
                         excl[i]);
            goto done;
        }
        strset_add(c, user_excl, excl[i]);
    }
    if ((rc = sp_bool(c, ds, path, "includeAllDimensions", false, &out->include_all_dimensions)))
        goto done;
    if ((rc = sp_bool(c, ds, path, "useSchemaDiscovery", false, &out->use_schema_discovery)))
        goto done;
    out->schemaless = out->n_dims == 0 && !out->use_schema_discovery;
done:
    vrv_map_destroy(&names);
    return rc;
}

/* ---- metricsSpec --------------------------------------------------------- */

/* The columns a query filter reads, as far as its JSON says: `dimension` or
 * `column`, and those of nested `field`/`fields` (not, and, or). */
static void filter_columns(spec_ctx *c, const json_t *f, strset *out, int depth)
{
    if (depth > 16 || !json_is_object(f)) return;
    json_t *d = json_object_get(f, "dimension");
    if (json_is_string(d)) strset_add(c, out, json_string_value(d));
    d = json_object_get(f, "column");
    if (json_is_string(d)) strset_add(c, out, json_string_value(d));
    filter_columns(c, json_object_get(f, "field"), out, depth + 1);
    json_t *fs = json_object_get(f, "fields");
    if (json_is_array(fs)) {
        size_t i;
        json_t *e;
        json_array_foreach(fs, i, e) filter_columns(c, e, out, depth + 1);
    }
}

/* The input fields an aggregator reads (Druid's requiredFields), as far as its
 * JSON says: the time column of first/last aggregators, fieldName, fieldNames,
 * and for a `filtered` aggregator those of the inner aggregator plus the
 * filter's columns. */
static void agg_required_fields(spec_ctx *c, const json_t *agg, strset *out, int depth)
{
    if (depth > 8 || !json_is_object(agg)) return;
    /* First/last aggregators read their time column before the field. */
    json_t *t = json_object_get(agg, "type");
    size_t tl = json_is_string(t) ? json_string_length(t) : 0;
    const char *ts = tl ? json_string_value(t) : "";
    if ((tl > 5 && strcmp(ts + tl - 5, "First") == 0) ||
        (tl > 4 && strcmp(ts + tl - 4, "Last") == 0)) {
        json_t *tc = json_object_get(agg, "timeColumn");
        strset_add(c, out, json_is_string(tc) ? json_string_value(tc) : "__time");
    }
    json_t *f = json_object_get(agg, "fieldName");
    if (json_is_string(f)) strset_add(c, out, json_string_value(f));
    json_t *fs = json_object_get(agg, "fieldNames");
    if (json_is_array(fs)) {
        size_t i;
        json_t *e;
        json_array_foreach(fs, i, e) if (json_is_string(e))
            strset_add(c, out, json_string_value(e));
    }
    json_t *inner = json_object_get(agg, "aggregator");
    if (json_is_object(inner)) {
        agg_required_fields(c, inner, out, depth + 1);
        filter_columns(c, json_object_get(agg, "filter"), out, 0);
    }
}

static int parse_metrics(spec_ctx *c, const json_t *ds, const char *path, vrv_spec_data_schema *out)
{
    json_t *m;
    int rc = sp_arr(c, ds, path, "metricsSpec", &m);
    if (rc || !m) return rc;
    size_t n = json_array_size(m);
    out->metrics = vrv_arena_calloc(c->arena, (n ? n : 1) * sizeof *out->metrics);
    const char *mpath = sp_path(c, path, "metricsSpec");
    for (size_t i = 0; i < n; i++) {
        const char *ep = sp_path_idx(c, mpath, i);
        json_t *e = json_array_get(m, i);
        if (!json_is_object(e)) return sp_fail(c, ep, NULL, "must be an object");
        vrv_spec_metric *mt = &out->metrics[i];
        if ((rc = sp_str_req(c, e, ep, "type", &mt->type))) return rc;
        if ((rc = sp_str_req(c, e, ep, "name", &mt->name))) return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->metrics[j].name, mt->name) == 0)
                return sp_fail(c, ep, "name", "duplicate aggregator name '%s'", mt->name);
        mt->agg.json = e;
        mt->agg.path = ep;
        out->n_metrics++;
    }
    return 0;
}

/* ---- granularitySpec ----------------------------------------------------- */

static int parse_granularity(spec_ctx *c, const json_t *gs, const char *path,
                             vrv_spec_granularity *out)
{
    int rc;
    if (gs && !json_is_object(gs)) return sp_fail(c, path, NULL, "must be an object");
    const char *type;
    if ((rc = sp_str(c, gs, path, "type", "uniform", &type))) return rc;
    if (strcmp(type, "uniform") == 0)
        out->arbitrary = false;
    else if (strcmp(type, "arbitrary") == 0)
        out->arbitrary = true;
    else
        return sp_fail(c, path, "type", "must be one of uniform, arbitrary");
    if (!out->arbitrary &&
        (rc = sp_granularity(c, gs, path, "segmentGranularity", "day", &out->segment)))
        return rc;
    if ((rc = sp_granularity(c, gs, path, "queryGranularity", "none", &out->query))) return rc;
    if ((rc = sp_bool(c, gs, path, "rollup", true, &out->rollup))) return rc;
    if (!out->arbitrary && sp_gran_coarser(&out->query, &out->segment))
        return sp_fail(c, path, "queryGranularity", "must not be coarser than segmentGranularity");

    json_t *iv;
    if ((rc = sp_arr(c, gs, path, "intervals", &iv))) return rc;
    size_t n = iv ? json_array_size(iv) : 0;
    out->intervals = vrv_arena_calloc(c->arena, (n ? n : 1) * sizeof *out->intervals);
    const char *ipath = sp_path(c, path, "intervals");
    for (size_t i = 0; i < n; i++) {
        if ((rc = sp_interval(c, json_array_get(iv, i), sp_path_idx(c, ipath, i),
                              &out->intervals[i])))
            return rc;
    }
    out->n_intervals = n;
    if (out->arbitrary) {
        /* ArbitraryGranularitySpec keeps a sorted set and refuses overlaps
         * (abutting intervals are fine). */
        for (size_t i = 1; i < n; i++) {
            vrv_interval x = out->intervals[i];
            size_t j = i;
            while (j > 0 && (out->intervals[j - 1].start > x.start ||
                             (out->intervals[j - 1].start == x.start &&
                              out->intervals[j - 1].end > x.end))) {
                out->intervals[j] = out->intervals[j - 1];
                j--;
            }
            out->intervals[j] = x;
        }
        size_t w = 0;
        for (size_t i = 0; i < n; i++) {
            if (w && out->intervals[w - 1].start == out->intervals[i].start &&
                out->intervals[w - 1].end == out->intervals[i].end)
                continue;
            if (w && out->intervals[i].start < out->intervals[w - 1].end)
                return sp_fail(c, path, "intervals", "intervals must not overlap");
            out->intervals[w++] = out->intervals[i];
        }
        out->n_intervals = w;
    }
    return 0;
}

/* ---- transformSpec ------------------------------------------------------- */

static int parse_transforms(spec_ctx *c, const json_t *ds, const char *path,
                            vrv_spec_data_schema *out)
{
    json_t *ts;
    int rc = sp_obj(c, ds, path, "transformSpec", &ts);
    if (rc || !ts) return rc;
    const char *tpath = sp_path(c, path, "transformSpec");
    json_t *arr;
    if ((rc = sp_arr(c, ts, tpath, "transforms", &arr))) return rc;
    size_t n = arr ? json_array_size(arr) : 0;
    out->transforms = vrv_arena_calloc(c->arena, (n ? n : 1) * sizeof *out->transforms);
    const char *apath = sp_path(c, tpath, "transforms");
    for (size_t i = 0; i < n; i++) {
        const char *ep = sp_path_idx(c, apath, i);
        json_t *e = json_array_get(arr, i);
        if (!json_is_object(e)) return sp_fail(c, ep, NULL, "must be an object");
        const char *type;
        if ((rc = sp_str_req(c, e, ep, "type", &type))) return rc;
        if (strcmp(type, "expression") != 0)
            return sp_fail(c, ep, "type", "unknown transform type '%s' (expected expression)",
                           type);
        vrv_spec_transform *t = &out->transforms[i];
        if ((rc = sp_str_req(c, e, ep, "name", &t->name))) return rc;
        if ((rc = sp_str_req(c, e, ep, "expression", &t->expression))) return rc;
        t->path = sp_path(c, ep, "expression");
        for (size_t j = 0; j < i; j++)
            if (strcmp(out->transforms[j].name, t->name) == 0)
                return sp_fail(c, ep, "name", "duplicate transform name '%s'", t->name);
        out->n_transforms++;
    }
    return sp_sub(c, ts, tpath, "filter", false, &out->filter);
}

/* ---- legacy parser --------------------------------------------------------- */

static void copy_field(json_t *dst, const char *dkey, const json_t *src, const char *skey)
{
    json_t *v = json_object_get(src, skey);
    if (v && !json_is_null(v)) json_object_set(dst, dkey, v);
}

/* Builds the inputFormat equivalent to a legacy parser. *ps receives the
 * parseSpec (for its timestampSpec/dimensionsSpec). */
static int translate_parser(spec_ctx *c, const json_t *parser, const char *path,
                            vrv_spec_sub *format, const json_t **ps_out)
{
    int rc;
    const char *ptype;
    if ((rc = sp_str(c, parser, path, "type", "string", &ptype))) return rc;
    json_t *ps;
    if ((rc = sp_obj(c, parser, path, "parseSpec", &ps))) return rc;
    if (!ps) return sp_fail(c, path, "parseSpec", "required");
    const char *pspath = sp_path(c, path, "parseSpec");
    const char *fmt;
    if ((rc = sp_str(c, ps, pspath, "format", NULL, &fmt))) return rc;
    json_t *f = sp_keep(c, json_object());

    if (strcmp(ptype, "string") == 0 || strcmp(ptype, "hadoopyString") == 0) {
        if (!fmt) return sp_fail(c, pspath, "format", "required");
        if (strcmp(fmt, "json") == 0) {
            json_object_set_new(f, "type", json_string("json"));
            copy_field(f, "flattenSpec", ps, "flattenSpec");
            copy_field(f, "featureSpec", ps, "featureSpec");
            copy_field(f, "keepNullColumns", ps, "keepNullColumns");
        } else if (strcmp(fmt, "csv") == 0 || strcmp(fmt, "tsv") == 0) {
            json_object_set_new(f, "type", json_string(fmt));
            copy_field(f, "columns", ps, "columns");
            if (fmt[0] == 't') copy_field(f, "delimiter", ps, "delimiter");
            copy_field(f, "listDelimiter", ps, "listDelimiter");
            copy_field(f, "findColumnsFromHeader", ps, "hasHeaderRow");
            copy_field(f, "skipHeaderRows", ps, "skipHeaderRows");
        } else if (strcmp(fmt, "regex") == 0) {
            json_object_set_new(f, "type", json_string("regex"));
            copy_field(f, "pattern", ps, "pattern");
            copy_field(f, "columns", ps, "columns");
            copy_field(f, "listDelimiter", ps, "listDelimiter");
        } else {
            return sp_fail_code(c, VRV_EUNSUPPORTED, pspath, "format",
                                "unsupported parseSpec format '%s' (supported: json, csv, tsv, "
                                "regex)",
                                fmt);
        }
    } else if (strcmp(ptype, "avro_stream") == 0) {
        json_t *dec;
        if ((rc = sp_obj(c, parser, path, "avroBytesDecoder", &dec))) return rc;
        if (!dec) return sp_fail(c, path, "avroBytesDecoder", "required");
        json_object_set_new(f, "type", json_string("avro_stream"));
        json_object_set(f, "avroBytesDecoder", dec);
        copy_field(f, "flattenSpec", ps, "flattenSpec");
        copy_field(f, "binaryAsString", parser, "binaryAsString");
    } else if (strcmp(ptype, "protobuf") == 0) {
        json_object_set_new(f, "type", json_string("protobuf"));
        json_t *dec = sp_get(parser, "protoBytesDecoder");
        if (dec) {
            json_object_set(f, "protoBytesDecoder", dec);
        } else {
            /* The oldest form names a descriptor file on the parser itself. */
            json_t *d = json_object();
            json_object_set_new(d, "type", json_string("file"));
            copy_field(d, "descriptor", parser, "descriptor");
            copy_field(d, "protoMessageType", parser, "protoMessageType");
            json_object_set_new(f, "protoBytesDecoder", d);
        }
        copy_field(f, "flattenSpec", ps, "flattenSpec");
    } else {
        return sp_fail_code(c, VRV_EUNSUPPORTED, path, "type",
                            "unsupported parser type '%s' (supported: string, avro_stream, "
                            "protobuf)",
                            ptype);
    }
    format->json = f;
    format->path = pspath;
    *ps_out = ps;
    return 0;
}

/* ---- dataSchema ---------------------------------------------------------- */

/* Druid's DataSchema.computeDimensionsSpec: exclusions, and the dimension /
 * metric name overlap check. */
static int compute_exclusions(spec_ctx *c, const char *path, vrv_spec_data_schema *s, strset *user)
{
    vrv_spec_dimensions *d = &s->dimensions;
    for (size_t i = 0; i < s->n_metrics; i++)
        for (size_t j = 0; j < d->n_dims; j++)
            if (strcmp(s->metrics[i].name, d->dims[j].name) == 0)
                return sp_fail(c, s->metrics[i].agg.path, "name",
                               "'%s' is also a dimension (dimensions and metrics cannot share "
                               "a name)",
                               s->metrics[i].name);

    /* new HashSet<>() filled in Druid's order, then minus the dimensions. */
    strset excl = {0};
    bool ts_is_dim = false;
    for (size_t j = 0; j < d->n_dims; j++)
        if (strcmp(d->dims[j].name, s->timestamp.column) == 0) ts_is_dim = true;
    if (!ts_is_dim) strset_add(c, &excl, s->timestamp.column);
    for (size_t i = 0; i < s->n_metrics; i++) {
        agg_required_fields(c, s->metrics[i].agg.json, &excl, 0);
        strset_add(c, &excl, s->metrics[i].name);
    }
    java_hashset_order(excl.v, excl.n, java_grown_cap(excl.n));
    strset diff = {0};
    for (size_t i = 0; i < excl.n; i++) {
        bool is_dim = false;
        for (size_t j = 0; j < d->n_dims && !is_dim; j++)
            is_dim = strcmp(d->dims[j].name, excl.v[i]) == 0;
        if (!is_dim) strset_add(c, &diff, excl.v[i]);
    }
    /* The user's set (a HashSet copy of their list), union the computed ones,
     * copied into the final HashSet. */
    java_hashset_order(user->v, user->n, java_copy_cap(user->n));
    strset all = {0};
    for (size_t i = 0; i < user->n; i++) strset_add(c, &all, user->v[i]);
    for (size_t i = 0; i < diff.n; i++) strset_add(c, &all, diff.v[i]);
    java_hashset_order(all.v, all.n, java_copy_cap(all.n));
    d->exclusions = all.v;
    d->n_exclusions = all.n;
    (void)path;
    return 0;
}

int sp_data_schema(spec_ctx *c, const json_t *ds, const char *path, vrv_spec_data_schema *out)
{
    memset(out, 0, sizeof *out);
    if (!json_is_object(ds)) return sp_fail(c, path, NULL, "must be an object");
    int rc;
    if ((rc = sp_str_req(c, ds, path, "dataSource", &out->data_source))) return rc;
    if ((rc = sp_validate_id(c, path, "dataSource", out->data_source))) return rc;

    json_t *parser = json_object_get(ds, "parser");
    const json_t *ps = NULL;
    if (parser && !json_is_null(parser)) {
        if (!json_is_object(parser)) return sp_fail(c, path, "parser", "must be an object");
        out->has_parser = true;
        if ((rc =
                 translate_parser(c, parser, sp_path(c, path, "parser"), &out->parser_format, &ps)))
            return rc;
    }

    const char *ps_path = out->has_parser ? out->parser_format.path : NULL;
    json_t *ts = sp_get(ds, "timestampSpec");
    if (ts) {
        if ((rc = parse_timestamp(c, ts, sp_path(c, path, "timestampSpec"), &out->timestamp)))
            return rc;
    } else if (ps && sp_has(ps, "timestampSpec")) {
        out->timestamp_from_parser = true;
        if ((rc = parse_timestamp(c, sp_get(ps, "timestampSpec"),
                                  sp_path(c, ps_path, "timestampSpec"), &out->timestamp)))
            return rc;
    } else {
        return sp_fail(c, path, "timestampSpec", "required");
    }

    strset user_excl = {0};
    json_t *dims = sp_get(ds, "dimensionsSpec");
    if (dims) {
        rc = parse_dimensions(c, dims, sp_path(c, path, "dimensionsSpec"), &out->dimensions,
                              &user_excl);
    } else if (ps && sp_has(ps, "dimensionsSpec")) {
        out->dimensions_from_parser = true;
        rc = parse_dimensions(c, sp_get(ps, "dimensionsSpec"),
                              sp_path(c, ps_path, "dimensionsSpec"), &out->dimensions, &user_excl);
    } else {
        rc = parse_dimensions(c, NULL, NULL, &out->dimensions, &user_excl);
    }
    if (rc) return rc;

    if ((rc = parse_metrics(c, ds, path, out))) return rc;
    json_t *gs;
    if ((rc = sp_obj(c, ds, path, "granularitySpec", &gs))) return rc;
    if ((rc = parse_granularity(c, gs, sp_path(c, path, "granularitySpec"), &out->granularity)))
        return rc;
    if ((rc = parse_transforms(c, ds, path, out))) return rc;
    return compute_exclusions(c, path, out, &user_excl);
}
