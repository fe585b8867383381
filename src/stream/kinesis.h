/*
 * kinesis.h — the Kinesis record supplier: reads the shards of one Amazon
 * Kinesis data stream through the HTTP API (kinesis_client.h) as a
 * vrv_supplier (supplier.h), the way Druid's KinesisRecordSupplier does
 * (reference/druid-streaming.md §1.5, §4.1, §4.13).
 *
 * Positions are sequence numbers, compared as big integers (position.h): a
 * seek to a sequence number reads AT it when the position is inclusive and
 * AFTER it when exclusive (the start after a checkpoint: the record there was
 * already read); UNREAD_TRIM_HORIZON / UNREAD_LATEST read from the oldest /
 * newest record; EOS and EXPIRED mean nothing is left to read. What a shard
 * will read next (vrv_supplier_position) is the last record polled,
 * exclusive, or else where it was seeked.
 *
 * Reading. Each assigned shard holds a shard iterator (GetShardIterator) and
 * one GetRecords in flight at a time; all shards' calls run concurrently on
 * one curl multi handle, driven by vrv_supplier_poll (no thread of its own),
 * so a call can finish while the caller works on the previous batch. Fetched
 * pages wait in a buffer bounded by record_buffer_bytes, and a poll hands
 * out at most max_bytes_per_poll of record data (at least one record),
 * shards taking turns. Per shard:
 *  - GetRecords asks for records_per_fetch records; the next call waits
 *    fetch_delay_ms, or 200 ms when the shard answered nothing and is not
 *    behind (Kinesis allows 5 reads per second per shard);
 *  - ProvisionedThroughputExceeded / LimitExceeded: the shard waits
 *    max(fetch_delay_ms, 3 s), as Druid does;
 *  - an expired iterator (ExpiredIteratorException, after 5 minutes) is
 *    replaced by one AFTER the last sequence number fetched (or at the seek
 *    position when nothing was fetched: a LATEST seek then skips what
 *    arrived while the caller did not poll);
 *  - network failures and AWS 5xx answers: the shard retries after a
 *    backoff of 200 ms doubling up to 10 s; a poll that read nothing and met
 *    such a failure returns VRV_EAGAIN naming it;
 *  - a closed shard read to its end (GetRecords returns no next iterator)
 *    yields one last synthetic record flagged VRV_REC_END_OF_SHARD, whose
 *    position (vrv_record_pos) is EOS; the shard then reads nothing more.
 * Records whose data is a KPL aggregate (the Kinesis Producer Library's
 * format, magic F3 89 9A C2 and an MD5 check) are de-aggregated, as Druid
 * does: one vrv_record per user record, all with the Kinesis record's
 * sequence number and arrival time and each with its own partition key;
 * the second and later ones carry VRV_REC_SUBRECORD, and a batch always
 * holds every user record of a Kinesis record.
 *
 * Poll errors (after the records, which stay valid): VRV_ERANGE when a
 * sequence number is refused by the shard (not from this shard or stream; the
 * batch names the shard and position); VRV_ENOTFOUND when the stream or
 * shard is gone; VRV_EIO when the credentials are refused; VRV_EAGAIN for
 * transient trouble. The shard keeps retrying ENOTFOUND / EIO every 10 s;
 * after VRV_ERANGE it waits for a new seek.
 *
 * Earliest / latest (vrv_supplier_earliest / _latest) are Druid's
 * getEarliestSequenceNumber / getLatestSequenceNumber: the first record a
 * TRIM_HORIZON / LATEST iterator returns (inclusive), else EOS for a closed
 * shard with nothing left, else UNREAD_TRIM_HORIZON / UNREAD_LATEST. So the
 * latest position of an open shard is normally UNREAD_LATEST: Kinesis has no
 * call that names the newest sequence number; lag is measured in time
 * (vrv_kinesis_time_lag). vrv_supplier_available is Druid's
 * isOffsetAvailable: unread markers are available; a sequence number is
 * when a read AT it returns that very record first (a trimmed record is
 * not).
 *
 * The supplier lists shards with DescribeStream, or ListShards when
 * use_list_shards is set (Druid's useListShards); both include closed shards.
 */
#ifndef VRV_STREAM_KINESIS_H
#define VRV_STREAM_KINESIS_H

#include "base/buf.h"
#include "base/error.h"
#include "spec/spec.h"
#include "stream/kinesis_client.h"
#include "stream/supplier.h"

