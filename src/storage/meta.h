/*
 * meta.h — the metadata store: varve's source of truth for published segments,
 * pending segment ids, committed stream positions, supervisor specs, tasks,
 * task locks and the audit log, in tables named and shaped after Druid's
 * (docs/metadata-store.md describes every table and the publish transaction).
 *
 * The store is an interface (vrv_meta_ops) so that PostgreSQL can sit beside
 * the embedded SQLite implementation with the same semantics. Every function
 * is thread safe and either does all of its work or none of it: each runs in
 * one database transaction.
 *
 * Conventions for every call below:
 *  - returns 0 or a negative VRV_E* code and, on failure, fills err (may be
 *    NULL) with a message naming the offending argument or row;
 *  - VRV_EAGAIN: the database was locked by another writer for longer than the
 *    busy timeout; nothing was changed, the call may be retried;
 *  - VRV_EIO: the database file is unreadable, corrupt or not a database;
 *  - string arguments are borrowed (copied if kept); results are written into
 *    caller-provided structs whose strings the store allocates: release them
 *    with the matching *_clear / *_list_free function;
 *  - payloads are JSON text and are validated before anything is written;
 *  - times are ISO-8601 UTC strings as Druid writes them
 *    ("2021-03-04T00:00:00.000Z") where they are part of an identity, and
 *    vrv_ms where they bound a query (VRV_META_MIN_MS/VRV_META_MAX_MS for
 *    "unbounded").
 */
#ifndef VRV_META_H
#define VRV_META_H

#include "base/error.h"
#include "base/sha1.h"
#include "base/vrv.h"

#define VRV_META_MIN_MS INT64_MIN /* unbounded interval start */
#define VRV_META_MAX_MS INT64_MAX /* unbounded interval end */

typedef struct vrv_meta vrv_meta;

/* ---- rows ------------------------------------------------------------- */

/* One row of druid_segments. */
typedef struct vrv_meta_segment {
    char *id; /* dataSource_start_end_version[_partitionNum] */
    char *data_source;
    char *start, *end; /* the interval, ISO-8601 as in the payload */
    vrv_ms start_ms, end_ms;
    char *version;
    char *shard_type;        /* shardSpec.type: "numbered", "none", ... */
    int32_t partition_num;   /* shardSpec.partitionNum */
    int32_t core_partitions; /* shardSpec.partitions (numbered: the core set size) */
    bool partitioned;        /* shardSpec is not "none" */
    bool used;
    char *payload; /* the DataSegment JSON, exactly as published */
    char *created_date;
    char *used_status_last_updated;
} vrv_meta_segment;

typedef struct vrv_meta_segment_list {
    vrv_meta_segment *v;
    size_t n, cap;
} vrv_meta_segment_list;

/* One row of druid_pendingSegments: an allocated, not yet published id. */
typedef struct vrv_meta_pending {
    char *id;
    char *data_source;
    char *start, *end;
    vrv_ms start_ms, end_ms;
    char *version;
    int32_t partition_num;
    int32_t core_partitions;
    char *sequence_name;
    char *sequence_prev_id;  /* "" when there was none (always "" for streaming) */
    char *task_allocator_id; /* NULL when the allocator gave none */
    char *payload;           /* SegmentIdWithShardSpec JSON */
    char *created_date;
} vrv_meta_pending;

typedef struct vrv_meta_pending_list {
    vrv_meta_pending *v;
    size_t n, cap;
} vrv_meta_pending_list;

/* One row of druid_supervisors: one version of one supervisor's spec. */
typedef struct vrv_meta_supervisor {
    int64_t row_id;     /* druid_supervisors.id: increases with every version */
    char *spec_id;      /* the supervisor id */
    char *created_date; /* the version shown by the history API */
    char *payload;      /* the spec JSON */
    bool tombstone;     /* the payload is a NoopSupervisorSpec: terminated */
} vrv_meta_supervisor;

typedef struct vrv_meta_supervisor_list {
    vrv_meta_supervisor *v;
    size_t n, cap;
} vrv_meta_supervisor_list;

