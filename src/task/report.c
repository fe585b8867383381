/*
 * report.c — ingestion reports and row meters (see report.h).
 */
#include "task/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/mem.h"

#define TICK_MS            5000 /* Dropwizard's meter tick */
#define STATUS_ERROR_MAX   100  /* Druid's TaskStatus keeps this many characters */

static const char *const COUNTER_NAMES[VRV_METER_COUNTERS] = {
    "processed", "processedBytes", "processedWithError", "unparseable", "thrownAway"};
static const char *const WINDOW_NAMES[3] = {"1m", "5m", "15m"};
static const double WINDOW_MINUTES[3] = {1, 5, 15};

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void counters(const vrv_row_stats *s, uint64_t out[VRV_METER_COUNTERS])
{
    out[0] = s->processed;
    out[1] = s->processed_bytes;
    out[2] = s->processed_with_error;
    out[3] = s->unparseable;
    out[4] = s->thrown_away;
}

void vrv_task_meters_init_at(vrv_task_meters *m, int64_t now_ms)
{
    memset(m, 0, sizeof *m);
    pthread_mutex_init(&m->mu, NULL);
    m->last_tick_ms = now_ms;
}

void vrv_task_meters_init(vrv_task_meters *m)
{
    vrv_task_meters_init_at(m, mono_ms());
}

void vrv_task_meters_destroy(vrv_task_meters *m)
{
    pthread_mutex_destroy(&m->mu);
}

/* Folds the counts marked since the last tick into the rates, one tick per
 * elapsed 5 s (the first gets the new counts, later ones none). Caller holds
 * mu. */
static void tick(vrv_task_meters *m, int64_t now)
{
    int64_t ticks = (now - m->last_tick_ms) / TICK_MS;
    if (ticks <= 0) return;
    m->last_tick_ms += ticks * TICK_MS;
    uint64_t cur[VRV_METER_COUNTERS];
    counters(&m->totals, cur);
    for (int64_t k = 0; k < ticks; k++) {
        for (int c = 0; c < VRV_METER_COUNTERS; c++) {
            double instant = (double)(cur[c] - m->counted[c]) / (TICK_MS / 1000.0);
            m->counted[c] = cur[c];
            for (int w = 0; w < 3; w++) {
                double alpha = 1.0 - exp(-(TICK_MS / 1000.0) / 60.0 / WINDOW_MINUTES[w]);
                if (!m->initialized)
                    m->rate[w][c] = instant;
                else
                    m->rate[w][c] += alpha * (instant - m->rate[w][c]);
            }
        }
        m->initialized = true;
    }
}

void vrv_task_meters_mark_at(vrv_task_meters *m, const vrv_row_stats *totals, int64_t now_ms)
{
    pthread_mutex_lock(&m->mu);
    tick(m, now_ms);
    m->totals = *totals;
    pthread_mutex_unlock(&m->mu);
}

void vrv_task_meters_mark(vrv_task_meters *m, const vrv_row_stats *totals)
{
    vrv_task_meters_mark_at(m, totals, mono_ms());
}

json_t *vrv_task_meters_averages(vrv_task_meters *m)
{
    return vrv_task_meters_averages_at(m, mono_ms());
}

json_t *vrv_task_meters_averages_at(vrv_task_meters *m, int64_t now_ms)
{
    json_t *o = json_object();
    pthread_mutex_lock(&m->mu);
    tick(m, now_ms);
    for (int w = 0; w < 3; w++) {
        json_t *r = json_object();
        for (int c = 0; c < VRV_METER_COUNTERS; c++)
            json_object_set_new(r, COUNTER_NAMES[c], json_real(m->rate[w][c]));
        json_object_set_new(o, WINDOW_NAMES[w], r);
    }
    pthread_mutex_unlock(&m->mu);
    return o;
}

json_t *vrv_task_meters_totals(vrv_task_meters *m)
{
    pthread_mutex_lock(&m->mu);
    vrv_row_stats s = m->totals;
    pthread_mutex_unlock(&m->mu);
    return vrv_row_stats_to_json(&s);
}

json_t *vrv_task_report_json(const vrv_task_report *r)
{
    json_t *p = json_object();
    json_object_set_new(p, "ingestionState", json_string(r->ingestion_state));
    json_object_set_new(p, "unparseableEvents",
                        r->unparseable_events ? r->unparseable_events : json_object());
    json_object_set_new(p, "rowStats", r->row_stats ? r->row_stats : json_object());
    json_object_set_new(p, "errorMsg", r->error_msg ? json_string(r->error_msg) : json_null());
    json_object_set_new(p, "segmentAvailabilityConfirmed",
                        json_boolean(r->segment_availability_confirmed));
    json_object_set_new(p, "segmentAvailabilityWaitTimeMs",
                        json_integer((json_int_t)r->segment_availability_wait_ms));
    json_object_set_new(p, "recordsProcessed",
                        r->records_processed ? r->records_processed : json_object());
    if (r->segments_published >= 0)
        json_object_set_new(p, "segmentsPublished", json_integer((json_int_t)r->segments_published));
    json_t *o = json_object();
    json_object_set_new(o, "ingestionStatsAndErrors",
                        json_pack("{s:s, s:s, s:o}", "type", "ingestionStatsAndErrors", "taskId",
                                  r->task_id, "payload", p));
    if (r->context)
        json_object_set_new(o, "taskContext",
                            json_pack("{s:s, s:s, s:O}", "type", "taskContext", "taskId",
                                      r->task_id, "payload", (json_t *)r->context));
    return o;
}

json_t *vrv_task_live_report_json(const char *task_id, const char *ingestion_state,
                                  json_t *unparseable_events, json_t *row_stats)
{
    json_t *p = json_object();
    json_object_set_new(p, "ingestionState", json_string(ingestion_state));
    json_object_set_new(p, "unparseableEvents",
                        unparseable_events ? unparseable_events : json_object());
    json_object_set_new(p, "rowStats", row_stats ? row_stats : json_object());
    json_t *o = json_object();
    json_object_set_new(o, "ingestionStatsAndErrors",
                        json_pack("{s:s, s:s, s:o}", "type", "ingestionStatsAndErrors", "taskId",
                                  task_id, "payload", p));
    return o;
}

char *vrv_task_status_error(const char *msg)
{
    if (!msg) return NULL;
    /* Java counts characters, not bytes: cut after STATUS_ERROR_MAX code
     * points so a multi-byte character is never split. */
    size_t chars = 0, i = 0;
    for (; msg[i]; i++) {
        if (((unsigned char)msg[i] & 0xC0) == 0x80) continue;
        if (chars == STATUS_ERROR_MAX) break;
        chars++;
    }
    if (!msg[i]) return vrv_strdup(msg);
    char *s = vrv_malloc(i + 4);
    memcpy(s, msg, i);
    memcpy(s + i, "...", 4);
    return s;
}
