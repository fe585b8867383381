/*
 * jpath.h — the expressions of a flattenSpec: JsonPath (`path` fields, as
 * Jayway JsonPath evaluates them in Druid with SUPPRESS_EXCEPTIONS) and the
 * jackson-jq subset users write (`jq` fields), compiled once and evaluated on a
 * vrv_jnode tree (scan.h).
 *
 * JsonPath: `$`, `.key`, `['key']` / `["key"]`, `[n]` (negative counts from the
 * end), `[n,m]`, `[a:b]` slices, `[*]` / `.*`, deep scan `..key` / `..*` /
 * `..[n]`, a path without `$` meaning `$.path`, and a final function: length(),
 * min(), max(), avg(), stddev(), sum() (Double), concat(...), append(...) with
 * literal parameters. A definite path gives its value or null; an indefinite
 * one (wildcard, deep scan, slice, several indexes) gives the list of matches,
 * possibly empty, as Jayway does. Filters `[?(...)]` are rejected at compile.
 *
 * jq: stages separated by `|`; a stage is a path (`.`, `.a`, `."a b"`,
 * `.["a b"]`, `.[0]`, `.[-1]`, `.[]`, postfix `?`) or one of `length`, `keys`,
 * `first`, `last`. As in Druid, the first output is the field's value; a type
 * error (`.a` of a number) or an empty output is an error for the row.
 *
 * The result follows Druid's conversion (scan.h): scalars as themselves, a list
 * of scalars as VRV_V_ARRAY, anything holding a container as VRV_V_JSON text.
 */
#ifndef VRV_JPATH_H
#define VRV_JPATH_H

#include "base/arena.h"
#include "base/error.h"
#include "base/value.h"
#include "json/scan.h"

typedef struct vrv_jpath vrv_jpath;

/* Compile a JsonPath / jq expression. On error err names the problem and the
 * position in the expression. *out is freed with vrv_jpath_free. */
int vrv_jpath_compile(const char *expr, vrv_jpath **out, vrv_error *err);
int vrv_jq_compile(const char *expr, vrv_jpath **out, vrv_error *err);
void vrv_jpath_free(vrv_jpath *p);

/* True when the expression is a JsonPath chain of keys and non-negative
 * indexes starting with a key, whose value the scanner can deliver directly
 * (Jayway's null for a mismatch is the scanner's null). *steps is borrowed. */
bool vrv_jpath_steps(const vrv_jpath *p, const vrv_scan_step **steps, size_t *n);

/* The root-level key every match of the expression starts from (so only that
 * field's text needs a tree), or NULL when the expression needs the whole
 * object. The key is borrowed from p. */
const char *vrv_jpath_root_key(const vrv_jpath *p, size_t *len);

/* Evaluates on root (an object tree; NULL behaves as an empty object). *out
 * borrows from the tree and arena. Returns 0, or VRV_EINVAL with err set for a
 * jq runtime error. */
int vrv_jpath_eval(const vrv_jpath *p, const vrv_jnode *root, vrv_arena *arena, vrv_value *out,
                   vrv_error *err);

#endif
