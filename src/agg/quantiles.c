/*
 * quantiles.c — the classic quantiles sketch of quantiles.h: base buffer,
 * zip-and-carry levels, union with k reduction, the sorted view behind
 * quantile/rank/CDF/PMF, and the serialized form.
 */
#include "agg/quantiles.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg/bytes.h"
#include "base/error.h"
#include "base/mem.h"
#include "base/numfmt.h"

#define QUANTILES_MAGIC   0x51
#define QUANTILES_VERSION 1
#define RNG_SEED          UINT64_C(0x9E3779B97F4A7C15)

vrv_quantiles *vrv_quantiles_new(uint32_t k)
{
    assert(k >= 2 && k <= VRV_QUANTILES_MAX_K && (k & (k - 1)) == 0);
    vrv_quantiles *q = vrv_calloc(1, sizeof *q);
    q->k = k;
    q->min = q->max = NAN;
    q->rng = RNG_SEED;
    return q;
}

void vrv_quantiles_free(vrv_quantiles *q)
{
    if (!q) return;
    free(q->base);
    free(q->levels);
    free(q);
}

vrv_quantiles *vrv_quantiles_clone(const vrv_quantiles *q)
{
    vrv_quantiles *c = vrv_memdup(q, sizeof *q);
    if (q->base) c->base = vrv_memdup(q->base, (size_t)q->base_cap * sizeof(double));
    if (q->levels) c->levels = vrv_memdup(q->levels, (size_t)q->nlevels * q->k * sizeof(double));
    return c;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static unsigned next_bit(vrv_quantiles *q)
{
    uint64_t x = q->rng;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    q->rng = x;
    return (unsigned)(x >> 63);
}

/* Keeps every other item of the sorted in[0..2m) in out[0..m). */
static void zip(vrv_quantiles *q, const double *in, uint32_t m, double *out)
{
    unsigned off = next_bit(q);
    for (uint32_t i = 0; i < m; i++) out[i] = in[2 * i + off];
}

static void merge_sorted(const double *a, const double *b, uint32_t m, double *out)
{
    uint32_t i = 0, j = 0, o = 0;
    while (i < m && j < m) out[o++] = a[i] <= b[j] ? a[i++] : b[j++];
    while (i < m) out[o++] = a[i++];
    while (j < m) out[o++] = b[j++];
}

static void ensure_levels(vrv_quantiles *q, uint32_t need)
{
    if (need <= q->nlevels) return;
    q->levels = vrv_realloc(q->levels, (size_t)need * q->k * sizeof(double));
    q->nlevels = need;
}

/* Adds k sorted items of weight 2^(lvl+1) at level lvl, carrying upward. */
static void propagate(vrv_quantiles *q, double *carry, uint32_t lvl)
{
    uint32_t k = q->k;
    double *tmp = NULL;
    for (;; lvl++) {
        ensure_levels(q, lvl + 1);
        double *level = q->levels + (size_t)lvl * k;
        if (!(q->bits >> lvl & 1)) {
            memcpy(level, carry, (size_t)k * sizeof(double));
            q->bits |= UINT64_C(1) << lvl;
            break;
        }
        if (!tmp) tmp = vrv_malloc((size_t)2 * k * sizeof(double));
        merge_sorted(level, carry, k, tmp);
        zip(q, tmp, k, carry);
        q->bits &= ~(UINT64_C(1) << lvl);
    }
    free(tmp);
}

static void note_minmax(vrv_quantiles *q, double lo, double hi)
{
    if (isnan(q->min) || lo < q->min) q->min = lo;
    if (isnan(q->max) || hi > q->max) q->max = hi;
}

void vrv_quantiles_update(vrv_quantiles *q, double x)
{
    if (isnan(x)) return;
    note_minmax(q, x, x);
    uint32_t full = 2 * q->k;
    if (q->base_n == q->base_cap) {
        uint32_t ncap = q->base_cap ? q->base_cap * 2 : 8;
        if (ncap > full) ncap = full;
        q->base = vrv_realloc(q->base, (size_t)ncap * sizeof(double));
        q->base_cap = ncap;
    }
    q->base[q->base_n++] = x;
    q->n++;
    if (q->base_n < full) return;
    qsort(q->base, full, sizeof(double), cmp_double);
    double *carry = vrv_malloc((size_t)q->k * sizeof(double));
    zip(q, q->base, q->k, carry);
    q->base_n = 0;
    propagate(q, carry, 0);
    free(carry);
}

/* Adds src's items to dst; requires src->k >= dst->k. */
static void merge_into(vrv_quantiles *dst, const vrv_quantiles *src)
{
    uint32_t k = dst->k, sk = src->k;
    for (uint32_t i = 0; i < src->base_n; i++) vrv_quantiles_update(dst, src->base[i]);
    if (!src->bits) return;
    /* each level of src is thinned by zipping log2(sk/k) times */
    uint32_t shift = (uint32_t)__builtin_ctz(sk) - (uint32_t)__builtin_ctz(k);
    double *a = vrv_malloc((size_t)sk * sizeof(double));
    double *b = vrv_malloc((size_t)sk * sizeof(double));
    for (uint32_t lvl = 0; lvl < 64; lvl++) {
        if (!(src->bits >> lvl & 1)) continue;
        memcpy(a, src->levels + (size_t)lvl * sk, (size_t)sk * sizeof(double));
        uint32_t m = sk;
        for (uint32_t s = 0; s < shift; s++) {
            m /= 2;
            zip(dst, a, m, b);
            double *t = a;
            a = b;
            b = t;
        }
        propagate(dst, a, lvl + shift);
        dst->n += (uint64_t)sk << (lvl + 1);
    }
    free(a);
    free(b);
    if (!isnan(src->min)) note_minmax(dst, src->min, src->max);
}

void vrv_quantiles_merge(vrv_quantiles *dst, const vrv_quantiles *src)
{
    if (src->n == 0) return;
    if (src->k < dst->k) {
        vrv_quantiles *r = vrv_quantiles_new(src->k);
        merge_into(r, dst);
        free(dst->base);
        free(dst->levels);
        *dst = *r;
        free(r);
    }
    merge_into(dst, src);
}

uint32_t vrv_quantiles_retained(const vrv_quantiles *q)
{
    return q->base_n + (uint32_t)__builtin_popcountll(q->bits) * q->k;
}

typedef struct witem {
    double v;
    uint64_t w;
} witem;

static int cmp_witem(const void *a, const void *b)
{
    return cmp_double(&((const witem *)a)->v, &((const witem *)b)->v);
}

/* The sorted view: items ascending with cumulative weights. Caller frees. */
static witem *sorted_view(const vrv_quantiles *q, uint32_t *count)
{
    uint32_t m = vrv_quantiles_retained(q), o = 0;
    witem *it = vrv_malloc((size_t)(m ? m : 1) * sizeof *it);
    for (uint32_t i = 0; i < q->base_n; i++) it[o++] = (witem){q->base[i], 1};
    for (uint32_t lvl = 0; lvl < 64; lvl++) {
        if (!(q->bits >> lvl & 1)) continue;
        for (uint32_t i = 0; i < q->k; i++)
            it[o++] = (witem){q->levels[(size_t)lvl * q->k + i], UINT64_C(2) << lvl};
    }
    qsort(it, o, sizeof *it, cmp_witem);
    uint64_t cum = 0;
    for (uint32_t i = 0; i < o; i++) {
        cum += it[i].w;
        it[i].w = cum;
    }
    *count = o;
    return it;
}

double vrv_quantiles_quantile(const vrv_quantiles *q, double fraction)
{
    if (q->n == 0 || isnan(fraction) || fraction < 0 || fraction > 1) return NAN;
    double nat = fraction * (double)q->n;
    if (q->n <= 10000000) nat = round(nat * 1e7) / 1e7;
    double want = ceil(nat);
    uint32_t m;
    witem *it = sorted_view(q, &m);
    double r = it[m - 1].v;
    for (uint32_t i = 0; i < m; i++) {
        if ((double)it[i].w >= want) {
            r = it[i].v;
            break;
        }
    }
    free(it);
    return r;
}

static double rank_in(const witem *it, uint32_t m, uint64_t n, double value)
{
    uint64_t w = 0;
    for (uint32_t i = 0; i < m && it[i].v <= value; i++) w = it[i].w;
    return (double)w / (double)n;
}

double vrv_quantiles_rank(const vrv_quantiles *q, double value)
{
    if (q->n == 0) return NAN;
    uint32_t m;
    witem *it = sorted_view(q, &m);
    double r = rank_in(it, m, q->n, value);
    free(it);
    return r;
}

void vrv_quantiles_cdf(const vrv_quantiles *q, const double *splits, size_t nsplit, double *out)
{
    if (q->n == 0) {
        for (size_t i = 0; i <= nsplit; i++) out[i] = NAN;
        return;
    }
    uint32_t m;
    witem *it = sorted_view(q, &m);
    for (size_t i = 0; i < nsplit; i++) out[i] = rank_in(it, m, q->n, splits[i]);
    out[nsplit] = 1.0;
    free(it);
}

void vrv_quantiles_pmf(const vrv_quantiles *q, const double *splits, size_t nsplit, double *out)
{
    vrv_quantiles_cdf(q, splits, nsplit, out);
    if (q->n == 0) return;
    for (size_t i = nsplit; i > 0; i--) out[i] -= out[i - 1];
}

size_t vrv_quantiles_mem_bytes(const vrv_quantiles *q)
{
    return sizeof *q + ((size_t)q->base_cap + (size_t)q->nlevels * q->k) * sizeof(double);
}

void vrv_quantiles_serialize(const vrv_quantiles *q, vrv_buf *out)
{
    vrv_put_u8(out, QUANTILES_MAGIC);
    vrv_put_u8(out, QUANTILES_VERSION);
    vrv_put_u8(out, 0);
    vrv_put_u8(out, 0);
    vrv_put_u32(out, q->k);
    vrv_put_u64(out, q->n);
    vrv_put_f64(out, q->min);
    vrv_put_f64(out, q->max);
    vrv_put_u32(out, q->base_n);
    for (uint32_t i = 0; i < q->base_n; i++) vrv_put_f64(out, q->base[i]);
    vrv_put_u64(out, q->bits);
    for (uint32_t lvl = 0; lvl < 64; lvl++) {
        if (!(q->bits >> lvl & 1)) continue;
        for (uint32_t i = 0; i < q->k; i++) vrv_put_f64(out, q->levels[(size_t)lvl * q->k + i]);
    }
}

int vrv_quantiles_deserialize(const void *p, size_t n, vrv_quantiles **out)
{
    vrv_rd r = vrv_rd_make(p, n);
    uint8_t magic, ver, pad1, pad2;
    uint32_t k, base_n;
    uint64_t cnt, bits = 0;
    double mn, mx;
    *out = NULL;
    if (!vrv_get_u8(&r, &magic) || !vrv_get_u8(&r, &ver) || !vrv_get_u8(&r, &pad1) ||
        !vrv_get_u8(&r, &pad2) || !vrv_get_u32(&r, &k) || !vrv_get_u64(&r, &cnt) ||
        !vrv_get_f64(&r, &mn) || !vrv_get_f64(&r, &mx) || !vrv_get_u32(&r, &base_n))
        return VRV_ECORRUPT;
    if (magic != QUANTILES_MAGIC || ver != QUANTILES_VERSION || pad1 || pad2 || k < 2 ||
        k > VRV_QUANTILES_MAX_K || (k & (k - 1)) || base_n >= 2 * k ||
        vrv_rd_left(&r) < (size_t)base_n * 8 + 8)
        return VRV_ECORRUPT;
    if (cnt == 0 ? !(isnan(mn) && isnan(mx)) : (isnan(mn) || isnan(mx) || mn > mx))
        return VRV_ECORRUPT;
    vrv_quantiles *q = vrv_quantiles_new(k);
    q->base_cap = 2 * k;
    q->base = vrv_malloc((size_t)q->base_cap * sizeof(double));
    for (uint32_t i = 0; i < base_n; i++) {
        double x = 0;
        vrv_get_f64(&r, &x);
        if (isnan(x) || x < mn || x > mx) goto bad;
        q->base[i] = x;
    }
    q->base_n = base_n;
    vrv_get_u64(&r, &bits);
    /* n must equal bits * 2k + base_n, without overflow */
    if (bits > (UINT64_MAX - base_n) / (2 * (uint64_t)k) || bits * 2 * k + base_n != cnt) goto bad;
    uint32_t nlev = bits ? 64 - (uint32_t)__builtin_clzll(bits) : 0;
    if (vrv_rd_left(&r) != (size_t)__builtin_popcountll(bits) * k * 8) goto bad;
    ensure_levels(q, nlev);
    for (uint32_t lvl = 0; lvl < nlev; lvl++) {
        if (!(bits >> lvl & 1)) continue;
        double prev = -INFINITY;
        for (uint32_t i = 0; i < k; i++) {
            double x = 0;
            vrv_get_f64(&r, &x);
            if (isnan(x) || x < prev || x < mn || x > mx) goto bad;
            prev = x;
            q->levels[(size_t)lvl * k + i] = x;
        }
    }
    q->bits = bits;
    q->n = cnt;
    q->min = mn;
    q->max = mx;
    *out = q;
    return 0;
bad:
    vrv_quantiles_free(q);
    return VRV_ECORRUPT;
}

void vrv_quantiles_to_string(const vrv_quantiles *q, vrv_buf *out)
{
    char mn[VRV_NUMFMT_MAX], mx[VRV_NUMFMT_MAX];
    vrv_fmt_double(q->min, mn);
    vrv_fmt_double(q->max, mx);
    vrv_buf_printf(out,
                   "\n### Quantiles HeapUpdateDoublesSketch SUMMARY: \n"
                   "   Empty                        : %s\n"
                   "   Estimation Mode              : %s\n"
                   "   K                            : %u\n"
                   "   N                            : %llu\n"
                   "   Levels (Total, Valid)        : %u, %d\n"
                   "   BaseBuffer Count             : %u\n"
                   "   Retained Items               : %u\n"
                   "   Min Item                     : %s\n"
                   "   Max Item                     : %s\n"
                   "### END SKETCH SUMMARY\n",
                   q->n ? "false" : "true", q->bits ? "true" : "false", q->k,
                   (unsigned long long)q->n, q->bits ? 64 - (unsigned)__builtin_clzll(q->bits) : 0,
                   __builtin_popcountll(q->bits), q->base_n, vrv_quantiles_retained(q), mn, mx);
}
