/*
 * meta_sqlite.c — the embedded metadata store: vrv_meta_ops over one SQLite
 * database file.
 *
 * Concurrency: a store handle owns ONE connection, serialised by a mutex; every
 * operation takes the mutex, runs one transaction and releases it, so callers
 * on any thread see each operation as atomic. Write transactions begin with
 * BEGIN IMMEDIATE, which takes SQLite's write lock up front: another handle or
 * process on the same file then waits for it (busy timeout) at BEGIN instead of
 * failing half-way through a read-then-write. The file runs in WAL mode
 * (readers never block the writer) with synchronous=FULL, because a publish
 * that was acknowledged must survive a power cut: the task that got the
 * acknowledgement hands its data off and forgets it. Foreign keys are on
 * (task locks die with their task).
 *
 * Schema versions live in varve_schema_version; opening a file applies every
 * missing migration in one transaction.
 */
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/time.h"
#include "base/vec.h"
#include "storage/meta.h"

typedef struct meta_sqlite {
    vrv_meta base;
    sqlite3 *db;
    pthread_mutex_t mu; /* serialises the connection and its transactions */
    char *path;
    int busy_timeout_ms;
    vrv_meta_clock_fn clock;
    void *clock_ctx;
} meta_sqlite;

/* ---- schema ------------------------------------------------------------- */

/* Migration N brings a database from version N-1 to N. Never edit a released
 * migration; append a new one. Columns marked "varve:" are derived from the
 * payload and exist for indexing; the payload stays the source of truth. */
static const char *const migrations[] = {
    /* 1: Druid's tables. */
    "CREATE TABLE druid_segments ("
    "  id TEXT NOT NULL PRIMARY KEY,"
    "  dataSource TEXT NOT NULL,"
    "  created_date TEXT NOT NULL,"
    "  start TEXT NOT NULL,"
    "  \"end\" TEXT NOT NULL,"
    "  partitioned INTEGER NOT NULL,"
    "  version TEXT NOT NULL,"
    "  used INTEGER NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  used_status_last_updated TEXT NOT NULL,"
    "  start_ms INTEGER NOT NULL," /* varve: interval as ms */
    "  end_ms INTEGER NOT NULL,"
    "  partition_num INTEGER NOT NULL,"   /* varve: shardSpec.partitionNum */
    "  core_partitions INTEGER NOT NULL," /* varve: shardSpec.partitions */
    "  shard_type TEXT NOT NULL);"        /* varve: shardSpec.type */
    "CREATE INDEX idx_druid_segments_datasource_used_end_start"
    "  ON druid_segments(dataSource, used, end_ms, start_ms);"
    "CREATE TABLE druid_pendingSegments ("
    "  id TEXT NOT NULL PRIMARY KEY,"
    "  dataSource TEXT NOT NULL,"
    "  created_date TEXT NOT NULL,"
    "  start TEXT NOT NULL,"
    "  \"end\" TEXT NOT NULL,"
    "  sequence_name TEXT NOT NULL,"
    "  sequence_prev_id TEXT NOT NULL,"
    "  sequence_name_prev_id_sha1 TEXT NOT NULL UNIQUE,"
    "  payload TEXT NOT NULL,"
    "  start_ms INTEGER NOT NULL,"
    "  end_ms INTEGER NOT NULL,"
    "  version TEXT NOT NULL,"
    "  partition_num INTEGER NOT NULL,"
    "  core_partitions INTEGER NOT NULL);"
    "CREATE INDEX idx_druid_pendingSegments_datasource_end"
    "  ON druid_pendingSegments(dataSource, end_ms, start_ms);"
    "CREATE INDEX idx_druid_pendingSegments_sequence"
    "  ON druid_pendingSegments(dataSource, sequence_name);"
    "CREATE TABLE druid_dataSource ("
    "  dataSource TEXT NOT NULL PRIMARY KEY,"
    "  created_date TEXT NOT NULL,"
    "  commit_metadata_payload TEXT NOT NULL,"
    "  commit_metadata_sha1 TEXT NOT NULL);"
    "CREATE TABLE druid_supervisors ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  spec_id TEXT NOT NULL,"
    "  created_date TEXT NOT NULL,"
    "  payload TEXT NOT NULL);"
    "CREATE INDEX idx_druid_supervisors_spec_id ON druid_supervisors(spec_id);"
    "CREATE TABLE druid_tasks ("
    "  id TEXT NOT NULL PRIMARY KEY,"
    "  created_date TEXT NOT NULL,"
    "  datasource TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  status_payload TEXT NOT NULL,"
    "  active INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX idx_druid_tasks_active_created_date ON druid_tasks(active, created_date);"
    "CREATE TABLE druid_tasklocks ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  task_id TEXT NOT NULL REFERENCES druid_tasks(id) ON DELETE CASCADE,"
    "  lock_payload TEXT NOT NULL);"
    "CREATE INDEX idx_druid_tasklocks_task_id ON druid_tasklocks(task_id);"
    "CREATE TABLE druid_audit ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  audit_key TEXT NOT NULL,"
    "  type TEXT NOT NULL,"
    "  author TEXT NOT NULL,"
    "  comment TEXT NOT NULL,"
    "  created_date TEXT NOT NULL,"
    "  payload TEXT NOT NULL);"
    "CREATE INDEX idx_druid_audit_key_time ON druid_audit(audit_key, created_date);"
    "CREATE INDEX idx_druid_audit_type_time ON druid_audit(type, created_date);",

    /* 2: the columns newer Druid versions added: task type and group (the task
     * APIs list them), the allocator of a pending segment (cleanup when a task
     * group ends) and upgrade lineage (concurrent append/replace). */
    "ALTER TABLE druid_tasks ADD COLUMN type TEXT;"
    "ALTER TABLE druid_tasks ADD COLUMN group_id TEXT;"
    "ALTER TABLE druid_pendingSegments ADD COLUMN upgraded_from_segment_id TEXT;"
    "ALTER TABLE druid_pendingSegments ADD COLUMN task_allocator_id TEXT;"
    "ALTER TABLE druid_segments ADD COLUMN upgraded_from_segment_id TEXT;"
    "CREATE INDEX idx_druid_pendingSegments_task_allocator_id"
    "  ON druid_pendingSegments(task_allocator_id);",
};

#define SCHEMA_LATEST ((int)VRV_ARRAY_LEN(migrations))

/* Druid's DEFAULT_VERSION_FOR_CONCURRENT_APPEND and its clash suffix. */
#define CONCURRENT_APPEND_VERSION "1970-01-01T00:00:00.000Z"
#define CONCURRENT_APPEND_SUFFIX  "S"

int vrv_meta_schema_version_latest(void)
{
    return SCHEMA_LATEST;
}

/* ---- plumbing ------------------------------------------------------------ */

static int sq_error(meta_sqlite *s, int rc, vrv_error *err, const char *what)
{
    const char *msg = sqlite3_errstr(rc);
    if (s->db && sqlite3_errcode(s->db) == rc) msg = sqlite3_errmsg(s->db);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return vrv_error_set(err, VRV_EAGAIN,
                             "metadata store %s: %s: the database is locked by another writer "
                             "(waited %d ms)",
                             s->path, what, s->busy_timeout_ms);
    case SQLITE_CONSTRAINT:
        return vrv_error_set(err, VRV_ECONFLICT, "metadata store %s: %s: %s", s->path, what, msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return vrv_error_set(err, VRV_EIO,
                             "metadata store %s: %s: the database file is corrupt or not a "
                             "database (%s)",
                             s->path, what, msg);
    case SQLITE_NOMEM:
        return vrv_error_set(err, VRV_ENOMEM, "metadata store %s: %s: %s", s->path, what, msg);
    default:
        return vrv_error_set(err, VRV_EIO, "metadata store %s: %s: %s", s->path, what, msg);
    }
}

static int sq_exec(meta_sqlite *s, const char *sql, const char *what, vrv_error *err)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : sq_error(s, rc, err, what);
}

