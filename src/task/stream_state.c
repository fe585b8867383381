/*
 * stream_state.c — sequences.json, the persist commit and the sequence
 * bookkeeping of a streaming task (see stream_state.h).
 */
#include "task/stream_state.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/fsutil.h"
#include "base/mem.h"
#include "json/jutil.h"
#include "json/jwriter.h"

/* ---- maps as plain {partition: position} objects -------------------------------- */

static json_t *pos_json(const vrv_pos *p)
{
    if (p->stream == VRV_STREAM_KAFKA) return json_integer((json_int_t)p->offset);
    char t[VRV_POS_TEXT_MAX + 1];
    vrv_pos_format(p, t, sizeof t);
    return json_string(t);
}

static json_t *plain_map_json(const vrv_posmap *m)
{
    json_t *o = json_object();
    for (size_t i = 0; i < m->n; i++) json_object_set_new(o, m->v[i].part.id, pos_json(&m->v[i].pos));
    return o;
}

/* A partition id as Druid writes a partition value (not a key): a number for
 * a single-topic Kafka partition, the id text otherwise. */
static json_t *part_value_json(const vrv_part *p)
{
    if (p->stream == VRV_STREAM_KAFKA && !p->multi_topic) return json_integer(p->partition);
    return json_string(p->id);
}

static int part_from_value(const json_t *v, vrv_stream_type t, const char *path, vrv_part *out,
                           vrv_error *err)
{
    char num[32];
    const char *s;
    size_t n;
    if (json_is_integer(v)) {
        n = (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
        s = num;
    } else if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);
    } else {
        return vrv_error_set(err, VRV_EINVAL, "%s: must be a partition id", path);
    }
    if (vrv_part_parse(t, s, n, out, err) < 0) return vrv_error_prefix(err, "%s", path);
    return 0;
}

static int plain_map_from_json(const json_t *o, vrv_stream_type t, const char *stream,
                               const char *path, vrv_posmap *out, vrv_error *err)
{
    if (!json_is_object(o)) return vrv_error_set(err, VRV_EINVAL, "%s: must be an object", path);
    vrv_posmap_init(out, t, stream);
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v)
    {
        char where[VRV_JSON_PATH_MAX];
        snprintf(where, sizeof where, "%s[\"%s\"]", path, k);
        vrv_part part;
        vrv_pos pos;
        int rc = vrv_part_parse(t, k, strlen(k), &part, err);
        if (rc < 0) vrv_error_prefix(err, "%s", where);
        if (rc == 0) rc = vrv_pos_from_json(v, t, where, &pos, err);
        if (rc < 0) {
            vrv_posmap_free(out);
            return rc;
        }
        vrv_posmap_set(out, &part, &pos);
    }
    return 0;
}

/* ---- sequences ---------------------------------------------------------------- */

static void seq_clear(vrv_stask_seq *q)
{
    free(q->name);
    vrv_posmap_free(&q->start);
    vrv_posmap_free(&q->end);
}

