/*
 * coordinator.c — the coordinator cycle and load status (see coordinator.h).
 */
#include "server/coordinator.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"
#include "segment/segid.h"
#include "segment/timeline.h"

typedef struct want {
    char *id;
    vrv_interval iv;
} want;

/* What the last cycle decided for one data source. */
typedef struct dsstate {
    char *name;
    VRV_VEC(want) wanted; /* used, not overshadowed */
} dsstate;

struct vrv_coord {
    vrv_meta *meta;
    vrv_hist *hist;
    int64_t period_ms;
    pthread_mutex_t mu; /* state below */
    pthread_cond_t cv;
    VRV_VEC(dsstate) ds;
    uint64_t cycles;  /* completed cycles */
    bool poked, stop, running;
    pthread_mutex_t run_mu; /* one cycle at a time */
    pthread_t thread;
};

static void ds_clear(dsstate *d)
{
    for (size_t i = 0; i < d->wanted.n; i++) free(d->wanted.v[i].id);
    vrv_vec_free(&d->wanted);
    free(d->name);
}

vrv_coord *vrv_coord_new(vrv_meta *meta, vrv_hist *hist, int64_t period_ms)
{
    vrv_coord *c = vrv_calloc(1, sizeof *c);
    c->meta = meta;
    c->hist = hist;
    c->period_ms = period_ms > 0 ? period_ms : 1000;
    pthread_mutex_init(&c->mu, NULL);
    pthread_mutex_init(&c->run_mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    return c;
}

/* Served segments of one data source as a timeline of their ids. */
static vrv_timeline *served_timeline(vrv_hist *h, const char *ds)
{
    vrv_timeline *tl = vrv_timeline_new();
    json_t *segs = vrv_hist_segments_json(h, ds);
    size_t i;
    json_t *s;
    json_array_foreach(segs, i, s)
    {
        const char *id = json_string_value(json_object_get(s, "identifier"));
        vrv_segid sid;
        if (!id || vrv_segid_parse(id, ds, &sid, NULL) < 0) continue;
        json_t *ss = json_object_get(s, "shardSpec");
        int core = (int)json_integer_value(json_object_get(ss, "partitions"));
        vrv_timeline_add(tl, sid.interval, sid.version, sid.partition_num, core, NULL);
        vrv_segid_clear(&sid);
    }
    json_decref(segs);
    return tl;
}

static int cycle_ds(vrv_coord *c, const char *ds, vrv_map *used_ids, dsstate *st, vrv_error *err)
{
    vrv_meta_segment_list l = {0};
    int rc = vrv_meta_segments_query(c->meta, ds, VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, err);
    if (rc < 0) return rc;
    vrv_timeline *tl = vrv_timeline_new();
    for (size_t i = 0; i < l.n; i++)
        vrv_timeline_add(tl, vrv_interval_make(l.v[i].start_ms, l.v[i].end_ms), l.v[i].version,
                         l.v[i].partition_num, l.v[i].core_partitions, &l.v[i]);
    /* Load what is used and not hidden by other used segments. */
    for (size_t i = 0; i < l.n; i++) {
        const vrv_meta_segment *s = &l.v[i];
        vrv_interval iv = {s->start_ms, s->end_ms};
        if (vrv_timeline_is_overshadowed(tl, iv, s->version)) continue;
        want w = {vrv_strdup(s->id), iv};
        vrv_vec_push(&st->wanted, w);
        if (vrv_hist_has(c->hist, s->id)) continue;
        vrv_error le;
        if (vrv_hist_load(c->hist, s->payload, &le) < 0)
            VRV_WARN("coordinator", "%s (will retry)", le.msg);
    }
    /* Mark unused the used segments overshadowed by what is served now. */
    vrv_timeline *served = served_timeline(c->hist, ds);
    VRV_VEC(const char *) unused = {0};
    for (size_t i = 0; i < l.n; i++) {
        const vrv_meta_segment *s = &l.v[i];
        if (vrv_timeline_is_overshadowed(served, vrv_interval_make(s->start_ms, s->end_ms),
                                         s->version))
            vrv_vec_push(&unused, s->id);
        else
            vrv_map_put(used_ids, s->id, strlen(s->id), NULL);
    }
    if (unused.n) {
        size_t changed = 0;
        vrv_error e2;
        if (vrv_meta_segments_set_used(c->meta, unused.v, unused.n, false, &changed, &e2) < 0)
            VRV_WARN("coordinator", "marking overshadowed segments of [%s] unused: %s", ds, e2.msg);
        else
            VRV_INFO("coordinator", "marked %zu overshadowed segments of [%s] unused", changed, ds);
    }
    vrv_vec_free(&unused);
    vrv_timeline_free(served);
    vrv_timeline_free(tl);
    vrv_meta_segment_list_free(&l);
    return 0;
}

int vrv_coord_run_once(vrv_coord *c, vrv_error *err)
{
    pthread_mutex_lock(&c->run_mu);
    vrv_meta_str_list dss = {0};
    int rc = vrv_meta_datasources(c->meta, false, &dss, err);
    VRV_VEC(dsstate) next = {0};
    vrv_map used_ids;
    vrv_map_init(&used_ids, true);
    for (size_t i = 0; rc == 0 && i < dss.n; i++) {
        dsstate st = {vrv_strdup(dss.v[i]), {0}};
        rc = cycle_ds(c, dss.v[i], &used_ids, &st, err);
        vrv_vec_push(&next, st);
    }
    if (rc == 0) {
        /* Drop whatever is served but no longer used. */
        size_t n;
        char **ids = vrv_hist_list(c->hist, &n);
        for (size_t i = 0; i < n; i++) {
            if (!vrv_map_get(&used_ids, ids[i], strlen(ids[i]))) vrv_hist_drop(c->hist, ids[i]);
            free(ids[i]);
        }
        free(ids);
    }
    vrv_map_destroy(&used_ids);
    vrv_meta_str_list_free(&dss);
    pthread_mutex_lock(&c->mu);
    if (rc == 0) {
        for (size_t i = 0; i < c->ds.n; i++) ds_clear(&c->ds.v[i]);
        vrv_vec_free(&c->ds);
        c->ds.v = next.v;
        c->ds.n = next.n;
        c->ds.cap = next.cap;
        next.v = NULL;
        next.n = 0;
    }
    c->cycles++;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    for (size_t i = 0; i < next.n; i++) ds_clear(&next.v[i]);
    vrv_vec_free(&next);
    pthread_mutex_unlock(&c->run_mu);
    return rc;
}

static void *coord_main(void *arg)
{
    vrv_coord *c = arg;
    for (;;) {
        vrv_error err;
        if (vrv_coord_run_once(c, &err) < 0) VRV_WARN("coordinator", "cycle failed: %s", err.msg);
        pthread_mutex_lock(&c->mu);
        if (!c->stop && !c->poked) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t ns = ts.tv_nsec + (c->period_ms % 1000) * 1000000L;
            ts.tv_sec += c->period_ms / 1000 + ns / 1000000000L;
            ts.tv_nsec = ns % 1000000000L;
            pthread_cond_timedwait(&c->cv, &c->mu, &ts);
        }
        c->poked = false;
        bool stop = c->stop;
        pthread_mutex_unlock(&c->mu);
        if (stop) break;
    }
    return NULL;
}

