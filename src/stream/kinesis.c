/*
 * kinesis.c — the Kinesis record supplier described in kinesis.h: per-shard
 * read state (seek position, shard iterator, fetched and delivered
 * positions), the GetShardIterator / GetRecords calls of every shard run
 * concurrently on one curl multi handle inside poll, the page buffer
 * between fetching and polling, and the supplier operations (partitions,
 * seek, poll, edges, position, availability). HTTP, signing and credentials
 * are kinesis_client.c's; KPL de-aggregation kinesis_kpl.c's.
 *
 * Memory: a GetRecords answer becomes one page: the answer's own buffer,
 * read in place (kinesis_parse.c: data decoded and strings unescaped where
 * they stand), and one array of records pointing into it. Records of a batch
 * point into pages; a page leaves its shard's queue when its last record is
 * polled (or the shard is seeked) and is freed at the next release or poll,
 * never while a batch may still point into it. Freed answer buffers go back
 * to a small pool the next calls receive into, so a steady read allocates
 * nothing per answer.
 */
#include "stream/kinesis.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"
#include "base/mem.h"
#include "base/vec.h"

#define DEFAULT_MAX_BYTES_PER_POLL  1000000
#define DEFAULT_RECORD_BUFFER_BYTES 100000000LL
#define IDLE_FETCH_DELAY_MS         200 /* a shard with nothing new: 5 reads/s, Kinesis' per-shard limit \
                                         */
#define THROTTLE_BACKOFF_MS  3000       /* Druid's PROVISIONED_THROUGHPUT_EXCEEDED_BACKOFF_MS */
#define ERROR_BACKOFF_MIN_MS 200        /* network / 5xx: first wait, doubling */
#define ERROR_BACKOFF_MAX_MS 10000 /* ... up to Druid's EXCEPTION_RETRY_DELAY_MS */
#define EDGE_RECORD_COUNT    1000  /* Druid's GET_SEQUENCE_NUMBER_RECORD_COUNT */
/* Empty pages followed from TRIM_HORIZON while the answer says records lie
 * ahead (Kinesis may answer nothing at first though the shard has data). */
#define EDGE_EMPTY_PAGES 5

typedef enum it_type {
    IT_NONE = 0, /* assigned, never seeked */
    IT_TRIM_HORIZON,
    IT_LATEST,
    IT_AT,    /* AT_SEQUENCE_NUMBER seek_seq */
    IT_AFTER, /* AFTER_SEQUENCE_NUMBER seek_seq */
    IT_DONE,  /* seeked to EOS / EXPIRED: nothing to read */
} it_type;

static const char *const it_names[] = {
    [IT_TRIM_HORIZON] = "TRIM_HORIZON",
    [IT_LATEST] = "LATEST",
    [IT_AT] = "AT_SEQUENCE_NUMBER",
    [IT_AFTER] = "AFTER_SEQUENCE_NUMBER",
};

typedef struct krec {
    const char *data; /* NULL for the end-of-shard record */
    size_t len;
    const char *seq; /* "" for the end-of-shard record */
    size_t seq_len;
    const char *pk;
    size_t pk_len;
    vrv_ms ts;
    uint32_t flags; /* VRV_REC_* */
} krec;

typedef struct kpage {
    struct kpage *next;
    vrv_buf answer; /* the GetRecords answer the records point into (empty for EOS) */
    krec *recs;     /* malloc'd */
    size_t n, cur;  /* records, and the first not yet polled */
    int64_t bytes;  /* the answer's size, for the buffer bound */
} kpage;

#define POOL_MAX 8 /* spare answer buffers kept for the next calls */

typedef enum req_kind { REQ_NONE = 0, REQ_ITER, REQ_RECORDS } req_kind;

typedef struct kshard {
    it_type seek;
    vrv_pos_kind done_kind; /* IT_DONE: EOS or EXPIRED */
    char seek_seq[VRV_POS_SEQ_MAX + 1];
    char *iter;       /* current shard iterator, NULL: get one */
    bool fetched_any; /* fetched_seq: the last record fetched */
    char fetched_seq[VRV_POS_SEQ_MAX + 1];
    bool closed;        /* the end-of-shard record is queued */
    bool delivered_any; /* delivered_seq: the last record polled */
    char delivered_seq[VRV_POS_SEQ_MAX + 1];
    bool eos_delivered;
    vrv_kinesis_req req;
    req_kind inflight;
    int64_t next_at;    /* monotonic ms before which no call starts */
    int64_t backoff;    /* next network / 5xx backoff */
    kpage *head, *tail; /* fetched pages, oldest first */
    bool range_err;     /* the seek position was refused: wait for a new seek */
    vrv_pos range_pos;
    char range_msg[VRV_ERROR_MSG_MAX];
} kshard;

typedef struct kinesis_supplier {
    vrv_supplier base;
    vrv_kinesis_client *client;
    CURLM *multi;
    kshard **shards; /* parallel to base.assigned */
    int fetch_delay_ms;
    int records_per_fetch;
    int fetch_threads; /* calls in flight at once, at most; 0: one per shard */
    size_t fetch_rr;   /* shard considered first for a call, when fetch_threads limits */
    int64_t max_bytes_per_poll;
    int64_t buffer_limit, buffered;
    bool use_list_shards;
    size_t rr;      /* shard that goes first at the next poll */
    kpage *retired; /* left their queue; freed when no batch can point in */
    vrv_buf pool[POOL_MAX]; /* spare answer buffers */
    size_t npool;
    vrv_kinesis_records wire; /* the parse of the last answer (array reused) */
    VRV_VEC(vrv_kinesis_user_record) users; /* KPL user records of one record (reused) */
    /* The most severe thing that happened during the current poll. */
    int event_code;
    int32_t event_part;
    vrv_pos event_pos;
    char event_msg[VRV_ERROR_MSG_MAX];
} kinesis_supplier;

