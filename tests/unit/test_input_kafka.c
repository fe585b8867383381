/*
 * test_input_kafka.c — the kafka and kinesis wrapper formats: the side map of
 * record metadata (order, precedence, charsets), blending with payload rows
 * in fixed and discovery modes, keys, tombstones, errors and spec checks.
 */
#include "input_test_util.h"

#define CSV_XY "{\"type\":\"csv\",\"columns\":[\"x\",\"y\"]}"

static vrv_record_meta meta_base(void)
{
    vrv_record_meta m;
    memset(&m, 0, sizeof m);
    m.timestamp = 1700000000000LL;
    m.topic = VRV_STR_LIT("events");
    m.partition = 3;
    m.offset = 42;
    return m;
}

static char *read_kafka(const char *fmt, const char *fields, const char *payload,
                        const vrv_record_meta *m)
{
    return tu_read(fmt, fields, payload, payload ? strlen(payload) : 0, m);
}

TEST(kafka_discovery_side_map_order)
{
    vrv_record_header h[] = {
        {VRV_STR_LIT("env"), "prod", 4},
        {VRV_STR_LIT("trace"), NULL, 0},
        {VRV_STR_LIT("env"), "staging", 7}, /* a repeated name keeps the last value */
    };
    vrv_record_meta m = meta_base();
    m.headers = h;
    m.nheaders = 3;
    m.key = "user-7";
    m.key_len = 6;
    const char *fmt = "{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ","
                      "\"keyFormat\":{\"type\":\"csv\",\"columns\":[\"k\"]},"
                      "\"headerFormat\":{\"type\":\"string\"}}";
    CHECK_ROWS(read_kafka(fmt, "*", "1,2\n3,4\n", &m),
               "x=\"1\" y=\"2\" kafka.header.env=\"staging\" kafka.header.trace=null "
               "kafka.timestamp=1700000000000 kafka.topic=\"events\" kafka.partition=3 "
               "kafka.offset=42 kafka.key=\"user-7\"\n"
               "x=\"3\" y=\"4\" kafka.header.env=\"staging\" kafka.header.trace=null "
               "kafka.timestamp=1700000000000 kafka.topic=\"events\" kafka.partition=3 "
               "kafka.offset=42 kafka.key=\"user-7\"\n");
    /* the same in fixed mode, with fields the record does not have */
    CHECK_ROWS(read_kafka(fmt, "kafka.timestamp,x,kafka.key,kafka.header.env,nope", "1,2\n", &m),
               "kafka.timestamp=1700000000000 x=\"1\" kafka.key=\"user-7\" "
               "kafka.header.env=\"staging\" nope=null\n");
    /* without a headerFormat headers are not ingested; without a keyFormat
     * the key is not */
    CHECK_ROWS(read_kafka("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY "}", "*", "1,2", &m),
               "x=\"1\" y=\"2\" kafka.timestamp=1700000000000 kafka.topic=\"events\" "
               "kafka.partition=3 kafka.offset=42\n");
}

TEST(kafka_header_beats_timestamp)
{
    vrv_record_header h[] = {{VRV_STR_LIT("time"), "2024-05-01T00:00:00Z", 20}};
    vrv_record_meta m = meta_base();
    m.headers = h;
    m.nheaders = 1;
    const char *fmt = "{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ","
                      "\"headerFormat\":{\"type\":\"string\",\"encoding\":\"UTF-8\"},"
                      "\"timestampColumnName\":\"kafka.header.time\"}";
    CHECK_ROWS(read_kafka(fmt, "kafka.header.time,x", "1,2", &m),
               "kafka.header.time=\"2024-05-01T00:00:00Z\" x=\"1\"\n");
    /* a header also beats the topic, partition, offset and key columns */
    vrv_record_header h2[] = {{VRV_STR_LIT("t"), "from-header", 11}};
    m.headers = h2;
    m.key = "k1";
    m.key_len = 2;
    fmt = "{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ",\"headerColumnPrefix\":\"\","
          "\"headerFormat\":{\"type\":\"string\"},\"keyFormat\":{\"type\":\"csv\",\"columns\":[\"k\"]},"
          "\"topicColumnName\":\"t\",\"keyColumnName\":\"t\"}";
    CHECK_ROWS(read_kafka(fmt, "*", "1,2", &m),
               "x=\"1\" y=\"2\" t=\"from-header\" kafka.timestamp=1700000000000 "
               "kafka.partition=3 kafka.offset=42\n");
}

