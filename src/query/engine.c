/*
 * engine.c — the per-segment engines of timeseries, topN and groupBy: one
 * adapter in, groups of aggregator states merged into the partial out.
 *
 * The walk is by block: the block's rows that lie in the clipped interval and
 * pass the filter bitmap are turned into (row, group) pairs, then each
 * aggregator folds the pairs in one loop. Groups are found without hashing
 * where possible: timeseries groups are the buckets, a topN or groupBy on one
 * dictionary dimension indexes a per-bucket array by dictionary id, and only
 * other groupings hash a key of per-dimension codes. Numeric aggregators over
 * numeric columns (count, sums, min, max) run as typed loops over the decoded
 * column block; every other aggregator goes through vrv_agg_add with the
 * row's value from the row reader.
 *
 * Bucketing follows Druid's CursorGranularizer: the range is the query
 * interval clipped to [first stored time, end of the last stored time's
 * bucket]; with granularity `all` the bucket is that range and its start
 * stamps the row. Timeseries zero-fills every bucket of the range.
 */
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "query/query_int.h"

#define MAX_ZERO_FILL 10000000 /* buckets one segment may zero-fill */
#define DENSE_MAX_TABLE (1u << 20) /* entries of one bucket's id table (4 MB) */
#define DENSE_BUDGET (1u << 22)    /* table entries of one interval's buckets (16 MB); the
                                      buckets past it hash their keys instead */

/* Mirrors of the numeric aggregator states (agg_state.c), checked against
 * the aggregator module at run time before the typed loops are used. */
typedef struct m_long {
    int64_t v;
    uint8_t has;
} m_long;
typedef struct m_double {
    double v;
    uint8_t has;
} m_double;
typedef struct m_float {
    float v;
    uint8_t has;
    uint8_t combined;
} m_float;

enum { FK_NONE = 0, FK_COUNT, FK_LSUM, FK_LMIN, FK_LMAX, FK_DSUM, FK_DMIN, FK_DMAX, FK_FSUM,
       FK_FMIN, FK_FMAX };

static bool mirrors_match(void)
{
    vrv_agg_spec s = {0};
    char st[64] __attribute__((aligned(16)));
    s.type = VRV_AGG_LONG_SUM;
    s.name = "x";
    s.field_name = "x";
    if (vrv_agg_state_size(&s) != sizeof(m_long) && vrv_agg_state_size(&s) < sizeof(m_long))
        return false;
    vrv_agg_init(&s, st);
    vrv_value v = vrv_long(7);
    vrv_agg_add(&s, st, &v, 0);
    if (((m_long *)st)->v != 7 || !((m_long *)st)->has) return false;
    s.type = VRV_AGG_DOUBLE_SUM;
    vrv_agg_init(&s, st);
    v = vrv_double(2.5);
    vrv_agg_add(&s, st, &v, 0);
    if (((m_double *)st)->v != 2.5 || !((m_double *)st)->has) return false;
    s.type = VRV_AGG_FLOAT_SUM;
    vrv_agg_init(&s, st);
    v = vrv_float(1.5f);
    vrv_agg_add(&s, st, &v, 0);
    if (((m_float *)st)->v != 1.5f || !((m_float *)st)->has || ((m_float *)st)->combined)
        return false;
    s.type = VRV_AGG_COUNT;
    vrv_agg_init(&s, st);
    vrv_agg_add(&s, st, NULL, 0);
    vrv_value g = vrv_agg_get(&s, st);
    return g.type == VRV_V_LONG && g.u.l == 1 && *(int64_t *)st == 1;
}

typedef struct gagg {
    const vrv_agg_spec *outer, *inner;
    size_t off;
    int fast;
    long col;                /* fast: input column */
    int slot;                /* generic: input slot, -1 none */
    int *fslots;             /* cardinality fields */
    size_t nfields;
    int tslot;               /* first/last: time column slot, -1 = __time */
    vrv_expr_prog *prog;     /* expression input */
    roaring_bitmap_t *fbm;   /* filtered: rows passing its filter */
    uint8_t *fmask;          /* per block */
    /* block cache */
    const int64_t *l;
    const double *d;
    const float *f;
    const uint8_t *nulls;
    void *buf;
    uint8_t *nbuf;
} gagg;

enum { D_DICT = 0, D_SLOT };

typedef struct gdim {
    const vrv_dimspec *spec;
    int kind;
    long col;
    bool multi;
    size_t stride;           /* dense mode: weight of this dimension's id in the table index */
    int slot;
    vrv_mv_reader mv;
    const uint32_t *ids;
    uint32_t *idbuf;
    vrv_map intern;          /* D_SLOT: value bytes -> code + 1 */
    VRV_VEC(vrv_value) vals; /* D_SLOT: code -> value (arena) */
} gdim;

typedef struct gstate {
    const vrv_query *q;
    const vrv_adapter *a;
    vrv_query_partial *p;
    vrv_error *err;
    size_t naggs;
    gagg *aggs;
    size_t ndims;
    gdim *dims;
    bool any_generic, need_times_for_aggs;
    qreader vr;              /* generic aggregator inputs and slot dims */
    vrv_arena arena;         /* segment-local values */
    /* groups of the current interval */
    size_t area;
    char *states;
    size_t ngroups, cap;
    uint32_t *gbucket;       /* group -> local bucket */
    uint32_t *gcodes;        /* group -> ndims codes */
    VRV_VEC(vrv_ms) buckets; /* local bucket starts */
    VRV_VEC(int32_t *) dense;/* per bucket: group by combined dictionary ids, or NULL
                                when the budget is spent (that bucket hashes) */
    bool dense_mode;
    size_t dense_size;       /* entries per bucket table: product of (ndict + 1) */
    size_t dense_used;       /* table entries allocated in the current interval */
    vrv_map gindex;
    /* pairs */
    uint32_t *prow, *pgid;
    size_t npairs, pcap;
    uint32_t *ident, *gfill; /* 0..BLOCK-1, and one group repeated */
} gstate;