static const vrv_supplier_ops kinesis_ops;

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int rank_of(int code)
{
    switch (code) {
    case VRV_ERANGE:
        return 4;
    case VRV_ENOTFOUND:
        return 3;
    case VRV_EIO:
        return 2;
    case VRV_EAGAIN:
        return 1;
    default:
        return 0;
    }
}

/* Records an event of this poll, keeping the most severe (the first of a rank). */
static void note_event(kinesis_supplier *ks, int code, int32_t part, const vrv_pos *pos,
                       const char *msg)
{
    if (rank_of(code) <= rank_of(ks->event_code)) return;
    ks->event_code = code;
    ks->event_part = part;
    if (pos) ks->event_pos = *pos;
    snprintf(ks->event_msg, sizeof ks->event_msg, "%s", msg);
}

/* ------------------------------------------------------------------ pages */

/* Gives a spent answer buffer to the pool, or frees it. */
static void pool_put(kinesis_supplier *ks, vrv_buf *b)
{
    if (b->data && ks->npool < POOL_MAX) {
        vrv_buf_reset(b);
        ks->pool[ks->npool++] = *b;
    } else {
        vrv_buf_free(b);
    }
    vrv_buf_init(b);
}

/* An empty answer buffer, from the pool when it has one. */
static vrv_buf pool_take(kinesis_supplier *ks)
{
    vrv_buf b = VRV_BUF_INIT;
    if (ks->npool) b = ks->pool[--ks->npool];
    return b;
}

static void page_free(kinesis_supplier *ks, kpage *p)
{
    pool_put(ks, &p->answer);
    free(p->recs);
    free(p);
}

static void free_retired(kinesis_supplier *ks)
{
    while (ks->retired) {
        kpage *p = ks->retired;
        ks->retired = p->next;
        page_free(ks, p);
    }
}

static void retire(kinesis_supplier *ks, kpage *p)
{
    p->next = ks->retired;
    ks->retired = p;
}

static void shard_queue(kinesis_supplier *ks, kshard *sh, kpage *p)
{
    p->next = NULL;
    if (sh->tail)
        sh->tail->next = p;
    else
        sh->head = p;
    sh->tail = p;
    ks->buffered += p->bytes;
}

/* Moves every queued page of sh to the retired list. */
static void shard_drop_pages(kinesis_supplier *ks, kshard *sh)
{
    while (sh->head) {
        kpage *p = sh->head;
        sh->head = p->next;
        ks->buffered -= p->bytes;
        retire(ks, p);
    }
    sh->tail = NULL;
}

/* --------------------------------------------------------------- shards */

static void shard_cancel(kinesis_supplier *ks, kshard *sh)
{
    if (sh->inflight) {
        curl_multi_remove_handle(ks->multi, sh->req.h);
        sh->inflight = REQ_NONE;
    }
}

/* Forgets everything read: the state of a fresh seek. */
static void shard_reset(kinesis_supplier *ks, kshard *sh)
{
    shard_cancel(ks, sh);
    shard_drop_pages(ks, sh);
    free(sh->iter);
    sh->iter = NULL;
    sh->fetched_any = sh->closed = sh->delivered_any = sh->eos_delivered = false;
    sh->next_at = 0;
    sh->backoff = ERROR_BACKOFF_MIN_MS;
    sh->range_err = false;
}

static void shard_free(kinesis_supplier *ks, kshard *sh)
{
    if (!sh) return;
    shard_reset(ks, sh);
    vrv_kinesis_req_free(&sh->req);
    free(sh);
}

static kshard *shard_new(void)
{
    kshard *sh = vrv_calloc(1, sizeof *sh);
    sh->backoff = ERROR_BACKOFF_MIN_MS;
    return sh;
}

static int shard_index(const kinesis_supplier *ks, const kshard *sh)
{
    for (size_t i = 0; i < ks->base.n_assigned; i++)
        if (ks->shards[i] == sh) return (int)i;
    return -1;
}

/* ---------------------------------------------------------- starting calls */

static void start_call(kinesis_supplier *ks, kshard *sh, req_kind kind, const char *op,
                       json_t *body)
{
    vrv_kinesis_req_start(ks->client, &sh->req, op, body);
    json_decref(body);
    CURLMcode mc = curl_multi_add_handle(ks->multi, sh->req.h);
    if (mc != CURLM_OK) {
        VRV_ERR("kinesis", "curl_multi_add_handle: %s", curl_multi_strerror(mc));
        sh->next_at = mono_ms() + ERROR_BACKOFF_MAX_MS;
        return;
    }
    sh->inflight = kind;
}

static void start_get_iterator(kinesis_supplier *ks, size_t i)
{
    kshard *sh = ks->shards[i];
    it_type t = sh->seek;
    const char *seq = sh->seek_seq;
    if (sh->fetched_any) {
        /* an iterator expired: carry on after the last record fetched */
        t = IT_AFTER;
        seq = sh->fetched_seq;
    }
    json_t *body = json_pack("{s:s,s:s,s:s}", "StreamName", ks->base.stream, "ShardId",
                             ks->base.assigned[i].id, "ShardIteratorType", it_names[t]);
    if (t == IT_AT || t == IT_AFTER)
        json_object_set_new(body, "StartingSequenceNumber", json_string(seq));
    sh->req.raw = false;
    start_call(ks, sh, REQ_ITER, "GetShardIterator", body);
}

