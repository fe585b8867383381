/*
 * like.c — SQL LIKE patterns (see like.h): a pattern compiles to a list of
 * literal runs, single-character wildcards and any-run wildcards, matched with
 * the greedy-with-backtracking glob algorithm (linear in the common cases,
 * O(pattern x value) at worst). Plain, prefix, suffix and contains patterns take
 * a direct path.
 */
#include "expr/like.h"

#include <string.h>

#include "base/vec.h"
#include "expr/expr_int.h"

enum { LK_LIT, LK_ONE, LK_ANY };
enum { SHAPE_GENERAL, SHAPE_EXACT, SHAPE_PREFIX, SHAPE_SUFFIX, SHAPE_CONTAINS, SHAPE_ALL };

typedef struct like_tok {
    uint8_t kind;
    const char *s; /* LK_LIT */
    size_t n;
} like_tok;

struct vrv_like {
    like_tok *toks;
    size_t ntoks;
    int shape;
    const char *lit; /* the single literal of EXACT/PREFIX/SUFFIX/CONTAINS */
    size_t lit_n;
};

static size_t next_char(const char *s, size_t n, size_t i)
{
    expr_utf8_next(s, n, &i);
    return i;
}

int vrv_like_compile(const char *pattern, size_t len, const char *escape, size_t escape_len, vrv_arena *arena,
                     vrv_like **out, vrv_error *err)
{
    uint32_t esc = 0;
    bool has_esc = false;
    if (escape) {
        size_t k = 0;
        if (escape_len == 0 || (esc = expr_utf8_next(escape, escape_len, &k), k != escape_len))
            return vrv_error_set(err, VRV_EINVAL, "like: escape must be a single character, got '%.*s'",
                                 (int)VRV_MIN(escape_len, 20), escape);
        has_esc = true;
    }
    VRV_VEC(like_tok) toks = {0};
    char *buf = vrv_arena_alloc(arena, len + 1); /* literal text without escapes */
    size_t bn = 0;
    size_t lit_start = 0;
    bool in_lit = false;
    for (size_t i = 0; i < len;) {
        size_t start = i;
        uint32_t cp = expr_utf8_next(pattern, len, &i);
        if (has_esc && cp == esc) {
            if (i >= len) {
                vrv_vec_free(&toks);
                return vrv_error_set(err, VRV_EINVAL, "like: pattern '%.*s' ends with the escape character",
                                     (int)VRV_MIN(len, 200), pattern);
            }
            start = i;
            expr_utf8_next(pattern, len, &i);
            cp = 0x110000; /* literal */
        }
        if (cp == '%' || cp == '_') {
            if (in_lit) {
                like_tok t = {LK_LIT, buf + lit_start, bn - lit_start};
                vrv_vec_push(&toks, t);
                in_lit = false;
            }
            if (cp == '%' && toks.n && toks.v[toks.n - 1].kind == LK_ANY) continue;
            like_tok t = {cp == '%' ? LK_ANY : LK_ONE, NULL, 0};
            vrv_vec_push(&toks, t);
            continue;
        }
        if (!in_lit) {
            lit_start = bn;
            in_lit = true;
        }
        memcpy(buf + bn, pattern + start, i - start);
        bn += i - start;
    }
    if (in_lit) {
        like_tok t = {LK_LIT, buf + lit_start, bn - lit_start};
        vrv_vec_push(&toks, t);
    }
    vrv_like *l = vrv_arena_calloc(arena, sizeof *l);
    l->ntoks = toks.n;
    l->toks = vrv_arena_memdup(arena, toks.v, toks.n * sizeof *toks.v);
    vrv_vec_free(&toks);
    const like_tok *t = l->toks;
    l->shape = SHAPE_GENERAL;
    if (l->ntoks == 0) l->shape = SHAPE_EXACT; /* matches only '' */
    else if (l->ntoks == 1 && t[0].kind == LK_LIT) l->shape = SHAPE_EXACT, l->lit = t[0].s, l->lit_n = t[0].n;
    else if (l->ntoks == 1 && t[0].kind == LK_ANY) l->shape = SHAPE_ALL;
    else if (l->ntoks == 2 && t[0].kind == LK_LIT && t[1].kind == LK_ANY)
        l->shape = SHAPE_PREFIX, l->lit = t[0].s, l->lit_n = t[0].n;
    else if (l->ntoks == 2 && t[0].kind == LK_ANY && t[1].kind == LK_LIT)
        l->shape = SHAPE_SUFFIX, l->lit = t[1].s, l->lit_n = t[1].n;
    else if (l->ntoks == 3 && t[0].kind == LK_ANY && t[1].kind == LK_LIT && t[2].kind == LK_ANY)
        l->shape = SHAPE_CONTAINS, l->lit = t[1].s, l->lit_n = t[1].n;
    *out = l;
    return 0;
}

bool vrv_like_match(const vrv_like *l, const char *s, size_t n)
{
    switch (l->shape) {
    case SHAPE_ALL: return true;
    case SHAPE_EXACT: return n == l->lit_n && (n == 0 || memcmp(s, l->lit, n) == 0);
    case SHAPE_PREFIX: return n >= l->lit_n && memcmp(s, l->lit, l->lit_n) == 0;
    case SHAPE_SUFFIX: return n >= l->lit_n && memcmp(s + n - l->lit_n, l->lit, l->lit_n) == 0;
    case SHAPE_CONTAINS: return l->lit_n == 0 || (n >= l->lit_n && memmem(s, n, l->lit, l->lit_n) != NULL);
    default: break;
    }
    size_t p = 0, si = 0;
    size_t star_p = SIZE_MAX, star_si = 0;
    const like_tok *t = l->toks;
    for (;;) {
        if (p < l->ntoks && t[p].kind == LK_ANY) {
            star_p = p++;
            star_si = si;
            continue;
        }
        if (p < l->ntoks && si < n) {
            if (t[p].kind == LK_ONE) {
                si = next_char(s, n, si);
                p++;
                continue;
            }
            if (n - si >= t[p].n && memcmp(s + si, t[p].s, t[p].n) == 0) {
                si += t[p].n;
                p++;
                continue;
            }
        } else if (p == l->ntoks && si == n) {
            return true;
        }
        /* Mismatch: let the last '%' absorb one more character. */
        if (star_p == SIZE_MAX || star_si >= n) return false;
        star_si = next_char(s, n, star_si);
        si = star_si;
        p = star_p + 1;
    }
}
