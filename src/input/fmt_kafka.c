/*
 * fmt_kafka.c — the `kafka` and `kinesis` wrapper input formats: a stream
 * record's payload read with `valueFormat`, blended with columns taken from
 * the record itself (headers, key, timestamp, topic, partition, offset; for
 * Kinesis the arrival time and the partition key).
 *
 * Druid behaviour reproduced (KafkaInputFormat/Reader, KafkaStringHeaderReader,
 * KinesisInputFormat/Reader; druid-streaming.md §2):
 *  - Per record a side map is built in this order: one column per header,
 *    `<headerColumnPrefix><name>`, the value decoded with the header format's
 *    charset (a repeated name keeps the last value, a null value stays null);
 *    then, each only when that name is not already present, the record
 *    timestamp (long ms), topic (string), partition (long), offset (long) and
 *    the key: the first column of the first row `keyFormat` reads from the key
 *    bytes (a record without a key adds no key column). Headers therefore beat
 *    the other metadata columns.
 *  - Every payload row is blended with the side map: the payload value wins
 *    and the side map is consulted only where the payload value is null or
 *    absent; in discovery mode the side-map names join the row's fields (after
 *    the payload's own, in side-map order).
 *  - A record with no payload at all (a tombstone, data == NULL) yields one row
 *    holding the side map alone, as Druid's reader does; the streaming task
 *    normally drops tombstones before they reach a format.
 *  - The key is read once per record; a key the key format rejects fails the
 *    whole record as one row error.
 *  - kinesis puts `kinesis.timestamp` (arrival time, ms) and
 *    `kinesis.partitionKey`; the two names, when both are given, must differ
 *    (a single given name equal to the other's default is Druid-legal: the
 *    partition key then takes the column).
 *
 * The value and key readers are ordinary readers of their formats: the value
 * reader is bound to a copy of the outer field set (same slots, so its values
 * land in the outer row as they are), the key reader to an empty field set in
 * discovery mode. Side-map values live in the reader's own arena, rebuilt at
 * each record, so they survive a reset of the pipeline's row arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"
#include "base/vec.h"
#include "input/fmt_util.h"
#include "json/jutil.h"
#include "json/utf8.h"
#include "input/input.h"

typedef enum charset {
    CS_UTF8,
    CS_LATIN1,
    CS_ASCII,
    CS_UTF16,   /* byte-order mark decides, big-endian without one */
    CS_UTF16BE,
    CS_UTF16LE,
} charset;

typedef struct kafka_fmt {
    bool kinesis;
    vrv_input_format *value;   /* `valueFormat` */
    vrv_input_format *key;     /* `keyFormat`; NULL: the key is not ingested */
    bool headers;              /* `headerFormat` given */
    charset encoding;          /* `headerFormat.encoding` */
    char *header_prefix;       /* `headerColumnPrefix` */
    char *key_col;             /* `keyColumnName` */
    char *ts_col;              /* `timestampColumnName` */
    char *topic_col;           /* `topicColumnName` */
    char *partition_col;       /* `partitionColumnName` */
    char *offset_col;          /* `offsetColumnName` */
    char *pkey_col;            /* kinesis `partitionKeyColumnName` */
    char **columns;            /* for columns(): value columns + metadata names */
    size_t ncolumns;
} kafka_fmt;

typedef struct side_entry {
    vrv_str name;
    vrv_value val;
    long slot;                 /* in the outer field set, or -1 */
    bool seen;                 /* discovery: the payload had this name */
} side_entry;

typedef struct kafka_reader {
    const kafka_fmt *f;
    const vrv_fieldset *fs;
    vrv_fieldset inner_fs;     /* copy of fs for the value reader */
    vrv_fieldset key_fs;       /* empty, discovery mode */
    vrv_input_reader *value;
    vrv_input_reader *key;
    long ts_slot, topic_slot, partition_slot, offset_slot, key_slot, pkey_slot;
    /* per record */
    vrv_arena side_arena;      /* header names and values, key values */
    vrv_map side_index;        /* name -> index in side */
    VRV_VEC(side_entry) side;
    bool tombstone;            /* data == NULL: one row of side columns only */
    bool done;
    vrv_error key_err;         /* key format failure, reported by next() */
    /* discovery output */
    VRV_VEC(vrv_str) extra_names;
    VRV_VEC(vrv_value) extra_vals;
} kafka_reader;

