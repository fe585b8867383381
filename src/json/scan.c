/*
 * scan.c — the JSON event scanner (scan.h): plan compilation (a trie of wanted
 * keys and array indexes, one small hash table per object level), the
 * validating single-pass walk that fills slots, the skip paths for unwanted
 * values, and the small arena tree (vrv_jnode) used by complex expressions.
 *
 * Speed comes from never building anything for what is not wanted: an unwanted
 * string is one vectorised search for its closing quote (SSE2 where the
 * compiler targets it, a table-driven loop elsewhere), an unwanted number is a
 * grammar check, and a wanted string without escapes is a slice of the input.
 * Jackson's lenient parser features are handled only on the paths where the
 * strict grammar would have failed, so they cost nothing when off.
 */
#include "json/scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/mem.h"
#include "base/numfmt.h"
#include "json/jwriter.h"
#include "json/utf8.h"

/* ------------------------------------------------------------------------ */
/* Plan                                                                      */

typedef struct kent {
    uint64_t h;
    uint64_t a, b;   /* the words khash read: keys of up to 16 bytes compare without memcmp */
    const char *key; /* NULL: empty table entry */
    uint32_t len;
    uint32_t child;
} kent;

typedef struct ient {
    uint32_t index;
    uint32_t child;
} ient;

typedef struct u32vec {
    uint32_t *v;
    uint32_t n, cap;
} u32vec;

typedef struct pnode {
    u32vec vslots; /* VRV_SCAN_VALUE slots fed by this node */
    u32vec rslots; /* VRV_SCAN_RAW slots */
    u32vec reset;  /* every slot fed by a strict descendant */
    kent *ktab;    /* key children, open addressing, 1 << kbits entries */
    uint32_t kbits, nkeys;
    ient *itab; /* index children, sorted by index */
    uint32_t nidx, icap;
} pnode;

struct vrv_scan_plan {
    unsigned features;
    pnode *nodes; /* nodes[0] is the root object */
    size_t nnodes, cap;
    size_t nslots;
    vrv_arena keys; /* copies of the keys */
};

static void u32_add(u32vec *v, uint32_t x)
{
    for (uint32_t i = 0; i < v->n; i++)
        if (v->v[i] == x) return;
    if (v->n == v->cap) {
        v->cap = v->cap ? 2 * v->cap : 4;
        v->v = vrv_realloc(v->v, v->cap * sizeof *v->v);
    }
    v->v[v->n++] = x;
}

static void u32_del(u32vec *v, uint32_t x)
{
    for (uint32_t i = 0; i < v->n; i++)
        if (v->v[i] == x) {
            v->v[i] = v->v[--v->n];
            return;
        }
}

/* The words a key is hashed and compared by: its first and last (up to) eight
 * bytes. Together with the length they are the whole key when it has at most
 * 16 bytes, which is nearly every field name. */
static inline void kwords(const unsigned char *k, size_t n, uint64_t *a, uint64_t *b)
{
    *a = *b = 0;
    if (n >= 8) {
        memcpy(a, k, 8);
        memcpy(b, k + n - 8, 8);
    } else if (n >= 4) {
        uint32_t x, y;
        memcpy(&x, k, 4);
        memcpy(&y, k + n - 4, 4);
        *a = x;
        *b = y;
    } else if (n > 0) {
        *a = (uint64_t)k[0] | (uint64_t)k[n / 2] << 8 | (uint64_t)k[n - 1] << 16;
    }
}

static inline uint64_t khash_words(uint64_t a, uint64_t b, size_t n)
{
    uint64_t h = (a ^ (b * 0x9E3779B97F4A7C15ULL) ^ n) * 0xC2B2AE3D27D4EB4FULL;
    return h ^ (h >> 29);
}

static inline uint64_t khash(const unsigned char *k, size_t n)
{
    uint64_t a, b;
    kwords(k, n, &a, &b);
    return khash_words(a, b, n);
}

static inline const kent *klookup(const pnode *nd, const unsigned char *k, size_t n)
{
    uint64_t a, b;
    kwords(k, n, &a, &b);
    uint64_t h = khash_words(a, b, n);
    uint32_t mask = (1u << nd->kbits) - 1;
    for (uint32_t i = (uint32_t)(h >> 40) & mask;; i = (i + 1) & mask) {
        const kent *e = &nd->ktab[i];
        if (!e->key) return NULL;
        if (e->a == a && e->b == b && e->len == n && (n <= 16 || memcmp(e->key, k, n) == 0))
            return e;
    }
}

static void kinsert(kent *tab, uint32_t bits, kent e)
{
    uint32_t mask = (1u << bits) - 1;
    uint32_t i = (uint32_t)(e.h >> 40) & mask;
    while (tab[i].key) i = (i + 1) & mask;
    tab[i] = e;
}

static uint32_t new_node(vrv_scan_plan *p)
{
    if (p->nnodes == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 8;
        p->nodes = vrv_realloc(p->nodes, p->cap * sizeof *p->nodes);
    }
    memset(&p->nodes[p->nnodes], 0, sizeof p->nodes[0]);
    return (uint32_t)p->nnodes++;
}

static uint32_t key_child(vrv_scan_plan *p, uint32_t node, const char *key, size_t len)
{
    pnode *nd = &p->nodes[node];
    if (nd->ktab) {
        const kent *e = klookup(nd, (const unsigned char *)key, len);
        if (e) return e->child;
    }
    uint32_t child = new_node(p);
    nd = &p->nodes[node]; /* new_node may move the array */
    if (!nd->ktab || 2 * (nd->nkeys + 1) > (1u << nd->kbits)) {
        uint32_t bits = nd->kbits ? nd->kbits + 1 : 3;
        kent *tab = vrv_calloc((size_t)1 << bits, sizeof *tab);
        for (uint32_t i = 0; nd->ktab && i < (1u << nd->kbits); i++)
            if (nd->ktab[i].key) kinsert(tab, bits, nd->ktab[i]);
        free(nd->ktab);
        nd->ktab = tab;
        nd->kbits = bits;
    }
    kent e = {0};
    kwords((const unsigned char *)key, len, &e.a, &e.b);
    e.h = khash_words(e.a, e.b, len);
    e.key = vrv_arena_memdup(&p->keys, key, len ? len : 1);
    e.len = (uint32_t)len;
    e.child = child;
    kinsert(nd->ktab, nd->kbits, e);
    nd->nkeys++;
    return child;
}

