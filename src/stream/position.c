/*
 * position.c — stream positions, partition ids, task-group mapping and
 * position maps with Druid's algebra and JSON forms (see position.h).
 *
 * Kinesis sequence numbers are kept as the text they arrived in and compared
 * as big integers by skipping leading zeros, then comparing lengths, then
 * bytes, which is exact for non-negative decimal numbers of any length.
 */
#include "stream/position.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/mem.h"
#include "json/jutil.h"

const char *vrv_stream_type_name(vrv_stream_type t)
{
    return t == VRV_STREAM_KINESIS ? "kinesis" : "kafka";
}

/* ---------------------------------------------------------------- positions */

static const struct {
    const char *name;
    vrv_pos_kind kind;
} kinesis_markers[] = {
    {"EOS", VRV_POS_EOS},
    {"EXPIRED", VRV_POS_EXPIRED},
    {"NO_END_SEQUENCE_NUMBER", VRV_POS_NO_END},
    {"UNREAD_TRIM_HORIZON", VRV_POS_UNREAD_TRIM_HORIZON},
    {"UNREAD_LATEST", VRV_POS_UNREAD_LATEST},
    {"-1", VRV_POS_NOT_SET},
};

static const char *kinesis_marker_name(vrv_pos_kind k)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(kinesis_markers); i++)
        if (kinesis_markers[i].kind == k) return kinesis_markers[i].name;
    return NULL;
}

vrv_pos vrv_pos_kafka(int64_t offset)
{
    assert(offset >= -1);
    vrv_pos p = {.stream = VRV_STREAM_KAFKA, .offset = offset};
    if (offset == -1) p.kind = VRV_POS_NOT_SET;
    else if (offset == INT64_MAX) p.kind = VRV_POS_NO_END;
    else p.kind = VRV_POS_OFFSET;
    return p;
}

vrv_pos vrv_pos_marker(vrv_stream_type t, vrv_pos_kind kind)
{
    assert(kind != VRV_POS_OFFSET && kind != VRV_POS_SEQ);
    if (t == VRV_STREAM_KAFKA) {
        assert(kind == VRV_POS_NOT_SET || kind == VRV_POS_NO_END);
        return vrv_pos_kafka(kind == VRV_POS_NOT_SET ? -1 : INT64_MAX);
    }
    vrv_pos p = {.stream = VRV_STREAM_KINESIS, .kind = (uint8_t)kind, .offset = -1};
    return p;
}

int vrv_pos_parse(vrv_stream_type t, const char *s, size_t n, const char *what, vrv_pos *out,
                  vrv_error *err)
{
    const char *w = what ? what : "position";
    if (t == VRV_STREAM_KAFKA) {
        int64_t v;
        if (!vrv_str_to_i64(vrv_str_make(s, n), &v))
            return vrv_error_set(err, VRV_EINVAL, "%s: Kafka offset must be an integer, got \"%.*s\"",
                                 w, (int)VRV_MIN(n, 64), s);
        if (v < -1)
            return vrv_error_set(err, VRV_EINVAL, "%s: Kafka offset must be >= -1, got %lld", w,
                                 (long long)v);
        *out = vrv_pos_kafka(v);
        return VRV_OK;
    }
    for (size_t i = 0; i < VRV_ARRAY_LEN(kinesis_markers); i++) {
        if (vrv_str_eq_c(vrv_str_make(s, n), kinesis_markers[i].name)) {
            *out = vrv_pos_marker(t, kinesis_markers[i].kind);
            return VRV_OK;
        }
    }
    if (n == 0)
        return vrv_error_set(err, VRV_EINVAL, "%s: Kinesis sequence number must not be empty", w);
    if (n > VRV_POS_SEQ_MAX)
        return vrv_error_set(err, VRV_EINVAL,
                             "%s: Kinesis sequence number has %zu digits, at most %d allowed", w, n,
                             VRV_POS_SEQ_MAX);
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return vrv_error_set(err, VRV_EINVAL,
                                 "%s: Kinesis sequence number must be decimal digits or a marker, "
                                 "got \"%.*s\"",
                                 w, (int)VRV_MIN(n, 64), s);
    vrv_pos p = {.stream = VRV_STREAM_KINESIS, .kind = VRV_POS_SEQ, .offset = -1,
                 .seq_len = (uint8_t)n};
    memcpy(p.seq, s, n);
    p.seq[n] = '\0';
    *out = p;
    return VRV_OK;
}

