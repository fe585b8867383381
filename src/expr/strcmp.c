/*
 * strcmp.c — Druid's StringComparators over UTF-8 (see strcmp.h). The numeric
 * order compares exact decimals (no rounding through doubles), the version
 * order is Maven's ComparableVersion, which Druid's VersionComparator uses.
 */
#include "expr/strcmp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/vec.h"
#include "expr/expr_int.h"

static const char *names[] = {
    [VRV_ORDER_LEXICOGRAPHIC] = "lexicographic", [VRV_ORDER_ALPHANUMERIC] = "alphanumeric",
    [VRV_ORDER_NUMERIC] = "numeric",             [VRV_ORDER_STRLEN] = "strlen",
    [VRV_ORDER_VERSION] = "version",             [VRV_ORDER_NATURAL] = "natural",
};

bool vrv_order_parse(vrv_str name, vrv_order *out)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(names); i++) {
        if (strlen(names[i]) == name.n && strncasecmp(names[i], name.p, name.n) == 0) {
            *out = (vrv_order)i;
            return true;
        }
    }
    return false;
}

const char *vrv_order_name(vrv_order o)
{
    return (size_t)o < VRV_ARRAY_LEN(names) ? names[o] : "lexicographic";
}

int vrv_strcmp(vrv_order o, vrv_str a, vrv_str b)
{
    switch (o) {
    case VRV_ORDER_ALPHANUMERIC: return vrv_strcmp_alphanumeric(a, b);
    case VRV_ORDER_NUMERIC: return vrv_strcmp_numeric(a, b);
    case VRV_ORDER_STRLEN: return vrv_strcmp_strlen(a, b);
    case VRV_ORDER_VERSION: return vrv_strcmp_version(a, b);
    default: return vrv_strcmp_lexicographic(a, b);
    }
}

int vrv_strcmp_nullable(vrv_order o, const vrv_str *a, const vrv_str *b)
{
    if (!a || !b) return a == b ? 0 : a ? 1 : -1;
    return vrv_strcmp(o, *a, *b);
}

int vrv_strcmp_lexicographic(vrv_str a, vrv_str b)
{
    return expr_java_strcmp(a, b);
}

int vrv_strcmp_strlen(vrv_str a, vrv_str b)
{
    size_t la = expr_utf16_len(a.p, a.n), lb = expr_utf16_len(b.p, b.n);
    if (la != lb) return la < lb ? -1 : 1;
    return expr_java_strcmp(a, b);
}

/* ---- numeric ------------------------------------------------------------------ */

bool vrv_decimal_parse(vrv_str s, vrv_decimal *out)
{
    size_t i = 0;
    int sign = 1;
    if (s.n && (s.p[0] == '+' || s.p[0] == '-')) {
        sign = s.p[0] == '-' ? -1 : 1;
        i = 1;
    }
    size_t mstart = i;
    size_t ndig = 0, int_digits = 0;
    bool dot = false;
    size_t first = SIZE_MAX, last = 0, first_pos = 0;
    for (; i < s.n; i++) {
        char c = s.p[i];
        if (c == '.') {
            if (dot) return false;
            dot = true;
            continue;
        }
        if (c < '0' || c > '9') break;
        if (c != '0') {
            if (first == SIZE_MAX) {
                first = i - mstart;
                first_pos = ndig;
            }
            last = i - mstart;
        }
        ndig++;
        if (!dot) int_digits++;
    }
    if (ndig == 0) return false;
    size_t mend = i;
    int64_t e = 0;
    if (i < s.n) {
        if (s.p[i] != 'e' && s.p[i] != 'E') return false;
        i++;
        bool eneg = false;
        if (i < s.n && (s.p[i] == '+' || s.p[i] == '-')) eneg = s.p[i++] == '-';
        if (i >= s.n) return false;
        for (; i < s.n; i++) {
            if (s.p[i] < '0' || s.p[i] > '9') return false;
            e = e * 10 + (s.p[i] - '0');
            if (e > 2000000000) return false; /* beyond BigDecimal's int scale */
        }
        if (eneg) e = -e;
    }
    out->mant = s.p + mstart;
    (void)mend;
    if (first == SIZE_MAX) {
        out->sign = 0;
        out->first = out->last = 0;
        out->exp = 0;
        return true;
    }
    out->sign = sign;
    out->first = first;
    out->last = last;
    out->exp = (int64_t)int_digits - (int64_t)first_pos + e;
    return true;
}