static uint32_t index_child(vrv_scan_plan *p, uint32_t node, uint32_t index)
{
    pnode *nd = &p->nodes[node];
    uint32_t i = 0;
    while (i < nd->nidx && nd->itab[i].index < index) i++;
    if (i < nd->nidx && nd->itab[i].index == index) return nd->itab[i].child;
    uint32_t child = new_node(p);
    nd = &p->nodes[node];
    if (nd->nidx == nd->icap) {
        nd->icap = nd->icap ? 2 * nd->icap : 4;
        nd->itab = vrv_realloc(nd->itab, nd->icap * sizeof *nd->itab);
    }
    memmove(&nd->itab[i + 1], &nd->itab[i], (nd->nidx - i) * sizeof *nd->itab);
    nd->itab[i] = (ient){index, child};
    nd->nidx++;
    return child;
}

vrv_scan_plan *vrv_scan_plan_new(unsigned features)
{
    vrv_scan_plan *p = vrv_calloc(1, sizeof *p);
    p->features = features;
    vrv_arena_init(&p->keys, 4096);
    new_node(p);
    return p;
}

void vrv_scan_plan_free(vrv_scan_plan *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nnodes; i++) {
        pnode *nd = &p->nodes[i];
        free(nd->vslots.v);
        free(nd->rslots.v);
        free(nd->reset.v);
        free(nd->ktab);
        free(nd->itab);
    }
    free(p->nodes);
    vrv_arena_destroy(&p->keys);
    free(p);
}

int vrv_scan_plan_add(vrv_scan_plan *p, const vrv_scan_step *steps, size_t n, uint32_t slot,
                      int mode)
{
    if (n == 0 || !steps[0].key || (mode != VRV_SCAN_VALUE && mode != VRV_SCAN_RAW))
        return VRV_EINVAL;
    /* A slot belongs to one path: forget an earlier use. */
    for (size_t i = 0; i < p->nnodes; i++) {
        u32_del(&p->nodes[i].vslots, slot);
        u32_del(&p->nodes[i].rslots, slot);
        u32_del(&p->nodes[i].reset, slot);
    }
    uint32_t path[64];
    if (n > VRV_ARRAY_LEN(path)) return VRV_EINVAL;
    uint32_t node = 0;
    for (size_t i = 0; i < n; i++) {
        path[i] = node;
        node = steps[i].key ? key_child(p, node, steps[i].key, steps[i].len)
                            : index_child(p, node, steps[i].index);
    }
    pnode *nd = &p->nodes[node];
    u32_add(mode == VRV_SCAN_VALUE ? &nd->vslots : &nd->rslots, slot);
    /* Ancestors below the root reset this slot when their value is seen again
     * (a duplicate key): the last occurrence wins, also for what it lacks. */
    for (size_t i = 1; i < n; i++) u32_add(&p->nodes[path[i]].reset, slot);
    if (slot + 1 > p->nslots) p->nslots = slot + 1;
    return VRV_OK;
}

int vrv_scan_plan_add_root(vrv_scan_plan *p, const char *key, size_t len, uint32_t slot, int mode)
{
    vrv_scan_step st = {key, len, 0};
    return vrv_scan_plan_add(p, &st, 1, slot, mode);
}

size_t vrv_scan_plan_nslots(const vrv_scan_plan *p)
{
    return p->nslots;
}

unsigned vrv_scan_plan_features(const vrv_scan_plan *p)
{
    return p->features;
}

void vrv_scan_out_free(vrv_scan_out *o)
{
    free(o->names);
    free(o->vals);
    o->names = NULL;
    o->vals = NULL;
    o->nfields = o->cap = 0;
}

/* ------------------------------------------------------------------------ */
/* Tokens                                                                    */

typedef struct sc {
    const unsigned char *p, *end, *base;
    unsigned feat;
    vrv_arena *arena; /* NULL when only validating */
    vrv_value *slots;
    const vrv_scan_plan *plan;
    vrv_error *err;
    const unsigned char *errat; /* where the error was found */
} sc;

#define ANY_COMMENTS (VRV_SCAN_ALLOW_COMMENTS | VRV_SCAN_ALLOW_YAML_COMMENTS)

static int fail(sc *s, const unsigned char *at, const char *what)
{
    s->errat = at;
    return vrv_error_set(s->err, VRV_EINVAL, "byte %zu: %s", (size_t)(at - s->base), what);
}

static int unexpected(sc *s, const unsigned char *at, const char *expected)
{
    size_t off = (size_t)(at - s->base);
    s->errat = at;
    if (at >= s->end)
        return vrv_error_set(s->err, VRV_EINVAL, "byte %zu: unexpected end of input, expected %s",
                             off, expected);
    unsigned c = *at;
    if (c > 0x20 && c < 0x7f)
        return vrv_error_set(s->err, VRV_EINVAL, "byte %zu: unexpected character '%c', expected %s",
                             off, (char)c, expected);
    return vrv_error_set(s->err, VRV_EINVAL, "byte %zu: unexpected byte 0x%02X, expected %s", off,
                         c, expected);
}

static int comment(sc *s)
{
    const unsigned char *p = s->p, *e = s->end;
    if (*p == '#') {
        if (!(s->feat & VRV_SCAN_ALLOW_YAML_COMMENTS)) return unexpected(s, p, "a value");
        while (p < e && *p != '\n' && *p != '\r') p++;
        s->p = p;
        return 0;
    }
    /* '/' */
    if (!(s->feat & VRV_SCAN_ALLOW_COMMENTS)) return unexpected(s, p, "a value");
    if (e - p < 2) return unexpected(s, p + 1, "'*' or '/' after '/'");
    if (p[1] == '/') {
        p += 2;
        while (p < e && *p != '\n' && *p != '\r') p++;
    } else if (p[1] == '*') {
        const unsigned char *q = p + 2;
        for (;;) {
            if (e - q < 2) return fail(s, p, "unterminated comment");
            if (q[0] == '*' && q[1] == '/') break;
            q++;
        }
        p = q + 2;
    } else {
        return unexpected(s, p + 1, "'*' or '/' after '/'");
    }
    s->p = p;
    return 0;
}

