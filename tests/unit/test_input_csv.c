/*
 * test_input_csv.c — the csv and tsv input formats: spec validation, header
 * handling, RFC 4180 quoting, ragged rows, nulls, list delimiters, number
 * parsing, discovery mode and row errors, over the corpora in
 * tests/data/input/.
 */
#include "input_test_util.h"

#define CSV_HDR_PIPE "{\"type\":\"csv\",\"findColumnsFromHeader\":true,\"listDelimiter\":\"|\"}"

TEST(csv_header_quotes_lists)
{
    vrv_buf b = VRV_BUF_INIT;
    tu_data_file(&b, "header.csv");
    CHECK_ROWS(tu_read(CSV_HDR_PIPE, "ts,name,score,tags", b.data, b.len, NULL),
               "ts=\"2019-01-01T00:00:10Z\" name=\"name_1\" score=\"5\" tags=[\"a\",\"b\"]\n"
               "ts=\"2019-01-01T00:00:20Z\" name=\"name, two\" score=\"10\" tags=null\n"
               "ts=\"2019-01-01T00:00:30Z\" name=\"say \\\"hi\\\"\" score=null "
               "tags=[\"x\",\"y\",\"z\"]\n");
    /* fields in another order, one the data does not have */
    CHECK_ROWS(tu_read(CSV_HDR_PIPE, "missing,score,ts", b.data, b.len, NULL),
               "missing=null score=\"5\" ts=\"2019-01-01T00:00:10Z\"\n"
               "missing=null score=\"10\" ts=\"2019-01-01T00:00:20Z\"\n"
               "missing=null score=null ts=\"2019-01-01T00:00:30Z\"\n");
    /* the default list delimiter is U+0001, so '|' is an ordinary character */
    CHECK_ROWS(tu_read("{\"type\":\"csv\",\"findColumnsFromHeader\":true}", "tags", b.data, b.len,
                       NULL),
               "tags=\"a|b\"\ntags=null\ntags=\"x|y|z\"\n");
    vrv_buf_free(&b);
}

TEST(csv_embedded_newlines_crlf)
{
    vrv_buf b = VRV_BUF_INIT;
    tu_data_file(&b, "quoted.csv");
    CHECK_ROWS(tu_read("{\"type\":\"csv\",\"findColumnsFromHeader\":true}", "id,comment,ts", b.data,
                       b.len, NULL),
               "id=\"1\" comment=\"line one\\r\\nline two\" ts=\"2018-05-05T10:00:00Z\"\n"
               "id=\"2\" comment=\"multi\\n\\nblank\" ts=\"2018-05-06T10:00:00Z\"\n"
               "id=\"3\" comment=\"\" ts=\"2018-05-07T10:00:00Z\"\n"
               "id=\"4\" comment=\"a \\\"quoted\\\" word\" ts=\"2018-05-08T10:00:00Z\"\n");
    vrv_buf_free(&b);
}

TEST(csv_ragged_rows_and_empty_line)
{
    vrv_buf b = VRV_BUF_INIT;
    tu_data_file(&b, "ragged.csv");
    /* missing fields are null, extra ones ignored; an empty line is a row of
     * nulls as in Druid; empty unquoted fields are null */
    CHECK_ROWS(tu_read("{\"type\":\"csv\",\"columns\":[\"id\",\"a\",\"b\",\"c\"]}", "id,a,b,c",
                       b.data, b.len, NULL),
               "id=\"1\" a=\"a\" b=\"b\" c=\"c\"\n"
               "id=\"2\" a=\"a\" b=null c=null\n"
               "id=\"3\" a=\"a\" b=\"b\" c=\"c\"\n"
               "id=null a=null b=null c=null\n"
               "id=\"4\" a=null b=null c=null\n");
    /* discovery lists every column, null where the row is short */
    CHECK_ROWS(tu_read("{\"type\":\"csv\",\"columns\":[\"id\",\"a\",\"b\",\"c\"]}", "*", b.data,
                       b.len, NULL),
               "id=\"1\" a=\"a\" b=\"b\" c=\"c\"\n"
               "id=\"2\" a=\"a\" b=null c=null\n"
               "id=\"3\" a=\"a\" b=\"b\" c=\"c\"\n"
               "id=null a=null b=null c=null\n"
               "id=\"4\" a=null b=null c=null\n");
    vrv_buf_free(&b);
}

