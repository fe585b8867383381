/*
 * seg_reader.c — mmap-based segment reading with full verification at open
 * (see seg_reader.h and docs/segment-format.md).
 */
#include "segment/seg_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/mem.h"

struct vrv_segment {
    char *path;
    const uint8_t *base;
    size_t size;
    json_t *footer;
    size_t rows;
    vrv_ms min_t, max_t;
    size_t ncols;
    vrv_seg_col *cols;
};

static inline uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static int corrupt(vrv_error *err, const vrv_segment *seg, const char *col, const char *what)
{
    return vrv_error_set(err, VRV_ECORRUPT, "segment %s: %s%s%s", seg->path, col ? "column " : "",
                         col ? col : "", what);
}

/* Parses ["off", "len", "hash"] and verifies bounds and checksum. */
static int load_section(vrv_segment *seg, const char *col, const char *name, const json_t *secs,
                        size_t limit, vrv_seg_section *out, vrv_error *err)
{
    char what[128];
    out->off = out->len = 0;
    const json_t *s = json_object_get(secs, name);
    if (!s) return VRV_OK;
    snprintf(what, sizeof what, " section %s: bad directory entry", name);
    if (!json_is_array(s) || json_array_size(s) != 3 || !json_is_integer(json_array_get(s, 0)) ||
        !json_is_integer(json_array_get(s, 1)) || !json_is_string(json_array_get(s, 2)))
        return corrupt(err, seg, col, what);
    json_int_t off = json_integer_value(json_array_get(s, 0));
    json_int_t len = json_integer_value(json_array_get(s, 1));
    if (off < VRV_SEG_HEADER_SIZE || len < 0 || (uint64_t)off > limit ||
        (uint64_t)len > limit - (uint64_t)off) {
        snprintf(what, sizeof what, " section %s: out of the file's bounds (truncated?)", name);
        return corrupt(err, seg, col, what);
    }
    unsigned long long want = strtoull(json_string_value(json_array_get(s, 2)), NULL, 16);
    if (vrv_hash(seg->base + off, (size_t)len) != want) {
        snprintf(what, sizeof what, " section %s: checksum mismatch", name);
        return corrupt(err, seg, col, what);
    }
    out->off = (uint64_t)off;
    out->len = (uint64_t)len;
    return VRV_OK;
}

/* A blocked section must hold `nblocks` blocks with monotone offsets inside it. */
static int check_blocks(vrv_segment *seg, const char *col, vrv_seg_section s, size_t nblocks,
                        vrv_error *err)
{
    if (s.len < 4) return corrupt(err, seg, col, ": block table missing");
    const uint8_t *p = seg->base + s.off;
    if (rd32(p) != nblocks) return corrupt(err, seg, col, ": wrong number of blocks");
    if (s.len < 4 + 8 * ((uint64_t)nblocks + 1)) return corrupt(err, seg, col, ": block table truncated");
    uint64_t prev = 4 + 8 * ((uint64_t)nblocks + 1);
    for (size_t i = 0; i <= nblocks; i++) {
        uint64_t o = rd64(p + 4 + 8 * i);
        if (o < prev || o > s.len) return corrupt(err, seg, col, ": block offsets out of order");
        prev = o;
    }
    return VRV_OK;
}

static int check_offsets(vrv_segment *seg, const char *col, const uint8_t *p, size_t n,
                         uint64_t limit, vrv_error *err)
{
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t o = rd64(p + 8 * i);
        if (o < prev || o > limit) return corrupt(err, seg, col, ": value offsets out of order");
        prev = o;
    }
    return VRV_OK;
}

