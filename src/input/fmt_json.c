/*
 * fmt_json.c — the `json` input format: a spec's flattenSpec and Jackson
 * featureSpec compiled into one scanner plan (json/scan.h), and readers that
 * turn a block of bytes into rows the way Druid's three JSON readers do:
 *
 *  - lines (a file, always; a stream record with assumeNewlineDelimited):
 *    JsonLineReader. Lines end at LF (a CR before it is dropped, a lone CR is
 *    whitespace), as Druid's FastLineIterator splits them. Each line is one
 *    event; a bad line is one error and reading goes on. As Jackson's
 *    readValue does, only the first value of a line is read and anything after
 *    it on the line is ignored, and a line with no value at all (an empty or
 *    blank line) is an error ("No content to map due to end-of-input").
 *  - Values borrow from the block and from the arena given to reader_next;
 *    a stream record holding several events is decoded on the first call, so
 *    that arena must live until the record's last row has been read (the
 *    pipeline resets it between batches of whole records).
 *  - stream (a stream record, the default): JsonReader. The record may hold
 *    several JSON values separated by whitespace, objects spanning lines
 *    included; if any of them fails, the whole record is one error and yields
 *    no rows.
 *  - nodes (useJsonNodeReader): JsonNodeReader. Events before a syntax error
 *    are kept; the error ends the record. A well-formed value that is not an
 *    object is an error for itself only.
 *
 * Field values: a name defined in the flattenSpec takes that field's value
 * (root, tree and simple JsonPath fields come straight from the scanner;
 * complex JsonPath and jq expressions run on a small tree of the root field
 * they start from, or of the whole event); any other name is the root field of
 * that name, as ObjectFlatteners.get() does. In discovery mode the row also
 * lists Druid's keySet(): the flatten fields, then (useFieldDiscovery) the
 * root fields holding scalars or lists of scalars (and null ones with
 * keepNullColumns; every field with useSchemaDiscovery).
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"
#include "input/flatten.h"
#include "input/input.h"
#include "json/jpath.h"
#include "json/jutil.h"
#include "json/scan.h"

typedef struct jfmt {
    vrv_flatten_spec flat;
    vrv_jpath **exprs; /* per flatten field: compiled path/jq, else NULL */
    const char **names;
    unsigned features;  /* VRV_SCAN_ALLOW_* */
    bool keep_null;
    bool assume_nl;
    bool node_reader;
} jfmt;

static void jfmt_free(void *impl)
{
    jfmt *f = impl;
    if (!f) return;
    for (size_t i = 0; i < f->flat.nfields; i++) vrv_jpath_free(f->exprs ? f->exprs[i] : NULL);
    free(f->exprs);
    free(f->names);
    vrv_flatten_free(&f->flat);
    free(f);
}

/* Jackson JsonParser.Feature names. */
static const struct {
    const char *name;
    unsigned flag;   /* scanner flag honoured when true */
    bool supported;  /* false: only `false` is accepted */
} features[] = {
    {"ALLOW_COMMENTS", VRV_SCAN_ALLOW_COMMENTS, true},
    {"ALLOW_YAML_COMMENTS", VRV_SCAN_ALLOW_YAML_COMMENTS, true},
    {"ALLOW_SINGLE_QUOTES", VRV_SCAN_ALLOW_SINGLE_QUOTES, true},
    {"ALLOW_UNQUOTED_FIELD_NAMES", VRV_SCAN_ALLOW_UNQUOTED_FIELD_NAMES, true},
    {"ALLOW_UNQUOTED_CONTROL_CHARS", VRV_SCAN_ALLOW_UNQUOTED_CONTROL_CHARS, true},
    {"ALLOW_BACKSLASH_ESCAPING_ANY_CHARACTER", VRV_SCAN_ALLOW_BACKSLASH_ESCAPING_ANY, true},
    {"ALLOW_NUMERIC_LEADING_ZEROS", VRV_SCAN_ALLOW_NUMERIC_LEADING_ZEROS, true},
    {"ALLOW_NON_NUMERIC_NUMBERS", VRV_SCAN_ALLOW_NON_NUMERIC_NUMBERS, true},
    {"ALLOW_TRAILING_COMMA", VRV_SCAN_ALLOW_TRAILING_COMMA, true},
    /* no effect on what is accepted */
    {"AUTO_CLOSE_SOURCE", 0, true},
    {"IGNORE_UNDEFINED", 0, true},
    {"INCLUDE_SOURCE_IN_LOCATION", 0, true},
    {"USE_FAST_DOUBLE_PARSER", 0, true},
    {"USE_FAST_BIG_NUMBER_PARSER", 0, true},
    /* known to Jackson, not implemented by varve's scanner */
    {"STRICT_DUPLICATE_DETECTION", 0, false},
    {"ALLOW_MISSING_VALUES", 0, false},
    {"ALLOW_LEADING_DECIMAL_POINT_FOR_NUMBERS", 0, false},
};

