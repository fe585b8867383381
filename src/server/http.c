/*
 * http.c — the libmicrohttpd glue behind http.h: per-request state, the
 * two-phase access handler, body accumulation under a limit, response
 * building (buffers and streamed callbacks), Druid's error bodies and the
 * status endpoints.
 *
 * Request flow. MHD calls the URI-log callback with the raw request target
 * before it decodes anything; that is where the request object is created and
 * the raw target kept (so routing sees "%2F" undecoded). The access handler is
 * then called (1) once with the headers, (2) once per chunk of body and (3) a
 * last time with nothing left. The response is queued only in (3): queuing it
 * in (1) makes MHD 0.9.75 close the connection after the reply, which would
 * defeat keep-alive. The one exception is a Content-Length above the limit,
 * answered 413 in (1) on purpose — closing is right there, and the client does
 * not have to send the body. A chunked body that grows past the limit is
 * discarded as it arrives (memory never exceeds the limit) and answered 413 in
 * (3). The request object is freed in the completion callback, which MHD calls
 * for every request the URI callback saw.
 */
#include "server/http.h"

#include <curl/curl.h>
#include <librdkafka/rdkafka.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "server/http_route.h"

#define DEFAULT_MAX_BODY (16u << 20)
#define STREAM_BLOCK     (32u << 10) /* MHD's buffer per streamed read */

typedef struct route_target {
    vrv_http_handler handler;
    void *ctx;
} route_target;

typedef struct kv {
    char *key, *value;
} kv;

struct vrv_http_server {
    vrv_http_config cfg; /* strings owned */
    vrv_http_router *router;
    VRV_VEC(route_target *) targets;
    VRV_VEC(kv) properties;
    struct MHD_Daemon *daemon;
    uint16_t port;
};

typedef enum req_state {
    REQ_HEADERS = 0, /* first access-handler call not seen yet */
    REQ_BODY,        /* headers seen; body chunks may follow */
    REQ_DONE,        /* a response was queued */
} req_state;

struct vrv_http_req {
    vrv_http_server *srv;
    struct MHD_Connection *conn;
    char *target; /* the raw request target from the request line */
    char *path;   /* its path part, still encoded */
    const char *method;
    vrv_http_query query;
    vrv_http_match match;
    vrv_buf body;
    bool too_large;
    req_state state;
    char remote[80];
};

struct vrv_http_resp {
    int status;
    bool set;
    char *content_type;
    char *body;
    size_t len;
    VRV_VEC(kv) headers;
    vrv_http_stream_fn next;
    void *stream_ctx;
    void (*stream_free)(void *);
};

/* ---- responses ------------------------------------------------------------ */

static void resp_reset_body(vrv_http_resp *r)
{
    free(r->content_type);
    free(r->body);
    r->content_type = NULL;
    r->body = NULL;
    r->len = 0;
    if (r->stream_free) r->stream_free(r->stream_ctx);
    r->next = NULL;
    r->stream_ctx = NULL;
    r->stream_free = NULL;
}

void vrv_http_resp_raw(vrv_http_resp *resp, int status, const char *content_type, const char *body,
                       size_t len)
{
    resp_reset_body(resp);
    resp->set = true;
    resp->status = status;
    resp->content_type = content_type ? vrv_strdup(content_type) : NULL;
    resp->body = len ? vrv_memdup(body, len) : NULL;
    resp->len = len;
}

void vrv_http_resp_json(vrv_http_resp *resp, int status, json_t *body)
{
    resp_reset_body(resp);
    resp->set = true;
    resp->status = status;
    resp->content_type = vrv_strdup("application/json");
    char *text = body ? json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(body);
    if (!text) text = vrv_strdup("null");
    resp->body = text;
    resp->len = strlen(text);
}

void vrv_http_resp_empty(vrv_http_resp *resp, int status)
{
    resp_reset_body(resp);
    resp->set = true;
    resp->status = status;
}

void vrv_http_resp_header(vrv_http_resp *resp, const char *name, const char *value)
{
    kv h = {vrv_strdup(name), vrv_strdup(value)};
    vrv_vec_push(&resp->headers, h);
}

