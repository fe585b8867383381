/*
 * position.h — where a reader stands in a stream, for Kafka and Kinesis alike:
 * positions (vrv_pos), partition ids (vrv_part), Druid's partition → task
 * group mapping, and position maps (vrv_posmap) with the plus / minus /
 * matches algebra the publish transaction is built on
 * (reference/druid-streaming.md §4.1, §4.2, §4.8).
 *
 * Kafka positions are int64 offsets meaning "next offset to read" (an end is
 * exclusive). Kinesis positions are sequence numbers — decimal strings of up
 * to 128 digits compared exactly as big integers — meaning "last record read"
 * (an end is inclusive, the next start exclusive), plus the markers EOS,
 * EXPIRED, NO_END_SEQUENCE_NUMBER, UNREAD_TRIM_HORIZON and UNREAD_LATEST. Every
 * comparison of positions goes through vrv_pos_cmp, so no caller needs to know
 * which stream it reads.
 *
 * vrv_pos and vrv_part are plain values with inline storage: copy them with
 * `=`, nothing to free. A vrv_posmap owns its stream name and entries and is
 * freed with vrv_posmap_free. Nothing here is thread safe; nothing here does
 * I/O.
 */
#ifndef VRV_STREAM_POSITION_H
#define VRV_STREAM_POSITION_H

#include <jansson.h>

#include "base/error.h"
#include "base/str.h"
#include "base/vrv.h"
#include "json/jwriter.h"

typedef enum vrv_stream_type {
    VRV_STREAM_KAFKA = 1,
    VRV_STREAM_KINESIS = 2,
} vrv_stream_type;

/* Druid's name of a stream type: "kafka", "kinesis". */
const char *vrv_stream_type_name(vrv_stream_type t);

/* ---------------------------------------------------------------- positions */

typedef enum vrv_pos_kind {
    VRV_POS_NOT_SET = 0,         /* the supervisor's "no position yet": Kafka -1, Kinesis "-1" */
    VRV_POS_OFFSET,              /* Kafka offset >= 0 */
    VRV_POS_SEQ,                 /* Kinesis sequence number */
    VRV_POS_UNREAD_TRIM_HORIZON, /* Kinesis: nothing read yet, start at the oldest record */
    VRV_POS_UNREAD_LATEST,       /* Kinesis: nothing read yet, start at the newest record */
    VRV_POS_EOS,                 /* Kinesis "EOS": shard closed and read to its end */
    VRV_POS_EXPIRED,             /* Kinesis "EXPIRED": closed shard past its retention */
    VRV_POS_NO_END,              /* open end: Kafka Long.MAX_VALUE, Kinesis NO_END_SEQUENCE_NUMBER */
} vrv_pos_kind;

/* Kinesis sequence numbers are at most 128 decimal digits (AWS API limit). */
#define VRV_POS_SEQ_MAX 128
/* Longest text of any position, without the NUL ("NO_END_SEQUENCE_NUMBER",
 * 128 digits, "-9223372036854775808"). */
#define VRV_POS_TEXT_MAX VRV_POS_SEQ_MAX

typedef struct vrv_pos {
    uint8_t stream;   /* vrv_stream_type */
    uint8_t kind;     /* vrv_pos_kind */
    bool exclusive;   /* as a start: the record at this position was already read, skip it */
    uint8_t seq_len;  /* VRV_POS_SEQ: number of characters in seq */
    int64_t offset;   /* Kafka: the offset (-1 when NOT_SET, INT64_MAX when NO_END) */
    char seq[VRV_POS_SEQ_MAX + 1]; /* VRV_POS_SEQ: the digits as given, NUL-terminated */
} vrv_pos;

/* A Kafka position: -1 is NOT_SET, INT64_MAX (Druid's END_OF_PARTITION) is
 * NO_END, anything else must be >= 0. Inclusive. */
vrv_pos vrv_pos_kafka(int64_t offset);

/* A marker position of stream type t. For Kafka only NOT_SET and NO_END exist
 * (asserted); VRV_POS_OFFSET / VRV_POS_SEQ are not markers. Inclusive. */
vrv_pos vrv_pos_marker(vrv_stream_type t, vrv_pos_kind kind);