size_t vrv_pos_format(const vrv_pos *p, char *buf, size_t cap)
{
    int n;
    if (p->stream == VRV_STREAM_KAFKA) n = snprintf(buf, cap, "%lld", (long long)p->offset);
    else if (p->kind == VRV_POS_SEQ) n = snprintf(buf, cap, "%s", p->seq);
    else n = snprintf(buf, cap, "%s", kinesis_marker_name((vrv_pos_kind)p->kind));
    return n < 0 ? 0 : (size_t)n;
}

/* Compares two non-negative decimal digit strings as numbers. */
static int digits_cmp(const char *a, size_t an, const char *b, size_t bn)
{
    while (an > 1 && *a == '0') a++, an--;
    while (bn > 1 && *b == '0') b++, bn--;
    if (an != bn) return an < bn ? -1 : 1;
    int c = memcmp(a, b, an);
    return (c > 0) - (c < 0);
}

/* Kinesis rank: unread < NOT_SET (-1) < numbers < max markers. */
static int kinesis_rank(const vrv_pos *p)
{
    if (vrv_pos_is_unread(p)) return 0;
    if (p->kind == VRV_POS_NOT_SET) return 1;
    if (p->kind == VRV_POS_SEQ) return 2;
    return 3;
}

int vrv_pos_cmp(const vrv_pos *a, const vrv_pos *b)
{
    assert(a->stream == b->stream);
    if (a->stream == VRV_STREAM_KAFKA) return (a->offset > b->offset) - (a->offset < b->offset);
    int ra = kinesis_rank(a), rb = kinesis_rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    if (ra != 2) return 0;
    return digits_cmp(a->seq, a->seq_len, b->seq, b->seq_len);
}

bool vrv_pos_same(const vrv_pos *a, const vrv_pos *b)
{
    if (a->stream != b->stream || a->kind != b->kind) return false;
    if (a->stream == VRV_STREAM_KAFKA) return a->offset == b->offset;
    if (a->kind != VRV_POS_SEQ) return true;
    return a->seq_len == b->seq_len && memcmp(a->seq, b->seq, a->seq_len) == 0;
}

bool vrv_pos_more_to_read(const vrv_pos *rec, const vrv_pos *end)
{
    int c = vrv_pos_cmp(rec, end);
    if (rec->stream == VRV_STREAM_KAFKA) return c < 0;
    if (vrv_pos_is_unread(end)) return false;
    return c <= 0;
}

bool vrv_pos_more_after(const vrv_pos *next, const vrv_pos *end)
{
    return vrv_pos_cmp(next, end) < 0;
}

bool vrv_pos_available(const vrv_pos *pos, const vrv_pos *earliest)
{
    if (pos->stream == VRV_STREAM_KINESIS && vrv_pos_is_unread(pos)) return true;
    return vrv_pos_cmp(earliest, pos) <= 0;
}

vrv_pos vrv_pos_after(const vrv_pos *rec)
{
    if (rec->stream == VRV_STREAM_KAFKA) {
        if (rec->kind != VRV_POS_OFFSET) return *rec;
        return vrv_pos_kafka(rec->offset + 1);
    }
    vrv_pos p = *rec;
    p.exclusive = true;
    return p;
}

void vrv_pos_write_json(vrv_jw *w, const vrv_pos *p)
{
    if (p->stream == VRV_STREAM_KAFKA) {
        vrv_jw_long(w, p->offset);
        return;
    }
    char buf[VRV_POS_TEXT_MAX + 1];
    vrv_pos_format(p, buf, sizeof buf);
    vrv_jw_string(w, buf);
}

int vrv_pos_from_json(const json_t *v, vrv_stream_type t, const char *path, vrv_pos *out,
                      vrv_error *err)
{
    if (json_is_integer(v)) {
        char buf[32];
        int n = snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
        return vrv_pos_parse(t, buf, (size_t)n, path, out, err);
    }
    if (json_is_string(v))
        return vrv_pos_parse(t, json_string_value(v), json_string_length(v), path, out, err);
    return vrv_error_set(err, VRV_EINVAL, "%s: must be %s, got %s", path,
                         t == VRV_STREAM_KAFKA ? "an integer offset" : "a sequence number string",
                         vrv_json_kind(v));
}