static int load_column(vrv_segment *seg, const json_t *j, vrv_seg_col *c, size_t limit,
                       vrv_error *err)
{
    const json_t *name = json_object_get(j, "name"), *type = json_object_get(j, "type");
    const json_t *kind = json_object_get(j, "kind"), *secs = json_object_get(j, "sections");
    if (!json_is_string(name) || !json_is_string(type) || !json_is_string(kind) ||
        !json_is_object(secs))
        return corrupt(err, seg, NULL, ": malformed column directory");
    c->name = json_string_value(name);
    if (!vrv_ctype_parse(json_string_value(type), &c->type))
        return corrupt(err, seg, c->name, ": unknown type");
    c->is_time = strcmp(json_string_value(kind), "time") == 0;
    c->is_metric = strcmp(json_string_value(kind), "metric") == 0;
    const json_t *ct = json_object_get(j, "complexType");
    c->complex_type = json_is_string(ct) ? json_string_value(ct) : NULL;
    c->has_nulls = json_is_true(json_object_get(j, "hasNulls"));
    c->multi = json_is_true(json_object_get(j, "multiValue"));
    c->bitmap = json_is_true(json_object_get(j, "bitmap"));
    int rc;
    if ((rc = load_section(seg, c->name, "values", secs, limit, &c->values, err)) ||
        (rc = load_section(seg, c->name, "nulls", secs, limit, &c->nulls, err)) ||
        (rc = load_section(seg, c->name, "dict", secs, limit, &c->dict, err)) ||
        (rc = load_section(seg, c->name, "ids", secs, limit, &c->ids, err)) ||
        (rc = load_section(seg, c->name, "mvoffsets", secs, limit, &c->mvoffsets, err)) ||
        (rc = load_section(seg, c->name, "bitmaps", secs, limit, &c->bitmaps, err)) ||
        (rc = load_section(seg, c->name, "blobs", secs, limit, &c->blobs, err)))
        return rc;
    size_t nblocks = vrv_segment_nblocks(seg);
    if (c->is_time && c->type != VRV_C_LONG) return corrupt(err, seg, c->name, ": __time must be LONG");
    switch (c->type) {
    case VRV_C_STRING:
    case VRV_C_JSON: {
        if (c->dict.len < 8) return corrupt(err, seg, c->name, ": dictionary missing");
        const uint8_t *d = seg->base + c->dict.off;
        c->ndict = rd32(d);
        if ((uint64_t)c->ndict > (c->dict.len - 8) / 4)
            return corrupt(err, seg, c->name, ": dictionary truncated");
        uint64_t bytes = c->dict.len - 8 - 4 * (uint64_t)c->ndict;
        uint32_t prev = 0;
        for (uint32_t i = 0; i <= c->ndict; i++) {
            uint32_t o = rd32(d + 4 + 4 * (size_t)i);
            if (o < prev || o > bytes) return corrupt(err, seg, c->name, ": dictionary offsets");
            prev = o;
        }
        json_int_t w = json_integer_value(json_object_get(j, "idWidth"));
        if (w != 1 && w != 2 && w != 4) return corrupt(err, seg, c->name, ": bad id width");
        c->id_width = (uint32_t)w;
        if (c->ndict >= (w == 1 ? 255u : w == 2 ? 65535u : UINT32_MAX))
            return corrupt(err, seg, c->name, ": dictionary larger than its id width");
        c->cardinality = c->ndict + (c->has_nulls ? 1 : 0);
        c->nflat = seg->rows;
        if (c->multi) {
            if (c->mvoffsets.len != 8 * ((uint64_t)seg->rows + 1))
                return corrupt(err, seg, c->name, ": multi-value offsets missing");
            const uint8_t *mo = seg->base + c->mvoffsets.off;
            c->nflat = rd64(mo + 8 * seg->rows);
            if (c->nflat > (uint64_t)UINT32_MAX * 4 || rd64(mo) != 0)
                return corrupt(err, seg, c->name, ": multi-value offsets");
            if ((rc = check_offsets(seg, c->name, mo, seg->rows + 1, c->nflat, err))) return rc;
        }
        size_t nb = (size_t)((c->nflat + VRV_SEG_BLOCK_ROWS - 1) / VRV_SEG_BLOCK_ROWS);
        if ((rc = check_blocks(seg, c->name, c->ids, nb, err))) return rc;
        if (c->bitmap) {
            if (c->bitmaps.len < 4) return corrupt(err, seg, c->name, ": bitmaps missing");
            const uint8_t *b = seg->base + c->bitmaps.off;
            if (rd32(b) != c->ndict + 1 || c->bitmaps.len < 4 + 8 * ((uint64_t)c->ndict + 2))
                return corrupt(err, seg, c->name, ": bitmap table");
            uint64_t prevb = 4 + 8 * ((uint64_t)c->ndict + 2);
            for (size_t i = 0; i <= (size_t)c->ndict + 1; i++) {
                uint64_t o = rd64(b + 4 + 8 * i);
                if (o < prevb || o > c->bitmaps.len) return corrupt(err, seg, c->name, ": bitmap offsets");
                prevb = o;
            }
        }
        break;
    }
    case VRV_C_LONG:
    case VRV_C_DOUBLE:
    case VRV_C_FLOAT:
        if ((rc = check_blocks(seg, c->name, c->values, nblocks, err))) return rc;
        break;
    case VRV_C_COMPLEX: {
        if (c->blobs.len < 8 * ((uint64_t)seg->rows + 1)) return corrupt(err, seg, c->name, ": blobs missing");
        const uint8_t *bo = seg->base + c->blobs.off;
        if ((rc = check_offsets(seg, c->name, bo, seg->rows + 1,
                                c->blobs.len - 8 * ((uint64_t)seg->rows + 1), err)))
            return rc;
        break;
    }
    default: return corrupt(err, seg, c->name, ": unsupported column type");
    }
    if (c->has_nulls && c->type != VRV_C_STRING && c->type != VRV_C_JSON && c->nulls.len == 0)
        return corrupt(err, seg, c->name, ": null bitmap missing");
    return VRV_OK;
}

