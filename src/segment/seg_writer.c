/*
 * seg_writer.c — segment building (see seg_writer.h, docs/segment-format.md).
 *
 * String columns are collected with temporary ids in first-seen order; at
 * finish the dictionary is sorted (UTF-8 byte order, null first as id 0), the
 * temporary ids are remapped and one roaring bitmap per value is built.
 */
#include "segment/seg_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <roaring/roaring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/mem.h"
#include "base/vec.h"

typedef struct wcol {
    vrv_seg_column_def def;
    /* STRING / JSON */
    vrv_map dict;             /* value -> temporary id (1-based) */
    size_t nvals;             /* distinct non-null values = last temporary id */
    VRV_VEC(uint32_t) ids;    /* per row (single) or flattened (multi) temporary ids */
    VRV_VEC(uint64_t) mvoff;  /* start of each row in ids, rows + 1 (kept for all rows) */
    bool multi, has_null;
    /* numeric */
    vrv_buf nums;             /* 8 or 4 bytes per row */
    roaring_bitmap_t *nulls;
    /* COMPLEX */
    vrv_buf blobs;
    VRV_VEC(uint64_t) bloboff;
} wcol;

struct vrv_seg_writer {
    size_t ncols;
    wcol *cols;
    vrv_seg_writer_opts opts;
    VRV_VEC(int64_t) times;
};

static bool is_string_col(const wcol *c)
{
    return c->def.type == VRV_C_STRING || c->def.type == VRV_C_JSON;
}

vrv_seg_writer *vrv_seg_writer_new(const vrv_seg_column_def *cols, size_t ncols,
                                   const vrv_seg_writer_opts *opts)
{
    vrv_seg_writer *w = vrv_calloc(1, sizeof *w);
    w->opts.dim_codec = opts ? opts->dim_codec : VRV_SEG_CODEC_LZ4;
    w->opts.metric_codec = opts ? opts->metric_codec : VRV_SEG_CODEC_LZ4;
    w->ncols = ncols;
    w->cols = vrv_calloc(ncols ? ncols : 1, sizeof *w->cols);
    for (size_t i = 0; i < ncols; i++) {
        wcol *c = &w->cols[i];
        c->def = cols[i];
        c->def.name = vrv_strdup(cols[i].name);
        c->def.complex_type = cols[i].complex_type ? vrv_strdup(cols[i].complex_type) : NULL;
        vrv_map_init(&c->dict, true);
        vrv_vec_push(&c->mvoff, 0);
        vrv_vec_push(&c->bloboff, 0);
        c->nulls = roaring_bitmap_create();
    }
    return w;
}

void vrv_seg_writer_free(vrv_seg_writer *w)
{
    if (!w) return;
    for (size_t i = 0; i < w->ncols; i++) {
        wcol *c = &w->cols[i];
        free((char *)c->def.name);
        free((char *)c->def.complex_type);
        vrv_map_destroy(&c->dict);
        vrv_vec_free(&c->ids);
        vrv_vec_free(&c->mvoff);
        vrv_buf_free(&c->nums);
        roaring_bitmap_free(c->nulls);
        vrv_buf_free(&c->blobs);
        vrv_vec_free(&c->bloboff);
    }
    free(w->cols);
    vrv_vec_free(&w->times);
    free(w);
}

size_t vrv_seg_writer_rows(const vrv_seg_writer *w)
{
    return w->times.n;
}

void vrv_seg_writer_reserve(vrv_seg_writer *w, size_t rows)
{
    size_t n = w->times.n + rows;
    vrv_vec_reserve(&w->times, n);
    for (size_t i = 0; i < w->ncols; i++) {
        wcol *c = &w->cols[i];
        if (is_string_col(c)) {
            vrv_vec_reserve(&c->ids, c->ids.n + rows);
            vrv_vec_reserve(&c->mvoff, n + 1);
        } else if (c->def.type == VRV_C_LONG || c->def.type == VRV_C_DOUBLE) {
            vrv_buf_reserve(&c->nums, 8 * rows);
        } else if (c->def.type == VRV_C_FLOAT) {
            vrv_buf_reserve(&c->nums, 4 * rows);
        }
    }
}

