/*
 * query_parse.c — reading a Druid native query object into a vrv_query:
 * the query types' own fields, the shared ones (dataSource in every form,
 * intervals in every form, granularity, filter, virtual columns, aggregators,
 * post-aggregators) and the context. Validation follows the Java
 * constructors: what they reject is VRV_QERR_INVALID ("Json parse failed"),
 * an unknown or missing queryType is VRV_QERR_UNKNOWN_TYPE.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/vec.h"
#include "json/jutil.h"
#include "json/jwriter.h"
#include "query/query.h"

static const char *const type_names[] = {
    [VRV_Q_TIMESERIES] = "timeseries",
    [VRV_Q_TOPN] = "topN",
    [VRV_Q_GROUPBY] = "groupBy",
    [VRV_Q_SCAN] = "scan",
    [VRV_Q_TIME_BOUNDARY] = "timeBoundary",
    [VRV_Q_SEGMENT_METADATA] = "segmentMetadata",
    [VRV_Q_DATASOURCE_METADATA] = "dataSourceMetadata",
    [VRV_Q_SEARCH] = "search",
};

const char *vrv_query_type_name(vrv_query_type t)
{
    return type_names[t];
}

#define FAIL(...) return vrv_error_set(err, VRV_EINVAL, __VA_ARGS__)

/* ---- join conditions ---------------------------------------------------------- */

/* Trims blanks and the parentheses that enclose the whole of s[0..n). */
static void trim_outer(const char **s, size_t *n)
{
    for (;;) {
        while (*n && (**s == ' ' || **s == '\t' || **s == '\n' || **s == '\r')) (*s)++, (*n)--;
        while (*n && strchr(" \t\n\r", (*s)[*n - 1])) (*n)--;
        if (*n < 2 || (*s)[0] != '(' || (*s)[*n - 1] != ')') return;
        /* the first parenthesis must close at the very end */
        int depth = 0;
        char q = 0;
        size_t i;
        for (i = 0; i < *n; i++) {
            char c = (*s)[i];
            if (q) {
                if (c == '\\') i++;
                else if (c == q) q = 0;
            } else if (c == '\'' || c == '"') q = c;
            else if (c == '(') depth++;
            else if (c == ')' && --depth == 0) break;
        }
        if (i != *n - 1) return;
        (*s)++;
        *n -= 2;
    }
}

/* Offset of the first occurrence of the two-character operator op in s[0..n)
 * outside quotes and parentheses, or -1. */
static long find_top(const char *s, size_t n, const char *op)
{
    int depth = 0;
    char q = 0;
    for (size_t i = 0; i + 1 < n; i++) {
        char c = s[i];
        if (q) {
            if (c == '\\') i++;
            else if (c == q) q = 0;
        } else if (c == '\'' || c == '"') q = c;
        else if (c == '(') depth++;
        else if (c == ')') depth--;
        else if (depth == 0 && c == op[0] && s[i + 1] == op[1]) {
            /* "==" must not be the tail of "!=", "<=", ">=" or the head of "===" */
            if (op[0] == '=' && i > 0 && strchr("!<>=", s[i - 1])) continue;
            return (long)i;
        }
    }
    return -1;
}

/* The column a side names when it is nothing but an identifier, or NULL. */
static char *bare_column(const char *s, size_t n)
{
    vrv_expr *e;
    vrv_error perr;
    if (vrv_expr_parse(s, n, &e, &perr)) return NULL;
    char *out = NULL;
    if (vrv_expr_ninputs(e) == 1) {
        vrv_str in = vrv_expr_input(e, 0);
        vrv_buf a = VRV_BUF_INIT, b = VRV_BUF_INIT, id = VRV_BUF_INIT;
        vrv_expr_stringify(e, &a);
        vrv_buf_putc(&id, '"');
        for (size_t i = 0; i < in.n; i++) {
            if (in.p[i] == '"' || in.p[i] == '\\') vrv_buf_putc(&id, '\\');
            vrv_buf_putc(&id, in.p[i]);
        }
        vrv_buf_putc(&id, '"');
        vrv_expr *ie;
        if (vrv_expr_parse(id.data, id.len, &ie, &perr) == 0) {
            vrv_expr_stringify(ie, &b);
            if (a.len == b.len && memcmp(a.data, b.data, a.len) == 0) out = vrv_strndup(in.p, in.n);
            vrv_expr_free(ie);
        }
        vrv_buf_free(&a);
        vrv_buf_free(&b);
        vrv_buf_free(&id);
    }
    vrv_expr_free(e);
    return out;
}

/* Whether an expression reads a column with the right side's prefix. */
static bool reads_right(const char *s, size_t n, const char *prefix, bool *parsed)
{
    vrv_expr *e;
    vrv_error perr;
    *parsed = vrv_expr_parse(s, n, &e, &perr) == 0;
    if (!*parsed) return false;
    size_t pl = strlen(prefix);
    bool r = false;
    for (size_t i = 0; i < vrv_expr_ninputs(e); i++) {
        vrv_str in = vrv_expr_input(e, i);
        r |= in.n >= pl && memcmp(in.p, prefix, pl) == 0;
    }
    vrv_expr_free(e);
    return r;
}

static int add_join_conjunct(vrv_datasource *ds, const char *s, size_t n, const char *cond,
                             const char *path, vrv_error *err)
{
    trim_outer(&s, &n);
    long and = find_top(s, n, "&&");
    if (and >= 0) {
        int rc = add_join_conjunct(ds, s, (size_t)and, cond, path, err);
        if (rc) return rc;
        return add_join_conjunct(ds, s + and + 2, n - (size_t)and - 2, cond, path, err);
    }
    const char *prefix = ds->right_prefix;
    size_t pl = strlen(prefix);
    long eq = find_top(s, n, "==");
    if (eq < 0) {
        /* a constant: true adds nothing (a cross join), false matches nothing */
        vrv_expr *e;
        vrv_error perr;
        if (vrv_expr_parse(s, n, &e, &perr)) FAIL("%s: %s", path, perr.msg);
        vrv_value v;
        bool constant = vrv_expr_constant(e, &v);
        bool truthy = constant && vrv_expr_truthy(&v);
        vrv_expr_free(e);
        if (!constant)
            FAIL("%s: [%s] must be an equality of a left expression and a column with prefix [%s]",
                 path, cond, prefix);
        if (!truthy) ds->never = true;
        return 0;
    }
    const char *a = s, *b = s + eq + 2;
    size_t an = (size_t)eq, bn = n - (size_t)eq - 2;
    trim_outer(&a, &an);
    trim_outer(&b, &bn);
    char *ca = bare_column(a, an), *cb = bare_column(b, bn);
    bool ra = ca && strlen(ca) > pl && memcmp(ca, prefix, pl) == 0;
    bool rb = cb && strlen(cb) > pl && memcmp(cb, prefix, pl) == 0;
    const char *ls = ra ? b : a;
    size_t ln = ra ? bn : an;
    char *right = ra ? ca : rb ? cb : NULL;
    bool parsed = false;
    bool bad = !right || (ra && rb) || reads_right(ls, ln, prefix, &parsed) || !parsed;
    if (!bad) {
        ds->left_exprs = vrv_realloc(ds->left_exprs, (ds->nkeys + 1) * sizeof *ds->left_exprs);
        ds->right_keys = vrv_realloc(ds->right_keys, (ds->nkeys + 1) * sizeof *ds->right_keys);
        ds->left_exprs[ds->nkeys] = vrv_strndup(ls, ln);
        ds->right_keys[ds->nkeys] = vrv_strdup(right + pl);
        ds->nkeys++;
    }
    free(ca);
    free(cb);
    if (bad)
        FAIL("%s: [%s] must be an equality of a left expression and a column with prefix [%s]", path,
             cond, prefix);
    return 0;
}