static int sq_prep(meta_sqlite *s, sqlite3_stmt **st, const char *sql, vrv_error *err)
{
    int rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
    if (rc != SQLITE_OK) {
        *st = NULL;
        return sq_error(s, rc, err, "prepare");
    }
    return 0;
}

/* Steps once: 1 = a row, 0 = done, < 0 = error (err filled). */
static int sq_step(meta_sqlite *s, sqlite3_stmt *st, vrv_error *err)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return 1;
    if (rc == SQLITE_DONE) return 0;
    return sq_error(s, rc, err, "statement");
}

/* Runs a statement that returns no rows, then finalizes it. */
static int sq_run(meta_sqlite *s, sqlite3_stmt *st, vrv_error *err)
{
    int rc = sq_step(s, st, err);
    sqlite3_finalize(st);
    return rc < 0 ? rc : 0;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

static void bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
    sqlite3_bind_int64(st, i, v);
}

static char *col_str(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? vrv_strdup((const char *)t) : NULL;
}

static void now_iso(meta_sqlite *s, char buf[VRV_TIME_STR_MAX])
{
    vrv_ms ms;
    if (s->clock) {
        ms = s->clock(s->clock_ctx);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ms = (vrv_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    vrv_time_format(ms, buf);
}

static int txn_begin(meta_sqlite *s, bool write, vrv_error *err)
{
    pthread_mutex_lock(&s->mu);
    int rc = sq_exec(s, write ? "BEGIN IMMEDIATE" : "BEGIN", "begin transaction", err);
    if (rc < 0) pthread_mutex_unlock(&s->mu);
    return rc;
}

/* Commits when rc == 0, rolls back otherwise; returns the final status and
 * releases the connection. */
static int txn_end(meta_sqlite *s, int rc, vrv_error *err)
{
    if (rc == 0) {
        rc = sq_exec(s, "COMMIT", "commit", err);
        if (rc < 0) sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    } else if (!sqlite3_get_autocommit(s->db)) {
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ms bounds -> ISO strings for comparisons against created_date text (always
 * four-digit years, so string order is time order). */
static void bound_iso(vrv_ms ms, char buf[VRV_TIME_STR_MAX])
{
    if (ms == VRV_META_MIN_MS)
        strcpy(buf, "");
    else if (ms == VRV_META_MAX_MS)
        strcpy(buf, "\x7f");
    else
        vrv_time_format(ms, buf);
}

/* ---- segments ---------------------------------------------------------- */

#define SEG_COLS                                                                                   \
    "id, dataSource, start, \"end\", start_ms, end_ms, version, shard_type, partition_num,"        \
    " core_partitions, partitioned, used, payload, created_date, used_status_last_updated"

static void read_segment(sqlite3_stmt *st, vrv_meta_segment *g)
{
    g->id = col_str(st, 0);
    g->data_source = col_str(st, 1);
    g->start = col_str(st, 2);
    g->end = col_str(st, 3);
    g->start_ms = sqlite3_column_int64(st, 4);
    g->end_ms = sqlite3_column_int64(st, 5);
    g->version = col_str(st, 6);
    g->shard_type = col_str(st, 7);
    g->partition_num = sqlite3_column_int(st, 8);
    g->core_partitions = sqlite3_column_int(st, 9);
    g->partitioned = sqlite3_column_int(st, 10) != 0;
    g->used = sqlite3_column_int(st, 11) != 0;
    g->payload = col_str(st, 12);
    g->created_date = col_str(st, 13);
    g->used_status_last_updated = col_str(st, 14);
}

static int read_segments(meta_sqlite *s, sqlite3_stmt *st, vrv_meta_segment_list *out,
                         vrv_error *err)
{
    int rc;
    while ((rc = sq_step(s, st, err)) == 1) {
        vrv_meta_segment g = {0};
        read_segment(st, &g);
        vrv_vec_push(out, g);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Looks an id up: 1 = stored (with *used), 0 = not stored, < 0 = error. */
static int segment_exists(meta_sqlite *s, const char *id, bool *used, vrv_error *err)
{
    sqlite3_stmt *st;
    int rc = sq_prep(s, &st, "SELECT used FROM druid_segments WHERE id = ?", err);
    if (rc < 0) return rc;
    bind_text(st, 1, id);
    rc = sq_step(s, st, err);
    if (rc == 1 && used) *used = sqlite3_column_int(st, 0) != 0;
    sqlite3_finalize(st);
    return rc;
}

static int insert_segment(meta_sqlite *s, const vrv_meta_segment *g, const char *now,
                          vrv_error *err)
{
    sqlite3_stmt *st;
    int rc = sq_prep(s, &st,
                     "INSERT INTO druid_segments (id, dataSource, created_date, start, \"end\","
                     " partitioned, version, used, payload, used_status_last_updated, start_ms,"
                     " end_ms, partition_num, core_partitions, shard_type)"
                     " VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?)",
                     err);
    if (rc < 0) return rc;
    bind_text(st, 1, g->id);
    bind_text(st, 2, g->data_source);
    bind_text(st, 3, now);
    bind_text(st, 4, g->start);
    bind_text(st, 5, g->end);
    bind_i64(st, 6, g->partitioned);
    bind_text(st, 7, g->version);
    bind_text(st, 8, g->payload);
    bind_text(st, 9, now);
    bind_i64(st, 10, g->start_ms);
    bind_i64(st, 11, g->end_ms);
    bind_i64(st, 12, g->partition_num);
    bind_i64(st, 13, g->core_partitions);
    bind_text(st, 14, g->shard_type);
    rc = sq_run(s, st, err);
    if (rc < 0) vrv_error_prefix(err, "inserting segment [%s]", g->id);
    return rc;
}

static int publish_body(meta_sqlite *s, const vrv_meta_publish_req *p, vrv_meta_segment *segs,
                        vrv_meta_publish_result *res, vrv_error *err)
{
    int rc;
    char current[VRV_SHA1_HEX_LEN + 1] = "";
    bool have_row = false;
    if (p->supervisor_id) {
        sqlite3_stmt *st;
        if ((rc = sq_prep(s, &st,
                          "SELECT commit_metadata_sha1 FROM druid_dataSource WHERE dataSource = ?",
                          err)) < 0)
            return rc;
        bind_text(st, 1, p->supervisor_id);
        rc = sq_step(s, st, err);
        if (rc == 1) {
            have_row = true;
            const unsigned char *t = sqlite3_column_text(st, 0);
            snprintf(current, sizeof current, "%s", t ? (const char *)t : "");
        }
        sqlite3_finalize(st);
        if (rc < 0) return rc;
        snprintf(res->sha1, sizeof res->sha1, "%s", current);
    }

    /* Existing ids are reported whatever the outcome of the check, so that a
     * replica whose publish lost the race can see its segments are in. */
    for (size_t i = 0; i < p->n_segments; i++) {
        bool used = false;
        rc = segment_exists(s, segs[i].id, &used, err);
        if (rc < 0) return rc;
        if (rc == 1) {
            vrv_vec_push(&res->existing, vrv_strdup(segs[i].id));
            if (used) vrv_vec_push(&res->existing_used, vrv_strdup(segs[i].id));
        }
    }

    if (p->supervisor_id) {
        if (!p->expected_sha1 && have_row)
            return vrv_error_set(err, VRV_ECONFLICT,
                                 "commit metadata of [%s] is already stored (sha1 %s) but the "
                                 "publish expected none",
                                 p->supervisor_id, current);
        if (p->expected_sha1 && !have_row)
            return vrv_error_set(err, VRV_ECONFLICT,
                                 "commit metadata of [%s] is not stored but the publish expected "
                                 "sha1 %s",
                                 p->supervisor_id, p->expected_sha1);
        if (p->expected_sha1 && strcasecmp(p->expected_sha1, current) != 0)
            return vrv_error_set(err, VRV_ECONFLICT,
                                 "commit metadata of [%s] has sha1 %s, the publish expected %s",
                                 p->supervisor_id, current, p->expected_sha1);
    }

    char now[VRV_TIME_STR_MAX];
    now_iso(s, now);
    for (size_t i = 0; i < p->n_segments; i++) {
        bool skip = false;
        for (size_t j = 0; j < res->existing.n && !skip; j++)
            skip = strcmp(res->existing.v[j], segs[i].id) == 0;
        if (skip) continue;
        if ((rc = insert_segment(s, &segs[i], now, err)) < 0) return rc;
        res->inserted++;
    }
    for (size_t i = 0; i < p->n_drop; i++) {
        sqlite3_stmt *st;
        if ((rc = sq_prep(s, &st,
                          "UPDATE druid_segments SET used = 0, used_status_last_updated = ?"
                          " WHERE id = ? AND used <> 0",
                          err)) < 0)
            return rc;
        bind_text(st, 1, now);
        bind_text(st, 2, p->drop_ids[i]);
        if ((rc = sq_run(s, st, err)) < 0) return rc;
        res->dropped += (size_t)sqlite3_changes(s->db);
    }

    if (p->supervisor_id) {
        char sha1[VRV_SHA1_HEX_LEN + 1];
        vrv_meta_payload_sha1(p->new_metadata, sha1);
        sqlite3_stmt *st;
        if (have_row) {
            rc = sq_prep(
                s, &st,
                "UPDATE druid_dataSource SET commit_metadata_payload = ?,"
                " commit_metadata_sha1 = ? WHERE dataSource = ? AND commit_metadata_sha1 = ?",
                err);
            if (rc < 0) return rc;
            bind_text(st, 1, p->new_metadata);
            bind_text(st, 2, sha1);
            bind_text(st, 3, p->supervisor_id);
            bind_text(st, 4, current);
        } else {
            rc = sq_prep(s, &st,
                         "INSERT INTO druid_dataSource (dataSource, created_date,"
                         " commit_metadata_payload, commit_metadata_sha1) VALUES (?, ?, ?, ?)",
                         err);
            if (rc < 0) return rc;
            bind_text(st, 1, p->supervisor_id);
            bind_text(st, 2, now);
            bind_text(st, 3, p->new_metadata);
            bind_text(st, 4, sha1);
        }
        if ((rc = sq_run(s, st, err)) < 0) return rc;
        /* The write lock is held since BEGIN IMMEDIATE, so the guarded UPDATE
         * cannot miss; checked anyway because it is the CAS itself. */
        if (sqlite3_changes(s->db) != 1)
            return vrv_error_set(err, VRV_ECONFLICT,
                                 "commit metadata of [%s] changed during the publish",
                                 p->supervisor_id);
        snprintf(res->sha1, sizeof res->sha1, "%s", sha1);
    }
    return 0;
}

static int sq_publish(vrv_meta *m, const vrv_meta_publish_req *p, vrv_meta_publish_result *res,
                      vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = 0;
    /* Parse every payload before touching the database. */
    vrv_meta_segment *segs = p->n_segments ? vrv_calloc(p->n_segments, sizeof *segs) : NULL;
    size_t parsed = 0;
    for (; parsed < p->n_segments; parsed++) {
        if ((rc = vrv_meta_segment_parse(p->segments[parsed], &segs[parsed], err)) < 0) {
            vrv_error_prefix(err, "publish.segments[%zu]", parsed);
            goto out;
        }
        if (strcmp(segs[parsed].data_source, segs[0].data_source) != 0) {
            rc = vrv_error_set(err, VRV_EINVAL,
                               "publish.segments[%zu]: dataSource [%s] differs from [%s]; one "
                               "publish commits one datasource",
                               parsed, segs[parsed].data_source, segs[0].data_source);
            parsed++;
            goto out;
        }
        for (size_t j = 0; j < parsed; j++)
            if (strcmp(segs[j].id, segs[parsed].id) == 0) {
                rc = vrv_error_set(err, VRV_EINVAL,
                                   "publish.segments[%zu]: segment [%s] is listed twice", parsed,
                                   segs[parsed].id);
                parsed++;
                goto out;
            }
    }
    if ((rc = txn_begin(s, true, err)) < 0) goto out;
    rc = publish_body(s, p, segs, res, err);
    rc = txn_end(s, rc, err);
    if (rc < 0) res->inserted = res->dropped = 0;
out:
    for (size_t i = 0; i < parsed; i++) vrv_meta_segment_clear(&segs[i]);
    free(segs);
    return rc;
}

static int sq_segments_set_used(vrv_meta *m, const char *const *ids, size_t n, bool used,
                                size_t *changed, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    char now[VRV_TIME_STR_MAX];
    now_iso(s, now);
    size_t total = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_stmt *st;
        if ((rc = sq_prep(s, &st,
                          "UPDATE druid_segments SET used = ?, used_status_last_updated = ?"
                          " WHERE id = ? AND used <> ?",
                          err)) < 0)
            break;
        bind_i64(st, 1, used);
        bind_text(st, 2, now);
        bind_text(st, 3, ids[i]);
        bind_i64(st, 4, used);
        if ((rc = sq_run(s, st, err)) == 0) total += (size_t)sqlite3_changes(s->db);
    }
    rc = txn_end(s, rc, err);
    if (changed) *changed = rc == 0 ? total : 0;
    return rc;
}

static int sq_segments_set_used_in_interval(vrv_meta *m, const char *ds, vrv_ms start, vrv_ms end,
                                            bool used, size_t *changed, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    char now[VRV_TIME_STR_MAX];
    now_iso(s, now);
    sqlite3_stmt *st;
    size_t total = 0;
    if ((rc = sq_prep(s, &st,
                      "UPDATE druid_segments SET used = ?, used_status_last_updated = ?"
                      " WHERE dataSource = ? AND used <> ? AND start_ms >= ? AND end_ms <= ?",
                      err)) == 0) {
        bind_i64(st, 1, used);
        bind_text(st, 2, now);
        bind_text(st, 3, ds);
        bind_i64(st, 4, used);
        bind_i64(st, 5, start);
        bind_i64(st, 6, end);
        if ((rc = sq_run(s, st, err)) == 0) total = (size_t)sqlite3_changes(s->db);
    }
    rc = txn_end(s, rc, err);
    if (changed) *changed = rc == 0 ? total : 0;
    return rc;
}

static int sq_segments_query(vrv_meta *m, const char *ds, vrv_ms start, vrv_ms end, bool used,
                             vrv_meta_segment_list *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "SELECT " SEG_COLS " FROM druid_segments WHERE dataSource = ? AND used = ?"
                      " AND start_ms < ? AND end_ms > ?"
                      " ORDER BY start_ms, end_ms, version, partition_num",
                      err)) == 0) {
        bind_text(st, 1, ds);
        bind_i64(st, 2, used);
        bind_i64(st, 3, end);
        bind_i64(st, 4, start);
        rc = read_segments(s, st, out, err);
    }
    return txn_end(s, rc, err);
}

static int sq_segment_get(vrv_meta *m, const char *id, vrv_meta_segment *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st, "SELECT " SEG_COLS " FROM druid_segments WHERE id = ?", err)) == 0) {
        bind_text(st, 1, id);
        rc = sq_step(s, st, err);
        if (rc == 1) {
            read_segment(st, out);
            rc = 0;
        } else if (rc == 0) {
            rc = vrv_error_set(err, VRV_ENOTFOUND, "segment [%s] does not exist", id);
        }
        sqlite3_finalize(st);
    }
    return txn_end(s, rc, err);
}