TEST(kafka_payload_beats_side_map)
{
    vrv_record_meta m = meta_base();
    const char *fmt = "{\"type\":\"kafka\",\"valueFormat\":{\"type\":\"csv\",\"columns\":"
                      "[\"kafka.topic\",\"kafka.offset\",\"v\"]}}";
    /* payload values win; an empty (null) payload value falls back to the
     * side map; a column the row lacks falls back too */
    CHECK_ROWS(read_kafka(fmt, "kafka.topic,kafka.offset,v", "mine,,1\nmine\n", &m),
               "kafka.topic=\"mine\" kafka.offset=42 v=\"1\"\n"
               "kafka.topic=\"mine\" kafka.offset=42 v=null\n");
    CHECK_ROWS(read_kafka(fmt, "*", "mine,,1\n", &m),
               "kafka.topic=\"mine\" kafka.offset=42 v=\"1\" kafka.timestamp=1700000000000 "
               "kafka.partition=3\n");
}

TEST(kafka_null_key_and_key_errors)
{
    vrv_record_meta m = meta_base();
    const char *fmt = "{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ","
                      "\"keyFormat\":{\"type\":\"regex\",\"pattern\":\"user-(\\\\d+)\"},"
                      "\"keyColumnName\":\"uid\"}";
    /* no key: no key column at all */
    CHECK_ROWS(read_kafka(fmt, "*", "1,2", &m),
               "x=\"1\" y=\"2\" kafka.timestamp=1700000000000 kafka.topic=\"events\" "
               "kafka.partition=3 kafka.offset=42\n");
    m.key = "user-99";
    m.key_len = 7;
    CHECK_ROWS(read_kafka(fmt, "uid,x", "1,2", &m), "uid=\"99\" x=\"1\"\n");
    /* a key the key format rejects fails the record once */
    m.key = "robot";
    m.key_len = 5;
    CHECK_ROWS(read_kafka(fmt, "uid,x", "1,2\n3,4\n", &m),
               "error: record key: line 1: no match for pattern [user-(\\d+)]\n");
    /* an empty key yields no row, so no key column */
    m.key = "";
    m.key_len = 0;
    CHECK_ROWS(read_kafka(fmt, "uid,x", "1,2", &m), "uid=null x=\"1\"\n");
    /* unknown partition and offset add no columns */
    m.partition = -1;
    m.offset = -1;
    CHECK_ROWS(read_kafka("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY "}", "*", "1,2", &m),
               "x=\"1\" y=\"2\" kafka.timestamp=1700000000000 kafka.topic=\"events\"\n");
}

TEST(kafka_header_charsets)
{
    vrv_record_meta m = meta_base();
    /* "é😀" in UTF-16LE with a BOM, in UTF-16BE without; an odd trailing byte
     * and a lone surrogate become U+FFFD */
    vrv_record_header h16[] = {
        {VRV_STR_LIT("le"), "\xFF\xFE\xE9\x00\x3D\xD8\x00\xDE", 8},
        {VRV_STR_LIT("be"), "\x00\xE9\xD8\x3D\xDE\x00", 6},
        {VRV_STR_LIT("odd"), "\x00\x41\x00", 3},
        {VRV_STR_LIT("lone"), "\xDC\x00\x00\x42", 4},
    };
    m.headers = h16;
    m.nheaders = 4;
    const char *fmt = "{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ",\"headerFormat\":"
                      "{\"type\":\"string\",\"encoding\":\"UTF-16\"}}";
    CHECK_ROWS(read_kafka(fmt, "kafka.header.le,kafka.header.be,kafka.header.odd,kafka.header.lone",
                          "1,2", &m),
               "kafka.header.le=\"\xC3\xA9\xF0\x9F\x98\x80\" kafka.header.be=\"\xC3\xA9\xF0\x9F\x98\x80\" "
               "kafka.header.odd=\"A\xEF\xBF\xBD\" kafka.header.lone=\"\xEF\xBF\xBD" "B\"\n");
    /* UTF-16LE keeps a byte-order mark as U+FEFF, as Java does */
    vrv_record_header hle[] = {{VRV_STR_LIT("h"), "\xFF\xFE\x41\x00", 4}};
    m.headers = hle;
    m.nheaders = 1;
    CHECK_ROWS(read_kafka("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ",\"headerFormat\":"
                          "{\"type\":\"string\",\"encoding\":\"utf-16le\"}}",
                          "kafka.header.h", "1,2", &m),
               "kafka.header.h=\"\xEF\xBB\xBF" "A\"\n");
    vrv_record_header h8[] = {{VRV_STR_LIT("h"), "caf\xE9", 4}};
    m.headers = h8;
    CHECK_ROWS(read_kafka("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ",\"headerFormat\":"
                          "{\"type\":\"string\",\"encoding\":\"ISO-8859-1\"}}",
                          "kafka.header.h", "1,2", &m),
               "kafka.header.h=\"caf\xC3\xA9\"\n");
    CHECK_ROWS(read_kafka("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ",\"headerFormat\":"
                          "{\"type\":\"string\",\"encoding\":\"US-ASCII\"}}",
                          "kafka.header.h", "1,2", &m),
               "kafka.header.h=\"caf\xEF\xBF\xBD\"\n");
    CHECK_ROWS(read_kafka("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ",\"headerFormat\":"
                          "{\"type\":\"string\"}}",
                          "kafka.header.h", "1,2", &m),
               "kafka.header.h=\"caf\xEF\xBF\xBD\"\n");
}

