/*
 * fsutil.h — the few file-system chores of the control plane: creating a
 * directory tree, writing a small file atomically (temporary name, fsync,
 * rename), reading a whole file, removing a tree. Errors are VRV_EIO (or
 * VRV_ENOTFOUND for a missing file) with the path and errno's text.
 */
#ifndef VRV_FSUTIL_H
#define VRV_FSUTIL_H

#include "base/buf.h"
#include "base/error.h"

/* mkdir -p. */
int vrv_fs_mkdirs(const char *path, vrv_error *err);

/* Replaces path's contents with data[0..len) so that readers see the old or
 * the new file, never a partial one. */
int vrv_fs_write_atomic(const char *path, const void *data, size_t len, vrv_error *err);

/* Appends the whole file to out. */
int vrv_fs_read(const char *path, vrv_buf *out, vrv_error *err);

/* rm -rf; a missing path is fine. */
int vrv_fs_remove_tree(const char *path, vrv_error *err);

/* True when path exists. */
bool vrv_fs_exists(const char *path);

#endif
