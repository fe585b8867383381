/*
 * sampler.c — Druid's sampler over the row pipeline (see sampler.h).
 *
 * Each block goes through the pipeline once, into the sampler's one index,
 * with an observer that learns what became of every row (indexed into a new
 * index row, folded by rollup, thrown away, unparseable). A second reader
 * of the same input format, in discovery mode, decodes the same block again
 * for the `input` side of each row: the two readers see the same rows in
 * the same order, so the observer's row numbers pair them. The `parsed`
 * side is read from the index only when the response is built, so a row
 * shows what rollup later folded into it, as in Druid.
 */
#include "ingest/sampler.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/vec.h"
#include "ingest/pipeline.h"
#include "ingest/rows_json.h"
#include "input/input.h"
#include "json/jwriter.h"

/* One row of the response, in read order. */
typedef struct srow {
    json_t *input;  /* decoded fields, or NULL */
    long index_row; /* the index row to show as `parsed`, or -1 */
    bool unparseable;
    char *error; /* owned, or NULL */
} srow;

/* What the observer saw of one row of the current block. */
typedef struct sevent {
    vrv_row_outcome outcome;
    size_t seq;
    long index_row; /* INDEXED and a new index row; else -1 */
    char *error;    /* owned, or NULL */
} sevent;

struct vrv_sampler {
    const vrv_spec_data_schema *schema;
    size_t num_rows;
    vrv_pipeline *p;
    vrv_index *idx;
    size_t read;    /* numRowsRead */
    size_t indexed; /* numRowsIndexed */
    bool stopped;   /* the sink refused a row: numRows reached within a block */
    VRV_VEC(srow) rows;
    VRV_VEC(sevent) events;

    /* the discovery reader for `input` */
    vrv_input_format *fmt;
    vrv_fieldset fs;
    vrv_input_reader *reader;
    vrv_value *vals;
    vrv_arena arena;
    VRV_VEC(json_t *) inputs; /* the current block's rows by seq; NULL: undecodable */
    vrv_buf tmp;
};

/* ---- errors as Druid words them ------------------------------------------- */

static char *join_details(char *const *details, size_t n)
{
    vrv_buf b = VRV_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (i) vrv_buf_append(&b, ", ", 2);
        vrv_buf_append(&b, details[i], strlen(details[i]));
    }
    if (!n) vrv_buf_printf(&b, "Unable to parse row");
    return vrv_buf_detach(&b);
}

/* A row ingested with columns that failed to convert: Druid's
 * UnparseableColumnsParseException message. */
static char *columns_error(vrv_str raw, char *const *details, size_t n)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "Found unparseable columns in row: [%.*s], exceptions: [",
                   (int)VRV_MIN(raw.n, (size_t)512), raw.p ? raw.p : "");
    for (size_t i = 0; i < n; i++) {
        vrv_buf_append(&b, details[i], strlen(details[i]));
        vrv_buf_putc(&b, ',');
    }
    vrv_buf_putc(&b, ']');
    return vrv_buf_detach(&b);
}

/* ---- the pipeline's side -------------------------------------------------- */

static void observe(void *ctx, const vrv_row_event *ev)
{
    vrv_sampler *s = ctx;
    sevent e = {ev->outcome, ev->seq, -1, NULL};
    if (ev->outcome == VRV_ROW_INDEXED) {
        if (ev->new_row) e.index_row = (long)ev->row;
        if (ev->ndetails) e.error = columns_error(ev->raw, ev->details, ev->ndetails);
    } else if (ev->outcome == VRV_ROW_UNPARSEABLE) {
        e.error = join_details(ev->details, ev->ndetails);
    }
    vrv_vec_push(&s->events, e);
}

/* The one index; refused once numRows rows are read, which ends the block. */
static vrv_index *sink(void *ctx, vrv_ms t, vrv_error *err)
{
    (void)t;
    vrv_sampler *s = ctx;
    size_t pending = 0;
    for (size_t i = 0; i < s->events.n; i++)
        if (s->events.v[i].outcome != VRV_ROW_DROPPED) pending++;
    if (s->read + pending >= s->num_rows) {
        s->stopped = true;
        vrv_error_set(err, VRV_ECANCELED, "sampler: %zu rows read", s->num_rows);
        return NULL;
    }
    if (!s->idx) s->idx = vrv_pipeline_new_index(s->p);
    return s->idx;
}

