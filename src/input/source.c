/*
 * source.c — files, HTTP resources and Druid batch input sources as blocks
 * of (decompressed) bytes; see source.h.
 */
#include "input/source.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "input/fmt_util.h"
#include "json/jutil.h"

#define READ_CHUNK   (64 * 1024)  /* bytes read from a file per step */
#define OUT_STEP     (64 * 1024)  /* minimum free space made in the output per step */
#define MAX_DIR_DEPTH 64          /* directory nesting followed by `local` */

/* ---- decompression ----------------------------------------------------- */

static bool has_suffix(const char *name, const char *suffix)
{
    if (!name) return false;
    /* a URI's query and fragment are not part of its file name */
    size_t n = strstr(name, "://") ? strcspn(name, "?#") : strlen(name);
    size_t k = strlen(suffix);
    return n >= k && strncasecmp(name + n - k, suffix, k) == 0;
}

static vrv_source_codec codec_by_magic(const unsigned char *h, size_t n)
{
    if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) return VRV_CODEC_GZIP;
    if (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd)
        return VRV_CODEC_ZSTD;
    return VRV_CODEC_NONE;
}

static vrv_source_codec codec_by_name(const char *name)
{
    if (has_suffix(name, ".gz") || has_suffix(name, ".gzip")) return VRV_CODEC_GZIP;
    if (has_suffix(name, ".zst") || has_suffix(name, ".zstd")) return VRV_CODEC_ZSTD;
    return VRV_CODEC_NONE;
}

vrv_source_codec vrv_source_codec_detect(const char *name, const void *head, size_t n)
{
    vrv_source_codec c = codec_by_magic(head, n);
    return c != VRV_CODEC_NONE ? c : codec_by_name(name);
}

struct vrv_source_decoder {
    char *name;
    size_t max;              /* bytes this decoder may append */
    vrv_buf *out;
    size_t base;             /* out->len when the decoder was made */
    bool decided;
    vrv_source_codec codec;
    unsigned char head[4];   /* first bytes, held until the codec is known */
    size_t nhead;
    uint64_t in_total;
    z_stream z;
    bool z_init;
    bool z_member_end;       /* at the end of a gzip member */
    bool trailing;           /* bytes after the last gzip member: ignored, as Java does */
    ZSTD_DCtx *zd;
    size_t zret;             /* last ZSTD_decompressStream result; 0 = frame complete */
};

vrv_source_decoder *vrv_source_decoder_new(const char *name, size_t max_bytes, vrv_buf *out)
{
    vrv_source_decoder *d = vrv_calloc(1, sizeof *d);
    d->name = vrv_strdup(name ? name : "(data)");
    d->max = max_bytes ? max_bytes : VRV_SOURCE_MAX_BYTES_DEFAULT;
    d->out = out;
    d->base = out->len;
    return d;
}

void vrv_source_decoder_free(vrv_source_decoder *d)
{
    if (!d) return;
    if (d->z_init) inflateEnd(&d->z);
    ZSTD_freeDCtx(d->zd);
    free(d->name);
    free(d);
}

static int over_limit(vrv_source_decoder *d, vrv_error *err)
{
    return vrv_error_set(err, VRV_ELIMIT, "%s: larger than the limit of %zu bytes%s", d->name,
                         d->max, d->codec != VRV_CODEC_NONE ? " (decompressed)" : "");
}

/* Free space at the end of out, at most up to one byte past the limit (so
 * that going over is seen). */
static char *out_space(vrv_source_decoder *d, size_t *avail)
{
    vrv_buf *b = d->out;
    size_t used = b->len - d->base;
    size_t to_limit = d->max - used + 1;
    if (b->cap - b->len < OUT_STEP + 1) vrv_buf_reserve(b, OUT_STEP);
    size_t a = b->cap - b->len - 1;
    if (a > to_limit) a = to_limit;
    if (a > (1u << 30)) a = 1u << 30; /* zlib counts in uInt */
    *avail = a;
    return b->data + b->len;
}

static int produced(vrv_source_decoder *d, size_t n, vrv_error *err)
{
    d->out->len += n;
    d->out->data[d->out->len] = '\0';
    return d->out->len - d->base > d->max ? over_limit(d, err) : VRV_OK;
}

static int corrupt(vrv_source_decoder *d, const char *what, const char *detail, vrv_error *err)
{
    return vrv_error_set(err, VRV_ECORRUPT, "%s: %s%s%s", d->name, what, detail ? ": " : "",
                         detail ? detail : "");
}