void vrv_stask_seqs_free(vrv_stask_seqs *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->n; i++) seq_clear(&s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

static int check_continues(const vrv_stask_seqs *s, const vrv_posmap *start, vrv_error *err)
{
    if (s->n == 0) return 0;
    const vrv_stask_seq *last = &s->v[s->n - 1];
    for (size_t i = 0; i < start->n; i++) {
        const vrv_pos *prior = vrv_posmap_get(&last->end, &start->v[i].part);
        char a[VRV_POS_TEXT_MAX + 1], b[VRV_POS_TEXT_MAX + 1] = "null";
        if (prior && vrv_pos_same(prior, &start->v[i].pos)) continue;
        vrv_pos_format(&start->v[i].pos, a, sizeof a);
        if (prior) vrv_pos_format(prior, b, sizeof b);
        return vrv_error_set(err, VRV_EINVAL,
                             "New sequence startOffset[%s] does not equal expected prior "
                             "offset[%s] for partition[%s]",
                             a, b, start->v[i].part.id);
    }
    return 0;
}

int vrv_stask_seqs_add(vrv_stask_seqs *s, int id, const char *base_name, const vrv_posmap *start,
                       const vrv_posmap *end, bool checkpointed, vrv_error *err)
{
    int rc = check_continues(s, start, err);
    if (rc < 0) return rc;
    if (s->n == s->cap) vrv_grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
    vrv_stask_seq *q = &s->v[s->n++];
    memset(q, 0, sizeof *q);
    q->id = id;
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s_%d", base_name, id);
    q->name = vrv_buf_detach(&b);
    vrv_posmap_copy(&q->start, start);
    vrv_posmap_copy(&q->end, end);
    q->checkpointed = checkpointed;
    return 0;
}

void vrv_stask_seqs_remove(vrv_stask_seqs *s, size_t i)
{
    if (i >= s->n) return;
    seq_clear(&s->v[i]);
    memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof *s->v);
    s->n--;
}

json_t *vrv_stask_seqs_json(const vrv_stask_seqs *s, const vrv_posmap *curr)
{
    json_t *a = json_array();
    for (size_t i = 0; i < s->n; i++) {
        const vrv_stask_seq *q = &s->v[i];
        json_t *o = json_object();
        json_object_set_new(o, "sequenceId", json_integer(q->id));
        json_object_set_new(o, "sequenceName", json_string(q->name));
        json_object_set_new(o, "startOffsets", plain_map_json(&q->start));
        json_object_set_new(o, "endOffsets", plain_map_json(&q->end));
        json_t *as = json_array();
        for (size_t k = 0; k < q->end.n; k++) {
            const vrv_pos *c = curr ? vrv_posmap_get(curr, &q->end.v[k].part) : NULL;
            const vrv_pos *from = c ? c : vrv_posmap_get(&q->start, &q->end.v[k].part);
            if (from && vrv_pos_more_after(from, &q->end.v[k].pos))
                json_array_append_new(as, part_value_json(&q->end.v[k].part));
        }
        json_object_set_new(o, "assignments", as);
        json_object_set_new(o, "sentinel", json_false());
        json_object_set_new(o, "checkpointed", json_boolean(q->checkpointed));
        json_t *ex = json_array();
        for (size_t k = 0; k < q->start.n; k++)
            if (q->start.v[k].pos.exclusive)
                json_array_append_new(ex, part_value_json(&q->start.v[k].part));
        json_object_set_new(o, "exclusiveStartPartitions", ex);
        json_object_set_new(o, "taskLockType", json_null());
        json_array_append_new(a, o);
    }
    return a;
}

int vrv_stask_seqs_from_json(const json_t *j, vrv_stream_type t, const char *stream,
                             vrv_stask_seqs *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!json_is_array(j)) return vrv_error_set(err, VRV_EINVAL, "sequences: must be an array");
    size_t i;
    json_t *o;
    int rc = 0;
    json_array_foreach(j, i, o)
    {
        char path[64];
        snprintf(path, sizeof path, "sequences[%zu]", i);
        json_t *id = json_object_get(o, "sequenceId");
        const char *name = json_string_value(json_object_get(o, "sequenceName"));
        if (!json_is_integer(id) || json_integer_value(id) < 0 || !name) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s: sequenceId and sequenceName are required",
                               path);
            break;
        }
        if (out->n == out->cap) vrv_grow((void **)&out->v, &out->cap, out->n + 1, sizeof *out->v);
        vrv_stask_seq *q = &out->v[out->n];
        memset(q, 0, sizeof *q);
        char p2[96];
        snprintf(p2, sizeof p2, "%s.startOffsets", path);
        if ((rc = plain_map_from_json(json_object_get(o, "startOffsets"), t, stream, p2, &q->start,
                                      err)) < 0)
            break;
        snprintf(p2, sizeof p2, "%s.endOffsets", path);
        if ((rc = plain_map_from_json(json_object_get(o, "endOffsets"), t, stream, p2, &q->end,
                                      err)) < 0) {
            vrv_posmap_free(&q->start);
            break;
        }
        json_t *ex = json_object_get(o, "exclusiveStartPartitions");
        size_t k;
        json_t *e;
        json_array_foreach(ex, k, e)
        {
            vrv_part part;
            snprintf(p2, sizeof p2, "%s.exclusiveStartPartitions[%zu]", path, k);
            if ((rc = part_from_value(e, t, p2, &part, err)) < 0) break;
            const vrv_pos *sp = vrv_posmap_get(&q->start, &part);
            if (sp) {
                vrv_pos x = *sp;
                x.exclusive = true;
                vrv_posmap_set(&q->start, &part, &x);
            }
        }
        if (rc < 0) {
            vrv_posmap_free(&q->start);
            vrv_posmap_free(&q->end);
            break;
        }
        q->id = (int)json_integer_value(id);
        q->name = vrv_strdup(name);
        q->checkpointed = json_is_true(json_object_get(o, "checkpointed"));
        out->n++;
    }
    if (rc < 0) vrv_stask_seqs_free(out);
    return rc;
}