static void start_get_records(kinesis_supplier *ks, kshard *sh)
{
    json_t *body =
        json_pack("{s:s,s:i}", "ShardIterator", sh->iter, "Limit", ks->records_per_fetch);
    if (!sh->req.resp.data) sh->req.resp = pool_take(ks);
    sh->req.raw = true; /* read in place by take_records */
    start_call(ks, sh, REQ_RECORDS, "GetRecords", body);
}

/* Starts the calls that are due; returns the earliest time a shard that
 * waits will want to start one (INT64_MAX: none waits). */
static int64_t start_due(kinesis_supplier *ks, int64_t now)
{
    int64_t wake = INT64_MAX;
    size_t n = ks->base.n_assigned, busy = 0;
    for (size_t i = 0; i < n; i++) busy += ks->shards[i]->inflight != REQ_NONE;
    /* fetchThreads bounds the calls in flight; the shards take turns. */
    size_t first = n ? ks->fetch_rr % n : 0;
    if (n) ks->fetch_rr = first + 1;
    for (size_t k = 0; k < n; k++) {
        size_t i = (first + k) % n;
        kshard *sh = ks->shards[i];
        if (ks->fetch_threads > 0 && busy >= (size_t)ks->fetch_threads) break;
        if (sh->seek == IT_NONE || sh->seek == IT_DONE || sh->closed || sh->inflight ||
            sh->range_err)
            continue;
        if (sh->iter && ks->buffered >= ks->buffer_limit) continue; /* polled pages make room */
        if (now < sh->next_at) {
            wake = VRV_MIN(wake, sh->next_at);
            continue;
        }
        if (!sh->iter)
            start_get_iterator(ks, i);
        else
            start_get_records(ks, sh);
        busy++;
    }
    return wake;
}

/* -------------------------------------------------------- finished calls */

static void queue_end_of_shard(kinesis_supplier *ks, kshard *sh)
{
    kpage *p = vrv_calloc(1, sizeof *p);
    p->recs = vrv_calloc(1, sizeof *p->recs);
    p->recs[0] = (krec){.seq = "", .pk = "", .ts = -1, .flags = VRV_REC_END_OF_SHARD};
    p->n = 1;
    shard_queue(ks, sh, p);
    sh->closed = true;
    free(sh->iter);
    sh->iter = NULL;
}

/* Turns the GetRecords answer in sh's request into a page queued on sh;
 * the page takes the answer's buffer. */
static int take_records(kinesis_supplier *ks, kshard *sh, const char *shard_id, vrv_error *err)
{
    vrv_buf *answer = &sh->req.resp;
    vrv_kinesis_records *w = &ks->wire;
    int rc = vrv_kinesis_parse_records(answer->data ? answer->data : (char *)"", answer->len, w,
                                       err);
    if (rc) return vrv_error_prefix(err, "shard %s", shard_id);
    int64_t now = mono_ms();
    size_t n = w->n;
    if (n) {
        VRV_VEC(krec) recs = {0};
        vrv_vec_reserve(&recs, n);
        for (size_t k = 0; k < n; k++) {
            const vrv_kinesis_wire_record *r = &w->v[k];
            krec base = {
                .data = r->data,
                .len = r->len,
                .seq = r->seq,
                .seq_len = r->seq_len,
                .pk = r->pk ? r->pk : "",
                .pk_len = r->pk ? r->pk_len : 0,
                .ts = r->arrival,
            };
            long nu = vrv_kinesis_kpl_parse(r->data, r->len, ks->users.v, ks->users.cap);
            if (nu > (long)ks->users.cap) {
                vrv_vec_reserve(&ks->users, (size_t)nu);
                nu = vrv_kinesis_kpl_parse(r->data, r->len, ks->users.v, ks->users.cap);
            }
            if (nu < 0) {
                vrv_vec_push(&recs, base);
            } else {
                for (long u = 0; u < nu; u++) {
                    krec sub = base;
                    sub.data = ks->users.v[u].data;
                    sub.len = ks->users.v[u].len;
                    sub.pk = ks->users.v[u].partition_key.p;
                    sub.pk_len = ks->users.v[u].partition_key.n;
                    sub.flags = u ? VRV_REC_SUBRECORD : 0;
                    vrv_vec_push(&recs, sub);
                }
            }
            vrv_dassert(!sh->fetched_any || strlen(sh->fetched_seq) < r->seq_len ||
                            (strlen(sh->fetched_seq) == r->seq_len &&
                             memcmp(sh->fetched_seq, r->seq, r->seq_len) < 0),
                        "Kinesis sequence numbers increase within a shard");
            memcpy(sh->fetched_seq, r->seq, r->seq_len);
            sh->fetched_seq[r->seq_len] = '\0';
            sh->fetched_any = true;
        }
        if (recs.n) {
            kpage *p = vrv_calloc(1, sizeof *p);
            p->recs = recs.v; /* the page owns the array */
            p->n = recs.n;
            p->answer = *answer; /* ... and the answer the records point into */
            p->bytes = (int64_t)answer->len;
            *answer = pool_take(ks);
            shard_queue(ks, sh, p);
        } else {
            vrv_vec_free(&recs); /* only empty aggregates */
        }
    }
    char *next = w->next_iterator ? vrv_strndup(w->next_iterator, w->next_iterator_len) : NULL;
    int64_t behind = w->millis_behind;
    if (!next) {
        queue_end_of_shard(ks, sh);
        VRV_DEBUG("kinesis", "shard %s of %s is closed and read to its end", shard_id,
                  ks->base.stream);
        return VRV_OK;
    }
    free(sh->iter);
    sh->iter = next;
    int64_t delay = ks->fetch_delay_ms;
    if (n == 0 && behind <= 0) delay = VRV_MAX(delay, IDLE_FETCH_DELAY_MS);
    sh->next_at = now + delay;
    return VRV_OK;
}

