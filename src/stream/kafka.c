/*
 * kafka.c — the Kafka record supplier on librdkafka, and the
 * consumerProperties translation described in kafka.h.
 *
 * Reading uses the high-level consumer's queue with a manual assignment
 * (rd_kafka_assign): no group join, no commits. Positions are tracked here
 * per assigned partition ("next offset to read"), so any change — a seek, a
 * new assignment, a retry after an out-of-range error — is applied by
 * re-assigning every partition at its tracked position at the next poll;
 * librdkafka's op versions drop whatever was prefetched for the old
 * assignment, so nothing is delivered twice or skipped.
 *
 * librdkafka 2.0.2 details this file works around:
 *  - rd_kafka_query_watermark_offsets never returns while the partition's
 *    leader is down, whatever its timeout; rd_kafka_offsets_for_times with
 *    the logical timestamps -2 (earliest) and -1 (latest) does honour its
 *    timeout, so every offset query goes through it.
 *  - a partition whose fetch failed with "offset out of range" stops
 *    fetching and refuses rd_kafka_seek (Local: Erroneous state); assigning
 *    it again restarts it.
 *  - the first fetch after an assignment waits ~0.9 s when the topic's
 *    metadata is not cached yet; one rd_kafka_metadata call per new topic
 *    before assigning avoids it.
 */
#include "stream/kafka.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/mem.h"
#include "base/numfmt.h"
#include "base/vec.h"
#include "json/jutil.h"

#define KAFKA_DEFAULT_REQUEST_TIMEOUT_MS 10000
#define KAFKA_DEFAULT_MAX_POLL_RECORDS 10000
/* Upper bound on the best-effort steps before an assignment (metadata
 * warm-up, resolving earliest/latest): when brokers are down they must not
 * hold a poll for long; librdkafka resolves both itself once brokers return. */
#define KAFKA_PREPARE_TIMEOUT_MS 2000

/* ------------------------------------------------ consumerProperties → conf */

typedef struct kv_list {
    char **kv;
    size_t n, cap; /* pairs */
    char **warn;
    size_t nwarn, capwarn;
} kv_list;

static void kv_set(kv_list *l, const char *k, const char *v)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->kv[2 * i], k) == 0) {
            free(l->kv[2 * i + 1]);
            l->kv[2 * i + 1] = vrv_strdup(v);
            return;
        }
    }
    size_t cap2 = l->cap * 2;
    vrv_grow((void **)&l->kv, &cap2, 2 * (l->n + 1), sizeof(char *));
    l->cap = cap2 / 2;
    l->kv[2 * l->n] = vrv_strdup(k);
    l->kv[2 * l->n + 1] = vrv_strdup(v);
    l->n++;
}

static const char *kv_get(const kv_list *l, const char *k)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->kv[2 * i], k) == 0) return l->kv[2 * i + 1];
    return NULL;
}

static void kv_del(kv_list *l, const char *k)
{
    for (size_t i = 0; i < l->n; i++) {
        if (strcmp(l->kv[2 * i], k) == 0) {
            free(l->kv[2 * i]);
            free(l->kv[2 * i + 1]);
            memmove(&l->kv[2 * i], &l->kv[2 * i + 2], (l->n - i - 1) * 2 * sizeof(char *));
            l->n--;
            return;
        }
    }
}

static void kv_warn(kv_list *l, const char *fmt, ...) VRV_PRINTF(2, 3);
static void kv_warn(kv_list *l, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    vrv_grow((void **)&l->warn, &l->capwarn, l->nwarn + 1, sizeof(char *));
    l->warn[l->nwarn++] = vrv_strdup(buf);
    VRV_WARN("kafka", "%s", buf);
}

static void kv_free(kv_list *l)
{
    for (size_t i = 0; i < 2 * l->n; i++) free(l->kv[i]);
    for (size_t i = 0; i < l->nwarn; i++) free(l->warn[i]);
    free(l->kv);
    free(l->warn);
    *l = (kv_list){0};
}

/* What Druid forces; a user value is ignored. */
static const struct {
    const char *name; /* as the user may write it */
    const char *rdk;  /* librdkafka name */
    const char *value;
} forced[] = {
    {"enable.auto.commit", "enable.auto.commit", "false"},
    {"enable.auto.offset.store", "enable.auto.offset.store", "false"},
    {"auto.offset.reset", "auto.offset.reset", "error"},
    {"enable.partition.eof", "enable.partition.eof", "false"},
    {"metadata.max.age.ms", "topic.metadata.refresh.interval.ms", "10000"},
    {"topic.metadata.refresh.interval.ms", "topic.metadata.refresh.interval.ms", "10000"},
};

static const struct {
    const char *java;
    const char *rdk;
} renames[] = {
    {"fetch.max.wait.ms", "fetch.wait.max.ms"},
    {"request.timeout.ms", "socket.timeout.ms"},
    {"receive.buffer.bytes", "socket.receive.buffer.bytes"},
    {"send.buffer.bytes", "socket.send.buffer.bytes"},
    {"ssl.truststore.certificates", "ssl.ca.pem"},
    {"ssl.keystore.certificate.chain", "ssl.certificate.pem"},
    {"ssl.keystore.key", "ssl.key.pem"},
};

/* Java client settings with no librdkafka counterpart: dropped with a
 * warning. Names librdkafka does not know are dropped the same way; this list
 * only makes the warning say why. */
static const char *const java_only[] = {
    "partition.assignment.strategy", "interceptor.classes", "metric.reporters",
    "metrics.num.samples", "metrics.recording.level", "metrics.sample.window.ms",
    "auto.include.jmx.reporter", "exclude.internal.topics", "security.providers",
    "ssl.protocol", "ssl.enabled.protocols", "ssl.keymanager.algorithm",
    "ssl.trustmanager.algorithm", "ssl.secure.random.implementation", "ssl.provider",
    "ssl.engine.factory.class", "ssl.truststore.type", "ssl.keystore.type",
    "ssl.truststore.password", "sasl.login.class", "sasl.login.callback.handler.class",
    "sasl.client.callback.handler.class", "sasl.kerberos.ticket.renew.jitter",
    "sasl.kerberos.ticket.renew.window.factor", "sasl.login.refresh.buffer.seconds",
    "sasl.login.refresh.min.period.seconds", "sasl.login.refresh.window.factor",
    "sasl.login.refresh.window.jitter", "socket.connection.setup.timeout.max.ms",
    "internal.leave.group.on.close", "client.dns.lookup", "retry.backoff.max.ms",
    "auto.commit.interval.ms", "key.deserializer", "value.deserializer",
};

