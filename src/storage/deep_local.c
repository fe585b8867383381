/*
 * deep_local.c — deep storage in a local (or shared, mounted) directory, and
 * the implementation-independent entry points of deep.h.
 *
 * A push copies into a temporary file next to the destination
 * (".index.vseg.<pid>.<n>.tmp", O_EXCL), fsyncs it, renames it over the final
 * name and fsyncs the directory (and the parents of directories it created),
 * so the file is either absent or complete even across a crash, and a
 * concurrent push of the same key replaces it with another complete copy.
 * LoadSpecs are {"type":"local","path":"<absolute file>"}; pull, remove and
 * exists only accept paths inside this storage's root, so a forged loadSpec
 * cannot read or delete anything else.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"
#include "storage/deep.h"

typedef struct deep_local {
    vrv_deep base;
    char *root; /* absolute, canonical, no trailing '/' */
} deep_local;

static atomic_uint tmp_counter;

/* ---- keys ------------------------------------------------------------------ */

static int check_component(const char *s, size_t n, const char *field, vrv_error *err)
{
    if (!s || n == 0)
        return vrv_error_set(err, VRV_EINVAL, "deep storage key.%s: must not be empty", field);
    if (n > 255)
        return vrv_error_set(err, VRV_EINVAL, "deep storage key.%s: longer than 255 bytes", field);
    if (memchr(s, '/', n) || memchr(s, '\0', n))
        return vrv_error_set(err, VRV_EINVAL, "deep storage key.%s: [%.*s] contains '/'", field,
                             (int)n, s);
    if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
        return vrv_error_set(err, VRV_EINVAL, "deep storage key.%s: [%.*s] is not a file name",
                             field, (int)n, s);
    return 0;
}

int vrv_deep_key_path(const vrv_deep_key *key, vrv_buf *out, vrv_error *err)
{
    int rc;
    if ((rc = check_component(key->data_source, key->data_source ? strlen(key->data_source) : 0,
                              "dataSource", err)) < 0)
        return rc;
    if (!key->start || !key->end || !*key->start || !*key->end)
        return vrv_error_set(err, VRV_EINVAL, "deep storage key.interval: must not be empty");
    char interval[600];
    int n = snprintf(interval, sizeof interval, "%s_%s", key->start, key->end);
    if (n < 0 || (size_t)n >= sizeof interval)
        return vrv_error_set(err, VRV_EINVAL, "deep storage key.interval: too long");
    if ((rc = check_component(interval, (size_t)n, "interval", err)) < 0) return rc;
    if ((rc = check_component(key->version, key->version ? strlen(key->version) : 0, "version",
                              err)) < 0)
        return rc;
    if (key->partition_num < 0)
        return vrv_error_set(err, VRV_EINVAL, "deep storage key.partitionNum: must be >= 0");
    if (key->unique && (rc = check_component(key->unique, strlen(key->unique), "unique", err)) < 0)
        return rc;
    vrv_buf_printf(out, "%s/%s/%s/%d/", key->data_source, interval, key->version,
                   key->partition_num);
    if (key->unique) vrv_buf_printf(out, "%s/", key->unique);
    vrv_buf_puts(out, VRV_DEEP_FILE_NAME);
    return 0;
}

/* ---- files ------------------------------------------------------------------ */

static int io_error(vrv_error *err, int e, const char *what, const char *path)
{
    return vrv_error_set(err, e == ENOENT ? VRV_ENOTFOUND : VRV_EIO, "deep storage: %s %s: %s",
                         what, path, strerror(e));
}

static int fsync_dir(const char *dir, vrv_error *err)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return io_error(err, errno, "opening directory", dir);
    int rc = 0;
    if (fsync(fd) < 0 && errno != EINVAL) rc = io_error(err, errno, "syncing directory", dir);
    close(fd);
    return rc;
}

/* Creates path's directories; fsyncs the parent of each one it created so the
 * new entries are durable before the file inside them is. */
static int mkdir_p(char *path, vrv_error *err)
{
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0755) == 0) {
            char *slash = strrchr(path, '/');
            *slash = '\0';
            int rc = fsync_dir(slash == path ? "/" : path, err);
            *slash = '/';
            if (rc < 0) {
                *p = c;
                return rc;
            }
        } else if (errno != EEXIST) {
            int e = errno;
            int rc = io_error(err, e, "creating directory", path);
            *p = c;
            return rc;
        }
        *p = c;
        if (c == '\0') return 0;
    }
}

/* Copies src to dst through a temporary file in dst's directory, fsynced and
 * renamed into place. */
