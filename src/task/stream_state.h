/*
 * stream_state.h — what a streaming task keeps on disk so that a restart in
 * the same directory resumes exactly where the last persist left it
 * (druid-streaming.md §4.5, §4.11):
 *
 *   persist/sequences.json   the task's sequences (Druid's SequenceMetadata
 *                            list), rewritten on every sequence change and
 *                            after every publish
 *   persist/commit.json      the persist commit: for every open segment
 *                            (sink) how many spill files are committed, and
 *                            the stream positions they hold everything before
 *                            ({"nextPartitions": currOffsets at persist time})
 *   persist/sinks/<segment id>/<n>.vseg   spill file n of a sink
 *
 * A persist writes the new spill files first and the commit file last (an
 * atomic rename), so a crash at any point leaves a commit that names only
 * complete files. A restart deletes what the commit does not name (sink
 * directories it does not list, spill files numbered at or beyond a sink's
 * committed count) and reads again from nextPartitions: rows after the last
 * persist are simply read a second time.
 *
 * This file also holds the sequence bookkeeping the task loop uses (which
 * sequence a record belongs to, whether a sequence is still open). Nothing
 * here is thread safe; the task serialises access.
 */
#ifndef VRV_TASK_STREAM_STATE_H
#define VRV_TASK_STREAM_STATE_H

#include <jansson.h>

#include "base/error.h"
#include "base/vrv.h"
#include "ingest/pipeline.h"
#include "stream/position.h"

#define VRV_STASK_PERSIST_DIR  "persist"
#define VRV_STASK_SEQUENCES    "sequences.json"
#define VRV_STASK_COMMIT       "commit.json"
#define VRV_STASK_SINKS_DIR    "sinks"

/* ---- sequences -------------------------------------------------------------- */

/* One sequence: a contiguous range of positions per partition whose rows go
 * to segments allocated under its name. */
typedef struct vrv_stask_seq {
    int id;
    char *name;          /* "<baseSequenceName>_<id>", owned */
    vrv_posmap start;    /* pos.exclusive marks Druid's exclusiveStartPartitions */
    vrv_posmap end;      /* the open-ended marker until the end is set */
    bool checkpointed;   /* the end was set by a checkpoint or a finish */
} vrv_stask_seq;

typedef struct vrv_stask_seqs {
    vrv_stask_seq *v;    /* in id order */
    size_t n, cap;
} vrv_stask_seqs;

void vrv_stask_seqs_free(vrv_stask_seqs *s);

/* Appends a sequence (maps copied) after Druid's addSequence checks: its
 * start must equal the previous sequence's end on every partition ("New
 * sequence startOffset[..] does not equal expected prior offset[..]"). */
int vrv_stask_seqs_add(vrv_stask_seqs *s, int id, const char *base_name, const vrv_posmap *start,
                       const vrv_posmap *end, bool checkpointed, vrv_error *err);

/* Removes sequence i (published). */
void vrv_stask_seqs_remove(vrv_stask_seqs *s, size_t i);

/* Druid's JSON list: [{"sequenceId","sequenceName","startOffsets","endOffsets",
 * "assignments","sentinel","checkpointed","exclusiveStartPartitions",
 * "taskLockType"}]. curr (may be NULL) gives the assignments: the partitions
 * still to read (curr < end). New reference. */
json_t *vrv_stask_seqs_json(const vrv_stask_seqs *s, const vrv_posmap *curr);

/* Reads that list for stream (type t); *out is initialised (free it). */
int vrv_stask_seqs_from_json(const json_t *j, vrv_stream_type t, const char *stream,
                             vrv_stask_seqs *out, vrv_error *err);

/* Writes persist_dir/sequences.json atomically / reads it (*found false and
 * *out empty when there is none). */
int vrv_stask_seqs_save(const vrv_stask_seqs *s, const vrv_posmap *curr, const char *persist_dir,
                        vrv_error *err);
int vrv_stask_seqs_load(const char *persist_dir, vrv_stream_type t, const char *stream,
                        vrv_stask_seqs *out, bool *found, vrv_error *err);

/* A sequence is open while some partition's current position is before its
 * end (SequenceMetadata.isOpen after updateAssignments). */
