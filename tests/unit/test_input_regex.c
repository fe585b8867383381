/*
 * test_input_regex.c — the regex input format: whole-line matching, groups to
 * columns, default column names, unmatched groups, list delimiters, the Java
 * regex spellings varve translates, UTF-8 repair and spec errors.
 */
#include "input_test_util.h"

/* Apache combined log format, as a JSON string (backslashes doubled). */
#define ACCESS_PATTERN                                                                             \
    "^(\\\\S+) (\\\\S+) (\\\\S+) \\\\[([^\\\\]]+)\\\\] \\\"(\\\\S+) (\\\\S+) (\\\\S+)\\\" "         \
    "(\\\\d{3}) (\\\\S+) \\\"([^\\\"]*)\\\" \\\"([^\\\"]*)\\\"$"
#define ACCESS_PATTERN_TEXT                                                                        \
    "^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)\\] \"(\\S+) (\\S+) (\\S+)\" (\\d{3}) (\\S+) \"([^\"]*)\" "  \
    "\"([^\"]*)\"$"

TEST(regex_access_log)
{
    vrv_buf b = VRV_BUF_INIT;
    tu_data_file(&b, "access.log");
    const char *fmt = "{\"type\":\"regex\",\"pattern\":\"" ACCESS_PATTERN "\",\"columns\":[\"ip\","
                      "\"ident\",\"user\",\"ts\",\"method\",\"path\",\"proto\",\"status\","
                      "\"bytes\",\"referer\",\"agent\"]}";
    CHECK_ROWS(tu_read(fmt, "ts,ip,user,method,path,status,bytes,agent", b.data, b.len, NULL),
               "ts=\"10/Oct/2000:13:55:36 -0700\" ip=\"127.0.0.1\" user=\"frank\" method=\"GET\" "
               "path=\"/apache_pb.gif\" status=\"200\" bytes=\"2326\" "
               "agent=\"Mozilla/4.08 [en] (Win98; I ;Nav)\"\n"
               "ts=\"11/Oct/2000:14:01:02 -0700\" ip=\"192.168.1.20\" user=\"-\" method=\"POST\" "
               "path=\"/login\" status=\"302\" bytes=\"-\" agent=\"curl/7.88.1\"\n"
               "error: line 3: no match for pattern [" ACCESS_PATTERN_TEXT "]\n"
               "ts=\"12/Oct/2000:09:30:00 +0000\" ip=\"10.0.0.5\" user=\"alice\" method=\"GET\" "
               "path=\"/index.html\" status=\"404\" bytes=\"512\" agent=\"Wget/1.21\"\n");
    vrv_buf_free(&b);
}

TEST(regex_default_columns_and_groups)
{
    /* column_1..n; an unmatched optional group is null, an empty one "" */
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(a)?(b*)-(?<word>\\\\w+)\"}", "*",
                           "ab-x\n-yz\n"),
               "column_1=\"a\" column_2=\"b\" column_3=\"x\"\n"
               "column_1=null column_2=\"\" column_3=\"yz\"\n");
    /* more columns than groups: the rest null; fewer: extra groups ignored */
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(\\\\d+)\",\"columns\":[\"n\",\"m\"]}",
                           "*", "42"),
               "n=\"42\" m=null\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(\\\\d+)-(\\\\d+)\",\"columns\":[\"n\"]}",
                           "n", "1-2\r\n"),
               "n=\"1\"\n");
    /* no groups at all: rows with no columns */
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"x+\"}", "*", "xx\nxy\n"),
               "\nerror: line 2: no match for pattern [x+]\n");
}

TEST(regex_whole_line_must_match)
{
    const char *fmt = "{\"type\":\"regex\",\"pattern\":\"(\\\\d+)\"}";
    CHECK_ROWS(tu_read_str(fmt, "column_1", "12ab\nab12\n12\n\n"),
               "error: line 1: no match for pattern [(\\d+)]\n"
               "error: line 2: no match for pattern [(\\d+)]\n"
               "column_1=\"12\"\n"
               "error: line 4: no match for pattern [(\\d+)]\n");
    /* alternatives backtrack to cover the whole line, as Matcher.matches() */
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(a|ab)(c|bcd)\"}", "*", "abcd"),
               "column_1=\"a\" column_2=\"bcd\"\n");
}