/* Druid's JoinConditionAnalysis, for the hash join: the condition is split
 * into conjuncts; each is an equality of an expression over left columns
 * and a prefixed right column, or a constant. */
static int parse_join_condition(vrv_datasource *ds, const char *cond, const char *path,
                                vrv_error *err)
{
    vrv_expr *e;
    vrv_error perr;
    if (vrv_expr_parse(cond, strlen(cond), &e, &perr)) FAIL("%s: %s", path, perr.msg);
    vrv_expr_free(e);
    return add_join_conjunct(ds, cond, strlen(cond), cond, path, err);
}

/* ---- datasources ----------------------------------------------------------- */

static void ds_free(vrv_datasource *ds);
static int parse_query_obj(const json_t *j, const char *path, vrv_query **out, vrv_query_error *qerr);

static int parse_ds(const json_t *j, const char *path, vrv_datasource **out, vrv_query_error *qerr)
{
    vrv_error *err = &qerr->err;
    char p[VRV_JSON_PATH_MAX];
    vrv_datasource *ds = vrv_calloc(1, sizeof *ds);
    *out = ds;
    if (json_is_string(j)) {
        ds->kind = VRV_DS_TABLE;
        ds->name = vrv_strdup(json_string_value(j));
        return 0;
    }
    if (!json_is_object(j)) FAIL("%s: must be a string or an object", path);
    const char *type;
    int rc = vrv_json_req_string(j, "type", path, true, &type, err);
    if (rc) return rc;
    if (strcmp(type, "table") == 0) {
        const char *name;
        if ((rc = vrv_json_req_string(j, "name", path, true, &name, err))) return rc;
        ds->kind = VRV_DS_TABLE;
        ds->name = vrv_strdup(name);
    } else if (strcmp(type, "union") == 0) {
        ds->kind = VRV_DS_UNION;
        const json_t *arr;
        if ((rc = vrv_json_get_array(j, "dataSources", path, true, &arr, err))) return rc;
        if (json_array_size(arr) == 0) FAIL("%s.dataSources: must not be empty", path);
        ds->names = vrv_calloc(json_array_size(arr), sizeof *ds->names);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const json_t *e = json_array_get(arr, i);
            const char *nm = json_string_value(e);
            if (!nm && json_is_object(e)) nm = json_string_value(json_object_get(e, "name"));
            if (!nm) FAIL("%s.dataSources[%zu]: must be a table name", path, i);
            ds->names[ds->nnames++] = vrv_strdup(nm);
        }
    } else if (strcmp(type, "inline") == 0) {
        ds->kind = VRV_DS_INLINE;
        const json_t *cols, *types, *rows;
        if ((rc = vrv_json_get_array(j, "columnNames", path, true, &cols, err))) return rc;
        if ((rc = vrv_json_get_array(j, "columnTypes", path, false, &types, err))) return rc;
        if ((rc = vrv_json_get_array(j, "rows", path, true, &rows, err))) return rc;
        size_t nc = json_array_size(cols);
        if (types && json_array_size(types) != nc)
            FAIL("%s.columnTypes: must have as many entries as columnNames", path);
        ds->columns = vrv_calloc(nc ? nc : 1, sizeof *ds->columns);
        ds->types = vrv_calloc(nc ? nc : 1, sizeof *ds->types);
        for (size_t i = 0; i < nc; i++) {
            const char *nm = json_string_value(json_array_get(cols, i));
            if (!nm) FAIL("%s.columnNames[%zu]: must be a string", path, i);
            ds->columns[ds->ncolumns++] = vrv_strdup(nm);
            ds->types[i] = VRV_C_STRING;
            const json_t *t = types ? json_array_get(types, i) : NULL;
            if (t && !json_is_null(t)) {
                if (!json_is_string(t) || !vrv_ctype_parse(json_string_value(t), &ds->types[i]))
                    FAIL("%s.columnTypes[%zu]: unknown type", path, i);
            }
        }
        for (size_t r = 0; r < json_array_size(rows); r++) {
            const json_t *row = json_array_get(rows, r);
            if (!json_is_array(row)) FAIL("%s.rows[%zu]: must be an array", path, r);
            if (json_array_size(row) != nc)
                FAIL("%s.rows[%zu]: must have %zu values", path, r, nc);
        }
        ds->rows = json_incref((json_t *)rows);
    } else if (strcmp(type, "query") == 0) {
        ds->kind = VRV_DS_QUERY;
        const json_t *sub;
        if ((rc = vrv_json_get_object(j, "query", path, true, &sub, err))) return rc;
        rc = parse_query_obj(sub, vrv_json_path_key(p, path, "query"), &ds->query, qerr);
        if (rc) return rc;
    } else if (strcmp(type, "join") == 0) {
        ds->kind = VRV_DS_JOIN;
        const json_t *l = json_object_get(j, "left"), *r = json_object_get(j, "right");
        if (!l || json_is_null(l)) FAIL("%s.left: required", path);
        if (!r || json_is_null(r)) FAIL("%s.right: required", path);
        if ((rc = parse_ds(l, vrv_json_path_key(p, path, "left"), &ds->left, qerr))) return rc;
        if ((rc = parse_ds(r, vrv_json_path_key(p, path, "right"), &ds->right, qerr))) return rc;
        if (ds->right->kind != VRV_DS_INLINE && ds->right->kind != VRV_DS_QUERY &&
            ds->right->kind != VRV_DS_TABLE)
            FAIL("%s.right: must be an inline, query or table datasource", path);
        const char *prefix, *cond, *jt;
        if ((rc = vrv_json_req_string(j, "rightPrefix", path, true, &prefix, err))) return rc;
        if (strcmp(prefix, "__time") == 0 || strncmp("__time", prefix, strlen(prefix)) == 0)
            FAIL("%s.rightPrefix: [%s] must not be a prefix of the reserved column [__time]", path,
                 prefix);
        if ((rc = vrv_json_req_string(j, "condition", path, true, &cond, err))) return rc;
        if ((rc = vrv_json_get_string(j, "joinType", path, "INNER", &jt, err))) return rc;
        if (strcasecmp(jt, "INNER") == 0) ds->join_type = VRV_JOIN_INNER;
        else if (strcasecmp(jt, "LEFT") == 0) ds->join_type = VRV_JOIN_LEFT;
        else FAIL("%s.joinType: [%s] is not supported (INNER or LEFT)", path, jt);
        ds->right_prefix = vrv_strdup(prefix);
        char cp[VRV_JSON_PATH_MAX];
        if ((rc = parse_join_condition(ds, cond, vrv_json_path_key(cp, path, "condition"), err)))
            return rc;
    } else if (strcmp(type, "lookup") == 0) {
        return vrv_error_set(err, VRV_EUNSUPPORTED, "%s: lookup datasources are not supported",
                             path);
    } else {
        FAIL("%s.type: unknown datasource type [%s]", path, type);
    }
    return 0;
}

static void ds_free(vrv_datasource *ds)
{
    if (!ds) return;
    free(ds->name);
    for (size_t i = 0; i < ds->nnames; i++) free(ds->names[i]);
    free(ds->names);
    for (size_t i = 0; i < ds->ncolumns; i++) free(ds->columns[i]);
    free(ds->columns);
    free(ds->types);
    json_decref(ds->rows);
    vrv_query_free(ds->query);
    ds_free(ds->left);
    ds_free(ds->right);
    free(ds->right_prefix);
    for (size_t i = 0; i < ds->nkeys; i++) {
        free(ds->left_exprs[i]);
        free(ds->right_keys[i]);
    }
    free(ds->left_exprs);
    free(ds->right_keys);
    free(ds);
}

