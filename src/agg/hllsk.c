/*
 * hllsk.c — the HyperLogLog sketch of hllsk.h: exact SET mode, one-byte HLL
 * registers, Ertl's improved estimator, lgK folding for unions, and the
 * serialized form.
 */
#include "agg/hllsk.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "agg/bytes.h"
#include "base/error.h"
#include "base/mem.h"
#include "base/numfmt.h"

#define HLLSK_VERSION 1

vrv_hllsk *vrv_hllsk_new(uint8_t family, int lgk, int tgt)
{
    assert(lgk >= VRV_HLLSK_MIN_LGK && lgk <= VRV_HLLSK_MAX_LGK);
    vrv_hllsk *s = vrv_calloc(1, sizeof *s);
    s->family = family;
    s->lgk = (uint8_t)lgk;
    s->tgt = (uint8_t)tgt;
    /* SET mode costs 8 bytes a hash against 1 byte a register in HLL mode:
     * HLLSketch switches at 2^lgk/4 hashes like DataSketches' coupon modes;
     * hyperUnique stays exact a little longer (1536 at lgk 14). */
    s->set_max = family == VRV_HLLSK_FAMILY_UNIQUE ? (1u << lgk) * 3 / 32 : (1u << lgk) / 4;
    return s;
}

void vrv_hllsk_free(vrv_hllsk *s)
{
    if (!s) return;
    free(s->set);
    free(s->regs);
    free(s);
}

vrv_hllsk *vrv_hllsk_clone(const vrv_hllsk *s)
{
    vrv_hllsk *c = vrv_memdup(s, sizeof *s);
    if (s->set) c->set = vrv_memdup(s->set, (size_t)s->set_cap * 8);
    if (s->regs) c->regs = vrv_memdup(s->regs, (size_t)1 << s->lgk);
    return c;
}

bool vrv_hllsk_is_empty(const vrv_hllsk *s)
{
    return !s->hll && s->set_n == 0;
}

/* ---- SET mode ----------------------------------------------------------- */

static bool set_insert(uint64_t *tab, uint32_t cap, uint64_t h)
{
    uint32_t mask = cap - 1;
    uint32_t i = (uint32_t)(h ^ (h >> 32)) & mask;
    while (tab[i]) {
        if (tab[i] == h) return false;
        i = (i + 1) & mask;
    }
    tab[i] = h;
    return true;
}

static bool set_contains(const uint64_t *tab, uint32_t cap, uint64_t h)
{
    uint32_t mask = cap - 1;
    uint32_t i = (uint32_t)(h ^ (h >> 32)) & mask;
    while (tab[i]) {
        if (tab[i] == h) return true;
        i = (i + 1) & mask;
    }
    return false;
}

static void set_grow(vrv_hllsk *s)
{
    uint32_t ncap = s->set_cap ? s->set_cap * 2 : 16;
    uint64_t *nt = vrv_calloc(ncap, 8);
    for (uint32_t i = 0; i < s->set_cap; i++)
        if (s->set[i]) set_insert(nt, ncap, s->set[i]);
    free(s->set);
    s->set = nt;
    s->set_cap = ncap;
}

/* ---- HLL mode ----------------------------------------------------------- */

static inline void reg_update(uint8_t *regs, int lgk, uint64_t h)
{
    uint32_t idx = (uint32_t)(h >> (64 - lgk));
    uint64_t w = h << lgk;
    int q = 64 - lgk;
    int rank = w ? __builtin_clzll(w) + 1 : q + 1;
    if (rank > q + 1) rank = q + 1;
    if (regs[idx] < rank) regs[idx] = (uint8_t)rank;
}

static void to_hll(vrv_hllsk *s)
{
    s->regs = vrv_calloc((size_t)1 << s->lgk, 1);
    for (uint32_t i = 0; i < s->set_cap; i++)
        if (s->set[i]) reg_update(s->regs, s->lgk, s->set[i]);
    free(s->set);
    s->set = NULL;
    s->set_cap = s->set_n = 0;
    s->hll = true;
}

void vrv_hllsk_add_hash(vrv_hllsk *s, uint64_t h)
{
    if (VRV_UNLIKELY(h == 0)) h = 1; /* 0 marks an empty set slot */
    if (s->hll) {
        reg_update(s->regs, s->lgk, h);
        return;
    }
    if (VRV_UNLIKELY((s->set_n + 1) * 4 > s->set_cap * 3)) {
        if (s->set_n >= s->set_max) {
            /* full: a new hash ends SET mode without growing the table first */
            if (set_contains(s->set, s->set_cap, h)) return;
            to_hll(s);
            reg_update(s->regs, s->lgk, h);
            return;
        }
        set_grow(s);
    }
    if (set_insert(s->set, s->set_cap, h) && ++s->set_n > s->set_max) to_hll(s);
}

