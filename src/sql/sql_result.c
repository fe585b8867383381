/*
 * sql_result.c — the result formats of POST /druid/v2/sql, byte for byte as
 * Druid's ObjectWriter, ArrayWriter, ObjectLinesWriter, ArrayLinesWriter and
 * CsvWriter write them (druid-query.md §10.1), with the header, typesHeader
 * and sqlTypesHeader rows.
 */
#include <string.h>
#include <strings.h>

#include "base/numfmt.h"
#include "json/jwriter.h"
#include "sql/sql_int.h"

bool vrv_sql_format_parse(const char *s, vrv_sql_format *out)
{
    static const struct {
        const char *name;
        vrv_sql_format f;
    } m[] = {{"object", VRV_SQL_FORMAT_OBJECT},
             {"array", VRV_SQL_FORMAT_ARRAY},
             {"objectLines", VRV_SQL_FORMAT_OBJECT_LINES},
             {"arrayLines", VRV_SQL_FORMAT_ARRAY_LINES},
             {"csv", VRV_SQL_FORMAT_CSV}};
    if (!s) return false;
    for (size_t i = 0; i < VRV_ARRAY_LEN(m); i++)
        if (!strcasecmp(m[i].name, s)) {
            *out = m[i].f;
            return true;
        }
    return false;
}

static void header_object(const vrv_sql_result *r, unsigned h, vrv_jw *w)
{
    vrv_jw_begin_object(w);
    for (size_t i = 0; i < r->ncols; i++) {
        vrv_jw_key(w, r->names[i]);
        if (!(h & (VRV_SQL_TYPES_HEADER | VRV_SQL_SQL_TYPES_HEADER))) {
            vrv_jw_null(w);
            continue;
        }
        vrv_jw_begin_object(w);
        if (h & VRV_SQL_TYPES_HEADER) {
            vrv_jw_key(w, "type");
            if (r->druid_types[i]) vrv_jw_string(w, r->druid_types[i]);
            else vrv_jw_null(w);
        }
        if (h & VRV_SQL_SQL_TYPES_HEADER) vrv_jw_kv_string(w, "sqlType", r->sql_types[i]);
        vrv_jw_end_object(w);
    }
    vrv_jw_end_object(w);
}

/* The header rows of the array-like formats: names, then Druid types, then
 * SQL types. */
static size_t header_rows(unsigned h, const char *const **rows, const vrv_sql_result *r)
{
    size_t n = 0;
    if (!(h & VRV_SQL_HEADER)) return 0;
    rows[n++] = r->names;
    if (h & VRV_SQL_TYPES_HEADER) rows[n++] = r->druid_types;
    if (h & VRV_SQL_SQL_TYPES_HEADER) rows[n++] = r->sql_types;
    return n;
}

static void row_object(const vrv_sql_result *r, size_t row, vrv_jw *w)
{
    const vrv_value *v = vrv_sql_result_row(r, row);
    vrv_jw_begin_object(w);
    for (size_t i = 0; i < r->ncols; i++) {
        vrv_jw_key(w, r->names[i]);
        vrv_jw_value(w, &v[i]);
    }
    vrv_jw_end_object(w);
}

static void row_array(const vrv_sql_result *r, size_t row, vrv_jw *w)
{
    const vrv_value *v = vrv_sql_result_row(r, row);
    vrv_jw_begin_array(w);
    for (size_t i = 0; i < r->ncols; i++) vrv_jw_value(w, &v[i]);
    vrv_jw_end_array(w);
}

static void strings_array(const char *const *s, size_t n, vrv_jw *w)
{
    vrv_jw_begin_array(w);
    for (size_t i = 0; i < n; i++) {
        if (s[i]) vrv_jw_string(w, s[i]);
        else vrv_jw_null(w);
    }
    vrv_jw_end_array(w);
}

/* One CSV field as opencsv's CSVWriter writes it: quoted only when it holds
 * a separator, a quote or a line break; quotes doubled. */
static void csv_field(vrv_buf *b, const char *s, size_t n)
{
    bool quote = false;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n';
    if (!quote) {
        vrv_buf_append(b, s, n);
        return;
    }
    vrv_buf_putc(b, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') vrv_buf_putc(b, '"');
        vrv_buf_putc(b, s[i]);
    }
    vrv_buf_putc(b, '"');
}