/* ---- the input side ------------------------------------------------------- */

/* Decodes the block again, keeping each row's fields as a JSON object. */
static void decode_inputs(vrv_sampler *s, const char *data, size_t len, const vrv_record_meta *meta,
                          size_t upto)
{
    for (size_t i = 0; i < s->inputs.n; i++) json_decref(s->inputs.v[i]);
    s->inputs.n = 0;
    vrv_arena_reset(&s->arena);
    vrv_input_reader_start(s->reader, data, len, meta);
    vrv_row row = {s->vals, s->fs.n, 0, NULL, NULL};
    while (s->inputs.n <= upto) {
        vrv_error rerr;
        for (size_t i = 0; i < s->fs.n; i++) s->vals[i] = vrv_null();
        int got = vrv_input_reader_next(s->reader, &row, &s->arena, &rerr);
        if (got == 0) break;
        json_t *obj = NULL;
        if (got > 0) {
            vrv_buf_reset(&s->tmp);
            vrv_jw w;
            vrv_jw_init(&w, &s->tmp, 0);
            vrv_jw_begin_object(&w);
            for (size_t i = 0; i < row.nextra; i++) {
                vrv_jw_keyn(&w, row.extra_names[i].p, row.extra_names[i].n);
                const vrv_value *v = &row.extra_vals[i];
                if (v->type == VRV_V_JSON)
                    vrv_jw_raw(&w, v->u.s, v->len);
                else if (!vrv_jw_value(&w, v))
                    vrv_jw_null(&w);
            }
            vrv_jw_end_object(&w);
            obj = json_loadb(s->tmp.data, s->tmp.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        }
        vrv_vec_push(&s->inputs, obj);
    }
}

static json_t *input_at(vrv_sampler *s, size_t seq)
{
    return seq < s->inputs.n && s->inputs.v[seq] ? json_incref(s->inputs.v[seq]) : NULL;
}

/* ---- life cycle ----------------------------------------------------------- */

int vrv_sampler_new(const vrv_spec_data_schema *schema, const vrv_spec_sub *input_format,
                    size_t num_rows, vrv_sampler **out, vrv_error *err)
{
    *out = NULL;
    vrv_sampler *s = vrv_calloc(1, sizeof *s);
    s->schema = schema;
    s->num_rows = num_rows;
    vrv_fieldset_init(&s->fs);
    vrv_arena_init(&s->arena, 16 * 1024);
    /* no tuning: Druid's sampler applies no parse exception limit */
    vrv_pipeline_config cfg = {.schema = schema, .input_format = input_format};
    int rc = vrv_pipeline_new(&cfg, &s->p, err);
    if (rc) goto fail;
    vrv_pipeline_set_observer(s->p, observe, s);
    if ((rc = vrv_input_format_parse(input_format->json, input_format->path, &s->fmt, err)))
        goto fail;
    s->fs.discover = true;
    s->fs.discover_nested = true;
    vrv_fieldset_add(&s->fs, schema->timestamp.column); /* a reader wants one slot at least */
    s->reader = vrv_input_reader_new(s->fmt, &s->fs, err);
    if (!s->reader) {
        rc = err->code ? err->code : VRV_EINVAL;
        goto fail;
    }
    s->vals = vrv_calloc(s->fs.n, sizeof *s->vals);
    *out = s;
    return 0;
fail:
    vrv_sampler_free(s);
    return rc;
}

void vrv_sampler_free(vrv_sampler *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->rows.n; i++) {
        json_decref(s->rows.v[i].input);
        free(s->rows.v[i].error);
    }
    vrv_vec_free(&s->rows);
    for (size_t i = 0; i < s->events.n; i++) free(s->events.v[i].error);
    vrv_vec_free(&s->events);
    for (size_t i = 0; i < s->inputs.n; i++) json_decref(s->inputs.v[i]);
    vrv_vec_free(&s->inputs);
    vrv_input_reader_free(s->reader);
    vrv_input_format_free(s->fmt);
    vrv_fieldset_destroy(&s->fs);
    free(s->vals);
    vrv_arena_destroy(&s->arena);
    vrv_buf_free(&s->tmp);
    vrv_index_free(s->idx);
    vrv_pipeline_free(s->p);
    free(s);
}

