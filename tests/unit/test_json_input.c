/*
 * test_json_input.c — the `json` input format: spec validation, the three
 * reading modes (file lines, stream records, JsonNodeReader), flattenSpec
 * fields of every type, discovery, null columns and parser features.
 */
#include <stdlib.h>

#include "input/flatten.h"
#include "input/input.h"
#include "json/jutil.h"
#include "json/jwriter.h"
#include "test.h"

typedef struct fx {
    vrv_input_format *fmt;
    vrv_input_reader *rd;
    vrv_fieldset fs;
    vrv_value vals[16];
    vrv_row row;
    vrv_arena arena;
    vrv_error err;
    vrv_buf show;
    char *buf;
} fx;

/* Parses the inputFormat JSON; returns the error code (message in f->err). */
static int fx_format(fx *f, const char *spec)
{
    memset(f, 0, sizeof *f);
    vrv_fieldset_init(&f->fs);
    vrv_arena_init(&f->arena, 0);
    json_t *j = NULL;
    if (vrv_json_load_buf(spec, strlen(spec), "spec", &j, &f->err) != 0) return -100;
    int rc = vrv_input_format_parse(j, "spec.ioConfig.inputFormat", &f->fmt, &f->err);
    json_decref(j);
    return rc;
}

static void fx_reader(fx *f, const char *const *fields, bool discover)
{
    for (size_t i = 0; fields && fields[i]; i++) vrv_fieldset_add(&f->fs, fields[i]);
    f->fs.discover = discover;
    f->rd = vrv_input_reader_new(f->fmt, &f->fs, &f->err);
    f->row.vals = f->vals;
    f->row.nvals = VRV_ARRAY_LEN(f->vals);
}

static void fx_free(fx *f)
{
    vrv_input_reader_free(f->rd);
    vrv_input_format_free(f->fmt);
    vrv_fieldset_destroy(&f->fs);
    vrv_arena_destroy(&f->arena);
    vrv_buf_free(&f->show);
    free(f->buf);
}

static const vrv_record_meta stream_meta = {.partition = 0, .offset = 1};

/* data is copied to an exact-size block; meta NULL reads it as a file */
static void start(fx *f, const char *data, const vrv_record_meta *meta)
{
    free(f->buf);
    size_t n = strlen(data);
    f->buf = malloc(n ? n : 1);
    memcpy(f->buf, data, n);
    vrv_input_reader_start(f->rd, f->buf, n, meta);
}

static int next(fx *f)
{
    vrv_error_clear(&f->err);
    return vrv_input_reader_next(f->rd, &f->row, &f->arena, &f->err);
}

static const char *show(fx *f, const vrv_value *v)
{
    vrv_buf_reset(&f->show);
    switch (v->type) {
    case VRV_V_NULL: vrv_buf_puts(&f->show, "null"); return f->show.data;
    case VRV_V_LONG: vrv_buf_puts(&f->show, (v->flags & VRV_VF_BOOL) ? "B:" : "L:"); break;
    case VRV_V_DOUBLE: vrv_buf_puts(&f->show, "D:"); break;
    case VRV_V_STRING: vrv_buf_puts(&f->show, "S:"); break;
    case VRV_V_ARRAY: vrv_buf_puts(&f->show, "A:"); break;
    case VRV_V_JSON: vrv_buf_puts(&f->show, "J:"); break;
    default: break;
    }
    vrv_jw w;
    vrv_jw_init(&w, &f->show, 0);
    vrv_jw_value(&w, v);
    return f->show.data;
}

/* "name=value;..." of the discovered fields */
static const char *extras(fx *f)
{
    static char out[2048];
    out[0] = 0;
    for (size_t i = 0; i < f->row.nextra; i++) {
        size_t l = strlen(out);
        snprintf(out + l, sizeof out - l, "%s%.*s=%s", i ? ";" : "", (int)f->row.extra_names[i].n,
                 f->row.extra_names[i].p, show(f, &f->row.extra_vals[i]));
    }
    return out;
}

