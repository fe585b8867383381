/*
 * test_stream_kinesis.c — the Kinesis client and record supplier against
 * kinesalite (tests/tools/kserve.js on a loopback port, checking every
 * request's SigV4 signature with an independent implementation and paging
 * shard listings by 3): endpoint / region / credential resolution, signing,
 * exact reads over two shards, exclusive starts after a sequence number,
 * earliest / latest, split and merge with parents read to EOS, expired
 * iterators, throttling and server errors, availability, KPL aggregates,
 * the kinesis input format over real records, and the errors a wrong
 * endpoint, stream or credentials give.
 */
#include <math.h>
#include <sys/stat.h>

#include "base/buf.h"
#include "base/mem.h"
#include "base/vec.h"
#include "cli/cli.h"
#include "input_test_util.h"
#include "json/jutil.h"
#include "kinesalite_util.h"
#include "stream/kinesis.h"
#include "test.h"

#define AKID    "AKIDVARVETEST"
#define SECRET  "varve/test+Secret0"
#define WAIT_MS 10000

static kl_server server;

static void server_stop(void)
{
    kl_stop(&server);
}

static const kl_server *srv(void)
{
    if (!server.pid) {
        const char *args[] = {
            "--verify", AKID ":" SECRET, "--region", "us-east-1", "--shard-page", "3", NULL};
        if (!kl_start(&server, vrv_test_src_dir(), args)) exit(2);
        atexit(server_stop);
    }
    return &server;
}

static vrv_kinesis_client_config ccfg(void)
{
    vrv_kinesis_client_config c = {0};
    c.endpoint = srv()->url;
    c.region = "us-east-1";
    c.access_key_id = AKID;
    c.secret_access_key = SECRET;
    c.max_retries = 3;
    return c;
}

static vrv_kinesis_client *admin(void)
{
    static vrv_kinesis_client *c;
    if (!c) {
        vrv_kinesis_client_config cfg = ccfg();
        vrv_error err;
        if (vrv_kinesis_client_new(&cfg, &c, &err)) {
            fprintf(stderr, "client: %s\n", err.msg);
            exit(2);
        }
    }
    return c;
}

static vrv_kinesis_config scfg(const char *stream)
{
    vrv_kinesis_config c = {0};
    c.client = ccfg();
    c.stream = stream;
    c.poll_timeout_ms = 100;
    return c;
}

static vrv_supplier *open_supplier(const vrv_kinesis_config *cfg)
{
    vrv_supplier *s = NULL;
    vrv_error err;
    if (vrv_kinesis_open(cfg, &s, &err)) vrv_test_fail(__FILE__, __LINE__, "open: %s", err.msg);
    return s;
}

static void make_stream(const char *name, int shards)
{
    vrv_error err;
    if (vrv_kinesis_create_stream(admin(), name, shards, WAIT_MS, &err))
        vrv_test_fail(__FILE__, __LINE__, "create %s: %s", name, err.msg);
}

/* Puts records "rec-%06d" for i in [first, first + n) with partition key
 * "pk-<i>", 500 per call; out (n slots, may be NULL) says where each went. */
static void put_numbered(const char *stream, int first, int n, vrv_kinesis_put_result *out)
{
    vrv_kinesis_put *p = vrv_calloc((size_t)n, sizeof *p);
    char(*data)[16] = vrv_calloc((size_t)n, sizeof *data);
    char(*pk)[16] = vrv_calloc((size_t)n, sizeof *pk);
    for (int i = 0; i < n; i++) {
        snprintf(data[i], sizeof data[i], "rec-%06d", first + i);
        snprintf(pk[i], sizeof pk[i], "pk-%d", first + i);
        p[i] = (vrv_kinesis_put){data[i], strlen(data[i]), pk[i], NULL};
    }
    vrv_error err;
    if (vrv_kinesis_put_records(admin(), stream, p, (size_t)n, out, 0, &err))
        vrv_test_fail(__FILE__, __LINE__, "put to %s: %s", stream, err.msg);
    free(p);
    free(data);
    free(pk);
}

/* Records read, copied out of the batches. */
typedef struct got {
    char shard[VRV_KINESIS_NAME_MAX + 1];
    char seq[VRV_POS_SEQ_MAX + 1];
    char data[64];
    char pk[64];
    int64_t ts;
    uint32_t flags;
} got;

typedef VRV_VEC(got) gots;

/* Polls s until it has read want data records and want_eos end-of-shard
 * records (or timeout_s passes); returns the last poll's code. */
static int read_until(vrv_supplier *s, gots *out, size_t want, size_t want_eos, double timeout_s,
                      vrv_error *err)
{
    vrv_batch b = {0};
    double end = kl_now() + timeout_s;
    size_t data = 0, eos = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (out->v[i].flags & VRV_REC_END_OF_SHARD)
            eos++;
        else
            data++;
    }
    int rc = 0;
    while ((data < want || eos < want_eos) && kl_now() < end) {
        rc = vrv_supplier_poll(s, &b, 100, err);
        size_t na;
        const vrv_part *as = vrv_supplier_assignment(s, &na);
        for (size_t i = 0; i < b.n; i++) {
            const vrv_record *r = &b.recs[i];
            got g = {0};
            snprintf(g.shard, sizeof g.shard, "%s", as[r->part].id);
            snprintf(g.seq, sizeof g.seq, "%.*s", (int)r->seq.n, r->seq.p);
            if (r->value) snprintf(g.data, sizeof g.data, "%.*s", (int)r->value_len, r->value);
            snprintf(g.pk, sizeof g.pk, "%.*s", (int)r->partition_key.n, r->partition_key.p);
            g.ts = r->timestamp;
            g.flags = r->flags;
            vrv_vec_push(out, g);
            if (r->flags & VRV_REC_END_OF_SHARD)
                eos++;
            else
                data++;
        }
        vrv_supplier_release(s, &b);
        if (rc && rc != VRV_EAGAIN) break;
    }
    vrv_batch_free(&b);
    return rc;
}

static vrv_part shard_part(const char *id)
{
    vrv_part p;
    vrv_part_kinesis(id, &p, NULL);
    return p;
}

static void assign_all(vrv_supplier *s, const char *const *ids, size_t n, bool latest)
{
    vrv_part parts[16] = {0};
    vrv_error err;
    for (size_t i = 0; i < n; i++) parts[i] = shard_part(ids[i]);
    CHECK_INT(vrv_supplier_assign(s, parts, n, &err), 0);
    for (size_t i = 0; i < n; i++) {
        int rc = latest ? vrv_supplier_seek_latest(s, &parts[i], &err)
                        : vrv_supplier_seek_earliest(s, &parts[i], &err);
        CHECK_INT(rc, 0);
    }
}

static vrv_pos seq_pos(const char *seq, bool exclusive)
{
    vrv_pos p;
    vrv_pos_parse(VRV_STREAM_KINESIS, seq, strlen(seq), NULL, &p, NULL);
    p.exclusive = exclusive;
    return p;
}

static const char *const TWO[] = {"shardId-000000000000", "shardId-000000000001"};

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void clear_aws_env(void)
{
    const char *vars[] = {
        "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY",       "AWS_SECRET_KEY",
        "AWS_SESSION_TOKEN", "AWS_PROFILE",    "AWS_SHARED_CREDENTIALS_FILE", "AWS_REGION",
        "AWS_DEFAULT_REGION"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(vars); i++) unsetenv(vars[i]);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        vrv_test_fail(__FILE__, __LINE__, "cannot write %s", path);
        return;
    }
    fputs(text, f);
    fclose(f);
}

/* ------------------------------------------------------------------ tests */

