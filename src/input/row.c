/*
 * row.c — the field set (name -> slot) of the row pipeline.
 */
#include "input/row.h"

#include <stdlib.h>
#include <string.h>

#include "base/mem.h"

void vrv_fieldset_init(vrv_fieldset *fs)
{
    memset(fs, 0, sizeof *fs);
    vrv_map_init(&fs->index, false);
}

void vrv_fieldset_destroy(vrv_fieldset *fs)
{
    for (size_t i = 0; i < fs->n; i++) free(fs->names[i]);
    free(fs->names);
    vrv_map_destroy(&fs->index);
    memset(fs, 0, sizeof *fs);
}

size_t vrv_fieldset_add(vrv_fieldset *fs, const char *name)
{
    long found = vrv_fieldset_find(fs, name, strlen(name));
    if (found >= 0) return (size_t)found;
    fs->names = vrv_realloc(fs->names, (fs->n + 1) * sizeof *fs->names);
    fs->names[fs->n] = vrv_strdup(name);
    /* keys are borrowed from names[], which live as long as the map */
    *vrv_map_put(&fs->index, fs->names[fs->n], strlen(name), NULL) = fs->n;
    return fs->n++;
}

long vrv_fieldset_find(const vrv_fieldset *fs, const char *name, size_t len)
{
    uint64_t *slot = vrv_map_get(&fs->index, name, len);
    return slot ? (long)*slot : -1;
}
