/*
 * test_stask_state.c — a streaming task's restartable state: sequences
 * (Druid's SequenceMetadata JSON, the continuity check, which sequence a
 * record belongs to) and the persist commit (what a restart keeps and what
 * it deletes).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/fsutil.h"
#include "base/mem.h"
#include "task/stream_state.h"
#include "test.h"

static void set(vrv_posmap *m, int32_t p, int64_t off)
{
    vrv_part part;
    vrv_error err;
    CHECK_INT(vrv_part_kafka(NULL, p, &part, &err), 0);
    vrv_pos pos = vrv_pos_kafka(off);
    vrv_posmap_set(m, &part, &pos);
}

static vrv_posmap map2(int64_t a, int64_t b)
{
    vrv_posmap m;
    vrv_posmap_init(&m, VRV_STREAM_KAFKA, "events");
    set(&m, 0, a);
    set(&m, 1, b);
    return m;
}

static vrv_part part(int32_t p)
{
    vrv_part x;
    vrv_part_kafka(NULL, p, &x, NULL);
    return x;
}

TEST(sequences_json_and_continuity)
{
    vrv_stask_seqs s = {0};
    vrv_error err;
    vrv_posmap s0 = map2(0, 5), e0 = map2(100, 105), open = map2(INT64_MAX, INT64_MAX);
    CHECK_INT(vrv_stask_seqs_add(&s, 0, "base", &s0, &e0, true, &err), 0);
    CHECK_STR(s.v[0].name, "base_0");
    /* The next sequence must start where the last one ends. */
    CHECK_INT(vrv_stask_seqs_add(&s, 1, "base", &s0, &open, false, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "New sequence startOffset[0] does not equal expected prior offset[100] for "
                       "partition[0]");
    CHECK_INT(vrv_stask_seqs_add(&s, 1, "base", &e0, &open, false, &err), 0);

    vrv_posmap curr = map2(100, 103);
    json_t *j = vrv_stask_seqs_json(&s, &curr);
    char *t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR(t, "[{\"sequenceId\":0,\"sequenceName\":\"base_0\",\"startOffsets\":{\"0\":0,\"1\":5},"
                 "\"endOffsets\":{\"0\":100,\"1\":105},\"assignments\":[1],\"sentinel\":false,"
                 "\"checkpointed\":true,\"exclusiveStartPartitions\":[],\"taskLockType\":null},"
                 "{\"sequenceId\":1,\"sequenceName\":\"base_1\",\"startOffsets\":{\"0\":100,\"1\":"
                 "105},\"endOffsets\":{\"0\":9223372036854775807,\"1\":9223372036854775807},"
                 "\"assignments\":[0,1],\"sentinel\":false,\"checkpointed\":false,"
                 "\"exclusiveStartPartitions\":[],\"taskLockType\":null}]");
    free(t);

    /* Saved and loaded again, the same sequences. */
    const char *dir = vrv_test_tmpdir();
    CHECK_INT(vrv_stask_seqs_save(&s, &curr, dir, &err), 0);
    vrv_stask_seqs back;
    bool found = false;
    CHECK_INT(vrv_stask_seqs_load(dir, VRV_STREAM_KAFKA, "events", &back, &found, &err), 0);
    CHECK(found);
    CHECK_INT(back.n, 2);
    CHECK_STR(back.v[1].name, "base_1");
    CHECK(back.v[0].checkpointed && !back.v[1].checkpointed);
    CHECK(vrv_posmap_equal(&back.v[0].end, &e0, true));
    CHECK(vrv_posmap_equal(&back.v[1].end, &open, true));
    json_t *j2 = vrv_stask_seqs_json(&back, &curr);
    CHECK(json_equal(j, j2));
    json_decref(j2);
    json_decref(j);
    vrv_stask_seqs_free(&back);

    /* Nothing saved in another directory. */
    char other[512];
    snprintf(other, sizeof other, "%s/none", dir);
    CHECK_INT(vrv_stask_seqs_load(other, VRV_STREAM_KAFKA, "events", &back, &found, &err), 0);
    CHECK(!found);
    CHECK_INT(back.n, 0);

    /* A published sequence leaves the list. */
    vrv_stask_seqs_remove(&s, 0);
    CHECK_INT(s.n, 1);
    CHECK_INT(s.v[0].id, 1);
    vrv_stask_seqs_free(&s);
    vrv_posmap_free(&s0);
    vrv_posmap_free(&e0);
    vrv_posmap_free(&open);
    vrv_posmap_free(&curr);
}

