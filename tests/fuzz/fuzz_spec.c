/*
 * fuzz_spec.c — arbitrary bytes → JSON → supervisor and batch spec parsing and
 * serialisation. Whatever the input, parsing must either succeed or fail with
 * an error message, and never crash, read out of bounds or leak; a parsed
 * supervisor spec must serialise and parse back.
 */
#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (!j) return 0;
    vrv_spec_opts opts = {.memory_budget = 1 << 30, .processors = 2};
    vrv_error err;
    vrv_spec_supervisor s;
    if (vrv_spec_supervisor_parse(j, &opts, &s, &err) == 0) {
        json_t *out = vrv_spec_supervisor_to_json(&s, -1);
        vrv_spec_supervisor again;
        if (vrv_spec_supervisor_parse(out, &opts, &again, &err) != 0) __builtin_trap();
        vrv_spec_supervisor_free(&again);
        json_decref(out);
        vrv_spec_supervisor_free(&s);
    } else if (err.msg[0] == '\0') {
        __builtin_trap();
    }
    vrv_spec_batch b;
    if (vrv_spec_batch_parse(j, &opts, &b, &err) == 0)
        vrv_spec_batch_free(&b);
    else if (err.msg[0] == '\0')
        __builtin_trap();
    json_decref(j);
    return 0;
}