static int ws_slow(sc *s)
{
    for (;;) {
        while (s->p < s->end &&
               (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
            s->p++;
        if (s->p < s->end && (s->feat & ANY_COMMENTS) && (*s->p == '/' || *s->p == '#')) {
            int rc = comment(s);
            if (rc) return rc;
            continue;
        }
        return 0;
    }
}

/* Skips whitespace (and comments when allowed). Compact JSON has none, so the
 * common case is one compare. */
static inline int ws(sc *s)
{
    if (VRV_LIKELY(s->p < s->end && *s->p > ' ' && !(s->feat & ANY_COMMENTS))) return 0;
    return ws_slow(s);
}

/* Bytes that stop the scan of a double-quoted string. */
static const uint8_t str_stop[256] = {
    [0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x80 ... 0xff] = 1,
};

static inline int hexval(unsigned c)
{
    if (c - '0' < 10) return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6) return (int)(c - 'a' + 10);
    return -1;
}

static inline int hex4(const unsigned char *p)
{
    int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]), d = hexval(p[3]);
    if ((a | b | c | d) < 0) return -1;
    return a << 12 | b << 8 | c << 4 | d;
}

/* p at a backslash inside a string quoted by q: the escape's length in bytes,
 * or <0 with the error set. */
static int escape_len(sc *s, const unsigned char *p)
{
    if (s->end - p < 2) return fail(s, p, "unterminated string");
    unsigned c = p[1];
    switch (c) {
    case '"':
    case '\\':
    case '/':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't': return 2;
    case 'u':
        if (s->end - p < 6 || hex4(p + 2) < 0)
            return fail(s, p, "invalid \\u escape: expected four hex digits");
        return 6;
    default: break;
    }
    /* Jackson accepts \' when single quotes are allowed, anything when asked to */
    if (!(s->feat & VRV_SCAN_ALLOW_BACKSLASH_ESCAPING_ANY) &&
        !(c == '\'' && (s->feat & VRV_SCAN_ALLOW_SINGLE_QUOTES)))
        return fail(s, p, "invalid escape sequence in a string");
    if (c < 0x80) return 2;
    int k = vrv_utf8_seq(p + 1, (size_t)(s->end - p - 1));
    if (k < 0) return fail(s, p + 1, "invalid UTF-8 in a string");
    return 1 + k;
}

/* s->p at the opening quote (q is '"' or '\''). On success s->p is past the
 * closing quote and [*b, *b + *n) is the content; *esc tells whether it holds
 * escapes. Validates escapes and UTF-8. */
static int string_slow(sc *s, unsigned q, const unsigned char **b, size_t *n, bool *esc)
{
    const unsigned char *p = s->p + 1, *e = s->end;
    bool has = false;
    for (;;) {
        if (p >= e) return fail(s, s->p, "unterminated string");
        unsigned c = *p;
        if (c == q) break;
        if (c == '\\') {
            int k = escape_len(s, p);
            if (k < 0) return k;
            has = true;
            p += k;
        } else if (c < 0x20) {
            if (!(s->feat & VRV_SCAN_ALLOW_UNQUOTED_CONTROL_CHARS))
                return fail(s, p, "unescaped control character in a string");
            p++;
        } else if (c >= 0x80) {
            int k = vrv_utf8_seq(p, (size_t)(e - p));
            if (k < 0) return fail(s, p, "invalid UTF-8 in a string");
            p += k;
        } else {
            p++;
        }
    }
    *b = s->p + 1;
    *n = (size_t)(p - *b);
    *esc = has;
    s->p = p + 1;
    return 0;
}

static inline int string_dq(sc *s, const unsigned char **b, size_t *n, bool *esc)
{
    const unsigned char *p = s->p + 1, *e = s->end;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\'),
                      space = _mm_set1_epi8(0x20);
        while (e - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            /* signed compare: control bytes and every byte >= 0x80 are "< 0x20" */
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, bslash)),
                                     _mm_cmplt_epi8(v, space));
            unsigned mask = (unsigned)_mm_movemask_epi8(m);
            if (mask) {
                p += __builtin_ctz(mask);
                goto stop;
            }
            p += 16;
        }
#endif
        while (p < e && !str_stop[*p]) p++;
        if (p >= e) return fail(s, s->p, "unterminated string");
#if defined(__SSE2__)
    stop:
#endif
        if (*p == '"') {
            *b = s->p + 1;
            *n = (size_t)(p - *b);
            *esc = false;
            s->p = p + 1;
            return 0;
        }
        if (*p >= 0x80) {
            int k = vrv_utf8_seq(p, (size_t)(e - p));
            if (k < 0) return fail(s, p, "invalid UTF-8 in a string");
            p += k;
            continue;
        }
        /* an escape or a control byte: the careful loop from the string start */
        return string_slow(s, '"', b, n, esc);
    }
}

/* Unescapes [b, b+n) (validated) into the arena; the result is never longer. */
static const char *unescape(sc *s, const unsigned char *b, size_t n, size_t *outlen)
{
    char *o = vrv_arena_alloc(s->arena, n ? n : 1), *start = o;
    const unsigned char *p = b, *e = b + n;
    while (p < e) {
        const unsigned char *bs = memchr(p, '\\', (size_t)(e - p));
        if (!bs) bs = e;
        memcpy(o, p, (size_t)(bs - p));
        o += bs - p;
        p = bs;
        if (p >= e) break;
        unsigned c = p[1];
        switch (c) {
        case 'b': *o++ = '\b'; p += 2; continue;
        case 'f': *o++ = '\f'; p += 2; continue;
        case 'n': *o++ = '\n'; p += 2; continue;
        case 'r': *o++ = '\r'; p += 2; continue;
        case 't': *o++ = '\t'; p += 2; continue;
        case 'u': {
            uint32_t cp = (uint32_t)hex4(p + 2);
            p += 6;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                int lo = (e - p >= 6 && p[0] == '\\' && p[1] == 'u') ? hex4(p + 2) : -1;
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + ((uint32_t)lo - 0xDC00);
                    p += 6;
                } else {
                    *o++ = '?'; /* lone surrogate: Java's UTF-8 encoder writes '?' */
                    continue;
                }
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                *o++ = '?';
                continue;
            }
            o += vrv_utf8_put(o, cp);
            continue;
        }
        default: {
            /* '"', '\\', '/', and with the lenient features any character */
            size_t k = 1;
            if (c >= 0x80) {
                int m = vrv_utf8_seq(p + 1, (size_t)(e - p - 1));
                k = m > 0 ? (size_t)m : 1;
            }
            memcpy(o, p + 1, k);
            o += k;
            p += 1 + k;
            continue;
        }
        }
    }
    *outlen = (size_t)(o - start);
    return start;
}

