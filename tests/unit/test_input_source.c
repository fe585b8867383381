/*
 * test_input_source.c — files and batch input sources: gzip/zstd by magic and
 * extension, streamed in odd-sized pieces, truncated and corrupt data, size
 * limits; inline/local/http inputSource parsing, listing and reading (http
 * against a libmicrohttpd server on a loopback port started here), and a
 * local source read end to end through the csv format.
 */
#include <microhttpd.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <zlib.h>
#include <zstd.h>

#include "input/source.h"
#include "input_test_util.h"

static char *data_path(const char *name)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/tests/data/input/%s", vrv_test_src_dir(), name);
    return path;
}

static int read_data(const char *name, size_t max, vrv_buf *out, vrv_error *err)
{
    vrv_buf_reset(out);
    vrv_error_clear(err);
    return vrv_source_read_file(data_path(name), max, out, err);
}

TEST(source_files_decompressed)
{
    vrv_buf plain = VRV_BUF_INIT, b = VRV_BUF_INIT;
    vrv_error err;
    CHECK_INT(read_data("sample.csv", 0, &plain, &err), 0);
    CHECK_INT(plain.len, 116);
    const char *names[] = {"sample.csv.gz", "sample.csv.zst", "sample-gzip.bin"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(names); i++) {
        CHECK_INT(read_data(names[i], 0, &b, &err), 0);
        CHECK(b.len == plain.len && memcmp(b.data, plain.data, b.len) == 0);
    }
    CHECK_INT(read_data("multi-member.csv.gz", 0, &b, &err), 0);
    CHECK_STR(b.data, "ts,page,added\n2024-01-02T00:00:00Z,A,1\n2024-01-02T00:00:01Z,B,2\n");
    /* exactly at the limit is fine, one byte under is not */
    CHECK_INT(read_data("sample.csv.gz", 116, &b, &err), 0);
    CHECK_INT(read_data("sample.csv.gz", 115, &b, &err), VRV_ELIMIT);
    CHECK_STR(strstr(err.msg, "sample.csv.gz"),
              "sample.csv.gz: larger than the limit of 115 bytes (decompressed)");
    CHECK_INT(b.len, 0); /* nothing is left behind on failure */
    CHECK_INT(read_data("sample.csv", 100, &b, &err), VRV_ELIMIT);
    CHECK_STR(strstr(err.msg, "sample.csv"), "sample.csv: larger than the limit of 100 bytes");
    vrv_buf_free(&plain);
    vrv_buf_free(&b);
}

TEST(source_files_damaged)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_error err;
    CHECK_INT(read_data("truncated.csv.gz", 0, &b, &err), VRV_ECORRUPT);
    CHECK_STR(strstr(err.msg, "truncated.csv.gz"), "truncated.csv.gz: truncated gzip data");
    CHECK_INT(read_data("truncated.csv.zst", 0, &b, &err), VRV_ECORRUPT);
    CHECK_STR(strstr(err.msg, "truncated.csv.zst"), "truncated.csv.zst: truncated zstd data");
    CHECK_INT(read_data("corrupt.csv.gz", 0, &b, &err), VRV_ECORRUPT);
    CHECK_STR(strstr(err.msg, "corrupt.csv.gz"),
              "corrupt.csv.gz: corrupt gzip data: incorrect data check");
    CHECK_INT(read_data("not-really.csv.gz", 0, &b, &err), VRV_ECORRUPT);
    CHECK_STR(strstr(err.msg, "not-really.csv.gz"), "not-really.csv.gz: not in gzip format");
    CHECK_INT(read_data("no-such-file.csv", 0, &b, &err), VRV_ENOTFOUND);
    CHECK_STR(strstr(err.msg, "no-such-file.csv"), "no-such-file.csv: no such file");
    /* in a file name '#' and '?' are just characters (in a URI they end the path) */
    char path[600];
    snprintf(path, sizeof path, "%s/odd#name?.gz", vrv_test_tmpdir());
    FILE *f = fopen(path, "w");
    fputs("plain", f);
    fclose(f);
    vrv_buf_reset(&b);
    CHECK_INT(vrv_source_read_file(path, 0, &b, &err), VRV_ECORRUPT);
    CHECK_STR(strstr(err.msg, "odd#"), "odd#name?.gz: not in gzip format");
    CHECK_INT(read_data("", 0, &b, &err), VRV_EIO); /* the directory itself */
    CHECK(strstr(err.msg, "is a directory") != NULL);
    vrv_buf_free(&b);
}

