/*
 * report.h — a task's ingestion reports (druid-streaming.md §3.6): the
 * completion report written to report.json when the task ends, the live
 * report and rowStats its own HTTP server answers while it runs, and the
 * moving averages of the row counters those show.
 *
 * Moving averages are Dropwizard meters, as Druid's row ingestion meters
 * are: per counter an exponentially weighted rate per second over 1, 5 and
 * 15 minutes, ticked every 5 seconds. A vrv_task_meters is thread safe: the
 * ingesting thread marks the totals, HTTP threads read the rates.
 *
 * JSON results are new references owned by the caller.
 */
#ifndef VRV_TASK_REPORT_H
#define VRV_TASK_REPORT_H

#include <jansson.h>
#include <pthread.h>

#include "ingest/pipeline.h"

#define VRV_METER_COUNTERS 5 /* processed, processedBytes, processedWithError, unparseable, thrownAway */

typedef struct vrv_task_meters {
    pthread_mutex_t mu;
    vrv_row_stats totals;                  /* the latest totals marked */
    uint64_t counted[VRV_METER_COUNTERS];  /* counter values already ticked into the rates */
    double rate[3][VRV_METER_COUNTERS];    /* per second: 1, 5, 15 minutes */
    bool initialized;                      /* the first tick sets the rates */
    int64_t last_tick_ms;                  /* monotonic */
} vrv_task_meters;

/* Starts the meters now (monotonic clock). */
void vrv_task_meters_init(vrv_task_meters *m);
/* The same, starting at now_ms. */
void vrv_task_meters_init_at(vrv_task_meters *m, int64_t now_ms);
void vrv_task_meters_destroy(vrv_task_meters *m);
/* Records the current totals of a phase's pipeline (they only grow). */
void vrv_task_meters_mark(vrv_task_meters *m, const vrv_row_stats *totals);
/* {"1m":{...},"5m":{...},"15m":{...}}, each {processed, processedBytes,
 * processedWithError, unparseable, thrownAway} as doubles. */
json_t *vrv_task_meters_averages(vrv_task_meters *m);
/* The totals object of vrv_row_stats_to_json. */
json_t *vrv_task_meters_totals(vrv_task_meters *m);
/* mark and averages at a given monotonic time in ms (the clock the others
 * read), for tests; now_ms must not go backwards. */
void vrv_task_meters_mark_at(vrv_task_meters *m, const vrv_row_stats *totals, int64_t now_ms);
json_t *vrv_task_meters_averages_at(vrv_task_meters *m, int64_t now_ms);

/* The completion report. */
typedef struct vrv_task_report {
    const char *task_id;
    const char *ingestion_state;       /* NOT_STARTED, DETERMINE_PARTITIONS, BUILD_SEGMENTS,
                                          SEGMENT_AVAILABILITY_WAIT, COMPLETED */
    json_t *unparseable_events;        /* object, taken; NULL = {} */
    json_t *row_stats;                 /* object, taken; NULL = {} */
    const char *error_msg;             /* NULL on success */
    bool segment_availability_confirmed;
    int64_t segment_availability_wait_ms;
    json_t *records_processed;         /* object, taken; NULL = {} */
    int64_t segments_published;        /* < 0: left out */
    const json_t *context;             /* the taskContext report's payload (borrowed); NULL:
                                          no taskContext report */
} vrv_task_report;

/* {"ingestionStatsAndErrors":{"type","taskId","payload":{...}},
 *  "taskContext":{"type","taskId","payload":{...}}} */
json_t *vrv_task_report_json(const vrv_task_report *r);

/* The live report: {"ingestionStatsAndErrors":{"type","taskId","payload":
 * {"ingestionState","unparseableEvents","rowStats"}}}; the two objects are
 * taken. */
json_t *vrv_task_live_report_json(const char *task_id, const char *ingestion_state,
                                  json_t *unparseable_events, json_t *row_stats);

/* Druid's TaskStatus errorMsg: at most 100 characters, then "..."
 * (malloc'd; NULL for NULL). */
char *vrv_task_status_error(const char *msg);

#endif