void vrv_http_resp_stream(vrv_http_resp *resp, int status, const char *content_type,
                          vrv_http_stream_fn next, void *ctx, void (*free_ctx)(void *ctx))
{
    resp_reset_body(resp);
    resp->set = true;
    resp->status = status;
    resp->content_type = content_type ? vrv_strdup(content_type) : NULL;
    resp->next = next;
    resp->stream_ctx = ctx;
    resp->stream_free = free_ctx;
}

static void resp_free(vrv_http_resp *r)
{
    resp_reset_body(r);
    for (size_t i = 0; i < r->headers.n; i++) {
        free(r->headers.v[i].key);
        free(r->headers.v[i].value);
    }
    vrv_vec_free(&r->headers);
}

/* ---- errors ------------------------------------------------------------------ */

void vrv_http_error(vrv_http_resp *resp, int status, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vrv_http_resp_json(resp, status, json_pack("{s:s}", "error", msg));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static const struct {
    const char *code;
    int status;
    vrv_http_category category;
} legacy_codes[] = {
    {"Json parse failed", 400, VRV_HTTP_INVALID_INPUT},
    {"Query context parse failed", 400, VRV_HTTP_INVALID_INPUT},
    {"Resource limit exceeded", 400, VRV_HTTP_INVALID_INPUT},
    {"SQL parse failed", 400, VRV_HTTP_INVALID_INPUT},
    {"Plan validation failed", 400, VRV_HTTP_INVALID_INPUT},
    {"SQL query is unsupported", 400, VRV_HTTP_INVALID_INPUT},
    {"Unauthorized request", 401, VRV_HTTP_UNAUTHORIZED},
    {"Query capacity exceeded", 429, VRV_HTTP_CAPACITY_EXCEEDED},
    {"Query cancelled", 500, VRV_HTTP_CANCELED},
    {"Query interrupted", 500, VRV_HTTP_RUNTIME_FAILURE},
    {"Unsupported operation", 500, VRV_HTTP_RUNTIME_FAILURE},
    {"Truncated response context", 500, VRV_HTTP_RUNTIME_FAILURE},
    {"Unknown exception", 500, VRV_HTTP_RUNTIME_FAILURE},
    {"Unsupported query", 501, VRV_HTTP_UNSUPPORTED},
    {"Query timeout", 504, VRV_HTTP_TIMEOUT},
};

int vrv_http_legacy_status(const char *error_code)
{
    for (size_t i = 0; error_code && i < VRV_ARRAY_LEN(legacy_codes); i++)
        if (strcmp(legacy_codes[i].code, error_code) == 0) return legacy_codes[i].status;
    return 500;
}

static vrv_http_category legacy_category(const char *error_code)
{
    for (size_t i = 0; error_code && i < VRV_ARRAY_LEN(legacy_codes); i++)
        if (strcmp(legacy_codes[i].code, error_code) == 0) return legacy_codes[i].category;
    return VRV_HTTP_UNCATEGORIZED;
}

void vrv_http_error_legacy(vrv_http_resp *resp, const char *error_code, const char *message,
                           const char *error_class, const char *host)
{
    json_t *b = json_object();
    json_object_set_new(b, "error", str_or_null(error_code));
    json_object_set_new(b, "errorMessage", str_or_null(message));
    json_object_set_new(b, "errorClass", str_or_null(error_class));
    json_object_set_new(b, "host", str_or_null(host));
    vrv_http_resp_json(resp, vrv_http_legacy_status(error_code), b);
}

static const struct {
    const char *name;
    int status;
} categories[] = {
    [VRV_HTTP_DEFENSIVE] = {"DEFENSIVE", 500},
    [VRV_HTTP_INVALID_INPUT] = {"INVALID_INPUT", 400},
    [VRV_HTTP_UNAUTHORIZED] = {"UNAUTHORIZED", 401},
    [VRV_HTTP_FORBIDDEN] = {"FORBIDDEN", 403},
    [VRV_HTTP_NOT_FOUND] = {"NOT_FOUND", 404},
    [VRV_HTTP_CONFLICT] = {"CONFLICT", 409},
    [VRV_HTTP_CAPACITY_EXCEEDED] = {"CAPACITY_EXCEEDED", 429},
    [VRV_HTTP_CANCELED] = {"CANCELED", 500},
    [VRV_HTTP_RUNTIME_FAILURE] = {"RUNTIME_FAILURE", 500},
    [VRV_HTTP_SERVICE_UNAVAILABLE] = {"SERVICE_UNAVAILABLE", 503},
    [VRV_HTTP_TIMEOUT] = {"TIMEOUT", 504},
    [VRV_HTTP_UNSUPPORTED] = {"UNSUPPORTED", 501},
    [VRV_HTTP_UNCATEGORIZED] = {"UNCATEGORIZED", 500},
};

const char *vrv_http_category_name(vrv_http_category c)
{
    return (unsigned)c < VRV_ARRAY_LEN(categories) ? categories[c].name : "UNCATEGORIZED";
}

int vrv_http_category_status(vrv_http_category c)
{
    return (unsigned)c < VRV_ARRAY_LEN(categories) ? categories[c].status : 500;
}

void vrv_http_error_druid(vrv_http_resp *resp, const char *error_code, const char *persona,
                          vrv_http_category category, const char *message, json_t *context)
{
    json_t *b = json_object();
    json_object_set_new(b, "error", json_string("druidException"));
    json_object_set_new(b, "errorCode", str_or_null(error_code));
    json_object_set_new(b, "persona", str_or_null(persona));
    json_object_set_new(b, "category", json_string(vrv_http_category_name(category)));
    json_object_set_new(b, "errorMessage", str_or_null(message));
    json_object_set_new(b, "context", context ? context : json_object());
    vrv_http_resp_json(resp, vrv_http_category_status(category), b);
}

void vrv_http_error_wrapped_legacy(vrv_http_resp *resp, const char *legacy_code,
                                   const char *message, const char *error_class, const char *host)
{
    vrv_http_category cat = legacy_category(legacy_code);
    json_t *b = json_object();
    json_object_set_new(b, "error", str_or_null(legacy_code));
    json_object_set_new(b, "errorClass", str_or_null(error_class));
    json_object_set_new(b, "host", str_or_null(host));
    json_object_set_new(b, "errorCode", json_string("legacyQueryException"));
    json_object_set_new(b, "persona", json_string("OPERATOR"));
    json_object_set_new(b, "category", json_string(vrv_http_category_name(cat)));
    json_object_set_new(b, "errorMessage", str_or_null(message));
    json_t *ctx = json_object();
    json_object_set_new(ctx, "host", str_or_null(host));
    json_object_set_new(ctx, "errorClass", str_or_null(error_class));
    json_object_set_new(ctx, "legacyErrorCode", str_or_null(legacy_code));
    json_object_set_new(b, "context", ctx);
    /* the status follows the legacy table, which agrees with the category */
    vrv_http_resp_json(resp, vrv_http_legacy_status(legacy_code), b);
}

void vrv_http_error_from(vrv_http_resp *resp, const vrv_error *err, const char *host)
{
    const char *msg = err && err->msg[0] ? err->msg : vrv_strerror(err ? err->code : VRV_EINTERNAL);
    switch (err ? err->code : VRV_EINTERNAL) {
    case VRV_EINVAL:
        vrv_http_error_druid(resp, "invalidInput", "USER", VRV_HTTP_INVALID_INPUT, msg, NULL);
        break;
    case VRV_ENOTFOUND:
        vrv_http_error_druid(resp, "notFound", "USER", VRV_HTTP_NOT_FOUND, msg, NULL);
        break;
    case VRV_ECONFLICT:
        vrv_http_error_druid(resp, "general", "USER", VRV_HTTP_CONFLICT, msg, NULL);
        break;
    case VRV_EUNSUPPORTED:
        vrv_http_error_druid(resp, "general", "USER", VRV_HTTP_UNSUPPORTED, msg, NULL);
        break;
    case VRV_EAGAIN:
        vrv_http_error_druid(resp, "general", "OPERATOR", VRV_HTTP_SERVICE_UNAVAILABLE, msg, NULL);
        break;
    case VRV_ETIMEOUT:
        vrv_http_error_wrapped_legacy(resp, "Query timeout", msg,
                                      "org.apache.druid.query.QueryTimeoutException", host);
        break;
    case VRV_ECANCELED:
        vrv_http_error_wrapped_legacy(resp, "Query cancelled", msg,
                                      "org.apache.druid.query.QueryInterruptedException", host);
        break;
    case VRV_ELIMIT:
    case VRV_ENOMEM:
        vrv_http_error_wrapped_legacy(resp, "Resource limit exceeded", msg,
                                      "org.apache.druid.query.ResourceLimitExceededException",
                                      host);
        break;
    case VRV_EINTERNAL:
        vrv_http_error_druid(resp, "general", "DEVELOPER", VRV_HTTP_DEFENSIVE, msg, NULL);
        break;
    default:
        vrv_http_error_druid(resp, "internalServerError", "OPERATOR", VRV_HTTP_RUNTIME_FAILURE, msg,
                             NULL);
        break;
    }
}

/* ---- requests ------------------------------------------------------------------ */

const char *vrv_http_req_method(const vrv_http_req *r)
{
    return r->method;
}

const char *vrv_http_req_path(const vrv_http_req *r)
{
    return r->path;
}

const char *vrv_http_req_param(const vrv_http_req *r, const char *name)
{
    return vrv_http_match_param(&r->match, name);
}

const char *vrv_http_req_query(const vrv_http_req *r, const char *name)
{
    return vrv_http_query_get(&r->query, name);
}

const char *vrv_http_req_header(const vrv_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *vrv_http_req_body(const vrv_http_req *r, size_t *len)
{
    if (len) *len = r->body.len;
    return r->body.data ? r->body.data : "";
}

json_t *vrv_http_req_json(const vrv_http_req *r, vrv_error *err)
{
    if (r->body.len == 0) {
        vrv_error_set(err, VRV_EINVAL, "request body: empty, expected JSON");
        return NULL;
    }
    json_error_t je;
    json_t *v = json_loadb(r->body.data, r->body.len, JSON_DECODE_ANY, &je);
    if (!v)
        vrv_error_set(err, VRV_EINVAL, "request body: invalid JSON at line %d column %d: %s",
                      je.line, je.column, je.text);
    return v;
}

const char *vrv_http_req_remote(vrv_http_req *r)
{
    if (r->remote[0]) return r->remote;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char host[64] = "?", serv[16] = "?";
    if (ci && ci->client_addr) {
        socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in);
        getnameinfo(ci->client_addr, len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV);
    }
    snprintf(r->remote, sizeof r->remote, "%s:%s", host, serv);
    return r->remote;
}

static void req_free(vrv_http_req *r)
{
    free(r->target);
    free(r->path);
    vrv_http_query_free(&r->query);
    vrv_http_match_clear(&r->match);
    vrv_buf_free(&r->body);
    free(r);
}

/* ---- MHD callbacks -------------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    vrv_http_req *r = vrv_calloc(1, sizeof *r);
    r->srv = cls;
    r->conn = conn;
    r->target = vrv_strdup(uri ? uri : "");
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    if (*con_cls) req_free(*con_cls);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) msg[--n] = '\0';
    VRV_DEBUG("http", "%s", msg);
}

typedef struct stream_state {
    vrv_http_stream_fn next;
    void *ctx;
    void (*free_ctx)(void *);
    vrv_buf pending;
    size_t off;
    bool done;
} stream_state;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    stream_state *st = cls;
    while (st->off == st->pending.len) {
        if (st->done) return MHD_CONTENT_READER_END_OF_STREAM;
        vrv_buf_reset(&st->pending);
        st->off = 0;
        int rc = st->next(st->ctx, &st->pending);
        if (rc < 0) {
            VRV_WARN("http", "streamed response cut off: %s", vrv_strerror(rc));
            return MHD_CONTENT_READER_END_WITH_ERROR;
        }
        if (rc == 0) st->done = true;
    }
    size_t n = VRV_MIN(max, st->pending.len - st->off);
    memcpy(buf, st->pending.data + st->off, n);
    st->off += n;
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    stream_state *st = cls;
    if (st->free_ctx) st->free_ctx(st->ctx);
    vrv_buf_free(&st->pending);
    free(st);
}

static enum MHD_Result queue(vrv_http_req *r, vrv_http_resp *resp)
{
    struct MHD_Response *mr;
    if (resp->next) {
        stream_state *st = vrv_calloc(1, sizeof *st);
        st->next = resp->next;
        st->ctx = resp->stream_ctx;
        st->free_ctx = resp->stream_free;
        resp->next = NULL;
        resp->stream_ctx = NULL;
        resp->stream_free = NULL; /* now owned by st */
        mr = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, st,
                                               stream_free);
        if (!mr) {
            stream_free(st);
            return MHD_NO;
        }
    } else {
        mr = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
        if (!mr) return MHD_NO;
        resp->body = NULL; /* MHD frees it with free() */
        resp->len = 0;
    }
    if (resp->content_type) MHD_add_response_header(mr, "Content-Type", resp->content_type);
    for (size_t i = 0; i < resp->headers.n; i++)
        MHD_add_response_header(mr, resp->headers.v[i].key, resp->headers.v[i].value);
    enum MHD_Result ok = MHD_queue_response(r->conn, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    r->state = REQ_DONE;
    return ok;
}