static const char *raw(fx *f)
{
    static char out[1024];
    vrv_str r = vrv_input_reader_raw(f->rd);
    snprintf(out, sizeof out, "%.*s", (int)r.n, r.p);
    return out;
}

static void expect_spec_error(const char *spec, const char *msg)
{
    fx f;
    CHECK_INT(fx_format(&f, spec), VRV_EINVAL);
    CHECK_STR(f.err.msg, msg);
    fx_free(&f);
}

TEST(spec_validation)
{
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":[]}",
                      "spec.ioConfig.inputFormat.flattenSpec: must be an object");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":{}}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields: must be an array");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[\"a\",{\"type\":\"root\"}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[1].name: required");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[{\"name\":\"a\"}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[0].type: required, one of "
                      "root, path, jq, tree");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[{\"name\":\"a\",\"type\":"
                      "\"xpath\"}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[0].type: unknown field type "
                      "'xpath', expected root, path, jq or tree");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[{\"name\":\"a\",\"type\":"
                      "\"path\"}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[0].expr: required for a path "
                      "field");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[{\"name\":\"a\",\"type\":"
                      "\"tree\",\"nodes\":[]}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[0].nodes: required, a "
                      "non-empty list of keys");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[\"a\",{\"name\":\"b\",\"type\":"
                      "\"root\"},{\"name\":\"a\",\"type\":\"path\",\"expr\":\"$.x\"}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[2].name: duplicate field "
                      "definition 'a'");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[{\"name\":\"a\",\"type\":"
                      "\"path\",\"expr\":\"$.x[?(@.y)]\"}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[0].expr: invalid JsonPath "
                      "'$.x[?(@.y)]' at position 4: filter expressions are not supported");
    expect_spec_error("{\"type\":\"json\",\"flattenSpec\":{\"fields\":[{\"name\":\"a\",\"type\":"
                      "\"jq\",\"expr\":\"x\"}]}}",
                      "spec.ioConfig.inputFormat.flattenSpec.fields[0].expr: invalid jq expression "
                      "'x' at position 0: unsupported jq function 'x'");
    expect_spec_error("{\"type\":\"json\",\"featureSpec\":{\"ALLOW_WHATEVER\":true}}",
                      "spec.ioConfig.inputFormat.featureSpec.ALLOW_WHATEVER: unknown JSON parser "
                      "feature");
    expect_spec_error("{\"type\":\"json\",\"featureSpec\":{\"STRICT_DUPLICATE_DETECTION\":true}}",
                      "spec.ioConfig.inputFormat.featureSpec.STRICT_DUPLICATE_DETECTION: enabling "
                      "this parser feature is not supported by varve");
    expect_spec_error("{\"type\":\"json\",\"featureSpec\":{\"ALLOW_COMMENTS\":\"maybe\"}}",
                      "spec.ioConfig.inputFormat.featureSpec.ALLOW_COMMENTS: must be a boolean");
    expect_spec_error("{\"type\":\"json\",\"assumeNewlineDelimited\":true,\"useJsonNodeReader\":true}",
                      "spec.ioConfig.inputFormat.useJsonNodeReader: useJsonNodeReader cannot be set "
                      "to true when assumeNewlineDelimited is true");
    expect_spec_error("{\"type\":\"json\",\"keepNullColumns\":3}",
                      "spec.ioConfig.inputFormat.keepNullColumns: must be a boolean");

    fx f;
    CHECK_INT(fx_format(&f, "{\"type\":\"json\",\"featureSpec\":{\"ALLOW_SINGLE_QUOTES\":true,"
                            "\"STRICT_DUPLICATE_DETECTION\":false,\"AUTO_CLOSE_SOURCE\":true},"
                            "\"flattenSpec\":{\"useFieldDiscovery\":false,\"fields\":[\"a\",{\"type\":"
                            "\"TREE\",\"name\":\"t\",\"nodes\":[\"x\",\"y\"]},{\"type\":\"Path\","
                            "\"name\":\"p\",\"expr\":\"$.q[0]\"}]}}"),
              0);
    size_t n = 0;
    const char *const *cols = f.fmt->ops->columns(f.fmt->impl, &n);
    CHECK_INT(n, 3);
    CHECK_STR(cols[0], "a");
    CHECK_STR(cols[1], "t");
    CHECK_STR(cols[2], "p");
    fx_free(&f);
    CHECK_INT(fx_format(&f, "{\"type\":\"json\"}"), 0);
    CHECK(f.fmt->ops->columns(f.fmt->impl, &n) == NULL);
    CHECK_INT(n, 0);
    fx_free(&f);
}

TEST(file_lines)
{
    fx f;
    CHECK_INT(fx_format(&f, "{\"type\":\"json\"}"), 0);
    const char *fields[] = {"ts", "page", "added", NULL};
    fx_reader(&f, fields, false);
    CHECK(f.rd != NULL);
    start(&f,
          "{\"ts\":\"2026-01-01T00:00:00Z\",\"page\":\"Main\",\"added\":3}\n"
          "{\"ts\":\"2026-01-01T00:00:01Z\",\"page\":\"bad\n"
          "\n"
          "   \r\n"
          "{\"ts\":\"2026-01-01T00:00:02Z\",\"page\":\"Talk\",\"added\":-1} trailing ignored\r\n"
          "[1,2]\n"
          "{\"page\":\"x\"}",
          NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "S:\"2026-01-01T00:00:00Z\"");
    CHECK_STR(show(&f, &f.vals[1]), "S:\"Main\"");
    CHECK_STR(show(&f, &f.vals[2]), "L:3");
    CHECK_STR(raw(&f), "{\"ts\":\"2026-01-01T00:00:00Z\",\"page\":\"Main\",\"added\":3}");
    CHECK_INT(f.row.nextra, 0);
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "line 2: byte 36: unterminated string");
    CHECK_STR(raw(&f), "{\"ts\":\"2026-01-01T00:00:01Z\",\"page\":\"bad");
    /* blank lines have no JSON value: Jackson's "no content" */
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "line 3: no content, expected a JSON object");
    CHECK_STR(raw(&f), "");
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "line 4: no content, expected a JSON object");
    CHECK_STR(raw(&f), "   ");
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[1]), "S:\"Talk\"");
    CHECK_STR(show(&f, &f.vals[2]), "L:-1");
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "line 6: byte 0: expected a JSON object, found an array");
    CHECK_STR(raw(&f), "[1,2]");
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "null");
    CHECK_STR(show(&f, &f.vals[1]), "S:\"x\"");
    CHECK_INT(next(&f), 0);
    CHECK_INT(next(&f), 0);
    /* an empty block has no lines; a final line feed starts none; a lone CR is
     * whitespace */
    start(&f, "", NULL);
    CHECK_INT(next(&f), 0);
    start(&f, "{\"page\":1}\r{\"page\":2}\r\n", NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[1]), "L:1");
    CHECK_STR(raw(&f), "{\"page\":1}");
    CHECK_INT(next(&f), 0);
    fx_free(&f);
}

