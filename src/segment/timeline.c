/*
 * timeline.c — the versioned interval timeline (see timeline.h).
 *
 * Entries live in one array sorted by (start, end, version); each entry keeps
 * its chunks sorted the way Druid orders NumberedPartitionChunks (core size,
 * then partition number). Visibility is computed on demand: a lookup paints
 * the query interval with the complete entries from the highest version down,
 * each entry taking whatever its predecessors left uncovered. A data source
 * has thousands of segments, not millions, so this plain approach beats the
 * bookkeeping of an incrementally maintained visible map.
 */
#include "segment/timeline.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"

typedef struct entry {
    vrv_interval iv;
    char *version;
    uint64_t seq; /* insertion order: among equal versions the later one wins */
    VRV_VEC(vrv_tl_chunk) chunks;
} entry;

struct vrv_timeline {
    VRV_VEC(entry) entries;
    uint64_t next_seq;
    size_t nchunks;
};

vrv_timeline *vrv_timeline_new(void)
{
    return vrv_calloc(1, sizeof(vrv_timeline));
}

void vrv_timeline_free(vrv_timeline *tl)
{
    if (!tl) return;
    for (size_t i = 0; i < tl->entries.n; i++) {
        free(tl->entries.v[i].version);
        vrv_vec_free(&tl->entries.v[i].chunks);
    }
    vrv_vec_free(&tl->entries);
    free(tl);
}

static int entry_cmp_key(const entry *e, vrv_interval iv, const char *version)
{
    if (e->iv.start != iv.start) return e->iv.start < iv.start ? -1 : 1;
    if (e->iv.end != iv.end) return e->iv.end < iv.end ? -1 : 1;
    return strcmp(e->version, version);
}

