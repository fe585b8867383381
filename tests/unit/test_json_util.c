/*
 * test_json_util.c — JSON loading errors and the typed, path-naming getters.
 */
#include <stdio.h>
#include <stdlib.h>

#include "json/jutil.h"
#include "test.h"

static json_t *load(const char *s)
{
    json_t *v = NULL;
    vrv_error err;
    vrv_error_clear(&err);
    if (vrv_json_load_buf(s, strlen(s), "test", &v, &err) != 0) {
        fprintf(stderr, "load failed: %s\n", err.msg);
        return NULL;
    }
    return v;
}

TEST(load_errors_have_line_and_column)
{
    vrv_error err;
    json_t *v = NULL;
    const char *bad = "{\n  \"a\": 1,\n  \"b\": }";
    CHECK_INT(vrv_json_load_buf(bad, strlen(bad), "spec.json", &v, &err), VRV_EINVAL);
    CHECK(v == NULL);
    CHECK_STR(err.msg, "spec.json: line 3, column 8: unexpected token near '}'");
    CHECK_INT(err.code, VRV_EINVAL);

    CHECK_INT(vrv_json_load_buf("", 0, "body", &v, &err), VRV_EINVAL);
    CHECK(strncmp(err.msg, "body: ", 6) == 0);

    CHECK_INT(vrv_json_load_buf("[1,2] x", 7, "body", &v, &err), VRV_EINVAL);
    CHECK(strstr(err.msg, "end of file expected") != NULL);

    CHECK_INT(vrv_json_load_buf("42", 2, "body", &v, &err), VRV_OK);
    CHECK(json_is_integer(v));
    json_decref(v);
}

TEST(load_file)
{
    char path[512];
    snprintf(path, sizeof path, "%s/x.json", vrv_test_tmpdir());
    FILE *f = fopen(path, "w");
    fputs("{\"type\":\"kafka\",\"n\":[1,2]}\n", f);
    fclose(f);
    json_t *v = NULL;
    vrv_error err;
    CHECK_INT(vrv_json_load_file(path, &v, &err), VRV_OK);
    CHECK_STR(json_string_value(json_object_get(v, "type")), "kafka");
    json_decref(v);

    snprintf(path, sizeof path, "%s/missing.json", vrv_test_tmpdir());
    CHECK_INT(vrv_json_load_file(path, &v, &err), VRV_EIO);
    CHECK(strstr(err.msg, "missing.json: No such file or directory") != NULL);
}

TEST(paths)
{
    char p[VRV_JSON_PATH_MAX];
    CHECK_STR(vrv_json_path_key(p, "spec.ioConfig", "taskCount"), "spec.ioConfig.taskCount");
    CHECK_STR(vrv_json_path_key(p, NULL, "spec"), "spec");
    CHECK_STR(vrv_json_path_key(p, "", "spec"), "spec");
    CHECK_STR(vrv_json_path_key(p, "a", "b c"), "a['b c']");
    CHECK_STR(vrv_json_path_index(p, "spec.metricsSpec", 2), "spec.metricsSpec[2]");
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    CHECK_INT(strlen(vrv_json_path_key(p, big, "k")), VRV_JSON_PATH_MAX - 1);
}