TEST(stream_records)
{
    fx f;
    CHECK_INT(fx_format(&f, "{\"type\":\"json\"}"), 0);
    const char *fields[] = {"a", NULL};
    fx_reader(&f, fields, false);
    /* one event */
    start(&f, " {\"a\":1}\n", &stream_meta);
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "L:1");
    CHECK_STR(raw(&f), "{\"a\":1}");
    CHECK_INT(next(&f), 0);
    /* several, one spanning lines */
    start(&f, "{\"a\":1}{\"a\":2}\n{\n  \"a\": [3,\n 4]\n}  ", &stream_meta);
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "L:1");
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "L:2");
    CHECK_STR(raw(&f), "{\"a\":2}");
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "A:[3,4]");
    CHECK_STR(raw(&f), "{\n  \"a\": [3,\n 4]\n}");
    CHECK_INT(next(&f), 0);
    /* one bad event spoils the record */
    start(&f, "{\"a\":1}\n{\"a\":}\n{\"a\":3}", &stream_meta);
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "byte 13: unexpected character '}', expected a value");
    CHECK_STR(raw(&f), "{\"a\":1}\n{\"a\":}\n{\"a\":3}");
    CHECK_INT(next(&f), 0);
    start(&f, "{\"a\":1} 7", &stream_meta);
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "byte 8: expected a JSON object, found a number");
    CHECK_INT(next(&f), 0);
    start(&f, " \n ", &stream_meta);
    CHECK_INT(next(&f), 0);
    fx_free(&f);
}