static int parse_features(const json_t *spec, const char *path, unsigned *out, vrv_error *err)
{
    const json_t *fs;
    char fpath[VRV_JSON_PATH_MAX];
    int rc = vrv_json_get_object(spec, "featureSpec", path, false, &fs, err);
    if (rc || !fs) return rc;
    vrv_json_path_key(fpath, path, "featureSpec");
    const char *name;
    json_t *v;
    json_object_foreach((json_t *)fs, name, v)
    {
        size_t i = 0;
        while (i < VRV_ARRAY_LEN(features) && strcmp(features[i].name, name) != 0) i++;
        char p[VRV_JSON_PATH_MAX];
        if (i == VRV_ARRAY_LEN(features))
            return vrv_error_set(err, VRV_EINVAL, "%s: unknown JSON parser feature",
                                 vrv_json_path_key(p, fpath, name));
        bool on;
        rc = vrv_json_get_bool(fs, name, fpath, false, &on, err);
        if (rc) return rc;
        if (on && !features[i].supported)
            return vrv_error_set(err, VRV_EINVAL, "%s: enabling this parser feature is not supported by varve",
                                 vrv_json_path_key(p, fpath, name));
        if (on) *out |= features[i].flag;
    }
    return VRV_OK;
}

static int jfmt_parse(const json_t *spec, const char *path, void **impl, vrv_error *err)
{
    jfmt *f = vrv_calloc(1, sizeof *f);
    char fpath[VRV_JSON_PATH_MAX];
    int rc = vrv_flatten_parse(json_object_get(spec, "flattenSpec"),
                               vrv_json_path_key(fpath, path, "flattenSpec"),
                               VRV_FLATTEN_ALLOW_JQ | VRV_FLATTEN_ALLOW_TREE, &f->flat, err);
    if (rc) goto fail;
    rc = parse_features(spec, path, &f->features, err);
    if (rc) goto fail;
    /* Druid's default: keep null columns exactly when a flattenSpec discovers fields */
    bool dflt_keep = f->flat.present && f->flat.use_field_discovery;
    if ((rc = vrv_json_get_bool(spec, "keepNullColumns", path, dflt_keep, &f->keep_null, err)) ||
        (rc = vrv_json_get_bool(spec, "assumeNewlineDelimited", path, false, &f->assume_nl, err)) ||
        (rc = vrv_json_get_bool(spec, "useJsonNodeReader", path, false, &f->node_reader, err)))
        goto fail;
    if (f->assume_nl && f->node_reader) {
        char p[VRV_JSON_PATH_MAX];
        rc = vrv_error_set(err, VRV_EINVAL,
                           "%s: useJsonNodeReader cannot be set to true when assumeNewlineDelimited "
                           "is true",
                           vrv_json_path_key(p, path, "useJsonNodeReader"));
        goto fail;
    }
    size_t n = f->flat.nfields;
    f->exprs = vrv_calloc(n ? n : 1, sizeof *f->exprs);
    f->names = vrv_calloc(n ? n : 1, sizeof *f->names);
    char fieldsp[VRV_JSON_PATH_MAX], p[VRV_JSON_PATH_MAX], ep[VRV_JSON_PATH_MAX];
    vrv_json_path_key(fieldsp, fpath, "fields");
    for (size_t i = 0; i < n; i++) {
        vrv_flatten_field *fl = &f->flat.fields[i];
        f->names[i] = fl->name;
        if (fl->type != VRV_FLATTEN_PATH && fl->type != VRV_FLATTEN_JQ) continue;
        rc = fl->type == VRV_FLATTEN_PATH ? vrv_jpath_compile(fl->expr, &f->exprs[i], err)
                                          : vrv_jq_compile(fl->expr, &f->exprs[i], err);
        if (rc) {
            vrv_json_path_key(ep, vrv_json_path_index(p, fieldsp, i), "expr");
            vrv_error_prefix(err, "%s", ep);
            goto fail;
        }
    }
    *impl = f;
    return VRV_OK;
fail:
    jfmt_free(f);
    return rc;
}

