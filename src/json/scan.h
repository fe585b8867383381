/*
 * scan.h — the data-plane JSON event scanner: zero-copy extraction of the
 * fields an ingestion spec needs from one JSON object (a stream record's
 * payload, one line of a file), at several hundred MB/s per core.
 *
 * A plan is compiled once from the wanted values: root keys and simple nested
 * paths (object keys and non-negative array indexes: `$.a.b`, `$.a[0]`, tree
 * nodes), each delivered to a numbered slot. Per event the scanner walks the
 * text once, validating all of it (a malformed event is an error with its byte
 * position, never a crash and never a read past `len`: inputs are not
 * NUL-terminated), skipping unwanted fields quickly and filling the slots with
 * Druid's conversions (JSONFlattenerMaker.convertJsonNode):
 *
 *   string            VRV_V_STRING; a slice of the input when it has no escapes,
 *                     else unescaped into the caller's arena (\uXXXX surrogate
 *                     pairs combine; a lone surrogate becomes '?', as Druid's
 *                     UTF-8 round trip of a Java string makes it)
 *   integer           VRV_V_LONG; beyond int64, VRV_V_DOUBLE (Jackson BigInteger)
 *   other number      VRV_V_DOUBLE
 *   true / false      VRV_V_LONG 1 / 0 with flags VRV_VF_BOOL (Druid keeps a
 *                     Boolean: numeric columns read 1/0, strings "true"/"false")
 *   null, absent      VRV_V_NULL
 *   array of scalars  VRV_V_ARRAY, elements converted as above, in the arena
 *   object, or array  VRV_V_JSON: the raw text of the value, a slice of the input
 *   holding a container (a nested column keeps it as JSON; a string dimension
 *                     stores what Druid's String.valueOf of the converted Map or
 *                     List gives, which vrv_json_java_string produces)
 *
 * Duplicate keys: the last one wins (Jackson's tree model); in discovery the
 * key keeps its first position. Nesting deeper than VRV_SCAN_MAX_DEPTH is an
 * error, as Jackson's StreamReadConstraints make it.
 *
 * Complex JsonPath / jq expressions need the whole value: the plan can deliver
 * a value's raw text (VRV_SCAN_RAW) and vrv_scan_dom builds a small tree of it
 * in an arena (jpath.h evaluates expressions on that tree).
 *
 * Ownership: a plan is immutable once built and may be shared by threads.
 * Slot values borrow from the input bytes and the arena passed to the call.
 */
#ifndef VRV_SCAN_H
#define VRV_SCAN_H

#include "base/arena.h"
#include "base/buf.h"
#include "base/error.h"
#include "base/str.h"
#include "base/value.h"
#include "base/vrv.h"

/* Jackson JsonParser.Feature flags the scanner honours (an inputFormat's
 * featureSpec). All off is strict RFC 8259 JSON, Jackson's default. */
#define VRV_SCAN_ALLOW_COMMENTS                0x001u /* C and C++ comments */
#define VRV_SCAN_ALLOW_YAML_COMMENTS           0x002u /* '#' to end of line */
#define VRV_SCAN_ALLOW_SINGLE_QUOTES           0x004u /* 'strings' and 'keys' */
#define VRV_SCAN_ALLOW_UNQUOTED_FIELD_NAMES    0x008u /* {key: 1} */
#define VRV_SCAN_ALLOW_UNQUOTED_CONTROL_CHARS  0x010u /* raw bytes < 0x20 in strings */
#define VRV_SCAN_ALLOW_BACKSLASH_ESCAPING_ANY  0x020u /* "\q" means "q" */
#define VRV_SCAN_ALLOW_NUMERIC_LEADING_ZEROS   0x040u /* 007 */
#define VRV_SCAN_ALLOW_NON_NUMERIC_NUMBERS     0x080u /* NaN, Infinity, +Infinity, -Infinity */
#define VRV_SCAN_ALLOW_TRAILING_COMMA          0x100u /* [1,2,] {"a":1,} */

#define VRV_SCAN_MAX_DEPTH 1000 /* Jackson StreamReadConstraints default nesting limit */

/* What a slot receives. */
enum {
    VRV_SCAN_VALUE = 0, /* the converted value (table above) */
    VRV_SCAN_RAW = 1,   /* VRV_V_JSON with the value's source text, whatever its
                           type; VRV_V_NULL when absent */
};

/* One step of a nested path: an object key, or (key == NULL) an array index. */
typedef struct vrv_scan_step {
    const char *key; /* borrowed during vrv_scan_plan_add only */
    size_t len;
    uint32_t index;
} vrv_scan_step;

typedef struct vrv_scan_plan vrv_scan_plan;

/* features: VRV_SCAN_ALLOW_* bits. */
vrv_scan_plan *vrv_scan_plan_new(unsigned features);
void vrv_scan_plan_free(vrv_scan_plan *p);
/* Delivers the value at steps[0..n) to slot (mode VRV_SCAN_VALUE or _RAW).
 * steps[0] must be a key; several entries may share a path or a slot (the last
 * added wins for a shared slot). Returns VRV_OK or VRV_EINVAL (bad path). */
