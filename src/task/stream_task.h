/*
 * stream_task.h — the streaming indexing task (`index_kafka`,
 * `index_kinesis`): Druid's SeekableStreamIndexTaskRunner
 * (druid-streaming.md §4.5-§4.13) in one task process.
 *
 * The task reads its partitions from its start positions, runs every record
 * through the row pipeline into one appendable index per (sequence, segment
 * interval) — segment ids allocated by the overlord from the deterministic
 * sequence name, so replicas build identical segments — persists the indexes
 * to spill files when maxRowsInMemory, maxBytesInMemory or
 * intermediatePersistPeriod says so, asks its supervisor for a checkpoint
 * when a segment reaches maxRowsPerSegment (or the task maxTotalRows, or
 * intermediateHandoffPeriod passes), and publishes each sequence when its
 * partitions are read to its end: the spills merged into final segments,
 * pushed to deep storage, and committed with the sequence's start and end
 * positions in one overlord transaction. It then waits for the coordinator
 * to hand the segments off (up to handoffConditionTimeout) and exits.
 *
 * Its own HTTP server (announced to the overlord) answers the supervisor's
 * "chat" endpoints under /druid/worker/v1/chat/<task id>/ (§3.5): status,
 * offsets/current, offsets/end (GET, POST ?finish), pause, resume, stop,
 * checkpoints, time/start, rowStats, liveReports, unparseableEvents.
 *
 * Kinesis: a position is the last record read, so a start from a stored or
 * checkpointed position (exclusive) and a restart read after it; a closed
 * shard read to its end is at EOS (a checkpoint is requested when other
 * shards are still read, so the EOS is published promptly); the user
 * records of a KPL aggregate go to one sequence and are never split by a
 * persist.
 *
 * Restart: a task run again in the same directory (the overlord does so for
 * a streaming task whose server stopped under it) restores its sequences and
 * only its committed spills (stream_state.h) and reads again from the
 * positions saved with them.
 *
 * A `stop` request or SIGTERM stops reading, persists, and ends SUCCESS
 * without publishing the open sequences (a supervisor replaces the task from
 * its last checkpoint).
 */
#ifndef VRV_TASK_STREAM_TASK_H
#define VRV_TASK_STREAM_TASK_H

#include "task/task.h"

/* Runs the index_kafka / index_kinesis task of env->payload (the vrv_task_run_fn of
 * `varve task`). Writes report.json; a failure fills failure with Druid's
 * message. */
void vrv_stask_run(vrv_task_env *env, vrv_error *failure);

/* How often the task asks the coordinator whether its published segments
 * were handed off (Druid's druid.segment.handoff.pollDuration is a minute;
 * varve's coordinator loads a published segment within seconds). */
#define VRV_STASK_HANDOFF_POLL_MS 500

#endif