TEST(csv_malformed_quoting)
{
    vrv_buf b = VRV_BUF_INIT;
    tu_data_file(&b, "malformed.csv");
    CHECK_ROWS(tu_read("{\"type\":\"csv\",\"columns\":[\"id\",\"v\",\"x\"]}", "id,v,x", b.data,
                       b.len, NULL),
               "id=\"1\" v=\"ok\" x=\"x\"\n"
               "error: line 2: malformed quoting: unexpected character after the closing quote "
               "of field 2\n"
               "id=\"3\" v=\"fine\" x=\"x\"\n"
               "error: line 4: unterminated quoted field (field 2)\n"
               "id=\"5\" v=\"after\" x=\"x\"\n");
    vrv_buf_free(&b);
}

TEST(csv_raw_bytes_of_rows)
{
    vrv_input_format *f = tu_format("{\"type\":\"csv\",\"columns\":[\"a\",\"b\"]}");
    vrv_fieldset fs;
    tu_fieldset(&fs, "a,b");
    vrv_input_reader *r = vrv_input_reader_new(f, &fs, NULL);
    vrv_arena arena;
    vrv_arena_init(&arena, 0);
    vrv_value vals[2];
    vrv_row row = {vals, 2, 0, NULL, NULL};
    vrv_error err;
    const char *data = "x,\"y\r\nz\"\r\n\"bad\"q,1\nlast,2";
    vrv_input_reader_start(r, data, strlen(data), NULL);
    CHECK_INT(vrv_input_reader_next(r, &row, &arena, &err), 1);
    vrv_str raw = vrv_input_reader_raw(r);
    CHECK_STRN(raw.p, raw.n, "x,\"y\r\nz\"");
    CHECK_INT(vrv_input_reader_next(r, &row, &arena, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "line 3: malformed quoting: unexpected character after the closing quote "
                       "of field 1");
    raw = vrv_input_reader_raw(r);
    CHECK_STRN(raw.p, raw.n, "\"bad\"q,1");
    CHECK_INT(vrv_input_reader_next(r, &row, &arena, &err), 1);
    raw = vrv_input_reader_raw(r);
    CHECK_STRN(raw.p, raw.n, "last,2");
    CHECK_STRN(vals[1].u.s, vals[1].len, "2");
    CHECK_INT(vrv_input_reader_next(r, &row, &arena, &err), 0);
    CHECK_INT(vrv_input_reader_next(r, &row, &arena, &err), 0);
    vrv_arena_destroy(&arena);
    vrv_input_reader_free(r);
    vrv_fieldset_destroy(&fs);
    vrv_input_format_free(f);
}

TEST(csv_line_endings_and_blocks)
{
    const char *fmt = "{\"type\":\"csv\",\"columns\":[\"a\",\"b\"]}";
    CHECK_ROWS(tu_read_str(fmt, "a,b", ""), "");
    CHECK_ROWS(tu_read_str(fmt, "a,b", "1,2"), "a=\"1\" b=\"2\"\n");
    CHECK_ROWS(tu_read_str(fmt, "a,b", "1,2\n"), "a=\"1\" b=\"2\"\n");
    CHECK_ROWS(tu_read_str(fmt, "a,b", "1,2\r\n3,4\r\n"), "a=\"1\" b=\"2\"\na=\"3\" b=\"4\"\n");
    CHECK_ROWS(tu_read_str(fmt, "a,b", "\n"), "a=null b=null\n");
    CHECK_ROWS(tu_read_str(fmt, "a,b", "1,\n"), "a=\"1\" b=null\n");
    CHECK_ROWS(tu_read_str(fmt, "a,b", ",\"\""), "a=null b=\"\"\n");
    /* a lone CR inside a line is data; one before LF is the line ending */
    CHECK_ROWS(tu_read_str(fmt, "a,b", "x\ry,z\r\n"), "a=\"x\\ry\" b=\"z\"\n");
    /* whitespace is kept, a doubled quote inside an unquoted field collapses */
    CHECK_ROWS(tu_read_str(fmt, "a,b", " p , q\"\"r"), "a=\" p \" b=\" q\\\"r\"\n");
    /* a quoted field may end the block without a line feed */
    CHECK_ROWS(tu_read_str(fmt, "a,b", "1,\"two, three\""), "a=\"1\" b=\"two, three\"\n");
    CHECK_ROWS(tu_read_str(fmt, "a,b", "\"\"\"\",\"a\"\"\"\"b\""), "a=\"\\\"\" b=\"a\\\"\\\"b\"\n");
}

TEST(csv_skip_rows_then_header)
{
    const char *data = "this,is,a,row,to,skip\nts,name,score\n2019,n1,5\n2020,n2,6\n";
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"findColumnsFromHeader\":true,\"skipHeaderRows\":1}",
                           "*", data),
               "ts=\"2019\" name=\"n1\" score=\"5\"\nts=\"2020\" name=\"n2\" score=\"6\"\n");
    /* skipHeaderRows without a header, with columns */
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"columns\":[\"x\",\"y\"],\"skipHeaderRows\":2}", "x,y",
                           data),
               "x=\"2019\" y=\"n1\"\nx=\"2020\" y=\"n2\"\n");
    /* the deprecated hasHeaderRow alias */
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"hasHeaderRow\":true}", "name", "ts,name\n1,a\n"),
               "name=\"a\"\n");
    /* findColumnsFromHeader with columns given: the header row wins */
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"columns\":[\"p\",\"q\"],\"findColumnsFromHeader\":true}",
                           "p,name", "ts,name\n1,a\n"),
               "p=null name=\"a\"\n");
    /* a block of nothing but skipped rows yields nothing */
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"findColumnsFromHeader\":true,\"skipHeaderRows\":5}",
                           "*", data),
               "");
}

