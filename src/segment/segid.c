/*
 * segid.c — segment ids and the DataSegment JSON (see segid.h). Parsing
 * follows Druid's SegmentId: the interval must be a pair of canonical
 * instants with start < end, a trailing number > 0 is the partition, and
 * anything else after the interval is the version.
 */
#include "segment/segid.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void vrv_segid_append_interval(vrv_buf *out, vrv_interval interval)
{
    vrv_interval_append(out, interval);
}

void vrv_segid_append(vrv_buf *out, const char *data_source, vrv_interval interval,
                      const char *version, int32_t partition_num)
{
    char a[VRV_TIME_STR_MAX], b[VRV_TIME_STR_MAX];
    vrv_time_format(interval.start, a);
    vrv_time_format(interval.end, b);
    vrv_buf_printf(out, "%s_%s_%s_%s", data_source, a, b, version);
    if (partition_num != 0) vrv_buf_printf(out, "_%d", (int)partition_num);
}

char *vrv_segid_format(const char *data_source, vrv_interval interval, const char *version,
                       int32_t partition_num)
{
    vrv_buf b = VRV_BUF_INIT;
    vrv_segid_append(&b, data_source, interval, version, partition_num);
    return vrv_buf_detach(&b);
}

/* s[0..n) is an instant written exactly as vrv_time_format writes it. */
static bool canonical_instant(const char *s, size_t n, vrv_ms *out)
{
    if (n == 0 || n >= VRV_TIME_STR_MAX) return false;
    vrv_ms ms;
    if (vrv_time_parse(s, n, 0, &ms, NULL) < 0) return false;
    char back[VRV_TIME_STR_MAX];
    if (vrv_time_format(ms, back) != n || memcmp(back, s, n) != 0) return false;
    *out = ms;
    return true;
}

/* A positive int32 written in plain digits. */
static bool partition_number(const char *s, size_t n, int32_t *out)
{
    if (n == 0 || n > 10) return false;
    int64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0 || v > INT32_MAX) return false;
    *out = (int32_t)v;
    return true;
}

/* Parses rest = "start_end_version[_partition]" into out (data source set by
 * the caller). */
static bool parse_rest(const char *rest, vrv_segid *out)
{
    const char *u1 = strchr(rest, '_');
    if (!u1) return false;
    const char *u2 = strchr(u1 + 1, '_');
    if (!u2 || u2[1] == '\0') return false;
    vrv_ms start, end;
    if (!canonical_instant(rest, (size_t)(u1 - rest), &start) ||
        !canonical_instant(u1 + 1, (size_t)(u2 - u1 - 1), &end) || start >= end)
        return false;
    const char *ver = u2 + 1;
    const char *last = strrchr(ver, '_');
    int32_t part = 0;
    size_t vlen = strlen(ver);
    if (last && last > ver && partition_number(last + 1, strlen(last + 1), &part))
        vlen = (size_t)(last - ver);
    else
        part = 0;
    out->interval = vrv_interval_make(start, end);
    out->version = vrv_strndup(ver, vlen);
    out->partition_num = part;
    return true;
}

int vrv_segid_parse(const char *id, const char *data_source, vrv_segid *out, vrv_error *err)
{
    memset(out, 0, sizeof *out);
    if (!id || !*id) return vrv_error_set(err, VRV_EINVAL, "segment id: empty");
    if (data_source) {
        size_t dl = strlen(data_source);
        if (dl == 0 || strncmp(id, data_source, dl) != 0 || id[dl] != '_' ||
            !parse_rest(id + dl + 1, out))
            return vrv_error_set(err, VRV_EINVAL,
                                 "segment id [%s]: not a segment id of dataSource [%s]", id,
                                 data_source);
        out->data_source = vrv_strdup(data_source);
        return 0;
    }
    /* The data source ends at the first '_' followed by a valid interval. */
    for (const char *u = strchr(id, '_'); u; u = strchr(u + 1, '_')) {
        if (u == id) continue;
        if (parse_rest(u + 1, out)) {
            out->data_source = vrv_strndup(id, (size_t)(u - id));
            return 0;
        }
    }
    return vrv_error_set(err, VRV_EINVAL,
                         "segment id [%s]: expected dataSource_start_end_version[_partitionNum]",
                         id);
}

void vrv_segid_clear(vrv_segid *s)
{
    free(s->data_source);
    free(s->version);
    memset(s, 0, sizeof *s);
}

static json_t *comma_join(const char *const *v, size_t n)
{
    vrv_buf b = VRV_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (!v[i] || !*v[i]) continue; /* Druid drops empty names */
        if (b.len) vrv_buf_putc(&b, ',');
        vrv_buf_puts(&b, v[i]);
    }
    json_t *s = json_stringn(b.data ? b.data : "", b.len);
    vrv_buf_free(&b);
    return s;
}

json_t *vrv_dataseg_to_json(const vrv_dataseg_desc *d)
{
    json_t *o = json_object();
    vrv_buf iv = VRV_BUF_INIT;
    vrv_interval_append(&iv, d->interval);
    json_object_set_new(o, "dataSource", json_string(d->data_source));
    json_object_set_new(o, "interval", json_stringn(iv.data, iv.len));
    json_object_set_new(o, "version", json_string(d->version));
    json_object_set_new(o, "loadSpec",
                        d->load_spec ? json_deep_copy(d->load_spec) : json_object());
    json_object_set_new(o, "dimensions", comma_join(d->dims, d->ndims));
    json_object_set_new(o, "metrics", comma_join(d->metrics, d->nmetrics));
    json_object_set_new(o, "shardSpec",
                        json_pack("{s:s, s:i, s:i}", "type", "numbered", "partitionNum",
                                  (int)d->partition_num, "partitions", (int)d->core_partitions));
    json_object_set_new(o, "binaryVersion", json_integer(VRV_DATASEG_BINARY_VERSION));
    json_object_set_new(o, "size", json_integer((json_int_t)d->size));
    char *id = vrv_segid_format(d->data_source, d->interval, d->version, d->partition_num);
    json_object_set_new(o, "identifier", json_string(id));
    free(id);
    vrv_buf_free(&iv);
    return o;
}