int vrv_scan_plan_add(vrv_scan_plan *p, const vrv_scan_step *steps, size_t n, uint32_t slot,
                      int mode);
/* Shorthand for a root-level key. */
int vrv_scan_plan_add_root(vrv_scan_plan *p, const char *key, size_t len, uint32_t slot, int mode);
/* 1 + the highest slot added (0 for an empty plan): the size of out->slots. */
size_t vrv_scan_plan_nslots(const vrv_scan_plan *p);
unsigned vrv_scan_plan_features(const vrv_scan_plan *p);

/* Per-call output. slots is caller-provided (vrv_scan_plan_nslots entries) and
 * is reset to null by each scan. With discover set, every root-level field is
 * also listed in input order (names borrow from the input or the arena); the
 * arrays grow with the heap and belong to this struct: vrv_scan_out_free. */
typedef struct vrv_scan_out {
    vrv_value *slots;
    bool discover;
    bool not_object; /* set by vrv_scan_next: its VRV_EINVAL is for a well-formed
                        value that is not an object (the input may go on) */
    size_t nfields;
    vrv_str *names;
    vrv_value *vals;
    size_t cap;
} vrv_scan_out;

void vrv_scan_out_free(vrv_scan_out *o);

/* Scans the next JSON value at or after data[*pos] (whitespace and, if enabled,
 * comments are skipped). Returns
 *   1           an object was scanned: slots (and fields) are filled, *pos is
 *               just past it;
 *   0           nothing but whitespace remains (*pos = len);
 *   VRV_EINVAL  malformed JSON (err: "byte N: ..." with N relative to data;
 *               *pos is the position of the error), or a well-formed value that
 *               is not an object (*pos is just past it).
 * Strings that need unescaping and arrays are allocated from arena. */
int vrv_scan_next(const vrv_scan_plan *plan, const char *data, size_t len, size_t *pos,
                  vrv_scan_out *out, vrv_arena *arena, vrv_error *err);

/* The whole of data[0..len) must be exactly one object, whitespace around it
 * allowed. Returns VRV_OK or VRV_EINVAL. */
int vrv_scan_event(const vrv_scan_plan *plan, const char *data, size_t len, vrv_scan_out *out,
                   vrv_arena *arena, vrv_error *err);

/* Validates one JSON value at data[*pos] without extracting anything, leaving
 * *pos just past it. Same returns as vrv_scan_next, except that any value type
 * counts (1). */
int vrv_scan_skip(unsigned features, const char *data, size_t len, size_t *pos, vrv_error *err);

/* A parsed JSON value, for expression evaluation (jpath.h). Everything lives in
 * the arena given to vrv_scan_dom; strings and raw text may borrow from the
 * input. */
typedef enum vrv_jkind {
    VRV_J_NULL = 0,
    VRV_J_BOOL,   /* u.l 0/1 */
    VRV_J_LONG,   /* u.l */
    VRV_J_DOUBLE, /* u.d */
    VRV_J_STRING, /* u.s, n bytes */
    VRV_J_ARRAY,  /* u.items, n */
    VRV_J_OBJECT, /* u.items and keys, n; duplicate keys kept, the last wins */
} vrv_jkind;

typedef struct vrv_jnode {
    uint8_t kind;     /* vrv_jkind */
    uint32_t n;
    const char *raw;  /* the value's source text */
    uint32_t rawlen;
    union {
        int64_t l;
        double d;
        const char *s;
        struct vrv_jnode *items;
    } u;
    vrv_str *keys;    /* OBJECT only */
} vrv_jnode;

/* Parses data[0..len), which must hold exactly one JSON value (whitespace
 * around it allowed), into a tree in arena. */
int vrv_scan_dom(unsigned features, const char *data, size_t len, vrv_arena *arena,
                 vrv_jnode **out, vrv_error *err);

/* The value of key in an object node (the last of duplicates), or NULL. */
const vrv_jnode *vrv_jnode_get(const vrv_jnode *obj, const char *key, size_t len);

/* Druid's conversion of a tree value to a vrv_value (the table above): arrays
 * of scalars become VRV_V_ARRAY (elements in arena), containers VRV_V_JSON
 * with their source text. */
void vrv_jnode_to_value(const vrv_jnode *n, vrv_value *out, vrv_arena *arena);

/* Appends to out the text Druid gives a nested value where it needs a string
 * (a string dimension fed an object or a list holding one): Java's toString of
 * the converted value, LinkedHashMap and ArrayList style, e.g.
 * {"a":{"b":[1,2.5,"x",null]}} -> {a={b=[1, 2.5, x, null]}}. Numbers print as
 * Java Long / Double do, strings without quotes. */
void vrv_jnode_java_string(const vrv_jnode *n, vrv_buf *out);

/* The same for JSON text (a VRV_V_JSON value): parses it into arena with the
 * given features. Returns VRV_OK or VRV_EINVAL (err set) for malformed text. */
int vrv_json_java_string(unsigned features, const char *json, size_t len, vrv_arena *arena,
                         vrv_buf *out, vrv_error *err);

#endif
