/*
 * coordinator.h — the coordinator's duties on one machine: every period it
 * reads the used segments from the metadata store, has the historical load
 * the ones that are not overshadowed, marks unused the used segments that
 * are overshadowed by segments already being served (Druid's
 * MarkOvershadowedSegmentsAsUnused: only once their replacement is loaded, so
 * data never disappears in between), and has the historical drop what is no
 * longer used. It also answers the load-status questions of the coordinator
 * API and the handoff check of streaming tasks.
 *
 * A segment that fails to load (missing or corrupt in deep storage) is
 * logged and tried again on the next cycles. Thread safe.
 */
#ifndef VRV_COORDINATOR_H
#define VRV_COORDINATOR_H

#include <jansson.h>

#include "base/error.h"
#include "base/time.h"
#include "server/historical.h"
#include "storage/meta.h"

typedef struct vrv_coord vrv_coord;

/* meta and hist are borrowed. period_ms: time between cycles (> 0). */
vrv_coord *vrv_coord_new(vrv_meta *meta, vrv_hist *hist, int64_t period_ms);
/* Starts the cycle thread (the first cycle runs at once). */
int vrv_coord_start(vrv_coord *c, vrv_error *err);
/* Stops the thread and frees c. c may be NULL. */
void vrv_coord_free(vrv_coord *c);

/* Asks for a cycle as soon as possible (after a publish). */
void vrv_coord_poke(vrv_coord *c);
/* Runs one cycle on the calling thread. */
int vrv_coord_run_once(vrv_coord *c, vrv_error *err);
/* True once a cycle completed (GET /druid/historical/v1/loadstatus). */
bool vrv_coord_initialized(vrv_coord *c);
/* Blocks until a cycle that started after this call has finished, at most
 * timeout_ms; returns whether it did. */
bool vrv_coord_wait_cycle(vrv_coord *c, int64_t timeout_ms);

typedef enum vrv_loadstatus_mode {
    VRV_LOADSTATUS_PERCENT = 0, /* {"ds": 100.0} */
    VRV_LOADSTATUS_SIMPLE,      /* {"ds": segments left to load} */
    VRV_LOADSTATUS_FULL,        /* {"_default_tier": {"ds": segments left}} */
} vrv_loadstatus_mode;

/* Load status over every data source with used segments, or one (ds not
 * NULL; NULL result when it has no used segments). Segments counted are the
 * used, non-overshadowed ones of the last cycle; interval (may be NULL)
 * restricts them. New reference. */
json_t *vrv_coord_loadstatus(vrv_coord *c, const char *ds, const vrv_interval *interval,
                             vrv_loadstatus_mode mode);

/* The handoff check: is the segment (ds, interval, version, partition)
 * served by the historical, or overshadowed by segments it serves? */
bool vrv_coord_handoff_complete(vrv_coord *c, const char *ds, vrv_interval interval,
                                const char *version, int32_t partition);

#endif
