/*
 * historical.c — the segment cache and the served set (see historical.h).
 */
#include "server/historical.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/fsutil.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "storage/meta.h"

struct vrv_hist {
    char *cache;
    vrv_deep *deep;
    pthread_mutex_t mu;
    VRV_VEC(vrv_hist_seg *) segs;
    vrv_hist_notify_fn notify;
    void *notify_ctx;
};

int vrv_hist_new(const char *cache_dir, vrv_deep *deep, vrv_hist **out, vrv_error *err)
{
    int rc = vrv_fs_mkdirs(cache_dir, err);
    if (rc < 0) return rc;
    vrv_hist *h = vrv_calloc(1, sizeof *h);
    h->cache = vrv_strdup(cache_dir);
    h->deep = deep;
    pthread_mutex_init(&h->mu, NULL);
    *out = h;
    return 0;
}

static void seg_free(vrv_hist_seg *s)
{
    vrv_segment_close(s->segment);
    json_decref(s->payload);
    free(s->path);
    free(s->id);
    free(s->data_source);
    free(s->version);
    free(s);
}

void vrv_hist_free(vrv_hist *h)
{
    if (!h) return;
    for (size_t i = 0; i < h->segs.n; i++) seg_free(h->segs.v[i]);
    vrv_vec_free(&h->segs);
    pthread_mutex_destroy(&h->mu);
    free(h->cache);
    free(h);
}

void vrv_hist_set_notify(vrv_hist *h, vrv_hist_notify_fn fn, void *ctx)
{
    h->notify = fn;
    h->notify_ctx = ctx;
}

static vrv_hist_seg *find(vrv_hist *h, const char *id, size_t *pos)
{
    for (size_t i = 0; i < h->segs.n; i++)
        if (strcmp(h->segs.v[i]->id, id) == 0) {
            if (pos) *pos = i;
            return h->segs.v[i];
        }
    return NULL;
}

static char *cache_path(vrv_hist *h, const vrv_meta_segment *ms, vrv_error *err)
{
    vrv_deep_key key = {ms->data_source, ms->start, ms->end, ms->version, ms->partition_num, NULL};
    vrv_buf rel = VRV_BUF_INIT;
    if (vrv_deep_key_path(&key, &rel, err) < 0) {
        vrv_buf_free(&rel);
        return NULL;
    }
    vrv_buf p = VRV_BUF_INIT;
    vrv_buf_printf(&p, "%s/%s", h->cache, rel.data);
    vrv_buf_free(&rel);
    return vrv_buf_detach(&p);
}

static void remove_cached(const char *path, const char *cache_root)
{
    unlink(path);
    /* Remove the directories of the key left empty, up to the cache root. */
    char *d = vrv_strdup(path);
    size_t root = strlen(cache_root);
    for (char *slash = strrchr(d, '/'); slash && (size_t)(slash - d) > root; slash = strrchr(d, '/')) {
        *slash = '\0';
        if (rmdir(d) != 0) break;
    }
    free(d);
}