static int sq_segments_delete(vrv_meta *m, const char *const *ids, size_t n, size_t *deleted,
                              vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    size_t total = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        sqlite3_stmt *st;
        if ((rc = sq_prep(s, &st, "DELETE FROM druid_segments WHERE id = ?", err)) < 0) break;
        bind_text(st, 1, ids[i]);
        if ((rc = sq_run(s, st, err)) == 0) total += (size_t)sqlite3_changes(s->db);
    }
    rc = txn_end(s, rc, err);
    if (deleted) *deleted = rc == 0 ? total : 0;
    return rc;
}

static int sq_datasources(vrv_meta *m, bool include_unused, vrv_meta_str_list *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      include_unused
                          ? "SELECT DISTINCT dataSource FROM druid_segments ORDER BY dataSource"
                          : "SELECT DISTINCT dataSource FROM druid_segments WHERE used = 1"
                            " ORDER BY dataSource",
                      err)) == 0) {
        while ((rc = sq_step(s, st, err)) == 1) vrv_vec_push(out, col_str(st, 0));
        sqlite3_finalize(st);
    }
    return txn_end(s, rc, err);
}

/* ---- commit metadata --------------------------------------------------- */

static int sq_commit_metadata_get(vrv_meta *m, const char *id, char **payload,
                                  char sha1[VRV_SHA1_HEX_LEN + 1], vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "SELECT commit_metadata_payload, commit_metadata_sha1 FROM druid_dataSource"
                      " WHERE dataSource = ?",
                      err)) == 0) {
        bind_text(st, 1, id);
        rc = sq_step(s, st, err);
        if (rc == 1) {
            if (payload) *payload = col_str(st, 0);
            if (sha1) {
                const unsigned char *t = sqlite3_column_text(st, 1);
                snprintf(sha1, VRV_SHA1_HEX_LEN + 1, "%s", t ? (const char *)t : "");
            }
            rc = 0;
        } else if (rc == 0) {
            rc = vrv_error_set(err, VRV_ENOTFOUND, "no commit metadata is stored for [%s]", id);
        }
        sqlite3_finalize(st);
    }
    return txn_end(s, rc, err);
}

