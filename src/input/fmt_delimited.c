/*
 * fmt_delimited.c — the `csv` and `tsv` input formats: delimited text, one row
 * per record, values as strings (the row pipeline converts them to dimension
 * types), with Druid's column, header and list-delimiter rules.
 *
 * Druid behaviour reproduced (FlatTextInputFormat, DelimitedValueReader,
 * CsvInputFormat, DelimitedInputFormat, TextReader):
 *  - `columns` is required unless `findColumnsFromHeader` (or its deprecated
 *    alias `hasHeaderRow`) is true; with columns given it defaults to false.
 *    Column names must be unique and must not contain the delimiter (an
 *    empty one becomes column_<n>); the delimiter and `listDelimiter` must
 *    differ.
 *  - Each block (a file, an inline string, a stream record's payload) starts
 *    over: `skipHeaderRows` physical lines are dropped, then with
 *    `findColumnsFromHeader` the next record names the columns (an empty name
 *    becomes column_<n>, a repeated name fails the whole block).
 *  - A record with fewer fields than columns leaves the rest null; fields past
 *    the last column are ignored.
 *  - An empty unquoted field is null (SQL-compatible null handling: opencsv's
 *    EMPTY_SEPARATORS for csv, DelimitedBytes for tsv); a quoted empty csv
 *    field `""` is the empty string. An empty line is a record whose fields are
 *    all null, as in Druid (the timestamp step then rejects it unless the spec
 *    has a timestamp `missingValue`).
 *  - A field containing `listDelimiter` (default U+0001) becomes a multi-value
 *    array of strings; `tryParseNumbers` turns numeric fields (and list
 *    elements) into longs and doubles.
 *  - Ill-formed UTF-8 is replaced with U+FFFD, as Java's String decoding does.
 *
 * csv follows RFC 4180: a field that starts with a double quote runs to the
 * matching quote, may hold delimiters, doubled quotes and line breaks. Druid
 * splits a block into lines before parsing, so it cannot read a line break
 * inside quotes; varve can. A quote inside an unquoted field is literal (and
 * `""` there collapses, as opencsv does). Malformed quoting is a row error
 * rather than opencsv's guesswork: text after a closing quote fails the record
 * and reading resumes on the next line; an unterminated quote fails the record
 * and reading resumes on the line after the one where the record started.
 *
 * tsv does no quote processing at all, exactly like Druid's reader: a quote is
 * an ordinary character. Its `delimiter` may be any non-empty string.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"
#include "input/fmt_util.h"
#include "json/jutil.h"
#include "input/input.h"

typedef struct delim_fmt {
    bool csv;              /* RFC 4180 quoting; tsv otherwise */
    char *delim;           /* csv: ","; tsv: `delimiter`, default tab */
    size_t delim_len;
    char *list_delim;      /* `listDelimiter`, default "\x01" */
    char **columns;        /* `columns` (NULL when taken from each header) */
    size_t ncolumns;
    bool find_header;
    int64_t skip_rows;     /* `skipHeaderRows` */
    bool parse_numbers;    /* `tryParseNumbers` */
} delim_fmt;

/* One field of the current record. */
typedef struct field {
    const char *p;
    size_t n;
    bool null;      /* empty unquoted field */
    bool unescape;  /* contains "" to collapse into " */
} field;

enum { PH_SKIP, PH_HEADER, PH_ROWS, PH_DONE };

typedef struct delim_reader {
    const delim_fmt *f;
    const vrv_fieldset *fs;
    vrv_fmt_text_opts opts;
    /* the columns of the current block and their field-set slots */
    const vrv_str *cols;
    size_t ncols;
    vrv_str *fixed_cols;   /* the format's columns as slices */
    long *fixed_slots;
    vrv_str *hdr_cols;     /* header columns, in hdr_arena */
    long *hdr_slots;
    size_t hdr_cap;
    const long *slots;
    vrv_arena hdr_arena;   /* header names; reset per block */
    /* block */
    const char *data;
    size_t len, pos;
    size_t lines;          /* line breaks consumed before pos */
    int phase;
    vrv_str raw;
    VRV_VEC(field) fields;
    /* discovery output */
    vrv_str *extra_names;
    vrv_value *extra_vals;
    size_t extra_cap;
} delim_reader;

/* ---- spec -------------------------------------------------------------- */

static void delim_free(void *impl)
{
    delim_fmt *f = impl;
    if (!f) return;
    free(f->delim);
    free(f->list_delim);
    vrv_fmt_strings_free(f->columns, f->ncolumns);
    free(f);
}