TEST(kafka_tombstone_and_row_errors)
{
    vrv_record_meta m = meta_base();
    const char *fmt = "{\"type\":\"kafka\",\"valueFormat\":" CSV_XY "}";
    /* no payload at all: one row of the side map alone */
    CHECK_ROWS(read_kafka(fmt, "*", NULL, &m),
               "kafka.timestamp=1700000000000 kafka.topic=\"events\" kafka.partition=3 "
               "kafka.offset=42\n");
    CHECK_ROWS(read_kafka(fmt, "x,kafka.offset", NULL, &m), "x=null kafka.offset=42\n");
    /* an empty payload has no rows */
    CHECK_ROWS(read_kafka(fmt, "x", "", &m), "");
    /* a bad payload row is reported and the next one read */
    CHECK_ROWS(read_kafka(fmt, "x,kafka.partition", "\"a\"b,1\n2,3\n", &m),
               "error: line 1: malformed quoting: unexpected character after the closing quote "
               "of field 1\n"
               "x=\"2\" kafka.partition=3\n");
    /* no record metadata (a file read through the wrapper): payload only */
    CHECK_ROWS(read_kafka(fmt, "*", "1,2", NULL), "x=\"1\" y=\"2\"\n");
}

TEST(kafka_reader_reuse_and_raw)
{
    vrv_input_format *f = tu_format("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ","
                                    "\"headerFormat\":{\"type\":\"string\"}}");
    vrv_fieldset fs;
    tu_fieldset(&fs, "x,kafka.header.a,kafka.header.b");
    vrv_input_reader *r = vrv_input_reader_new(f, &fs, NULL);
    vrv_record_header ha[] = {{VRV_STR_LIT("a"), "1", 1}};
    vrv_record_header hb[] = {{VRV_STR_LIT("b"), "2", 1}};
    vrv_record_meta m = meta_base();
    m.headers = ha;
    m.nheaders = 1;
    char *s1 = tu_read_with(r, &fs, "p,q", 3, &m);
    m.headers = hb;
    char *s2 = tu_read_with(r, &fs, "r,s", 3, &m);
    CHECK_STR(s1, "x=\"p\" kafka.header.a=\"1\" kafka.header.b=null\n");
    CHECK_STR(s2, "x=\"r\" kafka.header.a=null kafka.header.b=\"2\"\n");
    vrv_str raw = vrv_input_reader_raw(r);
    CHECK_STRN(raw.p, raw.n, "r,s");
    free(s1);
    free(s2);
    vrv_input_reader_free(r);
    vrv_fieldset_destroy(&fs);
    vrv_input_format_free(f);
}