/* ---- charsets ---------------------------------------------------------- */

static const struct {
    const char *name;
    charset cs;
} charset_names[] = {
    {"UTF-8", CS_UTF8},           {"UTF8", CS_UTF8},
    {"ISO-8859-1", CS_LATIN1},    {"ISO8859-1", CS_LATIN1},     {"ISO8859_1", CS_LATIN1},
    {"ISO_8859_1", CS_LATIN1},    {"ISO_8859-1", CS_LATIN1},    {"ISO-LATIN-1", CS_LATIN1},
    {"LATIN1", CS_LATIN1},        {"L1", CS_LATIN1},            {"8859_1", CS_LATIN1},
    {"CP819", CS_LATIN1},         {"IBM819", CS_LATIN1},        {"CSISOLATIN1", CS_LATIN1},
    {"US-ASCII", CS_ASCII},       {"ASCII", CS_ASCII},          {"ISO646-US", CS_ASCII},
    {"ANSI_X3.4-1968", CS_ASCII}, {"ANSI_X3.4-1986", CS_ASCII}, {"CP367", CS_ASCII},
    {"IBM367", CS_ASCII},         {"CSASCII", CS_ASCII},        {"646", CS_ASCII},
    {"UTF-16", CS_UTF16},         {"UTF_16", CS_UTF16},         {"UTF16", CS_UTF16},
    {"UNICODE", CS_UTF16},        {"UTF-16BE", CS_UTF16BE},     {"UTF_16BE", CS_UTF16BE},
    {"X-UTF-16BE", CS_UTF16BE},   {"UNICODEBIGUNMARKED", CS_UTF16BE},
    {"UTF-16LE", CS_UTF16LE},     {"UTF_16LE", CS_UTF16LE},     {"X-UTF-16LE", CS_UTF16LE},
    {"UNICODELITTLEUNMARKED", CS_UTF16LE},
};

static bool charset_lookup(const char *name, charset *out)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(charset_names); i++) {
        if (strcasecmp(charset_names[i].name, name) == 0) {
            *out = charset_names[i].cs;
            return true;
        }
    }
    return false;
}

/* Decodes bytes in charset cs to UTF-8 the way Java's `new String(bytes, cs)`
 * does: malformed input becomes U+FFFD. The result may borrow s. */
static vrv_str decode_charset(const char *s, size_t n, charset cs, vrv_arena *a)
{
    const unsigned char *u = (const unsigned char *)s;
    if (cs == CS_UTF8) return vrv_fmt_utf8_repair(s, n, a);
    if (cs == CS_LATIN1 || cs == CS_ASCII) {
        bool ascii = true;
        for (size_t i = 0; i < n && ascii; i++) ascii = u[i] < 0x80;
        if (ascii) return vrv_str_make(s, n);
        char *out = vrv_arena_alloc(a, n * 3 + 1);
        size_t o = 0;
        for (size_t i = 0; i < n; i++)
            o += (size_t)vrv_utf8_put(out + o, u[i] < 0x80 || cs == CS_LATIN1 ? u[i] : 0xFFFD);
        return vrv_str_make(out, o);
    }
    bool be = cs != CS_UTF16LE;
    size_t i = 0;
    if (cs == CS_UTF16 && n >= 2) {
        if (u[0] == 0xFE && u[1] == 0xFF) i = 2;
        else if (u[0] == 0xFF && u[1] == 0xFE) {
            be = false;
            i = 2;
        }
    }
    /* each 2-byte unit gives at most 3 bytes; a trailing odd byte one U+FFFD */
    char *out = vrv_arena_alloc(a, (n / 2) * 3 + 4);
    size_t o = 0;
    while (i + 1 < n) {
        uint32_t c = be ? (uint32_t)(u[i] << 8 | u[i + 1]) : (uint32_t)(u[i + 1] << 8 | u[i]);
        i += 2;
        if (c >= 0xD800 && c <= 0xDBFF) {
            if (i + 1 < n) {
                uint32_t d = be ? (uint32_t)(u[i] << 8 | u[i + 1]) : (uint32_t)(u[i + 1] << 8 | u[i]);
                if (d >= 0xDC00 && d <= 0xDFFF) {
                    i += 2;
                    o += (size_t)vrv_utf8_put(out + o, 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00));
                    continue;
                }
            }
            c = 0xFFFD;
        } else if (c >= 0xDC00 && c <= 0xDFFF) {
            c = 0xFFFD;
        }
        o += (size_t)vrv_utf8_put(out + o, c);
    }
    if (i < n) o += (size_t)vrv_utf8_put(out + o, 0xFFFD);
    return vrv_str_make(out, o);
}