static void push_pair(gstate *g, uint32_t row, uint32_t gid)
{
    if (g->npairs == g->pcap) {
        g->pcap = g->pcap ? g->pcap * 2 : VRV_ADAPTER_BLOCK;
        g->prow = vrv_realloc(g->prow, g->pcap * sizeof *g->prow);
        g->pgid = vrv_realloc(g->pgid, g->pcap * sizeof *g->pgid);
    }
    g->prow[g->npairs] = row;
    g->pgid[g->npairs++] = gid;
}

static uint32_t new_group(gstate *g, uint32_t bucket, const uint32_t *codes)
{
    if (g->ngroups == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 64;
        g->states = vrv_realloc(g->states, g->cap * (g->area ? g->area : 1));
        g->gbucket = vrv_realloc(g->gbucket, g->cap * sizeof *g->gbucket);
        g->gcodes = vrv_realloc(g->gcodes, g->cap * (g->ndims ? g->ndims : 1) * sizeof *g->gcodes);
    }
    uint32_t id = (uint32_t)g->ngroups++;
    char *st = g->states + (size_t)id * g->area;
    for (size_t i = 0; i < g->naggs; i++) vrv_agg_init(g->aggs[i].inner, st + g->aggs[i].off);
    g->gbucket[id] = bucket;
    if (g->ndims) memcpy(g->gcodes + (size_t)id * g->ndims, codes, g->ndims * sizeof *codes);
    return id;
}

static int resolve_slot_name(gstate *g, const char *name, int *slot)
{
    int s = qreader_slot(&g->vr, name, strlen(name), g->err);
    if (s < 0) return s;
    *slot = s;
    return 0;
}

static int fast_kind(const vrv_agg_spec *s)
{
    switch (s->type) {
    case VRV_AGG_COUNT: return FK_COUNT;
    case VRV_AGG_LONG_SUM: return FK_LSUM;
    case VRV_AGG_LONG_MIN: return FK_LMIN;
    case VRV_AGG_LONG_MAX: return FK_LMAX;
    case VRV_AGG_DOUBLE_SUM: return FK_DSUM;
    case VRV_AGG_DOUBLE_MIN: return FK_DMIN;
    case VRV_AGG_DOUBLE_MAX: return FK_DMAX;
    case VRV_AGG_FLOAT_SUM: return FK_FSUM;
    case VRV_AGG_FLOAT_MIN: return FK_FMIN;
    case VRV_AGG_FLOAT_MAX: return FK_FMAX;
    default: return FK_NONE;
    }
}

static bool is_vcol_name(const vrv_query *q, const char *name)
{
    for (size_t i = 0; i < q->nvcols; i++)
        if (!strcmp(q->vcols[i].name, name)) return true;
    return false;
}

static int setup(gstate *g)
{
    const vrv_query *q = g->q;
    bool mirrors = mirrors_match();
    g->naggs = q->aggs.n;
    g->aggs = vrv_calloc(g->naggs ? g->naggs : 1, sizeof *g->aggs);
    for (size_t i = 0; i < g->naggs; i++) {
        gagg *ga = &g->aggs[i];
        ga->outer = q->aggs.v[i];
        ga->inner = vrv_agg_unwrap(ga->outer);
        ga->off = g->p->offs[i];
        ga->slot = -1;
        ga->tslot = -1;
        ga->col = -1;
        int fk = mirrors ? fast_kind(ga->inner) : FK_NONE;
        if (fk && ga->outer->type != VRV_AGG_FILTERED && !ga->inner->expression) {
            if (fk == FK_COUNT) {
                ga->fast = fk;
            } else if (ga->inner->field_name && !is_vcol_name(q, ga->inner->field_name)) {
                long c = vrv_adapter_find(g->a, ga->inner->field_name);
                if (c >= 0) {
                    const vrv_adapter_col *col = vrv_adapter_column(g->a, (size_t)c);
                    if (vrv_ctype_is_numeric(col->type) || col->is_time) {
                        ga->fast = fk;
                        ga->col = c;
                        ga->buf = vrv_malloc(VRV_ADAPTER_BLOCK * 8);
                        ga->nbuf = vrv_malloc(VRV_ADAPTER_BLOCK);
                    }
                } else {
                    /* a missing column is all null: nothing to fold */
                    ga->fast = fk;
                    ga->col = -1;
                }
            }
        }
        if (ga->fast) continue;
        g->any_generic = true;
        int rc;
        if (ga->inner->expression) {
            vrv_expr *e;
            if ((rc = vrv_expr_parse(ga->inner->expression, strlen(ga->inner->expression), &e,
                                     g->err)))
                return vrv_error_prefix(g->err, "aggregations[%zu].expression", i);
            rc = vrv_expr_bind(e, qreader_resolve, &g->vr, &ga->prog, g->err);
            vrv_expr_free(e);
            if (rc) return rc;
        } else if (ga->inner->type == VRV_AGG_CARDINALITY || ga->inner->type == VRV_AGG_EXPRESSION) {
            ga->nfields = ga->inner->nfields;
            ga->fslots = vrv_calloc(ga->nfields ? ga->nfields : 1, sizeof *ga->fslots);
            for (size_t k = 0; k < ga->nfields; k++)
                if ((rc = resolve_slot_name(g, ga->inner->fields[k], &ga->fslots[k]))) return rc;
        } else if (ga->inner->field_name) {
            if ((rc = resolve_slot_name(g, ga->inner->field_name, &ga->slot))) return rc;
        }
        if (ga->inner->time_column && strcmp(ga->inner->time_column, "__time") != 0)
            if ((rc = resolve_slot_name(g, ga->inner->time_column, &ga->tslot))) return rc;
        g->need_times_for_aggs = true;
        if (ga->outer->type == VRV_AGG_FILTERED) {
            /* the filter of the outermost filtered layer; nested filtered
             * layers AND their filters */
            roaring_bitmap_t *acc = NULL;
            for (const vrv_agg_spec *s = ga->outer; s && s->type == VRV_AGG_FILTERED; s = s->inner) {
                if (!s->filter || json_is_null(s->filter)) continue;
                vrv_filter *f;
                if ((rc = vrv_filter_parse(s->filter, "filter", &f, g->err)))
                    return vrv_error_prefix(g->err, "aggregations[%zu]", i);
                roaring_bitmap_t *bm;
                rc = qfilter_rows(f, q, g->a, &bm, g->err);
                vrv_filter_free(f);
                if (rc) {
                    if (acc) roaring_bitmap_free(acc);
                    return rc;
                }
                if (acc) {
                    roaring_bitmap_and_inplace(acc, bm);
                    roaring_bitmap_free(bm);
                } else acc = bm;
            }
            ga->fbm = acc;
            if (acc) ga->fmask = vrv_malloc(VRV_ADAPTER_BLOCK);
        }
    }
    /* dimensions */
    if (q->type == VRV_Q_TOPN) g->ndims = 1;
    else if (q->type == VRV_Q_GROUPBY) g->ndims = q->ndims;
    g->dims = vrv_calloc(g->ndims ? g->ndims : 1, sizeof *g->dims);
    for (size_t d = 0; d < g->ndims; d++) {
        gdim *gd = &g->dims[d];
        gd->spec = q->type == VRV_Q_TOPN ? &q->dim : &q->dims[d];
        vrv_map_init(&gd->intern, false);
        long c = is_vcol_name(q, gd->spec->dimension) ? -1
                                                      : vrv_adapter_find(g->a, gd->spec->dimension);
        if (c >= 0 && vrv_adapter_column(g->a, (size_t)c)->dict) {
            gd->kind = D_DICT;
            gd->col = c;
            gd->multi = vrv_adapter_column(g->a, (size_t)c)->multi;
            if (gd->multi) vrv_mv_reader_init(&gd->mv, g->a, (size_t)c);
            else gd->idbuf = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *gd->idbuf);
        } else {
            gd->kind = D_SLOT;
            int rc = resolve_slot_name(g, gd->spec->dimension, &gd->slot);
            if (rc) return rc;
        }
    }
    /* dictionary dimensions whose id combinations fit a table are grouped
     * by indexing, without hashing */
    g->dense_mode = g->ndims >= 1 && g->ndims <= 64;
    g->dense_size = 1;
    for (size_t d = 0; d < g->ndims && g->dense_mode; d++) {
        gdim *gd = &g->dims[d];
        if (gd->kind != D_DICT || (gd->multi && g->ndims > 1)) {
            g->dense_mode = false;
            break;
        }
        gd->stride = g->dense_size;
        g->dense_size *= (size_t)vrv_adapter_column(g->a, (size_t)gd->col)->ndict + 1;
        if (g->dense_size > DENSE_MAX_TABLE) g->dense_mode = false;
    }
    /* a table much larger than the segment costs more to clear than hashing */
    if (g->dense_mode && g->ndims > 1 && g->dense_size > 4096 &&
        g->dense_size > 4 * vrv_adapter_rows(g->a))
        g->dense_mode = false;
    g->ident = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *g->ident);
    g->gfill = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *g->gfill);
    for (uint32_t i = 0; i < VRV_ADAPTER_BLOCK; i++) g->ident[i] = i;
    vrv_map_init(&g->gindex, true);
    return 0;
}