TEST(assume_newline_delimited_and_node_reader)
{
    fx f;
    CHECK_INT(fx_format(&f, "{\"type\":\"json\",\"assumeNewlineDelimited\":true}"), 0);
    const char *fields[] = {"a", NULL};
    fx_reader(&f, fields, false);
    start(&f, "{\"a\":1}\n{\"a\":}\n{\"a\":3}", &stream_meta);
    CHECK_INT(next(&f), 1);
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "line 2: byte 5: unexpected character '}', expected a value");
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "L:3");
    CHECK_INT(next(&f), 0);
    fx_free(&f);

    CHECK_INT(fx_format(&f, "{\"type\":\"json\",\"useJsonNodeReader\":true}"), 0);
    fx_reader(&f, fields, false);
    start(&f, "{\"a\":1} \"str\" {\"a\":2}\n{\"a\":tru}\n{\"a\":4}", &stream_meta);
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "L:1");
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "byte 8: expected a JSON object, found a string");
    CHECK_STR(raw(&f), "\"str\"");
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "L:2");
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "byte 27: invalid literal, expected 'true'");
    CHECK_STR(raw(&f), "{\"a\":tru}\n{\"a\":4}");
    CHECK_INT(next(&f), 0);
    fx_free(&f);
}

static const char *DRUID_EXAMPLE =
    "{\"timestamp\":\"2015-09-12T12:10:53.155Z\",\"dim1\":\"qwerty\",\"dim2\":\"asdf\","
    "\"ignore_me\":\"ignore this\",\"metrica\":9999,\"foo\":{\"bar\":\"abc\"},\"foo.bar\":\"def\","
    "\"hello\":[1.0,2.0,3.0,4.0,5.0],\"mixarray\":[1.0,2.0,3.0,4.0,{\"last\":5}],"
    "\"world\":[{\"hey\":\"there\"},{\"tree\":\"apple\"}],\"thing\":{\"food\":[\"sandwich\","
    "\"pizza\"]},\"nothing\":null,\"tags\":[\"x\",\"y\"]}";

static const char *FLATTEN_SPEC =
    "{\"type\":\"json\",\"flattenSpec\":{\"useFieldDiscovery\":true,\"fields\":["
    "{\"type\":\"root\",\"name\":\"dim1\"},\"dim2\","
    "{\"type\":\"path\",\"name\":\"foo.bar\",\"expr\":\"$.foo.bar\"},"
    "{\"type\":\"root\",\"name\":\"foo.bar-root\",\"expr\":\"foo.bar\"},"
    "{\"type\":\"path\",\"name\":\"path-metric\",\"expr\":\"$.nest.met\"},"
    "{\"type\":\"path\",\"name\":\"hello-0\",\"expr\":\"$.hello[0]\"},"
    "{\"type\":\"path\",\"name\":\"hello-4\",\"expr\":\"$.hello[4]\"},"
    "{\"type\":\"path\",\"name\":\"world-hey\",\"expr\":\"$.world[0].hey\"},"
    "{\"type\":\"path\",\"name\":\"worldtree\",\"expr\":\"$.world[1].tree\"},"
    "{\"type\":\"path\",\"name\":\"first-food\",\"expr\":\"$.thing.food[0]\"},"
    "{\"type\":\"path\",\"name\":\"second-food\",\"expr\":\"$.thing.food[1]\"},"
    "{\"type\":\"jq\",\"name\":\"first-food-jq\",\"expr\":\".thing.food[0]\"},"
    "{\"type\":\"jq\",\"name\":\"hello-total\",\"expr\":\".hello | length\"},"
    "{\"type\":\"tree\",\"name\":\"tree-food\",\"nodes\":[\"thing\",\"food\"]},"
    "{\"type\":\"path\",\"name\":\"hello-sum\",\"expr\":\"$.hello.sum()\"},"
    "{\"type\":\"path\",\"name\":\"last-hello\",\"expr\":\"$.hello[-1]\"},"
    "{\"type\":\"path\",\"name\":\"all-hey\",\"expr\":\"$..hey\"}]}}";

