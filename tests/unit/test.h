/*
 * test.h — the unit test harness: TEST(name) { ... } registers a test; CHECK*
 * macros record a failure with file:line and keep going; a test file needs no
 * main (test_main.c provides it). Run one test with `./test_x name`.
 */
#ifndef VRV_TEST_H
#define VRV_TEST_H

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef void (*vrv_test_fn)(void);
void vrv_test_register(const char *name, vrv_test_fn fn);
void vrv_test_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Directory of the source tree (env VARVE_SRC, else "."), for test data paths. */
const char *vrv_test_src_dir(void);
/* A fresh empty temporary directory for this test process (removed at exit). */
const char *vrv_test_tmpdir(void);

#define TEST(name)                                                                                 \
    static void test_##name(void);                                                                 \
    __attribute__((constructor)) static void register_##name(void)                                 \
    {                                                                                              \
        vrv_test_register(#name, test_##name);                                                     \
    }                                                                                              \
    static void test_##name(void)

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) vrv_test_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                        \
    } while (0)

#define CHECK_INT(a, b)                                                                            \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_) vrv_test_fail(__FILE__, __LINE__, "%s == %lld, expected %s == %lld", #a, a_, \
                                    #b, b_);                                                       \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            vrv_test_fail(__FILE__, __LINE__, "%s == \"%s\", expected \"%s\"", #a,                 \
                          a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                 \
    } while (0)

#define CHECK_STRN(a, alen, b)                                                                     \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        size_t al_ = (alen);                                                                       \
        if (!a_ || strlen(b_) != al_ || memcmp(a_, b_, al_) != 0)                                  \
            vrv_test_fail(__FILE__, __LINE__, "%s == \"%.*s\", expected \"%s\"", #a, (int)al_,     \
                          a_ ? a_ : "", b_);                                                       \
    } while (0)

#define CHECK_DBL(a, b)                                                                            \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(a_ == b_ || (isnan(a_) && isnan(b_))))                                               \
            vrv_test_fail(__FILE__, __LINE__, "%s == %.17g, expected %.17g", #a, a_, b_);          \
    } while (0)

#define CHECK_NEAR(a, b, eps)                                                                      \
    do {                                                                                           \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (eps)))                                                             \
            vrv_test_fail(__FILE__, __LINE__, "%s == %.17g, expected %.17g +- %g", #a, a_, b_,     \
                          (double)(eps));                                                          \
    } while (0)

#endif
