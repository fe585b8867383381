/*
 * spec.h — Druid ingestion specs as typed, validated C structs: the streaming
 * supervisor spec (`kafka`, `kinesis`) and the native batch task spec
 * (`index_parallel`, `index`).
 *
 * A parse function takes the user's JSON (jansson) and fills a caller-owned
 * struct with every field at its Druid default, or fails with a vrv_error whose
 * message names the JSON path and the rule broken, e.g.
 * "spec.ioConfig.taskCount: must be >= 1". Unknown fields are ignored, as Druid
 * does. Both the nested form ({"type", "spec": {dataSchema, ioConfig,
 * tuningConfig}}) and the legacy flattened form (the three at top level) are
 * accepted, and so is the legacy `parser`/`parseSpec` dataSchema, translated
 * into the equivalent `inputFormat`.
 *
 * Sub-objects whose grammar belongs to another module are not interpreted here:
 * they are kept as vrv_spec_sub (a JSON reference and its path) and checked only
 * for shape (an object with a string `type`): `inputFormat` (and the
 * `flattenSpec` inside it) and a batch task's `inputSource` for src/input,
 * `transformSpec.filter` and transform expressions for src/expr, `metricsSpec`
 * entries for src/agg.
 *
 * Ownership: a parsed spec holds a reference to the JSON it was parsed from
 * (kept unchanged, so it can be returned as the user wrote it) and owns an
 * arena holding everything else. Strings in the structs point either into that
 * JSON or into the arena; they live until vrv_spec_*_free. The JSON must not be
 * modified while the spec lives. Structs are plain data: read them freely, and
 * do not copy them by value (free only the one that was parsed).
 */
#ifndef VRV_SPEC_H
#define VRV_SPEC_H

#include <jansson.h>

#include "base/arena.h"
#include "base/error.h"
#include "base/granularity.h"
#include "base/joda.h"
#include "base/time.h"
#include "base/value.h"
#include "base/vrv.h"

/* ---- options ------------------------------------------------------------ */

typedef struct vrv_spec_opts {
    /* Bytes of memory one indexing task may use: Druid's JVM max heap. It
     * resolves maxBytesInMemory = 0 (1/6 of it) and the Kinesis record buffer
     * and fetch-thread defaults. 0 means VRV_SPEC_DEFAULT_MEMORY_BUDGET. */
    int64_t memory_budget;
    /* CPUs available to a task, for the Kinesis fetchThreads default
     * (2 per CPU). 0 means the machine's online CPU count. */
    int processors;
} vrv_spec_opts;

#define VRV_SPEC_DEFAULT_MEMORY_BUDGET (1024LL * 1024 * 1024) /* 1 GiB per task */

/* ---- shared pieces ------------------------------------------------------ */

/* A sub-object compiled by another module. json is a borrowed reference into
 * the spec's JSON (or into JSON the spec built, for a translated legacy
 * parser); path names it in that module's error messages. */
typedef struct vrv_spec_sub {
    json_t *json;     /* NULL when absent */
    const char *path; /* e.g. "spec.ioConfig.inputFormat"; NULL when absent */
} vrv_spec_sub;

typedef struct vrv_spec_timestamp {
    const char *column; /* input field holding the time; default "timestamp" */
    const char *format; /* auto|iso|posix|millis|micro|nano|ruby|<Joda pattern>; default "auto" */
    vrv_ts_format format_kind; /* which of those; a pattern is checked to compile */
    bool has_missing_value;    /* missingValue given */
    vrv_ms missing_value;      /* used when the column is null or absent */
} vrv_spec_timestamp;

typedef enum vrv_spec_dim_type {
    VRV_SPEC_DIM_STRING = 0,
    VRV_SPEC_DIM_LONG,
    VRV_SPEC_DIM_FLOAT,
    VRV_SPEC_DIM_DOUBLE,
    VRV_SPEC_DIM_JSON,    /* nested column (COMPLEX<json>) */
    VRV_SPEC_DIM_AUTO,    /* type-aware: scalar, array or nested, chosen from the data */
    VRV_SPEC_DIM_SPATIAL, /* string dimension with a spatial index over `dims` */
} vrv_spec_dim_type;

typedef enum vrv_spec_mvh {
    VRV_SPEC_MVH_SORTED_ARRAY = 0, /* Druid's default */
    VRV_SPEC_MVH_SORTED_SET,
    VRV_SPEC_MVH_ARRAY,
} vrv_spec_mvh;