/* Feeds data to a decoder in pieces of `step` bytes (the first four one by
 * one, across the magic). */
static int decode_in_pieces(const char *name, const void *data, size_t n, size_t step, size_t max,
                            vrv_buf *out, vrv_error *err)
{
    vrv_source_decoder *d = vrv_source_decoder_new(name, max, out);
    const char *p = data;
    size_t off = 0;
    int rc = VRV_OK;
    while (off < n && !rc) {
        size_t k = off < 4 ? 1 : VRV_MIN(step, n - off);
        rc = vrv_source_decoder_feed(d, p + off, k, err);
        off += k;
    }
    if (!rc) rc = vrv_source_decoder_finish(d, err);
    vrv_source_decoder_free(d);
    return rc;
}

TEST(source_stream_large)
{
    /* 6 MB of varied, compressible text */
    size_t n = 6 * 1024 * 1024;
    char *text = malloc(n);
    uint64_t x = 88172645463325252ULL;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        text[i] = (i % 61 == 60) ? '\n' : (char)('a' + (x % 8));
    }
    /* gzip via zlib, two members back to back */
    size_t gcap = compressBound(n) + 64;
    unsigned char *gz = malloc(2 * gcap);
    size_t glen = 0;
    for (int m = 0; m < 2; m++) {
        z_stream z = {0};
        deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
        z.next_in = (unsigned char *)text + m * (n / 2);
        z.avail_in = (uInt)(n / 2);
        z.next_out = gz + glen;
        z.avail_out = (uInt)gcap;
        CHECK_INT(deflate(&z, Z_FINISH), Z_STREAM_END);
        glen += z.total_out;
        deflateEnd(&z);
    }
    vrv_buf out = VRV_BUF_INIT;
    vrv_error err;
    CHECK_INT(decode_in_pieces("big.gz", gz, glen, 7777, 0, &out, &err), 0);
    CHECK(out.len == n && memcmp(out.data, text, n) == 0);
    vrv_buf_reset(&out);
    CHECK_INT(decode_in_pieces("big.gz", gz, glen, 7777, n - 1, &out, &err), VRV_ELIMIT);
    /* zstd */
    size_t zcap = ZSTD_compressBound(n);
    void *zs = malloc(zcap);
    size_t zlen = ZSTD_compress(zs, zcap, text, n, 3);
    CHECK(!ZSTD_isError(zlen));
    vrv_buf_reset(&out);
    CHECK_INT(decode_in_pieces("big", zs, zlen, 65537, 0, &out, &err), 0);
    CHECK(out.len == n && memcmp(out.data, text, n) == 0);
    vrv_buf_reset(&out);
    CHECK_INT(decode_in_pieces("big", zs, zlen - 1, 65537, 0, &out, &err), VRV_ECORRUPT);
    CHECK_STR(err.msg, "big: truncated zstd data");
    /* a short plain block is decided at finish */
    vrv_buf_reset(&out);
    CHECK_INT(decode_in_pieces("tiny", "ab", 2, 1, 0, &out, &err), 0);
    CHECK_STR(out.data, "ab");
    vrv_buf_reset(&out);
    CHECK_INT(decode_in_pieces("empty.gz", "", 0, 1, 0, &out, &err), 0);
    CHECK_INT(out.len, 0);
    vrv_buf_free(&out);
    free(zs);
    free(gz);
    free(text);
}

static const char *source_error(const char *json)
{
    static vrv_error err;
    vrv_error_clear(&err);
    json_t *spec = json_loads(json, 0, NULL);
    vrv_source *s = NULL;
    if (vrv_source_parse(spec, "spec.ioConfig.inputSource", &s, &err) == 0) {
        vrv_source_free(s);
        err.msg[0] = '\0';
    }
    json_decref(spec);
    return err.msg;
}

