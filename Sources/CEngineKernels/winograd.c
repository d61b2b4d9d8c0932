// The banded Winograd F(2x2, 3x3) path's transforms (include/winograd.h): whole tile rows of one plane at a time,
// with the gemms between them issued by the engine through BLAS. The transforms are in winograd_tiles.h.
#include "winograd.h"

#include "winograd_tiles.h"

KERNEL void drk_winograd_weights_body(const float *weights, long cout, long cin, long first_out, long out_count,
                                      float *u) {
    long matrix = cout * cin;
    for (long o = first_out; o < first_out + out_count; o++) {
        for (long c = 0; c < cin; c += 8) {
            long lanes = cin - c < 8 ? cin - c : 8;
            f8 transformed[16];
            transform_kernels(weights + (o * cin + c) * 9, lanes, transformed);
            for (int e = 0; e < 16; e++) store_lanes(u + e * matrix + o * cin + c, lanes, transformed[e]);
        }
    }
}

KERNEL void drk_winograd_input_body(const float *plane, long height, long width, long tile_row0, long tile_rows,
                                    long tiles_x, float *v, long element_stride) {
    for (long ty = tile_row0; ty < tile_row0 + tile_rows; ty++) {
        input_row(plane, height, width, ty, 0, tiles_x, v + (ty - tile_row0) * tiles_x, element_stride);
    }
}

KERNEL void drk_winograd_output_body(const float *m, long element_stride, long tile_row0, long tile_rows,
                                     long tiles_x, float bias, float *plane, long height, long width) {
    for (long ty = tile_row0; ty < tile_row0 + tile_rows; ty++) {
        output_row(m + (ty - tile_row0) * tiles_x, element_stride, ty, 0, tiles_x, bias, DRK_ACTIVATION_NONE, plane,
                   height, width);
    }
}

EXPORT_VOID(drk_winograd_weights, (const float *weights, long cout, long cin, long first_out, long out_count,
                                   float *u), (weights, cout, cin, first_out, out_count, u))
EXPORT_VOID(drk_winograd_input, (const float *plane, long height, long width, long tile_row0, long tile_rows,
                                 long tiles_x, float *v, long element_stride),
            (plane, height, width, tile_row0, tile_rows, tiles_x, v, element_stride))
EXPORT_VOID(drk_winograd_output, (const float *m, long element_stride, long tile_row0, long tile_rows, long tiles_x,
                                  float bias, float *plane, long height, long width),
            (m, element_stride, tile_row0, tile_rows, tiles_x, bias, plane, height, width))