/* ---- spec -------------------------------------------------------------- */

static void kafka_free(void *impl)
{
    kafka_fmt *f = impl;
    if (!f) return;
    vrv_input_format_free(f->value);
    vrv_input_format_free(f->key);
    free(f->header_prefix);
    free(f->key_col);
    free(f->ts_col);
    free(f->topic_col);
    free(f->partition_col);
    free(f->offset_col);
    free(f->pkey_col);
    vrv_fmt_strings_free(f->columns, f->ncolumns);
    free(f);
}

static int parse_inner(const json_t *spec, const char *path, const char *key, bool required,
                       const char *outer, vrv_input_format **out, vrv_error *err)
{
    const json_t *v = json_object_get(spec, key);
    if (!v || json_is_null(v)) {
        if (required) return vrv_error_set(err, VRV_EINVAL, "%s.%s: required", path, key);
        return VRV_OK;
    }
    char sub[512];
    snprintf(sub, sizeof sub, "%s.%s", path, key);
    const json_t *type = json_is_object(v) ? json_object_get(v, "type") : NULL;
    if (json_is_string(type) && (strcmp(json_string_value(type), "kafka") == 0 ||
                                 strcmp(json_string_value(type), "kinesis") == 0))
        return vrv_error_set(err, VRV_EINVAL, "%s.type: a '%s' format cannot be nested in a '%s' format",
                             sub, json_string_value(type), outer);
    return vrv_input_format_parse(v, sub, out, err);
}

static int get_name(const json_t *spec, const char *path, const char *key, const char *def,
                    char **out, vrv_error *err)
{
    const char *s;
    int rc = vrv_json_get_string(spec, key, path, def, &s, err);
    if (rc) return rc;
    *out = vrv_strdup(s);
    return VRV_OK;
}

static void add_column(kafka_fmt *f, const char *name)
{
    for (size_t i = 0; i < f->ncolumns; i++)
        if (strcmp(f->columns[i], name) == 0) return;
    f->columns = vrv_realloc(f->columns, (f->ncolumns + 1) * sizeof *f->columns);
    f->columns[f->ncolumns++] = vrv_strdup(name);
}