static const char *const *jfmt_columns(const void *impl, size_t *n)
{
    const jfmt *f = impl;
    *n = f->flat.nfields;
    return f->flat.nfields ? f->names : NULL;
}

/* ------------------------------------------------------------------------ */
/* Reader                                                                    */

typedef struct jeval {
    const vrv_jpath *jp;
    int src;       /* index into srcs, or -1 for the whole event */
    uint32_t slot; /* where the result goes */
} jeval;

typedef struct jsrc {
    const char *key; /* root field whose tree the expressions need */
    size_t klen;
    uint32_t raw_slot;
} jsrc;

typedef struct jrow {
    vrv_value *vals;
    size_t nextra;
    vrv_str *names;
    vrv_value *xvals;
    const char *raw;
    size_t rawlen;
} jrow;

enum { MODE_LINES, MODE_STREAM, MODE_NODES };

typedef struct jreader {
    const jfmt *fmt;
    const vrv_fieldset *fs;
    vrv_scan_plan *plan;
    size_t nslots;
    vrv_value *slots;
    vrv_scan_out out;
    uint32_t *field_slot; /* per flatten field: its slot, or UINT32_MAX when unused */
    VRV_VEC(jeval) evals;
    VRV_VEC(jsrc) srcs;
    vrv_jnode **trees; /* per source, for the current event */
    vrv_map flat_names; /* flatten field names, for discovery */
    VRV_VEC(vrv_str) xnames;
    VRV_VEC(vrv_value) xvals;
    /* the block */
    const char *data;
    size_t len, pos, line;
    int mode;
    bool done, loaded;
    bool bad_syntax; /* the last error was malformed JSON (not a value problem) */
    const char *raw;
    size_t rawlen;
    jrow *rows; /* stream mode, several events: decoded up front (arena) */
    size_t nrows, next_row;
} jreader;

static void jreader_free(void *impl)
{
    jreader *r = impl;
    if (!r) return;
    vrv_scan_plan_free(r->plan);
    vrv_scan_out_free(&r->out);
    free(r->slots);
    free(r->field_slot);
    free(r->trees);
    vrv_vec_free(&r->evals);
    vrv_vec_free(&r->srcs);
    vrv_vec_free(&r->xnames);
    vrv_vec_free(&r->xvals);
    vrv_map_destroy(&r->flat_names);
    free(r);
}

static uint32_t source_for(jreader *r, const char *key, size_t klen, uint32_t *next_slot)
{
    for (size_t i = 0; i < r->srcs.n; i++)
        if (r->srcs.v[i].klen == klen && memcmp(r->srcs.v[i].key, key, klen) == 0) return (uint32_t)i;
    jsrc s = {key, klen, (*next_slot)++};
    vrv_scan_plan_add_root(r->plan, key, klen, s.raw_slot, VRV_SCAN_RAW);
    vrv_vec_push(&r->srcs, s);
    return (uint32_t)(r->srcs.n - 1);
}