TEST(sequences_route_records)
{
    vrv_stask_seqs s = {0};
    vrv_error err;
    vrv_posmap s0 = map2(0, 0), e0 = map2(10, 4), open = map2(INT64_MAX, INT64_MAX);
    CHECK_INT(vrv_stask_seqs_add(&s, 0, "b", &s0, &e0, true, &err), 0);
    CHECK_INT(vrv_stask_seqs_add(&s, 1, "b", &e0, &open, false, &err), 0);
    vrv_posmap curr = map2(9, 2);
    vrv_part p0 = part(0), p1 = part(1);
    vrv_pos r9 = vrv_pos_kafka(9), r10 = vrv_pos_kafka(10), r3 = vrv_pos_kafka(3),
            r4 = vrv_pos_kafka(4);
    /* Offset 9 of partition 0 is before the checkpoint: sequence 0; 10 is sequence 1's. */
    CHECK(vrv_stask_seq_can_handle(&s.v[0], &p0, &r9, &curr, 0));
    CHECK(!vrv_stask_seq_can_handle(&s.v[1], &p0, &r9, &curr, 0));
    CHECK(!vrv_stask_seq_can_handle(&s.v[0], &p0, &r10, &curr, 0));
    CHECK(vrv_stask_seq_can_handle(&s.v[1], &p0, &r10, &curr, 0));
    /* near is only where to look first: a right, wrong or out-of-range
     * place gives the same answer */
    CHECK(vrv_stask_seq_can_handle(&s.v[0], &p1, &r3, &curr, 1));
    CHECK(vrv_stask_seq_can_handle(&s.v[0], &p1, &r3, &curr, 0));
    CHECK(vrv_stask_seq_can_handle(&s.v[1], &p1, &r4, &curr, 7));
    CHECK(!vrv_stask_seq_can_handle(&s.v[1], &p1, &r3, &curr, 1));
    CHECK(vrv_stask_seq_open(&s.v[0], &curr));
    /* Once both partitions reached sequence 0's end it is closed (ready to publish). */
    vrv_posmap_free(&curr);
    curr = map2(10, 4);
    CHECK(!vrv_stask_seq_open(&s.v[0], &curr));
    CHECK(vrv_stask_seq_open(&s.v[1], &curr));
    vrv_stask_seqs_free(&s);
    vrv_posmap_free(&s0);
    vrv_posmap_free(&e0);
    vrv_posmap_free(&open);
    vrv_posmap_free(&curr);
}

static void touch(const char *path)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (f) {
        fputs("x", f);
        fclose(f);
    }
}