TEST(endpoint_and_region)
{
    clear_aws_env();
    static const struct {
        const char *endpoint, *region, *url, *want_region;
    } cases[] = {
        {NULL, "eu-west-1", "https://kinesis.eu-west-1.amazonaws.com/", "eu-west-1"},
        {NULL, "cn-north-1", "https://kinesis.cn-north-1.amazonaws.com.cn/", "cn-north-1"},
        {NULL, NULL, "https://kinesis.us-east-1.amazonaws.com/", "us-east-1"},
        {"kinesis.ap-south-1.amazonaws.com", NULL, "https://kinesis.ap-south-1.amazonaws.com/",
         "ap-south-1"},
        {"kinesis-fips.us-gov-west-1.amazonaws.com:443", NULL,
         "https://kinesis-fips.us-gov-west-1.amazonaws.com:443/", "us-gov-west-1"},
        {"https://vpce-0abc-xyz.kinesis.eu-central-1.vpce.amazonaws.com", NULL,
         "https://vpce-0abc-xyz.kinesis.eu-central-1.vpce.amazonaws.com/", "eu-central-1"},
        {"http://127.0.0.1:4567", NULL, "http://127.0.0.1:4567/", "us-east-1"},
        {"HTTP://localhost:4567/kinesis/", "sa-east-1", "HTTP://localhost:4567/kinesis/",
         "sa-east-1"},
        /* a region given wins over the host's */
        {"kinesis.eu-west-2.amazonaws.com", "eu-west-3", "https://kinesis.eu-west-2.amazonaws.com/",
         "eu-west-3"},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        vrv_kinesis_client_config cfg = {.endpoint = cases[i].endpoint,
                                         .region = cases[i].region,
                                         .access_key_id = "k",
                                         .secret_access_key = "s"};
        vrv_kinesis_client *c;
        vrv_error err;
        int rc = vrv_kinesis_client_new(&cfg, &c, &err);
        CHECK_INT(rc, 0);
        if (rc) continue;
        CHECK_STR(vrv_kinesis_client_url(c), cases[i].url);
        CHECK_STR(vrv_kinesis_client_region(c), cases[i].want_region);
        vrv_kinesis_client_free(c);
    }
    /* the environment's region, for an endpoint that names none */
    setenv("AWS_DEFAULT_REGION", "ap-northeast-2", 1);
    vrv_kinesis_client_config cfg = {
        .endpoint = "http://127.0.0.1:4567", .access_key_id = "k", .secret_access_key = "s"};
    vrv_kinesis_client *c;
    vrv_error err;
    CHECK_INT(vrv_kinesis_client_new(&cfg, &c, &err), 0);
    CHECK_STR(vrv_kinesis_client_region(c), "ap-northeast-2");
    vrv_kinesis_client_free(c);
    setenv("AWS_REGION", "us-west-2", 1);
    CHECK_INT(vrv_kinesis_client_new(&cfg, &c, &err), 0);
    CHECK_STR(vrv_kinesis_client_region(c), "us-west-2");
    vrv_kinesis_client_free(c);
    clear_aws_env();

    static const struct {
        const char *endpoint, *region, *msg;
    } bad[] = {
        {"ftp://kinesis.example.com", NULL,
         "endpoint: 'ftp://kinesis.example.com': the scheme must be http or https"},
        {"http://", NULL, "endpoint: 'http://' has no host"},
        {"kinesis.example.com/x", NULL,
         "endpoint: 'kinesis.example.com/x' is neither a URL (http://... or https://...) nor a "
         "host name"},
        {"kinesis example", NULL,
         "endpoint: 'kinesis example' contains a space or a control character"},
        {NULL, "EU_WEST_1",
         "region: 'EU_WEST_1' is not a region name (lower-case letters, digits, '-')"},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(bad); i++) {
        vrv_kinesis_client_config b = {.endpoint = bad[i].endpoint,
                                       .region = bad[i].region,
                                       .access_key_id = "k",
                                       .secret_access_key = "s"};
        CHECK_INT(vrv_kinesis_client_new(&b, &c, &err), VRV_EINVAL);
        CHECK_STR(err.msg, bad[i].msg);
    }
}

TEST(credential_sources)
{
    clear_aws_env();
    char home[512], dir[600], path[700], other[700], session[700];
    snprintf(home, sizeof home, "%s/home", vrv_test_tmpdir());
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    vrv_kinesis_client_config cfg = {0};
    vrv_kinesis_credentials cr;
    vrv_error err;
    char want[1200];

    snprintf(want, sizeof want,
             "no AWS credentials found: give accessKey and secretKey in the configuration, set "
             "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or add a [default] "
             "profile to %s/.aws/credentials",
             home);
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), VRV_EINVAL);
    CHECK_STR(err.msg, want);

    /* the shared credentials file, default and named profiles */
    snprintf(dir, sizeof dir, "%s/.aws", home);
    mkdir(dir, 0700);
    snprintf(path, sizeof path, "%s/credentials", dir);
    write_file(path, "# comment\n[default]\naws_access_key_id = AKIDFILE\n"
                     "aws_secret_access_key=secret/file\n\n[profile dev]\n"
                     "aws_access_key_id=AKIDDEV\naws_secret_access_key = sdev\n"
                     "aws_session_token = tokdev\n[half]\naws_access_key_id=only\n");
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), 0);
    CHECK_STR(cr.access_key_id, "AKIDFILE");
    CHECK_STR(cr.secret_access_key, "secret/file");
    CHECK_STR(cr.session_token, "");
    snprintf(want, sizeof want, "profile default of %s", path);
    CHECK_STR(cr.source, want);
    setenv("AWS_PROFILE", "dev", 1);
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), 0);
    CHECK_STR(cr.access_key_id, "AKIDDEV");
    CHECK_STR(cr.session_token, "tokdev");
    setenv("AWS_PROFILE", "half", 1);
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), VRV_EINVAL);
    snprintf(want, sizeof want,
             "credentials file %s: profile half needs aws_access_key_id and aws_secret_access_key",
             path);
    CHECK_STR(err.msg, want);
    unsetenv("AWS_PROFILE");
    snprintf(other, sizeof other, "%s/other-credentials", home);
    write_file(other, "[default]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=o\n");
    setenv("AWS_SHARED_CREDENTIALS_FILE", other, 1);
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), 0);
    CHECK_STR(cr.access_key_id, "AKIDOTHER");

    /* the environment beats the file */
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    setenv("AWS_SECRET_ACCESS_KEY", "senv", 1);
    setenv("AWS_SESSION_TOKEN", "tokenv", 1);
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), 0);
    CHECK_STR(cr.access_key_id, "AKIDENV");
    CHECK_STR(cr.session_token, "tokenv");
    CHECK_STR(cr.source, "environment");

    /* Druid's fileSessionCredentials beats the environment */
    snprintf(session, sizeof session, "%s/session.properties", home);
    write_file(session, "sessionToken=toksession\naccessKey = AKIDSESSION\nsecretKey=ss\n");
    cfg.session_credentials_file = session;
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), 0);
    CHECK_STR(cr.access_key_id, "AKIDSESSION");
    CHECK_STR(cr.session_token, "toksession");
    snprintf(want, sizeof want, "sessionCredentials file %s", session);
    CHECK_STR(cr.source, want);
    write_file(session, "accessKey=AKIDSESSION\nsecretKey=ss\n");
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), VRV_EINVAL);
    snprintf(want, sizeof want,
             "sessionCredentials file %s: needs accessKey, secretKey and sessionToken", session);
    CHECK_STR(err.msg, want);

    /* the configuration beats everything */
    cfg.access_key_id = "AKIDCONF";
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "accessKey: given without secretKey");
    cfg.secret_access_key = "sconf";
    CHECK_INT(vrv_kinesis_credentials_resolve(&cfg, &cr, &err), 0);
    CHECK_STR(cr.access_key_id, "AKIDCONF");
    CHECK_STR(cr.session_token, "");
    CHECK_STR(cr.source, "configuration");
    clear_aws_env();
}

