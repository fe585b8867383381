/*
 * kinesis_client.h — varve's client of the Amazon Kinesis Data Streams HTTP
 * API: where to send a call (endpoint, signing region), with which
 * credentials, one call with retries and AWS's error decoded, and the calls
 * around reading that tests, `varve produce` and operators need (list shards,
 * create / delete / describe a stream, split and merge shards, put records).
 * The record supplier (kinesis.h) reads through it.
 *
 * Protocol: every call is an HTTPS (or HTTP, for local emulators) POST of a
 * JSON body to the endpoint with `Content-Type: application/x-amz-json-1.1`
 * and `X-Amz-Target: Kinesis_20131202.<Operation>`, signed with AWS
 * Signature Version 4 by libcurl (CURLOPT_AWS_SIGV4 "aws:amz:REGION:kinesis");
 * a session token travels in `X-Amz-Security-Token`, which is signed too.
 * Errors come back as HTTP 4xx/5xx with {"__type": "...Exception", "message"}.
 *
 * Endpoint: `endpoint` is a URL ("http://127.0.0.1:4567", a VPC endpoint
 * "https://vpce-0abc.kinesis.eu-west-1.vpce.amazonaws.com") or a host[:port]
 * ("kinesis.eu-west-1.amazonaws.com"), which means https. NULL means
 * kinesis.<region>.amazonaws.com (".cn" added for cn- regions).
 *
 * Signing region, first found: `region`; the region in an AWS host name
 * (kinesis.R.amazonaws.com, kinesis-fips.R..., *.kinesis.R.vpce.amazonaws.com);
 * $AWS_REGION; $AWS_DEFAULT_REGION; us-east-1.
 *
 * Credentials, first complete source wins (Druid's default provider chain
 * without the AWS-hosted ones):
 *  1. the configuration: access_key_id + secret_access_key [+ session_token]
 *     (Druid's druid.kinesis.accessKey / druid.kinesis.secretKey);
 *  2. session_credentials_file: a properties file with accessKey, secretKey
 *     and sessionToken lines (Druid's druid.kinesis.fileSessionCredentials),
 *     re-read when it changes;
 *  3. the environment: AWS_ACCESS_KEY_ID (or AWS_ACCESS_KEY) +
 *     AWS_SECRET_ACCESS_KEY (or AWS_SECRET_KEY) [+ AWS_SESSION_TOKEN];
 *  4. the shared credentials file: $AWS_SHARED_CREDENTIALS_FILE or
 *     ~/.aws/credentials, profile $AWS_PROFILE or "default"
 *     (aws_access_key_id, aws_secret_access_key, aws_session_token).
 * Not supported: STS role assumption (awsAssumedRoleArn), web identity
 * tokens, ECS container and EC2 instance-profile credentials. When AWS
 * rejects the credentials as expired or unknown, they are resolved again
 * (a rotated file or environment is picked up) and the call retried once.
 *
 * Retries: throttling (ProvisionedThroughputExceededException,
 * LimitExceededException, ThrottlingException, KMSThrottlingException), AWS
 * 5xx answers and network failures are retried with exponential backoff
 * (100 ms doubling, at most 3 s per wait) up to max_retries times; anything
 * else is returned at once.
 *
 * A client is not thread safe: one thread uses it at a time. It keeps its
 * connection open between calls.
 */
#ifndef VRV_STREAM_KINESIS_CLIENT_H
#define VRV_STREAM_KINESIS_CLIENT_H

#include <curl/curl.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/error.h"
#include "base/vrv.h"

/* Kinesis limits the API documents. */
#define VRV_KINESIS_NAME_MAX        128   /* stream names and shard ids */
#define VRV_KINESIS_SEQ_MAX         128   /* sequence numbers, in decimal digits */
#define VRV_KINESIS_PUT_MAX_RECORDS 500   /* records per PutRecords */
#define VRV_KINESIS_GET_MAX_RECORDS 10000 /* Limit of GetRecords */

typedef struct vrv_kinesis_client vrv_kinesis_client;

typedef struct vrv_kinesis_client_config {
    const char *endpoint;      /* URL or host[:port]; NULL: the region's AWS endpoint */
    const char *region;        /* signing region; NULL: see the top of the file */
    const char *access_key_id; /* source 1 (both or neither with the secret) */
    const char *secret_access_key;
    const char *session_token;            /* with source 1; may be NULL */
    const char *session_credentials_file; /* source 2; NULL: skipped */
    int request_timeout_ms;               /* one HTTP exchange; 0: 30000 */
    int connect_timeout_ms;               /* 0: 5000 */
    int max_retries;                      /* of a transient failure; 0: 5; < 0: none */
} vrv_kinesis_client_config;