/* ---- intervals -------------------------------------------------------------- */

static int add_interval_text(vrv_query *q, const char *s, size_t n, const char *path,
                             vrv_error *err)
{
    vrv_interval iv;
    vrv_error e2;
    if (vrv_interval_parse(s, n, &iv, &e2)) FAIL("%s: %s", path, e2.msg);
    q->intervals = vrv_realloc(q->intervals, (q->nintervals + 1) * sizeof *q->intervals);
    q->intervals[q->nintervals++] = iv;
    return 0;
}

static int parse_intervals(const json_t *j, const char *path, vrv_query *q, vrv_error *err)
{
    char p[VRV_JSON_PATH_MAX];
    if (json_is_string(j)) {
        const char *s = json_string_value(j);
        const char *start = s;
        for (;;) {
            const char *c = strchr(start, ',');
            size_t n = c ? (size_t)(c - start) : strlen(start);
            int rc = add_interval_text(q, start, n, path, err);
            if (rc) return rc;
            if (!c) break;
            start = c + 1;
        }
    } else if (json_is_array(j)) {
        for (size_t i = 0; i < json_array_size(j); i++) {
            const json_t *e = json_array_get(j, i);
            if (!json_is_string(e)) FAIL("%s[%zu]: must be a string", path, i);
            int rc = add_interval_text(q, json_string_value(e), json_string_length(e),
                                       vrv_json_path_index(p, path, i), err);
            if (rc) return rc;
        }
    } else if (json_is_object(j)) {
        const char *type = json_string_value(json_object_get(j, "type"));
        if (type && strcmp(type, "intervals") == 0) {
            const json_t *arr = json_object_get(j, "intervals");
            if (!json_is_array(arr)) FAIL("%s.intervals: must be an array", path);
            return parse_intervals(arr, vrv_json_path_key(p, path, "intervals"), q, err);
        } else if (type && strcmp(type, "segments") == 0) {
            const json_t *arr = json_object_get(j, "segments");
            if (!json_is_array(arr)) FAIL("%s.segments: must be an array", path);
            for (size_t i = 0; i < json_array_size(arr); i++) {
                const json_t *e = json_array_get(arr, i);
                const char *itvl = json_string_value(json_object_get(e, "itvl"));
                if (!itvl) FAIL("%s.segments[%zu].itvl: required", path, i);
                int rc = add_interval_text(q, itvl, strlen(itvl), path, err);
                if (rc) return rc;
            }
        } else {
            FAIL("%s.type: must be intervals or segments", path);
        }
    } else {
        FAIL("%s: must be a list of intervals", path);
    }
    q->nintervals = vrv_interval_condense(q->intervals, q->nintervals);
    q->intervals_given = true;
    return 0;
}

/* ---- context ------------------------------------------------------------------ */

static int parse_ctx(const json_t *j, vrv_query_ctx *c, vrv_error *err)
{
    const char *P = "context";
    c->timeout = 300000;
    c->finalize = true;
    c->use_cache = c->populate_cache = c->use_result_cache = c->populate_result_cache = true;
    c->min_topn_threshold = 1000;
    c->max_rows_queued_for_ordering = 100000;
    c->max_segment_partitions_ordered = 50;
    if (!j || json_is_null(j)) return 0;
    if (!json_is_object(j)) FAIL("context: must be an object");
    int rc = 0;
    rc = rc ? rc : vrv_json_get_int64(j, "timeout", P, 300000, &c->timeout, err);
    rc = rc ? rc : vrv_json_get_int64(j, "priority", P, 0, &c->priority, err);
    rc = rc ? rc : vrv_json_get_bool(j, "useCache", P, true, &c->use_cache, err);
    rc = rc ? rc : vrv_json_get_bool(j, "populateCache", P, true, &c->populate_cache, err);
    rc = rc ? rc : vrv_json_get_bool(j, "useResultLevelCache", P, true, &c->use_result_cache, err);
    rc = rc ? rc
            : vrv_json_get_bool(j, "populateResultLevelCache", P, true,
                                &c->populate_result_cache, err);
    rc = rc ? rc : vrv_json_get_bool(j, "skipEmptyBuckets", P, false, &c->skip_empty_buckets, err);
    rc = rc ? rc : vrv_json_get_bool(j, "grandTotal", P, false, &c->grand_total, err);
    rc = rc ? rc : vrv_json_get_bool(j, "finalize", P, true, &c->finalize, err);
    rc = rc ? rc : vrv_json_get_bool(j, "bySegment", P, false, &c->by_segment, err);
    rc = rc ? rc
            : vrv_json_get_bool(j, "serializeDateTimeAsLong", P, false, &c->serialize_dt_long, err);
    rc = rc ? rc
            : vrv_json_get_int64(j, "minTopNThreshold", P, 1000, &c->min_topn_threshold, err);
    rc = rc ? rc : vrv_json_get_bool(j, "sortByDimsFirst", P, false, &c->sort_by_dims_first, err);
    rc = rc ? rc : vrv_json_get_bool(j, "resultAsArray", P, false, &c->result_as_array, err);
    rc = rc ? rc
            : vrv_json_get_bool(j, "writeExceptionBodyAsResponseRow", P, false,
                                &c->write_exception_row, err);
    rc = rc ? rc
            : vrv_json_get_int64(j, "maxRowsQueuedForOrdering", P, 100000,
                                 &c->max_rows_queued_for_ordering, err);
    rc = rc ? rc
            : vrv_json_get_int64(j, "maxSegmentPartitionsOrderedInMemory", P, 50,
                                 &c->max_segment_partitions_ordered, err);
    if (rc) return rc;
    if (c->timeout < 0) FAIL("context.timeout: must be >= 0");
    const json_t *qid = json_object_get(j, "queryId");
    if (json_is_string(qid)) c->query_id = vrv_strdup(json_string_value(qid));
    return 0;
}

/* ---- dimension specs, orderings ------------------------------------------------ */

static int parse_dimspec(const json_t *j, const char *path, vrv_dimspec *d, vrv_error *err)
{
    d->output_type = VRV_C_STRING;
    if (json_is_string(j)) {
        if (json_string_length(j) == 0) FAIL("%s: dimension must not be empty", path);
        d->dimension = vrv_strdup(json_string_value(j));
        d->output_name = vrv_strdup(d->dimension);
        return 0;
    }
    if (!json_is_object(j)) FAIL("%s: must be a string or a dimensionSpec", path);
    const char *type, *dim, *out, *ot;
    int rc = vrv_json_get_string(j, "type", path, "default", &type, err);
    if (rc) return rc;
    if (strcmp(type, "default") != 0)
        return vrv_error_set(err, VRV_EUNSUPPORTED, "%s.type: dimensionSpec [%s] is not supported",
                             path, type);
    if (json_object_get(j, "extractionFn") && !json_is_null(json_object_get(j, "extractionFn")))
        return vrv_error_set(err, VRV_EUNSUPPORTED, "%s.extractionFn: not supported", path);
    if ((rc = vrv_json_req_string(j, "dimension", path, true, &dim, err))) return rc;
    if ((rc = vrv_json_get_string(j, "outputName", path, dim, &out, err))) return rc;
    if ((rc = vrv_json_get_string(j, "outputType", path, "STRING", &ot, err))) return rc;
    if (!vrv_ctype_parse(ot, &d->output_type) ||
        (d->output_type != VRV_C_STRING && !vrv_ctype_is_numeric(d->output_type) &&
         d->output_type != VRV_C_ARRAY_STRING && d->output_type != VRV_C_ARRAY_LONG &&
         d->output_type != VRV_C_ARRAY_DOUBLE))
        FAIL("%s.outputType: unknown type [%s]", path, ot);
    d->dimension = vrv_strdup(dim);
    d->output_name = vrv_strdup(out);
    return 0;
}