/* One row of druid_tasks. */
typedef struct vrv_meta_task {
    char *id;
    char *created_date; /* on insert: NULL = now */
    char *datasource;
    char *type;           /* e.g. "index_kafka"; may be NULL */
    char *group_id;       /* may be NULL */
    char *payload;        /* the task JSON */
    char *status_payload; /* the TaskStatus JSON */
    bool active;
} vrv_meta_task;

typedef struct vrv_meta_task_list {
    vrv_meta_task *v;
    size_t n, cap;
} vrv_meta_task_list;

typedef enum vrv_meta_task_state {
    VRV_META_TASKS_ALL = 0,
    VRV_META_TASKS_ACTIVE,   /* active = true, oldest first */
    VRV_META_TASKS_COMPLETE, /* active = false, newest first */
} vrv_meta_task_state;

typedef struct vrv_meta_task_filter {
    vrv_meta_task_state state;
    const char *datasource;    /* NULL: any */
    const char *created_after; /* ISO-8601; NULL: any. Rows with created_date >= it */
    size_t limit;              /* 0: no limit */
} vrv_meta_task_filter;

/* One row of druid_tasklocks. */
typedef struct vrv_meta_task_lock {
    int64_t id;
    char *task_id;
    char *payload; /* the TaskLock JSON */
} vrv_meta_task_lock;

typedef struct vrv_meta_task_lock_list {
    vrv_meta_task_lock *v;
    size_t n, cap;
} vrv_meta_task_lock_list;

/* One row of druid_audit. */
typedef struct vrv_meta_audit {
    int64_t id;
    char *audit_key; /* what changed, e.g. a supervisor id or a datasource */
    char *type;      /* e.g. "supervisor", "rules" */
    char *author;
    char *comment;
    char *created_date; /* on insert: NULL = now */
    char *payload;      /* JSON */
} vrv_meta_audit;

typedef struct vrv_meta_audit_list {
    vrv_meta_audit *v;
    size_t n, cap;
} vrv_meta_audit_list;

typedef struct vrv_meta_str_list {
    char **v;
    size_t n, cap;
} vrv_meta_str_list;

/* ---- requests and results -------------------------------------------- */

/* The transactional publish (druid-streaming.md §4.8): insert segments and
 * compare-and-swap the stored stream positions of one supervisor, together. */
typedef struct vrv_meta_publish_req {
    const char *const *segments; /* DataSegment JSON texts, all of one dataSource */
    size_t n_segments;           /* may be 0 for a metadata-only commit */
    const char *supervisor_id;   /* druid_dataSource key; NULL: segments only */
    const char *expected_sha1;   /* the stored commit_metadata_sha1 the row must
                                    have; NULL: no row may exist yet */
    const char *new_metadata;    /* JSON stored when the check passes */
    const char *const *drop_ids; /* segments marked unused in the same transaction
                                    (a batch overwrite with dropExisting); unknown
                                    ids are ignored */
    size_t n_drop;
} vrv_meta_publish_req;

typedef struct vrv_meta_publish_result {
    size_t inserted;                 /* segment rows written */
    size_t dropped;                  /* drop_ids whose used flag went to false */
    vrv_meta_str_list existing;      /* requested ids that were already stored (not
                                        rewritten); filled on success AND on
                                        VRV_ECONFLICT so a replica that lost the race
                                        can see its ids are already published */
    vrv_meta_str_list existing_used; /* the subset of `existing` that is used */
    char sha1[VRV_SHA1_HEX_LEN + 1]; /* the stored sha1 after the call ("" if none):
                                        the new one on success, the current one on
                                        VRV_ECONFLICT */
} vrv_meta_publish_result;

/* A pending segment allocation (druid-streaming.md §5.2 steps 3-4). */
typedef struct vrv_meta_alloc {
    const char *data_source;
    const char *start, *end; /* ISO-8601 interval of the new segment */
    const char *sequence_name;
    const char *previous_segment_id; /* NULL or "" when none */
    bool skip_lineage_check;         /* streaming: true — keyed by (sequence, interval) */
    const char *version;             /* the lock version, used when the interval has
                                        no segment yet */
    const char *task_allocator_id;   /* may be NULL */
} vrv_meta_alloc;

/* ---- the interface ---------------------------------------------------- */