bool vrv_stask_seq_open(const vrv_stask_seq *q, const vrv_posmap *curr);

/* Does the record at pos of part belong to q (SequenceMetadata.canHandle)?
 * start <= pos (< when exclusive), pos < end (Kafka; Kinesis pos <= end),
 * and q still open. near: where part probably is in q's maps (see
 * vrv_posmap_index_near); any value gives the same answer. */
bool vrv_stask_seq_can_handle(const vrv_stask_seq *q, const vrv_part *part, const vrv_pos *pos,
                              const vrv_posmap *curr, size_t near);

/* Do the stored positions of a supervisor cover a sequence's end: for every
 * partition of end, a stored position of the same stream at or past it?
 * A task whose publish was refused because its segment ids are published
 * already counts that as its own success only then: another task's segments
 * with the same ids but a shorter range would otherwise pass for its own.
 * stored may be NULL (nothing stored). 0, or VRV_ECONFLICT with err naming
 * the first partition not covered and both positions. */
int vrv_stask_offsets_cover(const vrv_posmap *stored, const vrv_posmap *end, vrv_error *err);

/* ---- the persist commit --------------------------------------------------------- */

/* One open segment and its committed spills. */
typedef struct vrv_stask_sink_rec {
    char *id;            /* the segment id, owned */
    char *sequence_name; /* the sequence it was allocated for, owned */
    json_t *segment;     /* the allocation's SegmentIdWithShardSpec (reference owned) */
    int hydrants;        /* spill files 0..hydrants-1 are committed */
    uint64_t rows;       /* rows in them */
} vrv_stask_sink_rec;

typedef struct vrv_stask_commit {
    vrv_posmap next;     /* nextPartitions: every row before these positions is in a
                            committed spill (or in a published segment) */
    bool has_counts;     /* stats and records hold the counters (a commit written
                            before they were kept has none) */
    vrv_row_stats stats; /* the task's row counters over every record before next,
                            so that a restored task's report counts them too */
    json_t *records;     /* recordsProcessed at next, {"<partition id>": rows};
                            reference owned, NULL when none */
    vrv_stask_sink_rec *sinks;
    size_t n, cap;
} vrv_stask_commit;

void vrv_stask_commit_init(vrv_stask_commit *c, vrv_stream_type t, const char *stream);
void vrv_stask_commit_free(vrv_stask_commit *c);
/* Adds a sink record (strings copied, segment referenced). */
void vrv_stask_commit_add(vrv_stask_commit *c, const char *id, const char *sequence_name,
                          const json_t *segment, int hydrants, uint64_t rows);

/* {"metadata":{"nextPartitions":<end form>},"sinks":[{"identifier","sequenceName",
 * "segment","hydrants","rows"}],"counters":{"rowStats":{...},"recordsProcessed":{...}}}
 * ("counters" only with has_counts). New reference. */
json_t *vrv_stask_commit_json(const vrv_stask_commit *c);
int vrv_stask_commit_from_json(const json_t *j, vrv_stream_type t, vrv_stask_commit *out,
                               vrv_error *err);

/* Writes persist_dir/commit.json atomically (after the spills it names are
 * complete) / reads it (*found false when there is none). */
int vrv_stask_commit_save(const vrv_stask_commit *c, const char *persist_dir, vrv_error *err);
int vrv_stask_commit_load(const char *persist_dir, vrv_stream_type t, vrv_stask_commit *out,
                          bool *found, vrv_error *err);

/* persist_dir/sinks/<id> and persist_dir/sinks/<id>/<n>.vseg (malloc'd). */
char *vrv_stask_sink_dir(const char *persist_dir, const char *id);
char *vrv_stask_spill_path(const char *persist_dir, const char *id, int n);

/* Deletes from persist_dir/sinks whatever c does not commit: directories of
 * sinks it does not list and spill files numbered >= a sink's hydrants (c
 * NULL: every sink). *removed (may be NULL) counts deleted files and
 * directories. */
int vrv_stask_commit_clean(const char *persist_dir, const vrv_stask_commit *c, size_t *removed,
                           vrv_error *err);

#endif
