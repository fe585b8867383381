/*
 * kinesis_client.c — the Kinesis HTTP API client described in
 * kinesis_client.h: endpoint and region resolution, the credential sources,
 * signed calls through libcurl (synchronous with retries, or prepared for a
 * curl multi handle), AWS error decoding and classification, and the stream
 * administration and PutRecords helpers. Reading records is kinesis.c's.
 */
#include "stream/kinesis_client.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"

#define DEFAULT_REQUEST_TIMEOUT_MS 30000
#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define DEFAULT_MAX_RETRIES        5
#define RETRY_BASE_MS              100  /* first backoff of a retried call; doubles each time */
#define RETRY_MAX_MS               3000 /* longest single backoff of a synchronous call */
/* Largest answer read: GetRecords returns at most 10 MB of data, which base64
 * and JSON grow by about a third. */
#define MAX_RESPONSE_BYTES (64u << 20)
#define STATUS_POLL_MS     50 /* between two looks at a stream being updated */

struct vrv_kinesis_client {
    char *url; /* "https://host/" */
    char *region;
    char sigv4[160];               /* "aws:amz:REGION:kinesis" */
    vrv_kinesis_client_config cfg; /* its strings are owned copies */
    vrv_kinesis_credentials creds;
    vrv_kinesis_req sync; /* the handle of synchronous calls */
    int timeout_ms, connect_ms, max_retries;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    /* libcurl's global init is not thread safe; never cleaned up because other
     * threads may still hold handles at exit. */
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0) return;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* ---------------------------------------------------------------- base64 */

static const char b64_chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void vrv_kinesis_base64_encode(const void *p, size_t n, char *out)
{
    const unsigned char *s = p;
    size_t i = 0, o = 0;
    for (; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        out[o++] = b64_chars[v >> 18];
        out[o++] = b64_chars[(v >> 12) & 63];
        out[o++] = b64_chars[(v >> 6) & 63];
        out[o++] = b64_chars[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < n ? (uint32_t)s[i + 1] << 8 : 0);
        out[o++] = b64_chars[v >> 18];
        out[o++] = b64_chars[(v >> 12) & 63];
        out[o++] = i + 1 < n ? b64_chars[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
}

static unsigned char b64_dec[256]; /* 0..63, or 64 for a byte outside the alphabet */
static pthread_once_t b64_once = PTHREAD_ONCE_INIT;

static void b64_init(void)
{
    memset(b64_dec, 64, sizeof b64_dec);
    for (int i = 0; i < 64; i++) b64_dec[(unsigned char)b64_chars[i]] = (unsigned char)i;
}

bool vrv_kinesis_base64_decode(const char *s, size_t n, char *out, size_t *outlen)
{
    pthread_once(&b64_once, b64_init);
    *outlen = 0;
    if (n % 4) return false;
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 4) {
        unsigned a = b64_dec[u[i]], b = b64_dec[u[i + 1]], c = b64_dec[u[i + 2]],
                 d = b64_dec[u[i + 3]];
        if (a > 63 || b > 63) return false;
        bool last = i + 4 == n;
        if (c > 63 || d > 63) {
            /* only the last quantum may be padded: "xy==" or "xyz=" */
            if (!last || u[i + 3] != '=') return false;
            if (u[i + 2] == '=') {
                out[o++] = (char)(a << 2 | b >> 4);
                break;
            }
            if (c > 63) return false;
            out[o++] = (char)(a << 2 | b >> 4);
            out[o++] = (char)((b & 15) << 4 | c >> 2);
            break;
        }
        out[o++] = (char)(a << 2 | b >> 4);
        out[o++] = (char)((b & 15) << 4 | c >> 2);
        out[o++] = (char)((c & 3) << 6 | d);
    }
    *outlen = o;
    return true;
}

/* ------------------------------------------------------- endpoint, region */

static bool region_ok(const char *r, size_t n)
{
    if (n == 0 || n > 64) return false;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)r[i]) || isdigit((unsigned char)r[i]) || r[i] == '-'))
            return false;
    return true;
}

/* The region in an AWS host name: the label after "kinesis" (or
 * "kinesis-fips") when "amazonaws" or "vpce" follows it. NULL when none. */
static char *region_from_host(const char *host, size_t n)
{
    char h[256];
    if (n >= sizeof h) return NULL;
    for (size_t i = 0; i < n; i++) h[i] = (char)tolower((unsigned char)host[i]);
    h[n] = '\0';
    char *labels[16];
    size_t nl = 0;
    for (char *save = NULL, *t = strtok_r(h, ".", &save); t && nl < VRV_ARRAY_LEN(labels);
         t = strtok_r(NULL, ".", &save))
        labels[nl++] = t;
    for (size_t i = 0; i + 2 < nl; i++) {
        if (strcmp(labels[i], "kinesis") != 0 && strcmp(labels[i], "kinesis-fips") != 0) continue;
        if (strcmp(labels[i + 2], "amazonaws") != 0 && strcmp(labels[i + 2], "vpce") != 0) continue;
        if (region_ok(labels[i + 1], strlen(labels[i + 1]))) return vrv_strdup(labels[i + 1]);
    }
    return NULL;
}

