/*
 * http_client.h — a small blocking HTTP client over libcurl for varve's own
 * calls between processes: a task reporting to the overlord, the supervisor
 * talking to its tasks, a broker fanning a query out to data servers.
 *
 * A client keeps its connections alive between calls and is used by one
 * thread at a time (create one per thread); clients on different threads are
 * independent. Any HTTP status is a successful call — the caller reads
 * res->status; only transport failures are errors:
 *   VRV_ETIMEOUT  the connect or total timeout passed
 *   VRV_ELIMIT    the response body exceeded max_response
 *   VRV_EIO       connection refused, reset, DNS failure, ...
 * with the method and URL in the message.
 */
#ifndef VRV_HTTP_CLIENT_H
#define VRV_HTTP_CLIENT_H

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"

typedef struct vrv_http_client vrv_http_client;

typedef struct vrv_http_client_opts {
    long connect_timeout_ms; /* 0 = 5000 */
    long timeout_ms;         /* whole request; 0 = 60000 */
    size_t max_response;     /* body bytes kept; 0 = 64 MiB; more → VRV_ELIMIT */
} vrv_http_client_opts;

typedef struct vrv_http_result {
    long status;        /* HTTP status code */
    vrv_buf body;       /* the response body, NUL-terminated */
    char *content_type; /* NULL when the server sent none */
    vrv_buf headers;    /* the response's header lines as received ("Name: value\r\n"...) */
} vrv_http_result;

/* opts may be NULL. Never fails (libcurl is initialised once per process). */
vrv_http_client *vrv_http_client_new(const vrv_http_client_opts *opts);
void vrv_http_client_free(vrv_http_client *c); /* c may be NULL */

/* Performs one request. body may be NULL (len 0); content_type names its type
 * (NULL: none sent). res is reset first; release it with vrv_http_result_free,
 * also after an error. timeout_ms overrides the client's total timeout when > 0. */
int vrv_http_client_request(vrv_http_client *c, const char *method, const char *url,
                            const char *content_type, const char *body, size_t len, long timeout_ms,
                            vrv_http_result *res, vrv_error *err);

/* GET url. */
int vrv_http_client_get(vrv_http_client *c, const char *url, vrv_http_result *res, vrv_error *err);
/* POST a JSON text (application/json) to url. */
int vrv_http_client_post_json(vrv_http_client *c, const char *url, const char *json,
                              vrv_http_result *res, vrv_error *err);

void vrv_http_result_free(vrv_http_result *res);

/* The value of a response header (case-insensitive name; the last one when
 * it came several times), malloc'd without surrounding blanks, or NULL. */
char *vrv_http_result_header(const vrv_http_result *res, const char *name);

#endif