TEST(source_spec_errors)
{
    CHECK_STR(source_error("[]"), "spec.ioConfig.inputSource: must be an object");
    CHECK_STR(source_error("{}"), "spec.ioConfig.inputSource.type: required (inline, local, http)");
    CHECK_STR(source_error("{\"type\":\"s3\"}"),
              "spec.ioConfig.inputSource.type: unsupported input source type 's3' (inline, local, "
              "http)");
    CHECK_STR(source_error("{\"type\":\"inline\"}"),
              "spec.ioConfig.inputSource.data: required (a non-empty string)");
    CHECK_STR(source_error("{\"type\":\"inline\",\"data\":\"\"}"),
              "spec.ioConfig.inputSource.data: required (a non-empty string)");
    CHECK_STR(source_error("{\"type\":\"local\"}"),
              "spec.ioConfig.inputSource: at least one of baseDir or files must be set");
    CHECK_STR(source_error("{\"type\":\"local\",\"baseDir\":\"/tmp\"}"),
              "spec.ioConfig.inputSource.filter: required when baseDir is set");
    CHECK_STR(source_error("{\"type\":\"local\",\"files\":\"/a\"}"),
              "spec.ioConfig.inputSource.files: must be an array of strings");
    CHECK_STR(source_error("{\"type\":\"http\",\"uris\":[]}"),
              "spec.ioConfig.inputSource.uris: required (a non-empty list)");
    CHECK_STR(source_error("{\"type\":\"http\",\"uris\":[\"http://a/x\",\"file:///etc/passwd\"]}"),
              "spec.ioConfig.inputSource.uris[1]: 'file:///etc/passwd': only [http, https] "
              "protocols are allowed");
    CHECK_STR(source_error("{\"type\":\"http\",\"uris\":[\"http://a/x\"],"
                           "\"httpAuthenticationPassword\":{\"type\":\"vault\"}}"),
              "spec.ioConfig.inputSource.httpAuthenticationPassword.type: unknown password "
              "provider 'vault' (default, environment)");
    CHECK_STR(source_error("{\"type\":\"http\",\"uris\":[\"HTTPS://a/x\"],"
                           "\"httpAuthenticationUsername\":\"u\",\"httpAuthenticationPassword\":"
                           "{\"type\":\"default\",\"password\":\"p\"}}"),
              "");
}

static vrv_source *source_of(const char *json)
{
    json_t *spec = json_loads(json, 0, NULL);
    vrv_source *s = NULL;
    vrv_error err;
    if (vrv_source_parse(spec, "spec.ioConfig.inputSource", &s, &err))
        vrv_test_fail(__FILE__, __LINE__, "source rejected: %s", err.msg);
    json_decref(spec);
    return s;
}

/* Lists the splits of a source as "name\n" lines, paths relative to base. */
static char *list_str(const vrv_source *s, const char *base, vrv_error *err)
{
    vrv_source_splits sp;
    vrv_error_clear(err);
    if (vrv_source_list(s, &sp, err)) return vrv_strdup("error");
    vrv_buf b = VRV_BUF_INIT;
    size_t bl = base ? strlen(base) : 0;
    for (size_t i = 0; i < sp.n; i++) {
        const char *name = sp.v[i].name;
        if (bl && strncmp(name, base, bl) == 0) name += bl;
        vrv_buf_printf(&b, "%s\n", name);
    }
    vrv_source_splits_free(&sp);
    return vrv_buf_detach(&b);
}

static void write_file(const char *dir, const char *rel, const char *content)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "wb");
    if (!f) {
        vrv_test_fail(__FILE__, __LINE__, "cannot write %s", path);
        return;
    }
    fputs(content, f);
    fclose(f);
}

