/*
 * http.h — varve's HTTP server: libmicrohttpd with an internal epoll thread
 * pool, a route table (http_route.h), bounded request bodies, JSON and streamed
 * responses, Druid's error bodies, and the status endpoints every Druid
 * service has (GET /status, /status/health, /status/properties,
 * /status/selfDiscovered/status).
 *
 * Life cycle: vrv_http_server_new, then vrv_http_route for every endpoint,
 * then vrv_http_server_start; routes cannot be added once started. Handlers
 * run on the server's pool threads, several at once: they must be thread safe
 * and should not block for long (a long result is streamed instead).
 *
 * A handler gets the request (valid only during the call) and fills the
 * response exactly once with one of the vrv_http_resp_* / vrv_http_error_*
 * calls. Unknown paths answer 404, known paths with another method 405 (with
 * an Allow header), bodies over the configured limit 413, malformed URLs 400 —
 * all as JSON {"error": "..."}.
 */
#ifndef VRV_HTTP_H
#define VRV_HTTP_H

#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"

typedef struct vrv_http_server vrv_http_server;
typedef struct vrv_http_req vrv_http_req;
typedef struct vrv_http_resp vrv_http_resp;

typedef void (*vrv_http_handler)(vrv_http_req *req, vrv_http_resp *resp, void *ctx);

typedef struct vrv_http_config {
    const char *bind;         /* address to listen on; NULL = "127.0.0.1" (loopback only).
                                 "0.0.0.0" or "::" for all interfaces */
    uint16_t port;            /* 0 = an ephemeral port (see vrv_http_server_port) */
    unsigned threads;         /* pool threads; 0 = 2 */
    size_t max_body;          /* request body limit in bytes; 0 = 16 MiB. More → 413 */
    unsigned idle_timeout_s;  /* close connections idle (or stalled mid-request) this
                                 long; 0 = 30. Bounds what a slow client can hold */
    unsigned max_connections; /* 0 = 1000 */
    const char *version;      /* reported by GET /status; NULL = "unknown" */
    const char *host;         /* "host:port" named in legacy error bodies; may be NULL */
} vrv_http_config;

/* Creates a server (not listening yet) with the status routes installed.
 * cfg may be NULL for the defaults; its strings are copied. */
int vrv_http_server_new(const vrv_http_config *cfg, vrv_http_server **out, vrv_error *err);

/* Routes method + pattern (see http_route.h) to handler; ctx is passed to it,
 * borrowed. VRV_EINVAL for a bad pattern, VRV_ECONFLICT for a duplicate. */
int vrv_http_route(vrv_http_server *s, const char *method, const char *pattern,
                   vrv_http_handler handler, void *ctx, vrv_error *err);

/* Adds a runtime property to GET /status/properties (copied). Keys that
 * contain, case-insensitively, any of Druid's hidden names ("password", "key",
 * "token", "pwd", "druid.s3.accessKey", "druid.s3.secretKey",
 * "druid.metadata.storage.connector.password") are never shown. */
void vrv_http_server_set_property(vrv_http_server *s, const char *key, const char *value);

/* Binds and starts serving. VRV_EIO if the address cannot be bound (in use,
 * not local), VRV_EINVAL if it cannot be parsed. */
int vrv_http_server_start(vrv_http_server *s, vrv_error *err);

/* The bound port (useful with port 0); 0 before start. */
uint16_t vrv_http_server_port(const vrv_http_server *s);

/* Stops serving (waits for running handlers) and frees the server. s may be
 * NULL. */
void vrv_http_server_free(vrv_http_server *s);

/* ---- requests (valid during the handler call only) ------------------------ */

const char *vrv_http_req_method(const vrv_http_req *r);
/* The request path as sent (still percent-encoded), without the query. */
const char *vrv_http_req_path(const vrv_http_req *r);
/* The decoded value of a {param} of the route's pattern, or NULL. */
const char *vrv_http_req_param(const vrv_http_req *r, const char *name);
/* The decoded value of query parameter name: "" for a bare flag (?full),
 * NULL when absent. */
const char *vrv_http_req_query(const vrv_http_req *r, const char *name);
/* A request header (case-insensitive name), or NULL. */
const char *vrv_http_req_header(const vrv_http_req *r, const char *name);
/* The request body (NUL-terminated; "" when none) and its length. */
const char *vrv_http_req_body(const vrv_http_req *r, size_t *len);
/* The body parsed as JSON (a new reference; caller decrefs), or NULL with err
 * naming the line and column. An empty body is an error too. */
json_t *vrv_http_req_json(const vrv_http_req *r, vrv_error *err);
/* The client's "address:port". */
const char *vrv_http_req_remote(vrv_http_req *r);

/* ---- responses ---------------------------------------------------------------- */

