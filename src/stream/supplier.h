/*
 * supplier.h — the record-supplier interface: how a streaming task or a
 * supervisor reads a stream without knowing whether it is Kafka or Kinesis
 * (Druid's RecordSupplier). An implementation (kafka.c, kinesis.c) fills
 * a vrv_supplier_ops table; callers use the vrv_supplier_* wrappers below.
 *
 * A supplier reads one stream: a Kafka topic, a Kafka topicPattern (partition
 * ids are then "topic:partition") or a Kinesis stream, fixed when it is
 * opened. The reading loop is:
 *
 *     vrv_supplier_assign(s, parts, n)        which partitions to read
 *     vrv_supplier_seek(s, &part, &pos)       where (or seek_earliest/latest)
 *     loop: vrv_supplier_poll(s, &batch, -1)  records, zero-copy
 *           ... use batch.recs[0..n) ...
 *           vrv_supplier_release(s, &batch)   give the records back
 *
 * Records point into the client library's buffers and stay valid until the
 * batch is released; release every batch before the next poll and before
 * closing. A supplier is not thread safe: one thread uses it at a time.
 *
 * Errors are a vrv_error with a message for people and a code for programs:
 *   VRV_ERANGE     a partition's position is not in the stream (below the
 *                  log start after retention, or past the end): the task
 *                  applies resetOffsetAutomatically (druid-streaming.md §4.12).
 *                  The batch names the partition and position.
 *   VRV_ENOTFOUND  the topic / stream / partition does not exist.
 *   VRV_EAGAIN     poll only: nothing was read and the client reported a
 *                  transient problem (brokers down, connection refused); the
 *                  client keeps reconnecting, poll again.
 *   VRV_ETIMEOUT   a metadata or position query got no answer in time.
 *   VRV_EINVAL     bad configuration or a call out of order.
 *   VRV_EIO        the client failed for good.
 */
#ifndef VRV_STREAM_SUPPLIER_H
#define VRV_STREAM_SUPPLIER_H

#include "base/error.h"
#include "base/str.h"
#include "base/vrv.h"
#include "input/row.h"
#include "stream/position.h"

typedef struct vrv_supplier vrv_supplier;

#define VRV_REC_END_OF_SHARD 0x1u /* Kinesis: the synthetic record after a closed shard's last */
#define VRV_REC_SUBRECORD 0x2u    /* Kinesis: a further user record of a KPL-aggregated record;
                                     same sequence number as the record before it, and always
                                     in the same batch */

/* One record, as read. Pointers are borrowed from the batch. */
typedef struct vrv_record {
    uint32_t part;          /* index into vrv_supplier_assignment() */
    uint32_t flags;         /* VRV_REC_* */
    int64_t offset;         /* Kafka: the record's offset; Kinesis: -1 */
    vrv_str seq;            /* Kinesis: the record's sequence number; empty for Kafka */
    const char *value;      /* payload; NULL for a Kafka tombstone (null value), which
                               is not the same as an empty payload */
    size_t value_len;
    const char *key;        /* NULL when the record has no key */
    size_t key_len;
    vrv_str partition_key;  /* Kinesis partition key; empty for Kafka */
    vrv_ms timestamp;       /* record timestamp (Kafka) or arrival time (Kinesis); -1 if none */
    void *handle;           /* the implementation's record (a Kafka rd_kafka_message_t) */
} vrv_record;

/* What one poll returned. Zero-initialise ({0}) before the first poll; free
 * its arrays with vrv_batch_free once done with it. */
typedef struct vrv_batch {
    vrv_record *recs;       /* n records; within a partition in stream order */
    size_t n, cap;
    /* Set when poll returned VRV_ERANGE: */
    int32_t range_part;     /* assignment index of the partition, else -1 */
    vrv_pos range_pos;      /* the position that is not in the stream */
    /* Header scratch of vrv_supplier_headers. */
    vrv_record_header *hdrs;
    size_t hdrs_cap;
    vrv_supplier *owner;    /* set while the batch holds records */
} vrv_batch;

typedef struct vrv_supplier_ops {
    const char *name; /* "kafka", "kinesis" */
    int (*partitions)(vrv_supplier *s, vrv_part **out, size_t *n, vrv_error *err);
    /* s->assigned still holds the old assignment while assign runs. */
    int (*assign)(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_error *err);
    int (*seek)(vrv_supplier *s, uint32_t idx, const vrv_pos *pos, vrv_error *err);
    int (*seek_edge)(vrv_supplier *s, uint32_t idx, bool latest, vrv_error *err);
    int (*poll)(vrv_supplier *s, vrv_batch *b, int timeout_ms, vrv_error *err);
    void (*release)(vrv_supplier *s, vrv_batch *b);
    int (*edges)(vrv_supplier *s, const vrv_part *parts, size_t n, bool latest, vrv_pos *out,
                 vrv_error *err);
    int (*position)(vrv_supplier *s, uint32_t idx, vrv_pos *out, vrv_error *err);
    /* Optional: NULL compares pos with the earliest position. */
    int (*available)(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos, bool *available,
                     vrv_error *err);
    int (*headers)(vrv_supplier *s, const vrv_record *r, vrv_batch *b,
                   const vrv_record_header **out, size_t *n);
    void (*close)(vrv_supplier *s);
} vrv_supplier_ops;