/* Folds HLL registers of lgk `from` down to lgk `to` (< from): a register's
 * dropped index bits become the leading bits of the rank's word. */
static uint8_t *fold_regs(const uint8_t *regs, int from, int to)
{
    uint8_t *out = vrv_calloc((size_t)1 << to, 1);
    int d = from - to;
    int qmax = 64 - to + 1;
    size_t m = (size_t)1 << from;
    for (size_t i = 0; i < m; i++) {
        if (!regs[i]) continue;
        uint32_t low = (uint32_t)(i & (((size_t)1 << d) - 1));
        int rank;
        if (low) {
            rank = __builtin_clz(low) - (32 - d) + 1;
        } else {
            rank = d + regs[i];
        }
        if (rank > qmax) rank = qmax;
        size_t j = i >> d;
        if (out[j] < rank) out[j] = (uint8_t)rank;
    }
    return out;
}

static void downsample(vrv_hllsk *s, int lgk)
{
    assert(s->hll && lgk < s->lgk);
    uint8_t *n = fold_regs(s->regs, s->lgk, lgk);
    free(s->regs);
    s->regs = n;
    s->lgk = (uint8_t)lgk;
}

void vrv_hllsk_merge(vrv_hllsk *dst, const vrv_hllsk *src)
{
    if (!src->hll) {
        for (uint32_t i = 0; i < src->set_cap; i++)
            if (src->set[i]) vrv_hllsk_add_hash(dst, src->set[i]);
        return;
    }
    if (!dst->hll) {
        /* keep the destination's hashes; they are re-added after the switch */
        uint64_t *set = dst->set;
        uint32_t cap = dst->set_cap;
        dst->set = NULL;
        dst->set_cap = dst->set_n = 0;
        if (src->lgk < dst->lgk) dst->lgk = src->lgk;
        dst->regs = vrv_calloc((size_t)1 << dst->lgk, 1);
        dst->hll = true;
        for (uint32_t i = 0; i < cap; i++)
            if (set[i]) reg_update(dst->regs, dst->lgk, set[i]);
        free(set);
    } else if (src->lgk < dst->lgk) {
        downsample(dst, src->lgk);
    }
    size_t m = (size_t)1 << dst->lgk;
    if (src->lgk == dst->lgk) {
        for (size_t i = 0; i < m; i++)
            if (dst->regs[i] < src->regs[i]) dst->regs[i] = src->regs[i];
    } else {
        uint8_t *f = fold_regs(src->regs, src->lgk, dst->lgk);
        for (size_t i = 0; i < m; i++)
            if (dst->regs[i] < f[i]) dst->regs[i] = f[i];
        free(f);
    }
}

/* Ertl 2017, algorithm 6 helpers. */
static double ertl_sigma(double x)
{
    if (x == 1.0) return INFINITY;
    double y = 1.0, z = x, zold;
    do {
        x *= x;
        zold = z;
        z += x * y;
        y += y;
    } while (z != zold);
    return z;
}

static double ertl_tau(double x)
{
    if (x == 0.0 || x == 1.0) return 0.0;
    double y = 1.0, z = 1.0 - x, zold;
    do {
        x = sqrt(x);
        zold = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
    } while (z != zold);
    return z / 3.0;
}

static double hll_estimate(const uint8_t *regs, int lgk)
{
    int q = 64 - lgk;
    uint32_t c[66] = {0};
    size_t m = (size_t)1 << lgk;
    for (size_t i = 0; i < m; i++) c[regs[i]]++;
    double md = (double)m;
    double z = md * ertl_tau(1.0 - c[q + 1] / md);
    for (int k = q; k >= 1; k--) z = 0.5 * (z + c[k]);
    z += md * ertl_sigma(c[0] / md);
    return (0.5 / log(2.0)) * md * md / z;
}

double vrv_hllsk_estimate(const vrv_hllsk *s)
{
    if (!s->hll) return (double)s->set_n;
    return hll_estimate(s->regs, s->lgk);
}

static double rse(const vrv_hllsk *s)
{
    return 1.04 / sqrt((double)((size_t)1 << s->lgk));
}

double vrv_hllsk_lower_bound(const vrv_hllsk *s, int num_std_dev)
{
    double e = vrv_hllsk_estimate(s);
    if (!s->hll) return e;
    return e / (1.0 + num_std_dev * rse(s));
}

double vrv_hllsk_upper_bound(const vrv_hllsk *s, int num_std_dev)
{
    double e = vrv_hllsk_estimate(s);
    if (!s->hll) return e;
    double f = 1.0 - num_std_dev * rse(s);
    return e / (f > 0.01 ? f : 0.01);
}