bool vrv_sampler_full(const vrv_sampler *s)
{
    return s->read >= s->num_rows;
}

static int cmp_event(const void *a, const void *b)
{
    const sevent *x = a, *y = b;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void add_row(vrv_sampler *s, json_t *input, long index_row, bool unparseable, char *error)
{
    if (s->read >= s->num_rows) {
        json_decref(input);
        free(error);
        return;
    }
    srow r = {input, index_row, unparseable, error};
    vrv_vec_push(&s->rows, r);
    s->read++;
}

int vrv_sampler_feed(vrv_sampler *s, const char *data, size_t len, const vrv_record_meta *meta,
                     bool record, vrv_error *err)
{
    if (vrv_sampler_full(s)) return 0;
    s->events.n = 0;
    s->stopped = false;
    int rc = vrv_pipeline_process(s->p, data, len, meta, record, sink, s, err);
    if (rc == VRV_ECANCELED && s->stopped) {
        rc = 0;
        vrv_error_clear(err);
    }
    /* a stream record's rows are reported once it parsed whole: back in row order */
    qsort(s->events.v, s->events.n, sizeof *s->events.v, cmp_event);
    size_t upto = 0;
    for (size_t i = 0; i < s->events.n; i++) upto = VRV_MAX(upto, s->events.v[i].seq);
    bool failed_record =
        record && s->events.n && s->events.v[s->events.n - 1].outcome == VRV_ROW_UNPARSEABLE;
    if (s->events.n) decode_inputs(s, data, len, meta, failed_record ? SIZE_MAX - 1 : upto);
    for (size_t i = 0; i < s->events.n; i++) {
        sevent *e = &s->events.v[i];
        char *error = e->error;
        e->error = NULL;
        switch (e->outcome) {
        case VRV_ROW_DROPPED:
            break;
        case VRV_ROW_UNPARSEABLE:
            if (failed_record) {
                /* every row of the record is reported with the record's error */
                size_t n = s->inputs.n ? s->inputs.n : 1;
                for (size_t k = 0; k < n; k++)
                    add_row(s, input_at(s, k), -1, true, k + 1 < n ? vrv_strdup(error) : error);
                error = NULL;
            } else {
                add_row(s, input_at(s, e->seq), -1, true, error);
                error = NULL;
            }
            break;
        case VRV_ROW_INDEXED:
            /* a row with columns that failed to convert is read, not indexed */
            if (s->read < s->num_rows && !error) s->indexed++;
            add_row(s, input_at(s, e->seq), e->index_row, error != NULL, error);
            error = NULL;
            break;
        }
        free(error);
    }
    s->events.n = 0;
    return rc;
}

/* ---- the response --------------------------------------------------------- */

/* A JSON string of text that may not be UTF-8 (a garbled record's bytes
 * quoted in an error): bytes that do not decode become '?'. */
static json_t *lossy_string(const char *text)
{
    json_t *j = json_string(text);
    if (j) return j;
    char *copy = vrv_strdup(text);
    for (char *c = copy; *c; c++)
        if ((unsigned char)*c >= 0x80) *c = '?';
    j = json_string(copy);
    free(copy);
    return j;
}

static const char *dim_type_name(vrv_ctype t)
{
    switch (t) {
    case VRV_C_LONG:
        return "long";
    case VRV_C_FLOAT:
        return "float";
    case VRV_C_DOUBLE:
        return "double";
    case VRV_C_JSON:
        return "json";
    default:
        return "string";
    }
}

/* The declared dimension named name, or NULL (discovered). */
static const vrv_spec_dimension *declared(const vrv_spec_data_schema *sc, const char *name)
{
    for (size_t i = 0; i < sc->dimensions.n_dims; i++)
        if (strcmp(sc->dimensions.dims[i].name, name) == 0) return &sc->dimensions.dims[i];
    return NULL;
}

/* A DimensionSchema as Druid serialises it. */
static json_t *dim_schema(const char *type, const char *name, const char *mvh, bool bitmap)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "name", json_string(name));
    if (strcmp(type, "json") == 0) json_object_set_new(o, "formatVersion", json_integer(5));
    json_object_set_new(o, "multiValueHandling", json_string(mvh));
    json_object_set_new(o, "createBitmapIndex", json_boolean(bitmap));
    return o;
}

