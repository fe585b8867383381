/*
 * index.c — the appendable index (see index.h for the model and the
 * concurrency rules).
 *
 * Layout. A row is a row_rec (time + a pointer to its encoded key) in a chunk
 * of VRV_INDEX_CHUNK rows; the chunk also holds the rows' metric states and
 * the mutex that guards them. The key encodes the row's time (8 bytes) and
 * then each dimension up to the last non-null one:
 *   STRING, JSON   u32: dictionary id (0 = null), or 0x80000000|count followed
 *                  by count u32 ids for a multi-value row
 *   LONG, DOUBLE   u8 present flag, then 8 bytes when present
 *   FLOAT          u8 present flag, then 4 bytes when present
 * Trailing nulls are never encoded, so a row added before a discovered
 * dimension existed and one added after it with null there have equal keys.
 *
 * Directories of chunks grow by copying into a larger array that is published
 * atomically; the old arrays are kept until the index is freed, so a reader
 * holding one still reads valid memory.
 */
#include "ingest/index.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "base/mem.h"

#define MV_FLAG 0x80000000u

/* ---- directories that grow without invalidating readers ---- */

typedef struct retired {
    struct retired *next;
} retired;

typedef struct dir {
    void **_Atomic slots; /* published array of chunk pointers */
    size_t cap;           /* writer-side capacity of slots */
    retired *old;         /* arrays replaced by growth, freed at the end */
} dir;

static void dir_init(dir *d, size_t cap)
{
    void **s = vrv_calloc(cap, sizeof *s);
    atomic_store_explicit(&d->slots, s, memory_order_relaxed);
    d->cap = cap;
    d->old = NULL;
}

/* Writer: makes sure slot i exists in the directory. */
static void dir_reserve(dir *d, size_t i)
{
    if (i < d->cap) return;
    size_t cap = d->cap * 2;
    while (cap <= i) cap *= 2;
    void **cur = atomic_load_explicit(&d->slots, memory_order_relaxed);
    /* The retired header lives in front of the new array's copy of the old one:
     * keep the old array itself and chain it. */
    void **s = vrv_calloc(cap, sizeof *s);
    memcpy(s, cur, d->cap * sizeof *s);
    retired *r = (retired *)vrv_malloc(sizeof(retired) + sizeof(void *));
    ((void **)(r + 1))[0] = cur;
    r->next = d->old;
    d->old = r;
    atomic_store_explicit(&d->slots, s, memory_order_release);
    d->cap = cap;
}

static inline void *dir_get(const dir *d, size_t i)
{
    void **s = atomic_load_explicit((void **_Atomic *)&d->slots, memory_order_acquire);
    return s[i];
}

static inline void dir_set(dir *d, size_t i, void *p)
{
    void **s = atomic_load_explicit(&d->slots, memory_order_relaxed);
    s[i] = p;
}

static void dir_destroy(dir *d, void (*free_slot)(void *), size_t used)
{
    void **s = atomic_load_explicit(&d->slots, memory_order_relaxed);
    if (free_slot)
        for (size_t i = 0; i < used; i++) free_slot(s[i]);
    free(s);
    for (retired *r = d->old, *next; r; r = next) {
        next = r->next;
        free(((void **)(r + 1))[0]);
        free(r);
    }
}

/* ---- per-dimension data ---- */

#define DICT_CHUNK 4096

typedef struct dimdata {
    vrv_map lookup;       /* writer: value bytes -> id */
    vrv_arena strings;    /* dictionary bytes */
    dir entries;          /* chunks of DICT_CHUNK vrv_str */
    _Atomic size_t n;     /* published entries, including id 0 (null) */
    size_t nchunks;
} dimdata;

typedef struct row_rec {
    vrv_ms t;
    const uint8_t *key; /* in keys arena; starts with the 8-byte time */
    uint32_t klen;
} row_rec;

typedef struct chunk {
    pthread_mutex_t lock;
    row_rec rows[VRV_INDEX_CHUNK];
    uint8_t *states; /* VRV_INDEX_CHUNK * state_total bytes */
    /* Rollup folds into the rows of each VRV_INDEX_FOLD_BLOCK-row block, so a
     * reader's copy of those rows can tell it went stale (vrv_index_folds). */
    _Atomic uint32_t folds[VRV_INDEX_CHUNK / VRV_INDEX_FOLD_BLOCK];
} chunk;

struct vrv_index {
    bool rollup;
    uint64_t uid;
    /* dimensions: published array (grows with retirement) + count */
    vrv_index_dim *_Atomic dims;
    dimdata **_Atomic ddata;
    _Atomic size_t ndims;
    size_t dims_cap;
    retired *old_dims;
    vrv_map dim_lookup; /* writer: name -> position */

    size_t nmetrics;
    vrv_index_metric *metrics;
    size_t *state_off; /* per metric offset inside a row's state block */
    size_t state_total;
    bool any_heap;     /* some metric reports heap bytes */

    dir chunks;
    size_t nchunks;
    _Atomic size_t nrows;
    uint64_t input_rows;