static int sq_commit_metadata_set(vrv_meta *m, const char *id, const char *payload, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    char now[VRV_TIME_STR_MAX], sha1[VRV_SHA1_HEX_LEN + 1];
    now_iso(s, now);
    vrv_meta_payload_sha1(payload, sha1);
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "INSERT INTO druid_dataSource (dataSource, created_date,"
                      " commit_metadata_payload, commit_metadata_sha1) VALUES (?, ?, ?, ?)"
                      " ON CONFLICT(dataSource) DO UPDATE SET"
                      " commit_metadata_payload = excluded.commit_metadata_payload,"
                      " commit_metadata_sha1 = excluded.commit_metadata_sha1",
                      err)) == 0) {
        bind_text(st, 1, id);
        bind_text(st, 2, now);
        bind_text(st, 3, payload);
        bind_text(st, 4, sha1);
        rc = sq_run(s, st, err);
    }
    return txn_end(s, rc, err);
}

static int sq_commit_metadata_delete(vrv_meta *m, const char *id, bool *deleted, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    int n = 0;
    if ((rc = sq_prep(s, &st, "DELETE FROM druid_dataSource WHERE dataSource = ?", err)) == 0) {
        bind_text(st, 1, id);
        if ((rc = sq_run(s, st, err)) == 0) n = sqlite3_changes(s->db);
    }
    rc = txn_end(s, rc, err);
    if (deleted) *deleted = rc == 0 && n > 0;
    return rc;
}

/* ---- pending segments ---------------------------------------------------- */

#define PENDING_COLS                                                                               \
    "id, dataSource, start, \"end\", start_ms, end_ms, version, partition_num, core_partitions,"   \
    " sequence_name, sequence_prev_id, task_allocator_id, payload, created_date"

static void read_pending(sqlite3_stmt *st, vrv_meta_pending *p)
{
    p->id = col_str(st, 0);
    p->data_source = col_str(st, 1);
    p->start = col_str(st, 2);
    p->end = col_str(st, 3);
    p->start_ms = sqlite3_column_int64(st, 4);
    p->end_ms = sqlite3_column_int64(st, 5);
    p->version = col_str(st, 6);
    p->partition_num = sqlite3_column_int(st, 7);
    p->core_partitions = sqlite3_column_int(st, 8);
    p->sequence_name = col_str(st, 9);
    p->sequence_prev_id = col_str(st, 10);
    p->task_allocator_id = col_str(st, 11);
    p->payload = col_str(st, 12);
    p->created_date = col_str(st, 13);
}

/* A (interval, version, partition) candidate for "the highest id so far". */
typedef struct alloc_id {
    vrv_ms start_ms, end_ms;
    char *version;
    int32_t partition_num;
    int32_t core_partitions;
    bool overwrite; /* numbered_overwrite: does not share the root partition space */
} alloc_id;

typedef VRV_VEC(alloc_id) alloc_id_vec;

static void alloc_ids_free(alloc_id_vec *v)
{
    for (size_t i = 0; i < v->n; i++) free(v->v[i].version);
    vrv_vec_free(v);
}

static char *segment_id_str(const char *ds, const char *start, const char *end, const char *version,
                            int32_t partition)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s_%s_%s_%s", ds, start, end, version);
    if (partition != 0) vrv_buf_printf(&b, "_%d", partition);
    return vrv_buf_detach(&b);
}

/* The pending segment already allocated for this request, if any:
 * 1 = found (out filled), 0 = none, < 0 = error (VRV_ECONFLICT when the
 * sequence's earlier id has another interval). */
static int find_existing_pending(meta_sqlite *s, const vrv_meta_alloc *a, vrv_ms start_ms,
                                 vrv_ms end_ms, const char *chunk_version, vrv_meta_pending *out,
                                 vrv_error *err)
{
    sqlite3_stmt *st;
    int rc;
    if (a->skip_lineage_check) {
        rc = sq_prep(s, &st,
                     "SELECT " PENDING_COLS " FROM druid_pendingSegments WHERE dataSource = ?"
                     " AND sequence_name = ? AND start_ms = ? AND end_ms = ? ORDER BY created_date",
                     err);
        if (rc < 0) return rc;
        bind_text(st, 1, a->data_source);
        bind_text(st, 2, a->sequence_name);
        bind_i64(st, 3, start_ms);
        bind_i64(st, 4, end_ms);
    } else {
        rc = sq_prep(s, &st,
                     "SELECT " PENDING_COLS " FROM druid_pendingSegments WHERE dataSource = ?"
                     " AND sequence_name = ? AND sequence_prev_id = ? ORDER BY created_date",
                     err);
        if (rc < 0) return rc;
        bind_text(st, 1, a->data_source);
        bind_text(st, 2, a->sequence_name);
        bind_text(st, 3, a->previous_segment_id ? a->previous_segment_id : "");
    }
    while ((rc = sq_step(s, st, err)) == 1) {
        const char *ver = (const char *)sqlite3_column_text(st, 6);
        if (chunk_version && (!ver || strcmp(ver, chunk_version) != 0)) continue;
        if (sqlite3_column_int64(st, 4) == start_ms && sqlite3_column_int64(st, 5) == end_ms) {
            read_pending(st, out);
            rc = 1;
        } else {
            rc = vrv_error_set(err, VRV_ECONFLICT,
                               "cannot allocate for sequence [%s], previous segment [%s]: its "
                               "pending segment [%s] has another interval than [%s/%s]",
                               a->sequence_name,
                               a->previous_segment_id ? a->previous_segment_id : "",
                               (const char *)sqlite3_column_text(st, 0), a->start, a->end);
        }
        break;
    }
    sqlite3_finalize(st);
    return rc;
}

