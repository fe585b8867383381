/*
 * test_spec_invalid.c — specs Druid users get wrong, each with the exact error
 * varve answers: status code and a message naming the JSON path and the rule.
 * Inputs are written with single quotes for readability and turned into JSON
 * before parsing.
 */
#include <stdlib.h>

#include "spec/spec.h"
#include "test.h"

typedef struct bad_case {
    const char *json; /* single-quoted JSON */
    int code;
    const char *msg;
} bad_case;

static json_t *unquote(const char *s)
{
    char *t = strdup(s);
    for (char *p = t; *p; p++)
        if (*p == '\'') *p = '"';
    json_error_t je;
    json_t *j = json_loads(t, JSON_DECODE_ANY, &je);
    if (!j) vrv_test_fail(__FILE__, __LINE__, "bad test JSON %s: %s", t, je.text);
    free(t);
    return j;
}

static void run(const bad_case *cases, size_t n, bool batch)
{
    for (size_t i = 0; i < n; i++) {
        json_t *j = unquote(cases[i].json);
        if (!j) continue;
        vrv_error err;
        int rc;
        if (batch) {
            vrv_spec_batch b;
            rc = vrv_spec_batch_parse(j, NULL, &b, &err);
            if (!rc) vrv_spec_batch_free(&b);
        } else {
            vrv_spec_supervisor s;
            rc = vrv_spec_supervisor_parse(j, NULL, &s, &err);
            if (!rc) vrv_spec_supervisor_free(&s);
        }
        json_decref(j);
        if (rc != cases[i].code)
            vrv_test_fail(__FILE__, __LINE__, "case %zu (%s): rc %d, expected %d (%s)", i,
                          cases[i].json, rc, cases[i].code, rc ? err.msg : "");
        else if (strcmp(err.msg, cases[i].msg) != 0)
            vrv_test_fail(__FILE__, __LINE__, "case %zu:\n  got      %s\n  expected %s", i, err.msg,
                          cases[i].msg);
        CHECK_INT(err.code, cases[i].code);
    }
}

#define E VRV_EINVAL
#define U VRV_EUNSUPPORTED

/* Building blocks of a valid Kafka spec. */
#define DS0 "'dataSource':'x','timestampSpec':{}"
#define DS  "'dataSchema':{" DS0 "}"
#define IO0                                                                                        \
    "'topic':'t','inputFormat':{'type':'json'},'consumerProperties':{'bootstrap.servers':'b'}"
#define IO      "'ioConfig':{" IO0 "}"
#define K(body) "{'type':'kafka','spec':{" body "}}"
#define KDS(ds) K("'dataSchema':{" DS0 "," ds "}," IO)
#define KIO(io) K(DS ",'ioConfig':{" IO0 "," io "}")
#define KTC(tc) K(DS "," IO ",'tuningConfig':{" tc "}")
#define KI0     "'stream':'s','inputFormat':{'type':'json'}"
#define KIN(io, tc)                                                                                \
    "{'type':'kinesis','spec':{" DS ",'ioConfig':{" KI0 io "},'tuningConfig':{" tc "}}}"
#define KDIMS(d)  KDS("'dimensionsSpec':{'dimensions':" d "}")
#define KAS(a)    KIO("'autoScalerConfig':{" a "}")
#define PARSER(p) K("'dataSchema':{'dataSource':'x','parser':" p "}," IO)

