/*
 * flatten.h — the flattenSpec of the nested input formats (json now; avro,
 * protobuf, orc and parquet share it): parsing and validating
 * `{"useFieldDiscovery": true, "fields": [...]}` into plain data. Evaluating
 * the fields is the format's business (fmt_json.c compiles `path` and `jq`
 * expressions with json/jpath.h).
 *
 * Field types (case-insensitive, as Druid reads them): `root` (expr defaults to
 * the name), `path` (JsonPath), `jq`, `tree` (nodes: the list of keys). A bare
 * string is a root field. Duplicate names are an error, as in Druid's
 * ObjectFlatteners ("Cannot have duplicate field definition").
 */
#ifndef VRV_FLATTEN_H
#define VRV_FLATTEN_H

#include <jansson.h>

#include "base/error.h"
#include "base/vrv.h"

typedef enum vrv_flatten_type {
    VRV_FLATTEN_ROOT = 0,
    VRV_FLATTEN_PATH,
    VRV_FLATTEN_JQ,
    VRV_FLATTEN_TREE,
} vrv_flatten_type;

/* Which field types a format accepts (avro and protobuf take root and path). */
#define VRV_FLATTEN_ALLOW_JQ   0x1u
#define VRV_FLATTEN_ALLOW_TREE 0x2u

typedef struct vrv_flatten_field {
    vrv_flatten_type type;
    char *name;   /* output column name */
    char *expr;   /* root: the key; path/jq: the expression; tree: NULL */
    char **nodes; /* tree: nnodes keys, NULL-terminated */
    size_t nnodes;
} vrv_flatten_field;

typedef struct vrv_flatten_spec {
    bool present;             /* the spec had a flattenSpec object */
    bool use_field_discovery; /* default true */
    vrv_flatten_field *fields;
    size_t nfields;
} vrv_flatten_spec;

/* Parses v (the flattenSpec value; NULL or JSON null gives the default spec)
 * into *out, which the caller frees with vrv_flatten_free (also after an
 * error). path names the flattenSpec in errors
 * ("spec.ioConfig.inputFormat.flattenSpec"). */
int vrv_flatten_parse(const json_t *v, const char *path, unsigned allow, vrv_flatten_spec *out,
                      vrv_error *err);
void vrv_flatten_free(vrv_flatten_spec *s);

/* The index of the field named name, or -1. */
long vrv_flatten_find(const vrv_flatten_spec *s, const char *name, size_t len);

/* "root", "path", "jq", "tree" */
const char *vrv_flatten_type_name(vrv_flatten_type t);

#endif