/* The part of a supplier every implementation shares; an implementation
 * embeds it first. */
struct vrv_supplier {
    const vrv_supplier_ops *ops;
    vrv_stream_type type;
    char *stream;          /* topic, topicPattern or Kinesis stream name; owned */
    bool multi_topic;      /* Kafka topicPattern mode */
    int poll_timeout_ms;   /* used when poll is given a negative timeout */
    vrv_part *assigned;    /* current assignment, owned */
    size_t n_assigned;
};

/* Sets the shared fields (stream copied). For implementations. */
void vrv_supplier_base_init(vrv_supplier *s, const vrv_supplier_ops *ops, vrv_stream_type type,
                            const char *stream, bool multi_topic);
/* Frees the shared fields. For implementations' close. */
void vrv_supplier_base_free(vrv_supplier *s);

static inline const char *vrv_supplier_stream(const vrv_supplier *s)
{
    return s->stream;
}

/* Every partition of the stream (every topic matching the pattern in
 * multi-topic mode), sorted by vrv_part_cmp. *out is malloc'd (free() it). A
 * missing topic / no matching topic is VRV_ENOTFOUND. */
int vrv_supplier_partitions(vrv_supplier *s, vrv_part **out, size_t *n, vrv_error *err);

/* Replaces the set of partitions read (copied). Partitions that stay keep
 * their position; new ones have none until seeked, and polling before that is
 * VRV_EINVAL. Takes effect at the next poll. */
int vrv_supplier_assign(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_error *err);

/* The current assignment (borrowed, valid until the next assign); a record's
 * `part` indexes it. */
const vrv_part *vrv_supplier_assignment(const vrv_supplier *s, size_t *n);

/* Index of p in the assignment, or -1. */
int vrv_supplier_assigned_index(const vrv_supplier *s, const vrv_part *p);

/* Makes p (assigned) read from pos next: a Kafka offset, or a Kinesis
 * sequence number (exclusive: after it) or unread marker. */
int vrv_supplier_seek(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos, vrv_error *err);
int vrv_supplier_seek_earliest(vrv_supplier *s, const vrv_part *p, vrv_error *err);
int vrv_supplier_seek_latest(vrv_supplier *s, const vrv_part *p, vrv_error *err);

/* Reads the records available within timeout_ms (< 0: the configured
 * pollTimeout) into b, returning as soon as there is at least one. b must be
 * empty (released). The records in b are valid whatever the return code, and
 * must be processed before acting on an error. */
int vrv_supplier_poll(vrv_supplier *s, vrv_batch *b, int timeout_ms, vrv_error *err);

/* Gives the batch's records back to the client; b can be polled into again. */
void vrv_supplier_release(vrv_supplier *s, vrv_batch *b);

/* Frees b's own arrays (after release). */
void vrv_batch_free(vrv_batch *b);

/* Headers of r (Kafka; none for Kinesis), in record order. *out is borrowed
 * from b and valid until the next headers call on b or its release. */
int vrv_supplier_headers(vrv_supplier *s, const vrv_record *r, vrv_batch *b,
                         const vrv_record_header **out, size_t *n);

/* The position of r, as one vrv_pos (inclusive). */
vrv_pos vrv_record_pos(const vrv_supplier *s, const vrv_record *r);

/* The oldest / newest positions of n partitions (need not be assigned), asked
 * of the stream: Kafka the log start offset / the end offset (the last stable
 * offset under read_committed). out has n slots. */
int vrv_supplier_earliest(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_pos *out,
                          vrv_error *err);
int vrv_supplier_latest(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_pos *out,
                        vrv_error *err);

/* The position p (assigned) will read next. */
int vrv_supplier_position(vrv_supplier *s, const vrv_part *p, vrv_pos *out, vrv_error *err);

/* Is pos still in the stream (not below its earliest position; Kinesis: is
 * the record at pos still there)? Druid's isOffsetAvailable, behind
 * resetOffsetAutomatically. */
int vrv_supplier_available(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos,
                           bool *available, vrv_error *err);

/* Closes the client and frees s. NULL is a no-op. */
void vrv_supplier_close(vrv_supplier *s);

#endif