typedef struct vrv_meta_ops {
    const char *name; /* "sqlite", "postgresql" */
    void (*close)(vrv_meta *m);
    int (*schema_version)(vrv_meta *m, int *version, vrv_error *err);

    int (*publish)(vrv_meta *m, const vrv_meta_publish_req *p, vrv_meta_publish_result *res,
                   vrv_error *err);
    int (*segments_set_used)(vrv_meta *m, const char *const *ids, size_t n, bool used,
                             size_t *changed, vrv_error *err);
    int (*segments_set_used_in_interval)(vrv_meta *m, const char *data_source, vrv_ms start,
                                         vrv_ms end, bool used, size_t *changed, vrv_error *err);
    int (*segments_query)(vrv_meta *m, const char *data_source, vrv_ms start, vrv_ms end, bool used,
                          vrv_meta_segment_list *out, vrv_error *err);
    int (*segment_get)(vrv_meta *m, const char *id, vrv_meta_segment *out, vrv_error *err);
    int (*segments_delete)(vrv_meta *m, const char *const *ids, size_t n, size_t *deleted,
                           vrv_error *err);
    int (*datasources)(vrv_meta *m, bool include_unused, vrv_meta_str_list *out, vrv_error *err);

    int (*commit_metadata_get)(vrv_meta *m, const char *supervisor_id, char **payload,
                               char sha1[VRV_SHA1_HEX_LEN + 1], vrv_error *err);
    int (*commit_metadata_set)(vrv_meta *m, const char *supervisor_id, const char *payload,
                               vrv_error *err);
    int (*commit_metadata_delete)(vrv_meta *m, const char *supervisor_id, bool *deleted,
                                  vrv_error *err);

    int (*pending_allocate)(vrv_meta *m, const vrv_meta_alloc *a, vrv_meta_pending *out,
                            vrv_error *err);
    int (*pending_query)(vrv_meta *m, const char *data_source, vrv_ms start, vrv_ms end,
                         vrv_meta_pending_list *out, vrv_error *err);
    int (*pending_delete)(vrv_meta *m, const char *data_source, vrv_ms created_from,
                          vrv_ms created_to, size_t *deleted, vrv_error *err);
    int (*pending_delete_allocator)(vrv_meta *m, const char *task_allocator_id, size_t *deleted,
                                    vrv_error *err);

    int (*supervisor_insert)(vrv_meta *m, const char *id, const char *spec, vrv_error *err);
    int (*supervisor_latest)(vrv_meta *m, vrv_meta_supervisor_list *out, vrv_error *err);
    int (*supervisor_history)(vrv_meta *m, const char *id, size_t limit,
                              vrv_meta_supervisor_list *out, vrv_error *err);

    int (*task_insert)(vrv_meta *m, const vrv_meta_task *t, vrv_error *err);
    int (*task_set_status)(vrv_meta *m, const char *id, const char *status_payload, bool active,
                           vrv_error *err);
    int (*task_get)(vrv_meta *m, const char *id, vrv_meta_task *out, vrv_error *err);
    int (*task_list)(vrv_meta *m, const vrv_meta_task_filter *f, vrv_meta_task_list *out,
                     vrv_error *err);
    int (*task_delete_complete_before)(vrv_meta *m, const char *created_before, size_t *deleted,
                                       vrv_error *err);

    int (*lock_add)(vrv_meta *m, const char *task_id, const char *payload, int64_t *lock_id,
                    vrv_error *err);
    int (*lock_replace)(vrv_meta *m, int64_t lock_id, const char *payload, vrv_error *err);
    int (*lock_remove)(vrv_meta *m, int64_t lock_id, vrv_error *err);
    int (*locks_of_task)(vrv_meta *m, const char *task_id, vrv_meta_task_lock_list *out,
                         vrv_error *err);
    int (*locks_active)(vrv_meta *m, vrv_meta_task_lock_list *out, vrv_error *err);

    int (*audit_insert)(vrv_meta *m, const vrv_meta_audit *a, int64_t *id, vrv_error *err);
    int (*audit_query)(vrv_meta *m, const char *audit_key, const char *type,
                       const char *created_after, size_t limit, vrv_meta_audit_list *out,
                       vrv_error *err);
} vrv_meta_ops;