static uint32_t intern(wcol *c, const vrv_value *v)
{
    if (v->type != VRV_V_STRING && v->type != VRV_V_JSON) {
        c->has_null = true;
        return 0;
    }
    bool inserted;
    uint64_t *slot = vrv_map_put(&c->dict, v->u.s, v->len, &inserted);
    if (inserted) {
        /* the value bytes live in the map's key copy */
        *slot = ++c->nvals;
    }
    return (uint32_t)*slot;
}

uint32_t vrv_seg_writer_intern(vrv_seg_writer *w, size_t col, const char *s, size_t n)
{
    vrv_value v = vrv_string(s, n);
    return intern(&w->cols[col], &v);
}

void vrv_seg_writer_add(vrv_seg_writer *w, vrv_ms t, const vrv_value *vals)
{
    vrv_seg_writer_add_ids(w, t, vals, NULL);
}

void vrv_seg_writer_add_ids(vrv_seg_writer *w, vrv_ms t, const vrv_value *vals,
                            const uint32_t *ids)
{
    size_t row = w->times.n;
    vrv_vec_push(&w->times, t);
    for (size_t i = 0; i < w->ncols; i++) {
        wcol *c = &w->cols[i];
        const vrv_value *v = &vals[i];
        if (ids && ids[i] != VRV_SEG_NO_ID) {
            if (ids[i] == 0) c->has_null = true;
            vrv_vec_push(&c->ids, ids[i]);
            vrv_vec_push(&c->mvoff, (uint64_t)c->ids.n);
            continue;
        }
        if (is_string_col(c)) {
            if (v->type == VRV_V_ARRAY && v->len > 1) {
                c->multi = true;
                for (size_t k = 0; k < v->len; k++) vrv_vec_push(&c->ids, intern(c, &v->u.a[k]));
            } else if (v->type == VRV_V_ARRAY) {
                vrv_vec_push(&c->ids, v->len ? intern(c, &v->u.a[0]) : intern(c, &(vrv_value){0}));
            } else {
                vrv_vec_push(&c->ids, intern(c, v));
            }
            vrv_vec_push(&c->mvoff, (uint64_t)c->ids.n);
            continue;
        }
        switch (c->def.type) {
        case VRV_C_LONG: {
            int64_t l = 0;
            if (v->type == VRV_V_NULL || !vrv_value_to_long(v, &l)) {
                roaring_bitmap_add(c->nulls, (uint32_t)row);
                l = 0;
            }
            vrv_buf_append(&c->nums, &l, 8);
            break;
        }
        case VRV_C_DOUBLE: {
            double d = 0;
            if (v->type == VRV_V_NULL || !vrv_value_to_double(v, &d)) {
                roaring_bitmap_add(c->nulls, (uint32_t)row);
                d = 0;
            }
            vrv_buf_append(&c->nums, &d, 8);
            break;
        }
        case VRV_C_FLOAT: {
            double d = 0;
            float f = 0;
            if (v->type == VRV_V_FLOAT) {
                f = v->u.f;
            } else if (v->type == VRV_V_NULL || !vrv_value_to_double(v, &d)) {
                roaring_bitmap_add(c->nulls, (uint32_t)row);
            } else {
                f = (float)d;
            }
            vrv_buf_append(&c->nums, &f, 4);
            break;
        }
        default: /* COMPLEX */
            if (v->type == VRV_V_COMPLEX && v->u.ptr) {
                vrv_buf_append(&c->blobs, v->u.ptr, v->len);
            } else {
                roaring_bitmap_add(c->nulls, (uint32_t)row);
            }
            vrv_vec_push(&c->bloboff, (uint64_t)c->blobs.len);
            break;
        }
    }
}

/* ---- finishing ---- */

typedef struct section {
    uint64_t off, len, hash;
} section;