static int parse_ordering(const json_t *j, const char *path, vrv_order *out, vrv_error *err)
{
    if (!j || json_is_null(j)) {
        *out = VRV_ORDER_LEXICOGRAPHIC;
        return 0;
    }
    const char *s = json_string_value(j);
    if (json_is_object(j)) s = json_string_value(json_object_get(j, "type"));
    if (!s || !vrv_order_parse(vrv_str_c(s), out)) FAIL("%s: unknown ordering", path);
    return 0;
}

/* ---- having ------------------------------------------------------------------ */

static void having_free(vrv_having *h)
{
    if (!h) return;
    free(h->name);
    free(h->str);
    for (size_t i = 0; i < h->nsubs; i++) having_free(h->subs[i]);
    free(h->subs);
    vrv_filter_free(h->filter);
    free(h);
}

static int parse_having(const json_t *j, const char *path, vrv_having **out, vrv_error *err)
{
    char p[VRV_JSON_PATH_MAX];
    if (!json_is_object(j)) FAIL("%s: must be an object", path);
    vrv_having *h = vrv_calloc(1, sizeof *h);
    *out = h;
    const char *type;
    int rc = vrv_json_req_string(j, "type", path, true, &type, err);
    if (rc) return rc;
    if (!strcmp(type, "greaterThan") || !strcmp(type, "lessThan") || !strcmp(type, "equalTo")) {
        h->type = type[0] == 'g' ? VRV_H_GREATER : type[0] == 'l' ? VRV_H_LESS : VRV_H_EQUAL;
        const char *agg;
        if ((rc = vrv_json_req_string(j, "aggregation", path, false, &agg, err))) return rc;
        h->name = vrv_strdup(agg);
        const json_t *v = json_object_get(j, "value");
        if (json_is_integer(v)) h->value = vrv_long(json_integer_value(v));
        else if (json_is_real(v)) h->value = vrv_double(json_real_value(v));
        else if (json_is_string(v)) {
            int64_t l;
            double d;
            vrv_str s = vrv_str_c(json_string_value(v));
            if (vrv_str_to_i64(s, &l)) h->value = vrv_long(l);
            else if (vrv_str_to_double(s, &d)) h->value = vrv_double(d);
            else FAIL("%s.value: must be a number", path);
        } else if (!v || json_is_null(v)) {
            if (h->type != VRV_H_EQUAL) FAIL("%s.value: required", path);
            h->value = vrv_null();
        } else FAIL("%s.value: must be a number", path);
    } else if (!strcmp(type, "dimSelector")) {
        h->type = VRV_H_DIM_SELECTOR;
        const char *d, *v;
        if ((rc = vrv_json_req_string(j, "dimension", path, true, &d, err))) return rc;
        if ((rc = vrv_json_get_string(j, "value", path, NULL, &v, err))) return rc;
        if (json_object_get(j, "extractionFn") && !json_is_null(json_object_get(j, "extractionFn")))
            return vrv_error_set(err, VRV_EUNSUPPORTED, "%s.extractionFn: not supported", path);
        h->name = vrv_strdup(d);
        h->str = v ? vrv_strdup(v) : NULL;
    } else if (!strcmp(type, "and") || !strcmp(type, "or")) {
        h->type = type[0] == 'a' ? VRV_H_AND : VRV_H_OR;
        const json_t *arr;
        if ((rc = vrv_json_get_array(j, "havingSpecs", path, true, &arr, err))) return rc;
        h->subs = vrv_calloc(json_array_size(arr) + 1, sizeof *h->subs);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            char pk[VRV_JSON_PATH_MAX];
            vrv_json_path_key(pk, path, "havingSpecs");
            rc = parse_having(json_array_get(arr, i), vrv_json_path_index(p, pk, i),
                              &h->subs[h->nsubs++], err);
            if (rc) return rc;
        }
    } else if (!strcmp(type, "not")) {
        h->type = VRV_H_NOT;
        const json_t *s;
        if ((rc = vrv_json_get_object(j, "havingSpec", path, true, &s, err))) return rc;
        h->subs = vrv_calloc(1, sizeof *h->subs);
        h->nsubs = 1;
        return parse_having(s, vrv_json_path_key(p, path, "havingSpec"), &h->subs[0], err);
    } else if (!strcmp(type, "filter")) {
        h->type = VRV_H_FILTER;
        const json_t *f;
        if ((rc = vrv_json_get_object(j, "filter", path, true, &f, err))) return rc;
        if ((rc = vrv_json_get_bool(j, "finalize", path, true, &h->finalize, err))) return rc;
        return vrv_filter_parse(f, vrv_json_path_key(p, path, "filter"), &h->filter, err);
    } else if (!strcmp(type, "always")) {
        h->type = VRV_H_ALWAYS;
    } else {
        FAIL("%s.type: unknown having type [%s]", path, type);
    }
    return 0;
}

/* ---- per-type fields ---------------------------------------------------------- */

static int parse_topn_metric(const json_t *j, const char *path, vrv_topn_metric *m, vrv_error *err)
{
    char p[VRV_JSON_PATH_MAX];
    if (json_is_string(j)) {
        m->kind = VRV_TOPN_NUMERIC;
        m->metric = vrv_strdup(json_string_value(j));
        return 0;
    }
    if (!json_is_object(j)) FAIL("%s: required", path);
    const char *type = json_string_value(json_object_get(j, "type"));
    if (!type) FAIL("%s.type: required", path);
    if (!strcmp(type, "numeric")) {
        const char *mm;
        int rc = vrv_json_req_string(j, "metric", path, true, &mm, err);
        if (rc) return rc;
        m->kind = VRV_TOPN_NUMERIC;
        m->metric = vrv_strdup(mm);
        return 0;
    }
    if (!strcmp(type, "dimension") || !strcmp(type, "lexicographic") ||
        !strcmp(type, "alphaNumeric")) {
        m->kind = VRV_TOPN_DIMENSION;
        int rc;
        if (!strcmp(type, "dimension")) {
            rc = parse_ordering(json_object_get(j, "ordering"), vrv_json_path_key(p, path, "ordering"),
                                &m->ordering, err);
            if (rc) return rc;
        } else {
            m->ordering = type[0] == 'l' ? VRV_ORDER_LEXICOGRAPHIC : VRV_ORDER_ALPHANUMERIC;
        }
        const char *ps;
        if ((rc = vrv_json_get_string(j, "previousStop", path, NULL, &ps, err))) return rc;
        if (ps) m->previous_stop = vrv_strdup(ps);
        return 0;
    }
    if (!strcmp(type, "inverted")) {
        int rc = parse_topn_metric(json_object_get(j, "metric"), vrv_json_path_key(p, path, "metric"),
                                   m, err);
        if (rc) return rc;
        m->inverted = !m->inverted;
        return 0;
    }
    FAIL("%s.type: unknown topN metric type [%s]", path, type);
}