/* Handles the end of sh's call. */
static void finish_call(kinesis_supplier *ks, kshard *sh, CURLcode cc)
{
    req_kind kind = sh->inflight;
    sh->inflight = REQ_NONE;
    curl_multi_remove_handle(ks->multi, sh->req.h);
    int idx = shard_index(ks, sh);
    assert(idx >= 0);
    const char *shard_id = ks->base.assigned[idx].id;
    json_t *resp = NULL;
    vrv_kinesis_aws_error aerr;
    vrv_error e;
    vrv_kinesis_outcome o = vrv_kinesis_req_finish(ks->client, &sh->req, cc, &resp, &aerr, &e);
    int64_t now = mono_ms();
    switch (o) {
    case VRV_KINESIS_OK:
        sh->backoff = ERROR_BACKOFF_MIN_MS;
        if (kind == REQ_ITER) {
            const json_t *it = json_object_get(resp, "ShardIterator");
            if (json_is_string(it)) {
                free(sh->iter);
                sh->iter = vrv_strdup(json_string_value(it));
            } else {
                /* no iterator: the shard is closed and the position is past its end */
                queue_end_of_shard(ks, sh);
            }
        } else if (take_records(ks, sh, shard_id, &e) != VRV_OK) {
            note_event(ks, e.code, idx, NULL, e.msg);
            sh->next_at = now + ERROR_BACKOFF_MAX_MS;
        }
        break;
    case VRV_KINESIS_REAUTH:
        sh->next_at = now;
        break;
    case VRV_KINESIS_THROTTLED:
        sh->next_at = now + VRV_MAX(ks->fetch_delay_ms, THROTTLE_BACKOFF_MS);
        VRV_DEBUG("kinesis", "%s; shard %s waits %d ms", e.msg, shard_id,
                  VRV_MAX(ks->fetch_delay_ms, THROTTLE_BACKOFF_MS));
        note_event(ks, VRV_EAGAIN, idx, NULL, e.msg);
        break;
    case VRV_KINESIS_RETRY:
        sh->next_at = now + sh->backoff;
        sh->backoff = VRV_MIN(sh->backoff * 2, ERROR_BACKOFF_MAX_MS);
        note_event(ks, VRV_EAGAIN, idx, NULL, e.msg);
        break;
    case VRV_KINESIS_FAILED:
        if (kind == REQ_RECORDS && strcmp(aerr.type, "ExpiredIteratorException") == 0) {
            VRV_INFO("kinesis", "shard %s of %s: the iterator expired; getting a new one %s",
                     shard_id, ks->base.stream,
                     sh->fetched_any ? "after the last record read" : "at the seek position");
            free(sh->iter);
            sh->iter = NULL;
            sh->next_at = now;
        } else if (kind == REQ_ITER && e.code == VRV_EINVAL &&
                   (sh->fetched_any || sh->seek == IT_AT || sh->seek == IT_AFTER)) {
            /* the shard refuses the sequence number: not from this shard or stream */
            vrv_pos pos;
            const char *seq = sh->fetched_any ? sh->fetched_seq : sh->seek_seq;
            vrv_pos_parse(VRV_STREAM_KINESIS, seq, strlen(seq), NULL, &pos, NULL);
            pos.exclusive = sh->fetched_any || sh->seek == IT_AFTER;
            sh->range_err = true;
            sh->range_pos = pos;
            snprintf(sh->range_msg, sizeof sh->range_msg,
                     "Kinesis shard %s of %s: sequence number %s is not in the shard (%s)",
                     shard_id, ks->base.stream, seq, e.msg);
            note_event(ks, VRV_ERANGE, idx, &pos, sh->range_msg);
        } else {
            /* the stream or shard is gone, credentials refused, a bad
             * iterator: try again later, in case it heals */
            if (kind == REQ_RECORDS) {
                free(sh->iter);
                sh->iter = NULL;
            }
            sh->next_at = now + ERROR_BACKOFF_MAX_MS;
            note_event(ks, e.code == VRV_ENOTFOUND ? VRV_ENOTFOUND : VRV_EIO, idx, NULL, e.msg);
        }
        break;
    }
    json_decref(resp);
}

static void drain_finished(kinesis_supplier *ks)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(ks->multi, &left))) {
        if (m->msg != CURLMSG_DONE) continue;
        vrv_kinesis_req *r = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        CURLcode cc = m->data.result;
        kshard *sh = NULL;
        for (size_t i = 0; i < ks->base.n_assigned && !sh; i++)
            if (&ks->shards[i]->req == r) sh = ks->shards[i];
        if (!sh || !sh->inflight) {
            curl_multi_remove_handle(ks->multi, m->easy_handle);
            continue;
        }
        finish_call(ks, sh, cc);
    }
}