/* ------------------------------------------------------------ partition ids */

int vrv_part_kafka(const char *topic, int32_t partition, vrv_part *out, vrv_error *err)
{
    if (partition < 0)
        return vrv_error_set(err, VRV_EINVAL, "Kafka partition must be >= 0, got %d", partition);
    vrv_part p = {.stream = VRV_STREAM_KAFKA, .partition = partition};
    int n;
    if (topic) {
        size_t tl = strlen(topic);
        if (tl == 0) return vrv_error_set(err, VRV_EINVAL, "Kafka topic must not be empty");
        if (tl > VRV_KAFKA_TOPIC_MAX)
            return vrv_error_set(err, VRV_EINVAL, "Kafka topic \"%.40s...\" is longer than %d bytes",
                                 topic, VRV_KAFKA_TOPIC_MAX);
        p.multi_topic = true;
        p.topic_len = (uint16_t)tl;
        n = snprintf(p.id, sizeof p.id, "%s:%d", topic, partition);
    } else {
        n = snprintf(p.id, sizeof p.id, "%d", partition);
    }
    p.id_len = (uint16_t)n;
    *out = p;
    return VRV_OK;
}

int vrv_part_kinesis(const char *shard_id, vrv_part *out, vrv_error *err)
{
    size_t n = strlen(shard_id);
    if (n == 0) return vrv_error_set(err, VRV_EINVAL, "Kinesis shard id must not be empty");
    if (n > 128)
        return vrv_error_set(err, VRV_EINVAL, "Kinesis shard id \"%.40s...\" is longer than 128 bytes",
                             shard_id);
    vrv_part p = {.stream = VRV_STREAM_KINESIS, .partition = -1, .id_len = (uint16_t)n};
    memcpy(p.id, shard_id, n + 1);
    *out = p;
    return VRV_OK;
}

/* Java's Integer.parseInt for a partition number, restricted to >= 0. */
static bool parse_partition(const char *s, size_t n, int32_t *out)
{
    int64_t v;
    if (n == 0 || !vrv_str_to_i64(vrv_str_make(s, n), &v) || v < 0 || v > INT32_MAX) return false;
    *out = (int32_t)v;
    return true;
}

int vrv_part_parse(vrv_stream_type t, const char *key, size_t n, vrv_part *out, vrv_error *err)
{
    if (memchr(key, '\0', n))
        return vrv_error_set(err, VRV_EINVAL, "partition id must not contain a NUL byte");
    if (t == VRV_STREAM_KINESIS) {
        if (n == 0) return vrv_error_set(err, VRV_EINVAL, "Kinesis shard id must not be empty");
        if (n > 128)
            return vrv_error_set(err, VRV_EINVAL, "Kinesis shard id \"%.40s...\" is longer than 128 bytes",
                                 key);
        char buf[129];
        memcpy(buf, key, n);
        buf[n] = '\0';
        return vrv_part_kinesis(buf, out, err);
    }
    const char *colon = NULL;
    for (size_t i = n; i > 0; i--)
        if (key[i - 1] == ':') {
            colon = key + i - 1;
            break;
        }
    int32_t part;
    if (!colon) {
        if (!parse_partition(key, n, &part))
            return vrv_error_set(err, VRV_EINVAL,
                                 "Kafka partition id must be a partition number or \"topic:partition\", "
                                 "got \"%.*s\"",
                                 (int)VRV_MIN(n, 64), key);
        return vrv_part_kafka(NULL, part, out, err);
    }
    size_t tl = (size_t)(colon - key);
    if (!parse_partition(colon + 1, n - tl - 1, &part))
        return vrv_error_set(err, VRV_EINVAL,
                             "Kafka partition id \"%.*s\": the part after the last ':' must be a "
                             "partition number",
                             (int)VRV_MIN(n, 300), key);
    if (tl == 0 || tl > VRV_KAFKA_TOPIC_MAX)
        return vrv_error_set(err, VRV_EINVAL,
                             "Kafka partition id \"%.*s\": topic must be 1 to %d bytes",
                             (int)VRV_MIN(n, 300), key, VRV_KAFKA_TOPIC_MAX);
    char topic[VRV_KAFKA_TOPIC_MAX + 1];
    memcpy(topic, key, tl);
    topic[tl] = '\0';
    return vrv_part_kafka(topic, part, out, err);
}