/* Every implementation's handle begins with this. */
struct vrv_meta {
    const vrv_meta_ops *ops;
};

/* ---- opening ---------------------------------------------------------- */

/* Returns the current time in ms; lets tests pin created_date and friends. */
typedef vrv_ms (*vrv_meta_clock_fn)(void *ctx);

typedef struct vrv_meta_sqlite_opts {
    int busy_timeout_ms;     /* wait this long for another writer's lock before
                                VRV_EAGAIN; 0 = 5000 */
    vrv_meta_clock_fn clock; /* NULL: the system clock */
    void *clock_ctx;
} vrv_meta_sqlite_opts;

/* Opens (creating it if needed) the SQLite database at path and brings its
 * schema up to the newest version (migrations run in one transaction; a file
 * whose schema is newer than this varve is refused with VRV_EUNSUPPORTED).
 * ":memory:" gives a private in-memory store. opts may be NULL. On success
 * *out is the store; close it with vrv_meta_close. */
int vrv_meta_open_sqlite(const char *path, const vrv_meta_sqlite_opts *opts, vrv_meta **out,
                         vrv_error *err);

/* The schema version this varve writes, and the version of an open store. */
int vrv_meta_schema_version_latest(void);
int vrv_meta_schema_version(vrv_meta *m, int *version, vrv_error *err);

/* Closes the store and frees m. m may be NULL. */
void vrv_meta_close(vrv_meta *m);

/* ---- segments ---------------------------------------------------------- */

/* The transactional publish, in ONE transaction:
 *  1. if p->supervisor_id: read the druid_dataSource row; with expected_sha1 NULL
 *     no row may exist, otherwise the row's commit_metadata_sha1 must equal it
 *     (case-insensitive hex). A mismatch returns VRV_ECONFLICT and writes nothing;
 *  2. insert every segment whose id is not stored yet (used = true); ids already
 *     stored are listed in res->existing and left as they are;
 *  3. if p->supervisor_id: store new_metadata with its SHA-1 (INSERT, or UPDATE
 *     guarded by the old sha1);
 *  4. mark p->drop_ids unused.
 * Segments must all name the same dataSource; at least one segment, a drop id
 * or a supervisor_id is required. res may be NULL; otherwise it is reset first and
 * must be released with vrv_meta_publish_result_free. */
int vrv_meta_publish(vrv_meta *m, const vrv_meta_publish_req *p, vrv_meta_publish_result *res,
                     vrv_error *err);
void vrv_meta_publish_result_free(vrv_meta_publish_result *res);

/* Inserts segments without touching commit metadata (batch publish, tests). */
int vrv_meta_segments_insert(vrv_meta *m, const char *const *payloads, size_t n,
                             vrv_meta_publish_result *res, vrv_error *err);

/* Marks segments used or unused by id; *changed (may be NULL) counts rows whose
 * flag changed (their used_status_last_updated is set to now). Unknown ids are
 * ignored. */
int vrv_meta_segments_set_used(vrv_meta *m, const char *const *ids, size_t n, bool used,
                               size_t *changed, vrv_error *err);
/* Marks the segments of data_source lying entirely within [start, end). */
int vrv_meta_segments_set_used_in_interval(vrv_meta *m, const char *data_source, vrv_ms start,
                                           vrv_ms end, bool used, size_t *changed, vrv_error *err);
/* Appends to out the used (used = true) or unused segments of data_source
 * overlapping [start, end), ordered by start, end, version, partition. */
int vrv_meta_segments_query(vrv_meta *m, const char *data_source, vrv_ms start, vrv_ms end,
                            bool used, vrv_meta_segment_list *out, vrv_error *err);
/* Fills out with one segment, used or not; VRV_ENOTFOUND if there is none. */
int vrv_meta_segment_get(vrv_meta *m, const char *id, vrv_meta_segment *out, vrv_error *err);
/* Deletes segment rows (what a kill task does after removing the files). */
int vrv_meta_segments_delete(vrv_meta *m, const char *const *ids, size_t n, size_t *deleted,
                             vrv_error *err);