/* Parses the text form of a position: Kafka a decimal int64 >= -1; Kinesis a
 * marker name ("EOS", "EXPIRED", "NO_END_SEQUENCE_NUMBER",
 * "UNREAD_TRIM_HORIZON", "UNREAD_LATEST"), "-1", or 1..128 decimal digits.
 * The result is inclusive. Errors name `what` (may be NULL):
 * "what: Kinesis sequence number must be decimal digits, got \"12a\"". */
int vrv_pos_parse(vrv_stream_type t, const char *s, size_t n, const char *what, vrv_pos *out,
                  vrv_error *err);

/* Writes the text form (as vrv_pos_parse reads it) into buf (NUL-terminated,
 * truncated to cap); returns the full length. */
size_t vrv_pos_format(const vrv_pos *p, char *buf, size_t cap);

/* Druid's order (KafkaSequenceNumber / KinesisSequenceNumber.compareTo):
 * Kafka compares offsets as numbers (NOT_SET = -1 lowest, NO_END highest).
 * Kinesis: the two unread markers equal each other and are below everything;
 * EOS, EXPIRED and NO_END equal each other and are above every number;
 * NOT_SET is the number -1; numbers compare as big integers ("007" == "7").
 * The exclusive flag plays no part. Both positions must be of one stream type.
 * Returns <0, 0, >0. */
int vrv_pos_cmp(const vrv_pos *a, const vrv_pos *b);

/* Same kind and same text ("007" and "7" differ here), ignoring the exclusive
 * flag: the equality of values in Druid's stored maps. */
bool vrv_pos_same(const vrv_pos *a, const vrv_pos *b);

static inline bool vrv_pos_is_unread(const vrv_pos *p)
{
    return p->kind == VRV_POS_UNREAD_TRIM_HORIZON || p->kind == VRV_POS_UNREAD_LATEST;
}

/* EOS, EXPIRED or NO_END: a value greater than every real position. */
static inline bool vrv_pos_is_max(const vrv_pos *p)
{
    return p->kind == VRV_POS_EOS || p->kind == VRV_POS_EXPIRED || p->kind == VRV_POS_NO_END;
}

/* Before reading the record at position rec, is there still something to read
 * up to end? Kafka ends are exclusive (rec < end); Kinesis ends are inclusive
 * (rec <= end) and an unread end means there is nothing to read
 * (OrderedSequenceNumber.isMoreToReadBeforeReadingRecord). */
bool vrv_pos_more_to_read(const vrv_pos *rec, const vrv_pos *end);

/* Standing at next (the start-form position after the records read so far:
 * Kafka the next offset, Kinesis the last sequence number read, exclusive),
 * is there still something to read up to end? Both streams: next < end —
 * a Kinesis end is inclusive, and next already names the last record read
 * (Druid's isMoreToReadAfterReadingRecord). A fresh inclusive Kinesis start
 * equal to its end counts as done, as in Druid. */
bool vrv_pos_more_after(const vrv_pos *next, const vrv_pos *end);

/* Is pos still in the stream whose oldest position is earliest? (earliest <=
 * pos; a Kinesis unread marker is always available.) */
bool vrv_pos_available(const vrv_pos *pos, const vrv_pos *earliest);

/* The start position that follows a record read at rec: Kafka rec + 1
 * (inclusive); Kinesis rec itself, exclusive. */
vrv_pos vrv_pos_after(const vrv_pos *rec);

/* JSON value of a position as Druid stores it: Kafka a JSON number, Kinesis a
 * JSON string. */
void vrv_pos_write_json(vrv_jw *w, const vrv_pos *p);

/* Reads a position from a JSON value: Kafka an integer (or a string holding
 * one, as Jackson coerces), Kinesis a string (or an integer). path names the
 * value in errors. */
int vrv_pos_from_json(const json_t *v, vrv_stream_type t, const char *path, vrv_pos *out,
                      vrv_error *err);

/* ------------------------------------------------------------ partition ids */

/* Longest partition id: a Kafka topic (at most 249 bytes) + ':' + a partition
 * number; Kinesis shard ids are at most 128 bytes. */
#define VRV_PART_ID_MAX 263
#define VRV_KAFKA_TOPIC_MAX 249