static bool is_java_only(const char *k)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(java_only); i++)
        if (strcmp(java_only[i], k) == 0) return true;
    return false;
}

static bool is_password_key(const char *k)
{
    return strcmp(k, "ssl.keystore.password") == 0 || strcmp(k, "ssl.key.password") == 0 ||
           strcmp(k, "ssl.truststore.password") == 0;
}

/* Java's String.valueOf of a scalar JSON value; NULL (with an error) for
 * containers. */
static char *scalar_text(const json_t *v)
{
    char num[VRV_NUMFMT_MAX];
    switch (json_typeof(v)) {
    case JSON_STRING: return vrv_strndup(json_string_value(v), json_string_length(v));
    case JSON_INTEGER: vrv_fmt_long(json_integer_value(v), num); return vrv_strdup(num);
    case JSON_REAL: vrv_fmt_double(json_real_value(v), num); return vrv_strdup(num);
    case JSON_TRUE: return vrv_strdup("true");
    case JSON_FALSE: return vrv_strdup("false");
    default: return NULL;
    }
}

/* A Druid PasswordProvider: a string, {"type":"default","password":..} or
 * {"type":"environment","variable":..}. */
static int password_text(const json_t *v, const char *path, char **out, vrv_error *err)
{
    if (json_is_string(v)) {
        *out = vrv_strdup(json_string_value(v));
        return VRV_OK;
    }
    if (!json_is_object(v))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be a string or a password provider object",
                             path);
    const char *type, *s;
    if (vrv_json_get_string(v, "type", path, "default", &type, err)) return VRV_EINVAL;
    if (strcmp(type, "default") == 0) {
        if (vrv_json_req_string(v, "password", path, false, &s, err)) return VRV_EINVAL;
        *out = vrv_strdup(s);
        return VRV_OK;
    }
    if (strcmp(type, "environment") == 0) {
        if (vrv_json_req_string(v, "variable", path, true, &s, err)) return VRV_EINVAL;
        const char *e = getenv(s);
        if (!e)
            return vrv_error_set(err, VRV_EINVAL, "%s: environment variable %s is not set", path, s);
        *out = vrv_strdup(e);
        return VRV_OK;
    }
    return vrv_error_set(err, VRV_EUNSUPPORTED,
                         "%s.type: password provider \"%s\" is not supported (default, environment "
                         "are)",
                         path, type);
}

/* ---- sasl.jaas.config */

typedef struct jaas {
    char module[128];
    struct {
        char key[64];
        char *val;
    } opt[16];
    int nopt;
} jaas;

static void jaas_free(jaas *j)
{
    for (int i = 0; i < j->nopt; i++) free(j->opt[i].val);
    j->nopt = 0;
}

static const char *jaas_get(const jaas *j, const char *k)
{
    for (int i = 0; i < j->nopt; i++)
        if (strcmp(j->opt[i].key, k) == 0) return j->opt[i].val;
    return NULL;
}

static bool jaas_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* "<LoginModule class> <flag> key=value key="quoted \" value" ... ;" */
static int jaas_parse(const char *s, const char *path, jaas *j, vrv_error *err)
{
    memset(j, 0, sizeof *j);
    const char *p = s;
    while (jaas_space(*p)) p++;
    const char *m = p;
    while (*p && !jaas_space(*p) && *p != ';') p++;
    if (p == m || (size_t)(p - m) >= sizeof j->module)
        return vrv_error_set(err, VRV_EINVAL, "%s: expected \"<LoginModule class> required ...;\"",
                             path);
    memcpy(j->module, m, (size_t)(p - m));
    while (jaas_space(*p)) p++;
    const char *f = p; /* control flag */
    while (*p && !jaas_space(*p) && *p != ';') p++;
    if (p == f)
        return vrv_error_set(err, VRV_EINVAL, "%s: expected a control flag (required) after %s",
                             path, j->module);
    for (;;) {
        while (jaas_space(*p)) p++;
        if (*p == ';' || *p == '\0') break;
        const char *k = p;
        while (*p && *p != '=' && !jaas_space(*p) && *p != ';') p++;
        size_t kl = (size_t)(p - k);
        if (*p != '=' || kl == 0 || kl >= sizeof j->opt[0].key) {
            jaas_free(j);
            return vrv_error_set(err, VRV_EINVAL, "%s: expected key=value at offset %zu", path,
                                 (size_t)(k - s));
        }
        p++;
        char *val;
        if (*p == '"') {
            p++;
            vrv_buf b = VRV_BUF_INIT;
            while (*p && *p != '"') {
                if (*p == '\\' && p[1]) p++;
                vrv_buf_putc(&b, *p++);
            }
            if (*p != '"') {
                vrv_buf_free(&b);
                jaas_free(j);
                return vrv_error_set(err, VRV_EINVAL, "%s: unterminated quoted value of %.*s", path,
                                     (int)kl, k);
            }
            p++;
            val = vrv_buf_detach(&b);
        } else {
            const char *v = p;
            while (*p && !jaas_space(*p) && *p != ';') p++;
            val = vrv_strndup(v, (size_t)(p - v));
        }
        if (j->nopt == (int)VRV_ARRAY_LEN(j->opt)) {
            free(val);
            jaas_free(j);
            return vrv_error_set(err, VRV_EINVAL, "%s: too many options", path);
        }
        memcpy(j->opt[j->nopt].key, k, kl);
        j->opt[j->nopt].key[kl] = '\0';
        j->opt[j->nopt].val = val;
        j->nopt++;
    }
    return VRV_OK;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int apply_jaas(kv_list *l, const char *text, const char *path, vrv_error *err)
{
    jaas j;
    int rc = jaas_parse(text, path, &j, err);
    if (rc) return rc;
    const char *mod = strrchr(j.module, '.');
    mod = mod ? mod + 1 : j.module;
    const char *v;
    if (strcmp(mod, "PlainLoginModule") == 0 || strcmp(mod, "ScramLoginModule") == 0) {
        if ((v = jaas_get(&j, "username"))) kv_set(l, "sasl.username", v);
        if ((v = jaas_get(&j, "password"))) kv_set(l, "sasl.password", v);
    } else if (strcmp(mod, "Krb5LoginModule") == 0) {
        if ((v = jaas_get(&j, "keyTab"))) kv_set(l, "sasl.kerberos.keytab", v);
        if ((v = jaas_get(&j, "principal"))) kv_set(l, "sasl.kerberos.principal", v);
    } else if (strcmp(mod, "OAuthBearerLoginModule") == 0) {
        if ((v = jaas_get(&j, "unsecuredLoginStringClaim_sub"))) {
            char buf[300];
            snprintf(buf, sizeof buf, "principal=%s", v);
            kv_set(l, "enable.sasl.oauthbearer.unsecure.jwt", "true");
            kv_set(l, "sasl.oauthbearer.config", buf);
        }
        bool oidc = false;
        if ((v = jaas_get(&j, "clientId"))) kv_set(l, "sasl.oauthbearer.client.id", v), oidc = true;
        if ((v = jaas_get(&j, "clientSecret")))
            kv_set(l, "sasl.oauthbearer.client.secret", v), oidc = true;
        if ((v = jaas_get(&j, "scope"))) kv_set(l, "sasl.oauthbearer.scope", v), oidc = true;
        if (oidc) kv_set(l, "sasl.oauthbearer.method", "oidc");
    } else {
        rc = vrv_error_set(err, VRV_EUNSUPPORTED,
                           "%s: login module %s is not supported (PlainLoginModule, "
                           "ScramLoginModule, Krb5LoginModule, OAuthBearerLoginModule are)",
                           path, j.module);
    }
    jaas_free(&j);
    return rc;
}

/* Trims spaces around each comma-separated broker: Java accepts
 * "h1:9092, h2:9092". */
static char *trim_brokers(const char *s)
{
    vrv_buf b = VRV_BUF_INIT;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t') p++;
        const char *start = p;
        while (*p && *p != ',') p++;
        const char *end = p;
        while (end > start && (end[-1] == ' ' || end[-1] == '\t')) end--;
        if (end > start) {
            if (b.len) vrv_buf_putc(&b, ',');
            vrv_buf_append(&b, start, (size_t)(end - start));
        }
        if (*p == ',') p++;
    }
    return vrv_buf_detach(&b);
}

