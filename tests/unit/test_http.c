/*
 * test_http.c — the HTTP server on an ephemeral loopback port, driven with
 * libcurl (through vrv_http_client and directly) and raw sockets: routing and
 * parameters, query strings, bodies and their limit, 404/405/400/413 bodies,
 * Druid's error shapes, status endpoints, streaming, keep-alive, concurrent
 * clients, slow (slowloris) clients and malformed requests; plus the router
 * and the client on their own.
 */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "server/http.h"
#include "server/http_client.h"
#include "server/http_route.h"
#include "test.h"

/* ---- handlers --------------------------------------------------------------- */

/* Echoes what the server saw: method, pattern params, selected query keys, body. */
static void h_echo(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    const char *const *names = ctx;
    json_t *params = json_object();
    for (size_t i = 0; names && names[i]; i++) {
        const char *v = vrv_http_req_param(req, names[i]);
        if (v) json_object_set_new(params, names[i], json_string(v));
    }
    json_t *query = json_object();
    static const char *qkeys[] = {"full", "count", "x", "state", "empty"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(qkeys); i++) {
        const char *v = vrv_http_req_query(req, qkeys[i]);
        if (v) json_object_set_new(query, qkeys[i], json_string(v));
    }
    size_t len = 0;
    const char *body = vrv_http_req_body(req, &len);
    json_t *b = json_pack("{s:s, s:s, s:o, s:o, s:I, s:s%}", "method", vrv_http_req_method(req),
                          "path", vrv_http_req_path(req), "params", params, "query", query,
                          "bodyLength", (json_int_t)len, "body", body, len);
    vrv_http_resp_json(resp, 200, b);
}

static const char *const id_param[] = {"id", NULL};
static const char *const path_param[] = {"path", NULL};

static void h_json_body(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)ctx;
    vrv_error err = {0};
    json_t *j = vrv_http_req_json(req, &err);
    if (!j) {
        vrv_http_error_from(resp, &err, NULL);
        return;
    }
    vrv_http_resp_header(resp, "X-Varve-Test", "yes");
    vrv_http_resp_json(resp, 201, json_pack("{s:o}", "got", j));
}

static void h_errors(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)ctx;
    const char *kind = vrv_http_req_param(req, "kind");
    vrv_error e = {0};
    if (!strcmp(kind, "plain")) {
        vrv_http_error(resp, 404, "[%s] does not exist", "wiki");
    } else if (!strcmp(kind, "legacy_parse")) {
        vrv_http_error_legacy(resp, "Json parse failed", "Unexpected character",
                              "com.fasterxml.jackson.core.JsonParseException", NULL);
    } else if (!strcmp(kind, "legacy_timeout")) {
        vrv_http_error_legacy(resp, "Query timeout", "Query [abc] timed out!",
                              "org.apache.druid.query.QueryTimeoutException", "h:8083");
    } else if (!strcmp(kind, "legacy_unsupported_op")) {
        vrv_http_error_legacy(resp, "Unsupported operation", NULL, NULL, NULL);
    } else if (!strcmp(kind, "legacy_unsupported_query")) {
        vrv_http_error_legacy(resp, "Unsupported query", "x", NULL, NULL);
    } else if (!strcmp(kind, "legacy_other")) {
        vrv_http_error_legacy(resp, "Something else", "x", NULL, NULL);
    } else if (!strcmp(kind, "druid")) {
        vrv_http_error_druid(
            resp, "invalidInput", "USER", VRV_HTTP_INVALID_INPUT,
            "Received an unexpected token [FROM] (line [1], column [8])",
            json_pack("{s:s, s:s, s:s}", "sourceType", "sql", "line", "1", "column", "8"));
    } else if (!strcmp(kind, "wrapped")) {
        vrv_http_error_wrapped_legacy(resp, "Query capacity exceeded", "Too many queries",
                                      "org.apache.druid.query.QueryCapacityExceededException",
                                      "localhost:8082");
    } else if (!strcmp(kind, "from")) {
        int code = atoi(vrv_http_req_query(req, "code"));
        vrv_error_set(&e, code, "message for %d", code);
        vrv_http_error_from(resp, &e, "h:1");
    } else if (!strcmp(kind, "none")) {
        /* produce nothing: the server answers for the handler */
    } else {
        vrv_http_resp_raw(resp, 200, "text/plain", "ok", 2);
    }
}

typedef struct counter_stream {
    int i, n, fail_at;
} counter_stream;

static int next_rows(void *ctx, vrv_buf *out)
{
    counter_stream *c = ctx;
    if (c->fail_at >= 0 && c->i >= c->fail_at) return VRV_EIO;
    if (c->i == 0) vrv_buf_putc(out, '[');
    /* several rows per call, so pieces straddle MHD's buffer */
    for (int k = 0; k < 7 && c->i < c->n; k++, c->i++)
        vrv_buf_printf(out, "%s{\"row\":%d,\"pad\":\"%s\"}", c->i ? "," : "", c->i,
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    if (c->i < c->n) return 1;
    vrv_buf_putc(out, ']');
    return 0;
}

static int streams_freed;
static pthread_mutex_t freed_mu = PTHREAD_MUTEX_INITIALIZER;

static void free_stream(void *ctx)
{
    pthread_mutex_lock(&freed_mu);
    streams_freed++;
    pthread_mutex_unlock(&freed_mu);
    free(ctx);
}

static void h_stream(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)ctx;
    counter_stream *c = calloc(1, sizeof *c);
    c->n = atoi(vrv_http_req_query(req, "n") ? vrv_http_req_query(req, "n") : "0");
    const char *f = vrv_http_req_query(req, "fail");
    c->fail_at = f ? atoi(f) : -1;
    vrv_http_resp_stream(resp, 200, "application/json", next_rows, c, free_stream);
}