TEST(kinesis_blending)
{
    vrv_record_meta m = meta_base();
    m.partition_key = VRV_STR_LIT("shard-key-1");
    m.timestamp = 1710000000123LL;
    CHECK_ROWS(read_kafka("{\"type\":\"kinesis\",\"valueFormat\":" CSV_XY "}", "*", "1,2\n", &m),
               "x=\"1\" y=\"2\" kinesis.timestamp=1710000000123 "
               "kinesis.partitionKey=\"shard-key-1\"\n");
    CHECK_ROWS(read_kafka("{\"type\":\"kinesis\",\"valueFormat\":{\"type\":\"csv\",\"columns\":"
                          "[\"pk\",\"v\"]},\"partitionKeyColumnName\":\"pk\","
                          "\"timestampColumnName\":\"arrived\"}",
                          "arrived,pk,v", "mine,1\n,2\n", &m),
               "arrived=1710000000123 pk=\"mine\" v=\"1\"\n"
               "arrived=1710000000123 pk=\"shard-key-1\" v=\"2\"\n");
    /* Druid compares only names that are both given: one name equal to the
     * other's default is accepted, and the partition key takes the column */
    CHECK_ROWS(read_kafka("{\"type\":\"kinesis\",\"valueFormat\":" CSV_XY
                          ",\"timestampColumnName\":\"kinesis.partitionKey\"}",
                          "*", "1,2\n", &m),
               "x=\"1\" y=\"2\" kinesis.partitionKey=\"shard-key-1\"\n");
    CHECK_ROWS(read_kafka("{\"type\":\"kinesis\",\"valueFormat\":" CSV_XY
                          ",\"partitionKeyColumnName\":\"kinesis.timestamp\"}",
                          "*", "1,2\n", &m),
               "x=\"1\" y=\"2\" kinesis.timestamp=\"shard-key-1\"\n");
}

TEST(wrapper_spec_errors)
{
    CHECK_STR(tu_format_error("{\"type\":\"kafka\"}"),
              "spec.ioConfig.inputFormat.valueFormat: required");
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":{\"type\":\"csv\"}}"),
              "spec.ioConfig.inputFormat.valueFormat.columns: required when findColumnsFromHeader "
              "is false (if [columns] is not set, the first row of the data must be a header and "
              "[findColumnsFromHeader] must be true)");
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY
                              ",\"keyFormat\":{\"type\":\"regex\"}}"),
              "spec.ioConfig.inputFormat.keyFormat.pattern: required");
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":{\"type\":\"kafka\","
                              "\"valueFormat\":" CSV_XY "}}"),
              "spec.ioConfig.inputFormat.valueFormat.type: a 'kafka' format cannot be nested in a "
              "'kafka' format");
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY
                              ",\"headerFormat\":{\"encoding\":\"UTF-8\"}}"),
              "spec.ioConfig.inputFormat.headerFormat.type: required, the only header format is "
              "'string'");
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY
                              ",\"headerFormat\":{\"type\":\"avro\"}}"),
              "spec.ioConfig.inputFormat.headerFormat.type: unknown header format 'avro', the only "
              "header format is 'string'");
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY
                              ",\"headerFormat\":{\"type\":\"string\",\"encoding\":\"EBCDIC\"}}"),
              "spec.ioConfig.inputFormat.headerFormat.encoding: unsupported charset 'EBCDIC' "
              "(UTF-8, ISO-8859-1, US-ASCII, UTF-16, UTF-16BE, UTF-16LE)");
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY ",\"keyColumnName\":1}"),
              "spec.ioConfig.inputFormat.keyColumnName: must be a string");
    CHECK_STR(tu_format_error("{\"type\":\"kinesis\",\"valueFormat\":" CSV_XY
                              ",\"partitionKeyColumnName\":\"t\",\"timestampColumnName\":\"t\"}"),
              "spec.ioConfig.inputFormat.partitionKeyColumnName: must differ from "
              "timestampColumnName [t]");
    CHECK_STR(tu_format_error("{\"type\":\"kinesis\",\"valueFormat\":{\"type\":\"kinesis\"}}"),
              "spec.ioConfig.inputFormat.valueFormat.type: a 'kinesis' format cannot be nested in "
              "a 'kinesis' format");
    /* null name fields mean the defaults */
    CHECK_STR(tu_format_error("{\"type\":\"kafka\",\"valueFormat\":" CSV_XY
                              ",\"keyColumnName\":null,\"headerFormat\":null}"),
              "");
}