static int copy_atomic(const char *src, const char *dst, uint64_t *size, vrv_error *err)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0) return io_error(err, errno, "opening", src);
    struct stat st;
    if (fstat(in, &st) < 0) {
        int e = errno;
        close(in);
        return io_error(err, e, "reading", src);
    }
    if (!S_ISREG(st.st_mode)) {
        close(in);
        return vrv_error_set(err, VRV_EINVAL, "deep storage: %s is not a regular file", src);
    }
    size_t dlen = strlen(dst);
    char *tmp = vrv_malloc(dlen + 64);
    const char *slash = strrchr(dst, '/');
    size_t dir_len = slash ? (size_t)(slash - dst) : 0;
    snprintf(tmp, dlen + 64, "%.*s/.%s.%ld.%u.tmp", (int)dir_len, dst, slash ? slash + 1 : dst,
             (long)getpid(), atomic_fetch_add(&tmp_counter, 1));
    int out = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int rc = 0;
    if (out < 0) {
        rc = io_error(err, errno, "creating", tmp);
        close(in);
        free(tmp);
        return rc;
    }
    uint64_t total = 0;
    char buf[1 << 16];
    for (;;) {
        ssize_t r = read(in, buf, sizeof buf);
        if (r < 0) {
            if (errno == EINTR) continue;
            rc = io_error(err, errno, "reading", src);
            break;
        }
        if (r == 0) break;
        for (ssize_t w = 0; w < r;) {
            ssize_t k = write(out, buf + w, (size_t)(r - w));
            if (k < 0) {
                if (errno == EINTR) continue;
                rc = io_error(err, errno, "writing", tmp);
                break;
            }
            w += k;
        }
        if (rc < 0) break;
        total += (uint64_t)r;
    }
    if (rc == 0 && fsync(out) < 0) rc = io_error(err, errno, "syncing", tmp);
    if (close(out) < 0 && rc == 0) rc = io_error(err, errno, "closing", tmp);
    close(in);
    if (rc == 0 && rename(tmp, dst) < 0) rc = io_error(err, errno, "renaming into", dst);
    if (rc < 0) unlink(tmp);
    free(tmp);
    if (rc == 0 && dir_len) {
        char *dir = vrv_strndup(dst, dir_len);
        rc = fsync_dir(dir, err);
        free(dir);
    }
    if (rc == 0 && size) *size = total;
    return rc;
}

/* ---- loadSpecs ---------------------------------------------------------------- */

/* Parses a local loadSpec and returns its path (malloc'd) after checking it lies
 * inside the root. */
static int spec_path(deep_local *d, const char *load_spec, char **path, vrv_error *err)
{
    *path = NULL;
    json_error_t je;
    json_t *j = json_loads(load_spec ? load_spec : "", 0, &je);
    if (!j)
        return vrv_error_set(err, VRV_EINVAL, "loadSpec: invalid JSON at line %d column %d: %s",
                             je.line, je.column, je.text);
    int rc = 0;
    const char *type = json_string_value(json_object_get(j, "type"));
    const char *p = json_string_value(json_object_get(j, "path"));
    size_t rlen = strlen(d->root), plen = p ? strlen(p) : 0;
    if (!json_is_object(j) || !type) {
        rc = vrv_error_set(err, VRV_EINVAL, "loadSpec.type: missing");
    } else if (strcmp(type, "local") != 0) {
        rc = vrv_error_set(err, VRV_EUNSUPPORTED,
                           "loadSpec.type: [%s] is not readable from local deep storage", type);
    } else if (!p || !*p) {
        rc = vrv_error_set(err, VRV_EINVAL, "loadSpec.path: missing");
    } else if (plen <= rlen + 1 || strncmp(p, d->root, rlen) != 0 || p[rlen] != '/' ||
               strstr(p, "/../") || strstr(p, "/./") ||
               (plen >= 3 && strcmp(p + plen - 3, "/..") == 0) || strcmp(p + plen - 2, "/.") == 0) {
        rc = vrv_error_set(err, VRV_EINVAL,
                           "loadSpec.path: [%s] is outside the deep storage root [%s]", p, d->root);
    } else {
        *path = vrv_strdup(p);
    }
    json_decref(j);
    return rc;
}

/* ---- the local implementation ---------------------------------------------------- */

static int local_push(vrv_deep *base, const char *local_file, const vrv_deep_key *key,
                      char **load_spec, uint64_t *size, vrv_error *err)
{
    deep_local *d = (deep_local *)base;
    vrv_buf path = VRV_BUF_INIT;
    vrv_buf_printf(&path, "%s/", d->root);
    int rc = vrv_deep_key_path(key, &path, err);
    if (rc == 0) {
        char *slash = strrchr(path.data, '/');
        *slash = '\0';
        rc = mkdir_p(path.data, err);
        *slash = '/';
    }
    if (rc == 0) rc = copy_atomic(local_file, path.data, size, err);
    if (rc == 0) {
        json_t *j = json_pack("{s:s, s:s}", "type", "local", "path", path.data);
        *load_spec = json_dumps(j, JSON_COMPACT);
        json_decref(j);
    }
    vrv_buf_free(&path);
    return rc;
}

