/*
 * jutil.h — reading specs, queries and API bodies with jansson: loading JSON
 * text with a line/column error, and typed getters that validate one field of
 * an object and name it by its JSON path in the error
 * ("spec.ioConfig.taskCount: must be an integer").
 *
 * The getters follow Druid's (Jackson's) leniency where users rely on it: an
 * absent key and a JSON null both mean "use the default"; numbers given as
 * strings ("3") and booleans given as "true"/"false" strings are accepted;
 * unknown keys are ignored, never rejected. A getter returns VRV_OK or
 * VRV_EINVAL (err filled) and leaves *out untouched on error.
 *
 * Nothing here takes ownership of a json_t. Strings returned by the getters are
 * borrowed from the json_t (valid while it is alive) unless a comment says
 * otherwise.
 */
#ifndef VRV_JUTIL_H
#define VRV_JUTIL_H

#include <jansson.h>

#include "base/error.h"
#include "base/vrv.h"

/* Longest JSON path the helpers build ("spec.dataSchema.metricsSpec[12].name");
 * longer paths are truncated in messages, never overflowed. */
#define VRV_JSON_PATH_MAX 256

/* Parses len bytes of JSON text. `what` names the source in errors ("request
 * body", a file name). Any JSON value is accepted at the top level; integers
 * beyond int64 are an error. On success *out is a new reference the caller
 * json_decref()s. Error: "what: line 3, column 7: unexpected token near '}'". */
int vrv_json_load_buf(const char *data, size_t len, const char *what, json_t **out,
                      vrv_error *err);

/* As vrv_json_load_buf for a whole file; a missing or unreadable file is
 * VRV_EIO ("path: No such file or directory"). */
int vrv_json_load_file(const char *path, json_t **out, vrv_error *err);

/* Writes "parent.key" (or "key" when parent is NULL or empty) into out. Keys that
 * are not plain identifiers are written as parent['key'] so the path stays
 * readable. Returns out. */
char *vrv_json_path_key(char out[VRV_JSON_PATH_MAX], const char *parent, const char *key);
/* Writes "parent[i]" into out. Returns out. */
char *vrv_json_path_index(char out[VRV_JSON_PATH_MAX], const char *parent, size_t i);

/* Druid's name for a JSON value's kind, for messages: "an object", "a string"... */
const char *vrv_json_kind(const json_t *v); /* NULL (absent) is "nothing" */

/* Every getter below: obj is the parent object (NULL or not an object counts as
 * "key absent"), key the field, path the parent's JSON path for messages. */

/* String: absent/null gives def (may be NULL). A number or boolean is an error
 * ("must be a string"). */
int vrv_json_get_string(const json_t *obj, const char *key, const char *path, const char *def,
                        const char **out, vrv_error *err);
/* As vrv_json_get_string but absent/null is an error ("path.key: required"); an
 * empty string is also rejected when nonempty is true ("must not be empty"). */
int vrv_json_req_string(const json_t *obj, const char *key, const char *path, bool nonempty,
                        const char **out, vrv_error *err);

/* Boolean: true/false, the strings "true"/"false" (also "True", "TRUE", ...) and
 * the integers 0/1 as Jackson coerces them. */
int vrv_json_get_bool(const json_t *obj, const char *key, const char *path, bool def, bool *out,
                      vrv_error *err);

/* Integers: a JSON integer, a real with no fractional part (3.0), or a string
 * holding a decimal integer. "must be an integer" otherwise; out-of-range values
 * for int are "must be between -2147483648 and 2147483647". */
int vrv_json_get_int(const json_t *obj, const char *key, const char *path, int def, int *out,
                     vrv_error *err);
int vrv_json_get_int64(const json_t *obj, const char *key, const char *path, int64_t def,
                       int64_t *out, vrv_error *err);
/* Integer within [min, max]: "must be >= min" / "must be <= max". */
int vrv_json_get_int64_range(const json_t *obj, const char *key, const char *path, int64_t def,
                             int64_t min, int64_t max, int64_t *out, vrv_error *err);
int vrv_json_get_int_range(const json_t *obj, const char *key, const char *path, int def, int min,
                           int max, int *out, vrv_error *err);

/* Double: any JSON number or a numeric string (also "NaN", "Infinity"). */
int vrv_json_get_double(const json_t *obj, const char *key, const char *path, double def,
                        double *out, vrv_error *err);

/* Array of strings: absent/null gives *out = NULL, *n = 0. On success *out is a
 * NULL-terminated malloc'd array of n malloc'd copies; free it with
 * vrv_json_strv_free. Elements must be strings ("path.key[2]: must be a
 * string"). */
int vrv_json_get_string_array(const json_t *obj, const char *key, const char *path, char ***out,
                              size_t *n, vrv_error *err);
void vrv_json_strv_free(char **v);

/* Object / array: absent/null gives *out = NULL unless required ("required").
 * Anything else that is not an object (array) is "must be an object" ("must be
 * an array"). *out is borrowed. */
int vrv_json_get_object(const json_t *obj, const char *key, const char *path, bool required,
                        const json_t **out, vrv_error *err);
int vrv_json_get_array(const json_t *obj, const char *key, const char *path, bool required,
                       const json_t **out, vrv_error *err);

#endif