    vrv_map rollup_map; /* writer: key bytes -> row */
    vrv_arena keys;
    vrv_buf keybuf;     /* writer scratch for the key being built */
    vrv_arena scratch;  /* writer scratch for multi-value sorting */

    size_t heap_bytes;  /* metric heap memory */
    _Atomic vrv_ms min_t, max_t;
};

static void dimdata_init(dimdata *dd)
{
    vrv_map_init(&dd->lookup, false);
    vrv_arena_init(&dd->strings, 64 * 1024);
    dir_init(&dd->entries, 16);
    vrv_str *first = vrv_calloc(DICT_CHUNK, sizeof *first);
    dir_set(&dd->entries, 0, first);
    dd->nchunks = 1;
    atomic_store_explicit(&dd->n, 1, memory_order_release); /* id 0 = null */
}

static void dimdata_free(void *p)
{
    dimdata *dd = p;
    vrv_map_destroy(&dd->lookup);
    vrv_arena_destroy(&dd->strings);
    dir_destroy(&dd->entries, free, dd->nchunks);
    free(dd);
}

static uint32_t dict_intern(dimdata *dd, const char *s, size_t n)
{
    bool inserted;
    vrv_map_entry *e = vrv_map_put_entry(&dd->lookup, s, n, &inserted);
    if (!inserted) return (uint32_t)e->val;
    size_t id = atomic_load_explicit(&dd->n, memory_order_relaxed);
    char *copy = vrv_arena_strndup(&dd->strings, s, n);
    e->key = n ? copy : e->key;
    e->val = id;
    size_t c = id / DICT_CHUNK;
    if (c >= dd->nchunks) {
        dir_reserve(&dd->entries, c);
        dir_set(&dd->entries, c, vrv_calloc(DICT_CHUNK, sizeof(vrv_str)));
        dd->nchunks = c + 1;
    }
    vrv_str *entries = dir_get(&dd->entries, c);
    entries[id % DICT_CHUNK] = vrv_str_make(copy, n);
    atomic_store_explicit(&dd->n, id + 1, memory_order_release);
    return (uint32_t)id;
}

/* ---- construction ---- */

static void publish_dims_capacity(vrv_index *idx, size_t need)
{
    if (need <= idx->dims_cap) return;
    size_t cap = idx->dims_cap ? idx->dims_cap * 2 : 16;
    while (cap < need) cap *= 2;
    vrv_index_dim *od = atomic_load_explicit(&idx->dims, memory_order_relaxed);
    dimdata **odd = atomic_load_explicit(&idx->ddata, memory_order_relaxed);
    vrv_index_dim *nd = vrv_calloc(cap, sizeof *nd);
    dimdata **ndd = vrv_calloc(cap, sizeof *ndd);
    if (od) {
        memcpy(nd, od, idx->dims_cap * sizeof *nd);
        memcpy(ndd, odd, idx->dims_cap * sizeof *ndd);
        retired *r = vrv_malloc(sizeof(retired) + 2 * sizeof(void *));
        ((void **)(r + 1))[0] = od;
        ((void **)(r + 1))[1] = odd;
        r->next = idx->old_dims;
        idx->old_dims = r;
    }
    atomic_store_explicit(&idx->dims, nd, memory_order_release);
    atomic_store_explicit(&idx->ddata, ndd, memory_order_release);
    idx->dims_cap = cap;
}

long vrv_index_add_dim(vrv_index *idx, const char *name, vrv_ctype type, vrv_mvh mvh)
{
    size_t n = atomic_load_explicit(&idx->ndims, memory_order_relaxed);
    if (n >= VRV_INDEX_MAX_DIMS) return -1;
    publish_dims_capacity(idx, n + 1);
    vrv_index_dim *dims = atomic_load_explicit(&idx->dims, memory_order_relaxed);
    dimdata **dd = atomic_load_explicit(&idx->ddata, memory_order_relaxed);
    dims[n].name = vrv_strdup(name);
    dims[n].type = type;
    dims[n].mvh = mvh;
    dims[n].bitmap = type == VRV_C_STRING;
    dd[n] = NULL;
    if (type == VRV_C_STRING || type == VRV_C_JSON) {
        dd[n] = vrv_malloc(sizeof **dd);
        dimdata_init(dd[n]);
    }
    *vrv_map_put(&idx->dim_lookup, dims[n].name, strlen(name), NULL) = n;
    atomic_store_explicit(&idx->ndims, n + 1, memory_order_release);
    return (long)n;
}

long vrv_index_find_dim(const vrv_index *idx, const char *name)
{
    uint64_t *p = vrv_map_get(&idx->dim_lookup, name, strlen(name));
    return p ? (long)*p : -1;
}

