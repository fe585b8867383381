/*
 * test_deep.c — local deep storage: push/pull/exists/remove round trips, the
 * key layout and loadSpec text, atomic replacement under concurrent pushes,
 * and refusal of malformed keys and of loadSpecs outside the root.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "storage/deep.h"
#include "test.h"

#define S0 "2021-03-04T00:00:00.000Z"
#define S1 "2021-03-05T00:00:00.000Z"
#define V1 "2024-01-01T00:00:00.000Z"

static char *tmp_path(const char *name)
{
    char *p = malloc(512);
    snprintf(p, 512, "%s/%s", vrv_test_tmpdir(), name);
    return p;
}

static void write_file(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, n, f);
    fclose(f);
}

static char *read_all(const char *path, size_t *n)
{
    vrv_buf b = VRV_BUF_INIT;
    if (vrv_buf_read_file(&b, path) < 0) return NULL;
    *n = b.len;
    return vrv_buf_detach(&b);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

TEST(key_path)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_deep_key k = {"wiki", S0, S1, V1, 0, NULL};
    CHECK_INT(vrv_deep_key_path(&k, &b, NULL), 0);
    CHECK_STR(b.data, "wiki/" S0 "_" S1 "/" V1 "/0/index.vseg");
    vrv_buf_reset(&b);
    k.partition_num = 12;
    k.unique = "index_kafka_wiki_abc";
    CHECK_INT(vrv_deep_key_path(&k, &b, NULL), 0);
    CHECK_STR(b.data, "wiki/" S0 "_" S1 "/" V1 "/12/index_kafka_wiki_abc/index.vseg");
    vrv_buf_free(&b);

    vrv_error err = {0};
    vrv_deep_key bad = {"../etc", S0, S1, V1, 0, NULL};
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "deep storage key.dataSource: [../etc] contains '/'");
    bad.data_source = "..";
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "deep storage key.dataSource: [..] is not a file name");
    bad.data_source = "";
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "deep storage key.dataSource: must not be empty");
    bad = (vrv_deep_key){"wiki", S0, S1, "v/1", 0, NULL};
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "deep storage key.version: [v/1] contains '/'");
    bad = (vrv_deep_key){"wiki", S0, S1, V1, -1, NULL};
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "deep storage key.partitionNum: must be >= 0");
    bad = (vrv_deep_key){"wiki", NULL, S1, V1, 0, NULL};
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    bad = (vrv_deep_key){"wiki", S0, S1, V1, 0, "."};
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "deep storage key.unique: [.] is not a file name");
    char longname[300];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    bad = (vrv_deep_key){longname, S0, S1, V1, 0, NULL};
    CHECK_INT(vrv_deep_key_path(&bad, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "deep storage key.dataSource: longer than 255 bytes");
    vrv_buf_free(&b);
}

TEST(push_pull_remove)
{
    char *root = tmp_path("deep/store");
    vrv_deep *d = NULL;
    vrv_error err = {0};
    CHECK_INT(vrv_deep_open_local(root, &d, &err), 0);
    CHECK(is_dir(root));

    char *src = tmp_path("segment.src");
    char data[100000];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (char)(i * 31 + 7);
    write_file(src, data, sizeof data);

    vrv_deep_key k = {"wiki", S0, S1, V1, 0, NULL};
    char *spec = NULL;
    uint64_t size = 0;
    CHECK_INT(vrv_deep_push(d, src, &k, &spec, &size, &err), 0);
    CHECK_INT(size, sizeof data);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"type\":\"local\",\"path\":\"%s/wiki/" S0 "_" S1 "/" V1 "/0/index.vseg\"}", root);
    CHECK_STR(spec, want);
    char file[1024];
    snprintf(file, sizeof file, "%s/wiki/" S0 "_" S1 "/" V1 "/0", root);
    CHECK_INT(count_entries(file), 1); /* index.vseg, no temporary left behind */

    bool ex = false;
    CHECK_INT(vrv_deep_exists(d, spec, &ex, &err), 0);
    CHECK(ex);

    char *dst = tmp_path("pulled/seg");
    char *dst_dir = tmp_path("pulled");
    mkdir(dst_dir, 0755);
    CHECK_INT(vrv_deep_pull(d, spec, dst, &err), 0);
    size_t n = 0;
    char *got = read_all(dst, &n);
    CHECK_INT(n, sizeof data);
    CHECK(got && memcmp(got, data, n) == 0);
    free(got);
    CHECK_INT(count_entries(dst_dir), 1);

    /* a second partition of the same chunk */
    vrv_deep_key k1 = {"wiki", S0, S1, V1, 1, NULL};
    char *spec1 = NULL;
    CHECK_INT(vrv_deep_push(d, src, &k1, &spec1, NULL, &err), 0);

    /* remove: the file goes, empty key directories go, the rest stays */
    CHECK_INT(vrv_deep_remove(d, spec, &err), 0);
    CHECK_INT(vrv_deep_exists(d, spec, &ex, &err), 0);
    CHECK(!ex);
    CHECK(!is_dir(file));
    snprintf(file, sizeof file, "%s/wiki/" S0 "_" S1 "/" V1, root);
    CHECK(is_dir(file));
    CHECK_INT(vrv_deep_remove(d, spec, &err), 0); /* already gone: fine */
    CHECK_INT(vrv_deep_remove(d, spec1, &err), 0);
    snprintf(file, sizeof file, "%s/wiki", root);
    CHECK(!is_dir(file));
    CHECK(is_dir(root));
    CHECK_INT(vrv_deep_pull(d, spec1, dst, &err), VRV_ENOTFOUND);
    CHECK(strstr(err.msg, "No such file or directory") != NULL);

    /* pushing missing or unreadable sources */
    char *spec2 = NULL;
    CHECK_INT(vrv_deep_push(d, "/nonexistent/file", &k, &spec2, NULL, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "deep storage: opening /nonexistent/file: No such file or directory");
    CHECK(spec2 == NULL);
    CHECK_INT(vrv_deep_push(d, root, &k, &spec2, NULL, &err), VRV_EINVAL);
    CHECK_INT(vrv_deep_push(d, "", &k, &spec2, NULL, &err), VRV_EINVAL);

    /* a relative root is made absolute */
    vrv_deep *d2 = NULL;
    char cwd[1024];
    CHECK(getcwd(cwd, sizeof cwd) != NULL);
    CHECK_INT(chdir(vrv_test_tmpdir()), 0);
    CHECK_INT(vrv_deep_open_local("rel/deep", &d2, &err), 0);
    CHECK_INT(vrv_deep_push(d2, src, &k, &spec2, NULL, &err), 0);
    CHECK(spec2 && strstr(spec2, "\"path\":\"/") != NULL);
    CHECK_INT(chdir(cwd), 0);
    CHECK_INT(vrv_deep_exists(d2, spec2, &ex, &err), 0);
    CHECK(ex);
    vrv_deep_close(d2);
    CHECK_INT(vrv_deep_open_local(src, &d2, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, ": not a directory") != NULL);

    free(spec);
    free(spec1);
    free(spec2);
    free(src);
    free(dst);
    free(dst_dir);
    free(root);
    vrv_deep_close(d);
    vrv_deep_close(NULL);
}