/* A JSON body (any JSON value, e.g. json_true()); takes the reference. */
void vrv_http_resp_json(vrv_http_resp *resp, int status, json_t *body);
/* A body of any type; copies it. content_type NULL = no Content-Type. */
void vrv_http_resp_raw(vrv_http_resp *resp, int status, const char *content_type, const char *body,
                       size_t len);
/* No body (204, 202, a bare 503 ...). */
void vrv_http_resp_empty(vrv_http_resp *resp, int status);
/* Adds a response header (copied); call before or after setting the body. */
void vrv_http_resp_header(vrv_http_resp *resp, const char *name, const char *value);

/* A streamed body, for results too large to build in memory: sent with chunked
 * encoding as next produces it. next appends the following piece to out and
 * returns 1 (more to come), 0 (done) or a negative VRV_E* code, which cuts the
 * response off (the client sees an incomplete chunked body: the status has
 * already been sent). next runs on a pool thread, after the handler returned.
 * free_ctx (may be NULL) is called once with ctx when the response is done or
 * the client went away. */
typedef int (*vrv_http_stream_fn)(void *ctx, vrv_buf *out);
void vrv_http_resp_stream(vrv_http_resp *resp, int status, const char *content_type,
                          vrv_http_stream_fn next, void *ctx, void (*free_ctx)(void *ctx));

/* ---- Druid's error bodies (druid-query.md §11) ------------------------------- */

/* {"error":"<message>"} — the overlord/coordinator APIs and SQL request errors. */
void vrv_http_error(vrv_http_resp *resp, int status, const char *fmt, ...) VRV_PRINTF(3, 4);

/* The legacy 4-key body {"error","errorMessage","errorClass","host"}, status
 * from the error code ("Json parse failed" 400, "Query timeout" 504, ...,
 * anything unknown 500). Strings may be NULL (written as null). */
void vrv_http_error_legacy(vrv_http_resp *resp, const char *error_code, const char *message,
                           const char *error_class, const char *host);
/* The HTTP status Druid's QueryException.fromErrorCode gives a legacy code. */
int vrv_http_legacy_status(const char *error_code);

typedef enum vrv_http_category {
    VRV_HTTP_DEFENSIVE,
    VRV_HTTP_INVALID_INPUT,
    VRV_HTTP_UNAUTHORIZED,
    VRV_HTTP_FORBIDDEN,
    VRV_HTTP_NOT_FOUND,
    VRV_HTTP_CONFLICT,
    VRV_HTTP_CAPACITY_EXCEEDED,
    VRV_HTTP_CANCELED,
    VRV_HTTP_RUNTIME_FAILURE,
    VRV_HTTP_SERVICE_UNAVAILABLE,
    VRV_HTTP_TIMEOUT,
    VRV_HTTP_UNSUPPORTED,
    VRV_HTTP_UNCATEGORIZED,
} vrv_http_category;

const char *vrv_http_category_name(vrv_http_category c); /* "INVALID_INPUT" */
int vrv_http_category_status(vrv_http_category c);       /* 400 */

/* The current shape: {"error":"druidException","errorCode","persona",
 * "category","errorMessage","context"} with the category's status. persona is
 * "USER", "ADMIN", "OPERATOR" or "DEVELOPER". context is a JSON object of
 * strings (taken; NULL = {}). */
void vrv_http_error_druid(vrv_http_resp *resp, const char *error_code, const char *persona,
                          vrv_http_category category, const char *message, json_t *context);

/* A legacy QueryException wrapped in the current shape: {"error":<legacy
 * code>,"errorClass","host","errorCode":"legacyQueryException","persona":
 * "OPERATOR","category","errorMessage","context":{"host","errorClass",
 * "legacyErrorCode"}} — a query timeout, cancellation or capacity error. */
void vrv_http_error_wrapped_legacy(vrv_http_resp *resp, const char *legacy_code,
                                   const char *message, const char *error_class, const char *host);

/* Turns a varve error into a Druid error body:
 *   VRV_EINVAL        invalidInput / USER / INVALID_INPUT        400
 *   VRV_ENOTFOUND     notFound / USER / NOT_FOUND                404
 *   VRV_ECONFLICT     general / USER / CONFLICT                  409
 *   VRV_EUNSUPPORTED  general / USER / UNSUPPORTED               501
 *   VRV_EAGAIN        general / OPERATOR / SERVICE_UNAVAILABLE   503
 *   VRV_ETIMEOUT      wrapped "Query timeout"                    504
 *   VRV_ECANCELED     wrapped "Query cancelled"                  500
 *   VRV_ELIMIT, VRV_ENOMEM  wrapped "Resource limit exceeded"    400
 *   VRV_EINTERNAL     general / DEVELOPER / DEFENSIVE            500
 *   anything else     internalServerError / OPERATOR / RUNTIME_FAILURE 500 */
void vrv_http_error_from(vrv_http_resp *resp, const vrv_error *err, const char *host);

#endif