static void teardown(gstate *g)
{
    for (size_t i = 0; i < g->naggs; i++) {
        gagg *ga = &g->aggs[i];
        free(ga->fslots);
        vrv_expr_prog_free(ga->prog);
        if (ga->fbm) roaring_bitmap_free(ga->fbm);
        free(ga->fmask);
        free(ga->buf);
        free(ga->nbuf);
    }
    free(g->aggs);
    for (size_t d = 0; d < g->ndims; d++) {
        gdim *gd = &g->dims[d];
        if (gd->kind == D_DICT && gd->multi) vrv_mv_reader_free(&gd->mv);
        free(gd->idbuf);
        vrv_map_destroy(&gd->intern);
        vrv_vec_free(&gd->vals);
    }
    free(g->dims);
    qreader_free(&g->vr);
    vrv_arena_destroy(&g->arena);
    vrv_map_destroy(&g->gindex);
    free(g->states);
    free(g->gbucket);
    free(g->gcodes);
    for (size_t b = 0; b < g->dense.n; b++) free(g->dense.v[b]);
    vrv_vec_free(&g->dense);
    vrv_vec_free(&g->buckets);
    free(g->prow);
    free(g->pgid);
    free(g->ident);
    free(g->gfill);
}

/* Code of a slot dimension's value (interned per segment). */
static uint32_t intern_value(gstate *g, gdim *gd, const vrv_value *v)
{
    char kb[24];
    const void *key;
    size_t klen;
    kb[0] = (char)v->type;
    switch (v->type) {
    case VRV_V_NULL: key = kb; klen = 1; break;
    case VRV_V_LONG: memcpy(kb + 1, &v->u.l, 8); key = kb; klen = 9; break;
    case VRV_V_DOUBLE: memcpy(kb + 1, &v->u.d, 8); key = kb; klen = 9; break;
    case VRV_V_FLOAT: memcpy(kb + 1, &v->u.f, 4); key = kb; klen = 5; break;
    default: {
        char *s = vrv_arena_alloc(&g->arena, (size_t)v->len + 1);
        s[0] = (char)v->type;
        if (v->len) memcpy(s + 1, v->u.s, v->len);
        key = s;
        klen = (size_t)v->len + 1;
        break;
    }
    }
    bool ins;
    uint64_t *slot = vrv_map_put(&gd->intern, key, klen, &ins);
    if (ins) {
        if (key == kb) {
            /* the map borrows keys: keep a stable copy */
            void *copy = vrv_arena_memdup(&g->arena, kb, klen);
            vrv_map_del(&gd->intern, kb, klen);
            slot = vrv_map_put(&gd->intern, copy, klen, NULL);
        }
        vrv_value c = qvalue_copy(&g->arena, v);
        vrv_vec_push(&gd->vals, c);
        *slot = gd->vals.n;
    }
    return (uint32_t)(*slot - 1);
}

/* The bucket holding t (cached as the current one). */
typedef struct bcur {
    vrv_ms start, end;
    uint32_t local;
    bool valid;
} bcur;