TEST(load_spec_checks)
{
    char *root = tmp_path("deep2");
    vrv_deep *d = NULL;
    vrv_error err = {0};
    CHECK_INT(vrv_deep_open_local(root, &d, &err), 0);
    bool ex = true;
    CHECK_INT(vrv_deep_exists(d, "{\"type\":\"local\",\"path\":\"/etc/passwd\"}", &ex, &err),
              VRV_EINVAL);
    CHECK(!ex);
    char want[1024];
    snprintf(want, sizeof want,
             "loadSpec.path: [/etc/passwd] is outside the deep storage root [%s]", root);
    CHECK_STR(err.msg, want);
    char spec[1024];
    snprintf(spec, sizeof spec, "{\"type\":\"local\",\"path\":\"%s/../x\"}", root);
    CHECK_INT(vrv_deep_remove(d, spec, &err), VRV_EINVAL);
    snprintf(spec, sizeof spec, "{\"type\":\"local\",\"path\":\"%s/a/..\"}", root);
    CHECK_INT(vrv_deep_remove(d, spec, &err), VRV_EINVAL);
    snprintf(spec, sizeof spec, "{\"type\":\"local\",\"path\":\"%sx/y\"}", root);
    CHECK_INT(vrv_deep_remove(d, spec, &err), VRV_EINVAL);
    snprintf(spec, sizeof spec, "{\"type\":\"local\",\"path\":\"%s/\"}", root);
    CHECK_INT(vrv_deep_remove(d, spec, &err), VRV_EINVAL);
    CHECK_INT(vrv_deep_pull(d, "{\"type\":\"s3\",\"bucket\":\"b\",\"key\":\"k\"}", "/tmp/x", &err),
              VRV_EUNSUPPORTED);
    CHECK_STR(err.msg, "loadSpec.type: [s3] is not readable from local deep storage");
    CHECK_INT(vrv_deep_pull(d, "{\"type\":", "/tmp/x", &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "loadSpec: invalid JSON at line 1") == err.msg);
    CHECK_INT(vrv_deep_pull(d, "{\"path\":\"/x\"}", "/tmp/x", &err), VRV_EINVAL);
    CHECK_STR(err.msg, "loadSpec.type: missing");
    CHECK_INT(vrv_deep_pull(d, "{\"type\":\"local\"}", "/tmp/x", &err), VRV_EINVAL);
    CHECK_STR(err.msg, "loadSpec.path: missing");
    CHECK_INT(vrv_deep_pull(d, "[1]", "/tmp/x", &err), VRV_EINVAL);
    CHECK_INT(vrv_deep_exists(d, NULL, &ex, &err), VRV_EINVAL);
    free(root);
    vrv_deep_close(d);
}

