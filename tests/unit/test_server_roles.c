/*
 * test_server_roles.c — the coordinator, the historical and the broker's view
 * working together over a real metadata store, deep storage and segment
 * files: loading published segments, reindexing (the overshadowed version is
 * marked unused only once the new one is served), incomplete versions,
 * segments that fail to load, the handoff check, load status, and serving
 * again from the cache after a restart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/mem.h"
#include "segment/segid.h"
#include "segment/seg_writer.h"
#include "server/coordinator.h"
#include "server/historical.h"
#include "server/view.h"
#include "test.h"

#define D VRV_MS_PER_DAY
static const vrv_ms T0 = 1614816000000LL; /* 2021-03-04 */

typedef struct env {
    vrv_meta *meta;
    vrv_deep *deep;
    vrv_hist *hist;
    vrv_view *view;
    vrv_coord *coord;
    vrv_dataserver server;
    char cache[512];
} env;

static void on_served(void *ctx, const vrv_hist_seg *s, bool served)
{
    env *e = ctx;
    if (served)
        vrv_view_announce(e->view, &e->server, s->payload);
    else
        vrv_view_unannounce(e->view, &e->server, s->id);
}

static void env_open_hist(env *e)
{
    vrv_error err;
    CHECK_INT(vrv_hist_new(e->cache, e->deep, &e->hist, &err), 0);
    vrv_hist_set_notify(e->hist, on_served, e);
    e->coord = vrv_coord_new(e->meta, e->hist, 1000);
}

static void env_close_hist(env *e)
{
    vrv_coord_free(e->coord);
    vrv_view_remove_server(e->view, &e->server);
    vrv_hist_free(e->hist);
}

static void env_init(env *e, const char *name)
{
    memset(e, 0, sizeof *e);
    char p[512];
    vrv_error err;
    snprintf(p, sizeof p, "%s/%s.db", vrv_test_tmpdir(), name);
    CHECK_INT(vrv_meta_open_sqlite(p, NULL, &e->meta, &err), 0);
    snprintf(p, sizeof p, "%s/%s-deep", vrv_test_tmpdir(), name);
    CHECK_INT(vrv_deep_open_local(p, &e->deep, &err), 0);
    snprintf(e->cache, sizeof e->cache, "%s/%s-cache", vrv_test_tmpdir(), name);
    e->view = vrv_view_new();
    e->server = (vrv_dataserver){"localhost:8888", VRV_SERVER_HISTORICAL, 0, NULL, NULL};
    env_open_hist(e);
}

static void env_free(env *e)
{
    env_close_hist(e);
    vrv_view_free(e->view);
    vrv_deep_close(e->deep);
    vrv_meta_close(e->meta);
}

/* Builds, pushes and publishes a one-row segment; returns its id. */
static char *publish(env *e, vrv_ms start, vrv_ms end, const char *version, int part, int core,
                     const char *page)
{
    vrv_seg_column_def cols[] = {{"page", VRV_C_STRING, NULL, false, true},
                                 {"count", VRV_C_LONG, NULL, true, false}};
    vrv_seg_writer *w = vrv_seg_writer_new(cols, 2, NULL);
    vrv_value row[2] = {vrv_string(page, strlen(page)), vrv_long(1)};
    vrv_seg_writer_add(w, start, row);
    char path[512];
    static int k;
    snprintf(path, sizeof path, "%s/build-%d.vseg", vrv_test_tmpdir(), k++);
    vrv_error err;
    CHECK_INT(vrv_seg_writer_finish(w, NULL, path, NULL, &err), 0);
    vrv_seg_writer_free(w);
    char s[VRV_TIME_STR_MAX], en[VRV_TIME_STR_MAX];
    vrv_time_format(start, s);
    vrv_time_format(end, en);
    vrv_deep_key key = {"wiki", s, en, version, part, NULL};
    char *ls = NULL;
    uint64_t size = 0;
    CHECK_INT(vrv_deep_push(e->deep, path, &key, &ls, &size, &err), 0);
    json_t *lsj = json_loads(ls, 0, NULL);
    const char *dims[] = {"page"}, *mets[] = {"count"};
    vrv_dataseg_desc d = {"wiki", vrv_interval_make(start, end), version, lsj, dims, 1, mets, 1,
                          part, core, size};
    json_t *j = vrv_dataseg_to_json(&d);
    char *text = json_dumps(j, JSON_COMPACT);
    const char *one[] = {text};
    CHECK_INT(vrv_meta_segments_insert(e->meta, one, 1, NULL, &err), 0);
    char *id = vrv_strdup(json_string_value(json_object_get(j, "identifier")));
    free(text);
    json_decref(j);
    json_decref(lsj);
    free(ls);
    unlink(path);
    return id;
}