static char *join(const char *dir, const char *name)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/%s", dir, name);
    return vrv_buf_detach(&b);
}

static int save_json(const json_t *j, const char *dir, const char *name, vrv_error *err)
{
    char *text = json_dumps(j, JSON_COMPACT);
    char *path = join(dir, name);
    int rc = vrv_fs_write_atomic(path, text, strlen(text), err);
    free(text);
    free(path);
    return rc;
}

static int load_json(const char *dir, const char *name, json_t **out, bool *found, vrv_error *err)
{
    *out = NULL;
    char *path = join(dir, name);
    *found = vrv_fs_exists(path);
    int rc = *found ? vrv_json_load_file(path, out, err) : 0;
    free(path);
    return rc;
}

int vrv_stask_seqs_save(const vrv_stask_seqs *s, const vrv_posmap *curr, const char *persist_dir,
                        vrv_error *err)
{
    json_t *j = vrv_stask_seqs_json(s, curr);
    int rc = save_json(j, persist_dir, VRV_STASK_SEQUENCES, err);
    json_decref(j);
    return rc;
}

int vrv_stask_seqs_load(const char *persist_dir, vrv_stream_type t, const char *stream,
                        vrv_stask_seqs *out, bool *found, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *j;
    int rc = load_json(persist_dir, VRV_STASK_SEQUENCES, &j, found, err);
    if (rc == 0 && *found) {
        rc = vrv_stask_seqs_from_json(j, t, stream, out, err);
        if (rc < 0) vrv_error_prefix(err, "%s/%s", persist_dir, VRV_STASK_SEQUENCES);
    }
    json_decref(j);
    return rc;
}

bool vrv_stask_seq_open(const vrv_stask_seq *q, const vrv_posmap *curr)
{
    for (size_t i = 0; i < q->end.n; i++) {
        long k = vrv_posmap_index_near(curr, &q->end.v[i].part, i);
        if (k >= 0 && vrv_pos_more_after(&curr->v[k].pos, &q->end.v[i].pos)) return true;
    }
    return false;
}

bool vrv_stask_seq_can_handle(const vrv_stask_seq *q, const vrv_part *part, const vrv_pos *pos,
                              const vrv_posmap *curr, size_t near)
{
    long si = vrv_posmap_index_near(&q->start, part, near);
    long ei = si < 0 ? -1 : vrv_posmap_index_near(&q->end, part, (size_t)si);
    if (ei < 0 || !vrv_stask_seq_open(q, curr)) return false;
    const vrv_pos *s = &q->start.v[si].pos, *e = &q->end.v[ei].pos;
    int c = vrv_pos_cmp(pos, s);
    if (s->exclusive ? c <= 0 : c < 0) return false;
    return vrv_pos_more_to_read(pos, e);
}