int vrv_hist_load(vrv_hist *h, const char *payload, vrv_error *err)
{
    vrv_meta_segment ms;
    int rc = vrv_meta_segment_parse(payload, &ms, err);
    if (rc < 0) return rc;
    pthread_mutex_lock(&h->mu);
    bool have = find(h, ms.id, NULL) != NULL;
    pthread_mutex_unlock(&h->mu);
    if (have) {
        vrv_meta_segment_clear(&ms);
        return 0;
    }
    json_t *pj = json_loads(payload, 0, NULL);
    json_t *ls = json_object_get(pj, "loadSpec");
    json_t *size = json_object_get(pj, "size");
    char *path = cache_path(h, &ms, err);
    if (!path) {
        rc = vrv_error_prefix(err, "segment [%s]", ms.id);
        goto out;
    }
    struct stat st;
    bool cached = stat(path, &st) == 0 && json_is_integer(size) &&
                  (json_int_t)st.st_size == json_integer_value(size);
    if (!cached) {
        char *dir = vrv_strdup(path);
        *strrchr(dir, '/') = '\0';
        rc = vrv_fs_mkdirs(dir, err);
        free(dir);
        if (rc == 0) {
            char *lstext = json_dumps(ls ? ls : json_null(), JSON_COMPACT);
            rc = vrv_deep_pull(h->deep, lstext, path, err);
            free(lstext);
        }
        if (rc < 0) {
            vrv_error_prefix(err, "loading segment [%s]", ms.id);
            goto out;
        }
    }
    vrv_segment *seg = NULL;
    rc = vrv_segment_open(path, &seg, err);
    if (rc < 0) {
        remove_cached(path, h->cache); /* a damaged copy is pulled again next time */
        vrv_error_prefix(err, "loading segment [%s]", ms.id);
        goto out;
    }
    vrv_hist_seg *s = vrv_calloc(1, sizeof *s);
    s->id = vrv_strdup(ms.id);
    s->data_source = vrv_strdup(ms.data_source);
    s->interval = vrv_interval_make(ms.start_ms, ms.end_ms);
    s->version = vrv_strdup(ms.version);
    s->partition_num = ms.partition_num;
    s->core_partitions = ms.core_partitions;
    s->size = vrv_segment_file_size(seg);
    s->payload = json_incref(pj);
    if (!json_object_get(s->payload, "identifier"))
        json_object_set_new(s->payload, "identifier", json_string(ms.id));
    s->segment = seg;
    s->path = vrv_strdup(path);
    /* Announced before it counts as served: once vrv_hist_has says yes (a
     * streaming task's handoff check), the broker's view already prefers
     * this copy, so the task may drop its own. A query reaching the
     * historical in between finds it missing and asks again. */
    if (h->notify) h->notify(h->notify_ctx, s, true);
    pthread_mutex_lock(&h->mu);
    vrv_vec_push(&h->segs, s);
    pthread_mutex_unlock(&h->mu);
    VRV_INFO("historical", "serving segment [%s] (%zu rows%s)", s->id, vrv_segment_rows(seg),
             cached ? ", from the cache" : "");
out:
    free(path);
    json_decref(pj);
    vrv_meta_segment_clear(&ms);
    return rc;
}

bool vrv_hist_drop(vrv_hist *h, const char *id)
{
    pthread_mutex_lock(&h->mu);
    size_t pos;
    vrv_hist_seg *s = find(h, id, &pos);
    if (!s) {
        pthread_mutex_unlock(&h->mu);
        return false;
    }
    h->segs.v[pos] = h->segs.v[--h->segs.n];
    s->dropped = true;
    bool last = s->refs == 0;
    pthread_mutex_unlock(&h->mu);
    if (h->notify) h->notify(h->notify_ctx, s, false);
    char *path = vrv_strdup(s->path);
    VRV_INFO("historical", "dropped segment [%s]", id);
    if (last) seg_free(s);
    /* The mapping stays valid for readers still holding it; the name goes now. */
    remove_cached(path, h->cache);
    free(path);
    return true;
}

bool vrv_hist_has(vrv_hist *h, const char *id)
{
    pthread_mutex_lock(&h->mu);
    bool r = find(h, id, NULL) != NULL;
    pthread_mutex_unlock(&h->mu);
    return r;
}

vrv_hist_seg *vrv_hist_acquire(vrv_hist *h, const char *id)
{
    pthread_mutex_lock(&h->mu);
    vrv_hist_seg *s = find(h, id, NULL);
    if (s) s->refs++;
    pthread_mutex_unlock(&h->mu);
    return s;
}

void vrv_hist_release(vrv_hist *h, vrv_hist_seg *s)
{
    if (!s) return;
    pthread_mutex_lock(&h->mu);
    bool last = --s->refs == 0 && s->dropped;
    pthread_mutex_unlock(&h->mu);
    if (last) seg_free(s);
}

char **vrv_hist_list(vrv_hist *h, size_t *n)
{
    pthread_mutex_lock(&h->mu);
    char **ids = vrv_calloc(h->segs.n + 1, sizeof *ids);
    for (size_t i = 0; i < h->segs.n; i++) ids[i] = vrv_strdup(h->segs.v[i]->id);
    *n = h->segs.n;
    pthread_mutex_unlock(&h->mu);
    return ids;
}

json_t *vrv_hist_segments_json(vrv_hist *h, const char *data_source)
{
    json_t *a = json_array();
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->segs.n; i++)
        if (!data_source || strcmp(h->segs.v[i]->data_source, data_source) == 0)
            json_array_append(a, h->segs.v[i]->payload);
    pthread_mutex_unlock(&h->mu);
    return a;
}

void vrv_hist_totals(vrv_hist *h, size_t *count, uint64_t *bytes)
{
    uint64_t b = 0;
    pthread_mutex_lock(&h->mu);
    for (size_t i = 0; i < h->segs.n; i++) b += h->segs.v[i]->size;
    if (count) *count = h->segs.n;
    pthread_mutex_unlock(&h->mu);
    if (bytes) *bytes = b;
}