vrv_str vrv_part_topic(const vrv_part *p, const char *stream)
{
    if (p->multi_topic) return vrv_str_make(p->id, p->topic_len);
    return vrv_str_c(stream);
}

bool vrv_part_equal(const vrv_part *a, const vrv_part *b)
{
    return a->stream == b->stream && a->multi_topic == b->multi_topic && a->id_len == b->id_len &&
           memcmp(a->id, b->id, a->id_len) == 0;
}

int vrv_part_cmp(const vrv_part *a, const vrv_part *b)
{
    if (a->stream == VRV_STREAM_KAFKA && b->stream == VRV_STREAM_KAFKA) {
        if (a->multi_topic != b->multi_topic) return a->multi_topic ? 1 : -1;
        if (a->multi_topic) {
            int c = vrv_str_cmp(vrv_str_make(a->id, a->topic_len), vrv_str_make(b->id, b->topic_len));
            if (c) return c;
        }
        return (a->partition > b->partition) - (a->partition < b->partition);
    }
    if (a->stream != b->stream) return a->stream < b->stream ? -1 : 1;
    return vrv_str_cmp(vrv_str_make(a->id, a->id_len), vrv_str_make(b->id, b->id_len));
}

/* Decodes one UTF-8 code point at s[*i]; invalid input yields U+FFFD and
 * consumes one byte, as Java's decoder replaces a malformed byte. */
static uint32_t utf8_next(const unsigned char *s, size_t n, size_t *i)
{
    unsigned char c = s[*i];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80) {
        (*i)++;
        return c;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        (*i)++;
        return 0xFFFD;
    }
    if (*i + len > n) {
        (*i)++;
        return 0xFFFD;
    }
    for (size_t k = 1; k < len; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) {
            (*i)++;
            return 0xFFFD;
        }
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        (*i)++;
        return 0xFFFD;
    }
    *i += len;
    return cp;
}

int32_t vrv_part_java_hash(const char *s, size_t n)
{
    /* h = 31 * h + unit over UTF-16 code units, in uint32 to get Java's
     * two's-complement wraparound without signed overflow. */
    uint32_t h = 0;
    size_t i = 0;
    while (i < n) {
        uint32_t cp = utf8_next((const unsigned char *)s, n, &i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            h = 31u * h + (0xD800u + (cp >> 10));
            h = 31u * h + (0xDC00u + (cp & 0x3FF));
        } else {
            h = 31u * h + cp;
        }
    }
    return (int32_t)h;
}

int vrv_part_task_group_kafka(const vrv_part *p, int task_count)
{
    assert(task_count >= 1 && p->stream == VRV_STREAM_KAFKA);
    if (!p->multi_topic) return p->partition % task_count;
    uint32_t v = 31u * (uint32_t)vrv_part_java_hash(p->id, p->topic_len) + (uint32_t)p->partition;
    int32_t x = (int32_t)v;
    if (x != INT32_MIN && x < 0) x = -x; /* Math.abs(Integer.MIN_VALUE) is itself */
    return x % task_count;
}

int vrv_part_task_group_kinesis(const vrv_part *p, const vrv_part *shards, size_t n,
                                int task_count)
{
    assert(task_count >= 1);
    for (size_t i = 0; i < n; i++)
        if (vrv_part_equal(p, &shards[i])) return (int)(i % (size_t)task_count);
    return -1;
}

struct vrv_topic_pattern {
    pcre2_code *re;
    pcre2_match_data *md;
};

