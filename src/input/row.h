/*
 * row.h — an input row as the row pipeline sees it, and the set of fields the
 * pipeline asks input formats for.
 *
 * The pipeline compiles a spec into a vrv_fieldset: every input field it will
 * read (the timestamp column, dimensions, aggregator inputs, transform and
 * filter inputs), each with a slot number. An input format fills one vrv_value
 * per slot for each row (VRV_V_NULL where the field is absent or null, Druid
 * does not tell them apart) and, in discovery mode, also lists every root-level
 * field of the row in input order. Values borrow from the input bytes or from
 * the arena handed to the reader; the pipeline resets that arena between
 * batches, so a consumer that keeps a value copies it.
 */
#ifndef VRV_ROW_H
#define VRV_ROW_H

#include "base/arena.h"
#include "base/hash.h"
#include "base/str.h"
#include "base/value.h"

typedef struct vrv_fieldset {
    size_t n;        /* slots */
    char **names;    /* n NUL-terminated names, owned */
    vrv_map index;   /* name -> slot */
    bool discover;   /* readers also report all root-level fields (schemaless) */
    bool discover_nested; /* with discover, Druid's useSchemaDiscovery: nested
                             objects and arrays are reported too, not only
                             scalars and lists of scalars */
} vrv_fieldset;

void vrv_fieldset_init(vrv_fieldset *fs);
void vrv_fieldset_destroy(vrv_fieldset *fs);
/* Returns the slot of name, adding it when new. */
size_t vrv_fieldset_add(vrv_fieldset *fs, const char *name);
/* Returns the slot of name, or -1. */
long vrv_fieldset_find(const vrv_fieldset *fs, const char *name, size_t len);

typedef struct vrv_row {
    vrv_value *vals;        /* fieldset->n values, filled by the reader */
    size_t nvals;
    /* Discovery mode: every root-level field in input order (fields also in the
     * fieldset appear here too). Arrays owned by the reader, valid until its
     * next call. */
    size_t nextra;
    const vrv_str *extra_names;
    const vrv_value *extra_vals;
} vrv_row;

/* Metadata a stream record carries next to its payload, for the `kafka` and
 * `kinesis` wrapper formats. Files have none (NULL). */
typedef struct vrv_record_header {
    vrv_str name;
    const char *value; /* NULL for a null header value */
    size_t value_len;
} vrv_record_header;

typedef struct vrv_record_meta {
    const char *key;          /* NULL when the record has no key */
    size_t key_len;
    vrv_ms timestamp;         /* record timestamp (Kafka) / arrival time (Kinesis), ms */
    vrv_str topic;            /* topic (Kafka) or stream (Kinesis) */
    vrv_str partition_key;    /* Kinesis partition key */
    int32_t partition;        /* Kafka partition, -1 unknown */
    int64_t offset;           /* Kafka offset, -1 unknown */
    const vrv_record_header *headers;
    size_t nheaders;
} vrv_record_meta;

#endif
