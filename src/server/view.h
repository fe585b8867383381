/*
 * view.h — the broker's view of the cluster: which data server serves which
 * segment. Historicals announce the segments they load; real-time tasks will
 * announce the segments they build under the same ids. One segment id may
 * thus be served by several servers at once; a query picks exactly one of
 * them per segment, so no row is counted twice.
 *
 * Per data source the view keeps a timeline (segment/timeline.h) of the
 * announced segments, so a query over some intervals gets the visible
 * segments with overshadowing and partition completeness applied — exactly
 * the segments Druid's broker would query.
 *
 * Servers are borrowed, but a query may still be talking to a server after
 * it left the view: a server with a release function is reference counted
 * (its owner holds one reference, every pick of vrv_view_select or
 * vrv_view_repick another), and is released once it was removed from the
 * view (vrv_view_remove_server) and the last reference is dropped. A server
 * without one (the node's own historical) must outlive every query.
 * Thread safe.
 */
#ifndef VRV_VIEW_H
#define VRV_VIEW_H

#include <jansson.h>
#include <stdatomic.h>

#include "base/time.h"

typedef struct vrv_dataserver vrv_dataserver;

/* The kind of a server, as sys.servers / Druid's server types name it. */
typedef enum vrv_server_type {
    VRV_SERVER_HISTORICAL = 0,
    VRV_SERVER_REALTIME, /* "indexer-executor": a task serving what it ingests */
} vrv_server_type;

/* A data server as the broker sees it. The query fan-out (server/broker.h)
 * reaches it through its ops; the view only needs its identity. */
struct vrv_dataserver {
    const char *name;     /* "host:port" or a task id */
    vrv_server_type type;
    int priority;         /* higher is preferred (Druid's tier priority) */
    const struct vrv_dataserver_ops *ops;
    void *impl;
    /* NULL: the server outlives every query. Else called (on whatever
     * thread drops it) when the last reference goes. */
    void (*release)(vrv_dataserver *s);
    atomic_int refs; /* starts at 1, the owner's */
};

/* Another reference to s (a no-op without a release function). */
void vrv_dataserver_ref(vrv_dataserver *s);
/* Drops one; the last calls s->release. s may be NULL. */
void vrv_dataserver_unref(vrv_dataserver *s);

typedef struct vrv_view vrv_view;

vrv_view *vrv_view_new(void);
void vrv_view_free(vrv_view *v); /* v may be NULL */

/* server now serves the segment described by dataseg (a DataSegment JSON,
 * referenced). Announcing an id twice for one server is a no-op, except
 * that the segment's description is replaced when server is its only
 * server (a real-time segment's dimensions grow while it ingests). */
void vrv_view_announce(vrv_view *v, vrv_dataserver *server, json_t *dataseg);
/* server no longer serves segment_id. */
void vrv_view_unannounce(vrv_view *v, vrv_dataserver *server, const char *segment_id);
/* Unannounces everything server serves. */
void vrv_view_remove_server(vrv_view *v, vrv_dataserver *server);

/* One segment a query must read, and the server chosen to read it. */
typedef struct vrv_view_pick {
    char *segment_id;
    char *data_source;
    vrv_interval interval;  /* the segment's interval */
    vrv_interval visible;   /* the part of it the query may read (clipped to the
                               query intervals and to what newer versions leave) */
    char *version;
    int32_t partition_num;
    vrv_dataserver *server; /* referenced; NULL when no server serves it */
} vrv_view_pick;

/* The segments to query for data_source over intervals (sorted, condensed
 * or not), in time order. *out is malloc'd; free it with vrv_view_picks_free. */
size_t vrv_view_select(vrv_view *v, const char *data_source, const vrv_interval *ivs, size_t n,
                       vrv_view_pick **out);
void vrv_view_picks_free(vrv_view_pick *p, size_t n);

/* For a segment a query could not read from `failed` (it answered that it
 * no longer holds it, or could not be reached): the server to ask now — one
 * other than failed when another serves the segment (chosen as
 * vrv_view_select chooses), else failed itself while it still announces it
 * (referenced; drop it with vrv_dataserver_unref). NULL when the segment
 * left the view. */
vrv_dataserver *vrv_view_repick(vrv_view *v, const char *data_source, const char *segment_id,
                                const vrv_dataserver *failed);

/* The servers of a segment as (type, name) pairs in *types / *names — for
 * tests and sys tables: how many (at most cap). Names are copied into
 * names[i] (malloc'd). */
size_t vrv_view_servers(vrv_view *v, const char *data_source, const char *segment_id,
                        vrv_server_type *types, char **names, size_t cap);

/* Names of the data sources with served segments, sorted (new reference). */
json_t *vrv_view_datasources(vrv_view *v);

/* {"dimensions":[...],"metrics":[...]} of the visible segments of a data
 * source overlapping interval (the union, most recent segment's order
 * first), or NULL when it has none. New reference. */
json_t *vrv_view_schema(vrv_view *v, const char *data_source, vrv_interval interval);

/* Whether any segment of data_source is served. */
bool vrv_view_has(vrv_view *v, const char *data_source);

/* The smallest start and largest end of the served segments of a data
 * source; false when it has none. */
bool vrv_view_extent(vrv_view *v, const char *data_source, vrv_interval *out);

#endif