typedef struct vrv_spec_dimension {
    const char *name;
    vrv_spec_dim_type type;
    vrv_spec_mvh multi_value_handling; /* meaningful for string dimensions only */
    bool create_bitmap_index;          /* string: default true; numeric: always false */
    bool has_cast_to_type;             /* auto: castToType given */
    vrv_ctype cast_to_type;            /* auto: FLOAT becomes DOUBLE, as in Druid */
    int format_version;                /* json: nested column format version (5) */
    const char **spatial_dims;         /* spatial: the coordinate fields */
    size_t n_spatial_dims;
} vrv_spec_dimension;

typedef struct vrv_spec_dimensions {
    vrv_spec_dimension *dims; /* declared order; legacy spatialDimensions appended */
    size_t n_dims;
    /* Druid's effective exclusion set: the user's dimensionExclusions, plus the
     * timestamp column (unless it is declared as a dimension), plus each
     * aggregator's name and input fields, minus the declared dimensions; in
     * the order Druid serialises it (java.util.HashSet). Aggregator inputs are
     * read from `fieldName`, `fieldNames`, a first/last `timeColumn` (default
     * __time) and a `filtered` aggregator's inner aggregator and filter
     * columns; inputs named only inside an expression are not seen. */
    const char **exclusions;
    size_t n_exclusions;
    bool include_all_dimensions; /* string discovery after the declared ones */
    bool use_schema_discovery;   /* type-aware discovery */
    bool schemaless;             /* no declared dimensions and no discovery flag */
} vrv_spec_dimensions;

typedef struct vrv_spec_metric {
    const char *name; /* the aggregator's output name */
    const char *type; /* the aggregator type, e.g. "longSum" */
    vrv_spec_sub agg; /* the whole aggregator object, for src/agg */
} vrv_spec_metric;

typedef struct vrv_spec_granularity {
    bool arbitrary;          /* type "arbitrary" (legacy); no segment granularity */
    vrv_gran segment;        /* default day */
    vrv_gran query;          /* default none; never coarser than segment */
    bool rollup;             /* default true */
    vrv_interval *intervals; /* as given (arbitrary: sorted); batch only */
    size_t n_intervals;
} vrv_spec_granularity;

typedef struct vrv_spec_transform {
    const char *name;       /* output column; may shadow an input field or be "__time" */
    const char *expression; /* Druid expression, compiled by src/expr */
    const char *path;       /* "...transforms[i].expression", for expression errors */
} vrv_spec_transform;

typedef struct vrv_spec_data_schema {
    const char *data_source;
    vrv_spec_timestamp timestamp;
    vrv_spec_dimensions dimensions;
    vrv_spec_metric *metrics;
    size_t n_metrics;
    vrv_spec_granularity granularity;
    vrv_spec_transform *transforms;
    size_t n_transforms;
    vrv_spec_sub filter; /* transformSpec.filter; json NULL when none */
    /* Legacy `parser`: when set, the row format below was translated from
     * parser.parseSpec and the timestamp/dimensions above may come from it. */
    bool has_parser;
    bool timestamp_from_parser;  /* no top-level timestampSpec: taken from parseSpec */
    bool dimensions_from_parser; /* no top-level dimensionsSpec: taken from parseSpec */
    vrv_spec_sub parser_format;  /* the translated inputFormat (built JSON) */
} vrv_spec_data_schema;

/* indexSpec: the on-disk format of segments. */
typedef enum vrv_spec_bitmap {
    VRV_SPEC_BITMAP_ROARING = 0,
    VRV_SPEC_BITMAP_CONCISE
} vrv_spec_bitmap;
typedef enum vrv_spec_compression {
    VRV_SPEC_COMP_LZ4 = 0,
    VRV_SPEC_COMP_LZF,
    VRV_SPEC_COMP_ZSTD,
    VRV_SPEC_COMP_UNCOMPRESSED,
    VRV_SPEC_COMP_NONE,
} vrv_spec_compression;
typedef enum vrv_spec_long_encoding {
    VRV_SPEC_LONGS = 0,
    VRV_SPEC_LONGS_AUTO
} vrv_spec_long_encoding;

typedef struct vrv_spec_index_spec {
    vrv_spec_bitmap bitmap;                     /* roaring */
    vrv_spec_compression dimension_compression; /* lz4 */
    vrv_spec_compression metric_compression;    /* lz4 */
    vrv_spec_long_encoding long_encoding;       /* longs */
    bool front_coded;               /* stringDictionaryEncoding frontCoded (default utf8) */
    int front_coded_bucket_size;    /* 4; a power of two <= 128 */
    int front_coded_format_version; /* 0 or 1 */
    bool has_complex_metric_compression;
    vrv_spec_compression complex_metric_compression;
    bool has_json_compression;
    vrv_spec_compression json_compression;
} vrv_spec_index_spec;

