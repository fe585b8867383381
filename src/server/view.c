/*
 * view.c — the broker's server view (see view.h).
 */
#include "server/view.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "base/vec.h"
#include "segment/timeline.h"
#include "storage/meta.h"

typedef struct vseg {
    char *id;
    vrv_interval iv;
    char *version;
    int32_t part;
    json_t *payload;
    VRV_VEC(vrv_dataserver *) servers;
} vseg;

typedef struct vds {
    char *name;
    vrv_timeline *tl; /* chunks point to vsegs */
    VRV_VEC(vseg *) segs;
} vds;

struct vrv_view {
    pthread_mutex_t mu;
    VRV_VEC(vds *) ds;
};

void vrv_dataserver_ref(vrv_dataserver *s)
{
    if (s && s->release) atomic_fetch_add(&s->refs, 1);
}

void vrv_dataserver_unref(vrv_dataserver *s)
{
    if (s && s->release && atomic_fetch_sub(&s->refs, 1) == 1) s->release(s);
}

vrv_view *vrv_view_new(void)
{
    vrv_view *v = vrv_calloc(1, sizeof *v);
    pthread_mutex_init(&v->mu, NULL);
    return v;
}

static void vseg_free(vseg *s)
{
    free(s->id);
    free(s->version);
    json_decref(s->payload);
    vrv_vec_free(&s->servers);
    free(s);
}

static void vds_free(vds *d)
{
    for (size_t i = 0; i < d->segs.n; i++) vseg_free(d->segs.v[i]);
    vrv_vec_free(&d->segs);
    vrv_timeline_free(d->tl);
    free(d->name);
    free(d);
}

void vrv_view_free(vrv_view *v)
{
    if (!v) return;
    for (size_t i = 0; i < v->ds.n; i++) vds_free(v->ds.v[i]);
    vrv_vec_free(&v->ds);
    pthread_mutex_destroy(&v->mu);
    free(v);
}

static vds *find_ds(vrv_view *v, const char *name, size_t *pos)
{
    for (size_t i = 0; i < v->ds.n; i++)
        if (strcmp(v->ds.v[i]->name, name) == 0) {
            if (pos) *pos = i;
            return v->ds.v[i];
        }
    return NULL;
}

static vseg *find_seg(vds *d, const char *id, size_t *pos)
{
    for (size_t i = 0; i < d->segs.n; i++)
        if (strcmp(d->segs.v[i]->id, id) == 0) {
            if (pos) *pos = i;
            return d->segs.v[i];
        }
    return NULL;
}

void vrv_view_announce(vrv_view *v, vrv_dataserver *server, json_t *dataseg)
{
    char *text = json_dumps(dataseg, JSON_COMPACT);
    vrv_meta_segment ms;
    int rc = vrv_meta_segment_parse(text, &ms, NULL);
    free(text);
    if (rc < 0) return;
    pthread_mutex_lock(&v->mu);
    vds *d = find_ds(v, ms.data_source, NULL);
    if (!d) {
        d = vrv_calloc(1, sizeof *d);
        d->name = vrv_strdup(ms.data_source);
        d->tl = vrv_timeline_new();
        vrv_vec_push(&v->ds, d);
    }
    vseg *s = find_seg(d, ms.id, NULL);
    if (!s) {
        s = vrv_calloc(1, sizeof *s);
        s->id = vrv_strdup(ms.id);
        s->iv = vrv_interval_make(ms.start_ms, ms.end_ms);
        s->version = vrv_strdup(ms.version);
        s->part = ms.partition_num;
        s->payload = json_incref(dataseg);
        if (vrv_timeline_add(d->tl, s->iv, s->version, s->part, ms.core_partitions, s) < 0) {
            vseg_free(s);
            s = NULL;
        } else {
            vrv_vec_push(&d->segs, s);
        }
    }
    if (s) {
        bool have = false;
        for (size_t i = 0; i < s->servers.n; i++) have = have || s->servers.v[i] == server;
        if (!have) {
            vrv_vec_push(&s->servers, server);
        } else if (s->servers.n == 1 && s->payload != dataseg) {
            json_decref(s->payload);
            s->payload = json_incref(dataseg);
        }
    }
    pthread_mutex_unlock(&v->mu);
    vrv_meta_segment_clear(&ms);
}