TEST(source_local_listing)
{
    char base[512], json[2048];
    snprintf(base, sizeof base, "%s/local", vrv_test_tmpdir());
    char d[600];
    mkdir(base, 0755);
    snprintf(d, sizeof d, "%s/sub", base);
    mkdir(d, 0755);
    snprintf(d, sizeof d, "%s/sub/deeper", base);
    mkdir(d, 0755);
    write_file(base, "b.csv", "b\n");
    write_file(base, "a.csv", "a\n");
    write_file(base, "sub/c.csv", "c\n");
    write_file(base, "sub/deeper/a.csv", "a2\n");
    write_file(base, "sub/x.json", "{}\n");
    write_file(base, "empty.csv", "");
    write_file(base, "ab.csv", "ab\n");
    /* a link back up the tree is not followed forever */
    snprintf(d, sizeof d, "%s/sub/deeper/loop", base);
    CHECK_INT(symlink(base, d), 0);
    vrv_error err;

    snprintf(json, sizeof json, "{\"type\":\"local\",\"baseDir\":\"%s\",\"filter\":\"*.csv\"}", base);
    vrv_source *s = source_of(json);
    char *got = list_str(s, base, &err);
    CHECK_STR(got, "/a.csv\n/ab.csv\n/b.csv\n/sub/c.csv\n/sub/deeper/a.csv\n");
    free(got);
    CHECK_STR(vrv_source_type(s), "local");
    vrv_source_free(s);

    snprintf(json, sizeof json, "{\"type\":\"local\",\"baseDir\":\"%s\",\"filter\":\"?.csv\"}", base);
    s = source_of(json);
    got = list_str(s, base, &err);
    CHECK_STR(got, "/a.csv\n/b.csv\n/sub/c.csv\n/sub/deeper/a.csv\n");
    free(got);
    vrv_source_free(s);

    /* listed from below, the link leads up once and stops where it loops */
    snprintf(json, sizeof json, "{\"type\":\"local\",\"baseDir\":\"%s/sub\",\"filter\":\"a*\"}",
             base);
    s = source_of(json);
    got = list_str(s, base, &err);
    CHECK_STR(got, "/sub/deeper/a.csv\n/sub/deeper/loop/a.csv\n/sub/deeper/loop/ab.csv\n");
    free(got);
    vrv_source_free(s);
    snprintf(d, sizeof d, "%s/sub/deeper/loop", base);
    unlink(d);

    /* files come after the listing, in their own order; a listed file with
     * the same name as one in files is read from files only (Druid's rule) */
    snprintf(json, sizeof json,
             "{\"type\":\"local\",\"baseDir\":\"%s/sub\",\"filter\":\"*\",\"files\":[\"%s/b.csv\","
             "\"%s/empty.csv\",\"%s/a.csv\"]}",
             base, base, base, base);
    s = source_of(json);
    got = list_str(s, base, &err);
    CHECK_STR(got, "/sub/c.csv\n/sub/x.json\n/b.csv\n/a.csv\n");
    free(got);
    vrv_source_free(s);

    snprintf(json, sizeof json, "{\"type\":\"local\",\"files\":[\"%s/a.csv\",\"%s/nope.csv\"]}",
             base, base);
    s = source_of(json);
    got = list_str(s, NULL, &err);
    CHECK_STR(got, "error");
    free(got);
    CHECK_INT(err.code, VRV_ENOTFOUND);
    CHECK(strstr(err.msg, "spec.ioConfig.inputSource.files[1]: '") == err.msg);
    CHECK(strstr(err.msg, "nope.csv': no such file") != NULL);
    vrv_source_free(s);

    snprintf(json, sizeof json, "{\"type\":\"local\",\"baseDir\":\"%s/none\",\"filter\":\"*\"}",
             base);
    s = source_of(json);
    got = list_str(s, NULL, &err);
    free(got);
    CHECK_INT(err.code, VRV_ENOTFOUND);
    CHECK(strstr(err.msg, "spec.ioConfig.inputSource.baseDir: '") == err.msg);
    vrv_source_free(s);
}