/* Runs the transfers that can make progress without waiting. */
static void pump(kinesis_supplier *ks)
{
    int running;
    curl_multi_perform(ks->multi, &running);
    drain_finished(ks);
}

/* --------------------------------------------------------------- polling */

static bool have_records(const kinesis_supplier *ks)
{
    for (size_t i = 0; i < ks->base.n_assigned; i++)
        if (ks->shards[i]->head) return true;
    return false;
}

/* Moves polled records into b: shards take turns, whole KPL groups, at most
 * max_bytes_per_poll of data unless that is less than one record. */
static void fill_batch(kinesis_supplier *ks, vrv_batch *b)
{
    size_t ns = ks->base.n_assigned;
    int64_t taken = 0;
    bool full = false;
    for (size_t k = 0; k < ns && !full; k++) {
        size_t i = (ks->rr + k) % ns;
        kshard *sh = ks->shards[i];
        while (sh->head && !full) {
            kpage *p = sh->head;
            while (p->cur < p->n) {
                size_t end = p->cur + 1;
                int64_t bytes = (int64_t)p->recs[p->cur].len;
                while (end < p->n && (p->recs[end].flags & VRV_REC_SUBRECORD))
                    bytes += (int64_t)p->recs[end++].len;
                if (b->n && taken + bytes > ks->max_bytes_per_poll) {
                    full = true;
                    break;
                }
                vrv_grow((void **)&b->recs, &b->cap, b->n + (end - p->cur), sizeof *b->recs);
                for (size_t j = p->cur; j < end; j++) {
                    const krec *r = &p->recs[j];
                    b->recs[b->n++] = (vrv_record){
                        .part = (uint32_t)i,
                        .flags = r->flags,
                        .offset = -1,
                        .seq = vrv_str_make(r->seq, r->seq_len),
                        .value = r->data,
                        .value_len = r->len,
                        .partition_key = vrv_str_make(r->pk, r->pk_len),
                        .timestamp = r->ts,
                    };
                }
                const krec *last = &p->recs[end - 1];
                if (last->flags & VRV_REC_END_OF_SHARD) {
                    sh->eos_delivered = true;
                } else {
                    memcpy(sh->delivered_seq, last->seq, last->seq_len);
                    sh->delivered_seq[last->seq_len] = '\0';
                    sh->delivered_any = true;
                }
                taken += bytes;
                p->cur = end;
            }
            if (p->cur == p->n) {
                sh->head = p->next;
                if (!sh->head) sh->tail = NULL;
                ks->buffered -= p->bytes;
                retire(ks, p);
            }
        }
    }
    if (ns) ks->rr = (ks->rr + 1) % ns;
    if (b->n) b->owner = &ks->base;
}

static int kinesis_poll(vrv_supplier *s, vrv_batch *b, int timeout_ms, vrv_error *err)
{
    kinesis_supplier *ks = (kinesis_supplier *)s;
    free_retired(ks); /* the previous batch was released */
    for (size_t i = 0; i < s->n_assigned; i++)
        if (ks->shards[i]->seek == IT_NONE)
            return vrv_error_set(err, VRV_EINVAL,
                                 "shard %s of %s is assigned but has no position: seek it "
                                 "before polling",
                                 s->assigned[i].id, s->stream);
    ks->event_code = 0;
    ks->event_part = -1;
    ks->event_msg[0] = '\0';
    int64_t deadline = mono_ms() + VRV_MAX(timeout_ms, 0);
    for (;;) {
        pump(ks);
        int64_t now = mono_ms();
        int64_t wake = start_due(ks, now);
        pump(ks);
        if (have_records(ks) || rank_of(ks->event_code) >= rank_of(VRV_EIO)) break;
        now = mono_ms();
        if (now >= deadline) break;
        int64_t wait = deadline - now;
        if (wake != INT64_MAX) wait = VRV_MIN(wait, VRV_MAX(wake - now, 1));
        curl_multi_poll(ks->multi, NULL, 0, (int)wait, NULL);
    }
    fill_batch(ks, b);
    /* with room in the buffer again, the next pages are asked for now and
     * arrive while the caller works on this batch */
    start_due(ks, mono_ms());
    pump(ks);

    /* A refused position stays reported until the shard is seeked again. */
    for (size_t i = 0; i < s->n_assigned; i++) {
        kshard *sh = ks->shards[i];
        if (sh->range_err) note_event(ks, VRV_ERANGE, (int32_t)i, &sh->range_pos, sh->range_msg);
    }
    int code = ks->event_code;
    if (code == VRV_EAGAIN && b->n) code = VRV_OK; /* records flowed: nothing to report */
    if (!code) return VRV_OK;
    if (code == VRV_ERANGE) {
        b->range_part = ks->event_part;
        b->range_pos = ks->event_pos;
    }
    return vrv_error_set(err, code, "%s", ks->event_msg);
}

static void kinesis_release(vrv_supplier *s, vrv_batch *b)
{
    VRV_UNUSED(b);
    free_retired((kinesis_supplier *)s);
}

/* -------------------------------------------------------- assignment, seek */

static int kinesis_assign(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_error *err)
{
    VRV_UNUSED(err);
    kinesis_supplier *ks = (kinesis_supplier *)s;
    kshard **ns = n ? vrv_calloc(n, sizeof *ns) : NULL;
    for (size_t i = 0; i < n; i++) {
        int old = vrv_supplier_assigned_index(s, &parts[i]);
        if (old >= 0) {
            ns[i] = ks->shards[old];
            ks->shards[old] = NULL;
        } else {
            ns[i] = shard_new();
        }
    }
    for (size_t i = 0; i < s->n_assigned; i++) shard_free(ks, ks->shards[i]);
    free(ks->shards);
    ks->shards = ns;
    ks->rr = 0;
    return VRV_OK;
}

