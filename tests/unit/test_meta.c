/*
 * test_meta.c — the metadata store over SQLite: every operation, the publish
 * compare-and-swap (match, mismatch, replica race, concurrent publishers on
 * threads and on separate handles), pending segment allocation, schema
 * migration and the failure modes of a locked, foreign or corrupt file.
 */
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/sha1.h"
#include "storage/meta.h"
#include "test.h"

static _Atomic vrv_ms fake_now = 1700000000000; /* 2023-11-14T22:13:20.000Z */

static vrv_ms test_clock(void *ctx)
{
    (void)ctx;
    return atomic_load(&fake_now);
}

static char *db_path(const char *name)
{
    static char buf[512];
    snprintf(buf, sizeof buf, "%s/%s", vrv_test_tmpdir(), name);
    unlink(buf);
    char side[600];
    snprintf(side, sizeof side, "%s-wal", buf);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", buf);
    unlink(side);
    return buf;
}

static vrv_meta *open_store(const char *name)
{
    atomic_store(&fake_now, 1700000000000);
    vrv_meta_sqlite_opts o = {.clock = test_clock};
    vrv_meta *m = NULL;
    vrv_error err = {0};
    int rc = vrv_meta_open_sqlite(db_path(name), &o, &m, &err);
    if (rc != 0) fprintf(stderr, "open: %s\n", err.msg);
    CHECK_INT(rc, 0);
    return m;
}

/* A DataSegment JSON as a task would publish it. */
static char *seg_json(const char *ds, const char *start, const char *end, const char *version,
                      int partition, int core)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);
    fprintf(f,
            "{\"dataSource\":\"%s\",\"interval\":\"%s/%s\",\"version\":\"%s\","
            "\"loadSpec\":{\"type\":\"local\",\"path\":\"/x/index.vseg\"},"
            "\"dimensions\":\"page,user\",\"metrics\":\"count\","
            "\"shardSpec\":{\"type\":\"numbered\",\"partitionNum\":%d,\"partitions\":%d},"
            "\"binaryVersion\":9,\"size\":1234}",
            ds, start, end, version, partition, core);
    fclose(f);
    return s;
}

#define D1    "2021-03-04T00:00:00.000Z"
#define D2    "2021-03-05T00:00:00.000Z"
#define D3    "2021-03-06T00:00:00.000Z"
#define H1    "2021-03-04T01:00:00.000Z"
#define V1    "2024-01-01T00:00:00.000Z"
#define V2    "2024-02-01T00:00:00.000Z"
#define MS_D1 1614816000000LL
#define MS_D2 (MS_D1 + 86400000LL)
#define MS_D3 (MS_D2 + 86400000LL)

