/*
 * input.c — the table of input formats and the generic parse/reader entry
 * points of input.h.
 */
#include "input/input.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

extern const vrv_input_format_ops vrv_input_format_json;    /* fmt_json.c */
extern const vrv_input_format_ops vrv_input_format_csv;     /* fmt_delimited.c */
extern const vrv_input_format_ops vrv_input_format_tsv;     /* fmt_delimited.c */
extern const vrv_input_format_ops vrv_input_format_regex;   /* fmt_regex.c */
extern const vrv_input_format_ops vrv_input_format_kafka;   /* fmt_kafka.c */
extern const vrv_input_format_ops vrv_input_format_kinesis; /* fmt_kafka.c */

static const vrv_input_format_ops *const formats[] = {
    &vrv_input_format_json,
    &vrv_input_format_csv,
    &vrv_input_format_tsv,
    &vrv_input_format_regex,
    &vrv_input_format_kafka,
    &vrv_input_format_kinesis,
    NULL, /* terminator; formats are added above it */
};

const vrv_input_format_ops *vrv_input_format_lookup(const char *type)
{
    for (size_t i = 0; formats[i]; i++)
        if (strcmp(formats[i]->type, type) == 0) return formats[i];
    return NULL;
}

int vrv_input_format_parse(const json_t *spec, const char *path, vrv_input_format **out,
                           vrv_error *err)
{
    if (!json_is_object(spec))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be an object", path);
    const json_t *type = json_object_get(spec, "type");
    if (!json_is_string(type))
        return vrv_error_set(err, VRV_EINVAL, "%s.type: required, one of the input format names",
                             path);
    const vrv_input_format_ops *ops = vrv_input_format_lookup(json_string_value(type));
    if (!ops)
        return vrv_error_set(err, VRV_EINVAL, "%s.type: unknown input format '%s'", path,
                             json_string_value(type));
    void *impl = NULL;
    int rc = ops->parse(spec, path, &impl, err);
    if (rc) return rc;
    vrv_input_format *f = vrv_calloc(1, sizeof *f);
    f->ops = ops;
    f->impl = impl;
    f->spec = json_incref((json_t *)spec);
    *out = f;
    return VRV_OK;
}

void vrv_input_format_free(vrv_input_format *f)
{
    if (!f) return;
    f->ops->free_impl(f->impl);
    json_decref(f->spec);
    free(f);
}

vrv_input_reader *vrv_input_reader_new(const vrv_input_format *f, const vrv_fieldset *fs,
                                       vrv_error *err)
{
    void *impl = f->ops->reader_new(f->impl, fs, err);
    if (!impl) return NULL;
    vrv_input_reader *r = vrv_malloc(sizeof *r);
    r->fmt = f;
    r->impl = impl;
    return r;
}

void vrv_input_reader_free(vrv_input_reader *r)
{
    if (!r) return;
    r->fmt->ops->reader_free(r->impl);
    free(r);
}