static int gz_feed(vrv_source_decoder *d, const unsigned char *p, size_t n, vrv_error *err)
{
    if (d->trailing || n == 0) return VRV_OK;
    if (!d->z_init) {
        if (inflateInit2(&d->z, 16 + MAX_WBITS) != Z_OK)
            return vrv_error_set(err, VRV_ENOMEM, "%s: cannot start gzip decompression", d->name);
        d->z_init = true;
    }
    if (d->z_member_end) {
        if (p[0] != 0x1f) {
            d->trailing = true;
            return VRV_OK;
        }
        inflateReset(&d->z);
        d->z_member_end = false;
    }
    d->z.next_in = (unsigned char *)p;
    d->z.avail_in = (uInt)n;
    for (;;) {
        size_t avail;
        d->z.next_out = (unsigned char *)out_space(d, &avail);
        d->z.avail_out = (uInt)avail;
        int ret = inflate(&d->z, Z_NO_FLUSH);
        int rc = produced(d, avail - d->z.avail_out, err);
        if (rc) return rc;
        if (ret == Z_STREAM_END) {
            if (d->z.avail_in == 0) {
                d->z_member_end = true;
                return VRV_OK;
            }
            if (d->z.next_in[0] != 0x1f) {
                d->trailing = true;
                return VRV_OK;
            }
            inflateReset(&d->z); /* another member follows */
            continue;
        }
        if (ret != Z_OK && ret != Z_BUF_ERROR)
            return corrupt(d, "corrupt gzip data", d->z.msg, err);
        if (d->z.avail_out == 0) continue; /* more output may be pending */
        if (d->z.avail_in == 0) return VRV_OK;
    }
}

static int zst_feed(vrv_source_decoder *d, const unsigned char *p, size_t n, vrv_error *err)
{
    if (!d->zd && !(d->zd = ZSTD_createDCtx()))
        return vrv_error_set(err, VRV_ENOMEM, "%s: cannot start zstd decompression", d->name);
    ZSTD_inBuffer in = {p, n, 0};
    for (;;) {
        size_t avail;
        ZSTD_outBuffer ob = {out_space(d, &avail), avail, 0};
        size_t r = ZSTD_decompressStream(d->zd, &ob, &in);
        if (ZSTD_isError(r)) return corrupt(d, "corrupt zstd data", ZSTD_getErrorName(r), err);
        d->zret = r;
        int rc = produced(d, ob.pos, err);
        if (rc) return rc;
        if (ob.pos < ob.size && in.pos == in.size) return VRV_OK;
    }
}

static int process(vrv_source_decoder *d, const unsigned char *p, size_t n, vrv_error *err)
{
    switch (d->codec) {
    case VRV_CODEC_GZIP: return gz_feed(d, p, n, err);
    case VRV_CODEC_ZSTD: return zst_feed(d, p, n, err);
    default:
        if (d->out->len - d->base + n > d->max) return over_limit(d, err);
        vrv_buf_append(d->out, p, n);
        return VRV_OK;
    }
}

static int decide(vrv_source_decoder *d, vrv_error *err)
{
    d->decided = true;
    vrv_source_codec magic = codec_by_magic(d->head, d->nhead);
    vrv_source_codec named = codec_by_name(d->name);
    d->codec = magic != VRV_CODEC_NONE ? magic : named;
    if (magic == VRV_CODEC_NONE && named != VRV_CODEC_NONE && d->nhead > 0)
        return corrupt(d, named == VRV_CODEC_GZIP ? "not in gzip format" : "not in zstd format",
                       NULL, err);
    return process(d, d->head, d->nhead, err);
}

int vrv_source_decoder_feed(vrv_source_decoder *d, const void *data, size_t n, vrv_error *err)
{
    const unsigned char *p = data;
    d->in_total += n;
    if (!d->decided) {
        size_t take = VRV_MIN(sizeof d->head - d->nhead, n);
        memcpy(d->head + d->nhead, p, take);
        d->nhead += take;
        p += take;
        n -= take;
        if (d->nhead < sizeof d->head) return VRV_OK;
        int rc = decide(d, err);
        if (rc) return rc;
    }
    return n ? process(d, p, n, err) : VRV_OK;
}