static int key_slow(sc *s, const unsigned char **b, size_t *n, bool *esc)
{
    unsigned c = s->p < s->end ? *s->p : 0;
    if (c == '\'' && (s->feat & VRV_SCAN_ALLOW_SINGLE_QUOTES))
        return string_slow(s, '\'', b, n, esc);
    if ((s->feat & VRV_SCAN_ALLOW_UNQUOTED_FIELD_NAMES) && s->p < s->end &&
        (c == '_' || c == '$' || (c | 0x20) - 'a' < 26 || c >= 0x80)) {
        const unsigned char *p = s->p;
        while (p < s->end) {
            c = *p;
            if (c == '_' || c == '$' || (c | 0x20) - 'a' < 26 || c - '0' < 10) {
                p++;
            } else if (c >= 0x80) {
                int k = vrv_utf8_seq(p, (size_t)(s->end - p));
                if (k < 0) return fail(s, p, "invalid UTF-8 in a field name");
                p += k;
            } else {
                break;
            }
        }
        *b = s->p;
        *n = (size_t)(p - s->p);
        *esc = false;
        s->p = p;
        return 0;
    }
    return unexpected(s, s->p, "a field name in double quotes");
}

static inline int key(sc *s, const unsigned char **b, size_t *n, bool *esc)
{
    if (VRV_LIKELY(s->p < s->end && *s->p == '"')) return string_dq(s, b, n, esc);
    return key_slow(s, b, n, esc);
}

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Correctly rounded conversion of a validated number's text (slow path). */
static double text_to_double(sc *s, const unsigned char *b, size_t n)
{
    char tmp[80];
    char *buf = tmp;
    if (n >= sizeof tmp) buf = s->arena ? vrv_arena_alloc(s->arena, n + 1) : vrv_malloc(n + 1);
    memcpy(buf, b, n);
    buf[n] = '\0';
    double d = strtod(buf, NULL); /* overflow gives ±inf, as Double.parseDouble does */
    if (buf != tmp && !s->arena) free(buf);
    return d;
}

static int nonnumeric(sc *s, vrv_value *out)
{
    static const struct {
        const char *text;
        double v;
    } toks[] = {{"NaN", NAN}, {"Infinity", INFINITY}, {"+Infinity", INFINITY},
                {"-Infinity", -INFINITY}, {"+INF", INFINITY}, {"-INF", -INFINITY}};
    size_t left = (size_t)(s->end - s->p);
    if (s->feat & VRV_SCAN_ALLOW_NON_NUMERIC_NUMBERS) {
        for (size_t i = 0; i < VRV_ARRAY_LEN(toks); i++) {
            size_t n = strlen(toks[i].text);
            if (left >= n && memcmp(s->p, toks[i].text, n) == 0 &&
                !(left > n && (unsigned)((s->p[n] | 0x20) - 'a') < 26)) {
                s->p += n;
                if (out) *out = vrv_double(toks[i].v);
                return 0;
            }
        }
    }
    return unexpected(s, s->p, "a value");
}

/* s->p at '-' or a digit. Validates the JSON number grammar; with out, converts
 * (integers to LONG, beyond int64 and all others to DOUBLE). */
static int number(sc *s, vrv_value *out)
{
    const unsigned char *p = s->p, *e = s->end, *start = p;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
        if (p < e && *p == 'I') return nonnumeric(s, out);
    }
    if (p >= e || (unsigned)(*p - '0') > 9) return unexpected(s, p, "a digit");
    uint64_t m = 0;
    int nd = 0;        /* significant digits accumulated in m (at most 19) */
    int64_t exp10 = 0; /* value = m * 10^exp10 when !trunc */
    bool trunc = false, is_int = true;
    if (*p == '0' && p + 1 < e && (unsigned)(p[1] - '0') <= 9 &&
        !(s->feat & VRV_SCAN_ALLOW_NUMERIC_LEADING_ZEROS))
        return fail(s, p, "leading zeros are not allowed in a number");
    for (; p < e && (unsigned)(*p - '0') <= 9; p++) {
        if (nd < 19) {
            m = m * 10 + (*p - '0');
            if (m) nd++;
        } else {
            exp10++;
            trunc = true;
        }
    }
    if (p < e && *p == '.') {
        is_int = false;
        p++;
        if (p >= e || (unsigned)(*p - '0') > 9) return unexpected(s, p, "a digit after '.'");
        for (; p < e && (unsigned)(*p - '0') <= 9; p++) {
            if (nd < 19) {
                m = m * 10 + (*p - '0');
                exp10--;
                if (m) nd++;
            } else if (*p != '0') {
                trunc = true;
            }
        }
    }
    if (p < e && (*p | 0x20) == 'e') {
        is_int = false;
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-')) {
            eneg = *p == '-';
            p++;
        }
        if (p >= e || (unsigned)(*p - '0') > 9) return unexpected(s, p, "a digit in the exponent");
        int64_t ev = 0;
        for (; p < e && (unsigned)(*p - '0') <= 9; p++)
            if (ev < 1000000) ev = ev * 10 + (*p - '0');
        exp10 += eneg ? -ev : ev;
    }
    s->p = p;
    if (!out) return 0;
    if (is_int && !trunc) {
        if (!neg && m <= (uint64_t)INT64_MAX) {
            *out = vrv_long((int64_t)m);
            return 0;
        }
        if (neg && m <= (uint64_t)INT64_MAX + 1) {
            *out = vrv_long((int64_t)(0 - m));
            return 0;
        }
    }
    if (!trunc && m <= (1ULL << 53) && exp10 >= -22 && exp10 <= 22) {
        double d = (double)m;
        if (exp10 < 0)
            d /= pow10_exact[-exp10];
        else
            d *= pow10_exact[exp10];
        *out = vrv_double(neg ? -d : d);
        return 0;
    }
    *out = vrv_double(text_to_double(s, start, (size_t)(p - start)));
    return 0;
}

static inline int literal(sc *s, const char *word, size_t n)
{
    if ((size_t)(s->end - s->p) >= n && memcmp(s->p, word, n) == 0) {
        s->p += n;
        return 0;
    }
    s->errat = s->p;
    return vrv_error_set(s->err, VRV_EINVAL, "byte %zu: invalid literal, expected '%s'",
                         (size_t)(s->p - s->base), word);
}

/* ------------------------------------------------------------------------ */
/* Values                                                                    */

static int skip_value(sc *s, int depth);

static int depth_error(sc *s)
{
    return fail(s, s->p, "nesting deeper than 1000 levels");
}