static enum MHD_Result queue_error(vrv_http_req *r, int status, const char *extra_header,
                                   const char *extra_value, const char *fmt, ...) VRV_PRINTF(5, 6);

static enum MHD_Result queue_error(vrv_http_req *r, int status, const char *extra_header,
                                   const char *extra_value, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    vrv_http_resp resp = {0};
    vrv_http_resp_json(&resp, status, json_pack("{s:s}", "error", msg));
    if (extra_header) vrv_http_resp_header(&resp, extra_header, extra_value);
    enum MHD_Result ok = queue(r, &resp);
    resp_free(&resp);
    return ok;
}

/* Headers are in: split the target, parse the query, route. */
static void begin_request(vrv_http_req *r, const char *method)
{
    r->method = method;
    const char *t = r->target;
    size_t plen = strcspn(t, "?#");
    r->path = vrv_strndup(t, plen);
    if (t[plen] == '?') {
        const char *q = t + plen + 1;
        vrv_http_query_parse(q, strcspn(q, "#"), &r->query);
    }
    vrv_http_router_match(r->srv->router, method, r->path, plen, &r->match);
}

static enum MHD_Result dispatch(vrv_http_req *r)
{
    vrv_http_server *s = r->srv;
    if (r->too_large)
        return queue_error(r, 413, NULL, NULL, "Request body exceeds the limit of %zu bytes",
                           s->cfg.max_body);
    switch (r->match.status) {
    case VRV_HTTP_MATCH_NOT_FOUND:
        return queue_error(r, 404, NULL, NULL, "Not found: %s %s", r->method, r->path);
    case VRV_HTTP_MATCH_BAD_METHOD:
        return queue_error(r, 405, "Allow", r->match.allow,
                           "Method %s not allowed on %s; allowed: %s", r->method, r->path,
                           r->match.allow);
    case VRV_HTTP_MATCH_BAD_PATH:
        return queue_error(r, 400, NULL, NULL, "Malformed URL path: %s", r->path);
    case VRV_HTTP_MATCH_OK:
        break;
    }
    route_target *t = r->match.target;
    vrv_http_resp resp = {0};
    t->handler(r, &resp, t->ctx);
    if (!resp.set) {
        VRV_ERR("http", "handler of %s %s produced no response", r->method, r->match.pattern);
        vrv_http_error_druid(&resp, "general", "DEVELOPER", VRV_HTTP_DEFENSIVE,
                             "the endpoint produced no response", NULL);
    }
    enum MHD_Result ok = queue(r, &resp);
    resp_free(&resp);
    return ok;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **con_cls)
{
    (void)url;
    (void)version;
    vrv_http_req *r = *con_cls;
    if (!r) { /* the URI callback always runs first; defensive all the same */
        r = on_uri(cls, url, conn);
        *con_cls = r;
    }
    if (r->state == REQ_DONE) { /* a response is queued; drop whatever still arrives */
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->state == REQ_HEADERS) {
        r->state = REQ_BODY;
        begin_request(r, method);
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl) {
            char *end;
            unsigned long long n = strtoull(cl, &end, 10);
            if (*end == '\0' && n > r->srv->cfg.max_body) {
                r->too_large = true;
                return dispatch(r); /* early 413: MHD closes the connection, as wanted */
            }
        }
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_large) {
            if (r->body.len + *upload_size > r->srv->cfg.max_body) {
                r->too_large = true;
                vrv_buf_free(&r->body);
            } else {
                vrv_buf_append(&r->body, upload_data, *upload_size);
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    return dispatch(r);
}

/* ---- status endpoints -------------------------------------------------------------- */

static bool read_status_kb(const char *field, long long *kb)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return false;
    char line[256];
    size_t fl = strlen(field);
    bool found = false;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            found = sscanf(line + fl + 1, "%lld", kb) == 1;
            break;
        }
    fclose(f);
    return found;
}