static void cycle(env *e)
{
    vrv_error err;
    CHECK_INT(vrv_coord_run_once(e->coord, &err), 0);
}

static size_t used_count(env *e)
{
    vrv_meta_segment_list l = {0};
    vrv_error err;
    vrv_meta_segments_query(e->meta, "wiki", VRV_META_MIN_MS, VRV_META_MAX_MS, true, &l, &err);
    size_t n = l.n;
    vrv_meta_segment_list_free(&l);
    return n;
}

/* "version:partition,..." of what a query over [T0, T0+2D) would read. */
static void picks(env *e, char *out, size_t cap)
{
    vrv_interval q = {T0, T0 + 2 * D};
    vrv_view_pick *p;
    size_t n = vrv_view_select(e->view, "wiki", &q, 1, &p);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(out);
        snprintf(out + l, cap - l, "%s%s:%d", i ? "," : "", p[i].version, (int)p[i].partition_num);
        CHECK(p[i].server == &e->server);
    }
    vrv_view_picks_free(p, n);
}

TEST(roles_load_reindex_overshadow)
{
    env e;
    env_init(&e, "reindex");
    char *a = publish(&e, T0, T0 + D, "v1", 0, 2, "a");
    char *b = publish(&e, T0, T0 + D, "v1", 1, 2, "b");
    char *c = publish(&e, T0 + D, T0 + 2 * D, "v1", 0, 1, "c");
    CHECK(!vrv_coord_initialized(e.coord));
    cycle(&e);
    CHECK(vrv_coord_initialized(e.coord));
    CHECK(vrv_hist_has(e.hist, a) && vrv_hist_has(e.hist, b) && vrv_hist_has(e.hist, c));
    char buf[256];
    picks(&e, buf, sizeof buf);
    CHECK_STR(buf, "v1:0,v1:1,v1:0");
    json_t *ls = vrv_coord_loadstatus(e.coord, NULL, NULL, VRV_LOADSTATUS_PERCENT);
    CHECK_DBL(json_real_value(json_object_get(ls, "wiki")), 100.0);
    json_decref(ls);
    json_t *names = vrv_view_datasources(e.view);
    CHECK_STR(json_string_value(json_array_get(names, 0)), "wiki");
    json_decref(names);
    json_t *schema = vrv_view_schema(e.view, "wiki", vrv_interval_make(T0, T0 + D));
    char *ss = json_dumps(schema, JSON_COMPACT);
    CHECK_STR(ss, "{\"dimensions\":[\"page\"],\"metrics\":[\"count\"]}");
    free(ss);
    json_decref(schema);

    /* An incomplete reindex (core 2, one partition) hides nothing. */
    char *n0 = publish(&e, T0, T0 + D, "v2", 0, 2, "x");
    cycle(&e);
    CHECK(vrv_hist_has(e.hist, n0));
    picks(&e, buf, sizeof buf);
    CHECK_STR(buf, "v1:0,v1:1,v1:0");
    CHECK_INT(used_count(&e), 4);
    CHECK(vrv_coord_handoff_complete(e.coord, "wiki", vrv_interval_make(T0, T0 + D), "v2", 0));
    CHECK(!vrv_coord_handoff_complete(e.coord, "wiki", vrv_interval_make(T0, T0 + D), "v2", 1));

    /* Complete: v1 of the first day is marked unused and dropped in the same cycle. */
    char *n1 = publish(&e, T0, T0 + D, "v2", 1, 2, "y");
    cycle(&e);
    picks(&e, buf, sizeof buf);
    CHECK_STR(buf, "v2:0,v2:1,v1:0");
    CHECK_INT(used_count(&e), 3);
    CHECK(!vrv_hist_has(e.hist, a) && !vrv_hist_has(e.hist, b));
    /* The dropped segment is overshadowed by served ones: its handoff is complete too. */
    CHECK(vrv_coord_handoff_complete(e.coord, "wiki", vrv_interval_make(T0, T0 + D), "v1", 1));

    /* markUnused: the second day leaves. */
    const char *ids[] = {c};
    size_t changed = 0;
    vrv_error err;
    CHECK_INT(vrv_meta_segments_set_used(e.meta, ids, 1, false, &changed, &err), 0);
    cycle(&e);
    CHECK(!vrv_hist_has(e.hist, c));
    picks(&e, buf, sizeof buf);
    CHECK_STR(buf, "v2:0,v2:1");

    free(a);
    free(b);
    free(c);
    free(n0);
    free(n1);
    env_free(&e);
}