int vrv_source_decoder_finish(vrv_source_decoder *d, vrv_error *err)
{
    if (!d->decided) {
        int rc = decide(d, err);
        if (rc) return rc;
    }
    if (d->in_total == 0) return VRV_OK;
    if (d->codec == VRV_CODEC_GZIP && !d->z_member_end && !d->trailing)
        return corrupt(d, "truncated gzip data", NULL, err);
    if (d->codec == VRV_CODEC_ZSTD && d->zret != 0)
        return corrupt(d, "truncated zstd data", NULL, err);
    return VRV_OK;
}

int vrv_source_read_file(const char *path, size_t max_bytes, vrv_buf *out, vrv_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return vrv_error_set(err, e == ENOENT ? VRV_ENOTFOUND : VRV_EIO, "%s: %s", path,
                             e == ENOENT ? "no such file" : strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        return vrv_error_set(err, VRV_EIO, "%s: is a directory", path);
    }
    size_t start = out->len;
    vrv_source_decoder *d = vrv_source_decoder_new(path, max_bytes, out);
    unsigned char *chunk = vrv_malloc(READ_CHUNK);
    int rc = VRV_OK;
    for (;;) {
        ssize_t got = read(fd, chunk, READ_CHUNK);
        if (got < 0) {
            if (errno == EINTR) continue;
            rc = vrv_error_set(err, VRV_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (got == 0) {
            rc = vrv_source_decoder_finish(d, err);
            break;
        }
        if ((rc = vrv_source_decoder_feed(d, chunk, (size_t)got, err))) break;
    }
    free(chunk);
    vrv_source_decoder_free(d);
    close(fd);
    if (rc) vrv_buf_truncate(out, start);
    return rc;
}

/* ---- HTTP -------------------------------------------------------------- */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

typedef struct http_sink {
    vrv_source_decoder *d;
    vrv_error *err;
    int rc;
} http_sink;

static size_t http_write(char *p, size_t size, size_t nmemb, void *ud)
{
    http_sink *s = ud;
    size_t n = size * nmemb;
    if ((s->rc = vrv_source_decoder_feed(s->d, p, n, s->err))) return 0;
    return n;
}

static int http_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                         curl_off_t ulnow)
{
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    bool (*stop)(void) = *(bool (**)(void))ud;
    return stop() ? 1 : 0;
}

static bool transient(CURLcode c)
{
    return c == CURLE_COULDNT_CONNECT || c == CURLE_OPERATION_TIMEDOUT || c == CURLE_RECV_ERROR ||
           c == CURLE_SEND_ERROR || c == CURLE_GOT_NOTHING || c == CURLE_PARTIAL_FILE ||
           c == CURLE_COULDNT_RESOLVE_HOST;
}

int vrv_source_read_http(const char *uri, const char *user, const char *password,
                         const vrv_source_limits *lim, vrv_buf *out, vrv_error *err)
{
    pthread_once(&curl_once, curl_init_once);
    size_t max = lim && lim->max_bytes ? lim->max_bytes : VRV_SOURCE_MAX_BYTES_DEFAULT;
    long timeout = lim && lim->http_timeout_ms ? lim->http_timeout_ms : VRV_SOURCE_HTTP_TIMEOUT_MS;
    int retries = !lim || lim->http_retries == 0 ? VRV_SOURCE_HTTP_RETRIES
                  : lim->http_retries < 0        ? 0
                                                 : lim->http_retries;
    CURL *h = curl_easy_init();
    if (!h) return vrv_error_set(err, VRV_ENOMEM, "%s: cannot create an HTTP client", uri);
    size_t start = out->len;
    int rc = VRV_OK;
    for (int attempt = 0;; attempt++) {
        vrv_buf_truncate(out, start);
        http_sink sink = {vrv_source_decoder_new(uri, max, out), err, VRV_OK};
        char errbuf[CURL_ERROR_SIZE] = "";
        curl_easy_reset(h);
        curl_easy_setopt(h, CURLOPT_URL, uri);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, VRV_MIN(timeout, 30000L));
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
        bool (*stop)(void) = lim ? lim->stop : NULL;
        if (stop) {
            curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
            curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, http_progress);
            curl_easy_setopt(h, CURLOPT_XFERINFODATA, &stop);
        }
        if (user) {
            curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
            curl_easy_setopt(h, CURLOPT_USERNAME, user);
            curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
        }
        CURLcode c = curl_easy_perform(h);
        long status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
        bool retry = false;
        if (c == CURLE_OK) {
            rc = vrv_source_decoder_finish(sink.d, err);
        } else if (c == CURLE_WRITE_ERROR && sink.rc) {
            rc = sink.rc;
        } else if (c == CURLE_ABORTED_BY_CALLBACK) {
            rc = vrv_error_set(err, VRV_ECANCELED, "%s: transfer stopped", uri);
        } else if (c == CURLE_HTTP_RETURNED_ERROR) {
            retry = status >= 500;
            rc = vrv_error_set(err, status == 404 ? VRV_ENOTFOUND : VRV_EIO, "%s: HTTP %ld", uri,
                               status);
        } else {
            retry = transient(c);
            rc = vrv_error_set(err, c == CURLE_OPERATION_TIMEDOUT ? VRV_ETIMEOUT : VRV_EIO,
                               "%s: %s", uri, errbuf[0] ? errbuf : curl_easy_strerror(c));
        }
        vrv_source_decoder_free(sink.d);
        if (!rc || !retry || attempt >= retries) break;
        VRV_WARN("input", "%s (attempt %d of %d), retrying", err->msg, attempt + 1, retries + 1);
        struct timespec ts = {0, (long)(100000000L << VRV_MIN(attempt, 3))};
        nanosleep(&ts, NULL);
    }
    curl_easy_cleanup(h);
    if (rc) vrv_buf_truncate(out, start);
    return rc;
}