typedef enum vrv_spec_writeout {
    VRV_SPEC_WRITEOUT_DEFAULT = 0, /* not given: the task's configured default */
    VRV_SPEC_WRITEOUT_TMP_FILE,
    VRV_SPEC_WRITEOUT_OFF_HEAP,
    VRV_SPEC_WRITEOUT_ON_HEAP,
} vrv_spec_writeout;

/* The part of tuningConfig shared by streaming and batch tasks. */
typedef struct vrv_spec_tuning_common {
    bool preserve_existing_metrics;        /* appendableIndexSpec (type onheap) */
    int max_rows_in_memory;                /* post-rollup rows before a persist */
    int64_t max_bytes_in_memory;           /* as configured: 0 = default, -1 = unlimited */
    int64_t max_bytes_in_memory_effective; /* resolved: 0 -> budget/6, -1 -> INT64_MAX */
    bool skip_bytes_in_memory_overhead_check;
    int max_pending_persists;
    vrv_spec_index_spec index_spec;
    vrv_spec_index_spec index_spec_intermediate; /* = index_spec unless given */
    bool has_index_spec_intermediate;
    bool report_parse_exceptions; /* deprecated: forces max_parse_exceptions 0 */
    bool log_parse_exceptions;
    int max_parse_exceptions;       /* INT32_MAX = unlimited */
    int max_saved_parse_exceptions; /* kept for reports */
    vrv_spec_writeout segment_write_out_medium;
    int num_persist_threads; /* >= 1 */
} vrv_spec_tuning_common;

/* ---- streaming supervisor spec ----------------------------------------- */

typedef enum vrv_spec_stream_type { VRV_SPEC_KAFKA = 0, VRV_SPEC_KINESIS } vrv_spec_stream_type;

typedef enum vrv_spec_lag_aggregate {
    VRV_SPEC_LAG_DEFAULT = 0, /* not given: SUM */
    VRV_SPEC_LAG_SUM,
    VRV_SPEC_LAG_MAX,
    VRV_SPEC_LAG_AVERAGE,
} vrv_spec_lag_aggregate;

/* autoScalerConfig, strategy lagBased (the only one). When not enabled the
 * count fields are ignored and not validated, as in Druid. */
typedef struct vrv_spec_autoscaler {
    bool present; /* autoScalerConfig given (not null) */
    bool enabled; /* enableTaskAutoScaler */
    int task_count_max;
    int task_count_min;
    int task_count_start;                          /* 0 when not given */
    int64_t min_trigger_scale_action_frequency_ms; /* 600000 */
    int64_t lag_collection_interval_ms;            /* 30000 */
    int64_t lag_collection_range_ms;               /* 600000 */
    int64_t scale_out_threshold;                   /* 6000000 (records, Kinesis: ms) */
    double trigger_scale_out_fraction_threshold;   /* 0.3 */
    int64_t scale_in_threshold;                    /* 1000000 */
    double trigger_scale_in_fraction_threshold;    /* 0.9 */
    int64_t scale_action_start_delay_ms;           /* 300000 */
    int64_t scale_action_period_ms;                /* 60000 */
    int scale_in_step;                             /* 1 */
    int scale_out_step;                            /* 2 */
    vrv_spec_lag_aggregate lag_aggregate;
    bool has_stop_task_count_ratio;
    double stop_task_count_ratio; /* (0, 1] */
} vrv_spec_autoscaler;

typedef struct vrv_spec_idle {
    bool present;              /* idleConfig given */
    bool enabled;              /* false */
    int64_t inactive_after_ms; /* 600000; > 0 */
} vrv_spec_idle;