TEST(get_int)
{
    json_t *o = load("{\"taskCount\":3,\"s\":\"7\",\"r\":4.0,\"f\":4.5,\"b\":true,\"n\":null,"
                     "\"big\":3000000000,\"neg\":-5,\"str\":\"x\"}");
    vrv_error err;
    vrv_error_clear(&err);
    int x = -1;
    CHECK_INT(vrv_json_get_int(o, "taskCount", "spec.ioConfig", 1, &x, &err), 0);
    CHECK_INT(x, 3);
    CHECK_INT(vrv_json_get_int(o, "missing", "spec.ioConfig", 1, &x, &err), 0);
    CHECK_INT(x, 1);
    CHECK_INT(vrv_json_get_int(o, "n", "spec.ioConfig", 9, &x, &err), 0);
    CHECK_INT(x, 9);
    CHECK_INT(vrv_json_get_int(o, "s", "spec.ioConfig", 1, &x, &err), 0);
    CHECK_INT(x, 7);
    CHECK_INT(vrv_json_get_int(o, "r", "spec.ioConfig", 1, &x, &err), 0);
    CHECK_INT(x, 4);
    x = 11;
    CHECK_INT(vrv_json_get_int(o, "f", "spec.ioConfig", 1, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.ioConfig.f: must be an integer");
    CHECK_INT(x, 11);
    CHECK_INT(vrv_json_get_int(o, "b", "spec.ioConfig", 1, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.ioConfig.b: must be an integer");
    CHECK_INT(vrv_json_get_int(o, "str", "spec.ioConfig", 1, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.ioConfig.str: must be an integer");
    CHECK_INT(vrv_json_get_int(o, "big", "spec.ioConfig", 1, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.ioConfig.big: must be between -2147483648 and 2147483647");
    int64_t l = 0;
    CHECK_INT(vrv_json_get_int64(o, "big", "spec.ioConfig", 1, &l, &err), 0);
    CHECK_INT(l, 3000000000LL);
    CHECK_INT(vrv_json_get_int_range(o, "neg", "spec.ioConfig", 1, 1, 100, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.ioConfig.neg: must be >= 1");
    CHECK_INT(vrv_json_get_int64_range(o, "big", "spec.tuningConfig", 1, 0, 1000, &l, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "spec.tuningConfig.big: must be <= 1000");
    CHECK_INT(vrv_json_get_int_range(o, "taskCount", "spec.ioConfig", 1, 1, 100, &x, &err), 0);
    CHECK_INT(x, 3);
    /* not an object: everything is absent */
    CHECK_INT(vrv_json_get_int(NULL, "taskCount", "spec.ioConfig", 5, &x, &err), 0);
    CHECK_INT(x, 5);
    json_decref(o);
}

TEST(get_bool_string_double)
{
    json_t *o = load("{\"t\":true,\"f\":false,\"st\":\"true\",\"sF\":\"FALSE\",\"one\":1,"
                     "\"two\":2,\"s\":\"yes\",\"name\":\"wiki\",\"empty\":\"\",\"num\":5,"
                     "\"d\":2.5,\"di\":3,\"ds\":\"1e3\",\"dn\":\"NaN\"}");
    vrv_error err;
    bool b = false;
    CHECK_INT(vrv_json_get_bool(o, "t", "p", false, &b, &err), 0);
    CHECK(b);
    CHECK_INT(vrv_json_get_bool(o, "f", "p", true, &b, &err), 0);
    CHECK(!b);
    CHECK_INT(vrv_json_get_bool(o, "st", "p", false, &b, &err), 0);
    CHECK(b);
    CHECK_INT(vrv_json_get_bool(o, "sF", "p", true, &b, &err), 0);
    CHECK(!b);
    CHECK_INT(vrv_json_get_bool(o, "one", "p", false, &b, &err), 0);
    CHECK(b);
    CHECK_INT(vrv_json_get_bool(o, "missing", "p", true, &b, &err), 0);
    CHECK(b);
    CHECK_INT(vrv_json_get_bool(o, "two", "p", false, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "p.two: must be a boolean");
    CHECK_INT(vrv_json_get_bool(o, "s", "p", false, &b, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "p.s: must be a boolean");

    const char *s = NULL;
    CHECK_INT(vrv_json_get_string(o, "name", "spec.dataSchema", NULL, &s, &err), 0);
    CHECK_STR(s, "wiki");
    CHECK_INT(vrv_json_get_string(o, "missing", "spec.dataSchema", "dflt", &s, &err), 0);
    CHECK_STR(s, "dflt");
    CHECK_INT(vrv_json_get_string(o, "num", "spec.dataSchema", NULL, &s, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.dataSchema.num: must be a string");
    CHECK_INT(vrv_json_req_string(o, "dataSource", "spec.dataSchema", true, &s, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.dataSchema.dataSource: required");
    CHECK_INT(vrv_json_req_string(o, "empty", "spec.dataSchema", true, &s, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.dataSchema.empty: must not be empty");
    CHECK_INT(vrv_json_req_string(o, "empty", "spec.dataSchema", false, &s, &err), 0);
    CHECK_STR(s, "");

    double d = 0;
    CHECK_INT(vrv_json_get_double(o, "d", "q", 0, &d, &err), 0);
    CHECK_DBL(d, 2.5);
    CHECK_INT(vrv_json_get_double(o, "di", "q", 0, &d, &err), 0);
    CHECK_DBL(d, 3.0);
    CHECK_INT(vrv_json_get_double(o, "ds", "q", 0, &d, &err), 0);
    CHECK_DBL(d, 1000.0);
    CHECK_INT(vrv_json_get_double(o, "dn", "q", 0, &d, &err), 0);
    CHECK(isnan(d));
    CHECK_INT(vrv_json_get_double(o, "missing", "q", 0.25, &d, &err), 0);
    CHECK_DBL(d, 0.25);
    CHECK_INT(vrv_json_get_double(o, "name", "q", 0, &d, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "q.name: must be a number");
    json_decref(o);
}

TEST(get_arrays_objects)
{
    json_t *o = load("{\"dims\":[\"a\",\"b\"],\"bad\":[\"a\",3],\"notarr\":\"x\",\"obj\":{\"k\":1},"
                     "\"none\":null,\"empty\":[]}");
    vrv_error err;
    char **v = NULL;
    size_t n = 9;
    CHECK_INT(vrv_json_get_string_array(o, "dims", "spec.dimensionsSpec", &v, &n, &err), 0);
    CHECK_INT(n, 2);
    CHECK_STR(v[0], "a");
    CHECK_STR(v[1], "b");
    CHECK(v[2] == NULL);
    vrv_json_strv_free(v);
    CHECK_INT(vrv_json_get_string_array(o, "empty", "spec.dimensionsSpec", &v, &n, &err), 0);
    CHECK_INT(n, 0);
    CHECK(v && v[0] == NULL);
    vrv_json_strv_free(v);
    CHECK_INT(vrv_json_get_string_array(o, "none", "spec.dimensionsSpec", &v, &n, &err), 0);
    CHECK(v == NULL);
    CHECK_INT(n, 0);
    CHECK_INT(vrv_json_get_string_array(o, "bad", "spec.dimensionsSpec", &v, &n, &err),
              VRV_EINVAL);
    CHECK_STR(err.msg, "spec.dimensionsSpec.bad[1]: must be a string");
    CHECK_INT(vrv_json_get_string_array(o, "notarr", "spec", &v, &n, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.notarr: must be an array of strings");

    const json_t *x = NULL;
    CHECK_INT(vrv_json_get_object(o, "obj", "spec", true, &x, &err), 0);
    CHECK(json_is_object(x));
    CHECK_INT(vrv_json_get_object(o, "none", "spec", false, &x, &err), 0);
    CHECK(x == NULL);
    CHECK_INT(vrv_json_get_object(o, "ioConfig", "spec", true, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.ioConfig: required");
    CHECK_INT(vrv_json_get_object(o, "dims", "spec", true, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.dims: must be an object");
    CHECK_INT(vrv_json_get_array(o, "dims", "spec", true, &x, &err), 0);
    CHECK(json_is_array(x));
    CHECK_INT(vrv_json_get_array(o, "obj", "spec", true, &x, &err), VRV_EINVAL);
    CHECK_STR(err.msg, "spec.obj: must be an array");
    CHECK_STR(vrv_json_kind(json_object_get(o, "obj")), "an object");
    json_decref(o);
}
