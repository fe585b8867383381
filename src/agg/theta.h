/*
 * theta.h — a theta (KMV) distinct-count sketch behind the `thetaSketch`
 * aggregator and the thetaSketchEstimate / thetaSketchSetOp post-aggregators.
 *
 * The sketch keeps the 63-bit hashes below theta. theta starts at 2^63, where
 * the sketch is exact: it holds every distinct hash, and the estimate is their
 * count. The hash table grows up to 2k slots (k = nominal entries, Druid's
 * `size`, a power of two, default 16384); when it is 3/4 full theta drops to
 * the (k+1)-th smallest retained hash and only the k smallest stay, as in
 * DataSketches' QuickSelect sketch. Estimates and the serialized form use the
 * compact view — the k smallest retained hashes with theta the (k+1)-th — so
 * every count up to k is exact, the answer does not depend on arrival order,
 * and a union of sketches equals the sketch of the union. Beyond k the
 * estimate is k / (theta / 2^63), relative standard error about 1/sqrt(k)
 * (0.8% at 16384).
 *
 * Union takes the smaller theta and the hashes below it from both sides;
 * intersection keeps hashes in both; A-not-B keeps hashes of A missing from B.
 * Error bounds use the normal approximation of the binomial
 * (estimate ± z·sqrt(n(1-p))/p with p = theta/2^63), not DataSketches' tables.
 *
 * Not thread safe. Every vrv_theta returned is owned by the caller
 * (vrv_theta_free).
 */
#ifndef VRV_AGG_THETA_H
#define VRV_AGG_THETA_H

#include "base/buf.h"
#include "base/vrv.h"

#define VRV_THETA_MAX (UINT64_C(1) << 63)
#define VRV_THETA_DEFAULT_K 16384
#define VRV_THETA_MIN_LGK 4
#define VRV_THETA_MAX_LGK 26

typedef struct vrv_theta {
    uint32_t k;      /* nominal entries, a power of two */
    uint64_t theta;  /* hashes >= theta are not retained; VRV_THETA_MAX: exact */
    uint32_t n;      /* retained hashes */
    uint32_t cap;    /* slots of tab, a power of two <= 2k (0 before first add) */
    uint64_t *tab;   /* open addressing; 0 marks an empty slot */
    bool seen;       /* an update or non-empty merge happened */
} vrv_theta;

/* k must be a power of two in [16, 2^26]. */
vrv_theta *vrv_theta_new(uint32_t k);
void vrv_theta_free(vrv_theta *t);
vrv_theta *vrv_theta_clone(const vrv_theta *t);

/* Adds a 64-bit value hash (the sketch uses its top 63 bits). */
void vrv_theta_add_hash(vrv_theta *t, uint64_t h);
/* dst becomes the union of dst and src (with dst's k). */
void vrv_theta_merge(vrv_theta *dst, const vrv_theta *src);
/* New sketches (caller frees) with k = the larger of the two. */
vrv_theta *vrv_theta_intersect(const vrv_theta *a, const vrv_theta *b);
vrv_theta *vrv_theta_anotb(const vrv_theta *a, const vrv_theta *b);

double vrv_theta_estimate(const vrv_theta *t);
double vrv_theta_lower_bound(const vrv_theta *t, int num_std_dev);
double vrv_theta_upper_bound(const vrv_theta *t, int num_std_dev);
bool vrv_theta_is_empty(const vrv_theta *t);
size_t vrv_theta_mem_bytes(const vrv_theta *t);

/* Serialized form, little-endian: u8 'T', u8 version (1), u8 lg2(k),
 * u8 flags (bit 0: seen), u64 theta, u32 n, n x u64 hashes ascending; the
 * compact view, so n <= k. */
void vrv_theta_serialize(const vrv_theta *t, vrv_buf *out);
/* Returns 0 with *out (caller frees) or VRV_ECORRUPT; never reads outside
 * [p, p+n). */
int vrv_theta_deserialize(const void *p, size_t n, vrv_theta **out);

#endif