vrv_index *vrv_index_new(const vrv_index_schema *schema)
{
    static _Atomic uint64_t next_uid = 1;
    vrv_index *idx = vrv_calloc(1, sizeof *idx);
    idx->rollup = schema->rollup;
    idx->uid = atomic_fetch_add_explicit(&next_uid, 1, memory_order_relaxed);
    vrv_map_init(&idx->dim_lookup, false);
    publish_dims_capacity(idx, schema->ndims ? schema->ndims : 1);
    for (size_t i = 0; i < schema->ndims; i++) {
        const vrv_index_dim *d = &schema->dims[i];
        vrv_index_add_dim(idx, d->name, d->type, d->mvh);
        vrv_index_dim *dims = atomic_load_explicit(&idx->dims, memory_order_relaxed);
        dims[i].bitmap = d->bitmap;
    }
    idx->nmetrics = schema->nmetrics;
    idx->metrics = vrv_memdup(schema->metrics, schema->nmetrics * sizeof *idx->metrics);
    idx->state_off = vrv_calloc(schema->nmetrics + 1, sizeof *idx->state_off);
    size_t off = 0;
    for (size_t m = 0; m < schema->nmetrics; m++) {
        idx->state_off[m] = off;
        off += (schema->metrics[m].ops->state_size + 7) & ~(size_t)7;
        if (schema->metrics[m].ops->heap_bytes) idx->any_heap = true;
    }
    idx->state_total = off;
    dir_init(&idx->chunks, 64);
    vrv_map_init(&idx->rollup_map, false);
    vrv_arena_init(&idx->keys, 256 * 1024);
    vrv_arena_init(&idx->scratch, 16 * 1024);
    vrv_buf_init(&idx->keybuf);
    atomic_store(&idx->min_t, INT64_MAX);
    atomic_store(&idx->max_t, INT64_MIN);
    return idx;
}

static void chunk_free_states(vrv_index *idx, chunk *c, size_t used)
{
    for (size_t r = 0; r < used; r++) {
        uint8_t *st = c->states + r * idx->state_total;
        for (size_t m = 0; m < idx->nmetrics; m++)
            if (idx->metrics[m].ops->destroy)
                idx->metrics[m].ops->destroy(idx->metrics[m].ctx, st + idx->state_off[m]);
    }
}

void vrv_index_free(vrv_index *idx)
{
    if (!idx) return;
    size_t nrows = atomic_load(&idx->nrows);
    for (size_t ci = 0; ci < idx->nchunks; ci++) {
        chunk *c = dir_get(&idx->chunks, ci);
        size_t used = VRV_MIN((size_t)VRV_INDEX_CHUNK, nrows - ci * VRV_INDEX_CHUNK);
        chunk_free_states(idx, c, used);
        pthread_mutex_destroy(&c->lock);
        free(c->states);
        free(c);
    }
    dir_destroy(&idx->chunks, NULL, 0);
    size_t nd = atomic_load(&idx->ndims);
    vrv_index_dim *dims = atomic_load(&idx->dims);
    dimdata **dd = atomic_load(&idx->ddata);
    for (size_t i = 0; i < nd; i++) {
        free(dims[i].name);
        if (dd[i]) dimdata_free(dd[i]);
    }
    free(dims);
    free(dd);
    for (retired *r = idx->old_dims, *next; r; r = next) {
        next = r->next;
        free(((void **)(r + 1))[0]);
        free(((void **)(r + 1))[1]);
        free(r);
    }
    vrv_map_destroy(&idx->dim_lookup);
    vrv_map_destroy(&idx->rollup_map);
    vrv_arena_destroy(&idx->keys);
    vrv_arena_destroy(&idx->scratch);
    vrv_buf_free(&idx->keybuf);
    free(idx->metrics);
    free(idx->state_off);
    free(idx);
}

/* ---- writer ---- */

static int cmp_value_str(const void *a, const void *b)
{
    const vrv_value *x = a, *y = b;
    if (x->type == VRV_V_NULL || y->type == VRV_V_NULL)
        return (x->type != VRV_V_NULL) - (y->type != VRV_V_NULL);
    return vrv_str_cmp(vrv_value_str(x), vrv_value_str(y));
}

static inline void put_u32(vrv_buf *b, uint32_t v)
{
    vrv_buf_append(b, &v, 4);
}