static int parse_ms(const char *text, const char *path, int min, int *out, vrv_error *err)
{
    int64_t v;
    if (!vrv_str_to_i64(vrv_str_c(text), &v) || v < min || v > INT32_MAX)
        return vrv_error_set(err, VRV_EINVAL, "%s: must be an integer between %d and %d, got \"%s\"",
                             path, min, INT32_MAX, text);
    *out = (int)v;
    return VRV_OK;
}

/* Handles one user property (key k, text v); path names it. */
static int map_property(kv_list *l, const char *k, const char *v, const char *path,
                        const json_t *props, vrv_kafka_props *out, vrv_error *err)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(forced); i++) {
        if (strcmp(k, forced[i].name) == 0) {
            if (strcmp(v, forced[i].value) != 0 &&
                !(strcmp(k, "auto.offset.reset") == 0 && strcmp(v, "none") == 0))
                kv_warn(l, "%s: ignored; Druid always reads with %s=%s", path, forced[i].name,
                        strcmp(k, "auto.offset.reset") == 0 ? "none" : forced[i].value);
            return VRV_OK;
        }
    }
    if (strcmp(k, "max.poll.records") == 0) return parse_ms(v, path, 1, &out->max_poll_records, err);
    if (strcmp(k, "default.api.timeout.ms") == 0)
        return parse_ms(v, path, 1, &out->request_timeout_ms, err);
    if (strcmp(k, "key.deserializer") == 0 || strcmp(k, "value.deserializer") == 0) {
        if (!ends_with(v, "ByteArrayDeserializer"))
            kv_warn(l, "%s: ignored; records are read as bytes and decoded by the inputFormat", path);
        return VRV_OK;
    }
    if (strcmp(k, "sasl.jaas.config") == 0) return apply_jaas(l, v, path, err);
    if (strcmp(k, "bootstrap.servers") == 0) {
        char *t = trim_brokers(v);
        kv_set(l, k, t);
        free(t);
        return VRV_OK;
    }
    if (strcmp(k, "ssl.endpoint.identification.algorithm") == 0) {
        kv_set(l, k, *v ? v : "none");
        return VRV_OK;
    }
    if (strcmp(k, "ssl.truststore.location") == 0) {
        const json_t *t = json_object_get(props, "ssl.truststore.type");
        const char *type = json_is_string(t) ? json_string_value(t) : "JKS";
        if (strcasecmp(type, "PEM") != 0)
            return vrv_error_set(err, VRV_EUNSUPPORTED,
                                 "%s: a %s truststore cannot be read by varve's Kafka client; give "
                                 "the CA certificates as a PEM file (ssl.truststore.type=PEM)",
                                 path, type);
        kv_set(l, "ssl.ca.location", v);
        return VRV_OK;
    }
    if (strcmp(k, "ssl.keystore.location") == 0) {
        const json_t *t = json_object_get(props, "ssl.keystore.type");
        const char *type = json_is_string(t) ? json_string_value(t)
                           : (ends_with(v, ".p12") || ends_with(v, ".pfx")) ? "PKCS12"
                                                                             : "JKS";
        if (strcasecmp(type, "PEM") == 0) {
            kv_set(l, "ssl.certificate.location", v);
            kv_set(l, "ssl.key.location", v);
        } else if (strcasecmp(type, "PKCS12") == 0) {
            kv_set(l, "ssl.keystore.location", v);
        } else {
            return vrv_error_set(err, VRV_EUNSUPPORTED,
                                 "%s: a %s keystore cannot be read by varve's Kafka client; give a "
                                 "PKCS12 or PEM keystore (ssl.keystore.type)",
                                 path, type);
        }
        return VRV_OK;
    }
    if (strcmp(k, "ssl.truststore.password") == 0) return VRV_OK; /* PEM CA files have none */
    if (is_java_only(k)) {
        kv_warn(l, "%s: ignored; a Java client setting varve's Kafka client (librdkafka) does not "
                   "use",
                path);
        return VRV_OK;
    }
    for (size_t i = 0; i < VRV_ARRAY_LEN(renames); i++) {
        if (strcmp(k, renames[i].java) == 0) {
            kv_set(l, renames[i].rdk, v);
            return VRV_OK;
        }
    }
    kv_set(l, k, v);
    return VRV_OK;
}