static int local_pull(vrv_deep *base, const char *load_spec, const char *local_file, vrv_error *err)
{
    char *path;
    int rc = spec_path((deep_local *)base, load_spec, &path, err);
    if (rc < 0) return rc;
    rc = copy_atomic(path, local_file, NULL, err);
    free(path);
    return rc;
}

static int local_remove(vrv_deep *base, const char *load_spec, vrv_error *err)
{
    deep_local *d = (deep_local *)base;
    char *path;
    int rc = spec_path(d, load_spec, &path, err);
    if (rc < 0) return rc;
    if (unlink(path) < 0 && errno != ENOENT) rc = io_error(err, errno, "removing", path);
    /* Drop the key's directories that are now empty, never the root. */
    size_t rlen = strlen(d->root);
    for (char *slash = strrchr(path, '/'); rc == 0 && slash && (size_t)(slash - path) > rlen;
         slash = strrchr(path, '/')) {
        *slash = '\0';
        if (rmdir(path) < 0) break; /* not empty (another partition or copy), or gone */
    }
    free(path);
    return rc;
}

static int local_exists(vrv_deep *base, const char *load_spec, bool *exists, vrv_error *err)
{
    char *path;
    *exists = false;
    int rc = spec_path((deep_local *)base, load_spec, &path, err);
    if (rc < 0) return rc;
    struct stat st;
    if (stat(path, &st) == 0)
        *exists = S_ISREG(st.st_mode);
    else if (errno != ENOENT && errno != ENOTDIR)
        rc = io_error(err, errno, "checking", path);
    free(path);
    return rc;
}

static void local_close(vrv_deep *base)
{
    deep_local *d = (deep_local *)base;
    free(d->root);
    free(d);
}

static const vrv_deep_ops local_ops = {
    .name = "local",
    .close = local_close,
    .push = local_push,
    .pull = local_pull,
    .remove = local_remove,
    .exists = local_exists,
};

int vrv_deep_open_local(const char *root, vrv_deep **out, vrv_error *err)
{
    *out = NULL;
    if (!root || !*root) return vrv_error_set(err, VRV_EINVAL, "deep storage root: missing");
    char *abs;
    if (root[0] == '/') {
        abs = vrv_strdup(root);
    } else {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd)) return io_error(err, errno, "resolving", root);
        size_t n = strlen(cwd) + strlen(root) + 2;
        abs = vrv_malloc(n);
        snprintf(abs, n, "%s/%s", cwd, root);
    }
    int rc = mkdir_p(abs, err);
    char *canon = rc == 0 ? realpath(abs, NULL) : NULL;
    if (rc == 0 && !canon) rc = io_error(err, errno, "resolving", abs);
    free(abs);
    if (rc < 0) return rc;
    struct stat st;
    if (stat(canon, &st) < 0 || !S_ISDIR(st.st_mode)) {
        rc = vrv_error_set(err, VRV_EINVAL, "deep storage root %s: not a directory", canon);
        free(canon);
        return rc;
    }
    deep_local *d = vrv_calloc(1, sizeof *d);
    d->base.ops = &local_ops;
    /* Kept without a trailing '/': "/" itself becomes "". */
    d->root = vrv_strdup(strcmp(canon, "/") == 0 ? "" : canon);
    free(canon); /* realpath's malloc, released with free() like ours */
    *out = &d->base;
    return 0;
}

/* ---- entry points ---------------------------------------------------------------- */

void vrv_deep_close(vrv_deep *d)
{
    if (d) d->ops->close(d);
}

int vrv_deep_push(vrv_deep *d, const char *local_file, const vrv_deep_key *key, char **load_spec,
                  uint64_t *size, vrv_error *err)
{
    *load_spec = NULL;
    if (!local_file || !*local_file)
        return vrv_error_set(err, VRV_EINVAL, "deep storage push: no local file");
    return d->ops->push(d, local_file, key, load_spec, size, err);
}

int vrv_deep_pull(vrv_deep *d, const char *load_spec, const char *local_file, vrv_error *err)
{
    if (!local_file || !*local_file)
        return vrv_error_set(err, VRV_EINVAL, "deep storage pull: no local file");
    return d->ops->pull(d, load_spec, local_file, err);
}

int vrv_deep_remove(vrv_deep *d, const char *load_spec, vrv_error *err)
{
    return d->ops->remove(d, load_spec, err);
}

int vrv_deep_exists(vrv_deep *d, const char *load_spec, bool *exists, vrv_error *err)
{
    return d->ops->exists(d, load_spec, exists, err);
}