static const char *mvh_name(vrv_mvh m)
{
    return m == VRV_MVH_SORTED_SET ? "SORTED_SET" : m == VRV_MVH_ARRAY ? "ARRAY" : "SORTED_ARRAY";
}

static json_t *column(const char *name, const char *type)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "type", json_string(type));
    return o;
}

json_t *vrv_sampler_response(vrv_sampler *s)
{
    json_t *logical = json_array(), *physical = json_array(), *schema = json_array();
    json_array_append_new(schema, column("__time", "LONG"));
    vrv_index *idx = s->idx ? s->idx : vrv_pipeline_new_index(s->p);
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    for (size_t d = 0; d < snap.ndims; d++) {
        const vrv_index_dim *id = &snap.dims[d];
        const vrv_spec_dimension *sd = declared(s->schema, id->name);
        bool bitmap = id->type == VRV_C_STRING || id->type == VRV_C_JSON;
        const char *type = dim_type_name(id->type);
        if (sd && sd->type == VRV_SPEC_DIM_AUTO) type = "auto";
        if (sd && sd->type != VRV_SPEC_DIM_AUTO)
            bitmap = sd->create_bitmap_index || id->type == VRV_C_JSON;
        json_array_append_new(logical, dim_schema(type, id->name, mvh_name(id->mvh), bitmap));
        /* type-aware discovery stores every discovered column as "auto" */
        bool is_auto =
            sd ? sd->type == VRV_SPEC_DIM_AUTO : s->schema->dimensions.use_schema_discovery;
        json_array_append_new(
            physical, dim_schema(is_auto ? "auto" : type, id->name, mvh_name(id->mvh), bitmap));
        json_array_append_new(schema, column(id->name, vrv_ctype_name(id->type)));
    }
    const vrv_agg_list *metrics = vrv_pipeline_metrics(s->p);
    for (size_t m = 0; m < metrics->n; m++) {
        vrv_agg_coltype t = vrv_agg_intermediate_type(metrics->v[m]);
        char name[160];
        if (t.type == VRV_C_COMPLEX)
            snprintf(name, sizeof name, "COMPLEX<%s>", t.complex ? t.complex : "unknown");
        else
            snprintf(name, sizeof name, "%s", vrv_ctype_name(t.type));
        json_array_append_new(schema, column(metrics->v[m]->name, name));
    }

    json_t *data = json_array();
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    for (size_t i = 0; i < s->rows.n; i++) {
        const srow *r = &s->rows.v[i];
        json_t *parsed = NULL;
        if (r->index_row >= 0 && (size_t)r->index_row < snap.nrows) {
            vrv_buf_reset(&s->tmp);
            vrv_rows_json_write_row(idx, metrics, (size_t)r->index_row, true, &arena, &s->tmp);
            vrv_arena_reset(&arena);
            parsed = json_loadb(s->tmp.data, s->tmp.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        }
        /* Druid leaves out rows that are neither shown parsed nor unparseable:
         * those rollup folded into an earlier row */
        if (!parsed && !r->unparseable) continue;
        json_t *o = json_object();
        if (r->input) json_object_set(o, "input", r->input);
        if (parsed) json_object_set_new(o, "parsed", parsed);
        if (r->unparseable) json_object_set_new(o, "unparseable", json_true());
        if (r->error) json_object_set_new(o, "error", lossy_string(r->error));
        json_array_append_new(data, o);
    }
    vrv_arena_destroy(&arena);
    if (idx != s->idx) vrv_index_free(idx);

    json_t *out = json_object();
    json_object_set_new(out, "numRowsRead", json_integer((json_int_t)s->read));
    json_object_set_new(out, "numRowsIndexed", json_integer((json_int_t)s->indexed));
    json_object_set_new(out, "logicalDimensions", logical);
    json_object_set_new(out, "physicalDimensions", physical);
    json_object_set_new(out, "logicalSegmentSchema", schema);
    json_object_set_new(out, "data", data);
    return out;
}
