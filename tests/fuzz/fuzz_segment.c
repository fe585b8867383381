/*
 * fuzz_segment.c — the segment reader on arbitrary file contents: open must
 * reject or accept without crashing, and every column of an accepted file must
 * read back within bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "segment/seg_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/fuzz-seg-%d.vseg", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    vrv_segment *seg;
    vrv_error err;
    if (vrv_segment_open(path, &seg, &err) == 0) {
        static int64_t l[VRV_SEG_BLOCK_ROWS];
        static double d[VRV_SEG_BLOCK_ROWS];
        static float fl[VRV_SEG_BLOCK_ROWS];
        static uint32_t ids[VRV_SEG_BLOCK_ROWS];
        for (size_t b = 0; b < vrv_segment_nblocks(seg); b++) {
            vrv_seg_read_times(seg, b, l);
            for (size_t c = 1; c < vrv_segment_ncols(seg); c++) {
                const vrv_seg_col *col = vrv_segment_col(seg, c);
                switch (col->type) {
                case VRV_C_LONG: vrv_seg_read_longs(seg, c, b, l); break;
                case VRV_C_DOUBLE: vrv_seg_read_doubles(seg, c, b, d); break;
                case VRV_C_FLOAT: vrv_seg_read_floats(seg, c, b, fl); break;
                case VRV_C_STRING:
                case VRV_C_JSON: {
                    long n = vrv_seg_read_ids(seg, c, b, ids);
                    for (long i = 0; i < n; i++) vrv_seg_dict_get(seg, c, ids[i]);
                    break;
                }
                default: break;
                }
            }
        }
        vrv_segment_close(seg);
    }
    unlink(path);
    return 0;
}