static void encode_string_dim(vrv_index *idx, dimdata *dd, vrv_mvh mvh, const vrv_value *v)
{
    if (v->type == VRV_V_STRING || v->type == VRV_V_JSON) {
        put_u32(&idx->keybuf, dict_intern(dd, v->u.s, v->len));
        return;
    }
    if (v->type != VRV_V_ARRAY || v->len == 0) {
        put_u32(&idx->keybuf, 0);
        return;
    }
    if (v->len == 1) {
        encode_string_dim(idx, dd, mvh, &v->u.a[0]);
        return;
    }
    size_t n = v->len;
    vrv_value *vals = vrv_arena_memdup(&idx->scratch, v->u.a, n * sizeof *vals);
    if (mvh != VRV_MVH_ARRAY) qsort(vals, n, sizeof *vals, cmp_value_str);
    if (mvh == VRV_MVH_SORTED_SET) {
        size_t w = 1;
        for (size_t i = 1; i < n; i++)
            if (cmp_value_str(&vals[i], &vals[w - 1]) != 0) vals[w++] = vals[i];
        n = w;
        if (n == 1) {
            encode_string_dim(idx, dd, mvh, &vals[0]);
            return;
        }
    }
    put_u32(&idx->keybuf, MV_FLAG | (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        put_u32(&idx->keybuf, vals[i].type == VRV_V_NULL ? 0 : dict_intern(dd, vals[i].u.s, vals[i].len));
}

/* Encodes dims into idx->keybuf after the time; returns the length with
 * trailing nulls trimmed. */
static size_t encode_key(vrv_index *idx, vrv_ms t, const vrv_value *dims, size_t ndims)
{
    vrv_buf_reset(&idx->keybuf);
    vrv_buf_append(&idx->keybuf, &t, 8);
    size_t total = atomic_load_explicit(&idx->ndims, memory_order_relaxed);
    if (ndims > total) ndims = total;
    const vrv_index_dim *dd = atomic_load_explicit(&idx->dims, memory_order_relaxed);
    dimdata **data = atomic_load_explicit(&idx->ddata, memory_order_relaxed);
    size_t trimmed = 8;
    for (size_t i = 0; i < ndims; i++) {
        const vrv_value *v = &dims[i];
        bool null = v->type == VRV_V_NULL || (v->type == VRV_V_ARRAY && v->len == 0);
        switch (dd[i].type) {
        case VRV_C_STRING:
        case VRV_C_JSON: encode_string_dim(idx, data[i], dd[i].mvh, v); break;
        case VRV_C_LONG:
        case VRV_C_DOUBLE: {
            uint8_t flag = !null;
            vrv_buf_append(&idx->keybuf, &flag, 1);
            if (!null) vrv_buf_append(&idx->keybuf, &v->u.l, 8);
            break;
        }
        case VRV_C_FLOAT: {
            uint8_t flag = !null;
            vrv_buf_append(&idx->keybuf, &flag, 1);
            if (!null) vrv_buf_append(&idx->keybuf, &v->u.f, 4);
            break;
        }
        default: assert(!"dimension type not storable in the index");
        }
        if (!null) trimmed = idx->keybuf.len;
    }
    vrv_arena_reset(&idx->scratch);
    return trimmed;
}

static void feed_metrics(vrv_index *idx, uint8_t *st, const vrv_value *metric_in,
                         const uint8_t *skip, vrv_ms t)
{
    for (size_t m = 0; m < idx->nmetrics; m++) {
        const vrv_value *in = &metric_in[m];
        if (skip && skip[m]) continue;
        const vrv_index_metric *met = &idx->metrics[m];
        void *s = st + idx->state_off[m];
        if (met->ops->heap_bytes) {
            size_t before = met->ops->heap_bytes(met->ctx, s);
            met->ops->add(met->ctx, s, in, t);
            idx->heap_bytes += met->ops->heap_bytes(met->ctx, s) - before;
        } else {
            met->ops->add(met->ctx, s, in, t);
        }
    }
}

static inline chunk *chunk_of(const vrv_index *idx, size_t row)
{
    return dir_get(&idx->chunks, row >> VRV_INDEX_CHUNK_BITS);
}

size_t vrv_index_add(vrv_index *idx, vrv_ms t, const vrv_value *dims, size_t ndims,
                     const vrv_value *metric_in, const uint8_t *skip)
{
    idx->input_rows++;
    size_t klen = encode_key(idx, t, dims, ndims);
    size_t row = atomic_load_explicit(&idx->nrows, memory_order_relaxed);
    vrv_map_entry *slot = NULL;
    if (idx->rollup) {
        /* one probe: find the row, or insert the key as the new row's */
        bool inserted;
        slot = vrv_map_put_entry(&idx->rollup_map, idx->keybuf.data, klen, &inserted);
        if (!inserted) {
            size_t hit = (size_t)slot->val;
            chunk *c = chunk_of(idx, hit);
            pthread_mutex_lock(&c->lock);
            feed_metrics(idx, c->states + (hit & (VRV_INDEX_CHUNK - 1)) * idx->state_total,
                         metric_in, skip, t);
            atomic_fetch_add_explicit(&c->folds[(hit & (VRV_INDEX_CHUNK - 1)) / VRV_INDEX_FOLD_BLOCK],
                                      1, memory_order_relaxed);
            pthread_mutex_unlock(&c->lock);
            return hit;
        }
    }
    size_t ci = row >> VRV_INDEX_CHUNK_BITS;
    if (ci >= idx->nchunks) {
        dir_reserve(&idx->chunks, ci);
        chunk *c = vrv_calloc(1, sizeof *c);
        pthread_mutex_init(&c->lock, NULL);
        c->states = vrv_calloc(VRV_INDEX_CHUNK, idx->state_total ? idx->state_total : 1);
        dir_set(&idx->chunks, ci, c);
        idx->nchunks = ci + 1;
    }
    chunk *c = chunk_of(idx, row);
    uint8_t *key = vrv_arena_memdup(&idx->keys, idx->keybuf.data, klen);
    row_rec *rec = &c->rows[row & (VRV_INDEX_CHUNK - 1)];
    rec->t = t;
    rec->key = key;
    rec->klen = (uint32_t)klen;
    if (slot) {
        slot->key = (const char *)key; /* the map keeps the row's own copy */
        slot->val = row;
    }
    /* No reader sees this row before nrows is released below, so its states
     * are written without the chunk's lock (the lock guards folds into rows
     * readers can see). */
    uint8_t *st = c->states + (row & (VRV_INDEX_CHUNK - 1)) * idx->state_total;
    for (size_t m = 0; m < idx->nmetrics; m++) {
        const vrv_index_metric *met = &idx->metrics[m];
        met->ops->init(met->ctx, st + idx->state_off[m]);
        if (met->ops->heap_bytes) idx->heap_bytes += met->ops->heap_bytes(met->ctx, st + idx->state_off[m]);
    }
    feed_metrics(idx, st, metric_in, skip, t);
    if (t < atomic_load_explicit(&idx->min_t, memory_order_relaxed))
        atomic_store_explicit(&idx->min_t, t, memory_order_relaxed);
    if (t > atomic_load_explicit(&idx->max_t, memory_order_relaxed))
        atomic_store_explicit(&idx->max_t, t, memory_order_relaxed);
    atomic_store_explicit(&idx->nrows, row + 1, memory_order_release);
    return row;
}

size_t vrv_index_rows(const vrv_index *idx)
{
    return atomic_load_explicit((_Atomic size_t *)&idx->nrows, memory_order_acquire);
}

uint64_t vrv_index_input_rows(const vrv_index *idx)
{
    return idx->input_rows;
}

vrv_ms vrv_index_min_time(const vrv_index *idx)
{
    return atomic_load_explicit((_Atomic vrv_ms *)&idx->min_t, memory_order_relaxed);
}

vrv_ms vrv_index_max_time(const vrv_index *idx)
{
    return atomic_load_explicit((_Atomic vrv_ms *)&idx->max_t, memory_order_relaxed);
}

size_t vrv_index_bytes(const vrv_index *idx)
{
    size_t b = sizeof *idx + idx->nchunks * (sizeof(chunk) + VRV_INDEX_CHUNK * idx->state_total);
    b += idx->chunks.cap * sizeof(void *);
    b += idx->keys.total + idx->scratch.total + idx->keybuf.cap;
    b += idx->rollup_map.cap * sizeof(vrv_map_entry);
    size_t nd = atomic_load_explicit((_Atomic size_t *)&idx->ndims, memory_order_relaxed);
    dimdata **dd = atomic_load_explicit((dimdata **_Atomic *)&idx->ddata, memory_order_relaxed);
    b += idx->dims_cap * (sizeof(vrv_index_dim) + sizeof(dimdata *));
    for (size_t i = 0; i < nd; i++) {
        if (!dd[i]) continue;
        b += sizeof(dimdata) + dd[i]->strings.total + dd[i]->lookup.cap * sizeof(vrv_map_entry);
        b += dd[i]->nchunks * DICT_CHUNK * sizeof(vrv_str) + dd[i]->entries.cap * sizeof(void *);
    }
    return b + idx->heap_bytes;
}

/* ---- readers ---- */

void vrv_index_snapshot_take(const vrv_index *idx, vrv_index_snapshot *snap)
{
    snap->nrows = atomic_load_explicit((_Atomic size_t *)&idx->nrows, memory_order_acquire);
    snap->ndims = atomic_load_explicit((_Atomic size_t *)&idx->ndims, memory_order_acquire);
    snap->dims = atomic_load_explicit((vrv_index_dim * _Atomic *)&idx->dims, memory_order_acquire);
    snap->nmetrics = idx->nmetrics;
    snap->metrics = idx->metrics;
}

static inline const row_rec *rec_of(const vrv_index *idx, size_t row)
{
    return &chunk_of(idx, row)->rows[row & (VRV_INDEX_CHUNK - 1)];
}

void vrv_index_prefetch_row(const vrv_index *idx, size_t row, int stage)
{
    const chunk *c = chunk_of(idx, row);
    const row_rec *rec = &c->rows[row & (VRV_INDEX_CHUNK - 1)];
    if (stage == 0) {
        __builtin_prefetch(rec);
        return;
    }
    __builtin_prefetch(rec->key);
    __builtin_prefetch(c->states + (row & (VRV_INDEX_CHUNK - 1)) * idx->state_total);
}

vrv_ms vrv_index_row_time(const vrv_index *idx, size_t row)
{
    return rec_of(idx, row)->t;
}

/* Walks a key to dimension d; returns a pointer to its encoding or NULL when
 * the key ends before it (null). */
static const uint8_t *key_seek(const vrv_index *idx, const row_rec *rec, size_t d,
                               const vrv_index_dim *dims)
{
    const uint8_t *p = rec->key + 8, *end = rec->key + rec->klen;
    for (size_t i = 0; i < d; i++) {
        if (p >= end) return NULL;
        switch (dims[i].type) {
        case VRV_C_STRING:
        case VRV_C_JSON: {
            uint32_t w;
            memcpy(&w, p, 4);
            p += 4;
            if (w & MV_FLAG) p += 4 * (size_t)(w & ~MV_FLAG);
            break;
        }
        case VRV_C_FLOAT: p += *p ? 5 : 1; break;
        default: p += *p ? 9 : 1; break;
        }
    }
    return p < end ? p : NULL;
}

static inline const vrv_index_dim *dims_now(const vrv_index *idx)
{
    return atomic_load_explicit((vrv_index_dim * _Atomic *)&idx->dims, memory_order_acquire);
}

static inline dimdata *ddata_now(const vrv_index *idx, size_t d)
{
    dimdata **dd = atomic_load_explicit((dimdata **_Atomic *)&idx->ddata, memory_order_acquire);
    return dd[d];
}

size_t vrv_index_dict_size(const vrv_index *idx, size_t d)
{
    dimdata *dd = ddata_now(idx, d);
    return dd ? atomic_load_explicit(&dd->n, memory_order_acquire) : 0;
}

vrv_str vrv_index_dict_get(const vrv_index *idx, size_t d, uint32_t id)
{
    dimdata *dd = ddata_now(idx, d);
    const vrv_str *entries = dir_get(&dd->entries, id / DICT_CHUNK);
    return entries[id % DICT_CHUNK];
}

size_t vrv_index_row_dim_ids(const vrv_index *idx, size_t row, size_t d, uint32_t *ids,
                             size_t cap)
{
    const vrv_index_dim *dims = dims_now(idx);
    const uint8_t *p = key_seek(idx, rec_of(idx, row), d, dims);
    uint32_t w = 0;
    if (p) memcpy(&w, p, 4);
    if (!(w & MV_FLAG)) {
        if (cap) ids[0] = w;
        return 1;
    }
    size_t n = w & ~MV_FLAG;
    /* ids in a key are not 4-byte aligned (numeric dimensions take 1 + 8
     * bytes), so they are copied out */
    memcpy(ids, p + 4, 4 * VRV_MIN(n, cap));
    return n;
}

void vrv_index_row_dim(const vrv_index *idx, size_t row, size_t d, vrv_arena *arena,
                       vrv_value *out)
{
    const vrv_index_dim *dims = dims_now(idx);
    const uint8_t *p = key_seek(idx, rec_of(idx, row), d, dims);
    *out = vrv_null();
    if (!p) return;
    switch (dims[d].type) {
    case VRV_C_STRING:
    case VRV_C_JSON: {
        uint32_t w;
        memcpy(&w, p, 4);
        uint8_t vt = dims[d].type == VRV_C_JSON ? VRV_V_JSON : VRV_V_STRING;
        if (!(w & MV_FLAG)) {
            if (w == 0) return;
            vrv_str s = vrv_index_dict_get(idx, d, w);
            *out = vrv_string(s.p, s.n);
            out->type = vt;
            return;
        }
        size_t n = w & ~MV_FLAG;
        vrv_value *vals = vrv_arena_alloc(arena, n * sizeof *vals);
        for (size_t i = 0; i < n; i++) {
            uint32_t id;
            memcpy(&id, p + 4 + 4 * i, 4);
            if (id == 0) {
                vals[i] = vrv_null();
            } else {
                vrv_str s = vrv_index_dict_get(idx, d, id);
                vals[i] = vrv_string(s.p, s.n);
                vals[i].type = vt;
            }
        }
        *out = vrv_array(vals, n);
        return;
    }
    case VRV_C_LONG:
        if (*p) {
            int64_t l;
            memcpy(&l, p + 1, 8);
            *out = vrv_long(l);
        }
        return;
    case VRV_C_DOUBLE:
        if (*p) {
            double x;
            memcpy(&x, p + 1, 8);
            *out = vrv_double(x);
        }
        return;
    case VRV_C_FLOAT:
        if (*p) {
            float f;
            memcpy(&f, p + 1, 4);
            *out = vrv_float(f);
        }
        return;
    default: return;
    }
}

const void *vrv_index_row_metric(const vrv_index *idx, size_t row, size_t m)
{
    chunk *c = chunk_of(idx, row);
    return c->states + (row & (VRV_INDEX_CHUNK - 1)) * idx->state_total + idx->state_off[m];
}

void vrv_index_lock_chunk(const vrv_index *idx, size_t row)
{
    pthread_mutex_lock(&chunk_of(idx, row)->lock);
}

void vrv_index_unlock_chunk(const vrv_index *idx, size_t row)
{
    pthread_mutex_unlock(&chunk_of(idx, row)->lock);
}

/* ---- storage order ---- */

typedef struct sort_ctx {
    const vrv_index *idx;
    size_t ndims;
    const vrv_index_dim *dims;
    uint32_t **rank; /* per STRING/JSON dim: id -> rank in byte order, rank 0 = null */
    bool by_string;  /* no rank tables: compare the ids' strings */
} sort_ctx;

typedef struct rank_item {
    vrv_str s;
    uint32_t id;
} rank_item;

static int cmp_rank_item(const void *a, const void *b)
{
    const rank_item *x = a, *y = b;
    return vrv_str_cmp(x->s, y->s);
}

static uint32_t *build_rank(const vrv_index *idx, size_t d)
{
    size_t n = vrv_index_dict_size(idx, d);
    rank_item *items = vrv_malloc(n * sizeof *items);
    for (size_t i = 1; i < n; i++) {
        items[i - 1].s = vrv_index_dict_get(idx, d, (uint32_t)i);
        items[i - 1].id = (uint32_t)i;
    }
    qsort(items, n - 1, sizeof *items, cmp_rank_item);
    uint32_t *rank = vrv_malloc(n * sizeof *rank);
    rank[0] = 0;
    for (size_t i = 0; i + 1 < n; i++) rank[items[i].id] = (uint32_t)(i + 1);
    free(items);
    return rank;
}

static int cmp_num(const uint8_t *a, const uint8_t *b, vrv_ctype t)
{
    bool an = a && *a, bn = b && *b;
    if (!an || !bn) return an - bn;
    if (t == VRV_C_LONG) {
        int64_t x, y;
        memcpy(&x, a + 1, 8);
        memcpy(&y, b + 1, 8);
        return (x > y) - (x < y);
    }
    double x, y;
    if (t == VRV_C_FLOAT) {
        float fx, fy;
        memcpy(&fx, a + 1, 4);
        memcpy(&fy, b + 1, 4);
        x = fx;
        y = fy;
    } else {
        memcpy(&x, a + 1, 8);
        memcpy(&y, b + 1, 8);
    }
    return (x > y) - (x < y);
}

static int cmp_rows(const void *pa, const void *pb, void *arg)
{
    const sort_ctx *sc = arg;
    uint32_t ra = *(const uint32_t *)pa, rb = *(const uint32_t *)pb;
    const row_rec *a = rec_of(sc->idx, ra), *b = rec_of(sc->idx, rb);
    if (a->t != b->t) return a->t < b->t ? -1 : 1;
    if (!sc->rank) return (ra > rb) - (ra < rb); /* no rollup: arrival order */
    const uint8_t *p = a->key + 8, *pe = a->key + a->klen;
    const uint8_t *q = b->key + 8, *qe = b->key + b->klen;
    for (size_t d = 0; d < sc->ndims; d++) {
        const uint8_t *x = p < pe ? p : NULL, *y = q < qe ? q : NULL;
        if (!x && !y) return 0;
        vrv_ctype t = sc->dims[d].type;
        if (t == VRV_C_STRING || t == VRV_C_JSON) {
            uint32_t wx = 0, wy = 0;
            if (x) memcpy(&wx, x, 4);
            if (y) memcpy(&wy, y, 4);
            size_t nx = (wx & MV_FLAG) ? wx & ~MV_FLAG : 1;
            size_t ny = (wy & MV_FLAG) ? wy & ~MV_FLAG : 1;
            const uint8_t *ix = (wx & MV_FLAG) ? x + 4 : (const uint8_t *)&wx;
            const uint8_t *iy = (wy & MV_FLAG) ? y + 4 : (const uint8_t *)&wy;
            size_t n = VRV_MIN(nx, ny);
            for (size_t i = 0; i < n; i++) {
                uint32_t idx_x, idx_y;
                memcpy(&idx_x, ix + 4 * i, 4);
                memcpy(&idx_y, iy + 4 * i, 4);
                if (sc->by_string) {
                    if (idx_x == idx_y) continue;
                    if (!idx_x || !idx_y) return idx_x ? 1 : -1; /* null first */
                    int c = vrv_str_cmp(vrv_index_dict_get(sc->idx, d, idx_x),
                                        vrv_index_dict_get(sc->idx, d, idx_y));
                    if (c) return c < 0 ? -1 : 1;
                    continue;
                }
                uint32_t rx = sc->rank[d][idx_x], ry = sc->rank[d][idx_y];
                if (rx != ry) return rx < ry ? -1 : 1;
            }
            if (nx != ny) return nx < ny ? -1 : 1;
            if (x) p += (wx & MV_FLAG) ? 4 + 4 * nx : 4;
            if (y) q += (wy & MV_FLAG) ? 4 + 4 * ny : 4;
        } else {
            int c = cmp_num(x, y, t);
            if (c) return c;
            size_t w = t == VRV_C_FLOAT ? 5 : 9;
            if (x) p += *x ? w : 1;
            if (y) q += *y ? w : 1;
        }
    }
    return (ra > rb) - (ra < rb);
}

/* A rank table per string dimension, built from the whole dictionary:
 * worth it when the rows outnumber the dictionary's entries, otherwise the
 * comparisons read the strings (cmp_rows with by_string). */
static bool rank_pays(const vrv_index *idx, const vrv_index_snapshot *snap, size_t rows)
{
    size_t dict = 0;
    for (size_t d = 0; d < snap->ndims; d++)
        if (snap->dims[d].type == VRV_C_STRING || snap->dims[d].type == VRV_C_JSON)
            dict += vrv_index_dict_size(idx, d);
    return rows * 4 >= dict;
}

static unsigned bit_width(uint64_t v)
{
    return v ? 64u - (unsigned)__builtin_clzll(v) : 0;
}

/* The common case of the storage order, without a comparison sort: when the
 * time span and the ranks of every dimension fit in 64 bits together, each
 * row gets the key (time - min, rank of dim 0, rank of dim 1, ...) and an LSD
 * radix sort of (key, row) pairs orders them. The radix sort is stable and
 * the rows start in arrival order, so equal keys stay in arrival order, as
 * cmp_rows orders them. Returns false (order untouched) when a row holds a
 * multi-value or numeric dimension, or the key would not fit. */
static bool sort_packed(const sort_ctx *sc, uint32_t *order, size_t n)
{
    if (n < 2) return true;
    vrv_ms tmin = INT64_MAX, tmax = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        vrv_ms t = rec_of(sc->idx, order[i])->t;
        if (t < tmin) tmin = t;
        if (t > tmax) tmax = t;
    }
    unsigned shift[64], total = bit_width((uint64_t)tmax - (uint64_t)tmin);
    size_t nd = sc->rank ? sc->ndims : 0;
    if (nd > 64) return false;
    for (size_t d = 0; d < nd; d++) {
        if (!sc->rank[d]) return false; /* numeric: compared by value */
        unsigned w = bit_width(vrv_index_dict_size(sc->idx, d));
        total += w;
        shift[d] = w;
    }
    if (total > 64) return false;
    /* dimension d's rank sits above the dimensions after it */
    unsigned below = 0;
    for (size_t d = nd; d-- > 0;) {
        unsigned w = shift[d];
        shift[d] = below;
        below += w;
    }
    uint64_t *keys = vrv_malloc(2 * n * sizeof *keys);
    uint32_t *tmp = vrv_malloc(n * sizeof *tmp);
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        const row_rec *r = rec_of(sc->idx, order[i]);
        uint64_t k = below < 64 ? (uint64_t)(r->t - tmin) << below : 0;
        const uint8_t *p = r->key + 8, *pe = r->key + r->klen;
        for (size_t d = 0; d < nd && p < pe; d++) {
            uint32_t w;
            memcpy(&w, p, 4);
            if (w & MV_FLAG) {
                ok = false;
                break;
            }
            k |= (uint64_t)sc->rank[d][w] << shift[d];
            p += 4;
        }
        keys[i] = k;
    }
    if (ok) {
        uint64_t *kb = keys + n;
        size_t cnt[256];
        for (unsigned sh = 0; sh < total; sh += 8) {
            memset(cnt, 0, sizeof cnt);
            for (size_t i = 0; i < n; i++) cnt[(keys[i] >> sh) & 255]++;
            if (cnt[(keys[0] >> sh) & 255] == n) continue; /* one digit: already in order */
            size_t sum = 0;
            for (size_t b = 0; b < 256; b++) {
                size_t c = cnt[b];
                cnt[b] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++) {
                size_t at = cnt[(keys[i] >> sh) & 255]++;
                kb[at] = keys[i];
                tmp[at] = order[i];
            }
            memcpy(keys, kb, n * sizeof *keys);
            memcpy(order, tmp, n * sizeof *order);
        }
    }
    free(keys);
    free(tmp);
    return ok;
}

