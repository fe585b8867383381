/*
 * batch.h — the native batch ingestion task: `index`, and `index_parallel`
 * run in one process as Druid runs it sequentially (one split after the
 * other; druid-streaming.md §3.4, §3.6, §5.3).
 *
 * The run, in Druid's phases:
 *  - DETERMINE_PARTITIONS, only when granularitySpec has no intervals: a
 *    first pass over the input finds the segment-granularity buckets that
 *    hold rows (its own row counters and parse exceptions);
 *  - locks: an overwriting task takes an exclusive time-chunk lock on its
 *    buckets (condensed) and writes every segment under the lock's version;
 *    an appending one gets each segment id from the overlord's allocation,
 *    which locks the chunk and continues its existing version;
 *  - BUILD_SEGMENTS: every split runs through the row pipeline into one
 *    appendable index per bucket; rows outside the intervals are thrown
 *    away; all indexes are persisted to spill segments in DIR/spill when
 *    maxRowsInMemory or maxBytesInMemory is reached; reaching maxTotalRows
 *    closes the current spills of every bucket as a generation of its own
 *    (more partitions, as Druid's intermediate push gives); the spills of
 *    each generation are merged into final segments of at most
 *    maxRowsPerSegment rows, pushed to deep storage, and all of them are
 *    published in one segmentTransactionalInsert action — with dropExisting,
 *    the used segments inside the intervals are marked unused in the same
 *    transaction;
 *  - SEGMENT_AVAILABILITY_WAIT when awaitSegmentAvailabilityTimeoutMillis
 *    is set: until the coordinator reports every segment handed off;
 *  - COMPLETED; report.json holds the ingestionStatsAndErrors report.
 *
 * While it runs, the task's HTTP server answers liveReports, rowStats and
 * unparseableEvents under /druid/worker/v1/chat/<id>/. A SIGTERM stops the
 * task between rows; it then fails, publishing nothing.
 *
 * Only dynamic partitioning is built; hashed and range partitioning
 * (forceGuaranteedRollup) fail the task with VRV_EUNSUPPORTED.
 */
#ifndef VRV_TASK_BATCH_H
#define VRV_TASK_BATCH_H

#include "task/task.h"

/* Runs an `index` or `index_parallel` task (vrv_task_run_fn). */
void vrv_batch_run(vrv_task_env *env, vrv_error *failure);

#endif