static int parse_limit_spec(const json_t *j, vrv_query *q, vrv_error *err)
{
    const char *P = "limitSpec";
    char p[VRV_JSON_PATH_MAX], p2[VRV_JSON_PATH_MAX];
    vrv_limit_spec *ls = &q->limit_spec;
    ls->limit = -1;
    if (!j || json_is_null(j)) return 0;
    if (!json_is_object(j)) FAIL("limitSpec: must be an object");
    const char *type;
    int rc = vrv_json_get_string(j, "type", P, "default", &type, err);
    if (rc) return rc;
    if (strcmp(type, "default") != 0 && strcmp(type, "NoopLimitSpec") != 0 &&
        strcmp(type, "noop") != 0)
        FAIL("limitSpec.type: unknown limitSpec type [%s]", type);
    if (strcmp(type, "default") != 0) return 0;
    ls->present = true;
    if ((rc = vrv_json_get_int64(j, "limit", P, -1, &ls->limit, err))) return rc;
    if (json_object_get(j, "limit") && !json_is_null(json_object_get(j, "limit")) && ls->limit <= 0)
        FAIL("limitSpec.limit: must be greater than zero, was [%lld]", (long long)ls->limit);
    if ((rc = vrv_json_get_int64(j, "offset", P, 0, &ls->offset, err))) return rc;
    if (ls->offset < 0) FAIL("limitSpec.offset: must be greater than or equal to zero");
    const json_t *cols;
    if ((rc = vrv_json_get_array(j, "columns", P, false, &cols, err))) return rc;
    size_t n = json_array_size(cols);
    ls->cols = vrv_calloc(n ? n : 1, sizeof *ls->cols);
    vrv_json_path_key(p, P, "columns");
    for (size_t i = 0; i < n; i++) {
        const json_t *c = json_array_get(cols, i);
        vrv_order_col *oc = &ls->cols[ls->ncols++];
        vrv_json_path_index(p2, p, i);
        if (json_is_string(c)) {
            oc->name = vrv_strdup(json_string_value(c));
            continue;
        }
        if (!json_is_object(c)) FAIL("%s: must be a string or an object", p2);
        const char *dim, *dir;
        if ((rc = vrv_json_req_string(c, "dimension", p2, true, &dim, err))) return rc;
        oc->name = vrv_strdup(dim);
        if ((rc = vrv_json_get_string(c, "direction", p2, "ascending", &dir, err))) return rc;
        /* any unambiguous prefix of descending, case-insensitive; else ascending */
        size_t dl = strlen(dir);
        oc->descending = dl > 0 && dl <= 10 && strncasecmp(dir, "descending", dl) == 0 &&
                         !(dl <= 1 && false);
        char p3[VRV_JSON_PATH_MAX];
        rc = parse_ordering(json_object_get(c, "dimensionOrder"),
                            vrv_json_path_key(p3, p2, "dimensionOrder"), &oc->order, err);
        if (rc) return rc;
    }
    return 0;
}

static int parse_search_spec(const json_t *j, const char *path, vrv_search_spec *s, vrv_error *err)
{
    char p[VRV_JSON_PATH_MAX];
    if (!json_is_object(j)) FAIL("%s: required", path);
    const char *type;
    int rc = vrv_json_req_string(j, "type", path, true, &type, err);
    if (rc) return rc;
    if (!strcmp(type, "contains") || !strcmp(type, "insensitive_contains")) {
        s->kind = type[0] == 'c' ? 0 : 1;
        const char *v;
        if ((rc = vrv_json_get_string(j, "value", path, NULL, &v, err))) return rc;
        s->values = vrv_calloc(1, sizeof *s->values);
        if (v) s->values[s->nvalues++] = vrv_strdup(v);
        bool cs = false;
        if (s->kind == 0) {
            if ((rc = vrv_json_get_bool(j, "case_sensitive", path, false, &cs, err))) return rc;
            if (!json_object_get(j, "case_sensitive") &&
                (rc = vrv_json_get_bool(j, "caseSensitive", path, false, &cs, err)))
                return rc;
        }
        s->case_sensitive = cs;
    } else if (!strcmp(type, "fragment")) {
        s->kind = 2;
        const json_t *arr;
        if ((rc = vrv_json_get_array(j, "values", path, true, &arr, err))) return rc;
        s->values = vrv_calloc(json_array_size(arr) + 1, sizeof *s->values);
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const char *v = json_string_value(json_array_get(arr, i));
            if (!v) FAIL("%s.values[%zu]: must be a string", path, i);
            s->values[s->nvalues++] = vrv_strdup(v);
        }
        if ((rc = vrv_json_get_bool(j, "case_sensitive", path, false, &s->case_sensitive, err)))
            return rc;
    } else if (!strcmp(type, "regex")) {
        s->kind = 3;
        const char *pat;
        if ((rc = vrv_json_req_string(j, "pattern", path, false, &pat, err))) return rc;
        s->pattern = vrv_strdup(pat);
    } else {
        FAIL("%s: unknown search query type [%s]", vrv_json_path_key(p, path, "type"), type);
    }
    return 0;
}

static int parse_strings(const json_t *j, const char *key, const char *path, char ***out,
                         size_t *n, vrv_error *err)
{
    char **v = NULL;
    int rc = vrv_json_get_string_array(j, key, path, &v, n, err);
    if (rc) return rc;
    *out = v;
    return 0;
}

static int parse_vcols(const json_t *j, vrv_query *q, vrv_error *err)
{
    if (!j || json_is_null(j)) return 0;
    if (!json_is_array(j)) FAIL("virtualColumns: must be an array");
    size_t n = json_array_size(j);
    q->vcols = vrv_calloc(n ? n : 1, sizeof *q->vcols);
    for (size_t i = 0; i < n; i++) {
        char p[VRV_JSON_PATH_MAX];
        vrv_json_path_index(p, "virtualColumns", i);
        const json_t *v = json_array_get(j, i);
        if (!json_is_object(v)) FAIL("%s: must be an object", p);
        const char *type, *name, *expr, *ot;
        int rc = vrv_json_req_string(v, "type", p, true, &type, err);
        if (rc) return rc;
        if (strcmp(type, "expression") != 0)
            return vrv_error_set(err, VRV_EUNSUPPORTED,
                                 "%s.type: virtual column type [%s] is not supported", p, type);
        if ((rc = vrv_json_req_string(v, "name", p, true, &name, err))) return rc;
        if ((rc = vrv_json_req_string(v, "expression", p, true, &expr, err))) return rc;
        if ((rc = vrv_json_get_string(v, "outputType", p, NULL, &ot, err))) return rc;
        if (strcmp(name, "__time") == 0) FAIL("%s.name: virtual column name [__time] is reserved", p);
        for (size_t k = 0; k < q->nvcols; k++)
            if (strcmp(q->vcols[k].name, name) == 0)
                FAIL("%s.name: duplicate virtual column name [%s]", p, name);
        vrv_vcol *vc = &q->vcols[q->nvcols];
        vrv_error e2;
        if (vrv_expr_parse(expr, strlen(expr), &vc->expr, &e2)) FAIL("%s.expression: %s", p, e2.msg);
        q->nvcols++;
        vc->name = vrv_strdup(name);
        if (ot) {
            if (!vrv_ctype_parse(ot, &vc->type)) FAIL("%s.outputType: unknown type [%s]", p, ot);
            vc->has_type = true;
        }
    }
    return 0;
}

static bool want(vrv_query_type t, unsigned mask)
{
    return (mask >> t) & 1u;
}
#define T(x) (1u << (x))