int vrv_stask_offsets_cover(const vrv_posmap *stored, const vrv_posmap *end, vrv_error *err)
{
    if (end->n == 0) return 0;
    if (!stored)
        return vrv_error_set(err, VRV_ECONFLICT,
                             "no stream positions are stored; the end of partition[%s] is not "
                             "committed",
                             end->v[0].part.id);
    if (stored->stream_type != end->stream_type || strcmp(stored->stream, end->stream) != 0)
        return vrv_error_set(err, VRV_ECONFLICT,
                             "the stored positions are of stream[%s], the sequence's of stream[%s]",
                             stored->stream, end->stream);
    for (size_t i = 0; i < end->n; i++) {
        const vrv_pos *e = &end->v[i].pos;
        const vrv_pos *s = vrv_posmap_get(stored, &end->v[i].part);
        char et[VRV_POS_TEXT_MAX + 1], stt[VRV_POS_TEXT_MAX + 1];
        vrv_pos_format(e, et, sizeof et);
        if (!s)
            return vrv_error_set(err, VRV_ECONFLICT,
                                 "partition[%s] has no stored position; the sequence ends at [%s]",
                                 end->v[i].part.id, et);
        if (vrv_pos_cmp(s, e) < 0) {
            vrv_pos_format(s, stt, sizeof stt);
            return vrv_error_set(err, VRV_ECONFLICT,
                                 "partition[%s]: the stored position [%s] is before the sequence's "
                                 "end [%s]",
                                 end->v[i].part.id, stt, et);
        }
    }
    return 0;
}

/* ---- the persist commit ------------------------------------------------------------ */

void vrv_stask_commit_init(vrv_stask_commit *c, vrv_stream_type t, const char *stream)
{
    memset(c, 0, sizeof *c);
    vrv_posmap_init(&c->next, t, stream);
}

void vrv_stask_commit_free(vrv_stask_commit *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->sinks[i].id);
        free(c->sinks[i].sequence_name);
        json_decref(c->sinks[i].segment);
    }
    free(c->sinks);
    vrv_posmap_free(&c->next);
    json_decref(c->records);
    memset(c, 0, sizeof *c);
}

void vrv_stask_commit_add(vrv_stask_commit *c, const char *id, const char *sequence_name,
                          const json_t *segment, int hydrants, uint64_t rows)
{
    if (c->n == c->cap) vrv_grow((void **)&c->sinks, &c->cap, c->n + 1, sizeof *c->sinks);
    vrv_stask_sink_rec *r = &c->sinks[c->n++];
    r->id = vrv_strdup(id);
    r->sequence_name = vrv_strdup(sequence_name);
    r->segment = segment ? json_incref((json_t *)segment) : json_null();
    r->hydrants = hydrants;
    r->rows = rows;
}

json_t *vrv_stask_commit_json(const vrv_stask_commit *c)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_jw w;
    vrv_jw_init(&w, &b, 0);
    vrv_posmap_write_json(&w, &c->next, VRV_POSMAP_END);
    json_t *next = json_loadb(b.data, b.len, 0, NULL);
    vrv_buf_free(&b);
    json_t *sinks = json_array();
    for (size_t i = 0; i < c->n; i++) {
        const vrv_stask_sink_rec *r = &c->sinks[i];
        json_array_append_new(sinks, json_pack("{s:s, s:s, s:O, s:i, s:I}", "identifier", r->id,
                                               "sequenceName", r->sequence_name, "segment",
                                               r->segment, "hydrants", r->hydrants, "rows",
                                               (json_int_t)r->rows));
    }
    json_t *j = json_pack("{s:{s:o}, s:o}", "metadata", "nextPartitions", next ? next : json_null(),
                          "sinks", sinks);
    if (c->has_counts) {
        const vrv_row_stats *st = &c->stats;
        json_object_set_new(
            j, "counters",
            json_pack("{s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:O}", "rowStats", "processed",
                      (json_int_t)st->processed, "processedBytes", (json_int_t)st->processed_bytes,
                      "processedWithError", (json_int_t)st->processed_with_error, "unparseable",
                      (json_int_t)st->unparseable, "thrownAwayNull", (json_int_t)st->thrown_null,
                      "thrownAwayFiltered", (json_int_t)st->thrown_filtered,
                      "thrownAwayBeforeMin", (json_int_t)st->thrown_before_min,
                      "thrownAwayAfterMax", (json_int_t)st->thrown_after_max, "recordsProcessed",
                      c->records ? c->records : json_object()));
    }
    return j;
}