/* kserve.js recomputes every signature: a call that passes was signed
 * right; each wrong part is refused as AWS refuses it. */
TEST(signatures_are_checked)
{
    clear_aws_env();
    make_stream("signed", 1);
    static const struct {
        const char *key, *secret, *token, *region;
        int code;
        const char *msg; /* the end of the message */
    } cases[] = {
        {AKID, SECRET, NULL, "us-east-1", 0, NULL},
        {AKID, SECRET, "a-session-token/with+chars=", "us-east-1", 0, NULL},
        {AKID, "wrong", NULL, "us-east-1", VRV_EIO,
         "InvalidSignatureException: The request signature we calculated does not match the "
         "signature you provided. Check your AWS Secret Access Key and signing method. Consult "
         "the service documentation for details. (credentials from configuration, region "
         "us-east-1)"},
        {"AKIDUNKNOWN", SECRET, NULL, "us-east-1", VRV_EIO,
         "UnrecognizedClientException: The security token included in the request is invalid. "
         "(credentials from configuration, region us-east-1)"},
        {AKID, SECRET, NULL, "eu-west-1", VRV_EIO,
         "InvalidSignatureException: Credential should be scoped to a valid region, not "
         "'eu-west-1'.  (credentials from configuration, region eu-west-1)"},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        vrv_kinesis_client_config cfg = ccfg();
        cfg.access_key_id = cases[i].key;
        cfg.secret_access_key = cases[i].secret;
        cfg.session_token = cases[i].token;
        cfg.region = cases[i].region;
        vrv_kinesis_client *c;
        vrv_error err;
        CHECK_INT(vrv_kinesis_client_new(&cfg, &c, &err), 0);
        vrv_kinesis_shard *sh = NULL;
        size_t n = 0;
        int rc = vrv_kinesis_list_shards(c, "signed", true, &sh, &n, &err);
        CHECK_INT(rc, cases[i].code);
        if (rc == 0) CHECK_INT(n, 1);
        if (cases[i].msg) {
            char want[1024];
            snprintf(want, sizeof want, "Kinesis ListShards at %s/: %s", srv()->url, cases[i].msg);
            CHECK_STR(err.msg, want);
        }
        free(sh);
        vrv_kinesis_client_free(c);
    }
    /* credentials from the environment sign the same way */
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    vrv_kinesis_client_config cfg = {.endpoint = srv()->url};
    vrv_kinesis_client *c;
    vrv_error err;
    CHECK_INT(vrv_kinesis_client_new(&cfg, &c, &err), 0);
    CHECK_STR(vrv_kinesis_client_credentials_source(c), "environment");
    char st[32];
    CHECK_INT(vrv_kinesis_stream_status(c, "signed", st, sizeof st, &err), 0);
    CHECK_STR(st, "ACTIVE");
    /* refused credentials are looked up again: a rotated key is picked up */
    setenv("AWS_ACCESS_KEY_ID", "AKIDROTATED", 1);
    vrv_kinesis_client_free(c);
    CHECK_INT(vrv_kinesis_client_new(&cfg, &c, &err), 0);
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    CHECK_INT(vrv_kinesis_stream_status(c, "signed", st, sizeof st, &err), 0);
    vrv_kinesis_client_free(c);
    clear_aws_env();
}