static int parse_body(const json_t *j, vrv_query *q, vrv_query_error *qerr)
{
    vrv_error *err = &qerr->err;
    int rc;
    const json_t *v;
    char p[VRV_JSON_PATH_MAX];

    v = json_object_get(j, "dataSource");
    if (!v || json_is_null(v)) FAIL("dataSource: required");
    if ((rc = parse_ds(v, "dataSource", &q->ds, qerr))) return rc;

    v = json_object_get(j, "intervals");
    bool need_iv = want(q->type, T(VRV_Q_TIMESERIES) | T(VRV_Q_TOPN) | T(VRV_Q_GROUPBY) |
                                     T(VRV_Q_SCAN) | T(VRV_Q_SEARCH));
    if (v && !json_is_null(v)) {
        if ((rc = parse_intervals(v, "intervals", q, err))) return rc;
    } else if (need_iv) {
        FAIL("intervals: required");
    }
    if (!q->intervals_given) {
        q->intervals = vrv_malloc(sizeof *q->intervals);
        q->intervals[0] = vrv_interval_eternity();
        q->nintervals = 1;
    }

    v = json_object_get(j, "granularity");
    q->gran = vrv_gran_standard(VRV_GRAN_STD_ALL);
    if (v && !json_is_null(v)) {
        if ((rc = vrv_gran_from_json(v, "granularity", &q->gran, err))) return rc;
    } else if (want(q->type, T(VRV_Q_TIMESERIES) | T(VRV_Q_TOPN) | T(VRV_Q_GROUPBY))) {
        FAIL("granularity: required");
    }

    v = json_object_get(j, "filter");
    if (v && !json_is_null(v))
        if ((rc = vrv_filter_parse(v, "filter", &q->filter, err))) return rc;

    if ((rc = parse_vcols(json_object_get(j, "virtualColumns"), q, err))) return rc;
    if ((rc = parse_ctx(json_object_get(j, "context"), &q->ctx, err))) return rc;

    if (want(q->type, T(VRV_Q_TIMESERIES) | T(VRV_Q_TOPN) | T(VRV_Q_GROUPBY))) {
        rc = vrv_agg_parse_list(json_object_get(j, "aggregations"), "aggregations",
                                VRV_AGG_CTX_QUERY, &q->aggs, err);
        if (rc) return rc;
    }
    if ((rc = vrv_json_get_bool(j, "descending", "", false, &q->descending, err))) return rc;
    q->limit = -1;

    switch (q->type) {
    case VRV_Q_TIMESERIES: {
        int64_t lim;
        if ((rc = vrv_json_get_int64(j, "limit", "", -1, &lim, err))) return rc;
        if (json_object_get(j, "limit") && !json_is_null(json_object_get(j, "limit")) && lim < 0)
            FAIL("limit: must be >= 0");
        q->limit = lim > 0 ? lim : -1;
        break;
    }
    case VRV_Q_TOPN: {
        v = json_object_get(j, "dimension");
        if (!v || json_is_null(v)) FAIL("dimension: required");
        if ((rc = parse_dimspec(v, "dimension", &q->dim, err))) return rc;
        v = json_object_get(j, "threshold");
        if (!v || json_is_null(v)) FAIL("threshold: required");
        if ((rc = vrv_json_get_int64(j, "threshold", "", 0, &q->threshold, err))) return rc;
        if (q->threshold < 1) FAIL("threshold: must be greater than 0");
        v = json_object_get(j, "metric");
        if (!v || json_is_null(v)) FAIL("metric: required");
        if ((rc = parse_topn_metric(v, "metric", &q->metric, err))) return rc;
        break;
    }
    case VRV_Q_GROUPBY: {
        v = json_object_get(j, "dimensions");
        if (v && !json_is_null(v) && !json_is_array(v)) FAIL("dimensions: must be an array");
        size_t n = json_array_size(v);
        q->dims = vrv_calloc(n ? n : 1, sizeof *q->dims);
        for (size_t i = 0; i < n; i++) {
            rc = parse_dimspec(json_array_get(v, i), vrv_json_path_index(p, "dimensions", i),
                               &q->dims[q->ndims], err);
            q->ndims++;
            if (rc) return rc;
            for (size_t k = 0; k + 1 < q->ndims; k++)
                if (strcmp(q->dims[k].output_name, q->dims[i].output_name) == 0)
                    FAIL("dimensions: duplicate output name [%s]", q->dims[i].output_name);
        }
        v = json_object_get(j, "having");
        if (v && !json_is_null(v))
            if ((rc = parse_having(v, "having", &q->having, err))) return rc;
        if ((rc = parse_limit_spec(json_object_get(j, "limitSpec"), q, err))) return rc;
        v = json_object_get(j, "subtotalsSpec");
        if (v && !json_is_null(v)) {
            if (!json_is_array(v)) FAIL("subtotalsSpec: must be an array");
            q->has_subtotals = true;
            size_t ns = json_array_size(v);
            q->subtotals = vrv_calloc(ns ? ns : 1, sizeof *q->subtotals);
            q->nsubtotal = vrv_calloc(ns ? ns : 1, sizeof *q->nsubtotal);
            for (size_t s = 0; s < ns; s++) {
                const json_t *sub = json_array_get(v, s);
                if (!json_is_array(sub)) FAIL("subtotalsSpec[%zu]: must be an array", s);
                q->subtotals[s] = vrv_calloc(json_array_size(sub) + 1, sizeof **q->subtotals);
                q->nsubtotals++;
                for (size_t k = 0; k < json_array_size(sub); k++) {
                    const char *nm = json_string_value(json_array_get(sub, k));
                    size_t d = 0;
                    while (nm && d < q->ndims && strcmp(q->dims[d].output_name, nm) != 0) d++;
                    if (!nm || d == q->ndims)
                        FAIL("subtotalsSpec[%zu][%zu]: Subtotal spec [%s] is not contained in "
                             "dimension output names",
                             s, k, nm ? nm : "null");
                    q->subtotals[s][q->nsubtotal[s]++] = d;
                }
            }
        }
        break;
    }
    case VRV_Q_SCAN: {
        if ((rc = parse_strings(j, "columns", "", &q->columns, &q->ncolumns, err))) return rc;
        if (q->columns && q->ncolumns == 0) {
            vrv_json_strv_free(q->columns);
            q->columns = NULL;
        }
        const char *rf, *ord;
        if ((rc = vrv_json_get_string(j, "resultFormat", "", "list", &rf, err))) return rc;
        if (!strcmp(rf, "compactedList")) q->compacted = true;
        else if (!strcmp(rf, "valueVector")) FAIL("resultFormat: valueVector is not supported");
        else if (strcmp(rf, "list") != 0) FAIL("resultFormat: unknown resultFormat [%s]", rf);
        int64_t lim, off, bs;
        if ((rc = vrv_json_get_int64(j, "limit", "", 0, &lim, err))) return rc;
        if ((rc = vrv_json_get_int64(j, "offset", "", 0, &off, err))) return rc;
        if ((rc = vrv_json_get_int64(j, "batchSize", "", 20480, &bs, err))) return rc;
        if (lim < 0) FAIL("limit: must be greater than or equal to 0");
        if (off < 0) FAIL("offset: must be greater than or equal to 0");
        if (bs <= 0) FAIL("batchSize: must be greater than 0");
        q->limit = lim > 0 ? lim : -1;
        q->offset = off;
        q->batch_size = bs;
        if ((rc = vrv_json_get_string(j, "order", "", "none", &ord, err))) return rc;
        if (!strcasecmp(ord, "none")) q->order = VRV_SCAN_NONE;
        else if (!strcasecmp(ord, "ascending")) q->order = VRV_SCAN_ASC;
        else if (!strcasecmp(ord, "descending")) q->order = VRV_SCAN_DESC;
        else FAIL("order: unknown order [%s]", ord);
        v = json_object_get(j, "orderBy");
        if (json_is_array(v) && json_array_size(v) > 0) {
            const json_t *o = json_array_get(v, 0);
            const char *cn = json_string_value(json_object_get(o, "columnName"));
            const char *od = json_string_value(json_object_get(o, "order"));
            if (json_array_size(v) != 1 || !cn || strcmp(cn, "__time") != 0)
                return vrv_error_set(err, VRV_EUNSUPPORTED,
                                     "orderBy: only ordering by [__time] can run natively");
            q->order = od && !strcasecmp(od, "descending") ? VRV_SCAN_DESC : VRV_SCAN_ASC;
        }
        if (q->order != VRV_SCAN_NONE && q->columns) {
            bool has = false;
            for (size_t i = 0; i < q->ncolumns; i++) has |= !strcmp(q->columns[i], "__time");
            if (!has) FAIL("columns: ordering by [__time] requires [__time] among the columns");
        }
        break;
    }
    case VRV_Q_TIME_BOUNDARY: {
        const char *b;
        if ((rc = vrv_json_get_string(j, "bound", "", NULL, &b, err))) return rc;
        if (!b) q->bound = 0;
        else if (!strcmp(b, "minTime")) q->bound = 1;
        else if (!strcmp(b, "maxTime")) q->bound = 2;
        else FAIL("bound: must be minTime or maxTime, was [%s]", b);
        break;
    }
    case VRV_Q_SEGMENT_METADATA: {
        v = json_object_get(j, "toInclude");
        q->to_include = VRV_SM_INC_ALL;
        if (v && !json_is_null(v)) {
            const char *t = json_string_value(json_object_get(v, "type"));
            if (!t) FAIL("toInclude.type: required");
            if (!strcmp(t, "all")) q->to_include = VRV_SM_INC_ALL;
            else if (!strcmp(t, "none")) q->to_include = VRV_SM_INC_NONE;
            else if (!strcmp(t, "list")) {
                q->to_include = VRV_SM_INC_LIST;
                if ((rc = parse_strings(v, "columns", "toInclude", &q->include_cols, &q->ninclude,
                                        err)))
                    return rc;
            } else FAIL("toInclude.type: unknown type [%s]", t);
        }
        if ((rc = vrv_json_get_bool(j, "merge", "", false, &q->merge, err))) return rc;
        v = json_object_get(j, "analysisTypes");
        if (v && !json_is_null(v)) {
            if (!json_is_array(v)) FAIL("analysisTypes: must be an array");
            static const char *const names[] = {"cardinality", "size",   "interval",
                                                "minmax",      "timestampSpec", "queryGranularity",
                                                "aggregators", "rollup", "projections"};
            for (size_t i = 0; i < json_array_size(v); i++) {
                const char *s = json_string_value(json_array_get(v, i));
                size_t k = 0;
                while (s && k < 9 && strcasecmp(s, names[k]) != 0) k++;
                if (!s || k == 9) FAIL("analysisTypes[%zu]: unknown analysis type", i);
                q->analysis |= 1u << k;
            }
        } else {
            q->analysis = VRV_SM_CARDINALITY | VRV_SM_INTERVAL | VRV_SM_MINMAX;
        }
        const json_t *st = json_object_get(j, "aggregatorMergeStrategy");
        const json_t *len = json_object_get(j, "lenientAggregatorMerge");
        if (st && !json_is_null(st) && len && !json_is_null(len))
            FAIL("aggregatorMergeStrategy: both lenientAggregatorMerge [%s] and "
                 "aggregatorMergeStrategy [%s] parameters cannot be set. Consider using "
                 "aggregatorMergeStrategy since lenientAggregatorMerge is deprecated.",
                 json_is_true(len) ? "true" : "false",
                 json_is_string(st) ? json_string_value(st) : "?");
        if (st && !json_is_null(st)) {
            const char *s = json_string_value(st);
            if (!s) FAIL("aggregatorMergeStrategy: must be a string");
            if (!strcasecmp(s, "strict")) q->agg_strategy = VRV_SM_STRICT;
            else if (!strcasecmp(s, "lenient")) q->agg_strategy = VRV_SM_LENIENT;
            else if (!strcasecmp(s, "earliest")) q->agg_strategy = VRV_SM_EARLIEST;
            else if (!strcasecmp(s, "latest")) q->agg_strategy = VRV_SM_LATEST;
            else FAIL("aggregatorMergeStrategy: unknown strategy [%s]", s);
        } else if (len && !json_is_null(len)) {
            bool b;
            if ((rc = vrv_json_get_bool(j, "lenientAggregatorMerge", "", false, &b, err))) return rc;
            q->agg_strategy = b ? VRV_SM_LENIENT : VRV_SM_STRICT;
        }
        break;
    }
    case VRV_Q_DATASOURCE_METADATA: break;
    case VRV_Q_SEARCH: {
        v = json_object_get(j, "searchDimensions");
        if (v && !json_is_null(v)) {
            if (!json_is_array(v)) FAIL("searchDimensions: must be an array");
            size_t n = json_array_size(v);
            q->search_dims = vrv_calloc(n + 1, sizeof *q->search_dims);
            for (size_t i = 0; i < n; i++) {
                const json_t *e = json_array_get(v, i);
                vrv_dimspec ds = {0};
                rc = parse_dimspec(e, vrv_json_path_index(p, "searchDimensions", i), &ds, err);
                free(ds.output_name);
                if (rc) {
                    free(ds.dimension);
                    return rc;
                }
                q->search_dims[q->nsearch_dims++] = ds.dimension;
            }
        }
        v = json_object_get(j, "query");
        if (!v || json_is_null(v)) FAIL("query: required");
        if ((rc = parse_search_spec(v, "query", &q->search, err))) return rc;
        v = json_object_get(j, "sort");
        q->search_sort = VRV_SS_LEXICOGRAPHIC;
        if (v && !json_is_null(v)) {
            const char *t = json_is_string(v) ? json_string_value(v)
                                              : json_string_value(json_object_get(v, "type"));
            if (!t) FAIL("sort.type: required");
            if (!strcasecmp(t, "lexicographic")) q->search_sort = VRV_SS_LEXICOGRAPHIC;
            else if (!strcasecmp(t, "alphanumeric")) q->search_sort = VRV_SS_ALPHANUMERIC;
            else if (!strcasecmp(t, "strlen")) q->search_sort = VRV_SS_STRLEN;
            else if (!strcasecmp(t, "numeric")) q->search_sort = VRV_SS_NUMERIC;
            else FAIL("sort.type: unknown sort [%s]", t);
        }
        int64_t lim;
        if ((rc = vrv_json_get_int64(j, "limit", "", 1000, &lim, err))) return rc;
        if (lim <= 0) FAIL("limit: must be greater than 0");
        q->limit = lim;
        break;
    }
    }

    /* post-aggregators see dimensions (groupBy/topN), aggregators, earlier ones */
    if (want(q->type, T(VRV_Q_TIMESERIES) | T(VRV_Q_TOPN) | T(VRV_Q_GROUPBY))) {
        size_t nk = q->aggs.n + q->ndims + 1;
        const char **known = vrv_calloc(nk, sizeof *known);
        size_t k = 0;
        for (size_t i = 0; i < q->ndims; i++) known[k++] = q->dims[i].output_name;
        if (q->type == VRV_Q_TOPN) known[k++] = q->dim.output_name;
        for (size_t i = 0; i < q->aggs.n; i++) known[k++] = q->aggs.v[i]->name;
        rc = vrv_postagg_parse_list(json_object_get(j, "postAggregations"), "postAggregations",
                                    known, k, &q->postaggs, err);
        free(known);
        if (rc) return rc;
        if (q->type == VRV_Q_TOPN && q->metric.kind == VRV_TOPN_NUMERIC) {
            bool found = false;
            for (size_t i = 0; i < q->aggs.n; i++) found |= !strcmp(q->aggs.v[i]->name, q->metric.metric);
            for (size_t i = 0; i < q->postaggs.n; i++)
                found |= q->postaggs.v[i]->name && !strcmp(q->postaggs.v[i]->name, q->metric.metric);
            if (!found)
                FAIL("metric: Must have an AggregatorFactory or PostAggregator for metric[%s], "
                     "gave[%zu] and [%zu]",
                     q->metric.metric, q->aggs.n, q->postaggs.n);
        }
    }
    return 0;
}

