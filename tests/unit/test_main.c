/*
 * test_main.c — runs every TEST registered in a unit test executable and exits
 * non-zero if any CHECK failed. Arguments select tests by name.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <unistd.h>

#include "test.h"

#define MAX_TESTS 4096

static struct {
    const char *name;
    vrv_test_fn fn;
} tests[MAX_TESTS];
static int ntests;
static int failures;
static const char *current;
static char tmpdir[256];

void vrv_test_register(const char *name, vrv_test_fn fn)
{
    if (ntests < MAX_TESTS) {
        tests[ntests].name = name;
        tests[ntests].fn = fn;
        ntests++;
    }
}

void vrv_test_fail(const char *file, int line, const char *fmt, ...)
{
    failures++;
    fprintf(stderr, "FAIL %s (%s:%d): ", current, file, line);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

const char *vrv_test_src_dir(void)
{
    const char *s = getenv("VARVE_SRC");
    return s && *s ? s : ".";
}

static void rm_tmpdir(void)
{
    if (tmpdir[0] && !getenv("VARVE_KEEP_TMP")) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmpdir);
    }
}

const char *vrv_test_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/varve-test-XXXXXX");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(2);
        }
        atexit(rm_tmpdir);
    }
    return tmpdir;
}

int main(int argc, char **argv)
{
    int ran = 0;
    for (int i = 0; i < ntests; i++) {
        if (argc > 1) {
            bool want = false;
            for (int j = 1; j < argc; j++)
                if (strcmp(argv[j], tests[i].name) == 0) want = true;
            if (!want) continue;
        }
        current = tests[i].name;
        int before = failures;
        tests[i].fn();
        ran++;
        fprintf(stderr, "%s %s\n", failures == before ? "ok  " : "FAIL", tests[i].name);
    }
    fprintf(stderr, "%d tests, %d failed checks\n", ran, failures);
    return failures ? 1 : (ran ? 0 : 3);
}
