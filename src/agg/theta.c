/*
 * theta.c — the theta sketch of theta.h: hash table, rebuild by quickselect,
 * set operations, bounds and the serialized form.
 */
#include "agg/theta.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg/bytes.h"
#include "base/error.h"
#include "base/mem.h"

#define THETA_MAGIC   0x54
#define THETA_VERSION 1

vrv_theta *vrv_theta_new(uint32_t k)
{
    assert(k >= 16 && (k & (k - 1)) == 0);
    vrv_theta *t = vrv_calloc(1, sizeof *t);
    t->k = k;
    t->theta = VRV_THETA_MAX;
    return t;
}

void vrv_theta_free(vrv_theta *t)
{
    if (!t) return;
    free(t->tab);
    free(t);
}

vrv_theta *vrv_theta_clone(const vrv_theta *t)
{
    vrv_theta *c = vrv_memdup(t, sizeof *t);
    if (t->tab) c->tab = vrv_memdup(t->tab, (size_t)t->cap * 8);
    return c;
}

bool vrv_theta_is_empty(const vrv_theta *t)
{
    return !t->seen;
}

static bool tab_insert(uint64_t *tab, uint32_t cap, uint64_t h)
{
    uint32_t mask = cap - 1;
    uint32_t i = (uint32_t)(h ^ (h >> 29)) & mask;
    while (tab[i]) {
        if (tab[i] == h) return false;
        i = (i + 1) & mask;
    }
    tab[i] = h;
    return true;
}

static bool tab_contains(const uint64_t *tab, uint32_t cap, uint64_t h)
{
    if (!cap) return false;
    uint32_t mask = cap - 1;
    uint32_t i = (uint32_t)(h ^ (h >> 29)) & mask;
    while (tab[i]) {
        if (tab[i] == h) return true;
        i = (i + 1) & mask;
    }
    return false;
}

/* Re-inserts the retained hashes below theta into a table of ncap slots. */
static void retable(vrv_theta *t, uint32_t ncap)
{
    uint64_t *nt = vrv_calloc(ncap, 8);
    uint32_t n = 0;
    for (uint32_t i = 0; i < t->cap; i++) {
        uint64_t h = t->tab[i];
        if (h && h < t->theta) n += tab_insert(nt, ncap, h);
    }
    free(t->tab);
    t->tab = nt;
    t->cap = ncap;
    t->n = n;
}

/* Returns the element of rank r (0-based) of the distinct values a[0..n);
 * reorders a. Lomuto partition around the middle element. */
static uint64_t quickselect(uint64_t *a, uint32_t n, uint32_t r)
{
    uint32_t lo = 0, hi = n - 1;
    while (hi > lo) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint64_t pivot = a[mid], x;
        a[mid] = a[hi];
        a[hi] = pivot;
        uint32_t st = lo;
        for (uint32_t i = lo; i < hi; i++) {
            if (a[i] < pivot) {
                x = a[i];
                a[i] = a[st];
                a[st++] = x;
            }
        }
        a[hi] = a[st];
        a[st] = pivot;
        if (r == st) return pivot;
        if (r < st) {
            hi = st - 1;
        } else {
            lo = st + 1;
        }
    }
    return a[lo];
}

/* Keeps the k smallest hashes: theta becomes the (k+1)-th smallest. */
static void rebuild(vrv_theta *t)
{
    uint64_t *tmp = vrv_malloc((size_t)t->n * 8);
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->cap; i++)
        if (t->tab[i]) tmp[m++] = t->tab[i];
    if (m > t->k) t->theta = quickselect(tmp, m, t->k);
    free(tmp);
    retable(t, t->cap);
}

static void insert(vrv_theta *t, uint64_t h)
{
    if (h >= t->theta) return;
    if (VRV_UNLIKELY((t->n + 1) * 4 > t->cap * 3)) {
        if (t->cap < 2 * t->k) {
            retable(t, t->cap ? t->cap * 2 : 16);
        } else {
            rebuild(t);
            if (h >= t->theta) return;
        }
    }
    t->n += tab_insert(t->tab, t->cap, h);
}

void vrv_theta_add_hash(vrv_theta *t, uint64_t h)
{
    t->seen = true;
    h >>= 1;
    if (VRV_UNLIKELY(h == 0)) h = 1;
    insert(t, h);
}

void vrv_theta_merge(vrv_theta *dst, const vrv_theta *src)
{
    if (!src->seen) return;
    dst->seen = true;
    if (src->theta < dst->theta) {
        dst->theta = src->theta;
        if (dst->cap) retable(dst, dst->cap);
    }
    for (uint32_t i = 0; i < src->cap; i++)
        if (src->tab[i]) insert(dst, src->tab[i]);
}

static vrv_theta *setop(const vrv_theta *a, const vrv_theta *b, bool keep_common)
{
    vrv_theta *r = vrv_theta_new(a->k > b->k ? a->k : b->k);
    r->theta = a->theta < b->theta ? a->theta : b->theta;
    r->seen = keep_common ? (a->seen && b->seen) : a->seen;
    for (uint32_t i = 0; i < a->cap; i++) {
        uint64_t h = a->tab[i];
        if (!h || h >= r->theta) continue;
        if (tab_contains(b->tab, b->cap, h) == keep_common) insert(r, h);
    }
    return r;
}