TEST(errors_are_clear)
{
    /* a port nobody listens on */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &al);
    close(fd);
    char dead[64];
    snprintf(dead, sizeof dead, "http://127.0.0.1:%d", ntohs(a.sin_port));

    vrv_kinesis_config cfg = scfg("nowhere");
    cfg.client.endpoint = dead;
    cfg.client.max_retries = -1;
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part *parts;
    size_t n;
    vrv_error err;
    CHECK_INT(vrv_supplier_partitions(s, &parts, &n, &err), VRV_EIO);
    char want[512];
    snprintf(want, sizeof want, "Kinesis DescribeStream at %s/: Couldn't connect to server", dead);
    CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    vrv_part p = shard_part(TWO[0]);
    CHECK_INT(vrv_supplier_assign(s, &p, 1, &err), 0);
    /* polling before a seek */
    vrv_batch b = {0};
    CHECK_INT(vrv_supplier_poll(s, &b, 10, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "shard shardId-000000000000 of nowhere is assigned but has no position: "
                       "seek it before polling");
    vrv_pos notset = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_NOT_SET);
    CHECK_INT(vrv_supplier_seek(s, &p, &notset, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "shard shardId-000000000000 of nowhere: cannot seek to -1");
    CHECK_INT(vrv_supplier_seek_earliest(s, &p, &err), 0);
    /* the network failure is transient: poll says so and keeps trying */
    snprintf(want, sizeof want, "Kinesis GetShardIterator at %s/: Couldn't connect to server",
             dead);
    CHECK_INT(vrv_supplier_poll(s, &b, 50, &err), VRV_EAGAIN);
    CHECK(strncmp(err.msg, want, strlen(want)) == 0);
    CHECK_INT(b.n, 0);
    vrv_pos pos;
    CHECK_INT(vrv_supplier_earliest(s, &p, 1, &pos, &err), VRV_EIO);
    vrv_supplier_close(s);

    /* an unknown stream */
    cfg = scfg("no-such-stream");
    s = open_supplier(&cfg);
    CHECK_INT(vrv_supplier_partitions(s, &parts, &n, &err), VRV_ENOTFOUND);
    snprintf(
        want, sizeof want,
        "Kinesis DescribeStream at %s/: ResourceNotFoundException: Stream no-such-stream under "
        "account 000000000000 not found.",
        srv()->url);
    CHECK_STR(err.msg, want);
    CHECK_INT(vrv_supplier_assign(s, &p, 1, &err), 0);
    CHECK_INT(vrv_supplier_seek_earliest(s, &p, &err), 0);
    CHECK_INT(vrv_supplier_poll(s, &b, 1000, &err), VRV_ENOTFOUND);
    snprintf(want, sizeof want,
             "Kinesis GetShardIterator at %s/: ResourceNotFoundException: Shard "
             "shardId-000000000000 in stream no-such-stream under account 000000000000 does not "
             "exist",
             srv()->url);
    CHECK_STR(err.msg, want);
    vrv_batch_free(&b);
    vrv_supplier_close(s);

    /* bad configuration */
    cfg = scfg("");
    CHECK_INT(vrv_kinesis_open(&cfg, &s, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "stream: required");
    cfg = scfg("x");
    cfg.records_per_fetch = 10001;
    CHECK_INT(vrv_kinesis_open(&cfg, &s, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "recordsPerFetch: must be 1 to 10000, got 10001");
}

/* Every record put is read once, in order within its shard, with its
 * partition key, sequence number and arrival time. */
TEST(read_two_shards_exactly)
{
    const int N = 3000;
    make_stream("exact", 2);
    vrv_kinesis_put_result *put = vrv_calloc((size_t)N, sizeof *put);
    int64_t t0 = wall_ms();
    put_numbered("exact", 0, N, put);
    int64_t t1 = wall_ms();
    vrv_kinesis_config cfg = scfg("exact");
    cfg.records_per_fetch = 700;   /* several pages per shard */
    cfg.max_bytes_per_poll = 2000; /* several polls per page */
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part *parts;
    size_t np;
    vrv_error err;
    CHECK_INT(vrv_supplier_partitions(s, &parts, &np, &err), 0);
    CHECK_INT(np, 2);
    CHECK_STR(parts[0].id, TWO[0]);
    CHECK_STR(parts[1].id, TWO[1]);
    free(parts);
    assign_all(s, TWO, 2, false);
    gots g = {0};
    CHECK_INT(read_until(s, &g, (size_t)N, 0, 20, &err), 0);
    CHECK_INT(g.n, N);
    char *seen = vrv_calloc((size_t)N, 1);
    int last[2] = {-1, -1};
    char last_seq[2][VRV_POS_SEQ_MAX + 1] = {"", ""};
    size_t per_shard[2] = {0, 0};
    for (size_t i = 0; i < g.n; i++) {
        int k = -1;
        if (sscanf(g.v[i].data, "rec-%d", &k) != 1 || k < 0 || k >= N) {
            vrv_test_fail(__FILE__, __LINE__, "unexpected record %s", g.v[i].data);
            continue;
        }
        if (seen[k]) vrv_test_fail(__FILE__, __LINE__, "record %d read twice", k);
        seen[k] = 1;
        int sh = strcmp(g.v[i].shard, TWO[0]) == 0 ? 0 : 1;
        per_shard[sh]++;
        CHECK_STR(g.v[i].shard, put[k].shard);
        CHECK_STR(g.v[i].seq, put[k].seq);
        char pk[16];
        snprintf(pk, sizeof pk, "pk-%d", k);
        CHECK_STR(g.v[i].pk, pk);
        CHECK(g.v[i].ts >= t0 - 2000 && g.v[i].ts <= t1 + 2000);
        CHECK_INT(g.v[i].flags, 0);
        if (k <= last[sh]) vrv_test_fail(__FILE__, __LINE__, "record %d after %d", k, last[sh]);
        vrv_pos a = seq_pos(g.v[i].seq, false);
        if (last_seq[sh][0]) {
            vrv_pos prev = seq_pos(last_seq[sh], false);
            CHECK(vrv_pos_cmp(&prev, &a) < 0);
        }
        snprintf(last_seq[sh], sizeof last_seq[sh], "%s", g.v[i].seq);
        last[sh] = k;
    }
    CHECK(per_shard[0] > 0 && per_shard[1] > 0);
    /* where each shard stands: after its last record */
    for (int sh = 0; sh < 2; sh++) {
        vrv_part p = shard_part(TWO[sh]);
        vrv_pos pos;
        CHECK_INT(vrv_supplier_position(s, &p, &pos, &err), 0);
        CHECK_INT(pos.kind, VRV_POS_SEQ);
        CHECK(pos.exclusive);
        CHECK_STR(pos.seq, last_seq[sh]);
    }
    /* nothing more */
    size_t before = g.n;
    read_until(s, &g, (size_t)N + 1, 0, 0.3, &err);
    CHECK_INT(g.n, before);
    vrv_vec_free(&g);
    free(seen);
    free(put);
    vrv_supplier_close(s);
}

/* A start after a checkpoint is exclusive: the record at the stored sequence
 * number was read already and must not come back (Druid issue 7286). */
TEST(exclusive_start_after_sequence_number)
{
    const int N = 200;
    make_stream("excl", 1);
    vrv_kinesis_put_result put[200];
    put_numbered("excl", 0, N, put);
    vrv_kinesis_config cfg = scfg("excl");
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part p = shard_part(TWO[0]);
    vrv_error err;
    CHECK_INT(vrv_supplier_assign(s, &p, 1, &err), 0);

    vrv_pos after = seq_pos(put[57].seq, true);
    CHECK_INT(vrv_supplier_seek(s, &p, &after, &err), 0);
    vrv_pos pos;
    CHECK_INT(vrv_supplier_position(s, &p, &pos, &err), 0);
    CHECK(pos.exclusive);
    CHECK_STR(pos.seq, put[57].seq);
    gots g = {0};
    CHECK_INT(read_until(s, &g, (size_t)(N - 58), 0, 10, &err), 0);
    CHECK_INT(g.n, N - 58);
    CHECK_STR(g.v[0].data, "rec-000058");
    CHECK_STR(g.v[g.n - 1].data, "rec-000199");

    /* inclusive: AT the sequence number */
    vrv_pos at = seq_pos(put[57].seq, false);
    CHECK_INT(vrv_supplier_seek(s, &p, &at, &err), 0);
    g.n = 0;
    CHECK_INT(read_until(s, &g, 1, 0, 10, &err), 0);
    CHECK_STR(g.v[0].data, "rec-000057");

    /* read part, stop, restart from the saved position: the rest exactly */
    CHECK_INT(vrv_supplier_seek_earliest(s, &p, &err), 0);
    g.n = 0;
    cfg.max_bytes_per_poll = 100;
    vrv_supplier *s2 = open_supplier(&cfg);
    CHECK_INT(vrv_supplier_assign(s2, &p, 1, &err), 0);
    CHECK_INT(vrv_supplier_seek_earliest(s2, &p, &err), 0);
    CHECK_INT(read_until(s2, &g, 73, 0, 10, &err), 0);
    size_t first = g.n;
    CHECK_INT(vrv_supplier_position(s2, &p, &pos, &err), 0);
    CHECK_INT(pos.kind, VRV_POS_SEQ);
    CHECK(pos.exclusive);
    CHECK_STR(pos.seq, g.v[first - 1].seq);
    vrv_supplier_close(s2);
    /* the stream task's way: the start after the last record read */
    vrv_pos last = seq_pos(g.v[first - 1].seq, false);
    vrv_pos next = vrv_pos_after(&last);
    CHECK_INT(vrv_supplier_seek(s, &p, &next, &err), 0);
    CHECK_INT(read_until(s, &g, (size_t)N, 0, 10, &err), 0);
    CHECK_INT(g.n, N);
    for (int i = 0; i < N && i < (int)g.n; i++) {
        char want[16];
        snprintf(want, sizeof want, "rec-%06d", i);
        CHECK_STR(g.v[i].data, want);
    }
    vrv_vec_free(&g);
    vrv_supplier_close(s);
}

TEST(earliest_latest_and_availability)
{
    make_stream("edges", 2);
    vrv_kinesis_config cfg = scfg("edges");
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part p[2] = {shard_part(TWO[0]), shard_part(TWO[1])};
    vrv_pos pos[2];
    vrv_error err;
    /* an empty stream */
    CHECK_INT(vrv_supplier_earliest(s, p, 2, pos, &err), 0);
    CHECK_INT(pos[0].kind, VRV_POS_UNREAD_TRIM_HORIZON);
    CHECK_INT(pos[1].kind, VRV_POS_UNREAD_TRIM_HORIZON);
    CHECK_INT(vrv_supplier_latest(s, p, 2, pos, &err), 0);
    CHECK_INT(pos[0].kind, VRV_POS_UNREAD_LATEST);

    vrv_kinesis_put_result put[100];
    put_numbered("edges", 0, 100, put);
    const char *first[2] = {NULL, NULL};
    for (int i = 0; i < 100; i++) {
        int sh = strcmp(put[i].shard, TWO[0]) == 0 ? 0 : 1;
        if (!first[sh]) first[sh] = put[i].seq;
    }
    CHECK(first[0] && first[1]);
    CHECK_INT(vrv_supplier_earliest(s, p, 2, pos, &err), 0);
    for (int sh = 0; sh < 2; sh++) {
        CHECK_INT(pos[sh].kind, VRV_POS_SEQ);
        CHECK(!pos[sh].exclusive);
        if (first[sh]) CHECK_STR(pos[sh].seq, first[sh]);
    }
    /* Kinesis names no newest sequence number: latest stays unread */
    CHECK_INT(vrv_supplier_latest(s, p, 2, pos, &err), 0);
    CHECK_INT(pos[0].kind, VRV_POS_UNREAD_LATEST);
    CHECK_INT(pos[1].kind, VRV_POS_UNREAD_LATEST);

    /* from LATEST: only what comes after */
    assign_all(s, TWO, 2, true);
    vrv_pos where;
    CHECK_INT(vrv_supplier_position(s, &p[0], &where, &err), 0);
    CHECK_INT(where.kind, VRV_POS_UNREAD_LATEST);
    gots g = {0};
    read_until(s, &g, 1, 0, 0.4, &err); /* the iterators are taken now */
    CHECK_INT(g.n, 0);
    put_numbered("edges", 100, 50, NULL);
    CHECK_INT(read_until(s, &g, 50, 0, 10, &err), 0);
    CHECK_INT(g.n, 50);
    for (size_t i = 0; i < g.n; i++) {
        int k;
        CHECK(sscanf(g.v[i].data, "rec-%d", &k) == 1 && k >= 100);
    }
    vrv_vec_free(&g);

    /* availability (Druid's isOffsetAvailable) */
    bool av;
    vrv_pos x = seq_pos(put[10].seq, true);
    vrv_part own = shard_part(put[10].shard);
    CHECK_INT(vrv_supplier_available(s, &own, &x, &av, &err), 0);
    CHECK(av);
    vrv_part other = shard_part(strcmp(put[10].shard, TWO[0]) == 0 ? TWO[1] : TWO[0]);
    CHECK_INT(vrv_supplier_available(s, &other, &x, &av, &err), 0);
    CHECK(!av); /* a sequence number of another shard */
    vrv_pos m = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_UNREAD_TRIM_HORIZON);
    CHECK_INT(vrv_supplier_available(s, &own, &m, &av, &err), 0);
    CHECK(av);
    m = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
    CHECK_INT(vrv_supplier_available(s, &own, &m, &av, &err), 0);
    CHECK(!av);

    /* lag in time (kinesalite reports every read as caught up) */
    int64_t lag = -1;
    CHECK_INT(vrv_kinesis_time_lag(s, &own, &x, false, &lag, &err), 0);
    CHECK_INT(lag, 0);
    m = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_NOT_SET);
    CHECK_INT(vrv_kinesis_time_lag(s, &own, &m, true, &lag, &err), 0);
    CHECK_INT(lag, 0);
    vrv_supplier_close(s);
}