TEST(sha1_vectors)
{
    uint8_t d[VRV_SHA1_LEN];
    char hex[VRV_SHA1_HEX_LEN + 1];
    vrv_sha1("", 0, d);
    vrv_sha1_hex(d, hex);
    CHECK_STR(hex, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
    vrv_sha1("abc", 3, d);
    vrv_sha1_hex(d, hex);
    CHECK_STR(hex, "A9993E364706816ABA3E25717850C26C9CD0D89D");
    const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    vrv_sha1(two, strlen(two), d);
    vrv_sha1_hex(d, hex);
    CHECK_STR(hex, "84983E441C3BD26EBAAE4AA1F95129E5E54670F1");
    /* a million 'a' fed in uneven pieces exercises the block buffering */
    vrv_sha1_ctx c;
    vrv_sha1_init(&c);
    char chunk[997];
    memset(chunk, 'a', sizeof chunk);
    size_t left = 1000000;
    while (left) {
        size_t n = left < sizeof chunk ? left : sizeof chunk;
        vrv_sha1_update(&c, chunk, n);
        left -= n;
    }
    vrv_sha1_final(&c, d);
    vrv_sha1_hex(d, hex);
    CHECK_STR(hex, "34AA973CD4C4DAA4F61EEB2BDBAD27316534016F");
}

TEST(instants)
{
    vrv_ms ms = 0;
    CHECK(vrv_meta_parse_instant(D1, &ms));
    CHECK_INT(ms, MS_D1);
    CHECK(vrv_meta_parse_instant("1969-12-31T23:59:59.999Z", &ms));
    CHECK_INT(ms, -1);
    /* Druid's eternity interval */
    CHECK(vrv_meta_parse_instant("-146136543-09-08T08:23:32.096Z", &ms));
    CHECK_INT(ms, (-9223372036854775807LL - 1) / 2); /* Long.MIN_VALUE / 2 */
    CHECK(vrv_meta_parse_instant("146140482-04-24T15:36:27.903Z", &ms));
    CHECK_INT(ms, 9223372036854775807LL / 2);
    CHECK(vrv_meta_parse_instant("2024-02-29T00:00:00.000Z", &ms));
    CHECK(!vrv_meta_parse_instant("2023-02-29T00:00:00.000Z", &ms));
    CHECK(!vrv_meta_parse_instant("2021-03-04", &ms));
    CHECK(!vrv_meta_parse_instant("2021-03-04T00:00:00Z", &ms));
    CHECK(!vrv_meta_parse_instant("2021-03-04T00:00:00.000+01:00", &ms));
    CHECK(!vrv_meta_parse_instant("2021-13-04T00:00:00.000Z", &ms));
    CHECK(!vrv_meta_parse_instant("2021-03-04T24:00:00.000Z", &ms));
    CHECK(!vrv_meta_parse_instant("2021-03-04t00:00:00.000z", &ms));
    CHECK(!vrv_meta_parse_instant("+2021-03-04T00:00:00.000Z", &ms));
    CHECK(!vrv_meta_parse_instant("2021-03-04T00:00:00.0000Z", &ms));
    CHECK(!vrv_meta_parse_instant("", &ms));
    CHECK(!vrv_meta_parse_instant(NULL, &ms));
}

TEST(segment_parse)
{
    vrv_meta_segment g;
    vrv_error err = {0};
    char *j = seg_json("wiki_edits", D1, D2, V1, 0, 0);
    CHECK_INT(vrv_meta_segment_parse(j, &g, &err), 0);
    CHECK_STR(g.id, "wiki_edits_" D1 "_" D2 "_" V1);
    CHECK_STR(g.data_source, "wiki_edits");
    CHECK_INT(g.start_ms, MS_D1);
    CHECK_INT(g.end_ms, MS_D2);
    CHECK_STR(g.shard_type, "numbered");
    CHECK(g.partitioned);
    CHECK_STR(g.payload, j);
    vrv_meta_segment_clear(&g);
    free(j);

    j = seg_json("wiki", D1, D2, V1, 3, 2);
    CHECK_INT(vrv_meta_segment_parse(j, &g, &err), 0);
    CHECK_STR(g.id, "wiki_" D1 "_" D2 "_" V1 "_3");
    CHECK_INT(g.partition_num, 3);
    CHECK_INT(g.core_partitions, 2);
    vrv_meta_segment_clear(&g);
    free(j);

    CHECK_INT(vrv_meta_segment_parse("{\"dataSource\":\"w\",\"interval\":\"" D1 "/" D2
                                     "\",\"version\":\"v\"}",
                                     &g, &err),
              0);
    CHECK_STR(g.shard_type, "none");
    CHECK(!g.partitioned);
    CHECK_STR(g.id, "w_" D1 "_" D2 "_v");
    vrv_meta_segment_clear(&g);

    CHECK_INT(vrv_meta_segment_parse("{\"dataSource\":\"w\",\"interval\":\"" D1 "/" D2
                                     "\",\"version\":\"v\",\"identifier\":\"w_" D1 "_" D2 "_v\"}",
                                     &g, &err),
              0);
    vrv_meta_segment_clear(&g);

    CHECK_INT(vrv_meta_segment_parse("{\"dataSource\":\"w\",\"interval\":\"" D1 "/" D2
                                     "\",\"version\":\"v\",\"identifier\":\"other\"}",
                                     &g, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "segment payload.identifier: [other] does not match the segment's id [w_" D1
                       "_" D2 "_v]");
    CHECK_INT(vrv_meta_segment_parse("{\"dataSource\":\"w\",\"interval\":\"2021-03-04/2021-03-05\","
                                     "\"version\":\"v\"}",
                                     &g, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "segment payload.interval: [2021-03-04/2021-03-05] is not in the form "
                       "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z");
    CHECK_INT(
        vrv_meta_segment_parse("{\"interval\":\"" D1 "/" D2 "\",\"version\":\"v\"}", &g, &err),
        VRV_EINVAL);
    CHECK_STR(err.msg, "segment payload.dataSource: must be a non-empty string");
    CHECK_INT(vrv_meta_segment_parse("{\"dataSource\":\"w\",\"interval\":\"" D2 "/" D1
                                     "\",\"version\":\"v\"}",
                                     &g, &err),
              VRV_EINVAL);
    CHECK_INT(vrv_meta_segment_parse("{\"dataSource\":\"w\",\"interval\":\"" D1 "/" D2
                                     "\",\"version\":\"v\",\"shardSpec\":{\"type\":\"numbered\","
                                     "\"partitionNum\":\"x\"}}",
                                     &g, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "segment payload: shardSpec.partitionNum: must be a 32-bit integer");
    CHECK_INT(vrv_meta_segment_parse("{\"dataSource\":", &g, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "segment payload: invalid JSON at line 1") == err.msg);
    CHECK_INT(vrv_meta_segment_parse("[]", &g, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "segment payload: must be a JSON object");
}

TEST(open_and_schema)
{
    vrv_meta *m = open_store("schema.db");
    int v = 0;
    CHECK_INT(vrv_meta_schema_version(m, &v, NULL), 0);
    CHECK_INT(v, vrv_meta_schema_version_latest());
    CHECK_INT(v, 2);
    vrv_meta_close(m);

    /* reopening is a no-op migration */
    vrv_meta_sqlite_opts o = {.clock = test_clock};
    char path[512];
    snprintf(path, sizeof path, "%s/schema.db", vrv_test_tmpdir());
    CHECK_INT(vrv_meta_open_sqlite(path, &o, &m, NULL), 0);
    CHECK_INT(vrv_meta_schema_version(m, &v, NULL), 0);
    CHECK_INT(v, 2);
    vrv_meta_close(m);

    /* WAL mode is on the file */
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    CHECK_INT(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_step(st), SQLITE_ROW);
    CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    /* a schema from the future is refused */
    CHECK_INT(
        sqlite3_exec(db, "INSERT INTO varve_schema_version VALUES (99, 'x')", NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);
    vrv_error err = {0};
    CHECK_INT(vrv_meta_open_sqlite(path, &o, &m, &err), VRV_EUNSUPPORTED);
    CHECK(m == NULL);
    CHECK(strstr(err.msg, "schema version 99 is newer than this varve's (2)") != NULL);

    CHECK_INT(vrv_meta_open_sqlite("", &o, &m, &err), VRV_EINVAL);
    CHECK_INT(vrv_meta_open_sqlite("/nonexistent-dir/x/meta.db", &o, &m, &err), VRV_EIO);
    CHECK(strstr(err.msg, "/nonexistent-dir/x/meta.db") != NULL);

    /* :memory: works for throwaway stores */
    CHECK_INT(vrv_meta_open_sqlite(":memory:", NULL, &m, NULL), 0);
    vrv_meta_close(m);
    vrv_meta_close(NULL);
}

/* A version-1 database, as an older varve left it, gains version 2's columns
 * and keeps its rows. */
TEST(migration_from_v1)
{
    const char *path = db_path("v1.db");
    sqlite3 *db;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    const char *v1 =
        "CREATE TABLE varve_schema_version (version INTEGER NOT NULL PRIMARY KEY,"
        " applied_date TEXT NOT NULL);"
        "INSERT INTO varve_schema_version VALUES (1, '2023-01-01T00:00:00.000Z');"
        "CREATE TABLE druid_segments (id TEXT NOT NULL PRIMARY KEY, dataSource TEXT NOT NULL,"
        " created_date TEXT NOT NULL, start TEXT NOT NULL, \"end\" TEXT NOT NULL,"
        " partitioned INTEGER NOT NULL, version TEXT NOT NULL, used INTEGER NOT NULL,"
        " payload TEXT NOT NULL, used_status_last_updated TEXT NOT NULL, start_ms INTEGER NOT NULL,"
        " end_ms INTEGER NOT NULL, partition_num INTEGER NOT NULL, core_partitions INTEGER NOT "
        "NULL,"
        " shard_type TEXT NOT NULL);"
        "CREATE TABLE druid_pendingSegments (id TEXT NOT NULL PRIMARY KEY, dataSource TEXT NOT "
        "NULL,"
        " created_date TEXT NOT NULL, start TEXT NOT NULL, \"end\" TEXT NOT NULL,"
        " sequence_name TEXT NOT NULL, sequence_prev_id TEXT NOT NULL,"
        " sequence_name_prev_id_sha1 TEXT NOT NULL UNIQUE, payload TEXT NOT NULL,"
        " start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, version TEXT NOT NULL,"
        " partition_num INTEGER NOT NULL, core_partitions INTEGER NOT NULL);"
        "CREATE TABLE druid_dataSource (dataSource TEXT NOT NULL PRIMARY KEY, created_date TEXT"
        " NOT NULL, commit_metadata_payload TEXT NOT NULL, commit_metadata_sha1 TEXT NOT NULL);"
        "CREATE TABLE druid_supervisors (id INTEGER PRIMARY KEY AUTOINCREMENT, spec_id TEXT NOT"
        " NULL, created_date TEXT NOT NULL, payload TEXT NOT NULL);"
        "CREATE TABLE druid_tasks (id TEXT NOT NULL PRIMARY KEY, created_date TEXT NOT NULL,"
        " datasource TEXT NOT NULL, payload TEXT NOT NULL, status_payload TEXT NOT NULL,"
        " active INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE druid_tasklocks (id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL"
        " REFERENCES druid_tasks(id) ON DELETE CASCADE, lock_payload TEXT NOT NULL);"
        "CREATE TABLE druid_audit (id INTEGER PRIMARY KEY AUTOINCREMENT, audit_key TEXT NOT NULL,"
        " type TEXT NOT NULL, author TEXT NOT NULL, comment TEXT NOT NULL, created_date TEXT NOT"
        " NULL, payload TEXT NOT NULL);"
        "INSERT INTO druid_tasks VALUES ('old_task', '2023-01-01T00:00:00.000Z', 'wiki', '{}',"
        " '{\"status\":\"SUCCESS\"}', 0);";
    CHECK_INT(sqlite3_exec(db, v1, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    vrv_meta_sqlite_opts o = {.clock = test_clock};
    vrv_meta *m = NULL;
    vrv_error err = {0};
    CHECK_INT(vrv_meta_open_sqlite(path, &o, &m, &err), 0);
    int v = 0;
    CHECK_INT(vrv_meta_schema_version(m, &v, NULL), 0);
    CHECK_INT(v, 2);
    vrv_meta_task t;
    CHECK_INT(vrv_meta_task_get(m, "old_task", &t, &err), 0);
    CHECK_STR(t.datasource, "wiki");
    CHECK(t.type == NULL);
    CHECK(t.group_id == NULL);
    CHECK(!t.active);
    vrv_meta_task_clear(&t);
    vrv_meta_task nt = {.id = "new_task",
                        .datasource = "wiki",
                        .type = "index_kafka",
                        .group_id = "g1",
                        .payload = "{}",
                        .status_payload = "{}",
                        .active = true};
    CHECK_INT(vrv_meta_task_insert(m, &nt, &err), 0);
    CHECK_INT(vrv_meta_task_get(m, "new_task", &t, &err), 0);
    CHECK_STR(t.type, "index_kafka");
    CHECK_STR(t.group_id, "g1");
    vrv_meta_task_clear(&t);
    vrv_meta_close(m);
}

TEST(segments_insert_query_mark)
{
    vrv_meta *m = open_store("segments.db");
    vrv_error err = {0};
    char *a = seg_json("wiki", D1, D2, V1, 0, 0);
    char *b = seg_json("wiki", D1, D2, V1, 1, 0);
    char *c = seg_json("wiki", D2, D3, V1, 0, 0);
    char *d = seg_json("other", D1, D2, V1, 0, 0);
    const char *batch[] = {a, b, c};
    vrv_meta_publish_result res;
    CHECK_INT(vrv_meta_segments_insert(m, batch, 3, &res, &err), 0);
    CHECK_INT(res.inserted, 3);
    CHECK_INT(res.existing.n, 0);
    vrv_meta_publish_result_free(&res);
    const char *one[] = {d};
    CHECK_INT(vrv_meta_segments_insert(m, one, 1, NULL, &err), 0);

    /* publishing again writes nothing and says which ids were there */
    const char *again[] = {b, c};
    CHECK_INT(vrv_meta_segments_insert(m, again, 2, &res, &err), 0);
    CHECK_INT(res.inserted, 0);
    CHECK_INT(res.existing.n, 2);
    CHECK_STR(res.existing.v[0], "wiki_" D1 "_" D2 "_" V1 "_1");
    CHECK_STR(res.existing.v[1], "wiki_" D2 "_" D3 "_" V1);
    CHECK_INT(res.existing_used.n, 2);
    vrv_meta_publish_result_free(&res);

    vrv_meta_segment_list l = {0};
    CHECK_INT(vrv_meta_segments_query(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err),
              0);
    CHECK_INT(l.n, 3);
    CHECK_STR(l.v[0].id, "wiki_" D1 "_" D2 "_" V1);
    CHECK_STR(l.v[1].id, "wiki_" D1 "_" D2 "_" V1 "_1");
    CHECK_STR(l.v[2].id, "wiki_" D2 "_" D3 "_" V1);
    CHECK(l.v[0].used);
    CHECK_STR(l.v[0].created_date, "2023-11-14T22:13:20.000Z");
    CHECK_STR(l.v[0].used_status_last_updated, "2023-11-14T22:13:20.000Z");
    CHECK_STR(l.v[2].payload, c);
    CHECK_STR(l.v[0].start, D1);
    CHECK_STR(l.v[0].end, D2);
    CHECK_STR(l.v[0].version, V1);
    vrv_meta_segment_list_free(&l);

    /* interval overlap: [start, end) — a segment ending at the query start is out */
    CHECK_INT(vrv_meta_segments_query(m, "wiki", MS_D2, MS_D3, true, &l, &err), 0);
    CHECK_INT(l.n, 1);
    CHECK_STR(l.v[0].id, "wiki_" D2 "_" D3 "_" V1);
    vrv_meta_segment_list_free(&l);
    CHECK_INT(vrv_meta_segments_query(m, "wiki", MS_D1 + 3600000, MS_D1 + 7200000, true, &l, &err),
              0);
    CHECK_INT(l.n, 2);
    vrv_meta_segment_list_free(&l);
    CHECK_INT(vrv_meta_segments_query(m, "wiki", MS_D3, MS_D3 + 1, true, &l, &err), 0);
    CHECK_INT(l.n, 0);
    vrv_meta_segment_list_free(&l);
    CHECK_INT(vrv_meta_segments_query(m, "nope", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err),
              0);
    CHECK_INT(l.n, 0);
    vrv_meta_segment_list_free(&l);
    CHECK_INT(vrv_meta_segments_query(m, "wiki", MS_D2, MS_D1, true, &l, &err), VRV_EINVAL);
    CHECK_INT(vrv_meta_segments_query(m, "", MS_D1, MS_D2, true, &l, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "dataSource: must be a non-empty string");

    /* mark unused by id; the change time moves */
    atomic_store(&fake_now, 1700000060000);
    const char *ids[] = {"wiki_" D1 "_" D2 "_" V1 "_1", "no_such_id"};
    size_t changed = 99;
    CHECK_INT(vrv_meta_segments_set_used(m, ids, 2, false, &changed, &err), 0);
    CHECK_INT(changed, 1);
    CHECK_INT(vrv_meta_segments_set_used(m, ids, 2, false, &changed, &err), 0);
    CHECK_INT(changed, 0);
    vrv_meta_segment g;
    CHECK_INT(vrv_meta_segment_get(m, ids[0], &g, &err), 0);
    CHECK(!g.used);
    CHECK_STR(g.used_status_last_updated, "2023-11-14T22:14:20.000Z");
    CHECK_STR(g.created_date, "2023-11-14T22:13:20.000Z");
    CHECK_INT(g.partition_num, 1);
    vrv_meta_segment_clear(&g);
    CHECK_INT(vrv_meta_segment_get(m, "no_such_id", &g, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "segment [no_such_id] does not exist");

    CHECK_INT(vrv_meta_segments_query(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, false, &l, &err),
              0);
    CHECK_INT(l.n, 1);
    CHECK_STR(l.v[0].id, ids[0]);
    vrv_meta_segment_list_free(&l);

    /* mark by interval: only segments entirely inside it */
    CHECK_INT(
        vrv_meta_segments_set_used_in_interval(m, "wiki", MS_D1, MS_D2 + 1, false, &changed, &err),
        0);
    CHECK_INT(changed, 1);
    CHECK_INT(vrv_meta_segments_query(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err),
              0);
    CHECK_INT(l.n, 1);
    CHECK_STR(l.v[0].id, "wiki_" D2 "_" D3 "_" V1);
    vrv_meta_segment_list_free(&l);
    CHECK_INT(vrv_meta_segments_set_used_in_interval(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS,
                                                     true, &changed, &err),
              0);
    CHECK_INT(changed, 2);

    vrv_meta_str_list names = {0};
    CHECK_INT(vrv_meta_datasources(m, false, &names, &err), 0);
    CHECK_INT(names.n, 2);
    CHECK_STR(names.v[0], "other");
    CHECK_STR(names.v[1], "wiki");
    vrv_meta_str_list_free(&names);
    const char *other_ids[] = {"other_" D1 "_" D2 "_" V1};
    CHECK_INT(vrv_meta_segments_set_used(m, other_ids, 1, false, NULL, &err), 0);
    CHECK_INT(vrv_meta_datasources(m, false, &names, &err), 0);
    CHECK_INT(names.n, 1);
    CHECK_STR(names.v[0], "wiki");
    vrv_meta_str_list_free(&names);
    CHECK_INT(vrv_meta_datasources(m, true, &names, &err), 0);
    CHECK_INT(names.n, 2);
    vrv_meta_str_list_free(&names);

    size_t deleted = 0;
    CHECK_INT(vrv_meta_segments_delete(m, other_ids, 1, &deleted, &err), 0);
    CHECK_INT(deleted, 1);
    CHECK_INT(vrv_meta_datasources(m, true, &names, &err), 0);
    CHECK_INT(names.n, 1);
    vrv_meta_str_list_free(&names);

    /* bad requests name their field */
    const char *bad[] = {a, "{\"dataSource\":\"wiki\"}"};
    CHECK_INT(vrv_meta_segments_insert(m, bad, 2, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg,
              "publish.segments[1]: segment payload.interval: must be a string \"start/end\"");
    const char *mixed[] = {a, d};
    CHECK_INT(vrv_meta_segments_insert(m, mixed, 2, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "publish.segments[1]: dataSource [other] differs from [wiki]; one publish "
                       "commits one datasource");
    const char *dup[] = {c, c};
    CHECK_INT(vrv_meta_segments_insert(m, dup, 2, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "publish.segments[1]: segment [wiki_" D2 "_" D3 "_" V1 "] is listed twice");
    const char *noid[] = {""};
    CHECK_INT(vrv_meta_segments_set_used(m, noid, 1, true, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "ids[0]: must be a non-empty string");

    free(a);
    free(b);
    free(c);
    free(d);
    vrv_meta_close(m);
}

#define META0                                                                                      \
    "{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",\"stream\":\"t\",\"topic\":\"t\","       \
    "\"partitionSequenceNumberMap\":{\"0\":10},\"partitionOffsetMap\":{\"0\":10}}}"
#define META1                                                                                      \
    "{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",\"stream\":\"t\",\"topic\":\"t\","       \
    "\"partitionSequenceNumberMap\":{\"0\":20},\"partitionOffsetMap\":{\"0\":20}}}"
#define META2                                                                                      \
    "{\"type\":\"kafka\",\"partitions\":{\"type\":\"end\",\"stream\":\"t\",\"topic\":\"t\","       \
    "\"partitionSequenceNumberMap\":{\"0\":30},\"partitionOffsetMap\":{\"0\":30}}}"

static size_t count_used(vrv_meta *m, const char *ds)
{
    vrv_meta_segment_list l = {0};
    vrv_meta_segments_query(m, ds, VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, NULL);
    size_t n = l.n;
    vrv_meta_segment_list_free(&l);
    return n;
}

TEST(publish_compare_and_swap)
{
    vrv_meta *m = open_store("publish.db");
    vrv_error err = {0};
    char s0[VRV_SHA1_HEX_LEN + 1], s1[VRV_SHA1_HEX_LEN + 1];
    vrv_meta_payload_sha1(META0, s0);
    vrv_meta_payload_sha1(META1, s1);
    vrv_meta_payload_sha1("{\"type\":\"kafka\"}", s0);
    CHECK_STR(s0, "308C59B48F205C6DAF794730D845301A419DF6B2");
    vrv_meta_payload_sha1(META0, s0);

    char *a = seg_json("wiki", D1, D2, V1, 0, 0);
    char *b = seg_json("wiki", D1, D2, V1, 1, 0);
    const char *segs_a[] = {a};
    const char *segs_b[] = {b};

    /* first commit: no row may exist */
    vrv_meta_publish_req p = {.segments = segs_a,
                              .n_segments = 1,
                              .supervisor_id = "wiki_sup",
                              .expected_sha1 = NULL,
                              .new_metadata = META0};
    vrv_meta_publish_result res;
    CHECK_INT(vrv_meta_publish(m, &p, &res, &err), 0);
    CHECK_INT(res.inserted, 1);
    CHECK_STR(res.sha1, s0);
    vrv_meta_publish_result_free(&res);
    char *payload = NULL;
    char sha1[VRV_SHA1_HEX_LEN + 1];
    CHECK_INT(vrv_meta_commit_metadata_get(m, "wiki_sup", &payload, sha1, &err), 0);
    CHECK_STR(payload, META0);
    CHECK_STR(sha1, s0);
    free(payload);

    /* expecting "no row" again fails, writes nothing */
    p.segments = segs_b;
    CHECK_INT(vrv_meta_publish(m, &p, &res, &err), VRV_ECONFLICT);
    CHECK_INT(res.inserted, 0);
    CHECK_STR(res.sha1, s0);
    CHECK_INT(res.existing.n, 0);
    char expect_msg[256];
    snprintf(
        expect_msg, sizeof expect_msg,
        "commit metadata of [wiki_sup] is already stored (sha1 %s) but the publish expected none",
        s0);
    CHECK_STR(err.msg, expect_msg);
    vrv_meta_publish_result_free(&res);
    CHECK_INT(count_used(m, "wiki"), 1);

    /* a wrong expected hash fails, writes nothing */
    p.expected_sha1 = s1;
    p.new_metadata = META2;
    CHECK_INT(vrv_meta_publish(m, &p, &res, &err), VRV_ECONFLICT);
    snprintf(expect_msg, sizeof expect_msg,
             "commit metadata of [wiki_sup] has sha1 %s, the publish expected %s", s0, s1);
    CHECK_STR(err.msg, expect_msg);
    vrv_meta_publish_result_free(&res);
    CHECK_INT(count_used(m, "wiki"), 1);
    CHECK_INT(vrv_meta_commit_metadata_get(m, "wiki_sup", &payload, NULL, &err), 0);
    CHECK_STR(payload, META0);
    free(payload);

    /* the right one (any hex case) commits segments and metadata together */
    char lower[VRV_SHA1_HEX_LEN + 1];
    for (int i = 0; i <= VRV_SHA1_HEX_LEN; i++)
        lower[i] = (char)(s0[i] >= 'A' && s0[i] <= 'F' ? s0[i] + 32 : s0[i]);
    p.expected_sha1 = lower;
    p.new_metadata = META1;
    CHECK_INT(vrv_meta_publish(m, &p, &res, &err), 0);
    CHECK_INT(res.inserted, 1);
    CHECK_STR(res.sha1, s1);
    vrv_meta_publish_result_free(&res);
    CHECK_INT(count_used(m, "wiki"), 2);
    CHECK_INT(vrv_meta_commit_metadata_get(m, "wiki_sup", &payload, sha1, &err), 0);
    CHECK_STR(payload, META1);
    CHECK_STR(sha1, s1);
    free(payload);

    /* the replica that lost the race: same segments, same (now stale) start */
    CHECK_INT(vrv_meta_publish(m, &p, &res, &err), VRV_ECONFLICT);
    CHECK_INT(res.inserted, 0);
    CHECK_INT(res.existing.n, 1);
    CHECK_STR(res.existing.v[0], "wiki_" D1 "_" D2 "_" V1 "_1");
    CHECK_INT(res.existing_used.n, 1);
    CHECK_STR(res.sha1, s1);
    vrv_meta_publish_result_free(&res);

    /* metadata-only commit (an empty sequence still moves the offsets) */
    vrv_meta_publish_req meta_only = {
        .supervisor_id = "wiki_sup", .expected_sha1 = s1, .new_metadata = META2};
    CHECK_INT(vrv_meta_publish(m, &meta_only, NULL, &err), 0);
    CHECK_INT(vrv_meta_commit_metadata_get(m, "wiki_sup", &payload, NULL, &err), 0);
    CHECK_STR(payload, META2);
    free(payload);
    CHECK_INT(count_used(m, "wiki"), 2);

    /* a row expected but missing */
    vrv_meta_publish_req missing = {
        .supervisor_id = "other_sup", .expected_sha1 = s1, .new_metadata = META0};
    CHECK_INT(vrv_meta_publish(m, &missing, NULL, &err), VRV_ECONFLICT);
    snprintf(expect_msg, sizeof expect_msg,
             "commit metadata of [other_sup] is not stored but the publish expected sha1 %s", s1);
    CHECK_STR(err.msg, expect_msg);

    /* argument errors */
    vrv_meta_publish_req empty = {0};
    CHECK_INT(vrv_meta_publish(m, &empty, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "publish: nothing to commit (no segments, no supervisor)");
    vrv_meta_publish_req badmeta = {.supervisor_id = "x", .new_metadata = "{nope"};
    CHECK_INT(vrv_meta_publish(m, &badmeta, NULL, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "publish.newMetadata: invalid JSON at line 1") == err.msg);

    /* reset paths */
    CHECK_INT(vrv_meta_commit_metadata_set(m, "wiki_sup", META0, &err), 0);
    CHECK_INT(vrv_meta_commit_metadata_get(m, "wiki_sup", NULL, sha1, &err), 0);
    CHECK_STR(sha1, s0);
    CHECK_INT(vrv_meta_commit_metadata_set(m, "fresh", META1, &err), 0);
    CHECK_INT(vrv_meta_commit_metadata_get(m, "fresh", NULL, sha1, &err), 0);
    CHECK_STR(sha1, s1);
    bool deleted = false;
    CHECK_INT(vrv_meta_commit_metadata_delete(m, "wiki_sup", &deleted, &err), 0);
    CHECK(deleted);
    CHECK_INT(vrv_meta_commit_metadata_delete(m, "wiki_sup", &deleted, &err), 0);
    CHECK(!deleted);
    CHECK_INT(vrv_meta_commit_metadata_get(m, "wiki_sup", &payload, sha1, &err), VRV_ENOTFOUND);
    CHECK(payload == NULL);
    CHECK_STR(err.msg, "no commit metadata is stored for [wiki_sup]");
    /* after a hard reset the next publish starts fresh */
    p.expected_sha1 = NULL;
    CHECK_INT(vrv_meta_publish(m, &p, &res, &err), 0);
    CHECK_INT(res.inserted, 0);
    CHECK_INT(res.existing.n, 1);
    vrv_meta_publish_result_free(&res);

    free(a);
    free(b);
    vrv_meta_close(m);
}

/* Publishers racing from the same start: exactly one commits. */
typedef struct racer {
    vrv_meta *m; /* shared store, or NULL to open an own handle */
    const char *path;
    int index;
    const char *expected;
    pthread_barrier_t *go;
    int rc;
    size_t inserted;
} racer;

static void *race(void *arg)
{
    racer *r = arg;
    vrv_meta *m = r->m;
    vrv_meta_sqlite_opts o = {.clock = test_clock, .busy_timeout_ms = 20000};
    if (!m && vrv_meta_open_sqlite(r->path, &o, &m, NULL) != 0) {
        r->rc = -100;
        pthread_barrier_wait(r->go);
        return NULL;
    }
    char *seg = seg_json("race", D1, D2, V1, r->index, 0);
    char meta[128];
    snprintf(meta, sizeof meta, "{\"type\":\"kafka\",\"winner\":%d}", r->index);
    const char *segs[] = {seg};
    vrv_meta_publish_req p = {.segments = segs,
                              .n_segments = 1,
                              .supervisor_id = "race_sup",
                              .expected_sha1 = r->expected,
                              .new_metadata = meta};
    vrv_meta_publish_result res;
    pthread_barrier_wait(r->go);
    vrv_error err = {0};
    r->rc = vrv_meta_publish(m, &p, &res, &err);
    r->inserted = res.inserted;
    vrv_meta_publish_result_free(&res);
    free(seg);
    if (!r->m) vrv_meta_close(m);
    return NULL;
}

static void run_race(bool shared)
{
    enum { N = 8 };
    const char *path = db_path(shared ? "race_shared.db" : "race_handles.db");
    vrv_meta_sqlite_opts o = {.clock = test_clock};
    vrv_meta *m = NULL;
    CHECK_INT(vrv_meta_open_sqlite(path, &o, &m, NULL), 0);
    CHECK_INT(vrv_meta_commit_metadata_set(m, "race_sup", META0, NULL), 0);
    char s0[VRV_SHA1_HEX_LEN + 1];
    vrv_meta_payload_sha1(META0, s0);
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, N);
    racer r[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        r[i] = (racer){shared ? m : NULL, path, i, s0, &go, 0, 0};
        pthread_create(&th[i], NULL, race, &r[i]);
    }
    int wins = 0, conflicts = 0, winner = -1;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        if (r[i].rc == 0) {
            wins++;
            winner = i;
            CHECK_INT(r[i].inserted, 1);
        } else if (r[i].rc == VRV_ECONFLICT) {
            conflicts++;
            CHECK_INT(r[i].inserted, 0);
        }
    }
    pthread_barrier_destroy(&go);
    CHECK_INT(wins, 1);
    CHECK_INT(conflicts, N - 1);
    /* only the winner's segment and metadata are stored */
    vrv_meta_segment_list l = {0};
    CHECK_INT(vrv_meta_segments_query(m, "race", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, NULL),
              0);
    CHECK_INT(l.n, 1);
    if (l.n == 1) CHECK_INT(l.v[0].partition_num, winner);
    vrv_meta_segment_list_free(&l);
    char *payload = NULL;
    CHECK_INT(vrv_meta_commit_metadata_get(m, "race_sup", &payload, NULL, NULL), 0);
    char want[128];
    snprintf(want, sizeof want, "{\"type\":\"kafka\",\"winner\":%d}", winner);
    CHECK_STR(payload, want);
    free(payload);
    vrv_meta_close(m);
}

TEST(publish_race_shared_handle)
{
    run_race(true);
}

TEST(publish_race_separate_handles)
{
    run_race(false);
}

TEST(pending_allocation)
{
    vrv_meta *m = open_store("pending.db");
    vrv_error err = {0};
    vrv_meta_alloc a = {.data_source = "wiki",
                        .start = D1,
                        .end = D2,
                        .sequence_name = "index_kafka_wiki_abc_0",
                        .skip_lineage_check = true,
                        .version = V1,
                        .task_allocator_id = "group_0"};
    vrv_meta_pending p1, p2, p3;
    CHECK_INT(vrv_meta_pending_allocate(m, &a, &p1, &err), 0);
    CHECK_STR(p1.id, "wiki_" D1 "_" D2 "_" V1);
    CHECK_STR(p1.version, V1);
    CHECK_INT(p1.partition_num, 0);
    CHECK_INT(p1.core_partitions, 0);
    CHECK_STR(p1.sequence_prev_id, "");
    CHECK_STR(p1.task_allocator_id, "group_0");
    CHECK_STR(p1.payload, "{\"dataSource\":\"wiki\",\"interval\":\"" D1 "/" D2
                          "\",\"version\":\"" V1 "\",\"shardSpec\":{\"type\":\"numbered\","
                          "\"partitionNum\":0,\"partitions\":0}}");
    CHECK_STR(p1.created_date, "2023-11-14T22:13:20.000Z");

    /* the same sequence and interval (a replica, a restart) gets the same id,
     * whatever previous id or lock version it names */
    a.previous_segment_id = "something";
    a.version = V2;
    CHECK_INT(vrv_meta_pending_allocate(m, &a, &p2, &err), 0);
    CHECK_STR(p2.id, p1.id);
    vrv_meta_pending_clear(&p2);

    /* another sequence in the same interval gets the next partition */
    a.sequence_name = "index_kafka_wiki_abc_1";
    CHECK_INT(vrv_meta_pending_allocate(m, &a, &p2, &err), 0);
    CHECK_STR(p2.id, "wiki_" D1 "_" D2 "_" V1 "_1");
    CHECK_INT(p2.partition_num, 1);
    CHECK_STR(p2.version, V1);

    /* the unique key is Druid's sequence_name_prev_id_sha1 */
    char key[VRV_SHA1_HEX_LEN + 1];
    vrv_meta_pending_key_sha1("index_kafka_wiki_abc_0", "", true, MS_D1, MS_D1 + 3600000, V1, key);
    CHECK_STR(key, "DD97D954A85CE49BBF8335E47C417A2A154BE576");
    vrv_meta_pending_key_sha1("seqA", "prevId", false, 0, 0, "v1", key);
    CHECK_STR(key, "F1FF9D85AC69946107A841CFC1422A490F52E048");

    /* publish partitions 0 and 1 of V1 with core 2; a new sequence appends 2 */
    char *s0 = seg_json("wiki", D1, D2, V1, 0, 2);
    char *s1 = seg_json("wiki", D1, D2, V1, 1, 2);
    const char *segs[] = {s0, s1};
    CHECK_INT(vrv_meta_segments_insert(m, segs, 2, NULL, &err), 0);
    a.sequence_name = "index_kafka_wiki_abc_2";
    a.version = V2; /* a newer lock version does not matter: the chunk's version wins */
    CHECK_INT(vrv_meta_pending_allocate(m, &a, &p3, &err), 0);
    CHECK_STR(p3.id, "wiki_" D1 "_" D2 "_" V1 "_2");
    CHECK_INT(p3.core_partitions, 2);
    CHECK_STR(p3.version, V1);
    vrv_meta_pending_clear(&p3);

    /* an hour inside a day-long chunk conflicts with it */
    vrv_meta_alloc hour = a;
    hour.sequence_name = "seq_hour";
    hour.end = H1;
    CHECK_INT(vrv_meta_pending_allocate(m, &hour, &p3, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "cannot allocate a segment of [wiki] in [" D1 "/" H1 "]: it conflicts with "
                       "segment interval [" D1 "/" D2 "] of version [" V1 "]");
    CHECK(p3.id == NULL);

    /* a two-day interval spans two chunks once the second day has segments */
    char *s2 = seg_json("wiki", D2, D3, V2, 0, 0);
    const char *segs2[] = {s2};
    CHECK_INT(vrv_meta_segments_insert(m, segs2, 1, NULL, &err), 0);
    vrv_meta_alloc two = a;
    two.sequence_name = "seq_two_days";
    two.end = D3;
    CHECK_INT(vrv_meta_pending_allocate(m, &two, &p3, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "cannot allocate a segment of [wiki] in [" D1 "/" D3 "]: the interval "
                       "already holds 2 time chunks");

    /* lineage mode: keyed by (sequence, previous id) */
    vrv_meta_alloc lin = {.data_source = "batch",
                          .start = D1,
                          .end = D2,
                          .sequence_name = "s",
                          .previous_segment_id = NULL,
                          .skip_lineage_check = false,
                          .version = V1};
    vrv_meta_pending l1, l2;
    CHECK_INT(vrv_meta_pending_allocate(m, &lin, &l1, &err), 0);
    CHECK_STR(l1.sequence_prev_id, "");
    lin.previous_segment_id = l1.id;
    CHECK_INT(vrv_meta_pending_allocate(m, &lin, &l2, &err), 0);
    CHECK_STR(l2.id, "batch_" D1 "_" D2 "_" V1 "_1");
    CHECK_STR(l2.sequence_prev_id, l1.id);
    vrv_meta_pending_clear(&l2);
    CHECK_INT(vrv_meta_pending_allocate(m, &lin, &l2, &err), 0);
    CHECK_STR(l2.id, "batch_" D1 "_" D2 "_" V1 "_1");
    vrv_meta_pending_clear(&l2);
    /* the same (sequence, previous id) asked for another interval: clash */
    lin.start = D2;
    lin.end = D3;
    CHECK_INT(vrv_meta_pending_allocate(m, &lin, &l2, &err), VRV_ECONFLICT);
    vrv_meta_pending_clear(&l1);

    /* query and cleanup */
    vrv_meta_pending_list pl = {0};
    CHECK_INT(vrv_meta_pending_query(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, &pl, &err), 0);
    CHECK_INT(pl.n, 3);
    CHECK_STR(pl.v[0].id, p1.id);
    CHECK_STR(pl.v[2].id, "wiki_" D1 "_" D2 "_" V1 "_2");
    CHECK_STR(pl.v[0].sequence_name, "index_kafka_wiki_abc_0");
    vrv_meta_pending_list_free(&pl);
    size_t n = 0;
    CHECK_INT(vrv_meta_pending_delete_allocator(m, "group_0", &n, &err), 0);
    CHECK_INT(n, 3);
    CHECK_INT(vrv_meta_pending_delete(m, "batch", 1700000000000, 1700000000001, &n, &err), 0);
    CHECK_INT(n, 2);
    CHECK_INT(vrv_meta_pending_delete(m, "batch", VRV_META_MIN_MS, VRV_META_MAX_MS, &n, &err), 0);
    CHECK_INT(n, 0);

    /* bad requests */
    vrv_meta_alloc bad = a;
    bad.start = "2021-03-04";
    CHECK_INT(vrv_meta_pending_allocate(m, &bad, &p3, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "allocate.interval: start [2021-03-04] is not an instant like "
                       "2021-03-04T00:00:00.000Z");
    bad = a;
    bad.end = D1;
    CHECK_INT(vrv_meta_pending_allocate(m, &bad, &p3, &err), VRV_EINVAL);
    bad = a;
    bad.sequence_name = NULL;
    CHECK_INT(vrv_meta_pending_allocate(m, &bad, &p3, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "allocate.sequenceName: must be a non-empty string");

    vrv_meta_pending_clear(&p1);
    vrv_meta_pending_clear(&p2);
    free(s0);
    free(s1);
    free(s2);
    vrv_meta_close(m);
}

TEST(pending_after_unused_version)
{
    /* All segments of a prior concurrent append were marked unused: the first
     * new id of the interval takes a fresh "S"-suffixed version. */
    vrv_meta *m = open_store("pending_unused.db");
    vrv_error err = {0};
    const char *cv = "1970-01-01T00:00:00.000Z";
    char *s0 = seg_json("wiki", D1, D2, cv, 0, 0);
    const char *segs[] = {s0};
    CHECK_INT(vrv_meta_segments_insert(m, segs, 1, NULL, &err), 0);
    const char *ids[] = {"wiki_" D1 "_" D2 "_1970-01-01T00:00:00.000Z"};
    CHECK_INT(vrv_meta_segments_set_used(m, ids, 1, false, NULL, &err), 0);
    vrv_meta_alloc a = {.data_source = "wiki",
                        .start = D1,
                        .end = D2,
                        .sequence_name = "s",
                        .skip_lineage_check = true,
                        .version = cv};
    vrv_meta_pending p;
    CHECK_INT(vrv_meta_pending_allocate(m, &a, &p, &err), 0);
    CHECK_STR(p.version, "1970-01-01T00:00:00.000ZS");
    vrv_meta_pending_clear(&p);
    /* with an ordinary version the clash is an error */
    char *s1 = seg_json("wiki2", D1, D2, V1, 0, 0);
    const char *segs1[] = {s1};
    CHECK_INT(vrv_meta_segments_insert(m, segs1, 1, NULL, &err), 0);
    const char *ids1[] = {"wiki2_" D1 "_" D2 "_" V1};
    CHECK_INT(vrv_meta_segments_set_used(m, ids1, 1, false, NULL, &err), 0);
    a.data_source = "wiki2";
    a.version = V1;
    CHECK_INT(vrv_meta_pending_allocate(m, &a, &p, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg,
              "cannot allocate a segment of [wiki2] in [" D1 "/" D2 "]: unused segments of "
              "version [" V1 "] exist in this interval; kill them first");
    free(s0);
    free(s1);
    vrv_meta_close(m);
}

TEST(supervisors)
{
    vrv_meta *m = open_store("supervisors.db");
    vrv_error err = {0};
    CHECK_INT(vrv_meta_supervisor_insert(m, "wiki", "{\"type\":\"kafka\",\"v\":1}", &err), 0);
    atomic_store(&fake_now, 1700000001000);
    CHECK_INT(vrv_meta_supervisor_insert(m, "clicks", "{\"type\":\"kinesis\",\"v\":1}", &err), 0);
    atomic_store(&fake_now, 1700000002000);
    CHECK_INT(vrv_meta_supervisor_insert(m, "wiki", "{\"type\":\"kafka\",\"v\":2}", &err), 0);

    vrv_meta_supervisor_list l = {0};
    CHECK_INT(vrv_meta_supervisor_latest(m, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[0].spec_id, "clicks");
    CHECK_STR(l.v[1].spec_id, "wiki");
    CHECK_STR(l.v[1].payload, "{\"type\":\"kafka\",\"v\":2}");
    CHECK_STR(l.v[1].created_date, "2023-11-14T22:13:22.000Z");
    CHECK(!l.v[1].tombstone);
    vrv_meta_supervisor_list_free(&l);

    CHECK_INT(vrv_meta_supervisor_history(m, "wiki", 0, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[0].payload, "{\"type\":\"kafka\",\"v\":2}");
    CHECK_STR(l.v[1].payload, "{\"type\":\"kafka\",\"v\":1}");
    CHECK(l.v[0].row_id > l.v[1].row_id);
    vrv_meta_supervisor_list_free(&l);
    CHECK_INT(vrv_meta_supervisor_history(m, "wiki", 1, &l, &err), 0);
    CHECK_INT(l.n, 1);
    vrv_meta_supervisor_list_free(&l);
    CHECK_INT(vrv_meta_supervisor_history(m, NULL, 0, &l, &err), 0);
    CHECK_INT(l.n, 3);
    CHECK_STR(l.v[1].spec_id, "clicks");
    vrv_meta_supervisor_list_free(&l);
    CHECK_INT(vrv_meta_supervisor_history(m, "none", 0, &l, &err), 0);
    CHECK_INT(l.n, 0);
    vrv_meta_supervisor_list_free(&l);

    /* terminate: a tombstone, history kept */
    CHECK_INT(vrv_meta_supervisor_tombstone(m, "wiki", "[\"wiki\"]", &err), 0);
    CHECK_INT(vrv_meta_supervisor_latest(m, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK(l.v[1].tombstone);
    CHECK(!l.v[0].tombstone);
    CHECK_STR(l.v[1].payload, "{\"type\":\"NoopSupervisorSpec\",\"id\":null,\"dataSources\":"
                              "[\"wiki\"],\"suspended\":false,\"source\":\"noop\"}");
    vrv_meta_supervisor_list_free(&l);
    CHECK_INT(vrv_meta_supervisor_history(m, "wiki", 0, &l, &err), 0);
    CHECK_INT(l.n, 3);
    vrv_meta_supervisor_list_free(&l);
    CHECK_INT(vrv_meta_supervisor_tombstone(m, "clicks", NULL, &err), 0);
    CHECK_INT(vrv_meta_supervisor_tombstone(m, "clicks", "{}", &err), VRV_EINVAL);
    CHECK_STR(err.msg, "dataSources: must be a JSON array of names");

    CHECK_INT(vrv_meta_supervisor_insert(m, "wiki", "not json", &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "supervisor spec: invalid JSON") == err.msg);
    CHECK_INT(vrv_meta_supervisor_insert(m, "", "{}", &err), VRV_EINVAL);
    CHECK_STR(err.msg, "supervisor id: must be a non-empty string");
    vrv_meta_close(m);
}

TEST(tasks_and_locks)
{
    vrv_meta *m = open_store("tasks.db");
    vrv_error err = {0};
    vrv_meta_task t1 = {.id = "t1",
                        .created_date = "2024-01-01T00:00:00.000Z",
                        .datasource = "wiki",
                        .type = "index_kafka",
                        .group_id = "index_kafka_wiki",
                        .payload = "{\"id\":\"t1\"}",
                        .status_payload = "{\"id\":\"t1\",\"status\":\"RUNNING\"}",
                        .active = true};
    vrv_meta_task t2 = t1;
    t2.id = "t2";
    t2.created_date = "2024-01-02T00:00:00.000Z";
    vrv_meta_task t3 = t1;
    t3.id = "t3";
    t3.created_date = "2024-01-03T00:00:00.000Z";
    t3.datasource = "clicks";
    vrv_meta_task t4 = t1;
    t4.id = "t4";
    t4.created_date = NULL; /* now */
    CHECK_INT(vrv_meta_task_insert(m, &t1, &err), 0);
    CHECK_INT(vrv_meta_task_insert(m, &t2, &err), 0);
    CHECK_INT(vrv_meta_task_insert(m, &t3, &err), 0);
    CHECK_INT(vrv_meta_task_insert(m, &t4, &err), 0);
    CHECK_INT(vrv_meta_task_insert(m, &t1, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "Task [t1] already exists");

    vrv_meta_task got;
    CHECK_INT(vrv_meta_task_get(m, "t4", &got, &err), 0);
    CHECK_STR(got.created_date, "2023-11-14T22:13:20.000Z");
    CHECK_STR(got.type, "index_kafka");
    CHECK_STR(got.group_id, "index_kafka_wiki");
    CHECK(got.active);
    vrv_meta_task_clear(&got);
    CHECK_INT(vrv_meta_task_get(m, "zz", &got, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "task [zz] does not exist");

    CHECK_INT(
        vrv_meta_task_set_status(m, "t2", "{\"id\":\"t2\",\"status\":\"SUCCESS\"}", false, &err),
        0);
    CHECK_INT(
        vrv_meta_task_set_status(m, "t1", "{\"id\":\"t1\",\"status\":\"FAILED\"}", false, &err), 0);
    /* a complete task stays complete */
    CHECK_INT(vrv_meta_task_set_status(m, "t2", "{\"status\":\"RUNNING\"}", true, &err),
              VRV_ECONFLICT);
    CHECK_STR(err.msg, "task [t2] is already complete");
    CHECK_INT(vrv_meta_task_set_status(m, "zz", "{}", true, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_meta_task_get(m, "t2", &got, &err), 0);
    CHECK_STR(got.status_payload, "{\"id\":\"t2\",\"status\":\"SUCCESS\"}");
    CHECK(!got.active);
    vrv_meta_task_clear(&got);

    vrv_meta_task_list l = {0};
    vrv_meta_task_filter f = {.state = VRV_META_TASKS_ACTIVE};
    CHECK_INT(vrv_meta_tasks(m, &f, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[0].id, "t4"); /* oldest first: t4 was created "now", in 2023 */
    CHECK_STR(l.v[1].id, "t3");
    vrv_meta_task_list_free(&l);
    f.state = VRV_META_TASKS_COMPLETE;
    CHECK_INT(vrv_meta_tasks(m, &f, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[0].id, "t2"); /* newest first */
    CHECK_STR(l.v[1].id, "t1");
    vrv_meta_task_list_free(&l);
    f.limit = 1;
    CHECK_INT(vrv_meta_tasks(m, &f, &l, &err), 0);
    CHECK_INT(l.n, 1);
    CHECK_STR(l.v[0].id, "t2");
    vrv_meta_task_list_free(&l);
    f = (vrv_meta_task_filter){.datasource = "clicks"};
    CHECK_INT(vrv_meta_tasks(m, &f, &l, &err), 0);
    CHECK_INT(l.n, 1);
    CHECK_STR(l.v[0].id, "t3");
    vrv_meta_task_list_free(&l);
    f = (vrv_meta_task_filter){.created_after = "2024-01-02T00:00:00.000Z"};
    CHECK_INT(vrv_meta_tasks(m, &f, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[0].id, "t2");
    CHECK_STR(l.v[1].id, "t3");
    vrv_meta_task_list_free(&l);
    CHECK_INT(vrv_meta_tasks(m, NULL, &l, &err), 0);
    CHECK_INT(l.n, 4);
    vrv_meta_task_list_free(&l);
    f.created_after = "yesterday";
    CHECK_INT(vrv_meta_tasks(m, &f, &l, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "createdAfter: [yesterday] is not an instant like 2021-03-04T00:00:00.000Z");

    /* locks */
    int64_t l1 = 0, l2 = 0, l3 = 0;
    CHECK_INT(vrv_meta_lock_add(m, "nope", "{}", &l1, &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "task [nope] does not exist");
    CHECK_INT(vrv_meta_lock_add(m, "t3", "{\"type\":\"timeChunk\",\"v\":1}", &l1, &err), 0);
    CHECK_INT(vrv_meta_lock_add(m, "t3", "{\"type\":\"timeChunk\",\"v\":2}", &l2, &err), 0);
    CHECK_INT(vrv_meta_lock_add(m, "t1", "{\"type\":\"timeChunk\",\"v\":3}", &l3, &err), 0);
    CHECK(l1 > 0 && l2 > l1 && l3 > l2);
    CHECK_INT(vrv_meta_lock_replace(m, l2, "{\"type\":\"timeChunk\",\"v\":22}", &err), 0);
    vrv_meta_task_lock_list ll = {0};
    CHECK_INT(vrv_meta_locks_of_task(m, "t3", &ll, &err), 0);
    CHECK_INT(ll.n, 2);
    CHECK_INT(ll.v[0].id, l1);
    CHECK_STR(ll.v[1].payload, "{\"type\":\"timeChunk\",\"v\":22}");
    CHECK_STR(ll.v[1].task_id, "t3");
    vrv_meta_task_lock_list_free(&ll);
    /* t1 is complete: its lock is not active */
    CHECK_INT(vrv_meta_locks_active(m, &ll, &err), 0);
    CHECK_INT(ll.n, 2);
    vrv_meta_task_lock_list_free(&ll);
    CHECK_INT(vrv_meta_lock_remove(m, l1, &err), 0);
    CHECK_INT(vrv_meta_lock_remove(m, l1, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_meta_lock_replace(m, 9999, "{}", &err), VRV_ENOTFOUND);
    CHECK_STR(err.msg, "task lock 9999 does not exist");
    CHECK_INT(vrv_meta_locks_active(m, &ll, &err), 0);
    CHECK_INT(ll.n, 1);
    CHECK_INT(ll.v[0].id, l2);
    vrv_meta_task_lock_list_free(&ll);

    /* removing old complete tasks takes their locks too */
    size_t n = 0;
    CHECK_INT(vrv_meta_task_delete_complete_before(m, "2024-01-02T00:00:00.000Z", &n, &err), 0);
    CHECK_INT(n, 1);
    CHECK_INT(vrv_meta_task_get(m, "t1", &got, &err), VRV_ENOTFOUND);
    CHECK_INT(vrv_meta_locks_of_task(m, "t1", &ll, &err), 0);
    CHECK_INT(ll.n, 0);
    vrv_meta_task_lock_list_free(&ll);

    vrv_meta_task bad = t1;
    bad.id = "bad";
    bad.payload = "{";
    CHECK_INT(vrv_meta_task_insert(m, &bad, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "task.payload: invalid JSON") == err.msg);
    bad.payload = "{}";
    bad.created_date = "2024-01-01";
    CHECK_INT(vrv_meta_task_insert(m, &bad, &err), VRV_EINVAL);
    CHECK_STR(err.msg,
              "task.createdDate: [2024-01-01] is not an instant like 2021-03-04T00:00:00.000Z");
    vrv_meta_close(m);
}

TEST(audit)
{
    vrv_meta *m = open_store("audit.db");
    vrv_error err = {0};
    vrv_meta_audit a = {.audit_key = "wiki",
                        .type = "supervisor",
                        .author = "alice",
                        .comment = "first",
                        .payload = "{\"spec\":1}"};
    int64_t id1 = 0, id2 = 0, id3 = 0;
    CHECK_INT(vrv_meta_audit_insert(m, &a, &id1, &err), 0);
    atomic_store(&fake_now, 1700000005000);
    a.comment = NULL;
    a.author = NULL;
    a.payload = "{\"spec\":2}";
    CHECK_INT(vrv_meta_audit_insert(m, &a, &id2, &err), 0);
    a.audit_key = "clicks";
    a.type = "rules";
    a.created_date = "2020-01-01T00:00:00.000Z";
    CHECK_INT(vrv_meta_audit_insert(m, &a, &id3, &err), 0);
    vrv_meta_audit_list l = {0};
    CHECK_INT(vrv_meta_audit_query(m, "wiki", NULL, NULL, 0, &l, &err), 0);
    CHECK_INT(l.n, 2);
    CHECK_INT(l.v[0].id, id2);
    CHECK_STR(l.v[0].author, "");
    CHECK_STR(l.v[0].created_date, "2023-11-14T22:13:25.000Z");
    CHECK_STR(l.v[1].comment, "first");
    CHECK_STR(l.v[1].author, "alice");
    vrv_meta_audit_list_free(&l);
    CHECK_INT(vrv_meta_audit_query(m, NULL, "rules", NULL, 0, &l, &err), 0);
    CHECK_INT(l.n, 1);
    CHECK_STR(l.v[0].audit_key, "clicks");
    vrv_meta_audit_list_free(&l);
    CHECK_INT(vrv_meta_audit_query(m, NULL, NULL, "2021-01-01T00:00:00.000Z", 0, &l, &err), 0);
    CHECK_INT(l.n, 2);
    vrv_meta_audit_list_free(&l);
    CHECK_INT(vrv_meta_audit_query(m, NULL, NULL, NULL, 1, &l, &err), 0);
    CHECK_INT(l.n, 1);
    CHECK_INT(l.v[0].id, id2);
    vrv_meta_audit_list_free(&l);
    a.payload = "nope";
    CHECK_INT(vrv_meta_audit_insert(m, &a, NULL, &err), VRV_EINVAL);
    a.payload = "{}";
    a.type = NULL;
    CHECK_INT(vrv_meta_audit_insert(m, &a, NULL, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "audit.type: must be a non-empty string");
    vrv_meta_close(m);
}

TEST(locked_database)
{
    const char *path = db_path("locked.db");
    vrv_meta_sqlite_opts o = {.clock = test_clock, .busy_timeout_ms = 100};
    vrv_meta *m = NULL;
    vrv_error err = {0};
    CHECK_INT(vrv_meta_open_sqlite(path, &o, &m, &err), 0);
    /* another process holds the write lock */
    sqlite3 *other;
    CHECK_INT(sqlite3_open(path, &other), SQLITE_OK);
    CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(vrv_meta_supervisor_insert(m, "wiki", "{}", &err), VRV_EAGAIN);
    char want[600];
    snprintf(want, sizeof want,
             "metadata store %s: begin transaction: the database is locked by another writer "
             "(waited 100 ms)",
             path);
    CHECK_STR(err.msg, want);
    vrv_meta_publish_req p = {.supervisor_id = "s", .new_metadata = "{}"};
    CHECK_INT(vrv_meta_publish(m, &p, NULL, &err), VRV_EAGAIN);
    /* readers are not blocked in WAL mode */
    vrv_meta_supervisor_list l = {0};
    CHECK_INT(vrv_meta_supervisor_latest(m, &l, &err), 0);
    vrv_meta_supervisor_list_free(&l);
    CHECK_INT(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(other);
    CHECK_INT(vrv_meta_supervisor_insert(m, "wiki", "{}", &err), 0);
    vrv_meta_close(m);
}

TEST(not_a_database)
{
    const char *path = db_path("garbage.db");
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < 4096; i++) fputc((i * 7919) & 0xff, f);
    fclose(f);
    vrv_meta *m = NULL;
    vrv_error err = {0};
    CHECK_INT(vrv_meta_open_sqlite(path, NULL, &m, &err), VRV_EIO);
    CHECK(m == NULL);
    CHECK(strstr(err.msg, "the database file is corrupt or not a database") != NULL);
}

TEST(corrupt_database)
{
    const char *path = db_path("corrupt.db");
    vrv_meta *m = NULL;
    vrv_error err = {0};
    vrv_meta_sqlite_opts o = {.clock = test_clock};
    CHECK_INT(vrv_meta_open_sqlite(path, &o, &m, &err), 0);
    char *segs[200];
    for (int i = 0; i < 200; i++) segs[i] = seg_json("wiki", D1, D2, V1, i, 0);
    CHECK_INT(vrv_meta_segments_insert(m, (const char *const *)segs, 200, NULL, &err), 0);
    for (int i = 0; i < 200; i++) free(segs[i]);
    vrv_meta_close(m); /* checkpoints the WAL into the file */

    /* overwrite the b-tree pages after the header page */
    int fd = open(path, O_WRONLY);
    CHECK(fd >= 0);
    char junk[4096];
    memset(junk, 0xA5, sizeof junk);
    for (int page = 1; page < 40; page++)
        if (pwrite(fd, junk, sizeof junk, (off_t)page * 4096) < 0) break;
    close(fd);

    int rc = vrv_meta_open_sqlite(path, &o, &m, &err);
    if (rc == 0) {
        vrv_meta_segment_list l = {0};
        rc = vrv_meta_segments_query(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err);
        vrv_meta_segment_list_free(&l);
        vrv_meta_close(m);
    }
    CHECK_INT(rc, VRV_EIO);
    CHECK(strstr(err.msg, "corrupt") != NULL);
}

TEST(publish_drops_in_same_transaction)
{
    vrv_meta *m = open_store("drop.db");
    vrv_error err = {0};
    char *a = seg_json("wiki", D1, D2, V1, 0, 1);
    char *b = seg_json("wiki", D2, D3, V1, 0, 1);
    char *c = seg_json("wiki", D1, D2, V2, 0, 1);
    const char *old[] = {a, b};
    CHECK_INT(vrv_meta_segments_insert(m, old, 2, NULL, &err), 0);
    /* A reindex of D1 at V2 that also drops D2's segment (dropExisting). */
    const char *segs[] = {c};
    const char *drop[] = {"wiki_" D2 "_" D3 "_" V1, "wiki_unknown"};
    vrv_meta_publish_req p = {.segments = segs, .n_segments = 1, .drop_ids = drop, .n_drop = 2};
    vrv_meta_publish_result res;
    CHECK_INT(vrv_meta_publish(m, &p, &res, &err), 0);
    CHECK_INT(res.inserted, 1);
    CHECK_INT(res.dropped, 1);
    vrv_meta_publish_result_free(&res);
    vrv_meta_segment_list l = {0};
    CHECK_INT(vrv_meta_segments_query(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err),
              0);
    CHECK_INT(l.n, 2);
    CHECK_STR(l.v[0].id, "wiki_" D1 "_" D2 "_" V1);
    CHECK_STR(l.v[1].id, "wiki_" D1 "_" D2 "_" V2);
    vrv_meta_segment_list_free(&l);
    /* Only drops: allowed. A failing publish drops nothing. */
    const char *drop2[] = {"wiki_" D1 "_" D2 "_" V1};
    vrv_meta_publish_req p2 = {.drop_ids = drop2, .n_drop = 1};
    CHECK_INT(vrv_meta_publish(m, &p2, &res, &err), 0);
    CHECK_INT(res.dropped, 1);
    vrv_meta_publish_result_free(&res);
    const char *bad[] = {"{}"};
    const char *drop3[] = {"wiki_" D1 "_" D2 "_" V2};
    vrv_meta_publish_req p3 = {.segments = bad, .n_segments = 1, .drop_ids = drop3, .n_drop = 1};
    CHECK(vrv_meta_publish(m, &p3, &res, &err) < 0);
    vrv_meta_publish_result_free(&res);
    CHECK_INT(vrv_meta_segments_query(m, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err),
              0);
    CHECK_INT(l.n, 1);
    vrv_meta_segment_list_free(&l);
    free(a);
    free(b);
    free(c);
    vrv_meta_close(m);
}
