/*
 * http_route.c — compiled route patterns and a linear best-match search.
 * A server has a few hundred routes at most and matching is a handful of
 * string compares per route, far below the cost of the request itself, so a
 * trie would buy nothing but code.
 */
#include "server/http_route.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"

typedef enum seg_kind { SEG_LITERAL = 2, SEG_PARAM = 1, SEG_REST = 0 } seg_kind;

typedef struct route_seg {
    seg_kind kind;
    char *text; /* literal text, or parameter name */
} route_seg;

typedef struct route {
    char *method;
    char *pattern;
    route_seg *segs;
    size_t n_segs;
    void *target;
} route;

struct vrv_http_router {
    VRV_VEC(route) routes;
};

vrv_http_router *vrv_http_router_new(void)
{
    return vrv_calloc(1, sizeof(vrv_http_router));
}

void vrv_http_router_free(vrv_http_router *r)
{
    if (!r) return;
    for (size_t i = 0; i < r->routes.n; i++) {
        route *rt = &r->routes.v[i];
        for (size_t j = 0; j < rt->n_segs; j++) free(rt->segs[j].text);
        free(rt->segs);
        free(rt->method);
        free(rt->pattern);
    }
    vrv_vec_free(&r->routes);
    free(r);
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static void free_segs(route_seg *segs, size_t n)
{
    for (size_t i = 0; i < n; i++) free(segs[i].text);
    free(segs);
}

/* Same method and the same sequence of segment kinds and literals. */
static bool same_shape(const route *a, const char *method, const route_seg *segs, size_t n)
{
    if (strcmp(a->method, method) != 0 || a->n_segs != n) return false;
    for (size_t i = 0; i < n; i++) {
        if (a->segs[i].kind != segs[i].kind) return false;
        if (segs[i].kind == SEG_LITERAL && strcmp(a->segs[i].text, segs[i].text) != 0) return false;
    }
    return true;
}

int vrv_http_router_add(vrv_http_router *r, const char *method, const char *pattern, void *target,
                        vrv_error *err)
{
    if (!method || !*method)
        return vrv_error_set(err, VRV_EINVAL, "route method: must not be empty");
    for (const char *p = method; *p; p++)
        if (*p < 'A' || *p > 'Z')
            return vrv_error_set(err, VRV_EINVAL, "route method [%s]: must be upper-case letters",
                                 method);
    if (!pattern || pattern[0] != '/')
        return vrv_error_set(err, VRV_EINVAL, "route pattern [%s]: must start with '/'",
                             pattern ? pattern : "");
    VRV_VEC(route_seg) segs = {0};
    int rc = 0;
    const char *p = pattern + 1;
    size_t n_params = 0;
    while (*p && rc == 0) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        route_seg s = {SEG_LITERAL, NULL};
        if (len == 0) {
            rc = vrv_error_set(err, VRV_EINVAL, "route pattern [%s]: empty segment", pattern);
            break;
        }
        if (p[0] == '{') {
            bool rest = len >= 3 && p[len - 2] == '*';
            size_t name_len = len - 2 - (rest ? 1 : 0);
            bool ok = p[len - 1] == '}' && name_len > 0;
            for (size_t i = 0; ok && i < name_len; i++) ok = name_char(p[1 + i]);
            if (!ok) {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "route pattern [%s]: bad parameter [%.*s]; use {name} or "
                                   "{name*} with letters, digits, '_'",
                                   pattern, (int)len, p);
                break;
            }
            if (rest && end && end[1] != '\0') {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "route pattern [%s]: {%.*s*} must be the last segment", pattern,
                                   (int)name_len, p + 1);
                break;
            }
            s.kind = rest ? SEG_REST : SEG_PARAM;
            s.text = vrv_strndup(p + 1, name_len);
            for (size_t i = 0; i < segs.n; i++)
                if (segs.v[i].kind != SEG_LITERAL && strcmp(segs.v[i].text, s.text) == 0)
                    rc = vrv_error_set(err, VRV_EINVAL,
                                       "route pattern [%s]: parameter {%s} appears twice", pattern,
                                       s.text);
            if (rc == 0 && ++n_params > VRV_HTTP_MAX_PARAMS)
                rc = vrv_error_set(err, VRV_EINVAL, "route pattern [%s]: more than %d parameters",
                                   pattern, VRV_HTTP_MAX_PARAMS);
        } else {
            if (memchr(p, '{', len) || memchr(p, '}', len) || memchr(p, '?', len) ||
                memchr(p, '%', len)) {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "route pattern [%s]: literal segment [%.*s] may not contain "
                                   "'{', '}', '?' or '%%'",
                                   pattern, (int)len, p);
                break;
            }
            s.text = vrv_strndup(p, len);
        }
        vrv_vec_push(&segs, s);
        if (segs.n > VRV_HTTP_MAX_SEGMENTS)
            rc = vrv_error_set(err, VRV_EINVAL, "route pattern [%s]: more than %d segments",
                               pattern, VRV_HTTP_MAX_SEGMENTS);
        if (!end) break;
        p = end + 1;
        if (!*p) rc = vrv_error_set(err, VRV_EINVAL, "route pattern [%s]: trailing '/'", pattern);
    }
    for (size_t i = 0; rc == 0 && i < r->routes.n; i++)
        if (same_shape(&r->routes.v[i], method, segs.v, segs.n))
            rc = vrv_error_set(err, VRV_ECONFLICT, "route %s %s: already routed as %s %s", method,
                               pattern, r->routes.v[i].method, r->routes.v[i].pattern);
    if (rc < 0) {
        free_segs(segs.v, segs.n);
        return rc;
    }
    route rt = {vrv_strdup(method), vrv_strdup(pattern), segs.v, segs.n, target};
    vrv_vec_push(&r->routes, rt);
    return 0;
}