static int delim_parse(const json_t *spec, const char *path, bool csv, void **impl,
                       vrv_error *err)
{
    delim_fmt *f = vrv_calloc(1, sizeof *f);
    f->csv = csv;
    int rc;
    const char *delim = ",", *list_delim;
    if (!csv && (rc = vrv_json_get_string(spec, "delimiter", path, "\t", &delim, err))) goto fail;
    if (!*delim) {
        rc = vrv_error_set(err, VRV_EINVAL, "%s.delimiter: must not be empty", path);
        goto fail;
    }
    f->delim = vrv_strdup(delim);
    f->delim_len = strlen(delim);
    if ((rc = vrv_json_get_string(spec, "listDelimiter", path, "\x01", &list_delim, err))) goto fail;
    if (!*list_delim) {
        rc = vrv_error_set(err, VRV_EINVAL, "%s.listDelimiter: must not be empty", path);
        goto fail;
    }
    f->list_delim = vrv_strdup(list_delim);
    if (strcmp(delim, list_delim) == 0) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "%s.listDelimiter: cannot be the same as the delimiter [%s]", path, delim);
        goto fail;
    }
    if ((rc = vrv_json_get_string_array(spec, "columns", path, &f->columns, &f->ncolumns, err))) goto fail;

    bool find = false, has = false;
    bool find_given = vrv_fmt_given(spec, "findColumnsFromHeader");
    bool has_given = vrv_fmt_given(spec, "hasHeaderRow");
    if ((rc = vrv_json_get_bool(spec, "findColumnsFromHeader", path, false, &find, err))) goto fail;
    if ((rc = vrv_json_get_bool(spec, "hasHeaderRow", path, false, &has, err))) goto fail;
    if (f->ncolumns == 0) {
        if (find_given && has_given) {
            rc = vrv_error_set(err, VRV_EINVAL,
                               "%s: cannot accept both [findColumnsFromHeader] and [hasHeaderRow]",
                               path);
            goto fail;
        }
        f->find_header = has_given ? has : find;
        if (!f->find_header) {
            rc = vrv_error_set(err, VRV_EINVAL,
                               "%s.columns: required when findColumnsFromHeader is false (if "
                               "[columns] is not set, the first row of the data must be a header "
                               "and [findColumnsFromHeader] must be true)",
                               path);
            goto fail;
        }
    } else {
        f->find_header = find_given ? find : false;
        /* Druid names an empty column as it names an empty header entry */
        for (size_t i = 0; i < f->ncolumns; i++) {
            if (!f->columns[i][0]) {
                free(f->columns[i]);
                char name[32];
                snprintf(name, sizeof name, "column_%zu", i + 1);
                f->columns[i] = vrv_strdup(name);
            }
        }
        char colpath[512];
        snprintf(colpath, sizeof colpath, "%s.columns", path);
        if ((rc = vrv_fmt_check_unique(f->columns, f->ncolumns, colpath, err))) goto fail;
        for (size_t i = 0; i < f->ncolumns; i++) {
            if (strstr(f->columns[i], delim)) {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "%s.columns[%zu]: column [%s] cannot have the delimiter [%s] in "
                                   "its name",
                                   path, i, f->columns[i], delim);
                goto fail;
            }
        }
    }
    if ((rc = vrv_json_get_int64_range(spec, "skipHeaderRows", path, 0, 0, INT32_MAX,
                                       &f->skip_rows, err)))
        goto fail;
    if ((rc = vrv_json_get_bool(spec, "tryParseNumbers", path, false, &f->parse_numbers, err)))
        goto fail;
    *impl = f;
    return VRV_OK;
fail:
    delim_free(f);
    return rc;
}

static int csv_parse(const json_t *spec, const char *path, void **impl, vrv_error *err)
{
    return delim_parse(spec, path, true, impl, err);
}

static int tsv_parse(const json_t *spec, const char *path, void **impl, vrv_error *err)
{
    return delim_parse(spec, path, false, impl, err);
}

static const char *const *delim_columns(const void *impl, size_t *n)
{
    const delim_fmt *f = impl;
    *n = f->find_header ? 0 : f->ncolumns;
    return f->find_header ? NULL : (const char *const *)f->columns;
}

/* ---- reader ------------------------------------------------------------ */