int vrv_topic_pattern_new(const char *pattern, const char *what, vrv_topic_pattern **out,
                          vrv_error *err)
{
    int ec;
    PCRE2_SIZE eoff;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec,
                                   &eoff, NULL);
    if (!re) {
        PCRE2_UCHAR msg[256];
        pcre2_get_error_message(ec, msg, sizeof msg);
        return vrv_error_set(err, VRV_EINVAL, "%s: invalid regular expression \"%s\" at offset %zu: %s",
                             what ? what : "topicPattern", pattern, (size_t)eoff, (char *)msg);
    }
    vrv_topic_pattern *p = vrv_malloc(sizeof *p);
    p->re = re;
    p->md = pcre2_match_data_create_from_pattern(re, NULL);
    *out = p;
    return VRV_OK;
}

bool vrv_topic_pattern_match(const vrv_topic_pattern *p, const char *topic, size_t n)
{
    int rc = pcre2_match(p->re, (PCRE2_SPTR)topic, n, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
                         p->md, NULL);
    return rc >= 0;
}

void vrv_topic_pattern_free(vrv_topic_pattern *p)
{
    if (!p) return;
    pcre2_match_data_free(p->md);
    pcre2_code_free(p->re);
    free(p);
}

/* ------------------------------------------------------------ position maps */

void vrv_posmap_init(vrv_posmap *m, vrv_stream_type t, const char *stream)
{
    *m = (vrv_posmap){.stream_type = (uint8_t)t, .stream = vrv_strdup(stream ? stream : "")};
}

void vrv_posmap_free(vrv_posmap *m)
{
    if (!m) return;
    free(m->stream);
    free(m->v);
    *m = (vrv_posmap){0};
}

void vrv_posmap_copy(vrv_posmap *dst, const vrv_posmap *src)
{
    vrv_posmap_init(dst, (vrv_stream_type)src->stream_type, src->stream);
    if (src->n) {
        dst->v = vrv_memdup(src->v, src->n * sizeof *src->v);
        dst->n = dst->cap = src->n;
    }
}

void vrv_posmap_set_stream(vrv_posmap *m, const char *stream)
{
    char *s = vrv_strdup(stream ? stream : "");
    free(m->stream);
    m->stream = s;
}

/* Index of p, or of where it would go (with *found false). */
static size_t posmap_find(const vrv_posmap *m, const vrv_part *p, bool *found)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = vrv_part_cmp(&m->v[mid].part, p);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    *found = false;
    return lo;
}

void vrv_posmap_set(vrv_posmap *m, const vrv_part *p, const vrv_pos *pos)
{
    assert(p->stream == m->stream_type && pos->stream == m->stream_type);
    bool found;
    size_t i = posmap_find(m, p, &found);
    if (!found) {
        vrv_grow((void **)&m->v, &m->cap, m->n + 1, sizeof *m->v);
        memmove(&m->v[i + 1], &m->v[i], (m->n - i) * sizeof *m->v);
        m->n++;
        m->v[i].part = *p;
    }
    m->v[i].pos = *pos;
}

const vrv_pos *vrv_posmap_get(const vrv_posmap *m, const vrv_part *p)
{
    bool found;
    size_t i = posmap_find(m, p, &found);
    return found ? &m->v[i].pos : NULL;
}

long vrv_posmap_index_near(const vrv_posmap *m, const vrv_part *p, size_t near)
{
    if (near < m->n && vrv_part_equal(&m->v[near].part, p)) return (long)near;
    return vrv_posmap_index(m, p);
}

long vrv_posmap_index(const vrv_posmap *m, const vrv_part *p)
{
    bool found;
    size_t i = posmap_find(m, p, &found);
    return found ? (long)i : -1;
}

bool vrv_posmap_del(vrv_posmap *m, const vrv_part *p)
{
    bool found;
    size_t i = posmap_find(m, p, &found);
    if (!found) return false;
    memmove(&m->v[i], &m->v[i + 1], (m->n - i - 1) * sizeof *m->v);
    m->n--;
    return true;
}

bool vrv_posmap_multi_topic(const vrv_posmap *m)
{
    return m->n > 0 && m->v[0].part.multi_topic;
}