/* ---- decoding ---------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int vrv_http_pct_decode(const char *s, size_t n, bool plus_space, vrv_buf *out)
{
    vrv_buf_reserve(out, n);
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= n) return VRV_EINVAL;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0) return VRV_EINVAL;
            c = (char)(h * 16 + l);
            if (c == '\0') return VRV_EINVAL;
            i += 2;
        } else if (c == '+' && plus_space) {
            c = ' ';
        } else if (c == '\0') {
            return VRV_EINVAL;
        }
        vrv_buf_putc(out, c);
    }
    return 0;
}

/* ---- matching ------------------------------------------------------------------ */

typedef struct span {
    const char *p;
    size_t n;
} span;

/* Does rt match the split path? Fills score[] (kind per position). */
static bool route_matches(const route *rt, const span *parts, size_t n_parts, int *score,
                          vrv_buf *tmp)
{
    if (rt->n_segs == 0) return n_parts == 0;
    bool rest = rt->segs[rt->n_segs - 1].kind == SEG_REST;
    if (rest ? n_parts < rt->n_segs : n_parts != rt->n_segs) return false;
    for (size_t i = 0; i < rt->n_segs; i++) {
        const route_seg *s = &rt->segs[i];
        score[i] = (int)s->kind;
        if (s->kind != SEG_LITERAL) continue;
        /* Literals are compared with the decoded segment: "/druid%2Fv2" is not
         * "/druid/v2", but "/st%61tus" is "/status". */
        vrv_buf_reset(tmp);
        if (vrv_http_pct_decode(parts[i].p, parts[i].n, false, tmp) < 0) return false;
        if (strcmp(tmp->data ? tmp->data : "", s->text) != 0) return false;
    }
    return true;
}

static int cmp_score(const int *a, size_t na, const int *b, size_t nb)
{
    for (size_t i = 0; i < na && i < nb; i++)
        if (a[i] != b[i]) return a[i] - b[i];
    return (int)na - (int)nb;
}

static void allow_add(vrv_http_match *m, const char *method)
{
    /* no duplicates, bounded */
    size_t ml = strlen(method);
    const char *a = m->allow;
    while (*a) {
        const char *e = strchr(a, ',');
        size_t l = e ? (size_t)(e - a) : strlen(a);
        if (l == ml && memcmp(a, method, ml) == 0) return;
        if (!e) break;
        a = e + 2;
    }
    size_t cur = strlen(m->allow);
    if (cur + ml + 3 >= sizeof m->allow) return;
    snprintf(m->allow + cur, sizeof m->allow - cur, "%s%s", cur ? ", " : "", method);
}

