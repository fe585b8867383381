/*
 * stream_payload.h — the JSON of a streaming indexing task (`index_kafka`,
 * `index_kinesis`), Druid's KafkaIndexTask and KinesisIndexTask, as a
 * supervisor creates it (druid-streaming.md §4.4) and as the task process
 * reads it back:
 *
 *   {"type":"index_kafka", "id", "supervisorId",
 *    "resource":{"availabilityGroup":<baseSequenceName>,"requiredCapacity":1},
 *    "dataSchema":{..}, "tuningConfig":{"type":"kafka",..},
 *    "ioConfig":{"type":"kafka","taskGroupId","baseSequenceName",
 *                "startPartitions","endPartitions",              (deprecated copies)
 *                "startSequenceNumbers":{"type":"start",..,"exclusivePartitions":[]},
 *                "endSequenceNumbers":{"type":"end",..},
 *                "consumerProperties","pollTimeout","useTransaction",
 *                ["minimumMessageTime"],["maximumMessageTime"],
 *                "inputFormat","configOverrides","multiTopic"},
 *    "context":{<the supervisor's context>, "checkpoints":"{\"0\":{\"0\":0}}",
 *               "IS_INCREMENTAL_HANDOFF_SUPPORTED":true},
 *    "groupId":"index_kafka_<supervisorId>", "dataSource"}
 *
 * `index_kinesis` differs in its ioConfig (type "kinesis"): position maps
 * keyed by shard id with sequence numbers as strings, the open end
 * "NO_END_SEQUENCE_NUMBER", exclusivePartitions naming the shards whose start
 * record was already read (a start after a checkpoint or from stored
 * metadata), and instead of consumerProperties/pollTimeout the endpoint
 * (and region when given), recordsPerFetch, fetchDelayMillis,
 * awsAssumedRoleArn, awsExternalId and deaggregate of the supervisor.
 *
 * This file owns the builder (supervisor side: from a parsed supervisor spec
 * and a task group's positions) and the parser (task and overlord side: the
 * JSON into a typed, validated vrv_stask_payload). The dataSchema and
 * tuningConfig are read by the supervisor spec parser (src/spec), so a task
 * accepts exactly what a supervisor accepts and error messages name the
 * task's own JSON paths ("ioConfig.startSequenceNumbers: required").
 *
 * The task tuningConfig is the supervisor's tuningConfig without the fields
 * only a supervisor uses (workerThreads, chatRetries, httpTimeout,
 * shutdownTimeout, offsetFetchPeriod, repartitionTransitionDuration), as
 * Druid's convertToTaskTuningConfig gives it.
 */
#ifndef VRV_TASK_STREAM_PAYLOAD_H
#define VRV_TASK_STREAM_PAYLOAD_H

#include <jansson.h>

#include "base/error.h"
#include "base/vrv.h"
#include "spec/spec.h"
#include "stream/position.h"

#define VRV_STASK_TYPE_KAFKA   "index_kafka"
#define VRV_STASK_TYPE_KINESIS "index_kinesis"
/* Context key holding the group's checkpoints as a JSON text (Druid's
 * SeekableStreamSupervisor.CHECKPOINTS_CTX_KEY). */
#define VRV_STASK_CTX_CHECKPOINTS "checkpoints"
/* Letters of the random task id suffix: IdUtils.getRandomId draws 8 of a..p. */
#define VRV_STASK_ID_RANDOM_LEN 8

/* One entry of a task group's checkpointSequences: the sequence with this id
 * starts at these positions. */
typedef struct vrv_stask_checkpoint {
    int id;           /* sequence id, >= 0 */
    vrv_posmap start; /* start positions (exclusive flags unused for Kafka) */
} vrv_stask_checkpoint;

/* What the builder needs. Everything is borrowed for the call only. */
typedef struct vrv_stask_build {
    const vrv_spec_supervisor *spec; /* the supervisor's parsed spec (kafka or kinesis) */
    const char *id;                  /* task id; NULL: base_sequence_name + "_" +
                                        8 random letters a..p (Druid's getRandomIdWithPrefix) */
    int task_group_id;               /* >= 0 */
    const char *base_sequence_name;  /* "index_kafka_<supervisorId>_<hash>" */
    const vrv_posmap *start;         /* start positions; exclusive flags are written to
                                        exclusivePartitions (always empty for Kafka) */
    const vrv_posmap *end;           /* NULL: the open-ended marker (Long.MAX_VALUE,
                                        NO_END_SEQUENCE_NUMBER) for every start partition */
    bool has_min_time, has_max_time; /* the group's rejection window (inclusive) */
    vrv_ms min_time, max_time;
    /* The group's checkpointSequences in sequence-id order; 0 entries: the
     * single checkpoint {0: start}, as a new group is seeded. */
    const vrv_stask_checkpoint *checkpoints;
    size_t n_checkpoints;
} vrv_stask_build;