typedef struct vrv_part {
    uint8_t stream;     /* vrv_stream_type */
    bool multi_topic;   /* Kafka topicPattern mode: id is "topic:partition" */
    uint16_t id_len;    /* bytes in id */
    uint16_t topic_len; /* multi_topic: the topic is id[0, topic_len) */
    int32_t partition;  /* Kafka partition number; -1 for Kinesis */
    char id[VRV_PART_ID_MAX + 1]; /* the key in Druid's JSON maps, NUL-terminated:
                                     "3", "metrics-a:3", "shardId-000000000001" */
} vrv_part;

/* A Kafka partition: topic NULL for single-topic mode (id "3"), a topic for
 * multi-topic mode (id "topic:3"). partition must be >= 0. */
int vrv_part_kafka(const char *topic, int32_t partition, vrv_part *out, vrv_error *err);

/* A Kinesis shard. */
int vrv_part_kinesis(const char *shard_id, vrv_part *out, vrv_error *err);

/* Parses a map key as Druid does: Kafka "N" (single topic) or "topic:N"
 * (multi-topic, split at the last ':'); Kinesis any non-empty id. */
int vrv_part_parse(vrv_stream_type t, const char *key, size_t n, vrv_part *out, vrv_error *err);

/* The Kafka topic a partition belongs to: its own in multi-topic mode, else
 * stream (the supervisor's topic). */
vrv_str vrv_part_topic(const vrv_part *p, const char *stream);

/* Same stream type, mode and id. */
bool vrv_part_equal(const vrv_part *a, const vrv_part *b);

/* Map order: Kafka by topic bytes then partition number (so "2" < "10"),
 * Kinesis by id bytes. */
int vrv_part_cmp(const vrv_part *a, const vrv_part *b);

/* Java's String.hashCode over the UTF-16 code units of UTF-8 text, with
 * int32 wraparound (invalid UTF-8 bytes count as U+FFFD). */
int32_t vrv_part_java_hash(const char *s, size_t n);

/* Druid's partition → task group for Kafka (KafkaSupervisor
 * .getTaskGroupIdForPartition): single topic `partition % taskCount`;
 * multi-topic `Math.abs(31 * topic.hashCode() + partition) % taskCount` in
 * Java int arithmetic, so Math.abs(Integer.MIN_VALUE) stays negative and the
 * group can be negative exactly as in Java. task_count >= 1. */
int vrv_part_task_group_kafka(const vrv_part *p, int task_count);

/* Druid's mapping for Kinesis: the index of p in the supervisor's shard list
 * (kept in discovery order) modulo taskCount, or -1 when p is not listed. */
int vrv_part_task_group_kinesis(const vrv_part *p, const vrv_part *shards, size_t n,
                                int task_count);

/* A compiled topicPattern: Java's Pattern.matcher(topic).matches(), i.e. the
 * whole topic must match (PCRE2, which agrees with java.util.regex on the
 * patterns topic names need). */
typedef struct vrv_topic_pattern vrv_topic_pattern;

/* Compiles pattern; a bad one is VRV_EINVAL naming `what` and the offset of the
 * error. Free with vrv_topic_pattern_free. */
int vrv_topic_pattern_new(const char *pattern, const char *what, vrv_topic_pattern **out,
                          vrv_error *err);
bool vrv_topic_pattern_match(const vrv_topic_pattern *p, const char *topic, size_t n);
void vrv_topic_pattern_free(vrv_topic_pattern *p);

/* ------------------------------------------------------------ position maps */

typedef struct vrv_posmap_entry {
    vrv_part part;
    vrv_pos pos;   /* pos.exclusive: part is in the start form's exclusivePartitions */
} vrv_posmap_entry;

/* partition → position for one stream (Druid's SeekableStream{Start,End}
 * SequenceNumbers). Entries are kept in vrv_part_cmp order, which is also the
 * order they are written in. */
typedef struct vrv_posmap {
    uint8_t stream_type; /* vrv_stream_type */
    char *stream;        /* topic, topicPattern or Kinesis stream name; owned */
    vrv_posmap_entry *v; /* owned */
    size_t n, cap;
} vrv_posmap;

typedef enum vrv_posmap_form {
    VRV_POSMAP_END = 0,   /* {"type":"end", ...}: stored metadata, end offsets */
    VRV_POSMAP_START = 1, /* {"type":"start", ..., "exclusivePartitions":[...]} */
} vrv_posmap_form;