TEST(csv_header_per_block)
{
    /* each block (a stream record) carries its own header */
    vrv_input_format *f = tu_format("{\"type\":\"csv\",\"findColumnsFromHeader\":true}");
    vrv_fieldset fs;
    tu_fieldset(&fs, "a,b,c");
    vrv_input_reader *r = vrv_input_reader_new(f, &fs, NULL);
    char *s1 = tu_read_with(r, &fs, "a,b\n1,2\n", 8, NULL);
    char *s2 = tu_read_with(r, &fs, "c,a\n3,4\n", 8, NULL);
    CHECK_STR(s1, "a=\"1\" b=\"2\" c=null\n");
    CHECK_STR(s2, "a=\"4\" b=null c=\"3\"\n");
    free(s1);
    free(s2);
    vrv_input_reader_free(r);
    vrv_fieldset_destroy(&fs);
    vrv_input_format_free(f);
}

TEST(csv_header_names)
{
    const char *fmt = "{\"type\":\"csv\",\"findColumnsFromHeader\":true}";
    /* an empty header name becomes column_<n> */
    CHECK_ROWS(tu_read_str(fmt, "*", "a,,\"\",d\n1,2,3,4\n"),
               "a=\"1\" column_2=\"2\" column_3=\"3\" d=\"4\"\n");
    /* the same for an empty name in `columns` */
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"columns\":[\"a\",\"\"]}", "*", "1,2\n"),
               "a=\"1\" column_2=\"2\"\n");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"column_2\",\"\"]}"),
              "spec.ioConfig.inputFormat.columns: duplicate column name 'column_2'");
    /* a repeated name fails the whole block */
    CHECK_ROWS(tu_read_str(fmt, "*", "a,b,a,b,c\n1,2,3,4,5\n6,7,8,9,0\n"),
               "error: line 1: duplicate column entries found in the header: [a, b]\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"findColumnsFromHeader\":true,\"skipHeaderRows\":1}",
                           "*", "junk\nx,x\n1,2\n"),
               "error: line 2: duplicate column entries found in the header: [x]\n");
}