/* After an element: ',' (and then not the closer, unless trailing commas are
 * allowed) or the closer. Returns 1 when the container ended, 0 for another
 * element, <0 on error. */
static inline int next_elem(sc *s, unsigned closer, const char *what)
{
    int rc = ws(s);
    if (rc) return rc;
    if (VRV_LIKELY(s->p < s->end)) {
        if (*s->p == ',') {
            s->p++;
            rc = ws(s);
            if (rc) return rc;
            if (s->p < s->end && *s->p == closer) {
                if (!(s->feat & VRV_SCAN_ALLOW_TRAILING_COMMA))
                    return unexpected(s, s->p, closer == '}' ? "a field name" : "a value");
                s->p++;
                return 1;
            }
            return 0;
        }
        if (*s->p == closer) {
            s->p++;
            return 1;
        }
    }
    return unexpected(s, s->p, what);
}

/* s->p at '{' or '['. */
static int skip_container(sc *s, int depth)
{
    if (depth > VRV_SCAN_MAX_DEPTH) return depth_error(s);
    unsigned closer = *s->p == '{' ? '}' : ']';
    s->p++;
    int rc = ws(s);
    if (rc) return rc;
    if (s->p < s->end && *s->p == closer) {
        s->p++;
        return 0;
    }
    for (;;) {
        if (closer == '}') {
            const unsigned char *b;
            size_t n;
            bool esc;
            rc = key(s, &b, &n, &esc);
            if (rc) return rc;
            rc = ws(s);
            if (rc) return rc;
            if (s->p >= s->end || *s->p != ':') return unexpected(s, s->p, "':' after a field name");
            s->p++;
            rc = ws(s);
            if (rc) return rc;
        }
        rc = skip_value(s, depth);
        if (rc) return rc;
        rc = next_elem(s, closer, closer == '}' ? "',' or '}'" : "',' or ']'");
        if (rc < 0) return rc;
        if (rc == 1) return 0;
    }
}

static int skip_value(sc *s, int depth)
{
    if (VRV_UNLIKELY(s->p >= s->end)) return unexpected(s, s->p, "a value");
    const unsigned char *b;
    size_t n;
    bool esc;
    switch (*s->p) {
    case '"': return string_dq(s, &b, &n, &esc);
    case '{':
    case '[': return skip_container(s, depth + 1);
    case 't': return literal(s, "true", 4);
    case 'f': return literal(s, "false", 5);
    case 'n': return literal(s, "null", 4);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': return number(s, NULL);
    case '\'':
        if (s->feat & VRV_SCAN_ALLOW_SINGLE_QUOTES) return string_slow(s, '\'', &b, &n, &esc);
        break;
    default: break;
    }
    return nonnumeric(s, NULL);
}

static int conv_value(sc *s, vrv_value *out, int depth);

/* s->p at '['. An array of scalars becomes VRV_V_ARRAY, one holding a
 * container becomes raw VRV_V_JSON (Druid's "not a flat list"). */
static int conv_array(sc *s, vrv_value *out, int depth)
{
    if (depth > VRV_SCAN_MAX_DEPTH) return depth_error(s);
    const unsigned char *start = s->p;
    s->p++;
    int rc = ws(s);
    if (rc) return rc;
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        *out = vrv_array(NULL, 0);
        return 0;
    }
    vrv_value *elems = NULL;
    size_t n = 0, cap = 0;
    bool flat = true;
    for (;;) {
        if (s->p < s->end && (*s->p == '{' || *s->p == '[')) flat = false;
        if (flat) {
            if (n == cap) {
                size_t ncap = cap ? 2 * cap : 8;
                vrv_value *ne = vrv_arena_alloc(s->arena, ncap * sizeof *ne);
                if (n) memcpy(ne, elems, n * sizeof *ne);
                elems = ne;
                cap = ncap;
            }
            rc = conv_value(s, &elems[n], depth);
            n++;
        } else {
            rc = skip_value(s, depth);
        }
        if (rc) return rc;
        rc = next_elem(s, ']', "',' or ']'");
        if (rc < 0) return rc;
        if (rc == 1) break;
    }
    if (flat) {
        *out = vrv_array(elems, n);
    } else {
        *out = (vrv_value){.type = VRV_V_JSON, .len = (uint32_t)(s->p - start)};
        out->u.s = (const char *)start;
    }
    return 0;
}

static inline int conv_string(sc *s, vrv_value *out)
{
    const unsigned char *b;
    size_t n;
    bool esc;
    int rc = *s->p == '"' ? string_dq(s, &b, &n, &esc) : string_slow(s, '\'', &b, &n, &esc);
    if (rc) return rc;
    if (esc) b = (const unsigned char *)unescape(s, b, n, &n);
    *out = vrv_string((const char *)b, n);
    return 0;
}

static int conv_value(sc *s, vrv_value *out, int depth)
{
    if (VRV_UNLIKELY(s->p >= s->end)) return unexpected(s, s->p, "a value");
    int rc;
    switch (*s->p) {
    case '"': return conv_string(s, out);
    case '{': {
        const unsigned char *start = s->p;
        rc = skip_container(s, depth + 1);
        if (rc) return rc;
        *out = (vrv_value){.type = VRV_V_JSON, .len = (uint32_t)(s->p - start)};
        out->u.s = (const char *)start;
        return 0;
    }
    case '[': return conv_array(s, out, depth + 1);
    case 't':
        rc = literal(s, "true", 4);
        *out = vrv_long(1);
        out->flags = VRV_VF_BOOL;
        return rc;
    case 'f':
        rc = literal(s, "false", 5);
        *out = vrv_long(0);
        out->flags = VRV_VF_BOOL;
        return rc;
    case 'n': *out = vrv_null(); return literal(s, "null", 4);
    case '-':
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
    case '8':
    case '9': return number(s, out);
    case '\'':
        if (s->feat & VRV_SCAN_ALLOW_SINGLE_QUOTES) return conv_string(s, out);
        break;
    default: break;
    }
    return nonnumeric(s, out);
}

/* Converts the already validated value text [b, e). */
static void conv_span(sc *s, const unsigned char *b, const unsigned char *e, vrv_value *out)
{
    sc sub = *s;
    sub.p = b;
    sub.end = e;
    if (conv_value(&sub, out, 0) != 0) *out = vrv_null(); /* cannot happen: validated */
}

/* ------------------------------------------------------------------------ */
/* The plan walk                                                             */

static int walk_object(sc *s, const pnode *nd, int depth, vrv_scan_out *disc);