/* Replicas pushing the same key at once: the file is always one complete copy. */
typedef struct pusher {
    vrv_deep *d;
    const char *src;
    int rc;
    char *spec;
} pusher;

static void *push_thread(void *arg)
{
    pusher *p = arg;
    vrv_deep_key k = {"race", S0, S1, V1, 0, NULL};
    for (int i = 0; i < 10 && p->rc == 0; i++) {
        free(p->spec);
        p->rc = vrv_deep_push(p->d, p->src, &k, &p->spec, NULL, NULL);
    }
    return NULL;
}

TEST(concurrent_push_same_key)
{
    char *root = tmp_path("deep3");
    vrv_deep *d = NULL;
    CHECK_INT(vrv_deep_open_local(root, &d, NULL), 0);
    enum { N = 4, SZ = 300000 };
    char *srcs[N];
    char *data = malloc(SZ);
    for (int t = 0; t < N; t++) {
        char name[32];
        snprintf(name, sizeof name, "src%d", t);
        srcs[t] = tmp_path(name);
        memset(data, 'a' + t, SZ);
        write_file(srcs[t], data, SZ);
    }
    pthread_t th[N];
    pusher p[N];
    for (int t = 0; t < N; t++) {
        p[t] = (pusher){d, srcs[t], 0, NULL};
        pthread_create(&th[t], NULL, push_thread, &p[t]);
    }
    for (int t = 0; t < N; t++) pthread_join(th[t], NULL);
    for (int t = 0; t < N; t++) {
        CHECK_INT(p[t].rc, 0);
        CHECK_STR(p[t].spec, p[0].spec);
    }
    char path[1024];
    snprintf(path, sizeof path, "%s/race/" S0 "_" S1 "/" V1 "/0/index.vseg", root);
    size_t n = 0;
    char *got = read_all(path, &n);
    CHECK_INT(n, SZ);
    bool uniform = got != NULL;
    for (size_t i = 1; uniform && i < n; i++) uniform = got[i] == got[0];
    CHECK(uniform);
    free(got);
    snprintf(path, sizeof path, "%s/race/" S0 "_" S1 "/" V1 "/0", root);
    CHECK_INT(count_entries(path), 1);

    /* with a unique level, replicas keep separate copies and removing one
     * leaves the other */
    vrv_deep_key ka = {"race", S0, S1, V1, 0, "taskA"}, kb = {"race", S0, S1, V1, 0, "taskB"};
    char *sa = NULL, *sb = NULL;
    CHECK_INT(vrv_deep_push(d, srcs[0], &ka, &sa, NULL, NULL), 0);
    CHECK_INT(vrv_deep_push(d, srcs[1], &kb, &sb, NULL, NULL), 0);
    CHECK(strcmp(sa, sb) != 0);
    CHECK_INT(vrv_deep_remove(d, sa, NULL), 0);
    bool ex = false;
    CHECK_INT(vrv_deep_exists(d, sb, &ex, NULL), 0);
    CHECK(ex);
    CHECK_INT(vrv_deep_exists(d, sa, &ex, NULL), 0);
    CHECK(!ex);
    free(sa);
    free(sb);

    for (int t = 0; t < N; t++) {
        free(p[t].spec);
        free(srcs[t]);
    }
    free(data);
    free(root);
    vrv_deep_close(d);
}