static int kinesis_seek(vrv_supplier *s, uint32_t idx, const vrv_pos *pos, vrv_error *err)
{
    kinesis_supplier *ks = (kinesis_supplier *)s;
    kshard *sh = ks->shards[idx];
    it_type t;
    switch (pos->kind) {
    case VRV_POS_SEQ:
        t = pos->exclusive ? IT_AFTER : IT_AT;
        break;
    case VRV_POS_UNREAD_TRIM_HORIZON:
        t = IT_TRIM_HORIZON;
        break;
    case VRV_POS_UNREAD_LATEST:
        t = IT_LATEST;
        break;
    case VRV_POS_EOS:
    case VRV_POS_EXPIRED:
        t = IT_DONE;
        break;
    default: {
        char txt[VRV_POS_TEXT_MAX + 1];
        vrv_pos_format(pos, txt, sizeof txt);
        return vrv_error_set(err, VRV_EINVAL, "shard %s of %s: cannot seek to %s",
                             s->assigned[idx].id, s->stream, txt);
    }
    }
    shard_reset(ks, sh);
    sh->seek = t;
    sh->done_kind = (vrv_pos_kind)pos->kind;
    if (t == IT_AT || t == IT_AFTER)
        memcpy(sh->seek_seq, pos->seq, (size_t)pos->seq_len + 1);
    else
        sh->seek_seq[0] = '\0';
    return VRV_OK;
}

static int kinesis_seek_edge(vrv_supplier *s, uint32_t idx, bool latest, vrv_error *err)
{
    VRV_UNUSED(err);
    kinesis_supplier *ks = (kinesis_supplier *)s;
    kshard *sh = ks->shards[idx];
    shard_reset(ks, sh);
    sh->seek = latest ? IT_LATEST : IT_TRIM_HORIZON;
    sh->seek_seq[0] = '\0';
    return VRV_OK;
}

static int kinesis_position(vrv_supplier *s, uint32_t idx, vrv_pos *out, vrv_error *err)
{
    kinesis_supplier *ks = (kinesis_supplier *)s;
    kshard *sh = ks->shards[idx];
    if (sh->eos_delivered) {
        *out = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
        return VRV_OK;
    }
    const char *seq = NULL;
    bool excl = true;
    if (sh->delivered_any) {
        seq = sh->delivered_seq;
    } else {
        switch (sh->seek) {
        case IT_NONE:
            return vrv_error_set(err, VRV_EINVAL, "shard %s has no position: seek it first",
                                 s->assigned[idx].id);
        case IT_TRIM_HORIZON:
            *out = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_UNREAD_TRIM_HORIZON);
            return VRV_OK;
        case IT_LATEST:
            *out = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_UNREAD_LATEST);
            return VRV_OK;
        case IT_DONE:
            *out = vrv_pos_marker(VRV_STREAM_KINESIS, sh->done_kind);
            return VRV_OK;
        case IT_AT:
            excl = false; /* fall through */
        case IT_AFTER:
            seq = sh->seek_seq;
            break;
        }
    }
    int rc = vrv_pos_parse(VRV_STREAM_KINESIS, seq, strlen(seq), NULL, out, err);
    if (rc) return rc;
    out->exclusive = excl;
    return VRV_OK;
}

/* ------------------------------------------------ partitions, edges, lag */

static int cmp_parts(const void *a, const void *b)
{
    return vrv_part_cmp(a, b);
}

static int kinesis_partitions(vrv_supplier *s, vrv_part **out, size_t *n, vrv_error *err)
{
    kinesis_supplier *ks = (kinesis_supplier *)s;
    vrv_kinesis_shard *sh;
    size_t ns;
    int rc = vrv_kinesis_list_shards(ks->client, s->stream, ks->use_list_shards, &sh, &ns, err);
    if (rc) return rc;
    vrv_part *v = vrv_calloc(ns ? ns : 1, sizeof *v);
    for (size_t i = 0; i < ns && rc == VRV_OK; i++) rc = vrv_part_kinesis(sh[i].id, &v[i], err);
    free(sh);
    if (rc) {
        free(v);
        return rc;
    }
    qsort(v, ns, sizeof *v, cmp_parts);
    *out = v;
    *n = ns;
    return VRV_OK;
}

/* A shard iterator of type t (at seq for AT / AFTER). *iter is malloc'd, or
 * NULL when Kinesis gives none (a closed shard, past its end). */
static int get_iterator(kinesis_supplier *ks, const char *shard, it_type t, const char *seq,
                        char **iter, vrv_error *err)
{
    *iter = NULL;
    json_t *body = json_pack("{s:s,s:s,s:s}", "StreamName", ks->base.stream, "ShardId", shard,
                             "ShardIteratorType", it_names[t]);
    if (seq) json_object_set_new(body, "StartingSequenceNumber", json_string(seq));
    json_t *resp;
    int rc = vrv_kinesis_call(ks->client, "GetShardIterator", body, &resp, NULL, err);
    json_decref(body);
    if (rc) return rc;
    const char *it = json_string_value(json_object_get(resp, "ShardIterator"));
    if (it) *iter = vrv_strdup(it);
    json_decref(resp);
    return VRV_OK;
}