static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* Fills c->url and c->region from the configuration. */
static int resolve_endpoint(vrv_kinesis_client *c, vrv_error *err)
{
    const char *ep = c->cfg.endpoint;
    const char *given = c->cfg.region;
    if (given && !region_ok(given, strlen(given)))
        return vrv_error_set(err, VRV_EINVAL,
                             "region: '%s' is not a region name (lower-case letters, digits, '-')",
                             given);
    if (!ep || !*ep) {
        const char *r = given ? given : env_nonempty("AWS_REGION");
        if (!r) r = env_nonempty("AWS_DEFAULT_REGION");
        if (!r) r = "us-east-1";
        if (!region_ok(r, strlen(r)))
            return vrv_error_set(err, VRV_EINVAL,
                                 "region: '%s' (from the environment) is not a "
                                 "region name",
                                 r);
        char url[256];
        snprintf(url, sizeof url, "https://kinesis.%s.amazonaws.com%s/", r,
                 strncmp(r, "cn-", 3) == 0 ? ".cn" : "");
        c->url = vrv_strdup(url);
        c->region = vrv_strdup(r);
        return VRV_OK;
    }
    for (const char *p = ep; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '\\')
            return vrv_error_set(err, VRV_EINVAL,
                                 "endpoint: '%s' contains a space or a "
                                 "control character",
                                 ep);
    const char *sep = strstr(ep, "://");
    const char *host;
    vrv_buf url = VRV_BUF_INIT;
    if (sep) {
        size_t sl = (size_t)(sep - ep);
        if (!(sl == 4 && strncasecmp(ep, "http", 4) == 0) &&
            !(sl == 5 && strncasecmp(ep, "https", 5) == 0))
            return vrv_error_set(err, VRV_EINVAL,
                                 "endpoint: '%s': the scheme must be http or https", ep);
        host = sep + 3;
        vrv_buf_puts(&url, ep);
        if (!strchr(host, '/')) vrv_buf_putc(&url, '/');
    } else {
        if (strchr(ep, '/'))
            return vrv_error_set(err, VRV_EINVAL,
                                 "endpoint: '%s' is neither a URL (http://... or https://...) "
                                 "nor a host name",
                                 ep);
        host = ep;
        vrv_buf_printf(&url, "https://%s/", ep);
    }
    size_t hl = strcspn(host, "/?#");
    /* host[:port], or [v6]:port */
    size_t name_len = hl;
    if (hl && host[0] == '[') {
        const char *close = memchr(host, ']', hl);
        name_len = close ? (size_t)(close - host) + 1 : hl;
    } else {
        const char *colon = memchr(host, ':', hl);
        if (colon) name_len = (size_t)(colon - host);
    }
    if (name_len == 0) {
        vrv_buf_free(&url);
        return vrv_error_set(err, VRV_EINVAL, "endpoint: '%s' has no host", ep);
    }
    c->url = vrv_buf_detach(&url);
    char *r = given ? vrv_strdup(given) : region_from_host(host, name_len);
    if (!r) {
        const char *e = env_nonempty("AWS_REGION");
        if (!e) e = env_nonempty("AWS_DEFAULT_REGION");
        r = vrv_strdup(e ? e : "us-east-1");
    }
    c->region = r;
    return VRV_OK;
}

/* ----------------------------------------------------------- credentials */

static void trim(char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s)) (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1])) (*n)--;
}

