/*
 * supplier.c — the stream-independent half of the record-supplier interface:
 * argument checks, the assignment bookkeeping every implementation shares,
 * and the operations that are the same for every stream (availability,
 * record positions). The stream-specific work is behind s->ops.
 */
#include "stream/supplier.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void vrv_supplier_base_init(vrv_supplier *s, const vrv_supplier_ops *ops, vrv_stream_type type,
                            const char *stream, bool multi_topic)
{
    s->ops = ops;
    s->type = type;
    s->stream = vrv_strdup(stream ? stream : "");
    s->multi_topic = multi_topic;
    s->poll_timeout_ms = 100;
    s->assigned = NULL;
    s->n_assigned = 0;
}

void vrv_supplier_base_free(vrv_supplier *s)
{
    free(s->stream);
    free(s->assigned);
    s->stream = NULL;
    s->assigned = NULL;
    s->n_assigned = 0;
}

int vrv_supplier_partitions(vrv_supplier *s, vrv_part **out, size_t *n, vrv_error *err)
{
    *out = NULL;
    *n = 0;
    return s->ops->partitions(s, out, n, err);
}

/* Does p belong to this supplier's stream and mode? */
static int check_part(const vrv_supplier *s, const vrv_part *p, vrv_error *err)
{
    if (p->stream != s->type)
        return vrv_error_set(err, VRV_EINVAL, "partition %s is not a %s partition", p->id,
                             vrv_stream_type_name(s->type));
    if (p->multi_topic != s->multi_topic)
        return vrv_error_set(err, VRV_EINVAL,
                             "partition %s: a %s supplier needs %s partition ids", p->id,
                             s->multi_topic ? "topicPattern" : "single-topic",
                             s->multi_topic ? "\"topic:partition\"" : "plain");
    return VRV_OK;
}

int vrv_supplier_assign(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = check_part(s, &parts[i], err);
        if (rc) return rc;
        for (size_t j = 0; j < i; j++)
            if (vrv_part_equal(&parts[i], &parts[j]))
                return vrv_error_set(err, VRV_EINVAL, "partition %s is assigned twice",
                                     parts[i].id);
    }
    int rc = s->ops->assign(s, parts, n, err);
    if (rc) return rc;
    free(s->assigned);
    s->assigned = n ? vrv_memdup(parts, n * sizeof *parts) : NULL;
    s->n_assigned = n;
    return VRV_OK;
}

const vrv_part *vrv_supplier_assignment(const vrv_supplier *s, size_t *n)
{
    *n = s->n_assigned;
    return s->assigned;
}

int vrv_supplier_assigned_index(const vrv_supplier *s, const vrv_part *p)
{
    for (size_t i = 0; i < s->n_assigned; i++)
        if (vrv_part_equal(&s->assigned[i], p)) return (int)i;
    return -1;
}

static int assigned_or_fail(const vrv_supplier *s, const vrv_part *p, vrv_error *err)
{
    int i = vrv_supplier_assigned_index(s, p);
    if (i < 0)
        return vrv_error_set(err, VRV_EINVAL, "partition %s of %s is not assigned", p->id,
                             s->stream);
    return i;
}

int vrv_supplier_seek(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos, vrv_error *err)
{
    int i = assigned_or_fail(s, p, err);
    if (i < 0) return i;
    if (pos->stream != s->type)
        return vrv_error_set(err, VRV_EINVAL, "partition %s: not a %s position", p->id,
                             vrv_stream_type_name(s->type));
    return s->ops->seek(s, (uint32_t)i, pos, err);
}

int vrv_supplier_seek_earliest(vrv_supplier *s, const vrv_part *p, vrv_error *err)
{
    int i = assigned_or_fail(s, p, err);
    return i < 0 ? i : s->ops->seek_edge(s, (uint32_t)i, false, err);
}

int vrv_supplier_seek_latest(vrv_supplier *s, const vrv_part *p, vrv_error *err)
{
    int i = assigned_or_fail(s, p, err);
    return i < 0 ? i : s->ops->seek_edge(s, (uint32_t)i, true, err);
}

int vrv_supplier_poll(vrv_supplier *s, vrv_batch *b, int timeout_ms, vrv_error *err)
{
    if (b->owner)
        return vrv_error_set(err, VRV_EINVAL, "poll: the previous batch was not released");
    b->n = 0;
    b->range_part = -1;
    return s->ops->poll(s, b, timeout_ms < 0 ? s->poll_timeout_ms : timeout_ms, err);
}

void vrv_supplier_release(vrv_supplier *s, vrv_batch *b)
{
    if (b->owner) {
        assert(b->owner == s);
        s->ops->release(s, b);
    }
    b->n = 0;
    b->owner = NULL;
}

void vrv_batch_free(vrv_batch *b)
{
    assert(!b->owner && "release the batch before freeing it");
    free(b->recs);
    free(b->hdrs);
    *b = (vrv_batch){0};
}

int vrv_supplier_headers(vrv_supplier *s, const vrv_record *r, vrv_batch *b,
                         const vrv_record_header **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!s->ops->headers) return VRV_OK;
    return s->ops->headers(s, r, b, out, n);
}

vrv_pos vrv_record_pos(const vrv_supplier *s, const vrv_record *r)
{
    if (s->type == VRV_STREAM_KAFKA) return vrv_pos_kafka(r->offset);
    if (r->flags & VRV_REC_END_OF_SHARD) return vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
    vrv_pos p;
    if (vrv_pos_parse(VRV_STREAM_KINESIS, r->seq.p, r->seq.n, NULL, &p, NULL) != VRV_OK)
        return vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_NOT_SET);
    return p;
}

static int edges(vrv_supplier *s, const vrv_part *parts, size_t n, bool latest, vrv_pos *out,
                 vrv_error *err)
{
    for (size_t i = 0; i < n; i++) {
        int rc = check_part(s, &parts[i], err);
        if (rc) return rc;
    }
    if (n == 0) return VRV_OK;
    return s->ops->edges(s, parts, n, latest, out, err);
}

int vrv_supplier_earliest(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_pos *out,
                          vrv_error *err)
{
    return edges(s, parts, n, false, out, err);
}

int vrv_supplier_latest(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_pos *out,
                        vrv_error *err)
{
    return edges(s, parts, n, true, out, err);
}

int vrv_supplier_position(vrv_supplier *s, const vrv_part *p, vrv_pos *out, vrv_error *err)
{
    int i = assigned_or_fail(s, p, err);
    return i < 0 ? i : s->ops->position(s, (uint32_t)i, out, err);
}

int vrv_supplier_available(vrv_supplier *s, const vrv_part *p, const vrv_pos *pos,
                           bool *available, vrv_error *err)
{
    int rc = check_part(s, p, err);
    if (rc) return rc;
    if (s->ops->available) return s->ops->available(s, p, pos, available, err);
    vrv_pos earliest;
    rc = vrv_supplier_earliest(s, p, 1, &earliest, err);
    if (rc) return rc;
    *available = vrv_pos_available(pos, &earliest);
    return VRV_OK;
}

void vrv_supplier_close(vrv_supplier *s)
{
    if (s) s->ops->close(s);
}
