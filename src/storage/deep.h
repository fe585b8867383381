/*
 * deep.h — deep storage: where published segment files live for good, and
 * where historicals fetch them from. A segment file is pushed once under its
 * identity and described from then on by a loadSpec JSON (stored in the
 * segment's DataSegment payload); pull, exists and remove take that loadSpec.
 *
 * The interface (vrv_deep_ops) has a local-directory implementation
 * (deep_local.c, {"type":"local","path":...}); an S3 one uses the same key
 * layout. Every call is thread safe.
 *
 * Layout of a key under the storage root, one directory level per field:
 *
 *     <dataSource>/<start>_<end>/<version>/<partitionNum>[/<unique>]/index.vseg
 *
 * e.g. wiki/2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z/
 *      2024-01-01T00:00:00.000Z/0/index.vseg — Druid's default storage
 * directory. `unique` adds one more level so that replicas pushing the same
 * segment id (streaming tasks do) never write the same file, and a replica that
 * lost the publish race can delete its own copy without touching the winner's.
 *
 * Errors: VRV_EINVAL for a key or loadSpec that is malformed or points outside
 * the storage, VRV_EUNSUPPORTED for a loadSpec of another type, VRV_ENOTFOUND
 * for a missing file, VRV_EIO for file system failures (message names the path
 * and errno's text).
 */
#ifndef VRV_DEEP_H
#define VRV_DEEP_H

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"

typedef struct vrv_deep vrv_deep;

/* The identity a segment file is pushed under. Strings are borrowed. */
typedef struct vrv_deep_key {
    const char *data_source;
    const char *start, *end; /* the interval, as written in the segment id */
    const char *version;
    int32_t partition_num; /* >= 0 */
    const char *unique;    /* NULL: the deterministic path; else one more
                              directory level (a task id, a random token) */
} vrv_deep_key;

typedef struct vrv_deep_ops {
    const char *name; /* "local", "s3" */
    void (*close)(vrv_deep *d);
    int (*push)(vrv_deep *d, const char *local_file, const vrv_deep_key *key, char **load_spec,
                uint64_t *size, vrv_error *err);
    int (*pull)(vrv_deep *d, const char *load_spec, const char *local_file, vrv_error *err);
    int (*remove)(vrv_deep *d, const char *load_spec, vrv_error *err);
    int (*exists)(vrv_deep *d, const char *load_spec, bool *exists, vrv_error *err);
} vrv_deep_ops;

struct vrv_deep {
    const vrv_deep_ops *ops;
};

/* Opens the local-directory deep storage rooted at root (created, with its
 * parents, if missing). Close with vrv_deep_close. */
int vrv_deep_open_local(const char *root, vrv_deep **out, vrv_error *err);

void vrv_deep_close(vrv_deep *d); /* d may be NULL */

/* Copies local_file into deep storage under key, atomically: readers see either
 * no file or the whole file, never a partial one, and a push that fails leaves
 * nothing behind. Pushing to an existing key replaces its file. On success
 * *load_spec is the loadSpec JSON text (malloc'd, caller frees) and *size (may
 * be NULL) the file's size in bytes. */
int vrv_deep_push(vrv_deep *d, const char *local_file, const vrv_deep_key *key, char **load_spec,
                  uint64_t *size, vrv_error *err);

/* Copies the file a loadSpec names to local_file (replaced atomically). */
int vrv_deep_pull(vrv_deep *d, const char *load_spec, const char *local_file, vrv_error *err);

/* Deletes the file a loadSpec names, and the directories of its key that are
 * left empty. Removing a file that is already gone succeeds. */
int vrv_deep_remove(vrv_deep *d, const char *load_spec, vrv_error *err);

/* Sets *exists to whether the file a loadSpec names is present. */
int vrv_deep_exists(vrv_deep *d, const char *load_spec, bool *exists, vrv_error *err);

/* Appends the relative path of a key ("wiki/<start>_<end>/<version>/0/index.vseg")
 * to out, after checking every component is a usable file name (not empty, no
 * '/', not "." or "..", at most 255 bytes). */
int vrv_deep_key_path(const vrv_deep_key *key, vrv_buf *out, vrv_error *err);

#define VRV_DEEP_FILE_NAME "index.vseg" /* the segment file's name inside its key directory */

#endif