static bool copy_field(char *dst, size_t cap, const char *src, size_t n)
{
    if (n >= cap) return false;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

/* Druid's fileSessionCredentials: a Java properties file with sessionToken,
 * accessKey and secretKey. */
static int read_session_file(const char *path, vrv_kinesis_credentials *out, vrv_error *err)
{
    vrv_buf b = VRV_BUF_INIT;
    if (vrv_buf_read_file(&b, path) != 0) {
        int rc =
            vrv_error_set(err, VRV_EINVAL, "sessionCredentials file %s: %s", path, strerror(errno));
        vrv_buf_free(&b);
        return rc;
    }
    memset(out, 0, sizeof *out);
    char *save = NULL;
    int rc = VRV_OK;
    for (char *line = strtok_r(b.data ? b.data : (char *)"", "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        size_t n = strlen(line);
        trim(&line, &n);
        if (!n || line[0] == '#' || line[0] == '!') continue;
        size_t k = strcspn(line, "=:");
        if (k >= n) continue;
        char *key = line, *val = line + k + 1;
        size_t kl = k, vl = n - k - 1;
        trim(&key, &kl);
        trim(&val, &vl);
        char *dst = NULL;
        size_t cap = 0;
        if (kl == 9 && memcmp(key, "accessKey", 9) == 0)
            dst = out->access_key_id, cap = sizeof out->access_key_id;
        else if (kl == 9 && memcmp(key, "secretKey", 9) == 0)
            dst = out->secret_access_key, cap = sizeof out->secret_access_key;
        else if (kl == 12 && memcmp(key, "sessionToken", 12) == 0)
            dst = out->session_token, cap = sizeof out->session_token;
        if (dst && !copy_field(dst, cap, val, vl)) {
            rc = vrv_error_set(err, VRV_EINVAL, "sessionCredentials file %s: %.*s is too long",
                               path, (int)kl, key);
            break;
        }
    }
    vrv_buf_free(&b);
    if (rc) return rc;
    if (!out->access_key_id[0] || !out->secret_access_key[0] || !out->session_token[0])
        return vrv_error_set(err, VRV_EINVAL,
                             "sessionCredentials file %s: needs accessKey, secretKey and "
                             "sessionToken",
                             path);
    snprintf(out->source, sizeof out->source, "sessionCredentials file %s", path);
    return VRV_OK;
}

static int from_env(vrv_kinesis_credentials *out, bool *found, vrv_error *err)
{
    const char *k = env_nonempty("AWS_ACCESS_KEY_ID");
    if (!k) k = env_nonempty("AWS_ACCESS_KEY");
    const char *s = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (!s) s = env_nonempty("AWS_SECRET_KEY");
    const char *t = env_nonempty("AWS_SESSION_TOKEN");
    *found = false;
    if (!k && !s) return VRV_OK;
    if (!k || !s)
        return vrv_error_set(err, VRV_EINVAL, "environment: %s is set but %s is not",
                             k ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                             k ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    memset(out, 0, sizeof *out);
    if (!copy_field(out->access_key_id, sizeof out->access_key_id, k, strlen(k)) ||
        !copy_field(out->secret_access_key, sizeof out->secret_access_key, s, strlen(s)) ||
        (t && !copy_field(out->session_token, sizeof out->session_token, t, strlen(t))))
        return vrv_error_set(err, VRV_EINVAL, "environment: an AWS credential is too long");
    snprintf(out->source, sizeof out->source, "environment");
    *found = true;
    return VRV_OK;
}

/* The shared credentials file, one profile. A missing file is not an error
 * (*found stays false); a profile without a complete key pair is. */
static int from_profile_file(vrv_kinesis_credentials *out, bool *found, char *path_out,
                             size_t path_cap, vrv_error *err)
{
    *found = false;
    const char *path = env_nonempty("AWS_SHARED_CREDENTIALS_FILE");
    char def[512];
    if (!path) {
        const char *home = env_nonempty("HOME");
        if (!home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home) return VRV_OK;
        snprintf(def, sizeof def, "%s/.aws/credentials", home);
        path = def;
    }
    snprintf(path_out, path_cap, "%s", path);
    const char *profile = env_nonempty("AWS_PROFILE");
    if (!profile) profile = "default";
    vrv_buf b = VRV_BUF_INIT;
    if (vrv_buf_read_file(&b, path) != 0) {
        int e = errno;
        vrv_buf_free(&b);
        if (e == ENOENT) return VRV_OK;
        return vrv_error_set(err, VRV_EINVAL, "credentials file %s: %s", path, strerror(e));
    }
    memset(out, 0, sizeof *out);
    bool in = false, seen = false;
    int rc = VRV_OK;
    char *save = NULL;
    for (char *line = strtok_r(b.data ? b.data : (char *)"", "\r\n", &save); line;
         line = strtok_r(NULL, "\r\n", &save)) {
        size_t n = strlen(line);
        trim(&line, &n);
        if (!n || line[0] == '#' || line[0] == ';') continue;
        if (line[0] == '[') {
            char *name = line + 1;
            size_t nn = n - 1;
            if (nn && name[nn - 1] == ']') nn--;
            trim(&name, &nn);
            if (nn > 8 && strncmp(name, "profile ", 8) == 0) {
                name += 8;
                nn -= 8;
                trim(&name, &nn);
            }
            in = nn == strlen(profile) && memcmp(name, profile, nn) == 0;
            seen |= in;
            continue;
        }
        if (!in) continue;
        size_t k = strcspn(line, "=");
        if (k >= n) continue;
        char *key = line, *val = line + k + 1;
        size_t kl = k, vl = n - k - 1;
        trim(&key, &kl);
        trim(&val, &vl);
        char *dst = NULL;
        size_t cap = 0;
        if (kl == 17 && strncasecmp(key, "aws_access_key_id", 17) == 0)
            dst = out->access_key_id, cap = sizeof out->access_key_id;
        else if (kl == 21 && strncasecmp(key, "aws_secret_access_key", 21) == 0)
            dst = out->secret_access_key, cap = sizeof out->secret_access_key;
        else if (kl == 17 && strncasecmp(key, "aws_session_token", 17) == 0)
            dst = out->session_token, cap = sizeof out->session_token;
        if (dst && !copy_field(dst, cap, val, vl)) {
            rc = vrv_error_set(err, VRV_EINVAL, "credentials file %s: profile %s: %.*s is too long",
                               path, profile, (int)kl, key);
            break;
        }
    }
    vrv_buf_free(&b);
    if (rc) return rc;
    if (!seen) return VRV_OK;
    if (!out->access_key_id[0] || !out->secret_access_key[0])
        return vrv_error_set(err, VRV_EINVAL,
                             "credentials file %s: profile %s needs aws_access_key_id and "
                             "aws_secret_access_key",
                             path, profile);
    snprintf(out->source, sizeof out->source, "profile %s of %s", profile, path);
    *found = true;
    return VRV_OK;
}

int vrv_kinesis_credentials_resolve(const vrv_kinesis_client_config *cfg,
                                    vrv_kinesis_credentials *out, vrv_error *err)
{
    const char *k = cfg->access_key_id && *cfg->access_key_id ? cfg->access_key_id : NULL;
    const char *s =
        cfg->secret_access_key && *cfg->secret_access_key ? cfg->secret_access_key : NULL;
    if (k || s) {
        if (!k || !s)
            return vrv_error_set(err, VRV_EINVAL, "%s: given without %s",
                                 k ? "accessKey" : "secretKey", k ? "secretKey" : "accessKey");
        memset(out, 0, sizeof *out);
        const char *t = cfg->session_token ? cfg->session_token : "";
        if (!copy_field(out->access_key_id, sizeof out->access_key_id, k, strlen(k)) ||
            !copy_field(out->secret_access_key, sizeof out->secret_access_key, s, strlen(s)) ||
            !copy_field(out->session_token, sizeof out->session_token, t, strlen(t)))
            return vrv_error_set(err, VRV_EINVAL, "accessKey: an AWS credential is too long");
        snprintf(out->source, sizeof out->source, "configuration");
        return VRV_OK;
    }
    if (cfg->session_credentials_file && *cfg->session_credentials_file)
        return read_session_file(cfg->session_credentials_file, out, err);
    bool found;
    int rc = from_env(out, &found, err);
    if (rc || found) return rc;
    char path[512] = "~/.aws/credentials";
    rc = from_profile_file(out, &found, path, sizeof path, err);
    if (rc || found) return rc;
    const char *profile = env_nonempty("AWS_PROFILE");
    return vrv_error_set(err, VRV_EINVAL,
                         "no AWS credentials found: give accessKey and secretKey in the "
                         "configuration, set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the "
                         "environment, or add a [%s] profile to %s",
                         profile ? profile : "default", path);
}

/* ---------------------------------------------------------------- client */

static char *dup_or_null(const char *s)
{
    return s ? vrv_strdup(s) : NULL;
}

int vrv_kinesis_client_new(const vrv_kinesis_client_config *cfg, vrv_kinesis_client **out,
                           vrv_error *err)
{
    pthread_once(&curl_once, curl_init_once);
    *out = NULL;
    vrv_kinesis_client *c = vrv_calloc(1, sizeof *c);
    c->cfg.endpoint = dup_or_null(cfg->endpoint);
    c->cfg.region = dup_or_null(cfg->region);
    c->cfg.access_key_id = dup_or_null(cfg->access_key_id);
    c->cfg.secret_access_key = dup_or_null(cfg->secret_access_key);
    c->cfg.session_token = dup_or_null(cfg->session_token);
    c->cfg.session_credentials_file = dup_or_null(cfg->session_credentials_file);
    c->timeout_ms =
        cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : DEFAULT_REQUEST_TIMEOUT_MS;
    c->connect_ms =
        cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    c->max_retries = cfg->max_retries > 0   ? cfg->max_retries
                     : cfg->max_retries < 0 ? 0
                                            : DEFAULT_MAX_RETRIES;
    int rc = resolve_endpoint(c, err);
    if (rc == VRV_OK) rc = vrv_kinesis_credentials_resolve(&c->cfg, &c->creds, err);
    if (rc) {
        vrv_kinesis_client_free(c);
        return rc;
    }
    snprintf(c->sigv4, sizeof c->sigv4, "aws:amz:%s:kinesis", c->region);
    VRV_DEBUG("kinesis", "endpoint %s, region %s, credentials from %s", c->url, c->region,
              c->creds.source);
    *out = c;
    return VRV_OK;
}

void vrv_kinesis_client_free(vrv_kinesis_client *c)
{
    if (!c) return;
    vrv_kinesis_req_free(&c->sync);
    free((char *)c->cfg.endpoint);
    free((char *)c->cfg.region);
    free((char *)c->cfg.access_key_id);
    free((char *)c->cfg.secret_access_key);
    free((char *)c->cfg.session_token);
    free((char *)c->cfg.session_credentials_file);
    free(c->url);
    free(c->region);
    /* the secret does not outlive the client in freed memory */
    memset(&c->creds, 0, sizeof c->creds);
    free(c);
}

const char *vrv_kinesis_client_url(const vrv_kinesis_client *c)
{
    return c->url;
}

const char *vrv_kinesis_client_region(const vrv_kinesis_client *c)
{
    return c->region;
}

const char *vrv_kinesis_client_credentials_source(const vrv_kinesis_client *c)
{
    return c->creds.source;
}

/* ------------------------------------------------------------------ calls */

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    vrv_buf *b = ud;
    size_t len = size * n;
    if (b->len + len > MAX_RESPONSE_BYTES) return 0; /* curl reports a write error */
    vrv_buf_append(b, p, len);
    return len;
}

void vrv_kinesis_req_start(vrv_kinesis_client *c, vrv_kinesis_req *r, const char *op,
                           const json_t *body)
{
    if (!r->h) {
        r->h = curl_easy_init();
        if (!r->h) {
            VRV_ERR("kinesis", "curl_easy_init failed");
            abort();
        }
    }
    free(r->body);
    r->body = body ? json_dumps(body, JSON_COMPACT) : vrv_strdup("{}");
    if (!r->body) r->body = vrv_strdup("{}");
    curl_slist_free_all(r->headers);
    r->headers = NULL;
    snprintf(r->op, sizeof r->op, "%s", op);
    char h[2200];
    r->headers = curl_slist_append(r->headers, "Content-Type: application/x-amz-json-1.1");
    snprintf(h, sizeof h, "X-Amz-Target: Kinesis_20131202.%s", op);
    r->headers = curl_slist_append(r->headers, h);
    if (c->creds.session_token[0]) {
        snprintf(h, sizeof h, "X-Amz-Security-Token: %s", c->creds.session_token);
        r->headers = curl_slist_append(r->headers, h);
    }
    vrv_buf_reset(&r->resp);
    r->errbuf[0] = '\0';
    CURL *e = r->h;
    curl_easy_setopt(e, CURLOPT_URL, c->url);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
    curl_easy_setopt(e, CURLOPT_AWS_SIGV4, c->sigv4);
    curl_easy_setopt(e, CURLOPT_USERNAME, c->creds.access_key_id);
    curl_easy_setopt(e, CURLOPT_PASSWORD, c->creds.secret_access_key);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->resp);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)c->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)c->connect_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_PRIVATE, r);
}