static int get_records(kinesis_supplier *ks, const char *iter, int limit, json_t **resp,
                       vrv_error *err)
{
    json_t *body = json_pack("{s:s,s:i}", "ShardIterator", iter, "Limit", limit);
    int rc = vrv_kinesis_call(ks->client, "GetRecords", body, resp, NULL, err);
    json_decref(body);
    return rc;
}

/* Druid's getSequenceNumber: the first record from a TRIM_HORIZON / LATEST
 * iterator, else EOS (closed, nothing left), else the unread marker. */
static int edge_of(kinesis_supplier *ks, const vrv_part *p, bool latest, vrv_pos *out,
                   vrv_error *err)
{
    char *iter;
    int rc = get_iterator(ks, p->id, latest ? IT_LATEST : IT_TRIM_HORIZON, NULL, &iter, err);
    if (rc) return rc;
    for (int page = 0; iter; page++) {
        json_t *resp;
        rc = get_records(ks, iter, EDGE_RECORD_COUNT, &resp, err);
        free(iter);
        iter = NULL;
        if (rc) return rc;
        const json_t *first = json_array_get(json_object_get(resp, "Records"), 0);
        const json_t *next = json_object_get(resp, "NextShardIterator");
        int64_t behind = json_integer_value(json_object_get(resp, "MillisBehindLatest"));
        if (first) {
            const json_t *js = json_object_get(first, "SequenceNumber");
            rc = vrv_pos_parse(VRV_STREAM_KINESIS, json_string_value(js), json_string_length(js),
                               "SequenceNumber", out, err);
            json_decref(resp);
            return rc;
        }
        if (!json_is_string(next)) {
            json_decref(resp);
            *out = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
            return VRV_OK;
        }
        if (!latest && behind > 0 && page + 1 < EDGE_EMPTY_PAGES)
            iter = vrv_strdup(json_string_value(next));
        json_decref(resp);
    }
    *out = vrv_pos_marker(VRV_STREAM_KINESIS,
                          latest ? VRV_POS_UNREAD_LATEST : VRV_POS_UNREAD_TRIM_HORIZON);
    return VRV_OK;
}

static int kinesis_edges(vrv_supplier *s, const vrv_part *parts, size_t n, bool latest,
                         vrv_pos *out, vrv_error *err)
{
    kinesis_supplier *ks = (kinesis_supplier *)s;
    for (size_t i = 0; i < n; i++) {
        int rc = edge_of(ks, &parts[i], latest, &out[i], err);
        if (rc) return rc;
    }
    return VRV_OK;
}

/* Druid's isOffsetAvailable. */
static int kinesis_available(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos,
                             bool *available, vrv_error *err)
{
    kinesis_supplier *ks = (kinesis_supplier *)s;
    *available = false;
    if (vrv_pos_is_unread(pos)) {
        *available = true;
        return VRV_OK;
    }
    if (pos->kind != VRV_POS_SEQ) return VRV_OK; /* EOS, EXPIRED, NOT_SET: not a record */
    char *iter;
    vrv_error e2;
    int rc = get_iterator(ks, p->id, IT_AT, pos->seq, &iter, &e2);
    if (rc == VRV_EINVAL) return VRV_OK; /* refused: not from this shard (any more) */
    if (rc) {
        if (err) *err = e2;
        return rc;
    }
    for (int page = 0; iter && page < EDGE_EMPTY_PAGES; page++) {
        json_t *resp;
        rc = get_records(ks, iter, 1, &resp, err);
        free(iter);
        iter = NULL;
        if (rc) return rc;
        const json_t *first = json_array_get(json_object_get(resp, "Records"), 0);
        const json_t *next = json_object_get(resp, "NextShardIterator");
        int64_t behind = json_integer_value(json_object_get(resp, "MillisBehindLatest"));
        if (first) {
            const char *seq = json_string_value(json_object_get(first, "SequenceNumber"));
            *available = seq && strcmp(seq, pos->seq) == 0;
        } else if (json_is_string(next) && behind > 0) {
            iter = vrv_strdup(json_string_value(next));
        }
        json_decref(resp);
    }
    free(iter);
    return VRV_OK;
}

int vrv_kinesis_time_lag(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos, bool use_earliest,
                         int64_t *lag_ms, vrv_error *err)
{
    assert(s->ops == &kinesis_ops);
    kinesis_supplier *ks = (kinesis_supplier *)s;
    *lag_ms = 0;
    it_type first_type, lag_type;
    const char *seq = NULL;
    if (pos->kind == VRV_POS_SEQ) {
        seq = pos->seq;
        first_type = IT_AFTER;
        lag_type = IT_AT;
    } else if ((vrv_pos_is_unread(pos) || pos->kind == VRV_POS_NOT_SET) && use_earliest) {
        first_type = lag_type = IT_TRIM_HORIZON;
    } else {
        return VRV_OK; /* will read from LATEST, or closed: nothing behind */
    }
    char *iter;
    int rc = get_iterator(ks, p->id, first_type, seq, &iter, err);
    if (rc || !iter) return rc;
    json_t *resp;
    rc = get_records(ks, iter, 1, &resp, err);
    free(iter);
    if (rc) return rc;
    bool any = json_array_size(json_object_get(resp, "Records")) > 0;
    int64_t behind = json_integer_value(json_object_get(resp, "MillisBehindLatest"));
    json_decref(resp);
    if (!any) return VRV_OK; /* nothing after pos: no lag */
    if (lag_type != first_type) {
        rc = get_iterator(ks, p->id, lag_type, seq, &iter, err);
        if (rc || !iter) return rc;
        rc = get_records(ks, iter, 1, &resp, err);
        free(iter);
        if (rc) return rc;
        behind = json_integer_value(json_object_get(resp, "MillisBehindLatest"));
        json_decref(resp);
    }
    *lag_ms = VRV_MAX(behind, 0);
    return VRV_OK;
}