static void *delim_reader_new(const void *impl, const vrv_fieldset *fs, vrv_error *err)
{
    const delim_fmt *f = impl;
    delim_reader *r = vrv_calloc(1, sizeof *r);
    r->f = f;
    r->fs = fs;
    r->opts.list_delim = vrv_str_c(f->list_delim);
    r->opts.parse_numbers = f->parse_numbers;
    vrv_arena_init(&r->hdr_arena, 4096);
    if (!f->find_header) {
        r->fixed_cols = vrv_malloc((f->ncolumns ? f->ncolumns : 1) * sizeof *r->fixed_cols);
        r->fixed_slots = vrv_malloc((f->ncolumns ? f->ncolumns : 1) * sizeof *r->fixed_slots);
        for (size_t i = 0; i < f->ncolumns; i++) r->fixed_cols[i] = vrv_str_c(f->columns[i]);
        vrv_fmt_map_slots(fs, f->columns, f->ncolumns, r->fixed_slots);
    }
    r->phase = PH_DONE;
    return r;
}

static void delim_reader_free(void *reader)
{
    delim_reader *r = reader;
    if (!r) return;
    free(r->fixed_cols);
    free(r->fixed_slots);
    free(r->hdr_cols);
    free(r->hdr_slots);
    vrv_arena_destroy(&r->hdr_arena);
    vrv_vec_free(&r->fields);
    free(r->extra_names);
    free(r->extra_vals);
    free(r);
}

static void delim_reader_start(void *reader, const char *data, size_t len,
                               const vrv_record_meta *meta)
{
    delim_reader *r = reader;
    r->data = data;
    r->len = data ? len : 0;
    r->pos = 0;
    r->lines = 0;
    r->raw = vrv_str_make(data, 0);
    r->phase = PH_SKIP;
    r->opts.repair_utf8 = !vrv_fmt_utf8_valid(r->data, r->len);
    if (!r->f->find_header) {
        r->cols = r->fixed_cols;
        r->ncols = r->f->ncolumns;
        r->slots = r->fixed_slots;
    }
}

static vrv_str delim_reader_raw(const void *reader)
{
    return ((const delim_reader *)reader)->raw;
}

static void push_field(delim_reader *r, const char *p, size_t n, bool quoted, bool unescape)
{
    field fl = {p, n, !quoted && n == 0, unescape};
    vrv_vec_push(&r->fields, fl);
}

static size_t count_lf(const char *p, size_t n)
{
    size_t c = 0;
    for (const char *q = p; (q = memchr(q, '\n', (size_t)(p + n - q))); q++) c++;
    return c;
}

/* Moves pos past the next line break at or after `from` (or to the end). */
static void skip_line_from(delim_reader *r, size_t from)
{
    const char *nl = memchr(r->data + from, '\n', r->len - from);
    r->pos = nl ? (size_t)(nl - r->data) + 1 : r->len;
}

/* Ends r->raw at `end`, dropping a CR before an LF. */
static void set_raw(delim_reader *r, size_t start, size_t end)
{
    if (end > start && r->data[end - 1] == '\n') end--;
    if (end > start && r->data[end - 1] == '\r') end--;
    r->raw = vrv_str_make(r->data + start, end - start);
}

/* Reads one csv record into r->fields. Returns 1, 0 at the end of the block,
 * or VRV_EINVAL (err names the line; pos is past the damage). */
static size_t line_end(const char *d, size_t pos, size_t len)
{
    const char *nl = memchr(d + pos, '\n', len - pos);
    return nl ? (size_t)(nl - d) : len;
}