/* Appends the names of datasources with used segments (or with any segment),
 * sorted. */
int vrv_meta_datasources(vrv_meta *m, bool include_unused, vrv_meta_str_list *out, vrv_error *err);

/* Parses a DataSegment JSON text into out (all fields but used and the dates),
 * checking dataSource, interval, version and shardSpec, and "identifier" when
 * present. out must be released with vrv_meta_segment_clear. */
int vrv_meta_segment_parse(const char *payload, vrv_meta_segment *out, vrv_error *err);

/* ---- commit metadata (druid_dataSource) -------------------------------- */

/* *payload (malloc'd, caller frees) and sha1 of the stored stream positions of
 * a supervisor; VRV_ENOTFOUND if none are stored. payload or sha1 may be NULL. */
int vrv_meta_commit_metadata_get(vrv_meta *m, const char *supervisor_id, char **payload,
                                 char sha1[VRV_SHA1_HEX_LEN + 1], vrv_error *err);
/* Stores payload unconditionally (a reset to given offsets). */
int vrv_meta_commit_metadata_set(vrv_meta *m, const char *supervisor_id, const char *payload,
                                 vrv_error *err);
/* Removes the row (a hard reset); *deleted (may be NULL) says whether one existed. */
int vrv_meta_commit_metadata_delete(vrv_meta *m, const char *supervisor_id, bool *deleted,
                                    vrv_error *err);

/* SHA-1 of a metadata payload as the store computes it (40 upper-case hex). */
void vrv_meta_payload_sha1(const char *payload, char out[VRV_SHA1_HEX_LEN + 1]);

/* ---- pending segments -------------------------------------------------- */

/* Allocates (or finds) the pending segment id for a request, idempotently:
 * the same (dataSource, sequence name, interval) — or, without
 * skip_lineage_check, the same (sequence name, previous segment id) — always
 * gets the same id, which is what makes replicas build identical segments.
 * A new id takes the version of the interval's used segments, else of its
 * pending segments, else a->version, and partition number 1 + the highest
 * stored or pending one of that interval and version (numbered shard spec,
 * core partitions = those of the used segments, 0 for none). VRV_ECONFLICT if
 * the interval cannot be allocated (it overlaps used segments of another
 * interval or of several versions). out is released with vrv_meta_pending_clear. */
int vrv_meta_pending_allocate(vrv_meta *m, const vrv_meta_alloc *a, vrv_meta_pending *out,
                              vrv_error *err);
/* Appends the pending segments of data_source overlapping [start, end). */
int vrv_meta_pending_query(vrv_meta *m, const char *data_source, vrv_ms start, vrv_ms end,
                           vrv_meta_pending_list *out, vrv_error *err);
/* Deletes the pending segments of data_source created in [created_from,
 * created_to) — VRV_META_MIN_MS/MAX_MS for all (DELETE .../pendingSegments/{ds}). */
int vrv_meta_pending_delete(vrv_meta *m, const char *data_source, vrv_ms created_from,
                            vrv_ms created_to, size_t *deleted, vrv_error *err);
/* Deletes the pending segments a task (group) allocated. */
int vrv_meta_pending_delete_allocator(vrv_meta *m, const char *task_allocator_id, size_t *deleted,
                                      vrv_error *err);

/* The unique key Druid gives a pending segment (sequence_name_prev_id_sha1). */
void vrv_meta_pending_key_sha1(const char *sequence_name, const char *prev_id,
                               bool skip_lineage_check, vrv_ms start_ms, vrv_ms end_ms,
                               const char *version, char out[VRV_SHA1_HEX_LEN + 1]);

/* ---- supervisors --------------------------------------------------------- */

/* Stores a new version of a supervisor's spec (every version is kept). */
int vrv_meta_supervisor_insert(vrv_meta *m, const char *id, const char *spec, vrv_error *err);
/* Stores the tombstone of a terminated supervisor: a NoopSupervisorSpec naming
 * data_sources (a JSON array text; NULL for []). */
int vrv_meta_supervisor_tombstone(vrv_meta *m, const char *id, const char *data_sources,
                                  vrv_error *err);
