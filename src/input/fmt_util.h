/*
 * fmt_util.h — pieces shared by the text input formats (csv, tsv, regex) and
 * the stream wrapper formats (kafka, kinesis): reading their spec fields with
 * path-named errors, Druid's line splitting, the UTF-8 repair Java applies when
 * it turns bytes into a String, and the conversion of one text field into a
 * value (list delimiter, optional number parsing).
 *
 * Nothing here keeps state; every allocation is either the caller's (spec
 * getters return malloc'd copies, freed with the matching free) or comes from
 * the arena passed in.
 */
#ifndef VRV_FMT_UTIL_H
#define VRV_FMT_UTIL_H

#include <jansson.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/str.h"
#include "base/value.h"
#include "input/row.h"

/* ---- spec fields -------------------------------------------------------
 * Each getter treats an absent key and JSON null alike ("not given": *given
 * false when the getter has that out-parameter, the default otherwise) and
 * fails with VRV_EINVAL "<path>.<key>: must be ..." on a wrong type. */

/* *out borrows the JSON string (valid as long as obj); def may be NULL. */
int vrv_fmt_get_string(const json_t *obj, const char *key, const char *path, const char *def,
                       const char **out, vrv_error *err);
/* Accepts true/false and, as Jackson does for Boolean fields, "true"/"false". */
int vrv_fmt_get_bool(const json_t *obj, const char *key, const char *path, bool *given, bool *out,
                     vrv_error *err);
/* An integer in [min, max]; numeric strings are accepted as Jackson does. */
int vrv_fmt_get_int(const json_t *obj, const char *key, const char *path, int64_t def,
                    int64_t min, int64_t max, int64_t *out, vrv_error *err);
/* A list of strings, copied: *out is a malloc'd array of *n malloc'd strings
 * (NULL, 0 when not given), freed with vrv_fmt_strings_free. */
int vrv_fmt_get_strings(const json_t *obj, const char *key, const char *path, char ***out,
                        size_t *n, vrv_error *err);
void vrv_fmt_strings_free(char **v, size_t n);
/* Fails with "<path>: duplicate column name 'x'" when a name repeats. */
int vrv_fmt_check_unique(char *const *names, size_t n, const char *path, vrv_error *err);

/* ---- lines -------------------------------------------------------------
 * Druid's line iterator (FastLineIterator): lines end at LF, a CR right before
 * the LF is dropped, the bytes after the last LF form a last line only when
 * there are some. Empty lines are lines. */
typedef struct vrv_fmt_lines {
    const char *data;
    size_t len;
    size_t pos;     /* start of the next line */
    size_t lineno;  /* 1-based number of the line last returned */
} vrv_fmt_lines;

static inline void vrv_fmt_lines_init(vrv_fmt_lines *l, const char *data, size_t len)
{
    l->data = data;
    l->len = data ? len : 0;
    l->pos = 0;
    l->lineno = 0;
}

/* Returns false at the end of the block. */
bool vrv_fmt_lines_next(vrv_fmt_lines *l, vrv_str *line);

/* ---- UTF-8 -------------------------------------------------------------- */

/* Whether s is well-formed UTF-8 (no surrogates, no overlongs, <= U+10FFFF). */
bool vrv_fmt_utf8_valid(const char *s, size_t n);
/* Returns s unchanged when it is well-formed, else a copy in the arena where
 * each maximal ill-formed subpart is replaced by U+FFFD, as Java's decoder
 * does when it builds a String from bytes. */
vrv_str vrv_fmt_utf8_repair(const char *s, size_t n, vrv_arena *a);

/* ---- field values ------------------------------------------------------- */

typedef struct vrv_fmt_text_opts {
    vrv_str list_delim;     /* a field containing it becomes a multi-value array */
    bool parse_numbers;     /* `tryParseNumbers`: longs and doubles instead of strings */
    bool repair_utf8;       /* input may hold ill-formed UTF-8 */
} vrv_fmt_text_opts;

/* The value of one text field p[0..n) (not null): a string, or with
 * parse_numbers a long/double, or an array of those when the field contains
 * the list delimiter (empty parts stay empty strings, as Guava's Splitter
 * leaves them). Strings borrow p unless repaired; arrays live in the arena. */
vrv_value vrv_fmt_text_value(const char *p, size_t n, const vrv_fmt_text_opts *o, vrv_arena *a);

/* Looks up each name in the field set: slots[i] = slot or -1. */
void vrv_fmt_map_slots(const vrv_fieldset *fs, char *const *names, size_t n, long *slots);

#endif