static uint32_t bucket_of(gstate *g, bcur *bc, vrv_ms t, vrv_interval range)
{
    if (bc->valid && t >= bc->start && t < bc->end) return bc->local;
    vrv_ms s, e;
    if (g->q->gran.kind == VRV_GRAN_ALL) {
        s = range.start;
        e = range.end;
    } else {
        s = vrv_gran_bucket_start(&g->q->gran, t);
        e = vrv_gran_next(&g->q->gran, s);
    }
    bc->start = s;
    bc->end = e;
    bc->valid = true;
    /* rows come in time order: the bucket is the last one or a new one */
    if (g->buckets.n && g->buckets.v[g->buckets.n - 1] == s) {
        bc->local = (uint32_t)(g->buckets.n - 1);
    } else {
        vrv_vec_push(&g->buckets, s);
        if (g->dense_mode) {
            int32_t *tab = NULL;
            if (g->dense_used + g->dense_size <= DENSE_BUDGET) {
                tab = vrv_malloc(g->dense_size * sizeof *tab);
                memset(tab, 0xff, g->dense_size * sizeof *tab);
                g->dense_used += g->dense_size;
            }
            vrv_vec_push(&g->dense, tab);
        }
        bc->local = (uint32_t)(g->buckets.n - 1);
    }
    return bc->local;
}

/* Adds the pairs of one selected row. */
static int row_pairs(gstate *g, uint32_t lrow, size_t row, uint32_t bucket)
{
    if (g->ndims == 0) {
        /* timeseries: one group per bucket, created in bucket order */
        while (g->ngroups <= bucket) new_group(g, (uint32_t)g->ngroups, NULL);
        push_pair(g, lrow, bucket);
        return 0;
    }
    int32_t *tab = g->dense_mode ? g->dense.v[bucket] : NULL;
    if (tab && g->ndims > 1) {
        uint32_t codes[64];
        size_t combined = 0;
        for (size_t d = 0; d < g->ndims; d++) {
            codes[d] = g->dims[d].ids[lrow];
            combined += codes[d] * g->dims[d].stride;
        }
        int32_t gid = tab[combined];
        if (gid < 0) {
            gid = (int32_t)new_group(g, bucket, codes);
            tab[combined] = gid;
        }
        push_pair(g, lrow, (uint32_t)gid);
        return 0;
    }
    if (tab) {
        gdim *gd = &g->dims[0];
        size_t n = 1;
        const uint32_t *ids = gd->multi ? vrv_mv_row(&gd->mv, row, &n) : &gd->ids[lrow];
        for (size_t k = 0; k < n; k++) {
            uint32_t id = ids[k];
            int32_t gid = tab[id];
            if (gid < 0) {
                gid = (int32_t)new_group(g, bucket, &id);
                tab[id] = gid;
            }
            push_pair(g, lrow, (uint32_t)gid);
        }
        return 0;
    }
    /* generic: per dimension a list of codes, then every combination */
    enum { MAXD = 64 };
    if (g->ndims > MAXD)
        return vrv_error_set(g->err, VRV_ELIMIT, "groupBy: more than %d dimensions", MAXD);
    const uint32_t *lists[MAXD];
    size_t lens[MAXD];
    uint32_t tmpcodes[MAXD];
    uint32_t *owned[MAXD];
    size_t nowned = 0;
    for (size_t d = 0; d < g->ndims; d++) {
        gdim *gd = &g->dims[d];
        if (gd->kind == D_DICT) {
            size_t n = 1;
            const uint32_t *ids = gd->multi ? vrv_mv_row(&gd->mv, row, &n) : &gd->ids[lrow];
            if (gd->multi && n > 1) {
                /* the reader's buffer is reused by the next dimension's call */
                uint32_t *copy = vrv_malloc(n * sizeof *copy);
                memcpy(copy, ids, n * sizeof *copy);
                owned[nowned++] = copy;
                ids = copy;
            }
            lists[d] = ids;
            lens[d] = n;
        } else {
            const vrv_value *v = &g->vr.vals[gd->slot];
            if (v->type == VRV_V_ARRAY && v->len != 1) {
                size_t n = v->len ? v->len : 1;
                uint32_t *codes = vrv_malloc(n * sizeof *codes);
                vrv_value nul = vrv_null();
                for (size_t k = 0; k < n; k++)
                    codes[k] = intern_value(g, gd, v->len ? &v->u.a[k] : &nul);
                owned[nowned++] = codes;
                lists[d] = codes;
                lens[d] = n;
            } else {
                const vrv_value *one = v->type == VRV_V_ARRAY ? &v->u.a[0] : v;
                tmpcodes[d] = intern_value(g, gd, one);
                lists[d] = &tmpcodes[d];
                lens[d] = 1;
            }
        }
    }
    size_t idx[MAXD] = {0};
    uint32_t codes[MAXD];
    for (;;) {
        for (size_t d = 0; d < g->ndims; d++) codes[d] = lists[d][idx[d]];
        char key[4 + 4 * MAXD];
        memcpy(key, &bucket, 4);
        memcpy(key + 4, codes, 4 * g->ndims);
        bool ins;
        uint64_t *slot = vrv_map_put(&g->gindex, key, 4 + 4 * g->ndims, &ins);
        if (ins) *slot = new_group(g, bucket, codes);
        push_pair(g, lrow, (uint32_t)*slot);
        size_t d = g->ndims;
        while (d > 0) {
            d--;
            if (++idx[d] < lens[d]) break;
            idx[d] = 0;
            if (d == 0) goto done;
        }
        if (g->ndims == 0) break;
    }
done:
    for (size_t k = 0; k < nowned; k++) free(owned[k]);
    return 0;
}

#define STATE(g, gid, off) ((g)->states + (size_t)(gid) * (g)->area + (off))