static int csv_record(delim_reader *r, vrv_error *err)
{
    r->fields.n = 0;
    if (r->pos >= r->len) return 0;
    const char *d = r->data;
    size_t len = r->len, pos = r->pos, start = pos;
    size_t line = r->lines + 1;         /* where the record starts */
    size_t eol = line_end(d, pos, len); /* the line feed ending the current line */
    bool multiline = false;             /* a quoted field crossed a line feed */
    for (;;) {
        if (pos < len && d[pos] == '"') {
            size_t qstart = ++pos;
            bool esc = false;
            const char *q;
            for (;;) {
                q = memchr(d + pos, '"', len - pos);
                if (!q) {
                    /* The opening quote was most likely stray: give up on the
                     * record's first line only. */
                    skip_line_from(r, start);
                    set_raw(r, start, r->pos);
                    r->lines += 1;
                    return vrv_error_set(err, VRV_EINVAL,
                                         "line %zu: unterminated quoted field (field %zu)", line,
                                         r->fields.n + 1);
                }
                pos = (size_t)(q - d) + 1;
                if (pos < len && d[pos] == '"') {
                    esc = true;
                    pos++;
                    continue;
                }
                break;
            }
            if (pos > eol) {
                eol = line_end(d, pos, len);
                multiline = true;
            }
            push_field(r, d + qstart, (size_t)(q - d) - qstart, true, esc);
            if (pos >= len || (d[pos] == '\r' && pos + 1 == len)) {
                pos = len;
                break;
            }
            if (d[pos] == ',') {
                pos++;
                continue;
            }
            if (d[pos] == '\n' || (d[pos] == '\r' && d[pos + 1] == '\n')) {
                pos += d[pos] == '\n' ? 1 : 2;
                break;
            }
            size_t bad_line = r->lines + 1 + count_lf(d + start, pos - start);
            skip_line_from(r, pos);
            set_raw(r, start, r->pos);
            r->lines += count_lf(d + start, r->pos - start);
            return vrv_error_set(err, VRV_EINVAL,
                                 "line %zu: malformed quoting: unexpected character after the "
                                 "closing quote of field %zu",
                                 bad_line, r->fields.n);
        }
        /* unquoted: up to the next comma on this line */
        size_t fstart = pos;
        const char *comma = memchr(d + pos, ',', eol - pos);
        size_t fend = comma ? (size_t)(comma - d) : eol;
        pos = fend;
        if (!comma && eol < len && fend > fstart && d[fend - 1] == '\r') fend--;
        bool quote = memchr(d + fstart, '"', fend - fstart) != NULL;
        push_field(r, d + fstart, fend - fstart, false, quote);
        if (comma) {
            pos++;
            continue;
        }
        if (pos < len) pos++; /* the line feed */
        break;
    }
    set_raw(r, start, pos);
    if (multiline) r->lines += count_lf(d + start, pos - start);
    else r->lines += pos > start && d[pos - 1] == '\n';
    r->pos = pos;
    return 1;
}

/* Reads one tsv line into r->fields: split on the delimiter, nothing else. */
static int tsv_record(delim_reader *r)
{
    r->fields.n = 0;
    vrv_fmt_lines l;
    vrv_fmt_lines_init(&l, r->data, r->len);
    l.pos = r->pos;
    vrv_str line;
    if (!vrv_fmt_lines_next(&l, &line)) return 0;
    r->pos = l.pos;
    r->lines++;
    r->raw = line;
    const char *dl = r->f->delim;
    size_t dn = r->f->delim_len;
    const char *p = line.p, *end = line.p + line.n;
    for (;;) {
        const char *hit = dn == 1 ? memchr(p, dl[0], (size_t)(end - p))
                                  : memmem(p, (size_t)(end - p), dl, dn);
        if (!hit) break;
        push_field(r, p, (size_t)(hit - p), false, false);
        p = hit + dn;
    }
    push_field(r, p, (size_t)(end - p), false, false);
    return 1;
}

static int next_record(delim_reader *r, vrv_error *err)
{
    return r->f->csv ? csv_record(r, err) : tsv_record(r);
}

/* The text of a field with doubled quotes collapsed (into the arena). */
static vrv_str field_text(const field *fl, vrv_arena *a)
{
    if (!fl->unescape) return vrv_str_make(fl->p, fl->n);
    char *out = vrv_arena_alloc(a, fl->n + 1);
    size_t o = 0;
    for (size_t i = 0; i < fl->n; i++) {
        out[o++] = fl->p[i];
        if (fl->p[i] == '"' && i + 1 < fl->n && fl->p[i + 1] == '"') i++;
    }
    return vrv_str_make(out, o);
}

static vrv_value field_value(delim_reader *r, const field *fl, vrv_arena *a)
{
    if (fl->null) return vrv_null();
    vrv_str t = field_text(fl, a);
    return vrv_fmt_text_value(t.p, t.n, &r->opts, a);
}