uint32_t *vrv_index_sorted_range(const vrv_index *idx, const vrv_index_snapshot *snap,
                                 size_t from, size_t to)
{
    size_t n = to > from ? to - from : 0;
    uint32_t *order = vrv_malloc((n ? n : 1) * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = (uint32_t)(from + i);
    sort_ctx sc = {idx, snap->ndims, snap->dims, NULL, false};
    if (idx->rollup) {
        sc.by_string = !rank_pays(idx, snap, n);
        sc.rank = vrv_calloc(snap->ndims ? snap->ndims : 1, sizeof *sc.rank);
        for (size_t d = 0; d < snap->ndims; d++)
            if (!sc.by_string &&
                (snap->dims[d].type == VRV_C_STRING || snap->dims[d].type == VRV_C_JSON))
                sc.rank[d] = build_rank(idx, d);
    }
    if (sc.by_string || !sort_packed(&sc, order, n)) qsort_r(order, n, sizeof *order, cmp_rows, &sc);
    if (sc.rank) {
        for (size_t d = 0; d < snap->ndims; d++) free(sc.rank[d]);
        free(sc.rank);
    }
    return order;
}

uint32_t *vrv_index_sorted(const vrv_index *idx, const vrv_index_snapshot *snap)
{
    return vrv_index_sorted_range(idx, snap, 0, snap->nrows);
}

uint64_t vrv_index_uid(const vrv_index *idx) { return idx->uid; }

uint64_t vrv_index_folds(const vrv_index *idx, size_t from, size_t to)
{
    uint64_t sum = 0;
    for (size_t b = from / VRV_INDEX_FOLD_BLOCK; b * VRV_INDEX_FOLD_BLOCK < to; b++) {
        size_t row = b * VRV_INDEX_FOLD_BLOCK;
        const chunk *c = chunk_of(idx, row);
        sum += atomic_load_explicit(&c->folds[(row & (VRV_INDEX_CHUNK - 1)) / VRV_INDEX_FOLD_BLOCK],
                                    memory_order_relaxed);
    }
    return sum;
}