/* Empty map of stream (copied). */
void vrv_posmap_init(vrv_posmap *m, vrv_stream_type t, const char *stream);
void vrv_posmap_free(vrv_posmap *m);
/* dst (uninitialised) becomes a deep copy of src. */
void vrv_posmap_copy(vrv_posmap *dst, const vrv_posmap *src);
/* Replaces the stream name (copied). */
void vrv_posmap_set_stream(vrv_posmap *m, const char *stream);

/* Inserts or replaces p's position (both copied). */
void vrv_posmap_set(vrv_posmap *m, const vrv_part *p, const vrv_pos *pos);
/* p's entry, or NULL; valid until the map changes. */
const vrv_pos *vrv_posmap_get(const vrv_posmap *m, const vrv_part *p);
/* p's place among m's entries (m->v[i], in vrv_part_cmp order), -1 if absent. */
long vrv_posmap_index(const vrv_posmap *m, const vrv_part *p);
/* The same, trying place `near` first: one compare instead of a binary search
 * when the caller knows where p probably is (the maps of one task hold the
 * same partitions, in the same order). */
long vrv_posmap_index_near(const vrv_posmap *m, const vrv_part *p, size_t near);
bool vrv_posmap_del(vrv_posmap *m, const vrv_part *p);
/* Whether the keys are multi-topic (Druid looks at the first key). */
bool vrv_posmap_multi_topic(const vrv_posmap *m);

/* Equal stream, partitions and values; exclusive flags too when with_excl
 * (start form equality). */
bool vrv_posmap_equal(const vrv_posmap *a, const vrv_posmap *b, bool with_excl);

/* out (uninitialised) := a.plus(b). Same stream: the union, b's positions (and
 * their exclusive flags) winning; a different stream gives b. Kafka, when
 * either map is multi-topic: entries meet by (topic, partition), a
 * single-topic key taking its map's stream as topic; the result keeps a's
 * stream and mode and takes from b only the entries whose topic is a's topic
 * (a single-topic) or matches a's topicPattern (a multi-topic), so a
 * supervisor can move between topic and topicPattern without losing offsets. */
void vrv_posmap_plus(const vrv_posmap *a, const vrv_posmap *b, vrv_posmap *out);

/* out (uninitialised) := a.minus(b): a without the partitions of b (matched by
 * (topic, partition) for Kafka); a different stream gives a. */
void vrv_posmap_minus(const vrv_posmap *a, const vrv_posmap *b, vrv_posmap *out);

/* a.matches(b) := a.plus(b) equals b.plus(a): the maps agree on every
 * partition they share; partitions only one of them has never conflict. */
bool vrv_posmap_matches(const vrv_posmap *a, const vrv_posmap *b, bool with_excl);

/* 1 when a is ahead of b (same stream, and some shared partition has a > b),
 * else 0 (Druid's compareTo as the publish transaction uses it). */
int vrv_posmap_compare(const vrv_posmap *a, const vrv_posmap *b);

/* Druid's asStartMetadata of a stored end map: Kafka keeps every start
 * inclusive, Kinesis makes every start exclusive. In place. */
void vrv_posmap_as_start(vrv_posmap *m);

/* Writes Druid's JSON of the map:
 * {"type":"end","stream":S,"topic":S,"partitionSequenceNumberMap":{..},
 *  "partitionOffsetMap":{..}} and, for the start form, "exclusivePartitions":[..]. */
void vrv_posmap_write_json(vrv_jw *w, const vrv_posmap *m, vrv_posmap_form form);

/* Reads that JSON (obj must be an object): "type" start or end (absent = end),
 * "stream" else "topic", "partitionOffsetMap" else
 * "partitionSequenceNumberMap", "exclusivePartitions" (absent = none). On
 * success *out is initialised (free it) and *form (may be NULL) is set; on
 * error *out is untouched. path names obj in errors. */
int vrv_posmap_from_json(const json_t *obj, vrv_stream_type t, const char *path, vrv_posmap *out,
                         vrv_posmap_form *form, vrv_error *err);

/* The stored DataSourceMetadata: {"type":"kafka"|"kinesis","partitions":<end form>}. */
void vrv_posmap_write_metadata_json(vrv_jw *w, const vrv_posmap *m);
/* Reads it; the stream type comes from "type". */
int vrv_posmap_from_metadata_json(const json_t *obj, const char *path, vrv_posmap *out,
                                  vrv_error *err);

#endif