void vrv_kinesis_req_free(vrv_kinesis_req *r)
{
    if (r->h) curl_easy_cleanup(r->h);
    curl_slist_free_all(r->headers);
    free(r->body);
    vrv_buf_free(&r->resp);
    memset(r, 0, sizeof *r);
}

/* AWS's error out of an answer: JSON {"__type", "message"} (the type may be
 * prefixed "namespace#"), the XML-ish body some front ends send, or the bare
 * status. */
static void decode_error(long status, const char *body, size_t n, vrv_kinesis_aws_error *e)
{
    memset(e, 0, sizeof *e);
    e->http_status = status;
    json_t *j = n ? json_loadb(body, n, 0, NULL) : NULL;
    if (json_is_object(j)) {
        const char *t = json_string_value(json_object_get(j, "__type"));
        if (!t) t = json_string_value(json_object_get(j, "code"));
        const char *m = json_string_value(json_object_get(j, "message"));
        if (!m) m = json_string_value(json_object_get(j, "Message"));
        if (t) {
            const char *hash = strrchr(t, '#');
            snprintf(e->type, sizeof e->type, "%s", hash ? hash + 1 : t);
        }
        if (m) snprintf(e->message, sizeof e->message, "%s", m);
    } else if (n && body[0] == '<') {
        size_t tl = strcspn(body + 1, "/> \n");
        snprintf(e->type, sizeof e->type, "%.*s", (int)VRV_MIN(tl, sizeof e->type - 1), body + 1);
        const char *m = strstr(body, "<Message>");
        if (m) {
            m += 9;
            const char *end = strstr(m, "</Message>");
            size_t ml = end ? (size_t)(end - m) : strlen(m);
            snprintf(e->message, sizeof e->message, "%.*s", (int)VRV_MIN(ml, 400), m);
        }
    }
    json_decref(j);
    if (!e->message[0]) {
        size_t show = VRV_MIN(n, 200);
        snprintf(e->message, sizeof e->message, "HTTP status %ld%s%.*s", status, show ? ": " : "",
                 (int)show, body ? body : "");
    }
}