static void fold_fast(gstate *g, gagg *ga, const uint32_t *prow, const uint32_t *pgid, size_t np,
                      bool single)
{
    const uint8_t *nl = ga->nulls;
    switch (ga->fast) {
    case FK_COUNT:
        if (single) {
            *(int64_t *)STATE(g, pgid[0], ga->off) += (int64_t)np;
        } else {
            for (size_t k = 0; k < np; k++) ++*(int64_t *)STATE(g, pgid[k], ga->off);
        }
        return;
    case FK_LSUM: {
        const int64_t *v = ga->l;
        if (single && !nl) {
            m_long *s = (m_long *)STATE(g, pgid[0], ga->off);
            int64_t acc = 0;
            for (size_t k = 0; k < np; k++) acc += v[prow[k]];
            s->v = (int64_t)((uint64_t)s->v + (uint64_t)acc);
            s->has = 1;
            return;
        }
        for (size_t k = 0; k < np; k++) {
            uint32_t r = prow[k];
            if (nl && nl[r]) continue;
            m_long *s = (m_long *)STATE(g, pgid[k], ga->off);
            s->v = (int64_t)((uint64_t)s->v + (uint64_t)v[r]);
            s->has = 1;
        }
        return;
    }
    case FK_LMIN:
    case FK_LMAX: {
        bool mn = ga->fast == FK_LMIN;
        for (size_t k = 0; k < np; k++) {
            uint32_t r = prow[k];
            if (nl && nl[r]) continue;
            m_long *s = (m_long *)STATE(g, pgid[k], ga->off);
            int64_t x = ga->l[r];
            if (!s->has || (mn ? x < s->v : x > s->v)) s->v = x;
            s->has = 1;
        }
        return;
    }
    case FK_DSUM: {
        const double *v = ga->d;
        if (single && !nl) {
            m_double *s = (m_double *)STATE(g, pgid[0], ga->off);
            double acc = s->v;
            for (size_t k = 0; k < np; k++) acc += v[prow[k]];
            s->v = acc;
            s->has = 1;
            return;
        }
        for (size_t k = 0; k < np; k++) {
            uint32_t r = prow[k];
            if (nl && nl[r]) continue;
            m_double *s = (m_double *)STATE(g, pgid[k], ga->off);
            s->v += v[r];
            s->has = 1;
        }
        return;
    }
    case FK_DMIN:
    case FK_DMAX: {
        bool mn = ga->fast == FK_DMIN;
        for (size_t k = 0; k < np; k++) {
            uint32_t r = prow[k];
            if (nl && nl[r]) continue;
            m_double *s = (m_double *)STATE(g, pgid[k], ga->off);
            double x = ga->d[r];
            if (!s->has || x != x || (s->v == s->v && (mn ? x < s->v : x > s->v))) s->v = x;
            s->has = 1;
        }
        return;
    }
    case FK_FSUM: {
        for (size_t k = 0; k < np; k++) {
            uint32_t r = prow[k];
            if (nl && nl[r]) continue;
            m_float *s = (m_float *)STATE(g, pgid[k], ga->off);
            s->v += ga->f[r];
            s->has = 1;
        }
        return;
    }
    case FK_FMIN:
    case FK_FMAX: {
        bool mn = ga->fast == FK_FMIN;
        for (size_t k = 0; k < np; k++) {
            uint32_t r = prow[k];
            if (nl && nl[r]) continue;
            m_float *s = (m_float *)STATE(g, pgid[k], ga->off);
            float x = ga->f[r];
            if (!s->has || x != x || (s->v == s->v && (mn ? x < s->v : x > s->v))) s->v = x;
            s->has = 1;
        }
        return;
    }
    }
}

/* Folds rows [from, to) of the block into one group: the common timeseries
 * shape, summed without pair indirection so the loops vectorise. */
static void fold_range(gstate *g, gagg *ga, uint32_t gid, size_t from, size_t to)
{
    char *st = STATE(g, gid, ga->off);
    const uint8_t *nl = ga->nulls;
    switch (ga->fast) {
    case FK_COUNT: *(int64_t *)st += (int64_t)(to - from); return;
    case FK_LSUM: {
        m_long *s = (m_long *)st;
        uint64_t acc = 0;
        bool any = false;
        if (!nl) {
            const int64_t *v = ga->l;
            for (size_t i = from; i < to; i++) acc += (uint64_t)v[i];
            any = to > from;
        } else {
            for (size_t i = from; i < to; i++)
                if (!nl[i]) {
                    acc += (uint64_t)ga->l[i];
                    any = true;
                }
        }
        if (any) {
            s->v = (int64_t)((uint64_t)s->v + acc);
            s->has = 1;
        }
        return;
    }
    case FK_DSUM: {
        m_double *s = (m_double *)st;
        double acc = s->v;
        bool any = false;
        for (size_t i = from; i < to; i++)
            if (!nl || !nl[i]) {
                acc += ga->d[i];
                any = true;
            }
        if (any) {
            s->v = acc;
            s->has = 1;
        }
        return;
    }
    case FK_LMIN:
    case FK_LMAX: {
        m_long *s = (m_long *)st;
        bool mn = ga->fast == FK_LMIN, any = s->has;
        int64_t acc = s->v;
        for (size_t i = from; i < to; i++) {
            if (nl && nl[i]) continue;
            int64_t x = ga->l[i];
            if (!any || (mn ? x < acc : x > acc)) acc = x;
            any = true;
        }
        if (any) {
            s->v = acc;
            s->has = 1;
        }
        return;
    }
    case FK_DMIN:
    case FK_DMAX: {
        /* Java's Math.min/max: NaN wins */
        m_double *s = (m_double *)st;
        bool mn = ga->fast == FK_DMIN, any = s->has;
        double acc = s->v;
        for (size_t i = from; i < to; i++) {
            if (nl && nl[i]) continue;
            double x = ga->d[i];
            if (!any || x != x || (acc == acc && (mn ? x < acc : x > acc))) acc = x;
            any = true;
        }
        if (any) {
            s->v = acc;
            s->has = 1;
        }
        return;
    }
    default:
        for (size_t i = from; i < to; i++) g->gfill[i] = gid;
        fold_fast(g, ga, g->ident + from, g->gfill + from, to - from, true);
        return;
    }
}

/* Decodes the block of a typed-loop aggregator's input column. A block the
 * storage cannot deliver is an error: skipping it would drop rows silently. */