bool vrv_posmap_equal(const vrv_posmap *a, const vrv_posmap *b, bool with_excl)
{
    if (a->stream_type != b->stream_type || strcmp(a->stream, b->stream) != 0 || a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        if (!vrv_part_equal(&a->v[i].part, &b->v[i].part)) return false;
        if (!vrv_pos_same(&a->v[i].pos, &b->v[i].pos)) return false;
        if (with_excl && a->v[i].pos.exclusive != b->v[i].pos.exclusive) return false;
    }
    return true;
}

/* e's partition re-keyed for a map in the given mode: single-topic keys drop
 * the topic, multi-topic keys carry it (its own, or the map stream it came
 * from). */
static void rekey(const vrv_part *src, const char *src_stream, bool multi, vrv_part *out)
{
    if (!multi) {
        vrv_part_kafka(NULL, src->partition, out, NULL);
        return;
    }
    vrv_str t = vrv_part_topic(src, src_stream);
    char topic[VRV_KAFKA_TOPIC_MAX + 1];
    size_t tl = VRV_MIN(t.n, (size_t)VRV_KAFKA_TOPIC_MAX);
    memcpy(topic, t.p, tl);
    topic[tl] = '\0';
    if (tl == 0 || vrv_part_kafka(topic, src->partition, out, NULL) != VRV_OK)
        vrv_part_kafka(NULL, src->partition, out, NULL);
}

/* Does b's entry belong in a map of stream a_stream in mode a_multi? */
static bool kafka_entry_wanted(const vrv_part *bp, const char *b_stream, const char *a_stream,
                               bool a_multi, const vrv_topic_pattern *re)
{
    vrv_str t = vrv_part_topic(bp, b_stream);
    if (!a_multi) return vrv_str_eq_c(t, a_stream);
    return re && vrv_topic_pattern_match(re, t.p, t.n);
}

static bool kafka_mixed(const vrv_posmap *a, const vrv_posmap *b)
{
    return a->stream_type == VRV_STREAM_KAFKA &&
           (vrv_posmap_multi_topic(a) || vrv_posmap_multi_topic(b));
}

void vrv_posmap_plus(const vrv_posmap *a, const vrv_posmap *b, vrv_posmap *out)
{
    assert(a->stream_type == b->stream_type);
    if (!kafka_mixed(a, b)) {
        if (strcmp(a->stream, b->stream) != 0) {
            vrv_posmap_copy(out, b);
            return;
        }
        vrv_posmap_copy(out, a);
        for (size_t i = 0; i < b->n; i++) vrv_posmap_set(out, &b->v[i].part, &b->v[i].pos);
        return;
    }
    bool multi = vrv_posmap_multi_topic(a);
    vrv_topic_pattern *re = NULL;
    if (multi) vrv_topic_pattern_new(a->stream, NULL, &re, NULL);
    vrv_posmap_init(out, VRV_STREAM_KAFKA, a->stream);
    vrv_part k;
    for (size_t i = 0; i < a->n; i++) {
        rekey(&a->v[i].part, a->stream, multi, &k);
        vrv_posmap_set(out, &k, &a->v[i].pos);
    }
    for (size_t i = 0; i < b->n; i++) {
        if (!kafka_entry_wanted(&b->v[i].part, b->stream, a->stream, multi, re)) continue;
        rekey(&b->v[i].part, b->stream, multi, &k);
        vrv_posmap_set(out, &k, &b->v[i].pos);
    }
    vrv_topic_pattern_free(re);
}

/* Is a's entry (topic, partition) present in b? */
static bool kafka_has_topic_partition(const vrv_posmap *b, const vrv_part *ap, const char *a_stream)
{
    vrv_str at = vrv_part_topic(ap, a_stream);
    for (size_t i = 0; i < b->n; i++) {
        const vrv_part *bp = &b->v[i].part;
        if (bp->partition == ap->partition && vrv_str_eq(vrv_part_topic(bp, b->stream), at))
            return true;
    }
    return false;
}

void vrv_posmap_minus(const vrv_posmap *a, const vrv_posmap *b, vrv_posmap *out)
{
    assert(a->stream_type == b->stream_type);
    bool mixed = kafka_mixed(a, b);
    if (!mixed && strcmp(a->stream, b->stream) != 0) {
        vrv_posmap_copy(out, a);
        return;
    }
    vrv_posmap_init(out, (vrv_stream_type)a->stream_type, a->stream);
    for (size_t i = 0; i < a->n; i++) {
        const vrv_part *ap = &a->v[i].part;
        bool drop = mixed ? kafka_has_topic_partition(b, ap, a->stream)
                          : vrv_posmap_get(b, ap) != NULL;
        if (!drop) vrv_posmap_set(out, ap, &a->v[i].pos);
    }
}

