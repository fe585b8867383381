/*
 * fsutil.c — directory trees and atomic small files (see fsutil.h).
 */
#include "base/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/mem.h"

static int io_error(vrv_error *err, int e, const char *what, const char *path)
{
    return vrv_error_set(err, e == ENOENT ? VRV_ENOTFOUND : VRV_EIO, "%s %s: %s", what, path,
                         strerror(e));
}

int vrv_fs_mkdirs(const char *path, vrv_error *err)
{
    char *p = vrv_strdup(path);
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s != '\0') continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0755) < 0 && errno != EEXIST) {
            rc = io_error(err, errno, "creating directory", p);
            break;
        }
        *s = c;
        if (c == '\0') break;
    }
    if (rc == 0) {
        struct stat st;
        if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
            rc = vrv_error_set(err, VRV_EIO, "creating directory %s: not a directory", path);
    }
    free(p);
    return rc;
}

int vrv_fs_write_atomic(const char *path, const void *data, size_t len, vrv_error *err)
{
    static unsigned long counter;
    size_t n = strlen(path) + 64;
    char *tmp = vrv_malloc(n);
    snprintf(tmp, n, "%s.%ld.%lu.tmp", path, (long)getpid(),
             __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
    int rc = 0;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = io_error(err, errno, "creating", tmp);
        free(tmp);
        return rc;
    }
    const char *p = data;
    size_t left = len;
    while (left > 0 && rc == 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            rc = io_error(err, errno, "writing", tmp);
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (rc == 0 && fsync(fd) < 0) rc = io_error(err, errno, "syncing", tmp);
    close(fd);
    if (rc == 0 && rename(tmp, path) < 0) rc = io_error(err, errno, "renaming into", path);
    if (rc < 0) unlink(tmp);
    free(tmp);
    return rc;
}

int vrv_fs_read(const char *path, vrv_buf *out, vrv_error *err)
{
    if (vrv_buf_read_file(out, path) < 0) return io_error(err, errno, "reading", path);
    return 0;
}

int vrv_fs_remove_tree(const char *path, vrv_error *err)
{
    struct stat st;
    if (lstat(path, &st) < 0) return errno == ENOENT ? 0 : io_error(err, errno, "examining", path);
    if (!S_ISDIR(st.st_mode)) {
        if (unlink(path) < 0 && errno != ENOENT) return io_error(err, errno, "removing", path);
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) return io_error(err, errno, "opening directory", path);
    int rc = 0;
    struct dirent *e;
    vrv_buf child = VRV_BUF_INIT;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        vrv_buf_reset(&child);
        vrv_buf_printf(&child, "%s/%s", path, e->d_name);
        rc = vrv_fs_remove_tree(child.data, err);
    }
    closedir(d);
    vrv_buf_free(&child);
    if (rc == 0 && rmdir(path) < 0 && errno != ENOENT) rc = io_error(err, errno, "removing", path);
    return rc;
}

bool vrv_fs_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}