TEST(flatten_spec_fields)
{
    fx f;
    CHECK_INT(fx_format(&f, FLATTEN_SPEC), 0);
    const char *fields[] = {"timestamp",   "dim1",          "foo.bar",     "foo.bar-root",
                            "path-metric", "hello-0",       "hello-4",     "world-hey",
                            "worldtree",   "first-food-jq", "hello-total", "tree-food",
                            "hello-sum",   "last-hello",    "all-hey",     "foo",
                            NULL};
    fx_reader(&f, fields, false);
    start(&f, DRUID_EXAMPLE, NULL);
    CHECK_INT(next(&f), 1);
    const char *expect[] = {"S:\"2015-09-12T12:10:53.155Z\"",
                            "S:\"qwerty\"",
                            "S:\"abc\"",
                            "S:\"def\"",
                            "null",
                            "D:1.0",
                            "D:5.0",
                            "S:\"there\"",
                            "S:\"apple\"",
                            "S:\"sandwich\"",
                            "L:5",
                            "A:[\"sandwich\",\"pizza\"]",
                            "D:15.0",
                            "D:5.0",
                            "A:[\"there\"]",
                            "J:{\"bar\":\"abc\"}"};
    for (size_t i = 0; i < VRV_ARRAY_LEN(expect); i++) {
        if (strcmp(show(&f, &f.vals[i]), expect[i]) != 0) fprintf(stderr, "  field %s\n", fields[i]);
        CHECK_STR(show(&f, &f.vals[i]), expect[i]);
    }
    /* a jq type error is the event's error */
    start(&f, "{\"hello\":true,\"thing\":{\"food\":\"none\"}}", NULL);
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg, "line 1: jq '.thing.food[0]': Cannot index string with number");
    CHECK_INT(next(&f), 0);
    /* missing sources give null, empty lists and zero lengths */
    start(&f, "{\"timestamp\":1}", NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[9]), "null");
    CHECK_STR(show(&f, &f.vals[10]), "L:0");
    CHECK_STR(show(&f, &f.vals[12]), "null");
    CHECK_STR(show(&f, &f.vals[14]), "A:[]");
    fx_free(&f);
}