/* Index of the first entry >= key; *found when it equals key. */
static size_t entry_search(const vrv_timeline *tl, vrv_interval iv, const char *version,
                           bool *found)
{
    size_t lo = 0, hi = tl->entries.n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (entry_cmp_key(&tl->entries.v[mid], iv, version) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *found = lo < tl->entries.n && entry_cmp_key(&tl->entries.v[lo], iv, version) == 0;
    return lo;
}

static int chunk_cmp(int32_t core_a, int32_t part_a, int32_t core_b, int32_t part_b)
{
    if (core_a != core_b) return core_a < core_b ? -1 : 1;
    if (part_a != part_b) return part_a < part_b ? -1 : 1;
    return 0;
}

/* Druid's NumberedPartitionChunk: with a core size of 0 every chunk starts
 * and ends the set. */
static bool chunk_is_start(const vrv_tl_chunk *c)
{
    return c->core_partitions > 0 ? c->partition_num == 0 : true;
}
static bool chunk_is_end(const vrv_tl_chunk *c)
{
    return c->core_partitions > 0 ? c->partition_num == c->core_partitions - 1 : true;
}
static bool chunk_abuts(const vrv_tl_chunk *c, const vrv_tl_chunk *next)
{
    if (next->partition_num < next->core_partitions)
        return next->partition_num == c->partition_num + 1;
    return next->partition_num > c->partition_num;
}

/* PartitionHolder.isComplete: the sorted chunks run from a start chunk,
 * each abutting the previous, to an end chunk. */
static bool entry_complete(const entry *e)
{
    if (e->chunks.n == 0) return false;
    const vrv_tl_chunk *cur = &e->chunks.v[0];
    if (!chunk_is_start(cur)) return false;
    if (chunk_is_end(cur)) return true;
    for (size_t i = 1; i < e->chunks.n; i++) {
        const vrv_tl_chunk *next = &e->chunks.v[i];
        if (!chunk_abuts(cur, next)) return false;
        if (chunk_is_end(next)) return true;
        cur = next;
    }
    return false;
}

int vrv_timeline_add(vrv_timeline *tl, vrv_interval iv, const char *version,
                     int32_t partition_num, int32_t core_partitions, void *obj)
{
    if (!version || iv.end <= iv.start || partition_num < 0 || core_partitions < 0)
        return VRV_EINVAL;
    bool found;
    size_t at = entry_search(tl, iv, version, &found);
    if (!found) {
        entry e = {0};
        e.iv = iv;
        e.version = vrv_strdup(version);
        vrv_vec_reserve(&tl->entries, tl->entries.n + 1);
        memmove(&tl->entries.v[at + 1], &tl->entries.v[at],
                (tl->entries.n - at) * sizeof(entry));
        tl->entries.v[at] = e;
        tl->entries.n++;
    }
    entry *e = &tl->entries.v[at];
    for (size_t i = 0; i < e->chunks.n; i++)
        if (e->chunks.v[i].partition_num == partition_num) return VRV_ECONFLICT;
    size_t pos = e->chunks.n;
    while (pos > 0 && chunk_cmp(e->chunks.v[pos - 1].core_partitions,
                                e->chunks.v[pos - 1].partition_num, core_partitions,
                                partition_num) > 0)
        pos--;
    vrv_vec_reserve(&e->chunks, e->chunks.n + 1);
    memmove(&e->chunks.v[pos + 1], &e->chunks.v[pos], (e->chunks.n - pos) * sizeof(vrv_tl_chunk));
    e->chunks.v[pos] = (vrv_tl_chunk){partition_num, core_partitions, obj};
    e->chunks.n++;
    e->seq = tl->next_seq++;
    tl->nchunks++;
    return 0;
}

static const entry *entry_get(const vrv_timeline *tl, vrv_interval iv, const char *version)
{
    if (!version) return NULL;
    bool found;
    size_t at = entry_search(tl, iv, version, &found);
    return found ? &tl->entries.v[at] : NULL;
}

void *vrv_timeline_remove(vrv_timeline *tl, vrv_interval iv, const char *version,
                          int32_t partition_num)
{
    if (!version) return NULL;
    bool found;
    size_t at = entry_search(tl, iv, version, &found);
    if (!found) return NULL;
    entry *e = &tl->entries.v[at];
    for (size_t i = 0; i < e->chunks.n; i++) {
        if (e->chunks.v[i].partition_num != partition_num) continue;
        void *obj = e->chunks.v[i].obj;
        memmove(&e->chunks.v[i], &e->chunks.v[i + 1],
                (e->chunks.n - i - 1) * sizeof(vrv_tl_chunk));
        e->chunks.n--;
        tl->nchunks--;
        if (e->chunks.n == 0) {
            free(e->version);
            vrv_vec_free(&e->chunks);
            memmove(&tl->entries.v[at], &tl->entries.v[at + 1],
                    (tl->entries.n - at - 1) * sizeof(entry));
            tl->entries.n--;
        }
        return obj;
    }
    return NULL;
}

void *vrv_timeline_find(const vrv_timeline *tl, vrv_interval iv, const char *version,
                        int32_t partition_num)
{
    const entry *e = entry_get(tl, iv, version);
    if (!e) return NULL;
    for (size_t i = 0; i < e->chunks.n; i++)
        if (e->chunks.v[i].partition_num == partition_num) return e->chunks.v[i].obj;
    return NULL;
}

size_t vrv_timeline_size(const vrv_timeline *tl)
{
    return tl->nchunks;
}

bool vrv_timeline_is_complete(const vrv_timeline *tl, vrv_interval iv, const char *version)
{
    const entry *e = entry_get(tl, iv, version);
    return e && entry_complete(e);
}

/* ---- lookup -------------------------------------------------------------- */

/* Highest version first; among equal versions the latest added first. */
static int by_precedence(const void *a, const void *b)
{
    const entry *x = *(const entry *const *)a, *y = *(const entry *const *)b;
    int c = strcmp(y->version, x->version);
    if (c) return c;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static int by_start(const void *a, const void *b)
{
    const vrv_tl_holder *x = a, *y = b;
    return x->interval.start < y->interval.start ? -1 : x->interval.start > y->interval.start;
}

typedef VRV_VEC(vrv_interval) iv_vec;

size_t vrv_timeline_lookup(const vrv_timeline *tl, vrv_interval q, vrv_tl_holder **out)
{
    *out = NULL;
    if (q.end <= q.start) return 0;
    VRV_VEC(const entry *) cand = {0};
    for (size_t i = 0; i < tl->entries.n; i++) {
        const entry *e = &tl->entries.v[i];
        if (e->iv.start >= q.end) break; /* sorted by start */
        if (vrv_interval_overlaps(e->iv, q) && entry_complete(e)) vrv_vec_push(&cand, e);
    }
    if (cand.n == 0) return 0;
    qsort(cand.v, cand.n, sizeof *cand.v, by_precedence);

    iv_vec open = {0}, next = {0}; /* the parts of q nobody has claimed yet */
    vrv_vec_push(&open, q);
    VRV_VEC(vrv_tl_holder) res = {0};
    for (size_t c = 0; c < cand.n && open.n > 0; c++) {
        const entry *e = cand.v[c];
        next.n = 0;
        for (size_t k = 0; k < open.n; k++) {
            vrv_interval u = open.v[k];
            if (!vrv_interval_overlaps(u, e->iv)) {
                vrv_vec_push(&next, u);
                continue;
            }
            vrv_interval vis = {VRV_MAX(u.start, e->iv.start), VRV_MIN(u.end, e->iv.end)};
            vrv_tl_holder h = {vis, e->iv, e->version, e->chunks.v, e->chunks.n};
            vrv_vec_push(&res, h);
            if (u.start < vis.start) vrv_vec_push(&next, vrv_interval_make(u.start, vis.start));
            if (vis.end < u.end) vrv_vec_push(&next, vrv_interval_make(vis.end, u.end));
        }
        iv_vec t = open;
        open = next;
        next = t;
    }
    vrv_vec_free(&open);
    vrv_vec_free(&next);
    vrv_vec_free(&cand);
    if (res.n > 1) qsort(res.v, res.n, sizeof *res.v, by_start);
    *out = res.v;
    return res.n;
}

static int by_iv_start(const void *a, const void *b)
{
    const vrv_interval *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

bool vrv_timeline_is_overshadowed(const vrv_timeline *tl, vrv_interval iv, const char *version)
{
    if (iv.end <= iv.start || !version) return false;
    iv_vec cover = {0};
    for (size_t i = 0; i < tl->entries.n; i++) {
        const entry *e = &tl->entries.v[i];
        if (e->iv.start >= iv.end) break;
        if (!vrv_interval_overlaps(e->iv, iv) || strcmp(e->version, version) <= 0 ||
            !entry_complete(e))
            continue;
        vrv_vec_push(&cover, e->iv);
    }
    bool covered = false;
    if (cover.n > 0) {
        /* Already sorted by start (entries are), but clipping keeps it cheap to be sure. */
        qsort(cover.v, cover.n, sizeof *cover.v, by_iv_start);
        vrv_ms reached = iv.start;
        for (size_t i = 0; i < cover.n && reached < iv.end; i++) {
            if (cover.v[i].start > reached) break; /* a gap */
            if (cover.v[i].end > reached) reached = cover.v[i].end;
        }
        covered = reached >= iv.end;
    }
    vrv_vec_free(&cover);
    return covered;
}

void vrv_timeline_foreach(const vrv_timeline *tl, vrv_tl_visit_fn fn, void *ctx)
{
    for (size_t i = 0; i < tl->entries.n; i++) {
        const entry *e = &tl->entries.v[i];
        bool over = vrv_timeline_is_overshadowed(tl, e->iv, e->version);
        for (size_t k = 0; k < e->chunks.n; k++)
            if (!fn(ctx, e->iv, e->version, &e->chunks.v[k], over)) return;
    }
}