TEST(csv_try_parse_numbers)
{
    const char *fmt = "{\"type\":\"csv\",\"columns\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\","
                      "\"i\"],\"listDelimiter\":\"|\",\"tryParseNumbers\":true}";
    CHECK_ROWS(tu_read_str(fmt, "*", "3,1.0,foo,1|2|x,false,08,1e3,NaN,-7\n"),
               "a=3 b=1.0 c=\"foo\" d=[1,2,\"x\"] e=\"false\" f=\"08\" g=1000.0 h=\"NaN\" i=-7\n");
    CHECK_ROWS(tu_read_str(fmt, "*", "007,-0.5,9223372036854775808,.5, 1,1.5f,0x1F,,\"2\"\n"),
               "a=7 b=-0.5 c=9.223372036854776E18 d=0.5 e=\" 1\" f=1.5 g=\"0x1F\" h=null i=2\n");
    /* without tryParseNumbers everything stays text */
    CHECK_ROWS(tu_read_str("{\"type\":\"csv\",\"columns\":[\"a\",\"b\"]}", "a,b", "3,1.0"),
               "a=\"3\" b=\"1.0\"\n");
}

TEST(csv_invalid_utf8_replaced)
{
    const char *fmt = "{\"type\":\"csv\",\"columns\":[\"a\",\"b\"]}";
    /* each maximal ill-formed subpart becomes one U+FFFD, as Java decodes */
    CHECK_ROWS(tu_read_str(fmt, "a,b", "ok\xC3\xA9,x\xFFy\xE2\x82z\xF0\x9F\x98\n"),
               "a=\"ok\xC3\xA9\" b=\"x\xEF\xBF\xBDy\xEF\xBF\xBDz\xEF\xBF\xBD\"\n");
    CHECK_ROWS(tu_read_str(fmt, "a,b", "\xED\xA0\x80,\xC0\xAF"),
               "a=\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\" b=\"\xEF\xBF\xBD\xEF\xBF\xBD\"\n");
}

TEST(tsv_basic)
{
    vrv_buf b = VRV_BUF_INIT;
    tu_data_file(&b, "people.tsv");
    /* no quote processing in tsv; empty fields are null */
    CHECK_ROWS(tu_read("{\"type\":\"tsv\",\"findColumnsFromHeader\":true}", "name,city,score",
                       b.data, b.len, NULL),
               "name=\"alice\" city=\"\\\"Paris, FR\\\"\" score=\"10\"\n"
               "name=\"bob\" city=null score=\"7\"\n"
               "name=\"carol\" city=\"Berlin\" score=\"tag1,tag2\"\n");
    CHECK_ROWS(tu_read("{\"type\":\"tsv\",\"findColumnsFromHeader\":true,\"listDelimiter\":\",\"}",
                       "city,score", b.data, b.len, NULL),
               "city=[\"\\\"Paris\",\" FR\\\"\"] score=\"10\"\n"
               "city=null score=\"7\"\n"
               "city=\"Berlin\" score=[\"tag1\",\"tag2\"]\n");
    vrv_buf_free(&b);
}

TEST(tsv_delimiters)
{
    CHECK_ROWS(tu_read_str("{\"type\":\"tsv\",\"columns\":[\"a\",\"b\",\"c\"],\"delimiter\":\"|\"}",
                           "a,b,c", "1|\"x|y\"|3\r\n||\n"),
               "a=\"1\" b=\"\\\"x\" c=\"y\\\"\"\na=null b=null c=null\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"tsv\",\"columns\":[\"a\",\"b\",\"c\"],\"delimiter\":\"::\"}",
                           "a,b,c", "1::2:3::4\n:::\n"),
               "a=\"1\" b=\"2:3\" c=\"4\"\na=null b=\":\" c=null\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"tsv\",\"columns\":[\"a\",\"b\"],\"tryParseNumbers\":true}",
                           "a,b", "1\t2.5\n"),
               "a=1 b=2.5\n");
}

