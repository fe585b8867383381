/*
 * fuzz_http_route.c — the router, the path splitter/decoder and the query
 * parser on arbitrary bytes. Input: "<pattern>\n<METHOD> <target>": the
 * pattern is added to a table of real varve routes (it may be rejected), then
 * the request target is split at '?', its path matched and its query parsed.
 * Checks: no crash or leak, a match always names a target and decoded
 * parameters never contain NUL bytes.
 */
#include <assert.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/http_route.h"

static const char *const routes[][2] = {
    {"GET", "/status"},
    {"GET", "/status/health"},
    {"GET", "/druid/indexer/v1/supervisor"},
    {"POST", "/druid/indexer/v1/supervisor"},
    {"GET", "/druid/indexer/v1/supervisor/history"},
    {"GET", "/druid/indexer/v1/supervisor/{id}"},
    {"GET", "/druid/indexer/v1/supervisor/{id}/status"},
    {"POST", "/druid/indexer/v1/supervisor/{id}/suspend"},
    {"GET", "/druid/indexer/v1/task/{taskId}/log"},
    {"POST", "/druid/worker/v1/chat/{taskId}/offsets/end"},
    {"DELETE", "/druid/v2/{queryId}"},
    {"POST", "/druid/v2"},
    {"GET", "/druid/coordinator/v1/metadata/datasources/{ds}/segments/{segmentId}"},
    {"GET", "/unified-console/{path*}"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    const char *nl = memchr(in, '\n', size);
    size_t plen = nl ? (size_t)(nl - in) : 0;
    const char *req = nl ? nl + 1 : in;
    size_t rlen = size - (size_t)(req - in);

    vrv_http_router *r = vrv_http_router_new();
    static int targets[VRV_ARRAY_LEN(routes) + 1];
    for (size_t i = 0; i < VRV_ARRAY_LEN(routes); i++)
        vrv_http_router_add(r, routes[i][0], routes[i][1], &targets[i], NULL);
    if (nl) {
        char *pattern = malloc(plen + 1);
        memcpy(pattern, in, plen);
        pattern[plen] = '\0';
        vrv_error err;
        vrv_http_router_add(r, "GET", pattern, &targets[VRV_ARRAY_LEN(routes)], &err);
        free(pattern);
    }

    /* "<METHOD> <target>", method defaulting to GET */
    char method[16] = "GET";
    const char *sp = memchr(req, ' ', rlen < 16 ? rlen : 16);
    if (sp) {
        size_t ml = (size_t)(sp - req);
        memcpy(method, req, ml);
        method[ml] = '\0';
        rlen -= ml + 1;
        req = sp + 1;
    }
    const char *q = memchr(req, '?', rlen);
    size_t path_len = q ? (size_t)(q - req) : rlen;
    vrv_http_match m;
    vrv_http_router_match(r, method, req, path_len, &m);
    if (m.status == VRV_HTTP_MATCH_OK) {
        assert(m.target != NULL && m.pattern != NULL);
        for (size_t i = 0; i < m.n_params; i++) {
            assert(m.params[i].value != NULL);
            assert(vrv_http_match_param(&m, m.params[i].name) != NULL);
        }
    }
    vrv_http_match_clear(&m);
    if (q) {
        vrv_http_query qs = {0};
        vrv_http_query_parse(q + 1, rlen - path_len - 1, &qs);
        for (size_t i = 0; i < qs.n; i++) {
            assert(qs.v[i].key[0] != '\0');
            assert(vrv_http_query_get(&qs, qs.v[i].key) != NULL);
        }
        vrv_http_query_free(&qs);
    }
    vrv_http_router_free(r);
    return 0;
}
