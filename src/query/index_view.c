/*
 * index_view.c — queryable parts of a growing appendable index (see
 * index_view.h for the scheme and its costs).
 */
#include "query/index_view.h"

#include <stdlib.h>

#include "base/mem.h"
#include "base/vec.h"

typedef struct part {
    size_t from, to;  /* rows [from, to) of the index */
    uint64_t folds;   /* vrv_index_folds(from, to) before the copy was taken */
    vrv_adapter *ad;
} part;

struct vrv_index_view {
    uint64_t uid; /* of the index the parts copy; 0: none */
    VRV_VEC(part) parts;
    uint64_t copied;
};

vrv_index_view *vrv_index_view_new(void) { return vrv_calloc(1, sizeof(vrv_index_view)); }

static void drop_from(vrv_index_view *v, size_t k)
{
    for (size_t i = k; i < v->parts.n; i++) vrv_adapter_free(v->parts.v[i].ad);
    v->parts.n = k;
}

void vrv_index_view_free(vrv_index_view *v)
{
    if (!v) return;
    drop_from(v, 0);
    vrv_vec_free(&v->parts);
    free(v);
}

typedef struct build_args {
    const vrv_index *idx;
    const vrv_index_snapshot *snap;
    const char *ds, *segid;
    vrv_interval iv;
    const json_t *meta;
} build_args;

/* (Re)builds p over its rows. The fold count is read before the states are,
 * so a fold that lands while copying shows as a change next time. */
static void build(vrv_index_view *v, const build_args *a, part *p)
{
    vrv_adapter_free(p->ad);
    p->folds = vrv_index_folds(a->idx, p->from, p->to);
    p->ad = vrv_adapter_index_range(a->idx, a->snap, p->from, p->to, a->ds, a->segid, a->iv,
                                    a->meta);
    v->copied += p->to - p->from;
}

static void add_part(vrv_index_view *v, const build_args *a, size_t from, size_t to)
{
    part p = {from, to, 0, NULL};
    build(v, a, &p);
    vrv_vec_push(&v->parts, p);
}

void vrv_index_view_read(vrv_index_view *v, const vrv_index *idx, const char *datasource,
                         const char *segment_id, vrv_interval interval, const json_t *meta,
                         vrv_adapter ***out, size_t *n)
{
    if (!idx || vrv_index_rows(idx) == 0) {
        drop_from(v, 0);
        v->uid = 0;
        return;
    }
    if (vrv_index_uid(idx) != v->uid) {
        drop_from(v, 0);
        v->uid = vrv_index_uid(idx);
    }
    vrv_index_snapshot snap;
    vrv_index_snapshot_take(idx, &snap);
    const size_t rows = snap.nrows;
    build_args a = {idx, &snap, datasource, segment_id, interval, meta};

    /* Only the last part may end off a block boundary; once rows follow it,
     * it is copied again with them. */
    if (v->parts.n) {
        part *last = &v->parts.v[v->parts.n - 1];
        if (last->to % VRV_INDEX_FOLD_BLOCK && rows > last->to) drop_from(v, v->parts.n - 1);
    }
    for (size_t i = 0; i < v->parts.n; i++)
        if (vrv_index_folds(idx, v->parts.v[i].from, v->parts.v[i].to) != v->parts.v[i].folds)
            build(v, &a, &v->parts.v[i]);

    size_t start = v->parts.n ? v->parts.v[v->parts.n - 1].to : 0;
    size_t aligned = rows / VRV_INDEX_FOLD_BLOCK * VRV_INDEX_FOLD_BLOCK;
    if (aligned > start) {
        add_part(v, &a, start, aligned);
        start = aligned;
        /* A part at least half the size of the one before it joins it. */
        while (v->parts.n >= 2) {
            part *x = &v->parts.v[v->parts.n - 2], *y = &v->parts.v[v->parts.n - 1];
            if ((y->to - y->from) * 2 < x->to - x->from) break;
            x->to = y->to;
            drop_from(v, v->parts.n - 1);
            build(v, &a, x);
        }
    }
    if (rows > start) add_part(v, &a, start, rows);

    *out = vrv_realloc(*out, (*n + v->parts.n) * sizeof **out);
    for (size_t i = 0; i < v->parts.n; i++) (*out)[(*n)++] = vrv_adapter_ref(v->parts.v[i].ad);
}

size_t vrv_index_view_parts(const vrv_index_view *v) { return v->parts.n; }
uint64_t vrv_index_view_rows_copied(const vrv_index_view *v) { return v->copied; }