TEST(delimited_spec_errors)
{
    CHECK_STR(tu_format_error("{\"type\":\"csv\"}"),
              "spec.ioConfig.inputFormat.columns: required when findColumnsFromHeader is false (if "
              "[columns] is not set, the first row of the data must be a header and "
              "[findColumnsFromHeader] must be true)");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[],\"findColumnsFromHeader\":false}"),
              "spec.ioConfig.inputFormat.columns: required when findColumnsFromHeader is false (if "
              "[columns] is not set, the first row of the data must be a header and "
              "[findColumnsFromHeader] must be true)");
    CHECK_STR(tu_format_error(
                  "{\"type\":\"tsv\",\"findColumnsFromHeader\":true,\"hasHeaderRow\":true}"),
              "spec.ioConfig.inputFormat: cannot accept both [findColumnsFromHeader] and "
              "[hasHeaderRow]");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a\",\"b\",\"a\"]}"),
              "spec.ioConfig.inputFormat.columns: duplicate column name 'a'");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a\",\"b,c\"]}"),
              "spec.ioConfig.inputFormat.columns[1]: column [b,c] cannot have the delimiter [,] in "
              "its name");
    CHECK_STR(tu_format_error(
                  "{\"type\":\"tsv\",\"columns\":[\"a\"],\"delimiter\":\"|\",\"listDelimiter\":\"|\"}"),
              "spec.ioConfig.inputFormat.listDelimiter: cannot be the same as the delimiter [|]");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":\"a\"}"),
              "spec.ioConfig.inputFormat.columns: must be an array of strings");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a\",7]}"),
              "spec.ioConfig.inputFormat.columns[1]: must be a string");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a\"],\"skipHeaderRows\":-1}"),
              "spec.ioConfig.inputFormat.skipHeaderRows: must be >= 0");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a\"],\"skipHeaderRows\":\"x\"}"),
              "spec.ioConfig.inputFormat.skipHeaderRows: must be an integer");
    CHECK_STR(tu_format_error("{\"type\":\"tsv\",\"columns\":[\"a\"],\"delimiter\":\"\"}"),
              "spec.ioConfig.inputFormat.delimiter: must not be empty");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a\"],\"listDelimiter\":\"\"}"),
              "spec.ioConfig.inputFormat.listDelimiter: must not be empty");
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a\"],\"findColumnsFromHeader\":3}"),
              "spec.ioConfig.inputFormat.findColumnsFromHeader: must be a boolean");
    CHECK_STR(tu_format_error("{\"type\":\"nope\"}"),
              "spec.ioConfig.inputFormat.type: unknown input format 'nope'");
    /* Jackson-style leniency: numeric strings and "true" are accepted */
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"findColumnsFromHeader\":\"true\","
                              "\"skipHeaderRows\":\"2\"}"),
              "");
    /* csv has no `delimiter` field: Druid ignores it */
    CHECK_STR(tu_format_error("{\"type\":\"csv\",\"columns\":[\"a|b\"],\"delimiter\":\"|\"}"), "");
}

TEST(delimited_columns_op)
{
    vrv_input_format *f = tu_format("{\"type\":\"csv\",\"columns\":[\"x\",\"y\"]}");
    size_t n = 0;
    const char *const *c = f->ops->columns(f->impl, &n);
    CHECK_INT(n, 2);
    CHECK_STR(c[0], "x");
    CHECK_STR(c[1], "y");
    vrv_input_format_free(f);
    f = tu_format("{\"type\":\"tsv\",\"findColumnsFromHeader\":true}");
    c = f->ops->columns(f->impl, &n);
    CHECK_INT(n, 0);
    CHECK(c == NULL);
    vrv_input_format_free(f);
}