/* The name under which the user gave a librdkafka property, for messages. */
static const char *user_name_of(const char *rdk)
{
    for (size_t i = 0; i < VRV_ARRAY_LEN(renames); i++)
        if (strcmp(renames[i].rdk, rdk) == 0) return renames[i].java;
    if (strcmp(rdk, "ssl.ca.location") == 0) return "ssl.truststore.location";
    if (strncmp(rdk, "sasl.username", 13) == 0 || strncmp(rdk, "sasl.password", 13) == 0 ||
        strncmp(rdk, "sasl.kerberos.keytab", 20) == 0 ||
        strncmp(rdk, "sasl.kerberos.principal", 23) == 0 || strncmp(rdk, "sasl.oauthbearer", 16) == 0)
        return "sasl.jaas.config";
    return rdk;
}

static void random_letters(char *out, size_t n)
{
    unsigned char r[32];
    assert(n <= sizeof r);
    if (getrandom(r, n, 0) != (ssize_t)n) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        uint64_t x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid();
        for (size_t i = 0; i < n; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            r[i] = (unsigned char)(x >> 33);
        }
    }
    for (size_t i = 0; i < n; i++) out[i] = (char)('a' + r[i] % 26);
    out[n] = '\0';
}

int vrv_kafka_props_from_json(const json_t *props, const char *path, vrv_kafka_props *out,
                              vrv_error *err)
{
    char p[VRV_JSON_PATH_MAX];
    if (!path) path = "consumerProperties";
    if (!json_is_object(props))
        return vrv_error_set(err, VRV_EINVAL, "%s: must be an object, got %s", path,
                             vrv_json_kind(props));
    *out = (vrv_kafka_props){.request_timeout_ms = KAFKA_DEFAULT_REQUEST_TIMEOUT_MS,
                             .max_poll_records = KAFKA_DEFAULT_MAX_POLL_RECORDS};
    kv_list l = {0};
    char gid[32] = "kafka-supervisor-";
    random_letters(gid + strlen(gid), 8);
    kv_set(&l, "group.id", gid);
    kv_set(&l, "isolation.level", "read_committed");
    kv_set(&l, "fetch.wait.max.ms", "10");
    kv_set(&l, "queued.min.messages", "1000000");
    kv_set(&l, "reconnect.backoff.max.ms", "1000");
    kv_set(&l, "log.connection.close", "false");

    int rc = VRV_OK;
    const char *k;
    json_t *v;
    /* user properties; the dynamic config provider is applied after them */
    json_object_foreach((json_t *)props, k, v)
    {
        vrv_json_path_key(p, path, k);
        if (strcmp(k, "druid.dynamic.config.provider") == 0) continue;
        char *text = NULL;
        if (is_password_key(k) && !json_is_null(v)) {
            if ((rc = password_text(v, p, &text, err))) goto fail;
        } else if (json_is_null(v)) {
            continue;
        } else if (!(text = scalar_text(v))) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s: must be a string, number or boolean, got %s",
                               p, vrv_json_kind(v));
            goto fail;
        }
        rc = map_property(&l, k, text, p, props, out, err);
        free(text);
        if (rc) goto fail;
    }
    const json_t *dyn = json_object_get(props, "druid.dynamic.config.provider");
    if (dyn && !json_is_null(dyn)) {
        char dp[VRV_JSON_PATH_MAX];
        vrv_json_path_key(dp, path, "druid.dynamic.config.provider");
        const char *type;
        const json_t *vars;
        if (!json_is_object(dyn)) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s: must be an object, got %s", dp,
                               vrv_json_kind(dyn));
            goto fail;
        }
        if ((rc = vrv_json_req_string(dyn, "type", dp, true, &type, err))) goto fail;
        if (strcmp(type, "environment") != 0) {
            rc = vrv_error_set(err, VRV_EUNSUPPORTED,
                               "%s.type: dynamic config provider \"%s\" is not supported "
                               "(environment is)",
                               dp, type);
            goto fail;
        }
        if ((rc = vrv_json_get_object(dyn, "variables", dp, false, &vars, err))) goto fail;
        json_object_foreach((json_t *)vars, k, v)
        {
            char vp[VRV_JSON_PATH_MAX];
            vrv_json_path_key(vp, dp, "variables");
            vrv_json_path_key(p, vp, k);
            if (!json_is_string(v)) {
                rc = vrv_error_set(err, VRV_EINVAL, "%s: must be an environment variable name", p);
                goto fail;
            }
            const char *e = getenv(json_string_value(v));
            if (!e) {
                /* Druid's provider leaves a missing variable out. */
                kv_warn(&l, "%s: environment variable %s is not set", p, json_string_value(v));
                continue;
            }
            vrv_json_path_key(p, path, k);
            if ((rc = map_property(&l, k, e, p, props, out, err))) goto fail;
        }
    }
    for (size_t i = 0; i < VRV_ARRAY_LEN(forced); i++) kv_set(&l, forced[i].rdk, forced[i].value);
    if (!kv_get(&l, "bootstrap.servers") || !*kv_get(&l, "bootstrap.servers")) {
        rc = vrv_error_set(err, VRV_EINVAL, "%s: required",
                           vrv_json_path_key(p, path, "bootstrap.servers"));
        goto fail;
    }

    /* Check every value with librdkafka; drop the names it does not know. */
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < l.n;) {
        char es[512];
        const char *name = l.kv[2 * i], *val = l.kv[2 * i + 1];
        rd_kafka_conf_res_t r = rd_kafka_conf_set(conf, name, val, es, sizeof es);
        if (r == RD_KAFKA_CONF_OK) {
            i++;
            continue;
        }
        vrv_json_path_key(p, path, user_name_of(name));
        if (r == RD_KAFKA_CONF_UNKNOWN) {
            kv_warn(&l, "%s: ignored; not a setting of varve's Kafka client (librdkafka)", p);
            kv_del(&l, name);
            continue;
        }
        size_t el = strlen(es);
        while (el && (es[el - 1] == '\n' || es[el - 1] == ' ')) es[--el] = '\0';
        rc = vrv_error_set(err, VRV_EINVAL, "%s: %s", p, es);
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_conf_destroy(conf);
    out->kv = l.kv;
    out->n = l.n;
    out->warnings = l.warn;
    out->n_warnings = l.nwarn;
    return VRV_OK;
fail:
    kv_free(&l);
    return rc;
}

const char *vrv_kafka_props_get(const vrv_kafka_props *props, const char *name)
{
    for (size_t i = 0; i < props->n; i++)
        if (strcmp(props->kv[2 * i], name) == 0) return props->kv[2 * i + 1];
    return NULL;
}