static bool has_shard(const vrv_kinesis_shard *sh, size_t n, const char *id, const char *parent,
                      const char *adjacent, bool closed)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(sh[i].id, id) == 0)
            return strcmp(sh[i].parent, parent) == 0 &&
                   strcmp(sh[i].adjacent_parent, adjacent) == 0 &&
                   vrv_kinesis_shard_closed(&sh[i]) == closed;
    return false;
}

/* 2 shards, split one, merge its children: every record read once, each
 * closed shard read to its end and reported EOS once, after its records. */
TEST(split_and_merge_read_to_end_of_shard)
{
    make_stream("reshard", 2);
    put_numbered("reshard", 0, 400, NULL);
    vrv_error err;
    CHECK_INT(vrv_kinesis_split_shard(admin(), "reshard", TWO[0], NULL, WAIT_MS, &err), 0);
    put_numbered("reshard", 400, 400, NULL);
    CHECK_INT(vrv_kinesis_merge_shards(admin(), "reshard", "shardId-000000000002",
                                       "shardId-000000000003", WAIT_MS, &err),
              0);
    put_numbered("reshard", 800, 400, NULL);

    /* both listings, paged 3 shards at a time by the server */
    for (int use_list = 0; use_list < 2; use_list++) {
        vrv_kinesis_shard *sh;
        size_t n;
        CHECK_INT(vrv_kinesis_list_shards(admin(), "reshard", use_list, &sh, &n, &err), 0);
        CHECK_INT(n, 5);
        CHECK(has_shard(sh, n, "shardId-000000000000", "", "", true));
        CHECK(has_shard(sh, n, "shardId-000000000001", "", "", false));
        CHECK(has_shard(sh, n, "shardId-000000000002", "shardId-000000000000", "", true));
        CHECK(has_shard(sh, n, "shardId-000000000003", "shardId-000000000000", "", true));
        CHECK(has_shard(sh, n, "shardId-000000000004", "shardId-000000000002",
                        "shardId-000000000003", false));
        free(sh);
    }

    vrv_kinesis_config cfg = scfg("reshard");
    cfg.use_list_shards = true;
    cfg.records_per_fetch = 150;
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part *parts;
    size_t np;
    CHECK_INT(vrv_supplier_partitions(s, &parts, &np, &err), 0);
    CHECK_INT(np, 5);
    const char *ids[5];
    for (size_t i = 0; i < np && i < 5; i++) ids[i] = parts[i].id;
    assign_all(s, ids, np, false);
    gots g = {0};
    CHECK_INT(read_until(s, &g, 1200, 3, 20, &err), 0);
    char *seen = vrv_calloc(1200, 1);
    size_t data = 0;
    bool eos_seen[5] = {0};
    for (size_t i = 0; i < g.n; i++) {
        int sh = g.v[i].shard[strlen(g.v[i].shard) - 1] - '0';
        if (g.v[i].flags & VRV_REC_END_OF_SHARD) {
            if (eos_seen[sh]) vrv_test_fail(__FILE__, __LINE__, "shard %d: EOS twice", sh);
            eos_seen[sh] = true;
            CHECK_STR(g.v[i].seq, "");
            continue;
        }
        if (eos_seen[sh]) vrv_test_fail(__FILE__, __LINE__, "shard %d: a record after EOS", sh);
        int k;
        if (sscanf(g.v[i].data, "rec-%d", &k) != 1 || k < 0 || k >= 1200 || seen[k])
            vrv_test_fail(__FILE__, __LINE__, "record %s unexpected or read twice", g.v[i].data);
        else
            seen[k] = 1;
        data++;
    }
    CHECK_INT(data, 1200);
    CHECK(eos_seen[0] && eos_seen[2] && eos_seen[3]);
    CHECK(!eos_seen[1] && !eos_seen[4]);
    /* closed shards now stand at EOS, open ones after their last record */
    vrv_pos pos;
    CHECK_INT(vrv_supplier_position(s, &parts[0], &pos, &err), 0);
    CHECK_INT(pos.kind, VRV_POS_EOS);
    CHECK_INT(vrv_supplier_position(s, &parts[1], &pos, &err), 0);
    CHECK_INT(pos.kind, VRV_POS_SEQ);
    /* nothing more, not even another EOS */
    size_t before = g.n;
    read_until(s, &g, 1201, 4, 0.5, &err);
    CHECK_INT(g.n, before);

    /* a closed shard started after its last record gives EOS alone */
    const char *last0 = NULL;
    for (size_t i = 0; i < g.n; i++)
        if (strcmp(g.v[i].shard, "shardId-000000000000") == 0 && !g.v[i].flags) last0 = g.v[i].seq;
    CHECK(last0 != NULL);
    vrv_pos after = seq_pos(last0 ? last0 : "1", true);
    CHECK_INT(vrv_supplier_assign(s, &parts[0], 1, &err), 0);
    CHECK_INT(vrv_supplier_seek(s, &parts[0], &after, &err), 0);
    gots g2 = {0};
    CHECK_INT(read_until(s, &g2, 0, 1, 10, &err), 0);
    CHECK_INT(g2.n, 1);
    if (g2.n) CHECK_INT(g2.v[0].flags, VRV_REC_END_OF_SHARD);
    /* a closed shard's earliest is its first record; EOS when seeked there */
    CHECK_INT(vrv_supplier_earliest(s, &parts[0], 1, &pos, &err), 0);
    CHECK_INT(pos.kind, VRV_POS_SEQ);
    vrv_pos eos = vrv_pos_marker(VRV_STREAM_KINESIS, VRV_POS_EOS);
    CHECK_INT(vrv_supplier_seek(s, &parts[0], &eos, &err), 0);
    CHECK_INT(vrv_supplier_position(s, &parts[0], &pos, &err), 0);
    CHECK_INT(pos.kind, VRV_POS_EOS);
    g2.n = 0;
    read_until(s, &g2, 1, 1, 0.3, &err);
    CHECK_INT(g2.n, 0);
    vrv_vec_free(&g2);
    vrv_vec_free(&g);
    free(seen);
    free(parts);
    vrv_supplier_close(s);
}