int vrv_decimal_cmp(const vrv_decimal *a, const vrv_decimal *b)
{
    if (a->sign != b->sign) return a->sign < b->sign ? -1 : 1;
    if (a->sign == 0) return 0;
    int mag;
    if (a->exp != b->exp) {
        mag = a->exp < b->exp ? -1 : 1;
    } else {
        size_t i = a->first, j = b->first;
        mag = 0;
        for (;;) {
            while (i <= a->last && a->mant[i] == '.') i++;
            while (j <= b->last && b->mant[j] == '.') j++;
            bool ai = i <= a->last, bj = j <= b->last;
            if (!ai || !bj) {
                mag = ai ? 1 : bj ? -1 : 0;
                break;
            }
            if (a->mant[i] != b->mant[j]) {
                mag = a->mant[i] < b->mant[j] ? -1 : 1;
                break;
            }
            i++;
            j++;
        }
    }
    return a->sign > 0 ? mag : -mag;
}

int vrv_strcmp_numeric(vrv_str a, vrv_str b)
{
    int64_t la, lb;
    bool pa = vrv_str_to_i64(a, &la), pb = vrv_str_to_i64(b, &lb);
    if (pa && pb) return la < lb ? -1 : la > lb;
    vrv_decimal da, db;
    bool ok_a = vrv_decimal_parse(a, &da), ok_b = vrv_decimal_parse(b, &db);
    if (ok_a && ok_b) return vrv_decimal_cmp(&da, &db);
    if (!ok_a && !ok_b) return expr_java_strcmp(a, b); /* both unparsable */
    return ok_a ? 1 : -1;
}

/* ---- alphanumeric ----------------------------------------------------------------- */

static bool an_digit(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 0x660 && c <= 0x669) || (c >= 0x6F0 && c <= 0x6F9) ||
           (c >= 0x966 && c <= 0x96F) || (c >= 0xFF10 && c <= 0xFF19);
}

static bool an_zero(uint32_t c)
{
    return c == '0' || c == 0x660 || c == 0x6F0 || c == 0x966 || c == 0xFF10;
}

static int an_value(uint32_t c)
{
    if (c <= '9') return (int)(c - '0');
    if (c <= 0x669) return (int)(c - 0x660);
    if (c <= 0x6F9) return (int)(c - 0x6F0);
    if (c <= 0x96F) return (int)(c - 0x966);
    return (int)(c - 0xFF10);
}

static uint32_t peek_cp(vrv_str s, size_t i)
{
    size_t k = i;
    return expr_utf8_next(s.p, s.n, &k);
}

static size_t cp_len(vrv_str s, size_t i)
{
    size_t k = i;
    expr_utf8_next(s.p, s.n, &k);
    return k - i;
}

static int an_numbers(vrv_str s0, vrv_str s1, size_t *p0, size_t *p1)
{
    int delta = 0, zeroes0 = 0, zeroes1 = 0;
    int64_t ch0 = -1, ch1 = -1;
    while (*p0 < s0.n && an_zero((uint32_t)(ch0 = peek_cp(s0, *p0)))) {
        zeroes0++;
        *p0 += cp_len(s0, *p0);
    }
    if (*p0 >= s0.n) ch0 = -1;
    while (*p1 < s1.n && an_zero((uint32_t)(ch1 = peek_cp(s1, *p1)))) {
        zeroes1++;
        *p1 += cp_len(s1, *p1);
    }
    if (*p1 >= s1.n) ch1 = -1;
    for (;;) {
        bool no0 = ch0 < 0 || !an_digit((uint32_t)ch0);
        bool no1 = ch1 < 0 || !an_digit((uint32_t)ch1);
        if (no0 && no1) return delta != 0 ? delta : zeroes0 - zeroes1;
        if (no0) return -1;
        if (no1) return 1;
        if (delta == 0 && ch0 != ch1) delta = an_value((uint32_t)ch0) - an_value((uint32_t)ch1);
        if (*p0 < s0.n) {
            ch0 = peek_cp(s0, *p0);
            if (an_digit((uint32_t)ch0)) *p0 += cp_len(s0, *p0);
            else ch0 = -1;
        } else {
            ch0 = -1;
        }
        if (*p1 < s1.n) {
            ch1 = peek_cp(s1, *p1);
            if (an_digit((uint32_t)ch1)) *p1 += cp_len(s1, *p1);
            else ch1 = -1;
        } else {
            ch1 = -1;
        }
    }
}

/* String.CASE_INSENSITIVE_ORDER over two runs. */
static int case_insensitive(vrv_str a, vrv_str b)
{
    size_t i = 0, j = 0, na = 0, nb = 0;
    while (i < a.n && j < b.n) {
        uint32_t c1 = expr_utf8_next(a.p, a.n, &i), c2 = expr_utf8_next(b.p, b.n, &j);
        na += c1 >= 0x10000 ? 2 : 1;
        nb += c2 >= 0x10000 ? 2 : 1;
        if (c1 != c2) {
            c1 = expr_case_map(c1, true);
            c2 = expr_case_map(c2, true);
            if (c1 != c2) {
                c1 = expr_case_map(c1, false);
                c2 = expr_case_map(c2, false);
                if (c1 != c2) return c1 < c2 ? -1 : 1;
            }
        }
    }
    na += expr_utf16_len(a.p + i, a.n - i);
    nb += expr_utf16_len(b.p + j, b.n - j);
    return na < nb ? -1 : na > nb;
}

