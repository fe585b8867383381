/*
 * quantiles.h — the classic mergeable quantiles sketch (Agarwal et al.,
 * "Mergeable Summaries", as DataSketches' DoublesSketch implements it) behind
 * the `quantilesDoublesSketch` aggregator and its post-aggregators.
 *
 * Items go to a base buffer of 2k; a full buffer is sorted and every other
 * item (a random offset of 0 or 1) is carried to level 0 with weight 2; two
 * full levels merge and carry upwards the same way, so level i holds k sorted
 * items of weight 2^(i+1) exactly when bit i of n/(2k) is set. While n < 2k
 * every item is kept and every answer is exact. The zip offset comes from a
 * per-sketch xorshift generator with a fixed seed, so results are
 * reproducible run to run.
 *
 * Queries follow DataSketches' INCLUSIVE search criteria (its default):
 *   quantile(r): the smallest retained item whose cumulative weight is
 *     >= ceil(r * n) (r*n rounded to 1e-7 first when n <= 1e7);
 *   rank(x): total weight of items <= x, divided by n;
 *   cdf(splits): rank of each split point, then 1.0; pmf: its differences.
 * An empty sketch answers NaN. NaN inputs are ignored, as DataSketches does.
 *
 * Not thread safe. Sketches returned are owned by the caller
 * (vrv_quantiles_free).
 */
#ifndef VRV_AGG_QUANTILES_H
#define VRV_AGG_QUANTILES_H

#include "base/buf.h"
#include "base/vrv.h"

#define VRV_QUANTILES_DEFAULT_K 128
#define VRV_QUANTILES_MAX_K     32768

typedef struct vrv_quantiles {
    uint32_t k;          /* power of two in [2, 32768] */
    uint64_t n;          /* items seen */
    double min, max;     /* NaN while empty */
    double *base;        /* base buffer, unsorted, base_n < 2k items */
    uint32_t base_n, base_cap;
    double *levels;      /* nlevels x k items; level i valid when bit i of bits */
    uint32_t nlevels;
    uint64_t bits;       /* n / (2k): which levels hold items */
    uint64_t rng;        /* xorshift64 state for zip offsets */
} vrv_quantiles;

/* k must be a power of two in [2, 32768]. */
vrv_quantiles *vrv_quantiles_new(uint32_t k);
void vrv_quantiles_free(vrv_quantiles *q);
vrv_quantiles *vrv_quantiles_clone(const vrv_quantiles *q);

void vrv_quantiles_update(vrv_quantiles *q, double x);
/* dst becomes the union; if src has a smaller k, dst is first reduced to it. */
void vrv_quantiles_merge(vrv_quantiles *dst, const vrv_quantiles *src);

static inline bool vrv_quantiles_is_empty(const vrv_quantiles *q)
{
    return q->n == 0;
}
double vrv_quantiles_quantile(const vrv_quantiles *q, double fraction);
double vrv_quantiles_rank(const vrv_quantiles *q, double value);
/* Fills out[0..nsplit] (nsplit+1 values). Split points must be strictly
 * increasing and not NaN (checked by the caller). */
void vrv_quantiles_cdf(const vrv_quantiles *q, const double *splits, size_t nsplit, double *out);
void vrv_quantiles_pmf(const vrv_quantiles *q, const double *splits, size_t nsplit, double *out);
uint32_t vrv_quantiles_retained(const vrv_quantiles *q);
size_t vrv_quantiles_mem_bytes(const vrv_quantiles *q);

/* Serialized form, little-endian: u8 'Q', u8 version (1), u16 pad 0, u32 k,
 * u64 n, f64 min, f64 max, u32 base_n, base_n x f64, u64 bits, then k x f64
 * for each set bit of bits, lowest level first. */
void vrv_quantiles_serialize(const vrv_quantiles *q, vrv_buf *out);
/* Returns 0 with *out (caller frees) or VRV_ECORRUPT; never reads outside
 * [p, p+n). */
int vrv_quantiles_deserialize(const void *p, size_t n, vrv_quantiles **out);

/* Appends a human-readable summary (quantilesDoublesSketchToString). */
void vrv_quantiles_to_string(const vrv_quantiles *q, vrv_buf *out);

#endif