bool vrv_posmap_matches(const vrv_posmap *a, const vrv_posmap *b, bool with_excl)
{
    vrv_posmap ab, ba;
    vrv_posmap_plus(a, b, &ab);
    vrv_posmap_plus(b, a, &ba);
    bool eq = vrv_posmap_equal(&ab, &ba, with_excl);
    vrv_posmap_free(&ab);
    vrv_posmap_free(&ba);
    return eq;
}

int vrv_posmap_compare(const vrv_posmap *a, const vrv_posmap *b)
{
    if (a->stream_type != b->stream_type || strcmp(a->stream, b->stream) != 0) return 0;
    for (size_t i = 0; i < a->n; i++) {
        const vrv_pos *bp = vrv_posmap_get(b, &a->v[i].part);
        if (bp && vrv_pos_cmp(&a->v[i].pos, bp) > 0) return 1;
    }
    return 0;
}

void vrv_posmap_as_start(vrv_posmap *m)
{
    bool excl = m->stream_type == VRV_STREAM_KINESIS;
    for (size_t i = 0; i < m->n; i++) m->v[i].pos.exclusive = excl;
}

static void write_map(vrv_jw *w, const vrv_posmap *m)
{
    vrv_jw_begin_object(w);
    for (size_t i = 0; i < m->n; i++) {
        vrv_jw_keyn(w, m->v[i].part.id, m->v[i].part.id_len);
        vrv_pos_write_json(w, &m->v[i].pos);
    }
    vrv_jw_end_object(w);
}

void vrv_posmap_write_json(vrv_jw *w, const vrv_posmap *m, vrv_posmap_form form)
{
    vrv_jw_begin_object(w);
    vrv_jw_kv_string(w, "type", form == VRV_POSMAP_START ? "start" : "end");
    vrv_jw_kv_string(w, "stream", m->stream);
    vrv_jw_kv_string(w, "topic", m->stream);
    vrv_jw_key(w, "partitionSequenceNumberMap");
    write_map(w, m);
    vrv_jw_key(w, "partitionOffsetMap");
    write_map(w, m);
    if (form == VRV_POSMAP_START) {
        vrv_jw_key(w, "exclusivePartitions");
        vrv_jw_begin_array(w);
        for (size_t i = 0; i < m->n; i++)
            if (m->v[i].pos.exclusive) vrv_jw_stringn(w, m->v[i].part.id, m->v[i].part.id_len);
        vrv_jw_end_array(w);
    }
    vrv_jw_end_object(w);
}