TEST(roles_load_failure_and_cache_restart)
{
    env e;
    env_init(&e, "restart");
    char *a = publish(&e, T0, T0 + D, "v1", 0, 1, "a");
    /* A segment whose deep-storage file is gone. */
    char *b = publish(&e, T0 + D, T0 + 2 * D, "v1", 0, 1, "b");
    char p[1024];
    snprintf(p, sizeof p,
             "%s/restart-deep/wiki/2021-03-05T00:00:00.000Z_2021-03-06T00:00:00.000Z/v1/0/index.vseg",
             vrv_test_tmpdir());
    CHECK_INT(unlink(p), 0);
    cycle(&e);
    CHECK(vrv_hist_has(e.hist, a));
    CHECK(!vrv_hist_has(e.hist, b));
    json_t *ls = vrv_coord_loadstatus(e.coord, NULL, NULL, VRV_LOADSTATUS_PERCENT);
    CHECK_DBL(json_real_value(json_object_get(ls, "wiki")), 50.0);
    json_decref(ls);
    ls = vrv_coord_loadstatus(e.coord, NULL, NULL, VRV_LOADSTATUS_SIMPLE);
    CHECK_INT(json_integer_value(json_object_get(ls, "wiki")), 1);
    json_decref(ls);
    ls = vrv_coord_loadstatus(e.coord, NULL, NULL, VRV_LOADSTATUS_FULL);
    CHECK_INT(json_integer_value(json_object_get(json_object_get(ls, "_default_tier"), "wiki")), 1);
    json_decref(ls);
    vrv_interval first = {T0, T0 + D};
    ls = vrv_coord_loadstatus(e.coord, "wiki", &first, VRV_LOADSTATUS_PERCENT);
    CHECK_DBL(json_real_value(json_object_get(ls, "wiki")), 100.0);
    json_decref(ls);
    CHECK(vrv_coord_loadstatus(e.coord, "nope", NULL, VRV_LOADSTATUS_PERCENT) == NULL);

    /* Restart the historical: the cached file serves even without deep storage. */
    snprintf(p, sizeof p,
             "%s/restart-deep/wiki/2021-03-04T00:00:00.000Z_2021-03-05T00:00:00.000Z/v1/0/index.vseg",
             vrv_test_tmpdir());
    env_close_hist(&e);
    CHECK_INT(unlink(p), 0);
    env_open_hist(&e);
    cycle(&e);
    CHECK(vrv_hist_has(e.hist, a));
    vrv_hist_seg *s = vrv_hist_acquire(e.hist, a);
    CHECK(s != NULL);
    if (s) {
        CHECK_INT(vrv_segment_rows(s->segment), 1);
        /* dropped while a reader holds it: still readable until released */
        CHECK(vrv_hist_drop(e.hist, a));
        CHECK_INT(vrv_segment_rows(s->segment), 1);
        vrv_hist_release(e.hist, s);
    }
    free(a);
    free(b);
    env_free(&e);
}