/* Makes flatten field i deliver its value to slot. */
static void wire_field(jreader *r, size_t i, uint32_t slot, uint32_t *next_slot)
{
    const vrv_flatten_field *fl = &r->fmt->flat.fields[i];
    r->field_slot[i] = slot;
    switch (fl->type) {
    case VRV_FLATTEN_ROOT:
        vrv_scan_plan_add_root(r->plan, fl->expr, strlen(fl->expr), slot, VRV_SCAN_VALUE);
        return;
    case VRV_FLATTEN_TREE: {
        vrv_scan_step *st = vrv_calloc(fl->nnodes, sizeof *st);
        for (size_t k = 0; k < fl->nnodes; k++) {
            st[k].key = fl->nodes[k];
            st[k].len = strlen(fl->nodes[k]);
        }
        vrv_scan_plan_add(r->plan, st, fl->nnodes, slot, VRV_SCAN_VALUE);
        free(st);
        return;
    }
    default: {
        const vrv_jpath *jp = r->fmt->exprs[i];
        const vrv_scan_step *st;
        size_t n, klen;
        if (vrv_jpath_steps(jp, &st, &n) && vrv_scan_plan_add(r->plan, st, n, slot, VRV_SCAN_VALUE) == 0)
            return;
        const char *key = vrv_jpath_root_key(jp, &klen);
        jeval e = {jp, key ? (int)source_for(r, key, klen, next_slot) : -1, slot};
        vrv_vec_push(&r->evals, e);
        return;
    }
    }
}

static void *jreader_new(const void *impl, const vrv_fieldset *fs, vrv_error *err)
{
    const jfmt *f = impl;
    jreader *r = vrv_calloc(1, sizeof *r);
    r->fmt = f;
    r->fs = fs;
    r->plan = vrv_scan_plan_new(f->features);
    vrv_map_init(&r->flat_names, false);
    size_t nf = f->flat.nfields;
    r->field_slot = vrv_malloc((nf ? nf : 1) * sizeof *r->field_slot);
    for (size_t i = 0; i < nf; i++) {
        r->field_slot[i] = UINT32_MAX;
        *vrv_map_put(&r->flat_names, f->flat.fields[i].name, strlen(f->flat.fields[i].name), NULL) = i;
    }
    uint32_t next_slot = (uint32_t)fs->n;
    /* the fields the pipeline reads */
    for (size_t s = 0; s < fs->n; s++) {
        const char *name = fs->names[s];
        uint64_t *fi = vrv_map_get(&r->flat_names, name, strlen(name));
        if (fi)
            wire_field(r, *fi, (uint32_t)s, &next_slot);
        else
            vrv_scan_plan_add_root(r->plan, name, strlen(name), (uint32_t)s, VRV_SCAN_VALUE);
    }
    /* discovery lists every flatten field, read or not */
    if (fs->discover)
        for (size_t i = 0; i < nf; i++)
            if (r->field_slot[i] == UINT32_MAX) wire_field(r, i, next_slot++, &next_slot);
    r->nslots = VRV_MAX((size_t)next_slot, vrv_scan_plan_nslots(r->plan));
    r->slots = vrv_calloc(r->nslots ? r->nslots : 1, sizeof *r->slots);
    r->out.slots = r->slots;
    r->out.discover = fs->discover && f->flat.use_field_discovery;
    r->trees = vrv_calloc(r->srcs.n + 1, sizeof *r->trees);
    VRV_UNUSED(err);
    return r;
}

static void jreader_start(void *impl, const char *data, size_t len, const vrv_record_meta *meta)
{
    jreader *r = impl;
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->line = 0;
    r->done = false;
    r->loaded = false;
    r->raw = data;
    r->rawlen = 0;
    r->rows = NULL;
    r->nrows = r->next_row = 0;
    /* Druid reads files line by line (lineSplittable); stream records with
     * JsonReader unless told otherwise */
    r->mode = (!meta || r->fmt->assume_nl) ? MODE_LINES
              : r->fmt->node_reader        ? MODE_NODES
                                           : MODE_STREAM;
}