TEST(source_local_end_to_end)
{
    /* a local source of compressed and plain copies, each split read through
     * the csv format with its own header */
    char json[2048];
    const char *dir = data_path("");
    snprintf(json, sizeof json, "{\"type\":\"local\",\"baseDir\":\"%s\",\"filter\":\"sample.csv*\"}",
             dir);
    vrv_source *s = source_of(json);
    vrv_source_splits sp;
    vrv_error err;
    CHECK_INT(vrv_source_list(s, &sp, &err), 0);
    CHECK_INT(sp.n, 3);
    vrv_input_format *f = tu_format("{\"type\":\"csv\",\"findColumnsFromHeader\":true}");
    vrv_fieldset fs;
    tu_fieldset(&fs, "page,added");
    vrv_input_reader *r = vrv_input_reader_new(f, &fs, &err);
    vrv_buf all = VRV_BUF_INIT, block = VRV_BUF_INIT;
    for (size_t i = 0; i < sp.n; i++) {
        vrv_buf_reset(&block);
        CHECK_INT(vrv_source_read(s, &sp.v[i], NULL, &block, &err), 0);
        char *rows = tu_read_with(r, &fs, block.data, block.len, NULL);
        const char *slash = strrchr(sp.v[i].name, '/');
        vrv_buf_printf(&all, "%s\n%s", slash + 1, rows);
        free(rows);
    }
    const char *rows = "page=\"Main_Page\" added=\"10\"\npage=\"Talk:Varve\" added=\"3\"\n"
                       "page=\"User:Druid\" added=\"7\"\n";
    char expect[1024];
    snprintf(expect, sizeof expect, "sample.csv\n%ssample.csv.gz\n%ssample.csv.zst\n%s", rows, rows,
             rows);
    CHECK_STR(all.data, expect);
    vrv_buf_free(&all);
    vrv_buf_free(&block);
    vrv_input_reader_free(r);
    vrv_fieldset_destroy(&fs);
    vrv_input_format_free(f);
    vrv_source_splits_free(&sp);
    vrv_source_free(s);

    s = source_of("{\"type\":\"inline\",\"data\":\"a,b\\n1,2\\n\"}");
    CHECK_INT(vrv_source_list(s, &sp, &err), 0);
    CHECK_INT(sp.n, 1);
    CHECK_STR(sp.v[0].name, "inline");
    vrv_buf_reset(&block);
    CHECK_INT(vrv_source_read(s, &sp.v[0], NULL, &block, &err), 0);
    CHECK_STR(block.data, "a,b\n1,2\n");
    vrv_source_limits lim = {.max_bytes = 4};
    CHECK_INT(vrv_source_read(s, &sp.v[0], &lim, &block, &err), VRV_ELIMIT);
    CHECK_STR(err.msg, "inline: larger than the limit of 4 bytes");
    vrv_buf_free(&block);
    vrv_source_splits_free(&sp);
    vrv_source_free(s);
}

/* ---- http ---------------------------------------------------------------- */

static atomic_int boom_hits;