void vrv_kafka_props_free(vrv_kafka_props *props)
{
    kv_list l = {.kv = props->kv, .n = props->n, .warn = props->warnings,
                 .nwarn = props->n_warnings};
    kv_free(&l);
    *props = (vrv_kafka_props){0};
}

/* --------------------------------------------------------------- supplier */

/* kpart.next when the partition has no position yet. */
#define NEXT_NONE INT64_MIN

typedef struct kpart {
    int64_t next;  /* offset to read next, RD_KAFKA_OFFSET_BEGINNING / _END, or NEXT_NONE */
    uint32_t topic; /* index into topics */
} kpart;

typedef struct ktopic {
    char *name;
    rd_kafka_topic_t *rkt; /* for metadata requests and to recognise messages */
    bool warm;             /* its metadata was fetched for the current assignment */
    int32_t *index;        /* partition number -> assignment index, -1 */
    int32_t nindex;
} ktopic;

typedef struct kafka_supplier {
    vrv_supplier base;
    rd_kafka_t *rk;
    rd_kafka_queue_t *queue;
    char *bootstrap;
    int request_timeout_ms;
    size_t max_records;
    vrv_topic_pattern *pattern;
    kpart *parts; /* parallel to base.assigned */
    ktopic *topics;
    size_t ntopics;
    bool dirty; /* the assignment or a position changed: re-assign at the next poll */
    rd_kafka_message_t **msgs;
    size_t msgs_cap;
    /* Errors librdkafka reported through error_cb since the last poll. */
    pthread_mutex_t lock;
    int pending_code;
    char pending_msg[512];
} kafka_supplier;

static void error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque)
{
    kafka_supplier *ks = opaque;
    VRV_DEBUG("kafka", "%s: %s", rd_kafka_err2name(err), reason);
    pthread_mutex_lock(&ks->lock);
    int code = err == RD_KAFKA_RESP_ERR__FATAL ? VRV_EIO : VRV_EAGAIN;
    /* keep the first report of the most severe kind */
    if (ks->pending_code == 0 || (code == VRV_EIO && ks->pending_code != VRV_EIO)) {
        ks->pending_code = code;
        snprintf(ks->pending_msg, sizeof ks->pending_msg, "%s", reason);
    }
    pthread_mutex_unlock(&ks->lock);
}

static void log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf)
{
    vrv_log_level l = level <= LOG_WARNING ? VRV_LOG_WARN
                      : level <= LOG_INFO  ? VRV_LOG_INFO
                                           : VRV_LOG_DEBUG;
    VRV_LOG(l, "kafka", "%s: %s", fac, buf);
}

static int partition_count_error(const char *topic, rd_kafka_resp_err_t e, vrv_error *err)
{
    if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
        return vrv_error_set(err, VRV_ENOTFOUND,
                             "Topic [%s] is not found. Check that the topic exists in Kafka cluster",
                             topic);
    return vrv_error_set(err, VRV_EIO, "Kafka topic %s: %s", topic, rd_kafka_err2str(e));
}

static int request_error(kafka_supplier *ks, rd_kafka_resp_err_t e, const char *what,
                         vrv_error *err)
{
    if (e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE)
        return vrv_error_set(err, VRV_ETIMEOUT,
                             "Kafka brokers %s did not answer %s within %d ms "
                             "(default.api.timeout.ms)",
                             ks->bootstrap, what, ks->request_timeout_ms);
    return vrv_error_set(err, VRV_EIO, "Kafka brokers %s: %s failed: %s", ks->bootstrap, what,
                         rd_kafka_err2str(e));
}

static int cmp_parts(const void *a, const void *b)
{
    return vrv_part_cmp(a, b);
}

static int kafka_partitions(vrv_supplier *s, vrv_part **out, size_t *n, vrv_error *err)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    const struct rd_kafka_metadata *md = NULL;
    rd_kafka_topic_t *rkt = NULL;
    if (!s->multi_topic) rkt = rd_kafka_topic_new(ks->rk, s->stream, NULL);
    rd_kafka_resp_err_t e = rd_kafka_metadata(ks->rk, s->multi_topic, rkt, &md, ks->request_timeout_ms);
    if (rkt) rd_kafka_topic_destroy(rkt);
    if (e) return request_error(ks, e, "a metadata request", err);
    VRV_VEC(vrv_part) v = {0};
    int rc = VRV_OK;
    for (int t = 0; t < md->topic_cnt; t++) {
        const rd_kafka_metadata_topic_t *mt = &md->topics[t];
        if (s->multi_topic) {
            /* internal topics ("__consumer_offsets") are never ingested,
             * as the Java client's exclude.internal.topics does */
            if (strncmp(mt->topic, "__", 2) == 0) continue;
            if (!vrv_topic_pattern_match(ks->pattern, mt->topic, strlen(mt->topic))) continue;
            if (mt->err) continue;
        } else {
            if (strcmp(mt->topic, s->stream) != 0) continue;
            if (mt->err && mt->partition_cnt == 0) {
                rc = partition_count_error(mt->topic, mt->err, err);
                break;
            }
        }
        for (int p = 0; p < mt->partition_cnt; p++) {
            vrv_part part;
            vrv_part_kafka(s->multi_topic ? mt->topic : NULL, mt->partitions[p].id, &part, NULL);
            vrv_vec_push(&v, part);
        }
    }
    rd_kafka_metadata_destroy(md);
    if (rc == VRV_OK && v.n == 0) {
        if (s->multi_topic)
            rc = vrv_error_set(err, VRV_ENOTFOUND,
                               "No partitions found for topics that match given pattern [%s]. "
                               "Check that the pattern regex is correct and matching topics exists",
                               s->stream);
        else
            rc = partition_count_error(s->stream, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART, err);
    }
    if (rc) {
        vrv_vec_free(&v);
        return rc;
    }
    qsort(v.v, v.n, sizeof *v.v, cmp_parts);
    *out = v.v;
    *n = v.n;
    return VRV_OK;
}

static void topics_free(ktopic *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].name);
        free(t[i].index);
        if (t[i].rkt) rd_kafka_topic_destroy(t[i].rkt);
    }
    free(t);
}