/* Caller holds mu. */
static void unannounce_locked(vrv_view *v, size_t dpos, vseg *s, size_t spos,
                              vrv_dataserver *server)
{
    vds *d = v->ds.v[dpos];
    for (size_t i = 0; i < s->servers.n; i++)
        if (s->servers.v[i] == server) {
            s->servers.v[i] = s->servers.v[--s->servers.n];
            break;
        }
    if (s->servers.n > 0) return;
    vrv_timeline_remove(d->tl, s->iv, s->version, s->part);
    d->segs.v[spos] = d->segs.v[--d->segs.n];
    vseg_free(s);
    if (d->segs.n == 0) {
        v->ds.v[dpos] = v->ds.v[--v->ds.n];
        vds_free(d);
    }
}

void vrv_view_unannounce(vrv_view *v, vrv_dataserver *server, const char *segment_id)
{
    pthread_mutex_lock(&v->mu);
    for (size_t i = 0; i < v->ds.n; i++) {
        size_t spos;
        vseg *s = find_seg(v->ds.v[i], segment_id, &spos);
        if (s) {
            unannounce_locked(v, i, s, spos, server);
            break;
        }
    }
    pthread_mutex_unlock(&v->mu);
}

void vrv_view_remove_server(vrv_view *v, vrv_dataserver *server)
{
    pthread_mutex_lock(&v->mu);
    /* Each removal may reorder or free entries, so search again after it. */
    for (bool again = true; again;) {
        again = false;
        for (size_t i = 0; i < v->ds.n && !again; i++) {
            vds *d = v->ds.v[i];
            for (size_t k = 0; k < d->segs.n && !again; k++) {
                vseg *s = d->segs.v[k];
                for (size_t j = 0; j < s->servers.n; j++)
                    if (s->servers.v[j] == server) {
                        unannounce_locked(v, i, s, k, server);
                        again = true;
                        break;
                    }
            }
        }
    }
    pthread_mutex_unlock(&v->mu);
}

/* Highest priority; historicals before real-time servers; then the first
 * to announce. A server other than avoid (may be NULL) when there is one. */
static vrv_dataserver *choose(const vseg *s, const vrv_dataserver *avoid)
{
    vrv_dataserver *best = NULL;
    for (size_t i = 0; i < s->servers.n; i++) {
        vrv_dataserver *c = s->servers.v[i];
        if (c == avoid && s->servers.n > 1) continue;
        if (!best || c->priority > best->priority ||
            (c->priority == best->priority && c->type < best->type))
            best = c;
    }
    return best;
}

size_t vrv_view_select(vrv_view *v, const char *data_source, const vrv_interval *ivs, size_t n,
                       vrv_view_pick **out)
{
    VRV_VEC(vrv_view_pick) picks = {0};
    pthread_mutex_lock(&v->mu);
    vds *d = find_ds(v, data_source, NULL);
    for (size_t q = 0; d && q < n; q++) {
        vrv_tl_holder *h;
        size_t nh = vrv_timeline_lookup(d->tl, ivs[q], &h);
        for (size_t i = 0; i < nh; i++)
            for (size_t c = 0; c < h[i].nchunks; c++) {
                vseg *s = h[i].chunks[c].obj;
                vrv_view_pick p = {vrv_strdup(s->id), vrv_strdup(d->name), s->iv, h[i].interval,
                                   vrv_strdup(s->version), s->part, choose(s, NULL)};
                vrv_dataserver_ref(p.server);
                vrv_vec_push(&picks, p);
            }
        free(h);
    }
    pthread_mutex_unlock(&v->mu);
    *out = picks.v;
    return picks.n;
}

vrv_dataserver *vrv_view_repick(vrv_view *v, const char *data_source, const char *segment_id,
                                const vrv_dataserver *failed)
{
    vrv_dataserver *r = NULL;
    pthread_mutex_lock(&v->mu);
    vds *d = find_ds(v, data_source, NULL);
    vseg *s = d ? find_seg(d, segment_id, NULL) : NULL;
    if (s) {
        r = choose(s, failed);
        vrv_dataserver_ref(r);
    }
    pthread_mutex_unlock(&v->mu);
    return r;
}

