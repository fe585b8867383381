/*
 * fmt_util.h — pieces shared by the text input formats (csv, tsv, regex) and
 * the stream wrapper formats (kafka, kinesis): shared spec checks, Druid's
 * line splitting, the UTF-8 repair Java applies when
 * it turns bytes into a String, and the conversion of one text field into a
 * value (list delimiter, optional number parsing).
 *
 * Nothing here keeps state; allocations come from the arena passed in.
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
 * Specs are read with the getters of json/jutil.h; these are the extra
 * checks the formats share. */

/* True when obj has key with a non-null value (Jackson's "given"). */
bool vrv_fmt_given(const json_t *obj, const char *key);
/* Frees an array of n malloc'd strings (as vrv_json_get_string_array makes). */
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