/* ExpiredIteratorException: a new iterator after the last record fetched,
 * or at the seek position when nothing was fetched. */
TEST(expired_iterator_is_replaced)
{
    make_stream("expire", 1);
    put_numbered("expire", 0, 300, NULL);
    vrv_kinesis_config cfg = scfg("expire");
    cfg.records_per_fetch = 50;
    cfg.max_bytes_per_poll = 300;
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part p = shard_part(TWO[0]);
    vrv_error err;
    CHECK_INT(vrv_supplier_assign(s, &p, 1, &err), 0);
    CHECK_INT(vrv_supplier_seek_earliest(s, &p, &err), 0);
    CHECK(kl_inject(srv(), "GetRecords", "ExpiredIteratorException", 1, 400));
    gots g = {0};
    CHECK_INT(read_until(s, &g, 120, 0, 10, &err), 0);
    CHECK(kl_inject(srv(), "GetRecords", "ExpiredIteratorException", 2, 400));
    CHECK_INT(read_until(s, &g, 300, 0, 10, &err), 0);
    CHECK_INT(g.n, 300);
    for (int i = 0; i < 300 && i < (int)g.n; i++) {
        char want[16];
        snprintf(want, sizeof want, "rec-%06d", i);
        CHECK_STR(g.v[i].data, want);
    }
    vrv_vec_free(&g);
    vrv_supplier_close(s);
}

/* Throttling waits max(fetchDelayMillis, 3 s); 5xx answers are retried;
 * the synchronous calls retry both. */
TEST(throttling_and_server_errors)
{
    make_stream("throttle", 1);
    put_numbered("throttle", 0, 100, NULL);
    vrv_kinesis_config cfg = scfg("throttle");
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part p = shard_part(TWO[0]);
    vrv_error err;
    CHECK_INT(vrv_supplier_assign(s, &p, 1, &err), 0);
    CHECK_INT(vrv_supplier_seek_earliest(s, &p, &err), 0);
    CHECK(kl_inject(srv(), "GetShardIterator", "InternalFailure", 2, 500));
    CHECK(kl_inject(srv(), "GetRecords", "ProvisionedThroughputExceededException", 1, 400));
    double t0 = kl_now();
    vrv_batch b = {0};
    int rc = 0;
    /* the first polls meet the failures and read nothing */
    for (int i = 0; i < 20 && rc != VRV_EAGAIN; i++) rc = vrv_supplier_poll(s, &b, 100, &err);
    CHECK_INT(rc, VRV_EAGAIN);
    CHECK_INT(b.n, 0);
    vrv_batch_free(&b);
    gots g = {0};
    CHECK_INT(read_until(s, &g, 100, 0, 15, &err), 0);
    CHECK_INT(g.n, 100);
    CHECK(kl_now() - t0 >= 3.0); /* the throttled shard waited */
    vrv_vec_free(&g);
    vrv_supplier_close(s);

    CHECK(kl_inject(srv(), "ListShards", "LimitExceededException", 2, 400));
    vrv_kinesis_shard *sh;
    size_t n;
    CHECK_INT(vrv_kinesis_list_shards(admin(), "throttle", true, &sh, &n, &err), 0);
    CHECK_INT(n, 1);
    free(sh);
    CHECK(kl_inject(srv(), "PutRecords", "ProvisionedThroughputExceededException", 1, 400));
    put_numbered("throttle", 100, 10, NULL);
    /* past the retries, the throttling is reported */
    CHECK(kl_inject(srv(), "DescribeStreamSummary", "LimitExceededException", 4, 400));
    char st[32];
    CHECK_INT(vrv_kinesis_stream_status(admin(), "throttle", st, sizeof st, &err), VRV_EAGAIN);
    char want[256];
    snprintf(want, sizeof want,
             "Kinesis DescribeStreamSummary at %s/: LimitExceededException: injected by kserve.js",
             srv()->url);
    CHECK_STR(err.msg, want);
}

TEST(kpl_aggregates)
{
    /* format round trip */
    vrv_kinesis_put in[3] = {
        {"{\"n\":1}", 7, "alpha", NULL}, {"", 0, "beta", NULL}, {"{\"n\":3}", 7, "alpha", NULL}};
    vrv_buf agg = VRV_BUF_INIT;
    vrv_kinesis_kpl_encode(in, 3, &agg);
    vrv_kinesis_user_record ur[4];
    CHECK_INT(vrv_kinesis_kpl_parse(agg.data, agg.len, ur, 4), 3);
    CHECK_STRN(ur[0].data, ur[0].len, "{\"n\":1}");
    CHECK_STRN(ur[0].partition_key.p, ur[0].partition_key.n, "alpha");
    CHECK_INT(ur[1].len, 0);
    CHECK_STRN(ur[1].partition_key.p, ur[1].partition_key.n, "beta");
    CHECK_STRN(ur[2].partition_key.p, ur[2].partition_key.n, "alpha");
    CHECK_INT(vrv_kinesis_kpl_parse(agg.data, agg.len, ur, 1), 3); /* asks for room */
    /* a wrong checksum, no magic, too short: an ordinary record */
    agg.data[agg.len - 1] ^= 1;
    CHECK_INT(vrv_kinesis_kpl_parse(agg.data, agg.len, ur, 4), -1);
    CHECK_INT(vrv_kinesis_kpl_parse("{\"plain\":true}", 14, ur, 4), -1);
    CHECK_INT(vrv_kinesis_kpl_parse("\xF3\x89\x9A\xC2", 4, ur, 4), -1);

    /* through the stream: 3 user records + 100 more + a plain record */
    make_stream("kpl", 1);
    vrv_buf big = VRV_BUF_INIT;
    vrv_kinesis_put many[100];
    char data[100][16], keys[100][16];
    for (int i = 0; i < 100; i++) {
        snprintf(data[i], sizeof data[i], "user-%03d", i);
        snprintf(keys[i], sizeof keys[i], "key-%d", i % 7);
        many[i] = (vrv_kinesis_put){data[i], strlen(data[i]), keys[i], NULL};
    }
    vrv_kinesis_kpl_encode(many, 100, &big);
    vrv_buf_reset(&agg);
    vrv_kinesis_kpl_encode(in, 3, &agg);
    vrv_kinesis_put recs[3] = {{agg.data, agg.len, "outer-1", NULL},
                               {big.data, big.len, "outer-2", NULL},
                               {"plain", 5, "outer-3", NULL}};
    vrv_error err;
    CHECK_INT(vrv_kinesis_put_records(admin(), "kpl", recs, 3, NULL, 0, &err), 0);
    vrv_kinesis_config cfg = scfg("kpl");
    cfg.max_bytes_per_poll = 1; /* one record per poll, but whole aggregates */
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part p = shard_part(TWO[0]);
    CHECK_INT(vrv_supplier_assign(s, &p, 1, &err), 0);
    CHECK_INT(vrv_supplier_seek_earliest(s, &p, &err), 0);
    /* batch by batch: each aggregate arrives whole */
    vrv_batch b = {0};
    size_t sizes[3] = {0, 0, 0}, nb = 0;
    gots g = {0};
    double end = kl_now() + 10;
    while (g.n < 104 && kl_now() < end) {
        vrv_supplier_poll(s, &b, 100, &err);
        if (b.n && nb < 3) sizes[nb++] = b.n;
        for (size_t i = 0; i < b.n; i++) {
            got x = {0};
            snprintf(x.seq, sizeof x.seq, "%.*s", (int)b.recs[i].seq.n, b.recs[i].seq.p);
            snprintf(x.data, sizeof x.data, "%.*s", (int)b.recs[i].value_len, b.recs[i].value);
            snprintf(x.pk, sizeof x.pk, "%.*s", (int)b.recs[i].partition_key.n,
                     b.recs[i].partition_key.p);
            x.flags = b.recs[i].flags;
            vrv_vec_push(&g, x);
        }
        vrv_supplier_release(s, &b);
    }
    vrv_batch_free(&b);
    CHECK_INT(g.n, 104);
    CHECK_INT(sizes[0], 3);
    CHECK_INT(sizes[1], 100);
    CHECK_INT(sizes[2], 1);
    if (g.n == 104) {
        CHECK_STR(g.v[0].data, "{\"n\":1}");
        CHECK_STR(g.v[0].pk, "alpha");
        CHECK_INT(g.v[0].flags, 0);
        CHECK_STR(g.v[1].data, "");
        CHECK_STR(g.v[1].pk, "beta");
        CHECK_INT(g.v[1].flags, VRV_REC_SUBRECORD);
        CHECK_INT(g.v[2].flags, VRV_REC_SUBRECORD);
        CHECK_STR(g.v[0].seq, g.v[2].seq);
        CHECK_STR(g.v[3].data, "user-000");
        CHECK_STR(g.v[102].data, "user-099");
        CHECK_STR(g.v[102].pk, "key-1");
        CHECK(strcmp(g.v[3].seq, g.v[0].seq) != 0);
        CHECK_STR(g.v[103].data, "plain");
        CHECK_STR(g.v[103].pk, "outer-3");
        CHECK_INT(g.v[103].flags, 0);
    }
    vrv_vec_free(&g);
    vrv_buf_free(&agg);
    vrv_buf_free(&big);
    vrv_supplier_close(s);
}

