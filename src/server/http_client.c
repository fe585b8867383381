/*
 * http_client.c — one reusable curl easy handle per client (connection
 * reuse), reset between requests; the body is collected into a vrv_buf with
 * a hard cap so a misbehaving peer cannot exhaust memory.
 */
#include "server/http_client.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/mem.h"

struct vrv_http_client {
    CURL *curl;
    vrv_http_client_opts opts;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    /* Not thread safe in libcurl itself, hence the once; never cleaned up
     * because other threads may still hold clients at exit. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

vrv_http_client *vrv_http_client_new(const vrv_http_client_opts *opts)
{
    pthread_once(&curl_once, curl_init_once);
    vrv_http_client *c = vrv_calloc(1, sizeof *c);
    if (opts) c->opts = *opts;
    if (c->opts.connect_timeout_ms <= 0) c->opts.connect_timeout_ms = 5000;
    if (c->opts.timeout_ms <= 0) c->opts.timeout_ms = 60000;
    if (!c->opts.max_response) c->opts.max_response = 64u << 20;
    c->curl = curl_easy_init();
    if (!c->curl) {
        fprintf(stderr, "varve: curl_easy_init failed\n");
        abort();
    }
    return c;
}

void vrv_http_client_free(vrv_http_client *c)
{
    if (!c) return;
    curl_easy_cleanup(c->curl);
    free(c);
}

typedef struct sink {
    vrv_buf *buf;
    size_t max;
    bool overflow;
} sink;

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t len = size * n;
    if (s->buf->len + len > s->max) {
        s->overflow = true;
        return 0; /* makes curl abort with CURLE_WRITE_ERROR */
    }
    vrv_buf_append(s->buf, p, len);
    return len;
}

/* Header lines arrive one per call; the status line and the blank line end
 * up in the buffer too, which vrv_http_result_header skips. A response after
 * a 100 Continue or a redirect would add a second block: the last value of a
 * name wins. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    sink *s = ud;
    size_t len = size * n;
    if (s->buf->len + len > s->max) {
        s->overflow = true;
        return 0;
    }
    vrv_buf_append(s->buf, p, len);
    return len;
}

int vrv_http_client_request(vrv_http_client *c, const char *method, const char *url,
                            const char *content_type, const char *body, size_t len, long timeout_ms,
                            vrv_http_result *res, vrv_error *err)
{
    memset(res, 0, sizeof *res);
    if (!url || !*url) return vrv_error_set(err, VRV_EINVAL, "http request: no URL");
    CURL *h = c->curl;
    curl_easy_reset(h);
    sink sk = {&res->body, c->opts.max_response, false};
    sink hk = {&res->headers, 1u << 20, false};
    struct curl_slist *headers = NULL;
    char ct[256];
    if (content_type) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        headers = curl_slist_append(headers, ct);
    }
    /* no "Expect: 100-continue" round trip for our own small bodies */
    headers = curl_slist_append(headers, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    if (body || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sk);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &hk);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms > 0 ? timeout_ms : c->opts.timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L); /* timeouts without SIGALRM: threads */
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(h);
    curl_slist_free_all(headers);
    if (cc != CURLE_OK) {
        const char *why = errbuf[0] ? errbuf : curl_easy_strerror(cc);
        if (sk.overflow || hk.overflow)
            return vrv_error_set(err, VRV_ELIMIT, "%s %s: response larger than %zu bytes", method,
                                 url, c->opts.max_response);
        if (cc == CURLE_OPERATION_TIMEDOUT)
            return vrv_error_set(err, VRV_ETIMEOUT, "%s %s: %s", method, url, why);
        return vrv_error_set(err, VRV_EIO, "%s %s: %s", method, url, why);
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
    char *type = NULL;
    if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &type) == CURLE_OK && type)
        res->content_type = vrv_strdup(type);
    if (!res->body.data) vrv_buf_puts(&res->body, "");
    return 0;
}

int vrv_http_client_get(vrv_http_client *c, const char *url, vrv_http_result *res, vrv_error *err)
{
    return vrv_http_client_request(c, "GET", url, NULL, NULL, 0, 0, res, err);
}

int vrv_http_client_post_json(vrv_http_client *c, const char *url, const char *json,
                              vrv_http_result *res, vrv_error *err)
{
    return vrv_http_client_request(c, "POST", url, "application/json", json,
                                   json ? strlen(json) : 0, 0, res, err);
}

void vrv_http_result_free(vrv_http_result *res)
{
    vrv_buf_free(&res->body);
    vrv_buf_free(&res->headers);
    free(res->content_type);
    res->content_type = NULL;
}

char *vrv_http_result_header(const vrv_http_result *res, const char *name)
{
    size_t nl = strlen(name);
    const char *p = res->headers.data, *end = p ? p + res->headers.len : NULL;
    char *found = NULL;
    while (p && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        const char *le = eol ? eol : end;
        if ((size_t)(le - p) > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1, *ve = le;
            while (v < ve && (*v == ' ' || *v == '\t')) v++;
            while (ve > v && (ve[-1] == '\r' || ve[-1] == ' ' || ve[-1] == '\t')) ve--;
            free(found);
            found = vrv_strndup(v, (size_t)(ve - v));
        }
        p = eol ? eol + 1 : end;
    }
    return found;
}