int vrv_posmap_from_json(const json_t *obj, vrv_stream_type t, const char *path, vrv_posmap *out,
                         vrv_posmap_form *form, vrv_error *err)
{
    char p[VRV_JSON_PATH_MAX], q[VRV_JSON_PATH_MAX];
    if (!json_is_object(obj))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be an object, got %s", path,
                             vrv_json_kind(obj));
    const char *type, *stream;
    if (vrv_json_get_string(obj, "type", path, "end", &type, err)) return VRV_EINVAL;
    vrv_posmap_form f;
    if (strcmp(type, "end") == 0) f = VRV_POSMAP_END;
    else if (strcmp(type, "start") == 0) f = VRV_POSMAP_START;
    else
        return vrv_error_set(err, VRV_EINVAL, "%s: must be \"start\" or \"end\", got \"%s\"",
                             vrv_json_path_key(p, path, "type"), type);
    if (vrv_json_get_string(obj, "stream", path, NULL, &stream, err)) return VRV_EINVAL;
    if (!stream && vrv_json_get_string(obj, "topic", path, NULL, &stream, err)) return VRV_EINVAL;
    if (!stream)
        return vrv_error_set(err, VRV_EINVAL, "%s: required", vrv_json_path_key(p, path, "stream"));
    const json_t *map = NULL;
    const char *map_key = "partitionOffsetMap";
    if (vrv_json_get_object(obj, map_key, path, false, &map, err)) return VRV_EINVAL;
    if (!map) {
        map_key = "partitionSequenceNumberMap";
        if (vrv_json_get_object(obj, map_key, path, false, &map, err)) return VRV_EINVAL;
    }
    if (!map)
        return vrv_error_set(err, VRV_EINVAL, "%s: required",
                             vrv_json_path_key(p, path, "partitionSequenceNumberMap"));
    vrv_posmap m;
    vrv_posmap_init(&m, t, stream);
    const char *key;
    json_t *val;
    vrv_json_path_key(p, path, map_key);
    json_object_foreach((json_t *)map, key, val)
    {
        vrv_part part;
        vrv_pos pos;
        vrv_json_path_key(q, p, key);
        if (vrv_part_parse(t, key, strlen(key), &part, err)) {
            vrv_error_prefix(err, "%s", q);
            vrv_posmap_free(&m);
            return VRV_EINVAL;
        }
        if (vrv_pos_from_json(val, t, q, &pos, err)) {
            vrv_posmap_free(&m);
            return VRV_EINVAL;
        }
        vrv_posmap_set(&m, &part, &pos);
    }
    const json_t *ex = NULL;
    if (vrv_json_get_array(obj, "exclusivePartitions", path, false, &ex, err)) {
        vrv_posmap_free(&m);
        return VRV_EINVAL;
    }
    size_t i;
    json_t *e;
    vrv_json_path_key(p, path, "exclusivePartitions");
    json_array_foreach((json_t *)ex, i, e)
    {
        char num[32];
        const char *k;
        size_t kn;
        if (json_is_string(e)) {
            k = json_string_value(e);
            kn = json_string_length(e);
        } else if (json_is_integer(e)) {
            kn = (size_t)snprintf(num, sizeof num, "%lld", (long long)json_integer_value(e));
            k = num;
        } else {
            vrv_posmap_free(&m);
            return vrv_error_set(err, VRV_EINVAL, "%s: must be a partition id, got %s",
                                 vrv_json_path_index(q, p, i), vrv_json_kind(e));
        }
        vrv_part part;
        if (vrv_part_parse(t, k, kn, &part, err)) {
            vrv_error_prefix(err, "%s", vrv_json_path_index(q, p, i));
            vrv_posmap_free(&m);
            return VRV_EINVAL;
        }
        bool found;
        size_t at = posmap_find(&m, &part, &found);
        /* An exclusive partition without a position has nothing to skip. */
        if (found) m.v[at].pos.exclusive = true;
    }
    *out = m;
    if (form) *form = f;
    return VRV_OK;
}

void vrv_posmap_write_metadata_json(vrv_jw *w, const vrv_posmap *m)
{
    vrv_jw_begin_object(w);
    vrv_jw_kv_string(w, "type", vrv_stream_type_name((vrv_stream_type)m->stream_type));
    vrv_jw_key(w, "partitions");
    vrv_posmap_write_json(w, m, VRV_POSMAP_END);
    vrv_jw_end_object(w);
}

int vrv_posmap_from_metadata_json(const json_t *obj, const char *path, vrv_posmap *out,
                                  vrv_error *err)
{
    char p[VRV_JSON_PATH_MAX];
    if (!json_is_object(obj))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be an object, got %s", path,
                             vrv_json_kind(obj));
    const char *type;
    if (vrv_json_req_string(obj, "type", path, true, &type, err)) return VRV_EINVAL;
    vrv_stream_type t;
    if (strcmp(type, "kafka") == 0) t = VRV_STREAM_KAFKA;
    else if (strcmp(type, "kinesis") == 0) t = VRV_STREAM_KINESIS;
    else
        return vrv_error_set(err, VRV_EINVAL, "%s: must be \"kafka\" or \"kinesis\", got \"%s\"",
                             vrv_json_path_key(p, path, "type"), type);
    const json_t *parts;
    if (vrv_json_get_object(obj, "partitions", path, true, &parts, err)) return VRV_EINVAL;
    return vrv_posmap_from_json(parts, t, vrv_json_path_key(p, path, "partitions"), out, NULL, err);
}
