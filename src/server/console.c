/*
 * console.c — serves varve's web console: the static files of web/, compiled
 * into the binary (console_assets.h), at
 *
 *   GET /                          the console (web/index.html)
 *   GET /unified-console.html      the same page, at the path Druid serves it
 *   GET /console/{path*}           every other file: /console/js/app.js ...
 *
 * Responses carry the file's ETag and "Cache-Control: no-cache": a browser
 * keeps its copy and revalidates it with If-None-Match, answered 304 while
 * the binary holds the same bytes, so a new build is never hidden behind a
 * stale cache. A path that names no file is a 404 with the JSON error body
 * of every other endpoint. GET only (HEAD falls back to GET in the router).
 * The console itself talks to the server only through Druid's public HTTP
 * API; nothing here knows what the pages do.
 */
#include <string.h>

#include "server/console_assets.h"
#include "server/node_int.h"

const vrv_console_asset *vrv_console_find(const char *path)
{
    /* the table is sorted by path (strcmp order): binary search */
    size_t lo = 0, hi = vrv_console_n_assets;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(path, vrv_console_assets[mid].path);
        if (c == 0) return &vrv_console_assets[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* Does an If-None-Match header name etag? It may list several tags, or "*". */
static bool etag_matches(const char *inm, const char *etag)
{
    if (!inm) return false;
    size_t n = strlen(etag);
    for (const char *p = inm; *p;) {
        while (*p == ' ' || *p == ',' || *p == '\t') p++;
        if (*p == '*') return true;
        if (strncmp(p, "W/", 2) == 0) p += 2; /* a weak tag compares equal too (RFC 9110 8.8.3.2) */
        if (strncmp(p, etag, n) == 0 && (p[n] == '\0' || p[n] == ',' || p[n] == ' ')) return true;
        while (*p && *p != ',') p++;
    }
    return false;
}

static void send_asset(vrv_http_req *req, vrv_http_resp *resp, const char *path)
{
    const vrv_console_asset *a = vrv_console_find(path);
    if (!a) {
        vrv_http_error(resp, 404, "Console file [%s] not found", path);
        return;
    }
    vrv_http_resp_header(resp, "ETag", a->etag);
    vrv_http_resp_header(resp, "Cache-Control", "no-cache");
    vrv_http_resp_header(resp, "X-Content-Type-Options", "nosniff");
    if (etag_matches(vrv_http_req_header(req, "If-None-Match"), a->etag)) {
        vrv_http_resp_empty(resp, 304);
        return;
    }
    vrv_http_resp_raw(resp, 200, a->content_type, (const char *)a->data, a->len);
}

static void h_index(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)ctx;
    send_asset(req, resp, "index.html");
}

static void h_asset(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)ctx;
    const char *path = vrv_http_req_param(req, "path");
    send_asset(req, resp, path ? path : "");
}

int vrv_api_console_routes(vrv_node *n, vrv_error *err)
{
    static const struct {
        const char *pattern;
        vrv_http_handler h;
    } routes[] = {
        {"/", h_index},
        {"/unified-console.html", h_index},
        {"/console/{path*}", h_asset},
    };
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        int rc = vrv_http_route(n->http, "GET", routes[i].pattern, routes[i].h, n, err);
        if (rc < 0) return rc;
    }
    return 0;
}
