/*
 * vec.h — a typed growable array as a macro, for the many small lists of the
 * control plane. VRV_VEC(int) v = {0}; vrv_vec_push(&v, 3); free(v.v);
 */
#ifndef VRV_VEC_H
#define VRV_VEC_H

#include <stdlib.h>

#include "base/mem.h"

#define VRV_VEC(T)                                                                                 \
    struct {                                                                                       \
        T *v;                                                                                      \
        size_t n, cap;                                                                             \
    }

#define vrv_vec_reserve(vec, need)                                                                 \
    vrv_grow((void **)&(vec)->v, &(vec)->cap, (need), sizeof(*(vec)->v))

#define vrv_vec_push(vec, x)                                                                       \
    do {                                                                                           \
        vrv_vec_reserve((vec), (vec)->n + 1);                                                      \
        (vec)->v[(vec)->n++] = (x);                                                                \
    } while (0)

#define vrv_vec_free(vec)                                                                          \
    do {                                                                                           \
        free((vec)->v);                                                                            \
        (vec)->v = NULL;                                                                           \
        (vec)->n = (vec)->cap = 0;                                                                 \
    } while (0)

#endif