static int load_fast_block(gstate *g, gagg *ga, size_t b)
{
    if (ga->col < 0 || ga->fast == FK_COUNT) return 0;
    const void *got = NULL;
    switch (ga->fast) {
    case FK_LSUM:
    case FK_LMIN:
    case FK_LMAX: got = ga->l = vrv_adapter_longs(g->a, (size_t)ga->col, b, ga->buf); break;
    case FK_DSUM:
    case FK_DMIN:
    case FK_DMAX: got = ga->d = vrv_adapter_doubles(g->a, (size_t)ga->col, b, ga->buf); break;
    case FK_FSUM:
    case FK_FMIN:
    case FK_FMAX: got = ga->f = vrv_adapter_floats(g->a, (size_t)ga->col, b, ga->buf); break;
    default: break;
    }
    if (!got)
        return vrv_error_set(g->err, VRV_ECORRUPT, "segment [%s]: unreadable block %zu of column [%s]",
                             vrv_adapter_segment_id(g->a), b,
                             vrv_adapter_column(g->a, (size_t)ga->col)->name);
    ga->nulls = vrv_adapter_column(g->a, (size_t)ga->col)->is_time
                    ? NULL
                    : vrv_adapter_nulls(g->a, (size_t)ga->col, b, ga->nbuf);
    return 0;
}

static void block_mask(const roaring_bitmap_t *bm, size_t base, size_t n, uint8_t *out)
{
    memset(out, 0, n);
    roaring_uint32_iterator_t it;
    roaring_init_iterator(bm, &it);
    if (!roaring_move_uint32_iterator_equalorlarger(&it, (uint32_t)base)) return;
    while (it.has_value && it.current_value < base + n) {
        out[it.current_value - base] = 1;
        roaring_advance_uint32_iterator(&it);
    }
}

static int fold_generic(gstate *g, size_t b, const int64_t *times)
{
    size_t base = b * VRV_ADAPTER_BLOCK;
    size_t n = vrv_adapter_block_rows(g->a, b);
    for (size_t i = 0; i < g->naggs; i++)
        if (!g->aggs[i].fast && g->aggs[i].fbm) block_mask(g->aggs[i].fbm, base, n, g->aggs[i].fmask);
    long loaded = -1;
    vrv_arena ar;
    vrv_arena_init(&ar, 0);
    int rc = 0;
    for (size_t k = 0; k < g->npairs && rc == 0; k++) {
        uint32_t r = g->prow[k];
        if ((long)r != loaded) {
            if ((rc = qreader_load(&g->vr, base + r, g->err))) break;
            loaded = (long)r;
            vrv_arena_reset(&ar);
        }
        char *st = g->states + (size_t)g->pgid[k] * g->area;
        for (size_t i = 0; i < g->naggs; i++) {
            gagg *ga = &g->aggs[i];
            if (ga->fast) continue;
            if (ga->fmask && !ga->fmask[r]) continue;
            vrv_ms t = times ? times[r] : 0;
            if (ga->tslot >= 0) {
                int64_t tl;
                if (!vrv_value_to_long(&g->vr.vals[ga->tslot], &tl)) continue;
                t = tl;
            }
            if (ga->nfields) {
                vrv_value vals[16];
                size_t nf = ga->nfields < 16 ? ga->nfields : 16;
                for (size_t f = 0; f < nf; f++) vals[f] = g->vr.vals[ga->fslots[f]];
                /* an expression aggregator's failure (a result past its
                 * maxSizeBytes) fails the query, as Druid's does */
                if ((rc = vrv_agg_fold_row(ga->inner, st + ga->off, vals, nf, t, g->err))) break;
                continue;
            }
            vrv_value v = vrv_null();
            if (ga->prog) {
                if ((rc = vrv_expr_eval(ga->prog, g->vr.vals, &ar, &v, g->err))) break;
            } else if (ga->slot >= 0) {
                v = g->vr.vals[ga->slot];
            }
            /* an unreadable value (a non-numeric string for a sum) is skipped,
             * as Druid's selectors read it as null */
            vrv_agg_add(ga->inner, st + ga->off, &v, t);
        }
    }
    vrv_arena_destroy(&ar);
    return rc;
}

/* Converts a dimension value to the dimension spec's output type. */
static vrv_value to_output(vrv_arena *ar, const vrv_value *v, vrv_ctype t)
{
    if (v->type == VRV_V_NULL) return *v;
    switch (t) {
    case VRV_C_LONG: {
        int64_t l;
        if (v->type == VRV_V_DOUBLE) return vrv_long((int64_t)v->u.d);
        if (v->type == VRV_V_FLOAT) return vrv_long((int64_t)v->u.f);
        return vrv_value_to_long(v, &l) ? vrv_long(l) : vrv_null();
    }
    case VRV_C_DOUBLE: {
        double d;
        return vrv_value_to_double(v, &d) ? vrv_double(d) : vrv_null();
    }
    case VRV_C_FLOAT: {
        double d;
        if (v->type == VRV_V_FLOAT) return *v;
        return vrv_value_to_double(v, &d) ? vrv_float((float)d) : vrv_null();
    }
    default: {
        if (v->type == VRV_V_STRING) return *v;
        vrv_buf b = VRV_BUF_INIT;
        vrv_value out = vrv_null();
        if (vrv_value_append_string(v, &b))
            out = vrv_string(vrv_arena_strndup(ar, b.data ? b.data : "", b.len), b.len);
        vrv_buf_free(&b);
        return out;
    }
    }
}