/* The counters of a commit; absent in a commit written before they were kept. */
static int counters_from_json(const json_t *j, vrv_stask_commit *out, vrv_error *err)
{
    if (!j) return 0;
    const json_t *rs = json_object_get(j, "rowStats");
    const json_t *rec = json_object_get(j, "recordsProcessed");
    static const char *const names[] = {"processed", "processedBytes", "processedWithError",
                                        "unparseable", "thrownAwayNull", "thrownAwayFiltered",
                                        "thrownAwayBeforeMin", "thrownAwayAfterMax"};
    uint64_t *fields[] = {&out->stats.processed, &out->stats.processed_bytes,
                          &out->stats.processed_with_error, &out->stats.unparseable,
                          &out->stats.thrown_null, &out->stats.thrown_filtered,
                          &out->stats.thrown_before_min, &out->stats.thrown_after_max};
    if (!json_is_object(rs) || !json_is_object(rec))
        return vrv_error_set(err, VRV_EINVAL,
                             "commit.counters: must hold the objects rowStats and recordsProcessed");
    for (size_t i = 0; i < VRV_ARRAY_LEN(names); i++) {
        const json_t *v = json_object_get(rs, names[i]);
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return vrv_error_set(err, VRV_EINVAL,
                                 "commit.counters.rowStats.%s: must be a count (>= 0)", names[i]);
        *fields[i] = (uint64_t)json_integer_value(v);
    }
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)rec, k, v)
    {
        if (!json_is_integer(v) || json_integer_value(v) < 0)
            return vrv_error_set(err, VRV_EINVAL,
                                 "commit.counters.recordsProcessed.%s: must be a count (>= 0)", k);
    }
    out->stats.thrown_away = out->stats.thrown_null + out->stats.thrown_filtered +
                             out->stats.thrown_before_min + out->stats.thrown_after_max;
    out->records = json_incref((json_t *)rec);
    out->has_counts = true;
    return 0;
}

int vrv_stask_commit_from_json(const json_t *j, vrv_stream_type t, vrv_stask_commit *out,
                               vrv_error *err)
{
    memset(out, 0, sizeof *out);
    const json_t *next = json_object_get(json_object_get(j, "metadata"), "nextPartitions");
    int rc = vrv_posmap_from_json(next, t, "commit.metadata.nextPartitions", &out->next, NULL, err);
    if (rc < 0) return rc;
    const json_t *sinks = json_object_get(j, "sinks");
    if (!json_is_array(sinks)) {
        vrv_posmap_free(&out->next);
        return vrv_error_set(err, VRV_EINVAL, "commit.sinks: must be an array");
    }
    size_t i;
    json_t *o;
    json_array_foreach(sinks, i, o)
    {
        const char *id = json_string_value(json_object_get(o, "identifier"));
        const char *seq = json_string_value(json_object_get(o, "sequenceName"));
        json_t *h = json_object_get(o, "hydrants"), *rows = json_object_get(o, "rows");
        json_t *seg = json_object_get(o, "segment");
        if (!id || !seq || !json_is_integer(h) || json_integer_value(h) < 0 ||
            !json_is_integer(rows) || !json_is_object(seg) || !*id || strchr(id, '/') ||
            strcmp(id, ".") == 0 || strcmp(id, "..") == 0) {
            vrv_stask_commit_free(out);
            return vrv_error_set(err, VRV_EINVAL, "commit.sinks[%zu]: not a sink record", i);
        }
        vrv_stask_commit_add(out, id, seq, seg, (int)json_integer_value(h),
                             (uint64_t)json_integer_value(rows));
    }
    if ((rc = counters_from_json(json_object_get(j, "counters"), out, err)) < 0)
        vrv_stask_commit_free(out);
    return rc;
}