TEST(regex_list_delimiter)
{
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(\\\\w+) (.*)\",\"listDelimiter\":\",\"}",
                           "*", "tags a,b,,c\nnone \n"),
               "column_1=\"tags\" column_2=[\"a\",\"b\",\"\",\"c\"]\n"
               "column_1=\"none\" column_2=\"\"\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(.*)\"}", "*", "x\x01y"),
               "column_1=[\"x\",\"y\"]\n");
}

TEST(regex_java_spellings)
{
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(\\\\p{Alpha}+) (\\\\p{Digit}+) "
                           "([\\\\p{Lower}\\\\p{Punct}]+)\\\\P{Alnum}(\\\\p{XDigit}+)\"}",
                           "*", "abc 123 x.y!z#BEEF"),
               "column_1=\"abc\" column_2=\"123\" column_3=\"x.y!z\" column_4=\"BEEF\"\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(\\\\p{IsLatin}+)-(\\\\p{javaLowerCase}+)"
                           "-(\\\\p{IsL}+)\"}",
                           "*", "Caf\xC3\xA9-\xC3\xA9t\xC3\xA9-\xCE\xB1\xCE\xB2"),
               "column_1=\"Caf\xC3\xA9\" column_2=\"\xC3\xA9t\xC3\xA9\" column_3=\"\xCE\xB1\xCE\xB2\"\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"caf\\\\u00e9 (\\\\x{41})\\\\x42\"}", "*",
                           "caf\xC3\xA9 AB"),
               "column_1=\"A\"\n");
    /* a surrogate pair spelled as two backslash-u escapes is one code point */
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(\\\\uD83D\\\\uDE00+)(.)\"}", "*",
                           "\xF0\x9F\x98\x80\xF0\x9F\x98\x80!"),
               "column_1=\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\" column_2=\"!\"\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"\\\\Q[x]\\\\E(.)\"}", "*", "[x]!"),
               "column_1=\"!\"\n");
}

TEST(regex_utf8_and_limits)
{
    /* ill-formed UTF-8 is replaced by U+FFFD before matching, as Java does */
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"(.)(.)\"}", "*", "\xFF" "a"),
               "column_1=\"\xEF\xBF\xBD\" column_2=\"a\"\n");
    /* catastrophic backtracking is a row error, not a hang */
    char line[64];
    memset(line, 'a', 40);
    strcpy(line + 40, "!\nok\n");
    CHECK_ROWS(tu_read_str("{\"type\":\"regex\",\"pattern\":\"((a|aa)+)+b|(ok)\"}", "column_3",
                           line),
               "error: line 1: matching pattern [((a|aa)+)+b|(ok)] failed: match limit exceeded\n"
               "column_3=\"ok\"\n");
}

TEST(regex_spec_errors)
{
    CHECK_STR(tu_format_error("{\"type\":\"regex\"}"), "spec.ioConfig.inputFormat.pattern: required");
    CHECK_STR(tu_format_error("{\"type\":\"regex\",\"pattern\":5}"),
              "spec.ioConfig.inputFormat.pattern: must be a string");
    CHECK_STR(tu_format_error("{\"type\":\"regex\",\"pattern\":\"(a\"}"),
              "spec.ioConfig.inputFormat.pattern: invalid regular expression: missing closing "
              "parenthesis");
    CHECK_STR(tu_format_error("{\"type\":\"regex\",\"pattern\":\"(a)(b)\",\"columns\":[\"x\",\"x\"]}"),
              "spec.ioConfig.inputFormat.columns: duplicate column name 'x'");
    CHECK_STR(tu_format_error("{\"type\":\"regex\",\"pattern\":\"a\",\"listDelimiter\":\"\"}"),
              "spec.ioConfig.inputFormat.listDelimiter: must not be empty");

    vrv_input_format *f = tu_format("{\"type\":\"regex\",\"pattern\":\"(a)(b)(c)\"}");
    size_t n;
    const char *const *c = f->ops->columns(f->impl, &n);
    CHECK_INT(n, 3);
    CHECK_STR(c[2], "column_3");
    vrv_input_format_free(f);
}