static int wrapper_parse(const json_t *spec, const char *path, bool kinesis, void **impl,
                         vrv_error *err)
{
    kafka_fmt *f = vrv_calloc(1, sizeof *f);
    f->kinesis = kinesis;
    const char *outer = kinesis ? "kinesis" : "kafka";
    int rc;
    if ((rc = parse_inner(spec, path, "valueFormat", true, outer, &f->value, err))) goto fail;
    if (kinesis) {
        if ((rc = get_name(spec, path, "timestampColumnName", "kinesis.timestamp", &f->ts_col,
                           err)) ||
            (rc = get_name(spec, path, "partitionKeyColumnName", "kinesis.partitionKey",
                           &f->pkey_col, err)))
            goto fail;
        /* Druid compares the names as given: a timestampColumnName equal to
         * the default partition key name is accepted, and the column then
         * holds the partition key (it is put last). */
        const json_t *tsn = json_object_get(spec, "timestampColumnName");
        const json_t *pkn = json_object_get(spec, "partitionKeyColumnName");
        if (json_is_string(tsn) && json_is_string(pkn) && strcmp(f->ts_col, f->pkey_col) == 0) {
            rc = vrv_error_set(err, VRV_EINVAL,
                               "%s.partitionKeyColumnName: must differ from timestampColumnName "
                               "[%s]",
                               path, f->ts_col);
            goto fail;
        }
    } else {
        if ((rc = parse_inner(spec, path, "keyFormat", false, outer, &f->key, err))) goto fail;
        const json_t *hf = json_object_get(spec, "headerFormat");
        if (hf && !json_is_null(hf)) {
            char hpath[512];
            snprintf(hpath, sizeof hpath, "%s.headerFormat", path);
            if (!json_is_object(hf)) {
                rc = vrv_error_set(err, VRV_EINVAL, "%s: must be an object", hpath);
                goto fail;
            }
            const char *type, *enc;
            if ((rc = vrv_json_get_string(hf, "type", hpath, NULL, &type, err))) goto fail;
            if (!type || strcmp(type, "string") != 0) {
                rc = vrv_error_set(err, VRV_EINVAL, "%s.type: %s%s%s, the only header format is 'string'",
                                   hpath, type ? "unknown header format '" : "required",
                                   type ? type : "", type ? "'" : "");
                goto fail;
            }
            if ((rc = vrv_json_get_string(hf, "encoding", hpath, "UTF-8", &enc, err))) goto fail;
            if (!charset_lookup(enc, &f->encoding)) {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "%s.encoding: unsupported charset '%s' (UTF-8, ISO-8859-1, "
                                   "US-ASCII, UTF-16, UTF-16BE, UTF-16LE)",
                                   hpath, enc);
                goto fail;
            }
            f->headers = true;
        }
        if ((rc = get_name(spec, path, "headerColumnPrefix", "kafka.header.", &f->header_prefix,
                           err)) ||
            (rc = get_name(spec, path, "keyColumnName", "kafka.key", &f->key_col, err)) ||
            (rc = get_name(spec, path, "timestampColumnName", "kafka.timestamp", &f->ts_col,
                           err)) ||
            (rc = get_name(spec, path, "topicColumnName", "kafka.topic", &f->topic_col, err)) ||
            (rc = get_name(spec, path, "partitionColumnName", "kafka.partition",
                           &f->partition_col, err)) ||
            (rc = get_name(spec, path, "offsetColumnName", "kafka.offset", &f->offset_col, err)))
            goto fail;
    }

    size_t nv = 0;
    const char *const *vc =
        f->value->ops->columns ? f->value->ops->columns(f->value->impl, &nv) : NULL;
    for (size_t i = 0; vc && i < nv; i++) add_column(f, vc[i]);
    add_column(f, f->ts_col);
    if (kinesis) {
        add_column(f, f->pkey_col);
    } else {
        add_column(f, f->topic_col);
        add_column(f, f->partition_col);
        add_column(f, f->offset_col);
        if (f->key) add_column(f, f->key_col);
    }
    *impl = f;
    return VRV_OK;
fail:
    kafka_free(f);
    return rc;
}

static int kafka_parse(const json_t *spec, const char *path, void **impl, vrv_error *err)
{
    return wrapper_parse(spec, path, false, impl, err);
}

static int kinesis_parse(const json_t *spec, const char *path, void **impl, vrv_error *err)
{
    return wrapper_parse(spec, path, true, impl, err);
}

static const char *const *kafka_columns(const void *impl, size_t *n)
{
    const kafka_fmt *f = impl;
    *n = f->ncolumns;
    return (const char *const *)f->columns;
}

/* ---- reader ------------------------------------------------------------ */

static void kafka_reader_free(void *reader)
{
    kafka_reader *r = reader;
    if (!r) return;
    vrv_input_reader_free(r->value);
    vrv_input_reader_free(r->key);
    vrv_fieldset_destroy(&r->inner_fs);
    vrv_fieldset_destroy(&r->key_fs);
    vrv_arena_destroy(&r->side_arena);
    vrv_map_destroy(&r->side_index);
    vrv_vec_free(&r->side);
    vrv_vec_free(&r->extra_names);
    vrv_vec_free(&r->extra_vals);
    free(r);
}

static long find_slot(const vrv_fieldset *fs, const char *name)
{
    return name ? vrv_fieldset_find(fs, name, strlen(name)) : -1;
}