int vrv_segment_open(const char *path, vrv_segment **out, vrv_error *err)
{
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return vrv_error_set(err, VRV_EIO, "segment %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return vrv_error_set(err, VRV_EIO, "segment %s: %s", path, strerror(errno));
    }
    vrv_segment *seg = vrv_calloc(1, sizeof *seg);
    seg->path = vrv_strdup(path);
    seg->size = (size_t)st.st_size;
    int rc = VRV_OK;
    if (seg->size < VRV_SEG_HEADER_SIZE + VRV_SEG_TRAILER_SIZE) {
        close(fd);
        rc = corrupt(err, seg, NULL, ": file too short to be a segment (truncated?)");
        goto fail;
    }
    void *m = mmap(NULL, seg->size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        rc = vrv_error_set(err, VRV_EIO, "segment %s: mmap: %s", path, strerror(errno));
        goto fail;
    }
    seg->base = m;
    if (memcmp(seg->base, VRV_SEG_MAGIC, 8) != 0) {
        rc = corrupt(err, seg, NULL, ": not a varve segment (bad magic)");
        goto fail;
    }
    if (rd32(seg->base + 8) != VRV_SEG_VERSION) {
        rc = corrupt(err, seg, NULL, ": unsupported format version");
        goto fail;
    }
    const uint8_t *tr = seg->base + seg->size - VRV_SEG_TRAILER_SIZE;
    if (memcmp(tr + 24, VRV_SEG_TRAILER_MAGIC, 8) != 0) {
        rc = corrupt(err, seg, NULL, ": trailer missing (truncated?)");
        goto fail;
    }
    uint64_t foff = rd64(tr), flen = rd64(tr + 8), fhash = rd64(tr + 16);
    size_t limit = seg->size - VRV_SEG_TRAILER_SIZE;
    if (foff < VRV_SEG_HEADER_SIZE || foff > limit || flen > limit - foff || flen > VRV_SEG_MAX_FOOTER) {
        rc = corrupt(err, seg, NULL, ": footer out of bounds");
        goto fail;
    }
    if (vrv_hash(seg->base + foff, flen) != fhash) {
        rc = corrupt(err, seg, NULL, ": footer checksum mismatch");
        goto fail;
    }
    json_error_t jerr;
    seg->footer = json_loadb((const char *)seg->base + foff, flen, 0, &jerr);
    if (!json_is_object(seg->footer)) {
        rc = corrupt(err, seg, NULL, ": footer is not a JSON object");
        goto fail;
    }
    json_int_t rows = json_integer_value(json_object_get(seg->footer, "numRows"));
    json_int_t brows = json_integer_value(json_object_get(seg->footer, "blockRows"));
    const json_t *cols = json_object_get(seg->footer, "columns");
    if (rows < 0 || rows > UINT32_MAX || brows != VRV_SEG_BLOCK_ROWS || !json_is_array(cols) ||
        json_array_size(cols) == 0) {
        rc = corrupt(err, seg, NULL, ": footer lacks numRows, blockRows or columns");
        goto fail;
    }
    seg->rows = (size_t)rows;
    seg->min_t = json_integer_value(json_object_get(seg->footer, "minTime"));
    seg->max_t = json_integer_value(json_object_get(seg->footer, "maxTime"));
    seg->ncols = json_array_size(cols);
    seg->cols = vrv_calloc(seg->ncols, sizeof *seg->cols);
    for (size_t i = 0; i < seg->ncols; i++) {
        if ((rc = load_column(seg, json_array_get(cols, i), &seg->cols[i], foff, err))) goto fail;
    }
    if (!seg->cols[0].is_time) {
        rc = corrupt(err, seg, NULL, ": first column is not __time");
        goto fail;
    }
    *out = seg;
    return VRV_OK;
fail:
    vrv_segment_close(seg);
    return rc;
}