TEST(discovery)
{
    fx f;
    /* without a flattenSpec: simple root fields, nulls dropped */
    CHECK_INT(fx_format(&f, "{\"type\":\"json\"}"), 0);
    const char *fields[] = {"timestamp", NULL};
    fx_reader(&f, fields, true);
    start(&f, DRUID_EXAMPLE, NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(extras(&f),
              "timestamp=S:\"2015-09-12T12:10:53.155Z\";dim1=S:\"qwerty\";dim2=S:\"asdf\";"
              "ignore_me=S:\"ignore this\";metrica=L:9999;foo.bar=S:\"def\";"
              "hello=A:[1.0,2.0,3.0,4.0,5.0];tags=A:[\"x\",\"y\"]");
    fx_free(&f);

    /* useSchemaDiscovery: everything, nested included */
    CHECK_INT(fx_format(&f, "{\"type\":\"json\"}"), 0);
    f.fs.discover_nested = true;
    fx_reader(&f, NULL, true);
    start(&f, "{\"a\":{\"b\":1},\"n\":null,\"l\":[[1]],\"s\":\"x\"}", NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(extras(&f), "a=J:{\"b\":1};n=null;l=J:[[1]];s=S:\"x\"");
    fx_free(&f);

    /* a flattenSpec with discovery: its fields first, then root fields not
     * defined by it; keepNullColumns defaults to true */
    CHECK_INT(fx_format(&f, "{\"type\":\"json\",\"flattenSpec\":{\"fields\":["
                            "{\"type\":\"path\",\"name\":\"dim1\",\"expr\":\"$.foo.bar\"},"
                            "{\"type\":\"jq\",\"name\":\"n\",\"expr\":\".hello|length\"}]}}"),
              0);
    fx_reader(&f, NULL, true);
    start(&f, DRUID_EXAMPLE, NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(extras(&f),
              "dim1=S:\"abc\";n=L:5;timestamp=S:\"2015-09-12T12:10:53.155Z\";dim2=S:\"asdf\";"
              "ignore_me=S:\"ignore this\";metrica=L:9999;foo.bar=S:\"def\";"
              "hello=A:[1.0,2.0,3.0,4.0,5.0];nothing=null;tags=A:[\"x\",\"y\"]");
    fx_free(&f);

    /* keepNullColumns false; useFieldDiscovery false keeps only the fields */
    CHECK_INT(fx_format(&f, "{\"type\":\"json\",\"keepNullColumns\":false,\"flattenSpec\":{"
                            "\"fields\":[\"dim1\"]}}"),
              0);
    fx_reader(&f, NULL, true);
    start(&f, "{\"dim1\":\"a\",\"x\":null,\"y\":2}", NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(extras(&f), "dim1=S:\"a\";y=L:2");
    fx_free(&f);
    CHECK_INT(fx_format(&f, "{\"type\":\"json\",\"flattenSpec\":{\"useFieldDiscovery\":false,"
                            "\"fields\":[\"dim1\",{\"type\":\"tree\",\"name\":\"t\",\"nodes\":"
                            "[\"o\",\"k\"]}]}}"),
              0);
    const char *ts[] = {"y", NULL};
    fx_reader(&f, ts, true);
    start(&f, "{\"dim1\":\"a\",\"y\":2,\"o\":{\"k\":[1,\"2\"]}}", NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(extras(&f), "dim1=S:\"a\";t=A:[1,\"2\"]");
    /* a name outside the flattenSpec still reads the root field */
    CHECK_STR(show(&f, &f.vals[0]), "L:2");
    fx_free(&f);

    /* discovery with several events in one stream record */
    CHECK_INT(fx_format(&f, "{\"type\":\"json\"}"), 0);
    fx_reader(&f, NULL, true);
    start(&f, "{\"a\":1,\"b\":\"x\"}\n{\"c\":[true]}", &stream_meta);
    CHECK_INT(next(&f), 1);
    CHECK_STR(extras(&f), "a=L:1;b=S:\"x\"");
    CHECK_INT(next(&f), 1);
    CHECK_STR(extras(&f), "c=A:[true]");
    CHECK_INT(next(&f), 0);
    fx_free(&f);
}

TEST(features_and_values)
{
    fx f;
    CHECK_INT(fx_format(&f, "{\"type\":\"json\",\"featureSpec\":{\"ALLOW_SINGLE_QUOTES\":true,"
                            "\"ALLOW_COMMENTS\":true,\"ALLOW_UNQUOTED_CONTROL_CHARS\":true}}"),
              0);
    const char *fields[] = {"a", "b", "c", NULL};
    fx_reader(&f, fields, false);
    start(&f, "{'a':'x', /* note */ \"b\":\"tab\there\", 'c': true}\n{'a':2} // end", NULL);
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "S:\"x\"");
    CHECK_STR(show(&f, &f.vals[1]), "S:\"tab\\there\"");
    CHECK_STR(show(&f, &f.vals[2]), "B:true");
    CHECK_INT(next(&f), 1);
    CHECK_STR(show(&f, &f.vals[0]), "L:2");
    CHECK_INT(next(&f), 0);
    fx_free(&f);
    /* without the features the same text is malformed */
    CHECK_INT(fx_format(&f, "{\"type\":\"json\"}"), 0);
    fx_reader(&f, fields, false);
    start(&f, "{'a':'x'}", NULL);
    CHECK_INT(next(&f), VRV_EINVAL);
    CHECK_STR(f.err.msg,
              "line 1: byte 1: unexpected character ''', expected a field name in double quotes");
    fx_free(&f);
}