/* Moves the interval's groups into the partial. */
static void flush_groups(gstate *g, vrv_interval range)
{
    vrv_query_partial *p = g->p;
    bool all = g->q->gran.kind == VRV_GRAN_ALL;
    if (all && g->q->type != VRV_Q_GROUPBY && (g->ngroups || g->q->type == VRV_Q_TIMESERIES)) {
        bool later = g->q->descending;
        if (!p->has_stamp || (later ? range.start > p->stamp : range.start < p->stamp))
            p->stamp = range.start;
        p->has_stamp = true;
    }
    vrv_value *dims = vrv_malloc((g->ndims ? g->ndims : 1) * sizeof *dims);
    for (size_t gid = 0; gid < g->ngroups; gid++) {
        vrv_ms t = all ? 0 : g->buckets.v[g->gbucket[gid]];
        for (size_t d = 0; d < g->ndims; d++) {
            gdim *gd = &g->dims[d];
            uint32_t code = g->gcodes[gid * g->ndims + d];
            vrv_value v;
            if (gd->kind == D_DICT) {
                if (code == 0) v = vrv_null();
                else {
                    vrv_str s = vrv_adapter_dict_get(g->a, (size_t)gd->col, code);
                    v = vrv_string(s.p, s.n);
                }
            } else {
                v = gd->vals.v[code];
            }
            dims[d] = to_output(&g->arena, &v, gd->spec->output_type);
        }
        bool created;
        size_t pg = qpartial_group(p, t, dims, &created);
        char *src = g->states + gid * g->area;
        char *dst = p->groups.v[pg].states;
        if (created) {
            memcpy(dst, src, g->area);
        } else {
            for (size_t i = 0; i < g->naggs; i++) {
                vrv_agg_merge(g->aggs[i].inner, dst + g->aggs[i].off, src + g->aggs[i].off);
                vrv_agg_destroy(g->aggs[i].inner, src + g->aggs[i].off);
            }
        }
    }
    free(dims);
    g->ngroups = 0;
    vrv_map_clear(&g->gindex);
    for (size_t b = 0; b < g->dense.n; b++) free(g->dense.v[b]);
    g->dense.n = 0;
    g->dense_used = 0;
    g->buckets.n = 0;
}

size_t qclip_intervals(const vrv_query *q, const vrv_adapter *a, vrv_interval *out)
{
    vrv_interval si = vrv_adapter_interval(a);
    size_t n = 0;
    for (size_t i = 0; i < q->nintervals; i++) {
        vrv_interval iv = q->intervals[i];
        vrv_ms s = iv.start > si.start ? iv.start : si.start;
        vrv_ms e = iv.end < si.end ? iv.end : si.end;
        if (s < e) out[n++] = vrv_interval_make(s, e);
    }
    return n;
}