void vrv_segment_close(vrv_segment *seg)
{
    if (!seg) return;
    if (seg->base) munmap((void *)seg->base, seg->size);
    json_decref(seg->footer);
    free(seg->cols);
    free(seg->path);
    free(seg);
}

size_t vrv_segment_rows(const vrv_segment *seg)
{
    return seg->rows;
}

size_t vrv_segment_nblocks(const vrv_segment *seg)
{
    return (seg->rows + VRV_SEG_BLOCK_ROWS - 1) / VRV_SEG_BLOCK_ROWS;
}

const json_t *vrv_segment_meta(const vrv_segment *seg)
{
    return seg->footer;
}

uint64_t vrv_segment_file_size(const vrv_segment *seg)
{
    return seg->size;
}

vrv_ms vrv_segment_min_time(const vrv_segment *seg)
{
    return seg->min_t;
}

vrv_ms vrv_segment_max_time(const vrv_segment *seg)
{
    return seg->max_t;
}

size_t vrv_segment_ncols(const vrv_segment *seg)
{
    return seg->ncols;
}

const vrv_seg_col *vrv_segment_col(const vrv_segment *seg, size_t i)
{
    return &seg->cols[i];
}

long vrv_segment_find(const vrv_segment *seg, const char *name)
{
    for (size_t i = 0; i < seg->ncols; i++)
        if (strcmp(seg->cols[i].name, name) == 0) return (long)i;
    return -1;
}

/* Decodes block `block` of a blocked section into out (cap bytes). */
static long read_block(const vrv_segment *seg, vrv_seg_section s, size_t block, void *out,
                       size_t cap)
{
    const uint8_t *p = seg->base + s.off;
    if (s.len < 4 || block >= rd32(p)) return VRV_EINVAL;
    uint64_t o = rd64(p + 4 + 8 * block), e = rd64(p + 4 + 8 * (block + 1));
    size_t used;
    return vrv_seg_block_get(p + o, (size_t)(e - o), out, cap, &used);
}

static size_t block_rows(const vrv_segment *seg, size_t block)
{
    size_t start = block * VRV_SEG_BLOCK_ROWS;
    return start >= seg->rows ? 0 : VRV_MIN((size_t)VRV_SEG_BLOCK_ROWS, seg->rows - start);
}

long vrv_seg_read_times(const vrv_segment *seg, size_t block, int64_t *out)
{
    long n = read_block(seg, seg->cols[0].values, block, out, VRV_SEG_BLOCK_ROWS * 8);
    if (n < 0) return n;
    if ((size_t)n != block_rows(seg, block) * 8) return VRV_ECORRUPT;
    size_t k = (size_t)n / 8;
    for (size_t i = 1; i < k; i++) out[i] = (int64_t)((uint64_t)out[i - 1] + (uint64_t)out[i]);
    return (long)k;
}

static long read_values(const vrv_segment *seg, size_t col, size_t block, void *out, vrv_ctype t,
                        size_t width)
{
    if (col >= seg->ncols || seg->cols[col].type != t || seg->cols[col].is_time) return VRV_EINVAL;
    long n = read_block(seg, seg->cols[col].values, block, out, VRV_SEG_BLOCK_ROWS * width);
    if (n < 0) return n;
    if ((size_t)n != block_rows(seg, block) * width) return VRV_ECORRUPT;
    return n / (long)width;
}

long vrv_seg_read_longs(const vrv_segment *seg, size_t col, size_t block, int64_t *out)
{
    return read_values(seg, col, block, out, VRV_C_LONG, 8);
}

long vrv_seg_read_doubles(const vrv_segment *seg, size_t col, size_t block, double *out)
{
    return read_values(seg, col, block, out, VRV_C_DOUBLE, 8);
}