static int parse_query_obj(const json_t *j, const char *path, vrv_query **out, vrv_query_error *qerr)
{
    *out = NULL;
    if (!json_is_object(j)) {
        qerr->cls = VRV_QERR_INVALID;
        return vrv_error_set(&qerr->err, VRV_EINVAL, "%s: must be an object", path[0] ? path : "query");
    }
    const json_t *t = json_object_get(j, "queryType");
    const char *ts = json_string_value(t);
    int type = -1;
    for (int i = 0; ts && i <= VRV_Q_SEARCH; i++)
        if (strcmp(ts, type_names[i]) == 0) type = i;
    if (type < 0) {
        qerr->cls = VRV_QERR_UNKNOWN_TYPE;
        if (!ts)
            return vrv_error_set(&qerr->err, VRV_EINVAL,
                                 "Could not resolve subtype of [simple type, class "
                                 "org.apache.druid.query.Query]: missing type id property "
                                 "'queryType'");
        return vrv_error_set(&qerr->err, VRV_EINVAL,
                             "Could not resolve type id '%s' as a subtype of "
                             "[simple type, class org.apache.druid.query.Query]",
                             ts);
    }
    vrv_query *q = vrv_calloc(1, sizeof *q);
    q->type = (vrv_query_type)type;
    int rc = parse_body(j, q, qerr);
    if (rc) {
        if (qerr->cls == VRV_QERR_NONE) qerr->cls = VRV_QERR_INVALID;
        if (path[0] && qerr->cls == VRV_QERR_INVALID) vrv_error_prefix(&qerr->err, "%s", path);
        vrv_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

int vrv_query_parse_json(const json_t *j, vrv_query **out, vrv_query_error *qerr)
{
    memset(qerr, 0, sizeof *qerr);
    return parse_query_obj(j, "", out, qerr);
}

int vrv_query_parse(const char *text, size_t len, vrv_query **out, vrv_query_error *qerr)
{
    memset(qerr, 0, sizeof *qerr);
    *out = NULL;
    json_t *j;
    if (vrv_json_load_buf(text, len, "query", &j, &qerr->err)) {
        qerr->cls = VRV_QERR_JSON;
        return qerr->err.code ? qerr->err.code : VRV_EINVAL;
    }
    int rc = parse_query_obj(j, "", out, qerr);
    json_decref(j);
    return rc;
}

void vrv_query_free(vrv_query *q)
{
    if (!q) return;
    ds_free(q->ds);
    free(q->intervals);
    vrv_filter_free(q->filter);
    for (size_t i = 0; i < q->nvcols; i++) {
        free(q->vcols[i].name);
        vrv_expr_free(q->vcols[i].expr);
    }
    free(q->vcols);
    vrv_agg_list_free(&q->aggs);
    vrv_postagg_list_free(&q->postaggs);
    free(q->ctx.query_id);
    free(q->dim.dimension);
    free(q->dim.output_name);
    free(q->metric.metric);
    free(q->metric.previous_stop);
    for (size_t i = 0; i < q->ndims; i++) {
        free(q->dims[i].dimension);
        free(q->dims[i].output_name);
    }
    free(q->dims);
    having_free(q->having);
    for (size_t i = 0; i < q->limit_spec.ncols; i++) free(q->limit_spec.cols[i].name);
    free(q->limit_spec.cols);
    for (size_t i = 0; i < q->nsubtotals; i++) free(q->subtotals[i]);
    free(q->subtotals);
    free(q->nsubtotal);
    vrv_json_strv_free(q->columns);
    vrv_json_strv_free(q->include_cols);
    for (size_t i = 0; i < q->nsearch_dims; i++) free(q->search_dims[i]);
    free(q->search_dims);
    for (size_t i = 0; i < q->search.nvalues; i++) free(q->search.values[i]);
    free(q->search.values);
    free(q->search.pattern);
    free(q);
}

int vrv_query_error_body(const vrv_query_error *qerr, const char *host, vrv_buf *out)
{
    vrv_jw w;
    vrv_jw_init(&w, out, 0);
    vrv_jw_begin_object(&w);
    int status;
    if (qerr->cls == VRV_QERR_UNKNOWN_TYPE) {
        vrv_jw_kv_string(&w, "error", "Unknown exception");
        vrv_jw_kv_string(&w, "errorMessage", "Unhandled exception made it to the top");
        vrv_jw_kv_string(&w, "errorClass",
                         "com.fasterxml.jackson.databind.exc.InvalidTypeIdException");
        if (host) vrv_jw_kv_string(&w, "host", host);
        else vrv_jw_kv_null(&w, "host");
        status = 500;
    } else {
        vrv_jw_kv_string(&w, "error", "Json parse failed");
        vrv_jw_key(&w, "errorMessage");
        if (qerr->cls == VRV_QERR_JSON) {
            vrv_jw_string(&w, qerr->err.msg);
            vrv_jw_kv_string(&w, "errorClass", "com.fasterxml.jackson.core.JsonParseException");
        } else {
            vrv_buf m = VRV_BUF_INIT;
            vrv_buf_printf(&m, "Invalid native query: %s", qerr->err.msg);
            vrv_jw_string(&w, m.data);
            vrv_buf_free(&m);
            vrv_jw_kv_string(&w, "errorClass",
                             "com.fasterxml.jackson.databind.exc.ValueInstantiationException");
        }
        vrv_jw_kv_null(&w, "host");
        status = 400;
    }
    vrv_jw_end_object(&w);
    return status;
}

static void tables_of(const vrv_datasource *ds, const char **out, size_t max, size_t *n)
{
    if (!ds) return;
    const char *add[1];
    switch (ds->kind) {
    case VRV_DS_TABLE:
        add[0] = ds->name;
        for (size_t i = 0; i < *n && i < max; i++)
            if (!strcmp(out[i], add[0])) return;
        if (*n < max) out[*n] = add[0];
        (*n)++;
        break;
    case VRV_DS_UNION:
        for (size_t k = 0; k < ds->nnames; k++) {
            bool dup = false;
            for (size_t i = 0; i < *n && i < max; i++) dup |= !strcmp(out[i], ds->names[k]);
            if (dup) continue;
            if (*n < max) out[*n] = ds->names[k];
            (*n)++;
        }
        break;
    case VRV_DS_QUERY: tables_of(ds->query->ds, out, max, n); break;
    case VRV_DS_JOIN:
        tables_of(ds->left, out, max, n);
        tables_of(ds->right, out, max, n);
        break;
    default: break;
    }
}

size_t vrv_query_tables(const vrv_query *q, const char **out, size_t max)
{
    size_t n = 0;
    tables_of(q->ds, out, max, &n);
    return n;
}