static bool type_in(const char *t, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(t, list[i]) == 0) return true;
    return false;
}

static bool is_throttle(const char *t)
{
    static const char *const l[] = {
        "ProvisionedThroughputExceededException",
        "LimitExceededException",
        "ThrottlingException",
        "KMSThrottlingException",
        "RequestLimitExceeded",
        "TooManyRequestsException",
        "Throttling",
        "SlowDown",
    };
    return type_in(t, l, VRV_ARRAY_LEN(l));
}

static bool is_auth(const char *t)
{
    static const char *const l[] = {
        "UnrecognizedClientException",  "InvalidSignatureException",
        "IncompleteSignatureException", "MissingAuthenticationTokenException",
        "ExpiredTokenException",        "ExpiredToken",
        "InvalidClientTokenId",         "AccessDeniedException",
        "SignatureDoesNotMatch",        "KMSAccessDeniedException",
        "MissingAuthenticationToken",
    };
    return type_in(t, l, VRV_ARRAY_LEN(l));
}

static bool is_request_refused(const char *t)
{
    static const char *const l[] = {
        "InvalidArgumentException",    "ValidationException",
        "SerializationException",      "InvalidParameterValue",
        "InvalidParameterCombination", "MissingParameter",
        "UnknownOperationException",   "InvalidAction",
    };
    return type_in(t, l, VRV_ARRAY_LEN(l));
}

static bool is_server_side(long status, const char *t)
{
    return status >= 500 || strcmp(t, "InternalFailure") == 0 ||
           strcmp(t, "ServiceUnavailable") == 0 || strcmp(t, "InternalServerError") == 0 ||
           strcmp(t, "ServiceUnavailableException") == 0 || strcmp(t, "KMSInternalException") == 0;
}

static bool creds_same(const vrv_kinesis_credentials *a, const vrv_kinesis_credentials *b)
{
    return strcmp(a->access_key_id, b->access_key_id) == 0 &&
           strcmp(a->secret_access_key, b->secret_access_key) == 0 &&
           strcmp(a->session_token, b->session_token) == 0;
}

/* After a refusal of the credentials: resolves them again; true when they
 * changed (a rotated file or token), so the call is worth one more try. */
static bool refresh_credentials(vrv_kinesis_client *c)
{
    vrv_kinesis_credentials n;
    if (strcmp(c->creds.source, "configuration") == 0) return false;
    if (vrv_kinesis_credentials_resolve(&c->cfg, &n, NULL) != VRV_OK) return false;
    if (creds_same(&n, &c->creds)) return false;
    VRV_INFO("kinesis", "credentials refused; using the new ones from %s", n.source);
    c->creds = n;
    return true;
}

vrv_kinesis_outcome vrv_kinesis_req_finish(vrv_kinesis_client *c, vrv_kinesis_req *r, CURLcode cc,
                                           json_t **resp, vrv_kinesis_aws_error *aerr,
                                           vrv_error *err)
{
    vrv_kinesis_aws_error local;
    vrv_kinesis_aws_error *e = aerr ? aerr : &local;
    *resp = NULL;
    memset(e, 0, sizeof *e);
    if (cc != CURLE_OK) {
        snprintf(e->message, sizeof e->message, "%s%s%s", curl_easy_strerror(cc),
                 r->errbuf[0] ? ": " : "", r->errbuf);
        int code = cc == CURLE_OPERATION_TIMEDOUT ? VRV_ETIMEOUT : VRV_EIO;
        vrv_error_set(err, code, "Kinesis %s at %s: %s", r->op, c->url, e->message);
        /* a bad URL or a certificate that does not verify will not heal */
        if (cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT ||
            cc == CURLE_PEER_FAILED_VERIFICATION || cc == CURLE_SSL_CACERT_BADFILE ||
            cc == CURLE_SSL_CERTPROBLEM || cc == CURLE_WRITE_ERROR)
            return VRV_KINESIS_FAILED;
        return VRV_KINESIS_RETRY;
    }
    long status = 0;
    curl_easy_getinfo(r->h, CURLINFO_RESPONSE_CODE, &status);
    if (status == 200) {
        r->refreshed = false;
        if (r->raw) return VRV_KINESIS_OK;
        if (r->resp.len == 0) {
            *resp = json_object();
            return VRV_KINESIS_OK;
        }
        json_error_t je;
        json_t *j = json_loadb(r->resp.data, r->resp.len, 0, &je);
        if (!json_is_object(j)) {
            json_decref(j);
            snprintf(e->message, sizeof e->message, "the answer is not a JSON object: %s", je.text);
            vrv_error_set(err, VRV_EIO, "Kinesis %s at %s: %s", r->op, c->url, e->message);
            return VRV_KINESIS_FAILED;
        }
        *resp = j;
        return VRV_KINESIS_OK;
    }
    decode_error(status, r->resp.data, r->resp.len, e);
    const char *t = e->type;
    if (is_throttle(t)) {
        vrv_error_set(err, VRV_EAGAIN, "Kinesis %s at %s: %s: %s", r->op, c->url, t, e->message);
        return VRV_KINESIS_THROTTLED;
    }
    if (is_server_side(status, t)) {
        vrv_error_set(err, VRV_EIO, "Kinesis %s at %s: %s%s%s", r->op, c->url, t, *t ? ": " : "",
                      e->message);
        return VRV_KINESIS_RETRY;
    }
    if (is_auth(t) || status == 401 || status == 403) {
        if (!r->refreshed && refresh_credentials(c)) {
            r->refreshed = true;
            vrv_error_set(err, VRV_EIO, "Kinesis %s at %s: %s: %s", r->op, c->url, t, e->message);
            return VRV_KINESIS_REAUTH;
        }
        r->refreshed = false;
        vrv_error_set(err, VRV_EIO, "Kinesis %s at %s: %s%s%s (credentials from %s, region %s)",
                      r->op, c->url, t, *t ? ": " : "", e->message, c->creds.source, c->region);
        return VRV_KINESIS_FAILED;
    }
    int code = VRV_EIO;
    if (strcmp(t, "ResourceNotFoundException") == 0)
        code = VRV_ENOTFOUND;
    else if (strcmp(t, "ResourceInUseException") == 0)
        code = VRV_ECONFLICT;
    else if (strcmp(t, "ExpiredIteratorException") == 0)
        code = VRV_EAGAIN;
    else if (is_request_refused(t) || (status >= 400 && status < 500 && !*t))
        code = VRV_EINVAL;
    vrv_error_set(err, code, "Kinesis %s at %s: %s%s%s", r->op, c->url, t, *t ? ": " : "",
                  e->message);
    return VRV_KINESIS_FAILED;
}