static void csv_row_strings(vrv_buf *b, const char *const *s, size_t n)
{
    if (n == 1 && (!s[0] || !*s[0])) {
        vrv_buf_puts(b, "\"\"\n");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (i) vrv_buf_putc(b, ',');
        if (s[i]) csv_field(b, s[i], strlen(s[i]));
    }
    vrv_buf_putc(b, '\n');
}

static void csv_value(vrv_buf *b, const vrv_value *v)
{
    char num[VRV_NUMFMT_MAX];
    switch (v->type) {
    case VRV_V_NULL: break;
    case VRV_V_LONG:
        if (v->flags & VRV_VF_BOOL) vrv_buf_puts(b, v->u.l ? "true" : "false");
        else {
            vrv_fmt_long(v->u.l, num);
            vrv_buf_puts(b, num);
        }
        break;
    case VRV_V_DOUBLE: vrv_fmt_double(v->u.d, num); vrv_buf_puts(b, num); break;
    case VRV_V_FLOAT: vrv_fmt_float(v->u.f, num); vrv_buf_puts(b, num); break;
    default: csv_field(b, v->u.s, v->len); break;
    }
}

static void csv_row(const vrv_sql_result *r, size_t row, vrv_buf *b)
{
    const vrv_value *v = vrv_sql_result_row(r, row);
    if (r->ncols == 1) {
        vrv_buf tmp = VRV_BUF_INIT;
        csv_value(&tmp, &v[0]);
        if (tmp.len == 0) {
            vrv_buf_puts(b, "\"\"\n");
            vrv_buf_free(&tmp);
            return;
        }
        vrv_buf_free(&tmp);
    }
    for (size_t i = 0; i < r->ncols; i++) {
        if (i) vrv_buf_putc(b, ',');
        csv_value(b, &v[i]);
    }
    vrv_buf_putc(b, '\n');
}

void vrv_sql_result_write(const vrv_sql_result *r, vrv_sql_format fmt, unsigned headers,
                          vrv_buf *out)
{
    vrv_jw w;
    const char *const *hrows[3];
    size_t nh = header_rows(headers, hrows, r);
    switch (fmt) {
    case VRV_SQL_FORMAT_OBJECT:
        vrv_jw_init(&w, out, 0);
        vrv_jw_begin_array(&w);
        if (headers & VRV_SQL_HEADER) header_object(r, headers, &w);
        for (size_t i = 0; i < r->nrows; i++) row_object(r, i, &w);
        vrv_jw_end_array(&w);
        vrv_buf_putc(out, '\n');
        break;
    case VRV_SQL_FORMAT_ARRAY:
        vrv_jw_init(&w, out, 0);
        vrv_jw_begin_array(&w);
        for (size_t h = 0; h < nh; h++) strings_array(hrows[h], r->ncols, &w);
        for (size_t i = 0; i < r->nrows; i++) row_array(r, i, &w);
        vrv_jw_end_array(&w);
        vrv_buf_putc(out, '\n');
        break;
    case VRV_SQL_FORMAT_OBJECT_LINES:
    case VRV_SQL_FORMAT_ARRAY_LINES: {
        /* values separated by one newline; the body ends with a blank line */
        bool objects = fmt == VRV_SQL_FORMAT_OBJECT_LINES;
        size_t written = 0;
        if (objects && (headers & VRV_SQL_HEADER)) {
            vrv_jw_init(&w, out, 0);
            header_object(r, headers, &w);
            written++;
        }
        for (size_t h = 0; !objects && h < nh; h++) {
            if (written++) vrv_buf_putc(out, '\n');
            vrv_jw_init(&w, out, 0);
            strings_array(hrows[h], r->ncols, &w);
        }
        for (size_t i = 0; i < r->nrows; i++) {
            if (written++) vrv_buf_putc(out, '\n');
            vrv_jw_init(&w, out, 0);
            if (objects) row_object(r, i, &w);
            else row_array(r, i, &w);
        }
        vrv_buf_puts(out, "\n\n");
        break;
    }
    case VRV_SQL_FORMAT_CSV:
        for (size_t h = 0; h < nh; h++) csv_row_strings(out, hrows[h], r->ncols);
        for (size_t i = 0; i < r->nrows; i++) csv_row(r, i, out);
        vrv_buf_putc(out, '\n');
        break;
    }
}