/* Evaluates the complex expressions of the event at [b, e). */
static int run_evals(jreader *r, const char *b, const char *e, vrv_arena *arena, vrv_error *err)
{
    if (!r->evals.n) return 0;
    unsigned feat = r->fmt->features;
    for (size_t i = 0; i <= r->srcs.n; i++) r->trees[i] = NULL;
    for (size_t i = 0; i < r->evals.n; i++) {
        const jeval *ev = &r->evals.v[i];
        size_t t = ev->src < 0 ? r->srcs.n : (size_t)ev->src;
        if (!r->trees[t]) {
            vrv_jnode *root;
            if (ev->src < 0) {
                if (vrv_scan_dom(feat, b, (size_t)(e - b), arena, &root, err)) return VRV_EINVAL;
            } else {
                /* an object holding just the source field, so the whole
                 * expression (starting at $) evaluates unchanged */
                const jsrc *s = &r->srcs.v[ev->src];
                const vrv_value *rawv = &r->slots[s->raw_slot];
                root = vrv_arena_calloc(arena, sizeof *root);
                root->kind = VRV_J_OBJECT;
                if (rawv->type == VRV_V_JSON) {
                    vrv_jnode *child;
                    if (vrv_scan_dom(feat, rawv->u.s, rawv->len, arena, &child, err))
                        return VRV_EINVAL;
                    vrv_str *k = vrv_arena_alloc(arena, sizeof *k);
                    *k = vrv_str_make(s->key, s->klen);
                    root->n = 1;
                    root->keys = k;
                    root->u.items = child;
                }
            }
            r->trees[t] = root;
        }
        int rc = vrv_jpath_eval(ev->jp, r->trees[t], arena, &r->slots[ev->slot], err);
        if (rc) return rc;
    }
    return 0;
}

/* Scans the event at *pos of [base, base+len). 1 event, 0 end, <0 error. */
static int event(jreader *r, const char *base, size_t len, size_t *pos, vrv_arena *arena,
                 vrv_error *err)
{
    size_t start = *pos;
    int rc = vrv_scan_next(r->plan, base, len, pos, &r->out, arena, err);
    r->bad_syntax = rc < 0 && !r->out.not_object;
    /* the event's own bytes, without the whitespace before it; for malformed
     * JSON, everything from there on */
    const char *b = base + start, *e = rc < 0 && r->bad_syntax ? base + len : base + *pos;
    while (b < e && (*b == ' ' || *b == '\t' || *b == '\n' || *b == '\r')) b++;
    r->raw = b;
    r->rawlen = (size_t)(e - b);
    if (rc <= 0) return rc;
    rc = run_evals(r, b, e, arena, err);
    return rc ? rc : 1;
}

static bool is_simple(const vrv_value *v)
{
    /* Druid's discoverRootFields: not an object, not a list holding a container */
    return v->type != VRV_V_JSON;
}

/* Points row at the current event's values. */
static void emit(jreader *r, vrv_row *row)
{
    const vrv_fieldset *fs = r->fs;
    memcpy(row->vals, r->slots, fs->n * sizeof *row->vals);
    row->nextra = 0;
    row->extra_names = NULL;
    row->extra_vals = NULL;
    if (!fs->discover) return;
    r->xnames.n = r->xvals.n = 0;
    const jfmt *f = r->fmt;
    for (size_t i = 0; i < f->flat.nfields; i++) {
        vrv_vec_push(&r->xnames, vrv_str_c(f->flat.fields[i].name));
        vrv_vec_push(&r->xvals, r->slots[r->field_slot[i]]);
    }
    for (size_t i = 0; i < r->out.nfields && r->out.discover; i++) {
        const vrv_value *v = &r->out.vals[i];
        vrv_str k = r->out.names[i];
        if (f->flat.nfields && vrv_map_get(&r->flat_names, k.p, k.n)) continue;
        if (!fs->discover_nested && (!is_simple(v) || (v->type == VRV_V_NULL && !f->keep_null)))
            continue;
        vrv_vec_push(&r->xnames, k);
        vrv_vec_push(&r->xvals, *v);
    }
    row->nextra = r->xnames.n;
    row->extra_names = r->xnames.v;
    row->extra_vals = r->xvals.v;
}

static bool only_ws(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') return false;
    return true;
}

static int next_line(jreader *r, vrv_row *row, vrv_arena *arena, vrv_error *err)
{
    if (r->pos >= r->len) {
        r->done = true;
        return 0;
    }
    const char *ls = r->data + r->pos, *end = r->data + r->len;
    const char *nl = memchr(ls, '\n', (size_t)(end - ls));
    const char *le = nl ? nl : end;
    r->pos = (size_t)(le - r->data) + (nl ? 1 : 0);
    if (le > ls && le[-1] == '\r') le--;
    size_t n = (size_t)(le - ls);
    r->line++;
    size_t p = 0;
    int rc = event(r, ls, n, &p, arena, err);
    if (rc == 1) {
        emit(r, row);
        return 1;
    }
    r->raw = ls;
    r->rawlen = n;
    if (rc == 0) return vrv_error_set(err, VRV_EINVAL, "line %zu: no content, expected a JSON object", r->line);
    vrv_error_prefix(err, "line %zu", r->line);
    return rc;
}