static int run_interval(gstate *g, vrv_interval iv, const roaring_bitmap_t *fbm)
{
    const vrv_query *q = g->q;
    const vrv_adapter *a = g->a;
    vrv_ms mint = vrv_adapter_min_time(a), maxt = vrv_adapter_max_time(a);
    if (vrv_adapter_rows(a) == 0) return 0;
    vrv_ms start = iv.start > mint ? iv.start : mint;
    vrv_ms bend = q->gran.kind == VRV_GRAN_ALL ? VRV_TIME_MAX
                                               : vrv_gran_next(&q->gran, vrv_gran_bucket_start(&q->gran, maxt));
    vrv_ms end = iv.end < bend ? iv.end : bend;
    if (start >= end) return 0;
    vrv_interval range = vrv_interval_make(start, end);
    bool all_in = mint >= start && maxt < end;
    bool need_times = !all_in || q->gran.kind != VRV_GRAN_ALL || g->need_times_for_aggs;
    int64_t *tbuf = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *tbuf);
    bcur bc = {0};
    int rc = 0;
    size_t nb = vrv_adapter_nblocks(a);
    uint32_t *sel = vrv_malloc(VRV_ADAPTER_BLOCK * sizeof *sel);
    for (size_t b = 0; b < nb && rc == 0; b++) {
        if (b % (VRV_QUERY_CHECK_ROWS / VRV_ADAPTER_BLOCK) == 0 && b && (rc = qcheck(g->p, g->err)))
            break;
        size_t base = b * VRV_ADAPTER_BLOCK, n = vrv_adapter_block_rows(a, b);
        const int64_t *times = need_times ? vrv_adapter_times(a, b, tbuf) : NULL;
        if (need_times && !times) {
            rc = vrv_error_set(g->err, VRV_ECORRUPT, "segment [%s]: unreadable __time block %zu",
                               vrv_adapter_segment_id(a), b);
            break;
        }
        if (times && (times[n - 1] < start || times[0] >= end)) continue;
        /* selected rows of the block */
        size_t ns = 0;
        if (fbm) {
            roaring_uint32_iterator_t it;
            roaring_init_iterator(fbm, &it);
            if (roaring_move_uint32_iterator_equalorlarger(&it, (uint32_t)base)) {
                while (it.has_value && it.current_value < base + n) {
                    sel[ns++] = it.current_value - (uint32_t)base;
                    roaring_advance_uint32_iterator(&it);
                }
            }
        } else {
            for (size_t i = 0; i < n; i++) sel[i] = (uint32_t)i;
            ns = n;
        }
        if (times && !all_in) {
            size_t w = 0;
            for (size_t k = 0; k < ns; k++) {
                vrv_ms t = times[sel[k]];
                if (t >= start && t < end) sel[w++] = sel[k];
            }
            ns = w;
        }
        if (ns == 0) continue;
        for (size_t d = 0; d < g->ndims && rc == 0; d++) {
            gdim *gd = &g->dims[d];
            if (gd->kind != D_DICT || gd->multi) continue;
            gd->ids = vrv_adapter_ids(a, (size_t)gd->col, b, gd->idbuf);
            if (!gd->ids)
                rc = vrv_error_set(g->err, VRV_ECORRUPT,
                                   "segment [%s]: unreadable block %zu of column [%s]",
                                   vrv_adapter_segment_id(a), b, gd->spec->dimension);
        }
        if (rc) break;
        if (g->ndims == 0 && !g->any_generic && ns == n) {
            /* every row of the block: runs of one bucket, no pairs. Every
             * aggregator is a typed one here (any_generic is false); one
             * over a missing column folds nothing, as its input is null. */
            for (size_t i = 0; i < g->naggs && rc == 0; i++) rc = load_fast_block(g, &g->aggs[i], b);
            if (rc) break;
            size_t k = 0;
            while (k < n) {
                uint32_t bucket = bucket_of(g, &bc, times ? times[k] : start, range);
                size_t e = k + 1;
                if (times) {
                    while (e < n && times[e] < bc.end) e++;
                } else {
                    e = n;
                }
                while (g->ngroups <= bucket) new_group(g, (uint32_t)g->ngroups, NULL);
                for (size_t i = 0; i < g->naggs; i++) {
                    gagg *ga = &g->aggs[i];
                    if (ga->col >= 0 || ga->fast == FK_COUNT) fold_range(g, ga, bucket, k, e);
                }
                k = e;
            }
            continue;
        }
        g->npairs = 0;
        bool slot_dims = false, single_valued = true;
        for (size_t d = 0; d < g->ndims; d++) {
            slot_dims |= g->dims[d].kind == D_SLOT;
            single_valued &= g->dims[d].kind == D_DICT && !g->dims[d].multi;
        }
        bool single = q->gran.kind == VRV_GRAN_ALL && g->ndims == 0;
        /* the selected rows of a block mostly share one bucket: then the
         * bucket is found once, and single-valued dictionary dimensions in a
         * dense table make exactly one pair per row */
        uint32_t bucket0 = bucket_of(g, &bc, times ? times[sel[0]] : start, range);
        bool one_bucket = !times || times[sel[ns - 1]] < bc.end;
        int32_t *tab0 = g->dense_mode ? g->dense.v[bucket0] : NULL;
        if (one_bucket && tab0 && single_valued) {
            if (g->pcap < ns) {
                g->pcap = VRV_ADAPTER_BLOCK > ns ? VRV_ADAPTER_BLOCK : ns;
                g->prow = vrv_realloc(g->prow, g->pcap * sizeof *g->prow);
                g->pgid = vrv_realloc(g->pgid, g->pcap * sizeof *g->pgid);
            }
            if (g->ndims == 1) {
                const uint32_t *ids = g->dims[0].ids;
                for (size_t k = 0; k < ns; k++) {
                    uint32_t lr = sel[k], id = ids[lr];
                    int32_t gid = tab0[id];
                    if (gid < 0) tab0[id] = gid = (int32_t)new_group(g, bucket0, &id);
                    g->prow[k] = lr;
                    g->pgid[k] = (uint32_t)gid;
                }
            } else {
                uint32_t codes[64];
                for (size_t k = 0; k < ns; k++) {
                    uint32_t lr = sel[k];
                    size_t combined = 0;
                    for (size_t d = 0; d < g->ndims; d++) {
                        codes[d] = g->dims[d].ids[lr];
                        combined += codes[d] * g->dims[d].stride;
                    }
                    int32_t gid = tab0[combined];
                    if (gid < 0) tab0[combined] = gid = (int32_t)new_group(g, bucket0, codes);
                    g->prow[k] = lr;
                    g->pgid[k] = (uint32_t)gid;
                }
            }
            g->npairs = ns;
        } else {
            for (size_t k = 0; k < ns && rc == 0; k++) {
                uint32_t lr = sel[k];
                uint32_t bucket = times ? bucket_of(g, &bc, times[lr], range) : bucket0;
                if (slot_dims && (rc = qreader_load(&g->vr, base + lr, g->err))) break;
                rc = row_pairs(g, lr, base + lr, bucket);
            }
        }
        if (rc) break;
        for (size_t i = 0; i < g->naggs && rc == 0; i++) {
            gagg *ga = &g->aggs[i];
            if (!ga->fast || (ga->col < 0 && ga->fast != FK_COUNT)) continue;
            if ((rc = load_fast_block(g, ga, b))) break;
            fold_fast(g, ga, g->prow, g->pgid, g->npairs, single);
        }
        if (rc) break;
        if (g->any_generic) rc = fold_generic(g, b, times);
    }
    free(sel);
    free(tbuf);
    if (rc) return rc;
    /* zero-filling: every bucket of the range gets a row */
    if (q->type == VRV_Q_TIMESERIES && !q->ctx.skip_empty_buckets) {
        if (q->gran.kind == VRV_GRAN_ALL) {
            if (g->ngroups == 0) {
                bucket_of(g, &bc, start, range);
                new_group(g, 0, NULL);
            }
        } else {
            vrv_gran_iter it;
            vrv_interval bk;
            vrv_gran_iter_init(&it, &q->gran, range);
            /* groups exist for buckets that had rows; add the others */
            size_t have = g->ngroups, count = 0;
            vrv_ms *seen = vrv_malloc((have ? have : 1) * sizeof *seen);
            for (size_t k = 0; k < have; k++) seen[k] = g->buckets.v[g->gbucket[k]];
            size_t si = 0;
            while (vrv_gran_iter_next(&it, &bk)) {
                if (++count > MAX_ZERO_FILL) {
                    free(seen);
                    return vrv_error_set(g->err, VRV_ELIMIT,
                                         "Resource limit exceeded: more than %d time buckets",
                                         MAX_ZERO_FILL);
                }
                while (si < have && seen[si] < bk.start) si++;
                if (si < have && seen[si] == bk.start) continue;
                vrv_vec_push(&g->buckets, bk.start);
                new_group(g, (uint32_t)(g->buckets.n - 1), NULL);
            }
            free(seen);
        }
    }
    flush_groups(g, range);
    return 0;
}

int qengine_grouped(const vrv_query *q, const vrv_adapter *a, vrv_query_partial *out,
                    vrv_error *err)
{
    vrv_interval ivs[64];
    vrv_interval *clip = q->nintervals <= 64 ? ivs : vrv_malloc(q->nintervals * sizeof *clip);
    size_t nclip = qclip_intervals(q, a, clip);
    if (nclip == 0 || vrv_adapter_rows(a) == 0) {
        if (clip != ivs) free(clip);
        return 0;
    }
    gstate g;
    memset(&g, 0, sizeof g);
    g.q = q;
    g.a = a;
    g.p = out;
    g.err = err;
    g.area = out->area;
    qreader_init(&g.vr, a, q);
    vrv_arena_init(&g.arena, 0);
    int rc = setup(&g);
    roaring_bitmap_t *fbm = NULL;
    if (rc == 0 && q->filter) rc = qfilter_rows(q->filter, q, a, &fbm, err);
    for (size_t i = 0; rc == 0 && i < nclip; i++) rc = run_interval(&g, clip[i], fbm);
    if (rc) {
        /* states not flushed into the partial are ours to free */
        for (size_t gid = 0; gid < g.ngroups; gid++)
            for (size_t i = 0; i < g.naggs; i++)
                vrv_agg_destroy(g.aggs[i].inner, g.states + gid * g.area + g.aggs[i].off);
    }
    if (fbm) roaring_bitmap_free(fbm);
    teardown(&g);
    if (clip != ivs) free(clip);
    return rc;
}