/* Builds the task JSON. *out is a new reference (caller decrefs). Fails with
 * VRV_EINVAL naming the field when the input is inconsistent (start and end
 * of different streams or partitions, an end below its start, a start that
 * is not an offset / a sequence number or unread marker). */
int vrv_stask_payload_build(const vrv_stask_build *b, json_t **out, vrv_error *err);

/* The task's tuningConfig and dataSchema exactly as the builder writes them
 * (new references), for the supervisor's sequence-name hash (§4.4). */
json_t *vrv_stask_task_tuning_json(const vrv_spec_supervisor *spec);
json_t *vrv_stask_data_schema_json(const vrv_spec_supervisor *spec);

/* The parsed task. */
typedef struct vrv_stask_payload {
    vrv_stream_type stream_type;
    const char *id;            /* "id", or NULL when the JSON has none (the overlord names it) */
    const char *supervisor_id; /* "supervisorId", else the dataSource */
    const char *data_source;
    char *group_id;            /* "index_kafka_<supervisorId>" / "index_kinesis_<..>", as Druid */
    int task_group_id;         /* ioConfig.taskGroupId; -1 when absent or null */
    const char *base_sequence_name;
    vrv_posmap start;          /* startSequenceNumbers (or the legacy startPartitions) */
    vrv_posmap end;            /* endSequenceNumbers (or endPartitions); same partitions */
    bool use_transaction;      /* default true */
    bool multi_topic;          /* the stream is a topicPattern */
    bool has_min_time, has_max_time;
    vrv_ms min_time, max_time; /* minimumMessageTime / maximumMessageTime */
    int poll_timeout_ms;       /* ioConfig.pollTimeout, default 100 */
    /* context.checkpoints, sorted by id; n_checkpoints 0 when absent. */
    vrv_stask_checkpoint *checkpoints;
    size_t n_checkpoints;
    int priority;              /* context.priority, else 75 (realtime) */
    json_t *context;           /* the context object, or NULL (borrowed from json) */
    /* dataSchema, tuningConfig and the ioConfig's inputFormat, consumer
     * properties and rejection settings, parsed by src/spec. */
    vrv_spec_supervisor spec;
    json_t *json;              /* the task JSON (a reference held) */
} vrv_stask_payload;

/* Druid's default priority of realtime tasks (Tasks.DEFAULT_REALTIME_TASK_PRIORITY). */
#define VRV_STASK_DEFAULT_PRIORITY 75

/* Parses and checks a task JSON. opts may be NULL. On success *out is filled
 * (release with vrv_stask_payload_free; strings live as long as it) and a
 * reference to json is held. On failure returns VRV_EINVAL with err naming
 * the field, and *out needs no free. */
int vrv_stask_payload_parse(const json_t *json, const vrv_spec_opts *opts, vrv_stask_payload *out,
                            vrv_error *err);
void vrv_stask_payload_free(vrv_stask_payload *p);

/* Druid's checkpoints context value: {"<id>":{"<partition>":<offset>,..},..}
 * as JSON text, ids ascending (malloc'd). */
char *vrv_stask_checkpoints_text(const vrv_stask_checkpoint *cps, size_t n);
/* Parses that text for stream type t (stream names the maps' stream). On
 * success *out (malloc'd array, sorted by id) holds *n entries; free with
 * vrv_stask_checkpoints_free. Errors name `path`. */
int vrv_stask_checkpoints_parse(const char *text, vrv_stream_type t, const char *stream,
                                const char *path, vrv_stask_checkpoint **out, size_t *n,
                                vrv_error *err);
void vrv_stask_checkpoints_free(vrv_stask_checkpoint *cps, size_t n);

/* A position map as a jansson value in Druid's JSON (start or end form); new reference. */
json_t *vrv_stask_posmap_json(const vrv_posmap *m, vrv_posmap_form form);
/* {"type":"kafka"|"kinesis","partitions":<form>}: DataSourceMetadata of a map
 * (KafkaDataSourceMetadata / KinesisDataSourceMetadata); new reference. */
json_t *vrv_stask_metadata_json(const vrv_posmap *m, vrv_posmap_form form);

#endif