static json_t *section_to_json(section s)
{
    char hex[17];
    snprintf(hex, sizeof hex, "%016llx", (unsigned long long)s.hash);
    json_t *a = json_array();
    json_array_append_new(a, json_integer((json_int_t)s.off));
    json_array_append_new(a, json_integer((json_int_t)s.len));
    json_array_append_new(a, json_string(hex));
    return a;
}

/* Appends the bytes produced since `start` of out as a section. */
static section close_section(const vrv_buf *out, size_t start)
{
    section s = {start, out->len - start, vrv_hash(out->data + start, out->len - start)};
    return s;
}

typedef struct dict_item {
    vrv_str s;
    uint32_t tid;
} dict_item;

static int cmp_dict_item(const void *a, const void *b)
{
    return vrv_str_cmp(((const dict_item *)a)->s, ((const dict_item *)b)->s);
}

static void write_time(vrv_seg_writer *w, vrv_buf *out)
{
    vrv_seg_blocks_writer bw;
    vrv_seg_blocks_init(&bw);
    int64_t tmp[VRV_SEG_BLOCK_ROWS];
    for (size_t start = 0; start < w->times.n; start += VRV_SEG_BLOCK_ROWS) {
        size_t n = VRV_MIN((size_t)VRV_SEG_BLOCK_ROWS, w->times.n - start);
        /* first value, then deltas: sorted times compress to almost nothing */
        tmp[0] = w->times.v[start];
        for (size_t i = 1; i < n; i++)
            tmp[i] = (int64_t)((uint64_t)w->times.v[start + i] - (uint64_t)w->times.v[start + i - 1]);
        vrv_seg_blocks_add(&bw, w->opts.metric_codec, tmp, n * 8);
    }
    vrv_seg_blocks_finish(&bw, out);
}

static void write_numbers(const wcol *c, size_t rows, vrv_seg_codec codec, vrv_buf *out)
{
    size_t width = c->def.type == VRV_C_FLOAT ? 4 : 8;
    vrv_seg_blocks_writer bw;
    vrv_seg_blocks_init(&bw);
    for (size_t start = 0; start < rows; start += VRV_SEG_BLOCK_ROWS) {
        size_t n = VRV_MIN((size_t)VRV_SEG_BLOCK_ROWS, rows - start);
        vrv_seg_blocks_add(&bw, codec, c->nums.data + start * width, n * width);
    }
    vrv_seg_blocks_finish(&bw, out);
}

static void write_bitmap(const roaring_bitmap_t *r, vrv_buf *out)
{
    size_t n = roaring_bitmap_portable_size_in_bytes(r);
    char *p = vrv_buf_reserve(out, n);
    roaring_bitmap_portable_serialize(r, p);
    out->len += n;
    out->data[out->len] = '\0';
}

/* Writes dictionary, ids, offsets and bitmaps of a string column; fills the
 * column's JSON entry. */