int vrv_kinesis_call(vrv_kinesis_client *c, const char *op, const json_t *body, json_t **resp,
                     vrv_kinesis_aws_error *aerr, vrv_error *err)
{
    *resp = NULL;
    int64_t backoff = RETRY_BASE_MS;
    c->sync.refreshed = false;
    for (int attempt = 0;; attempt++) {
        vrv_kinesis_req_start(c, &c->sync, op, body);
        CURLcode cc = curl_easy_perform(c->sync.h);
        vrv_error e2;
        vrv_kinesis_outcome o = vrv_kinesis_req_finish(c, &c->sync, cc, resp, aerr, &e2);
        if (o == VRV_KINESIS_OK) return VRV_OK;
        if (o == VRV_KINESIS_REAUTH) continue;
        if (o == VRV_KINESIS_FAILED || attempt >= c->max_retries) {
            if (err) *err = e2;
            return e2.code;
        }
        VRV_DEBUG("kinesis", "%s (retry %d in %lld ms)", e2.msg, attempt + 1, (long long)backoff);
        sleep_ms(backoff);
        backoff = VRV_MIN(backoff * 2, RETRY_MAX_MS);
    }
}

/* ------------------------------------------------------ streams and shards */

static void copy_json_str(char *dst, size_t cap, const json_t *v)
{
    const char *s = json_string_value(v);
    snprintf(dst, cap, "%s", s ? s : "");
}

static int parse_shard(const json_t *j, vrv_kinesis_shard *s, const char *op, vrv_error *err)
{
    memset(s, 0, sizeof *s);
    const char *id = json_string_value(json_object_get(j, "ShardId"));
    if (!id || !*id || strlen(id) > VRV_KINESIS_NAME_MAX)
        return vrv_error_set(err, VRV_EIO, "Kinesis %s: a shard without a valid ShardId", op);
    snprintf(s->id, sizeof s->id, "%s", id);
    copy_json_str(s->parent, sizeof s->parent, json_object_get(j, "ParentShardId"));
    copy_json_str(s->adjacent_parent, sizeof s->adjacent_parent,
                  json_object_get(j, "AdjacentParentShardId"));
    const json_t *sr = json_object_get(j, "SequenceNumberRange");
    copy_json_str(s->start_seq, sizeof s->start_seq, json_object_get(sr, "StartingSequenceNumber"));
    copy_json_str(s->end_seq, sizeof s->end_seq, json_object_get(sr, "EndingSequenceNumber"));
    const json_t *hr = json_object_get(j, "HashKeyRange");
    copy_json_str(s->hash_start, sizeof s->hash_start, json_object_get(hr, "StartingHashKey"));
    copy_json_str(s->hash_end, sizeof s->hash_end, json_object_get(hr, "EndingHashKey"));
    return VRV_OK;
}

typedef VRV_VEC(vrv_kinesis_shard) shard_vec;

/* Adds the shards of one page, skipping ids already listed (pages of a
 * resharding stream may overlap). */
static int add_shards(shard_vec *v, const json_t *arr, const char *op, vrv_error *err)
{
    size_t i;
    const json_t *sj;
    json_array_foreach(arr, i, sj)
    {
        vrv_kinesis_shard s;
        int rc = parse_shard(sj, &s, op, err);
        if (rc) return rc;
        bool dup = false;
        for (size_t k = 0; k < v->n && !dup; k++) dup = strcmp(v->v[k].id, s.id) == 0;
        if (!dup) vrv_vec_push(v, s);
    }
    return VRV_OK;
}

