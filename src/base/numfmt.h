/*
 * numfmt.h — numbers printed the way Druid (Java) prints them.
 *
 * Java's Double.toString / Float.toString: the shortest decimal that reads back
 * as the same value, always with a fractional part or an exponent ("5.0",
 * "0.001", "1.0E7", "1.0E-4", "-3.5E10"), decimal notation for magnitudes in
 * [1e-3, 1e7), computerized scientific notation otherwise; "NaN", "Infinity",
 * "-Infinity". Longs print in plain decimal.
 */
#ifndef VRV_NUMFMT_H
#define VRV_NUMFMT_H

#include "base/vrv.h"

#define VRV_NUMFMT_MAX 32 /* enough for any double, float or int64 and a NUL */

/* Each writes a NUL-terminated string into out (VRV_NUMFMT_MAX bytes) and
 * returns its length. */
size_t vrv_fmt_double(double d, char *out);
size_t vrv_fmt_float(float f, char *out);
size_t vrv_fmt_long(int64_t l, char *out);

#endif