static int kafka_assign(vrv_supplier *s, const vrv_part *parts, size_t n, vrv_error *err)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    kpart *np = n ? vrv_calloc(n, sizeof *np) : NULL;
    VRV_VEC(ktopic) nt = {0};
    for (size_t i = 0; i < n; i++) {
        int old = vrv_supplier_assigned_index(s, &parts[i]);
        np[i].next = old >= 0 ? ks->parts[old].next : NEXT_NONE;
        vrv_str topic = vrv_part_topic(&parts[i], s->stream);
        size_t t;
        for (t = 0; t < nt.n; t++)
            if (vrv_str_eq_c(topic, nt.v[t].name)) break;
        if (t == nt.n) {
            ktopic k = {.name = vrv_strndup(topic.p, topic.n)};
            /* keep the handle (and warm metadata) of a topic already read */
            for (size_t o = 0; o < ks->ntopics; o++) {
                if (ks->topics[o].rkt && strcmp(ks->topics[o].name, k.name) == 0) {
                    k.rkt = ks->topics[o].rkt;
                    k.warm = ks->topics[o].warm;
                    ks->topics[o].rkt = NULL;
                }
            }
            if (!k.rkt) k.rkt = rd_kafka_topic_new(ks->rk, k.name, NULL);
            vrv_vec_push(&nt, k);
        }
        np[i].topic = (uint32_t)t;
        ktopic *kt = &nt.v[t];
        int32_t pn = parts[i].partition;
        if (pn >= kt->nindex) {
            int32_t nn = pn + 1;
            kt->index = vrv_realloc(kt->index, (size_t)nn * sizeof *kt->index);
            for (int32_t x = kt->nindex; x < nn; x++) kt->index[x] = -1;
            kt->nindex = nn;
        }
        kt->index[pn] = (int32_t)i;
    }
    topics_free(ks->topics, ks->ntopics);
    free(ks->parts);
    ks->parts = np;
    ks->topics = nt.v;
    ks->ntopics = nt.n;
    ks->dirty = true;
    VRV_UNUSED(err);
    return VRV_OK;
}

static int kafka_seek(vrv_supplier *s, uint32_t idx, const vrv_pos *pos, vrv_error *err)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    if (pos->kind != VRV_POS_OFFSET)
        return vrv_error_set(err, VRV_EINVAL, "partition %s: cannot seek to a marker position",
                             s->assigned[idx].id);
    ks->parts[idx].next = pos->offset;
    ks->dirty = true;
    return VRV_OK;
}

static int kafka_seek_edge(vrv_supplier *s, uint32_t idx, bool latest, vrv_error *err)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    ks->parts[idx].next = latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
    ks->dirty = true;
    VRV_UNUSED(err);
    return VRV_OK;
}

static rd_kafka_topic_partition_list_t *part_list(kafka_supplier *ks, const vrv_part *parts,
                                                  size_t n)
{
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new((int)n);
    char topic[VRV_KAFKA_TOPIC_MAX + 1];
    for (size_t i = 0; i < n; i++) {
        vrv_str t = vrv_part_topic(&parts[i], ks->base.stream);
        size_t tl = VRV_MIN(t.n, sizeof topic - 1);
        memcpy(topic, t.p, tl);
        topic[tl] = '\0';
        rd_kafka_topic_partition_list_add(l, topic, parts[i].partition);
    }
    return l;
}

/* Earliest (-2) or latest (-1) offsets through rd_kafka_offsets_for_times,
 * which honours its timeout (see the top of the file). */
static int query_edges(kafka_supplier *ks, const vrv_part *parts, size_t n, bool latest,
                       int timeout_ms, vrv_pos *out, vrv_error *err)
{
    rd_kafka_topic_partition_list_t *l = part_list(ks, parts, n);
    for (int i = 0; i < l->cnt; i++) l->elems[i].offset = latest ? -1 : -2;
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(ks->rk, l, timeout_ms);
    int rc = VRV_OK;
    /* a missing partition is named in its element, whatever the call returns */
    for (int i = 0; i < l->cnt && rc == VRV_OK; i++) {
        rd_kafka_topic_partition_t *tp = &l->elems[i];
        if (tp->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
            tp->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION ||
            tp->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
            rc = vrv_error_set(err, VRV_ENOTFOUND, "Kafka topic %s has no partition %d", tp->topic,
                               tp->partition);
    }
    if (rc == VRV_OK && e) {
        rc = request_error(ks, e, latest ? "a latest-offset request" : "an earliest-offset request",
                           err);
    } else if (rc == VRV_OK) {
        for (int i = 0; i < l->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &l->elems[i];
            if (tp->err || tp->offset < 0) {
                rc = vrv_error_set(err, VRV_EIO, "Kafka topic %s partition %d: %s offset: %s",
                                   tp->topic, tp->partition, latest ? "latest" : "earliest",
                                   tp->err ? rd_kafka_err2str(tp->err) : "no offset returned");
                break;
            }
            out[i] = vrv_pos_kafka(tp->offset);
        }
    }
    rd_kafka_topic_partition_list_destroy(l);
    return rc;
}

static int kafka_edges(vrv_supplier *s, const vrv_part *parts, size_t n, bool latest, vrv_pos *out,
                       vrv_error *err)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    return query_edges(ks, parts, n, latest, ks->request_timeout_ms, out, err);
}

static int kafka_position(vrv_supplier *s, uint32_t idx, vrv_pos *out, vrv_error *err)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    int64_t next = ks->parts[idx].next;
    if (next == NEXT_NONE)
        return vrv_error_set(err, VRV_EINVAL, "partition %s has no position: seek it first",
                             s->assigned[idx].id);
    if (next >= 0) {
        *out = vrv_pos_kafka(next);
        return VRV_OK;
    }
    return query_edges(ks, &s->assigned[idx], 1, next == RD_KAFKA_OFFSET_END,
                       ks->request_timeout_ms, out, err);
}