static int an_non_numeric(vrv_str s0, vrv_str s1, size_t *p0, size_t *p1)
{
    size_t st0 = *p0;
    *p0 += cp_len(s0, *p0);
    while (*p0 < s0.n && !an_digit(peek_cp(s0, *p0))) *p0 += cp_len(s0, *p0);
    size_t st1 = *p1;
    *p1 += cp_len(s1, *p1);
    while (*p1 < s1.n && !an_digit(peek_cp(s1, *p1))) *p1 += cp_len(s1, *p1);
    return case_insensitive(vrv_str_make(s0.p + st0, *p0 - st0), vrv_str_make(s1.p + st1, *p1 - st1));
}

int vrv_strcmp_alphanumeric(vrv_str a, vrv_str b)
{
    if (a.n == 0) return b.n == 0 ? 0 : -1;
    if (b.n == 0) return 1;
    size_t p0 = 0, p1 = 0;
    while (p0 < a.n && p1 < b.n) {
        bool d0 = an_digit(peek_cp(a, p0)), d1 = an_digit(peek_cp(b, p1));
        int r;
        if (d0) r = d1 ? an_numbers(a, b, &p0, &p1) : -1;
        else r = d1 ? 1 : an_non_numeric(a, b, &p0, &p1);
        if (r != 0) return r;
    }
    size_t la = expr_utf16_len(a.p, a.n), lb = expr_utf16_len(b.p, b.n);
    return la < lb ? -1 : la > lb;
}

/* ---- version: Maven's ComparableVersion ----------------------------------------------- */

enum { IT_INT, IT_STR, IT_LIST };

typedef struct vitem vitem;
struct vitem {
    int kind;
    const char *s; /* IT_INT: digits without leading zeros; IT_STR: the canonical qualifier */
    size_t n;
    vitem **items; /* IT_LIST */
    size_t nitems, cap;
    vitem *parent;
};

static const char *qualifiers[] = {"alpha", "beta", "milestone", "rc", "snapshot", "", "sp"};
#define RELEASE_INDEX 5

/* comparableQualifier: the index of a known qualifier, else "7-" + q; encoded
 * as (rank, text) so that comparison matches Java's String compare of the two. */
static int qual_cmp(vrv_str a, vrv_str b)
{
    int ia = -1, ib = -1;
    for (int i = 0; i < 7; i++) {
        if (vrv_str_eq_c(a, qualifiers[i])) ia = i;
        if (vrv_str_eq_c(b, qualifiers[i])) ib = i;
    }
    /* Known qualifiers are the one-character strings "0".."6"; unknown ones are
     * "7-<q>", which sort after them. */
    if (ia >= 0 && ib >= 0) return ia < ib ? -1 : ia > ib;
    if (ia >= 0) return -1;
    if (ib >= 0) return 1;
    return expr_java_strcmp(a, b);
}

static bool item_is_null(const vitem *it)
{
    switch (it->kind) {
    case IT_INT: return it->n == 0;
    case IT_STR: return it->n == 0; /* "" is the release qualifier */
    default: return it->nitems == 0;
    }
}

static int item_cmp(const vitem *a, const vitem *b);

/* a compared with "nothing" (Item.compareTo(null)). */
static int item_cmp_null(const vitem *a)
{
    switch (a->kind) {
    case IT_INT: return a->n == 0 ? 0 : 1;
    case IT_STR: return qual_cmp(vrv_str_make(a->s, a->n), vrv_str_make("", 0));
    default: return a->nitems == 0 ? 0 : item_cmp_null(a->items[0]);
    }
}

static int int_cmp(const vitem *a, const vitem *b)
{
    if (a->n != b->n) return a->n < b->n ? -1 : 1;
    int c = memcmp(a->s, b->s, a->n);
    return c < 0 ? -1 : c > 0;
}

static int item_cmp(const vitem *a, const vitem *b)
{
    if (!b) return item_cmp_null(a);
    switch (a->kind) {
    case IT_INT: return b->kind == IT_INT ? int_cmp(a, b) : 1;
    case IT_STR:
        if (b->kind == IT_INT) return -1;
        if (b->kind == IT_STR) return qual_cmp(vrv_str_make(a->s, a->n), vrv_str_make(b->s, b->n));
        return -1;
    default:
        if (b->kind == IT_INT) return -1;
        if (b->kind == IT_STR) return 1;
        for (size_t i = 0;; i++) {
            const vitem *l = i < a->nitems ? a->items[i] : NULL;
            const vitem *r = i < b->nitems ? b->items[i] : NULL;
            if (!l && !r) return 0;
            int res = l ? item_cmp(l, r) : -item_cmp(r, l);
            if (res != 0) return res;
        }
    }
}