static void h_sleep(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    usleep(1500 * 1000);
    vrv_http_resp_empty(resp, 204);
}

static void h_big(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    char *b = malloc(10000);
    memset(b, 'z', 10000);
    vrv_http_resp_raw(resp, 200, "text/plain", b, 10000);
    free(b);
}

/* ---- fixture ---------------------------------------------------------------------- */

static vrv_http_server *start_server(size_t max_body)
{
    vrv_http_config cfg = {.port = 0,
                           .threads = 2,
                           .max_body = max_body,
                           .version = "9.9.9-test",
                           .idle_timeout_s = 5};
    vrv_http_server *s = NULL;
    vrv_error err = {0};
    CHECK_INT(vrv_http_server_new(&cfg, &s, &err), 0);
    CHECK_INT(vrv_http_route(s, "GET", "/druid/indexer/v1/supervisor/{id}/status", h_echo,
                             (void *)id_param, &err),
              0);
    CHECK_INT(vrv_http_route(s, "GET", "/druid/indexer/v1/supervisor/{id}", h_echo,
                             (void *)id_param, &err),
              0);
    CHECK_INT(vrv_http_route(s, "GET", "/druid/indexer/v1/supervisor/history", h_echo, NULL, &err),
              0);
    CHECK_INT(vrv_http_route(s, "GET", "/druid/indexer/v1/supervisor", h_echo, NULL, &err), 0);
    CHECK_INT(vrv_http_route(s, "POST", "/druid/indexer/v1/supervisor", h_echo, NULL, &err), 0);
    CHECK_INT(vrv_http_route(s, "POST", "/druid/indexer/v1/supervisor/{id}/suspend", h_echo,
                             (void *)id_param, &err),
              0);
    CHECK_INT(vrv_http_route(s, "DELETE", "/druid/indexer/v1/pendingSegments/{id}", h_echo,
                             (void *)id_param, &err),
              0);
    CHECK_INT(vrv_http_route(s, "GET", "/assets/{path*}", h_echo, (void *)path_param, &err), 0);
    CHECK_INT(vrv_http_route(s, "POST", "/echo", h_echo, NULL, &err), 0);
    CHECK_INT(vrv_http_route(s, "POST", "/json", h_json_body, NULL, &err), 0);
    CHECK_INT(vrv_http_route(s, "GET", "/errors/{kind}", h_errors, NULL, &err), 0);
    CHECK_INT(vrv_http_route(s, "GET", "/stream", h_stream, NULL, &err), 0);
    CHECK_INT(vrv_http_route(s, "GET", "/sleep", h_sleep, NULL, &err), 0);
    CHECK_INT(vrv_http_route(s, "GET", "/big", h_big, NULL, &err), 0);
    vrv_http_server_set_property(s, "druid.service", "varve/overlord");
    vrv_http_server_set_property(s, "druid.metadata.storage.connector.password", "secret");
    vrv_http_server_set_property(s, "druid.s3.secretKey", "secret");
    vrv_http_server_set_property(s, "my.api.Token", "secret");
    vrv_http_server_set_property(s, "druid.plaintextPort", "8090");
    vrv_http_server_set_property(s, "druid.plaintextPort", "8091");
    CHECK_INT(vrv_http_server_start(s, &err), 0);
    CHECK(vrv_http_server_port(s) > 0);
    return s;
}

static char *url(vrv_http_server *s, const char *path)
{
    static __thread char buf[1024];
    snprintf(buf, sizeof buf, "http://127.0.0.1:%u%s", (unsigned)vrv_http_server_port(s), path);
    return buf;
}

/* GET through vrv_http_client; returns the status, body in *body (caller frees). */
static long get(vrv_http_client *c, vrv_http_server *s, const char *path, char **body)
{
    vrv_http_result r;
    vrv_error err = {0};
    int rc = vrv_http_client_get(c, url(s, path), &r, &err);
    if (rc != 0) fprintf(stderr, "GET %s: %s\n", path, err.msg);
    long st = rc == 0 ? r.status : -1;
    if (body) *body = strdup(r.body.data ? r.body.data : "");
    vrv_http_result_free(&r);
    return st;
}

static long request(vrv_http_client *c, vrv_http_server *s, const char *method, const char *path,
                    const char *body, char **out, char **ctype)
{
    vrv_http_result r;
    vrv_error err = {0};
    int rc = vrv_http_client_request(c, method, url(s, path), body ? "application/json" : NULL,
                                     body, body ? strlen(body) : 0, 0, &r, &err);
    if (rc != 0) fprintf(stderr, "%s %s: %s\n", method, path, err.msg);
    long st = rc == 0 ? r.status : -1;
    if (out) *out = strdup(r.body.data ? r.body.data : "");
    if (ctype) *ctype = r.content_type ? strdup(r.content_type) : NULL;
    vrv_http_result_free(&r);
    return st;
}

#define CHECK_GET(c, s, path, want_status, want_body)                                              \
    do {                                                                                           \
        char *body_ = NULL;                                                                        \
        CHECK_INT(get((c), (s), (path), &body_), (want_status));                                   \
        CHECK_STR(body_, (want_body));                                                             \
        free(body_);                                                                               \
    } while (0)

/* ---- raw sockets ---------------------------------------------------------------------- */