/* ----------------------------------------------------------- open, close */

static void kinesis_close(vrv_supplier *s)
{
    kinesis_supplier *ks = (kinesis_supplier *)s;
    for (size_t i = 0; i < s->n_assigned; i++) shard_free(ks, ks->shards[i]);
    free(ks->shards);
    free_retired(ks);
    for (size_t i = 0; i < ks->npool; i++) vrv_buf_free(&ks->pool[i]);
    free(ks->wire.v);
    vrv_vec_free(&ks->users);
    if (ks->multi) curl_multi_cleanup(ks->multi);
    vrv_kinesis_client_free(ks->client);
    vrv_supplier_base_free(s);
    free(ks);
}

static const vrv_supplier_ops kinesis_ops = {
    .name = "kinesis",
    .partitions = kinesis_partitions,
    .assign = kinesis_assign,
    .seek = kinesis_seek,
    .seek_edge = kinesis_seek_edge,
    .poll = kinesis_poll,
    .release = kinesis_release,
    .edges = kinesis_edges,
    .position = kinesis_position,
    .available = kinesis_available,
    .headers = NULL,
    .close = kinesis_close,
};

int vrv_kinesis_open(const vrv_kinesis_config *cfg, vrv_supplier **out, vrv_error *err)
{
    *out = NULL;
    if (!cfg->stream || !*cfg->stream) return vrv_error_set(err, VRV_EINVAL, "stream: required");
    if (strlen(cfg->stream) > VRV_KINESIS_NAME_MAX)
        return vrv_error_set(err, VRV_EINVAL, "stream: longer than %d characters",
                             VRV_KINESIS_NAME_MAX);
    if (cfg->records_per_fetch < 0 || cfg->records_per_fetch > VRV_KINESIS_GET_MAX_RECORDS)
        return vrv_error_set(err, VRV_EINVAL, "recordsPerFetch: must be 1 to %d, got %d",
                             VRV_KINESIS_GET_MAX_RECORDS, cfg->records_per_fetch);
    if (cfg->fetch_delay_ms < 0)
        return vrv_error_set(err, VRV_EINVAL, "fetchDelayMillis: must be >= 0, got %d",
                             cfg->fetch_delay_ms);
    vrv_kinesis_client *client;
    int rc = vrv_kinesis_client_new(&cfg->client, &client, err);
    if (rc) return rc;
    kinesis_supplier *ks = vrv_calloc(1, sizeof *ks);
    vrv_supplier_base_init(&ks->base, &kinesis_ops, VRV_STREAM_KINESIS, cfg->stream, false);
    if (cfg->poll_timeout_ms > 0) ks->base.poll_timeout_ms = cfg->poll_timeout_ms;
    ks->client = client;
    ks->multi = curl_multi_init();
    ks->fetch_delay_ms = cfg->fetch_delay_ms;
    ks->fetch_threads = cfg->fetch_threads > 0 ? cfg->fetch_threads : 0;
    ks->records_per_fetch =
        cfg->records_per_fetch > 0 ? cfg->records_per_fetch : VRV_KINESIS_GET_MAX_RECORDS;
    ks->max_bytes_per_poll =
        cfg->max_bytes_per_poll > 0 ? cfg->max_bytes_per_poll : DEFAULT_MAX_BYTES_PER_POLL;
    ks->buffer_limit =
        cfg->record_buffer_bytes > 0 ? cfg->record_buffer_bytes : DEFAULT_RECORD_BUFFER_BYTES;
    ks->use_list_shards = cfg->use_list_shards;
    ks->event_part = -1;
    *out = &ks->base;
    return VRV_OK;
}

vrv_kinesis_client *vrv_kinesis_supplier_client(vrv_supplier *s)
{
    assert(s->ops == &kinesis_ops);
    return ((kinesis_supplier *)s)->client;
}

int vrv_kinesis_config_from_spec(const vrv_spec_supervisor *spec, vrv_kinesis_config *out,
                                 vrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (spec->type != VRV_SPEC_KINESIS)
        return vrv_error_set(err, VRV_EINVAL, "spec.type: not a kinesis supervisor spec");
    const vrv_spec_stream_io *io = &spec->io;
    if (io->aws_assumed_role_arn)
        return vrv_error_set(err, VRV_EUNSUPPORTED,
                             "spec.ioConfig.awsAssumedRoleArn: assuming an IAM role (STS) is not "
                             "supported by varve; give the role's credentials through the "
                             "environment or ~/.aws/credentials instead");
    out->stream = io->stream;
    out->client.endpoint = io->endpoint;
    out->client.region = io->region;
    out->fetch_delay_ms = io->fetch_delay_ms;
    out->records_per_fetch = io->records_per_fetch;
    out->max_bytes_per_poll = spec->tuning.max_bytes_per_poll_effective;
    out->record_buffer_bytes = spec->tuning.record_buffer_size_bytes_effective;
    out->use_list_shards = spec->tuning.use_list_shards;
    out->fetch_threads = spec->tuning.fetch_threads;
    return VRV_OK;
}