/* Records read from the stream through the kinesis input format: the
 * partition key and arrival time become columns. */
TEST(kinesis_input_format_over_records)
{
    make_stream("fmt", 1);
    vrv_kinesis_put recs[2] = {
        {"{\"user\":\"ann\",\"n\":1}", 20, "tenant-a", NULL},
        {"{\"user\":\"bob\",\"kinesis.partitionKey\":\"own\"}", 43, "tenant-b", NULL}};
    vrv_error err;
    CHECK_INT(vrv_kinesis_put_records(admin(), "fmt", recs, 2, NULL, 0, &err), 0);
    vrv_kinesis_config cfg = scfg("fmt");
    vrv_supplier *s = open_supplier(&cfg);
    vrv_part p = shard_part(TWO[0]);
    CHECK_INT(vrv_supplier_assign(s, &p, 1, &err), 0);
    CHECK_INT(vrv_supplier_seek_earliest(s, &p, &err), 0);
    vrv_batch b = {0};
    vrv_buf rows = VRV_BUF_INIT;
    size_t nrec = 0;
    double end = kl_now() + 10;
    while (nrec < 2 && kl_now() < end) {
        vrv_supplier_poll(s, &b, 100, &err);
        for (size_t i = 0; i < b.n; i++, nrec++) {
            const vrv_record *r = &b.recs[i];
            vrv_record_meta m = {.timestamp = r->timestamp,
                                 .topic = vrv_str_c(vrv_supplier_stream(s)),
                                 .partition_key = r->partition_key,
                                 .partition = -1,
                                 .offset = -1};
            char *row = tu_read("{\"type\":\"kinesis\",\"valueFormat\":{\"type\":\"json\"}}", "*",
                                r->value, r->value_len, &m);
            char ts[32];
            snprintf(ts, sizeof ts, "%lld", (long long)r->timestamp);
            /* the arrival time is the record's, in ms */
            char *at = strstr(row, "kinesis.timestamp=");
            CHECK(at && strncmp(at + 18, ts, strlen(ts)) == 0);
            CHECK(r->timestamp > 1600000000000LL);
            if (at) {
                size_t tl = strspn(at + 18, "0123456789");
                memmove(at + 18, at + 18 + tl, strlen(at + 18 + tl) + 1);
            }
            vrv_buf_puts(&rows, row);
            free(row);
        }
        vrv_supplier_release(s, &b);
    }
    vrv_batch_free(&b);
    CHECK_STR(rows.data, "user=\"ann\" n=1 kinesis.timestamp= kinesis.partitionKey=\"tenant-a\"\n"
                         "user=\"bob\" kinesis.partitionKey=\"own\" kinesis.timestamp=\n");
    vrv_buf_free(&rows);
    vrv_supplier_close(s);
}

TEST(config_from_spec)
{
    char path[1024];
    vrv_kinesis_config cfg;
    vrv_spec_supervisor spec;
    vrv_error err;
    json_t *j;
    snprintf(path, sizeof path, "%s/tests/data/specs/kinesis_wikipedia.json", vrv_test_src_dir());
    CHECK_INT(vrv_json_load_file(path, &j, &err), 0);
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &spec, &err), 0);
    json_decref(j);
    CHECK_INT(vrv_kinesis_config_from_spec(&spec, &cfg, &err), 0);
    CHECK_STR(cfg.stream, "KinesisStream");
    CHECK_STR(cfg.client.endpoint, "kinesis.us-east-1.amazonaws.com");
    CHECK(cfg.client.region == NULL);
    CHECK(cfg.client.access_key_id == NULL);
    CHECK_INT(cfg.fetch_delay_ms, 0);
    CHECK_INT(cfg.records_per_fetch, 0);
    CHECK_INT(cfg.max_bytes_per_poll, 1000000);
    CHECK_INT(cfg.record_buffer_bytes, 100000000);
    CHECK(!cfg.use_list_shards);
    vrv_spec_supervisor_free(&spec);

    snprintf(path, sizeof path, "%s/tests/data/specs/kinesis_full.json", vrv_test_src_dir());
    CHECK_INT(vrv_json_load_file(path, &j, &err), 0);
    CHECK_INT(vrv_spec_supervisor_parse(j, NULL, &spec, &err), 0);
    json_decref(j);
    CHECK_INT(vrv_kinesis_config_from_spec(&spec, &cfg, &err), VRV_EUNSUPPORTED);
    CHECK_STR(err.msg, "spec.ioConfig.awsAssumedRoleArn: assuming an IAM role (STS) is not "
                       "supported by varve; give the role's credentials through the environment "
                       "or ~/.aws/credentials instead");
    vrv_spec_supervisor_free(&spec);
}

/* `varve produce --kinesis-endpoint`: lines become records, round robin
 * over the open shards by hash key, or random partition keys. */