static void *kafka_reader_new(const void *impl, const vrv_fieldset *fs, vrv_error *err)
{
    const kafka_fmt *f = impl;
    kafka_reader *r = vrv_calloc(1, sizeof *r);
    r->f = f;
    r->fs = fs;
    vrv_fieldset_init(&r->inner_fs);
    for (size_t i = 0; i < fs->n; i++) vrv_fieldset_add(&r->inner_fs, fs->names[i]);
    r->inner_fs.discover = fs->discover;
    r->inner_fs.discover_nested = fs->discover_nested;
    vrv_fieldset_init(&r->key_fs);
    r->key_fs.discover = true;
    vrv_arena_init(&r->side_arena, 4096);
    vrv_map_init(&r->side_index, false);
    r->done = true;
    r->value = vrv_input_reader_new(f->value, &r->inner_fs, err);
    if (!r->value) goto fail;
    if (f->key && !(r->key = vrv_input_reader_new(f->key, &r->key_fs, err))) goto fail;
    r->ts_slot = find_slot(fs, f->ts_col);
    r->topic_slot = find_slot(fs, f->topic_col);
    r->partition_slot = find_slot(fs, f->partition_col);
    r->offset_slot = find_slot(fs, f->offset_col);
    r->key_slot = find_slot(fs, f->key_col);
    r->pkey_slot = find_slot(fs, f->pkey_col);
    return r;
fail:
    kafka_reader_free(r);
    return NULL;
}

/* Adds name=val to the side map; an existing name is overwritten (headers)
 * or kept (if_absent: the metadata columns). */
static void side_put(kafka_reader *r, vrv_str name, vrv_value val, long slot, bool if_absent)
{
    bool inserted;
    uint64_t *idx = vrv_map_put(&r->side_index, name.p, name.n, &inserted);
    if (!inserted) {
        if (!if_absent) r->side.v[*idx].val = val;
        return;
    }
    *idx = r->side.n;
    side_entry e = {name, val, slot, false};
    vrv_vec_push(&r->side, e);
}

static vrv_str side_name(const char *s)
{
    return vrv_str_c(s);
}

static void read_key(kafka_reader *r, const vrv_record_meta *meta)
{
    /* with the record's metadata: a stream record, not a file (json reads a
     * record as one JSON stream, as Druid's key parser does) */
    vrv_input_reader_start(r->key, meta->key, meta->key_len, meta);
    vrv_value none; /* the key field set is empty: no slots, but a valid pointer */
    vrv_row krow = {&none, 0, 0, NULL, NULL};
    int rc = vrv_input_reader_next(r->key, &krow, &r->side_arena, &r->key_err);
    if (rc < 0) {
        vrv_error_prefix(&r->key_err, "record key");
        return;
    }
    vrv_error_clear(&r->key_err);
    if (rc == 0 || krow.nextra == 0) return;
    /* the raw value of the first column of the first row */
    side_put(r, side_name(r->f->key_col), krow.extra_vals[0], r->key_slot, true);
}

static void kafka_reader_start(void *reader, const char *data, size_t len,
                               const vrv_record_meta *meta)
{
    kafka_reader *r = reader;
    const kafka_fmt *f = r->f;
    vrv_arena_reset(&r->side_arena);
    vrv_map_clear(&r->side_index);
    r->side.n = 0;
    vrv_error_clear(&r->key_err);
    r->done = false;
    r->tombstone = data == NULL;
    if (data) vrv_input_reader_start(r->value, data, len, meta);
    if (!meta) return;
    if (f->kinesis) {
        side_put(r, side_name(f->ts_col), vrv_long(meta->timestamp), r->ts_slot, false);
        vrv_value pk = meta->partition_key.p
                           ? vrv_string(meta->partition_key.p, meta->partition_key.n)
                           : vrv_null();
        side_put(r, side_name(f->pkey_col), pk, r->pkey_slot, false);
        return;
    }
    if (f->headers) {
        size_t plen = strlen(f->header_prefix);
        for (size_t i = 0; i < meta->nheaders; i++) {
            const vrv_record_header *h = &meta->headers[i];
            char *name = vrv_arena_alloc(&r->side_arena, plen + h->name.n + 1);
            memcpy(name, f->header_prefix, plen);
            if (h->name.n) memcpy(name + plen, h->name.p, h->name.n);
            name[plen + h->name.n] = '\0';
            vrv_str nm = vrv_str_make(name, plen + h->name.n);
            vrv_value v = vrv_null();
            if (h->value) {
                vrv_str s = decode_charset(h->value, h->value_len, f->encoding, &r->side_arena);
                v = vrv_string(s.p, s.n);
            }
            side_put(r, nm, v, vrv_fieldset_find(r->fs, nm.p, nm.n), false);
        }
    }
    side_put(r, side_name(f->ts_col), vrv_long(meta->timestamp), r->ts_slot, true);
    if (meta->topic.p)
        side_put(r, side_name(f->topic_col), vrv_string(meta->topic.p, meta->topic.n),
                 r->topic_slot, true);
    if (meta->partition >= 0)
        side_put(r, side_name(f->partition_col), vrv_long(meta->partition), r->partition_slot,
                 true);
    if (meta->offset >= 0)
        side_put(r, side_name(f->offset_col), vrv_long(meta->offset), r->offset_slot, true);
    if (r->key && meta->key) read_key(r, meta);
}

