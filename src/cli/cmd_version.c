/*
 * cmd_version.c — `varve version`: prints the version and the library versions
 * varve was built against.
 */
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <microhttpd.h>
#include <stdio.h>
#include <sqlite3.h>

#include "cli/cli.h"

int vrv_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("varve %s\n", VARVE_VERSION);
    printf("  librdkafka %s, libmicrohttpd %s, jansson %s, sqlite %s\n", rd_kafka_version_str(),
           MHD_get_version(), JANSSON_VERSION, sqlite3_libversion());
    return 0;
}
