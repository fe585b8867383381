/*
 * test_overlord.c — the task queue and runner with stand-in task processes
 * (small shell scripts playing `varve task`): states, slots, locks and their
 * conflicts, segment allocation and the publish action's lock check,
 * dropExisting in the publish transaction, shutdown, a process killed with
 * SIGKILL, a status file left by a successful process, and a restart that
 * requeues what never started.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/mem.h"
#include "base/time.h"
#include "overlord/overlord.h"
#include "test.h"

static char *script(const char *name, const char *body)
{
    char *p = vrv_malloc(512);
    snprintf(p, 512, "%s/%s.sh", vrv_test_tmpdir(), name);
    FILE *f = fopen(p, "w");
    fprintf(f, "#!/bin/sh\n%s\n", body);
    fclose(f);
    chmod(p, 0755);
    return p;
}

static vrv_meta *open_meta(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s.db", vrv_test_tmpdir(), name);
    vrv_meta *m = NULL;
    vrv_error err;
    CHECK_INT(vrv_meta_open_sqlite(path, NULL, &m, &err), 0);
    return m;
}

static vrv_overlord *start(vrv_meta *m, const char *exe, const char *dir, int slots)
{
    vrv_overlord_config cfg = {.task_dir = dir, .exe = exe, .slots = slots,
                               .shutdown_timeout_ms = 2000, .lock_timeout_ms = 300};
    vrv_overlord *o = NULL;
    vrv_error err;
    CHECK_INT(vrv_overlord_new(&cfg, m, &o, &err), 0);
    CHECK_INT(vrv_overlord_start(o, "http://127.0.0.1:1", &err), 0);
    return o;
}

static json_t *spec(const char *id, const char *ds, const char *intervals, bool drop)
{
    char buf[2048];
    snprintf(buf, sizeof buf,
             "{\"type\":\"index_parallel\",%s%s%s\"spec\":{\"dataSchema\":{\"dataSource\":\"%s\","
             "\"timestampSpec\":{\"column\":\"ts\"},\"dimensionsSpec\":{\"dimensions\":[\"d\"]},"
             "\"granularitySpec\":{\"segmentGranularity\":\"DAY\"%s%s}},"
             "\"ioConfig\":{\"type\":\"index_parallel\",\"inputSource\":{\"type\":\"inline\","
             "\"data\":\"{}\"},\"inputFormat\":{\"type\":\"json\"},\"dropExisting\":%s}}}",
             id ? "\"id\":\"" : "", id ? id : "", id ? "\"," : "", ds,
             intervals ? ",\"intervals\":" : "", intervals ? intervals : "", drop ? "true" : "false");
    json_error_t je;
    json_t *j = json_loads(buf, 0, &je);
    if (!j) fprintf(stderr, "bad spec: %s\n", je.text);
    return j;
}

static const char *field(json_t *st, const char *k)
{
    return json_string_value(json_object_get(st, k));
}

/* Polls the task's status until statusCode or runnerStatusCode equals want. */
static bool wait_state(vrv_overlord *o, const char *id, const char *key, const char *want)
{
    for (int i = 0; i < 200; i++) {
        json_t *st = NULL;
        vrv_error err;
        if (vrv_overlord_task_status(o, id, &st, &err) == 0) {
            bool ok = field(st, key) && strcmp(field(st, key), want) == 0;
            json_decref(st);
            if (ok) return true;
        }
        usleep(25000);
    }
    return false;
}

static json_t *action(vrv_overlord *o, const char *id, const char *act, vrv_error *err, int *rc)
{
    json_t *a = json_loads(act, 0, NULL);
    json_t *h = json_pack("{s:s, s:o}", "task", id, "action", a);
    json_t *res = NULL;
    *rc = vrv_overlord_action(o, h, &res, err);
    json_decref(h);
    return res;
}

static char *task_dir(const char *name)
{
    char *p = vrv_malloc(512);
    snprintf(p, 512, "%s/%s", vrv_test_tmpdir(), name);
    return p;
}

