/*
 * hllsk.h — varve's HyperLogLog distinct-count sketch, behind the
 * `HLLSketchBuild` / `HLLSketchMerge` aggregators (and, through hll.h, behind
 * `hyperUnique` and `cardinality`).
 *
 * A sketch starts in SET mode: the distinct 64-bit hashes themselves, so its
 * estimate is the exact count (up to 64-bit hash collisions) — the counterpart
 * of DataSketches' LIST/SET coupon modes. When it holds more than
 * set_max hashes it turns into HLL mode: 2^lgK one-byte registers, estimated
 * with Ertl's improved raw estimator ("New cardinality estimation algorithms
 * for HyperLogLog sketches", 2017), which needs no empirical bias tables and
 * is unbiased from tiny to huge counts. Relative standard error in HLL mode is
 * about 1.04/sqrt(2^lgK): 1.6% at lgK 12, 0.8% at lgK 14.
 *
 * Hashes map to registers by their top lgK bits; the rank is one plus the
 * number of leading zeros of the remaining bits. This makes two sketches of
 * different lgK mergeable exactly (the larger one is folded down).
 *
 * tgtHllType (HLL_4/6/8) is kept and reported as Druid does, but registers are
 * always one byte here: the type changes neither accuracy nor results.
 *
 * Not thread safe. A sketch owns its arrays; vrv_hllsk_free releases them.
 */
#ifndef VRV_AGG_HLLSK_H
#define VRV_AGG_HLLSK_H

#include "base/buf.h"
#include "base/vrv.h"

#define VRV_HLLSK_MIN_LGK 4
#define VRV_HLLSK_MAX_LGK 21

/* Serialized-form family bytes, so a stored blob says what it is. */
#define VRV_HLLSK_FAMILY_SKETCH 0x48 /* 'H': HLLSketch */
#define VRV_HLLSK_FAMILY_UNIQUE 0x55 /* 'U': hyperUnique / cardinality */

typedef struct vrv_hllsk {
    uint8_t family;    /* VRV_HLLSK_FAMILY_* */
    uint8_t lgk;       /* log2 of the register count in HLL mode */
    uint8_t tgt;       /* 4, 6 or 8: Druid's tgtHllType, reported only */
    bool hll;          /* false: SET mode (exact), true: HLL registers */
    uint32_t set_max;  /* SET mode holds at most this many hashes */
    uint32_t set_n;    /* hashes in SET mode */
    uint32_t set_cap;  /* slots of set (power of two, 0 before first add) */
    uint64_t *set;     /* open addressing, 0 marks an empty slot */
    uint8_t *regs;     /* 2^lgk registers in HLL mode */
} vrv_hllsk;

/* Creates an empty sketch (no allocation until the first hash); the family
 * decides when SET mode ends. Free with vrv_hllsk_free. */
vrv_hllsk *vrv_hllsk_new(uint8_t family, int lgk, int tgt);
void vrv_hllsk_free(vrv_hllsk *s);
/* A deep copy, freed by the caller. */
vrv_hllsk *vrv_hllsk_clone(const vrv_hllsk *s);

/* Adds one 64-bit hash. */
void vrv_hllsk_add_hash(vrv_hllsk *s, uint64_t h);
/* Adds every distinct value src saw to dst (union). When both are in HLL mode
 * with different lgK the result takes the smaller lgK. */
void vrv_hllsk_merge(vrv_hllsk *dst, const vrv_hllsk *src);

double vrv_hllsk_estimate(const vrv_hllsk *s);
/* Bounds at numStdDev (1..3) standard errors; equal to the estimate in SET mode. */
double vrv_hllsk_lower_bound(const vrv_hllsk *s, int num_std_dev);
double vrv_hllsk_upper_bound(const vrv_hllsk *s, int num_std_dev);
bool vrv_hllsk_is_empty(const vrv_hllsk *s);

/* Heap bytes owned by the sketch plus the struct itself. */
size_t vrv_hllsk_mem_bytes(const vrv_hllsk *s);

/* Appends the serialized form to out:
 *   u8 family, u8 version (1), u8 lgk, u8 tgt, u8 mode (0 set, 1 hll),
 *   SET: u32 n, n x u64 hashes ascending; HLL: 2^lgk register bytes.
 * All integers little-endian. */
void vrv_hllsk_serialize(const vrv_hllsk *s, vrv_buf *out);
/* Parses a serialized sketch of the given family (0 accepts either). Returns
 * 0 with *out set (caller frees), or VRV_ECORRUPT on any malformed input; never
 * reads outside [p, p+n). */
int vrv_hllsk_deserialize(const void *p, size_t n, uint8_t family, vrv_hllsk **out);

/* Appends a human-readable summary (HLLSketchToString). */
void vrv_hllsk_to_string(const vrv_hllsk *s, vrv_buf *out);

#endif