/* ---- input sources ----------------------------------------------------- */

typedef enum src_type { SRC_INLINE, SRC_LOCAL, SRC_HTTP } src_type;

struct vrv_source {
    src_type type;
    char *path;              /* the spec path, for messages */
    char *data;              /* inline */
    char *base_dir, *filter; /* local */
    char **files;
    size_t nfiles;
    char **uris;             /* http */
    size_t nuris;
    char *user;
    char *password;          /* a literal password, or */
    char *password_env;      /* the environment variable holding it */
};

static const char *const type_names[] = {"inline", "local", "http"};

const char *vrv_source_type(const vrv_source *s)
{
    return type_names[s->type];
}

void vrv_source_free(vrv_source *s)
{
    if (!s) return;
    free(s->path);
    free(s->data);
    free(s->base_dir);
    free(s->filter);
    vrv_fmt_strings_free(s->files, s->nfiles);
    vrv_fmt_strings_free(s->uris, s->nuris);
    free(s->user);
    free(s->password);
    free(s->password_env);
    free(s);
}

static char *dup_or_null(const char *s)
{
    return s ? vrv_strdup(s) : NULL;
}

static int parse_password(const json_t *spec, const char *path, vrv_source *s, vrv_error *err)
{
    const json_t *p = json_object_get(spec, "httpAuthenticationPassword");
    if (!p || json_is_null(p)) return VRV_OK;
    if (json_is_string(p)) {
        s->password = vrv_strdup(json_string_value(p));
        return VRV_OK;
    }
    char ppath[512];
    snprintf(ppath, sizeof ppath, "%s.httpAuthenticationPassword", path);
    if (!json_is_object(p))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be a string or a password provider object",
                             ppath);
    const char *type, *v;
    int rc = vrv_json_get_string(p, "type", ppath, "default", &type, err);
    if (rc) return rc;
    if (strcmp(type, "default") == 0) {
        if ((rc = vrv_json_get_string(p, "password", ppath, NULL, &v, err))) return rc;
        s->password = dup_or_null(v);
    } else if (strcmp(type, "environment") == 0) {
        if ((rc = vrv_json_get_string(p, "variable", ppath, NULL, &v, err))) return rc;
        if (!v || !*v) return vrv_error_set(err, VRV_EINVAL, "%s.variable: required", ppath);
        s->password_env = vrv_strdup(v);
    } else {
        return vrv_error_set(err, VRV_EINVAL,
                             "%s.type: unknown password provider '%s' (default, environment)",
                             ppath, type);
    }
    return VRV_OK;
}

/* Druid's HttpInputSourceConfig default: only http and https. */
static bool uri_allowed(const char *uri)
{
    const char *sep = strstr(uri, "://");
    if (!sep || sep == uri || !sep[3]) return false;
    size_t n = (size_t)(sep - uri);
    return (n == 4 && strncasecmp(uri, "http", 4) == 0) ||
           (n == 5 && strncasecmp(uri, "https", 5) == 0);
}