int vrv_coord_start(vrv_coord *c, vrv_error *err)
{
    if (pthread_create(&c->thread, NULL, coord_main, c) != 0)
        return vrv_error_set(err, VRV_EIO, "coordinator: cannot start its thread");
    c->running = true;
    return 0;
}

void vrv_coord_free(vrv_coord *c)
{
    if (!c) return;
    if (c->running) {
        pthread_mutex_lock(&c->mu);
        c->stop = true;
        pthread_cond_broadcast(&c->cv);
        pthread_mutex_unlock(&c->mu);
        pthread_join(c->thread, NULL);
    }
    for (size_t i = 0; i < c->ds.n; i++) ds_clear(&c->ds.v[i]);
    vrv_vec_free(&c->ds);
    pthread_mutex_destroy(&c->mu);
    pthread_mutex_destroy(&c->run_mu);
    pthread_cond_destroy(&c->cv);
    free(c);
}

void vrv_coord_poke(vrv_coord *c)
{
    pthread_mutex_lock(&c->mu);
    c->poked = true;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
}

bool vrv_coord_initialized(vrv_coord *c)
{
    pthread_mutex_lock(&c->mu);
    bool r = c->cycles > 0;
    pthread_mutex_unlock(&c->mu);
    return r;
}

bool vrv_coord_wait_cycle(vrv_coord *c, int64_t timeout_ms)
{
    pthread_mutex_lock(&c->mu);
    /* A cycle in progress may have read the store before the caller's change. */
    uint64_t target = c->cycles + 2;
    c->poked = true;
    pthread_cond_broadcast(&c->cv);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t ns = ts.tv_nsec + (timeout_ms % 1000) * 1000000L;
    ts.tv_sec += timeout_ms / 1000 + ns / 1000000000L;
    ts.tv_nsec = ns % 1000000000L;
    while (c->cycles < target) {
        if (pthread_cond_timedwait(&c->cv, &c->mu, &ts) != 0) break;
        if (c->cycles < target) {
            c->poked = true;
            pthread_cond_broadcast(&c->cv);
        }
    }
    bool ok = c->cycles >= target;
    pthread_mutex_unlock(&c->mu);
    return ok;
}

json_t *vrv_coord_loadstatus(vrv_coord *c, const char *ds, const vrv_interval *interval,
                             vrv_loadstatus_mode mode)
{
    json_t *per = json_object();
    bool found = false;
    pthread_mutex_lock(&c->mu);
    for (size_t i = 0; i < c->ds.n; i++) {
        const dsstate *d = &c->ds.v[i];
        if (ds && strcmp(ds, d->name) != 0) continue;
        size_t total = 0, loaded = 0;
        for (size_t k = 0; k < d->wanted.n; k++) {
            if (interval && !vrv_interval_overlaps(*interval, d->wanted.v[k].iv)) continue;
            total++;
            if (vrv_hist_has(c->hist, d->wanted.v[k].id)) loaded++;
        }
        if (ds && total == 0) continue;
        found = true;
        if (mode == VRV_LOADSTATUS_PERCENT)
            json_object_set_new(per, d->name,
                                json_real(total ? 100.0 * (double)loaded / (double)total : 100.0));
        else
            json_object_set_new(per, d->name, json_integer((json_int_t)(total - loaded)));
    }
    pthread_mutex_unlock(&c->mu);
    if (ds && !found) {
        json_decref(per);
        return NULL;
    }
    if (mode == VRV_LOADSTATUS_FULL) return json_pack("{s:o}", "_default_tier", per);
    return per;
}

bool vrv_coord_handoff_complete(vrv_coord *c, const char *ds, vrv_interval interval,
                                const char *version, int32_t partition)
{
    char *id = vrv_segid_format(ds, interval, version, partition);
    bool done = vrv_hist_has(c->hist, id);
    free(id);
    if (done) return true;
    vrv_timeline *tl = served_timeline(c->hist, ds);
    done = vrv_timeline_is_overshadowed(tl, interval, version);
    vrv_timeline_free(tl);
    return done;
}