int vrv_kinesis_list_shards(vrv_kinesis_client *c, const char *stream, bool use_list_shards,
                            vrv_kinesis_shard **out, size_t *n, vrv_error *err)
{
    *out = NULL;
    *n = 0;
    shard_vec v = {0};
    int rc = VRV_OK;
    if (use_list_shards) {
        /* ListShards pages with NextToken, which must then come without
         * StreamName; an emulator that ignores paging returns everything at
         * once, without a token. */
        json_t *req = json_pack("{s:s}", "StreamName", stream);
        for (int page = 0; rc == VRV_OK; page++) {
            json_t *resp;
            rc = vrv_kinesis_call(c, "ListShards", req, &resp, NULL, err);
            json_decref(req);
            req = NULL;
            if (rc) break;
            rc = add_shards(&v, json_object_get(resp, "Shards"), "ListShards", err);
            const char *tok = json_string_value(json_object_get(resp, "NextToken"));
            if (rc == VRV_OK && tok && *tok) {
                if (page > 100000) {
                    rc = vrv_error_set(err, VRV_EIO, "Kinesis ListShards: NextToken never ends");
                } else {
                    req = json_pack("{s:s}", "NextToken", tok);
                }
            }
            json_decref(resp);
            if (!req) break;
        }
        json_decref(req);
    } else {
        char last[VRV_KINESIS_NAME_MAX + 1] = "";
        for (int page = 0; rc == VRV_OK; page++) {
            json_t *req = json_pack("{s:s}", "StreamName", stream);
            if (last[0]) json_object_set_new(req, "ExclusiveStartShardId", json_string(last));
            json_t *resp;
            rc = vrv_kinesis_call(c, "DescribeStream", req, &resp, NULL, err);
            json_decref(req);
            if (rc) break;
            const json_t *d = json_object_get(resp, "StreamDescription");
            const json_t *arr = json_object_get(d, "Shards");
            rc = add_shards(&v, arr, "DescribeStream", err);
            bool more = json_is_true(json_object_get(d, "HasMoreShards"));
            size_t cnt = json_array_size(arr);
            if (rc == VRV_OK && more && cnt) {
                copy_json_str(last, sizeof last,
                              json_object_get(json_array_get(arr, cnt - 1), "ShardId"));
                if (page > 100000)
                    rc = vrv_error_set(err, VRV_EIO,
                                       "Kinesis DescribeStream: "
                                       "HasMoreShards never ends");
            } else {
                more = false;
            }
            json_decref(resp);
            if (!more) break;
        }
    }
    if (rc) {
        vrv_vec_free(&v);
        return rc;
    }
    *out = v.v;
    *n = v.n;
    return VRV_OK;
}

int vrv_kinesis_stream_status(vrv_kinesis_client *c, const char *stream, char *status, size_t cap,
                              vrv_error *err)
{
    json_t *req = json_pack("{s:s}", "StreamName", stream), *resp;
    int rc = vrv_kinesis_call(c, "DescribeStreamSummary", req, &resp, NULL, err);
    json_decref(req);
    if (rc) return rc;
    const char *s = json_string_value(
        json_object_get(json_object_get(resp, "StreamDescriptionSummary"), "StreamStatus"));
    snprintf(status, cap, "%s", s ? s : "");
    json_decref(resp);
    return VRV_OK;
}

int vrv_kinesis_wait_active(vrv_kinesis_client *c, const char *stream, int timeout_ms,
                            vrv_error *err)
{
    int64_t deadline = mono_ms() + (timeout_ms > 0 ? timeout_ms : 30000);
    char st[32] = "";
    for (;;) {
        int rc = vrv_kinesis_stream_status(c, stream, st, sizeof st, err);
        if (rc) return rc;
        if (strcmp(st, "ACTIVE") == 0) return VRV_OK;
        if (mono_ms() >= deadline)
            return vrv_error_set(err, VRV_ETIMEOUT, "Kinesis stream %s is still %s after %d ms",
                                 stream, st, timeout_ms);
        sleep_ms(STATUS_POLL_MS);
    }
}

int vrv_kinesis_create_stream(vrv_kinesis_client *c, const char *stream, int shards, int timeout_ms,
                              vrv_error *err)
{
    json_t *req = json_pack("{s:s,s:i}", "StreamName", stream, "ShardCount", shards), *resp;
    int rc = vrv_kinesis_call(c, "CreateStream", req, &resp, NULL, err);
    json_decref(req);
    if (rc) return rc;
    json_decref(resp);
    return vrv_kinesis_wait_active(c, stream, timeout_ms, err);
}

int vrv_kinesis_delete_stream(vrv_kinesis_client *c, const char *stream, vrv_error *err)
{
    json_t *req = json_pack("{s:s}", "StreamName", stream), *resp;
    int rc = vrv_kinesis_call(c, "DeleteStream", req, &resp, NULL, err);
    json_decref(req);
    if (rc == VRV_OK) json_decref(resp);
    return rc;
}

/* Hash keys are decimal numbers below 2^128. */
static bool parse_u128(const char *s, unsigned __int128 *out)
{
    unsigned __int128 v = 0;
    if (!*s) return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return false;
        unsigned __int128 nv = v * 10 + (unsigned)(*s - '0');
        if (nv / 10 != v) return false;
        v = nv;
    }
    *out = v;
    return true;
}

static void format_u128(unsigned __int128 v, char *buf, size_t cap)
{
    char tmp[48];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + (int)(v % 10));
        v /= 10;
    } while (v);
    size_t o = 0;
    while (n && o + 1 < cap) buf[o++] = tmp[--n];
    buf[o] = '\0';
}

int vrv_kinesis_split_shard(vrv_kinesis_client *c, const char *stream, const char *shard,
                            const char *new_starting_hash_key, int timeout_ms, vrv_error *err)
{
    char key[48];
    if (new_starting_hash_key) {
        snprintf(key, sizeof key, "%s", new_starting_hash_key);
    } else {
        vrv_kinesis_shard *sh;
        size_t n;
        int rc = vrv_kinesis_list_shards(c, stream, true, &sh, &n, err);
        if (rc) return rc;
        const vrv_kinesis_shard *s = NULL;
        for (size_t i = 0; i < n && !s; i++)
            if (strcmp(sh[i].id, shard) == 0) s = &sh[i];
        unsigned __int128 a, b;
        if (!s)
            rc = vrv_error_set(err, VRV_ENOTFOUND, "Kinesis stream %s has no shard %s", stream,
                               shard);
        else if (!parse_u128(s->hash_start, &a) || !parse_u128(s->hash_end, &b) || b <= a)
            rc = vrv_error_set(err, VRV_EINVAL,
                               "Kinesis shard %s: hash key range %s..%s cannot "
                               "be split",
                               shard, s->hash_start, s->hash_end);
        else
            format_u128(a + (b - a) / 2 + 1, key, sizeof key);
        free(sh);
        if (rc) return rc;
    }
    json_t *req = json_pack("{s:s,s:s,s:s}", "StreamName", stream, "ShardToSplit", shard,
                            "NewStartingHashKey", key),
           *resp;
    int rc = vrv_kinesis_call(c, "SplitShard", req, &resp, NULL, err);
    json_decref(req);
    if (rc) return rc;
    json_decref(resp);
    return vrv_kinesis_wait_active(c, stream, timeout_ms, err);
}