void vrv_http_router_match(const vrv_http_router *r, const char *method, const char *path,
                           size_t path_len, vrv_http_match *m)
{
    memset(m, 0, sizeof *m);
    m->status = VRV_HTTP_MATCH_NOT_FOUND;
    if (path_len == 0 || path[0] != '/') return;
    /* split: "/a/b/" -> [a, b]; "/" -> [] */
    span parts[VRV_HTTP_MAX_SEGMENTS + 1];
    size_t n_parts = 0;
    size_t end = path_len;
    if (end > 1 && path[end - 1] == '/') end--;
    for (size_t i = 1; end > 1;) {
        size_t j = i;
        while (j < end && path[j] != '/') j++;
        if (n_parts == VRV_HTTP_MAX_SEGMENTS) return; /* deeper than any route: 404 */
        parts[n_parts++] = (span){path + i, j - i};
        if (j >= end) break;
        i = j + 1; /* "/a//" leaves an empty last segment */
    }
    /* validate the encoding of every segment once */
    vrv_buf tmp = VRV_BUF_INIT;
    for (size_t i = 0; i < n_parts; i++) {
        vrv_buf_reset(&tmp);
        if (vrv_http_pct_decode(parts[i].p, parts[i].n, false, &tmp) < 0) {
            vrv_buf_free(&tmp);
            m->status = VRV_HTTP_MATCH_BAD_PATH;
            return;
        }
    }

    const route *best = NULL, *best_get = NULL;
    int best_score[VRV_HTTP_MAX_SEGMENTS + 1], get_score[VRV_HTTP_MAX_SEGMENTS + 1];
    int score[VRV_HTTP_MAX_SEGMENTS + 1];
    bool any_path = false;
    bool head = strcmp(method, "HEAD") == 0;
    for (size_t i = 0; i < r->routes.n; i++) {
        const route *rt = &r->routes.v[i];
        if (!route_matches(rt, parts, n_parts, score, &tmp)) continue;
        any_path = true;
        allow_add(m, rt->method);
        if (strcmp(rt->method, method) == 0) {
            if (!best || cmp_score(score, rt->n_segs, best_score, best->n_segs) > 0) {
                best = rt;
                memcpy(best_score, score, rt->n_segs * sizeof(int));
            }
        } else if (head && strcmp(rt->method, "GET") == 0) {
            if (!best_get || cmp_score(score, rt->n_segs, get_score, best_get->n_segs) > 0) {
                best_get = rt;
                memcpy(get_score, score, rt->n_segs * sizeof(int));
            }
        }
    }
    if (!best) best = best_get;
    if (!best) {
        vrv_buf_free(&tmp);
        m->status = any_path ? VRV_HTTP_MATCH_BAD_METHOD : VRV_HTTP_MATCH_NOT_FOUND;
        return;
    }
    m->allow[0] = '\0';
    m->status = VRV_HTTP_MATCH_OK;
    m->target = best->target;
    m->pattern = best->pattern;
    for (size_t i = 0; i < best->n_segs; i++) {
        const route_seg *s = &best->segs[i];
        if (s->kind == SEG_LITERAL) continue;
        vrv_buf v = VRV_BUF_INIT;
        size_t last = s->kind == SEG_REST ? n_parts - 1 : i;
        for (size_t k = i; k <= last; k++) {
            if (k > i) vrv_buf_putc(&v, '/');
            vrv_http_pct_decode(parts[k].p, parts[k].n, false, &v); /* validated above */
        }
        m->params[m->n_params].name = s->text;
        m->params[m->n_params].value = v.data ? vrv_buf_detach(&v) : vrv_strdup("");
        m->n_params++;
    }
    vrv_buf_free(&tmp);
}

void vrv_http_match_clear(vrv_http_match *m)
{
    for (size_t i = 0; i < m->n_params; i++) free(m->params[i].value);
    m->n_params = 0;
}

const char *vrv_http_match_param(const vrv_http_match *m, const char *name)
{
    for (size_t i = 0; i < m->n_params; i++)
        if (strcmp(m->params[i].name, name) == 0) return m->params[i].value;
    return NULL;
}

/* ---- query strings ------------------------------------------------------------------ */

size_t vrv_http_query_parse(const char *s, size_t n, vrv_http_query *q)
{
    size_t skipped = 0;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&') j++;
        if (j > i) {
            const char *eq = memchr(s + i, '=', j - i);
            size_t klen = eq ? (size_t)(eq - (s + i)) : j - i;
            vrv_buf k = VRV_BUF_INIT, v = VRV_BUF_INIT;
            if (klen == 0 || vrv_http_pct_decode(s + i, klen, true, &k) < 0 ||
                (eq && vrv_http_pct_decode(eq + 1, (size_t)(s + j - eq - 1), true, &v) < 0)) {
                vrv_buf_free(&k);
                vrv_buf_free(&v);
                skipped++;
            } else {
                vrv_http_qparam p = {vrv_buf_detach(&k),
                                     v.data ? vrv_buf_detach(&v) : vrv_strdup("")};
                vrv_vec_push(q, p);
            }
        }
        i = j + 1;
    }
    return skipped;
}

const char *vrv_http_query_get(const vrv_http_query *q, const char *key)
{
    for (size_t i = 0; i < q->n; i++)
        if (strcmp(q->v[i].key, key) == 0) return q->v[i].value;
    return NULL;
}

void vrv_http_query_free(vrv_http_query *q)
{
    for (size_t i = 0; i < q->n; i++) {
        free(q->v[i].key);
        free(q->v[i].value);
    }
    vrv_vec_free(q);
}