/* Copies the current event's row into the arena (stream mode, several events). */
static void keep_row(jreader *r, vrv_arena *arena, jrow *out)
{
    vrv_row tmp = {vrv_arena_alloc(arena, (r->fs->n ? r->fs->n : 1) * sizeof(vrv_value)), r->fs->n,
                   0, NULL, NULL};
    emit(r, &tmp);
    out->vals = tmp.vals;
    out->nextra = tmp.nextra;
    out->names = tmp.nextra ? vrv_arena_memdup(arena, tmp.extra_names, tmp.nextra * sizeof(vrv_str)) : NULL;
    out->xvals = tmp.nextra ? vrv_arena_memdup(arena, tmp.extra_vals, tmp.nextra * sizeof(vrv_value)) : NULL;
    out->raw = r->raw;
    out->rawlen = r->rawlen;
}

static int load_stream(jreader *r, vrv_row *row, vrv_arena *arena, vrv_error *err)
{
    r->loaded = true;
    int rc = event(r, r->data, r->len, &r->pos, arena, err);
    if (rc <= 0) goto whole;
    if (only_ws(r->data + r->pos, r->len - r->pos)) {
        /* the common case: one event per record */
        r->done = true;
        emit(r, row);
        return 1;
    }
    size_t cap = 8;
    r->rows = vrv_arena_alloc(arena, cap * sizeof *r->rows);
    for (;;) {
        if (r->nrows == cap) {
            jrow *nr = vrv_arena_alloc(arena, 2 * cap * sizeof *nr);
            memcpy(nr, r->rows, cap * sizeof *nr);
            r->rows = nr;
            cap *= 2;
        }
        keep_row(r, arena, &r->rows[r->nrows++]);
        rc = event(r, r->data, r->len, &r->pos, arena, err);
        if (rc == 0) break;
        if (rc < 0) goto whole;
    }
    return 2; /* rows buffered */
whole:
    /* JsonReader: one bad value spoils the whole record */
    r->done = true;
    r->nrows = 0;
    r->raw = r->data;
    r->rawlen = r->len;
    return rc;
}

static int jreader_next(void *impl, vrv_row *row, vrv_arena *arena, vrv_error *err)
{
    jreader *r = impl;
    assert(row->nvals >= r->fs->n);
    switch (r->mode) {
    case MODE_LINES:
        if (r->done) return 0;
        return next_line(r, row, arena, err);
    case MODE_STREAM:
        if (!r->loaded) {
            int rc = load_stream(r, row, arena, err);
            if (rc != 2) return rc;
        }
        if (r->next_row < r->nrows) {
            const jrow *jr = &r->rows[r->next_row++];
            memcpy(row->vals, jr->vals, r->fs->n * sizeof *row->vals);
            row->nextra = jr->nextra;
            row->extra_names = jr->names;
            row->extra_vals = jr->xvals;
            r->raw = jr->raw;
            r->rawlen = jr->rawlen;
            return 1;
        }
        return 0;
    default: {
        if (r->done) return 0;
        int rc = event(r, r->data, r->len, &r->pos, arena, err);
        if (rc == 1) {
            emit(r, row);
            return 1;
        }
        /* malformed JSON ends the record; a bad value spoils only its event */
        if (rc == 0 || r->bad_syntax) r->done = true;
        return rc;
    }
    }
}

static vrv_str jreader_raw(const void *impl)
{
    const jreader *r = impl;
    return vrv_str_make(r->raw, r->rawlen);
}

const vrv_input_format_ops vrv_input_format_json = {
    .type = "json",
    .parse = jfmt_parse,
    .free_impl = jfmt_free,
    .columns = jfmt_columns,
    .reader_new = jreader_new,
    .reader_free = jreader_free,
    .reader_start = jreader_start,
    .reader_next = jreader_next,
    .reader_raw = jreader_raw,
};