/* Druid reports JVM memory; the closest process-level figures are used:
 * maxMemory = physical memory (or RLIMIT_AS if lower), totalMemory = resident
 * set, usedMemory = anonymous resident memory (heap, stacks), freeMemory =
 * memory the allocator holds but has not handed out, directMemory = resident
 * file-backed memory (the mmap'd segment files). */
static json_t *memory_json(void)
{
    long long max = (long long)sysconf(_SC_PHYS_PAGES) * sysconf(_SC_PAGESIZE);
    struct rlimit rl;
    if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        (long long)rl.rlim_cur < max)
        max = (long long)rl.rlim_cur;
    long long rss = 0, anon = 0, file = 0;
    read_status_kb("VmRSS", &rss);
    read_status_kb("RssAnon", &anon);
    read_status_kb("RssFile", &file);
    struct mallinfo2 mi = mallinfo2();
    return json_pack("{s:I, s:I, s:I, s:I, s:I}", "maxMemory", (json_int_t)max, "totalMemory",
                     (json_int_t)(rss * 1024), "freeMemory", (json_int_t)mi.fordblks, "usedMemory",
                     (json_int_t)(anon * 1024), "directMemory", (json_int_t)(file * 1024));
}

static void h_status(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_http_server *s = ctx;
    json_t *mods = json_pack(
        "[{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},{s:s,s:s,s:s},"
        "{s:s,s:s,s:s}]",
        "name", "varve-kafka-indexing", "artifact", "librdkafka", "version", rd_kafka_version_str(),
        "name", "varve-http-server", "artifact", "libmicrohttpd", "version", MHD_get_version(),
        "name", "varve-http-client", "artifact", "libcurl", "version",
        curl_version_info(CURLVERSION_NOW)->version, "name", "varve-metadata-storage-sqlite",
        "artifact", "sqlite3", "version", sqlite3_libversion(), "name", "varve-json", "artifact",
        "jansson", "version", jansson_version_str());
    json_t *b = json_object();
    json_object_set_new(b, "version", json_string(s->cfg.version));
    json_object_set_new(b, "modules", mods);
    json_object_set_new(b, "memory", memory_json());
    vrv_http_resp_json(resp, 200, b);
}