static int raw_connect(vrv_http_server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_port = htons(vrv_http_server_port(s));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Sends bytes, then reads until the server closes or 3 s pass. */
static char *raw_exchange(vrv_http_server *s, const char *data, size_t n, bool half_close)
{
    int fd = raw_connect(s);
    if (fd < 0) return strdup("<connect failed>");
    size_t sent = 0;
    while (sent < n) {
        ssize_t k = send(fd, data + sent, n - sent, MSG_NOSIGNAL);
        if (k <= 0) break;
        sent += (size_t)k;
    }
    if (half_close) shutdown(fd, SHUT_WR);
    vrv_buf b = VRV_BUF_INIT;
    char buf[4096];
    ssize_t k;
    while ((k = recv(fd, buf, sizeof buf, 0)) > 0) vrv_buf_append(&b, buf, (size_t)k);
    close(fd);
    return b.data ? vrv_buf_detach(&b) : strdup("");
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- tests --------------------------------------------------------------------------- */

TEST(router_unit)
{
    vrv_http_router *r = vrv_http_router_new();
    vrv_error err = {0};
    int a, b, c, d, e;
    CHECK_INT(vrv_http_router_add(r, "GET", "/druid/indexer/v1/supervisor/{id}", &a, &err), 0);
    CHECK_INT(vrv_http_router_add(r, "GET", "/druid/indexer/v1/supervisor/history", &b, &err), 0);
    CHECK_INT(vrv_http_router_add(r, "POST", "/druid/indexer/v1/supervisor/{id}/suspend", &c, &err),
              0);
    CHECK_INT(vrv_http_router_add(r, "GET", "/", &d, &err), 0);
    CHECK_INT(vrv_http_router_add(r, "GET", "/files/{rest*}", &e, &err), 0);

    vrv_http_match m;
    vrv_http_router_match(r, "GET", "/druid/indexer/v1/supervisor/history", 36, &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_OK);
    CHECK(m.target == &b);
    vrv_http_match_clear(&m);
    const char *p = "/druid/indexer/v1/supervisor/a%20b%2Fc";
    vrv_http_router_match(r, "GET", p, strlen(p), &m);
    CHECK(m.target == &a);
    CHECK_STR(vrv_http_match_param(&m, "id"), "a b/c");
    CHECK(vrv_http_match_param(&m, "nope") == NULL);
    vrv_http_match_clear(&m);
    p = "/druid/indexer/v1/supervisor/x/suspend";
    vrv_http_router_match(r, "GET", p, strlen(p), &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_BAD_METHOD);
    CHECK_STR(m.allow, "POST");
    vrv_http_match_clear(&m);
    vrv_http_router_match(r, "HEAD", "/", 1, &m);
    CHECK(m.target == &d);
    vrv_http_match_clear(&m);
    p = "/files/a/b%2Fc/d.js";
    vrv_http_router_match(r, "GET", p, strlen(p), &m);
    CHECK(m.target == &e);
    CHECK_STR(vrv_http_match_param(&m, "rest"), "a/b/c/d.js");
    vrv_http_match_clear(&m);
    vrv_http_router_match(r, "GET", "/files", 6, &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_NOT_FOUND);
    vrv_http_match_clear(&m);
    vrv_http_router_match(r, "GET", "/files/%g0", 10, &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_BAD_PATH);
    vrv_http_router_match(r, "GET", "/files/%00", 10, &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_BAD_PATH);
    vrv_http_router_match(r, "GET", "/files/abc%", 11, &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_BAD_PATH);
    vrv_http_router_match(r, "GET", "files", 5, &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_NOT_FOUND);
    vrv_http_router_match(r, "GET", "", 0, &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_NOT_FOUND);
    /* an empty segment never matches a parameter */
    p = "/druid/indexer/v1/supervisor//suspend";
    vrv_http_router_match(r, "POST", p, strlen(p), &m);
    CHECK_INT(m.status, VRV_HTTP_MATCH_OK);
    CHECK_STR(vrv_http_match_param(&m, "id"), "");
    vrv_http_match_clear(&m);

    /* pattern errors */
    CHECK_INT(vrv_http_router_add(r, "GET", "druid", &a, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "route pattern [druid]: must start with '/'");
    CHECK_INT(vrv_http_router_add(r, "get", "/x", &a, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "route method [get]: must be upper-case letters");
    CHECK_INT(vrv_http_router_add(r, "GET", "/x/{a-b}", &a, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "route pattern [/x/{a-b}]: bad parameter [{a-b}]; use {name} or {name*} "
                       "with letters, digits, '_'");
    CHECK_INT(vrv_http_router_add(r, "GET", "/x/{a}/{a}", &a, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "route pattern [/x/{a}/{a}]: parameter {a} appears twice");
    CHECK_INT(vrv_http_router_add(r, "GET", "/x/{a*}/y", &a, &err), VRV_EINVAL);
    CHECK_INT(vrv_http_router_add(r, "GET", "/x//y", &a, &err), VRV_EINVAL);
    CHECK_INT(vrv_http_router_add(r, "GET", "/x/", &a, &err), VRV_EINVAL);
    CHECK_INT(vrv_http_router_add(r, "GET", "/x/a%20", &a, &err), VRV_EINVAL);
    CHECK_INT(vrv_http_router_add(r, "GET", "/druid/indexer/v1/supervisor/{other}", &a, &err),
              VRV_ECONFLICT);
    CHECK_STR(err.msg, "route GET /druid/indexer/v1/supervisor/{other}: already routed as GET "
                       "/druid/indexer/v1/supervisor/{id}");
    vrv_http_router_free(r);

    /* query strings */
    vrv_http_query q = {0};
    const char *qs = "full&count=3&x=a+b%21&&=skip&bad=%zz&empty=&k=1&k=2";
    CHECK_INT(vrv_http_query_parse(qs, strlen(qs), &q), 2);
    CHECK_STR(vrv_http_query_get(&q, "full"), "");
    CHECK_STR(vrv_http_query_get(&q, "count"), "3");
    CHECK_STR(vrv_http_query_get(&q, "x"), "a b!");
    CHECK_STR(vrv_http_query_get(&q, "empty"), "");
    CHECK_STR(vrv_http_query_get(&q, "k"), "1");
    CHECK(vrv_http_query_get(&q, "bad") == NULL);
    CHECK(vrv_http_query_get(&q, "missing") == NULL);
    vrv_http_query_free(&q);
}

TEST(status_endpoints)
{
    vrv_http_server *s = start_server(0);
    vrv_http_client *c = vrv_http_client_new(NULL);
    char *body = NULL, *ctype = NULL;
    CHECK_INT(request(c, s, "GET", "/status/health", NULL, &body, &ctype), 200);
    CHECK_STR(body, "true");
    CHECK_STR(ctype, "application/json");
    free(body);
    free(ctype);
    CHECK_GET(c, s, "/status/selfDiscovered/status", 200, "{\"selfDiscovered\":true}");
    CHECK_GET(c, s, "/status/selfDiscovered", 200, "");
    CHECK_GET(c, s, "/status/properties", 200,
              "{\"druid.service\":\"varve/overlord\",\"druid.plaintextPort\":\"8091\"}");

    CHECK_INT(get(c, s, "/status", &body), 200);
    json_t *j = json_loads(body, 0, NULL);
    CHECK(j != NULL);
    CHECK_STR(json_string_value(json_object_get(j, "version")), "9.9.9-test");
    json_t *mods = json_object_get(j, "modules");
    CHECK_INT(json_array_size(mods), 5);
    CHECK_STR(json_string_value(json_object_get(json_array_get(mods, 0), "artifact")),
              "librdkafka");
    CHECK(json_string_value(json_object_get(json_array_get(mods, 0), "version")) != NULL);
    json_t *mem = json_object_get(j, "memory");
    const char *keys[] = {"maxMemory", "totalMemory", "freeMemory", "usedMemory", "directMemory"};
    for (size_t i = 0; i < 5; i++) CHECK(json_is_integer(json_object_get(mem, keys[i])));
    CHECK(json_integer_value(json_object_get(mem, "maxMemory")) > 0);
    CHECK(json_integer_value(json_object_get(mem, "totalMemory")) > 0);
    /* key order as Druid writes it */
    CHECK(strstr(body, "{\"version\":\"9.9.9-test\",\"modules\":[") == body);
    CHECK(strstr(body, "\"memory\":{\"maxMemory\":") != NULL);
    json_decref(j);
    free(body);

    /* HEAD is answered by the GET route, without a body */
    CHECK_INT(request(c, s, "HEAD", "/status/health", NULL, &body, NULL), 200);
    CHECK_STR(body, "");
    free(body);
    vrv_http_client_free(c);
    vrv_http_server_free(s);
}

TEST(routing_params_query)
{
    vrv_http_server *s = start_server(0);
    vrv_http_client *c = vrv_http_client_new(NULL);
    CHECK_GET(c, s, "/druid/indexer/v1/supervisor/wiki%20edits%2F1/status?full&count=3&x=a+b%21",
              200,
              "{\"method\":\"GET\",\"path\":\"/druid/indexer/v1/supervisor/wiki%20edits%2F1/"
              "status\",\"params\":{\"id\":\"wiki edits/1\"},\"query\":{\"full\":\"\","
              "\"count\":\"3\",\"x\":\"a b!\"},\"bodyLength\":0,\"body\":\"\"}");
    /* a literal beats a parameter */
    CHECK_GET(c, s, "/druid/indexer/v1/supervisor/history", 200,
              "{\"method\":\"GET\",\"path\":\"/druid/indexer/v1/supervisor/history\",\"params\":{},"
              "\"query\":{},\"bodyLength\":0,\"body\":\"\"}");
    CHECK_GET(c, s, "/druid/indexer/v1/supervisor/histor", 200,
              "{\"method\":\"GET\",\"path\":\"/druid/indexer/v1/supervisor/histor\",\"params\":"
              "{\"id\":\"histor\"},\"query\":{},\"bodyLength\":0,\"body\":\"\"}");
    /* one trailing slash is ignored */
    CHECK_GET(c, s, "/druid/indexer/v1/supervisor/?state=true", 200,
              "{\"method\":\"GET\",\"path\":\"/druid/indexer/v1/supervisor/\",\"params\":{},"
              "\"query\":{\"state\":\"true\"},\"bodyLength\":0,\"body\":\"\"}");
    CHECK_GET(c, s, "/assets/js/app.js?x=1#frag", 200,
              "{\"method\":\"GET\",\"path\":\"/assets/js/app.js\",\"params\":{\"path\":"
              "\"js/app.js\"},\"query\":{\"x\":\"1\"},\"bodyLength\":0,\"body\":\"\"}");
    char *body = NULL;
    CHECK_INT(request(c, s, "DELETE", "/druid/indexer/v1/pendingSegments/wiki", NULL, &body, NULL),
              200);
    CHECK(strstr(body, "\"method\":\"DELETE\"") != NULL);
    free(body);
    CHECK_INT(
        request(c, s, "POST", "/druid/indexer/v1/supervisor", "{\"type\":\"kafka\"}", &body, NULL),
        200);
    CHECK_STR(body, "{\"method\":\"POST\",\"path\":\"/druid/indexer/v1/supervisor\",\"params\":{},"
                    "\"query\":{},\"bodyLength\":16,\"body\":\"{\\\"type\\\":\\\"kafka\\\"}\"}");
    free(body);

    /* 404, 405, 400 */
    CHECK_GET(c, s, "/nope", 404, "{\"error\":\"Not found: GET /nope\"}");
    CHECK_GET(c, s, "/druid/indexer/v1/supervisor/a/b/c", 404,
              "{\"error\":\"Not found: GET /druid/indexer/v1/supervisor/a/b/c\"}");
    CHECK_INT(request(c, s, "PUT", "/druid/indexer/v1/supervisor", "{}", &body, NULL), 405);
    CHECK_STR(body, "{\"error\":\"Method PUT not allowed on /druid/indexer/v1/supervisor; "
                    "allowed: GET, POST\"}");
    free(body);
    CHECK_GET(c, s, "/druid/indexer/v1/supervisor/x/suspend", 405,
              "{\"error\":\"Method GET not allowed on /druid/indexer/v1/supervisor/x/suspend; "
              "allowed: POST\"}");
    CHECK_GET(c, s, "/druid/indexer/v1/supervisor/%zz", 400,
              "{\"error\":\"Malformed URL path: /druid/indexer/v1/supervisor/%zz\"}");

    /* the Allow header of a 405 */
    CURL *h = curl_easy_init();
    struct curl_slist *got = NULL;
    curl_easy_setopt(h, CURLOPT_URL, url(s, "/echo"));
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, NULL);
    CHECK_INT(curl_easy_perform(h), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    CHECK_INT(status, 405);
    struct curl_header *hd = NULL;
    CHECK_INT(curl_easy_header(h, "Allow", 0, CURLH_HEADER, -1, &hd), CURLHE_OK);
    if (hd) CHECK_STR(hd->value, "POST");
    curl_slist_free_all(got);
    curl_easy_cleanup(h);

    vrv_http_client_free(c);
    vrv_http_server_free(s);
}

TEST(bodies_and_limit)
{
    vrv_http_server *s = start_server(1024);
    vrv_http_client *c = vrv_http_client_new(NULL);
    char *big = malloc(4001);
    memset(big, 'a', 4000);
    big[4000] = '\0';
    char *body = NULL;

    big[1024] = '\0'; /* exactly the limit */
    CHECK_INT(request(c, s, "POST", "/echo", big, &body, NULL), 200);
    CHECK(strstr(body, "\"bodyLength\":1024") != NULL);
    free(body);
    big[1024] = 'a';
    big[1025] = '\0'; /* one byte over, announced by Content-Length: refused up front */
    CHECK_INT(request(c, s, "POST", "/echo", big, &body, NULL), 413);
    CHECK_STR(body, "{\"error\":\"Request body exceeds the limit of 1024 bytes\"}");
    free(body);
    big[1025] = 'a';

    /* chunked: the limit is found while reading, the rest is discarded */
    CURL *h = curl_easy_init();
    struct curl_slist *hdrs = curl_slist_append(NULL, "Transfer-Encoding: chunked");
    hdrs = curl_slist_append(hdrs, "Expect:");
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(h, CURLOPT_URL, url(s, "/echo"));
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, big);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    CHECK_INT(curl_easy_perform(h), CURLE_OK);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    CHECK_INT(status, 413);
    /* a small chunked body is accepted */
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, "{\"small\":true}");
    CHECK_INT(curl_easy_perform(h), CURLE_OK);
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    CHECK_INT(status, 200);
    fclose(sink);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);

    /* JSON bodies */
    CHECK_INT(request(c, s, "POST", "/json", "{\"a\":[1,2]}", &body, NULL), 201);
    CHECK_STR(body, "{\"got\":{\"a\":[1,2]}}");
    free(body);
    CHECK_INT(request(c, s, "POST", "/json", "{\"a\":", &body, NULL), 400);
    CHECK_STR(body, "{\"error\":\"druidException\",\"errorCode\":\"invalidInput\",\"persona\":"
                    "\"USER\",\"category\":\"INVALID_INPUT\",\"errorMessage\":\"request body: "
                    "invalid JSON at line 1 column 5: unexpected token near end of file\","
                    "\"context\":{}}");
    free(body);
    CHECK_INT(request(c, s, "POST", "/json", NULL, &body, NULL), 400);
    CHECK(strstr(body, "request body: empty, expected JSON") != NULL);
    free(body);
    /* still serving after all that */
    CHECK_GET(c, s, "/status/health", 200, "true");
    free(big);
    vrv_http_client_free(c);
    vrv_http_server_free(s);
}

TEST(druid_error_bodies)
{
    vrv_http_server *s = start_server(0);
    vrv_http_client *c = vrv_http_client_new(NULL);
    CHECK_GET(c, s, "/errors/plain", 404, "{\"error\":\"[wiki] does not exist\"}");
    CHECK_GET(c, s, "/errors/legacy_parse", 400,
              "{\"error\":\"Json parse failed\",\"errorMessage\":\"Unexpected character\","
              "\"errorClass\":\"com.fasterxml.jackson.core.JsonParseException\",\"host\":null}");
    CHECK_GET(c, s, "/errors/legacy_timeout", 504,
              "{\"error\":\"Query timeout\",\"errorMessage\":\"Query [abc] timed out!\","
              "\"errorClass\":\"org.apache.druid.query.QueryTimeoutException\",\"host\":"
              "\"h:8083\"}");
    CHECK_GET(c, s, "/errors/legacy_unsupported_op", 500,
              "{\"error\":\"Unsupported operation\",\"errorMessage\":null,\"errorClass\":null,"
              "\"host\":null}");
    CHECK_GET(c, s, "/errors/legacy_unsupported_query", 501,
              "{\"error\":\"Unsupported query\",\"errorMessage\":\"x\",\"errorClass\":null,"
              "\"host\":null}");
    CHECK_GET(c, s, "/errors/legacy_other", 500,
              "{\"error\":\"Something else\",\"errorMessage\":\"x\",\"errorClass\":null,"
              "\"host\":null}");
    CHECK_GET(c, s, "/errors/druid", 400,
              "{\"error\":\"druidException\",\"errorCode\":\"invalidInput\",\"persona\":\"USER\","
              "\"category\":\"INVALID_INPUT\",\"errorMessage\":\"Received an unexpected token "
              "[FROM] (line [1], column [8])\",\"context\":{\"sourceType\":\"sql\",\"line\":\"1\","
              "\"column\":\"8\"}}");
    CHECK_GET(c, s, "/errors/wrapped", 429,
              "{\"error\":\"Query capacity exceeded\",\"errorClass\":\"org.apache.druid.query."
              "QueryCapacityExceededException\",\"host\":\"localhost:8082\",\"errorCode\":"
              "\"legacyQueryException\",\"persona\":\"OPERATOR\",\"category\":"
              "\"CAPACITY_EXCEEDED\",\"errorMessage\":\"Too many queries\",\"context\":{\"host\":"
              "\"localhost:8082\",\"errorClass\":\"org.apache.druid.query."
              "QueryCapacityExceededException\",\"legacyErrorCode\":\"Query capacity exceeded\"}}");
    CHECK_GET(c, s, "/errors/from?code=-6", 404,
              "{\"error\":\"druidException\",\"errorCode\":\"notFound\",\"persona\":\"USER\","
              "\"category\":\"NOT_FOUND\",\"errorMessage\":\"message for -6\",\"context\":{}}");
    CHECK_GET(c, s, "/errors/from?code=-5", 409,
              "{\"error\":\"druidException\",\"errorCode\":\"general\",\"persona\":\"USER\","
              "\"category\":\"CONFLICT\",\"errorMessage\":\"message for -5\",\"context\":{}}");
    CHECK_GET(c, s, "/errors/from?code=-4", 503,
              "{\"error\":\"druidException\",\"errorCode\":\"general\",\"persona\":\"OPERATOR\","
              "\"category\":\"SERVICE_UNAVAILABLE\",\"errorMessage\":\"message for -4\","
              "\"context\":{}}");
    CHECK_GET(c, s, "/errors/from?code=-10", 501,
              "{\"error\":\"druidException\",\"errorCode\":\"general\",\"persona\":\"USER\","
              "\"category\":\"UNSUPPORTED\",\"errorMessage\":\"message for -10\",\"context\":{}}");
    CHECK_GET(c, s, "/errors/from?code=-8", 504,
              "{\"error\":\"Query timeout\",\"errorClass\":\"org.apache.druid.query."
              "QueryTimeoutException\",\"host\":\"h:1\",\"errorCode\":\"legacyQueryException\","
              "\"persona\":\"OPERATOR\",\"category\":\"TIMEOUT\",\"errorMessage\":\"message for "
              "-8\",\"context\":{\"host\":\"h:1\",\"errorClass\":\"org.apache.druid.query."
              "QueryTimeoutException\",\"legacyErrorCode\":\"Query timeout\"}}");
    char *body = NULL;
    CHECK_INT(get(c, s, "/errors/from?code=-11", &body), 500);
    CHECK(strstr(body, "\"error\":\"Query cancelled\"") == body + 1);
    CHECK(strstr(body, "\"category\":\"CANCELED\"") != NULL);
    free(body);
    CHECK_INT(get(c, s, "/errors/from?code=-9", &body), 400);
    CHECK(strstr(body, "\"error\":\"Resource limit exceeded\"") == body + 1);
    CHECK(strstr(body, "\"category\":\"INVALID_INPUT\"") != NULL);
    free(body);
    CHECK_GET(c, s, "/errors/from?code=-3", 500,
              "{\"error\":\"druidException\",\"errorCode\":\"internalServerError\",\"persona\":"
              "\"OPERATOR\",\"category\":\"RUNTIME_FAILURE\",\"errorMessage\":\"message for -3\","
              "\"context\":{}}");
    CHECK_GET(c, s, "/errors/from?code=-12", 500,
              "{\"error\":\"druidException\",\"errorCode\":\"general\",\"persona\":\"DEVELOPER\","
              "\"category\":\"DEFENSIVE\",\"errorMessage\":\"message for -12\",\"context\":{}}");
    CHECK_GET(c, s, "/errors/none", 500,
              "{\"error\":\"druidException\",\"errorCode\":\"general\",\"persona\":\"DEVELOPER\","
              "\"category\":\"DEFENSIVE\",\"errorMessage\":\"the endpoint produced no response\","
              "\"context\":{}}");

    /* the category table */
    CHECK_INT(vrv_http_category_status(VRV_HTTP_FORBIDDEN), 403);
    CHECK_INT(vrv_http_category_status(VRV_HTTP_UNAUTHORIZED), 401);
    CHECK_INT(vrv_http_category_status(VRV_HTTP_UNCATEGORIZED), 500);
    CHECK_STR(vrv_http_category_name(VRV_HTTP_SERVICE_UNAVAILABLE), "SERVICE_UNAVAILABLE");
    CHECK_INT(vrv_http_legacy_status("Unauthorized request"), 401);
    CHECK_INT(vrv_http_legacy_status(NULL), 500);
    vrv_http_client_free(c);
    vrv_http_server_free(s);
}

TEST(streaming)
{
    vrv_http_server *s = start_server(0);
    vrv_http_client *c = vrv_http_client_new(NULL);
    char *body = NULL;
    CHECK_INT(get(c, s, "/stream?n=5000", &body), 200);
    vrv_buf want = VRV_BUF_INIT;
    vrv_buf_putc(&want, '[');
    for (int i = 0; i < 5000; i++)
        vrv_buf_printf(&want, "%s{\"row\":%d,\"pad\":\"%s\"}", i ? "," : "", i,
                       "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    vrv_buf_putc(&want, ']');
    CHECK_INT(strlen(body), want.len);
    CHECK(strcmp(body, want.data) == 0);
    free(body);
    vrv_buf_free(&want);
    CHECK_GET(c, s, "/stream?n=0", 200, "[]");

    /* a producer failing mid-way cuts the body off: the client sees an error */
    vrv_http_result r;
    vrv_error err = {0};
    CHECK_INT(vrv_http_client_get(c, url(s, "/stream?n=5000&fail=2000"), &r, &err), VRV_EIO);
    vrv_http_result_free(&r);
    /* the server carries on */
    CHECK_GET(c, s, "/status/health", 200, "true");
    vrv_http_client_free(c);
    vrv_http_server_free(s);
    CHECK_INT(streams_freed, 3); /* every stream context was released */
}

TEST(keep_alive)
{
    vrv_http_server *s = start_server(0);
    CURL *h = curl_easy_init();
    FILE *sink = fopen("/dev/null", "w");
    curl_easy_setopt(h, CURLOPT_WRITEDATA, sink);
    long conns = -1;
    const char *paths[] = {"/status/health", "/druid/indexer/v1/supervisor/x", "/nope",
                           "/status/health"};
    for (int i = 0; i < 4; i++) {
        curl_easy_setopt(h, CURLOPT_URL, url(s, paths[i]));
        CHECK_INT(curl_easy_perform(h), CURLE_OK);
        curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &conns);
        CHECK_INT(conns, i == 0 ? 1 : 0); /* the same connection throughout, 404 included */
    }
    fclose(sink);
    curl_easy_cleanup(h);
    vrv_http_server_free(s);
}

typedef struct client_job {
    vrv_http_server *s;
    int id, ok;
} client_job;

static void *client_thread(void *arg)
{
    client_job *j = arg;
    vrv_http_client *c = vrv_http_client_new(NULL);
    for (int i = 0; i < 100; i++) {
        char path[128], want[256];
        snprintf(path, sizeof path, "/druid/indexer/v1/supervisor/sup%d_%d?count=%d", j->id, i, i);
        snprintf(want, sizeof want,
                 "{\"method\":\"GET\",\"path\":\"/druid/indexer/v1/supervisor/sup%d_%d\","
                 "\"params\":{\"id\":\"sup%d_%d\"},\"query\":{\"count\":\"%d\"},\"bodyLength\":0,"
                 "\"body\":\"\"}",
                 j->id, i, j->id, i, i);
        char *body = NULL;
        if (get(c, j->s, path, &body) == 200 && strcmp(body, want) == 0) j->ok++;
        free(body);
    }
    vrv_http_client_free(c);
    return NULL;
}

TEST(concurrent_clients)
{
    vrv_http_server *s = start_server(0);
    enum { N = 8 };
    pthread_t th[N];
    client_job jobs[N];
    for (int i = 0; i < N; i++) {
        jobs[i] = (client_job){s, i, 0};
        pthread_create(&th[i], NULL, client_thread, &jobs[i]);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        CHECK_INT(jobs[i].ok, 100);
    }
    vrv_http_server_free(s);
}

TEST(slow_clients_do_not_block_others)
{
    vrv_http_server *s = start_server(0);
    /* more stalled connections than pool threads: half a request line, half
     * the headers, and a body that never finishes */
    int slow[12];
    for (int i = 0; i < 12; i++) {
        slow[i] = raw_connect(s);
        CHECK(slow[i] >= 0);
        const char *part = i % 3 == 0 ? "GET /status/hea"
                           : i % 3 == 1
                               ? "GET /status/health HTTP/1.1\r\nHost: x\r\nX-Slow: "
                               : "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n"
                                 "\r\n{\"partial\":";
        CHECK(send(slow[i], part, strlen(part), MSG_NOSIGNAL) > 0);
    }
    vrv_http_client *c = vrv_http_client_new(NULL);
    double t0 = now_s();
    for (int i = 0; i < 50; i++) CHECK_GET(c, s, "/status/health", 200, "true");
    double took = now_s() - t0;
    CHECK(took < 5.0);
    /* the stalled ones are still open and can finish their requests */
    const char *rest = "lth HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    CHECK(send(slow[0], rest, strlen(rest), MSG_NOSIGNAL) > 0);
    char buf[512] = {0};
    ssize_t k = recv(slow[0], buf, sizeof buf - 1, 0);
    CHECK(k > 0);
    CHECK(strncmp(buf, "HTTP/1.1 200", 12) == 0);
    for (int i = 0; i < 12; i++) close(slow[i]);
    vrv_http_client_free(c);
    vrv_http_server_free(s);
}

TEST(idle_timeout_closes_stalled_connections)
{
    vrv_http_config cfg = {.idle_timeout_s = 1};
    vrv_http_server *s = NULL;
    CHECK_INT(vrv_http_server_new(&cfg, &s, NULL), 0);
    CHECK_INT(vrv_http_server_start(s, NULL), 0);
    int fd = raw_connect(s);
    CHECK(send(fd, "GET /status", 11, MSG_NOSIGNAL) == 11);
    double t0 = now_s();
    char buf[256];
    ssize_t k = recv(fd, buf, sizeof buf, 0); /* the server hangs up */
    CHECK(k <= 0);
    CHECK(now_s() - t0 < 2.9);
    close(fd);
    vrv_http_server_free(s);
}

TEST(malformed_requests)
{
    vrv_http_server *s = start_server(4096);
    static const char *cases[] = {
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "\r\n\r\n\r\n",
        "GET /status/health HTTP/1.1\r\nNoColonHeader\r\n\r\n",
        "GET /status/health HTTP/9.9\r\nHost: x\r\n\r\n",
        "GET /druid/%zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET %zz HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET http://other/status/health HTTP/1.1\r\nHost: x\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
        "chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc",
        "GET /status/health?%zz=%zz&&&=&a=%00 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /a/../../status HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        char *resp = raw_exchange(s, cases[i], strlen(cases[i]), true);
        /* any answer (or a closed connection) will do; the server must live on */
        free(resp);
    }
    /* a NUL in the request line */
    char nul[] = "GET /sta\0tus/health HTTP/1.1\r\nHost: x\r\n\r\n";
    free(raw_exchange(s, nul, sizeof nul - 1, true));
    /* a header line far over MHD's connection memory */
    vrv_buf huge = VRV_BUF_INIT;
    vrv_buf_puts(&huge, "GET /status/health HTTP/1.1\r\nX-Big: ");
    for (int i = 0; i < 200000; i++) vrv_buf_putc(&huge, 'b');
    vrv_buf_puts(&huge, "\r\n\r\n");
    char *resp = raw_exchange(s, huge.data, huge.len, true);
    CHECK(strncmp(resp, "HTTP/1.1 200", 12) != 0);
    free(resp);
    vrv_buf_free(&huge);
    /* random bytes */
    uint32_t seed = 12345;
    for (int round = 0; round < 20; round++) {
        char junk[600];
        for (size_t i = 0; i < sizeof junk; i++) {
            seed = seed * 1103515245u + 12345u;
            junk[i] = (char)(seed >> 16);
        }
        if (round % 2) memcpy(junk, "GET /", 5);
        free(raw_exchange(s, junk, sizeof junk, true));
    }
    /* specific answers */
    resp = raw_exchange(s, "GET /druid/%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 55,
                        false);
    CHECK(strncmp(resp, "HTTP/1.1 400", 12) == 0);
    CHECK(strstr(resp, "{\"error\":\"Malformed URL path: /druid/%zz\"}") != NULL);
    free(resp);
    resp = raw_exchange(
        s, "GET /status/health?%zz=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 68,
        false);
    CHECK(strncmp(resp, "HTTP/1.1 200", 12) == 0);
    free(resp);
    vrv_http_client *c = vrv_http_client_new(NULL);
    CHECK_GET(c, s, "/status/health", 200, "true");
    vrv_http_client_free(c);
    vrv_http_server_free(s);
}

TEST(server_setup_errors)
{
    vrv_error err = {0};
    vrv_http_server *a = NULL, *b = NULL;
    CHECK_INT(vrv_http_server_new(NULL, &a, &err), 0);
    CHECK_INT(vrv_http_server_start(a, &err), 0);
    CHECK_INT(vrv_http_route(a, "GET", "/late", h_echo, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "route GET /late: the server is already started");
    CHECK_INT(vrv_http_route(a, "GET", "/status", h_echo, NULL, &err), VRV_EINVAL);

    /* the same port twice */
    vrv_http_config cfg = {.port = vrv_http_server_port(a)};
    CHECK_INT(vrv_http_server_new(&cfg, &b, &err), 0);
    CHECK_INT(vrv_http_server_start(b, &err), VRV_EIO);
    char want[128];
    snprintf(want, sizeof want,
             "http: cannot listen on 127.0.0.1:%u (address in use or not local?)",
             (unsigned)cfg.port);
    CHECK_STR(err.msg, want);
    vrv_http_server_free(b);

    cfg = (vrv_http_config){.bind = "not an address!"};
    CHECK_INT(vrv_http_server_new(&cfg, &b, &err), 0);
    CHECK_INT(vrv_http_server_start(b, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "http bind address [not an address!]: ") == err.msg);
    vrv_http_server_free(b);

    /* IPv6 loopback, written with brackets */
    cfg = (vrv_http_config){.bind = "[::1]"};
    CHECK_INT(vrv_http_server_new(&cfg, &b, &err), 0);
    if (vrv_http_server_start(b, &err) == 0) {
        vrv_http_client *c = vrv_http_client_new(NULL);
        char u[64];
        snprintf(u, sizeof u, "http://[::1]:%u/status/health", (unsigned)vrv_http_server_port(b));
        vrv_http_result r;
        CHECK_INT(vrv_http_client_get(c, u, &r, &err), 0);
        CHECK_INT(r.status, 200);
        vrv_http_result_free(&r);
        vrv_http_client_free(c);
    }
    vrv_http_server_free(b);
    vrv_http_server_free(a);
    vrv_http_server_free(NULL);
}

TEST(client_failures)
{
    vrv_http_server *s = start_server(0);
    uint16_t port = vrv_http_server_port(s);
    vrv_http_client_opts o = {.timeout_ms = 300, .max_response = 1000};
    vrv_http_client *c = vrv_http_client_new(&o);
    vrv_http_result r;
    vrv_error err = {0};
    CHECK_INT(vrv_http_client_get(c, url(s, "/sleep"), &r, &err), VRV_ETIMEOUT);
    CHECK(strstr(err.msg, "GET http://127.0.0.1:") == err.msg);
    vrv_http_result_free(&r);
    CHECK_INT(vrv_http_client_get(c, url(s, "/big"), &r, &err), VRV_ELIMIT);
    CHECK(strstr(err.msg, "response larger than 1000 bytes") != NULL);
    vrv_http_result_free(&r);
    /* a per-call timeout overrides the client's */
    CHECK_INT(vrv_http_client_request(c, "GET", url(s, "/sleep"), NULL, NULL, 0, 5000, &r, &err),
              0);
    CHECK_INT(r.status, 204);
    vrv_http_result_free(&r);
    CHECK_INT(vrv_http_client_post_json(c, url(s, "/json"), "[1]", &r, &err), 0);
    CHECK_INT(r.status, 201);
    CHECK_STR(r.body.data, "{\"got\":[1]}");
    CHECK_STR(r.content_type, "application/json");
    vrv_http_result_free(&r);
    vrv_http_server_free(s);
    char u[64];
    snprintf(u, sizeof u, "http://127.0.0.1:%u/status", (unsigned)port);
    CHECK_INT(vrv_http_client_get(c, u, &r, &err), VRV_EIO);
    CHECK(strstr(err.msg, "GET http://127.0.0.1:") == err.msg);
    vrv_http_result_free(&r);
    CHECK_INT(vrv_http_client_get(c, "", &r, &err), VRV_EINVAL);
    vrv_http_result_free(&r);
    vrv_http_client_free(c);
}
