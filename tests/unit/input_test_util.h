/*
 * input_test_util.h — helpers for the input format tests: build a format
 * from JSON text, a field set from a name list, and render every row a reader
 * yields for a block as text, so a test states the exact rows it expects.
 *
 * Rendering: one line per row, `name=value` pairs separated by single spaces
 * in field-set order (or, in discovery mode, the reader's field order);
 * strings in double quotes with \n \r \t \" \\ escaped, null as `null`,
 * longs in decimal, doubles as Java prints them, arrays as [a,b]. A row error
 * is the line `error: <message>`.
 */
#ifndef VRV_INPUT_TEST_UTIL_H
#define VRV_INPUT_TEST_UTIL_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/numfmt.h"
#include "input/input.h"
#include "test.h"

static inline vrv_input_format *tu_format(const char *json)
{
    json_error_t je;
    json_t *spec = json_loads(json, 0, &je);
    if (!spec) {
        fprintf(stderr, "bad test JSON: %s: %s\n", json, je.text);
        return NULL;
    }
    vrv_input_format *f = NULL;
    vrv_error err;
    vrv_error_clear(&err);
    if (vrv_input_format_parse(spec, "spec.ioConfig.inputFormat", &f, &err))
        fprintf(stderr, "format error: %s\n", err.msg);
    json_decref(spec);
    return f;
}

/* The parse error message for a spec that must be rejected ("" if accepted). */
static inline const char *tu_format_error(const char *json)
{
    static vrv_error err;
    vrv_error_clear(&err);
    json_t *spec = json_loads(json, 0, NULL);
    vrv_input_format *f = NULL;
    if (vrv_input_format_parse(spec, "spec.ioConfig.inputFormat", &f, &err) == 0) {
        vrv_input_format_free(f);
        err.msg[0] = '\0';
    }
    json_decref(spec);
    return err.msg;
}

/* names: comma-separated; a leading '*' turns discovery mode on. */
static inline void tu_fieldset(vrv_fieldset *fs, const char *names)
{
    vrv_fieldset_init(fs);
    if (*names == '*') {
        fs->discover = true;
        names++;
    }
    while (*names) {
        size_t n = strcspn(names, ",");
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%.*s", (int)n, names);
        vrv_fieldset_add(fs, tmp);
        names += n + (names[n] == ',');
    }
}

static inline void tu_value(vrv_buf *b, const vrv_value *v)
{
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(b, "null"); break;
    case VRV_V_STRING:
        vrv_buf_putc(b, '"');
        for (uint32_t i = 0; i < v->len; i++) {
            unsigned char c = (unsigned char)v->u.s[i];
            if (c == '\n') vrv_buf_puts(b, "\\n");
            else if (c == '\r') vrv_buf_puts(b, "\\r");
            else if (c == '\t') vrv_buf_puts(b, "\\t");
            else if (c == '"') vrv_buf_puts(b, "\\\"");
            else if (c == '\\') vrv_buf_puts(b, "\\\\");
            else if (c < 0x20) vrv_buf_printf(b, "\\x%02x", c);
            else vrv_buf_putc(b, (char)c);
        }
        vrv_buf_putc(b, '"');
        break;
    case VRV_V_ARRAY:
        vrv_buf_putc(b, '[');
        for (uint32_t i = 0; i < v->len; i++) {
            if (i) vrv_buf_putc(b, ',');
            tu_value(b, &v->u.a[i]);
        }
        vrv_buf_putc(b, ']');
        break;
    default:
        if (!vrv_value_append_string(v, b)) vrv_buf_puts(b, "?");
        break;
    }
}

static inline void tu_row(vrv_buf *b, const vrv_fieldset *fs, const vrv_row *row)
{
    if (fs->discover) {
        for (size_t i = 0; i < row->nextra; i++) {
            if (i) vrv_buf_putc(b, ' ');
            vrv_buf_printf(b, "%.*s=", (int)row->extra_names[i].n, row->extra_names[i].p);
            tu_value(b, &row->extra_vals[i]);
        }
    } else {
        for (size_t i = 0; i < fs->n; i++) {
            if (i) vrv_buf_putc(b, ' ');
            vrv_buf_printf(b, "%s=", fs->names[i]);
            tu_value(b, &row->vals[i]);
        }
    }
    vrv_buf_putc(b, '\n');
}

/* Reads every row of one block with reader r; returns the rendering (free()). */
static inline char *tu_read_with(vrv_input_reader *r, const vrv_fieldset *fs, const char *data,
                                 size_t len, const vrv_record_meta *meta)
{
    vrv_buf out = VRV_BUF_INIT;
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_value *vals = calloc(fs->n ? fs->n : 1, sizeof *vals);
    vrv_input_reader_start(r, data, len, meta);
    for (int guard = 0; guard < 100000; guard++) {
        vrv_row row = {vals, fs->n, 0, NULL, NULL};
        vrv_error err;
        vrv_error_clear(&err);
        int rc = vrv_input_reader_next(r, &row, &arena, &err);
        if (rc == 0) break;
        if (rc < 0) vrv_buf_printf(&out, "error: %s\n", err.msg);
        else tu_row(&out, fs, &row);
    }
    free(vals);
    vrv_arena_destroy(&arena);
    return vrv_buf_detach(&out);
}

/* Parses format, binds a reader to the fields, reads the block. */
static inline char *tu_read(const char *format_json, const char *fields, const char *data,
                            size_t len, const vrv_record_meta *meta)
{
    vrv_input_format *f = tu_format(format_json);
    if (!f) return vrv_strdup("format rejected");
    vrv_fieldset fs;
    tu_fieldset(&fs, fields);
    vrv_error err;
    vrv_input_reader *r = vrv_input_reader_new(f, &fs, &err);
    char *s = r ? tu_read_with(r, &fs, data, len, meta) : vrv_strdup(err.msg);
    vrv_input_reader_free(r);
    vrv_fieldset_destroy(&fs);
    vrv_input_format_free(f);
    return s;
}

static inline char *tu_read_str(const char *format_json, const char *fields, const char *data)
{
    return tu_read(format_json, fields, data, strlen(data), NULL);
}

/* Reads a file under tests/data/input/ into b. */
static inline void tu_data_file(vrv_buf *b, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/input/%s", vrv_test_src_dir(), name);
    vrv_buf_reset(b);
    if (vrv_buf_read_file(b, path) != 0) vrv_test_fail(__FILE__, __LINE__, "cannot read %s", path);
}

#define CHECK_ROWS(got_expr, expected)                                                             \
    do {                                                                                           \
        char *got_ = (got_expr);                                                                   \
        CHECK_STR(got_, expected);                                                                 \
        free(got_);                                                                                \
    } while (0)

#endif