static int walk_array(sc *s, const pnode *nd, int depth);

static inline void put_slots(sc *s, const u32vec *v, vrv_value val)
{
    for (uint32_t i = 0; i < v->n; i++) s->slots[v->v[i]] = val;
}

/* The value of a wanted node: descend into it where the plan goes deeper,
 * convert it where a slot wants it, capture its text where a raw slot does.
 * dval (discovery) also receives the converted value. */
static int visit(sc *s, const pnode *c, int depth, vrv_value *dval)
{
    const unsigned char *start = s->p;
    int rc;
    for (uint32_t i = 0; i < c->reset.n; i++) s->slots[c->reset.v[i]] = vrv_null();
    bool want = c->vslots.n || dval;
    if (c->ktab && s->p < s->end && *s->p == '{') {
        rc = walk_object(s, c, depth + 1, NULL);
    } else if (c->itab && s->p < s->end && *s->p == '[') {
        rc = walk_array(s, c, depth + 1);
    } else if (want) {
        vrv_value v;
        rc = conv_value(s, &v, depth);
        if (rc) return rc;
        put_slots(s, &c->vslots, v);
        if (dval) *dval = v;
        want = false;
    } else {
        rc = skip_value(s, depth);
    }
    if (rc) return rc;
    if (want) {
        vrv_value v;
        conv_span(s, start, s->p, &v);
        put_slots(s, &c->vslots, v);
        if (dval) *dval = v;
    }
    if (c->rslots.n) {
        vrv_value raw = {.type = VRV_V_JSON, .len = (uint32_t)(s->p - start)};
        raw.u.s = (const char *)start;
        put_slots(s, &c->rslots, raw);
    }
    return 0;
}

static int walk_array(sc *s, const pnode *nd, int depth)
{
    if (depth > VRV_SCAN_MAX_DEPTH) return depth_error(s);
    s->p++;
    int rc = ws(s);
    if (rc) return rc;
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return 0;
    }
    uint32_t next = 0; /* the next index child to look for */
    for (uint32_t i = 0;; i++) {
        while (next < nd->nidx && nd->itab[next].index < i) next++;
        if (next < nd->nidx && nd->itab[next].index == i)
            rc = visit(s, &s->plan->nodes[nd->itab[next].child], depth, NULL);
        else
            rc = skip_value(s, depth);
        if (rc) return rc;
        rc = next_elem(s, ']', "',' or ']'");
        if (rc < 0) return rc;
        if (rc == 1) return 0;
    }
}

static void disc_push(vrv_scan_out *o, vrv_str name, vrv_value v)
{
    if (o->nfields == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 16;
        o->names = vrv_realloc(o->names, o->cap * sizeof *o->names);
        o->vals = vrv_realloc(o->vals, o->cap * sizeof *o->vals);
    }
    o->names[o->nfields] = name;
    o->vals[o->nfields] = v;
    o->nfields++;
}

static int walk_object(sc *s, const pnode *nd, int depth, vrv_scan_out *disc)
{
    if (depth > VRV_SCAN_MAX_DEPTH) return depth_error(s);
    s->p++;
    int rc = ws(s);
    if (rc) return rc;
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return 0;
    }
    for (;;) {
        const unsigned char *kb;
        size_t kn;
        bool kesc;
        rc = key(s, &kb, &kn, &kesc);
        if (rc) return rc;
        if (VRV_UNLIKELY(kesc)) kb = (const unsigned char *)unescape(s, kb, kn, &kn);
        if (VRV_LIKELY(s->p < s->end && *s->p == ':')) {
            s->p++;
        } else {
            rc = ws(s);
            if (rc) return rc;
            if (s->p >= s->end || *s->p != ':') return unexpected(s, s->p, "':' after a field name");
            s->p++;
        }
        rc = ws(s);
        if (rc) return rc;
        const kent *e = nd->ktab ? klookup(nd, kb, kn) : NULL;
        if (disc) {
            vrv_value v = vrv_null();
            rc = e ? visit(s, &s->plan->nodes[e->child], depth, &v) : conv_value(s, &v, depth);
            if (rc) return rc;
            disc_push(disc, vrv_str_make((const char *)kb, kn), v);
        } else if (e) {
            rc = visit(s, &s->plan->nodes[e->child], depth, NULL);
        } else {
            rc = skip_value(s, depth);
        }
        if (rc) return rc;
        rc = next_elem(s, '}', "',' or '}'");
        if (rc < 0) return rc;
        if (rc == 1) return 0;
    }
}

/* Duplicate root keys in discovery: the first position keeps the last value,
 * like a Jackson ObjectNode. */
static void disc_dedupe(vrv_scan_out *o, vrv_arena *arena)
{
    size_t n = o->nfields;
    if (n < 2) return;
    size_t w = 0;
    if (n <= 16) {
        for (size_t i = 0; i < n; i++) {
            size_t j = 0;
            while (j < w && !vrv_str_eq(o->names[j], o->names[i])) j++;
            if (j < w) {
                o->vals[j] = o->vals[i];
            } else {
                o->names[w] = o->names[i];
                o->vals[w++] = o->vals[i];
            }
        }
    } else {
        size_t cap = 32;
        while (cap < 2 * n) cap *= 2;
        uint32_t *tab = vrv_arena_alloc(arena, cap * sizeof *tab); /* 0 empty, else index + 1 */
        memset(tab, 0, cap * sizeof *tab);
        for (size_t i = 0; i < n; i++) {
            vrv_str k = o->names[i];
            size_t h = (size_t)khash((const unsigned char *)k.p, k.n) & (cap - 1);
            for (;; h = (h + 1) & (cap - 1)) {
                if (!tab[h]) {
                    tab[h] = (uint32_t)w + 1;
                    o->names[w] = k;
                    o->vals[w++] = o->vals[i];
                    break;
                }
                if (vrv_str_eq(o->names[tab[h] - 1], k)) {
                    o->vals[tab[h] - 1] = o->vals[i];
                    break;
                }
            }
        }
    }
    o->nfields = w;
}

static const char *value_kind(unsigned c)
{
    switch (c) {
    case '[': return "an array";
    case '"':
    case '\'': return "a string";
    case 't':
    case 'f': return "a boolean";
    case 'n': return "null";
    default: return "a number";
    }
}

