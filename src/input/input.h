/*
 * input.h — input formats: from bytes (a stream record's payload or a file's
 * contents) to rows.
 *
 * A vrv_input_format is the parsed, validated `inputFormat` object of a spec:
 * immutable and shared. A vrv_input_reader is one thread's cursor, bound to the
 * pipeline's field set. Each format (json, csv, tsv, regex, kafka, kinesis)
 * supplies a vrv_input_format_ops table, listed in input.c.
 *
 * Reading: vrv_input_reader_start(r, data, len, meta) then vrv_input_reader_next
 * until it returns 0. `data` must stay valid until the next start. Each call
 * yields one row (1), the end of the block (0), or a malformed row (VRV_EINVAL,
 * err says what and where); after an error the reader has skipped the bad row
 * and the next call continues with the following one. The caller provides
 * row->vals with one slot per field-set slot (row->nvals == fs->n); the reader
 * overwrites every slot and sets the discovery list (nextra 0 outside
 * discovery mode).
 */
#ifndef VRV_INPUT_H
#define VRV_INPUT_H

#include <jansson.h>

#include "base/error.h"
#include "input/row.h"

typedef struct vrv_input_format_ops {
    const char *type; /* the spec's "type" value */
    /* Parses spec (the inputFormat object; `path` names it in errors, e.g.
     * "spec.ioConfig.inputFormat"). On success *impl is owned by the caller and
     * freed with free_impl. */
    int (*parse)(const json_t *spec, const char *path, void **impl, vrv_error *err);
    void (*free_impl)(void *impl);
    /* Names of the columns this format always produces (csv/tsv/regex `columns`,
     * flattenSpec fields), for schemaless discovery; NULL when it has none. */
    const char *const *(*columns)(const void *impl, size_t *n);
    void *(*reader_new)(const void *impl, const vrv_fieldset *fs, vrv_error *err);
    void (*reader_free)(void *reader);
    void (*reader_start)(void *reader, const char *data, size_t len, const vrv_record_meta *meta);
    int (*reader_next)(void *reader, vrv_row *row, vrv_arena *arena, vrv_error *err);
    /* The bytes of the row last returned or rejected, for parse exception reports. */
    vrv_str (*reader_raw)(const void *reader);
} vrv_input_format_ops;

typedef struct vrv_input_format {
    const vrv_input_format_ops *ops;
    void *impl;
    json_t *spec; /* the original JSON, a reference held by the format */
} vrv_input_format;

typedef struct vrv_input_reader {
    const vrv_input_format *fmt;
    void *impl;
} vrv_input_reader;

/* Parses an inputFormat object; *out is owned by the caller. */
int vrv_input_format_parse(const json_t *spec, const char *path, vrv_input_format **out,
                           vrv_error *err);
void vrv_input_format_free(vrv_input_format *f);

/* Returns NULL (err set) when the format cannot serve this field set. */
vrv_input_reader *vrv_input_reader_new(const vrv_input_format *f, const vrv_fieldset *fs,
                                       vrv_error *err);
void vrv_input_reader_free(vrv_input_reader *r);

static inline void vrv_input_reader_start(vrv_input_reader *r, const char *data, size_t len,
                                          const vrv_record_meta *meta)
{
    r->fmt->ops->reader_start(r->impl, data, len, meta);
}

static inline int vrv_input_reader_next(vrv_input_reader *r, vrv_row *row, vrv_arena *arena,
                                        vrv_error *err)
{
    return r->fmt->ops->reader_next(r->impl, row, arena, err);
}

static inline vrv_str vrv_input_reader_raw(const vrv_input_reader *r)
{
    return r->fmt->ops->reader_raw(r->impl);
}

/* The formats varve knows; input.c lists them. */
const vrv_input_format_ops *vrv_input_format_lookup(const char *type);

#endif