static void h_health(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    vrv_http_resp_json(resp, 200, json_true());
}

static const char *const hidden_properties[] = {
    "druid.s3.accessKey",
    "druid.s3.secretKey",
    "druid.metadata.storage.connector.password",
    "password",
    "key",
    "token",
    "pwd",
};

static bool property_hidden(const char *key)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(hidden_properties); i++)
        if (strcasestr(key, hidden_properties[i])) return true;
    return false;
}

static void h_properties(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    vrv_http_server *s = ctx;
    json_t *b = json_object();
    for (size_t i = 0; i < s->properties.n; i++)
        if (!property_hidden(s->properties.v[i].key))
            json_object_set_new(b, s->properties.v[i].key, json_string(s->properties.v[i].value));
    vrv_http_resp_json(resp, 200, b);
}

static void h_self_discovered(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    vrv_http_resp_json(resp, 200, json_pack("{s:b}", "selfDiscovered", 1));
}

static void h_self_discovered_bare(vrv_http_req *req, vrv_http_resp *resp, void *ctx)
{
    (void)req;
    (void)ctx;
    vrv_http_resp_empty(resp, 200);
}

/* ---- server ------------------------------------------------------------------------ */

int vrv_http_route(vrv_http_server *s, const char *method, const char *pattern,
                   vrv_http_handler handler, void *ctx, vrv_error *err)
{
    if (s->daemon)
        return vrv_error_set(err, VRV_EINVAL, "route %s %s: the server is already started", method,
                             pattern);
    route_target *t = vrv_malloc(sizeof *t);
    t->handler = handler;
    t->ctx = ctx;
    int rc = vrv_http_router_add(s->router, method, pattern, t, err);
    if (rc < 0) {
        free(t);
        return rc;
    }
    vrv_vec_push(&s->targets, t);
    return 0;
}