static void init_sc(sc *s, const char *data, size_t len, size_t pos, unsigned feat,
                    vrv_arena *arena, vrv_error *err)
{
    memset(s, 0, sizeof *s);
    s->base = (const unsigned char *)data;
    s->p = s->base + pos;
    s->end = s->base + len;
    s->feat = feat;
    s->arena = arena;
    s->err = err;
}

int vrv_scan_next(const vrv_scan_plan *plan, const char *data, size_t len, size_t *pos,
                  vrv_scan_out *out, vrv_arena *arena, vrv_error *err)
{
    sc s;
    init_sc(&s, data, len, *pos, plan->features, arena, err);
    s.plan = plan;
    s.slots = out->slots;
    if (len > UINT32_MAX) return fail(&s, s.p, "input larger than 4 GiB");
    int rc = ws(&s);
    if (rc) {
        *pos = (size_t)(s.errat - s.base);
        return rc;
    }
    if (s.p >= s.end) {
        *pos = len;
        return 0;
    }
    for (size_t i = 0; i < plan->nslots; i++) out->slots[i] = vrv_null();
    out->nfields = 0;
    out->not_object = false;
    if (*s.p != '{') {
        const unsigned char *at = s.p;
        rc = skip_value(&s, 0);
        if (rc) {
            *pos = (size_t)(s.errat - s.base);
            return rc;
        }
        *pos = (size_t)(s.p - s.base);
        out->not_object = true;
        return vrv_error_set(err, VRV_EINVAL, "byte %zu: expected a JSON object, found %s",
                             (size_t)(at - s.base), value_kind(*at));
    }
    rc = walk_object(&s, &plan->nodes[0], 1, out->discover ? out : NULL);
    if (rc) {
        *pos = (size_t)(s.errat - s.base);
        return rc;
    }
    if (out->discover) disc_dedupe(out, arena);
    *pos = (size_t)(s.p - s.base);
    return 1;
}

int vrv_scan_event(const vrv_scan_plan *plan, const char *data, size_t len, vrv_scan_out *out,
                   vrv_arena *arena, vrv_error *err)
{
    size_t pos = 0;
    int rc = vrv_scan_next(plan, data, len, &pos, out, arena, err);
    if (rc < 0) return rc;
    if (rc == 0) return vrv_error_set(err, VRV_EINVAL, "byte %zu: expected a JSON object", len);
    sc s;
    init_sc(&s, data, len, pos, plan->features, arena, err);
    rc = ws(&s);
    if (rc) return rc;
    if (s.p < s.end) return fail(&s, s.p, "unexpected data after the JSON object");
    return VRV_OK;
}

int vrv_scan_skip(unsigned features, const char *data, size_t len, size_t *pos, vrv_error *err)
{
    sc s;
    init_sc(&s, data, len, *pos, features, NULL, err);
    int rc = ws(&s);
    if (rc == 0 && s.p >= s.end) {
        *pos = len;
        return 0;
    }
    if (rc == 0) rc = skip_value(&s, 0);
    if (rc) {
        *pos = (size_t)(s.errat - s.base);
        return rc;
    }
    *pos = (size_t)(s.p - s.base);
    return 1;
}

/* ------------------------------------------------------------------------ */
/* Tree                                                                      */

static int dom_value(sc *s, vrv_jnode *n, int depth);

static int dom_container(sc *s, vrv_jnode *n, int depth)
{
    if (depth > VRV_SCAN_MAX_DEPTH) return depth_error(s);
    bool obj = *s->p == '{';
    unsigned closer = obj ? '}' : ']';
    n->kind = obj ? VRV_J_OBJECT : VRV_J_ARRAY;
    s->p++;
    int rc = ws(s);
    if (rc) return rc;
    if (s->p < s->end && *s->p == closer) {
        s->p++;
        return 0;
    }
    vrv_jnode *items = NULL;
    vrv_str *keys = NULL;
    size_t cnt = 0, cap = 0;
    for (;;) {
        if (cnt == cap) {
            size_t ncap = cap ? 2 * cap : 4;
            vrv_jnode *ni = vrv_arena_alloc(s->arena, ncap * sizeof *ni);
            if (cnt) memcpy(ni, items, cnt * sizeof *ni);
            items = ni;
            if (obj) {
                vrv_str *nk = vrv_arena_alloc(s->arena, ncap * sizeof *nk);
                if (cnt) memcpy(nk, keys, cnt * sizeof *nk);
                keys = nk;
            }
            cap = ncap;
        }
        if (obj) {
            const unsigned char *kb;
            size_t kn;
            bool kesc;
            rc = key(s, &kb, &kn, &kesc);
            if (rc) return rc;
            if (kesc) kb = (const unsigned char *)unescape(s, kb, kn, &kn);
            keys[cnt] = vrv_str_make((const char *)kb, kn);
            rc = ws(s);
            if (rc) return rc;
            if (s->p >= s->end || *s->p != ':') return unexpected(s, s->p, "':' after a field name");
            s->p++;
            rc = ws(s);
            if (rc) return rc;
        }
        rc = dom_value(s, &items[cnt], depth);
        if (rc) return rc;
        cnt++;
        rc = next_elem(s, closer, obj ? "',' or '}'" : "',' or ']'");
        if (rc < 0) return rc;
        if (rc == 1) break;
    }
    n->u.items = items;
    n->keys = keys;
    n->n = (uint32_t)cnt;
    return 0;
}

static int dom_value(sc *s, vrv_jnode *n, int depth)
{
    memset(n, 0, sizeof *n);
    n->raw = (const char *)s->p;
    int rc;
    if (s->p < s->end && (*s->p == '{' || *s->p == '[')) {
        rc = dom_container(s, n, depth + 1);
    } else {
        vrv_value v;
        rc = conv_value(s, &v, depth);
        if (rc == 0) {
            switch (v.type) {
            case VRV_V_LONG:
                n->kind = (v.flags & VRV_VF_BOOL) ? VRV_J_BOOL : VRV_J_LONG;
                n->u.l = v.u.l;
                break;
            case VRV_V_DOUBLE:
                n->kind = VRV_J_DOUBLE;
                n->u.d = v.u.d;
                break;
            case VRV_V_STRING:
                n->kind = VRV_J_STRING;
                n->u.s = v.u.s;
                n->n = v.len;
                break;
            default: n->kind = VRV_J_NULL; break;
            }
        }
    }
    n->rawlen = (uint32_t)((const char *)s->p - n->raw);
    return rc;
}