vrv_theta *vrv_theta_intersect(const vrv_theta *a, const vrv_theta *b)
{
    return setop(a, b, true);
}

vrv_theta *vrv_theta_anotb(const vrv_theta *a, const vrv_theta *b)
{
    return setop(a, b, false);
}

/* The canonical (compact) view: at most k hashes and their theta. Beyond k
 * retained hashes it keeps the k smallest, with theta the (k+1)-th: a set
 * that does not depend on the order values arrived in or on when rebuilds
 * happened, so a merge of sketches answers exactly like the sketch of the
 * union. hashes (may be NULL) gets a malloc'd array the caller frees. */
static uint32_t compact_view(const vrv_theta *t, uint64_t **hashes, uint64_t *theta)
{
    uint64_t *tmp = vrv_malloc((size_t)(t->n ? t->n : 1) * 8);
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->cap; i++)
        if (t->tab[i]) tmp[m++] = t->tab[i];
    *theta = t->theta;
    if (m > t->k) {
        *theta = quickselect(tmp, m, t->k); /* tmp[0..k) are now the k smallest */
        m = t->k;
    }
    if (hashes) {
        *hashes = tmp;
    } else {
        free(tmp);
    }
    return m;
}

static double estimate_of(uint32_t n, uint64_t theta)
{
    if (theta == VRV_THETA_MAX) return (double)n;
    return (double)n / ((double)theta / (double)VRV_THETA_MAX);
}

double vrv_theta_estimate(const vrv_theta *t)
{
    uint64_t theta;
    uint32_t n = compact_view(t, NULL, &theta);
    return estimate_of(n, theta);
}

static double spread(uint32_t n, uint64_t theta, int num_std_dev)
{
    if (theta == VRV_THETA_MAX) return 0.0;
    double p = (double)theta / (double)VRV_THETA_MAX;
    return num_std_dev * sqrt((double)n * (1.0 - p)) / p;
}

double vrv_theta_lower_bound(const vrv_theta *t, int num_std_dev)
{
    uint64_t theta;
    uint32_t n = compact_view(t, NULL, &theta);
    double lb = estimate_of(n, theta) - spread(n, theta, num_std_dev);
    return lb < n ? (double)n : lb;
}

double vrv_theta_upper_bound(const vrv_theta *t, int num_std_dev)
{
    uint64_t theta;
    uint32_t n = compact_view(t, NULL, &theta);
    return estimate_of(n, theta) + spread(n, theta, num_std_dev);
}

size_t vrv_theta_mem_bytes(const vrv_theta *t)
{
    return sizeof *t + (size_t)t->cap * 8;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void vrv_theta_serialize(const vrv_theta *t, vrv_buf *out)
{
    vrv_put_u8(out, THETA_MAGIC);
    vrv_put_u8(out, THETA_VERSION);
    vrv_put_u8(out, (uint8_t)__builtin_ctz(t->k));
    vrv_put_u8(out, t->seen ? 1 : 0);
    uint64_t *tmp, theta;
    uint32_t m = compact_view(t, &tmp, &theta);
    vrv_put_u64(out, theta);
    vrv_put_u32(out, m);
    qsort(tmp, m, 8, cmp_u64);
    for (uint32_t i = 0; i < m; i++) vrv_put_u64(out, tmp[i]);
    free(tmp);
}

int vrv_theta_deserialize(const void *p, size_t n, vrv_theta **out)
{
    vrv_rd r = vrv_rd_make(p, n);
    uint8_t magic, ver, lgk, flags;
    uint64_t theta;
    uint32_t cnt;
    *out = NULL;
    if (!vrv_get_u8(&r, &magic) || !vrv_get_u8(&r, &ver) || !vrv_get_u8(&r, &lgk) ||
        !vrv_get_u8(&r, &flags) || !vrv_get_u64(&r, &theta) || !vrv_get_u32(&r, &cnt))
        return VRV_ECORRUPT;
    if (magic != THETA_MAGIC || ver != THETA_VERSION || lgk < VRV_THETA_MIN_LGK ||
        lgk > VRV_THETA_MAX_LGK || flags > 1 || theta == 0 || theta > VRV_THETA_MAX ||
        cnt > (UINT32_C(1) << lgk) || vrv_rd_left(&r) != (size_t)cnt * 8 ||
        (cnt && !flags))
        return VRV_ECORRUPT;
    vrv_theta *t = vrv_theta_new(UINT32_C(1) << lgk);
    t->theta = theta;
    t->seen = flags & 1;
    uint64_t prev = 0;
    for (uint32_t i = 0; i < cnt; i++) {
        uint64_t h = 0;
        vrv_get_u64(&r, &h);
        if (h <= prev || h >= theta) {
            vrv_theta_free(t);
            return VRV_ECORRUPT;
        }
        prev = h;
        insert(t, h);
    }
    *out = t;
    return 0;
}