static enum MHD_Result serve(void *cls, struct MHD_Connection *c, const char *url,
                             const char *method, const char *version, const char *upload,
                             size_t *upload_size, void **con_cls)
{
    vrv_buf body = VRV_BUF_INIT;
    unsigned status = MHD_HTTP_OK;
    if (strcmp(url, "/data.csv") == 0) {
        vrv_buf_puts(&body, "ts,page\n2024,Main\n");
    } else if (strcmp(url, "/files/sample.csv.gz") == 0 || strcmp(url, "/plain-name") == 0) {
        vrv_buf_read_file(&body, data_path("sample.csv.gz"));
    } else if (strcmp(url, "/secret.csv") == 0) {
        const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
        if (auth && strcmp(auth, "Basic ZHJ1aWQ6czNjcjN0") == 0) { /* druid:s3cr3t */
            vrv_buf_puts(&body, "secret,1\n");
        } else {
            status = MHD_HTTP_UNAUTHORIZED;
        }
    } else if (strcmp(url, "/boom") == 0) {
        atomic_fetch_add(&boom_hits, 1);
        status = MHD_HTTP_INTERNAL_SERVER_ERROR;
    } else {
        status = MHD_HTTP_NOT_FOUND;
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(body.len, body.data ? body.data : "", MHD_RESPMEM_MUST_COPY);
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    vrv_buf_free(&body);
    return rc;
}

TEST(source_http)
{
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, serve,
                                            NULL, MHD_OPTION_END);
    CHECK(d != NULL);
    if (!d) return;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    unsigned port = info->port;
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%u", port);

    char json[2048];
    snprintf(json, sizeof json,
             "{\"type\":\"http\",\"uris\":[\"%s/data.csv\",\"%s/files/sample.csv.gz\","
             "\"%s/plain-name\",\"%s/secret.csv\"],\"httpAuthenticationUsername\":\"druid\","
             "\"httpAuthenticationPassword\":{\"type\":\"environment\",\"variable\":"
             "\"VARVE_TEST_HTTP_PW\"}}",
             base, base, base, base);
    vrv_source *s = source_of(json);
    vrv_source_splits sp;
    vrv_error err;
    CHECK_INT(vrv_source_list(s, &sp, &err), 0);
    CHECK_INT(sp.n, 4);
    vrv_buf b = VRV_BUF_INIT, sample = VRV_BUF_INIT;
    vrv_buf_read_file(&sample, data_path("sample.csv"));

    unsetenv("VARVE_TEST_HTTP_PW");
    CHECK_INT(vrv_source_read(s, &sp.v[0], NULL, &b, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "environment variable VARVE_TEST_HTTP_PW") != NULL);
    setenv("VARVE_TEST_HTTP_PW", "s3cr3t", 1);

    CHECK_INT(vrv_source_read(s, &sp.v[0], NULL, &b, &err), 0);
    CHECK_STR(b.data, "ts,page\n2024,Main\n");
    for (int i = 1; i <= 2; i++) { /* by extension, and by magic alone */
        vrv_buf_reset(&b);
        CHECK_INT(vrv_source_read(s, &sp.v[i], NULL, &b, &err), 0);
        CHECK_STR(b.data, sample.data);
    }
    vrv_buf_reset(&b);
    CHECK_INT(vrv_source_read(s, &sp.v[3], NULL, &b, &err), 0);
    CHECK_STR(b.data, "secret,1\n");
    vrv_source_splits_free(&sp);
    vrv_source_free(s);

    char uri[256];
    vrv_buf_reset(&b);
    snprintf(uri, sizeof uri, "%s/secret.csv", base);
    CHECK_INT(vrv_source_read_http(uri, "druid", "wrong", NULL, &b, &err), VRV_EIO);
    snprintf(json, sizeof json, "%s: HTTP 401", uri);
    CHECK_STR(err.msg, json);
    snprintf(uri, sizeof uri, "%s/nothing-here", base);
    CHECK_INT(vrv_source_read_http(uri, NULL, NULL, NULL, &b, &err), VRV_ENOTFOUND);
    snprintf(json, sizeof json, "%s: HTTP 404", uri);
    CHECK_STR(err.msg, json);
    /* server errors are retried */
    snprintf(uri, sizeof uri, "%s/boom", base);
    vrv_source_limits lim = {.http_retries = 2};
    CHECK_INT(vrv_source_read_http(uri, NULL, NULL, &lim, &b, &err), VRV_EIO);
    CHECK_INT(atomic_load(&boom_hits), 3);
    snprintf(uri, sizeof uri, "%s/files/sample.csv.gz", base);
    lim = (vrv_source_limits){.max_bytes = 50};
    CHECK_INT(vrv_source_read_http(uri, NULL, NULL, &lim, &b, &err), VRV_ELIMIT);
    snprintf(json, sizeof json, "%s: larger than the limit of 50 bytes (decompressed)", uri);
    CHECK_STR(err.msg, json);
    CHECK_INT(b.len, 0);
    MHD_stop_daemon(d);
    /* nothing listens there any more */
    lim = (vrv_source_limits){.http_retries = -1};
    CHECK_INT(vrv_source_read_http(uri, NULL, NULL, &lim, &b, &err), VRV_EIO);
    vrv_buf_free(&b);
    vrv_buf_free(&sample);
}