/* Re-assigns every partition at its tracked position. */
static int apply_assignment(kafka_supplier *ks, vrv_error *err)
{
    vrv_supplier *s = &ks->base;
    for (size_t i = 0; i < s->n_assigned; i++)
        if (ks->parts[i].next == NEXT_NONE)
            return vrv_error_set(err, VRV_EINVAL,
                                 "partition %s of %s is assigned but has no position: seek it "
                                 "before polling",
                                 s->assigned[i].id, s->stream);
    int prep_timeout = VRV_MIN(ks->request_timeout_ms, KAFKA_PREPARE_TIMEOUT_MS);
    /* Fix "earliest"/"latest" to offsets now, as the Java consumer does at
     * its next poll, so a later re-assignment cannot move them. Best effort:
     * with brokers down librdkafka resolves them itself later. */
    for (int edge = 0; edge < 2; edge++) {
        int64_t want = edge ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING;
        VRV_VEC(vrv_part) q = {0};
        VRV_VEC(size_t) qi = {0};
        for (size_t i = 0; i < s->n_assigned; i++)
            if (ks->parts[i].next == want) {
                vrv_vec_push(&q, s->assigned[i]);
                vrv_vec_push(&qi, i);
            }
        if (q.n) {
            vrv_pos *res = vrv_calloc(q.n, sizeof *res);
            if (query_edges(ks, q.v, q.n, edge == 1, prep_timeout, res, NULL) == VRV_OK)
                for (size_t j = 0; j < q.n; j++) ks->parts[qi.v[j]].next = res[j].offset;
            free(res);
        }
        vrv_vec_free(&q);
        vrv_vec_free(&qi);
    }
    for (size_t t = 0; t < ks->ntopics; t++) {
        if (ks->topics[t].warm) continue;
        const struct rd_kafka_metadata *md;
        if (rd_kafka_metadata(ks->rk, 0, ks->topics[t].rkt, &md, prep_timeout) == 0) {
            ks->topics[t].warm = true;
            rd_kafka_metadata_destroy(md);
        }
    }
    rd_kafka_topic_partition_list_t *l = part_list(ks, s->assigned, s->n_assigned);
    for (int i = 0; i < l->cnt; i++) l->elems[i].offset = ks->parts[i].next;
    rd_kafka_resp_err_t e = rd_kafka_assign(ks->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) return vrv_error_set(err, VRV_EIO, "Kafka assign failed: %s", rd_kafka_err2str(e));
    ks->dirty = false;
    return VRV_OK;
}

/* Assignment index of a message, or -1 (a partition no longer assigned). */
static int msg_index(kafka_supplier *ks, const rd_kafka_message_t *m)
{
    if (!m->rkt) return -1;
    for (size_t t = 0; t < ks->ntopics; t++) {
        ktopic *kt = &ks->topics[t];
        if (kt->rkt != m->rkt && strcmp(kt->name, rd_kafka_topic_name(m->rkt)) != 0) continue;
        if (m->partition < 0 || m->partition >= kt->nindex) return -1;
        return kt->index[m->partition];
    }
    return -1;
}

static int rank_of(int code)
{
    switch (code) {
    case VRV_ERANGE: return 4;
    case VRV_ENOTFOUND: return 3;
    case VRV_EIO: return 2;
    case VRV_EAGAIN: return 1;
    default: return 0;
    }
}

static int kafka_poll(vrv_supplier *s, vrv_batch *b, int timeout_ms, vrv_error *err)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    if (ks->dirty) {
        int rc = apply_assignment(ks, err);
        if (rc) return rc;
    }
    if (ks->msgs_cap < ks->max_records) {
        ks->msgs = vrv_realloc(ks->msgs, ks->max_records * sizeof *ks->msgs);
        ks->msgs_cap = ks->max_records;
    }
    /* Wait for the first record only, then take what is already there:
     * rd_kafka_consume_batch_queue would otherwise wait out the whole timeout
     * to fill the batch, adding up to pollTimeout of latency. */
    ssize_t got = rd_kafka_consume_batch_queue(ks->queue, timeout_ms, ks->msgs, 1);
    if (got == 1 && ks->max_records > 1) {
        ssize_t more = rd_kafka_consume_batch_queue(ks->queue, 0, ks->msgs + 1, ks->max_records - 1);
        if (more > 0) got += more;
    }
    if (got < 0)
        return vrv_error_set(err, VRV_EIO, "Kafka poll failed: %s",
                             rd_kafka_err2str(rd_kafka_last_error()));
    vrv_grow((void **)&b->recs, &b->cap, (size_t)got, sizeof *b->recs);
    int code = VRV_OK;
    char msg[768] = "";
    for (ssize_t i = 0; i < got; i++) {
        rd_kafka_message_t *m = ks->msgs[i];
        int idx = msg_index(ks, m);
        if (m->err) {
            int c;
            char what[600];
            const char *topic = m->rkt ? rd_kafka_topic_name(m->rkt) : "?";
            if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
                rd_kafka_message_destroy(m);
                continue;
            } else if (m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET ||
                       m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE) {
                c = VRV_ERANGE;
                snprintf(what, sizeof what,
                         "Kafka topic %s partition %d: offset %lld is out of range (%s)", topic,
                         m->partition, (long long)m->offset, rd_kafka_message_errstr(m));
                if (idx >= 0 && b->range_part < 0) {
                    b->range_part = idx;
                    int64_t off = m->offset >= 0 ? m->offset : ks->parts[idx].next;
                    b->range_pos = vrv_pos_kafka(off >= 0 ? off : 0);
                }
                /* the partition stopped fetching; retry it at the next poll */
                ks->dirty = true;
            } else if (m->err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                       m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                       m->err == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION) {
                c = VRV_ENOTFOUND;
                snprintf(what, sizeof what, "Kafka topic %s partition %d: %s", topic, m->partition,
                         rd_kafka_message_errstr(m));
            } else {
                char fe[256];
                c = rd_kafka_fatal_error(ks->rk, fe, sizeof fe) ? VRV_EIO : VRV_EAGAIN;
                snprintf(what, sizeof what, "Kafka topic %s partition %d: %s", topic, m->partition,
                         rd_kafka_message_errstr(m));
            }
            if (rank_of(c) > rank_of(code) && (c != VRV_ERANGE || idx >= 0)) {
                code = c;
                snprintf(msg, sizeof msg, "%s", what);
            }
            rd_kafka_message_destroy(m);
            continue;
        }
        if (idx < 0) { /* from a partition no longer assigned */
            rd_kafka_message_destroy(m);
            continue;
        }
        vrv_dassert(ks->parts[idx].next < 0 || m->offset >= ks->parts[idx].next,
                    "Kafka offsets go forward within a partition");
        ks->parts[idx].next = m->offset + 1;
        vrv_record *r = &b->recs[b->n++];
        rd_kafka_timestamp_type_t tt;
        int64_t ts = rd_kafka_message_timestamp(m, &tt);
        *r = (vrv_record){
            .part = (uint32_t)idx,
            .offset = m->offset,
            .value = m->payload,
            .value_len = m->payload ? m->len : 0,
            .key = m->key,
            .key_len = m->key ? m->key_len : 0,
            .timestamp = tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts,
            .handle = m,
        };
    }
    if (b->n) b->owner = s;
    pthread_mutex_lock(&ks->lock);
    int pending = ks->pending_code;
    char pending_msg[sizeof ks->pending_msg];
    memcpy(pending_msg, ks->pending_msg, sizeof pending_msg);
    ks->pending_code = 0;
    ks->pending_msg[0] = '\0';
    pthread_mutex_unlock(&ks->lock);
    if (pending == VRV_EIO || (pending && b->n == 0 && rank_of(pending) > rank_of(code))) {
        code = pending;
        snprintf(msg, sizeof msg, "Kafka brokers %s: %s", ks->bootstrap, pending_msg);
    }
    if (code == VRV_EAGAIN && b->n) code = VRV_OK; /* records flowed: nothing to report */
    if (code) return vrv_error_set(err, code, "%s", msg);
    return VRV_OK;
}