TEST(commit_keeps_only_committed_spills)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/persist", vrv_test_tmpdir());
    vrv_error err;
    const char *a = "ds_2021-03-04T05:00:00.000Z_2021-03-04T06:00:00.000Z_v1";
    const char *b = "ds_2021-03-04T06:00:00.000Z_2021-03-04T07:00:00.000Z_v1";
    const char *ids[] = {a, b};
    for (int k = 0; k < 2; k++) {
        char *sd = vrv_stask_sink_dir(dir, ids[k]);
        CHECK_INT(vrv_fs_mkdirs(sd, &err), 0);
        free(sd);
        for (int n = 0; n < 3; n++) {
            char *p = vrv_stask_spill_path(dir, ids[k], n);
            touch(p);
            free(p);
        }
    }
    /* A persist committed two spills of sink a (the third was being written
     * when the task died) and nothing of sink b. */
    vrv_stask_commit c;
    vrv_stask_commit_init(&c, VRV_STREAM_KAFKA, "events");
    set(&c.next, 0, 42);
    set(&c.next, 1, 7);
    json_t *seg = json_pack("{s:s}", "dataSource", "ds");
    vrv_stask_commit_add(&c, a, "base_0", seg, 2, 1234);
    json_decref(seg);
    CHECK_INT(vrv_stask_commit_save(&c, dir, &err), 0);
    vrv_stask_commit_free(&c);

    vrv_stask_commit back;
    bool found;
    CHECK_INT(vrv_stask_commit_load(dir, VRV_STREAM_KAFKA, &back, &found, &err), 0);
    CHECK(found);
    CHECK_INT(back.n, 1);
    CHECK_STR(back.sinks[0].id, a);
    CHECK_STR(back.sinks[0].sequence_name, "base_0");
    CHECK_INT(back.sinks[0].hydrants, 2);
    CHECK_INT(back.sinks[0].rows, 1234);
    CHECK_STR(json_string_value(json_object_get(back.sinks[0].segment, "dataSource")), "ds");
    vrv_part p0 = part(0);
    CHECK_INT(vrv_posmap_get(&back.next, &p0)->offset, 42);
    size_t removed = 0;
    CHECK_INT(vrv_stask_commit_clean(dir, &back, &removed, &err), 0);
    CHECK_INT(removed, 2); /* a/2.vseg and the directory of b */
    for (int n = 0; n < 3; n++) {
        char *p = vrv_stask_spill_path(dir, a, n);
        CHECK(vrv_fs_exists(p) == (n < 2));
        free(p);
    }
    char *sd = vrv_stask_sink_dir(dir, b);
    CHECK(!vrv_fs_exists(sd));
    free(sd);

    char *text = NULL;
    json_t *j = vrv_stask_commit_json(&back);
    text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR(text, "{\"metadata\":{\"nextPartitions\":{\"type\":\"end\",\"stream\":\"events\","
                    "\"topic\":\"events\",\"partitionSequenceNumberMap\":{\"0\":42,\"1\":7},"
                    "\"partitionOffsetMap\":{\"0\":42,\"1\":7}}},\"sinks\":[{\"identifier\":\"" 
                    "ds_2021-03-04T05:00:00.000Z_2021-03-04T06:00:00.000Z_v1\",\"sequenceName\":"
                    "\"base_0\",\"segment\":{\"dataSource\":\"ds\"},\"hydrants\":2,\"rows\":1234}]}");
    free(text);
    json_decref(j);

    /* Without a commit nothing is kept. */
    CHECK_INT(vrv_stask_commit_clean(dir, NULL, &removed, &err), 0);
    CHECK_INT(removed, 1);
    vrv_stask_commit_free(&back);

    /* A damaged commit is an error naming the file. */
    char *cp = NULL;
    vrv_buf pb = VRV_BUF_INIT;
    vrv_buf_printf(&pb, "%s/commit.json", dir);
    cp = vrv_buf_detach(&pb);
    CHECK_INT(vrv_fs_write_atomic(cp, "{\"metadata\":{}}", 15, &err), 0);
    CHECK_INT(vrv_stask_commit_load(dir, VRV_STREAM_KAFKA, &back, &found, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "commit.json") != NULL);
    free(cp);
}