int vrv_source_parse(const json_t *spec, const char *path, vrv_source **out, vrv_error *err)
{
    if (!json_is_object(spec)) return vrv_error_set(err, VRV_EINVAL, "%s: must be an object", path);
    const char *type;
    int rc = vrv_json_get_string(spec, "type", path, NULL, &type, err);
    if (rc) return rc;
    if (!type) return vrv_error_set(err, VRV_EINVAL, "%s.type: required (inline, local, http)", path);
    vrv_source *s = vrv_calloc(1, sizeof *s);
    s->path = vrv_strdup(path);
    const char *str;
    if (strcmp(type, "inline") == 0) {
        s->type = SRC_INLINE;
        if ((rc = vrv_json_get_string(spec, "data", path, NULL, &str, err))) goto fail;
        if (!str || !*str) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s.data: required (a non-empty string)", path);
            goto fail;
        }
        s->data = vrv_strdup(str);
    } else if (strcmp(type, "local") == 0) {
        s->type = SRC_LOCAL;
        if ((rc = vrv_json_get_string(spec, "baseDir", path, NULL, &str, err))) goto fail;
        s->base_dir = dup_or_null(str);
        if ((rc = vrv_json_get_string(spec, "filter", path, NULL, &str, err))) goto fail;
        s->filter = dup_or_null(str);
        if ((rc = vrv_json_get_string_array(spec, "files", path, &s->files, &s->nfiles, err))) goto fail;
        if (s->base_dir && !s->filter) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s.filter: required when baseDir is set", path);
            goto fail;
        }
        if (!s->base_dir && s->nfiles == 0) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s: at least one of baseDir or files must be set",
                               path);
            goto fail;
        }
    } else if (strcmp(type, "http") == 0) {
        s->type = SRC_HTTP;
        if ((rc = vrv_json_get_string_array(spec, "uris", path, &s->uris, &s->nuris, err))) goto fail;
        if (s->nuris == 0) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s.uris: required (a non-empty list)", path);
            goto fail;
        }
        for (size_t i = 0; i < s->nuris; i++) {
            if (!uri_allowed(s->uris[i])) {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "%s.uris[%zu]: '%s': only [http, https] protocols are allowed",
                                   path, i, s->uris[i]);
                goto fail;
            }
        }
        if ((rc = vrv_json_get_string(spec, "httpAuthenticationUsername", path, NULL, &str, err)))
            goto fail;
        s->user = dup_or_null(str);
        if ((rc = parse_password(spec, path, s, err))) goto fail;
    } else {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "%s.type: unsupported input source type '%s' (inline, local, http)",
                           path, type);
        goto fail;
    }
    *out = s;
    return VRV_OK;
fail:
    vrv_source_free(s);
    return rc;
}

/* commons-io FilenameUtils.wildcardMatch, case-sensitive: `*` is any run of
 * characters, `?` exactly one (a UTF-8 character), nothing else is special. */
static bool wildcard_match(const char *pat, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*pat == '?') {
            pat++;
            s++;
            while (((unsigned char)*s & 0xC0) == 0x80) s++;
        } else if (*pat == '*') {
            star = pat++;
            resume = s;
        } else if (*pat == *s) {
            pat++;
            s++;
        } else if (star) {
            pat = star + 1;
            s = ++resume;
        } else {
            return false;
        }
    }
    while (*pat == '*') pat++;
    return *pat == '\0';
}

typedef VRV_VEC(char *) path_vec;
typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct lister {
    const vrv_source *s;
    path_vec found;
    dir_id stack[MAX_DIR_DEPTH];
    size_t depth;
} lister;

static bool excluded_name(const vrv_source *s, const char *name)
{
    for (size_t i = 0; i < s->nfiles; i++) {
        const char *slash = strrchr(s->files[i], '/');
        if (strcmp(slash ? slash + 1 : s->files[i], name) == 0) return true;
    }
    return false;
}