static void write_strings(vrv_seg_writer *w, wcol *c, vrv_buf *out, json_t *sections, json_t *col)
{
    size_t rows = w->times.n;
    size_t n = c->nvals;
    /* the map holds the value bytes; collect them through iteration */
    dict_item *items = vrv_malloc((n ? n : 1) * sizeof *items);
    size_t it = 0;
    vrv_map_entry *e;
    while ((e = vrv_map_next(&c->dict, &it))) {
        items[e->val - 1].s = vrv_str_make(e->key, e->klen);
        items[e->val - 1].tid = (uint32_t)e->val;
    }
    qsort(items, n, sizeof *items, cmp_dict_item);
    uint32_t *remap = vrv_malloc((n + 1) * sizeof *remap);
    remap[0] = 0;
    for (size_t i = 0; i < n; i++) remap[items[i].tid] = (uint32_t)(i + 1);

    /* dictionary: u32 count, u32 offsets[count + 1], bytes (value 1..count) */
    size_t start = out->len;
    uint32_t cnt = (uint32_t)n, off = 0;
    vrv_buf_append(out, &cnt, 4);
    for (size_t i = 0; i < n; i++) {
        vrv_buf_append(out, &off, 4);
        off += (uint32_t)items[i].s.n;
    }
    vrv_buf_append(out, &off, 4);
    for (size_t i = 0; i < n; i++) vrv_buf_append(out, items[i].s.p, items[i].s.n);
    json_object_set_new(sections, "dict", section_to_json(close_section(out, start)));

    uint32_t width = n < 255 ? 1 : n < 65535 ? 2 : 4;
    json_object_set_new(col, "idWidth", json_integer(width));

    /* ids, remapped, in blocks of VRV_SEG_BLOCK_ROWS ids */
    start = out->len;
    vrv_seg_blocks_writer bw;
    vrv_seg_blocks_init(&bw);
    uint8_t *tmp = vrv_malloc(VRV_SEG_BLOCK_ROWS * 4);
    for (size_t s = 0; s < c->ids.n; s += VRV_SEG_BLOCK_ROWS) {
        size_t k = VRV_MIN((size_t)VRV_SEG_BLOCK_ROWS, c->ids.n - s);
        for (size_t i = 0; i < k; i++) {
            uint32_t id = remap[c->ids.v[s + i]];
            if (width == 1) tmp[i] = (uint8_t)id;
            else if (width == 2) memcpy(tmp + 2 * i, &(uint16_t){(uint16_t)id}, 2);
            else memcpy(tmp + 4 * i, &id, 4);
        }
        vrv_seg_blocks_add(&bw, w->opts.dim_codec, tmp, k * width);
    }
    free(tmp);
    vrv_seg_blocks_finish(&bw, out);
    json_object_set_new(sections, "ids", section_to_json(close_section(out, start)));

    if (c->multi) {
        start = out->len;
        vrv_buf_append(out, c->mvoff.v, (rows + 1) * 8);
        json_object_set_new(sections, "mvoffsets", section_to_json(close_section(out, start)));
    }

    if (c->def.bitmap) {
        size_t nb = n + 1;
        roaring_bitmap_t **bms = vrv_malloc(nb * sizeof *bms);
        for (size_t i = 0; i < nb; i++) bms[i] = roaring_bitmap_create();
        for (size_t r = 0; r < rows; r++)
            for (uint64_t k = c->mvoff.v[r]; k < c->mvoff.v[r + 1]; k++)
                roaring_bitmap_add(bms[remap[c->ids.v[k]]], (uint32_t)r);
        start = out->len;
        uint32_t count = (uint32_t)nb;
        vrv_buf_append(out, &count, 4);
        size_t table = out->len;
        vrv_buf_reserve(out, (nb + 1) * 8);
        out->len += (nb + 1) * 8;
        for (size_t i = 0; i < nb; i++) {
            uint64_t o = out->len - start;
            memcpy(out->data + table + 8 * i, &o, 8);
            roaring_bitmap_run_optimize(bms[i]);
            write_bitmap(bms[i], out);
            roaring_bitmap_free(bms[i]);
        }
        uint64_t o = out->len - start;
        memcpy(out->data + table + 8 * nb, &o, 8);
        free(bms);
        json_object_set_new(sections, "bitmaps", section_to_json(close_section(out, start)));
    }
    json_object_set_new(col, "cardinality", json_integer((json_int_t)n + (c->has_null ? 1 : 0)));
    json_object_set_new(col, "hasNulls", json_boolean(c->has_null));
    json_object_set_new(col, "multiValue", json_boolean(c->multi));
    free(remap);
    free(items);
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t k = write(fd, c, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        c += k;
        n -= (size_t)k;
    }
    return 0;
}

