/*
 * console_assets.h — the console's static files as compiled into the binary:
 * the table cmake/embed_web.cmake generates from the web/ tree at build time. Every
 * field is static data, valid for the life of the process; nothing is freed.
 */
#ifndef VRV_CONSOLE_ASSETS_H
#define VRV_CONSOLE_ASSETS_H

#include <stddef.h>

typedef struct vrv_console_asset {
    const char *path;          /* relative to web/: "index.html", "js/app.js" */
    const char *content_type;  /* "text/javascript; charset=utf-8", ... */
    const char *etag;          /* quoted, as sent: "\"0123456789abcdef\"" */
    const unsigned char *data; /* len bytes, followed by a NUL */
    size_t len;
} vrv_console_asset;

extern const vrv_console_asset vrv_console_assets[]; /* sorted by path */
extern const size_t vrv_console_n_assets;

/* The file at path (relative to web/, no leading '/'), or NULL. */
const vrv_console_asset *vrv_console_find(const char *path);

#endif