size_t vrv_view_servers(vrv_view *v, const char *data_source, const char *segment_id,
                        vrv_server_type *types, char **names, size_t cap)
{
    size_t n = 0;
    pthread_mutex_lock(&v->mu);
    vds *d = find_ds(v, data_source, NULL);
    vseg *s = d ? find_seg(d, segment_id, NULL) : NULL;
    for (size_t i = 0; s && i < s->servers.n && n < cap; i++, n++) {
        types[n] = s->servers.v[i]->type;
        names[n] = vrv_strdup(s->servers.v[i]->name ? s->servers.v[i]->name : "");
    }
    pthread_mutex_unlock(&v->mu);
    return n;
}

void vrv_view_picks_free(vrv_view_pick *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        vrv_dataserver_unref(p[i].server);
        free(p[i].segment_id);
        free(p[i].data_source);
        free(p[i].version);
    }
    free(p);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *vrv_view_datasources(vrv_view *v)
{
    pthread_mutex_lock(&v->mu);
    const char **names = vrv_calloc(v->ds.n + 1, sizeof *names);
    for (size_t i = 0; i < v->ds.n; i++) names[i] = v->ds.v[i]->name;
    qsort(names, v->ds.n, sizeof *names, cmp_str);
    json_t *a = json_array();
    for (size_t i = 0; i < v->ds.n; i++) json_array_append_new(a, json_string(names[i]));
    pthread_mutex_unlock(&v->mu);
    free(names);
    return a;
}

bool vrv_view_has(vrv_view *v, const char *data_source)
{
    pthread_mutex_lock(&v->mu);
    bool r = find_ds(v, data_source, NULL) != NULL;
    pthread_mutex_unlock(&v->mu);
    return r;
}

bool vrv_view_extent(vrv_view *v, const char *data_source, vrv_interval *out)
{
    pthread_mutex_lock(&v->mu);
    vds *d = find_ds(v, data_source, NULL);
    bool r = d && d->segs.n > 0;
    if (r) {
        *out = d->segs.v[0]->iv;
        for (size_t i = 1; i < d->segs.n; i++) {
            if (d->segs.v[i]->iv.start < out->start) out->start = d->segs.v[i]->iv.start;
            if (d->segs.v[i]->iv.end > out->end) out->end = d->segs.v[i]->iv.end;
        }
    }
    pthread_mutex_unlock(&v->mu);
    return r;
}

/* Adds the comma-separated names of s to set (a JSON object used as a set). */
static void add_names(json_t *set, const char *s)
{
    if (!s) return;
    while (*s) {
        const char *e = strchr(s, ',');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n) {
            char *name = vrv_strndup(s, n);
            json_object_set_new(set, name, json_true());
            free(name);
        }
        if (!e) break;
        s = e + 1;
    }
}

static json_t *sorted_keys(json_t *set)
{
    size_t n = json_object_size(set);
    const char **k = vrv_calloc(n + 1, sizeof *k);
    size_t i = 0;
    const char *key;
    json_t *val;
    json_object_foreach(set, key, val) k[i++] = key;
    qsort(k, n, sizeof *k, cmp_str);
    json_t *a = json_array();
    for (i = 0; i < n; i++) json_array_append_new(a, json_string(k[i]));
    free(k);
    return a;
}

json_t *vrv_view_schema(vrv_view *v, const char *data_source, vrv_interval interval)
{
    json_t *dims = json_object(), *mets = json_object();
    pthread_mutex_lock(&v->mu);
    vds *d = find_ds(v, data_source, NULL);
    if (d) {
        vrv_tl_holder *h;
        size_t nh = vrv_timeline_lookup(d->tl, interval, &h);
        for (size_t i = 0; i < nh; i++)
            for (size_t c = 0; c < h[i].nchunks; c++) {
                const vseg *s = h[i].chunks[c].obj;
                add_names(dims, json_string_value(json_object_get(s->payload, "dimensions")));
                add_names(mets, json_string_value(json_object_get(s->payload, "metrics")));
            }
        free(h);
    }
    pthread_mutex_unlock(&v->mu);
    json_t *r = json_pack("{s:o, s:o}", "dimensions", sorted_keys(dims), "metrics", sorted_keys(mets));
    json_decref(dims);
    json_decref(mets);
    return r;
}