int vrv_kinesis_merge_shards(vrv_kinesis_client *c, const char *stream, const char *shard,
                             const char *adjacent_shard, int timeout_ms, vrv_error *err)
{
    json_t *req = json_pack("{s:s,s:s,s:s}", "StreamName", stream, "ShardToMerge", shard,
                            "AdjacentShardToMerge", adjacent_shard),
           *resp;
    int rc = vrv_kinesis_call(c, "MergeShards", req, &resp, NULL, err);
    json_decref(req);
    if (rc) return rc;
    json_decref(resp);
    return vrv_kinesis_wait_active(c, stream, timeout_ms, err);
}

/* ---------------------------------------------------------------- putting */

#define PUT_MAX_BYTES (5u << 20) /* PutRecords: 5 MiB per call, keys included */

int vrv_kinesis_put_records(vrv_kinesis_client *c, const char *stream, const vrv_kinesis_put *recs,
                            size_t n, vrv_kinesis_put_result *results, int max_rounds,
                            vrv_error *err)
{
    if (max_rounds <= 0) max_rounds = 10;
    if (results) memset(results, 0, n * sizeof *results);
    for (size_t i = 0; i < n; i++) {
        size_t pk = recs[i].partition_key ? strlen(recs[i].partition_key) : 0;
        if (pk == 0 || pk > 256)
            return vrv_error_set(err, VRV_EINVAL,
                                 "record %zu: the partition key must have 1 to "
                                 "256 characters",
                                 i);
        if (recs[i].len > (1u << 20))
            return vrv_error_set(err, VRV_EINVAL,
                                 "record %zu: %zu bytes, more than the 1 MiB a "
                                 "Kinesis record may hold",
                                 i, recs[i].len);
    }
    /* indexes still to put, in order */
    size_t *todo = vrv_malloc((n ? n : 1) * sizeof *todo), ntodo = n;
    for (size_t i = 0; i < n; i++) todo[i] = i;
    char *b64 = NULL;
    size_t b64_cap = 0;
    int rc = VRV_OK;
    int64_t backoff = RETRY_BASE_MS;
    for (int round = 0; ntodo && rc == VRV_OK; round++) {
        if (round >= max_rounds) {
            size_t first = todo[0];
            rc = vrv_error_set(err, VRV_EIO,
                               "Kinesis PutRecords to %s: %zu record(s) not put "
                               "after %d rounds (record %zu: %s)",
                               stream, ntodo, max_rounds, first,
                               results ? results[first].error : "failed");
            break;
        }
        if (round) {
            sleep_ms(backoff);
            backoff = VRV_MIN(backoff * 2, RETRY_MAX_MS);
        }
        size_t nfail = 0, pos = 0;
        while (pos < ntodo && rc == VRV_OK) {
            json_t *arr = json_array();
            size_t bytes = 0, start = pos;
            while (pos < ntodo && pos - start < VRV_KINESIS_PUT_MAX_RECORDS) {
                const vrv_kinesis_put *r = &recs[todo[pos]];
                size_t sz = r->len + strlen(r->partition_key);
                if (pos > start && bytes + sz > PUT_MAX_BYTES) break;
                bytes += sz;
                size_t bl = vrv_kinesis_base64_len(r->len);
                vrv_grow((void **)&b64, &b64_cap, bl + 1, 1);
                vrv_kinesis_base64_encode(r->data, r->len, b64);
                json_t *o =
                    json_pack("{s:s%,s:s}", "Data", b64, bl, "PartitionKey", r->partition_key);
                if (r->explicit_hash_key)
                    json_object_set_new(o, "ExplicitHashKey", json_string(r->explicit_hash_key));
                json_array_append_new(arr, o);
                pos++;
            }
            json_t *req = json_pack("{s:s,s:o}", "StreamName", stream, "Records", arr), *resp;
            rc = vrv_kinesis_call(c, "PutRecords", req, &resp, NULL, err);
            json_decref(req);
            if (rc) break;
            const json_t *out = json_object_get(resp, "Records");
            for (size_t k = start; k < pos; k++) {
                const json_t *o = json_array_get(out, k - start);
                size_t idx = todo[k];
                const char *ec = json_string_value(json_object_get(o, "ErrorCode"));
                const char *seq = json_string_value(json_object_get(o, "SequenceNumber"));
                if (ec || !seq) {
                    if (results)
                        snprintf(results[idx].error, sizeof results[idx].error, "%s",
                                 ec ? ec : "no sequence number returned");
                    todo[nfail++] = idx; /* nfail <= k: compacts in place */
                } else if (results) {
                    copy_json_str(results[idx].shard, sizeof results[idx].shard,
                                  json_object_get(o, "ShardId"));
                    snprintf(results[idx].seq, sizeof results[idx].seq, "%s", seq);
                    results[idx].error[0] = '\0';
                }
            }
            json_decref(resp);
        }
        ntodo = nfail;
    }
    free(b64);
    free(todo);
    return rc;
}