static vrv_str kafka_reader_raw(const void *reader)
{
    const kafka_reader *r = reader;
    return vrv_input_reader_raw(r->value);
}

/* Fills the outer row's discovery list: the payload's fields (a null payload
 * value replaced by the side map's), then the side-map names the payload did
 * not have. */
static void blend_extras(kafka_reader *r, vrv_row *row)
{
    r->extra_names.n = r->extra_vals.n = 0;
    for (size_t i = 0; i < r->side.n; i++) r->side.v[i].seen = false;
    for (size_t i = 0; i < row->nextra; i++) {
        vrv_value v = row->extra_vals[i];
        uint64_t *idx = vrv_map_get(&r->side_index, row->extra_names[i].p, row->extra_names[i].n);
        if (idx) {
            side_entry *e = &r->side.v[*idx];
            e->seen = true;
            if (vrv_is_null(&v)) v = e->val;
        }
        vrv_vec_push(&r->extra_names, row->extra_names[i]);
        vrv_vec_push(&r->extra_vals, v);
    }
    for (size_t i = 0; i < r->side.n; i++) {
        if (r->side.v[i].seen) continue;
        vrv_vec_push(&r->extra_names, r->side.v[i].name);
        vrv_vec_push(&r->extra_vals, r->side.v[i].val);
    }
    row->nextra = r->extra_names.n;
    row->extra_names = r->extra_names.v;
    row->extra_vals = r->extra_vals.v;
}

static int kafka_reader_next(void *reader, vrv_row *row, vrv_arena *arena, vrv_error *err)
{
    kafka_reader *r = reader;
    assert(row->nvals >= r->fs->n);
    if (r->done) return 0;
    if (r->key_err.code) {
        r->done = true;
        return vrv_error_set(err, r->key_err.code, "%s", r->key_err.msg);
    }
    if (r->tombstone) {
        r->done = true;
        for (size_t s = 0; s < r->fs->n; s++) row->vals[s] = vrv_null();
        row->nextra = 0;
    } else {
        vrv_row inner = {row->vals, row->nvals, 0, NULL, NULL};
        int rc = vrv_input_reader_next(r->value, &inner, arena, err);
        if (rc <= 0) {
            if (rc == 0) r->done = true;
            return rc;
        }
        row->nextra = r->fs->discover ? inner.nextra : 0;
        row->extra_names = inner.extra_names;
        row->extra_vals = inner.extra_vals;
    }
    for (size_t i = 0; i < r->side.n; i++) {
        const side_entry *e = &r->side.v[i];
        if (e->slot >= 0 && vrv_is_null(&row->vals[e->slot])) row->vals[e->slot] = e->val;
    }
    if (r->fs->discover) {
        blend_extras(r, row);
    } else {
        row->nextra = 0;
        row->extra_names = NULL;
        row->extra_vals = NULL;
    }
    return 1;
}

const vrv_input_format_ops vrv_input_format_kafka = {
    .type = "kafka",
    .parse = kafka_parse,
    .free_impl = kafka_free,
    .columns = kafka_columns,
    .reader_new = kafka_reader_new,
    .reader_free = kafka_reader_free,
    .reader_start = kafka_reader_start,
    .reader_next = kafka_reader_next,
    .reader_raw = kafka_reader_raw,
};

const vrv_input_format_ops vrv_input_format_kinesis = {
    .type = "kinesis",
    .parse = kinesis_parse,
    .free_impl = kafka_free,
    .columns = kafka_columns,
    .reader_new = kafka_reader_new,
    .reader_free = kafka_reader_free,
    .reader_start = kafka_reader_start,
    .reader_next = kafka_reader_next,
    .reader_raw = kafka_reader_raw,
};