static int allocate_body(meta_sqlite *s, const vrv_meta_alloc *a, vrv_meta_pending *out,
                         vrv_error *err)
{
    vrv_ms start_ms, end_ms;
    vrv_meta_parse_instant(a->start, &start_ms);
    vrv_meta_parse_instant(a->end, &end_ms);
    int rc;
    sqlite3_stmt *st;
    alloc_id_vec used = {0}, pend = {0};
    char *version = NULL, *id = NULL, *payload = NULL;

    /* 1. The used segments overlapping the interval, and which of their
     *    (interval, version) chunks are visible inside it: a chunk is hidden
     *    when a higher version covers its part of the requested interval. */
    if ((rc = sq_prep(s, &st,
                      "SELECT start_ms, end_ms, version, partition_num, core_partitions, shard_type"
                      " FROM druid_segments WHERE dataSource = ? AND used = 1 AND start_ms < ?"
                      " AND end_ms > ?",
                      err)) < 0)
        goto out;
    bind_text(st, 1, a->data_source);
    bind_i64(st, 2, end_ms);
    bind_i64(st, 3, start_ms);
    while ((rc = sq_step(s, st, err)) == 1) {
        alloc_id x = {sqlite3_column_int64(st, 0),
                      sqlite3_column_int64(st, 1),
                      col_str(st, 2),
                      sqlite3_column_int(st, 3),
                      sqlite3_column_int(st, 4),
                      strcmp((const char *)sqlite3_column_text(st, 5), "numbered_overwrite") == 0};
        vrv_vec_push(&used, x);
    }
    sqlite3_finalize(st);
    if (rc < 0) goto out;

    const alloc_id *chunk = NULL; /* one segment of the single visible chunk */
    size_t nchunks = 0;
    for (size_t i = 0; i < used.n; i++) {
        const alloc_id *t = &used.v[i];
        vrv_ms ts = VRV_MAX(t->start_ms, start_ms), te = VRV_MIN(t->end_ms, end_ms);
        bool hidden = false;
        for (size_t j = 0; j < used.n && !hidden; j++) {
            const alloc_id *u = &used.v[j];
            hidden = strcmp(u->version, t->version) > 0 && VRV_MAX(u->start_ms, start_ms) <= ts &&
                     VRV_MIN(u->end_ms, end_ms) >= te;
        }
        if (hidden) continue;
        if (chunk && chunk->start_ms == t->start_ms && chunk->end_ms == t->end_ms &&
            strcmp(chunk->version, t->version) == 0)
            continue;
        if (!chunk) chunk = t;
        nchunks++;
    }
    if (nchunks > 1) {
        rc = vrv_error_set(err, VRV_ECONFLICT,
                           "cannot allocate a segment of [%s] in [%s/%s]: the interval already "
                           "holds %zu time chunks",
                           a->data_source, a->start, a->end, nchunks);
        goto out;
    }
    const char *chunk_version = chunk ? chunk->version : NULL;

    /* 2. Idempotency: the id this sequence already got. */
    if ((rc = find_existing_pending(s, a, start_ms, end_ms, chunk_version, out, err)) != 0) {
        if (rc == 1) rc = 0;
        goto out;
    }

    /* 3. The highest id of the chunk's version among used and pending segments. */
    const alloc_id *committed_max = NULL;
    for (size_t i = 0; i < used.n; i++) {
        const alloc_id *t = &used.v[i];
        if (!chunk || t->overwrite || t->start_ms != chunk->start_ms ||
            t->end_ms != chunk->end_ms || strcmp(t->version, chunk->version) != 0)
            continue;
        if (!committed_max || t->partition_num > committed_max->partition_num) committed_max = t;
    }
    if ((rc = sq_prep(s, &st,
                      "SELECT start_ms, end_ms, version, partition_num, core_partitions FROM"
                      " druid_pendingSegments WHERE dataSource = ? AND start_ms < ? AND end_ms > ?",
                      err)) < 0)
        goto out;
    bind_text(st, 1, a->data_source);
    bind_i64(st, 2, end_ms);
    bind_i64(st, 3, start_ms);
    while ((rc = sq_step(s, st, err)) == 1) {
        alloc_id x = {sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), col_str(st, 2),
                      sqlite3_column_int(st, 3),   sqlite3_column_int(st, 4),   false};
        vrv_vec_push(&pend, x);
    }
    sqlite3_finalize(st);
    if (rc < 0) goto out;
    const alloc_id *overall_max = NULL;
    for (size_t i = 0; i <= pend.n; i++) {
        const alloc_id *t = i < pend.n ? &pend.v[i] : committed_max;
        if (!t || t->overwrite) continue;
        if (chunk_version && strcmp(t->version, chunk_version) != 0) continue;
        if (!overall_max) {
            overall_max = t;
            continue;
        }
        int c = strcmp(t->version, overall_max->version);
        if (c > 0 || (c == 0 && t->partition_num > overall_max->partition_num)) overall_max = t;
    }

    int32_t partition, core;
    if (!overall_max) {
        /* The first segment of this interval: partition 0, no core set yet. */
        partition = 0;
        core = 0;
        vrv_buf vb = VRV_BUF_INIT;
        vrv_buf_puts(&vb, chunk_version ? chunk_version : a->version);
        /* An id must never collide with an unused segment's version of the same
         * interval (all segments of a prior append marked unused). */
        for (int tries = 0;; tries++) {
            if ((rc = sq_prep(s, &st,
                              "SELECT 1 FROM druid_segments WHERE dataSource = ? AND used = 0"
                              " AND start_ms = ? AND end_ms = ? AND version = ? LIMIT 1",
                              err)) < 0)
                break;
            bind_text(st, 1, a->data_source);
            bind_i64(st, 2, start_ms);
            bind_i64(st, 3, end_ms);
            bind_text(st, 4, vb.data);
            rc = sq_step(s, st, err);
            sqlite3_finalize(st);
            if (rc <= 0) break;
            if (strncmp(vb.data, CONCURRENT_APPEND_VERSION, strlen(CONCURRENT_APPEND_VERSION)) !=
                    0 ||
                tries == 10) {
                rc = vrv_error_set(err, VRV_ECONFLICT,
                                   "cannot allocate a segment of [%s] in [%s/%s]: unused segments "
                                   "of version [%s] exist in this interval; kill them first",
                                   a->data_source, a->start, a->end, vb.data);
                break;
            }
            vrv_buf_puts(&vb, CONCURRENT_APPEND_SUFFIX);
        }
        version = vrv_buf_detach(&vb);
        if (rc < 0) goto out;
    } else if (overall_max->start_ms != start_ms || overall_max->end_ms != end_ms) {
        char os[VRV_TIME_STR_MAX], oe[VRV_TIME_STR_MAX];
        vrv_time_format(overall_max->start_ms, os);
        vrv_time_format(overall_max->end_ms, oe);
        rc = vrv_error_set(err, VRV_ECONFLICT,
                           "cannot allocate a segment of [%s] in [%s/%s]: it conflicts with "
                           "segment interval [%s/%s] of version [%s]",
                           a->data_source, a->start, a->end, os, oe, overall_max->version);
        goto out;
    } else if (committed_max && committed_max->core_partitions < 0) {
        rc = vrv_error_set(err, VRV_ECONFLICT,
                           "cannot allocate a segment of [%s] in [%s/%s]: the core partition "
                           "count of its used segments is unknown",
                           a->data_source, a->start, a->end);
        goto out;
    } else {
        version = vrv_strdup(chunk_version ? chunk_version : overall_max->version);
        partition = overall_max->partition_num + 1;
        core = committed_max ? committed_max->core_partitions : 0;
        /* Skip past unused segments that already carry this id. */
        if ((rc = sq_prep(s, &st,
                          "SELECT MAX(partition_num) FROM druid_segments WHERE dataSource = ?"
                          " AND start_ms = ? AND end_ms = ? AND version = ? AND used = 0",
                          err)) < 0)
            goto out;
        bind_text(st, 1, a->data_source);
        bind_i64(st, 2, start_ms);
        bind_i64(st, 3, end_ms);
        bind_text(st, 4, version);
        rc = sq_step(s, st, err);
        if (rc == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL &&
            sqlite3_column_int(st, 0) >= partition)
            partition = sqlite3_column_int(st, 0) + 1;
        sqlite3_finalize(st);
        if (rc < 0) goto out;
    }

    /* 4. Store the new pending segment. */
    id = segment_id_str(a->data_source, a->start, a->end, version, partition);
    json_t *pj = json_object();
    json_object_set_new(pj, "dataSource", json_string(a->data_source));
    char interval[128];
    snprintf(interval, sizeof interval, "%s/%s", a->start, a->end);
    json_object_set_new(pj, "interval", json_string(interval));
    json_object_set_new(pj, "version", json_string(version));
    json_t *shard = json_object();
    json_object_set_new(shard, "type", json_string("numbered"));
    json_object_set_new(shard, "partitionNum", json_integer(partition));
    json_object_set_new(shard, "partitions", json_integer(core));
    json_object_set_new(pj, "shardSpec", shard);
    payload = json_dumps(pj, JSON_COMPACT);
    json_decref(pj);

    const char *prev =
        a->skip_lineage_check ? "" : (a->previous_segment_id ? a->previous_segment_id : "");
    char key[VRV_SHA1_HEX_LEN + 1], now[VRV_TIME_STR_MAX];
    vrv_meta_pending_key_sha1(a->sequence_name, prev, a->skip_lineage_check, start_ms, end_ms,
                              version, key);
    now_iso(s, now);
    if ((rc = sq_prep(s, &st,
                      "INSERT INTO druid_pendingSegments (id, dataSource, created_date, start,"
                      " \"end\", sequence_name, sequence_prev_id, sequence_name_prev_id_sha1,"
                      " payload, start_ms, end_ms, version, partition_num, core_partitions,"
                      " task_allocator_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      err)) < 0)
        goto out;
    bind_text(st, 1, id);
    bind_text(st, 2, a->data_source);
    bind_text(st, 3, now);
    bind_text(st, 4, a->start);
    bind_text(st, 5, a->end);
    bind_text(st, 6, a->sequence_name);
    bind_text(st, 7, prev);
    bind_text(st, 8, key);
    bind_text(st, 9, payload);
    bind_i64(st, 10, start_ms);
    bind_i64(st, 11, end_ms);
    bind_text(st, 12, version);
    bind_i64(st, 13, partition);
    bind_i64(st, 14, core);
    bind_text(st, 15, a->task_allocator_id);
    if ((rc = sq_run(s, st, err)) < 0) {
        vrv_error_prefix(err, "storing pending segment [%s]", id);
        goto out;
    }
    out->id = id;
    out->data_source = vrv_strdup(a->data_source);
    out->start = vrv_strdup(a->start);
    out->end = vrv_strdup(a->end);
    out->start_ms = start_ms;
    out->end_ms = end_ms;
    out->version = version;
    out->partition_num = partition;
    out->core_partitions = core;
    out->sequence_name = vrv_strdup(a->sequence_name);
    out->sequence_prev_id = vrv_strdup(prev);
    out->task_allocator_id = a->task_allocator_id ? vrv_strdup(a->task_allocator_id) : NULL;
    out->payload = payload;
    out->created_date = vrv_strdup(now);
    id = version = payload = NULL;
out:
    free(id);
    free(version);
    free(payload);
    alloc_ids_free(&used);
    alloc_ids_free(&pend);
    return rc;
}

static int sq_pending_allocate(vrv_meta *m, const vrv_meta_alloc *a, vrv_meta_pending *out,
                               vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    rc = allocate_body(s, a, out, err);
    rc = txn_end(s, rc, err);
    if (rc < 0) vrv_meta_pending_clear(out);
    return rc;
}

static int sq_pending_query(vrv_meta *m, const char *ds, vrv_ms start, vrv_ms end,
                            vrv_meta_pending_list *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "SELECT " PENDING_COLS " FROM druid_pendingSegments WHERE dataSource = ?"
                      " AND start_ms < ? AND end_ms > ? ORDER BY start_ms, end_ms, version,"
                      " partition_num",
                      err)) == 0) {
        bind_text(st, 1, ds);
        bind_i64(st, 2, end);
        bind_i64(st, 3, start);
        while ((rc = sq_step(s, st, err)) == 1) {
            vrv_meta_pending p = {0};
            read_pending(st, &p);
            vrv_vec_push(out, p);
        }
        sqlite3_finalize(st);
    }
    return txn_end(s, rc, err);
}