/* Appends the latest version of every supervisor (tombstones included, flagged),
 * ordered by id. */
int vrv_meta_supervisor_latest(vrv_meta *m, vrv_meta_supervisor_list *out, vrv_error *err);
/* Appends the versions of one supervisor (id NULL: of all), newest first, at
 * most limit (0: all). */
int vrv_meta_supervisor_history(vrv_meta *m, const char *id, size_t limit,
                                vrv_meta_supervisor_list *out, vrv_error *err);

/* ---- tasks ---------------------------------------------------------------- */

/* Inserts a task; VRV_ECONFLICT if its id exists. t->id, t->payload and
 * t->status_payload are required. */
int vrv_meta_task_insert(vrv_meta *m, const vrv_meta_task *t, vrv_error *err);
/* Replaces a task's status and active flag; VRV_ENOTFOUND for an unknown id. */
int vrv_meta_task_set_status(vrv_meta *m, const char *id, const char *status_payload, bool active,
                             vrv_error *err);
int vrv_meta_task_get(vrv_meta *m, const char *id, vrv_meta_task *out, vrv_error *err);
int vrv_meta_tasks(vrv_meta *m, const vrv_meta_task_filter *f, vrv_meta_task_list *out,
                   vrv_error *err);
/* Deletes complete tasks created before the given ISO time (and their locks). */
int vrv_meta_task_delete_complete_before(vrv_meta *m, const char *created_before, size_t *deleted,
                                         vrv_error *err);

/* ---- task locks ------------------------------------------------------------ */

/* Adds a lock to an existing task (VRV_ENOTFOUND otherwise); *lock_id gets its id. */
int vrv_meta_lock_add(vrv_meta *m, const char *task_id, const char *payload, int64_t *lock_id,
                      vrv_error *err);
int vrv_meta_lock_replace(vrv_meta *m, int64_t lock_id, const char *payload, vrv_error *err);
int vrv_meta_lock_remove(vrv_meta *m, int64_t lock_id, vrv_error *err);
int vrv_meta_locks_of_task(vrv_meta *m, const char *task_id, vrv_meta_task_lock_list *out,
                           vrv_error *err);
/* Appends the locks of every active task, by lock id. */
int vrv_meta_locks_active(vrv_meta *m, vrv_meta_task_lock_list *out, vrv_error *err);

/* ---- audit -------------------------------------------------------------------- */

int vrv_meta_audit_insert(vrv_meta *m, const vrv_meta_audit *a, int64_t *id, vrv_error *err);
/* Appends entries matching audit_key and type (NULL: any) created at or after
 * created_after (NULL: any), newest first, at most limit (0: all). */
int vrv_meta_audit_query(vrv_meta *m, const char *audit_key, const char *type,
                         const char *created_after, size_t limit, vrv_meta_audit_list *out,
                         vrv_error *err);

/* ---- releasing results ------------------------------------------------------- */

void vrv_meta_segment_clear(vrv_meta_segment *s);
void vrv_meta_segment_list_free(vrv_meta_segment_list *l);
void vrv_meta_pending_clear(vrv_meta_pending *p);
void vrv_meta_pending_list_free(vrv_meta_pending_list *l);
void vrv_meta_supervisor_clear(vrv_meta_supervisor *s);
void vrv_meta_supervisor_list_free(vrv_meta_supervisor_list *l);
void vrv_meta_task_clear(vrv_meta_task *t);
void vrv_meta_task_list_free(vrv_meta_task_list *l);
void vrv_meta_task_lock_list_free(vrv_meta_task_lock_list *l);
void vrv_meta_audit_clear(vrv_meta_audit *a);
void vrv_meta_audit_list_free(vrv_meta_audit_list *l);
void vrv_meta_str_list_free(vrv_meta_str_list *l);

/* ---- canonical times ----------------------------------------------------------- */

/* Parses an instant written exactly the way Druid (and vrv_time_format) writes
 * it: "2021-03-04T05:06:07.890Z", years signed and as long as needed (the
 * eternity interval). Any other spelling of the same instant is refused, so
 * that the strings stored in ids and columns compare and hash consistently. */
bool vrv_meta_parse_instant(const char *s, vrv_ms *out);

#endif