long vrv_seg_read_floats(const vrv_segment *seg, size_t col, size_t block, float *out)
{
    return read_values(seg, col, block, out, VRV_C_FLOAT, 4);
}

long vrv_seg_read_ids(const vrv_segment *seg, size_t col, size_t block, uint32_t *out)
{
    const vrv_seg_col *c = &seg->cols[col];
    if (c->type != VRV_C_STRING && c->type != VRV_C_JSON) return VRV_EINVAL;
    size_t start = block * VRV_SEG_BLOCK_ROWS;
    if (start >= c->nflat) return VRV_EINVAL;
    size_t want = VRV_MIN((size_t)VRV_SEG_BLOCK_ROWS, (size_t)(c->nflat - start));
    uint8_t *raw = (uint8_t *)out; /* decode in place, widening from the end */
    long n = read_block(seg, c->ids, block, raw, VRV_SEG_BLOCK_ROWS * 4);
    if (n < 0) return n;
    if ((size_t)n != want * c->id_width) return VRV_ECORRUPT;
    if (c->id_width == 1) {
        for (size_t i = want; i-- > 0;) out[i] = raw[i];
    } else if (c->id_width == 2) {
        for (size_t i = want; i-- > 0;) {
            uint16_t v;
            memcpy(&v, raw + 2 * i, 2);
            out[i] = v;
        }
    }
    for (size_t i = 0; i < want; i++)
        if (out[i] > c->ndict) return VRV_ECORRUPT;
    return (long)want;
}

void vrv_seg_mv_range(const vrv_segment *seg, size_t col, size_t row, uint64_t *start, uint64_t *end)
{
    const vrv_seg_col *c = &seg->cols[col];
    if (!c->multi) {
        *start = row;
        *end = row + 1;
        return;
    }
    const uint8_t *mo = seg->base + c->mvoffsets.off;
    *start = rd64(mo + 8 * row);
    *end = rd64(mo + 8 * (row + 1));
}

vrv_str vrv_seg_dict_get(const vrv_segment *seg, size_t col, uint32_t id)
{
    const vrv_seg_col *c = &seg->cols[col];
    if (id == 0 || id > c->ndict) return vrv_str_make(NULL, 0);
    const uint8_t *d = seg->base + c->dict.off;
    const char *bytes = (const char *)d + 8 + 4 * (size_t)c->ndict;
    uint32_t a = rd32(d + 4 + 4 * (size_t)(id - 1)), b = rd32(d + 4 + 4 * (size_t)id);
    return vrv_str_make(bytes + a, b - a);
}

long vrv_seg_dict_find(const vrv_segment *seg, size_t col, vrv_str s)
{
    const vrv_seg_col *c = &seg->cols[col];
    uint32_t lo = 1, hi = c->ndict;
    while (lo <= hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        int cmp = vrv_str_cmp(vrv_seg_dict_get(seg, col, mid), s);
        if (cmp == 0) return mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

roaring_bitmap_t *vrv_seg_bitmap(const vrv_segment *seg, size_t col, uint32_t id)
{
    const vrv_seg_col *c = &seg->cols[col];
    if (!c->bitmap || id > c->ndict) return NULL;
    const uint8_t *b = seg->base + c->bitmaps.off;
    uint64_t o = rd64(b + 4 + 8 * (size_t)id), e = rd64(b + 4 + 8 * ((size_t)id + 1));
    roaring_bitmap_t *r = roaring_bitmap_portable_deserialize_safe((const char *)b + o, (size_t)(e - o));
    return r ? r : roaring_bitmap_create();
}

roaring_bitmap_t *vrv_seg_nulls(const vrv_segment *seg, size_t col)
{
    const vrv_seg_col *c = &seg->cols[col];
    if (!c->nulls.len) return NULL;
    return roaring_bitmap_portable_deserialize_safe((const char *)seg->base + c->nulls.off,
                                                    (size_t)c->nulls.len);
}

void vrv_seg_blob(const vrv_segment *seg, size_t col, size_t row, const uint8_t **p, size_t *len)
{
    const vrv_seg_col *c = &seg->cols[col];
    const uint8_t *bo = seg->base + c->blobs.off;
    uint64_t a = rd64(bo + 8 * row), b = rd64(bo + 8 * (row + 1));
    *p = bo + 8 * (seg->rows + 1) + a;
    *len = (size_t)(b - a);
}
