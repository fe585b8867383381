/*
 * fuzz_kinesis_records.c — the in-place GetRecords answer reader on arbitrary
 * bytes. The input is copied to a buffer of exactly its size (so a read past
 * the end is caught) and parsed in place; an accepted answer is checked
 * against jansson's reading of the same text, where jansson accepts it too:
 * same records, data (base64-decoded), sequence numbers, partition keys,
 * arrival times, next iterator and lag. KPL aggregates found in the data
 * are parsed as well.
 */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stream/kinesis.h"

static void check_against_jansson(const uint8_t *data, size_t size, const vrv_kinesis_records *w)
{
    json_t *j = json_loadb((const char *)data, size, 0, NULL);
    if (!json_is_object(j)) {
        json_decref(j);
        return;
    }
    const json_t *arr = json_object_get(j, "Records");
    if (json_array_size(arr) != w->n) abort();
    for (size_t i = 0; i < w->n; i++) {
        const json_t *r = json_array_get(arr, i);
        const json_t *d = json_object_get(r, "Data");
        const json_t *s = json_object_get(r, "SequenceNumber");
        const json_t *k = json_object_get(r, "PartitionKey");
        const json_t *t = json_object_get(r, "ApproximateArrivalTimestamp");
        size_t dn = json_string_length(d), out_n;
        char *buf = malloc(dn / 4 * 3 + 1);
        if (!vrv_kinesis_base64_decode(json_string_value(d), dn, buf, &out_n)) abort();
        if (out_n != w->v[i].len || memcmp(buf, w->v[i].data, out_n) != 0) abort();
        free(buf);
        if (json_string_length(s) != w->v[i].seq_len ||
            memcmp(json_string_value(s), w->v[i].seq, w->v[i].seq_len) != 0)
            abort();
        if (json_is_string(k)) {
            if (!w->v[i].pk || json_string_length(k) != w->v[i].pk_len ||
                memcmp(json_string_value(k), w->v[i].pk, w->v[i].pk_len) != 0)
                abort();
        } else if (!k && w->v[i].pk) {
            abort();
        }
        if (json_is_number(t)) {
            double v = json_number_value(t);
            if (isfinite(v) && fabs(v) < 9.0e15 && w->v[i].arrival != (vrv_ms)llround(v * 1000.0))
                abort();
        }
    }
    const json_t *next = json_object_get(j, "NextShardIterator");
    if (json_is_string(next)) {
        if (!w->next_iterator || json_string_length(next) != w->next_iterator_len ||
            memcmp(json_string_value(next), w->next_iterator, w->next_iterator_len) != 0)
            abort();
    } else if (w->next_iterator) {
        abort();
    }
    const json_t *lag = json_object_get(j, "MillisBehindLatest");
    if (json_is_integer(lag) && json_integer_value(lag) >= 0 &&
        json_integer_value(lag) < (1LL << 52) && json_integer_value(lag) != w->millis_behind)
        abort();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    if (size) memcpy(buf, data, size);
    vrv_kinesis_records w = {0};
    vrv_error err;
    if (vrv_kinesis_parse_records(buf, size, &w, &err) == VRV_OK) {
        for (size_t i = 0; i < w.n; i++) {
            /* every result lies inside the buffer */
            const vrv_kinesis_wire_record *r = &w.v[i];
            if (r->data < buf || r->data + r->len > buf + size) abort();
            if (r->seq < buf || r->seq + r->seq_len > buf + size) abort();
            vrv_kinesis_user_record ur[8];
            long nu = vrv_kinesis_kpl_parse(r->data, r->len, ur, 8);
            for (long u = 0; u < nu && u < 8; u++)
                if (ur[u].data < r->data || ur[u].data + ur[u].len > r->data + r->len) abort();
        }
        check_against_jansson(data, size, &w);
    }
    free(w.v);
    free(buf);
    return 0;
}