TEST(overlord_submit_validation)
{
    vrv_meta *m = open_meta("validate");
    char *exe = script("sleeper1", "sleep 30");
    char *dir = task_dir("tasks-validate");
    vrv_overlord *o = start(m, exe, dir, 1);
    vrv_error err;
    char *id = NULL;
    json_t *bad = json_pack("{s:s}", "type", "index_hadoop");
    CHECK_INT(vrv_overlord_submit(o, bad, &id, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "Could not resolve type id 'index_hadoop'") != NULL);
    json_decref(bad);
    bad = json_pack("{s:s}", "type", "index");
    CHECK_INT(vrv_overlord_submit(o, bad, &id, &err), VRV_EINVAL);
    json_decref(bad);
    json_t *s = spec("dup", "ds", NULL, false);
    CHECK_INT(vrv_overlord_submit(o, s, &id, &err), 0);
    CHECK_STR(id, "dup");
    free(id);
    CHECK_INT(vrv_overlord_submit(o, s, &id, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "Task[dup] already exists");
    json_decref(s);
    /* A generated id: type_dataSource_<8 letters>_<time>. */
    s = spec(NULL, "wiki", NULL, false);
    CHECK_INT(vrv_overlord_submit(o, s, &id, &err), 0);
    CHECK(strncmp(id, "index_parallel_wiki_", 20) == 0);
    CHECK_INT(strlen(id), 20 + 8 + 1 + 24);
    json_t *p = NULL;
    CHECK_INT(vrv_overlord_task_payload(o, id, &p, &err), 0);
    json_t *pl = json_object_get(p, "payload");
    CHECK_STR(field(pl, "id"), id);
    CHECK_STR(field(pl, "groupId"), id);
    CHECK_STR(field(pl, "dataSource"), "wiki");
    CHECK(json_is_true(json_object_get(json_object_get(pl, "context"), "forceTimeChunkLock")));
    json_decref(p);
    CHECK_INT(vrv_overlord_task_payload(o, "nope", &p, &err), VRV_ENOTFOUND);
    CHECK(json_is_null(json_object_get(p, "payload")));
    json_decref(p);
    free(id);
    json_decref(s);
    vrv_overlord_free(o);
    vrv_meta_close(m);
    free(exe);
    free(dir);
}

TEST(overlord_slots_shutdown_and_kill)
{
    vrv_meta *m = open_meta("slots");
    char *exe = script("sleeper2", "sleep 30");
    char *dir = task_dir("tasks-slots");
    vrv_overlord *o = start(m, exe, dir, 1);
    vrv_error err;
    char *a = NULL, *b = NULL;
    json_t *sa = spec("a", "ds", NULL, false), *sb = spec("b", "ds", NULL, false);
    CHECK_INT(vrv_overlord_submit(o, sa, &a, &err), 0);
    CHECK_INT(vrv_overlord_submit(o, sb, &b, &err), 0);
    CHECK(wait_state(o, "a", "runnerStatusCode", "RUNNING"));
    CHECK(wait_state(o, "b", "runnerStatusCode", "PENDING")); /* one slot */
    json_t *st = NULL;
    CHECK_INT(vrv_overlord_task_status(o, "b", &st, &err), 0);
    CHECK_STR(field(st, "statusCode"), "RUNNING");
    CHECK_INT(json_integer_value(json_object_get(st, "duration")), -1);
    CHECK(json_is_null(json_object_get(json_object_get(st, "location"), "host")));
    json_decref(st);
    /* The log file exists once the process runs. */
    char *lp = vrv_overlord_log_path(o, "a");
    CHECK(lp != NULL);
    free(lp);

    /* kill -9 the running process: FAILED with Java's exit code, b starts. */
    char pidpath[600];
    snprintf(pidpath, sizeof pidpath, "%s/a/started", dir);
    vrv_buf pb = VRV_BUF_INIT;
    CHECK_INT(vrv_fs_read(pidpath, &pb, &err), 0);
    pid_t pid = (pid_t)atol(pb.data);
    vrv_buf_free(&pb);
    CHECK(pid > 0);
    kill(pid, SIGKILL);
    CHECK(wait_state(o, "a", "statusCode", "FAILED"));
    CHECK_INT(vrv_overlord_task_status(o, "a", &st, &err), 0);
    CHECK_STR(field(st, "errorMsg"), "Task execution process exited unsuccessfully with code[137]. "
                                     "See middleManager logs for more details.");
    CHECK_STR(field(st, "runnerStatusCode"), "NONE");
    json_decref(st);
    CHECK(wait_state(o, "b", "runnerStatusCode", "RUNNING"));

    /* Shutdown of a running task: FAILED at once with the reason. */
    CHECK_INT(vrv_overlord_shutdown(o, "b", "Shutdown request from user", &err), 0);
    CHECK_INT(vrv_overlord_task_status(o, "b", &st, &err), 0);
    CHECK_STR(field(st, "statusCode"), "FAILED");
    CHECK_STR(field(st, "errorMsg"), "Shutdown request from user");
    json_decref(st);

    /* Lists. */
    vrv_task_filter f = {.state = VRV_TASKS_COMPLETE, .max = -1};
    json_t *l = NULL;
    CHECK_INT(vrv_overlord_tasks(o, &f, &l, &err), 0);
    CHECK_INT(json_array_size(l), 2);
    CHECK_STR(field(json_array_get(l, 0), "id"), "b"); /* newest first */
    json_decref(l);
    f.max = 1;
    CHECK_INT(vrv_overlord_tasks(o, &f, &l, &err), 0);
    CHECK_INT(json_array_size(l), 1);
    json_decref(l);
    f.state = VRV_TASKS_RUNNING;
    CHECK_INT(vrv_overlord_tasks(o, &f, &l, &err), 0);
    CHECK_INT(json_array_size(l), 0);
    json_decref(l);

    free(a);
    free(b);
    json_decref(sa);
    json_decref(sb);
    vrv_overlord_free(o);
    vrv_meta_close(m);
    free(exe);
    free(dir);
}

TEST(overlord_status_file_success)
{
    vrv_meta *m = open_meta("success");
    /* A stand-in task that reports success the way `varve task` does. */
    char *exe = script("succeeder",
                       "dir=\"$5\"\n"
                       "printf '{\"id\":\"%s\",\"status\":\"SUCCESS\",\"duration\":1,\"errorMsg\":null,"
                       "\"location\":{\"host\":null,\"port\":-1,\"tlsPort\":-1}}' \"$3\" > \"$dir/status.json\"\n"
                       "echo done");
    char *dir = task_dir("tasks-success");
    vrv_overlord *o = start(m, exe, dir, 2);
    vrv_error err;
    char *id = NULL;
    json_t *s = spec("ok", "ds", NULL, false);
    CHECK_INT(vrv_overlord_submit(o, s, &id, &err), 0);
    CHECK(wait_state(o, "ok", "statusCode", "SUCCESS"));
    json_t *st = NULL;
    CHECK_INT(vrv_overlord_task_status_short(o, "ok", &st, &err), 0);
    CHECK_STR(field(st, "status"), "SUCCESS");
    CHECK(json_is_null(json_object_get(st, "errorMsg")));
    json_decref(st);
    char *lp = vrv_overlord_log_path(o, "ok");
    vrv_buf b = VRV_BUF_INIT;
    CHECK_INT(vrv_fs_read(lp, &b, &err), 0);
    CHECK_STR(b.data, "done\n");
    vrv_buf_free(&b);
    free(lp);
    free(id);
    json_decref(s);
    vrv_overlord_free(o);
    vrv_meta_close(m);
    free(exe);
    free(dir);
}

static char *seg_json(const char *ds, const char *iv, const char *version, int part, int core)
{
    char buf[1024];
    snprintf(buf, sizeof buf,
             "{\"dataSource\":\"%s\",\"interval\":\"%s\",\"version\":\"%s\",\"loadSpec\":{\"type\":"
             "\"local\",\"path\":\"/x\"},\"dimensions\":\"d\",\"metrics\":\"\",\"shardSpec\":{\"type\":"
             "\"numbered\",\"partitionNum\":%d,\"partitions\":%d},\"binaryVersion\":9,\"size\":1}",
             ds, iv, version, part, core);
    return vrv_strdup(buf);
}

#define DAY1 "2021-03-04T00:00:00.000Z/2021-03-05T00:00:00.000Z"
#define DAY2 "2021-03-05T00:00:00.000Z/2021-03-06T00:00:00.000Z"

TEST(overlord_locks_allocate_publish)
{
    vrv_meta *m = open_meta("locks");
    char *exe = script("sleeper3", "sleep 30");
    char *dir = task_dir("tasks-locks");
    vrv_overlord *o = start(m, exe, dir, 2);
    vrv_error err;
    int rc;
    char *id = NULL;
    /* An overwrite task with intervals holds its day locks before it runs. */
    json_t *s1 = spec("w1", "ds", "[\"2021-03-04T05:00:00Z/2021-03-04T06:00:00Z\"]", false);
    CHECK_INT(vrv_overlord_submit(o, s1, &id, &err), 0);
    free(id);
    CHECK(wait_state(o, "w1", "runnerStatusCode", "RUNNING"));
    json_t *locks = action(o, "w1", "{\"type\":\"lockList\"}", &err, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(json_array_size(locks), 1);
    json_t *l0 = json_array_get(locks, 0);
    CHECK_STR(field(l0, "interval"), DAY1); /* widened to the DAY bucket */
    CHECK_STR(field(l0, "type"), "EXCLUSIVE");
    CHECK_STR(field(l0, "granularity"), "timeChunk");
    char *version = vrv_strdup(field(l0, "version"));
    json_decref(locks);

    /* A second task on the same day waits for the lock. */
    json_t *s2 = spec("w2", "ds", "[\"2021-03-04/2021-03-05\"]", false);
    CHECK_INT(vrv_overlord_submit(o, s2, &id, &err), 0);
    free(id);
    CHECK(wait_state(o, "w2", "runnerStatusCode", "WAITING"));
    json_t *r = action(o, "w1", "{\"type\":\"timeChunkLockTryAcquire\",\"interval\":\"" DAY2 "\"}",
                       &err, &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(field(r, "interval"), DAY2);
    json_decref(r);

    /* Publishing needs covering locks of at least the segment's version. */
    char *ok = seg_json("ds", DAY1, version, 0, 1);
    char *other = seg_json("ds", "2021-03-07T00:00:00.000Z/2021-03-08T00:00:00.000Z", version, 0, 1);
    char act[4096];
    snprintf(act, sizeof act, "{\"type\":\"segmentTransactionalInsert\",\"segments\":[%s]}", other);
    r = action(o, "w1", act, &err, &rc);
    CHECK_INT(rc, VRV_ECONFLICT);
    CHECK(strstr(err.msg, "not covered by a lock") != NULL);
    snprintf(act, sizeof act, "{\"type\":\"segmentTransactionalInsert\",\"segments\":[%s]}", ok);
    r = action(o, "w1", act, &err, &rc);
    CHECK_INT(rc, 0);
    CHECK(json_is_true(json_object_get(r, "success")));
    CHECK_INT(json_array_size(json_object_get(r, "segments")), 1);
    json_decref(r);
    vrv_meta_segment_list used = {0};
    CHECK_INT(vrv_meta_segments_query(m, "ds", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &used, &err),
              0);
    CHECK_INT(used.n, 1);
    vrv_meta_segment_list_free(&used);

    /* An inactive task's actions are refused. */
    r = action(o, "nobody", "{\"type\":\"lockList\"}", &err, &rc);
    CHECK_INT(rc, VRV_ECONFLICT);
    CHECK(strstr(err.msg, "is not active") != NULL);

    /* w1 ends: its locks go, w2 gets the day with a newer version and drops the old segment. */
    CHECK_INT(vrv_overlord_shutdown(o, "w1", "done", &err), 0);
    CHECK(wait_state(o, "w2", "runnerStatusCode", "RUNNING"));
    locks = action(o, "w2", "{\"type\":\"lockList\"}", &err, &rc);
    CHECK_INT(json_array_size(locks), 1);
    const char *v2 = field(json_array_get(locks, 0), "version");
    CHECK(strcmp(v2, version) > 0);
    json_t *usedj = action(o, "w2",
                           "{\"type\":\"retrieveUsedSegments\",\"dataSource\":\"ds\","
                           "\"intervals\":[\"" DAY1 "\"]}",
                           &err, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(json_array_size(usedj), 1);
    char *newseg = seg_json("ds", DAY1, v2, 0, 1);
    char *drop = json_dumps(json_object_get(json_array_get(usedj, 0), "identifier"), JSON_ENCODE_ANY);
    snprintf(act, sizeof act,
             "{\"type\":\"segmentTransactionalInsert\",\"segments\":[%s],\"segmentsToBeDropped\":[%s]}",
             newseg, drop);
    r = action(o, "w2", act, &err, &rc);
    CHECK_INT(rc, 0);
    json_decref(r);
    CHECK_INT(vrv_meta_segments_query(m, "ds", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &used, &err),
              0);
    CHECK_INT(used.n, 1);
    if (used.n) CHECK_STR(used.v[0].version, v2);
    vrv_meta_segment_list_free(&used);
    json_decref(usedj);
    json_decref(locks);

    /* Appending allocates into the existing chunk's version. */
    r = action(o, "w2",
               "{\"type\":\"segmentAllocate\",\"dataSource\":\"ds\",\"interval\":\"" DAY1 "\","
               "\"sequenceName\":\"w2_0\",\"skipSegmentLineageCheck\":true}",
               &err, &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(field(r, "interval"), DAY1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(r, "shardSpec"), "partitionNum")), 1);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(r, "shardSpec"), "partitions")), 1);
    json_decref(r);

    free(drop);
    free(newseg);
    free(ok);
    free(other);
    free(version);
    json_decref(s1);
    json_decref(s2);
    vrv_overlord_free(o);
    vrv_meta_close(m);
    free(exe);
    free(dir);
}