typedef struct vrv_spec_stream_io {
    vrv_spec_sub input_format; /* ioConfig.inputFormat, or the translated legacy parser */
    int task_count;            /* effective initial count (autoscaler: start/min) */
    bool task_count_given;     /* taskCount present in the JSON */
    int replicas;              /* 1 */
    vrv_ms task_duration;      /* PT1H */
    vrv_ms start_delay;        /* PT5S */
    vrv_ms period;             /* PT30S */
    vrv_ms completion_timeout; /* PT30M */
    bool use_earliest;         /* useEarliestOffset / useEarliestSequenceNumber */
    bool has_late_rejection_period;
    vrv_ms late_rejection_period; /* lateMessageRejectionPeriod */
    bool has_late_rejection_start;
    vrv_ms late_rejection_start; /* lateMessageRejectionStartDateTime */
    bool has_early_rejection_period;
    vrv_ms early_rejection_period; /* earlyMessageRejectionPeriod */
    int stop_task_count;           /* 0 when not given */
    int max_allowed_stops;         /* stopTaskCount, ratio of the autoscaler, or taskCount */
    vrv_spec_autoscaler autoscaler;
    vrv_spec_idle idle;
    json_t *server_priority_to_replicas; /* object tier priority -> replicas, or NULL */

    /* Kafka */
    const char *topic;             /* exactly one of topic and topic_pattern is set */
    const char *topic_pattern;     /* full-match regex over topic names */
    json_t *consumer_properties;   /* object; contains bootstrap.servers */
    const char *bootstrap_servers; /* its value when a string, else NULL */
    int64_t poll_timeout_ms;       /* 100 */
    json_t *config_overrides;      /* or NULL */

    /* Kinesis */
    const char *stream;
    const char *endpoint;             /* given, derived from region, or us-east-1 */
    const char *region;               /* as given, or NULL */
    int fetch_delay_ms;               /* 0 */
    int records_per_fetch;            /* legacy; 0 when not given */
    const char *aws_assumed_role_arn; /* or NULL */
    const char *aws_external_id;      /* or NULL */
    bool deaggregate;                 /* legacy */
} vrv_spec_stream_io;

typedef struct vrv_spec_stream_tuning {
    vrv_spec_tuning_common c;
    int max_rows_per_segment;           /* 5000000 */
    int64_t max_total_rows;             /* -1 when not given */
    int64_t max_total_rows_effective;   /* 20000000 when not given */
    vrv_ms intermediate_persist_period; /* PT10M */
    const char *intermediate_persist_period_text;
    int64_t handoff_condition_timeout_ms; /* Kafka 900000, Kinesis 0; 0 = forever */
    bool reset_offset_automatically;
    bool skip_sequence_number_availability_check;
    int worker_threads;           /* 0 when not given */
    int worker_threads_effective; /* max(2, taskCount/4), taskCountMax with the autoscaler */
    int64_t chat_retries;         /* 8 */
    vrv_ms http_timeout;          /* PT10S */
    vrv_ms shutdown_timeout;      /* PT80S */
    vrv_ms offset_fetch_period;   /* PT30S as given */
    vrv_ms offset_fetch_period_effective; /* at least PT5S */
    vrv_ms intermediate_handoff_period;   /* P2147483647D */
    const char *intermediate_handoff_period_text;
    vrv_ms repartition_transition_duration; /* PT2M */

    /* Kinesis */
    int record_buffer_size_bytes;           /* 0 when not given */
    int record_buffer_size_bytes_effective; /* min(100 MB, 10% of the budget) */
    int record_buffer_offer_timeout_ms;     /* 5000 */
    int record_buffer_full_wait_ms;         /* 5000 */
    int fetch_threads;                      /* 0 when not given */
    int fetch_threads_effective; /* 2 per CPU, capped so 10 MB each fit in min(100 MB, 5% budget) */
    int max_bytes_per_poll;      /* 0 when not given; effective 1000000 */
    int max_bytes_per_poll_effective;
    bool use_list_shards;
    int record_buffer_size;   /* legacy, 0 when not given */
    int max_records_per_poll; /* legacy, 0 when not given */
} vrv_spec_stream_tuning;

typedef struct vrv_spec_supervisor {
    vrv_spec_stream_type type;
    const char *id; /* "id", or the dataSource */
    bool id_given;
    json_t *context; /* object or NULL */
    bool suspended;
    bool nested; /* the user wrote the nested `spec` form */
    vrv_spec_data_schema schema;
    vrv_spec_stream_io io;
    vrv_spec_stream_tuning tuning;

    json_t *json;     /* the spec as submitted (a reference held) */
    vrv_arena *arena; /* owns everything else */
    json_t *built;    /* JSON built while parsing (legacy parser translation) */
} vrv_spec_supervisor;

/* Parses a supervisor spec. opts may be NULL (defaults). On success fills *out
 * (caller-owned; release with vrv_spec_supervisor_free) and returns 0; on
 * failure returns VRV_EINVAL or VRV_EUNSUPPORTED with err set, and *out needs
 * no free. json is borrowed; a reference is taken on success. */