static const bad_case supervisor_cases[] = {
    /* envelope */
    {"[]", E, "supervisor spec: must be a JSON object"},
    {"{}", E, "type: required"},
    {"{'type':'rabbit'}", U,
     "type: unsupported supervisor type 'rabbit' (supported: kafka, kinesis)"},
    {"{'type':3}", E, "type: must be a string"},
    {"{'type':'kafka'}", E, "dataSchema: required"},
    {"{'type':'kafka','spec':[]}", E, "spec: must be an object"},
    {"{'type':'kafka','spec':{}}", E, "spec.dataSchema: required"},
    {K(DS), E, "spec.ioConfig: required"},
    {"{'type':'kafka','spec':{" DS "," IO "},'id':'a/b'}", E,
     "id: must not contain the '/' character"},
    {"{'type':'kafka','spec':{" DS "," IO "},'context':[]}", E, "context: must be an object"},
    {"{'type':'kafka','spec':{" DS "," IO "},'suspended':'maybe'}", E,
     "suspended: must be a boolean"},
    {"{'type':'kafka'," DS "}", E, "ioConfig: required"},
    {"{'type':'kafka','dataSchema':{'timestampSpec':{}}," IO "}", E,
     "dataSchema.dataSource: required"},

    /* dataSource */
    {K("'dataSchema':{'timestampSpec':{}}," IO), E, "spec.dataSchema.dataSource: required"},
    {K("'dataSchema':{'dataSource':'','timestampSpec':{}}," IO), E,
     "spec.dataSchema.dataSource: must not be empty"},
    {K("'dataSchema':{'dataSource':5,'timestampSpec':{}}," IO), E,
     "spec.dataSchema.dataSource: must be a string"},
    {K("'dataSchema':{'dataSource':'a/b','timestampSpec':{}}," IO), E,
     "spec.dataSchema.dataSource: must not contain the '/' character"},
    {K("'dataSchema':{'dataSource':'.hidden','timestampSpec':{}}," IO), E,
     "spec.dataSchema.dataSource: must not start with the '.' character"},
    {K("'dataSchema':{'dataSource':'a\\tb','timestampSpec':{}}," IO), E,
     "spec.dataSchema.dataSource: must not contain whitespace other than space"},
    {K("'dataSchema':{'dataSource':'ab\\u0001','timestampSpec':{}}," IO), E,
     "spec.dataSchema.dataSource: must not contain character #1 (at position 2)"},
    {K("'dataSchema':{'dataSource':'x\\ud83d\\ude00','timestampSpec':{}}," IO), E,
     "spec.dataSchema.dataSource: must not contain character #55357 (at position 1)"},

    /* timestampSpec */
    {K("'dataSchema':{'dataSource':'x'}," IO), E, "spec.dataSchema.timestampSpec: required"},
    {K("'dataSchema':{'dataSource':'x','timestampSpec':'ts'}," IO), E,
     "spec.dataSchema.timestampSpec: must be an object"},
    {K("'dataSchema':{'dataSource':'x','timestampSpec':{'column':1}}," IO), E,
     "spec.dataSchema.timestampSpec.column: must be a string"},
    {K("'dataSchema':{'dataSource':'x','timestampSpec':{'format':''}}," IO), E,
     "spec.dataSchema.timestampSpec.format: must not be empty"},

    /* dimensionsSpec */
    {KDS("'dimensionsSpec':[]"), E, "spec.dataSchema.dimensionsSpec: must be an object"},
    {KDIMS("['a','a']"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[1]: duplicate dimension 'a'"},
    {KDIMS("['a',{'name':'a','type':'long'}]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[1]: duplicate dimension 'a'"},
    {KDIMS("[{'name':'a','type':'text'}]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0].type: unknown dimension type 'text' (expected "
     "string, long, float, double, json, auto or spatial)"},
    {KDIMS("[{'type':'long'}]"), E, "spec.dataSchema.dimensionsSpec.dimensions[0].name: required"},
    {KDIMS("['']"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0]: dimension name must not be empty"},
    {KDIMS("[5]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0]: must be a string or an object"},
    {KDIMS("[{'name':'a','multiValueHandling':'unique'}]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0].multiValueHandling: must be one of "
     "SORTED_ARRAY, SORTED_SET, ARRAY"},
    {KDIMS("[{'name':'a','createBitmapIndex':'no'}]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0].createBitmapIndex: must be a boolean"},
    {KDIMS("[{'name':'g','type':'spatial'}]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0].dims: required"},
    {KDIMS("[{'name':'j','type':'json','formatVersion':3}]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0].formatVersion: must be 4 or 5"},
    {KDIMS("[{'name':'j','type':'auto','castToType':'BLOB'}]"), E,
     "spec.dataSchema.dimensionsSpec.dimensions[0].castToType: unknown type 'BLOB'"},
    {KDS("'dimensionsSpec':{'dimensions':['a','b'],'dimensionExclusions':['c','b']}"), E,
     "spec.dataSchema.dimensionsSpec.dimensionExclusions[1]: 'b' is also a dimension (dimensions "
     "and dimensionExclusions cannot overlap)"},
    {KDS("'dimensionsSpec':{'dimensions':['a'],'spatialDimensions':[{'dimName':'a','dims':['x']}]"
         "}"),
     E, "spec.dataSchema.dimensionsSpec.spatialDimensions[0]: duplicate dimension 'a'"},
    {KDS("'dimensionsSpec':{'dimensionExclusions':'a'}"), E,
     "spec.dataSchema.dimensionsSpec.dimensionExclusions: must be an array"},
    {KDS("'dimensionsSpec':{'dimensionExclusions':['a',1]}"), E,
     "spec.dataSchema.dimensionsSpec.dimensionExclusions[1]: must be a string"},
    {KDS("'dimensionsSpec':{'useSchemaDiscovery':'sometimes'}"), E,
     "spec.dataSchema.dimensionsSpec.useSchemaDiscovery: must be a boolean"},

    /* metricsSpec */
    {KDS("'metricsSpec':{}"), E, "spec.dataSchema.metricsSpec: must be an array"},
    {KDS("'metricsSpec':[{'name':'c'}]"), E, "spec.dataSchema.metricsSpec[0].type: required"},
    {KDS("'metricsSpec':[{'type':'count'}]"), E, "spec.dataSchema.metricsSpec[0].name: required"},
    {KDS("'metricsSpec':[{'type':'count','name':'count'},{'type':'longSum','name':'count','"
         "fieldName':'v'}]"),
     E, "spec.dataSchema.metricsSpec[1].name: duplicate aggregator name 'count'"},
    {KDS("'dimensionsSpec':{'dimensions':['added']},'metricsSpec':[{'type':'longSum','name':'added'"
         ",'fieldName':'added'}]"),
     E,
     "spec.dataSchema.metricsSpec[0].name: 'added' is also a dimension (dimensions and metrics "
     "cannot share a name)"},

    /* granularitySpec */
    {KDS("'granularitySpec':{'segmentGranularity':'hour','queryGranularity':'day'}"), E,
     "spec.dataSchema.granularitySpec.queryGranularity: must not be coarser than "
     "segmentGranularity"},
    {KDS("'granularitySpec':{'queryGranularity':'all'}"), E,
     "spec.dataSchema.granularitySpec.queryGranularity: must not be coarser than "
     "segmentGranularity"},
    {KDS("'granularitySpec':{'segmentGranularity':'fortnight'}"), E,
     "spec.dataSchema.granularitySpec.segmentGranularity: unknown granularity \"fortnight\"; "
     "expected one of all, none, second, minute, five_minute, ten_minute, fifteen_minute, "
     "thirty_minute, hour, six_hour, eight_hour, day, week, month, quarter, year"},
    {KDS("'granularitySpec':{'segmentGranularity':7}"), E,
     "spec.dataSchema.granularitySpec.segmentGranularity: must be a granularity name or object"},
    {KDS("'granularitySpec':{'segmentGranularity':{'type':'calendar'}}"), E,
     "spec.dataSchema.granularitySpec.segmentGranularity.type: unknown granularity type "
     "\"calendar\"; expected all, none, duration or period"},
    {KDS("'granularitySpec':{'segmentGranularity':{'type':'period'}}"), E,
     "spec.dataSchema.granularitySpec.segmentGranularity.period: required"},
    {KDS("'granularitySpec':{'queryGranularity':{'type':'duration'}}"), E,
     "spec.dataSchema.granularitySpec.queryGranularity.duration: required"},
    {KDS("'granularitySpec':{'queryGranularity':{'type':'duration','duration':0}}"), E,
     "spec.dataSchema.granularitySpec.queryGranularity.duration: duration must be greater than 0, "
     "got 0"},
    {KDS("'granularitySpec':{'type':'hybrid'}"), E,
     "spec.dataSchema.granularitySpec.type: must be one of uniform, arbitrary"},
    {KDS("'granularitySpec':{'rollup':'perhaps'}"), E,
     "spec.dataSchema.granularitySpec.rollup: must be a boolean"},
    {KDS("'granularitySpec':{'intervals':[5]}"), E,
     "spec.dataSchema.granularitySpec.intervals[0]: must be an ISO-8601 interval string"},
    {KDS("'granularitySpec':{'type':'arbitrary','intervals':['2020-01-01/2020-02-01','2020-01-15/"
         "2020-03-01']}"),
     E, "spec.dataSchema.granularitySpec.intervals: intervals must not overlap"},

    /* transformSpec */
    {KDS("'transformSpec':[]"), E, "spec.dataSchema.transformSpec: must be an object"},
    {KDS("'transformSpec':{'transforms':[{'type':'expression','name':'x','expression':'1'},{'type':"
         "'expression','name':'x','expression':'2'}]}"),
     E, "spec.dataSchema.transformSpec.transforms[1].name: duplicate transform name 'x'"},
    {KDS("'transformSpec':{'transforms':[{'type':'javascript','name':'x','function':'f'}]}"), E,
     "spec.dataSchema.transformSpec.transforms[0].type: unknown transform type 'javascript' "
     "(expected expression)"},
    {KDS("'transformSpec':{'transforms':[{'name':'x','expression':'1'}]}"), E,
     "spec.dataSchema.transformSpec.transforms[0].type: required"},
    {KDS("'transformSpec':{'transforms':[{'type':'expression','name':'x'}]}"), E,
     "spec.dataSchema.transformSpec.transforms[0].expression: required"},
    {KDS("'transformSpec':{'filter':{'dimension':'a','value':'b'}}"), E,
     "spec.dataSchema.transformSpec.filter.type: required"},
    {KDS("'transformSpec':{'filter':'a = b'}"), E,
     "spec.dataSchema.transformSpec.filter: must be an object"},

    /* legacy parser */
    {PARSER("{'type':'map','parseSpec':{'format':'json'}}"), U,
     "spec.dataSchema.parser.type: unsupported parser type 'map' (supported: string, "
     "avro_stream, protobuf)"},
    {PARSER("{'type':'string'}"), E, "spec.dataSchema.parser.parseSpec: required"},
    {PARSER("{'type':'string','parseSpec':{}}"), E,
     "spec.dataSchema.parser.parseSpec.format: required"},
    {PARSER("{'type':'string','parseSpec':{'format':'javascript','function':'f'}}"), U,
     "spec.dataSchema.parser.parseSpec.format: unsupported parseSpec format 'javascript' "
     "(supported: json, csv, tsv, regex)"},
    {PARSER("{'type':'avro_stream','parseSpec':{'format':'avro'}}"), E,
     "spec.dataSchema.parser.avroBytesDecoder: required"},
    {PARSER("{'type':'string','parseSpec':{'format':'json'}}"), E,
     "spec.dataSchema.timestampSpec: required"},
    {PARSER("[]"), E, "spec.dataSchema.parser: must be an object"},
    {K("'dataSchema':{" DS0
       "},'ioConfig':{'topic':'t','consumerProperties':{'bootstrap.servers':'b'}}"),
     E, "spec.ioConfig.inputFormat: required"},

    /* ioConfig: common */
    {KIO("'type':'kinesis'"), E, "spec.ioConfig.type: must be kafka"},
    {K(DS ",'ioConfig':{'topic':'t','inputFormat':'json','consumerProperties':{'bootstrap.servers':"
          "'b'}}"),
     E, "spec.ioConfig.inputFormat: must be an object"},
    {K(DS
       ",'ioConfig':{'topic':'t','inputFormat':{},'consumerProperties':{'bootstrap.servers':'b'}}"),
     E, "spec.ioConfig.inputFormat.type: required"},
    {K(DS ",'ioConfig':{'topic':'t','inputFormat':{'type':''},'consumerProperties':{'bootstrap."
          "servers':'b'}}"),
     E, "spec.ioConfig.inputFormat.type: must be a non-empty string"},
    {KIO("'taskCount':0"), E, "spec.ioConfig.taskCount: must be >= 1"},
    {KIO("'taskCount':'many'"), E, "spec.ioConfig.taskCount: must be an integer"},
    {KIO("'taskCount':1.5"), E, "spec.ioConfig.taskCount: must be an integer"},
    {KIO("'taskCount':3000000000"), E, "spec.ioConfig.taskCount: must be <= 2147483647"},
    {KIO("'replicas':0"), E, "spec.ioConfig.replicas: must be >= 1"},
    {KIO("'taskDuration':'PT0S'"), E, "spec.ioConfig.taskDuration: must be a positive period"},
    {KIO("'period':'PT-30S'"), E, "spec.ioConfig.period: must be a positive period"},
    {KIO("'startDelay':'PT-1S'"), E, "spec.ioConfig.startDelay: must not be negative"},
    {KIO("'taskDuration':3600"), E, "spec.ioConfig.taskDuration: must be a string"},
    {KIO("'lateMessageRejectionPeriod':'PT1H','lateMessageRejectionStartDateTime':'2024-01-01'"), E,
     "spec.ioConfig.lateMessageRejectionStartDateTime: cannot be used together with "
     "lateMessageRejectionPeriod"},
    {KIO("'stopTaskCount':0"), E, "spec.ioConfig.stopTaskCount: must be >= 1"},
    {KIO("'idleConfig':{'enabled':true,'inactiveAfterMillis':0}"), E,
     "spec.ioConfig.idleConfig.inactiveAfterMillis: must be >= 1"},
    {KIO("'idleConfig':true"), E, "spec.ioConfig.idleConfig: must be an object"},
    {KIO("'serverPriorityToReplicas':{'0':-1}"), E,
     "spec.ioConfig.serverPriorityToReplicas['0']: must be a replica count >= 0"},
    {KIO("'serverPriorityToReplicas':{'hot':1}"), E,
     "spec.ioConfig.serverPriorityToReplicas.hot: key must be an integer server priority"},

    /* autoScalerConfig */
    {KAS("'enableTaskAutoScaler':true,'taskCountMin':1"), E,
     "spec.ioConfig.autoScalerConfig.taskCountMax: required when enableTaskAutoScaler is true"},
    {KAS("'enableTaskAutoScaler':true,'taskCountMax':4"), E,
     "spec.ioConfig.autoScalerConfig.taskCountMin: required when enableTaskAutoScaler is true"},
    {KAS("'enableTaskAutoScaler':true,'taskCountMax':2,'taskCountMin':3"), E,
     "spec.ioConfig.autoScalerConfig.taskCountMax: must be >= taskCountMin"},
    {KAS("'enableTaskAutoScaler':true,'taskCountMax':2,'taskCountMin':0"), E,
     "spec.ioConfig.autoScalerConfig.taskCountMin: must be >= 1"},
    {KAS("'enableTaskAutoScaler':true,'taskCountMax':4,'taskCountMin':2,'taskCountStart':5"), E,
     "spec.ioConfig.autoScalerConfig.taskCountStart: must be between taskCountMin and "
     "taskCountMax"},
    {KAS("'autoScalerStrategy':'costBased','enableTaskAutoScaler':true"), U,
     "spec.ioConfig.autoScalerConfig.autoScalerStrategy: unsupported strategy 'costBased' "
     "(supported: lagBased)"},
    {KAS("'stopTaskCountRatio':1.5"), E,
     "spec.ioConfig.autoScalerConfig.stopTaskCountRatio: must be in (0, 1]"},
    {KAS("'lagAggregate':'MEDIAN'"), E,
     "spec.ioConfig.autoScalerConfig.lagAggregate: must be one of SUM, MAX, AVERAGE"},
    {KAS("'enableTaskAutoScaler':true,'taskCountMax':4,'taskCountMin':2,'"
         "lagCollectionIntervalMillis':0"),
     E, "spec.ioConfig.autoScalerConfig.lagCollectionIntervalMillis: must be >= 1"},
    {KAS("'enableTaskAutoScaler':true,'taskCountMax':4,'taskCountMin':2,'lagCollectionRangeMillis':"
         "1000"),
     E,
     "spec.ioConfig.autoScalerConfig.lagCollectionRangeMillis: must be >= "
     "lagCollectionIntervalMillis"},
    {KAS("'triggerScaleOutFractionThreshold':'high'"), E,
     "spec.ioConfig.autoScalerConfig.triggerScaleOutFractionThreshold: must be a number"},

    /* ioConfig: Kafka */
    {K(DS ",'ioConfig':{'inputFormat':{'type':'json'},'consumerProperties':{'bootstrap.servers':'b'"
          "}}"),
     E, "spec.ioConfig.topic: exactly one of topic and topicPattern is required"},
    {KIO("'topicPattern':'t.*'"), E,
     "spec.ioConfig.topic: exactly one of topic and topicPattern is required"},
    {K(DS ",'ioConfig':{'topicPattern':'(a','inputFormat':{'type':'json'},'consumerProperties':{'"
          "bootstrap.servers':'b'}}"),
     E,
     "spec.ioConfig.topicPattern: invalid regular expression at offset 2: missing closing "
     "parenthesis"},
    {K(DS ",'ioConfig':{'topic':'','inputFormat':{'type':'json'},'consumerProperties':{'bootstrap."
          "servers':'b'}}"),
     E, "spec.ioConfig.topic: must not be empty"},
    {K(DS ",'ioConfig':{'topic':'t','inputFormat':{'type':'json'}}"), E,
     "spec.ioConfig.consumerProperties: required"},
    {K(DS ",'ioConfig':{'topic':'t','inputFormat':{'type':'json'},'consumerProperties':{'group.id':"
          "'g'}}"),
     E, "spec.ioConfig.consumerProperties: must contain bootstrap.servers"},
    {KIO("'pollTimeout':-1"), E, "spec.ioConfig.pollTimeout: must be >= 0"},

    /* ioConfig: Kinesis */
    {"{'type':'kinesis','spec':{" DS ",'ioConfig':{'inputFormat':{'type':'json'}}}}", E,
     "spec.ioConfig.stream: required"},
    {KIN(",'region':'mars-central-1'", ""), E,
     "spec.ioConfig.region: invalid region 'mars-central-1' (one of us-east-2, us-east-1, "
     "us-west-1, us-west-2, ap-northeast-1, ap-northeast-2, ap-northeast-3, ap-south-1, "
     "ap-southeast-1, ap-southeast-2, ca-central-1, cn-north-1, cn-northwest-1, eu-central-1, "
     "eu-west-1, eu-west-2, eu-west-3, sa-east-1, us-gov-west-1)"},
    {KIN(",'fetchDelayMillis':-5", ""), E, "spec.ioConfig.fetchDelayMillis: must be >= 0"},
    {KIN(",'recordsPerFetch':0", ""), E, "spec.ioConfig.recordsPerFetch: must be >= 1"},
    {KIN("", "'resetOffsetAutomatically':true,'skipSequenceNumberAvailabilityCheck':true"), E,
     "spec.tuningConfig.resetOffsetAutomatically: cannot be used if "
     "skipSequenceNumberAvailabilityCheck=true"},
    {KIN("", "'fetchThreads':0"), E, "spec.tuningConfig.fetchThreads: must be >= 1"},
    {KIN("", "'type':'kafka'"), E, "spec.tuningConfig.type: must be kinesis"},

    /* tuningConfig */
    {KTC("'type':'kinesis'"), E, "spec.tuningConfig.type: must be kafka"},
    {K(DS "," IO ",'tuningConfig':[]"), E, "spec.tuningConfig: must be an object"},
    {KTC("'maxRowsInMemory':0"), E, "spec.tuningConfig.maxRowsInMemory: must be >= 1"},
    {KTC("'maxBytesInMemory':-2"), E, "spec.tuningConfig.maxBytesInMemory: must be >= -1"},
    {KTC("'maxRowsPerSegment':0"), E, "spec.tuningConfig.maxRowsPerSegment: must be >= 1"},
    {KTC("'maxTotalRows':0"), E, "spec.tuningConfig.maxTotalRows: must be >= 1"},
    {KTC("'maxPendingPersists':-1"), E, "spec.tuningConfig.maxPendingPersists: must be >= 0"},
    {KTC("'handoffConditionTimeout':-1"), E,
     "spec.tuningConfig.handoffConditionTimeout: must be >= 0"},
    {KTC("'maxParseExceptions':-1"), E, "spec.tuningConfig.maxParseExceptions: must be >= 0"},
    {KTC("'workerThreads':0"), E, "spec.tuningConfig.workerThreads: must be >= 1"},
    {KTC("'reportParseExceptions':'yes'"), E,
     "spec.tuningConfig.reportParseExceptions: must be a boolean"},
    {KTC("'httpTimeout':'PT-1S'"), E, "spec.tuningConfig.httpTimeout: must be a positive period"},
    {KTC("'intermediatePersistPeriod':'PT0M'"), E,
     "spec.tuningConfig.intermediatePersistPeriod: must be a positive period"},
    {KTC("'indexSpec':{'dimensionCompression':'gzip'}"), E,
     "spec.tuningConfig.indexSpec.dimensionCompression: must be one of lz4, lzf, zstd, "
     "uncompressed, none"},
    {KTC("'indexSpec':{'bitmap':{'type':'bitset'}}"), E,
     "spec.tuningConfig.indexSpec.bitmap.type: must be one of roaring, concise"},
    {KTC("'indexSpec':{'longEncoding':'delta'}"), E,
     "spec.tuningConfig.indexSpec.longEncoding: must be one of longs, auto"},
    {KTC("'indexSpec':{'stringDictionaryEncoding':{'type':'frontCoded','bucketSize':3}}"), E,
     "spec.tuningConfig.indexSpec.stringDictionaryEncoding.bucketSize: must be a power of two "
     "from 1 to 128"},
    {KTC("'indexSpecForIntermediatePersists':{'stringDictionaryEncoding':{'type':'dict'}}"), E,
     "spec.tuningConfig.indexSpecForIntermediatePersists.stringDictionaryEncoding.type: must be "
     "one of utf8, frontCoded"},
    {KTC("'appendableIndexSpec':{'type':'offheap'}"), U,
     "spec.tuningConfig.appendableIndexSpec.type: unsupported appendable index type 'offheap' "
     "(supported: onheap)"},
    {KTC("'segmentWriteOutMediumFactory':{'type':'disk'}"), E,
     "spec.tuningConfig.segmentWriteOutMediumFactory.type: must be one of tmpFile, "
     "offHeapMemory, onHeapMemory"},
};

TEST(invalid_supervisor_specs)
{
    run(supervisor_cases, VRV_ARRAY_LEN(supervisor_cases), false);
}

/* Building blocks of a valid batch spec. */
#define BDS           "'dataSchema':{'dataSource':'x','timestampSpec':{}}"
#define BSRC          "'inputSource':{'type':'inline','data':'{}'}"
#define BFMT          "'inputFormat':{'type':'json'}"
#define B(type, body) "{'type':'" type "','spec':{" body "}}"
#define BIO(io)       B("index_parallel", BDS ",'ioConfig':{" io "}")
#define BTC(tc)       B("index_parallel", BDS ",'ioConfig':{" BSRC "," BFMT "},'tuningConfig':{" tc "}")
#define BPS(tc)       BTC("'forceGuaranteedRollup':true,'partitionsSpec':" tc)

static const bad_case batch_cases[] = {
    {"{'type':'index_hadoop'}", U,
     "type: unsupported task type 'index_hadoop' (supported: index_parallel, index)"},
    {"{'type':'index'}", E, "spec: required"},
    {"{'type':'index','spec':{}}", E, "spec.dataSchema: required"},
    {"{'type':'index','id':'.x','spec':{}}", E, "id: must not start with the '.' character"},
    {B("index", BDS), E, "spec.ioConfig: required"},
    {BIO(BFMT), E, "spec.ioConfig.inputSource: required"},
    {BIO("'type':'index'," BSRC "," BFMT), E, "spec.ioConfig.type: must be index_parallel"},
    {BIO("'firehose':{'type':'local'}," BFMT), U,
     "spec.ioConfig.firehose: firehose ingestion is not supported; use inputSource"},
    {BIO("'inputSource':'local'," BFMT), E, "spec.ioConfig.inputSource: must be an object"},
    {BIO("'inputSource':{'baseDir':'/'}," BFMT), E, "spec.ioConfig.inputSource.type: required"},
    {BIO(BSRC), E, "spec.ioConfig.inputFormat: required"},
    {B("index_parallel", "'dataSchema':{'dataSource':'x','parser':{'parseSpec':{'format':'json','"
                         "timestampSpec':{}}}},"
                         "'ioConfig':{" BSRC "}"),
     E,
     "spec.dataSchema.parser: cannot be used together with inputSource; use ioConfig.inputFormat "
     "instead of parser"},
    {BIO(BSRC "," BFMT ",'appendToExisting':true,'dropExisting':true"), E,
     "spec.ioConfig.dropExisting: cannot be true when appendToExisting is true"},
    {BIO(BSRC "," BFMT ",'dropExisting':true"), E,
     "spec.dataSchema.granularitySpec.intervals: required when dropExisting is true"},
    {BTC("'type':'index'"), E, "spec.tuningConfig.type: must be index_parallel"},
    {BTC("'maxRowsInMemory':0"), E, "spec.tuningConfig.maxRowsInMemory: must be >= 1"},
    {BTC("'maxRowsPerSegment':10,'targetPartitionSize':10"), E,
     "spec.tuningConfig.targetPartitionSize: cannot be used together with maxRowsPerSegment"},
    {BPS("{'type':'dynamic'}"), E,
     "spec.tuningConfig.partitionsSpec.type: dynamic partitioning cannot be used with "
     "forceGuaranteedRollup"},
    {BTC("'partitionsSpec':{'type':'hashed','numShards':2}"), E,
     "spec.tuningConfig.partitionsSpec.type: must be dynamic unless forceGuaranteedRollup is "
     "true"},
    {BTC("'partitionsSpec':{'maxRowsPerSegment':2}"), E,
     "spec.tuningConfig.partitionsSpec.type: required"},
    {BPS("{'type':'linear'}"), E,
     "spec.tuningConfig.partitionsSpec.type: must be one of dynamic, hashed, single_dim, range"},
    {BPS("{'type':'hashed','numShards':2,'targetRowsPerSegment':100}"), E,
     "spec.tuningConfig.partitionsSpec.numShards: cannot be used together with "
     "targetRowsPerSegment"},
    {BPS("{'type':'hashed','numShards':0}"), E,
     "spec.tuningConfig.partitionsSpec.numShards: must be >= 1"},
    {BPS("{'type':'hashed','partitionFunction':'md5'}"), E,
     "spec.tuningConfig.partitionsSpec.partitionFunction: must be murmur3_32_abs"},
    {BPS("{'type':'single_dim','partitionDimension':'a'}"), E,
     "spec.tuningConfig.partitionsSpec.targetRowsPerSegment: exactly one of targetRowsPerSegment "
     "and maxRowsPerSegment is required"},
    {BPS("{'type':'single_dim','targetRowsPerSegment':10}"), E,
     "spec.tuningConfig.partitionsSpec.partitionDimension: required"},
    {BPS("{'type':'range','targetRowsPerSegment':10}"), E,
     "spec.tuningConfig.partitionsSpec.partitionDimensions: required"},
    {BPS("{'type':'range','partitionDimensions':['a'],'targetRowsPerSegment':10,'maxRowsPerSegment'"
         ":10}"),
     E,
     "spec.tuningConfig.partitionsSpec.targetRowsPerSegment: exactly one of targetRowsPerSegment "
     "and maxRowsPerSegment is required"},
    {B("index_parallel",
       BDS ",'ioConfig':{" BSRC "," BFMT
           ",'appendToExisting':true},'tuningConfig':{'forceGuaranteedRollup':true}"),
     E, "spec.tuningConfig.forceGuaranteedRollup: cannot be used with appendToExisting"},
    {BTC("'maxNumSubTasks':2,'maxNumConcurrentSubTasks':2"), E,
     "spec.tuningConfig.maxNumSubTasks: cannot be used together with maxNumConcurrentSubTasks"},
    {BTC("'maxNumConcurrentSubTasks':0"), E,
     "spec.tuningConfig.maxNumConcurrentSubTasks: must be >= 1"},
    {BTC("'totalNumMergeTasks':0"), E, "spec.tuningConfig.totalNumMergeTasks: must be >= 1"},
    {BTC("'splitHintSpec':{'maxSplitSize':10}"), E,
     "spec.tuningConfig.splitHintSpec.type: required"},
    {BTC("'chatHandlerTimeout':0"), E, "spec.tuningConfig.chatHandlerTimeout: must be >= 1"},
};

TEST(invalid_batch_specs)
{
    run(batch_cases, VRV_ARRAY_LEN(batch_cases), true);
}

/* Messages that come from the time library keep its wording after the path. */
TEST(invalid_times_name_the_field)
{
    static const struct {
        const char *json, *prefix;
    } cases[] = {
        {KIO("'taskDuration':'P1M'"), "spec.ioConfig.taskDuration: "},
        {K("'dataSchema':{'dataSource':'x','timestampSpec':{'format':'yyyy-QQ'}}," IO),
         "spec.dataSchema.timestampSpec.format: unable to parse timestamps with format "
         "[yyyy-QQ]: "},
        {KIO("'taskDuration':'1 hour'"), "spec.ioConfig.taskDuration: "},
        {KIO("'lateMessageRejectionStartDateTime':'yesterday'"),
         "spec.ioConfig.lateMessageRejectionStartDateTime: "},
        {K("'dataSchema':{'dataSource':'x','timestampSpec':{'missingValue':'2020-13-01'}}," IO),
         "spec.dataSchema.timestampSpec.missingValue: "},
        {KDS("'granularitySpec':{'intervals':['2020-02-01/2020-01-01']}"),
         "spec.dataSchema.granularitySpec.intervals[0]: "},
        {KDS("'granularitySpec':{'segmentGranularity':{'type':'period','period':'1D'}}"),
         "spec.dataSchema.granularitySpec.segmentGranularity.period: "},
        {KTC("'offsetFetchPeriod':'P1Y'"), "spec.tuningConfig.offsetFetchPeriod: "},
    };
    for (size_t i = 0; i < VRV_ARRAY_LEN(cases); i++) {
        json_t *j = unquote(cases[i].json);
        vrv_spec_supervisor s;
        vrv_error err;
        int rc = vrv_spec_supervisor_parse(j, NULL, &s, &err);
        json_decref(j);
        CHECK_INT(rc, VRV_EINVAL);
        if (rc == 0) {
            vrv_spec_supervisor_free(&s);
            continue;
        }
        size_t n = strlen(cases[i].prefix);
        if (strncmp(err.msg, cases[i].prefix, n) != 0 || strlen(err.msg) <= n + 5)
            vrv_test_fail(__FILE__, __LINE__, "case %zu: %s", i, err.msg);
    }
}