TEST(overlord_restart_requeues_and_fails)
{
    vrv_meta *m = open_meta("restart");
    char *exe = script("sleeper4", "sleep 30");
    char *dir = task_dir("tasks-restart");
    vrv_overlord *o = start(m, exe, dir, 1);
    vrv_error err;
    char *id = NULL;
    json_t *s1 = spec("r1", "ds", NULL, false), *s2 = spec("r2", "ds", NULL, false);
    CHECK_INT(vrv_overlord_submit(o, s1, &id, &err), 0);
    free(id);
    CHECK_INT(vrv_overlord_submit(o, s2, &id, &err), 0);
    free(id);
    CHECK(wait_state(o, "r1", "runnerStatusCode", "RUNNING"));
    CHECK(wait_state(o, "r2", "runnerStatusCode", "PENDING"));
    vrv_overlord_free(o); /* the server stops: r1's process is terminated */

    o = start(m, exe, dir, 1);
    json_t *st = NULL;
    CHECK_INT(vrv_overlord_task_status(o, "r1", &st, &err), 0);
    CHECK_STR(field(st, "statusCode"), "FAILED");
    CHECK(strstr(field(st, "errorMsg"), "running when the server stopped") != NULL);
    json_decref(st);
    CHECK(wait_state(o, "r2", "runnerStatusCode", "RUNNING")); /* never started: runs now */
    vrv_overlord_free(o);
    json_decref(s1);
    json_decref(s2);
    vrv_meta_close(m);
    free(exe);
    free(dir);
}