int vrv_seg_writer_finish(vrv_seg_writer *w, const json_t *meta, const char *path,
                          uint64_t *size_out, vrv_error *err)
{
    size_t rows = w->times.n;
    vrv_buf out = VRV_BUF_INIT;
    vrv_buf_append(&out, VRV_SEG_MAGIC, 8);
    uint32_t ver = VRV_SEG_VERSION, reserved = 0;
    vrv_buf_append(&out, &ver, 4);
    vrv_buf_append(&out, &reserved, 4);

    json_t *footer = meta ? json_deep_copy(meta) : json_object();
    json_t *cols = json_array();

    json_t *tcol = json_pack("{s:s,s:s,s:s}", "name", "__time", "kind", "time", "type", "LONG");
    json_t *tsec = json_object();
    size_t start = out.len;
    write_time(w, &out);
    json_object_set_new(tsec, "values", section_to_json(close_section(&out, start)));
    json_object_set_new(tcol, "sections", tsec);
    json_array_append_new(cols, tcol);

    for (size_t i = 0; i < w->ncols; i++) {
        wcol *c = &w->cols[i];
        json_t *col = json_object();
        json_t *sec = json_object();
        json_object_set_new(col, "name", json_string(c->def.name));
        json_object_set_new(col, "kind", json_string(c->def.is_metric ? "metric" : "dimension"));
        json_object_set_new(col, "type", json_string(vrv_ctype_name(c->def.type)));
        if (c->def.complex_type)
            json_object_set_new(col, "complexType", json_string(c->def.complex_type));
        if (is_string_col(c)) {
            json_object_set_new(col, "bitmap", json_boolean(c->def.bitmap));
            write_strings(w, c, &out, sec, col);
        } else {
            bool has_nulls = roaring_bitmap_get_cardinality(c->nulls) > 0;
            json_object_set_new(col, "hasNulls", json_boolean(has_nulls));
            start = out.len;
            if (c->def.type == VRV_C_COMPLEX) {
                vrv_buf_append(&out, c->bloboff.v, (rows + 1) * 8);
                vrv_buf_append(&out, c->blobs.data, c->blobs.len);
                json_object_set_new(sec, "blobs", section_to_json(close_section(&out, start)));
            } else {
                write_numbers(c, rows, c->def.is_metric ? w->opts.metric_codec : w->opts.dim_codec,
                              &out);
                json_object_set_new(sec, "values", section_to_json(close_section(&out, start)));
            }
            if (has_nulls) {
                start = out.len;
                roaring_bitmap_run_optimize(c->nulls);
                write_bitmap(c->nulls, &out);
                json_object_set_new(sec, "nulls", section_to_json(close_section(&out, start)));
            }
        }
        json_object_set_new(col, "sections", sec);
        json_array_append_new(cols, col);
    }
    json_object_set_new(footer, "format", json_string("vseg"));
    json_object_set_new(footer, "formatVersion", json_integer(VRV_SEG_VERSION));
    json_object_set_new(footer, "numRows", json_integer((json_int_t)rows));
    json_object_set_new(footer, "blockRows", json_integer(VRV_SEG_BLOCK_ROWS));
    json_object_set_new(footer, "minTime", rows ? json_integer(w->times.v[0]) : json_null());
    json_object_set_new(footer, "maxTime", rows ? json_integer(w->times.v[rows - 1]) : json_null());
    json_object_set_new(footer, "columns", cols);
    char *ftext = json_dumps(footer, JSON_COMPACT);
    json_decref(footer);
    uint64_t foff = out.len, flen = strlen(ftext);
    vrv_buf_append(&out, ftext, flen);
    uint64_t fhash = vrv_hash(ftext, flen);
    free(ftext);
    vrv_buf_append(&out, &foff, 8);
    vrv_buf_append(&out, &flen, 8);
    vrv_buf_append(&out, &fhash, 8);
    vrv_buf_append(&out, VRV_SEG_TRAILER_MAGIC, 8);

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int rc = VRV_OK;
    if (fd < 0 || write_all(fd, out.data, out.len) != 0 || fsync(fd) != 0) {
        rc = vrv_error_set(err, VRV_EIO, "writing segment %s: %s", tmp, strerror(errno));
    }
    if (fd >= 0) close(fd);
    if (rc == VRV_OK && rename(tmp, path) != 0)
        rc = vrv_error_set(err, VRV_EIO, "renaming segment to %s: %s", path, strerror(errno));
    if (rc != VRV_OK) unlink(tmp);
    if (size_out) *size_out = out.len;
    vrv_buf_free(&out);
    return rc;
}