void vrv_http_server_set_property(vrv_http_server *s, const char *key, const char *value)
{
    for (size_t i = 0; i < s->properties.n; i++)
        if (strcmp(s->properties.v[i].key, key) == 0) {
            free(s->properties.v[i].value);
            s->properties.v[i].value = vrv_strdup(value);
            return;
        }
    kv p = {vrv_strdup(key), vrv_strdup(value)};
    vrv_vec_push(&s->properties, p);
}

int vrv_http_server_new(const vrv_http_config *cfg, vrv_http_server **out, vrv_error *err)
{
    static const vrv_http_config defaults = {0};
    if (!cfg) cfg = &defaults;
    vrv_http_server *s = vrv_calloc(1, sizeof *s);
    s->cfg = *cfg;
    s->cfg.bind = vrv_strdup(cfg->bind ? cfg->bind : "127.0.0.1");
    s->cfg.version = vrv_strdup(cfg->version ? cfg->version : "unknown");
    s->cfg.host = cfg->host ? vrv_strdup(cfg->host) : NULL;
    if (!s->cfg.threads) s->cfg.threads = 2;
    if (!s->cfg.max_body) s->cfg.max_body = DEFAULT_MAX_BODY;
    if (!s->cfg.idle_timeout_s) s->cfg.idle_timeout_s = 30;
    if (!s->cfg.max_connections) s->cfg.max_connections = 1000;
    s->router = vrv_http_router_new();
    int rc = 0;
    if (rc == 0) rc = vrv_http_route(s, "GET", "/status", h_status, s, err);
    if (rc == 0) rc = vrv_http_route(s, "GET", "/status/health", h_health, s, err);
    if (rc == 0) rc = vrv_http_route(s, "GET", "/status/properties", h_properties, s, err);
    if (rc == 0)
        rc = vrv_http_route(s, "GET", "/status/selfDiscovered/status", h_self_discovered, s, err);
    if (rc == 0)
        rc = vrv_http_route(s, "GET", "/status/selfDiscovered", h_self_discovered_bare, s, err);
    if (rc < 0) {
        vrv_http_server_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int vrv_http_server_start(vrv_http_server *s, vrv_error *err)
{
    if (s->daemon) return 0;
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    const char *host = s->cfg.bind;
    char stripped[128];
    size_t hl = strlen(host);
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']' && hl - 2 < sizeof stripped) {
        memcpy(stripped, host + 1, hl - 2); /* "[::1]" */
        stripped[hl - 2] = '\0';
        host = stripped;
    }
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)s->cfg.port);
    int gai = getaddrinfo(host, port, &hints, &ai);
    if (gai != 0 || !ai)
        return vrv_error_set(err, VRV_EINVAL, "http bind address [%s]: %s", s->cfg.bind,
                             gai_strerror(gai));
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;
    flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES ? MHD_USE_EPOLL : MHD_USE_POLL;
    if (ai->ai_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->daemon = MHD_start_daemon(flags, s->cfg.port, NULL, NULL, on_access, s, MHD_OPTION_SOCK_ADDR,
                                 ai->ai_addr, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)s->cfg.threads,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->cfg.idle_timeout_s,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->cfg.max_connections,
                                 MHD_OPTION_URI_LOG_CALLBACK, on_uri, s,
                                 MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                                 MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!s->daemon)
        return vrv_error_set(err, VRV_EIO,
                             "http: cannot listen on %s:%u (address in use or not local?)",
                             s->cfg.bind, (unsigned)s->cfg.port);
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : s->cfg.port;
    VRV_INFO("http", "listening on %s:%u with %u threads", s->cfg.bind, (unsigned)s->port,
             s->cfg.threads);
    return 0;
}

uint16_t vrv_http_server_port(const vrv_http_server *s)
{
    return s->port;
}

void vrv_http_server_free(vrv_http_server *s)
{
    if (!s) return;
    if (s->daemon) MHD_stop_daemon(s->daemon);
    vrv_http_router_free(s->router);
    for (size_t i = 0; i < s->targets.n; i++) free(s->targets.v[i]);
    vrv_vec_free(&s->targets);
    for (size_t i = 0; i < s->properties.n; i++) {
        free(s->properties.v[i].key);
        free(s->properties.v[i].value);
    }
    vrv_vec_free(&s->properties);
    free((char *)s->cfg.bind);
    free((char *)s->cfg.version);
    free((char *)s->cfg.host);
    free(s);
}