static int list_dir(lister *l, const char *dir, const struct stat *dst, vrv_error *err)
{
    DIR *d = opendir(dir);
    if (!d) return vrv_error_set(err, VRV_EIO, "%s: cannot list directory: %s", dir, strerror(errno));
    l->stack[l->depth].dev = dst->st_dev;
    l->stack[l->depth].ino = dst->st_ino;
    l->depth++;
    int rc = VRV_OK;
    struct dirent *e;
    while (rc == VRV_OK && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        size_t dl = strlen(dir);
        char *p = vrv_malloc(dl + strlen(e->d_name) + 2);
        sprintf(p, "%s%s%s", dir, dl && dir[dl - 1] == '/' ? "" : "/", e->d_name);
        struct stat st;
        if (stat(p, &st) != 0) { /* a dangling link or a file gone meanwhile */
            free(p);
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            bool loop = false; /* a link back up the tree */
            for (size_t i = 0; i < l->depth; i++)
                if (l->stack[i].dev == st.st_dev && l->stack[i].ino == st.st_ino) loop = true;
            if (!loop && l->depth < MAX_DIR_DEPTH) rc = list_dir(l, p, &st, err);
            free(p);
        } else if (S_ISREG(st.st_mode) && st.st_size > 0 && wildcard_match(l->s->filter, e->d_name) &&
                   !excluded_name(l->s, e->d_name)) {
            vrv_vec_push(&l->found, p);
        } else {
            free(p);
        }
    }
    l->depth--;
    closedir(d);
    return rc;
}

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void vrv_source_splits_free(vrv_source_splits *sp)
{
    for (size_t i = 0; i < sp->n; i++) free(sp->v[i].name);
    free(sp->v);
    sp->v = NULL;
    sp->n = 0;
}

static void add_split(vrv_source_splits *out, char *name)
{
    out->v = vrv_realloc(out->v, (out->n + 1) * sizeof *out->v);
    out->v[out->n++].name = name;
}

static int list_local(const vrv_source *s, vrv_source_splits *out, vrv_error *err)
{
    lister l = {.s = s};
    int rc = VRV_OK;
    if (s->base_dir) {
        struct stat st;
        if (stat(s->base_dir, &st) != 0 || !S_ISDIR(st.st_mode))
            return vrv_error_set(err, VRV_ENOTFOUND, "%s.baseDir: '%s' is not a directory",
                                 s->path, s->base_dir);
        rc = list_dir(&l, s->base_dir, &st, err);
        if (l.found.n) qsort(l.found.v, l.found.n, sizeof *l.found.v, cmp_paths);
        else if (!rc)
            VRV_INFO("input", "local input source filter [%s] for base dir [%s] matched no files",
                     s->filter, s->base_dir);
    }
    for (size_t i = 0; i < l.found.n; i++) {
        if (rc) free(l.found.v[i]);
        else add_split(out, l.found.v[i]);
    }
    vrv_vec_free(&l.found);
    for (size_t i = 0; i < s->nfiles && !rc; i++) {
        struct stat st;
        if (stat(s->files[i], &st) != 0) {
            rc = vrv_error_set(err, VRV_ENOTFOUND, "%s.files[%zu]: '%s': no such file", s->path, i,
                               s->files[i]);
        } else if (S_ISDIR(st.st_mode)) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s.files[%zu]: '%s' is a directory", s->path, i,
                               s->files[i]);
        } else if (st.st_size > 0) {
            add_split(out, vrv_strdup(s->files[i]));
        }
    }
    return rc;
}

int vrv_source_list(const vrv_source *s, vrv_source_splits *out, vrv_error *err)
{
    out->v = NULL;
    out->n = 0;
    int rc = VRV_OK;
    switch (s->type) {
    case SRC_INLINE: add_split(out, vrv_strdup("inline")); break;
    case SRC_HTTP:
        for (size_t i = 0; i < s->nuris; i++) add_split(out, vrv_strdup(s->uris[i]));
        break;
    case SRC_LOCAL: rc = list_local(s, out, err); break;
    }
    if (rc) vrv_source_splits_free(out);
    return rc;
}

int vrv_source_read(const vrv_source *s, const vrv_source_split *sp, const vrv_source_limits *lim,
                    vrv_buf *out, vrv_error *err)
{
    size_t max = lim && lim->max_bytes ? lim->max_bytes : VRV_SOURCE_MAX_BYTES_DEFAULT;
    switch (s->type) {
    case SRC_INLINE: {
        size_t n = strlen(s->data);
        if (n > max)
            return vrv_error_set(err, VRV_ELIMIT, "inline: larger than the limit of %zu bytes", max);
        vrv_buf_append(out, s->data, n);
        return VRV_OK;
    }
    case SRC_LOCAL: return vrv_source_read_file(sp->name, max, out, err);
    case SRC_HTTP: {
        const char *password = s->password;
        if (s->password_env && !(password = getenv(s->password_env)))
            return vrv_error_set(err, VRV_EINVAL,
                                 "%s: environment variable %s (httpAuthenticationPassword) is not set",
                                 sp->name, s->password_env);
        return vrv_source_read_http(sp->name, s->user, password, lim, out, err);
    }
    }
    return vrv_error_set(err, VRV_EINTERNAL, "unknown input source");
}