typedef struct vparse {
    VRV_VEC(vitem *) all; /* every allocated item, freed at the end */
    char *lower;          /* the lower-cased version text */
} vparse;

static vitem *new_item(vparse *vp, int kind)
{
    vitem *it = calloc(1, sizeof *it);
    if (!it) abort();
    it->kind = kind;
    vrv_vec_push(&vp->all, it);
    return it;
}

static void list_add(vitem *list, vitem *it)
{
    if (list->nitems == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 4;
        list->items = realloc(list->items, list->cap * sizeof *list->items);
        if (!list->items) abort();
    }
    list->items[list->nitems++] = it;
}

static vitem *parse_item(vparse *vp, bool digit, const char *s, size_t n, bool followed_by_digit)
{
    if (digit) {
        vitem *it = new_item(vp, IT_INT);
        while (n > 0 && *s == '0') s++, n--;
        it->s = s;
        it->n = n;
        return it;
    }
    vitem *it = new_item(vp, IT_STR);
    if (followed_by_digit && n == 1) {
        if (*s == 'a') s = "alpha", n = 5;
        else if (*s == 'b') s = "beta", n = 4;
        else if (*s == 'm') s = "milestone", n = 9;
    }
    vrv_str q = vrv_str_make(s, n);
    if (vrv_str_eq_c(q, "ga") || vrv_str_eq_c(q, "final") || vrv_str_eq_c(q, "release")) s = "", n = 0;
    else if (vrv_str_eq_c(q, "cr")) s = "rc", n = 2;
    it->s = s;
    it->n = n;
    return it;
}

static void normalize(vitem *list)
{
    for (size_t i = list->nitems; i-- > 0;) {
        vitem *last = list->items[i];
        if (item_is_null(last)) {
            memmove(list->items + i, list->items + i + 1, (list->nitems - i - 1) * sizeof *list->items);
            list->nitems--;
        } else if (last->kind != IT_LIST) {
            break;
        }
    }
}

static vitem *parse_version(vparse *vp, vrv_str v)
{
    char *s = vp->lower = malloc(v.n + 1);
    if (!s) abort();
    for (size_t i = 0; i < v.n; i++) {
        char c = v.p[i];
        s[i] = c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    s[v.n] = '\0';
    vitem *root = new_item(vp, IT_LIST), *list = root;
    VRV_VEC(vitem *) stack = {0};
    vrv_vec_push(&stack, root);
    bool digit = false;
    size_t start = 0;
    for (size_t i = 0; i < v.n; i++) {
        char c = s[i];
        if (c == '.' || c == '-') {
            if (i == start) list_add(list, parse_item(vp, true, "0", 1, false));
            else list_add(list, parse_item(vp, digit, s + start, i - start, false));
            start = i + 1;
            if (c == '-') {
                vitem *sub = new_item(vp, IT_LIST);
                sub->parent = list;
                list_add(list, sub);
                list = sub;
                vrv_vec_push(&stack, list);
            }
        } else if (c >= '0' && c <= '9') {
            if (!digit && i > start) {
                list_add(list, parse_item(vp, false, s + start, i - start, true));
                start = i;
                vitem *sub = new_item(vp, IT_LIST);
                list_add(list, sub);
                list = sub;
                vrv_vec_push(&stack, list);
            }
            digit = true;
        } else {
            if (digit && i > start) {
                list_add(list, parse_item(vp, true, s + start, i - start, false));
                start = i;
                vitem *sub = new_item(vp, IT_LIST);
                list_add(list, sub);
                list = sub;
                vrv_vec_push(&stack, list);
            }
            digit = false;
        }
    }
    if (v.n > start) list_add(list, parse_item(vp, digit, s + start, v.n - start, false));
    while (stack.n) normalize(stack.v[--stack.n]);
    vrv_vec_free(&stack);
    return root;
}

static void vparse_free(vparse *vp)
{
    for (size_t i = 0; i < vp->all.n; i++) {
        free(vp->all.v[i]->items);
        free(vp->all.v[i]);
    }
    vrv_vec_free(&vp->all);
    free(vp->lower);
}

int vrv_strcmp_version(vrv_str a, vrv_str b)
{
    vparse pa = {0}, pb = {0};
    vitem *ra = parse_version(&pa, a), *rb = parse_version(&pb, b);
    int r = item_cmp(ra, rb);
    vparse_free(&pa);
    vparse_free(&pb);
    return r < 0 ? -1 : r > 0;
}