int vrv_scan_dom(unsigned features, const char *data, size_t len, vrv_arena *arena,
                 vrv_jnode **out, vrv_error *err)
{
    sc s;
    init_sc(&s, data, len, 0, features, arena, err);
    if (len > UINT32_MAX) return fail(&s, s.p, "input larger than 4 GiB");
    int rc = ws(&s);
    if (rc) return rc;
    vrv_jnode *n = vrv_arena_alloc(arena, sizeof *n);
    rc = dom_value(&s, n, 0);
    if (rc) return rc;
    rc = ws(&s);
    if (rc) return rc;
    if (s.p < s.end) return fail(&s, s.p, "unexpected data after the JSON value");
    *out = n;
    return VRV_OK;
}

const vrv_jnode *vrv_jnode_get(const vrv_jnode *obj, const char *key, size_t len)
{
    if (!obj || obj->kind != VRV_J_OBJECT) return NULL;
    for (uint32_t i = obj->n; i-- > 0;)
        if (obj->keys[i].n == len && memcmp(obj->keys[i].p, key, len) == 0) return &obj->u.items[i];
    return NULL;
}

static void scalar_value(const vrv_jnode *n, vrv_value *out)
{
    switch ((vrv_jkind)n->kind) {
    case VRV_J_BOOL:
        *out = vrv_long(n->u.l);
        out->flags = VRV_VF_BOOL;
        return;
    case VRV_J_LONG: *out = vrv_long(n->u.l); return;
    case VRV_J_DOUBLE: *out = vrv_double(n->u.d); return;
    case VRV_J_STRING: *out = vrv_string(n->u.s, n->n); return;
    default: *out = vrv_null(); return;
    }
}

/* JSON text of a tree node built by an evaluation (no source text of its own);
 * parts that have source text are copied verbatim. */
static void render(vrv_jw *w, const vrv_jnode *n)
{
    if (n->raw && (n->kind == VRV_J_ARRAY || n->kind == VRV_J_OBJECT)) {
        vrv_jw_raw(w, n->raw, n->rawlen);
        return;
    }
    switch ((vrv_jkind)n->kind) {
    case VRV_J_NULL: vrv_jw_null(w); return;
    case VRV_J_BOOL: vrv_jw_bool(w, n->u.l != 0); return;
    case VRV_J_LONG: vrv_jw_long(w, n->u.l); return;
    case VRV_J_DOUBLE: vrv_jw_double(w, n->u.d); return;
    case VRV_J_STRING: vrv_jw_stringn(w, n->u.s, n->n); return;
    case VRV_J_ARRAY:
        vrv_jw_begin_array(w);
        for (uint32_t i = 0; i < n->n; i++) render(w, &n->u.items[i]);
        vrv_jw_end_array(w);
        return;
    case VRV_J_OBJECT:
        vrv_jw_begin_object(w);
        for (uint32_t i = 0; i < n->n; i++) {
            bool first = true;
            for (uint32_t j = 0; j < i && first; j++) first = !vrv_str_eq(n->keys[j], n->keys[i]);
            if (!first) continue;
            vrv_jw_keyn(w, n->keys[i].p, n->keys[i].n);
            render(w, vrv_jnode_get(n, n->keys[i].p, n->keys[i].n));
        }
        vrv_jw_end_object(w);
        return;
    }
}

void vrv_jnode_to_value(const vrv_jnode *n, vrv_value *out, vrv_arena *arena)
{
    if (!n) {
        *out = vrv_null();
        return;
    }
    if (n->kind == VRV_J_ARRAY) {
        for (uint32_t i = 0; i < n->n; i++)
            if (n->u.items[i].kind == VRV_J_ARRAY || n->u.items[i].kind == VRV_J_OBJECT) goto text;
        vrv_value *el = n->n ? vrv_arena_alloc(arena, n->n * sizeof *el) : NULL;
        for (uint32_t i = 0; i < n->n; i++) scalar_value(&n->u.items[i], &el[i]);
        *out = vrv_array(el, n->n);
        return;
    }
    if (n->kind == VRV_J_OBJECT) goto text;
    scalar_value(n, out);
    return;
text:
    *out = (vrv_value){.type = VRV_V_JSON};
    if (n->raw) {
        out->u.s = n->raw;
        out->len = n->rawlen;
        return;
    }
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    render(&w, n);
    out->u.s = vrv_arena_memdup(arena, b.data, b.len);
    out->len = (uint32_t)b.len;
    vrv_buf_free(&b);
}

void vrv_jnode_java_string(const vrv_jnode *n, vrv_buf *out)
{
    char tmp[VRV_NUMFMT_MAX];
    switch ((vrv_jkind)n->kind) {
    case VRV_J_NULL: vrv_buf_puts(out, "null"); return;
    case VRV_J_BOOL: vrv_buf_puts(out, n->u.l ? "true" : "false"); return;
    case VRV_J_LONG: vrv_buf_append(out, tmp, vrv_fmt_long(n->u.l, tmp)); return;
    case VRV_J_DOUBLE: vrv_buf_append(out, tmp, vrv_fmt_double(n->u.d, tmp)); return;
    case VRV_J_STRING: vrv_buf_append(out, n->u.s, n->n); return;
    case VRV_J_ARRAY:
        vrv_buf_putc(out, '[');
        for (uint32_t i = 0; i < n->n; i++) {
            if (i) vrv_buf_puts(out, ", ");
            vrv_jnode_java_string(&n->u.items[i], out);
        }
        vrv_buf_putc(out, ']');
        return;
    case VRV_J_OBJECT: {
        vrv_buf_putc(out, '{');
        bool any = false;
        for (uint32_t i = 0; i < n->n; i++) {
            bool first = true; /* a duplicate key keeps its first place, last value */
            for (uint32_t j = 0; j < i && first; j++) first = !vrv_str_eq(n->keys[j], n->keys[i]);
            if (!first) continue;
            if (any) vrv_buf_puts(out, ", ");
            any = true;
            vrv_buf_append(out, n->keys[i].p, n->keys[i].n);
            vrv_buf_putc(out, '=');
            vrv_jnode_java_string(vrv_jnode_get(n, n->keys[i].p, n->keys[i].n), out);
        }
        vrv_buf_putc(out, '}');
        return;
    }
    }
}

int vrv_json_java_string(unsigned features, const char *json, size_t len, vrv_arena *arena,
                         vrv_buf *out, vrv_error *err)
{
    vrv_jnode *n;
    int rc = vrv_scan_dom(features, json, len, arena, &n, err);
    if (rc) return rc;
    vrv_jnode_java_string(n, out);
    return VRV_OK;
}