typedef struct vrv_kinesis_config {
    vrv_kinesis_client_config client;
    const char *stream;          /* required */
    int fetch_delay_ms;          /* fetchDelayMillis: between two GetRecords of a shard; 0 */
    int records_per_fetch;       /* recordsPerFetch, GetRecords' Limit; 0: 10000 (the maximum) */
    int fetch_threads;           /* fetchThreads: GetRecords / GetShardIterator calls in flight
                                    at once (shards take turns); 0: one per shard */
    int max_bytes_per_poll;      /* maxBytesPerPoll: record data per poll; 0: 1000000 */
    int64_t record_buffer_bytes; /* recordBufferSizeBytes: fetched and not yet polled; 0: 100 MB */
    int poll_timeout_ms;         /* used when poll is given a negative timeout; 0: 100 */
    bool use_list_shards;        /* useListShards */
} vrv_kinesis_config;

/* Opens a supplier of cfg->stream (nothing is contacted yet). The strings of
 * cfg are copied. Errors as vrv_kinesis_client_new. Close with
 * vrv_supplier_close. */
int vrv_kinesis_open(const vrv_kinesis_config *cfg, vrv_supplier **out, vrv_error *err);

/* Fills out from a Kinesis supervisor spec: stream, endpoint, region,
 * fetchDelayMillis, recordsPerFetch, and the tuningConfig's
 * recordBufferSizeBytes, maxBytesPerPoll and useListShards. Credentials are
 * not part of a Druid spec: out->client's credential fields stay NULL for
 * the caller to fill from its own configuration, else the environment and
 * the shared credentials file are used. out borrows spec's strings.
 * awsAssumedRoleArn is VRV_EUNSUPPORTED (varve does not call STS). */
int vrv_kinesis_config_from_spec(const vrv_spec_supervisor *spec, vrv_kinesis_config *out,
                                 vrv_error *err);

/* The client of a Kinesis supplier (borrowed), for the calls around
 * reading: shard details, administration. */
vrv_kinesis_client *vrv_kinesis_supplier_client(vrv_supplier *s);

/* Druid's getPartitionTimeLag: how far (ms) reading at pos is behind the
 * newest record of shard p. pos a sequence number: 0 when no record follows
 * it, else the MillisBehindLatest of a read at it. pos unread or NOT_SET: 0
 * unless use_earliest, then the MillisBehindLatest of a read from
 * TRIM_HORIZON (0 for an empty shard). EOS / EXPIRED: 0. */
int vrv_kinesis_time_lag(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos, bool use_earliest,
                         int64_t *lag_ms, vrv_error *err);

/* ---- GetRecords answers, read in place */

/* One record of a GetRecords answer; every pointer is into the answer's
 * buffer. */
typedef struct vrv_kinesis_wire_record {
    char *data;         /* Data, base64-decoded where it stood */
    size_t len;
    const char *seq;    /* SequenceNumber: 1..128 decimal digits */
    size_t seq_len;
    const char *pk;     /* PartitionKey, unescaped; NULL when absent */
    size_t pk_len;
    vrv_ms arrival;     /* ApproximateArrivalTimestamp in ms; -1 when absent */
} vrv_kinesis_wire_record;

typedef struct vrv_kinesis_records {
    vrv_kinesis_wire_record *v; /* n records; the array is reused from call to call */
    size_t n, cap;
    const char *next_iterator;  /* NextShardIterator; NULL when absent or null (closed) */
    size_t next_iterator_len;
    int64_t millis_behind;      /* MillisBehindLatest; 0 when absent */
} vrv_kinesis_records;

/* Parses the GetRecords answer buf[0, len) in place: buf is rewritten
 * (record data decoded, strings unescaped where they stand) and out points
 * into it. out->v is grown as needed (free() it when done; zero-initialise out
 * before the first call). Malformed text, a record without Data or
 * SequenceNumber, or Data that is not base64 is VRV_EIO naming the byte
 * offset; nothing is read beyond len. */
int vrv_kinesis_parse_records(char *buf, size_t len, vrv_kinesis_records *out, vrv_error *err);

/* ---- KPL aggregated records */

/* A user record inside a KPL aggregate: borrowed from the aggregate's bytes. */
typedef struct vrv_kinesis_user_record {
    const char *data;
    size_t len;
    vrv_str partition_key;
} vrv_kinesis_user_record;

/* Parses p[0, n) as a KPL aggregate. Returns the number of user records
 * (stored in out, which has cap slots; call again with a bigger array when
 * the result exceeds cap), or -1 when p is not an aggregate (no magic, bad
 * MD5, malformed), in which case the record is an ordinary one. */
long vrv_kinesis_kpl_parse(const char *p, size_t n, vrv_kinesis_user_record *out, size_t cap);

/* Appends the KPL aggregate of recs (data and partition keys; explicit hash
 * keys are not carried) to out: what a KPL producer with aggregation on
 * sends, for tests and producers. */
void vrv_kinesis_kpl_encode(const vrv_kinesis_put *recs, size_t n, vrv_buf *out);

#endif