static void kafka_release(vrv_supplier *s, vrv_batch *b)
{
    VRV_UNUSED(s);
    for (size_t i = 0; i < b->n; i++) rd_kafka_message_destroy(b->recs[i].handle);
}

static int kafka_headers(vrv_supplier *s, const vrv_record *r, vrv_batch *b,
                         const vrv_record_header **out, size_t *n)
{
    VRV_UNUSED(s);
    rd_kafka_headers_t *h;
    if (rd_kafka_message_headers(r->handle, &h) != RD_KAFKA_RESP_ERR_NO_ERROR) return VRV_OK;
    size_t cnt = rd_kafka_header_cnt(h);
    vrv_grow((void **)&b->hdrs, &b->hdrs_cap, cnt, sizeof *b->hdrs);
    size_t k = 0;
    for (size_t i = 0; i < cnt; i++) {
        const char *name;
        const void *val;
        size_t sz;
        if (rd_kafka_header_get_all(h, i, &name, &val, &sz)) break;
        b->hdrs[k++] = (vrv_record_header){.name = vrv_str_c(name), .value = val,
                                           .value_len = val ? sz : 0};
    }
    *out = b->hdrs;
    *n = k;
    return VRV_OK;
}

static void kafka_close(vrv_supplier *s)
{
    kafka_supplier *ks = (kafka_supplier *)s;
    topics_free(ks->topics, ks->ntopics);
    rd_kafka_queue_destroy(ks->queue);
    /* Manual assignment and no commits: there is no group to leave, so the
     * consumer-close handshake (which waits on an unreachable coordinator
     * while brokers are down) is skipped. */
    rd_kafka_destroy_flags(ks->rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    vrv_topic_pattern_free(ks->pattern);
    pthread_mutex_destroy(&ks->lock);
    free(ks->parts);
    free(ks->msgs);
    free(ks->bootstrap);
    vrv_supplier_base_free(s);
    free(ks);
}

static const vrv_supplier_ops kafka_ops = {
    .name = "kafka",
    .partitions = kafka_partitions,
    .assign = kafka_assign,
    .seek = kafka_seek,
    .seek_edge = kafka_seek_edge,
    .poll = kafka_poll,
    .release = kafka_release,
    .edges = kafka_edges,
    .position = kafka_position,
    .headers = kafka_headers,
    .close = kafka_close,
};

int vrv_kafka_open(const vrv_kafka_config *cfg, vrv_supplier **out, vrv_error *err)
{
    const char *path = cfg->path ? cfg->path : "consumerProperties";
    bool multi = cfg->topic_pattern != NULL;
    if ((cfg->topic != NULL) == multi)
        return vrv_error_set(err, VRV_EINVAL, "exactly one of topic and topicPattern must be given");
    const char *stream = multi ? cfg->topic_pattern : cfg->topic;
    if (!*stream)
        return vrv_error_set(err, VRV_EINVAL, "%s must not be empty", multi ? "topicPattern" : "topic");
    if (!multi && strlen(stream) > VRV_KAFKA_TOPIC_MAX)
        return vrv_error_set(err, VRV_EINVAL, "topic is longer than %d bytes", VRV_KAFKA_TOPIC_MAX);
    vrv_topic_pattern *re = NULL;
    if (multi && vrv_topic_pattern_new(stream, "topicPattern", &re, err)) return VRV_EINVAL;
    vrv_kafka_props props;
    int rc = vrv_kafka_props_from_json(cfg->consumer_properties, path, &props, err);
    if (rc) {
        vrv_topic_pattern_free(re);
        return rc;
    }
    kafka_supplier *ks = vrv_calloc(1, sizeof *ks);
    vrv_supplier_base_init(&ks->base, &kafka_ops, VRV_STREAM_KAFKA, stream, multi);
    if (cfg->poll_timeout_ms > 0) ks->base.poll_timeout_ms = cfg->poll_timeout_ms;
    ks->pattern = re;
    ks->request_timeout_ms = props.request_timeout_ms;
    ks->max_records = (size_t)props.max_poll_records;
    ks->bootstrap = vrv_strdup(vrv_kafka_props_get(&props, "bootstrap.servers"));
    pthread_mutex_init(&ks->lock, NULL);

    char es[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    for (size_t i = 0; i < props.n; i++) {
        if (rd_kafka_conf_set(conf, props.kv[2 * i], props.kv[2 * i + 1], es, sizeof es) !=
            RD_KAFKA_CONF_OK) {
            rc = vrv_error_set(err, VRV_EINVAL, "%s: %s", path, es);
            rd_kafka_conf_destroy(conf);
            goto fail;
        }
    }
    rd_kafka_conf_set_error_cb(conf, error_cb);
    rd_kafka_conf_set_log_cb(conf, log_cb);
    rd_kafka_conf_set_opaque(conf, ks);
    ks->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, es, sizeof es);
    if (!ks->rk) {
        size_t el = strlen(es);
        while (el && (es[el - 1] == '\n' || es[el - 1] == ' ')) es[--el] = '\0';
        rc = vrv_error_set(err, VRV_EINVAL, "%s: %s", path, es);
        rd_kafka_conf_destroy(conf);
        goto fail;
    }
    rd_kafka_poll_set_consumer(ks->rk);
    ks->queue = rd_kafka_queue_get_consumer(ks->rk);
    vrv_kafka_props_free(&props);
    *out = &ks->base;
    return VRV_OK;
fail:
    vrv_kafka_props_free(&props);
    vrv_topic_pattern_free(ks->pattern);
    pthread_mutex_destroy(&ks->lock);
    free(ks->bootstrap);
    vrv_supplier_base_free(&ks->base);
    free(ks);
    return rc;
}