static int sq_pending_delete(vrv_meta *m, const char *ds, vrv_ms from, vrv_ms to, size_t *deleted,
                             vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    char f[VRV_TIME_STR_MAX], t[VRV_TIME_STR_MAX];
    bound_iso(from, f);
    bound_iso(to, t);
    sqlite3_stmt *st;
    int n = 0;
    if ((rc = sq_prep(s, &st,
                      "DELETE FROM druid_pendingSegments WHERE dataSource = ? AND created_date >= ?"
                      " AND created_date < ?",
                      err)) == 0) {
        bind_text(st, 1, ds);
        bind_text(st, 2, f);
        bind_text(st, 3, t);
        if ((rc = sq_run(s, st, err)) == 0) n = sqlite3_changes(s->db);
    }
    rc = txn_end(s, rc, err);
    if (deleted) *deleted = rc == 0 ? (size_t)n : 0;
    return rc;
}

static int sq_pending_delete_allocator(vrv_meta *m, const char *alloc_id_, size_t *deleted,
                                       vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    int n = 0;
    if ((rc = sq_prep(s, &st, "DELETE FROM druid_pendingSegments WHERE task_allocator_id = ?",
                      err)) == 0) {
        bind_text(st, 1, alloc_id_);
        if ((rc = sq_run(s, st, err)) == 0) n = sqlite3_changes(s->db);
    }
    rc = txn_end(s, rc, err);
    if (deleted) *deleted = rc == 0 ? (size_t)n : 0;
    return rc;
}

/* ---- supervisors ----------------------------------------------------------- */

static bool is_tombstone(const char *payload)
{
    json_t *v = json_loads(payload ? payload : "", 0, NULL);
    const char *type = json_string_value(json_object_get(v, "type"));
    bool t = type && strcmp(type, "NoopSupervisorSpec") == 0;
    json_decref(v);
    return t;
}

static int read_supervisors(meta_sqlite *s, sqlite3_stmt *st, vrv_meta_supervisor_list *out,
                            vrv_error *err)
{
    int rc;
    while ((rc = sq_step(s, st, err)) == 1) {
        vrv_meta_supervisor v = {sqlite3_column_int64(st, 0), col_str(st, 1), col_str(st, 2),
                                 col_str(st, 3), false};
        v.tombstone = is_tombstone(v.payload);
        vrv_vec_push(out, v);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_supervisor_insert(vrv_meta *m, const char *id, const char *spec, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    char now[VRV_TIME_STR_MAX];
    now_iso(s, now);
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "INSERT INTO druid_supervisors (spec_id, created_date, payload)"
                      " VALUES (?, ?, ?)",
                      err)) == 0) {
        bind_text(st, 1, id);
        bind_text(st, 2, now);
        bind_text(st, 3, spec);
        rc = sq_run(s, st, err);
    }
    return txn_end(s, rc, err);
}

static int sq_supervisor_latest(vrv_meta *m, vrv_meta_supervisor_list *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(
             s, &st,
             "SELECT r.id, r.spec_id, r.created_date, r.payload FROM druid_supervisors r"
             " WHERE r.id = (SELECT MAX(id) FROM druid_supervisors WHERE spec_id = r.spec_id)"
             " ORDER BY r.spec_id",
             err)) == 0)
        rc = read_supervisors(s, st, out, err);
    return txn_end(s, rc, err);
}

static int sq_supervisor_history(vrv_meta *m, const char *id, size_t limit,
                                 vrv_meta_supervisor_list *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "SELECT id, spec_id, created_date, payload FROM druid_supervisors"
                      " WHERE (?1 IS NULL OR spec_id = ?1) ORDER BY id DESC LIMIT ?2",
                      err)) == 0) {
        bind_text(st, 1, id);
        bind_i64(st, 2, limit ? (int64_t)limit : -1);
        rc = read_supervisors(s, st, out, err);
    }
    return txn_end(s, rc, err);
}

/* ---- tasks ------------------------------------------------------------------- */

#define TASK_COLS "id, created_date, datasource, type, group_id, payload, status_payload, active"

static void read_task(sqlite3_stmt *st, vrv_meta_task *t)
{
    t->id = col_str(st, 0);
    t->created_date = col_str(st, 1);
    t->datasource = col_str(st, 2);
    t->type = col_str(st, 3);
    t->group_id = col_str(st, 4);
    t->payload = col_str(st, 5);
    t->status_payload = col_str(st, 6);
    t->active = sqlite3_column_int(st, 7) != 0;
}

