/*
 * supervisor_seq.c — base sequence names of task groups (supervisor_core.h,
 * druid-streaming.md §4.4). The name identifies "the same work": replicas of
 * a group share it, so their segment allocations (keyed by sequence name)
 * give identical segment ids, and a running task is adopted only when the
 * name recomputed from its own payload equals the group's.
 *
 * JSON is hashed as jansson writes it compactly with sorted keys, which is
 * deterministic for a given spec; that is all varve needs, as it only ever
 * compares names it computed itself.
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/sha1.h"
#include "overlord/supervisor_core.h"

#define HASH_HEX_LEN 15 /* Druid keeps the first 15 hex digits of the SHA-1 */

static void hash_json(vrv_sha1_ctx *c, const json_t *j)
{
    if (!j) return;
    char *s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (s) vrv_sha1_update(c, s, strlen(s));
    free(s);
}

/* Java's toString() of a partition id. */
static void part_text(vrv_buf *b, const vrv_part *p)
{
    if (p->stream != VRV_STREAM_KAFKA) {
        vrv_buf_append(b, p->id, p->id_len);
        return;
    }
    if (p->multi_topic)
        vrv_buf_printf(b, "KafkaTopicPartition{partition=%d, topic='%.*s', multiTopicPartition=true}",
                       p->partition, (int)p->topic_len, p->id);
    else
        vrv_buf_printf(b, "KafkaTopicPartition{partition=%d, topic='null', multiTopicPartition=false}",
                       p->partition);
}

char *vrv_sup_sequence_name(const char *task_type, const char *supervisor_id,
                            const json_t *data_schema, const json_t *tuning,
                            const vrv_posmap *start, bool has_min, vrv_ms min_time, bool has_max,
                            vrv_ms max_time)
{
    vrv_sha1_ctx c;
    vrv_sha1_init(&c);
    hash_json(&c, data_schema);
    hash_json(&c, tuning);
    vrv_buf b = VRV_BUF_INIT;
    for (size_t i = 0; start && i < start->n; i++) {
        if (i) vrv_buf_putc(&b, '+');
        part_text(&b, &start->v[i].part);
        char pos[VRV_POS_TEXT_MAX + 1];
        vrv_pos_format(&start->v[i].pos, pos, sizeof pos);
        vrv_buf_printf(&b, "(%s)", pos);
    }
    if (has_min) vrv_buf_printf(&b, "%lld", (long long)min_time);
    if (has_max) vrv_buf_printf(&b, "%lld", (long long)max_time);
    if (b.len) vrv_sha1_update(&c, b.data, b.len);
    vrv_buf_free(&b);
    uint8_t d[VRV_SHA1_LEN];
    vrv_sha1_final(&c, d);
    char hex[VRV_SHA1_HEX_LEN + 1];
    vrv_sha1_hex(d, hex);
    for (int i = 0; i < HASH_HEX_LEN; i++)
        if (hex[i] >= 'A' && hex[i] <= 'F') hex[i] = (char)(hex[i] - 'A' + 'a');
    hex[HASH_HEX_LEN] = '\0';
    vrv_buf out = VRV_BUF_INIT;
    vrv_buf_printf(&out, "%s_%s_%s", task_type, supervisor_id, hex);
    return vrv_buf_detach(&out);
}
