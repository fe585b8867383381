/*
 * flatten.c — parsing the flattenSpec (flatten.h).
 */
#include "input/flatten.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "json/jutil.h"

const char *vrv_flatten_type_name(vrv_flatten_type t)
{
    static const char *const names[] = {"root", "path", "jq", "tree"};
    return (size_t)t < VRV_ARRAY_LEN(names) ? names[t] : "unknown";
}

void vrv_flatten_free(vrv_flatten_spec *s)
{
    for (size_t i = 0; i < s->nfields; i++) {
        free(s->fields[i].name);
        free(s->fields[i].expr);
        vrv_json_strv_free(s->fields[i].nodes);
    }
    free(s->fields);
    memset(s, 0, sizeof *s);
}

long vrv_flatten_find(const vrv_flatten_spec *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->nfields; i++)
        if (strlen(s->fields[i].name) == len && memcmp(s->fields[i].name, name, len) == 0)
            return (long)i;
    return -1;
}

static int parse_field(const json_t *f, const char *fpath, unsigned allow, vrv_flatten_field *out,
                       vrv_error *err)
{
    if (json_is_string(f)) {
        out->type = VRV_FLATTEN_ROOT;
        out->name = vrv_strdup(json_string_value(f));
        out->expr = vrv_strdup(out->name);
        return VRV_OK;
    }
    if (!json_is_object(f))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be a field name or an object", fpath);
    const char *name, *type, *expr;
    int rc = vrv_json_req_string(f, "name", fpath, false, &name, err);
    if (rc) return rc;
    rc = vrv_json_get_string(f, "type", fpath, NULL, &type, err);
    if (rc) return rc;
    if (!type)
        return vrv_error_set(err, VRV_EINVAL, "%s.type: required, one of root, path, jq, tree",
                             fpath);
    if (!strcasecmp(type, "root"))
        out->type = VRV_FLATTEN_ROOT;
    else if (!strcasecmp(type, "path"))
        out->type = VRV_FLATTEN_PATH;
    else if (!strcasecmp(type, "jq") && (allow & VRV_FLATTEN_ALLOW_JQ))
        out->type = VRV_FLATTEN_JQ;
    else if (!strcasecmp(type, "tree") && (allow & VRV_FLATTEN_ALLOW_TREE))
        out->type = VRV_FLATTEN_TREE;
    else
        return vrv_error_set(err, VRV_EINVAL, "%s.type: unknown field type '%s', expected %s",
                             fpath, type,
                             (allow & VRV_FLATTEN_ALLOW_JQ) ? "root, path, jq or tree"
                                                            : "root or path");
    out->name = vrv_strdup(name);
    rc = vrv_json_get_string(f, "expr", fpath, NULL, &expr, err);
    if (rc) return rc;
    switch (out->type) {
    case VRV_FLATTEN_ROOT: out->expr = vrv_strdup(expr ? expr : name); break;
    case VRV_FLATTEN_TREE:
        rc = vrv_json_get_string_array(f, "nodes", fpath, &out->nodes, &out->nnodes, err);
        if (rc) return rc;
        if (out->nnodes == 0)
            return vrv_error_set(err, VRV_EINVAL, "%s.nodes: required, a non-empty list of keys",
                                 fpath);
        if (out->nnodes > 64)
            return vrv_error_set(err, VRV_EINVAL, "%s.nodes: at most 64 keys", fpath);
        break;
    default:
        if (!expr)
            return vrv_error_set(err, VRV_EINVAL, "%s.expr: required for a %s field", fpath,
                                 vrv_flatten_type_name(out->type));
        out->expr = vrv_strdup(expr);
        break;
    }
    return VRV_OK;
}

int vrv_flatten_parse(const json_t *v, const char *path, unsigned allow, vrv_flatten_spec *out,
                      vrv_error *err)
{
    memset(out, 0, sizeof *out);
    out->use_field_discovery = true;
    if (!v || json_is_null(v)) return VRV_OK;
    if (!json_is_object(v)) return vrv_error_set(err, VRV_EINVAL, "%s: must be an object", path);
    out->present = true;
    int rc = vrv_json_get_bool(v, "useFieldDiscovery", path, true, &out->use_field_discovery, err);
    if (rc) return rc;
    const json_t *fields;
    rc = vrv_json_get_array(v, "fields", path, false, &fields, err);
    if (rc) return rc;
    size_t n = fields ? json_array_size(fields) : 0;
    out->fields = vrv_calloc(n ? n : 1, sizeof *out->fields);
    char fp[VRV_JSON_PATH_MAX], p[VRV_JSON_PATH_MAX];
    vrv_json_path_key(fp, path, "fields");
    for (size_t i = 0; i < n; i++) {
        vrv_json_path_index(p, fp, i);
        vrv_flatten_field *f = &out->fields[out->nfields];
        rc = parse_field(json_array_get(fields, i), p, allow, f, err);
        out->nfields++; /* freed by vrv_flatten_free even when incomplete */
        if (rc) return rc;
        if (vrv_flatten_find(out, f->name, strlen(f->name)) != (long)out->nfields - 1)
            return vrv_error_set(err, VRV_EINVAL, "%s.name: duplicate field definition '%s'", p,
                                 f->name);
    }
    return VRV_OK;
}