/* Takes the column names from the header record now in r->fields. */
static int take_header(delim_reader *r, size_t line, vrv_error *err)
{
    vrv_arena_reset(&r->hdr_arena);
    size_t n = r->fields.n;
    if (n > r->hdr_cap) {
        r->hdr_cols = vrv_realloc(r->hdr_cols, n * sizeof *r->hdr_cols);
        r->hdr_slots = vrv_realloc(r->hdr_slots, n * sizeof *r->hdr_slots);
        r->hdr_cap = n;
    }
    vrv_map seen;
    vrv_map_init(&seen, false);
    vrv_buf dups = VRV_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        const field *fl = &r->fields.v[i];
        vrv_str t = field_text(fl, &r->hdr_arena);
        if (r->opts.repair_utf8) t = vrv_fmt_utf8_repair(t.p, t.n, &r->hdr_arena);
        char *name = t.n ? vrv_arena_strndup(&r->hdr_arena, t.p, t.n)
                         : vrv_arena_printf(&r->hdr_arena, "column_%zu", i + 1);
        r->hdr_cols[i] = vrv_str_c(name);
        bool inserted;
        vrv_map_put(&seen, name, r->hdr_cols[i].n, &inserted);
        if (!inserted) vrv_buf_printf(&dups, "%s%s", dups.len ? ", " : "", name);
        r->hdr_slots[i] = vrv_fieldset_find(r->fs, name, r->hdr_cols[i].n);
    }
    vrv_map_destroy(&seen);
    int rc = VRV_OK;
    if (dups.len)
        rc = vrv_error_set(err, VRV_EINVAL, "line %zu: duplicate column entries found in the header: [%s]",
                           line, dups.data);
    vrv_buf_free(&dups);
    r->cols = r->hdr_cols;
    r->ncols = n;
    r->slots = r->hdr_slots;
    return rc;
}

static int delim_reader_next(void *reader, vrv_row *row, vrv_arena *arena, vrv_error *err)
{
    delim_reader *r = reader;
    assert(row->nvals >= r->fs->n);
    int rc;
    if (r->phase == PH_SKIP) {
        for (int64_t i = 0; i < r->f->skip_rows && r->pos < r->len; i++) {
            skip_line_from(r, r->pos);
            r->lines++;
        }
        r->phase = r->f->find_header ? PH_HEADER : PH_ROWS;
    }
    if (r->phase == PH_HEADER) {
        size_t line = r->lines + 1;
        rc = next_record(r, err);
        if (rc <= 0) {
            r->phase = PH_DONE;
            return rc;
        }
        if ((rc = take_header(r, line, err))) {
            r->phase = PH_DONE;
            return rc;
        }
        r->phase = PH_ROWS;
    }
    if (r->phase != PH_ROWS) return 0;
    rc = next_record(r, err);
    if (rc <= 0) {
        if (rc == 0) r->phase = PH_DONE;
        return rc;
    }

    for (size_t s = 0; s < r->fs->n; s++) row->vals[s] = vrv_null();
    size_t nf = r->fields.n, nc = r->ncols;
    size_t n = VRV_MIN(nf, nc);
    if (r->fs->discover) {
        if (nc > r->extra_cap) {
            r->extra_names = vrv_realloc(r->extra_names, nc * sizeof *r->extra_names);
            r->extra_vals = vrv_realloc(r->extra_vals, nc * sizeof *r->extra_vals);
            r->extra_cap = nc;
        }
        for (size_t i = 0; i < nc; i++) {
            r->extra_names[i] = r->cols[i];
            r->extra_vals[i] = i < n ? field_value(r, &r->fields.v[i], arena) : vrv_null();
            if (r->slots[i] >= 0) row->vals[r->slots[i]] = r->extra_vals[i];
        }
        row->nextra = nc;
        row->extra_names = r->extra_names;
        row->extra_vals = r->extra_vals;
    } else {
        for (size_t i = 0; i < n; i++)
            if (r->slots[i] >= 0) row->vals[r->slots[i]] = field_value(r, &r->fields.v[i], arena);
        row->nextra = 0;
        row->extra_names = NULL;
        row->extra_vals = NULL;
    }
    return 1;
}

const vrv_input_format_ops vrv_input_format_csv = {
    .type = "csv",
    .parse = csv_parse,
    .free_impl = delim_free,
    .columns = delim_columns,
    .reader_new = delim_reader_new,
    .reader_free = delim_reader_free,
    .reader_start = delim_reader_start,
    .reader_next = delim_reader_next,
    .reader_raw = delim_reader_raw,
};

const vrv_input_format_ops vrv_input_format_tsv = {
    .type = "tsv",
    .parse = tsv_parse,
    .free_impl = delim_free,
    .columns = delim_columns,
    .reader_new = delim_reader_new,
    .reader_free = delim_reader_free,
    .reader_start = delim_reader_start,
    .reader_next = delim_reader_next,
    .reader_raw = delim_reader_raw,
};