static int sq_task_insert(vrv_meta *m, const vrv_meta_task *t, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    char now[VRV_TIME_STR_MAX];
    now_iso(s, now);
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st, "SELECT 1 FROM druid_tasks WHERE id = ?", err)) == 0) {
        bind_text(st, 1, t->id);
        rc = sq_step(s, st, err);
        sqlite3_finalize(st);
        if (rc == 1) rc = vrv_error_set(err, VRV_ECONFLICT, "Task [%s] already exists", t->id);
    }
    if (rc == 0 &&
        (rc = sq_prep(s, &st,
                      "INSERT INTO druid_tasks (id, created_date, datasource, type, group_id,"
                      " payload, status_payload, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      err)) == 0) {
        bind_text(st, 1, t->id);
        bind_text(st, 2, t->created_date ? t->created_date : now);
        bind_text(st, 3, t->datasource ? t->datasource : "");
        bind_text(st, 4, t->type);
        bind_text(st, 5, t->group_id);
        bind_text(st, 6, t->payload);
        bind_text(st, 7, t->status_payload);
        bind_i64(st, 8, t->active);
        rc = sq_run(s, st, err);
    }
    return txn_end(s, rc, err);
}

static int sq_task_set_status(vrv_meta *m, const char *id, const char *status, bool active,
                              vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    /* Like Druid, only an active task's status changes: a completed task stays
     * completed even if a late status update arrives. */
    if ((rc = sq_prep(s, &st,
                      "UPDATE druid_tasks SET status_payload = ?, active = ? WHERE id = ?"
                      " AND active = 1",
                      err)) == 0) {
        bind_text(st, 1, status);
        bind_i64(st, 2, active);
        bind_text(st, 3, id);
        rc = sq_run(s, st, err);
    }
    if (rc == 0 && sqlite3_changes(s->db) == 0) {
        if ((rc = sq_prep(s, &st, "SELECT 1 FROM druid_tasks WHERE id = ?", err)) == 0) {
            bind_text(st, 1, id);
            rc = sq_step(s, st, err);
            sqlite3_finalize(st);
            if (rc == 1)
                rc = vrv_error_set(err, VRV_ECONFLICT, "task [%s] is already complete", id);
            else if (rc == 0)
                rc = vrv_error_set(err, VRV_ENOTFOUND, "task [%s] does not exist", id);
        }
    }
    return txn_end(s, rc, err);
}

static int sq_task_get(vrv_meta *m, const char *id, vrv_meta_task *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st, "SELECT " TASK_COLS " FROM druid_tasks WHERE id = ?", err)) == 0) {
        bind_text(st, 1, id);
        rc = sq_step(s, st, err);
        if (rc == 1) {
            read_task(st, out);
            rc = 0;
        } else if (rc == 0) {
            rc = vrv_error_set(err, VRV_ENOTFOUND, "task [%s] does not exist", id);
        }
        sqlite3_finalize(st);
    }
    return txn_end(s, rc, err);
}

static int sq_task_list(vrv_meta *m, const vrv_meta_task_filter *f, vrv_meta_task_list *out,
                        vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    const char *order = f->state == VRV_META_TASKS_COMPLETE ? "DESC" : "ASC";
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT " TASK_COLS " FROM druid_tasks WHERE (?1 < 0 OR active = ?1)"
             " AND (?2 IS NULL OR datasource = ?2) AND (?3 IS NULL OR created_date >= ?3)"
             " ORDER BY created_date %s, id %s LIMIT ?4",
             order, order);
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st, sql, err)) == 0) {
        bind_i64(st, 1, f->state == VRV_META_TASKS_ALL ? -1 : f->state == VRV_META_TASKS_ACTIVE);
        bind_text(st, 2, f->datasource);
        bind_text(st, 3, f->created_after);
        bind_i64(st, 4, f->limit ? (int64_t)f->limit : -1);
        while ((rc = sq_step(s, st, err)) == 1) {
            vrv_meta_task t = {0};
            read_task(st, &t);
            vrv_vec_push(out, t);
        }
        sqlite3_finalize(st);
    }
    return txn_end(s, rc, err);
}

static int sq_task_delete_complete_before(vrv_meta *m, const char *before, size_t *deleted,
                                          vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    int n = 0;
    if ((rc = sq_prep(s, &st, "DELETE FROM druid_tasks WHERE active = 0 AND created_date < ?",
                      err)) == 0) {
        bind_text(st, 1, before);
        if ((rc = sq_run(s, st, err)) == 0) n = sqlite3_changes(s->db);
    }
    rc = txn_end(s, rc, err);
    if (deleted) *deleted = rc == 0 ? (size_t)n : 0;
    return rc;
}

/* ---- task locks ----------------------------------------------------------------- */

static int read_locks(meta_sqlite *s, sqlite3_stmt *st, vrv_meta_task_lock_list *out,
                      vrv_error *err)
{
    int rc;
    while ((rc = sq_step(s, st, err)) == 1) {
        vrv_meta_task_lock l = {sqlite3_column_int64(st, 0), col_str(st, 1), col_str(st, 2)};
        vrv_vec_push(out, l);
    }
    sqlite3_finalize(st);
    return rc;
}

static int sq_lock_add(vrv_meta *m, const char *task_id, const char *payload, int64_t *lock_id,
                       vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st, "SELECT 1 FROM druid_tasks WHERE id = ?", err)) == 0) {
        bind_text(st, 1, task_id);
        rc = sq_step(s, st, err);
        sqlite3_finalize(st);
        if (rc == 0) rc = vrv_error_set(err, VRV_ENOTFOUND, "task [%s] does not exist", task_id);
        if (rc == 1) rc = 0;
    }
    if (rc == 0 &&
        (rc = sq_prep(s, &st, "INSERT INTO druid_tasklocks (task_id, lock_payload) VALUES (?, ?)",
                      err)) == 0) {
        bind_text(st, 1, task_id);
        bind_text(st, 2, payload);
        if ((rc = sq_run(s, st, err)) == 0 && lock_id) *lock_id = sqlite3_last_insert_rowid(s->db);
    }
    return txn_end(s, rc, err);
}

static int lock_change(vrv_meta *m, const char *sql, int64_t lock_id, const char *payload,
                       vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st, sql, err)) == 0) {
        if (payload) {
            bind_text(st, 1, payload);
            bind_i64(st, 2, lock_id);
        } else {
            bind_i64(st, 1, lock_id);
        }
        rc = sq_run(s, st, err);
        if (rc == 0 && sqlite3_changes(s->db) == 0)
            rc = vrv_error_set(err, VRV_ENOTFOUND, "task lock %" PRId64 " does not exist", lock_id);
    }
    return txn_end(s, rc, err);
}

static int sq_lock_replace(vrv_meta *m, int64_t lock_id, const char *payload, vrv_error *err)
{
    return lock_change(m, "UPDATE druid_tasklocks SET lock_payload = ? WHERE id = ?", lock_id,
                       payload, err);
}

static int sq_lock_remove(vrv_meta *m, int64_t lock_id, vrv_error *err)
{
    return lock_change(m, "DELETE FROM druid_tasklocks WHERE id = ?", lock_id, NULL, err);
}

static int sq_locks_of_task(vrv_meta *m, const char *task_id, vrv_meta_task_lock_list *out,
                            vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "SELECT id, task_id, lock_payload FROM druid_tasklocks WHERE task_id = ?"
                      " ORDER BY id",
                      err)) == 0) {
        bind_text(st, 1, task_id);
        rc = read_locks(s, st, out, err);
    }
    return txn_end(s, rc, err);
}

static int sq_locks_active(vrv_meta *m, vrv_meta_task_lock_list *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "SELECT l.id, l.task_id, l.lock_payload FROM druid_tasklocks l"
                      " JOIN druid_tasks t ON t.id = l.task_id WHERE t.active = 1 ORDER BY l.id",
                      err)) == 0)
        rc = read_locks(s, st, out, err);
    return txn_end(s, rc, err);
}

/* ---- audit ------------------------------------------------------------------------ */