TEST(varve_produce_to_kinesis)
{
    clear_aws_env();
    setenv("AWS_ACCESS_KEY_ID", AKID, 1);
    setenv("AWS_SECRET_ACCESS_KEY", SECRET, 1);
    char path[600];
    snprintf(path, sizeof path, "%s/lines.json", vrv_test_tmpdir());
    FILE *f = fopen(path, "w");
    for (int i = 0; i < 1234; i++) fprintf(f, "{\"n\":%d}\r\n%s", i, i % 100 == 0 ? "\n" : "");
    fclose(f);
    char url[80];
    snprintf(url, sizeof url, "%s", srv()->url);
    char *args[] = {"produce",  "--kinesis-endpoint",
                    url,        "--stream",
                    "produced", "--create",
                    "3",        "--file",
                    path,       "--quiet",
                    NULL};
    CHECK_INT(vrv_cmd_produce(10, args), 0);

    vrv_kinesis_config cfg = scfg("produced");
    vrv_supplier *s = open_supplier(&cfg);
    const char *three[] = {"shardId-000000000000", "shardId-000000000001", "shardId-000000000002"};
    assign_all(s, three, 3, false);
    gots g = {0};
    vrv_error err;
    CHECK_INT(read_until(s, &g, 1234, 0, 10, &err), 0);
    CHECK_INT(g.n, 1234);
    size_t per[3] = {0, 0, 0};
    for (size_t i = 0; i < g.n; i++) {
        int k = -1, sh = g.v[i].shard[strlen(g.v[i].shard) - 1] - '0';
        CHECK(sscanf(g.v[i].data, "{\"n\":%d}", &k) == 1);
        CHECK_INT(k % 3, sh); /* round robin in hash-key order */
        char pk[16];
        snprintf(pk, sizeof pk, "%d", k);
        CHECK_STR(g.v[i].pk, pk);
        if (sh >= 0 && sh < 3) per[sh]++;
    }
    CHECK_INT(per[0], 412);
    CHECK_INT(per[1], 411);
    CHECK_INT(per[2], 411);
    vrv_vec_free(&g);
    vrv_supplier_close(s);

    /* random keys; an existing stream is used as it is */
    char *args2[] = {"produce", "--kinesis-endpoint", url, "--stream", "produced", "--partitioner",
                     "random",  "--create",           "1", "--file",   path,       "--quiet",
                     NULL};
    CHECK_INT(vrv_cmd_produce(12, args2), 0);
    vrv_kinesis_shard *sh;
    size_t n;
    CHECK_INT(vrv_kinesis_list_shards(admin(), "produced", false, &sh, &n, &err), 0);
    CHECK_INT(n, 3);
    free(sh);

    /* usage errors */
    char *bad1[] = {"produce", "--stream", "produced", NULL};
    CHECK_INT(vrv_cmd_produce(3, bad1), 2);
    char *bad2[] = {"produce", "--kinesis-endpoint", url, "--stream", "x", "--topic", "t", NULL};
    CHECK_INT(vrv_cmd_produce(7, bad2), 2);
    char *bad3[] = {"produce", "--kinesis-endpoint", url, "--stream", "no-such", "--quiet", NULL};
    CHECK_INT(vrv_cmd_produce(6, bad3), 1);
    clear_aws_env();
}

static int parse_text(const char *text, vrv_kinesis_records *w, char **buf, vrv_error *err)
{
    size_t n = strlen(text);
    *buf = vrv_memdup(text, n + 1);
    return vrv_kinesis_parse_records(*buf, n, w, err);
}

/* GetRecords answers read in place: any key order, escapes, unknown and
 * nested keys skipped; damage reported with its byte offset. */
TEST(get_records_answers_in_place)
{
    vrv_kinesis_records w = {0};
    vrv_error err;
    char *buf;
    CHECK_INT(parse_text("{\"Records\":[{\"SequenceNumber\":\"496805657776435728272318543314"
                         "53093891286214907615248386\",\"ApproximateArrivalTimestamp\":1."
                         "700000000123E9,\"Data\":\"aGVsbG8=\",\"PartitionKey\":\"k\\u00e9\\\"y\","
                         "\"EncryptionType\":\"NONE\"}],\"NextShardIterator\":\"AAAA+/=\","
                         "\"MillisBehindLatest\":12,\"ChildShards\":[{\"ShardId\":\"s\","
                         "\"ParentShards\":[\"a\",\"b\"],\"HashKeyRange\":{\"StartingHashKey\":"
                         "\"0\",\"x\":[[],{},[{\"y\":[1,-2.5e3,true,false,null]}]]}}]}",
                         &w, &buf, &err),
              0);
    CHECK_INT(w.n, 1);
    CHECK_STRN(w.v[0].data, w.v[0].len, "hello");
    CHECK_STRN(w.v[0].seq, w.v[0].seq_len, "49680565777643572827231854331453093891286214907615248386");
    CHECK_STRN(w.v[0].pk, w.v[0].pk_len, "k\xc3\xa9\"y");
    CHECK_INT(w.v[0].arrival, 1700000000123LL);
    CHECK_STRN(w.next_iterator, w.next_iterator_len, "AAAA+/=");
    CHECK_INT(w.millis_behind, 12);
    free(buf);

    CHECK_INT(parse_text(" { \"NextShardIterator\" : \"it\" , \"Records\" : [ { \"Data\" : "
                         "\"L\\u0077==\" , \"SequenceNumber\" : \"1\" } , {\"Data\":\"\","
                         "\"SequenceNumber\":\"2\",\"PartitionKey\":\"\\ud83d\\ude00\\ud800\"}"
                         " ] } \n",
                         &w, &buf, &err),
              0);
    CHECK_INT(w.n, 2);
    CHECK_STRN(w.v[0].data, w.v[0].len, "/");
    CHECK(w.v[0].pk == NULL);
    CHECK_INT(w.v[0].arrival, -1);
    CHECK_INT(w.v[1].len, 0);
    CHECK_STRN(w.v[1].pk, w.v[1].pk_len, "\xf0\x9f\x98\x80\xef\xbf\xbd");
    CHECK_STRN(w.next_iterator, w.next_iterator_len, "it");
    free(buf);

    CHECK_INT(parse_text("{\"MillisBehindLatest\":0,\"Records\":[],\"NextShardIterator\":null}",
                         &w, &buf, &err),
              0);
    CHECK_INT(w.n, 0);
    CHECK(w.next_iterator == NULL);
    free(buf);

    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"{\"Records\":[{\"Data\":\"aGk=\",\"SequenceNumber\":\"1\"",
         "Kinesis GetRecords answer, byte 47: ',' or '}' was expected"},
        {"{\"Records\":[{\"Data\":\"aGk\",\"SequenceNumber\":\"1\"}]}",
         "Kinesis GetRecords answer, byte 20: Data is not base64"},
        {"{\"Records\":[{\"Data\":\"aGk=\",\"SequenceNumber\":\"12a\"}]}",
         "Kinesis GetRecords answer, byte 44: SequenceNumber must be 1 to 128 decimal digits"},
        {"{\"Records\":[{\"Data\":\"aGk=\"}]}",
         "Kinesis GetRecords answer, byte 27: a record without Data or SequenceNumber"},
        {"{\"NextShardIterator\":\"x\"}", "Kinesis GetRecords answer, byte 25: no Records"},
        {"{\"Records\":[]} x", "Kinesis GetRecords answer, byte 15: text after the answer"},
        {"{\"Records\":[],\"z\":[1 2]}",
         "Kinesis GetRecords answer, byte 21: ',' or a closing bracket was expected"},
        {"{\"Records\":[],\"z\":\"a\\qb\"}", "Kinesis GetRecords answer, byte 21: a bad escape"},
        {"", "Kinesis GetRecords answer, byte 0: an object was expected"},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(bad); i++) {
        CHECK_INT(parse_text(bad[i].text, &w, &buf, &err), VRV_EIO);
        CHECK_STR(err.msg, bad[i].msg);
        free(buf);
    }
    /* a skipped value nested deeper than the reader goes */
    vrv_buf deep = VRV_BUF_INIT;
    vrv_buf_puts(&deep, "{\"Records\":[],\"z\":");
    for (int i = 0; i < 600; i++) vrv_buf_putc(&deep, '[');
    for (int i = 0; i < 600; i++) vrv_buf_putc(&deep, ']');
    vrv_buf_putc(&deep, '}');
    CHECK_INT(vrv_kinesis_parse_records(deep.data, deep.len, &w, &err), VRV_EIO);
    CHECK_STR(err.msg, "Kinesis GetRecords answer, byte 530: values nest too deep");
    vrv_buf_free(&deep);
    free(w.v);
}
