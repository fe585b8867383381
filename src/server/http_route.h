/*
 * http_route.h — the request router of varve's HTTP server and the URL pieces
 * it needs: a table of (method, path pattern) -> target, percent-decoding, and
 * query-string parsing. Pure functions over bytes (no sockets), so the whole
 * request-line handling can be fuzzed on its own.
 *
 * Patterns are absolute paths whose segments are literals or parameters:
 *     /druid/indexer/v1/supervisor/{id}/status
 *     /druid/v2/sql
 *     /assets/{path*}          -- a last {name*} takes one or more segments
 * Matching works on the raw (still percent-encoded) request path: it is split
 * at '/', then each segment is decoded, so an encoded "%2F" stays inside its
 * parameter. One trailing '/' is ignored ("/status/" is "/status"), as Druid's
 * Jersey does. When several patterns match, the most specific wins: at the
 * first segment where they differ, a literal beats a parameter, which beats a
 * {name*}. A path that matches only routes of other methods is a 405 (with
 * the allowed methods); HEAD falls back to GET.
 */
#ifndef VRV_HTTP_ROUTE_H
#define VRV_HTTP_ROUTE_H

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"

#define VRV_HTTP_MAX_PARAMS   8  /* {param}s in one pattern */
#define VRV_HTTP_MAX_SEGMENTS 64 /* path segments considered; deeper paths are 404 */

typedef struct vrv_http_router vrv_http_router;

typedef enum vrv_http_match_status {
    VRV_HTTP_MATCH_OK = 0,
    VRV_HTTP_MATCH_NOT_FOUND,  /* no pattern matches the path: 404 */
    VRV_HTTP_MATCH_BAD_METHOD, /* patterns match, none for this method: 405 */
    VRV_HTTP_MATCH_BAD_PATH,   /* malformed percent-encoding or %00: 400 */
} vrv_http_match_status;

typedef struct vrv_http_param {
    const char *name; /* borrowed from the router */
    char *value;      /* decoded, owned by the match */
} vrv_http_param;

typedef struct vrv_http_match {
    vrv_http_match_status status;
    void *target;        /* the route's target when OK */
    const char *pattern; /* the route's pattern when OK (borrowed) */
    vrv_http_param params[VRV_HTTP_MAX_PARAMS];
    size_t n_params;
    char allow[128]; /* for 405: "GET, POST" */
} vrv_http_match;

vrv_http_router *vrv_http_router_new(void);
void vrv_http_router_free(vrv_http_router *r); /* r may be NULL; targets are not freed */

/* Adds a route. method is an upper-case token ("GET", "POST", ...). pattern is
 * checked: it must start with '/', parameter names are [A-Za-z0-9_]+ and
 * unique, {name*} only last, literals contain no '{', '}', '?' or '%'.
 * VRV_EINVAL for a bad pattern, VRV_ECONFLICT if the same method and pattern
 * shape (parameter names aside) is already routed. The router copies method
 * and pattern; target is borrowed. */
int vrv_http_router_add(vrv_http_router *r, const char *method, const char *pattern, void *target,
                        vrv_error *err);

/* Matches a request. path is the raw path of the request target (without the
 * query string), path_len its length. Fills m; release it with
 * vrv_http_match_clear. Thread safe against other matches (the router is
 * read-only once built). */
void vrv_http_router_match(const vrv_http_router *r, const char *method, const char *path,
                           size_t path_len, vrv_http_match *m);
void vrv_http_match_clear(vrv_http_match *m);

/* The decoded value of a matched parameter, or NULL. */
const char *vrv_http_match_param(const vrv_http_match *m, const char *name);

/* Appends the percent-decoding of s[0..n) to out; with plus_space, '+' decodes
 * to ' ' (query strings). Returns 0, or VRV_EINVAL for a '%' not followed by two
 * hex digits or for a decoded NUL byte. */
int vrv_http_pct_decode(const char *s, size_t n, bool plus_space, vrv_buf *out);

/* One decoded key/value of a query string. */
typedef struct vrv_http_qparam {
    char *key;
    char *value; /* "" for a bare key ("?full") */
} vrv_http_qparam;

typedef struct vrv_http_query {
    vrv_http_qparam *v;
    size_t n, cap;
} vrv_http_query;

/* Parses "a=1&b&c=x%20y" into q (appending). Malformed pairs (bad escapes) are
 * skipped; empty pairs ("a=1&&b") too. Returns the number of pairs skipped. */
size_t vrv_http_query_parse(const char *s, size_t n, vrv_http_query *q);
/* The value of the first pair named key, or NULL. */
const char *vrv_http_query_get(const vrv_http_query *q, const char *key);
void vrv_http_query_free(vrv_http_query *q);

#endif