TEST(wrapper_columns_op)
{
    vrv_input_format *f = tu_format("{\"type\":\"kafka\",\"valueFormat\":{\"type\":\"csv\","
                                    "\"columns\":[\"a\",\"kafka.topic\"]},\"keyFormat\":" CSV_XY "}");
    size_t n;
    const char *const *c = f->ops->columns(f->impl, &n);
    vrv_buf b = VRV_BUF_INIT;
    for (size_t i = 0; i < n; i++) vrv_buf_printf(&b, "%s%s", i ? "," : "", c[i]);
    CHECK_STR(b.data, "a,kafka.topic,kafka.timestamp,kafka.partition,kafka.offset,kafka.key");
    vrv_buf_free(&b);
    vrv_input_format_free(f);
    f = tu_format("{\"type\":\"kinesis\",\"valueFormat\":{\"type\":\"tsv\","
                  "\"findColumnsFromHeader\":true}}");
    c = f->ops->columns(f->impl, &n);
    CHECK_INT(n, 2);
    CHECK_STR(c[0], "kinesis.timestamp");
    CHECK_STR(c[1], "kinesis.partitionKey");
    vrv_input_format_free(f);
}

TEST(kafka_json_value_and_key)
{
    vrv_record_header h[] = {{VRV_STR_LIT("source"), "sensor-4", 8}};
    vrv_record_meta m = meta_base();
    m.headers = h;
    m.nheaders = 1;
    m.key = "{\"id\":\"u1\",\"region\":\"eu\"}";
    m.key_len = strlen(m.key);
    const char *fmt = "{\"type\":\"kafka\",\"valueFormat\":{\"type\":\"json\"},"
                      "\"keyFormat\":{\"type\":\"json\"},\"headerFormat\":{\"type\":\"string\"}}";
    /* two events in one record; a payload null falls back to the side map
     * (json leaves null fields out of discovery, so it comes in side-map
     * order), a payload value beats it; the key is the key object's first
     * field */
    const char *payload = "{\"x\":1,\"kafka.topic\":\"mine\",\"kafka.offset\":null}\n"
                          "{\"x\":2.5,\"tags\":[\"a\",\"b\"]}";
    CHECK_ROWS(read_kafka(fmt, "*", payload, &m),
               "x=1 kafka.topic=\"mine\" kafka.header.source=\"sensor-4\" "
               "kafka.timestamp=1700000000000 kafka.partition=3 kafka.offset=42 kafka.key=\"u1\"\n"
               "x=2.5 tags=[\"a\",\"b\"] kafka.header.source=\"sensor-4\" "
               "kafka.timestamp=1700000000000 kafka.topic=\"events\" kafka.partition=3 "
               "kafka.offset=42 kafka.key=\"u1\"\n");
    CHECK_ROWS(read_kafka(fmt, "kafka.key,x,kafka.offset,kafka.topic", payload, &m),
               "kafka.key=\"u1\" x=1 kafka.offset=42 kafka.topic=\"mine\"\n"
               "kafka.key=\"u1\" x=2.5 kafka.offset=42 kafka.topic=\"events\"\n");
    /* a malformed payload is one error for the record; a malformed key too */
    CHECK_ROWS(read_kafka(fmt, "x", "{\"x\":1}\n{\"x\":", &m),
               "error: byte 13: unexpected end of input, expected a value\n");
    m.key = "{\"id\":";
    m.key_len = strlen(m.key);
    CHECK_ROWS(read_kafka(fmt, "x", "{\"x\":1}", &m),
               "error: record key: byte 6: unexpected end of input, expected a value\n");
}

TEST(kinesis_json_value)
{
    vrv_record_meta m = meta_base();
    m.partition_key = VRV_STR_LIT("pk-9");
    CHECK_ROWS(read_kafka("{\"type\":\"kinesis\",\"valueFormat\":{\"type\":\"json\"}}", "*",
                          "{\"kinesis.partitionKey\":null,\"v\":\"x\"}", &m),
               "v=\"x\" kinesis.timestamp=1700000000000 kinesis.partitionKey=\"pk-9\"\n");
    CHECK_ROWS(read_kafka("{\"type\":\"kinesis\",\"valueFormat\":{\"type\":\"json\"}}",
                          "kinesis.partitionKey,v", "{\"kinesis.partitionKey\":null,\"v\":\"x\"}", &m),
               "kinesis.partitionKey=\"pk-9\" v=\"x\"\n");
}