static int sq_audit_insert(vrv_meta *m, const vrv_meta_audit *a, int64_t *id, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    char now[VRV_TIME_STR_MAX];
    now_iso(s, now);
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "INSERT INTO druid_audit (audit_key, type, author, comment, created_date,"
                      " payload) VALUES (?, ?, ?, ?, ?, ?)",
                      err)) == 0) {
        bind_text(st, 1, a->audit_key);
        bind_text(st, 2, a->type);
        bind_text(st, 3, a->author ? a->author : "");
        bind_text(st, 4, a->comment ? a->comment : "");
        bind_text(st, 5, a->created_date ? a->created_date : now);
        bind_text(st, 6, a->payload);
        if ((rc = sq_run(s, st, err)) == 0 && id) *id = sqlite3_last_insert_rowid(s->db);
    }
    return txn_end(s, rc, err);
}

static int sq_audit_query(vrv_meta *m, const char *key, const char *type, const char *after,
                          size_t limit, vrv_meta_audit_list *out, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st,
                      "SELECT id, audit_key, type, author, comment, created_date, payload"
                      " FROM druid_audit WHERE (?1 IS NULL OR audit_key = ?1)"
                      " AND (?2 IS NULL OR type = ?2) AND (?3 IS NULL OR created_date >= ?3)"
                      " ORDER BY created_date DESC, id DESC LIMIT ?4",
                      err)) == 0) {
        bind_text(st, 1, key);
        bind_text(st, 2, type);
        bind_text(st, 3, after);
        bind_i64(st, 4, limit ? (int64_t)limit : -1);
        while ((rc = sq_step(s, st, err)) == 1) {
            vrv_meta_audit a = {sqlite3_column_int64(st, 0),
                                col_str(st, 1),
                                col_str(st, 2),
                                col_str(st, 3),
                                col_str(st, 4),
                                col_str(st, 5),
                                col_str(st, 6)};
            vrv_vec_push(out, a);
        }
        sqlite3_finalize(st);
    }
    return txn_end(s, rc, err);
}

/* ---- open / close ----------------------------------------------------------------- */

static void sq_close(vrv_meta *m)
{
    meta_sqlite *s = (meta_sqlite *)m;
    if (s->db) sqlite3_close_v2(s->db);
    pthread_mutex_destroy(&s->mu);
    free(s->path);
    free(s);
}

static int current_version(meta_sqlite *s, int *version, vrv_error *err);

static int sq_schema_version(vrv_meta *m, int *version, vrv_error *err)
{
    meta_sqlite *s = (meta_sqlite *)m;
    int rc = txn_begin(s, false, err);
    if (rc < 0) return rc;
    rc = current_version(s, version, err);
    return txn_end(s, rc, err);
}

static const vrv_meta_ops sqlite_ops = {
    .name = "sqlite",
    .close = sq_close,
    .schema_version = sq_schema_version,
    .publish = sq_publish,
    .segments_set_used = sq_segments_set_used,
    .segments_set_used_in_interval = sq_segments_set_used_in_interval,
    .segments_query = sq_segments_query,
    .segment_get = sq_segment_get,
    .segments_delete = sq_segments_delete,
    .datasources = sq_datasources,
    .commit_metadata_get = sq_commit_metadata_get,
    .commit_metadata_set = sq_commit_metadata_set,
    .commit_metadata_delete = sq_commit_metadata_delete,
    .pending_allocate = sq_pending_allocate,
    .pending_query = sq_pending_query,
    .pending_delete = sq_pending_delete,
    .pending_delete_allocator = sq_pending_delete_allocator,
    .supervisor_insert = sq_supervisor_insert,
    .supervisor_latest = sq_supervisor_latest,
    .supervisor_history = sq_supervisor_history,
    .task_insert = sq_task_insert,
    .task_set_status = sq_task_set_status,
    .task_get = sq_task_get,
    .task_list = sq_task_list,
    .task_delete_complete_before = sq_task_delete_complete_before,
    .lock_add = sq_lock_add,
    .lock_replace = sq_lock_replace,
    .lock_remove = sq_lock_remove,
    .locks_of_task = sq_locks_of_task,
    .locks_active = sq_locks_active,
    .audit_insert = sq_audit_insert,
    .audit_query = sq_audit_query,
};

static int current_version(meta_sqlite *s, int *version, vrv_error *err)
{
    sqlite3_stmt *st;
    int rc = sq_prep(s, &st, "SELECT COALESCE(MAX(version), 0) FROM varve_schema_version", err);
    if (rc < 0) return rc;
    rc = sq_step(s, st, err);
    if (rc == 1) *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return rc < 0 ? rc : 0;
}

static int migrate(meta_sqlite *s, vrv_error *err)
{
    int rc = txn_begin(s, true, err);
    if (rc < 0) return rc;
    int version = 0;
    rc = sq_exec(s,
                 "CREATE TABLE IF NOT EXISTS varve_schema_version ("
                 " version INTEGER NOT NULL PRIMARY KEY, applied_date TEXT NOT NULL)",
                 "creating varve_schema_version", err);
    if (rc == 0) rc = current_version(s, &version, err);
    if (rc == 0 && version > SCHEMA_LATEST)
        rc = vrv_error_set(err, VRV_EUNSUPPORTED,
                           "metadata store %s: schema version %d is newer than this varve's (%d); "
                           "upgrade varve",
                           s->path, version, SCHEMA_LATEST);
    char now[VRV_TIME_STR_MAX];
    now_iso(s, now);
    for (int v = version + 1; rc == 0 && v <= SCHEMA_LATEST; v++) {
        char what[64];
        snprintf(what, sizeof what, "migrating to schema version %d", v);
        if ((rc = sq_exec(s, migrations[v - 1], what, err)) < 0) break;
        sqlite3_stmt *st;
        if ((rc = sq_prep(s, &st,
                          "INSERT INTO varve_schema_version (version, applied_date) VALUES (?, ?)",
                          err)) < 0)
            break;
        bind_i64(st, 1, v);
        bind_text(st, 2, now);
        rc = sq_run(s, st, err);
    }
    rc = txn_end(s, rc, err);
    if (rc == 0 && version < SCHEMA_LATEST)
        VRV_INFO("meta", "metadata store %s: schema migrated from version %d to %d", s->path,
                 version, SCHEMA_LATEST);
    return rc;
}

int vrv_meta_open_sqlite(const char *path, const vrv_meta_sqlite_opts *opts, vrv_meta **out,
                         vrv_error *err)
{
    *out = NULL;
    if (!path || !*path) return vrv_error_set(err, VRV_EINVAL, "metadata store path: missing");
    meta_sqlite *s = vrv_calloc(1, sizeof *s);
    s->base.ops = &sqlite_ops;
    s->path = vrv_strdup(path);
    s->busy_timeout_ms = opts && opts->busy_timeout_ms > 0 ? opts->busy_timeout_ms : 5000;
    s->clock = opts ? opts->clock : NULL;
    s->clock_ctx = opts ? opts->clock_ctx : NULL;
    pthread_mutex_init(&s->mu, NULL);

    int rc = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
    if (rc != SQLITE_OK) {
        rc = sq_error(s, rc, err, "open");
        goto fail;
    }
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, s->busy_timeout_ms);
    /* journal_mode is the first statement that reads the file: a file that is
     * not a database fails here. */
    sqlite3_stmt *st;
    if ((rc = sq_prep(s, &st, "PRAGMA journal_mode=WAL", err)) < 0) goto fail;
    rc = sq_step(s, st, err);
    if (rc == 1) {
        const char *mode = (const char *)sqlite3_column_text(st, 0);
        if (mode && strcmp(mode, "wal") != 0 && strcmp(path, ":memory:") != 0)
            VRV_WARN("meta", "metadata store %s: journal mode is %s, not wal", path, mode);
    }
    sqlite3_finalize(st);
    if (rc < 0) goto fail;
    if ((rc = sq_exec(s, "PRAGMA foreign_keys=ON", "enabling foreign keys", err)) < 0) goto fail;
    if ((rc = sq_exec(s, "PRAGMA synchronous=FULL", "setting synchronous", err)) < 0) goto fail;
    if ((rc = migrate(s, err)) < 0) goto fail;
    *out = &s->base;
    return 0;
fail:
    sq_close(&s->base);
    return rc;
}