int vrv_stask_commit_save(const vrv_stask_commit *c, const char *persist_dir, vrv_error *err)
{
    json_t *j = vrv_stask_commit_json(c);
    int rc = save_json(j, persist_dir, VRV_STASK_COMMIT, err);
    json_decref(j);
    return rc;
}

int vrv_stask_commit_load(const char *persist_dir, vrv_stream_type t, vrv_stask_commit *out,
                          bool *found, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    json_t *j;
    int rc = load_json(persist_dir, VRV_STASK_COMMIT, &j, found, err);
    if (rc == 0 && *found) {
        rc = vrv_stask_commit_from_json(j, t, out, err);
        if (rc < 0) vrv_error_prefix(err, "%s/%s", persist_dir, VRV_STASK_COMMIT);
    }
    json_decref(j);
    return rc;
}

char *vrv_stask_sink_dir(const char *persist_dir, const char *id)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/%s/%s", persist_dir, VRV_STASK_SINKS_DIR, id);
    return vrv_buf_detach(&b);
}

char *vrv_stask_spill_path(const char *persist_dir, const char *id, int n)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_buf_printf(&b, "%s/%s/%s/%d.vseg", persist_dir, VRV_STASK_SINKS_DIR, id, n);
    return vrv_buf_detach(&b);
}

/* The spill number of a file name "<n>.vseg", or -1. */
static long spill_number(const char *name)
{
    char *end;
    errno = 0;
    long n = strtol(name, &end, 10);
    if (end == name || errno || n < 0 || strcmp(end, ".vseg") != 0) return -1;
    return n;
}

int vrv_stask_commit_clean(const char *persist_dir, const vrv_stask_commit *c, size_t *removed,
                           vrv_error *err)
{
    if (removed) *removed = 0;
    char *root = join(persist_dir, VRV_STASK_SINKS_DIR);
    DIR *d = opendir(root);
    if (!d) {
        int e = errno;
        free(root);
        if (e == ENOENT) return 0;
        return vrv_error_set(err, VRV_EIO, "opening %s/%s: %s", persist_dir, VRV_STASK_SINKS_DIR,
                             strerror(e));
    }
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        const vrv_stask_sink_rec *r = NULL;
        for (size_t i = 0; c && i < c->n && !r; i++)
            if (strcmp(c->sinks[i].id, de->d_name) == 0) r = &c->sinks[i];
        char *sd = join(root, de->d_name);
        if (!r) {
            rc = vrv_fs_remove_tree(sd, err);
            if (rc == 0 && removed) (*removed)++;
            free(sd);
            continue;
        }
        DIR *sub = opendir(sd);
        if (!sub) {
            rc = vrv_error_set(err, VRV_EIO, "opening %s: %s", sd, strerror(errno));
            free(sd);
            break;
        }
        struct dirent *fe;
        while ((fe = readdir(sub))) {
            if (strcmp(fe->d_name, ".") == 0 || strcmp(fe->d_name, "..") == 0) continue;
            long n = spill_number(fe->d_name);
            if (n >= 0 && n < r->hydrants) continue;
            char *f = join(sd, fe->d_name);
            if (vrv_fs_remove_tree(f, err) < 0) rc = VRV_EIO;
            else if (removed) (*removed)++;
            free(f);
        }
        closedir(sub);
        free(sd);
    }
    closedir(d);
    free(root);
    return rc;
}