/* Resolved credentials. */
typedef struct vrv_kinesis_credentials {
    char access_key_id[128];
    char secret_access_key[256];
    char session_token[2048]; /* "" when none */
    char source[320];         /* for messages: "configuration", "environment",
                                 "profile default of /home/u/.aws/credentials" */
} vrv_kinesis_credentials;

/* Resolves credentials from cfg's sources as described above. No source
 * complete is VRV_EINVAL naming what was looked at; a source that is given
 * but unreadable or half-filled (a key without its secret) is VRV_EINVAL
 * naming it. */
int vrv_kinesis_credentials_resolve(const vrv_kinesis_client_config *cfg,
                                    vrv_kinesis_credentials *out, vrv_error *err);

/* The error AWS returned, as far as there was one. */
typedef struct vrv_kinesis_aws_error {
    long http_status;  /* 0: no HTTP answer (network failure) */
    char type[128];    /* "ResourceNotFoundException"; "" when none */
    char message[768]; /* AWS's message, or the network failure */
} vrv_kinesis_aws_error;

/* Creates a client: resolves the endpoint, region and credentials (errors as
 * vrv_kinesis_credentials_resolve; a bad endpoint is VRV_EINVAL). Nothing is
 * contacted. cfg's strings are copied. Free with vrv_kinesis_client_free. */
int vrv_kinesis_client_new(const vrv_kinesis_client_config *cfg, vrv_kinesis_client **out,
                           vrv_error *err);
void vrv_kinesis_client_free(vrv_kinesis_client *c);

/* The URL calls go to ("https://kinesis.us-east-1.amazonaws.com/") and the
 * signing region; borrowed from c. */
const char *vrv_kinesis_client_url(const vrv_kinesis_client *c);
const char *vrv_kinesis_client_region(const vrv_kinesis_client *c);
/* Where the credentials came from (no secret in it); borrowed. */
const char *vrv_kinesis_client_credentials_source(const vrv_kinesis_client *c);

/* Calls the operation ("ListShards") with body (an object, borrowed; NULL:
 * {}), retrying transient failures. On success *resp is the answer (a new
 * reference; an empty answer is an empty object). Errors: VRV_ENOTFOUND
 * (ResourceNotFoundException), VRV_EINVAL (InvalidArgumentException,
 * ValidationException and other refusals of the request itself),
 * VRV_ECONFLICT (ResourceInUseException), VRV_EAGAIN (still throttled after
 * the retries, ExpiredIteratorException), VRV_ETIMEOUT (no answer in time),
 * VRV_EIO (anything else: credentials or permissions refused, network, 5xx);
 * err names the operation and the endpoint, and *aerr (may be NULL) gets
 * AWS's error. */
int vrv_kinesis_call(vrv_kinesis_client *c, const char *op, const json_t *body, json_t **resp,
                     vrv_kinesis_aws_error *aerr, vrv_error *err);

/* ---- asynchronous calls, for reading many shards at once over curl_multi */

/* One call in flight: an easy handle of its own (so its connection stays
 * open between calls), the signed headers, the body, the answer. */
typedef struct vrv_kinesis_req {
    CURL *h;
    struct curl_slist *headers;
    char *body;
    vrv_buf resp;
    char op[48];
    char errbuf[CURL_ERROR_SIZE]; /* curl's detail of a network failure */
    bool raw; /* set before start: a 200 answer stays in resp, unparsed (*resp NULL) */
    bool refreshed;               /* credentials were re-resolved after a refusal */
} vrv_kinesis_req;

/* Prepares r (zeroed, or used before) to call op with body (borrowed): after
 * this, r->h can be added to a curl multi handle. */
void vrv_kinesis_req_start(vrv_kinesis_client *c, vrv_kinesis_req *r, const char *op,
                           const json_t *body);

/* What became of a finished call. */
typedef enum vrv_kinesis_outcome {
    VRV_KINESIS_OK = 0,    /* *resp set */
    VRV_KINESIS_RETRY,     /* transient: network, 5xx; retry after a backoff */
    VRV_KINESIS_THROTTLED, /* retry after a longer backoff */
    VRV_KINESIS_REAUTH,    /* the credentials were refused and have changed since: retry now */
    VRV_KINESIS_FAILED,    /* for good; err and *aerr say why */
} vrv_kinesis_outcome;

/* Reads the answer of a call r->h finished with cc (curl's result). On
 * VRV_KINESIS_OK *resp is a new reference; otherwise err has the message and
 * code (as vrv_kinesis_call) and *aerr (may be NULL) AWS's error. */
vrv_kinesis_outcome vrv_kinesis_req_finish(vrv_kinesis_client *c, vrv_kinesis_req *r, CURLcode cc,
                                           json_t **resp, vrv_kinesis_aws_error *aerr,
                                           vrv_error *err);