TEST(commit_carries_the_row_counters)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/persist-counters", vrv_test_tmpdir());
    vrv_error err;
    CHECK_INT(vrv_fs_mkdirs(dir, &err), 0);
    vrv_stask_commit c;
    vrv_stask_commit_init(&c, VRV_STREAM_KAFKA, "events");
    set(&c.next, 0, 42);
    c.has_counts = true;
    c.stats = (vrv_row_stats){.processed = 30, .processed_bytes = 900, .processed_with_error = 2,
                              .unparseable = 3, .thrown_away = 7, .thrown_null = 1,
                              .thrown_filtered = 4, .thrown_before_min = 0, .thrown_after_max = 2};
    c.records = json_pack("{s:i}", "0", 32);
    json_t *j = vrv_stask_commit_json(&c);
    char *text = json_dumps(json_object_get(j, "counters"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    CHECK_STR(text, "{\"rowStats\":{\"processed\":30,\"processedBytes\":900,\"processedWithError\":2,"
                    "\"unparseable\":3,\"thrownAwayNull\":1,\"thrownAwayFiltered\":4,"
                    "\"thrownAwayBeforeMin\":0,\"thrownAwayAfterMax\":2},"
                    "\"recordsProcessed\":{\"0\":32}}");
    free(text);
    json_decref(j);
    CHECK_INT(vrv_stask_commit_save(&c, dir, &err), 0);
    vrv_stask_commit_free(&c);

    vrv_stask_commit back;
    bool found;
    CHECK_INT(vrv_stask_commit_load(dir, VRV_STREAM_KAFKA, &back, &found, &err), 0);
    CHECK(found && back.has_counts);
    CHECK_INT(back.stats.processed, 30);
    CHECK_INT(back.stats.processed_bytes, 900);
    CHECK_INT(back.stats.processed_with_error, 2);
    CHECK_INT(back.stats.unparseable, 3);
    CHECK_INT(back.stats.thrown_away, 7); /* the sum of the reasons */
    CHECK_INT(back.stats.thrown_filtered, 4);
    CHECK_INT(json_integer_value(json_object_get(back.records, "0")), 32);
    vrv_stask_commit_free(&back);

    /* A commit written before the counters were kept restores without them. */
    char path[600];
    snprintf(path, sizeof path, "%s/commit.json", dir);
    const char *old = "{\"metadata\":{\"nextPartitions\":{\"type\":\"end\",\"stream\":\"events\","
                      "\"partitionOffsetMap\":{\"0\":42}}},\"sinks\":[]}";
    CHECK_INT(vrv_fs_write_atomic(path, old, strlen(old), &err), 0);
    CHECK_INT(vrv_stask_commit_load(dir, VRV_STREAM_KAFKA, &back, &found, &err), 0);
    CHECK(found && !back.has_counts && back.records == NULL);
    vrv_stask_commit_free(&back);

    /* Damaged counters are an error naming the field. */
    const char *bad = "{\"metadata\":{\"nextPartitions\":{\"type\":\"end\",\"stream\":\"events\","
                      "\"partitionOffsetMap\":{\"0\":42}}},\"sinks\":[],\"counters\":{\"rowStats\":"
                      "{\"processed\":-1},\"recordsProcessed\":{}}}";
    CHECK_INT(vrv_fs_write_atomic(path, bad, strlen(bad), &err), 0);
    CHECK_INT(vrv_stask_commit_load(dir, VRV_STREAM_KAFKA, &back, &found, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "commit.counters.rowStats.processed") != NULL);
}

TEST(stored_offsets_cover_a_sequence_end)
{
    vrv_error err;
    vrv_posmap stored = map2(40, 7), end = map2(40, 5);
    CHECK_INT(vrv_stask_offsets_cover(&stored, &end, &err), 0); /* at or past the end */
    set(&end, 1, 8);
    CHECK_INT(vrv_stask_offsets_cover(&stored, &end, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "partition[1]: the stored position [7] is before the sequence's end [8]");
    set(&end, 1, 7);
    set(&end, 2, 1);
    CHECK_INT(vrv_stask_offsets_cover(&stored, &end, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "partition[2] has no stored position; the sequence ends at [1]");
    vrv_posmap other;
    vrv_posmap_init(&other, VRV_STREAM_KAFKA, "other");
    set(&other, 0, 100);
    CHECK_INT(vrv_stask_offsets_cover(&other, &end, &err), VRV_ECONFLICT);
    CHECK_STR(err.msg, "the stored positions are of stream[other], the sequence's of stream[events]");
    vrv_posmap empty;
    vrv_posmap_init(&empty, VRV_STREAM_KAFKA, "events");
    CHECK_INT(vrv_stask_offsets_cover(NULL, &empty, &err), 0); /* nothing to cover */
    vrv_posmap_free(&stored);
    vrv_posmap_free(&end);
    vrv_posmap_free(&other);
    vrv_posmap_free(&empty);
}