size_t vrv_hllsk_mem_bytes(const vrv_hllsk *s)
{
    size_t b = sizeof *s + (size_t)s->set_cap * 8;
    if (s->regs) b += (size_t)1 << s->lgk;
    return b;
}

/* ---- serialized form ---------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void vrv_hllsk_serialize(const vrv_hllsk *s, vrv_buf *out)
{
    vrv_put_u8(out, s->family);
    vrv_put_u8(out, HLLSK_VERSION);
    vrv_put_u8(out, s->lgk);
    vrv_put_u8(out, s->tgt);
    vrv_put_u8(out, s->hll ? 1 : 0);
    if (s->hll) {
        vrv_buf_append(out, s->regs, (size_t)1 << s->lgk);
        return;
    }
    vrv_put_u32(out, s->set_n);
    uint64_t *tmp = vrv_malloc((size_t)(s->set_n ? s->set_n : 1) * 8);
    uint32_t k = 0;
    for (uint32_t i = 0; i < s->set_cap; i++)
        if (s->set[i]) tmp[k++] = s->set[i];
    qsort(tmp, k, 8, cmp_u64);
    for (uint32_t i = 0; i < k; i++) vrv_put_u64(out, tmp[i]);
    free(tmp);
}

int vrv_hllsk_deserialize(const void *p, size_t n, uint8_t family, vrv_hllsk **out)
{
    vrv_rd r = vrv_rd_make(p, n);
    uint8_t fam, ver, lgk, tgt, mode;
    *out = NULL;
    if (!vrv_get_u8(&r, &fam) || !vrv_get_u8(&r, &ver) || !vrv_get_u8(&r, &lgk) ||
        !vrv_get_u8(&r, &tgt) || !vrv_get_u8(&r, &mode))
        return VRV_ECORRUPT;
    if ((fam != VRV_HLLSK_FAMILY_SKETCH && fam != VRV_HLLSK_FAMILY_UNIQUE) ||
        (family && fam != family) || ver != HLLSK_VERSION || lgk < VRV_HLLSK_MIN_LGK ||
        lgk > VRV_HLLSK_MAX_LGK || (tgt != 4 && tgt != 6 && tgt != 8) || mode > 1)
        return VRV_ECORRUPT;
    vrv_hllsk *s = vrv_hllsk_new(fam, lgk, tgt);
    if (mode == 1) {
        const uint8_t *regs;
        size_t m = (size_t)1 << lgk;
        if (vrv_rd_left(&r) != m || !vrv_get_bytes(&r, m, &regs)) goto bad;
        for (size_t i = 0; i < m; i++)
            if (regs[i] > 65 - lgk) goto bad;
        s->regs = vrv_memdup(regs, m);
        s->hll = true;
    } else {
        uint32_t cnt;
        if (!vrv_get_u32(&r, &cnt) || cnt > s->set_max || vrv_rd_left(&r) != (size_t)cnt * 8)
            goto bad;
        uint64_t prev = 0;
        for (uint32_t i = 0; i < cnt; i++) {
            uint64_t h = 0;
            vrv_get_u64(&r, &h);
            if (h <= prev) goto bad; /* ascending, distinct, non-zero */
            prev = h;
            vrv_hllsk_add_hash(s, h);
        }
    }
    *out = s;
    return 0;
bad:
    vrv_hllsk_free(s);
    return VRV_ECORRUPT;
}

static const char *tgt_name(int tgt)
{
    return tgt == 6 ? "HLL_6" : tgt == 8 ? "HLL_8" : "HLL_4";
}

void vrv_hllsk_to_string(const vrv_hllsk *s, vrv_buf *out)
{
    char lb[VRV_NUMFMT_MAX], est[VRV_NUMFMT_MAX], ub[VRV_NUMFMT_MAX];
    vrv_fmt_double(vrv_hllsk_lower_bound(s, 1), lb);
    vrv_fmt_double(vrv_hllsk_estimate(s), est);
    vrv_fmt_double(vrv_hllsk_upper_bound(s, 1), ub);
    vrv_buf_printf(out,
                   "### HLL SKETCH SUMMARY: \n"
                   "  Log Config K   : %d\n"
                   "  Hll Target     : %s\n"
                   "  Current Mode   : %s\n"
                   "  LB             : %s\n"
                   "  Estimate       : %s\n"
                   "  UB             : %s\n",
                   s->lgk, tgt_name(s->tgt), s->hll ? "HLL" : (s->set_n <= 8 ? "LIST" : "SET"),
                   lb, est, ub);
    if (!s->hll) vrv_buf_printf(out, "  Coupon Count   : %u\n", s->set_n);
}
