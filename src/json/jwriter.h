/*
 * jwriter.h — the streaming JSON writer behind every query result and API
 * response, producing the bytes Druid's Jackson ObjectMapper produces:
 *
 *  - longs as JSON integers; doubles and floats as Java's Double.toString /
 *    Float.toString print them ("9050.0", "1.0E-4"); NaN and ±Infinity as the
 *    JSON strings "NaN", "Infinity", "-Infinity" (Jackson's quoted non-numeric
 *    numbers, druid-query.md §9);
 *  - strings with `"`, `\` and control characters escaped (\n \t \r \b \f and
 *    \u00XX with upper-case hex, as Jackson does), non-ASCII UTF-8 written
 *    literally, and each maximal invalid UTF-8 subsequence replaced by U+FFFD the
 *    way Java's UTF-8 decoder does;
 *  - with VRV_JW_PRETTY, Jackson's DefaultPrettyPrinter layout (objects one
 *    entry per line indented by two spaces, "key" : value, arrays on one line
 *    as [ 1, 2 ], empty containers as { } and [ ]).
 *
 * Commas and separators are placed automatically from the nesting state, so a
 * caller only says what comes next. The writer appends to a caller-owned
 * vrv_buf and allocates nothing per value (the buffer grows geometrically).
 * Not thread safe; one writer per output.
 */
#ifndef VRV_JWRITER_H
#define VRV_JWRITER_H

#include <jansson.h>

#include "base/buf.h"
#include "base/value.h"
#include "base/vrv.h"

#define VRV_JW_PRETTY 0x1u /* Jackson DefaultPrettyPrinter layout */

/* Deepest nesting tracked; deeper begin calls set `overflow` and are ignored.
 * Jackson's own default read limit is 1000 levels, so real results never get here. */
#define VRV_JW_MAX_DEPTH 1024

typedef struct vrv_jw {
    vrv_buf *out;        /* borrowed; output is appended */
    unsigned flags;      /* VRV_JW_* */
    uint32_t depth;      /* open containers */
    bool after_key;      /* a key was written; its value comes next */
    bool overflow;       /* nesting went beyond VRV_JW_MAX_DEPTH: output is incomplete */
    /* per open container: bit 0 object (else array), bit 1 has entries */
    uint8_t level[VRV_JW_MAX_DEPTH];
} vrv_jw;

/* Starts writing into out (appending to what it holds). */
void vrv_jw_init(vrv_jw *w, vrv_buf *out, unsigned flags);
/* True when every opened container was closed and nothing overflowed. */
bool vrv_jw_complete(const vrv_jw *w);

void vrv_jw_begin_object(vrv_jw *w);
void vrv_jw_end_object(vrv_jw *w);
void vrv_jw_begin_array(vrv_jw *w);
void vrv_jw_end_array(vrv_jw *w);

/* An object key (escaped like a string); the next call writes its value. */
void vrv_jw_key(vrv_jw *w, const char *k);
void vrv_jw_keyn(vrv_jw *w, const char *k, size_t n);

void vrv_jw_string(vrv_jw *w, const char *s);
void vrv_jw_stringn(vrv_jw *w, const char *s, size_t n);
void vrv_jw_long(vrv_jw *w, int64_t v);
void vrv_jw_double(vrv_jw *w, double v);
void vrv_jw_float(vrv_jw *w, float v);
void vrv_jw_bool(vrv_jw *w, bool v);
void vrv_jw_null(vrv_jw *w);
/* n bytes of already-encoded JSON written as one value, unchanged (also in
 * pretty mode). The caller guarantees it is valid JSON. */
void vrv_jw_raw(vrv_jw *w, const char *json, size_t n);

/* A vrv_value: null, long (true/false when it carries VRV_VF_BOOL), float,
 * double, string, array (a JSON array of its elements), JSON (raw). A complex
 * value has no JSON form of its own: the writer writes null and returns false,
 * so the owner of the complex type serialises it instead. */
bool vrv_jw_value(vrv_jw *w, const vrv_value *v);

/* A jansson value: objects keep their key order, integers are longs, reals are
 * Java doubles. */
void vrv_jw_json(vrv_jw *w, const json_t *v);

/* key + value shorthands */
void vrv_jw_kv_string(vrv_jw *w, const char *k, const char *s);
void vrv_jw_kv_long(vrv_jw *w, const char *k, int64_t v);
void vrv_jw_kv_double(vrv_jw *w, const char *k, double v);
void vrv_jw_kv_bool(vrv_jw *w, const char *k, bool v);
void vrv_jw_kv_null(vrv_jw *w, const char *k);

/* Appends s (n bytes) to b as a quoted JSON string with the escaping above; for
 * callers that build JSON text without a writer. */
void vrv_jw_append_quoted(vrv_buf *b, const char *s, size_t n);

#endif