int vrv_spec_supervisor_parse(const json_t *json, const vrv_spec_opts *opts,
                              vrv_spec_supervisor *out, vrv_error *err);
void vrv_spec_supervisor_free(vrv_spec_supervisor *s);

/* Druid's serialisation of a parsed supervisor spec, as GET
 * /druid/indexer/v1/supervisor/{id} and the spec history return it: every
 * field with its resolved default, the nested `spec` and the three top-level
 * copies, then `context` and `suspended`. Sub-objects owned by other modules
 * (inputFormat, metricsSpec entries, filter) appear as submitted. Returns a new
 * reference (caller decrefs). suspended overrides the parsed flag when >= 0. */
json_t *vrv_spec_supervisor_to_json(const vrv_spec_supervisor *s, int suspended);

/* "kafka" / "kinesis" */
const char *vrv_spec_stream_type_name(vrv_spec_stream_type t);

/* ---- native batch task spec -------------------------------------------- */

typedef enum vrv_spec_batch_type {
    VRV_SPEC_INDEX_PARALLEL = 0,
    VRV_SPEC_INDEX
} vrv_spec_batch_type;

typedef enum vrv_spec_partitions_type {
    VRV_SPEC_PART_DYNAMIC = 0,
    VRV_SPEC_PART_HASHED,
    VRV_SPEC_PART_SINGLE_DIM,
    VRV_SPEC_PART_RANGE,
} vrv_spec_partitions_type;

typedef struct vrv_spec_partitions {
    vrv_spec_partitions_type type;
    bool given; /* partitionsSpec (or a deprecated field) was given */
    /* dynamic */
    int max_rows_per_segment; /* 5000000 */
    int64_t max_total_rows;   /* -1 when not given; effective 20000000 */
    /* hashed / single_dim / range */
    int num_shards;                /* hashed; 0 when not given */
    int target_rows_per_segment;   /* 0 when not given */
    int max_rows_per_segment_hint; /* single_dim/range/hashed maxRowsPerSegment; 0 when not given */
    const char **partition_dimensions; /* hashed, range (single_dim: one) */
    size_t n_partition_dimensions;
    bool assume_grouped; /* single_dim / range */
} vrv_spec_partitions;

typedef struct vrv_spec_batch_tuning {
    vrv_spec_tuning_common c;
    vrv_spec_partitions partitions;
    int max_columns_to_merge; /* -1 = unlimited */
    bool force_guaranteed_rollup;
    int64_t push_timeout_ms;                       /* 0 = forever */
    int64_t await_segment_availability_timeout_ms; /* 0 = do not wait */
    /* index_parallel */
    json_t *split_hint_spec;             /* object or NULL */
    int max_num_concurrent_sub_tasks;    /* 1 */
    int max_retry;                       /* 3 */
    int64_t task_status_check_period_ms; /* 1000 */
    vrv_ms chat_handler_timeout;         /* PT10S */
    int chat_handler_num_retries;        /* 5 */
    int max_num_segments_to_merge;       /* 100 */
    int total_num_merge_tasks;           /* 10 */
    int max_allowed_lock_count;          /* -1 */
} vrv_spec_batch_tuning;

typedef struct vrv_spec_batch {
    vrv_spec_batch_type type;
    const char *id;  /* or NULL: generated by the task queue */
    json_t *context; /* object or NULL */
    vrv_spec_data_schema schema;
    vrv_spec_sub input_source; /* ioConfig.inputSource, for src/input (vrv_source_parse) */
    vrv_spec_sub input_format; /* ioConfig.inputFormat, for src/input */
    bool append_to_existing;
    bool drop_existing;
    vrv_spec_batch_tuning tuning;

    json_t *json;
    vrv_arena *arena;
    json_t *built;
} vrv_spec_batch;

/* Parses an `index_parallel` or `index` task spec; same contract as
 * vrv_spec_supervisor_parse. */
int vrv_spec_batch_parse(const json_t *json, const vrv_spec_opts *opts, vrv_spec_batch *out,
                         vrv_error *err);
void vrv_spec_batch_free(vrv_spec_batch *b);

/* Names of enum values as Druid writes them. */
const char *vrv_spec_dim_type_name(vrv_spec_dim_type t);       /* "string", "long", ... */
const char *vrv_spec_mvh_name(vrv_spec_mvh m);                 /* "SORTED_ARRAY", ... */
const char *vrv_spec_compression_name(vrv_spec_compression c); /* "lz4", ... */

#endif