/* Frees r's handle and buffers (r may be zeroed and never started). */
void vrv_kinesis_req_free(vrv_kinesis_req *r);

/* ---- streams and shards */

/* One shard as ListShards / DescribeStream describe it. */
typedef struct vrv_kinesis_shard {
    char id[VRV_KINESIS_NAME_MAX + 1];
    char parent[VRV_KINESIS_NAME_MAX + 1];          /* "" when none */
    char adjacent_parent[VRV_KINESIS_NAME_MAX + 1]; /* "" when none (set after a merge) */
    char start_seq[VRV_KINESIS_SEQ_MAX + 1];
    char end_seq[VRV_KINESIS_SEQ_MAX + 1]; /* "" while the shard is open */
    char hash_start[40], hash_end[40];     /* hash key range, decimal */
} vrv_kinesis_shard;

static inline bool vrv_kinesis_shard_closed(const vrv_kinesis_shard *s)
{
    return s->end_seq[0] != '\0';
}

/* Every shard of stream, closed ones included, in the order Kinesis lists
 * them: ListShards (use_list_shards, following NextToken) or DescribeStream
 * (following HasMoreShards). *out is malloc'd (free() it); *n may be 0 for a
 * stream being created. An unknown stream is VRV_ENOTFOUND. */
int vrv_kinesis_list_shards(vrv_kinesis_client *c, const char *stream, bool use_list_shards,
                            vrv_kinesis_shard **out, size_t *n, vrv_error *err);

/* StreamStatus of stream ("CREATING", "ACTIVE", "UPDATING", "DELETING") into
 * status (cap bytes). */
int vrv_kinesis_stream_status(vrv_kinesis_client *c, const char *stream, char *status, size_t cap,
                              vrv_error *err);

/* Waits until stream is ACTIVE (timeout_ms; VRV_ETIMEOUT after). */
int vrv_kinesis_wait_active(vrv_kinesis_client *c, const char *stream, int timeout_ms,
                            vrv_error *err);

/* CreateStream with shards shards, then waits until it is ACTIVE. An existing
 * stream is VRV_ECONFLICT. */
int vrv_kinesis_create_stream(vrv_kinesis_client *c, const char *stream, int shards, int timeout_ms,
                              vrv_error *err);

/* DeleteStream (it may take a while to disappear). */
int vrv_kinesis_delete_stream(vrv_kinesis_client *c, const char *stream, vrv_error *err);

/* SplitShard at new_starting_hash_key (decimal), or in the middle of the
 * shard's hash range when NULL; then waits until the stream is ACTIVE. */
int vrv_kinesis_split_shard(vrv_kinesis_client *c, const char *stream, const char *shard,
                            const char *new_starting_hash_key, int timeout_ms, vrv_error *err);

/* MergeShards of two adjacent shards; then waits until the stream is ACTIVE. */
int vrv_kinesis_merge_shards(vrv_kinesis_client *c, const char *stream, const char *shard,
                             const char *adjacent_shard, int timeout_ms, vrv_error *err);

/* ---- putting records */

typedef struct vrv_kinesis_put {
    const void *data; /* 0..1 MiB, sent base64-encoded */
    size_t len;
    const char *partition_key; /* 1..256 characters; decides the shard */
    const char
        *explicit_hash_key; /* decimal hash key overriding the partition key's; may be NULL */
} vrv_kinesis_put;

/* What became of each put record. */
typedef struct vrv_kinesis_put_result {
    char shard[VRV_KINESIS_NAME_MAX + 1]; /* "" when the record failed */
    char seq[VRV_KINESIS_SEQ_MAX + 1];
    char error[128]; /* "" on success, else AWS's error code */
} vrv_kinesis_put_result;

/* Puts n records in order with PutRecords, 500 per call, re-sending the
 * records a call reports as failed (throttling), until all are in or
 * max_rounds rounds passed (0: 10). results (n slots, may be NULL) says where
 * each went. A record that could not be put is VRV_EIO naming it. */
int vrv_kinesis_put_records(vrv_kinesis_client *c, const char *stream, const vrv_kinesis_put *recs,
                            size_t n, vrv_kinesis_put_result *results, int max_rounds,
                            vrv_error *err);

/* ---- base64 (standard alphabet, padded), as the API carries record data */

/* Bytes vrv_kinesis_base64_encode writes for n input bytes (no NUL). */
static inline size_t vrv_kinesis_base64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}
/* Encodes p[0, n) into out (vrv_kinesis_base64_len(n) bytes, no NUL). */
void vrv_kinesis_base64_encode(const void *p, size_t n, char *out);
/* Decodes s[0, n) into out (at least n / 4 * 3 bytes); *outlen gets the
 * length. false when s is not padded standard base64. */
bool vrv_kinesis_base64_decode(const char *s, size_t n, char *out, size_t *outlen);

#endif
